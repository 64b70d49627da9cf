//! What a search document belongs to, kept beside its text so a search can
//! tell who may see it without reading the thing's own row
//! (docs/SEARCH.md, "Who sees a hit"):
//! - `channel_id`: a message's channel, or the channel itself;
//! - `author_id`: who wrote a message, post or check-in, who created a
//!   channel, or the person themselves.
//!
//! Both are facts that never change for a thing (a message does not move
//! to another channel), so keeping them costs no reindexing; the rules
//! (which channels a viewer sees, a post's status, a deactivated person)
//! are still applied when searching. Existing documents are filled in
//! from their rows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Fills in the new columns of existing documents, one kind at a time
/// (correlated subqueries: the same SQL on both databases).
const BACKFILL: [&str; 5] = [
    "UPDATE search_documents SET \
       channel_id = (SELECT m.channel_id FROM messages m WHERE m.id = search_documents.object_id), \
       author_id = (SELECT m.author_id FROM messages m WHERE m.id = search_documents.object_id) \
     WHERE kind = 'message'",
    "UPDATE search_documents SET channel_id = object_id, \
       author_id = (SELECT c.created_by FROM channels c WHERE c.id = search_documents.object_id) \
     WHERE kind = 'channel'",
    "UPDATE search_documents SET author_id = object_id WHERE kind = 'person'",
    "UPDATE search_documents SET \
       author_id = (SELECT p.author_id FROM guest_posts p WHERE p.id = search_documents.object_id) \
     WHERE kind = 'post'",
    "UPDATE search_documents SET \
       author_id = (SELECT c.user_id FROM checkins c WHERE c.id = search_documents.object_id) \
     WHERE kind = 'checkin'",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [SearchDocuments::ChannelId, SearchDocuments::AuthorId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SearchDocuments::Table)
                        .add_column(uuid_null(column))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        for statement in BACKFILL {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [SearchDocuments::AuthorId, SearchDocuments::ChannelId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SearchDocuments::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SearchDocuments {
    Table,
    ChannelId,
    AuthorId,
}
