//! The demo company's people and their weekly round: enough people per
//! department (nine each) that analytics are not all suppressed under the
//! minimum group of five, people's time zones, some time away, company
//! holidays, the last four weeks of check-ins (and of chatter in the
//! departments' channels) plus about half of the current week's, and three
//! current check-ins submitted through `round::checkins::submit` whose
//! challenges open threads in a shared channel, two answered by a reply
//! from the addressed department.
//!
//! The extra people share one password hash (argon2id is slow by design;
//! hashing each would slow `serve --demo`'s start), and the round's rows
//! are multi-row inserts in one transaction (`seed::checkins`); the
//! analytics rollups are rebuilt afterwards, with every membership taken as
//! having always held.

use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::DEPARTMENTS;
use super::checkins::{Author, Round};
use crate::auth::{AuthService, Role};
use crate::db;
use crate::domain::round::week::Week;
use crate::entities::{
    away_periods, channel_members, channels, checkin_challenges, checkins, department_members,
    departments, holidays, messages, users,
};

/// (handle, full name, title, department, time zone): staff who joined the
/// original twenty.
const MORE_PEOPLE: [(&str, &str, &str, &str, &str); 21] = [
    (
        "elin",
        "Elin Sjöberg",
        "SEO Specialist",
        "marketing",
        "Europe/Stockholm",
    ),
    (
        "marco",
        "Marco Bianchi",
        "Events Manager",
        "marketing",
        "Europe/Rome",
    ),
    (
        "grace",
        "Grace Liu",
        "Marketing Analyst",
        "marketing",
        "America/New_York",
    ),
    (
        "oliver",
        "Oliver Hughes",
        "Copywriter",
        "marketing",
        "Europe/London",
    ),
    (
        "sara",
        "Sara Lindqvist",
        "Account Executive",
        "sales",
        "Europe/Stockholm",
    ),
    (
        "james",
        "James O'Brien",
        "Account Executive",
        "sales",
        "Europe/Dublin",
    ),
    (
        "nina",
        "Nina Kowalska",
        "Sales Operations Analyst",
        "sales",
        "Europe/Warsaw",
    ),
    (
        "carlos",
        "Carlos Mendes",
        "Account Executive",
        "sales",
        "America/Sao_Paulo",
    ),
    (
        "aisha",
        "Aisha Bello",
        "Sales Development Representative",
        "sales",
        "Europe/London",
    ),
    (
        "karin",
        "Karin Holm",
        "Payroll Specialist",
        "hr",
        "Europe/Stockholm",
    ),
    (
        "felix",
        "Felix Braun",
        "Learning and Development Partner",
        "hr",
        "Europe/Berlin",
    ),
    (
        "maja",
        "Maja Petersen",
        "Recruiter",
        "hr",
        "Europe/Copenhagen",
    ),
    (
        "samir",
        "Samir Khan",
        "HR Generalist",
        "hr",
        "Europe/Stockholm",
    ),
    (
        "lina",
        "Lina Eriksson",
        "People Coordinator",
        "hr",
        "Europe/Stockholm",
    ),
    (
        "erik",
        "Erik Lund",
        "Support Specialist",
        "customer-service",
        "Europe/Stockholm",
    ),
    (
        "zoe",
        "Zoe Martin",
        "Support Specialist",
        "customer-service",
        "America/New_York",
    ),
    (
        "kenji",
        "Kenji Sato",
        "Support Specialist",
        "customer-service",
        "Asia/Tokyo",
    ),
    (
        "astrid",
        "Astrid Nyberg",
        "PR Manager",
        "communications",
        "Europe/Stockholm",
    ),
    (
        "mateo",
        "Mateo García",
        "Video Producer",
        "communications",
        "Europe/Madrid",
    ),
    (
        "hugo",
        "Hugo Lefebvre",
        "Community Manager",
        "communications",
        "Europe/Paris",
    ),
    (
        "ella",
        "Ella Virtanen",
        "Social Media Specialist",
        "communications",
        "Europe/Helsinki",
    ),
];

