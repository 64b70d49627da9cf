//! Keeping the rollups up to date. The SQL is `migrations::analytics_sql`
//! (one text for the hooks, the migration's backfill and [`rebuild`]); what
//! counts, and what a later membership change does to past figures, is
//! documented there.
//!
//! - posts: the posting statement queues each new message in
//!   `analytics_pending` (`messages::store`), and [`fold`] adds the queued
//!   messages to the rollups in bulk: every scheduler tick, and before
//!   every analytics query reads, so no figure is behind what was posted.
//!   Posting is the hot write path and runs in turns (`messages::queue`);
//!   the rollups' joins and upserts cost about 4 ms a batch there under
//!   load, and once per fold here (docs/PERFORMANCE.md). The rollups are
//!   sums over acts placed in time (departments at the instant of the
//!   act), so adding a message later gives the figures adding it at once
//!   would;
//! - reactions, in the reaction's transaction: [`reaction_added`],
//!   [`reaction_removing`] (before the row goes);
//! - edits and deletes: nothing (a deleted message stays counted);
//! - department membership: [`memberships_changed`]; channel links:
//!   [`links_changed`].

use chrono::{DateTime, Utc};
use migrations::analytics_sql::{self, Scope};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, Statement,
};
use uuid::Uuid;

use crate::db;
use crate::entities::{analytics_pending, messages};
use crate::error::Result;

async fn run(conn: &impl ConnectionTrait, statements: Vec<Statement>) -> Result<()> {
    for statement in statements {
        conn.execute_raw(statement).await?;
    }
    Ok(())
}

/// Messages one fold transaction takes at most; a fold loops until none
/// wait. Smaller on SQLite, where a transaction that writes holds off every
/// other writer (posts, and a `synaps seed` or reindex beside the server)
/// for as long as it runs, and they give up after the 5 s busy timeout.
fn fold_chunk(backend: DbBackend) -> u64 {
    match backend {
        DbBackend::Sqlite => 500,
        _ => 5_000,
    }
}

/// Adds the messages waiting in `analytics_pending` to the rollups, and
/// takes them out in the same transaction: each message is counted once.
/// Returns how many it added. Cheap when none wait (one read).
pub async fn fold(db: &DatabaseConnection) -> Result<u64> {
    let mut folded = 0;
    let chunk = fold_chunk(db.get_database_backend());
    while analytics_pending::Entity::find().one(db).await?.is_some() {
        let txn = db::begin_write(db).await?;
        lock_folds(&txn).await?;
        // A fold under load takes seconds; live messages must not wait.
        crate::events::writes_no_events(&txn).await?;
        let taken = take_pending(&txn, chunk).await?;
        record_messages(&txn, &taken).await?;
        txn.commit().await?;
        folded += taken.len() as u64;
        if (taken.len() as u64) < chunk {
            break;
        }
    }
    Ok(folded)
}

/// On PostgreSQL, waits for any other fold or rebuild to commit, so that
/// one runs at a time across replicas: a fold then sees every earlier
/// fold's questions when it records the answers among its replies. The
/// table lock's mode is one that conflicts with itself and not with the
/// inserts of posting; and, unlike an advisory lock taken by a `SELECT`,
/// it is taken before the transaction's first snapshot, which a rebuild's
/// repeatable read then takes after any other fold committed.
async fn lock_folds(txn: &DatabaseTransaction) -> Result<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE analytics_pending IN SHARE UPDATE EXCLUSIVE MODE")
            .await?;
    }
    Ok(())
}

/// Takes up to `chunk` ([`fold_chunk`]) waiting messages out of the queue.
async fn take_pending(txn: &DatabaseTransaction, chunk: u64) -> Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = analytics_pending::Entity::find()
        .select_only()
        .column(analytics_pending::Column::MessageId)
        .limit(chunk)
        .into_tuple()
        .all(txn)
        .await?;
    if !ids.is_empty() {
        let backend = txn.get_database_backend();
        analytics_pending::Entity::delete_many()
            .filter(db::is_any(
                backend,
                analytics_pending::Column::MessageId,
                ids.clone(),
            ))
            .exec(txn)
            .await?;
    }
    Ok(ids)
}

