use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Always lower-case (see `domain::types::Email`).
    #[sea_orm(unique)]
    pub email: String,
    #[sea_orm(unique)]
    pub handle: String,
    pub display_name: String,
    pub title: String,
    pub bio: String,
    /// One of `auth::Role`, stored by name.
    pub role: String,
    pub password_hash: String,
    pub token_version: i32,
    pub deactivated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// An IANA zone name (`Europe/Stockholm`); `None` means the configured
    /// default (`SYNAPS_DEFAULT_TIME_ZONE`).
    pub time_zone: Option<String>,
    /// Whether the Monday check-in reminder may be sent.
    pub checkin_reminders: bool,
    /// The web client's language, `en` or `sv`; `None` follows the browser.
    pub language: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::department_members::Entity")]
    Memberships,
    #[sea_orm(has_many = "super::sessions::Entity")]
    Sessions,
}

impl Related<super::department_members::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Memberships.def()
    }
}

impl Related<super::sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
