//! Bad input gets a clear error naming the field at fault, and changes
//! nothing: every refused mutation leaves the database as it was.

use serde_json::{Value, json};
use synaps::auth::Role;

use crate::db_test;
use crate::helpers::{
    Actor, GqlResponse, PASSWORD, TestApp, missing_department_id, missing_user_id,
};

const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id handle } } }";
const UPDATE_USER: &str =
    "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }";
const UPDATE_PROFILE: &str =
    "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { id } } }";
const SET_ROLE: &str =
    "mutation($input: SetUserRoleInput!) { setUserRole(input: $input) { user { role } } }";
const DEACTIVATE: &str = "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { deactivatedAt } } }";
const CREATE_DEPARTMENT: &str = "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } } }";
const UPDATE_DEPARTMENT: &str = "mutation($input: UpdateDepartmentInput!) { updateDepartment(input: $input) { department { id } } }";
const ADD_MEMBER: &str = "mutation($input: DepartmentMemberInput!) { addDepartmentMember(input: $input) { department { id } } }";
const REMOVE_MEMBER: &str = "mutation($input: DepartmentMemberInput!) { removeDepartmentMember(input: $input) { department { id } } }";
const CHANGE_PASSWORD: &str =
    "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }";

/// Sends a request that must be refused, and asserts that the database is
/// exactly as it was before.
async fn refused(
    app: &TestApp,
    caller: Option<&Actor>,
    query: &str,
    variables: Value,
) -> GqlResponse {
    let before = app.snapshot().await;
    let response = app.gql(caller, query, variables.clone()).await;
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused request changed the database: {variables} -> {}",
        response.body
    );
    response
}

/// A valid `createUser` input, changed by `patch`.
fn new_user(patch: Value) -> Value {
    let mut input = json!({
        "email": "new.person@example.com",
        "displayName": "New Person",
        "role": "STAFF",
        "departments": ["sales"],
        "password": PASSWORD,
    });
    for (key, value) in patch.as_object().expect("an object") {
        input[key] = value.clone();
    }
    json!({ "input": input })
}

fn huge() -> String {
    "x".repeat(10_000)
}

async fn a_malformed_email_is_refused_naming_the_email_field(app: TestApp) {
    for email in [
        "",
        "not-an-email",
        "anna@",
        "@example.com",
        "anna@example",
        "anna berg@example.com",
        "anna@@example.com",
        &format!("{}@example.com", "a".repeat(300)),
    ] {
        let response = refused(
            &app,
            Some(app.admin()),
            CREATE_USER,
            new_user(json!({ "email": email })),
        )
        .await;
        response.expect_bad_input("email");
    }

    let staff_id = app.staff().id.clone();
    let response = refused(
        &app,
        Some(app.admin()),
        UPDATE_USER,
        json!({ "input": { "id": staff_id, "email": "stella-at-example.com" } }),
    )
    .await;
    response.expect_bad_input("email");
}
db_test!(a_malformed_email_is_refused_naming_the_email_field);

async fn an_email_that_differs_only_in_case_is_a_conflict(app: TestApp) {
    let response = refused(
        &app,
        Some(app.admin()),
        CREATE_USER,
        new_user(json!({ "email": "  Stella@EXAMPLE.com " })),
    )
    .await;
    response.expect_conflict("email");

    let manager_id = app.manager().id.clone();
    let response = refused(
        &app,
        Some(app.admin()),
        UPDATE_USER,
        json!({ "input": { "id": manager_id, "email": "STELLA@example.com" } }),
    )
    .await;
    response.expect_conflict("email");
}
db_test!(an_email_that_differs_only_in_case_is_a_conflict);

async fn a_taken_handle_is_a_conflict(app: TestApp) {
    for handle in ["stella", "@Stella"] {
        let response = refused(
            &app,
            Some(app.admin()),
            CREATE_USER,
            new_user(json!({ "handle": handle })),
        )
        .await;
        response.expect_conflict("handle");
    }

    let response = refused(
        &app,
        Some(app.staff()),
        UPDATE_PROFILE,
        json!({ "input": { "handle": "magnus" } }),
    )
    .await;
    response.expect_conflict("handle");

    let comms_id = app.comms().id.clone();
    let response = refused(
        &app,
        Some(app.admin()),
        UPDATE_USER,
        json!({ "input": { "id": comms_id, "handle": "adam" } }),
    )
    .await;
    response.expect_conflict("handle");
}
db_test!(a_taken_handle_is_a_conflict);

