//! One sea-orm entity per table. These never leave the domain layer: GraphQL
//! types are built from domain values, not from these models.

pub mod analytics_pending;
pub mod audit_log;
pub mod away_periods;
pub mod channel_departments;
pub mod channel_members;
pub mod channel_mutes;
pub mod channel_reads;
pub mod channels;
pub mod checkin_challenges;
pub mod checkin_comments;
pub mod checkin_reactions;
pub mod checkin_reminders;
pub mod checkins;
pub mod content_counts;
pub mod department_members;
pub mod departments;
pub mod digest_claims;
pub mod events;
pub mod guest_posts;
pub mod holidays;
pub mod login_throttle;
pub mod message_mentions;
pub mod message_reactions;
pub mod messages;
pub mod notifications;
pub mod post_revisions;
pub mod refresh_tokens;
pub mod review_events;
pub mod search_documents;
pub mod sessions;
pub mod thread_follows;
pub mod users;
