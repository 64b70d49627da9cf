//! Who is expected in a week's round: people's zones, their time away and
//! the company's holidays.
//!
//! **Excused.** Someone is excused from a week when, by their own calendar,
//! they are away or it is a company holiday on that week's Monday — the
//! day the round happens and the reminder goes out. An excused person is
//! never reminded and never counted as missing (they may still check in).
//! Away periods and holidays are calendar days, not instants: "away
//! 2026-12-21 to 2026-12-31" means those days wherever the person is.

use std::collections::HashSet;

use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::week::Week;
use crate::db;
use crate::entities::{away_periods, holidays, users};
use crate::error::Result;

/// The zone `person` lives in: their own, or `default` when unset (or no
/// longer a known zone).
pub fn zone_of(person: &users::Model, default: Tz) -> Tz {
    person
        .time_zone
        .as_deref()
        .and_then(|name| name.parse().ok())
        .unwrap_or(default)
}

/// Which of `people` are excused from `week` (see the module docs): two
/// queries whatever the number of people.
pub async fn excused(
    db: &impl ConnectionTrait,
    people: &[Uuid],
    week: Week,
) -> Result<HashSet<Uuid>> {
    if people.is_empty() {
        return Ok(HashSet::new());
    }
    let monday = week.monday();
    let holiday = holidays::Entity::find()
        .filter(holidays::Column::Day.eq(monday))
        .one(db)
        .await?;
    if holiday.is_some() {
        return Ok(people.iter().copied().collect());
    }
    let away: Vec<Uuid> = away_periods::Entity::find()
        .select_only()
        .column(away_periods::Column::UserId)
        .filter(db::is_any(
            db.get_database_backend(),
            away_periods::Column::UserId,
            people.to_vec(),
        ))
        .filter(away_periods::Column::StartsOn.lte(monday))
        .filter(away_periods::Column::EndsOn.gte(monday))
        .into_tuple()
        .all(db)
        .await?;
    Ok(away.into_iter().collect())
}
