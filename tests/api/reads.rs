//! Read state on the server: `markChannelRead`, `Channel.unreadCount`,
//! `mentionCount` and `lastReadAt`, the same for every session of a person,
//! and `channelReadChanged` telling their other sessions.

use std::time::Duration;

use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use synaps::entities::channel_reads;
use synaps::graphql::node::{Kind, global_id};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::ws::Ws;
use crate::helpers::{Actor, GqlResponse, TestApp};

const STATE: &str =
    "query($slug: String!) { channel(slug: $slug) { unreadCount mentionCount lastReadAt } }";
const MARK: &str = "mutation($input: MarkChannelReadInput!) { markChannelRead(input: $input) { channel { slug unreadCount mentionCount lastReadAt } } }";
const DELETE: &str =
    "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { message { id } } }";
const CHANGED: &str =
    "subscription { channelReadChanged { slug unreadCount mentionCount lastReadAt } }";
const SECOND: Duration = Duration::from_secs(2);

/// `actor`'s read state in the channel `slug`: unread, mentions, marker.
async fn state(app: &TestApp, actor: &Actor, slug: &str) -> (Value, Value, Value) {
    let response = app.gql(Some(actor), STATE, json!({ "slug": slug })).await;
    let channel = &response.data()["channel"];
    (
        channel["unreadCount"].clone(),
        channel["mentionCount"].clone(),
        channel["lastReadAt"].clone(),
    )
}

/// Every read marker, in order.
async fn markers(app: &TestApp) -> Vec<channel_reads::Model> {
    channel_reads::Entity::find()
        .order_by_asc(channel_reads::Column::UserId)
        .order_by_asc(channel_reads::Column::ChannelId)
        .all(&app.db)
        .await
        .expect("channel reads")
}

async fn mark(app: &TestApp, actor: &Actor, channel: &str, up_to: Option<&str>) -> GqlResponse {
    app.gql(
        Some(actor),
        MARK,
        json!({ "input": { "channelId": channel, "upTo": up_to } }),
    )
    .await
}

/// A public channel of the staff member's (created, so a member), which
/// the manager joined.
async fn shared_channel(app: &TestApp, slug: &str) -> String {
    let channel = app
        .create_channel(app.staff(), slug, "PUBLIC", &["sales", "customer-service"])
        .await;
    app.join_channel(app.manager(), &channel).await;
    channel
}

async fn unread_and_mention_counts_follow_what_others_post_and_marking_read_clears_them(
    app: TestApp,
) {
    let channel = shared_channel(&app, "launch").await;
    let (unread, mentions, marker) = state(&app, app.staff(), "launch").await;
    assert_eq!((unread, mentions), (json!(0), json!(0)));
    assert!(marker.is_string(), "creating a channel starts the marker");

    let root = app
        .post_message(app.manager(), &channel, "First", None)
        .await;
    app.post_message(app.manager(), &channel, "@stella can you look?", None)
        .await;
    app.post_message(app.manager(), &channel, "@stella and here", Some(&root))
        .await;
    app.post_message(app.staff(), &channel, "My own, @magnus", None)
        .await;
    let gone = app
        .post_message(app.manager(), &channel, "Deleted @stella", None)
        .await;
    app.gql(
        Some(app.manager()),
        DELETE,
        json!({ "input": { "id": gone } }),
    )
    .await
    .data();

    // Two roots by the manager (the reply and the deleted one do not count,
    // nor her own); two mentions, one of them in a reply.
    let (unread, mentions, _) = state(&app, app.staff(), "launch").await;
    assert_eq!((unread, mentions), (json!(2), json!(2)));
    // The manager: her root, which mentions him; his own do not count.
    let (unread, mentions, _) = state(&app, app.manager(), "launch").await;
    assert_eq!((unread, mentions), (json!(1), json!(1)));
    app.post_message(app.staff(), &channel, "And @magnus again", None)
        .await;
    let (unread, mentions, _) = state(&app, app.manager(), "launch").await;
    assert_eq!((unread, mentions), (json!(2), json!(2)));

    let marked = mark(&app, app.staff(), &channel, None).await;
    let channel_now = &marked.data()["markChannelRead"]["channel"];
    assert_eq!(channel_now["unreadCount"], 0, "{channel_now}");
    assert_eq!(channel_now["mentionCount"], 0, "{channel_now}");
    assert!(channel_now["lastReadAt"].is_string());
    // Every session reads the same state.
    let other_session = app.sign_in_again(app.staff()).await;
    let (unread, mentions, _) = state(&app, &other_session, "launch").await;
    assert_eq!((unread, mentions), (json!(0), json!(0)));
    // The manager's are his own.
    let (unread, _, _) = state(&app, app.manager(), "launch").await;
    assert_eq!(unread, json!(2));

    app.post_message(app.manager(), &channel, "After you read", None)
        .await;
    let (unread, mentions, _) = state(&app, app.staff(), "launch").await;
    assert_eq!((unread, mentions), (json!(1), json!(0)));
}
db_test!(unread_and_mention_counts_follow_what_others_post_and_marking_read_clears_them);

