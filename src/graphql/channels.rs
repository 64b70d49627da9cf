//! Channels: the `Channel` type, `channels`/`channel`, and the synapse graph
//! types that `Department.channels` and `Department.linkedDepartments` return.
//! Mutations are in `channel_mutations.rs`.

use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, ID, Object, OutputType, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::context::ContextExt;
use super::departments::{Department, DepartmentPage};
use super::loaders::{
    Batch, Batchers, ChannelMembersKey, ChannelPage, Loaders, MembershipKey, SharedChannelsKey,
};
use super::messages::{MessageConnection, message_connection};
use super::node::{Kind, global_id};
use super::pagination::{Connection, ConnectionNameType, EdgeNameType, EmptyFields, connection};
use super::people::User;
use crate::domain::channels::reads::ReadState;
use crate::domain::channels::synapses::Link;
use crate::domain::channels::{self, ChannelFilter, Scope, Visibility};
use crate::domain::messages;
use crate::domain::pagination::Page;

/// A place to talk, public or private, linked to one or more departments;
/// a channel linked to two or more is a synapse between them. With the
/// page it came in, if any, which loads its relations for the whole page.
pub struct Channel(pub channels::Channel, pub Option<Arc<ChannelPage>>);

impl Channel {
    /// A channel on its own (not from a page).
    pub fn one(channel: channels::Channel) -> Channel {
        Channel(channel, None)
    }

    /// Wraps the channels of `page`, each knowing the page.
    pub fn in_page(
        page: &Page<channels::Channel>,
    ) -> impl Fn(channels::Channel) -> Channel + use<> {
        let rows = ChannelPage::new(page.items.iter().map(|(_, c)| c));
        move |channel| Channel(channel, Some(rows.clone()))
    }

    /// `channels` as one page.
    pub fn all(channels: Vec<channels::Channel>) -> Vec<Channel> {
        let rows = ChannelPage::new(&channels);
        let wrap = |channel| Channel(channel, Some(rows.clone()));
        channels.into_iter().map(wrap).collect()
    }
}

/// A place to talk, public or private, linked to one or more departments;
/// a channel linked to two or more is a synapse between them. Private
/// channels exist only for their members (and administrators).
#[Object]
impl Channel {
    /// The channel's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Channel, self.0.id)
    }
    /// Stable, URL-safe name, such as `spring-launch`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The name people read: one line, 1–80 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the channel is about.
    async fn topic(&self) -> &str {
        &self.0.topic
    }
    /// Who may find the channel.
    async fn visibility(&self) -> ChannelVisibility {
        self.0.visibility.into()
    }
    /// When the channel was archived; archived channels are read-only.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// When the channel was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When its details, its departments or its archiving last changed
    /// (not its messages or members).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Who created the channel.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<User> {
        let Some(page) = &self.1 else {
            return Ok(User::one(Loaders::person(ctx, self.0.created_by).await?));
        };
        User::of_page(ctx, &page.creators, self.0.created_by).await
    }
    /// The departments the channel links, by name (two or more: a synapse).
    async fn departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => page.departments(loaders, self.0.id).await?,
            None => loaders
                .departments_of_channel
                .load_one(self.0.id)
                .await?
                .unwrap_or_default(),
        };
        Ok(found.into_iter().map(Department::one).collect())
    }
    /// How many people are in the channel.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<u64> {
        match &self.1 {
            Some(page) => {
                let loaders = ctx.data_unchecked::<Loaders>();
                page.member_count(loaders, self.0.id).await
            }
            None => member_count(ctx, self.0.id).await,
        }
    }
    /// Whether the viewer is a member.
    async fn viewer_is_member(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(actor) = ctx.viewer().actor() else {
            return Ok(false);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        if let Some(page) = &self.1 {
            return page.is_member(loaders, self.0.id, actor.user_id).await;
        }
        let key = MembershipKey {
            channel_id: self.0.id,
            user_id: actor.user_id,
        };
        Ok(loaders
            .channel_membership
            .load_one(key)
            .await?
            .unwrap_or(false))
    }
    /// Whether the viewer muted the channel (no reply notifications).
    async fn viewer_has_muted(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(actor) = ctx.viewer().actor() else {
            return Ok(false);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        if let Some(page) = &self.1 {
            return page.has_muted(loaders, self.0.id, actor.user_id).await;
        }
        Ok(loaders
            .channel_mute
            .load_one((self.0.id, actor.user_id))
            .await?
            .unwrap_or(false))
    }
    /// How many threads' first messages arrived after your read marker
    /// (`lastReadAt`), not counting your own or deleted ones; null if you
    /// are not a member. `markChannelRead` moves the marker.
    async fn unread_count(&self, ctx: &Context<'_>) -> Result<Option<u64>> {
        Ok(self.read_state(ctx).await?.map(|s| s.unread))
    }
    /// How many messages and replies after your read marker mention you
    /// (not your own, not deleted); null if you are not a member.
    async fn mention_count(&self, ctx: &Context<'_>) -> Result<Option<u64>> {
        Ok(self.read_state(ctx).await?.map(|s| s.mentions))
    }
    /// Your read marker: you have read up to this time (set by
    /// `markChannelRead`, and when you joined); null if you are not a
    /// member or have none.
    async fn last_read_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.read_state(ctx).await?.and_then(|s| s.last_read_at))
    }
    /// The channel's messages (threads' first messages), newest first.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn messages(
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
        // Boxed, so that a channel resolves each field in a small box
        // (async-graphql allocates every field's future at the size of the
        // object's largest).
        let found = Box::pin(messages::in_channel(ctx.db(), ctx.viewer(), &self.0, &page)).await?;
        Ok(message_connection(found))
    }
    /// The channel's people, by name.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn members(
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
    ) -> Result<ChannelMemberConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let key = ChannelMembersKey {
            channel_id: self.0.id,
            page,
        };
        let members = ctx
            .data_unchecked::<Loaders>()
            .channel_members
            .load_one(key)
            .await?
            .unwrap_or_else(empty_page);
        let wrap = User::in_page(&members);
        Ok(connection(
            members,
            wrap,
            ChannelMemberConnectionFields {
                channel_id: self.0.id,
            },
        ))
    }
}

