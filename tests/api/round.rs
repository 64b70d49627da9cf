//! The weekly round: check-ins, routed challenges, the round of a
//! department, reactions, comments and live updates.

use chrono::{Datelike, Days, Utc};
use serde_json::{Value, json};

use synaps::auth::Role;

use crate::db_test;
use crate::helpers::TestApp;
use crate::helpers::missing_department_id;

const CHECKIN_FIELDS: &str = "id week weekStart author { handle } wins winsHtml mood \
    challenges { id body department { slug } status answeredAt answeredBy { handle } resolvedAt \
    thread { id body channel { slug } } }";

fn submit_query() -> String {
    format!(
        "mutation($input: SubmitCheckinInput!) {{ submitCheckin(input: $input) {{ checkin {{ {CHECKIN_FIELDS} }} }} }}"
    )
}

/// The ISO week `weeks` weeks from now in UTC (the tests' default zone),
/// computed here with chrono rather than by the code under test.
fn week_from_now(weeks: i64) -> String {
    let day = if weeks >= 0 {
        Utc::now().date_naive() + Days::new(7 * weeks as u64)
    } else {
        Utc::now().date_naive() - Days::new(7 * (-weeks) as u64)
    };
    let iso = day.iso_week();
    format!("{}-W{:02}", iso.year(), iso.week())
}

impl TestApp {
    async fn submit(&self, actor: &crate::helpers::Actor, input: Value) -> Value {
        self.gql(Some(actor), &submit_query(), json!({ "input": input }))
            .await
            .data()["submitCheckin"]["checkin"]
            .clone()
    }

    async fn post_reply(
        &self,
        actor: &crate::helpers::Actor,
        channel: &str,
        parent: &str,
        body: &str,
    ) {
        self.gql(
            Some(actor),
            "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }",
            json!({ "input": { "channelId": channel, "parentId": parent, "body": body } }),
        )
        .await
        .data();
    }
}

