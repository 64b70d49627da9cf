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
use crate::domain::channels::{self, membership, reads};
use crate::domain::people;
use crate::error::Error;

/// The input of `createChannel`.
#[derive(InputObject)]
pub struct CreateChannelInput {
    /// One line, 1–80 characters.
    pub name: String,
    /// 2–64 of a-z, 0-9 and single hyphens, unique; made from the name if
    /// omitted.
    pub slug: Option<String>,
    /// Up to 500 characters.
    pub topic: Option<String>,
    /// PUBLIC if omitted.
    pub visibility: Option<ChannelVisibility>,
    /// At least one and at most 20; two or more make the channel a synapse.
    pub department_ids: Vec<ID>,
}

/// The result of `createChannel`.
#[derive(SimpleObject)]
pub struct CreateChannelPayload {
    /// The new channel, with you as its first member.
    pub channel: Channel,
}

/// The input of `updateChannel`: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateChannelInput {
    /// The channel to change.
    pub id: ID,
    /// One line, 1–80 characters.
    pub name: Option<String>,
    /// 2–64 of a-z, 0-9 and single hyphens, unique.
    pub slug: Option<String>,
    /// Up to 500 characters; empty clears it.
    pub topic: Option<String>,
    /// Who may find the channel.
    pub visibility: Option<ChannelVisibility>,
}

/// The result of `updateChannel`.
#[derive(SimpleObject)]
pub struct UpdateChannelPayload {
    /// The channel as it is now.
    pub channel: Channel,
}

/// The input of `linkChannelDepartment`.
#[derive(InputObject)]
pub struct LinkChannelDepartmentInput {
    /// The channel.
    pub channel_id: ID,
    /// The department to link it to.
    pub department_id: ID,
}

/// The result of `linkChannelDepartment`.
#[derive(SimpleObject)]
pub struct LinkChannelDepartmentPayload {
    /// The channel, now linked to the department.
    pub channel: Channel,
    /// The department linked.
    pub department: Department,
}

/// The input of `unlinkChannelDepartment`.
#[derive(InputObject)]
pub struct UnlinkChannelDepartmentInput {
    /// The channel.
    pub channel_id: ID,
    /// The department to unlink; not the channel's last one.
    pub department_id: ID,
}

/// The result of `unlinkChannelDepartment`.
#[derive(SimpleObject)]
pub struct UnlinkChannelDepartmentPayload {
    /// The channel, no longer linked to the department.
    pub channel: Channel,
    /// The department unlinked.
    pub department: Department,
}

/// The input of `markChannelRead`.
#[derive(InputObject)]
pub struct MarkChannelReadInput {
    /// A channel you are a member of.
    pub channel_id: ID,
    /// The last message you read, a thread's first message or a reply, of
    /// this channel: it and everything before it are read. Omitted:
    /// everything up to now.
    pub up_to: Option<ID>,
}

/// The result of `markChannelRead`.
#[derive(SimpleObject)]
pub struct MarkChannelReadPayload {
    /// The channel, with your new `unreadCount`, `mentionCount` and
    /// `lastReadAt`.
    pub channel: Channel,
}

/// The input of `joinChannel`.
#[derive(InputObject)]
pub struct JoinChannelInput {
    /// A public channel; joining one you are in changes nothing.
    pub channel_id: ID,
}

/// The result of `joinChannel`.
#[derive(SimpleObject)]
pub struct JoinChannelPayload {
    /// The channel, with you as a member.
    pub channel: Channel,
}

/// The input of `leaveChannel`.
#[derive(InputObject)]
pub struct LeaveChannelInput {
    /// The channel; leaving one you are not in changes nothing.
    pub channel_id: ID,
}

/// The result of `leaveChannel`.
#[derive(SimpleObject)]
pub struct LeaveChannelPayload {
    /// The channel you left, even when `channel` is null.
    pub channel_id: ID,
    /// The channel, or null when the viewer may no longer see it (a private
    /// channel they left).
    pub channel: Option<Channel>,
}

/// The input of `addChannelMember`.
#[derive(InputObject)]
pub struct AddChannelMemberInput {
    /// The channel.
    pub channel_id: ID,
    /// The person to add.
    pub user_id: ID,
}

/// The result of `addChannelMember`.
#[derive(SimpleObject)]
pub struct AddChannelMemberPayload {
    /// The channel, with its new member.
    pub channel: Channel,
    /// The person added.
    pub user: User,
}

/// The input of `removeChannelMember`.
#[derive(InputObject)]
pub struct RemoveChannelMemberInput {
    /// The channel.
    pub channel_id: ID,
    /// The person to remove.
    pub user_id: ID,
}

/// The result of `removeChannelMember`.
#[derive(SimpleObject)]
pub struct RemoveChannelMemberPayload {
    /// The channel the person was removed from, even when `channel` is null.
    pub channel_id: ID,
    /// The channel, or null when the viewer may no longer see it.
    pub channel: Option<Channel>,
    /// The person removed.
    pub user: User,
}

/// The input of `archiveChannel`.
#[derive(InputObject)]
pub struct ArchiveChannelInput {
    /// A channel you created (admins: any).
    pub channel_id: ID,
}

