//! The department side of channels: which departments a channel links, a
//! department's channels, and the synapse graph — the departments one
//! department shares channels with, and those shared channels. Everything is
//! computed by the database for a whole list of departments at once (for
//! DataLoaders), and only over the channels the viewer may see (`Scope`).

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, FromQueryResult, JoinType, Order, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use uuid::Uuid;

use super::{Channel, Scope};
use crate::domain::departments::Department;
use crate::domain::pagination::{Page, PageArgs, page_per_group};
use crate::entities::{channel_departments, channels, departments};
use crate::error::Result;

/// The departments each of `channel_ids` is linked to, by name: one query.
/// The callers hold channels the viewer may see.
pub async fn departments_of(
    db: &DatabaseConnection,
    channel_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Department>>> {
    use sea_orm::{ColumnTrait, EntityTrait};
    #[derive(FromQueryResult)]
    struct Row {
        channel_id: Uuid,
        id: Uuid,
        slug: String,
        name: String,
        description: String,
        created_at: chrono::DateTime<chrono::Utc>,
    }
    let rows = departments::Entity::find()
        .select_only()
        .column(channel_departments::Column::ChannelId)
        .columns([
            departments::Column::Id,
            departments::Column::Slug,
            departments::Column::Name,
            departments::Column::Description,
            departments::Column::CreatedAt,
        ])
        .join_rev(
            JoinType::InnerJoin,
            channel_departments::Relation::Department.def(),
        )
        .filter(channel_departments::Column::ChannelId.is_in(channel_ids.iter().copied()))
        .order_by_asc(departments::Column::Name)
        .into_model::<Row>()
        .all(db)
        .await?;
    let mut by_channel: HashMap<Uuid, Vec<Department>> = HashMap::new();
    for row in rows {
        by_channel
            .entry(row.channel_id)
            .or_default()
            .push(Department {
                id: row.id,
                slug: row.slug,
                name: row.name,
                description: row.description,
                created_at: row.created_at,
            });
    }
    Ok(by_channel)
}

/// One page of channels, by name, for each of `department_ids`, in one query
/// (a window function numbers each department's channels).
pub async fn channels_of(
    db: &DatabaseConnection,
    scope: Scope,
    department_ids: &[Uuid],
    page: &PageArgs,
) -> Result<HashMap<Uuid, Page<Channel>>> {
    let visible_channels = Query::select()
        .column((channels::Entity, Asterisk))
        .from(channel_departments::Entity)
        .inner_join(
            channels::Entity,
            Expr::col((channels::Entity, channels::Column::Id)).equals((
                channel_departments::Entity,
                channel_departments::Column::ChannelId,
            )),
        )
        .cond_where(scope.condition())
        .to_owned();
    page_per_group(
        db,
        visible_channels,
        (
            channel_departments::Entity,
            channel_departments::Column::DepartmentId,
        ),
        department_ids,
        (channels::Entity, channels::Column::Name),
        (channels::Entity, channels::Column::Id),
        page,
        channels::Model::into,
        Channel::cursor,
    )
    .await
}

/// A department that another shares channels with.
#[derive(Clone, Debug)]
pub struct Link {
    pub department_id: Uuid,
    /// How many channels (the viewer may see) the two share.
    pub channel_count: u64,
}

/// For each of `department_ids`, the departments it shares channels with,
/// by name, with the number of shared channels: one GROUP BY over the
/// channel–department links joined to themselves on the channel.
//
// The messages that crossed each link come with the messages work (issue 3),
// as another aggregate of this query's shape, not as a field faked here.
pub async fn linked(
    db: &DatabaseConnection,
    scope: Scope,
    department_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Link>>> {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    let col = |table: &Alias, c: channel_departments::Column| Expr::col((table.clone(), c));
    let query = Query::select()
        .expr_as(
            col(&a, channel_departments::Column::DepartmentId),
            Alias::new("department_id"),
        )
        .expr_as(
            col(&b, channel_departments::Column::DepartmentId),
            Alias::new("linked_id"),
        )
        .expr_as(
            Func::count(col(&a, channel_departments::Column::ChannelId)),
            Alias::new("channels"),
        )
        .from_as(channel_departments::Entity, a.clone())
        .join_as(
            JoinType::InnerJoin,
            channel_departments::Entity,
            b.clone(),
            col(&b, channel_departments::Column::ChannelId)
                .equals((a.clone(), channel_departments::Column::ChannelId))
                .and(
                    col(&b, channel_departments::Column::DepartmentId)
                        .ne(col(&a, channel_departments::Column::DepartmentId)),
                ),
        )
        .inner_join(
            channels::Entity,
            Expr::col((channels::Entity, channels::Column::Id))
                .equals((a.clone(), channel_departments::Column::ChannelId)),
        )
        .inner_join(
            departments::Entity,
            Expr::col((departments::Entity, departments::Column::Id))
                .equals((b.clone(), channel_departments::Column::DepartmentId)),
        )
        .and_where(
            col(&a, channel_departments::Column::DepartmentId)
                .is_in(department_ids.iter().copied()),
        )
        .cond_where(scope.condition())
        .group_by_col((a.clone(), channel_departments::Column::DepartmentId))
        .group_by_col((b.clone(), channel_departments::Column::DepartmentId))
        .group_by_col((departments::Entity, departments::Column::Name))
        .order_by((departments::Entity, departments::Column::Name), Order::Asc)
        .to_owned();
    #[derive(FromQueryResult)]
    struct Row {
        department_id: Uuid,
        linked_id: Uuid,
        channels: i64,
    }
    let rows = Row::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let mut by_department: HashMap<Uuid, Vec<Link>> = HashMap::new();
    for row in rows {
        by_department
            .entry(row.department_id)
            .or_default()
            .push(Link {
                department_id: row.linked_id,
                channel_count: u64::try_from(row.channels).unwrap_or(0),
            });
    }
    Ok(by_department)
}

/// The channels (the viewer may see) shared by each pair of departments in
/// `pairs`, by name: one query for all pairs.
pub async fn shared(
    db: &DatabaseConnection,
    scope: Scope,
    pairs: &[(Uuid, Uuid)],
) -> Result<HashMap<(Uuid, Uuid), Vec<Channel>>> {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    let col = |table: &Alias, c: channel_departments::Column| Expr::col((table.clone(), c));
    let query = Query::select()
        .column((channels::Entity, Asterisk))
        .expr_as(
            col(&a, channel_departments::Column::DepartmentId),
            Alias::new("pair_from"),
        )
        .expr_as(
            col(&b, channel_departments::Column::DepartmentId),
            Alias::new("pair_to"),
        )
        .from(channels::Entity)
        .join_as(
            JoinType::InnerJoin,
            channel_departments::Entity,
            a.clone(),
            col(&a, channel_departments::Column::ChannelId)
                .equals((channels::Entity, channels::Column::Id)),
        )
        .join_as(
            JoinType::InnerJoin,
            channel_departments::Entity,
            b.clone(),
            col(&b, channel_departments::Column::ChannelId)
                .equals((channels::Entity, channels::Column::Id)),
        )
        .and_where(
            col(&a, channel_departments::Column::DepartmentId)
                .is_in(pairs.iter().map(|(from, _)| *from)),
        )
        .and_where(
            col(&b, channel_departments::Column::DepartmentId)
                .is_in(pairs.iter().map(|(_, to)| *to)),
        )
        .cond_where(scope.condition())
        .order_by((channels::Entity, channels::Column::Name), Order::Asc)
        .order_by((channels::Entity, channels::Column::Id), Order::Asc)
        .to_owned();
    let rows = db.query_all(&query).await?;
    let mut by_pair: HashMap<(Uuid, Uuid), Vec<Channel>> =
        pairs.iter().map(|pair| (*pair, Vec::new())).collect();
    for row in rows {
        let pair: (Uuid, Uuid) = (row.try_get("", "pair_from")?, row.try_get("", "pair_to")?);
        // The IN lists cross every `from` with every `to`; keep asked pairs.
        if let Some(channels) = by_pair.get_mut(&pair) {
            channels.push(Channel::from(channels::Model::from_query_result(&row, "")?));
        }
    }
    Ok(by_pair)
}
