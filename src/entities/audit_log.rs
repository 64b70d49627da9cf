use sea_orm::entity::prelude::*;

/// One administrative or editorial action (`domain::audit`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// Who took it; none for the scheduler and the command line.
    pub actor_id: Option<Uuid>,
    /// `user.created`, `post.published`, … (`domain::audit::Action`).
    pub action: String,
    /// `user`, `department`, `channel` or `post`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// JSON: what changed, before and after.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The `x-request-id` of the request it came in.
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
