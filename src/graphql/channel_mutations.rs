//! Channel mutations: each takes one `input`, calls one domain function in
//! `domain::channels` (which checks the rules) and returns a payload.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use uuid::Uuid;

use super::channels::{Channel, ChannelVisibility};
use super::context::ContextExt;
use super::departments::Department;
use super::loaders::Loaders;
use super::node::{Kind, decode_as};
use super::people::User;
use crate::domain::channels::edit::{self, ChannelChanges, NewChannel};
use crate::domain::channels::{self, membership};
use crate::domain::people;
use crate::error::Error;

#[derive(InputObject)]
pub struct CreateChannelInput {
    /// 1–80 characters.
    pub name: String,
    /// 2–64 of a-z, 0-9 and single hyphens; made from the name if omitted.
    pub slug: Option<String>,
    /// Up to 500 characters.
    pub topic: Option<String>,
    /// PUBLIC if omitted.
    pub visibility: Option<ChannelVisibility>,
    /// At least one; two or more make the channel a synapse.
    pub department_ids: Vec<ID>,
}

#[derive(SimpleObject)]
pub struct CreateChannelPayload {
    pub channel: Channel,
}

#[derive(InputObject)]
pub struct UpdateChannelInput {
    pub id: ID,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub topic: Option<String>,
    pub visibility: Option<ChannelVisibility>,
}

#[derive(SimpleObject)]
pub struct UpdateChannelPayload {
    pub channel: Channel,
}

#[derive(InputObject)]
pub struct LinkChannelDepartmentInput {
    pub channel_id: ID,
    pub department_id: ID,
}

#[derive(SimpleObject)]
pub struct LinkChannelDepartmentPayload {
    pub channel: Channel,
    pub department: Department,
}

#[derive(InputObject)]
pub struct UnlinkChannelDepartmentInput {
    pub channel_id: ID,
    pub department_id: ID,
}

#[derive(SimpleObject)]
pub struct UnlinkChannelDepartmentPayload {
    pub channel: Channel,
    pub department: Department,
}

#[derive(InputObject)]
pub struct JoinChannelInput {
    pub channel_id: ID,
}

#[derive(SimpleObject)]
pub struct JoinChannelPayload {
    pub channel: Channel,
}

#[derive(InputObject)]
pub struct LeaveChannelInput {
    pub channel_id: ID,
}

#[derive(SimpleObject)]
pub struct LeaveChannelPayload {
    pub channel_id: ID,
    /// The channel, or null when the viewer may no longer see it (a private
    /// channel they left).
    pub channel: Option<Channel>,
}

#[derive(InputObject)]
pub struct AddChannelMemberInput {
    pub channel_id: ID,
    pub user_id: ID,
}

#[derive(SimpleObject)]
pub struct AddChannelMemberPayload {
    pub channel: Channel,
    pub user: User,
}

#[derive(InputObject)]
pub struct RemoveChannelMemberInput {
    pub channel_id: ID,
    pub user_id: ID,
}

#[derive(SimpleObject)]
pub struct RemoveChannelMemberPayload {
    pub channel_id: ID,
    /// The channel, or null when the viewer may no longer see it.
    pub channel: Option<Channel>,
    pub user: User,
}

#[derive(InputObject)]
pub struct ArchiveChannelInput {
    pub channel_id: ID,
}

#[derive(SimpleObject)]
pub struct ArchiveChannelPayload {
    pub channel: Channel,
}

#[derive(Default)]
pub struct ChannelMutation;

#[Object]
impl ChannelMutation {
    /// Creates a channel linked to one or more departments; the creator
    /// becomes its first member (anyone signed in).
    async fn create_channel(
        &self,
        ctx: &Context<'_>,
        input: CreateChannelInput,
    ) -> Result<CreateChannelPayload> {
        let department_ids = input
            .department_ids
            .iter()
            .map(|id| decode_as("departmentIds", Kind::Department, id))
            .collect::<crate::error::Result<Vec<Uuid>>>()?;
        let new = NewChannel {
            name: input.name,
            slug: input.slug,
            topic: input.topic,
            visibility: input.visibility.unwrap_or(ChannelVisibility::Public).into(),
            department_ids,
        };
        let channel = edit::create(ctx.db(), ctx.viewer(), new).await?;
        Ok(CreateChannelPayload {
            channel: Channel(channel),
        })
    }

