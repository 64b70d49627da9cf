//! The weekly round (docs/DESIGN.md, "Weekly round"): every Monday each
//! person shares last week's wins and this week's challenges; a challenge
//! can be addressed to another department, which opens a thread in a
//! channel the two share. Weeks, reminders and "missing" follow each
//! person's own time zone; people away or on a company holiday are excused.

pub mod away;
pub mod calendar;
pub mod checkins;
pub mod live;
pub mod reminders;
pub mod social;
pub mod week;
pub mod weekly;
