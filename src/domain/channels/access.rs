//! Who may do what in a channel: the one rule, and the one type every path
//! asks it through — channels, messages, threads, reactions, follows,
//! subscriptions, `node(id:)`, and the lists.
//!
//! A person's standing with a channel is an [`Access`]: the channel row,
//! whether the person is a member, and whether their role moderates
//! channels (admins: `Action::ModerateChannels`). [`load`] reads the channel
//! and the membership in one statement; [`load_many`] does the same for
//! many (channel, person) pairs at once (a batch of posts). Holding an
//! `Access` means the person may see the channel: one they may not see is
//! NOT_FOUND, exactly like one that does not exist, before anything else is
//! asked. Then each question is a method, per the roles table:
//!
//! | question | admin | member | creator | anyone else signed in |
//! |---|---|---|---|---|
//! | see the channel, read its messages | ✓ | ✓ | | public channels |
//! | post, react ([`Access::require_part`]) | ✓ | ✓ | | — (joining a public channel is free) |
//! | join ([`Access::require_join`]) | public channels | (already in) | | public channels |
//! | add a member ([`Change::AddMember`]) | ✓ | ✓ | ✓ | |
//! | edit, link, archive, remove a member ([`Change`]) | ✓ | | ✓ | |
//! | edit a message ([`Access::require_edit`]) | own | own | own | own |
//! | delete a message ([`Access::require_delete`]) | any | own | own | own |
//!
//! Leaving, muting and following need only sight of the channel. An
//! archived channel stays readable and refuses every change
//! ([`Access::require_open`]: CONFLICT).
//!
//! Lists filter in the database instead: a viewer's [`Scope`] is their
//! standing with every channel at once (part of loader keys), and
//! [`Scope::condition`] is the sight rule as a condition on `channels`;
//! [`who_may_see`] is the same rule as a condition on `users`, for one
//! channel. Both come from the one rule (`may_see`, written once over a
//! `Fact`: a value for a loaded channel, SQL for a list), and a test below
//! checks that the database and the loaded [`Access`] agree on every case.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use uuid::Uuid;

use super::{Channel, Visibility};
use crate::auth::Role;
use crate::auth::{Action, Actor, Viewer, policy};
use crate::db;
use crate::domain::types::Slug;
use crate::entities::{channel_members, channels, users};
use crate::error::{Error, Result};

/// Whether people with `role` see and take part in every channel.
fn moderates(role: Role) -> bool {
    policy::allows(role, Action::ModerateChannels)
}

/// A fact the sight rule reads, in the form the caller knows it: a `bool`
/// for a loaded channel, [`Sql`] for a list the database filters.
trait Fact: Sized {
    fn or(self, other: Self) -> Self;
}

impl Fact for bool {
    fn or(self, other: bool) -> bool {
        self || other
    }
}

/// A fact in SQL: known before the query, or decided row by row.
enum Sql {
    Known(bool),
    Row(Condition),
}

impl Fact for Sql {
    fn or(self, other: Sql) -> Sql {
        match (self, other) {
            (Sql::Known(true), _) | (_, Sql::Known(true)) => Sql::Known(true),
            (Sql::Known(false), fact) | (fact, Sql::Known(false)) => fact,
            (Sql::Row(a), Sql::Row(b)) => Sql::Row(Condition::any().add(a).add(b)),
        }
    }
}

impl Sql {
    fn row(expr: Expr) -> Sql {
        Sql::Row(Condition::all().add(expr))
    }

    fn condition(self) -> Condition {
        match self {
            Sql::Known(true) => Condition::all(),
            Sql::Known(false) => Condition::all().add(Expr::val(1).eq(0)),
            Sql::Row(condition) => condition,
        }
    }
}

/// The rule: who sees a channel and reads its messages. Admins see every
/// channel; everyone signed in sees the public ones; members see the
/// private ones they are in.
fn may_see<F: Fact>(moderator: F, public: F, member: F) -> F {
    moderator.or(public).or(member)
}

