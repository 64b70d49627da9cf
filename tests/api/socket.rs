//! Every operation over `GET /graphql/ws` (graphql-transport-ws): queries
//! and mutations get one `next` and a `complete`, through the same
//! admission, limits, authentication and rate limits as over HTTP; and the
//! credential of `connection_init`, under whatever key clients put it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use synaps::config::Config;
use synaps::entities::login_throttle;

use crate::db_test;
use crate::helpers::ws::Ws;
use crate::helpers::{PASSWORD, TestApp};

const ME: &str = "{ me { handle } }";
const POST_MESSAGE: &str = "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id body author { handle } } } }";
const STATUS_CHANGED: &str = "subscription { postStatusChanged { id status } }";

/// Asserts one `next` and then `complete`; returns the `next`'s payload.
#[track_caller]
fn next_then_complete(messages: &[Value]) -> &Value {
    match messages {
        [next, complete] => {
            assert_eq!(next["type"], "next", "{next}");
            assert_eq!(complete["type"], "complete", "{complete}");
            &next["payload"]
        }
        other => panic!("expected next and complete, got {other:?}"),
    }
}

fn post_input(channel: &str, body: &str) -> Value {
    json!({ "input": { "channelId": channel, "body": body } })
}

async fn a_query_over_the_socket_gets_one_next_and_then_complete(app: TestApp) {
    // Arrange
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;

    // Act
    let me = ws.operation("me", ME, Value::Null).await;
    let named = ws
        .operation(
            "named",
            "query Mine { me { handle } } query Theirs { departments { totalCount } }",
            Value::Null,
        )
        .await;
    let schema = ws
        .operation("schema", "{ __schema { queryType { name } } }", Value::Null)
        .await;

    // Assert
    assert_eq!(next_then_complete(&me)["data"]["me"]["handle"], "stella");
    // Without an operation name the document is ambiguous: as over HTTP.
    assert_eq!(named[0]["type"], "error", "{named:?}");
    assert_eq!(
        named[0]["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(
        next_then_complete(&schema)["data"]["__schema"]["queryType"]["name"],
        "Query"
    );
    // The socket carries on.
    ws.sync().await;
}
db_test!(a_query_over_the_socket_gets_one_next_and_then_complete);

async fn a_mutation_over_the_socket_takes_effect(app: TestApp) {
    // Arrange
    let channel = app
        .create_channel(app.staff(), "socket", "PUBLIC", &["sales"])
        .await;
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;

    // Act
    let posted = ws
        .operation(
            "post",
            POST_MESSAGE,
            post_input(&channel, "over the socket"),
        )
        .await;

    // Assert
    let message = &next_then_complete(&posted)["data"]["postMessage"]["message"];
    assert_eq!(message["author"]["handle"], "stella");
    let read = app
        .gql(
            Some(app.manager()),
            "query($id: ID!) { node(id: $id) { ... on Message { body } } }",
            json!({ "id": message["id"] }),
        )
        .await;
    assert_eq!(read.data()["node"]["body"], "over the socket");
}
db_test!(a_mutation_over_the_socket_takes_effect);

fn three_a_minute(config: &mut Config) {
    config.limits.content_per_minute = 3;
}

async fn the_socket_and_http_spend_one_content_budget(app: TestApp) {
    // Arrange: two messages over HTTP, then the third over the socket.
    let channel = app
        .create_channel(app.staff(), "busy", "PUBLIC", &["sales"])
        .await;
    for body in ["one", "two"] {
        app.gql(Some(app.staff()), POST_MESSAGE, post_input(&channel, body))
            .await
            .data();
    }
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    let third = ws
        .operation("third", POST_MESSAGE, post_input(&channel, "three"))
        .await;
    next_then_complete(&third)["data"]["postMessage"]["message"]["id"]
        .as_str()
        .expect("posted");
    let before = app.snapshot().await;

    // Act
    let fourth = ws
        .operation("fourth", POST_MESSAGE, post_input(&channel, "four"))
        .await;
    let over_http = app
        .gql(
            Some(app.staff()),
            POST_MESSAGE,
            post_input(&channel, "five"),
        )
        .await;

    // Assert: refused alike, a result with an error (it ran), nothing written.
    let refused = next_then_complete(&fourth);
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{refused}"
    );
    assert!(refused["errors"][0]["extensions"]["retryAfterSeconds"].is_u64());
    over_http.expect_error("RATE_LIMITED");
    assert_eq!(app.snapshot().await, before);
}
db_test!(
    the_socket_and_http_spend_one_content_budget,
    with = three_a_minute
);

