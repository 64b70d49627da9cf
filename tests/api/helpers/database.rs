//! A fresh database per test: a SQLite file in a temporary directory, or a
//! uniquely named PostgreSQL database that is dropped afterwards.

use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Database};
use tokio::sync::OnceCell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL server URL and database name, to drop it.
    postgres: Option<(String, String)>,
}

const PREFIX: &str = "synaps_test_";

static COUNTER: AtomicU32 = AtomicU32::new(0);
static SWEPT: OnceCell<()> = OnceCell::const_new();

impl TestDatabase {
    /// `None` when PostgreSQL is asked for but not configured (skipped).
    pub async fn create(backend: Backend) -> Option<TestDatabase> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("synaps.db").display()
                );
                Some(TestDatabase {
                    url,
                    dir,
                    postgres: None,
                })
            }
            Backend::Postgres => {
                let Ok(server) = std::env::var("SYNAPS_TEST_POSTGRES_URL") else {
                    eprintln!(
                        "\n*** SKIPPED PostgreSQL case: set SYNAPS_TEST_POSTGRES_URL \
                         (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run it ***\n"
                    );
                    return None;
                };
                SWEPT.get_or_init(|| sweep_leftovers(&server)).await;
                let name = format!(
                    "{PREFIX}{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    rand_suffix()
                );
                let admin = Database::connect(&server)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = with_database(&server, &name);
                Some(TestDatabase {
                    url,
                    dir,
                    postgres: Some((server, name)),
                })
            }
        }
    }

    pub async fn drop(self) {
        if let Some((server, name)) = self.postgres {
            drop_database(&server, &name).await;
        }
    }
}

async fn drop_database(server: &str, name: &str) {
    if let Ok(admin) = Database::connect(server).await {
        if let Err(err) = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
        {
            eprintln!("warning: could not drop test database {name}: {err}");
        }
        admin.close().await.ok();
    }
}

/// Drops test databases left by runs that were killed (their process is gone).
async fn sweep_leftovers(server: &str) {
    let Ok(admin) = Database::connect(server).await else {
        return;
    };
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"),
        ))
        .await
        .unwrap_or_default();
    admin.close().await.ok();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let pid = name[PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            drop_database(server, &name).await;
        }
    }
}

/// The server URL with its database replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}
