//! The audit log: administrative and editorial actions recorded with their
//! actor, subject, before and after and request id, in the action's
//! transaction; read by administrators only, filtered by actor, action and
//! day.

use serde_json::{Value, json};
use synaps::auth::Role;

use crate::db_test;
use crate::helpers::{Actor, TestApp};

const LOG: &str = "query($first: Int, $actor: String, $action: String, $from: NaiveDate, $to: NaiveDate) { auditLog(first: $first, actor: $actor, action: $action, from: $from, to: $to) { edges { node { at action actor { handle } subjectKind subjectId before after requestId } } pageInfo { hasNextPage } } }";
const SET_ROLE: &str =
    "mutation($input: SetUserRoleInput!) { setUserRole(input: $input) { user { handle role } } }";
const UPDATE_USER: &str =
    "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { handle } } }";
const DEACTIVATE: &str =
    "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { handle } } }";
const ADD_MEMBER: &str = "mutation($input: DepartmentMemberInput!) { addDepartmentMember(input: $input) { department { slug } } }";
const REMOVE_MEMBER: &str = "mutation($input: DepartmentMemberInput!) { removeDepartmentMember(input: $input) { department { slug } } }";
const ARCHIVE: &str =
    "mutation($input: ArchiveChannelInput!) { archiveChannel(input: $input) { channel { id } } }";
const UPDATE_PROFILE: &str =
    "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { handle } } }";

/// The log as `viewer` reads it with `variables`, newest first.
async fn log(app: &TestApp, viewer: &Actor, variables: Value) -> Vec<Value> {
    let response = app.gql(Some(viewer), LOG, variables).await;
    response.data()["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect()
}

fn json_of(text: &Value) -> Value {
    serde_json::from_str(text.as_str().expect("a JSON text")).expect("JSON")
}

async fn administrative_and_editorial_actions_are_logged_with_what_changed(app: TestApp) {
    let admin = app.admin();
    // People: created, changed, given a role, moved, deactivated.
    let dora = app.create_actor(Role::Staff, "dora", &["hr"]).await;
    app.gql(
        Some(admin),
        UPDATE_USER,
        json!({ "input": { "id": dora.id, "title": "Recruiter" } }),
    )
    .await
    .data();
    app.gql(
        Some(admin),
        SET_ROLE,
        json!({ "input": { "id": dora.id, "role": "MANAGER" } }),
    )
    .await
    .data();
    let sales = app.department_id("sales").await;
    let member = json!({ "input": { "departmentId": sales, "userId": dora.id } });
    app.gql(Some(admin), ADD_MEMBER, member.clone())
        .await
        .data();
    app.gql(Some(admin), REMOVE_MEMBER, member).await.data();
    app.gql(
        Some(admin),
        DEACTIVATE,
        json!({ "input": { "id": dora.id } }),
    )
    .await
    .data();
    // Channels: created (by staff too), archived.
    let channel = app
        .create_channel(app.staff(), "launch", "PUBLIC", &["sales"])
        .await;
    app.gql(
        Some(app.staff()),
        ARCHIVE,
        json!({ "input": { "channelId": channel } }),
    )
    .await
    .data();
    // Posts: the reviewers' steps, not the author's.
    let post = app.publish_post("A title", "A body.").await;

    // Newest first; before these, the test's own setup (departments and
    // its four people, created through the API).
    let entries = log(&app, admin, json!({ "first": 50 })).await;
    assert_eq!(
        actions(&entries[..10]),
        [
            "post.published",
            "post.approved",
            "channel.archived",
            "channel.created",
            "user.deactivated",
            "department.member_removed",
            "department.member_added",
            "user.role_changed",
            "user.updated",
            "user.created",
        ],
        "{entries:#?}"
    );
    let by_action = |name: &str| {
        entries
            .iter()
            .find(|e| e["action"] == name)
            .expect(name)
            .clone()
    };

    let role = by_action("user.role_changed");
    assert_eq!(role["actor"]["handle"], "adam");
    assert_eq!(role["subjectKind"], "user");
    assert_eq!(role["subjectId"], dora.id.as_str());
    assert_eq!(json_of(&role["before"]), json!({ "role": "staff" }));
    assert_eq!(json_of(&role["after"]), json!({ "role": "manager" }));
    assert!(
        role["requestId"].as_str().is_some_and(|id| !id.is_empty()),
        "{role}"
    );

    let updated = by_action("user.updated");
    assert_eq!(json_of(&updated["before"])["title"], "");
    assert_eq!(json_of(&updated["after"])["title"], "Recruiter");
    let created = by_action("user.created");
    assert!(created["before"].is_null());
    assert_eq!(json_of(&created["after"])["handle"], "dora");
    assert_eq!(json_of(&created["after"])["departments"], json!(["hr"]));

    let archived = by_action("channel.archived");
    assert_eq!(archived["actor"]["handle"], "stella");
    assert_eq!(archived["subjectId"], channel.as_str());
    assert!(json_of(&archived["after"])["archivedAt"].is_string());

    let published = by_action("post.published");
    assert_eq!(published["actor"]["handle"], "corinna");
    assert_eq!(published["subjectKind"], "post");
    assert_eq!(published["subjectId"], post["id"]);
    assert_eq!(json_of(&published["before"])["status"], "APPROVED");
    assert_eq!(json_of(&published["after"])["status"], "PUBLISHED");

    // Filters: by actor, by action, by day.
    let by_corinna = log(&app, admin, json!({ "actor": "@corinna" })).await;
    assert_eq!(actions(&by_corinna), ["post.published", "post.approved"]);
    let roles = log(&app, admin, json!({ "action": "user.role_changed" })).await;
    assert_eq!(actions(&roles), ["user.role_changed"]);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        log(
            &app,
            admin,
            json!({ "from": today.to_string(), "first": 50 })
        )
        .await
        .len(),
        entries.len()
    );
    assert!(
        log(&app, admin, json!({ "from": tomorrow.to_string() }))
            .await
            .is_empty()
    );
    assert!(
        log(&app, admin, json!({ "to": today.to_string() }))
            .await
            .is_empty()
    );
    let unknown = app
        .gql(Some(admin), LOG, json!({ "action": "user.hacked" }))
        .await;
    assert_eq!(unknown.code(), Some("BAD_USER_INPUT"));
    let nobody = app
        .gql(Some(admin), LOG, json!({ "actor": "nobody" }))
        .await;
    assert_eq!(nobody.code(), Some("BAD_USER_INPUT"));
}
db_test!(administrative_and_editorial_actions_are_logged_with_what_changed);

