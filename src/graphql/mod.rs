//! The GraphQL API: the schema, its limits, and one file per area. Types
//! here are thin: they wire arguments to `domain/` and wrap what comes back.

#![warn(missing_docs)]

pub mod channel_mutations;
pub mod channels;
pub mod context;
pub mod departments;
pub mod documents;
pub mod limits;
pub mod loaders;
pub mod message_mutations;
pub mod messages;
pub mod node;
pub mod notifications;
pub mod pagination;
pub mod people;
pub mod post_mutations;
pub mod posts;
pub mod subscription;

use async_graphql::{MergedObject, Schema, SchemaBuilder};

use crate::config::Config;
use crate::state::AppState;
pub use subscription::Subscription;

/// What you can read. Everything but `publicPosts` and `publicPost` needs
/// you signed in (`Authorization: Bearer <accessToken>`).
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    people::PeopleQuery,
    departments::DepartmentQuery,
    channels::ChannelQuery,
    posts::PostQuery,
    notifications::NotificationQuery,
);

/// What you can change. Each mutation takes one `input` and returns a
/// payload; all but `login` and `refreshSession` need you signed in.
#[derive(MergedObject, Default)]
pub struct Mutation(
    people::PeopleMutation,
    departments::DepartmentMutation,
    channel_mutations::ChannelMutation,
    message_mutations::MessageMutation,
    post_mutations::PostMutation,
    notifications::NotificationMutation,
);

/// The schema synaps serves.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema with every limit from configuration (docs/SECURITY.md).
fn builder(config: &Config) -> SchemaBuilder<Query, Mutation, Subscription> {
    let limits = &config.limits;
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
        .limit_directives(limits.directives_per_field)
        .limit_recursive_depth(32);
    if config.is_production() {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder
}

/// The schema as served, with the application state.
pub fn build_schema(state: AppState) -> AppSchema {
    let config = state.config.clone();
    builder(&config).data(state).finish()
}

/// The SDL, as `synaps export-schema` writes it and `schema.graphql` holds.
pub fn sdl() -> String {
    builder(&Config::default()).finish().sdl()
}
