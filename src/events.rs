//! Events: the changes that feed subscriptions, and how they reach every
//! replica.
//!
//! - A writer calls [`record`] inside the transaction that makes the change,
//!   so an event exists if and only if its change committed, and then
//!   [`commit`] (commit, then [`wake`] this process).
//! - The `events` table is the truth: its increasing id is the delivery
//!   order and each replica's cursor. On PostgreSQL, event ids are handed out
//!   in commit order: [`record`] takes a transaction-scoped advisory lock
//!   before inserting, held until commit, so a reader that has seen id `n`
//!   can never later find a committed id below `n` (a plain `bigserial`
//!   allocates at insert time, and a slower transaction would commit a lower
//!   id after a higher one had been read). SQLite has one writer at a time.
//! - On PostgreSQL, [`record`] also sends `NOTIFY synaps_events` with the id
//!   (delivered at commit). NOTIFY is only a wake-up (HARDENING.md: nothing is
//!   replayed to a listener that was away): the [`run`] relay reads every
//!   event after the last id it saw on every wake-up, after every
//!   (re)connection of its listener, and every [`SAFETY_POLL`] regardless,
//!   and broadcasts them in process through the [`Hub`].
//! - On SQLite (one process), [`wake`] after commit is the wake-up.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::entities::events;
use crate::error::Result;

/// The PostgreSQL channel replicas listen on.
pub const CHANNEL: &str = "synaps_events";
/// The advisory lock that puts event ids in commit order (any fixed key;
/// this one spells "synapsev").
const ORDER_LOCK: i64 = 0x7379_6e61_7073_6576;
/// How often the relay reads the table even without a wake-up: the bound on
/// delay should a wake-up ever be lost.
pub const SAFETY_POLL: Duration = Duration::from_secs(2);
/// Events read per query while catching up.
const BATCH: u64 = 500;
/// Events buffered in process per subscriber before it counts as lagging.
const HUB_CAPACITY: usize = 1024;

/// A change to report, as the writer describes it.
#[derive(Clone, Debug)]
pub struct Event {
    pub topic: &'static str,
    pub post_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub channel_id: Option<Uuid>,
    /// Small: ids and states, never content (subscribers load what they may
    /// see through the domain layer).
    pub payload: serde_json::Value,
}

/// An event as stored and delivered.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub id: i64,
    pub topic: String,
    pub post_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub channel_id: Option<Uuid>,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<events::Model> for Recorded {
    fn from(m: events::Model) -> Self {
        Recorded {
            id: m.id,
            payload: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
            topic: m.topic,
            post_id: m.post_id,
            author_id: m.author_id,
            channel_id: m.channel_id,
            created_at: m.created_at,
        }
    }
}

/// Writes `event` in the caller's transaction; returns its id.
pub async fn record(txn: &DatabaseTransaction, event: Event) -> Result<i64> {
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        // Held until commit or rollback: ids are handed out in commit order.
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_advisory_xact_lock($1)",
            [ORDER_LOCK.into()],
        ))
        .await?;
    }
    let stored = events::ActiveModel {
        id: NotSet,
        topic: Set(event.topic.to_owned()),
        post_id: Set(event.post_id),
        author_id: Set(event.author_id),
        channel_id: Set(event.channel_id),
        payload: Set(event.payload.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    if backend == DbBackend::Postgres {
        // Delivered when (and only if) the transaction commits.
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), stored.id.to_string().into()],
        ))
        .await?;
    }
    Ok(stored.id)
}

/// Commits a transaction that recorded events, then wakes this process's
/// relay so local subscribers hear at once.
pub async fn commit(txn: DatabaseTransaction) -> Result<()> {
    txn.commit().await?;
    wake();
    Ok(())
}

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
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            sender: broadcast::channel(HUB_CAPACITY).0,
        }
    }
}

impl Hub {
    /// Every event delivered from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Recorded>> {
        self.sender.subscribe()
    }
}

/// The relay: reads the events after `last` from the table whenever woken
/// and broadcasts them through `hub`, until `stop` changes.
///
/// Read `last` with [`latest_id`] before accepting connections: then a
/// subscription gets every event committed after it started.
pub async fn run(db: DatabaseConnection, hub: Hub, mut last: i64, mut stop: watch::Receiver<bool>) {
    let (notified, mut woken_by_database) = watch::channel(0u64);
    let listener = (db.get_database_backend() == DbBackend::Postgres)
        .then(|| tokio::spawn(listen(db.get_postgres_connection_pool().clone(), notified)));
    let mut woken_locally = WAKE.subscribe();
    let mut poll = tokio::time::interval(SAFETY_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = woken_locally.changed() => {}
            _ = woken_by_database.changed() => {}
            _ = poll.tick() => {}
        }
        if let Err(err) = catch_up(&db, &hub, &mut last).await {
            tracing::error!(error = ?err, last_event_id = last, "cannot read new events; retrying");
        }
    }
    if let Some(listener) = listener {
        listener.abort();
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
                            Ok(Some(notification)) => {
                                tracing::debug!(
                                    event.id = notification.payload(),
                                    "events notified"
                                );
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

/// Broadcasts every event after `last`, in id order, and advances `last`.
async fn catch_up(db: &DatabaseConnection, hub: &Hub, last: &mut i64) -> Result<()> {
    loop {
        let rows = events::Entity::find()
            .filter(events::Column::Id.gt(*last))
            .order_by_asc(events::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let full = rows.len() as u64 == BATCH;
        for row in rows {
            *last = row.id;
            // No receivers is fine: nobody is subscribed on this replica.
            let _ = hub.sender.send(Arc::new(Recorded::from(row)));
        }
        if !full {
            return Ok(());
        }
    }
}
