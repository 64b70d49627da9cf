//! Posting messages: several at once, in one transaction.
//!
//! Under load, posts that arrive together are written together
//! ([`super::queue`]): each step below is one statement for the whole batch,
//! so a batch costs about as many round trips and one commit whatever its
//! size. A lone post is a batch of one: there is one way to post.
//!
//! Each post is still checked on its own, in the order of a lone post:
//! the channel (NOT_FOUND, FORBIDDEN for a non-member, CONFLICT when
//! archived), the author's budget (RATE_LIMITED, counting the batch's
//! earlier posts), then the thread it replies to. A refused post is left
//! out; the others are written. Should the database fail a batch before its
//! commit, each post is tried again alone, so that no post fails for
//! another's sake (a failed commit is not tried again: it may have taken
//! effect).
//!
//! Notifications (see `write`) need a look at the mentioned and the
//! followers, so the few posts that mention someone or reply are notified
//! one by one, in order: a reply's author follows the thread before the
//! next reply in the batch is notified, as if they had come one by one.
//!
//! **Inside a caller's transaction.** [`write_in`] writes one message in a
//! transaction the caller opened (`db::begin_write`), so that a bigger
//! action includes it atomically (a check-in that opens a thread): the
//! same checks and the same writes as a post from the queue — the message,
//! its mentions, the replier's follow, the author's content count, the
//! notifications and the `message.added` event — through the same code
//! ([`write_all_in`], of which the queue's batches are the many-post form).
//! A refused post is an error and writes nothing; the caller decides
//! whether to roll back (after a database error, PostgreSQL only lets the
//! transaction roll back). Commit with `events::commit`, which wakes this
//! process's relay, and soon: on PostgreSQL the author's rate-limit lock is
//! held until then, and relays wait at the event's id until it commits
//! (`crate::events`).

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};
use tracing::instrument;
use uuid::Uuid;

use super::write::Body;
use super::{Message, store};
use crate::auth::{Action, Actor, Viewer};
use crate::config::Limits;
use crate::db;
use crate::domain::channels::access::{self, Access};
use crate::domain::rate_limit::{self, Budgets};
use crate::domain::round::checkins;
use crate::entities::{channels, messages};
use crate::error::{Error, Result};
use crate::events;

/// What `postMessage` asks for.
pub struct NewMessage {
    pub channel_id: Uuid,
    pub body: String,
    /// The thread's root, for a reply.
    pub parent_id: Option<Uuid>,
}

/// A post whose shape is checked (who posts, a body of the right length),
/// ready to be written with others.
pub struct Pending {
    actor: Actor,
    channel_id: Uuid,
    body: Body,
    parent_id: Option<Uuid>,
}

impl Pending {
    /// UNAUTHENTICATED, FORBIDDEN or BAD_USER_INPUT for what needs no
    /// database.
    pub fn new(viewer: &Viewer, new: NewMessage) -> Result<Pending> {
        let actor = viewer.require(Action::UseChannels)?.clone();
        Ok(Pending {
            actor,
            channel_id: new.channel_id,
            body: Body::parse("body", &new.body)?,
            parent_id: new.parent_id,
        })
    }
}

/// Posts a message (members of the channel, and admins), on its own.
/// Counts against the content rate limit (`limits.content_per_minute`).
pub async fn post(
    db: &DatabaseConnection,
    viewer: &Viewer,
    limits: &Limits,
    new: NewMessage,
) -> Result<Message> {
    let pending = Pending::new(viewer, new)?;
    let mut outcomes = write(db, limits, vec![pending]).await;
    outcomes
        .pop()
        .unwrap_or_else(|| Err(Error::internal("a post was written without an outcome")))
}

