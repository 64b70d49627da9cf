//! Prometheus metrics (docs/OPERATIONS.md, "Metrics"): the names, the one
//! recorder of the process, and the small helpers the layers call.
//!
//! Recording goes through the `metrics` facade into the process-wide
//! `metrics-exporter-prometheus` recorder, installed by [`handle`] on first
//! use; `/metrics` renders it (`http::metrics`). One recorder per process,
//! not per server: a replica is one server per process; the tests run many
//! servers in one process, which then share the figures (they assert at
//! least, never exactly).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};

pub const HTTP_REQUESTS: &str = "synaps_http_requests_total";
pub const HTTP_DURATION: &str = "synaps_http_request_duration_seconds";
pub const GRAPHQL_OPERATIONS: &str = "synaps_graphql_operations_total";
pub const GRAPHQL_DURATION: &str = "synaps_graphql_operation_duration_seconds";
pub const GRAPHQL_ERRORS: &str = "synaps_graphql_errors_total";
pub const DB_CONNECTIONS: &str = "synaps_db_pool_connections";
pub const DB_QUERY_DURATION: &str = "synaps_db_query_duration_seconds";
pub const WEBSOCKETS_OPEN: &str = "synaps_websockets_open";
pub const SUBSCRIPTIONS_ACTIVE: &str = "synaps_subscriptions_active";
pub const RELAY_POSITION: &str = "synaps_events_relay_position";
pub const RELAY_NEWEST: &str = "synaps_events_relay_newest_id";
pub const RELAY_LAG_EVENTS: &str = "synaps_events_relay_lag_events";
pub const RELAY_LAG_SECONDS: &str = "synaps_events_relay_lag_seconds";
pub const SCHEDULER_RUNS: &str = "synaps_scheduler_runs_total";
pub const POSTS_PUBLISHED: &str = "synaps_scheduler_posts_published_total";
pub const LOGINS: &str = "synaps_logins_total";
pub const RATE_LIMITED_WRITES: &str = "synaps_rate_limited_writes_total";

/// Distinct operation names that get their own series; later names are
/// counted as `other`, so that clients sending made-up names cannot grow
/// the scrape (and Prometheus) without bound.
pub const OPERATION_NAMES_CAP: usize = 100;

/// Latency buckets, in seconds: 1 ms to 10 s (the request timeout).
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed on first call.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Without buckets the exporter renders summaries, which cannot be
        // aggregated across replicas.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS);
        let recorder = match builder {
            Ok(builder) => builder.build_recorder(),
            Err(err) => {
                tracing::error!(error = %err, "metrics buckets refused; histograms become summaries");
                PrometheusBuilder::new().build_recorder()
            }
        };
        let handle = recorder.handle();
        if let Err(err) = metrics::set_global_recorder(recorder) {
            // Only if something else installed one first: then `/metrics`
            // renders an empty recorder rather than fail.
            tracing::error!(error = %err, "another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        handle
    })
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by matched route, method and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by matched route."
    );
    describe_counter!(
        GRAPHQL_OPERATIONS,
        "GraphQL operations executed, by operation name and type."
    );
    describe_histogram!(
        GRAPHQL_DURATION,
        Unit::Seconds,
        "GraphQL query and mutation latency by type."
    );
    describe_counter!(
        GRAPHQL_ERRORS,
        "GraphQL errors by extensions.code and operation type."
    );
    describe_gauge!(
        DB_CONNECTIONS,
        "Database pool connections by pool and state (in_use, idle)."
    );
    describe_histogram!(DB_QUERY_DURATION, Unit::Seconds, "SQL statement latency.");
    describe_gauge!(WEBSOCKETS_OPEN, "Open graphql-transport-ws WebSockets.");
    describe_gauge!(SUBSCRIPTIONS_ACTIVE, "Active GraphQL subscriptions.");
    describe_gauge!(RELAY_POSITION, "Id of the last event the relay delivered.");
    describe_gauge!(RELAY_NEWEST, "Newest event id the relay has read.");
    describe_gauge!(
        RELAY_LAG_EVENTS,
        "Events read that wait behind a transaction still running."
    );
    describe_gauge!(
        RELAY_LAG_SECONDS,
        Unit::Seconds,
        "Age of the oldest event read but not delivered (0 when caught up)."
    );
    describe_counter!(SCHEDULER_RUNS, "Scheduler ticks by outcome (ok, error).");
    describe_counter!(
        POSTS_PUBLISHED,
        "Scheduled guest posts the scheduler published."
    );
    describe_counter!(
        LOGINS,
        "Password logins by outcome (success, failure, throttled, error)."
    );
    describe_counter!(
        RATE_LIMITED_WRITES,
        "Messages and guest posts refused with RATE_LIMITED."
    );
}

