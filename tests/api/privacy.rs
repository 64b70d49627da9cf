//! A person's data: everything synaps holds about them, exported as JSON
//! without secrets; and erased, keeping the threads they took part in
//! readable, with only that it happened left in the audit log.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::TestApp;

const EXPORT: &str =
    "mutation($input: ExportUserDataInput!) { exportUserData(input: $input) { data } }";
const ERASE: &str = "mutation($input: EraseUserInput!) { eraseUser(input: $input) { user { handle displayName deactivatedAt } } }";
const FEED: &str = "query($slug: String!) { channel(slug: $slug) { messages(first: 10) { nodes { body deletedAt erasedAt author { displayName } replies(first: 5) { nodes { body } } } } } }";
const CHECKIN: &str =
    "mutation($input: SubmitCheckinInput!) { submitCheckin(input: $input) { checkin { id } } }";
const LOG: &str = "query($action: String) { auditLog(first: 50, action: $action) { nodes { action subjectId before after } } }";
const PUBLIC: &str = "query { publicPosts(first: 50) { nodes { title } } }";

/// A staff member with a bit of everything: a thread someone answered, a
/// reaction, a check-in, a published post.
async fn a_busy_person(app: &TestApp) -> String {
    let (staff, manager) = (app.staff(), app.manager());
    let channel = app
        .create_channel(manager, "launch", "PUBLIC", &["sales"])
        .await;
    app.join_channel(staff, &channel).await;
    let root = app
        .post_message(staff, &channel, "my zanzibar question", None)
        .await;
    app.post_message(manager, &channel, "the manager's answer", Some(&root))
        .await;
    app.react(staff, &root, "thumbsup").await;
    app.gql(
        Some(staff),
        CHECKIN,
        json!({ "input": { "wins": "Closed the zanzibar deal", "mood": 4, "challenges": [] } }),
    )
    .await
    .data();
    app.publish_post("Zanzibar notes", "What I learned.").await;
    channel
}

async fn an_admin_exports_everything_about_a_person_without_secrets(app: TestApp) {
    a_busy_person(&app).await;
    let staff = app.staff();
    let response = app
        .gql(
            Some(app.admin()),
            EXPORT,
            json!({ "input": { "id": staff.id } }),
        )
        .await;
    let text = response.data()["exportUserData"]["data"]
        .as_str()
        .expect("JSON text")
        .to_owned();
    let data: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(data["profile"]["email"], "stella@example.com");
    let bodies: Vec<&str> = data["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["my zanzibar question"]);
    for section in [
        "reactions",
        "checkins",
        "posts",
        "postRevisions",
        "departments",
        "channels",
        "sessions",
        "refreshTokens",
        "notifications",
    ] {
        assert!(
            data[section]
                .as_array()
                .is_some_and(|rows| !rows.is_empty()),
            "{section}: {}",
            data[section]
        );
    }
    // No secrets: no password hash, no refresh token hash.
    assert!(
        !text.contains("password_hash") && !text.contains("$argon2"),
        "{text}"
    );
    assert!(!text.contains("token_hash"), "{text}");
    // Recorded; admins only.
    let log = app
        .gql(Some(app.admin()), LOG, json!({ "action": "user.exported" }))
        .await;
    assert_eq!(
        log.data()["auditLog"]["nodes"][0]["subjectId"],
        staff.id.as_str()
    );
    for viewer in [app.staff(), app.comms()] {
        let refused = app
            .gql(Some(viewer), EXPORT, json!({ "input": { "id": staff.id } }))
            .await;
        assert_eq!(refused.code(), Some("FORBIDDEN"));
    }
}
db_test!(an_admin_exports_everything_about_a_person_without_secrets);

async fn erasing_a_person_keeps_their_threads_readable_and_nothing_of_theirs(app: TestApp) {
    a_busy_person(&app).await;
    let (staff, admin, manager) = (app.staff(), app.admin(), app.manager());

    // A wrong confirmation changes nothing.
    let before = app.snapshot().await;
    let wrong = app
        .gql(
            Some(admin),
            ERASE,
            json!({ "input": { "id": staff.id, "confirmHandle": "magnus" } }),
        )
        .await;
    assert_eq!(wrong.code(), Some("BAD_USER_INPUT"));
    assert_eq!(app.snapshot().await, before);
    let own = app
        .gql(
            Some(admin),
            ERASE,
            json!({ "input": { "id": admin.id, "confirmHandle": "adam" } }),
        )
        .await;
    assert_eq!(own.code(), Some("BAD_USER_INPUT"));

    let erased = app
        .gql(
            Some(admin),
            ERASE,
            json!({ "input": { "id": staff.id, "confirmHandle": "@stella" } }),
        )
        .await;
    let user = &erased.data()["eraseUser"]["user"];
    assert_eq!(user["displayName"], "Former colleague");
    assert!(user["handle"].as_str().unwrap().starts_with("erased-"));
    assert!(user["deactivatedAt"].is_string());

    // The thread stays, its first message a tombstone that says why.
    let feed = app
        .gql(Some(manager), FEED, json!({ "slug": "launch" }))
        .await;
    let root = &feed.data()["channel"]["messages"]["nodes"][0];
    assert_eq!(root["body"], "");
    assert!(
        root["deletedAt"].is_string() && root["erasedAt"].is_string(),
        "{root}"
    );
    assert_eq!(root["author"]["displayName"], "Former colleague");
    assert_eq!(root["replies"]["nodes"][0]["body"], "the manager's answer");

    // Off the blog, out of search, signed out, gone from the directory.
    let public = app.gql(None, PUBLIC, json!({})).await;
    assert_eq!(public.data()["publicPosts"]["nodes"], json!([]));
    let found = app
        .gql(
            Some(manager),
            "query { search(query: \"zanzibar\") { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(found.data()["search"]["edges"], json!([]));
    let signed_out = app
        .gql(Some(staff), "query { me { handle } }", json!({}))
        .await;
    assert_eq!(signed_out.code(), Some("UNAUTHENTICATED"));
    let by_handle = app
        .gql(
            Some(manager),
            "query { user(handle: \"stella\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(by_handle.code(), Some("NOT_FOUND"), "{by_handle:?}");

    // What remains about them holds none of it.
    let export = app
        .gql(Some(admin), EXPORT, json!({ "input": { "id": staff.id } }))
        .await;
    let text = export.data()["exportUserData"]["data"]
        .as_str()
        .unwrap()
        .to_owned();
    for gone in ["stella@example.com", "zanzibar", "Zanzibar", "Stella"] {
        assert!(!text.contains(gone), "{gone} in {text}");
    }
    // The audit log: that it happened, not what was erased.
    let log = app.gql(Some(admin), LOG, json!({})).await;
    let entries = log.data()["auditLog"]["nodes"].as_array().unwrap().clone();
    // Newest first: the export just made, then the erasure.
    assert_eq!(entries[0]["action"], "user.exported");
    assert_eq!(entries[1]["action"], "user.erased");
    for entry in entries
        .iter()
        .filter(|e| e["subjectId"] == staff.id.as_str())
    {
        assert!(
            entry["before"].is_null() && entry["after"].is_null(),
            "{entry}"
        );
    }
    assert!(!log.body.to_string().contains("stella@example.com"));
}
db_test!(erasing_a_person_keeps_their_threads_readable_and_nothing_of_theirs);
