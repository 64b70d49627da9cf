//! Weekly-round rows for the seeds: check-ins with wins, a mood and up to
//! two challenges, some addressed to another department. Both seeds write
//! them as multi-row inserts (the demo's few hundred and the bench's year
//! alike), straight into the tables: they are history, not actions, so no
//! notifications or events come with them.
//!
//! Challenges are numbered from 0 (`position`). A seeded challenge
//! addressed to a department opens no thread (`thread_message_id` NULL):
//! routing is the live `submitCheckin`'s work.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::Set;
use uuid::Uuid;

use crate::domain::round::week::{Week, local_instant};
use crate::entities::{checkin_challenges, checkins};

/// Someone who checks in, and the index of their (first) department in
/// [`super::DEPARTMENTS`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Author {
    pub id: Uuid,
    pub department: usize,
}

/// How one week's check-ins are made.
pub(super) struct Round<'a> {
    /// The five departments' ids, in [`super::DEPARTMENTS`] order.
    pub department_ids: &'a [Uuid],
    /// Share of the authors who check in.
    pub share: f64,
    /// Share of challenges addressed to another department.
    pub addressed_share: f64,
    /// Share of challenges of a past week marked resolved.
    pub resolved_share: f64,
    /// No check-in is dated later than this.
    pub now: DateTime<Utc>,
}

/// One week's rows.
#[derive(Default)]
pub(super) struct Rows {
    pub checkins: Vec<checkins::ActiveModel>,
    pub challenges: Vec<checkin_challenges::ActiveModel>,
}

/// Which department a department asks for help most: marketing ↔ sales,
/// HR ↔ customer service, communications → marketing.
const PARTNER: [usize; 5] = [1, 0, 3, 2, 0];

impl Round<'_> {
    /// The check-ins of `week` for those of `authors` that `takes_part`
    /// allows, each made with probability `share`.
    pub fn week(
        &self,
        rng: &mut StdRng,
        week: Week,
        authors: &[Author],
        takes_part: impl Fn(&Author) -> bool,
    ) -> Rows {
        let mut rows = Rows::default();
        // Monday morning, 08:00 UTC, and people trickle in over the day.
        let monday = local_instant(
            chrono_tz::UTC,
            week.monday(),
            NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN),
        );
        let past = week.ends_at(chrono_tz::UTC) <= self.now;
        for author in authors {
            if !takes_part(author) || !rng.random_bool(self.share) {
                continue;
            }
            let at = (monday + Duration::minutes(rng.random_range(0..600))).min(self.now);
            let id = Uuid::now_v7();
            let department = author.department % WINS.len();
            rows.checkins.push(checkins::ActiveModel {
                id: Set(id),
                user_id: Set(author.id),
                week: Set(week.to_string()),
                week_start: Set(week.monday()),
                wins: Set(pick(rng, WINS[department]).to_owned()),
                mood: Set(rng.random_bool(0.9).then(|| rng.random_range(2..=5))),
                created_at: Set(at),
                updated_at: Set(at),
            });
            for position in 0..rng.random_range(0..=2) {
                let addressed = rng.random_bool(self.addressed_share);
                let (body, to) = if addressed {
                    let to = PARTNER[department];
                    (pick(rng, ASKS[to]), self.department_ids.get(to).copied())
                } else {
                    (pick(rng, CHALLENGES[department]), None)
                };
                let resolved = past && rng.random_bool(self.resolved_share);
                rows.challenges.push(checkin_challenges::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    checkin_id: Set(id),
                    position: Set(position),
                    body: Set(body.to_owned()),
                    department_id: Set(to),
                    thread_message_id: Set(None),
                    answered_at: Set(None),
                    answered_by: Set(None),
                    resolved_at: Set(resolved.then(|| at + Duration::days(3))),
                    created_at: Set(at),
                });
            }
        }
        rows
    }
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

/// Last week's efforts, per department (in [`super::DEPARTMENTS`] order).
const WINS: [&[&str]; 5] = [
    &[
        "Shipped the **spring launch** landing page; conversion is up 12% on the old one.",
        "Wrote and scheduled the April newsletter (open rate 41%).",
        "Finished the competitor review: three positioning gaps we can own.",
        "Cut the paid-search cost per lead by a fifth with the new keywords.",
    ],
    &[
        "Closed **two pilot customers** from the webinar leads.",
        "Ran six demos with the new script; every one asked for a proposal.",
        "Cleaned up the CRM pipeline: 40 stale deals closed out.",
        "Renewed the logistics account for two more years.",
    ],
    &[
        "Onboarded three new support hires; all shadowed a full shift.",
        "Published the updated parental-leave policy.",
        "Closed the back-end developer role: the offer is signed.",
        "Ran the first manager training on feedback conversations.",
    ],
    &[
        "Answered 94% of chats within two minutes.",
        "Wrote five new help-centre articles on invoices.",
        "Cleared the ticket backlog from the outage weekend.",
        "Customer satisfaction back at 4.6 after the billing fix.",
    ],
    &[
        "Published the customer story with the logistics pilot.",
        "Grew LinkedIn followers by 800 with the launch teaser.",
        "Got us into the industry newsletter's *five to watch*.",
        "Edited two guest posts from staff; both are scheduled.",
    ],
];

/// This week's challenges, kept in the department.
const CHALLENGES: [&[&str]; 5] = [
    &[
        "Finish the launch email sequence.",
        "Decide the budget split for Q3 campaigns.",
        "Brief the agency on the new brand colours.",
    ],
    &[
        "Get the proposal for the retail chain out by Thursday.",
        "Plan the trade fair booth schedule.",
        "Update the price list for the new tiers.",
    ],
    &[
        "Prepare the engagement survey.",
        "Interview four candidates for the support lead role.",
        "Update the onboarding checklist.",
    ],
    &[
        "Cover the phones during the team day.",
        "Test the new chat widget before it goes live.",
        "Review the macros for refund requests.",
    ],
    &[
        "Plan the press release for the launch.",
        "Find a photographer for the office portraits.",
        "Draft next month's social calendar.",
    ],
];

/// Challenges addressed to a department: what others ask of it.
const ASKS: [&[&str]; 5] = [
    &[
        "Need a one-pager on the new tier for a prospect — can Marketing help?",
        "Which customer quotes are approved for external use?",
    ],
    &[
        "Which customers could we interview for a story this month?",
        "Who in Sales can join the launch webinar as a panelist?",
    ],
    &[
        "We need help writing the job ad for a senior support role.",
        "How do we handle a support shift swap across teams?",
    ],
    &[
        "What do customers ask most about invoices? We want to answer it in the FAQ.",
        "Can someone from support review the onboarding quiz?",
    ],
    &[
        "Can Communications review our blog draft before Friday?",
        "Who can post the job ad on our social channels?",
    ],
];
