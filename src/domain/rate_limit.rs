//! The content rate limit (HARDENING.md: at most 60 messages and guest posts
//! a minute per person, `limits.content_per_minute`).
//!
//! The count is read from the database inside the writing transaction, so
//! every replica enforces one budget and a refused write leaves nothing
//! behind. It covers creating content only: edits, reactions and deletions
//! add nothing new to read and are not counted.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, IntoIden, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement};
use uuid::Uuid;

use crate::config::Limits;
use crate::entities::{guest_posts, messages};
use crate::error::{Error, Result};

/// The window the budget covers.
const WINDOW_SECS: i64 = 60;
/// The first key of the PostgreSQL advisory lock taken per person (the
/// two-key form, so it never meets the events' single-key lock). Spells
/// "rate".
const LOCK_CLASS: i32 = 0x7261_7465;

/// What one person created within the window.
struct Recent {
    count: i64,
    /// Their oldest item within the window: the budget grows again when it
    /// turns a minute old.
    oldest: Option<DateTime<Utc>>,
}

/// `RATE_LIMITED` if `user_id` already created `limits.content_per_minute`
/// messages and guest posts in the last minute. Call it in the transaction
/// that will write the new one.
pub async fn check_content(
    txn: &DatabaseTransaction,
    limits: &Limits,
    user_id: Uuid,
) -> Result<()> {
    serialize_per_person(txn, user_id).await?;
    let now = Utc::now();
    let recent = recent_content(txn, user_id, now - Duration::seconds(WINDOW_SECS)).await?;
    if recent.count < i64::from(limits.content_per_minute) {
        return Ok(());
    }
    tracing::info!(user.id = %user_id, recent = recent.count, "content rate limit reached");
    Err(Error::RateLimited {
        retry_after_secs: retry_after(recent.oldest, now),
    })
}

/// On PostgreSQL, makes one person's concurrent writes take turns until
/// commit, so that two replicas cannot both read "59" and both write. (A
/// SQLite write transaction begins `IMMEDIATE` and is alone already.)
async fn serialize_per_person(txn: &DatabaseTransaction, user_id: Uuid) -> Result<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    // Any 32 bits of the id will do: a collision only makes two people wait
    // for each other's commit.
    let b = user_id.as_bytes();
    let key = i32::from_be_bytes([b[12], b[13], b[14], b[15]]);
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, $2)",
        [LOCK_CLASS.into(), key.into()],
    ))
    .await?;
    Ok(())
}

/// The person's messages and guest posts created after `since`, in one
/// statement of four scalar sub-queries, each read from an
/// (author_id, created_at) index.
async fn recent_content(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Recent> {
    use guest_posts::Column as P;
    use messages::Column as M;
    let recent_messages = || within(messages::Entity, M::AuthorId, M::CreatedAt, user_id, since);
    let recent_posts = || {
        within(
            guest_posts::Entity,
            P::AuthorId,
            P::CreatedAt,
            user_id,
            since,
        )
    };
    let query = Query::select()
        .expr_as(
            recent_messages()
                .expr(Func::count(Expr::col(Asterisk)))
                .take(),
            Alias::new("messages"),
        )
        .expr_as(
            recent_posts().expr(Func::count(Expr::col(Asterisk))).take(),
            Alias::new("posts"),
        )
        .expr_as(
            recent_messages()
                .expr(Func::min(Expr::col((messages::Entity, M::CreatedAt))))
                .take(),
            Alias::new("oldest_message"),
        )
        .expr_as(
            recent_posts()
                .expr(Func::min(Expr::col((guest_posts::Entity, P::CreatedAt))))
                .take(),
            Alias::new("oldest_post"),
        )
        .take();
    let Some(row) = txn.query_one(&query).await? else {
        return Err(Error::internal("the rate limit query returned no row"));
    };
    let messages: i64 = row.try_get("", "messages")?;
    let posts: i64 = row.try_get("", "posts")?;
    let oldest_message: Option<DateTime<Utc>> = row.try_get("", "oldest_message")?;
    let oldest_post: Option<DateTime<Utc>> = row.try_get("", "oldest_post")?;
    Ok(Recent {
        count: messages + posts,
        oldest: oldest_message.into_iter().chain(oldest_post).min(),
    })
}

/// `FROM table WHERE author = user_id AND created > since`, for the caller
/// to select an aggregate from.
fn within<T, C>(
    table: T,
    author: C,
    created: C,
    user_id: Uuid,
    since: DateTime<Utc>,
) -> SelectStatement
where
    T: IntoIden + Copy + 'static,
    C: IntoIden + Copy + 'static,
{
    Query::select()
        .from(table)
        .and_where(Expr::col((table, author)).eq(user_id))
        .and_where(Expr::col((table, created)).gt(since))
        .take()
}

/// Whole seconds until the oldest item in the window leaves it (at least 1).
fn retry_after(oldest: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u64 {
    let Some(oldest) = oldest else {
        return 1;
    };
    let free_at = oldest + Duration::seconds(WINDOW_SECS);
    let millis = u64::try_from((free_at - now).num_milliseconds()).unwrap_or(0);
    // Round up: "try again in 0 seconds" would fail again.
    Ord::max(millis.div_ceil(1000), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_counts_until_the_oldest_item_is_a_minute_old() {
        let now = Utc::now();
        assert_eq!(retry_after(Some(now - Duration::seconds(15)), now), 45);
        assert_eq!(
            retry_after(Some(now - Duration::milliseconds(59_500)), now),
            1
        );
        assert_eq!(retry_after(Some(now - Duration::seconds(61)), now), 1);
        assert_eq!(retry_after(None, now), 1);
    }
}
