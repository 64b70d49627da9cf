//! The public blog's view of guest posts: PUBLISHED posts only, each with the
//! public face of its author (name and job title, never an email) and its
//! department. No viewer is needed; nothing here shows a draft, a review
//! comment or a revision.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Post, Status};
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::types::Slug;
use crate::domain::{departments, people};
use crate::entities::{departments as department_rows, guest_posts};
use crate::error::{Error, Result};

/// A post's author as the public sees them.
#[derive(Clone, Debug)]
pub struct Author {
    pub name: String,
    /// Job title; may be empty.
    pub title: String,
}

/// A department as the public sees it.
#[derive(Clone, Debug)]
pub struct Department {
    pub slug: String,
    pub name: String,
    pub description: String,
}

impl From<departments::Department> for Department {
    fn from(d: departments::Department) -> Self {
        Department {
            slug: d.slug,
            name: d.name,
            description: d.description,
        }
    }
}

impl From<department_rows::Model> for Department {
    fn from(d: department_rows::Model) -> Self {
        Department {
            slug: d.slug,
            name: d.name,
            description: d.description,
        }
    }
}

/// A published post with its author and department.
#[derive(Clone, Debug)]
pub struct Article {
    pub post: Post,
    pub author: Author,
    pub department: Department,
}

/// Published posts, newest first, optionally of one department (by slug);
/// an unknown department is `NotFound`. Authors and departments load in one
/// query each, whatever the page size.
pub async fn articles(
    db: &DatabaseConnection,
    department: Option<&str>,
    page: &PageArgs,
) -> Result<Page<Article>> {
    if let Some(slug) = department {
        // A malformed slug names no department.
        Slug::parse("department", slug).map_err(|_| Error::NotFound("Department"))?;
    }
    let found = super::published(db, department, page).await?;
    let posts: Vec<&Post> = found.items.iter().map(|(_, post)| post).collect();
    let (authors, departments) = relations(db, &posts).await?;
    let items = found
        .items
        .into_iter()
        .filter_map(|(cursor, post)| {
            let article = assemble(post, &authors, &departments)?;
            Some((cursor, article))
        })
        .collect();
    Ok(Page {
        items,
        has_next_page: found.has_next_page,
        has_previous_page: found.has_previous_page,
    })
}

/// One published post by its slug; anything else (unknown, unpublished,
/// malformed) is `NotFound`.
pub async fn article(db: &DatabaseConnection, slug: &str) -> Result<Article> {
    let post = super::published_by_slug(db, slug).await?;
    let (authors, departments) = relations(db, &[&post]).await?;
    assemble(post, &authors, &departments).ok_or(Error::NotFound("Post"))
}

/// A department by slug, whether or not it has published anything yet.
pub async fn department(db: &DatabaseConnection, slug: &str) -> Result<Department> {
    let slug = Slug::parse("department", slug).map_err(|_| Error::NotFound("Department"))?;
    department_rows::Entity::find()
        .filter(department_rows::Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?
        .map(Department::from)
        .ok_or(Error::NotFound("Department"))
}

/// The departments with at least one published post, by name.
pub async fn departments_with_articles(db: &DatabaseConnection) -> Result<Vec<Department>> {
    let published = Query::select()
        .column(guest_posts::Column::DepartmentId)
        .from(guest_posts::Entity)
        .and_where(Expr::col(guest_posts::Column::Status).eq(Status::Published.as_str()))
        .to_owned();
    Ok(department_rows::Entity::find()
        .filter(department_rows::Column::Id.in_subquery(published))
        .order_by_asc(department_rows::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(Department::from)
        .collect())
}

type Authors = HashMap<Uuid, Author>;
type Departments = HashMap<Uuid, Department>;

async fn relations(db: &DatabaseConnection, posts: &[&Post]) -> Result<(Authors, Departments)> {
    let mut author_ids: Vec<Uuid> = posts.iter().map(|p| p.author_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let mut department_ids: Vec<Uuid> = posts.iter().map(|p| p.department_id).collect();
    department_ids.sort_unstable();
    department_ids.dedup();
    let authors = people::by_ids(db, &author_ids)
        .await?
        .into_iter()
        .map(|p| {
            let author = Author {
                name: p.display_name,
                title: p.title,
            };
            (p.id, author)
        })
        .collect();
    let departments = departments::by_ids(db, &department_ids)
        .await?
        .into_iter()
        .map(|d| (d.id, Department::from(d)))
        .collect();
    Ok((authors, departments))
}

/// Only a published post with a known author and department is an article.
fn assemble(post: Post, authors: &Authors, departments: &Departments) -> Option<Article> {
    if post.status != Status::Published {
        return None;
    }
    let author = authors.get(&post.author_id)?.clone();
    let department = departments.get(&post.department_id)?.clone();
    Some(Article {
        post,
        author,
        department,
    })
}
