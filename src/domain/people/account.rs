//! A person's own account: signing in and out, their profile, their
//! password.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use tracing::instrument;

use super::Person;
use super::admin::update_person;
use crate::auth::sessions::{self, Tokens};
use crate::auth::throttle::{self, LoginKeys};
use crate::auth::{Action, AuthService, Viewer};
use crate::domain::types::NewPassword;
use crate::entities::users;
use crate::error::{Error, Result};
use crate::{db, events};

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
    let result = attempt_login(db, auth, email, password, address).await;
    crate::instruments::login(match &result {
        Ok(_) => "success",
        Err(Error::RateLimited { .. }) => "throttled",
        Err(Error::Unauthenticated(_)) => "failure",
        Err(_) => "error",
    });
    result
}

async fn attempt_login(
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

/// Profile fields a person may change about themselves.
#[derive(Default)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub handle: Option<String>,
    pub title: Option<String>,
    pub bio: Option<String>,
    /// An IANA zone name; empty returns to the configured default.
    pub time_zone: Option<String>,
    pub checkin_reminders: Option<bool>,
    /// `en` or `sv`; empty returns to following the browser.
    pub language: Option<String>,
}

#[instrument(skip(db, viewer, changes))]
pub async fn update_profile(
    db: &DatabaseConnection,
    viewer: &Viewer,
    changes: ProfileChanges,
) -> Result<Person> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    update_person(db, actor.user_id, None, changes, None).await
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
