//! Arranging guest posts through the API: drafts, posts in any workflow
//! stage, the workflow mutations, and reading a post's trail back.

use serde_json::{Value, json};

use super::{Actor, GqlResponse, TestApp};

/// The fields tests usually look at.
pub const POST_FIELDS: &str = "id title slug status version excerpt body publishAt publishedAt submittedAt author { handle } department { slug }";

/// Every workflow mutation, in the order of the workflow.
pub const WORKFLOW_MUTATIONS: [&str; 9] = [
    "submitPost",
    "withdrawPost",
    "requestPostChanges",
    "approvePost",
    "rejectPost",
    "schedulePost",
    "unschedulePost",
    "publishPost",
    "unpublishPost",
];

/// Whether the post's author takes `mutation` (the rest are reviewer steps).
pub fn is_author_step(mutation: &str) -> bool {
    matches!(mutation, "submitPost" | "withdrawPost")
}

/// The status `mutation` leads to from `status`, when docs/DESIGN.md's workflow
/// allows it there (written out from the design, not from the code).
pub fn design_transition(mutation: &str, status: &str) -> Option<&'static str> {
    match (mutation, status) {
        // CHANGES_REQUESTED goes back to DRAFT through an edit, then is submitted.
        ("submitPost", "DRAFT") => Some("IN_REVIEW"),
        ("withdrawPost", "IN_REVIEW") => Some("DRAFT"),
        ("requestPostChanges", "IN_REVIEW") => Some("CHANGES_REQUESTED"),
        ("approvePost", "IN_REVIEW") => Some("APPROVED"),
        ("rejectPost", "IN_REVIEW") => Some("REJECTED"),
        ("schedulePost", "APPROVED") => Some("SCHEDULED"),
        ("unschedulePost", "SCHEDULED") => Some("APPROVED"),
        ("publishPost", "APPROVED") => Some("PUBLISHED"),
        ("unpublishPost", "PUBLISHED") => Some("APPROVED"),
        _ => None,
    }
}

/// An input that passes validation for `mutation` (a comment, a reason, a
/// time an hour ahead), so that only the workflow decides the outcome.
pub fn valid_input(mutation: &str) -> Value {
    match mutation {
        "requestPostChanges" => json!({ "comment": "Please add a concrete example." }),
        "approvePost" => json!({ "comment": "Lovely." }),
        "rejectPost" => json!({ "reason": "This is confidential." }),
        "schedulePost" => json!({ "publishAt": seconds_from_now(3600) }),
        _ => json!({}),
    }
}

