//! Departments and people: reading the directory and administering it.

use serde_json::{Value, json};
use synaps::auth::Role;

use crate::db_test;
use crate::helpers::{PASSWORD, TestApp};

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id handle email displayName title role deactivatedAt departments { slug } } } }";
const UPDATE_USER: &str = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id handle email displayName title bio } } }";
const SET_ROLE: &str =
    "mutation($input: SetUserRoleInput!) { setUserRole(input: $input) { user { handle role } } }";
const DEACTIVATE: &str = "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { handle deactivatedAt } } }";
const USER: &str = "query($handle: String!) { user(handle: $handle) { id handle email displayName title bio role deactivatedAt departments { slug } } }";
const DEPARTMENT: &str = "query($slug: String!) { department(slug: $slug) { id slug name description memberCount members(first: 50) { totalCount nodes { handle } } } }";
const ADD_MEMBER: &str = "mutation($input: DepartmentMemberInput!) { addDepartmentMember(input: $input) { department { slug memberCount } user { handle departments { slug } } } }";
const REMOVE_MEMBER: &str = "mutation($input: DepartmentMemberInput!) { removeDepartmentMember(input: $input) { department { slug memberCount } user { handle departments { slug } } } }";

/// The `handle`s of a list of users.
fn handles(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["handle"].as_str().expect("handle").to_owned())
        .collect()
}

/// The `slug`s of a list of departments.
fn slugs(nodes: &Value) -> Vec<&str> {
    nodes
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["slug"].as_str().expect("slug"))
        .collect()
}

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

async fn an_admin_creates_a_user_who_can_then_sign_in(app: TestApp) {
    // Act: no handle given, so one is derived from the email.
    let response = app
        .gql(
            Some(app.admin()),
            CREATE_USER,
            json!({ "input": {
                "email": "  Anna.Berg@Example.COM ",
                "displayName": "Anna Berg",
                "title": "Account Executive",
                "role": "MANAGER",
                "departments": ["sales", "marketing"],
                "password": PASSWORD,
            }}),
        )
        .await;

    // Assert
    let user = &response.data()["createUser"]["user"];
    assert_eq!(user["handle"], "anna.berg");
    assert_eq!(user["email"], "anna.berg@example.com");
    assert_eq!(user["displayName"], "Anna Berg");
    assert_eq!(user["title"], "Account Executive");
    assert_eq!(user["role"], "MANAGER");
    assert!(user["deactivatedAt"].is_null());
    assert_eq!(slugs(&user["departments"]), ["marketing", "sales"]);

    let login = app.login("anna.berg@example.com", PASSWORD).await;
    let session = &login.data()["login"];
    assert_eq!(session["user"]["id"], user["id"]);
    let me = app
        .gql_with_token(
            session["accessToken"].as_str(),
            "{ me { handle role } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me.data()["me"],
        json!({ "handle": "anna.berg", "role": "MANAGER" })
    );

    // A second Anna from another domain gets the next free handle.
    let response = app
        .gql(
            Some(app.admin()),
            CREATE_USER,
            json!({ "input": {
                "email": "anna.berg@partner.example.org",
                "displayName": "Anna Berg",
                "role": "STAFF",
                "password": PASSWORD,
            }}),
        )
        .await;
    let second = &response.data()["createUser"]["user"];
    assert_eq!(second["handle"], "anna.berg-2");
    assert_eq!(second["departments"], json!([]));
}
db_test!(an_admin_creates_a_user_who_can_then_sign_in);

async fn a_department_listed_twice_makes_one_membership(app: TestApp) {
    // Act
    let response = app
        .gql(
            Some(app.admin()),
            CREATE_USER,
            json!({ "input": {
                "email": "twice@example.com",
                "displayName": "Twice Listed",
                "role": "STAFF",
                "departments": ["sales", "hr", "sales"],
                "password": PASSWORD,
            }}),
        )
        .await;

    // Assert
    let user = &response.data()["createUser"]["user"];
    assert_eq!(slugs(&user["departments"]), ["hr", "sales"]);
    let sales = app
        .gql(Some(app.staff()), DEPARTMENT, json!({ "slug": "sales" }))
        .await;
    assert_eq!(sales.data()["department"]["memberCount"], 2);
}
db_test!(a_department_listed_twice_makes_one_membership);

