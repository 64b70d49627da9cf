use sea_orm::entity::prelude::*;

/// One change that feeds subscriptions, in delivery order `(txid, id)` (see `crate::events`;
/// `crate::events::topic` maps rows to and from topics). The table still
/// has the columns of the shape before (`post_id`, `author_id`,
/// `channel_id`), unused here, until a migration drops them (see migration
/// `m20261203_000010_generalize_event_subjects`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What changed, e.g. `message.added`.
    pub topic: String,
    /// What kind of thing changed, e.g. `message`.
    pub subject_kind: String,
    /// Which one; NULL when an event has several (listed in the payload).
    pub subject_id: Option<Uuid>,
    /// A small JSON object: details, and the ids subscriptions filter on.
    pub payload: String,
    pub created_at: DateTimeUtc,
    /// PostgreSQL: the id of the transaction that wrote it (the column's
    /// default); 0 on SQLite and for rows older than the column. With `id`,
    /// the relay's order (`crate::events::Order`).
    pub txid: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
