//! Reading the rollups: `synapses`, `departmentActivity`, `quietLinks`,
//! `bridges` and `myNetwork`. Every figure is a GROUP BY over the small
//! rollup tables (never over `messages`); the percentiles of time to first
//! answer are nearest-rank, in SQL with window functions over the question
//! rows of the range (one row per cross-department question; SQLite has no
//! percentile function, so both backends use the same SQL).
//!
//! Periods are half-open `[from, to)` ranges of UTC days, at most two
//! years ([`MAX_DAYS`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryResult, Statement, Value,
};
use uuid::Uuid;

use super::cache::{AnalyticsCache, Answer, Key, ScopeKey};
use super::record;
use super::scope::Scope;
use crate::auth::{Action, Viewer};
use crate::entities::departments;
use crate::error::{Error, Result};

/// The longest range: two years of days.
pub const MAX_DAYS: i64 = 731;

/// A half-open range of UTC days, `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    /// BAD_USER_INPUT on `to` unless `from < to` and the range is at most
    /// [`MAX_DAYS`] long.
    pub fn parse(from: NaiveDate, to: NaiveDate) -> Result<Range> {
        if to <= from {
            return Err(Error::bad_input("to", "must be a day after `from`"));
        }
        if (to - from).num_days() > MAX_DAYS {
            return Err(Error::bad_input(
                "to",
                format!("the range is at most {MAX_DAYS} days (two years)"),
            ));
        }
        Ok(Range { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    /// The range of the same length just before this one.
    pub fn previous(&self) -> Range {
        Range {
            from: self.from - Duration::days(self.days()),
            to: self.from,
        }
    }

    fn start(&self) -> DateTime<Utc> {
        midnight(self.from)
    }

    fn end(&self) -> DateTime<Utc> {
        midnight(self.to)
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// One figure for one period: its value and the previous period's, either
/// hidden when built from fewer people than the viewer's minimum group.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure<T> {
    /// `None` when suppressed (or, for a share or a time, when there is
    /// nothing to measure).
    pub value: Option<T>,
    /// The previous period's value; `None` when suppressed or unmeasured.
    pub previous: Option<T>,
    pub suppressed: bool,
    pub reason: Option<String>,
}

impl<T> Figure<T> {
    /// `value` built from `people` distinct people, `previous` from
    /// `previous_people`.
    fn new(
        scope: &Scope,
        (value, people): (Option<T>, u64),
        (previous, previous_people): (Option<T>, u64),
    ) -> Figure<T> {
        let reason = scope.suppression(people);
        Figure {
            value: if reason.is_some() { None } else { value },
            previous: if scope.suppression(previous_people).is_some() {
                None
            } else {
                previous
            },
            suppressed: reason.is_some(),
            reason,
        }
    }
}

/// Runs `text` (placeholders `$1`, `$2`, … on every backend).
async fn query(
    conn: &impl ConnectionTrait,
    text: impl AsRef<str>,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>> {
    let backend = conn.get_database_backend();
    let text = text.as_ref();
    let text = match backend {
        DbBackend::Postgres => text.to_owned(),
        _ => text.replace('$', "?"),
    };
    Ok(conn
        .query_all_raw(Statement::from_sql_and_values(backend, text, values))
        .await?)
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T> {
    Ok(row.try_get::<T>("", column)?)
}

/// The UTC day of a timestamp column.
fn day_of(backend: DbBackend, at: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(({at} AT TIME ZONE 'UTC') AS date)"),
        _ => format!("substr({at}, 1, 10)"),
    }
}

/// `(a, b)` with the smaller id first, in SQL: the unordered pair of an
/// ordered one.
const PAIR: &str = "CASE WHEN from_department_id < to_department_id THEN from_department_id ELSE to_department_id END AS a, \
     CASE WHEN from_department_id < to_department_id THEN to_department_id ELSE from_department_id END AS b";

fn pair(x: Uuid, y: Uuid) -> (Uuid, Uuid) {
    if x < y { (x, y) } else { (y, x) }
}

/// A department pair's figures for one period, as read.
#[derive(Default, Clone, Debug)]
struct PairPeriod {
    messages: i64,
    replies: i64,
    reactions: i64,
    people: u64,
    asked: i64,
    answered: i64,
    /// Nearest-rank median and 90th percentile of the whole seconds from
    /// question to first answer, over the answered questions.
    median: Option<i64>,
    p90: Option<i64>,
    question_people: u64,
    challenges: i64,
    challenge_people: HashSet<Uuid>,
}

/// The pair's figures in the period of `row` (its `period` column).
fn slot<'a>(
    periods: &'a mut [HashMap<(Uuid, Uuid), PairPeriod>; 2],
    row: &QueryResult,
    key: (Uuid, Uuid),
) -> Result<&'a mut PairPeriod> {
    let period = usize::from(get::<i32>(row, "period")? == 1);
    Ok(periods[period].entry(key).or_default())
}

/// Each pair's figures for the period before `range` (`[0]`) and for
/// `range` (`[1]`), read together: one pass over both periods' rows, each
/// row told to its period by a CASE on its day (`period`, 0 or 1).
async fn pair_periods(
    conn: &impl ConnectionTrait,
    range: Range,
) -> Result<[HashMap<(Uuid, Uuid), PairPeriod>; 2]> {
    let mut periods: [HashMap<(Uuid, Uuid), PairPeriod>; 2] = Default::default();
    let before = range.previous();
    // $1 the previous period's first day, $2 this one's, $3 the day after.
    let days = || {
        vec![
            Value::from(before.from),
            Value::from(range.from),
            Value::from(range.to),
        ]
    };
    let times = || {
        vec![
            Value::from(before.start()),
            Value::from(range.start()),
            Value::from(range.end()),
        ]
    };
    let period = |at: &str| format!("CASE WHEN {at} >= $2 THEN 1 ELSE 0 END");
    let on_day = period("day");
    let asked = period("asked_at");
    let in_range = "asked_at >= $1 AND asked_at < $3";
    // Nearest rank: the wait at rank ⌈p·n⌉ of the pair's sorted waits, in
    // integer arithmetic ((n + 1) / 2 and (9n + 9) / 10).
    let wait = match conn.get_database_backend() {
        DbBackend::Postgres => {
            "CAST(FLOOR(EXTRACT(EPOCH FROM answered_at)) - FLOOR(EXTRACT(EPOCH FROM asked_at)) AS bigint)"
        }
        _ => "unixepoch(answered_at) - unixepoch(asked_at)",
    };
    // Independent reads, each on its own pooled connection.
    let rows = tokio::try_join!(
        query(
            conn,
            format!(
                "SELECT {PAIR}, {on_day} AS period, SUM(messages) AS messages, \
                 SUM(replies) AS replies, SUM(reactions) AS reactions FROM analytics_pair_days \
                 WHERE day >= $1 AND day < $3 GROUP BY 1, 2, 3"
            ),
            days(),
        ),
        query(
            conn,
            format!(
                "SELECT a, b, period, COUNT(*) AS people FROM ( \
                   SELECT DISTINCT {PAIR}, {on_day} AS period, user_id \
                   FROM analytics_pair_people WHERE day >= $1 AND day < $3) x GROUP BY 1, 2, 3"
            ),
            days(),
        ),
        query(
            conn,
            format!(
                "SELECT {PAIR}, {asked} AS period, COUNT(*) AS asked, \
                 COUNT(answered_at) AS answered \
                 FROM analytics_questions WHERE {in_range} GROUP BY 1, 2, 3"
            ),
            times(),
        ),
        query(
            conn,
            format!(
                "SELECT a, b, period, COUNT(DISTINCT person) AS people FROM ( \
                   SELECT {PAIR}, {asked} AS period, asker_id AS person \
                   FROM analytics_questions WHERE {in_range} \
                   UNION ALL \
                   SELECT {PAIR}, {asked} AS period, answered_by AS person \
                   FROM analytics_questions \
                   WHERE {in_range} AND answered_by IS NOT NULL) x GROUP BY 1, 2, 3"
            ),
            times(),
        ),
        query(
            conn,
            format!(
                "SELECT a, b, period, MAX(CASE WHEN rn = (n + 1) / 2 THEN wait END) AS median, \
                 MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN wait END) AS p90 FROM ( \
                   SELECT a, b, period, wait, \
                     ROW_NUMBER() OVER (PARTITION BY a, b, period ORDER BY wait) AS rn, \
                     COUNT(*) OVER (PARTITION BY a, b, period) AS n FROM ( \
                       SELECT {PAIR}, {asked} AS period, {wait} AS wait \
                       FROM analytics_questions \
                       WHERE {in_range} AND answered_at IS NOT NULL) w) r \
                 GROUP BY 1, 2, 3"
            ),
            times(),
        ),
        query(
            conn,
            format!(
                "SELECT s.department_id AS from_id, c.department_id AS to_id, \
                 k.user_id AS author_id, c.answered_by AS answered_by, {p} AS period \
                 FROM checkin_challenges c JOIN checkins k ON k.id = c.checkin_id \
                 JOIN analytics_member_spans s ON s.user_id = k.user_id \
                   AND s.valid_from <= c.created_at \
                   AND (s.valid_to IS NULL OR c.created_at < s.valid_to) \
                 WHERE c.department_id IS NOT NULL AND s.department_id <> c.department_id \
                   AND c.answered_at >= $1 AND c.answered_at < $3",
                p = period("c.answered_at"),
            ),
            times(),
        ),
    )?;
    let ab = |row: &QueryResult| -> Result<(Uuid, Uuid)> { Ok((get(row, "a")?, get(row, "b")?)) };
    for row in rows.0 {
        let p = slot(&mut periods, &row, ab(&row)?)?;
        p.messages = get(&row, "messages")?;
        p.replies = get(&row, "replies")?;
        p.reactions = get(&row, "reactions")?;
    }
    for row in rows.1 {
        let p = slot(&mut periods, &row, ab(&row)?)?;
        p.people = u64::try_from(get::<i64>(&row, "people")?).unwrap_or(0);
    }
    for row in rows.2 {
        let p = slot(&mut periods, &row, ab(&row)?)?;
        p.asked = get(&row, "asked")?;
        p.answered = get(&row, "answered")?;
    }
    for row in rows.3 {
        let p = slot(&mut periods, &row, ab(&row)?)?;
        p.question_people = u64::try_from(get::<i64>(&row, "people")?).unwrap_or(0);
    }
    for row in rows.4 {
        let p = slot(&mut periods, &row, ab(&row)?)?;
        p.median = get(&row, "median")?;
        p.p90 = get(&row, "p90")?;
    }
    for row in rows.5 {
        let p = slot(
            &mut periods,
            &row,
            pair(get(&row, "from_id")?, get(&row, "to_id")?),
        )?;
        p.challenges += 1;
        p.challenge_people.insert(get(&row, "author_id")?);
        if let Some(by) = get::<Option<Uuid>>(&row, "answered_by")? {
            p.challenge_people.insert(by);
        }
    }
    Ok(periods)
}

/// The channels (not archived) linked to both departments of each pair.
async fn shared_channels(conn: &impl ConnectionTrait) -> Result<HashMap<(Uuid, Uuid), i64>> {
    let rows = query(
        conn,
        "SELECT x.department_id AS a, y.department_id AS b, COUNT(*) AS channels \
         FROM channel_departments x \
         JOIN channel_departments y ON y.channel_id = x.channel_id AND x.department_id < y.department_id \
         JOIN channels c ON c.id = x.channel_id \
         WHERE c.archived_at IS NULL GROUP BY 1, 2",
        vec![],
    )
    .await?;
    rows.iter()
        .map(|row| Ok(((get(row, "a")?, get(row, "b")?), get(row, "channels")?)))
        .collect()
}

/// Every department's slug, for ordering pairs.
async fn slugs(conn: &impl ConnectionTrait) -> Result<HashMap<Uuid, String>> {
    Ok(departments::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.slug))
        .collect())
}

