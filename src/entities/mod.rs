//! One sea-orm entity per table. These never leave the domain layer: GraphQL
//! types are built from domain values, not from these models.

pub mod department_members;
pub mod departments;
pub mod login_throttle;
pub mod refresh_tokens;
pub mod sessions;
pub mod users;
