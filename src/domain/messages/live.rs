//! Live messages: what a channel subscription follows, and the replay that
//! lets a client that dropped pick up where it left off.
//!
//! A subscription with `after: cursor` first replays the channel's messages
//! after that cursor, then continues with live events. It subscribes to the
//! event hub *before* reading the replay, so a message committed in between
//! is both replayed and heard live: the live side skips the ids the replay
//! delivered ([`Seam`]). Nothing is lost, nothing is delivered twice.
//!
//! The replay follows the events' order, as live delivery does, not the
//! cursors' `(created_at, id)`: posts made at once may commit in another
//! order than they were made in, and a client that resumed after a cursor
//! in `created_at` order would get the rest out of order and miss a message
//! made before its cursor's but committed after it. (The fault test
//! `a_killed_replica_s_subscribers_resume_on_another_and_miss_nothing`
//! resumes after a kill; it did not catch the old order, which needs the
//! inversion to fall at the cursor.)

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, prelude::DateTimeUtc,
};
use uuid::Uuid;

use crate::auth::{Action, Viewer};
use crate::domain::channels::access;
use crate::domain::pagination::Cursor;
use crate::entities::{events, messages};
use crate::error::{Error, Result};
use crate::events::{Order, Recorded, Topic, topic};

/// The most messages a subscription may be behind: replayed when it
/// resumes, or taken from the hub and not yet sent. A client further behind
/// reloads the channel (`Channel.messages`) instead. The server cuts off a
/// subscriber that falls [`crate::events::HUB_CAPACITY`] events behind the
/// hub, so this must be well above it, or a subscriber cut off under a
/// burst could never resume (a cap of 1,000 did that).
pub const BEHIND_MAX: usize = 10_000;

/// Which kind of message event a subscription follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// New messages: thread starters and replies.
    Added,
    /// Edits, deletions and reaction changes.
    Changed,
}

/// A subscription to one channel's messages.
#[derive(Clone, Copy, Debug)]
pub struct ChannelWatch {
    pub channel_id: Uuid,
    pub change: Change,
}

/// Starts watching a channel the viewer may see: NOT_FOUND for an unknown
/// channel and for a private one the viewer is not in (as for a query).
pub async fn watch_channel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel_id: Uuid,
    change: Change,
) -> Result<ChannelWatch> {
    let actor = viewer.require(Action::UseChannels)?;
    access::load(db, actor, channel_id, "Channel").await?;
    Ok(ChannelWatch { channel_id, change })
}

impl ChannelWatch {
    /// The message an event is about, if the event is for this watch.
    pub fn message_in(&self, event: &Recorded) -> Option<Uuid> {
        match (self.change, &event.topic) {
            (Change::Added, Topic::MessageAdded { channel, message })
            | (Change::Changed, Topic::MessageChanged { channel, message })
                if *channel == self.channel_id =>
            {
                Some(*message)
            }
            _ => None,
        }
    }
}

/// The channel's messages (thread starters and replies) after `after`, oldest
/// first: what a client that last saw `after` missed. `after` must be the
/// cursor of a message in this channel (from `Channel.messages`,
/// `Message.replies` or an earlier `messageAdded`).
///
/// `delivered` is where the newest event the hub had sent when the
/// subscription joined it is ([`crate::events::Hub::delivered`]): the
/// replay stops there and the live events take over.
pub async fn replay(
    db: &DatabaseConnection,
    watch: &ChannelWatch,
    after: &str,
    delivered: Order,
) -> Result<Replay> {
    let cursor = Cursor::decode("after", after)?;
    let seen = messages::Entity::find_by_id(cursor.id)
        .one(db)
        .await?
        .filter(|m| m.channel_id == watch.channel_id)
        .ok_or_else(|| {
            Error::bad_input("after", "is not the cursor of a message in this channel")
        })?;
    // Where the cursor's message is among the events: its event is written
    // after the message is made, so the created_at index finds it.
    let seen_event: Option<(i64, i64)> = events::Entity::find()
        .select_only()
        .column(events::Column::Txid)
        .column(events::Column::Id)
        .filter(events::Column::Topic.eq(topic::name::MESSAGE_ADDED))
        .filter(events::Column::SubjectId.eq(seen.id))
        .filter(events::Column::CreatedAt.gte(seen.created_at))
        .into_tuple()
        .one(db)
        .await?;
    let seen_event = seen_event.map(|(txid, id)| Order { txid, id });
    let after_event = seen_event.unwrap_or_default();
    // Only the ids: the subscription loads them as it sends them, a batch
    // at a time, as it does live messages.
    let ids: Vec<Uuid> = match seen_event {
        // In the order live delivery follows: the events'.
        Some(seen_event) => {
            let by_event = messages::Entity::belongs_to(events::Entity)
                .from(messages::Column::Id)
                .to(events::Column::SubjectId)
                .into();
            messages::Entity::find()
                .select_only()
                .column(messages::Column::Id)
                .join(JoinType::InnerJoin, by_event)
                .filter(events::Column::Topic.eq(topic::name::MESSAGE_ADDED))
                .filter(seen_event.after())
                .filter(delivered.up_to())
                .filter(messages::Column::ChannelId.eq(watch.channel_id))
                .order_by_asc(events::Column::Txid)
                .order_by_asc(events::Column::Id)
                .limit(BEHIND_MAX as u64 + 1)
                .into_tuple()
                .all(db)
                .await?
        }
        // Its event is pruned (older than the events' retention): in the
        // cursors' order.
        None => {
            messages::Entity::find()
                .select_only()
                .column(messages::Column::Id)
                .filter(messages::Column::ChannelId.eq(watch.channel_id))
                .filter(after_position(seen.created_at, seen.id))
                .order_by_asc(messages::Column::CreatedAt)
                .order_by_asc(messages::Column::Id)
                .limit(BEHIND_MAX as u64 + 1)
                .into_tuple()
                .all(db)
                .await?
        }
    };
    if ids.len() > BEHIND_MAX {
        return Err(Error::bad_input(
            "after",
            format!(
                "is more than {BEHIND_MAX} messages behind; reload the channel (Channel.messages) and subscribe from its newest cursor"
            ),
        ));
    }
    Ok(Replay { ids, after_event })
}

