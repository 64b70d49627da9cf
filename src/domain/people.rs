//! People: the directory, signing in, self-service and administration.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, RelationTrait, Set,
};
use tracing::instrument;
use uuid::Uuid;

use super::pagination::{Cursor, Page, PageArgs};
use super::types::{Email, Handle, NewPassword, Slug, bounded_text, display_name};
use crate::auth::Role;
use crate::auth::sessions::{self, Tokens};
use crate::auth::throttle::{self, LoginKeys};
use crate::auth::{Action, AuthService, Viewer};
use crate::entities::{department_members, departments, users};
use crate::error::{Error, Result, is_unique_violation};
use crate::{db, events};

/// A person as the rest of synaps sees them (never the password hash).
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
}

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
        }
    }
}

impl Person {
    pub fn cursor(&self) -> Cursor {
        Cursor::new(self.display_name.clone(), self.id)
    }
}

const BAD_CREDENTIALS: &str = "The email or password is incorrect.";

/// Signs in with email and password. Throttled per account and per address;
/// an unknown email, a wrong password and a deactivated account all give the
/// same answer in the same time.
#[instrument(skip_all)]
pub async fn login(
    db: &DatabaseConnection,
    auth: &AuthService,
    email: &str,
    password: &str,
    address: &str,
) -> Result<Tokens> {
    // No account has such an email; and PostgreSQL cannot even compare
    // text holding a NUL character, so it must not reach the database.
    if email.len() > 254 || email.contains('\0') || password.len() > 1024 {
        return Err(Error::Unauthenticated(BAD_CREDENTIALS));
    }
    let keys = LoginKeys::new(email, address);
    throttle::check(db, &keys).await?;
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?;
    let valid = auth
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    let user = match user {
        Some(user) if valid && user.deactivated_at.is_none() => user,
        _ => {
            throttle::record_failure(db, &auth.throttle, &keys).await?;
            return Err(Error::Unauthenticated(BAD_CREDENTIALS));
        }
    };
    throttle::record_success(db, &keys).await?;
    let txn = db::begin_write(db).await?;
    let tokens = sessions::start(&txn, &auth.keys, auth.refresh_ttl_secs, user).await?;
    txn.commit().await?;
    tracing::info!(user.id = %tokens.user.id, "signed in");
    Ok(tokens)
}

/// The signed-in person.
pub async fn me(db: &DatabaseConnection, viewer: &Viewer) -> Result<Person> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    find(db, actor.user_id).await
}

pub async fn by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Person> {
    viewer.require(Action::ReadDirectory)?;
    find(db, id).await
}

pub async fn by_handle(db: &DatabaseConnection, viewer: &Viewer, handle: &str) -> Result<Person> {
    viewer.require(Action::ReadDirectory)?;
    let handle = Handle::parse("handle", handle)?;
    users::Entity::find()
        .filter(users::Column::Handle.eq(handle.as_str()))
        .one(db)
        .await?
        .map(Person::from)
        .ok_or(Error::NotFound("User"))
}

/// Many people by id, for loaders. No policy check: callers already hold
/// something that referenced these people.
pub async fn by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> Result<Vec<Person>> {
    Ok(users::Entity::find()
        .filter(db::is_any(
            db.get_database_backend(),
            users::Column::Id,
            ids.to_vec(),
        ))
        .all(db)
        .await?
        .into_iter()
        .map(Person::from)
        .collect())
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Person> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Person::from)
        .ok_or(Error::NotFound("User"))
}

/// Who to list in the directory.
#[derive(Default)]
pub struct PeopleFilter {
    /// Matches name, handle or email, case-insensitively.
    pub search: Option<String>,
    /// A department slug.
    pub department: Option<String>,
}

/// Active people, by name.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &PeopleFilter,
    page: &PageArgs,
) -> Result<Page<Person>> {
    viewer.require(Action::ReadDirectory)?;
    let select = filtered(filter)?;
    let rows = page
        .apply(select, users::Column::DisplayName, users::Column::Id)
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |u| Cursor::new(u.display_name.clone(), u.id))
        .map(Person::from))
}

pub async fn count(db: &DatabaseConnection, viewer: &Viewer, filter: &PeopleFilter) -> Result<u64> {
    viewer.require(Action::ReadDirectory)?;
    Ok(filtered(filter)?.count(db).await?)
}

