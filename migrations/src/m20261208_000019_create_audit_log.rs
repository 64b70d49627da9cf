//! The audit log: every administrative and editorial action, with who took
//! it, on what, the state before and after (JSON) and the request it came
//! in, written in the action's own transaction (`domain::audit`). Entries
//! are only ever added; erasing a person blanks the personal data in the
//! entries about them, keeping that the actions happened.
//!
//! Indexes serve the list `auditLog` reads, newest first: all entries, one
//! actor's, one action's; and the entries about one subject (erasure).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(uuid(AuditLog::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(string_len(AuditLog::Action, 40))
                    .col(string_len(AuditLog::SubjectKind, 16))
                    .col(uuid(AuditLog::SubjectId))
                    .col(text_null(AuditLog::Before))
                    .col(text_null(AuditLog::After))
                    .col(string_len_null(AuditLog::RequestId, 64))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_audit_log_at", vec![AuditLog::At, AuditLog::Id]),
            (
                "idx_audit_log_actor",
                vec![AuditLog::ActorId, AuditLog::At, AuditLog::Id],
            ),
            (
                "idx_audit_log_action",
                vec![AuditLog::Action, AuditLog::At, AuditLog::Id],
            ),
            ("idx_audit_log_subject", vec![AuditLog::SubjectId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditLog::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Action,
    SubjectKind,
    SubjectId,
    Before,
    After,
    RequestId,
}
