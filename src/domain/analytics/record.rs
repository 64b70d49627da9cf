//! Keeping the rollups up to date in the transaction of the write that
//! changes them. The SQL is `migrations::analytics_sql` (one text for the
//! hooks, the migration's backfill and [`rebuild`]); what counts, and what
//! a later membership change does to past figures, is documented there.
//!
//! - posts: [`messages_written`], once per batch (one statement on
//!   PostgreSQL, one more when the batch holds replies);
//! - reactions: [`reaction_added`], [`reaction_removing`] (before the row
//!   goes);
//! - edits and deletes: nothing (a deleted message stays counted);
//! - department membership: [`memberships_changed`]; channel links:
//!   [`links_changed`].

use chrono::{DateTime, Utc};
use migrations::analytics_sql::{self, Scope};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

use crate::db;
use crate::error::Result;

async fn run(conn: &impl ConnectionTrait, statements: Vec<Statement>) -> Result<()> {
    for statement in statements {
        conn.execute_raw(statement).await?;
    }
    Ok(())
}

/// After the messages `ids` were inserted: counts them and records the
/// questions among them. (A batch of posts on PostgreSQL does this in the
/// statement that inserts them: `Scope::Inserted`, `messages::store`.)
pub async fn messages_written(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    run(conn, analytics_sql::record(backend, Scope::Messages(ids))).await
}

/// After replies to the threads `roots` were inserted (and counted):
/// records the first answers among them.
pub async fn replies_written(conn: &impl ConnectionTrait, roots: &[Uuid]) -> Result<()> {
    if roots.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    conn.execute_raw(analytics_sql::answers(backend, Some(roots)))
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

/// A transaction for a whole-table recompute: on PostgreSQL without the
/// pool's statement timeout (5 s), which a year of messages outlasts.
async fn begin_bulk(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction> {
    let txn = db::begin_write(db).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL statement_timeout = 0")
            .await?;
    }
    Ok(txn)
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
    analytics_sql::recompute(&txn).await?;
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
    analytics_sql::recompute(&txn).await?;
    txn.commit().await?;
    Ok(())
}
