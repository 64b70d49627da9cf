//! Cross-department analytics (docs/DESIGN.md "Synapses", "Analytics and
//! privacy"): rollups kept in the writing transaction ([`record`]), read by
//! [`queries`] within what the viewer may see ([`scope`]), answers kept a
//! short while in [`cache`] (`SYNAPS_ANALYTICS_CACHE_SECONDS`).
//!
//! Periods are half-open `[from, to)` ranges of UTC days. What each rollup
//! holds, what counts as crossing, and what a later membership change does
//! to past figures (nothing: acts are attributed to the departments of
//! their time) is in `migrations::analytics_sql`.

pub mod cache;
pub mod queries;
pub mod record;
pub mod scope;
