//! Retention: how long synaps keeps rows that serve a moment, not the record
//! (docs/OPERATIONS.md, "Retention"), enforced by the scheduler.
//!
//! - **Events** feed live delivery only: each replica's relay reads them
//!   milliseconds after they commit (at most [`crate::events::SAFETY_POLL`]
//!   late, or [`crate::events::GAP_TIMEOUT`] at a gap), and a subscription
//!   with an `after` cursor replays from the messages table
//!   (`domain::messages::live`, up to 10,000 messages), never from events.
//!   So an event older than the retention (at least an hour) is needed by
//!   no one: a relay that far behind was cut off from the database, and its
//!   clients resubscribe with their cursors.
//! - **Notifications** that were read and are older than the retention go;
//!   unread ones stay however old, since deleting them would take away what
//!   a person has not seen yet (and an inactive account's are removed with
//!   it, not here).
//!
//! On PostgreSQL one replica at a time enforces it: the pass runs in a
//! transaction holding a transaction-level advisory lock, and a replica that
//! cannot take the lock skips its turn, rather than every replica deleting
//! the same rows at every tick. The lock ends with the transaction, so a
//! replica that dies mid-pass holds nothing. SQLite has one process.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::entities::notifications;
use crate::error::Result;

/// The advisory lock key of a retention pass (any fixed number no other
/// lock of synaps uses: "synaps retention" in ASCII, truncated).
const LOCK_KEY: i64 = 0x7379_6e61_7073_7265;

/// The rows one pass deletes at most per table, so a backlog (the first
/// run after an upgrade) is worked off in short statements.
pub const BATCH: u64 = 10_000;

/// How long each kind of row is kept (`Config::retention`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Events older than this many hours are deleted (at least 1).
    pub events_hours: u64,
    /// Read notifications created more than this many days ago are
    /// deleted; 0 keeps them forever.
    pub read_notifications_days: u64,
}

impl Policy {
    /// The retention configured (`SYNAPS_EVENTS_RETENTION_HOURS`,
    /// `SYNAPS_NOTIFICATIONS_RETENTION_DAYS`).
    pub fn of(config: &crate::config::Config) -> Self {
        Policy {
            events_hours: config.events_retention_hours,
            read_notifications_days: config.notifications_retention_days,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            events_hours: 24,
            read_notifications_days: 90,
        }
    }
}

/// What one pass deleted; `None` when another replica held the turn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub notifications: u64,
}

/// One retention pass at `now`. Returns `None` if another replica is
/// running one.
pub async fn enforce(
    db: &DatabaseConnection,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<Option<Pruned>> {
    // It reads, then deletes: a write transaction from its BEGIN, so that
    // on SQLite it waits for the write lock rather than failing on it
    // (`db::begin_write`).
    let txn = crate::db::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        let row = txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1) AS taken",
                [LOCK_KEY.into()],
            ))
            .await?;
        let taken = row
            .map(|row| row.try_get::<bool>("", "taken"))
            .transpose()?
            .unwrap_or(false);
        if !taken {
            txn.rollback().await?;
            return Ok(None);
        }
    }
    crate::events::writes_no_events(&txn).await?;
    let hours = i64::try_from(policy.events_hours.max(1)).unwrap_or(i64::MAX / 3600);
    let events = crate::events::prune(&txn, now - chrono::Duration::hours(hours)).await?;
    let notifications = match policy.read_notifications_days {
        0 => 0,
        days => {
            let days = i64::try_from(days).unwrap_or(i64::MAX / 86_400);
            prune_read_notifications(&txn, now - chrono::Duration::days(days)).await?
        }
    };
    txn.commit().await?;
    Ok(Some(Pruned {
        events,
        notifications,
    }))
}

/// Deletes up to [`BATCH`] read notifications created before `cutoff`.
async fn prune_read_notifications<C: ConnectionTrait>(
    db: &C,
    cutoff: DateTime<Utc>,
) -> Result<u64> {
    use notifications::Column;
    let ids: Vec<Uuid> = notifications::Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::CreatedAt.lt(cutoff))
        .filter(Column::ReadAt.is_not_null())
        .order_by_asc(Column::CreatedAt)
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let deleted = notifications::Entity::delete_many()
        .filter(Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
