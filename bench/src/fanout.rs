//! `fanout`: one channel's `messageAdded` subscription on many sockets.
//!
//! What it answers: how much server memory an open subscription costs (the
//! server's VmRSS before the sockets open and once all are subscribed), how
//! long a new message takes to reach every subscriber, and whether every
//! subscriber got every message exactly once and in order. Messages are
//! posted one after another at a steady pace, each waiting for the previous
//! one's answer, so their commit order is their sequence order and any
//! reordering seen by a subscriber is the server's.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use reqwest::Url;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::graphql::Client;
use crate::process::{CpuMeter, rss_kib};
use crate::stats::{ms, percentile};
use crate::{Target, graphql};

const SUBSCRIBE: &str = "subscription($channel: ID!) { messageAdded(channel: $channel) { cursor node { id body createdAt author { handle } } } }";

const POST: &str = "mutation Post($input: PostMessageInput!) {
  postMessage(input: $input) { message { id } }
}";

/// How long one socket may take to connect, be acknowledged and subscribed.
pub(crate) const SETUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Longest the whole subscribing phase may take.
const ALL_SUBSCRIBED_TIMEOUT: Duration = Duration::from_secs(180);

/// How many subscriber failures to show.
const SHOWN: usize = 5;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Sockets to open, each with one subscription to the first channel.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Messages to post once all are subscribed.
    #[arg(long, default_value_t = 100)]
    pub messages: usize,
    /// Milliseconds between two posts.
    #[arg(long, default_value_t = 20)]
    pub interval_ms: u64,
    /// The server's process id, to read its resident memory (VmRSS).
    #[arg(long)]
    pub pid: Option<u32>,
    /// Signed-in users the subscribers share (round-robin): bench-0001 ….
    #[arg(long, default_value_t = 10)]
    pub subscriber_users: usize,
    /// How many bench users exist. The posting users are drawn at random
    /// from the upper half, so that back-to-back runs (and a `post` run,
    /// which uses the first `--users`) rarely share one and hit its rate
    /// limit.
    #[arg(long, default_value_t = 2000)]
    pub users: usize,
    /// Most messages one posting user posts (the server allows 60 a
    /// minute): `messages / posts-per-user` users post, at least 2.
    #[arg(long, default_value_t = 50)]
    pub posts_per_user: usize,
    /// Sockets opening at a time.
    #[arg(long, default_value_t = 50)]
    pub connect_concurrency: usize,
    /// Logins at a time (each costs the server an argon2 hash).
    #[arg(long, default_value_t = 8)]
    pub login_concurrency: usize,
    /// Seconds to wait after the last post for every subscriber to get
    /// every message.
    #[arg(long, default_value_t = 10)]
    pub settle_secs: u64,
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// What one subscriber saw.
#[derive(Default)]
struct Seen {
    /// This run's messages in arrival order: (sequence number, when).
    received: Vec<(usize, Instant)>,
    /// Messages of the channel that this run did not post.
    foreign: u64,
    /// Protocol errors, unexpected closes.
    errors: Vec<String>,
}

/// One subscriber's settings.
struct Sub {
    url: Url,
    token: Arc<str>,
    channel: Arc<str>,
    /// Body prefix of this run's messages, followed by the sequence number.
    tag: Arc<str>,
    messages: usize,
}

/// Shared between the subscribers and the run.
struct Shared {
    gate: Semaphore,
    /// Distinct messages of this run received, over all subscribers.
    delivered: AtomicUsize,
}

/// Reads the next text message, answering the server's pings on the way.
pub(crate) async fn next_text(ws: &mut Socket) -> anyhow::Result<Value> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                let value: Value =
                    serde_json::from_str(text.as_str()).context("not JSON from the server")?;
                if value["type"] == "ping" {
                    ws.send(Message::text(json!({ "type": "pong" }).to_string()))
                        .await?;
                    continue;
                }
                return Ok(value);
            }
            Some(Ok(Message::Close(frame))) => bail!("closed by the server: {frame:?}"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => bail!("WebSocket: {e}"),
            None => bail!("the server hung up"),
        }
    }
}

