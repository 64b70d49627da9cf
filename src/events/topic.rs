//! The one list of event topics, and how each is stored in an `events` row.
//!
//! A [`Topic`] names what changed and carries its subject (kind and id) and
//! the ids subscriptions filter on. Writers build a variant; readers (the
//! relay's subscribers) match on it. This module alone knows the stored
//! form, so a new capability adds a variant here, not a column:
//!
//! | variant | `topic` | `subject_kind` | `subject_id` | ids in the payload |
//! |---|---|---|---|---|
//! | [`Topic::PostStatusChanged`] | `post.status_changed` | `guest_post` | the post | `authorId` |
//! | [`Topic::MessageAdded`] | `message.added` | `message` | the message | `channelId` |
//! | [`Topic::MessageChanged`] | `message.changed` | `message` | the message | `channelId` |
//! | [`Topic::NotificationsAdded`] | `notification.added` | `notification` | NULL (several) | `notifications: [{id, recipient}]` |
//! | [`Topic::SessionsChanged`] | `sessions.changed` | `session` / `user` / `everyone` | the session / the user / NULL | |
//! | [`Topic::RoundChanged`] | `round.changed` | `checkin` | the check-in | `departmentIds: [id]` |
//! | [`Topic::ChannelRead`] | `channel.read` | `channel` | the channel | `userId` |
//!
//! The payload is a JSON object: the writer's details (ids and states,
//! never content) plus the ids above. Subscriptions filter in memory on the
//! decoded variant (a comparison of ids), so no filter reads the payload
//! per subscriber, and the table needs no index beyond its id and
//! `created_at` (the relay and pruning).
//!
//! A row this build cannot read (a topic or subject kind added by a newer
//! replica, a row of no kind written by a replica older than typed topics
//! during an upgrade, or a known topic without its ids) is [`Unreadable`]:
//! the relay skips it and logs why, never panics. One exception keeps
//! sessions safe: a `sessions.changed` row whose subject this build cannot
//! read means [`Sessions::All`] (every replica looks every session up
//! again), as it always did.

use chrono::{DateTime, Utc};
use sea_orm::{NotSet, Set};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Event, Order, Recorded};
use crate::entities::events;

/// What changed, and what it changed. Declared here only; see the module
/// documentation for how each variant is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    /// A guest post moved from one status to another (details: `from`,
    /// `to`). `author` is whom `postStatusChanged` follows.
    PostStatusChanged { post: Uuid, author: Uuid },
    /// A message was posted in a channel, a thread starter or a reply
    /// (details: `parentId`).
    MessageAdded { channel: Uuid, message: Uuid },
    /// A message was edited, deleted or reacted to (details: `parentId`,
    /// `change`).
    MessageChanged { channel: Uuid, message: Uuid },
    /// The notifications one `notify` created, each with its recipient: one
    /// event however many recipients, so a reply to a long thread does not
    /// flood the in-process hub.
    NotificationsAdded { notifications: Vec<Delivered> },
    /// Sessions every replica must look up afresh (revoked, or their
    /// person's role changed).
    SessionsChanged { sessions: Sessions },
    /// A check-in was submitted or changed, or reacted to or commented on
    /// (details: `change`). `departments` are its author's departments at
    /// the time: whose `roundChanged` hears it.
    RoundChanged {
        checkin: Uuid,
        departments: Vec<Uuid>,
    },
    /// A person's read marker in a channel moved (`markChannelRead`):
    /// `user`'s `channelReadChanged`, in every session, hears it.
    ChannelRead { channel: Uuid, user: Uuid },
}

/// One notification and the person it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    pub notification: Uuid,
    pub recipient: Uuid,
}

/// Which sessions a [`Topic::SessionsChanged`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sessions {
    /// One session, revoked.
    One(Uuid),
    /// Every session of one user.
    OfUser(Uuid),
    /// Every session: what a replica must assume when it cannot tell.
    All,
}

