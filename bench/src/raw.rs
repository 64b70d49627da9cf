//! The server's database work for one request, as raw SQL on a plain sqlx
//! pool: the floor a GraphQL request is compared against.
//!
//! The statements mirror what synaps runs (src/domain/channels `by_slug`,
//! src/domain/messages `in_channel`, `reply_counts`, `reaction_groups`,
//! src/domain/people `by_ids`, src/domain/departments `of_users`, and the
//! INSERT of src/domain/messages/write.rs `post`): the same tables, columns,
//! filters, ordering and id lists (arrays on PostgreSQL, IN lists on
//! SQLite, as `db::is_any` writes them), each on its own pooled connection as the
//! server's DataLoaders do, and every column decoded. What they leave out is
//! the server's own overhead: HTTP, JSON, GraphQL parsing, validation and
//! execution, authentication (one sessions ⋈ users lookup per request) and
//! the ORM.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::graphql::loopback;
use crate::stats::Failure;

/// A pool on PostgreSQL or SQLite (whichever synaps runs on).
pub enum Db {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Runs `$body` with `$pool` bound to the concrete pool: the statements are
/// written once, and each arm compiles them against its own driver.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:block) => {
        match $db {
            Db::Postgres($pool) => $body,
            Db::Sqlite($pool) => $body,
        }
    };
}

/// `channels::Entity::find().filter(slug).one()`.
const CHANNEL_BY_SLUG: &str = "SELECT id, slug, name, topic, visibility, archived_at, created_by, \
     created_at, updated_at FROM channels WHERE slug = $1 LIMIT 1";

/// `messages::in_channel`, newest first, one more than the page to know
/// whether there is a next page.
const PAGE: &str = "SELECT id, channel_id, author_id, parent_id, body, created_at, edited_at, \
     deleted_at FROM messages WHERE channel_id = $1 AND parent_id IS NULL \
     ORDER BY created_at DESC, id DESC LIMIT $2";

/// `feed --lean`: exactly what the lean GraphQL page returns (the rows of
/// `Channel.messages`: a channel's root messages, newest first, with their
/// authors' names and departments by name) in one statement. The page's
/// rows are taken first and then joined: the same statement grouping
/// before its LIMIT (`GROUP BY m.id, u.id … LIMIT 50`) aggregates every
/// root of the channel, 89 ms for 14,000 of them in the bench data.
const LEAN_PAGE_POSTGRES: &str = "SELECT m.id, m.body, m.created_at, u.display_name, \
     COALESCE((SELECT json_agg(d.name ORDER BY d.name) FROM department_members dm \
               JOIN departments d ON d.id = dm.department_id WHERE dm.user_id = m.author_id), \
              '[]')::text AS departments \
     FROM (SELECT id, body, created_at, author_id FROM messages \
           WHERE channel_id = $1 AND parent_id IS NULL \
           ORDER BY created_at DESC, id DESC LIMIT $2) m \
     JOIN users u ON u.id = m.author_id \
     ORDER BY m.created_at DESC, m.id DESC";

/// The same on SQLite, which has no `json_agg … FILTER`: the departments
/// of each author as a correlated JSON array, in name order.
const LEAN_PAGE_SQLITE: &str = "SELECT m.id, m.body, m.created_at, u.display_name, \
     (SELECT json_group_array(name) FROM (SELECT d.name FROM department_members dm \
      JOIN departments d ON d.id = dm.department_id WHERE dm.user_id = m.author_id \
      ORDER BY d.name)) AS departments \
     FROM messages m JOIN users u ON u.id = m.author_id \
     WHERE m.channel_id = $1 AND m.parent_id IS NULL \
     ORDER BY m.created_at DESC, m.id DESC LIMIT $2";

const INSERT_MESSAGE: &str = "INSERT INTO messages (id, channel_id, author_id, parent_id, body, \
     created_at, edited_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// `$first, …, $(first + n - 1)`, for an IN list.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a statement takes a list of ids, as synaps's `db::is_any` writes
/// it: one array on PostgreSQL (one statement text, whose plan PostgreSQL
/// keeps), an IN list on SQLite.
#[derive(Clone, Copy)]
enum IdList {
    Array,
    Placeholders,
}

impl IdList {
    /// `column` is one of the `n` ids bound from `$first` on.
    fn sql(self, column: &str, first: usize, n: usize) -> String {
        match self {
            IdList::Array => format!("{column} = ANY(${first})"),
            IdList::Placeholders => format!("{column} IN ({})", placeholders(first, n)),
        }
    }
}

/// Binds a list of ids the way [`IdList`] reads it for the query's database.
trait BindIds: Sized {
    fn bind_ids(self, ids: &[Uuid]) -> Self;
}

