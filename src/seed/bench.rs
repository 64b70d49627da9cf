//! `seed --bench`: a large, reproducible data set for load tests, written
//! with multi-row inserts in one transaction.
//!
//! # Data contract
//!
//! The load generator depends on exactly this; change it only together.
//!
//! With `--staff S --channels C --messages M` (defaults 2000, 100, 500000):
//!
//! - **People**: handles `bench-0001` … `bench-{S}` (four digits, zero-padded;
//!   more digits when S > 9999), emails `bench-0001@bench.synaps.test`,
//!   display names `Bench Person 0001`, title `Benchmark account`, role
//!   STAFF, password [`BENCH_PASSWORD`] (`synaps-bench-2026`) for all.
//!   Person *i* (1-based) is a member of one department, round robin over
//!   marketing, sales, hr, customer-service, communications (person 1:
//!   marketing, 2: sales, …). The departments are created if missing (the
//!   demo's definitions).
//! - **Channels**: slugs `bench-001` … `bench-{C}` (three digits, more when
//!   C > 999), names `Bench channel 001`, all PUBLIC, none archived. Channel
//!   *k* (1-based) is linked to department `(k-1) mod 5` of the list above;
//!   most even-numbered channels are also linked to a second department, so
//!   they are synapses. Every bench person is a member of every bench channel.
//! - **Messages**: M messages, posted on weekdays between 07:00 and 17:00 UTC
//!   over the 365 days before today, `created_at` strictly increasing with
//!   the row (ids are UUIDv7 built from `created_at`, so they increase too).
//!   Half of them go to the first quarter of the channels (the busy ones),
//!   the other half to any channel; authors are uniformly random bench
//!   people. About 10% are thread replies to one of the eight latest roots
//!   of the same channel; the rest are roots. Bodies are a sentence of plain
//!   text without @mentions. None is edited or deleted. People and channels
//!   are created (and people join) a day before the first message.
//! - **Reactions**: about 20% of the messages have reactions from one to
//!   three distinct bench people, with codes from
//!   [`reactions::CODES`](crate::domain::messages::reactions::CODES).
//! - **Check-ins**: for each of the 52 ISO weeks before the current one
//!   (weeks in UTC), about 80% of the bench people have a check-in, made on
//!   that Monday between 08:00 and 18:00 UTC, with wins, a mood (mostly)
//!   and zero to two challenges; about 20% of the challenges are addressed
//!   to another department (no thread), about half marked resolved
//!   (`seed::checkins`). People's zones are unset (the default).
//! - Not written: mentions, repliers' thread follows, notifications,
//!   events (a thread's starter follows it without a row). On PostgreSQL
//!   the loaded tables are ANALYZEd before the commit.
//!
//! The random choices come from a fixed seed, so two runs of the same build
//! with the same sizes make the same people, channels, bodies, threads and
//! reactions (times are relative to the day of the run).
//!
//! A database that already has bench people or channels is refused before
//! anything is written; the load runs in one transaction, so a failure
//! leaves nothing behind either (except the standard departments).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, Iterable, PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::DEPARTMENTS;
use super::checkins::{Author, Round};
use crate::auth::Role;
use crate::db;
use crate::domain::channels::Visibility;
use crate::domain::messages::reactions::CODES;
use crate::domain::round::week::Week;
use crate::entities::{
    channel_departments, channel_members, channels, department_members, departments,
    message_reactions, messages, users,
};
use crate::state::AppState;

/// Every bench account's password.
pub const BENCH_PASSWORD: &str = "synaps-bench-2026";
/// The domain of every bench account's email.
pub const EMAIL_DOMAIN: &str = "bench.synaps.test";
/// Handles and channel slugs start with this.
pub const PREFIX: &str = "bench-";

