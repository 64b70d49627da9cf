//! Guest posts: the workflow from draft to the public blog (docs/DESIGN.md,
//! "Guest post workflow"), who may take which step, editing with versions,
//! the scheduler, bad input, and the lists.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};
use synaps::auth::Role;
use synaps::config::Config;

use crate::db_test;
use crate::helpers::posts::{
    POST_FIELDS, Stage, WORKFLOW_MUTATIONS, design_transition, is_author_step, seconds_from_now,
    valid_input,
};
use crate::helpers::{
    Actor, Backend, GqlResponse, TEST_SECRET, TestApp, missing_department_id, missing_user_id,
};

/// The code a reviewer gets for a reviewer step on their own post.
/// Separation of duties is a permission ("never their own post" in the
/// roles table), so it is FORBIDDEN, whatever the post's state.
const OWN_POST: &str = "FORBIDDEN";

fn id_of(post: &Value) -> String {
    post["id"].as_str().expect("post id").to_owned()
}

fn version_of(post: &Value) -> i64 {
    post["version"].as_i64().expect("post version")
}

fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a DateTime"))
        .expect("RFC 3339")
        .with_timezone(&chrono::Utc)
}

fn trail(rows: &[[&str; 4]]) -> Vec<[String; 4]> {
    rows.iter().map(|row| row.map(str::to_owned)).collect()
}

/// Runs `request` and asserts that it changed nothing in the database.
async fn unchanged<F>(app: &TestApp, request: F) -> GqlResponse
where
    F: std::future::Future<Output = GqlResponse>,
{
    let before = app.snapshot().await;
    let response = request.await;
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused request changed the database: {}",
        response.body
    );
    response
}

// ---------------------------------------------------------------------------
// The workflow
// ---------------------------------------------------------------------------

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

async fn every_step_of_the_workflow_is_recorded_with_revisions_and_review_events(app: TestApp) {
    // Arrange
    let (author, reviewer) = (app.staff(), app.comms());
    let draft = app
        .draft_post(
            author,
            "How we cut our response times",
            "We reply within an hour.\nMost chats close on the first reply.",
        )
        .await;
    let id = id_of(&draft);
    let slug = draft["slug"].clone();
    let mut versions = vec![version_of(&draft)];

    // Act + Assert, one step at a time
    assert_eq!(draft["status"], "DRAFT");
    assert!(draft["submittedAt"].is_null());

    let submitted = app.post_step_ok(author, "submitPost", &id, json!({})).await;
    assert_eq!(submitted["status"], "IN_REVIEW");
    assert!(submitted["submittedAt"].is_string());
    versions.push(version_of(&submitted));

    let comment = "Add how many chats close on the first reply.";
    let changes = app
        .post_step_ok(
            reviewer,
            "requestPostChanges",
            &id,
            json!({ "comment": comment }),
        )
        .await;
    assert_eq!(changes["status"], "CHANGES_REQUESTED");
    versions.push(version_of(&changes));

    let edited = app
        .update_post_draft(
            Some(author),
            &id,
            json!({
                "expectedVersion": version_of(&changes),
                "body": "We reply within an hour.\n80% of chats close on the first reply.",
            }),
        )
        .await;
    let edited = edited.data()["updatePostDraft"]["post"].clone();
    assert_eq!(edited["status"], "DRAFT", "an edit takes it back to DRAFT");
    versions.push(version_of(&edited));

    let resubmitted = app.post_step_ok(author, "submitPost", &id, json!({})).await;
    assert_eq!(resubmitted["status"], "IN_REVIEW");
    versions.push(version_of(&resubmitted));

    let approved = app
        .post_step_ok(
            reviewer,
            "approvePost",
            &id,
            json!({ "comment": "Great, thanks." }),
        )
        .await;
    assert_eq!(approved["status"], "APPROVED");
    versions.push(version_of(&approved));

    let publish_at = seconds_from_now(3600);
    let scheduled = app
        .post_step_ok(
            reviewer,
            "schedulePost",
            &id,
            json!({ "publishAt": publish_at }),
        )
        .await;
    assert_eq!(scheduled["status"], "SCHEDULED");
    assert_eq!(time(&scheduled["publishAt"]), time(&json!(publish_at)));
    versions.push(version_of(&scheduled));

    let unscheduled = app
        .post_step_ok(reviewer, "unschedulePost", &id, json!({}))
        .await;
    assert_eq!(unscheduled["status"], "APPROVED");
    assert!(unscheduled["publishAt"].is_null());
    versions.push(version_of(&unscheduled));

    let published = app
        .post_step_ok(reviewer, "publishPost", &id, json!({}))
        .await;
    assert_eq!(published["status"], "PUBLISHED");
    assert!(published["publishedAt"].is_string());
    versions.push(version_of(&published));
    let public_query = "query($slug: String!) { publicPost(slug: $slug) { title } }";
    app.gql(None, public_query, json!({ "slug": slug }))
        .await
        .data();

    let unpublished = app
        .post_step_ok(reviewer, "unpublishPost", &id, json!({}))
        .await;
    assert_eq!(unpublished["status"], "APPROVED");
    assert!(unpublished["publishedAt"].is_null());
    assert_eq!(unpublished["slug"], slug, "the slug stays");
    versions.push(version_of(&unpublished));
    app.gql(None, public_query, json!({ "slug": slug }))
        .await
        .expect_error("NOT_FOUND");

    // Every change raised the version.
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "versions: {versions:?}"
    );

    // One revision per submit; the second shows what changed since the first.
    let revisions = app
        .gql(
            Some(reviewer),
            "query($id: ID!) { post(id: $id) { revisions { number title body diff createdAt } } }",
            json!({ "id": id }),
        )
        .await;
    let revisions = revisions.data()["post"]["revisions"]
        .as_array()
        .expect("revisions")
        .clone();
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    assert_eq!(revisions[0]["number"], 1);
    assert_eq!(
        revisions[0]["body"],
        "We reply within an hour.\nMost chats close on the first reply."
    );
    assert_eq!(revisions[0]["diff"], "");
    assert_eq!(revisions[1]["number"], 2);
    let diff = revisions[1]["diff"].as_str().expect("diff");
    assert!(
        diff.contains("-Most chats close on the first reply.")
            && diff.contains("+80% of chats close on the first reply.")
            && diff.contains(" We reply within an hour.")
            && !diff.contains("+We reply within an hour."),
        "{diff}"
    );

    // The audit trail: actor, from, to and comment of every transition.
    assert_eq!(
        app.review_trail(reviewer, &id).await,
        trail(&[
            ["stella", "DRAFT", "IN_REVIEW", "-"],
            ["corinna", "IN_REVIEW", "CHANGES_REQUESTED", comment],
            ["stella", "CHANGES_REQUESTED", "DRAFT", "-"],
            ["stella", "DRAFT", "IN_REVIEW", "-"],
            ["corinna", "IN_REVIEW", "APPROVED", "Great, thanks."],
            ["corinna", "APPROVED", "SCHEDULED", "-"],
            ["corinna", "SCHEDULED", "APPROVED", "-"],
            ["corinna", "APPROVED", "PUBLISHED", "-"],
            ["corinna", "PUBLISHED", "APPROVED", "-"],
        ])
    );
    let events = app.review_events(author, &id).await;
    assert!(
        events
            .windows(2)
            .all(|w| time(&w[0]["at"]) <= time(&w[1]["at"])),
        "{events:?}"
    );
}
db_test!(every_step_of_the_workflow_is_recorded_with_revisions_and_review_events);

