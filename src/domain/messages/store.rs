//! Writing a batch of admitted posts (`post`): the messages, their places
//! in the analytics queue (`analytics::record::fold` adds them to the
//! rollups), their search documents (`search::index`), the authors'
//! content counts and the `message.added` events,
//! then the notifications of the few posts that mention someone or reply.
//!
//! **On PostgreSQL the batch is one statement** whatever its size:
//! data-modifying `WITH` queries, every column bound as an array
//! (`unnest`), so the text is the same for 1 or 64 posts and is prepared
//! once per connection. A batch of posts is the one hot write path and its
//! writers take turns (`queue`): each round trip a batch makes is time no
//! other batch is written in. This replaced three round trips (the
//! messages, the rollups that read them, then the counts and events), each
//! with a statement text per batch size.
//!
//! On SQLite (one writer, in process) the same writes are a few
//! statements.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryTrait, Set};
use serde_json::json;
use uuid::Uuid;

use super::follow;
use super::post::Admitted;
use super::write::{notify_new, notifying_handles};
use crate::db;
use crate::domain::rate_limit::Budgets;
use crate::domain::search::index::{self, Document};
use crate::entities::{analytics_pending, messages};
use crate::error::Result;
use crate::events::{self, Event, Topic};

/// Writes the admitted posts; see the module docs.
pub(super) async fn store(
    txn: &DatabaseTransaction,
    written: &[&Admitted],
    budgets: &Budgets,
) -> Result<()> {
    let ids: Vec<Uuid> = written.iter().map(|a| a.message.id).collect();
    let events: Vec<Event> = written.iter().map(|a| added_event(&a.message)).collect();
    let documents: Vec<Document> = written.iter().map(|a| index::message(&a.message)).collect();
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(in_one_statement(written, &ids, budgets, &documents, events))
            .await?;
    } else {
        index::add_all(txn, &documents).await?;
        let rows = written.iter().map(|a| row(&a.message));
        let queued = ids.iter().map(|id| analytics_pending::ActiveModel {
            message_id: Set(*id),
        });
        let mut inserts = vec![
            messages::Entity::insert_many(rows).into_query(),
            analytics_pending::Entity::insert_many(queued).into_query(),
        ];
        inserts.extend(budgets.upsert());
        inserts.extend(events::insert_all(events));
        db::insert_together(txn, inserts).await?;
    }
    // You follow the threads you start or reply in. A starter's follow is
    // their authorship (`follow`); a reply's follow goes in before the next
    // reply is notified, as if they had come one by one.
    for admitted in written {
        let message = &admitted.message;
        let Some(handles) = notifying_handles(message) else {
            continue;
        };
        notify_new(txn, &admitted.channel, message, handles).await?;
        if let Some(root) = message.parent_id {
            follow::set_following(txn, &[(root, message.author_id)], true).await?;
        }
    }
    Ok(())
}

/// PostgreSQL: the messages, their places in the analytics queue, their
/// search documents, the authors' counts and the events as one statement.
fn in_one_statement(
    written: &[&Admitted],
    ids: &[Uuid],
    budgets: &Budgets,
    documents: &[Document],
    events: Vec<Event>,
) -> sea_orm::Statement {
    let mut values = Vec::new();
    let messages: Vec<&messages::Model> = written.iter().map(|a| &a.message).collect();
    let message_ids = db::bind(&mut values, ids.to_vec());
    let channels = db::bind(
        &mut values,
        messages.iter().map(|m| m.channel_id).collect::<Vec<_>>(),
    );
    let authors = db::bind(
        &mut values,
        messages.iter().map(|m| m.author_id).collect::<Vec<_>>(),
    );
    // No parent is the nil id, made NULL again below.
    let parents = db::bind(
        &mut values,
        messages
            .iter()
            .map(|m| m.parent_id.unwrap_or_default())
            .collect::<Vec<_>>(),
    );
    let bodies = db::bind(
        &mut values,
        messages.iter().map(|m| m.body.clone()).collect::<Vec<_>>(),
    );
    let times = db::bind(
        &mut values,
        messages.iter().map(|m| m.created_at).collect::<Vec<_>>(),
    );
    let plains = db::bind(
        &mut values,
        documents.iter().map(Document::plain).collect::<Vec<_>>(),
    );
    let terms = db::bind(
        &mut values,
        documents.iter().map(Document::tsvector).collect::<Vec<_>>(),
    );
    let counts = budgets.upsert_unnested(&mut values);
    let announced = events::insert_unnested(events, |v| db::bind(&mut values, v));
    let text = format!(
        "WITH inserted AS (INSERT INTO messages (id, channel_id, author_id, parent_id, body, created_at) \
         SELECT m.id, m.channel_id, m.author_id, \
                NULLIF(m.parent_id, '00000000-0000-0000-0000-000000000000'), m.body, m.created_at \
         FROM unnest(CAST({message_ids} AS uuid[]), CAST({channels} AS uuid[]), \
                     CAST({authors} AS uuid[]), CAST({parents} AS uuid[]), \
                     CAST({bodies} AS text[]), CAST({times} AS timestamptz[])) \
              AS m (id, channel_id, author_id, parent_id, body, created_at) \
         RETURNING id), \
         queued AS (INSERT INTO analytics_pending (message_id) SELECT id FROM inserted), \
         indexed AS (INSERT INTO search_documents \
             (kind, object_id, created_at, title, body, plain, terms, channel_id, author_id) \
           SELECT 'message', d.id, d.created_at, '', d.body, d.plain, CAST(d.terms AS tsvector), \
                  d.channel_id, d.author_id \
           FROM unnest(CAST({message_ids} AS uuid[]), CAST({times} AS timestamptz[]), \
                       CAST({bodies} AS text[]), CAST({plains} AS text[]), CAST({terms} AS text[]), \
                       CAST({channels} AS uuid[]), CAST({authors} AS uuid[])) \
                AS d (id, created_at, body, plain, terms, channel_id, author_id)), \
         counted AS ({counts}) \
         {announced}"
    );
    sea_orm::Statement::from_sql_and_values(DbBackend::Postgres, text, values)
}

/// The row of a new message.
fn row(m: &messages::Model) -> messages::ActiveModel {
    messages::ActiveModel {
        id: Set(m.id),
        channel_id: Set(m.channel_id),
        author_id: Set(m.author_id),
        parent_id: Set(m.parent_id),
        body: Set(m.body.clone()),
        created_at: Set(m.created_at),
        edited_at: Set(None),
        deleted_at: Set(None),
        erased_at: Set(None),
    }
}

/// The event for a new message.
fn added_event(message: &messages::Model) -> Event {
    Event {
        topic: Topic::MessageAdded {
            channel: message.channel_id,
            message: message.id,
        },
        details: json!({ "parentId": message.parent_id }),
    }
}