/// The result of `archiveChannel`.
#[derive(SimpleObject)]
pub struct ArchiveChannelPayload {
    /// The channel, with `archivedAt` set.
    pub channel: Channel,
}

/// Creating, changing, joining and leaving channels.
#[derive(Default)]
pub struct ChannelMutation;

#[Object]
impl ChannelMutation {
    /// Creates a channel linked to one or more departments; the creator
    /// becomes its first member (anyone signed in).
    async fn create_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new channel.")] input: CreateChannelInput,
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
            channel: Channel::one(channel),
        })
    }

    /// Edits a channel (its creator, admins). Omitted fields stay as they are.
    async fn update_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel and the fields to change.")] input: UpdateChannelInput,
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
            channel: Channel::one(channel),
        })
    }

    /// Links a channel to another department (its creator, admins).
    async fn link_channel_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel and the department to link.")]
        input: LinkChannelDepartmentInput,
    ) -> Result<LinkChannelDepartmentPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let department_id = decode_as("departmentId", Kind::Department, &input.department_id)?;
        let channel =
            edit::link_department(ctx.db(), ctx.viewer(), channel_id, department_id).await?;
        let department = Loaders::department(ctx, department_id).await?;
        Ok(LinkChannelDepartmentPayload {
            channel: Channel::one(channel),
            department: Department::one(department),
        })
    }

    /// Unlinks a department from a channel (its creator, admins); a channel
    /// keeps at least one department.
    async fn unlink_channel_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel and the department to unlink.")]
        input: UnlinkChannelDepartmentInput,
    ) -> Result<UnlinkChannelDepartmentPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let department_id = decode_as("departmentId", Kind::Department, &input.department_id)?;
        let channel =
            edit::unlink_department(ctx.db(), ctx.viewer(), channel_id, department_id).await?;
        let department = Loaders::department(ctx, department_id).await?;
        Ok(UnlinkChannelDepartmentPayload {
            channel: Channel::one(channel),
            department: Department::one(department),
        })
    }

    /// Marks a channel read up to and including a message (or everything
    /// up to now), for you on every tab and device: your other sessions hear
    /// it through `channelReadChanged`. Your read marker never moves back:
    /// marking an older message changes nothing. Members only.
    async fn mark_channel_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel, and how far you read.")] input: MarkChannelReadInput,
    ) -> Result<MarkChannelReadPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let up_to = input
            .up_to
            .as_ref()
            .map(|id| decode_as("upTo", Kind::Message, id))
            .transpose()?;
        let channel = reads::mark_read(ctx.db(), ctx.viewer(), channel_id, up_to).await?;
        Ok(MarkChannelReadPayload {
            channel: Channel::one(channel),
        })
    }

    /// Joins a public channel (free for anyone signed in).
    async fn join_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel to join.")] input: JoinChannelInput,
    ) -> Result<JoinChannelPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let channel = membership::join(ctx.db(), ctx.viewer(), channel_id).await?;
        Ok(JoinChannelPayload {
            channel: Channel::one(channel),
        })
    }

    /// Leaves a channel.
    async fn leave_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel to leave.")] input: LeaveChannelInput,
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
        #[graphql(desc = "The channel and the person to add.")] input: AddChannelMemberInput,
    ) -> Result<AddChannelMemberPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let user_id = decode_as("userId", Kind::User, &input.user_id)?;
        let channel = membership::add_member(ctx.db(), ctx.viewer(), channel_id, user_id).await?;
        let user = people::by_id(ctx.db(), ctx.viewer(), user_id).await?;
        Ok(AddChannelMemberPayload {
            channel: Channel::one(channel),
            user: User::one(user),
        })
    }

    /// Removes a person from a channel (its creator, admins).
    async fn remove_channel_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel and the person to remove.")] input: RemoveChannelMemberInput,
    ) -> Result<RemoveChannelMemberPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let user_id = decode_as("userId", Kind::User, &input.user_id)?;
        membership::remove_member(ctx.db(), ctx.viewer(), channel_id, user_id).await?;
        let user = people::by_id(ctx.db(), ctx.viewer(), user_id).await?;
        Ok(RemoveChannelMemberPayload {
            channel_id: input.channel_id,
            channel: still_visible(ctx, channel_id).await?,
            user: User::one(user),
        })
    }

    /// Archives a channel (its creator, admins): it becomes read-only.
    async fn archive_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel to archive.")] input: ArchiveChannelInput,
    ) -> Result<ArchiveChannelPayload> {
        let channel_id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let channel = edit::archive(ctx.db(), ctx.viewer(), channel_id).await?;
        Ok(ArchiveChannelPayload {
            channel: Channel::one(channel),
        })
    }
}

/// The channel, if the viewer may still see it after a membership change.
async fn still_visible(ctx: &Context<'_>, channel_id: Uuid) -> Result<Option<Channel>> {
    match channels::by_id(ctx.db(), ctx.viewer(), channel_id).await {
        Ok(channel) => Ok(Some(Channel::one(channel))),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
