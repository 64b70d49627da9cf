//! DataLoaders: every relation a list can ask for is loaded for the whole
//! list in one query, never once per item. One set per request.

mod messages;

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::channels::synapses::{self, Link};
use crate::domain::channels::{Channel, Scope, membership};
use crate::domain::departments::{self, Department};
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::people::{self, Person};
pub use messages::{
    ChannelById, ChannelMute, Mentions, MessageById, Primed, Reactions, Replies, ReplyCount,
    ThreadFollow,
};

/// The loaders a request resolves through, and what its pages primed.
pub struct Loaders {
    /// Values loaded ahead for a whole page (see [`Primed`]).
    pub primed: Primed,
    batchers: Arc<Batchers>,
}

impl Deref for Loaders {
    type Target = Batchers;

    fn deref(&self) -> &Batchers {
        &self.batchers
    }
}

impl Loaders {
    /// A request's own loaders.
    pub fn new(db: &DatabaseConnection) -> Loaders {
        Loaders {
            primed: Primed::default(),
            batchers: Arc::new(Batchers::new(db)),
        }
    }

    /// The batchers, to keep beyond the request (a subscription's stream).
    pub fn shared(&self) -> Arc<Batchers> {
        self.batchers.clone()
    }

    /// A subscription's loaders: `batchers` is shared by every subscription
    /// in the process, so an event delivered to a thousand subscribers is
    /// loaded in a few batched queries rather than a thousand times each
    /// (the loaders cache nothing, so nothing goes stale). Nothing is primed:
    /// a subscription lives long and primed values would.
    pub fn sharing(batchers: &Arc<Batchers>) -> Loaders {
        Loaders {
            primed: Primed::disabled(),
            batchers: batchers.clone(),
        }
    }
}

/// One DataLoader per relation. They cache nothing: within a request they
/// batch, across subscriptions they batch what arrives together.
pub struct Batchers {
    /// A person's departments.
    pub departments_of_user: DataLoader<DepartmentsOfUser>,
    /// How many people a department has.
    pub member_count: DataLoader<MemberCount>,
    /// A page of a department's people.
    pub members: DataLoader<Members>,
    /// People by id.
    pub person: DataLoader<PersonById>,
    /// Departments by id.
    pub department: DataLoader<DepartmentById>,
    /// The departments a channel links.
    pub departments_of_channel: DataLoader<DepartmentsOfChannel>,
    /// How many people a channel has.
    pub channel_member_count: DataLoader<ChannelMemberCount>,
    /// A page of a channel's people.
    pub channel_members: DataLoader<ChannelMembers>,
    /// Whether a person is in a channel.
    pub channel_membership: DataLoader<ChannelMembership>,
    /// A page of a department's channels, in a viewer's scope.
    pub department_channels: DataLoader<DepartmentChannels>,
    /// The departments a department shares channels with.
    pub linked_departments: DataLoader<LinkedDepartments>,
    /// The channels two departments share.
    pub shared_channels: DataLoader<SharedChannels>,
    /// How many messages the channels two departments share hold.
    pub link_message_count: DataLoader<LinkMessageCount>,
    /// Channels by id, in a viewer's scope.
    pub channel: DataLoader<ChannelById>,
    /// Messages by id.
    pub message: DataLoader<MessageById>,
    /// A page of a thread's replies.
    pub replies: DataLoader<Replies>,
    /// How many replies a thread has.
    pub reply_count: DataLoader<ReplyCount>,
    /// A message's reactions, as a viewer sees them.
    pub reactions: DataLoader<Reactions>,
    /// The people a message mentions.
    pub mentions: DataLoader<Mentions>,
    /// Whether a person follows a thread.
    pub thread_follow: DataLoader<ThreadFollow>,
    /// Whether a person muted a channel.
    pub channel_mute: DataLoader<ChannelMute>,
}

