//! Document checks that async-graphql does not make, run on the parsed
//! document before anything executes (docs/SECURITY.md): aliases per
//! document, root fields per operation, and the fields that may appear at
//! most once per document (`login`, `refreshSession`, `changePassword`, whose
//! cost is a password hash or a token rotation each). Depth and complexity
//! are the schema's (`graphql::AppSchema`, `graphql::introspection`).

use std::collections::HashSet;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};

use super::introspection::INTROSPECTION;
use crate::config::Limits;

/// Fields allowed at most once per document.
pub const ONCE_PER_DOCUMENT: [&str; 3] = ["login", "refreshSession", "changePassword"];

/// A limit a document breaks.
#[derive(Debug, PartialEq, Eq)]
pub enum Violation {
    /// More aliases in the document than allowed.
    TooManyAliases {
        /// The configured limit.
        limit: usize,
    },
    /// More root fields in one operation than allowed.
    TooManyRootFields {
        /// The configured limit.
        limit: usize,
    },
    /// A field of [`ONCE_PER_DOCUMENT`] that appears more than once.
    Repeated {
        /// The field's name.
        field: &'static str,
    },
}

impl Violation {
    /// The error message for the client.
    pub fn message(&self) -> String {
        match self {
            Violation::TooManyAliases { limit } => {
                format!("The document uses more than {limit} aliases.")
            }
            Violation::TooManyRootFields { limit } => {
                format!("The operation selects more than {limit} root fields.")
            }
            Violation::Repeated { field } => {
                format!("`{field}` may appear at most once per request.")
            }
        }
    }
}

/// The type of the operation that will run, if the document names one
/// unambiguously (otherwise async-graphql reports the error).
pub fn operation_type(doc: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    operation(doc, name).map(|op| op.ty)
}

/// The name of the operation that will run, if it has one.
pub fn operation_name(doc: &ExecutableDocument, name: Option<&str>) -> Option<String> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(_), _) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.contains_key(name).then(|| name.to_owned())
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.keys().next().map(|name| name.to_string())
        }
        _ => None,
    }
}

fn operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

/// What checking a document learned on the way.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Whether any operation or fragment selects `__schema` or `__type`, at
    /// any depth (`__typename` is not introspection): which build of the
    /// schema runs it (`graphql::AppSchema`), and what production refuses.
    pub selects_introspection: bool,
}

/// Checks the document against the limits, in one walk of its selections.
pub fn check(
    doc: &ExecutableDocument,
    name: Option<&str>,
    limits: &Limits,
) -> Result<Checked, Violation> {
    // Every selection set in the document, operations and fragments alike.
    let mut sets: Vec<&SelectionSet> = doc
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node))
        .collect();
    let mut aliases = 0usize;
    let mut once_seen: HashSet<&str> = HashSet::new();
    let mut checked = Checked::default();
    while let Some(set) = sets.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    if field.node.alias.is_some() {
                        aliases += 1;
                        if aliases > limits.aliases {
                            return Err(Violation::TooManyAliases {
                                limit: limits.aliases,
                            });
                        }
                    }
                    let field_name = field.node.name.node.as_str();
                    checked.selects_introspection |= INTROSPECTION.contains(&field_name);
                    if let Some(once) = ONCE_PER_DOCUMENT.iter().find(|f| **f == field_name)
                        && !once_seen.insert(once)
                    {
                        return Err(Violation::Repeated { field: once });
                    }
                    sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => sets.push(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    if let Some(op) = operation(doc, name)
        && root_fields(doc, &op.selection_set.node, &mut HashSet::new()) > limits.root_fields
    {
        return Err(Violation::TooManyRootFields {
            limit: limits.root_fields,
        });
    }
    // A fragment holding `login` spread twice runs it twice.
    if let Some(op) = operation(doc, name) {
        let mut counts = std::collections::HashMap::new();
        count_spread_fields(doc, &op.selection_set.node, &mut counts, &mut Vec::new());
        if let Some(field) = ONCE_PER_DOCUMENT
            .iter()
            .find(|f| counts.get(**f).copied().unwrap_or(0) > 1)
        {
            return Err(Violation::Repeated { field });
        }
    }
    Ok(checked)
}

/// Root fields of an operation, with fragments at the root expanded.
fn root_fields<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    seen: &mut HashSet<&'d str>,
) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(f) => root_fields(doc, &f.node.selection_set.node, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match doc.fragments.get(name) {
                    Some(fragment) if seen.insert(name) => {
                        root_fields(doc, &fragment.node.selection_set.node, seen)
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

/// Counts once-per-document fields at the root, following fragment spreads
/// (each spread counts; `path` stops fragment cycles).
fn count_spread_fields<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    counts: &mut std::collections::HashMap<&'d str, usize>,
    path: &mut Vec<&'d str>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                *counts.entry(field.node.name.node.as_str()).or_default() += 1;
            }
            Selection::InlineFragment(f) => {
                count_spread_fields(doc, &f.node.selection_set.node, counts, path)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if path.contains(&name) || path.len() > 8 {
                    continue;
                }
                if let Some(fragment) = doc.fragments.get(name) {
                    path.push(name);
                    count_spread_fields(doc, &fragment.node.selection_set.node, counts, path);
                    path.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn introspection_is_found_anywhere_but_typename_is_not_introspection() {
        let found = |q: &str| {
            check(&parse_query(q).expect("parses"), None, &Limits::default())
                .expect("within the limits")
                .selects_introspection
        };
        assert!(found("{ __schema { queryType { name } } }"));
        assert!(found("{ me { id } __type(name: \"User\") { name } }"));
        assert!(found(
            "{ ...F } fragment F on Query { __schema { types { name } } }"
        ));
        assert!(found("{ ... on Query { __type(name: \"X\") { name } } }"));
        assert!(!found("{ __typename me { __typename id } }"));
    }
    use async_graphql::parser::parse_query;

    fn check_str(query: &str) -> Result<(), Violation> {
        let doc = parse_query(query).map_err(|_| Violation::TooManyAliases { limit: 0 })?;
        check(&doc, None, &Limits::default()).map(|_| ())
    }

    #[test]
    fn aliases_are_counted_across_the_document() {
        let many: String = (0..31).map(|i| format!("a{i}: me {{ id }} ")).collect();
        assert_eq!(
            check_str(&format!("{{ {many} }}")),
            Err(Violation::TooManyAliases { limit: 30 })
        );
        assert!(check_str("{ a: me { id } b: me { id } }").is_ok());
    }

    #[test]
    fn login_may_appear_once() {
        let twice = "mutation { a: login(input: {email: \"x\", password: \"y\"}) { accessToken } b: login(input: {email: \"x\", password: \"y\"}) { accessToken } }";
        assert_eq!(
            check_str(twice),
            Err(Violation::Repeated { field: "login" })
        );
        let spread = "mutation { ...L ...L } fragment L on Mutation { login(input: {email: \"x\", password: \"y\"}) { accessToken } }";
        assert_eq!(
            check_str(spread),
            Err(Violation::Repeated { field: "login" })
        );
    }

    #[test]
    fn root_fields_are_capped() {
        let fields: String = (0..21).map(|_| "me { id } ").collect();
        assert_eq!(
            check_str(&format!("{{ {fields} }}")),
            Err(Violation::TooManyRootFields { limit: 20 })
        );
    }
}
