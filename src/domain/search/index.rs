//! Writing the index: a searchable thing's document, written in the
//! transaction of the write it follows, so a search never finds an edited
//! message's old words or a deleted one at all.
//!
//! Writers either hand over the text they just wrote ([`put_all`], the
//! messages of a batch of posts) or name what changed ([`refresh`]), which
//! reads it back: a person's profile, a channel's name, a post, a
//! check-in. [`reindex`] rebuilds everything (`synaps search reindex`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::Kind;
use super::analyze;
use crate::entities::{
    channels, checkin_challenges, checkins, guest_posts, messages, search_documents, users,
};
use crate::error::Result;

/// A searchable thing's text.
#[derive(Clone, Debug)]
pub struct Document {
    pub kind: Kind,
    pub object_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub title: String,
    pub body: String,
    /// A message's channel, or the channel itself: whether a viewer may
    /// see it is then a question about the channel alone.
    pub channel_id: Option<Uuid>,
    /// Who wrote or created it (the person themselves for a person): the
    /// `from:` filter.
    pub author_id: Option<Uuid>,
}

impl Document {
    /// PostgreSQL's text form of the terms: the title's weighted A (ranked
    /// highest), the body's D. A weight needs a position, so each term
    /// gets one (its first place; the ranking reads only the weights).
    pub fn tsvector(&self) -> String {
        let mut text = String::new();
        let mut position = 0usize;
        for (source, weight) in [(&self.title, "A"), (&self.body, "")] {
            for term in analyze::terms(source) {
                // PostgreSQL keeps positions up to 16,383.
                position = (position + 1).min(16_383);
                let quoted = term.replace('\\', "\\\\").replace('\'', "''");
                text.push_str(&format!("'{quoted}':{position}{weight} "));
            }
        }
        text
    }

    /// The words of title and body, folded and spaced (where an exact
    /// phrase is looked for).
    pub fn plain(&self) -> String {
        format!(
            "{}{}",
            analyze::plain(&self.title),
            analyze::plain(&self.body).trim_start()
        )
    }

    fn terms(text: &str) -> String {
        let terms: Vec<String> = analyze::terms(text).into_iter().collect();
        terms.join(" ")
    }
}

/// How many ids one statement's `IN` list takes when reading rows back
/// (both databases' parameter limits are far above it).
const IDS_PER_STATEMENT: usize = 10_000;

/// How many documents go in one statement (PostgreSQL allows 65,535
/// parameters; SQLite 32,766).
const BATCH: usize = 500;

/// Writes `documents`, replacing any earlier ones of the same things.
pub async fn put_all(conn: &impl ConnectionTrait, documents: &[Document]) -> Result<()> {
    for chunk in documents.chunks(BATCH) {
        remove_all(conn, chunk.iter().map(|d| (d.kind, d.object_id))).await?;
        put_chunk(conn, chunk).await?;
    }
    Ok(())
}

/// Writes the documents of things just created (nothing to replace).
pub async fn add_all(conn: &impl ConnectionTrait, documents: &[Document]) -> Result<()> {
    for chunk in documents.chunks(BATCH) {
        put_chunk(conn, chunk).await?;
    }
    Ok(())
}

/// A message's document.
pub fn message(message: &messages::Model) -> Document {
    Document {
        kind: Kind::Message,
        object_id: message.id,
        created_at: message.created_at,
        title: String::new(),
        body: message.body.clone(),
        channel_id: Some(message.channel_id),
        author_id: Some(message.author_id),
    }
}

