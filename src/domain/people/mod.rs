//! People: who works here and what they may do. The directory
//! ([`directory`]), a person's own account ([`account`]) and administration
//! ([`admin`]) are apart; this module holds the person they all return.

mod account;
mod admin;
mod directory;
pub mod privacy;

use chrono::{DateTime, Utc};
use sea_orm::{ColIdx, DerivePartialModel, QueryResult, TryGetError, TryGetable};
use uuid::Uuid;

use crate::auth::Role;
use crate::domain::pagination::Cursor;
use crate::entities::users;

pub use account::{ProfileChanges, change_password, login, logout, update_profile};
pub use admin::{NewPerson, PersonChanges, create, create_unchecked, deactivate, set_role, update};
pub use directory::{PeopleFilter, by_handle, by_id, by_ids, count, list, me, with_departments};

/// A person as the rest of synaps sees them (never the password hash).
/// Read as a partial model of `users`: a page of people reads these
/// columns and not the whole row (the password hash, the token version).
#[derive(Clone, Debug, DerivePartialModel)]
#[sea_orm(entity = "users::Entity", from_query_result)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub title: String,
    pub bio: String,
    pub role: Role,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Their own IANA zone; `None` follows the configured default.
    pub time_zone: Option<String>,
    /// Whether they want the Monday check-in reminder.
    pub checkin_reminders: bool,
    /// Their web client language (`en`, `sv`); `None` follows the browser.
    pub language: Option<String>,
}

/// A whole row, as an insert or update returns it.
impl From<users::Model> for Person {
    fn from(m: users::Model) -> Self {
        Person {
            id: m.id,
            role: Role::from_db(&m.role),
            email: m.email,
            handle: m.handle,
            display_name: m.display_name,
            title: m.title,
            bio: m.bio,
            deactivated_at: m.deactivated_at,
            created_at: m.created_at,
            time_zone: m.time_zone,
            checkin_reminders: m.checkin_reminders,
            language: m.language,
        }
    }
}

/// A role is stored as its name (`users.role`).
impl TryGetable for Role {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        String::try_get_by(res, index).map(|name| Role::from_db(&name))
    }
}

impl Person {
    pub fn cursor(&self) -> Cursor {
        Cursor::new(self.display_name.clone(), self.id)
    }
}
