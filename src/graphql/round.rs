//! The weekly round: check-ins, their challenges, and the round of a
//! department (`weeklyRound`). Thin: the rules are in `domain::round`.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::channels::empty_page;
use super::context::ContextExt;
use super::departments::Department;
use super::loaders::{Batch, CommentsKey, Loaders, PersonPage};
use super::messages::{Message, Reaction};
use super::node::{Kind, decode_as, global_id};
use super::pagination::{Connection, EmptyFields, connection};
use super::people::User;
use crate::auth::Action;
use crate::domain::messages::ReactionGroup;
use crate::domain::posts::render::markdown_to_safe_html;
use crate::domain::round::checkins::{self, NewChallenge, NewCheckin, RoundSettings, Status};
use crate::domain::round::social;
use crate::domain::round::weekly::{self, Standing};
use crate::entities::{checkin_challenges, checkins as rows};

/// One person's check-in for one ISO week (`Checkin`); with the page it
/// came in, if any, which loads its relations for the whole page.
pub struct Checkin(pub rows::Model, pub Option<Arc<CheckinPage>>);

impl Checkin {
    /// A check-in on its own (not from a page).
    pub fn one(checkin: rows::Model) -> Checkin {
        Checkin(checkin, None)
    }
}

/// A page of check-ins (`myCheckins`, a department's round): their
/// authors, challenges and reactions, each loaded for the whole page by
/// the first check-in that asks (see `loaders::pages`).
#[derive(Default)]
pub struct CheckinPage {
    ids: Vec<Uuid>,
    authors: Arc<PersonPage>,
    challenges: Batch<Uuid, Vec<checkins::Challenge>>,
    reactions: Batch<(Uuid, Uuid), Vec<ReactionGroup>>,
}

impl CheckinPage {
    /// The page of `checkins`.
    fn new<'a>(checkins: impl IntoIterator<Item = &'a rows::Model>) -> Arc<CheckinPage> {
        let (ids, authors): (Vec<Uuid>, Vec<Uuid>) =
            checkins.into_iter().map(|c| (c.id, c.user_id)).unzip();
        Arc::new(CheckinPage {
            ids,
            authors: PersonPage::new(authors),
            ..CheckinPage::default()
        })
    }
}

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
        let Some(page) = &self.1 else {
            return Ok(User::one(Loaders::person(ctx, self.0.user_id).await?));
        };
        User::of_page(ctx, &page.authors, self.0.user_id).await
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
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => {
                let keys = || page.ids.clone();
                let found = page
                    .challenges
                    .get(loaders, |l| &l.challenges_of, keys, &self.0.id);
                found.await?
            }
            None => loaders.challenges_of.load_one(self.0.id).await?,
        };
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Challenge)
            .collect())
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
    /// The reactions, one group per code (the message reaction set), in
    /// the documented order of codes.
    async fn reactions(&self, ctx: &Context<'_>) -> Result<Vec<Reaction>> {
        let actor = ctx.viewer().require(Action::ReadDirectory)?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let key = (self.0.id, actor.user_id);
        let groups = match &self.1 {
            Some(page) => {
                let keys = || page.ids.iter().map(|id| (*id, actor.user_id)).collect();
                page.reactions
                    .get(loaders, |l| &l.checkin_reactions, keys, &key)
                    .await?
            }
            None => loaders.checkin_reactions.load_one(key).await?,
        };
        Ok(groups
            .unwrap_or_default()
            .into_iter()
            .map(Reaction::from)
            .collect())
    }
    /// The comments, oldest first (deleted ones left out).
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn comments(
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
    ) -> Result<CheckinCommentConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let key = CommentsKey {
            checkin_id: self.0.id,
            page,
        };
        let found = ctx
            .data_unchecked::<Loaders>()
            .checkin_comments
            .load_one(key)
            .await?
            .unwrap_or_else(empty_page);
        Ok(connection(found, CheckinComment, EmptyFields))
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
            Some(id) => Ok(Some(Department::one(Loaders::department(ctx, id).await?))),
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
            Some(id) => Ok(Some(User::one(Loaders::person(ctx, id).await?))),
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

/// A member's standing in a week's round.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RoundStatus {
    /// Checked in for the week (even if also excused).
    Submitted,
    /// Expected and not checked in (yet, for the current week).
    Missing,
    /// Away or on a company holiday on the week's Monday, and not checked in.
    Excused,
}

/// One member of a department's round, with the round's pages of people
/// and check-ins.
pub struct RoundMember(weekly::Entry, RoundPages);