async fn an_author_withdraws_a_post_from_review_and_submits_it_again(app: TestApp) {
    // Arrange
    let author = app.staff();
    let id = app
        .post_in(author, Stage::InReview, "Withdrawn for now")
        .await;

    // Act
    let withdrawn = app
        .post_step_ok(author, "withdrawPost", &id, json!({}))
        .await;
    let queue_after_withdraw = app
        .gql(
            Some(app.comms()),
            "{ reviewQueue { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let resubmitted = app.post_step_ok(author, "submitPost", &id, json!({})).await;

    // Assert
    assert_eq!(withdrawn["status"], "DRAFT");
    assert_eq!(
        queue_after_withdraw.data()["reviewQueue"]["edges"],
        json!([])
    );
    assert_eq!(resubmitted["status"], "IN_REVIEW");
    assert_eq!(
        app.review_trail(author, &id).await,
        trail(&[
            ["stella", "DRAFT", "IN_REVIEW", "-"],
            ["stella", "IN_REVIEW", "DRAFT", "-"],
            ["stella", "DRAFT", "IN_REVIEW", "-"],
        ])
    );
    let revisions = app
        .gql(
            Some(author),
            "query($id: ID!) { post(id: $id) { revisions { number } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        revisions.data()["post"]["revisions"],
        json!([{ "number": 1 }, { "number": 2 }])
    );
}
db_test!(an_author_withdraws_a_post_from_review_and_submits_it_again);

async fn a_rejection_needs_a_reason_and_is_final(app: TestApp) {
    // Arrange
    let (author, reviewer) = (app.staff(), app.comms());
    let id = app
        .post_in(author, Stage::InReview, "Our secret roadmap")
        .await;

    // Act
    let without_reason = unchanged(
        &app,
        app.post_step(Some(reviewer), "rejectPost", &id, json!({ "reason": "" })),
    )
    .await;
    let blank_reason = unchanged(
        &app,
        app.post_step(
            Some(reviewer),
            "rejectPost",
            &id,
            json!({ "reason": " \n\t " }),
        ),
    )
    .await;
    let rejected = app
        .post_step_ok(
            reviewer,
            "rejectPost",
            &id,
            json!({ "reason": "The roadmap is confidential." }),
        )
        .await;

    // Assert
    without_reason.expect_bad_input("reason");
    blank_reason.expect_bad_input("reason");
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(
        app.review_trail(author, &id).await.last().cloned(),
        Some(
            [
                "corinna",
                "IN_REVIEW",
                "REJECTED",
                "The roadmap is confidential."
            ]
            .map(String::from)
        )
    );
    // Final: nobody moves it anywhere, and the author cannot edit it.
    for mutation in WORKFLOW_MUTATIONS {
        for actor in [author, app.comms(), app.admin()] {
            let taker_may = is_author_step(mutation) == (actor.id == author.id);
            if !taker_may {
                continue;
            }
            let response = unchanged(
                &app,
                app.post_step(Some(actor), mutation, &id, valid_input(mutation)),
            )
            .await;
            assert_eq!(
                response.code(),
                Some("CONFLICT"),
                "{mutation} by {}: {}",
                actor.handle,
                response.body
            );
        }
    }
    unchanged(
        &app,
        app.update_post_draft(
            Some(author),
            &id,
            json!({ "expectedVersion": version_of(&rejected), "title": "Try again" }),
        ),
    )
    .await
    .expect_error("CONFLICT");
}
db_test!(a_rejection_needs_a_reason_and_is_final);

// ---------------------------------------------------------------------------
// Who may take which step
// ---------------------------------------------------------------------------

/// Who tries a step on a post written by the staff actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Author,
    OtherStaff,
    Manager,
    Comms,
    Admin,
    Anonymous,
}

impl Caller {
    const ALL: [Caller; 6] = [
        Caller::Author,
        Caller::OtherStaff,
        Caller::Manager,
        Caller::Comms,
        Caller::Admin,
        Caller::Anonymous,
    ];

    fn is_reviewer(self) -> bool {
        matches!(self, Caller::Comms | Caller::Admin)
    }

    /// Whether docs/DESIGN.md lets this caller see a post in `stage`: the author
    /// always, reviewers once it was submitted, everyone signed in once it is
    /// published.
    fn sees(self, stage: Stage) -> bool {
        match self {
            Caller::Anonymous => false,
            Caller::Author => true,
            _ if stage == Stage::Published => true,
            caller => caller.is_reviewer() && stage.submitted(),
        }
    }

    /// What this caller gets for `mutation` on a post in `stage`: the new
    /// status, or the error code.
    fn outcome(self, mutation: &str, stage: Stage) -> Result<&'static str, &'static str> {
        if self == Caller::Anonymous {
            return Err("UNAUTHENTICATED");
        }
        let allowed = || design_transition(mutation, stage.status()).ok_or("CONFLICT");
        if is_author_step(mutation) {
            match self {
                Caller::Author => allowed(),
                caller if caller.sees(stage) => Err("FORBIDDEN"),
                _ => Err("NOT_FOUND"),
            }
        } else if !self.is_reviewer() {
            Err("FORBIDDEN")
        } else if !self.sees(stage) {
            Err("NOT_FOUND")
        } else {
            allowed()
        }
    }
}