/// What a subscription with `after` delivers before the live events.
pub struct Replay {
    /// The channel's messages after the cursor, in the order of their
    /// events (the order live delivery follows).
    pub ids: Vec<Uuid>,
    /// Where the cursor's message's event is (the start when it is no
    /// longer kept): the client had every message whose event came before.
    pub after_event: Order,
}

/// `(created_at, id) > (at, id)`, the order of cursors.
fn after_position(at: DateTimeUtc, id: Uuid) -> Condition {
    Condition::any()
        .add(messages::Column::CreatedAt.gt(at))
        .add(
            Condition::all()
                .add(messages::Column::CreatedAt.eq(at))
                .add(Expr::col(messages::Column::Id).gt(id)),
        )
}

/// The seam between a replay and the live events that follow it: the ids
/// the replay delivered, which the live side must not deliver again, and
/// the cursor's event, up to which the client had everything (a replica
/// whose relay is behind the one the client came from hears those again).
#[derive(Debug, Default)]
pub struct Seam {
    replayed: HashSet<Uuid>,
    after_event: Order,
}

impl Seam {
    pub fn new(replay: &Replay) -> Seam {
        Seam {
            replayed: replay.ids.iter().copied().collect(),
            after_event: replay.after_event,
        }
    }

    /// Whether a live message (of the event at `event`) is new to the
    /// client. A replayed id is heard live at most once (each message is
    /// added once), so it is forgotten then and the set only shrinks.
    pub fn is_new(&mut self, event: Order, id: Uuid) -> bool {
        event > self.after_event && !self.replayed.remove(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(change: Change, channel: Uuid, message: Uuid) -> Recorded {
        let topic = match change {
            Change::Added => Topic::MessageAdded { channel, message },
            Change::Changed => Topic::MessageChanged { channel, message },
        };
        Recorded {
            order: Order { txid: 0, id: 1 },
            topic,
            details: json!({}),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_watch_takes_only_its_channel_and_kind() {
        let channel = Uuid::now_v7();
        let message = Uuid::now_v7();
        let watch = ChannelWatch {
            channel_id: channel,
            change: Change::Added,
        };
        assert_eq!(
            watch.message_in(&event(Change::Added, channel, message)),
            Some(message)
        );
        assert_eq!(
            watch.message_in(&event(Change::Changed, channel, message)),
            None
        );
        assert_eq!(
            watch.message_in(&event(Change::Added, Uuid::now_v7(), message)),
            None
        );
    }

    #[test]
    fn the_seam_skips_each_replayed_id_once() {
        let id = Uuid::now_v7();
        let at = |txid, id| Order { txid, id };
        let mut seam = Seam {
            replayed: [id].into(),
            after_event: at(5, 10),
        };
        assert!(!seam.is_new(at(5, 11), id));
        assert!(seam.is_new(at(5, 12), id));
        assert!(seam.is_new(at(6, 3), Uuid::now_v7()), "a later transaction");
        assert!(!seam.is_new(at(5, 9), Uuid::now_v7()), "before the cursor");
        assert!(
            !seam.is_new(at(4, 30), Uuid::now_v7()),
            "an earlier transaction"
        );
    }
}