/// Why a stored row is not an event this build can deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// A topic or subject kind this build does not know: written by a newer
    /// replica, or (no kind) by one older than typed topics, during a
    /// rolling upgrade. Skipped quietly.
    Unknown { topic: String, subject_kind: String },
    /// A known topic without an id it carries (named): a bug. Skipped loudly.
    Malformed {
        topic: String,
        missing: &'static str,
    },
}

/// The stored topic names. Never renamed: old rows and other replicas read
/// them.
pub(crate) mod name {
    pub const POST_STATUS_CHANGED: &str = "post.status_changed";
    pub const MESSAGE_ADDED: &str = "message.added";
    pub const MESSAGE_CHANGED: &str = "message.changed";
    pub const NOTIFICATION_ADDED: &str = "notification.added";
    pub const SESSIONS_CHANGED: &str = "sessions.changed";
    pub const ROUND_CHANGED: &str = "round.changed";
    pub const CHANNEL_READ: &str = "channel.read";
}

/// The stored subject kinds.
mod kind {
    pub const GUEST_POST: &str = "guest_post";
    pub const MESSAGE: &str = "message";
    pub const NOTIFICATION: &str = "notification";
    pub const SESSION: &str = "session";
    pub const USER: &str = "user";
    pub const EVERYONE: &str = "everyone";
    pub const CHECKIN: &str = "checkin";
    pub const CHANNEL: &str = "channel";
}

/// The payload keys of the ids a topic keeps there.
mod key {
    pub const AUTHOR: &str = "authorId";
    pub const CHANNEL: &str = "channelId";
    pub const NOTIFICATIONS: &str = "notifications";
    pub const ID: &str = "id";
    pub const RECIPIENT: &str = "recipient";
    pub const DEPARTMENTS: &str = "departmentIds";
    pub const USER: &str = "userId";
    /// The subject's id, for [`super::Unreadable::Malformed`].
    pub const SUBJECT: &str = "subject_id";
}

impl Topic {
    /// The stored topic name, subject kind and subject id.
    fn subject(&self) -> (&'static str, &'static str, Option<Uuid>) {
        match self {
            Topic::PostStatusChanged { post, .. } => {
                (name::POST_STATUS_CHANGED, kind::GUEST_POST, Some(*post))
            }
            Topic::MessageAdded { message, .. } => {
                (name::MESSAGE_ADDED, kind::MESSAGE, Some(*message))
            }
            Topic::MessageChanged { message, .. } => {
                (name::MESSAGE_CHANGED, kind::MESSAGE, Some(*message))
            }
            Topic::NotificationsAdded { .. } => {
                (name::NOTIFICATION_ADDED, kind::NOTIFICATION, None)
            }
            Topic::SessionsChanged { sessions } => match sessions {
                Sessions::One(session) => (name::SESSIONS_CHANGED, kind::SESSION, Some(*session)),
                Sessions::OfUser(user) => (name::SESSIONS_CHANGED, kind::USER, Some(*user)),
                Sessions::All => (name::SESSIONS_CHANGED, kind::EVERYONE, None),
            },
            Topic::RoundChanged { checkin, .. } => {
                (name::ROUND_CHANGED, kind::CHECKIN, Some(*checkin))
            }
            Topic::ChannelRead { channel, .. } => {
                (name::CHANNEL_READ, kind::CHANNEL, Some(*channel))
            }
        }
    }

    /// Adds the ids this topic keeps in the payload.
    fn add_ids(&self, payload: &mut Map<String, Value>) {
        match self {
            Topic::PostStatusChanged { author, .. } => {
                payload.insert(key::AUTHOR.to_owned(), json!(author));
            }
            Topic::MessageAdded { channel, .. } | Topic::MessageChanged { channel, .. } => {
                payload.insert(key::CHANNEL.to_owned(), json!(channel));
            }
            Topic::NotificationsAdded { notifications } => {
                let listed = notifications
                    .iter()
                    .map(|d| json!({ key::ID: d.notification, key::RECIPIENT: d.recipient }))
                    .collect();
                payload.insert(key::NOTIFICATIONS.to_owned(), Value::Array(listed));
            }
            Topic::SessionsChanged { .. } => {}
            Topic::RoundChanged { departments, .. } => {
                payload.insert(key::DEPARTMENTS.to_owned(), json!(departments));
            }
            Topic::ChannelRead { user, .. } => {
                payload.insert(key::USER.to_owned(), json!(user));
            }
        }
    }

