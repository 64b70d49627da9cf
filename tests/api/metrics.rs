//! `GET /metrics` (docs/OPERATIONS.md, "Metrics"): scraped after real
//! traffic and read with a Prometheus text parser. The recorder is the
//! process's, shared by every test server in this binary, so figures are
//! asserted as "at least", never exactly.

use std::time::Duration;

use prometheus_parse::{Sample, Scrape, Value as Prom};
use serde_json::json;
use synaps::config::{Config, Environment};

use crate::db_test;
use crate::helpers::ws::Ws;
use crate::helpers::{PASSWORD, TestApp};

const TOKEN: &str = "scrape-token-0123456789abcdef";

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("scrape sent")
}

async fn parsed(app: &TestApp, token: Option<&str>) -> Scrape {
    let response = scrape(app, token).await;
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.expect("scrape body");
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("Prometheus text format")
}

/// The samples of `metric` whose labels include all of `labels`.
fn series<'s>(scrape: &'s Scrape, metric: &str, labels: &[(&str, &str)]) -> Vec<&'s Sample> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .collect()
}

/// The sum of a counter's or gauge's matching series (a histogram's
/// observation count).
fn total(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    series(scrape, metric, labels)
        .iter()
        .map(|s| match &s.value {
            Prom::Counter(v) | Prom::Gauge(v) | Prom::Untyped(v) => *v,
            Prom::Histogram(buckets) => buckets
                .iter()
                .filter(|b| b.less_than.is_infinite())
                .map(|b| b.count)
                .sum(),
            Prom::Summary(_) => 0.0,
        })
        .sum()
}

fn low_limits(config: &mut Config) {
    config.limits.content_per_minute = 2;
    config.login_throttle.account_failures = 2;
}

async fn series_exist_after_traffic(app: TestApp) {
    let staff = app.staff().clone();
    // Logins: one good, then failures until the account is throttled.
    app.login(&staff.email, PASSWORD).await.data();
    let manager = app.manager().clone();
    for _ in 0..3 {
        app.login(&manager.email, "wrong password").await;
    }
    // A subscriber, kept open while scraping.
    let mut ws = Ws::open(&app.address, Some(&staff.token)).await;
    ws.subscribe("notes", "subscription { notificationAdded { id } }")
        .await;
    // A named query, and writes past the content rate limit.
    app.gql(Some(&staff), "query MetricsProbe { me { id } }", json!({}))
        .await
        .data();
    let channel_id = app
        .create_channel(&staff, "metrics-room", "PUBLIC", &["customer-service"])
        .await;
    for i in 0..3 {
        app.gql(
            Some(&staff),
            "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }",
            json!({ "input": { "channelId": channel_id, "body": format!("note {i}") } }),
        )
        .await;
    }
    // The relay and the scheduler (every 100 ms in tests) get a turn.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let scrape = parsed(&app, None).await;
    let graphql_ok = [("route", "/graphql"), ("method", "POST"), ("status", "200")];
    assert!(total(&scrape, "synaps_http_requests_total", &graphql_ok) >= 8.0);
    assert!(
        total(
            &scrape,
            "synaps_http_request_duration_seconds",
            &[("route", "/graphql")]
        ) >= 8.0
    );
    // Routes are patterns, never raw paths.
    for sample in series(&scrape, "synaps_http_requests_total", &[]) {
        let route = sample.labels.get("route").unwrap_or_default();
        assert!(
            route == "unmatched" || !route.contains("metrics-room"),
            "{route}"
        );
    }
    let probe = total(
        &scrape,
        "synaps_graphql_operations_total",
        &[("operation", "MetricsProbe"), ("type", "query")],
    ) + total(
        &scrape,
        "synaps_graphql_operations_total",
        &[("operation", "other"), ("type", "query")],
    );
    assert!(probe >= 1.0, "the named query is counted");
    assert!(
        total(
            &scrape,
            "synaps_graphql_operations_total",
            &[("type", "subscription")]
        ) >= 1.0
    );
    assert!(
        total(
            &scrape,
            "synaps_graphql_errors_total",
            &[("code", "RATE_LIMITED"), ("type", "mutation")]
        ) >= 1.0
    );
    assert!(
        total(
            &scrape,
            "synaps_graphql_errors_total",
            &[("code", "UNAUTHENTICATED")]
        ) >= 1.0
    );
    assert!(total(&scrape, "synaps_graphql_operation_duration_seconds", &[]) >= 1.0);
    assert!(total(&scrape, "synaps_logins_total", &[("outcome", "success")]) >= 1.0);
    assert!(total(&scrape, "synaps_logins_total", &[("outcome", "failure")]) >= 2.0);
    assert!(total(&scrape, "synaps_logins_total", &[("outcome", "throttled")]) >= 1.0);
    assert!(total(&scrape, "synaps_rate_limited_writes_total", &[]) >= 1.0);
    assert!(total(&scrape, "synaps_websockets_open", &[]) >= 1.0);
    assert!(total(&scrape, "synaps_subscriptions_active", &[]) >= 1.0);
    assert!(total(&scrape, "synaps_db_query_duration_seconds", &[]) >= 10.0);
    assert_eq!(
        series(
            &scrape,
            "synaps_db_pool_connections",
            &[("pool", "requests")]
        )
        .len(),
        2,
        "in_use and idle"
    );
    assert!(
        total(
            &scrape,
            "synaps_db_pool_connections",
            &[("pool", "requests")]
        ) >= 1.0
    );
    // The relay's gauges are the process's: the parallel tests' servers,
    // each with a relay starting from its own database's events, set them
    // too, so only that the series is there can be asserted.
    assert_eq!(
        series(&scrape, "synaps_events_relay_position", &[]).len(),
        1
    );
    assert!(total(&scrape, "synaps_events_relay_lag_events", &[]) >= 0.0);
    assert_eq!(
        series(&scrape, "synaps_events_relay_lag_seconds", &[]).len(),
        1
    );
    assert!(total(&scrape, "synaps_scheduler_runs_total", &[("outcome", "ok")]) >= 1.0);
    assert_eq!(
        series(&scrape, "synaps_scheduler_posts_published_total", &[]).len(),
        1
    );
    dashboard_names_are_scraped(&scrape);
    drop(ws);
}
db_test!(series_exist_after_traffic, with = low_limits);

