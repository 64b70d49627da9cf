//! Read state: per person and channel, how far they have read
//! (`channel_reads.last_read_at`), so unread badges agree on every tab and
//! device (`markChannelRead`, `Channel.unreadCount`, `mentionCount`,
//! `lastReadAt`).
//!
//! The marker only moves forward (an upsert that keeps the later time), and
//! joining a channel sets it to the moment of joining. People already in a
//! channel when this lands start with everything read that was written
//! before: their marker is the channel's newest message (or when they
//! joined, for a channel without messages), so an upgrade does not light up
//! every badge with history.
//!
//! `idx_messages_channel_unread` serves the unread count of a page of
//! channels: per channel, the top-level messages not deleted after the
//! marker, with their authors in the index (the viewer's own do not count),
//! so the count reads the index alone. Mentions go through
//! `idx_message_mentions_user` (the viewer's mentions) and the messages'
//! primary key.

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
                    .table(ChannelReads::Table)
                    .col(uuid(ChannelReads::UserId))
                    .col(uuid(ChannelReads::ChannelId))
                    .col(timestamp_with_time_zone(ChannelReads::LastReadAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelReads::UserId)
                            .col(ChannelReads::ChannelId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelReads::Table, ChannelReads::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelReads::Table, ChannelReads::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // A partial index: the same text on SQLite and PostgreSQL.
        db.execute_unprepared(
            "CREATE INDEX idx_messages_channel_unread \
             ON messages (channel_id, created_at, author_id) \
             WHERE parent_id IS NULL AND deleted_at IS NULL",
        )
        .await?;
        // Members so far have read what was written so far (stored times
        // copied, so both databases compare them in their own format).
        db.execute_unprepared(
            "INSERT INTO channel_reads (user_id, channel_id, last_read_at) \
             SELECT cm.user_id, cm.channel_id, \
                    COALESCE((SELECT MAX(m.created_at) FROM messages m \
                              WHERE m.channel_id = cm.channel_id), cm.joined_at) \
             FROM channel_members cm",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_messages_channel_unread")
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ChannelReads::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ChannelReads {
    Table,
    UserId,
    ChannelId,
    LastReadAt,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
}
