//! The composition root: builds the application from configuration and
//! serves it. Nothing imports this module but the CLI (and the tests): the
//! state every request shares is `state::AppState`, and what the routes
//! serve is `http::App`, whose constructors live here.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use axum::serve::ListenerExt;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::AuthService;
use crate::auth::jwt::{self, JwtKeys};
use crate::auth::password::PasswordHasher;
use crate::config::Config;
use crate::domain::analytics::cache::AnalyticsCache;
use crate::domain::messages::queue::PostQueue;
use crate::graphql;
use crate::graphql::loaders::Batchers;
pub use crate::http::App;
use crate::state::AppState;
use crate::{db, events, http};

impl App {
    /// Connects to the database, migrates it unless `migrate` is false, and
    /// prepares keys and the schema.
    pub async fn build(config: Config, migrate: bool) -> anyhow::Result<App> {
        App::build_counting(config, migrate, None).await
    }

    /// Like [`App::build`], adding one to `statements` for every SQL
    /// statement run on behalf of requests (the pools of `db` and of the
    /// post writers, not the background jobs'). For the tests that assert
    /// what a request costs; a server never counts.
    pub async fn build_counting(
        config: Config,
        migrate: bool,
        statements: Option<Arc<AtomicU64>>,
    ) -> anyhow::Result<App> {
        config.validate()?;
        let url = config.database_url();
        let db = db::connect(&url, config.db_pool_size).await?;
        if migrate {
            db::migrate(&db::connect_for_maintenance(&url).await?).await?;
        }
        // SQLite has one writer and nothing to plan: one pool.
        let (keyed, search) = match db.get_database_backend() {
            DbBackend::Postgres => (
                db::connect_keyed(&url).await?,
                db::connect_search(&url, search_pool_size(config.db_pool_size)).await?,
            ),
            _ => (db.clone(), db.clone()),
        };
        App::with_database(config, Pools { db, keyed, search }, statements)
    }

    /// Builds on connections the caller already made.
    fn with_database(
        config: Config,
        pools: Pools,
        statements: Option<Arc<AtomicU64>>,
    ) -> anyhow::Result<App> {
        let Pools { db, keyed, search } = pools;
        let secret = jwt::resolve_secret(&config)?;
        let auth = AuthService {
            keys: JwtKeys::from_config(&config, &secret)?,
            hasher: PasswordHasher::new(&config.passwords)?,
            refresh_ttl_secs: config.jwt.refresh_ttl_secs,
            throttle: config.login_throttle.clone(),
        };
        // Every statement's latency, background jobs' too.
        crate::instruments::handle();
        let (mut db, mut keyed, mut search_db) = (db, keyed, search);
        for pool in [&mut db, &mut keyed, &mut search_db] {
            pool.set_metric_callback(crate::instruments::db_query);
        }
        // Cloned before any counter is installed, so they never count.
        let background_db = db.clone();
        let relay_db = keyed.clone();
        let (mut db, mut writers_db) = (db, keyed);
        if let Some(statements) = statements {
            // Posts and searches are requests' statements too.
            for pool in [&mut db, &mut writers_db, &mut search_db] {
                let counter = statements.clone();
                pool.set_metric_callback(move |info| {
                    crate::instruments::db_query(info);
                    counter.fetch_add(1, Ordering::Relaxed);
                });
            }
        }
        let posts = PostQueue::start(writers_db, config.limits.clone());
        let state = AppState {
            posts,
            analytics: AnalyticsCache::new(config.analytics_cache_seconds),
            db,
            background_db,
            relay_db,
            search_db,
            config: Arc::new(config),
            auth: Arc::new(auth),
            events: events::Hub::default(),
            sockets: Arc::new(watch::channel(false).0),
        };
        let schema = graphql::build_schema(state.clone());
        let live_loaders = Arc::new(Batchers::shared(&state.db));
        Ok(App {
            state,
            schema,
            live_loaders,
            documents: Arc::default(),
        })
    }