    /// Reads a topic from its stored columns and payload.
    fn read(
        topic: &str,
        subject_kind: &str,
        subject_id: Option<Uuid>,
        payload: &Value,
    ) -> Result<Topic, Unreadable> {
        let missing = |key: &'static str| Unreadable::Malformed {
            topic: topic.to_owned(),
            missing: key,
        };
        let subject = || subject_id.ok_or_else(|| missing(key::SUBJECT));
        let id = |key: &'static str| uuid_in(&payload[key]).ok_or_else(|| missing(key));
        match (topic, subject_kind) {
            (name::POST_STATUS_CHANGED, kind::GUEST_POST) => Ok(Topic::PostStatusChanged {
                post: subject()?,
                author: id(key::AUTHOR)?,
            }),
            (name::MESSAGE_ADDED, kind::MESSAGE) => Ok(Topic::MessageAdded {
                channel: id(key::CHANNEL)?,
                message: subject()?,
            }),
            (name::MESSAGE_CHANGED, kind::MESSAGE) => Ok(Topic::MessageChanged {
                channel: id(key::CHANNEL)?,
                message: subject()?,
            }),
            (name::NOTIFICATION_ADDED, kind::NOTIFICATION) => {
                let listed = payload[key::NOTIFICATIONS]
                    .as_array()
                    .ok_or_else(|| missing(key::NOTIFICATIONS))?;
                let notifications = listed
                    .iter()
                    .map(|n| {
                        Ok(Delivered {
                            notification: uuid_in(&n[key::ID]).ok_or_else(|| missing(key::ID))?,
                            recipient: uuid_in(&n[key::RECIPIENT])
                                .ok_or_else(|| missing(key::RECIPIENT))?,
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Topic::NotificationsAdded { notifications })
            }
            (name::SESSIONS_CHANGED, kind) => {
                let sessions = match (kind, subject_id) {
                    (kind::SESSION, Some(session)) => Sessions::One(session),
                    (kind::USER, Some(user)) => Sessions::OfUser(user),
                    // Everyone, or a subject this build cannot read: the
                    // safe reading is every session.
                    _ => Sessions::All,
                };
                Ok(Topic::SessionsChanged { sessions })
            }
            (name::ROUND_CHANGED, kind::CHECKIN) => {
                let listed = payload[key::DEPARTMENTS]
                    .as_array()
                    .ok_or_else(|| missing(key::DEPARTMENTS))?;
                let departments = listed
                    .iter()
                    .map(|d| uuid_in(d).ok_or_else(|| missing(key::DEPARTMENTS)))
                    .collect::<Result<_, _>>()?;
                Ok(Topic::RoundChanged {
                    checkin: subject()?,
                    departments,
                })
            }
            (name::CHANNEL_READ, kind::CHANNEL) => Ok(Topic::ChannelRead {
                channel: subject()?,
                user: id(key::USER)?,
            }),
            _ => Err(Unreadable::Unknown {
                topic: topic.to_owned(),
                subject_kind: subject_kind.to_owned(),
            }),
        }
    }
}

/// A JSON string holding a UUID.
fn uuid_in(value: &Value) -> Option<Uuid> {
    value.as_str()?.parse().ok()
}

/// The row that stores `event`; the database hands out its id.
pub(super) fn row(event: Event, created_at: DateTime<Utc>) -> events::ActiveModel {
    let columns = Columns::of(event);
    events::ActiveModel {
        id: NotSet,
        topic: Set(columns.topic.to_owned()),
        subject_kind: Set(columns.subject_kind.to_owned()),
        subject_id: Set(columns.subject_id),
        payload: Set(columns.payload),
        created_at: Set(created_at),
        // The database's: the writing transaction's id on PostgreSQL.
        txid: NotSet,
    }
}

/// What a row stores of `event`, but for its id and time.
pub(super) struct Columns {
    pub topic: &'static str,
    pub subject_kind: &'static str,
    pub subject_id: Option<Uuid>,
    pub payload: String,
}

impl Columns {
    pub(super) fn of(event: Event) -> Columns {
        let (topic, subject_kind, subject_id) = event.topic.subject();
        let mut payload = match event.details {
            Value::Object(details) => details,
            Value::Null => Map::new(),
            other => Map::from_iter([("details".to_owned(), other)]),
        };
        event.topic.add_ids(&mut payload);
        Columns {
            topic,
            subject_kind,
            subject_id,
            payload: Value::Object(payload).to_string(),
        }
    }
}

/// Reads a stored row: the one place rows become [`Topic`]s.
pub(super) fn read(row: &events::Model) -> Result<Recorded, Unreadable> {
    let details: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
    let topic = Topic::read(&row.topic, &row.subject_kind, row.subject_id, &details)?;
    Ok(Recorded {
        order: Order {
            txid: row.txid,
            id: row.id,
        },
        topic,
        details,
        created_at: row.created_at,
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::TryIntoModel;

    use super::*;

    /// One of each variant (and of each [`Sessions`]). A new variant fails
    /// to compile in `covered` until it is listed here too.
    fn every_topic() -> Vec<Topic> {
        let id = Uuid::now_v7;
        vec![
            Topic::PostStatusChanged {
                post: id(),
                author: id(),
            },
            Topic::MessageAdded {
                channel: id(),
                message: id(),
            },
            Topic::MessageChanged {
                channel: id(),
                message: id(),
            },
            Topic::NotificationsAdded {
                notifications: vec![
                    Delivered {
                        notification: id(),
                        recipient: id(),
                    },
                    Delivered {
                        notification: id(),
                        recipient: id(),
                    },
                ],
            },
            Topic::NotificationsAdded {
                notifications: Vec::new(),
            },
            Topic::SessionsChanged {
                sessions: Sessions::One(id()),
            },
            Topic::SessionsChanged {
                sessions: Sessions::OfUser(id()),
            },
            Topic::SessionsChanged {
                sessions: Sessions::All,
            },
            Topic::RoundChanged {
                checkin: id(),
                departments: vec![id(), id()],
            },
            Topic::ChannelRead {
                channel: id(),
                user: id(),
            },
        ]
    }

    /// Which variant a topic is, exhaustively.
    fn covered(topic: &Topic) -> &'static str {
        match topic {
            Topic::PostStatusChanged { .. } => "PostStatusChanged",
            Topic::MessageAdded { .. } => "MessageAdded",
            Topic::MessageChanged { .. } => "MessageChanged",
            Topic::NotificationsAdded { .. } => "NotificationsAdded",
            Topic::SessionsChanged {
                sessions: Sessions::One(_),
            } => "SessionsChanged(One)",
            Topic::SessionsChanged {
                sessions: Sessions::OfUser(_),
            } => "SessionsChanged(OfUser)",
            Topic::SessionsChanged {
                sessions: Sessions::All,
            } => "SessionsChanged(All)",
            Topic::RoundChanged { .. } => "RoundChanged",
            Topic::ChannelRead { .. } => "ChannelRead",
        }
    }

    /// `event` as the database would return it.
    fn stored(event: Event) -> events::Model {
        let mut active = row(event, Utc::now());
        active.id = Set(42);
        active.txid = Set(7);
        active.try_into_model().expect("every column is set")
    }

    fn model(
        topic: &str,
        subject_kind: &str,
        subject_id: Option<Uuid>,
        payload: Value,
    ) -> events::Model {
        events::Model {
            id: 1,
            topic: topic.to_owned(),
            subject_kind: subject_kind.to_owned(),
            subject_id,
            payload: payload.to_string(),
            created_at: Utc::now(),
            txid: 0,
        }
    }

    #[test]
    fn every_variant_reads_back_as_it_was_written_with_its_details() {
        let topics = every_topic();
        let names: std::collections::HashSet<_> = topics.iter().map(covered).collect();
        assert_eq!(names.len(), 9, "one of each variant");
        for topic in topics {
            let details = json!({ "from": "DRAFT", "to": "IN_REVIEW" });
            let row = stored(Event {
                topic: topic.clone(),
                details: details.clone(),
            });
            let read = read(&row).expect("readable");
            assert_eq!(read.topic, topic);
            assert_eq!(read.order.id, 42);
            assert_eq!(read.details["from"], "DRAFT", "{topic:?}");
            assert_eq!(read.details["to"], "IN_REVIEW", "{topic:?}");
        }
    }

    #[test]
    fn a_topic_without_details_stores_an_empty_object_plus_its_ids() {
        let user = Uuid::now_v7();
        let row = stored(Event {
            topic: Topic::SessionsChanged {
                sessions: Sessions::OfUser(user),
            },
            details: Value::Null,
        });
        assert_eq!(row.payload, "{}");
        assert_eq!(row.topic, "sessions.changed");
        assert_eq!(row.subject_kind, "user");
        assert_eq!(row.subject_id, Some(user));
    }

    #[test]
    fn rows_backfilled_from_the_old_shape_are_read() {
        // What the migration of 2026-12-03 leaves of old rows: ids that had
        // columns moved into the payload, and the payload's own ids kept.
        let (post, author, channel, message) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let old = model(
            "message.added",
            "message",
            Some(message),
            json!({ "messageId": message, "parentId": null, "authorId": author, "channelId": channel }),
        );
        assert_eq!(
            read(&old).expect("readable").topic,
            Topic::MessageAdded { channel, message }
        );
        let old = model(
            "post.status_changed",
            "guest_post",
            Some(post),
            json!({ "from": "DRAFT", "to": "IN_REVIEW", "authorId": author }),
        );
        assert_eq!(
            read(&old).expect("readable").topic,
            Topic::PostStatusChanged { post, author }
        );
    }

    #[test]
    fn an_unknown_topic_or_subject_kind_is_unreadable_not_a_panic() {
        let unknown = model(
            "check_in.added",
            "check_in",
            Some(Uuid::now_v7()),
            json!({}),
        );
        assert!(matches!(read(&unknown), Err(Unreadable::Unknown { .. })));
        let unknown = model("message.added", "thread", Some(Uuid::now_v7()), json!({}));
        assert!(matches!(read(&unknown), Err(Unreadable::Unknown { .. })));
        let not_json = model(
            "message.added",
            "message",
            Some(Uuid::now_v7()),
            json!(null),
        );
        let not_json = events::Model {
            payload: "not json".to_owned(),
            ..not_json
        };
        assert_eq!(
            read(&not_json).err(),
            Some(Unreadable::Malformed {
                topic: "message.added".to_owned(),
                missing: "channelId"
            })
        );
    }

    #[test]
    fn a_known_topic_without_its_ids_is_malformed() {
        let no_subject = model(
            "message.changed",
            "message",
            None,
            json!({ "channelId": Uuid::now_v7() }),
        );
        assert_eq!(
            read(&no_subject).err(),
            Some(Unreadable::Malformed {
                topic: "message.changed".to_owned(),
                missing: "subject_id"
            })
        );
        let bad_recipient = model(
            "notification.added",
            "notification",
            None,
            json!({ "notifications": [{ "id": Uuid::now_v7(), "recipient": "nobody" }] }),
        );
        assert!(matches!(
            read(&bad_recipient),
            Err(Unreadable::Malformed {
                missing: "recipient",
                ..
            })
        ));
    }

    #[test]
    fn a_sessions_event_this_build_cannot_place_means_every_session() {
        let newer = model(
            "sessions.changed",
            "department",
            Some(Uuid::now_v7()),
            json!({}),
        );
        assert_eq!(
            read(&newer).expect("readable").topic,
            Topic::SessionsChanged {
                sessions: Sessions::All
            }
        );
        let without_id = model("sessions.changed", "session", None, json!({}));
        assert_eq!(
            read(&without_id).expect("readable").topic,
            Topic::SessionsChanged {
                sessions: Sessions::All
            }
        );
    }
}
