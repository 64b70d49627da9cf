use sea_orm::entity::prelude::*;

/// One of a check-in's challenges, optionally addressed to a department.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkin_challenges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub checkin_id: Uuid,
    /// Its place in the check-in's list, from 0.
    pub position: i32,
    /// Markdown.
    pub body: String,
    /// The department asked for help, if any.
    pub department_id: Option<Uuid>,
    /// The root of the thread an addressed challenge opened.
    pub thread_message_id: Option<Uuid>,
    /// The first reply in the thread by a member of the addressed department.
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by: Option<Uuid>,
    /// Set by the author when the challenge is dealt with.
    pub resolved_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
