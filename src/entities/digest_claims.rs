use sea_orm::entity::prelude::*;

/// An automatic weekly digest claimed: the row is what makes it go out
/// once, however many replicas run.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "digest_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: Uuid,
    /// `2026-W49`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub week: String,
    /// The digest posted; `None` when there was nothing to post.
    pub message_id: Option<Uuid>,
    pub claimed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
