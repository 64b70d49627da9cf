//! The fault tests' clients: people and a channel arranged, posts over
//! HTTP, `/readyz`, and followers of the channel over WebSocket
//! (graphql-transport-ws) that resume with their last cursor whenever the
//! server ends their subscription or their socket, as a client should.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use synaps::app::App;
use synaps::auth::Role;
use synaps::config::{Config, PasswordConfig};
use synaps::domain::people::{self, NewPerson};
use synaps::graphql::node::{Kind, global_id};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use uuid::Uuid;

use crate::server::SECRET;

pub const PASSWORD: &str = "correct horse battery staple";

const ADDED: &str = "subscription($channel: ID!, $after: String) { messageAdded(channel: $channel, after: $after) { cursor node { id body } } }";
const POST: &str =
    "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }";

/// Someone signed in.
#[derive(Clone, Debug)]
pub struct Person {
    pub token: String,
}

/// People (staff in marketing) created straight in the database, before any
/// server runs; migrates the database first.
pub async fn create_people(database_url: &str, count: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        database_url: database_url.to_owned(),
        data_dir: dir.path().to_owned(),
        db_pool_size: 2,
        // Cheap hashes: the cost is a property of the configuration, tested
        // elsewhere; these people only need to sign in.
        passwords: PasswordConfig {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        ..Config::default()
    };
    config.jwt.secret = SECRET.to_owned();
    let app = App::build(config, true).await.expect("app builds");
    synaps::seed::seed_departments(&app.state.db)
        .await
        .expect("departments");
    for n in 0..count {
        people::create_unchecked(
            &app.state.db,
            &app.state.auth,
            NewPerson {
                email: format!("p{n}@example.com"),
                display_name: format!("Person {n}"),
                handle: Some(format!("p{n}")),
                title: None,
                role: Role::Staff,
                departments: vec!["marketing".to_owned()],
                password: PASSWORD.to_owned(),
            },
        )
        .await
        .expect("person created");
    }
    app.state.db.clone().close().await.ok();
}

/// A GraphQL request; `data`, or the first error's code (or what went
/// wrong underneath: `HTTP 503`, `transport: …`).
pub async fn gql(
    http: &reqwest::Client,
    address: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    let mut request = http
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|err| format!("transport: {err}"))?;
    let status = response.status().as_u16();
    let body: Value = response
        .json()
        .await
        .map_err(|err| format!("HTTP {status}, not JSON: {err}"))?;
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => Err(code.to_owned()),
        None if status != 200 => Err(format!("HTTP {status}")),
        None => Ok(body["data"].clone()),
    }
}

/// Signs the `count` people of [`create_people`] in, creates a public
/// channel (the first person) and has everyone join it; returns the people
/// and the channel's global id.
pub async fn sign_in_and_open_channel(
    address: &str,
    db: &DatabaseConnection,
    count: usize,
) -> (Vec<Person>, String) {
    let http = reqwest::Client::new();
    let mut people = Vec::new();
    for n in 0..count {
        let data = gql(
            &http,
            address,
            None,
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": format!("p{n}@example.com"), "password": PASSWORD } }),
        )
        .await
        .expect("login");
        people.push(Person {
            token: data["login"]["accessToken"]
                .as_str()
                .expect("token")
                .to_owned(),
        });
    }
    let marketing = Uuid::parse_str(
        &crate::cluster::scalar(
            db,
            "SELECT id::text FROM departments WHERE slug = 'marketing'",
        )
        .await,
    )
    .expect("department id");
    let data = gql(
        &http,
        address,
        Some(&people[0].token),
        "mutation($input: CreateChannelInput!) { createChannel(input: $input) { channel { id } } }",
        json!({ "input": {
            "name": "Faults",
            "slug": "faults",
            "visibility": "PUBLIC",
            "departmentIds": [global_id(Kind::Department, marketing).0],
        }}),
    )
    .await
    .expect("channel created");
    let channel = data["createChannel"]["channel"]["id"]
        .as_str()
        .expect("channel id")
        .to_owned();
    for person in &people[1..] {
        gql(
            &http,
            address,
            Some(&person.token),
            "mutation($input: JoinChannelInput!) { joinChannel(input: $input) { channel { id } } }",
            json!({ "input": { "channelId": channel } }),
        )
        .await
        .expect("joined");
    }
    (people, channel)
}

