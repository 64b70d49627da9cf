use sea_orm::entity::prelude::*;

/// One searchable thing's text (docs/SEARCH.md). Its terms are in a column
/// (PostgreSQL `terms tsvector`) or a table (SQLite FTS5 `search_terms`)
/// that `domain::search::index` writes with SQL of its own.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `message`, `post`, `checkin`, `person` or `channel`.
    pub kind: String,
    pub object_id: Uuid,
    pub created_at: DateTimeUtc,
    /// As written: a post's title, a person's or a channel's name.
    pub title: String,
    /// As written: the rest.
    pub body: String,
    /// The words folded and spaced, for exact phrases.
    pub plain: String,
    /// A message's channel, or the channel itself (migration 21).
    pub channel_id: Option<Uuid>,
    /// Who wrote or created it, or the person themselves.
    pub author_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
