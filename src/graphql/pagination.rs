//! Turning a domain [`Page`] into a Relay connection.

use async_graphql::connection::{
    Connection, ConnectionNameType, CursorType, Edge, EdgeNameType, EmptyFields,
};
use async_graphql::{ObjectType, OutputType};

use crate::domain::pagination::{Cursor, Page};

impl CursorType for Cursor {
    type Error = &'static str;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        Cursor::decode("cursor", s).map_err(|_| "invalid cursor")
    }

    fn encode_cursor(&self) -> String {
        self.encode()
    }
}

/// A cost above any sensible complexity limit; a connection costs at most this.
const MAX_CONNECTION_COST: usize = u32::MAX as usize;

/// The complexity of a connection field: the page size asked for (`first`,
/// else `last`, else the default 20) times the cost of one item. Saturating
/// and capped, because the product of absurd page sizes in nested connections
/// overflows `usize` while the document is validated: that panicked in debug
/// builds (a 500) and wrapped around in release, to a cost that could pass
/// the limit. Capped, such a document is simply too complex.
pub fn connection_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = usize::try_from(first.or(last).unwrap_or(20))
        .unwrap_or(0)
        .max(1);
    size.saturating_mul(child_complexity)
        .min(MAX_CONNECTION_COST)
}

/// Builds a connection from a page, wrapping each item into its GraphQL type.
pub fn connection<T, N, F, Name, EdgeName>(
    page: Page<T>,
    wrap: impl Fn(T) -> N,
    fields: F,
) -> Connection<Cursor, N, F, EmptyFields, Name, EdgeName>
where
    N: OutputType,
    F: ObjectType,
    Name: ConnectionNameType,
    EdgeName: EdgeNameType,
{
    let mut connection =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, fields);
    connection.edges = page
        .items
        .into_iter()
        .map(|(cursor, item)| Edge::new(cursor, wrap(item)))
        .collect();
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_cost_is_page_size_times_item_cost() {
        assert_eq!(connection_cost(Some(100), None, 3), 300);
        assert_eq!(connection_cost(None, Some(5), 3), 15);
        assert_eq!(connection_cost(None, None, 3), 60);
        assert_eq!(connection_cost(Some(-7), None, 3), 3);
    }

    #[test]
    fn nested_absurd_page_sizes_saturate_instead_of_overflowing() {
        let inner = connection_cost(Some(i32::MAX), None, 1);
        let middle = connection_cost(Some(i32::MAX), None, inner);
        let outer = connection_cost(Some(i32::MAX), None, middle);
        assert_eq!(outer, MAX_CONNECTION_COST);
    }
}
