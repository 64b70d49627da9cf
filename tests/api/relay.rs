//! The events relay's order (`src/events.rs`): on PostgreSQL it reads only
//! the events of transactions below its horizon, the oldest one of this
//! database still running. A transaction that wrote an event and rolled
//! back holds nobody up; one still running holds the events after it until
//! it ends, and then comes first; one in another database of the cluster
//! holds nothing. Two processes posting at once deliver the same messages,
//! once each, in the same order, to subscribers on both.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};
use synaps::entities::{channels, messages};
use synaps::events::{Event, Topic};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::ws::{Replica, Ws};
use crate::helpers::{Actor, Backend, TestApp};

const ADDED: &str =
    "subscription($channel: ID!) { messageAdded(channel: $channel) { node { body } } }";
const SECOND: Duration = Duration::from_secs(1);

/// A public channel of marketing and sales with the staff member (its
/// creator) and the manager in it: its global id and its row id.
async fn channel(app: &TestApp) -> (String, Uuid) {
    let id = app
        .create_channel(app.staff(), "relay", "PUBLIC", &["marketing", "sales"])
        .await;
    app.join_channel(app.manager(), &id).await;
    let row = channels::Entity::find()
        .filter(channels::Column::Slug.eq("relay"))
        .one(&app.db)
        .await
        .expect("read channels")
        .expect("the channel");
    (id, row.id)
}

async fn follow(address: &str, actor: &Actor, channel: &str) -> Ws {
    let mut ws = Ws::open(address, Some(&actor.token)).await;
    ws.subscribe_with("added", ADDED, json!({ "channel": channel }))
        .await;
    ws.sync().await;
    ws
}

/// The body of the next `messageAdded` on `ws`, within `within`.
async fn next_body(ws: &mut Ws, within: Duration) -> String {
    let got = ws.next(within).await;
    assert_eq!(got["type"], "next", "{got}");
    got["payload"]["data"]["messageAdded"]["node"]["body"]
        .as_str()
        .expect("a body")
        .to_owned()
}

/// A `MessageAdded` event for `message` in `channel`, as a writer records it.
fn added(channel: Uuid, message: Uuid) -> Event {
    Event {
        topic: Topic::MessageAdded { channel, message },
        details: Value::Null,
    }
}

async fn a_rolled_back_event_holds_up_no_one(app: TestApp) {
    let (channel, channel_id) = channel(&app).await;
    let mut ws = follow(&app.address, app.staff(), &channel).await;

    let mut latencies = Vec::new();
    for n in 1..=5 {
        // A transaction writes an event (taking the next id) and rolls back.
        let txn = app.db.begin().await.expect("a transaction");
        synaps::events::record(&txn, added(channel_id, Uuid::now_v7()))
            .await
            .expect("recorded");
        txn.rollback().await.expect("rolled back");

        let body = format!("after a rollback {n}");
        app.post_message(app.manager(), &channel, &body, None).await;
        let acknowledged = Instant::now();
        assert_eq!(next_body(&mut ws, 2 * SECOND).await, body);
        latencies.push(acknowledged.elapsed());
    }

    // Each was delivered within milliseconds of its acknowledgement (the
    // relay used to wait 6 s at the rolled-back id); the median keeps one
    // slow moment of a loaded machine from failing it.
    latencies.sort();
    eprintln!("delivered after a rollback: {latencies:?}");
    assert!(
        latencies[2] < Duration::from_millis(200),
        "median {:?}",
        latencies[2]
    );
    ws.expect_quiet().await;
}
db_test!(a_rolled_back_event_holds_up_no_one);

