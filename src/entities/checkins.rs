use sea_orm::entity::prelude::*;

/// One person's check-in for one ISO week.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// `2026-W49`: zero-padded, so the text sorts like the week.
    pub week: String,
    /// The Monday of `week`.
    pub week_start: Date,
    /// Markdown: last week's efforts.
    pub wins: String,
    /// 1–5; only its author sees it, others only as an average over a group.
    pub mood: Option<i16>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
