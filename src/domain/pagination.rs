//! Keyset pagination behind every Relay connection.
//!
//! Lists are ordered by a text key and the row id (e.g. name, then id), and a
//! cursor is that pair, opaque to clients. Paging by key rather than by offset
//! keeps every page an index range scan, however deep the client goes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, IntoColumnRef, Query, SelectStatement,
    WindowStatement,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, Order, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::config::Limits;
use crate::error::{Error, Result};

/// A position in an ordered list: the sort key and id of one row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub key: String,
    pub id: Uuid,
}

impl Cursor {
    /// The cursor of a row in a list ordered by time (see
    /// [`PageArgs::apply_by_time`]).
    pub fn at_time(at: DateTime<Utc>, id: Uuid) -> Cursor {
        Cursor::new(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true), id)
    }

    pub fn new(key: impl Into<String>, id: Uuid) -> Cursor {
        Cursor {
            key: key.into(),
            id,
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.id, self.key))
    }

    pub fn decode(field: &str, value: &str) -> Result<Cursor> {
        let invalid = || Error::bad_input(field, "is not a cursor from this list");
        let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (id, key) = text.split_once('|').ok_or_else(invalid)?;
        // No sort key holds a NUL, and PostgreSQL cannot compare text that does.
        if key.contains('\0') {
            return Err(invalid());
        }
        Ok(Cursor {
            key: key.to_owned(),
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

/// Which slice of a list the client asked for, checked against the limits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
    pub limit: usize,
    /// `last`/`before` paging: fetch from the end, then reverse.
    pub backward: bool,
}

impl PageArgs {
    pub fn parse(
        limits: &Limits,
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> Result<PageArgs> {
        let size = |field: &str, n: i32| -> Result<usize> {
            usize::try_from(n)
                .ok()
                .filter(|n| (1..=limits.page_size_max).contains(n))
                .ok_or_else(|| {
                    Error::bad_input(
                        field,
                        format!("must be between 1 and {}", limits.page_size_max),
                    )
                })
        };
        let (limit, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(Error::bad_input(
                    "last",
                    "use either first or last, not both",
                ));
            }
            (Some(n), None) => (size("first", n)?, false),
            (None, Some(n)) => (size("last", n)?, true),
            (None, None) => (
                limits.page_size_default,
                before.is_some() && after.is_none(),
            ),
        };
        Ok(PageArgs {
            after: after.map(|c| Cursor::decode("after", c)).transpose()?,
            before: before.map(|c| Cursor::decode("before", c)).transpose()?,
            limit,
            backward,
        })
    }

    /// The first page of `limit` items.
    pub fn first(limit: usize) -> PageArgs {
        PageArgs {
            after: None,
            before: None,
            limit,
            backward: false,
        }
    }

    /// The condition that keeps rows strictly between the cursors, for a
    /// list ordered by (`key`, `id`).
    pub fn keyset_condition(&self, key: Expr, id: Expr) -> Condition {
        let mut condition = Condition::all();
        if let Some(after) = &self.after {
            let beyond_after = beyond(key.clone(), id.clone(), after.key.clone(), after.id, true);
            condition = condition.add(beyond_after);
        }
        if let Some(before) = &self.before {
            condition = condition.add(beyond(key, id, before.key.clone(), before.id, false));
        }
        condition
    }

    /// The direction to sort in to fetch this page.
    pub fn order(&self) -> Order {
        if self.backward {
            Order::Desc
        } else {
            Order::Asc
        }
    }

    /// Applies the cursors, order and limit (+1, to learn whether more exist)
    /// to a select on entity `E` ordered by (`key`, `id`). The columns are
    /// qualified with `E`'s table, so the select may join tables that have
    /// columns of the same name (every table has an `id`).
    pub fn apply<E: EntityTrait>(
        &self,
        select: Select<E>,
        key: E::Column,
        id: E::Column,
    ) -> Select<E> {
        let key = || Expr::col((E::default(), key));
        let id = || Expr::col((E::default(), id));
        select
            .filter(self.keyset_condition(key(), id()))
            .order_by(key(), self.order())
            .order_by(id(), self.order())
            .limit(self.limit as u64 + 1)
    }

    /// Like [`PageArgs::apply`], for a list ordered by a timestamp (then id),
    /// newest or oldest first. The cursor's key is the RFC 3339 timestamp.
    pub fn apply_by_time<E: EntityTrait>(
        &self,
        select: Select<E>,
        key: E::Column,
        id: E::Column,
        newest_first: bool,
    ) -> Result<Select<E>> {
        let key = || Expr::col((E::default(), key));
        let id = || Expr::col((E::default(), id));
        let condition = self.time_keyset(key(), id(), newest_first)?;
        let order = self.time_order(newest_first);
        Ok(select
            .filter(condition)
            .order_by(key(), order.clone())
            .order_by(id(), order)
            .limit(self.limit as u64 + 1))
    }

    /// The direction to sort a list ordered by time in to fetch this page.
    fn time_order(&self, newest_first: bool) -> Order {
        if self.backward == newest_first {
            Order::Asc
        } else {
            Order::Desc
        }
    }

    /// The cursor condition on (`key`, `id`) for a list ordered by time,
    /// whose cursor keys are RFC 3339 times.
    fn time_keyset(&self, key: Expr, id: Expr, newest_first: bool) -> Result<Condition> {
        let time = |field: &str, cursor: &Cursor| {
            DateTime::parse_from_rfc3339(&cursor.key)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| Error::bad_input(field, "is not a cursor from this list"))
        };
        let mut condition = Condition::all();
        // Newest first, "after" a cursor means older than it.
        if let Some(after) = &self.after {
            let at = time("after", after)?;
            condition = condition.add(beyond(key.clone(), id.clone(), at, after.id, !newest_first));
        }
        if let Some(before) = &self.before {
            let at = time("before", before)?;
            condition = condition.add(beyond(key, id, at, before.id, newest_first));
        }
        Ok(condition)
    }

    /// Turns the rows fetched by [`PageArgs::apply`] into a page.
    pub fn finish<T>(&self, mut rows: Vec<T>, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
        let has_more = rows.len() > self.limit;
        rows.truncate(self.limit);
        if self.backward {
            rows.reverse();
        }
        let items = rows.into_iter().map(|row| (cursor(&row), row)).collect();
        Page {
            items,
            has_next_page: if self.backward {
                self.before.is_some()
            } else {
                has_more
            },
            has_previous_page: if self.backward {
                has_more
            } else {
                self.after.is_some()
            },
        }
    }
}

use sea_orm::QueryFilter as _;

/// One page of items for each of `groups`, all with the same `page`
/// arguments, in one query: a window function numbers each group's items by
/// (`key`, `id`), and only the first `limit + 1` of each are read. This is
/// how a page of departments gets its members (or channels) without one
/// query per department.
///
/// `select` reads the item table's columns (`item.*`) joined to the table
/// that holds `group`, with any filters of its own; the group filter, the
/// cursors and the numbering are added here.
#[allow(clippy::too_many_arguments)]
pub async fn page_per_group<M, T>(
    db: &DatabaseConnection,
    select: SelectStatement,
    group: impl IntoColumnRef + Clone,
    groups: &[Uuid],
    key: impl IntoColumnRef + Clone,
    id: impl IntoColumnRef + Clone,
    page: &PageArgs,
    item: impl Fn(M) -> T,
    cursor: impl Fn(&T) -> Cursor,
) -> Result<HashMap<Uuid, Page<T>>>
where
    M: FromQueryResult,
{
    let keyset = page.keyset_condition(Expr::col(key.clone()), Expr::col(id.clone()));
    let groups = Groups { group, ids: groups };
    let order = page.order();
    let ranked = Ranked { key, id, order };
    ranked_pages(db, select, groups, ranked, page, keyset, item, cursor).await
}

/// [`page_per_group`] for a list ordered by time, oldest or newest first
/// (cursor keys are RFC 3339 times): a page of replies for each of a page
/// of threads, a page of recent messages for each of a page of people.
#[allow(clippy::too_many_arguments)]
pub async fn page_per_group_by_time<M, T>(
    db: &DatabaseConnection,
    select: SelectStatement,
    group: impl IntoColumnRef + Clone,
    groups: &[Uuid],
    (key, id): (impl IntoColumnRef + Clone, impl IntoColumnRef + Clone),
    newest_first: bool,
    page: &PageArgs,
    item: impl Fn(M) -> T,
    cursor: impl Fn(&T) -> Cursor,
) -> Result<HashMap<Uuid, Page<T>>>
where
    M: FromQueryResult,
{
    let keyset = page.time_keyset(Expr::col(key.clone()), Expr::col(id.clone()), newest_first)?;
    let order = page.time_order(newest_first);
    let groups = Groups { group, ids: groups };
    let ranked = Ranked { key, id, order };
    ranked_pages(db, select, groups, ranked, page, keyset, item, cursor).await
}

/// How a group's items are numbered: by (`key`, `id`) in `order`.
struct Ranked<K, I> {
    key: K,
    id: I,
    order: Order,
}

/// The grouping column and the groups wanted.
struct Groups<'a, G> {
    group: G,
    ids: &'a [Uuid],
}

