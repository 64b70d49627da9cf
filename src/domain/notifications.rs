//! Notifications: who is told what, and what they have read.
//!
//! Domain code calls [`notify`] inside its own transaction, so a notification
//! exists exactly when the change it reports does, and so does the event
//! that brings it to `notificationAdded` subscribers.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::pagination::{Cursor, Page, PageArgs};
use crate::auth::{Action, Viewer};
use crate::entities::notifications;
use crate::error::{Error, Result};
use crate::events::{self, Delivered, Event, Recorded, Topic};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A post was submitted and awaits review (to reviewers).
    ReviewRequest,
    /// A reviewer decided on your post (to its author).
    ReviewDecision,
    /// Someone mentioned you (`@handle`) in a message.
    Mention,
    /// Someone replied in a thread you follow.
    Reply,
    /// Your check-in for this week is still to write (the Monday reminder).
    CheckinReminder,
    /// Someone reacted to your check-in.
    CheckinReaction,
    /// Someone commented on your check-in.
    CheckinComment,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ReviewRequest => "REVIEW_REQUEST",
            Kind::ReviewDecision => "REVIEW_DECISION",
            Kind::Mention => "MENTION",
            Kind::Reply => "REPLY",
            Kind::CheckinReminder => "CHECKIN_REMINDER",
            Kind::CheckinReaction => "CHECKIN_REACTION",
            Kind::CheckinComment => "CHECKIN_COMMENT",
        }
    }

    pub fn from_db(value: &str) -> Kind {
        match value {
            "REVIEW_REQUEST" => Kind::ReviewRequest,
            "MENTION" => Kind::Mention,
            "REPLY" => Kind::Reply,
            "CHECKIN_REMINDER" => Kind::CheckinReminder,
            "CHECKIN_REACTION" => Kind::CheckinReaction,
            "CHECKIN_COMMENT" => Kind::CheckinComment,
            _ => Kind::ReviewDecision,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Notification {
    pub id: Uuid,
    pub kind: Kind,
    pub actor_id: Option<Uuid>,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<notifications::Model> for Notification {
    fn from(m: notifications::Model) -> Self {
        Notification {
            id: m.id,
            kind: Kind::from_db(&m.kind),
            actor_id: m.actor_id,
            subject_kind: m.subject_kind,
            subject_id: m.subject_id,
            message: m.message,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// What a notification is about.
#[derive(Clone, Copy, Debug)]
pub struct Subject {
    pub kind: &'static str,
    pub id: Uuid,
}

/// Tells each of `recipients` (never the actor themself) about `subject`,
/// and records the event that delivers it live.
pub async fn notify(
    txn: &DatabaseTransaction,
    recipients: &[Uuid],
    kind: Kind,
    actor_id: Option<Uuid>,
    subject: &Subject,
    message: &str,
) -> Result<()> {
    let each: Vec<(Uuid, Subject)> = recipients.iter().map(|r| (*r, *subject)).collect();
    notify_each(txn, &each, kind, actor_id, message).await
}

/// Like [`notify`], with a subject of each recipient's own (a reminder is
/// about the person reminded): one insert and one event however many.
pub async fn notify_each(
    txn: &DatabaseTransaction,
    recipients: &[(Uuid, Subject)],
    kind: Kind,
    actor_id: Option<Uuid>,
    message: &str,
) -> Result<()> {
    let now = Utc::now();
    let delivered: Vec<(Uuid, Uuid, Subject)> = recipients
        .iter()
        .filter(|(r, _)| Some(*r) != actor_id)
        .map(|(recipient, subject)| (Uuid::now_v7(), *recipient, *subject))
        .collect();
    if delivered.is_empty() {
        return Ok(());
    }
    let rows = delivered
        .iter()
        .map(|(id, recipient, subject)| notifications::ActiveModel {
            id: Set(*id),
            recipient_id: Set(*recipient),
            kind: Set(kind.as_str().to_owned()),
            actor_id: Set(actor_id),
            subject_kind: Set(subject.kind.to_owned()),
            subject_id: Set(subject.id),
            message: Set(message.to_owned()),
            created_at: Set(now),
            read_at: Set(None),
        });
    notifications::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    // One event per call, listing each notification and its recipient.
    events::record(
        txn,
        Event {
            topic: Topic::NotificationsAdded {
                notifications: delivered
                    .iter()
                    .map(|&(notification, recipient, _)| Delivered {
                        notification,
                        recipient,
                    })
                    .collect(),
            },
            details: serde_json::Value::Null,
        },
    )
    .await?;
    Ok(())
}

/// The ids of the notifications an event added for `user_id`.
pub fn added_for(event: &Recorded, user_id: Uuid) -> Vec<Uuid> {
    let Topic::NotificationsAdded { notifications } = &event.topic else {
        return Vec::new();
    };
    notifications
        .iter()
        .filter(|n| n.recipient == user_id)
        .map(|n| n.notification)
        .collect()
}

/// Starts following the viewer's own notifications: signed-in people.
pub fn watch_own(viewer: &Viewer) -> Result<Uuid> {
    Ok(viewer.require(Action::ManageOwnAccount)?.user_id)
}

/// The viewer's notifications, newest first.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    unread_only: bool,
    page: &PageArgs,
) -> Result<Page<Notification>> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    let mut select =
        notifications::Entity::find().filter(notifications::Column::RecipientId.eq(actor.user_id));
    if unread_only {
        select = select.filter(notifications::Column::ReadAt.is_null());
    }
    let rows = page
        .apply_by_time(
            select,
            notifications::Column::CreatedAt,
            notifications::Column::Id,
            true,
        )?
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |n| Cursor::at_time(n.created_at, n.id))
        .map(Notification::from))
}

/// One of the viewer's own notifications.
pub async fn by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Notification> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    notifications::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|n| n.recipient_id == actor.user_id)
        .map(Notification::from)
        .ok_or(Error::NotFound("Notification"))
}

pub async fn unread_count(db: &DatabaseConnection, viewer: &Viewer) -> Result<u64> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    Ok(notifications::Entity::find()
        .filter(notifications::Column::RecipientId.eq(actor.user_id))
        .filter(notifications::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks the viewer's notifications read: those in `ids`, or all of them.
/// Returns how many changed.
pub async fn mark_read(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ids: Option<Vec<Uuid>>,
) -> Result<u64> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    if ids.as_ref().is_some_and(|ids| ids.len() > 500) {
        return Err(Error::bad_input("ids", "at most 500 at a time"));
    }
    let mut update = notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notifications::Column::RecipientId.eq(actor.user_id))
        .filter(notifications::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        update = update.filter(notifications::Column::Id.is_in(ids));
    }
    Ok(update.exec(db).await?.rows_affected)
}
