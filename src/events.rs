//! Events: the changes that feed subscriptions, and how they reach every
//! replica.
//!
//! - A writer calls [`record`] inside the transaction that makes the change,
//!   so an event exists if and only if its change committed, and then
//!   [`commit`] (commit, then [`wake`] this process).
//! - The `events` table is the truth: its increasing id is the delivery
//!   order and each replica's position. Ids are handed out at insert, so on
//!   PostgreSQL a slower transaction may commit a lower id after a higher
//!   one was read. The relay therefore delivers only the contiguous run of
//!   ids after its position: at a gap it waits (looking again every
//!   [`GAP_POLL`]) for the missing id to commit, and only after
//!   [`GAP_TIMEOUT`] counts it as rolled back and moves on. Writers take no
//!   lock, so posts commit concurrently (an earlier advisory lock held to
//!   commit serialised every post behind the previous one's WAL flush:
//!   about 260 commits/s here against 4,900 at concurrency 32). An event is
//!   inserted last in its transaction, just before the commit, so gaps
//!   close within a commit's time.
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

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::InsertStatement;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Value,
};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
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
/// How soon the relay looks again while a gap in the ids waits for its
/// transaction to commit.
pub const GAP_POLL: Duration = Duration::from_millis(5);
/// How long a gap may wait before its id counts as rolled back. Longer than
/// any statement may run (`statement_timeout` is 5 s); an event committed
/// after it would reach live subscribers no more (a `messageAdded` client
/// still gets it by resubscribing with its cursor).
pub const GAP_TIMEOUT: Duration = Duration::from_secs(6);
/// The least time between two NOTIFYs of one replica. Each NOTIFY is a
/// transaction of its own, and every listening replica (this one too) reads
/// it; under a load of posts there would be one for nearly every commit.
/// It delays other replicas' subscribers by this much at most.
pub const NOTIFY_SPACING: Duration = Duration::from_millis(5);
/// Events read per query while catching up.
const BATCH: u64 = 500;
/// Events buffered in process per subscriber before it counts as lagging.
const HUB_CAPACITY: usize = 1024;

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

/// An event as stored and delivered (read by [`topic`]).
#[derive(Clone, Debug)]
pub struct Recorded {
    pub id: i64,
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
    /// The id of the newest event sent (set before it is sent).
    delivered: Arc<AtomicI64>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            sender: broadcast::channel(HUB_CAPACITY).0,
            delivered: Arc::new(AtomicI64::new(0)),
        }
    }
}

impl Hub {
    /// Every event delivered from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Recorded>> {
        self.sender.subscribe()
    }

    /// The id of the newest event this replica's relay has sent. Read
    /// after [`Hub::subscribe`], every event after it reaches the
    /// receiver, and a replay up to it (`domain::messages::live`) meets
    /// the live events without a gap: a replay that read further would
    /// deliver an event committed after a lower id still in flight, and
    /// that lower one would come live after it, out of order.
    pub fn delivered(&self) -> i64 {
        self.delivered.load(Ordering::Acquire)
    }

    fn send(&self, event: Recorded) {
        self.delivered.store(event.id, Ordering::Release);
        // No receivers is fine: nobody is subscribed on this replica.
        let _ = self.sender.send(Arc::new(event));
    }
}

/// The relay: reads the events after `last` from the table whenever
/// woken and broadcasts them through `hub`, until `stop` changes.
///
/// Read `last` with [`latest_id`] before accepting connections: then a
/// subscription gets every event committed after it started.
pub async fn run(db: DatabaseConnection, hub: Hub, last: i64, mut stop: watch::Receiver<bool>) {
    let mut position = Position::after(last);
    hub.delivered.store(last, Ordering::Release);
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
    let mut pending = false;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = woken_locally.changed() => {}
            // Only PostgreSQL has a listener to wake the relay.
            _ = woken_by_database.changed(), if postgres => {}
            _ = poll.tick() => {}
            _ = tokio::time::sleep(GAP_POLL), if pending => {}
        }
        match catch_up(&db, &hub, &mut position).await {
            Ok(waiting) => pending = waiting,
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

/// The id of the newest event (0 for none).
pub async fn latest_id(db: &DatabaseConnection) -> Result<i64> {
    let latest: Option<Option<i64>> = events::Entity::find()
        .select_only()
        .column_as(events::Column::Id.max(), "id")
        .into_tuple()
        .one(db)
        .await?;
    Ok(latest.flatten().unwrap_or(0))
}

/// Where a relay is in the events table: every id up to `last` is
/// delivered (or counted as rolled back); `gap` is when the relay first
/// found `last + 1` missing while a later id had committed.
#[derive(Clone, Copy, Debug)]
struct Position {
    last: i64,
    gap: Option<Instant>,
}

impl Position {
    fn after(last: i64) -> Position {
        Position { last, gap: None }
    }

    /// Whether `id`, read in order after this position, is next to deliver:
    /// it is, if it follows on, or if the gap before it timed out.
    fn takes(&mut self, id: i64, now: Instant) -> bool {
        if id == self.last + 1 {
            self.gap = None;
            return true;
        }
        let since = *self.gap.get_or_insert(now);
        if now.duration_since(since) >= GAP_TIMEOUT {
            tracing::warn!(
                missing.from = self.last + 1,
                missing.to = id - 1,
                "event ids never committed; counting them as rolled back"
            );
            self.gap = None;
            return true;
        }
        false
    }
}

/// Broadcasts the events after `position`, in id order, up to the first gap
/// still waiting for its transaction, and advances it. Returns whether a gap
/// waits, so the relay looks again soon.
async fn catch_up(db: &DatabaseConnection, hub: &Hub, position: &mut Position) -> Result<bool> {
    loop {
        let rows = events::Entity::find()
            .filter(events::Column::Id.gt(position.last))
            .order_by_asc(events::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let full = rows.len() as u64 == BATCH;
        let now = Instant::now();
        let newest = rows.last().map_or(position.last, |row| row.id);
        for row in rows {
            if !position.takes(row.id, now) {
                let waiting = (Utc::now() - row.created_at).to_std().ok();
                crate::instruments::relay(position.last, newest, waiting);
                return Ok(true);
            }
            position.last = row.id;
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
            crate::instruments::relay(position.last, newest, None);
            return Ok(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_waits_at_a_gap_until_it_times_out() {
        let start = Instant::now();
        let mut position = Position::after(4);
        assert!(position.takes(5, start));
        position.last = 5;
        assert!(!position.takes(7, start), "6 may still commit");
        assert!(!position.takes(7, start + GAP_TIMEOUT / 2));
        assert!(position.takes(6, start + GAP_TIMEOUT / 2), "6 came");
        position.last = 6;
        assert!(position.takes(7, start + GAP_TIMEOUT / 2));
        position.last = 7;
        assert!(!position.takes(9, start + GAP_TIMEOUT));
        assert!(position.takes(9, start + GAP_TIMEOUT * 2), "8 rolled back");
    }
}
