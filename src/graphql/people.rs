//! People: the `User` type, the directory queries, self-service and the
//! administrators' mutations.

use async_graphql::connection::{Connection, DefaultConnectionName, DefaultEdgeName, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::departments::Department;
use super::loaders::{Loaders, Primed};
use super::node::{Kind, decode_as, global_id};
use super::pagination::connection;
use crate::auth;
use crate::auth::sessions::Tokens;
use crate::domain::pagination::Cursor;
use crate::domain::people::{self, NewPerson, PeopleFilter, Person, PersonChanges, ProfileChanges};

/// A person at the company.
pub struct User(pub Person);

#[Object]
impl User {
    /// The person's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::User, self.0.id)
    }
    /// Unique, for `@mentions`.
    async fn handle(&self) -> &str {
        &self.0.handle
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Work email (lower-case).
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Job title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn bio(&self) -> &str {
        &self.0.bio
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Set when the account was deactivated; such people cannot sign in.
    async fn deactivated_at(&self) -> Option<DateTime<Utc>> {
        self.0.deactivated_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The departments this person belongs to, by name.
    async fn departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let primed = Primed::get(&loaders.primed.departments_of_user, &self.0.id);
        let departments = match primed {
            Some(departments) => departments,
            None => loaders
                .departments_of_user
                .load_one(self.0.id)
                .await?
                .unwrap_or_default(),
        };
        Ok(departments.into_iter().map(Department).collect())
    }
}

/// What a person may do: staff write and read; managers also see the
/// synapses of their departments; comms review guest posts; admins manage
/// people, roles and departments.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Role {
    Staff,
    Manager,
    Comms,
    Admin,
}

impl From<auth::Role> for Role {
    fn from(role: auth::Role) -> Self {
        match role {
            auth::Role::Staff => Role::Staff,
            auth::Role::Manager => Role::Manager,
            auth::Role::Comms => Role::Comms,
            auth::Role::Admin => Role::Admin,
        }
    }
}

impl From<Role> for auth::Role {
    fn from(role: Role) -> Self {
        match role {
            Role::Staff => auth::Role::Staff,
            Role::Manager => auth::Role::Manager,
            Role::Comms => auth::Role::Comms,
            Role::Admin => auth::Role::Admin,
        }
    }
}

pub type UserConnection = Connection<
    Cursor,
    User,
    UserConnectionFields,
    EmptyFields,
    DefaultConnectionName,
    DefaultEdgeName,
>;

/// Extra fields of the directory list.
pub struct UserConnectionFields {
    filter: PeopleFilter,
}

#[Object]
impl UserConnectionFields {
    /// How many people match the filter, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(people::count(ctx.db(), ctx.viewer(), &self.filter).await?)
    }
}

#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// The signed-in person.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(people::me(ctx.db(), ctx.viewer()).await?))
    }

    /// A person by handle (with or without the `@`).
    async fn user(&self, ctx: &Context<'_>, handle: String) -> Result<User> {
        Ok(User(
            people::by_handle(ctx.db(), ctx.viewer(), &handle).await?,
        ))
    }

    /// The directory: active people by name, optionally matching `search`
    /// (name, handle or email) and in the department with slug `department`.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        department: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<UserConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let filter = PeopleFilter { search, department };
        let found = people::list(ctx.db(), ctx.viewer(), &filter, &page).await?;
        Ok(connection(found, User, UserConnectionFields { filter }))
    }
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct RefreshSessionInput {
    /// The refresh token from `login` or the last `refreshSession`.
    pub refresh_token: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Declares a payload carrying a fresh session: the same four fields for
/// `login`, `refreshSession` and `changePassword`.
macro_rules! session_payload {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(Tokens);

        #[Object]
        impl $name {
            /// Send as `Authorization: Bearer <accessToken>`.
            async fn access_token(&self) -> &str {
                &self.0.access_token
            }
            /// Use once with `refreshSession` for a new pair; keep it secret.
            async fn refresh_token(&self) -> &str {
                &self.0.refresh_token
            }
            /// When the access token expires.
            async fn expires_at(&self) -> DateTime<Utc> {
                self.0.expires_at
            }
            async fn user(&self) -> User {
                User(Person::from(self.0.user.clone()))
            }
        }
    };
}

session_payload!(LoginPayload, "A new session.");
session_payload!(
    RefreshSessionPayload,
    "The session, with a rotated refresh token."
);
session_payload!(
    ChangePasswordPayload,
    "A fresh session; every other session was revoked."
);

#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// True once the session is revoked.
    pub ok: bool,
}

#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub display_name: Option<String>,
    pub handle: Option<String>,
    pub title: Option<String>,
    pub bio: Option<String>,
}

