//! DataLoaders: every relation a list can ask for is loaded for the whole
//! list in one query, never once per item. One set per request.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::departments::{self, Department};
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::people::{self, Person};

pub struct Loaders {
    pub departments_of_user: DataLoader<DepartmentsOfUser>,
    pub member_count: DataLoader<MemberCount>,
    pub members: DataLoader<Members>,
    pub person: DataLoader<PersonById>,
    pub department: DataLoader<DepartmentById>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Loaders {
        Loaders {
            departments_of_user: DataLoader::new(DepartmentsOfUser(db.clone()), tokio::spawn),
            member_count: DataLoader::new(MemberCount(db.clone()), tokio::spawn),
            members: DataLoader::new(Members(db.clone()), tokio::spawn),
            person: DataLoader::new(PersonById(db.clone()), tokio::spawn),
            department: DataLoader::new(DepartmentById(db.clone()), tokio::spawn),
        }
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

impl Loaders {
    /// The person with `id`, batched with every other lookup in the request.
    pub async fn person(
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<Person> {
        let found = ctx.data_unchecked::<Loaders>().person.load_one(id).await?;
        Ok(found.ok_or(crate::error::Error::NotFound("User"))?)
    }

    /// The department with `id`, batched likewise.
    pub async fn department(
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<Department> {
        let found = ctx
            .data_unchecked::<Loaders>()
            .department
            .load_one(id)
            .await?;
        Ok(found.ok_or(crate::error::Error::NotFound("Department"))?)
    }
}

/// `User.departments`.
pub struct DepartmentsOfUser(DatabaseConnection);

impl Loader<Uuid> for DepartmentsOfUser {
    type Value = Vec<Department>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(departments::of_users(&self.0, keys).await?)
    }
}

/// `Department.memberCount` and the members connection's `totalCount`.
pub struct MemberCount(DatabaseConnection);

impl Loader<Uuid> for MemberCount {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(departments::member_counts(&self.0, keys).await?)
    }
}

/// A page of `Department.members`: keys asking for the same page of different
/// departments share one query.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MembersKey {
    pub department_id: Uuid,
    pub page: PageArgs,
}

pub struct Members(DatabaseConnection);

impl Loader<MembersKey> for Members {
    type Value = Page<Person>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MembersKey]) -> LoadResult<MembersKey, Self::Value> {
        let mut by_page: HashMap<&PageArgs, Vec<Uuid>> = HashMap::new();
        for key in keys {
            by_page
                .entry(&key.page)
                .or_default()
                .push(key.department_id);
        }
        let mut pages = HashMap::new();
        for (page, department_ids) in by_page {
            for (department_id, members) in
                departments::members_of(&self.0, &department_ids, page).await?
            {
                let key = MembersKey {
                    department_id,
                    page: page.clone(),
                };
                pages.insert(key, members);
            }
        }
        Ok(pages)
    }
}

/// People by id, for any field that references a person.
pub struct PersonById(DatabaseConnection);

impl Loader<Uuid> for PersonById {
    type Value = Person;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(people::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect())
    }
}

/// Departments by id (a post's department).
pub struct DepartmentById(DatabaseConnection);

impl Loader<Uuid> for DepartmentById {
    type Value = Department;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(departments::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect())
    }
}
