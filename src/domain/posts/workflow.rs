//! The guest-post workflow (docs/DESIGN.md) as data: which transition leads where,
//! and who may take it. Pure functions, tested beside the table.
//!
//! ```text
//! DRAFT --submit--> IN_REVIEW --approve--> APPROVED --schedule--> SCHEDULED --(its time)--> PUBLISHED
//! IN_REVIEW --withdraw--> DRAFT          APPROVED --publish now--> PUBLISHED
//! IN_REVIEW --request changes--> CHANGES_REQUESTED --(author edits)--> DRAFT (then submit again)
//! IN_REVIEW --reject--> REJECTED (final)  SCHEDULED --unschedule--> APPROVED   PUBLISHED --unpublish--> APPROVED
//! ```

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    InReview,
    ChangesRequested,
    Approved,
    Scheduled,
    Published,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Draft,
        Status::InReview,
        Status::ChangesRequested,
        Status::Approved,
        Status::Scheduled,
        Status::Published,
        Status::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "DRAFT",
            Status::InReview => "IN_REVIEW",
            Status::ChangesRequested => "CHANGES_REQUESTED",
            Status::Approved => "APPROVED",
            Status::Scheduled => "SCHEDULED",
            Status::Published => "PUBLISHED",
            Status::Rejected => "REJECTED",
        }
    }

    /// Reads a status stored in the database. An unknown value there is a
    /// bug; it reads as REJECTED, from which nothing can move.
    pub fn from_db(value: &str) -> Status {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .unwrap_or_else(|| {
                tracing::error!(status = value, "unknown post status in database");
                Status::Rejected
            })
    }

    /// Whether the author may edit the post in this state.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::ChangesRequested)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step someone takes on a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Withdraw,
    RequestChanges,
    Approve,
    Reject,
    Schedule,
    Unschedule,
    Publish,
    Unpublish,
}

/// Who may take a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taker {
    /// Only the post's author.
    Author,
    /// A reviewer (comms or admin) who is not the author: nobody approves,
    /// schedules or publishes their own post.
    Reviewer,
}

impl Transition {
    pub const ALL: [Transition; 9] = [
        Transition::Submit,
        Transition::Withdraw,
        Transition::RequestChanges,
        Transition::Approve,
        Transition::Reject,
        Transition::Schedule,
        Transition::Unschedule,
        Transition::Publish,
        Transition::Unpublish,
    ];

    /// The state this transition leads to from `from`, if it is allowed there.
    pub fn from(self, from: Status) -> Option<Status> {
        use Status::*;
        use Transition::*;
        match (self, from) {
            (Submit, Draft) => Some(InReview),
            (Withdraw, InReview) => Some(Draft),
            (RequestChanges, InReview) => Some(ChangesRequested),
            (Approve, InReview) => Some(Approved),
            (Reject, InReview) => Some(Rejected),
            (Schedule, Approved) => Some(Scheduled),
            (Unschedule, Scheduled) => Some(Approved),
            (Publish, Approved) => Some(Published),
            (Unpublish, Published) => Some(Approved),
            _ => None,
        }
    }

    pub fn taker(self) -> Taker {
        match self {
            Transition::Submit | Transition::Withdraw => Taker::Author,
            _ => Taker::Reviewer,
        }
    }

    /// Whether the transition must carry a comment (the reason).
    pub fn needs_comment(self) -> bool {
        matches!(self, Transition::RequestChanges | Transition::Reject)
    }

    /// The verb, for messages: "cannot approve a post that is DRAFT".
    pub fn verb(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Withdraw => "withdraw",
            Transition::RequestChanges => "request changes on",
            Transition::Approve => "approve",
            Transition::Reject => "reject",
            Transition::Schedule => "schedule",
            Transition::Unschedule => "unschedule",
            Transition::Publish => "publish",
            Transition::Unpublish => "unpublish",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_design() {
        use Status::*;
        use Transition::*;
        let allowed: Vec<(Transition, Status, Status)> = Transition::ALL
            .into_iter()
            .flat_map(|t| {
                Status::ALL
                    .into_iter()
                    .filter_map(move |s| t.from(s).map(|to| (t, s, to)))
            })
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Submit, Draft, InReview),
                (Withdraw, InReview, Draft),
                (RequestChanges, InReview, ChangesRequested),
                (Approve, InReview, Approved),
                (Reject, InReview, Rejected),
                (Schedule, Approved, Scheduled),
                (Unschedule, Scheduled, Approved),
                (Publish, Approved, Published),
                (Unpublish, Published, Approved),
            ]
        );
    }

    #[test]
    fn rejected_is_final_and_only_drafts_are_editable() {
        assert!(
            Transition::ALL
                .iter()
                .all(|t| t.from(Status::Rejected).is_none())
        );
        let editable: Vec<Status> = Status::ALL.into_iter().filter(|s| s.editable()).collect();
        assert_eq!(editable, vec![Status::Draft, Status::ChangesRequested]);
    }

    #[test]
    fn statuses_round_trip_through_the_database() {
        for status in Status::ALL {
            assert_eq!(Status::from_db(status.as_str()), status);
        }
    }
}
