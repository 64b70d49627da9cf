//! Building the application from configuration, and serving it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::auth::AuthService;
use crate::auth::jwt::{self, JwtKeys};
use crate::auth::password::PasswordHasher;
use crate::config::Config;
use crate::graphql::{self, AppSchema};
use crate::{db, http};

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub auth: Arc<AuthService>,
}

/// A ready-to-serve synaps.
#[derive(Clone)]
pub struct App {
    pub state: AppState,
    pub schema: AppSchema,
}

impl App {
    /// Connects to the database, migrates it unless `migrate` is false, and
    /// prepares keys and the schema.
    pub async fn build(config: Config, migrate: bool) -> anyhow::Result<App> {
        config.validate()?;
        let db = db::connect(&config.database_url(), config.db_pool_size).await?;
        if migrate {
            db::migrate(&db).await?;
        }
        App::with_database(config, db)
    }

    /// Like [`App::build`], on a connection the caller already made.
    pub fn with_database(config: Config, db: DatabaseConnection) -> anyhow::Result<App> {
        let secret = jwt::resolve_secret(&config)?;
        let auth = AuthService {
            keys: JwtKeys::from_config(&config, &secret)?,
            hasher: PasswordHasher::new(&config.passwords)?,
            refresh_ttl_secs: config.jwt.refresh_ttl_secs,
            throttle: config.login_throttle.clone(),
        };
        let state = AppState {
            db,
            config: Arc::new(config),
            auth: Arc::new(auth),
        };
        let schema = graphql::build_schema(state.clone());
        Ok(App { state, schema })
    }

    /// Serves on `listener` until `shutdown` completes, then drains open
    /// requests.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_scheduler, scheduler_stopped) = tokio::sync::watch::channel(false);
        let scheduler = tokio::spawn(crate::scheduler::run(
            self.state.db.clone(),
            std::time::Duration::from_millis(self.state.config.scheduler_interval_ms),
            scheduler_stopped,
        ));
        let router = http::router(self);
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("the server stopped with an error");
        let _ = stop_scheduler.send(true);
        let _ = scheduler.await;
        served
    }
}

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
