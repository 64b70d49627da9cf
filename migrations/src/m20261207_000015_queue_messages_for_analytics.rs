//! Messages written but not yet added to the analytics rollups.
//!
//! A post no longer updates the rollups in its own transaction: it inserts
//! its message's id here (in the statement that inserts the message), and
//! `synaps::domain::analytics::record::fold` adds the waiting messages to
//! the rollups in bulk, taking their rows out in the same transaction, so
//! each message is counted exactly once however many replicas fold. The
//! scheduler folds every tick and every analytics query folds before it
//! reads, so figures are never behind what was posted. Posting stays one
//! small insert per message; the rollups' joins and upserts run once per
//! fold instead of once per batch of posts (docs/PERFORMANCE.md).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnalyticsPending::Table)
                    .col(uuid(AnalyticsPending::MessageId).primary_key())
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnalyticsPending::Table, AnalyticsPending::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AnalyticsPending::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AnalyticsPending {
    Table,
    MessageId,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
}