async fn an_admin_updates_a_users_profile_and_email(app: TestApp) {
    // Arrange
    let person = app
        .create_actor(Role::Staff, "olga", &["customer-service"])
        .await;

    // Act
    let response = app
        .gql(
            Some(app.admin()),
            UPDATE_USER,
            json!({ "input": {
                "id": person.id,
                "email": "Olga.Nilsson@Example.com",
                "displayName": "Olga Nilsson",
                "handle": "@Olga.N",
                "title": "Team Lead",
            }}),
        )
        .await;

    // Assert
    let user = &response.data()["updateUser"]["user"];
    assert_eq!(user["id"], person.id.as_str());
    assert_eq!(user["email"], "olga.nilsson@example.com");
    assert_eq!(user["handle"], "olga.n");
    assert_eq!(user["displayName"], "Olga Nilsson");
    assert_eq!(user["title"], "Team Lead");
    assert_eq!(user["bio"], "", "an omitted field stays as it was");

    let found = app
        .gql(Some(app.staff()), USER, json!({ "handle": "olga.n" }))
        .await;
    assert_eq!(found.data()["user"]["email"], "olga.nilsson@example.com");
    let gone = app
        .gql(Some(app.staff()), USER, json!({ "handle": "olga" }))
        .await;
    gone.expect_error("NOT_FOUND");
    app.login("olga.nilsson@example.com", PASSWORD).await.data();
    app.login("olga@example.com", PASSWORD)
        .await
        .expect_error("UNAUTHENTICATED");
}
db_test!(an_admin_updates_a_users_profile_and_email);

async fn a_new_role_takes_effect_on_the_persons_existing_session(app: TestApp) {
    // Arrange
    let person = app.create_actor(Role::Staff, "rolf", &["sales"]).await;
    let create_department = "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { slug } } }";
    app.gql(
        Some(&person),
        create_department,
        json!({ "input": { "slug": "legal", "name": "Legal" } }),
    )
    .await
    .expect_error("FORBIDDEN");

    // Act
    let promoted = app
        .gql(
            Some(app.admin()),
            SET_ROLE,
            json!({ "input": { "id": person.id, "role": "ADMIN" } }),
        )
        .await;

    // Assert
    assert_eq!(
        promoted.data()["setUserRole"]["user"],
        json!({ "handle": "rolf", "role": "ADMIN" })
    );
    let created = app
        .gql(
            Some(&person),
            create_department,
            json!({ "input": { "slug": "legal", "name": "Legal" } }),
        )
        .await;
    assert_eq!(
        created.data()["createDepartment"]["department"]["slug"],
        "legal"
    );

    let demoted = app
        .gql(
            Some(app.admin()),
            SET_ROLE,
            json!({ "input": { "id": person.id, "role": "COMMS" } }),
        )
        .await;
    assert_eq!(demoted.data()["setUserRole"]["user"]["role"], "COMMS");
    let me = app.gql(Some(&person), "{ me { role } }", json!({})).await;
    assert_eq!(me.data()["me"]["role"], "COMMS");
    app.gql(
        Some(&person),
        create_department,
        json!({ "input": { "slug": "legal-two", "name": "Legal Two" } }),
    )
    .await
    .expect_error("FORBIDDEN");
}
db_test!(a_new_role_takes_effect_on_the_persons_existing_session);

