//! Time away and company holidays: the days people are not expected in
//! the weekly round (`calendar::excused`).
//!
//! A person records their own time away; only they see it (colleagues see
//! only that they are excused in a round). Administrators keep the company
//! holidays, which everyone signed in can read.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use tracing::instrument;
use uuid::Uuid;

use crate::auth::{Action, Viewer};
use crate::db;
use crate::domain::types::bounded_text;
use crate::entities::{away_periods, holidays};
use crate::error::{Error, Result, is_unique_violation};

/// The longest time away one period may cover, in days (a parental leave
/// is recorded as several).
pub const MAX_AWAY_DAYS: i64 = 366;

/// Recorded time away: both days included.
pub type AwayPeriod = away_periods::Model;
/// A company holiday.
pub type Holiday = holidays::Model;

/// What `setAway` asks for.
pub struct NewAway {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub note: String,
}

/// Records the viewer's time away, `from` to `to` inclusive.
#[instrument(skip(db, viewer, new))]
pub async fn set_away(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewAway,
) -> Result<AwayPeriod> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    if new.from > new.to {
        return Err(Error::bad_input("from", "must not be after `to`"));
    }
    if (new.to - new.from).num_days() >= MAX_AWAY_DAYS {
        return Err(Error::bad_input(
            "to",
            format!(
                "one period covers at most {MAX_AWAY_DAYS} days; record longer time away as several"
            ),
        ));
    }
    let note = bounded_text("note", &new.note, 0, 500)?;
    let txn = db::begin_write(db).await?;
    let period = away_periods::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(actor.user_id),
        starts_on: Set(new.from),
        ends_on: Set(new.to),
        note: Set(note),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(period)
}

/// Removes one of the viewer's own periods away (NOT_FOUND for anyone
/// else's: their existence is private).
#[instrument(skip(db, viewer))]
pub async fn cancel_away(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<AwayPeriod> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    let txn = db::begin_write(db).await?;
    let period = away_periods::Entity::find_by_id(id)
        .filter(away_periods::Column::UserId.eq(actor.user_id))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("AwayPeriod"))?;
    period.clone().into_active_model().delete(&txn).await?;
    txn.commit().await?;
    Ok(period)
}

/// The viewer's periods away that end on or after `since`, soonest first.
pub async fn my_away(
    db: &DatabaseConnection,
    viewer: &Viewer,
    since: NaiveDate,
) -> Result<Vec<AwayPeriod>> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    Ok(away_periods::Entity::find()
        .filter(away_periods::Column::UserId.eq(actor.user_id))
        .filter(away_periods::Column::EndsOn.gte(since))
        .order_by_asc(away_periods::Column::StartsOn)
        .order_by_asc(away_periods::Column::Id)
        .all(db)
        .await?)
}

/// One of the viewer's own periods away.
pub async fn away_by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<AwayPeriod> {
    let actor = viewer.require(Action::ManageOwnAccount)?;
    away_periods::Entity::find_by_id(id)
        .filter(away_periods::Column::UserId.eq(actor.user_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("AwayPeriod"))
}

/// Adds a company holiday (administrators); one per day (CONFLICT).
#[instrument(skip(db, viewer))]
pub async fn add_holiday(
    db: &DatabaseConnection,
    viewer: &Viewer,
    day: NaiveDate,
    name: &str,
) -> Result<Holiday> {
    viewer.require(Action::ManageHolidays)?;
    let name = bounded_text("name", name.trim(), 1, 200)?;
    let txn = db::begin_write(db).await?;
    let taken = || Error::conflict("day", format!("{day} is already a holiday"));
    if holidays::Entity::find()
        .filter(holidays::Column::Day.eq(day))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let holiday = holidays::ActiveModel {
        id: Set(Uuid::now_v7()),
        day: Set(day),
        name: Set(name),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            taken()
        } else {
            e.into()
        }
    })?;
    txn.commit().await?;
    Ok(holiday)
}

/// Removes a company holiday (administrators).
#[instrument(skip(db, viewer))]
pub async fn remove_holiday(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Holiday> {
    viewer.require(Action::ManageHolidays)?;
    let txn = db::begin_write(db).await?;
    let holiday = holidays::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("Holiday"))?;
    holiday.clone().into_active_model().delete(&txn).await?;
    txn.commit().await?;
    Ok(holiday)
}

/// The company holidays in `[from, to)`, by day (everyone signed in). At
/// most two years at a time.
pub async fn holidays_between(
    db: &DatabaseConnection,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Holiday>> {
    viewer.require(Action::ReadDirectory)?;
    if from >= to {
        return Err(Error::bad_input("from", "must be before `to`"));
    }
    if (to - from).num_days() > 731 {
        return Err(Error::bad_input(
            "to",
            "ask for at most two years at a time",
        ));
    }
    Ok(holidays::Entity::find()
        .filter(holidays::Column::Day.gte(from))
        .filter(holidays::Column::Day.lt(to))
        .order_by_asc(holidays::Column::Day)
        .all(db)
        .await?)
}

/// One company holiday.
pub async fn holiday_by_id(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<Holiday> {
    viewer.require(Action::ReadDirectory)?;
    holidays::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("Holiday"))
}