/// The fixed seed of every random choice.
const SEED: u64 = 0x5EED_5A9A_0000_2026;
/// SQLite's default limit on bound parameters per statement (since 3.32).
const SQLITE_MAX_PARAMS: usize = 32_766;
/// PostgreSQL's limit (the protocol counts parameters in 16 bits).
const POSTGRES_MAX_PARAMS: usize = 65_535;
/// Share of messages that reply to a thread.
const REPLY_SHARE: f64 = 0.10;
/// Share of messages that get reactions.
const REACTION_SHARE: f64 = 0.20;
/// How many of a channel's latest roots a reply may pick from.
const OPEN_THREADS: usize = 8;
/// Posting hours (UTC): a 10-hour working day from 07:00.
const WORKDAY_START_HOUR: u32 = 7;
const WORKDAY_MS: i64 = 10 * 3_600_000;
/// Weeks of check-ins, before the current one.
const CHECKIN_WEEKS: usize = 52;
/// Share of people who check in each week.
const CHECKIN_SHARE: f64 = 0.8;
/// Share of challenges addressed to another department.
const ADDRESSED_SHARE: f64 = 0.2;
/// How often progress is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// How much to load.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub staff: u32,
    pub channels: u32,
    pub messages: u32,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            staff: 2000,
            channels: 100,
            messages: 500_000,
        }
    }
}

/// What was loaded, and how long it took.
#[derive(Debug, Default)]
pub struct Report {
    pub staff: u32,
    pub channels: u32,
    pub memberships: u64,
    pub messages: u64,
    pub replies: u64,
    pub reactions: u64,
    pub checkins: u64,
    pub challenges: u64,
    pub elapsed: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seeded {} staff, {} channels, {} messages in {:.1} s \
             ({} replies, {} reactions, {} channel memberships, {} check-ins, \
             {} challenges)",
            self.staff,
            self.channels,
            self.messages,
            self.elapsed.as_secs_f64(),
            self.replies,
            self.reactions,
            self.memberships,
            self.checkins,
            self.challenges
        )
    }
}

/// Loads the bench data set; refuses if bench data is already there.
pub async fn seed(state: &AppState, sizes: Sizes) -> anyhow::Result<Report> {
    let started = Instant::now();
    let db = &state.db;
    check_sizes(sizes)?;
    refuse_if_seeded(db).await?;
    super::seed_departments(db).await?;
    let department_ids = department_ids(db).await?;
    // One hash for every row: argon2id costs ~19 MiB and tens of
    // milliseconds by design, so hashing 2000 times would take minutes.
    let password_hash = state
        .auth
        .hasher
        .hash(BENCH_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("cannot hash the bench password: {e:?}"))?;
    let calendar = Calendar::year_before(Utc::now().date_naive());
    let txn = begin_bulk(db).await?;
    let mut loader = Loader::new(&txn, started);
    let users = loader
        .people(
            sizes.staff,
            &password_hash,
            &department_ids,
            calendar.epoch(),
        )
        .await?;
    let channels = loader
        .channels(sizes.channels, &users, &department_ids, calendar.epoch())
        .await?;
    let generator = Generator::new(calendar, users.clone(), channels, sizes.messages);
    loader.messages(generator).await?;
    loader.checkins(&users, &department_ids).await?;
    let mut report = loader.report;
    analyze(&txn).await?;
    txn.commit().await.context("cannot commit the bench data")?;
    // The rows above went in directly: their analytics come from a rebuild,
    // with every membership and link taken as having always held.
    crate::domain::analytics::record::restart_history(db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot build the analytics rollups: {e:?}"))?;
    report.staff = sizes.staff;
    report.channels = sizes.channels;
    report.elapsed = started.elapsed();
    Ok(report)
}

fn check_sizes(sizes: Sizes) -> anyhow::Result<()> {
    if sizes.staff == 0 || sizes.channels == 0 {
        bail!("--staff and --channels must be at least 1");
    }
    Ok(())
}

/// Fails, naming what it found, when bench people or channels exist.
async fn refuse_if_seeded(db: &DatabaseConnection) -> anyhow::Result<()> {
    let people = users::Entity::find()
        .filter(users::Column::Email.ends_with(format!("@{EMAIL_DOMAIN}")))
        .count(db)
        .await?;
    let channels = channels::Entity::find()
        .filter(channels::Column::Slug.starts_with(PREFIX))
        .count(db)
        .await?;
    if people > 0 || channels > 0 {
        bail!(
            "bench data is already there ({people} people @{EMAIL_DOMAIN}, {channels} channels \
             named {PREFIX}…); nothing was written. Load it into a fresh database: \
             point DATABASE_URL at a new one and run `synaps migrate up` first"
        );
    }
    Ok(())
}

/// The ids of the five standard departments, in [`DEPARTMENTS`] order.
async fn department_ids(db: &DatabaseConnection) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(DEPARTMENTS.len());
    for (slug, _, _) in DEPARTMENTS {
        let department = departments::Entity::find()
            .filter(departments::Column::Slug.eq(slug))
            .one(db)
            .await?
            .with_context(|| format!("no department {slug}"))?;
        ids.push(department.id);
    }
    Ok(ids)
}

