//! The Monday reminder: once per person and ISO week, at the configured
//! local time (`SYNAPS_REMINDER_TIME`, 09:00) in each person's own zone, to
//! people who want reminders, have not checked in for that week and are not
//! excused (away, or a company holiday on its Monday: `calendar::excused`).
//!
//! **Exactly once across replicas.** Every replica's scheduler calls
//! [`send_due`] on every tick. The claim is the primary key of
//! `checkin_reminders` (user, week): one transaction inserts the claims
//! with `ON CONFLICT DO NOTHING … RETURNING user_id` and notifies only the
//! people whose row it inserted, so of two replicas racing for a person one
//! inserts and notifies, the other inserts nothing; a rolled-back
//! transaction leaves neither claim nor notification. A reminder due while
//! every replica was down goes out on the next start (still that week).
//!
//! **Cost.** People are grouped by zone: one query lists the zones in use,
//! and for each week that has reached its reminder time somewhere (one,
//! or two around the date line), one query finds every candidate of those
//! zones (no check-in, no claim yet), two more find the excused, and one
//! transaction claims and notifies them in chunks — a handful of
//! statements per tick whatever the number of people, and a tick with
//! nobody due is the one zone query.
//!
//! A reminder is a CHECKIN_REMINDER notification from the system (no
//! actor) whose subject is the person reminded (`subject_kind = "user"`)
//! and whose message names the week.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::calendar;
use super::week::{Week, local_instant};
use crate::db;
use crate::domain::notifications::{self, Kind, Subject};
use crate::entities::{checkin_reminders, checkins, users};
use crate::error::{Error, Result};
use crate::events;

/// When reminders go out: the local time on Monday, and the zone of people
/// who chose none.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub at: NaiveTime,
    pub default_zone: Tz,
}

/// Claims per statement: three parameters each, far below SQLite's limit.
const CHUNK: usize = 500;

/// Sends the reminders due at `now` that no replica has sent yet; returns
/// the people this call reminded.
pub async fn send_due(
    db: &DatabaseConnection,
    clock: Clock,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    let mut reminded = Vec::new();
    for (week, zones) in due_zones(db, clock, now).await? {
        let candidates = candidates(db, week, &zones).await?;
        if candidates.is_empty() {
            continue;
        }
        let excused = calendar::excused(db, &candidates, week).await?;
        let people: Vec<Uuid> = candidates
            .into_iter()
            .filter(|p| !excused.contains(p))
            .collect();
        reminded.extend(claim_and_notify(db, week, &people, now).await?);
    }
    Ok(reminded)
}

/// The zone names in use (`None`: the default), grouped by the week whose
/// Monday reminder time has passed for them at `now`.
async fn due_zones(
    db: &DatabaseConnection,
    clock: Clock,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Week, Vec<Option<String>>>> {
    let names: Vec<Option<String>> = users::Entity::find()
        .select_only()
        .column(users::Column::TimeZone)
        .filter(users::Column::DeactivatedAt.is_null())
        .filter(users::Column::CheckinReminders.eq(true))
        .group_by(users::Column::TimeZone)
        .into_tuple()
        .all(db)
        .await?;
    let mut due: BTreeMap<Week, Vec<Option<String>>> = BTreeMap::new();
    for name in names {
        // An unset or unknown name means the default zone (`zone_of`).
        let zone = name
            .as_deref()
            .and_then(|n| n.parse::<Tz>().ok())
            .unwrap_or(clock.default_zone);
        if let Some(week) = due_week(zone, clock.at, now) {
            due.entry(week).or_default().push(name);
        }
    }
    Ok(due)
}

/// The week whose reminder is due at `now` for someone in `zone`: the
/// current week once its Monday has reached `at` on their clocks.
pub fn due_week(zone: Tz, at: NaiveTime, now: DateTime<Utc>) -> Option<Week> {
    let week = Week::current(zone, now);
    (now >= reminder_instant(week, zone, at)).then_some(week)
}

/// When `week`'s reminder happens for someone in `zone`.
pub fn reminder_instant(week: Week, zone: Tz, at: NaiveTime) -> DateTime<Utc> {
    local_instant(zone, week.monday(), at)
}

/// Active people of `zones` who want reminders and have neither a
/// check-in for `week` nor its reminder: one query.
async fn candidates(
    db: &DatabaseConnection,
    week: Week,
    zones: &[Option<String>],
) -> Result<Vec<Uuid>> {
    let week_text = week.to_string();
    let named: Vec<String> = zones.iter().flatten().cloned().collect();
    let mut in_zones = Condition::any();
    if !named.is_empty() {
        in_zones = in_zones.add(users::Column::TimeZone.is_in(named));
    }
    if zones.iter().any(Option::is_none) {
        in_zones = in_zones.add(users::Column::TimeZone.is_null());
    }
    let checked_in = Query::select()
        .expr(Expr::val(1))
        .from(checkins::Entity)
        .and_where(
            Expr::col((checkins::Entity, checkins::Column::UserId))
                .equals((users::Entity, users::Column::Id)),
        )
        .and_where(Expr::col((checkins::Entity, checkins::Column::Week)).eq(week_text.clone()))
        .to_owned();
    let reminded = Query::select()
        .expr(Expr::val(1))
        .from(checkin_reminders::Entity)
        .and_where(
            Expr::col((checkin_reminders::Entity, checkin_reminders::Column::UserId))
                .equals((users::Entity, users::Column::Id)),
        )
        .and_where(
            Expr::col((checkin_reminders::Entity, checkin_reminders::Column::Week)).eq(week_text),
        )
        .to_owned();
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::DeactivatedAt.is_null())
        .filter(users::Column::CheckinReminders.eq(true))
        .filter(in_zones)
        .filter(Expr::exists(checked_in).not())
        .filter(Expr::exists(reminded).not())
        .into_tuple()
        .all(db)
        .await?)
}

