//! Data to explore: `seed --demo` makes a small, believable company, with
//! guest posts in every state of the workflow (`posts`), channels between
//! the departments (`channels`) and conversations in them (`messages`).
//! The weekly round (`round`, `checkins`) grows it to nine people per
//! department, with time zones, time away, holidays and a month of
//! check-ins, so analytics have groups above the minimum.
//! `seed --bench` loads a large data set for load tests (`bench`).

pub mod bench;
mod channels;
mod checkins;
mod messages;
mod posts;
mod round;

use anyhow::Context;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::auth::Role;
use crate::auth::Viewer;
use crate::domain::departments::{self, NewDepartment};
use crate::domain::people::{self, NewPerson};
use crate::entities::{departments as department_rows, users};
use crate::state::AppState;

/// Every demo account's password (printed, and in the README).
pub const DEMO_PASSWORD: &str = "synaps-demo-2026";

/// The five departments: (slug, name, description).
pub const DEPARTMENTS: [(&str, &str, &str); 5] = [
    (
        "marketing",
        "Marketing",
        "Campaigns, the brand and the website.",
    ),
    (
        "sales",
        "Sales",
        "New customers, and growing the ones we have.",
    ),
    (
        "hr",
        "HR",
        "Hiring, onboarding, and everything about working here.",
    ),
    (
        "customer-service",
        "Customer Service",
        "Helping customers every day, by chat, mail and phone.",
    ),
    (
        "communications",
        "Communications",
        "Social media, press and the company blog.",
    ),
];

/// (first name = email local part, full name, title, role, departments)
const PEOPLE: [(&str, &str, &str, Role, &[&str]); 20] = [
    (
        "ingrid",
        "Ingrid Dahl",
        "People Systems Administrator",
        Role::Admin,
        &["hr"],
    ),
    (
        "ravi",
        "Ravi Patel",
        "Workplace Tools Lead",
        Role::Admin,
        &["communications"],
    ),
    (
        "anna",
        "Anna Berg",
        "Support Specialist",
        Role::Staff,
        &["customer-service"],
    ),
    (
        "jonas",
        "Jonas Weber",
        "Head of Customer Service",
        Role::Manager,
        &["customer-service"],
    ),
    (
        "leila",
        "Leila Haddad",
        "Support Specialist",
        Role::Staff,
        &["customer-service"],
    ),
    (
        "tomas",
        "Tomás Ortega",
        "Support Team Lead",
        Role::Staff,
        &["customer-service"],
    ),
    (
        "sofia",
        "Sofia Rossi",
        "Marketing Director",
        Role::Manager,
        &["marketing"],
    ),
    (
        "mia",
        "Mia Jensen",
        "Content Marketer",
        Role::Staff,
        &["marketing"],
    ),
    (
        "noah",
        "Noah Fischer",
        "Performance Marketer",
        Role::Staff,
        &["marketing"],
    ),
    (
        "priya",
        "Priya Raman",
        "Brand Designer",
        Role::Staff,
        &["marketing", "communications"],
    ),
    (
        "lukas",
        "Lukas Novak",
        "Head of Sales",
        Role::Manager,
        &["sales"],
    ),
    (
        "emma",
        "Emma Laurent",
        "Account Executive",
        Role::Staff,
        &["sales"],
    ),
    (
        "david",
        "David Kim",
        "Sales Development Representative",
        Role::Staff,
        &["sales"],
    ),
    (
        "fatima",
        "Fatima Zahra",
        "Customer Success Manager",
        Role::Staff,
        &["sales", "customer-service"],
    ),
    ("oskar", "Oskar Nilsson", "HR Lead", Role::Manager, &["hr"]),
    (
        "hannah",
        "Hannah Schmidt",
        "Recruiter",
        Role::Staff,
        &["hr"],
    ),
    (
        "amara",
        "Amara Okafor",
        "People Partner",
        Role::Staff,
        &["hr", "customer-service"],
    ),
    (
        "clara",
        "Clara Moreau",
        "Head of Communications",
        Role::Comms,
        &["communications"],
    ),
    (
        "ben",
        "Ben Carter",
        "Social Media Manager",
        Role::Comms,
        &["communications"],
    ),
    (
        "yuki",
        "Yuki Tanaka",
        "Editor",
        Role::Comms,
        &["communications", "marketing"],
    ),
];

/// Whether the database has neither departments nor people yet.
pub async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(department_rows::Entity::find().count(db).await? == 0
        && users::Entity::find().count(db).await? == 0)
}

/// Seeds the five departments, twenty people, their guest posts, channels
/// and messages, then 21 more people and the weekly round.
pub async fn demo(state: &AppState) -> anyhow::Result<()> {
    let db = &state.db;
    seed_departments(db).await?;
    for (local, name, title, role, departments) in PEOPLE {
        let new = NewPerson {
            email: format!("{local}@example.com"),
            display_name: name.to_owned(),
            handle: Some(local.to_owned()),
            title: Some(title.to_owned()),
            role,
            departments: departments.iter().map(|d| (*d).to_owned()).collect(),
            password: DEMO_PASSWORD.to_owned(),
        };
        people::create_unchecked(db, &state.auth, new)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .with_context(|| format!("cannot seed {name}"))?;
    }
    posts::seed(db).await?;
    channels::seed(db).await?;
    messages::seed(db).await?;
    round::seed(db, &state.auth).await?;
    Ok(())
}

/// Seeds the five departments, if absent.
pub async fn seed_departments(db: &DatabaseConnection) -> anyhow::Result<()> {
    let system = system_viewer();
    for (slug, name, description) in DEPARTMENTS {
        if departments::by_slug(db, &system, slug).await.is_ok() {
            continue;
        }
        let new = NewDepartment {
            slug: slug.to_owned(),
            name: name.to_owned(),
            description: Some(description.to_owned()),
        };
        departments::create(db, &system, new)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .with_context(|| format!("cannot seed department {slug}"))?;
    }
    Ok(())
}

/// Seeding acts with an administrator's authority.
fn system_viewer() -> Viewer {
    Viewer::User(crate::auth::Actor {
        user_id: uuid::Uuid::nil(),
        role: Role::Admin,
        session_id: uuid::Uuid::nil(),
    })
}
