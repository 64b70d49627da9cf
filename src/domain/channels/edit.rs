//! Creating and changing channels: name, slug, topic, visibility, the
//! departments a channel links, archiving. Each entry point parses its input,
//! checks the rule (`access::Access::require_manage`) and writes in one
//! transaction.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use tracing::instrument;
use uuid::Uuid;

use super::access::{self, Change};
use super::{Channel, DEPARTMENTS_MAX, NAME_MAX, TOPIC_MAX, Visibility, membership};
use crate::auth::{Action, Actor, Viewer};
use crate::db;
use crate::domain::audit::{self, Subject};
use crate::domain::types::{Slug, bounded_text};
use crate::domain::{analytics, search};
use crate::entities::{channel_departments, channels, departments};
use crate::error::{Error, Result, is_unique_violation};
use serde_json::json;

pub struct NewChannel {
    pub name: String,
    pub slug: Option<String>,
    pub topic: Option<String>,
    pub visibility: Visibility,
    pub department_ids: Vec<Uuid>,
}

fn channel_name(value: &str) -> Result<String> {
    let name = bounded_text("name", value, 1, NAME_MAX)?;
    if name.contains('\n') {
        return Err(Error::bad_input("name", "must be a single line"));
    }
    Ok(name)
}

fn topic(value: &str) -> Result<String> {
    bounded_text("topic", value, 0, TOPIC_MAX)
}

/// Creates a channel linked to at least one department; the creator is its
/// first member.
#[instrument(skip(db, viewer, input), fields(channel.name = %input.name))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewChannel,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let name = channel_name(&input.name)?;
    let slug = match input.slug.as_deref() {
        Some(slug) => Slug::parse("slug", slug)?,
        None => slug_from_name(&name).ok_or_else(|| {
            Error::bad_input("slug", "cannot be made from this name; give a slug")
        })?,
    };
    let topic = topic(input.topic.as_deref().unwrap_or(""))?;
    let mut department_ids = input.department_ids;
    let mut seen = std::collections::HashSet::new();
    department_ids.retain(|id| seen.insert(*id));
    if department_ids.is_empty() {
        return Err(Error::bad_input(
            "departmentIds",
            "must name at least one department",
        ));
    }
    if department_ids.len() > DEPARTMENTS_MAX {
        return Err(Error::bad_input(
            "departmentIds",
            format!("must name at most {DEPARTMENTS_MAX} departments"),
        ));
    }
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let known = departments::Entity::find()
        .filter(departments::Column::Id.is_in(department_ids.iter().copied()))
        .count(&txn)
        .await?;
    if known != department_ids.len() as u64 {
        return Err(Error::NotFound("Department"));
    }
    let created = channels::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug.as_str().to_owned()),
        name: Set(name),
        topic: Set(topic),
        visibility: Set(input.visibility.as_str().to_owned()),
        archived_at: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| slug_clash(e, &slug))?;
    channel_departments::Entity::insert_many(department_ids.iter().map(|department_id| {
        channel_departments::ActiveModel {
            channel_id: Set(created.id),
            department_id: Set(*department_id),
        }
    }))
    .exec(&txn)
    .await?;
    analytics::record::links_changed(&txn, &[created.id]).await?;
    membership::enter(&txn, created.id, actor.user_id).await?;
    search::index::refresh(&txn, search::Kind::Channel, &[created.id]).await?;
    let mut after = described(&created);
    after["departmentIds"] = json!(department_ids);
    audit::record(
        &txn,
        Some(actor.user_id),
        audit::Action::ChannelCreated,
        Subject::Channel(created.id),
        None,
        Some(after),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(channel.id = %created.id, "channel created");
    Ok(created.into())
}

pub struct ChannelChanges {
    pub id: Uuid,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub topic: Option<String>,
    pub visibility: Option<Visibility>,
}