/// The synapse between two departments over a period.
#[derive(Clone, Debug)]
pub struct Synapse {
    /// The two departments, by slug.
    pub departments: [Uuid; 2],
    pub shared_channels: i64,
    pub messages: Figure<i64>,
    pub replies: Figure<i64>,
    pub reactions: Figure<i64>,
    pub people: Figure<i64>,
    pub questions_asked: Figure<i64>,
    pub answered_share: Figure<f64>,
    pub median_seconds: Figure<i64>,
    pub p90_seconds: Figure<i64>,
    pub challenges_answered: Figure<i64>,
}

/// `synapses(from, to)`: every pair that shares a channel or had crossing
/// activity in the period or the one before, within the viewer's scope,
/// ordered by the departments' slugs.
pub async fn synapses(
    db: &DatabaseConnection,
    cache: &AnalyticsCache,
    viewer: &Viewer,
    min_group: u32,
    range: Range,
) -> Result<Arc<Vec<Synapse>>> {
    let (_, scope) = Scope::of(db, viewer, min_group).await?;
    let key = Key::Synapses {
        scope: ScopeKey::of(&scope),
        range,
    };
    let compute = async {
        // Figures include every message posted so far (`record::fold`).
        record::fold(db).await?;
        Ok(Answer::Synapses(Arc::new(
            compute_synapses(db, &scope, range).await?,
        )))
    };
    match cache.get_or(key, compute).await? {
        Answer::Synapses(found) => Ok(found),
        _ => Err(mismatch()),
    }
}