impl Batchers {
    /// One loader per relation, each on its own connection handle to `db`.
    pub fn new(db: &DatabaseConnection) -> Batchers {
        Batchers {
            departments_of_user: DataLoader::new(DepartmentsOfUser(db.clone()), tokio::spawn),
            member_count: DataLoader::new(MemberCount(db.clone()), tokio::spawn),
            members: DataLoader::new(Members(db.clone()), tokio::spawn),
            person: DataLoader::new(PersonById(db.clone()), tokio::spawn),
            department: DataLoader::new(DepartmentById(db.clone()), tokio::spawn),
            departments_of_channel: DataLoader::new(DepartmentsOfChannel(db.clone()), tokio::spawn),
            channel_member_count: DataLoader::new(ChannelMemberCount(db.clone()), tokio::spawn),
            channel_members: DataLoader::new(ChannelMembers(db.clone()), tokio::spawn),
            channel_membership: DataLoader::new(ChannelMembership(db.clone()), tokio::spawn),
            department_channels: DataLoader::new(DepartmentChannels(db.clone()), tokio::spawn),
            linked_departments: DataLoader::new(LinkedDepartments(db.clone()), tokio::spawn),
            shared_channels: DataLoader::new(SharedChannels(db.clone()), tokio::spawn),
            link_message_count: DataLoader::new(LinkMessageCount(db.clone()), tokio::spawn),
            channel: DataLoader::new(ChannelById(db.clone()), tokio::spawn),
            message: DataLoader::new(MessageById(db.clone()), tokio::spawn),
            replies: DataLoader::new(Replies(db.clone()), tokio::spawn),
            reply_count: DataLoader::new(ReplyCount(db.clone()), tokio::spawn),
            reactions: DataLoader::new(Reactions(db.clone()), tokio::spawn),
            mentions: DataLoader::new(Mentions(db.clone()), tokio::spawn),
            thread_follow: DataLoader::new(ThreadFollow(db.clone()), tokio::spawn),
            channel_mute: DataLoader::new(ChannelMute(db.clone()), tokio::spawn),
        }
    }
}

pub(super) type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

/// A key that asks for one page of one group's list (a department's
/// members, a thread's replies).
pub(super) trait PageKey: Sized {
    fn group(&self) -> Uuid;
    fn page(&self) -> &PageArgs;
    fn of(group: Uuid, page: PageArgs) -> Self;
}

impl PageKey for (Uuid, PageArgs) {
    fn group(&self) -> Uuid {
        self.0
    }
    fn page(&self) -> &PageArgs {
        &self.1
    }
    fn of(group: Uuid, page: PageArgs) -> Self {
        (group, page)
    }
}

/// The page each key asks for: `load` runs once per distinct page, for every
/// group asking for it (one query for a whole list's worth of groups).
pub(super) async fn pages_per_group<K, T, Fut>(
    keys: &[K],
    load: impl Fn(Vec<Uuid>, PageArgs) -> Fut,
) -> LoadResult<K, Page<T>>
where
    K: PageKey + Eq + std::hash::Hash,
    Fut: std::future::Future<Output = crate::error::Result<HashMap<Uuid, Page<T>>>>,
{
    let mut by_page: HashMap<&PageArgs, Vec<Uuid>> = HashMap::new();
    for key in keys {
        by_page.entry(key.page()).or_default().push(key.group());
    }
    let mut pages = HashMap::new();
    for (page, groups) in by_page {
        for (group, found) in load(groups, page.clone()).await? {
            pages.insert(K::of(group, page.clone()), found);
        }
    }
    Ok(pages)
}

/// Loads `keys` (duplicates allowed) through `loader` at once, for priming
/// a page: all the keys are known, so there is nothing to gain from the
/// DataLoader's batching, which holds a load for its delay (1 ms, up to a
/// tokio tick more) waiting for keys that will not come.
pub async fn load_now<K, T>(
    loader: &DataLoader<T>,
    keys: impl IntoIterator<Item = K>,
) -> async_graphql::Result<HashMap<K, T::Value>>
where
    K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
    T: Loader<K, Error = async_graphql::Error>,
{
    let mut seen = std::collections::HashSet::new();
    let keys: Vec<K> = keys
        .into_iter()
        .filter(|k| seen.insert(k.clone()))
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    loader.loader().load(&keys).await
}

impl Loaders {
    /// The person with `id`, batched with every other lookup in the request.
    pub async fn person(
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<Person> {
        let loaders = ctx.data_unchecked::<Loaders>();
        if let Some(person) = Primed::get(&loaders.primed.people, &id) {
            return Ok(person);
        }
        let found = loaders.person.load_one(id).await?;
        Ok(found.ok_or(crate::error::Error::NotFound("User"))?)
    }

    /// The department with `id`, batched likewise.
    pub async fn department(
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<Department> {
        let found = ctx
            .data_unchecked::<Loaders>()
            .department
            .load_one(id)
            .await?;
        Ok(found.ok_or(crate::error::Error::NotFound("Department"))?)
    }
}

/// `User.departments`.
pub struct DepartmentsOfUser(DatabaseConnection);

impl Loader<Uuid> for DepartmentsOfUser {
    type Value = Vec<Department>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(departments::of_users(&self.0, keys).await?)
    }
}

/// `Department.memberCount` and the members connection's `totalCount`.
pub struct MemberCount(DatabaseConnection);

impl Loader<Uuid> for MemberCount {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(departments::member_counts(&self.0, keys).await?)
    }
}

