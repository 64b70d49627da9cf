//! The loaders behind `Message` fields.

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{LoadResult, per_group};
use crate::domain::channels::{Channel, Scope};
use crate::domain::messages::{self, Message, ReactionGroup};
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::people::Person;

// Messages. The messages these start from were loaded through the viewer's
// scope; keys that depend on the viewer carry the viewer's id or scope.

/// `Message.channel`, in the viewer's scope.
pub struct ChannelById(pub(super) DatabaseConnection);

impl Loader<(Uuid, Scope)> for ChannelById {
    type Value = Channel;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, Scope)]) -> LoadResult<(Uuid, Scope), Self::Value> {
        Ok(crate::domain::channels::visible_in_scopes(&self.0, keys).await?)
    }
}

/// `Message.parent`.
pub struct MessageById(pub(super) DatabaseConnection);

impl Loader<Uuid> for MessageById {
    type Value = Message;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(messages::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect())
    }
}

/// `Message.replies`: a page of replies for each thread, in one query per
/// distinct set of paging arguments.
pub struct Replies(pub(super) DatabaseConnection);

impl Loader<(Uuid, PageArgs)> for Replies {
    type Value = Page<Message>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, PageArgs)]) -> LoadResult<(Uuid, PageArgs), Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |(root, page)| (page.clone(), *root),
            |page, roots| async move { messages::replies_of(db, &roots, &page).await },
        )
        .await
    }
}

/// `Message.replyCount`: one GROUP BY per page.
pub struct ReplyCount(pub(super) DatabaseConnection);

impl Loader<Uuid> for ReplyCount {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(messages::reply_counts(&self.0, keys).await?)
    }
}

/// `Message.reactions` for a viewer (message id, viewer id): one GROUP BY.
pub struct Reactions(pub(super) DatabaseConnection);

impl Loader<(Uuid, Uuid)> for Reactions {
    type Value = Vec<ReactionGroup>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, Uuid)]) -> LoadResult<(Uuid, Uuid), Self::Value> {
        let (ids, viewers) = split_pairs(keys);
        let mut groups = messages::reaction_groups(&self.0, &viewers, &ids).await?;
        Ok(keys
            .iter()
            .map(|key| (*key, groups.remove(key).unwrap_or_default()))
            .collect())
    }
}

/// The distinct firsts and seconds of `pairs`.
fn split_pairs(pairs: &[(Uuid, Uuid)]) -> (Vec<Uuid>, Vec<Uuid>) {
    let mut firsts: Vec<Uuid> = pairs.iter().map(|(a, _)| *a).collect();
    let mut seconds: Vec<Uuid> = pairs.iter().map(|(_, b)| *b).collect();
    for list in [&mut firsts, &mut seconds] {
        list.sort_unstable();
        list.dedup();
    }
    (firsts, seconds)
}

/// `Message.mentions`.
pub struct Mentions(pub(super) DatabaseConnection);

impl Loader<Uuid> for Mentions {
    type Value = Vec<Person>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(messages::mentions_of(&self.0, keys).await?)
    }
}

/// `Message.viewerFollows`: (root message, person) pairs.
pub struct ThreadFollow(pub(super) DatabaseConnection);

impl Loader<(Uuid, Uuid)> for ThreadFollow {
    type Value = bool;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, Uuid)]) -> LoadResult<(Uuid, Uuid), Self::Value> {
        let (roots, users) = split_pairs(keys);
        let followed = messages::follows(&self.0, &users, &roots).await?;
        Ok(keys
            .iter()
            .map(|key| (*key, followed.contains(key)))
            .collect())
    }
}

/// `Channel.viewerHasMuted`: (channel, person) pairs.
pub struct ChannelMute(pub(super) DatabaseConnection);

impl Loader<(Uuid, Uuid)> for ChannelMute {
    type Value = bool;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, Uuid)]) -> LoadResult<(Uuid, Uuid), Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |&(channel_id, user_id)| (user_id, channel_id),
            |user_id, channel_ids| async move {
                let muted = messages::follow::muted(db, user_id, &channel_ids).await?;
                Ok(channel_ids
                    .into_iter()
                    .map(|id| (id, muted.contains(&id)))
                    .collect())
            },
        )
        .await
    }
}
