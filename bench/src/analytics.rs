//! `analytics`: what the managers' figures cost. Three scenarios, each
//! through GraphQL (which reads the rollups) and then as the naive SQL a
//! server without rollups would run (GROUP BY over `messages` and
//! `message_reactions` for the same figures), with the same workers and
//! duration:
//!
//! - `synapses` over the last 30 days (and the 30 before, for the change);
//! - `synapses` over the last 365 days (and the 365 before);
//! - `departmentActivity` of a random department over the last year, by
//!   ISO week.
//!
//! The GraphQL phases sign in as `--email` (a comms or admin account: the
//! bench data's people are staff, who may not read analytics).

use std::sync::Arc;

use anyhow::Context;
use chrono::{Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::graphql::Client;
use crate::raw::Db;
use crate::stats::{self, Failure, Run, Worker};
use crate::{Load, Target, graphql};

const SYNAPSES: &str = "query Synapses($from: NaiveDate!, $to: NaiveDate!) {
  synapses(from: $from, to: $to) {
    departments { slug }
    sharedChannels
    messages { value change suppressed }
    replies { value change }
    reactions { value change }
    people { value change }
    questionsAsked { value change }
    answeredShare { value change }
    medianSecondsToFirstAnswer { value change }
    p90SecondsToFirstAnswer { value change }
  }
}";

const ACTIVITY: &str = "query Activity($department: ID!, $from: NaiveDate!, $to: NaiveDate!) {
  departmentActivity(department: $department, from: $from, to: $to, bucket: WEEK) {
    from
    messages { value }
    replies { value }
    reactions { value }
    activePeople { value }
    checkins { value }
    participation { value }
  }
}";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub load: Load,
}

/// Which figures a worker asks for.
#[derive(Clone, Copy)]
enum Scenario {
    Synapses { days: i64 },
    Activity,
}

impl Scenario {
    fn title(self) -> String {
        match self {
            Scenario::Synapses { days } => format!("synapses over {days} days"),
            Scenario::Activity => "departmentActivity over 365 days by week".to_owned(),
        }
    }

    /// `[from, to)`: the last `days` UTC days, today included.
    fn range(self) -> (NaiveDate, NaiveDate) {
        let to = Utc::now().date_naive() + Duration::days(1);
        let days = match self {
            Scenario::Synapses { days } => days,
            Scenario::Activity => 365,
        };
        (to - Duration::days(days), to)
    }
}