async fn people_submit_and_replace_their_checkin(app: TestApp) {
    // Act: the week defaults to the current one in the person's zone.
    let first = app
        .submit(
            app.staff(),
            json!({
                "wins": "Closed **42** tickets",
                "challenges": [{ "body": "Backlog of refunds" }, { "body": "Onboard Kim" }],
                "mood": 4,
            }),
        )
        .await;

    // Assert
    assert_eq!(first["week"], week_from_now(0));
    assert_eq!(first["author"]["handle"], "stella");
    assert_eq!(first["wins"], "Closed **42** tickets");
    assert_eq!(
        first["winsHtml"],
        "<p>Closed <strong>42</strong> tickets</p>\n"
    );
    assert_eq!(first["mood"], 4);
    let bodies: Vec<&Value> = first["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["body"])
        .collect();
    assert_eq!(
        bodies,
        [&json!("Backlog of refunds"), &json!("Onboard Kim")]
    );
    assert_eq!(first["challenges"][0]["status"], "OPEN");
    assert_eq!(first["challenges"][0]["thread"], Value::Null);

    // Everyone signed in sees it, but only its author the mood.
    let seen = app
        .gql(
            Some(app.manager()),
            "query($id: ID!) { node(id: $id) { ... on Checkin { wins mood author { handle } } } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert_eq!(
        seen.data()["node"],
        json!({ "wins": "Closed **42** tickets", "mood": null, "author": { "handle": "stella" } })
    );
    app.gql(
        None,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": first["id"] }),
    )
    .await
    .expect_error("UNAUTHENTICATED");

    // Replace: keep the second challenge (first in the new list), drop the
    // first, add one; same week, same check-in.
    let kept = first["challenges"][1]["id"].clone();
    let second = app
        .submit(
            app.staff(),
            json!({
                "week": week_from_now(0),
                "wins": "Closed 43 tickets",
                "challenges": [
                    { "id": kept, "body": "Onboard Kim and Lee" },
                    { "body": "Phone queue" },
                ],
            }),
        )
        .await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["mood"], Value::Null);
    assert_eq!(second["challenges"][0]["id"], kept);
    assert_eq!(second["challenges"][0]["body"], "Onboard Kim and Lee");
    assert_eq!(second["challenges"][1]["body"], "Phone queue");
    assert_eq!(app.count_rows("checkins").await, 1);
    assert_eq!(app.count_rows("checkin_challenges").await, 2);

    // myCheckins lists it; others have none.
    let mine = app
        .gql(
            Some(app.staff()),
            "{ myCheckins(first: 10) { edges { node { id week } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine.data()["myCheckins"]["edges"],
        json!([{ "node": { "id": first["id"], "week": week_from_now(0) } }])
    );
    let theirs = app
        .gql(
            Some(app.manager()),
            "{ myCheckins { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(theirs.data()["myCheckins"]["edges"], json!([]));
}
db_test!(people_submit_and_replace_their_checkin);

async fn bad_checkins_are_refused_and_change_nothing(app: TestApp) {
    // Arrange: a check-in to keep, and a channel Customer Service shares
    // with Marketing only.
    let existing = app
        .submit(
            app.staff(),
            json!({ "wins": "w", "challenges": [{ "body": "c" }] }),
        )
        .await;
    app.create_channel(
        app.admin(),
        "cs-marketing",
        "PUBLIC",
        &["customer-service", "marketing"],
    )
    .await;
    let sales = app.department_id("sales").await;
    let own = app.department_id("customer-service").await;
    let before = app.snapshot().await;

    let cases = [
        (json!({ "week": "2026-W54", "wins": "x" }), "week"),
        (json!({ "week": "2026-49", "wins": "x" }), "week"),
        (json!({ "week": "W49", "wins": "x" }), "week"),
        (json!({ "week": week_from_now(1), "wins": "x" }), "week"),
        (json!({ "week": week_from_now(-1), "wins": "x" }), "week"),
        (json!({ "wins": "x", "mood": 0 }), "mood"),
        (json!({ "wins": "x", "mood": 6 }), "mood"),
        (json!({ "wins": "x".repeat(64 * 1024 + 1) }), "wins"),
        (
            json!({ "wins": "x", "challenges": [{ "body": "  " }] }),
            "challenges",
        ),
        (
            json!({ "wins": "x", "challenges": [{ "body": "help", "departmentId": own }] }),
            "challenges",
        ),
        (
            json!({ "wins": "x", "challenges": [{ "body": "help", "departmentId": missing_department_id() }] }),
            "challenges",
        ),
        (
            json!({ "wins": "x", "challenges": [{ "id": existing["id"], "body": "not a challenge id" }] }),
            "challenges",
        ),
        (
            json!({ "wins": "x", "challenges": (0..21).map(|i| json!({ "body": format!("c{i}") })).collect::<Vec<_>>() }),
            "challenges",
        ),
    ];
    for (input, field) in cases {
        app.gql(
            Some(app.staff()),
            &submit_query(),
            json!({ "input": input }),
        )
        .await
        .expect_bad_input(field);
    }

    // No channel shared with Sales: the error names both departments, and
    // nothing is written (not even the other, valid challenge).
    let refused = app
        .gql(
            Some(app.staff()),
            &submit_query(),
            json!({ "input": { "wins": "x", "challenges": [
                { "body": "fine" },
                { "body": "help", "departmentId": sales },
            ] } }),
        )
        .await;
    refused.expect_bad_input("challenges");
    let message = refused.expect_error("BAD_USER_INPUT")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("Customer Service"), "{message}");
    assert!(message.contains("Sales"), "{message}");

    app.gql(None, &submit_query(), json!({ "input": { "wins": "x" } }))
        .await
        .expect_error("UNAUTHENTICATED");
    assert_eq!(app.snapshot().await, before);
}
db_test!(bad_checkins_are_refused_and_change_nothing);