/// A change to a channel that needs authority over it (see the table in
/// the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Name, slug, topic, visibility, linked departments.
    Edit,
    /// Making it read-only for good.
    Archive,
    /// Bringing someone into it.
    AddMember,
    /// Taking someone out of it (leaving is one's own business).
    RemoveMember,
}

/// Where a person stands with a channel they may see: every question about
/// what they may do there is answered from this.
#[derive(Clone, Debug)]
pub struct Access {
    channel: channels::Model,
    user_id: Uuid,
    moderator: bool,
    member: bool,
}

impl Access {
    /// Where `actor` stands with `channel`, given whether they are a member;
    /// NOT_FOUND (as `what`) for a channel they may not see.
    pub fn of(
        actor: &Actor,
        channel: channels::Model,
        member: bool,
        what: &'static str,
    ) -> Result<Access> {
        let moderator = moderates(actor.role);
        let public = Visibility::from_db(&channel.visibility) == Visibility::Public;
        if !may_see(moderator, public, member) {
            return Err(Error::NotFound(what));
        }
        Ok(Access {
            channel,
            user_id: actor.user_id,
            moderator,
            member,
        })
    }

    /// The channel's row.
    pub fn channel(&self) -> &channels::Model {
        &self.channel
    }

    /// The channel's row, for a change to it.
    pub fn into_row(self) -> channels::Model {
        self.channel
    }

    /// The channel.
    pub fn into_channel(self) -> Channel {
        self.channel.into()
    }

    /// Whether the person is a member.
    pub fn is_member(&self) -> bool {
        self.member
    }

    fn is_creator(&self) -> bool {
        self.channel.created_by == self.user_id
    }

    /// Whether the channel is archived (read-only).
    pub fn is_archived(&self) -> bool {
        self.channel.archived_at.is_some()
    }

    /// Members post and react; admins anywhere.
    pub fn may_take_part(&self) -> bool {
        self.moderator || self.member
    }

    /// A public channel is joined freely; a private one only by being added
    /// (admins see private channels, but are added to them like anyone).
    pub fn may_join(&self) -> bool {
        self.member || Visibility::from_db(&self.channel.visibility) == Visibility::Public
    }

    /// Admins make any change; the creator edits, links, archives, adds and
    /// removes members; members bring colleagues into the conversation
    /// they are part of.
    pub fn may_manage(&self, change: Change) -> bool {
        if self.moderator {
            return true;
        }
        match change {
            Change::Edit | Change::Archive | Change::RemoveMember => self.is_creator(),
            Change::AddMember => self.is_creator() || self.member,
        }
    }

    /// Only its author edits a message.
    pub fn may_edit(&self, author_id: Uuid) -> bool {
        author_id == self.user_id
    }

    /// Its author deletes a message; admins delete any.
    pub fn may_delete(&self, author_id: Uuid) -> bool {
        self.moderator || author_id == self.user_id
    }

    /// FORBIDDEN (with a hint to join) unless the person takes part.
    pub fn require_part(&self) -> Result<()> {
        if self.may_take_part() {
            Ok(())
        } else {
            Err(Error::ForbiddenBecause(
                "Only members post and react in a channel; join it first (joinChannel).",
            ))
        }
    }

