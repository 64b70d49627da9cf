//! Connecting to the database, migrating it, and starting write transactions.
//!
//! SQLite gets WAL, a 5 s busy timeout (60 s for maintenance: migrations and
//! the search reindex), `synchronous = NORMAL` and foreign
//! keys; its write transactions begin `IMMEDIATE` so that a read-then-write
//! never fails with "database is locked" (docs/SECURITY.md). PostgreSQL gets a
//! statement timeout and an idle-in-transaction timeout. Both pools have a
//! short acquire timeout: a request should fail fast rather than queue for 30 s.
//!
//! Batches of posts (`domain::messages::post`) are the one hot write path.
//! On PostgreSQL their statements keep one text whatever the batch size where
//! they can (`is_any`), each connection keeps enough prepared statements for
//! the rest, and the post writers and the events relay have a pool of their
//! own whose connections use generic plans ([`connect_keyed`]), so a
//! statement is parsed and planned once per connection, not per batch.

use std::time::Duration;

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{
    Alias, BinOper, CommonTableExpression, Expr, ExprTrait, InsertStatement, IntoColumnRef,
    WithClause,
};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait, Value,
};
use uuid::Uuid;

use crate::error::Result;

pub mod columns;

/// Prepared statements each PostgreSQL connection keeps (sqlx's default is
/// 100). A batch of 1 to 64 posts inserts its rows with one multi-row INSERT
/// per table, a statement text per batch size: with the rest of the API's
/// statements they outgrew 100, and every batch then parsed its INSERTs
/// anew. Each kept statement costs its connection a few KiB.
const STATEMENT_CACHE: usize = 512;

/// Opens a pool on `url` with synaps' settings.
pub async fn connect(url: &str, pool_size: u32) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, pool_size, Session::Requests).await
}

/// Connections of the pool [`connect_keyed`] opens on PostgreSQL: the post
/// writers (`domain::messages::queue`), and the events relay's reads, its
/// listener and its NOTIFYs (`events::run`).
pub const KEYED_POOL_SIZE: u32 = 6;

/// A small PostgreSQL pool for the statements run hundreds of times a
/// second whose plans never depend on their values (key lookups, inserts,
/// "the events after id N"): the post writers and the events relay. Its
/// connections use generic plans, so each prepared statement is planned
/// once per connection. PostgreSQL's own choice plans some of them on every
/// run (a range on a parameter, such as the rate limit's window or the
/// relay's `id > $1`): planning was about a quarter of its time on a batch
/// of posts. Every other statement keeps PostgreSQL's choice.
pub async fn connect_keyed(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, KEYED_POOL_SIZE, Session::Keyed).await
}

/// A PostgreSQL pool for the search (`domain::search::find`), whose
/// connections plan every statement for its values. After five runs
/// PostgreSQL may keep one generic plan for a prepared statement, made
/// without knowing the words, and no plan suits both a 2-letter prefix
/// (walk the newest documents) and a rare word (ask the GIN index): on the
/// bench data a generic plan made rare words take 2.5 s after a spell of
/// typing. Set on the session, the search is one round trip; set in its
/// own transaction (`SET LOCAL`, before) it was four (docs/PERFORMANCE.md,
/// "Search, step 3").
pub async fn connect_search(url: &str, pool_size: u32) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, pool_size, Session::Search).await
}

/// The session of the pools that serve requests: what a statement may
/// take (docs/OPERATIONS.md), and no JIT compilation. PostgreSQL compiles
/// a plan whose estimated cost passes `jit_above_cost` (100,000), which
/// a statement with a `LIMIT` over a big table easily does while reading
/// a few hundred rows: a search as you type took 20 ms of compiling for
/// 2 ms of work (docs/PERFORMANCE.md, "Search").
const REQUEST_SETTINGS: [(&str, &str); 3] = [
    ("statement_timeout", "5s"),
    ("idle_in_transaction_session_timeout", "10s"),
    ("jit", "off"),
];

/// What a pool is for, which sets its PostgreSQL session.
#[derive(Clone, Copy, PartialEq)]
enum Session {
    /// Requests and background jobs: a 5 s statement timeout; custom or
    /// generic plans, as PostgreSQL estimates best.
    Requests,
    /// [`connect_keyed`]: the requests' timeout; generic plans, planned
    /// once per connection.
    Keyed,
    /// [`connect_search`]: the requests' timeout; custom plans only.
    Search,
    /// [`connect_for_maintenance`]: no statement timeout.
    Maintenance,
}

