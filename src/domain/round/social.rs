//! Reactions and comments on check-ins: everyone signed in may react (the
//! message reaction set, `messages::reactions::CODES`) and comment; a
//! comment is edited and deleted by its author only (deleted comments
//! leave the list). A new reaction or comment notifies the check-in's
//! author (CHECKIN_REACTION, CHECKIN_COMMENT; never themself), and every
//! change records a `roundChanged` event for the author's departments, in
//! the same transaction.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Set,
};
use tracing::instrument;
use uuid::Uuid;

use super::checkins::{Checkin, departments_of, record_changed};
use crate::auth::{Action, Viewer};
use crate::config::Limits;
use crate::db;
use crate::domain::messages::reactions::{self, Code};
use crate::domain::messages::{BODY_MAX_BYTES, ReactionGroup};
use crate::domain::notifications::{self, Kind, Subject};
use crate::domain::pagination::{Page, PageArgs, page_per_group_by_time};
use crate::domain::rate_limit;
use crate::domain::types::bounded_text;
use crate::entities::{checkin_comments, checkin_reactions, checkins, users};
use crate::error::{Error, Result};

/// A comment row.
pub type Comment = checkin_comments::Model;

/// Adds (or, with `add` false, removes) the viewer's reaction; adding it
/// again or removing one that is not there changes nothing.
#[instrument(skip(db, viewer))]
pub async fn react(
    db: &DatabaseConnection,
    viewer: &Viewer,
    checkin_id: Uuid,
    code: &str,
    add: bool,
) -> Result<Checkin> {
    let actor = viewer.require(Action::WriteCheckins)?;
    let code = Code::parse("code", code)?;
    let txn = db::begin_write(db).await?;
    let checkin = load(&txn, checkin_id).await?;
    let key = (checkin.id, code.as_str().to_owned(), actor.user_id);
    let existing = checkin_reactions::Entity::find_by_id(key.clone())
        .one(&txn)
        .await?;
    match (add, existing) {
        (true, None) => {
            checkin_reactions::ActiveModel {
                checkin_id: Set(checkin.id),
                code: Set(code.as_str().to_owned()),
                user_id: Set(actor.user_id),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            let who = name_of(&txn, actor.user_id).await?;
            notify_author(
                &txn,
                &checkin,
                Kind::CheckinReaction,
                actor.user_id,
                &format!(
                    "{who} reacted :{}: to your check-in of {}.",
                    code.as_str(),
                    checkin.week
                ),
            )
            .await?;
            changed(&txn, &checkin, "reaction_added").await?;
        }
        (false, Some(_)) => {
            checkin_reactions::Entity::delete_by_id(key)
                .exec(&txn)
                .await?;
            changed(&txn, &checkin, "reaction_removed").await?;
        }
        _ => {
            txn.commit().await?;
            return Ok(checkin);
        }
    }
    crate::events::commit(txn).await?;
    Ok(checkin)
}

/// Comments on a check-in (markdown, like a message body). Counts
/// against the content rate limit, as a message does.
#[instrument(skip(db, viewer, limits, body))]
pub async fn comment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    limits: &Limits,
    checkin_id: Uuid,
    body: &str,
) -> Result<Comment> {
    let actor = viewer.require(Action::WriteCheckins)?;
    let body = comment_body(body)?;
    let txn = db::begin_write(db).await?;
    let checkin = load(&txn, checkin_id).await?;
    rate_limit::check_content(&txn, limits, actor.user_id).await?;
    let comment = checkin_comments::ActiveModel {
        id: Set(Uuid::now_v7()),
        checkin_id: Set(checkin.id),
        author_id: Set(actor.user_id),
        body: Set(body),
        created_at: Set(Utc::now()),
        edited_at: Set(None),
        deleted_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let who = name_of(&txn, actor.user_id).await?;
    notify_author(
        &txn,
        &checkin,
        Kind::CheckinComment,
        actor.user_id,
        &format!("{who} commented on your check-in of {}.", checkin.week),
    )
    .await?;
    changed(&txn, &checkin, "comment_added").await?;
    crate::events::commit(txn).await?;
    Ok(comment)
}

/// Edits (a new body) or deletes (`None`) one of the viewer's comments;
/// someone else's is FORBIDDEN, a deleted one NOT_FOUND.
#[instrument(skip(db, viewer, body))]
pub async fn change_comment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    comment_id: Uuid,
    body: Option<&str>,
) -> Result<Comment> {
    let actor = viewer.require(Action::WriteCheckins)?;
    let body = body.map(comment_body).transpose()?;
    let txn = db::begin_write(db).await?;
    let comment = checkin_comments::Entity::find_by_id(comment_id)
        .one(&txn)
        .await?
        .filter(|c| c.deleted_at.is_none())
        .ok_or(Error::NotFound("CheckinComment"))?;
    if comment.author_id != actor.user_id {
        return Err(Error::ForbiddenBecause(
            "Only a comment's author changes it.",
        ));
    }
    let checkin = load(&txn, comment.checkin_id).await?;
    let mut row: checkin_comments::ActiveModel = comment.into();
    let what = match body {
        Some(body) => {
            row.body = Set(body);
            row.edited_at = Set(Some(Utc::now()));
            "comment_edited"
        }
        None => {
            row.body = Set(String::new());
            row.deleted_at = Set(Some(Utc::now()));
            "comment_deleted"
        }
    };
    let comment = row.update(&txn).await?;
    changed(&txn, &checkin, what).await?;
    crate::events::commit(txn).await?;
    Ok(comment)
}

