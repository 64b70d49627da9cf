//! Reactions: a fixed, documented set of emoji short codes, added and
//! removed by the people who take part in a channel.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use tracing::instrument;
use uuid::Uuid;

use super::{Message, message_access};
use crate::auth::{Action, Viewer};
use crate::domain::analytics::record;
use crate::entities::message_reactions;
use crate::error::{Error, Result};
use crate::{db, events};

/// The reaction codes synaps accepts, in the order groups are listed.
pub const CODES: [&str; 8] = [
    "thumbsup",
    "heart",
    "tada",
    "eyes",
    "laughing",
    "rocket",
    "white_check_mark",
    "pray",
];

/// A reaction code from [`CODES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code(&'static str);

impl Code {
    pub fn parse(field: &str, value: &str) -> Result<Code> {
        let value = value.trim().trim_matches(':').to_lowercase();
        CODES
            .iter()
            .find(|c| **c == value)
            .map(|c| Code(c))
            .ok_or_else(|| Error::bad_input(field, format!("must be one of {}", CODES.join(", "))))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// Where `code` sorts among reaction groups.
pub fn position(code: &str) -> usize {
    CODES.iter().position(|c| *c == code).unwrap_or(CODES.len())
}

/// Adds the viewer's reaction; adding it again is a no-op.
#[instrument(skip(db, viewer))]
pub async fn add(
    db: &DatabaseConnection,
    viewer: &Viewer,
    message_id: Uuid,
    code: &str,
) -> Result<Message> {
    change(db, viewer, message_id, code, true).await
}

/// Removes the viewer's reaction; removing one that is not there is a no-op.
#[instrument(skip(db, viewer))]
pub async fn remove(
    db: &DatabaseConnection,
    viewer: &Viewer,
    message_id: Uuid,
    code: &str,
) -> Result<Message> {
    change(db, viewer, message_id, code, false).await
}

async fn change(
    db: &DatabaseConnection,
    viewer: &Viewer,
    message_id: Uuid,
    code: &str,
    add: bool,
) -> Result<Message> {
    let actor = viewer.require(Action::UseChannels)?;
    let code = Code::parse("code", code)?;
    let txn = db::begin_write(db).await?;
    let (message, access) = message_access(&txn, actor, message_id).await?;
    access.require_part()?;
    access.require_open("messageId")?;
    if message.deleted_at.is_some() {
        return Err(Error::conflict("messageId", "The message was deleted."));
    }
    let key = (message.id, code.as_str().to_owned(), actor.user_id);
    let existing = message_reactions::Entity::find_by_id(key.clone())
        .one(&txn)
        .await?;
    let changed = match (add, existing) {
        (true, None) => {
            message_reactions::ActiveModel {
                message_id: Set(message.id),
                code: Set(code.as_str().to_owned()),
                user_id: Set(actor.user_id),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            record::reaction_added(&txn, message.id, actor.user_id, code.as_str()).await?;
            true
        }
        (false, Some(reaction)) => {
            record::reaction_removing(
                &txn,
                message.id,
                actor.user_id,
                code.as_str(),
                reaction.created_at,
            )
            .await?;
            message_reactions::Entity::delete_by_id(key)
                .exec(&txn)
                .await?;
            true
        }
        _ => false,
    };
    if changed {
        let what = if add {
            "reaction_added"
        } else {
            "reaction_removed"
        };
        events::record(&txn, super::write::changed_event(&message, what)).await?;
        events::commit(txn).await?;
    } else {
        txn.commit().await?;
    }
    Ok(message.into())
}
