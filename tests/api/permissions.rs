//! The roles table (docs/DESIGN.md, "Roles and what they may do") as a matrix:
//! every mutation and every protected query, for an anonymous caller and for
//! each role, is either allowed or refused with the code the table implies.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use synaps::auth::Role;

use crate::db_test;
use crate::helpers::{Actor, PASSWORD, TestApp, missing_user_id, role_value};

/// Who a row is allowed for.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// Everyone, signed in or not.
    Anyone,
    /// Every role; anonymous callers get `UNAUTHENTICATED`.
    SignedIn,
    /// Admins; other roles get `FORBIDDEN`, anonymous callers `UNAUTHENTICATED`.
    Admins,
}

impl Who {
    /// `None` when `role` may; otherwise the code the refusal carries.
    fn refusal(self, role: Option<Role>) -> Option<&'static str> {
        match (self, role) {
            (Who::Anyone, _) => None,
            (_, None) => Some("UNAUTHENTICATED"),
            (Who::SignedIn, Some(_)) | (Who::Admins, Some(Role::Admin)) => None,
            (Who::Admins, Some(_)) => Some("FORBIDDEN"),
        }
    }
}

/// One request of the matrix: who sends it, with which variables.
struct Call {
    caller: Option<Actor>,
    variables: Value,
}

/// Arranges a fresh call for a caller with `role` (`None`: anonymous), so
/// that rows which consume state (sessions, passwords, accounts) never spoil
/// a later row.
type Arrange = for<'a> fn(&'a TestApp, Option<Role>) -> BoxFuture<'a, Call>;

struct Row {
    name: &'static str,
    operation: &'static str,
    who: Who,
    arrange: Arrange,
}

/// Callers in the order the matrix tries them.
const CALLERS: [Option<Role>; 5] = [
    None,
    Some(Role::Staff),
    Some(Role::Manager),
    Some(Role::Comms),
    Some(Role::Admin),
];

fn label(role: Option<Role>) -> &'static str {
    role.map_or("anonymous", Role::as_str)
}

/// The caller's own standing session.
fn as_caller(app: &TestApp, role: Option<Role>, variables: Value) -> Call {
    Call {
        caller: app.actor(role).cloned(),
        variables,
    }
}

