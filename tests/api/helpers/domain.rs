//! Reaching past the API to the domain layer, for arranging what the API
//! would take too long to (thousands of posts) and for tests of the domain
//! functions themselves.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use synaps::auth::{Actor as Signed, Role, Viewer};
use synaps::entities::{channels, users};
use uuid::Uuid;

use super::{Actor, TestApp};

impl TestApp {
    /// The signed-in person behind a test actor, as the domain layer sees
    /// them.
    pub async fn viewer(&self, actor: &Actor) -> Viewer {
        let user = users::Entity::find()
            .filter(users::Column::Email.eq(actor.email.as_str()))
            .one(&self.db)
            .await
            .unwrap()
            .expect("the actor exists");
        Viewer::User(Signed {
            user_id: user.id,
            role: Role::from_db(&user.role),
            session_id: Uuid::now_v7(),
        })
    }

    /// The id of the channel `slug`.
    pub async fn channel_uuid(&self, slug: &str) -> Uuid {
        channels::Entity::find()
            .filter(channels::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .unwrap()
            .expect("the channel exists")
            .id
    }
}
