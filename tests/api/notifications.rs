//! Notifications: the guest-post workflow tells the next people to act
//! (reviewers on submit, the author on every decision), and each person
//! reads and marks only their own.

use serde_json::{Value, json};
use synaps::auth::Role;

use crate::db_test;
use crate::helpers::posts::Stage;
use crate::helpers::{Actor, TestApp};

const NOTIFICATIONS: &str = "query($unreadOnly: Boolean! = false) { notifications(unreadOnly: $unreadOnly, first: 50) { edges { node { id kind message actor { handle } post { id } readAt createdAt } } } unreadNotificationCount }";
const MARK_READ: &str = "mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { marked unreadCount } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Notification { message } } }";

/// `actor`'s notifications, newest first (all, or only the unread).
async fn notifications_of(app: &TestApp, actor: &Actor, unread_only: bool) -> Vec<Value> {
    let response = app
        .gql(
            Some(actor),
            NOTIFICATIONS,
            json!({ "unreadOnly": unread_only }),
        )
        .await;
    response.data()["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn unread_count(app: &TestApp, actor: &Actor) -> i64 {
    app.gql(Some(actor), "{ unreadNotificationCount }", json!({}))
        .await
        .data()["unreadNotificationCount"]
        .as_i64()
        .expect("a count")
}

/// `(kind, actor handle or "-", post id)` of each notification.
fn summary(notifications: &[Value]) -> Vec<(String, String, String)> {
    notifications
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap_or("?").to_owned(),
                n["actor"]["handle"].as_str().unwrap_or("-").to_owned(),
                n["post"]["id"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

fn ids(notifications: &[Value]) -> Vec<String> {
    notifications
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn submitting_a_post_notifies_every_active_reviewer_but_not_its_author(app: TestApp) {
    // Arrange
    let carla = app
        .create_actor(Role::Comms, "carla", &["communications"])
        .await;
    let gone = app
        .create_actor(Role::Comms, "colm", &["communications"])
        .await;
    app.gql(
        Some(app.admin()),
        "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { id } } }",
        json!({ "input": { "id": gone.id } }),
    )
    .await
    .data();
    let staff_post = app
        .post_in(app.staff(), Stage::Draft, "Ready for review")
        .await;
    let comms_post = app
        .post_in(app.comms(), Stage::Draft, "A reviewer's own post")
        .await;
    let before = app.count_rows("notifications").await;

    // Act
    app.post_step_ok(app.staff(), "submitPost", &staff_post, json!({}))
        .await;
    let after_staff_submit = app.count_rows("notifications").await;
    app.post_step_ok(app.comms(), "submitPost", &comms_post, json!({}))
        .await;

    // Assert
    let request = |actor: &str, post: &str| {
        (
            "REVIEW_REQUEST".to_owned(),
            actor.to_owned(),
            post.to_owned(),
        )
    };
    assert_eq!(
        after_staff_submit - before,
        3,
        "corinna, adam and carla; not the deactivated colm"
    );
    assert_eq!(
        summary(&notifications_of(&app, app.comms(), false).await),
        vec![request("stella", &staff_post)],
        "the comms author is not told about their own post"
    );
    for reviewer in [app.admin(), &carla] {
        let notes = notifications_of(&app, reviewer, false).await;
        assert_eq!(
            summary(&notes),
            vec![
                request("corinna", &comms_post),
                request("stella", &staff_post)
            ],
            "{}",
            reviewer.handle
        );
        assert!(
            notes[1]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Ready for review")),
            "{notes:?}"
        );
    }
    for bystander in [app.staff(), app.manager()] {
        assert_eq!(
            notifications_of(&app, bystander, false).await,
            Vec::<Value>::new(),
            "{}",
            bystander.handle
        );
    }
}
db_test!(submitting_a_post_notifies_every_active_reviewer_but_not_its_author);

async fn every_decision_on_a_post_notifies_its_author_and_nobody_else(app: TestApp) {
    // Arrange
    let (author, reviewer) = (app.staff(), app.comms());
    let id = app.post_in(author, Stage::InReview, "Decide on me").await;
    let rejected = app.post_in(author, Stage::InReview, "Reject me").await;
    let withdrawn = app.post_in(author, Stage::InReview, "Withdraw me").await;
    let reviewer_notes_before = notifications_of(&app, reviewer, false).await.len();
    let admin_notes_before = notifications_of(&app, app.admin(), false).await.len();

    // Act
    let changes = app
        .post_step_ok(
            reviewer,
            "requestPostChanges",
            &id,
            json!({ "comment": "Name the customer." }),
        )
        .await;
    app.update_post_draft(
        Some(author),
        &id,
        json!({ "expectedVersion": changes["version"], "body": "Acme Ltd." }),
    )
    .await
    .data();
    app.post_step_ok(author, "submitPost", &id, json!({})).await;
    for (mutation, input) in [
        ("approvePost", json!({ "comment": "Good." })),
        (
            "schedulePost",
            json!({ "publishAt": crate::helpers::posts::seconds_from_now(3600) }),
        ),
        ("unschedulePost", json!({})),
        ("publishPost", json!({})),
        ("unpublishPost", json!({})),
    ] {
        app.post_step_ok(reviewer, mutation, &id, input).await;
    }
    app.post_step_ok(
        reviewer,
        "rejectPost",
        &rejected,
        json!({ "reason": "Off topic for the blog." }),
    )
    .await;
    let rows_before_withdraw = app.count_rows("notifications").await;
    app.post_step_ok(author, "withdrawPost", &withdrawn, json!({}))
        .await;
    let rows_after_withdraw = app.count_rows("notifications").await;

    // Assert
    let notes = notifications_of(&app, author, false).await;
    let decision = |post: &str| {
        (
            "REVIEW_DECISION".to_owned(),
            "corinna".to_owned(),
            post.to_owned(),
        )
    };
    assert_eq!(
        summary(&notes),
        vec![
            decision(&rejected),
            decision(&id),
            decision(&id),
            decision(&id),
            decision(&id),
            decision(&id),
            decision(&id),
        ],
        "reject, unpublish, publish, unschedule, schedule, approve, request changes"
    );
    let message = |n: usize| notes[n]["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        message(0).contains("Off topic for the blog."),
        "{}",
        message(0)
    );
    assert!(message(6).contains("Name the customer."), "{}", message(6));
    assert!(message(5).contains("Good."), "{}", message(5));
    assert!(notes.iter().all(|n| n["readAt"].is_null()));
    assert_eq!(unread_count(&app, author).await, 7);
    // The deciding reviewer hears only of the resubmission; the other
    // reviewer only of the resubmission too.
    assert_eq!(
        notifications_of(&app, reviewer, false).await.len(),
        reviewer_notes_before + 1
    );
    assert_eq!(
        notifications_of(&app, app.admin(), false).await.len(),
        admin_notes_before + 1
    );
    assert_eq!(
        rows_after_withdraw, rows_before_withdraw,
        "withdrawing tells nobody"
    );
}
db_test!(every_decision_on_a_post_notifies_its_author_and_nobody_else);

async fn notifications_are_counted_listed_and_marked_read(app: TestApp) {
    // Arrange
    for n in 0..3 {
        app.post_in(app.staff(), Stage::InReview, &format!("To review {n}"))
            .await;
    }
    let reviewer = app.comms();
    let all = ids(&notifications_of(&app, reviewer, false).await);
    assert_eq!(all.len(), 3);

    // Act + Assert: one by id.
    let unread_before = unread_count(&app, reviewer).await;
    let one = app
        .gql(
            Some(reviewer),
            MARK_READ,
            json!({ "input": { "ids": [all[0]] } }),
        )
        .await;
    assert_eq!(unread_before, 3);
    assert_eq!(
        one.data()["markNotificationsRead"],
        json!({ "marked": 1, "unreadCount": 2 })
    );
    assert_eq!(
        ids(&notifications_of(&app, reviewer, true).await),
        all[1..].to_vec()
    );
    let listed = notifications_of(&app, reviewer, false).await;
    assert_eq!(ids(&listed), all, "read ones stay in the full list");
    assert!(listed[0]["readAt"].is_string() && listed[1]["readAt"].is_null());

    // Again: nothing left to mark.
    let again = app
        .gql(
            Some(reviewer),
            MARK_READ,
            json!({ "input": { "ids": [all[0]] } }),
        )
        .await;
    assert_eq!(
        again.data()["markNotificationsRead"],
        json!({ "marked": 0, "unreadCount": 2 })
    );

    // Then all of them.
    let rest = app
        .gql(Some(reviewer), MARK_READ, json!({ "input": {} }))
        .await;
    assert_eq!(
        rest.data()["markNotificationsRead"],
        json!({ "marked": 2, "unreadCount": 0 })
    );
    assert_eq!(
        notifications_of(&app, reviewer, true).await,
        Vec::<Value>::new()
    );
    assert_eq!(unread_count(&app, reviewer).await, 0);
    // Another reviewer's copies are theirs: still unread.
    assert_eq!(unread_count(&app, app.admin()).await, 3);
}
db_test!(notifications_are_counted_listed_and_marked_read);

async fn nobody_reads_or_marks_someone_elses_notifications(app: TestApp) {
    // Arrange
    app.post_in(app.staff(), Stage::InReview, "For Corinna's eyes")
        .await;
    let theirs = ids(&notifications_of(&app, app.comms(), false).await)
        .pop()
        .expect("a notification");
    let post = app
        .post_in(app.staff(), Stage::Draft, "Not a notification")
        .await;

    // Act
    let before = app.snapshot().await;
    let marked_by_admin = app
        .gql(
            Some(app.admin()),
            MARK_READ,
            json!({ "input": { "ids": [theirs] } }),
        )
        .await;
    let unchanged = app.snapshot().await == before;
    let node_as = |actor: Option<&Actor>| {
        let app = app.clone();
        let actor = actor.cloned();
        let id = theirs.clone();
        async move { app.gql(actor.as_ref(), NODE, json!({ "id": id })).await }
    };
    let by_owner = node_as(Some(app.comms())).await;
    let by_admin = node_as(Some(app.admin())).await;
    let by_staff = node_as(Some(app.staff())).await;
    let by_anonymous = node_as(None).await;
    let bad_ids = [
        json!(["garbage"]),
        json!([post]),
        json!(vec![theirs.clone(); 501]),
    ];
    let mut bad_responses = Vec::new();
    for ids in bad_ids {
        let before = app.snapshot().await;
        let response = app
            .gql(
                Some(app.comms()),
                MARK_READ,
                json!({ "input": { "ids": ids } }),
            )
            .await;
        bad_responses.push((response, app.snapshot().await == before));
    }
    let anonymous = [
        app.gql(None, NOTIFICATIONS, json!({})).await,
        app.gql(None, "{ unreadNotificationCount }", json!({}))
            .await,
        app.gql(None, MARK_READ, json!({ "input": {} })).await,
    ];

    // Assert
    assert_eq!(marked_by_admin.data()["markNotificationsRead"]["marked"], 0);
    assert!(unchanged, "marking someone else's notification changed it");
    assert_eq!(unread_count(&app, app.comms()).await, 1);
    assert_eq!(by_owner.data()["node"]["id"], theirs);
    assert!(by_owner.data()["node"]["message"].is_string());
    by_admin.expect_error("NOT_FOUND");
    by_staff.expect_error("NOT_FOUND");
    by_anonymous.expect_error("UNAUTHENTICATED");
    for (response, unchanged) in bad_responses {
        response.expect_bad_input("ids");
        assert!(unchanged, "a refused mark changed the database");
    }
    for response in anonymous {
        response.expect_error("UNAUTHENTICATED");
    }
}
db_test!(nobody_reads_or_marks_someone_elses_notifications);
