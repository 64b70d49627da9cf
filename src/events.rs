//! Events: the changes that feed subscriptions, and how they reach every
//! replica.
//!
//! - A writer calls [`record`] inside the transaction that makes the change,
//!   so an event exists if and only if its change committed, and then
//!   [`commit`] (commit, then [`wake`] this process).
//! - The `events` table is the truth, read in its [`Order`]: each
//!   replica's relay delivers events in that order from its position.
//!   Ids are handed out at insert, so on PostgreSQL a slower transaction may
//!   commit a lower id after a higher one was read; no order of ids is the
//!   order of commits. Instead each event keeps the id of the transaction
//!   that wrote it (`txid`, the column's default `pg_current_xact_id()`),
//!   and the relay reads only events of transactions below its *horizon*:
//!   the oldest transaction of this database still running when it reads
//!   (see [`HORIZON`]). Every transaction below it has ended, so nothing can
//!   commit behind the relay's position any more. A rolled-back transaction
//!   holds nobody up (it is no longer running), and a long one delays only
//!   the events of transactions that began after it, until it ends. Writers
//!   take no lock, so posts commit concurrently (an earlier advisory lock
//!   held to commit serialised every post behind the previous one's WAL
//!   flush: about 260 commits/s here against 4,900 at concurrency 32). This
//!   is how PostgreSQL outboxes and event stores read a log in order
//!   (before it, the relay waited up to 6 s at each gap in the ids, for a
//!   transaction that might have rolled back).
//! - SQLite has one writer at a time: ids are handed out in commit order,
//!   `txid` is 0 and the order is the id's.
//! - On PostgreSQL, each replica sends `NOTIFY synaps_events` after its
//!   commits, one for many (`tell_replicas`; not inside the transaction,
//!   where it would serialise commits). NOTIFY is only a wake-up
//!   (docs/SECURITY.md: nothing is replayed to a listener that was away): the
//!   [`run`] relay reads every
//!   event after its position on every wake-up, after every (re)connection
//!   of its listener, and every [`SAFETY_POLL`] regardless, and broadcasts
//!   them in process through the [`Hub`].
//! - On SQLite (one process), [`wake`] after commit is the wake-up.
//! - What changed is a [`Topic`], declared with its subject in [`topic`],
//!   which alone maps it to and from a row. The relay reads each row into a
//!   topic once, and skips (and logs) a row it cannot read, such as a topic
//!   from a newer replica; subscribers match on the variant.

use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, InsertStatement};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Value,
};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::entities::events;
use crate::error::Result;

pub mod topic;

pub use topic::{Delivered, Sessions, Topic, Unreadable};

/// The PostgreSQL channel replicas listen on.
pub const CHANNEL: &str = "synaps_events";
/// How often the relay reads the table even without a wake-up: the bound on
/// delay should a wake-up ever be lost.
pub const SAFETY_POLL: Duration = Duration::from_secs(2);
/// How soon the relay looks again while committed events wait behind a
/// transaction still running (below its horizon).
pub const HELD_POLL: Duration = Duration::from_millis(5);
/// The least time between two NOTIFYs of one replica. Each NOTIFY is a
/// transaction of its own, and every listening replica (this one too) reads
/// it; under a load of posts there would be one for nearly every commit.
/// It delays other replicas' subscribers by this much at most.
pub const NOTIFY_SPACING: Duration = Duration::from_millis(5);
/// Events read per query while catching up.
const BATCH: u64 = 500;
/// Events buffered in process per subscriber before it counts as lagging:
/// about 6 s of the soak's load (docs/PERFORMANCE.md, "Soak"), a few MiB
/// at most (the slots, and the events they hold until overwritten).
pub const HUB_CAPACITY: usize = 4096;

/// A change to report, as the writer describes it.
#[derive(Clone, Debug)]
pub struct Event {
    /// What changed, with its subject and the ids subscriptions filter on.
    pub topic: Topic,
    /// A JSON object of details, small: ids and states, never content
    /// (subscribers load what they may see through the domain layer).
    /// `Null` for none.
    pub details: serde_json::Value,
}

