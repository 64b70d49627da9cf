//! Loaders of the directory: people, departments and their members.

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{LoadResult, per_group};
use crate::domain::departments::{self, Department};
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::people::{self, Person};

/// `User.departments`.
pub struct DepartmentsOfUser(pub(super) DatabaseConnection);

impl Loader<Uuid> for DepartmentsOfUser {
    type Value = Vec<Department>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(departments::of_users(&self.0, keys).await?)
    }
}

/// `Department.memberCount` and the members connection's `totalCount`.
pub struct MemberCount(pub(super) DatabaseConnection);

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
    /// The department.
    pub department_id: Uuid,
    /// The page asked for.
    pub page: PageArgs,
}

/// Pages of `Department.members`, keyed by [`MembersKey`].
pub struct Members(pub(super) DatabaseConnection);

impl Loader<MembersKey> for Members {
    type Value = Page<Person>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MembersKey]) -> LoadResult<MembersKey, Self::Value> {
        let db = &self.0;
        per_group(
            keys,
            |key| (key.page.clone(), key.department_id),
            |page, ids| async move { departments::members_of(db, &ids, &page).await },
        )
        .await
    }
}

/// People by id, for any field that references a person.
pub struct PersonById(pub(super) DatabaseConnection);

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

/// People by id with their departments, in one statement: a page's authors
/// when the query asks for their departments too.
pub struct PersonWithDepartments(pub(super) DatabaseConnection);

impl Loader<Uuid> for PersonWithDepartments {
    type Value = (Person, Vec<Department>);
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        Ok(people::with_departments(&self.0, keys).await?)
    }
}

/// Departments by id (a post's department).
pub struct DepartmentById(pub(super) DatabaseConnection);

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
