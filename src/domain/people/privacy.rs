//! A person's data (docs/OPERATIONS.md, "A person's data"): everything
//! synaps holds about them, as JSON ([`export`]), and erasing it
//! ([`erase`]) while keeping the conversations they took part in readable.
//!
//! Erasing, in one transaction:
//! - their messages become tombstones (`deleted_at`, and `erased_at`: removed
//!   at the person's request), their reactions, mentions, follows, mutes,
//!   read markers, notifications, sessions and away periods go;
//! - their check-ins and challenges are emptied (the week stays counted in
//!   the round's history) and their check-in comments become tombstones;
//! - their guest posts are emptied and their revisions deleted; a
//!   published one is unpublished (APPROVED, off the blog);
//! - the account is anonymised ("Former colleague", `erased-…` handle and
//!   address, no password, deactivated) and leaves every channel and
//!   department;
//! - the search index forgets it all, and the audit log records that the
//!   erasure happened and blanks what its entries about them said.
//!
//! Aggregates (analytics rollups, rate-limit counters) keep their counts:
//! they hold no one's words.

use chrono::Utc;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::sessions as signed_in;
use crate::auth::{Action, Viewer};
use crate::db;
use crate::domain::audit::{self, Subject};
use crate::domain::posts::Status;
use crate::domain::search;
use crate::entities::{
    away_periods, channel_members, channel_mutes, channel_reads, checkin_challenges,
    checkin_comments, checkin_reactions, checkin_reminders, checkins, department_members,
    guest_posts, message_mentions, message_reactions, messages, notifications, post_revisions,
    refresh_tokens, review_events, sessions, thread_follows, users,
};
use crate::error::{Error, Result};
use crate::events;

/// The id of the person with `email` (any case), if anyone has it.
pub async fn id_by_email(db: &DatabaseConnection, email: &str) -> Result<Option<Uuid>> {
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Email.eq(email.trim().to_lowercase()))
        .into_tuple()
        .one(db)
        .await?)
}

/// The person with `id`, or NOT_FOUND.
async fn person(conn: &impl ConnectionTrait, id: Uuid) -> Result<users::Model> {
    users::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("User"))
}

