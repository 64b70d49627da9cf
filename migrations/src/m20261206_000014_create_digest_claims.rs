//! The automatic weekly digest's claims: one row per department and week,
//! inserted in the transaction that posts the digest, so however many
//! replicas run it goes out once (`domain::round::digest::post_due`). A
//! week with nothing to post (no check-ins, no channel) is claimed too,
//! with no message, so it is not tried again on every tick.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_directory::Departments;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DigestClaims::Table)
                    .col(uuid(DigestClaims::DepartmentId))
                    .col(string_len(DigestClaims::Week, 8))
                    .col(uuid_null(DigestClaims::MessageId))
                    .col(timestamp_with_time_zone(DigestClaims::ClaimedAt))
                    .primary_key(
                        Index::create()
                            .col(DigestClaims::DepartmentId)
                            .col(DigestClaims::Week),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DigestClaims::Table, DigestClaims::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DigestClaims::Table, DigestClaims::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DigestClaims::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DigestClaims {
    Table,
    DepartmentId,
    Week,
    MessageId,
    ClaimedAt,
}