/// Where an event is in the delivery order: by the transaction that wrote
/// it, then by id (the order of a transaction's own events). On SQLite
/// `txid` is 0 and the id alone orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Order {
    pub txid: i64,
    pub id: i64,
}

impl Order {
    /// `(txid, id) > self` on the events table.
    pub fn after(self) -> sea_orm::sea_query::SimpleExpr {
        Self::columns().gt(Self::values(self))
    }

    /// `(txid, id) <= self` on the events table.
    pub fn up_to(self) -> sea_orm::sea_query::SimpleExpr {
        Self::columns().lte(Self::values(self))
    }

    fn columns() -> Expr {
        Expr::tuple([
            Expr::col((events::Entity, events::Column::Txid)),
            Expr::col((events::Entity, events::Column::Id)),
        ])
    }

    fn values(self) -> Expr {
        Expr::tuple([Expr::val(self.txid), Expr::val(self.id)])
    }
}

/// An event as stored and delivered (read by [`topic`]).
#[derive(Clone, Debug)]
pub struct Recorded {
    pub order: Order,
    pub topic: Topic,
    /// The stored payload: the writer's details, and the ids [`Topic`]
    /// keeps there (already in `topic`).
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Writes `event` in the caller's transaction; returns its id.
pub async fn record(txn: &DatabaseTransaction, event: Event) -> Result<i64> {
    let stored = topic::row(event, Utc::now()).insert(txn).await?;
    Ok(stored.id)
}

/// The statement that writes `events`, in order (none for none), for the
/// caller to run in its transaction, last before the commit.
pub fn insert_all(events: Vec<Event>) -> Option<InsertStatement> {
    if events.is_empty() {
        return None;
    }
    let now = Utc::now();
    Some(
        events::Entity::insert_many(events.into_iter().map(|event| topic::row(event, now)))
            .into_query(),
    )
}

/// PostgreSQL: a data-modifying `WITH` query that writes `events` in
/// order, their columns bound as arrays in `values`, so that its text is
/// the same for any number of events (one prepared statement). For a batch
/// of posts written in one statement (`domain::messages::store`); `bind`
/// binds a value and returns its placeholder (`db::bind`).
pub fn insert_unnested(events: Vec<Event>, mut bind: impl FnMut(Value) -> String) -> String {
    let now = Utc::now();
    let (mut topics, mut kinds, mut subjects, mut payloads) = (vec![], vec![], vec![], vec![]);
    for event in events {
        let columns = topic::Columns::of(event);
        topics.push(columns.topic.to_owned());
        kinds.push(columns.subject_kind.to_owned());
        // No subject is the nil id, made NULL again below.
        subjects.push(columns.subject_id.unwrap_or_default());
        payloads.push(columns.payload);
    }
    let (topics, kinds, subjects, payloads, at) = (
        bind(topics.into()),
        bind(kinds.into()),
        bind(subjects.into()),
        bind(payloads.into()),
        bind(now.into()),
    );
    // Ids are handed out in the order of the rows: the events' order.
    format!(
        "INSERT INTO events (topic, subject_kind, subject_id, payload, created_at) \
         SELECT e.topic, e.kind, NULLIF(e.subject, '00000000-0000-0000-0000-000000000000'), \
         e.payload, {at} \
         FROM unnest(CAST({topics} AS text[]), CAST({kinds} AS text[]), \
                     CAST({subjects} AS uuid[]), CAST({payloads} AS text[])) \
              WITH ORDINALITY AS e (topic, kind, subject, payload, n) \
         ORDER BY e.n"
    )
}

/// Commits a transaction that recorded events, then wakes this process's
/// relay so local subscribers hear at once.
pub async fn commit(txn: DatabaseTransaction) -> Result<()> {
    txn.commit().await?;
    wake();
    Ok(())
}

/// This process, as named in the NOTIFYs it sends: a listener ignores its
/// own process's.
static PROCESS: LazyLock<String> = LazyLock::new(|| Uuid::new_v4().to_string());

/// Bumped after every commit that recorded events in this process.
static WAKE: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// Tells this process's relays that new events may be in the table.
pub fn wake() {
    WAKE.send_modify(|n| *n = n.wrapping_add(1));
}

/// The in-process fan-out of events to subscriptions.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Arc<Recorded>>,
    /// The order of the newest event sent (set before it is sent).
    delivered: Arc<Mutex<Order>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            sender: broadcast::channel(HUB_CAPACITY).0,
            delivered: Arc::default(),
        }
    }
}