async fn a_deactivated_user_is_signed_out_and_cannot_sign_in_again(app: TestApp) {
    // Arrange
    let person = app.create_actor(Role::Staff, "dora", &["hr"]).await;
    let other_session = app.sign_in_again(&person).await;

    // Act
    let response = app
        .gql(
            Some(app.admin()),
            DEACTIVATE,
            json!({ "input": { "id": person.id } }),
        )
        .await;

    // Assert
    let user = &response.data()["deactivateUser"]["user"];
    assert_eq!(user["handle"], "dora");
    assert!(user["deactivatedAt"].is_string(), "{user}");

    for session in [&person, &other_session] {
        let me = app.gql(Some(session), "{ me { handle } }", json!({})).await;
        me.expect_error("UNAUTHENTICATED");
        assert_eq!(me.status, 401);
        app.refresh_session(&session.refresh_token)
            .await
            .expect_error("UNAUTHENTICATED");
    }
    app.login(&person.email, PASSWORD)
        .await
        .expect_error("UNAUTHENTICATED");

    // Gone from the directory, still findable by handle, marked deactivated.
    let listed = app
        .gql(
            Some(app.staff()),
            "{ users(search: \"dora\") { totalCount nodes { handle } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed.data()["users"]["totalCount"], 0);
    let found = app
        .gql(Some(app.staff()), USER, json!({ "handle": "dora" }))
        .await;
    assert!(found.data()["user"]["deactivatedAt"].is_string());

    // And gone from their department's members, consistently with the count.
    let hr = app
        .gql(Some(app.staff()), DEPARTMENT, json!({ "slug": "hr" }))
        .await;
    let hr = &hr.data()["department"];
    assert!(!handles(&hr["members"]["nodes"]).contains(&"dora".to_owned()));
    assert_eq!(hr["memberCount"], hr["members"]["totalCount"]);
    assert_eq!(hr["memberCount"], 1, "only the admin actor is left in hr");
}
db_test!(a_deactivated_user_is_signed_out_and_cannot_sign_in_again);

async fn an_admin_manages_a_department_and_its_members(app: TestApp) {
    // Arrange
    let create = app
        .gql(
            Some(app.admin()),
            "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id slug name description memberCount } } }",
            json!({ "input": { "slug": "legal", "name": "Legal", "description": "Contracts and compliance." } }),
        )
        .await;
    let created = &create.data()["createDepartment"]["department"];
    assert_eq!(
        created,
        &json!({
            "id": created["id"],
            "slug": "legal",
            "name": "Legal",
            "description": "Contracts and compliance.",
            "memberCount": 0,
        })
    );
    let legal = created["id"].as_str().expect("id").to_owned();
    let member = |user: &str| json!({ "input": { "departmentId": legal, "userId": user } });

    // Act: add two people (one of them twice).
    for user in [&app.staff().id, &app.manager().id, &app.staff().id] {
        app.gql(Some(app.admin()), ADD_MEMBER, member(user))
            .await
            .data();
    }

    // Assert
    let response = app
        .gql(Some(app.staff()), DEPARTMENT, json!({ "slug": "legal" }))
        .await;
    let department = &response.data()["department"];
    assert_eq!(department["memberCount"], 2);
    assert_eq!(department["members"]["totalCount"], 2);
    assert_eq!(
        handles(&department["members"]["nodes"]),
        ["magnus", "stella"]
    );
    let stella = app
        .gql(Some(app.staff()), USER, json!({ "handle": "stella" }))
        .await;
    assert_eq!(
        slugs(&stella.data()["user"]["departments"]),
        ["customer-service", "legal"]
    );

    // Act: rename it and give it a new slug.
    let update = app
        .gql(
            Some(app.admin()),
            "mutation($input: UpdateDepartmentInput!) { updateDepartment(input: $input) { department { id slug name description } } }",
            json!({ "input": { "id": legal, "slug": "legal-compliance", "name": "Legal & Compliance" } }),
        )
        .await;

    // Assert
    assert_eq!(
        update.data()["updateDepartment"]["department"],
        json!({
            "id": legal,
            "slug": "legal-compliance",
            "name": "Legal & Compliance",
            "description": "Contracts and compliance.",
        })
    );
    app.gql(Some(app.staff()), DEPARTMENT, json!({ "slug": "legal" }))
        .await
        .expect_error("NOT_FOUND");

    // Act: remove one member.
    let removed = app
        .gql(Some(app.admin()), REMOVE_MEMBER, member(&app.staff().id))
        .await;

    // Assert
    let payload = &removed.data()["removeDepartmentMember"];
    assert_eq!(payload["department"]["memberCount"], 1);
    assert_eq!(slugs(&payload["user"]["departments"]), ["customer-service"]);
    let response = app
        .gql(
            Some(app.staff()),
            DEPARTMENT,
            json!({ "slug": "legal-compliance" }),
        )
        .await;
    let department = &response.data()["department"];
    assert_eq!(department["memberCount"], 1);
    assert_eq!(handles(&department["members"]["nodes"]), ["magnus"]);
    let all = app
        .gql(
            Some(app.staff()),
            "{ departments { totalCount nodes { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(all.data()["departments"]["totalCount"], 6);
    assert!(slugs(&all.data()["departments"]["nodes"]).contains(&"legal-compliance"));
}
db_test!(an_admin_manages_a_department_and_its_members);

async fn the_directory_filters_by_search_and_department(app: TestApp) {
    // Arrange
    for (handle, name, departments) in [
        ("anna", "Anna Berg", vec!["sales"]),
        ("bjorn", "Björn Bergström", vec!["marketing"]),
        ("cecilia", "Cecilia Lind", vec!["sales", "marketing"]),
        ("percy", "Percy 100% Sure", vec!["hr"]),
    ] {
        app.gql(
            Some(app.admin()),
            CREATE_USER,
            json!({ "input": {
                "email": format!("{handle}@example.com"),
                "displayName": name,
                "handle": handle,
                "role": "STAFF",
                "departments": departments,
                "password": PASSWORD,
            }}),
        )
        .await
        .data();
    }
    let leaver = app.create_actor(Role::Staff, "bergit", &["sales"]).await;
    app.gql(
        Some(app.admin()),
        DEACTIVATE,
        json!({ "input": { "id": leaver.id } }),
    )
    .await
    .data();
    let list = "query($search: String, $department: String) { users(search: $search, department: $department, first: 50) { totalCount nodes { handle } } }";

    for (search, department, expected) in [
        // By name, case-insensitively; the deactivated "bergit" never shows.
        (Some("BERG"), None, vec!["anna", "bjorn"]),
        // By handle and by email.
        (Some("cecilia"), None, vec!["cecilia"]),
        (Some("percy@example"), None, vec!["percy"]),
        // `%` and `_` are literal characters, not wildcards.
        (Some("%"), None, vec!["percy"]),
        (Some("_"), None, vec![]),
        (None, Some("sales"), vec!["anna", "cecilia", "magnus"]),
        (Some("berg"), Some("sales"), vec!["anna"]),
        (Some(""), Some("marketing"), vec!["bjorn", "cecilia"]),
        (None, Some("no-such-department"), vec![]),
    ] {
        // Act
        let response = app
            .gql(
                Some(app.staff()),
                list,
                json!({ "search": search, "department": department }),
            )
            .await;

        // Assert
        let users = &response.data()["users"];
        let mut found = handles(&users["nodes"]);
        found.sort();
        assert_eq!(found, expected, "search {search:?} in {department:?}");
        assert_eq!(
            users["totalCount"],
            expected.len(),
            "search {search:?} in {department:?}"
        );
    }
}
db_test!(the_directory_filters_by_search_and_department);

/// A connection of people, selected with what [`walk`] checks.
const PAGE: &str = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { handle } }";

/// Walks a connection of people page by page, forward (`first`/`after`) or
/// backward (`last`/`before`), and returns the handles in list order.
/// `list` is the selection down to the connection field with its arguments
/// left open, such as `users(` or `department(slug: "sales") { members(`;
/// `path` leads from `data` to the connection.
async fn walk(app: &TestApp, list: &str, path: &[&str], size: usize, forward: bool) -> Vec<String> {
    let arguments = if forward {
        "first: $size, after: $cursor"
    } else {
        "last: $size, before: $cursor"
    };
    let closing = "}".repeat(list.matches('{').count());
    let query = format!(
        "query($size: Int, $cursor: String) {{ {list}{arguments}) {{ {PAGE} }} {closing} }}"
    );

    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let response = app
            .gql(
                Some(app.staff()),
                &query,
                json!({ "size": size, "cursor": cursor }),
            )
            .await;
        let mut page = response.data();
        for part in path {
            page = &page[*part];
        }
        let edges = page["edges"].as_array().expect("edges");
        let info = &page["pageInfo"];
        let handles: Vec<String> = edges
            .iter()
            .map(|e| e["node"]["handle"].as_str().expect("handle").to_owned())
            .collect();
        assert!(handles.len() <= size, "{query}: page larger than {size}");
        if let (Some(first), Some(last)) = (edges.first(), edges.last()) {
            assert_eq!(info["startCursor"], first["cursor"]);
            assert_eq!(info["endCursor"], last["cursor"]);
        }
        let more = if forward {
            info["hasNextPage"].as_bool().expect("hasNextPage")
        } else {
            info["hasPreviousPage"].as_bool().expect("hasPreviousPage")
        };
        // Every page after the first knows that the one it came from exists.
        if cursor.is_some() {
            let back = if forward {
                &info["hasPreviousPage"]
            } else {
                &info["hasNextPage"]
            };
            assert_eq!(back, true, "{query}: page after {cursor:?}");
        }
        pages.push(handles);
        if !more {
            break;
        }
        assert_eq!(
            pages.last().map(Vec::len),
            Some(size),
            "{query}: a short page claims more"
        );
        assert!(pages.len() <= 50, "{query}: paging does not end");
        cursor = if forward {
            info["endCursor"].as_str().map(str::to_owned)
        } else {
            info["startCursor"].as_str().map(str::to_owned)
        };
    }
    if !forward {
        pages.reverse();
    }
    pages.concat()
}

