//! Read state: per person and channel a marker, `channel_reads.last_read_at`,
//! so unread badges agree on every tab and device. Messages after it are
//! unread; it only moves forward.
//!
//! - [`mark_read`] (`markChannelRead`): members only, up to and including
//!   a message of the channel, or everything now; records
//!   `Topic::ChannelRead` for the person's other sessions when the marker
//!   moved.
//! - [`start_at`]: joining a channel (however: `joinChannel`,
//!   `addChannelMember`, `createChannel`, a check-in's or a digest's
//!   thread, through `membership::enter`) starts the marker at that moment,
//!   so history is not all unread.
//! - [`states`]: the marker, unread and mention counts of a page of
//!   channels for one person, in one statement (`Channel.unreadCount`,
//!   `mentionCount`, `lastReadAt`). Unread: top-level messages, not
//!   deleted, not the person's own, after the marker
//!   (`idx_messages_channel_unread` holds all of that). Mentions: messages
//!   and replies, not deleted, not the person's own, after the marker, that
//!   mention them (`message_mentions`). A member without a marker (a
//!   membership written around synaps, by the seeds) counts from when they
//!   joined.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Set,
};
use serde_json::Value;
use tracing::instrument;
use uuid::Uuid;

use super::Channel;
use super::access;
use crate::auth::{Action, Viewer};
use crate::db;
use crate::entities::{channel_members, channel_reads, message_mentions, messages};
use crate::error::{Error, Result};
use crate::events::{self, Event, Recorded, Topic};

/// How far a person has read a channel they are in, and what is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadState {
    /// The marker; `None` if they never marked the channel read (nor
    /// joined it through synaps).
    pub last_read_at: Option<DateTime<Utc>>,
    /// Top-level messages after the marker, not deleted, not their own.
    pub unread: u64,
    /// Messages and replies after the marker that mention them (not
    /// deleted, not their own).
    pub mentions: u64,
}

/// Marks channel `channel_id` read for the viewer, up to and including
/// message `up_to` (top-level or reply, of this channel), or everything up
/// to now. The marker never moves backwards: marking an older message read
/// changes nothing. Members only: FORBIDDEN for others (NOT_FOUND for a
/// private channel they may not see); BAD_USER_INPUT on `upTo` for a
/// message not in the channel. Returns the channel.
#[instrument(skip(db, viewer))]
pub async fn mark_read(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel_id: Uuid,
    up_to: Option<Uuid>,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let access = access::load(&txn, actor, channel_id, "Channel").await?;
    if !access.is_member() {
        return Err(Error::ForbiddenBecause(
            "Only members keep a read marker in a channel; join it first (joinChannel).",
        ));
    }
    let at = match up_to {
        Some(message_id) => {
            messages::Entity::find_by_id(message_id)
                .filter(messages::Column::ChannelId.eq(channel_id))
                .one(&txn)
                .await?
                .ok_or_else(|| Error::bad_input("upTo", "is not a message of this channel"))?
                .created_at
        }
        None => Utc::now(),
    };
    if advance(&txn, actor.user_id, channel_id, at).await? {
        events::record(
            &txn,
            Event {
                topic: Topic::ChannelRead {
                    channel: channel_id,
                    user: actor.user_id,
                },
                details: Value::Null,
            },
        )
        .await?;
        events::commit(txn).await?;
    } else {
        txn.commit().await?;
    }
    Ok(access.into_channel())
}

/// Starts (or moves forward) `user_id`'s marker in `channel_id` at `at`:
/// they joined then, and what was written before is history, not unread.
pub async fn start_at(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    channel_id: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    advance(conn, user_id, channel_id, at).await?;
    Ok(())
}

/// Sets the marker to `at` unless it is later already: one upsert, which
/// leaves a later marker untouched. Whether it moved.
async fn advance(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    channel_id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool> {
    use channel_reads::Column as R;
    let later = Expr::col((channel_reads::Entity, R::LastReadAt))
        .lt(Expr::col((Alias::new("excluded"), R::LastReadAt)));
    let written = channel_reads::Entity::insert(channel_reads::ActiveModel {
        user_id: Set(user_id),
        channel_id: Set(channel_id),
        last_read_at: Set(at),
    })
    .on_conflict(
        OnConflict::columns([R::UserId, R::ChannelId])
            .update_column(R::LastReadAt)
            .action_and_where(later)
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(written > 0)
}

/// The read state of each (channel, person) of `wanted` where the person
/// is a member (others have no entry), in one statement: the memberships
/// with their markers, and per membership a count of the unread messages
/// and one of the mentions, each a range of an index after the marker. A
/// page of channels asks for one person; the members of a channel a
/// message arrived in (`channelReadChanged`) for one channel.
pub async fn states(
    db: &DatabaseConnection,
    wanted: &[(Uuid, Uuid)],
) -> Result<HashMap<(Uuid, Uuid), ReadState>> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let query = states_query(db.get_database_backend(), wanted);
    let rows = db.query_all(&query).await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let channel_id: Uuid = row.try_get("", "channel_id")?;
        let user_id: Uuid = row.try_get("", "user_id")?;
        let unread: i64 = row.try_get("", "unread")?;
        let mentions: i64 = row.try_get("", "mentions")?;
        found.insert(
            (channel_id, user_id),
            ReadState {
                last_read_at: row.try_get("", "last_read_at")?,
                unread: u64::try_from(unread).unwrap_or(0),
                mentions: u64::try_from(mentions).unwrap_or(0),
            },
        );
    }
    Ok(found)
}

