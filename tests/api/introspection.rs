//! Introspection as GraphQL tools send it: the standard query answers with
//! the schema as served, outside the depth and complexity limits that still
//! bind every other field, and production refuses it with a code.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::Value as ConstValue;
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    ConstDirective, InputValueDefinition, TypeKind, TypeSystemDefinition,
};
use reqwest::header::ACCEPT;
use serde_json::{Value, json};
use synaps::config::{Config, Environment};

use crate::db_test;
use crate::helpers::ws::Ws;
use crate::helpers::{GqlResponse, TestApp, nested_query, nested_selection};

/// graphql-js 16.15.0's `getIntrospectionQuery({ descriptions: true,
/// specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription:
/// true, inputValueDeprecation: true, oneOf: true })`, verbatim: what
/// GraphiQL, Apollo Rover, graphql-codegen, Postman and Insomnia send.
const STANDARD_QUERY: &str = include_str!("fixtures/introspection.graphql");

/// The schema as served, as `synaps export-schema` wrote it.
const SCHEMA: &str = include_str!("../../schema.graphql");

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// `__type(name: "Query") { fields { type { fields { type { … name` with
/// `levels` pairs of `fields { type {`: its answer would grow with every
/// level, through every nullable field of every type.
fn deep_introspection(levels: usize) -> String {
    format!(
        "{{ __type(name: \"Query\") {{ {}name{} }} }}",
        "fields { type { ".repeat(levels),
        " } }".repeat(levels)
    )
}

/// `__type(name: "Query") { ofType { ofType { … name`, `levels` deep:
/// nested selection sets whose answer stays small (`ofType` is null).
fn nested_of_type(levels: usize) -> String {
    format!(
        "{{ __type(name: \"Query\") {{ {}name{} }} }}",
        "ofType { ".repeat(levels),
        " }".repeat(levels)
    )
}

#[track_caller]
fn assert_refused(response: &GqlResponse, status: u16, code: &str, says: &str) {
    assert_eq!(
        (response.status, response.code()),
        (status, Some(code)),
        "{}",
        response.body
    );
    assert!(response.body.get("data").is_none(), "{}", response.body);
    let message = response.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains(says), "{message}");
}

async fn the_standard_introspection_query_answers_with_the_schema_as_served(app: TestApp) {
    // Act
    let response = app.gql(Some(app.staff()), STANDARD_QUERY, json!({})).await;

    // Assert: the answer describes exactly what schema.graphql says.
    assert_eq!(response.status, 200, "{}", response.body);
    let introspected = from_introspection(&response.data()["__schema"]);
    let declared = from_sdl(SCHEMA);
    assert!(introspected.types.contains_key("Query") && introspected.types.len() > 100);
    assert_schemas_equal(&introspected, &declared);
    // Anonymous callers read the schema too (GraphiQL before signing in).
    app.gql(None, STANDARD_QUERY, json!({})).await.data();
}
db_test!(the_standard_introspection_query_answers_with_the_schema_as_served);

#[test]
fn the_schema_comparison_notices_a_missing_or_mistyped_field() {
    let declared = from_sdl(SCHEMA);
    // `User.handle`, a field (an argument named `handle` comes earlier, one
    // tab deeper).
    let mistyped = SCHEMA.replacen("\n\thandle: String!\n", "\n\thandle: String\n", 1);
    let missing = without_field_and_description(SCHEMA, "\n\thandle: String!\n");
    let default_changed = SCHEMA.replacen(
        "unreadOnly: Boolean! = false",
        "unreadOnly: Boolean! = true",
        1,
    );

    for changed in [mistyped, missing, default_changed] {
        assert_ne!(changed, SCHEMA, "the edit applies");
        assert_ne!(from_sdl(&changed), declared);
    }
}

/// `sdl` without the first field written `field` (a newline, a tab, the
/// field, a newline) and the `"""` description block just above it.
fn without_field_and_description(sdl: &str, field: &str) -> String {
    let at = sdl.find(field).expect("the field is in the schema");
    let before = &sdl[..at];
    // The description's closing and opening `"""` lines, searching back.
    let closing = before.rfind("\n\t\"\"\"").expect("a description");
    let opening = before[..closing]
        .rfind("\n\t\"\"\"")
        .expect("a description");
    format!("{}{}", &sdl[..opening], &sdl[at..].replacen(field, "\n", 1))
}

/// Whether `document` is within the limits: answered (200, no errors), or
/// refused as too complex.
async fn is_affordable(app: &TestApp, document: &str) -> bool {
    let response = app.gql(Some(app.staff()), document, json!({})).await;
    if response.status == 200 {
        response.data();
        return true;
    }
    assert_refused(&response, 400, "GRAPHQL_VALIDATION_FAILED", "too complex");
    false
}

