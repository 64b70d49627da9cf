//! Who may manage a channel, as one function, and the slug a channel gets
//! when its creator names none.
//!
//! Seeing a channel comes first (`Scope`): a private channel the viewer may
//! not see is NOT_FOUND before any of this is asked. Then:
//!
//! | change | admin | creator | member | anyone else |
//! |---|---|---|---|---|
//! | edit (name, slug, topic, visibility, departments) | ✓ | ✓ | | |
//! | archive | ✓ | ✓ | | |
//! | add a member | ✓ | ✓ | ✓ | |
//! | remove a member | ✓ | ✓ | | |
//!
//! Joining a public channel and leaving any channel are one's own business
//! and need no rule. Archived channels are read-only for everyone.

use super::Slug;
use crate::auth::{Action, Actor, policy};

/// A change to a channel that needs authority over it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Name, slug, topic, visibility, linked departments.
    Edit,
    Archive,
    AddMember,
    RemoveMember,
}

/// Where the actor stands with the channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Standing {
    pub is_creator: bool,
    pub is_member: bool,
}

/// Whether `actor`, standing so with a channel, may make `change` to it.
pub fn may_manage(actor: &Actor, standing: Standing, change: Change) -> bool {
    if policy::allows(actor.role, Action::ModerateChannels) {
        return true;
    }
    match change {
        Change::Edit | Change::Archive | Change::RemoveMember => standing.is_creator,
        // Members bring colleagues into the conversation they are part of.
        Change::AddMember => standing.is_creator || standing.is_member,
    }
}

/// A slug made from a channel's name (`Q4 Launch!` → `q4-launch`), or
/// `None` when the name has too few letters or digits to make one.
pub fn slug_from_name(name: &str) -> Option<Slug> {
    Slug::from_text(name, 64)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::auth::Role;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            role,
            session_id: Uuid::now_v7(),
        }
    }

    const CHANGES: [Change; 4] = [
        Change::Edit,
        Change::Archive,
        Change::AddMember,
        Change::RemoveMember,
    ];

    #[test]
    fn admins_manage_any_channel() {
        for change in CHANGES {
            assert!(may_manage(&actor(Role::Admin), Standing::default(), change));
        }
    }

    #[test]
    fn creators_manage_their_channel_whatever_their_role() {
        let creator = Standing {
            is_creator: true,
            is_member: false,
        };
        for role in [Role::Staff, Role::Manager, Role::Comms] {
            for change in CHANGES {
                assert!(
                    may_manage(&actor(role), creator, change),
                    "{role} {change:?}"
                );
            }
        }
    }

    #[test]
    fn members_only_add_people() {
        let member = Standing {
            is_creator: false,
            is_member: true,
        };
        for role in [Role::Staff, Role::Manager, Role::Comms] {
            for change in CHANGES {
                assert_eq!(
                    may_manage(&actor(role), member, change),
                    change == Change::AddMember,
                    "{role} {change:?}"
                );
            }
        }
    }

    #[test]
    fn outsiders_manage_nothing_not_even_managers_or_comms() {
        for role in [Role::Staff, Role::Manager, Role::Comms] {
            for change in CHANGES {
                assert!(!may_manage(&actor(role), Standing::default(), change));
            }
        }
    }

    #[test]
    fn slugs_are_derived_from_names() {
        let derived = |name: &str| slug_from_name(name).map(|s| s.as_str().to_owned());
        assert_eq!(derived("Q4 Launch!"), Some("q4-launch".to_owned()));
        assert_eq!(
            derived("  HR & Support -- onboarding "),
            Some("hr-support-onboarding".to_owned())
        );
        assert_eq!(derived("Ünïcode café"), Some("unicode-cafe".to_owned()));
        assert_eq!(derived("!"), None);
        assert_eq!(derived("x"), None);
        let long = derived(&"a".repeat(300)).unwrap_or_default();
        assert_eq!(long.len(), 64);
    }
}
