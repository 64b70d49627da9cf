//! What a client sees when the server itself fails.

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::db_test;
use crate::helpers::TestApp;

async fn an_internal_error_leaks_nothing_and_names_the_request(app: TestApp) {
    // Arrange: break the database under the running server.
    app.db
        .execute_unprepared("DROP TABLE department_members")
        .await
        .expect("drop table");

    // Act
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.staff().token)
        .json(&json!({ "query": "{ departments { nodes { slug memberCount } } }" }))
        .send()
        .await
        .expect("request");
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: serde_json::Value = response.json().await.expect("json");

    // Assert
    assert!(request_id.is_some_and(|id| !id.is_empty()));
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL", "{body}");
    let text = body.to_string().to_lowercase();
    for leak in [
        "department_members",
        "sql",
        "table",
        "relation",
        "sqlx",
        "select",
    ] {
        assert!(!text.contains(leak), "the response leaks {leak:?}: {body}");
    }
}
db_test!(an_internal_error_leaks_nothing_and_names_the_request);
