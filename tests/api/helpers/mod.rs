//! The integration-test harness: a real synaps on an ephemeral port, on a
//! fresh SQLite file or a fresh PostgreSQL database, with one signed-in actor
//! per role.
//!
//! Write a test as `async fn name(app: TestApp)` and register it with
//! `db_test!(name);` — that makes `name::sqlite` and `name::postgres`. The
//! PostgreSQL case needs `SYNAPS_TEST_POSTGRES_URL`; without it, it says
//! loudly that it was skipped.

pub mod channels;
mod database;
mod directory;
mod domain;
mod gql;
pub mod posts;
pub mod ws;

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use synaps::app::App;
use synaps::auth::Role;
use synaps::config::{Config, PasswordConfig};
use synaps::domain::people::{self, NewPerson};
use tokio::sync::oneshot;

pub use database::{Backend, with_database};
pub use directory::{missing_department_id, missing_user_id, role_value};
pub use gql::{GqlResponse, nested_query, nested_selection};

/// Registers `async fn $name(app: TestApp)` as a test on both backends;
/// `db_test!(name, with = configure)` first applies
/// `fn configure(&mut Config)` to the server's configuration.
#[macro_export]
macro_rules! db_test {
    ($name:ident, with = $configure:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::run_with(
                    $crate::helpers::Backend::Sqlite,
                    super::$configure,
                    super::$name,
                )
                .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::helpers::run_with(
                    $crate::helpers::Backend::Postgres,
                    super::$configure,
                    super::$name,
                )
                .await;
            }
        }
    };
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::run($crate::helpers::Backend::Sqlite, super::$name).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::helpers::run($crate::helpers::Backend::Postgres, super::$name).await;
            }
        }
    };
}

/// The password every actor has.
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in person.
#[derive(Clone, Debug)]
pub struct Actor {
    pub role: Role,
    /// Global id, as the API hands it out.
    pub id: String,
    pub email: String,
    pub handle: String,
    pub token: String,
    pub refresh_token: String,
}

/// A running synaps and a way to talk to it.
#[derive(Clone)]
pub struct TestApp {
    pub address: String,
    /// Which database this run is on, for the rare expectation that differs.
    #[allow(dead_code)]
    pub backend: Backend,
    pub client: reqwest::Client,
    /// A connection of the test's own, for arranging and asserting.
    pub db: DatabaseConnection,
    pub config: Config,
    /// SQL statements the server has run for requests (not its background
    /// jobs), for the statement-count tests.
    pub statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
    staff: Actor,
    manager: Actor,
    comms: Actor,
    admin: Actor,
    server: Server,
}

/// The running server task and the switch that stops it.
#[derive(Clone)]
struct Server {
    stop: std::sync::Arc<std::sync::Mutex<Option<oneshot::Sender<()>>>>,
    task: std::sync::Arc<tokio::sync::Mutex<Option<tokio::task::JoinHandle<anyhow::Result<()>>>>>,
}

/// Runs `test` against a fresh app on `backend`, and cleans up afterwards
/// even when the test panics.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(backend, |_| {}, test).await;
}