    /// FORBIDDEN unless the person may join the channel.
    pub fn require_join(&self) -> Result<()> {
        if self.may_join() {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// FORBIDDEN unless the person may make `change`.
    pub fn require_manage(&self, change: Change) -> Result<()> {
        if self.may_manage(change) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// FORBIDDEN unless the person wrote the message (`author_id`).
    pub fn require_edit(&self, author_id: Uuid) -> Result<()> {
        if self.may_edit(author_id) {
            Ok(())
        } else {
            Err(Error::ForbiddenBecause("Only its author edits a message."))
        }
    }

    /// FORBIDDEN unless the person may delete a message by `author_id`.
    pub fn require_delete(&self, author_id: Uuid) -> Result<()> {
        if self.may_delete(author_id) {
            Ok(())
        } else {
            Err(Error::ForbiddenBecause(
                "Only its author (or an administrator) deletes a message.",
            ))
        }
    }

    /// CONFLICT on `field` if the channel is archived (read-only).
    pub fn require_open(&self, field: &str) -> Result<()> {
        if self.is_archived() {
            Err(Error::conflict(
                field,
                "The channel is archived and read-only.",
            ))
        } else {
            Ok(())
        }
    }
}

/// Channel `channel_id` and where `actor` stands with it, in one
/// statement; NOT_FOUND (as `what`) if it does not exist or they may not
/// see it.
pub async fn load(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    channel_id: Uuid,
    what: &'static str,
) -> Result<Access> {
    let id = Expr::col((channels::Entity, channels::Column::Id)).eq(channel_id);
    load_where(conn, actor, id, what).await
}

/// Like [`load`], by the channel's slug.
pub async fn load_by_slug(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    slug: &Slug,
) -> Result<Access> {
    let slug = Expr::col((channels::Entity, channels::Column::Slug)).eq(slug.as_str());
    load_where(conn, actor, slug, "Channel").await
}

async fn load_where(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    which: Expr,
    what: &'static str,
) -> Result<Access> {
    #[derive(FromQueryResult)]
    struct Row {
        #[sea_orm(nested)]
        channel: channels::Model,
        member: bool,
    }
    let membership = Query::select()
        .expr(Expr::val(1))
        .from(channel_members::Entity)
        .and_where(
            Expr::col((channel_members::Entity, channel_members::Column::ChannelId))
                .equals((channels::Entity, channels::Column::Id)),
        )
        .and_where(
            Expr::col((channel_members::Entity, channel_members::Column::UserId)).eq(actor.user_id),
        )
        .to_owned();
    let Row { channel, member } = channels::Entity::find()
        .filter(which)
        .expr_as(Expr::exists(membership), "member")
        .into_model::<Row>()
        .one(conn)
        .await?
        .ok_or(Error::NotFound(what))?;
    Access::of(actor, channel, member, what)
}

/// Each of `wanted` (channel, person) as [`load`] would answer it, in one
/// statement: the channels, each joined to the memberships of the people
/// asking for it. `also` rides along in the same statement (the post queue
/// takes its authors' rate-limit locks so, one round trip fewer).
pub async fn load_many(
    conn: &impl ConnectionTrait,
    wanted: &[(Uuid, &Actor)],
    also: Option<Expr>,
    what: &'static str,
) -> Result<Vec<Result<Access>>> {
    #[derive(FromQueryResult)]
    struct Row {
        #[sea_orm(nested)]
        channel: channels::Model,
        member_id: Option<Uuid>,
    }
    let channel_ids = unique(wanted.iter().map(|(c, _)| *c));
    let people = unique(wanted.iter().map(|(_, a)| a.user_id));
    let pairs = unique(wanted.iter().map(|(c, a)| (*c, a.user_id)));
    let backend = conn.get_database_backend();
    let mut select = channels::Entity::find()
        .join(
            JoinType::LeftJoin,
            channels::Relation::Members
                .def()
                .on_condition(move |_, members| {
                    use channel_members::Column as M;
                    // The people's memberships are found through the index;
                    // of those, only the pairs asked for are returned, so
                    // the rows stay one per pair, not channels × people (a
                    // batch's authors are often members of all its
                    // channels).
                    let people = db::is_any(backend, (members.clone(), M::UserId), people.clone());
                    let pair = ((members.clone(), M::ChannelId), (members, M::UserId));
                    people
                        .and(db::is_any_pair(backend, pair, pairs.clone()))
                        .into()
                }),
        )
        .column_as(
            Expr::col((channel_members::Entity, channel_members::Column::UserId)),
            "member_id",
        )
        .filter(db::is_any(
            backend,
            (channels::Entity, channels::Column::Id),
            channel_ids,
        ));
    if let Some(also) = also {
        select = select.column_as(also, "also");
    }
    let rows = select.into_model::<Row>().all(conn).await?;
    let mut found: HashMap<Uuid, channels::Model> = HashMap::new();
    let mut members: HashSet<(Uuid, Uuid)> = HashSet::new();
    for Row { channel, member_id } in rows {
        if let Some(user_id) = member_id {
            members.insert((channel.id, user_id));
        }
        found.entry(channel.id).or_insert(channel);
    }
    Ok(wanted
        .iter()
        .map(|(channel_id, actor)| {
            let channel = found
                .get(channel_id)
                .cloned()
                .ok_or(Error::NotFound(what))?;
            let member = members.contains(&(channel.id, actor.user_id));
            Access::of(actor, channel, member, what)
        })
        .collect())
}

/// Which channels a viewer may see: all of them (admins), or the public
/// ones and the private ones they are a member of. Part of loader keys, so
/// that nothing loaded for one viewer can answer another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every channel (admins).
    All,
    /// Public channels, and the private ones this person is a member of.
    MemberOf(Uuid),
}

impl Scope {
    /// The viewer's scope; anonymous viewers see no channel at all.
    pub fn of(viewer: &Viewer) -> Result<Scope> {
        let actor = viewer.require(Action::UseChannels)?;
        Ok(if moderates(actor.role) {
            Scope::All
        } else {
            Scope::MemberOf(actor.user_id)
        })
    }

    /// Whether this scope sees a channel with `visibility`, given whether
    /// its person is a member (irrelevant for [`Scope::All`]).
    pub fn sees(self, visibility: Visibility, member: bool) -> bool {
        may_see(self == Scope::All, visibility == Visibility::Public, member)
    }

    /// The condition on `channels` that keeps the channels in scope: the
    /// rule of [`Scope::sees`], decided by the database.
    pub fn condition(self) -> Condition {
        let public = Sql::row(
            Expr::col((channels::Entity, channels::Column::Visibility))
                .eq(Visibility::Public.as_str()),
        );
        let (moderator, member) = match self {
            // Sees everything: whose membership would not matter.
            Scope::All => (Sql::Known(true), Sql::Known(false)),
            Scope::MemberOf(user_id) => (
                Sql::Known(false),
                Sql::row(
                    Expr::col((channels::Entity, channels::Column::Id))
                        .in_subquery(memberships_of(user_id)),
                ),
            ),
        };
        may_see(moderator, public, member).condition()
    }
}

/// `SELECT channel_id FROM channel_members WHERE user_id = ?`.
pub(super) fn memberships_of(user_id: Uuid) -> SelectStatement {
    Query::select()
        .column((channel_members::Entity, channel_members::Column::ChannelId))
        .from(channel_members::Entity)
        .and_where(
            Expr::col((channel_members::Entity, channel_members::Column::UserId)).eq(user_id),
        )
        .to_owned()
}

/// Channels by (id, scope) for loaders: each key's channel if that scope
/// sees it. Two queries however many viewers ask, so the subscribers of one
/// channel share them (the channels, then the memberships that decide the
/// private ones).
pub async fn visible_in_scopes(
    db: &DatabaseConnection,
    keys: &[(Uuid, Scope)],
) -> Result<HashMap<(Uuid, Scope), Channel>> {
    let ids: HashSet<Uuid> = keys.iter().map(|(id, _)| *id).collect();
    let found: HashMap<Uuid, Channel> = channels::Entity::find()
        .filter(channels::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, Channel::from(c)))
        .collect();
    // Membership decides only private channels outside the admins' scope.
    let asking: Vec<(Uuid, Uuid)> = keys
        .iter()
        .filter_map(|(id, scope)| match scope {
            Scope::MemberOf(user_id)
                if found
                    .get(id)
                    .is_some_and(|c| !scope.sees(c.visibility, false)) =>
            {
                Some((*id, *user_id))
            }
            _ => None,
        })
        .collect();
    let members: HashSet<(Uuid, Uuid)> = if asking.is_empty() {
        HashSet::new()
    } else {
        channel_members::Entity::find()
            .filter(channel_members::Column::ChannelId.is_in(asking.iter().map(|(c, _)| *c)))
            .filter(channel_members::Column::UserId.is_in(asking.iter().map(|(_, u)| *u)))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.channel_id, m.user_id))
            .collect()
    };
    Ok(keys
        .iter()
        .filter_map(|(id, scope)| {
            let channel = found.get(id)?;
            let member = match scope {
                Scope::All => false,
                Scope::MemberOf(user_id) => members.contains(&(*id, *user_id)),
            };
            scope
                .sees(channel.visibility, member)
                .then(|| ((*id, *scope), channel.clone()))
        })
        .collect())
}

