//! What each person created, counted per 10-second slot: the content rate
//! limit (docs/SECURITY.md: at most 60 messages and guest posts a minute per
//! person) reads a person's last seven slots, a handful of rows, rather
//! than every message they wrote in the last minute. Counting those rows
//! was most of the database's work per post under load (see
//! `src/domain/rate_limit.rs`).
//!
//! The table starts empty: for the minute after this migration, what
//! people created before it is not counted.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_directory::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContentCounts::Table)
                    .col(uuid(ContentCounts::AuthorId))
                    // Seconds since the Unix epoch, divided by 10.
                    .col(big_integer(ContentCounts::Slot))
                    // Messages and guest posts created in the slot.
                    .col(integer(ContentCounts::Items))
                    .primary_key(
                        Index::create()
                            .col(ContentCounts::AuthorId)
                            .col(ContentCounts::Slot),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ContentCounts::Table, ContentCounts::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContentCounts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ContentCounts {
    Table,
    AuthorId,
    Slot,
    Items,
}
