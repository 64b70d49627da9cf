//! Indexes for the content rate limit (docs/SECURITY.md: at most 60 messages and
//! guest posts a minute per person): every `postMessage` and
//! `createPostDraft` counts the author's messages and posts of the last
//! minute, which must read a few index entries, not the author's whole
//! history. The existing indexes lead with the channel, the parent or the
//! post's `updated_at`, none with (author, created_at).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const MESSAGES_INDEX: &str = "idx_messages_author_created";
const POSTS_INDEX: &str = "idx_guest_posts_author_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(MESSAGES_INDEX)
                    .table(Messages::Table)
                    .col(Messages::AuthorId)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(POSTS_INDEX)
                    .table(GuestPosts::Table)
                    .col(GuestPosts::AuthorId)
                    .col(GuestPosts::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(POSTS_INDEX)
                    .table(GuestPosts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(MESSAGES_INDEX)
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    AuthorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GuestPosts {
    Table,
    AuthorId,
    CreatedAt,
}
