//! The roles table (docs/DESIGN.md, "Roles and what they may do") as one `match`.
//! Everything not listed is denied. Checks that depend on the thing acted on
//! (own profile, membership) live beside the rule in `domain/`.

use std::fmt;

/// What a person may do (docs/DESIGN.md, "Roles and what they may do").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Staff,
    Manager,
    Comms,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Staff, Role::Manager, Role::Comms, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Manager => "manager",
            Role::Comms => "comms",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// Reads a role stored in the database; an unknown value there is a bug,
    /// so it fails closed to the least privileged role.
    pub fn from_db(value: &str) -> Role {
        Role::parse(value).unwrap_or_else(|| {
            tracing::error!(role = value, "unknown role in database, treating as staff");
            Role::Staff
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read departments and people.
    ReadDirectory,
    /// Edit one's own profile and password, sign out.
    ManageOwnAccount,
    /// Create, edit, deactivate people and change their roles.
    ManageUsers,
    /// Create and edit departments and their membership.
    ManageDepartments,
    /// Draft, edit and submit one's own guest posts.
    WritePosts,
    /// Review, approve, reject, schedule, publish and unpublish guest posts
    /// (never one's own: see `domain::posts::workflow`).
    ReviewPosts,
    /// Read public channels, create channels, join public ones; private
    /// channels and managing a channel also depend on membership and
    /// authorship (see `domain::channels::access`).
    UseChannels,
    /// See and manage every channel, private ones included.
    ModerateChannels,
    /// Keep the company's holidays (days nobody is expected to check in).
    ManageHolidays,
    /// Write one's own check-ins, react to and comment on anyone's
    /// (reading them is `ReadDirectory`: every signed-in person).
    WriteCheckins,
    /// Post a department's weekly digest: managers (of that department,
    /// checked in `domain::round::digest`), comms and admins.
    PostDigests,
    /// Read cross-department analytics: managers for the departments they
    /// belong to (`domain::analytics::scope`), comms and admins for all.
    ReadAnalytics,
    /// Read every department's analytics unsuppressed, and `bridges`.
    ReadAllAnalytics,
    /// Read the audit log.
    ReadAuditLog,
}

/// Whether a signed-in person with `role` may perform `action`.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ReadDirectory | ManageOwnAccount | WritePosts | UseChannels | WriteCheckins => {
            matches!(role, Staff | Manager | Comms | Admin)
        }
        ReviewPosts | ReadAllAnalytics => matches!(role, Comms | Admin),
        ReadAnalytics | PostDigests => matches!(role, Manager | Comms | Admin),
        ManageUsers | ManageDepartments | ModerateChannels | ManageHolidays | ReadAuditLog => {
            role == Admin
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_people_and_departments() {
        for role in Role::ALL {
            assert!(allows(role, Action::ReadDirectory));
            assert!(allows(role, Action::ManageOwnAccount));
            assert_eq!(allows(role, Action::ManageUsers), role == Role::Admin);
            assert_eq!(allows(role, Action::ManageDepartments), role == Role::Admin);
        }
    }

    #[test]
    fn everyone_uses_channels_and_admins_moderate_them() {
        for role in Role::ALL {
            assert!(allows(role, Action::UseChannels));
            assert_eq!(allows(role, Action::ModerateChannels), role == Role::Admin);
        }
    }

    #[test]
    fn managers_comms_and_admins_read_analytics_and_only_comms_and_admins_all() {
        for role in Role::ALL {
            assert_eq!(allows(role, Action::ReadAnalytics), role != Role::Staff);
            assert_eq!(
                allows(role, Action::ReadAllAnalytics),
                matches!(role, Role::Comms | Role::Admin)
            );
        }
    }

    #[test]
    fn everyone_writes_posts_and_comms_and_admins_review_them() {
        for role in Role::ALL {
            assert!(allows(role, Action::WritePosts));
            assert_eq!(
                allows(role, Action::ReviewPosts),
                matches!(role, Role::Comms | Role::Admin)
            );
        }
    }
}
