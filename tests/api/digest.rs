//! `postWeeklyDigest`: a department's round of a week in one message.

use chrono::{Datelike, Days, NaiveTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use synaps::auth::Role;
use synaps::domain::round::digest::{self, Clock};
use synaps::entities::{checkins, digest_claims, users};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::{Actor, TestApp, missing_department_id};

const DIGEST: &str = "mutation($input: PostWeeklyDigestInput!) { postWeeklyDigest(input: $input) { \
    week submitted expected excused \
    message { body author { handle } channel { slug viewerIsMember } } } }";
const SUBMIT: &str =
    "mutation($input: SubmitCheckinInput!) { submitCheckin(input: $input) { checkin { id } } }";

/// The current ISO week in UTC (the tests' default zone), and its Monday,
/// computed with chrono rather than by the code under test.
fn this_week() -> (String, chrono::NaiveDate) {
    let today = Utc::now().date_naive();
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let iso = today.iso_week();
    (format!("{}-W{:02}", iso.year(), iso.week()), monday)
}

async fn check_in(app: &TestApp, actor: &Actor, input: Value) {
    app.gql(Some(actor), SUBMIT, json!({ "input": input }))
        .await
        .data();
}

/// The database id of `handle`'s check-in of `week` (the digest links it).
async fn checkin_id(app: &TestApp, handle: &str, week: &str) -> String {
    let user = users::Entity::find()
        .filter(users::Column::Handle.eq(handle))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    checkins::Entity::find()
        .filter(checkins::Column::UserId.eq(user.id))
        .filter(checkins::Column::Week.eq(week))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

async fn digest(
    app: &TestApp,
    actor: &Actor,
    department: &str,
    week: &str,
) -> crate::helpers::GqlResponse {
    app.gql(
        Some(actor),
        DIGEST,
        json!({ "input": { "departmentId": department, "week": week } }),
    )
    .await
}

async fn a_manager_posts_the_digest_of_their_department(app: TestApp) {
    // Arrange: Sales is Magnus (manager), Sven, Tilda and Ulla; Ulla is
    // away this week (excused) but checked in anyway; Magnus did not.
    let (week, monday) = this_week();
    let sven = app.create_actor(Role::Staff, "sven", &["sales"]).await;
    let tilda = app.create_actor(Role::Staff, "tilda", &["sales"]).await;
    let ulla = app.create_actor(Role::Staff, "ulla", &["sales"]).await;
    // Candidates, oldest first: a private channel of Sales alone (never
    // chosen), a public synapse with Marketing, then Sales' own public
    // channel (chosen: linked to Sales alone).
    app.create_channel(app.admin(), "sales-private", "PRIVATE", &["sales"])
        .await;
    app.create_channel(
        app.admin(),
        "sales-marketing",
        "PUBLIC",
        &["sales", "marketing"],
    )
    .await;
    app.create_channel(app.admin(), "sales-team", "PUBLIC", &["sales"])
        .await;
    let marketing = app.department_id("marketing").await;
    let sales = app.department_id("sales").await;
    app.gql(
        Some(&ulla),
        "mutation($input: SetAwayInput!) { setAway(input: $input) { away { id } } }",
        json!({ "input": { "from": monday.to_string(), "to": (monday + Days::new(4)).to_string() } }),
    )
    .await
    .data();
    check_in(
        &app,
        &sven,
        json!({
            "wins": "Signed **Acme**",
            "challenges": [
                { "body": "Pricing for the retail chain" },
                { "body": "Need the new one-pager", "departmentId": marketing },
            ],
            "mood": 2,
        }),
    )
    .await;
    check_in(
        &app,
        &tilda,
        json!({ "wins": "Ten demos", "challenges": [] }),
    )
    .await;
    check_in(
        &app,
        &ulla,
        json!({ "wins": "Planned the trade fair", "challenges": [] }),
    )
    .await;
    let sven_id = checkin_id(&app, "sven", &week).await;
    let tilda_id = checkin_id(&app, "tilda", &week).await;
    let ulla_id = checkin_id(&app, "ulla", &week).await;

    // Act
    let posted = digest(&app, app.manager(), &sales, &week).await;

    // Assert: 2 of the 3 expected (Magnus, Sven, Tilda), Ulla excused; no
    // mood anywhere.
    let expected_body = format!(
        "**Weekly round of Sales, {week}**\n\
         \n\
         Participation: 2 of 3 expected checked in (67%); 1 excused.\n\
         \n\
         **sven (test)** · [check-in](/round/checkins/{sven_id})\n\
         \n\
         Wins:\n\
         \n\
         Signed **Acme**\n\
         \n\
         Challenges:\n\
         - Pricing for the retail chain\n\
         - Need the new one-pager (to Marketing)\n\
         \n\
         **tilda (test)** · [check-in](/round/checkins/{tilda_id})\n\
         \n\
         Wins:\n\
         \n\
         Ten demos\n\
         \n\
         **ulla (test)** · [check-in](/round/checkins/{ulla_id})\n\
         \n\
         Wins:\n\
         \n\
         Planned the trade fair"
    );
    assert_eq!(
        posted.data()["postWeeklyDigest"],
        json!({
            "week": week,
            "submitted": 2,
            "expected": 3,
            "excused": 1,
            "message": {
                "body": expected_body,
                "author": { "handle": "magnus" },
                "channel": { "slug": "sales-team", "viewerIsMember": true },
            },
        })
    );

    // Comms and admins may post it too.
    for actor in [app.comms(), app.admin()] {
        let again = digest(&app, actor, &sales, &week).await;
        assert_eq!(again.data()["postWeeklyDigest"]["submitted"], 2);
    }
}
db_test!(a_manager_posts_the_digest_of_their_department);

async fn a_digest_is_refused_to_others_and_for_bad_input(app: TestApp) {
    // Arrange: Sales has a channel and a check-in; HR has a check-in but
    // no channel.
    let (week, _) = this_week();
    let mona = app
        .create_actor(Role::Manager, "mona", &["marketing"])
        .await;
    app.create_channel(app.admin(), "sales-team", "PUBLIC", &["sales"])
        .await;
    check_in(
        &app,
        app.manager(),
        json!({ "wins": "Quarter closed", "challenges": [] }),
    )
    .await;
    check_in(
        &app,
        app.admin(),
        json!({ "wins": "Payroll done", "challenges": [] }),
    )
    .await;
    let sales = app.department_id("sales").await;
    let hr = app.department_id("hr").await;
    let before = app.snapshot().await;

    // Act and assert: staff, and a manager of another department.
    for actor in [app.staff(), &mona] {
        digest(&app, actor, &sales, &week)
            .await
            .expect_error("FORBIDDEN");
    }
    // A week that is not one, a week nobody checked in, an unknown
    // department, a department without a public channel.
    digest(&app, app.manager(), &sales, "2026-49")
        .await
        .expect_bad_input("week");
    let last_year = "2020-W10";
    let empty = digest(&app, app.manager(), &sales, last_year).await;
    empty.expect_bad_input("week");
    assert_eq!(
        empty.expect_error("BAD_USER_INPUT")["message"],
        format!("week: nobody in Sales checked in for {last_year}")
    );
    digest(&app, app.admin(), &missing_department_id(), &week)
        .await
        .expect_bad_input("departmentId");
    let no_channel = digest(&app, app.admin(), &hr, &week).await;
    no_channel.expect_bad_input("departmentId");
    assert_eq!(
        no_channel.expect_error("BAD_USER_INPUT")["message"],
        "departmentId: no open public channel is linked to HR; link one for its digest first"
    );
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused digest wrote something"
    );
}
db_test!(a_digest_is_refused_to_others_and_for_bad_input);

async fn automatic_digests_post_once_per_department_and_week(app: TestApp) {
    // Arrange: Sales has its channel and Magnus's check-in of last week.
    // Setup, not the act: `submitCheckin` writes only the current week, so
    // last week's row is written directly.
    let (week, monday) = this_week();
    let last_monday = monday - Days::new(7);
    let iso = last_monday.iso_week();
    let last_week = format!("{}-W{:02}", iso.year(), iso.week());
    app.create_channel(app.admin(), "sales-team", "PUBLIC", &["sales"])
        .await;
    let magnus = users::Entity::find()
        .filter(users::Column::Handle.eq("magnus"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let checkin = Uuid::now_v7();
    checkins::ActiveModel {
        id: Set(checkin),
        user_id: Set(magnus.id),
        week: Set(last_week.clone()),
        week_start: Set(last_monday),
        wins: Set("Quarter closed".to_owned()),
        mood: Set(Some(3)),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let clock = Clock {
        at: NaiveTime::MIN,
        zone: Tz::UTC,
    };

    // Act: four replicas' ticks at once.
    let now = Utc::now();
    let ticks = futures_util::future::join_all(
        (0..4).map(|_| digest::post_due(&app.db, &app.config.limits, clock, now)),
    )
    .await;

    // Assert: Sales's digest of last week, once, by the system author;
    // every department's week claimed (four with nothing to post).
    let posted: Vec<Uuid> = ticks.into_iter().flat_map(|t| t.unwrap()).collect();
    assert_eq!(posted.len(), 1);
    let page = app
        .gql(
            Some(app.staff()),
            "{ channel(slug: \"sales-team\") { messages(first: 10) { nodes { body author { handle displayName } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        page.data()["channel"]["messages"]["nodes"],
        json!([{
            "body": format!(
                "**Weekly round of Sales, {last_week}**\n\
                 \n\
                 Participation: 1 of 1 expected checked in (100%).\n\
                 \n\
                 **Magnus Tester** · [check-in](/round/checkins/{checkin})\n\
                 \n\
                 Wins:\n\
                 \n\
                 Quarter closed"
            ),
            "author": { "handle": "synaps-digest", "displayName": "synaps digest" },
        }])
    );
    let claims = digest_claims::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(claims.len(), 5);
    assert!(claims.iter().all(|c| c.week == last_week));
    assert_eq!(claims.iter().filter(|c| c.message_id.is_some()).count(), 1);
    let again = digest::post_due(&app.db, &app.config.limits, clock, Utc::now())
        .await
        .unwrap();
    assert_eq!(again, Vec::<Uuid>::new());
    assert_ne!(week, last_week);

    // Nobody signs in as the system author.
    app.login("digest@synaps.invalid", "!")
        .await
        .expect_error("UNAUTHENTICATED");
}
db_test!(automatic_digests_post_once_per_department_and_week);
