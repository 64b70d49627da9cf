//! A PostgreSQL cluster of the test's own: `initdb` into a temporary
//! directory, its own port, trust authentication. The tests stop, restart
//! and kill it without touching anything else on the machine (the server on
//! 5432 that the other tests use stays up).
//!
//! `initdb` and `postgres` refuse to run as root; as root (CI), every
//! PostgreSQL command runs as the `postgres` user through `runuser`, in a
//! directory it owns. Dropping the [`Cluster`] stops it (`-m immediate`)
//! and removes the directory, on a test's failure too.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    /// Run the PostgreSQL commands as the `postgres` user (we are root).
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb`, `pg_ctl`
/// and `postgres`; panics with what to install when there is none, rather
/// than let the fault tests pass without running.
fn binaries() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|b| bin.join(b).exists())
                .then_some((version, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "\n*** The fault tests need the PostgreSQL server binaries (initdb, pg_ctl, postgres) \
             in /usr/lib/postgresql/<version>/bin; none were found. Install them, e.g. \
             `apt-get install postgresql` on Debian or Ubuntu. ***\n"
        ),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A port nobody listens on now (the kernel's choice).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("its address").port()
}

impl Cluster {
    /// Creates and starts a cluster; returns once it accepts connections.
    pub async fn start() -> Cluster {
        let bin = binaries();
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("synaps-faults-")
            .tempdir()
            .expect("temp dir");
        if as_postgres {
            let chown = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown runs");
            assert!(chown.success(), "cannot hand {:?} to postgres", dir.path());
        }
        let cluster = Cluster {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        let data = cluster.data();
        cluster.run_ok(
            "initdb",
            &[
                "-D",
                data.to_str().expect("path"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.start_again().await;
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `postgres://…/<database>` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        self.command(program)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|err| panic!("cannot run {program}: {err}"))
    }

    fn run_ok(&self, program: &str, args: &[&str]) {
        let out = self.run(program, args);
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the (stopped) cluster and waits until it answers.
    pub async fn start_again(&self) {
        let data = self.data();
        let log = self.dir.path().join("postgres.log");
        // The socket in our own directory; fsync off: a test cluster, always
        // stopped cleanly when its data matters.
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        self.run_ok(
            "pg_ctl",
            &[
                "-D",
                data.to_str().expect("path"),
                "-l",
                log.to_str().expect("path"),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while Database::connect(self.url("postgres")).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "the test cluster did not come up"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `pg_ctl stop -m fast`: sessions are ended, the cluster shuts down
    /// cleanly. Waits until it has.
    pub fn stop_fast(&self) {
        let data = self.data();
        self.run_ok(
            "pg_ctl",
            &[
                "-D",
                data.to_str().expect("path"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        );
    }

    /// A connection of the test's own to `database`.
    pub async fn connect(&self, database: &str) -> DatabaseConnection {
        Database::connect(self.url(database))
            .await
            .expect("connect to the test cluster")
    }

    /// Creates `name` and returns its URL.
    pub async fn create_database(&self, name: &str) -> String {
        let admin = self.connect("postgres").await;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create database");
        admin.close().await.ok();
        self.url(name)
    }

    /// The PostgreSQL log so far, for a failure's message.
    #[allow(dead_code)]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        // Whatever state it is in; an already stopped cluster just says so.
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        // The TempDir removes the directory (root may, and so may the
        // postgres user's own files when not root).
    }
}

/// One column of one row, as text.
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .expect("a row");
    row.try_get_by_index::<Option<String>>(0)
        .expect("text")
        .unwrap_or_default()
}
