//! A page costs the same few statements whatever the query's shape: the
//! Relay `nodes` shortcut, `edges { node }`, named and inline fragments, the
//! channel reached through `node(id:)`, two aliases; and whatever its size
//! (10 or 50). Every relation of a page's rows is loaded for the whole page
//! by the first row that asks (`graphql/loaders/pages.rs`), so nothing
//! depends on where in the query a field is written.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::TestApp;

/// What the feed's statement counts select of each message.
const FIELDS: &str = "id body createdAt author { displayName departments { name } } replyCount reactions { code count }";

/// The statements the server runs for `query` as the staff member. Each is
/// run twice and the fewer counted: a remembered session is checked again
/// every 30 s (one statement more), and two requests in a row cannot both
/// fall on that.
async fn statements(app: &TestApp, query: &str, variables: Value, check: impl Fn(&Value)) -> u64 {
    let mut fewest = u64::MAX;
    for _ in 0..2 {
        let before = app.statements.load(Ordering::SeqCst);
        let response = app.gql(Some(app.staff()), query, variables.clone()).await;
        let after = app.statements.load(Ordering::SeqCst);
        check(response.data());
        fewest = fewest.min(after - before);
    }
    fewest
}

/// The length of the list at `path` in `data`.
fn len(data: &Value, path: &[&str]) -> usize {
    let mut value = data;
    for key in path {
        value = &value[*key];
    }
    value.as_array().map_or(0, Vec::len)
}

