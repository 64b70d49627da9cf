//! Departments, people, and who belongs to which department.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Departments::Table)
                    .col(pk_uuid(Departments::Id))
                    .col(string_len_uniq(Departments::Slug, 64))
                    .col(string_len(Departments::Name, 200))
                    .col(text(Departments::Description).default(""))
                    .col(timestamp_with_time_zone(Departments::CreatedAt))
                    .col(timestamp_with_time_zone(Departments::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // `departments` lists by name.
        manager
            .create_index(
                Index::create()
                    .name("idx_departments_name_id")
                    .table(Departments::Table)
                    .col(Departments::Name)
                    .col(Departments::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    // Stored lower-cased: the unique index makes emails unique
                    // case-insensitively on every backend.
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len_uniq(Users::Handle, 32))
                    .col(string_len(Users::DisplayName, 200))
                    .col(string_len(Users::Title, 200).default(""))
                    .col(text(Users::Bio).default(""))
                    .col(string_len(Users::Role, 16))
                    .col(string_len(Users::PasswordHash, 255))
                    // Bumped on password change and deactivation: access tokens
                    // carry the version they were minted with.
                    .col(integer(Users::TokenVersion).default(0))
                    .col(timestamp_with_time_zone_null(Users::DeactivatedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // `users(search:)` and department member lists page by name.
        manager
            .create_index(
                Index::create()
                    .name("idx_users_display_name_id")
                    .table(Users::Table)
                    .col(Users::DisplayName)
                    .col(Users::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DepartmentMembers::Table)
                    .col(uuid(DepartmentMembers::DepartmentId))
                    .col(uuid(DepartmentMembers::UserId))
                    .col(timestamp_with_time_zone(DepartmentMembers::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(DepartmentMembers::DepartmentId)
                            .col(DepartmentMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DepartmentMembers::Table, DepartmentMembers::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DepartmentMembers::Table, DepartmentMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // `User.departments` looks memberships up by user.
        manager
            .create_index(
                Index::create()
                    .name("idx_department_members_user_id")
                    .table(DepartmentMembers::Table)
                    .col(DepartmentMembers::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DepartmentMembers::Table.into_iden(),
            Users::Table.into_iden(),
            Departments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum Departments {
    Table,
    Id,
    Slug,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    Handle,
    DisplayName,
    Title,
    Bio,
    Role,
    PasswordHash,
    TokenVersion,
    DeactivatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DepartmentMembers {
    Table,
    DepartmentId,
    UserId,
    JoinedAt,
}
