//! A person's language for the web client: `en` or `sv`; NULL follows the
//! browser.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_directory::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len_null(Language::Language, 8))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Language::Language)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Language {
    Language,
}
