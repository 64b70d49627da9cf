//! Departments and their membership.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    RelationTrait, Set,
};
use tracing::instrument;
use uuid::Uuid;

use super::pagination::{Cursor, Page, PageArgs, page_per_group};
use super::people::Person;
use super::types::{Slug, bounded_text, display_name};
use crate::auth::{Action, Viewer};
use crate::db;
use crate::db::columns::Columns;
use crate::domain::analytics;
use crate::domain::audit::{self, Subject};
use crate::entities::{department_members, departments, users};
use crate::error::{Error, Result, is_unique_violation};

#[derive(Clone, Debug)]
pub struct Department {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

impl From<departments::Model> for Department {
    fn from(m: departments::Model) -> Self {
        Department {
            id: m.id,
            slug: m.slug,
            name: m.name,
            description: m.description,
            created_at: m.created_at,
        }
    }
}

impl Department {
    /// The columns a department is read from, in the order
    /// [`Department::read`] reads them.
    pub(crate) const COLUMNS: [departments::Column; 5] = [
        departments::Column::Id,
        departments::Column::Slug,
        departments::Column::Name,
        departments::Column::Description,
        departments::Column::CreatedAt,
    ];

    /// A department from the next columns of a row: [`Department::COLUMNS`],
    /// in order (`db::columns`).
    pub(crate) fn read(columns: &mut Columns<'_>) -> std::result::Result<Department, DbErr> {
        Ok(Department {
            id: columns.read()?,
            slug: columns.read()?,
            name: columns.read()?,
            description: columns.read()?,
            created_at: columns.read()?,
        })
    }

    pub fn cursor(&self) -> Cursor {
        Cursor::new(self.name.clone(), self.id)
    }
}

/// Departments ordered by name.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    page: &PageArgs,
) -> Result<Page<Department>> {
    viewer.require(Action::ReadDirectory)?;
    let rows = page
        .apply(
            departments::Entity::find(),
            departments::Column::Name,
            departments::Column::Id,
        )
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |d| Cursor::new(d.name.clone(), d.id))
        .map(Department::from))
}

pub async fn count(db: &DatabaseConnection, viewer: &Viewer) -> Result<u64> {
    viewer.require(Action::ReadDirectory)?;
    use sea_orm::PaginatorTrait;
    Ok(departments::Entity::find().count(db).await?)
}

pub async fn by_slug(db: &DatabaseConnection, viewer: &Viewer, slug: &str) -> Result<Department> {
    viewer.require(Action::ReadDirectory)?;
    let slug = Slug::parse("slug", slug)?;
    departments::Entity::find()
        .filter(departments::Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?
        .map(Department::from)
        .ok_or(Error::NotFound("Department"))
}

pub async fn by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Department> {
    viewer.require(Action::ReadDirectory)?;
    departments::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Department::from)
        .ok_or(Error::NotFound("Department"))
}

/// Many departments by id, for loaders.
pub async fn by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> Result<Vec<Department>> {
    Ok(departments::Entity::find()
        .filter(departments::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(Department::from)
        .collect())
}

pub struct NewDepartment {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
}

#[instrument(skip(db, viewer, input), fields(department.slug = %input.slug))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewDepartment,
) -> Result<Department> {
    let actor = viewer.require(Action::ManageDepartments)?;
    let slug = Slug::parse("slug", &input.slug)?;
    let name = display_name("name", &input.name)?;
    let description = bounded_text(
        "description",
        input.description.as_deref().unwrap_or(""),
        0,
        2000,
    )?;
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let created = departments::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug.as_str().to_owned()),
        name: Set(name),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| slug_clash(e, &slug))?;
    let after = described(&created);
    audit::record(
        &txn,
        Some(actor.user_id),
        audit::Action::DepartmentCreated,
        Subject::Department(created.id),
        None,
        Some(after),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(department.id = %created.id, "department created");
    Ok(created.into())
}

