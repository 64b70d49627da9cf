//! The weekly digest: one message in a channel of a department that sums
//! up a week's round — participation, then each check-in's wins and
//! challenges, each person's part linking to their check-in
//! (`checkins::link`, `/round/checkins/<id>`).
//!
//! **Who.** `postWeeklyDigest` is for managers of that department, comms
//! and admins (FORBIDDEN otherwise, a manager of another department
//! included); the message is theirs, written by
//! `messages::post::write_in` in one transaction (mentions, rate limit and
//! event as for any message). Posting again posts again: a digest is a
//! message, and a manager may want to repost after late check-ins.
//!
//! **Where.** The department's open public channels, those linked to it
//! alone first, then the fewest linked departments, then the oldest (and
//! by id): deterministic, and a department's own channel before a synapse.
//! The poster joins it if they are not a member. No such channel is
//! BAD_USER_INPUT on `departmentId`.
//!
//! **Participation.** The department's active members are *expected*
//! unless excused (`calendar::excused`: away or a company holiday on the
//! week's Monday); *submitted* is how many of the expected checked in.
//! An excused person's check-in, if any, is still listed. A week in which
//! no member checked in is BAD_USER_INPUT on `week`. Mood is never shown.
//!
//! **Automatic digest.** With `SYNAPS_DIGEST_TIME` set, every replica's
//! scheduler calls [`post_due`]: once Monday has reached that time in the
//! default zone, each department's digest of the week before is posted,
//! claimed per department and week in `digest_claims` (inserted with
//! `ON CONFLICT DO NOTHING … RETURNING` in the transaction that posts it,
//! so it goes out once across replicas). A department with nothing to post
//! (no check-ins, no public channel) is claimed without a message, so it
//! is not tried on every tick. The author is a system account, `synaps
//! digest` (`@synaps-digest`, `digest@synaps.invalid`, [`SYSTEM_AUTHOR`]):
//! created on first use, deactivated and without a usable password, so
//! nobody signs in as it, it is never reminded and never expected in a
//! round; it joins the channels it posts in, like anyone.
//!
//! **Size.** A message holds at most `BODY_MAX_BYTES`; a digest that
//! would be longer lists the check-ins that fit and says how many more
//! there are.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::calendar;
use super::checkins::{self, Checkin};
use super::week::{Week, local_instant};
use crate::auth::{Action, Actor, Role, Viewer};
use crate::config::Limits;
use crate::db;
use crate::domain::channels::{Visibility, membership};
use crate::domain::messages::post::{NewMessage, write_in};
use crate::domain::messages::{BODY_MAX_BYTES, Message};
use crate::entities::{
    channel_departments, channel_members, channels, checkin_challenges, department_members,
    departments, digest_claims, users,
};
use crate::error::{Error, Result};
use crate::events;

/// What `postWeeklyDigest` posted.
pub struct Digest {
    pub message: Message,
    pub week: Week,
    /// Expected people who checked in.
    pub submitted: usize,
    /// Active members who are not excused.
    pub expected: usize,
    pub excused: usize,
}

/// Posts the digest of `week` for `department_id` as the viewer.
pub async fn post_weekly_digest(
    db: &DatabaseConnection,
    viewer: &Viewer,
    limits: &Limits,
    department_id: Uuid,
    week: &str,
) -> Result<Digest> {
    let actor = viewer.require(Action::PostDigests)?.clone();
    let week = Week::parse("week", week)?;
    let department = departments::Entity::find_by_id(department_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::bad_input("departmentId", "no such department"))?;
    if actor.role == Role::Manager && !is_member(db, actor.user_id, department.id).await? {
        return Err(Error::ForbiddenBecause(
            "managers post the digest of their own departments",
        ));
    }
    let txn = db::begin_write(db).await?;
    let digest = write_digest(&txn, limits, &actor, &department, week).await?;
    events::commit(txn).await?;
    Ok(digest)
}

/// The digest's composition and message, in the caller's transaction (the
/// scheduler's automatic digest shares it).
pub async fn write_digest(
    txn: &DatabaseTransaction,
    limits: &Limits,
    author: &Actor,
    department: &departments::Model,
    week: Week,
) -> Result<Digest> {
    let round = Round::load(txn, department, week).await?;
    let channel = digest_channel(txn, department).await?;
    let member = channel_members::Entity::find_by_id((channel.id, author.user_id))
        .one(txn)
        .await?
        .is_some();
    if !member {
        membership::enter(txn, channel.id, author.user_id).await?;
    }
    let message = write_in(
        txn,
        limits,
        author,
        NewMessage {
            channel_id: channel.id,
            body: round.markdown(&department.name, week),
            parent_id: None,
        },
    )
    .await?;
    Ok(Digest {
        message,
        week,
        submitted: round.submitted,
        expected: round.expected,
        excused: round.excused,
    })
}

