//! The command line and the committed schema.

use std::process::Command;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{TEST_SECRET, TestApp};

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

/// Every type, field, argument, input field and enum value of the served
/// schema says what it is: the schema is the API's reference (GraphiQL,
/// codegen), so an undocumented one is a gap in it. Scalars and the built-in
/// introspection types are async-graphql's. Connection types take theirs
/// from `graphql::describe_connections`.
#[test]
fn every_schema_element_has_a_description() {
    use async_graphql_parser::types::{
        FieldDefinition, InputValueDefinition, TypeKind, TypeSystemDefinition,
    };
    use async_graphql_parser::{Positioned, parse_schema};

    fn described(description: Option<&Positioned<String>>) -> bool {
        description.is_some_and(|d| !d.node.trim().is_empty())
    }
    fn check_arguments(
        owner: &str,
        arguments: &[Positioned<InputValueDefinition>],
        missing: &mut Vec<String>,
    ) {
        for argument in arguments {
            if !described(argument.node.description.as_ref()) {
                missing.push(format!("argument {owner}({}:)", argument.node.name.node));
            }
        }
    }
    fn check_fields(
        type_name: &str,
        fields: &[Positioned<FieldDefinition>],
        missing: &mut Vec<String>,
    ) {
        for field in fields {
            let owner = format!("{type_name}.{}", field.node.name.node);
            if !described(field.node.description.as_ref()) {
                missing.push(format!("field {owner}"));
            }
            check_arguments(&owner, &field.node.arguments, missing);
        }
    }

    let document = parse_schema(synaps::graphql::sdl()).expect("the served schema parses");
    let mut missing = Vec::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let definition = &definition.node;
        let name = definition.name.node.as_str();
        if name.starts_with("__") || matches!(definition.kind, TypeKind::Scalar) {
            continue;
        }
        if !described(definition.description.as_ref()) {
            missing.push(format!("type {name}"));
        }
        match &definition.kind {
            TypeKind::Object(object) => check_fields(name, &object.fields, &mut missing),
            TypeKind::Interface(interface) => check_fields(name, &interface.fields, &mut missing),
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    if !described(field.node.description.as_ref()) {
                        missing.push(format!("input field {name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    if !described(value.node.description.as_ref()) {
                        missing.push(format!("enum value {name}.{}", value.node.value.node));
                    }
                }
            }
            TypeKind::Scalar | TypeKind::Union(_) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "{} schema element(s) without a description (a `///` doc, or `#[graphql(desc = \"…\")]` on an argument):\n  {}",
        missing.len(),
        missing.join("\n  ")
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
fn an_operator_exports_and_erases_a_persons_data_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let create = [
        "user",
        "create",
        "--email",
        "leaving@example.com",
        "--name",
        "Lea Ving",
        "--role",
        "staff",
        "--password-stdin",
    ];
    let created = synaps_in(dir.path(), &create, "a long enough password\n");
    assert!(created.status.success(), "{created:?}");

    let export = synaps_in(
        dir.path(),
        &["user", "export", "--email", "Leaving@Example.com"],
        "",
    );
    assert!(export.status.success(), "{export:?}");
    let data: serde_json::Value = serde_json::from_slice(&export.stdout).expect("JSON on stdout");
    assert_eq!(data["profile"]["displayName"], "Lea Ving");

    let unconfirmed = synaps_in(
        dir.path(),
        &["user", "erase", "--email", "leaving@example.com"],
        "",
    );
    assert!(!unconfirmed.status.success());
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"));
    let nobody = synaps_in(
        dir.path(),
        &["user", "erase", "--email", "nobody@example.com", "--yes"],
        "",
    );
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("nobody has the email"));

    let erased = synaps_in(
        dir.path(),
        &["user", "erase", "--email", "leaving@example.com", "--yes"],
        "",
    );
    assert!(erased.status.success(), "{erased:?}");
    assert!(String::from_utf8_lossy(&erased.stdout).contains("@erased-"));
    let gone = synaps_in(
        dir.path(),
        &["user", "export", "--email", "leaving@example.com"],
        "",
    );
    assert!(!gone.status.success(), "the address is gone with the rest");
}

#[test]
fn search_reindex_rebuilds_the_index_from_the_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let create = [
        "user",
        "create",
        "--email",
        "indexed@example.com",
        "--name",
        "In Dexed",
        "--role",
        "staff",
        "--password-stdin",
    ];
    assert!(
        synaps_in(dir.path(), &create, "a long enough password\n")
            .status
            .success()
    );
    let reindexed = synaps_in(dir.path(), &["search", "reindex"], "");
    assert!(reindexed.status.success(), "{reindexed:?}");
    let out = String::from_utf8_lossy(&reindexed.stdout);
    assert!(out.starts_with("Indexed 1 things for search"), "{out}");
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

