//! The events table across its migrations: events written before topics
//! were typed (a nullable column per subject kind) are delivered by the
//! typed code once the migration that moved them to a subject has run.

use std::collections::BTreeMap;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};
use serde_json::{Value, json};
use synaps::entities::{channels, events, guest_posts, messages, notifications, users};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::TestApp;
use crate::helpers::ws::Ws;

/// The migration that typed event topics.
const TYPED_TOPICS: &str = "m20261203_000010_generalize_event_subjects";
const CHANGED: &str =
    "subscription($channel: ID!) { messageChanged(channel: $channel) { id body } }";
const STATUS_CHANGED: &str = "subscription { postStatusChanged { id status } }";
const NOTIFIED: &str = "subscription { notificationAdded { id kind } }";
const WITHIN: Duration = Duration::from_secs(5);

/// The id of the user with `email`.
async fn user_id(app: &TestApp, email: &str) -> Uuid {
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&app.db)
        .await
        .expect("read users")
        .expect("the user")
        .id
}

/// Writes an event as the code before typed topics did: its subjects in
/// `post_id`, `author_id`, `channel_id`.
async fn insert_old_event(
    conn: &impl ConnectionTrait,
    topic: &str,
    [post, author, channel]: [Option<Uuid>; 3],
    payload: Value,
) {
    let insert = Query::insert()
        .into_table(Alias::new("events"))
        .columns(
            [
                "topic",
                "post_id",
                "author_id",
                "channel_id",
                "payload",
                "created_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            topic.into(),
            post.into(),
            author.into(),
            channel.into(),
            payload.to_string().into(),
            chrono::Utc::now().into(),
        ])
        .to_owned();
    conn.execute(&insert).await.expect("old event inserted");
}

/// The data of the next `count` `next` messages on `ws`, by subscription
/// id (subscriptions of one socket resolve in any order).
async fn next_data(ws: &mut Ws, count: usize) -> BTreeMap<String, Value> {
    let mut data = BTreeMap::new();
    for _ in 0..count {
        let got = ws.next(WITHIN).await;
        assert_eq!(got["type"], "next", "{got}");
        let id = got["id"].as_str().expect("subscription id").to_owned();
        assert!(
            data.insert(id, got["payload"]["data"].clone()).is_none(),
            "{got}"
        );
    }
    data
}