/// The original twenty's zones where not Stockholm.
const ZONES: [(&str, &str); 6] = [
    ("noah", "Europe/Berlin"),
    ("emma", "Europe/Paris"),
    ("david", "America/New_York"),
    ("yuki", "Asia/Tokyo"),
    ("ben", "Europe/London"),
    ("tomas", "Europe/Madrid"),
];

/// The fixed seed of the round's random choices.
const SEED: u64 = 0x5EED_0000_2026_0015;

/// Adds the extra people, zones, time away, holidays and check-ins.
pub async fn seed(db: &DatabaseConnection, auth: &AuthService) -> anyhow::Result<()> {
    let hash = auth
        .hasher
        .hash(super::DEMO_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("cannot hash the demo password: {e:?}"))?;
    let department_ids = department_ids(db).await?;
    let now = Utc::now();
    let txn = db::begin_write(db)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;

    let mut people = Vec::new();
    let mut members = Vec::new();
    for (handle, name, title, department, zone) in MORE_PEOPLE {
        let id = Uuid::now_v7();
        people.push(users::ActiveModel {
            id: Set(id),
            email: Set(format!("{handle}@example.com")),
            handle: Set(handle.to_owned()),
            display_name: Set(name.to_owned()),
            title: Set(title.to_owned()),
            bio: Set(String::new()),
            role: Set(Role::Staff.as_str().to_owned()),
            password_hash: Set(hash.clone()),
            token_version: Set(0),
            deactivated_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            time_zone: Set(Some(zone.to_owned())),
            checkin_reminders: Set(true),
            language: Set(None),
        });
        members.push(department_members::ActiveModel {
            department_id: Set(department_id(&department_ids, department)?),
            user_id: Set(id),
            joined_at: Set(now),
        });
    }
    users::Entity::insert_many(people)
        .exec_without_returning(&txn)
        .await?;
    department_members::Entity::insert_many(members)
        .exec_without_returning(&txn)
        .await?;

    // Everyone else lives in Stockholm, but for a few.
    users::Entity::update_many()
        .col_expr(users::Column::TimeZone, Expr::value("Europe/Stockholm"))
        .filter(users::Column::TimeZone.is_null())
        .exec(&txn)
        .await?;
    for (handle, zone) in ZONES {
        users::Entity::update_many()
            .col_expr(users::Column::TimeZone, Expr::value(zone))
            .filter(users::Column::Handle.eq(handle))
            .exec(&txn)
            .await?;
    }

    let this_week = Week::current(chrono_tz::UTC, now);
    let weeks: Vec<Week> = (1..=4)
        .rev()
        .map(|back| (0..back).fold(this_week, |w, _| w.previous()))
        .collect();
    // Hannah is away this week and next; Noah was away two weeks ago; Kenji
    // will be away next week.
    let away = [
        ("hannah", this_week.monday(), 11, "Vacation"),
        ("noah", weeks[2].monday(), 4, "Conference in Berlin"),
        ("kenji", this_week.next().monday(), 4, "Visiting family"),
    ];
    let mut periods = Vec::new();
    for (handle, from, days, note) in away {
        periods.push(away_periods::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id(&txn, handle).await?),
            starts_on: Set(from),
            ends_on: Set(from + Days::new(days)),
            note: Set(note.to_owned()),
            created_at: Set(now),
        });
    }
    away_periods::Entity::insert_many(periods)
        .exec_without_returning(&txn)
        .await?;
    holidays::Entity::insert_many(company_holidays(now.date_naive()).into_iter().map(
        |(day, name)| holidays::ActiveModel {
            id: Set(Uuid::now_v7()),
            day: Set(day),
            name: Set(name.to_owned()),
            created_at: Set(now),
        },
    ))
    .exec_without_returning(&txn)
    .await?;

    // Everyone but the administrators checks in (most weeks).
    let rows: Vec<(Uuid, Uuid)> = department_members::Entity::find()
        .select_only()
        .column(department_members::Column::DepartmentId)
        .column(department_members::Column::UserId)
        .order_by_asc(department_members::Column::UserId)
        .order_by_asc(department_members::Column::JoinedAt)
        .into_tuple()
        .all(&txn)
        .await?;
    let admins: Vec<Uuid> = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin.as_str()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let mut authors: Vec<Author> = Vec::new();
    for (department, user) in rows {
        if admins.contains(&user) || authors.iter().any(|a| a.id == user) {
            continue;
        }
        if let Some(index) = department_ids.iter().position(|d| *d == department) {
            authors.push(Author {
                id: user,
                department: index,
            });
        }
    }
    authors.sort_by_key(|a| a.id);
    let noah = user_id(&txn, "noah").await?;
    let hannah = user_id(&txn, "hannah").await?;
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut round = Round {
        department_ids: &department_ids,
        share: 0.85,
        addressed_share: 0.3,
        resolved_share: 0.5,
        now,
    };
    let mut all_checkins = Vec::new();
    let mut all_challenges = Vec::new();
    for (n, week) in weeks.iter().enumerate() {
        let rows = round.week(&mut rng, *week, &authors, |a| !(n == 2 && a.id == noah));
        all_checkins.extend(rows.checkins);
        all_challenges.extend(rows.challenges);
    }
    // The current week is under way: about half have checked in.
    round.share = 0.5;
    let rows = round.week(&mut rng, this_week, &authors, |a| a.id != hannah);
    all_checkins.extend(rows.checkins);
    all_challenges.extend(rows.challenges);
    chatter(&txn, &mut rng, &weeks, &authors).await?;
    checkins::Entity::insert_many(all_checkins)
        .exec_without_returning(&txn)
        .await?;
    if !all_challenges.is_empty() {
        checkin_challenges::Entity::insert_many(all_challenges)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    // The people above joined their departments directly, not through the
    // analytics hooks: take every membership as having always held (the
    // demo's history starts with it) and rebuild the rollups.
    crate::domain::analytics::record::restart_history(db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot build the analytics rollups: {e:?}"))?;
    routed(db).await
}

/// Who answers a routed challenge, and how.
type Answer = Option<(&'static str, &'static str)>;

/// (author, addressed department, challenge, wins, who answers, answer):
/// check-ins of the current week submitted through the weekly round's own
/// path, so their challenges open threads in a channel the departments
/// share, and answered (or not) by a reply from the addressed department.
const ROUTED: [(&str, &str, &str, &str, Answer); 3] = [
    (
        "emma",
        "marketing",
        "Need a one-pager on the new tier for the retail chain — can Marketing help?",
        "Two proposals out to the retail chain.",
        Some((
            "mia",
            "Yes: I'll share a draft one-pager in this thread by Wednesday.",
        )),
    ),
    (
        "anna",
        "hr",
        "We need help writing the job ad for a senior support role.",
        "Closed 40 chat tickets and wrote two help articles.",
        Some((
            "oskar",
            "Happy to: send me the must-haves and I'll draft it today.",
        )),
    ),
    (
        "sara",
        "marketing",
        "Which customer quotes are approved for external use?",
        "Booked six demos for next week.",
        None,
    ),
];

async fn routed(db: &DatabaseConnection) -> anyhow::Result<()> {
    use crate::config::Limits;
    use crate::domain::channels::membership;
    use crate::domain::messages::post::{self, NewMessage};
    use crate::domain::round::checkins::{self as round, NewChallenge, NewCheckin, RoundSettings};

    let limits = Limits::default();
    let settings = RoundSettings {
        default_zone: chrono_tz::UTC,
        limits: &limits,
    };
    let ids = department_ids(db).await?;
    for (author, to, challenge, wins, answer) in ROUTED {
        let viewer = super::posts::viewer(db, author).await?;
        let new = NewCheckin {
            week: None,
            wins: wins.to_owned(),
            challenges: vec![NewChallenge {
                id: None,
                body: challenge.to_owned(),
                department_id: Some(department_id(&ids, to)?),
            }],
            mood: Some(4),
        };
        let checkin = round::submit(db, &viewer, settings, new)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .with_context(|| format!("cannot seed @{author}'s check-in"))?;
        let Some((answerer, reply)) = answer else {
            continue;
        };
        let challenges = round::challenges_of(db, &[checkin.id])
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let thread = challenges
            .get(&checkin.id)
            .and_then(|c| c.first())
            .and_then(|c| c.thread_message_id)
            .with_context(|| format!("@{author}'s challenge opened no thread"))?;
        let root = messages::Entity::find_by_id(thread)
            .one(db)
            .await?
            .context("the thread's message is gone")?;
        let viewer = super::posts::viewer(db, answerer).await?;
        // Joining is free in a public channel (and a no-op for a member).
        membership::join(db, &viewer, root.channel_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        post::post(
            db,
            &viewer,
            &limits,
            NewMessage {
                channel_id: root.channel_id,
                body: reply.to_owned(),
                parent_id: Some(root.id),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| format!("cannot seed @{answerer}'s answer"))?;
    }
    Ok(())
}

/// Each department's channel for the chatter of past weeks, by index in
/// [`DEPARTMENTS`]: the synapses of the demo (`seed::channels`), and
/// announcements for communications.
const CHANNEL_OF: [&str; 5] = [
    "spring-launch",
    "spring-launch",
    "onboarding",
    "onboarding",
    "announcements",
];

/// Short messages of past weeks, so that those weeks have the activity
/// analytics need (a bucket is suppressed for managers under five active
/// people). Written directly with past times, like the bench's messages;
/// the rollups are rebuilt afterwards.
const CHATTER: [&str; 8] = [
    "Thanks for the quick help on this one!",
    "Notes from today's sync are in the shared folder.",
    "Can someone take a look at the draft before Friday?",
    "Agreed, let's go with the second option.",
    "Customer feedback from this week: mostly about invoices.",
    "I'll pick this up tomorrow morning.",
    "Great work, everyone.",
    "Moved the review to Thursday 14:00.",
];

/// Every author joins their department's channel and posts a message or a
/// reply there (some two) in each of `weeks`.
async fn chatter(
    txn: &sea_orm::DatabaseTransaction,
    rng: &mut StdRng,
    weeks: &[Week],
    authors: &[Author],
) -> anyhow::Result<()> {
    use rand::Rng;

    let mut channel_ids = Vec::new();
    for slug in CHANNEL_OF {
        let channel = channels::Entity::find()
            .filter(channels::Column::Slug.eq(slug))
            .one(txn)
            .await?
            .with_context(|| format!("no demo channel #{slug}"))?;
        channel_ids.push(channel.id);
    }
    let members: std::collections::HashSet<(Uuid, Uuid)> = channel_members::Entity::find()
        .filter(channel_members::Column::ChannelId.is_in(channel_ids.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.channel_id, m.user_id))
        .collect();
    let joined_at = weeks
        .first()
        .map(|w| w.starts_at(chrono_tz::UTC) - chrono::Duration::days(1))
        .unwrap_or_else(Utc::now);
    let mut joins = Vec::new();
    let mut joining = std::collections::HashSet::new();
    for author in authors {
        let channel = channel_ids[author.department % channel_ids.len()];
        if !members.contains(&(channel, author.id)) && joining.insert((channel, author.id)) {
            joins.push(channel_members::ActiveModel {
                channel_id: Set(channel),
                user_id: Set(author.id),
                joined_at: Set(joined_at),
            });
        }
    }
    if !joins.is_empty() {
        channel_members::Entity::insert_many(joins)
            .exec_without_returning(txn)
            .await?;
    }
    let mut rows = Vec::new();
    for week in weeks {
        let start = week.starts_at(chrono_tz::UTC).timestamp_millis();
        // Roots of this week per channel, for replies.
        let mut roots: std::collections::HashMap<Uuid, Vec<(Uuid, i64)>> =
            std::collections::HashMap::new();
        let mut posts: Vec<(i64, Uuid, Uuid)> = Vec::new();
        for a in authors {
            // Everyone once (so every week's figures clear the minimum
            // group), some twice; on a weekday, 08:00–17:00 UTC.
            let times = if rng.random_bool(0.3) { 2 } else { 1 };
            for _ in 0..times {
                let day = rng.random_range(0..5_i64);
                let at = start + day * 86_400_000 + 8 * 3_600_000 + rng.random_range(0..32_400_000);
                posts.push((at, a.id, channel_ids[a.department % channel_ids.len()]));
            }
        }
        posts.sort();
        for (at, author, channel) in posts {
            let earlier = roots.entry(channel).or_default();
            let parent = (!earlier.is_empty() && rng.random_bool(0.5))
                .then(|| earlier[rng.random_range(0..earlier.len())])
                .filter(|(_, root_at)| *root_at < at)
                .map(|(id, _)| id);
            let mut random = [0u8; 10];
            rng.fill(&mut random);
            let id =
                uuid::Builder::from_unix_timestamp_millis(at.max(0) as u64, &random).into_uuid();
            if parent.is_none() {
                earlier.push((id, at));
            }
            rows.push(messages::ActiveModel {
                id: Set(id),
                channel_id: Set(channel),
                author_id: Set(author),
                parent_id: Set(parent),
                body: Set(CHATTER[rng.random_range(0..CHATTER.len())].to_owned()),
                created_at: Set(chrono::DateTime::from_timestamp_millis(at).unwrap_or_default()),
                edited_at: Set(None),
                deleted_at: Set(None),
                erased_at: Set(None),
            });
        }
    }
    if !rows.is_empty() {
        messages::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// The company's holidays from `today` on: Christmas and New Year, and
/// Easter Monday (a Monday: nobody is expected in that week's round).
fn company_holidays(today: NaiveDate) -> Vec<(NaiveDate, &'static str)> {
    const EASTER_MONDAYS: [(i32, u32, u32); 5] = [
        (2026, 4, 6),
        (2027, 3, 29),
        (2028, 4, 17),
        (2029, 4, 2),
        (2030, 4, 22),
    ];
    let year = today.year();
    let mut days = Vec::new();
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    for (day, name) in [
        (date(year, 12, 24), "Christmas Eve"),
        (date(year, 12, 25), "Christmas Day"),
        (date(year, 12, 26), "Boxing Day"),
        (date(year + 1, 1, 1), "New Year's Day"),
    ] {
        days.extend(day.map(|d| (d, name)));
    }
    if let Some(&(y, m, d)) = EASTER_MONDAYS
        .iter()
        .find(|(y, m, d)| date(*y, *m, *d).is_some_and(|easter| easter >= today))
    {
        days.extend(date(y, m, d).map(|d| (d, "Easter Monday")));
    }
    days
}

async fn department_ids(db: &DatabaseConnection) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::new();
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

fn department_id(ids: &[Uuid], slug: &str) -> anyhow::Result<Uuid> {
    DEPARTMENTS
        .iter()
        .position(|(s, _, _)| *s == slug)
        .and_then(|i| ids.get(i).copied())
        .with_context(|| format!("no department {slug}"))
}

async fn user_id(db: &impl sea_orm::ConnectionTrait, handle: &str) -> anyhow::Result<Uuid> {
    Ok(users::Entity::find()
        .filter(users::Column::Handle.eq(handle))
        .one(db)
        .await?
        .with_context(|| format!("no demo person @{handle}"))?
        .id)
}
