//! Messages: posting, threads, edits, tombstones, reactions, mentions,
//! follows and mutes with their notifications, private channels that hide
//! their messages from every path, the statement count of the feed, and bad
//! input that changes nothing.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Actor, GqlResponse, TestApp};

const MESSAGE_FIELDS: &str = "id body bodyHtml createdAt editedAt deletedAt replyCount viewerFollows author { handle } parent { id } mentions { handle } reactions { code count viewerHasReacted }";

fn post_query() -> String {
    format!(
        "mutation($input: PostMessageInput!) {{ postMessage(input: $input) {{ message {{ {MESSAGE_FIELDS} }} }} }}"
    )
}

const EDIT: &str = "mutation($input: EditMessageInput!) { editMessage(input: $input) { message { id body editedAt mentions { handle } } } }";
const DELETE: &str = "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { message { id body bodyHtml deletedAt replyCount } } }";
const REACT: &str = "mutation($input: AddReactionInput!) { addReaction(input: $input) { message { reactions { code count viewerHasReacted } } } }";
const UNREACT: &str = "mutation($input: RemoveReactionInput!) { removeReaction(input: $input) { message { reactions { code count viewerHasReacted } } } }";
const FOLLOW: &str = "mutation($input: FollowThreadInput!) { followThread(input: $input) { message { id viewerFollows } } }";
const UNFOLLOW: &str = "mutation($input: UnfollowThreadInput!) { unfollowThread(input: $input) { message { id viewerFollows } } }";
const MUTE: &str = "mutation($input: MuteChannelInput!) { muteChannel(input: $input) { channel { viewerHasMuted } } }";
const UNMUTE: &str = "mutation($input: UnmuteChannelInput!) { unmuteChannel(input: $input) { channel { viewerHasMuted } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Message { body channel { slug } replies(first: 5) { edges { node { body } } } } } }";
const NOTIFICATIONS: &str =
    "{ notifications(first: 50) { edges { node { kind message aboutMessage { id } } } } }";

async fn try_post(
    app: &TestApp,
    actor: &Actor,
    channel_id: &str,
    body: &str,
    parent_id: Option<&str>,
) -> GqlResponse {
    app.gql(
        Some(actor),
        &post_query(),
        json!({ "input": { "channelId": channel_id, "body": body, "parentId": parent_id } }),
    )
    .await
}

async fn post(
    app: &TestApp,
    actor: &Actor,
    channel_id: &str,
    body: &str,
    parent_id: Option<&str>,
) -> Value {
    try_post(app, actor, channel_id, body, parent_id)
        .await
        .data()["postMessage"]["message"]
        .clone()
}

async fn feed(app: &TestApp, actor: &Actor, slug: &str, arguments: &str) -> GqlResponse {
    let query = format!(
        "query($slug: String!) {{ channel(slug: $slug) {{ messages({arguments}) {{ pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {MESSAGE_FIELDS} }} }} }} }} }}"
    );
    app.gql(Some(actor), &query, json!({ "slug": slug })).await
}

fn bodies(response: &GqlResponse) -> Vec<String> {
    response.data()["channel"]["messages"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["body"].as_str().expect("body").to_owned())
        .collect()
}

