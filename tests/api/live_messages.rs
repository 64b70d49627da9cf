//! Live messages over `GET /graphql/ws`: `messageAdded` (with the replay
//! that lets a dropped client resume from its last cursor), `messageChanged`,
//! `notificationAdded`, private channels, bad input, and delivery across two
//! `synaps serve` processes on one PostgreSQL.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use synaps::config::Limits;
use synaps::domain::messages::post::{self, NewMessage, Pending};

use crate::db_test;
use crate::helpers::ws::{Replica, Ws};
use crate::helpers::{Actor, Backend, TestApp};

const ADDED: &str = "subscription($channel: ID!, $after: String) { messageAdded(channel: $channel, after: $after) { cursor node { id body author { handle } parent { id } } } }";
const CHANGED: &str = "subscription($channel: ID!) { messageChanged(channel: $channel) { id body editedAt deletedAt reactions { code count viewerHasReacted } } }";
const NOTIFIED: &str =
    "subscription { notificationAdded { kind message aboutMessage { id body } } }";
const SECOND: Duration = Duration::from_secs(1);

/// A public channel linking marketing and sales, with the staff actor
/// (its creator) and the manager as members; returns its id.
async fn launch_channel(app: &TestApp) -> String {
    let channel = app
        .create_channel(app.staff(), "launch", "PUBLIC", &["marketing", "sales"])
        .await;
    app.join_channel(app.manager(), &channel).await;
    channel
}

/// Opens a socket as `actor` and subscribes to the channel's new messages.
/// Without `after`, returns once the subscription is registered; with it,
/// the replay comes first (and is heard only once it is registered).
async fn follow(address: &str, actor: &Actor, channel: &str, after: Option<&str>) -> Ws {
    let mut ws = Ws::open(address, Some(&actor.token)).await;
    ws.subscribe_with(
        "added",
        ADDED,
        json!({ "channel": channel, "after": after }),
    )
    .await;
    if after.is_none() {
        ws.sync().await;
    }
    ws
}

/// The `messageAdded` edge of a `next` message.
fn edge(message: &Value) -> &Value {
    assert_eq!(message["type"], "next", "{message}");
    &message["payload"]["data"]["messageAdded"]
}