/// Connects, initialises and subscribes; done once the server answered a
/// `ping` sent after `subscribe` (it registers a subscription before it
/// answers a later ping).
pub(crate) async fn open(url: &Url, token: &str, channel: &str) -> anyhow::Result<Socket> {
    let mut request = url.as_str().into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .context("connect")?;
    let init = json!({
        "type": "connection_init",
        "payload": { "authorization": format!("Bearer {token}") },
    });
    ws.send(Message::text(init.to_string())).await?;
    let ack = next_text(&mut ws).await?;
    if ack["type"] != "connection_ack" {
        bail!("expected connection_ack, got {ack}");
    }
    let subscribe = json!({
        "id": "1",
        "type": "subscribe",
        "payload": { "query": SUBSCRIBE, "variables": { "channel": channel } },
    });
    ws.send(Message::text(subscribe.to_string())).await?;
    ws.send(Message::text(json!({ "type": "ping" }).to_string()))
        .await?;
    let answer = next_text(&mut ws).await?;
    match answer["type"].as_str() {
        Some("pong") => Ok(ws),
        _ => bail!("subscribe: {answer}"),
    }
}

/// The sequence number of a `next` message of this run, read straight from
/// the text: `tag` followed by digits, in a message without errors.
fn tagged(text: &str, tag: &str) -> Option<usize> {
    leading_number(after_tag(text, tag)?).map(|(n, _)| n)
}

/// What follows `tag` in the text of a `next` message without errors.
pub(crate) fn after_tag<'t>(text: &'t str, tag: &str) -> Option<&'t str> {
    if !text.contains(r#""type":"next""#) || text.contains(r#""errors""#) {
        return None;
    }
    let at = text.find(tag)? + tag.len();
    Some(&text[at..])
}

/// The number `text` starts with, and the rest.
pub(crate) fn leading_number(text: &str) -> Option<(usize, &str)> {
    let digits = text;
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    Some((digits[..end].parse().ok()?, &digits[end..]))
}