/// The key of an answer decides its kind; this is a bug if ever seen.
fn mismatch() -> Error {
    Error::internal("the analytics cache held another kind of answer under this key")
}

async fn compute_synapses(
    db: &DatabaseConnection,
    scope: &Scope,
    range: Range,
) -> Result<Vec<Synapse>> {
    // Independent reads, each on its own pooled connection.
    let ([previous, current], shared, slugs) =
        tokio::try_join!(pair_periods(db, range), shared_channels(db), slugs(db))?;
    let keys: HashSet<(Uuid, Uuid)> = current
        .keys()
        .chain(previous.keys())
        .chain(shared.keys())
        .copied()
        .filter(|(a, b)| scope.sees_pair(*a, *b))
        .collect();
    let empty = PairPeriod::default();
    let mut synapses: Vec<(String, String, Synapse)> = keys
        .into_iter()
        .map(|(a, b)| {
            let now = current.get(&(a, b)).unwrap_or(&empty);
            let before = previous.get(&(a, b)).unwrap_or(&empty);
            let slug = |id: &Uuid| slugs.get(id).cloned().unwrap_or_default();
            let (first, second) = if slug(&a) <= slug(&b) { (a, b) } else { (b, a) };
            let count = |f: fn(&PairPeriod) -> i64| {
                Figure::new(
                    scope,
                    (Some(f(now)), now.people),
                    (Some(f(before)), before.people),
                )
            };
            let q = |p: &PairPeriod| p.question_people;
            let share = |p: &PairPeriod| (p.asked > 0).then(|| p.answered as f64 / p.asked as f64);
            let synapse = Synapse {
                departments: [first, second],
                shared_channels: shared.get(&(a, b)).copied().unwrap_or(0),
                messages: count(|p| p.messages),
                replies: count(|p| p.replies),
                reactions: count(|p| p.reactions),
                people: count(|p| p.people as i64),
                questions_asked: Figure::new(
                    scope,
                    (Some(now.asked), q(now)),
                    (Some(before.asked), q(before)),
                ),
                answered_share: Figure::new(
                    scope,
                    (share(now), q(now)),
                    (share(before), q(before)),
                ),
                median_seconds: Figure::new(
                    scope,
                    (now.median, q(now)),
                    (before.median, q(before)),
                ),
                p90_seconds: Figure::new(scope, (now.p90, q(now)), (before.p90, q(before))),
                challenges_answered: Figure::new(
                    scope,
                    (Some(now.challenges), now.challenge_people.len() as u64),
                    (
                        Some(before.challenges),
                        before.challenge_people.len() as u64,
                    ),
                ),
            };
            (slug(&first), slug(&second), synapse)
        })
        .collect();
    synapses.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
    Ok(synapses.into_iter().map(|(_, _, s)| s).collect())
}