impl Hub {
    /// Every event delivered from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Recorded>> {
        self.sender.subscribe()
    }

    /// Where the newest event this replica's relay has sent is. Read after
    /// [`Hub::subscribe`], every event after it reaches the receiver, and
    /// a replay up to it (`domain::messages::live`) meets the live events
    /// without a gap: a replay that read further could deliver an event
    /// the relay holds back (behind a transaction still running), and the
    /// held one would then come live after later ones, out of order.
    pub fn delivered(&self) -> Order {
        *self
            .delivered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set_delivered(&self, order: Order) {
        *self
            .delivered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = order;
    }

    fn send(&self, event: Recorded) {
        self.set_delivered(event.order);
        // No receivers is fine: nobody is subscribed on this replica.
        let _ = self.sender.send(Arc::new(event));
    }
}

/// The relay: reads the events after `from` from the table whenever
/// woken and broadcasts them through `hub`, until `stop` changes.
///
/// Read `from` with [`start`] before accepting connections: then a
/// subscription gets every event committed after it started.
pub async fn run(db: DatabaseConnection, hub: Hub, from: Order, mut stop: watch::Receiver<bool>) {
    let mut position = from;
    hub.set_delivered(from);
    let (notified, mut woken_by_database) = watch::channel(0u64);
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let helpers = postgres.then(|| {
        let pool = db.get_postgres_connection_pool().clone();
        [
            tokio::spawn(listen(pool.clone(), notified)),
            tokio::spawn(tell_replicas(pool)),
        ]
    });
    let mut woken_locally = WAKE.subscribe();
    let mut poll = tokio::time::interval(SAFETY_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut held = false;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = woken_locally.changed() => {}
            // Only PostgreSQL has a listener to wake the relay.
            _ = woken_by_database.changed(), if postgres => {}
            _ = poll.tick() => {}
            _ = tokio::time::sleep(HELD_POLL), if held => {}
        }
        match catch_up(&db, &hub, &mut position).await {
            Ok(holding) => held = holding,
            Err(err) => {
                tracing::error!(error = ?err, position = ?position, "cannot read new events; retrying");
            }
        }
    }
    for helper in helpers.into_iter().flatten() {
        helper.abort();
    }
}

/// Wakes the other replicas after this process commits events: one NOTIFY
/// for however many commits happened while the previous one was sent, and
/// at most one per [`NOTIFY_SPACING`].
/// A NOTIFY inside each writing transaction would cost more than it saves:
/// PostgreSQL serialises the commits of notifying transactions on one lock
/// (pgbench here, concurrency 32: 719 commits/s with NOTIFY inside against
/// 4,120 without). A wake-up lost to a crash between a commit and its NOTIFY
/// is made up by the replicas' [`SAFETY_POLL`].
async fn tell_replicas(pool: sea_orm::sqlx::PgPool) {
    let mut woken = WAKE.subscribe();
    while woken.changed().await.is_ok() {
        let sent = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(PROCESS.as_str())
            .execute(&pool)
            .await;
        if let Err(err) = sent {
            tracing::warn!(error = %err, "cannot wake the other replicas; they poll every 2 s");
        }
        // Commits meanwhile are told by the next NOTIFY.
        tokio::time::sleep(NOTIFY_SPACING).await;
    }
}

