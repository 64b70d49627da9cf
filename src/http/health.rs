//! Liveness and readiness probes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use crate::db;
use crate::http::App;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration is applied: 200, else 503.
pub async fn readyz(State(app): State<App>) -> (StatusCode, Json<serde_json::Value>) {
    let database = app.state.db.ping().await.is_ok();
    let migrations = database && db::migrations_applied(&app.state.db).await.unwrap_or(false);
    let status = if database && migrations {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        Json(json!({ "database": word(database), "migrations": word(migrations) })),
    )
}
