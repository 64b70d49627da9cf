//! The analytics rollups (docs/DESIGN.md "Analytics and privacy"): per UTC
//! day and ordered department pair, per day and department, the distinct
//! people behind each, one row per cross-department question, and the
//! histories of memberships and channel links that attribute an act to the
//! departments of its time. What each holds and how it is kept:
//! [`crate::analytics_sql`].
//!
//! Backfilled here from the existing rows: memberships and links that exist
//! now are taken as having always held (their history is unknown).

use sea_orm_migration::sea_orm::{ConnectionTrait, prelude::DateTimeUtc};
use sea_orm_migration::{prelude::*, schema::*};

use crate::analytics_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Who belonged to which department, when: [valid_from, valid_to).
        manager
            .create_table(
                Table::create()
                    .table(MemberSpans::Table)
                    .col(uuid(MemberSpans::UserId))
                    .col(uuid(MemberSpans::DepartmentId))
                    .col(timestamp_with_time_zone(MemberSpans::ValidFrom))
                    .col(timestamp_with_time_zone_null(MemberSpans::ValidTo))
                    .primary_key(
                        Index::create()
                            .col(MemberSpans::UserId)
                            .col(MemberSpans::DepartmentId)
                            .col(MemberSpans::ValidFrom),
                    )
                    .to_owned(),
            )
            .await?;
        // Which departments a channel was linked to, when.
        manager
            .create_table(
                Table::create()
                    .table(LinkSpans::Table)
                    .col(uuid(LinkSpans::ChannelId))
                    .col(uuid(LinkSpans::DepartmentId))
                    .col(timestamp_with_time_zone(LinkSpans::ValidFrom))
                    .col(timestamp_with_time_zone_null(LinkSpans::ValidTo))
                    .primary_key(
                        Index::create()
                            .col(LinkSpans::ChannelId)
                            .col(LinkSpans::DepartmentId)
                            .col(LinkSpans::ValidFrom),
                    )
                    .to_owned(),
            )
            .await?;
        // Acts of members of `from` that crossed to `to`, per UTC day.
        manager
            .create_table(
                Table::create()
                    .table(PairDays::Table)
                    .col(date(PairDays::Day))
                    .col(uuid(PairDays::FromDepartmentId))
                    .col(uuid(PairDays::ToDepartmentId))
                    .col(integer(PairDays::Messages))
                    .col(integer(PairDays::Replies))
                    .col(integer(PairDays::Reactions))
                    // Counter rows every post of the day adds to: concurrent
                    // posting transactions would queue on one row until each
                    // commits, so each adds to one of 16 rows (its shard) and
                    // readers sum them (`analytics_sql::shard`).
                    .col(small_integer(PairDays::Shard).default(0))
                    .primary_key(
                        Index::create()
                            .col(PairDays::Day)
                            .col(PairDays::FromDepartmentId)
                            .col(PairDays::ToDepartmentId)
                            .col(PairDays::Shard),
                    )
                    .to_owned(),
            )
            .await?;
        // `quietLinks`: a pair's last active day.
        index(
            manager,
            "idx_analytics_pair_days_pair",
            PairDays::Table,
            [
                PairDays::FromDepartmentId,
                PairDays::ToDepartmentId,
                PairDays::Day,
            ],
        )
        .await?;
        // The people behind each pair day, with their number of acts.
        manager
            .create_table(
                Table::create()
                    .table(PairPeople::Table)
                    .col(date(PairPeople::Day))
                    .col(uuid(PairPeople::FromDepartmentId))
                    .col(uuid(PairPeople::ToDepartmentId))
                    .col(uuid(PairPeople::UserId))
                    .col(integer(PairPeople::Acts))
                    .primary_key(
                        Index::create()
                            .col(PairPeople::Day)
                            .col(PairPeople::FromDepartmentId)
                            .col(PairPeople::ToDepartmentId)
                            .col(PairPeople::UserId),
                    )
                    .to_owned(),
            )
            .await?;
        // `myNetwork` and `bridges` start from a person.
        index(
            manager,
            "idx_analytics_pair_people_user",
            PairPeople::Table,
            [PairPeople::UserId, PairPeople::Day],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(DepartmentDays::Table)
                    .col(uuid(DepartmentDays::DepartmentId))
                    .col(date(DepartmentDays::Day))
                    .col(integer(DepartmentDays::Messages))
                    .col(integer(DepartmentDays::Replies))
                    .col(integer(DepartmentDays::Reactions))
                    // Sharded like the pair days, for the same reason.
                    .col(small_integer(DepartmentDays::Shard).default(0))
                    .primary_key(
                        Index::create()
                            .col(DepartmentDays::DepartmentId)
                            .col(DepartmentDays::Day)
                            .col(DepartmentDays::Shard),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DepartmentPeople::Table)
                    .col(uuid(DepartmentPeople::DepartmentId))
                    .col(date(DepartmentPeople::Day))
                    .col(uuid(DepartmentPeople::UserId))
                    .col(integer(DepartmentPeople::Acts))
                    .primary_key(
                        Index::create()
                            .col(DepartmentPeople::DepartmentId)
                            .col(DepartmentPeople::Day)
                            .col(DepartmentPeople::UserId),
                    )
                    .to_owned(),
            )
            .await?;
        // One row per question from one department to another.
        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(uuid(Questions::MessageId))
                    .col(uuid(Questions::FromDepartmentId))
                    .col(uuid(Questions::ToDepartmentId))
                    .col(uuid(Questions::AskerId))
                    .col(uuid(Questions::ChannelId))
                    .col(timestamp_with_time_zone(Questions::AskedAt))
                    .col(uuid_null(Questions::AnswerId))
                    .col(timestamp_with_time_zone_null(Questions::AnsweredAt))
                    .col(uuid_null(Questions::AnsweredBy))
                    .primary_key(
                        Index::create()
                            .col(Questions::MessageId)
                            .col(Questions::FromDepartmentId)
                            .col(Questions::ToDepartmentId),
                    )
                    .to_owned(),
            )
            .await?;
        // `synapses` reads the questions asked in a range.
        index(
            manager,
            "idx_analytics_questions_asked",
            Questions::Table,
            [Questions::AskedAt],
        )
        .await?;
        // `myNetwork`: whom a person helped.
        index(
            manager,
            "idx_analytics_questions_answered_by",
            Questions::Table,
            [Questions::AnsweredBy, Questions::AskedAt],
        )
        .await?;
        index(
            manager,
            "idx_analytics_questions_asker",
            Questions::Table,
            [Questions::AskerId, Questions::AskedAt],
        )
        .await?;

        // Backfill: history from the epoch, then the rollups.
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let epoch = DateTimeUtc::from_timestamp(0, 0).unwrap_or_default();
        for statement in analytics_sql::restart_spans(backend, epoch) {
            db.execute_raw(statement).await?;
        }
        analytics_sql::recompute(db).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Questions::Table.into_iden(),
            DepartmentPeople::Table.into_iden(),
            DepartmentDays::Table.into_iden(),
            PairPeople::Table.into_iden(),
            PairDays::Table.into_iden(),
            LinkSpans::Table.into_iden(),
            MemberSpans::Table.into_iden(),
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
enum MemberSpans {
    #[sea_orm(iden = "analytics_member_spans")]
    Table,
    UserId,
    DepartmentId,
    ValidFrom,
    ValidTo,
}

