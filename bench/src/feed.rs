//! `feed`: what opening a channel costs. Workers read the newest page of a
//! random bench channel (messages with author, the author's departments,
//! reaction groups and reply count) through GraphQL; then, with the same
//! workers, duration and channel choices, the same rows straight from the
//! database. The ratio is what the server adds on top of its SQL.
//!
//! `--lean` asks only `id body createdAt author { displayName departments
//! { name } }`, against the one raw statement that returns exactly that
//! (`raw::Db::lean_feed_page`). `--shape` spells the GraphQL query another
//! way (`nodes`, `edges { node }`, a named fragment, the channel through
//! `node(id:)`): the server's cost must not depend on it.

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

/// What the full feed selects of each message: the page a client shows
/// when a channel opens.
const FULL: &str = "id body createdAt \
    author { handle displayName departments { name } } \
    replyCount reactions { code count viewerHasReacted }";

/// What `--lean` selects: no reactions, no reply counts.
const LEAN: &str = "id body createdAt author { displayName departments { name } }";

/// How the GraphQL query is spelled (the same page whatever the shape).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `messages { nodes { … } }`, the Relay shortcut.
    Nodes,
    /// `messages { edges { cursor node { … } } }`.
    Edges,
    /// `messages { nodes { ...Item } }` with `fragment Item on Message`.
    Fragment,
    /// The channel through `node(id:)`, then `messages { nodes { … } }`.
    NodeId,
}

/// The query for `fields` spelled as `shape`. Every spelling answers under
/// `channel.messages`, with `nodes` or `edges`.
fn query(shape: Shape, fields: &str) -> String {
    // GraphQL refuses an unused variable: `node(id:)` takes `$id`, the
    // others `$slug`.
    let head = match shape {
        Shape::NodeId => "query Feed($id: ID!, $first: Int!)",
        _ => "query Feed($slug: String!, $first: Int!)",
    };
    match shape {
        Shape::Nodes => format!(
            "{head} {{ channel(slug: $slug) {{ messages(first: $first) {{ nodes {{ {fields} }} }} }} }}"
        ),
        Shape::Edges => format!(
            "{head} {{ channel(slug: $slug) {{ messages(first: $first) {{ edges {{ cursor node {{ {fields} }} }} }} }} }}"
        ),
        Shape::Fragment => format!(
            "fragment Item on Message {{ {fields} }} \
             {head} {{ channel(slug: $slug) {{ messages(first: $first) {{ nodes {{ ...Item }} }} }} }}"
        ),
        Shape::NodeId => format!(
            "{head} {{ channel: node(id: $id) {{ ... on Channel {{ messages(first: $first) {{ nodes {{ {fields} }} }} }} }} }}"
        ),
    }
}

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
    /// Ask only `id body createdAt author { displayName departments { name } }`
    /// (spelled with `nodes` unless `--shape` says otherwise), and compare
    /// with the one raw statement that returns exactly those rows.
    #[arg(long)]
    pub lean: bool,
    /// How to spell the GraphQL query: nodes, edges, fragment or node-id
    /// (the channel through `node(id:)`). Default: nodes with `--lean`,
    /// edges without.
    #[arg(long, value_enum)]
    pub shape: Option<Shape>,
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
    edges: Option<Vec<IgnoredAny>>,
    nodes: Option<Vec<IgnoredAny>>,
}

/// A channel's slug and global id (for `node(id:)`).
#[derive(Clone)]
struct Channel {
    slug: String,
    id: String,
}

struct GraphqlReader {
    client: Client,
    token: Arc<str>,
    query: Arc<str>,
    channels: Arc<[Channel]>,
    rng: StdRng,
    page: usize,
}

impl Worker for GraphqlReader {
    async fn step(&mut self) -> Result<u64, Failure> {
        let channel = &self.channels[self.rng.random_range(0..self.channels.len())];
        let variables = if self.query.contains("$id") {
            json!({ "id": channel.id, "first": self.page })
        } else {
            json!({ "slug": channel.slug, "first": self.page })
        };
        read_page(
            &self.client,
            &self.token,
            &self.query,
            variables,
            &channel.slug,
        )
        .await
    }
}