/// Writes `posts` in one transaction: one outcome per post, in order.
#[instrument(skip_all, fields(posts = posts.len()))]
pub async fn write(
    db: &DatabaseConnection,
    limits: &Limits,
    posts: Vec<Pending>,
) -> Vec<Result<Message>> {
    let err = match write_together(db, limits, &posts).await {
        Ok(outcomes) => return outcomes,
        Err(failed) if posts.len() == 1 => return vec![Err(failed.into_error())],
        Err(Failed::AtCommit(err)) => err,
        Err(Failed::BeforeCommit(err)) => {
            tracing::warn!(error = ?err, posts = posts.len(), "a batch of posts failed; writing each alone");
            let mut outcomes = Vec::with_capacity(posts.len());
            for post in &posts {
                let alone = write_together(db, limits, std::slice::from_ref(post)).await;
                outcomes.push(alone.map_err(Failed::into_error).and_then(|mut o| {
                    o.pop()
                        .unwrap_or_else(|| Err(Error::internal("a post has no outcome")))
                }));
            }
            return outcomes;
        }
    };
    // The commit may have happened or not: trying again could post twice.
    tracing::error!(error = ?err, posts = posts.len(), "the commit of a batch of posts failed");
    // The database went away at the commit (a restart): each post is
    // UNAVAILABLE, as the requests made meanwhile are; it may have been
    // stored (docs/OPERATIONS.md, "When the database is down").
    let unavailable = matches!(err, Error::Unavailable(_));
    posts
        .iter()
        .map(|_| {
            Err(if unavailable {
                Error::Unavailable("the database went away while a post committed".into())
            } else {
                Error::internal("the commit of the post failed")
            })
        })
        .collect()
}

/// Why a batch was not written.
enum Failed {
    /// Rolled back: nothing was written, and each post may be tried again.
    BeforeCommit(Error),
    /// The commit failed: whether it took effect is unknown.
    AtCommit(Error),
}

impl Failed {
    fn into_error(self) -> Error {
        match self {
            Failed::BeforeCommit(err) | Failed::AtCommit(err) => err,
        }
    }
}

/// One transaction for `posts`. The outer error is the database's (the
/// whole batch); the inner ones are the posts refused.
async fn write_together(
    db: &DatabaseConnection,
    limits: &Limits,
    posts: &[Pending],
) -> std::result::Result<Vec<Result<Message>>, Failed> {
    let txn = db::begin_write(db).await.map_err(Failed::BeforeCommit)?;
    let outcomes = write_all_in(&txn, limits, posts)
        .await
        .map_err(Failed::BeforeCommit)?;
    if outcomes.iter().any(Result::is_ok) {
        events::commit(txn).await.map_err(Failed::AtCommit)?;
    } else {
        // Nothing to write; this lets go of the rate-limit locks.
        txn.rollback()
            .await
            .map_err(|e| Failed::BeforeCommit(e.into()))?;
    }
    Ok(outcomes)
}

/// Writes a message by `author` in the caller's transaction, with its
/// mentions, the replier's follow, the author's content count, the
/// notifications and its event (see the module docs): the same checks and
/// writes as [`post`]. The caller commits (`events::commit`) or rolls back.
#[instrument(skip_all, fields(channel.id = %new.channel_id))]
pub async fn write_in(
    txn: &DatabaseTransaction,
    limits: &Limits,
    author: &Actor,
    new: NewMessage,
) -> Result<Message> {
    let pending = Pending::new(&Viewer::User(author.clone()), new)?;
    write_all_in(txn, limits, std::slice::from_ref(&pending))
        .await?
        .pop()
        .unwrap_or_else(|| Err(Error::internal("a post was written without an outcome")))
}

/// [`write_in`] for many posts at once (the queue's batches): one outcome
/// per post, in order; a refused post is left out and the others are
/// written. The outer error is the database's, after which the transaction
/// is good only for a rollback.
pub async fn write_all_in(
    txn: &DatabaseTransaction,
    limits: &Limits,
    posts: &[Pending],
) -> Result<Vec<Result<Message>>> {
    let (decided, budgets) = decide(txn, limits, posts).await?;
    let written: Vec<&Admitted> = decided.iter().filter_map(|d| d.as_ref().ok()).collect();
    if !written.is_empty() {
        // A reply may answer a weekly-round challenge: one statement for a
        // batch with replies, none without (`round::checkins`). Before the
        // store, whose last write is the event (`crate::events`).
        let replies: Vec<_> = written
            .iter()
            .filter_map(|a| {
                let m = &a.message;
                m.parent_id.map(|root| (root, m.author_id, m.created_at))
            })
            .collect();
        checkins::mark_answered(txn, &replies).await?;
        store::store(txn, &written, &budgets).await?;
    }
    Ok(decided
        .into_iter()
        .map(|d| d.map(|a| Message::from(a.message)))
        .collect())
}

