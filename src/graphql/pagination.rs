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