async fn a_feed_page_costs_the_same_statements_whatever_its_shape(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "busy", "PUBLIC", &["sales", "marketing"])
        .await;
    for actor in [app.manager(), app.comms(), app.admin()] {
        app.join_channel(actor, &channel).await;
    }
    let actors = [app.staff(), app.manager(), app.comms(), app.admin()];
    let mut first_root = String::new();
    for n in 0..60 {
        let root = app
            .post_message(actors[n % 4], &channel, &format!("message {n}"), None)
            .await;
        if n % 5 == 0 {
            app.post_message(actors[(n + 1) % 4], &channel, "a reply", Some(&root))
                .await;
            app.post_message(actors[(n + 2) % 4], &channel, "another", Some(&root))
                .await;
            app.react(app.manager(), &root, "eyes").await;
            app.react(app.comms(), &root, "tada").await;
        }
        if n == 0 {
            first_root = root;
        }
    }
    // A long thread for the replies' shapes.
    for n in 0..52 {
        let reply = app
            .post_message(
                actors[n % 4],
                &channel,
                &format!("reply {n}"),
                Some(&first_root),
            )
            .await;
        if n % 3 == 0 {
            app.react(app.staff(), &reply, "heart").await;
        }
    }

    let shapes = [
        (
            "nodes",
            format!(
                "query($slug: String!, $first: Int!) {{ channel(slug: $slug) {{ messages(first: $first) {{ nodes {{ {FIELDS} }} }} }} }}"
            ),
            vec!["channel", "messages", "nodes"],
        ),
        (
            "edges",
            format!(
                "query($slug: String!, $first: Int!) {{ channel(slug: $slug) {{ messages(first: $first) {{ edges {{ node {{ {FIELDS} }} }} }} }} }}"
            ),
            vec!["channel", "messages", "edges"],
        ),
        (
            "named fragment",
            format!(
                "fragment Item on Message {{ {FIELDS} }} query($slug: String!, $first: Int!) {{ channel(slug: $slug) {{ messages(first: $first) {{ nodes {{ ...Item }} }} }} }}"
            ),
            vec!["channel", "messages", "nodes"],
        ),
        (
            "inline fragment",
            format!(
                "query($slug: String!, $first: Int!) {{ channel(slug: $slug) {{ messages(first: $first) {{ edges {{ node {{ ... on Message {{ {FIELDS} }} }} }} }} }} }}"
            ),
            vec!["channel", "messages", "edges"],
        ),
        (
            "node(id:)",
            format!(
                "query($id: ID!, $first: Int!) {{ channel: node(id: $id) {{ ... on Channel {{ messages(first: $first) {{ nodes {{ {FIELDS} }} }} }} }} }}"
            ),
            vec!["channel", "messages", "nodes"],
        ),
    ];
    let mut counts = Vec::new();
    for (name, query, path) in &shapes {
        for first in [10, 50] {
            let variables = json!({ "slug": "busy", "id": channel, "first": first });
            let count = statements(&app, query, variables, |data| {
                assert_eq!(len(data, path), first, "{name}: {data}");
            })
            .await;
            counts.push((*name, first, count));
        }
    }
    // Two aliases are two pages, each with its relations: twice a page's
    // statements besides the channel's (`channel` alone is `base`).
    let aliases = format!(
        "query($slug: String!, $first: Int!) {{ channel(slug: $slug) {{ a: messages(first: $first) {{ nodes {{ {FIELDS} }} }} b: messages(first: 5) {{ edges {{ node {{ {FIELDS} }} }} }} }} }}"
    );
    let base = statements(
        &app,
        "query($slug: String!) { channel(slug: $slug) { id } }",
        json!({ "slug": "busy" }),
        |_| {},
    )
    .await;
    let mut alias_counts = Vec::new();
    for first in [10, 50] {
        let variables = json!({ "slug": "busy", "first": first });
        let count = statements(&app, &aliases, variables, |data| {
            assert_eq!(len(data, &["channel", "a", "nodes"]), first);
            assert_eq!(len(data, &["channel", "b", "edges"]), 5);
        })
        .await;
        alias_counts.push(count);
    }
    eprintln!(
        "feed page statements per shape and size: {counts:?}; two aliases: {alias_counts:?}; the channel alone: {base}"
    );
    let page = counts[0].2;
    for (name, first, count) in &counts {
        assert_eq!(*count, page, "{name} with {first}: {counts:?}");
    }
    // The channel, the page, reply counts, reactions, and the authors with
    // their departments (one statement: `people::with_departments`).
    assert!(page <= 5, "{counts:?}");
    for count in &alias_counts {
        assert_eq!(
            *count,
            base + 2 * (page - base),
            "{alias_counts:?}, {counts:?}"
        );
    }

    // A thread's replies, however spelled, and the replies of every thread
    // of a feed page: the same statements for 10 and 50.
    let replies = [
        (
            "replies nodes",
            format!(
                "query($id: ID!, $first: Int!) {{ thread: node(id: $id) {{ ... on Message {{ replies(first: $first) {{ nodes {{ {FIELDS} }} }} }} }} }}"
            ),
            vec!["thread", "replies", "nodes"],
        ),
        (
            "replies edges and a fragment",
            format!(
                "fragment Item on Message {{ {FIELDS} }} query($id: ID!, $first: Int!) {{ thread: node(id: $id) {{ ...on Message {{ replies(first: $first) {{ edges {{ node {{ ...Item }} }} }} }} }} }}"
            ),
            vec!["thread", "replies", "edges"],
        ),
    ];
    let mut reply_counts = Vec::new();
    for (name, query, path) in &replies {
        for first in [10, 50] {
            let variables = json!({ "id": first_root, "first": first });
            let count = statements(&app, query, variables, |data| {
                assert_eq!(len(data, path), first, "{name}: {data}");
            })
            .await;
            reply_counts.push((*name, first, count));
        }
    }
    // (Fewer fields of the replies: 50 threads of 2 replies with all of
    // `FIELDS` is over the complexity limit.)
    let threads = "query($slug: String!, $first: Int!) { channel(slug: $slug) { messages(first: $first) { nodes { id replies(first: 2) { nodes { body author { displayName departments { name } } } } } } } }";
    for first in [10, 50] {
        let variables = json!({ "slug": "busy", "first": first });
        let count = statements(&app, threads, variables, |data| {
            assert_eq!(len(data, &["channel", "messages", "nodes"]), first);
        })
        .await;
        reply_counts.push(("threads with replies", first, count));
    }
    eprintln!("replies statements per shape and size: {reply_counts:?}");
    for pair in reply_counts.chunks(2) {
        assert_eq!(pair[0].2, pair[1].2, "{reply_counts:?}");
    }
    assert_eq!(reply_counts[0].2, reply_counts[2].2, "{reply_counts:?}");
    // The thread and its channel (two: `node(id:)` checks access), its
    // replies, then as for a feed page.
    assert!(reply_counts[0].2 <= 6, "{reply_counts:?}");
    // The channel, the page, its threads' replies, their authors with the
    // authors' departments.
    assert!(reply_counts[4].2 <= 4, "{reply_counts:?}");
}
db_test!(a_feed_page_costs_the_same_statements_whatever_its_shape);

async fn a_page_of_notifications_costs_the_same_statements_whatever_its_shape(app: TestApp) {
    let channel = app
        .create_channel(app.manager(), "mentions", "PUBLIC", &["sales"])
        .await;
    app.join_channel(app.staff(), &channel).await;
    app.join_channel(app.comms(), &channel).await;
    for n in 0..56 {
        let author = if n % 2 == 0 {
            app.manager()
        } else {
            app.comms()
        };
        let id = app
            .post_message(author, &channel, &format!("@stella look at {n}"), None)
            .await;
        if n % 4 == 0 {
            app.react(app.manager(), &id, "rocket").await;
            app.post_message(app.comms(), &channel, "seen", Some(&id))
                .await;
        }
    }
    // (Fewer fields than a feed page: 50 of all of them with the actor's
    // and the channel's are over the complexity limit.)
    let about = "aboutMessage { body author { displayName departments { name } } replyCount reactions { code count } channel { slug } }";
    let shapes = [
        (
            "nodes",
            format!(
                "query($first: Int!) {{ notifications(first: $first) {{ nodes {{ kind actor {{ displayName }} {about} }} }} }}"
            ),
            vec!["notifications", "nodes"],
        ),
        (
            "edges and a fragment",
            format!(
                "fragment Item on Notification {{ kind actor {{ displayName }} {about} }} query($first: Int!) {{ notifications(first: $first) {{ edges {{ node {{ ...Item }} }} }} }}"
            ),
            vec!["notifications", "edges"],
        ),
    ];
    let mut counts = Vec::new();
    for (name, query, path) in &shapes {
        for first in [10, 50] {
            let count = statements(&app, query, json!({ "first": first }), |data| {
                assert_eq!(len(data, path), first, "{name}: {data}");
            })
            .await;
            counts.push((*name, first, count));
        }
    }
    eprintln!("notification page statements per shape and size: {counts:?}");
    for (name, first, count) in &counts {
        assert_eq!(*count, counts[0].2, "{name} with {first}: {counts:?}");
    }
    // The page; the actors; the messages, their channels (with the
    // viewer's membership: one statement), reply counts, reactions,
    // authors with their departments.
    assert!(counts[0].2 <= 7, "{counts:?}");
}
db_test!(a_page_of_notifications_costs_the_same_statements_whatever_its_shape);

