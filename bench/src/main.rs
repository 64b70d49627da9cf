//! synaps-bench: a load generator for a running synaps.
//!
//! It does not link the server: it speaks HTTP and WebSocket to it and SQL
//! to its database, so it measures whatever build is running, and keeps
//! building while the server's code is mid-change. Every scenario runs for a
//! bounded time against this machine only (see `graphql::loopback`).
//!
//! - `feed`: reading a channel's newest page, through GraphQL and as the
//!   same statements in raw SQL;
//! - `post`: posting messages, through GraphQL (within the per-user rate
//!   limit) and as a bare INSERT;
//! - `fanout`: one channel's `messageAdded` subscription on many sockets:
//!   server memory per subscription, delivery latency and completeness;
//! - `analytics`: `synapses` and `departmentActivity` on the rollups against
//!   the naive GROUP BY over `messages`;
//! - `search`: the query box, search-as-you-type prefixes of common words
//!   and rare words, measured apart;
//! - `soak`: minutes of mixed load (feeds, posts, live subscribers): does
//!   the server's memory, latency and delivery hold up over time.

mod analytics;
mod fanout;
mod feed;
mod graphql;
mod post;
mod process;
mod raw;
mod search;
mod soak;
mod stats;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "synaps-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read the newest page of random bench channels (GraphQL, then raw SQL).
    Feed(feed::Args),
    /// Post messages to random bench channels (GraphQL, then raw SQL).
    Post(post::Args),
    /// Subscribe many sockets to one channel and time message delivery.
    Fanout(fanout::Args),
    /// The managers' figures: `synapses` over 30 and 365 days and
    /// `departmentActivity` by week over a year (GraphQL on the rollups,
    /// then the naive GROUP BY over messages).
    Analytics(analytics::Args),
    /// Search as bench people: prefixes of common words as typed, then
    /// rare words (posted first), measured apart.
    Search(search::Args),
    /// Mixed load for a long time (default 64 workers: 40 feed readers, 16
    /// posters, 8 subscribers on the channels posted to; 60 s warm-up, then
    /// 600 s): per minute requests, errors, p50/p99 per kind and the
    /// server's RSS and CPU; then a verdict on RSS growth, p99 drift, errors
    /// and complete delivery.
    Soak(soak::Args),
}

/// What every scenario needs to find the server and its bench data (made by
/// `synaps seed --bench`).
#[derive(clap::Args, Clone)]
pub struct Target {
    /// Base URL of the running synaps (this machine only).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Password of the bench users.
    #[arg(long, default_value = "synaps-bench-2026")]
    pub password: String,
    /// How many bench channels exist (bench-001 …).
    #[arg(long, default_value_t = 100)]
    pub channels: usize,
    /// Use these channel slugs instead of bench-001 … (repeatable; e.g. the
    /// demo's spring-launch).
    #[arg(long = "channel")]
    pub channel_slugs: Vec<String>,
    /// Use these accounts instead of bench-0001@bench.synaps.test …
    /// (repeatable; e.g. the demo's anna@example.com).
    #[arg(long = "email")]
    pub emails: Vec<String>,
    /// Seed of the random channel choice (the GraphQL and raw SQL phases of
    /// a run make the same choices).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// How hard and how long `feed` and `post` run each phase.
#[derive(clap::Args, Clone)]
pub struct Load {
    /// The database synaps runs on, for the raw SQL phase (postgres://… or
    /// sqlite:…, on this machine); without it only GraphQL is measured.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Concurrent workers (and raw SQL pool connections, at most
    /// `--max-connections`).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// The most raw SQL connections to open, whatever `--concurrency`.
    #[arg(long, default_value_t = 64)]
    pub max_connections: u32,
    /// Seconds each phase is measured.
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    /// Seconds each phase runs unmeasured first, so that connections are
    /// open and statements prepared on every pooled connection (the server's
    /// and the bench's alike).
    #[arg(long, default_value_t = 5)]
    pub warmup: u64,
    /// The server's process id, to report the CPU it spends per request.
    #[arg(long)]
    pub pid: Option<u32>,
    /// `feed`: run the GraphQL and raw SQL phases this many times in turn
    /// (later rounds warm up for 1 s) and compare the totals. This machine's
    /// speed drifts by ±15% within a minute, which a single pair of phases
    /// run one after the other takes for a difference between them.
    #[arg(long, default_value_t = 1)]
    pub rounds: u32,
}

impl Load {
    pub fn workers(&self) -> usize {
        self.concurrency.max(1)
    }