async fn a_malformed_handle_or_short_password_is_refused_on_create(app: TestApp) {
    for (patch, field) in [
        (json!({ "handle": "a" }), "handle"),
        (json!({ "handle": "_anna" }), "handle"),
        (json!({ "handle": "anna berg" }), "handle"),
        (json!({ "handle": "x".repeat(33) }), "handle"),
        (json!({ "password": "too short" }), "password"),
        (json!({ "password": "p".repeat(257) }), "password"),
        (
            json!({ "departments": ["sales", "no-such-department"] }),
            "departments",
        ),
    ] {
        let response = refused(&app, Some(app.admin()), CREATE_USER, new_user(patch)).await;
        response.expect_bad_input(field);
    }
}
db_test!(a_malformed_handle_or_short_password_is_refused_on_create);

async fn empty_or_huge_text_is_refused_naming_the_field(app: TestApp) {
    // Arrange
    let staff_id = app.staff().id.clone();
    let sales_id = app.department_id("sales").await;
    let mut cases = Vec::new();
    for (patch, field) in [
        (json!({ "displayName": "" }), "displayName"),
        (json!({ "displayName": "   " }), "displayName"),
        (json!({ "displayName": huge() }), "displayName"),
        (json!({ "displayName": "Two\nLines" }), "displayName"),
        (json!({ "title": huge() }), "title"),
    ] {
        cases.push((app.admin(), CREATE_USER, new_user(patch), field));
    }
    for (input, field) in [
        (json!({ "displayName": "" }), "displayName"),
        (json!({ "displayName": huge() }), "displayName"),
        (json!({ "title": huge() }), "title"),
        (json!({ "bio": huge() }), "bio"),
        (json!({ "bio": "a \u{7} bell" }), "bio"),
    ] {
        cases.push((
            app.staff(),
            UPDATE_PROFILE,
            json!({ "input": input }),
            field,
        ));
    }
    for (input, field) in [
        (json!({ "id": staff_id, "displayName": "" }), "displayName"),
        (json!({ "id": staff_id, "bio": huge() }), "bio"),
    ] {
        cases.push((app.admin(), UPDATE_USER, json!({ "input": input }), field));
    }
    for (input, field) in [
        (json!({ "slug": "legal", "name": "" }), "name"),
        (json!({ "slug": "legal", "name": huge() }), "name"),
        (
            json!({ "slug": "legal", "name": "Legal", "description": huge() }),
            "description",
        ),
    ] {
        cases.push((
            app.admin(),
            CREATE_DEPARTMENT,
            json!({ "input": input }),
            field,
        ));
    }
    for (input, field) in [
        (json!({ "id": sales_id, "name": " " }), "name"),
        (json!({ "id": sales_id, "name": huge() }), "name"),
        (
            json!({ "id": sales_id, "description": huge() }),
            "description",
        ),
    ] {
        cases.push((
            app.admin(),
            UPDATE_DEPARTMENT,
            json!({ "input": input }),
            field,
        ));
    }

    for (caller, query, variables, field) in cases {
        // Act
        let response = refused(&app, Some(caller), query, variables).await;

        // Assert
        response.expect_bad_input(field);
    }
}
db_test!(empty_or_huge_text_is_refused_naming_the_field);

async fn a_department_slug_must_be_well_formed_and_unused(app: TestApp) {
    for slug in [
        "",
        "a",
        "Sales",
        "-legal",
        "legal-",
        "le--gal",
        "le gal",
        "légal",
        &"x".repeat(65),
    ] {
        let response = refused(
            &app,
            Some(app.admin()),
            CREATE_DEPARTMENT,
            json!({ "input": { "slug": slug, "name": "Legal" } }),
        )
        .await;
        response.expect_bad_input("slug");
    }

    let response = refused(
        &app,
        Some(app.admin()),
        CREATE_DEPARTMENT,
        json!({ "input": { "slug": "sales", "name": "Sales Again" } }),
    )
    .await;
    response.expect_conflict("slug");

    let hr_id = app.department_id("hr").await;
    let response = refused(
        &app,
        Some(app.admin()),
        UPDATE_DEPARTMENT,
        json!({ "input": { "id": hr_id, "slug": "marketing" } }),
    )
    .await;
    response.expect_conflict("slug");
    let response = refused(
        &app,
        Some(app.admin()),
        UPDATE_DEPARTMENT,
        json!({ "input": { "id": hr_id, "slug": "Human Resources" } }),
    )
    .await;
    response.expect_bad_input("slug");
}
db_test!(a_department_slug_must_be_well_formed_and_unused);

