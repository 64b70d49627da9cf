//! Every workflow transition, taken in one transaction with its review event,
//! its revision (on submit) and its notifications; and the scheduler's
//! atomic claim of due posts.
//!
//! Each transition updates the row only if its status and version are still
//! what was read (`WHERE status = ? AND version = ?`). Of two reviewers
//! approving at once, one wins and the other gets CONFLICT; of two replicas
//! publishing a due post, exactly one does.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use tracing::instrument;
use uuid::Uuid;

use super::live;
use super::workflow::Taker;
use super::{COMMENT_MAX, Post, Status, Transition, can_see};
use crate::auth::Role;
use crate::auth::{Action, Viewer};
use crate::db;
use crate::domain::audit;
use crate::domain::notifications::{self, Kind, Subject};
use crate::domain::types::bounded_text;
use crate::entities::{guest_posts, post_revisions, review_events, users};
use crate::error::{Error, Result};
use crate::events;
use serde_json::json;

pub struct TransitionInput {
    pub post_id: Uuid,
    pub transition: Transition,
    /// Required for request-changes (the comment) and reject (the reason).
    pub comment: Option<String>,
    /// Required for schedule.
    pub publish_at: Option<DateTime<Utc>>,
}

#[instrument(skip(db, viewer, input), fields(post.id = %input.post_id, transition = ?input.transition))]
pub async fn apply(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: TransitionInput,
) -> Result<Post> {
    let transition = input.transition;
    let actor = match transition.taker() {
        Taker::Author => viewer.require(Action::WritePosts)?,
        Taker::Reviewer => viewer.require(Action::ReviewPosts)?,
    };
    let comment_field = if transition == Transition::Reject {
        "reason"
    } else {
        "comment"
    };
    let comment = match input.comment.as_deref() {
        Some(text) if transition.needs_comment() => {
            Some(bounded_text(comment_field, text, 1, COMMENT_MAX)?)
        }
        Some(text) => {
            Some(bounded_text(comment_field, text, 0, COMMENT_MAX)?).filter(|c| !c.is_empty())
        }
        None if transition.needs_comment() => {
            return Err(Error::bad_input(comment_field, "must not be empty"));
        }
        None => None,
    };
    let publish_at = match (transition, input.publish_at) {
        (Transition::Schedule, None) => return Err(Error::bad_input("publishAt", "is required")),
        (Transition::Schedule, Some(at)) if at <= Utc::now() => {
            return Err(Error::bad_input("publishAt", "must be in the future"));
        }
        (_, at) => at,
    };

    let txn = db::begin_write(db).await?;
    let post = guest_posts::Entity::find_by_id(input.post_id)
        .one(&txn)
        .await?
        .filter(|p| can_see(viewer, p))
        .ok_or(Error::NotFound("Post"))?;
    let is_author = post.author_id == actor.user_id;
    match transition.taker() {
        Taker::Author if !is_author => return Err(Error::Forbidden),
        // Separation of duties: a permission, whatever the role.
        Taker::Reviewer if is_author => return Err(Error::Forbidden),
        _ => {}
    }
    let from = Status::from_db(&post.status);
    let to = transition.from(from).ok_or_else(|| Error::Conflict {
        field: None,
        message: format!("Cannot {} a post that is {from}.", transition.verb()),
    })?;

    let now = Utc::now();
    let mut update = guest_posts::Entity::update_many()
        .col_expr(guest_posts::Column::Status, Expr::value(to.as_str()))
        .col_expr(guest_posts::Column::Version, Expr::value(post.version + 1))
        .col_expr(guest_posts::Column::UpdatedAt, Expr::value(now))
        .filter(guest_posts::Column::Id.eq(post.id))
        .filter(guest_posts::Column::Status.eq(from.as_str()))
        .filter(guest_posts::Column::Version.eq(post.version));
    match transition {
        Transition::Submit => {
            update = update.col_expr(guest_posts::Column::SubmittedAt, Expr::value(now));
        }
        Transition::Schedule => {
            update = update.col_expr(guest_posts::Column::PublishAt, Expr::value(publish_at));
        }
        Transition::Unschedule => {
            update = update.col_expr(
                guest_posts::Column::PublishAt,
                Expr::value(None::<DateTime<Utc>>),
            );
        }
        Transition::Publish => {
            update = update
                .col_expr(guest_posts::Column::PublishedAt, Expr::value(now))
                .col_expr(
                    guest_posts::Column::FirstPublishedAt,
                    Expr::value(post.first_published_at.unwrap_or(now)),
                );
        }
        Transition::Unpublish => {
            // Off the blog and off the schedule: APPROVED again, as if new.
            update = update
                .col_expr(
                    guest_posts::Column::PublishedAt,
                    Expr::value(None::<DateTime<Utc>>),
                )
                .col_expr(
                    guest_posts::Column::PublishAt,
                    Expr::value(None::<DateTime<Utc>>),
                );
        }
        _ => {}
    }
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(Error::Conflict {
            field: None,
            message: "Someone else changed this post at the same moment. Reload it and try again."
                .to_owned(),
        });
    }
    if transition == Transition::Submit {
        store_revision(&txn, &post, now).await?;
    }
    record(
        &txn,
        post.id,
        Some(actor.user_id),
        from,
        to,
        comment.clone(),
        now,
    )
    .await?;
    notify(&txn, &post, transition, actor.user_id, comment.as_deref()).await?;
    if let Some(action) = audited(transition) {
        let before = json!({ "status": from.as_str() });
        let after = json!({ "status": to.as_str(), "comment": comment, "publishAt": publish_at });
        audit::record(
            &txn,
            Some(actor.user_id),
            action,
            audit::Subject::Post(post.id),
            Some(before),
            Some(after),
        )
        .await?;
    }
    let updated = guest_posts::Entity::find_by_id(post.id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("Post"))?;
    // Last, just before the commit: relays wait at a gap in the event ids
    // until it commits (`crate::events`).
    events::record(
        &txn,
        live::status_changed(post.id, post.author_id, from, to),
    )
    .await?;
    events::commit(txn).await?;
    tracing::info!(post.id = %post.id, from = %from, to = %to, "post moved");
    Ok(updated.into())
}

