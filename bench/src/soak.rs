//! `soak`: a long run of mixed load, to see whether the server holds up
//! over time rather than how fast it is.
//!
//! Three kinds of worker share `--concurrency`: feed readers (the `feed`
//! scenario's full GraphQL page of a random bench channel), posters (the
//! `post` scenario's `postMessage`, rotating through many users within the
//! per-user rate limit) and live subscribers (`messageAdded` on the
//! channels being posted to, as in `fanout`). After `--warmup` unmeasured
//! seconds, every `--interval` (a minute) it prints requests, errors by
//! kind, p50/p99 per kind and the server's RSS and CPU; at the end a
//! verdict on each criterion of the soak: RSS growth after warm-up, p99 of
//! the last interval against the first, zero errors, and every subscriber
//! receiving every acknowledged post to its channel exactly once (and each
//! poster's messages in the order it posted them).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Url;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::fanout::{self, SETUP_TIMEOUT};
use crate::graphql::Client;
use crate::post::{self, Budget};
use crate::process::{cpu_secs, rss_kib};
use crate::stats::{self, Failure, Record, Worker, ms, percentile};
use crate::{Target, feed, graphql, raw};

/// How many distinct error messages to show at the end.
const SHOWN: usize = 8;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// The database synaps runs on (postgres://… or sqlite:…, on this
    /// machine): checked for planner statistics first, and afterwards asked
    /// how many of this run's posts it stored.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Workers in all, split into feed readers, posters and subscribers
    /// (by default 5/8, 1/4 and 1/8: 40, 16 and 8 of 64).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Feed readers (default: what posters and subscribers leave of
    /// `--concurrency`).
    #[arg(long)]
    pub feed_workers: Option<usize>,
    /// Posters (default: a quarter of `--concurrency`).
    #[arg(long)]
    pub post_workers: Option<usize>,
    /// Subscribed sockets (default: an eighth of `--concurrency`), spread
    /// over the `--post-channels` channels posted to.
    #[arg(long)]
    pub subscribers: Option<usize>,
    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 600)]
    pub duration: u64,
    /// Seconds of the same load first, unmeasured: connections open,
    /// statements prepared, caches and allocator arenas filled. The RSS at
    /// its end is the baseline of the growth criterion.
    #[arg(long, default_value_t = 60)]
    pub warmup: u64,
    /// Seconds per reported interval (the "minute" of the criteria).
    #[arg(long, default_value_t = 60)]
    pub interval: u64,
    /// The server's process id, to read its RSS (VmRSS) and CPU time.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Messages per feed page.
    #[arg(long, default_value_t = 50)]
    pub page: usize,
    /// Posts go to the first this many bench channels (the subscribers'
    /// channels); feeds read from all of them.
    #[arg(long, default_value_t = 8)]
    pub post_channels: usize,
    #[command(flatten)]
    pub posters: crate::post::Posters,
    /// Seconds to wait after the last post for subscribers to receive
    /// everything.
    #[arg(long, default_value_t = 10)]
    pub settle_secs: u64,
    /// Criterion: largest RSS growth from the end of the warm-up to the end,
    /// in percent.
    #[arg(long, default_value_t = 10.0)]
    pub max_rss_growth: f64,
    /// Criterion: largest rise of the last interval's p99 over the first
    /// interval's, in percent, per kind of request.
    #[arg(long, default_value_t = 20.0)]
    pub max_p99_rise: f64,
}

/// How the workers are split.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Split {
    feed: usize,
    post: usize,
    subscribers: usize,
}

impl Split {
    /// Posters a quarter and subscribers an eighth of `concurrency`
    /// (at least one each), feed readers the rest; any given count wins.
    fn of(
        concurrency: usize,
        feed: Option<usize>,
        post: Option<usize>,
        subscribers: Option<usize>,
    ) -> Split {
        let subscribers = subscribers.unwrap_or((concurrency / 8).max(1));
        let post = post.unwrap_or((concurrency / 4).max(1));
        let feed = feed.unwrap_or(concurrency.saturating_sub(post + subscribers).max(1));
        Split {
            feed,
            post,
            subscribers,
        }
    }
}

/// The kinds of work measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Feed,
    Post,
    /// A post reaching a subscriber: its latency is from the post's send to
    /// the receipt; its errors are the subscribers' (a closed socket…).
    Deliver,
}

