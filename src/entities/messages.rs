use sea_orm::entity::prelude::*;

/// A message in a channel; a reply when `parent_id` names its thread's root.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel_id: Uuid,
    pub author_id: Uuid,
    pub parent_id: Option<Uuid>,
    /// Markdown; empty once deleted (a tombstone).
    pub body: String,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    /// Set (with `deleted_at`) when removed at its author's request, with
    /// the rest of their data.
    pub erased_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