/// The full page a client shows when a channel opens, spelled with `edges`
/// (the `feed` scenario's default), taking `$slug` and `$first`.
pub(crate) fn full_page_query() -> String {
    query(Shape::Edges, FULL)
}

/// Reads one page with `query` (any spelling of [`query`]); the number of
/// messages on it. `slug` names the channel in the error if it is missing.
pub(crate) async fn read_page(
    client: &Client,
    token: &str,
    query: &str,
    variables: serde_json::Value,
    slug: &str,
) -> Result<u64, Failure> {
    let data: FeedData = client.execute_as(Some(token), query, variables).await?;
    let messages = data
        .channel
        .ok_or_else(|| Failure::other(format!("no channel {slug} in the answer")))?
        .messages;
    let items = messages.nodes.or(messages.edges).unwrap_or_default();
    Ok(items.len() as u64)
}

struct RawReader {
    db: Arc<Db>,
    viewer: Uuid,
    slugs: Arc<[String]>,
    /// The channels' ids, in the order of `slugs`: `--lean` reads by id,
    /// as the one statement the lean GraphQL page is compared with.
    lean: Option<Arc<[Uuid]>>,
    rng: StdRng,
    page: usize,
}

impl Worker for RawReader {
    async fn step(&mut self) -> Result<u64, Failure> {
        let i = self.rng.random_range(0..self.slugs.len());
        match &self.lean {
            Some(ids) => self.db.lean_feed_page(ids[i], self.page).await,
            None => {
                self.db
                    .feed_page(&self.slugs[i], self.viewer, self.page)
                    .await
            }
        }
    }
}

/// The channels' global ids, asked of the server by slug (for `node(id:)`).
async fn channels(client: &Client, token: &str, slugs: &[String]) -> anyhow::Result<Vec<Channel>> {
    #[derive(Deserialize)]
    struct Found {
        channel: Option<Id>,
    }
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let mut found = Vec::with_capacity(slugs.len());
    for slug in slugs {
        let data: Found = client
            .execute_as(
                Some(token),
                "query($slug: String!) { channel(slug: $slug) { id } }",
                json!({ "slug": slug }),
            )
            .await
            .map_err(|f| anyhow::anyhow!("channel {slug}: {f}"))?;
        let id = data
            .channel
            .with_context(|| format!("no channel {slug}"))?
            .id;
        found.push(Channel {
            slug: slug.clone(),
            id,
        });
    }
    Ok(found)
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
    let shape = args.shape.unwrap_or(if args.lean {
        Shape::Nodes
    } else {
        Shape::Edges
    });
    let query: Arc<str> = query(shape, if args.lean { LEAN } else { FULL }).into();
    let channels: Arc<[Channel]> = if shape == Shape::NodeId {
        channels(&client, &token, &slugs).await?.into()
    } else {
        slugs
            .iter()
            .map(|slug| Channel {
                slug: slug.clone(),
                id: String::new(),
            })
            .collect()
    };

    println!(
        "feed{}: newest {} messages of a random one of {} channels, as {email}, spelled {shape:?}; \
         {concurrency} workers; {} round(s), each phase {} s warm-up (1 s after the first round), \
         then {} s measured",
        if args.lean { " --lean" } else { "" },
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
    let lean: Option<Arc<[Uuid]>> = match &db {
        Some(db) if args.lean => Some(db.channel_ids(&slugs).await?.into()),
        _ => None,
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
                query: query.clone(),
                channels: channels.clone(),
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
                lean: lean.clone(),
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
    let statements = if args.lean {
        "1 statement"
    } else {
        "6 statements"
    };
    raw.print(&format!(
        "feed via raw SQL ({statements} per page, sqlx pool of {concurrency})"
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
