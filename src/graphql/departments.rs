//! Departments: the `Department` type, its queries and the administrators'
//! mutations.

use async_graphql::connection::{
    Connection, ConnectionNameType, DefaultConnectionName, DefaultEdgeName, EdgeNameType,
    EmptyFields,
};
use async_graphql::{Context, ID, InputObject, Object, OutputType, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::channels::Channel;
use super::channels::{DepartmentChannelConnection, LinkedDepartment, empty_page};
use super::context::ContextExt;
use super::loaders::{DepartmentChannelsKey, Loaders, MembersKey};
use super::node::{Kind, decode_as, global_id};
use super::pagination::connection;
use super::people::User;
use crate::domain::channels::Scope;
use crate::domain::departments::{self, DepartmentChanges, NewDepartment};
use crate::domain::pagination::{Cursor, Page};
use crate::domain::people;

/// A department: marketing, sales, hr, customer-service, communications, ….
pub struct Department(pub departments::Department);

#[Object]
impl Department {
    /// The department's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Department, self.0.id)
    }
    /// Stable, URL-safe name, such as `customer-service`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// How many people belong to the department.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .member_count
            .load_one(self.0.id)
            .await?
            .unwrap_or(0))
    }
    /// The department's people, by name.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<MemberConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let key = MembersKey {
            department_id: self.0.id,
            page,
        };
        let members = ctx
            .data_unchecked::<Loaders>()
            .members
            .load_one(key)
            .await?
            .unwrap_or(Page {
                items: Vec::new(),
                has_next_page: false,
                has_previous_page: false,
            });
        Ok(connection(
            members,
            User,
            MemberConnectionFields {
                department_id: self.0.id,
            },
        ))
    }
    /// The channels linked to the department that the viewer may see, by name.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn channels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<DepartmentChannelConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let key = DepartmentChannelsKey {
            department_id: self.0.id,
            scope: Scope::of(ctx.viewer())?,
            page,
        };
        let found = ctx
            .data_unchecked::<Loaders>()
            .department_channels
            .load_one(key)
            .await?
            .unwrap_or_else(empty_page);
        Ok(connection(found, Channel, EmptyFields))
    }
    /// The departments this one shares channels with (that the viewer may
    /// see), by name, each with the shared channels and how many messages
    /// they hold: the synapse graph.
    async fn linked_departments(&self, ctx: &Context<'_>) -> Result<Vec<LinkedDepartment>> {
        let scope = Scope::of(ctx.viewer())?;
        let links = ctx
            .data_unchecked::<Loaders>()
            .linked_departments
            .load_one((self.0.id, scope))
            .await?
            .unwrap_or_default();
        Ok(links
            .into_iter()
            .map(|link| LinkedDepartment {
                from: self.0.id,
                link,
                scope,
            })
            .collect())
    }
}

pub struct MemberConnectionName;

impl ConnectionNameType for MemberConnectionName {
    fn type_name<T: OutputType>() -> String {
        "DepartmentMemberConnection".to_owned()
    }
}

pub struct MemberEdgeName;

impl EdgeNameType for MemberEdgeName {
    fn type_name<T: OutputType>() -> String {
        "DepartmentMemberEdge".to_owned()
    }
}

pub type MemberConnection = Connection<
    Cursor,
    User,
    MemberConnectionFields,
    EmptyFields,
    MemberConnectionName,
    MemberEdgeName,
>;

pub struct MemberConnectionFields {
    department_id: uuid::Uuid,
}

#[Object]
impl MemberConnectionFields {
    /// How many people belong to the department, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .member_count
            .load_one(self.department_id)
            .await?
            .unwrap_or(0))
    }
}

pub type DepartmentConnection = Connection<
    Cursor,
    Department,
    DepartmentConnectionFields,
    EmptyFields,
    DefaultConnectionName,
    DefaultEdgeName,
>;

pub struct DepartmentConnectionFields;

#[Object]
impl DepartmentConnectionFields {
    /// How many departments there are.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(departments::count(ctx.db(), ctx.viewer()).await?)
    }
}

#[derive(Default)]
pub struct DepartmentQuery;

