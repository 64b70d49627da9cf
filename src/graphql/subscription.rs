//! The `Subscription` root, served over `GET /graphql/ws` (`http::ws`).
//!
//! Each field subscribes to the in-process event hub first, then checks the
//! viewer in the domain layer (an error ends the subscription before any
//! event), and for every event asks again for what the viewer may see, so a
//! subscription never shows more than a query would. Message subscriptions
//! load through loaders shared by every subscription in the process
//! (`Loaders::sharing`): a message heard by a thousand subscribers is read
//! in a few batched queries.

use std::collections::VecDeque;
use std::sync::Arc;

use async_graphql::{Context, ID, Result, Subscription as SubscriptionObject};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};
use uuid::Uuid;

use super::channels::Channel;
use super::context::ContextExt;
use super::loaders::{Batchers, Loaders, MessagePage};
use super::messages::Message;
use super::node::{Kind, decode_as};
use super::notifications::Notification;
use super::pagination::Edge;
use super::posts::GuestPost;
use super::round::Checkin;
use crate::auth::Viewer;
use crate::domain::channels::Scope;
use crate::domain::channels::reads::{self, ReadChange};
use crate::domain::messages::live::{self as message_live, BEHIND_MAX, Change, ChannelWatch, Seam};
use crate::domain::notifications;
use crate::domain::posts::live::{self, Watch};
use crate::domain::round::live as round_live;
use crate::error::Error;
use crate::events::Recorded;

/// A message and the cursor to resume after it (`messageAdded(after:)`):
/// the same type as the edges of `Channel.messages`.
pub type MessageEdge = Edge<Message>;

/// The live updates, served over `GET /graphql/ws`.
#[derive(Default)]
pub struct Subscription;

/// Live updates over WebSocket (`GET /graphql/ws`, `graphql-transport-ws`);
/// each shows you only what a query would.
#[SubscriptionObject]
impl Subscription {
    /// Your own posts, each time one changes status: the post as it is now.
    async fn post_status_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<GuestPost>> + use<>> {
        let events = ctx.state().events.subscribe();
        let watch = live::watch_own_posts(ctx.viewer())?;
        Ok(posts(events, watch, ctx.db().clone(), ctx.viewer().clone()))
    }

    /// Posts entering or leaving the review queue (IN_REVIEW), as they are
    /// now (comms, admins).
    async fn review_queue_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<GuestPost>> + use<>> {
        let events = ctx.state().events.subscribe();
        let watch = live::watch_review_queue(ctx.viewer())?;
        Ok(posts(events, watch, ctx.db().clone(), ctx.viewer().clone()))
    }

    /// New messages in a channel you may see, thread starters and replies,
    /// each with the cursor to resume from. With `after` (the cursor of the
    /// last message you saw), first every message after it, oldest first,
    /// then live ones: nothing missed, nothing twice. Reconnect with the
    /// last cursor you received and you lose nothing.
    async fn message_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel's global id.")] channel: ID,
        #[graphql(
            desc = "The `cursor` of the last message you saw, from `Channel.messages` or this subscription; at most 10,000 messages behind."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<MessageEdge>> + use<>> {
        // Before the replay is read: what commits meanwhile is heard live.
        let events = ctx.state().events.subscribe();
        let channel_id = decode_as("channel", Kind::Channel, &channel)?;
        let watch =
            message_live::watch_channel(ctx.db(), ctx.viewer(), channel_id, Change::Added).await?;
        let replayed = match after {
            Some(after) => {
                let delivered = ctx.state().events.delivered();
                message_live::replay(ctx.db(), &watch, &after, delivered).await?
            }
            None => message_live::Replay {
                ids: Vec::new(),
                after_event: Default::default(),
            },
        };
        let seam = Seam::new(&replayed);
        // The replayed messages go first, loaded and sent as live ones are.
        let live = live_messages(ctx, events, watch, seam, replayed.ids.into())?;
        Ok(live.map(|found| found.map(|m| MessageEdge::new(m.0.cursor(), m))))
    }