/// How `departmentActivity` groups days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// One UTC day.
    Day,
    /// An ISO week (Monday to Sunday, UTC), cut to the range.
    Week,
}

/// The start of `day`'s bucket.
fn bucket_key(bucket: Bucket, day: NaiveDate) -> NaiveDate {
    match bucket {
        Bucket::Day => day,
        Bucket::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
    }
}

/// SQL for the bucket key of a date expression.
fn bucket_sql(backend: DbBackend, bucket: Bucket, day: &str) -> String {
    match (bucket, backend) {
        (Bucket::Day, _) => day.to_owned(),
        (Bucket::Week, DbBackend::Postgres) => {
            format!("CAST({day} - (CAST(EXTRACT(ISODOW FROM {day}) AS integer) - 1) AS date)")
        }
        (Bucket::Week, _) => format!("date({day}, '-6 days', 'weekday 1')"),
    }
}

/// One bucket of a department's activity.
#[derive(Clone, Debug)]
pub struct ActivityBucket {
    /// The first day of the bucket (in the range).
    pub from: NaiveDate,
    /// The day after its last (in the range).
    pub to: NaiveDate,
    pub messages: Figure<i64>,
    pub replies: Figure<i64>,
    pub reactions: Figure<i64>,
    pub active_people: Figure<i64>,
    pub checkins: Figure<i64>,
    pub participation: Figure<f64>,
    pub challenges_raised: Figure<i64>,
    pub challenges_answered: Figure<i64>,
    pub guest_posts_submitted: Figure<i64>,
    pub guest_posts_published: Figure<i64>,
}

