//! The weekly round: people's time (time zone, reminders, time away,
//! company holidays), check-ins with their challenges, reactions and
//! comments, and the claims that make each reminder go out once.
//!
//! A check-in belongs to one person and one ISO week, written `2026-W49`
//! (zero-padded, so the text sorts like the week); `week_start` is that
//! week's Monday, for ranges. A challenge addressed to a department points
//! at the thread it opened (`thread_message_id`) and records its first
//! answer from that department.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_directory::{Departments, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // An IANA zone name; NULL means the configured default.
        add_user_column(manager, &mut string_len_null(People::TimeZone, 64)).await?;
        add_user_column(manager, boolean(People::CheckinReminders).default(true)).await?;

        manager
            .create_table(
                Table::create()
                    .table(AwayPeriods::Table)
                    .col(pk_uuid(AwayPeriods::Id))
                    .col(uuid(AwayPeriods::UserId))
                    // Both days included, in the person's own calendar.
                    .col(date(AwayPeriods::StartsOn))
                    .col(date(AwayPeriods::EndsOn))
                    .col(text(AwayPeriods::Note).default(""))
                    .col(timestamp_with_time_zone(AwayPeriods::CreatedAt))
                    .foreign_key(&mut cascade_to_user(
                        AwayPeriods::Table,
                        AwayPeriods::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_away_periods_user_ends",
            AwayPeriods::Table,
            &[AwayPeriods::UserId, AwayPeriods::EndsOn],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Holidays::Table)
                    .col(pk_uuid(Holidays::Id))
                    .col(date_uniq(Holidays::Day))
                    .col(string_len(Holidays::Name, 200))
                    .col(timestamp_with_time_zone(Holidays::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Checkins::Table)
                    .col(pk_uuid(Checkins::Id))
                    .col(uuid(Checkins::UserId))
                    .col(string_len(Checkins::Week, 8))
                    .col(date(Checkins::WeekStart))
                    .col(text(Checkins::Wins))
                    .col(small_integer_null(Checkins::Mood))
                    .col(timestamp_with_time_zone(Checkins::CreatedAt))
                    .col(timestamp_with_time_zone(Checkins::UpdatedAt))
                    .foreign_key(&mut cascade_to_user(Checkins::Table, Checkins::UserId))
                    .to_owned(),
            )
            .await?;
        // One check-in per person and week; also `myCheckins` (newest week first).
        manager
            .create_index(
                Index::create()
                    .name("idx_checkins_user_week")
                    .table(Checkins::Table)
                    .col(Checkins::UserId)
                    .col(Checkins::Week)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The round of a week.
        index(
            manager,
            "idx_checkins_week_user",
            Checkins::Table,
            &[Checkins::Week, Checkins::UserId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckinChallenges::Table)
                    .col(pk_uuid(CheckinChallenges::Id))
                    .col(uuid(CheckinChallenges::CheckinId))
                    .col(integer(CheckinChallenges::Position))
                    .col(text(CheckinChallenges::Body))
                    .col(uuid_null(CheckinChallenges::DepartmentId))
                    .col(uuid_null(CheckinChallenges::ThreadMessageId))
                    .col(timestamp_with_time_zone_null(CheckinChallenges::AnsweredAt))
                    .col(uuid_null(CheckinChallenges::AnsweredBy))
                    .col(timestamp_with_time_zone_null(CheckinChallenges::ResolvedAt))
                    .col(timestamp_with_time_zone(CheckinChallenges::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CheckinChallenges::Table, CheckinChallenges::CheckinId)
                            .to(Checkins::Table, Checkins::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CheckinChallenges::Table, CheckinChallenges::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CheckinChallenges::Table, CheckinChallenges::ThreadMessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CheckinChallenges::Table, CheckinChallenges::AnsweredBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_checkin_challenges_checkin",
            CheckinChallenges::Table,
            &[CheckinChallenges::CheckinId, CheckinChallenges::Position],
        )
        .await?;
        // A reply finds the challenge whose thread it answers.
        index(
            manager,
            "idx_checkin_challenges_thread",
            CheckinChallenges::Table,
            &[CheckinChallenges::ThreadMessageId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckinReactions::Table)
                    .col(uuid(CheckinReactions::CheckinId))
                    .col(string_len(CheckinReactions::Code, 32))
                    .col(uuid(CheckinReactions::UserId))
                    .col(timestamp_with_time_zone(CheckinReactions::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(CheckinReactions::CheckinId)
                            .col(CheckinReactions::Code)
                            .col(CheckinReactions::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CheckinReactions::Table, CheckinReactions::CheckinId)
                            .to(Checkins::Table, Checkins::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut cascade_to_user(
                        CheckinReactions::Table,
                        CheckinReactions::UserId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckinComments::Table)
                    .col(pk_uuid(CheckinComments::Id))
                    .col(uuid(CheckinComments::CheckinId))
                    .col(uuid(CheckinComments::AuthorId))
                    .col(text(CheckinComments::Body))
                    .col(timestamp_with_time_zone(CheckinComments::CreatedAt))
                    .col(timestamp_with_time_zone_null(CheckinComments::EditedAt))
                    .col(timestamp_with_time_zone_null(CheckinComments::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CheckinComments::Table, CheckinComments::CheckinId)
                            .to(Checkins::Table, Checkins::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut cascade_to_user(
                        CheckinComments::Table,
                        CheckinComments::AuthorId,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_checkin_comments_checkin",
            CheckinComments::Table,
            &[CheckinComments::CheckinId, CheckinComments::CreatedAt],
        )
        .await?;

        // The claim of one reminder: inserting the row is sending it, so
        // two replicas cannot both remind a person of the same week.
        manager
            .create_table(
                Table::create()
                    .table(CheckinReminders::Table)
                    .col(uuid(CheckinReminders::UserId))
                    .col(string_len(CheckinReminders::Week, 8))
                    .col(timestamp_with_time_zone(CheckinReminders::SentAt))
                    .primary_key(
                        Index::create()
                            .col(CheckinReminders::UserId)
                            .col(CheckinReminders::Week),
                    )
                    .foreign_key(&mut cascade_to_user(
                        CheckinReminders::Table,
                        CheckinReminders::UserId,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CheckinReminders::Table.into_iden(),
            CheckinComments::Table.into_iden(),
            CheckinReactions::Table.into_iden(),
            CheckinChallenges::Table.into_iden(),
            Checkins::Table.into_iden(),
            Holidays::Table.into_iden(),
            AwayPeriods::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [People::CheckinReminders, People::TimeZone] {
            manager
                .alter_table(
                    Table::alter()
                        .table(People::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

async fn add_user_column(manager: &SchemaManager<'_>, column: &mut ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(People::Table)
                .add_column(column)
                .to_owned(),
        )
        .await
}

async fn index<T: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: &[T],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await
}

fn cascade_to_user<T: IntoIden + Copy + 'static>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[derive(DeriveIden)]
enum People {
    #[sea_orm(iden = "users")]
    Table,
    TimeZone,
    CheckinReminders,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum AwayPeriods {
    Table,
    Id,
    UserId,
    StartsOn,
    EndsOn,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Holidays {
    Table,
    Id,
    Day,
    Name,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Checkins {
    Table,
    Id,
    UserId,
    Week,
    WeekStart,
    Wins,
    Mood,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CheckinChallenges {
    Table,
    Id,
    CheckinId,
    Position,
    Body,
    DepartmentId,
    ThreadMessageId,
    AnsweredAt,
    AnsweredBy,
    ResolvedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CheckinReactions {
    Table,
    CheckinId,
    Code,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CheckinComments {
    Table,
    Id,
    CheckinId,
    AuthorId,
    Body,
    CreatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CheckinReminders {
    Table,
    UserId,
    Week,
    SentAt,
}
