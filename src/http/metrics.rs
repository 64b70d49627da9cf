//! `GET /metrics` (Prometheus text format) and the layer that counts every
//! HTTP request. What is measured, and the names, are `instruments`; who may
//! scrape is `Config::metrics_access` (docs/OPERATIONS.md, "Metrics").

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::config::MetricsAccess;
use crate::http::App;
use crate::instruments;

/// The route on the main port, as configured (none when `Off`: 404).
pub fn routes(app: &App) -> Router<App> {
    match app.state.config.metrics_access() {
        MetricsAccess::Off => Router::new(),
        MetricsAccess::Token | MetricsAccess::Open => {
            Router::new().route("/metrics", get(scrape_main))
        }
    }
}

/// The separate listener's router (`SYNAPS_METRICS_BIND`): `/metrics` and
/// nothing else, without a token (its port is the access control).
pub fn listener_router(app: App) -> Router {
    Router::new()
        .route("/metrics", get(scrape_open))
        .with_state(app)
}

async fn scrape_main(State(app): State<App>, headers: HeaderMap) -> Response {
    if app.state.config.metrics_access() == MetricsAccess::Token
        && !bears(&headers, &app.state.config.metrics.token)
    {
        let mut response =
            (StatusCode::UNAUTHORIZED, "A bearer token is required.\n").into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return response;
    }
    render(&app)
}

async fn scrape_open(State(app): State<App>) -> Response {
    render(&app)
}

/// Whether `Authorization` is `Bearer <token>`. Both sides are hashed
/// first, so the comparison takes the same time wherever they differ.
fn bears(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
}

fn render(app: &App) -> Response {
    // Gauges read from the pools when scraped, not kept up to date.
    instruments::sample_pool("requests", &app.state.db);
    instruments::sample_pool("writers", &app.state.relay_db);
    let handle = instruments::handle();
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
        .into_response()
}

/// Counts a request by its route pattern (`/blog/{slug}`, never the raw
/// path, which would make a series per post) and status, and times it.
/// Requests no route matched are `unmatched`.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // Any method reaches the router (and gets 405): bound the label.
    let method = match *request.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(instruments::HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!(instruments::HTTP_DURATION, "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}
