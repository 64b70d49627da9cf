//! People: the `User` type, the directory queries, self-service and the
//! administrators' mutations.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use super::departments::Department;
use super::loaders::{Loaders, PersonPage};
use super::messages::{Message, MessageConnection};
use super::node::{Kind, decode_as, global_id};
use super::pagination::{Connection, EmptyFields, connection};
use crate::auth;
use crate::auth::sessions::Tokens;
use crate::domain::channels::Scope;
use crate::domain::pagination::Page;
use crate::domain::people::{self, NewPerson, PeopleFilter, Person, PersonChanges, ProfileChanges};

/// A person at the company; with the page they came in, if any, which
/// loads their departments for the whole page at once.
pub struct User(pub Person, pub Option<Arc<PersonPage>>);

impl User {
    /// A person on their own (not from a page).
    pub fn one(person: Person) -> User {
        User(person, None)
    }

    /// Person `id` of `page` (the authors or actors of a page of something
    /// else). Whether the field asks for `departments` is read from the
    /// field's own selection (wherever the field sits in the query): those
    /// then load with the people, for the whole page.
    pub async fn of_page(
        ctx: &Context<'_>,
        page: &Arc<PersonPage>,
        id: uuid::Uuid,
    ) -> Result<User> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let departments = ctx.look_ahead().field("departments").exists();
        let person = page
            .person_and_departments(loaders, id, departments)
            .await?;
        Ok(User(person, Some(page.clone())))
    }

    /// Wraps the people of `page`, each knowing the page.
    pub fn in_page(page: &Page<Person>) -> impl Fn(Person) -> User + use<> {
        let rows = PersonPage::new(page.items.iter().map(|(_, p)| p.id));
        move |person| User(person, Some(rows.clone()))
    }
}

/// A person at the company: a member of one or more departments, with a
/// role that says what they may do. Everyone signed in may see everyone.
// Fields resolve one after another, as a `Message`'s do (see there).
#[Object(serial)]
impl User {
    /// The person's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::User, self.0.id)
    }
    /// Unique, for `@mentions`.
    async fn handle(&self) -> &str {
        &self.0.handle
    }
    /// The name shown for the person: one line, 1–200 characters.
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
    /// A few words about the person, in their own words (up to 4,000
    /// characters); empty if they wrote none.
    async fn bio(&self) -> &str {
        &self.0.bio
    }
    /// What the person may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Set when the account was deactivated; such people cannot sign in.
    async fn deactivated_at(&self) -> Option<DateTime<Utc>> {
        self.0.deactivated_at
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The IANA time zone the person's weeks and reminders follow: their
    /// own, or the company's default (`SYNAPS_DEFAULT_TIME_ZONE`).
    async fn time_zone(&self, ctx: &Context<'_>) -> String {
        match &self.0.time_zone {
            Some(zone) => zone.clone(),
            None => ctx.state().config.round.default_time_zone.clone(),
        }
    }
    /// Whether the person gets the Monday check-in reminder; only they see
    /// it (null for anyone else).
    async fn checkin_reminders(&self, ctx: &Context<'_>) -> Option<bool> {
        let own = ctx.viewer().actor().is_some_and(|a| a.user_id == self.0.id);
        own.then_some(self.0.checkin_reminders)
    }
    /// The language the web client speaks to this person, `en` or `sv`;
    /// null follows their browser.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// The departments this person belongs to, by name.
    async fn departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let departments = match &self.1 {
            Some(page) => page.departments(loaders, self.0.id).await?,
            None => loaders
                .departments_of_user
                .load_one(self.0.id)
                .await?
                .unwrap_or_default(),
        };
        Ok(departments.into_iter().map(Department::one).collect())
    }
    /// What the person wrote lately, newest first: threads and replies, in
    /// the channels you may see (never a private channel you are not in),
    /// deleted messages left out. For a page of people, one statement for
    /// the whole page.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn recent_messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end, or before `before`: 1–100 (the default cap); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "End before this cursor (an edge's `cursor`, or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<MessageConnection> {
        let args = ctx.page_args(first, after, last, before)?;
        let scope = Scope::of(ctx.viewer())?;
        let page = match &self.1 {
            Some(page) => page.clone(),
            None => PersonPage::new([self.0.id]),
        };
        let recent = Box::pin(page.recent_messages(ctx.db(), &args, scope)).await?;
        let found = recent.pages.get(&self.0.id).cloned();
        let found = found.unwrap_or_else(super::channels::empty_page);
        Ok(connection(
            found,
            Message::in_page(&recent.page),
            EmptyFields,
        ))
    }
}

/// What a person may do: staff write and read; managers also see the
/// synapses of their departments; comms review guest posts; admins manage
/// people, roles and departments.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Role {
    /// Reads the directory and channels, takes part in channels, writes and
    /// submits their own guest posts.
    Staff,
    /// STAFF's rights, for people who lead a department (cross-department
    /// analytics for their departments are still to come).
    Manager,
    /// STAFF's rights, plus reviewing, scheduling and publishing other
    /// people's guest posts.
    Comms,
    /// COMMS's rights, plus managing people, roles, departments and every
    /// channel, private ones included.
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