async fn a_login_over_the_socket_counts_against_its_address_and_account(app: TestApp) {
    // Arrange
    let mut ws = Ws::open(&app.address, None).await;
    let login =
        "mutation($input: LoginInput!) { login(input: $input) { accessToken user { handle } } }";

    // Act
    let wrong = ws
        .operation(
            "wrong",
            login,
            json!({ "input": { "email": "stella@example.com", "password": "not the password" } }),
        )
        .await;
    let right = ws
        .operation(
            "right",
            login,
            json!({ "input": { "email": "magnus@example.com", "password": PASSWORD } }),
        )
        .await;

    // Assert
    let wrong = next_then_complete(&wrong);
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    use sea_orm::EntityTrait;
    let rows: BTreeMap<String, i32> = login_throttle::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.key, row.attempts))
        .collect();
    assert_eq!(rows.get("address:127.0.0.1"), Some(&1), "{rows:?}");
    assert_eq!(rows.get("account:stella@example.com"), Some(&1), "{rows:?}");
    let right = next_then_complete(&right);
    assert_eq!(right["data"]["login"]["user"]["handle"], "magnus");
    let token = right["data"]["login"]["accessToken"].as_str().unwrap();
    let me = app.gql_with_token(Some(token), ME, json!({})).await;
    assert_eq!(me.data()["me"]["handle"], "magnus");
}
db_test!(a_login_over_the_socket_counts_against_its_address_and_account);

async fn a_document_refused_over_http_is_refused_over_the_socket_with_the_same_code(app: TestApp) {
    // Arrange: one document per way to be refused before running.
    let limits = &app.config.limits;
    let aliases: String = (0..=limits.aliases)
        .map(|i| format!("a{i}: handle "))
        .collect();
    let logins = "mutation { a: login(input: { email: \"stella@example.com\", password: \"x\" }) { accessToken } b: login(input: { email: \"stella@example.com\", password: \"y\" }) { accessToken } }";
    let deep = format!(
        "{{ me {{ {}handle{} }} }}",
        "departments { members(first: 1) { nodes { ".repeat(4),
        " } } }".repeat(4)
    );
    let complex = "{ users(first: 100) { nodes { departments { members(first: 100) { nodes { handle } } } } } }";
    let long = format!("{ME} # {}", "x".repeat(limits.query_bytes));
    let documents = [
        (
            "aliases",
            format!("{{ me {{ {aliases}}} }}"),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("logins", logins.to_owned(), "GRAPHQL_VALIDATION_FAILED"),
        ("deep", deep, "GRAPHQL_VALIDATION_FAILED"),
        ("complex", complex.to_owned(), "GRAPHQL_VALIDATION_FAILED"),
        (
            "unknown",
            "{ me { shoeSize } }".to_owned(),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("broken", "{ me {".to_owned(), "GRAPHQL_PARSE_FAILED"),
        ("long", long, "BAD_REQUEST"),
    ];
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;

    for (id, document, code) in &documents {
        // Act
        let over_socket = ws.operation(id, document, Value::Null).await;
        let over_http = app.gql(Some(app.staff()), document, json!({})).await;

        // Assert: an `error` (no `complete` follows), as HTTP refuses it.
        assert_eq!(over_http.code(), Some(*code), "{id}: {}", over_http.body);
        assert_eq!(over_http.status, 400, "{id}");
        match over_socket.as_slice() {
            [error] => {
                assert_eq!(error["type"], "error", "{error}");
                assert_eq!(error["payload"][0]["extensions"]["code"], *code, "{error}");
                assert_eq!(error["payload"], over_http.body["errors"], "{id}");
            }
            other => panic!("{id}: expected one error, got {other:?}"),
        }
    }
    // Nothing ran: no login was tried.
    assert_eq!(app.count_rows("login_throttle").await, 0);
}
db_test!(a_document_refused_over_http_is_refused_over_the_socket_with_the_same_code);

async fn queries_and_mutations_interleave_with_subscriptions(app: TestApp) {
    // Arrange: a subscription, and a draft to submit.
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    ws.subscribe("mine", STATUS_CHANGED).await;
    ws.sync().await;
    let post = app.draft_post(app.staff(), "Interleaved", "A body.").await;
    let id = post["id"].as_str().unwrap();

    // Act: three operations sent at once, one of which feeds the subscription.
    ws.subscribe("before", ME).await;
    ws.subscribe_with(
        "submit",
        "mutation($input: PostIdInput!) { submitPost(input: $input) { post { status } } }",
        json!({ "input": { "id": id } }),
    )
    .await;
    ws.subscribe("after", "{ departments { totalCount } }")
        .await;
    let mut by_id: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    while by_id.values().map(Vec::len).sum::<usize>() < 7 {
        let message = ws.next(Duration::from_secs(5)).await;
        let key = message["id"].as_str().unwrap().to_owned();
        by_id.entry(key).or_default().push(message);
    }

    // Assert: one next and a complete each; the subscription heard the
    // submission and goes on.
    assert_eq!(
        next_then_complete(&by_id["before"])["data"]["me"]["handle"],
        "stella"
    );
    assert_eq!(
        next_then_complete(&by_id["submit"])["data"]["submitPost"]["post"]["status"],
        "IN_REVIEW"
    );
    assert_eq!(
        next_then_complete(&by_id["after"])["data"]["departments"]["totalCount"],
        5
    );
    let heard = &by_id["mine"];
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0]["type"], "next");
    assert_eq!(
        heard[0]["payload"]["data"]["postStatusChanged"]["status"],
        "IN_REVIEW"
    );
    app.post_step_ok(app.comms(), "approvePost", id, json!({}))
        .await;
    let approved = ws.next(Duration::from_secs(5)).await;
    assert_eq!(approved["id"], "mine");
    assert_eq!(
        approved["payload"]["data"]["postStatusChanged"]["status"],
        "APPROVED"
    );
}
db_test!(queries_and_mutations_interleave_with_subscriptions);

