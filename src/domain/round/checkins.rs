//! Check-ins: one per person and ISO week, with wins, challenges and an
//! optional mood (docs/DESIGN.md, "Weekly round").
//!
//! **Writing.** [`submit`] creates or replaces the viewer's check-in for a
//! week: by default the current week in their own zone
//! (`calendar::zone_of`). A check-in can be written and rewritten until its
//! week ends in its author's zone; a later week is BAD_USER_INPUT, an ended
//! one too (the round of a week is closed when the week is).
//!
//! **Challenges** are replaced as a list: a challenge listed with its `id`
//! keeps its row (and so its thread, answer and resolution) and takes the
//! new body and place; one not listed is removed. A removed challenge that
//! opened a thread leaves the thread's message where it is: it is part of
//! a conversation others may have joined. A kept challenge cannot be
//! addressed to another department (remove it and add a new one).
//!
//! **Routing.** A challenge newly addressed to a department opens a thread
//! in a channel linked both to one of the author's departments and to the
//! addressed one, in the same transaction as the check-in: the open
//! channels the author may post in or join, public ones first, then those
//! linked to the fewest departments (the pair's own channel before a
//! company-wide one), then by name and id (so the choice is deterministic). The author joins a public
//! channel they are not in. The thread's first message is the challenge
//! and a link to the check-in, written by `messages::post::write_in` (so
//! it is a message like any other: mentions, rate limit, event). When the
//! two departments share no such channel, nothing is written and the error
//! names both.
//!
//! **Answered.** A challenge is answered when a member of the addressed
//! department (other than its author) first replies in its thread:
//! [`mark_answered`], called by `messages::post::write_all_in` for every
//! batch with replies.
//!
//! **Mood** is only ever read by its author; others see it only as a
//! department average over at least `analytics_min_group` people
//! (`round::weekly`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use super::calendar;
use super::week::Week;
use crate::auth::{Action, Actor, Viewer};
use crate::config::Limits;
use crate::db;
use crate::domain::channels::{Visibility, membership};
use crate::domain::messages::BODY_MAX_BYTES;
use crate::domain::messages::post::{NewMessage, write_in};
use crate::domain::pagination::{Cursor, Page, PageArgs};
use crate::domain::search;
use crate::domain::types::bounded_text;
use crate::entities::{
    channel_departments, channel_members, channels, checkin_challenges, checkins,
    department_members, departments, messages, users,
};
use crate::error::{Error, Result};
use crate::events::{self, Event, Topic};

/// A check-in row.
pub type Checkin = checkins::Model;
/// A challenge row.
pub type Challenge = checkin_challenges::Model;

/// Most challenges one check-in lists.
pub const CHALLENGES_MAX: usize = 20;

/// Where a challenge stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Nobody of the addressed department has replied yet (or it is
    /// addressed to nobody), and its author has not resolved it.
    Open,
    /// A member of the addressed department replied in its thread.
    Answered,
    /// Its author marked it dealt with.
    Resolved,
}

/// The status of `challenge`: resolved wins over answered.
pub fn status(challenge: &Challenge) -> Status {
    if challenge.resolved_at.is_some() {
        Status::Resolved
    } else if challenge.answered_at.is_some() {
        Status::Answered
    } else {
        Status::Open
    }
}

/// One challenge of `submitCheckin`.
pub struct NewChallenge {
    /// An existing challenge of this check-in to keep.
    pub id: Option<Uuid>,
    pub body: String,
    pub department_id: Option<Uuid>,
}

/// What `submitCheckin` asks for.
pub struct NewCheckin {
    /// `2026-W49`; `None` for the current week in the author's zone.
    pub week: Option<String>,
    pub wins: String,
    pub challenges: Vec<NewChallenge>,
    pub mood: Option<i32>,
}

/// What the round needs from configuration.
#[derive(Clone, Copy)]
pub struct RoundSettings<'a> {
    /// The zone of people who chose none.
    pub default_zone: Tz,
    /// Message limits (a routed challenge posts a message).
    pub limits: &'a Limits,
}

/// The link to a check-in from a message or a digest: a path of the web
/// client, relative so it works behind any host.
pub fn link(checkin: &Checkin) -> String {
    format!("/round/checkins/{}", checkin.id)
}

