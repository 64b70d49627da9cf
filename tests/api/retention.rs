//! Retention (docs/OPERATIONS.md, "Retention"): the scheduler (every
//! 100 ms in tests) deletes events and read notifications past their
//! retention, keeps newer ones and every unread notification, and on
//! PostgreSQL runs on one replica at a time.

use std::time::{Duration, Instant};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set,
    Statement, TransactionTrait,
};
use serde_json::json;
use synaps::config::Config;
use synaps::entities::{events, notifications};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::posts::Stage;
use crate::helpers::{Backend, TestApp};

const MARK_READ: &str = "mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { marked } }";
const LIST: &str = "{ notifications(first: 50) { edges { node { id readAt } } } }";

fn two_hours_of_events_thirty_days_of_notifications(config: &mut Config) {
    config.events_retention_hours = 2;
    config.notifications_retention_days = 30;
}

fn uuid_of(global: &str) -> Uuid {
    synaps::graphql::node::decode("id", &async_graphql::ID(global.to_owned()))
        .expect("a global id")
        .1
}

async fn listed(app: &TestApp) -> Vec<String> {
    let mut ids: Vec<String> =
        app.gql(Some(app.comms()), LIST, json!({})).await.data()["notifications"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
            .collect();
    ids.sort();
    ids
}

async fn age(app: &TestApp, id: &str, days: i64) {
    notifications::Entity::update_many()
        .col_expr(
            notifications::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(days)),
        )
        .filter(notifications::Column::Id.eq(uuid_of(id)))
        .exec(&app.db)
        .await
        .expect("backdate a notification");
}

async fn event_aged(app: &TestApp, hours: i64) -> i64 {
    events::ActiveModel {
        id: NotSet,
        topic: Set("test.aged".to_owned()),
        subject_kind: Set("test".to_owned()),
        subject_id: Set(None),
        payload: Set("{}".to_owned()),
        created_at: Set(chrono::Utc::now() - chrono::Duration::hours(hours)),
        txid: NotSet,
    }
    .insert(&app.db)
    .await
    .expect("an aged event")
    .id
}

async fn event_exists(app: &TestApp, id: i64) -> bool {
    events::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("read events")
        .is_some()
}

/// Waits (at most 5 s) until `done`.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < Duration::from_secs(5), "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// With events kept 2 hours and read notifications 30 days: an event 3
/// hours old and a read notification 40 days old go; an event an hour old,
/// a read notification 10 days old and an unread one 400 days old stay. On
/// PostgreSQL, while another holder has the retention lock (as a replica
/// running its pass would), nothing is deleted.
async fn old_events_and_read_notifications_go_recent_and_unread_ones_stay(app: TestApp) {
    // Arrange: four notifications for the reviewer, two of them read.
    for n in 0..4 {
        app.post_in(app.staff(), Stage::InReview, &format!("Retained {n}"))
            .await;
    }
    let all = listed(&app).await;
    assert_eq!(all.len(), 4);
    let (old_read, recent_read, old_unread, recent_unread) = (&all[0], &all[1], &all[2], &all[3]);
    let marked = app
        .gql(
            Some(app.comms()),
            MARK_READ,
            json!({ "input": { "ids": [old_read, recent_read] } }),
        )
        .await;
    assert_eq!(marked.data()["markNotificationsRead"]["marked"], 2);

    // On PostgreSQL, hold the pass's lock as another replica would.
    let holder = if app.backend == Backend::Postgres {
        let txn = app.db.begin().await.expect("a transaction");
        txn.execute_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(8320803151321199205)",
        ))
        .await
        .expect("the retention lock");
        Some(txn)
    } else {
        None
    };
    age(&app, old_read, 40).await;
    age(&app, recent_read, 10).await;
    age(&app, old_unread, 400).await;
    let old_event = event_aged(&app, 3).await;
    let recent_event = event_aged(&app, 1).await;

    if let Some(txn) = holder {
        // Ten ticks with the lock held elsewhere: this replica skips.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert!(
            event_exists(&app, old_event).await,
            "pruned without the lock"
        );
        assert_eq!(listed(&app).await.len(), 4, "pruned without the lock");
        txn.rollback().await.expect("release the lock");
    }

    // Act: the scheduler's next passes.
    let app_ref = &app;
    eventually("the old event is still there", || async move {
        !event_exists(app_ref, old_event).await
    })
    .await;
    eventually("the old read notification is still listed", || async move {
        listed(app_ref).await.len() == 3
    })
    .await;

    // Assert
    let mut kept = vec![
        recent_read.clone(),
        old_unread.clone(),
        recent_unread.clone(),
    ];
    kept.sort();
    assert_eq!(listed(&app).await, kept);
    assert!(event_exists(&app, recent_event).await);
}
db_test!(
    old_events_and_read_notifications_go_recent_and_unread_ones_stay,
    with = two_hours_of_events_thirty_days_of_notifications
);
