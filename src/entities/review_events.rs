use sea_orm::entity::prelude::*;

/// One workflow transition of a guest post: the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub post_id: Uuid,
    /// `None` when the scheduler published the post.
    pub actor_id: Option<Uuid>,
    pub from_status: String,
    pub to_status: String,
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::guest_posts::Entity",
        from = "Column::PostId",
        to = "super::guest_posts::Column::Id",
        on_delete = "Cascade"
    )]
    Post,
}

impl ActiveModelBehavior for ActiveModel {}
