//! The viewer's notifications.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::context::ContextExt;
use super::loaders::{Batch, Loaders, PersonPage, PointedMessages};
use super::messages::Message;
use super::node::{Kind, decode_as, global_id};
use super::pagination::{Connection, EmptyFields, connection};
use super::people::User;
use super::posts::GuestPost;
use super::round::Checkin;
use crate::domain::channels::Scope;
use crate::domain::notifications::{self as domain, Kind as DomainKind};
use crate::domain::posts;
use crate::domain::round::checkins;

/// Something that happened that you should know about; with the page it
/// came in, if any, which loads what its items point at for the whole page.
pub struct Notification(pub domain::Notification, pub Option<Arc<NotificationPage>>);

impl Notification {
    /// A notification on its own (not from a page).
    pub fn one(notification: domain::Notification) -> Notification {
        Notification(notification, None)
    }
}

/// A page of notifications: what its items point at (actors, guest posts,
/// messages, check-ins), each kind loaded for the whole page by the first
/// item that asks (see `loaders::pages`).
#[derive(Default)]
pub struct NotificationPage {
    actors: Arc<PersonPage>,
    post_ids: Vec<Uuid>,
    checkin_ids: Vec<Uuid>,
    posts: Batch<Uuid, posts::Post>,
    messages: PointedMessages,
    checkins: Batch<Uuid, checkins::Checkin>,
}

impl NotificationPage {
    fn new(items: &[&domain::Notification]) -> Arc<NotificationPage> {
        let about = |kind: &str| -> Vec<Uuid> {
            items
                .iter()
                .filter(|n| n.subject_kind == kind)
                .map(|n| n.subject_id)
                .collect()
        };
        Arc::new(NotificationPage {
            actors: PersonPage::new(items.iter().filter_map(|n| n.actor_id)),
            post_ids: about("guest_post"),
            messages: PointedMessages::new(about("message")),
            checkin_ids: about("checkin"),
            ..NotificationPage::default()
        })
    }

    /// Message `id`, one the page points at, if the viewer may see it.
    async fn message(&self, ctx: &Context<'_>, id: Uuid) -> Result<Option<Message>> {
        let scope = Scope::of(ctx.viewer())?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = self.messages.get(loaders, scope, id).await?;
        Ok(found.map(|(message, page)| Message(message, Some(page))))
    }
}

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
        let Some(actor) = self.0.actor_id else {
            return Ok(None);
        };
        let Some(page) = &self.1 else {
            return Ok(Some(User::one(Loaders::person(ctx, actor).await?)));
        };
        Ok(Some(User::of_page(ctx, &page.actors, actor).await?))
    }
    /// The guest post it is about, if it is about one you may still see.
    async fn post(&self, ctx: &Context<'_>) -> Result<Option<GuestPost>> {
        if self.0.subject_kind != "guest_post" {
            return Ok(None);
        }
        if let Some(page) = &self.1 {
            let load = || async {
                let found = posts::visible_by_ids(ctx.db(), ctx.viewer(), &page.post_ids).await?;
                Ok::<_, async_graphql::Error>(found)
            };
            let found = page.posts.get_with(load, &self.0.subject_id).await?;
            return Ok(found.map(GuestPost::one));
        }
        // Boxed: inline, the query's future would size every field's box.
        Ok(
            Box::pin(posts::by_id(ctx.db(), ctx.viewer(), self.0.subject_id))
                .await
                .ok()
                .map(GuestPost::one),
        )
    }
    /// The message it is about, if it is about one you may still see.
    async fn about_message(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        if self.0.subject_kind != "message" {
            return Ok(None);
        }
        match &self.1 {
            Some(page) => page.message(ctx, self.0.subject_id).await,
            None => Message::visible(ctx, self.0.subject_id).await,
        }
    }
    /// The check-in it is about, if it is about one that still exists.
    async fn about_checkin(&self, ctx: &Context<'_>) -> Result<Option<Checkin>> {
        if self.0.subject_kind != "checkin" {
            return Ok(None);
        }
        // Check-ins are for everyone signed in, and so is a notification.
        ctx.viewer().require(crate::auth::Action::ReadDirectory)?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => {
                let keys = || page.checkin_ids.clone();
                let id = &self.0.subject_id;
                page.checkins.get(loaders, |l| &l.checkin, keys, id).await?
            }
            None => loaders.checkin.load_one(self.0.subject_id).await?,
        };
        Ok(found.map(Checkin::one))
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
pub type NotificationConnection = Connection<Notification>;

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
        let rows = NotificationPage::new(&items);
        let wrap = move |n| Notification(n, Some(rows.clone()));
        Ok(connection(found, wrap, EmptyFields))
    }

    /// How many of your notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(domain::unread_count(ctx.db(), ctx.viewer()).await?)
    }
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