    /// Serves on `listener` until `shutdown` completes, then stops
    /// accepting, closes open WebSockets (1001) and lets open requests
    /// finish for up to `shutdown_grace_secs`; then stops the scheduler (its
    /// claims are transactions and transaction-scoped locks: nothing stays
    /// claimed) and the events relay.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Before the first connection is accepted: a subscription then gets
        // every event committed after it started.
        let start = events::start(&self.state.background_db)
            .await
            .map_err(|err| anyhow::anyhow!("cannot read the events table: {err:?}"))?;
        let (stop_scheduler, scheduler_stopped) = tokio::sync::watch::channel(false);
        let scheduler = tokio::spawn(crate::scheduler::run(
            self.state.background_db.clone(),
            std::time::Duration::from_millis(self.state.config.scheduler_interval_ms),
            scheduler_jobs(&self.state.config),
            scheduler_stopped,
        ));
        let (stop_events, events_stopped) = watch::channel(false);
        let relay = tokio::spawn(events::run(
            self.state.relay_db.clone(),
            self.state.events.clone(),
            start,
            events_stopped,
        ));
        // Revocations made by other replicas reach this one's session cache.
        let forgetting = tokio::spawn(crate::auth::session_cache::forget_on_events(
            self.state.events.subscribe(),
        ));
        // `/metrics` on its own port, when configured.
        let metrics_listener = match self.state.config.metrics.bind {
            Some(bind) => {
                let listener = TcpListener::bind(bind)
                    .await
                    .with_context(|| format!("cannot listen for metrics on {bind}"))?;
                tracing::info!(address = %bind, "serving /metrics");
                let router = http::metrics::listener_router(self.clone());
                Some(tokio::spawn(async move {
                    if let Err(err) = axum::serve(listener, router).await {
                        tracing::error!(error = %err, "the metrics listener stopped");
                    }
                }))
            }
            None => None,
        };
        // Histograms are drained into their buckets on each scrape, and
        // here, so that an unscraped process does not hoard samples.
        let upkeep = tokio::spawn(async {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                every.tick().await;
                crate::instruments::handle().run_upkeep();
            }
        });
        let sockets = self.state.sockets.clone();
        let grace = std::time::Duration::from_secs(self.state.config.shutdown_grace_secs);
        let router = http::router(self);
        // Answers and WebSocket frames are small and go out as they are
        // ready; Nagle's algorithm would hold one back until the client
        // acknowledges the previous (up to its 40 ms delayed ACK).
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(error = %err, "cannot set TCP_NODELAY on a connection");
            }
        });
        let (draining, mut drain_started) = watch::channel(false);
        let serving = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown({
            let sockets = sockets.clone();
            async move {
                shutdown.await;
                sockets.send_replace(true);
                draining.send_replace(true);
            }
        });
        // Open requests finish, within the grace period: a client that
        // holds a request open (or a request stuck on the database) does
        // not hold the process up beyond it.
        let served = tokio::select! {
            served = std::future::IntoFuture::into_future(serving) => {
                served.context("the server stopped with an error")
            }
            () = async {
                if drain_started.wait_for(|started| *started).await.is_err() {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!(grace_secs = grace.as_secs(), "requests still open after the shutdown grace period; stopping anyway");
                Ok(())
            }
        };
        // Give open sockets a moment to send their close frames.
        sockets.send_replace(true);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), sockets.closed()).await;
        let _ = stop_scheduler.send(true);
        let _ = stop_events.send(true);
        // A job under way finishes within a moment or is dropped: its
        // transaction rolls back and the job waits for the next tick of
        // any replica (a fold of thousands of posts can take longer than a
        // shutdown should).
        let mut scheduler = scheduler;
        if tokio::time::timeout(SCHEDULER_STOP, &mut scheduler)
            .await
            .is_err()
        {
            tracing::warn!("a scheduled job was still running at shutdown; it is rolled back");
            scheduler.abort();
        }
        let _ = relay.await;
        forgetting.abort();
        upkeep.abort();
        if let Some(listener) = metrics_listener {
            listener.abort();
        }
        served
    }
}

/// How long a shutdown waits for a scheduled job under way.
const SCHEDULER_STOP: std::time::Duration = std::time::Duration::from_secs(3);

/// Completes on ctrl-c (SIGINT) or SIGTERM. The handlers are installed when
/// this is called, not when first polled, so a signal that arrives while the
/// server is still starting is not lost (nor fatal).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {},
                        _ = terminate.recv() => {},
                    }
                }
                (Err(err), _) | (_, Err(err)) => {
                    tracing::error!(error = %err, "cannot listen for shutdown signals");
                    std::future::pending::<()>().await;
                }
            }
            tracing::info!("shutting down: finishing open requests");
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing open requests");
    }
}

/// The scheduler's jobs as configured (`Config::validate` has checked the
/// round's settings; a configuration built in code that was not checked
/// switches reminders off, with a log line, rather than fail).
/// The connections an app is built on: `db` for requests and background
/// jobs, `keyed` for the post writers and the events relay, `search` for
/// the search (on SQLite all one pool).
struct Pools {
    db: DatabaseConnection,
    keyed: DatabaseConnection,
    search: DatabaseConnection,
}

/// Half the requests' pool, at least 2: a search holds its connection for
/// one statement.
fn search_pool_size(pool_size: u32) -> u32 {
    (pool_size / 2).max(2)
}

fn scheduler_jobs(config: &Config) -> crate::scheduler::Jobs {
    let reminders = match (config.round.reminder_at(), config.round.default_zone()) {
        (Ok(Some(at)), Ok(default_zone)) => {
            Some(crate::domain::round::reminders::Clock { at, default_zone })
        }
        (Ok(None), _) => None,
        (Err(err), _) | (_, Err(err)) => {
            tracing::error!(error = %err, "check-in reminders are off: bad round settings");
            None
        }
    };
    let digest = match (config.round.digest_at(), config.round.default_zone()) {
        (Ok(Some(at)), Ok(zone)) => Some(crate::domain::round::digest::Clock { at, zone }),
        (Ok(None), _) => None,
        (Err(err), _) | (_, Err(err)) => {
            tracing::error!(error = %err, "automatic digests are off: bad round settings");
            None
        }
    };
    crate::scheduler::Jobs {
        reminders,
        digest,
        limits: config.limits.clone(),
        retention: crate::retention::Policy::of(config),
    }
}