async fn notifications(app: &TestApp, actor: &Actor) -> Vec<(String, String)> {
    let response = app.gql(Some(actor), NOTIFICATIONS, Value::Null).await;
    response.data()["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["node"]["kind"].as_str().expect("kind").to_owned(),
                e["node"]["aboutMessage"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// Follows (`on`) or unfollows the thread of `message_id` as `actor`; the
/// thread's root as answered (`id viewerFollows`).
async fn set_follow(app: &TestApp, actor: &Actor, message_id: &str, on: bool) -> Value {
    let (mutation, field) = if on {
        (FOLLOW, "followThread")
    } else {
        (UNFOLLOW, "unfollowThread")
    };
    let response = app
        .gql(
            Some(actor),
            mutation,
            json!({ "input": { "messageId": message_id } }),
        )
        .await;
    response.data()[field]["message"].clone()
}

async fn members_post_reply_edit_and_delete_and_the_feed_pages_newest_first(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "launch", "PUBLIC", &["marketing", "sales"])
        .await;
    for n in 1..=3 {
        post(
            &app,
            app.staff(),
            &channel,
            &format!("**update {n}**"),
            None,
        )
        .await;
    }
    let first = feed(&app, app.staff(), "launch", "first: 2").await;
    assert_eq!(bodies(&first), ["**update 3**", "**update 2**"]);
    let node = &first.data()["channel"]["messages"]["edges"][0]["node"];
    assert_eq!(node["bodyHtml"], "<p><strong>update 3</strong></p>\n");
    assert_eq!(node["author"]["handle"], "stella");
    assert_eq!(node["viewerFollows"], true);
    let info = &first.data()["channel"]["messages"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    let after = info["endCursor"].as_str().unwrap();
    let rest = feed(
        &app,
        app.staff(),
        "launch",
        &format!("first: 2, after: \"{after}\""),
    )
    .await;
    assert_eq!(bodies(&rest), ["**update 1**"]);

    // Outsiders of a public channel read it but must join to post.
    let root = post(&app, app.staff(), &channel, "Who demos on Friday?", None).await;
    let root_id = root["id"].as_str().unwrap();
    let refused = try_post(&app, app.manager(), &channel, "me", Some(root_id)).await;
    let error = refused.expect_error("FORBIDDEN");
    assert!(
        error["message"].as_str().unwrap().contains("join"),
        "{error}"
    );
    app.join_channel(app.manager(), &channel).await;
    let reply = post(&app, app.manager(), &channel, "I do", Some(root_id)).await;
    assert_eq!(reply["parent"]["id"], root_id);
    post(&app, app.staff(), &channel, "Thanks", Some(root_id)).await;
    let thread = app
        .gql(Some(app.comms()), NODE, json!({ "id": root_id }))
        .await;
    assert_eq!(thread.data()["node"]["channel"]["slug"], "launch");
    let replies = &thread.data()["node"]["replies"]["edges"];
    assert_eq!(replies[0]["node"]["body"], "I do");
    assert_eq!(replies[1]["node"]["body"], "Thanks");
    // Replies stay out of the feed.
    let top = feed(&app, app.staff(), "launch", "first: 1").await;
    assert_eq!(bodies(&top), ["Who demos on Friday?"]);
    assert_eq!(
        top.data()["channel"]["messages"]["edges"][0]["node"]["replyCount"],
        2
    );

    // Only the author edits.
    let reply_id = reply["id"].as_str().unwrap();
    let input = json!({ "input": { "id": reply_id, "body": "I do, at 3" } });
    app.gql(Some(app.staff()), EDIT, input.clone())
        .await
        .expect_error("FORBIDDEN");
    let edited = app.gql(Some(app.manager()), EDIT, input).await;
    let edited = &edited.data()["editMessage"]["message"];
    assert_eq!(edited["body"], "I do, at 3");
    assert!(edited["editedAt"].is_string());

    // Deleting the root leaves a tombstone that keeps the thread; admins
    // delete anyone's message.
    let input = json!({ "input": { "id": root_id } });
    app.gql(Some(app.manager()), DELETE, input.clone())
        .await
        .expect_error("FORBIDDEN");
    let deleted = app.gql(Some(app.staff()), DELETE, input).await;
    let deleted = &deleted.data()["deleteMessage"]["message"];
    assert_eq!(deleted["body"], "");
    assert_eq!(deleted["bodyHtml"], "");
    assert!(deleted["deletedAt"].is_string());
    assert_eq!(deleted["replyCount"], 2);
    let by_admin = app
        .gql(
            Some(app.admin()),
            DELETE,
            json!({ "input": { "id": reply_id } }),
        )
        .await;
    assert!(by_admin.data()["deleteMessage"]["message"]["deletedAt"].is_string());
    let events = app.count_rows("events").await;
    assert!(events >= 9, "an event per message change, got {events}");
}
db_test!(members_post_reply_edit_and_delete_and_the_feed_pages_newest_first);

async fn a_private_channels_messages_are_invisible_to_non_members(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "secret", "PRIVATE", &["hr"])
        .await;
    let message = post(&app, app.staff(), &channel, "Salary bands", None).await;
    let id = message["id"].as_str().unwrap();
    let reply = post(&app, app.staff(), &channel, "draft", Some(id)).await;
    let outsider = app.manager();
    feed(&app, outsider, "secret", "first: 5")
        .await
        .expect_error("NOT_FOUND");
    for message_id in [id, reply["id"].as_str().unwrap()] {
        app.gql(Some(outsider), NODE, json!({ "id": message_id }))
            .await
            .expect_error("NOT_FOUND");
        app.gql(
            Some(outsider),
            REACT,
            json!({ "input": { "messageId": message_id, "code": "heart" } }),
        )
        .await
        .expect_error("NOT_FOUND");
        app.gql(
            Some(outsider),
            FOLLOW,
            json!({ "input": { "messageId": message_id } }),
        )
        .await
        .expect_error("NOT_FOUND");
    }
    let before = app.snapshot().await;
    try_post(&app, outsider, &channel, "hello?", None)
        .await
        .expect_error("NOT_FOUND");
    app.gql(
        Some(outsider),
        MUTE,
        json!({ "input": { "channelId": channel } }),
    )
    .await
    .expect_error("NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
    app.gql(None, NODE, json!({ "id": id }))
        .await
        .expect_error("UNAUTHENTICATED");
    // Administrators see every channel.
    let seen = app.gql(Some(app.admin()), NODE, json!({ "id": id })).await;
    assert_eq!(
        seen.data()["node"]["replies"]["edges"][0]["node"]["body"],
        "draft"
    );
}
db_test!(a_private_channels_messages_are_invisible_to_non_members);

async fn reactions_are_grouped_with_counts_and_the_viewers_own(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "wins", "PUBLIC", &["sales"])
        .await;
    app.join_channel(app.manager(), &channel).await;
    let message = post(&app, app.staff(), &channel, "We closed ACME", None).await;
    let id = message["id"].as_str().unwrap();
    let react = |actor: &Actor, code: &str| {
        let actor = actor.clone();
        let input = json!({ "input": { "messageId": id, "code": code } });
        let app = app.clone();
        async move { app.gql(Some(&actor), REACT, input).await }
    };
    react(app.staff(), "tada").await.data();
    react(app.manager(), "tada").await.data();
    react(app.manager(), ":thumbsup:").await.data();
    // Reacting twice is a no-op.
    let again = react(app.manager(), "tada").await;
    assert_eq!(
        again.data()["addReaction"]["message"]["reactions"],
        json!([
            { "code": "thumbsup", "count": 1, "viewerHasReacted": true },
            { "code": "tada", "count": 2, "viewerHasReacted": true },
        ])
    );
    let seen = feed(&app, app.staff(), "wins", "first: 1").await;
    assert_eq!(
        seen.data()["channel"]["messages"]["edges"][0]["node"]["reactions"],
        json!([
            { "code": "thumbsup", "count": 1, "viewerHasReacted": false },
            { "code": "tada", "count": 2, "viewerHasReacted": true },
        ])
    );
    let removed = app
        .gql(
            Some(app.staff()),
            UNREACT,
            json!({ "input": { "messageId": id, "code": "tada" } }),
        )
        .await;
    assert_eq!(
        removed.data()["removeReaction"]["message"]["reactions"][1],
        json!({ "code": "tada", "count": 1, "viewerHasReacted": false })
    );
    // Non-members of a public channel may not react.
    react(app.comms(), "heart").await.expect_error("FORBIDDEN");
}
db_test!(reactions_are_grouped_with_counts_and_the_viewers_own);

async fn mentions_and_replies_notify_followers_except_the_muted_and_the_actor(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "onboarding", "PUBLIC", &["hr"])
        .await;
    app.join_channel(app.manager(), &channel).await;
    app.join_channel(app.comms(), &channel).await;
    // Mentions outside code are stored and notified; unknown handles and
    // code spans are ignored; the actor is never told.
    let root = post(
        &app,
        app.staff(),
        &channel,
        "Welcome! @magnus please help, `@corinna` not yet, @nobody-here, @stella",
        None,
    )
    .await;
    let root_id = root["id"].as_str().unwrap();
    // Mentioning oneself is stored, but nobody tells you about yourself.
    assert_eq!(
        root["mentions"],
        json!([{ "handle": "magnus" }, { "handle": "stella" }])
    );
    assert_eq!(
        notifications(&app, app.manager()).await,
        [("MENTION".to_owned(), root_id.to_owned())]
    );
    assert!(notifications(&app, app.staff()).await.is_empty());

    // Replying follows the thread; the starter hears about replies.
    let reply = post(&app, app.manager(), &channel, "On it", Some(root_id)).await;
    assert_eq!(reply["viewerFollows"], true);
    let staff_seen = notifications(&app, app.staff()).await;
    assert_eq!(
        staff_seen,
        [("REPLY".to_owned(), reply["id"].as_str().unwrap().to_owned())]
    );

    // A muted channel sends no reply notifications, but mentions still come.
    let muted = app
        .gql(
            Some(app.staff()),
            MUTE,
            json!({ "input": { "channelId": channel } }),
        )
        .await;
    assert_eq!(
        muted.data()["muteChannel"]["channel"]["viewerHasMuted"],
        true
    );
    post(&app, app.comms(), &channel, "Me too", Some(root_id)).await;
    assert_eq!(notifications(&app, app.staff()).await.len(), 1);
    assert_eq!(notifications(&app, app.manager()).await.len(), 2);
    post(
        &app,
        app.comms(),
        &channel,
        "@stella the docs?",
        Some(root_id),
    )
    .await;
    let staff_seen = notifications(&app, app.staff()).await;
    assert_eq!(staff_seen.len(), 2);
    assert_eq!(staff_seen[0].0, "MENTION");
    // One notification per person per message: a mention is not also a reply.
    assert_eq!(notifications(&app, app.manager()).await.len(), 3);
    assert!(notifications(&app, app.comms()).await.is_empty());

    // Unfollowing stops reply notifications; following again restarts them.
    let reply_id = reply["id"].as_str().unwrap();
    let unfollowed = set_follow(&app, app.manager(), reply_id, false).await;
    assert_eq!(unfollowed, json!({ "id": root_id, "viewerFollows": false }));
    post(&app, app.comms(), &channel, "Done", Some(root_id)).await;
    assert_eq!(notifications(&app, app.manager()).await.len(), 3);
    set_follow(&app, app.manager(), root_id, true).await;
    app.gql(
        Some(app.staff()),
        UNMUTE,
        json!({ "input": { "channelId": channel } }),
    )
    .await
    .data();
    post(&app, app.comms(), &channel, "Really done", Some(root_id)).await;
    assert_eq!(notifications(&app, app.manager()).await.len(), 4);
    assert_eq!(notifications(&app, app.staff()).await.len(), 3);

    // In a private channel, only people who may see it are mentioned.
    let private = app
        .create_channel(app.staff(), "quiet", "PRIVATE", &["hr"])
        .await;
    let message = post(&app, app.staff(), &private, "@magnus @adam", None).await;
    assert_eq!(message["mentions"], json!([{ "handle": "adam" }]));
    assert_eq!(notifications(&app, app.manager()).await.len(), 4);

    // Editing notifies only the newly mentioned.
    let edited = app
        .gql(
            Some(app.staff()),
            EDIT,
            json!({ "input": { "id": root_id, "body": "Welcome! @magnus @corinna" } }),
        )
        .await;
    assert_eq!(
        edited.data()["editMessage"]["message"]["mentions"],
        json!([{ "handle": "corinna" }, { "handle": "magnus" }])
    );
    assert_eq!(notifications(&app, app.manager()).await.len(), 4);
    assert_eq!(notifications(&app, app.comms()).await.len(), 1);
}
db_test!(mentions_and_replies_notify_followers_except_the_muted_and_the_actor);

/// Whether `actor` follows the thread of `message_id`, read through the
/// feed's `viewerFollows` (not through a follow mutation's answer).
async fn follows_thread(app: &TestApp, actor: &Actor, message_id: &str) -> bool {
    let response = app
        .gql(
            Some(actor),
            "query($id: ID!) { node(id: $id) { ... on Message { viewerFollows } } }",
            json!({ "id": message_id }),
        )
        .await;
    response.data()["node"]["viewerFollows"]
        .as_bool()
        .expect("viewerFollows")
}

// A starter follows their thread by being its author (no follow row is
// written with the post): until they unfollow, after which only following
// again or replying makes them follow it once more.
async fn a_thread_starter_follows_it_until_they_unfollow(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "launch", "PUBLIC", &["marketing", "sales"])
        .await;
    app.join_channel(app.manager(), &channel).await;
    app.join_channel(app.comms(), &channel).await;
    let root = post(&app, app.staff(), &channel, "Launch on Monday?", None).await;
    let root_id = root["id"].as_str().unwrap();
    assert_eq!(root["viewerFollows"], true);
    assert!(follows_thread(&app, app.staff(), root_id).await);
    assert!(!follows_thread(&app, app.manager(), root_id).await);

    post(&app, app.manager(), &channel, "Yes", Some(root_id)).await;
    assert_eq!(notifications(&app, app.staff()).await.len(), 1);

    let unfollowed = set_follow(&app, app.staff(), root_id, false).await;
    assert_eq!(unfollowed["viewerFollows"], false);
    assert!(!follows_thread(&app, app.staff(), root_id).await);
    // Unfollowing twice is a no-op; the replier still follows.
    set_follow(&app, app.staff(), root_id, false).await;
    post(&app, app.comms(), &channel, "Tuesday?", Some(root_id)).await;
    assert_eq!(notifications(&app, app.staff()).await.len(), 1);
    assert_eq!(notifications(&app, app.manager()).await.len(), 1);

    set_follow(&app, app.staff(), root_id, true).await;
    assert!(follows_thread(&app, app.staff(), root_id).await);
    post(&app, app.comms(), &channel, "Monday then", Some(root_id)).await;
    assert_eq!(notifications(&app, app.staff()).await.len(), 2);

    // Replying in one's own thread after unfollowing follows it again.
    set_follow(&app, app.staff(), root_id, false).await;
    let own = post(&app, app.staff(), &channel, "Monday it is", Some(root_id)).await;
    assert_eq!(own["viewerFollows"], true);
    post(&app, app.manager(), &channel, "Great", Some(root_id)).await;
    assert_eq!(notifications(&app, app.staff()).await.len(), 3);
    // Another thread of the same starter is untouched by all of this.
    let other = post(&app, app.staff(), &channel, "And the blog post?", None).await;
    post(
        &app,
        app.manager(),
        &channel,
        "Drafting",
        other["id"].as_str(),
    )
    .await;
    assert_eq!(notifications(&app, app.staff()).await.len(), 4);
}
db_test!(a_thread_starter_follows_it_until_they_unfollow);

