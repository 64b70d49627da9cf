//! Access tokens that must not work: forged, expired, mis-addressed, tampered
//! with, or cut off by the server (deactivation, sign-out, password change).
//!
//! Every refusal is checked against a control: a token crafted here with the
//! right secret and the claims of a live session is accepted (first test), so
//! each refused token differs from a working one in exactly the way its test
//! names. A refused `Authorization` header is 401 `UNAUTHENTICATED`, never a
//! silent downgrade to anonymous (which would be 200 with an error on `me`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::db_test;
use std::time::{Duration, Instant};

use crate::helpers::ws::Replica;
use crate::helpers::{Actor, Backend, GqlResponse, PASSWORD, TEST_SECRET, TestApp};

/// A throwaway 2048-bit RSA key (`openssl genrsa 2048`), only for forging
/// RS256 tokens the server must refuse.
const RSA_PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCfYnFRAGn2Mct6
rN5Ay4/cF7slUJQvymh9k0k23WLQkP183VQhPaa6pAIRYeZ+zs0uUcST+QDK2fDw
cRsVIV5G+v1aJ4pNMwBTVs4j+DTaTotHhAXf4qgyNhC2Egxp48RP/z1Wy0OWR6xQ
MeC4ngMXlrqkQdUrdJpN+Drb8pOpmghfmFYMfOpf/9BKED3gToNIKAD/ChGFLhBx
HYr4DTQShgP8JwJkCeuZFvHEQTaSPI9+dMcgXJUQQCtpHlLdRJHPL1d2Se8MER/H
jd1ghHUaTZHkVGQIZVrxbJOnJB58kY2IElfuJzve9RdX1QYiaR6/0rYxNPDhHtes
GvTBZNWjAgMBAAECggEABMz8SMpQZr/9Nwa58w2umZyFYIxayk24c//ZtrNYZJvZ
Zsdr30xyFzEVdtySCsPD3l9MIoDfizyhSzy86hgFNPIea3bBba3ZlqkIsICrZt/y
xgat/p5fHpQOUM2eXhokMZyohlK9CGvEPu4hrK3lvfImUQhCmXp7o1mUvEdEN1mG
LJ1zbKCYR+sNr8boOW1MY2KUXZoJ5pVhOQrYE0fuSRni0aEYGe04G+GmVWkQZk49
TWiCvWtnsLtbYPWLVPOo1KGb7tWqxcnowTfC1/EqND5lBrIzNZ6gk6J7R4hnLZRD
rpaHvpIPpN9uTTz3fQs0Iyb/HvFQXzqElfIeRl5osQKBgQDb7GTH68sfloMdAp/l
wWa9clIdyMavGogwx445TMuxXqei0iMjCTFohNgU7ZZDH+nzPW/QHZKA0tEJ/m65
+tvLZzV9j6m+M7PeIiROF0HnnkpTxSm1f0/1rDtNwgrZbq1BdJv/uIV6bwtBlGBZ
RqYgf+XghletGMcKdQ/AqFXunwKBgQC5h72JMIOBk+Iqe37ebpgra6B9QV0gdJju
IeZSsLOwvKpBlWgGYzvYydZO0x1by7kc8radiWJyHWVCk0mgV4RL8eefOa012AQ4
rmxnpAn9nBjdfnTf1uqS4sDYso/4SFKgQuZZn3sU1XKhiwHwSzOqr5E9rvU3Qyt5
Hk/ojrlufQKBgQCLRooMkidxOcCO/rqEppaKI3wdoKky+3qEadyILTpSeb9wPeRC
q+++YWL23f/rQqrGgIHvKss9CkWYLqmw3k2T4yjc+75j1hpy8uxLCC+Un4oywwpH
Bvl8fDaSZ/C3AoB2k4K30AO4JdrbDTx3TWan7leGeY3M8YQb+0aem/zPwQKBgGRf
i6stE/iGiVVyerDcJHdZQvqA4mEss5Ahxvn1n0F+0J2qtxy9kyM2DzuV+8wt63g9
145jRV93h9D83lhhALIVrbn2+j6nH6GKvBtWJBGQ4eLzB0gSfdX511tlP36ToiAS
EY1rOquKzvmWuvXFua4eTfWRMhkzvdFJFPI8RRYBAoGBAKgpnRc7iUgGJ/IW+mg5
BcHI795DVRUYX12bCjUSbE9Ob2pNcgy9EytQUx+JbA0+zgHiftyc7GszxmmUeIyq
htc8LVwtCDp0ncV50nDuj0MdasDOFNBy254fj9SHrWrohyd2FLRdbrhXsnb70Sse
3rNyOTTokoOceCgCZ3+gbwI0
-----END PRIVATE KEY-----
";

