//! Signing in and staying signed in: `login`, `refreshSession` (rotation and
//! reuse detection), `logout`, and login throttling shared through the
//! database.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use synaps::config::Config;
use synaps::entities::login_throttle;

use crate::db_test;
use crate::helpers::{GqlResponse, PASSWORD, TestApp};

const ME: &str = "{ me { handle } }";

/// `field` of a session payload (`login`, `refreshSession`) as a string.
fn token(response: &GqlResponse, payload: &str, field: &str) -> String {
    response.data()[payload][field]
        .as_str()
        .unwrap_or_else(|| panic!("{payload}.{field} in {}", response.body))
        .to_owned()
}

async fn assert_signed_in(app: &TestApp, access_token: &str, handle: &str) {
    let response = app.gql_with_token(Some(access_token), ME, json!({})).await;
    assert_eq!(response.data()["me"]["handle"], handle);
}

async fn assert_access_refused(app: &TestApp, access_token: &str) {
    let response = app.gql_with_token(Some(access_token), ME, json!({})).await;
    assert_eq!(response.status, 401, "{}", response.body);
    response.expect_error("UNAUTHENTICATED");
}

async fn throttle_row(app: &TestApp, key: &str) -> Option<login_throttle::Model> {
    login_throttle::Entity::find_by_id(key.to_owned())
        .one(&app.db)
        .await
        .expect("throttle query")
}

async fn login_returns_tokens_that_work_and_expire_in_fifteen_minutes(app: TestApp) {
    // Arrange
    let before = Utc::now();

    // Act
    let response = app.login("stella@example.com", PASSWORD).await;

    // Assert
    let login = &response.data()["login"];
    assert_eq!(login["user"]["handle"], "stella");
    assert_eq!(login["user"]["id"], app.staff().id.as_str());
    let refresh = login["refreshToken"].as_str().expect("refresh token");
    assert!(refresh.len() >= 43, "256-bit refresh token: {refresh}");
    let expires_at: DateTime<Utc> = login["expiresAt"]
        .as_str()
        .expect("expiresAt")
        .parse()
        .expect("RFC 3339");
    let lifetime = (expires_at - before).num_seconds();
    assert!(
        (15 * 60 - 5..=15 * 60 + 5).contains(&lifetime),
        "expires in {lifetime} s"
    );
    assert_signed_in(
        &app,
        login["accessToken"].as_str().expect("token"),
        "stella",
    )
    .await;
}
db_test!(login_returns_tokens_that_work_and_expire_in_fifteen_minutes);

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: TestApp) {
    // Arrange
    let sessions = app.count_rows("sessions").await;

    // Act
    let wrong_password = app.login("stella@example.com", "not the password").await;
    let unknown_email = app.login("nobody@example.com", PASSWORD).await;

    // Assert
    let wrong = wrong_password.expect_error("UNAUTHENTICATED");
    let unknown = unknown_email.expect_error("UNAUTHENTICATED");
    assert_eq!(wrong["message"], unknown["message"]);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert!(
        wrong_password.body["data"].is_null(),
        "{}",
        wrong_password.body
    );
    assert_eq!(app.count_rows("sessions").await, sessions);
}
db_test!(a_wrong_password_and_an_unknown_email_get_the_same_answer);

async fn a_deactivated_person_cannot_sign_in_and_is_told_nothing_more(app: TestApp) {
    // Arrange
    app.gql(
        Some(app.admin()),
        "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { id } } }",
        json!({ "input": { "id": app.staff().id } }),
    )
    .await
    .data();
    let unknown = app.login("nobody@example.com", PASSWORD).await;

    // Act
    let response = app.login("stella@example.com", PASSWORD).await;

    // Assert
    let error = response.expect_error("UNAUTHENTICATED");
    assert_eq!(error["message"], unknown.body["errors"][0]["message"]);
}
db_test!(a_deactivated_person_cannot_sign_in_and_is_told_nothing_more);

async fn login_ignores_the_case_of_the_email(app: TestApp) {
    // Act
    let response = app.login("  Stella@EXAMPLE.com ", PASSWORD).await;

    // Assert
    let login = &response.data()["login"];
    assert_eq!(login["user"]["handle"], "stella");
    assert_signed_in(
        &app,
        login["accessToken"].as_str().expect("token"),
        "stella",
    )
    .await;
}
db_test!(login_ignores_the_case_of_the_email);

async fn refreshing_rotates_the_refresh_token_and_issues_a_working_access_token(app: TestApp) {
    // Arrange
    let staff = app.staff();

    // Act
    let first = app.refresh_session(&staff.refresh_token).await;
    let second_refresh = token(&first, "refreshSession", "refreshToken");
    let second = app.refresh_session(&second_refresh).await;

    // Assert
    assert_eq!(first.data()["refreshSession"]["user"]["handle"], "stella");
    assert_ne!(second_refresh, staff.refresh_token);
    let third_refresh = token(&second, "refreshSession", "refreshToken");
    assert_ne!(third_refresh, second_refresh);
    assert_ne!(third_refresh, staff.refresh_token);
    assert_signed_in(
        &app,
        &token(&first, "refreshSession", "accessToken"),
        "stella",
    )
    .await;
    assert_signed_in(
        &app,
        &token(&second, "refreshSession", "accessToken"),
        "stella",
    )
    .await;
}
db_test!(refreshing_rotates_the_refresh_token_and_issues_a_working_access_token);