/// Edits a channel (its creator, admins). Omitted fields stay as they are.
#[instrument(skip(db, viewer, input), fields(channel.id = %input.id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: ChannelChanges,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let name = input.name.as_deref().map(channel_name).transpose()?;
    let slug = input
        .slug
        .as_deref()
        .map(|s| Slug::parse("slug", s))
        .transpose()?;
    let topic = input.topic.as_deref().map(topic).transpose()?;
    let txn = db::begin_write(db).await?;
    let existing = authorize(&txn, actor, input.id, "id", Change::Edit).await?;
    let before = described(&existing);
    let mut active = existing.into_active_model();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(slug) = &slug {
        active.slug = Set(slug.as_str().to_owned());
    }
    if let Some(topic) = topic {
        active.topic = Set(topic);
    }
    if let Some(visibility) = input.visibility {
        active.visibility = Set(visibility.as_str().to_owned());
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await.map_err(|e| match &slug {
        Some(slug) => slug_clash(e, slug),
        None => e.into(),
    })?;
    search::index::refresh(&txn, search::Kind::Channel, &[updated.id]).await?;
    let after = described(&updated);
    audit::record(
        &txn,
        Some(actor.user_id),
        audit::Action::ChannelUpdated,
        Subject::Channel(updated.id),
        Some(before),
        Some(after),
    )
    .await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Links a channel to one more department; linking it again is a no-op.
#[instrument(skip(db, viewer))]
pub async fn link_department(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel_id: Uuid,
    department_id: Uuid,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let channel = authorize(&txn, actor, channel_id, "channelId", Change::Edit).await?;
    department_exists(&txn, department_id).await?;
    let linked = channel_departments::Entity::find_by_id((channel_id, department_id))
        .one(&txn)
        .await?;
    if linked.is_none() {
        channel_departments::ActiveModel {
            channel_id: Set(channel_id),
            department_id: Set(department_id),
        }
        .insert(&txn)
        .await?;
        analytics::record::links_changed(&txn, &[channel_id]).await?;
        let after = json!({ "departmentId": department_id });
        audit::record(
            &txn,
            Some(actor.user_id),
            audit::Action::ChannelLinked,
            Subject::Channel(channel_id),
            None,
            Some(after),
        )
        .await?;
    }
    let channel = touch(&txn, channel).await?;
    txn.commit().await?;
    Ok(channel)
}

/// Unlinks a department from a channel; a channel keeps at least one.
#[instrument(skip(db, viewer))]
pub async fn unlink_department(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel_id: Uuid,
    department_id: Uuid,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let channel = authorize(&txn, actor, channel_id, "channelId", Change::Edit).await?;
    department_exists(&txn, department_id).await?;
    let links = channel_departments::Entity::find()
        .filter(channel_departments::Column::ChannelId.eq(channel_id))
        .all(&txn)
        .await?;
    if !links.iter().any(|l| l.department_id == department_id) {
        return Err(Error::bad_input(
            "departmentId",
            "the channel is not linked to this department",
        ));
    }
    if links.len() <= 1 {
        return Err(Error::bad_input(
            "departmentId",
            "a channel stays linked to at least one department",
        ));
    }
    channel_departments::Entity::delete_by_id((channel_id, department_id))
        .exec(&txn)
        .await?;
    analytics::record::links_changed(&txn, &[channel_id]).await?;
    let before = json!({ "departmentId": department_id });
    audit::record(
        &txn,
        Some(actor.user_id),
        audit::Action::ChannelUnlinked,
        Subject::Channel(channel_id),
        Some(before),
        None,
    )
    .await?;
    let channel = touch(&txn, channel).await?;
    txn.commit().await?;
    Ok(channel)
}

/// Archives a channel: from then on it is read-only.
#[instrument(skip(db, viewer))]
pub async fn archive(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel_id: Uuid,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let channel = authorize(&txn, actor, channel_id, "channelId", Change::Archive).await?;
    let now = Utc::now();
    let mut active = channel.into_active_model();
    active.archived_at = Set(Some(now));
    active.updated_at = Set(now);
    let archived = active.update(&txn).await?;
    let after = json!({ "archivedAt": archived.archived_at });
    audit::record(
        &txn,
        Some(actor.user_id),
        audit::Action::ChannelArchived,
        Subject::Channel(channel_id),
        Some(json!({ "archivedAt": null })),
        Some(after),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(channel.id = %channel_id, "channel archived");
    Ok(archived.into())
}

/// Loads a channel for a change by `actor`, in order: it exists and the
/// actor may see it (else NOT_FOUND), the rule allows the change (else
/// FORBIDDEN), it is not archived (else CONFLICT on `field`).
pub(super) async fn authorize(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    channel_id: Uuid,
    field: &str,
    change: Change,
) -> Result<channels::Model> {
    let access = access::load(conn, actor, channel_id, "Channel").await?;
    access.require_manage(change)?;
    access.require_open(field)?;
    Ok(access.into_row())
}

/// What the audit log keeps of a channel.
fn described(channel: &channels::Model) -> serde_json::Value {
    json!({
        "slug": channel.slug,
        "name": channel.name,
        "topic": channel.topic,
        "visibility": channel.visibility,
    })
}

/// A slug made from a channel's name (`Q4 Launch!` → `q4-launch`), or
/// `None` when the name has too few letters or digits to make one.
pub fn slug_from_name(name: &str) -> Option<Slug> {
    Slug::from_text(name, 64)
}

async fn department_exists(conn: &impl ConnectionTrait, department_id: Uuid) -> Result<()> {
    departments::Entity::find_by_id(department_id)
        .one(conn)
        .await?
        .map(|_| ())
        .ok_or(Error::NotFound("Department"))
}

/// Marks the channel as changed now.
async fn touch(conn: &impl ConnectionTrait, channel: channels::Model) -> Result<Channel> {
    let mut active = channel.into_active_model();
    active.updated_at = Set(Utc::now());
    Ok(active.update(conn).await?.into())
}

fn slug_clash(err: sea_orm::DbErr, slug: &Slug) -> Error {
    if is_unique_violation(&err) {
        Error::conflict(
            "slug",
            format!("A channel with slug '{}' already exists.", slug.as_str()),
        )
    } else {
        err.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_derived_from_names() {
        let derived = |name: &str| slug_from_name(name).map(|s| s.as_str().to_owned());
        assert_eq!(derived("Q4 Launch!"), Some("q4-launch".to_owned()));
        assert_eq!(
            derived("  HR & Support -- onboarding "),
            Some("hr-support-onboarding".to_owned())
        );
        assert_eq!(derived("Ünïcode café"), Some("unicode-cafe".to_owned()));
        assert_eq!(derived("!"), None);
        assert_eq!(derived("x"), None);
        let long = derived(&"a".repeat(300)).unwrap_or_default();
        assert_eq!(long.len(), 64);
    }
}
