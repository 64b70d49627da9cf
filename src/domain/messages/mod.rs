//! Messages: markdown posted in channels, thread replies, tombstones,
//! reactions, mentions, followed threads and muted channels.
//!
//! Who sees a message, and who may post, react, edit or delete one, is
//! answered by its channel's rule (`channels::access`): a private channel's
//! messages are NOT_FOUND to everyone else, whatever the path.
//! `post` posts (many at once, fed by `queue`; `post::write_in` inside a
//! caller's transaction); `write` edits and deletes; `reactions` holds the
//! fixed set of short codes; `follow` is followed threads and muted
//! channels; `mentions` finds `@handle`s in a body. This file holds the
//! message, the reads and the batched lookups behind the DataLoaders.

pub mod follow;
pub mod live;
pub mod mentions;
pub mod post;
pub mod queue;
pub mod reactions;
mod store;
pub mod write;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryResult, QuerySelect, Select, SelectModel, Selector,
};
use uuid::Uuid;

use super::channels::access::{self, Access};
use super::channels::{Channel, Scope};
use super::pagination::{Cursor, Page, PageArgs, page_per_group_by_time};
use super::people::Person;
use crate::auth::{Action, Actor, Viewer};
use crate::db;
use crate::db::columns::Columns;
use crate::entities::{channels, message_mentions, message_reactions, messages, users};
use crate::error::{Error, Result};

/// Longest body, in bytes of markdown (64 KiB).
pub const BODY_MAX_BYTES: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct Message {
    pub id: Uuid,
    pub channel_id: Uuid,
    pub author_id: Uuid,
    pub parent_id: Option<Uuid>,
    /// Empty for a deleted message.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Removed at its author's request, with the rest of their data.
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<messages::Model> for Message {
    fn from(m: messages::Model) -> Self {
        let deleted = m.deleted_at.is_some();
        Message {
            id: m.id,
            channel_id: m.channel_id,
            author_id: m.author_id,
            parent_id: m.parent_id,
            body: if deleted { String::new() } else { m.body },
            created_at: m.created_at,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
            erased_at: m.erased_at,
        }
    }
}

impl Message {
    pub fn cursor(&self) -> Cursor {
        Cursor::at_time(self.created_at, self.id)
    }

    /// The columns a message is read from, in the order its
    /// `FromQueryResult` (below) reads them.
    const COLUMNS: [messages::Column; 9] = [
        messages::Column::Id,
        messages::Column::ChannelId,
        messages::Column::AuthorId,
        messages::Column::ParentId,
        messages::Column::Body,
        messages::Column::CreatedAt,
        messages::Column::EditedAt,
        messages::Column::DeletedAt,
        messages::Column::ErasedAt,
    ];

    /// `select` reading a message's columns, decoded by position.
    fn select(select: Select<messages::Entity>) -> Selector<SelectModel<Message>> {
        select
            .select_only()
            .columns(Message::COLUMNS)
            .into_model::<Message>()
    }
}

/// A message is read by position (`db::columns`: a feed page reads 50 at a
/// time), from the columns [`Message::select`] selects.
impl FromQueryResult for Message {
    fn from_query_result(row: &QueryResult, _prefix: &str) -> std::result::Result<Self, DbErr> {
        let mut columns = Columns::new(row, 0);
        Ok(Message::from(messages::Model {
            id: columns.read()?,
            channel_id: columns.read()?,
            author_id: columns.read()?,
            parent_id: columns.read()?,
            body: columns.read()?,
            created_at: columns.read()?,
            edited_at: columns.read()?,
            deleted_at: columns.read()?,
            erased_at: columns.read()?,
        }))
    }
}

/// The message row and the actor's standing with its channel; NOT_FOUND
/// for a message in a channel the actor may not see.
pub(crate) async fn message_access(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(messages::Model, Access)> {
    let message = messages::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("Message"))?;
    let access = access::load(conn, actor, message.channel_id, "Message").await?;
    Ok((message, access))
}

/// A message the viewer may see (`node(id:)`).
pub async fn by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Message> {
    let actor = viewer.require(Action::UseChannels)?;
    Ok(message_access(db, actor, id).await?.0.into())
}

/// A channel's root messages, newest first. `channel` was loaded through
/// the viewer's scope (holding it means the viewer may see it).
pub async fn in_channel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel: &Channel,
    page: &PageArgs,
) -> Result<Page<Message>> {
    viewer.require(Action::UseChannels)?;
    let select = messages::Entity::find()
        .filter(messages::Column::ChannelId.eq(channel.id))
        .filter(messages::Column::ParentId.is_null());
    let rows = Message::select(page.apply_by_time(
        select,
        messages::Column::CreatedAt,
        messages::Column::Id,
        true,
    )?)
    .all(db)
    .await?;
    Ok(page.finish(rows, Message::cursor))
}

