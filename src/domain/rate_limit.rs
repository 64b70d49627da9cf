//! The content rate limit (HARDENING.md: at most 60 messages and guest posts
//! a minute per person, `limits.content_per_minute`).
//!
//! The count is read from the database inside the writing transaction, so
//! every replica enforces one budget and a refused write leaves nothing
//! behind. It covers creating content only: edits, reactions and deletions
//! add nothing new to read and are not counted.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, IntoIden, Query, SelectStatement, UnionType,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Value};
use uuid::Uuid;

use crate::config::Limits;
use crate::db;
use crate::entities::{guest_posts, messages};
use crate::error::{Error, Result};

/// The window the budget covers.
const WINDOW_SECS: i64 = 60;
/// The first key of the PostgreSQL advisory lock taken per person (the
/// two-key form, so it never meets the events' single-key lock). Spells
/// "rate".
const LOCK_CLASS: i32 = 0x7261_7465;

/// What one person created within the window.
#[derive(Clone, Copy, Debug, Default)]
struct Recent {
    count: i64,
    /// Their oldest item within the window: the budget grows again when it
    /// turns a minute old.
    oldest: Option<DateTime<Utc>>,
}

/// `RATE_LIMITED` if `user_id` already created `limits.content_per_minute`
/// messages and guest posts in the last minute. Call it in the transaction
/// that will write the new one.
pub async fn check_content(
    txn: &DatabaseTransaction,
    limits: &Limits,
    user_id: Uuid,
) -> Result<()> {
    let mut budgets = Budgets::load(txn, limits, &[user_id]).await?;
    budgets.check(user_id)?;
    budgets.spend(user_id);
    Ok(())
}

/// What each of several people may still create this minute, read in the
/// transaction that will write their new content (a batch of posts, or a
/// single one through [`check_content`]).
pub struct Budgets {
    limit: i64,
    now: DateTime<Utc>,
    recent: HashMap<Uuid, Recent>,
}

impl Budgets {
    /// Takes the people's rate-limit locks, then reads what they created in
    /// the last minute: one statement for the locks, one for the counts.
    pub async fn load(
        txn: &DatabaseTransaction,
        limits: &Limits,
        user_ids: &[Uuid],
    ) -> Result<Budgets> {
        if !user_ids.is_empty() {
            serialize_per_person(txn, user_ids).await?;
        }
        Budgets::read_locked(txn, limits, user_ids).await
    }

    /// Reads what the people created in the last minute, in a transaction
    /// whose earlier statement took their locks ([`take_locks`]).
    pub async fn read_locked(
        txn: &DatabaseTransaction,
        limits: &Limits,
        user_ids: &[Uuid],
    ) -> Result<Budgets> {
        let now = Utc::now();
        let recent = if user_ids.is_empty() {
            HashMap::new()
        } else {
            recent_content(txn, user_ids, now - Duration::seconds(WINDOW_SECS)).await?
        };
        Ok(Budgets {
            limit: i64::from(limits.content_per_minute),
            now,
            recent,
        })
    }

    /// `RATE_LIMITED` if `user_id` has nothing left this minute.
    pub fn check(&self, user_id: Uuid) -> Result<()> {
        let recent = self.recent.get(&user_id).copied().unwrap_or_default();
        if recent.count < self.limit {
            return Ok(());
        }
        tracing::info!(user.id = %user_id, recent = recent.count, "content rate limit reached");
        Err(Error::RateLimited {
            retry_after_secs: retry_after(recent.oldest, self.now),
        })
    }

    /// Counts one more item by `user_id` (written in this transaction).
    pub fn spend(&mut self, user_id: Uuid) {
        let recent = self.recent.entry(user_id).or_default();
        recent.count += 1;
        // Anything read from the window is older than now.
        recent.oldest.get_or_insert(self.now);
    }
}

/// On PostgreSQL, makes each person's concurrent writes take turns until
/// commit, so that two replicas cannot both read "59" and both write. (A
/// SQLite write transaction begins `IMMEDIATE` and is alone already.)
async fn serialize_per_person(txn: &DatabaseTransaction, user_ids: &[Uuid]) -> Result<()> {
    let backend = txn.get_database_backend();
    if let Some(locks) = take_locks(backend, user_ids) {
        let query = Query::select().expr(locks).take();
        txn.execute(&query).await?;
    }
    Ok(())
}

