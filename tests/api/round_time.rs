//! People's time for the weekly round: time zones, reminder choice, time
//! away and company holidays.

use serde_json::json;

use crate::db_test;
use crate::helpers::TestApp;

const UPDATE_PROFILE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { handle timeZone checkinReminders } } }";
const SET_AWAY: &str =
    "mutation($input: SetAwayInput!) { setAway(input: $input) { away { id from to note } } }";
const CANCEL_AWAY: &str =
    "mutation($input: CancelAwayInput!) { cancelAway(input: $input) { away { id } } }";
const ADD_HOLIDAY: &str =
    "mutation($input: AddHolidayInput!) { addHoliday(input: $input) { holiday { id day name } } }";
const REMOVE_HOLIDAY: &str =
    "mutation($input: RemoveHolidayInput!) { removeHoliday(input: $input) { holiday { day } } }";

async fn people_choose_their_time_zone_and_reminders(app: TestApp) {
    // Arrange: nobody has chosen; the default applies.
    let me = app
        .gql(
            Some(app.staff()),
            "{ me { timeZone checkinReminders } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me.data()["me"],
        json!({ "timeZone": "UTC", "checkinReminders": true })
    );

    // Act
    let changed = app
        .gql(
            Some(app.staff()),
            UPDATE_PROFILE,
            json!({ "input": { "timeZone": " Europe/Stockholm ", "checkinReminders": false } }),
        )
        .await;

    // Assert: colleagues see the zone, not the reminder choice.
    assert_eq!(
        changed.data()["updateProfile"]["user"],
        json!({ "handle": "stella", "timeZone": "Europe/Stockholm", "checkinReminders": false })
    );
    let seen = app
        .gql(
            Some(app.manager()),
            "{ user(handle: \"stella\") { timeZone checkinReminders } }",
            json!({}),
        )
        .await;
    assert_eq!(
        seen.data()["user"],
        json!({ "timeZone": "Europe/Stockholm", "checkinReminders": null })
    );

    // Empty returns to the default.
    let reset = app
        .gql(
            Some(app.staff()),
            UPDATE_PROFILE,
            json!({ "input": { "timeZone": "" } }),
        )
        .await;
    assert_eq!(reset.data()["updateProfile"]["user"]["timeZone"], "UTC");
}
db_test!(people_choose_their_time_zone_and_reminders);

async fn a_zone_that_is_not_iana_is_refused_and_changes_nothing(app: TestApp) {
    let before = app.snapshot().await;
    for zone in [
        "Mars/Olympus",
        "CEST",
        "+02:00",
        "Europe/Stockholm; DROP TABLE users",
    ] {
        app.gql(
            Some(app.staff()),
            UPDATE_PROFILE,
            json!({ "input": { "timeZone": zone, "bio": "changed" } }),
        )
        .await
        .expect_bad_input("timeZone");
    }
    assert_eq!(app.snapshot().await, before);
}
db_test!(a_zone_that_is_not_iana_is_refused_and_changes_nothing);

