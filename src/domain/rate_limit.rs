//! The content rate limit (docs/SECURITY.md: at most 60 messages and guest posts
//! a minute per person, `limits.content_per_minute`).
//!
//! The count is kept in the database, in the writing transaction, so every
//! replica enforces one budget and a refused write leaves nothing behind.
//! It covers creating content only: edits, reactions and deletions add
//! nothing new to read and are not counted.
//!
//! What a person created is counted per 10-second slot (`content_counts`),
//! and a write reads the person's slots of the last minute: a handful of
//! rows, however much they wrote. (Counting the messages themselves read
//! every one of them, the larger part of the database's work per post
//! under load: at 32 posts in flight, 0.38 of 0.7 ms per batch.) The
//! oldest slot read may have begun up to 70 s ago, so the limit holds in
//! every minute and, at worst, for 10 s longer.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, InsertStatement, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QuerySelect, Value,
};
use uuid::Uuid;

use crate::config::Limits;
use crate::db;
use crate::entities::content_counts;
use crate::error::{Error, Result};

/// The window the budget covers.
const WINDOW_SECS: i64 = 60;
/// The length of a slot: the window is counted in whole slots. Shorter
/// slots read more rows per person; longer ones hold the limit longer
/// than a minute.
const SLOT_SECS: i64 = 10;
/// The first key of the PostgreSQL advisory lock taken per person (the
/// two-key form, so it never meets the events' single-key lock). Spells
/// "rate".
const LOCK_CLASS: i32 = 0x7261_7465;

/// How long counts are kept after they leave the window, before the
/// scheduler prunes them: reads ask for the window's slots by key, so old
/// rows cost nothing but space, and a margin keeps the table still for a
/// while (a test comparing snapshots of the database around a refused
/// request must not see a tick's prune as the request's doing).
const KEEP_SECS: i64 = 600;

/// The slot `at` falls in.
fn slot_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(SLOT_SECS)
}

/// The oldest slot counted at `now`: the one the window's start falls in.
fn first_counted_slot(now: DateTime<Utc>) -> i64 {
    slot_of(now - Duration::seconds(WINDOW_SECS))
}

/// What one person created within the window.
#[derive(Clone, Copy, Debug, Default)]
struct Recent {
    count: i64,
    /// The slot of their oldest item within the window: the budget grows
    /// again when it leaves the window.
    oldest_slot: Option<i64>,
}

/// `RATE_LIMITED` if `user_id` already created `limits.content_per_minute`
/// messages and guest posts in the last minute; otherwise counts one more.
/// Call it in the transaction that writes the new one.
pub async fn check_content(
    txn: &DatabaseTransaction,
    limits: &Limits,
    user_id: Uuid,
) -> Result<()> {
    let mut budgets = Budgets::load(txn, limits, &[user_id]).await?;
    budgets.check(user_id)?;
    budgets.spend(user_id);
    budgets.record(txn).await
}

/// What each of several people may still create this minute, read in the
/// transaction that will write their new content (a batch of posts, or a
/// single one through [`check_content`]).
pub struct Budgets {
    limit: i64,
    now: DateTime<Utc>,
    recent: HashMap<Uuid, Recent>,
    /// What this transaction created, per person: [`Budgets::record`].
    spent: BTreeMap<Uuid, i32>,
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
            recent_content(txn, user_ids, now).await?
        };
        Ok(Budgets {
            limit: i64::from(limits.content_per_minute),
            now,
            recent,
            spent: BTreeMap::new(),
        })
    }

    /// `RATE_LIMITED` if `user_id` has nothing left this minute.
    pub fn check(&self, user_id: Uuid) -> Result<()> {
        let recent = self.recent.get(&user_id).copied().unwrap_or_default();
        if recent.count < self.limit {
            return Ok(());
        }
        tracing::info!(user.id = %user_id, recent = recent.count, "content rate limit reached");
        crate::instruments::rate_limited_write();
        Err(Error::RateLimited {
            retry_after_secs: retry_after(recent.oldest_slot, self.now),
        })
    }

    /// Counts one more item by `user_id`, to be written in this transaction
    /// ([`Budgets::record`]).
    pub fn spend(&mut self, user_id: Uuid) {
        let recent = self.recent.entry(user_id).or_default();
        recent.count += 1;
        recent.oldest_slot.get_or_insert(slot_of(self.now));
        *self.spent.entry(user_id).or_default() += 1;
    }

    /// Adds what was spent to the people's counts, in the transaction that
    /// writes the content.
    pub async fn record(&self, txn: &DatabaseTransaction) -> Result<()> {
        if let Some(upsert) = self.upsert() {
            txn.execute(&upsert).await?;
        }
        Ok(())
    }

    /// The statement [`Budgets::record`] runs (none if nothing was spent),
    /// for a caller that runs it together with others.
    pub fn upsert(&self) -> Option<InsertStatement> {
        use content_counts::Column as C;
        if self.spent.is_empty() {
            return None;
        }
        let slot = slot_of(self.now);
        let mut upsert = Query::insert();
        upsert
            .into_table(content_counts::Entity)
            .columns([C::AuthorId, C::Slot, C::Items]);
        for (author, items) in &self.spent {
            upsert.values_panic([(*author).into(), slot.into(), (*items).into()]);
        }
        upsert.on_conflict(
            OnConflict::columns([C::AuthorId, C::Slot])
                .value(
                    C::Items,
                    Expr::col((content_counts::Entity, C::Items)).add(Expr::cust("excluded.items")),
                )
                .to_owned(),
        );
        Some(upsert)
    }

    /// PostgreSQL: [`Budgets::upsert`] as a data-modifying `WITH` query, the
    /// people and counts bound as arrays in `values`, so that its text is
    /// the same however many people (a batch of posts in one statement,
    /// `domain::messages::store`).
    pub fn upsert_unnested(&self, values: &mut Vec<Value>) -> String {
        let (authors, items): (Vec<Uuid>, Vec<i32>) =
            self.spent.iter().map(|(a, n)| (*a, *n)).unzip();
        let slot = db::bind(values, slot_of(self.now));
        let authors = db::bind(values, authors);
        let items = db::bind(values, items);
        format!(
            "INSERT INTO content_counts (author_id, slot, items) \
             SELECT s.author_id, {slot}, s.items \
             FROM unnest(CAST({authors} AS uuid[]), CAST({items} AS int4[])) AS s (author_id, items) \
             ON CONFLICT (author_id, slot) DO UPDATE SET items = content_counts.items + excluded.items"
        )
    }
}

