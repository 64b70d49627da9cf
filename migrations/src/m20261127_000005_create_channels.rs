//! Channels, the departments each is linked to (two or more make it a
//! synapse), and who is a member.

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
                    .table(Channels::Table)
                    .col(pk_uuid(Channels::Id))
                    .col(string_len_uniq(Channels::Slug, 64))
                    .col(string_len(Channels::Name, 200))
                    .col(text(Channels::Topic).default(""))
                    // `public` or `private`.
                    .col(string_len(Channels::Visibility, 16))
                    .col(timestamp_with_time_zone_null(Channels::ArchivedAt))
                    .col(uuid(Channels::CreatedBy))
                    .col(timestamp_with_time_zone(Channels::CreatedAt))
                    .col(timestamp_with_time_zone(Channels::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Channels::Table, Channels::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // `channels` lists by name.
        manager
            .create_index(
                Index::create()
                    .name("idx_channels_name_id")
                    .table(Channels::Table)
                    .col(Channels::Name)
                    .col(Channels::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChannelDepartments::Table)
                    .col(uuid(ChannelDepartments::ChannelId))
                    .col(uuid(ChannelDepartments::DepartmentId))
                    .primary_key(
                        Index::create()
                            .col(ChannelDepartments::ChannelId)
                            .col(ChannelDepartments::DepartmentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelDepartments::Table, ChannelDepartments::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelDepartments::Table, ChannelDepartments::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // `Department.channels`, `Department.linkedDepartments` and
        // `channels(department:, between:)` start from a department.
        manager
            .create_index(
                Index::create()
                    .name("idx_channel_departments_department_id")
                    .table(ChannelDepartments::Table)
                    .col(ChannelDepartments::DepartmentId)
                    .col(ChannelDepartments::ChannelId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChannelMembers::Table)
                    .col(uuid(ChannelMembers::ChannelId))
                    .col(uuid(ChannelMembers::UserId))
                    .col(timestamp_with_time_zone(ChannelMembers::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelMembers::ChannelId)
                            .col(ChannelMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelMembers::Table, ChannelMembers::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChannelMembers::Table, ChannelMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // `channels(joined:)` and every private-channel check look
        // memberships up by person.
        manager
            .create_index(
                Index::create()
                    .name("idx_channel_members_user_id")
                    .table(ChannelMembers::Table)
                    .col(ChannelMembers::UserId)
                    .col(ChannelMembers::ChannelId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChannelMembers::Table.into_iden(),
            ChannelDepartments::Table.into_iden(),
            Channels::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    Slug,
    Name,
    Topic,
    Visibility,
    ArchivedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ChannelDepartments {
    Table,
    ChannelId,
    DepartmentId,
}

#[derive(DeriveIden)]
enum ChannelMembers {
    Table,
    ChannelId,
    UserId,
    JoinedAt,
}
