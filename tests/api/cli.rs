//! The command line and the committed schema.

use std::process::Command;

/// `schema.graphql` is what the server serves; regenerate it with
/// `cargo run -- export-schema --output schema.graphql`.
#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the repository root");
    let served = synaps::graphql::sdl();
    assert!(
        committed == served,
        "schema.graphql is stale: run `cargo run -- export-schema --output schema.graphql` and commit it"
    );
}

#[test]
fn export_schema_prints_the_sdl() {
    let output = Command::new(env!("CARGO_BIN_EXE_synaps"))
        .arg("export-schema")
        .output()
        .expect("synaps runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        synaps::graphql::sdl()
    );
}

#[test]
fn help_lists_every_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_synaps"))
        .arg("--help")
        .output()
        .expect("synaps runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate", "seed", "export-schema", "user"] {
        assert!(
            help.contains(command),
            "--help does not mention {command}:\n{help}"
        );
    }
}

#[test]
fn production_refuses_a_missing_secret_and_the_demo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str], secret: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_synaps"));
        command
            .args(args)
            .env("SYNAPS_ENV", "production")
            .env("SYNAPS_DATA_DIR", dir.path())
            .env("SYNAPS_BIND", "127.0.0.1:0")
            .env_remove("SYNAPS_JWT_SECRET")
            .env_remove("DATABASE_URL");
        if let Some(secret) = secret {
            command.env("SYNAPS_JWT_SECRET", secret);
        }
        command.output().expect("synaps runs")
    };
    let missing = run(&["serve"], None);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("SYNAPS_JWT_SECRET"));
    let short = run(&["serve"], Some("too-short"));
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 32"));
    let demo = run(
        &["serve", "--demo"],
        Some("a-production-secret-that-is-long-enough"),
    );
    assert!(!demo.status.success());
    assert!(String::from_utf8_lossy(&demo.stderr).contains("--demo"));
}

#[test]
fn serve_prints_where_it_listens_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_synaps"))
        .args(["serve", "--demo"])
        .env("SYNAPS_DATA_DIR", dir.path())
        .env("SYNAPS_BIND", "127.0.0.1:0")
        .env_remove("DATABASE_URL")
        .env_remove("SYNAPS_ENV")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("synaps starts");
    let stdout = child.stdout.take().expect("stdout");
    let first = BufReader::new(stdout)
        .lines()
        .next()
        .and_then(Result::ok)
        .unwrap_or_default();
    assert!(
        first.starts_with("synaps is listening on http://127.0.0.1:"),
        "{first}"
    );
    let address = first
        .trim_start_matches("synaps is listening on ")
        .to_owned();

    let health = std::net::TcpStream::connect(address.trim_start_matches("http://")).is_ok();
    assert!(health, "nothing listens on {address}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "synaps did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "synaps exited with {status}");
}

/// Runs `synaps ARGS` on a SQLite database in `dir`, with `stdin`.
fn synaps_in(dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_synaps"))
        .args(args)
        .env("SYNAPS_DATA_DIR", dir)
        .env_remove("DATABASE_URL")
        .env_remove("SYNAPS_ENV")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("synaps runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("synaps finishes")
}

#[test]
fn an_operator_creates_the_first_admin_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    synaps_in(dir.path(), &["migrate"], "");
    // The five departments exist once the demo is seeded; a fresh install
    // creates its admin without a department.
    let args = [
        "user",
        "create",
        "--email",
        "Root@Example.com",
        "--name",
        "Root Admin",
        "--role",
        "admin",
        "--password-stdin",
    ];

    let created = synaps_in(dir.path(), &args, "a long enough password\n");
    let again = synaps_in(dir.path(), &args, "a long enough password\n");
    let weak = synaps_in(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "staff",
            "--password-stdin",
        ],
        "short\n",
    );

    let out = String::from_utf8_lossy(&created.stdout);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(
        out.contains("root@example.com") && out.contains("admin"),
        "{out}"
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already uses"));
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12"));
}

#[test]
fn migrate_lists_rolls_back_and_reapplies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let status = |dir: &std::path::Path| {
        String::from_utf8_lossy(&synaps_in(dir, &["migrate", "status"], "").stdout).into_owned()
    };
    assert!(
        synaps_in(dir.path(), &["migrate", "up"], "")
            .status
            .success()
    );
    let applied = status(dir.path());
    assert!(
        !applied.is_empty() && !applied.contains("pending"),
        "{applied}"
    );

    assert!(
        synaps_in(dir.path(), &["migrate", "down"], "")
            .status
            .success()
    );
    assert!(status(dir.path()).contains("pending"));

    assert!(
        synaps_in(dir.path(), &["migrate", "up"], "")
            .status
            .success()
    );
    assert_eq!(status(dir.path()), applied);
}