/// Forgets the slots that left the window (the scheduler, every few
/// seconds). Returns how many it removed.
pub async fn prune(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64> {
    let old = content_counts::Entity::delete_many()
        .filter(content_counts::Column::Slot.lt(slot_of(now - Duration::seconds(KEEP_SECS))))
        .exec(db)
        .await?;
    Ok(old.rows_affected)
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

/// What each person created in the slots of the window that ends `now`:
/// one statement, which reads each person's few slots by the key.
async fn recent_content(
    txn: &DatabaseTransaction,
    user_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Recent>> {
    use content_counts::Column as C;
    #[derive(FromQueryResult)]
    struct Row {
        author_id: Uuid,
        items: i64,
        oldest_slot: i64,
    }
    let backend = txn.get_database_backend();
    let rows = content_counts::Entity::find()
        .select_only()
        .column(C::AuthorId)
        .column_as(C::Items.sum(), "items")
        .column_as(C::Slot.min(), "oldest_slot")
        .filter(db::is_any(
            backend,
            (content_counts::Entity, C::AuthorId),
            user_ids.to_vec(),
        ))
        .filter(C::Slot.gte(first_counted_slot(now)))
        .group_by(C::AuthorId)
        .into_model::<Row>()
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let recent = Recent {
                count: r.items,
                oldest_slot: Some(r.oldest_slot),
            };
            (r.author_id, recent)
        })
        .collect())
}

/// Whole seconds until the oldest slot counted leaves the window (at least
/// 1).
fn retry_after(oldest_slot: Option<i64>, now: DateTime<Utc>) -> u64 {
    let Some(oldest) = oldest_slot else {
        return 1;
    };
    // The slot is counted while the window's start falls in it or before.
    let free_at_ms = ((oldest + 1) * SLOT_SECS + WINDOW_SECS) * 1000;
    let millis = u64::try_from(free_at_ms - now.timestamp_millis()).unwrap_or(0);
    // Round up: "try again in 0 seconds" would fail again.
    Ord::max(millis.div_ceil(1000), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 5.5 s into slot 100,000.
    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_000_005_500).unwrap()
    }

    #[test]
    fn the_window_counts_every_item_of_the_last_minute_and_none_older_than_70_s() {
        let now = now();
        let counted =
            |age_ms: i64| slot_of(now - Duration::milliseconds(age_ms)) >= first_counted_slot(now);
        assert!(counted(0));
        assert!(counted(60_000));
        assert!(counted(65_500), "the start of the oldest slot counted");
        assert!(!counted(65_501));
        assert!(!counted(70_000));
    }

    #[test]
    fn retry_after_counts_until_the_oldest_slot_leaves_the_window() {
        let now = now();
        // Posted in this slot: counted until the window starts after it.
        assert_eq!(retry_after(Some(100_000), now), 65);
        // The oldest slot still counted leaves in 4.5 s.
        assert_eq!(retry_after(Some(99_994), now), 5);
        assert_eq!(retry_after(Some(99_990), now), 1);
        assert_eq!(retry_after(None, now), 1);
    }
}
