//! GraphQL over HTTP: methods, media types, body and document limits, and the
//! probes — what reaches the executor and what is refused at the door.

use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};
use synaps::config::{Config, Environment};

use crate::db_test;
use crate::helpers::{GqlResponse, PASSWORD, TestApp, nested_query};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const INTROSPECTION: &str = "{ __schema { types { name } } }";

/// A POST to `/graphql` with a JSON body, as a browser-less client sends it.
fn post(app: &TestApp, body: &Value) -> reqwest::RequestBuilder {
    app.client
        .post(app.url("/graphql"))
        .header(ACCEPT, GRAPHQL_RESPONSE_JSON)
        .json(body)
}

async fn send(request: reqwest::RequestBuilder) -> GqlResponse {
    GqlResponse::from(request.send().await.expect("request sent")).await
}

/// Asserts the status and the first error's code.
#[track_caller]
fn assert_refused(response: &GqlResponse, status: u16, code: &str) {
    assert_eq!(
        (response.status, response.code()),
        (status, Some(code)),
        "expected {status} {code}, got {} {}",
        response.status,
        response.body
    );
}

/// `count` aliased `login`s in one mutation, half with the right password
/// (each would start a session) and half wrong (each would count a failure).
fn aliased_logins(count: usize) -> String {
    let logins: String = (0..count)
        .map(|i| {
            let password = if i % 2 == 0 { PASSWORD } else { "wrong password" };
            format!(
                "l{i}: login(input: {{ email: \"stella@example.com\", password: \"{password}\" }}) {{ accessToken }} "
            )
        })
        .collect();
    format!("mutation {{ {logins}}}")
}

async fn a_batch_array_is_refused(app: TestApp) {
    // Arrange: two operations that would each succeed on their own.
    let batch = json!([{ "query": "{ me { handle } }" }, { "query": "{ me { id } }" }]);

    // Act
    let response = send(post(&app, &batch).bearer_auth(&app.staff().token)).await;

    // Assert
    assert_refused(&response, 400, "BAD_REQUEST");
    assert!(response.body.get("data").is_none(), "{}", response.body);
}
db_test!(a_batch_array_is_refused);

async fn a_mutation_over_get_is_refused_with_405_and_does_not_run(app: TestApp) {
    // Arrange
    let sessions = app.count_rows("sessions").await;
    let mutation = format!(
        "mutation {{ login(input: {{ email: \"stella@example.com\", password: \"{PASSWORD}\" }}) {{ accessToken }} }}"
    );

    // Act
    let response = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, GRAPHQL_RESPONSE_JSON)
        .query(&[("query", mutation.as_str())])
        .send()
        .await
        .expect("request sent");
    let allow = response.headers().get(ALLOW).cloned();
    let response = GqlResponse::from(response).await;

    // Assert
    assert_refused(&response, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(allow.as_ref().and_then(|v| v.to_str().ok()), Some("POST"));
    assert_eq!(app.count_rows("sessions").await, sessions, "login ran");
}
db_test!(a_mutation_over_get_is_refused_with_405_and_does_not_run);

async fn a_mutation_chosen_by_operation_name_over_get_is_refused(app: TestApp) {
    // Arrange: a document with a query and a mutation; the name picks the mutation.
    let document = "query Me { me { handle } } mutation Out { logout { ok } }";

    // Act
    let response = send(
        app.client
            .get(app.url("/graphql"))
            .bearer_auth(&app.staff().token)
            .query(&[("query", document), ("operationName", "Out")]),
    )
    .await;

    // Assert
    assert_refused(&response, 405, "METHOD_NOT_ALLOWED");
    let me = app
        .gql(Some(app.staff()), "{ me { handle } }", json!({}))
        .await;
    assert_eq!(me.data()["me"]["handle"], "stella", "logout ran");
}
db_test!(a_mutation_chosen_by_operation_name_over_get_is_refused);

async fn a_query_over_get_works(app: TestApp) {
    // Act
    let response = send(
        app.client
            .get(app.url("/graphql"))
            .header(ACCEPT, GRAPHQL_RESPONSE_JSON)
            .bearer_auth(&app.staff().token)
            .query(&[
                (
                    "query",
                    "query($slug: String!) { me { handle } department(slug: $slug) { slug } }",
                ),
                ("variables", r#"{"slug":"sales"}"#),
            ]),
    )
    .await;

    // Assert
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.data()["me"]["handle"], "stella");
    assert_eq!(response.data()["department"]["slug"], "sales");
    assert!(response.content_type.starts_with(GRAPHQL_RESPONSE_JSON));
}
db_test!(a_query_over_get_works);

