//! DataLoaders: every relation a list can ask for is loaded for the whole
//! list in one query, never once per item. One set per request.
//!
//! One file per area ([`directory`]: people and departments; [`channels`]:
//! channels and the synapse graph; [`messages`]: messages); [`pages`]: the
//! rows of a page, which load each relation for the whole page at once (the
//! DataLoaders serve objects that are not from a page); here, the set a
//! request holds and [`per_group`], the one way a loader splits its keys
//! into queries.

mod channels;
mod directory;
mod messages;
mod pages;
mod round;

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::ops::Deref;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::departments::Department;
use crate::domain::people::Person;
pub use channels::{
    ChannelMemberCount, ChannelMembers, ChannelMembersKey, ChannelMembership, ChannelReads,
    DepartmentChannels, DepartmentChannelsKey, DepartmentsOfChannel, LinkMessageCount,
    LinkedDepartments, MembershipKey, SharedChannels, SharedChannelsKey,
};
pub use directory::{
    DepartmentById, DepartmentsOfUser, MemberCount, Members, MembersKey, PersonById,
    PersonWithDepartments,
};
pub use messages::{
    ChannelById, ChannelMute, Mentions, MessageById, Reactions, Replies, ReplyCount, ThreadFollow,
};
pub use pages::{Batch, ChannelPage, MessagePage, PersonPage, PointedMessages};
pub use round::{ChallengesOf, CheckinById, CheckinComments, CheckinReactions, CommentsKey};

/// The loaders a request resolves through.
pub struct Loaders {
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
    /// (the loaders cache nothing, so nothing goes stale; a page's values
    /// live in its objects, only as long as one response).
    pub fn sharing(batchers: &Arc<Batchers>) -> Loaders {
        Loaders {
            batchers: batchers.clone(),
        }
    }
}

/// One DataLoader per relation. They cache nothing: within a request they
/// batch, across subscriptions they batch what arrives together.
pub struct Batchers {
    /// Whether every subscription of the process shares these
    /// ([`Batchers::shared`]): see [`Batchers::load`].
    shared: bool,
    /// A person's departments.
    pub departments_of_user: DataLoader<DepartmentsOfUser>,
    /// How many people a department has.
    pub member_count: DataLoader<MemberCount>,
    /// A page of a department's people.
    pub members: DataLoader<Members>,
    /// People by id.
    pub person: DataLoader<PersonById>,
    /// People by id with their departments.
    pub person_with_departments: DataLoader<PersonWithDepartments>,
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
    /// A person's read state in a channel.
    pub channel_reads: DataLoader<ChannelReads>,
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
    /// A check-in's challenges.
    pub challenges_of: DataLoader<ChallengesOf>,
    /// Check-ins by id.
    pub checkin: DataLoader<CheckinById>,
    /// A check-in's reactions, as a viewer sees them.
    pub checkin_reactions: DataLoader<CheckinReactions>,
    /// A page of a check-in's comments.
    pub checkin_comments: DataLoader<CheckinComments>,
}

impl Batchers {
    /// A request's loaders: one per relation, each on its own connection
    /// handle to `db`.
    pub fn new(db: &DatabaseConnection) -> Batchers {
        Batchers {
            shared: false,
            departments_of_user: DataLoader::new(DepartmentsOfUser(db.clone()), tokio::spawn),
            member_count: DataLoader::new(MemberCount(db.clone()), tokio::spawn),
            members: DataLoader::new(Members(db.clone()), tokio::spawn),
            person: DataLoader::new(PersonById(db.clone()), tokio::spawn),
            person_with_departments: DataLoader::new(
                PersonWithDepartments(db.clone()),
                tokio::spawn,
            ),
            department: DataLoader::new(DepartmentById(db.clone()), tokio::spawn),
            departments_of_channel: DataLoader::new(DepartmentsOfChannel(db.clone()), tokio::spawn),
            channel_member_count: DataLoader::new(ChannelMemberCount(db.clone()), tokio::spawn),
            channel_members: DataLoader::new(ChannelMembers(db.clone()), tokio::spawn),
            channel_membership: DataLoader::new(ChannelMembership(db.clone()), tokio::spawn),
            channel_reads: DataLoader::new(ChannelReads(db.clone()), tokio::spawn),
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
            challenges_of: DataLoader::new(ChallengesOf(db.clone()), tokio::spawn),
            checkin: DataLoader::new(CheckinById(db.clone()), tokio::spawn),
            checkin_reactions: DataLoader::new(CheckinReactions(db.clone()), tokio::spawn),
            checkin_comments: DataLoader::new(CheckinComments(db.clone()), tokio::spawn),
        }
    }

    /// The loaders every subscription of the process shares
    /// (`Loaders::sharing`).
    pub fn shared(db: &DatabaseConnection) -> Batchers {
        Batchers {
            shared: true,
            ..Batchers::new(db)
        }
    }

    /// `keys`, a page's (duplicates allowed), through `loader` (one of
    /// these). For a request's own loaders at once: a page knows every key,
    /// so the DataLoader's batching would only hold the load for its delay
    /// (1 ms, up to a tokio tick more) waiting for keys that will not come.
    /// For the shared ones through that batching, so that the same page of
    /// a message that a thousand subscriptions each load becomes one
    /// statement per relation, not a thousand (fanout, 1,000 subscribers:
    /// delivery p50 342 ms when each loaded its own).
    pub async fn load<K, T>(
        &self,
        loader: &DataLoader<T>,
        keys: impl IntoIterator<Item = K>,
    ) -> async_graphql::Result<HashMap<K, T::Value>>
    where
        K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
        T: Loader<K, Error = async_graphql::Error>,
    {
        if self.shared {
            return loader.load_many(keys).await;
        }
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
}

pub(crate) type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

/// Answers a DataLoader's `keys` with one query per group of them: `split`
/// turns a key into what its query shares with other keys (the group: a
/// page's arguments, a viewer's scope, a person) and what tells it apart
/// (the item: a department, a channel, a pair), `load` runs once per group
/// with all its items, and each answer goes back to the key it came from.
/// An item `load` has no answer for is left out (the loader's `None`).
pub(crate) async fn per_group<K, G, I, V, Fut>(
    keys: &[K],
    split: impl Fn(&K) -> (G, I),
    load: impl Fn(G, Vec<I>) -> Fut,
) -> LoadResult<K, V>
where
    K: Clone + Eq + Hash,
    G: Eq + Hash,
    I: Clone + Eq + Hash,
    Fut: Future<Output = crate::error::Result<HashMap<I, V>>>,
{
    let mut groups: HashMap<G, Vec<(I, &K)>> = HashMap::new();
    for key in keys {
        let (group, item) = split(key);
        groups.entry(group).or_default().push((item, key));
    }
    let mut found = HashMap::with_capacity(keys.len());
    for (group, members) in groups {
        let items = members.iter().map(|(item, _)| item.clone()).collect();
        let mut answers = load(group, items).await?;
        for (item, key) in members {
            if let Some(value) = answers.remove(&item) {
                found.insert(key.clone(), value);
            }
        }
    }
    Ok(found)
}

impl Loaders {
    /// The person with `id`, batched with every other lookup in the request.
    pub async fn person(
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<Person> {
        let loaders = ctx.data_unchecked::<Loaders>();
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
