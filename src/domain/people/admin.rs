//! Administration: creating people, changing anyone's details and role,
//! deactivating them.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use tracing::instrument;
use uuid::Uuid;

use super::Person;
use super::account::ProfileChanges;
use crate::auth::Role;
use crate::auth::sessions;
use crate::auth::{Action, AuthService, Viewer};
use crate::domain::audit::{self, Subject};
use crate::domain::round::week;
use crate::domain::search;
use crate::domain::types::{Email, Handle, NewPassword, Slug, bounded_text, display_name};
use crate::entities::{department_members, departments, users};
use crate::error::{Error, Result, is_unique_violation};
use crate::{db, events};
use serde_json::json;

/// A person as an administrator creates them.
pub struct NewPerson {
    pub email: String,
    pub display_name: String,
    pub handle: Option<String>,
    pub title: Option<String>,
    pub role: Role,
    pub departments: Vec<String>,
    pub password: String,
}

#[instrument(skip(db, auth, viewer, input))]
pub async fn create(
    db: &DatabaseConnection,
    auth: &AuthService,
    viewer: &Viewer,
    input: NewPerson,
) -> Result<Person> {
    let actor = viewer.require(Action::ManageUsers)?;
    let person = create_as(db, auth, Some(actor.user_id), input).await?;
    tracing::info!(user.id = %person.id, role = %person.role, "user created");
    Ok(person)
}

/// Creates a person without a policy check: for the operator's command line
/// and seeding, which run with the database's own authority.
pub async fn create_unchecked(
    db: &DatabaseConnection,
    auth: &AuthService,
    input: NewPerson,
) -> Result<Person> {
    create_as(db, auth, None, input).await
}

