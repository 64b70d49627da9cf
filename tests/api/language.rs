//! A person's language for the web client (`User.language`): `en`, `sv`,
//! or null to follow the browser.

use serde_json::json;

use crate::db_test;
use crate::helpers::TestApp;

const SET_LANGUAGE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { handle language } } }";

async fn people_set_and_clear_their_language(app: TestApp) {
    // Arrange: nobody has chosen; the browser decides.
    let me = app
        .gql(Some(app.staff()), "{ me { language } }", json!({}))
        .await;
    assert_eq!(me.data()["me"], json!({ "language": null }));

    // Act
    let set = app
        .gql(
            Some(app.staff()),
            SET_LANGUAGE,
            json!({ "input": { "language": " sv " } }),
        )
        .await;

    // Assert: kept, and read back on the next request.
    assert_eq!(
        set.data()["updateProfile"]["user"],
        json!({ "handle": "stella", "language": "sv" })
    );
    let me = app
        .gql(Some(app.staff()), "{ me { language } }", json!({}))
        .await;
    assert_eq!(me.data()["me"]["language"], "sv");

    // Empty returns to following the browser.
    let cleared = app
        .gql(
            Some(app.staff()),
            SET_LANGUAGE,
            json!({ "input": { "language": "" } }),
        )
        .await;
    assert_eq!(
        cleared.data()["updateProfile"]["user"]["language"],
        json!(null)
    );
}
db_test!(people_set_and_clear_their_language);

async fn a_language_synaps_does_not_speak_is_refused_and_changes_nothing(app: TestApp) {
    let before = app.snapshot().await;
    for language in ["de", "EN", "en-GB", "svenska", "sv; DROP TABLE users"] {
        app.gql(
            Some(app.staff()),
            SET_LANGUAGE,
            json!({ "input": { "language": language, "bio": "changed" } }),
        )
        .await
        .expect_bad_input("language");
    }
    assert_eq!(app.snapshot().await, before);
}
db_test!(a_language_synaps_does_not_speak_is_refused_and_changes_nothing);