const KINDS: [Kind; 3] = [Kind::Feed, Kind::Post, Kind::Deliver];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Feed => "feed",
            Kind::Post => "post",
            Kind::Deliver => "deliver",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One kind's figures over one interval.
#[derive(Default)]
struct Bucket {
    latencies_us: Vec<u64>,
    /// Failures by kind (the GraphQL code, HTTP, TIMEOUT…).
    errors: BTreeMap<String, u64>,
}

impl Bucket {
    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// p50 and p99 of the successful requests (sorts in place).
    fn percentiles(&mut self) -> (u64, u64) {
        self.latencies_us.sort_unstable();
        (
            percentile(&self.latencies_us, 50.0),
            percentile(&self.latencies_us, 99.0),
        )
    }
}

/// Everything recorded, by interval (completion time decides the
/// interval; the warm-up apart).
struct Tally {
    warm_end: Instant,
    interval: Duration,
    intervals: usize,
    warmup: [Bucket; 3],
    measured: Vec<[Bucket; 3]>,
    /// The first few distinct error messages.
    examples: Vec<String>,
}

impl Tally {
    fn new(warm_end: Instant, interval: Duration, intervals: usize) -> Tally {
        Tally {
            warm_end,
            interval,
            intervals,
            warmup: Default::default(),
            measured: (0..intervals).map(|_| Default::default()).collect(),
            examples: Vec::new(),
        }
    }

    /// The bucket of `kind` for something completed at `at`: the warm-up's
    /// before its end, the last interval's after the end (a request started
    /// before the deadline and finished after it).
    fn bucket(&mut self, kind: Kind, at: Instant) -> &mut Bucket {
        let Some(since) = at.checked_duration_since(self.warm_end) else {
            return &mut self.warmup[kind.index()];
        };
        let i = (since.as_nanos() / self.interval.as_nanos().max(1)) as usize;
        let i = i.min(self.intervals.saturating_sub(1));
        &mut self.measured[i][kind.index()]
    }

    fn record(&mut self, kind: Kind, at: Instant, outcome: Result<Duration, String>) {
        match outcome {
            Ok(latency) => self
                .bucket(kind, at)
                .latencies_us
                .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX)),
            Err(message) => {
                *self
                    .bucket(kind, at)
                    .errors
                    .entry(error_kind(&message))
                    .or_default() += 1;
                let example = format!("{}: {message}", kind.name());
                if self.examples.len() < SHOWN && !self.examples.contains(&example) {
                    self.examples.push(example);
                }
            }
        }
    }

    fn errors(&self) -> u64 {
        self.warmup
            .iter()
            .chain(self.measured.iter().flatten())
            .map(Bucket::error_count)
            .sum()
    }
}

/// The kind of a failure, for counting: the GraphQL code (`INTERNAL: …`),
/// `HTTP` or `HTTP 503` (`HTTP 503 Service Unavailable (…): …`), `TIMEOUT`,
/// the subscribers' own (`CLOSED: …`), else `OTHER`.
fn error_kind(message: &str) -> String {
    if message.starts_with("no answer within") {
        return "TIMEOUT".to_owned();
    }
    let mut words = message.split([' ', ':', '(']).filter(|w| !w.is_empty());
    match words.next() {
        Some("HTTP") => match words.next() {
            Some(status) if status.chars().all(|c| c.is_ascii_digit()) => format!("HTTP {status}"),
            _ => "HTTP".to_owned(),
        },
        Some(code)
            if code.len() <= 24
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
        {
            code.to_owned()
        }
        _ => "OTHER".to_owned(),
    }
}

/// [`stats::steps`] records into this: one kind of the shared tally.
struct Sink {
    kind: Kind,
    tally: Arc<Mutex<Tally>>,
}

impl Record for Sink {
    fn record(&mut self, latency: Duration, result: Result<u64, Failure>) {
        let outcome = result.map(|_| latency).map_err(|f| match f {
            Failure::RateLimited(m) | Failure::Other(m) => m,
        });
        if let Ok(mut tally) = self.tally.lock() {
            tally.record(self.kind, Instant::now(), outcome);
        }
    }
}

