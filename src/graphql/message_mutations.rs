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

/// The input of `postMessage`.
#[derive(InputObject)]
pub struct PostMessageInput {
    /// The channel; you must be a member (admins: any channel).
    pub channel_id: ID,
    /// Markdown, 1 byte to 64 KiB. `@handle` mentions people.
    pub body: String,
    /// The thread's first message, to reply in its thread (same channel);
    /// omitted, the message starts a thread.
    pub parent_id: Option<ID>,
}

/// The result of `postMessage`.
#[derive(SimpleObject)]
pub struct PostMessagePayload {
    /// The new message.
    pub message: Message,
}

/// The input of `editMessage`.
#[derive(InputObject)]
pub struct EditMessageInput {
    /// One of your messages, not deleted.
    pub id: ID,
    /// The new markdown, 1 byte to 64 KiB; people it newly `@mentions` are
    /// told.
    pub body: String,
}

/// The result of `editMessage`.
#[derive(SimpleObject)]
pub struct EditMessagePayload {
    /// The message, with its new body and `editedAt`.
    pub message: Message,
}

/// The input of `deleteMessage`.
#[derive(InputObject)]
pub struct DeleteMessageInput {
    /// One of your messages (administrators: any).
    pub id: ID,
}

/// The result of `deleteMessage`.
#[derive(SimpleObject)]
pub struct DeleteMessagePayload {
    /// The tombstone.
    pub message: Message,
}

/// The input of `addReaction`.
#[derive(InputObject)]
pub struct AddReactionInput {
    /// The message to react to.
    pub message_id: ID,
    /// One of thumbsup, heart, tada, eyes, laughing, rocket,
    /// white_check_mark, pray.
    pub code: String,
}

/// The result of `addReaction`.
#[derive(SimpleObject)]
pub struct AddReactionPayload {
    /// The message, with its reactions as they are now.
    pub message: Message,
}

/// The input of `removeReaction`.
#[derive(InputObject)]
pub struct RemoveReactionInput {
    /// The message you reacted to.
    pub message_id: ID,
    /// The code you reacted with.
    pub code: String,
}

/// The result of `removeReaction`.
#[derive(SimpleObject)]
pub struct RemoveReactionPayload {
    /// The message, with its reactions as they are now.
    pub message: Message,
}

/// The input of `followThread`.
#[derive(InputObject)]
pub struct FollowThreadInput {
    /// Any message of the thread.
    pub message_id: ID,
}

/// The result of `followThread`.
#[derive(SimpleObject)]
pub struct FollowThreadPayload {
    /// The thread's first message.
    pub message: Message,
}

/// The input of `unfollowThread`.
#[derive(InputObject)]
pub struct UnfollowThreadInput {
    /// Any message of the thread.
    pub message_id: ID,
}

/// The result of `unfollowThread`.
#[derive(SimpleObject)]
pub struct UnfollowThreadPayload {
    /// The thread's first message.
    pub message: Message,
}

/// The input of `muteChannel`.
#[derive(InputObject)]
pub struct MuteChannelInput {
    /// A channel you may see.
    pub channel_id: ID,
}

/// The result of `muteChannel`.
#[derive(SimpleObject)]
pub struct MuteChannelPayload {
    /// The channel, with `viewerHasMuted` true.
    pub channel: Channel,
}

/// The input of `unmuteChannel`.
#[derive(InputObject)]
pub struct UnmuteChannelInput {
    /// A channel you may see.
    pub channel_id: ID,
}

/// The result of `unmuteChannel`.
#[derive(SimpleObject)]
pub struct UnmuteChannelPayload {
    /// The channel, with `viewerHasMuted` false.
    pub channel: Channel,
}

/// Posting, editing and deleting messages, reactions, following threads
/// and muting channels.
#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Posts a message, or a reply in a thread (members of the channel).
    async fn post_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel, the body, and the thread to reply in, if any.")]
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
            message: Message::one(message),
        })
    }

    /// Edits one of your messages.
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message and its new body.")] input: EditMessageInput,
    ) -> Result<EditMessagePayload> {
        let id = decode_as("id", Kind::Message, &input.id)?;
        let message = write::edit(ctx.db(), ctx.viewer(), id, &input.body).await?;
        Ok(EditMessagePayload {
            message: Message::one(message),
        })
    }

    /// Deletes one of your messages (administrators: any), leaving a tombstone.
    async fn delete_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message to delete.")] input: DeleteMessageInput,
    ) -> Result<DeleteMessagePayload> {
        let id = decode_as("id", Kind::Message, &input.id)?;
        let message = write::delete(ctx.db(), ctx.viewer(), id).await?;
        Ok(DeleteMessagePayload {
            message: Message::one(message),
        })
    }

    /// Reacts to a message (members of the channel).
    async fn add_reaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message and the reaction.")] input: AddReactionInput,
    ) -> Result<AddReactionPayload> {
        let id = decode_as("messageId", Kind::Message, &input.message_id)?;
        let message = reactions::add(ctx.db(), ctx.viewer(), id, &input.code).await?;
        Ok(AddReactionPayload {
            message: Message::one(message),
        })
    }

    /// Takes back your reaction.
    async fn remove_reaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message and the reaction to take back.")] input: RemoveReactionInput,
    ) -> Result<RemoveReactionPayload> {
        let id = decode_as("messageId", Kind::Message, &input.message_id)?;
        let message = reactions::remove(ctx.db(), ctx.viewer(), id, &input.code).await?;
        Ok(RemoveReactionPayload {
            message: Message::one(message),
        })
    }

    /// Follows a thread: you are told about its replies.
    async fn follow_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A message of the thread to follow.")] input: FollowThreadInput,
    ) -> Result<FollowThreadPayload> {
        let id = decode_as("messageId", Kind::Message, &input.message_id)?;
        let message = follow::follow(ctx.db(), ctx.viewer(), id).await?;
        Ok(FollowThreadPayload {
            message: Message::one(message),
        })
    }

    /// Stops following a thread.
    async fn unfollow_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A message of the thread to stop following.")] input: UnfollowThreadInput,
    ) -> Result<UnfollowThreadPayload> {
        let id = decode_as("messageId", Kind::Message, &input.message_id)?;
        let message = follow::unfollow(ctx.db(), ctx.viewer(), id).await?;
        Ok(UnfollowThreadPayload {
            message: Message::one(message),
        })
    }

    /// Mutes a channel: no reply notifications from it (mentions still come).
    async fn mute_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel to mute.")] input: MuteChannelInput,
    ) -> Result<MuteChannelPayload> {
        let id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let channel = follow::mute(ctx.db(), ctx.viewer(), id).await?;
        Ok(MuteChannelPayload {
            channel: Channel::one(channel),
        })
    }

    /// Unmutes a channel.
    async fn unmute_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel to unmute.")] input: UnmuteChannelInput,
    ) -> Result<UnmuteChannelPayload> {
        let id = decode_as("channelId", Kind::Channel, &input.channel_id)?;
        let channel = follow::unmute(ctx.db(), ctx.viewer(), id).await?;
        Ok(UnmuteChannelPayload {
            channel: Channel::one(channel),
        })
    }
}