/// Like [`run`], with the configuration adjusted first (limits, lifetimes).
pub async fn run_with<F, Fut>(backend: Backend, configure: impl FnOnce(&mut Config), test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(database) = database::TestDatabase::create(backend).await else {
        return;
    };
    let app = TestApp::start(backend, &database, configure).await;
    let outcome = AssertUnwindSafe(test(app.clone())).catch_unwind().await;
    app.stop_server().await;
    app.db.clone().close().await.ok();
    database.drop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The configuration tests run with: cheap password hashing (the production
/// cost is a property of the config, tested in unit tests), a fixed secret.
pub fn test_config(database_url: &str, data_dir: &std::path::Path) -> Config {
    let mut config = Config {
        database_url: database_url.to_owned(),
        data_dir: data_dir.to_owned(),
        db_pool_size: 5,
        // Scheduled posts publish within a fraction of a second in tests.
        scheduler_interval_ms: 100,
        passwords: PasswordConfig {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        ..Config::default()
    };
    config.jwt.secret = TEST_SECRET.to_owned();
    // Monday reminders would land in every test's notifications (and
    // between its snapshots); tests/api/reminders.rs turns them on.
    config.round.reminder_time = String::new();
    // Tests post dozens of messages within a second; the rate limit has its
    // own tests, which lower this.
    config.limits.content_per_minute = 100_000;
    // Figures exact at every read; tests/api/analytics.rs turns the cache
    // on for its own test.
    config.analytics_cache_seconds = 0;
    config
}

pub const TEST_SECRET: &str = "test-secret-that-is-long-enough-for-hs256!";

impl TestApp {
    async fn start(
        backend: Backend,
        database: &database::TestDatabase,
        configure: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = test_config(&database.url, database.dir.path());
        configure(&mut config);
        let statements = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let app = App::build_counting(config.clone(), true, Some(statements.clone()))
            .await
            .expect("app builds");
        synaps::seed::seed_departments(&app.state.db)
            .await
            .expect("departments seed");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let state = app.state.clone();
        let task = tokio::spawn(app.serve(listener, async {
            let _ = stopped.await;
        }));

        let db = synaps::db::connect(&database.url, 3)
            .await
            .expect("test connection");
        let client = reqwest::Client::new();
        let mut actors = Vec::new();
        for (role, handle, department) in [
            (Role::Staff, "stella", "customer-service"),
            (Role::Manager, "magnus", "sales"),
            (Role::Comms, "corinna", "communications"),
            (Role::Admin, "adam", "hr"),
        ] {
            let email = format!("{handle}@example.com");
            people::create_unchecked(
                &state.db,
                &state.auth,
                NewPerson {
                    email: email.clone(),
                    display_name: format!("{} Tester", capitalize(handle)),
                    handle: Some(handle.to_owned()),
                    title: None,
                    role,
                    departments: vec![department.to_owned()],
                    password: PASSWORD.to_owned(),
                },
            )
            .await
            .expect("actor created");
            let session = login_with(&client, &address, &email, PASSWORD).await;
            actors.push(Actor {
                role,
                id: session["user"]["id"].as_str().expect("id").to_owned(),
                email,
                handle: handle.to_owned(),
                token: session["accessToken"].as_str().expect("token").to_owned(),
                refresh_token: session["refreshToken"]
                    .as_str()
                    .expect("refresh")
                    .to_owned(),
            });
        }
        let [staff, manager, comms, admin] = <[Actor; 4]>::try_from(actors).expect("four actors");
        TestApp {
            address,
            backend,
            client,
            db,
            config,
            statements,
            staff,
            manager,
            comms,
            admin,
            server: Server {
                stop: std::sync::Arc::new(std::sync::Mutex::new(Some(stop))),
                task: std::sync::Arc::new(tokio::sync::Mutex::new(Some(task))),
            },
        }
    }

    pub fn staff(&self) -> &Actor {
        &self.staff
    }
    pub fn manager(&self) -> &Actor {
        &self.manager
    }
    pub fn comms(&self) -> &Actor {
        &self.comms
    }
    pub fn admin(&self) -> &Actor {
        &self.admin
    }

    /// The actor with `role`, or `None` for an anonymous caller.
    pub fn actor(&self, role: Option<Role>) -> Option<&Actor> {
        match role? {
            Role::Staff => Some(&self.staff),
            Role::Manager => Some(&self.manager),
            Role::Comms => Some(&self.comms),
            Role::Admin => Some(&self.admin),
        }
    }

    /// The database this app runs on, for a second server process.
    pub fn database_url(&self) -> &str {
        &self.config.database_url
    }

    /// Shuts the server down as SIGTERM would, and waits until it has
    /// stopped (at most 10 s). Later calls do nothing.
    pub async fn stop_server(&self) {
        if let Some(stop) = self.server.stop.lock().expect("stop switch").take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.server.task.lock().await.take() {
            let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
            if stopped.is_err() {
                eprintln!("warning: the server did not stop within 10 s");
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Runs a GraphQL operation as `actor` (anonymous when `None`).
    pub async fn gql(&self, actor: Option<&Actor>, query: &str, variables: Value) -> GqlResponse {
        self.gql_with_token(actor.map(|a| a.token.as_str()), query, variables)
            .await
    }

    /// Runs a GraphQL operation with a raw bearer token.
    pub async fn gql_with_token(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> GqlResponse {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        GqlResponse::from(request.send().await.expect("request sent")).await
    }

    /// Signs in through the API; returns the `login` payload.
    pub async fn login(&self, email: &str, password: &str) -> GqlResponse {
        self.gql(
            None,
            "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken expiresAt user { id handle } } }",
            json!({ "input": { "email": email, "password": password } }),
        )
        .await
    }

    /// Exchanges a refresh token through the API; returns the response.
    pub async fn refresh_session(&self, refresh_token: &str) -> GqlResponse {
        self.gql(
            None,
            "mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { accessToken refreshToken expiresAt user { id handle } } }",
            json!({ "input": { "refreshToken": refresh_token } }),
        )
        .await
    }

    /// How many rows `table` holds (a table name from the test, never input).
    pub async fn count_rows(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("n")
    }

    /// Row counts of every table synaps owns, to assert "nothing changed".
    pub async fn table_counts(&self) -> BTreeMap<String, i64> {
        let mut counts = BTreeMap::new();
        for table in [
            "departments",
            "users",
            "department_members",
            "sessions",
            "refresh_tokens",
            "guest_posts",
            "post_revisions",
            "review_events",
            "notifications",
            "channels",
            "channel_departments",
            "channel_members",
            "messages",
            "message_mentions",
            "message_reactions",
            "thread_follows",
            "channel_mutes",
            "channel_reads",
            "content_counts",
            "checkins",
            "checkin_challenges",
            "checkin_reactions",
            "checkin_comments",
            "checkin_reminders",
            "digest_claims",
            "away_periods",
            "holidays",
            "analytics_member_spans",
            "analytics_link_spans",
            "analytics_pair_days",
            "analytics_pair_people",
            "analytics_department_days",
            "analytics_department_people",
            "analytics_questions",
        ] {
            counts.insert(table.to_owned(), self.count_rows(table).await);
        }
        counts
    }

    /// A fingerprint of every user, department, guest post, revision, review
    /// event, notification, channel, channel link and channel membership row
    /// (and the row counts), to assert that a refused mutation changed
    /// nothing at all.
    pub async fn snapshot(&self) -> String {
        // Posts wait in a queue for the analytics rollups, which the
        // scheduler empties whenever it ticks: fold them first, so that a
        // tick between two snapshots changes nothing.
        synaps::domain::analytics::record::fold(&self.db)
            .await
            .expect("fold the analytics queue");
        use sea_orm::{EntityTrait, QueryOrder};
        use synaps::entities::{
            channel_departments, channel_members, channel_mutes, channels, content_counts,
            departments, guest_posts, message_mentions, message_reactions, messages, notifications,
            post_revisions, review_events, thread_follows, users,
        };
        let users = users::Entity::find()
            .order_by_asc(users::Column::Email)
            .all(&self.db)
            .await
            .expect("users");
        let departments = departments::Entity::find()
            .order_by_asc(departments::Column::Slug)
            .all(&self.db)
            .await
            .expect("departments");
        let posts = guest_posts::Entity::find()
            .order_by_asc(guest_posts::Column::Id)
            .all(&self.db)
            .await
            .expect("guest posts");
        let revisions = post_revisions::Entity::find()
            .order_by_asc(post_revisions::Column::Id)
            .all(&self.db)
            .await
            .expect("post revisions");
        let events = review_events::Entity::find()
            .order_by_asc(review_events::Column::Id)
            .all(&self.db)
            .await
            .expect("review events");
        let notifications = notifications::Entity::find()
            .order_by_asc(notifications::Column::Id)
            .all(&self.db)
            .await
            .expect("notifications");
        let channels = channels::Entity::find()
            .order_by_asc(channels::Column::Id)
            .all(&self.db)
            .await
            .expect("channels");
        let channel_departments = channel_departments::Entity::find()
            .order_by_asc(channel_departments::Column::ChannelId)
            .order_by_asc(channel_departments::Column::DepartmentId)
            .all(&self.db)
            .await
            .expect("channel departments");
        let channel_members = channel_members::Entity::find()
            .order_by_asc(channel_members::Column::ChannelId)
            .order_by_asc(channel_members::Column::UserId)
            .all(&self.db)
            .await
            .expect("channel members");
        let messages = messages::Entity::find()
            .order_by_asc(messages::Column::Id)
            .all(&self.db)
            .await
            .expect("messages");
        let mentions = message_mentions::Entity::find()
            .order_by_asc(message_mentions::Column::MessageId)
            .order_by_asc(message_mentions::Column::UserId)
            .all(&self.db)
            .await
            .expect("mentions");
        let reactions = message_reactions::Entity::find()
            .order_by_asc(message_reactions::Column::MessageId)
            .order_by_asc(message_reactions::Column::Code)
            .order_by_asc(message_reactions::Column::UserId)
            .all(&self.db)
            .await
            .expect("reactions");
        let follows = thread_follows::Entity::find()
            .order_by_asc(thread_follows::Column::MessageId)
            .order_by_asc(thread_follows::Column::UserId)
            .all(&self.db)
            .await
            .expect("follows");
        let mutes = channel_mutes::Entity::find()
            .order_by_asc(channel_mutes::Column::ChannelId)
            .order_by_asc(channel_mutes::Column::UserId)
            .all(&self.db)
            .await
            .expect("mutes");
        // The rate limit's counts: a refused write must not count.
        let counts = content_counts::Entity::find()
            .order_by_asc(content_counts::Column::AuthorId)
            .order_by_asc(content_counts::Column::Slot)
            .all(&self.db)
            .await
            .expect("content counts");
        let round = self.round_rows().await;
        format!(
            "{round}\n{users:?}\n{departments:?}\n{posts:?}\n{revisions:?}\n{events:?}\n{notifications:?}\n{channels:?}\n{channel_departments:?}\n{channel_members:?}\n{messages:?}\n{mentions:?}\n{reactions:?}\n{follows:?}\n{mutes:?}\n{counts:?}\n{:?}",
            self.table_counts().await
        )
    }

    /// Every row of the weekly round's tables, in a stable order.
    async fn round_rows(&self) -> String {
        use sea_orm::{EntityTrait, QueryOrder};
        use synaps::entities::{
            away_periods, checkin_challenges, checkin_comments, checkin_reactions,
            checkin_reminders, checkins, holidays,
        };
        let checkins = checkins::Entity::find()
            .order_by_asc(checkins::Column::Id)
            .all(&self.db)
            .await
            .expect("checkins");
        let challenges = checkin_challenges::Entity::find()
            .order_by_asc(checkin_challenges::Column::Id)
            .all(&self.db)
            .await
            .expect("challenges");
        let reactions = checkin_reactions::Entity::find()
            .order_by_asc(checkin_reactions::Column::CheckinId)
            .order_by_asc(checkin_reactions::Column::Code)
            .order_by_asc(checkin_reactions::Column::UserId)
            .all(&self.db)
            .await
            .expect("checkin reactions");
        let comments = checkin_comments::Entity::find()
            .order_by_asc(checkin_comments::Column::Id)
            .all(&self.db)
            .await
            .expect("checkin comments");
        let reminders = checkin_reminders::Entity::find()
            .order_by_asc(checkin_reminders::Column::UserId)
            .order_by_asc(checkin_reminders::Column::Week)
            .all(&self.db)
            .await
            .expect("reminders");
        let away = away_periods::Entity::find()
            .order_by_asc(away_periods::Column::Id)
            .all(&self.db)
            .await
            .expect("away periods");
        let holidays = holidays::Entity::find()
            .order_by_asc(holidays::Column::Id)
            .all(&self.db)
            .await
            .expect("holidays");
        format!(
            "{checkins:?}\n{challenges:?}\n{reactions:?}\n{comments:?}\n{reminders:?}\n{away:?}\n{holidays:?}"
        )
    }
}

async fn login_with(client: &reqwest::Client, address: &str, email: &str, password: &str) -> Value {
    let body: Value = client
        .post(format!("{address}/graphql"))
        .json(&json!({
            "query": "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id } } }",
            "variables": { "input": { "email": email, "password": password } }
        }))
        .send()
        .await
        .expect("login sent")
        .json()
        .await
        .expect("login json");
    assert!(body["errors"].is_null(), "login failed: {body}");
    body["data"]["login"].clone()
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}
