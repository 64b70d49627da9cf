//! Relay connections: a domain [`Page`] as `…Connection` and `…Edge` types.
//!
//! The types are ours rather than async-graphql's `Connection` and `Edge`,
//! with the same schema (field names, order and descriptions; `schema.graphql`
//! shows no difference). async-graphql resolves every object's fields as a
//! set of futures polled together; an edge's two fields, its node and its
//! cursor, gain nothing from that, and every row of a page spelled with
//! `edges` paid for it (docs/PERFORMANCE.md, "Connections of our own").
//! Ours resolve their fields one after another (`serial`); the items of a
//! list still resolve side by side.

use std::marker::PhantomData;

pub use async_graphql::connection::{
    ConnectionNameType, DefaultConnectionName, DefaultEdgeName, EdgeNameType, EmptyFields, PageInfo,
};
use async_graphql::{Object, ObjectType, OutputType, TypeName};

use crate::domain::pagination::{Cursor, Page};

/// A page of `Node`s with its page info, the extra fields `Fields` (such as
/// `totalCount`), named by `Name` and its edges by `EdgeName`.
pub struct Connection<
    Node,
    Fields = EmptyFields,
    Name = DefaultConnectionName,
    EdgeName = DefaultEdgeName,
> {
    edges: Vec<Edge<Node, EdgeName>>,
    fields: Fields,
    has_previous_page: bool,
    has_next_page: bool,
    // `fn() -> _`: a name marker is Send and Sync whatever it is.
    _name: PhantomData<fn() -> (Name, EdgeName)>,
}

impl<Node, Fields, Name, EdgeName> Connection<Node, Fields, Name, EdgeName> {
    /// An empty page with extra fields; edges are pushed with [`Self::push`].
    pub fn with_fields(has_previous_page: bool, has_next_page: bool, fields: Fields) -> Self {
        Self {
            edges: Vec::new(),
            fields,
            has_previous_page,
            has_next_page,
            _name: PhantomData,
        }
    }

    /// Adds an item at the end of the page.
    pub fn push(&mut self, cursor: Cursor, node: Node) {
        self.edges.push(Edge::new(cursor, node));
    }
}

impl<Node, Name, EdgeName> Connection<Node, EmptyFields, Name, EdgeName> {
    /// An empty page without extra fields.
    pub fn new(has_previous_page: bool, has_next_page: bool) -> Self {
        Self::with_fields(has_previous_page, has_next_page, EmptyFields)
    }
}

impl<Node, Fields, Name, EdgeName> TypeName for Connection<Node, Fields, Name, EdgeName>
where
    Node: OutputType,
    Fields: ObjectType,
    Name: ConnectionNameType,
    EdgeName: EdgeNameType,
{
    fn type_name() -> std::borrow::Cow<'static, str> {
        Name::type_name::<Node>().into()
    }
}

#[Object(name_type, serial)]
impl<Node, Fields, Name, EdgeName> Connection<Node, Fields, Name, EdgeName>
where
    Node: OutputType,
    Fields: ObjectType,
    Name: ConnectionNameType,
    EdgeName: EdgeNameType,
{
    /// Information to aid in pagination.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|edge| edge.cursor.encode()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.encode()),
        }
    }

    /// A list of edges.
    async fn edges(&self) -> &[Edge<Node, EdgeName>] {
        &self.edges
    }

    /// A list of nodes.
    async fn nodes(&self) -> Vec<&Node> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }

    #[graphql(flatten)]
    async fn fields(&self) -> &Fields {
        &self.fields
    }
}

/// One item of a connection and its cursor, named by `Name`.
pub struct Edge<Node, Name = DefaultEdgeName> {
    cursor: Cursor,
    node: Node,
    _name: PhantomData<fn() -> Name>,
}

impl<Node, Name> Edge<Node, Name> {
    /// An item and the cursor that points at it.
    pub fn new(cursor: Cursor, node: Node) -> Self {
        Self {
            cursor,
            node,
            _name: PhantomData,
        }
    }
}

impl<Node, Name> TypeName for Edge<Node, Name>
where
    Node: OutputType,
    Name: EdgeNameType,
{
    fn type_name() -> std::borrow::Cow<'static, str> {
        Name::type_name::<Node>().into()
    }
}

/// An edge in a connection.
#[Object(name_type, serial)]
impl<Node, Name> Edge<Node, Name>
where
    Node: OutputType,
    Name: EdgeNameType,
{
    /// The item at the end of the edge
    async fn node(&self) -> &Node {
        &self.node
    }

    /// A cursor for use in pagination
    async fn cursor(&self) -> String {
        self.cursor.encode()
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
) -> Connection<N, F, Name, EdgeName> {
    let mut connection =
        Connection::with_fields(page.has_previous_page, page.has_next_page, fields);
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