#[derive(Default, Clone)]
struct BucketCounts {
    messages: i64,
    replies: i64,
    reactions: i64,
    people: i64,
    checkins: i64,
    raised: i64,
    answered: i64,
    submitted: i64,
    published: i64,
}

/// A statement counting per bucket, its values, and the field it fills.
type CountInto = (String, Vec<Value>, fn(&mut BucketCounts, i64));

/// `departmentActivity(department, from, to, bucket)`.
pub async fn department_activity(
    db: &DatabaseConnection,
    cache: &AnalyticsCache,
    viewer: &Viewer,
    min_group: u32,
    department: Uuid,
    range: Range,
    bucket: Bucket,
) -> Result<Arc<Vec<ActivityBucket>>> {
    let (_, scope) = Scope::of(db, viewer, min_group).await?;
    if scope.require_department(department).is_err() {
        // NOT_FOUND before FORBIDDEN, as for comms.
        department_exists(db, department).await?;
        scope.require_department(department)?;
    }
    let key = Key::DepartmentActivity {
        scope: ScopeKey::of(&scope),
        department,
        range,
        bucket,
    };
    let compute = async {
        // Figures include every message posted so far (`record::fold`).
        record::fold(db).await?;
        department_exists(db, department).await?;
        Ok(Answer::DepartmentActivity(Arc::new(
            compute_department_activity(db, &scope, department, range, bucket).await?,
        )))
    };
    match cache.get_or(key, compute).await? {
        Answer::DepartmentActivity(found) => Ok(found),
        _ => Err(mismatch()),
    }
}

/// NOT_FOUND unless the department exists.
async fn department_exists(db: &DatabaseConnection, department: Uuid) -> Result<()> {
    match departments::Entity::find_by_id(department).one(db).await? {
        Some(_) => Ok(()),
        None => Err(Error::NotFound("Department")),
    }
}