/// A post of this run: where it went, when it was sent, and whether the
/// server acknowledged it (`None` while in flight).
struct Posted {
    channel: usize,
    sent: Instant,
    acknowledged: Option<bool>,
}

/// Every post of this run, by (poster, sequence number).
type Ledger = Mutex<HashMap<(usize, usize), Posted>>;

/// A poster: the `post` scenario's user rotation and `postMessage`, to one
/// of the subscribers' channels, each post booked in the ledger before it
/// is sent (a subscriber may receive it before its answer comes back).
struct Poster {
    client: Client,
    tokens: Arc<[String]>,
    channels: Arc<[String]>,
    budget: Arc<Budget>,
    ledger: Arc<Ledger>,
    rng: StdRng,
    user: Option<usize>,
    tag: Arc<str>,
    worker: usize,
    n: usize,
}

impl Worker for Poster {
    async fn prepare(&mut self, deadline: Instant) {
        self.user = self.budget.wait_turn(deadline).await;
    }

    async fn step(&mut self) -> Result<u64, Failure> {
        let user = self
            .user
            .ok_or_else(|| Failure::other("no user available"))?;
        let channel = self.rng.random_range(0..self.channels.len());
        self.n += 1;
        let key = (self.worker, self.n);
        let body = format!("{}{} #{}", self.tag, self.worker, self.n);
        if let Ok(mut ledger) = self.ledger.lock() {
            ledger.insert(
                key,
                Posted {
                    channel,
                    sent: Instant::now(),
                    acknowledged: None,
                },
            );
        }
        let result = post::post_message(
            &self.client,
            &self.tokens[user],
            &self.channels[channel],
            &body,
        )
        .await;
        if let Ok(mut ledger) = self.ledger.lock()
            && let Some(posted) = ledger.get_mut(&key)
        {
            posted.acknowledged = Some(result.is_ok());
        }
        result
    }
}

/// The (poster, sequence number) of a `next` message of this run, read
/// from the text: `tag`, digits, ` #`, digits.
fn parse_key(text: &str, tag: &str) -> Option<(usize, usize)> {
    let (worker, rest) = fanout::leading_number(fanout::after_tag(text, tag)?)?;
    let (n, _) = fanout::leading_number(rest.strip_prefix(" #")?)?;
    Some((worker, n))
}

/// A feed reader: the `feed` scenario's full page of a random channel.
struct Reader {
    client: Client,
    token: Arc<str>,
    query: Arc<str>,
    slugs: Arc<[String]>,
    rng: StdRng,
    page: usize,
}

impl Worker for Reader {
    async fn step(&mut self) -> Result<u64, Failure> {
        let slug = &self.slugs[self.rng.random_range(0..self.slugs.len())];
        let variables = json!({ "slug": slug, "first": self.page });
        feed::read_page(&self.client, &self.token, &self.query, variables, slug).await
    }
}

/// What one subscriber received.
#[derive(Default)]
struct Received {
    channel: usize,
    /// This run's messages in arrival order.
    keys: Vec<(usize, usize)>,
    /// Messages on the channel this run did not post.
    foreign: u64,
    closed: bool,
}

/// One subscriber, subscribed already: records this run's messages (and
/// their delivery latency) until told to stop.
async fn subscriber(
    mut ws: fanout::Socket,
    channel: usize,
    tag: Arc<str>,
    ledger: Arc<Ledger>,
    tally: Arc<Mutex<Tally>>,
    distinct: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) -> Received {
    let mut got = Received {
        channel,
        ..Received::default()
    };
    let mut seen = HashSet::new();
    let fail = |message: String| {
        if let Ok(mut tally) = tally.lock() {
            tally.record(Kind::Deliver, Instant::now(), Err(message));
        }
    };
    loop {
        let message = tokio::select! {
            _ = stop.changed() => break,
            message = ws.next() => message,
        };
        let at = Instant::now();
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => {
                fail(format!("CLOSED: by the server: {frame:?}"));
                got.closed = true;
                return got;
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                fail(format!("WEBSOCKET: {e}"));
                got.closed = true;
                return got;
            }
            None => {
                fail("HUNG_UP: the server hung up".to_owned());
                got.closed = true;
                return got;
            }
        };
        if let Some(key) = parse_key(text.as_str(), &tag) {
            got.keys.push(key);
            if seen.insert(key) {
                distinct.fetch_add(1, Ordering::Relaxed);
            }
            let sent = ledger.lock().ok().and_then(|l| l.get(&key).map(|p| p.sent));
            if let (Some(sent), Ok(mut tally)) = (sent, tally.lock()) {
                tally.record(Kind::Deliver, at, Ok(at.saturating_duration_since(sent)));
            }
            continue;
        }
        let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
            fail("NOT_JSON: from the server".to_owned());
            continue;
        };
        match value["type"].as_str() {
            Some("ping") => {
                let pong = Message::text(json!({ "type": "pong" }).to_string());
                if let Err(e) = ws.send(pong).await {
                    fail(format!("PONG: {e}"));
                }
            }
            Some("next") if value.pointer("/payload/errors").is_some() => {
                fail(format!("NEXT_ERRORS: {}", value["payload"]["errors"]));
            }
            Some("next") => got.foreign += 1,
            Some("pong") => {}
            _ => fail(format!("UNEXPECTED: {value}")),
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    got
}

