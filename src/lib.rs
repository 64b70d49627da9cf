//! synaps: an internal communications hub with a GraphQL API.
//!
//! The layout (see `docs/ARCHITECTURE.md`): [`graphql`] is the API surface
//! (thin), [`domain`] the rules, [`entities`] the tables, [`http`] the routes,
//! [`auth`] who is calling; the rest is one file per concern.

pub mod app;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod instruments;
pub mod retention;
pub mod scheduler;
pub mod seed;
pub mod state;
pub mod telemetry;