/// A page of `Department.members`: keys asking for the same page of different
/// departments share one query.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MembersKey {
    /// The department.
    pub department_id: Uuid,
    /// The page asked for.
    pub page: PageArgs,
}

/// Pages of `Department.members`, keyed by [`MembersKey`].
pub struct Members(DatabaseConnection);

impl Loader<MembersKey> for Members {
    type Value = Page<Person>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MembersKey]) -> LoadResult<MembersKey, Self::Value> {
        let db = &self.0;
        pages_per_group(keys, |ids, page| async move {
            departments::members_of(db, &ids, &page).await
        })
        .await
    }
}

impl PageKey for MembersKey {
    fn group(&self) -> Uuid {
        self.department_id
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
    fn of(department_id: Uuid, page: PageArgs) -> Self {
        MembersKey {
            department_id,
            page,
        }
    }
}

/// People by id, for any field that references a person.
pub struct PersonById(DatabaseConnection);

impl Loader<Uuid> for PersonById {
    type Value = Person;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(people::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect())
    }
}

/// Departments by id (a post's department).
pub struct DepartmentById(DatabaseConnection);

impl Loader<Uuid> for DepartmentById {
    type Value = Department;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(departments::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect())
    }
}

// Channels. Loaders that return channels take the viewer's `Scope` in their
// key, so a private channel only ever reaches a viewer who may see it.

/// `Channel.departments`.
pub struct DepartmentsOfChannel(DatabaseConnection);

impl Loader<Uuid> for DepartmentsOfChannel {
    type Value = Vec<Department>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(synapses::departments_of(&self.0, keys).await?)
    }
}

/// `Channel.memberCount` and the members connection's `totalCount`.
pub struct ChannelMemberCount(DatabaseConnection);

impl Loader<Uuid> for ChannelMemberCount {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(membership::member_counts(&self.0, keys).await?)
    }
}

/// A page of `Channel.members`: keys asking for the same page share a query.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ChannelMembersKey {
    /// The channel.
    pub channel_id: Uuid,
    /// The page asked for.
    pub page: PageArgs,
}

/// Pages of `Channel.members`, keyed by [`ChannelMembersKey`].
pub struct ChannelMembers(DatabaseConnection);

impl Loader<ChannelMembersKey> for ChannelMembers {
    type Value = Page<Person>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ChannelMembersKey]) -> LoadResult<ChannelMembersKey, Self::Value> {
        let db = &self.0;
        pages_per_group(keys, |ids, page| async move {
            membership::members_of(db, &ids, &page).await
        })
        .await
    }
}

impl PageKey for ChannelMembersKey {
    fn group(&self) -> Uuid {
        self.channel_id
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
    fn of(channel_id: Uuid, page: PageArgs) -> Self {
        ChannelMembersKey { channel_id, page }
    }
}

/// `Channel.viewerIsMember`: (channel, person) pairs, one query per person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MembershipKey {
    /// The channel.
    pub channel_id: Uuid,
    /// The person.
    pub user_id: Uuid,
}

/// Whether people are in channels, keyed by [`MembershipKey`].
pub struct ChannelMembership(DatabaseConnection);

impl Loader<MembershipKey> for ChannelMembership {
    type Value = bool;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MembershipKey]) -> LoadResult<MembershipKey, Self::Value> {
        let mut by_user: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for key in keys {
            by_user.entry(key.user_id).or_default().push(key.channel_id);
        }
        let mut found = HashMap::new();
        for (user_id, channel_ids) in by_user {
            let joined = membership::memberships(&self.0, user_id, &channel_ids).await?;
            for channel_id in channel_ids {
                let key = MembershipKey {
                    channel_id,
                    user_id,
                };
                found.insert(key, joined.contains(&channel_id));
            }
        }
        Ok(found)
    }
}