async fn the_directory_pages_forward_and_backward_consistently(app: TestApp) {
    // Arrange: eleven people, three of them with the very same name, so that
    // the order (and the cursors) must fall back on the id.
    for (handle, name) in [
        ("sam1", "Sam Same"),
        ("sam2", "Sam Same"),
        ("sam3", "Sam Same"),
        ("zoe", "Zoë Quist"),
        ("al", "Al Early"),
        ("mia", "Mia Middle"),
        ("ola", "ola lower-case"),
    ] {
        app.gql(
            Some(app.admin()),
            CREATE_USER,
            json!({ "input": {
                "email": format!("{handle}@example.com"),
                "displayName": name,
                "handle": handle,
                "role": "STAFF",
                "departments": ["sales"],
                "password": PASSWORD,
            }}),
        )
        .await
        .data();
    }
    let everyone = app
        .gql(
            Some(app.staff()),
            "{ users(first: 100) { totalCount pageInfo { hasNextPage hasPreviousPage } nodes { handle displayName } } }",
            json!({}),
        )
        .await;
    let users = &everyone.data()["users"];
    let all = handles(&users["nodes"]);
    assert_eq!(all.len(), 11);
    assert_eq!(users["totalCount"], 11);
    assert_eq!(users["pageInfo"]["hasNextPage"], false);
    assert_eq!(users["pageInfo"]["hasPreviousPage"], false);
    let position = |h: &str| all.iter().position(|x| x == h).expect("listed");
    assert!(position("al") < position("mia") && position("mia") < position("sam1"));
    let sams: Vec<usize> = ["sam1", "sam2", "sam3"].map(position).into();
    assert!(
        sams.windows(2).all(|w| w[1] == w[0] + 1),
        "people with the same name are listed together, by id: {all:?}"
    );

    for size in [1, 2, 3, 4, 11] {
        // Act
        let forward = walk(&app, "users(", &["users"], size, true).await;
        let backward = walk(&app, "users(", &["users"], size, false).await;

        // Assert
        assert_eq!(forward, all, "forward in pages of {size}");
        assert_eq!(backward, all, "backward in pages of {size}");
    }
    let sales_members = app
        .gql(
            Some(app.staff()),
            "{ department(slug: \"sales\") { members(first: 100) { nodes { handle } } } }",
            json!({}),
        )
        .await;
    let members = handles(&sales_members.data()["department"]["members"]["nodes"]);
    assert_eq!(members.len(), 8);
    let sales = "department(slug: \"sales\") { members(";
    for size in [1, 3, 8] {
        let forward = walk(&app, sales, &["department", "members"], size, true).await;
        let backward = walk(&app, sales, &["department", "members"], size, false).await;
        assert_eq!(forward, members, "members forward in pages of {size}");
        assert_eq!(backward, members, "members backward in pages of {size}");
    }
    for forward in [true, false] {
        let in_sales = walk(
            &app,
            "users(department: \"sales\", ",
            &["users"],
            3,
            forward,
        )
        .await;
        assert_eq!(in_sales, members, "users in sales, in pages of 3");
    }
}
db_test!(the_directory_pages_forward_and_backward_consistently);

