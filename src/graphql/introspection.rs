//! Introspection (`__schema`, `__type`) and the depth and complexity limits.
//!
//! async-graphql's own limits count every field, so graphql-js's standard
//! introspection query, which follows `ofType` nine levels down, was "nested
//! too deep" and no tool could read the schema. [`OutsideIntrospection`]
//! enforces the same limits with the introspection subtrees left out (as
//! GraphQL Armor's `ignoreIntrospection`); every other field still counts, in
//! a document that mixes both too. Introspection itself is bounded by the
//! parser's recursion limits and the query length. Whether a document selects
//! introspection is learned by `graphql::limits::check`, in the walk it
//! makes anyway; it decides the build that runs it and, in production, a
//! refusal (`http::admission`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

use crate::config::Limits;

/// The root fields that introspect the schema. `__typename` is not one: it
/// names an object's type and is allowed everywhere.
pub const INTROSPECTION: [&str; 2] = ["__schema", "__type"];

/// What async-graphql's depth and complexity counts come to without the
/// introspection subtrees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    /// The deepest field outside introspection, counted as async-graphql
    /// counts depth (fields only, fragments inlined, `__typename` not at all).
    pub depth: usize,
    /// What the introspection subtrees add to async-graphql's complexity:
    /// their fields have no cost of their own, so each counts 1.
    pub introspection_cost: usize,
}

/// Measures every operation of the document (async-graphql's counts take
/// them all, with fragments inlined at each spread). Run it only on a
/// document within the recursion limit: it recurses as deep as the document.
pub fn measure(doc: &ExecutableDocument) -> Measure {
    let mut measurer = Measurer {
        doc,
        fragments: HashMap::new(),
    };
    let mut measure = Measure::default();
    for (_, op) in doc.operations.iter() {
        let sums = measurer.set(&op.node.selection_set.node);
        measure.depth = measure.depth.max(sums.depth);
        measure.introspection_cost = measure
            .introspection_cost
            .saturating_add(sums.introspection);
    }
    measure
}

#[derive(Clone, Copy, Default)]
struct Sums {
    /// The deepest field outside introspection.
    depth: usize,
    /// Fields inside introspection subtrees.
    introspection: usize,
    /// Every field (but `__typename`).
    all: usize,
}

struct Measurer<'d> {
    doc: &'d ExecutableDocument,
    /// Each fragment measured once, however often it is spread (a document
    /// can spread fragments exponentially often); `None` while measuring it.
    fragments: HashMap<&'d str, Option<Sums>>,
}

impl<'d> Measurer<'d> {
    fn set(&mut self, set: &'d SelectionSet) -> Sums {
        let mut sums = Sums::default();
        for item in &set.items {
            let item = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if name == "__typename" {
                        continue;
                    }
                    let inner = self.set(&field.node.selection_set.node);
                    let all = inner.all.saturating_add(1);
                    if INTROSPECTION.contains(&name) {
                        Sums {
                            depth: 0,
                            introspection: all,
                            all,
                        }
                    } else {
                        Sums {
                            depth: inner.depth + 1,
                            introspection: inner.introspection,
                            all,
                        }
                    }
                }
                Selection::InlineFragment(fragment) => self.set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            sums.depth = sums.depth.max(item.depth);
            sums.introspection = sums.introspection.saturating_add(item.introspection);
            sums.all = sums.all.saturating_add(item.all);
        }
        sums
    }

    fn fragment(&mut self, name: &'d str) -> Sums {
        match self.fragments.get(name) {
            Some(Some(sums)) => return *sums,
            // A cycle (which validation refuses anyway).
            Some(None) => return Sums::default(),
            None => {}
        }
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Sums::default();
        };
        self.fragments.insert(name, None);
        let sums = self.set(&fragment.node.selection_set.node);
        self.fragments.insert(name, Some(sums));
        sums
    }
}

/// Depth and complexity limits that leave introspection out: an
/// async-graphql extension, for a schema built without `limit_depth` and
/// `limit_complexity`. It measures the document as it is parsed, and after
/// async-graphql's validation takes the introspection subtrees out of its
/// counts before comparing them with the limits (with async-graphql's own
/// messages).
pub struct OutsideIntrospection {
    depth: usize,
    complexity: usize,
}

impl OutsideIntrospection {
    /// The limits from configuration.
    pub fn new(limits: &Limits) -> Self {
        OutsideIntrospection {
            depth: limits.depth,
            complexity: limits.complexity,
        }
    }
}

impl ExtensionFactory for OutsideIntrospection {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OutsideIntrospectionCheck {
            depth: self.depth,
            complexity: self.complexity,
            measured: Mutex::new(None),
        })
    }
}

/// One request's check (extensions are created per request).
struct OutsideIntrospectionCheck {
    depth: usize,
    complexity: usize,
    measured: Mutex<Option<Measure>>,
}

impl OutsideIntrospectionCheck {
    fn measured(&self) -> std::sync::MutexGuard<'_, Option<Measure>> {
        // A plain value: a panic cannot leave it half written.
        self.measured.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for OutsideIntrospectionCheck {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // The document comes back only within the recursion limit.
        let doc = next.run(ctx, query, variables).await?;
        *self.measured() = Some(measure(&doc));
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let mut result = next.run(ctx).await?;
        // Parsing always comes first; without a measure, count everything.
        let measured = self.measured().take().unwrap_or(Measure {
            depth: result.depth,
            introspection_cost: 0,
        });
        result.complexity = result
            .complexity
            .saturating_sub(measured.introspection_cost);
        result.depth = measured.depth;
        if result.complexity > self.complexity {
            return Err(vec![ServerError::new("Query is too complex.", None)]);
        }
        if result.depth > self.depth {
            return Err(vec![ServerError::new("Query is nested too deep.", None)]);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn measure_str(query: &str) -> Measure {
        measure(&parse_query(query).expect("parses"))
    }

    #[test]
    fn depth_leaves_introspection_out_and_counts_the_rest_as_async_graphql_does() {
        assert_eq!(measure_str("{ me { id } }").depth, 2);
        assert_eq!(measure_str("{ __typename me { __typename } }").depth, 1);
        assert_eq!(
            measure_str("{ me { ...F } } fragment F on User { departments { slug } }").depth,
            3
        );
        let mixed = measure_str(
            "{ __schema { types { fields { type { ofType { name } } } } } me { departments { slug } } }",
        );
        assert_eq!(mixed.depth, 3);
        assert_eq!(mixed.introspection_cost, 6);
    }

    #[test]
    fn introspection_costs_one_per_field_with_fragments_inlined_at_each_spread() {
        let spread = measure_str(
            "{ __schema { queryType { ...T } mutationType { ...T } } } fragment T on __Type { name kind __typename }",
        );
        // __schema, queryType, mutationType and twice name and kind.
        assert_eq!(spread.introspection_cost, 7);
        assert_eq!(spread.depth, 0);
        let doubled =
            measure_str("{ a: __type(name: \"A\") { name } b: __type(name: \"B\") { name } }");
        assert_eq!(doubled.introspection_cost, 4);
    }
}
