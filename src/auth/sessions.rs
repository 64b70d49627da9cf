//! Sessions and refresh tokens.
//!
//! A login starts a session: the family of every refresh token rotated from
//! it. Refresh tokens are opaque 256-bit random strings, stored only as their
//! SHA-256, valid once: each use returns a new one. Presenting a spent token
//! again means it leaked, so the whole session is revoked. Access tokens name
//! their session, so revoking it cuts them too.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};
use tracing::instrument;
use uuid::Uuid;

use super::jwt::JwtKeys;
use super::session_cache::{self, Remembered};
use super::{Actor, Viewer};
use crate::auth::Role;
use crate::db;
use crate::entities::{refresh_tokens, sessions, users};
use crate::error::{Error, Result};
use crate::events::{self, Event, Sessions, Topic};

/// What a successful login or refresh hands the client.
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub user: users::Model,
}

const INVALID_TOKEN: &str =
    "The access token is invalid or expired. Sign in again, or refresh the session.";
const INVALID_REFRESH: &str = "The refresh token is invalid or expired. Sign in again.";

/// Starts a new session for `user` inside the caller's transaction.
pub async fn start(
    conn: &impl ConnectionTrait,
    keys: &JwtKeys,
    refresh_ttl_secs: u64,
    user: users::Model,
) -> Result<Tokens> {
    let now = Utc::now();
    let session = sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        created_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    issue(conn, keys, refresh_ttl_secs, session.id, user).await
}

/// Rotates a refresh token. A spent token revokes its session.
#[instrument(skip_all)]
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    refresh_ttl_secs: u64,
    raw_token: &str,
) -> Result<Tokens> {
    let txn = db::begin_write(db).await?;
    let outcome = rotate(&txn, keys, refresh_ttl_secs, &hash_token(raw_token)).await?;
    // Commit in every case: a reuse must leave its session revoked.
    events::commit(txn).await?;
    match outcome {
        Outcome::Rotated(tokens) => Ok(*tokens),
        Outcome::Reused(session_id) => {
            tracing::warn!(session.id = %session_id, "refresh token reused: session revoked");
            Err(Error::Unauthenticated(
                "This refresh token was already used, so the session has been revoked. Sign in again.",
            ))
        }
        Outcome::Invalid => Err(Error::Unauthenticated(INVALID_REFRESH)),
    }
}

enum Outcome {
    Rotated(Box<Tokens>),
    Reused(Uuid),
    Invalid,
}

async fn rotate(
    txn: &DatabaseTransaction,
    keys: &JwtKeys,
    refresh_ttl_secs: u64,
    hash: &str,
) -> Result<Outcome> {
    let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash))
        .one(txn)
        .await?
    else {
        return Ok(Outcome::Invalid);
    };
    let now = Utc::now();
    // Mark it spent only if nobody else has: of two concurrent uses, exactly
    // one rotates and the other counts as reuse.
    let claimed = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(token.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        revoke_session(txn, token.session_id).await?;
        return Ok(Outcome::Reused(token.session_id));
    }
    if token.expires_at <= now {
        return Ok(Outcome::Invalid);
    }
    let Some((session, Some(user))) = sessions::Entity::find_by_id(token.session_id)
        .find_also_related(users::Entity)
        .one(txn)
        .await?
    else {
        return Ok(Outcome::Invalid);
    };
    if session.revoked_at.is_some() || user.deactivated_at.is_some() {
        return Ok(Outcome::Invalid);
    }
    let tokens = issue(txn, keys, refresh_ttl_secs, session.id, user).await?;
    Ok(Outcome::Rotated(Box::new(tokens)))
}

/// Revokes one session: its refresh tokens and access tokens stop working,
/// on every replica (see `session_cache`). Commit with `events::commit`.
pub async fn revoke_session(txn: &DatabaseTransaction, session_id: Uuid) -> Result<()> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    session_cache::forget_session(session_id);
    events::record(txn, sessions_changed(Sessions::One(session_id))).await?;
    Ok(())
}

/// Revokes every session of a user (password change, deactivation).
/// Commit with `events::commit`.
pub async fn revoke_all(txn: &DatabaseTransaction, user_id: Uuid) -> Result<()> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    forget_user(txn, user_id).await
}

/// Makes every replica look up `user_id`'s sessions afresh, after a change
/// to what they may do (a new role). Commit with `events::commit`.
pub async fn forget_user(txn: &DatabaseTransaction, user_id: Uuid) -> Result<()> {
    // Here, before the commit, so that this process stops trusting them at
    // once; the event, after it, for the other replicas and for a lookup
    // that raced this transaction.
    session_cache::forget_user(user_id);
    events::record(txn, sessions_changed(Sessions::OfUser(user_id))).await?;
    Ok(())
}

fn sessions_changed(sessions: Sessions) -> Event {
    Event {
        topic: Topic::SessionsChanged { sessions },
        details: serde_json::Value::Null,
    }
}

/// Turns an `Authorization` header value into a viewer. No header is an
/// anonymous viewer; a header that does not check out is an error, never a
/// silent downgrade to anonymous.
pub async fn authenticate(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    authorization: Option<&str>,
) -> Result<Viewer> {
    let Some(header) = authorization else {
        return Ok(Viewer::Anonymous);
    };
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or(Error::Unauthenticated(
            "The Authorization header must be `Bearer <access token>`.",
        ))?;
    let claims = keys
        .verify(token.trim())
        .ok_or(Error::Unauthenticated(INVALID_TOKEN))?;
    let user_id: Uuid = claims
        .sub
        .parse()
        .map_err(|_| Error::Unauthenticated(INVALID_TOKEN))?;
    let known = match session_cache::recall(claims.sid) {
        Some(known) => known,
        None => {
            let generation = session_cache::generation();
            let Some(known) = look_up(db, claims.sid).await? else {
                return Err(Error::Unauthenticated(INVALID_TOKEN));
            };
            session_cache::remember(generation, known.clone());
            known
        }
    };
    if known.actor.user_id != user_id || known.token_version != claims.ver {
        return Err(Error::Unauthenticated(INVALID_TOKEN));
    }
    Ok(Viewer::User(known.actor))
}

/// The session and its person, if the session is not revoked and the person
/// not deactivated.
async fn look_up(db: &DatabaseConnection, session_id: Uuid) -> Result<Option<Remembered>> {
    let Some((session, Some(user))) = sessions::Entity::find_by_id(session_id)
        .find_also_related(users::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.revoked_at.is_some() || user.deactivated_at.is_some() {
        return Ok(None);
    }
    Ok(Some(Remembered {
        actor: Actor {
            user_id: session.user_id,
            role: Role::from_db(&user.role),
            session_id: session.id,
        },
        token_version: user.token_version,
    }))
}

async fn issue(
    conn: &impl ConnectionTrait,
    keys: &JwtKeys,
    refresh_ttl_secs: u64,
    session_id: Uuid,
    user: users::Model,
) -> Result<Tokens> {
    let now = Utc::now();
    let refresh_token = new_refresh_token();
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session_id),
        token_hash: Set(hash_token(&refresh_token)),
        expires_at: Set(now
            + chrono::Duration::seconds(i64::try_from(refresh_ttl_secs).unwrap_or(i64::MAX / 2))),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    let (access_token, expires_at) = keys.mint(user.id, session_id, user.token_version)?;
    Ok(Tokens {
        access_token,
        refresh_token,
        expires_at,
        user,
    })
}

fn new_refresh_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