    /// Messages of a channel you may see as they change: edited, deleted
    /// (a tombstone) or reacted to. Each is the message as it is now.
    async fn message_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel's global id.")] channel: ID,
    ) -> Result<impl Stream<Item = Result<Message>> + use<>> {
        let events = ctx.state().events.subscribe();
        let channel_id = decode_as("channel", Kind::Channel, &channel)?;
        let watch =
            message_live::watch_channel(ctx.db(), ctx.viewer(), channel_id, Change::Changed)
                .await?;
        live_messages(ctx, events, watch, Seam::default(), VecDeque::new())
    }

    /// Check-ins of a department's members as they are submitted or
    /// changed (and their challenges resolved or reopened): each is the
    /// check-in as it is now. Everyone signed in.
    async fn round_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's global id.")] department: ID,
    ) -> Result<impl Stream<Item = Result<Checkin>> + use<>> {
        let events = ctx.state().events.subscribe();
        let department_id = decode_as("department", Kind::Department, &department)?;
        let watch = round_live::watch_department(ctx.db(), ctx.viewer(), department_id).await?;
        let follow = RoundFollow {
            events,
            watch,
            db: ctx.db().clone(),
            viewer: ctx.viewer().clone(),
        };
        Ok(futures_util::stream::unfold(
            Some(follow),
            |state| async move {
                let mut follow = state?;
                loop {
                    let event = match follow.events.recv().await {
                        Ok(event) => event,
                        Err(RecvError::Lagged(missed)) => return Some((Err(lagged(missed)), None)),
                        Err(RecvError::Closed) => return None,
                    };
                    let Some(id) = follow.watch.checkin_in(&event) else {
                        continue;
                    };
                    match follow.watch.load(&follow.db, &follow.viewer, id).await {
                        Ok(Some(found)) => return Some((Ok(Checkin::one(found)), Some(follow))),
                        Ok(None) => continue,
                        Err(err) => return Some((Err(err.into()), Some(follow))),
                    }
                }
            },
        ))
    }

    /// Your channels as your read state in them changes: each time you mark
    /// one read, in any session (another tab, another device), and each
    /// time a message (or reply) arrives in a channel you are a member of.
    /// Each is the channel as it is now: read its `unreadCount`,
    /// `mentionCount` and `lastReadAt`. One subscription for all your
    /// channels.
    async fn channel_read_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Channel>> + use<>> {
        let events = ctx.state().events.subscribe();
        let user_id = reads::watch_own(ctx.viewer())?;
        let follow = ReadFollow {
            events,
            user_id,
            scope: Scope::of(ctx.viewer())?,
            loaders: ctx.data_unchecked::<Loaders>().shared(),
        };
        Ok(futures_util::stream::unfold(
            Some(follow),
            |state| async move {
                let mut follow = state?;
                loop {
                    let event = match follow.events.recv().await {
                        Ok(event) => event,
                        Err(RecvError::Lagged(missed)) => return Some((Err(lagged(missed)), None)),
                        Err(RecvError::Closed) => return None,
                    };
                    let channel_id = match reads::change_for(&event, follow.user_id) {
                        Some(ReadChange::Marked(channel_id)) => channel_id,
                        Some(ReadChange::Posted(channel_id)) => {
                            // Members have a read state: one statement for
                            // every subscriber the message reaches at once.
                            let key = (channel_id, follow.user_id);
                            match follow.loaders.channel_reads.load_one(key).await {
                                Ok(Some(_)) => channel_id,
                                Ok(None) => continue,
                                Err(err) => return Some((Err(err), Some(follow))),
                            }
                        }
                        None => continue,
                    };
                    let key = (channel_id, follow.scope);
                    match follow.loaders.channel.load_one(key).await {
                        Ok(Some(found)) => return Some((Ok(Channel::one(found)), Some(follow))),
                        Ok(None) => continue,
                        Err(err) => return Some((Err(err), Some(follow))),
                    }
                }
            },
        ))
    }

    /// Your new notifications, as they are created.
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Notification>> + use<>> {
        let events = ctx.state().events.subscribe();
        let user_id = notifications::watch_own(ctx.viewer())?;
        let inbox = Inbox {
            events,
            pending: VecDeque::new(),
            db: ctx.db().clone(),
            viewer: ctx.viewer().clone(),
            user_id,
        };
        Ok(futures_util::stream::unfold(
            Some(inbox),
            |state| async move {
                let mut inbox = state?;
                loop {
                    if let Some(id) = inbox.pending.pop_front() {
                        match notifications::by_id(&inbox.db, &inbox.viewer, id).await {
                            Ok(found) => return Some((Ok(Notification::one(found)), Some(inbox))),
                            Err(Error::NotFound(_)) => continue,
                            Err(err) => return Some((Err(err.into()), Some(inbox))),
                        }
                    }
                    match inbox.events.recv().await {
                        Ok(event) => inbox
                            .pending
                            .extend(notifications::added_for(&event, inbox.user_id)),
                        Err(RecvError::Lagged(missed)) => return Some((Err(lagged(missed)), None)),
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}

/// Ends a subscription that fell behind the hub, rather than skip events
/// silently; the client subscribes again (with its last cursor, for
/// `messageAdded`).
fn lagged(missed: u64) -> async_graphql::Error {
    Error::internal(format!(
        "a subscription fell {missed} events behind and was ended; subscribe again"
    ))
    .into()
}

struct ReadFollow {
    events: broadcast::Receiver<Arc<Recorded>>,
    user_id: Uuid,
    scope: Scope,
    loaders: Arc<Batchers>,
}

struct RoundFollow {
    events: broadcast::Receiver<Arc<Recorded>>,
    watch: round_live::RoundWatch,
    db: DatabaseConnection,
    viewer: Viewer,
}

struct Inbox {
    events: broadcast::Receiver<Arc<Recorded>>,
    pending: VecDeque<Uuid>,
    db: DatabaseConnection,
    viewer: Viewer,
    user_id: Uuid,
}

struct ChannelFollow {
    events: broadcast::Receiver<Arc<Recorded>>,
    watch: ChannelWatch,
    seam: Seam,
    scope: Scope,
    loaders: Arc<Batchers>,
    /// Messages to send, not yet loaded, in the order of their events: the
    /// replay's, then those taken from the hub for this subscription.
    pending: VecDeque<Uuid>,
    /// Messages loaded and not yet sent, in the order of their events,
    /// each batch a page: what their fields ask for (authors, reactions…)
    /// loads for the whole batch at once.
    ready: VecDeque<Message>,
}

/// The most messages a subscription loads at once (in one statement).
const LIVE_BATCH: usize = 256;

impl ChannelFollow {
    /// Takes what waits in the hub without waiting: this subscription's
    /// messages go to `pending`, the rest is dropped. Done before every
    /// message sent, so the hub's buffer only has to cover the time one
    /// message takes to resolve and send, not a whole batch's.
    fn drain(&mut self) -> std::result::Result<bool, async_graphql::Error> {
        loop {
            match self.events.try_recv() {
                Ok(event) => self.take(&event)?,
                Err(TryRecvError::Lagged(missed)) => return Err(lagged(missed)),
                Err(TryRecvError::Empty) => return Ok(true),
                // What was taken is sent, then `recv` ends it.
                Err(TryRecvError::Closed) => return Ok(false),
            }
        }
    }

    fn take(&mut self, event: &Recorded) -> std::result::Result<(), async_graphql::Error> {
        if let Some(id) = self.watch.message_in(event)
            && self.seam.is_new(event.order, id)
        {
            // One whose client reads slower than its channel is written to
            // is ended there, as when it falls behind the hub.
            if self.pending.len() >= BEHIND_MAX {
                return Err(lagged(self.pending.len() as u64));
            }
            self.pending.push_back(id);
        }
        Ok(())
    }

    /// Loads the next [`LIVE_BATCH`] pending messages into `ready`.
    async fn load(&mut self) -> std::result::Result<(), async_graphql::Error> {
        let key = (self.watch.channel_id, self.scope);
        if self.loaders.channel.load_one(key).await?.is_none() {
            return Err(Error::NotFound("Channel").into());
        }
        let ids: Vec<Uuid> = self
            .pending
            .drain(..self.pending.len().min(LIVE_BATCH))
            .collect();
        let mut found = self.loaders.message.load_many(ids.iter().copied()).await?;
        let batch: Vec<_> = ids.iter().filter_map(|id| found.remove(id)).collect();
        let page = MessagePage::new(&batch);
        self.ready
            .extend(batch.into_iter().map(Message::in_page(&page)));
        Ok(())
    }
}

/// The `replayed` messages, then those `watch` selects from `events`,
/// skipping those the seam says the client has (replayed, or before its
/// cursor). Ends with NOT_FOUND once the viewer may no longer see the
/// channel (removed from a private one).
///
/// The hub is drained before every message sent and the messages waiting
/// are loaded together, up to [`LIVE_BATCH`] in one statement: loaded one by
/// one, a subscriber fell a thousand events behind a burst of posts and was
/// cut off (fault test `three_replicas_deliver_everything_while_a_listener_is_cut`),
/// and draining only between batches, subscribers under the soak's load
/// (docs/PERFORMANCE.md, "Soak") fell behind while a batch was sent.
/// A message that cannot be loaded (the database is down) ends the
/// subscription with the error, rather than skip it: the client subscribes
/// again with its last cursor and the replay gives it what it missed
/// (`postgres_restarted_under_load_loses_nothing`).
fn live_messages(
    ctx: &Context<'_>,
    events: broadcast::Receiver<Arc<Recorded>>,
    watch: ChannelWatch,
    seam: Seam,
    replayed: VecDeque<Uuid>,
) -> Result<impl Stream<Item = Result<Message>> + use<>> {
    let follow = ChannelFollow {
        events,
        watch,
        seam,
        scope: Scope::of(ctx.viewer())?,
        loaders: ctx.data_unchecked::<Loaders>().shared(),
        pending: replayed,
        ready: VecDeque::new(),
    };
    Ok(futures_util::stream::unfold(
        Some(follow),
        |state| async move {
            let mut follow = state?;
            let mut open = match follow.drain() {
                Ok(open) => open,
                Err(err) => return Some((Err(err), None)),
            };
            loop {
                if let Some(found) = follow.ready.pop_front() {
                    return Some((Ok(found), Some(follow)));
                }
                if !follow.pending.is_empty() {
                    if let Err(err) = follow.load().await {
                        return Some((Err(err), None));
                    }
                    continue;
                }
                if !open {
                    return None;
                }
                match follow.events.recv().await {
                    Ok(event) => {
                        if let Err(err) = follow.take(&event) {
                            return Some((Err(err), None));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => return Some((Err(lagged(missed)), None)),
                    Err(RecvError::Closed) => return None,
                }
                open = match follow.drain() {
                    Ok(open) => open,
                    Err(err) => return Some((Err(err), None)),
                };
            }
        },
    ))
}

struct Follow {
    events: broadcast::Receiver<Arc<Recorded>>,
    watch: Watch,
    db: DatabaseConnection,
    viewer: Viewer,
}

/// The posts `watch` selects from `events`, as `viewer` may see them.
fn posts(
    events: broadcast::Receiver<Arc<Recorded>>,
    watch: Watch,
    db: DatabaseConnection,
    viewer: Viewer,
) -> impl Stream<Item = Result<GuestPost>> {
    let follow = Follow {
        events,
        watch,
        db,
        viewer,
    };
    futures_util::stream::unfold(Some(follow), |state| async move {
        let mut follow = state?;
        loop {
            match follow.events.recv().await {
                Ok(event) => {
                    match follow
                        .watch
                        .post_for(&follow.db, &follow.viewer, &event)
                        .await
                    {
                        Ok(Some(post)) => return Some((Ok(GuestPost::one(post)), Some(follow))),
                        Ok(None) => continue,
                        Err(err) => return Some((Err(err.into()), Some(follow))),
                    }
                }
                Err(RecvError::Lagged(missed)) => return Some((Err(lagged(missed)), None)),
                Err(RecvError::Closed) => return None,
            }
        }
    })
}