async fn a_post_that_is_not_json_is_refused_with_415(app: TestApp) {
    // Arrange: a valid JSON body, labelled as a type a cross-site form can send.
    let body = json!({ "query": "{ me { handle } }" }).to_string();

    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        // Act
        let response = send(
            app.client
                .post(app.url("/graphql"))
                .header(ACCEPT, GRAPHQL_RESPONSE_JSON)
                .header(CONTENT_TYPE, content_type)
                .bearer_auth(&app.staff().token)
                .body(body.clone()),
        )
        .await;

        // Assert
        assert_refused(&response, 415, "UNSUPPORTED_MEDIA_TYPE");
    }
}
db_test!(a_post_that_is_not_json_is_refused_with_415);

async fn a_post_with_charset_in_the_content_type_is_accepted(app: TestApp) {
    // Act
    let response = send(
        app.client
            .post(app.url("/graphql"))
            .header(CONTENT_TYPE, "application/json; charset=utf-8")
            .bearer_auth(&app.staff().token)
            .body(json!({ "query": "{ me { handle } }" }).to_string()),
    )
    .await;

    // Assert
    assert_eq!(response.data()["me"]["handle"], "stella");
}
db_test!(a_post_with_charset_in_the_content_type_is_accepted);

async fn a_body_that_is_not_a_graphql_request_in_json_is_refused_with_400(app: TestApp) {
    for body in ["{ \"query\": ", "query { me { id } }", "{\"query\": 42}"] {
        // Act
        let response = send(
            app.client
                .post(app.url("/graphql"))
                .header(ACCEPT, GRAPHQL_RESPONSE_JSON)
                .header(CONTENT_TYPE, "application/json")
                .body(body),
        )
        .await;

        // Assert
        assert_refused(&response, 400, "BAD_REQUEST");
    }
}
db_test!(a_body_that_is_not_a_graphql_request_in_json_is_refused_with_400);

async fn a_body_over_the_limit_is_refused_with_413(app: TestApp) {
    // Arrange: a request that is valid but for its size (padding in a variable).
    let limit = app.config.limits.body_bytes;
    let padding = "x".repeat(limit);
    let body = json!({ "query": "{ me { handle } }", "variables": { "padding": padding } });
    let fits = json!({ "query": "{ me { handle } }", "variables": { "padding": "x".repeat(limit - 100) } });

    // Act
    let response = post(&app, &body)
        .bearer_auth(&app.staff().token)
        .send()
        .await
        .expect("request sent");
    let just_under = send(post(&app, &fits).bearer_auth(&app.staff().token)).await;

    // Assert
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(just_under.data()["me"]["handle"], "stella");
}
db_test!(a_body_over_the_limit_is_refused_with_413);

async fn a_query_text_over_its_limit_is_refused(app: TestApp) {
    // Arrange: well under the body limit, over the query-text limit.
    let query = format!(
        "{{ me {{ handle }} }} # {}",
        "x".repeat(app.config.limits.query_bytes)
    );

    // Act
    let response =
        send(post(&app, &json!({ "query": query })).bearer_auth(&app.staff().token)).await;

    // Assert
    assert_refused(&response, 400, "BAD_REQUEST");
}
db_test!(a_query_text_over_its_limit_is_refused);

async fn a_query_deeper_than_the_limit_is_refused(app: TestApp) {
    // Arrange
    let limit = app.config.limits.depth;
    let at_limit = nested_query(limit);
    let over_limit = nested_query(limit + 1);

    // Act
    let allowed = app.gql(Some(app.staff()), &at_limit, json!({})).await;
    let refused = app.gql(Some(app.staff()), &over_limit, json!({})).await;

    // Assert
    assert_eq!(allowed.status, 200, "{at_limit}: {}", allowed.body);
    allowed.data();
    assert_refused(&refused, 400, "GRAPHQL_VALIDATION_FAILED");
    let message = refused.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("deep"), "{message}");
}
db_test!(a_query_deeper_than_the_limit_is_refused);