impl Channel {
    /// The viewer's read state here (the page's, in one statement for all
    /// its channels), `None` if they are not a member.
    async fn read_state(&self, ctx: &Context<'_>) -> Result<Option<ReadState>> {
        let Some(actor) = ctx.viewer().actor() else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        match &self.1 {
            Some(page) => page.read_state(loaders, self.0.id, actor.user_id).await,
            None => Ok(Box::pin(loaders.channel_reads.load_one((self.0.id, actor.user_id))).await?),
        }
    }
}

pub(super) fn empty_page<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        has_next_page: false,
        has_previous_page: false,
    }
}

async fn member_count(ctx: &Context<'_>, channel_id: Uuid) -> Result<u64> {
    Ok(ctx
        .data_unchecked::<Loaders>()
        .channel_member_count
        .load_one(channel_id)
        .await?
        .unwrap_or(0))
}

/// Who may find a channel.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChannelVisibility {
    /// Everyone signed in sees it and may join.
    Public,
    /// Only its members (and administrators) know it exists.
    Private,
}

impl From<Visibility> for ChannelVisibility {
    fn from(v: Visibility) -> Self {
        match v {
            Visibility::Public => ChannelVisibility::Public,
            Visibility::Private => ChannelVisibility::Private,
        }
    }
}

impl From<ChannelVisibility> for Visibility {
    fn from(v: ChannelVisibility) -> Self {
        match v {
            ChannelVisibility::Public => Visibility::Public,
            ChannelVisibility::Private => Visibility::Private,
        }
    }
}

/// Names `Channel.members`' connection `ChannelMemberConnection`.
pub struct ChannelMemberConnectionName;

impl ConnectionNameType for ChannelMemberConnectionName {
    fn type_name<T: OutputType>() -> String {
        "ChannelMemberConnection".to_owned()
    }
}

/// Names `Channel.members`' edges `ChannelMemberEdge`.
pub struct ChannelMemberEdgeName;

impl EdgeNameType for ChannelMemberEdgeName {
    fn type_name<T: OutputType>() -> String {
        "ChannelMemberEdge".to_owned()
    }
}

/// A page of a channel's people.
pub type ChannelMemberConnection = Connection<
    User,
    ChannelMemberConnectionFields,
    ChannelMemberConnectionName,
    ChannelMemberEdgeName,
>;

/// Extra fields of a channel's member list.
pub struct ChannelMemberConnectionFields {
    channel_id: Uuid,
}

#[Object]
impl ChannelMemberConnectionFields {
    /// How many people are in the channel, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        member_count(ctx, self.channel_id).await
    }
}

/// A page of `channels`.
pub type ChannelConnection = Connection<Channel, ChannelConnectionFields>;

/// Extra fields of `channels`: the filter, to count what matches.
pub struct ChannelConnectionFields(ChannelFilter);

#[Object]
impl ChannelConnectionFields {
    /// How many channels match, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(channels::count(ctx.db(), ctx.viewer(), &self.0).await?)
    }
}

/// Names `Department.channels`' connection `DepartmentChannelConnection`.
pub struct DepartmentChannelConnectionName;

impl ConnectionNameType for DepartmentChannelConnectionName {
    fn type_name<T: OutputType>() -> String {
        "DepartmentChannelConnection".to_owned()
    }
}

/// Names `Department.channels`' edges `DepartmentChannelEdge`.
pub struct DepartmentChannelEdgeName;

