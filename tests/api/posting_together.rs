//! Posts that arrive together are written together (group commit,
//! `messages::queue`): each is still checked on its own, answered with its
//! own message, and a batch costs the statements of a single post. A post
//! written inside a caller's transaction (`post::write_in`) goes through
//! the same code, and stands or falls with that transaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::future::join_all;
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use synaps::auth::Role;
use synaps::auth::{Actor as Signed, Viewer};
use synaps::config::Limits;
use synaps::domain::messages::post::{self, NewMessage, Pending};
use synaps::error::Error;
use synaps::graphql::node::{Kind, global_id};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::ws::Ws;
use crate::helpers::{Actor, GqlResponse, TestApp};

const POST: &str = "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id body author { handle } } } }";
const ARCHIVE: &str =
    "mutation($input: ArchiveChannelInput!) { archiveChannel(input: $input) { channel { id } } }";
const FEED: &str = "query($slug: String!) { channel(slug: $slug) { messages(first: 50) { edges { node { body author { handle } } } } } }";

/// Five messages or guest posts a minute.
fn five_a_minute(config: &mut synaps::config::Config) {
    config.limits.content_per_minute = 5;
}

async fn send(
    app: &TestApp,
    actor: &Actor,
    channel: &str,
    body: &str,
    parent: Option<&str>,
) -> GqlResponse {
    let input = json!({ "channelId": channel, "body": body, "parentId": parent });
    app.gql(Some(actor), POST, json!({ "input": input })).await
}

fn feed_bodies(response: &GqlResponse) -> Vec<String> {
    response.data()["channel"]["messages"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["body"].as_str().expect("body").to_owned())
        .collect()
}