/// PostgreSQL: a running transaction holds the events written after it
/// began, until it commits, and its own come first; one in another
/// database of the cluster holds nothing.
async fn a_running_transaction_holds_later_events_until_it_ends(app: TestApp) {
    let (channel, channel_id) = channel(&app).await;
    let mut ws = follow(&app.address, app.staff(), &channel).await;
    // (Heard before going on: an event is delivered a moment after its
    // post is acknowledged, so one posted before the subscription could
    // still arrive after it.)
    app.post_message(app.staff(), &channel, "posted before", None)
        .await;
    assert_eq!(next_body(&mut ws, SECOND).await, "posted before");
    let before = messages::Entity::find()
        .filter(messages::Column::Body.eq("posted before"))
        .one(&app.db)
        .await
        .expect("read messages")
        .expect("the message");

    // A transaction in another database of the cluster, with an id: it
    // does not hold this database's relay.
    let cluster = std::env::var("SYNAPS_TEST_POSTGRES_URL").expect("set for PostgreSQL cases");
    let elsewhere = Database::connect(cluster)
        .await
        .expect("the cluster's own database");
    let other = elsewhere.begin().await.expect("a transaction elsewhere");
    other
        .execute_unprepared("SELECT pg_current_xact_id()")
        .await
        .expect("an id elsewhere");
    app.post_message(app.manager(), &channel, "despite elsewhere", None)
        .await;
    assert_eq!(next_body(&mut ws, SECOND).await, "despite elsewhere");

    // One of this database with an id, marked as one that records no
    // events (as an analytics fold is): it holds nothing either.
    let fold = app.db.begin().await.expect("a transaction");
    synaps::events::writes_no_events(&fold)
        .await
        .expect("marked");
    fold.execute_unprepared("SELECT pg_current_xact_id()")
        .await
        .expect("an id");
    app.post_message(app.manager(), &channel, "despite a fold", None)
        .await;
    assert_eq!(next_body(&mut ws, SECOND).await, "despite a fold");
    fold.rollback().await.expect("rolled back");

    // A transaction of this database writes an event and stays open: the
    // next post commits, but its event waits.
    let running = app.db.begin().await.expect("a transaction");
    synaps::events::record(&running, added(channel_id, before.id))
        .await
        .expect("recorded");
    app.post_message(app.manager(), &channel, "behind it", None)
        .await;
    ws.expect_quiet().await;

    // It commits: its event (about the message heard first, so heard again)
    // first, then the one it held.
    running.commit().await.expect("committed");
    synaps::events::wake();
    assert_eq!(next_body(&mut ws, SECOND).await, "posted before");
    assert_eq!(next_body(&mut ws, SECOND).await, "behind it");
    ws.expect_quiet().await;
    other.rollback().await.expect("rolled back elsewhere");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_transaction_holds_later_events_until_it_ends_on_postgres() {
    crate::helpers::run(
        Backend::Postgres,
        a_running_transaction_holds_later_events_until_it_ends,
    )
    .await;
}

const POSTERS_PER_REPLICA: usize = 2;
const POSTS_EACH: usize = 40;

/// PostgreSQL: two `synaps serve` processes take posts at once; subscribers
/// on each, and on the test's own server, get every message once, each
/// poster's in the order posted, and all in the same order.
async fn two_processes_posting_at_once_deliver_every_message_once_in_order(app: TestApp) {
    let (channel, _) = channel(&app).await;
    let unlimited = [("SYNAPS_CONTENT_PER_MINUTE", "100000")];
    let replicas = [
        Replica::start_with(app.database_url(), &unlimited).await,
        Replica::start_with(app.database_url(), &unlimited).await,
    ];
    let mut followers = vec![
        follow(&replicas[0].address, app.staff(), &channel).await,
        follow(&replicas[1].address, app.manager(), &channel).await,
        follow(&app.address, app.comms(), &channel).await,
    ];

    let mut posters = Vec::new();
    for (r, replica) in replicas.iter().enumerate() {
        for p in 0..POSTERS_PER_REPLICA {
            let mut on = app.clone();
            on.address = replica.address.clone();
            let actor = [app.staff(), app.manager()][p].clone();
            let channel = channel.clone();
            posters.push(tokio::spawn(async move {
                for n in 0..POSTS_EACH {
                    on.post_message(&actor, &channel, &format!("{r}.{p} {n}"), None)
                        .await;
                }
            }));
        }
    }
    for poster in posters {
        poster.await.expect("the poster finished");
    }

    let total = replicas.len() * POSTERS_PER_REPLICA * POSTS_EACH;
    let mut orders = Vec::new();
    for ws in &mut followers {
        let mut heard = Vec::with_capacity(total);
        for _ in 0..total {
            heard.push(next_body(ws, 5 * SECOND).await);
        }
        ws.expect_quiet().await;
        let distinct: HashSet<&String> = heard.iter().collect();
        assert_eq!(distinct.len(), total, "each message once");
        let mut by_poster: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for body in &heard {
            let (poster, n) = body.split_once(' ').expect("poster and number");
            by_poster
                .entry(poster)
                .or_default()
                .push(n.parse().expect("a number"));
        }
        for (poster, numbers) in by_poster {
            assert_eq!(
                numbers,
                (0..POSTS_EACH).collect::<Vec<_>>(),
                "poster {poster} in order"
            );
        }
        orders.push(heard);
    }
    assert!(
        orders.windows(2).all(|pair| pair[0] == pair[1]),
        "every subscriber hears one order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_posting_at_once_deliver_every_message_once_in_order_on_postgres() {
    crate::helpers::run(
        Backend::Postgres,
        two_processes_posting_at_once_deliver_every_message_once_in_order,
    )
    .await;
}
