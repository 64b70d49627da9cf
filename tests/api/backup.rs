//! Backups and restores (docs/OPERATIONS.md, "Backups"): data written
//! through the API, a backup taken with the database's documented tool,
//! restored into a fresh database and served by a second synaps, reads back
//! the same through the API.

use std::process::Command;

use serde_json::{Value, json};
use synaps::app::App;
use tokio::sync::oneshot;

use crate::helpers::{self, Actor, Backend, TestApp, test_config, with_database};

const READ_BACK: &str = "query($slug: String!) { channel(slug: $slug) { name memberCount \
    messages(first: 50) { edges { node { id body createdAt author { handle } \
    reactions { code count } replyCount } } } } \
    users(first: 50) { edges { node { id handle displayName role } } } }";

/// A channel with messages, a reply and reactions, written through the API;
/// returns its slug.
async fn write_data(app: &TestApp) -> String {
    let id = app
        .create_channel(app.comms(), "backups", "PUBLIC", &["communications"])
        .await;
    app.join_channel(app.staff(), &id).await;
    let first = app.post_message(app.comms(), &id, "the first", None).await;
    app.post_message(app.staff(), &id, "a reply", Some(&first))
        .await;
    for n in 0..20 {
        app.post_message(app.staff(), &id, &format!("message {n}"), None)
            .await;
    }
    app.react(app.staff(), &first, "thumbsup").await;
    "backups".to_owned()
}

async fn read_back(client: &reqwest::Client, address: &str, actor: &Actor, slug: &str) -> Value {
    let response: Value = client
        .post(format!("{address}/graphql"))
        .bearer_auth(&actor.token)
        .json(&json!({ "query": READ_BACK, "variables": { "slug": slug } }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(response.get("errors").is_none(), "{response}");
    response["data"].clone()
}

/// A second synaps on `database_url` (migrations off: a restored database
/// is served as it was backed up); stops when the sender is dropped.
async fn serve(database_url: &str, dir: &std::path::Path) -> (String, oneshot::Sender<()>) {
    let app = App::build(test_config(database_url, dir), false)
        .await
        .expect("a server on the restored database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    (address, stop)
}

fn synaps(args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_synaps"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("SYNAPS_LOG_FORMAT", "json")
        .output()
        .expect("run synaps")
}

/// `synaps backup` while the server serves: the copy is the database as of
/// that instant (a message posted afterwards is not in it), another synaps
/// serves it, and every read equals the original's at the time of the
/// backup. A second backup to the same file is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_while_serving_restores_the_same_data() {
    helpers::run(Backend::Sqlite, |app: TestApp| async move {
        let slug = write_data(&app).await;
        let before = read_back(&app.client, &app.address, app.staff(), &slug).await;

        let dir = tempfile::tempdir().expect("temp dir");
        let copy = dir.path().join("copy.db");
        let copy_arg = copy.to_str().expect("UTF-8 path");
        let out = synaps(&["backup", "--output", copy_arg], app.database_url());
        assert!(
            out.status.success(),
            "backup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Backed up"));

        // The original goes on serving and changing after the backup.
        let channel = before["channel"].clone();
        let id = app
            .gql(
                Some(app.staff()),
                "query { channel(slug: \"backups\") { id } }",
                json!({}),
            )
            .await
            .data()["channel"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        app.post_message(app.staff(), &id, "after the backup", None)
            .await;

        let again = synaps(&["backup", "--output", copy_arg], app.database_url());
        assert!(!again.status.success(), "overwrote an existing backup");
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("already exists"),
            "{}",
            String::from_utf8_lossy(&again.stderr)
        );

        let url = format!("sqlite://{copy_arg}?mode=rw");
        let (address, stop) = serve(&url, dir.path()).await;
        let restored = read_back(&app.client, &address, app.staff(), &slug).await;
        drop(stop);
        assert_eq!(restored["channel"], channel);
        assert_eq!(restored, before);
    })
    .await;
}

/// `synaps backup` on PostgreSQL refuses and points to pg_dump.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_is_refused_with_the_documented_procedure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("copy.db");
    let out = synaps(
        &["backup", "--output", output.to_str().expect("UTF-8")],
        "postgres://nobody@127.0.0.1:1/none",
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pg_dump") && stderr.contains("OPERATIONS.md"),
        "{stderr}"
    );
    assert!(!output.exists());
}

/// The documented PostgreSQL procedure: `pg_dump -Fc` of the live
/// database, `pg_restore` into a fresh database, served by another synaps:
/// every read equals the original's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_dump_restores_the_same_data() {
    helpers::run(Backend::Postgres, |app: TestApp| async move {
        let slug = write_data(&app).await;
        let before = read_back(&app.client, &app.address, app.staff(), &slug).await;

        let dir = tempfile::tempdir().expect("temp dir");
        let dump = dir.path().join("synaps.dump");
        let dumped = Command::new("pg_dump")
            .args(["--format=custom", "--file"])
            .arg(&dump)
            .arg(format!("--dbname={}", app.database_url()))
            .output()
            .expect("run pg_dump");
        assert!(
            dumped.status.success(),
            "{}",
            String::from_utf8_lossy(&dumped.stderr)
        );

        // A fresh, uniquely named database (the harness' prefix and this
        // process id, so a killed run's leftover is swept like the others').
        let server = std::env::var("SYNAPS_TEST_POSTGRES_URL").expect("PostgreSQL URL");
        let name = format!(
            "synaps_test_{}_restore_{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        let admin = synaps::db::connect(&server, 1)
            .await
            .expect("admin connection");
        use sea_orm::ConnectionTrait;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create the restore database");
        let url = with_database(&server, &name);
        let restored = Command::new("pg_restore")
            .args(["--no-owner", "--exit-on-error"])
            .arg(format!("--dbname={url}"))
            .arg(&dump)
            .output()
            .expect("run pg_restore");

        let outcome = async {
            assert!(
                restored.status.success(),
                "{}",
                String::from_utf8_lossy(&restored.stderr)
            );
            let (address, stop) = serve(&url, dir.path()).await;
            let after = read_back(&app.client, &address, app.staff(), &slug).await;
            drop(stop);
            after
        };
        let after =
            futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(outcome)).await;
        // Give the second server's pool a moment to close, then drop.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
            .expect("drop the restore database");
        admin.close().await.ok();
        match after {
            Ok(after) => assert_eq!(after, before),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
    .await;
}