async fn introspection_does_not_count_toward_depth_or_complexity_but_everything_else_does(
    app: TestApp,
) {
    // Arrange: the standard query with a regular query beside it in the
    // same operation; a regular query whose cost grows with `first`.
    let depth = app.config.limits.depth;
    let with_standard = |fields: &str| {
        STANDARD_QUERY.replacen(
            "query IntrospectionQuery {",
            &format!("query IntrospectionQuery {{ {fields}"),
            1,
        )
    };
    let costing = |first: usize| {
        format!(
            "users(first: {first}) {{ nodes {{ departments {{ members(first: 10) {{ nodes {{ handle }} }} }} }} }}"
        )
    };
    // The largest page within the complexity limit, asked alone.
    let (mut fits, mut too_big) = (1, 100);
    assert!(is_affordable(&app, &format!("{{ {} }}", costing(fits))).await);
    assert!(!is_affordable(&app, &format!("{{ {} }}", costing(too_big))).await);
    while too_big - fits > 1 {
        let middle = (fits + too_big) / 2;
        if is_affordable(&app, &format!("{{ {} }}", costing(middle))).await {
            fits = middle;
        } else {
            too_big = middle;
        }
    }

    // Act
    let at_depth_limit = app
        .gql(
            Some(app.staff()),
            &with_standard(&nested_selection(depth)),
            json!({}),
        )
        .await;
    let too_deep = app
        .gql(
            Some(app.staff()),
            &with_standard(&nested_selection(depth + 1)),
            json!({}),
        )
        .await;
    let alone_too_deep = app
        .gql(Some(app.staff()), &nested_query(depth + 1), json!({}))
        .await;
    let at_complexity_limit = app
        .gql(Some(app.staff()), &with_standard(&costing(fits)), json!({}))
        .await;
    let too_complex = app
        .gql(
            Some(app.staff()),
            &with_standard(&costing(too_big)),
            json!({}),
        )
        .await;

    // Assert: the standard query adds nothing to either count, and the
    // regular fields beside it count as they do alone.
    assert_eq!(at_depth_limit.status, 200, "{}", at_depth_limit.body);
    assert!(at_depth_limit.data()["__schema"]["types"].is_array());
    assert!(at_depth_limit.data()["departments"]["nodes"].is_array());
    assert_refused(
        &too_deep,
        400,
        "GRAPHQL_VALIDATION_FAILED",
        "nested too deep",
    );
    assert_refused(
        &alone_too_deep,
        400,
        "GRAPHQL_VALIDATION_FAILED",
        "nested too deep",
    );
    assert_eq!(
        at_complexity_limit.status, 200,
        "{}",
        at_complexity_limit.body
    );
    assert!(at_complexity_limit.data()["users"]["nodes"].is_array());
    assert!(at_complexity_limit.data()["__schema"]["types"].is_array());
    assert_refused(
        &too_complex,
        400,
        "GRAPHQL_VALIDATION_FAILED",
        "too complex",
    );
}
db_test!(introspection_does_not_count_toward_depth_or_complexity_but_everything_else_does);

async fn a_deep_introspection_abuse_is_refused_by_the_recursion_limit(app: TestApp) {
    // Arrange: 1,000 fields deep (within the query-text limit), which the
    // parser refuses; and either side of async-graphql's recursion limit of
    // 32 nested selection sets, which it checks after parsing.
    let abuse = deep_introspection(500);
    assert!(abuse.len() < app.config.limits.query_bytes);
    let just_over = nested_of_type(32);
    let at_limit = nested_of_type(31);

    // Act
    let refused = app.gql(Some(app.staff()), &abuse, json!({})).await;
    let also_refused = app.gql(Some(app.staff()), &just_over, json!({})).await;
    let answered = app.gql(Some(app.staff()), &at_limit, json!({})).await;

    // Assert
    assert_refused(&refused, 400, "GRAPHQL_PARSE_FAILED", "limit");
    assert_refused(
        &also_refused,
        400,
        "GRAPHQL_VALIDATION_FAILED",
        "recursion depth",
    );
    assert_eq!(answered.data()["__type"]["ofType"], Value::Null);
}
db_test!(a_deep_introspection_abuse_is_refused_by_the_recursion_limit);

fn production(config: &mut Config) {
    config.env = Environment::Production;
}

