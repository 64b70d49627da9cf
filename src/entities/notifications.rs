use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recipient_id: Uuid,
    /// One of `domain::notifications::Kind`, stored by name.
    pub kind: String,
    pub actor_id: Option<Uuid>,
    /// What the notification is about: `guest_post`, later `message`, ….
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub message: String,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::RecipientId",
        to = "super::users::Column::Id",
        on_delete = "Cascade"
    )]
    Recipient,
}

impl ActiveModelBehavior for ActiveModel {}