/// Everything synaps holds about person `id`, as one JSON document
/// (secrets left out: no password hash, no token hashes). `actor` is
/// recorded in the audit log (none from the command line).
pub async fn export(db: &DatabaseConnection, actor: Option<Uuid>, id: Uuid) -> Result<Value> {
    // A write transaction from the start: it reads, then writes the audit
    // entry, and on SQLite a reading transaction cannot become a writing one
    // once another connection has written ("database is locked" at once,
    // without waiting; seen beside the scheduler's analytics fold).
    let txn = db::begin_write(db).await?;
    let user = person(&txn, id).await?;
    let profile = json!({
        "id": user.id,
        "email": user.email,
        "handle": user.handle,
        "displayName": user.display_name,
        "title": user.title,
        "bio": user.bio,
        "role": user.role,
        "timeZone": user.time_zone,
        "language": user.language,
        "checkinReminders": user.checkin_reminders,
        "createdAt": user.created_at,
        "updatedAt": user.updated_at,
        "deactivatedAt": user.deactivated_at,
    });
    let session_ids =
        ids_of::<sessions::Entity>(&txn, sessions::Column::Id, sessions::Column::UserId, id)
            .await?;
    let tokens = refresh_tokens::Entity::find()
        .select_only()
        .columns([
            refresh_tokens::Column::SessionId,
            refresh_tokens::Column::CreatedAt,
            refresh_tokens::Column::ExpiresAt,
            refresh_tokens::Column::UsedAt,
        ])
        .filter(refresh_tokens::Column::SessionId.is_in(session_ids))
        .into_json()
        .all(&txn)
        .await?;
    let checkin_ids =
        ids_of::<checkins::Entity>(&txn, checkins::Column::Id, checkins::Column::UserId, id)
            .await?;
    let post_ids = ids_of::<guest_posts::Entity>(
        &txn,
        guest_posts::Column::Id,
        guest_posts::Column::AuthorId,
        id,
    )
    .await?;
    let document = json!({
        "exportedAt": Utc::now(),
        "profile": profile,
        "departments": rows_of::<department_members::Entity>(&txn, department_members::Column::UserId, [id]).await?,
        "channels": rows_of::<channel_members::Entity>(&txn, channel_members::Column::UserId, [id]).await?,
        "channelMutes": rows_of::<channel_mutes::Entity>(&txn, channel_mutes::Column::UserId, [id]).await?,
        "channelReads": rows_of::<channel_reads::Entity>(&txn, channel_reads::Column::UserId, [id]).await?,
        "messages": rows_of::<messages::Entity>(&txn, messages::Column::AuthorId, [id]).await?,
        "reactions": rows_of::<message_reactions::Entity>(&txn, message_reactions::Column::UserId, [id]).await?,
        "mentions": rows_of::<message_mentions::Entity>(&txn, message_mentions::Column::UserId, [id]).await?,
        "threadFollows": rows_of::<thread_follows::Entity>(&txn, thread_follows::Column::UserId, [id]).await?,
        "checkins": rows_of::<checkins::Entity>(&txn, checkins::Column::UserId, [id]).await?,
        "challenges": rows_of::<checkin_challenges::Entity>(&txn, checkin_challenges::Column::CheckinId, checkin_ids.iter().copied()).await?,
        "checkinComments": rows_of::<checkin_comments::Entity>(&txn, checkin_comments::Column::AuthorId, [id]).await?,
        "checkinReactions": rows_of::<checkin_reactions::Entity>(&txn, checkin_reactions::Column::UserId, [id]).await?,
        "checkinReminders": rows_of::<checkin_reminders::Entity>(&txn, checkin_reminders::Column::UserId, [id]).await?,
        "awayPeriods": rows_of::<away_periods::Entity>(&txn, away_periods::Column::UserId, [id]).await?,
        "posts": rows_of::<guest_posts::Entity>(&txn, guest_posts::Column::AuthorId, [id]).await?,
        "postRevisions": rows_of::<post_revisions::Entity>(&txn, post_revisions::Column::PostId, post_ids.iter().copied()).await?,
        "reviewActions": rows_of::<review_events::Entity>(&txn, review_events::Column::ActorId, [id]).await?,
        "notifications": rows_of::<notifications::Entity>(&txn, notifications::Column::RecipientId, [id]).await?,
        "sessions": rows_of::<sessions::Entity>(&txn, sessions::Column::UserId, [id]).await?,
        "refreshTokens": tokens,
    });
    audit::record(
        &txn,
        actor,
        audit::Action::UserExported,
        Subject::User(id),
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(document)
}

/// [`export`] for an administrator.
pub async fn export_for(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Value> {
    let actor = viewer.require(Action::ManageUsers)?;
    export(db, Some(actor.user_id), id).await
}

/// [`erase`] for an administrator, who confirms by typing the person's
/// handle; never themselves.
pub async fn erase_for(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    confirm_handle: &str,
) -> Result<users::Model> {
    let actor = viewer.require(Action::ManageUsers)?;
    if actor.user_id == id {
        return Err(Error::bad_input(
            "userId",
            "you cannot erase yourself; ask another admin",
        ));
    }
    let user = person(db, id).await?;
    if confirm_handle.trim_start_matches('@') != user.handle {
        return Err(Error::bad_input(
            "confirmHandle",
            format!("type the person's handle, @{}, to confirm", user.handle),
        ));
    }
    erase(db, Some(actor.user_id), id).await
}

/// Erases person `id`'s data (see the module docs); `actor` is recorded in
/// the audit log (none from the command line). Erasing again changes
/// nothing more.
pub async fn erase(db: &DatabaseConnection, actor: Option<Uuid>, id: Uuid) -> Result<users::Model> {
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let user = person(&txn, id).await?;

    // Messages: tombstones that keep their threads.
    let message_ids =
        ids_of::<messages::Entity>(&txn, messages::Column::Id, messages::Column::AuthorId, id)
            .await?;
    messages::Entity::update_many()
        .col_expr(messages::Column::Body, Expr::value(""))
        .col_expr(
            messages::Column::DeletedAt,
            Expr::from(Func::coalesce([
                Expr::col(messages::Column::DeletedAt),
                Expr::val(now),
            ])),
        )
        .col_expr(messages::Column::ErasedAt, Expr::value(now))
        .filter(messages::Column::AuthorId.eq(id))
        .exec(&txn)
        .await?;
    for chunk in message_ids.chunks(1000) {
        message_mentions::Entity::delete_many()
            .filter(message_mentions::Column::MessageId.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
        search::index::remove_all(&txn, chunk.iter().map(|m| (search::Kind::Message, *m))).await?;
    }
    delete_of::<message_mentions::Entity>(&txn, message_mentions::Column::UserId, id).await?;
    delete_of::<message_reactions::Entity>(&txn, message_reactions::Column::UserId, id).await?;
    delete_of::<thread_follows::Entity>(&txn, thread_follows::Column::UserId, id).await?;
    delete_of::<channel_mutes::Entity>(&txn, channel_mutes::Column::UserId, id).await?;
    delete_of::<channel_reads::Entity>(&txn, channel_reads::Column::UserId, id).await?;
    delete_of::<channel_members::Entity>(&txn, channel_members::Column::UserId, id).await?;
    delete_of::<department_members::Entity>(&txn, department_members::Column::UserId, id).await?;
    delete_of::<notifications::Entity>(&txn, notifications::Column::RecipientId, id).await?;
    delete_of::<away_periods::Entity>(&txn, away_periods::Column::UserId, id).await?;
    delete_of::<checkin_reminders::Entity>(&txn, checkin_reminders::Column::UserId, id).await?;
    delete_of::<checkin_reactions::Entity>(&txn, checkin_reactions::Column::UserId, id).await?;
    // Signed out everywhere at once (every replica's session cache hears
    // it from the event); the refresh tokens' hashes go.
    signed_in::revoke_all(&txn, id).await?;
    let session_ids =
        ids_of::<sessions::Entity>(&txn, sessions::Column::Id, sessions::Column::UserId, id)
            .await?;
    refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::SessionId.is_in(session_ids))
        .exec(&txn)
        .await?;

    // Check-ins: emptied, the weeks kept.
    let checkin_ids =
        ids_of::<checkins::Entity>(&txn, checkins::Column::Id, checkins::Column::UserId, id)
            .await?;
    checkins::Entity::update_many()
        .col_expr(checkins::Column::Wins, Expr::value(""))
        .col_expr(checkins::Column::Mood, Expr::value(Option::<i16>::None))
        .filter(checkins::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    checkin_challenges::Entity::update_many()
        .col_expr(checkin_challenges::Column::Body, Expr::value(""))
        .filter(checkin_challenges::Column::CheckinId.is_in(checkin_ids.clone()))
        .exec(&txn)
        .await?;
    checkin_comments::Entity::update_many()
        .col_expr(checkin_comments::Column::Body, Expr::value(""))
        .col_expr(
            checkin_comments::Column::DeletedAt,
            Expr::from(Func::coalesce([
                Expr::col(checkin_comments::Column::DeletedAt),
                Expr::val(now),
            ])),
        )
        .filter(checkin_comments::Column::AuthorId.eq(id))
        .exec(&txn)
        .await?;
    search::index::remove_all(
        &txn,
        checkin_ids.iter().map(|c| (search::Kind::Checkin, *c)),
    )
    .await?;

    // Guest posts: emptied, off the blog, their revisions gone.
    let post_ids = ids_of::<guest_posts::Entity>(
        &txn,
        guest_posts::Column::Id,
        guest_posts::Column::AuthorId,
        id,
    )
    .await?;
    post_revisions::Entity::delete_many()
        .filter(post_revisions::Column::PostId.is_in(post_ids.clone()))
        .exec(&txn)
        .await?;
    guest_posts::Entity::update_many()
        .col_expr(
            guest_posts::Column::Status,
            Expr::value(Status::Approved.as_str()),
        )
        .col_expr(
            guest_posts::Column::PublishedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(
            guest_posts::Column::PublishAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(guest_posts::Column::AuthorId.eq(id))
        .filter(
            guest_posts::Column::Status
                .is_in([Status::Published.as_str(), Status::Scheduled.as_str()]),
        )
        .exec(&txn)
        .await?;
    guest_posts::Entity::update_many()
        .col_expr(guest_posts::Column::Title, Expr::value(ERASED_TITLE))
        .col_expr(guest_posts::Column::Body, Expr::value(""))
        .col_expr(guest_posts::Column::Excerpt, Expr::value(""))
        .col_expr(guest_posts::Column::UpdatedAt, Expr::value(now))
        .filter(guest_posts::Column::AuthorId.eq(id))
        .exec(&txn)
        .await?;
    // The slug came from the title.
    for post_id in &post_ids {
        guest_posts::Entity::update_many()
            .col_expr(
                guest_posts::Column::Slug,
                Expr::value(format!("erased-{}", post_id.simple())),
            )
            .filter(guest_posts::Column::Id.eq(*post_id))
            .exec(&txn)
            .await?;
    }
    search::index::remove_all(&txn, post_ids.iter().map(|p| (search::Kind::Post, *p))).await?;

    // The account, anonymised and locked.
    let tag = id.simple().to_string();
    let mut active = user.clone().into_active_model();
    active.email = Set(format!("erased-{tag}@erased.invalid"));
    active.handle = Set(format!("erased-{}", &tag[tag.len() - 12..]));
    active.display_name = Set(ERASED_NAME.to_owned());
    active.title = Set(String::new());
    active.bio = Set(String::new());
    active.password_hash = Set(String::new());
    active.token_version = Set(user.token_version.saturating_add(1));
    active.deactivated_at = Set(Some(user.deactivated_at.unwrap_or(now)));
    active.time_zone = Set(None);
    active.language = Set(None);
    active.updated_at = Set(now);
    let erased = active.update(&txn).await?;
    search::index::remove_all(&txn, [(search::Kind::Person, id)]).await?;

    audit::forget_subject(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        audit::Action::UserErased,
        Subject::User(id),
        None,
        None,
    )
    .await?;
    events::commit(txn).await?;
    tracing::info!(user.id = %id, "user erased");
    Ok(erased)
}

/// The rows of `E` whose `column` is one of `ids`, as a JSON array.
async fn rows_of<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    column: E::Column,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Value> {
    let rows = E::find()
        .filter(column.is_in(ids))
        .into_json()
        .all(conn)
        .await?;
    Ok(Value::Array(rows))
}

/// The `id` column of the rows of `E` whose `owner` column is `person`.
async fn ids_of<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    id: E::Column,
    owner: E::Column,
    person: Uuid,
) -> Result<Vec<Uuid>> {
    Ok(E::find()
        .select_only()
        .column(id)
        .filter(owner.eq(person))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Deletes the rows of `E` whose `column` is `person`.
async fn delete_of<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    column: E::Column,
    person: Uuid,
) -> Result<()> {
    E::delete_many()
        .filter(column.eq(person))
        .exec(conn)
        .await?;
    Ok(())
}

/// The name an erased account shows where it took part.
pub const ERASED_NAME: &str = "Former colleague";
/// The title an erased person's guest posts keep.
pub const ERASED_TITLE: &str = "Removed at the author's request";
