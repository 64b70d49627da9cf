//! Arranging guest posts through the API.

use serde_json::{Value, json};

use super::{Actor, GqlResponse, TestApp};

/// The fields tests usually look at.
pub const POST_FIELDS: &str = "id title slug status version excerpt body publishAt publishedAt submittedAt author { handle } department { slug }";

/// The department each test actor writes for.
pub fn home_department(actor: &Actor) -> &'static str {
    match actor.handle.as_str() {
        "stella" => "customer-service",
        "magnus" => "sales",
        "corinna" => "communications",
        _ => "hr",
    }
}

impl TestApp {
    /// `author` drafts a post in their own department; returns the post.
    pub async fn draft_post(&self, author: &Actor, title: &str, body: &str) -> Value {
        let department = self.department_id(home_department(author)).await;
        let response = self
            .gql(
                Some(author),
                &format!("mutation($input: CreatePostDraftInput!) {{ createPostDraft(input: $input) {{ post {{ {POST_FIELDS} }} }} }}"),
                json!({ "input": { "title": title, "body": body, "excerpt": "An excerpt.", "departmentId": department } }),
            )
            .await;
        response.data()["createPostDraft"]["post"].clone()
    }

    /// Runs a workflow mutation (`submitPost`, `approvePost`, …) as `actor`
    /// with `input` (the post id is added); the raw response.
    pub async fn post_step(
        &self,
        actor: Option<&Actor>,
        mutation: &str,
        post_id: &str,
        input: Value,
    ) -> GqlResponse {
        let input_type = match mutation {
            "requestPostChanges" | "approvePost" => "PostCommentInput",
            "rejectPost" => "RejectPostInput",
            "schedulePost" => "SchedulePostInput",
            _ => "PostIdInput",
        };
        let mut input = input;
        input["id"] = json!(post_id);
        self.gql(
            actor,
            &format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ post {{ {POST_FIELDS} }} }} }}"),
            json!({ "input": input }),
        )
        .await
    }

    /// Like [`TestApp::post_step`], asserting success; returns the post.
    pub async fn post_step_ok(
        &self,
        actor: &Actor,
        mutation: &str,
        post_id: &str,
        input: Value,
    ) -> Value {
        let response = self.post_step(Some(actor), mutation, post_id, input).await;
        response.data()[mutation]["post"].clone()
    }

    /// Drafts, submits, approves and publishes a post by the staff actor
    /// (reviewed by the comms actor); returns the published post.
    pub async fn publish_post(&self, title: &str, body: &str) -> Value {
        let post = self.draft_post(self.staff(), title, body).await;
        let id = post["id"].as_str().expect("post id").to_owned();
        self.post_step_ok(self.staff(), "submitPost", &id, json!({}))
            .await;
        self.post_step_ok(self.comms(), "approvePost", &id, json!({}))
            .await;
        self.post_step_ok(self.comms(), "publishPost", &id, json!({}))
            .await
    }
}