impl BindIds for sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
    fn bind_ids(self, ids: &[Uuid]) -> Self {
        self.bind(ids.to_vec())
    }
}

impl BindIds for sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    fn bind_ids(self, ids: &[Uuid]) -> Self {
        ids.iter().fold(self, |query, id| query.bind(*id))
    }
}

/// `messages::reply_counts`: one GROUP BY for the page.
fn reply_counts_sql(list: IdList, n: usize) -> String {
    format!(
        "SELECT parent_id, COUNT(id) AS replies FROM messages WHERE {} GROUP BY parent_id",
        list.sql("parent_id", 1, n)
    )
}

/// `messages::reaction_groups`: counts by (message, code), and whether the
/// viewer ($1) is among them.
fn reactions_sql(list: IdList, n: usize) -> String {
    format!(
        "SELECT message_id, code, COUNT(user_id) AS reacted, \
         SUM(CASE WHEN user_id = $1 THEN 1 ELSE 0 END) AS mine \
         FROM message_reactions WHERE {} GROUP BY message_id, code",
        list.sql("message_id", 2, n)
    )
}

/// `people::by_ids`: every column of the authors (as the ORM selects them).
fn people_sql(list: IdList, n: usize) -> String {
    format!(
        "SELECT id, email, handle, display_name, title, bio, role, password_hash, \
         token_version, deactivated_at, created_at, updated_at FROM users WHERE {}",
        list.sql("id", 1, n)
    )
}

/// `departments::of_users`: the authors' departments, by name.
fn departments_sql(list: IdList, n: usize) -> String {
    format!(
        "SELECT department_members.user_id, departments.id, departments.slug, departments.name, \
         departments.description, departments.created_at FROM departments \
         INNER JOIN department_members ON departments.id = department_members.department_id \
         WHERE {} ORDER BY departments.name ASC",
        list.sql("department_members.user_id", 1, n)
    )
}

/// A PostgreSQL URL must point at this machine (a TCP host on loopback or
/// a Unix socket); SQLite is a local file anyway.
fn check_local(url: &str) -> anyhow::Result<()> {
    let parsed = reqwest::Url::parse(url).with_context(|| "the database URL is not a URL")?;
    if let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) {
        loopback(&format!("http://{host}/"))
            .context("the database must be on this machine (--database-url)")?;
    }
    for (key, value) in parsed.query_pairs() {
        if (key == "host" || key == "hostaddr") && !value.starts_with('/') {
            loopback(&format!("http://{value}/"))
                .context("the database must be on this machine (--database-url)")?;
        }
    }
    Ok(())
}

impl Db {
    /// A pool of exactly `connections` connections, all open before the
    /// timed run starts.
    pub async fn connect(url: &str, connections: u32) -> anyhow::Result<Db> {
        let n = connections.max(1);
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            check_local(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(n)
                .min_connections(n)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await
                .context("cannot connect to PostgreSQL (--database-url)")?;
            Db::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            // As synaps opens it (src/db.rs); the server already made it WAL.
            let options = SqliteConnectOptions::from_str(url)
                .context("bad SQLite URL")?
                .busy_timeout(Duration::from_secs(5))
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(n)
                .min_connections(n)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .context("cannot open the SQLite database (--database-url)")?;
            Db::Sqlite(pool)
        } else {
            bail!("--database-url must start with postgres:// or sqlite:");
        };
        db.warm(n).await?;
        Ok(db)
    }

