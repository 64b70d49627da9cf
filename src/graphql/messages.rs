//! Messages: the `Message` type, its reactions and replies. A message from
//! a page loads each relation for the whole page at once (`MessagePage`),
//! one on its own through a DataLoader, so a page of messages with authors,
//! their departments, reactions and reply counts is a constant number of
//! queries, however the query is written.
//! Mutations are in `message_mutations.rs`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::channels::{Channel, empty_page};
use super::context::ContextExt;
use super::loaders::{Loaders, MessagePage};
use super::node::{Kind, global_id};
use super::pagination::{Connection, EmptyFields, connection};
use super::people::User;
use crate::domain::channels::Scope;
use crate::domain::messages::{self, ReactionGroup};
use crate::domain::pagination::Page;
use crate::domain::posts::render::markdown_to_safe_html;
use crate::error::Error;

/// A message in a channel: a thread's first message, or a reply in it;
/// with the page it came in, if any, which loads its relations for the
/// whole page (`loaders::MessagePage`); without, they go through the
/// DataLoaders.
pub struct Message(pub messages::Message, pub Option<Arc<MessagePage>>);

impl Message {
    /// A message on its own (not from a page).
    pub fn one(message: messages::Message) -> Message {
        Message(message, None)
    }

    /// A message of `page`.
    pub fn in_page(page: &Arc<MessagePage>) -> impl Fn(messages::Message) -> Message + '_ {
        move |message| Message(message, Some(page.clone()))
    }

    /// Message `id`, if it exists and the viewer may see its channel, through
    /// the loaders: a list of things pointing at messages (guest posts)
    /// costs two batched queries, not two per item.
    pub(super) async fn visible(ctx: &Context<'_>, id: Uuid) -> Result<Option<Message>> {
        let scope = Scope::of(ctx.viewer())?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let Some(message) = loaders.message.load_one(id).await? else {
            return Ok(None);
        };
        let channel = loaders
            .channel
            .load_one((message.channel_id, scope))
            .await?;
        Ok(channel.map(|_| Message::one(message)))
    }
}

/// A page of messages as a connection, each message knowing its page.
pub fn message_connection(page: Page<messages::Message>) -> MessageConnection {
    let rows = MessagePage::new(page.items.iter().map(|(_, m)| m));
    connection(page, Message::in_page(&rows), EmptyFields)
}

