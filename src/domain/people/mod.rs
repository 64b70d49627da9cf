//! People: who works here and what they may do. The directory
//! ([`directory`]), a person's own account ([`account`]) and administration
//! ([`admin`]) are apart; this module holds the person they all return.

mod account;
mod admin;
mod directory;
pub mod privacy;

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, FromQueryResult, QueryResult, QuerySelect, Select, SelectModel, Selector};
use uuid::Uuid;

use crate::auth::Role;
use crate::db::columns::Columns;
use crate::domain::pagination::Cursor;
use crate::entities::users;

pub use account::{ProfileChanges, change_password, login, logout, update_profile};
pub use admin::{NewPerson, PersonChanges, create, create_unchecked, deactivate, set_role, update};
pub use directory::{PeopleFilter, by_handle, by_id, by_ids, count, list, me, with_departments};

/// A person as the rest of synaps sees them (never the password hash).
/// Read with [`Person::select`]: a page of people reads these columns and
/// not the whole row (the password hash, the token version).
#[derive(Clone, Debug)]
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

/// A person is read by position (`db::columns`: a feed page reads its
/// authors by the hundred), from the columns [`Person::select`] selects.
impl FromQueryResult for Person {
    fn from_query_result(row: &QueryResult, _prefix: &str) -> Result<Self, DbErr> {
        Person::read(&mut Columns::new(row, 0))
    }
}

impl Person {
    /// The columns a person is read from, in the order [`Person::read`]
    /// reads them.
    pub(crate) const COLUMNS: [users::Column; 12] = [
        users::Column::Id,
        users::Column::Email,
        users::Column::Handle,
        users::Column::DisplayName,
        users::Column::Title,
        users::Column::Bio,
        users::Column::Role,
        users::Column::DeactivatedAt,
        users::Column::CreatedAt,
        users::Column::TimeZone,
        users::Column::CheckinReminders,
        users::Column::Language,
    ];

    /// `select` reading a person's columns and nothing else.
    pub(crate) fn select(select: Select<users::Entity>) -> Selector<SelectModel<Person>> {
        select
            .select_only()
            .columns(Person::COLUMNS)
            .into_model::<Person>()
    }

    /// A person from the next columns of a row: [`Person::COLUMNS`], in
    /// order.
    pub(crate) fn read(columns: &mut Columns<'_>) -> Result<Person, DbErr> {
        Ok(Person {
            id: columns.read()?,
            email: columns.read()?,
            handle: columns.read()?,
            display_name: columns.read()?,
            title: columns.read()?,
            bio: columns.read()?,
            role: Role::from_db(&columns.read::<String>()?),
            deactivated_at: columns.read()?,
            created_at: columns.read()?,
            time_zone: columns.read()?,
            checkin_reminders: columns.read()?,
            language: columns.read()?,
        })
    }

    pub fn cursor(&self) -> Cursor {
        Cursor::new(self.display_name.clone(), self.id)
    }
}