async fn a_routed_challenge_opens_a_thread_and_is_answered_by_the_other_department(app: TestApp) {
    // Arrange: Customer Service and Sales share a private channel stella is
    // not in, and a public one she is not in either (public is preferred,
    // and she joins it); a colleague of hers follows along.
    let private = app
        .create_channel(
            app.admin(),
            "aa-private",
            "PRIVATE",
            &["customer-service", "sales"],
        )
        .await;
    let _ = private;
    let shared = app
        .create_channel(
            app.admin(),
            "cs-sales",
            "PUBLIC",
            &["customer-service", "sales"],
        )
        .await;
    let colleague = app
        .create_actor(Role::Staff, "cora", &["customer-service"])
        .await;
    app.join_channel(&colleague, &shared).await;
    app.join_channel(app.manager(), &shared).await;
    let sales = app.department_id("sales").await;

    // Act
    let checkin = app
        .submit(
            app.staff(),
            json!({ "wins": "w", "challenges": [{ "body": "Who knows the *ACME* contract?", "departmentId": sales }] }),
        )
        .await;

    // Assert: the thread is in the public shared channel, with a link back.
    let challenge = checkin["challenges"][0].clone();
    assert_eq!(challenge["department"]["slug"], "sales");
    assert_eq!(challenge["status"], "OPEN");
    assert_eq!(challenge["thread"]["channel"]["slug"], "cs-sales");
    let body = challenge["thread"]["body"].as_str().unwrap();
    assert!(
        body.starts_with("Who knows the *ACME* contract?\n\n"),
        "{body}"
    );
    assert!(body.contains("/round/checkins/"), "{body}");
    let membership = app
        .gql(
            Some(app.staff()),
            "query($id: ID!) { node(id: $id) { ... on Channel { viewerIsMember } } }",
            json!({ "id": shared }),
        )
        .await;
    assert_eq!(membership.data()["node"]["viewerIsMember"], true);

    // A reply from the author's own department does not answer it.
    let thread = challenge["thread"]["id"].as_str().unwrap().to_owned();
    app.post_reply(&colleague, &shared, &thread, "Not me, sorry")
        .await;
    app.post_reply(app.staff(), &shared, &thread, "Anyone?")
        .await;
    let read = |app: &TestApp| {
        let app = app.clone();
        let id = challenge["id"].clone();
        async move {
            app.gql(
                Some(app.comms()),
                "query($id: ID!) { node(id: $id) { ... on Challenge { status answeredAt answeredBy { handle } resolvedAt } } }",
                json!({ "id": id }),
            )
            .await
            .data()["node"]
                .clone()
        }
    };
    assert_eq!(
        read(&app).await,
        json!({ "status": "OPEN", "answeredAt": null, "answeredBy": null, "resolvedAt": null })
    );

    // A member of Sales replies: answered, by him, when he replied.
    app.post_reply(app.manager(), &shared, &thread, "I do!")
        .await;
    let answered = read(&app).await;
    assert_eq!(answered["status"], "ANSWERED");
    assert_eq!(answered["answeredBy"]["handle"], "magnus");
    assert!(answered["answeredAt"].is_string());
    // A second answer changes nothing.
    app.post_reply(app.manager(), &shared, &thread, "Still me")
        .await;
    assert_eq!(read(&app).await, answered);

    // Only the author resolves it.
    let resolve = "mutation($input: ResolveChallengeInput!) { resolveChallenge(input: $input) { challenge { status resolvedAt } } }";
    let before = app.snapshot().await;
    app.gql(
        Some(app.manager()),
        resolve,
        json!({ "input": { "challengeId": challenge["id"] } }),
    )
    .await
    .expect_error("FORBIDDEN");
    assert_eq!(app.snapshot().await, before);
    let resolved = app
        .gql(
            Some(app.staff()),
            resolve,
            json!({ "input": { "challengeId": challenge["id"] } }),
        )
        .await;
    assert_eq!(
        resolved.data()["resolveChallenge"]["challenge"]["status"],
        "RESOLVED"
    );
    let reopened = app
        .gql(
            Some(app.staff()),
            "mutation($input: ResolveChallengeInput!) { reopenChallenge(input: $input) { challenge { status } } }",
            json!({ "input": { "challengeId": challenge["id"] } }),
        )
        .await;
    assert_eq!(
        reopened.data()["reopenChallenge"]["challenge"]["status"],
        "ANSWERED"
    );

    // Replacing the check-in keeps the challenge (and its thread) when
    // listed; removing it leaves the thread's message.
    let kept = app
        .submit(
            app.staff(),
            json!({ "wins": "w2", "challenges": [{ "id": challenge["id"], "body": "Who knows the ACME contract? (found)", "departmentId": sales }] }),
        )
        .await;
    assert_eq!(kept["challenges"][0]["status"], "ANSWERED");
    assert_eq!(kept["challenges"][0]["thread"]["id"], thread);
    let messages_before = app.count_rows("messages").await;
    app.submit(app.staff(), json!({ "wins": "w3", "challenges": [] }))
        .await;
    assert_eq!(app.count_rows("checkin_challenges").await, 0);
    assert_eq!(app.count_rows("messages").await, messages_before);
}
db_test!(a_routed_challenge_opens_a_thread_and_is_answered_by_the_other_department);
