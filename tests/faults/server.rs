//! `synaps serve` processes: the real binary, on the test cluster, with its
//! log kept in a file to look for panics afterwards.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The JWT secret every replica of a test shares.
pub const SECRET: &str = "fault-test-secret-that-is-long-enough-for-hs256!";

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:port`.
    pub address: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts `synaps serve` on `database_url` with the fault tests'
    /// settings and `env` on top; returns once it listens.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("stderr.log");
        let stderr = std::fs::File::create(&log).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_synaps"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("SYNAPS_BIND", "127.0.0.1:0")
            .env("SYNAPS_JWT_SECRET", SECRET)
            .env("SYNAPS_DATA_DIR", dir.path())
            .env("SYNAPS_DB_POOL_SIZE", "8")
            // Load tests post thousands of messages a minute per person.
            .env("SYNAPS_CONTENT_PER_MINUTE", "1000000")
            .env("SYNAPS_SCHEDULER_INTERVAL_MS", "500")
            .env("RUST_LOG", "warn,synaps=info")
            .env_remove("SYNAPS_ENV")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("synaps starts");
        let stdout = child.stdout.take().expect("stdout");
        let (first_tx, first_rx) = tokio::sync::oneshot::channel();
        // Keep reading: the server must not see its stdout closed.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first_tx.send(lines.next().and_then(Result::ok).unwrap_or_default());
            for _ in lines {}
        });
        let first = tokio::time::timeout(Duration::from_secs(60), first_rx)
            .await
            .expect("synaps announces its address within 60 s")
            .expect("reader");
        let address = first
            .strip_prefix("synaps is listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {first:?}; log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .trim()
            .to_owned();
        Server {
            child,
            address,
            log,
            _dir: dir,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Asserts that nothing panicked in this process.
    #[track_caller]
    pub fn assert_no_panic(&self) {
        let log = self.log();
        assert!(
            !log.contains("panicked"),
            "the server at {} panicked:\n{log}",
            self.address
        );
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "cannot send SIGTERM");
    }

    /// SIGKILL, and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to `within` for the process to exit; its status.
    pub async fn wait(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
