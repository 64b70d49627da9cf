//! Live messages: what a channel subscription follows, and the replay that
//! lets a client that dropped pick up where it left off.
//!
//! A subscription with `after: cursor` first replays the channel's messages
//! after that cursor, then continues with live events. It subscribes to the
//! event hub *before* reading the replay, so a message committed in between
//! is both replayed and heard live: the live side skips the ids the replay
//! delivered ([`Seam`]). Nothing is lost, nothing is delivered twice.

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use sea_orm::{QuerySelect, prelude::DateTimeUtc};
use uuid::Uuid;

use super::Message;
use crate::auth::{Action, Viewer};
use crate::domain::channels::access;
use crate::domain::pagination::Cursor;
use crate::entities::messages;
use crate::error::{Error, Result};
use crate::events::{Recorded, Topic};

/// The most messages one replay delivers. A client further behind reloads
/// the channel (`Channel.messages`) instead: replaying more would hold a
/// socket's queue and the database for too long.
pub const REPLAY_MAX: u64 = 1000;

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
pub async fn replay(
    db: &DatabaseConnection,
    watch: &ChannelWatch,
    after: &str,
) -> Result<Vec<Message>> {
    let cursor = Cursor::decode("after", after)?;
    let seen = messages::Entity::find_by_id(cursor.id)
        .one(db)
        .await?
        .filter(|m| m.channel_id == watch.channel_id)
        .ok_or_else(|| {
            Error::bad_input("after", "is not the cursor of a message in this channel")
        })?;
    let rows = messages::Entity::find()
        .filter(messages::Column::ChannelId.eq(watch.channel_id))
        .filter(after_position(seen.created_at, seen.id))
        .order_by_asc(messages::Column::CreatedAt)
        .order_by_asc(messages::Column::Id)
        .limit(REPLAY_MAX + 1)
        .all(db)
        .await?;
    if rows.len() as u64 > REPLAY_MAX {
        return Err(Error::bad_input(
            "after",
            format!(
                "is more than {REPLAY_MAX} messages behind; reload the channel (Channel.messages) and subscribe from its newest cursor"
            ),
        ));
    }
    Ok(rows.into_iter().map(Message::from).collect())
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
/// the replay delivered, which the live side must not deliver again.
#[derive(Debug, Default)]
pub struct Seam {
    replayed: HashSet<Uuid>,
}

impl Seam {
    pub fn new(replayed: &[Message]) -> Seam {
        Seam {
            replayed: replayed.iter().map(|m| m.id).collect(),
        }
    }

    /// Whether a live message is new to the client. A replayed id is heard
    /// live at most once (each message is added once), so it is forgotten
    /// then and the set only shrinks.
    pub fn is_new(&mut self, id: Uuid) -> bool {
        !self.replayed.remove(&id)
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
            id: 1,
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
        let mut seam = Seam {
            replayed: [id].into(),
        };
        assert!(!seam.is_new(id));
        assert!(seam.is_new(id));
        assert!(seam.is_new(Uuid::now_v7()));
    }
}