/// A page of `Department.channels`, in the viewer's scope.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DepartmentChannelsKey {
    /// The department.
    pub department_id: Uuid,
    /// The channels the viewer may see.
    pub scope: Scope,
    /// The page asked for.
    pub page: PageArgs,
}

/// Pages of `Department.channels`, keyed by [`DepartmentChannelsKey`].
pub struct DepartmentChannels(DatabaseConnection);

impl Loader<DepartmentChannelsKey> for DepartmentChannels {
    type Value = Page<Channel>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[DepartmentChannelsKey],
    ) -> LoadResult<DepartmentChannelsKey, Self::Value> {
        let mut groups: HashMap<(Scope, &PageArgs), Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.scope, &key.page))
                .or_default()
                .push(key.department_id);
        }
        let mut pages = HashMap::new();
        for ((scope, page), department_ids) in groups {
            for (department_id, found) in
                synapses::channels_of(&self.0, scope, &department_ids, page).await?
            {
                let key = DepartmentChannelsKey {
                    department_id,
                    scope,
                    page: page.clone(),
                };
                pages.insert(key, found);
            }
        }
        Ok(pages)
    }
}

/// `Department.linkedDepartments`, in the viewer's scope.
pub struct LinkedDepartments(DatabaseConnection);

impl Loader<(Uuid, Scope)> for LinkedDepartments {
    type Value = Vec<Link>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, Scope)]) -> LoadResult<(Uuid, Scope), Self::Value> {
        let mut by_scope: HashMap<Scope, Vec<Uuid>> = HashMap::new();
        for (department_id, scope) in keys {
            by_scope.entry(*scope).or_default().push(*department_id);
        }
        let mut found = HashMap::new();
        for (scope, department_ids) in by_scope {
            let mut links = synapses::linked(&self.0, scope, &department_ids).await?;
            for department_id in department_ids {
                let value = links.remove(&department_id).unwrap_or_default();
                found.insert((department_id, scope), value);
            }
        }
        Ok(found)
    }
}

/// One link of the synapse graph, seen from `department_id` in a viewer's
/// scope: the key of `LinkedDepartment.channels` (the channels two
/// departments share) and of `LinkedDepartment.messageCount`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SharedChannelsKey {
    /// The department the link is seen from.
    pub department_id: Uuid,
    /// The other department.
    pub linked_id: Uuid,
    /// The channels the viewer may see.
    pub scope: Scope,
}

/// `LinkedDepartment.channels`, keyed by [`SharedChannelsKey`].
pub struct SharedChannels(DatabaseConnection);

impl Loader<SharedChannelsKey> for SharedChannels {
    type Value = Vec<Channel>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SharedChannelsKey]) -> LoadResult<SharedChannelsKey, Self::Value> {
        let mut by_scope: HashMap<Scope, Vec<(Uuid, Uuid)>> = HashMap::new();
        for key in keys {
            by_scope
                .entry(key.scope)
                .or_default()
                .push((key.department_id, key.linked_id));
        }
        let mut found = HashMap::new();
        for (scope, pairs) in by_scope {
            for ((department_id, linked_id), shared) in
                synapses::shared(&self.0, scope, &pairs).await?
            {
                let key = SharedChannelsKey {
                    department_id,
                    linked_id,
                    scope,
                };
                found.insert(key, shared);
            }
        }
        Ok(found)
    }
}

/// `LinkedDepartment.messageCount`: the messages in the channels two
/// departments share, keyed like [`SharedChannels`]. Every link of a whole
/// page of departments, per scope, is one GROUP BY.
pub struct LinkMessageCount(DatabaseConnection);

impl Loader<SharedChannelsKey> for LinkMessageCount {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SharedChannelsKey]) -> LoadResult<SharedChannelsKey, Self::Value> {
        let mut by_scope: HashMap<Scope, Vec<(Uuid, Uuid)>> = HashMap::new();
        for key in keys {
            by_scope
                .entry(key.scope)
                .or_default()
                .push((key.department_id, key.linked_id));
        }
        let mut found = HashMap::new();
        for (scope, pairs) in by_scope {
            let counts = synapses::message_counts(&self.0, scope, &pairs).await?;
            // A link whose shared channels hold no message has no row: 0.
            for (department_id, linked_id) in pairs {
                let key = SharedChannelsKey {
                    department_id,
                    linked_id,
                    scope,
                };
                let count = counts.get(&(department_id, linked_id)).copied();
                found.insert(key, count.unwrap_or(0));
            }
        }
        Ok(found)
    }
}
