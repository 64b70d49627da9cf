//! Live updates of the round (`roundChanged(department:)`): who may follow
//! a department's round, and which events are for it. A check-in's event
//! (`Topic::RoundChanged`, recorded in the transaction that changed it)
//! lists its author's departments at the time; a subscription hears the
//! events that list its department and loads the check-in as a query
//! would.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::checkins::{self, Checkin};
use crate::auth::{Action, Viewer};
use crate::domain::departments;
use crate::error::{Error, Result};
use crate::events::{Recorded, Topic};

/// A subscription to one department's round.
#[derive(Clone, Copy, Debug)]
pub struct RoundWatch {
    pub department_id: Uuid,
}

/// Starts following a department's round: everyone signed in (as
/// `weeklyRound`); NOT_FOUND for a department that does not exist.
pub async fn watch_department(
    db: &DatabaseConnection,
    viewer: &Viewer,
    department_id: Uuid,
) -> Result<RoundWatch> {
    viewer.require(Action::ReadDirectory)?;
    departments::by_id(db, viewer, department_id).await?;
    Ok(RoundWatch { department_id })
}

impl RoundWatch {
    /// The check-in an event is about, if it is for this department.
    pub fn checkin_in(&self, event: &Recorded) -> Option<Uuid> {
        match &event.topic {
            Topic::RoundChanged {
                checkin,
                departments,
            } if departments.contains(&self.department_id) => Some(*checkin),
            _ => None,
        }
    }

    /// The check-in as the viewer may see it now; `None` when it is gone.
    pub async fn load(
        &self,
        db: &DatabaseConnection,
        viewer: &Viewer,
        checkin_id: Uuid,
    ) -> Result<Option<Checkin>> {
        match checkins::by_id(db, viewer, checkin_id).await {
            Ok(found) => Ok(Some(found)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }
}