/// Posts `body`; the message's id, or why not (see [`gql`]).
pub async fn post(
    http: &reqwest::Client,
    address: &str,
    person: &Person,
    channel: &str,
    body: &str,
) -> Result<String, String> {
    let data = gql(
        http,
        address,
        Some(&person.token),
        POST,
        json!({ "input": { "channelId": channel, "body": body } }),
    )
    .await?;
    Ok(data["postMessage"]["message"]["id"]
        .as_str()
        .ok_or_else(|| format!("no id in {data}"))?
        .to_owned())
}

/// `GET /readyz`'s status (0 when it could not be asked).
pub async fn readyz(http: &reqwest::Client, address: &str) -> u16 {
    http.get(format!("{address}/readyz"))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

/// What a poster learnt of each of its posts.
#[derive(Default)]
pub struct Outcomes {
    /// Acknowledged: body to message id.
    pub stored: HashMap<String, String>,
    /// When each acknowledgement arrived.
    pub acknowledged_at: Vec<Instant>,
    /// Refused or unanswered: body, what came back, how long it took.
    pub refused: Vec<(String, String, Duration)>,
}

/// Posts from `person` to `addresses` in turn, bodies `"{tag} {n}"`, until
/// `stop` or `limit` posts; what came of each.
pub async fn keep_posting(
    addresses: Vec<String>,
    person: Person,
    channel: String,
    tag: String,
    limit: usize,
    pause: Duration,
    mut stop: watch::Receiver<bool>,
) -> Outcomes {
    // The request timeout is 10 s: anything slower is a hang.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client");
    let mut outcomes = Outcomes::default();
    for n in 0..limit {
        if *stop.borrow_and_update() {
            break;
        }
        let body = format!("{tag} {n}");
        let address = &addresses[n % addresses.len()];
        let started = Instant::now();
        match post(&http, address, &person, &channel, &body).await {
            Ok(id) => {
                outcomes.stored.insert(body, id);
                outcomes.acknowledged_at.push(Instant::now());
            }
            Err(why) => outcomes.refused.push((body, why, started.elapsed())),
        }
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => {}
            }
        }
    }
    outcomes
}

/// A message as a follower received it.
#[derive(Clone, Debug)]
pub struct Edge {
    pub id: String,
    pub body: String,
}

/// Waits for every poster and asserts that none of their posts was
/// refused (for the faults that must refuse none).
pub async fn none_refused(posters: Vec<tokio::task::JoinHandle<Outcomes>>) -> Vec<Outcomes> {
    let mut outcomes = Vec::new();
    for poster in posters {
        outcomes.push(poster.await.expect("poster"));
    }
    for outcome in &outcomes {
        assert!(
            outcome.refused.is_empty(),
            "posts refused: {:?}",
            &outcome.refused[..1]
        );
    }
    outcomes
}

/// A [`Follower`] for each of `people`, each subscribed on `addresses[0]`
/// and moving on along `addresses`.
pub async fn follow_as(addresses: &[String], people: &[Person], channel: &str) -> Vec<Follower> {
    let mut followers = Vec::new();
    for person in people {
        followers.push(
            Follower::start(addresses.to_vec(), person.token.clone(), channel.to_owned()).await,
        );
    }
    followers
}

