//! `feed`: what opening a channel costs. Workers read the newest page of a
//! random bench channel (messages with author, the author's departments,
//! reaction groups and reply count) through GraphQL; then, with the same
//! workers, duration and channel choices, the same rows straight from the
//! database. The ratio is what the server adds on top of its SQL.

use std::sync::Arc;

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;
use uuid::Uuid;

use crate::graphql::Client;
use crate::raw::Db;
use crate::stats::{self, Failure, Run, Worker};
use crate::{Load, Target, graphql};

/// The page a client shows when a channel opens.
const FEED: &str = "query Feed($slug: String!, $first: Int!) {
  channel(slug: $slug) {
    messages(first: $first) {
      edges {
        cursor
        node {
          id
          body
          createdAt
          author { handle displayName departments { name } }
          replyCount
          reactions { code count viewerHasReacted }
        }
      }
    }
  }
}";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub load: Load,
    /// Messages per page.
    #[arg(long, default_value_t = 50)]
    pub page: usize,
    /// Which bench user reads (its number, 1-based).
    #[arg(long, default_value_t = 1)]
    pub user: usize,
}

/// The channels each worker will read, in order: worker `w`'s choices come
/// from its own seeded generator, so both phases make the same ones.
fn chooser(seed: u64, worker: usize) -> StdRng {
    StdRng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(worker as u64))
}

/// The part of a page's answer the reader looks at: how many edges came.
/// The edges are read as JSON, not kept.
#[derive(Deserialize)]
struct FeedData {
    channel: Option<FeedChannel>,
}

#[derive(Deserialize)]
struct FeedChannel {
    messages: FeedMessages,
}

#[derive(Deserialize)]
struct FeedMessages {
    edges: Vec<IgnoredAny>,
}

struct GraphqlReader {
    client: Client,
    token: Arc<str>,
    slugs: Arc<[String]>,
    rng: StdRng,
    page: usize,
}

impl Worker for GraphqlReader {
    async fn step(&mut self) -> Result<u64, Failure> {
        let slug = &self.slugs[self.rng.random_range(0..self.slugs.len())];
        let data: FeedData = self
            .client
            .execute_as(
                Some(&self.token),
                FEED,
                json!({ "slug": slug, "first": self.page }),
            )
            .await?;
        let edges = data
            .channel
            .ok_or_else(|| Failure::other(format!("no channel {slug} in the answer")))?
            .messages
            .edges;
        Ok(edges.len() as u64)
    }
}

struct RawReader {
    db: Arc<Db>,
    viewer: Uuid,
    slugs: Arc<[String]>,
    rng: StdRng,
    page: usize,
}

impl Worker for RawReader {
    async fn step(&mut self) -> Result<u64, Failure> {
        let slug = &self.slugs[self.rng.random_range(0..self.slugs.len())];
        self.db.feed_page(slug, self.viewer, self.page).await
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let target = &args.target;
    let load = &args.load;
    let concurrency = load.workers();
    let slugs: Arc<[String]> = target.slugs().into();
    anyhow::ensure!(!slugs.is_empty(), "no channels to read");
    let email = target
        .user_emails(args.user.max(1))
        .pop()
        .context("no user to read as")?;
    let db = load.database().await?;
    let client = target.client(concurrency)?;
    let tokens =
        graphql::login_all(&client, std::slice::from_ref(&email), &target.password, 1).await?;
    let token: Arc<str> = tokens.into_iter().next().context("no token")?.into();

    println!(
        "feed: newest {} messages of a random one of {} channels, as {email}; \
         {concurrency} workers; {} round(s), each phase {} s warm-up (1 s after the first round), \
         then {} s measured",
        args.page,
        slugs.len(),
        load.rounds.max(1),
        load.warmup,
        load.duration().as_secs()
    );
    let viewer = match &db {
        Some(db) => Some(
            db.user_ids(std::slice::from_ref(&email))
                .await?
                .pop()
                .context("no viewer id")?,
        ),
        None => None,
    };
    let mut graphql: Option<Run> = None;
    let mut raw: Option<Run> = None;
    for round in 0..load.rounds.max(1) {
        // Both phases of a round make the same channel choices.
        let seed = target.seed.wrapping_add(u64::from(round));
        let workers = (0..concurrency)
            .map(|w| GraphqlReader {
                client: client.clone(),
                token: token.clone(),
                slugs: slugs.clone(),
                rng: chooser(seed, w),
                page: args.page,
            })
            .collect();
        let this_graphql =
            stats::drive(workers, load.warmup_of(round), load.duration(), load.pid).await?;
        let (Some(db), Some(viewer)) = (&db, viewer) else {
            add(&mut graphql, this_graphql);
            continue;
        };
        let workers = (0..concurrency)
            .map(|w| RawReader {
                db: db.clone(),
                viewer,
                slugs: slugs.clone(),
                rng: chooser(seed, w),
                page: args.page,
            })
            .collect();
        let this_raw = stats::drive(workers, load.warmup_of(round), load.duration(), None).await?;
        if load.rounds > 1 {
            println!(
                "   round {}: GraphQL {:.1}/s, raw SQL {:.1}/s, ratio {:.3}",
                round + 1,
                this_graphql.rate(),
                this_raw.rate(),
                stats::ratio(&this_graphql, &this_raw)
            );
        }
        add(&mut graphql, this_graphql);
        add(&mut raw, this_raw);
    }
    let mut graphql = graphql.context("no GraphQL phase ran")?;
    graphql.print("feed via GraphQL (POST /graphql; the server's pool is SYNAPS_DB_POOL_SIZE)");
    let (Some(db), Some(mut raw)) = (db, raw) else {
        return Ok(());
    };
    raw.print(&format!(
        "feed via raw SQL (6 statements per page, sqlx pool of {concurrency})"
    ));
    stats::print_ratio(&graphql, &raw);
    db.close().await;
    Ok(())
}

/// Adds a round's run of a phase to the phase's total.
fn add(total: &mut Option<Run>, round: Run) {
    match total {
        Some(total) => total.absorb(round),
        None => *total = Some(round),
    }
}
