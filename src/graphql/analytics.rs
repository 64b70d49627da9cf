//! Cross-department analytics: `synapses`, `departmentActivity`,
//! `quietLinks`, `bridges`, `myNetwork`. Thin: the figures, the scope and
//! the suppression are `domain::analytics`.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::context::ContextExt;
use super::departments::Department;
use super::loaders::Loaders;
use super::node::{Kind, decode_as};
use super::people::User;
use crate::domain::analytics::cache::AnalyticsCache;
use crate::domain::analytics::queries::{self, Bucket, Figure, Range};

/// `AnalyticsCount`.
pub struct AnalyticsCount(Figure<i64>);

/// A count over a period, with the previous period's. For managers, a
/// figure built from fewer than the minimum group of distinct people
/// (`SYNAPS_ANALYTICS_MIN_GROUP`, default 5) is `null` with `suppressed:
/// true` and a `reason` — never shown as zero. Comms and admins see every
/// figure.
#[Object]
impl AnalyticsCount {
    /// The figure for the period; null when suppressed (or, for a time to
    /// answer, when no question was answered).
    async fn value(&self) -> Option<i64> {
        self.0.value
    }
    /// The same figure for the period of the same length just before; null
    /// when that one is suppressed or unmeasured.
    async fn previous(&self) -> Option<i64> {
        self.0.previous
    }
    /// `value − previous`, when both are known.
    async fn change(&self) -> Option<i64> {
        Some(self.0.value? - self.0.previous?)
    }
    /// Whether `value` is hidden because too few people are behind it.
    async fn suppressed(&self) -> bool {
        self.0.suppressed
    }
    /// Why it is suppressed.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

/// `AnalyticsRate`.
pub struct AnalyticsRate(Figure<f64>);

/// A ratio (0 to 1) or an average over a period: like `AnalyticsCount`,
/// with the same suppression.
#[Object]
impl AnalyticsRate {
    /// The figure for the period; null when suppressed or when there is
    /// nothing to divide by.
    async fn value(&self) -> Option<f64> {
        self.0.value
    }
    /// The same figure for the previous period of the same length.
    async fn previous(&self) -> Option<f64> {
        self.0.previous
    }
    /// `value − previous`, when both are known.
    async fn change(&self) -> Option<f64> {
        Some(self.0.value? - self.0.previous?)
    }
    /// Whether `value` is hidden because too few people are behind it.
    async fn suppressed(&self) -> bool {
        self.0.suppressed
    }
    /// Why it is suppressed.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

async fn pair(ctx: &Context<'_>, ids: [Uuid; 2]) -> Result<Vec<Department>> {
    let mut departments = Vec::with_capacity(2);
    for id in ids {
        departments.push(Department::one(Loaders::department(ctx, id).await?));
    }
    Ok(departments)
}

/// `Synapse`.
pub struct Synapse(queries::Synapse);

/// The relationship between two departments over a period. An *act* is a
/// root message, a thread reply or a reaction, counted on its UTC day.
/// An act by a member of one department *crosses* to the other when the
/// other is not one of the actor's departments and the channel is linked
/// to it, or the act replies or reacts to a message by one of its members
/// — departments as they were at the moment of the act (a later change of
/// membership never rewrites the past). Deleting a message later does not
/// take it out; removing a reaction does.
#[Object]
impl Synapse {
    /// The two departments, by slug.
    async fn departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        pair(ctx, self.0.departments).await
    }
    /// Channels linked to both, not archived, now.
    async fn shared_channels(&self) -> i64 {
        self.0.shared_channels
    }
    /// Root messages (not replies) that crossed, in either direction.
    async fn messages(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.messages.clone())
    }
    /// Thread replies that crossed, in either direction.
    async fn replies(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.replies.clone())
    }
    /// Reactions that crossed, in either direction.
    async fn reactions(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.reactions.clone())
    }
    /// Distinct people with at least one crossing act between the two. The
    /// counts above are suppressed, for managers, when this is under the
    /// minimum group.
    async fn people(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.people.clone())
    }
    /// Questions asked across, in either direction, in the period: root
    /// messages by a member of one in a channel linked to the other (an
    /// addressed check-in challenge opens one). Question figures are
    /// suppressed, for managers, when fewer than the minimum group of
    /// distinct people asked or first answered them.
    async fn questions_asked(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.questions_asked.clone())
    }
    /// The share (0 to 1) of those questions whose thread has a reply by a
    /// member of the other department (other than the asker), so far.
    async fn answered_share(&self) -> AnalyticsRate {
        AnalyticsRate(self.0.answered_share.clone())
    }
    /// Median time from question to its first answer by the other side,
    /// in whole seconds (the difference of the two instants' Unix
    /// seconds), over the answered questions asked in the period (nearest
    /// rank: the value at rank ⌈n/2⌉ of the sorted times). Computed in SQL.
    async fn median_seconds_to_first_answer(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.median_seconds.clone())
    }
    /// 90th percentile of the same times (nearest rank: rank ⌈0.9·n⌉).
    async fn p90_seconds_to_first_answer(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.p90_seconds.clone())
    }
    /// Check-in challenges addressed by one department to the other whose
    /// first answer came in the period.
    async fn challenges_answered(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.challenges_answered.clone())
    }
}