/// Counts the messages `ids`, records the questions among them, and the
/// first answers of their threads: those the replies among them may
/// answer, and the new questions, whose replies may have been folded
/// before them.
async fn record_messages(txn: &DatabaseTransaction, ids: &[Uuid]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    run(txn, analytics_sql::record(backend, Scope::Messages(ids))).await?;
    let parents: Vec<Option<Uuid>> = messages::Entity::find()
        .select_only()
        .column(messages::Column::ParentId)
        .filter(db::is_any(backend, messages::Column::Id, ids.to_vec()))
        .into_tuple()
        .all(txn)
        .await?;
    let mut threads: Vec<Uuid> = parents
        .into_iter()
        .flatten()
        .chain(ids.iter().copied())
        .collect();
    threads.sort_unstable();
    threads.dedup();
    txn.execute_raw(analytics_sql::answers(backend, Some(&threads)))
        .await?;
    Ok(())
}

/// After `user_id`'s reaction `code` on `message_id` was inserted.
pub async fn reaction_added(
    conn: &impl ConnectionTrait,
    message_id: Uuid,
    user_id: Uuid,
    code: &str,
) -> Result<()> {
    let scope = Scope::Reaction {
        message_id,
        user_id,
        code,
        sign: 1,
    };
    run(
        conn,
        analytics_sql::record(conn.get_database_backend(), scope),
    )
    .await
}

/// Before the reaction (made at `made_at`) is deleted: takes it back out,
/// and drops the rows it leaves at zero.
pub async fn reaction_removing(
    conn: &impl ConnectionTrait,
    message_id: Uuid,
    user_id: Uuid,
    code: &str,
    made_at: DateTime<Utc>,
) -> Result<()> {
    let backend = conn.get_database_backend();
    let scope = Scope::Reaction {
        message_id,
        user_id,
        code,
        sign: -1,
    };
    run(conn, analytics_sql::record(backend, scope)).await?;
    run(conn, analytics_sql::prune(backend, made_at.date_naive())).await
}

/// After the department memberships of `users` changed (or were created).
pub async fn memberships_changed(conn: &impl ConnectionTrait, users: &[Uuid]) -> Result<()> {
    let backend = conn.get_database_backend();
    run(
        conn,
        analytics_sql::sync_member_spans(backend, Some(users), Utc::now()),
    )
    .await
}

/// After the department links of `channels` changed (or were created).
pub async fn links_changed(conn: &impl ConnectionTrait, channels: &[Uuid]) -> Result<()> {
    let backend = conn.get_database_backend();
    run(
        conn,
        analytics_sql::sync_link_spans(backend, Some(channels), Utc::now()),
    )
    .await
}

/// A transaction for a whole-table recompute, which no fold runs beside
/// (`lock_folds`, before anything is read): on PostgreSQL without the
/// pool's statement timeout (5 s), which a year of messages outlasts.
async fn begin_bulk(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction> {
    let txn = db::begin_write(db).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // One snapshot for the queue it empties and the messages it
        // counts (`recompute`); should a fold commit meanwhile, the rebuild
        // fails with a serialization error rather than count twice.
        txn.execute_unprepared("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .await?;
        txn.execute_unprepared("SET LOCAL statement_timeout = 0")
            .await?;
    }
    lock_folds(&txn).await?;
    crate::events::writes_no_events(&txn).await?;
    Ok(txn)
}

/// Recomputes the rollups from every message, so none waits to be folded
/// any more. Run in a repeatable-read transaction ([`begin_bulk`]): the
/// queue it empties and the messages it counts are the same snapshot.
async fn recompute(txn: &DatabaseTransaction) -> Result<()> {
    analytics_pending::Entity::delete_many().exec(txn).await?;
    analytics_sql::recompute(txn).await?;
    Ok(())
}

/// Recomputes every rollup from the raw rows, in one transaction (`synaps
/// analytics rebuild`). The histories are brought in line with the current
/// memberships and links first (a no-op when every change went through
/// the hooks), never rewritten.
pub async fn rebuild(db: &DatabaseConnection) -> Result<()> {
    let txn = begin_bulk(db).await?;
    let backend = txn.get_database_backend();
    let now = Utc::now();
    run(&txn, analytics_sql::sync_member_spans(backend, None, now)).await?;
    run(&txn, analytics_sql::sync_link_spans(backend, None, now)).await?;
    recompute(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// For seeds, which write history directly: every current membership and
/// link is taken as having always held, then the rollups are rebuilt.
pub async fn restart_history(db: &DatabaseConnection) -> Result<()> {
    let txn = begin_bulk(db).await?;
    let backend = txn.get_database_backend();
    let epoch = DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default();
    run(&txn, analytics_sql::restart_spans(backend, epoch)).await?;
    recompute(&txn).await?;
    txn.commit().await?;
    Ok(())
}
