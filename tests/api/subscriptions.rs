//! Subscriptions over `GET /graphql/ws` (graphql-transport-ws): live post
//! events, who may follow what, every close code and limit, shutdown, and
//! delivery across two server processes on one PostgreSQL.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::db_test;
use crate::helpers::ws::{Replica, Ws, connect_with_protocol};
use crate::helpers::{Backend, TestApp};

const STATUS_CHANGED: &str =
    "subscription { postStatusChanged { id status title author { handle } } }";
const REVIEW_QUEUE: &str = "subscription { reviewQueueChanged { id status title } }";
/// A post by the staff actor, submitted for review; returns its id.
async fn submitted_post(app: &TestApp, title: &str) -> String {
    let post = app.draft_post(app.staff(), title, "A body.").await;
    let id = post["id"].as_str().expect("post id").to_owned();
    app.post_step_ok(app.staff(), "submitPost", &id, json!({}))
        .await;
    id
}

async fn an_author_sees_their_post_approved_live(app: TestApp) {
    let mut author = Ws::open(&app.address, Some(&app.staff().token)).await;
    author.subscribe("mine", STATUS_CHANGED).await;
    author.sync().await;
    // Someone else's subscription to their own posts sees nothing of it.
    let mut other = Ws::open(&app.address, Some(&app.manager().token)).await;
    other.subscribe("theirs", STATUS_CHANGED).await;
    other.sync().await;
    let id = submitted_post(&app, "Live from support").await;
    let submitted = author.next(Duration::from_secs(1)).await;
    assert_eq!(
        submitted["payload"]["data"]["postStatusChanged"]["status"], "IN_REVIEW",
        "{submitted}"
    );

    let started = Instant::now();
    app.post_step_ok(app.comms(), "approvePost", &id, json!({}))
        .await;
    let next = author.next(Duration::from_secs(1)).await;
    let latency = started.elapsed();

    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(next["id"], "mine");
    let post = &next["payload"]["data"]["postStatusChanged"];
    assert_eq!(post["id"], id.as_str());
    assert_eq!(post["status"], "APPROVED");
    assert_eq!(post["author"]["handle"], "stella");
    assert!(latency < Duration::from_secs(1), "took {latency:?}");
    eprintln!("postStatusChanged delivered {latency:?} after the approve was sent");
    other.expect_quiet().await;
}
db_test!(an_author_sees_their_post_approved_live);

async fn comms_sees_a_submitted_post_enter_the_review_queue(app: TestApp) {
    let mut comms = Ws::open(&app.address, Some(&app.comms().token)).await;
    comms.subscribe("queue", REVIEW_QUEUE).await;
    comms.sync().await;

    // A draft is not in the queue, and comms may not see it.
    let post = app.draft_post(app.staff(), "Queue me", "A body.").await;
    let id = post["id"].as_str().expect("post id").to_owned();
    comms.expect_quiet().await;
    let started = Instant::now();
    app.post_step_ok(app.staff(), "submitPost", &id, json!({}))
        .await;
    let entered = comms.next(Duration::from_secs(1)).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    app.post_step_ok(app.comms(), "approvePost", &id, json!({}))
        .await;
    let left = comms.next(Duration::from_secs(1)).await;

    assert_eq!(entered["type"], "next", "{entered}");
    let post = &entered["payload"]["data"]["reviewQueueChanged"];
    assert_eq!(post["id"], id.as_str());
    assert_eq!(post["status"], "IN_REVIEW");
    assert_eq!(
        left["payload"]["data"]["reviewQueueChanged"]["status"], "APPROVED",
        "{left}"
    );
}
db_test!(comms_sees_a_submitted_post_enter_the_review_queue);

async fn staff_may_not_follow_the_review_queue_nor_anyone_anonymously(app: TestApp) {
    let mut staff = Ws::open(&app.address, Some(&app.staff().token)).await;
    staff.subscribe("queue", REVIEW_QUEUE).await;
    let refused = staff.next(Duration::from_secs(2)).await;
    let mut anonymous = Ws::open(&app.address, None).await;
    anonymous.subscribe("mine", STATUS_CHANGED).await;
    let unauthenticated = anonymous.next(Duration::from_secs(2)).await;

    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "queue");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(unauthenticated["type"], "error", "{unauthenticated}");
    assert_eq!(
        unauthenticated["payload"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    // The refusal ends that subscription only: the socket stays usable.
    staff.subscribe("mine", STATUS_CHANGED).await;
    staff.sync().await;
    staff.expect_quiet().await;
}
db_test!(staff_may_not_follow_the_review_queue_nor_anyone_anonymously);

async fn a_bad_token_closes_the_socket_with_4403(app: TestApp) {
    let mut forged = Ws::connect(&app.address).await;
    forged.init(Some("not.a.token")).await;
    let mut not_bearer = Ws::connect(&app.address).await;
    not_bearer
        .send(
            json!({ "type": "connection_init", "payload": { "authorization": app.staff().token } }),
        )
        .await;

    forged.expect_close(4403, Duration::from_secs(2)).await;
    not_bearer.expect_close(4403, Duration::from_secs(2)).await;
}
db_test!(a_bad_token_closes_the_socket_with_4403);

async fn a_socket_without_init_closes_with_4408_after_3_seconds(app: TestApp) {
    let mut ws = Ws::connect(&app.address).await;
    let started = Instant::now();

    ws.expect_close(4408, Duration::from_secs(5)).await;

    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(2500) && waited < Duration::from_secs(4),
        "closed after {waited:?}"
    );
}
db_test!(a_socket_without_init_closes_with_4408_after_3_seconds);