#[derive(Deserialize)]
struct SynapsesData {
    synapses: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct ActivityData {
    #[serde(rename = "departmentActivity")]
    department_activity: Vec<IgnoredAny>,
}

struct GraphqlWorker {
    client: Client,
    token: Arc<str>,
    scenario: Scenario,
    departments: Arc<[String]>,
    rng: StdRng,
}

impl Worker for GraphqlWorker {
    async fn step(&mut self) -> Result<u64, Failure> {
        let (from, to) = self.scenario.range();
        let range = json!({ "from": from.to_string(), "to": to.to_string() });
        match self.scenario {
            Scenario::Synapses { .. } => {
                let data: SynapsesData = self
                    .client
                    .execute_as(Some(&self.token), SYNAPSES, range)
                    .await?;
                Ok(data.synapses.len() as u64)
            }
            Scenario::Activity => {
                let department =
                    &self.departments[self.rng.random_range(0..self.departments.len())];
                let mut variables = range;
                variables["department"] = json!(department);
                let data: ActivityData = self
                    .client
                    .execute_as(Some(&self.token), ACTIVITY, variables)
                    .await?;
                Ok(data.department_activity.len() as u64)
            }
        }
    }
}

struct RawWorker {
    db: Arc<Db>,
    scenario: Scenario,
    departments: Arc<[Uuid]>,
    rng: StdRng,
}

impl Worker for RawWorker {
    async fn step(&mut self) -> Result<u64, Failure> {
        let (from, to) = self.scenario.range();
        match self.scenario {
            Scenario::Synapses { days } => {
                // The period and the one before it, as `synapses` reports.
                let before = from - Duration::days(days);
                let now = naive_synapses(&self.db, from, to).await?;
                naive_synapses(&self.db, before, from).await?;
                Ok(now)
            }
            Scenario::Activity => {
                let department = self.departments[self.rng.random_range(0..self.departments.len())];
                naive_activity(&self.db, department, from, to).await
            }
        }
    }
}

/// The UTC midnight of `day`, as both drivers bind it.
fn midnight(day: NaiveDate) -> chrono::DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Crossing messages and replies with their people, crossing reactions,
/// and each question's first answer by the other side, per ordered pair,
/// straight from the raw tables (current memberships and links).
const NAIVE_MESSAGES: &str = "SELECT dm.department_id AS from_id, cd.department_id AS to_id, \
     SUM(CASE WHEN m.parent_id IS NULL THEN 1 ELSE 0 END) AS roots, \
     SUM(CASE WHEN m.parent_id IS NULL THEN 0 ELSE 1 END) AS replies, \
     COUNT(DISTINCT m.author_id) AS people \
     FROM messages m JOIN department_members dm ON dm.user_id = m.author_id \
     JOIN channel_departments cd ON cd.channel_id = m.channel_id AND cd.department_id <> dm.department_id \
     WHERE m.created_at >= $1 AND m.created_at < $2 GROUP BY 1, 2";

const NAIVE_REACTIONS: &str = "SELECT dm.department_id AS from_id, cd.department_id AS to_id, \
     COUNT(*) AS reactions, COUNT(DISTINCT r.user_id) AS people \
     FROM message_reactions r JOIN messages m ON m.id = r.message_id \
     JOIN department_members dm ON dm.user_id = r.user_id \
     JOIN channel_departments cd ON cd.channel_id = m.channel_id AND cd.department_id <> dm.department_id \
     WHERE r.created_at >= $1 AND r.created_at < $2 GROUP BY 1, 2";

const NAIVE_ANSWERS: &str = "SELECT dm.department_id AS from_id, cd.department_id AS to_id, q.id, \
     q.created_at AS asked_at, MIN(a.created_at) AS answered_at \
     FROM messages q JOIN department_members dm ON dm.user_id = q.author_id \
     JOIN channel_departments cd ON cd.channel_id = q.channel_id AND cd.department_id <> dm.department_id \
     LEFT JOIN messages a ON a.parent_id = q.id AND a.author_id <> q.author_id \
       AND EXISTS (SELECT 1 FROM department_members am WHERE am.user_id = a.author_id \
                   AND am.department_id = cd.department_id) \
     WHERE q.parent_id IS NULL AND q.created_at >= $1 AND q.created_at < $2 \
     GROUP BY 1, 2, 3, 4";

async fn naive_synapses(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<u64, Failure> {
    let (from, to) = (midnight(from), midnight(to));
    let mut rows = 0;
    for sql in [NAIVE_MESSAGES, NAIVE_REACTIONS, NAIVE_ANSWERS] {
        rows += match db {
            Db::Postgres(pool) => sqlx::query(sql)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
                .len(),
            Db::Sqlite(pool) => sqlx::query(sql)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
                .len(),
        };
    }
    Ok(rows as u64)
}

async fn naive_activity(
    db: &Db,
    department: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<u64, Failure> {
    let (from, to) = (midnight(from), midnight(to));
    let week = |at: &str| match db {
        Db::Postgres(_) => format!("CAST(date_trunc('week', {at} AT TIME ZONE 'UTC') AS date)"),
        Db::Sqlite(_) => format!("date(substr({at}, 1, 10), '-6 days', 'weekday 1')"),
    };
    let messages = format!(
        "SELECT {w} AS week, SUM(CASE WHEN m.parent_id IS NULL THEN 1 ELSE 0 END) AS roots, \
         SUM(CASE WHEN m.parent_id IS NULL THEN 0 ELSE 1 END) AS replies, \
         COUNT(DISTINCT m.author_id) AS people \
         FROM messages m JOIN department_members dm ON dm.user_id = m.author_id AND dm.department_id = $1 \
         WHERE m.created_at >= $2 AND m.created_at < $3 GROUP BY 1",
        w = week("m.created_at")
    );
    let reactions = format!(
        "SELECT {w} AS week, COUNT(*) AS reactions \
         FROM message_reactions r JOIN department_members dm ON dm.user_id = r.user_id AND dm.department_id = $1 \
         WHERE r.created_at >= $2 AND r.created_at < $3 GROUP BY 1",
        w = week("r.created_at")
    );
    let mut weeks = 0;
    for sql in [messages, reactions] {
        let n = match db {
            Db::Postgres(pool) => sqlx::query(AssertSqlSafe(sql))
                .bind(department)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
                .len(),
            Db::Sqlite(pool) => sqlx::query(AssertSqlSafe(sql))
                .bind(department)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
                .len(),
        };
        weeks = weeks.max(n);
    }
    Ok(weeks as u64)
}

async fn department_ids(db: &Db) -> anyhow::Result<Vec<Uuid>> {
    let sql = "SELECT id FROM departments ORDER BY slug";
    let rows = match db {
        Db::Postgres(pool) => sqlx::query(sql)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get::<Uuid, _>("id"))
            .collect::<Result<Vec<_>, _>>()?,
        Db::Sqlite(pool) => sqlx::query(sql)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get::<Uuid, _>("id"))
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(rows)
}

#[derive(Deserialize)]
struct Departments {
    departments: DepartmentNodes,
}

#[derive(Deserialize)]
struct DepartmentNodes {
    nodes: Vec<DepartmentNode>,
}

#[derive(Deserialize)]
struct DepartmentNode {
    id: String,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let target = &args.target;
    let load = &args.load;
    let concurrency = load.workers();
    let email = target.email(1);
    let db = load.database().await?;
    let client = target.client(concurrency)?;
    let token: Arc<str> =
        graphql::login_all(&client, std::slice::from_ref(&email), &target.password, 1)
            .await?
            .into_iter()
            .next()
            .context("no token")?
            .into();
    let departments: Departments = client
        .execute_as(
            Some(&token),
            "{ departments(first: 100) { nodes { id } } }",
            json!({}),
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot list the departments: {e}"))?;
    let global: Arc<[String]> = departments
        .departments
        .nodes
        .into_iter()
        .map(|d| d.id)
        .collect();
    anyhow::ensure!(!global.is_empty(), "no departments");
    let raw_departments: Option<Arc<[Uuid]>> = match &db {
        Some(db) => Some(department_ids(db).await?.into()),
        None => None,
    };
    println!(
        "analytics: as {email}; {concurrency} workers; each phase {} s warm-up, then {} s measured",
        load.warmup,
        load.duration().as_secs()
    );
    // The server's analytics cache decides what the GraphQL phases measure.
    println!(
        "analytics: the GraphQL phases go through the server's analytics cache as it is \
         configured (SYNAPS_ANALYTICS_CACHE_SECONDS, 60 by default); start the server with \
         SYNAPS_ANALYTICS_CACHE_SECONDS=0 and run again for the uncached figures"
    );
    for scenario in [
        Scenario::Synapses { days: 30 },
        Scenario::Synapses { days: 365 },
        Scenario::Activity,
    ] {
        let workers = (0..concurrency)
            .map(|w| GraphqlWorker {
                client: client.clone(),
                token: token.clone(),
                scenario,
                departments: global.clone(),
                rng: StdRng::seed_from_u64(target.seed.wrapping_add(w as u64)),
            })
            .collect();
        let mut graphql: Run =
            stats::drive(workers, load.warmup(), load.duration(), load.pid).await?;
        graphql.print(&format!(
            "{} via GraphQL (rollups, the server's cache)",
            scenario.title()
        ));
        let (Some(db), Some(departments)) = (&db, &raw_departments) else {
            continue;
        };
        let workers = (0..concurrency)
            .map(|w| RawWorker {
                db: db.clone(),
                scenario,
                departments: departments.clone(),
                rng: StdRng::seed_from_u64(target.seed.wrapping_add(w as u64)),
            })
            .collect();
        let mut raw: Run = stats::drive(workers, load.warmup(), load.duration(), None).await?;
        raw.print(&format!(
            "{} via naive SQL (GROUP BY over messages and reactions)",
            scenario.title()
        ));
        stats::print_ratio(&graphql, &raw);
    }
    if let Some(db) = db {
        db.close().await;
    }
    Ok(())
}
