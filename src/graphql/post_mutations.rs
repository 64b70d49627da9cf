//! Guest post mutations: drafting and editing (the author), and every
//! workflow transition (the author or a reviewer). Each takes one `input`,
//! calls one domain function in `domain::posts` (which checks the workflow
//! and the policy) and returns a payload.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::context::ContextExt;
use super::node::{Kind, decode_as};
use super::posts::GuestPost;
use crate::domain::posts::Transition;
use crate::domain::posts::edit::{self, DraftChanges, NewDraft};
use crate::domain::posts::review::{self, TransitionInput};

/// The input of `createPostDraft`.
#[derive(InputObject)]
pub struct CreatePostDraftInput {
    /// One line, 1–200 characters.
    pub title: String,
    /// Markdown, not empty, at most 256 KiB.
    pub body: String,
    /// At most 500 characters; shown on the blog index and in link previews.
    pub excerpt: Option<String>,
    /// A department you belong to.
    pub department_id: ID,
    /// The day you hope it appears: the editorial calendar's intent, at most
    /// five years ahead; not a schedule.
    pub planned_for: Option<NaiveDate>,
    /// 2–64 of a-z, 0-9 and single hyphens, unique among posts; derived
    /// from the title when omitted.
    pub slug: Option<String>,
    /// The message thread the post grew from: the id of its first message.
    pub source_thread_id: Option<ID>,
    /// Your own check-in the post grew from (not with `sourceThreadId`).
    pub source_checkin_id: Option<ID>,
}

/// The input of `updatePostDraft`: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePostDraftInput {
    /// Your post, in DRAFT or CHANGES_REQUESTED.
    pub id: ID,
    /// The `version` you last saw; a stale one is a CONFLICT.
    pub expected_version: i32,
    /// One line, 1–200 characters.
    pub title: Option<String>,
    /// Markdown, not empty, at most 256 KiB.
    pub body: Option<String>,
    /// At most 500 characters; empty clears it.
    pub excerpt: Option<String>,
    /// A department you belong to.
    pub department_id: Option<ID>,
    /// The day you hope it appears, at most five years ahead.
    pub planned_for: Option<NaiveDate>,
    /// 2–64 of a-z, 0-9 and single hyphens, unique among posts. Until you
    /// set one, the slug follows the title.
    pub slug: Option<String>,
    /// The message thread the post grew from: the id of its first message.
    pub source_thread_id: Option<ID>,
}

/// The post a step of the workflow applies to: the input of `submitPost`,
/// `withdrawPost`, `unschedulePost`, `publishPost` and `unpublishPost`.
#[derive(InputObject)]
pub struct PostIdInput {
    /// The post.
    pub id: ID,
}

/// A post in review and a reviewer's comment for its author: the input of
/// `requestPostChanges` and `approvePost`.
#[derive(InputObject)]
pub struct PostCommentInput {
    /// The post, IN_REVIEW.
    pub id: ID,
    /// Up to 4,000 characters. Required when requesting changes; optional
    /// when approving.
    pub comment: Option<String>,
}

/// The input of `rejectPost`.
#[derive(InputObject)]
pub struct RejectPostInput {
    /// The post, IN_REVIEW.
    pub id: ID,
    /// Why: required (up to 4,000 characters), and shown to the author.
    pub reason: String,
}

/// The input of `schedulePost`.
#[derive(InputObject)]
pub struct SchedulePostInput {
    /// The post, APPROVED.
    pub id: ID,
    /// When to publish; must be in the future.
    pub publish_at: DateTime<Utc>,
}

/// The post after the mutation.
#[derive(SimpleObject)]
pub struct PostPayload {
    /// The post as it is now, with its new status and `version`.
    pub post: GuestPost,
}

/// Drafting guest posts and every step of their workflow.
#[derive(Default)]
pub struct PostMutation;