impl EdgeNameType for DepartmentChannelEdgeName {
    fn type_name<T: OutputType>() -> String {
        "DepartmentChannelEdge".to_owned()
    }
}

/// A page of a department's channels.
pub type DepartmentChannelConnection =
    Connection<Channel, EmptyFields, DepartmentChannelConnectionName, DepartmentChannelEdgeName>;

/// A department another one shares channels with: one edge of the synapse
/// graph, seen from the department it was asked on.
pub struct LinkedDepartment {
    /// The department it was asked on.
    pub from: Uuid,
    /// The other department, and how many channels the two share.
    pub link: Link,
    /// Which channels the viewer may see.
    pub scope: Scope,
    /// The page of departments it was asked on, if any: the links of the
    /// whole page then load their relations together (`loaders::pages`).
    pub page: Option<Arc<DepartmentPage>>,
}

/// A department another one shares channels with: one edge of the synapse
/// graph, seen from the department it was asked on. Only channels the
/// viewer may see count.
#[Object]
impl LinkedDepartment {
    /// The other department.
    async fn department(&self, ctx: &Context<'_>) -> Result<Department> {
        let id = self.link.department_id;
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.page {
            Some(page) => {
                let keys = || page.link_keys().iter().map(|k| k.linked_id).collect();
                page.linked
                    .get(loaders, |l| &l.department, keys, &id)
                    .await?
            }
            None => loaders.department.load_one(id).await?,
        };
        let found = found.ok_or(crate::error::Error::NotFound("Department"))?;
        Ok(Department::one(found))
    }
    /// How many channels the two share (that the viewer may see).
    async fn channel_count(&self) -> u64 {
        self.link.channel_count
    }
    /// The channels the two share, by name.
    async fn channels(&self, ctx: &Context<'_>) -> Result<Vec<Channel>> {
        let found = self
            .load(ctx, |p| &p.shared_channels, |l| &l.shared_channels)
            .await?;
        Ok(Channel::all(found.unwrap_or_default()))
    }
    /// How many messages, roots and replies, the channels the two share hold
    /// (deleted ones left out): how much this link is used. Private channels
    /// count only for their members and administrators, as in `channels`.
    async fn message_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let found = self
            .load(ctx, |p| &p.link_messages, |l| &l.link_message_count)
            .await?;
        Ok(found.unwrap_or(0))
    }
}

impl LinkedDepartment {
    /// This link, as the loaders key it.
    fn key(&self) -> SharedChannelsKey {
        SharedChannelsKey {
            department_id: self.from,
            linked_id: self.link.department_id,
            scope: self.scope,
        }
    }

    /// A relation of this link: for the whole page of departments when it
    /// came from one (`batch`), else through the DataLoader `loader`.
    async fn load<L>(
        &self,
        ctx: &Context<'_>,
        batch: fn(&DepartmentPage) -> &Batch<SharedChannelsKey, L::Value>,
        loader: fn(&Batchers) -> &DataLoader<L>,
    ) -> Result<Option<L::Value>>
    where
        L: Loader<SharedChannelsKey, Error = async_graphql::Error>,
        L::Value: Clone + Send + Sync + 'static,
    {
        let loaders = ctx.data_unchecked::<Loaders>();
        match &self.page {
            Some(page) => {
                let keys = || page.link_keys();
                batch(page).get(loaders, loader, keys, &self.key()).await
            }
            None => loader(loaders).load_one(self.key()).await,
        }
    }
}

/// The channels' queries: `channels`, `channel`.
#[derive(Default)]
pub struct ChannelQuery;

#[Object]
impl ChannelQuery {
    /// The channels the viewer may see, by name: public ones, and private
    /// ones they are a member of (administrators see all).
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn channels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only channels linked to this department (a slug).")] department: Option<
            String,
        >,
        #[graphql(desc = "Only channels shared by these two departments (slugs): their synapse.")]
        between: Option<Vec<String>>,
        #[graphql(desc = "Only channels the viewer is (true) or is not (false) a member of.")]
        joined: Option<bool>,
        #[graphql(desc = "Part of the name, case-insensitive.")] search: Option<String>,
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
    ) -> Result<ChannelConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let filter = ChannelFilter {
            department,
            between,
            joined,
            search,
        };
        let found = channels::list(ctx.db(), ctx.viewer(), &filter, &page).await?;
        let wrap = Channel::in_page(&found);
        Ok(connection(found, wrap, ChannelConnectionFields(filter)))
    }

    /// A channel by slug (NOT_FOUND for a private channel the viewer is not in).
    async fn channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel's slug, such as `spring-launch`.")] slug: String,
    ) -> Result<Channel> {
        Ok(Channel::one(
            channels::by_slug(ctx.db(), ctx.viewer(), &slug).await?,
        ))
    }
}