/// Every metric the Grafana dashboard queries is one the server serves.
fn dashboard_names_are_scraped(scrape: &Scrape) {
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/grafana-synaps.json"),
    )
    .expect("deploy/grafana-synaps.json");
    let served: std::collections::BTreeSet<&str> =
        scrape.samples.iter().map(|s| s.metric.as_str()).collect();
    let mut queried = 0;
    for (at, _) in dashboard.match_indices("synaps_") {
        let name: String = dashboard[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let base = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        assert!(
            served.contains(name.as_str()) || served.contains(base),
            "the dashboard queries {name}, which /metrics does not serve"
        );
        queried += 1;
    }
    assert!(queried >= 15, "{queried}");
}

fn with_token(config: &mut Config) {
    config.metrics.token = TOKEN.to_owned();
}

async fn the_token_is_required_when_set(app: TestApp) {
    let refused = scrape(&app, None).await;
    assert_eq!(refused.status(), 401);
    assert!(refused.headers().contains_key("www-authenticate"));
    assert_eq!(scrape(&app, Some("not-the-token")).await.status(), 401);
    let scrape = parsed(&app, Some(TOKEN)).await;
    assert!(!series(&scrape, "synaps_http_requests_total", &[]).is_empty());
}
db_test!(the_token_is_required_when_set, with = with_token);

fn production(config: &mut Config) {
    config.env = Environment::Production;
}

/// Never open by default in production: without a token or a listener of
/// its own, the main port does not serve it.
async fn production_without_a_token_does_not_serve_metrics(app: TestApp) {
    assert_eq!(scrape(&app, None).await.status(), 404);
}
db_test!(
    production_without_a_token_does_not_serve_metrics,
    with = production
);

fn production_with_listener(config: &mut Config) {
    config.env = Environment::Production;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    config.metrics.bind = Some(port);
}

/// `SYNAPS_METRICS_BIND`: its own port serves `/metrics` (and nothing
/// else); the main port does not.
async fn a_separate_listener_serves_metrics(app: TestApp) {
    assert_eq!(scrape(&app, None).await.status(), 404);
    let bind = app.config.metrics.bind.expect("bind configured");
    let own = app
        .client
        .get(format!("http://{bind}/metrics"))
        .send()
        .await
        .expect("scraped");
    assert_eq!(own.status(), 200);
    let text = own.text().await.expect("body");
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    assert!(!series(&scrape, "synaps_http_requests_total", &[]).is_empty());
    let other = app
        .client
        .get(format!("http://{bind}/graphql"))
        .send()
        .await
        .expect("sent");
    assert_eq!(other.status(), 404);
}
db_test!(
    a_separate_listener_serves_metrics,
    with = production_with_listener
);

/// Made-up operation names do not grow the scrape: past the cap they are
/// all `other`.
async fn operation_names_are_capped(app: TestApp) {
    for i in 0..150 {
        let response = app
            .gql(None, &format!("query Made{i} {{ __typename }}"), json!({}))
            .await;
        assert_eq!(response.status, 200);
    }
    let scrape = parsed(&app, None).await;
    let names: std::collections::BTreeSet<&str> =
        series(&scrape, "synaps_graphql_operations_total", &[])
            .iter()
            .filter_map(|s| s.labels.get("operation"))
            .collect();
    assert!(
        names.len() <= synaps::instruments::OPERATION_NAMES_CAP + 2,
        "{} names",
        names.len()
    );
    assert!(names.contains("other"));
}
db_test!(operation_names_are_capped);