/// Publishes every SCHEDULED post whose time has come. Safe to run on every
/// replica at once: each post is claimed by a conditional update, so exactly
/// one claim succeeds. Returns the ids this call published.
pub async fn publish_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
    let due: Vec<guest_posts::Model> = guest_posts::Entity::find()
        .filter(guest_posts::Column::Status.eq(Status::Scheduled.as_str()))
        .filter(guest_posts::Column::PublishAt.lte(now))
        .order_by_asc(guest_posts::Column::PublishAt)
        .limit(100)
        .all(db)
        .await?;
    let mut published = Vec::new();
    for post in due {
        let txn = db::begin_write(db).await?;
        let claimed = guest_posts::Entity::update_many()
            .col_expr(
                guest_posts::Column::Status,
                Expr::value(Status::Published.as_str()),
            )
            .col_expr(
                guest_posts::Column::Version,
                Expr::col(guest_posts::Column::Version).add(1),
            )
            .col_expr(guest_posts::Column::PublishedAt, Expr::value(now))
            .col_expr(
                guest_posts::Column::FirstPublishedAt,
                Expr::value(post.first_published_at.unwrap_or(now)),
            )
            .col_expr(guest_posts::Column::UpdatedAt, Expr::value(now))
            .filter(guest_posts::Column::Id.eq(post.id))
            .filter(guest_posts::Column::Status.eq(Status::Scheduled.as_str()))
            .filter(guest_posts::Column::PublishAt.lte(now))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            continue;
        }
        record(
            &txn,
            post.id,
            None,
            Status::Scheduled,
            Status::Published,
            None,
            now,
        )
        .await?;
        let subject = Subject {
            kind: "guest_post",
            id: post.id,
        };
        let message = format!("\"{}\" is published on the blog.", post.title);
        notifications::notify(
            &txn,
            &[post.author_id],
            Kind::ReviewDecision,
            None,
            &subject,
            &message,
        )
        .await?;
        // Published by the scheduler: no actor.
        audit::record(
            &txn,
            None,
            audit::Action::PostPublished,
            audit::Subject::Post(post.id),
            Some(json!({ "status": Status::Scheduled.as_str() })),
            Some(json!({ "status": Status::Published.as_str() })),
        )
        .await?;
        let event = live::status_changed(
            post.id,
            post.author_id,
            Status::Scheduled,
            Status::Published,
        );
        events::record(&txn, event).await?;
        events::commit(txn).await?;
        tracing::info!(post.id = %post.id, "scheduled post published");
        published.push(post.id);
    }
    Ok(published)
}