/// How the subscribers' receipts compare with the acknowledged posts.
#[derive(Default, Debug, PartialEq, Eq)]
struct Completeness {
    expected: u64,
    delivered: u64,
    missing: u64,
    duplicated: u64,
    /// A poster's messages received out of the order it posted them (each
    /// poster waits for an answer before its next post, so its commit order
    /// is its sequence order).
    out_of_order: u64,
    /// Received, though their post failed or never answered.
    unacknowledged: u64,
    /// Subscribers that got every acknowledged post to their channel once,
    /// in order, and stayed connected.
    complete: usize,
}

impl Completeness {
    fn add(&mut self, got: &Received, acknowledged: &HashMap<usize, HashSet<(usize, usize)>>) {
        let empty = HashSet::new();
        let want = acknowledged.get(&got.channel).unwrap_or(&empty);
        let mut counts: HashMap<(usize, usize), u64> = HashMap::new();
        let mut last: HashMap<usize, usize> = HashMap::new();
        let (mut duplicated, mut out_of_order, mut unacknowledged) = (0, 0, 0);
        for &(worker, n) in &got.keys {
            let count = counts.entry((worker, n)).or_default();
            *count += 1;
            if *count > 1 {
                duplicated += 1;
            }
            let highest = last.entry(worker).or_default();
            if n < *highest {
                out_of_order += 1;
            }
            *highest = n.max(*highest);
            if *count == 1 && !want.contains(&(worker, n)) {
                unacknowledged += 1;
            }
        }
        let delivered = want.iter().filter(|k| counts.contains_key(k)).count() as u64;
        let missing = want.len() as u64 - delivered;
        if missing == 0 && duplicated == 0 && out_of_order == 0 && !got.closed {
            self.complete += 1;
        }
        self.expected += want.len() as u64;
        self.delivered += delivered;
        self.missing += missing;
        self.duplicated += duplicated;
        self.out_of_order += out_of_order;
        self.unacknowledged += unacknowledged;
    }
}

/// The server's RSS (KiB) and CPU seconds at one moment.
#[derive(Clone, Copy)]
struct Sample {
    rss_kib: u64,
    cpu_secs: f64,
    at: Instant,
}