const ME: &str = "{ me { handle } }";

/// The claims of a token the server minted, to change one thing at a time.
fn claims_of(token: &str) -> Map<String, Value> {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = URL_SAFE_NO_PAD.decode(payload).expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `claims` signed with HS256 and `secret`.
fn sign(claims: &Map<String, Value>, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("token signs")
}

/// The claims of `actor`'s live session, changed by `change`, signed with the
/// server's secret.
fn forge(actor: &Actor, change: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut claims = claims_of(&actor.token);
    change(&mut claims);
    sign(&claims, TEST_SECRET)
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// `header.payload.` with the HS256 signature over both made with `key`.
fn sign_with_header(header: &Value, claims: &Map<String, Value>, key: &EncodingKey) -> String {
    let message = format!(
        "{}.{}",
        b64_json(header),
        b64_json(&Value::Object(claims.clone()))
    );
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), key, Algorithm::HS256).expect("HMAC signs");
    format!("{message}.{signature}")
}

async fn me_with(app: &TestApp, token: &str) -> GqlResponse {
    app.gql_with_token(Some(token), ME, json!({})).await
}

/// The request is refused at the door: 401 `UNAUTHENTICATED`, nothing executed.
#[track_caller]
fn assert_refused(response: &GqlResponse, what: &str) {
    assert_eq!(
        (response.status, response.code()),
        (401, Some("UNAUTHENTICATED")),
        "{what}: expected 401 UNAUTHENTICATED, got {} {}",
        response.status,
        response.body
    );
    assert!(
        response.body.get("data").is_none_or(Value::is_null),
        "{what}: a refused request has no data: {}",
        response.body
    );
}

async fn assert_token_refused(app: &TestApp, token: &str, what: &str) {
    let response = me_with(app, token).await;
    assert_refused(&response, what);
}

async fn assert_token_accepted(app: &TestApp, token: &str, handle: &str) {
    let response = me_with(app, token).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.data()["me"]["handle"], handle);
}

async fn a_token_crafted_with_the_right_secret_and_a_live_session_is_accepted(app: TestApp) {
    // Arrange: the staff member's claims, re-signed here.
    let token = forge(app.staff(), |_| {});

    // Act / Assert: the baseline every other test in this file departs from.
    assert_token_accepted(&app, &token, "stella").await;
}
db_test!(a_token_crafted_with_the_right_secret_and_a_live_session_is_accepted);

async fn an_expired_token_is_refused(app: TestApp) {
    // Arrange: expired 45 s ago — past the 30 s leeway, within jsonwebtoken's
    // default 60 s, so a lost leeway setting shows up here.
    let token = forge(app.staff(), |claims| {
        claims.insert("iat".into(), json!(now() - 1000));
        claims.insert("nbf".into(), json!(now() - 1000));
        claims.insert("exp".into(), json!(now() - 45));
    });

    // Act / Assert
    assert_token_refused(&app, &token, "expired").await;
}
db_test!(an_expired_token_is_refused);

async fn a_token_not_yet_valid_is_refused(app: TestApp) {
    // Arrange: `nbf` 45 s ahead, past the leeway.
    let token = forge(app.staff(), |claims| {
        claims.insert("nbf".into(), json!(now() + 45));
    });

    // Act / Assert
    assert_token_refused(&app, &token, "nbf in the future").await;
}
db_test!(a_token_not_yet_valid_is_refused);

async fn a_token_signed_with_another_secret_is_refused(app: TestApp) {
    // Arrange
    let claims = claims_of(&app.staff().token);
    let token = sign(&claims, "another-secret-that-is-also-long-enough!!");

    // Act / Assert
    assert_token_refused(&app, &token, "wrong secret").await;
}
db_test!(a_token_signed_with_another_secret_is_refused);