/// One member of a department's round: their standing and check-in.
#[Object]
impl RoundMember {
    /// The person.
    async fn person(&self) -> User {
        User(self.0.person.clone(), Some(self.1.people.clone()))
    }
    /// SUBMITTED, MISSING or EXCUSED.
    async fn status(&self) -> RoundStatus {
        match self.0.standing {
            Standing::Submitted => RoundStatus::Submitted,
            Standing::Missing => RoundStatus::Missing,
            Standing::Excused => RoundStatus::Excused,
        }
    }
    /// Their check-in for the week, if any.
    async fn checkin(&self) -> Option<Checkin> {
        let page = &self.1.checkins;
        self.0
            .checkin
            .clone()
            .map(|c| Checkin(c, Some(page.clone())))
    }
}

/// A department's round of one week, and its pages.
pub struct WeeklyRound(weekly::Round, RoundPages);

/// The pages of a round: its members and their check-ins.
#[derive(Clone)]
pub struct RoundPages {
    people: Arc<PersonPage>,
    checkins: Arc<CheckinPage>,
}

impl WeeklyRound {
    fn new(round: weekly::Round) -> WeeklyRound {
        let pages = RoundPages {
            people: PersonPage::new(round.entries.iter().map(|e| e.person.id)),
            checkins: CheckinPage::new(round.entries.iter().filter_map(|e| e.checkin.as_ref())),
        };
        WeeklyRound(round, pages)
    }
}

/// A department's round of one ISO week: its active members (deactivated
/// people left out), each SUBMITTED, MISSING or EXCUSED, and the figures
/// over them.
#[Object]
impl WeeklyRound {
    /// The ISO week, written `2026-W49`.
    async fn week(&self) -> String {
        self.0.week.to_string()
    }
    /// The Monday of the week.
    async fn week_start(&self) -> NaiveDate {
        self.0.week.monday()
    }
    /// The department.
    async fn department(&self) -> Department {
        Department::one(self.0.department.clone())
    }
    /// Every active member, by display name.
    async fn members(&self) -> Vec<RoundMember> {
        self.0
            .entries
            .iter()
            .map(|e| {
                let entry = weekly::Entry {
                    person: e.person.clone(),
                    standing: e.standing,
                    checkin: e.checkin.clone(),
                };
                RoundMember(entry, self.1.clone())
            })
            .collect()
    }
    /// The check-ins of the week, by their authors' display names.
    async fn checkins(&self) -> Vec<Checkin> {
        self.0
            .entries
            .iter()
            .filter_map(|e| e.checkin.clone())
            .map(|c| Checkin(c, Some(self.1.checkins.clone())))
            .collect()
    }
    /// How many members checked in.
    async fn submitted_count(&self) -> u64 {
        self.0.submitted
    }
    /// How many members were expected and did not check in.
    async fn missing_count(&self) -> u64 {
        self.0.missing
    }
    /// How many members were excused (away or a holiday on the Monday) and
    /// did not check in.
    async fn excused_count(&self) -> u64 {
        self.0.excused
    }
    /// submitted / (submitted + missing), from 0 to 1: the share of the
    /// people expected who checked in (the excused count on neither side
    /// unless they checked in anyway). Null when nobody was expected.
    async fn participation(&self) -> Option<f64> {
        self.0.participation
    }
    /// The average of the moods given (1–5), only over at least the
    /// minimum group (`SYNAPS_ANALYTICS_MIN_GROUP`, 5) of them, for
    /// everyone; null when suppressed or none was given.
    async fn average_mood(&self) -> Option<f64> {
        self.0.average_mood
    }
    /// Whether fewer moods than the minimum group were given, so the
    /// average is not shown.
    async fn mood_suppressed(&self) -> bool {
        self.0.mood_suppressed
    }
}

/// A comment on a check-in (`CheckinComment`).
pub struct CheckinComment(pub social::Comment);

/// A comment on a check-in: markdown, edited and deleted by its author.
#[Object]
impl CheckinComment {
    /// The comment's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::CheckinComment, self.0.id)
    }
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User::one(Loaders::person(ctx, self.0.author_id).await?))
    }
    /// Markdown as written.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The body rendered to sanitized HTML.
    async fn body_html(&self) -> String {
        markdown_to_safe_html(&self.0.body)
    }
    /// The check-in it is on.
    async fn checkin(&self, ctx: &Context<'_>) -> Result<Option<Checkin>> {
        let found = ctx
            .data_unchecked::<Loaders>()
            .checkin
            .load_one(self.0.checkin_id)
            .await?;
        Ok(found.map(Checkin::one))
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When its author last edited it.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.0.edited_at
    }
}

/// A page of a check-in's comments.
pub type CheckinCommentConnection = Connection<CheckinComment>;

