//! The loaders behind `Message` fields, and the values a page of messages
//! primes for its items.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{LoadResult, per_group};
use crate::domain::channels::{Channel, Scope};
use crate::domain::departments::Department;
use crate::domain::messages::{self, Message, ReactionGroup};
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::people::Person;
use crate::domain::posts::Post;

/// Values a list resolver loaded for all its items at once, so that the
/// items' fields find them without each asking a DataLoader. A DataLoader
/// batches the keys that arrive within its delay, and the items of a long
/// page do not always arrive within it (the executor yields every few dozen
/// futures): priming makes a page cost the same statements whatever its size.
pub struct Primed {
    /// Off for subscriptions (see `Loaders::sharing`).
    pub enabled: bool,
    /// Authors (and actors), by id.
    pub people: Mutex<HashMap<Uuid, Person>>,
    /// Authors' departments, by person.
    pub departments_of_user: Mutex<HashMap<Uuid, Vec<Department>>>,
    /// Reply counts, by thread.
    pub reply_counts: Mutex<HashMap<Uuid, u64>>,
    /// By (message, viewer).
    pub reactions: Mutex<HashMap<(Uuid, Uuid), Vec<ReactionGroup>>>,
    /// By (thread, paging arguments).
    pub replies: Mutex<HashMap<(Uuid, PageArgs), Page<Message>>>,
    /// Messages a list points at (notifications): `None` for one the
    /// viewer may not see (or that is gone).
    pub messages: Mutex<HashMap<Uuid, Option<Message>>>,
    /// Their channels, by (channel, viewer's scope).
    pub channels: Mutex<HashMap<(Uuid, Scope), Channel>>,
    /// Guest posts a list points at: `None` for one the viewer may not see.
    pub posts: Mutex<HashMap<Uuid, Option<Post>>>,
}

impl Default for Primed {
    fn default() -> Self {
        Primed {
            enabled: true,
            people: Mutex::default(),
            departments_of_user: Mutex::default(),
            reply_counts: Mutex::default(),
            reactions: Mutex::default(),
            replies: Mutex::default(),
            messages: Mutex::default(),
            channels: Mutex::default(),
            posts: Mutex::default(),
        }
    }
}

impl Primed {
    /// Primes nothing: every field asks its DataLoader.
    pub fn disabled() -> Primed {
        Primed {
            enabled: false,
            ..Primed::default()
        }
    }

    /// The primed value for `key`, if any.
    pub fn get<K: Eq + Hash, V: Clone>(map: &Mutex<HashMap<K, V>>, key: &K) -> Option<V> {
        map.lock().ok().and_then(|m| m.get(key).cloned())
    }

    /// Primes `values`.
    pub fn put<K: Eq + Hash, V>(map: &Mutex<HashMap<K, V>>, values: HashMap<K, V>) {
        if let Ok(mut m) = map.lock() {
            m.extend(values);
        }
    }
}

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
