//! People's time for the weekly round: time away and company holidays.
//! A person's time zone and reminder choice are on `updateProfile`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::context::ContextExt;
use super::node::{Kind, decode_as, global_id};
use crate::domain::round::away::{self, NewAway};
use crate::domain::round::calendar;
use crate::entities::{away_periods, holidays};

/// A period someone is away (`AwayPeriod`).
pub struct AwayPeriod(pub away_periods::Model);

/// A period you are away: both days included, in your own calendar. While
/// it covers a week's Monday you are excused from that week's round (never
/// reminded, never counted as missing). Only you see your periods.
#[Object]
impl AwayPeriod {
    /// The period's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::AwayPeriod, self.0.id)
    }
    /// The first day away.
    async fn from(&self) -> NaiveDate {
        self.0.starts_on
    }
    /// The last day away (included).
    async fn to(&self) -> NaiveDate {
        self.0.ends_on
    }
    /// Your note (up to 500 characters), for yourself.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A company holiday (`Holiday`).
pub struct Holiday(pub holidays::Model);

/// A company holiday: on the Monday of a week, everyone is excused from
/// that week's round.
#[Object]
impl Holiday {
    /// The holiday's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Holiday, self.0.id)
    }
    /// The day, in each person's own calendar.
    async fn day(&self) -> NaiveDate {
        self.0.day
    }
    /// Its name ("Christmas Eve").
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// Reading people's time.
#[derive(Default)]
pub struct RoundTimeQuery;

#[Object]
impl RoundTimeQuery {
    /// Your periods away that have not ended (by your own calendar),
    /// soonest first.
    async fn my_away(&self, ctx: &Context<'_>) -> Result<Vec<AwayPeriod>> {
        let today = today_for_viewer(ctx).await?;
        let periods = away::my_away(ctx.db(), ctx.viewer(), today).await?;
        Ok(periods.into_iter().map(AwayPeriod).collect())
    }

    /// The company holidays on days in `[from, to)` (at most two years),
    /// by day.
    async fn holidays(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day, included.")] from: NaiveDate,
        #[graphql(desc = "The day after the last, excluded.")] to: NaiveDate,
    ) -> Result<Vec<Holiday>> {
        let days = away::holidays_between(ctx.db(), ctx.viewer(), from, to).await?;
        Ok(days.into_iter().map(Holiday).collect())
    }
}

/// Today in the viewer's own zone (UTC for the anonymous, who are refused
/// anyway).
async fn today_for_viewer(ctx: &Context<'_>) -> Result<NaiveDate> {
    let default = ctx.state().config.round.default_zone()?;
    let zone = match ctx.viewer().actor() {
        Some(actor) => {
            let me = crate::entities::users::Entity::find_by_id(actor.user_id);
            use sea_orm::EntityTrait;
            match me.one(ctx.db()).await? {
                Some(person) => calendar::zone_of(&person, default),
                None => default,
            }
        }
        None => default,
    };
    Ok(Utc::now().with_timezone(&zone).date_naive())
}

/// The input of `setAway`.
#[derive(InputObject)]
pub struct SetAwayInput {
    /// The first day away, in your own calendar.
    pub from: NaiveDate,
    /// The last day away (included); at most 366 days after `from`.
    pub to: NaiveDate,
    /// A note for yourself, up to 500 characters.
    #[graphql(default)]
    pub note: String,
}

/// The result of `setAway`.
#[derive(SimpleObject)]
pub struct SetAwayPayload {
    /// The period recorded.
    pub away: AwayPeriod,
}

/// The input of `cancelAway`.
#[derive(InputObject)]
pub struct CancelAwayInput {
    /// One of your periods away.
    pub id: ID,
}

/// The result of `cancelAway`.
#[derive(SimpleObject)]
pub struct CancelAwayPayload {
    /// The period removed.
    pub away: AwayPeriod,
}

/// The input of `addHoliday`.
#[derive(InputObject)]
pub struct AddHolidayInput {
    /// The day; one holiday per day.
    pub day: NaiveDate,
    /// Its name, 1–200 characters.
    pub name: String,
}

/// The result of `addHoliday`.
#[derive(SimpleObject)]
pub struct AddHolidayPayload {
    /// The holiday added.
    pub holiday: Holiday,
}

/// The input of `removeHoliday`.
#[derive(InputObject)]
pub struct RemoveHolidayInput {
    /// The holiday to remove.
    pub id: ID,
}

/// The result of `removeHoliday`.
#[derive(SimpleObject)]
pub struct RemoveHolidayPayload {
    /// The holiday removed.
    pub holiday: Holiday,
}

/// Changing people's time.
#[derive(Default)]
pub struct RoundTimeMutation;

#[Object]
impl RoundTimeMutation {
    /// Records that you are away from `from` to `to` (both included): you
    /// are excused from the round of every week whose Monday it covers.
    async fn set_away(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The days away.")] input: SetAwayInput,
    ) -> Result<SetAwayPayload> {
        let new = NewAway {
            from: input.from,
            to: input.to,
            note: input.note,
        };
        let away = away::set_away(ctx.db(), ctx.viewer(), new).await?;
        Ok(SetAwayPayload {
            away: AwayPeriod(away),
        })
    }

    /// Removes one of your periods away.
    async fn cancel_away(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which period.")] input: CancelAwayInput,
    ) -> Result<CancelAwayPayload> {
        let id = decode_as("id", Kind::AwayPeriod, &input.id)?;
        let away = away::cancel_away(ctx.db(), ctx.viewer(), id).await?;
        Ok(CancelAwayPayload {
            away: AwayPeriod(away),
        })
    }

    /// Adds a company holiday (admins).
    async fn add_holiday(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day and its name.")] input: AddHolidayInput,
    ) -> Result<AddHolidayPayload> {
        let holiday = away::add_holiday(ctx.db(), ctx.viewer(), input.day, &input.name).await?;
        Ok(AddHolidayPayload {
            holiday: Holiday(holiday),
        })
    }

    /// Removes a company holiday (admins).
    async fn remove_holiday(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which holiday.")] input: RemoveHolidayInput,
    ) -> Result<RemoveHolidayPayload> {
        let id = decode_as("id", Kind::Holiday, &input.id)?;
        let holiday = away::remove_holiday(ctx.db(), ctx.viewer(), id).await?;
        Ok(RemoveHolidayPayload {
            holiday: Holiday(holiday),
        })
    }
}