/// Creates a person; `actor` (none for the command line) goes in the
/// audit log.
async fn create_as(
    db: &DatabaseConnection,
    auth: &AuthService,
    actor: Option<Uuid>,
    input: NewPerson,
) -> Result<Person> {
    let email = Email::parse("email", &input.email)?;
    let name = display_name("displayName", &input.display_name)?;
    let handle = input
        .handle
        .as_deref()
        .map(|h| Handle::parse("handle", h))
        .transpose()?;
    let title = bounded_text("title", input.title.as_deref().unwrap_or(""), 0, 200)?;
    let password = NewPassword::parse("password", &input.password)?;
    if input.departments.len() > 20 {
        return Err(Error::bad_input("departments", "at most 20 departments"));
    }
    let slugs = input
        .departments
        .iter()
        .map(|slug| Slug::parse("departments", slug))
        .collect::<Result<Vec<_>>>()?;
    let hash = auth.hasher.hash(password.expose()).await?;

    let txn = db::begin_write(db).await?;
    if users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(email_taken(&email));
    }
    let mut department_ids = Vec::new();
    for slug in &slugs {
        let department = departments::Entity::find()
            .filter(departments::Column::Slug.eq(slug.as_str()))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                Error::bad_input(
                    "departments",
                    format!("no department with slug '{}'", slug.as_str()),
                )
            })?;
        // A slug listed twice must not make two memberships.
        if !department_ids.contains(&department.id) {
            department_ids.push(department.id);
        }
    }
    let handle = match handle {
        Some(handle) => {
            if handle_taken(&txn, &handle, None).await? {
                return Err(Error::conflict(
                    "handle",
                    format!("The handle @{} is taken.", handle.as_str()),
                ));
            }
            handle
        }
        None => free_handle(&txn, &Handle::derive_from(email.local_part())).await?,
    };
    let now = Utc::now();
    let user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.as_str().to_owned()),
        handle: Set(handle.as_str().to_owned()),
        display_name: Set(name),
        title: Set(title),
        bio: Set(String::new()),
        role: Set(input.role.as_str().to_owned()),
        password_hash: Set(hash),
        token_version: Set(0),
        deactivated_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        time_zone: Set(None),
        checkin_reminders: Set(true),
        language: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            email_taken(&email)
        } else {
            e.into()
        }
    })?;
    for department_id in department_ids {
        department_members::ActiveModel {
            department_id: Set(department_id),
            user_id: Set(user.id),
            joined_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    crate::domain::analytics::record::memberships_changed(&txn, &[user.id]).await?;
    search::index::refresh(&txn, search::Kind::Person, &[user.id]).await?;
    let mut after = profile(&user);
    after["departments"] = json!(slugs.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    audit::record(
        &txn,
        actor,
        audit::Action::UserCreated,
        Subject::User(user.id),
        None,
        Some(after),
    )
    .await?;
    txn.commit().await?;
    Ok(user.into())
}

/// What the audit log keeps of a person's profile.
fn profile(user: &users::Model) -> serde_json::Value {
    json!({
        "handle": user.handle,
        "email": user.email,
        "displayName": user.display_name,
        "title": user.title,
        "role": user.role,
    })
}

/// The languages the web client speaks.
pub const LANGUAGES: [&str; 2] = ["en", "sv"];

/// A language setting: empty means "follow the browser", otherwise one of
/// [`LANGUAGES`].
fn language(text: &str) -> Result<Option<String>> {
    match text.trim() {
        "" => Ok(None),
        code if LANGUAGES.contains(&code) => Ok(Some(code.to_owned())),
        _ => Err(Error::bad_input(
            "language",
            format!("{text:?} is not a language synaps speaks; use \"en\" or \"sv\""),
        )),
    }
}

fn email_taken(email: &Email) -> Error {
    Error::conflict("email", format!("Someone already uses {}.", email.as_str()))
}

async fn handle_taken(
    conn: &impl ConnectionTrait,
    handle: &Handle,
    except: Option<Uuid>,
) -> Result<bool> {
    let mut select = users::Entity::find().filter(users::Column::Handle.eq(handle.as_str()));
    if let Some(id) = except {
        select = select.filter(users::Column::Id.ne(id));
    }
    Ok(select.one(conn).await?.is_some())
}

/// `base`, or `base-2`, `base-3`, … whichever is free first.
async fn free_handle(conn: &impl ConnectionTrait, base: &Handle) -> Result<Handle> {
    let candidates: Vec<Handle> = std::iter::once(base.clone())
        .chain((2..=50).map(|n| base.with_suffix(n)))
        .collect();
    let taken: Vec<String> = users::Entity::find()
        .select_only()
        .column(users::Column::Handle)
        .filter(users::Column::Handle.is_in(candidates.iter().map(|h| h.as_str().to_owned())))
        .into_tuple()
        .all(conn)
        .await?;
    candidates
        .into_iter()
        .find(|h| !taken.iter().any(|t| t == h.as_str()))
        .ok_or_else(|| {
            Error::conflict(
                "handle",
                "No free handle could be derived; give one explicitly.",
            )
        })
}

/// What an administrator may change about anyone.
pub struct PersonChanges {
    pub id: Uuid,
    pub email: Option<String>,
    pub profile: ProfileChanges,
}

#[instrument(skip(db, viewer, changes), fields(user.id = %changes.id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    changes: PersonChanges,
) -> Result<Person> {
    let actor = viewer.require(Action::ManageUsers)?;
    update_person(
        db,
        changes.id,
        changes.email,
        changes.profile,
        Some(actor.user_id),
    )
    .await
}

/// Changes a person; by an administrator (`audited_by`), recorded in the
/// audit log.
pub(super) async fn update_person(
    db: &DatabaseConnection,
    id: Uuid,
    email: Option<String>,
    changes: ProfileChanges,
    audited_by: Option<Uuid>,
) -> Result<Person> {
    let email = email
        .as_deref()
        .map(|e| Email::parse("email", e))
        .transpose()?;
    let name = changes
        .display_name
        .as_deref()
        .map(|n| display_name("displayName", n))
        .transpose()?;
    let handle = changes
        .handle
        .as_deref()
        .map(|h| Handle::parse("handle", h))
        .transpose()?;
    let title = changes
        .title
        .as_deref()
        .map(|t| bounded_text("title", t, 0, 200))
        .transpose()?;
    let bio = changes
        .bio
        .as_deref()
        .map(|b| bounded_text("bio", b, 0, 4000))
        .transpose()?;
    // Empty means "the company's default"; anything else must be a zone.
    let time_zone = changes
        .time_zone
        .as_deref()
        .map(|z| match z.trim() {
            "" => Ok(None),
            zone => week::parse_zone("timeZone", zone).map(|tz| Some(tz.name().to_owned())),
        })
        .transpose()?;
    let language = changes.language.as_deref().map(language).transpose()?;

    let txn = db::begin_write(db).await?;
    let user = users::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("User"))?;
    let before = profile(&user);
    let mut active = user.into_active_model();
    if let Some(email) = &email {
        let clash = users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .filter(users::Column::Id.ne(id))
            .one(&txn)
            .await?;
        if clash.is_some() {
            return Err(email_taken(email));
        }
        active.email = Set(email.as_str().to_owned());
    }
    if let Some(handle) = &handle {
        if handle_taken(&txn, handle, Some(id)).await? {
            return Err(Error::conflict(
                "handle",
                format!("The handle @{} is taken.", handle.as_str()),
            ));
        }
        active.handle = Set(handle.as_str().to_owned());
    }
    if let Some(name) = name {
        active.display_name = Set(name);
    }
    if let Some(title) = title {
        active.title = Set(title);
    }
    if let Some(bio) = bio {
        active.bio = Set(bio);
    }
    if let Some(time_zone) = time_zone {
        active.time_zone = Set(time_zone);
    }
    if let Some(language) = language {
        active.language = Set(language);
    }
    if let Some(on) = changes.checkin_reminders {
        active.checkin_reminders = Set(on);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await.map_err(|e| {
        if is_unique_violation(&e) {
            Error::Conflict {
                field: None,
                message: "The email or handle is taken.".to_owned(),
            }
        } else {
            e.into()
        }
    })?;
    search::index::refresh(&txn, search::Kind::Person, &[updated.id]).await?;
    if audited_by.is_some() {
        let after = profile(&updated);
        audit::record(
            &txn,
            audited_by,
            audit::Action::UserUpdated,
            Subject::User(id),
            Some(before),
            Some(after),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(updated.into())
}

#[instrument(skip(db, viewer))]
pub async fn set_role(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    role: Role,
) -> Result<Person> {
    let actor = viewer.require(Action::ManageUsers)?;
    if actor.user_id == id {
        return Err(Error::bad_input(
            "id",
            "you cannot change your own role; ask another admin",
        ));
    }
    let txn = db::begin_write(db).await?;
    let user = users::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("User"))?;
    let before = json!({ "role": user.role });
    let mut active = user.into_active_model();
    active.role = Set(role.as_str().to_owned());
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    // Their sessions carry the role: look it up afresh.
    sessions::forget_user(&txn, id).await?;
    let after = json!({ "role": role.as_str() });
    audit::record(
        &txn,
        Some(actor.user_id),
        audit::Action::UserRoleChanged,
        Subject::User(id),
        Some(before),
        Some(after),
    )
    .await?;
    events::commit(txn).await?;
    tracing::info!(user.id = %id, role = %role, "role changed");
    Ok(updated.into())
}

/// Deactivates a person: they cannot sign in, and their tokens stop working
/// at once (token version bumped, sessions revoked).
#[instrument(skip(db, viewer))]
pub async fn deactivate(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Person> {
    let actor = viewer.require(Action::ManageUsers)?;
    if actor.user_id == id {
        return Err(Error::bad_input(
            "id",
            "you cannot deactivate yourself; ask another admin",
        ));
    }
    let txn = db::begin_write(db).await?;
    let user = users::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("User"))?;
    if user.deactivated_at.is_some() {
        return Ok(user.into());
    }
    let version = user.token_version.saturating_add(1);
    let mut active = user.into_active_model();
    active.deactivated_at = Set(Some(Utc::now()));
    active.token_version = Set(version);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    sessions::revoke_all(&txn, id).await?;
    let after = json!({ "deactivatedAt": updated.deactivated_at });
    audit::record(
        &txn,
        Some(actor.user_id),
        audit::Action::UserDeactivated,
        Subject::User(id),
        Some(json!({ "deactivatedAt": null })),
        Some(after),
    )
    .await?;
    events::commit(txn).await?;
    tracing::info!(user.id = %id, "user deactivated");
    Ok(updated.into())
}