/// A comment that is not deleted (everyone signed in).
pub async fn comment_by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Comment> {
    viewer.require(Action::ReadDirectory)?;
    checkin_comments::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|c| c.deleted_at.is_none())
        .ok_or(Error::NotFound("CheckinComment"))
}

/// A page of comments (oldest first, deleted ones left out) for each of
/// `checkin_ids`: one query.
pub async fn comments_of(
    db: &DatabaseConnection,
    checkin_ids: &[Uuid],
    page: &PageArgs,
) -> Result<HashMap<Uuid, Page<Comment>>> {
    let select = Query::select()
        .column((checkin_comments::Entity, Asterisk))
        .from(checkin_comments::Entity)
        .and_where(
            Expr::col((
                checkin_comments::Entity,
                checkin_comments::Column::DeletedAt,
            ))
            .is_null(),
        )
        .to_owned();
    page_per_group_by_time(
        db,
        select,
        (
            checkin_comments::Entity,
            checkin_comments::Column::CheckinId,
        ),
        checkin_ids,
        (
            (
                checkin_comments::Entity,
                checkin_comments::Column::CreatedAt,
            ),
            (checkin_comments::Entity, checkin_comments::Column::Id),
        ),
        false,
        page,
        |c: Comment| c,
        |c| crate::domain::pagination::Cursor::at_time(c.created_at, c.id),
    )
    .await
}

/// The reactions on each of `checkin_ids` grouped by code (in the
/// documented order), as `viewer_id` sees them: one GROUP BY.
pub async fn reaction_groups(
    db: &impl ConnectionTrait,
    viewer_id: Uuid,
    checkin_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ReactionGroup>>> {
    #[derive(FromQueryResult)]
    struct Row {
        checkin_id: Uuid,
        code: String,
        reacted: i64,
        mine: Option<i64>,
    }
    let mut grouped: HashMap<Uuid, Vec<ReactionGroup>> = HashMap::new();
    if checkin_ids.is_empty() {
        return Ok(grouped);
    }
    let mine = Expr::case(checkin_reactions::Column::UserId.eq(viewer_id), 1).finally(0);
    let rows = checkin_reactions::Entity::find()
        .select_only()
        .column(checkin_reactions::Column::CheckinId)
        .column(checkin_reactions::Column::Code)
        .column_as(checkin_reactions::Column::UserId.count(), "reacted")
        .column_as(Expr::expr(mine).sum(), "mine")
        .filter(db::is_any(
            db.get_database_backend(),
            checkin_reactions::Column::CheckinId,
            checkin_ids.to_vec(),
        ))
        .group_by(checkin_reactions::Column::CheckinId)
        .group_by(checkin_reactions::Column::Code)
        .into_model::<Row>()
        .all(db)
        .await?;
    for row in rows {
        grouped
            .entry(row.checkin_id)
            .or_default()
            .push(ReactionGroup {
                code: row.code,
                count: u64::try_from(row.reacted).unwrap_or(0),
                viewer_has_reacted: row.mine.unwrap_or(0) > 0,
            });
    }
    for groups in grouped.values_mut() {
        groups.sort_by_key(|g| reactions::position(&g.code));
    }
    Ok(grouped)
}

/// Markdown like a message body: 1 character to 64 KiB after trimming.
fn comment_body(value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.len() > BODY_MAX_BYTES {
        return Err(Error::bad_input(
            "body",
            format!(
                "must be at most {BODY_MAX_BYTES} bytes (got {})",
                trimmed.len()
            ),
        ));
    }
    bounded_text("body", trimmed, 1, BODY_MAX_BYTES)
}

async fn load(txn: &DatabaseTransaction, checkin_id: Uuid) -> Result<Checkin> {
    checkins::Entity::find_by_id(checkin_id)
        .one(txn)
        .await?
        .ok_or(Error::NotFound("Checkin"))
}

async fn name_of(txn: &DatabaseTransaction, user_id: Uuid) -> Result<String> {
    Ok(users::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default())
}

/// Tells the check-in's author (never the actor: `notify` leaves them out).
async fn notify_author(
    txn: &DatabaseTransaction,
    checkin: &Checkin,
    kind: Kind,
    actor_id: Uuid,
    message: &str,
) -> Result<()> {
    let subject = Subject {
        kind: "checkin",
        id: checkin.id,
    };
    notifications::notify(
        txn,
        &[checkin.user_id],
        kind,
        Some(actor_id),
        &subject,
        message,
    )
    .await
}

async fn changed(txn: &DatabaseTransaction, checkin: &Checkin, what: &str) -> Result<()> {
    let departments = departments_of(txn, checkin.user_id).await?;
    record_changed(txn, checkin, &departments, what).await
}
