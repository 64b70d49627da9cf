//! A short-lived cache of the analytics answers (issue 15: `synapses` over a
//! year at hundreds of requests a second).
//!
//! An answer is kept for `SYNAPS_ANALYTICS_CACHE_SECONDS` (0 turns the
//! cache off), so a figure may be that old; the rollups themselves are
//! always exact. Concurrent misses for one key compute it once
//! (`moka`'s `try_get_with`); errors are never kept.
//!
//! The key is the query, its arguments and the viewer's *scope* — never
//! the viewer alone, never less: comms and admins share the answers of
//! [`ScopeKey::All`]; a manager's answer is keyed by the sorted ids of
//! the departments they belong to now and the minimum group, so two
//! managers of the same departments share it and nobody is ever served a
//! figure computed for a wider scope or a different suppression;
//! `myNetwork` is keyed by the user. The scope is read (one small query
//! for managers, none for comms) before the cache is asked, so a change
//! of membership takes effect on the next request.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use moka::future::Cache;
use uuid::Uuid;

use super::queries::{ActivityBucket, Bridge, Bucket, Network, QuietLink, Range, Synapse};
use super::scope::Scope;
use crate::error::{Error, Result};

/// The most answers kept; each is a few kilobytes (a few dozen pairs, or a
/// year of days of one department).
const MAX_ENTRIES: u64 = 10_000;

/// Whose figures an answer holds.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum ScopeKey {
    /// Comms and admins: everything, nothing suppressed.
    All,
    /// A manager's departments (sorted) and the suppression threshold.
    Managed {
        departments: Vec<Uuid>,
        min_group: u32,
    },
}

impl ScopeKey {
    pub fn of(scope: &Scope) -> ScopeKey {
        match scope {
            Scope::All => ScopeKey::All,
            Scope::Managed {
                departments,
                min_group,
            } => {
                let mut departments: Vec<Uuid> = departments.iter().copied().collect();
                departments.sort_unstable();
                ScopeKey::Managed {
                    departments,
                    min_group: *min_group,
                }
            }
        }
    }
}

/// One question asked of the analytics, with everything its answer
/// depends on.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Key {
    Synapses {
        scope: ScopeKey,
        range: Range,
    },
    DepartmentActivity {
        scope: ScopeKey,
        department: Uuid,
        range: Range,
        bucket: Bucket,
    },
    QuietLinks {
        scope: ScopeKey,
        days: i32,
        /// "Quiet" counts back from today: tomorrow is another question.
        today: NaiveDate,
    },
    /// Comms and admins only, so there is one scope.
    Bridges {
        range: Range,
        first: i32,
    },
    /// Only ever the viewer's own.
    MyNetwork {
        user: Uuid,
        range: Range,
    },
}

/// A cached answer; shared, since many requests read one.
#[derive(Clone)]
pub enum Answer {
    Synapses(Arc<Vec<Synapse>>),
    DepartmentActivity(Arc<Vec<ActivityBucket>>),
    QuietLinks(Arc<Vec<QuietLink>>),
    Bridges(Arc<Vec<Bridge>>),
    MyNetwork(Arc<Network>),
}

/// The analytics answers of the last `SYNAPS_ANALYTICS_CACHE_SECONDS`;
/// cheap to clone (one cache behind it).
#[derive(Clone)]
pub struct AnalyticsCache {
    /// `None` when the cache is off: every request computes.
    answers: Option<Cache<Key, Answer>>,
}

impl AnalyticsCache {
    /// Answers kept `seconds` (0: none kept).
    pub fn new(seconds: u64) -> AnalyticsCache {
        AnalyticsCache {
            answers: (seconds > 0).then(|| {
                Cache::builder()
                    .max_capacity(MAX_ENTRIES)
                    .time_to_live(Duration::from_secs(seconds))
                    .build()
            }),
        }
    }

    /// The answer to `key`: kept, or computed by `compute` (once, however
    /// many requests miss together) and kept.
    pub async fn get_or(
        &self,
        key: Key,
        compute: impl Future<Output = Result<Answer>>,
    ) -> Result<Answer> {
        match &self.answers {
            None => compute.await,
            Some(answers) => answers.try_get_with(key, compute).await.map_err(unshare),
        }
    }
}

/// The error of a computation several requests waited on, for one of them.
fn unshare(error: Arc<Error>) -> Error {
    match Arc::try_unwrap(error) {
        Ok(error) => error,
        Err(shared) => match &*shared {
            Error::Unauthenticated(why) => Error::Unauthenticated(why),
            Error::Forbidden => Error::Forbidden,
            Error::ForbiddenBecause(why) => Error::ForbiddenBecause(why),
            Error::NotFound(what) => Error::NotFound(what),
            Error::BadUserInput { field, message } => Error::bad_input(field, message.clone()),
            Error::Conflict { field, message } => Error::Conflict {
                field: field.clone(),
                message: message.clone(),
            },
            Error::RateLimited { retry_after_secs } => Error::RateLimited {
                retry_after_secs: *retry_after_secs,
            },
            Error::Unavailable(_) => Error::Unavailable(format!("{shared:?}").into()),
            Error::Internal(_) => Error::internal(format!("{shared:?}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn range() -> Range {
        Range {
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }
    }

    async fn ask(cache: &AnalyticsCache, key: Key, computed: &AtomicUsize) -> Answer {
        cache
            .get_or(key, async {
                computed.fetch_add(1, Ordering::SeqCst);
                // Long enough for the other requests to miss together.
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(Answer::Synapses(Arc::new(Vec::new())))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn concurrent_misses_compute_once_and_scopes_apart() {
        let cache = AnalyticsCache::new(60);
        let computed = AtomicUsize::new(0);
        let all = Key::Synapses {
            scope: ScopeKey::All,
            range: range(),
        };
        futures_util::future::join_all((0..8).map(|_| ask(&cache, all.clone(), &computed))).await;
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        // The same departments in any order are one scope; another minimum
        // group or other departments are another.
        let (x, y) = (Uuid::now_v7(), Uuid::now_v7());
        let managed = |ids: &[Uuid], min_group| Key::Synapses {
            scope: ScopeKey::of(&Scope::Managed {
                departments: ids.iter().copied().collect::<HashSet<_>>(),
                min_group,
            }),
            range: range(),
        };
        ask(&cache, managed(&[x, y], 5), &computed).await;
        ask(&cache, managed(&[y, x], 5), &computed).await;
        assert_eq!(computed.load(Ordering::SeqCst), 2);
        ask(&cache, managed(&[x, y], 3), &computed).await;
        ask(&cache, managed(&[x], 5), &computed).await;
        assert_eq!(computed.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn off_computes_every_time_and_errors_are_not_kept() {
        let off = AnalyticsCache::new(0);
        let computed = AtomicUsize::new(0);
        let key = Key::Bridges {
            range: range(),
            first: 10,
        };
        ask(&off, key.clone(), &computed).await;
        ask(&off, key.clone(), &computed).await;
        assert_eq!(computed.load(Ordering::SeqCst), 2);

        let on = AnalyticsCache::new(60);
        let failed = on
            .get_or(key.clone(), async { Err(Error::NotFound("Department")) })
            .await;
        assert!(matches!(failed, Err(Error::NotFound("Department"))));
        ask(&on, key, &computed).await;
        assert_eq!(computed.load(Ordering::SeqCst), 3);
    }
}
