//! Events name their subject generically: `subject_kind` and `subject_id`
//! take over from the nullable column per subject kind (`post_id`,
//! `author_id`, `channel_id`).
//!
//! Each capability used to add a column for the ids its subscriptions
//! filter on. Now an event is its topic, the kind and id of the thing that
//! changed, and a JSON payload holding its details and any further ids a
//! filter needs (`authorId` of a post, `channelId` of a message). Which
//! topic stores what is declared in one place, `src/events/topic.rs`, so a
//! new capability adds a topic there, not a column here.
//!
//! Existing rows stay readable: one UPDATE fills the new columns from the
//! old ones and from the ids the payload already held (`messageId`,
//! `sessionId`, `userId`), and copies `author_id` and `channel_id` into the
//! payload. Nothing is lost, so `down` restores the old shape.
//!
//! The old columns stay, unused, and `subject_kind` defaults to the empty
//! string: the deployments run this migration before rolling the new image
//! out (`deploy/README.md`), and replicas of the previous image keep
//! writing and reading events until they are replaced. Their writes still
//! succeed (the new code skips their rows, of no kind it knows, and they
//! skip the new code's); dropping the columns now would fail every post of
//! theirs meanwhile. A later migration drops them, once no replica older
//! than this one can run. Nothing in the code names them any more.
//!
//! The relay's `id > last` and pruning's `created_at` are served by the
//! primary key and `idx_events_created_at`, untouched here. Subscriptions
//! filter in memory on the decoded topic, so the subject needs no index.
//! Payloads are JSON objects written by serde_json; the backfill relies on
//! that.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, uuid_null};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            string_len(Events::SubjectKind, 32).default("").to_owned(),
        )
        .await?;
        add_column(manager, uuid_null(Events::SubjectId)).await?;
        let sql = Sql(manager.get_database_backend());
        let subject_text = format!(
            "COALESCE({}, {})",
            sql.payload_text("sessionId"),
            sql.payload_text("userId")
        );
        let backfill = format!(
            "UPDATE events SET \
               subject_kind = CASE \
                 WHEN topic = 'post.status_changed' THEN 'guest_post' \
                 WHEN topic IN ('message.added', 'message.changed') THEN 'message' \
                 WHEN topic = 'notification.added' THEN 'notification' \
                 WHEN topic = 'sessions.changed' AND {session} IS NOT NULL THEN 'session' \
                 WHEN topic = 'sessions.changed' AND {user} IS NOT NULL THEN 'user' \
                 WHEN topic = 'sessions.changed' THEN 'everyone' \
                 ELSE '' END, \
               subject_id = CASE \
                 WHEN topic = 'post.status_changed' THEN post_id \
                 WHEN topic IN ('message.added', 'message.changed') THEN {message} \
                 WHEN topic = 'sessions.changed' THEN {sessions} \
                 END, \
               payload = CASE \
                 WHEN author_id IS NULL AND channel_id IS NULL THEN payload \
                 ELSE {with_ids} END",
            session = sql.payload_text("sessionId"),
            user = sql.payload_text("userId"),
            message = sql.uuid(&sql.payload_text("messageId")),
            sessions = sql.uuid(&subject_text),
            with_ids = sql.with_ids(&[("authorId", "author_id"), ("channelId", "channel_id")]),
        );
        manager
            .get_connection()
            .execute_unprepared(&backfill)
            .await?;
        Ok(())
    }

    /// Back to a column per subject kind: the rows written since (their old
    /// columns empty) fill them from the subject and the payload, and the
    /// ids that lived in the payload go back there. The actor of a notification event (its old
    /// `author_id`) is not restored: new events do not record it, and
    /// nothing read it.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = Sql(manager.get_database_backend());
        let restore = format!(
            "UPDATE events SET \
               post_id = COALESCE(post_id, CASE WHEN subject_kind = 'guest_post' THEN subject_id END), \
               author_id = COALESCE(author_id, {author}), \
               channel_id = COALESCE(channel_id, {channel}), \
               payload = CASE subject_kind \
                 WHEN 'message' THEN {message} \
                 WHEN 'session' THEN {session} \
                 WHEN 'user' THEN {user} \
                 ELSE payload END",
            author = sql.uuid(&sql.payload_text("authorId")),
            channel = sql.uuid(&sql.payload_text("channelId")),
            message = sql.with_ids(&[("messageId", "subject_id")]),
            session = sql.with_ids(&[("sessionId", "subject_id")]),
            user = sql.with_ids(&[("userId", "subject_id")]),
        );
        manager
            .get_connection()
            .execute_unprepared(&restore)
            .await?;
        for column in [Events::SubjectKind, Events::SubjectId] {
            drop_column(manager, column).await?;
        }
        Ok(())
    }
}

/// One column per statement: SQLite alters one thing at a time.
async fn add_column(manager: &SchemaManager<'_>, column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Events::Table)
                .add_column(column)
                .to_owned(),
        )
        .await
}

async fn drop_column(manager: &SchemaManager<'_>, column: Events) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Events::Table)
                .drop_column(column)
                .to_owned(),
        )
        .await
}

/// The SQL expressions the backfill needs, per backend. UUIDs are `uuid` on
/// PostgreSQL and 16-byte blobs on SQLite (as sqlx binds them); in the
/// payload they are hyphenated text.
struct Sql(DbBackend);

impl Sql {
    /// The text of the payload's `key`, NULL if absent.
    fn payload_text(&self, key: &str) -> String {
        match self.0 {
            DbBackend::Postgres => format!("(payload::jsonb ->> '{key}')"),
            _ => format!("json_extract(payload, '$.{key}')"),
        }
    }

    /// The UUID that `text` spells, NULL if it spells none.
    fn uuid(&self, text: &str) -> String {
        match self.0 {
            DbBackend::Postgres => format!(
                "CASE WHEN {text} ~* '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$' \
                 THEN ({text})::uuid END"
            ),
            _ => format!("CASE WHEN length({text}) = 36 THEN unhex(replace({text}, '-', '')) END"),
        }
    }

    /// The hyphenated text of the UUID in `column`, NULL for NULL.
    fn uuid_text(&self, column: &str) -> String {
        match self.0 {
            DbBackend::Postgres => format!("{column}::text"),
            _ => {
                let hex = format!("lower(hex({column}))");
                format!(
                    "CASE typeof({column}) \
                       WHEN 'blob' THEN substr({hex}, 1, 8) || '-' || substr({hex}, 9, 4) || '-' \
                         || substr({hex}, 13, 4) || '-' || substr({hex}, 17, 4) || '-' || substr({hex}, 21) \
                       WHEN 'text' THEN {column} \
                       END"
                )
            }
        }
    }

    /// The payload with each `(key, column)` set to the column's UUID as
    /// text; a NULL column leaves its key out.
    fn with_ids(&self, ids: &[(&str, &str)]) -> String {
        let pairs: Vec<String> = ids
            .iter()
            .map(|(key, column)| format!("'{key}', {}", self.uuid_text(column)))
            .collect();
        let pairs = pairs.join(", ");
        match self.0 {
            DbBackend::Postgres => {
                format!("(payload::jsonb || jsonb_strip_nulls(jsonb_build_object({pairs})))::text")
            }
            // A merge patch leaves out keys whose value is null.
            _ => format!("json_patch(payload, json_object({pairs}))"),
        }
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    SubjectKind,
    SubjectId,
}