async fn concurrent_posts_are_each_checked_and_answered_on_their_own(app: TestApp) {
    let busy = app
        .create_channel(app.staff(), "busy", "PUBLIC", &["sales"])
        .await;
    let closed = app
        .create_channel(app.staff(), "closed", "PUBLIC", &["sales"])
        .await;
    app.join_channel(app.manager(), &busy).await;
    // Administrators post anywhere; this spends no one else's budget.
    let elsewhere = send(&app, app.admin(), &closed, "elsewhere", None).await;
    let elsewhere = elsewhere.data()["postMessage"]["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql(
        Some(app.staff()),
        ARCHIVE,
        json!({ "input": { "channelId": closed } }),
    )
    .await
    .data();

    // All at once: 8 from staff (5 fit the budget), 3 from the manager, one
    // from a non-member, one reply to another channel's message, one to an
    // archived channel.
    // (who, what they send, the body stored: trimmed)
    let mut sent: Vec<(&Actor, String, String)> = Vec::new();
    for n in 0..8 {
        sent.push((app.staff(), format!("  staff {n} "), format!("staff {n}")));
    }
    for n in 0..3 {
        let body = format!("manager {n}");
        sent.push((app.manager(), body.clone(), body));
    }
    let requests = sent
        .iter()
        .map(|(actor, text, _)| send(&app, actor, &busy, text, None));
    let refused = vec![
        send(&app, app.comms(), &busy, "not a member", None),
        send(&app, app.manager(), &busy, "astray", Some(&elsewhere)),
        // Refused before the budget: staff still has 5 for the 8 above.
        send(&app, app.staff(), &closed, "too late", None),
    ];
    let (answers, refused) = futures_util::join!(join_all(requests), join_all(refused));

    let mut staff_posted = 0;
    let mut rate_limited = 0;
    for ((actor, _, body), answer) in sent.iter().zip(&answers) {
        if answer.body["errors"].is_array() {
            assert_eq!(actor.handle, app.staff().handle, "{}", answer.body);
            answer.expect_error("RATE_LIMITED");
            rate_limited += 1;
            continue;
        }
        // Each request gets its own message back, whatever it was written
        // with.
        let message = &answer.data()["postMessage"]["message"];
        assert_eq!(message["body"], json!(body), "{}", answer.body);
        assert_eq!(message["author"]["handle"], json!(actor.handle));
        if actor.handle == app.staff().handle {
            staff_posted += 1;
        }
    }
    assert_eq!((staff_posted, rate_limited), (5, 3));
    refused[0].expect_error("FORBIDDEN");
    refused[1].expect_bad_input("parentId");
    refused[2].expect_error("CONFLICT");

    let mut stored = feed_bodies(
        &app.gql(Some(app.staff()), FEED, json!({ "slug": "busy" }))
            .await,
    );
    stored.sort();
    let mut expected: Vec<String> = answers
        .iter()
        .filter(|a| !a.body["errors"].is_array())
        .map(|a| {
            a.data()["postMessage"]["message"]["body"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    expected.sort();
    assert_eq!(stored, expected);
    assert_eq!(stored.len(), 8);
    // Nothing landed in the archived channel but the message from before.
    let closed_feed = app
        .gql(Some(app.staff()), FEED, json!({ "slug": "closed" }))
        .await;
    assert_eq!(feed_bodies(&closed_feed), vec!["elsewhere".to_owned()]);
}
db_test!(
    concurrent_posts_are_each_checked_and_answered_on_their_own,
    with = five_a_minute
);

fn pending(viewer: &Viewer, channel_id: Uuid, body: &str, parent_id: Option<Uuid>) -> Pending {
    let new = NewMessage {
        channel_id,
        body: body.to_owned(),
        parent_id,
    };
    Pending::new(viewer, new).unwrap()
}

async fn a_batch_costs_the_statements_of_one_post_and_keeps_the_order_of_replies(app: TestApp) {
    app.create_channel(app.staff(), "busy", "PUBLIC", &["sales"])
        .await;
    let busy = global_id(Kind::Channel, app.channel_uuid("busy").await).to_string();
    for actor in [app.manager(), app.comms()] {
        app.join_channel(actor, &busy).await;
    }
    let busy = app.channel_uuid("busy").await;
    let (staff, manager, comms) = (
        app.viewer(app.staff()).await,
        app.viewer(app.manager()).await,
        app.viewer(app.comms()).await,
    );
    // The domain layer on a connection of its own that counts statements.
    let mut db = app.db.clone();
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let limits = Limits {
        content_per_minute: 30,
        ..app.config.limits.clone()
    };

    let mut costs = Vec::new();
    for size in [1, 25] {
        let batch = (0..size)
            .map(|n| pending(&staff, busy, &format!("batch of {size}: {n}"), None))
            .collect();
        let before = statements.load(Ordering::SeqCst);
        let outcomes = post::write(&db, &limits, batch).await;
        costs.push(statements.load(Ordering::SeqCst) - before);
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    }
    eprintln!("statements for a batch of 1 and of 25 posts: {costs:?}");
    assert_eq!(costs[0], costs[1], "{costs:?}");
    // The access check with the rate-limit locks, the counts, the
    // messages, the analytics rollups (`domain::analytics::record`: one
    // statement on PostgreSQL, one per table on SQLite, after the messages
    // they are computed from), and the other inserts: one statement on
    // PostgreSQL, one per table on SQLite.
    let most = match app.db.get_database_backend() {
        DbBackend::Postgres => 5,
        _ => 10,
    };
    assert!(costs[0] <= most, "{costs:?}");

    // Staff has 4 left of 30: the fifth and sixth are refused, the rest of
    // the batch stands. Two replies in one batch: the first replier follows
    // the thread before the second reply, as if they came one by one.
    let root = post::post(&db, &manager, &limits, new_root(busy))
        .await
        .unwrap();
    let batch = vec![
        pending(&staff, busy, "staff 1", None),
        pending(&staff, busy, "staff 2", None),
        pending(&comms, busy, "first reply", Some(root.id)),
        pending(&staff, busy, "staff 3", None),
        pending(&staff, busy, "staff 4", None),
        pending(&staff, busy, "staff 5", None),
        pending(&staff, busy, "staff 6", Some(root.id)),
        pending(&manager, busy, "second reply", Some(root.id)),
    ];
    let outcomes = post::write(&db, &limits, batch).await;
    let refused: Vec<bool> = outcomes
        .iter()
        .map(|o| matches!(o, Err(Error::RateLimited { .. })))
        .collect();
    assert_eq!(
        refused,
        [false, false, false, false, false, true, true, false],
        "{outcomes:?}"
    );
    let second = outcomes[7].as_ref().unwrap();
    assert_eq!(second.body, "second reply");
    // comms replied first: the manager's reply (the thread's starter is the
    // actor) reaches comms alone.
    let told = told_about(&app, app.comms(), second.id).await;
    assert_eq!(told, 1);
    let first = outcomes[2].as_ref().unwrap();
    assert_eq!(told_about(&app, app.manager(), first.id).await, 1);
    assert_eq!(told_about(&app, app.staff(), first.id).await, 0);

    // Should the database refuse a batch (here: an author who does not
    // exist, so the message breaks its foreign key), each post is tried
    // alone: the others are written all the same.
    let ghost = Viewer::User(Signed {
        user_id: Uuid::now_v7(),
        role: Role::Admin,
        session_id: Uuid::now_v7(),
    });
    let batch = vec![
        pending(&manager, busy, "before the ghost", None),
        pending(&ghost, busy, "boo", None),
        pending(&comms, busy, "after the ghost", None),
    ];
    let outcomes = post::write(&db, &limits, batch).await;
    assert!(
        matches!(outcomes[1], Err(Error::Internal(_))),
        "{outcomes:?}"
    );
    for (n, body) in [(0, "before the ghost"), (2, "after the ghost")] {
        assert_eq!(outcomes[n].as_ref().unwrap().body, body, "{outcomes:?}");
    }
    let feed = app
        .gql(Some(app.staff()), FEED, json!({ "slug": "busy" }))
        .await;
    let bodies = feed_bodies(&feed);
    assert!(bodies.contains(&"after the ghost".to_owned()), "{bodies:?}");
    assert!(!bodies.contains(&"boo".to_owned()), "{bodies:?}");
}
db_test!(a_batch_costs_the_statements_of_one_post_and_keeps_the_order_of_replies);

fn new_root(channel_id: Uuid) -> NewMessage {
    NewMessage {
        channel_id,
        body: "a thread".to_owned(),
        parent_id: None,
    }
}

/// How many of `actor`'s notifications are about message `id`.
async fn told_about(app: &TestApp, actor: &Actor, id: Uuid) -> usize {
    let id = global_id(Kind::Message, id).to_string();
    let response = app
        .gql(
            Some(actor),
            "{ notifications(first: 50) { edges { node { aboutMessage { id } } } } }",
            Value::Null,
        )
        .await;
    response.data()["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["aboutMessage"]["id"] == json!(id))
        .count()
}

/// `SHOW plan_cache_mode` on a connection of `db`.
async fn plan_cache_mode(db: &sea_orm::DatabaseConnection) -> String {
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SHOW plan_cache_mode",
        ))
        .await
        .expect("SHOW runs")
        .expect("a row");
    row.try_get_by_index(0).expect("a text")
}

// The post writers' pool plans each statement once per connection; the
// search's plans each for its words; the requests' pool leaves the choice
// to PostgreSQL, whose plans for skewed lookups depend on the values.
async fn only_the_writers_pool_forces_generic_plans(app: TestApp) {
    let keyed = synaps::db::connect_keyed(app.database_url())
        .await
        .expect("the writers' pool connects");
    assert_eq!(plan_cache_mode(&keyed).await, "force_generic_plan");
    let search = synaps::db::connect_search(app.database_url(), 2)
        .await
        .expect("the search's pool connects");
    assert_eq!(plan_cache_mode(&search).await, "force_custom_plan");
    assert_eq!(plan_cache_mode(&app.db).await, "auto");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_writers_pool_forces_generic_plans_on_postgres() {
    crate::helpers::run(
        crate::helpers::Backend::Postgres,
        only_the_writers_pool_forces_generic_plans,
    )
    .await;
}

// On PostgreSQL a batch takes its authors' rate-limit locks in its first
// statement and counts in a later one: a batch waits for another
// transaction that holds an author's lock, and then counts what that
// transaction wrote (two replicas cannot both spend the last item).
async fn a_batch_waits_for_the_authors_lock_and_counts_what_it_guarded(app: TestApp) {
    use synaps::domain::rate_limit::Budgets;
    use synaps::entities::messages;
    app.create_channel(app.staff(), "guarded", "PUBLIC", &["sales"])
        .await;
    let guarded = app.channel_uuid("guarded").await;
    let staff = app.viewer(app.staff()).await;
    let author = staff.actor().expect("signed in").user_id;
    let limits = Limits {
        content_per_minute: 1,
        ..app.config.limits.clone()
    };

    // Another writer holds the author's lock and spends the last item.
    let other = synaps::db::begin_write(&app.db).await.unwrap();
    let mut budgets = Budgets::load(&other, &limits, &[author]).await.unwrap();
    budgets.check(author).expect("one item left");
    budgets.spend(author);
    budgets.record(&other).await.unwrap();
    let now = chrono::Utc::now();
    let row = messages::ActiveModel {
        id: sea_orm::Set(Uuid::now_v7()),
        channel_id: sea_orm::Set(guarded),
        author_id: sea_orm::Set(author),
        parent_id: sea_orm::Set(None),
        body: sea_orm::Set("written under the lock".to_owned()),
        created_at: sea_orm::Set(now),
        edited_at: sea_orm::Set(None),
        deleted_at: sea_orm::Set(None),
        erased_at: sea_orm::Set(None),
    };
    messages::Entity::insert(row)
        .exec_without_returning(&other)
        .await
        .unwrap();

    let db = app.db.clone();
    let batch_limits = limits.clone();
    let batch = tokio::spawn(async move {
        let post = pending(&staff, guarded, "the batch's", None);
        post::write(&db, &batch_limits, vec![post]).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!batch.is_finished(), "the batch did not wait for the lock");

    other.commit().await.unwrap();
    let mut outcomes = batch.await.unwrap();
    match outcomes.pop() {
        Some(Err(Error::RateLimited { .. })) => {}
        other => panic!("expected RATE_LIMITED, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_waits_for_the_authors_lock_and_counts_what_it_guarded_on_postgres() {
    crate::helpers::run(
        crate::helpers::Backend::Postgres,
        a_batch_waits_for_the_authors_lock_and_counts_what_it_guarded,
    )
    .await;
}

const ADDED: &str =
    "subscription($channel: ID!) { messageAdded(channel: $channel) { node { id body } } }";
const MESSAGE: &str = "query($id: ID!) { node(id: $id) { ... on Message { body author { handle } parent { id } mentions { handle } } } }";

/// How many items `author` has counted against the content rate limit.
async fn content_counted(app: &TestApp, author: Uuid) -> i32 {
    use synaps::entities::content_counts;
    content_counts::Entity::find()
        .filter(content_counts::Column::AuthorId.eq(author))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|c| c.items)
        .sum()
}

// A bigger action (the weekly round opening a thread) writes a message
// inside its own transaction: rolled back, nothing of the message remains;
// committed, it is there with its mention, follow, count, notifications
// and event, and a live subscriber hears it.
async fn a_message_written_in_a_callers_transaction_stands_or_falls_with_it(app: TestApp) {
    let round = app
        .create_channel(app.staff(), "round", "PUBLIC", &["sales"])
        .await;
    for actor in [app.manager(), app.comms()] {
        app.join_channel(actor, &round).await;
    }
    // Listening before the thread starts, so that its own message, which
    // the relay may deliver a moment after the post is answered, is heard
    // here and not taken for the reply's.
    let mut listener = Ws::open(&app.address, Some(&app.manager().token)).await;
    listener
        .subscribe_with("added", ADDED, json!({ "channel": round }))
        .await;
    listener.sync().await;
    let root = send(
        &app,
        app.manager(),
        &round,
        "Who can help with the launch?",
        None,
    )
    .await;
    let root = root.data()["postMessage"]["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let root_id = synaps::entities::messages::Entity::find()
        .filter(synaps::entities::messages::Column::Body.eq("Who can help with the launch?"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the thread exists")
        .id;
    let author = app.viewer(app.staff()).await.actor().unwrap().clone();
    let body = format!("@{} and I can.", app.comms().handle);
    let channel = app.channel_uuid("round").await;
    let reply = || NewMessage {
        channel_id: channel,
        body: body.clone(),
        parent_id: Some(root_id),
    };
    let heard = listener.next(std::time::Duration::from_secs(5)).await;
    assert_eq!(
        heard["payload"]["data"]["messageAdded"]["node"]["id"],
        json!(root),
        "{heard}"
    );
    let before = app.snapshot().await;
    let events_before = app.count_rows("events").await;
    let counted_before = content_counted(&app, author.user_id).await;

    // Rolled back: nothing was written, and nothing is heard.
    let txn = synaps::db::begin_write(&app.db).await.unwrap();
    let written = post::write_in(&txn, &app.config.limits, &author, reply())
        .await
        .unwrap();
    assert_eq!(written.body, body);
    txn.rollback().await.unwrap();
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.count_rows("events").await, events_before);
    let gone = app
        .gql(
            Some(app.staff()),
            MESSAGE,
            json!({ "id": global_id(Kind::Message, written.id).to_string() }),
        )
        .await;
    assert_eq!(gone.code(), Some("NOT_FOUND"), "{}", gone.body);

    // Committed: the message and everything that goes with it.
    let txn = synaps::db::begin_write(&app.db).await.unwrap();
    let written = post::write_in(&txn, &app.config.limits, &author, reply())
        .await
        .unwrap();
    synaps::events::commit(txn).await.unwrap();
    let id = global_id(Kind::Message, written.id).to_string();
    let seen = app
        .gql(Some(app.manager()), MESSAGE, json!({ "id": id }))
        .await;
    let message = &seen.data()["node"];
    assert_eq!(message["body"], json!(body));
    assert_eq!(message["author"]["handle"], json!(app.staff().handle));
    assert_eq!(message["parent"]["id"], json!(root));
    assert_eq!(
        message["mentions"],
        json!([{ "handle": app.comms().handle }])
    );
    // comms is told once (the mention), the thread's starter once (the
    // reply), the author not at all.
    assert_eq!(told_about(&app, app.comms(), written.id).await, 1);
    assert_eq!(told_about(&app, app.manager(), written.id).await, 1);
    assert_eq!(told_about(&app, app.staff(), written.id).await, 0);
    let follows = app
        .gql(
            Some(app.staff()),
            "query($id: ID!) { node(id: $id) { ... on Message { viewerFollows } } }",
            json!({ "id": root }),
        )
        .await;
    assert_eq!(follows.data()["node"]["viewerFollows"], json!(true));
    assert_eq!(
        content_counted(&app, author.user_id).await,
        counted_before + 1
    );
    // The message's event, and one per kind of notification.
    assert_eq!(app.count_rows("events").await, events_before + 3);
    // On PostgreSQL the relay first waits out the rolled-back event's id
    // (up to 6 s, `synaps::events`).
    let heard = listener.next(std::time::Duration::from_secs(15)).await;
    let node = &heard["payload"]["data"]["messageAdded"]["node"];
    assert_eq!(node["id"], json!(id), "{heard}");
    assert_eq!(node["body"], json!(body));
    listener.expect_quiet().await;
}
db_test!(a_message_written_in_a_callers_transaction_stands_or_falls_with_it);