#[Object]
impl PostMutation {
    /// Starts a guest post about your work.
    async fn create_post_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft.")] input: CreatePostDraftInput,
    ) -> Result<PostPayload> {
        let draft = NewDraft {
            title: input.title,
            body: input.body,
            excerpt: input.excerpt,
            department_id: decode_as("departmentId", Kind::Department, &input.department_id)?,
            planned_for: input.planned_for,
            slug: input.slug,
            source_thread: source_thread(input.source_thread_id.as_ref())?,
            source_checkin: input
                .source_checkin_id
                .map(|id| decode_as("sourceCheckinId", Kind::Checkin, &id))
                .transpose()?,
        };
        let post =
            edit::create_draft(ctx.db(), ctx.viewer(), &ctx.state().config.limits, draft).await?;
        Ok(PostPayload {
            post: GuestPost::one(post),
        })
    }

    /// Edits your draft (DRAFT or CHANGES_REQUESTED) from the version you saw.
    async fn update_post_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post, the version you saw, and the fields to change.")]
        input: UpdatePostDraftInput,
    ) -> Result<PostPayload> {
        let changes = DraftChanges {
            id: decode_as("id", Kind::GuestPost, &input.id)?,
            expected_version: input.expected_version,
            title: input.title,
            body: input.body,
            excerpt: input.excerpt,
            department_id: input
                .department_id
                .map(|id| decode_as("departmentId", Kind::Department, &id))
                .transpose()?,
            planned_for: input.planned_for,
            slug: input.slug,
            source_thread: source_thread(input.source_thread_id.as_ref())?,
        };
        let post = edit::update_draft(ctx.db(), ctx.viewer(), changes).await?;
        Ok(PostPayload {
            post: GuestPost::one(post),
        })
    }

    /// Sends your post to the communications team for review.
    async fn submit_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your post, in DRAFT.")] input: PostIdInput,
    ) -> Result<PostPayload> {
        transition(ctx, &input.id, Transition::Submit, None, None).await
    }

    /// Takes your post back out of review, to DRAFT.
    async fn withdraw_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your post, IN_REVIEW.")] input: PostIdInput,
    ) -> Result<PostPayload> {
        transition(ctx, &input.id, Transition::Withdraw, None, None).await
    }

    /// Asks the author for changes, saying which (reviewers).
    async fn request_post_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post, and the changes you ask for.")] input: PostCommentInput,
    ) -> Result<PostPayload> {
        transition(
            ctx,
            &input.id,
            Transition::RequestChanges,
            input.comment,
            None,
        )
        .await
    }

    /// Approves a post in review (reviewers; never your own).
    async fn approve_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post, and a note for the author if you like.")]
        input: PostCommentInput,
    ) -> Result<PostPayload> {
        transition(ctx, &input.id, Transition::Approve, input.comment, None).await
    }

    /// Rejects a post in review, with a reason (reviewers). Final.
    async fn reject_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post, and why.")] input: RejectPostInput,
    ) -> Result<PostPayload> {
        transition(ctx, &input.id, Transition::Reject, Some(input.reason), None).await
    }

    /// Schedules an approved post to publish itself at `publishAt` (reviewers).
    async fn schedule_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post, and when to publish it.")] input: SchedulePostInput,
    ) -> Result<PostPayload> {
        transition(
            ctx,
            &input.id,
            Transition::Schedule,
            None,
            Some(input.publish_at),
        )
        .await
    }

    /// Takes a scheduled post back to APPROVED (reviewers).
    async fn unschedule_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post, SCHEDULED.")] input: PostIdInput,
    ) -> Result<PostPayload> {
        transition(ctx, &input.id, Transition::Unschedule, None, None).await
    }

    /// Publishes an approved post now (reviewers; never your own).
    async fn publish_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post, APPROVED.")] input: PostIdInput,
    ) -> Result<PostPayload> {
        transition(ctx, &input.id, Transition::Publish, None, None).await
    }

    /// Takes a post off the blog, back to APPROVED (reviewers).
    async fn unpublish_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post, PUBLISHED.")] input: PostIdInput,
    ) -> Result<PostPayload> {
        transition(ctx, &input.id, Transition::Unpublish, None, None).await
    }
}

fn source_thread(id: Option<&ID>) -> crate::error::Result<Option<uuid::Uuid>> {
    id.map(|id| decode_as("sourceThreadId", Kind::Message, id))
        .transpose()
}

async fn transition(
    ctx: &Context<'_>,
    id: &ID,
    transition: Transition,
    comment: Option<String>,
    publish_at: Option<DateTime<Utc>>,
) -> Result<PostPayload> {
    let input = TransitionInput {
        post_id: decode_as("id", Kind::GuestPost, id)?,
        transition,
        comment,
        publish_at,
    };
    let post = review::apply(ctx.db(), ctx.viewer(), input).await?;
    Ok(PostPayload {
        post: GuestPost::one(post),
    })
}