/// Runs `synaps ARGS` on the test app's database, off the async runtime
/// (the test's server keeps serving meanwhile).
async fn synaps_on(app: &TestApp, args: &[&str]) -> std::process::Output {
    let url = app.database_url().to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().expect("temp dir");
        Command::new(env!("CARGO_BIN_EXE_synaps"))
            .args(&args)
            .env("DATABASE_URL", url)
            .env("SYNAPS_DATA_DIR", dir.path())
            .env("SYNAPS_JWT_SECRET", TEST_SECRET)
            .env_remove("SYNAPS_ENV")
            .output()
            .expect("synaps runs")
    })
    .await
    .expect("synaps finishes")
}

/// One number from `sql` (a query written by the test).
async fn scalar(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("query")
        .expect("a row")
        .try_get_by_index::<i64>(0)
        .expect("a number")
}

const BENCH: [&str; 8] = [
    "seed",
    "--bench",
    "--staff",
    "30",
    "--channels",
    "4",
    "--messages",
    "500",
];

async fn seed_bench_loads_its_data_set_once(app: TestApp) {
    let before = app.table_counts().await;

    let seeded = synaps_on(&app, &BENCH).await;

    let stdout = String::from_utf8_lossy(&seeded.stdout);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    assert!(
        stdout.contains("seeded 30 staff, 4 channels, 500 messages in"),
        "{stdout}"
    );
    let after = app.table_counts().await;
    let added = |table: &str| after[table] - before[table];
    assert_eq!(added("users"), 30);
    assert_eq!(added("department_members"), 30);
    assert_eq!(added("channels"), 4);
    // Channels 2 and 4 link two departments.
    assert_eq!(added("channel_departments"), 6);
    assert_eq!(added("channel_members"), 30 * 4);
    assert_eq!(added("messages"), 500);
    assert!(
        (40..=250).contains(&added("message_reactions")),
        "{after:?}"
    );
    // A year of check-ins: 52 weeks × 30 people × about 80%, with zero to
    // two challenges each (one on average).
    let checkins = added("checkins");
    assert!((1_100..=1_400).contains(&checkins), "{checkins} check-ins");
    let challenges = added("checkin_challenges");
    assert!(
        (checkins * 8 / 10..=checkins * 12 / 10).contains(&challenges),
        "{challenges} challenges"
    );
    assert!(
        stdout.contains(&format!("{checkins} check-ins, {challenges} challenges")),
        "{stdout}"
    );
    let per_person_and_week = scalar(
        &app,
        "SELECT COUNT(*) FROM (SELECT user_id, week FROM checkins \
         GROUP BY user_id, week HAVING COUNT(*) > 1) AS twice",
    )
    .await;
    assert_eq!(per_person_and_week, 0);
    for untouched in [
        "departments",
        "notifications",
        "message_mentions",
        "sessions",
    ] {
        assert_eq!(added(untouched), 0, "{untouched}");
    }
    let replies = scalar(
        &app,
        "SELECT COUNT(*) FROM messages WHERE parent_id IS NOT NULL",
    )
    .await;
    assert!((20..=90).contains(&replies), "{replies} replies");
    let misplaced = scalar(
        &app,
        "SELECT COUNT(*) FROM messages r JOIN messages p ON p.id = r.parent_id \
         WHERE p.channel_id <> r.channel_id OR p.parent_id IS NOT NULL OR p.created_at >= r.created_at",
    )
    .await;
    assert_eq!(
        misplaced, 0,
        "replies answer earlier roots of their channel"
    );

    bench_person_reads_a_bench_channel(&app).await;

    let snapshot = app.snapshot().await;
    let again = synaps_on(&app, &BENCH).await;
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("bench data is already there"), "{stderr}");
    assert_eq!(
        app.snapshot().await,
        snapshot,
        "a refused seed wrote something"
    );
}
db_test!(seed_bench_loads_its_data_set_once);

