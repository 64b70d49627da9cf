//! Channels: public or private rooms linked to one or more departments (a
//! channel linked to two or more is a synapse between them), with members.
//!
//! `access` is who may see a channel and do what in it (one rule, one
//! type, also as the SQL condition of every list), `edit` creates and
//! changes channels, `membership` joins, leaves and lists members,
//! `synapses` answers the department-side questions (a department's
//! channels, the departments it shares channels with), `reads` is each
//! member's read marker and unread counts. This file holds the
//! channel itself and the lists.

pub mod access;
pub mod edit;
pub mod membership;
pub mod reads;
pub mod synapses;

pub use access::{Scope, visible_in_scopes};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use super::pagination::{Cursor, Page, PageArgs};
use super::types::{Slug, bounded_text};
use crate::auth::{Action, Viewer};
use crate::entities::{channel_departments, channels, departments};
use crate::error::{Error, Result};

/// Longest channel name, in characters.
pub const NAME_MAX: usize = 80;
/// Longest topic, in characters.
pub const TOPIC_MAX: usize = 500;
/// Most departments one channel may be linked to when created.
pub const DEPARTMENTS_MAX: usize = 20;

/// Who may find a channel: everyone signed in, or its members only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    /// Reads a stored value; an unknown one is a bug, so it fails closed to
    /// private.
    pub fn from_db(value: &str) -> Visibility {
        match value {
            "public" => Visibility::Public,
            "private" => Visibility::Private,
            other => {
                tracing::error!(visibility = other, "unknown channel visibility in database");
                Visibility::Private
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Channel {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub topic: String,
    pub visibility: Visibility,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<channels::Model> for Channel {
    fn from(m: channels::Model) -> Self {
        Channel {
            id: m.id,
            visibility: Visibility::from_db(&m.visibility),
            slug: m.slug,
            name: m.name,
            topic: m.topic,
            archived_at: m.archived_at,
            created_by: m.created_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl Channel {
    pub fn cursor(&self) -> Cursor {
        Cursor::new(self.name.clone(), self.id)
    }
}

/// `SELECT channel_id FROM channel_departments WHERE department_id = ?`.
fn linked_to(department_id: Uuid) -> SelectStatement {
    Query::select()
        .column((
            channel_departments::Entity,
            channel_departments::Column::ChannelId,
        ))
        .from(channel_departments::Entity)
        .and_where(
            Expr::col((
                channel_departments::Entity,
                channel_departments::Column::DepartmentId,
            ))
            .eq(department_id),
        )
        .to_owned()
}

/// A channel the viewer may see, by slug.
pub async fn by_slug(db: &DatabaseConnection, viewer: &Viewer, slug: &str) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let slug = Slug::parse("slug", slug)?;
    Ok(access::load_by_slug(db, actor, &slug).await?.into_channel())
}

/// A channel the viewer may see, by id.
pub async fn by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    Ok(access::load(db, actor, id, "Channel").await?.into_channel())
}

/// Filters for `channels(…)`.
#[derive(Default)]
pub struct ChannelFilter {
    /// Channels linked to this department (a slug).
    pub department: Option<String>,
    /// Channels shared by exactly these two departments (slugs): their synapse.
    pub between: Option<Vec<String>>,
    /// Only channels the viewer is (`true`) or is not (`false`) a member of.
    pub joined: Option<bool>,
    /// Part of the name, case-insensitive.
    pub search: Option<String>,
}

/// The channels the viewer may see, by name.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &ChannelFilter,
    page: &PageArgs,
) -> Result<Page<Channel>> {
    let select = filtered(db, viewer, filter).await?;
    let rows = page
        .apply(select, channels::Column::Name, channels::Column::Id)
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |c| Cursor::new(c.name.clone(), c.id))
        .map(Channel::from))
}

/// How many channels `list` would return on all pages.
pub async fn count(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &ChannelFilter,
) -> Result<u64> {
    Ok(filtered(db, viewer, filter).await?.count(db).await?)
}

async fn filtered(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &ChannelFilter,
) -> Result<sea_orm::Select<channels::Entity>> {
    let scope = Scope::of(viewer)?;
    let viewer_id = viewer.actor().map(|a| a.user_id).unwrap_or_default();
    let id = || Expr::col((channels::Entity, channels::Column::Id));
    let mut select = channels::Entity::find().filter(scope.condition());
    if let Some(slug) = &filter.department {
        let department = department_id(db, "department", slug).await?;
        select = select.filter(id().in_subquery(linked_to(department)));
    }
    if let Some(pair) = &filter.between {
        let [a, b] = pair.as_slice() else {
            return Err(Error::bad_input(
                "between",
                "must name exactly two departments",
            ));
        };
        if a == b {
            return Err(Error::bad_input(
                "between",
                "must name two different departments",
            ));
        }
        let a = department_id(db, "between", a).await?;
        let b = department_id(db, "between", b).await?;
        select = select
            .filter(id().in_subquery(linked_to(a)))
            .filter(id().in_subquery(linked_to(b)));
    }
    match filter.joined {
        Some(true) => select = select.filter(id().in_subquery(access::memberships_of(viewer_id))),
        Some(false) => {
            select = select.filter(id().not_in_subquery(access::memberships_of(viewer_id)))
        }
        None => {}
    }
    if let Some(search) = &filter.search {
        let search = bounded_text("search", search, 0, 100)?.to_lowercase();
        if !search.is_empty() {
            let escaped = search
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            select = select.filter(
                Expr::expr(Func::lower(Expr::col((
                    channels::Entity,
                    channels::Column::Name,
                ))))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
            );
        }
    }
    Ok(select)
}

/// The id of the department with `slug`; NOT_FOUND if there is none.
async fn department_id(conn: &impl ConnectionTrait, field: &str, slug: &str) -> Result<Uuid> {
    let slug = Slug::parse(field, slug)?;
    departments::Entity::find()
        .filter(departments::Column::Slug.eq(slug.as_str()))
        .one(conn)
        .await?
        .map(|d| d.id)
        .ok_or(Error::NotFound("Department"))
}
