//! Loaders of channels and the synapse graph. Loaders that return channels
//! take the viewer's `Scope` in their key, so a private channel only ever
//! reaches a viewer who may see it.

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{LoadResult, per_group};
use crate::domain::channels::reads::{self, ReadState};
use crate::domain::channels::synapses::{self, Link};
use crate::domain::channels::{Channel, Scope, membership};
use crate::domain::departments::Department;
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::people::Person;

/// `Channel.departments`.
pub struct DepartmentsOfChannel(pub(super) DatabaseConnection);

impl Loader<Uuid> for DepartmentsOfChannel {
    type Value = Vec<Department>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(synapses::departments_of(&self.0, keys).await?)
    }
}

/// `Channel.memberCount` and the members connection's `totalCount`.
pub struct ChannelMemberCount(pub(super) DatabaseConnection);

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
pub struct ChannelMembers(pub(super) DatabaseConnection);

impl Loader<ChannelMembersKey> for ChannelMembers {
    type Value = Page<Person>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ChannelMembersKey]) -> LoadResult<ChannelMembersKey, Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |key| (key.page.clone(), key.channel_id),
            |page, ids| async move { membership::members_of(db, &ids, &page).await },
        )
        .await
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
pub struct ChannelMembership(pub(super) DatabaseConnection);

impl Loader<MembershipKey> for ChannelMembership {
    type Value = bool;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MembershipKey]) -> LoadResult<MembershipKey, Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |key| (key.user_id, key.channel_id),
            |user_id, channel_ids| async move {
                let joined = membership::memberships(db, user_id, &channel_ids).await?;
                Ok(channel_ids
                    .into_iter()
                    .map(|id| (id, joined.contains(&id)))
                    .collect())
            },
        )
        .await
    }
}

/// `Channel.unreadCount`, `mentionCount` and `lastReadAt`: people's read
/// state in channels, keyed (channel, person); one statement for all the
/// keys, whoever asks (the members of a channel a message arrived in,
/// through `channelReadChanged`'s shared loaders). A channel the person is
/// not in has no value.
pub struct ChannelReads(pub(super) DatabaseConnection);

impl Loader<(Uuid, Uuid)> for ChannelReads {
    type Value = ReadState;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, Uuid)]) -> LoadResult<(Uuid, Uuid), Self::Value> {
        Ok(reads::states(&self.0, keys).await?)
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
pub struct DepartmentChannels(pub(super) DatabaseConnection);

impl Loader<DepartmentChannelsKey> for DepartmentChannels {
    type Value = Page<Channel>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[DepartmentChannelsKey],
    ) -> LoadResult<DepartmentChannelsKey, Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |key| ((key.scope, key.page.clone()), key.department_id),
            |(scope, page), ids| async move { synapses::channels_of(db, scope, &ids, &page).await },
        )
        .await
    }
}

/// `Department.linkedDepartments`, in the viewer's scope.
pub struct LinkedDepartments(pub(super) DatabaseConnection);

impl Loader<(Uuid, Scope)> for LinkedDepartments {
    type Value = Vec<Link>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, Scope)]) -> LoadResult<(Uuid, Scope), Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |&(department_id, scope)| (scope, department_id),
            |scope, ids| async move {
                let mut links = synapses::linked(db, scope, &ids).await?;
                // A department with no link has no entry: an empty list.
                Ok(ids
                    .into_iter()
                    .map(|id| (id, links.remove(&id).unwrap_or_default()))
                    .collect())
            },
        )
        .await
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
pub struct SharedChannels(pub(super) DatabaseConnection);

impl Loader<SharedChannelsKey> for SharedChannels {
    type Value = Vec<Channel>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SharedChannelsKey]) -> LoadResult<SharedChannelsKey, Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |key| (key.scope, (key.department_id, key.linked_id)),
            |scope, pairs| async move { synapses::shared(db, scope, &pairs).await },
        )
        .await
    }
}

/// `LinkedDepartment.messageCount`: the messages in the channels two
/// departments share, keyed like [`SharedChannels`]. Every link of a whole
/// page of departments, per scope, is one GROUP BY.
pub struct LinkMessageCount(pub(super) DatabaseConnection);

impl Loader<SharedChannelsKey> for LinkMessageCount {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SharedChannelsKey]) -> LoadResult<SharedChannelsKey, Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |key| (key.scope, (key.department_id, key.linked_id)),
            |scope, pairs| async move {
                let counts = synapses::message_counts(db, scope, &pairs).await?;
                // A link whose shared channels hold no message has no row: 0.
                Ok(pairs
                    .into_iter()
                    .map(|pair| (pair, counts.get(&pair).copied().unwrap_or(0)))
                    .collect())
            },
        )
        .await
    }
}