/// Of `candidates`, the active people who may see `channel` (everyone for a
/// public channel; members and admins for a private one): one query, with
/// the rule of [`Scope::sees`] as a condition on `users`.
pub async fn who_may_see(
    conn: &impl ConnectionTrait,
    channel: &channels::Model,
    candidates: &[Uuid],
) -> Result<Vec<Uuid>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let moderating: Vec<&str> = Role::ALL
        .into_iter()
        .filter(|role| moderates(*role))
        .map(Role::as_str)
        .collect();
    let members = Query::select()
        .column(channel_members::Column::UserId)
        .from(channel_members::Entity)
        .and_where(Expr::col(channel_members::Column::ChannelId).eq(channel.id))
        .to_owned();
    let sees = may_see(
        Sql::row(Expr::col((users::Entity, users::Column::Role)).is_in(moderating)),
        Sql::Known(Visibility::from_db(&channel.visibility) == Visibility::Public),
        Sql::row(Expr::col((users::Entity, users::Column::Id)).in_subquery(members)),
    );
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Id.is_in(candidates.iter().copied()))
        .filter(users::Column::DeactivatedAt.is_null())
        .filter(sees.condition())
        .order_by_asc(users::Column::Id)
        .into_tuple::<Uuid>()
        .all(conn)
        .await?)
}