async fn reusing_a_spent_refresh_token_revokes_the_whole_session(app: TestApp) {
    // Arrange: rotate once, and keep a second, unrelated session.
    let staff = app.staff();
    let rotated = app.refresh_session(&staff.refresh_token).await;
    let newest_refresh = token(&rotated, "refreshSession", "refreshToken");
    let newest_access = token(&rotated, "refreshSession", "accessToken");
    let other_device = app.login(&staff.email, PASSWORD).await;
    let other_access = token(&other_device, "login", "accessToken");

    // Act: someone replays the spent token.
    let replay = app.refresh_session(&staff.refresh_token).await;

    // Assert: refused, and the family is gone — newest refresh token and
    // every access token of the session.
    replay.expect_error("UNAUTHENTICATED");
    assert!(replay.body["data"].is_null(), "{}", replay.body);
    app.refresh_session(&newest_refresh)
        .await
        .expect_error("UNAUTHENTICATED");
    assert_access_refused(&app, &newest_access).await;
    assert_access_refused(&app, &staff.token).await;
    assert_signed_in(&app, &other_access, "stella").await;
}
db_test!(reusing_a_spent_refresh_token_revokes_the_whole_session);

async fn an_unknown_refresh_token_is_refused(app: TestApp) {
    // Act
    let response = app
        .refresh_session("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;

    // Assert
    response.expect_error("UNAUTHENTICATED");
    assert_signed_in(&app, &app.staff().token, "stella").await;
}
db_test!(an_unknown_refresh_token_is_refused);

async fn logout_revokes_the_session_and_only_that_session(app: TestApp) {
    // Arrange
    let staff = app.staff();
    let other_device = app.login(&staff.email, PASSWORD).await;
    let other_access = token(&other_device, "login", "accessToken");
    let other_refresh = token(&other_device, "login", "refreshToken");

    // Act
    let response = app
        .gql(Some(staff), "mutation { logout { ok } }", json!({}))
        .await;

    // Assert
    assert_eq!(response.data()["logout"]["ok"], true);
    assert_access_refused(&app, &staff.token).await;
    app.refresh_session(&staff.refresh_token)
        .await
        .expect_error("UNAUTHENTICATED");
    assert_signed_in(&app, &other_access, "stella").await;
    app.refresh_session(&other_refresh).await.data();
}
db_test!(logout_revokes_the_session_and_only_that_session);

async fn logout_without_a_session_is_unauthenticated(app: TestApp) {
    // Act
    let response = app.gql(None, "mutation { logout { ok } }", json!({})).await;

    // Assert
    response.expect_error("UNAUTHENTICATED");
}
db_test!(logout_without_a_session_is_unauthenticated);

fn three_failures_per_account(config: &mut Config) {
    config.login_throttle.account_failures = 3;
}

async fn an_account_is_locked_after_too_many_wrong_passwords(app: TestApp) {
    // Arrange: three failures, in any letter case — one account all the same.
    for email in [
        "stella@example.com",
        "STELLA@example.com",
        "Stella@Example.com",
    ] {
        app.login(email, "not the password")
            .await
            .expect_error("UNAUTHENTICATED");
    }

    // Act: now the right password.
    let response = app.login("stella@example.com", PASSWORD).await;

    // Assert
    let error = response.expect_error("RATE_LIMITED");
    let retry_after = error["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or_else(|| panic!("retryAfterSeconds in {error}"));
    assert!((1..=31).contains(&retry_after), "retry after {retry_after}");
    // The lock lives in the database, where every replica sees it.
    let row = throttle_row(&app, "account:stella@example.com")
        .await
        .expect("a login_throttle row for the account");
    assert_eq!(row.attempts, 3);
    assert!(row.locked_until.is_some_and(|until| until > Utc::now()));
    // Another account from the same address is not affected.
    app.login("adam@example.com", PASSWORD).await.data();
}
db_test!(
    an_account_is_locked_after_too_many_wrong_passwords,
    with = three_failures_per_account
);

async fn a_successful_login_clears_the_accounts_failures(app: TestApp) {
    // Arrange: two failures, under the limit of three.
    for _ in 0..2 {
        app.login("stella@example.com", "not the password")
            .await
            .expect_error("UNAUTHENTICATED");
    }
    app.login("stella@example.com", PASSWORD).await.data();

    // Act: two more failures would lock if the first two still counted.
    for _ in 0..2 {
        app.login("stella@example.com", "not the password")
            .await
            .expect_error("UNAUTHENTICATED");
    }
    let response = app.login("stella@example.com", PASSWORD).await;

    // Assert
    response.data();
}
db_test!(
    a_successful_login_clears_the_accounts_failures,
    with = three_failures_per_account
);

fn three_attempts_per_address(config: &mut Config) {
    config.login_throttle.address_attempts = 3;
}

async fn an_address_is_locked_after_too_many_failures_across_accounts(app: TestApp) {
    // Arrange: one failure each against three different accounts.
    for email in [
        "stella@example.com",
        "magnus@example.com",
        "nobody@example.com",
    ] {
        app.login(email, "not the password")
            .await
            .expect_error("UNAUTHENTICATED");
    }

    // Act: a fourth account, with its right password, from the same address.
    let response = app.login("adam@example.com", PASSWORD).await;

    // Assert
    let error = response.expect_error("RATE_LIMITED");
    assert!(
        error["extensions"]["retryAfterSeconds"]
            .as_u64()
            .is_some_and(|secs| secs > 0),
        "{error}"
    );
    let row = throttle_row(&app, "address:127.0.0.1")
        .await
        .expect("a login_throttle row for the address");
    assert_eq!(row.attempts, 3);
    let account = throttle_row(&app, "account:stella@example.com")
        .await
        .expect("the account's row");
    assert_eq!(account.attempts, 1, "no account reached its own limit");
}
db_test!(
    an_address_is_locked_after_too_many_failures_across_accounts,
    with = three_attempts_per_address
);

async fn a_lock_recorded_by_another_replica_is_honoured(app: TestApp) {
    // Arrange: another replica locked the account in the shared database.
    let now = Utc::now();
    login_throttle::ActiveModel {
        key: Set("account:magnus@example.com".to_owned()),
        attempts: Set(10),
        window_started_at: Set(now),
        locked_until: Set(Some(now + chrono::Duration::seconds(120))),
    }
    .insert(&app.db)
    .await
    .expect("lock inserted");

    // Act
    let locked = app.login("magnus@example.com", PASSWORD).await;
    let other = app.login("corinna@example.com", PASSWORD).await;

    // Assert
    let error = locked.expect_error("RATE_LIMITED");
    let retry_after = error["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        (100..=121).contains(&retry_after),
        "retry after {retry_after}"
    );
    other.data();
    assert_eq!(locked.body["data"], Value::Null);
}
db_test!(a_lock_recorded_by_another_replica_is_honoured);

fn behind_one_proxy_with_three_attempts_per_address(config: &mut Config) {
    config.trusted_proxy_hops = 1;
    config.login_throttle.address_attempts = 3;
}

async fn behind_a_proxy_the_address_throttle_keys_on_the_forwarded_address(app: TestApp) {
    let login = |forwarded_for: &'static str, email: &'static str, password: &'static str| {
        let app = app.clone();
        async move {
            let response = app
                .client
                .post(app.url("/graphql"))
                .header("x-forwarded-for", forwarded_for)
                .json(&json!({
                    "query": "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
                    "variables": { "input": { "email": email, "password": password } }
                }))
                .send()
                .await
                .expect("login sent");
            GqlResponse::from(response).await
        }
    };
    // Arrange: lock one forwarded address. The spoofed left-hand entry is
    // the client's own claim and must not matter.
    for spoofed in [
        "1.1.1.1, 203.0.113.7",
        "2.2.2.2, 203.0.113.7",
        "203.0.113.7",
    ] {
        login(spoofed, "stella@example.com", "not the password")
            .await
            .expect_error("UNAUTHENTICATED");
    }
    login("9.9.9.9, 203.0.113.7", "adam@example.com", PASSWORD)
        .await
        .expect_error("RATE_LIMITED");

    // Act: another client behind the same proxy.
    let other = login("198.51.100.20", "adam@example.com", PASSWORD).await;

    // Assert
    other.data();
    assert!(throttle_row(&app, "address:203.0.113.7").await.is_some());
    assert!(throttle_row(&app, "address:127.0.0.1").await.is_none());
}
db_test!(
    behind_a_proxy_the_address_throttle_keys_on_the_forwarded_address,
    with = behind_one_proxy_with_three_attempts_per_address
);

async fn guessing_the_current_password_counts_against_the_login_throttle(app: TestApp) {
    // Arrange: three wrong guesses through a live session.
    let change = |current: &'static str| {
        let app = app.clone();
        async move {
            app.gql(
                Some(app.staff()),
                "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }",
                json!({ "input": { "currentPassword": current, "newPassword": "a brand new passphrase" } }),
            )
            .await
        }
    };
    for _ in 0..3 {
        change("wrong guess")
            .await
            .expect_bad_input("currentPassword");
    }

    // Act
    let with_the_right_password = change(PASSWORD).await;
    let login = app.login("stella@example.com", PASSWORD).await;

    // Assert
    with_the_right_password.expect_error("RATE_LIMITED");
    login.expect_error("RATE_LIMITED");
}
db_test!(
    guessing_the_current_password_counts_against_the_login_throttle,
    with = three_failures_per_account
);