pub struct DepartmentChanges {
    pub id: Uuid,
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[instrument(skip(db, viewer, input), fields(department.id = %input.id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: DepartmentChanges,
) -> Result<Department> {
    let actor = viewer.require(Action::ManageDepartments)?;
    let slug = input
        .slug
        .as_deref()
        .map(|s| Slug::parse("slug", s))
        .transpose()?;
    let name = input
        .name
        .as_deref()
        .map(|n| display_name("name", n))
        .transpose()?;
    let description = input
        .description
        .as_deref()
        .map(|d| bounded_text("description", d, 0, 2000))
        .transpose()?;
    let txn = db::begin_write(db).await?;
    let existing = departments::Entity::find_by_id(input.id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("Department"))?;
    let before = described(&existing);
    let mut active = existing.into_active_model();
    if let Some(slug) = &slug {
        active.slug = Set(slug.as_str().to_owned());
    }
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await.map_err(|e| match &slug {
        Some(slug) => slug_clash(e, slug),
        None => e.into(),
    })?;
    let after = described(&updated);
    audit::record(
        &txn,
        Some(actor.user_id),
        audit::Action::DepartmentUpdated,
        Subject::Department(updated.id),
        Some(before),
        Some(after),
    )
    .await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// What the audit log keeps of a department.
fn described(department: &departments::Model) -> serde_json::Value {
    serde_json::json!({
        "slug": department.slug,
        "name": department.name,
        "description": department.description,
    })
}

fn slug_clash(err: sea_orm::DbErr, slug: &Slug) -> Error {
    if is_unique_violation(&err) {
        Error::conflict(
            "slug",
            format!("A department with slug '{}' already exists.", slug.as_str()),
        )
    } else {
        err.into()
    }
}

/// Adds a person to a department; adding an existing member is a no-op.
#[instrument(skip(db, viewer))]
pub async fn add_member(
    db: &DatabaseConnection,
    viewer: &Viewer,
    department_id: Uuid,
    user_id: Uuid,
) -> Result<()> {
    let actor = viewer.require(Action::ManageDepartments)?;
    let txn = db::begin_write(db).await?;
    ensure_exists(&txn, department_id, user_id).await?;
    let existing = department_members::Entity::find_by_id((department_id, user_id))
        .one(&txn)
        .await?;
    if existing.is_none() {
        department_members::ActiveModel {
            department_id: Set(department_id),
            user_id: Set(user_id),
            joined_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        analytics::record::memberships_changed(&txn, &[user_id]).await?;
        let after = serde_json::json!({ "userId": user_id });
        audit::record(
            &txn,
            Some(actor.user_id),
            audit::Action::DepartmentMemberAdded,
            Subject::Department(department_id),
            None,
            Some(after),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Removes a person from a department; removing a non-member is a no-op.
#[instrument(skip(db, viewer))]
pub async fn remove_member(
    db: &DatabaseConnection,
    viewer: &Viewer,
    department_id: Uuid,
    user_id: Uuid,
) -> Result<()> {
    let actor = viewer.require(Action::ManageDepartments)?;
    let txn = db::begin_write(db).await?;
    ensure_exists(&txn, department_id, user_id).await?;
    let removed = department_members::Entity::delete_by_id((department_id, user_id))
        .exec(&txn)
        .await?;
    analytics::record::memberships_changed(&txn, &[user_id]).await?;
    if removed.rows_affected > 0 {
        let before = serde_json::json!({ "userId": user_id });
        audit::record(
            &txn,
            Some(actor.user_id),
            audit::Action::DepartmentMemberRemoved,
            Subject::Department(department_id),
            Some(before),
            None,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn ensure_exists(
    conn: &impl ConnectionTrait,
    department_id: Uuid,
    user_id: Uuid,
) -> Result<()> {
    if departments::Entity::find_by_id(department_id)
        .one(conn)
        .await?
        .is_none()
    {
        return Err(Error::NotFound("Department"));
    }
    if users::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .is_none()
    {
        return Err(Error::NotFound("User"));
    }
    Ok(())
}

/// The departments of each of `user_ids`, by name: one query for any number
/// of people (behind `User.departments`).
pub async fn of_users(
    db: &DatabaseConnection,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Department>>> {
    // The person's id, then the department's columns, read by position.
    let select = departments::Entity::find()
        .select_only()
        .column(department_members::Column::UserId)
        .columns(Department::COLUMNS)
        .join(JoinType::InnerJoin, departments::Relation::Members.def())
        .filter(db::is_any(
            db.get_database_backend(),
            department_members::Column::UserId,
            user_ids.to_vec(),
        ))
        .order_by_asc(departments::Column::Name);
    let mut by_user: HashMap<Uuid, Vec<Department>> = HashMap::new();
    for row in db.query_all(select.as_query()).await? {
        let mut columns = Columns::new(&row, 0);
        let user_id: Uuid = columns.read()?;
        by_user
            .entry(user_id)
            .or_default()
            .push(Department::read(&mut columns)?);
    }
    Ok(by_user)
}

/// How many active members each of `department_ids` has: one GROUP BY.
pub async fn member_counts(
    db: &DatabaseConnection,
    department_ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>> {
    #[derive(FromQueryResult)]
    struct Row {
        department_id: Uuid,
        members: i64,
    }
    let rows = department_members::Entity::find()
        .select_only()
        .column(department_members::Column::DepartmentId)
        .column_as(department_members::Column::UserId.count(), "members")
        .join(
            JoinType::InnerJoin,
            department_members::Relation::User.def(),
        )
        .filter(department_members::Column::DepartmentId.is_in(department_ids.iter().copied()))
        // Deactivated people leave the directory, and so their departments.
        .filter(users::Column::DeactivatedAt.is_null())
        .group_by(department_members::Column::DepartmentId)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.department_id, u64::try_from(r.members).unwrap_or(0)))
        .collect())
}

/// One page of members for each of `department_ids`, all with the same
/// `page` arguments, in one query (a window function numbers each
/// department's members), so listing departments with their members is not
/// one query per department.
pub async fn members_of(
    db: &DatabaseConnection,
    department_ids: &[Uuid],
    page: &PageArgs,
) -> Result<HashMap<Uuid, Page<Person>>> {
    let active_members = Query::select()
        .column((users::Entity, Asterisk))
        .from(department_members::Entity)
        .inner_join(
            users::Entity,
            Expr::col((users::Entity, users::Column::Id)).equals((
                department_members::Entity,
                department_members::Column::UserId,
            )),
        )
        .and_where(Expr::col((users::Entity, users::Column::DeactivatedAt)).is_null())
        .to_owned();
    page_per_group(
        db,
        active_members,
        (
            department_members::Entity,
            department_members::Column::DepartmentId,
        ),
        department_ids,
        (users::Entity, users::Column::DisplayName),
        (users::Entity, users::Column::Id),
        page,
        Person::from as fn(users::Model) -> Person,
        Person::cursor,
    )
    .await
}