/// A moment `seconds` from now (negative: ago), as a GraphQL `DateTime`.
pub fn seconds_from_now(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Where in the workflow a post is arranged to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Drafted and never submitted: nobody but the author knows of it.
    Draft,
    /// Submitted, then withdrawn by the author: DRAFT again.
    Withdrawn,
    InReview,
    ChangesRequested,
    Approved,
    /// Scheduled an hour ahead, so the scheduler leaves it alone.
    Scheduled,
    Published,
    Rejected,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Draft,
        Stage::Withdrawn,
        Stage::InReview,
        Stage::ChangesRequested,
        Stage::Approved,
        Stage::Scheduled,
        Stage::Published,
        Stage::Rejected,
    ];

    /// The post's `status` in this stage.
    pub fn status(self) -> &'static str {
        match self {
            Stage::Draft | Stage::Withdrawn => "DRAFT",
            Stage::InReview => "IN_REVIEW",
            Stage::ChangesRequested => "CHANGES_REQUESTED",
            Stage::Approved => "APPROVED",
            Stage::Scheduled => "SCHEDULED",
            Stage::Published => "PUBLISHED",
            Stage::Rejected => "REJECTED",
        }
    }

    /// Whether the post has ever been submitted (reviewers may see it).
    pub fn submitted(self) -> bool {
        self != Stage::Draft
    }
}

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

    /// Runs `createPostDraft` as `actor` with `input`; the raw response.
    pub async fn create_post_draft(&self, actor: Option<&Actor>, input: Value) -> GqlResponse {
        self.gql(
            actor,
            &format!("mutation($input: CreatePostDraftInput!) {{ createPostDraft(input: $input) {{ post {{ {POST_FIELDS} }} }} }}"),
            json!({ "input": input }),
        )
        .await
    }

    /// Runs `updatePostDraft` as `actor` on `post_id` with `input` (the id is
    /// added); the raw response.
    pub async fn update_post_draft(
        &self,
        actor: Option<&Actor>,
        post_id: &str,
        input: Value,
    ) -> GqlResponse {
        let mut input = input;
        input["id"] = json!(post_id);
        self.gql(
            actor,
            &format!("mutation($input: UpdatePostDraftInput!) {{ updatePostDraft(input: $input) {{ post {{ {POST_FIELDS} }} }} }}"),
            json!({ "input": input }),
        )
        .await
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

    /// A reviewer who is not `author`: the comms actor, or the admin when
    /// the author is the comms actor.
    pub fn reviewer_for(&self, author: &Actor) -> &Actor {
        if author.id == self.comms().id {
            self.admin()
        } else {
            self.comms()
        }
    }

    /// `author` drafts a post titled `title` and takes it to `stage` through
    /// the API (reviewed by [`TestApp::reviewer_for`]); returns its id.
    pub async fn post_in(&self, author: &Actor, stage: Stage, title: &str) -> String {
        let post = self.draft_post(author, title, "Line one.\nLine two.").await;
        let id = post["id"].as_str().expect("post id").to_owned();
        let reviewer = self.reviewer_for(author);
        let steps: &[(&Actor, &str)] = match stage {
            Stage::Draft => &[],
            Stage::Withdrawn => &[(author, "submitPost"), (author, "withdrawPost")],
            Stage::InReview => &[(author, "submitPost")],
            Stage::ChangesRequested => &[(author, "submitPost"), (reviewer, "requestPostChanges")],
            Stage::Approved => &[(author, "submitPost"), (reviewer, "approvePost")],
            Stage::Scheduled => &[
                (author, "submitPost"),
                (reviewer, "approvePost"),
                (reviewer, "schedulePost"),
            ],
            Stage::Published => &[
                (author, "submitPost"),
                (reviewer, "approvePost"),
                (reviewer, "publishPost"),
            ],
            Stage::Rejected => &[(author, "submitPost"), (reviewer, "rejectPost")],
        };
        for (actor, mutation) in steps {
            self.post_step_ok(actor, mutation, &id, valid_input(mutation))
                .await;
        }
        id
    }

    /// `post(id:)` as `viewer`; the raw response.
    pub async fn post_as(&self, viewer: Option<&Actor>, post_id: &str) -> GqlResponse {
        self.gql(
            viewer,
            &format!("query($id: ID!) {{ post(id: $id) {{ {POST_FIELDS} }} }}"),
            json!({ "id": post_id }),
        )
        .await
    }

    /// The post as `viewer` sees it, asserting they may.
    pub async fn post_seen_by(&self, viewer: &Actor, post_id: &str) -> Value {
        self.post_as(Some(viewer), post_id).await.data()["post"].clone()
    }

    /// The post's audit trail as `viewer` sees it, oldest first, each as
    /// `actor { handle } from to comment at`.
    pub async fn review_events(&self, viewer: &Actor, post_id: &str) -> Vec<Value> {
        let response = self
            .gql(
                Some(viewer),
                "query($id: ID!) { post(id: $id) { reviewEvents { actor { handle } from to comment at } } }",
                json!({ "id": post_id }),
            )
            .await;
        response.data()["post"]["reviewEvents"]
            .as_array()
            .expect("review events")
            .clone()
    }

    /// The post's audit trail as `(actor handle or "-", from, to, comment or
    /// "-")`, for comparing whole trails at once.
    pub async fn review_trail(&self, viewer: &Actor, post_id: &str) -> Vec<[String; 4]> {
        self.review_events(viewer, post_id)
            .await
            .iter()
            .map(|e| {
                let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
                [
                    text(&e["actor"]["handle"]),
                    text(&e["from"]),
                    text(&e["to"]),
                    text(&e["comment"]),
                ]
            })
            .collect()
    }
}
