//! ISO weeks and people's calendars: which week it is for someone, when
//! their week starts and ends, and when "Monday 09:00" happens for them —
//! in their own IANA time zone, across daylight-saving changes.

use std::fmt;

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// An ISO 8601 week, written `2026-W49`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Week {
    monday: NaiveDate,
}

impl Week {
    /// Reads `YYYY-Www` (BAD_USER_INPUT on `field` otherwise, and for a week
    /// the year does not have, like `2026-W54`).
    pub fn parse(field: &str, text: &str) -> Result<Week> {
        let bad = || {
            Error::bad_input(
                field,
                format!("{text:?} is not an ISO week; write it like 2026-W49"),
            )
        };
        let (year, week) = text.trim().split_once("-W").ok_or_else(bad)?;
        let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(week, 2) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let week: u32 = week.parse().map_err(|_| bad())?;
        let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .ok_or_else(|| Error::bad_input(field, format!("{year} has no week {week:02}")))?;
        Ok(Week { monday })
    }

    /// The week `date` falls in.
    pub fn containing(date: NaiveDate) -> Week {
        let back = u64::from(date.weekday().num_days_from_monday());
        Week {
            monday: date - Days::new(back),
        }
    }

    /// The week it is now for someone in `zone`.
    pub fn current(zone: Tz, now: DateTime<Utc>) -> Week {
        Week::containing(now.with_timezone(&zone).date_naive())
    }

    pub fn monday(self) -> NaiveDate {
        self.monday
    }

    /// Monday to Sunday.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        (0..7).map(move |n| self.monday + Days::new(n))
    }

    pub fn previous(self) -> Week {
        Week {
            monday: self.monday - Days::new(7),
        }
    }

    pub fn next(self) -> Week {
        Week {
            monday: self.monday + Days::new(7),
        }
    }

    /// Monday 00:00 in `zone`.
    pub fn starts_at(self, zone: Tz) -> DateTime<Utc> {
        local_instant(zone, self.monday, NaiveTime::MIN)
    }

    /// The next Monday 00:00 in `zone`: the week is `[starts_at, ends_at)`.
    pub fn ends_at(self, zone: Tz) -> DateTime<Utc> {
        self.next().starts_at(zone)
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let iso = self.monday.iso_week();
        write!(f, "{}-W{:02}", iso.year(), iso.week())
    }
}

/// The instant when the wall clocks of `zone` show `date` at `time`. A
/// time the clocks skip (spring forward) is taken an hour later; a time
/// they show twice (fall back), at its first showing.
pub fn local_instant(zone: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let wall = NaiveDateTime::new(date, time);
    let resolved = zone.from_local_datetime(&wall).earliest().or_else(|| {
        zone.from_local_datetime(&(wall + chrono::Duration::hours(1)))
            .earliest()
    });
    match resolved {
        Some(at) => at.with_timezone(&Utc),
        // No zone in the database skips more than an hour; as a last resort
        // read the wall time as UTC rather than fail.
        None => wall.and_utc(),
    }
}