/// A message in a channel: a thread's first message, or a reply in it.
/// Seen by whoever may see its channel.
//
// Its fields resolve one after another (`serial`), not as futures run side
// by side: nearly all are plain reads of the row, and the relations load
// for the whole page once (`MessagePage`), so running them together bought
// nothing but a `FuturesUnordered` per message. The messages of a list
// still resolve side by side, which is what lets a page's relation load
// once for all of them (docs/PERFORMANCE.md, "serial fields").
#[Object(serial)]
impl Message {
    /// The message's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Message, self.0.id)
    }
    /// The channel it was posted in.
    async fn channel(&self, ctx: &Context<'_>) -> Result<Channel> {
        let scope = Scope::of(ctx.viewer())?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => page.channel(loaders, self.0.channel_id, scope).await?,
            None => loaders.channel.load_one((self.0.channel_id, scope)).await?,
        };
        Ok(Channel::one(found.ok_or(Error::NotFound("Channel"))?))
    }
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> Result<User> {
        let Some(page) = &self.1 else {
            return Ok(User::one(Loaders::person(ctx, self.0.author_id).await?));
        };
        User::of_page(ctx, &page.authors, self.0.author_id).await
    }
    /// The markdown as written; empty once deleted.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The body rendered to sanitized HTML; empty once deleted.
    async fn body_html(&self) -> String {
        if self.0.body.is_empty() {
            String::new()
        } else {
            markdown_to_safe_html(&self.0.body)
        }
    }
    /// When it was posted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When its author last edited it.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.0.edited_at
    }
    /// When it was deleted: a tombstone that keeps its thread.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    /// When it was removed at its author's request, with the rest of their
    /// data (a tombstone like a deleted message; `deletedAt` is set too).
    async fn erased_at(&self) -> Option<DateTime<Utc>> {
        self.0.erased_at
    }
    /// The thread's first message, for a reply.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => page.parent(loaders, parent_id).await?,
            None => loaders.message.load_one(parent_id).await?,
        };
        Ok(found.map(Message::one))
    }
    /// The thread's replies, oldest first (empty for a reply).
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn replies(
        &self,
        ctx: &Context<'_>,
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
    ) -> Result<MessageConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        if self.0.parent_id.is_some() {
            return Ok(message_connection(empty_page()));
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        let key = (self.0.id, page);
        let Some(thread_page) = &self.1 else {
            let found = loaders.replies.load_one(key).await?;
            return Ok(message_connection(found.unwrap_or_else(empty_page)));
        };
        // With the replies of every thread of this message's page, which
        // then make one page together.
        let replies = Box::pin(thread_page.replies(loaders, &key.1)).await?;
        let found = replies.pages.get(&key).cloned();
        Ok(connection(
            found.unwrap_or_else(empty_page),
            Message::in_page(&replies.page),
            EmptyFields,
        ))
    }
    /// How many replies the thread has (deleted ones included, as tombstones).
    async fn reply_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let loaders = ctx.data_unchecked::<Loaders>();
        match &self.1 {
            Some(page) => page.reply_count(loaders, self.0.id).await,
            None => Ok(loaders.reply_count.load_one(self.0.id).await?.unwrap_or(0)),
        }
    }
    /// Reactions grouped by code, in the order of the documented codes.
    async fn reactions(&self, ctx: &Context<'_>) -> Result<Vec<Reaction>> {
        let viewer_id = ctx.viewer().actor().map(|a| a.user_id).unwrap_or_default();
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => page.reactions(loaders, self.0.id, viewer_id).await?,
            None => {
                let key = (self.0.id, viewer_id);
                loaders.reactions.load_one(key).await?.unwrap_or_default()
            }
        };
        Ok(found.into_iter().map(Reaction::from).collect())
    }
    /// The people it mentions (`@handle`) who may see the channel.
    async fn mentions(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => page.mentions(loaders, self.0.id).await?,
            None => loaders
                .mentions
                .load_one(self.0.id)
                .await?
                .unwrap_or_default(),
        };
        Ok(found.into_iter().map(User::one).collect())
    }
    /// Whether the viewer follows this message's thread.
    async fn viewer_follows(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(actor) = ctx.viewer().actor() else {
            return Ok(false);
        };
        let root = self.0.parent_id.unwrap_or(self.0.id);
        let loaders = ctx.data_unchecked::<Loaders>();
        match &self.1 {
            Some(page) => page.follows(loaders, root, actor.user_id).await,
            None => Ok(loaders
                .thread_follow
                .load_one((root, actor.user_id))
                .await?
                .unwrap_or(false)),
        }
    }
}

/// The reactions with one code on one message.
#[derive(SimpleObject)]
pub struct Reaction {
    /// One of thumbsup, heart, tada, eyes, laughing, rocket,
    /// white_check_mark, pray.
    pub code: String,
    /// How many people reacted with it.
    pub count: u64,
    /// Whether you are one of them.
    pub viewer_has_reacted: bool,
}

impl From<ReactionGroup> for Reaction {
    fn from(g: ReactionGroup) -> Self {
        Reaction {
            code: g.code,
            count: g.count,
            viewer_has_reacted: g.viewer_has_reacted,
        }
    }
}

/// A page of messages: a channel's threads or a thread's replies.
pub type MessageConnection = Connection<Message>;

#[cfg(test)]
mod tests {
    use std::future::Future;

    use async_graphql::resolver_utils::ContainerType;

    use super::*;
    use crate::graphql::channels::Channel;
    use crate::graphql::notifications::Notification;
    use crate::graphql::posts::GuestPost;

    /// The size of the future `resolve_field` returns for `T`: what
    /// async-graphql allocates and copies for each field it resolves.
    fn field_future_size<'a, T: 'a, F: Future>(_: fn(&'a T, &'a Context<'a>) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    #[test]
    fn a_page_of_messages_resolves_each_field_in_a_small_box() {
        let sizes = [
            (
                "Message",
                field_future_size(<Message as ContainerType>::resolve_field),
            ),
            (
                "Channel",
                field_future_size(<Channel as ContainerType>::resolve_field),
            ),
            (
                "User",
                field_future_size(<User as ContainerType>::resolve_field),
            ),
            (
                "Notification",
                field_future_size(<Notification as ContainerType>::resolve_field),
            ),
            (
                "GuestPost",
                field_future_size(<GuestPost as ContainerType>::resolve_field),
            ),
        ];
        println!("{sizes:?}");
        for (name, size) in sizes {
            assert!(size <= 2048, "{name}'s field future is {size} bytes");
        }
    }
}
