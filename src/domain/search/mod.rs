//! Search (docs/SEARCH.md): one query over messages, guest posts,
//! check-ins, people and channels, with prefixes while typing, exact
//! phrases, exclusions, English and Swedish word forms, diacritics
//! optional, and URLs, addresses and ids found whole and by their parts.
//!
//! - `analyze` turns text into terms (the same code for documents and
//!   queries, so both databases match alike); `query` reads the query box.
//! - `index` writes a thing's document in the transaction of the write it
//!   follows, and rebuilds the index (`synaps search reindex`).
//! - `find` (here) matches terms in the database (PostgreSQL `tsvector`
//!   with GIN; SQLite FTS5), keeps only what the viewer may see by joining
//!   each document to its row under the same rules as every other read,
//!   ranks (a title hit above a body hit) and builds the snippets.

pub mod analyze;
pub mod index;
pub mod query;
mod snippet;
mod sql;

use chrono::NaiveDate;
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::auth::{Action, Viewer};
use crate::domain::channels::Scope;
use crate::error::{Error, Result};

pub use snippet::Field;

/// What a search finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Message,
    Post,
    Checkin,
    Person,
    Channel,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Message,
        Kind::Post,
        Kind::Checkin,
        Kind::Person,
        Kind::Channel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Post => "post",
            Kind::Checkin => "checkin",
            Kind::Person => "person",
            Kind::Channel => "channel",
        }
    }

    fn from_db(kind: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == kind)
    }
}

/// A search as asked: the query box's text and the arguments, which the
/// query's own filters (`in:`, `from:`, `before:`, `after:`) add to.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub query: String,
    /// Empty: every kind.
    pub kinds: Vec<Kind>,
    /// A channel's slug: messages in it, and the channel itself.
    pub channel: Option<String>,
    /// A department's slug: what belongs to it (a channel linking it and
    /// the messages there, its posts, its people and their check-ins).
    pub department: Option<String>,
    /// A person's handle: what they wrote (and the person).
    pub author: Option<String>,
    /// From this day on (UTC), inclusive.
    pub from: Option<NaiveDate>,
    /// Up to this day (UTC), exclusive.
    pub to: Option<NaiveDate>,
    /// How many hits, and how many to skip.
    pub first: usize,
    pub offset: usize,
}

/// Most hits in one page.
pub const FIRST_MAX: usize = 50;
/// How far a search pages: the best of the newest this many matches are
/// ranked (docs/SEARCH.md, "Ranking"). Each candidate costs a look at its
/// source row (who may see it) and a `ts_rank`, on every keystroke of a
/// search-as-you-type; 1,000 took a 2-letter prefix 5–15 ms of PostgreSQL
/// time on the bench data (docs/PERFORMANCE.md, "Search").
pub const CANDIDATES_MAX: usize = 200;
/// PostgreSQL: the `LIMIT` its planner sees on the matches, newest first,
/// of which the newest [`CANDIDATES_MAX`] are taken (`sql::select`). It
/// must stay above the planner's guess for a word it has no statistics
/// for (about 0.1% of the index), or the planner walks the whole index
/// backwards for a rare word instead of asking the GIN index.
pub const SCAN_MAX: usize = 1000;

/// One thing found.
#[derive(Clone, Debug)]
pub struct Hit {
    pub kind: Kind,
    pub object_id: Uuid,
    pub score: f64,
    /// HTML: the text around the first match, escaped, with the matched
    /// words in `<mark>`; nothing else.
    pub snippet: String,
    /// Where it matched.
    pub field: Field,
    /// The words of the thing that matched, as written.
    pub matched: Vec<String>,
}

/// A page of hits.
#[derive(Debug, Default)]
pub struct Hits {
    pub hits: Vec<Hit>,
    pub has_next_page: bool,
}

#[derive(FromQueryResult)]
struct Row {
    kind: String,
    object_id: Uuid,
    title: String,
    body: String,
    score: f64,
}

/// The things the viewer may see that match `request`, best first. On
/// PostgreSQL `db` must be the search's pool (`AppState::search_db`).
pub async fn find(db: &DatabaseConnection, viewer: &Viewer, request: &Request) -> Result<Hits> {
    let actor = viewer.require(Action::UseChannels)?;
    if request.first == 0 || request.first > FIRST_MAX {
        return Err(Error::bad_input(
            "first",
            format!("must be between 1 and {FIRST_MAX}"),
        ));
    }
    let parsed = query::parse("query", &request.query)?;
    if parsed.is_empty() || request.offset >= CANDIDATES_MAX {
        return Ok(Hits::default());
    }
    let Some(filters) = sql::Filters::of(request, &parsed) else {
        // The same filter given twice, differently: nothing is both.
        return Ok(Hits::default());
    };
    let kinds = if request.kinds.is_empty() {
        Kind::ALL.to_vec()
    } else {
        request.kinds.clone()
    };
    let scope = Scope::of(viewer)?;
    let statement = sql::select(
        db.get_database_backend(),
        &parsed,
        &kinds,
        &filters,
        actor,
        scope,
        request,
    );
    let backend = db.get_database_backend();
    // On PostgreSQL `db` plans every statement for its values
    // (`db::connect_search`).
    let rows = Row::find_by_statement(backend.build(&statement))
        .all(db)
        .await?;
    let has_next_page = rows.len() > request.first;
    let terms = snippet::QueryTerms::of(&parsed);
    let hits = rows
        .into_iter()
        .take(request.first)
        .filter_map(|row| {
            let kind = Kind::from_db(&row.kind)?;
            let found = snippet::build(&terms, &row.title, &row.body);
            Some(Hit {
                kind,
                object_id: row.object_id,
                score: row.score,
                snippet: found.html,
                field: found.field,
                matched: found.matched,
            })
        })
        .collect();
    Ok(Hits {
        hits,
        has_next_page,
    })
}
