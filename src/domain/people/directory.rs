//! The directory: finding people, one by one or as a page.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait,
};
use uuid::Uuid;

use crate::auth::{Action, Viewer};
use crate::db;
use crate::db::columns::{self, Columns};
use crate::domain::departments::Department;
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::types::{Handle, Slug, bounded_text};
use crate::entities::{department_members, departments, users};
use crate::error::{Error, Result};

use super::Person;

/// The signed-in person.
pub async fn me(db: &DatabaseConnection, viewer: &Viewer) -> Result<Person> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    find(db, actor.user_id).await
}

pub async fn by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Person> {
    viewer.require(Action::ReadDirectory)?;
    find(db, id).await
}

pub async fn by_handle(db: &DatabaseConnection, viewer: &Viewer, handle: &str) -> Result<Person> {
    viewer.require(Action::ReadDirectory)?;
    let handle = Handle::parse("handle", handle)?;
    Person::select(users::Entity::find().filter(users::Column::Handle.eq(handle.as_str())))
        .one(db)
        .await?
        .ok_or(Error::NotFound("User"))
}

/// Many people by id, for loaders. No policy check: callers already hold
/// something that referenced these people.
pub async fn by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> Result<Vec<Person>> {
    Ok(Person::select(users::Entity::find().filter(db::is_any(
        db.get_database_backend(),
        users::Column::Id,
        ids.to_vec(),
    )))
    .all(db)
    .await?)
}

/// Many people by id with their departments (by name), in one statement:
/// a page whose authors are shown with their departments. As
/// [`by_ids`], no policy check.
pub async fn with_departments(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (Person, Vec<Department>)>> {
    // A row per person and department (one with NULLs for a person in no
    // department), read by position: the person's columns, then the
    // department's. A person is decoded once, from their first row.
    let select = users::Entity::find()
        .select_only()
        .columns(Person::COLUMNS)
        .columns(Department::COLUMNS)
        .join(JoinType::LeftJoin, users::Relation::Memberships.def())
        .join(
            JoinType::LeftJoin,
            department_members::Relation::Department.def(),
        )
        .filter(db::is_any(
            db.get_database_backend(),
            (users::Entity, users::Column::Id),
            ids.to_vec(),
        ))
        .order_by_asc(departments::Column::Name);
    let rows = db.query_all(select.as_query()).await?;
    let mut found: HashMap<Uuid, (Person, Vec<Department>)> = HashMap::with_capacity(ids.len());
    for row in &rows {
        let id: Uuid = columns::get(row, 0)?;
        let (_, departments) = match found.entry(id) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                entry.insert((Person::read(&mut Columns::new(row, 0))?, Vec::new()))
            }
        };
        // A person in no department has one row, its department NULL.
        let department = Person::COLUMNS.len();
        if columns::get::<Option<Uuid>>(row, department)?.is_some() {
            departments.push(Department::read(&mut Columns::new(row, department))?);
        }
    }
    Ok(found)
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Person> {
    Person::select(users::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("User"))
}

/// Who to list in the directory.
#[derive(Default)]
pub struct PeopleFilter {
    /// Matches name, handle or email, case-insensitively.
    pub search: Option<String>,
    /// A department slug.
    pub department: Option<String>,
}

/// Active people, by name.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &PeopleFilter,
    page: &PageArgs,
) -> Result<Page<Person>> {
    viewer.require(Action::ReadDirectory)?;
    let select = filtered(filter)?;
    let rows = Person::select(page.apply(select, users::Column::DisplayName, users::Column::Id))
        .all(db)
        .await?;
    Ok(page.finish(rows, Person::cursor))
}

pub async fn count(db: &DatabaseConnection, viewer: &Viewer, filter: &PeopleFilter) -> Result<u64> {
    viewer.require(Action::ReadDirectory)?;
    Ok(filtered(filter)?.count(db).await?)
}

fn filtered(filter: &PeopleFilter) -> Result<sea_orm::Select<users::Entity>> {
    let mut select = users::Entity::find().filter(users::Column::DeactivatedAt.is_null());
    if let Some(search) = &filter.search {
        let search = bounded_text("search", search, 0, 100)?.to_lowercase();
        if !search.is_empty() {
            let escaped = search
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
            select = select.filter(
                Condition::any()
                    .add(
                        Expr::expr(Func::lower(Expr::col(users::Column::DisplayName)))
                            .like(pattern()),
                    )
                    .add(Expr::col(users::Column::Handle).like(pattern()))
                    .add(Expr::col(users::Column::Email).like(pattern())),
            );
        }
    }
    if let Some(slug) = &filter.department {
        let slug = Slug::parse("department", slug)?;
        select = select
            .join(
                sea_orm::JoinType::InnerJoin,
                users::Relation::Memberships.def(),
            )
            .join(
                sea_orm::JoinType::InnerJoin,
                department_members::Relation::Department.def(),
            )
            .filter(departments::Column::Slug.eq(slug.as_str()));
    }
    Ok(select)
}
