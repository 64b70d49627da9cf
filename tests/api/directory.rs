//! Departments and people: reading the directory and administering it.

use serde_json::json;

use crate::db_test;
use crate::helpers::TestApp;

async fn staff_sees_five_departments_with_their_members(app: TestApp) {
    let response = app
        .gql(
            Some(app.staff()),
            "{ me { handle } departments { totalCount nodes { slug memberCount members(first: 10) { nodes { handle } } } } }",
            json!({}),
        )
        .await;
    let data = response.data();
    assert_eq!(data["me"]["handle"], "stella");
    assert_eq!(data["departments"]["totalCount"], 5);
    let service = data["departments"]["nodes"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["slug"] == "customer-service"))
        .expect("customer-service listed");
    assert_eq!(service["memberCount"], 1);
    assert_eq!(service["members"]["nodes"][0]["handle"], "stella");
}
db_test!(staff_sees_five_departments_with_their_members);