/// A subscriber to the channel's new messages, following it in a task.
pub struct Follower {
    received: Arc<Mutex<Vec<Edge>>>,
    /// Why each subscription or socket ended (close codes, errors).
    ended: Arc<Mutex<Vec<String>>>,
    resumes: Arc<AtomicUsize>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Follower {
    /// Subscribes on `addresses[0]` and returns once the subscription is
    /// registered. Whenever it ends, it subscribes again with the cursor
    /// of the last message received, on the same server, or on the next
    /// one of `addresses` when that one cannot be reached.
    pub async fn start(addresses: Vec<String>, token: String, channel: String) -> Follower {
        let received = Arc::new(Mutex::new(Vec::new()));
        let ended = Arc::new(Mutex::new(Vec::new()));
        let resumes = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = watch::channel(false);
        let (ready_tx, ready) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(follow(
            addresses,
            token,
            channel,
            Shared {
                received: received.clone(),
                cursor: Arc::default(),
                ended: ended.clone(),
                resumes: resumes.clone(),
            },
            stopped,
            ready_tx,
        ));
        tokio::time::timeout(Duration::from_secs(10), ready)
            .await
            .expect("the subscription starts within 10 s")
            .expect("follower");
        Follower {
            received,
            ended,
            resumes,
            stop,
            task,
        }
    }

    pub fn received(&self) -> Vec<Edge> {
        self.received.lock().expect("lock").clone()
    }

    pub fn ended(&self) -> Vec<String> {
        self.ended.lock().expect("lock").clone()
    }

    pub fn resumes(&self) -> usize {
        self.resumes.load(Ordering::Relaxed)
    }

    /// Waits until every id of `ids` has arrived (at most `within`).
    pub async fn wait_for(&self, ids: &HashSet<String>, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let got: HashSet<String> = self.received().into_iter().map(|e| e.id).collect();
            if ids.is_subset(&got) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(self) -> Vec<Edge> {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        self.received.lock().expect("lock").clone()
    }
}

struct Shared {
    received: Arc<Mutex<Vec<Edge>>>,
    /// The cursor of the last message received, to resume after.
    cursor: Arc<Mutex<Option<String>>>,
    ended: Arc<Mutex<Vec<String>>>,
    resumes: Arc<AtomicUsize>,
}

async fn follow(
    addresses: Vec<String>,
    token: String,
    channel: String,
    shared: Shared,
    mut stop: watch::Receiver<bool>,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let mut at = 0;
    let mut first = true;
    while !*stop.borrow() {
        if !first {
            shared.resumes.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        first = false;
        let after = shared.cursor.lock().expect("lock").clone();
        let outcome = tokio::select! {
            outcome = subscribe_once(&addresses[at], &token, &channel, after, &shared, &mut ready) => outcome,
            _ = stop.changed() => return,
        };
        match outcome {
            Ended::Unreachable(why) => {
                shared.ended.lock().expect("lock").push(why);
                at = (at + 1) % addresses.len();
            }
            Ended::Ended(why) => shared.ended.lock().expect("lock").push(why),
        }
    }
}

enum Ended {
    /// The server could not be reached (or went away before the ack).
    Unreachable(String),
    /// The subscription or the socket ended after it started.
    Ended(String),
}

async fn subscribe_once(
    address: &str,
    token: &str,
    channel: &str,
    after: Option<String>,
    shared: &Shared,
    ready: &mut Option<tokio::sync::oneshot::Sender<()>>,
) -> Ended {
    let url = format!("{}/graphql/ws", address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let mut socket = match tokio::time::timeout(
        Duration::from_secs(5),
        tokio_tungstenite::connect_async(request),
    )
    .await
    {
        Ok(Ok((socket, _))) => socket,
        Ok(Err(err)) => return Ended::Unreachable(format!("connect: {err}")),
        Err(_) => return Ended::Unreachable("connect: timed out".to_owned()),
    };
    let send = |message: Value| Frame::Text(message.to_string().into());
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    if socket.send(send(init)).await.is_err() {
        return Ended::Unreachable("init not sent".to_owned());
    }
    let subscribe = json!({
        "id": "added",
        "type": "subscribe",
        "payload": { "query": ADDED, "variables": { "channel": channel, "after": after } },
    });
    let mut acknowledged = false;
    loop {
        let frame = match tokio::time::timeout(Duration::from_secs(60), socket.next()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(err))) => return ended(acknowledged, format!("socket error: {err}")),
            Ok(None) => return ended(acknowledged, "socket ended (1006)".to_owned()),
            Err(_) => return Ended::Ended("nothing for 60 s".to_owned()),
        };
        let text = match frame {
            Frame::Text(text) => text,
            Frame::Close(close) => {
                let code = close.map_or(1005, |c| u16::from(c.code));
                return ended(acknowledged, format!("closed {code}"));
            }
            _ => continue,
        };
        let message: Value = serde_json::from_str(&text).expect("JSON");
        match message["type"].as_str() {
            Some("connection_ack") => {
                acknowledged = true;
                let _ = socket.send(send(subscribe.clone())).await;
                // Answered once the subscription is registered.
                let _ = socket
                    .send(send(json!({ "type": "ping", "payload": { "sync": true } })))
                    .await;
            }
            Some("pong") => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
            }
            Some("ping") => {
                let _ = socket.send(send(json!({ "type": "pong" }))).await;
            }
            Some("next") => {
                let edge = &message["payload"]["data"]["messageAdded"];
                let (Some(id), Some(body), Some(cursor)) = (
                    edge["node"]["id"].as_str(),
                    edge["node"]["body"].as_str(),
                    edge["cursor"].as_str(),
                ) else {
                    // A `next` with errors ends nothing by itself; say so.
                    shared
                        .ended
                        .lock()
                        .expect("lock")
                        .push(format!("next without a message: {message}"));
                    continue;
                };
                shared.received.lock().expect("lock").push(Edge {
                    id: id.to_owned(),
                    body: body.to_owned(),
                });
                *shared.cursor.lock().expect("lock") = Some(cursor.to_owned());
            }
            Some("error") => return Ended::Ended(format!("error: {}", message["payload"])),
            Some("complete") => return Ended::Ended("complete".to_owned()),
            _ => {}
        }
    }
}

fn ended(acknowledged: bool, why: String) -> Ended {
    if acknowledged {
        Ended::Ended(why)
    } else {
        Ended::Unreachable(why)
    }
}

/// The channel's messages in the order of their events (the order every
/// subscriber is delivered them), as global ids.
pub async fn delivery_order(db: &DatabaseConnection) -> Vec<String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT subject_id::text AS message FROM events WHERE topic = 'message.added' \
             ORDER BY events.txid, events.id",
        ))
        .await
        .expect("events");
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("", "message").expect("message");
            global_id(Kind::Message, Uuid::parse_str(&id).expect("uuid")).0
        })
        .collect()
}