/// Every place a client may put the credential in `connection_init`.
fn init_payloads(authorization: &str) -> Vec<Value> {
    vec![
        json!({ "authorization": authorization }),
        json!({ "Authorization": authorization }),
        json!({ "AUTHORIZATION": authorization }),
        json!({ "headers": { "authorization": authorization } }),
        json!({ "headers": { "Authorization": authorization } }),
        json!({ "Headers": { "AUTHORIZATION": authorization } }),
    ]
}

async fn the_init_credential_is_read_under_any_key_case_and_nested_under_headers(app: TestApp) {
    for payload in init_payloads(&format!("Bearer {}", app.staff().token)) {
        // Act
        let mut ws = Ws::open_with(&app.address, payload.clone()).await;
        let me = ws.operation("me", ME, Value::Null).await;

        // Assert
        assert_eq!(
            next_then_complete(&me)["data"]["me"]["handle"],
            "stella",
            "{payload}"
        );
    }
}
db_test!(the_init_credential_is_read_under_any_key_case_and_nested_under_headers);

async fn an_invalid_init_credential_closes_with_4403_whatever_its_key(app: TestApp) {
    let token = &app.staff().token;
    let mut payloads = init_payloads("Bearer invalid");
    payloads.extend(init_payloads(token)); // not `Bearer …`
    payloads.extend([
        json!({ "Authorization": 42 }),
        json!({ "headers": { "authorization": [format!("Bearer {token}")] } }),
        // Two credentials that disagree.
        json!({ "authorization": format!("Bearer {token}"), "Authorization": "Bearer invalid" }),
        json!({ "authorization": format!("Bearer {token}"), "headers": { "authorization": "Bearer invalid" } }),
    ]);

    for payload in payloads {
        // Act
        let mut ws = Ws::connect(&app.address).await;
        ws.init_with(payload.clone()).await;

        // Assert
        match ws.try_next(Duration::from_secs(2)).await {
            Some(Err(code)) => assert_eq!(code, 4403, "{payload}"),
            other => panic!("{payload}: expected close 4403, got {other:?}"),
        }
    }
}
db_test!(an_invalid_init_credential_closes_with_4403_whatever_its_key);