/// Claims `week`'s reminder for each of `people` and notifies those whose
/// claim this transaction inserted (see the module docs).
async fn claim_and_notify(
    db: &DatabaseConnection,
    week: Week,
    people: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let week_text = week.to_string();
    let txn = db::begin_write(db).await?;
    let mut claimed = Vec::new();
    for chunk in people.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert
            .into_table(checkin_reminders::Entity)
            .columns([
                checkin_reminders::Column::UserId,
                checkin_reminders::Column::Week,
                checkin_reminders::Column::SentAt,
            ])
            .on_conflict(
                OnConflict::columns([
                    checkin_reminders::Column::UserId,
                    checkin_reminders::Column::Week,
                ])
                .do_nothing()
                .to_owned(),
            )
            .returning(Query::returning().column(Alias::new("user_id")));
        for person in chunk {
            insert
                .values([(*person).into(), week_text.clone().into(), now.into()])
                .map_err(|err| Error::Internal(Box::new(err)))?;
        }
        for row in txn.query_all(&insert).await? {
            claimed.push(row.try_get::<Uuid>("", "user_id")?);
        }
    }
    if claimed.is_empty() {
        // Another replica got there first; nothing to tell.
        txn.rollback().await?;
        return Ok(claimed);
    }
    let recipients: Vec<(Uuid, Subject)> = claimed
        .iter()
        .map(|person| {
            (
                *person,
                Subject {
                    kind: "user",
                    id: *person,
                },
            )
        })
        .collect();
    let message = format!(
        "Time for your check-in of {week_text}: last week's wins and this week's challenges."
    );
    notifications::notify_each(&txn, &recipients, Kind::CheckinReminder, None, &message).await?;
    events::commit(txn).await?;
    Ok(claimed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn nine() -> NaiveTime {
        NaiveTime::from_hms_opt(9, 0, 0).unwrap()
    }

    #[test]
    fn monday_nine_in_stockholm_moves_with_summer_time() {
        let stockholm: Tz = "Europe/Stockholm".parse().unwrap();
        // 2026-W13: Monday 23 March, still CET (UTC+1).
        let before = Week::parse("week", "2026-W13").unwrap();
        assert_eq!(
            reminder_instant(before, stockholm, nine()).to_rfc3339(),
            "2026-03-23T08:00:00+00:00"
        );
        // 2026-W14: Monday 30 March, the day after the clocks went
        // forward on the last Sunday of March: CEST (UTC+2).
        let after = Week::parse("week", "2026-W14").unwrap();
        assert_eq!(
            reminder_instant(after, stockholm, nine()).to_rfc3339(),
            "2026-03-30T07:00:00+00:00"
        );
        assert_eq!(
            due_week(stockholm, nine(), at("2026-03-30T06:59:59Z")),
            None
        );
        assert_eq!(
            due_week(stockholm, nine(), at("2026-03-30T07:00:00Z")),
            Some(after)
        );
        // Later in the week it is still that week's reminder.
        assert_eq!(
            due_week(stockholm, nine(), at("2026-04-04T12:00:00Z")),
            Some(after)
        );
    }

    #[test]
    fn monday_nine_in_new_york_moves_with_standard_time() {
        let new_york: Tz = "America/New_York".parse().unwrap();
        // 2026-W44: Monday 26 October, still EDT (UTC-4).
        let before = Week::parse("week", "2026-W44").unwrap();
        assert_eq!(
            reminder_instant(before, new_york, nine()).to_rfc3339(),
            "2026-10-26T13:00:00+00:00"
        );
        // 2026-W45: Monday 2 November, the day after the clocks went back
        // on the first Sunday of November: EST (UTC-5).
        let after = Week::parse("week", "2026-W45").unwrap();
        assert_eq!(
            reminder_instant(after, new_york, nine()).to_rfc3339(),
            "2026-11-02T14:00:00+00:00"
        );
        assert_eq!(due_week(new_york, nine(), at("2026-11-02T13:59:59Z")), None);
        assert_eq!(
            due_week(new_york, nine(), at("2026-11-02T14:00:00Z")),
            Some(after)
        );
    }

    #[test]
    fn a_zone_ahead_is_due_hours_before_utc() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        // Monday 7 December 09:00 in Tokyo is Monday 00:00 UTC.
        let now = at("2026-12-07T00:00:00Z");
        assert_eq!(
            due_week(tokyo, nine(), now).map(|w| w.to_string()),
            Some("2026-W50".to_owned())
        );
        assert_eq!(due_week(Tz::UTC, nine(), now), None);
    }
}