/// A write transaction for the whole load. On PostgreSQL the pool's
/// statement timeout (5 s, meant for requests) is lifted for it: a
/// multi-row insert into indexed tables on a busy machine may take longer.
async fn begin_bulk(db: &DatabaseConnection) -> anyhow::Result<DatabaseTransaction> {
    let txn = db::begin_write(db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot begin the bulk transaction: {e:?}"))?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL statement_timeout = 0")
            .await?;
        txn.execute_unprepared("SET LOCAL idle_in_transaction_session_timeout = 0")
            .await?;
    }
    Ok(txn)
}

/// On PostgreSQL, fresh planner statistics for the loaded tables, so that
/// a load test started right away gets the plans it will get once
/// autovacuum has caught up (about a second for the defaults). Inside the
/// load's transaction, ANALYZE samples its rows. SQLite is left alone:
/// synaps never runs ANALYZE there, so its plans stay those of a real install.
async fn analyze(txn: &DatabaseTransaction) -> anyhow::Result<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(
            "ANALYZE users, department_members, channels, channel_departments, \
             channel_members, messages, message_reactions, checkins, checkin_challenges",
        )
        .await?;
    }
    Ok(())
}

/// `prefix` and `number` zero-padded to at least `min_width` digits, wide
/// enough for `count`.
fn numbered(prefix: &str, number: u32, count: u32, min_width: usize) -> String {
    let width = count.to_string().len().max(min_width);
    format!("{prefix}{number:0width$}")
}

/// The largest number of rows of `A` one statement may carry.
fn rows_per_statement<A: ActiveModelTrait>(backend: DbBackend) -> usize {
    let limit = match backend {
        DbBackend::Postgres => POSTGRES_MAX_PARAMS,
        _ => SQLITE_MAX_PARAMS,
    };
    let columns = <A::Entity as EntityTrait>::Column::iter().count();
    (limit / columns.max(1)).max(1)
}

/// Inserts `rows` with multi-row `INSERT`s, each under the backend's
/// bound-parameter limit, holding one statement's rows at a time.
async fn insert_chunked<A>(
    conn: &DatabaseTransaction,
    rows: impl IntoIterator<Item = A>,
) -> anyhow::Result<u64>
where
    A: ActiveModelTrait,
{
    let per_statement = rows_per_statement::<A>(conn.get_database_backend());
    let mut rows = rows.into_iter();
    let mut inserted = 0;
    loop {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        if chunk.is_empty() {
            return Ok(inserted);
        }
        inserted += <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
}

/// Inserts as many full statements' worth of `rows` as there are, from
/// the front, and leaves the rest for later. Every such statement has the
/// same SQL, so the driver prepares it once: a statement per row count
/// would fill its statement cache with large prepared inserts.
async fn insert_full_statements<A>(
    conn: &DatabaseTransaction,
    rows: &mut Vec<A>,
) -> anyhow::Result<u64>
where
    A: ActiveModelTrait,
{
    let per_statement = rows_per_statement::<A>(conn.get_database_backend());
    let full = rows.len() / per_statement * per_statement;
    insert_chunked(conn, rows.drain(..full)).await
}

/// Writes the data set in one transaction and keeps count.
struct Loader<'a> {
    txn: &'a DatabaseTransaction,
    started: Instant,
    report: Report,
}

impl<'a> Loader<'a> {
    fn new(txn: &'a DatabaseTransaction, started: Instant) -> Self {
        Loader {
            txn,
            started,
            report: Report::default(),
        }
    }

    fn progress(&self, what: &str) {
        eprintln!("[{:>6.1} s] {what}", self.started.elapsed().as_secs_f64());
    }

