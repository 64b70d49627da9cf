//! The author's side: drafting and editing. Only the author edits, only in
//! DRAFT or CHANGES_REQUESTED, and only from the version they last saw.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use tracing::instrument;
use uuid::Uuid;

use super::{BODY_MAX_BYTES, EXCERPT_MAX, Post, Status, TITLE_MAX, live};
use crate::auth::{Action, Actor, Viewer};
use crate::config::Limits;
use crate::db;
use crate::domain::types::{Slug, bounded_text};
use crate::domain::{rate_limit, search};
use crate::entities::{department_members, departments, guest_posts, review_events};
use crate::error::{Error, Result, is_unique_violation};
use crate::events;

pub struct NewDraft {
    pub title: String,
    pub body: String,
    pub excerpt: Option<String>,
    pub department_id: Uuid,
    pub planned_for: Option<NaiveDate>,
    /// Derived from the title when omitted.
    pub slug: Option<String>,
    /// The message thread (its root message) the post grew from.
    pub source_thread: Option<Uuid>,
    /// The author's own check-in the post grew from (not with a thread).
    pub source_checkin: Option<Uuid>,
}

/// Starts a draft; counts against the content rate limit
/// (`limits.content_per_minute`).
#[instrument(skip(db, viewer, limits, input))]
pub async fn create_draft(
    db: &DatabaseConnection,
    viewer: &Viewer,
    limits: &Limits,
    input: NewDraft,
) -> Result<Post> {
    let actor = viewer.require(Action::WritePosts)?;
    let title = title(&input.title)?;
    let body = body(&input.body)?;
    let excerpt = excerpt(input.excerpt.as_deref().unwrap_or(""))?;
    let explicit_slug = input
        .slug
        .as_deref()
        .map(|s| Slug::parse("slug", s))
        .transpose()?;
    let planned_for = planned_for(input.planned_for)?;
    if let Some(thread) = input.source_thread {
        check_source_thread(db, viewer, thread).await?;
    }
    if let Some(checkin) = input.source_checkin {
        if input.source_thread.is_some() {
            return Err(Error::bad_input(
                "sourceCheckinId",
                "name one source: a thread or a check-in",
            ));
        }
        check_source_checkin(db, viewer, checkin).await?;
    }
    let source = match (input.source_thread, input.source_checkin) {
        (Some(thread), _) => Some((super::SOURCE_THREAD, thread)),
        (None, Some(checkin)) => Some((super::SOURCE_CHECKIN, checkin)),
        (None, None) => None,
    };

    let txn = db::begin_write(db).await?;
    check_department(&txn, actor, input.department_id).await?;
    rate_limit::check_content(&txn, limits, actor.user_id).await?;
    let slug = match explicit_slug {
        Some(slug) => {
            ensure_slug_free(&txn, &slug, None).await?;
            slug.as_str().to_owned()
        }
        None => free_slug(&txn, &slug_from_title(&title), None).await?,
    };
    let now = Utc::now();
    let post = guest_posts::ActiveModel {
        id: Set(Uuid::now_v7()),
        author_id: Set(actor.user_id),
        department_id: Set(input.department_id),
        title: Set(title),
        slug: Set(slug.clone()),
        body: Set(body),
        excerpt: Set(excerpt),
        status: Set(Status::Draft.as_str().to_owned()),
        version: Set(1),
        planned_for: Set(planned_for),
        publish_at: Set(None),
        published_at: Set(None),
        first_published_at: Set(None),
        submitted_at: Set(None),
        source_kind: Set(source.map(|(kind, _)| kind.to_owned())),
        source_id: Set(source.map(|(_, id)| id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| slug_clash(e, &slug))?;
    search::index::refresh(&txn, search::Kind::Post, &[post.id]).await?;
    txn.commit().await?;
    tracing::info!(post.id = %post.id, "post drafted");
    Ok(post.into())
}

/// An edit of a draft. `None` leaves a field as it is.
pub struct DraftChanges {
    pub id: Uuid,
    /// The version the author last saw; a stale one is a CONFLICT.
    pub expected_version: i32,
    pub title: Option<String>,
    pub body: Option<String>,
    pub excerpt: Option<String>,
    pub department_id: Option<Uuid>,
    pub planned_for: Option<NaiveDate>,
    pub slug: Option<String>,
    pub source_thread: Option<Uuid>,
}

#[instrument(skip(db, viewer, changes), fields(post.id = %changes.id))]
pub async fn update_draft(
    db: &DatabaseConnection,
    viewer: &Viewer,
    changes: DraftChanges,
) -> Result<Post> {
    let actor = viewer.require(Action::WritePosts)?;
    let new_title = changes.title.as_deref().map(title).transpose()?;
    let new_body = changes.body.as_deref().map(body).transpose()?;
    let new_excerpt = changes.excerpt.as_deref().map(excerpt).transpose()?;
    let new_slug = changes
        .slug
        .as_deref()
        .map(|s| Slug::parse("slug", s))
        .transpose()?;
    let new_planned_for = planned_for(changes.planned_for)?;
    if let Some(thread) = changes.source_thread {
        check_source_thread(db, viewer, thread).await?;
    }

    let txn = db::begin_write(db).await?;
    let post = guest_posts::Entity::find_by_id(changes.id)
        .one(&txn)
        .await?
        .filter(|p| p.author_id == actor.user_id)
        .ok_or(Error::NotFound("Post"))?;
    let status = Status::from_db(&post.status);
    if !status.editable() {
        return Err(Error::Conflict {
            field: None,
            message: format!(
                "The post is {status}: only drafts and posts with changes requested can be edited."
            ),
        });
    }
    if post.version != changes.expected_version {
        return Err(stale(post.version));
    }
    if let Some(department_id) = changes.department_id {
        check_department(&txn, actor, department_id).await?;
    }
    // The slug follows the title until it is set by hand or published.
    let slug = match (&new_slug, &new_title) {
        (Some(slug), _) => {
            ensure_slug_free(&txn, slug, Some(post.id)).await?;
            Some(slug.as_str().to_owned())
        }
        (None, Some(title))
            if post.first_published_at.is_none() && post.slug == slug_from_title(&post.title) =>
        {
            Some(free_slug(&txn, &slug_from_title(title), Some(post.id)).await?)
        }
        _ => None,
    };
    if slug.is_some() && post.first_published_at.is_some() {
        return Err(Error::bad_input(
            "slug",
            "cannot change once the post has been published",
        ));
    }

    let now = Utc::now();
    let mut update = guest_posts::Entity::update_many()
        .col_expr(guest_posts::Column::Version, Expr::value(post.version + 1))
        .col_expr(guest_posts::Column::UpdatedAt, Expr::value(now))
        .filter(guest_posts::Column::Id.eq(post.id))
        .filter(guest_posts::Column::Version.eq(post.version));
    if let Some(title) = new_title {
        update = update.col_expr(guest_posts::Column::Title, Expr::value(title));
    }
    if let Some(body) = new_body {
        update = update.col_expr(guest_posts::Column::Body, Expr::value(body));
    }
    if let Some(excerpt) = new_excerpt {
        update = update.col_expr(guest_posts::Column::Excerpt, Expr::value(excerpt));
    }
    if let Some(department_id) = changes.department_id {
        update = update.col_expr(
            guest_posts::Column::DepartmentId,
            Expr::value(department_id),
        );
    }
    if let Some(planned_for) = new_planned_for {
        update = update.col_expr(guest_posts::Column::PlannedFor, Expr::value(planned_for));
    }
    if let Some(slug) = &slug {
        update = update.col_expr(guest_posts::Column::Slug, Expr::value(slug.clone()));
    }
    if let Some(thread) = changes.source_thread {
        update = update
            .col_expr(
                guest_posts::Column::SourceKind,
                Expr::value(super::SOURCE_THREAD),
            )
            .col_expr(guest_posts::Column::SourceId, Expr::value(thread));
    }
    // Editing after changes were requested takes the post back to DRAFT.
    if status == Status::ChangesRequested {
        update = update.col_expr(
            guest_posts::Column::Status,
            Expr::value(Status::Draft.as_str()),
        );
        review_events::ActiveModel {
            id: Set(Uuid::now_v7()),
            post_id: Set(post.id),
            actor_id: Set(Some(actor.user_id)),
            from_status: Set(status.as_str().to_owned()),
            to_status: Set(Status::Draft.as_str().to_owned()),
            comment: Set(None),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let result = update.exec(&txn).await.map_err(|e| match &slug {
        Some(slug) => slug_clash(e, slug),
        None => e.into(),
    })?;
    if result.rows_affected != 1 {
        return Err(stale(post.version + 1));
    }
    let updated = guest_posts::Entity::find_by_id(post.id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("Post"))?;
    if status == Status::ChangesRequested {
        let event = live::status_changed(post.id, post.author_id, status, Status::Draft);
        events::record(&txn, event).await?;
    }
    search::index::refresh(&txn, search::Kind::Post, &[post.id]).await?;
    events::commit(txn).await?;
    Ok(updated.into())
}

/// A post's source thread must be a thread the author can see, named by its
/// first message.
async fn check_source_thread(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<()> {
    let message = crate::domain::messages::by_id(db, viewer, id).await?;
    if message.parent_id.is_some() {
        return Err(Error::bad_input(
            "sourceThreadId",
            "must be the first message of a thread, not a reply",
        ));
    }
    Ok(())
}

/// A post's source check-in must be one of its author's own (the win
/// grows into their story): someone else's is FORBIDDEN.
async fn check_source_checkin(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<()> {
    let actor = viewer.require(Action::WritePosts)?;
    let checkin = crate::domain::round::checkins::by_id(db, viewer, id).await?;
    if checkin.user_id != actor.user_id {
        return Err(Error::ForbiddenBecause(
            "A post can grow only from your own check-in.",
        ));
    }
    Ok(())
}

fn stale(current: i32) -> Error {
    Error::Conflict {
        field: Some("expectedVersion".to_owned()),
        message: format!(
            "The post changed since you loaded it (it is now at version {current}). Reload it and reapply your edit."
        ),
    }
}

fn title(value: &str) -> Result<String> {
    let title = bounded_text("title", value, 1, TITLE_MAX)?;
    if title.contains('\n') {
        return Err(Error::bad_input("title", "must be a single line"));
    }
    Ok(title)
}

fn body(value: &str) -> Result<String> {
    if value.len() > BODY_MAX_BYTES {
        return Err(Error::bad_input(
            "body",
            format!("must be at most {} KiB of markdown", BODY_MAX_BYTES / 1024),
        ));
    }
    bounded_text("body", value, 1, usize::MAX)
}

fn excerpt(value: &str) -> Result<String> {
    bounded_text("excerpt", value, 0, EXCERPT_MAX)
}

fn planned_for(date: Option<NaiveDate>) -> Result<Option<NaiveDate>> {
    // An editorial intent, not a commitment: the past is allowed (a post may
    // be late), the far future is a typo.
    match date {
        Some(d) if d > Utc::now().date_naive() + chrono::Days::new(5 * 366) => {
            Err(Error::bad_input("plannedFor", "must be within five years"))
        }
        other => Ok(other),
    }
}

/// Authors write for a department they belong to (admins for any).
async fn check_department(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    department_id: Uuid,
) -> Result<()> {
    if departments::Entity::find_by_id(department_id)
        .one(conn)
        .await?
        .is_none()
    {
        return Err(Error::NotFound("Department"));
    }
    let member = department_members::Entity::find_by_id((department_id, actor.user_id))
        .one(conn)
        .await?
        .is_some();
    if !member && actor.role != crate::auth::Role::Admin {
        return Err(Error::bad_input(
            "departmentId",
            "you can only write for a department you belong to",
        ));
    }
    Ok(())
}

/// A URL slug from a title: "Anna's 5 lessons from Q3!" → "anna-s-5-lessons-from-q3".
pub fn slug_from_title(title: &str) -> String {
    // Short enough that a "-NN" suffix still makes a valid `Slug` (≤ 64).
    Slug::from_text(title, 60).map_or_else(|| "post".to_owned(), |s| s.as_str().to_owned())
}

async fn ensure_slug_free(
    conn: &impl ConnectionTrait,
    slug: &Slug,
    except: Option<Uuid>,
) -> Result<()> {
    let mut select =
        guest_posts::Entity::find().filter(guest_posts::Column::Slug.eq(slug.as_str()));
    if let Some(id) = except {
        select = select.filter(guest_posts::Column::Id.ne(id));
    }
    if select.one(conn).await?.is_some() {
        return Err(Error::conflict(
            "slug",
            format!("Another post already uses the slug '{}'.", slug.as_str()),
        ));
    }
    Ok(())
}

/// `base`, or `base-2`, `base-3`, … whichever is free first.
async fn free_slug(
    conn: &impl ConnectionTrait,
    base: &str,
    except: Option<Uuid>,
) -> Result<String> {
    let candidates: Vec<String> = std::iter::once(base.to_owned())
        .chain((2..=100).map(|n| format!("{base}-{n}")))
        .collect();
    let mut select = guest_posts::Entity::find()
        .select_only()
        .column(guest_posts::Column::Slug)
        .filter(guest_posts::Column::Slug.is_in(candidates.clone()));
    if let Some(id) = except {
        select = select.filter(guest_posts::Column::Id.ne(id));
    }
    let taken: Vec<String> = select.into_tuple().all(conn).await?;
    candidates
        .into_iter()
        .find(|c| !taken.contains(c))
        .ok_or_else(|| {
            Error::conflict(
                "slug",
                "No free slug could be derived from the title; give one.",
            )
        })
}

fn slug_clash(err: sea_orm::DbErr, slug: &str) -> Error {
    if is_unique_violation(&err) {
        Error::conflict(
            "slug",
            format!("Another post already uses the slug '{slug}'."),
        )
    } else {
        err.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_titles_are_valid_slugs() {
        assert_eq!(
            slug_from_title("Anna's 5 lessons from Q3!"),
            "anna-s-5-lessons-from-q3"
        );
        assert_eq!(
            slug_from_title("Ünïcödé — naïve café"),
            "unicode-naive-cafe"
        );
        assert_eq!(slug_from_title("🎉"), "tada");
        assert_eq!(slug_from_title("!!!"), "post");
        for title in ["Anna's 5 lessons", "x", &"long title ".repeat(20)] {
            assert!(
                Slug::parse("slug", &slug_from_title(title)).is_ok(),
                "{title}"
            );
        }
    }
}