async fn a_feed_page_costs_the_same_few_statements_whatever_its_size(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "busy", "PUBLIC", &["sales", "marketing"])
        .await;
    app.join_channel(app.manager(), &channel).await;
    for n in 0..60 {
        let author = if n % 2 == 0 {
            app.staff()
        } else {
            app.manager()
        };
        let message = post(&app, author, &channel, &format!("message {n}"), None).await;
        if n % 5 == 0 {
            let id = message["id"].as_str().unwrap();
            post(&app, app.staff(), &channel, "a reply", Some(id)).await;
            app.gql(
                Some(app.manager()),
                REACT,
                json!({ "input": { "messageId": id, "code": "eyes" } }),
            )
            .await
            .data();
        }
    }
    let feed = "query($slug: String!, $first: Int!) { channel(slug: $slug) { messages(first: $first) { edges { node { id body createdAt author { handle displayName departments { slug } } reactions { code count viewerHasReacted } replyCount } } } } }";
    let counts = statements_per_page(&app, feed).await;
    eprintln!("statements for a feed page of 10 and 50: {counts:?}");
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert!(counts[0] <= 10, "{counts:?}");

    // With each thread's first replies too: a few more, still constant.
    let threads = "query($slug: String!, $first: Int!) { channel(slug: $slug) { messages(first: $first) { edges { node { id replies(first: 2) { edges { node { body author { handle } } } } } } } } }";
    let counts = statements_per_page(&app, threads).await;
    eprintln!("statements for 10 and 50 threads with their replies: {counts:?}");
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert!(counts[0] <= 8, "{counts:?}");
}