async fn put_chunk(conn: &impl ConnectionTrait, documents: &[Document]) -> Result<()> {
    use search_documents::Column as C;
    let backend = conn.get_database_backend();
    let mut insert = Query::insert();
    let mut columns: Vec<Alias> = [
        C::Kind,
        C::ObjectId,
        C::CreatedAt,
        C::Title,
        C::Body,
        C::Plain,
        C::ChannelId,
        C::AuthorId,
    ]
    .iter()
    .map(|c| Alias::new(sea_orm::IdenStatic::as_str(c)))
    .collect();
    if backend == DbBackend::Postgres {
        columns.push(Alias::new("terms"));
    }
    insert.into_table(search_documents::Entity).columns(columns);
    for document in documents {
        let plain = document.plain();
        let mut values: Vec<SimpleExpr> = vec![
            document.kind.as_str().into(),
            document.object_id.into(),
            document.created_at.into(),
            document.title.clone().into(),
            document.body.clone().into(),
            plain.into(),
            document.channel_id.into(),
            document.author_id.into(),
        ];
        if backend == DbBackend::Postgres {
            values.push(Expr::cust_with_values(
                "CAST($1 AS tsvector)",
                [document.tsvector()],
            ));
        }
        insert.values_panic(values);
    }
    if backend == DbBackend::Postgres {
        conn.execute(&insert).await?;
        return Ok(());
    }
    insert.returning_col(C::Id);
    let ids = conn.query_all(&insert).await?;
    // SQLite: the terms go to the FTS5 table under the document's id.
    let mut terms = Query::insert();
    terms.into_table(Alias::new("search_terms")).columns([
        Alias::new("rowid"),
        Alias::new("title"),
        Alias::new("body"),
    ]);
    for (row, document) in ids.iter().zip(documents) {
        let id: i64 = row.try_get("", "id")?;
        terms.values_panic([
            id.into(),
            Document::terms(&document.title).into(),
            Document::terms(&document.body).into(),
        ]);
    }
    conn.execute(&terms).await?;
    Ok(())
}

/// Removes the documents of `things` (kind, id), if any.
pub async fn remove_all(
    conn: &impl ConnectionTrait,
    things: impl IntoIterator<Item = (Kind, Uuid)>,
) -> Result<()> {
    let things: Vec<(Kind, Uuid)> = things.into_iter().collect();
    if things.is_empty() {
        return Ok(());
    }
    let which = things.iter().fold(Condition::any(), |any, (kind, id)| {
        any.add(
            search_documents::Column::ObjectId
                .eq(*id)
                .and(search_documents::Column::Kind.eq(kind.as_str())),
        )
    });
    if conn.get_database_backend() != DbBackend::Postgres {
        let ids: Vec<i64> = search_documents::Entity::find()
            .select_only()
            .column(search_documents::Column::Id)
            .filter(which.clone())
            .into_tuple()
            .all(conn)
            .await?;
        if !ids.is_empty() {
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            conn.execute_unprepared(&format!("DELETE FROM search_terms WHERE rowid IN ({list})"))
                .await?;
        }
    }
    search_documents::Entity::delete_many()
        .filter(which)
        .exec(conn)
        .await?;
    Ok(())
}

/// Reads `ids` of `kind` back from their rows and writes their documents
/// (or removes them, for what is gone or deleted).
pub async fn refresh(conn: &impl ConnectionTrait, kind: Kind, ids: &[Uuid]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let documents = read(conn, kind, Some(ids)).await?;
    // Every old document goes (also of what is gone), then the new ones.
    remove_all(conn, ids.iter().map(|id| (kind, *id))).await?;
    add_all(conn, &documents).await
}