/// The distinct values, in first-seen order.
fn unique<T: Copy + Eq + std::hash::Hash>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    values.filter(|v| seen.insert(*v)).collect()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use sea_orm::{ActiveModelTrait, IntoActiveModel};

    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            role,
            session_id: Uuid::now_v7(),
        }
    }

    fn channel(visibility: Visibility, archived: bool, created_by: Uuid) -> channels::Model {
        let now = Utc::now();
        let id = Uuid::now_v7();
        channels::Model {
            id,
            slug: format!("c-{}", id.simple()),
            name: format!("Channel {id}"),
            topic: String::new(),
            visibility: visibility.as_str().to_owned(),
            archived_at: archived.then_some(now),
            created_by,
            created_at: now,
            updated_at: now,
        }
    }

    const CHANGES: [Change; 4] = [
        Change::Edit,
        Change::Archive,
        Change::AddMember,
        Change::RemoveMember,
    ];
    const VISIBILITIES: [Visibility; 2] = [Visibility::Public, Visibility::Private];

    /// The roles table: admins read every channel; everyone else public
    /// ones, and private ones only as members.
    fn table_says_sees(role: Role, visibility: Visibility, member: bool) -> bool {
        role == Role::Admin || visibility == Visibility::Public || member
    }

    #[test]
    fn private_channels_are_not_found_to_everyone_but_members_and_admins() {
        for role in Role::ALL {
            for visibility in VISIBILITIES {
                for member in [false, true] {
                    let someone = actor(role);
                    let seen = Access::of(
                        &someone,
                        channel(visibility, false, Uuid::now_v7()),
                        member,
                        "Channel",
                    );
                    match seen {
                        Ok(_) => assert!(table_says_sees(role, visibility, member)),
                        Err(Error::NotFound("Channel")) => {
                            assert!(!table_says_sees(role, visibility, member))
                        }
                        Err(other) => panic!("{other:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn members_and_admins_take_part_and_only_public_channels_are_joined() {
        for role in Role::ALL {
            for visibility in VISIBILITIES {
                for member in [false, true] {
                    let someone = actor(role);
                    let Ok(access) = Access::of(
                        &someone,
                        channel(visibility, false, Uuid::now_v7()),
                        member,
                        "Channel",
                    ) else {
                        continue;
                    };
                    let case = format!("{role} {visibility:?} member={member}");
                    assert_eq!(
                        access.may_take_part(),
                        member || role == Role::Admin,
                        "{case}"
                    );
                    assert_eq!(
                        access.may_join(),
                        member || visibility == Visibility::Public,
                        "{case}"
                    );
                }
            }
        }
    }

    #[test]
    fn admins_manage_any_channel() {
        let admin = actor(Role::Admin);
        for visibility in VISIBILITIES {
            let access = Access::of(
                &admin,
                channel(visibility, false, Uuid::now_v7()),
                false,
                "Channel",
            );
            let access = access.unwrap();
            for change in CHANGES {
                assert!(access.may_manage(change), "{visibility:?} {change:?}");
            }
        }
    }

    #[test]
    fn creators_manage_their_channel_whatever_their_role() {
        for role in Role::ALL {
            let creator = actor(role);
            // A creator who left their public channel still manages it.
            let access = Access::of(
                &creator,
                channel(Visibility::Public, false, creator.user_id),
                false,
                "Channel",
            )
            .unwrap();
            for change in CHANGES {
                assert!(access.may_manage(change), "{role} {change:?}");
            }
        }
    }

    #[test]
    fn members_only_add_people() {
        for role in [Role::Staff, Role::Manager, Role::Comms] {
            for visibility in VISIBILITIES {
                let member = actor(role);
                let access = Access::of(
                    &member,
                    channel(visibility, false, Uuid::now_v7()),
                    true,
                    "Channel",
                )
                .unwrap();
                for change in CHANGES {
                    assert_eq!(
                        access.may_manage(change),
                        change == Change::AddMember,
                        "{role} {change:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn outsiders_manage_nothing_not_even_managers_or_comms() {
        for role in [Role::Staff, Role::Manager, Role::Comms] {
            let outsider = actor(role);
            let access = Access::of(
                &outsider,
                channel(Visibility::Public, false, Uuid::now_v7()),
                false,
                "Channel",
            )
            .unwrap();
            for change in CHANGES {
                assert!(!access.may_manage(change), "{role} {change:?}");
            }
        }
    }

    #[test]
    fn authors_edit_their_messages_and_only_admins_delete_others() {
        for role in Role::ALL {
            let someone = actor(role);
            let access = Access::of(
                &someone,
                channel(Visibility::Public, false, Uuid::now_v7()),
                true,
                "Channel",
            )
            .unwrap();
            let other = Uuid::now_v7();
            assert!(access.may_edit(someone.user_id));
            assert!(access.may_delete(someone.user_id));
            assert!(!access.may_edit(other), "{role}");
            assert_eq!(access.may_delete(other), role == Role::Admin, "{role}");
        }
    }

    #[test]
    fn archived_channels_are_read_only_for_everyone() {
        for role in Role::ALL {
            let someone = actor(role);
            let access = Access::of(
                &someone,
                channel(Visibility::Public, true, someone.user_id),
                true,
                "Channel",
            )
            .unwrap();
            assert!(matches!(
                access.require_open("channelId"),
                Err(Error::Conflict { .. })
            ));
        }
    }

    /// Every form of the sight rule — the loaded `Access` (alone, one
    /// statement, and many at once), `Scope::sees` and the loaders' batch,
    /// the list condition `Scope::condition` and `who_may_see` — gives the
    /// roles table's answer for every role × visibility × membership ×
    /// archived, on a real (SQLite) database migrated as in production.
    #[tokio::test]
    async fn the_sql_conditions_and_the_loaded_rule_agree_on_every_case() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = db::connect(&url, 1).await.unwrap();
        db::migrate(&db).await.unwrap();

        // Per role, one person who is a member of every channel and one
        // who is a member of none.
        let now = Utc::now();
        let mut people: Vec<(Actor, bool)> = Vec::new();
        for role in Role::ALL {
            for member in [false, true] {
                let person = actor(role);
                let handle = format!("{}-{member}", role.as_str());
                users::Model {
                    id: person.user_id,
                    email: format!("{handle}@example.com"),
                    handle,
                    display_name: role.as_str().to_owned(),
                    title: String::new(),
                    bio: String::new(),
                    role: role.as_str().to_owned(),
                    password_hash: String::new(),
                    token_version: 0,
                    deactivated_at: None,
                    created_at: now,
                    updated_at: now,
                    time_zone: None,
                    checkin_reminders: true,
                    language: None,
                }
                .into_active_model()
                .insert(&db)
                .await
                .unwrap();
                people.push((person, member));
            }
        }
        let creator = people[0].0.user_id;
        let mut rooms = Vec::new();
        for visibility in VISIBILITIES {
            for archived in [false, true] {
                let room = channel(visibility, archived, creator);
                rooms.push(room.clone().into_active_model().insert(&db).await.unwrap());
            }
        }
        for room in &rooms {
            for (person, _) in people.iter().filter(|(_, member)| *member) {
                channel_members::Model {
                    channel_id: room.id,
                    user_id: person.user_id,
                    joined_at: now,
                }
                .into_active_model()
                .insert(&db)
                .await
                .unwrap();
            }
        }
        let everyone: Vec<Uuid> = people.iter().map(|(p, _)| p.user_id).collect();
        let keys: Vec<(Uuid, Scope)> = people
            .iter()
            .flat_map(|(p, _)| {
                let scope = Scope::of(&Viewer::User(p.clone())).unwrap();
                rooms.iter().map(move |r| (r.id, scope))
            })
            .collect();
        let batched = visible_in_scopes(&db, &keys).await.unwrap();
        let wanted: Vec<(Uuid, &Actor)> = people
            .iter()
            .flat_map(|(p, _)| rooms.iter().map(move |r| (r.id, p)))
            .collect();
        let mut many = load_many(&db, &wanted, None, "Channel")
            .await
            .unwrap()
            .into_iter();

        for (person, member) in &people {
            let scope = Scope::of(&Viewer::User(person.clone())).unwrap();
            let listed: HashSet<Uuid> = channels::Entity::find()
                .filter(scope.condition())
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect();
            for room in &rooms {
                let visibility = Visibility::from_db(&room.visibility);
                let expected = table_says_sees(person.role, visibility, *member);
                let case = format!(
                    "{} {visibility:?} member={member} archived={}",
                    person.role,
                    room.archived_at.is_some()
                );
                let in_memory = Access::of(person, room.clone(), *member, "Channel").is_ok();
                let loaded = load(&db, person, room.id, "Channel").await.is_ok();
                let by_slug = Slug::parse("slug", &room.slug).unwrap();
                let loaded_by_slug = load_by_slug(&db, person, &by_slug).await.is_ok();
                let in_many = many.next().unwrap().is_ok();
                let seen_by_scope = scope.sees(visibility, *member);
                let in_batch = batched.contains_key(&(room.id, scope));
                let in_list = listed.contains(&room.id);
                let who = who_may_see(&db, room, &everyone).await.unwrap();
                let among_who = who.contains(&person.user_id);
                assert_eq!(
                    [
                        in_memory,
                        loaded,
                        loaded_by_slug,
                        in_many,
                        seen_by_scope,
                        in_batch,
                        in_list,
                        among_who
                    ],
                    [expected; 8],
                    "{case}: in memory, load, load_by_slug, load_many, Scope::sees, \
                     visible_in_scopes, Scope::condition, who_may_see"
                );
            }
        }
    }
}