async fn production_refuses_introspection_with_introspection_disabled(app: TestApp) {
    // Arrange: introspection at the root, by type, in a fragment, in an
    // inline fragment, and mixed with a regular field.
    let documents = [
        "{ __schema { queryType { name } } }",
        "{ __type(name: \"User\") { name } }",
        "query { ...Schema } fragment Schema on Query { __schema { types { name } } }",
        "{ ... on Query { __type(name: \"User\") { fields { name } } } }",
        "{ me { handle } __schema { queryType { name } } }",
        STANDARD_QUERY,
    ];
    let ask = |document: &str, accept: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header(ACCEPT, accept)
            .bearer_auth(&app.staff().token)
            .json(&json!({ "query": document }))
    };

    for document in documents {
        // Act
        let modern =
            GqlResponse::from(ask(document, GRAPHQL_RESPONSE_JSON).send().await.unwrap()).await;
        let legacy =
            GqlResponse::from(ask(document, "application/json").send().await.unwrap()).await;

        // Assert: an error that says why, and no data at all.
        assert_refused(
            &modern,
            400,
            "INTROSPECTION_DISABLED",
            "Introspection is disabled",
        );
        assert_refused(
            &legacy,
            200,
            "INTROSPECTION_DISABLED",
            "Introspection is disabled",
        );
    }
    // `__typename` is not introspection.
    let typename = app
        .gql(
            Some(app.staff()),
            "{ __typename me { __typename handle } }",
            json!({}),
        )
        .await;
    assert_eq!(typename.data()["me"]["__typename"], "User");
    // Nor does the socket answer it.
    let mut ws = Ws::open(&app.address, Some(&app.staff().token)).await;
    ws.subscribe("schema", "{ __schema { queryType { name } } }")
        .await;
    let refused = ws.next(std::time::Duration::from_secs(5)).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "INTROSPECTION_DISABLED"
    );
}
db_test!(
    production_refuses_introspection_with_introspection_disabled,
    with = production
);

// ---------------------------------------------------------------------------
// A schema, normalized: what introspection says and what SDL declares, in a
// form where the two compare equal exactly when they describe one schema.

#[derive(Debug, PartialEq, Eq, Default)]
struct Schema {
    /// query, mutation and subscription root type names.
    roots: [Option<String>; 3],
    types: BTreeMap<String, Type>,
    directives: BTreeMap<String, Directive>,
}

#[derive(Debug, PartialEq, Eq, Default)]
struct Type {
    kind: String,
    description: Option<String>,
    /// Object and interface fields, in order.
    fields: Vec<Field>,
    interfaces: BTreeSet<String>,
    possible_types: BTreeSet<String>,
    /// (name, description, deprecation reason)
    enum_values: Vec<(String, Option<String>, Option<Option<String>>)>,
    input_fields: Vec<Input>,
    specified_by_url: Option<String>,
    one_of: bool,
}

#[derive(Debug, PartialEq, Eq)]
struct Field {
    name: String,
    description: Option<String>,
    args: Vec<Input>,
    ty: String,
    deprecated: Option<Option<String>>,
}

#[derive(Debug, PartialEq, Eq)]
struct Input {
    name: String,
    description: Option<String>,
    ty: String,
    /// The default value, printed from its parsed form.
    default: Option<String>,
    deprecated: Option<Option<String>>,
}

#[derive(Debug, PartialEq, Eq)]
struct Directive {
    description: Option<String>,
    locations: BTreeSet<String>,
    args: Vec<Input>,
    repeatable: bool,
}

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];
/// Directives every schema has, which SDL need not declare.
const IMPLIED_DIRECTIVES: [&str; 2] = ["deprecated", "oneOf"];

#[track_caller]
fn assert_schemas_equal(introspected: &Schema, declared: &Schema) {
    assert_eq!(introspected.roots, declared.roots);
    let names = |s: &Schema| s.types.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(names(introspected), names(declared), "type names differ");
    for (name, ty) in &declared.types {
        assert_eq!(
            introspected.types.get(name),
            Some(ty),
            "type {name} differs"
        );
    }
    for (name, directive) in &declared.directives {
        // async-graphql prints no descriptions of directive arguments (the
        // built-in `if` and `url`); everything else about them must match.
        let served = introspected.directives.get(name).map(|served| Directive {
            description: served.description.clone(),
            locations: served.locations.clone(),
            args: served
                .args
                .iter()
                .map(|arg| Input {
                    description: None,
                    name: arg.name.clone(),
                    ty: arg.ty.clone(),
                    default: arg.default.clone(),
                    deprecated: arg.deprecated.clone(),
                })
                .collect(),
            repeatable: served.repeatable,
        });
        assert_eq!(
            served.as_ref(),
            Some(directive),
            "directive @{name} differs"
        );
    }
    for name in introspected.directives.keys() {
        assert!(
            declared.directives.contains_key(name) || IMPLIED_DIRECTIVES.contains(&name.as_str()),
            "directive @{name} is served but not in schema.graphql"
        );
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn type_ref(value: &Value) -> String {
    match value["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&value["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&value["ofType"])),
        _ => value["name"].as_str().unwrap_or_default().to_owned(),
    }
}