/// A post that passed its checks: the row to insert and its channel.
pub(super) struct Admitted {
    pub message: messages::Model,
    pub channel: channels::Model,
}

/// Checks every post against its channel, its author's budget and its
/// thread; builds the rows of those that pass, and spends their authors'
/// budgets (which `store` records). Takes the authors' rate-limit locks,
/// held until the commit.
async fn decide(
    txn: &DatabaseTransaction,
    limits: &Limits,
    posts: &[Pending],
) -> Result<(Vec<Result<Admitted>>, Budgets)> {
    let accesses = accesses(txn, posts).await?;
    let allowed: Vec<Result<Access>> = accesses
        .into_iter()
        .map(|access| {
            let access = access?;
            access.require_part()?;
            access.require_open("channelId")?;
            Ok(access)
        })
        .collect();
    let authors: Vec<Uuid> = unique(
        posts
            .iter()
            .zip(&allowed)
            .filter_map(|(p, a)| a.is_ok().then_some(p.actor.user_id)),
    );
    // `accesses` took every author's rate-limit lock.
    let mut budgets = Budgets::read_locked(txn, limits, &authors).await?;
    let parents = parents(txn, posts).await?;
    let mut decided = Vec::with_capacity(posts.len());
    for (post, access) in posts.iter().zip(allowed) {
        decided.push(access.and_then(|access| {
            budgets.check(post.actor.user_id)?;
            if let Some(parent_id) = post.parent_id {
                check_parent(parents.get(&parent_id), post.channel_id)?;
            }
            budgets.spend(post.actor.user_id);
            Ok(Admitted {
                message: messages::Model {
                    id: Uuid::now_v7(),
                    channel_id: post.channel_id,
                    author_id: post.actor.user_id,
                    parent_id: post.parent_id,
                    body: post.body.as_str().to_owned(),
                    created_at: Utc::now(),
                    edited_at: None,
                    deleted_at: None,
                    erased_at: None,
                },
                channel: access.into_row(),
            })
        }));
    }
    Ok((decided, budgets))
}

/// Each post's channel and its author's standing there, in one statement
/// (`access::load_many`). On PostgreSQL the same statement takes the
/// authors' rate-limit locks (`rate_limit::take_locks`), one round trip
/// fewer per batch: every row it returns took them, and a post is only
/// admitted through a row.
async fn accesses(txn: &DatabaseTransaction, posts: &[Pending]) -> Result<Vec<Result<Access>>> {
    let wanted: Vec<(Uuid, &Actor)> = posts.iter().map(|p| (p.channel_id, &p.actor)).collect();
    let authors = unique(posts.iter().map(|p| p.actor.user_id));
    let locks = rate_limit::take_locks(txn.get_database_backend(), &authors);
    access::load_many(txn, &wanted, locks, "Channel").await
}

/// The messages the posts reply to, by id: one statement.
async fn parents(
    txn: &DatabaseTransaction,
    posts: &[Pending],
) -> Result<HashMap<Uuid, messages::Model>> {
    let ids = unique(posts.iter().filter_map(|p| p.parent_id));
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = txn.get_database_backend();
    Ok(messages::Entity::find()
        .filter(db::is_any(
            backend,
            (messages::Entity, messages::Column::Id),
            ids,
        ))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

/// A reply goes to the first message of a live thread in its channel.
fn check_parent(parent: Option<&messages::Model>, channel_id: Uuid) -> Result<()> {
    let Some(parent) = parent.filter(|p| p.channel_id == channel_id) else {
        return Err(Error::bad_input(
            "parentId",
            "is not a message in this channel",
        ));
    };
    if parent.parent_id.is_some() {
        return Err(Error::bad_input(
            "parentId",
            "is a reply; reply to the thread's first message",
        ));
    }
    if parent.deleted_at.is_some() {
        return Err(Error::conflict("parentId", "The message was deleted."));
    }
    Ok(())
}

/// The distinct values, in first-seen order.
fn unique<T: Copy + Eq + std::hash::Hash>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    values.filter(|v| seen.insert(*v)).collect()
}
