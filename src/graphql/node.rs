//! Global ids and the `Node` interface: `node(id:)` fetches anything by the
//! opaque id the API hands out. Each fetch goes through the same domain
//! function (and so the same permission check) as the type's own query.

use async_graphql::{Context, ID, Interface, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::channels::Channel;
use super::context::ContextExt;
use super::departments::Department;
use super::messages::Message;
use super::notifications::Notification;
use super::people::User;
use super::posts::GuestPost;
use super::round::{Challenge, Checkin, CheckinComment};
use super::round_time::{AwayPeriod, Holiday};
use crate::domain::round::{away, checkins, social};
use crate::domain::{channels, departments, messages, notifications, people, posts};
use crate::error::{Error, Result};

/// The kinds of thing a global id can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A person (`User`).
    User,
    /// A `Department`.
    Department,
    /// A `GuestPost`.
    GuestPost,
    /// A `Notification`.
    Notification,
    /// A `Channel`.
    Channel,
    /// A `Message`.
    Message,
    /// An `AwayPeriod`.
    AwayPeriod,
    /// A `Holiday`.
    Holiday,
    /// A `Checkin`.
    Checkin,
    /// A `Challenge` of a check-in.
    Challenge,
    /// A `CheckinComment`.
    CheckinComment,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Department => "Department",
            Kind::GuestPost => "GuestPost",
            Kind::Notification => "Notification",
            Kind::Channel => "Channel",
            Kind::Message => "Message",
            Kind::AwayPeriod => "AwayPeriod",
            Kind::Holiday => "Holiday",
            Kind::Checkin => "Checkin",
            Kind::Challenge => "Challenge",
            Kind::CheckinComment => "CheckinComment",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        [
            Kind::User,
            Kind::Department,
            Kind::GuestPost,
            Kind::Notification,
            Kind::Channel,
            Kind::Message,
            Kind::AwayPeriod,
            Kind::Holiday,
            Kind::Checkin,
            Kind::Challenge,
            Kind::CheckinComment,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// The opaque global id of a `kind` with database id `id`.
pub fn global_id(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Decodes any global id.
pub fn decode(field: &str, id: &ID) -> Result<(Kind, Uuid)> {
    let invalid = || Error::bad_input(field, "is not an id issued by this API");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (kind, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let kind = Kind::parse(kind).ok_or_else(invalid)?;
    Ok((kind, uuid.parse().map_err(|_| invalid())?))
}

/// Decodes a global id that must name a `kind`.
pub fn decode_as(field: &str, kind: Kind, id: &ID) -> Result<Uuid> {
    match decode(field, id)? {
        (found, uuid) if found == kind => Ok(uuid),
        _ => Err(Error::bad_input(
            field,
            format!("is not a {} id", kind.name()),
        )),
    }
}

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global id."))]
pub enum Node {
    /// A person.
    User(User),
    /// A department.
    Department(Department),
    /// A guest post.
    GuestPost(GuestPost),
    /// One of the viewer's notifications.
    Notification(Notification),
    /// A channel.
    Channel(Channel),
    /// A message.
    Message(Message),
    /// One of the viewer's own periods away.
    AwayPeriod(AwayPeriod),
    /// A company holiday.
    Holiday(Holiday),
    /// A check-in of the weekly round.
    Checkin(Checkin),
    /// A challenge of a check-in.
    Challenge(Challenge),
    /// A comment on a check-in.
    CheckinComment(CheckinComment),
}

/// The `node(id:)` query.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any object's `id`.")] id: ID,
    ) -> async_graphql::Result<Node> {
        let (kind, uuid) = decode("id", &id)?;
        let node = match kind {
            Kind::User => Node::User(User::one(
                people::by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::Department => Node::Department(Department::one(
                departments::by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::GuestPost => Node::GuestPost(GuestPost::one(
                posts::by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::Notification => Node::Notification(Notification::one(
                notifications::by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::Channel => Node::Channel(Channel::one(
                channels::by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::Message => Node::Message(Message::one(
                messages::by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::AwayPeriod => Node::AwayPeriod(AwayPeriod(
                away::away_by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::Holiday => Node::Holiday(Holiday(
                away::holiday_by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::Checkin => Node::Checkin(Checkin::one(
                checkins::by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::Challenge => Node::Challenge(Challenge(
                checkins::challenge_by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
            Kind::CheckinComment => Node::CheckinComment(CheckinComment(
                social::comment_by_id(ctx.db(), ctx.viewer(), uuid).await?,
            )),
        };
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_check_their_kind() {
        let uuid = Uuid::now_v7();
        let id = global_id(Kind::User, uuid);
        assert_eq!(decode("id", &id).ok(), Some((Kind::User, uuid)));
        assert!(decode_as("id", Kind::Department, &id).is_err());
        assert!(decode("id", &ID("garbage".into())).is_err());
    }
}
