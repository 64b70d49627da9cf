//! A person's recent activity (`User.recentMessages`): what they wrote,
//! newest first, as far as the viewer may see it — never a private channel
//! the viewer is not in, never a deleted message — and for a page of people
//! in the same few statements whatever its size.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Actor, TestApp};

const RECENT: &str = "query($handle: String!, $first: Int, $after: String) { user(handle: $handle) { recentMessages(first: $first, after: $after) { nodes { body channel { slug } parent { id } author { handle } } pageInfo { hasNextPage endCursor } } } }";
const DELETE: &str =
    "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { message { id } } }";

/// The bodies of the manager's recent messages as `viewer` sees them.
async fn seen_by(app: &TestApp, viewer: &Actor) -> Vec<String> {
    let response = app
        .gql(
            Some(viewer),
            RECENT,
            json!({ "handle": app.manager().handle, "first": 10 }),
        )
        .await;
    bodies(&response.data()["user"]["recentMessages"]["nodes"])
}

fn bodies(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["body"].as_str().expect("body").to_owned())
        .collect()
}

async fn recent_messages_show_only_what_the_viewer_may_see_newest_first(app: TestApp) {
    let manager = app.manager();
    let open = app
        .create_channel(manager, "open", "PUBLIC", &["sales"])
        .await;
    let inner = app
        .create_channel(manager, "inner", "PRIVATE", &["sales"])
        .await;
    let root = app.post_message(manager, &open, "one", None).await;
    app.post_message(manager, &open, "two", Some(&root)).await;
    app.post_message(manager, &inner, "secret", None).await;
    let gone = app.post_message(manager, &open, "gone", None).await;
    app.gql(Some(manager), DELETE, json!({ "input": { "id": gone } }))
        .await
        .data();
    // Someone else's message is not the manager's activity.
    app.join_channel(app.staff(), &open).await;
    app.post_message(app.staff(), &open, "not his", None).await;

    let everything = ["secret", "two", "one"];
    let public = ["two", "one"];
    // Admins see every channel; the author and members the private one;
    // everyone else only the public channel.
    for (viewer, expected) in [
        (app.manager(), &everything[..]),
        (app.admin(), &everything[..]),
        (app.staff(), &public[..]),
        (app.comms(), &public[..]),
    ] {
        assert_eq!(seen_by(&app, viewer).await, expected, "{:?}", viewer.role);
    }
    let anonymous = app
        .gql(None, RECENT, json!({ "handle": manager.handle }))
        .await;
    assert_eq!(anonymous.code(), Some("UNAUTHENTICATED"), "{anonymous:?}");

    // Added to the private channel, the staff member sees it there too.
    app.add_channel_member(manager, &inner, &app.staff().id)
        .await;
    assert_eq!(seen_by(&app, app.staff()).await, everything);

    // Each message says where it was written, and which thread it answers.
    let response = app
        .gql(
            Some(app.staff()),
            RECENT,
            json!({ "handle": manager.handle, "first": 2 }),
        )
        .await;
    let recent = &response.data()["user"]["recentMessages"];
    let nodes = &recent["nodes"];
    assert_eq!(nodes[0]["channel"]["slug"], "inner", "{recent}");
    assert_eq!(nodes[1]["parent"]["id"], root.as_str(), "{recent}");
    assert_eq!(nodes[1]["author"]["handle"], manager.handle, "{recent}");
    // Paged like every list: the rest after the cursor.
    assert_eq!(recent["pageInfo"]["hasNextPage"], true, "{recent}");
    let after = recent["pageInfo"]["endCursor"].clone();
    let rest = app
        .gql(
            Some(app.staff()),
            RECENT,
            json!({ "handle": manager.handle, "first": 2, "after": after }),
        )
        .await;
    let rest = &rest.data()["user"]["recentMessages"];
    assert_eq!(bodies(&rest["nodes"]), ["one"], "{rest}");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false, "{rest}");

    // Too many, too few, or a cursor from nowhere: BAD_USER_INPUT.
    for (first, after) in [
        (json!(0), json!(null)),
        (json!(101), json!(null)),
        (json!(2), json!("bm90LWEtY3Vyc29y")),
    ] {
        let response = app
            .gql(
                Some(app.staff()),
                RECENT,
                json!({ "handle": manager.handle, "first": first, "after": after }),
            )
            .await;
        assert_eq!(
            response.code(),
            Some("BAD_USER_INPUT"),
            "{first} {after}: {response:?}"
        );
    }
}
db_test!(recent_messages_show_only_what_the_viewer_may_see_newest_first);

async fn a_page_of_people_with_their_recent_messages_costs_the_same_statements_for_2_and_4(
    app: TestApp,
) {
    const PEOPLE: &str = "query($first: Int!) { users(first: $first) { nodes { handle recentMessages(first: 3) { nodes { body channel { slug } author { displayName departments { name } } } } } } }";
    let channel = app
        .create_channel(app.manager(), "everyone", "PUBLIC", &["sales"])
        .await;
    let secret = app
        .create_channel(app.admin(), "admins", "PRIVATE", &["hr"])
        .await;
    for actor in [app.staff(), app.comms(), app.admin()] {
        app.join_channel(actor, &channel).await;
    }
    for actor in [app.staff(), app.manager(), app.comms(), app.admin()] {
        for n in 0..4 {
            app.post_message(actor, &channel, &format!("{} {n}", actor.handle), None)
                .await;
        }
    }
    app.post_message(app.admin(), &secret, "admins only", None)
        .await;

    let mut counts = Vec::new();
    for first in [2, 4] {
        let mut fewest = u64::MAX;
        for _ in 0..2 {
            let before = app.statements.load(Ordering::SeqCst);
            let response = app
                .gql(Some(app.staff()), PEOPLE, json!({ "first": first }))
                .await;
            let after = app.statements.load(Ordering::SeqCst);
            let people = response.data()["users"]["nodes"]
                .as_array()
                .expect("people")
                .clone();
            assert_eq!(people.len(), first, "{people:?}");
            for person in &people {
                let handle = person["handle"].as_str().expect("handle");
                let recent = bodies(&person["recentMessages"]["nodes"]);
                // Three each, newest first, the private channel left out.
                let expected: Vec<String> = (1..4).rev().map(|n| format!("{handle} {n}")).collect();
                assert_eq!(recent, expected, "{person}");
            }
            fewest = fewest.min(after - before);
        }
        counts.push((first, fewest));
    }
    eprintln!("people with recent messages, statements for 2 and 4: {counts:?}");
    assert_eq!(counts[0].1, counts[1].1, "{counts:?}");
    // The people; their recent messages; the messages' channels; their
    // authors and the authors' departments.
    assert!(counts[0].1 <= 6, "{counts:?}");
}
db_test!(a_page_of_people_with_their_recent_messages_costs_the_same_statements_for_2_and_4);