async fn a_query_over_the_complexity_limit_is_refused(app: TestApp) {
    // Arrange: 100 people × their departments × 100 members each.
    let expensive = "{ users(first: 100) { nodes { departments { members(first: 100) { nodes { handle } } } } } }";
    let affordable = "{ users(first: 10) { nodes { departments { members(first: 10) { nodes { handle } } } } } }";

    // Act
    let refused = app.gql(Some(app.staff()), expensive, json!({})).await;
    let allowed = app.gql(Some(app.staff()), affordable, json!({})).await;

    // Assert
    assert_refused(&refused, 400, "GRAPHQL_VALIDATION_FAILED");
    let message = refused.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("complex"), "{message}");
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert_eq!(
        allowed.data()["users"]["nodes"].as_array().map(Vec::len),
        Some(4)
    );
}
db_test!(a_query_over_the_complexity_limit_is_refused);

async fn absurd_page_sizes_are_refused_as_too_complex_not_crashed_on(app: TestApp) {
    // Arrange: page sizes whose product overflows a 64-bit cost.
    let huge = i32::MAX;
    let query = format!(
        "{{ users(first: {huge}) {{ nodes {{ departments {{ members(first: {huge}) {{ nodes {{ departments {{ members(first: {huge}) {{ nodes {{ handle }} }} }} }} }} }} }} }} }}"
    );

    // Act
    let response = app.gql(Some(app.staff()), &query, json!({})).await;

    // Assert
    assert_refused(&response, 400, "GRAPHQL_VALIDATION_FAILED");
}
db_test!(absurd_page_sizes_are_refused_as_too_complex_not_crashed_on);

async fn a_hundred_aliased_logins_are_refused_before_any_runs(app: TestApp) {
    // Arrange
    let before = app.table_counts().await;

    // Act
    let response = app.gql(None, &aliased_logins(100), json!({})).await;

    // Assert: refused whole, and nothing ran — no session, no failure counted.
    assert_refused(&response, 400, "GRAPHQL_VALIDATION_FAILED");
    assert!(response.body.get("data").is_none(), "{}", response.body);
    assert_eq!(app.table_counts().await, before);
    assert_eq!(app.count_rows("login_throttle").await, 0);
}
db_test!(a_hundred_aliased_logins_are_refused_before_any_runs);

async fn two_logins_in_one_document_are_refused(app: TestApp) {
    // Arrange
    let before = app.table_counts().await;

    // Act
    let response = app.gql(None, &aliased_logins(2), json!({})).await;

    // Assert
    assert_refused(&response, 400, "GRAPHQL_VALIDATION_FAILED");
    let message = response.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("login"), "{message}");
    assert_eq!(app.table_counts().await, before);
    assert_eq!(app.count_rows("login_throttle").await, 0);
    // One login in a document is fine.
    app.gql(None, &aliased_logins(1), json!({})).await.data();
}
db_test!(two_logins_in_one_document_are_refused);

async fn more_than_thirty_aliases_are_refused(app: TestApp) {
    // Arrange: aliases inside one root field, so only the alias limit applies.
    let aliases = |n: usize| -> String {
        let fields: String = (0..n).map(|i| format!("a{i}: handle ")).collect();
        format!("{{ me {{ {fields}}} }}")
    };
    let limit = app.config.limits.aliases;

    // Act
    let allowed = app.gql(Some(app.staff()), &aliases(limit), json!({})).await;
    let refused = app
        .gql(Some(app.staff()), &aliases(limit + 1), json!({}))
        .await;

    // Assert
    assert_eq!(allowed.data()["me"]["a29"], "stella");
    assert_refused(&refused, 400, "GRAPHQL_VALIDATION_FAILED");
}
db_test!(more_than_thirty_aliases_are_refused);