/// A page of the directory (`users`).
pub type UserConnection = Connection<User, UserConnectionFields>;

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

/// The directory's queries: `me`, `user`, `users`.
#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// The signed-in person.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User::one(people::me(ctx.db(), ctx.viewer()).await?))
    }

    /// A person by handle (with or without the `@`).
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's handle, such as `anna.berg` or `@anna.berg`.")]
        handle: String,
    ) -> Result<User> {
        Ok(User::one(
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
        #[graphql(
            desc = "Part of a name, handle or email, case-insensitive (up to 100 characters)."
        )]
        search: Option<String>,
        #[graphql(
            desc = "Only people in the department with this slug, such as `customer-service`."
        )]
        department: Option<String>,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end, or before `before`: 1–100 (the default cap); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "End before this cursor (an edge's `cursor`, or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<UserConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let filter = PeopleFilter { search, department };
        let found = people::list(ctx.db(), ctx.viewer(), &filter, &page).await?;
        let wrap = User::in_page(&found);
        Ok(connection(found, wrap, UserConnectionFields { filter }))
    }
}

/// The input of `login`.
#[derive(InputObject)]
pub struct LoginInput {
    /// Your work email, in any case.
    pub email: String,
    /// Your password.
    pub password: String,
}

/// The input of `refreshSession`.
#[derive(InputObject)]
pub struct RefreshSessionInput {
    /// The refresh token from `login` or the last `refreshSession`.
    pub refresh_token: String,
}

/// The input of `changePassword`.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// Your password now, to show it is you.
    pub current_password: String,
    /// 12–256 characters.
    pub new_password: String,
}

/// Declares a payload carrying a fresh session: the same four fields for
/// `login`, `refreshSession` and `changePassword`.
macro_rules! session_payload {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(Tokens);

        #[doc = $doc]
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
            /// The person the session belongs to.
            async fn user(&self) -> User {
                User::one(Person::from(self.0.user.clone()))
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

/// The result of `logout`.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// True once the session is revoked.
    pub ok: bool,
}

/// The input of `updateProfile`: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// One line, 1–200 characters.
    pub display_name: Option<String>,
    /// 2–32 of a-z, 0-9, `.`, `_` and `-`, starting with a letter or digit
    /// (a leading `@` is dropped); must be free.
    pub handle: Option<String>,
    /// Job title, up to 200 characters; empty clears it.
    pub title: Option<String>,
    /// Up to 4,000 characters; empty clears it.
    pub bio: Option<String>,
    /// Your IANA time zone (`Europe/Stockholm`): your weeks, check-in
    /// reminders and "missing" in the weekly round follow it. Empty returns
    /// to the company's default.
    pub time_zone: Option<String>,
    /// Whether you want the Monday reminder when you have not checked in.
    pub checkin_reminders: Option<bool>,
    /// The web client's language: `en` or `sv`. Empty returns to following
    /// the browser.
    pub language: Option<String>,
}

/// The result of `updateProfile`.
#[derive(SimpleObject)]
pub struct UpdateProfilePayload {
    /// Your profile as it is now.
    pub user: User,
}

/// The input of `createUser`.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Their work email, unique whatever its case.
    pub email: String,
    /// One line, 1–200 characters.
    pub display_name: String,
    /// Derived from the email when omitted.
    pub handle: Option<String>,
    /// Job title, up to 200 characters; empty when omitted.
    pub title: Option<String>,
    /// What they may do.
    pub role: Role,
    /// Slugs of the departments they belong to (at most 20).
    #[graphql(default)]
    pub departments: Vec<String>,
    /// The initial password, at least 12 characters.
    pub password: String,
}

/// The result of `createUser`.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    /// The new person.
    pub user: User,
}

/// The input of `updateUser`: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// The person to change.
    pub id: ID,
    /// Their work email, unique whatever its case.
    pub email: Option<String>,
    /// One line, 1–200 characters.
    pub display_name: Option<String>,
    /// 2–32 of a-z, 0-9, `.`, `_` and `-`, starting with a letter or digit
    /// (a leading `@` is dropped); must be free.
    pub handle: Option<String>,
    /// Job title, up to 200 characters; empty clears it.
    pub title: Option<String>,
    /// Up to 4,000 characters; empty clears it.
    pub bio: Option<String>,
}

/// The result of `updateUser`.
#[derive(SimpleObject)]
pub struct UpdateUserPayload {
    /// The person as they are now.
    pub user: User,
}

/// The input of `setUserRole`.
#[derive(InputObject)]
pub struct SetUserRoleInput {
    /// The person; not yourself.
    pub id: ID,
    /// Their new role.
    pub role: Role,
}

/// The result of `setUserRole`.
#[derive(SimpleObject)]
pub struct SetUserRolePayload {
    /// The person, with their new role.
    pub user: User,
}

/// The input of `deactivateUser`.
#[derive(InputObject)]
pub struct DeactivateUserInput {
    /// The person; not yourself.
    pub id: ID,
}

