//! Guest posts, their submitted revisions and review events (the audit
//! trail), and notifications.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_directory::{Departments, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GuestPosts::Table)
                    .col(pk_uuid(GuestPosts::Id))
                    .col(uuid(GuestPosts::AuthorId))
                    .col(uuid(GuestPosts::DepartmentId))
                    .col(string_len(GuestPosts::Title, 200))
                    // Unique; frozen once the post has been published.
                    .col(string_len_uniq(GuestPosts::Slug, 120))
                    .col(text(GuestPosts::Body))
                    .col(text(GuestPosts::Excerpt).default(""))
                    .col(string_len(GuestPosts::Status, 24))
                    // Bumped on every change: edits and transitions compare it.
                    .col(integer(GuestPosts::Version).default(1))
                    .col(date_null(GuestPosts::PlannedFor))
                    .col(timestamp_with_time_zone_null(GuestPosts::PublishAt))
                    .col(timestamp_with_time_zone_null(GuestPosts::PublishedAt))
                    .col(timestamp_with_time_zone_null(GuestPosts::FirstPublishedAt))
                    .col(timestamp_with_time_zone_null(GuestPosts::SubmittedAt))
                    .col(string_len_null(GuestPosts::SourceKind, 16))
                    .col(uuid_null(GuestPosts::SourceId))
                    .col(timestamp_with_time_zone(GuestPosts::CreatedAt))
                    .col(timestamp_with_time_zone(GuestPosts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GuestPosts::Table, GuestPosts::AuthorId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GuestPosts::Table, GuestPosts::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One index per list served: the author's posts, the review queue and
        // filtered lists (status first), the public blog (newest published),
        // and the scheduler's due posts.
        for (name, columns) in [
            (
                "idx_guest_posts_author_updated",
                vec![GuestPosts::AuthorId, GuestPosts::UpdatedAt, GuestPosts::Id],
            ),
            (
                "idx_guest_posts_status_submitted",
                vec![GuestPosts::Status, GuestPosts::SubmittedAt, GuestPosts::Id],
            ),
            (
                "idx_guest_posts_status_published",
                vec![GuestPosts::Status, GuestPosts::PublishedAt, GuestPosts::Id],
            ),
            (
                "idx_guest_posts_department_status_published",
                vec![
                    GuestPosts::DepartmentId,
                    GuestPosts::Status,
                    GuestPosts::PublishedAt,
                ],
            ),
            (
                "idx_guest_posts_status_publish_at",
                vec![GuestPosts::Status, GuestPosts::PublishAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(GuestPosts::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PostRevisions::Table)
                    .col(pk_uuid(PostRevisions::Id))
                    .col(uuid(PostRevisions::PostId))
                    .col(integer(PostRevisions::Number))
                    .col(string_len(PostRevisions::Title, 200))
                    .col(text(PostRevisions::Excerpt))
                    .col(text(PostRevisions::Body))
                    .col(timestamp_with_time_zone(PostRevisions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostRevisions::Table, PostRevisions::PostId)
                            .to(GuestPosts::Table, GuestPosts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_post_revisions_post_number")
                    .table(PostRevisions::Table)
                    .col(PostRevisions::PostId)
                    .col(PostRevisions::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReviewEvents::Table)
                    .col(pk_uuid(ReviewEvents::Id))
                    .col(uuid(ReviewEvents::PostId))
                    // Null when the scheduler acted.
                    .col(uuid_null(ReviewEvents::ActorId))
                    .col(string_len(ReviewEvents::FromStatus, 24))
                    .col(string_len(ReviewEvents::ToStatus, 24))
                    .col(text_null(ReviewEvents::Comment))
                    .col(timestamp_with_time_zone(ReviewEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewEvents::Table, ReviewEvents::PostId)
                            .to(GuestPosts::Table, GuestPosts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewEvents::Table, ReviewEvents::ActorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_events_post_created")
                    .table(ReviewEvents::Table)
                    .col(ReviewEvents::PostId)
                    .col(ReviewEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_uuid(Notifications::Id))
                    .col(uuid(Notifications::RecipientId))
                    .col(string_len(Notifications::Kind, 32))
                    .col(uuid_null(Notifications::ActorId))
                    .col(string_len(Notifications::SubjectKind, 32))
                    .col(uuid(Notifications::SubjectId))
                    .col(text(Notifications::Message))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notifications::Table, Notifications::RecipientId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The newest-first list and the unread count, per recipient.
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_recipient_created")
                    .table(Notifications::Table)
                    .col(Notifications::RecipientId)
                    .col(Notifications::CreatedAt)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_recipient_read")
                    .table(Notifications::Table)
                    .col(Notifications::RecipientId)
                    .col(Notifications::ReadAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notifications::Table.into_iden(),
            ReviewEvents::Table.into_iden(),
            PostRevisions::Table.into_iden(),
            GuestPosts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum GuestPosts {
    Table,
    Id,
    AuthorId,
    DepartmentId,
    Title,
    Slug,
    Body,
    Excerpt,
    Status,
    Version,
    PlannedFor,
    PublishAt,
    PublishedAt,
    FirstPublishedAt,
    SubmittedAt,
    SourceKind,
    SourceId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PostRevisions {
    Table,
    Id,
    PostId,
    Number,
    Title,
    Excerpt,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReviewEvents {
    Table,
    Id,
    PostId,
    ActorId,
    FromStatus,
    ToStatus,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    RecipientId,
    Kind,
    ActorId,
    SubjectKind,
    SubjectId,
    Message,
    CreatedAt,
    ReadAt,
}