fn deprecation(value: &Value) -> Option<Option<String>> {
    (value["isDeprecated"] == true).then(|| text(&value["deprecationReason"]))
}

/// A default value printed from its parsed form, so that `[ ]` and `[]`
/// (or any other spelling of one value) compare equal.
fn default_from_literal(literal: &str) -> String {
    let document = parse_schema(format!("input D {{ f: Int = {literal} }}")).unwrap();
    let Some(TypeSystemDefinition::Type(ty)) = document.definitions.first() else {
        panic!("not an input type");
    };
    let TypeKind::InputObject(input) = &ty.node.kind else {
        panic!("not an input type");
    };
    let default = input.fields[0].node.default_value.as_ref().unwrap();
    default.node.to_string()
}

fn inputs_from_introspection(values: &Value) -> Vec<Input> {
    values
        .as_array()
        .into_iter()
        .flatten()
        .map(|value| Input {
            name: text(&value["name"]).unwrap(),
            description: text(&value["description"]),
            ty: type_ref(&value["type"]),
            default: value["defaultValue"].as_str().map(default_from_literal),
            deprecated: deprecation(value),
        })
        .collect()
}

fn names_of(values: &Value) -> BTreeSet<String> {
    values
        .as_array()
        .into_iter()
        .flatten()
        .map(type_ref)
        .collect()
}

fn from_introspection(schema: &Value) -> Schema {
    let root = |key: &str| text(&schema[key]["name"]);
    let mut types = BTreeMap::new();
    for ty in schema["types"].as_array().expect("types") {
        let name = text(&ty["name"]).unwrap();
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name.as_str()) {
            continue;
        }
        let fields = ty["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|field| Field {
                name: text(&field["name"]).unwrap(),
                description: text(&field["description"]),
                args: inputs_from_introspection(&field["args"]),
                ty: type_ref(&field["type"]),
                deprecated: deprecation(field),
            })
            .collect();
        let enum_values = ty["enumValues"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|value| {
                (
                    text(&value["name"]).unwrap(),
                    text(&value["description"]),
                    deprecation(value),
                )
            })
            .collect();
        types.insert(
            name,
            Type {
                kind: text(&ty["kind"]).unwrap(),
                description: text(&ty["description"]),
                fields,
                interfaces: names_of(&ty["interfaces"]),
                possible_types: names_of(&ty["possibleTypes"]),
                enum_values,
                input_fields: inputs_from_introspection(&ty["inputFields"]),
                specified_by_url: text(&ty["specifiedByURL"]),
                one_of: ty["isOneOf"] == true,
            },
        );
    }
    let directives = schema["directives"]
        .as_array()
        .expect("directives")
        .iter()
        .map(|directive| {
            (
                text(&directive["name"]).unwrap(),
                Directive {
                    description: text(&directive["description"]),
                    locations: directive["locations"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(text)
                        .collect(),
                    args: inputs_from_introspection(&directive["args"]),
                    repeatable: directive["isRepeatable"] == true,
                },
            )
        })
        .collect();
    Schema {
        roots: [
            root("queryType"),
            root("mutationType"),
            root("subscriptionType"),
        ],
        types,
        directives,
    }
}

fn directive_argument(
    directives: &[async_graphql::Positioned<ConstDirective>],
    name: &str,
    argument: &str,
) -> Option<Option<ConstValue>> {
    directives
        .iter()
        .find(|d| d.node.name.node.as_str() == name)
        .map(|d| {
            d.node
                .arguments
                .iter()
                .find(|(n, _)| n.node.as_str() == argument)
                .map(|(_, value)| value.node.clone())
        })
}

fn deprecation_in_sdl(
    directives: &[async_graphql::Positioned<ConstDirective>],
) -> Option<Option<String>> {
    directive_argument(directives, "deprecated", "reason").map(|reason| {
        Some(match reason {
            Some(ConstValue::String(reason)) => reason,
            // The spec's default reason.
            _ => "No longer supported".to_owned(),
        })
    })
}

fn description(value: &Option<async_graphql::Positioned<String>>) -> Option<String> {
    value.as_ref().map(|d| d.node.clone())
}

