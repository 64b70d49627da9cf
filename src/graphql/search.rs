//! `search`: the query box over messages, guest posts, check-ins, people
//! and channels (`domain::search`; docs/SEARCH.md). Each hit carries the
//! thing itself, loaded per kind in one statement for the page.

use std::collections::HashMap;

use async_graphql::{Context, Enum, Object, Result, SimpleObject, Union};
use chrono::NaiveDate;
use uuid::Uuid;

use super::channels::Channel;
use super::context::ContextExt;
use super::loaders::{MessagePage, PersonPage};
use super::messages::Message;
use super::pagination::Connection;
use super::people::User;
use super::posts::GuestPost;
use super::round::Checkin;
use crate::domain::channels::{Scope, visible_in_scopes};
use crate::domain::pagination::Cursor;
use crate::domain::search::{self, Field, Kind};
use crate::domain::{messages, people, posts, round};

/// What a search looks through.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SearchKind {
    /// Messages in channels (threads and replies).
    Message,
    /// Guest posts.
    Post,
    /// Check-ins of the weekly round (wins and challenges).
    Checkin,
    /// People: name, handle, job title, bio.
    Person,
    /// Channels: name, slug, topic.
    Channel,
}

impl From<SearchKind> for Kind {
    fn from(kind: SearchKind) -> Kind {
        match kind {
            SearchKind::Message => Kind::Message,
            SearchKind::Post => Kind::Post,
            SearchKind::Checkin => Kind::Checkin,
            SearchKind::Person => Kind::Person,
            SearchKind::Channel => Kind::Channel,
        }
    }
}

impl From<Kind> for SearchKind {
    fn from(kind: Kind) -> SearchKind {
        match kind {
            Kind::Message => SearchKind::Message,
            Kind::Post => SearchKind::Post,
            Kind::Checkin => SearchKind::Checkin,
            Kind::Person => SearchKind::Person,
            Kind::Channel => SearchKind::Channel,
        }
    }
}

/// Where a hit matched.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SearchField {
    /// A post's title, a person's or a channel's name.
    Title,
    /// The text: a message, a post's body, a check-in, a person's handle,
    /// job title and bio, a channel's slug and topic.
    Body,
}

/// The thing a hit found.
#[derive(Union)]
pub enum SearchNode {
    /// A message (`kind: MESSAGE`).
    Message(Message),
    /// A guest post (`kind: POST`).
    GuestPost(GuestPost),
    /// A check-in (`kind: CHECKIN`).
    Checkin(Checkin),
    /// A person (`kind: PERSON`).
    User(User),
    /// A channel (`kind: CHANNEL`).
    Channel(Channel),
}

/// One thing found, and why.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// What kind of thing it is.
    kind: SearchKind,
    /// The thing.
    node: SearchNode,
    /// How well it matched, higher is better (comparable within one
    /// search only).
    score: f64,
    /// HTML: the text around the first match, escaped, with the matched
    /// words in `<mark>`, the only markup (safe to show as it is).
    snippet: String,
    /// Where it matched: a title hit ranks above a body hit.
    matched_in: SearchField,
    /// The words of the thing that matched, as written.
    matched_words: Vec<String>,
}

/// A page of hits, best first.
pub type SearchConnection = Connection<SearchHit>;