/// Reads an IANA zone name (BAD_USER_INPUT on `field` otherwise).
pub fn parse_zone(field: &str, text: &str) -> Result<Tz> {
    text.trim().parse::<Tz>().map_err(|_| {
        Error::bad_input(
            field,
            format!("{text:?} is not an IANA time zone; use a name like Europe/Stockholm"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(text: &str) -> Week {
        Week::parse("week", text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn weeks_read_and_write_as_iso() {
        assert_eq!(week("2026-W49").to_string(), "2026-W49");
        assert_eq!(
            week("2026-W49").monday(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        // 2026 has 53 ISO weeks; its week 1 starts in 2025.
        assert_eq!(week("2026-W53").next().to_string(), "2027-W01");
        assert_eq!(
            week("2026-W01").monday(),
            NaiveDate::from_ymd_opt(2025, 12, 29).unwrap()
        );
        for bad in [
            "2026-W54", "2025-W53", "2026-49", "2026-W4", "2026-W00", "26-W10", "2026-W1x", "",
        ] {
            assert!(Week::parse("week", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_week_spans_its_local_monday_to_monday_across_dst() {
        let stockholm: Tz = "Europe/Stockholm".parse().unwrap();
        // 2026-03-29 (last Sunday of March): clocks go 02:00 → 03:00.
        let w = week("2026-W13");
        assert_eq!(
            w.starts_at(stockholm).to_rfc3339(),
            "2026-03-22T23:00:00+00:00"
        );
        assert_eq!(
            w.ends_at(stockholm).to_rfc3339(),
            "2026-03-29T22:00:00+00:00"
        );
        let new_york: Tz = "America/New_York".parse().unwrap();
        // 2026-11-01 (first Sunday of November): clocks go 02:00 → 01:00.
        let w = week("2026-W44");
        assert_eq!(
            w.starts_at(new_york).to_rfc3339(),
            "2026-10-26T04:00:00+00:00"
        );
        assert_eq!(
            w.ends_at(new_york).to_rfc3339(),
            "2026-11-02T05:00:00+00:00"
        );
        // Skipped and repeated wall times resolve.
        let skipped = local_instant(
            stockholm,
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        );
        assert_eq!(skipped.to_rfc3339(), "2026-03-29T01:30:00+00:00");
        let repeated = local_instant(
            new_york,
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            NaiveTime::from_hms_opt(1, 30, 0).unwrap(),
        );
        assert_eq!(repeated.to_rfc3339(), "2026-11-01T05:30:00+00:00");
    }

    #[test]
    fn the_current_week_is_the_persons_own() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        // Sunday 20:00 UTC is already Monday in Tokyo.
        let now = "2026-12-06T20:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(Week::current(tokyo, now).to_string(), "2026-W50");
        assert_eq!(Week::current(Tz::UTC, now).to_string(), "2026-W49");
    }

    #[test]
    fn the_current_week_turns_at_local_midnight_across_dst() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let stockholm: Tz = "Europe/Stockholm".parse().unwrap();
        // Summer time began on Sunday 29 March 2026: Monday 00:00 is 22:00 UTC.
        assert_eq!(
            Week::current(stockholm, at("2026-03-29T21:59:59Z")).to_string(),
            "2026-W13"
        );
        assert_eq!(
            Week::current(stockholm, at("2026-03-29T22:00:00Z")).to_string(),
            "2026-W14"
        );
        // The week before, Monday 00:00 was still 23:00 UTC.
        assert_eq!(
            Week::current(stockholm, at("2026-03-22T22:30:00Z")).to_string(),
            "2026-W12"
        );
        assert_eq!(
            Week::current(stockholm, at("2026-03-22T23:00:00Z")).to_string(),
            "2026-W13"
        );
        let new_york: Tz = "America/New_York".parse().unwrap();
        // Standard time began on Sunday 1 November 2026: Monday 00:00 is 05:00 UTC.
        assert_eq!(
            Week::current(new_york, at("2026-11-02T04:59:59Z")).to_string(),
            "2026-W44"
        );
        assert_eq!(
            Week::current(new_york, at("2026-11-02T05:00:00Z")).to_string(),
            "2026-W45"
        );
        // The week before, Monday 00:00 was 04:00 UTC.
        assert_eq!(
            Week::current(new_york, at("2026-10-26T03:59:59Z")).to_string(),
            "2026-W43"
        );
        assert_eq!(
            Week::current(new_york, at("2026-10-26T04:00:00Z")).to_string(),
            "2026-W44"
        );
    }

    #[test]
    fn zones_are_iana_names() {
        assert!(parse_zone("timeZone", "Europe/Stockholm").is_ok());
        assert!(parse_zone("timeZone", "CEST+2").is_err());
        assert!(parse_zone("timeZone", "Mars/Olympus").is_err());
    }
}
