//! Arranging the directory through the API: people with a role, extra
//! sessions, department ids, and ids that name nothing.

use serde_json::json;
use synaps::auth::Role;
use synaps::graphql::node::{Kind, global_id};
use uuid::Uuid;

use super::{Actor, PASSWORD, TestApp};

const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id handle } } }";

/// The GraphQL enum value of `role` (`STAFF`, `ADMIN`, …).
pub fn role_value(role: Role) -> String {
    role.as_str().to_uppercase()
}

/// A well-formed global id of a `User` that does not exist.
pub fn missing_user_id() -> String {
    global_id(Kind::User, Uuid::now_v7()).0
}

/// A well-formed global id of a `Department` that does not exist.
pub fn missing_department_id() -> String {
    global_id(Kind::Department, Uuid::now_v7()).0
}

impl TestApp {
    /// Has the admin create `handle@example.com` with `role` in `departments`
    /// (password [`PASSWORD`]) through the API, and signs them in.
    pub async fn create_actor(&self, role: Role, handle: &str, departments: &[&str]) -> Actor {
        let email = format!("{handle}@example.com");
        self.gql(
            Some(self.admin()),
            CREATE_USER,
            json!({ "input": {
                "email": email,
                "displayName": format!("{handle} (test)"),
                "handle": handle,
                "role": role_value(role),
                "departments": departments,
                "password": PASSWORD,
            }}),
        )
        .await
        .data();
        self.sign_in(role, &email, handle).await
    }

    /// Another, independent session of `actor`: signing it out or rotating
    /// its refresh token leaves `actor`'s own session alone.
    pub async fn sign_in_again(&self, actor: &Actor) -> Actor {
        self.sign_in(actor.role, &actor.email, &actor.handle).await
    }

    async fn sign_in(&self, role: Role, email: &str, handle: &str) -> Actor {
        let response = self.login(email, PASSWORD).await;
        let session = &response.data()["login"];
        Actor {
            role,
            id: session["user"]["id"].as_str().expect("id").to_owned(),
            email: email.to_owned(),
            handle: handle.to_owned(),
            token: session["accessToken"].as_str().expect("token").to_owned(),
            refresh_token: session["refreshToken"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        }
    }

    /// The global id of the department with `slug`.
    pub async fn department_id(&self, slug: &str) -> String {
        let response = self
            .gql(
                Some(self.admin()),
                "query($slug: String!) { department(slug: $slug) { id } }",
                json!({ "slug": slug }),
            )
            .await;
        response.data()["department"]["id"]
            .as_str()
            .expect("department id")
            .to_owned()
    }

    /// Has the admin create a department; returns its global id.
    pub async fn create_department(&self, slug: &str, name: &str) -> String {
        let response = self
            .gql(
                Some(self.admin()),
                "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } } }",
                json!({ "input": { "slug": slug, "name": name } }),
            )
            .await;
        response.data()["createDepartment"]["department"]["id"]
            .as_str()
            .expect("department id")
            .to_owned()
    }
}