/// The statement of [`states`].
fn states_query(backend: DbBackend, wanted: &[(Uuid, Uuid)]) -> SelectStatement {
    use channel_members::Column as Cm;
    use channel_reads::Column as R;
    use messages::Column as M;
    let members = channel_members::Entity;
    let reads = channel_reads::Entity;
    let msgs = messages::Entity;
    let marker = || {
        Expr::expr(Func::coalesce([
            Expr::col((reads, R::LastReadAt)),
            Expr::col((members, Cm::JoinedAt)),
        ]))
    };
    let member = || Expr::col((members, Cm::UserId));
    // Messages of the member's channel after the marker, not deleted, not
    // their own.
    let after_marker = || {
        Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(msgs)
            .and_where(Expr::col((msgs, M::ChannelId)).equals((members, Cm::ChannelId)))
            .and_where(Expr::col((msgs, M::DeletedAt)).is_null())
            .and_where(Expr::col((msgs, M::CreatedAt)).gt(marker()))
            .and_where(Expr::col((msgs, M::AuthorId)).ne(member()))
            .to_owned()
    };
    let unread = after_marker()
        .and_where(Expr::col((msgs, M::ParentId)).is_null())
        .to_owned();
    let mentioned = Query::select()
        .expr(Expr::val(1))
        .from(message_mentions::Entity)
        .and_where(
            Expr::col((
                message_mentions::Entity,
                message_mentions::Column::MessageId,
            ))
            .equals((msgs, M::Id)),
        )
        .and_where(
            Expr::col((message_mentions::Entity, message_mentions::Column::UserId)).eq(member()),
        )
        .to_owned();
    let mentions = after_marker().and_where(Expr::exists(mentioned)).to_owned();
    let mut people: Vec<Uuid> = wanted.iter().map(|(_, user_id)| *user_id).collect();
    people.sort_unstable();
    people.dedup();
    Query::select()
        .column((members, Cm::ChannelId))
        .column((members, Cm::UserId))
        .column((reads, R::LastReadAt))
        .expr_as(Expr::from(unread), Alias::new("unread"))
        .expr_as(Expr::from(mentions), Alias::new("mentions"))
        .from(members)
        .left_join(
            reads,
            Expr::col((reads, R::UserId))
                .equals((members, Cm::UserId))
                .and(Expr::col((reads, R::ChannelId)).equals((members, Cm::ChannelId))),
        )
        // The people's memberships through the index, of those the pairs
        // asked for (one text for any number on PostgreSQL).
        .and_where(db::is_any(backend, (members, Cm::UserId), people))
        .and_where(db::is_any_pair(
            backend,
            ((members, Cm::ChannelId), (members, Cm::UserId)),
            wanted.to_vec(),
        ))
        .to_owned()
}

/// Starts following the viewer's own read markers: people who use channels.
pub fn watch_own(viewer: &Viewer) -> Result<Uuid> {
    Ok(viewer.require(Action::UseChannels)?.user_id)
}

/// How `event` may have changed a person's read state in a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadChange {
    /// They marked the channel read (in any session).
    Marked(Uuid),
    /// A message arrived in the channel: their counts change if they are a
    /// member (the caller asks).
    Posted(Uuid),
}

/// What `event` changed of `user_id`'s read state, if anything.
pub fn change_for(event: &Recorded, user_id: Uuid) -> Option<ReadChange> {
    match &event.topic {
        Topic::ChannelRead { channel, user } if *user == user_id => {
            Some(ReadChange::Marked(*channel))
        }
        Topic::MessageAdded { channel, .. } => Some(ReadChange::Posted(*channel)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;

    #[test]
    fn the_read_states_of_any_page_are_one_statement_text_on_postgresql() {
        let viewer = Uuid::now_v7();
        let ids = |n: usize| (0..n).map(|_| (Uuid::now_v7(), viewer)).collect::<Vec<_>>();
        let text = |n: usize| {
            states_query(DbBackend::Postgres, &ids(n))
                .build(PostgresQueryBuilder)
                .0
        };
        assert_eq!(text(1), text(50), "the ids go as one array");
        // The unread count's conditions are the partial index's
        // (`idx_messages_channel_unread`), so both databases may use it.
        for sql in [
            text(2),
            states_query(DbBackend::Sqlite, &ids(2))
                .build(SqliteQueryBuilder)
                .0,
        ] {
            assert!(sql.contains(r#""messages"."parent_id" IS NULL"#), "{sql}");
            assert!(sql.contains(r#""messages"."deleted_at" IS NULL"#), "{sql}");
        }
    }
}
