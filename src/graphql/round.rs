//! The weekly round: check-ins, their challenges, and the round of a
//! department (`weeklyRound`). Thin: the rules are in `domain::round`.

use async_graphql::connection::{Connection, DefaultConnectionName, DefaultEdgeName, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::context::ContextExt;
use super::departments::Department;
use super::loaders::Loaders;
use super::messages::Message;
use super::node::{Kind, decode_as, global_id};
use super::pagination::connection;
use super::people::User;
use crate::domain::pagination::Cursor;
use crate::domain::posts::render::markdown_to_safe_html;
use crate::domain::round::checkins::{self, NewChallenge, NewCheckin, RoundSettings, Status};
use crate::entities::{checkin_challenges, checkins as rows};

/// One person's check-in for one ISO week (`Checkin`).
pub struct Checkin(pub rows::Model);

/// One person's check-in for one ISO week: last week's wins and this
/// week's challenges. Every signed-in person sees it; its `mood` only its
/// author.
#[Object]
impl Checkin {
    /// The check-in's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Checkin, self.0.id)
    }
    /// The ISO week, written `2026-W49`.
    async fn week(&self) -> &str {
        &self.0.week
    }
    /// The Monday of the week.
    async fn week_start(&self) -> NaiveDate {
        self.0.week_start
    }
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(Loaders::person(ctx, self.0.user_id).await?))
    }
    /// Last week's efforts, markdown as written.
    async fn wins(&self) -> &str {
        &self.0.wins
    }
    /// The wins rendered to sanitized HTML.
    async fn wins_html(&self) -> String {
        markdown_to_safe_html(&self.0.wins)
    }
    /// This week's challenges, in the author's order.
    async fn challenges(&self, ctx: &Context<'_>) -> Result<Vec<Challenge>> {
        let found = ctx
            .data_unchecked::<Loaders>()
            .challenges_of
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(found.into_iter().map(Challenge).collect())
    }
    /// How the week feels, 1–5: null unless you are the author (others see
    /// mood only as a department average over enough people).
    async fn mood(&self, ctx: &Context<'_>) -> Option<i32> {
        let mine = ctx
            .viewer()
            .actor()
            .is_some_and(|a| a.user_id == self.0.user_id);
        self.0.mood.filter(|_| mine).map(i32::from)
    }
    /// When it was first submitted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The challenges of the author's previous check-in that are not
    /// resolved: a starting point. Empty for everyone but the author.
    async fn carried_over(&self, ctx: &Context<'_>) -> Result<Vec<Challenge>> {
        let mine = ctx
            .viewer()
            .actor()
            .is_some_and(|a| a.user_id == self.0.user_id);
        if !mine {
            return Ok(Vec::new());
        }
        let week = crate::domain::round::week::Week::containing(self.0.week_start);
        let found = checkins::carried_over(ctx.db(), self.0.user_id, week).await?;
        Ok(found.into_iter().map(Challenge).collect())
    }
}

/// A challenge of a check-in (`Challenge`).
pub struct Challenge(pub checkin_challenges::Model);

/// Where a challenge stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChallengeStatus {
    /// Not answered by the addressed department (or addressed to none) and
    /// not resolved.
    Open,
    /// A member of the addressed department replied in its thread.
    Answered,
    /// Its author marked it resolved.
    Resolved,
}