async fn a_page_from_the_middle_is_the_same_both_ways(app: TestApp) {
    // Arrange
    for n in 1..=6 {
        app.create_actor(Role::Staff, &format!("person{n}"), &[])
            .await;
    }
    let page = "query($first: Int, $after: String, $last: Int, $before: String) { users(first: $first, after: $after, last: $last, before: $before) { pageInfo { hasNextPage hasPreviousPage } edges { cursor node { handle } } } }";
    let all = app
        .gql(Some(app.staff()), page, json!({ "first": 100 }))
        .await;
    let edges = all.data()["users"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert_eq!(edges.len(), 10);

    // Act: items 4..7 (0-based 3..=6), once after item 2 and once before item 7.
    let after = app
        .gql(
            Some(app.staff()),
            page,
            json!({ "first": 4, "after": edges[2]["cursor"] }),
        )
        .await;
    let before = app
        .gql(
            Some(app.staff()),
            page,
            json!({ "last": 4, "before": edges[7]["cursor"] }),
        )
        .await;
    let between = app
        .gql(
            Some(app.staff()),
            page,
            json!({ "after": edges[2]["cursor"], "before": edges[7]["cursor"] }),
        )
        .await;

    // Assert
    let expected = &edges[3..7];
    for (how, response) in [
        ("after", &after),
        ("before", &before),
        ("between", &between),
    ] {
        let users = &response.data()["users"];
        assert_eq!(users["edges"].as_array().expect("edges"), expected, "{how}");
        assert_eq!(users["pageInfo"]["hasPreviousPage"], true, "{how}");
    }
    assert_eq!(after.data()["users"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(before.data()["users"]["pageInfo"]["hasNextPage"], true);
}
db_test!(a_page_from_the_middle_is_the_same_both_ways);

async fn a_user_is_found_by_handle_with_or_without_the_at_sign(app: TestApp) {
    for handle in ["magnus", "@magnus", " @Magnus "] {
        // Act
        let response = app
            .gql(Some(app.staff()), USER, json!({ "handle": handle }))
            .await;

        // Assert
        let user = &response.data()["user"];
        assert_eq!(user["id"], app.manager().id.as_str(), "{handle:?}");
        assert_eq!(user["handle"], "magnus");
        assert_eq!(user["email"], "magnus@example.com");
        assert_eq!(user["displayName"], "Magnus Tester");
        assert_eq!(user["role"], "MANAGER");
        assert_eq!(slugs(&user["departments"]), ["sales"]);
    }
}
db_test!(a_user_is_found_by_handle_with_or_without_the_at_sign);

async fn staff_update_their_own_profile(app: TestApp) {
    // Act
    let response = app
        .gql(
            Some(app.staff()),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { id handle displayName title bio email role } } }",
            json!({ "input": {
                "displayName": "  Stella Svensson  ",
                "handle": "stella.s",
                "title": "Support Specialist",
                "bio": "Ask me about refunds.\nAnd returns.",
            }}),
        )
        .await;

    // Assert
    let user = &response.data()["updateProfile"]["user"];
    assert_eq!(
        user,
        &json!({
            "id": app.staff().id,
            "handle": "stella.s",
            "displayName": "Stella Svensson",
            "title": "Support Specialist",
            "bio": "Ask me about refunds.\nAnd returns.",
            "email": "stella@example.com",
            "role": "STAFF",
        })
    );
    let me = app
        .gql(
            Some(app.staff()),
            "{ me { handle displayName } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me.data()["me"],
        json!({ "handle": "stella.s", "displayName": "Stella Svensson" })
    );
    // Nobody else changed.
    let magnus = app
        .gql(Some(app.staff()), USER, json!({ "handle": "magnus" }))
        .await;
    assert_eq!(magnus.data()["user"]["displayName"], "Magnus Tester");
    assert_eq!(magnus.data()["user"]["bio"], "");

    // Clearing a field is a change too; omitting one is not.
    let cleared = app
        .gql(
            Some(app.staff()),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { title bio } } }",
            json!({ "input": { "bio": "" } }),
        )
        .await;
    assert_eq!(
        cleared.data()["updateProfile"]["user"],
        json!({ "title": "Support Specialist", "bio": "" })
    );
}
db_test!(staff_update_their_own_profile);

