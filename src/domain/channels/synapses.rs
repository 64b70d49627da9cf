//! The department side of channels: which departments a channel links, a
//! department's channels, and the synapse graph — the departments one
//! department shares channels with, those shared channels and how many
//! messages they hold. Everything is computed by the database for a whole
//! list of departments at once (for DataLoaders), and only over the channels
//! the viewer may see (`Scope`).

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, FromQueryResult, JoinType, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait,
};
use uuid::Uuid;

use super::{Channel, Scope};
use crate::db::columns::Columns;
use crate::domain::departments::Department;
use crate::domain::pagination::{Page, PageArgs, page_per_group};
use crate::entities::{channel_departments, channels, departments, messages};
use crate::error::Result;

/// The departments each of `channel_ids` is linked to, by name: one query.
/// The callers hold channels the viewer may see.
pub async fn departments_of(
    db: &DatabaseConnection,
    channel_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Department>>> {
    use sea_orm::{ColumnTrait, EntityTrait};
    // The channel's id, then the department's columns, read by position.
    let select = departments::Entity::find()
        .select_only()
        .column(channel_departments::Column::ChannelId)
        .columns(Department::COLUMNS)
        .join_rev(
            JoinType::InnerJoin,
            channel_departments::Relation::Department.def(),
        )
        .filter(channel_departments::Column::ChannelId.is_in(channel_ids.iter().copied()))
        .order_by_asc(departments::Column::Name);
    let mut by_channel: HashMap<Uuid, Vec<Department>> = HashMap::new();
    for row in db.query_all(select.as_query()).await? {
        let mut columns = Columns::new(&row, 0);
        let channel_id: Uuid = columns.read()?;
        by_channel
            .entry(channel_id)
            .or_default()
            .push(Department::read(&mut columns)?);
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
pub async fn linked(
    db: &DatabaseConnection,
    scope: Scope,
    department_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Link>>> {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    let query = link_pairs(scope, department_ids.iter().copied(), None)
        .expr_as(
            Func::count(Expr::col((
                a.clone(),
                channel_departments::Column::ChannelId,
            ))),
            Alias::new("channels"),
        )
        .inner_join(
            departments::Entity,
            Expr::col((departments::Entity, departments::Column::Id))
                .equals((b.clone(), channel_departments::Column::DepartmentId)),
        )
        .group_by_col((a, channel_departments::Column::DepartmentId))
        .group_by_col((b, channel_departments::Column::DepartmentId))
        .group_by_col((departments::Entity, departments::Column::Name))
        .order_by((departments::Entity, departments::Column::Name), Order::Asc)
        .take();
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

/// For each (department, linked department) pair in `pairs`, how many
/// messages — roots and replies, deleted ones left out — the channels the
/// two share (in the viewer's scope, as [`shared`] lists them) hold: one
/// GROUP BY for all pairs, reading each shared channel's messages through
/// the `(channel_id, …)` index. Pairs without messages are absent.
pub async fn message_counts(
    db: &DatabaseConnection,
    scope: Scope,
    pairs: &[(Uuid, Uuid)],
) -> Result<HashMap<(Uuid, Uuid), u64>> {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    let query = link_pairs(
        scope,
        pairs.iter().map(|(from, _)| *from),
        Some(pairs.iter().map(|(_, to)| *to).collect()),
    )
    .expr_as(
        Func::count(Expr::col((messages::Entity, messages::Column::Id))),
        Alias::new("messages"),
    )
    .inner_join(
        messages::Entity,
        Expr::col((messages::Entity, messages::Column::ChannelId))
            .equals((a.clone(), channel_departments::Column::ChannelId)),
    )
    .and_where(Expr::col((messages::Entity, messages::Column::DeletedAt)).is_null())
    .group_by_col((a, channel_departments::Column::DepartmentId))
    .group_by_col((b, channel_departments::Column::DepartmentId))
    .take();
    #[derive(FromQueryResult)]
    struct Row {
        department_id: Uuid,
        linked_id: Uuid,
        messages: i64,
    }
    let rows = Row::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let count = u64::try_from(row.messages).unwrap_or(0);
            ((row.department_id, row.linked_id), count)
        })
        .collect())
}

/// `SELECT a.department_id, b.department_id AS linked_id FROM
/// channel_departments a JOIN channel_departments b` on the same channel
/// and another department, joined to `channels` and kept to the viewer's
/// scope: every (department, linked department, shared channel) once, for
/// `from` departments (and, when given, `to` departments). The caller adds
/// its aggregate and GROUP BY.
fn link_pairs(
    scope: Scope,
    from: impl IntoIterator<Item = Uuid>,
    to: Option<Vec<Uuid>>,
) -> SelectStatement {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    let col = |table: &Alias, c: channel_departments::Column| Expr::col((table.clone(), c));
    let mut query = Query::select()
        .expr_as(
            col(&a, channel_departments::Column::DepartmentId),
            Alias::new("department_id"),
        )
        .expr_as(
            col(&b, channel_departments::Column::DepartmentId),
            Alias::new("linked_id"),
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
        .and_where(col(&a, channel_departments::Column::DepartmentId).is_in(from))
        .cond_where(scope.condition())
        .take();
    if let Some(to) = to {
        query.and_where(col(&b, channel_departments::Column::DepartmentId).is_in(to));
    }
    query
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