/// One of a check-in's challenges, optionally addressed to another
/// department, in which case it opened a thread in a channel the two share.
#[Object]
impl Challenge {
    /// The challenge's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Challenge, self.0.id)
    }
    /// Markdown as written.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The body rendered to sanitized HTML.
    async fn body_html(&self) -> String {
        markdown_to_safe_html(&self.0.body)
    }
    /// The department asked for help, if any.
    async fn department(&self, ctx: &Context<'_>) -> Result<Option<Department>> {
        match self.0.department_id {
            Some(id) => Ok(Some(Department(Loaders::department(ctx, id).await?))),
            None => Ok(None),
        }
    }
    /// OPEN, ANSWERED (a member of the addressed department replied in its
    /// thread) or RESOLVED (by its author).
    async fn status(&self) -> ChallengeStatus {
        match checkins::status(&self.0) {
            Status::Open => ChallengeStatus::Open,
            Status::Answered => ChallengeStatus::Answered,
            Status::Resolved => ChallengeStatus::Resolved,
        }
    }
    /// When a member of the addressed department first replied in its thread.
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }
    /// Who that was.
    async fn answered_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.answered_by {
            Some(id) => Ok(Some(User(Loaders::person(ctx, id).await?))),
            None => Ok(None),
        }
    }
    /// When its author resolved it.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// The first message of the thread it opened, if addressed and you may
    /// see the channel.
    async fn thread(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        match self.0.thread_message_id {
            Some(id) => Message::visible(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// A page of check-ins.
pub type CheckinConnection =
    Connection<Cursor, Checkin, EmptyFields, EmptyFields, DefaultConnectionName, DefaultEdgeName>;

/// Reading the round.
#[derive(Default)]
pub struct RoundQuery;

#[Object]
impl RoundQuery {
    /// Your check-ins, newest week first.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn my_checkins(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end, or before `before`: 1–100 (the default cap); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "End before this cursor (an edge's `cursor`, or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<CheckinConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let found = checkins::mine(ctx.db(), ctx.viewer(), &page).await?;
        Ok(connection(found, Checkin, EmptyFields))
    }

    /// The challenges of your latest check-in before the current week (in
    /// your zone) that you have not resolved: a starting point for this
    /// week's.
    async fn my_carried_over(&self, ctx: &Context<'_>) -> Result<Vec<Challenge>> {
        let zone = ctx.state().config.round.default_zone()?;
        let found = checkins::my_carried_over(ctx.db(), ctx.viewer(), zone).await?;
        Ok(found.into_iter().map(Challenge).collect())
    }
}

/// One challenge of `submitCheckin`.
#[derive(InputObject)]
pub struct ChallengeInput {
    /// One of this check-in's challenges, to keep it (its thread, answer
    /// and resolution) with this body and place; omit for a new one.
    pub id: Option<ID>,
    /// Markdown, 1 character to 64 KiB.
    pub body: String,
    /// A department other than yours to ask for help: opens a thread in a
    /// channel the two share. A kept challenge keeps its department.
    pub department_id: Option<ID>,
}

/// The input of `submitCheckin`.
#[derive(InputObject)]
pub struct SubmitCheckinInput {
    /// The ISO week (`2026-W49`); the current week in your zone when
    /// omitted. Only the current week can be written.
    pub week: Option<String>,
    /// Last week's efforts, markdown up to 64 KiB (may be empty).
    #[graphql(default)]
    pub wins: String,
    /// This week's challenges, at most 20: the whole list (challenges not
    /// listed are removed; a removed challenge's thread stays).
    #[graphql(default)]
    pub challenges: Vec<ChallengeInput>,
    /// How the week feels, 1–5; only you see it.
    pub mood: Option<i32>,
}

/// The result of `submitCheckin`.
#[derive(SimpleObject)]
pub struct SubmitCheckinPayload {
    /// The check-in as stored.
    pub checkin: Checkin,
}

/// The input of `resolveChallenge` and `reopenChallenge`.
#[derive(InputObject)]
pub struct ResolveChallengeInput {
    /// One of your challenges.
    pub challenge_id: ID,
}

/// The result of `resolveChallenge` and `reopenChallenge`.
#[derive(SimpleObject)]
pub struct ResolveChallengePayload {
    /// The challenge as stored.
    pub challenge: Challenge,
}

/// Writing the round.
#[derive(Default)]
pub struct RoundMutation;

#[Object]
impl RoundMutation {
    /// Creates or replaces your check-in for a week (the current one in
    /// your zone): wins, challenges and mood. Challenges addressed to
    /// another department open a thread in a channel the two share, in the
    /// same transaction; if they share none, nothing is written.
    async fn submit_checkin(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The check-in.")] input: SubmitCheckinInput,
    ) -> Result<SubmitCheckinPayload> {
        let mut challenges = Vec::with_capacity(input.challenges.len());
        for c in input.challenges {
            challenges.push(NewChallenge {
                id: c
                    .id
                    .map(|id| decode_as("challenges", Kind::Challenge, &id))
                    .transpose()?,
                body: c.body,
                department_id: c
                    .department_id
                    .map(|id| decode_as("challenges", Kind::Department, &id))
                    .transpose()?,
            });
        }
        let state = ctx.state();
        let settings = RoundSettings {
            default_zone: state.config.round.default_zone()?,
            limits: &state.config.limits,
        };
        let new = NewCheckin {
            week: input.week,
            wins: input.wins,
            challenges,
            mood: input.mood,
        };
        let checkin = checkins::submit(ctx.db(), ctx.viewer(), settings, new).await?;
        Ok(SubmitCheckinPayload {
            checkin: Checkin(checkin),
        })
    }

    /// Marks one of your challenges resolved.
    async fn resolve_challenge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which challenge.")] input: ResolveChallengeInput,
    ) -> Result<ResolveChallengePayload> {
        let id = decode_as("challengeId", Kind::Challenge, &input.challenge_id)?;
        let challenge = checkins::set_resolved(ctx.db(), ctx.viewer(), id, true).await?;
        Ok(ResolveChallengePayload {
            challenge: Challenge(challenge),
        })
    }

    /// Opens one of your resolved challenges again.
    async fn reopen_challenge(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which challenge.")] input: ResolveChallengeInput,
    ) -> Result<ResolveChallengePayload> {
        let id = decode_as("challengeId", Kind::Challenge, &input.challenge_id)?;
        let challenge = checkins::set_resolved(ctx.db(), ctx.viewer(), id, false).await?;
        Ok(ResolveChallengePayload {
            challenge: Challenge(challenge),
        })
    }
}
