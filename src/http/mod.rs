//! The HTTP surface: the router and the layers every request passes through
//! (request id, tracing, timeout, panic catcher, body limit on `/graphql`).

pub mod admission;
pub mod assets;
pub mod blog;
pub mod client;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::graphql::AppSchema;
use crate::graphql::documents::Documents;
use crate::graphql::loaders::Batchers;
use crate::state::AppState;

/// What the routes serve: the shared state and the GraphQL schema with its
/// per-process helpers. Built and served by the composition root
/// (`app.rs`, which holds its constructors), so that nothing here imports it.
#[derive(Clone)]
pub struct App {
    pub state: AppState,
    pub schema: AppSchema,
    /// The loaders every subscription shares (`Loaders::sharing`).
    pub live_loaders: Arc<Batchers>,
    /// Parsed queries, kept by their text.
    pub documents: Arc<Documents>,
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids are time-ordered UUIDs, so logs sort by them.
#[derive(Clone, Copy)]
struct MakeUuid;

impl MakeRequestId for MakeUuid {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        uuid::Uuid::now_v7()
            .to_string()
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

pub fn router(app: App) -> Router {
    let limits = app.state.config.limits.clone();
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            get(graphql::get_graphql).post(graphql::post_graphql),
        )
        // The GraphQL handler reads the body itself; this layer bounds it
        // (413 past the limit), since axum's default limit does not apply.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limits.body_bytes));
    // GraphiQL's assets, like its page, exist outside production only.
    let graphiql_routes = if app.state.config.is_production() {
        Router::new()
    } else {
        graphiql::routes()
    };
    Router::new()
        .merge(graphql_routes)
        .merge(graphiql_routes)
        .merge(blog::routes())
        // The web client: its page and its assets, compressed (the API's
        // responses are not: see docs/WEB.md).
        .merge(client::routes().layer(CompressionLayer::new()))
        // Subscriptions (graphql-transport-ws); outside the body limit, which
        // a WebSocket's messages do not pass through (see `ws`).
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(metrics::routes(&app))
        // Inside the routing, so that it sees the matched route.
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(app)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(limits.request_timeout_secs),
                )),
        )
}

/// Every log line inside a request carries its id.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}