/// Every message of the channel's table: body to global id; panics if a
/// body is stored twice.
pub async fn stored(db: &DatabaseConnection) -> HashMap<String, String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id::text AS id, body FROM messages",
        ))
        .await
        .expect("messages");
    let mut stored = HashMap::new();
    for row in rows {
        let id: String = row.try_get("", "id").expect("id");
        let body: String = row.try_get("", "body").expect("body");
        let id = global_id(Kind::Message, Uuid::parse_str(&id).expect("uuid")).0;
        if let Some(before) = stored.insert(body.clone(), id) {
            panic!("{body:?} is stored twice (also as {before})");
        }
    }
    stored
}

/// Waits (up to `within`) until each follower has every stored message,
/// then checks it received each once, in the events' order. `name` says
/// who follower `n` is in a failure. Returns how often each resumed.
pub async fn check_followers(
    followers: Vec<Follower>,
    stored: &HashMap<String, String>,
    db: &DatabaseConnection,
    within: Duration,
    name: impl Fn(usize) -> String,
) -> Vec<usize> {
    let everything: HashSet<String> = stored.values().cloned().collect();
    let order = delivery_order(db).await;
    let mut resumes = Vec::new();
    for (n, follower) in followers.into_iter().enumerate() {
        let complete = follower.wait_for(&everything, within).await;
        let (resumed, ended) = (follower.resumes(), follower.ended());
        let received = follower.stop().await;
        let who = name(n);
        assert!(
            complete,
            "{who} has {} of {} messages; its subscriptions ended {} times, last: {:?}",
            received.len(),
            everything.len(),
            ended.len(),
            &ended[ended.len().saturating_sub(3)..]
        );
        assert_same(&who, &received, &order);
        resumes.push(resumed);
    }
    resumes
}

/// Asserts that `received` is `expected` exactly: every message once, in
/// that order; says what differs.
#[track_caller]
pub fn assert_same(who: &str, received: &[Edge], expected: &[String]) {
    let ids: Vec<&str> = received.iter().map(|e| e.id.as_str()).collect();
    let mut seen = HashSet::new();
    let twice: Vec<&&str> = ids.iter().filter(|id| !seen.insert(**id)).collect();
    assert!(
        twice.is_empty(),
        "{who} received {} messages twice: {twice:?}",
        twice.len()
    );
    let expected_set: HashSet<&str> = expected.iter().map(String::as_str).collect();
    let missing: Vec<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|id| !seen.contains(id))
        .collect();
    let extra: Vec<&&str> = ids
        .iter()
        .filter(|id| !expected_set.contains(**id))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{who} missed {} messages ({:?}…) and received {} it should not have",
        missing.len(),
        &missing[..missing.len().min(5)],
        extra.len()
    );
    if let Some(at) = ids.iter().zip(expected).position(|(got, want)| got != want) {
        let around: Vec<&str> = received[at.saturating_sub(2)..(at + 3).min(received.len())]
            .iter()
            .map(|e| e.body.as_str())
            .collect();
        panic!("{who} received the messages out of order from position {at}: {around:?}");
    }
}
