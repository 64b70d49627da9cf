//! The rules of synaps, in plain Rust: no GraphQL here. Every entry point
//! takes the [`Viewer`](crate::auth::Viewer), checks the policy, parses its
//! input into [`types`], and writes in one transaction.

pub mod analytics;
pub mod audit;
pub mod channels;
pub mod departments;
pub mod messages;
pub mod notifications;
pub mod pagination;
pub mod people;
pub mod posts;
pub mod rate_limit;
pub mod round;
pub mod search;
pub mod types;