    /// Opens every connection of the pool now, not during the run.
    async fn warm(&self, n: u32) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut held = Vec::with_capacity(n as usize);
            for _ in 0..n {
                held.push(pool.acquire().await.context("cannot open a pool connection")?);
            }
        });
        Ok(())
    }

    /// The tables a feed or a post reads that PostgreSQL never analyzed
    /// (a freshly bulk-loaded database): without statistics it plans
    /// sequential scans over the IN lists.
    pub async fn unanalyzed_tables(&self) -> anyhow::Result<Vec<String>> {
        let Db::Postgres(pool) = self else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT relname::text AS name FROM pg_stat_user_tables WHERE relname IN \
             ('channels', 'messages', 'message_reactions', 'users', 'department_members', \
             'departments') AND last_analyze IS NULL AND last_autoanalyze IS NULL \
             ORDER BY relname",
        )
        .fetch_all(pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| row.try_get::<String, _>("name"))
            .collect::<Result<_, _>>()?)
    }

    /// How this database's statements take lists of ids.
    fn id_list(&self) -> IdList {
        match self {
            Db::Postgres(_) => IdList::Array,
            Db::Sqlite(_) => IdList::Placeholders,
        }
    }

    pub async fn close(&self) {
        on_pool!(self, pool => { pool.close().await; });
    }

    /// The ids of the users with `emails`, in the same order.
    pub async fn user_ids(&self, emails: &[String]) -> anyhow::Result<Vec<Uuid>> {
        let mut found = std::collections::HashMap::new();
        for chunk in emails.chunks(500) {
            let sql = format!(
                "SELECT id, email FROM users WHERE email IN ({})",
                placeholders(1, chunk.len())
            );
            on_pool!(self, pool => {
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for email in chunk {
                    query = query.bind(email);
                }
                for row in query.fetch_all(pool).await? {
                    found.insert(row.try_get::<String, _>("email")?, row.try_get::<Uuid, _>("id")?);
                }
            });
        }
        emails
            .iter()
            .map(|e| {
                found
                    .get(e)
                    .copied()
                    .with_context(|| format!("no user {e}"))
            })
            .collect()
    }

    /// The ids of the channels with `slugs`, in the same order.
    pub async fn channel_ids(&self, slugs: &[String]) -> anyhow::Result<Vec<Uuid>> {
        let mut ids = Vec::with_capacity(slugs.len());
        for slug in slugs {
            let id: Option<Uuid> = on_pool!(self, pool => {
                sqlx::query(CHANNEL_BY_SLUG)
                    .bind(slug)
                    .fetch_optional(pool)
                    .await?
                    .map(|row| row.try_get::<Uuid, _>("id"))
                    .transpose()?
            });
            ids.push(id.with_context(|| format!("no channel {slug}"))?);
        }
        Ok(ids)
    }

    /// What one feed request costs the database: the channel by slug, its
    /// newest `first` root messages, then for the page its reply counts,
    /// reactions, authors and the authors' departments. The messages on the
    /// page.
    pub async fn feed_page(&self, slug: &str, viewer: Uuid, first: usize) -> Result<u64, Failure> {
        let list = self.id_list();
        on_pool!(self, pool => {
            let channel = sqlx::query(CHANNEL_BY_SLUG)
                .bind(slug)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| Failure::other(format!("no channel {slug}")))?;
            let channel_id: Uuid = channel.try_get("id")?;
            let _: (String, String, String, String) = (
                channel.try_get("slug")?,
                channel.try_get("name")?,
                channel.try_get("topic")?,
                channel.try_get("visibility")?,
            );
            let _: (Option<DateTime<Utc>>, Uuid, DateTime<Utc>, DateTime<Utc>) = (
                channel.try_get("archived_at")?,
                channel.try_get("created_by")?,
                channel.try_get("created_at")?,
                channel.try_get("updated_at")?,
            );

            let rows = sqlx::query(PAGE)
                .bind(channel_id)
                .bind(i64::try_from(first + 1).unwrap_or(i64::MAX))
                .fetch_all(pool)
                .await?;
            let mut ids = Vec::with_capacity(first);
            let mut authors = Vec::with_capacity(first);
            for row in rows.iter().take(first) {
                ids.push(row.try_get::<Uuid, _>("id")?);
                authors.push(row.try_get::<Uuid, _>("author_id")?);
                let _: (Uuid, Option<Uuid>, String) = (
                    row.try_get("channel_id")?,
                    row.try_get("parent_id")?,
                    row.try_get("body")?,
                );
                let _: (DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (
                    row.try_get("created_at")?,
                    row.try_get("edited_at")?,
                    row.try_get("deleted_at")?,
                );
            }
            if ids.is_empty() {
                return Ok(0);
            }

            let query = sqlx::query(AssertSqlSafe(reply_counts_sql(list, ids.len())));
            for row in query.bind_ids(&ids).fetch_all(pool).await? {
                let _: (Uuid, i64) = (row.try_get("parent_id")?, row.try_get("replies")?);
            }

            let query = sqlx::query(AssertSqlSafe(reactions_sql(list, ids.len()))).bind(viewer);
            for row in query.bind_ids(&ids).fetch_all(pool).await? {
                let _: (Uuid, String, i64, Option<i64>) = (
                    row.try_get("message_id")?,
                    row.try_get("code")?,
                    row.try_get("reacted")?,
                    row.try_get("mine")?,
                );
            }

            authors.sort_unstable();
            authors.dedup();
            let query = sqlx::query(AssertSqlSafe(people_sql(list, authors.len())));
            for row in query.bind_ids(&authors).fetch_all(pool).await? {
                let _: (Uuid, String, String, String, String, String, String, String) = (
                    row.try_get("id")?,
                    row.try_get("email")?,
                    row.try_get("handle")?,
                    row.try_get("display_name")?,
                    row.try_get("title")?,
                    row.try_get("bio")?,
                    row.try_get("role")?,
                    row.try_get("password_hash")?,
                );
                let _: (i32, Option<DateTime<Utc>>, DateTime<Utc>, DateTime<Utc>) = (
                    row.try_get("token_version")?,
                    row.try_get("deactivated_at")?,
                    row.try_get("created_at")?,
                    row.try_get("updated_at")?,
                );
            }

            let query = sqlx::query(AssertSqlSafe(departments_sql(list, authors.len())));
            for row in query.bind_ids(&authors).fetch_all(pool).await? {
                let _: (Uuid, Uuid, String, String, String, DateTime<Utc>) = (
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    row.try_get(4)?,
                    row.try_get(5)?,
                );
            }
            Ok(ids.len() as u64)
        })
    }

    /// `feed --lean`'s raw side: the newest `first` root messages of
    /// channel `channel_id` with their authors' names and departments, in
    /// one statement. The messages on the page.
    pub async fn lean_feed_page(&self, channel_id: Uuid, first: usize) -> Result<u64, Failure> {
        let limit = i64::try_from(first).unwrap_or(i64::MAX);
        let sql = match self {
            Db::Postgres(_) => LEAN_PAGE_POSTGRES,
            Db::Sqlite(_) => LEAN_PAGE_SQLITE,
        };
        on_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(channel_id).bind(limit).fetch_all(pool).await?;
            for row in &rows {
                let _: (Uuid, String, DateTime<Utc>, String) = (
                    row.try_get("id")?,
                    row.try_get("body")?,
                    row.try_get("created_at")?,
                    row.try_get("display_name")?,
                );
                // The departments as JSON text, as a client would read them.
                let _: String = row.try_get("departments")?;
            }
            Ok(rows.len() as u64)
        })
    }

    /// The row `postMessage` writes for a new thread, alone: one INSERT in
    /// autocommit.
    pub async fn insert_message(
        &self,
        channel_id: Uuid,
        author_id: Uuid,
        body: String,
    ) -> Result<u64, Failure> {
        on_pool!(self, pool => {
            sqlx::query(INSERT_MESSAGE)
                .bind(Uuid::now_v7())
                .bind(channel_id)
                .bind(author_id)
                .bind(None::<Uuid>)
                .bind(body)
                .bind(Utc::now())
                .bind(None::<DateTime<Utc>>)
                .bind(None::<DateTime<Utc>>)
                .execute(pool)
                .await?;
        });
        Ok(1)
    }

    /// Deletes the messages whose body starts with `marker` (what the raw
    /// post phase inserted); how many.
    pub async fn delete_marked(&self, marker: &str) -> anyhow::Result<u64> {
        let pattern = format!("{marker}%");
        let deleted = on_pool!(self, pool => {
            sqlx::query("DELETE FROM messages WHERE body LIKE $1")
                .bind(pattern)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted)
    }

    /// On PostgreSQL, vacuums and analyzes the whole database before a
    /// measured phase that writes: where autovacuum is off (it is on the
    /// machine these figures come from) or behind, the dead rows of the
    /// tables a post updates (`content_counts`, `analytics_pending`, the
    /// analytics rollups) and the search index's pending list would
    /// otherwise pile up run after run, and each run would measure the
    /// runs before it. SQLite has no dead rows.
    pub async fn vacuum_all(&self) -> anyhow::Result<()> {
        if let Db::Postgres(pool) = self {
            sqlx::query("VACUUM (ANALYZE)").execute(pool).await?;
        }
        Ok(())
    }

    /// How many messages have a body starting with `marker` (what a run
    /// posted, counted in the database rather than from the answers).
    pub async fn count_marked(&self, marker: &str) -> anyhow::Result<u64> {
        let pattern = format!("{marker}%");
        let count: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE body LIKE $1")
                .bind(pattern)
                .fetch_one(pool)
                .await?
        });
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// On PostgreSQL, vacuums `messages` after [`Self::delete_marked`]: its
    /// dead rows would otherwise slow the next run wherever autovacuum is
    /// off or behind (it is off on the machine these figures come from),
    /// and the raw rate fell from run to run. SQLite has no dead rows.
    pub async fn vacuum_messages(&self) -> anyhow::Result<()> {
        if let Db::Postgres(pool) = self {
            sqlx::query("VACUUM messages").execute(pool).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lists_number_their_placeholders() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert!(reactions_sql(IdList::Placeholders, 2).contains("message_id IN ($2, $3)"));
        assert!(reactions_sql(IdList::Array, 2).contains("message_id = ANY($2)"));
    }

    #[test]
    fn only_local_databases_are_accepted() {
        assert!(check_local("postgres://postgres@127.0.0.1:5432/x").is_ok());
        assert!(check_local("postgres://postgres@localhost/x").is_ok());
        assert!(check_local("postgres:///x?host=/var/run/postgresql").is_ok());
        assert!(check_local("postgres://u@db.example.com/x").is_err());
        assert!(check_local("postgres:///x?host=10.1.1.1").is_err());
    }
}
