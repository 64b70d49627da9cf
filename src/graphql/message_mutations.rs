//! Message mutations: each takes one `input`, calls one domain function in
//! `domain::messages` (which checks the rules) and returns a payload.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::channels::Channel;
use super::context::ContextExt;
use super::messages::Message;
use super::node::{Kind, decode_as};
use crate::domain::messages::post::NewMessage;
use crate::domain::messages::write;
use crate::domain::messages::{follow, reactions};

#[derive(InputObject)]
pub struct PostMessageInput {
    pub channel_id: ID,
    /// Markdown, 1 byte to 64 KiB. `@handle` mentions people.
    pub body: String,
    /// The thread's first message, to reply in a thread.
    pub parent_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct PostMessagePayload {
    pub message: Message,
}

#[derive(InputObject)]
pub struct EditMessageInput {
    pub id: ID,
    pub body: String,
}

#[derive(SimpleObject)]
pub struct EditMessagePayload {
    pub message: Message,
}

#[derive(InputObject)]
pub struct DeleteMessageInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct DeleteMessagePayload {
    /// The tombstone.
    pub message: Message,
}

#[derive(InputObject)]
pub struct AddReactionInput {
    pub message_id: ID,
    /// One of thumbsup, heart, tada, eyes, laughing, rocket,
    /// white_check_mark, pray.
    pub code: String,
}

#[derive(SimpleObject)]
pub struct AddReactionPayload {
    pub message: Message,
}

#[derive(InputObject)]
pub struct RemoveReactionInput {
    pub message_id: ID,
    pub code: String,
}

#[derive(SimpleObject)]
pub struct RemoveReactionPayload {
    pub message: Message,
}

#[derive(InputObject)]
pub struct FollowThreadInput {
    /// Any message of the thread.
    pub message_id: ID,
}

#[derive(SimpleObject)]
pub struct FollowThreadPayload {
    /// The thread's first message.
    pub message: Message,
}

#[derive(InputObject)]
pub struct UnfollowThreadInput {
    pub message_id: ID,
}

#[derive(SimpleObject)]
pub struct UnfollowThreadPayload {
    pub message: Message,
}

#[derive(InputObject)]
pub struct MuteChannelInput {
    pub channel_id: ID,
}

#[derive(SimpleObject)]
pub struct MuteChannelPayload {
    pub channel: Channel,
}

#[derive(InputObject)]
pub struct UnmuteChannelInput {
    pub channel_id: ID,
}

#[derive(SimpleObject)]
pub struct UnmuteChannelPayload {
    pub channel: Channel,
}

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Posts a message, or a reply in a thread (members of the channel).
    async fn post_message(
        &self,
        ctx: &Context<'_>,
        input: PostMessageInput,
    ) -> Result<PostMessagePayload> {
        let new = NewMessage {
            channel_id: decode_as("channelId", Kind::Channel, &input.channel_id)?,
            body: input.body,
            parent_id: input
                .parent_id
                .as_ref()
                .map(|id| decode_as("parentId", Kind::Message, id))
                .transpose()?,
        };
        let message = ctx.state().posts.post(ctx.viewer(), new).await?;
        Ok(PostMessagePayload {
            message: Message(message),
        })
    }

    /// Edits one of your messages.
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        input: EditMessageInput,
    ) -> Result<EditMessagePayload> {
        let id = decode_as("id", Kind::Message, &input.id)?;
        let message = write::edit(ctx.db(), ctx.viewer(), id, &input.body).await?;
        Ok(EditMessagePayload {
            message: Message(message),
        })
    }

    /// Deletes one of your messages (administrators: any), leaving a tombstone.
    async fn delete_message(
        &self,
        ctx: &Context<'_>,
        input: DeleteMessageInput,
    ) -> Result<DeleteMessagePayload> {
        let id = decode_as("id", Kind::Message, &input.id)?;
        let message = write::delete(ctx.db(), ctx.viewer(), id).await?;
        Ok(DeleteMessagePayload {
            message: Message(message),
        })
    }

    /// Reacts to a message (members of the channel).
    async fn add_reaction(
        &self,
        ctx: &Context<'_>,
        input: AddReactionInput,
    ) -> Result<AddReactionPayload> {
        let id = decode_as("messageId", Kind::Message, &input.message_id)?;
        let message = reactions::add(ctx.db(), ctx.viewer(), id, &input.code).await?;
        Ok(AddReactionPayload {
            message: Message(message),
        })
    }

    /// Takes back your reaction.
    async fn remove_reaction(
        &self,
        ctx: &Context<'_>,
        input: RemoveReactionInput,
    ) -> Result<RemoveReactionPayload> {
        let id = decode_as("messageId", Kind::Message, &input.message_id)?;
        let message = reactions::remove(ctx.db(), ctx.viewer(), id, &input.code).await?;
        Ok(RemoveReactionPayload {
            message: Message(message),
        })
    }

    /// Follows a thread: you are told about its replies.
    async fn follow_thread(
        &self,
        ctx: &Context<'_>,
        input: FollowThreadInput,
    ) -> Result<FollowThreadPayload> {
        let id = decode_as("messageId", Kind::Message, &input.message_id)?;
        let message = follow::follow(ctx.db(), ctx.viewer(), id).await?;
        Ok(FollowThreadPayload {
            message: Message(message),
        })
    }

    /// Stops following a thread.
    async fn unfollow_thread(
        &self,
        ctx: &Context<'_>,
        input: UnfollowThreadInput,
    ) -> Result<UnfollowThreadPayload> {
        let id = decode_as("messageId", Kind::Message, &input.message_id)?;
        let message = follow::unfollow(ctx.db(), ctx.viewer(), id).await?;
        Ok(UnfollowThreadPayload {
            message: Message(message),
        })
    }

    /// Mutes a channel: no reply notifications from it (mentions still come).
    async fn mute_channel(
        &self,
        ctx: &Context<'_>,
        input: MuteChannelInput,
    ) -> Result<MuteChannelPayload> {
        let id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let channel = follow::mute(ctx.db(), ctx.viewer(), id).await?;
        Ok(MuteChannelPayload {
            channel: Channel(channel),
        })
    }

    /// Unmutes a channel.
    async fn unmute_channel(
        &self,
        ctx: &Context<'_>,
        input: UnmuteChannelInput,
    ) -> Result<UnmuteChannelPayload> {
        let id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let channel = follow::unmute(ctx.db(), ctx.viewer(), id).await?;
        Ok(UnmuteChannelPayload {
            channel: Channel(channel),
        })
    }
}