fn filtered(filter: &PeopleFilter) -> Result<sea_orm::Select<users::Entity>> {
    let mut select = users::Entity::find().filter(users::Column::DeactivatedAt.is_null());
    if let Some(search) = &filter.search {
        let search = bounded_text("search", search, 0, 100)?.to_lowercase();
        if !search.is_empty() {
            let escaped = search
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
            select = select.filter(
                Condition::any()
                    .add(
                        Expr::expr(Func::lower(Expr::col(users::Column::DisplayName)))
                            .like(pattern()),
                    )
                    .add(Expr::col(users::Column::Handle).like(pattern()))
                    .add(Expr::col(users::Column::Email).like(pattern())),
            );
        }
    }
    if let Some(slug) = &filter.department {
        let slug = Slug::parse("department", slug)?;
        select = select
            .join(
                sea_orm::JoinType::InnerJoin,
                users::Relation::Memberships.def(),
            )
            .join(
                sea_orm::JoinType::InnerJoin,
                department_members::Relation::Department.def(),
            )
            .filter(departments::Column::Slug.eq(slug.as_str()));
    }
    Ok(select)
}

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
    viewer.require(Action::ManageUsers)?;
    let person = create_unchecked(db, auth, input).await?;
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
    txn.commit().await?;
    Ok(user.into())
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

/// Profile fields a person may change about themselves.
#[derive(Default)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub handle: Option<String>,
    pub title: Option<String>,
    pub bio: Option<String>,
}

#[instrument(skip(db, viewer, changes))]
pub async fn update_profile(
    db: &DatabaseConnection,
    viewer: &Viewer,
    changes: ProfileChanges,
) -> Result<Person> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    update_person(db, actor.user_id, None, changes).await
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
    viewer.require(Action::ManageUsers)?;
    update_person(db, changes.id, changes.email, changes.profile).await
}

async fn update_person(
    db: &DatabaseConnection,
    id: Uuid,
    email: Option<String>,
    changes: ProfileChanges,
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

    let txn = db::begin_write(db).await?;
    let user = users::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("User"))?;
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
    txn.commit().await?;
    Ok(updated.into())
}

/// Changes the viewer's password. Every session is revoked (other devices are
/// signed out) and a fresh one is returned for this client.
#[instrument(skip_all)]
pub async fn change_password(
    db: &DatabaseConnection,
    auth: &AuthService,
    viewer: &Viewer,
    current: &str,
    new: &str,
    address: &str,
) -> Result<Tokens> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    let new = NewPassword::parse("newPassword", new)?;
    let user = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("User"))?;
    // Guessing the current password through a stolen session counts against
    // the same throttle as guessing it at login.
    let keys = LoginKeys::new(&user.email, address);
    throttle::check(db, &keys).await?;
    if current.len() > 1024
        || !auth
            .hasher
            .verify(current, Some(&user.password_hash))
            .await?
    {
        throttle::record_failure(db, &auth.throttle, &keys).await?;
        return Err(Error::bad_input(
            "currentPassword",
            "is not your current password",
        ));
    }
    if new.expose() == current {
        return Err(Error::bad_input(
            "newPassword",
            "must differ from the current password",
        ));
    }
    let hash = auth.hasher.hash(new.expose()).await?;
    let txn = db::begin_write(db).await?;
    let version = user.token_version.saturating_add(1);
    let mut active = user.into_active_model();
    active.password_hash = Set(hash);
    active.token_version = Set(version);
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    sessions::revoke_all(&txn, user.id).await?;
    let tokens = sessions::start(&txn, &auth.keys, auth.refresh_ttl_secs, user).await?;
    events::commit(txn).await?;
    tracing::info!(user.id = %actor.user_id, "password changed; other sessions revoked");
    Ok(tokens)
}

/// Signs the viewer out of this session.
pub async fn logout(db: &DatabaseConnection, viewer: &Viewer) -> Result<()> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    let txn = db::begin_write(db).await?;
    sessions::revoke_session(&txn, actor.session_id).await?;
    events::commit(txn).await
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
    let mut active = user.into_active_model();
    active.role = Set(role.as_str().to_owned());
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    // Their sessions carry the role: look it up afresh.
    sessions::forget_user(&txn, id).await?;
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
    events::commit(txn).await?;
    tracing::info!(user.id = %id, "user deactivated");
    Ok(updated.into())
}