fn sample(pid: Option<u32>) -> anyhow::Result<Option<Sample>> {
    let Some(pid) = pid else {
        return Ok(None);
    };
    Ok(Some(Sample {
        rss_kib: rss_kib(pid)?,
        cpu_secs: cpu_secs(pid)?,
        at: Instant::now(),
    }))
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// `ERR_KIND×n, …`, or `0`.
fn describe_errors(errors: &BTreeMap<String, u64>) -> String {
    if errors.is_empty() {
        return "0".to_owned();
    }
    errors
        .iter()
        .map(|(kind, n)| format!("{kind}×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints one interval's line per kind, and the server's RSS and CPU over
/// it (between samples `from` and `to`).
fn print_interval(
    label: &str,
    buckets: &mut [Bucket; 3],
    secs: f64,
    from: Option<Sample>,
    to: Option<Sample>,
) {
    let server = match (from, to) {
        (Some(from), Some(to)) => format!(
            "server RSS {} ({:+.1}%), CPU {:.2} cores",
            mib(to.rss_kib),
            100.0 * (to.rss_kib as f64 - from.rss_kib as f64) / (from.rss_kib as f64).max(1.0),
            (to.cpu_secs - from.cpu_secs) / to.at.duration_since(from.at).as_secs_f64().max(1e-9),
        ),
        _ => "server (no --pid)".to_owned(),
    };
    println!("── {label}: {server}");
    for kind in KINDS {
        let bucket = &mut buckets[kind.index()];
        let ok = bucket.latencies_us.len();
        let (p50, p99) = bucket.percentiles();
        println!(
            "  {:<8} {:>7} ok ({:>6.1}/s)  p50 {:>9}  p99 {:>9}  errors {}",
            kind.name(),
            ok,
            ok as f64 / secs.max(1e-9),
            ms(p50),
            ms(p99),
            describe_errors(&bucket.errors),
        );
    }
}

/// One criterion's outcome.
fn verdict(name: &str, pass: Option<bool>, detail: &str) -> Option<bool> {
    let word = match pass {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "n/a ",
    };
    println!("  {word}  {name}: {detail}");
    pass
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let target = &args.target;
    let split = Split::of(
        args.concurrency,
        args.feed_workers,
        args.post_workers,
        args.subscribers,
    );
    let slugs: Arc<[String]> = target.slugs().into();
    anyhow::ensure!(!slugs.is_empty(), "no channels");
    let post_slugs: Vec<String> = slugs
        .iter()
        .take(args.post_channels.max(1))
        .cloned()
        .collect();
    let interval = Duration::from_secs(args.interval.max(1));
    let duration = Duration::from_secs(args.duration.max(1));
    let intervals = usize::try_from(duration.as_secs().div_ceil(interval.as_secs()))
        .unwrap_or(1)
        .max(1);

    let db = match &args.database_url {
        Some(url) => {
            let db = raw::Db::connect(url, 1).await?;
            let unanalyzed = db.unanalyzed_tables().await?;
            if !unanalyzed.is_empty() {
                println!(
                    "WARNING: PostgreSQL never analyzed {}: plans are sequential scans and \
                     the figures meaningless. Run `ANALYZE;` first.",
                    unanalyzed.join(", ")
                );
            }
            Some(db)
        }
        None => None,
    };
    let client = target.client(split.feed + split.post)?;
    let first_user = args.posters.first_user.max(1);
    let emails: Vec<String> = (first_user..first_user + args.posters.users.max(1))
        .map(|i| target.email(i))
        .collect();
    let tokens: Arc<[String]> = graphql::login_all(
        &client,
        &emails,
        &target.password,
        args.posters.login_concurrency,
    )
    .await?
    .into();
    let first = tokens.first().context("no users")?;
    let channels: Arc<[String]> = client.channel_ids(first, &post_slugs).await?.into();
    let run_id = crate::run_id();
    let tag: Arc<str> = format!("synaps-bench soak {run_id} w").into();
    let window = Duration::from_secs(args.posters.window_secs.max(1));
    println!(
        "soak: {} feed readers (newest {} of {} channels), {} posters and {} subscribers (on \
         the {} channels posted to: {}); {} s warm-up, then {} s measured in intervals of {} s; \
         {} users × {} posts per {} s (cap {:.0} posts/s); run {run_id}",
        split.feed,
        args.page,
        slugs.len(),
        split.post,
        split.subscribers,
        post_slugs.len(),
        post_slugs.join(", "),
        args.warmup,
        duration.as_secs(),
        interval.as_secs(),
        tokens.len(),
        args.posters.per_user_limit,
        window.as_secs(),
        tokens.len() as f64 * args.posters.per_user_limit as f64 / window.as_secs_f64(),
    );

    // Subscribers first, so that they are listening before the first post.
    let url: Url = client.ws_url()?;
    let opened = futures_util::stream::iter(0..split.subscribers)
        .map(|i| {
            let (url, token) = (&url, &tokens[i % tokens.len()]);
            let channel = &channels[i % channels.len()];
            async move {
                tokio::time::timeout(SETUP_TIMEOUT, fanout::open(url, token, channel))
                    .await
                    .map_err(|_| anyhow::anyhow!("not subscribed within {SETUP_TIMEOUT:?}"))?
            }
        })
        .buffered(8)
        .collect::<Vec<_>>()
        .await;
    let mut sockets = Vec::with_capacity(opened.len());
    for (i, socket) in opened.into_iter().enumerate() {
        sockets.push(socket.with_context(|| format!("subscriber {i}"))?);
    }

    let started = Instant::now();
    let warm_end = started + Duration::from_secs(args.warmup);
    let deadline = warm_end + duration;
    let tally = Arc::new(Mutex::new(Tally::new(warm_end, interval, intervals)));
    let ledger: Arc<Ledger> = Arc::default();
    let distinct = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let before = sample(args.pid)?;
    let subscribers: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, ws)| {
            tokio::spawn(subscriber(
                ws,
                i % channels.len(),
                tag.clone(),
                ledger.clone(),
                tally.clone(),
                distinct.clone(),
                stop_rx.clone(),
            ))
        })
        .collect();

    let query: Arc<str> = feed::full_page_query().into();
    let budget = Arc::new(Budget::new(
        tokens.len(),
        args.posters.per_user_limit,
        window,
    ));
    let mut workers = Vec::with_capacity(split.feed + split.post);
    for w in 0..split.feed {
        let mut reader = Reader {
            client: client.clone(),
            token: tokens[w % tokens.len()].as_str().into(),
            query: query.clone(),
            slugs: slugs.clone(),
            rng: StdRng::seed_from_u64(target.seed.wrapping_mul(1_000_003).wrapping_add(w as u64)),
            page: args.page,
        };
        let mut into = Sink {
            kind: Kind::Feed,
            tally: tally.clone(),
        };
        workers.push(tokio::spawn(async move {
            stats::steps(&mut reader, deadline, &mut into).await;
        }));
    }
    for w in 0..split.post {
        let mut poster = Poster {
            client: client.clone(),
            tokens: tokens.clone(),
            channels: channels.clone(),
            budget: budget.clone(),
            ledger: ledger.clone(),
            rng: StdRng::seed_from_u64(target.seed.wrapping_mul(1_000_033).wrapping_add(w as u64)),
            user: None,
            tag: tag.clone(),
            worker: w,
            n: 0,
        };
        let mut into = Sink {
            kind: Kind::Post,
            tally: tally.clone(),
        };
        workers.push(tokio::spawn(async move {
            stats::steps(&mut poster, deadline, &mut into).await;
        }));
    }

    // The server's RSS and CPU at the end of the warm-up and of every
    // interval; each interval is printed as it ends (the last once its
    // stragglers are in).
    tokio::time::sleep_until(warm_end.into()).await;
    let mut samples = vec![sample(args.pid)?];
    if let (Some(before), Some(warm)) = (before, samples[0]) {
        println!(
            "── warm-up over: server RSS {} (was {} when the load started)",
            mib(warm.rss_kib),
            mib(before.rss_kib)
        );
    }
    for i in 0..intervals {
        let end = (warm_end + interval * u32::try_from(i + 1).unwrap_or(u32::MAX)).min(deadline);
        tokio::time::sleep_until(end.into()).await;
        samples.push(sample(args.pid)?);
        if i + 1 < intervals {
            // Requests that completed just before the boundary are in.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let secs = interval.as_secs_f64();
            let mut tally = tally.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
            print_interval(
                &format!("interval {} ({} s)", i + 1, interval.as_secs()),
                &mut tally.measured[i],
                secs,
                samples[i],
                samples[i + 1],
            );
        }
    }
    for worker in workers {
        worker.await.context("a worker panicked")?;
    }
    // Every post has an answer now; wait for the subscribers to catch up.
    let acknowledged: HashMap<usize, HashSet<(usize, usize)>> = {
        let ledger = ledger.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        let mut by_channel: HashMap<usize, HashSet<(usize, usize)>> = HashMap::new();
        for (key, posted) in ledger.iter() {
            if posted.acknowledged == Some(true) {
                by_channel.entry(posted.channel).or_default().insert(*key);
            }
        }
        by_channel
    };
    let want: usize = (0..split.subscribers)
        .map(|i| {
            acknowledged
                .get(&(i % channels.len()))
                .map_or(0, HashSet::len)
        })
        .sum();
    let settle = Instant::now() + Duration::from_secs(args.settle_secs);
    while distinct.load(Ordering::Relaxed) < want && Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(true);
    let mut completeness = Completeness::default();
    let mut foreign = 0;
    for task in subscribers {
        let got = task.await.context("a subscriber panicked")?;
        completeness.add(&got, &acknowledged);
        foreign += got.foreign;
    }
    // The last interval's deliveries include those of the settling wait.
    let last_secs = (deadline - (warm_end + interval * u32::try_from(intervals - 1).unwrap_or(0)))
        .as_secs_f64();
    {
        let mut tally = tally.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        print_interval(
            &format!(
                "interval {intervals} ({last_secs:.0} s, last; with the deliveries that came \
                 while settling)"
            ),
            &mut tally.measured[intervals - 1],
            last_secs,
            samples[intervals - 1],
            samples[intervals],
        );
    }
    let posted: usize = acknowledged.values().map(HashSet::len).sum();
    let stored = match &db {
        Some(db) => Some(db.count_marked(&tag).await?),
        None => None,
    };
    if let Some(db) = db {
        db.close().await;
    }

    let mut tally = tally.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let errors = tally.errors();
    println!("── soak summary (run {run_id})");
    println!(
        "  posts        {posted} acknowledged{}; budget wait {:.1} s over all posters",
        match stored {
            Some(stored) => format!(", {stored} stored"),
            None => String::new(),
        },
        budget.waited_secs()
    );
    println!(
        "  delivered    {} of {} (subscribers × acknowledged posts to their channel); missing \
         {}, duplicated {}, out of order {}, of unacknowledged posts {}; other messages {foreign}",
        completeness.delivered,
        completeness.expected,
        completeness.missing,
        completeness.duplicated,
        completeness.out_of_order,
        completeness.unacknowledged,
    );
    let warm_errors: u64 = tally.warmup.iter().map(Bucket::error_count).sum();
    println!("  errors       {errors} ({warm_errors} during the warm-up)");
    for example in &tally.examples {
        println!("    e.g. {example}");
    }

    println!("── verdict");
    let mut passes = Vec::new();
    passes.push(
        match (
            samples.first().copied().flatten(),
            samples.last().copied().flatten(),
        ) {
            (Some(warm), Some(end)) => {
                let growth = 100.0 * (end.rss_kib as f64 - warm.rss_kib as f64)
                    / (warm.rss_kib as f64).max(1.0);
                verdict(
                    "RSS growth after warm-up",
                    Some(growth < args.max_rss_growth),
                    &format!(
                        "{} → {} ({growth:+.1}%, limit {:.0}%)",
                        mib(warm.rss_kib),
                        mib(end.rss_kib),
                        args.max_rss_growth
                    ),
                )
            }
            _ => verdict("RSS growth after warm-up", None, "pass --pid of the server"),
        },
    );
    // Delivery too: a subscriber falling further behind shows as a rising
    // p99 of `deliver`. A kind nobody did is not judged.
    let measured = [
        (Kind::Feed, split.feed > 0),
        (Kind::Post, split.post > 0),
        (Kind::Deliver, split.post > 0 && split.subscribers > 0),
    ];
    for kind in measured
        .iter()
        .filter(|(_, done)| *done)
        .map(|(kind, _)| *kind)
    {
        let (_, first) = tally.measured[0][kind.index()].percentiles();
        let (_, last) = tally.measured[intervals - 1][kind.index()].percentiles();
        let name = format!("{} p99, last interval against the first", kind.name());
        passes.push(if intervals < 2 {
            verdict(&name, None, "a single interval: nothing to compare")
        } else if first == 0 || last == 0 {
            verdict(&name, Some(false), "no successful request in one of them")
        } else {
            let rise = 100.0 * (last as f64 - first as f64) / first as f64;
            verdict(
                &name,
                Some(rise <= args.max_p99_rise),
                &format!(
                    "{} → {} ({rise:+.1}%, limit +{:.0}%)",
                    ms(first),
                    ms(last),
                    args.max_p99_rise
                ),
            )
        });
    }
    passes.push(verdict(
        "no error",
        Some(errors == 0),
        &format!("{errors} errors (RATE_LIMITED included)"),
    ));
    passes.push(verdict(
        "every subscriber got every post to its channel once, in order",
        Some(completeness.complete == split.subscribers && posted > 0),
        &format!(
            "{} of {} subscribers complete ({} of {} deliveries)",
            completeness.complete, split.subscribers, completeness.delivered, completeness.expected
        ),
    ));
    if let Some(stored) = stored {
        passes.push(verdict(
            "every acknowledged post stored once",
            Some(stored == posted as u64),
            &format!("{stored} stored, {posted} acknowledged"),
        ));
    }
    let failed = passes.iter().filter(|p| **p == Some(false)).count();
    println!(
        "  {}",
        if failed == 0 {
            "soak PASSED (n/a criteria were not measured)".to_owned()
        } else {
            format!("soak FAILED on {failed} criteria")
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_split_of_64_is_40_16_8() {
        let split = Split::of(64, None, None, None);
        assert_eq!(
            split,
            Split {
                feed: 40,
                post: 16,
                subscribers: 8
            }
        );
        let split = Split::of(16, None, Some(2), None);
        assert_eq!((split.feed, split.post, split.subscribers), (12, 2, 2));
        assert_eq!(Split::of(1, None, None, None).feed, 1);
    }

    #[test]
    fn errors_are_counted_by_kind() {
        assert_eq!(error_kind("INTERNAL: oops"), "INTERNAL");
        assert_eq!(error_kind("RATE_LIMITED: slow down"), "RATE_LIMITED");
        assert_eq!(error_kind("HTTP: connection refused"), "HTTP");
        assert_eq!(error_kind("HTTP body: reset"), "HTTP");
        assert_eq!(
            error_kind("HTTP 503 Service Unavailable (x): y"),
            "HTTP 503"
        );
        assert_eq!(error_kind("no answer within 30 s"), "TIMEOUT");
        assert_eq!(error_kind("CLOSED: by the server"), "CLOSED");
        assert_eq!(error_kind("something else"), "OTHER");
    }

    #[test]
    fn keys_are_read_from_the_text() {
        let tag = "synaps-bench soak abc w";
        let next = r#"{"id":"1","type":"next","payload":{"data":{"messageAdded":{"node":{"body":"synaps-bench soak abc w3 #17"}}}}}"#;
        assert_eq!(parse_key(next, tag), Some((3, 17)));
        assert_eq!(parse_key(&next.replace("abc", "xyz"), tag), None);
        assert_eq!(parse_key(r#"{"type":"ping"}"#, tag), None);
    }

    #[test]
    fn intervals_follow_completion_time() {
        let t0 = Instant::now();
        let mut tally = Tally::new(t0 + Duration::from_secs(10), Duration::from_secs(60), 2);
        tally.record(Kind::Feed, t0, Ok(Duration::from_millis(1)));
        tally.record(
            Kind::Feed,
            t0 + Duration::from_secs(50),
            Ok(Duration::from_millis(2)),
        );
        tally.record(
            Kind::Post,
            t0 + Duration::from_secs(200),
            Err("INTERNAL: x".into()),
        );
        assert_eq!(tally.warmup[0].latencies_us, vec![1000]);
        assert_eq!(tally.measured[0][0].latencies_us, vec![2000]);
        assert_eq!(tally.measured[1][1].errors.get("INTERNAL"), Some(&1));
        assert_eq!(tally.errors(), 1);
    }

    #[test]
    fn completeness_counts_missing_duplicated_reordered_and_unacknowledged() {
        let mut acknowledged = HashMap::new();
        acknowledged.insert(0, HashSet::from([(0, 1), (0, 2), (1, 1)]));
        let got = Received {
            channel: 0,
            keys: vec![(0, 2), (0, 1), (0, 2), (2, 1)],
            ..Received::default()
        };
        let mut c = Completeness::default();
        c.add(&got, &acknowledged);
        assert_eq!(
            (
                c.expected,
                c.delivered,
                c.missing,
                c.duplicated,
                c.out_of_order
            ),
            (3, 2, 1, 1, 1)
        );
        assert_eq!((c.unacknowledged, c.complete), (1, 0));
        let perfect = Received {
            channel: 0,
            keys: vec![(0, 1), (1, 1), (0, 2)],
            ..Received::default()
        };
        c.add(&perfect, &acknowledged);
        assert_eq!(c.complete, 1);
    }
}