/// Creates or replaces the viewer's check-in (see the module docs).
#[instrument(skip_all)]
pub async fn submit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    settings: RoundSettings<'_>,
    new: NewCheckin,
) -> Result<Checkin> {
    let actor = viewer.require(Action::WriteCheckins)?;
    let wins = if new.wins.trim().is_empty() {
        String::new()
    } else {
        markdown("wins", &new.wins)?
    };
    let mood = match new.mood {
        None => None,
        Some(m @ 1..=5) => Some(m as i16),
        Some(_) => return Err(Error::bad_input("mood", "must be between 1 and 5")),
    };
    if new.challenges.len() > CHALLENGES_MAX {
        return Err(Error::bad_input(
            "challenges",
            format!("list at most {CHALLENGES_MAX} challenges"),
        ));
    }
    let mut wanted = Vec::with_capacity(new.challenges.len());
    for challenge in &new.challenges {
        wanted.push((
            challenge.id,
            markdown("challenges", &challenge.body)?,
            challenge.department_id,
        ));
    }
    let person = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("User"))?;
    let zone = calendar::zone_of(&person, settings.default_zone);
    let now = Utc::now();
    let week = match &new.week {
        Some(text) => Week::parse("week", text)?,
        None => Week::current(zone, now),
    };
    check_open(week, zone, now)?;

    let own_departments = departments_of(db, actor.user_id).await?;
    let addressed: Vec<Uuid> = wanted.iter().filter_map(|(_, _, d)| *d).collect();
    let names = department_names(db, &own_departments, &addressed).await?;
    for department in &addressed {
        if !names.contains_key(department) {
            return Err(Error::bad_input(
                "challenges",
                "is addressed to a department that does not exist",
            ));
        }
        if own_departments.contains(department) {
            return Err(Error::bad_input(
                "challenges",
                format!(
                    "is addressed to {}, your own department; address another department or none",
                    names[department]
                ),
            ));
        }
    }

    let txn = db::begin_write(db).await?;
    let existing = checkins::Entity::find()
        .filter(checkins::Column::UserId.eq(actor.user_id))
        .filter(checkins::Column::Week.eq(week.to_string()))
        .one(&txn)
        .await?;
    let before: HashMap<Uuid, Challenge> = match &existing {
        Some(checkin) => checkin_challenges::Entity::find()
            .filter(checkin_challenges::Column::CheckinId.eq(checkin.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect(),
        None => HashMap::new(),
    };
    let mut kept = HashSet::new();
    for (id, _, department) in &wanted {
        let Some(id) = id else { continue };
        let Some(old) = before.get(id) else {
            return Err(Error::bad_input(
                "challenges",
                "names a challenge that is not one of this check-in's",
            ));
        };
        if !kept.insert(*id) {
            return Err(Error::bad_input(
                "challenges",
                "lists the same challenge twice",
            ));
        }
        if old.department_id.is_some() && old.department_id != *department {
            return Err(Error::bad_input(
                "challenges",
                "cannot address a challenge to another department once sent; remove it and add a new one",
            ));
        }
    }

    let checkin = match existing {
        Some(old) => {
            let mut row: checkins::ActiveModel = old.into();
            row.wins = Set(wins);
            row.mood = Set(mood);
            row.updated_at = Set(now);
            row.update(&txn).await?
        }
        None => {
            checkins::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(actor.user_id),
                week: Set(week.to_string()),
                week_start: Set(week.monday()),
                wins: Set(wins),
                mood: Set(mood),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };

    let removed: Vec<Uuid> = before
        .keys()
        .filter(|id| !kept.contains(*id))
        .copied()
        .collect();
    if !removed.is_empty() {
        checkin_challenges::Entity::delete_many()
            .filter(checkin_challenges::Column::Id.is_in(removed))
            .exec(&txn)
            .await?;
    }
    for (position, (id, body, department)) in wanted.into_iter().enumerate() {
        let position = position as i32;
        // A challenge addressed now (new, or kept and addressed for the
        // first time) opens its thread.
        let opens = department.filter(|_| {
            id.and_then(|id| before.get(&id))
                .is_none_or(|old| old.thread_message_id.is_none())
        });
        let thread = match opens {
            Some(to) => {
                let body = format!(
                    "{body}\n\n— a challenge from the weekly round, [check-in {week}]({})",
                    link(&checkin)
                );
                Some(open_thread(&txn, settings, actor, &own_departments, to, &names, body).await?)
            }
            None => None,
        };
        match id.and_then(|id| before.get(&id)) {
            Some(old) => {
                let mut row: checkin_challenges::ActiveModel = old.clone().into();
                row.position = Set(position);
                row.body = Set(body);
                row.department_id = Set(department);
                if let Some(thread) = thread {
                    row.thread_message_id = Set(Some(thread));
                }
                row.update(&txn).await?;
            }
            None => {
                checkin_challenges::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    checkin_id: Set(checkin.id),
                    position: Set(position),
                    body: Set(body),
                    department_id: Set(department),
                    thread_message_id: Set(thread),
                    answered_at: Set(None),
                    answered_by: Set(None),
                    resolved_at: Set(None),
                    created_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    search::index::refresh(&txn, search::Kind::Checkin, &[checkin.id]).await?;
    record_changed(&txn, &checkin, &own_departments, "submitted").await?;
    events::commit(txn).await?;
    Ok(checkin)
}

/// A check-in for `week` may be written while the week has not ended in
/// the author's zone, and not before it has begun.
fn check_open(week: Week, zone: Tz, now: DateTime<Utc>) -> Result<()> {
    let current = Week::current(zone, now);
    if week > current {
        return Err(Error::bad_input(
            "week",
            format!("{week} has not begun; it is {current} for you"),
        ));
    }
    if week < current {
        return Err(Error::bad_input(
            "week",
            format!("{week} has ended; a check-in can be written until its week ends"),
        ));
    }
    Ok(())
}

/// Markdown like a message body: 1 character to 64 KiB after trimming.
fn markdown(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.len() > BODY_MAX_BYTES {
        return Err(Error::bad_input(
            field,
            format!(
                "must be at most {BODY_MAX_BYTES} bytes (got {})",
                trimmed.len()
            ),
        ));
    }
    bounded_text(field, trimmed, 1, BODY_MAX_BYTES)
}

/// The departments `user_id` belongs to.
pub async fn departments_of(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<Uuid>> {
    Ok(department_members::Entity::find()
        .select_only()
        .column(department_members::Column::DepartmentId)
        .filter(department_members::Column::UserId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// The names of the departments among `a` and `b` that exist.
async fn department_names(
    conn: &impl ConnectionTrait,
    a: &[Uuid],
    b: &[Uuid],
) -> Result<HashMap<Uuid, String>> {
    let ids: Vec<Uuid> = a.iter().chain(b).copied().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(departments::Entity::find()
        .filter(departments::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

/// Posts the first message of a routed challenge's thread (see the module
/// docs) and returns its id.
async fn open_thread(
    txn: &DatabaseTransaction,
    settings: RoundSettings<'_>,
    actor: &Actor,
    from: &[Uuid],
    to: Uuid,
    names: &HashMap<Uuid, String>,
    body: String,
) -> Result<Uuid> {
    let Some((channel, member)) = shared_channel(txn, actor.user_id, from, to).await? else {
        let mut own: Vec<&str> = from
            .iter()
            .filter_map(|d| names.get(d).map(String::as_str))
            .collect();
        own.sort_unstable();
        let own = if own.is_empty() {
            "You belong to no department, so you".to_owned()
        } else {
            own.join(" / ")
        };
        return Err(Error::bad_input(
            "challenges",
            format!(
                "{own} and {} share no open channel for this challenge's thread; link a channel to both first",
                names
                    .get(&to)
                    .map(String::as_str)
                    .unwrap_or("that department")
            ),
        ));
    };
    if !member {
        membership::enter(txn, channel.id, actor.user_id).await?;
    }
    let message = write_in(
        txn,
        settings.limits,
        actor,
        NewMessage {
            channel_id: channel.id,
            body,
            parent_id: None,
        },
    )
    .await
    .map_err(|e| match e {
        // The message's own field means nothing to the check-in's writer.
        Error::BadUserInput { message, .. } => Error::bad_input("challenges", message),
        other => other,
    })?;
    Ok(message.id)
}

/// The channel a challenge from `from` to `to` opens its thread in, and
/// whether `user_id` is already a member (see the module docs).
async fn shared_channel(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    from: &[Uuid],
    to: Uuid,
) -> Result<Option<(channels::Model, bool)>> {
    if from.is_empty() {
        return Ok(None);
    }
    let links: Vec<(Uuid, Uuid)> = channel_departments::Entity::find()
        .select_only()
        .column(channel_departments::Column::ChannelId)
        .column(channel_departments::Column::DepartmentId)
        .filter(
            channel_departments::Column::DepartmentId
                .is_in(from.iter().copied().chain(std::iter::once(to))),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let reaching_to: HashSet<Uuid> = links
        .iter()
        .filter(|(_, d)| *d == to)
        .map(|(c, _)| *c)
        .collect();
    let candidates: HashSet<Uuid> = links
        .iter()
        .filter(|(c, d)| *d != to && reaching_to.contains(c))
        .map(|(c, _)| *c)
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let ids: Vec<Uuid> = candidates.into_iter().collect();
    // How many departments each candidate links: the two departments' own
    // channel comes before a company-wide one linked to everybody.
    let mut linked: HashMap<Uuid, usize> = HashMap::new();
    let all_links: Vec<Uuid> = channel_departments::Entity::find()
        .select_only()
        .column(channel_departments::Column::ChannelId)
        .filter(channel_departments::Column::ChannelId.is_in(ids.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    for channel in all_links {
        *linked.entry(channel).or_default() += 1;
    }
    let found = channels::Entity::find()
        .filter(channels::Column::Id.is_in(ids.clone()))
        .filter(channels::Column::ArchivedAt.is_null())
        .all(conn)
        .await?;
    let member_of: HashSet<Uuid> = channel_members::Entity::find()
        .select_only()
        .column(channel_members::Column::ChannelId)
        .filter(channel_members::Column::UserId.eq(user_id))
        .filter(channel_members::Column::ChannelId.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut usable: Vec<(channels::Model, bool)> = found
        .into_iter()
        .map(|c| {
            let member = member_of.contains(&c.id);
            (c, member)
        })
        .filter(|(c, member)| *member || Visibility::from_db(&c.visibility) == Visibility::Public)
        .collect();
    usable.sort_by(|(a, _), (b, _)| {
        let private =
            |c: &channels::Model| Visibility::from_db(&c.visibility) != Visibility::Public;
        let links = |c: &channels::Model| linked.get(&c.id).copied().unwrap_or(0);
        (private(a), links(a), &a.name, a.id).cmp(&(private(b), links(b), &b.name, b.id))
    });
    Ok(usable.into_iter().next())
}

/// Records that `checkin` changed (`what`), for `roundChanged`.
pub(super) async fn record_changed(
    txn: &DatabaseTransaction,
    checkin: &Checkin,
    departments: &[Uuid],
    what: &str,
) -> Result<()> {
    events::record(
        txn,
        Event {
            topic: Topic::RoundChanged {
                checkin: checkin.id,
                departments: departments.to_vec(),
            },
            details: json!({ "change": what }),
        },
    )
    .await?;
    Ok(())
}

/// Records, for the replies just written in a batch, the first answer to
/// each challenge whose thread they reply in: a reply by a member of the
/// addressed department other than the challenge's author. One statement
/// for a batch with replies (none without); an update only for a
/// challenge answered now. `replies` are (thread root, author, at), in the
/// order written.
pub async fn mark_answered(
    txn: &DatabaseTransaction,
    replies: &[(Uuid, Uuid, DateTime<Utc>)],
) -> Result<()> {
    if replies.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    let roots: Vec<Uuid> = replies
        .iter()
        .map(|(root, _, _)| *root)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // (challenge, thread, department, challenge author): the unanswered
    // challenges of these threads.
    let waiting: Vec<(Uuid, Option<Uuid>, Option<Uuid>, Uuid)> = checkin_challenges::Entity::find()
        .select_only()
        .column(checkin_challenges::Column::Id)
        .column(checkin_challenges::Column::ThreadMessageId)
        .column(checkin_challenges::Column::DepartmentId)
        .column_as(
            Expr::col((checkins::Entity, checkins::Column::UserId)),
            "author_id",
        )
        .join(
            sea_orm::JoinType::InnerJoin,
            checkin_challenges::Entity::belongs_to(checkins::Entity)
                .from(checkin_challenges::Column::CheckinId)
                .to(checkins::Column::Id)
                .into(),
        )
        .filter(db::is_any(
            backend,
            (
                checkin_challenges::Entity,
                checkin_challenges::Column::ThreadMessageId,
            ),
            roots,
        ))
        .filter(checkin_challenges::Column::AnsweredAt.is_null())
        .into_tuple()
        .all(txn)
        .await?;
    if waiting.is_empty() {
        return Ok(());
    }
    let repliers: Vec<Uuid> = replies
        .iter()
        .map(|(_, author, _)| *author)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let memberships: HashSet<(Uuid, Uuid)> = department_members::Entity::find()
        .select_only()
        .column(department_members::Column::UserId)
        .column(department_members::Column::DepartmentId)
        .filter(department_members::Column::UserId.is_in(repliers))
        .into_tuple::<(Uuid, Uuid)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    for (challenge, thread, department, author) in waiting {
        let (Some(thread), Some(department)) = (thread, department) else {
            continue;
        };
        let answer = replies.iter().find(|(root, replier, _)| {
            *root == thread && *replier != author && memberships.contains(&(*replier, department))
        });
        if let Some((_, replier, at)) = answer {
            checkin_challenges::Entity::update_many()
                .col_expr(checkin_challenges::Column::AnsweredAt, Expr::value(*at))
                .col_expr(
                    checkin_challenges::Column::AnsweredBy,
                    Expr::value(*replier),
                )
                .filter(checkin_challenges::Column::Id.eq(challenge))
                .filter(checkin_challenges::Column::AnsweredAt.is_null())
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Resolves (or, with `resolved` false, reopens) one of the viewer's own
/// challenges. Others' challenges: FORBIDDEN (everyone may see them).
#[instrument(skip(db, viewer))]
pub async fn set_resolved(
    db: &DatabaseConnection,
    viewer: &Viewer,
    challenge_id: Uuid,
    resolved: bool,
) -> Result<Challenge> {
    let actor = viewer.require(Action::WriteCheckins)?;
    let txn = db::begin_write(db).await?;
    let (challenge, checkin) = challenge_with_checkin(&txn, challenge_id).await?;
    if checkin.user_id != actor.user_id {
        return Err(Error::ForbiddenBecause(
            "Only the challenge's author resolves it.",
        ));
    }
    if challenge.resolved_at.is_some() == resolved {
        txn.commit().await?;
        return Ok(challenge);
    }
    let mut row: checkin_challenges::ActiveModel = challenge.into();
    row.resolved_at = Set(resolved.then(Utc::now));
    let challenge = row.update(&txn).await?;
    let departments = departments_of(&txn, checkin.user_id).await?;
    let what = if resolved { "resolved" } else { "reopened" };
    record_changed(&txn, &checkin, &departments, what).await?;
    events::commit(txn).await?;
    Ok(challenge)
}

/// A challenge and its check-in (NOT_FOUND when there is none).
async fn challenge_with_checkin(
    conn: &impl ConnectionTrait,
    challenge_id: Uuid,
) -> Result<(Challenge, Checkin)> {
    let challenge = checkin_challenges::Entity::find_by_id(challenge_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("Challenge"))?;
    let checkin = checkins::Entity::find_by_id(challenge.checkin_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("Challenge"))?;
    Ok((challenge, checkin))
}

/// A check-in (everyone signed in).
pub async fn by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Checkin> {
    viewer.require(Action::ReadDirectory)?;
    checkins::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("Checkin"))
}

/// The check-ins with these ids (for loaders; the caller checked the viewer).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Checkin>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(checkins::Entity::find()
        .filter(db::is_any(
            db.get_database_backend(),
            (checkins::Entity, checkins::Column::Id),
            ids.to_vec(),
        ))
        .all(db)
        .await?)
}

/// The viewer's check-ins, newest first (created in week order: only the
/// current week can be written).
pub async fn mine(
    db: &DatabaseConnection,
    viewer: &Viewer,
    page: &PageArgs,
) -> Result<Page<Checkin>> {
    let actor = viewer.require(Action::WriteCheckins)?;
    let select = checkins::Entity::find().filter(checkins::Column::UserId.eq(actor.user_id));
    let rows = page
        .apply_by_time(
            select,
            checkins::Column::CreatedAt,
            checkins::Column::Id,
            true,
        )?
        .all(db)
        .await?;
    Ok(page.finish(rows, |c| Cursor::at_time(c.created_at, c.id)))
}

/// The challenges of each of `checkin_ids`, in their order: one query.
pub async fn challenges_of(
    db: &impl ConnectionTrait,
    checkin_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Challenge>>> {
    let mut by_checkin: HashMap<Uuid, Vec<Challenge>> = HashMap::new();
    if checkin_ids.is_empty() {
        return Ok(by_checkin);
    }
    let rows = checkin_challenges::Entity::find()
        .filter(db::is_any(
            db.get_database_backend(),
            (
                checkin_challenges::Entity,
                checkin_challenges::Column::CheckinId,
            ),
            checkin_ids.to_vec(),
        ))
        .order_by_asc(checkin_challenges::Column::CheckinId)
        .order_by_asc(checkin_challenges::Column::Position)
        .all(db)
        .await?;
    for row in rows {
        by_checkin.entry(row.checkin_id).or_default().push(row);
    }
    Ok(by_checkin)
}

/// A challenge (everyone signed in).
pub async fn challenge_by_id(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<Challenge> {
    viewer.require(Action::ReadDirectory)?;
    checkin_challenges::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("Challenge"))
}

/// What `user_id` left unresolved in their latest check-in before `week`:
/// the starting point of `week`'s challenges.
pub async fn carried_over(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    week: Week,
) -> Result<Vec<Challenge>> {
    let previous = checkins::Entity::find()
        .filter(checkins::Column::UserId.eq(user_id))
        .filter(checkins::Column::Week.lt(week.to_string()))
        .order_by_desc(checkins::Column::Week)
        .one(db)
        .await?;
    let Some(previous) = previous else {
        return Ok(Vec::new());
    };
    Ok(checkin_challenges::Entity::find()
        .filter(checkin_challenges::Column::CheckinId.eq(previous.id))
        .filter(checkin_challenges::Column::ResolvedAt.is_null())
        .order_by_asc(checkin_challenges::Column::Position)
        .all(db)
        .await?)
}

/// The viewer's carried-over challenges for the week they are in now.
pub async fn my_carried_over(
    db: &DatabaseConnection,
    viewer: &Viewer,
    default_zone: Tz,
) -> Result<Vec<Challenge>> {
    let actor = viewer.require(Action::WriteCheckins)?;
    let person = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("User"))?;
    let week = Week::current(calendar::zone_of(&person, default_zone), Utc::now());
    carried_over(db, actor.user_id, week).await
}

/// The check-ins of `week` by `people`: one query (for the digest, the
/// round and analytics).
pub async fn by_week(
    db: &impl ConnectionTrait,
    week: Week,
    people: &[Uuid],
) -> Result<Vec<Checkin>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    Ok(checkins::Entity::find()
        .filter(checkins::Column::Week.eq(week.to_string()))
        .filter(db::is_any(
            db.get_database_backend(),
            (checkins::Entity, checkins::Column::UserId),
            people.to_vec(),
        ))
        .all(db)
        .await?)
}

/// The root message of a challenge's thread, if the challenge opened one
/// that still exists.
pub async fn thread_root(
    db: &impl ConnectionTrait,
    challenge: &Challenge,
) -> Result<Option<messages::Model>> {
    match challenge.thread_message_id {
        Some(id) => Ok(messages::Entity::find_by_id(id).one(db).await?),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_week_is_open() {
        let stockholm: Tz = "Europe/Stockholm".parse().unwrap();
        // Sunday 29 March 2026, 23:30 in Stockholm (summer time since 02:00):
        // still week 13 there, though 21:30 UTC.
        let now = "2026-03-29T21:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let w13 = Week::parse("week", "2026-W13").unwrap();
        assert!(check_open(w13, stockholm, now).is_ok());
        assert!(check_open(w13.next(), stockholm, now).is_err());
        assert!(check_open(w13.previous(), stockholm, now).is_err());
        // Half an hour later it is Monday in Stockholm: week 13 has ended.
        let later = "2026-03-29T22:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(check_open(w13, stockholm, later).is_err());
        assert!(check_open(w13.next(), stockholm, later).is_ok());

        // New York, as standard time begins (Sunday 1 November 2026):
        // week 44 ends at Monday 00:00 EST, 05:00 UTC, not 04:00.
        let new_york: Tz = "America/New_York".parse().unwrap();
        let w44 = Week::parse("week", "2026-W44").unwrap();
        let sunday_night = "2026-11-02T04:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(check_open(w44, new_york, sunday_night).is_ok());
        let monday = "2026-11-02T05:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(check_open(w44, new_york, monday).is_err());
    }
}
