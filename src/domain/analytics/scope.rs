//! Who may see which analytics (docs/DESIGN.md "Roles", "Analytics and
//! privacy"):
//!
//! - comms and admins: every department and pair, nothing suppressed;
//! - managers: the departments they belong to now, and the pairs with one
//!   of them on either side. Lists (`synapses`, `quietLinks`) leave other
//!   pairs out; asking for another department (`departmentActivity`) is
//!   FORBIDDEN. A figure built from fewer than `analytics_min_group`
//!   distinct people is suppressed (null, `suppressed: true`, a reason);
//! - staff (and everyone, for themselves): only `myNetwork`.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::auth::{Action, Actor, Viewer};
use crate::entities::department_members;
use crate::error::{Error, Result};

/// What one viewer may see.
#[derive(Clone, Debug)]
pub enum Scope {
    /// Comms and admins.
    All,
    /// A manager: their departments, and figures under the minimum group
    /// suppressed.
    Managed {
        departments: HashSet<Uuid>,
        min_group: u32,
    },
}

impl Scope {
    /// The viewer's scope: FORBIDDEN for staff, UNAUTHENTICATED anonymous.
    pub async fn of(
        conn: &impl ConnectionTrait,
        viewer: &Viewer,
        min_group: u32,
    ) -> Result<(Actor, Scope)> {
        let actor = viewer.require(Action::ReadAnalytics)?.clone();
        if viewer.require(Action::ReadAllAnalytics).is_ok() {
            return Ok((actor, Scope::All));
        }
        let departments = department_members::Entity::find()
            .select_only()
            .column(department_members::Column::DepartmentId)
            .filter(department_members::Column::UserId.eq(actor.user_id))
            .into_tuple::<Uuid>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        Ok((
            actor,
            Scope::Managed {
                departments,
                min_group,
            },
        ))
    }

    /// Whether the pair touches the viewer's departments.
    pub fn sees_pair(&self, a: Uuid, b: Uuid) -> bool {
        match self {
            Scope::All => true,
            Scope::Managed { departments, .. } => {
                departments.contains(&a) || departments.contains(&b)
            }
        }
    }

    /// FORBIDDEN unless the viewer may see `department`.
    pub fn require_department(&self, department: Uuid) -> Result<()> {
        match self {
            Scope::All => Ok(()),
            Scope::Managed { departments, .. } if departments.contains(&department) => Ok(()),
            Scope::Managed { .. } => Err(Error::ForbiddenBecause(
                "Managers see the analytics of their own departments only.",
            )),
        }
    }

    /// Why a figure built from `people` distinct people is suppressed for
    /// this viewer, if it is.
    pub fn suppression(&self, people: u64) -> Option<String> {
        match self {
            Scope::All => None,
            Scope::Managed { min_group, .. } if people < u64::from(*min_group) => Some(format!(
                "Built from fewer than {min_group} people: suppressed to protect their privacy."
            )),
            Scope::Managed { .. } => None,
        }
    }
}