/// One page of replies, oldest first, for each of `root_ids` (threads the
/// viewer may see), in one query: `Message.replies` under a whole page of
/// messages.
pub async fn replies_of(
    db: &DatabaseConnection,
    root_ids: &[Uuid],
    page: &PageArgs,
) -> Result<HashMap<Uuid, Page<Message>>> {
    let select = Query::select()
        .column((messages::Entity, Asterisk))
        .from(messages::Entity)
        .to_owned();
    page_per_group_by_time(
        db,
        select,
        (messages::Entity, messages::Column::ParentId),
        root_ids,
        by_time(),
        false,
        page,
        Message::from as fn(messages::Model) -> Message,
        Message::cursor,
    )
    .await
}

/// The columns messages are ordered by: (`created_at`, `id`).
fn by_time() -> (
    (messages::Entity, messages::Column),
    (messages::Entity, messages::Column),
) {
    (
        (messages::Entity, messages::Column::CreatedAt),
        (messages::Entity, messages::Column::Id),
    )
}

/// What each of `author_ids` wrote, newest first, threads and replies: one
/// page per person, in one query (`User.recentMessages`, for a whole page
/// of people). Only messages in channels `scope` sees, and none deleted:
/// a person's page shows nobody what the channel would not. Read through
/// the (author, created_at) index.
pub async fn recent_by(
    db: &DatabaseConnection,
    author_ids: &[Uuid],
    scope: Scope,
    page: &PageArgs,
) -> Result<HashMap<Uuid, Page<Message>>> {
    let select = Query::select()
        .column((messages::Entity, Asterisk))
        .from(messages::Entity)
        .inner_join(
            channels::Entity,
            Expr::col((channels::Entity, channels::Column::Id))
                .equals((messages::Entity, messages::Column::ChannelId)),
        )
        .and_where(Expr::col((messages::Entity, messages::Column::DeletedAt)).is_null())
        .cond_where(scope.condition())
        .to_owned();
    page_per_group_by_time(
        db,
        select,
        (messages::Entity, messages::Column::AuthorId),
        author_ids,
        by_time(),
        true,
        page,
        Message::from as fn(messages::Model) -> Message,
        Message::cursor,
    )
    .await
}

/// Many messages by id, for loaders (a reply's parent: same channel as a
/// message the viewer already holds).
pub async fn by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> Result<Vec<Message>> {
    Ok(Message::select(messages::Entity::find().filter(db::is_any(
        db.get_database_backend(),
        messages::Column::Id,
        ids.to_vec(),
    )))
    .all(db)
    .await?)
}

/// How many replies each of `ids` has: one GROUP BY. On PostgreSQL the ids
/// go as one array, so the statement's plan is made once and kept (with an
/// IN list PostgreSQL plans every execution anew).
pub async fn reply_counts(db: &DatabaseConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, u64>> {
    #[derive(FromQueryResult)]
    struct Row {
        parent_id: Uuid,
        replies: i64,
    }
    let rows = messages::Entity::find()
        .select_only()
        .column(messages::Column::ParentId)
        .column_as(messages::Column::Id.count(), "replies")
        .filter(db::is_any(
            db.get_database_backend(),
            messages::Column::ParentId,
            ids.to_vec(),
        ))
        .group_by(messages::Column::ParentId)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.parent_id, u64::try_from(r.replies).unwrap_or(0)))
        .collect())
}

/// One reaction code on one message, as the viewer sees it.
#[derive(Clone, Debug)]
pub struct ReactionGroup {
    pub code: String,
    pub count: u64,
    pub viewer_has_reacted: bool,
}