    pub fn warmup(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.warmup)
    }

    /// The warm-up of round `round` (0-based): connections are open and
    /// statements prepared after the first.
    pub fn warmup_of(&self, round: u32) -> std::time::Duration {
        if round == 0 {
            self.warmup()
        } else {
            self.warmup().min(std::time::Duration::from_secs(1))
        }
    }

    pub fn duration(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.duration.max(1))
    }

    /// The raw SQL pool, if `--database-url` was given: opened before the
    /// GraphQL phase, so that a database without planner statistics is
    /// reported before anything is measured.
    pub async fn database(&self) -> anyhow::Result<Option<std::sync::Arc<raw::Db>>> {
        let Some(url) = &self.database_url else {
            println!("(no --database-url: only GraphQL is measured)");
            return Ok(None);
        };
        // PostgreSQL's max_connections (100 by default) is shared with the
        // server's pool: more workers than connections wait for one, as
        // requests wait for the server's pool.
        let connections = u32::try_from(self.workers())
            .unwrap_or(u32::MAX)
            .min(self.max_connections);
        let db = raw::Db::connect(url, connections).await?;
        let unanalyzed = db.unanalyzed_tables().await?;
        if !unanalyzed.is_empty() {
            println!(
                "WARNING: PostgreSQL has no statistics for {} (never analyzed): plans will be \
                 sequential scans and every figure meaningless. Run `ANALYZE;` in the database \
                 (or wait for autovacuum) first.",
                unanalyzed.join(", ")
            );
        }
        Ok(Some(std::sync::Arc::new(db)))
    }
}

impl Target {
    /// The channel slugs to use.
    pub fn slugs(&self) -> Vec<String> {
        if self.channel_slugs.is_empty() {
            (1..=self.channels)
                .map(|i| format!("bench-{i:03}"))
                .collect()
        } else {
            self.channel_slugs.clone()
        }
    }

    /// The `i`th account's email (1-based), cycling through `--email` if
    /// given.
    pub fn email(&self, i: usize) -> String {
        if self.emails.is_empty() {
            format!("bench-{i:04}@bench.synaps.test")
        } else {
            self.emails[(i.max(1) - 1) % self.emails.len()].clone()
        }
    }

    /// The first `n` accounts' emails.
    pub fn user_emails(&self, n: usize) -> Vec<String> {
        (1..=n).map(|i| self.email(i)).collect()
    }

    /// A GraphQL client for `connections` concurrent workers.
    pub fn client(&self, connections: usize) -> anyhow::Result<graphql::Client> {
        graphql::Client::new(graphql::loopback(&self.url)?, connections)
    }
}

/// A short random tag for this run, so its messages can be told from
/// everyone else's (and the raw ones deleted afterwards).
pub fn run_id() -> String {
    format!("{:08x}", rand::random::<u32>())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Feed(args) => feed::run(args).await,
        Command::Post(args) => post::run(args).await,
        Command::Fanout(args) => fanout::run(args).await,
        Command::Analytics(args) => analytics::run(args).await,
        Command::Search(args) => search::run(args).await,
        Command::Soak(args) => soak::run(args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_names_follow_the_seed() {
        let cli = Cli::parse_from(["synaps-bench", "feed"]);
        let Command::Feed(args) = cli.command else {
            panic!("not feed");
        };
        let slugs = args.target.slugs();
        assert_eq!(slugs.len(), 100);
        assert_eq!(slugs[0], "bench-001");
        assert_eq!(slugs[99], "bench-100");
        assert_eq!(
            args.target.user_emails(2),
            vec![
                "bench-0001@bench.synaps.test".to_owned(),
                "bench-0002@bench.synaps.test".to_owned()
            ]
        );
    }
}
