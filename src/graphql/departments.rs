//! Departments: the `Department` type, its queries and the administrators'
//! mutations.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, OutputType, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::channels::Channel;
use super::channels::{DepartmentChannelConnection, LinkedDepartment, empty_page};
use super::context::ContextExt;
use super::loaders::{Batch, DepartmentChannelsKey, Loaders, MembersKey, SharedChannelsKey};
use super::node::{Kind, decode_as, global_id};
use super::pagination::{Connection, ConnectionNameType, EdgeNameType, EmptyFields, connection};
use super::people::User;
use crate::domain::channels::synapses::Link;
use crate::domain::channels::{self, Scope};
use crate::domain::departments::{self, DepartmentChanges, NewDepartment};
use crate::domain::pagination::Page;
use crate::domain::people;

/// A department: marketing, sales, hr, customer-service, communications, ….
pub struct Department(pub departments::Department, pub Option<Arc<DepartmentPage>>);

impl Department {
    /// A department on its own (not from a page).
    pub fn one(department: departments::Department) -> Department {
        Department(department, None)
    }
}

/// A page of `departments`: member counts and linked departments, each
/// loaded for the whole page by the first department that asks (see
/// `loaders::pages`).
#[derive(Default)]
pub struct DepartmentPage {
    ids: Vec<Uuid>,
    member_counts: Batch<Uuid, u64>,
    links: Batch<(Uuid, Scope), Vec<Link>>,
    /// Of the links above, for the whole page: the other departments,
    pub(crate) linked: Batch<Uuid, departments::Department>,
    /// the channels each link shares,
    pub(crate) shared_channels: Batch<SharedChannelsKey, Vec<channels::Channel>>,
    /// and how many messages those channels hold.
    pub(crate) link_messages: Batch<SharedChannelsKey, u64>,
}

impl DepartmentPage {
    /// Every link of the page's departments, once they are loaded.
    pub(crate) fn link_keys(&self) -> Vec<SharedChannelsKey> {
        let Some(links) = self.links.values() else {
            return Vec::new();
        };
        links
            .iter()
            .flat_map(|((from, scope), links)| {
                links.iter().map(|link| SharedChannelsKey {
                    department_id: *from,
                    linked_id: link.department_id,
                    scope: *scope,
                })
            })
            .collect()
    }
}

/// A department of the company: marketing, sales, hr, customer-service,
/// communications, …. People belong to departments, and channels link them.
// Fields resolve one after another, as a `Message`'s do (see there).
#[Object(serial)]
impl Department {
    /// The department's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Department, self.0.id)
    }
    /// Stable, URL-safe name, such as `customer-service`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The name people read, such as `Customer service`.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the department does; empty if not written.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// When the department was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// How many people belong to the department.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => {
                let keys = || page.ids.clone();
                let found = page
                    .member_counts
                    .get(loaders, |l| &l.member_count, keys, &self.0.id);
                found.await?
            }
            None => loaders.member_count.load_one(self.0.id).await?,
        };
        Ok(found.unwrap_or(0))
    }
    /// The department's people, by name.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn members(
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
        let wrap = User::in_page(&members);
        Ok(connection(
            members,
            wrap,
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
        let wrap = Channel::in_page(&found);
        Ok(connection(found, wrap, EmptyFields))
    }
    /// The departments this one shares channels with (that the viewer may
    /// see), by name, each with the shared channels and how many messages
    /// they hold: the synapse graph.
    async fn linked_departments(&self, ctx: &Context<'_>) -> Result<Vec<LinkedDepartment>> {
        let scope = Scope::of(ctx.viewer())?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let key = (self.0.id, scope);
        let links = match &self.1 {
            Some(page) => {
                let keys = || page.ids.iter().map(|id| (*id, scope)).collect();
                page.links
                    .get(loaders, |l| &l.linked_departments, keys, &key)
                    .await?
            }
            None => loaders.linked_departments.load_one(key).await?,
        };
        let links = links.unwrap_or_default();
        Ok(links
            .into_iter()
            .map(|link| LinkedDepartment {
                from: self.0.id,
                link,
                scope,
                page: self.1.clone(),
            })
            .collect())
    }
}

/// Names `Department.members`' connection `DepartmentMemberConnection`.
pub struct MemberConnectionName;

impl ConnectionNameType for MemberConnectionName {
    fn type_name<T: OutputType>() -> String {
        "DepartmentMemberConnection".to_owned()
    }
}

/// Names `Department.members`' edges `DepartmentMemberEdge`.
pub struct MemberEdgeName;

impl EdgeNameType for MemberEdgeName {
    fn type_name<T: OutputType>() -> String {
        "DepartmentMemberEdge".to_owned()
    }
}

