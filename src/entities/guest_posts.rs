use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guest_posts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub author_id: Uuid,
    pub department_id: Uuid,
    pub title: String,
    #[sea_orm(unique)]
    pub slug: String,
    /// Raw markdown; rendered and sanitized when shown.
    pub body: String,
    pub excerpt: String,
    /// One of `domain::posts::Status`, stored by name.
    pub status: String,
    pub version: i32,
    pub planned_for: Option<Date>,
    pub publish_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub first_published_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub source_kind: Option<String>,
    pub source_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::AuthorId",
        to = "super::users::Column::Id"
    )]
    Author,
    #[sea_orm(
        belongs_to = "super::departments::Entity",
        from = "Column::DepartmentId",
        to = "super::departments::Column::Id"
    )]
    Department,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl Related<super::departments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
