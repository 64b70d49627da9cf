//! Fault tests: the real `synaps serve` on a PostgreSQL cluster of the
//! test's own, stopped, restarted and killed under load (docs/OPERATIONS.md,
//! "Fault tests"). Each asserts that nothing acknowledged is lost, nothing
//! is stored twice or delivered twice or out of order, and nothing panics.
//!
//! They need the PostgreSQL server binaries (`/usr/lib/postgresql/*/bin`)
//! and fail, saying so, without them. They run one at a time: each loads
//! the machine, and their time limits assume it is theirs.

// A test that cannot arrange its world should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod cluster;
mod server;

mod killed;
mod replicas;
mod restart;
mod shutdown;

/// Held for the whole of a test: one fault test at a time.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static ONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    ONE.lock().await
}