async fn events_written_before_topics_were_typed_are_delivered_after_the_migration(app: TestApp) {
    // Arrange: staff's message in a channel and their post in review, which
    // notified the comms reviewer.
    let channel = app
        .create_channel(app.staff(), "launch", "PUBLIC", &["marketing", "sales"])
        .await;
    app.gql(
        Some(app.staff()),
        "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }",
        json!({ "input": { "channelId": channel, "body": "Before the upgrade" } }),
    )
    .await
    .data();
    let post = app.draft_post(app.staff(), "Old events", "A body.").await;
    let post_global = post["id"].as_str().expect("post id").to_owned();
    app.post_step_ok(app.staff(), "submitPost", &post_global, json!({}))
        .await;
    let staff = user_id(&app, &app.staff().email).await;
    let comms = user_id(&app, &app.comms().email).await;
    let channel_row = channels::Entity::find()
        .filter(channels::Column::Slug.eq("launch"))
        .one(&app.db)
        .await
        .expect("read channels")
        .expect("the channel");
    let message = messages::Entity::find()
        .filter(messages::Column::ChannelId.eq(channel_row.id))
        .one(&app.db)
        .await
        .expect("read messages")
        .expect("the message");
    let post_row = guest_posts::Entity::find()
        .filter(guest_posts::Column::Title.eq("Old events"))
        .one(&app.db)
        .await
        .expect("read posts")
        .expect("the post");
    let notification = notifications::Entity::find()
        .filter(notifications::Column::RecipientId.eq(comms))
        .one(&app.db)
        .await
        .expect("read notifications")
        .expect("comms was asked to review");

    let mut author = Ws::open(&app.address, Some(&app.staff().token)).await;
    author
        .subscribe_with("changed", CHANGED, json!({ "channel": channel }))
        .await;
    author.subscribe("mine", STATUS_CHANGED).await;
    author.sync().await;
    let mut reviewer = Ws::open(&app.address, Some(&app.comms().token)).await;
    reviewer.subscribe("notified", NOTIFIED).await;
    reviewer.sync().await;
    author.expect_quiet().await;
    reviewer.expect_quiet().await;
    let before = events::Entity::find()
        .order_by_desc(events::Column::Id)
        .one(&app.db)
        .await
        .expect("read events")
        .map_or(0, |e| e.id);

    // Act: back to the table before typed topics (with every migration
    // after it), one event of each old topic written as the old code did,
    // and up again.
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let typed = names
        .iter()
        .position(|name| name == TYPED_TOPICS)
        .expect("the migration is listed");
    let steps = u32::try_from(names.len() - typed).expect("a few migrations");
    // In one transaction with the old events and the way back up, so the
    // running relay never reads a half-migrated schema (on SQLite each
    // migration commits on its own otherwise: an event read between two
    // of them loaded a message before its columns were back).
    let txn = sea_orm::TransactionTrait::begin(&app.db)
        .await
        .expect("a transaction");
    Migrator::down(&txn, Some(steps))
        .await
        .expect("rolled back");
    // (Rolling back restored the old columns of events the typed code wrote.)
    let added = txn
        .query_one_raw(Statement::from_string(
            txn.get_database_backend(),
            "SELECT channel_id, payload FROM events WHERE topic = 'message.added'",
        ))
        .await
        .expect("read old columns")
        .expect("the message's event");
    assert_eq!(
        added
            .try_get::<Option<Uuid>>("", "channel_id")
            .expect("channel_id"),
        Some(channel_row.id)
    );
    let old_payload: Value =
        serde_json::from_str(&added.try_get::<String>("", "payload").expect("payload"))
            .expect("JSON");
    assert_eq!(old_payload["messageId"], json!(message.id));
    insert_old_event(&txn, "test.from_a_newer_replica", [None; 3], json!({})).await;
    insert_old_event(
        &txn,
        "message.changed",
        [None, Some(staff), Some(channel_row.id)],
        json!({ "messageId": message.id, "parentId": null, "change": "edited" }),
    )
    .await;
    insert_old_event(
        &txn,
        "post.status_changed",
        [Some(post_row.id), Some(staff), None],
        json!({ "from": "DRAFT", "to": "IN_REVIEW" }),
    )
    .await;
    insert_old_event(
        &txn,
        "notification.added",
        [None, Some(staff), None],
        json!({ "notifications": [{ "id": notification.id, "recipient": comms }] }),
    )
    .await;
    insert_old_event(
        &txn,
        "sessions.changed",
        [None; 3],
        json!({ "userId": staff }),
    )
    .await;
    Migrator::up(&txn, None).await.expect("migrated up");
    // Rolling down dropped the events' transaction ids, and up again gave
    // every row 0, which the running relay is past. (In a real upgrade the
    // column exists before any relay reads by it.) These rows were written
    // while it ran: on PostgreSQL they get this transaction's id.
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared(&format!(
            "UPDATE events SET txid = pg_current_xact_id()::text::bigint WHERE id > {before}"
        ))
        .await
        .expect("transaction ids set");
    }
    txn.commit().await.expect("committed");
    // A replica of the previous image, not yet replaced, still writes.
    insert_old_event(
        &app.db,
        "message.changed",
        [None, Some(staff), Some(channel_row.id)],
        json!({ "messageId": message.id, "parentId": null, "change": "deleted" }),
    )
    .await;

    // Assert: each subscriber hears its event once (the unknown one and the
    // old replica's are skipped), and every old row now names its subject.
    let heard = next_data(&mut author, 2).await;
    assert_eq!(
        heard["changed"]["messageChanged"]["body"],
        "Before the upgrade"
    );
    let mine = &heard["mine"]["postStatusChanged"];
    assert_eq!(mine["id"], post_global.as_str());
    assert_eq!(mine["status"], "IN_REVIEW");
    let notified = next_data(&mut reviewer, 1).await;
    assert_eq!(
        notified["notified"]["notificationAdded"]["kind"],
        "REVIEW_REQUEST"
    );
    author.expect_quiet().await;
    reviewer.expect_quiet().await;

    let rows = events::Entity::find()
        .filter(events::Column::Id.gt(before))
        .order_by_asc(events::Column::Id)
        .all(&app.db)
        .await
        .expect("read events");
    let subjects: Vec<(&str, &str, Option<Uuid>)> = rows
        .iter()
        .map(|e| (e.topic.as_str(), e.subject_kind.as_str(), e.subject_id))
        .collect();
    assert_eq!(
        subjects,
        [
            ("test.from_a_newer_replica", "", None),
            ("message.changed", "message", Some(message.id)),
            ("post.status_changed", "guest_post", Some(post_row.id)),
            ("notification.added", "notification", None),
            ("sessions.changed", "user", Some(staff)),
            ("message.changed", "", None),
        ]
    );
    let payload = |n: usize| -> Value { serde_json::from_str(&rows[n].payload).expect("JSON") };
    assert_eq!(payload(1)["channelId"], json!(channel_row.id));
    assert_eq!(payload(1)["change"], "edited");
    assert_eq!(payload(2)["authorId"], json!(staff));
    assert_eq!(payload(2)["to"], "IN_REVIEW");
}
db_test!(events_written_before_topics_were_typed_are_delivered_after_the_migration);
