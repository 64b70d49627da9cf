//! Messages: markdown posted in channels, thread replies, tombstones,
//! reactions, mentions, followed threads and muted channels.
//!
//! Who sees a message is who sees its channel (`channels::Scope`): a private
//! channel's messages are NOT_FOUND to everyone else, whatever the path.
//! `post` posts (many at once, fed by `queue`); `write` edits and deletes; `reactions` holds the fixed set of
//! short codes; `follow` is followed threads and muted channels; `mentions`
//! finds `@handle`s in a body. This file holds the message, the reads and
//! the batched lookups behind the DataLoaders.

pub mod follow;
pub mod live;
pub mod mentions;
pub mod post;
pub mod queue;
pub mod reactions;
pub mod write;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::channels::{Channel, Visibility};
use super::pagination::{Cursor, Page, PageArgs, page_per_group_by_time};
use super::people::Person;
use crate::auth::{Action, Actor, Viewer, policy};
use crate::db;
use crate::entities::{
    channel_members, channels as channel_rows, message_mentions, message_reactions, messages, users,
};
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
        }
    }
}

impl Message {
    pub fn cursor(&self) -> Cursor {
        Cursor::at_time(self.created_at, self.id)
    }
}

/// Where an actor stands with a channel they may see.
pub(crate) struct Access {
    pub channel: channel_rows::Model,
    pub member: bool,
    pub moderator: bool,
}

impl Access {
    /// Where `actor` stands with `channel`, given whether they are a member;
    /// NOT_FOUND (as `what`) for a private channel they may not see.
    pub fn of(
        actor: &Actor,
        channel: channel_rows::Model,
        member: bool,
        what: &'static str,
    ) -> Result<Access> {
        let moderator = policy::allows(actor.role, Action::ModerateChannels);
        let private = Visibility::from_db(&channel.visibility) == Visibility::Private;
        if private && !member && !moderator {
            return Err(Error::NotFound(what));
        }
        Ok(Access {
            channel,
            member,
            moderator,
        })
    }

    /// Members post and react; admins may anywhere.
    pub fn may_take_part(&self) -> bool {
        self.member || self.moderator
    }

    /// FORBIDDEN (with a hint to join a public channel) unless the actor
    /// takes part in the channel.
    pub fn require_part(&self) -> Result<()> {
        if self.may_take_part() {
            Ok(())
        } else {
            Err(Error::ForbiddenBecause(
                "Only members post and react in a channel; join it first (joinChannel).",
            ))
        }
    }

    /// CONFLICT on `field` if the channel is archived (read-only).
    pub fn require_open(&self, field: &str) -> Result<()> {
        if self.channel.archived_at.is_some() {
            Err(Error::conflict(
                field,
                "The channel is archived and read-only.",
            ))
        } else {
            Ok(())
        }
    }
}

/// The channel, if `actor` may see it; NOT_FOUND (as `what`) otherwise.
pub(crate) async fn access(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    channel_id: Uuid,
    what: &'static str,
) -> Result<Access> {
    /// The channel and whether the actor is a member, in one statement
    /// (every post starts here).
    #[derive(FromQueryResult)]
    struct Row {
        #[sea_orm(nested)]
        channel: channel_rows::Model,
        member: bool,
    }
    let membership = Query::select()
        .expr(Expr::val(1))
        .from(channel_members::Entity)
        .and_where(
            Expr::col((channel_members::Entity, channel_members::Column::ChannelId))
                .equals((channel_rows::Entity, channel_rows::Column::Id)),
        )
        .and_where(
            Expr::col((channel_members::Entity, channel_members::Column::UserId)).eq(actor.user_id),
        )
        .to_owned();
    let Row { channel, member } = channel_rows::Entity::find_by_id(channel_id)
        .expr_as(Expr::exists(membership), "member")
        .into_model::<Row>()
        .one(conn)
        .await?
        .ok_or(Error::NotFound(what))?;
    Access::of(actor, channel, member, what)
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
    let access = access(conn, actor, message.channel_id, "Message").await?;
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
    let rows = page
        .apply_by_time(
            select,
            messages::Column::CreatedAt,
            messages::Column::Id,
            true,
        )?
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |m| Cursor::at_time(m.created_at, m.id))
        .map(Message::from))
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
        (messages::Entity, messages::Column::CreatedAt),
        (messages::Entity, messages::Column::Id),
        page,
        Message::from as fn(messages::Model) -> Message,
        Message::cursor,
    )
    .await
}

/// Many messages by id, for loaders (a reply's parent: same channel as a
/// message the viewer already holds).
pub async fn by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> Result<Vec<Message>> {
    Ok(messages::Entity::find()
        .filter(db::is_any(
            db.get_database_backend(),
            messages::Column::Id,
            ids.to_vec(),
        ))
        .all(db)
        .await?
        .into_iter()
        .map(Message::from)
        .collect())
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

/// Of `candidates`, the active people who may see `channel` (everyone for a
/// public channel; members and admins for a private one): one query.
pub(crate) async fn who_may_see(
    conn: &impl ConnectionTrait,
    channel: &channel_rows::Model,
    candidates: &[Uuid],
) -> Result<Vec<Uuid>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Id.is_in(candidates.iter().copied()))
        .filter(users::Column::DeactivatedAt.is_null())
        .order_by_asc(users::Column::Id);
    if Visibility::from_db(&channel.visibility) == Visibility::Private {
        let members = sea_orm::sea_query::Query::select()
            .column(crate::entities::channel_members::Column::UserId)
            .from(crate::entities::channel_members::Entity)
            .and_where(
                Expr::col(crate::entities::channel_members::Column::ChannelId).eq(channel.id),
            )
            .to_owned();
        select = select.filter(
            sea_orm::Condition::any()
                .add(Expr::col((users::Entity, users::Column::Id)).in_subquery(members))
                .add(users::Column::Role.eq(crate::auth::Role::Admin.as_str())),
        );
    }
    Ok(select.into_tuple::<Uuid>().all(conn).await?)
}