/// On PostgreSQL, an expression that takes `user_ids`' rate-limit locks
/// when evaluated (and counts them), to be held until commit. Any statement
/// may carry it, so that a batch of posts takes the locks in its first
/// statement rather than in a round trip of their own; the count must then
/// come in a later statement, which sees what was committed up to the
/// locks. The locks are taken in key order, so two transactions never wait
/// for each other in a circle. `None` on SQLite.
pub fn take_locks(backend: DbBackend, user_ids: &[Uuid]) -> Option<Expr> {
    if backend != DbBackend::Postgres {
        return None;
    }
    // Any 32 bits of the id will do: a collision only makes two people wait
    // for each other's commit.
    let mut keys: Vec<i32> = user_ids
        .iter()
        .map(|id| {
            let b = id.as_bytes();
            i32::from_be_bytes([b[12], b[13], b[14], b[15]])
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // PostgreSQL evaluates a volatile function in the select list after the
    // ORDER BY, so the locks are taken in key order; it keeps a volatile
    // output of a subquery even when nothing reads it.
    Some(Expr::cust_with_values(
        "(SELECT count(*) FROM (SELECT pg_advisory_xact_lock($1, k) FROM \
         unnest($2::int4[]) AS keys (k) ORDER BY k) AS taken)",
        [Value::from(LOCK_CLASS), Value::from(keys)],
    ))
}

/// The messages and guest posts each person created after `since`, in one
/// statement: both tables' rows (each read from an (author_id, created_at)
/// index), counted per author.
async fn recent_content(
    txn: &DatabaseTransaction,
    user_ids: &[Uuid],
    since: DateTime<Utc>,
) -> Result<HashMap<Uuid, Recent>> {
    use guest_posts::Column as P;
    use messages::Column as M;
    #[derive(FromQueryResult)]
    struct Row {
        author_id: Uuid,
        items: i64,
        oldest: DateTime<Utc>,
    }
    let backend = txn.get_database_backend();
    let mut both = within(
        backend,
        (messages::Entity, M::AuthorId, M::CreatedAt),
        user_ids,
        since,
    );
    both.union(
        UnionType::All,
        within(
            backend,
            (guest_posts::Entity, P::AuthorId, P::CreatedAt),
            user_ids,
            since,
        ),
    );
    let recent = Alias::new("recent");
    let (author, created) = (Alias::new("author_id"), Alias::new("created_at"));
    let query = Query::select()
        .column((recent.clone(), author.clone()))
        .expr_as(Func::count(Expr::col(Asterisk)), Alias::new("items"))
        .expr_as(
            Func::min(Expr::col((recent.clone(), created))),
            Alias::new("oldest"),
        )
        .from_subquery(both, recent.clone())
        .group_by_col((recent, author))
        .take();
    let rows = Row::find_by_statement(backend.build(&query))
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let recent = Recent {
                count: r.items,
                oldest: Some(r.oldest),
            };
            (r.author_id, recent)
        })
        .collect())
}

/// `SELECT author AS author_id, created AS created_at FROM table WHERE
/// author IN user_ids AND created > since`.
fn within<T, C>(
    backend: DbBackend,
    (table, author, created): (T, C, C),
    user_ids: &[Uuid],
    since: DateTime<Utc>,
) -> SelectStatement
where
    T: IntoIden + Copy + 'static,
    C: IntoIden + Copy + 'static,
{
    Query::select()
        .expr_as(Expr::col((table, author)), Alias::new("author_id"))
        .expr_as(Expr::col((table, created)), Alias::new("created_at"))
        .from(table)
        .and_where(db::is_any(backend, (table, author), user_ids.to_vec()))
        .and_where(Expr::col((table, created)).gt(since))
        .take()
}

/// Whole seconds until the oldest item in the window leaves it (at least 1).
fn retry_after(oldest: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u64 {
    let Some(oldest) = oldest else {
        return 1;
    };
    let free_at = oldest + Duration::seconds(WINDOW_SECS);
    let millis = u64::try_from((free_at - now).num_milliseconds()).unwrap_or(0);
    // Round up: "try again in 0 seconds" would fail again.
    Ord::max(millis.div_ceil(1000), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_counts_until_the_oldest_item_is_a_minute_old() {
        let now = Utc::now();
        assert_eq!(retry_after(Some(now - Duration::seconds(15)), now), 45);
        assert_eq!(
            retry_after(Some(now - Duration::milliseconds(59_500)), now),
            1
        );
        assert_eq!(retry_after(Some(now - Duration::seconds(61)), now), 1);
        assert_eq!(retry_after(None, now), 1);
    }
}
