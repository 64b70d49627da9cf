//! The GraphQL API: the schema, its limits, and one file per area. Types
//! here are thin: they wire arguments to `domain/` and wrap what comes back.

#![warn(missing_docs)]

pub mod analytics;
pub mod audit;
pub mod channel_mutations;
pub mod channels;
pub mod context;
pub mod departments;
pub mod digest;
pub mod documents;
pub mod introspection;
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
pub mod round;
pub mod round_time;
pub mod search;
pub mod subscription;

use async_graphql::{MergedObject, Request, Response, SDLExportOptions, Schema, SchemaBuilder};
use futures_util::stream::BoxStream;

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
    round_time::RoundTimeQuery,
    round::RoundQuery,
    analytics::AnalyticsQuery,
    search::SearchQuery,
    audit::AuditQuery,
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
    round_time::RoundTimeMutation,
    round::RoundMutation,
    digest::DigestMutation,
);

/// The schema as served, built twice: the two differ only in how they limit
/// depth and complexity. async-graphql's own limits count every field, also
/// under `__schema` and `__type`, so the standard introspection query of
/// every GraphQL tool is "nested too deep"; documents that select
/// introspection therefore run on a build that enforces the same limits
/// without the introspection subtrees (`introspection::OutsideIntrospection`).
/// Everything else runs on the build with the stock limits, because any
/// extension makes async-graphql route every field and list item of every
/// request through the extension chain.
#[derive(Clone)]
pub struct AppSchema {
    plain: Schema<Query, Mutation, Subscription>,
    introspective: Schema<Query, Mutation, Subscription>,
}

impl AppSchema {
    /// Runs a query or mutation; `introspective` as `limits::check` found.
    pub async fn execute(&self, request: Request, introspective: bool) -> Response {
        self.pick(introspective).execute(request).await
    }

    /// Runs any operation as a stream: a subscription's events, or the one
    /// response of a query or mutation.
    pub fn execute_stream(
        &self,
        request: Request,
        introspective: bool,
    ) -> BoxStream<'static, Response> {
        self.pick(introspective).execute_stream(request)
    }

    fn pick(&self, introspective: bool) -> &Schema<Query, Mutation, Subscription> {
        if introspective {
            &self.introspective
        } else {
            &self.plain
        }
    }
}

/// Descriptions of the connection types, which async-graphql's `Connection`
/// cannot take from a doc comment.
fn describe_connections(
    builder: SchemaBuilder<Query, Mutation, Subscription>,
) -> SchemaBuilder<Query, Mutation, Subscription> {
    builder
        .override_output_type_description::<channels::ChannelConnection>(
            "A page of channels, with `totalCount`.",
        )
        .override_output_type_description::<channels::ChannelMemberConnection>(
            "A page of a channel's members, with `totalCount`.",
        )
        .override_output_type_description::<channels::DepartmentChannelConnection>(
            "A page of the channels linked to a department that the viewer may see.",
        )
        .override_output_type_description::<departments::DepartmentConnection>(
            "A page of departments, with `totalCount`.",
        )
        .override_output_type_description::<departments::MemberConnection>(
            "A page of a department's members, with `totalCount`.",
        )
        .override_output_type_description::<posts::GuestPostConnection>("A page of guest posts.")
        .override_output_type_description::<posts::PublicPostConnection>(
            "A page of published guest posts, newest first.",
        )
        .override_output_type_description::<messages::MessageConnection>(
            "A page of messages (a channel's feed or a thread's replies).",
        )
        .override_output_type_description::<notifications::NotificationConnection>(
            "A page of the viewer's notifications, newest first.",
        )
        .override_output_type_description::<round::CheckinCommentConnection>(
            "A page of a check-in's comments, oldest first.",
        )
        .override_output_type_description::<round::CheckinConnection>(
            "A page of check-ins, newest week first.",
        )
        .override_output_type_description::<people::UserConnection>(
            "A page of people, with `totalCount`.",
        )
        .override_output_type_description::<search::SearchConnection>(
            "A page of search hits, best first.",
        )
        .override_output_type_description::<audit::AuditEntryConnection>(
            "A page of the audit log, newest first.",
        )
}

/// The schema with every limit from configuration (docs/SECURITY.md); depth
/// and complexity as async-graphql counts them or, when `introspective`,
/// without introspection (see [`AppSchema`]).
fn builder(config: &Config, introspective: bool) -> SchemaBuilder<Query, Mutation, Subscription> {
    let limits = &config.limits;
    let mut builder = describe_connections(Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription,
    ))
    .limit_directives(limits.directives_per_field)
    .limit_recursive_depth(32);
    builder = if introspective {
        builder.extension(introspection::OutsideIntrospection::new(limits))
    } else {
        builder
            .limit_depth(limits.depth)
            .limit_complexity(limits.complexity)
    };
    if config.is_production() {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder
}

/// The schema as served, with the application state.
pub fn build_schema(state: AppState) -> AppSchema {
    let config = state.config.clone();
    AppSchema {
        plain: builder(&config, false).data(state.clone()).finish(),
        introspective: builder(&config, true).data(state).finish(),
    }
}

/// The SDL, as `synaps export-schema` writes it and `schema.graphql` holds:
/// everything introspection answers, `@specifiedBy` on scalars included.
pub fn sdl() -> String {
    builder(&Config::default(), false)
        .finish()
        .sdl_with_options(SDLExportOptions::new().include_specified_by())
}