async fn a_page_of_notifications_with_their_messages_costs_the_same_few_statements(app: TestApp) {
    let channel = app
        .create_channel(app.manager(), "mentions", "PUBLIC", &["sales"])
        .await;
    app.join_channel(app.staff(), &channel).await;
    for n in 0..50 {
        post(
            &app,
            app.manager(),
            &channel,
            &format!("@stella look at {n}"),
            None,
        )
        .await;
    }
    let page = "query($first: Int!) { notifications(first: $first) { edges { node { kind actor { handle } post { title } aboutMessage { body author { handle } channel { slug } } } } } }";
    let mut counts = Vec::new();
    for first in [10, 50] {
        let before = app.statements.load(Ordering::SeqCst);
        let response = app
            .gql(Some(app.staff()), page, json!({ "first": first }))
            .await;
        let after = app.statements.load(Ordering::SeqCst);
        let edges = response.data()["notifications"]["edges"]
            .as_array()
            .unwrap();
        assert_eq!(edges.len(), first);
        let last = &edges[first - 1]["node"]["aboutMessage"];
        assert_eq!(last["channel"]["slug"], "mentions", "{last}");
        counts.push(after - before);
    }
    eprintln!("statements for 10 and 50 notifications with their messages: {counts:?}");
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert!(counts[0] <= 6, "{counts:?}");
}
db_test!(a_page_of_notifications_with_their_messages_costs_the_same_few_statements);

