//! Editing and deleting messages, and what posting shares with them: the
//! body, mentions, notifications and subscription events, each change in
//! one transaction (posting itself is `post`).
//!
//! Notifications: MENTION to everyone newly mentioned who may see the
//! channel (even if they muted it); REPLY to the followers of a thread
//! (its starter and everyone who replied, unless they unfollowed) except
//! those who muted the channel and those already told by a mention; never
//! to the actor.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use super::{BODY_MAX_BYTES, Message, follow, mentions, message_access};
use crate::auth::{Action, Viewer};
use crate::domain::channels::access::who_may_see;
use crate::domain::notifications::{self, Kind, Subject};
use crate::domain::search;
use crate::entities::{channel_mutes, channels, message_mentions, messages, users};
use crate::error::{Error, Result};
use crate::events::{self, Event, Topic};
use crate::{db, domain::types::bounded_text};

/// A message body: markdown, 1 byte to 64 KiB after trimming.
pub struct Body(String);

impl Body {
    pub fn parse(field: &str, value: &str) -> Result<Body> {
        let trimmed = value.trim();
        if trimmed.len() > BODY_MAX_BYTES {
            return Err(Error::bad_input(
                field,
                format!(
                    "must be at most {BODY_MAX_BYTES} bytes (got {})",
                    trimmed.len()
                ),
            ));
        }
        Ok(Body(bounded_text(field, trimmed, 1, BODY_MAX_BYTES)?))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The event for a change to a message (`what`: edited, deleted, …).
pub(super) fn changed_event(message: &messages::Model, what: &str) -> Event {
    Event {
        topic: Topic::MessageChanged {
            channel: message.channel_id,
            message: message.id,
        },
        details: json!({ "parentId": message.parent_id, "change": what }),
    }
}

/// The handles a new message mentions, if it may notify someone (it
/// mentions a handle, or replies in a thread): what [`notify_new`] takes.
/// `None` for most messages, which notify nobody.
pub(super) fn notifying_handles(message: &messages::Model) -> Option<Vec<String>> {
    let handles = mentions::handles(&message.body);
    (message.parent_id.is_some() || !handles.is_empty()).then_some(handles)
}

/// Stores the mentions (`handles`, from [`notifying_handles`]) of a new
/// message and notifies the mentioned and, for a reply, the thread's
/// followers.
pub(super) async fn notify_new(
    txn: &DatabaseTransaction,
    channel: &channels::Model,
    message: &messages::Model,
    handles: Vec<String>,
) -> Result<()> {
    let mentioned = store_mentions(txn, channel, message, handles, &HashSet::new()).await?;
    let followers: Vec<Uuid> = match message.parent_id {
        Some(root) => thread_followers(txn, channel, root, message.author_id)
            .await?
            .into_iter()
            .filter(|f| !mentioned.contains(f))
            .collect(),
        None => Vec::new(),
    };
    if mentioned.is_empty() && followers.is_empty() {
        return Ok(());
    }
    let author = author_name(txn, message.author_id).await?;
    let subject = Subject {
        kind: "message",
        id: message.id,
    };
    let where_ = format!("#{}", channel.slug);
    notifications::notify(
        txn,
        &mentioned,
        Kind::Mention,
        Some(message.author_id),
        &subject,
        &format!("{author} mentioned you in {where_}."),
    )
    .await?;
    notifications::notify(
        txn,
        &followers,
        Kind::Reply,
        Some(message.author_id),
        &subject,
        &format!("{author} replied in a thread you follow in {where_}."),
    )
    .await
}

/// Edits one's own message; sets `editedAt`. People newly mentioned are told.
#[instrument(skip(db, viewer, body))]
pub async fn edit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    body: &str,
) -> Result<Message> {
    let actor = viewer.require(Action::UseChannels)?;
    let body = Body::parse("body", body)?;
    let txn = db::begin_write(db).await?;
    let (message, access) = message_access(&txn, actor, id).await?;
    access.require_edit(message.author_id)?;
    access.require_open("id")?;
    if message.deleted_at.is_some() {
        return Err(Error::conflict("id", "The message was deleted."));
    }
    let before: HashSet<Uuid> = message_mentions::Entity::find()
        .filter(message_mentions::Column::MessageId.eq(message.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let mut active = message.into_active_model();
    active.body = Set(body.0);
    active.edited_at = Set(Some(Utc::now()));
    let message = active.update(&txn).await?;
    let handles = mentions::handles(&message.body);
    let newly = store_mentions(&txn, access.channel(), &message, handles, &before).await?;
    let author = author_name(&txn, actor.user_id).await?;
    notifications::notify(
        &txn,
        &newly,
        Kind::Mention,
        Some(actor.user_id),
        &Subject {
            kind: "message",
            id: message.id,
        },
        &format!("{author} mentioned you in #{}.", access.channel().slug),
    )
    .await?;
    search::index::put_all(&txn, &[search::index::message(&message)]).await?;
    events::record(&txn, changed_event(&message, "edited")).await?;
    events::commit(txn).await?;
    Ok(message.into())
}

/// Deletes a message (its author; admins any): a tombstone that keeps its
/// thread, with the body and mentions gone. Deleting it again is a no-op.
#[instrument(skip(db, viewer))]
pub async fn delete(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Message> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let (message, access) = message_access(&txn, actor, id).await?;
    access.require_delete(message.author_id)?;
    access.require_open("id")?;
    if message.deleted_at.is_some() {
        txn.commit().await?;
        return Ok(message.into());
    }
    message_mentions::Entity::delete_many()
        .filter(message_mentions::Column::MessageId.eq(message.id))
        .exec(&txn)
        .await?;
    let mut active = message.into_active_model();
    active.body = Set(String::new());
    active.deleted_at = Set(Some(Utc::now()));
    let message = active.update(&txn).await?;
    search::index::remove_all(&txn, [(search::Kind::Message, message.id)]).await?;
    events::record(&txn, changed_event(&message, "deleted")).await?;
    events::commit(txn).await?;
    Ok(message.into())
}

/// Makes the stored mentions of `message` the people of `handles` (those
/// its body mentions) who may see the channel; `already` are those stored
/// before (an edit). Returns the people newly mentioned.
async fn store_mentions(
    conn: &impl ConnectionTrait,
    channel: &channels::Model,
    message: &messages::Model,
    handles: Vec<String>,
    already: &HashSet<Uuid>,
) -> Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = if handles.is_empty() {
        Vec::new()
    } else {
        users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::Handle.is_in(handles))
            .into_tuple::<Uuid>()
            .all(conn)
            .await?
    };
    let visible: HashSet<Uuid> = who_may_see(conn, channel, &ids)
        .await?
        .into_iter()
        .collect();
    let gone: Vec<Uuid> = already.difference(&visible).copied().collect();
    if !gone.is_empty() {
        message_mentions::Entity::delete_many()
            .filter(message_mentions::Column::MessageId.eq(message.id))
            .filter(message_mentions::Column::UserId.is_in(gone))
            .exec(conn)
            .await?;
    }
    let mut added: Vec<Uuid> = visible.difference(already).copied().collect();
    added.sort();
    if !added.is_empty() {
        let rows = added.iter().map(|user_id| message_mentions::ActiveModel {
            message_id: Set(message.id),
            user_id: Set(*user_id),
        });
        message_mentions::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(added)
}

/// The followers of thread `root` to tell about a reply: not the actor, not
/// those who muted the channel, only those who may still see it.
async fn thread_followers(
    conn: &impl ConnectionTrait,
    channel: &channels::Model,
    root: Uuid,
    actor_id: Uuid,
) -> Result<Vec<Uuid>> {
    let muted = Query::select()
        .column(channel_mutes::Column::UserId)
        .from(channel_mutes::Entity)
        .and_where(Expr::col(channel_mutes::Column::ChannelId).eq(channel.id))
        .take();
    let following = Alias::new("following");
    let user_id = Alias::new("user_id");
    let query = Query::select()
        .column((following.clone(), user_id.clone()))
        .from_subquery(follow::followers(vec![root], None), following.clone())
        .and_where(Expr::col((following.clone(), user_id.clone())).ne(actor_id))
        .and_where(Expr::col((following, user_id)).not_in_subquery(muted))
        .take();
    let backend = conn.get_database_backend();
    let followers: Vec<Uuid> = conn
        .query_all_raw(backend.build(&query))
        .await?
        .iter()
        .map(|row| row.try_get("", "user_id"))
        .collect::<std::result::Result<_, _>>()?;
    who_may_see(conn, channel, &followers).await
}

async fn author_name(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<String> {
    Ok(users::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default())
}
