//! `auditLog`: the administrative and editorial actions, newest first
//! (`domain::audit`), for administrators.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::context::ContextExt;
use super::loaders::Loaders;
use super::node::{Kind, global_id};
use super::pagination::{Connection, EmptyFields, connection};
use super::people::User;
use crate::domain::audit::{self, Action, Entry, Subject};
use crate::error::Error;

/// One administrative or editorial action.
pub struct AuditEntry(Entry);

/// One administrative or editorial action: who did what to what, and what
/// changed.
#[Object]
impl AuditEntry {
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// What was done: `user.created`, `user.updated`, `user.role_changed`,
    /// `user.deactivated`, `user.exported`, `user.erased`,
    /// `department.created`, `department.updated`,
    /// `department.member_added`, `department.member_removed`,
    /// `channel.created`, `channel.updated`, `channel.linked`,
    /// `channel.unlinked`, `channel.archived`, `post.approved`,
    /// `post.changes_requested`, `post.rejected`, `post.scheduled`,
    /// `post.unscheduled`, `post.published`, `post.unpublished`.
    async fn action(&self) -> &str {
        &self.0.action_name
    }
    /// Who did it; null for the scheduler and the command line (and for a
    /// person since erased).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.person.load_one(id).await?.map(User::one))
    }
    /// What it was done to: `user`, `department`, `channel` or `post`.
    async fn subject_kind(&self) -> &str {
        self.0.subject.parts().0
    }
    /// The global id of what it was done to (for `node(id:)`).
    async fn subject_id(&self) -> ID {
        match self.0.subject {
            Subject::User(id) => global_id(Kind::User, id),
            Subject::Department(id) => global_id(Kind::Department, id),
            Subject::Channel(id) => global_id(Kind::Channel, id),
            Subject::Post(id) => global_id(Kind::GuestPost, id),
        }
    }
    /// What changed, before: a JSON object; null for a creation (and after
    /// the person it was about was erased).
    async fn before(&self) -> Option<&str> {
        self.0.before.as_deref()
    }
    /// What changed, after: a JSON object; null for a removal.
    async fn after(&self) -> Option<&str> {
        self.0.after.as_deref()
    }
    /// The `x-request-id` of the request it came in (null from the
    /// scheduler, the command line and WebSocket operations).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}

/// A page of the audit log.
pub type AuditEntryConnection = Connection<AuditEntry>;

/// The `auditLog` query.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The administrative and editorial actions, newest first:
    /// administrators only.
    #[allow(clippy::too_many_arguments)]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(desc = "Only the actions of this person (their handle).")] actor: Option<String>,
        #[graphql(
            desc = "Only this action, such as `user.role_changed` (see `AuditEntry.action`)."
        )]
        action: Option<String>,
        #[graphql(desc = "From this day on (UTC).")] from: Option<NaiveDate>,
        #[graphql(desc = "Before this day (UTC).")] to: Option<NaiveDate>,
    ) -> Result<AuditEntryConnection> {
        let page = ctx.page_args(first, after, None, None)?;
        let action = match action {
            None => None,
            Some(name) => Some(Action::named(&name).ok_or_else(|| {
                Error::bad_input("action", format!("\"{name}\" is not an audited action"))
            })?),
        };
        let filter = audit::Filter {
            actor,
            action,
            from,
            to,
        };
        let found = audit::list(ctx.db(), ctx.viewer(), &filter, &page).await?;
        Ok(connection(found, AuditEntry, EmptyFields))
    }
}
