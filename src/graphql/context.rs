//! What every resolver reaches through its `Context`.

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::auth::Viewer;
use crate::domain::pagination::PageArgs;
use crate::error::Result;
use crate::state::AppState;

/// Facts about the HTTP request, for rules that need them (login throttling).
#[derive(Clone, Debug)]
pub struct RequestMeta {
    /// The client address, as the throttle keys it.
    pub client_address: String,
}

static ANONYMOUS: Viewer = Viewer::Anonymous;

/// Shortcuts from a resolver's `Context` to the application.
pub trait ContextExt {
    /// The application state the schema was built with.
    fn state(&self) -> &AppState;
    /// The database.
    fn db(&self) -> &DatabaseConnection {
        &self.state().db
    }
    /// Who is asking; anonymous when the request carried no token.
    fn viewer(&self) -> &Viewer;
    /// Facts about the HTTP request, when there was one.
    fn request_meta(&self) -> Option<&RequestMeta>;
    /// Parses Relay paging arguments against the configured page-size cap.
    fn page_args(
        &self,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<PageArgs> {
        PageArgs::parse(
            &self.state().config.limits,
            first,
            after.as_deref(),
            last,
            before.as_deref(),
        )
    }
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        // The schema is always built with the state (see `graphql::build_schema`).
        self.data_unchecked::<AppState>()
    }

    fn viewer(&self) -> &Viewer {
        self.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
    }

    fn request_meta(&self) -> Option<&RequestMeta> {
        self.data_opt::<RequestMeta>()
    }
}