/// The statements the server runs for `query` with `first` 10 and 50.
async fn statements_per_page(app: &TestApp, query: &str) -> Vec<u64> {
    let mut counts = Vec::new();
    for first in [10, 50] {
        let before = app.statements.load(Ordering::SeqCst);
        let response = app
            .gql(
                Some(app.staff()),
                query,
                json!({ "slug": "busy", "first": first }),
            )
            .await;
        let after = app.statements.load(Ordering::SeqCst);
        let edges = response.data()["channel"]["messages"]["edges"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(edges, first);
        counts.push(after - before);
    }
    counts
}
db_test!(a_feed_page_costs_the_same_few_statements_whatever_its_size);

async fn bad_input_gets_a_clear_error_and_changes_nothing(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "general", "PUBLIC", &["sales"])
        .await;
    let root = post(&app, app.staff(), &channel, "root", None).await;
    let root_id = root["id"].as_str().unwrap();
    let reply = post(&app, app.staff(), &channel, "reply", Some(root_id)).await;
    let other = app
        .create_channel(app.staff(), "other", "PUBLIC", &["sales"])
        .await;
    let elsewhere = post(&app, app.staff(), &other, "elsewhere", None).await;
    let archived = app
        .create_channel(app.staff(), "old", "PUBLIC", &["sales"])
        .await;
    let old = post(&app, app.staff(), &archived, "old news", None).await;
    app.gql(
        Some(app.staff()),
        "mutation($input: ArchiveChannelInput!) { archiveChannel(input: $input) { channel { id } } }",
        json!({ "input": { "channelId": archived } }),
    )
    .await
    .data();
    let before = app.snapshot().await;

    let staff = app.staff();
    try_post(&app, staff, &channel, "   ", None)
        .await
        .expect_bad_input("body");
    let huge = "x".repeat(64 * 1024 + 1);
    try_post(&app, staff, &channel, &huge, None)
        .await
        .expect_bad_input("body");
    let missing = synaps::graphql::node::global_id(
        synaps::graphql::node::Kind::Channel,
        uuid::Uuid::now_v7(),
    );
    try_post(&app, staff, missing.as_str(), "hi", None)
        .await
        .expect_error("NOT_FOUND");
    try_post(&app, staff, "garbage", "hi", None)
        .await
        .expect_bad_input("channelId");
    try_post(&app, staff, &archived, "hi", None)
        .await
        .expect_conflict("channelId");
    try_post(&app, staff, &channel, "hi", reply["id"].as_str())
        .await
        .expect_bad_input("parentId");
    try_post(&app, staff, &channel, "hi", elsewhere["id"].as_str())
        .await
        .expect_bad_input("parentId");
    let react = |id: &Value, code: &str| json!({ "input": { "messageId": id, "code": code } });
    app.gql(Some(staff), REACT, react(&root["id"], "thumbs_up"))
        .await
        .expect_bad_input("code");
    app.gql(Some(staff), REACT, react(&old["id"], "heart"))
        .await
        .expect_conflict("messageId");
    app.gql(
        Some(staff),
        EDIT,
        json!({ "input": { "id": old["id"], "body": "new" } }),
    )
    .await
    .expect_conflict("id");
    app.gql(
        Some(staff),
        EDIT,
        json!({ "input": { "id": root_id, "body": "" } }),
    )
    .await
    .expect_bad_input("body");
    app.gql(
        Some(app.admin()),
        EDIT,
        json!({ "input": { "id": root_id, "body": "mine now" } }),
    )
    .await
    .expect_error("FORBIDDEN");
    app.gql(
        Some(app.manager()),
        DELETE,
        json!({ "input": { "id": root_id } }),
    )
    .await
    .expect_error("FORBIDDEN");
    feed(&app, staff, "general", "first: 5, after: \"not-a-cursor\"")
        .await
        .expect_bad_input("after");
    feed(&app, staff, "general", "first: 0")
        .await
        .expect_bad_input("first");
    app.gql(
        None,
        &post_query(),
        json!({ "input": { "channelId": channel, "body": "hi" } }),
    )
    .await
    .expect_error("UNAUTHENTICATED");
    assert_eq!(app.snapshot().await, before);
}
db_test!(bad_input_gets_a_clear_error_and_changes_nothing);

