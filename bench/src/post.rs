//! `post`: what writing a message costs. Workers post to random bench
//! channels through `postMessage`, rotating through many signed-in users so
//! that none exceeds the server's per-user limit (60 messages a minute);
//! then, with the same workers and duration, the bare INSERT of the same row
//! straight into the database. The ratio is what a post costs on top of its
//! row: authentication, access checks, mentions, notifications, the event
//! for subscribers and the transaction around them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use uuid::Uuid;

use crate::graphql::Client;
use crate::raw::Db;
use crate::stats::{self, Failure, Worker};
use crate::{Load, Target, graphql};

const POST: &str = "mutation Post($input: PostMessageInput!) {
  postMessage(input: $input) { message { id createdAt } }
}";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub load: Load,
    #[command(flatten)]
    pub posters: Posters,
}

/// Who posts: the bench users signed in and rotated through within the
/// server's rate limit (`post` and `soak`).
#[derive(clap::Args)]
pub struct Posters {
    /// Bench users to sign in and rotate through: together they may post
    /// `users × per-user-limit` messages a window (1,000 × 60 in 71 s: 845
    /// a second, above what 16 posters manage here, so the limit never
    /// paces the load; with 400 the soak's posters spent every budget
    /// within its first minute and then posted in bursts).
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    /// The first bench user to sign in (1-based). The server's count of a
    /// user's posts outlives a run: a run within a minute of another that
    /// used the same users starts with their budgets spent, so start the
    /// next one past them (e.g. `--first-user 1001`) or wait a minute.
    #[arg(long, default_value_t = 1)]
    pub first_user: usize,
    /// Logins at a time (each costs the server an argon2 hash).
    #[arg(long, default_value_t = 8)]
    pub login_concurrency: usize,
    /// Posts one user may make in any `window-secs` seconds; the server
    /// allows 60 a minute.
    #[arg(long, default_value_t = 60)]
    pub per_user_limit: usize,
    /// The rate-limit window the bench keeps to. The server counts whole
    /// 10-second slots, so its minute may reach 70 s back
    /// (`src/domain/rate_limit.rs`); a second more for network jitter.
    #[arg(long, default_value_t = 71)]
    pub window_secs: u64,
}

/// Which user posts next, and when it may: round-robin over the users,
/// each allowed `limit` posts in any `window`. Round-robin with equal
/// limits means the user at the front is always the one free soonest.
pub(crate) struct Budget {
    users: Mutex<VecDeque<(usize, VecDeque<Instant>)>>,
    limit: usize,
    window: Duration,
    /// Microseconds workers spent waiting for a user with budget left.
    waited_us: AtomicU64,
}

impl Budget {
    pub(crate) fn new(users: usize, limit: usize, window: Duration) -> Budget {
        Budget {
            users: Mutex::new((0..users).map(|u| (u, VecDeque::new())).collect()),
            limit: limit.max(1),
            window,
            waited_us: AtomicU64::new(0),
        }
    }

    /// The next user, and the moment it may post (booked now).
    fn take(&self, now: Instant) -> Option<(usize, Instant)> {
        let mut users = self.users.lock().ok()?;
        let (user, mut sent) = users.pop_front()?;
        let at = if sent.len() < self.limit {
            now
        } else {
            sent.pop_front()
                .map_or(now, |oldest| (oldest + self.window).max(now))
        };
        sent.push_back(at);
        users.push_back((user, sent));
        Some((user, at))
    }

    /// Waits (untimed, at most until `deadline`) for the next user with
    /// budget left, and books its post; `None` only if there are no users.
    /// The wait is added to `waited_us`.
    pub(crate) async fn wait_turn(&self, deadline: Instant) -> Option<usize> {
        let (user, at) = self.take(Instant::now())?;
        let now = Instant::now();
        if at > now {
            let until = at.min(deadline);
            tokio::time::sleep_until(until.into()).await;
            let waited = until.saturating_duration_since(now).as_micros();
            self.waited_us
                .fetch_add(u64::try_from(waited).unwrap_or(u64::MAX), Ordering::Relaxed);
        }
        Some(user)
    }

    /// Seconds workers spent waiting for a user with budget left.
    pub(crate) fn waited_secs(&self) -> f64 {
        self.waited_us.load(Ordering::Relaxed) as f64 / 1e6
    }
}

struct GraphqlPoster {
    client: Client,
    tokens: Arc<[String]>,
    channels: Arc<[String]>,
    budget: Arc<Budget>,
    rng: StdRng,
    user: Option<usize>,
    run: Arc<str>,
    worker: usize,
    n: u64,
}

impl Worker for GraphqlPoster {
    async fn prepare(&mut self, deadline: Instant) {
        self.user = self.budget.wait_turn(deadline).await;
    }

    async fn step(&mut self) -> Result<u64, Failure> {
        let user = self
            .user
            .ok_or_else(|| Failure::other("no user available"))?;
        let token = &self.tokens[user];
        let channel = &self.channels[self.rng.random_range(0..self.channels.len())];
        self.n += 1;
        let body = format!(
            "synaps-bench post {} w{} #{}: how is the launch going?",
            self.run, self.worker, self.n
        );
        post_message(&self.client, token, channel, &body).await
    }
}

/// One `postMessage` of `body` to the channel with global id `channel`, as
/// the user of `token`; `Ok(1)` once the server answered with the message.
pub(crate) async fn post_message(
    client: &Client,
    token: &str,
    channel: &str,
    body: &str,
) -> Result<u64, Failure> {
    client
        .execute(
            Some(token),
            POST,
            json!({ "input": { "channelId": channel, "body": body } }),
        )
        .await?;
    Ok(1)
}