/// The system account that posts automatic digests (see the module docs).
pub const SYSTEM_AUTHOR: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_d16e);

/// When automatic digests go out: the local time on Monday, in the
/// default zone.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub at: NaiveTime,
    pub zone: Tz,
}

/// Posts the automatic digests due at `now` that no replica has posted:
/// last week's, once Monday has reached `clock.at`. Returns the
/// departments whose digest this call posted.
pub async fn post_due(
    db: &DatabaseConnection,
    limits: &Limits,
    clock: Clock,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    let this_week = Week::current(clock.zone, now);
    if now < local_instant(clock.zone, this_week.monday(), clock.at) {
        return Ok(Vec::new());
    }
    let week = this_week.previous();
    let week_text = week.to_string();
    let claimed: HashSet<Uuid> = digest_claims::Entity::find()
        .select_only()
        .column(digest_claims::Column::DepartmentId)
        .filter(digest_claims::Column::Week.eq(week_text.clone()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let due: Vec<departments::Model> = departments::Entity::find()
        .order_by_asc(departments::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .filter(|d| !claimed.contains(&d.id))
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    ensure_system_author(db).await?;
    let author = Actor {
        user_id: SYSTEM_AUTHOR,
        role: Role::Staff,
        session_id: Uuid::nil(),
    };
    let mut posted = Vec::new();
    for department in due {
        let txn = db::begin_write(db).await?;
        let mut claim = Query::insert();
        claim
            .into_table(digest_claims::Entity)
            .columns([
                digest_claims::Column::DepartmentId,
                digest_claims::Column::Week,
                digest_claims::Column::MessageId,
                digest_claims::Column::ClaimedAt,
            ])
            .values([
                department.id.into(),
                week_text.clone().into(),
                Option::<Uuid>::None.into(),
                now.into(),
            ])
            .map_err(|err| Error::Internal(Box::new(err)))?
            .on_conflict(
                OnConflict::columns([
                    digest_claims::Column::DepartmentId,
                    digest_claims::Column::Week,
                ])
                .do_nothing()
                .to_owned(),
            )
            .returning_col(digest_claims::Column::DepartmentId);
        if txn.query_all(&claim).await?.is_empty() {
            // Another replica has it.
            txn.rollback().await?;
            continue;
        }
        match write_digest(&txn, limits, &author, &department, week).await {
            Ok(digest) => {
                digest_claims::Entity::update_many()
                    .col_expr(
                        digest_claims::Column::MessageId,
                        sea_orm::sea_query::Expr::value(digest.message.id),
                    )
                    .filter(digest_claims::Column::DepartmentId.eq(department.id))
                    .filter(digest_claims::Column::Week.eq(week_text.clone()))
                    .exec(&txn)
                    .await?;
                events::commit(txn).await?;
                posted.push(department.id);
            }
            Err(Error::BadUserInput { message, .. }) => {
                // Nothing to post this week: keep the claim, say why once.
                tracing::info!(department = %department.slug, %week, reason = %message, "no automatic digest");
                txn.commit().await?;
            }
            Err(err) => {
                txn.rollback().await?;
                return Err(err);
            }
        }
    }
    Ok(posted)
}

/// Creates the system author if it is not there yet (any conflict means
/// it is, or that its handle or email are taken: then posting fails on
/// the author and is logged).
async fn ensure_system_author(db: &DatabaseConnection) -> Result<()> {
    let now = Utc::now();
    let mut insert = Query::insert();
    insert
        .into_table(users::Entity)
        .columns([
            users::Column::Id,
            users::Column::Email,
            users::Column::Handle,
            users::Column::DisplayName,
            users::Column::Title,
            users::Column::Bio,
            users::Column::Role,
            users::Column::PasswordHash,
            users::Column::TokenVersion,
            users::Column::DeactivatedAt,
            users::Column::CreatedAt,
            users::Column::UpdatedAt,
            users::Column::CheckinReminders,
        ])
        .values([
            SYSTEM_AUTHOR.into(),
            "digest@synaps.invalid".into(),
            "synaps-digest".into(),
            "synaps digest".into(),
            "Posts the automatic weekly digests".into(),
            "".into(),
            Role::Staff.as_str().into(),
            // Not a password hash: nothing verifies against it.
            "!".into(),
            0.into(),
            Some(now).into(),
            now.into(),
            now.into(),
            false.into(),
        ])
        .map_err(|err| Error::Internal(Box::new(err)))?
        .on_conflict(OnConflict::new().do_nothing().to_owned());
    db.execute(&insert).await?;
    Ok(())
}

async fn is_member(db: &impl ConnectionTrait, user: Uuid, department: Uuid) -> Result<bool> {
    Ok(department_members::Entity::find()
        .filter(department_members::Column::UserId.eq(user))
        .filter(department_members::Column::DepartmentId.eq(department))
        .one(db)
        .await?
        .is_some())
}

/// The channel a department's digest goes to (see the module docs).
async fn digest_channel(
    db: &impl ConnectionTrait,
    department: &departments::Model,
) -> Result<channels::Model> {
    let candidates: Vec<channels::Model> = channels::Entity::find()
        .inner_join(channel_departments::Entity)
        .filter(channel_departments::Column::DepartmentId.eq(department.id))
        .filter(channels::Column::Visibility.eq(Visibility::Public.as_str()))
        .filter(channels::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    if candidates.is_empty() {
        return Err(Error::bad_input(
            "departmentId",
            format!(
                "no open public channel is linked to {}; link one for its digest first",
                department.name
            ),
        ));
    }
    // How many departments each candidate links: one GROUP BY.
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
    let links: HashMap<Uuid, i64> = channel_departments::Entity::find()
        .select_only()
        .column(channel_departments::Column::ChannelId)
        .column_as(channel_departments::Column::DepartmentId.count(), "links")
        .filter(db::is_any(
            db.get_database_backend(),
            channel_departments::Column::ChannelId,
            ids,
        ))
        .group_by(channel_departments::Column::ChannelId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    candidates
        .into_iter()
        .min_by_key(|c| (links.get(&c.id).copied().unwrap_or(0), c.created_at, c.id))
        .ok_or_else(|| Error::internal("a digest channel vanished"))
}

/// A challenge as the digest lists it: its body, and the name of the
/// department it is addressed to.
type Listed = (String, Option<String>);

/// A department's round of a week, as the digest shows it.
struct Round {
    expected: usize,
    submitted: usize,
    excused: usize,
    /// (author's name, check-in, its challenges with the addressed
    /// department's name), by name.
    entries: Vec<(String, Checkin, Vec<Listed>)>,
}

impl Round {
    async fn load(
        db: &impl ConnectionTrait,
        department: &departments::Model,
        week: Week,
    ) -> Result<Round> {
        let members: Vec<users::Model> = users::Entity::find()
            .inner_join(department_members::Entity)
            .filter(department_members::Column::DepartmentId.eq(department.id))
            .filter(users::Column::DeactivatedAt.is_null())
            .order_by_asc(users::Column::DisplayName)
            .order_by_asc(users::Column::Id)
            .all(db)
            .await?;
        let ids: Vec<Uuid> = members.iter().map(|m| m.id).collect();
        let excused = calendar::excused(db, &ids, week).await?;
        let found = checkins::by_week(db, week, &ids).await?;
        if found.is_empty() {
            return Err(Error::bad_input(
                "week",
                format!("nobody in {} checked in for {week}", department.name),
            ));
        }
        let by_author: HashMap<Uuid, Checkin> = found.into_iter().map(|c| (c.user_id, c)).collect();
        let checkin_ids: Vec<Uuid> = by_author.values().map(|c| c.id).collect();
        let challenges = checkin_challenges::Entity::find()
            .filter(db::is_any(
                db.get_database_backend(),
                checkin_challenges::Column::CheckinId,
                checkin_ids,
            ))
            .order_by_asc(checkin_challenges::Column::CheckinId)
            .order_by_asc(checkin_challenges::Column::Position)
            .all(db)
            .await?;
        let addressed: Vec<Uuid> = challenges.iter().filter_map(|c| c.department_id).collect();
        let names: HashMap<Uuid, String> = if addressed.is_empty() {
            HashMap::new()
        } else {
            departments::Entity::find()
                .filter(departments::Column::Id.is_in(addressed))
                .all(db)
                .await?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect()
        };
        let mut of_checkin: HashMap<Uuid, Vec<Listed>> = HashMap::new();
        for challenge in challenges {
            let to = challenge.department_id.and_then(|d| names.get(&d).cloned());
            of_checkin
                .entry(challenge.checkin_id)
                .or_default()
                .push((challenge.body, to));
        }
        let expected = members.iter().filter(|m| !excused.contains(&m.id)).count();
        let submitted = members
            .iter()
            .filter(|m| !excused.contains(&m.id) && by_author.contains_key(&m.id))
            .count();
        let mut entries = Vec::new();
        let mut by_author = by_author;
        for member in &members {
            if let Some(checkin) = by_author.remove(&member.id) {
                let challenges = of_checkin.remove(&checkin.id).unwrap_or_default();
                entries.push((member.display_name.clone(), checkin, challenges));
            }
        }
        Ok(Round {
            expected,
            submitted,
            excused: excused.len(),
            entries,
        })
    }

    /// The message (see the module docs for what it shows).
    fn markdown(&self, department: &str, week: Week) -> String {
        let mut out = format!("**Weekly round of {department}, {week}**\n\n");
        // Rounded to the nearest percent; nobody expected is said so.
        match (self.submitted * 100 + self.expected / 2).checked_div(self.expected) {
            Some(percent) => out.push_str(&format!(
                "Participation: {} of {} expected checked in ({percent}%)",
                self.submitted, self.expected
            )),
            None => out.push_str("Participation: nobody was expected (everyone excused)"),
        }
        match self.excused {
            0 => out.push_str(".\n"),
            1 => out.push_str("; 1 excused.\n"),
            n => out.push_str(&format!("; {n} excused.\n")),
        }
        // Room for the closing line about check-ins left out.
        let budget = BODY_MAX_BYTES - 200;
        for (shown, (name, checkin, challenges)) in self.entries.iter().enumerate() {
            let entry = entry(name, checkin, challenges);
            if out.len() + entry.len() > budget {
                let more = self.entries.len() - shown;
                out.push_str(&format!(
                    "\n…and {more} more check-ins: see the round of {week}.\n"
                ));
                break;
            }
            out.push_str(&entry);
        }
        out
    }
}

/// One person's part of the digest.
fn entry(name: &str, checkin: &Checkin, challenges: &[Listed]) -> String {
    let mut out = format!("\n**{name}** · [check-in]({})\n\n", checkins::link(checkin));
    let wins = checkin.wins.trim();
    if wins.is_empty() {
        out.push_str("Wins: none listed.\n");
    } else {
        out.push_str(&format!("Wins:\n\n{wins}\n"));
    }
    if !challenges.is_empty() {
        out.push_str("\nChallenges:\n");
        for (body, to) in challenges {
            // A list item's later lines must be indented to stay in it.
            let body = body.trim().replace('\n', "\n  ");
            match to {
                Some(to) => out.push_str(&format!("- {body} (to {to})\n")),
                None => out.push_str(&format!("- {body}\n")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkin(wins: &str) -> Checkin {
        let week = Week::parse("week", "2026-W49").unwrap();
        Checkin {
            id: Uuid::from_u128(7),
            user_id: Uuid::from_u128(1),
            week: week.to_string(),
            week_start: week.monday(),
            wins: wins.to_owned(),
            mood: Some(1),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn everyone_excused_is_said_so_and_empty_wins_too() {
        let round = Round {
            expected: 0,
            submitted: 0,
            excused: 2,
            entries: vec![(
                "Ann".to_owned(),
                checkin("  "),
                vec![("Two\nlines".to_owned(), Some("HR".to_owned()))],
            )],
        };
        let week = Week::parse("week", "2026-W49").unwrap();
        assert_eq!(
            round.markdown("Sales", week),
            "**Weekly round of Sales, 2026-W49**\n\n\
             Participation: nobody was expected (everyone excused); 2 excused.\n\
             \n**Ann** · [check-in](/round/checkins/00000000-0000-0000-0000-000000000007)\n\n\
             Wins: none listed.\n\
             \nChallenges:\n- Two\n  lines (to HR)\n"
        );
    }

    #[test]
    fn a_digest_too_long_for_a_message_lists_what_fits() {
        let long = "x".repeat(20_000);
        let round = Round {
            expected: 5,
            submitted: 5,
            excused: 0,
            entries: (0..5)
                .map(|n| (format!("P{n}"), checkin(&long), Vec::new()))
                .collect(),
        };
        let week = Week::parse("week", "2026-W49").unwrap();
        let body = round.markdown("Sales", week);
        assert!(body.len() <= BODY_MAX_BYTES, "{}", body.len());
        assert!(body.contains("Participation: 5 of 5 expected checked in (100%).\n"));
        assert!(body.contains("**P2**") && !body.contains("**P3**"));
        assert!(body.ends_with("\n…and 2 more check-ins: see the round of 2026-W49.\n"));
    }
}
