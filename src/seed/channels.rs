//! Demo channels, made through `domain::channels` by the people who would
//! really make them: synapses between marketing and sales and between HR and
//! customer service, an announcements channel for the whole company, and a
//! private one.

use anyhow::Context;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::posts::viewer;
use crate::domain::channels::edit::{self, NewChannel};
use crate::domain::channels::{Visibility, membership};
use crate::entities::{departments, users};

struct DemoChannel {
    /// Handle of the creator (its first member).
    creator: &'static str,
    name: &'static str,
    slug: &'static str,
    topic: &'static str,
    visibility: Visibility,
    departments: &'static [&'static str],
    /// Handles the creator adds.
    members: &'static [&'static str],
}

const CHANNELS: [DemoChannel; 5] = [
    DemoChannel {
        creator: "sofia",
        name: "Spring launch",
        slug: "spring-launch",
        topic: "Marketing × Sales: the spring product launch — messaging, demos, the first 100 leads.",
        visibility: Visibility::Public,
        departments: &["marketing", "sales"],
        members: &["mia", "noah", "priya", "lukas", "emma", "david"],
    },
    DemoChannel {
        creator: "oskar",
        name: "Onboarding",
        slug: "onboarding",
        topic: "HR × Customer Service: getting new support hires productive in their first two weeks.",
        visibility: Visibility::Public,
        departments: &["hr", "customer-service"],
        members: &["hannah", "amara", "jonas", "tomas", "anna"],
    },
    DemoChannel {
        creator: "clara",
        name: "Announcements",
        slug: "announcements",
        topic: "Company-wide news. Everyone reads; the communications team posts.",
        visibility: Visibility::Public,
        departments: &[
            "marketing",
            "sales",
            "hr",
            "customer-service",
            "communications",
        ],
        members: &[
            "ben", "yuki", "ingrid", "ravi", "anna", "jonas", "leila", "tomas", "sofia", "mia",
            "noah", "priya", "lukas", "emma", "david", "fatima", "oskar", "hannah", "amara",
        ],
    },
    DemoChannel {
        creator: "fatima",
        name: "Renewals and escalations",
        slug: "renewals-escalations",
        topic: "Sales × Customer Service: accounts up for renewal with open support tickets.",
        visibility: Visibility::Public,
        departments: &["sales", "customer-service"],
        members: &["emma", "jonas", "anna"],
    },
    DemoChannel {
        creator: "clara",
        name: "Press embargo",
        slug: "press-embargo",
        topic: "Under embargo until the launch: press kit drafts and journalist contacts.",
        visibility: Visibility::Private,
        departments: &["communications", "marketing"],
        members: &["ben", "yuki", "sofia"],
    },
];

/// Seeds the demo channels and their members.
pub async fn seed(db: &DatabaseConnection) -> anyhow::Result<()> {
    for demo in &CHANNELS {
        seed_one(db, demo)
            .await
            .with_context(|| format!("cannot seed channel {}", demo.slug))?;
    }
    Ok(())
}

async fn seed_one(db: &DatabaseConnection, demo: &DemoChannel) -> anyhow::Result<()> {
    let creator = viewer(db, demo.creator).await?;
    let mut department_ids = Vec::new();
    for slug in demo.departments {
        let department = departments::Entity::find()
            .filter(departments::Column::Slug.eq(*slug))
            .one(db)
            .await?
            .with_context(|| format!("no department {slug}"))?;
        department_ids.push(department.id);
    }
    let channel = edit::create(
        db,
        &creator,
        NewChannel {
            name: demo.name.to_owned(),
            slug: Some(demo.slug.to_owned()),
            topic: Some(demo.topic.to_owned()),
            visibility: demo.visibility,
            department_ids,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    for handle in demo.members {
        let user = users::Entity::find()
            .filter(users::Column::Handle.eq(*handle))
            .one(db)
            .await?
            .with_context(|| format!("no demo person @{handle}"))?;
        membership::add_member(db, &creator, channel.id, user.id)
            .await
            .map_err(|e| anyhow::anyhow!("@{handle}: {e:?}"))?;
    }
    Ok(())
}