    /// The bench people and their departments; returns their ids in order.
    async fn people(
        &mut self,
        count: u32,
        password_hash: &str,
        department_ids: &[Uuid],
        at: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Uuid>> {
        let ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
        let rows = ids.iter().zip(1..=count).map(|(id, number)| {
            let digits = numbered("", number, count, 4);
            users::ActiveModel {
                id: Set(*id),
                email: Set(format!("{PREFIX}{digits}@{EMAIL_DOMAIN}")),
                handle: Set(format!("{PREFIX}{digits}")),
                display_name: Set(format!("Bench Person {digits}")),
                title: Set("Benchmark account".to_owned()),
                bio: Set(String::new()),
                role: Set(Role::Staff.as_str().to_owned()),
                password_hash: Set(password_hash.to_owned()),
                token_version: Set(0),
                deactivated_at: Set(None),
                created_at: Set(at),
                updated_at: Set(at),
                time_zone: Set(None),
                checkin_reminders: Set(true),
                language: Set(None),
            }
        });
        insert_chunked(self.txn, rows).await?;
        let memberships =
            ids.iter()
                .enumerate()
                .map(|(i, user_id)| department_members::ActiveModel {
                    department_id: Set(department_ids[i % department_ids.len()]),
                    user_id: Set(*user_id),
                    joined_at: Set(at),
                });
        insert_chunked(self.txn, memberships).await?;
        self.progress(&format!("{count} people"));
        Ok(ids)
    }

    /// The bench channels, their departments and members (everyone);
    /// returns their ids in order.
    async fn channels(
        &mut self,
        count: u32,
        users: &[Uuid],
        department_ids: &[Uuid],
        at: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Uuid>> {
        let ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
        let rows = ids.iter().zip(1..=count).enumerate().map(|(k, (id, n))| {
            let digits = numbered("", n, count, 3);
            channels::ActiveModel {
                id: Set(*id),
                slug: Set(format!("{PREFIX}{digits}")),
                name: Set(format!("Bench channel {digits}")),
                topic: Set(format!("Benchmark channel {digits}.")),
                visibility: Set(Visibility::Public.as_str().to_owned()),
                archived_at: Set(None),
                created_by: Set(users[k % users.len()]),
                created_at: Set(at),
                updated_at: Set(at),
            }
        });
        insert_chunked(self.txn, rows).await?;
        let links = ids.iter().enumerate().flat_map(|(k, channel_id)| {
            linked_departments(k, department_ids.len())
                .into_iter()
                .map(move |d| channel_departments::ActiveModel {
                    channel_id: Set(*channel_id),
                    department_id: Set(department_ids[d]),
                })
        });
        insert_chunked(self.txn, links).await?;
        let members = ids.iter().flat_map(|channel_id| {
            users
                .iter()
                .map(move |user_id| channel_members::ActiveModel {
                    channel_id: Set(*channel_id),
                    user_id: Set(*user_id),
                    joined_at: Set(at),
                })
        });
        self.report.memberships = insert_chunked(self.txn, members).await?;
        self.progress(&format!(
            "{count} channels, {} memberships",
            self.report.memberships
        ));
        Ok(ids)
    }

    /// The messages and their reactions, one statement's worth at a time.
    async fn messages(&mut self, mut generator: Generator) -> anyhow::Result<()> {
        let backend = self.txn.get_database_backend();
        let per_statement = rows_per_statement::<messages::ActiveModel>(backend);
        let total = generator.total;
        let mut last_report = Instant::now();
        let mut reactions = Vec::new();
        while generator.next_index < total {
            let batch = generator.batch(per_statement);
            self.report.messages += insert_chunked(self.txn, batch.messages).await?;
            reactions.extend(batch.reactions);
            self.report.reactions += insert_full_statements(self.txn, &mut reactions).await?;
            self.report.replies += batch.replies;
            if last_report.elapsed() >= PROGRESS_EVERY || generator.next_index == total {
                last_report = Instant::now();
                self.progress(&format!(
                    "{}/{total} messages, {} reactions",
                    self.report.messages, self.report.reactions
                ));
            }
        }
        self.report.reactions += insert_chunked(self.txn, reactions).await?;
        Ok(())
    }

    /// A year of check-ins (see the data contract), a week at a time.
    async fn checkins(&mut self, users: &[Uuid], department_ids: &[Uuid]) -> anyhow::Result<()> {
        let now = Utc::now();
        let authors: Vec<Author> = users
            .iter()
            .enumerate()
            .map(|(i, id)| Author {
                id: *id,
                department: i % department_ids.len().max(1),
            })
            .collect();
        let round = Round {
            department_ids,
            share: CHECKIN_SHARE,
            addressed_share: ADDRESSED_SHARE,
            resolved_share: 0.5,
            now,
        };
        // Its own stream, so the messages stay what they were.
        let mut rng = StdRng::seed_from_u64(SEED ^ 0xC4EC_1105);
        let mut week = Week::current(chrono_tz::UTC, now);
        let mut checkins = Vec::new();
        let mut challenges = Vec::new();
        for _ in 0..CHECKIN_WEEKS {
            week = week.previous();
            let rows = round.week(&mut rng, week, &authors, |_| true);
            checkins.extend(rows.checkins);
            challenges.extend(rows.challenges);
            self.report.checkins += insert_full_statements(self.txn, &mut checkins).await?;
            // A challenge goes in after its check-in (the foreign key is
            // checked at once): hold back those of check-ins still buffered.
            let waiting: std::collections::HashSet<Uuid> = checkins
                .iter()
                .filter_map(|c| c.id.try_as_ref().copied())
                .collect();
            let split = challenges
                .iter()
                .position(|c| {
                    c.checkin_id
                        .try_as_ref()
                        .is_some_and(|id| waiting.contains(id))
                })
                .unwrap_or(challenges.len());
            let mut held = challenges.split_off(split);
            self.report.challenges += insert_full_statements(self.txn, &mut challenges).await?;
            challenges.append(&mut held);
        }
        self.report.checkins += insert_chunked(self.txn, checkins).await?;
        self.report.challenges += insert_chunked(self.txn, challenges).await?;
        self.progress(&format!(
            "{} check-ins, {} challenges",
            self.report.checkins, self.report.challenges
        ));
        Ok(())
    }
}

/// The departments (indexes) channel `k` (0-based) links: one, and for
/// most odd `k` (even-numbered channels) a second, varying pair by pair.
fn linked_departments(k: usize, departments: usize) -> Vec<usize> {
    let first = k % departments;
    let second = (k + 1 + k / departments) % departments;
    if k % 2 == 1 && second != first {
        vec![first, second]
    } else {
        vec![first]
    }
}

/// Working hours of the weekdays in the year before a day, as one axis of
/// milliseconds, so messages spread evenly over the hours people work.
struct Calendar {
    /// Each weekday's 07:00 UTC, as Unix milliseconds, oldest first.
    days: Vec<i64>,
}

impl Calendar {
    fn year_before(today: NaiveDate) -> Calendar {
        let days = (1..=365)
            .rev()
            .filter_map(|back| today.checked_sub_days(chrono::Days::new(back)))
            .filter(|day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
            .filter_map(|day| day.and_hms_opt(WORKDAY_START_HOUR, 0, 0))
            .map(|start| start.and_utc().timestamp_millis())
            .collect();
        Calendar { days }
    }

    /// Working milliseconds on the axis.
    fn span(&self) -> i64 {
        self.days.len() as i64 * WORKDAY_MS
    }

    /// The time at `offset` working milliseconds from the start.
    fn at(&self, offset: i64) -> i64 {
        let day = usize::try_from(offset / WORKDAY_MS).unwrap_or(0);
        let start = self.days.get(day).or(self.days.last()).copied();
        start.unwrap_or(0) + offset % WORKDAY_MS
    }

    /// A day before the first message: when the people and channels appear.
    fn epoch(&self) -> DateTime<Utc> {
        let first = self.days.first().copied().unwrap_or(0);
        DateTime::from_timestamp_millis(first - 86_400_000).unwrap_or_default()
    }
}

/// One statement's messages with their reactions.
struct Batch {
    messages: Vec<messages::ActiveModel>,
    reactions: Vec<message_reactions::ActiveModel>,
    replies: u64,
}

/// Makes the messages in order, from the fixed seed, remembering only each
/// channel's latest roots (memory stays bounded whatever the count).
struct Generator {
    rng: StdRng,
    calendar: Calendar,
    users: Vec<Uuid>,
    channels: Vec<Uuid>,
    open_threads: Vec<VecDeque<Uuid>>,
    total: u64,
    next_index: u64,
}

impl Generator {
    fn new(calendar: Calendar, users: Vec<Uuid>, channels: Vec<Uuid>, total: u32) -> Generator {
        Generator {
            rng: StdRng::seed_from_u64(SEED),
            calendar,
            open_threads: vec![VecDeque::with_capacity(OPEN_THREADS); channels.len()],
            users,
            channels,
            total: u64::from(total),
            next_index: 0,
        }
    }

    /// The next (at most) `size` messages.
    fn batch(&mut self, size: usize) -> Batch {
        let mut batch = Batch {
            messages: Vec::with_capacity(size),
            reactions: Vec::new(),
            replies: 0,
        };
        let end = self.total.min(self.next_index + size as u64);
        while self.next_index < end {
            let message = self.message(self.next_index);
            batch.replies += u64::from(message.parent_id.is_some());
            if self.rng.random_bool(REACTION_SHARE) {
                batch.reactions.extend(self.reactions(&message));
            }
            batch.messages.push(message.into());
            self.next_index += 1;
        }
        batch
    }

    /// Message `index`: its time grows with the index (the axis is cut in
    /// equal steps and each message lands at random within its own step).
    fn message(&mut self, index: u64) -> messages::Model {
        let span = self.calendar.span().max(1) as u128;
        let total = u128::from(self.total.max(1));
        let step = i64::try_from(span / total).unwrap_or(1).max(1);
        let base = i64::try_from(u128::from(index) * span / total).unwrap_or(0);
        let millis = self
            .calendar
            .at(base + self.rng.random_range(0..step))
            .max(0);
        let channel = self.pick_channel();
        let parent_id = self.parent_for(channel);
        let mut random = [0u8; 10];
        self.rng.fill(&mut random);
        let id = uuid::Builder::from_unix_timestamp_millis(millis as u64, &random).into_uuid();
        if parent_id.is_none() {
            self.open_thread(channel, id);
        }
        messages::Model {
            id,
            channel_id: self.channels[channel],
            author_id: self.users[self.rng.random_range(0..self.users.len())],
            parent_id,
            body: self.body(parent_id.is_some()),
            created_at: DateTime::from_timestamp_millis(millis).unwrap_or_default(),
            edited_at: None,
            deleted_at: None,
            erased_at: None,
        }
    }

    /// Mildly skewed: half the messages go to the busiest quarter of the
    /// channels, the rest anywhere.
    fn pick_channel(&mut self) -> usize {
        let all = self.channels.len();
        let busy = (all / 4).max(1);
        let range = if self.rng.random_bool(0.5) { busy } else { all };
        self.rng.random_range(0..range)
    }

    /// A recent root of `channel` to reply to, about one time in ten.
    fn parent_for(&mut self, channel: usize) -> Option<Uuid> {
        let open = &self.open_threads[channel];
        if open.is_empty() || !self.rng.random_bool(REPLY_SHARE) {
            return None;
        }
        open.get(self.rng.random_range(0..open.len())).copied()
    }

    fn open_thread(&mut self, channel: usize, root: Uuid) {
        let open = &mut self.open_threads[channel];
        if open.len() == OPEN_THREADS {
            open.pop_front();
        }
        open.push_back(root);
    }

    fn body(&mut self, reply: bool) -> String {
        if reply {
            return pick(&mut self.rng, &REPLIES).to_owned();
        }
        format!(
            "{} {}{}",
            pick(&mut self.rng, &OPENERS),
            pick(&mut self.rng, &TOPICS),
            pick(&mut self.rng, &CLOSERS)
        )
    }

    /// One to three distinct people react, mostly with the same code, some
    /// minutes after the message.
    fn reactions(&mut self, message: &messages::Model) -> Vec<message_reactions::ActiveModel> {
        let most = self.users.len().min(3);
        let count = self.rng.random_range(1..=most);
        let main = pick(&mut self.rng, &CODES);
        rand::seq::index::sample(&mut self.rng, self.users.len(), count)
            .into_iter()
            .map(|user| {
                let code = if self.rng.random_bool(0.7) {
                    main
                } else {
                    pick(&mut self.rng, &CODES)
                };
                let later = chrono::Duration::minutes(self.rng.random_range(1..=240));
                message_reactions::ActiveModel {
                    message_id: Set(message.id),
                    code: Set(code.to_owned()),
                    user_id: Set(self.users[user]),
                    created_at: Set(message.created_at + later),
                }
            })
            .collect()
    }
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from.get(rng.random_range(0..from.len()))
        .copied()
        .unwrap_or_default()
}

const OPENERS: [&str; 10] = [
    "Quick update on",
    "Can someone help with",
    "Heads-up about",
    "Notes from today's call about",
    "Question about",
    "Good news on",
    "Draft ready for",
    "Who owns",
    "Any feedback on",
    "Reminder:",
];

const TOPICS: [&str; 14] = [
    "the spring campaign",
    "the Q3 pipeline review",
    "onboarding for the new support hires",
    "the Northwind renewal",
    "the customer newsletter",
    "next week's webinar",
    "the pricing page copy",
    "the holiday rota",
    "the customer survey results",
    "the press release",
    "the ticket backlog",
    "the trade show booth",
    "the new help-centre articles",
    "the quarterly all-hands",
];

const CLOSERS: [&str; 6] = [
    ".",
    "?",
    " — details in the shared doc.",
    ", thoughts?",
    ". Thanks all!",
    ". More at standup.",
];

const REPLIES: [&str; 10] = [
    "Thanks, on it.",
    "Sounds good to me.",
    "I can take this one.",
    "Let's pick it up at standup.",
    "+1",
    "Done — see the updated doc.",
    "Could you share the numbers?",
    "Looping in my team.",
    "Great work, everyone!",
    "Not yet, I'll have it by Friday.",
];

#[cfg(test)]
mod tests {
    use sea_orm::TryIntoModel;

    use super::*;

    #[test]
    fn numbers_are_zero_padded_and_widen_when_needed() {
        assert_eq!(numbered("bench-", 1, 2000, 4), "bench-0001");
        assert_eq!(numbered("bench-", 12, 100, 3), "bench-012");
        assert_eq!(numbered("bench-", 12, 12_000, 4), "bench-00012");
        assert_eq!(numbered("bench-", 1000, 1000, 3), "bench-1000");
    }

    #[test]
    fn chunks_stay_under_both_parameter_limits() {
        let sqlite = rows_per_statement::<messages::ActiveModel>(DbBackend::Sqlite);
        let postgres = rows_per_statement::<messages::ActiveModel>(DbBackend::Postgres);
        let columns = <messages::Column as sea_orm::Iterable>::iter().count();
        assert!(sqlite * columns <= SQLITE_MAX_PARAMS);
        assert!((sqlite + 1) * columns > SQLITE_MAX_PARAMS);
        assert!(postgres * columns <= POSTGRES_MAX_PARAMS);
    }

    #[test]
    fn message_times_increase_within_working_hours() {
        let calendar = Calendar::year_before(NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date"));
        let users = vec![Uuid::now_v7(); 5];
        let channels = vec![Uuid::now_v7(), Uuid::now_v7()];
        let mut generator = Generator::new(calendar, users, channels, 5000);
        let batch = generator.batch(5000);
        let models: Vec<messages::Model> = batch
            .messages
            .into_iter()
            .filter_map(|m| m.try_into_model().ok())
            .collect();
        assert_eq!(models.len(), 5000);
        for pair in models.windows(2) {
            assert!(pair[0].created_at < pair[1].created_at);
            assert!(pair[0].id < pair[1].id);
        }
        for message in &models {
            use chrono::Timelike;
            let hour = message.created_at.hour();
            assert!((7..17).contains(&hour), "{}", message.created_at);
            assert!(!matches!(
                message.created_at.weekday(),
                Weekday::Sat | Weekday::Sun
            ));
        }
        let replies = models.iter().filter(|m| m.parent_id.is_some()).count();
        assert!((300..700).contains(&replies), "{replies} replies");
    }

    #[test]
    fn some_channels_link_two_departments() {
        let links: Vec<Vec<usize>> = (0..100).map(|k| linked_departments(k, 5)).collect();
        assert!(links.iter().all(|l| !l.is_empty() && l.len() <= 2));
        assert!(links.iter().filter(|l| l.len() == 2).count() >= 40);
    }
}
