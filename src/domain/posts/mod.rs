//! Guest posts: staff write about their work, the communications team
//! reviews, the public blog publishes. `workflow` is the state machine,
//! `edit` the author's drafts, `review` every transition (and the scheduler's
//! claim); this file holds the post itself, who may see it, and the lists.

pub mod edit;
pub mod live;
pub mod public;
pub mod render;
pub mod review;
pub mod workflow;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use similar::TextDiff;
use uuid::Uuid;

use super::pagination::{Cursor, Page, PageArgs};
use super::types::{Handle, Slug};
use crate::auth::{Action, Viewer, policy};
use crate::entities::{departments, guest_posts, post_revisions, review_events, users};
use crate::error::{Error, Result};
pub use workflow::{Status, Transition};

/// Longest title, in characters (docs/SECURITY.md).
pub const TITLE_MAX: usize = 200;
/// Longest body, in bytes of markdown (docs/SECURITY.md: 256 KiB).
pub const BODY_MAX_BYTES: usize = 256 * 1024;
pub const EXCERPT_MAX: usize = 500;
pub const COMMENT_MAX: usize = 4000;

#[derive(Clone, Debug)]
pub struct Post {
    pub id: Uuid,
    pub author_id: Uuid,
    pub department_id: Uuid,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    pub status: Status,
    pub version: i32,
    pub planned_for: Option<NaiveDate>,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The message thread the post grew from (its root message), if named.
    pub source_thread: Option<Uuid>,
    /// The author's check-in the post grew from, if named.
    pub source_checkin: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `guest_posts.source_kind` for a message thread.
pub const SOURCE_THREAD: &str = "thread";
/// `guest_posts.source_kind` for a check-in of the weekly round.
pub const SOURCE_CHECKIN: &str = "checkin";

impl From<guest_posts::Model> for Post {
    fn from(m: guest_posts::Model) -> Self {
        Post {
            id: m.id,
            author_id: m.author_id,
            department_id: m.department_id,
            status: Status::from_db(&m.status),
            title: m.title,
            slug: m.slug,
            body: m.body,
            excerpt: m.excerpt,
            version: m.version,
            planned_for: m.planned_for,
            publish_at: m.publish_at,
            published_at: m.published_at,
            submitted_at: m.submitted_at,
            source_thread: m
                .source_id
                .filter(|_| m.source_kind.as_deref() == Some(SOURCE_THREAD)),
            source_checkin: m
                .source_id
                .filter(|_| m.source_kind.as_deref() == Some(SOURCE_CHECKIN)),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Who may see a post: its author; reviewers, once it has been submitted;
/// everyone signed in, once it is published. Anonymous readers use the
/// public blog, which shows published posts only.
fn can_see(viewer: &Viewer, post: &guest_posts::Model) -> bool {
    let Some(actor) = viewer.actor() else {
        return false;
    };
    actor.user_id == post.author_id
        || Status::from_db(&post.status) == Status::Published
        || (policy::allows(actor.role, Action::ReviewPosts) && post.submitted_at.is_some())
}

/// Whether the viewer may see the post's revisions and review events: its
/// author and reviewers.
fn can_see_review(viewer: &Viewer, post: &Post) -> bool {
    viewer.actor().is_some_and(|actor| {
        actor.user_id == post.author_id || policy::allows(actor.role, Action::ReviewPosts)
    })
}

/// A post the viewer may see.
pub async fn by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Post> {
    viewer.require(Action::WritePosts)?;
    guest_posts::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|post| can_see(viewer, post))
        .map(Post::from)
        .ok_or(Error::NotFound("Post"))
}

/// Of `ids`, the posts the viewer may see, in one query (a page of
/// notifications about posts).
pub async fn visible_by_ids(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Post>> {
    viewer.require(Action::WritePosts)?;
    Ok(guest_posts::Entity::find()
        .filter(guest_posts::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter(|post| can_see(viewer, post))
        .map(|post| (post.id, Post::from(post)))
        .collect())
}

/// The viewer's own posts, newest first.
pub async fn mine(
    db: &DatabaseConnection,
    viewer: &Viewer,
    status: Option<Status>,
    page: &PageArgs,
) -> Result<Page<Post>> {
    let actor = viewer.require(Action::WritePosts)?;
    let mut select =
        guest_posts::Entity::find().filter(guest_posts::Column::AuthorId.eq(actor.user_id));
    if let Some(status) = status {
        select = select.filter(guest_posts::Column::Status.eq(status.as_str()));
    }
    newest_first(db, select, page).await
}

/// Posts waiting for review, the longest-waiting first.
pub async fn review_queue(
    db: &DatabaseConnection,
    viewer: &Viewer,
    page: &PageArgs,
) -> Result<Page<Post>> {
    viewer.require(Action::ReviewPosts)?;
    let select = guest_posts::Entity::find()
        .filter(guest_posts::Column::Status.eq(Status::InReview.as_str()));
    let rows = page
        .apply_by_time(
            select,
            guest_posts::Column::SubmittedAt,
            guest_posts::Column::Id,
            false,
        )?
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |p| {
            Cursor::at_time(p.submitted_at.unwrap_or(p.created_at), p.id)
        })
        .map(Post::from))
}

/// Filters for the reviewers' list of posts.
#[derive(Default)]
pub struct PostFilter {
    pub status: Option<Status>,
    /// A department slug.
    pub department: Option<String>,
    /// An author handle.
    pub author: Option<String>,
}

/// Every submitted post (reviewers), newest first.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &PostFilter,
    page: &PageArgs,
) -> Result<Page<Post>> {
    viewer.require(Action::ReviewPosts)?;
    let mut select =
        guest_posts::Entity::find().filter(guest_posts::Column::SubmittedAt.is_not_null());
    if let Some(status) = filter.status {
        select = select.filter(guest_posts::Column::Status.eq(status.as_str()));
    }
    if let Some(slug) = &filter.department {
        let Some(department) = department_by_slug(db, slug).await? else {
            return Ok(page.finish(Vec::new(), |p: &Post| Cursor::at_time(p.created_at, p.id)));
        };
        select = select.filter(guest_posts::Column::DepartmentId.eq(department));
    }
    if let Some(handle) = &filter.author {
        let handle = Handle::parse("author", handle)?;
        let author = users::Entity::find()
            .filter(users::Column::Handle.eq(handle.as_str()))
            .one(db)
            .await?;
        let Some(author) = author else {
            return Ok(page.finish(Vec::new(), |p: &Post| Cursor::at_time(p.created_at, p.id)));
        };
        select = select.filter(guest_posts::Column::AuthorId.eq(author.id));
    }
    newest_first(db, select, page).await
}

/// Published posts, newest first, for the public blog (no viewer needed).
pub async fn published(
    db: &DatabaseConnection,
    department: Option<&str>,
    page: &PageArgs,
) -> Result<Page<Post>> {
    let mut select = guest_posts::Entity::find()
        .filter(guest_posts::Column::Status.eq(Status::Published.as_str()));
    if let Some(slug) = department {
        let Some(department) = department_by_slug(db, slug).await? else {
            return Err(Error::NotFound("Department"));
        };
        select = select.filter(guest_posts::Column::DepartmentId.eq(department));
    }
    let rows = page
        .apply_by_time(
            select,
            guest_posts::Column::PublishedAt,
            guest_posts::Column::Id,
            true,
        )?
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |p| {
            Cursor::at_time(p.published_at.unwrap_or(p.created_at), p.id)
        })
        .map(Post::from))
}