async fn compute_department_activity(
    db: &DatabaseConnection,
    scope: &Scope,
    department: Uuid,
    range: Range,
    bucket: Bucket,
) -> Result<Vec<ActivityBucket>> {
    let backend = db.get_database_backend();
    let mut counts: BTreeMap<NaiveDate, BucketCounts> = BTreeMap::new();
    let days = || {
        vec![
            Value::from(department),
            Value::from(range.from),
            Value::from(range.to),
        ]
    };
    let times = || {
        vec![
            Value::from(department),
            Value::from(range.start()),
            Value::from(range.end()),
        ]
    };
    let key = |row: &QueryResult| -> Result<NaiveDate> { get(row, "bucket") };
    let b = |day: &str| bucket_sql(backend, bucket, day);
    let member = |user: &str, at: &str| {
        format!(
            "JOIN analytics_member_spans s ON s.user_id = {user} AND s.department_id = $1 \
             AND s.valid_from <= {at} AND (s.valid_to IS NULL OR {at} < s.valid_to)"
        )
    };
    let review = |status: &str| {
        format!(
            "SELECT {k} AS bucket, COUNT(*) AS n FROM review_events e \
             JOIN guest_posts p ON p.id = e.post_id \
             WHERE p.department_id = $1 AND e.created_at >= $2 AND e.created_at < $3 \
             AND e.to_status = '{status}' GROUP BY 1",
            k = b(&day_of(backend, "e.created_at")),
        )
    };
    // Each a count per bucket, into one field.
    let counts_sql: [CountInto; 6] = [
        (
            format!(
                "SELECT {k} AS bucket, COUNT(DISTINCT user_id) AS n FROM analytics_department_people \
                 WHERE department_id = $1 AND day >= $2 AND day < $3 GROUP BY 1",
                k = b("day")
            ),
            days(),
            |c, n| c.people = n,
        ),
        (
            format!(
                "SELECT {k} AS bucket, COUNT(*) AS n FROM checkins k {m} \
                 WHERE k.week_start >= $2 AND k.week_start < $3 GROUP BY 1",
                k = b("k.week_start"),
                m = member("k.user_id", "k.created_at"),
            ),
            days(),
            |c, n| c.checkins = n,
        ),
        (
            format!(
                "SELECT {k} AS bucket, COUNT(*) AS n FROM checkin_challenges c \
                 JOIN checkins k ON k.id = c.checkin_id {m} \
                 WHERE c.created_at >= $2 AND c.created_at < $3 GROUP BY 1",
                k = b(&day_of(backend, "c.created_at")),
                m = member("k.user_id", "c.created_at"),
            ),
            times(),
            |c, n| c.raised = n,
        ),
        (
            format!(
                "SELECT {k} AS bucket, COUNT(*) AS n FROM checkin_challenges c \
                 WHERE c.department_id = $1 AND c.answered_at >= $2 AND c.answered_at < $3 GROUP BY 1",
                k = b(&day_of(backend, "c.answered_at")),
            ),
            times(),
            |c, n| c.answered = n,
        ),
        (review("IN_REVIEW"), times(), |c, n| c.submitted = n),
        (review("PUBLISHED"), times(), |c, n| c.published = n),
    ];
    // Independent reads, each on its own pooled connection.
    let (sums, counted, spans) = tokio::try_join!(
        query(
            db,
            format!(
                "SELECT {k} AS bucket, SUM(messages) AS messages, SUM(replies) AS replies, \
                 SUM(reactions) AS reactions FROM analytics_department_days \
                 WHERE department_id = $1 AND day >= $2 AND day < $3 GROUP BY 1",
                k = b("day")
            ),
            days(),
        ),
        futures_util::future::try_join_all(counts_sql.iter().map(|(sql, values, _)| query(
            db,
            sql,
            values.clone()
        )),),
        // Who was a member on each Monday, for participation.
        query(
            db,
            "SELECT valid_from, valid_to FROM analytics_member_spans WHERE department_id = $1",
            vec![Value::from(department)],
        ),
    )?;
    for row in sums {
        let c = counts.entry(key(&row)?).or_default();
        c.messages = get(&row, "messages")?;
        c.replies = get(&row, "replies")?;
        c.reactions = get(&row, "reactions")?;
    }
    for ((_, _, set), rows) in counts_sql.iter().zip(counted) {
        for row in rows {
            set(counts.entry(key(&row)?).or_default(), get(&row, "n")?);
        }
    }
    let spans: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = spans
        .iter()
        .map(|row| Ok((get(row, "valid_from")?, get(row, "valid_to")?)))
        .collect::<Result<_>>()?;
    let members_on = |day: NaiveDate| {
        let at = midnight(day);
        spans
            .iter()
            .filter(|(from, to)| *from <= at && to.is_none_or(|to| at < to))
            .count() as i64
    };

    let mut buckets = Vec::new();
    let mut start = range.from;
    while start < range.to {
        let key = bucket_key(bucket, start);
        let end = match bucket {
            Bucket::Day => start + Duration::days(1),
            Bucket::Week => key + Duration::days(7),
        }
        .min(range.to);
        let c = counts.get(&key).cloned().unwrap_or_default();
        let expected: i64 = (0..(end - start).num_days())
            .map(|d| start + Duration::days(d))
            .filter(|d| d.weekday() == chrono::Weekday::Mon)
            .map(members_on)
            .sum();
        let people = u64::try_from(c.people).unwrap_or(0);
        let figure = |value: Option<i64>| Figure::new(scope, (value, people), (None, 0));
        buckets.push(ActivityBucket {
            from: start,
            to: end,
            messages: figure(Some(c.messages)),
            replies: figure(Some(c.replies)),
            reactions: figure(Some(c.reactions)),
            active_people: figure(Some(c.people)),
            checkins: figure(Some(c.checkins)),
            participation: Figure::new(
                scope,
                (
                    (expected > 0).then(|| c.checkins as f64 / expected as f64),
                    people,
                ),
                (None, 0),
            ),
            challenges_raised: figure(Some(c.raised)),
            challenges_answered: figure(Some(c.answered)),
            guest_posts_submitted: figure(Some(c.submitted)),
            guest_posts_published: figure(Some(c.published)),
        });
        start = end;
    }
    Ok(buckets)
}

/// A pair of departments gone quiet.
#[derive(Clone, Debug)]
pub struct QuietLink {
    pub departments: [Uuid; 2],
    pub shared_channels: i64,
    /// The last UTC day with crossing activity.
    pub last_active_on: NaiveDate,
    /// Crossing acts per week over the four weeks ending on that day.
    pub usual_weekly_acts: Figure<f64>,
}