/// Three messages or posts a minute, so the fourth is refused.
fn three_a_minute(config: &mut synaps::config::Config) {
    config.limits.content_per_minute = 3;
}

/// Asserts a `RATE_LIMITED` that says when to try again (within the minute
/// and the rate limit's 10-second slot).
#[track_caller]
fn expect_rate_limited(response: &GqlResponse) {
    let error = response.expect_error("RATE_LIMITED");
    let retry_after = error["extensions"]["retryAfterSeconds"].as_u64().unwrap();
    assert!((1..=70).contains(&retry_after), "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("Try again in {retry_after} seconds")),
        "{message}"
    );
}

async fn messages_and_posts_share_one_budget_per_person_per_minute(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "busy", "PUBLIC", &["sales"])
        .await;
    let root = post(&app, app.staff(), &channel, "first", None).await;
    let root_id = root["id"].as_str().unwrap();
    post(&app, app.staff(), &channel, "a reply", Some(root_id)).await;
    // A guest post spends the same budget: this is the third item.
    app.draft_post(app.staff(), "A week on the desk", "What we learned.")
        .await;
    let before = app.snapshot().await;

    let staff = app.staff();
    expect_rate_limited(&try_post(&app, staff, &channel, "one too many", None).await);
    expect_rate_limited(&try_post(&app, staff, &channel, "a reply too many", Some(root_id)).await);
    let department = app.department_id("customer-service").await;
    let draft = json!({ "title": "Another", "body": "More.", "departmentId": department });
    expect_rate_limited(&app.create_post_draft(Some(staff), draft).await);
    assert_eq!(app.snapshot().await, before);

    // Changing what exists is not creating: edits and reactions still work.
    app.gql(
        Some(staff),
        EDIT,
        json!({ "input": { "id": root_id, "body": "first, edited" } }),
    )
    .await
    .data();
    app.gql(
        Some(staff),
        REACT,
        json!({ "input": { "messageId": root_id, "code": "heart" } }),
    )
    .await
    .data();
    // The budget is per person: someone else posts as usual.
    app.join_channel(app.manager(), &channel).await;
    for body in ["one", "two", "three"] {
        post(&app, app.manager(), &channel, body, None).await;
    }
    expect_rate_limited(&try_post(&app, app.manager(), &channel, "four", None).await);
}
db_test!(
    messages_and_posts_share_one_budget_per_person_per_minute,
    with = three_a_minute
);

/// The scheduler prunes the counts of slots that left the window ten
/// minutes ago, and only those: pruning now keeps the budget spent,
/// pruning as if 611 s had passed gives it back.
async fn old_counts_are_pruned_and_the_budget_returns(app: TestApp) {
    use synaps::domain::rate_limit;
    let channel = app
        .create_channel(app.staff(), "busy", "PUBLIC", &["sales"])
        .await;
    for body in ["one", "two", "three"] {
        post(&app, app.staff(), &channel, body, None).await;
    }
    let now = chrono::Utc::now();
    assert_eq!(rate_limit::prune(&app.db, now).await.unwrap(), 0);
    expect_rate_limited(&try_post(&app, app.staff(), &channel, "four", None).await);

    let later = now + chrono::Duration::seconds(611);
    assert!(rate_limit::prune(&app.db, later).await.unwrap() >= 1);
    assert_eq!(app.count_rows("content_counts").await, 0);
    post(&app, app.staff(), &channel, "four, after the window", None).await;
}
db_test!(
    old_counts_are_pruned_and_the_budget_returns,
    with = three_a_minute
);