#[allow(clippy::too_many_arguments)]
async fn ranked_pages<M, T, G, K, I>(
    db: &DatabaseConnection,
    mut select: SelectStatement,
    Groups { group, ids: groups }: Groups<'_, G>,
    Ranked { key, id, order }: Ranked<K, I>,
    page: &PageArgs,
    keyset: Condition,
    item: impl Fn(M) -> T,
    cursor: impl Fn(&T) -> Cursor,
) -> Result<HashMap<Uuid, Page<T>>>
where
    M: FromQueryResult,
    G: IntoColumnRef + Clone,
    K: IntoColumnRef + Clone,
    I: IntoColumnRef + Clone,
{
    select
        .expr_as(Expr::col(group.clone()), Alias::new("page_group"))
        .expr_window_as(
            Expr::cust("ROW_NUMBER()"),
            WindowStatement::partition_by(group.clone())
                .order_by(key, order.clone())
                .order_by(id, order)
                .to_owned(),
            Alias::new("page_rank"),
        )
        .and_where(Expr::col(group).is_in(groups.iter().copied()))
        .cond_where(keyset);
    let query = Query::select()
        .column(Asterisk)
        .from_subquery(select, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("page_rank")).lte(page.limit as i64 + 1))
        .order_by(Alias::new("page_group"), Order::Asc)
        .order_by(Alias::new("page_rank"), Order::Asc)
        .to_owned();
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in db.query_all(&query).await? {
        let group: Uuid = row.try_get("", "page_group")?;
        grouped
            .entry(group)
            .or_default()
            .push(item(M::from_query_result(&row, "")?));
    }
    Ok(groups
        .iter()
        .map(|id| {
            let items = grouped.remove(id).unwrap_or_default();
            (*id, page.finish(items, &cursor))
        })
        .collect())
}

