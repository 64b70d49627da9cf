use sea_orm::entity::prelude::*;

/// What one person created in one slot of the content rate limit
/// (`domain::rate_limit`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "content_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub author_id: Uuid,
    /// Seconds since the Unix epoch, divided by the slot's length.
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot: i64,
    pub items: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