#[derive(SimpleObject)]
pub struct UpdateProfilePayload {
    pub user: User,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub display_name: String,
    /// Derived from the email when omitted.
    pub handle: Option<String>,
    pub title: Option<String>,
    pub role: Role,
    /// Department slugs.
    #[graphql(default)]
    pub departments: Vec<String>,
    /// The initial password, at least 12 characters.
    pub password: String,
}

#[derive(SimpleObject)]
pub struct CreateUserPayload {
    pub user: User,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub id: ID,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub handle: Option<String>,
    pub title: Option<String>,
    pub bio: Option<String>,
}

#[derive(SimpleObject)]
pub struct UpdateUserPayload {
    pub user: User,
}

#[derive(InputObject)]
pub struct SetUserRoleInput {
    pub id: ID,
    pub role: Role,
}

#[derive(SimpleObject)]
pub struct SetUserRolePayload {
    pub user: User,
}

#[derive(InputObject)]
pub struct DeactivateUserInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct DeactivateUserPayload {
    pub user: User,
}

#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// Signs in. At most once per request document.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<LoginPayload> {
        let state = ctx.state();
        let tokens = people::login(
            &state.db,
            &state.auth,
            &input.email,
            &input.password,
            client_address(ctx),
        )
        .await?;
        Ok(LoginPayload(tokens))
    }

    /// Exchanges a refresh token for a new access token and refresh token.
    /// A refresh token works once: presenting it again revokes the session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> Result<RefreshSessionPayload> {
        let state = ctx.state();
        let tokens = crate::auth::sessions::refresh(
            &state.db,
            &state.auth.keys,
            state.auth.refresh_ttl_secs,
            &input.refresh_token,
        )
        .await?;
        Ok(RefreshSessionPayload(tokens))
    }

    /// Signs out of this session: its access and refresh tokens stop working.
    async fn logout(&self, ctx: &Context<'_>) -> Result<LogoutPayload> {
        people::logout(ctx.db(), ctx.viewer()).await?;
        Ok(LogoutPayload { ok: true })
    }

    /// Changes your password and signs out every other session.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> Result<ChangePasswordPayload> {
        let state = ctx.state();
        let tokens = people::change_password(
            &state.db,
            &state.auth,
            ctx.viewer(),
            &input.current_password,
            &input.new_password,
            client_address(ctx),
        )
        .await?;
        Ok(ChangePasswordPayload(tokens))
    }

    /// Edits your own profile. Omitted fields stay as they are.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> Result<UpdateProfilePayload> {
        let changes = ProfileChanges {
            display_name: input.display_name,
            handle: input.handle,
            title: input.title,
            bio: input.bio,
        };
        let person = people::update_profile(ctx.db(), ctx.viewer(), changes).await?;
        Ok(UpdateProfilePayload { user: User(person) })
    }

    /// Creates a person (admins).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> Result<CreateUserPayload> {
        let state = ctx.state();
        let new = NewPerson {
            email: input.email,
            display_name: input.display_name,
            handle: input.handle,
            title: input.title,
            role: input.role.into(),
            departments: input.departments,
            password: input.password,
        };
        let person = people::create(&state.db, &state.auth, ctx.viewer(), new).await?;
        Ok(CreateUserPayload { user: User(person) })
    }

    /// Edits anyone's profile or email (admins). Omitted fields stay as they are.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> Result<UpdateUserPayload> {
        let changes = PersonChanges {
            id: decode_as("id", Kind::User, &input.id)?,
            email: input.email,
            profile: ProfileChanges {
                display_name: input.display_name,
                handle: input.handle,
                title: input.title,
                bio: input.bio,
            },
        };
        let person = people::update(ctx.db(), ctx.viewer(), changes).await?;
        Ok(UpdateUserPayload { user: User(person) })
    }

    /// Changes someone's role (admins; not their own).
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        input: SetUserRoleInput,
    ) -> Result<SetUserRolePayload> {
        let id = decode_as("id", Kind::User, &input.id)?;
        let person = people::set_role(ctx.db(), ctx.viewer(), id, input.role.into()).await?;
        Ok(SetUserRolePayload { user: User(person) })
    }

    /// Deactivates someone (admins): they cannot sign in and their tokens
    /// stop working at once.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        input: DeactivateUserInput,
    ) -> Result<DeactivateUserPayload> {
        let id = decode_as("id", Kind::User, &input.id)?;
        let person = people::deactivate(ctx.db(), ctx.viewer(), id).await?;
        Ok(DeactivateUserPayload { user: User(person) })
    }
}

/// The caller's address, as the login throttle keys it.
fn client_address<'c>(ctx: &'c Context<'_>) -> &'c str {
    ctx.request_meta()
        .map_or("unknown", |m| m.client_address.as_str())
}
