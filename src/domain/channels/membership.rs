//! Who is in a channel: joining (public channels, free), leaving, members
//! adding and removing people, and the member lists behind
//! `Channel.members`, `memberCount` and `viewerIsMember`. Every way in goes
//! through [`enter`], which also starts the person's read marker.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QuerySelect, RelationTrait, Set,
};
use tracing::instrument;
use uuid::Uuid;

use super::access::{self, Change};
use super::edit::authorize;
use super::{Channel, reads};
use crate::auth::{Action, Viewer};
use crate::db;
use crate::domain::pagination::{Page, PageArgs, page_per_group};
use crate::domain::people::Person;
use crate::entities::{channel_members, users};
use crate::error::{Error, Result};

/// Joins a public channel; joining one's channel again is a no-op. A private
/// channel is joined only by being added.
#[instrument(skip(db, viewer))]
pub async fn join(db: &DatabaseConnection, viewer: &Viewer, channel_id: Uuid) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let access = access::load(&txn, actor, channel_id, "Channel").await?;
    access.require_join()?;
    access.require_open("channelId")?;
    if !access.is_member() {
        enter(&txn, channel_id, actor.user_id).await?;
    }
    txn.commit().await?;
    Ok(access.into_channel())
}

/// Leaves a channel; leaving a public channel one is not in is a no-op.
#[instrument(skip(db, viewer))]
pub async fn leave(db: &DatabaseConnection, viewer: &Viewer, channel_id: Uuid) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let access = access::load(&txn, actor, channel_id, "Channel").await?;
    access.require_open("channelId")?;
    channel_members::Entity::delete_by_id((channel_id, actor.user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(access.into_channel())
}

/// Adds a person to a channel (its members, creator, admins); adding a
/// member again is a no-op.
#[instrument(skip(db, viewer))]
pub async fn add_member(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel_id: Uuid,
    user_id: Uuid,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let channel = authorize(&txn, actor, channel_id, "channelId", Change::AddMember).await?;
    let person = users::Entity::find_by_id(user_id).one(&txn).await?;
    if person.is_none_or(|p| p.deactivated_at.is_some()) {
        return Err(Error::NotFound("User"));
    }
    if !is_member(&txn, channel_id, user_id).await? {
        enter(&txn, channel_id, user_id).await?;
    }
    txn.commit().await?;
    Ok(channel.into())
}

/// Removes a person from a channel (its creator, admins); removing a
/// non-member is a no-op.
#[instrument(skip(db, viewer))]
pub async fn remove_member(
    db: &DatabaseConnection,
    viewer: &Viewer,
    channel_id: Uuid,
    user_id: Uuid,
) -> Result<Channel> {
    let actor = viewer.require(Action::UseChannels)?;
    let txn = db::begin_write(db).await?;
    let channel = authorize(&txn, actor, channel_id, "channelId", Change::RemoveMember).await?;
    if users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(Error::NotFound("User"));
    }
    channel_members::Entity::delete_by_id((channel_id, user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(channel.into())
}

/// Whether `user_id` is a member of `channel_id`.
async fn is_member(conn: &impl ConnectionTrait, channel_id: Uuid, user_id: Uuid) -> Result<bool> {
    Ok(channel_members::Entity::find_by_id((channel_id, user_id))
        .one(conn)
        .await?
        .is_some())
}

/// Makes `user_id` a member of `channel_id` now (the caller checked that
/// they may be and are not yet), in the caller's transaction, with their
/// read marker at this moment: what was written before is not unread.
pub async fn enter(conn: &impl ConnectionTrait, channel_id: Uuid, user_id: Uuid) -> Result<()> {
    let now = Utc::now();
    channel_members::ActiveModel {
        channel_id: Set(channel_id),
        user_id: Set(user_id),
        joined_at: Set(now),
    }
    .insert(conn)
    .await?;
    reads::start_at(conn, user_id, channel_id, now).await
}

/// Which of `channel_ids` `user_id` is a member of: one query.
pub async fn memberships(
    db: &DatabaseConnection,
    user_id: Uuid,
    channel_ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    Ok(channel_members::Entity::find()
        .filter(channel_members::Column::UserId.eq(user_id))
        .filter(channel_members::Column::ChannelId.is_in(channel_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.channel_id)
        .collect())
}

/// How many active members each of `channel_ids` has: one GROUP BY.
pub async fn member_counts(
    db: &DatabaseConnection,
    channel_ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>> {
    #[derive(FromQueryResult)]
    struct Row {
        channel_id: Uuid,
        members: i64,
    }
    let rows = channel_members::Entity::find()
        .select_only()
        .column(channel_members::Column::ChannelId)
        .column_as(channel_members::Column::UserId.count(), "members")
        .join(JoinType::InnerJoin, channel_members::Relation::User.def())
        .filter(channel_members::Column::ChannelId.is_in(channel_ids.iter().copied()))
        .filter(users::Column::DeactivatedAt.is_null())
        .group_by(channel_members::Column::ChannelId)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.channel_id, u64::try_from(r.members).unwrap_or(0)))
        .collect())
}

/// One page of active members, by name, for each of `channel_ids`, in one
/// query (a window function numbers each channel's members). The callers
/// hold channels the viewer may see.
pub async fn members_of(
    db: &DatabaseConnection,
    channel_ids: &[Uuid],
    page: &PageArgs,
) -> Result<HashMap<Uuid, Page<Person>>> {
    let active_members = Query::select()
        .column((users::Entity, Asterisk))
        .from(channel_members::Entity)
        .inner_join(
            users::Entity,
            Expr::col((users::Entity, users::Column::Id))
                .equals((channel_members::Entity, channel_members::Column::UserId)),
        )
        .and_where(Expr::col((users::Entity, users::Column::DeactivatedAt)).is_null())
        .to_owned();
    page_per_group(
        db,
        active_members,
        (channel_members::Entity, channel_members::Column::ChannelId),
        channel_ids,
        (users::Entity, users::Column::DisplayName),
        (users::Entity, users::Column::Id),
        page,
        Person::from as fn(users::Model) -> Person,
        Person::cursor,
    )
    .await
}
