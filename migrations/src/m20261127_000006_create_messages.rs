//! Messages in channels (with thread replies and tombstones), their mentions
//! and reactions, the threads people follow and the channels they muted.

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
                    .table(Messages::Table)
                    .col(pk_uuid(Messages::Id))
                    .col(uuid(Messages::ChannelId))
                    .col(uuid(Messages::AuthorId))
                    // A thread reply's root message; null for a root.
                    .col(uuid_null(Messages::ParentId))
                    // Markdown, at most 64 KiB; emptied when deleted.
                    .col(text(Messages::Body))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .col(timestamp_with_time_zone_null(Messages::EditedAt))
                    .col(timestamp_with_time_zone_null(Messages::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::AuthorId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::ParentId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // `Channel.messages`: a channel's newest roots first.
        index(
            manager,
            "idx_messages_channel_created",
            Messages::Table,
            [Messages::ChannelId, Messages::CreatedAt, Messages::Id],
        )
        .await?;
        // `Message.replies` (oldest first) and `replyCount`.
        index(
            manager,
            "idx_messages_parent_created",
            Messages::Table,
            [Messages::ParentId, Messages::CreatedAt, Messages::Id],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MessageMentions::Table)
                    .col(uuid(MessageMentions::MessageId))
                    .col(uuid(MessageMentions::UserId))
                    .primary_key(
                        Index::create()
                            .col(MessageMentions::MessageId)
                            .col(MessageMentions::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MessageMentions::Table, MessageMentions::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MessageMentions::Table, MessageMentions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Where a person was mentioned.
        index(
            manager,
            "idx_message_mentions_user",
            MessageMentions::Table,
            [MessageMentions::UserId, MessageMentions::MessageId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MessageReactions::Table)
                    .col(uuid(MessageReactions::MessageId))
                    .col(uuid(MessageReactions::UserId))
                    .col(string_len(MessageReactions::Code, 32))
                    .col(timestamp_with_time_zone(MessageReactions::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MessageReactions::MessageId)
                            .col(MessageReactions::Code)
                            .col(MessageReactions::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MessageReactions::Table, MessageReactions::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MessageReactions::Table, MessageReactions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ThreadFollows::Table)
                    .col(uuid(ThreadFollows::MessageId))
                    .col(uuid(ThreadFollows::UserId))
                    .col(timestamp_with_time_zone(ThreadFollows::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ThreadFollows::MessageId)
                            .col(ThreadFollows::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadFollows::Table, ThreadFollows::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadFollows::Table, ThreadFollows::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChannelMutes::Table)
                    .col(uuid(ChannelMutes::ChannelId))
                    .col(uuid(ChannelMutes::UserId))
                    .col(timestamp_with_time_zone(ChannelMutes::MutedAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelMutes::ChannelId)
                            .col(ChannelMutes::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelMutes::Table, ChannelMutes::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelMutes::Table, ChannelMutes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChannelMutes::Table.into_iden(),
            ThreadFollows::Table.into_iden(),
            MessageReactions::Table.into_iden(),
            MessageMentions::Table.into_iden(),
            Messages::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: impl IntoIterator<Item = C>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Channels {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    Id,
    ChannelId,
    AuthorId,
    ParentId,
    Body,
    CreatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MessageMentions {
    Table,
    MessageId,
    UserId,
}

#[derive(DeriveIden, Clone, Copy)]
enum MessageReactions {
    Table,
    MessageId,
    UserId,
    Code,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ThreadFollows {
    Table,
    MessageId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelMutes {
    Table,
    ChannelId,
    UserId,
    MutedAt,
}