/// The `search` query.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Messages, guest posts, check-ins, people and channels you may see,
    /// best first. The query: words (each also as a prefix, for searching
    /// as you type: `onboa` finds onboarding; English and Swedish word
    /// forms; diacritics optional), `"exact phrases"`, `-excluded` words, URLs,
    /// addresses and ids (`PROJ-1234`) whole or by their parts, and the
    /// filters `in:#channel`, `from:@handle`, `before:2026-11-01`,
    /// `after:2026-11-01`, which mean the same as the arguments. An empty
    /// query (or only exclusions and filters) finds nothing.
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for, as typed in a search box (up to 500 characters).")]
        query: String,
        #[graphql(desc = "Only these kinds; all when omitted.")] kinds: Option<Vec<SearchKind>>,
        #[graphql(desc = "Only in this channel (its slug): its messages, and the channel.")]
        channel: Option<String>,
        #[graphql(
            desc = "Only what belongs to this department (its slug): channels linking it and their messages, its posts, its people and their check-ins."
        )]
        department: Option<String>,
        #[graphql(desc = "Only what this person (their handle) wrote, and the person.")]
        author: Option<String>,
        #[graphql(desc = "From this day on (UTC).")] from: Option<NaiveDate>,
        #[graphql(desc = "Before this day (UTC).")] to: Option<NaiveDate>,
        #[graphql(desc = "How many hits: 1–50; 20 when omitted.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<SearchConnection> {
        let offset = match after {
            Some(cursor) => {
                let cursor = Cursor::decode("after", &cursor)?;
                let position: usize = cursor.key.parse().map_err(|_| {
                    crate::error::Error::bad_input("after", "is not a cursor from this search")
                })?;
                position + 1
            }
            None => 0,
        };
        let first = match first {
            None => 20,
            Some(n) => usize::try_from(n).unwrap_or(0),
        };
        let request = search::Request {
            query,
            kinds: kinds
                .unwrap_or_default()
                .into_iter()
                .map(Kind::from)
                .collect(),
            channel,
            department,
            author,
            from,
            to,
            first,
            offset,
        };
        let found = search::find(&ctx.state().search_db, ctx.viewer(), &request).await?;
        let mut nodes = Nodes::load(ctx, &found.hits).await?;
        let mut connection = Connection::new(offset > 0, found.has_next_page);
        for (position, hit) in found.hits.into_iter().enumerate() {
            // Gone since it was found: left out.
            let Some(node) = nodes.take(hit.kind, hit.object_id) else {
                continue;
            };
            let cursor = Cursor::new((offset + position).to_string(), hit.object_id);
            connection.push(
                cursor,
                SearchHit {
                    kind: hit.kind.into(),
                    node,
                    score: hit.score,
                    snippet: hit.snippet,
                    matched_in: match hit.field {
                        Field::Title => SearchField::Title,
                        Field::Body => SearchField::Body,
                    },
                    matched_words: hit.matched,
                },
            );
        }
        Ok(connection)
    }
}

/// The things a page of hits found, loaded per kind in one statement each.
struct Nodes(HashMap<(Kind, Uuid), SearchNode>);

impl Nodes {
    async fn load(ctx: &Context<'_>, hits: &[search::Hit]) -> Result<Nodes> {
        let ids = |kind: Kind| -> Vec<Uuid> {
            hits.iter()
                .filter(|h| h.kind == kind)
                .map(|h| h.object_id)
                .collect()
        };
        let db = ctx.db();
        let mut nodes = HashMap::new();
        // Each kind costs a statement only when the page has hits of it.
        let message_ids = ids(Kind::Message);
        if !message_ids.is_empty() {
            let found = messages::by_ids(db, &message_ids).await?;
            let page = MessagePage::new(&found);
            for message in found {
                let id = message.id;
                nodes.insert(
                    (Kind::Message, id),
                    SearchNode::Message(Message(message, Some(page.clone()))),
                );
            }
        }
        let post_ids = ids(Kind::Post);
        if !post_ids.is_empty() {
            for (id, post) in posts::visible_by_ids(db, ctx.viewer(), &post_ids).await? {
                nodes.insert(
                    (Kind::Post, id),
                    SearchNode::GuestPost(GuestPost::one(post)),
                );
            }
        }
        for checkin in round::checkins::by_ids(db, &ids(Kind::Checkin)).await? {
            nodes.insert(
                (Kind::Checkin, checkin.id),
                SearchNode::Checkin(Checkin::one(checkin)),
            );
        }
        let person_ids = ids(Kind::Person);
        if !person_ids.is_empty() {
            let page = PersonPage::new(person_ids.iter().copied());
            for person in people::by_ids(db, &person_ids).await? {
                let id = person.id;
                nodes.insert(
                    (Kind::Person, id),
                    SearchNode::User(User(person, Some(page.clone()))),
                );
            }
        }
        let channel_ids = ids(Kind::Channel);
        if !channel_ids.is_empty() {
            let scope = Scope::of(ctx.viewer())?;
            let keys: Vec<(Uuid, Scope)> = channel_ids.iter().map(|id| (*id, scope)).collect();
            let found: Vec<_> = visible_in_scopes(db, &keys).await?.into_values().collect();
            for channel in Channel::all(found) {
                nodes.insert((Kind::Channel, channel.0.id), SearchNode::Channel(channel));
            }
        }
        Ok(Nodes(nodes))
    }

    fn take(&mut self, kind: Kind, id: Uuid) -> Option<SearchNode> {
        self.0.remove(&(kind, id))
    }
}