fn inputs_from_sdl(values: &[async_graphql::Positioned<InputValueDefinition>]) -> Vec<Input> {
    values
        .iter()
        .map(|value| Input {
            name: value.node.name.node.to_string(),
            description: description(&value.node.description),
            ty: value.node.ty.node.to_string(),
            default: value
                .node
                .default_value
                .as_ref()
                .map(|v| v.node.to_string()),
            deprecated: deprecation_in_sdl(&value.node.directives),
        })
        .collect()
}

/// `FRAGMENT_SPREAD` from `FragmentSpread`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn from_sdl(sdl: &str) -> Schema {
    let document = parse_schema(sdl).expect("schema.graphql parses");
    let mut schema = Schema::default();
    let mut possible: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for definition in document.definitions {
        match definition {
            TypeSystemDefinition::Schema(root) => {
                let name = |n: &Option<async_graphql::Positioned<async_graphql::Name>>| {
                    n.as_ref().map(|n| n.node.to_string())
                };
                schema.roots = [
                    name(&root.node.query),
                    name(&root.node.mutation),
                    name(&root.node.subscription),
                ];
            }
            TypeSystemDefinition::Directive(directive) => {
                // async-graphql-parser 7.2.1 reads every directive as
                // repeatable (its `repeatable` rule also matches nothing):
                // read the keyword from the line (one per directive).
                let line = sdl.lines().nth(directive.pos.line - 1).unwrap_or_default();
                let repeatable = line
                    .split(" on ")
                    .next()
                    .is_some_and(|head| head.contains(" repeatable"));
                let directive = directive.node;
                schema.directives.insert(
                    directive.name.node.to_string(),
                    Directive {
                        description: description(&directive.description),
                        locations: directive
                            .locations
                            .iter()
                            .map(|l| screaming(&format!("{:?}", l.node)))
                            .collect(),
                        args: inputs_from_sdl(&directive.arguments),
                        repeatable,
                    },
                );
            }
            TypeSystemDefinition::Type(ty) => {
                let ty = ty.node;
                let name = ty.name.node.to_string();
                let mut out = Type {
                    description: description(&ty.description),
                    ..Type::default()
                };
                let fields_of = |fields: &[async_graphql::Positioned<
                    async_graphql::parser::types::FieldDefinition,
                >]| {
                    fields
                        .iter()
                        .map(|field| Field {
                            name: field.node.name.node.to_string(),
                            description: description(&field.node.description),
                            args: inputs_from_sdl(&field.node.arguments),
                            ty: field.node.ty.node.to_string(),
                            deprecated: deprecation_in_sdl(&field.node.directives),
                        })
                        .collect::<Vec<_>>()
                };
                match &ty.kind {
                    TypeKind::Scalar => {
                        out.kind = "SCALAR".to_owned();
                        out.specified_by_url =
                            match directive_argument(&ty.directives, "specifiedBy", "url") {
                                Some(Some(ConstValue::String(url))) => Some(url),
                                _ => None,
                            };
                    }
                    TypeKind::Object(object) => {
                        out.kind = "OBJECT".to_owned();
                        out.fields = fields_of(&object.fields);
                        out.interfaces = object
                            .implements
                            .iter()
                            .map(|i| i.node.to_string())
                            .collect();
                        for interface in &out.interfaces {
                            possible
                                .entry(interface.clone())
                                .or_default()
                                .insert(name.clone());
                        }
                    }
                    TypeKind::Interface(interface) => {
                        out.kind = "INTERFACE".to_owned();
                        out.fields = fields_of(&interface.fields);
                        out.interfaces = interface
                            .implements
                            .iter()
                            .map(|i| i.node.to_string())
                            .collect();
                    }
                    TypeKind::Union(union) => {
                        out.kind = "UNION".to_owned();
                        out.possible_types =
                            union.members.iter().map(|m| m.node.to_string()).collect();
                    }
                    TypeKind::Enum(enumeration) => {
                        out.kind = "ENUM".to_owned();
                        out.enum_values = enumeration
                            .values
                            .iter()
                            .map(|value| {
                                (
                                    value.node.value.node.to_string(),
                                    description(&value.node.description),
                                    deprecation_in_sdl(&value.node.directives),
                                )
                            })
                            .collect();
                    }
                    TypeKind::InputObject(input) => {
                        out.kind = "INPUT_OBJECT".to_owned();
                        out.input_fields = inputs_from_sdl(&input.fields);
                        out.one_of = directive_argument(&ty.directives, "oneOf", "").is_some();
                    }
                }
                schema.types.insert(name, out);
            }
        }
    }
    for (interface, objects) in possible {
        if let Some(ty) = schema.types.get_mut(&interface) {
            ty.possible_types = objects;
        }
    }
    schema
}