async fn a_well_formed_id_of_nothing_is_not_found(app: TestApp) {
    // Arrange
    let nobody = missing_user_id();
    let nowhere = missing_department_id();
    let sales = app.department_id("sales").await;
    let staff = app.staff().id.clone();
    let cases = [
        (
            UPDATE_USER,
            json!({ "input": { "id": nobody, "title": "Ghost" } }),
        ),
        (
            SET_ROLE,
            json!({ "input": { "id": nobody, "role": "MANAGER" } }),
        ),
        (DEACTIVATE, json!({ "input": { "id": nobody } })),
        (
            UPDATE_DEPARTMENT,
            json!({ "input": { "id": nowhere, "name": "Nowhere" } }),
        ),
        (
            ADD_MEMBER,
            json!({ "input": { "departmentId": nowhere, "userId": staff } }),
        ),
        (
            ADD_MEMBER,
            json!({ "input": { "departmentId": sales, "userId": nobody } }),
        ),
        (
            REMOVE_MEMBER,
            json!({ "input": { "departmentId": nowhere, "userId": staff } }),
        ),
        (
            REMOVE_MEMBER,
            json!({ "input": { "departmentId": sales, "userId": nobody } }),
        ),
    ];

    for (query, variables) in cases {
        // Act
        let response = refused(&app, Some(app.admin()), query, variables).await;

        // Assert
        response.expect_error("NOT_FOUND");
    }

    for (query, variables) in [
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": nobody }),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": nowhere }),
        ),
        (
            "query($h: String!) { user(handle: $h) { id } }",
            json!({ "h": "nobody" }),
        ),
        (
            "query($s: String!) { department(slug: $s) { id } }",
            json!({ "s": "nowhere" }),
        ),
    ] {
        let response = app.gql(Some(app.staff()), query, variables).await;
        response.expect_error("NOT_FOUND");
    }
}
db_test!(a_well_formed_id_of_nothing_is_not_found);

async fn a_garbage_id_or_an_id_of_the_wrong_kind_is_bad_input(app: TestApp) {
    // Arrange
    let sales = app.department_id("sales").await;
    let staff = app.staff().id.clone();
    let cases = [
        (
            UPDATE_USER,
            json!({ "input": { "id": "garbage", "title": "X" } }),
            "id",
        ),
        (
            UPDATE_USER,
            json!({ "input": { "id": sales, "title": "X" } }),
            "id",
        ),
        (
            SET_ROLE,
            json!({ "input": { "id": "", "role": "MANAGER" } }),
            "id",
        ),
        (
            SET_ROLE,
            json!({ "input": { "id": sales, "role": "MANAGER" } }),
            "id",
        ),
        (
            DEACTIVATE,
            json!({ "input": { "id": "!!not base64!!" } }),
            "id",
        ),
        (DEACTIVATE, json!({ "input": { "id": sales } }), "id"),
        (
            UPDATE_DEPARTMENT,
            json!({ "input": { "id": staff, "name": "X" } }),
            "id",
        ),
        (
            UPDATE_DEPARTMENT,
            // "User:not-a-uuid", base64url-encoded.
            json!({ "input": { "id": "VXNlcjpub3QtYS11dWlk", "name": "X" } }),
            "id",
        ),
        (
            ADD_MEMBER,
            json!({ "input": { "departmentId": staff, "userId": staff } }),
            "departmentId",
        ),
        (
            ADD_MEMBER,
            json!({ "input": { "departmentId": sales, "userId": sales } }),
            "userId",
        ),
        (
            REMOVE_MEMBER,
            json!({ "input": { "departmentId": "garbage", "userId": staff } }),
            "departmentId",
        ),
        (
            REMOVE_MEMBER,
            json!({ "input": { "departmentId": sales, "userId": "garbage" } }),
            "userId",
        ),
    ];

    for (query, variables, field) in cases {
        // Act
        let response = refused(&app, Some(app.admin()), query, variables).await;

        // Assert
        response.expect_bad_input(field);
    }

    let response = app
        .gql(
            Some(app.staff()),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": "garbage" }),
        )
        .await;
    response.expect_bad_input("id");
}
db_test!(a_garbage_id_or_an_id_of_the_wrong_kind_is_bad_input);