/// The documents of every thing of `kind`, or of `ids` only.
async fn read(
    conn: &impl ConnectionTrait,
    kind: Kind,
    ids: Option<&[Uuid]>,
) -> Result<Vec<Document>> {
    let doc = |object_id, created_at, title: String, body: String| Document {
        kind,
        object_id,
        created_at,
        title,
        body,
        channel_id: None,
        author_id: None,
    };
    Ok(match kind {
        Kind::Message => {
            let mut select = messages::Entity::find().filter(messages::Column::DeletedAt.is_null());
            if let Some(ids) = ids {
                select = select.filter(messages::Column::Id.is_in(ids.iter().copied()));
            }
            select
                .all(conn)
                .await?
                .into_iter()
                .map(|m| message(&m))
                .collect()
        }
        Kind::Channel => {
            let mut select = channels::Entity::find();
            if let Some(ids) = ids {
                select = select.filter(channels::Column::Id.is_in(ids.iter().copied()));
            }
            select
                .all(conn)
                .await?
                .into_iter()
                .map(|c| Document {
                    channel_id: Some(c.id),
                    author_id: Some(c.created_by),
                    ..doc(
                        c.id,
                        c.created_at,
                        c.name,
                        format!("#{} {}", c.slug, c.topic),
                    )
                })
                .collect()
        }
        Kind::Person => {
            let mut select = users::Entity::find();
            if let Some(ids) = ids {
                select = select.filter(users::Column::Id.is_in(ids.iter().copied()));
            }
            select
                .all(conn)
                .await?
                .into_iter()
                .map(|u| {
                    let body = format!("@{} {} {}", u.handle, u.title, u.bio);
                    Document {
                        author_id: Some(u.id),
                        ..doc(u.id, u.created_at, u.display_name, body)
                    }
                })
                .collect()
        }
        Kind::Post => {
            let mut select = guest_posts::Entity::find();
            if let Some(ids) = ids {
                select = select.filter(guest_posts::Column::Id.is_in(ids.iter().copied()));
            }
            select
                .all(conn)
                .await?
                .into_iter()
                .map(|p| Document {
                    author_id: Some(p.author_id),
                    ..doc(p.id, p.created_at, p.title, p.body)
                })
                .collect()
        }
        Kind::Checkin => {
            let mut select = checkins::Entity::find();
            if let Some(ids) = ids {
                select = select.filter(checkins::Column::Id.is_in(ids.iter().copied()));
            }
            let found = select.all(conn).await?;
            // The challenges of the check-ins found, by check-in: a list of
            // ids per statement within PostgreSQL's 65,535 parameters (a
            // reindex reads every check-in; the bench has 83,000).
            let mut challenges: HashMap<Uuid, Vec<checkin_challenges::Model>> = HashMap::new();
            for chunk in found.chunks(IDS_PER_STATEMENT) {
                for challenge in checkin_challenges::Entity::find()
                    .filter(checkin_challenges::Column::CheckinId.is_in(chunk.iter().map(|c| c.id)))
                    .all(conn)
                    .await?
                {
                    challenges
                        .entry(challenge.checkin_id)
                        .or_default()
                        .push(challenge);
                }
            }
            found
                .into_iter()
                .map(|c| {
                    let mut body = c.wins.clone();
                    let mut own = challenges.remove(&c.id).unwrap_or_default();
                    own.sort_by_key(|ch| ch.position);
                    for challenge in own {
                        body.push_str("\n\n");
                        body.push_str(&challenge.body);
                    }
                    Document {
                        author_id: Some(c.user_id),
                        ..doc(c.id, c.created_at, String::new(), body)
                    }
                })
                .collect()
        }
    })
}

/// The advisory lock key of a rebuild (a fixed number no other lock of
/// synaps uses: "synapsrx" in ASCII).
const REINDEX_LOCK: i64 = 0x7379_6e61_7073_7278;

/// Rebuilds the whole index, in one transaction: what `synaps search
/// reindex` runs, and `serve` when the index is empty but content is not.
/// Returns how many documents it wrote.
pub async fn reindex(db: &DatabaseConnection) -> Result<usize> {
    // A write transaction from its BEGIN: on SQLite a statement that
    // starts reading and then writes cannot take the write lock once
    // another connection has written since ("database is locked" at once,
    // whatever the busy timeout), which `seed --demo` met beside a server
    // folding its analytics.
    let txn = crate::db::begin_write(db).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        // Replicas starting together on an empty index take turns (the
        // second rebuilds again, harmlessly) instead of clashing on the
        // unique index.
        txn.execute(
            &Query::select()
                .expr(Expr::cust_with_values(
                    "pg_advisory_xact_lock($1)",
                    [REINDEX_LOCK],
                ))
                .to_owned(),
        )
        .await?;
    } else {
        txn.execute_unprepared("DELETE FROM search_terms").await?;
    }
    // A rebuild takes a minute on a large database; live messages must
    // not wait for it.
    crate::events::writes_no_events(&txn).await?;
    search_documents::Entity::delete_many().exec(&txn).await?;
    let mut documents = Vec::new();
    for kind in Kind::ALL {
        documents.extend(read(&txn, kind, None).await?);
    }
    // Oldest first, whatever the kind: a search's candidates are the
    // newest matches by id, as they are for what is written later.
    documents.sort_by_key(|d| d.created_at);
    for chunk in documents.chunks(BATCH) {
        put_chunk(&txn, chunk).await?;
    }
    txn.commit().await?;
    Ok(documents.len())
}

/// Whether the index is empty while there are messages or people: a
/// database from before search, or restored without it.
pub async fn needs_reindex(db: &DatabaseConnection) -> Result<bool> {
    let documents = search_documents::Entity::find()
        .select_only()
        .column(search_documents::Column::Id)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    if documents.is_some() {
        return Ok(false);
    }
    let people = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(people.is_some())
}
