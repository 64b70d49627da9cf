//! The round of one department in one week (`weeklyRound`): who checked
//! in, who is missing, who is excused, and the figures over them.
//!
//! **Who.** The department's members now, deactivated people left out.
//! Each is SUBMITTED (has a check-in for the week, even if also excused),
//! else EXCUSED (`calendar::excused`: away or a company holiday on the
//! week's Monday), else MISSING.
//!
//! **Participation** = submitted / (submitted + missing): the share of the
//! people expected in the round who checked in; the excused are out of
//! both sides unless they checked in anyway. `None` when nobody was
//! expected.
//!
//! **Mood** is never shown per person but to its author: the round shows
//! only the average of the moods given, and only over at least
//! `analytics_min_group` of them (docs/DESIGN.md, "Analytics and
//! privacy": for everyone, whatever their role); below that it is
//! suppressed (`None`, with `mood_suppressed`).
//!
//! Cost: three queries whatever the department's size (members, their
//! check-ins, who is excused: two) plus the check-ins' relations through
//! the loaders.

use chrono::Utc;
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use super::calendar;
use super::checkins::{self, Checkin};
use super::week::Week;
use crate::auth::{Action, Viewer};
use crate::domain::departments::{self, Department};
use crate::domain::people::Person;
use crate::entities::{department_members, users};
use crate::error::{Error, Result};

/// Where a member stands in a week's round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Submitted,
    Missing,
    Excused,
}

/// One member of the round.
pub struct Entry {
    pub person: Person,
    pub standing: Standing,
    pub checkin: Option<Checkin>,
}

/// A department's round of one week (see the module docs).
pub struct Round {
    pub week: Week,
    pub department: Department,
    /// By display name.
    pub entries: Vec<Entry>,
    pub submitted: u64,
    pub missing: u64,
    pub excused: u64,
    /// submitted / (submitted + missing); `None` when nobody was expected.
    pub participation: Option<f64>,
    /// The average mood, `None` when suppressed or none was given.
    pub average_mood: Option<f64>,
    /// Fewer than the minimum group gave a mood.
    pub mood_suppressed: bool,
}

/// The round of `department_id` in `week` (the viewer's current week when
/// `None`; a later week is BAD_USER_INPUT). Everyone signed in.
pub async fn round(
    db: &DatabaseConnection,
    viewer: &Viewer,
    default_zone: Tz,
    min_group: u32,
    week: Option<&str>,
    department_id: Uuid,
) -> Result<Round> {
    let actor = viewer.require(Action::ReadDirectory)?;
    let asked = week.map(|w| Week::parse("week", w)).transpose()?;
    let department = departments::by_id(db, viewer, department_id).await?;
    let me = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("User"))?;
    let current = Week::current(calendar::zone_of(&me, default_zone), Utc::now());
    let week = match asked {
        Some(week) if week > current => {
            return Err(Error::bad_input(
                "week",
                format!("{week} has not begun; it is {current} for you"),
            ));
        }
        Some(week) => week,
        None => current,
    };

    let members: Vec<Person> = members(db, department.id).await?;
    let ids: Vec<Uuid> = members.iter().map(|p| p.id).collect();
    let mut by_author: std::collections::HashMap<Uuid, Checkin> = checkins::by_week(db, week, &ids)
        .await?
        .into_iter()
        .map(|c| (c.user_id, c))
        .collect();
    let excused = calendar::excused(db, &ids, week).await?;

    let mut round = Round {
        week,
        department,
        entries: Vec::with_capacity(members.len()),
        submitted: 0,
        missing: 0,
        excused: 0,
        participation: None,
        average_mood: None,
        mood_suppressed: false,
    };
    let mut moods = Vec::new();
    for person in members {
        let checkin = by_author.remove(&person.id);
        let standing = match (&checkin, excused.contains(&person.id)) {
            (Some(_), _) => Standing::Submitted,
            (None, true) => Standing::Excused,
            (None, false) => Standing::Missing,
        };
        match standing {
            Standing::Submitted => round.submitted += 1,
            Standing::Missing => round.missing += 1,
            Standing::Excused => round.excused += 1,
        }
        if let Some(mood) = checkin.as_ref().and_then(|c| c.mood) {
            moods.push(f64::from(mood));
        }
        round.entries.push(Entry {
            person,
            standing,
            checkin,
        });
    }
    let expected = round.submitted + round.missing;
    round.participation = (expected > 0).then(|| round.submitted as f64 / expected as f64);
    let (average, suppressed) = mood_average(&moods, min_group);
    round.average_mood = average;
    round.mood_suppressed = suppressed;
    Ok(round)
}

/// The average of `moods`, unless fewer than `min_group` were given
/// (then `None` and suppressed).
pub fn mood_average(moods: &[f64], min_group: u32) -> (Option<f64>, bool) {
    if moods.len() < min_group as usize {
        return (None, true);
    }
    if moods.is_empty() {
        return (None, false);
    }
    (Some(moods.iter().sum::<f64>() / moods.len() as f64), false)
}

/// The active members of a department, by display name: one query.
pub async fn members(db: &DatabaseConnection, department_id: Uuid) -> Result<Vec<Person>> {
    Ok(users::Entity::find()
        .join(JoinType::InnerJoin, users::Relation::Memberships.def())
        .filter(department_members::Column::DepartmentId.eq(department_id))
        .filter(users::Column::DeactivatedAt.is_null())
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Person::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mood_is_suppressed_below_the_minimum_group() {
        assert_eq!(mood_average(&[4.0, 5.0], 5), (None, true));
        assert_eq!(mood_average(&[], 5), (None, true));
        assert_eq!(mood_average(&[], 0), (None, false));
        assert_eq!(
            mood_average(&[1.0, 2.0, 3.0, 4.0, 5.0], 5),
            (Some(3.0), false)
        );
    }
}
