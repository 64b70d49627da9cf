//! Live updates about posts: the event a transition records, and who may
//! follow what. Checked when a subscription starts and again for every event,
//! so a subscription never shows a post its viewer may not see.

use serde_json::json;
use uuid::Uuid;

use super::{Post, Status, by_id};
use crate::auth::{Action, Viewer};
use crate::error::{Error, Result};
use crate::events::{Event, Recorded, Topic};
use sea_orm::DatabaseConnection;

/// The event for a post moving from `from` to `to`.
pub fn status_changed(post_id: Uuid, author_id: Uuid, from: Status, to: Status) -> Event {
    Event {
        topic: Topic::PostStatusChanged {
            post: post_id,
            author: author_id,
        },
        details: json!({ "from": from.as_str(), "to": to.as_str() }),
    }
}

/// A post's status change, read back from an event.
#[derive(Clone, Copy, Debug)]
pub struct StatusChange {
    pub post_id: Uuid,
    pub author_id: Uuid,
    pub from: Status,
    pub to: Status,
}

impl StatusChange {
    pub fn from_event(event: &Recorded) -> Option<StatusChange> {
        let Topic::PostStatusChanged { post, author } = event.topic else {
            return None;
        };
        Some(StatusChange {
            post_id: post,
            author_id: author,
            from: Status::from_db(event.details["from"].as_str()?),
            to: Status::from_db(event.details["to"].as_str()?),
        })
    }

    /// Whether the post entered or left the review queue.
    pub fn touches_review_queue(&self) -> bool {
        self.from != self.to && (self.from == Status::InReview || self.to == Status::InReview)
    }
}

/// What a subscription follows.
#[derive(Clone, Copy, Debug)]
pub enum Watch {
    /// Status changes of the viewer's own posts.
    OwnPosts { author_id: Uuid },
    /// Posts entering or leaving IN_REVIEW (reviewers).
    ReviewQueue,
}

/// Starts following the viewer's own posts: signed-in people who write posts.
pub fn watch_own_posts(viewer: &Viewer) -> Result<Watch> {
    let actor = viewer.require(Action::WritePosts)?;
    Ok(Watch::OwnPosts {
        author_id: actor.user_id,
    })
}

/// Starts following the review queue: reviewers only.
pub fn watch_review_queue(viewer: &Viewer) -> Result<Watch> {
    viewer.require(Action::ReviewPosts)?;
    Ok(Watch::ReviewQueue)
}

impl Watch {
    /// The post this event is about, as the viewer may see it now; `None`
    /// when the event is not for this subscription or the viewer may not see
    /// the post (any more).
    pub async fn post_for(
        &self,
        db: &DatabaseConnection,
        viewer: &Viewer,
        event: &Recorded,
    ) -> Result<Option<Post>> {
        let Some(change) = StatusChange::from_event(event) else {
            return Ok(None);
        };
        let wanted = match self {
            Watch::OwnPosts { author_id } => change.author_id == *author_id,
            Watch::ReviewQueue => {
                viewer.require(Action::ReviewPosts).is_ok() && change.touches_review_queue()
            }
        };
        if !wanted {
            return Ok(None);
        }
        match by_id(db, viewer, change.post_id).await {
            Ok(post) => Ok(Some(post)),
            Err(
                Error::NotFound(_)
                | Error::Forbidden
                | Error::ForbiddenBecause(_)
                | Error::Unauthenticated(_),
            ) => Ok(None),
            Err(err) => Err(err),
        }
    }
}
