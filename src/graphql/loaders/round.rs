//! Loaders of the weekly round: check-ins, their challenges, reactions
//! and comments.

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{LoadResult, per_group};
use crate::domain::messages::ReactionGroup;
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::round::checkins::{self, Challenge};
use crate::domain::round::social;

/// `Checkin.challenges`, in their order.
pub struct ChallengesOf(pub(super) DatabaseConnection);

impl Loader<Uuid> for ChallengesOf {
    type Value = Vec<Challenge>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        let mut found = checkins::challenges_of(&self.0, keys).await?;
        // A check-in without challenges has an empty list, not none.
        Ok(keys
            .iter()
            .map(|k| (*k, found.remove(k).unwrap_or_default()))
            .collect())
    }
}

/// Check-ins by id (`Notification.aboutCheckin`, `GuestPost.source`).
pub struct CheckinById(pub(super) DatabaseConnection);

impl Loader<Uuid> for CheckinById {
    type Value = checkins::Checkin;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(checkins::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect())
    }
}

/// `Checkin.reactions`, keyed by (check-in, viewer).
pub struct CheckinReactions(pub(super) DatabaseConnection);

impl Loader<(Uuid, Uuid)> for CheckinReactions {
    type Value = Vec<ReactionGroup>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(Uuid, Uuid)]) -> LoadResult<(Uuid, Uuid), Self::Value> {
        let db = &self.0;
        let found = per_group(
            keys,
            |(checkin, viewer)| (*viewer, *checkin),
            |viewer, ids| async move { social::reaction_groups(db, viewer, &ids).await },
        )
        .await?;
        Ok(keys
            .iter()
            .map(|k| (*k, found.get(k).cloned().unwrap_or_default()))
            .collect())
    }
}

/// A page of `Checkin.comments`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CommentsKey {
    /// The check-in.
    pub checkin_id: Uuid,
    /// The page asked for.
    pub page: PageArgs,
}

/// Pages of `Checkin.comments`: keys asking for the same page of different
/// check-ins share one query.
pub struct CheckinComments(pub(super) DatabaseConnection);

impl Loader<CommentsKey> for CheckinComments {
    type Value = Page<social::Comment>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CommentsKey]) -> LoadResult<CommentsKey, Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |key| (key.page.clone(), key.checkin_id),
            |page, ids| async move { social::comments_of(db, &ids, &page).await },
        )
        .await
    }
}