async fn subscribing_before_the_ack_closes_with_4401(app: TestApp) {
    let mut ws = Ws::connect(&app.address).await;

    ws.subscribe("early", STATUS_CHANGED).await;

    ws.expect_close(4401, Duration::from_secs(2)).await;
}
db_test!(subscribing_before_the_ack_closes_with_4401);

async fn a_duplicate_subscription_id_closes_with_4409(app: TestApp) {
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    ws.subscribe("same", STATUS_CHANGED).await;
    ws.sync().await;

    ws.subscribe("same", STATUS_CHANGED).await;

    ws.expect_close(4409, Duration::from_secs(2)).await;
}
db_test!(a_duplicate_subscription_id_closes_with_4409);

async fn a_second_init_closes_with_4429(app: TestApp) {
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;

    ws.init(Some(&app.staff().token)).await;

    ws.expect_close(4429, Duration::from_secs(2)).await;
}
db_test!(a_second_init_closes_with_4429);

async fn a_socket_holds_at_most_20_subscriptions(app: TestApp) {
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    for n in 0..20 {
        ws.subscribe(&format!("s{n}"), STATUS_CHANGED).await;
    }
    ws.sync().await;

    ws.subscribe("s20", STATUS_CHANGED).await;
    let refused = ws.next(Duration::from_secs(2)).await;
    // Completing one makes room again; a completed id may be reused.
    ws.send(json!({ "id": "s0", "type": "complete" })).await;
    ws.subscribe("s0", STATUS_CHANGED).await;
    ws.subscribe("s21", STATUS_CHANGED).await;
    let refused_again = ws.next(Duration::from_secs(2)).await;

    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "s20");
    assert!(
        refused["payload"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("20")),
        "{refused}"
    );
    assert_eq!(refused_again["id"], "s21", "{refused_again}");
    // All 20 still deliver.
    let id = submitted_post(&app, "Twenty listeners").await;
    let _ = id;
    let mut ids = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let next = ws.next(Duration::from_secs(2)).await;
        assert_eq!(next["type"], "next", "{next}");
        ids.insert(next["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(ids.len(), 20);
    assert!(!ids.contains("s20") && !ids.contains("s21"));
}
db_test!(a_socket_holds_at_most_20_subscriptions);

async fn completing_a_subscription_stops_it(app: TestApp) {
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    ws.subscribe("mine", STATUS_CHANGED).await;
    ws.sync().await;

    ws.send(json!({ "id": "mine", "type": "complete" })).await;
    ws.sync().await;
    submitted_post(&app, "Nobody listens").await;

    ws.expect_quiet().await;
}
db_test!(completing_a_subscription_stops_it);

async fn a_subscription_outside_the_limits_gets_an_error_message(app: TestApp) {
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    let aliases: String = (0..31)
        .map(|i| format!("a{i}: postStatusChanged {{ id }} "))
        .collect();

    ws.subscribe("aliases", &format!("subscription {{ {aliases} }}"))
        .await;
    let aliased = ws.next(Duration::from_secs(2)).await;
    ws.subscribe("broken", "subscription {").await;
    let broken = ws.next(Duration::from_secs(2)).await;
    ws.subscribe("unknown", "subscription { nothingHere }")
        .await;
    let unknown = ws.next(Duration::from_secs(2)).await;

    for (message, id, code) in [
        (&aliased, "aliases", "GRAPHQL_VALIDATION_FAILED"),
        (&broken, "broken", "GRAPHQL_PARSE_FAILED"),
        (&unknown, "unknown", "GRAPHQL_VALIDATION_FAILED"),
    ] {
        assert_eq!(message["type"], "error", "{message}");
        assert_eq!(message["id"], id, "{message}");
        assert_eq!(
            message["payload"][0]["extensions"]["code"], code,
            "{message}"
        );
    }
}
db_test!(a_subscription_outside_the_limits_gets_an_error_message);

async fn a_malformed_message_closes_with_4400(app: TestApp) {
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;

    ws.send(json!({ "type": "subscribe", "payload": "no id" }))
        .await;

    ws.expect_close(4400, Duration::from_secs(2)).await;
}
db_test!(a_malformed_message_closes_with_4400);

async fn only_the_graphql_transport_ws_subprotocol_is_served(app: TestApp) {
    let legacy = connect_with_protocol(&app.address, "graphql-ws").await;
    let accepted = connect_with_protocol(&app.address, "graphql-ws, graphql-transport-ws").await;

    match legacy {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400)
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("the legacy subprotocol was accepted"),
    }
    let (_, selected) = accepted.expect("graphql-transport-ws is served");
    assert_eq!(selected.as_deref(), Some("graphql-transport-ws"));
}
db_test!(only_the_graphql_transport_ws_subprotocol_is_served);

