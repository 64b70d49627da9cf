//! Guest posts: the workflow from draft to the public blog.

use serde_json::json;

use crate::db_test;
use crate::helpers::TestApp;

async fn a_post_goes_from_draft_to_published_and_is_public(app: TestApp) {
    // Arrange + Act
    let post = app
        .publish_post(
            "What our support team learned in Q3",
            "We answered **4,000** chats.",
        )
        .await;

    // Assert
    assert_eq!(post["status"], "PUBLISHED");
    assert!(post["publishedAt"].is_string());
    let public = app
        .gql(
            None,
            "query($slug: String!) { publicPost(slug: $slug) { title bodyHtml author { displayName } department { name } } }",
            json!({ "slug": post["slug"] }),
        )
        .await;
    let public = &public.data()["publicPost"];
    assert_eq!(public["title"], "What our support team learned in Q3");
    assert!(
        public["bodyHtml"]
            .as_str()
            .is_some_and(|h| h.contains("<strong>4,000</strong>"))
    );
    assert_eq!(public["department"]["name"], "Customer Service");
}
db_test!(a_post_goes_from_draft_to_published_and_is_public);
