//! Who is calling, and what they may do.
//!
//! - [`jwt`]: access tokens (short-lived, signed, every claim checked).
//! - [`sessions`]: logins, rotating refresh tokens, revocation, and turning a
//!   bearer token into an [`Actor`] (one query: session joined to user,
//!   remembered for a while by [`session_cache`]).
//! - [`password`]: argon2id hashing on blocking threads.
//! - [`throttle`]: login attempt counters in the database.
//! - [`policy`]: the roles table from docs/DESIGN.md as one `match`.

pub mod jwt;
pub mod password;
pub mod policy;
pub mod session_cache;
pub mod sessions;
pub mod throttle;

use uuid::Uuid;

use crate::error::{Error, Result};
pub use policy::{Action, Role};

/// A signed-in person, as established for this request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
    pub session_id: Uuid,
}

/// Whoever is making the request.
#[derive(Clone, Debug, Default)]
pub enum Viewer {
    #[default]
    Anonymous,
    User(Actor),
}

impl Viewer {
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Viewer::Anonymous => None,
            Viewer::User(actor) => Some(actor),
        }
    }

    /// The actor, if they may perform `action`: `UNAUTHENTICATED` for an
    /// anonymous viewer, `FORBIDDEN` for a role the policy does not allow.
    pub fn require(&self, action: Action) -> Result<&Actor> {
        let actor = self
            .actor()
            .ok_or(Error::Unauthenticated("Sign in to do this."))?;
        if policy::allows(actor.role, action) {
            Ok(actor)
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// What signing in needs, built once at startup.
pub struct AuthService {
    pub keys: jwt::JwtKeys,
    pub hasher: password::PasswordHasher,
    pub refresh_ttl_secs: u64,
    pub throttle: crate::config::ThrottleConfig,
}