/// The contract's names and shared password, through the API.
async fn bench_person_reads_a_bench_channel(app: &TestApp) {
    let login = app
        .login("bench-0030@bench.synaps.test", "synaps-bench-2026")
        .await;
    let token = login.data()["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        login.data()["login"]["user"]["handle"],
        "bench-0030",
        "{:?}",
        login.body
    );
    let channel = app
        .gql_with_token(
            Some(&token),
            "{ channel(slug: \"bench-004\") { name visibility memberCount viewerIsMember \
               departments { slug } messages(first: 20) { nodes { createdAt author { handle } } } } }",
            json!({}),
        )
        .await;
    let channel = &channel.data()["channel"];
    assert_eq!(channel["name"], "Bench channel 004");
    assert_eq!(channel["visibility"], "PUBLIC");
    assert_eq!(channel["memberCount"], 30);
    assert_eq!(channel["viewerIsMember"], true);
    assert_eq!(channel["departments"].as_array().map(Vec::len), Some(2));
    let messages = channel["messages"]["nodes"].as_array().expect("messages");
    assert!(!messages.is_empty());
    let times: Vec<&str> = messages
        .iter()
        .map(|m| m["createdAt"].as_str().expect("createdAt"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert!(
        messages.iter().all(|m| m["author"]["handle"]
            .as_str()
            .is_some_and(|h| h.starts_with("bench-00"))),
        "{messages:?}"
    );
}

/// A freshly migrated database has no departments: the bench seed makes
/// the standard five and spreads people over them round robin.
#[tokio::test]
async fn seed_bench_works_on_a_freshly_migrated_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(synaps_in(dir.path(), &["migrate"], "").status.success());

    let seeded = synaps_in(
        dir.path(),
        &[
            "seed",
            "--bench",
            "--staff",
            "7",
            "--channels",
            "2",
            "--messages",
            "50",
        ],
        "",
    );

    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let url = format!(
        "sqlite://{}?mode=ro",
        dir.path().join("synaps.db").display()
    );
    let db = sea_orm::Database::connect(&url).await.expect("connect");
    let rows = db
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT u.handle, d.slug FROM users u \
             JOIN department_members m ON m.user_id = u.id \
             JOIN departments d ON d.id = m.department_id ORDER BY u.handle",
        ))
        .await
        .expect("query");
    let people: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "handle").expect("handle"),
                r.try_get::<String>("", "slug").expect("slug"),
            )
        })
        .collect();
    let expected = [
        "marketing",
        "sales",
        "hr",
        "customer-service",
        "communications",
        "marketing",
        "sales",
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .enumerate()
        .map(|(i, slug)| (format!("bench-{:04}", i + 1), (*slug).to_owned()))
        .collect();
    assert_eq!(people, expected);
    db.close().await.ok();
}

#[test]
fn seed_needs_demo_or_bench_and_sizes_only_with_bench() {
    let dir = tempfile::tempdir().expect("temp dir");
    let neither = synaps_in(dir.path(), &["seed"], "");
    let both = synaps_in(dir.path(), &["seed", "--demo", "--bench"], "");
    let sizes_for_demo = synaps_in(dir.path(), &["seed", "--demo", "--staff", "5"], "");
    for refused in [neither, both, sizes_for_demo] {
        assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    }
}

const CHANNEL_MESSAGES: &str = "query($slug: String!) { channel(slug: $slug) { messages(first: 50) { nodes { body replyCount author { handle } mentions { handle } reactions { code count } } } } }";