/// The label for an operation name: itself while fewer than
/// [`OPERATION_NAMES_CAP`] names have been seen (or it was seen before),
/// else `other`. Anonymous operations are `anonymous`.
pub fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return "anonymous".to_owned();
    };
    let Ok(mut seen) = SEEN.get_or_init(Mutex::default).lock() else {
        return "other".to_owned();
    };
    if seen.contains(name) {
        return name.to_owned();
    }
    if seen.len() < OPERATION_NAMES_CAP {
        seen.insert(name.to_owned());
        return name.to_owned();
    }
    "other".to_owned()
}

pub fn operation_type_label(operation: Option<OperationType>) -> &'static str {
    match operation {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "unknown",
    }
}

/// Counts one executed GraphQL operation and its errors (by the codes
/// `error::with_codes` put in `extensions.code`); `elapsed` for queries and
/// mutations, not for subscriptions, which last as long as the client likes.
pub fn graphql_operation(
    name: &str,
    operation: &'static str,
    errors: &[async_graphql::ServerError],
    elapsed: Option<Duration>,
) {
    counter!(GRAPHQL_OPERATIONS, "operation" => name.to_owned(), "type" => operation).increment(1);
    if let Some(elapsed) = elapsed {
        metrics::histogram!(GRAPHQL_DURATION, "type" => operation).record(elapsed.as_secs_f64());
    }
    graphql_errors(operation, errors);
}

/// Counts GraphQL errors by `extensions.code`.
pub fn graphql_errors(operation: &'static str, errors: &[async_graphql::ServerError]) {
    for error in errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(|code| match code {
                async_graphql::Value::String(code) => Some(code.clone()),
                async_graphql::Value::Enum(code) => Some(code.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "NONE".to_owned());
        counter!(GRAPHQL_ERRORS, "code" => code, "type" => operation).increment(1);
    }
}

/// Adds one to a gauge until dropped: an open socket, an active subscription.
pub struct Held(&'static str);

impl Held {
    pub fn new(name: &'static str) -> Held {
        gauge!(name).increment(1.0);
        Held(name)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        gauge!(self.0).decrement(1.0);
    }
}

/// Samples a pool's connections into [`DB_CONNECTIONS`] (sqlx reports how
/// many are open and how many idle; not how many tasks wait for one).
pub fn sample_pool(pool: &'static str, db: &DatabaseConnection) {
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    gauge!(DB_CONNECTIONS, "pool" => pool, "state" => "in_use").set(f64::from(size - idle));
    gauge!(DB_CONNECTIONS, "pool" => pool, "state" => "idle").set(f64::from(idle));
}

/// A statement's latency (sea-orm's metric callback).
pub fn db_query(info: &sea_orm::metric::Info<'_>) {
    let outcome = if info.failed { "error" } else { "ok" };
    metrics::histogram!(DB_QUERY_DURATION, "outcome" => outcome).record(info.elapsed.as_secs_f64());
}

/// Where the events relay stands after reading: the last id it delivered,
/// the newest it read, and how long the oldest undelivered one has waited.
pub fn relay(delivered: i64, newest: i64, held: usize, waiting: Option<Duration>) {
    // Ids fit f64 exactly up to 2^53.
    gauge!(RELAY_POSITION).set(delivered as f64);
    gauge!(RELAY_NEWEST).set(newest.max(delivered) as f64);
    gauge!(RELAY_LAG_EVENTS).set(held as f64);
    gauge!(RELAY_LAG_SECONDS).set(waiting.map_or(0.0, |w| w.as_secs_f64()));
}

pub fn scheduler_run(ok: bool, published: usize) {
    counter!(SCHEDULER_RUNS, "outcome" => if ok { "ok" } else { "error" }).increment(1);
    counter!(POSTS_PUBLISHED).increment(u64::try_from(published).unwrap_or(u64::MAX));
}

pub fn login(outcome: &'static str) {
    counter!(LOGINS, "outcome" => outcome).increment(1);
}

pub fn rate_limited_write() {
    counter!(RATE_LIMITED_WRITES).increment(1);
}