async fn an_unsigned_alg_none_token_is_refused(app: TestApp) {
    let claims = Value::Object(claims_of(&app.staff().token));
    for alg in ["none", "None", "NONE"] {
        // Arrange: `header.payload.` with an empty signature.
        let token = format!(
            "{}.{}.",
            b64_json(&json!({ "alg": alg, "typ": "JWT" })),
            b64_json(&claims)
        );

        // Act / Assert
        assert_token_refused(&app, &token, &format!("alg {alg}")).await;
    }
}
db_test!(an_unsigned_alg_none_token_is_refused);

async fn a_token_whose_header_claims_rs256_is_refused(app: TestApp) {
    // Arrange: the HMAC is right (server secret over header and payload); only
    // the header's `alg` says RS256. The algorithm comes from configuration.
    let claims = claims_of(&app.staff().token);
    let secret = EncodingKey::from_secret(TEST_SECRET.as_bytes());
    let token = sign_with_header(&json!({ "alg": "RS256", "typ": "JWT" }), &claims, &secret);
    let control = sign_with_header(&json!({ "alg": "HS256", "typ": "JWT" }), &claims, &secret);
    assert_token_accepted(&app, &control, "stella").await;

    // Act / Assert
    assert_token_refused(&app, &token, "header alg RS256 over an HMAC").await;
}
db_test!(a_token_whose_header_claims_rs256_is_refused);

async fn a_token_signed_with_an_rsa_key_is_refused(app: TestApp) {
    // Arrange: a genuine RS256 token over the live session's claims.
    let claims = claims_of(&app.staff().token);
    let key = EncodingKey::from_rsa_pem(RSA_PRIVATE_KEY.as_bytes()).expect("RSA key");
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).expect("RS256 signs");

    // Act / Assert
    assert_token_refused(&app, &token, "RS256").await;
}
db_test!(a_token_signed_with_an_rsa_key_is_refused);

async fn a_token_signed_with_another_hmac_algorithm_is_refused(app: TestApp) {
    // Arrange: the right secret, but HS512 instead of the configured HS256.
    let claims = claims_of(&app.staff().token);
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("HS512 signs");

    // Act / Assert
    assert_token_refused(&app, &token, "HS512").await;
}
db_test!(a_token_signed_with_another_hmac_algorithm_is_refused);

async fn a_token_for_another_issuer_or_audience_is_refused(app: TestApp) {
    // Arrange
    let wrong_issuer = forge(app.staff(), |claims| {
        claims.insert("iss".into(), json!("someone-else"));
    });
    let wrong_audience = forge(app.staff(), |claims| {
        claims.insert("aud".into(), json!("another-service"));
    });

    // Act / Assert
    assert_token_refused(&app, &wrong_issuer, "wrong iss").await;
    assert_token_refused(&app, &wrong_audience, "wrong aud").await;
}
db_test!(a_token_for_another_issuer_or_audience_is_refused);

async fn a_token_missing_a_required_claim_is_refused(app: TestApp) {
    for claim in ["sub", "exp", "iat", "iss", "aud"] {
        // Arrange
        let token = forge(app.staff(), |claims| {
            claims.remove(claim);
        });

        // Act / Assert
        assert_token_refused(&app, &token, &format!("without {claim}")).await;
    }
}
db_test!(a_token_missing_a_required_claim_is_refused);

async fn a_token_with_a_wrongly_typed_expiry_is_refused(app: TestApp) {
    // Arrange: `exp` as a string (CVE-2026-25537 skipped such claims).
    let expired_as_text = forge(app.staff(), |claims| {
        claims.insert("exp".into(), json!((now() - 3600).to_string()));
    });
    let far_future_as_text = forge(app.staff(), |claims| {
        claims.insert("exp".into(), json!("99999999999"));
    });

    // Act / Assert
    assert_token_refused(&app, &expired_as_text, "exp as a past string").await;
    assert_token_refused(&app, &far_future_as_text, "exp as a future string").await;
}
db_test!(a_token_with_a_wrongly_typed_expiry_is_refused);