#[Object]
impl DepartmentQuery {
    /// Every department, by name.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn departments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<DepartmentConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let found = departments::list(ctx.db(), ctx.viewer(), &page).await?;
        Ok(connection(found, Department, DepartmentConnectionFields))
    }

    /// A department by slug.
    async fn department(&self, ctx: &Context<'_>, slug: String) -> Result<Department> {
        Ok(Department(
            departments::by_slug(ctx.db(), ctx.viewer(), &slug).await?,
        ))
    }
}

#[derive(InputObject)]
pub struct CreateDepartmentInput {
    /// 2–64 of a-z, 0-9 and single hyphens.
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(SimpleObject)]
pub struct CreateDepartmentPayload {
    pub department: Department,
}

#[derive(InputObject)]
pub struct UpdateDepartmentInput {
    pub id: ID,
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(SimpleObject)]
pub struct UpdateDepartmentPayload {
    pub department: Department,
}

#[derive(InputObject)]
pub struct DepartmentMemberInput {
    pub department_id: ID,
    pub user_id: ID,
}

#[derive(SimpleObject)]
pub struct AddDepartmentMemberPayload {
    pub department: Department,
    pub user: User,
}

#[derive(SimpleObject)]
pub struct RemoveDepartmentMemberPayload {
    pub department: Department,
    pub user: User,
}

#[derive(Default)]
pub struct DepartmentMutation;

#[Object]
impl DepartmentMutation {
    /// Creates a department (admins).
    async fn create_department(
        &self,
        ctx: &Context<'_>,
        input: CreateDepartmentInput,
    ) -> Result<CreateDepartmentPayload> {
        let new = NewDepartment {
            slug: input.slug,
            name: input.name,
            description: input.description,
        };
        let department = departments::create(ctx.db(), ctx.viewer(), new).await?;
        Ok(CreateDepartmentPayload {
            department: Department(department),
        })
    }

    /// Edits a department (admins). Omitted fields stay as they are.
    async fn update_department(
        &self,
        ctx: &Context<'_>,
        input: UpdateDepartmentInput,
    ) -> Result<UpdateDepartmentPayload> {
        let changes = DepartmentChanges {
            id: decode_as("id", Kind::Department, &input.id)?,
            slug: input.slug,
            name: input.name,
            description: input.description,
        };
        let department = departments::update(ctx.db(), ctx.viewer(), changes).await?;
        Ok(UpdateDepartmentPayload {
            department: Department(department),
        })
    }

    /// Adds a person to a department (admins). Adding a member again is a no-op.
    async fn add_department_member(
        &self,
        ctx: &Context<'_>,
        input: DepartmentMemberInput,
    ) -> Result<AddDepartmentMemberPayload> {
        let (department_id, user_id) = member_ids(&input)?;
        departments::add_member(ctx.db(), ctx.viewer(), department_id, user_id).await?;
        let (department, user) = member_pair(ctx, department_id, user_id).await?;
        Ok(AddDepartmentMemberPayload { department, user })
    }

    /// Removes a person from a department (admins).
    async fn remove_department_member(
        &self,
        ctx: &Context<'_>,
        input: DepartmentMemberInput,
    ) -> Result<RemoveDepartmentMemberPayload> {
        let (department_id, user_id) = member_ids(&input)?;
        departments::remove_member(ctx.db(), ctx.viewer(), department_id, user_id).await?;
        let (department, user) = member_pair(ctx, department_id, user_id).await?;
        Ok(RemoveDepartmentMemberPayload { department, user })
    }
}

fn member_ids(input: &DepartmentMemberInput) -> crate::error::Result<(uuid::Uuid, uuid::Uuid)> {
    Ok((
        decode_as("departmentId", Kind::Department, &input.department_id)?,
        decode_as("userId", Kind::User, &input.user_id)?,
    ))
}

async fn member_pair(
    ctx: &Context<'_>,
    department_id: uuid::Uuid,
    user_id: uuid::Uuid,
) -> Result<(Department, User)> {
    let department = departments::by_id(ctx.db(), ctx.viewer(), department_id).await?;
    let user = people::by_id(ctx.db(), ctx.viewer(), user_id).await?;
    Ok((Department(department), User(user)))
}
