//! The Monday check-in reminder: once per person and week, however many
//! `synaps serve` processes run on the database, and never to someone away,
//! someone who turned reminders off or someone who already checked in.
//!
//! The in-process server of every test has reminders off
//! (`helpers::test_config`); here separate `synaps serve` processes run
//! with `SYNAPS_REMINDER_TIME=00:00`, so everyone's reminder of the current
//! week is due the moment they start.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use synaps::auth::Role;
use synaps::domain::round::reminders::{self, Clock};
use synaps::domain::round::week::Week;
use synaps::entities::{checkin_reminders, checkins, notifications, users};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::ws::Replica;
use crate::helpers::{Actor, Backend, TestApp};

const UPDATE_PROFILE: &str =
    "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { handle } } }";
const SET_AWAY: &str = "mutation($input: SetAwayInput!) { setAway(input: $input) { away { id } } }";
const MY_NOTIFICATIONS: &str =
    "{ notifications(first: 10) { edges { node { kind message actor { handle } } } } }";

async fn user_id(app: &TestApp, handle: &str) -> Uuid {
    users::Entity::find()
        .filter(users::Column::Handle.eq(handle))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn set_zone(app: &TestApp, actor: &Actor, zone: &str, reminders: bool) {
    app.gql(
        Some(actor),
        UPDATE_PROFILE,
        json!({ "input": { "timeZone": zone, "checkinReminders": reminders } }),
    )
    .await
    .data();
}

/// The reminders of the current week, per recipient handle, as stored.
async fn reminded(app: &TestApp) -> Vec<(String, String)> {
    let rows = notifications::Entity::find()
        .filter(notifications::Column::Kind.eq("CHECKIN_REMINDER"))
        .all(&app.db)
        .await
        .unwrap();
    let mut out = Vec::new();
    for row in rows {
        let person = users::Entity::find_by_id(row.recipient_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        out.push((person.handle, row.message));
    }
    out.sort();
    out
}

async fn each_person_is_reminded_once_across_processes(app: TestApp) {
    // Arrange: six people in four zones.
    //   stella  Europe/Stockholm   reminded
    //   magnus  America/New_York   reminded
    //   tomoko  Asia/Tokyo         reminded
    //   corinna Europe/Stockholm   reminders off: none
    //   adam    Europe/Stockholm   away this week: none
    //   dora    America/New_York   already checked in: none
    let tomoko = app.create_actor(Role::Staff, "tomoko", &["sales"]).await;
    let dora = app.create_actor(Role::Staff, "dora", &["marketing"]).await;
    set_zone(&app, app.staff(), "Europe/Stockholm", true).await;
    set_zone(&app, app.manager(), "America/New_York", true).await;
    set_zone(&app, &tomoko, "Asia/Tokyo", true).await;
    set_zone(&app, app.comms(), "Europe/Stockholm", false).await;
    set_zone(&app, app.admin(), "Europe/Stockholm", true).await;
    set_zone(&app, &dora, "America/New_York", true).await;

    let stockholm: Tz = "Europe/Stockholm".parse().unwrap();
    let new_york: Tz = "America/New_York".parse().unwrap();
    let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
    let now = Utc::now();
    let adams_week = Week::current(stockholm, now);
    app.gql(
        Some(app.admin()),
        SET_AWAY,
        json!({ "input": {
            "from": adams_week.monday().to_string(),
            "to": (adams_week.monday() + Days::new(6)).to_string(),
            "note": "skiing",
        }}),
    )
    .await
    .data();
    // Setup, not the act: until `submitCheckin` is on this branch, dora's
    // check-in of her current week is written directly.
    let doras_week = Week::current(new_york, now);
    checkins::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id(&app, "dora").await),
        week: Set(doras_week.to_string()),
        week_start: Set(doras_week.monday()),
        wins: Set("Closed the quarter.".to_owned()),
        mood: Set(Some(4)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();

    // Act: two processes on PostgreSQL, racing for the same people; one
    // on SQLite (one writer by design).
    let processes = match app.backend {
        Backend::Postgres => 2,
        Backend::Sqlite => 1,
    };
    let env = [
        ("SYNAPS_REMINDER_TIME", "00:00"),
        ("SYNAPS_SCHEDULER_INTERVAL_MS", "50"),
    ];
    // Started together, so their first ticks race.
    let replicas = futures_util::future::join_all(
        (0..processes).map(|_| Replica::start_with(app.database_url(), &env)),
    )
    .await;
    let started = Instant::now();
    while reminded(&app).await.len() < 3 && started.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Many more ticks of every process: nothing more may come.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(replicas);

    // Assert: exactly the three, once each, naming their own week.
    let stella_week = Week::current(stockholm, now).to_string();
    let magnus_week = Week::current(new_york, now).to_string();
    let tomoko_week = Week::current(tokyo, now).to_string();
    let message = |week: &str| {
        format!("Time for your check-in of {week}: last week's wins and this week's challenges.")
    };
    assert_eq!(
        reminded(&app).await,
        vec![
            ("magnus".to_owned(), message(&magnus_week)),
            ("stella".to_owned(), message(&stella_week)),
            ("tomoko".to_owned(), message(&tomoko_week)),
        ]
    );
    let claims = checkin_reminders::Entity::find()
        .order_by_asc(checkin_reminders::Column::Week)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(claims.len(), 3);
    assert_eq!(
        checkin_reminders::Entity::find()
            .filter(checkin_reminders::Column::UserId.eq(user_id(&app, "adam").await))
            .count(&app.db)
            .await
            .unwrap(),
        0
    );

    // Through the API: the person sees one reminder from the system.
    let mine = app
        .gql(Some(app.staff()), MY_NOTIFICATIONS, json!({}))
        .await;
    assert_eq!(
        mine.data()["notifications"]["edges"],
        json!([{ "node": {
            "kind": "CHECKIN_REMINDER",
            "message": message(&stella_week),
            "actor": null,
        }}])
    );
    let none = app
        .gql(Some(app.comms()), MY_NOTIFICATIONS, json!({}))
        .await;
    assert_eq!(none.data()["notifications"]["edges"], json!([]));
}
db_test!(each_person_is_reminded_once_across_processes);

async fn concurrent_ticks_claim_each_reminder_once(app: TestApp) {
    // Arrange: the four actors in the default zone (UTC), reminders at
    // 00:00, so all four are due now.
    let clock = Clock {
        at: NaiveTime::MIN,
        default_zone: Tz::UTC,
    };

    // Act: eight ticks at once, as eight replicas would.
    let now = Utc::now();
    let ticks =
        futures_util::future::join_all((0..8).map(|_| reminders::send_due(&app.db, clock, now)))
            .await;

    // Assert: four reminders in all, whoever sent them; later ticks send none.
    let mut sent: Vec<Uuid> = ticks.into_iter().flat_map(|t| t.unwrap()).collect();
    sent.sort();
    let mut everyone: Vec<Uuid> = Vec::new();
    for handle in ["adam", "corinna", "magnus", "stella"] {
        everyone.push(user_id(&app, handle).await);
    }
    everyone.sort();
    assert_eq!(sent, everyone);
    assert_eq!(app.count_rows("checkin_reminders").await, 4);
    assert_eq!(
        notifications::Entity::find()
            .filter(notifications::Column::Kind.eq("CHECKIN_REMINDER"))
            .count(&app.db)
            .await
            .unwrap(),
        4
    );
    let again = reminders::send_due(&app.db, clock, Utc::now())
        .await
        .unwrap();
    assert_eq!(again, Vec::<Uuid>::new());
}
db_test!(concurrent_ticks_claim_each_reminder_once);