async fn a_token_whose_payload_was_tampered_with_is_refused(app: TestApp) {
    // Arrange: the staff member's real header and signature, over a payload
    // that names the admin (or claims a role).
    let staff = &app.staff().token;
    let admin = claims_of(&app.admin().token);
    let parts: Vec<&str> = staff.split('.').collect();
    let tamper = |change: &dyn Fn(&mut Map<String, Value>)| {
        let mut claims = claims_of(staff);
        change(&mut claims);
        format!(
            "{}.{}.{}",
            parts[0],
            b64_json(&Value::Object(claims)),
            parts[2]
        )
    };
    let as_admin = tamper(&|claims| {
        claims.insert("sub".into(), admin["sub"].clone());
        claims.insert("sid".into(), admin["sid"].clone());
    });
    let with_role = tamper(&|claims| {
        claims.insert("role".into(), json!("admin"));
    });
    let longer_lived = tamper(&|claims| {
        claims.insert("exp".into(), json!(now() + 365 * 24 * 3600));
    });

    // Act / Assert
    assert_token_refused(&app, &as_admin, "sub and sid swapped for the admin's").await;
    assert_token_refused(&app, &with_role, "role claim added").await;
    assert_token_refused(&app, &longer_lived, "exp pushed out").await;
}
db_test!(a_token_whose_payload_was_tampered_with_is_refused);

async fn a_well_signed_token_for_a_session_that_does_not_exist_is_refused(app: TestApp) {
    // Arrange: every claim right except `sid`, which names no session.
    let token = forge(app.staff(), |claims| {
        claims.insert("sid".into(), json!(uuid::Uuid::now_v7()));
    });

    // Act / Assert
    assert_token_refused(&app, &token, "made-up sid").await;
}
db_test!(a_well_signed_token_for_a_session_that_does_not_exist_is_refused);

async fn a_well_signed_token_pairing_a_user_with_someone_elses_session_is_refused(app: TestApp) {
    // Arrange: staff's `sub` with the admin's live session, and the other way round.
    let admin = claims_of(&app.admin().token);
    let staff = claims_of(&app.staff().token);
    let staff_in_admin_session = forge(app.staff(), |claims| {
        claims.insert("sid".into(), admin["sid"].clone());
    });
    let admin_in_staff_session = forge(app.admin(), |claims| {
        claims.insert("sid".into(), staff["sid"].clone());
    });

    // Act / Assert
    assert_token_refused(&app, &staff_in_admin_session, "staff sub, admin sid").await;
    assert_token_refused(&app, &admin_in_staff_session, "admin sub, staff sid").await;
}
db_test!(a_well_signed_token_pairing_a_user_with_someone_elses_session_is_refused);

async fn a_well_signed_token_with_another_token_version_is_refused(app: TestApp) {
    // Arrange: the live session, but a token version the user does not have.
    let newer = forge(app.staff(), |claims| {
        let version = claims["ver"].as_i64().expect("ver");
        claims.insert("ver".into(), json!(version + 1));
    });

    // Act / Assert
    assert_token_refused(&app, &newer, "ver + 1").await;
}
db_test!(a_well_signed_token_with_another_token_version_is_refused);

async fn an_authorization_header_that_is_not_a_bearer_token_is_refused(app: TestApp) {
    for authorization in [
        format!("Basic {}", app.staff().token),
        app.staff().token.clone(),
        "Bearer not-a-jwt".to_owned(),
        "Bearer ".to_owned(),
    ] {
        // Act
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .header("authorization", &authorization)
            .json(&json!({ "query": ME }))
            .send()
            .await
            .expect("request sent");
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let response = GqlResponse::from(response).await;

        // Assert
        assert_refused(&response, &authorization);
        assert!(challenge.starts_with("Bearer"), "{challenge:?}");
    }
}
db_test!(an_authorization_header_that_is_not_a_bearer_token_is_refused);

async fn a_deactivated_persons_tokens_stop_working_at_once(app: TestApp) {
    // Arrange
    let staff = app.staff();
    assert_token_accepted(&app, &staff.token, "stella").await;

    // Act
    app.gql(
        Some(app.admin()),
        "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { deactivatedAt } } }",
        json!({ "input": { "id": staff.id } }),
    )
    .await
    .data();

    // Assert
    assert_token_refused(&app, &staff.token, "deactivated user").await;
    app.refresh_session(&staff.refresh_token)
        .await
        .expect_error("UNAUTHENTICATED");
    app.login(&staff.email, PASSWORD)
        .await
        .expect_error("UNAUTHENTICATED");
}
db_test!(a_deactivated_persons_tokens_stop_working_at_once);