/// The reactions on each of `ids`, grouped by code (in the documented order
/// of codes), as each of `viewers` sees them (whether they are among the
/// reactors), by (message, viewer). One GROUP BY for one viewer (a page of
/// messages); for many (the subscribers of a channel), the GROUP BY and one
/// query for who of them reacted.
pub async fn reaction_groups(
    db: &DatabaseConnection,
    viewers: &[Uuid],
    ids: &[Uuid],
) -> Result<HashMap<(Uuid, Uuid), Vec<ReactionGroup>>> {
    #[derive(FromQueryResult)]
    struct Row {
        message_id: Uuid,
        code: String,
        reacted: i64,
        mine: Option<i64>,
    }
    let backend = db.get_database_backend();
    let only = match viewers {
        [one] => Some(*one),
        _ => None,
    };
    // For one viewer, whether they reacted comes with the counts.
    let mine = Expr::case(
        Expr::col(message_reactions::Column::UserId).eq(only.unwrap_or_default()),
        1,
    )
    .finally(0);
    let rows = message_reactions::Entity::find()
        .select_only()
        .column(message_reactions::Column::MessageId)
        .column(message_reactions::Column::Code)
        .column_as(message_reactions::Column::UserId.count(), "reacted")
        .column_as(Expr::expr(mine).sum(), "mine")
        .filter(db::is_any(
            backend,
            message_reactions::Column::MessageId,
            ids.to_vec(),
        ))
        .group_by(message_reactions::Column::MessageId)
        .group_by(message_reactions::Column::Code)
        .into_model::<Row>()
        .all(db)
        .await?;
    let reacted: HashSet<(Uuid, String, Uuid)> = match only {
        Some(viewer) => rows
            .iter()
            .filter(|r| r.mine.unwrap_or(0) > 0)
            .map(|r| (r.message_id, r.code.clone(), viewer))
            .collect(),
        None if rows.is_empty() || viewers.is_empty() => HashSet::new(),
        None => message_reactions::Entity::find()
            .filter(db::is_any(
                backend,
                message_reactions::Column::MessageId,
                ids.to_vec(),
            ))
            .filter(db::is_any(
                backend,
                message_reactions::Column::UserId,
                viewers.to_vec(),
            ))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.message_id, r.code, r.user_id))
            .collect(),
    };
    let mut grouped: HashMap<(Uuid, Uuid), Vec<ReactionGroup>> = HashMap::new();
    for row in rows {
        for viewer in viewers {
            let viewer_has_reacted = reacted.contains(&(row.message_id, row.code.clone(), *viewer));
            grouped
                .entry((row.message_id, *viewer))
                .or_default()
                .push(ReactionGroup {
                    code: row.code.clone(),
                    count: u64::try_from(row.reacted).unwrap_or(0),
                    viewer_has_reacted,
                });
        }
    }
    for groups in grouped.values_mut() {
        groups.sort_by_key(|g| reactions::position(&g.code));
    }
    Ok(grouped)
}

/// The people mentioned in each of `ids`, by name: one query.
pub async fn mentions_of(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Person>>> {
    let pairs = message_mentions::Entity::find()
        .filter(db::is_any(
            db.get_database_backend(),
            message_mentions::Column::MessageId,
            ids.to_vec(),
        ))
        .find_also_related(users::Entity)
        .all(db)
        .await?;
    let mut grouped: HashMap<Uuid, Vec<Person>> = HashMap::new();
    for (mention, user) in pairs {
        if let Some(user) = user {
            grouped
                .entry(mention.message_id)
                .or_default()
                .push(Person::from(user));
        }
    }
    for people in grouped.values_mut() {
        people.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    }
    Ok(grouped)
}

/// Which of the threads `root_ids` each of `user_ids` follows, as (thread,
/// person) pairs: one query.
pub async fn follows(
    db: &DatabaseConnection,
    user_ids: &[Uuid],
    root_ids: &[Uuid],
) -> Result<HashSet<(Uuid, Uuid)>> {
    #[derive(FromQueryResult)]
    struct Follow {
        message_id: Uuid,
        user_id: Uuid,
    }
    let query = follow::followers(root_ids.to_vec(), Some(user_ids.to_vec()));
    Ok(
        Follow::find_by_statement(db.get_database_backend().build(&query))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.message_id, f.user_id))
            .collect(),
    )
}