/// The result of `deactivateUser`.
#[derive(SimpleObject)]
pub struct DeactivateUserPayload {
    /// The person, with `deactivatedAt` set.
    pub user: User,
}

/// The input of `exportUserData`.
#[derive(InputObject)]
pub struct ExportUserDataInput {
    /// The person.
    pub id: ID,
}

/// The result of `exportUserData`.
#[derive(SimpleObject)]
pub struct ExportUserDataPayload {
    /// Everything synaps holds about the person, as one JSON document
    /// (profile, memberships, messages, reactions, check-ins, posts and
    /// their revisions, notifications, sessions; no secrets).
    pub data: String,
}

/// The input of `eraseUser`.
#[derive(InputObject)]
pub struct EraseUserInput {
    /// The person; not yourself.
    pub id: ID,
    /// The person's handle, typed again to confirm.
    pub confirm_handle: String,
}

/// The result of `eraseUser`.
#[derive(SimpleObject)]
pub struct EraseUserPayload {
    /// The anonymised account.
    pub user: User,
}

/// Signing in and out, one's own account, and the administrators' people
/// mutations.
#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// Signs in. At most once per request document.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your email and password.")] input: LoginInput,
    ) -> Result<LoginPayload> {
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
        #[graphql(desc = "The refresh token to exchange.")] input: RefreshSessionInput,
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
        #[graphql(desc = "Your current password and the new one.")] input: ChangePasswordInput,
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
        #[graphql(desc = "The fields to change.")] input: UpdateProfileInput,
    ) -> Result<UpdateProfilePayload> {
        let changes = ProfileChanges {
            display_name: input.display_name,
            handle: input.handle,
            title: input.title,
            bio: input.bio,
            time_zone: input.time_zone,
            checkin_reminders: input.checkin_reminders,
            language: input.language,
        };
        let person = people::update_profile(ctx.db(), ctx.viewer(), changes).await?;
        Ok(UpdateProfilePayload {
            user: User::one(person),
        })
    }

    /// Creates a person (admins).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new person.")] input: CreateUserInput,
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
        Ok(CreateUserPayload {
            user: User::one(person),
        })
    }

    /// Edits anyone's profile or email (admins). Omitted fields stay as they are.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person and the fields to change.")] input: UpdateUserInput,
    ) -> Result<UpdateUserPayload> {
        let changes = PersonChanges {
            id: decode_as("id", Kind::User, &input.id)?,
            email: input.email,
            profile: ProfileChanges {
                display_name: input.display_name,
                handle: input.handle,
                title: input.title,
                bio: input.bio,
                ..ProfileChanges::default()
            },
        };
        let person = people::update(ctx.db(), ctx.viewer(), changes).await?;
        Ok(UpdateUserPayload {
            user: User::one(person),
        })
    }

    /// Changes someone's role (admins; not their own).
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person and their new role.")] input: SetUserRoleInput,
    ) -> Result<SetUserRolePayload> {
        let id = decode_as("id", Kind::User, &input.id)?;
        let person = people::set_role(ctx.db(), ctx.viewer(), id, input.role.into()).await?;
        Ok(SetUserRolePayload {
            user: User::one(person),
        })
    }

    /// Deactivates someone (admins): they cannot sign in and their tokens
    /// stop working at once.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person to deactivate.")] input: DeactivateUserInput,
    ) -> Result<DeactivateUserPayload> {
        let id = decode_as("id", Kind::User, &input.id)?;
        let person = people::deactivate(ctx.db(), ctx.viewer(), id).await?;
        Ok(DeactivateUserPayload {
            user: User::one(person),
        })
    }
    /// Everything synaps holds about someone, as JSON (admins; recorded in
    /// the audit log): a person's right of access.
    async fn export_user_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person whose data to export.")] input: ExportUserDataInput,
    ) -> Result<ExportUserDataPayload> {
        let id = decode_as("id", Kind::User, &input.id)?;
        let data = people::privacy::export_for(ctx.db(), ctx.viewer(), id).await?;
        Ok(ExportUserDataPayload {
            data: data.to_string(),
        })
    }
    /// Erases someone's personal data (admins, confirming with their
    /// handle): their messages become tombstones "removed at the person's
    /// request", their check-ins and posts are emptied (published ones
    /// unpublished), the account is anonymised and locked. Cannot be
    /// undone; the audit log keeps that it happened.
    async fn erase_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person to erase, and their handle to confirm.")]
        input: EraseUserInput,
    ) -> Result<EraseUserPayload> {
        let id = decode_as("id", Kind::User, &input.id)?;
        let erased =
            people::privacy::erase_for(ctx.db(), ctx.viewer(), id, &input.confirm_handle).await?;
        Ok(EraseUserPayload {
            user: User::one(erased.into()),
        })
    }
}

/// The caller's address, as the login throttle keys it.
fn client_address<'c>(ctx: &'c Context<'_>) -> &'c str {
    ctx.request_meta()
        .map_or("unknown", |m| m.client_address.as_str())
}