struct RawPoster {
    db: Arc<Db>,
    authors: Arc<[Uuid]>,
    channels: Arc<[Uuid]>,
    rng: StdRng,
    marker: Arc<str>,
    worker: usize,
    n: u64,
}

impl Worker for RawPoster {
    async fn step(&mut self) -> Result<u64, Failure> {
        let channel = self.channels[self.rng.random_range(0..self.channels.len())];
        let author = self.authors[(self.worker + self.n as usize) % self.authors.len()];
        self.n += 1;
        let body = format!(
            "{} w{} #{}: how is the launch going?",
            self.marker, self.worker, self.n
        );
        self.db.insert_message(channel, author, body).await
    }
}

fn chooser(seed: u64, worker: usize) -> StdRng {
    StdRng::seed_from_u64(seed.wrapping_mul(1_000_033).wrapping_add(worker as u64))
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let target = &args.target;
    let load = &args.load;
    let concurrency = load.workers();
    let slugs = target.slugs();
    anyhow::ensure!(!slugs.is_empty(), "no channels to post to");
    let first_user = args.posters.first_user.max(1);
    let emails: Vec<String> = (first_user..first_user + args.posters.users.max(1))
        .map(|i| target.email(i))
        .collect();
    let db = load.database().await?;
    let client = target.client(concurrency)?;
    let tokens: Arc<[String]> = graphql::login_all(
        &client,
        &emails,
        &target.password,
        args.posters.login_concurrency,
    )
    .await?
    .into();
    let first = tokens.first().context("no users")?;
    let channels: Arc<[String]> = client.channel_ids(first, &slugs).await?.into();
    let run_id: Arc<str> = crate::run_id().into();

    let window = Duration::from_secs(args.posters.window_secs.max(1));
    let cap = tokens.len() as f64 * args.posters.per_user_limit as f64 / window.as_secs_f64();
    println!(
        "post: to a random one of {} channels; {concurrency} workers; each phase {} s \
         warm-up, then {} s measured; {} users × {} posts per {} s (sustained cap {cap:.0} \
         posts/s, after each user's first burst of {}); run {run_id}",
        channels.len(),
        load.warmup,
        load.duration().as_secs(),
        tokens.len(),
        args.posters.per_user_limit,
        window.as_secs(),
        args.posters.per_user_limit,
    );
    if let Some(db) = &db {
        let started = Instant::now();
        db.vacuum_all().await?;
        println!(
            "vacuumed the database first ({:.1} s): a steady state where autovacuum is off",
            started.elapsed().as_secs_f64()
        );
    }
    let budget = Arc::new(Budget::new(
        tokens.len(),
        args.posters.per_user_limit,
        window,
    ));
    let workers = (0..concurrency)
        .map(|w| GraphqlPoster {
            client: client.clone(),
            tokens: tokens.clone(),
            channels: channels.clone(),
            budget: budget.clone(),
            rng: chooser(target.seed, w),
            user: None,
            run: run_id.clone(),
            worker: w,
            n: 0,
        })
        .collect();
    let mut graphql = stats::drive(workers, load.warmup(), load.duration(), load.pid).await?;
    graphql.print("postMessage via GraphQL");
    let waited = budget.waited_secs();
    if waited > 0.0 {
        let total = concurrency as f64 * (load.warmup + load.duration().as_secs()) as f64;
        println!(
            "  budget wait  {waited:.1} s in all ({:.0}% of the workers' time, warm-up \
             included): the users' rate limit, not the server, capped this rate; pass more \
             --users",
            100.0 * waited / total.max(1e-9)
        );
    }

    let Some(db) = db else {
        return Ok(());
    };
    let authors: Arc<[Uuid]> = db.user_ids(&emails).await?.into();
    let channel_ids: Arc<[Uuid]> = db.channel_ids(&slugs).await?.into();
    let marker: Arc<str> = format!("synaps-bench raw {run_id}").into();
    let workers = (0..concurrency)
        .map(|w| RawPoster {
            db: db.clone(),
            authors: authors.clone(),
            channels: channel_ids.clone(),
            rng: chooser(target.seed, w),
            marker: marker.clone(),
            worker: w,
            n: 0,
        })
        .collect();
    let mut raw = stats::drive(workers, load.warmup(), load.duration(), None).await?;
    raw.print(&format!(
        "INSERT INTO messages via raw SQL (autocommit, sqlx pool of {concurrency})"
    ));
    stats::print_ratio(&graphql, &raw);
    let removed = db.delete_marked(&marker).await?;
    db.vacuum_messages().await?;
    println!(
        "removed the {removed} rows the raw phase inserted (and vacuumed them away); the \
         GraphQL posts stay (bodies start with \"synaps-bench post {run_id}\")"
    );
    db.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_rotates_users_and_holds_each_to_its_limit() {
        let budget = Budget::new(2, 2, Duration::from_secs(60));
        let t0 = Instant::now();
        let taken: Vec<_> = (0..4).filter_map(|_| budget.take(t0)).collect();
        assert_eq!(
            taken.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
            [0, 1, 0, 1]
        );
        assert!(taken.iter().all(|(_, at)| *at == t0));
        // Both users spent their two: the next waits for the window.
        let (user, at) = budget.take(t0 + Duration::from_secs(1)).unwrap_or((9, t0));
        assert_eq!(user, 0);
        assert_eq!(at, t0 + Duration::from_secs(60));
    }
}