/// A person for an admin mutation to act on, made fresh for each call.
async fn fresh_target(app: &TestApp, prefix: &str, role: Option<Role>) -> String {
    let handle = format!("{prefix}-{}", label(role));
    app.create_actor(Role::Staff, &handle, &["marketing"])
        .await
        .id
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            name: "login",
            operation: "mutation($input: LoginInput!) { login(input: $input) { accessToken user { handle } } }",
            who: Who::Anyone,
            arrange: |app, role| {
                async move {
                    let email = app.actor(role).unwrap_or(app.staff()).email.clone();
                    as_caller(
                        app,
                        role,
                        json!({ "input": { "email": email, "password": PASSWORD } }),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "refreshSession",
            operation: "mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { accessToken refreshToken } }",
            who: Who::Anyone,
            arrange: |app, role| {
                async move {
                    let owner = app.actor(role).unwrap_or(app.staff());
                    let session = app.sign_in_again(owner).await;
                    as_caller(
                        app,
                        role,
                        json!({ "input": { "refreshToken": session.refresh_token } }),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "logout",
            operation: "mutation { logout { ok } }",
            who: Who::SignedIn,
            arrange: |app, role| {
                async move {
                    let caller = match app.actor(role) {
                        Some(actor) => Some(app.sign_in_again(actor).await),
                        None => None,
                    };
                    Call {
                        caller,
                        variables: json!({}),
                    }
                }
                .boxed()
            },
        },
        Row {
            name: "changePassword",
            operation: "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }",
            who: Who::SignedIn,
            arrange: |app, role| {
                async move {
                    // Changing a password signs out every session of that
                    // person, so the caller is a new person with the role.
                    let caller = match role {
                        Some(role) => Some(
                            app.create_actor(role, &format!("pw-{}", role.as_str()), &[])
                                .await,
                        ),
                        None => None,
                    };
                    Call {
                        caller,
                        variables: json!({ "input": {
                            "currentPassword": PASSWORD,
                            "newPassword": "an entirely new passphrase",
                        }}),
                    }
                }
                .boxed()
            },
        },
        Row {
            name: "updateProfile",
            operation: "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { bio } } }",
            who: Who::SignedIn,
            arrange: |app, role| {
                async move {
                    let bio = format!("Written as {}.", label(role));
                    as_caller(app, role, json!({ "input": { "bio": bio } }))
                }
                .boxed()
            },
        },
        Row {
            name: "createUser",
            operation: "mutation($input: CreateUserInput!) { createUser(input: $input) { user { handle } } }",
            who: Who::Admins,
            arrange: |app, role| {
                async move {
                    let email = format!("created-by-{}@example.com", label(role));
                    as_caller(
                        app,
                        role,
                        json!({ "input": {
                            "email": email,
                            "displayName": "Created Person",
                            "role": "STAFF",
                            "departments": ["sales"],
                            "password": PASSWORD,
                        }}),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "updateUser",
            operation: "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { title } } }",
            who: Who::Admins,
            arrange: |app, role| {
                async move {
                    let id = fresh_target(app, "update", role).await;
                    as_caller(
                        app,
                        role,
                        json!({ "input": { "id": id, "title": "Retitled" } }),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "setUserRole",
            operation: "mutation($input: SetUserRoleInput!) { setUserRole(input: $input) { user { role } } }",
            who: Who::Admins,
            arrange: |app, role| {
                async move {
                    let id = fresh_target(app, "promote", role).await;
                    as_caller(
                        app,
                        role,
                        json!({ "input": { "id": id, "role": role_value(Role::Manager) } }),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "deactivateUser",
            operation: "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { deactivatedAt } } }",
            who: Who::Admins,
            arrange: |app, role| {
                async move {
                    let id = fresh_target(app, "leaver", role).await;
                    as_caller(app, role, json!({ "input": { "id": id } }))
                }
                .boxed()
            },
        },
        Row {
            name: "createDepartment",
            operation: "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { slug } } }",
            who: Who::Admins,
            arrange: |app, role| {
                async move {
                    let slug = format!("made-by-{}", label(role));
                    as_caller(
                        app,
                        role,
                        json!({ "input": { "slug": slug, "name": "Made Here" } }),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "updateDepartment",
            operation: "mutation($input: UpdateDepartmentInput!) { updateDepartment(input: $input) { department { name } } }",
            who: Who::Admins,
            arrange: |app, role| {
                async move {
                    let slug = format!("to-rename-{}", label(role));
                    let id = app.create_department(&slug, "To Rename").await;
                    as_caller(
                        app,
                        role,
                        json!({ "input": { "id": id, "name": "Renamed" } }),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "addDepartmentMember",
            operation: "mutation($input: DepartmentMemberInput!) { addDepartmentMember(input: $input) { department { memberCount } } }",
            who: Who::Admins,
            arrange: |app, role| {
                async move {
                    let department_id = app.department_id("sales").await;
                    let user_id = fresh_target(app, "joiner", role).await;
                    as_caller(
                        app,
                        role,
                        json!({ "input": { "departmentId": department_id, "userId": user_id } }),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "removeDepartmentMember",
            operation: "mutation($input: DepartmentMemberInput!) { removeDepartmentMember(input: $input) { department { memberCount } } }",
            who: Who::Admins,
            arrange: |app, role| {
                async move {
                    // The fresh target is a member of marketing.
                    let department_id = app.department_id("marketing").await;
                    let user_id = fresh_target(app, "mover", role).await;
                    as_caller(
                        app,
                        role,
                        json!({ "input": { "departmentId": department_id, "userId": user_id } }),
                    )
                }
                .boxed()
            },
        },
        Row {
            name: "me",
            operation: "{ me { handle } }",
            who: Who::SignedIn,
            arrange: |app, role| async move { as_caller(app, role, json!({})) }.boxed(),
        },
        Row {
            name: "user",
            operation: "query($handle: String!) { user(handle: $handle) { handle } }",
            who: Who::SignedIn,
            arrange: |app, role| {
                async move { as_caller(app, role, json!({ "handle": "magnus" })) }.boxed()
            },
        },
        Row {
            name: "users",
            operation: "{ users(first: 10) { totalCount nodes { handle } } }",
            who: Who::SignedIn,
            arrange: |app, role| async move { as_caller(app, role, json!({})) }.boxed(),
        },
        Row {
            name: "departments",
            operation: "{ departments { totalCount nodes { slug memberCount } } }",
            who: Who::SignedIn,
            arrange: |app, role| async move { as_caller(app, role, json!({})) }.boxed(),
        },
        Row {
            name: "department",
            operation: "query($slug: String!) { department(slug: $slug) { slug members { nodes { handle } } } }",
            who: Who::SignedIn,
            arrange: |app, role| {
                async move { as_caller(app, role, json!({ "slug": "sales" })) }.boxed()
            },
        },
        Row {
            name: "node (a User)",
            operation: "query($id: ID!) { node(id: $id) { id ... on User { handle } } }",
            who: Who::SignedIn,
            arrange: |app, role| {
                async move {
                    let id = app.manager().id.clone();
                    as_caller(app, role, json!({ "id": id }))
                }
                .boxed()
            },
        },
        Row {
            name: "node (a Department)",
            operation: "query($id: ID!) { node(id: $id) { id ... on Department { slug } } }",
            who: Who::SignedIn,
            arrange: |app, role| {
                async move {
                    let id = app.department_id("sales").await;
                    as_caller(app, role, json!({ "id": id }))
                }
                .boxed()
            },
        },
    ]
}

async fn every_operation_is_allowed_or_refused_as_the_roles_table_says(app: TestApp) {
    let mut failures = Vec::new();
    for row in rows() {
        for role in CALLERS {
            // Arrange
            let call = (row.arrange)(&app, role).await;
            let before = app.snapshot().await;

            // Act
            let response = app
                .gql(call.caller.as_ref(), row.operation, call.variables)
                .await;

            // Assert
            let who = format!("{} as {}", row.name, label(role));
            match row.who.refusal(role) {
                None => {
                    let data = &response.body["data"];
                    let answered = response.body["errors"].is_null()
                        && data.as_object().is_some_and(|fields| {
                            !fields.is_empty() && fields.values().all(|v| !v.is_null())
                        });
                    if !answered {
                        failures.push(format!(
                            "{who}: expected it to be allowed, got {} {}",
                            response.status, response.body
                        ));
                    }
                }
                Some(code) => {
                    if response.code() != Some(code) || !response.body["data"].is_null() {
                        failures.push(format!(
                            "{who}: expected {code} and no data, got {} {}",
                            response.status, response.body
                        ));
                    } else if app.snapshot().await != before {
                        failures.push(format!(
                            "{who}: refused with {code} but changed the database"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the permission matrix failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
db_test!(every_operation_is_allowed_or_refused_as_the_roles_table_says);

/// A pair of requests that must be answered alike: a typed query and the
/// `node(id:)` query for the same object.
struct Twin {
    typed: (&'static str, Value),
    node: Value,
    /// What the `handle` or `slug` is when the object is found.
    key: Option<&'static str>,
}

async fn node_obeys_the_same_rules_as_the_typed_query_for_every_caller(app: TestApp) {
    // Arrange
    let twins = [
        Twin {
            typed: (
                "query($key: String!) { found: user(handle: $key) { key: handle } }",
                json!({ "key": "magnus" }),
            ),
            node: json!({ "id": app.manager().id }),
            key: Some("magnus"),
        },
        Twin {
            typed: (
                "query($key: String!) { found: department(slug: $key) { key: slug } }",
                json!({ "key": "sales" }),
            ),
            node: json!({ "id": app.department_id("sales").await }),
            key: Some("sales"),
        },
        Twin {
            typed: (
                "query($key: String!) { found: user(handle: $key) { key: handle } }",
                json!({ "key": "nobody-here" }),
            ),
            node: json!({ "id": missing_user_id() }),
            key: None,
        },
    ];
    let node_query = "query($id: ID!) { found: node(id: $id) { ... on User { key: handle } ... on Department { key: slug } } }";

    for twin in &twins {
        for role in CALLERS {
            let caller = app.actor(role);

            // Act
            let typed = app.gql(caller, twin.typed.0, twin.typed.1.clone()).await;
            let node = app.gql(caller, node_query, twin.node.clone()).await;

            // Assert
            let who = format!("{} as {}", twin.typed.1, label(role));
            let expected = match (role, twin.key) {
                (None, _) => Some("UNAUTHENTICATED"),
                (Some(_), None) => Some("NOT_FOUND"),
                (Some(_), Some(_)) => None,
            };
            assert_eq!(typed.code(), expected, "typed {who}: {}", typed.body);
            assert_eq!(node.code(), expected, "node {who}: {}", node.body);
            assert_eq!(typed.body["data"], node.body["data"], "{who}");
            if expected.is_none() {
                assert_eq!(node.data()["found"]["key"], twin.key.unwrap(), "{who}");
            }
        }
    }
}
db_test!(node_obeys_the_same_rules_as_the_typed_query_for_every_caller);