/// `quietLinks(days)`: the pairs sharing a channel with crossing activity
/// once, none on the last `days` UTC days (today included); quietest
/// first.
pub async fn quiet_links(
    db: &DatabaseConnection,
    cache: &AnalyticsCache,
    viewer: &Viewer,
    min_group: u32,
    days: i32,
    today: NaiveDate,
) -> Result<Arc<Vec<QuietLink>>> {
    if !(1..=365).contains(&days) {
        return Err(Error::bad_input("days", "must be from 1 to 365"));
    }
    let (_, scope) = Scope::of(db, viewer, min_group).await?;
    let key = Key::QuietLinks {
        scope: ScopeKey::of(&scope),
        days,
        today,
    };
    let compute = async {
        // Figures include every message posted so far (`record::fold`).
        record::fold(db).await?;
        Ok(Answer::QuietLinks(Arc::new(
            compute_quiet_links(db, &scope, days, today).await?,
        )))
    };
    match cache.get_or(key, compute).await? {
        Answer::QuietLinks(found) => Ok(found),
        _ => Err(mismatch()),
    }
}

async fn compute_quiet_links(
    db: &DatabaseConnection,
    scope: &Scope,
    days: i32,
    today: NaiveDate,
) -> Result<Vec<QuietLink>> {
    let (shared, slugs) = tokio::try_join!(shared_channels(db), slugs(db))?;
    let quiet_since = today - Duration::days(i64::from(days) - 1);
    let rows = query(
        db,
        &format!("SELECT {PAIR}, MAX(day) AS last FROM analytics_pair_days GROUP BY 1, 2"),
        vec![],
    )
    .await?;
    let mut links = Vec::new();
    for row in rows {
        let (a, b): (Uuid, Uuid) = (get(&row, "a")?, get(&row, "b")?);
        let last: NaiveDate = get(&row, "last")?;
        let Some(channels) = shared.get(&(a, b)) else {
            continue;
        };
        if last >= quiet_since || !scope.sees_pair(a, b) {
            continue;
        }
        // The pairs of a company's departments: a few dozen at most.
        let window = vec![
            Value::from(a),
            Value::from(b),
            Value::from(last - Duration::days(27)),
            Value::from(last),
        ];
        let side = "((from_department_id = $1 AND to_department_id = $2) \
                    OR (from_department_id = $2 AND to_department_id = $1)) AND day >= $3 AND day <= $4";
        let acts: i64 = match query(
            db,
            &format!("SELECT SUM(messages + replies + reactions) AS n FROM analytics_pair_days WHERE {side}"),
            window.clone(),
        )
        .await?
        .first()
        {
            Some(row) => get::<Option<i64>>(row, "n")?.unwrap_or(0),
            None => 0,
        };
        let people: i64 = match query(
            db,
            &format!("SELECT COUNT(DISTINCT user_id) AS n FROM analytics_pair_people WHERE {side}"),
            window,
        )
        .await?
        .first()
        {
            Some(row) => get(row, "n")?,
            None => 0,
        };
        let slug = |id: &Uuid| slugs.get(id).cloned().unwrap_or_default();
        let departments = if slug(&a) <= slug(&b) { [a, b] } else { [b, a] };
        links.push(QuietLink {
            departments,
            shared_channels: *channels,
            last_active_on: last,
            usual_weekly_acts: Figure::new(
                scope,
                (Some(acts as f64 / 4.0), u64::try_from(people).unwrap_or(0)),
                (None, 0),
            ),
        });
    }
    links.sort_by(|x, y| {
        (
            x.last_active_on,
            slugs.get(&x.departments[0]),
            slugs.get(&x.departments[1]),
        )
            .cmp(&(
                y.last_active_on,
                slugs.get(&y.departments[0]),
                slugs.get(&y.departments[1]),
            ))
    });
    Ok(links)
}

/// A person whose crossing activity reached other departments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bridge {
    pub user_id: Uuid,
    /// Distinct departments their acts crossed to.
    pub departments_reached: i64,
    /// Their crossing acts (one per act and department pair).
    pub acts: i64,
}

/// `bridges(from, to, first)`: comms and admins only.
pub async fn bridges(
    db: &DatabaseConnection,
    cache: &AnalyticsCache,
    viewer: &Viewer,
    range: Range,
    first: i32,
) -> Result<Arc<Vec<Bridge>>> {
    viewer.require(Action::ReadAllAnalytics)?;
    if !(1..=100).contains(&first) {
        return Err(Error::bad_input("first", "must be from 1 to 100"));
    }
    let compute = async {
        // Figures include every message posted so far (`record::fold`).
        record::fold(db).await?;
        Ok(Answer::Bridges(Arc::new(
            compute_bridges(db, range, first).await?,
        )))
    };
    match cache.get_or(Key::Bridges { range, first }, compute).await? {
        Answer::Bridges(found) => Ok(found),
        _ => Err(mismatch()),
    }
}