async fn a_value_of_the_wrong_graphql_type_fails_validation_with_status_400(app: TestApp) {
    let staff = app.staff().id.clone();
    let cases = [
        (CREATE_USER, new_user(json!({ "role": "BOSS" }))),
        (CREATE_USER, new_user(json!({ "displayName": 42 }))),
        (CREATE_USER, new_user(json!({ "departments": [1, 2] }))),
        (
            CREATE_USER,
            json!({ "input": { "email": "x@example.com", "displayName": "X", "role": "STAFF" } }),
        ),
        (
            SET_ROLE,
            json!({ "input": { "id": staff, "role": "BOSS" } }),
        ),
        (
            SET_ROLE,
            json!({ "input": { "id": staff, "role": "admin" } }),
        ),
        (UPDATE_PROFILE, json!({ "input": { "bio": ["a", "list"] } })),
        (UPDATE_PROFILE, json!({ "input": { "title": 7 } })),
        (
            "mutation { setUserRole(input: { id: 1, role: BOSS }) { user { role } } }",
            json!({}),
        ),
        (
            "mutation { createDepartment(input: { slug: \"legal\", name: 42 }) { department { id } } }",
            json!({}),
        ),
    ];

    for (query, variables) in cases {
        // Act
        let response = refused(&app, Some(app.admin()), query, variables.clone()).await;

        // Assert
        response.expect_error("GRAPHQL_VALIDATION_FAILED");
        assert_eq!(response.status, 400, "{variables}: {}", response.body);
        assert!(response.body["data"].is_null(), "{}", response.body);
    }

    let response = app
        .gql(
            Some(app.staff()),
            "{ users(first: \"ten\") { totalCount } }",
            json!({}),
        )
        .await;
    response.expect_error("GRAPHQL_VALIDATION_FAILED");
    assert_eq!(response.status, 400, "{}", response.body);
}
db_test!(a_value_of_the_wrong_graphql_type_fails_validation_with_status_400);