async fn refused_actions_and_own_changes_leave_no_entry_and_only_admins_read_it(app: TestApp) {
    let admin = app.admin();
    let before = app.count_rows("audit_log").await;
    // Refused: one's own role; a channel slug that is taken.
    let own = app
        .gql(
            Some(admin),
            SET_ROLE,
            json!({ "input": { "id": admin.id, "role": "STAFF" } }),
        )
        .await;
    assert_eq!(own.code(), Some("BAD_USER_INPUT"));
    app.create_channel(app.staff(), "taken", "PUBLIC", &["sales"])
        .await;
    let clash = app
        .try_create_channel(Some(app.manager()), "taken", "PUBLIC", &["sales"])
        .await;
    assert_eq!(clash.code(), Some("CONFLICT"));
    // Not administrative: a person's own profile.
    app.gql(
        Some(app.staff()),
        UPDATE_PROFILE,
        json!({ "input": { "title": "Lead" } }),
    )
    .await
    .data();
    assert_eq!(
        app.count_rows("audit_log").await,
        before + 1,
        "only the channel created"
    );

    for viewer in [app.staff(), app.manager(), app.comms()] {
        let response = app.gql(Some(viewer), LOG, json!({})).await;
        assert_eq!(response.code(), Some("FORBIDDEN"), "{:?}", viewer.role);
    }
    let anonymous = app.gql(None, LOG, json!({})).await;
    assert_eq!(anonymous.code(), Some("UNAUTHENTICATED"));
}
db_test!(refused_actions_and_own_changes_leave_no_entry_and_only_admins_read_it);
