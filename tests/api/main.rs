//! The one integration-test binary: every test talks HTTP to a real synaps,
//! once on SQLite and once on PostgreSQL (see `helpers`).

// A test that cannot arrange its world should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod activity;
mod analytics;
mod audit;
mod auth;
mod backup;
mod bad_input;
mod blog;
mod channels;
mod cli;
mod digest;
mod directory;
mod errors;
mod events;
mod introspection;
mod language;
mod layers;
mod live_messages;
mod messages;
mod metrics;
mod notifications;
mod permissions;
mod posting_together;
mod posts;
mod privacy;
mod reads;
mod relay;
mod reminders;
mod retention;
mod round;
mod round_time;
mod search;
mod shapes;
mod socket;
mod subscriptions;
mod tokens;
mod transport;