/// The first error code of an `error` message.
fn error_code(message: &Value) -> &str {
    assert_eq!(message["type"], "error", "{message}");
    message["payload"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

async fn a_member_sees_a_message_posted_by_another_user_live(app: TestApp) {
    let channel = launch_channel(&app).await;
    let mut ws = follow(&app.address, app.staff(), &channel, None).await;

    let started = Instant::now();
    let id = app
        .post_message(app.manager(), &channel, "Launch is **on**", None)
        .await;
    let got = ws.next(SECOND).await;
    let latency = started.elapsed();

    let added = edge(&got);
    assert_eq!(added["node"]["id"], id.as_str());
    assert_eq!(added["node"]["body"], "Launch is **on**");
    assert_eq!(added["node"]["author"]["handle"], "magnus");
    assert!(added["cursor"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(latency < SECOND, "took {latency:?}");

    // Replies are new messages too, with their thread.
    app.post_message(app.staff(), &channel, "Which day?", Some(&id))
        .await;
    let reply = ws.next(SECOND).await;
    assert_eq!(edge(&reply)["node"]["parent"]["id"], id.as_str());
    assert_eq!(edge(&reply)["node"]["body"], "Which day?");
    ws.expect_quiet().await;
}
db_test!(a_member_sees_a_message_posted_by_another_user_live);

/// The statements the server runs for a post heard by `sockets`
/// subscribers (spread over the four actors), from the post to the last
/// delivery.
async fn statements_for_a_post_heard_by(app: &TestApp, channel: &str, sockets: usize) -> u64 {
    let actors = [app.staff(), app.manager(), app.comms(), app.admin()];
    let mut followers = Vec::new();
    for n in 0..sockets {
        followers.push(follow(&app.address, actors[n % actors.len()], channel, None).await);
    }
    let before = app.statements.load(Ordering::SeqCst);
    app.post_message(app.manager(), channel, &format!("heard by {sockets}"), None)
        .await;
    for ws in &mut followers {
        assert_eq!(
            edge(&ws.next(SECOND).await)["node"]["author"]["handle"],
            "magnus"
        );
    }
    app.statements.load(Ordering::SeqCst) - before
}

async fn a_message_heard_by_many_subscribers_is_loaded_for_all_of_them_at_once(app: TestApp) {
    let channel = launch_channel(&app).await;
    let alone = statements_for_a_post_heard_by(&app, &channel, 1).await;
    let many = statements_for_a_post_heard_by(&app, &channel, 24).await;
    // Each subscription loading its own message and author would cost two
    // statements more for each further subscriber; batched across them, a
    // few. (The post itself costs the same both times.)
    assert!(
        many < alone + 23,
        "one subscriber: {alone} statements; 24: {many}"
    );
}
db_test!(a_message_heard_by_many_subscribers_is_loaded_for_all_of_them_at_once);

async fn a_dropped_subscriber_resumes_from_its_last_cursor_and_misses_nothing(app: TestApp) {
    let channel = launch_channel(&app).await;
    let mut ws = follow(&app.address, app.staff(), &channel, None).await;
    app.post_message(app.manager(), &channel, "seen", None)
        .await;
    let seen = ws.next(SECOND).await;
    let last_cursor = edge(&seen)["cursor"].as_str().expect("cursor").to_owned();
    drop(ws);

    let mut missed = Vec::new();
    for n in 1..=10 {
        let body = format!("missed {n}");
        app.post_message(app.manager(), &channel, &body, None).await;
        missed.push(body);
    }
    let mut ws = follow(&app.address, app.staff(), &channel, Some(&last_cursor)).await;
    let mut replayed = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let got = ws.next(SECOND).await;
        replayed.push(edge(&got)["node"]["body"].as_str().unwrap().to_owned());
        cursor = edge(&got)["cursor"].as_str().unwrap().to_owned();
    }
    assert_eq!(replayed, missed, "exactly the missed messages, in order");

    // Then live, without repeating anything.
    app.post_message(app.manager(), &channel, "live again", None)
        .await;
    let live = ws.next(SECOND).await;
    assert_eq!(edge(&live)["node"]["body"], "live again");
    ws.expect_quiet().await;

    // Resuming from the newest cursor replays nothing.
    let mut caught_up = follow(&app.address, app.staff(), &channel, Some(&cursor)).await;
    let again = caught_up.next(SECOND).await;
    assert_eq!(edge(&again)["node"]["body"], "live again");
    caught_up.expect_quiet().await;
}
db_test!(a_dropped_subscriber_resumes_from_its_last_cursor_and_misses_nothing);

/// More missed messages than the hub holds: a subscriber cut off for
/// falling that far behind must be able to resume.
const FAR_BEHIND: usize = 5_000;

async fn a_subscriber_far_behind_resumes_with_everything_it_missed(app: TestApp) {
    let channel = launch_channel(&app).await;
    let mut ws = follow(&app.address, app.staff(), &channel, None).await;
    app.post_message(app.manager(), &channel, "seen", None)
        .await;
    let last_cursor = edge(&ws.next(SECOND).await)["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    drop(ws);

    // Written through the domain layer, a hundred at a time: through the
    // API this many would take minutes.
    let manager = app.viewer(app.manager()).await;
    let channel_id = app.channel_uuid("launch").await;
    let limits = Limits {
        content_per_minute: u32::MAX,
        ..app.config.limits.clone()
    };
    let missed: Vec<String> = (1..=FAR_BEHIND).map(|n| format!("missed {n}")).collect();
    for bodies in missed.chunks(100) {
        let batch = bodies
            .iter()
            .map(|body| {
                let new = NewMessage {
                    channel_id,
                    body: body.clone(),
                    parent_id: None,
                };
                Pending::new(&manager, new).expect("a valid post")
            })
            .collect();
        let outcomes = post::write(&app.db, &limits, batch).await;
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    }

    let mut ws = follow(&app.address, app.staff(), &channel, Some(&last_cursor)).await;
    let mut replayed = Vec::with_capacity(FAR_BEHIND);
    for n in 0..FAR_BEHIND {
        let Some(Ok(got)) = ws.try_next(SECOND).await else {
            panic!("message {n} of the replay did not arrive within a second");
        };
        replayed.push(edge(&got)["node"]["body"].as_str().unwrap().to_owned());
    }
    assert!(replayed == missed, "every missed message once, in order");
    // Then live, at once: the analytics fold of all those posts, which
    // takes seconds on a new database, holds no live message up.
    app.post_message(app.manager(), &channel, "live again", None)
        .await;
    assert_eq!(edge(&ws.next(SECOND).await)["node"]["body"], "live again");
}
db_test!(a_subscriber_far_behind_resumes_with_everything_it_missed);

async fn edits_reactions_and_deletions_arrive_as_the_message_is_now(app: TestApp) {
    let channel = launch_channel(&app).await;
    let id = app
        .post_message(app.manager(), &channel, "first draft", None)
        .await;
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    ws.subscribe_with("changed", CHANGED, json!({ "channel": channel }))
        .await;
    ws.sync().await;

    app.gql(
        Some(app.manager()),
        "mutation($input: EditMessageInput!) { editMessage(input: $input) { message { id } } }",
        json!({ "input": { "id": id, "body": "final" } }),
    )
    .await
    .data();
    let edited = ws.next(SECOND).await;
    let edited = &edited["payload"]["data"]["messageChanged"];
    assert_eq!(edited["body"], "final");
    assert!(edited["editedAt"].is_string());

    app.react(app.staff(), &id, "tada").await;
    let reacted = ws.next(SECOND).await;
    assert_eq!(
        reacted["payload"]["data"]["messageChanged"]["reactions"],
        json!([{ "code": "tada", "count": 1, "viewerHasReacted": true }])
    );

    app.gql(
        Some(app.manager()),
        "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { message { id } } }",
        json!({ "input": { "id": id } }),
    )
    .await
    .data();
    let deleted = ws.next(SECOND).await;
    let deleted = &deleted["payload"]["data"]["messageChanged"];
    assert_eq!(deleted["body"], "");
    assert!(deleted["deletedAt"].is_string());

    // New messages are not changes.
    app.post_message(app.manager(), &channel, "another", None)
        .await;
    ws.expect_quiet().await;
}
db_test!(edits_reactions_and_deletions_arrive_as_the_message_is_now);

/// Subscribers' loads are batched together (`Loaders::sharing`), so one
/// event's reactions are read for several viewers at once: each still sees
/// whether they reacted themselves.
async fn each_subscriber_sees_its_own_viewer_has_reacted(app: TestApp) {
    let channel = launch_channel(&app).await;
    let id = app
        .post_message(app.manager(), &channel, "react to me", None)
        .await;
    let mut reactor = Ws::open(&app.address, Some(&app.staff().token)).await;
    let mut onlooker = Ws::open(&app.address, Some(&app.manager().token)).await;
    for ws in [&mut reactor, &mut onlooker] {
        ws.subscribe_with("changed", CHANGED, json!({ "channel": channel }))
            .await;
        ws.sync().await;
    }

    app.react(app.staff(), &id, "tada").await;
    for (ws, reacted) in [(&mut reactor, true), (&mut onlooker, false)] {
        let event = ws.next(SECOND).await;
        assert_eq!(
            event["payload"]["data"]["messageChanged"]["reactions"],
            json!([{ "code": "tada", "count": 1, "viewerHasReacted": reacted }])
        );
    }
}
db_test!(each_subscriber_sees_its_own_viewer_has_reacted);

async fn a_mention_arrives_live_as_a_notification_only_for_its_recipient(app: TestApp) {
    let channel = launch_channel(&app).await;
    let mut stella = Ws::open(&app.address, Some(&app.staff().token)).await;
    stella.subscribe("notified", NOTIFIED).await;
    stella.sync().await;
    let mut adam = Ws::open(&app.address, Some(&app.admin().token)).await;
    adam.subscribe("notified", NOTIFIED).await;
    adam.sync().await;

    let id = app
        .post_message(app.manager(), &channel, "@stella can you check?", None)
        .await;
    let got = stella.next(SECOND).await;
    let notification = &got["payload"]["data"]["notificationAdded"];
    assert_eq!(notification["kind"], "MENTION", "{got}");
    assert_eq!(notification["aboutMessage"]["id"], id.as_str());

    // A reply in a thread she follows (she started it).
    let own = app
        .post_message(app.staff(), &channel, "My thread", None)
        .await;
    app.post_message(app.manager(), &channel, "A reply", Some(&own))
        .await;
    let reply = stella.next(SECOND).await;
    assert_eq!(
        reply["payload"]["data"]["notificationAdded"]["kind"],
        "REPLY"
    );

    adam.expect_quiet().await;
    stella.expect_quiet().await;
}
db_test!(a_mention_arrives_live_as_a_notification_only_for_its_recipient);

async fn a_private_channel_is_followed_only_by_its_members(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "quiet-room", "PRIVATE", &["customer-service"])
        .await;
    let mut outsider = Ws::open(&app.address, Some(&app.manager().token)).await;
    outsider
        .subscribe_with("added", ADDED, json!({ "channel": channel }))
        .await;
    let refused = outsider.next(SECOND).await;
    assert_eq!(error_code(&refused), "NOT_FOUND");

    app.add_channel_member(app.staff(), &channel, &app.manager().id)
        .await;
    let mut member = follow(&app.address, app.manager(), &channel, None).await;
    app.post_message(app.staff(), &channel, "for members", None)
        .await;
    assert_eq!(
        edge(&member.next(SECOND).await)["node"]["body"],
        "for members"
    );

    // Removed, the subscription ends before showing anything more.
    app.gql(
        Some(app.admin()),
        "mutation($input: RemoveChannelMemberInput!) { removeChannelMember(input: $input) { channel { id } } }",
        json!({ "input": { "channelId": channel, "userId": app.manager().id } }),
    )
    .await
    .data();
    app.post_message(app.staff(), &channel, "after you left", None)
        .await;
    let ended = member.next(SECOND).await;
    assert_eq!(ended["type"], "next", "{ended}");
    assert_eq!(
        ended["payload"]["errors"][0]["extensions"]["code"],
        "NOT_FOUND"
    );
    assert!(!ended.to_string().contains("after you left"));
    let complete = member.next(SECOND).await;
    assert_eq!(complete["type"], "complete", "{complete}");
}
db_test!(a_private_channel_is_followed_only_by_its_members);

/// The global id of a channel that does not exist.
fn unknown_channel() -> String {
    URL_SAFE_NO_PAD.encode(format!("Channel:{}", uuid::Uuid::now_v7()))
}

async fn bad_subscriptions_get_clear_errors_and_change_nothing(app: TestApp) {
    let channel = launch_channel(&app).await;
    let other = app
        .create_channel(app.staff(), "elsewhere", "PUBLIC", &["sales"])
        .await;
    let mut ws = follow(&app.address, app.staff(), &other, None).await;
    app.post_message(app.staff(), &other, "elsewhere", None)
        .await;
    let foreign = edge(&ws.next(SECOND).await)["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.snapshot().await;

    let cases = [
        (
            "malformed cursor",
            json!({ "channel": channel, "after": "not-a-cursor" }),
            "BAD_USER_INPUT",
        ),
        (
            "a cursor from another channel",
            json!({ "channel": channel, "after": foreign }),
            "BAD_USER_INPUT",
        ),
        (
            "unknown channel",
            json!({ "channel": unknown_channel() }),
            "NOT_FOUND",
        ),
        (
            "a user's id",
            json!({ "channel": app.staff().id }),
            "BAD_USER_INPUT",
        ),
        ("not an id", json!({ "channel": "???" }), "BAD_USER_INPUT"),
    ];
    for (n, (case, variables, code)) in cases.into_iter().enumerate() {
        let id = format!("bad-{n}");
        ws.subscribe_with(&id, ADDED, variables).await;
        let got = ws.next(SECOND).await;
        assert_eq!(got["id"], id.as_str(), "{case}: {got}");
        assert_eq!(error_code(&got), code, "{case}: {got}");
        let message = got["payload"][0]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{case}: {got}");
    }
    let mut anonymous = Ws::open(&app.address, None).await;
    anonymous
        .subscribe_with("added", ADDED, json!({ "channel": channel }))
        .await;
    assert_eq!(error_code(&anonymous.next(SECOND).await), "UNAUTHENTICATED");
    anonymous.subscribe("notified", NOTIFIED).await;
    assert_eq!(error_code(&anonymous.next(SECOND).await), "UNAUTHENTICATED");
    assert_eq!(app.snapshot().await, before, "nothing changed");
}
db_test!(bad_subscriptions_get_clear_errors_and_change_nothing);

/// Events serve live delivery only, so the scheduler (every 100 ms in
/// tests) deletes those older than a day and keeps newer ones.
async fn events_older_than_a_day_are_pruned(app: TestApp) {
    use sea_orm::{ActiveModelTrait, EntityTrait, NotSet, Set};
    use synaps::entities::events;
    // Arrange: an event 25 hours old and one an hour old.
    let aged = |hours: i64, topic: &str| events::ActiveModel {
        id: NotSet,
        topic: Set(topic.to_owned()),
        subject_kind: Set("test".to_owned()),
        subject_id: Set(None),
        payload: Set("{}".to_owned()),
        created_at: Set(chrono::Utc::now() - chrono::Duration::hours(hours)),
        txid: NotSet,
    };
    let old = aged(25, "test.old")
        .insert(&app.db)
        .await
        .expect("old event");
    let recent = aged(1, "test.recent")
        .insert(&app.db)
        .await
        .expect("recent event");

    // Act: wait for the scheduler.
    let started = Instant::now();
    while events::Entity::find_by_id(old.id)
        .one(&app.db)
        .await
        .expect("read events")
        .is_some()
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the old event is still there"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Assert: the recent one stays.
    let kept = events::Entity::find_by_id(recent.id).one(&app.db).await;
    assert!(kept.expect("read events").is_some());
}
db_test!(events_older_than_a_day_are_pruned);

async fn messages_cross_from_one_replica_to_another(app: TestApp) {
    let channel = launch_channel(&app).await;
    let a = Replica::start(app.database_url()).await;
    let b = Replica::start(app.database_url()).await;
    let mut on_b = app.clone();
    on_b.address = b.address.clone();

    let mut ws = follow(&a.address, app.staff(), &channel, None).await;
    let started = Instant::now();
    on_b.post_message(app.manager(), &channel, "from replica b", None)
        .await;
    let got = ws.next(SECOND).await;
    let latency = started.elapsed();
    assert_eq!(edge(&got)["node"]["body"], "from replica b");
    assert!(latency < SECOND, "took {latency:?}");
    eprintln!("a message crossed replicas {latency:?} after it was sent");

    // Dropped on one replica, resumed on the other, nothing lost.
    let cursor = edge(&got)["cursor"].as_str().unwrap().to_owned();
    drop(ws);
    for n in 1..=10 {
        on_b.post_message(app.manager(), &channel, &format!("while away {n}"), None)
            .await;
    }
    let mut ws = follow(&b.address, app.staff(), &channel, Some(&cursor)).await;
    for n in 1..=10 {
        let got = ws.next(SECOND).await;
        assert_eq!(edge(&got)["node"]["body"], format!("while away {n}"));
    }
    app.post_message(app.manager(), &channel, "from a third", None)
        .await;
    assert_eq!(edge(&ws.next(SECOND).await)["node"]["body"], "from a third");
    ws.expect_quiet().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_cross_from_one_replica_to_another_on_postgres() {
    crate::helpers::run(
        Backend::Postgres,
        messages_cross_from_one_replica_to_another,
    )
    .await;
}