/// `(key, id) > (value, cursor_id)` when `greater`, `<` otherwise.
fn beyond<V>(key: Expr, id: Expr, value: V, cursor_id: Uuid, greater: bool) -> Condition
where
    V: Into<sea_orm::Value> + Clone,
{
    let (key_beyond, id_beyond) = if greater {
        (
            Expr::expr(key.clone()).gt(value.clone()),
            Expr::expr(id).gt(cursor_id),
        )
    } else {
        (
            Expr::expr(key.clone()).lt(value.clone()),
            Expr::expr(id).lt(cursor_id),
        )
    };
    Condition::any().add(key_beyond).add(
        Condition::all()
            .add(Expr::expr(key).eq(value))
            .add(id_beyond),
    )
}

/// One page of a list, each item with its cursor.
#[derive(Clone)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor::new("Anna | Berg", Uuid::now_v7());
        assert_eq!(Cursor::decode("after", &cursor.encode()).ok(), Some(cursor));
        assert!(Cursor::decode("after", "not a cursor").is_err());
        assert!(Cursor::decode("after", &URL_SAFE_NO_PAD.encode("x|y")).is_err());
    }

    #[test]
    fn page_sizes_are_capped() {
        let limits = Limits::default();
        assert!(PageArgs::parse(&limits, Some(100), None, None, None).is_ok());
        assert!(PageArgs::parse(&limits, Some(101), None, None, None).is_err());
        assert!(PageArgs::parse(&limits, Some(0), None, None, None).is_err());
        assert!(PageArgs::parse(&limits, Some(5), None, Some(5), None).is_err());
        let default = PageArgs::parse(&limits, None, None, None, None).ok();
        assert_eq!(default.map(|p| p.limit), Some(20));
    }

    #[test]
    fn finishing_a_page_reports_more() {
        let args = PageArgs::first(2);
        let page = args.finish(vec![1, 2, 3], |n| Cursor::new(n.to_string(), Uuid::nil()));
        assert_eq!(page.items.len(), 2);
        assert!(page.has_next_page);
        assert!(!page.has_previous_page);
    }
}
