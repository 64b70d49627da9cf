//! Loaders of the weekly round: a check-in's challenges.

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::LoadResult;
use crate::domain::round::checkins::{self, Challenge};

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