/// Listens for NOTIFY on its own connection and bumps `notified` on every
/// notification and after every (re)connection: what was committed while it
/// was away is then read from the table.
async fn listen(pool: sea_orm::sqlx::PgPool, notified: watch::Sender<u64>) {
    let bump = || notified.send_modify(|n| *n = n.wrapping_add(1));
    let mut backoff = Duration::from_millis(100);
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    tracing::debug!("listening for events");
                    backoff = Duration::from_millis(100);
                    bump();
                    loop {
                        match listener.try_recv().await {
                            // Its own NOTIFY: every relay of this process
                            // was woken by `wake` already.
                            Ok(Some(notification)) if notification.payload() == *PROCESS => {}
                            Ok(Some(notification)) => {
                                tracing::debug!(from = notification.payload(), "events notified");
                                bump();
                            }
                            // Reconnected (and listening again): catch up.
                            Ok(None) => {
                                tracing::warn!("the events listener reconnected");
                                bump();
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "the events listener lost its connection");
                                break;
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot LISTEN for events"),
            },
            Err(err) => tracing::warn!(error = %err, "cannot connect the events listener"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// The most events one [`prune`] deletes, so that a backlog (the first run
/// after an upgrade) is worked off in short statements, well within the
/// statement timeout.
const PRUNE_BATCH: u64 = 10_000;

/// Deletes up to [`PRUNE_BATCH`] of the oldest events created before
/// `cutoff`; returns how many. `crate::retention` decides the cutoff (events
/// serve live delivery only) and which replica runs it.
pub async fn prune<C: sea_orm::ConnectionTrait>(db: &C, cutoff: DateTime<Utc>) -> Result<u64> {
    use events::Column::CreatedAt;
    // Both statements read the created_at index: with nothing to prune,
    // the first finds nothing at once (ordering by id instead scanned the
    // whole table on every tick).
    let end_of_batch: Option<DateTime<Utc>> = events::Entity::find()
        .select_only()
        .column(CreatedAt)
        .filter(CreatedAt.lt(cutoff))
        .order_by_asc(CreatedAt)
        .offset(PRUNE_BATCH - 1)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    let mut old = events::Entity::delete_many().filter(CreatedAt.lt(cutoff));
    if let Some(end) = end_of_batch {
        old = old.filter(CreatedAt.lte(end));
    }
    Ok(old.exec(db).await?.rows_affected)
}

/// Where a relay starting now begins: past every event committed so far.
/// On PostgreSQL that is its horizon: events of transactions still running
/// come after it (one committed meanwhile behind a running one is delivered
/// too, which a new replica's subscribers, not yet connected, cannot mind).
pub async fn start(db: &DatabaseConnection) -> Result<Order> {
    if db.get_database_backend() == DbBackend::Postgres {
        let statement = sea_orm::Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT {} AS horizon", *HORIZON),
        );
        let horizon: i64 = match db.query_one_raw(statement).await? {
            Some(row) => row.try_get("", "horizon")?,
            None => 0,
        };
        return Ok(Order {
            txid: horizon,
            id: 0,
        });
    }
    let latest: Option<Option<i64>> = events::Entity::find()
        .select_only()
        .column_as(events::Column::Id.max(), "id")
        .into_tuple()
        .one(db)
        .await?;
    Ok(Order {
        txid: 0,
        id: latest.flatten().unwrap_or(0),
    })
}

/// PostgreSQL: the relay's horizon, as an SQL expression. Every transaction
/// below it has ended, so the events it reads below it are final: the
/// oldest transaction still running in the statement's snapshot that may
/// yet record events, and with none, the snapshot's `xmax` (the next id to
/// be handed out). Left out, as they never record these events:
/// - transactions `pg_stat_activity` shows in another database of the
///   cluster (the tests' many databases, or a long report elsewhere, must
///   not hold the relay);
/// - transactions marked by [`writes_no_events`] (an analytics fold, a
///   retention pass, a search rebuild: seconds long under load, and they
///   held every live message of every replica that long), found in
///   `pg_locks` (read once: each read takes every lock partition) as the
///   holders of its lock, each paired with its id by its virtual
///   transaction (unique to one transaction).
///
/// A transaction that ended between the snapshot and these reads is not
/// found there and holds the relay until its next read, which is safe.
/// The views' ids have 32 bits, the snapshot's 64 (with the epoch).
static HORIZON: LazyLock<String> = LazyLock::new(|| {
    format!(
        "COALESCE(\
         (SELECT min(running::text::bigint) \
          FROM pg_snapshot_xip(pg_current_snapshot()) AS running \
          WHERE running::text::bigint & 4294967295 NOT IN \
            (SELECT backend_xid::text::bigint FROM pg_stat_activity \
             WHERE backend_xid IS NOT NULL AND datname <> current_database() \
             UNION ALL \
             SELECT unnest(array_agg(transactionid::text::bigint) \
                      FILTER (WHERE locktype = 'transactionid' AND mode = 'ExclusiveLock')) \
             FROM pg_locks WHERE granted \
             GROUP BY virtualtransaction \
             HAVING bool_or(locktype = 'advisory' AND classid = {high} \
                            AND objid = {low} AND objsubid = 1))), \
         pg_snapshot_xmax(pg_current_snapshot())::text::bigint)",
        high = NO_EVENTS_LOCK >> 32,
        low = NO_EVENTS_LOCK & 0xffff_ffff,
    )
});

/// The advisory lock that marks a transaction as one that records no
/// events (a fixed number no other lock of synaps uses: "synapsne" in
/// ASCII).
const NO_EVENTS_LOCK: i64 = 0x7379_6e61_7073_6e65;

/// Marks the caller's transaction as one that records no events, so that
/// the relays' horizon passes it by while it runs (see [`HORIZON`]): for
/// long writers of derived data. It must then record none: an event it
/// recorded could be passed by and never delivered. A shared advisory
/// lock, held until the transaction ends; nothing on SQLite.
pub async fn writes_no_events(txn: &DatabaseTransaction) -> Result<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock_shared($1)",
            [NO_EVENTS_LOCK.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Broadcasts the events after `position` in their order, up to the first
/// one the horizon holds back, and advances it. Returns whether one is
/// held, so the relay looks again soon.
async fn catch_up(db: &DatabaseConnection, hub: &Hub, position: &mut Order) -> Result<bool> {
    loop {
        let (rows, horizon) = read_after(db, *position).await?;
        let full = rows.len() as u64 == BATCH;
        let newest = rows.iter().map(|row| row.id).max().unwrap_or(position.id);
        let count = rows.len();
        for (n, row) in rows.into_iter().enumerate() {
            if row.txid >= horizon {
                let waiting = (Utc::now() - row.created_at).to_std().ok();
                crate::instruments::relay(position.id, newest, count - n, waiting);
                return Ok(true);
            }
            *position = Order {
                txid: row.txid,
                id: row.id,
            };
            match topic::read(&row) {
                Ok(event) => hub.send(event),
                Err(Unreadable::Unknown {
                    topic,
                    subject_kind,
                }) => tracing::debug!(
                    id = row.id,
                    topic,
                    subject_kind,
                    "skipping an event this build does not know (from a newer replica)"
                ),
                Err(Unreadable::Malformed { topic, missing }) => tracing::warn!(
                    id = row.id,
                    topic,
                    missing,
                    "skipping an event without an id its topic carries"
                ),
            }
        }
        if !full {
            crate::instruments::relay(position.id, newest, 0, None);
            return Ok(false);
        }
    }
}

/// Up to [`BATCH`] events after `position`, in order, and the horizon they
/// were read under (unbounded on SQLite). On PostgreSQL one statement, so
/// the horizon and the rows come from one snapshot.
async fn read_after(db: &DatabaseConnection, position: Order) -> Result<(Vec<events::Model>, i64)> {
    let after = events::Entity::find()
        .filter(position.after())
        .order_by_asc(events::Column::Txid)
        .order_by_asc(events::Column::Id)
        .limit(BATCH);
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok((after.all(db).await?, i64::MAX));
    }
    let mut select = after.into_query();
    select.expr_as(Expr::cust(HORIZON.as_str()), "horizon");
    let statement = db.get_database_backend().build(&select);
    let rows = db.query_all_raw(statement).await?;
    let horizon = match rows.first() {
        Some(row) => row.try_get::<i64>("", "horizon")?,
        None => i64::MAX,
    };
    let events = rows
        .iter()
        .map(|row| events::Model::from_query_result(row, ""))
        .collect::<std::result::Result<_, _>>()?;
    Ok((events, horizon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_ordered_by_transaction_then_id() {
        let early_txn_late_id = Order { txid: 7, id: 90 };
        let late_txn_early_id = Order { txid: 8, id: 12 };
        assert!(early_txn_late_id < late_txn_early_id);
        assert!(Order { txid: 8, id: 13 } > late_txn_early_id);
        assert_eq!(Order::default(), Order { txid: 0, id: 0 });
    }
}
