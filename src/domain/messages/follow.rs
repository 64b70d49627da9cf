//! Following threads (notified of replies) and muting channels (no reply
//! notifications from them; mentions still come through).
//!
//! A thread's starter follows it without a row: the root message's author
//! is the starter, and a `thread_follows` row with `following = false`
//! says they unfollowed. Everyone else follows by a row with `following =
//! true` (written when they reply or follow). So starting a thread, the
//! commonest write, writes no follow at all; [`followers`] is the one
//! place that reads both.

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SelectStatement, UnionType};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use tracing::instrument;
use uuid::Uuid;

use super::{Message, message_access};
use crate::auth::{Action, Viewer};
use crate::db;
use crate::domain::channels::Channel;
use crate::domain::channels::access;
use crate::entities::{channel_mutes, messages, thread_follows};
use crate::error::Result;

/// Follows the thread `message_id` belongs to (a reply's thread is its
/// root's); following again is a no-op. Returns the thread's root.
#[instrument(skip(db, viewer))]
pub async fn follow(db: &DatabaseConnection, viewer: &Viewer, message_id: Uuid) -> Result<Message> {
    set_follow(db, viewer, message_id, true).await
}

/// Stops following the thread `message_id` belongs to.
#[instrument(skip(db, viewer))]
pub async fn unfollow(
    db: &DatabaseConnection,
    viewer: &Viewer,
    message_id: Uuid,
) -> Result<Message> {
    set_follow(db, viewer, message_id, false).await
}

async fn set_follow(
    db: &DatabaseConnection,
    viewer: &Viewer,
    message_id: Uuid,
    on: bool,
) -> Result<Message> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let (mut message, _) = message_access(&txn, actor, message_id).await?;
    if let Some(parent_id) = message.parent_id {
        message = message_access(&txn, actor, parent_id).await?.0;
    }
    // A row either way: "not following" must be said for a starter, and
    // for anyone else it is the same as no row.
    set_following(&txn, &[(message.id, actor.user_id)], on).await?;
    txn.commit().await?;
    Ok(message.into())
}

/// Makes each (thread root, person) a follow, or an unfollow: one upsert,
/// which leaves the rows that say so already untouched.
pub(super) async fn set_following(
    conn: &impl ConnectionTrait,
    follows: &[(Uuid, Uuid)],
    following: bool,
) -> Result<()> {
    use thread_follows::Column as F;
    if follows.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = follows
        .iter()
        .map(|(root, user_id)| thread_follows::ActiveModel {
            message_id: Set(*root),
            user_id: Set(*user_id),
            created_at: Set(now),
            following: Set(following),
        });
    let changed = Expr::col((thread_follows::Entity, F::Following))
        .ne(Expr::col((Alias::new("excluded"), F::Following)));
    thread_follows::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([F::MessageId, F::UserId])
                .update_column(F::Following)
                .action_and_where(changed)
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Who follows the threads `roots`, as `(message_id, user_id)` rows: those
/// whose row says so, and each thread's starter unless their row says
/// otherwise. Only `people`'s follows, when given. One statement, which
/// reads the follows by their key and the roots by theirs.
pub(super) fn followers(roots: Vec<Uuid>, people: Option<Vec<Uuid>>) -> SelectStatement {
    use messages::Column as M;
    use thread_follows::Column as F;
    let follows = thread_follows::Entity;
    let mut by_row = Query::select()
        .columns([(follows, F::MessageId), (follows, F::UserId)])
        .from(follows)
        .and_where(Expr::col((follows, F::MessageId)).is_in(roots.clone()))
        .and_where(Expr::col((follows, F::Following)).eq(true))
        .take();
    let unfollowed = Query::select()
        .expr(Expr::val(1))
        .from(follows)
        .and_where(Expr::col((follows, F::MessageId)).equals((messages::Entity, M::Id)))
        .and_where(Expr::col((follows, F::UserId)).equals((messages::Entity, M::AuthorId)))
        .and_where(Expr::col((follows, F::Following)).eq(false))
        .take();
    let mut starters = Query::select()
        .expr_as(
            Expr::col((messages::Entity, M::Id)),
            Alias::new("message_id"),
        )
        .expr_as(
            Expr::col((messages::Entity, M::AuthorId)),
            Alias::new("user_id"),
        )
        .from(messages::Entity)
        .and_where(Expr::col((messages::Entity, M::Id)).is_in(roots))
        .and_where(Expr::exists(unfollowed).not())
        .take();
    if let Some(people) = people {
        by_row.and_where(Expr::col((follows, F::UserId)).is_in(people.clone()));
        starters.and_where(Expr::col((messages::Entity, M::AuthorId)).is_in(people));
    }
    by_row.union(UnionType::Distinct, starters);
    by_row
}

/// Mutes a channel the viewer may see; muting again is a no-op.
#[instrument(skip(db, viewer))]
pub async fn mute(db: &DatabaseConnection, viewer: &Viewer, channel_id: Uuid) -> Result<Channel> {
    set_mute(db, viewer, channel_id, true).await
}

/// Unmutes a channel.
#[instrument(skip(db, viewer))]
pub async fn unmute(db: &DatabaseConnection, viewer: &Viewer, channel_id: Uuid) -> Result<Channel> {
    set_mute(db, viewer, channel_id, false).await
}

async fn set_mute(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel_id: Uuid,
    on: bool,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let access = access::load(&txn, actor, channel_id, "Channel").await?;
    let existing = channel_mutes::Entity::find_by_id((channel_id, actor.user_id))
        .one(&txn)
        .await?;
    match (on, existing) {
        (true, None) => {
            channel_mutes::ActiveModel {
                channel_id: Set(channel_id),
                user_id: Set(actor.user_id),
                muted_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
        }
        (false, Some(_)) => {
            channel_mutes::Entity::delete_by_id((channel_id, actor.user_id))
                .exec(&txn)
                .await?;
        }
        _ => {}
    }
    txn.commit().await?;
    Ok(access.into_channel())
}

/// Which of `channel_ids` `user_id` has muted: one query.
pub async fn muted(
    db: &DatabaseConnection,
    user_id: Uuid,
    channel_ids: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(channel_mutes::Entity::find()
        .filter(channel_mutes::Column::UserId.eq(user_id))
        .filter(channel_mutes::Column::ChannelId.is_in(channel_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.channel_id)
        .collect())
}