/// One subscriber: open, report ready, then record this run's messages
/// until told to stop; then close.
async fn subscriber(
    sub: Sub,
    shared: Arc<Shared>,
    ready: mpsc::Sender<Result<(), String>>,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen::default();
    let setup = async {
        let _permit = shared.gate.acquire().await;
        tokio::time::timeout(SETUP_TIMEOUT, open(&sub.url, &sub.token, &sub.channel)).await
    };
    // A run that gave up waiting for the stragglers stops them here too.
    let opened = tokio::select! {
        _ = stop.changed() => return seen,
        opened = setup => opened,
    };
    let mut ws = match opened {
        Ok(Ok(ws)) => {
            let _ = ready.send(Ok(())).await;
            ws
        }
        Ok(Err(e)) => {
            let _ = ready.send(Err(format!("{e:#}"))).await;
            return seen;
        }
        Err(_) => {
            let timeout = SETUP_TIMEOUT.as_secs();
            let _ = ready
                .send(Err(format!("not subscribed within {timeout} s")))
                .await;
            return seen;
        }
    };
    let mut distinct = vec![false; sub.messages];
    loop {
        let message = tokio::select! {
            _ = stop.changed() => break,
            message = ws.next() => message,
        };
        let at = Instant::now();
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => {
                seen.errors.push(format!("closed by the server: {frame:?}"));
                return seen;
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                seen.errors.push(format!("WebSocket: {e}"));
                return seen;
            }
            None => {
                seen.errors.push("the server hung up".to_owned());
                return seen;
            }
        };
        // The common case, found without parsing the JSON: a message of
        // this run (the bench shares the machine; its own CPU delays the
        // receive times it records).
        if let Some(n) = tagged(text.as_str(), &sub.tag) {
            seen.received.push((n, at));
            if let Some(d) = distinct.get_mut(n).filter(|d| !**d) {
                *d = true;
                shared.delivered.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        }
        let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
            seen.errors.push("not JSON from the server".to_owned());
            continue;
        };
        match value["type"].as_str() {
            Some("ping") => {
                let pong = Message::text(json!({ "type": "pong" }).to_string());
                if let Err(e) = ws.send(pong).await {
                    seen.errors.push(format!("pong: {e}"));
                }
            }
            Some("next") => {
                if let Some(errors) = value.pointer("/payload/errors") {
                    seen.errors.push(format!("next with errors: {errors}"));
                    continue;
                }
                let body = value
                    .pointer("/payload/data/messageAdded/node/body")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                match body.strip_prefix(&*sub.tag).map(str::parse::<usize>) {
                    Some(Ok(_)) => seen.errors.push(format!("unexpected form: {value}")),
                    _ => seen.foreign += 1,
                }
            }
            Some("pong") => {}
            _ => seen.errors.push(format!("unexpected: {value}")),
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    seen
}

/// When one post was sent and answered.
struct Sent {
    sent: Instant,
    answered: Instant,
    ok: bool,
}

/// Posts `n` messages, one at a time every `interval`, round-robin over
/// `tokens`.
async fn post_all(
    client: &Client,
    tokens: &[String],
    channel: &str,
    tag: &str,
    n: usize,
    interval: Duration,
) -> (Vec<Sent>, Vec<String>) {
    let mut ticks = tokio::time::interval(interval.max(Duration::from_millis(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sent = Vec::with_capacity(n);
    let mut errors = Vec::new();
    for seq in 0..n {
        ticks.tick().await;
        let token = &tokens[seq % tokens.len()];
        let started = Instant::now();
        let result = client
            .execute(
                Some(token),
                POST,
                json!({ "input": { "channelId": channel, "body": format!("{tag}{seq}") } }),
            )
            .await;
        let answered = Instant::now();
        if let Err(e) = &result {
            errors.push(format!("#{seq}: {e}"));
        }
        sent.push(Sent {
            sent: started,
            answered,
            ok: result.is_ok(),
        });
    }
    (sent, errors)
}

/// Per-subscriber and overall delivery figures.
#[derive(Default)]
struct Delivery {
    expected: u64,
    delivered: u64,
    missing: u64,
    duplicated: u64,
    out_of_order: u64,
    /// Messages that arrived before their `postMessage` answered.
    early: u64,
    perfect: u64,
    after_answer_us: Vec<u64>,
    after_send_us: Vec<u64>,
}

impl Delivery {
    fn add(&mut self, seen: &Seen, sent: &[Sent]) {
        let mut first: Vec<Option<Instant>> = vec![None; sent.len()];
        let (mut duplicated, mut out_of_order) = (0, 0);
        let mut highest: Option<usize> = None;
        for &(n, at) in &seen.received {
            let Some(slot) = first.get_mut(n) else {
                continue;
            };
            if slot.is_some() {
                duplicated += 1;
            } else {
                *slot = Some(at);
            }
            if highest.is_some_and(|h| n < h) {
                out_of_order += 1;
            }
            highest = highest.max(Some(n));
        }
        let mut missing = 0;
        for (post, got) in sent.iter().zip(&first) {
            if !post.ok {
                continue;
            }
            self.expected += 1;
            let Some(at) = got else {
                missing += 1;
                continue;
            };
            self.delivered += 1;
            if *at < post.answered {
                self.early += 1;
            }
            let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
            self.after_answer_us
                .push(micros(at.saturating_duration_since(post.answered)));
            self.after_send_us
                .push(micros(at.saturating_duration_since(post.sent)));
        }
        if missing == 0 && duplicated == 0 && out_of_order == 0 && seen.errors.is_empty() {
            self.perfect += 1;
        }
        self.missing += missing;
        self.duplicated += duplicated;
        self.out_of_order += out_of_order;
    }
}

fn print_latency(label: &str, values: &mut [u64]) {
    values.sort_unstable();
    println!(
        "  {label}  p50 {}  p99 {}  max {}",
        ms(percentile(values, 50.0)),
        ms(percentile(values, 99.0)),
        ms(values.last().copied().unwrap_or(0)),
    );
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let target = &args.target;
    let slug = target.slugs().into_iter().next().context("no channel")?;
    let sub_users = args.subscriber_users.max(1);
    let per_user = args.posts_per_user.clamp(1, 60);
    let posters = args.messages.div_ceil(per_user).max(2);
    let mut emails = target.user_emails(sub_users);
    let upper = (args.users / 2).max(sub_users) + 1..=args.users.max(sub_users + posters);
    let mut drawn = rand::seq::index::sample(
        &mut rand::rng(),
        upper.clone().count(),
        posters.min(upper.clone().count()),
    )
    .into_vec();
    drawn.sort_unstable();
    emails.extend(drawn.into_iter().map(|i| target.email(*upper.start() + i)));
    let client = target.client(8)?;
    let tokens =
        graphql::login_all(&client, &emails, &target.password, args.login_concurrency).await?;
    let (sub_tokens, post_tokens) = tokens.split_at(sub_users.min(tokens.len()));
    anyhow::ensure!(!post_tokens.is_empty(), "no user to post with");
    let channel: Arc<str> = client
        .channel_id(sub_tokens.first().context("no token")?, &slug)
        .await?
        .into();
    let run_id = crate::run_id();
    let tag: Arc<str> = format!("synaps-bench fanout {run_id} #").into();
    println!(
        "fanout: {} subscribers on {slug} sharing {} users; {} messages every {} ms from {} \
         users; run {run_id}",
        args.subscribers,
        sub_tokens.len(),
        args.messages,
        args.interval_ms,
        post_tokens.len()
    );

    let rss_before = args.pid.map(rss_kib).transpose()?;
    let shared = Arc::new(Shared {
        gate: Semaphore::new(args.connect_concurrency.max(1)),
        delivered: AtomicUsize::new(0),
    });
    let (ready_tx, mut ready_rx) = mpsc::channel(args.subscribers.max(1));
    let (stop_tx, stop_rx) = watch::channel(false);
    let url = client.ws_url()?;
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.subscribers)
        .map(|i| {
            let sub = Sub {
                url: url.clone(),
                token: sub_tokens[i % sub_tokens.len()].as_str().into(),
                channel: channel.clone(),
                tag: tag.clone(),
                messages: args.messages,
            };
            tokio::spawn(subscriber(
                sub,
                shared.clone(),
                ready_tx.clone(),
                stop_rx.clone(),
            ))
        })
        .collect();
    drop(ready_tx);
    let (mut subscribed, mut failed) = (0usize, Vec::new());
    let all_deadline = tokio::time::Instant::now() + ALL_SUBSCRIBED_TIMEOUT;
    while subscribed + failed.len() < args.subscribers {
        match tokio::time::timeout_at(all_deadline, ready_rx.recv()).await {
            Ok(Some(Ok(()))) => subscribed += 1,
            Ok(Some(Err(e))) => failed.push(e),
            Ok(None) | Err(_) => break,
        }
    }
    let setup = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_subscribed = args.pid.map(rss_kib).transpose()?;

    let server_cpu = CpuMeter::start(args.pid)?;
    let own_cpu = CpuMeter::start(Some(std::process::id()))?;
    let (sent, post_errors) = if subscribed > 0 {
        post_all(
            &client,
            post_tokens,
            &channel,
            &tag,
            args.messages,
            Duration::from_millis(args.interval_ms),
        )
        .await
    } else {
        (Vec::new(), Vec::new())
    };
    let posted = sent.iter().filter(|s| s.ok).count();
    let want = posted * subscribed;
    let settle = tokio::time::Instant::now() + Duration::from_secs(args.settle_secs);
    while shared.delivered.load(Ordering::Relaxed) < want && tokio::time::Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let rss_after = args.pid.map(rss_kib).transpose()?;
    let deliveries = u64::try_from(shared.delivered.load(Ordering::Relaxed)).unwrap_or(0);
    let cpu = [
        ("server CPU", server_cpu.stop()?),
        ("bench CPU ", own_cpu.stop()?),
    ];
    let _ = stop_tx.send(true);
    let mut delivery = Delivery::default();
    let (mut foreign, mut sub_errors) = (0, Vec::new());
    for task in tasks {
        let seen = task.await.context("a subscriber panicked")?;
        delivery.add(&seen, &sent);
        foreign += seen.foreign;
        sub_errors.extend(seen.errors);
    }

    println!("── fanout of messageAdded");
    println!(
        "  sockets      {subscribed} of {} subscribed in {:.2} s ({} at a time); {} failed",
        args.subscribers,
        setup.as_secs_f64(),
        args.connect_concurrency.max(1),
        failed.len()
    );
    for e in failed.iter().take(SHOWN) {
        println!("    e.g. {e}");
    }
    match (rss_before, rss_subscribed, rss_after) {
        (Some(before), Some(during), Some(after)) => {
            let per = (during.saturating_sub(before)) as f64 / subscribed.max(1) as f64;
            println!(
                "  server RSS   {} before, {} subscribed: {per:.1} KiB per open subscription; \
                 {} after delivery",
                mib(before),
                mib(during),
                mib(after)
            );
        }
        _ => println!("  server RSS   (pass --pid of the server to measure)"),
    }
    let posting: Vec<u64> = sent
        .iter()
        .map(|s| u64::try_from((s.answered - s.sent).as_micros()).unwrap_or(u64::MAX))
        .collect();
    let mut posting = posting;
    println!(
        "  posts        {posted} of {} ok; {} failed",
        args.messages,
        post_errors.len()
    );
    for e in post_errors.iter().take(SHOWN) {
        println!("    e.g. {e}");
    }
    if !posting.is_empty() {
        print_latency("postMessage ", &mut posting);
    }
    if posted == 0 {
        println!("  delivered    nothing to deliver: no post succeeded");
    } else {
        println!(
            "  delivered    {} of {} (subscribers × messages posted); missing {}, duplicated {}, \
             out of order {}",
            delivery.delivered,
            delivery.expected,
            delivery.missing,
            delivery.duplicated,
            delivery.out_of_order,
        );
        println!(
            "  complete     {} of {subscribed} subscribers got every message exactly once, in \
             order: {}",
            delivery.perfect,
            if delivery.perfect == subscribed as u64 && subscribed > 0 {
                "YES"
            } else {
                "NO"
            }
        );
    }
    if foreign > 0 {
        println!("  other messages on the channel during the run: {foreign}");
    }
    println!("  subscriber errors {}", sub_errors.len());
    for e in sub_errors.iter().take(SHOWN) {
        println!("    e.g. {e}");
    }
    if delivery.delivered > 0 {
        print_latency(
            "latency after commit (postMessage answered → received)",
            &mut delivery.after_answer_us,
        );
        print_latency(
            "latency from send   (postMessage sent → received)    ",
            &mut delivery.after_send_us,
        );
        println!(
            "  {} deliveries arrived before their postMessage answered (counted as 0 after commit)",
            delivery.early
        );
    }
    for (who, used) in &cpu {
        if let Some(used) = used.as_ref().filter(|_| deliveries > 0) {
            println!(
                "  {who}   {} (posting and delivering)",
                used.describe(deliveries, "delivery")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(n: usize, at: Instant) -> Vec<Sent> {
        (0..n)
            .map(|_| Sent {
                sent: at,
                answered: at,
                ok: true,
            })
            .collect()
    }

    #[test]
    fn a_tagged_message_is_read_without_parsing() {
        let tag = "synaps-bench fanout abc #";
        let next = r#"{"id":"1","type":"next","payload":{"data":{"messageAdded":{"node":{"body":"synaps-bench fanout abc #42"}}}}}"#;
        assert_eq!(tagged(next, tag), Some(42));
        assert_eq!(tagged(&next.replace("abc", "xyz"), tag), None);
        assert_eq!(tagged(r#"{"type":"ping"}"#, tag), None);
        let failed = r#"{"id":"1","type":"next","payload":{"errors":[{"message":"synaps-bench fanout abc #1"}]}}"#;
        assert_eq!(tagged(failed, tag), None);
    }

    #[test]
    fn delivery_counts_missing_duplicated_and_reordered() {
        let t = Instant::now();
        let posts = sent(4, t);
        let seen = Seen {
            received: vec![(0, t), (2, t), (1, t), (2, t)],
            ..Seen::default()
        };
        let mut d = Delivery::default();
        d.add(&seen, &posts);
        assert_eq!(
            (
                d.expected,
                d.delivered,
                d.missing,
                d.duplicated,
                d.out_of_order
            ),
            (4, 3, 1, 1, 1)
        );
        assert_eq!(d.perfect, 0);

        let perfect = Seen {
            received: (0..4).map(|n| (n, t)).collect(),
            ..Seen::default()
        };
        d.add(&perfect, &posts);
        assert_eq!(d.perfect, 1);
    }
}
