//! Messages: the `Message` type, its reactions and replies. Every relation
//! loads through a DataLoader, so a page of messages with authors, their
//! departments, reactions and reply counts is a constant number of queries.
//! Mutations are in `message_mutations.rs`.

use std::collections::HashMap;

use async_graphql::connection::{Connection, DefaultConnectionName, DefaultEdgeName, EmptyFields};
use async_graphql::{Context, ID, Lookahead, Object, Result, SimpleObject, Value};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::channels::{Channel, empty_page};
use super::context::ContextExt;
use super::loaders::{Loaders, Primed, load_now};
use super::node::{Kind, global_id};
use super::pagination::connection;
use super::people::User;
use crate::domain::channels::Scope;
use crate::domain::messages::{self, ReactionGroup};
use crate::domain::pagination::{Cursor, Page};
use crate::domain::posts::render::markdown_to_safe_html;
use crate::error::Error;

/// A message in a channel: a thread's first message, or a reply in it.
pub struct Message(pub messages::Message);

impl Message {
    /// Message `id`, if it exists and the viewer may see its channel, through
    /// the loaders: a list of things pointing at messages (notifications,
    /// guest posts) costs two batched queries, not two per item.
    pub(super) async fn visible(ctx: &Context<'_>, id: Uuid) -> Result<Option<Message>> {
        let scope = Scope::of(ctx.viewer())?;
        let loaders = ctx.data_unchecked::<Loaders>();
        if let Some(primed) = Primed::get(&loaders.primed.messages, &id) {
            return Ok(primed.map(Message));
        }
        let Some(message) = loaders.message.load_one(id).await? else {
            return Ok(None);
        };
        let channel = loaders
            .channel
            .load_one((message.channel_id, scope))
            .await?;
        Ok(channel.map(|_| Message(message)))
    }
}

/// A message in a channel: a thread's first message, or a reply in it.
/// Seen by whoever may see its channel.
#[Object]
impl Message {
    /// The message's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Message, self.0.id)
    }
    /// The channel it was posted in.
    async fn channel(&self, ctx: &Context<'_>) -> Result<Channel> {
        let key = (self.0.channel_id, Scope::of(ctx.viewer())?);
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match Primed::get(&loaders.primed.channels, &key) {
            Some(primed) => Some(primed),
            None => loaders.channel.load_one(key).await?,
        };
        Ok(Channel(found.ok_or(Error::NotFound("Channel"))?))
    }
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(Loaders::person(ctx, self.0.author_id).await?))
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
    /// The thread's first message, for a reply.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        let found = ctx
            .data_unchecked::<Loaders>()
            .message
            .load_one(parent_id)
            .await?;
        Ok(found.map(Message))
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
            return Ok(connection(empty_page(), Message, EmptyFields));
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        let key = (self.0.id, page);
        // Primed with the rest of the page of threads (see `prime`), or
        // batched with whichever other threads ask at the same time.
        if let Some(primed) = Primed::get(&loaders.primed.replies, &key) {
            return Ok(connection(primed, Message, EmptyFields));
        }
        let found = loaders.replies.load_one(key).await?;
        let found = found.unwrap_or_else(empty_page);
        prime(ctx, &found).await?;
        Ok(connection(found, Message, EmptyFields))
    }
    /// How many replies the thread has (deleted ones included, as tombstones).
    async fn reply_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let loaders = ctx.data_unchecked::<Loaders>();
        if let Some(count) = Primed::get(&loaders.primed.reply_counts, &self.0.id) {
            return Ok(count);
        }
        Ok(loaders.reply_count.load_one(self.0.id).await?.unwrap_or(0))
    }
    /// Reactions grouped by code, in the order of the documented codes.
    async fn reactions(&self, ctx: &Context<'_>) -> Result<Vec<Reaction>> {
        let viewer_id = ctx.viewer().actor().map(|a| a.user_id).unwrap_or_default();
        let loaders = ctx.data_unchecked::<Loaders>();
        let key = (self.0.id, viewer_id);
        let found = match Primed::get(&loaders.primed.reactions, &key) {
            Some(found) => found,
            None => loaders.reactions.load_one(key).await?.unwrap_or_default(),
        };
        Ok(found.into_iter().map(Reaction::from).collect())
    }
    /// The people it mentions (`@handle`) who may see the channel.
    async fn mentions(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let found = ctx
            .data_unchecked::<Loaders>()
            .mentions
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(found.into_iter().map(User).collect())
    }
    /// Whether the viewer follows this message's thread.
    async fn viewer_follows(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(actor) = ctx.viewer().actor() else {
            return Ok(false);
        };
        let root = self.0.parent_id.unwrap_or(self.0.id);
        Ok(ctx
            .data_unchecked::<Loaders>()
            .thread_follow
            .load_one((root, actor.user_id))
            .await?
            .unwrap_or(false))
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
pub type MessageConnection =
    Connection<Cursor, Message, EmptyFields, EmptyFields, DefaultConnectionName, DefaultEdgeName>;

/// Loads, for a whole page of messages, what the client selected of
/// `edges.node { replyCount reactions author { departments } replies }`
/// (and the same under `replies`): one statement each, however long the
/// page (see [`Primed`]).
///
/// Its work is boxed. async-graphql resolves every field of every object in
/// a box of its own, as large as the object's largest field future; inline,
/// priming made each field of a `Message` or `Channel` 7.6 KiB to allocate
/// and copy, where 0.7 KiB does (the test below).
pub async fn prime(ctx: &Context<'_>, page: &Page<messages::Message>) -> Result<()> {
    Box::pin(prime_page(ctx, page)).await
}

async fn prime_page(ctx: &Context<'_>, page: &Page<messages::Message>) -> Result<()> {
    let loaders = ctx.data_unchecked::<Loaders>();
    if page.items.is_empty() || !loaders.primed.enabled {
        return Ok(());
    }
    let node = ctx.look_ahead().field("edges").field("node");
    let items: Vec<&messages::Message> = page.items.iter().map(|(_, m)| m).collect();
    prime_fields(ctx, &node, &items).await?;
    prime_replies(ctx, &node.field("replies"), &items).await
}

/// The replies of every thread of a page, as `replies(…)` asks for them,
/// and what their own fields need: one statement each for the whole page.
async fn prime_replies(
    ctx: &Context<'_>,
    replies: &Lookahead<'_>,
    threads: &[&messages::Message],
) -> Result<()> {
    let fields = replies.selection_fields();
    // Absent, or asked twice (aliases): left to the loader.
    let [field] = fields.as_slice() else {
        return Ok(());
    };
    let arguments = field.arguments()?;
    let argument = |name: &str| {
        arguments
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, v)| v)
    };
    let int = |name: &str| match argument(name) {
        Some(Value::Number(n)) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        _ => None,
    };
    let text = |name: &str| match argument(name) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    // Bad arguments: the field itself reports them.
    let Ok(page) = ctx.page_args(int("first"), text("after"), int("last"), text("before")) else {
        return Ok(());
    };
    let roots = threads
        .iter()
        .filter(|m| m.parent_id.is_none())
        .map(|m| (m.id, page.clone()));
    let loaders = ctx.data_unchecked::<Loaders>();
    let found = load_now(&loaders.replies, roots).await?;
    let all: Vec<&messages::Message> = found
        .values()
        .flat_map(|page| page.items.iter().map(|(_, m)| m))
        .collect();
    if !all.is_empty() {
        prime_fields(ctx, &replies.field("edges").field("node"), &all).await?;
    }
    Primed::put(&loaders.primed.replies, found);
    Ok(())
}

