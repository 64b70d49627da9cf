//! The events table: every change that feeds a subscription, written in the
//! same transaction as the change itself. Its increasing id is the order in
//! which replicas deliver events and the cursor they catch up from after a
//! reconnect; PostgreSQL's NOTIFY only wakes them up (see `src/events.rs`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    // bigserial on PostgreSQL; INTEGER PRIMARY KEY AUTOINCREMENT
                    // on SQLite, so an id is never handed out twice.
                    .col(big_pk_auto(Events::Id))
                    // What happened, e.g. `post.status_changed`.
                    .col(string_len(Events::Topic, 64))
                    // The subjects subscriptions filter on; no foreign keys, so
                    // the log outlives what it mentions.
                    .col(uuid_null(Events::PostId))
                    .col(uuid_null(Events::AuthorId))
                    .col(uuid_null(Events::ChannelId))
                    // A small JSON object (ids and states, never content).
                    .col(text(Events::Payload))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // For pruning old events by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_events_created_at")
                    .table(Events::Table)
                    .col(Events::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Topic,
    PostId,
    AuthorId,
    ChannelId,
    Payload,
    CreatedAt,
}