async fn a_page_size_outside_1_to_100_is_refused(app: TestApp) {
    for (arguments, field) in [
        ("first: 0", "first"),
        ("first: 101", "first"),
        ("first: -1", "first"),
        ("last: 0", "last"),
        ("last: 101", "last"),
    ] {
        for list in [
            format!("{{ users({arguments}) {{ nodes {{ id }} }} }}"),
            format!("{{ departments({arguments}) {{ nodes {{ id }} }} }}"),
            format!(
                "{{ department(slug: \"sales\") {{ members({arguments}) {{ nodes {{ id }} }} }} }}"
            ),
        ] {
            let response = app.gql(Some(app.staff()), &list, json!({})).await;
            response.expect_bad_input(field);
        }
    }

    let response = app
        .gql(
            Some(app.staff()),
            "{ users(first: 5, last: 5) { nodes { id } } }",
            json!({}),
        )
        .await;
    response.expect_error("BAD_USER_INPUT");
    let field = response.body["errors"][0]["extensions"]["field"].as_str();
    assert!(matches!(field, Some("first" | "last")), "{}", response.body);

    let response = app
        .gql(
            Some(app.staff()),
            "{ users(first: 100) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(response.data()["users"]["totalCount"], 4);
}
db_test!(a_page_size_outside_1_to_100_is_refused);

async fn a_malformed_cursor_is_refused_naming_its_argument(app: TestApp) {
    use base64::Engine;
    let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    for cursor in [
        "garbage".to_owned(),
        "%%%".to_owned(),
        encode("no separator"),
        encode("not-a-uuid|Stella Tester"),
    ] {
        for (arguments, field) in [
            ("first: 2, after: $c", "after"),
            ("last: 2, before: $c", "before"),
        ] {
            for list in [
                format!("query($c: String) {{ users({arguments}) {{ nodes {{ id }} }} }}"),
                format!("query($c: String) {{ departments({arguments}) {{ nodes {{ id }} }} }}"),
                format!(
                    "query($c: String) {{ department(slug: \"sales\") {{ members({arguments}) {{ nodes {{ id }} }} }} }}"
                ),
            ] {
                let response = app
                    .gql(Some(app.staff()), &list, json!({ "c": cursor }))
                    .await;
                response.expect_bad_input(field);
            }
        }
    }
}
db_test!(a_malformed_cursor_is_refused_naming_its_argument);

async fn an_over_long_search_is_refused(app: TestApp) {
    let response = app
        .gql(
            Some(app.staff()),
            "query($q: String) { users(search: $q) { nodes { id } } }",
            json!({ "q": "x".repeat(101) }),
        )
        .await;
    response.expect_bad_input("search");
}
db_test!(an_over_long_search_is_refused);

async fn changing_a_password_refuses_a_short_one_or_a_wrong_current_one(app: TestApp) {
    // Arrange: a person of our own, so that nothing else shares the sessions.
    let person = app.create_actor(Role::Staff, "paula", &["sales"]).await;
    let cases = [
        (PASSWORD, "short", "newPassword"),
        (PASSWORD, "", "newPassword"),
        (PASSWORD, PASSWORD, "newPassword"),
        (
            "not the password at all",
            "a perfectly fine new passphrase",
            "currentPassword",
        ),
        ("", "a perfectly fine new passphrase", "currentPassword"),
    ];

    for (current, new, field) in cases {
        // Act
        let response = refused(
            &app,
            Some(&person),
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": current, "newPassword": new } }),
        )
        .await;

        // Assert
        response.expect_bad_input(field);
    }
    // The session still works, and so does the old password.
    let me = app.gql(Some(&person), "{ me { handle } }", json!({})).await;
    assert_eq!(me.data()["me"]["handle"], "paula");
    app.login(&person.email, PASSWORD).await.data();
}
db_test!(changing_a_password_refuses_a_short_one_or_a_wrong_current_one);

async fn an_admin_cannot_demote_or_deactivate_themselves(app: TestApp) {
    let admin_id = app.admin().id.clone();
    let response = refused(
        &app,
        Some(app.admin()),
        SET_ROLE,
        json!({ "input": { "id": admin_id, "role": "STAFF" } }),
    )
    .await;
    response.expect_bad_input("id");

    let response = refused(
        &app,
        Some(app.admin()),
        DEACTIVATE,
        json!({ "input": { "id": admin_id } }),
    )
    .await;
    response.expect_bad_input("id");
}
db_test!(an_admin_cannot_demote_or_deactivate_themselves);

async fn a_nul_character_in_any_argument_is_a_clear_error_not_an_internal_one(app: TestApp) {
    // PostgreSQL cannot store or even compare text holding U+0000, so such a
    // value must be refused before it reaches the database.
    use base64::Engine;
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}|Stella\u{0}", uuid::Uuid::now_v7()));
    let queries = [
        (
            "query($v: String!) { user(handle: $v) { id } }",
            json!({ "v": "stel\u{0}la" }),
            "handle",
        ),
        (
            "query($v: String!) { department(slug: $v) { id } }",
            json!({ "v": "sa\u{0}les" }),
            "slug",
        ),
        (
            "query($v: String) { users(department: $v) { nodes { id } } }",
            json!({ "v": "sa\u{0}les" }),
            "department",
        ),
        (
            "query($v: String) { users(search: $v) { nodes { id } } }",
            json!({ "v": "st\u{0}" }),
            "search",
        ),
        (
            "query($v: String) { users(first: 2, after: $v) { nodes { id } } }",
            json!({ "v": cursor }),
            "after",
        ),
    ];
    for (query, variables, field) in queries {
        let response = app.gql(Some(app.staff()), query, variables).await;
        response.expect_bad_input(field);
    }

    let mutations = [
        (
            CREATE_USER,
            new_user(json!({ "departments": ["sa\u{0}les"] })),
            "departments",
        ),
        (
            CREATE_USER,
            new_user(json!({ "email": "nul\u{0}@example.com" })),
            "email",
        ),
        (
            CREATE_USER,
            new_user(json!({ "displayName": "Nul\u{0}Person" })),
            "displayName",
        ),
        (
            CREATE_DEPARTMENT,
            json!({ "input": { "slug": "le\u{0}gal", "name": "Legal" } }),
            "slug",
        ),
    ];
    for (query, variables, field) in mutations {
        let response = refused(&app, Some(app.admin()), query, variables).await;
        response.expect_bad_input(field);
    }

    let response = refused(
        &app,
        None,
        "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
        json!({ "input": { "email": "stella\u{0}@example.com", "password": PASSWORD } }),
    )
    .await;
    response.expect_error("UNAUTHENTICATED");
}
db_test!(a_nul_character_in_any_argument_is_a_clear_error_not_an_internal_one);

async fn a_malformed_handle_or_slug_in_a_lookup_is_bad_input(app: TestApp) {
    for (query, variables, field) in [
        (
            "query($v: String!) { user(handle: $v) { id } }",
            json!({ "v": "not a handle" }),
            "handle",
        ),
        (
            "query($v: String!) { department(slug: $v) { id } }",
            json!({ "v": "Not A Slug" }),
            "slug",
        ),
        (
            "query($v: String) { users(department: $v) { nodes { id } } }",
            json!({ "v": "Sales!" }),
            "department",
        ),
    ] {
        let response = app.gql(Some(app.staff()), query, variables).await;
        response.expect_bad_input(field);
    }
}
db_test!(a_malformed_handle_or_slug_in_a_lookup_is_bad_input);
