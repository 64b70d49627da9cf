//! `postWeeklyDigest`: a department's weekly round summed up in one
//! message (`domain::round::digest`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::context::ContextExt;
use super::messages::Message;
use super::node::{Kind, decode_as};
use crate::domain::round::digest;

/// The input of `postWeeklyDigest`.
#[derive(InputObject)]
pub struct PostWeeklyDigestInput {
    /// The department whose round it sums up.
    pub department_id: ID,
    /// The ISO week, like `2026-W49`.
    pub week: String,
}

/// The result of `postWeeklyDigest`.
#[derive(SimpleObject)]
pub struct PostWeeklyDigestPayload {
    /// The digest message, in the department's channel.
    pub message: Message,
    /// The week it sums up, `2026-W49`.
    pub week: String,
    /// How many of the expected people checked in.
    pub submitted: i32,
    /// The department's active members who were not excused.
    pub expected: i32,
    /// Members away or on a company holiday that week (by its Monday).
    pub excused: i32,
}

/// Posting a department's weekly digest.
#[derive(Default)]
pub struct DigestMutation;

#[Object]
impl DigestMutation {
    /// Posts one message summing up a department's round of a week into a
    /// public channel linked to it (one linked to it alone first, then the
    /// fewest departments, then the oldest): participation (submitted of
    /// expected, excused), then each check-in's wins and challenges, each
    /// linking to the check-in (`/round/checkins/<id>`). For managers of
    /// that department, comms and admins; you join the channel if you are
    /// not a member. A week in which nobody of the department checked in is
    /// BAD_USER_INPUT on `week`; no such channel, on `departmentId`.
    async fn post_weekly_digest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which department and week.")] input: PostWeeklyDigestInput,
    ) -> Result<PostWeeklyDigestPayload> {
        let department = decode_as("departmentId", Kind::Department, &input.department_id)?;
        let state = ctx.state();
        let posted = digest::post_weekly_digest(
            ctx.db(),
            ctx.viewer(),
            &state.config.limits,
            department,
            &input.week,
        )
        .await?;
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(PostWeeklyDigestPayload {
            week: posted.week.to_string(),
            submitted: count(posted.submitted),
            expected: count(posted.expected),
            excused: count(posted.excused),
            message: Message::one(posted.message),
        })
    }
}
