//! A thread's starter follows it without a row of their own.
//!
//! Every new thread used to insert its starter's `thread_follows` row in the
//! transaction of the post: one more statement and one more indexed,
//! foreign-keyed row for every message that starts a thread, most of which
//! never get a reply. Now the starter's follow is implied by the root's
//! `author_id`, and a row says otherwise: `following = false` is a starter
//! (or anyone) who unfollowed. Existing rows all say "following", which is
//! what they meant, so no row changes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::boolean;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ThreadFollows::Table)
                    .add_column(boolean(ThreadFollows::Following).default(true))
                    .to_owned(),
            )
            .await
    }

    /// Back to one row per follow: the implied follows of starters get
    /// their rows, and the unfollows lose theirs.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO thread_follows (message_id, user_id, created_at) \
             SELECT id, author_id, created_at FROM messages WHERE parent_id IS NULL \
             ON CONFLICT (message_id, user_id) DO NOTHING",
        )
        .await?;
        db.execute_unprepared("DELETE FROM thread_follows WHERE NOT following")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ThreadFollows::Table)
                    .drop_column(ThreadFollows::Following)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ThreadFollows {
    Table,
    Following,
}