/// How `departmentActivity` groups days.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum AnalyticsBucket {
    /// One UTC day.
    Day,
    /// An ISO week, Monday to Sunday in UTC, cut to the range.
    Week,
}

/// `ActivityBucket`.
pub struct ActivityBucket(queries::ActivityBucket);

/// One bucket of a department's activity. For managers every figure of a
/// bucket is suppressed when fewer than the minimum group of distinct
/// people were active (`activePeople`) in it.
#[Object]
impl ActivityBucket {
    /// The bucket's first day.
    async fn from(&self) -> NaiveDate {
        self.0.from
    }
    /// The day after its last.
    async fn to(&self) -> NaiveDate {
        self.0.to
    }
    /// Root messages by the department's members (anywhere).
    async fn messages(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.messages.clone())
    }
    /// Thread replies by its members.
    async fn replies(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.replies.clone())
    }
    /// Reactions by its members.
    async fn reactions(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.reactions.clone())
    }
    /// Distinct members with at least one message, reply or reaction.
    async fn active_people(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.active_people.clone())
    }
    /// Check-ins by its members for the weeks whose Monday is in the
    /// bucket.
    async fn checkins(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.checkins.clone())
    }
    /// `checkins` divided by the members on each of those Mondays
    /// (00:00 UTC); null when the bucket holds no Monday.
    async fn participation(&self) -> AnalyticsRate {
        AnalyticsRate(self.0.participation.clone())
    }
    /// Check-in challenges its members wrote in the bucket.
    async fn challenges_raised(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.challenges_raised.clone())
    }
    /// Challenges addressed to the department first answered in the
    /// bucket.
    async fn challenges_answered(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.challenges_answered.clone())
    }
    /// Its guest posts submitted for review in the bucket.
    async fn guest_posts_submitted(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.guest_posts_submitted.clone())
    }
    /// Its guest posts published in the bucket.
    async fn guest_posts_published(&self) -> AnalyticsCount {
        AnalyticsCount(self.0.guest_posts_published.clone())
    }
}

/// `QuietLink`.
pub struct QuietLink(queries::QuietLink);

/// Two departments that share a channel and used to talk, gone quiet.
#[Object]
impl QuietLink {
    /// The two departments, by slug.
    async fn departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        pair(ctx, self.0.departments).await
    }
    /// Channels linked to both, not archived.
    async fn shared_channels(&self) -> i64 {
        self.0.shared_channels
    }
    /// The last UTC day with a crossing act between them.
    async fn last_active_on(&self) -> NaiveDate {
        self.0.last_active_on
    }
    /// Their usual level: crossing acts per week over the 28 days ending
    /// on `lastActiveOn` (suppressed for managers under the minimum group
    /// of people in those days). `previous` is always null.
    async fn usual_weekly_acts(&self) -> AnalyticsRate {
        AnalyticsRate(self.0.usual_weekly_acts.clone())
    }
}

/// `Bridge`.
pub struct Bridge(queries::Bridge);

/// A person whose acts crossed to other departments.
#[Object]
impl Bridge {
    /// The person.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User::one(Loaders::person(ctx, self.0.user_id).await?))
    }
    /// Distinct departments their crossing acts reached.
    async fn departments_reached(&self) -> i64 {
        self.0.departments_reached
    }
    /// Their crossing acts, once per department crossed to.
    async fn acts(&self) -> i64 {
        self.0.acts
    }
}

/// `NetworkDepartment`.
pub struct NetworkDepartment(Uuid, i64);

/// A department you reached.
#[Object]
impl NetworkDepartment {
    /// The department.
    async fn department(&self, ctx: &Context<'_>) -> Result<Department> {
        Ok(Department::one(Loaders::department(ctx, self.0).await?))
    }
    /// Your acts that crossed to it.
    async fn acts(&self) -> i64 {
        self.1
    }
}

/// `NetworkPerson`.
pub struct NetworkPerson(Uuid, i64);

/// Someone you helped or who helped you.
#[Object]
impl NetworkPerson {
    /// The person.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User::one(Loaders::person(ctx, self.0).await?))
    }
    /// Questions (cross-department) first answered.
    async fn questions(&self) -> i64 {
        self.1
    }
}

/// Your own network over a period: only ever your own.
#[derive(SimpleObject)]
pub struct MyNetwork {
    /// Departments your acts crossed to, most acts first.
    departments: Vec<NetworkDepartment>,
    /// People whose cross-department questions you answered first (the
    /// answer in the period), most first.
    helped: Vec<NetworkPerson>,
    /// People who first answered your cross-department questions (the
    /// answer in the period), most first.
    helped_by: Vec<NetworkPerson>,
}

/// The analytics queries.
#[derive(Default)]
pub struct AnalyticsQuery;

fn min_group(ctx: &Context<'_>) -> u32 {
    ctx.state().config.analytics_min_group
}

