//! The viewer's notifications.

use async_graphql::connection::{Connection, DefaultConnectionName, DefaultEdgeName, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::context::ContextExt;
use super::loaders::{Loaders, Primed, load_now};
use super::messages::{Message, prime_messages};
use super::node::{Kind, decode_as, global_id};
use super::pagination::connection;
use super::people::User;
use super::posts::GuestPost;
use super::round::Checkin;
use crate::domain::notifications::{self as domain, Kind as DomainKind};
use crate::domain::pagination::Cursor;
use crate::domain::posts;

/// Something that happened that you should know about.
pub struct Notification(pub domain::Notification);

/// Something that happened that you should know about. Only its recipient
/// sees it.
#[Object]
impl Notification {
    /// The notification's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Notification, self.0.id)
    }
    /// What kind of event it tells of.
    async fn kind(&self) -> NotificationKind {
        match self.0.kind {
            DomainKind::ReviewRequest => NotificationKind::ReviewRequest,
            DomainKind::ReviewDecision => NotificationKind::ReviewDecision,
            DomainKind::Mention => NotificationKind::Mention,
            DomainKind::Reply => NotificationKind::Reply,
            DomainKind::CheckinReminder => NotificationKind::CheckinReminder,
            DomainKind::CheckinReaction => NotificationKind::CheckinReaction,
            DomainKind::CheckinComment => NotificationKind::CheckinComment,
        }
    }
    /// A sentence describing what happened.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// Who did it; null for the system (e.g. the scheduler).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.actor_id {
            Some(actor) => Ok(Some(User(Loaders::person(ctx, actor).await?))),
            None => Ok(None),
        }
    }
    /// The guest post it is about, if it is about one you may still see.
    async fn post(&self, ctx: &Context<'_>) -> Result<Option<GuestPost>> {
        if self.0.subject_kind != "guest_post" {
            return Ok(None);
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        if let Some(primed) = Primed::get(&loaders.primed.posts, &self.0.subject_id) {
            return Ok(primed.map(GuestPost));
        }
        Ok(posts::by_id(ctx.db(), ctx.viewer(), self.0.subject_id)
            .await
            .ok()
            .map(GuestPost))
    }
    /// The message it is about, if it is about one you may still see.
    async fn about_message(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        if self.0.subject_kind != "message" {
            return Ok(None);
        }
        Message::visible(ctx, self.0.subject_id).await
    }
    /// The check-in it is about, if it is about one that still exists.
    async fn about_checkin(&self, ctx: &Context<'_>) -> Result<Option<Checkin>> {
        if self.0.subject_kind != "checkin" {
            return Ok(None);
        }
        // Check-ins are for everyone signed in, and so is a notification.
        ctx.viewer().require(crate::auth::Action::ReadDirectory)?;
        let found = ctx
            .data_unchecked::<Loaders>()
            .checkin
            .load_one(self.0.subject_id)
            .await?;
        Ok(found.map(Checkin))
    }
    /// When it happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When you marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

/// What a notification tells of.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum NotificationKind {
    /// A post awaits your review.
    ReviewRequest,
    /// A reviewer decided on your post.
    ReviewDecision,
    /// Someone mentioned you in a message.
    Mention,
    /// Someone replied in a thread you follow.
    Reply,
    /// Your check-in for this week is still to write: the Monday reminder,
    /// sent once per week to people who are not excused. Its `actor` is
    /// null (the system) and its `message` names the week.
    CheckinReminder,
    /// Someone reacted to your check-in.
    CheckinReaction,
    /// Someone commented on your check-in.
    CheckinComment,
}

/// A page of your notifications.
pub type NotificationConnection = Connection<
    Cursor,
    Notification,
    EmptyFields,
    EmptyFields,
    DefaultConnectionName,
    DefaultEdgeName,
>;

/// The viewer's notifications: `notifications`, `unreadNotificationCount`.
#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// Your notifications, newest first.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Only the unread ones.")] unread_only: bool,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end, or before `before`: 1–100 (the default cap); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "End before this cursor (an edge's `cursor`, or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<NotificationConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let found = domain::list(ctx.db(), ctx.viewer(), unread_only, &page).await?;
        let items: Vec<&domain::Notification> = found.items.iter().map(|(_, n)| n).collect();
        prime(ctx, &items).await?;
        Ok(connection(found, Notification, EmptyFields))
    }

    /// How many of your notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(domain::unread_count(ctx.db(), ctx.viewer()).await?)
    }
}

/// What the items of a page point at, as the query selects it (actors,
/// posts, messages), loaded for the whole page at once (see `Primed`).
async fn prime(ctx: &Context<'_>, items: &[&domain::Notification]) -> Result<()> {
    let loaders = ctx.data_unchecked::<Loaders>();
    if items.is_empty() || !loaders.primed.enabled {
        return Ok(());
    }
    let node = ctx.look_ahead().field("edges").field("node");
    let about = |kind: &str| -> Vec<Uuid> {
        items
            .iter()
            .filter(|n| n.subject_kind == kind)
            .map(|n| n.subject_id)
            .collect()
    };
    if node.field("actor").exists() {
        let actors = items.iter().filter_map(|n| n.actor_id);
        let people = load_now(&loaders.person, actors).await?;
        Primed::put(&loaders.primed.people, people);
    }
    let post_ids = about("guest_post");
    if node.field("post").exists() && !post_ids.is_empty() {
        let visible = posts::visible_by_ids(ctx.db(), ctx.viewer(), &post_ids).await?;
        // Several notifications may be about one post.
        let all = post_ids.iter().map(|id| (*id, visible.get(id).cloned()));
        Primed::put(&loaders.primed.posts, all.collect());
    }
    prime_messages(ctx, &node.field("aboutMessage"), about("message")).await
}

/// The input of `markNotificationsRead`.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// The notifications to mark read; all of yours when omitted.
    pub ids: Option<Vec<ID>>,
}

/// The result of `markNotificationsRead`.
#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// How many were unread and are now read.
    pub marked: u64,
    /// How many of your notifications are still unread.
    pub unread_count: u64,
}

/// Marking the viewer's notifications read.
#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks your notifications read.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which notifications; all of yours when `ids` is omitted.")]
        input: MarkNotificationsReadInput,
    ) -> Result<MarkNotificationsReadPayload> {
        let ids = input
            .ids
            .map(|ids| {
                ids.iter()
                    .map(|id| decode_as("ids", Kind::Notification, id))
                    .collect::<crate::error::Result<Vec<_>>>()
            })
            .transpose()?;
        let marked = domain::mark_read(ctx.db(), ctx.viewer(), ids).await?;
        let unread_count = domain::unread_count(ctx.db(), ctx.viewer()).await?;
        Ok(MarkNotificationsReadPayload {
            marked,
            unread_count,
        })
    }
}
