//! Following threads (notified of replies) and muting channels (no reply
//! notifications from them; mentions still come through).

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use tracing::instrument;
use uuid::Uuid;

use super::{Message, access, message_access};
use crate::auth::{Action, Viewer};
use crate::db;
use crate::domain::channels::Channel;
use crate::entities::{channel_mutes, thread_follows};
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
    if on {
        insert_follows(&txn, &[(message.id, actor.user_id)]).await?;
    } else {
        thread_follows::Entity::delete_by_id((message.id, actor.user_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(message.into())
}

/// Makes each (thread root, person) a follow unless it is one already: one
/// insert that does nothing on the existing rows.
pub(super) async fn insert_follows(
    conn: &impl ConnectionTrait,
    follows: &[(Uuid, Uuid)],
) -> Result<()> {
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
        });
    thread_follows::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                thread_follows::Column::MessageId,
                thread_follows::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
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
    let access = access(&txn, actor, channel_id, "Channel").await?;
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
    Ok(access.channel.into())
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