fn cache<'a>(ctx: &'a Context<'_>) -> &'a AnalyticsCache {
    &ctx.state().analytics
}

#[Object]
impl AnalyticsQuery {
    /// Every pair of departments that shares a channel or had crossing
    /// activity in the period or the one before, by slug. Managers see the
    /// pairs with one of their departments (others are left out), comms
    /// and admins all; staff FORBIDDEN. Periods are half-open ranges of UTC
    /// days: `from` is the first day counted, `to` the day after the last
    /// (at most 731 days).
    ///
    /// Figures may be up to `SYNAPS_ANALYTICS_CACHE_SECONDS` old (60 by
    /// default): answers are kept that long, per viewer scope.
    async fn synapses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first UTC day counted.")] from: NaiveDate,
        #[graphql(desc = "The day after the last counted.")] to: NaiveDate,
    ) -> Result<Vec<Synapse>> {
        let range = Range::parse(from, to)?;
        let found =
            queries::synapses(ctx.db(), cache(ctx), ctx.viewer(), min_group(ctx), range).await?;
        Ok(found.iter().cloned().map(Synapse).collect())
    }

    /// A department's activity per day or ISO week over `[from, to)` (UTC
    /// days, at most 731). Managers: their own departments only (another is
    /// FORBIDDEN); comms and admins: any; staff FORBIDDEN.
    ///
    /// Figures may be up to `SYNAPS_ANALYTICS_CACHE_SECONDS` old (60 by
    /// default): answers are kept that long, per viewer scope.
    async fn department_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's global id.")] department: ID,
        #[graphql(desc = "The first UTC day counted.")] from: NaiveDate,
        #[graphql(desc = "The day after the last counted.")] to: NaiveDate,
        #[graphql(desc = "DAY or WEEK.")] bucket: AnalyticsBucket,
    ) -> Result<Vec<ActivityBucket>> {
        let department = decode_as("department", Kind::Department, &department)?;
        let range = Range::parse(from, to)?;
        let bucket = match bucket {
            AnalyticsBucket::Day => Bucket::Day,
            AnalyticsBucket::Week => Bucket::Week,
        };
        let found = queries::department_activity(
            ctx.db(),
            cache(ctx),
            ctx.viewer(),
            min_group(ctx),
            department,
            range,
            bucket,
        )
        .await?;
        Ok(found.iter().cloned().map(ActivityBucket).collect())
    }

    /// Pairs that share a channel and had crossing activity once, but none
    /// on the last `days` UTC days (today included): longest quiet first.
    /// Scope as `synapses`.
    ///
    /// Figures may be up to `SYNAPS_ANALYTICS_CACHE_SECONDS` old (60 by
    /// default): answers are kept that long, per viewer scope.
    async fn quiet_links(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Days without crossing activity, 1–365.")] days: i32,
    ) -> Result<Vec<QuietLink>> {
        let today = Utc::now().date_naive();
        let found = queries::quiet_links(
            ctx.db(),
            cache(ctx),
            ctx.viewer(),
            min_group(ctx),
            days,
            today,
        )
        .await?;
        Ok(found.iter().cloned().map(QuietLink).collect())
    }

    /// Comms and admins only (individuals are never ranked for managers):
    /// the people whose crossing acts in `[from, to)` (UTC days) reached
    /// the most other departments, then the most acts.
    ///
    /// Figures may be up to `SYNAPS_ANALYTICS_CACHE_SECONDS` old (60 by
    /// default): answers are kept that long, per viewer scope.
    async fn bridges(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first UTC day counted.")] from: NaiveDate,
        #[graphql(desc = "The day after the last counted.")] to: NaiveDate,
        #[graphql(desc = "How many, 1–100; 10 by default.")] first: Option<i32>,
    ) -> Result<Vec<Bridge>> {
        let range = Range::parse(from, to)?;
        let found = queries::bridges(
            ctx.db(),
            cache(ctx),
            ctx.viewer(),
            range,
            first.unwrap_or(10),
        )
        .await?;
        Ok(found.iter().cloned().map(Bridge).collect())
    }

    /// Your own network over `[from, to)` (UTC days): the departments you
    /// reached, whom you helped and who helped you. Anyone signed in.
    ///
    /// Figures may be up to `SYNAPS_ANALYTICS_CACHE_SECONDS` old (60 by
    /// default): answers are kept that long, per viewer scope.
    async fn my_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first UTC day counted.")] from: NaiveDate,
        #[graphql(desc = "The day after the last counted.")] to: NaiveDate,
    ) -> Result<MyNetwork> {
        let range = Range::parse(from, to)?;
        let network = queries::my_network(ctx.db(), cache(ctx), ctx.viewer(), range).await?;
        let people =
            |list: &[(Uuid, i64)]| list.iter().map(|&(id, n)| NetworkPerson(id, n)).collect();
        Ok(MyNetwork {
            departments: network
                .departments
                .iter()
                .map(|&(id, n)| NetworkDepartment(id, n))
                .collect(),
            helped: people(&network.helped),
            helped_by: people(&network.helped_by),
        })
    }
}