async fn connect_with(
    url: &str,
    pool_size: u32,
    session: Session,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(Ord::max(pool_size, 1))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(5))
        // sea-orm logs every statement at INFO by default; keep them at debug.
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(match session {
                    // A migration or a reindex beside a running server
                    // waits its turn behind the server's writes (a fold of
                    // a seed's posts takes seconds on a busy machine).
                    Session::Maintenance => MAINTENANCE_BUSY_TIMEOUT,
                    _ => Duration::from_secs(5),
                })
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
        })
        .map_sqlx_postgres_opts(move |opts| {
            let opts = opts
                .statement_cache_capacity(STATEMENT_CACHE)
                // Which process holds a connection, in `pg_stat_activity`
                // (docs/OPERATIONS.md, "When the database is down").
                .application_name(&application_name());
            match session {
                Session::Requests => opts.options(REQUEST_SETTINGS),
                Session::Keyed => opts
                    .options(REQUEST_SETTINGS)
                    .options([("plan_cache_mode", "force_generic_plan")]),
                Session::Search => opts
                    .options(REQUEST_SETTINGS)
                    .options([("plan_cache_mode", "force_custom_plan")]),
                Session::Maintenance => opts,
            }
        });
    Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(url)))
}

/// How long a maintenance connection waits for SQLite's write lock.
const MAINTENANCE_BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The `application_name` of this process's PostgreSQL connections:
/// `synaps <pid>`, so that an operator (or a fault test) can tell the
/// replicas' connections apart.
pub fn application_name() -> String {
    format!("synaps {}", std::process::id())
}

/// Applies every pending migration on `db`, a pool of
/// [`connect_for_maintenance`].
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("database migration failed")
}

/// One connection for maintenance (migrations, the search reindex),
/// without the requests' 5 s statement timeout: a migration that fills in
/// a column of a big table (migration 21 writes every search document's
/// channel and author, 585,000 rows and about 20 s on the bench data), or
/// a reindex batch on a busy database, must not be cut off half way.
pub async fn connect_for_maintenance(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, 1, Session::Maintenance).await
}

/// Whether every migration this binary knows has been applied.
pub async fn migrations_applied(db: &DatabaseConnection) -> Result<bool> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}

/// Begins a transaction that will write: `IMMEDIATE` on SQLite.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    Ok(db.begin_with_options(options).await?)
}

/// `column IN (ids)`; on PostgreSQL `column = ANY($1)`, one statement text
/// whatever the number of ids, so that it is prepared once per connection.
pub fn is_any(backend: DbBackend, column: impl IntoColumnRef, ids: Vec<Uuid>) -> Expr {
    let column = Expr::col(column);
    match backend {
        DbBackend::Postgres => column.eq(PgFunc::any(Expr::val(ids))),
        _ => column.is_in(ids),
    }
}

/// `(first, second) IN (pairs)`; on PostgreSQL against two `unnest`ed
/// arrays, one statement text whatever the number of pairs.
pub fn is_any_pair(
    backend: DbBackend,
    (first, second): (impl IntoColumnRef, impl IntoColumnRef),
    pairs: Vec<(Uuid, Uuid)>,
) -> Expr {
    let columns = Expr::tuple([Expr::col(first), Expr::col(second)]);
    match backend {
        DbBackend::Postgres => {
            let (firsts, seconds): (Vec<Uuid>, Vec<Uuid>) = pairs.into_iter().unzip();
            columns.binary(
                BinOper::In,
                Expr::cust_with_values(
                    "(SELECT * FROM unnest($1::uuid[], $2::uuid[]))",
                    [firsts, seconds],
                ),
            )
        }
        _ => columns.in_tuples(pairs),
    }
}

/// Runs `inserts` in `txn`: on PostgreSQL in one statement and one round
/// trip (all but the last as data-modifying `WITH` queries, which
/// PostgreSQL runs to completion whatever the last one does), elsewhere
/// one after another. They run on one snapshot, so none may read what
/// another writes; a foreign key may point at a row written earlier in
/// the transaction, not within the same statement.
pub async fn insert_together(
    txn: &DatabaseTransaction,
    mut inserts: Vec<InsertStatement>,
) -> Result<()> {
    let Some(last) = inserts.pop() else {
        return Ok(());
    };
    if txn.get_database_backend() != DbBackend::Postgres || inserts.is_empty() {
        for insert in inserts.iter().chain([&last]) {
            txn.execute(insert).await?;
        }
        return Ok(());
    }
    let mut with = WithClause::new();
    for (n, insert) in inserts.into_iter().enumerate() {
        let mut cte = CommonTableExpression::new();
        cte.table_name(Alias::new(format!("insert_{n}")))
            .query(insert);
        with.cte(cte);
    }
    txn.execute(&last.with(with)).await?;
    Ok(())
}

/// Binds `value` as the next of `values` and returns its PostgreSQL
/// placeholder (`$n`): for statements written by hand, such as a batch of
/// posts in one statement (`domain::messages::store`).
pub fn bind(values: &mut Vec<Value>, value: impl Into<Value>) -> String {
    values.push(value.into());
    format!("${}", values.len())
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            super::redact("postgres://synaps:hunter2@db:5432/synaps"),
            "postgres://synaps:***@db:5432/synaps"
        );
        assert_eq!(super::redact("sqlite://synaps.db"), "sqlite://synaps.db");
    }
}
