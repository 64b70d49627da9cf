use sea_orm::entity::prelude::*;

/// One change that feeds subscriptions, in commit order (see `crate::events`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub topic: String,
    pub post_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub channel_id: Option<Uuid>,
    /// A small JSON object.
    pub payload: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