async fn marking_up_to_a_message_leaves_the_later_ones_unread_and_never_moves_back(app: TestApp) {
    let channel = shared_channel(&app, "launch").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(
            app.post_message(app.manager(), &channel, &format!("@stella {n}"), None)
                .await,
        );
    }
    let reply = app
        .post_message(app.manager(), &channel, "a reply", Some(&ids[0]))
        .await;

    let marked = mark(&app, app.staff(), &channel, Some(&ids[1])).await;
    let after_second = &marked.data()["markChannelRead"]["channel"];
    assert_eq!(after_second["unreadCount"], 2, "{after_second}");
    assert_eq!(after_second["mentionCount"], 2, "{after_second}");
    let marker = after_second["lastReadAt"].clone();

    // Further back: nothing moves.
    let marked = mark(&app, app.staff(), &channel, Some(&ids[0])).await;
    let channel_now = &marked.data()["markChannelRead"]["channel"];
    assert_eq!(channel_now["unreadCount"], 2, "{channel_now}");
    assert_eq!(channel_now["lastReadAt"], marker);
    let (unread, _, same) = state(&app, app.staff(), "launch").await;
    assert_eq!((unread, same), (json!(2), marker.clone()));

    // Up to the reply, the newest: everything read.
    let marked = mark(&app, app.staff(), &channel, Some(&reply)).await;
    let channel_now = &marked.data()["markChannelRead"]["channel"];
    assert_eq!(channel_now["unreadCount"], 0, "{channel_now}");
    assert_eq!(channel_now["mentionCount"], 0, "{channel_now}");
    assert_ne!(channel_now["lastReadAt"], marker);
}
db_test!(marking_up_to_a_message_leaves_the_later_ones_unread_and_never_moves_back);

async fn only_members_mark_a_channel_read_and_nothing_changes_otherwise(app: TestApp) {
    let channel = shared_channel(&app, "launch").await;
    let message = app
        .post_message(app.manager(), &channel, "Hello", None)
        .await;
    let private = app
        .create_channel(app.staff(), "quiet", "PRIVATE", &["sales"])
        .await;
    let elsewhere = app
        .post_message(app.staff(), &private, "In the other channel", None)
        .await;
    let before = (markers(&app).await, app.count_rows("events").await);

    // Not a member of a public channel: FORBIDDEN, as posting there is; its
    // counts are null for them.
    mark(&app, app.comms(), &channel, None)
        .await
        .expect_error("FORBIDDEN");
    mark(&app, app.admin(), &channel, Some(&message))
        .await
        .expect_error("FORBIDDEN");
    assert_eq!(
        state(&app, app.comms(), "launch").await,
        (Value::Null, Value::Null, Value::Null)
    );
    // A private channel they are not in does not exist for them.
    mark(&app, app.manager(), &private, None)
        .await
        .expect_error("NOT_FOUND");

    // Bad ids: not ids, ids of something else, a message of another channel.
    mark(&app, app.staff(), "not-an-id", None)
        .await
        .expect_bad_input("channelId");
    mark(&app, app.staff(), &message, None)
        .await
        .expect_bad_input("channelId");
    mark(&app, app.staff(), &channel, Some("not-an-id"))
        .await
        .expect_bad_input("upTo");
    mark(&app, app.staff(), &channel, Some(&channel))
        .await
        .expect_bad_input("upTo");
    mark(&app, app.staff(), &channel, Some(&elsewhere))
        .await
        .expect_bad_input("upTo");
    let missing = global_id(Kind::Message, Uuid::now_v7()).0;
    mark(&app, app.staff(), &channel, Some(&missing))
        .await
        .expect_bad_input("upTo");
    let after = (markers(&app).await, app.count_rows("events").await);
    assert_eq!(after, before, "nothing was written");
    let (unread, _, _) = state(&app, app.staff(), "launch").await;
    assert_eq!(unread, json!(1));
}
db_test!(only_members_mark_a_channel_read_and_nothing_changes_otherwise);