/// A published post by slug, for the public blog.
pub async fn published_by_slug(db: &DatabaseConnection, slug: &str) -> Result<Post> {
    let slug = Slug::parse("slug", slug).map_err(|_| Error::NotFound("Post"))?;
    guest_posts::Entity::find()
        .filter(guest_posts::Column::Slug.eq(slug.as_str()))
        .filter(guest_posts::Column::Status.eq(Status::Published.as_str()))
        .one(db)
        .await?
        .map(Post::from)
        .ok_or(Error::NotFound("Post"))
}

async fn newest_first(
    db: &DatabaseConnection,
    select: sea_orm::Select<guest_posts::Entity>,
    page: &PageArgs,
) -> Result<Page<Post>> {
    let rows = page
        .apply_by_time(
            select,
            guest_posts::Column::CreatedAt,
            guest_posts::Column::Id,
            true,
        )?
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |p| Cursor::at_time(p.created_at, p.id))
        .map(Post::from))
}

async fn department_by_slug(db: &DatabaseConnection, slug: &str) -> Result<Option<Uuid>> {
    let slug = Slug::parse("department", slug)?;
    Ok(departments::Entity::find()
        .filter(departments::Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?
        .map(|d| d.id))
}

/// A submitted version of a post.
#[derive(Clone, Debug)]
pub struct Revision {
    pub number: i32,
    pub title: String,
    pub excerpt: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// A unified diff of title, excerpt and body against the previous
    /// revision (empty for the first).
    pub diff: String,
}

/// Every submitted revision of `post`, oldest first, each with its diff.
pub async fn revisions(
    db: &DatabaseConnection,
    viewer: &Viewer,
    post: &Post,
) -> Result<Vec<Revision>> {
    if !can_see_review(viewer, post) {
        return Err(Error::Forbidden);
    }
    let rows = post_revisions::Entity::find()
        .filter(post_revisions::Column::PostId.eq(post.id))
        .order_by_asc(post_revisions::Column::Number)
        .all(db)
        .await?;
    let mut previous: Option<String> = None;
    Ok(rows
        .into_iter()
        .map(|r| {
            let text = format!("# {}\n\n{}\n\n{}\n", r.title, r.excerpt, r.body);
            let diff = previous
                .as_deref()
                .map(|before| {
                    TextDiff::from_lines(before, &text)
                        .unified_diff()
                        .context_radius(3)
                        .header(
                            &format!("revision {}", r.number - 1),
                            &format!("revision {}", r.number),
                        )
                        .to_string()
                })
                .unwrap_or_default();
            previous = Some(text);
            Revision {
                number: r.number,
                title: r.title,
                excerpt: r.excerpt,
                body: r.body,
                created_at: r.created_at,
                diff,
            }
        })
        .collect())
}

/// One entry of a post's audit trail.
#[derive(Clone, Debug)]
pub struct ReviewEvent {
    pub id: Uuid,
    /// `None` when the scheduler acted.
    pub actor_id: Option<Uuid>,
    pub from: Status,
    pub to: Status,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// The audit trail of `post`, oldest first.
pub async fn review_events(
    db: &DatabaseConnection,
    viewer: &Viewer,
    post: &Post,
) -> Result<Vec<ReviewEvent>> {
    if !can_see_review(viewer, post) {
        return Err(Error::Forbidden);
    }
    Ok(review_events::Entity::find()
        .filter(review_events::Column::PostId.eq(post.id))
        .order_by_asc(review_events::Column::CreatedAt)
        .order_by_asc(review_events::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| ReviewEvent {
            id: e.id,
            actor_id: e.actor_id,
            from: Status::from_db(&e.from_status),
            to: Status::from_db(&e.to_status),
            comment: e.comment,
            at: e.created_at,
        })
        .collect())
}