async fn an_access_token_stops_working_after_logout(app: TestApp) {
    // Arrange
    let staff = app.staff();

    // Act
    let logout = app
        .gql(Some(staff), "mutation { logout { ok } }", json!({}))
        .await;

    // Assert
    assert_eq!(logout.data()["logout"]["ok"], true);
    assert_token_refused(&app, &staff.token, "after logout").await;
}
db_test!(an_access_token_stops_working_after_logout);

async fn changing_the_password_retires_the_old_tokens_and_issues_working_ones(app: TestApp) {
    // Arrange: a second session of the same person, e.g. another device.
    let staff = app.staff();
    let other_device = app.login(&staff.email, PASSWORD).await;
    let other_access = other_device.data()["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();

    // Act
    let changed = app
        .gql(
            Some(staff),
            "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken refreshToken } }",
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "a much newer passphrase" } }),
        )
        .await;

    // Assert
    let payload = &changed.data()["changePassword"];
    let new_access = payload["accessToken"].as_str().expect("token");
    let new_refresh = payload["refreshToken"].as_str().expect("refresh");
    assert_token_refused(&app, &staff.token, "old access token").await;
    assert_token_refused(&app, &other_access, "other device's access token").await;
    app.refresh_session(&staff.refresh_token)
        .await
        .expect_error("UNAUTHENTICATED");
    assert_token_accepted(&app, new_access, "stella").await;
    let refreshed = app.refresh_session(new_refresh).await;
    let rotated = refreshed.data()["refreshSession"]["accessToken"]
        .as_str()
        .expect("token");
    assert_token_accepted(&app, rotated, "stella").await;
}
db_test!(changing_the_password_retires_the_old_tokens_and_issues_working_ones);

/// Each replica remembers the sessions it checked for a while
/// (`auth::session_cache`): a sign-out or a change of role made through one
/// replica must still be honoured by the others at once.
async fn sign_outs_and_role_changes_reach_every_replica(app: TestApp) {
    // Arrange: a second server process on the same database, which has
    // already seen (and remembers) the staff member's and comms's sessions.
    let replica = Replica::start(app.database_url()).await;
    let mut other = app.clone();
    other.address = replica.address.clone();
    let (staff, comms) = (app.staff(), app.comms());
    assert_token_accepted(&other, &staff.token, &staff.handle).await;
    other.gql(Some(comms), REVIEW_QUEUE, json!({})).await.data();

    // Act: through this server, the staff member signs out and an admin
    // makes the comms member staff.
    let logout = app
        .gql(Some(staff), "mutation { logout { ok } }", json!({}))
        .await;
    assert_eq!(logout.data()["logout"]["ok"], true);
    let demoted = app
        .gql(
            Some(app.admin()),
            "mutation($input: SetUserRoleInput!) { setUserRole(input: $input) { user { role } } }",
            json!({ "input": { "id": comms.id, "role": "STAFF" } }),
        )
        .await;
    assert_eq!(demoted.data()["setUserRole"]["user"]["role"], "STAFF");

    // Assert: within a second the other replica refuses the signed-out
    // token and treats the comms member as staff.
    let started = Instant::now();
    loop {
        let signed_out = me_with(&other, &staff.token).await;
        let queue = other.gql(Some(comms), REVIEW_QUEUE, json!({})).await;
        if signed_out.status == 401 && queue.code() == Some("FORBIDDEN") {
            eprintln!(
                "revocations reached the other replica within {:?}",
                started.elapsed()
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "after a second the other replica still answers {} and {}",
            signed_out.body,
            queue.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const REVIEW_QUEUE: &str = "{ reviewQueue(first: 1) { edges { cursor } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_outs_and_role_changes_reach_every_replica_on_postgres() {
    crate::helpers::run(
        Backend::Postgres,
        sign_outs_and_role_changes_reach_every_replica,
    )
    .await;
}