async fn pages_of_channels_and_posts_cost_the_same_statements_whatever_their_size(app: TestApp) {
    for n in 0..52 {
        let channel = app
            .create_channel(app.manager(), &format!("room-{n:02}"), "PUBLIC", &["sales"])
            .await;
        if n % 3 == 0 {
            app.join_channel(app.staff(), &channel).await;
        }
        app.draft_post(app.staff(), &format!("Post {n}"), "Body")
            .await;
    }
    let shapes = [
        (
            "channels as nodes",
            "query($first: Int!) { channels(first: $first) { nodes { slug createdBy { displayName departments { name } } departments { name } memberCount viewerIsMember viewerHasMuted } } }",
            vec!["channels", "nodes"],
        ),
        (
            "channels as edges",
            "fragment Item on Channel { slug createdBy { displayName departments { name } } departments { name } memberCount viewerIsMember viewerHasMuted } query($first: Int!) { channels(first: $first) { edges { node { ...Item } } } }",
            vec!["channels", "edges"],
        ),
        (
            "posts as nodes",
            "query($first: Int!) { myPosts(first: $first) { nodes { title author { displayName departments { name } } department { name } } } }",
            vec!["myPosts", "nodes"],
        ),
        (
            "posts as edges",
            "query($first: Int!) { myPosts(first: $first) { edges { node { ... on GuestPost { title author { displayName departments { name } } department { name } } } } } }",
            vec!["myPosts", "edges"],
        ),
    ];
    let mut counts = Vec::new();
    for (name, query, path) in &shapes {
        for first in [10, 50] {
            let count = statements(&app, query, json!({ "first": first }), |data| {
                assert_eq!(len(data, path), first, "{name}: {data}");
            })
            .await;
            counts.push((*name, first, count));
        }
    }
    eprintln!("channel and post page statements per shape and size: {counts:?}");
    for four in counts.chunks(4) {
        for (name, first, count) in four {
            assert_eq!(*count, four[0].2, "{name} with {first}: {counts:?}");
        }
    }
    // The page; creators with their departments; the channels'
    // departments, member counts, the viewer's memberships and mutes.
    assert!(counts[0].2 <= 6, "{counts:?}");
    // The page; authors with their departments; the posts' departments.
    assert!(counts[4].2 <= 3, "{counts:?}");
}
db_test!(pages_of_channels_and_posts_cost_the_same_statements_whatever_their_size);

async fn read_state_of_a_page_of_channels_costs_the_same_statements_for_2_and_20(app: TestApp) {
    const QUERY: &str = "query { channels(joined: true, first: 50) { nodes { slug unreadCount mentionCount lastReadAt } } }";
    let mut counts = Vec::new();
    for n in 0..20 {
        let channel = app
            .create_channel(app.manager(), &format!("room-{n:02}"), "PUBLIC", &["sales"])
            .await;
        app.join_channel(app.staff(), &channel).await;
        app.post_message(app.manager(), &channel, "@stella a question", None)
            .await;
        app.post_message(app.manager(), &channel, "and news", None)
            .await;
        if n == 1 || n == 19 {
            let joined = n + 1;
            let count = statements(&app, QUERY, Value::Null, |data| {
                let nodes = data["channels"]["nodes"].as_array().expect("nodes");
                assert_eq!(nodes.len(), joined, "{data}");
                for node in nodes {
                    assert_eq!(node["unreadCount"], 2, "{node}");
                    assert_eq!(node["mentionCount"], 1, "{node}");
                    assert!(node["lastReadAt"].is_string(), "{node}");
                }
            })
            .await;
            counts.push((joined, count));
        }
    }
    eprintln!("read state statements for 2 and 20 channels: {counts:?}");
    assert_eq!(counts[0].1, counts[1].1, "{counts:?}");
    // The page, then every channel's read state in one aggregate statement.
    assert!(counts[0].1 <= 2, "{counts:?}");
}
db_test!(read_state_of_a_page_of_channels_costs_the_same_statements_for_2_and_20);