/// A page of a department's people.
pub type MemberConnection =
    Connection<User, MemberConnectionFields, MemberConnectionName, MemberEdgeName>;

/// Extra fields of a department's member list.
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

/// A page of departments.
pub type DepartmentConnection = Connection<Department, DepartmentConnectionFields>;

/// Extra fields of the list of departments.
pub struct DepartmentConnectionFields;

#[Object]
impl DepartmentConnectionFields {
    /// How many departments there are.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(departments::count(ctx.db(), ctx.viewer()).await?)
    }
}

/// The departments' queries: `departments`, `department`.
#[derive(Default)]
pub struct DepartmentQuery;

#[Object]
impl DepartmentQuery {
    /// Every department, by name.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn departments(
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
    ) -> Result<DepartmentConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let found = departments::list(ctx.db(), ctx.viewer(), &page).await?;
        let rows = Arc::new(DepartmentPage {
            ids: found.items.iter().map(|(_, d)| d.id).collect(),
            ..DepartmentPage::default()
        });
        let wrap = move |d| Department(d, Some(rows.clone()));
        Ok(connection(found, wrap, DepartmentConnectionFields))
    }

    /// A department by slug.
    async fn department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's slug, such as `customer-service`.")] slug: String,
    ) -> Result<Department> {
        Ok(Department::one(
            departments::by_slug(ctx.db(), ctx.viewer(), &slug).await?,
        ))
    }
}

/// The input of `createDepartment`.
#[derive(InputObject)]
pub struct CreateDepartmentInput {
    /// 2–64 of a-z, 0-9 and single hyphens; unique.
    pub slug: String,
    /// One line, 1–200 characters.
    pub name: String,
    /// Up to 2,000 characters; empty when omitted.
    pub description: Option<String>,
}

/// The result of `createDepartment`.
#[derive(SimpleObject)]
pub struct CreateDepartmentPayload {
    /// The new department.
    pub department: Department,
}

/// The input of `updateDepartment`: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateDepartmentInput {
    /// The department to change.
    pub id: ID,
    /// 2–64 of a-z, 0-9 and single hyphens; unique.
    pub slug: Option<String>,
    /// One line, 1–200 characters.
    pub name: Option<String>,
    /// Up to 2,000 characters; empty clears it.
    pub description: Option<String>,
}

/// The result of `updateDepartment`.
#[derive(SimpleObject)]
pub struct UpdateDepartmentPayload {
    /// The department as it is now.
    pub department: Department,
}

/// The input of `addDepartmentMember` and `removeDepartmentMember`.
#[derive(InputObject)]
pub struct DepartmentMemberInput {
    /// The department.
    pub department_id: ID,
    /// The person.
    pub user_id: ID,
}

/// The result of `addDepartmentMember`.
#[derive(SimpleObject)]
pub struct AddDepartmentMemberPayload {
    /// The department, with its new member.
    pub department: Department,
    /// The person added.
    pub user: User,
}

/// The result of `removeDepartmentMember`.
#[derive(SimpleObject)]
pub struct RemoveDepartmentMemberPayload {
    /// The department, without the person.
    pub department: Department,
    /// The person removed.
    pub user: User,
}

/// The administrators' department mutations.
#[derive(Default)]
pub struct DepartmentMutation;

#[Object]
impl DepartmentMutation {
    /// Creates a department (admins).
    async fn create_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new department.")] input: CreateDepartmentInput,
    ) -> Result<CreateDepartmentPayload> {
        let new = NewDepartment {
            slug: input.slug,
            name: input.name,
            description: input.description,
        };
        let department = departments::create(ctx.db(), ctx.viewer(), new).await?;
        Ok(CreateDepartmentPayload {
            department: Department::one(department),
        })
    }

    /// Edits a department (admins). Omitted fields stay as they are.
    async fn update_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department and the fields to change.")] input: UpdateDepartmentInput,
    ) -> Result<UpdateDepartmentPayload> {
        let changes = DepartmentChanges {
            id: decode_as("id", Kind::Department, &input.id)?,
            slug: input.slug,
            name: input.name,
            description: input.description,
        };
        let department = departments::update(ctx.db(), ctx.viewer(), changes).await?;
        Ok(UpdateDepartmentPayload {
            department: Department::one(department),
        })
    }

    /// Adds a person to a department (admins). Adding a member again is a no-op.
    async fn add_department_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department and the person to add.")] input: DepartmentMemberInput,
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
        #[graphql(desc = "The department and the person to remove.")] input: DepartmentMemberInput,
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
    Ok((Department::one(department), User::one(user)))
}