async fn seed_demo_fills_the_channels_with_conversations(app: TestApp) {
    let seeded = synaps_on(&app, &["seed", "--demo"]).await;
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    for slug in [
        "spring-launch",
        "onboarding",
        "announcements",
        "renewals-escalations",
    ] {
        let page = app
            .gql(Some(app.staff()), CHANNEL_MESSAGES, json!({ "slug": slug }))
            .await;
        let roots = page.data()["channel"]["messages"]["nodes"]
            .as_array()
            .expect("messages")
            .clone();
        assert!(!roots.is_empty(), "#{slug} has no messages");
        let threads = roots.iter().filter(|m| m["replyCount"].as_i64() > Some(0));
        assert!(threads.count() >= 1, "#{slug} has no thread: {roots:?}");
        let reacted = roots.iter().filter(|m| has_items(&m["reactions"]));
        assert!(reacted.count() >= 1, "#{slug} has no reactions: {roots:?}");
    }
    // Emma was mentioned in #spring-launch and told so.
    let login = app.login("emma@example.com", "synaps-demo-2026").await;
    let token = login.data()["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let notifications = app
        .gql_with_token(
            Some(&token),
            "{ notifications(first: 50) { edges { node { kind } } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&Value> = notifications.data()["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"]["kind"])
        .collect();
    assert!(kinds.iter().any(|k| *k == "MENTION"), "{kinds:?}");
}
db_test!(seed_demo_fills_the_channels_with_conversations);

fn has_items(value: &Value) -> bool {
    value.as_array().is_some_and(|a| !a.is_empty())
}

/// The demo company is big enough for analytics (nine people per
/// department, above the minimum group of five) and has a month of the
/// weekly round, with time zones, time away and holidays.
async fn seed_demo_grows_the_company_and_its_round(app: TestApp) {
    let seeded = synaps_on(&app, &["seed", "--demo"]).await;
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    // Nine demo people in each department (the test's own four actors
    // are left out).
    for slug in [
        "marketing",
        "sales",
        "hr",
        "customer-service",
        "communications",
    ] {
        let members = scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM department_members m \
                 JOIN departments d ON d.id = m.department_id \
                 JOIN users u ON u.id = m.user_id \
                 WHERE d.slug = '{slug}' \
                 AND u.handle NOT IN ('stella', 'magnus', 'corinna', 'adam')"
            ),
        )
        .await;
        assert_eq!(members, 9, "{slug}");
    }
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM users WHERE time_zone IS NULL").await,
        0
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE time_zone = 'Asia/Tokyo'"
        )
        .await,
        2
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM away_periods").await, 3);
    assert!(scalar(&app, "SELECT COUNT(*) FROM holidays").await >= 4);

    // The last four weeks: most of the 39 people who are not
    // administrators (plus up to three of the test's actors) checked in;
    // the current week is under way.
    let now = chrono::Utc::now();
    let mut week = synaps::domain::round::week::Week::current(chrono_tz::UTC, now);
    let this_week = week.to_string();
    let current = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM checkins WHERE week = '{this_week}'"),
    )
    .await;
    assert!((8..=34).contains(&current), "{current} this week");
    for back in 1..=4 {
        week = week.previous();
        let count = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM checkins WHERE week = '{week}'"),
        )
        .await;
        assert!(
            (25..=42).contains(&count),
            "{count} check-ins {back} weeks ago"
        );
    }
    // Hannah is away this week: no check-in; Noah was away two weeks ago.
    let two_weeks_ago = week.next().next().to_string();
    for (handle, week) in [("hannah", &this_week), ("noah", &two_weeks_ago)] {
        let none = scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM checkins c JOIN users u ON u.id = c.user_id \
                 WHERE u.handle = '{handle}' AND c.week = '{week}'"
            ),
        )
        .await;
        assert_eq!(none, 0, "{handle} in {week}");
    }
    let addressed = scalar(
        &app,
        "SELECT COUNT(*) FROM checkin_challenges WHERE department_id IS NOT NULL",
    )
    .await;
    assert!(addressed >= 10, "{addressed} addressed challenges");
    // Three went through submitCheckin's routing; Mia and Oskar answered two.
    let routed = scalar(
        &app,
        "SELECT COUNT(*) FROM checkin_challenges WHERE thread_message_id IS NOT NULL",
    )
    .await;
    assert_eq!(routed, 3);
    let answered = scalar(
        &app,
        "SELECT COUNT(*) FROM checkin_challenges c JOIN users u ON u.id = c.answered_by \
         WHERE u.handle IN ('mia', 'oskar') AND c.answered_at IS NOT NULL",
    )
    .await;
    assert_eq!(answered, 2);

    // One of the people who joined signs in with the demo password.
    let login = app.login("kenji@example.com", "synaps-demo-2026").await;
    assert_eq!(login.data()["login"]["user"]["handle"], "kenji");

    // The past weeks are not suppressed for a manager: every one of Sales'
    // ten people (nine of the demo and Magnus, the test's manager) was
    // active in each.
    let sales = app.department_id("sales").await;
    let four_weeks_ago = week.monday().to_string();
    let this_monday = week.next().next().next().next().monday().to_string();
    let activity = app
        .gql(
            Some(app.manager()),
            "query($d: ID!, $from: NaiveDate!, $to: NaiveDate!) { departmentActivity(department: $d, from: $from, to: $to, bucket: WEEK) { activePeople { value suppressed } } }",
            json!({ "d": sales, "from": four_weeks_ago, "to": this_monday }),
        )
        .await;
    assert_eq!(
        activity.data()["departmentActivity"],
        json!([
            { "activePeople": { "value": 10, "suppressed": false } },
            { "activePeople": { "value": 10, "suppressed": false } },
            { "activePeople": { "value": 10, "suppressed": false } },
            { "activePeople": { "value": 10, "suppressed": false } },
        ])
    );
}
db_test!(seed_demo_grows_the_company_and_its_round);