/// A page of check-ins.
pub type CheckinConnection = Connection<Checkin>;

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
        let rows = CheckinPage::new(found.items.iter().map(|(_, c)| c));
        let wrap = move |c| Checkin(c, Some(rows.clone()));
        Ok(connection(found, wrap, EmptyFields))
    }

    /// The round of `department` in `week` (your current week when
    /// omitted; a later week is BAD_USER_INPUT): who checked in, who is
    /// missing, who is excused. Everyone signed in.
    async fn weekly_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ISO week, `2026-W49`.")] week: Option<String>,
        #[graphql(desc = "The department.")] department: ID,
    ) -> Result<WeeklyRound> {
        let department = decode_as("department", Kind::Department, &department)?;
        let config = &ctx.state().config;
        let round = weekly::round(
            ctx.db(),
            ctx.viewer(),
            config.round.default_zone()?,
            config.analytics_min_group,
            week.as_deref(),
            department,
        )
        .await?;
        Ok(WeeklyRound::new(round))
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

/// The input of `addCheckinReaction` and `removeCheckinReaction`.
#[derive(InputObject)]
pub struct CheckinReactionInput {
    /// The check-in.
    pub checkin_id: ID,
    /// One of thumbsup, heart, tada, eyes, laughing, rocket,
    /// white_check_mark, pray.
    pub code: String,
}

/// The result of a change to a check-in's reactions.
#[derive(SimpleObject)]
pub struct CheckinPayload {
    /// The check-in.
    pub checkin: Checkin,
}

/// The input of `commentOnCheckin`.
#[derive(InputObject)]
pub struct CommentOnCheckinInput {
    /// The check-in.
    pub checkin_id: ID,
    /// Markdown, 1 character to 64 KiB.
    pub body: String,
}

/// The input of `editCheckinComment`.
#[derive(InputObject)]
pub struct EditCheckinCommentInput {
    /// One of your comments.
    pub comment_id: ID,
    /// Markdown, 1 character to 64 KiB.
    pub body: String,
}

/// The input of `deleteCheckinComment`.
#[derive(InputObject)]
pub struct DeleteCheckinCommentInput {
    /// One of your comments.
    pub comment_id: ID,
}

/// The result of a change to a comment on a check-in.
#[derive(SimpleObject)]
pub struct CheckinCommentPayload {
    /// The comment as stored.
    pub comment: CheckinComment,
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
            checkin: Checkin::one(checkin),
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

    /// Reacts to a check-in (notifies its author).
    async fn add_checkin_reaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The check-in and the reaction.")] input: CheckinReactionInput,
    ) -> Result<CheckinPayload> {
        let id = decode_as("checkinId", Kind::Checkin, &input.checkin_id)?;
        let checkin = social::react(ctx.db(), ctx.viewer(), id, &input.code, true).await?;
        Ok(CheckinPayload {
            checkin: Checkin::one(checkin),
        })
    }

    /// Takes back your reaction to a check-in.
    async fn remove_checkin_reaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The check-in and the reaction.")] input: CheckinReactionInput,
    ) -> Result<CheckinPayload> {
        let id = decode_as("checkinId", Kind::Checkin, &input.checkin_id)?;
        let checkin = social::react(ctx.db(), ctx.viewer(), id, &input.code, false).await?;
        Ok(CheckinPayload {
            checkin: Checkin::one(checkin),
        })
    }

    /// Comments on a check-in (notifies its author). Counts against the
    /// content rate limit, like a message.
    async fn comment_on_checkin(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The check-in and the comment.")] input: CommentOnCheckinInput,
    ) -> Result<CheckinCommentPayload> {
        let id = decode_as("checkinId", Kind::Checkin, &input.checkin_id)?;
        let limits = &ctx.state().config.limits;
        let comment = social::comment(ctx.db(), ctx.viewer(), limits, id, &input.body).await?;
        Ok(CheckinCommentPayload {
            comment: CheckinComment(comment),
        })
    }

    /// Edits one of your comments on a check-in.
    async fn edit_checkin_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The comment and its new body.")] input: EditCheckinCommentInput,
    ) -> Result<CheckinCommentPayload> {
        let id = decode_as("commentId", Kind::CheckinComment, &input.comment_id)?;
        let comment = social::change_comment(ctx.db(), ctx.viewer(), id, Some(&input.body)).await?;
        Ok(CheckinCommentPayload {
            comment: CheckinComment(comment),
        })
    }

    /// Deletes one of your comments on a check-in.
    async fn delete_checkin_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The comment.")] input: DeleteCheckinCommentInput,
    ) -> Result<CheckinCommentPayload> {
        let id = decode_as("commentId", Kind::CheckinComment, &input.comment_id)?;
        let comment = social::change_comment(ctx.db(), ctx.viewer(), id, None).await?;
        Ok(CheckinCommentPayload {
            comment: CheckinComment(comment),
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