    /// Edits a channel (its creator, admins). Omitted fields stay as they are.
    async fn update_channel(
        &self,
        ctx: &Context<'_>,
        input: UpdateChannelInput,
    ) -> Result<UpdateChannelPayload> {
        let changes = ChannelChanges {
            id: decode_as("id", Kind::Channel, &input.id)?,
            name: input.name,
            slug: input.slug,
            topic: input.topic,
            visibility: input.visibility.map(Into::into),
        };
        let channel = edit::update(ctx.db(), ctx.viewer(), changes).await?;
        Ok(UpdateChannelPayload {
            channel: Channel(channel),
        })
    }

    /// Links a channel to another department (its creator, admins).
    async fn link_channel_department(
        &self,
        ctx: &Context<'_>,
        input: LinkChannelDepartmentInput,
    ) -> Result<LinkChannelDepartmentPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let department_id = decode_as("departmentId", Kind::Department, &input.department_id)?;
        let channel =
            edit::link_department(ctx.db(), ctx.viewer(), channel_id, department_id).await?;
        let department = Loaders::department(ctx, department_id).await?;
        Ok(LinkChannelDepartmentPayload {
            channel: Channel(channel),
            department: Department(department),
        })
    }

    /// Unlinks a department from a channel (its creator, admins); a channel
    /// keeps at least one department.
    async fn unlink_channel_department(
        &self,
        ctx: &Context<'_>,
        input: UnlinkChannelDepartmentInput,
    ) -> Result<UnlinkChannelDepartmentPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let department_id = decode_as("departmentId", Kind::Department, &input.department_id)?;
        let channel =
            edit::unlink_department(ctx.db(), ctx.viewer(), channel_id, department_id).await?;
        let department = Loaders::department(ctx, department_id).await?;
        Ok(UnlinkChannelDepartmentPayload {
            channel: Channel(channel),
            department: Department(department),
        })
    }

    /// Joins a public channel (free for anyone signed in).
    async fn join_channel(
        &self,
        ctx: &Context<'_>,
        input: JoinChannelInput,
    ) -> Result<JoinChannelPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let channel = membership::join(ctx.db(), ctx.viewer(), channel_id).await?;
        Ok(JoinChannelPayload {
            channel: Channel(channel),
        })
    }

    /// Leaves a channel.
    async fn leave_channel(
        &self,
        ctx: &Context<'_>,
        input: LeaveChannelInput,
    ) -> Result<LeaveChannelPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        membership::leave(ctx.db(), ctx.viewer(), channel_id).await?;
        Ok(LeaveChannelPayload {
            channel_id: input.channel_id,
            channel: still_visible(ctx, channel_id).await?,
        })
    }

    /// Adds a person to a channel (its members, its creator, admins).
    async fn add_channel_member(
        &self,
        ctx: &Context<'_>,
        input: AddChannelMemberInput,
    ) -> Result<AddChannelMemberPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let user_id = decode_as("userId", Kind::User, &input.user_id)?;
        let channel = membership::add_member(ctx.db(), ctx.viewer(), channel_id, user_id).await?;
        let user = people::by_id(ctx.db(), ctx.viewer(), user_id).await?;
        Ok(AddChannelMemberPayload {
            channel: Channel(channel),
            user: User(user),
        })
    }

    /// Removes a person from a channel (its creator, admins).
    async fn remove_channel_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveChannelMemberInput,
    ) -> Result<RemoveChannelMemberPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let user_id = decode_as("userId", Kind::User, &input.user_id)?;
        membership::remove_member(ctx.db(), ctx.viewer(), channel_id, user_id).await?;
        let user = people::by_id(ctx.db(), ctx.viewer(), user_id).await?;
        Ok(RemoveChannelMemberPayload {
            channel_id: input.channel_id,
            channel: still_visible(ctx, channel_id).await?,
            user: User(user),
        })
    }

    /// Archives a channel (its creator, admins): it becomes read-only.
    async fn archive_channel(
        &self,
        ctx: &Context<'_>,
        input: ArchiveChannelInput,
    ) -> Result<ArchiveChannelPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let channel = edit::archive(ctx.db(), ctx.viewer(), channel_id).await?;
        Ok(ArchiveChannelPayload {
            channel: Channel(channel),
        })
    }
}

/// The channel, if the viewer may still see it after a membership change.
async fn still_visible(ctx: &Context<'_>, channel_id: Uuid) -> Result<Option<Channel>> {
    match channels::by_id(ctx.db(), ctx.viewer(), channel_id).await {
        Ok(channel) => Ok(Some(Channel(channel))),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