async fn node_fetches_a_user_and_a_department_by_global_id(app: TestApp) {
    // Arrange
    let created = app
        .gql(
            Some(app.admin()),
            CREATE_USER,
            json!({ "input": {
                "email": "nora@example.com",
                "displayName": "Nora Node",
                "role": "STAFF",
                "departments": ["hr"],
                "password": PASSWORD,
            }}),
        )
        .await;
    let user_id = created.data()["createUser"]["user"]["id"].clone();
    let department_id = app.department_id("hr").await;
    let query = "query($id: ID!) { node(id: $id) { __typename id ... on User { handle departments { id slug } } ... on Department { slug name } } }";

    // Act
    let user = app
        .gql(Some(app.staff()), query, json!({ "id": user_id }))
        .await;
    let department = app
        .gql(Some(app.staff()), query, json!({ "id": department_id }))
        .await;

    // Assert
    assert_eq!(
        user.data()["node"],
        json!({
            "__typename": "User",
            "id": user_id,
            "handle": "nora",
            "departments": [{ "id": department_id, "slug": "hr" }],
        })
    );
    assert_eq!(
        department.data()["node"],
        json!({ "__typename": "Department", "id": department_id, "slug": "hr", "name": "HR" })
    );
    assert_ne!(
        user_id,
        json!(department_id),
        "ids of different kinds differ"
    );
}
db_test!(node_fetches_a_user_and_a_department_by_global_id);
