//! The scheduler: every few seconds, each replica publishes the
//! SCHEDULED posts whose time has come. The claim is a conditional update in
//! the database (`domain::posts::review::publish_due`), not a timer per
//! process, so a post publishes exactly once however many replicas run, and
//! a post whose time passed while every replica was down publishes on the
//! next start. It also adds the messages posted since the last tick to the
//! analytics rollups (`analytics::record::fold`: taken out of their queue
//! in the transaction that adds them, so each counts once across
//! replicas), enforces the retention of events and read notifications
//! (`retention::enforce`, one replica at a time) and prunes the
//! content rate limit's old counts (`rate_limit::prune`), and sends the
//! weekly round's Monday reminders (`round::reminders::send_due`: claimed
//! per person and week, so each goes out once across replicas) and, when
//! configured, each department's weekly digest (`round::digest::post_due`,
//! claimed per department and week).

use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::config::Limits;
use crate::domain::analytics;
use crate::domain::posts::review;
use crate::domain::rate_limit;
use crate::domain::round::digest;
use crate::domain::round::reminders::{self, Clock};
use crate::{instruments, retention};

/// What the scheduler does besides publishing and pruning.
#[derive(Clone, Debug, Default)]
pub struct Jobs {
    /// The Monday check-in reminders; `None` when they are switched off.
    pub reminders: Option<Clock>,
    /// The automatic weekly digests; `None` when they are switched off.
    pub digest: Option<digest::Clock>,
    /// The message limits the digests are posted under.
    pub limits: Limits,
    /// How long events and read notifications are kept.
    pub retention: retention::Policy,
}

/// Runs until `stop` changes.
pub async fn run(
    db: DatabaseConnection,
    interval: Duration,
    jobs: Jobs,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                match review::publish_due(&db, Utc::now()).await {
                    Ok(published) => instruments::scheduler_run(true, published.len()),
                    Err(err) => {
                        instruments::scheduler_run(false, 0);
                        tracing::error!(error = ?err, "scheduled publishing failed; retrying on the next tick");
                    }
                }
                match retention::enforce(&db, jobs.retention, Utc::now()).await {
                    Ok(Some(pruned)) if pruned != retention::Pruned::default() => tracing::debug!(
                        events = pruned.events,
                        notifications = pruned.notifications,
                        "old rows pruned"
                    ),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = ?err, "enforcing retention failed; retrying on the next tick"),
                }
                match analytics::record::fold(&db).await {
                    Ok(0) => {}
                    Ok(folded) => tracing::debug!(folded, "messages added to the analytics rollups"),
                    Err(err) => tracing::warn!(error = ?err, "adding messages to the analytics rollups failed; retrying on the next tick"),
                }
                if let Err(err) = rate_limit::prune(&db, Utc::now()).await {
                    tracing::warn!(error = ?err, "pruning old content counts failed; retrying on the next tick");
                }
                if let Some(clock) = jobs.reminders {
                    match reminders::send_due(&db, clock, Utc::now()).await {
                        Ok(sent) if sent.is_empty() => {}
                        Ok(sent) => tracing::info!(reminded = sent.len(), "check-in reminders sent"),
                        Err(err) => tracing::error!(error = ?err, "sending check-in reminders failed; retrying on the next tick"),
                    }
                }
                if let Some(clock) = jobs.digest {
                    match digest::post_due(&db, &jobs.limits, clock, Utc::now()).await {
                        Ok(posted) if posted.is_empty() => {}
                        Ok(posted) => tracing::info!(departments = posted.len(), "weekly digests posted"),
                        Err(err) => tracing::error!(error = ?err, "posting weekly digests failed; retrying on the next tick"),
                    }
                }
            }
            _ = stop.changed() => return,
        }
    }
}