async fn compute_bridges(db: &DatabaseConnection, range: Range, first: i32) -> Result<Vec<Bridge>> {
    let rows = query(
        db,
        "SELECT user_id, COUNT(DISTINCT to_department_id) AS reached, SUM(acts) AS acts \
         FROM analytics_pair_people WHERE day >= $1 AND day < $2 \
         GROUP BY user_id ORDER BY 2 DESC, 3 DESC, user_id LIMIT $3",
        vec![
            Value::from(range.from),
            Value::from(range.to),
            Value::from(i64::from(first)),
        ],
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Bridge {
                user_id: get(row, "user_id")?,
                departments_reached: get(row, "reached")?,
                acts: get(row, "acts")?,
            })
        })
        .collect()
}

/// A viewer's own network over a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Network {
    /// Departments the viewer's acts crossed to, with the acts, by count.
    pub departments: Vec<(Uuid, i64)>,
    /// People whose questions the viewer answered first, with how many.
    pub helped: Vec<(Uuid, i64)>,
    /// People who first answered the viewer's questions, with how many.
    pub helped_by: Vec<(Uuid, i64)>,
}

/// `myNetwork(from, to)`: anyone signed in, about themselves.
pub async fn my_network(
    db: &DatabaseConnection,
    cache: &AnalyticsCache,
    viewer: &Viewer,
    range: Range,
) -> Result<Arc<Network>> {
    let user = viewer.require(Action::ReadDirectory)?.user_id;
    let compute = async {
        // Figures include every message posted so far (`record::fold`).
        record::fold(db).await?;
        Ok(Answer::MyNetwork(Arc::new(
            compute_my_network(db, user, range).await?,
        )))
    };
    match cache
        .get_or(Key::MyNetwork { user, range }, compute)
        .await?
    {
        Answer::MyNetwork(found) => Ok(found),
        _ => Err(mismatch()),
    }
}

async fn compute_my_network(db: &DatabaseConnection, user: Uuid, range: Range) -> Result<Network> {
    let me = Value::from(user);
    let pairs = |rows: Vec<QueryResult>, id: &str| -> Result<Vec<(Uuid, i64)>> {
        rows.iter()
            .map(|row| Ok((get(row, id)?, get(row, "n")?)))
            .collect()
    };
    let times = || {
        vec![
            me.clone(),
            Value::from(range.start()),
            Value::from(range.end()),
        ]
    };
    // Independent reads, each on its own pooled connection.
    let (departments, helped, helped_by) = tokio::try_join!(
        query(
            db,
            "SELECT to_department_id, SUM(acts) AS n FROM analytics_pair_people \
             WHERE user_id = $1 AND day >= $2 AND day < $3 GROUP BY to_department_id ORDER BY 2 DESC, 1",
            vec![me.clone(), Value::from(range.from), Value::from(range.to)],
        ),
        query(
            db,
            "SELECT asker_id, COUNT(DISTINCT message_id) AS n FROM analytics_questions \
             WHERE answered_by = $1 AND answered_at >= $2 AND answered_at < $3 \
             GROUP BY asker_id ORDER BY 2 DESC, 1",
            times(),
        ),
        query(
            db,
            "SELECT answered_by, COUNT(DISTINCT message_id) AS n FROM analytics_questions \
             WHERE asker_id = $1 AND answered_at >= $2 AND answered_at < $3 \
             GROUP BY answered_by ORDER BY 2 DESC, 1",
            times(),
        ),
    )?;
    Ok(Network {
        departments: pairs(departments, "to_department_id")?,
        helped: pairs(helped, "asker_id")?,
        helped_by: pairs(helped_by, "answered_by")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%F").unwrap();
        assert!(Range::parse(day("2026-12-02"), day("2026-12-01")).is_err());
        assert!(Range::parse(day("2026-12-01"), day("2026-12-01")).is_err());
        assert!(Range::parse(day("2024-01-01"), day("2026-01-02")).is_err());
        let range = Range::parse(day("2026-12-01"), day("2026-12-08")).unwrap();
        assert_eq!(
            range.previous(),
            Range {
                from: day("2026-11-24"),
                to: day("2026-12-01")
            }
        );
        assert_eq!(
            bucket_key(Bucket::Week, day("2026-12-06")),
            day("2026-11-30")
        );
    }
}