#[derive(DeriveIden, Clone, Copy)]
enum LinkSpans {
    #[sea_orm(iden = "analytics_link_spans")]
    Table,
    ChannelId,
    DepartmentId,
    ValidFrom,
    ValidTo,
}

#[derive(DeriveIden, Clone, Copy)]
enum PairDays {
    #[sea_orm(iden = "analytics_pair_days")]
    Table,
    Day,
    FromDepartmentId,
    ToDepartmentId,
    Messages,
    Replies,
    Reactions,
    Shard,
}

#[derive(DeriveIden, Clone, Copy)]
enum PairPeople {
    #[sea_orm(iden = "analytics_pair_people")]
    Table,
    Day,
    FromDepartmentId,
    ToDepartmentId,
    UserId,
    Acts,
}

#[derive(DeriveIden, Clone, Copy)]
enum DepartmentDays {
    #[sea_orm(iden = "analytics_department_days")]
    Table,
    DepartmentId,
    Day,
    Messages,
    Replies,
    Reactions,
    Shard,
}

#[derive(DeriveIden, Clone, Copy)]
enum DepartmentPeople {
    #[sea_orm(iden = "analytics_department_people")]
    Table,
    DepartmentId,
    Day,
    UserId,
    Acts,
}

#[derive(DeriveIden, Clone, Copy)]
enum Questions {
    #[sea_orm(iden = "analytics_questions")]
    Table,
    MessageId,
    FromDepartmentId,
    ToDepartmentId,
    AskerId,
    ChannelId,
    AskedAt,
    AnswerId,
    AnsweredAt,
    AnsweredBy,
}
