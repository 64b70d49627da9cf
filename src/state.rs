//! What every request shares: connections, configuration, keys, the events
//! hub and the post queue.
//!
//! It sits low in the import graph on purpose (`cli → app → http → graphql →
//! domain → auth / db / events → entities`): the GraphQL context, the HTTP
//! handlers and the seeders all read it, and it imports nothing above the
//! domain layer, so none of them has to import the composition root
//! (`app.rs`) that builds it.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::auth::AuthService;
use crate::config::Config;
use crate::domain::analytics::cache::AnalyticsCache;
use crate::domain::messages::queue::PostQueue;
use crate::events;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub auth: Arc<AuthService>,
    /// Events for subscriptions, fed by the relay (`events::run`).
    pub events: events::Hub,
    /// Set to `true` when the server shuts down: open WebSockets close with
    /// 1001 (axum's graceful shutdown does not wait for upgraded sockets).
    /// Each socket holds a receiver, so its count is the open sockets.
    pub sockets: Arc<watch::Sender<bool>>,
    /// The same pool as `db`, for the scheduler and other background jobs
    /// (kept apart so that a statement counter installed on `db` by the
    /// tests never counts their polling as a request's).
    pub background_db: DatabaseConnection,
    /// The events relay's pool: on PostgreSQL the writers' pool of generic
    /// plans (`db::connect_keyed`), whose "events after id N" it reads
    /// hundreds of times a second.
    pub relay_db: DatabaseConnection,
    /// The search's pool: on PostgreSQL one that plans every statement for
    /// its values (`db::connect_search`); on SQLite the same as `db`.
    pub search_db: DatabaseConnection,
    /// Where posts wait to be written together (`messages::queue`).
    pub posts: PostQueue,
    /// Analytics answers of the last `SYNAPS_ANALYTICS_CACHE_SECONDS`,
    /// keyed by query, arguments and the viewer's scope.
    pub analytics: AnalyticsCache,
}