async fn people_record_and_cancel_their_own_time_away(app: TestApp) {
    // Act
    let set = app
        .gql(
            Some(app.staff()),
            SET_AWAY,
            json!({ "input": { "from": "2030-07-01", "to": "2030-07-26", "note": "Summer" } }),
        )
        .await;
    let away = set.data()["setAway"]["away"].clone();
    assert_eq!(away["from"], "2030-07-01");
    assert_eq!(away["to"], "2030-07-26");
    assert_eq!(away["note"], "Summer");

    // Assert: listed for its owner only; private to everyone else.
    let mine = app
        .gql(Some(app.staff()), "{ myAway { from to } }", json!({}))
        .await;
    assert_eq!(
        mine.data()["myAway"],
        json!([{ "from": "2030-07-01", "to": "2030-07-26" }])
    );
    let others = app
        .gql(Some(app.manager()), "{ myAway { from } }", json!({}))
        .await;
    assert_eq!(others.data()["myAway"], json!([]));
    let id = away["id"].clone();
    app.gql(
        Some(app.admin()),
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .expect_error("NOT_FOUND");
    app.gql(
        Some(app.manager()),
        CANCEL_AWAY,
        json!({ "input": { "id": id } }),
    )
    .await
    .expect_error("NOT_FOUND");

    // The owner cancels it.
    app.gql(
        Some(app.staff()),
        CANCEL_AWAY,
        json!({ "input": { "id": id } }),
    )
    .await
    .data();
    assert_eq!(app.count_rows("away_periods").await, 0);
}
db_test!(people_record_and_cancel_their_own_time_away);

async fn bad_time_away_is_refused_and_changes_nothing(app: TestApp) {
    let before = app.snapshot().await;
    let cases = [
        (json!({ "from": "2030-07-02", "to": "2030-07-01" }), "from"),
        (json!({ "from": "2030-01-01", "to": "2031-01-02" }), "to"),
        (
            json!({ "from": "2030-01-01", "to": "2030-01-02", "note": "x".repeat(501) }),
            "note",
        ),
    ];
    for (input, field) in cases {
        app.gql(Some(app.staff()), SET_AWAY, json!({ "input": input }))
            .await
            .expect_bad_input(field);
    }
    app.gql(
        None,
        SET_AWAY,
        json!({ "input": { "from": "2030-07-01", "to": "2030-07-02" } }),
    )
    .await
    .expect_error("UNAUTHENTICATED");
    assert_eq!(app.snapshot().await, before);
}
db_test!(bad_time_away_is_refused_and_changes_nothing);

async fn admins_keep_the_company_holidays(app: TestApp) {
    // Act
    let added = app
        .gql(
            Some(app.admin()),
            ADD_HOLIDAY,
            json!({ "input": { "day": "2030-12-24", "name": " Christmas Eve " } }),
        )
        .await;
    let holiday = added.data()["addHoliday"]["holiday"].clone();
    assert_eq!(holiday["name"], "Christmas Eve");

    // Assert: everyone signed in reads them, in [from, to).
    let list = |from: &str, to: &str| {
        app.gql(
            Some(app.staff()),
            "query($from: NaiveDate!, $to: NaiveDate!) { holidays(from: $from, to: $to) { day name } }",
            json!({ "from": from, "to": to }),
        )
    };
    assert_eq!(
        list("2030-12-01", "2031-01-01").await.data()["holidays"],
        json!([{ "day": "2030-12-24", "name": "Christmas Eve" }])
    );
    assert_eq!(
        list("2030-12-25", "2031-01-01").await.data()["holidays"],
        json!([])
    );
    assert_eq!(
        list("2030-12-01", "2030-12-24").await.data()["holidays"],
        json!([])
    );

    // One per day; only admins change them; nothing changes when refused.
    let before = app.snapshot().await;
    app.gql(
        Some(app.admin()),
        ADD_HOLIDAY,
        json!({ "input": { "day": "2030-12-24", "name": "Again" } }),
    )
    .await
    .expect_conflict("day");
    app.gql(
        Some(app.comms()),
        ADD_HOLIDAY,
        json!({ "input": { "day": "2030-12-31", "name": "New Year's Eve" } }),
    )
    .await
    .expect_error("FORBIDDEN");
    app.gql(
        Some(app.admin()),
        ADD_HOLIDAY,
        json!({ "input": { "day": "2030-12-31", "name": "  " } }),
    )
    .await
    .expect_bad_input("name");
    app.gql(
        Some(app.staff()),
        REMOVE_HOLIDAY,
        json!({ "input": { "id": holiday["id"] } }),
    )
    .await
    .expect_error("FORBIDDEN");
    list("2031-01-01", "2030-01-01")
        .await
        .expect_bad_input("from");
    list("2030-01-01", "2033-01-01")
        .await
        .expect_bad_input("to");
    assert_eq!(app.snapshot().await, before);

    let removed = app
        .gql(
            Some(app.admin()),
            REMOVE_HOLIDAY,
            json!({ "input": { "id": holiday["id"] } }),
        )
        .await;
    assert_eq!(
        removed.data()["removeHoliday"]["holiday"]["day"],
        "2030-12-24"
    );
    assert_eq!(app.count_rows("holidays").await, 0);
}
db_test!(admins_keep_the_company_holidays);
