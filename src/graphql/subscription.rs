//! The `Subscription` root, served over `GET /graphql/ws` (`http::ws`).
//!
//! Each field subscribes to the in-process event hub first, then checks the
//! viewer in the domain layer (an error ends the subscription before any
//! event), and for every event asks the domain layer again for what the
//! viewer may see, so a subscription never shows more than a query would.

use std::sync::Arc;

use async_graphql::{Context, Result, Subscription as SubscriptionObject};
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError};

use super::context::ContextExt;
use super::posts::GuestPost;
use crate::auth::Viewer;
use crate::domain::posts::live::{self, Watch};
use crate::error::Error;
use crate::events::Recorded;

#[derive(Default)]
pub struct Subscription;

#[SubscriptionObject]
impl Subscription {
    /// Your own posts, each time one changes status: the post as it is now.
    async fn post_status_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<GuestPost>> + use<>> {
        let events = ctx.state().events.subscribe();
        let watch = live::watch_own_posts(ctx.viewer())?;
        Ok(posts(events, watch, ctx.db().clone(), ctx.viewer().clone()))
    }

    /// Posts entering or leaving the review queue (IN_REVIEW), as they are
    /// now (comms, admins).
    async fn review_queue_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<GuestPost>> + use<>> {
        let events = ctx.state().events.subscribe();
        let watch = live::watch_review_queue(ctx.viewer())?;
        Ok(posts(events, watch, ctx.db().clone(), ctx.viewer().clone()))
    }
}

struct Follow {
    events: broadcast::Receiver<Arc<Recorded>>,
    watch: Watch,
    db: DatabaseConnection,
    viewer: Viewer,
}

/// The posts `watch` selects from `events`, as `viewer` may see them.
fn posts(
    events: broadcast::Receiver<Arc<Recorded>>,
    watch: Watch,
    db: DatabaseConnection,
    viewer: Viewer,
) -> impl Stream<Item = Result<GuestPost>> {
    let follow = Follow {
        events,
        watch,
        db,
        viewer,
    };
    futures_util::stream::unfold(Some(follow), |state| async move {
        let mut follow = state?;
        loop {
            match follow.events.recv().await {
                Ok(event) => {
                    match follow
                        .watch
                        .post_for(&follow.db, &follow.viewer, &event)
                        .await
                    {
                        Ok(Some(post)) => return Some((Ok(GuestPost(post)), Some(follow))),
                        Ok(None) => continue,
                        Err(err) => return Some((Err(err.into()), Some(follow))),
                    }
                }
                // Fell behind the hub: say so and end, rather than skip
                // events silently; the client subscribes again.
                Err(RecvError::Lagged(missed)) => {
                    let err = Error::internal(format!(
                        "a subscription fell {missed} events behind and was ended"
                    ));
                    return Some((Err(err.into()), None));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}