/// Messages that a page of something else points at (`ids`), as `node`
/// selects them: the messages the viewer may see, their channels, and
/// their fields, in a few statements for the whole page.
pub(super) async fn prime_messages(
    ctx: &Context<'_>,
    node: &Lookahead<'_>,
    ids: Vec<Uuid>,
) -> Result<()> {
    let loaders = ctx.data_unchecked::<Loaders>();
    if ids.is_empty() || !node.exists() || !loaders.primed.enabled {
        return Ok(());
    }
    let scope = Scope::of(ctx.viewer())?;
    let found = load_now(&loaders.message, ids.iter().copied()).await?;
    let channels = load_now(
        &loaders.channel,
        found.values().map(|m| (m.channel_id, scope)),
    )
    .await?;
    let visible: HashMap<Uuid, Option<messages::Message>> = ids
        .iter()
        .map(|id| {
            let message = found
                .get(id)
                .filter(|m| channels.contains_key(&(m.channel_id, scope)))
                .cloned();
            (*id, message)
        })
        .collect();
    let items: Vec<&messages::Message> = visible.values().flatten().collect();
    prime_fields(ctx, node, &items).await?;
    Primed::put(&loaders.primed.channels, channels);
    Primed::put(&loaders.primed.messages, visible);
    Ok(())
}

/// Reply counts, reactions and authors (with their departments) of
/// `items`, as `node` selects them. The four loads go out together, so a
/// page waits for one round of queries, not four in a row (and without the
/// DataLoaders' wait: `load_now`).
async fn prime_fields(
    ctx: &Context<'_>,
    node: &Lookahead<'_>,
    items: &[&messages::Message],
) -> Result<()> {
    let loaders = ctx.data_unchecked::<Loaders>();
    let ids: Vec<Uuid> = items.iter().map(|m| m.id).collect();
    let mut author_ids: Vec<Uuid> = items.iter().map(|m| m.author_id).collect();
    author_ids.sort();
    author_ids.dedup();
    let author = node.field("author");
    let reply_counts = async {
        if node.field("replyCount").exists() {
            let counts = load_now(&loaders.reply_count, ids.iter().copied()).await?;
            let all = ids
                .iter()
                .map(|id| (*id, counts.get(id).copied().unwrap_or(0)));
            Primed::put(&loaders.primed.reply_counts, all.collect());
        }
        Ok::<_, async_graphql::Error>(())
    };
    let reactions = async {
        if node.field("reactions").exists() {
            let viewer_id = ctx.viewer().actor().map(|a| a.user_id).unwrap_or_default();
            let keys = ids.iter().map(|id| (*id, viewer_id));
            let mut found = load_now(&loaders.reactions, keys).await?;
            let all = ids.iter().map(|id| {
                let key = (*id, viewer_id);
                let groups = found.remove(&key).unwrap_or_default();
                (key, groups)
            });
            Primed::put(&loaders.primed.reactions, all.collect());
        }
        Ok(())
    };
    let people = async {
        if author.exists() {
            let people = load_now(&loaders.person, author_ids.iter().copied()).await?;
            Primed::put(&loaders.primed.people, people);
        }
        Ok(())
    };
    let departments = async {
        if author.field("departments").exists() {
            let mut found =
                load_now(&loaders.departments_of_user, author_ids.iter().copied()).await?;
            let all = author_ids
                .iter()
                .map(|id| (*id, found.remove(id).unwrap_or_default()));
            Primed::put(&loaders.primed.departments_of_user, all.collect());
        }
        Ok(())
    };
    futures_util::future::try_join4(reply_counts, reactions, people, departments).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use async_graphql::resolver_utils::ContainerType;

    use super::*;
    use crate::graphql::channels::Channel;

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
        ];
        println!("{sizes:?}");
        for (name, size) in sizes {
            assert!(size <= 2048, "{name}'s field future is {size} bytes");
        }
    }
}