fn short_lived_tokens(config: &mut synaps::config::Config) {
    config.jwt.access_ttl_secs = 3;
}

async fn a_socket_closes_with_4403_when_its_token_expires(app: TestApp) {
    // Fresh tokens live 3 s (still accepted over HTTP within the leeway).
    let login = app
        .login(&app.staff().email, crate::helpers::PASSWORD)
        .await;
    let token = login.data()["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let mut ws = Ws::open(&app.address, Some(&token)).await;
    ws.subscribe("mine", STATUS_CHANGED).await;
    let started = Instant::now();

    ws.expect_close(4403, Duration::from_secs(5)).await;

    assert!(started.elapsed() < Duration::from_secs(4));
}
db_test!(
    a_socket_closes_with_4403_when_its_token_expires,
    with = short_lived_tokens
);

async fn a_socket_closes_with_4403_when_its_session_ends_or_its_role_changes(app: TestApp) {
    // Arrange: a socket of the staff member's session, one of the comms
    // member's, and a bystander's.
    let mut signed_out = Ws::open(&app.address, Some(&app.staff().token)).await;
    signed_out.subscribe("mine", STATUS_CHANGED).await;
    let mut demoted = Ws::open(&app.address, Some(&app.comms().token)).await;
    demoted.subscribe("queue", REVIEW_QUEUE).await;
    let mut bystander = Ws::open(&app.address, Some(&app.manager().token)).await;
    bystander.subscribe("mine", STATUS_CHANGED).await;
    for ws in [&mut signed_out, &mut demoted, &mut bystander] {
        ws.sync().await;
    }

    // Act: the staff member signs out (over HTTP); an admin makes the comms
    // member staff.
    let logout = app
        .gql(Some(app.staff()), "mutation { logout { ok } }", json!({}))
        .await;
    assert_eq!(logout.data()["logout"]["ok"], true);
    app.gql(
        Some(app.admin()),
        "mutation($input: SetUserRoleInput!) { setUserRole(input: $input) { user { role } } }",
        json!({ "input": { "id": app.comms().id, "role": "STAFF" } }),
    )
    .await
    .data();

    // Assert: both close at once; the bystander's socket carries on.
    signed_out.expect_close(4403, Duration::from_secs(1)).await;
    demoted.expect_close(4403, Duration::from_secs(1)).await;
    bystander.sync().await;
}
db_test!(a_socket_closes_with_4403_when_its_session_ends_or_its_role_changes);

async fn shutdown_closes_open_sockets_with_1001(app: TestApp) {
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    ws.subscribe("mine", STATUS_CHANGED).await;
    ws.sync().await;

    app.stop_server().await;

    ws.expect_close(1001, Duration::from_secs(2)).await;
}
db_test!(shutdown_closes_open_sockets_with_1001);

async fn an_event_crosses_from_one_replica_to_another(app: TestApp) {
    let a = Replica::start(app.database_url()).await;
    let b = Replica::start(app.database_url()).await;
    let mut author = Ws::open(&a.address, Some(&app.staff().token)).await;
    author.subscribe("mine", STATUS_CHANGED).await;
    author.sync().await;
    let mut on_b = app.clone();
    on_b.address = b.address.clone();
    // Submitted through the test's own server: a third replica.
    let id = submitted_post(&app, "Across replicas").await;
    let submitted = author.next(Duration::from_secs(1)).await;
    assert_eq!(
        submitted["payload"]["data"]["postStatusChanged"]["status"], "IN_REVIEW",
        "{submitted}"
    );

    let started = Instant::now();
    on_b.post_step_ok(on_b.comms(), "approvePost", &id, json!({}))
        .await;
    let next = author.next(Duration::from_secs(1)).await;
    let latency = started.elapsed();

    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(
        next["payload"]["data"]["postStatusChanged"]["status"],
        "APPROVED"
    );
    assert!(latency < Duration::from_secs(1), "took {latency:?}");
    eprintln!("delivered across replicas {latency:?} after the approve was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_crosses_from_one_replica_to_another_on_postgres() {
    crate::helpers::run(
        Backend::Postgres,
        an_event_crosses_from_one_replica_to_another,
    )
    .await;
}