/// The audit log's name for a reviewer's transition (an author's own
/// submitting and withdrawing are not editorial actions).
fn audited(transition: Transition) -> Option<audit::Action> {
    Some(match transition {
        Transition::Submit | Transition::Withdraw => return None,
        Transition::RequestChanges => audit::Action::PostChangesRequested,
        Transition::Approve => audit::Action::PostApproved,
        Transition::Reject => audit::Action::PostRejected,
        Transition::Schedule => audit::Action::PostScheduled,
        Transition::Unschedule => audit::Action::PostUnscheduled,
        Transition::Publish => audit::Action::PostPublished,
        Transition::Unpublish => audit::Action::PostUnpublished,
    })
}

async fn store_revision(
    conn: &impl ConnectionTrait,
    post: &guest_posts::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let last: Option<i32> = post_revisions::Entity::find()
        .select_only()
        .column_as(post_revisions::Column::Number.max(), "number")
        .filter(post_revisions::Column::PostId.eq(post.id))
        .into_tuple::<Option<i32>>()
        .one(conn)
        .await?
        .flatten();
    post_revisions::ActiveModel {
        id: Set(Uuid::now_v7()),
        post_id: Set(post.id),
        number: Set(last.unwrap_or(0) + 1),
        title: Set(post.title.clone()),
        excerpt: Set(post.excerpt.clone()),
        body: Set(post.body.clone()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

async fn record(
    conn: &impl ConnectionTrait,
    post_id: Uuid,
    actor_id: Option<Uuid>,
    from: Status,
    to: Status,
    comment: Option<String>,
    at: DateTime<Utc>,
) -> Result<()> {
    review_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        post_id: Set(post_id),
        actor_id: Set(actor_id),
        from_status: Set(from.as_str().to_owned()),
        to_status: Set(to.as_str().to_owned()),
        comment: Set(comment),
        created_at: Set(at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Tells the next people to act: reviewers on submit, the author on every
/// decision.
async fn notify(
    conn: &DatabaseTransaction,
    post: &guest_posts::Model,
    transition: Transition,
    actor_id: Uuid,
    comment: Option<&str>,
) -> Result<()> {
    let subject = Subject {
        kind: "guest_post",
        id: post.id,
    };
    let title = &post.title;
    let (recipients, kind, message) = match transition {
        Transition::Submit => {
            let reviewers: Vec<Uuid> = users::Entity::find()
                .select_only()
                .column(users::Column::Id)
                .filter(users::Column::Role.is_in([Role::Comms.as_str(), Role::Admin.as_str()]))
                .filter(users::Column::DeactivatedAt.is_null())
                .into_tuple()
                .all(conn)
                .await?;
            (
                reviewers,
                Kind::ReviewRequest,
                format!("\"{title}\" is waiting for review."),
            )
        }
        Transition::Withdraw => return Ok(()),
        decision => {
            let what = match decision {
                Transition::RequestChanges => "Changes were requested on",
                Transition::Approve => "A reviewer approved",
                Transition::Reject => "A reviewer rejected",
                Transition::Schedule => "A reviewer scheduled",
                Transition::Unschedule => "A reviewer unscheduled",
                Transition::Publish => "A reviewer published",
                _ => "A reviewer unpublished",
            };
            let message = match comment {
                Some(comment) => format!("{what} \"{title}\": {comment}"),
                None => format!("{what} \"{title}\"."),
            };
            (vec![post.author_id], Kind::ReviewDecision, message)
        }
    };
    notifications::notify(conn, &recipients, kind, Some(actor_id), &subject, &message).await
}
