//! The transaction that wrote each event, for the relay to deliver events in
//! an order that no rollback can stall (see `src/events.rs`, "Order").
//!
//! PostgreSQL: `txid` is the writing transaction's id (`pg_current_xact_id()`,
//! 64 bits with its epoch, stored as a bigint), filled in by the column's
//! default, so every writer, including a replica of the previous image still
//! running during an upgrade, records it without knowing the column. Rows
//! from before this migration keep 0: every relay started after it is past
//! them. The column is added with the constant default first (no rewrite of
//! the table) and the expression set after.
//!
//! SQLite has one writer at a time, so ids are handed out in commit order
//! already: `txid` stays 0 there and the order is the id's.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_events_txid_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(
                        ColumnDef::new(Events::Txid)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE events ALTER COLUMN txid \
                     SET DEFAULT pg_current_xact_id()::text::bigint",
                )
                .await?;
        }
        // The relay reads in this order from its position.
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Events::Table)
                    .col(Events::Txid)
                    .col(Events::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Events::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::Txid)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Txid,
    Id,
}
