//! Search (docs/SEARCH.md): one row per searchable thing — a message, a
//! guest post, a check-in, a person, a channel — with its text as it was
//! written (for snippets), its words folded and spaced (`plain`, where an
//! exact phrase is looked for) and its terms, which synaps computes
//! (`domain::search::analyze`) so that both databases match the same way.
//!
//! The terms live where each database can search them fast:
//! - PostgreSQL: `terms tsvector` (title terms weighted A, body terms D),
//!   with a GIN index, which serves exact and prefix lexemes;
//! - SQLite: the FTS5 table `search_terms` (columns title and body), whose
//!   rowid is the document's id.
//!
//! Who may see a hit is not stored: the search joins each document to its
//! source row and applies the same rules as every other read, so a change
//! of visibility (a post published, a person deactivated, someone added to
//! a channel) needs no reindexing. The rows are written in the transaction
//! of the write they follow; existing data is indexed by `synaps search
//! reindex`, which `serve` runs once when the index is empty and content
//! is not.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchDocuments::Table)
                    .col(big_pk_auto(SearchDocuments::Id))
                    .col(string_len(SearchDocuments::Kind, 16))
                    .col(uuid(SearchDocuments::ObjectId))
                    .col(timestamp_with_time_zone(SearchDocuments::CreatedAt))
                    .col(text(SearchDocuments::Title))
                    .col(text(SearchDocuments::Body))
                    .col(text(SearchDocuments::Plain))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_documents_object")
                    .table(SearchDocuments::Table)
                    .col(SearchDocuments::ObjectId)
                    .col(SearchDocuments::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE search_documents ADD COLUMN terms tsvector NOT NULL DEFAULT ''",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_search_documents_terms ON search_documents USING GIN (terms)",
                )
                .await?;
            }
            _ => {
                // Terms are letters and digits only: unicode61 keeps each
                // whole, and must not fold them (they are folded already).
                // Prefix indexes for 2 to 4 letters: searching as you type
                // reads them instead of scanning every term after the
                // prefix.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE search_terms USING fts5(\
                     title, body, tokenize = 'unicode61 remove_diacritics 0', \
                     prefix = '2 3 4')",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE search_terms")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(SearchDocuments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchDocuments {
    Table,
    Id,
    Kind,
    ObjectId,
    CreatedAt,
    Title,
    Body,
    Plain,
}
