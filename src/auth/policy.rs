//! The roles table (DESIGN.md, "Roles and what they may do") as one `match`.
//! Everything not listed is denied. Checks that depend on the thing acted on
//! (own profile, membership) live beside the rule in `domain/`.

use crate::domain::types::Role;

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
    /// authorship (see `domain::channels::rules`).
    UseChannels,
    /// See and manage every channel, private ones included.
    ModerateChannels,
}

/// Whether a signed-in person with `role` may perform `action`.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ReadDirectory | ManageOwnAccount | WritePosts | UseChannels => {
            matches!(role, Staff | Manager | Comms | Admin)
        }
        ReviewPosts => matches!(role, Comms | Admin),
        ManageUsers | ManageDepartments | ModerateChannels => role == Admin,
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