async fn every_workflow_step_is_allowed_or_refused_for_every_role_in_every_state(app: TestApp) {
    // Arrange
    let other_staff = app
        .create_actor(Role::Staff, "sven", &["customer-service"])
        .await;
    let actor_of = |caller: Caller| -> Option<&Actor> {
        match caller {
            Caller::Author => Some(app.staff()),
            Caller::OtherStaff => Some(&other_staff),
            Caller::Manager => Some(app.manager()),
            Caller::Comms => Some(app.comms()),
            Caller::Admin => Some(app.admin()),
            Caller::Anonymous => None,
        }
    };
    let mut shared = BTreeMap::new();
    for (n, stage) in Stage::ALL.into_iter().enumerate() {
        let id = app
            .post_in(app.staff(), stage, &format!("Matrix post {n}"))
            .await;
        shared.insert(n, id);
    }
    let mut failures = Vec::new();
    let mut fresh = 0;

    for (n, stage) in Stage::ALL.into_iter().enumerate() {
        for mutation in WORKFLOW_MUTATIONS {
            for caller in Caller::ALL {
                let who = format!("{mutation} on {stage:?} by {caller:?}");
                match caller.outcome(mutation, stage) {
                    Ok(to) => {
                        // An allowed step gets a post of its own, so the
                        // shared one stays in its stage.
                        fresh += 1;
                        let id = app
                            .post_in(app.staff(), stage, &format!("Fresh post {fresh}"))
                            .await;
                        let events = app.review_events(app.staff(), &id).await.len();

                        // Act
                        let response = app
                            .post_step(actor_of(caller), mutation, &id, valid_input(mutation))
                            .await;

                        // Assert
                        let status = &response.body["data"][mutation]["post"]["status"];
                        if response.code().is_some() || status != to {
                            failures.push(format!("{who}: expected {to}, got {}", response.body));
                        } else if app.review_events(app.staff(), &id).await.len() != events + 1 {
                            failures.push(format!("{who}: no review event recorded"));
                        }
                    }
                    Err(code) => {
                        let id = &shared[&n];
                        let before = app.snapshot().await;

                        // Act
                        let response = app
                            .post_step(actor_of(caller), mutation, id, valid_input(mutation))
                            .await;

                        // Assert
                        if response.code() != Some(code) || !response.body["data"].is_null() {
                            failures.push(format!("{who}: expected {code}, got {}", response.body));
                        } else if app.snapshot().await != before {
                            failures.push(format!("{who}: refused but changed the database"));
                        }
                    }
                }
            }
        }
    }
    // Allowed cells: the author submitting the two kinds of DRAFT (never
    // submitted, withdrawn) and withdrawing (3), and the seven reviewer
    // steps, each by comms and by admin (14).
    assert!(fresh >= 17, "the matrix allowed only {fresh} steps");
    assert!(
        failures.is_empty(),
        "{} cells of the workflow matrix failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
db_test!(every_workflow_step_is_allowed_or_refused_for_every_role_in_every_state);

async fn reviewers_cannot_take_a_reviewer_step_on_their_own_post(app: TestApp) {
    // Arrange
    let steps = [
        ("requestPostChanges", Stage::InReview),
        ("approvePost", Stage::InReview),
        ("rejectPost", Stage::InReview),
        ("schedulePost", Stage::Approved),
        ("unschedulePost", Stage::Scheduled),
        ("publishPost", Stage::Approved),
        ("unpublishPost", Stage::Published),
    ];
    for author in [app.comms(), app.admin()] {
        for (mutation, stage) in steps {
            let title = format!("{} writes, then tries {mutation}", author.handle);
            let id = app.post_in(author, stage, &title).await;

            // Act
            let own = unchanged(
                &app,
                app.post_step(Some(author), mutation, &id, valid_input(mutation)),
            )
            .await;
            let other = app
                .post_step(
                    Some(app.reviewer_for(author)),
                    mutation,
                    &id,
                    valid_input(mutation),
                )
                .await;

            // Assert
            assert_eq!(
                own.code(),
                Some(OWN_POST),
                "{} on own post: {}",
                author.handle,
                own.body
            );
            assert_eq!(
                other.data()[mutation]["post"]["status"],
                design_transition(mutation, stage.status()).expect("an allowed step"),
                "another reviewer may {mutation}"
            );
        }
    }
}
db_test!(reviewers_cannot_take_a_reviewer_step_on_their_own_post);

// ---------------------------------------------------------------------------
// Editing
// ---------------------------------------------------------------------------

async fn an_edit_with_a_stale_version_is_a_conflict_and_overwrites_nothing(app: TestApp) {
    // Arrange
    let author = app.staff();
    let post = app
        .draft_post(author, "Version one", "The original body.")
        .await;
    let id = id_of(&post);
    let seen = version_of(&post);
    let first = app
        .update_post_draft(
            Some(author),
            &id,
            json!({ "expectedVersion": seen, "title": "Edited in tab one" }),
        )
        .await;
    let first = first.data()["updatePostDraft"]["post"].clone();

    // Act
    let stale = unchanged(
        &app,
        app.update_post_draft(
            Some(author),
            &id,
            json!({ "expectedVersion": seen, "body": "Edited in tab two." }),
        ),
    )
    .await;
    let from_the_future = unchanged(
        &app,
        app.update_post_draft(
            Some(author),
            &id,
            json!({ "expectedVersion": seen + 10, "body": "From the future." }),
        ),
    )
    .await;

    // Assert
    stale.expect_conflict("expectedVersion");
    from_the_future.expect_conflict("expectedVersion");
    assert_eq!(version_of(&first), seen + 1);
    let now = app.post_seen_by(author, &id).await;
    assert_eq!(now["title"], "Edited in tab one");
    assert_eq!(now["body"], "The original body.");
    assert_eq!(version_of(&now), seen + 1);
}
db_test!(an_edit_with_a_stale_version_is_a_conflict_and_overwrites_nothing);

async fn only_drafts_and_posts_with_changes_requested_can_be_edited(app: TestApp) {
    // Arrange
    let author = app.staff();
    let mut outcomes = Vec::new();
    for (n, stage) in Stage::ALL.into_iter().enumerate() {
        let id = app.post_in(author, stage, &format!("Edit me {n}")).await;
        let version = version_of(&app.post_seen_by(author, &id).await);

        // Act
        let before = app.snapshot().await;
        let response = app
            .update_post_draft(
                Some(author),
                &id,
                json!({ "expectedVersion": version, "body": "A better body." }),
            )
            .await;
        let changed = app.snapshot().await != before;

        outcomes.push((stage, response, changed));
    }

    // Assert
    for (stage, response, changed) in outcomes {
        let editable = matches!(
            stage,
            Stage::Draft | Stage::Withdrawn | Stage::ChangesRequested
        );
        if editable {
            let post = &response.data()["updatePostDraft"]["post"];
            assert_eq!(post["body"], "A better body.", "{stage:?}");
            assert_eq!(post["status"], "DRAFT", "{stage:?}");
        } else {
            assert_eq!(
                response.code(),
                Some("CONFLICT"),
                "{stage:?}: {}",
                response.body
            );
            assert!(!changed, "{stage:?}: a refused edit changed the database");
        }
    }
}
db_test!(only_drafts_and_posts_with_changes_requested_can_be_edited);

async fn nobody_but_the_author_edits_a_post(app: TestApp) {
    // Arrange
    let other_staff = app
        .create_actor(Role::Staff, "sven", &["customer-service"])
        .await;
    let stages = [Stage::Draft, Stage::ChangesRequested, Stage::Published];
    for (n, stage) in stages.into_iter().enumerate() {
        let id = app
            .post_in(app.staff(), stage, &format!("Stella's own {n}"))
            .await;
        let version = version_of(&app.post_seen_by(app.staff(), &id).await);
        let callers = [
            (Some(&other_staff), "NOT_FOUND"),
            (Some(app.manager()), "NOT_FOUND"),
            (Some(app.comms()), "NOT_FOUND"),
            (Some(app.admin()), "NOT_FOUND"),
            (None, "UNAUTHENTICATED"),
        ];
        for (caller, code) in callers {
            // Act
            let response = unchanged(
                &app,
                app.update_post_draft(
                    caller,
                    &id,
                    json!({ "expectedVersion": version, "title": "Hijacked" }),
                ),
            )
            .await;

            // Assert
            assert_eq!(
                response.code(),
                Some(code),
                "{stage:?} edited by {:?}: {}",
                caller.map(|c| &c.handle),
                response.body
            );
        }
    }
}
db_test!(nobody_but_the_author_edits_a_post);

// ---------------------------------------------------------------------------
// Concurrency and the scheduler
// ---------------------------------------------------------------------------

async fn two_reviewers_approving_at_once_one_wins_and_the_other_gets_a_conflict(app: TestApp) {
    for round in 0..3 {
        // Arrange
        let id = app
            .post_in(app.staff(), Stage::InReview, &format!("Race {round}"))
            .await;

        // Act
        let (by_comms, by_admin) = tokio::join!(
            app.post_step(
                Some(app.comms()),
                "approvePost",
                &id,
                json!({ "comment": "Yes." })
            ),
            app.post_step(
                Some(app.admin()),
                "approvePost",
                &id,
                json!({ "comment": "Yes!" })
            ),
        );

        // Assert
        let mut codes = [by_comms.code(), by_admin.code()];
        codes.sort();
        assert_eq!(
            codes,
            [None, Some("CONFLICT")],
            "round {round}: {} / {}",
            by_comms.body,
            by_admin.body
        );
        let approvals: Vec<_> = app
            .review_trail(app.staff(), &id)
            .await
            .into_iter()
            .filter(|[_, _, to, _]| to == "APPROVED")
            .collect();
        assert_eq!(approvals.len(), 1, "round {round}: {approvals:?}");
        let winner = if by_comms.code().is_none() {
            "corinna"
        } else {
            "adam"
        };
        assert_eq!(approvals[0][0], winner, "the event names the winner");
        assert_eq!(
            app.post_seen_by(app.staff(), &id).await["status"],
            "APPROVED"
        );
    }
}
db_test!(two_reviewers_approving_at_once_one_wins_and_the_other_gets_a_conflict);

/// Polls `post(id:)` as `viewer` until it is PUBLISHED; panics after `within`.
async fn wait_until_published(app: &TestApp, viewer: &Actor, id: &str, within: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let post = app.post_seen_by(viewer, id).await;
        if post["status"] == "PUBLISHED" {
            return post;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not published within {within:?}: {post}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_scheduled_post_publishes_itself_exactly_once_at_its_time(app: TestApp) {
    // Arrange
    let author = app.staff();
    let id = app.post_in(author, Stage::Approved, "Out on Friday").await;
    let publish_at = seconds_from_now(2);
    let scheduled = app
        .post_step_ok(
            app.comms(),
            "schedulePost",
            &id,
            json!({ "publishAt": publish_at }),
        )
        .await;
    assert_eq!(scheduled["status"], "SCHEDULED");

    // Act: the in-process scheduler ticks every 100 ms.
    let published = wait_until_published(&app, author, &id, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;

    // Assert
    assert!(
        time(&published["publishedAt"]) >= time(&json!(publish_at)),
        "published before its time: {published}"
    );
    let publications: Vec<_> = app
        .review_trail(author, &id)
        .await
        .into_iter()
        .filter(|[_, _, to, _]| to == "PUBLISHED")
        .collect();
    assert_eq!(
        publications,
        trail(&[["-", "SCHEDULED", "PUBLISHED", "-"]]),
        "exactly one publication, by nobody (the scheduler)"
    );
    let notes = app
        .gql(
            Some(author),
            "{ notifications { edges { node { kind actor { handle } message post { id } } } } }",
            json!({}),
        )
        .await;
    let about_publishing: Vec<_> = notes.data()["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| {
            n["message"]
                .as_str()
                .is_some_and(|m| m.contains("published"))
        })
        .cloned()
        .collect();
    assert_eq!(about_publishing.len(), 1, "{about_publishing:?}");
    assert_eq!(about_publishing[0]["kind"], "REVIEW_DECISION");
    assert!(about_publishing[0]["actor"].is_null());
    assert_eq!(about_publishing[0]["post"]["id"], id);
    let public = app
        .gql(
            None,
            "query($slug: String!) { publicPost(slug: $slug) { title } }",
            json!({ "slug": published["slug"] }),
        )
        .await;
    assert_eq!(public.data()["publicPost"]["title"], "Out on Friday");
}
db_test!(a_scheduled_post_publishes_itself_exactly_once_at_its_time);

/// The test's own server never publishes: only the replicas it starts do.
fn no_in_process_scheduler(config: &mut Config) {
    config.scheduler_interval_ms = 3_600_000;
}

/// A `synaps serve` child process, killed when dropped (also when the test
/// fails), with its stdout and stderr collected.
struct Replica {
    child: std::process::Child,
    stdout: std::sync::Arc<std::sync::Mutex<String>>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Replica {
    fn start(app: &TestApp, data_dir: &std::path::Path) -> Replica {
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_synaps"))
            .args(["serve", "--no-migrate"])
            .env("DATABASE_URL", app.database_url())
            .env("SYNAPS_BIND", "127.0.0.1:0")
            .env("SYNAPS_JWT_SECRET", TEST_SECRET)
            .env("SYNAPS_SCHEDULER_INTERVAL_MS", "20")
            .env("SYNAPS_DB_POOL_SIZE", "3")
            .env("SYNAPS_LOG_FORMAT", "json")
            .env("SYNAPS_DATA_DIR", data_dir)
            .env_remove("SYNAPS_ENV")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("synaps starts");
        let drain = |pipe: Box<dyn std::io::Read + Send>| {
            let buffer = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
            let sink = buffer.clone();
            std::thread::spawn(move || {
                use std::io::BufRead;
                for line in std::io::BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    let mut sink = sink.lock().expect("buffer");
                    sink.push_str(&line);
                    sink.push('\n');
                }
            });
            buffer
        };
        let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
        let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
        Replica {
            child,
            stdout,
            stderr,
        }
    }

    /// Waits until the replica says where it listens.
    async fn wait_until_listening(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if self
                .stdout
                .lock()
                .expect("buffer")
                .contains("synaps is listening on http://")
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "replica exited with {status} before listening:\n{}",
                    self.stderr.lock().expect("buffer")
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "replica did not start within 20 s:\n{}",
                self.stderr.lock().expect("buffer")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the replica (SIGTERM, then SIGKILL) and returns its log, one
    /// JSON object a line.
    async fn stop(mut self) -> Vec<Value> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Let the drain threads take the last lines.
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.stderr
            .lock()
            .expect("buffer")
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .collect()
    }
}

/// The ids of the posts a replica's log says it published.
fn published_by(log: &[Value]) -> Vec<String> {
    log.iter()
        .filter(|line| line["message"] == "scheduled post published")
        .filter_map(|line| line["post.id"].as_str().map(str::to_owned))
        .collect()
}

/// The ERROR lines of a replica's log.
fn errors_in(log: &[Value]) -> Vec<&Value> {
    log.iter().filter(|line| line["level"] == "ERROR").collect()
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A well-formed global id of a `GuestPost` that does not exist.
fn missing_post_id() -> String {
    synaps::graphql::node::global_id(synaps::graphql::node::Kind::GuestPost, uuid::Uuid::now_v7()).0
}

/// The database id inside a global id.
fn uuid_of(global_id: &str) -> uuid::Uuid {
    match synaps::graphql::node::decode("id", &async_graphql::ID(global_id.to_owned())) {
        Ok((_, uuid)) => uuid,
        Err(_) => panic!("not a global id: {global_id}"),
    }
}

/// How many rows of `table` have `column` = `post`'s id and match `extra`.
async fn count_for(app: &TestApp, table: &str, column: &str, post: &str, extra: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_sql_and_values(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1 {extra}"),
            [uuid_of(post).into()],
        ))
        .await
        .expect("count query")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn two_server_processes_publish_each_scheduled_post_exactly_once(app: TestApp) {
    if app.backend != Backend::Postgres {
        eprintln!(
            "\n*** SKIPPED on SQLite: two server processes on one database is the PostgreSQL \
             deployment; SQLite is one process by design ***\n"
        );
        return;
    }
    // Arrange: posts approved, then two due while no replica runs (they
    // publish when one starts), then the rest due at one moment with both
    // running.
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(
            app.post_in(app.staff(), Stage::Approved, &format!("Replica race {n}"))
                .await,
        );
    }
    // Margins leave room for a loaded machine (CI runs the suite on two
    // cores): every schedulePost must still be before its publishAt.
    let overdue_at = seconds_from_now(3);
    for id in &ids[..2] {
        app.post_step_ok(
            app.comms(),
            "schedulePost",
            id,
            json!({ "publishAt": overdue_at }),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(
        app.post_seen_by(app.staff(), &ids[0]).await["status"],
        "SCHEDULED",
        "the test's own server must not publish, or the replicas prove nothing"
    );
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut replicas = [
        Replica::start(&app, data_dir.path()),
        Replica::start(&app, data_dir.path()),
    ];
    for replica in &mut replicas {
        replica.wait_until_listening().await;
    }
    let due_at = seconds_from_now(8);
    for id in &ids[2..] {
        app.post_step_ok(
            app.comms(),
            "schedulePost",
            id,
            json!({ "publishAt": due_at }),
        )
        .await;
    }

    // Act: both replicas tick every 20 ms.
    for id in &ids {
        wait_until_published(&app, app.staff(), id, Duration::from_secs(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let [first, second] = replicas;
    let first_log = first.stop().await;
    let second_log = second.stop().await;
    let (by_first, by_second) = (published_by(&first_log), published_by(&second_log));

    // Assert
    for id in &ids {
        let publications = count_for(
            &app,
            "review_events",
            "post_id",
            id,
            "AND to_status = 'PUBLISHED' AND actor_id IS NULL",
        )
        .await;
        let all_events_to_published = count_for(
            &app,
            "review_events",
            "post_id",
            id,
            "AND to_status = 'PUBLISHED'",
        )
        .await;
        let notices = count_for(
            &app,
            "notifications",
            "subject_id",
            id,
            "AND kind = 'REVIEW_DECISION' AND actor_id IS NULL",
        )
        .await;
        assert_eq!(
            (publications, all_events_to_published, notices),
            (1, 1, 1),
            "post {id}: publications, PUBLISHED events, notifications"
        );
    }
    let expected: BTreeSet<String> = ids.iter().map(|id| uuid_of(id).to_string()).collect();
    let mut claimed: Vec<String> = by_first.iter().chain(&by_second).cloned().collect();
    claimed.sort();
    let distinct: BTreeSet<String> = claimed.iter().cloned().collect();
    assert_eq!(
        claimed.len(),
        distinct.len(),
        "a post was claimed twice: first {by_first:?}, second {by_second:?}"
    );
    assert_eq!(
        distinct, expected,
        "the replicas' logs name every post once: first {by_first:?}, second {by_second:?}"
    );
    assert_eq!(
        (errors_in(&first_log), errors_in(&second_log)),
        (Vec::new(), Vec::new()),
        "the replicas logged errors"
    );
    eprintln!(
        "replica one published {}, replica two published {}",
        by_first.len(),
        by_second.len()
    );
}
db_test!(
    two_server_processes_publish_each_scheduled_post_exactly_once,
    with = no_in_process_scheduler
);

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

/// How a bad request must be refused.
#[derive(Clone, Copy, Debug)]
enum Refused {
    /// `BAD_USER_INPUT` naming the field.
    Bad(&'static str),
    /// `CONFLICT`, naming the field when there is one.
    Conflict(Option<&'static str>),
    NotFound,
}
use Refused::{Bad, Conflict, NotFound};

impl Refused {
    /// Asserts the response is this refusal, with a message a person can act on.
    fn check(self, case: &str, response: &GqlResponse) {
        let (code, field) = match self {
            Bad(field) => ("BAD_USER_INPUT", Some(field)),
            Conflict(field) => ("CONFLICT", field),
            NotFound => ("NOT_FOUND", None),
        };
        let error = &response.body["errors"][0];
        assert_eq!(response.code(), Some(code), "{case}: {}", response.body);
        assert_eq!(
            error["extensions"]["field"].as_str(),
            field,
            "{case}: {}",
            response.body
        );
        assert!(
            error["message"].as_str().is_some_and(|m| m.len() > 10),
            "{case}: a clear message, got {error}"
        );
    }
}

/// A valid `createPostDraft` input for the staff actor, changed by `patch`.
fn new_draft(department: &str, patch: Value) -> Value {
    let mut input = json!({
        "title": "A perfectly fine title",
        "body": "A perfectly fine body.",
        "excerpt": "Fine.",
        "departmentId": department,
    });
    for (key, value) in patch.as_object().expect("an object") {
        input[key] = value.clone();
    }
    input
}

async fn bad_drafts_get_a_clear_error_and_change_nothing(app: TestApp) {
    // Arrange
    let author = app.staff();
    let home = app.department_id("customer-service").await;
    let sales = app.department_id("sales").await;
    let taken = app.draft_post(author, "Taken", "Body.").await;
    let too_far = (chrono::Utc::now() + chrono::Duration::days(6 * 366))
        .date_naive()
        .to_string();
    #[rustfmt::skip]
    let cases = [
        ("empty title", json!({ "title": "" }), Bad("title")),
        ("blank title", json!({ "title": "   " }), Bad("title")),
        ("title over 200 characters", json!({ "title": "t".repeat(201) }), Bad("title")),
        ("title on two lines", json!({ "title": "One\nTwo" }), Bad("title")),
        ("empty body", json!({ "body": "" }), Bad("body")),
        ("body over 256 KiB", json!({ "body": "b".repeat(256 * 1024 + 1) }), Bad("body")),
        ("excerpt over 500 characters", json!({ "excerpt": "e".repeat(501) }), Bad("excerpt")),
        ("unknown department", json!({ "departmentId": missing_department_id() }), NotFound),
        ("someone else's department", json!({ "departmentId": sales }), Bad("departmentId")),
        ("malformed department id", json!({ "departmentId": "not-an-id" }), Bad("departmentId")),
        ("a user id as department", json!({ "departmentId": missing_user_id() }), Bad("departmentId")),
        ("malformed slug", json!({ "slug": "Not A Slug!" }), Bad("slug")),
        ("slug clash", json!({ "slug": taken["slug"] }), Conflict(Some("slug"))),
        ("planned too far ahead", json!({ "plannedFor": too_far }), Bad("plannedFor")),
    ];

    for (case, patch, refused) in cases {
        // Act
        let response = unchanged(
            &app,
            app.create_post_draft(Some(author), new_draft(&home, patch)),
        )
        .await;

        // Assert
        refused.check(case, &response);
    }

    // The limits themselves are allowed.
    let at_the_limits = app
        .create_post_draft(
            Some(author),
            new_draft(
                &home,
                json!({ "title": "é".repeat(200), "body": "b".repeat(256 * 1024) }),
            ),
        )
        .await;
    assert_eq!(
        at_the_limits.data()["createPostDraft"]["post"]["status"],
        "DRAFT"
    );
}
db_test!(bad_drafts_get_a_clear_error_and_change_nothing);

async fn a_title_that_clashes_gets_a_numbered_slug(app: TestApp) {
    // Act
    let first = app.draft_post(app.staff(), "Same title", "One.").await;
    let second = app.draft_post(app.manager(), "Same title", "Two.").await;

    // Assert
    assert_eq!(first["slug"], "same-title");
    assert_eq!(second["slug"], "same-title-2");
}
db_test!(a_title_that_clashes_gets_a_numbered_slug);

async fn bad_edits_get_a_clear_error_and_change_nothing(app: TestApp) {
    // Arrange
    let author = app.staff();
    let post = app.draft_post(author, "Mine", "Body.").await;
    let (id, version) = (id_of(&post), version_of(&post));
    let taken = app.draft_post(app.manager(), "Theirs", "Body.").await;
    let published = app.publish_post("Already out", "Body.").await;
    let (out, out_version) = (id_of(&published), version_of(&published));
    let sales = app.department_id("sales").await;
    let (missing, user) = (missing_post_id(), app.staff().id.clone());
    #[rustfmt::skip]
    let cases = [
        ("empty title", &id, json!({ "title": "" }), Bad("title")),
        ("title over 200 characters", &id, json!({ "title": "t".repeat(201) }), Bad("title")),
        ("body over 256 KiB", &id, json!({ "body": "b".repeat(256 * 1024 + 1) }), Bad("body")),
        ("unknown department", &id, json!({ "departmentId": missing_department_id() }), NotFound),
        ("someone else's department", &id, json!({ "departmentId": sales }), Bad("departmentId")),
        ("slug clash", &id, json!({ "slug": taken["slug"] }), Conflict(Some("slug"))),
        ("malformed slug", &id, json!({ "slug": "-" }), Bad("slug")),
        ("a published post", &out, json!({ "title": "Changed", "expectedVersion": out_version }), Conflict(None)),
        ("malformed id", &"garbage".to_owned(), json!({ "title": "x" }), Bad("id")),
        ("a user id", &user, json!({ "title": "x" }), Bad("id")),
        ("no such post", &missing, json!({ "title": "x" }), NotFound),
    ];

    for (case, target, patch, refused) in cases {
        let mut input = json!({ "expectedVersion": version });
        for (key, value) in patch.as_object().expect("an object") {
            input[key] = value.clone();
        }

        // Act
        let response = unchanged(&app, app.update_post_draft(Some(author), target, input)).await;

        // Assert
        refused.check(case, &response);
    }
    let now = app.post_seen_by(author, &id).await;
    assert_eq!(
        (now["title"].clone(), version_of(&now)),
        (json!("Mine"), version)
    );
}
db_test!(bad_edits_get_a_clear_error_and_change_nothing);

async fn bad_workflow_steps_get_a_clear_error_and_change_nothing(app: TestApp) {
    // Arrange
    let reviewer = app.comms();
    let approved = app
        .post_in(app.staff(), Stage::Approved, "Approved one")
        .await;
    let in_review = app
        .post_in(app.staff(), Stage::InReview, "In review one")
        .await;
    let withdrawn = app
        .post_in(app.staff(), Stage::Withdrawn, "Withdrawn one")
        .await;
    let (missing, department) = (missing_post_id(), missing_department_id());
    let garbage = "garbage".to_owned();
    #[rustfmt::skip]
    let cases = [
        ("scheduling in the past", "schedulePost", &approved, json!({ "publishAt": seconds_from_now(-60) }), Bad("publishAt")),
        ("scheduling for now", "schedulePost", &approved, json!({ "publishAt": seconds_from_now(0) }), Bad("publishAt")),
        ("publishing a post in review", "publishPost", &in_review, json!({}), Conflict(None)),
        ("publishing a withdrawn draft", "publishPost", &withdrawn, json!({}), Conflict(None)),
        ("scheduling a post in review", "schedulePost", &in_review, json!({ "publishAt": seconds_from_now(3600) }), Conflict(None)),
        ("changes without a comment", "requestPostChanges", &in_review, json!({}), Bad("comment")),
        ("changes with a blank comment", "requestPostChanges", &in_review, json!({ "comment": "  " }), Bad("comment")),
        ("a comment over 4000 characters", "approvePost", &in_review, json!({ "comment": "c".repeat(4001) }), Bad("comment")),
        ("a malformed id", "approvePost", &garbage, json!({}), Bad("id")),
        ("a department id", "approvePost", &department, json!({}), Bad("id")),
        ("no such post", "approvePost", &missing, json!({}), NotFound),
    ];

    for (case, mutation, id, input, refused) in cases {
        // Act
        let response = unchanged(&app, app.post_step(Some(reviewer), mutation, id, input)).await;

        // Assert
        refused.check(case, &response);
    }

    // A publishAt that is not a date at all.
    unchanged(
        &app,
        app.post_step(
            Some(reviewer),
            "schedulePost",
            &approved,
            json!({ "publishAt": "next Friday" }),
        ),
    )
    .await
    .expect_error("BAD_USER_INPUT");
}
db_test!(bad_workflow_steps_get_a_clear_error_and_change_nothing);

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

/// The ids of a connection's nodes, in order.
fn node_ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("node id").to_owned())
        .collect()
}

async fn my_posts_lists_only_the_viewers_own_posts(app: TestApp) {
    // Arrange
    let draft = app.post_in(app.staff(), Stage::Draft, "Mine, draft").await;
    let in_review = app
        .post_in(app.staff(), Stage::InReview, "Mine, in review")
        .await;
    let published = app
        .post_in(app.staff(), Stage::Published, "Mine, published")
        .await;
    let managers = app
        .post_in(app.manager(), Stage::InReview, "The manager's")
        .await;
    let query = "query($status: PostStatus) { myPosts(status: $status) { edges { node { id } } } }";

    // Act
    let all = app.gql(Some(app.staff()), query, json!({})).await;
    let only_in_review = app
        .gql(Some(app.staff()), query, json!({ "status": "IN_REVIEW" }))
        .await;
    let rejected = app
        .gql(Some(app.staff()), query, json!({ "status": "REJECTED" }))
        .await;
    let manager = app.gql(Some(app.manager()), query, json!({})).await;
    let comms = app.gql(Some(app.comms()), query, json!({})).await;
    let anonymous = app.gql(None, query, json!({})).await;

    // Assert
    assert_eq!(
        node_ids(&all.data()["myPosts"]),
        vec![published, in_review.clone(), draft],
        "the viewer's own, newest first"
    );
    assert_eq!(node_ids(&only_in_review.data()["myPosts"]), vec![in_review]);
    assert_eq!(node_ids(&rejected.data()["myPosts"]), Vec::<String>::new());
    assert_eq!(node_ids(&manager.data()["myPosts"]), vec![managers]);
    assert_eq!(node_ids(&comms.data()["myPosts"]), Vec::<String>::new());
    anonymous.expect_error("UNAUTHENTICATED");
}
db_test!(my_posts_lists_only_the_viewers_own_posts);

async fn the_review_queue_lists_posts_in_review_oldest_first_for_reviewers_only(app: TestApp) {
    // Arrange
    let first = app
        .post_in(app.staff(), Stage::InReview, "Waiting longest")
        .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = app
        .post_in(app.manager(), Stage::InReview, "Waiting shorter")
        .await;
    app.post_in(app.staff(), Stage::Draft, "Not submitted")
        .await;
    app.post_in(app.staff(), Stage::Approved, "Already approved")
        .await;
    app.post_in(app.staff(), Stage::ChangesRequested, "Back with the author")
        .await;
    let query = "query($after: String, $first: Int) { reviewQueue(first: $first, after: $after) { edges { cursor node { id status waitingSeconds submittedAt } } pageInfo { hasNextPage endCursor } } }";

    // Act
    let by_comms = app.gql(Some(app.comms()), query, json!({})).await;
    let by_admin = app.gql(Some(app.admin()), query, json!({})).await;
    let page_one = app
        .gql(Some(app.comms()), query, json!({ "first": 1 }))
        .await;
    let cursor = page_one.data()["reviewQueue"]["pageInfo"]["endCursor"].clone();
    let page_two = app
        .gql(
            Some(app.comms()),
            query,
            json!({ "first": 1, "after": cursor }),
        )
        .await;
    let refusals = [
        (
            app.gql(Some(app.staff()), query, json!({})).await,
            "FORBIDDEN",
        ),
        (
            app.gql(Some(app.manager()), query, json!({})).await,
            "FORBIDDEN",
        ),
        (app.gql(None, query, json!({})).await, "UNAUTHENTICATED"),
    ];

    // Assert
    let queue = &by_comms.data()["reviewQueue"];
    assert_eq!(node_ids(queue), vec![first.clone(), second.clone()]);
    assert_eq!(node_ids(&by_admin.data()["reviewQueue"]), node_ids(queue));
    let waiting: Vec<i64> = queue["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            assert_eq!(e["node"]["status"], "IN_REVIEW");
            e["node"]["waitingSeconds"]
                .as_i64()
                .expect("waitingSeconds")
        })
        .collect();
    assert!(waiting[0] >= waiting[1] && waiting[1] >= 0, "{waiting:?}");
    assert_eq!(node_ids(&page_one.data()["reviewQueue"]), vec![first]);
    assert_eq!(
        page_one.data()["reviewQueue"]["pageInfo"]["hasNextPage"],
        true
    );
    assert_eq!(node_ids(&page_two.data()["reviewQueue"]), vec![second]);
    assert_eq!(
        page_two.data()["reviewQueue"]["pageInfo"]["hasNextPage"],
        false
    );
    for (response, code) in refusals {
        response.expect_error(code);
    }
    // Outside the queue, waitingSeconds is null.
    let approved = app
        .post_in(app.staff(), Stage::Approved, "Approved, not waiting")
        .await;
    let seen = app
        .gql(
            Some(app.comms()),
            "query($id: ID!) { post(id: $id) { waitingSeconds } }",
            json!({ "id": approved }),
        )
        .await;
    assert!(seen.data()["post"]["waitingSeconds"].is_null());
}
db_test!(the_review_queue_lists_posts_in_review_oldest_first_for_reviewers_only);

async fn the_posts_list_is_for_reviewers_and_never_shows_unsubmitted_drafts(app: TestApp) {
    // Arrange
    app.post_in(app.staff(), Stage::Draft, "Stella's secret draft")
        .await;
    let stella_in_review = app
        .post_in(app.staff(), Stage::InReview, "Stella in review")
        .await;
    let stella_published = app
        .post_in(app.staff(), Stage::Published, "Stella published")
        .await;
    app.post_in(app.manager(), Stage::Draft, "Magnus's secret draft")
        .await;
    let magnus_in_review = app
        .post_in(app.manager(), Stage::InReview, "Magnus in review")
        .await;
    app.post_in(app.admin(), Stage::Draft, "Adam's own draft")
        .await;
    let query = "query($status: PostStatus, $department: String, $author: String) { posts(status: $status, department: $department, author: $author) { edges { node { id } } } }";
    let ask = |actor: Option<&Actor>, variables: Value| {
        let actor = actor.cloned();
        let app = app.clone();
        async move { app.gql(actor.as_ref(), query, variables).await }
    };

    // Act
    let every = ask(Some(app.comms()), json!({})).await;
    let by_admin = ask(Some(app.admin()), json!({})).await;
    let in_review = ask(Some(app.comms()), json!({ "status": "IN_REVIEW" })).await;
    let drafts = ask(Some(app.comms()), json!({ "status": "DRAFT" })).await;
    let sales = ask(Some(app.comms()), json!({ "department": "sales" })).await;
    let by_stella = ask(Some(app.comms()), json!({ "author": "stella" })).await;
    let both = ask(
        Some(app.comms()),
        json!({ "author": "stella", "status": "PUBLISHED", "department": "customer-service" }),
    )
    .await;
    let nowhere = ask(Some(app.comms()), json!({ "department": "nowhere" })).await;
    let nobody = ask(Some(app.comms()), json!({ "author": "nobody" })).await;
    let bad_department = ask(Some(app.comms()), json!({ "department": "Not A Slug!" })).await;
    let staff = ask(Some(app.staff()), json!({})).await;
    let manager = ask(Some(app.manager()), json!({})).await;
    let anonymous = ask(None, json!({})).await;

    // Assert
    let everything = vec![
        magnus_in_review.clone(),
        stella_published.clone(),
        stella_in_review.clone(),
    ];
    assert_eq!(node_ids(&every.data()["posts"]), everything, "newest first");
    assert_eq!(node_ids(&by_admin.data()["posts"]), everything);
    assert_eq!(
        node_ids(&in_review.data()["posts"]),
        vec![magnus_in_review.clone(), stella_in_review.clone()]
    );
    assert_eq!(node_ids(&drafts.data()["posts"]), Vec::<String>::new());
    assert_eq!(node_ids(&sales.data()["posts"]), vec![magnus_in_review]);
    assert_eq!(
        node_ids(&by_stella.data()["posts"]),
        vec![stella_published.clone(), stella_in_review]
    );
    assert_eq!(node_ids(&both.data()["posts"]), vec![stella_published]);
    assert_eq!(node_ids(&nowhere.data()["posts"]), Vec::<String>::new());
    assert_eq!(node_ids(&nobody.data()["posts"]), Vec::<String>::new());
    bad_department.expect_bad_input("department");
    staff.expect_error("FORBIDDEN");
    manager.expect_error("FORBIDDEN");
    anonymous.expect_error("UNAUTHENTICATED");
}
db_test!(the_posts_list_is_for_reviewers_and_never_shows_unsubmitted_drafts);

async fn a_post_is_seen_by_its_author_by_reviewers_once_submitted_and_by_everyone_once_published(
    app: TestApp,
) {
    // Arrange
    let other_staff = app
        .create_actor(Role::Staff, "sven", &["customer-service"])
        .await;
    let viewers = [
        (Caller::Author, Some(app.staff())),
        (Caller::OtherStaff, Some(&other_staff)),
        (Caller::Manager, Some(app.manager())),
        (Caller::Comms, Some(app.comms())),
        (Caller::Admin, Some(app.admin())),
        (Caller::Anonymous, None),
    ];
    let node_query =
        format!("query($id: ID!) {{ node(id: $id) {{ ... on GuestPost {{ {POST_FIELDS} }} }} }}");
    let trail_query =
        "query($id: ID!) { post(id: $id) { title reviewEvents { to } revisions { number } } }";
    let mut failures = Vec::new();

    for (n, stage) in Stage::ALL.into_iter().enumerate() {
        let id = app
            .post_in(app.staff(), stage, &format!("Visibility {n}"))
            .await;
        for (caller, viewer) in viewers {
            // Act
            let typed = app.post_as(viewer, &id).await;
            let node = app.gql(viewer, &node_query, json!({ "id": id })).await;
            let with_trail = app.gql(viewer, trail_query, json!({ "id": id })).await;

            // Assert
            let who = format!("{stage:?} seen by {caller:?}");
            let expected = match caller {
                Caller::Anonymous => Some("UNAUTHENTICATED"),
                caller if caller.sees(stage) => None,
                _ => Some("NOT_FOUND"),
            };
            if typed.code() != expected {
                failures.push(format!(
                    "post(id:) {who}: expected {expected:?}, got {}",
                    typed.body
                ));
            }
            if node.code() != expected {
                failures.push(format!(
                    "node(id:) {who}: expected {expected:?}, got {}",
                    node.body
                ));
            }
            if expected.is_none() && typed.body["data"]["post"] != node.body["data"]["node"] {
                failures.push(format!("{who}: node(id:) differs from post(id:)"));
            }
            // The trail is for the author and reviewers, not every reader.
            let trail_expected = match (expected, caller) {
                (Some(code), _) => Some(code),
                (None, Caller::Author | Caller::Comms | Caller::Admin) => None,
                (None, _) => Some("FORBIDDEN"),
            };
            if with_trail.code() != trail_expected {
                failures.push(format!(
                    "reviewEvents {who}: expected {trail_expected:?}, got {}",
                    with_trail.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} visibility checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
db_test!(a_post_is_seen_by_its_author_by_reviewers_once_submitted_and_by_everyone_once_published);

async fn the_public_blog_shows_published_posts_only_and_no_private_fields(app: TestApp) {
    // Arrange
    let older = app.publish_post("Older story", "First.").await;
    let newer = app.publish_post("Newer story", "Second.").await;
    let approved = app
        .post_in(app.staff(), Stage::Approved, "Approved, not out")
        .await;
    let in_review = app
        .post_in(app.staff(), Stage::InReview, "Still in review")
        .await;
    let taken_down = app.publish_post("Taken down", "Oops.").await;
    app.post_step_ok(app.comms(), "unpublishPost", &id_of(&taken_down), json!({}))
        .await;
    let list = "query($department: String) { publicPosts(department: $department) { edges { node { slug title excerpt bodyHtml publishedAt author { displayName title } department { slug name } } } } }";
    let one = "query($slug: String!) { publicPost(slug: $slug) { slug title } }";
    let slug_of = |id: &str| {
        let app = app.clone();
        let id = id.to_owned();
        async move { app.post_seen_by(app.staff(), &id).await["slug"].clone() }
    };

    // Act
    let anonymous = app.gql(None, list, json!({})).await;
    let signed_in = app.gql(Some(app.manager()), list, json!({})).await;
    let by_department = app
        .gql(None, list, json!({ "department": "customer-service" }))
        .await;
    let other_department = app.gql(None, list, json!({ "department": "sales" })).await;
    let unknown_department = app
        .gql(None, list, json!({ "department": "nowhere" }))
        .await;
    let hidden = [
        slug_of(&approved).await,
        slug_of(&in_review).await,
        taken_down["slug"].clone(),
        json!("no-such-post"),
        json!("Not a slug!"),
    ];

    // Assert
    let slugs = |response: &GqlResponse| -> Vec<Value> {
        response.data()["publicPosts"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["slug"].clone())
            .collect()
    };
    let expected = vec![newer["slug"].clone(), older["slug"].clone()];
    assert_eq!(slugs(&anonymous), expected, "published only, newest first");
    assert_eq!(slugs(&signed_in), expected);
    assert_eq!(slugs(&by_department), expected);
    assert_eq!(slugs(&other_department), Vec::<Value>::new());
    unknown_department.expect_error("NOT_FOUND");
    let node = &anonymous.data()["publicPosts"]["edges"][0]["node"];
    assert_eq!(node["title"], "Newer story");
    assert_eq!(node["author"]["displayName"], "Stella Tester");
    assert_eq!(node["department"]["slug"], "customer-service");
    assert!(
        node["bodyHtml"]
            .as_str()
            .is_some_and(|h| h.contains("Second."))
    );
    app.gql(None, one, json!({ "slug": older["slug"] }))
        .await
        .data();
    for slug in hidden {
        app.gql(None, one, json!({ "slug": slug }))
            .await
            .expect_error("NOT_FOUND");
    }

    // No private field exists on the public types, so none can be asked for.
    for private in [
        "author { email }",
        "author { handle }",
        "reviewEvents { comment }",
        "revisions { body }",
        "status",
        "id",
        "body",
    ] {
        let response = app
            .gql(
                None,
                &format!("query($slug: String!) {{ publicPost(slug: $slug) {{ {private} }} }}"),
                json!({ "slug": older["slug"] }),
            )
            .await;
        response.expect_error("GRAPHQL_VALIDATION_FAILED");
    }
    let types = app
        .gql(
            None,
            "{ post: __type(name: \"PublicPost\") { fields { name } } author: __type(name: \"PublicAuthor\") { fields { name } } department: __type(name: \"PublicDepartment\") { fields { name } } }",
            json!({}),
        )
        .await;
    let names = |t: &str| -> BTreeSet<String> {
        types.data()[t]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let set = |names: &[&str]| {
        names
            .iter()
            .map(|n| (*n).to_owned())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        names("post"),
        set(&[
            "slug",
            "title",
            "excerpt",
            "bodyHtml",
            "publishedAt",
            "author",
            "department"
        ])
    );
    assert_eq!(names("author"), set(&["displayName", "title"]));
    assert_eq!(names("department"), set(&["slug", "name"]));
}
db_test!(the_public_blog_shows_published_posts_only_and_no_private_fields);

async fn public_posts_page_through_with_cursors_newest_first(app: TestApp) {
    // Arrange
    let mut published = Vec::new();
    for n in 0..5 {
        let post = app
            .publish_post(&format!("Story number {n}"), "Body.")
            .await;
        published.push(post["slug"].as_str().expect("slug").to_owned());
    }
    published.reverse();
    let query = "query($first: Int, $after: String, $last: Int, $before: String) { publicPosts(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { slug } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let slugs = |connection: &Value| -> Vec<String> {
        connection["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["slug"].as_str().expect("slug").to_owned())
            .collect()
    };

    // Act: forward, two at a time.
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut after = Value::Null;
    loop {
        let response = app
            .gql(None, query, json!({ "first": 2, "after": after }))
            .await;
        let connection = response.data()["publicPosts"].clone();
        seen.extend(slugs(&connection));
        pages.push(connection.clone());
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        assert!(pages.len() < 10, "paging does not end");
        after = connection["pageInfo"]["endCursor"].clone();
    }
    // Backward from the end of the second page.
    let before = pages[1]["pageInfo"]["endCursor"].clone();
    let backward = app
        .gql(None, query, json!({ "last": 2, "before": before }))
        .await;
    let bad_cursor = app
        .gql(None, query, json!({ "first": 2, "after": "not-a-cursor" }))
        .await;
    let too_many = app.gql(None, query, json!({ "first": 101 })).await;

    // Assert
    assert_eq!(seen, published, "every post once, newest first");
    assert_eq!(
        pages.iter().map(|p| slugs(p).len()).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    assert_eq!(pages[0]["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(pages[1]["pageInfo"]["hasPreviousPage"], true);
    let backward = &backward.data()["publicPosts"];
    assert_eq!(slugs(backward), published[1..3].to_vec());
    assert_eq!(backward["pageInfo"]["hasPreviousPage"], true);
    bad_cursor.expect_bad_input("after");
    too_many.expect_bad_input("first");
}
db_test!(public_posts_page_through_with_cursors_newest_first);

const POST_MESSAGE: &str =
    "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }";
const DRAFT_WITH_SOURCE: &str = "mutation($input: CreatePostDraftInput!) { createPostDraft(input: $input) { post { id sourceThread { id body } } } }";

async fn message_in(
    app: &TestApp,
    author: &crate::helpers::Actor,
    channel: &str,
    body: &str,
    parent: Option<&str>,
) -> String {
    let response = app
        .gql(
            Some(author),
            POST_MESSAGE,
            json!({ "input": { "channelId": channel, "body": body, "parentId": parent } }),
        )
        .await;
    response.data()["postMessage"]["message"]["id"]
        .as_str()
        .expect("message id")
        .to_owned()
}

async fn a_post_names_the_thread_it_grew_from(app: TestApp) {
    // Arrange: a public thread, a reply in it, and a private thread the
    // staff author is not in.
    let public = app
        .create_channel(app.staff(), "support-wins", "PUBLIC", &["customer-service"])
        .await;
    let thread = message_in(
        &app,
        app.staff(),
        &public,
        "We closed 4,000 chats this quarter!",
        None,
    )
    .await;
    let reply = message_in(
        &app,
        app.staff(),
        &public,
        "Worth a blog post?",
        Some(&thread),
    )
    .await;
    let private = app
        .create_channel(app.comms(), "press-room", "PRIVATE", &["communications"])
        .await;
    let secret = message_in(&app, app.comms(), &private, "Embargoed until Monday.", None).await;
    let department = app.department_id("customer-service").await;
    let draft = |source: &str| json!({ "input": { "title": "4,000 chats", "body": "What we learned.", "departmentId": department, "sourceThreadId": source } });

    // Act
    let created = app
        .gql(Some(app.staff()), DRAFT_WITH_SOURCE, draft(&thread))
        .await;
    let before = app.snapshot().await;
    let from_reply = app
        .gql(Some(app.staff()), DRAFT_WITH_SOURCE, draft(&reply))
        .await;
    let from_secret = app
        .gql(Some(app.staff()), DRAFT_WITH_SOURCE, draft(&secret))
        .await;
    let from_a_post = app
        .gql(Some(app.staff()), DRAFT_WITH_SOURCE, draft(&department))
        .await;

    // Assert
    let post = &created.data()["createPostDraft"]["post"];
    assert_eq!(post["sourceThread"]["id"], thread.as_str());
    assert_eq!(
        post["sourceThread"]["body"],
        "We closed 4,000 chats this quarter!"
    );
    from_reply.expect_bad_input("sourceThreadId");
    from_secret.expect_error("NOT_FOUND");
    from_a_post.expect_bad_input("sourceThreadId");
    assert_eq!(
        app.snapshot().await,
        before,
        "refused drafts changed nothing"
    );

    // A public thread is visible to the reviewer; a private one the
    // reviewer is not in is not, though the post itself is.
    let post_id = post["id"].as_str().expect("post id").to_owned();
    let team = app
        .create_channel(
            app.staff(),
            "support-team",
            "PRIVATE",
            &["customer-service"],
        )
        .await;
    let team_thread = message_in(&app, app.staff(), &team, "Our own retro notes.", None).await;
    let private_post = app
        .gql(Some(app.staff()), DRAFT_WITH_SOURCE, draft(&team_thread))
        .await;
    let private_post_id = private_post.data()["createPostDraft"]["post"]["id"]
        .as_str()
        .expect("post id")
        .to_owned();
    let source_seen_by_reviewer = |id: String| {
        let app = app.clone();
        async move {
            app.post_step_ok(app.staff(), "submitPost", &id, json!({}))
                .await;
            let seen = app
                .gql(
                    Some(app.comms()),
                    "query($id: ID!) { post(id: $id) { id sourceThread { id } } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(seen.data()["post"]["id"], id.as_str());
            seen.data()["post"]["sourceThread"]["id"].clone()
        }
    };
    assert_eq!(source_seen_by_reviewer(post_id).await, thread.as_str());
    assert!(source_seen_by_reviewer(private_post_id).await.is_null());
}
db_test!(a_post_names_the_thread_it_grew_from);
