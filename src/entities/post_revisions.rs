use sea_orm::entity::prelude::*;

/// The post as it was submitted, once per submit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub post_id: Uuid,
    /// 1, 2, 3, … per post.
    pub number: i32,
    pub title: String,
    pub excerpt: String,
    pub body: String,
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
