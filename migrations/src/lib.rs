//! The database schema, as a sequence of sea-orm migrations.
//!
//! A migration that has landed on main is never edited: a change to the schema
//! is a new file here, listed at the end of [`Migrator::migrations`].

pub use sea_orm_migration::prelude::*;

pub mod analytics_sql;

mod m20261127_000001_create_directory;
mod m20261127_000002_create_auth;
mod m20261127_000003_create_guest_posts;
mod m20261127_000004_create_events;
mod m20261127_000005_create_channels;
mod m20261127_000006_create_messages;
mod m20261127_000007_index_content_by_author;
mod m20261127_000008_derive_thread_starter_follows;
mod m20261128_000009_create_content_counts;
mod m20261203_000010_generalize_event_subjects;
mod m20261204_000011_create_weekly_round;
mod m20261206_000012_create_analytics;
mod m20261206_000014_create_digest_claims;
mod m20261207_000015_queue_messages_for_analytics;
mod m20261207_000016_create_channel_reads;
mod m20261207_000017_add_user_language;
mod m20261208_000018_create_search_documents;
mod m20261208_000019_create_audit_log;
mod m20261208_000020_add_message_erased_at;
mod m20261209_000021_add_search_document_scope;
mod m20261210_000022_add_event_txid;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_directory::Migration),
            Box::new(m20261127_000002_create_auth::Migration),
            Box::new(m20261127_000003_create_guest_posts::Migration),
            Box::new(m20261127_000004_create_events::Migration),
            Box::new(m20261127_000005_create_channels::Migration),
            Box::new(m20261127_000006_create_messages::Migration),
            Box::new(m20261127_000007_index_content_by_author::Migration),
            Box::new(m20261127_000008_derive_thread_starter_follows::Migration),
            Box::new(m20261128_000009_create_content_counts::Migration),
            Box::new(m20261203_000010_generalize_event_subjects::Migration),
            Box::new(m20261204_000011_create_weekly_round::Migration),
            Box::new(m20261206_000012_create_analytics::Migration),
            Box::new(m20261206_000014_create_digest_claims::Migration),
            Box::new(m20261207_000015_queue_messages_for_analytics::Migration),
            Box::new(m20261207_000016_create_channel_reads::Migration),
            Box::new(m20261207_000017_add_user_language::Migration),
            Box::new(m20261208_000018_create_search_documents::Migration),
            Box::new(m20261208_000019_create_audit_log::Migration),
            Box::new(m20261208_000020_add_message_erased_at::Migration),
            Box::new(m20261209_000021_add_search_document_scope::Migration),
            Box::new(m20261210_000022_add_event_txid::Migration),
        ]
    }
}
