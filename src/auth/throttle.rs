//! Login throttling with counters in the database, so every replica shares
//! them. Two keys count failed logins: the account (10 per 15 minutes, then a
//! lock that doubles with each further failure, up to the window) and the
//! client address (100 per hour, then locked for the rest of the hour).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};

use crate::config::ThrottleConfig;
use crate::db;
use crate::entities::login_throttle;
use crate::error::{Error, Result};

/// The two keys one login attempt counts against.
pub struct LoginKeys {
    account: String,
    address: String,
}

impl LoginKeys {
    pub fn new(email: &str, address: &str) -> LoginKeys {
        LoginKeys {
            account: format!("account:{}", email.trim().to_lowercase()),
            address: format!("address:{address}"),
        }
    }
}

/// `RATE_LIMITED` if either key is locked now.
pub async fn check(db: &DatabaseConnection, keys: &LoginKeys) -> Result<()> {
    let now = Utc::now();
    for key in [&keys.account, &keys.address] {
        let row = login_throttle::Entity::find_by_id(key.clone())
            .one(db)
            .await?;
        if let Some(until) = row
            .and_then(|r| r.locked_until)
            .filter(|until| *until > now)
        {
            let retry_after_secs = u64::try_from((until - now).num_seconds()).unwrap_or(0) + 1;
            return Err(Error::RateLimited { retry_after_secs });
        }
    }
    Ok(())
}

/// Counts a failed login against both keys.
pub async fn record_failure(
    db: &DatabaseConnection,
    config: &ThrottleConfig,
    keys: &LoginKeys,
) -> Result<()> {
    let account = Rule {
        limit: config.account_failures,
        window_secs: config.account_window_secs,
        growing_lock: true,
    };
    let address = Rule {
        limit: config.address_attempts,
        window_secs: config.address_window_secs,
        growing_lock: false,
    };
    let txn = db::begin_write(db).await?;
    for (key, rule) in [(&keys.account, account), (&keys.address, address)] {
        let now = Utc::now();
        match login_throttle::Entity::find_by_id(key.clone())
            .one(&txn)
            .await?
        {
            None => {
                let first = login_throttle::ActiveModel {
                    key: Set(key.clone()),
                    attempts: Set(1),
                    window_started_at: Set(now),
                    locked_until: Set(rule.lock_after(1, now, now)),
                };
                // Another replica may insert the same key at the same moment;
                // losing one count then is harmless, failing the login is not.
                login_throttle::Entity::insert(first)
                    .on_conflict(
                        OnConflict::column(login_throttle::Column::Key)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
            }
            Some(row) => {
                let (attempts, started) = if rule.window_over(row.window_started_at, now) {
                    (1, now)
                } else {
                    (row.attempts.saturating_add(1), row.window_started_at)
                };
                let mut active = row.into_active_model();
                active.attempts = Set(attempts);
                active.window_started_at = Set(started);
                active.locked_until = Set(rule.lock_after(attempts, started, now));
                active.update(&txn).await?;
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// A successful login clears the account's counter (not the address's).
pub async fn record_success(db: &DatabaseConnection, keys: &LoginKeys) -> Result<()> {
    login_throttle::Entity::delete_by_id(keys.account.clone())
        .exec(db)
        .await?;
    Ok(())
}

struct Rule {
    limit: u32,
    window_secs: u64,
    growing_lock: bool,
}

impl Rule {
    fn window(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.window_secs).unwrap_or(i64::MAX / 2))
    }

    fn window_over(&self, started: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        started + self.window() <= now
    }

    /// When the key unlocks after `attempts` failures in the window, if locked.
    fn lock_after(
        &self,
        attempts: i32,
        started: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let over = i64::from(attempts) - i64::from(self.limit);
        if over < 0 {
            return None;
        }
        if !self.growing_lock {
            return Some(started + self.window());
        }
        // 30 s at the limit, doubling with each further failure, capped at the window.
        let secs = 30i64.saturating_mul(1i64 << over.min(20));
        Some(now + chrono::Duration::seconds(secs).min(self.window()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_lock_grows_then_caps_at_the_window() {
        let rule = Rule {
            limit: 10,
            window_secs: 900,
            growing_lock: true,
        };
        let now = Utc::now();
        assert_eq!(rule.lock_after(9, now, now), None);
        let lock = |n| {
            rule.lock_after(n, now, now)
                .map(|t| (t - now).num_seconds())
        };
        assert_eq!(lock(10), Some(30));
        assert_eq!(lock(11), Some(60));
        assert_eq!(lock(40), Some(900));
    }

    #[test]
    fn address_lock_lasts_until_the_window_ends() {
        let rule = Rule {
            limit: 100,
            window_secs: 3600,
            growing_lock: false,
        };
        let started = Utc::now();
        let now = started + chrono::Duration::seconds(60);
        assert_eq!(rule.lock_after(99, started, now), None);
        assert_eq!(
            rule.lock_after(100, started, now),
            Some(started + chrono::Duration::seconds(3600))
        );
    }
}