async fn joining_a_channel_starts_the_marker_so_history_is_not_unread(app: TestApp) {
    let channel = app
        .create_channel(app.staff(), "launch", "PUBLIC", &["sales"])
        .await;
    for n in 0..3 {
        app.post_message(app.staff(), &channel, &format!("@corinna {n}"), None)
            .await;
    }
    app.join_channel(app.comms(), &channel).await;
    let (unread, mentions, marker) = state(&app, app.comms(), "launch").await;
    assert_eq!((unread, mentions), (json!(0), json!(0)));
    assert!(marker.is_string(), "{marker}");
    app.add_channel_member(app.staff(), &channel, &app.admin().id)
        .await;
    let (unread, mentions, _) = state(&app, app.admin(), "launch").await;
    assert_eq!((unread, mentions), (json!(0), json!(0)));

    app.post_message(app.staff(), &channel, "@corinna new", None)
        .await;
    assert_eq!(
        state(&app, app.comms(), "launch").await.0,
        json!(1),
        "what comes after joining is unread"
    );
    assert_eq!(state(&app, app.comms(), "launch").await.1, json!(1));
    assert_eq!(state(&app, app.admin(), "launch").await.0, json!(1));
}
db_test!(joining_a_channel_starts_the_marker_so_history_is_not_unread);

/// The `channelReadChanged` channel of a `next` message.
fn changed(message: &Value) -> &Value {
    assert_eq!(message["type"], "next", "{message}");
    &message["payload"]["data"]["channelReadChanged"]
}

async fn another_session_hears_the_channel_marked_read_and_new_messages(app: TestApp) {
    let channel = shared_channel(&app, "launch").await;
    let quiet = app
        .create_channel(app.manager(), "elsewhere", "PUBLIC", &["sales"])
        .await;
    let phone = app.sign_in_again(app.staff()).await;
    let mut stella = Ws::open(&app.address, Some(&phone.token)).await;
    stella.subscribe("reads", CHANGED).await;
    stella.sync().await;

    // A message in a channel she is in: her counts changed.
    let id = app
        .post_message(app.manager(), &channel, "@stella news", None)
        .await;
    let got = stella.next(SECOND).await;
    assert_eq!(changed(&got)["slug"], "launch", "{got}");
    assert_eq!(changed(&got)["unreadCount"], 1, "{got}");
    assert_eq!(changed(&got)["mentionCount"], 1, "{got}");
    // Not in a channel she is not in.
    app.post_message(app.manager(), &quiet, "elsewhere", None)
        .await;
    stella.expect_quiet().await;

    // The manager listens for his own only.
    let mut magnus = Ws::open(&app.address, Some(&app.manager().token)).await;
    magnus.subscribe("reads", CHANGED).await;
    magnus.sync().await;

    // She reads it on her laptop; her phone hears it.
    mark(&app, app.staff(), &channel, Some(&id)).await.data();
    let got = stella.next(SECOND).await;
    let now = changed(&got);
    assert_eq!(now["slug"], "launch", "{got}");
    assert_eq!(now["unreadCount"], 0, "{got}");
    assert_eq!(now["mentionCount"], 0, "{got}");
    assert!(now["lastReadAt"].is_string(), "{got}");
    magnus.expect_quiet().await;

    // Marking again, nothing moves: nothing to tell.
    mark(&app, app.staff(), &channel, Some(&id)).await.data();
    stella.expect_quiet().await;
}
db_test!(another_session_hears_the_channel_marked_read_and_new_messages);