async fn documents_that_do_not_parse_or_validate_are_200_with_json_and_400_with_graphql_response_json(
    app: TestApp,
) {
    // Arrange: a document that does not parse, one the schema refuses, and
    // one over each kind of limit (ours, and async-graphql's depth).
    let too_many_aliases: String = (0..=app.config.limits.aliases)
        .map(|i| format!("a{i}: handle "))
        .collect();
    let documents = [
        ("{ me { handle ", "GRAPHQL_PARSE_FAILED"),
        ("{ me { handle shoeSize } }", "GRAPHQL_VALIDATION_FAILED"),
        (
            &format!("{{ me {{ {too_many_aliases}}} }}"),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            &nested_query(app.config.limits.depth + 1),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    let ask = |document: &str, accept: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header(ACCEPT, accept)
            .bearer_auth(&app.staff().token)
            .json(&json!({ "query": document }))
    };

    for (document, code) in documents {
        // Act
        let modern = send(ask(document, GRAPHQL_RESPONSE_JSON)).await;
        let legacy = send(ask(document, "application/json")).await;

        // Assert: the same errors, no data, and only the status differs.
        assert_refused(&modern, 400, code);
        assert_refused(&legacy, 200, code);
        assert_eq!(modern.body, legacy.body);
        assert!(legacy.body.get("data").is_none(), "{}", legacy.body);
        assert!(modern.content_type.starts_with(GRAPHQL_RESPONSE_JSON));
        assert!(legacy.content_type.starts_with("application/json"));
    }
    // A request that is not a GraphQL request at all stays 400.
    let batch = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, "application/json")
        .json(&json!([{ "query": "{ me { handle } }" }]));
    assert_refused(&send(batch).await, 400, "BAD_REQUEST");
}
db_test!(
    documents_that_do_not_parse_or_validate_are_200_with_json_and_400_with_graphql_response_json
);

async fn a_client_that_accepts_neither_json_type_gets_406(app: TestApp) {
    // Act
    let response = send(
        app.client
            .post(app.url("/graphql"))
            .header(ACCEPT, "text/plain")
            .bearer_auth(&app.staff().token)
            .json(&json!({ "query": "{ me { handle } }" })),
    )
    .await;

    // Assert
    assert_refused(&response, 406, "NOT_ACCEPTABLE");
}
db_test!(a_client_that_accepts_neither_json_type_gets_406);

async fn every_response_carries_a_request_id(app: TestApp) {
    // Arrange: a success, refusals at several layers, a probe and a 404.
    let requests = [
        post(&app, &json!({ "query": "{ me { handle } }" })).bearer_auth(&app.staff().token),
        post(&app, &json!({ "query": "{ nope }" })),
        post(&app, &json!({ "query": "{ me { id } }" })).bearer_auth("not-a-token"),
        app.client
            .post(app.url("/graphql"))
            .header(CONTENT_TYPE, "text/plain")
            .body("{}"),
        app.client.get(app.url("/healthz")),
        app.client.get(app.url("/no-such-page")),
    ];
    let mut ids = Vec::new();

    for request in requests {
        // Act
        let response = request.send().await.expect("request sent");

        // Assert
        let id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| {
                panic!(
                    "no x-request-id on {} {}",
                    response.status(),
                    response.url()
                )
            })
            .to_owned();
        assert!(!id.is_empty());
        ids.push(id);
    }
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "request ids repeat: {ids:?}");
}
db_test!(every_response_carries_a_request_id);

async fn the_probes_report_healthy(app: TestApp) {
    // Act
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");

    // Assert
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(ready.status().as_u16(), 200);
    let ready: Value = ready.json().await.expect("readyz JSON");
    assert_eq!(ready, json!({ "database": "ok", "migrations": "ok" }));
}
db_test!(the_probes_report_healthy);

async fn a_browser_gets_graphiql_and_introspection_in_development(app: TestApp) {
    // Act
    let response = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("request sent");

    // Assert
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.expect("page");
    assert!(page.contains("graphiql"), "not GraphiQL: {page:.200}");
    let introspection = app.gql(Some(app.staff()), INTROSPECTION, json!({})).await;
    assert!(
        introspection.data()["__schema"]["types"]
            .as_array()
            .is_some_and(|types| !types.is_empty()),
        "{}",
        introspection.body
    );
}
db_test!(a_browser_gets_graphiql_and_introspection_in_development);

fn production(config: &mut Config) {
    config.env = Environment::Production;
}

async fn production_serves_no_graphiql_and_no_introspection(app: TestApp) {
    // Act
    let page = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("request sent");
    let introspection = app.gql(Some(app.staff()), INTROSPECTION, json!({})).await;

    // Assert
    assert_eq!(page.status().as_u16(), 400);
    let page = page.text().await.expect("body");
    assert!(!page.contains("graphiql"), "GraphiQL served in production");
    assert_refused(&introspection, 400, "INTROSPECTION_DISABLED");
    assert!(
        introspection.body.get("data").is_none(),
        "introspection answered in production: {}",
        introspection.body
    );
}
db_test!(
    production_serves_no_graphiql_and_no_introspection,
    with = production
);
