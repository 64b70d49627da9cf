//! The audit log: every administrative and editorial action — people
//! created, changed, given a role, deactivated; departments and their
//! members; channels created, changed, linked, unlinked, archived; guest
//! posts approved, sent back, rejected, scheduled, published, unpublished —
//! with its actor, its subject, what changed (before and after, as JSON)
//! and the request it came in. [`record`] is called inside the action's
//! transaction, so an entry exists if and only if the action happened.
//! Nothing updates or deletes entries, except erasing a person, which
//! blanks what the entries about them said (docs/OPERATIONS.md).
//!
//! Administrators read it with `auditLog` ([`list`]), newest first.

use std::future::Future;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::pagination::{Cursor, Page, PageArgs};
use crate::auth::{Action as Permission, Viewer};
use crate::entities::{audit_log, users};
use crate::error::{Error, Result};

tokio::task_local! {
    /// The `x-request-id` of the request being served.
    static REQUEST_ID: String;
}

/// Runs `work` as part of request `id`: entries it records carry the id.
pub async fn in_request<F: Future>(id: Option<String>, work: F) -> F::Output {
    match id {
        Some(id) => REQUEST_ID.scope(id, work).await,
        None => work.await,
    }
}

fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

macro_rules! actions {
    ($($variant:ident => $name:literal: $doc:literal,)*) => {
        /// What was done.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $(#[doc = $doc] $variant,)*
        }

        impl Action {
            pub const ALL: &[Action] = &[$(Action::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    UserCreated => "user.created": "A person was created.",
    UserUpdated => "user.updated": "An administrator changed a person's profile.",
    UserRoleChanged => "user.role_changed": "A person's role changed.",
    UserDeactivated => "user.deactivated": "A person was deactivated.",
    UserExported => "user.exported": "Everything held about a person was exported.",
    UserErased => "user.erased": "A person's data was erased.",
    DepartmentCreated => "department.created": "A department was created.",
    DepartmentUpdated => "department.updated": "A department changed.",
    DepartmentMemberAdded => "department.member_added": "A person joined a department.",
    DepartmentMemberRemoved => "department.member_removed": "A person left a department.",
    ChannelCreated => "channel.created": "A channel was created.",
    ChannelUpdated => "channel.updated": "A channel's name, topic or visibility changed.",
    ChannelLinked => "channel.linked": "A channel was linked to a department.",
    ChannelUnlinked => "channel.unlinked": "A channel was unlinked from a department.",
    ChannelArchived => "channel.archived": "A channel was archived.",
    PostApproved => "post.approved": "A guest post was approved.",
    PostChangesRequested => "post.changes_requested": "Changes were requested on a guest post.",
    PostRejected => "post.rejected": "A guest post was rejected.",
    PostScheduled => "post.scheduled": "A guest post was scheduled.",
    PostUnscheduled => "post.unscheduled": "A guest post was taken off the schedule.",
    PostPublished => "post.published": "A guest post was published.",
    PostUnpublished => "post.unpublished": "A guest post was unpublished.",
}

impl Action {
    /// The action named `name` (`user.created`), if there is one.
    pub fn named(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.as_str() == name)
    }
}

/// What an action was taken on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    User(Uuid),
    Department(Uuid),
    Channel(Uuid),
    Post(Uuid),
}

impl Subject {
    /// The subject's kind (`user`, `department`, `channel`, `post`) and id.
    pub fn parts(self) -> (&'static str, Uuid) {
        match self {
            Subject::User(id) => ("user", id),
            Subject::Department(id) => ("department", id),
            Subject::Channel(id) => ("channel", id),
            Subject::Post(id) => ("post", id),
        }
    }

    fn from_db(kind: &str, id: Uuid) -> Subject {
        match kind {
            "department" => Subject::Department(id),
            "channel" => Subject::Channel(id),
            "post" => Subject::Post(id),
            _ => Subject::User(id),
        }
    }
}

/// Records `action` by `actor` (none: the scheduler, the command line) on
/// `subject`, with what changed; inside the action's transaction.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: Option<Uuid>,
    action: Action,
    subject: Subject,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<()> {
    let (kind, id) = subject.parts();
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        actor_id: Set(actor),
        action: Set(action.as_str().to_owned()),
        subject_kind: Set(kind.to_owned()),
        subject_id: Set(id),
        before: Set(before.map(|v| v.to_string())),
        after: Set(after.map(|v| v.to_string())),
        request_id: Set(request_id()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// An entry, as administrators read it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// The action's name (`Action::as_str`), also for one this version
    /// does not know.
    pub action_name: String,
    pub subject: Subject,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: Option<String>,
}

impl From<audit_log::Model> for Entry {
    fn from(m: audit_log::Model) -> Entry {
        Entry {
            id: m.id,
            at: m.at,
            actor_id: m.actor_id,
            action_name: m.action,
            subject: Subject::from_db(&m.subject_kind, m.subject_id),
            before: m.before,
            after: m.after,
            request_id: m.request_id,
        }
    }
}

/// Which entries to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The actor's handle.
    pub actor: Option<String>,
    pub action: Option<Action>,
    /// From this day on (UTC), inclusive.
    pub from: Option<NaiveDate>,
    /// Before this day (UTC).
    pub to: Option<NaiveDate>,
}

/// The entries `filter` keeps, newest first (administrators only).
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &Filter,
    page: &PageArgs,
) -> Result<Page<Entry>> {
    viewer.require(Permission::ReadAuditLog)?;
    use audit_log::Column as A;
    let mut select = audit_log::Entity::find();
    if let Some(handle) = &filter.actor {
        let handle = handle.trim_start_matches('@').to_lowercase();
        let actor = users::Entity::find()
            .filter(users::Column::Handle.eq(handle.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| Error::bad_input("actor", format!("nobody has the handle @{handle}")))?;
        select = select.filter(A::ActorId.eq(actor.id));
    }
    if let Some(action) = filter.action {
        select = select.filter(A::Action.eq(action.as_str()));
    }
    let midnight = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
    if let Some(from) = filter.from {
        select = select.filter(A::At.gte(midnight(from)));
    }
    if let Some(to) = filter.to {
        select = select.filter(A::At.lt(midnight(to)));
    }
    let rows = page
        .apply_by_time(select, A::At, A::Id, true)?
        .all(db)
        .await?;
    Ok(page
        .finish(rows, |e| Cursor::at_time(e.at, e.id))
        .map(Entry::from))
}

/// Blanks what the entries about `user_id` said (erasure): the entries
/// stay, so it remains known that the actions happened.
pub async fn forget_subject(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<()> {
    audit_log::Entity::update_many()
        .col_expr(
            audit_log::Column::Before,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .col_expr(
            audit_log::Column::After,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(audit_log::Column::SubjectId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}
