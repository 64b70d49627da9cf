//! The search as one SQL statement: the terms matched by the database's
//! full-text index, then each document joined to its row under the
//! viewer's rules and the filters, then ranked.

use chrono::{Days, NaiveDate, NaiveTime};
use sea_orm::DbBackend;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement};

use super::analyze::{self, Token};
use super::query::{PREFIX_MIN_CHARS, Parsed};
use super::{CANDIDATES_MAX, Kind, Request, SCAN_MAX};
use crate::auth::{Action, Actor, policy};
use crate::domain::channels::Scope;
use crate::domain::posts::workflow::Status;
use crate::entities::{
    channel_departments, channels, department_members, departments, guest_posts, search_documents,
    users,
};

/// The filters of the arguments and of the query together.
pub struct Filters {
    channel: Option<String>,
    department: Option<String>,
    author: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Filters {
    /// `None` when an argument and the query ask for different values of
    /// the same filter (nothing can be in two channels).
    pub fn of(request: &Request, parsed: &Parsed) -> Option<Filters> {
        fn both<T: PartialEq + Clone>(a: &Option<T>, b: &Option<T>) -> Option<Option<T>> {
            match (a, b) {
                (Some(a), Some(b)) if a != b => None,
                _ => Some(a.clone().or_else(|| b.clone())),
            }
        }
        let lower = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim_start_matches(['#', '@']).to_lowercase())
        };
        // `after:D` is the days after D; `before:D` the days before it.
        let after = parsed.after.and_then(|d| d.checked_add_days(Days::new(1)));
        let from = [request.from, after].into_iter().flatten().max();
        let to = [request.to, parsed.before].into_iter().flatten().min();
        Some(Filters {
            channel: both(&lower(&request.channel), &parsed.channel)?,
            department: lower(&request.department),
            author: both(&lower(&request.author), &parsed.author)?,
            from,
            to,
        })
    }
}

/// A match over the index's terms.
enum Match {
    Term { term: String, prefix: bool },
    Any(Vec<Match>),
    All(Vec<Match>),
}

impl Match {
    /// A word of the query: its folded form (as a prefix, unless `exact`
    /// or too short), or its English or Swedish stem.
    fn word(word: &str, exact: bool) -> Match {
        let folded = analyze::fold(word);
        if exact {
            return Match::Term {
                term: folded,
                prefix: false,
            };
        }
        let mut any = vec![Match::Term {
            prefix: folded.chars().count() >= PREFIX_MIN_CHARS,
            term: folded.clone(),
        }];
        for form in analyze::forms(word).into_iter().skip(1) {
            if form != folded {
                any.push(Match::Term {
                    term: form,
                    prefix: false,
                });
            }
        }
        Match::Any(any)
    }

    /// A token of the query: a compound matches whole (as a prefix) or by
    /// all its parts.
    fn token(token: &Token, exact: bool) -> Match {
        let parts: Vec<Match> = token.parts.iter().map(|p| Match::word(p, exact)).collect();
        match token.whole() {
            None => Match::All(parts),
            Some(whole) => Match::Any(vec![
                Match::Term {
                    term: whole,
                    prefix: !exact,
                },
                Match::All(parts),
            ]),
        }
    }

    /// PostgreSQL `tsquery` text. Terms are letters and digits; quoted all
    /// the same.
    fn tsquery(&self) -> String {
        match self {
            Match::Term { term, prefix } => {
                let quoted = term.replace('\\', "\\\\").replace('\'', "''");
                format!("'{quoted}'{}", if *prefix { ":*" } else { "" })
            }
            Match::Any(all) => join(all.iter().map(Match::tsquery), " | "),
            Match::All(all) => join(all.iter().map(Match::tsquery), " & "),
        }
    }

    /// SQLite FTS5 query text.
    fn fts5(&self) -> String {
        match self {
            Match::Term { term, prefix } => {
                format!(
                    "\"{}\"{}",
                    term.replace('"', "\"\""),
                    if *prefix { "*" } else { "" }
                )
            }
            Match::Any(all) => join(all.iter().map(Match::fts5), " OR "),
            Match::All(all) => join(all.iter().map(Match::fts5), " AND "),
        }
    }
}

fn join(parts: impl Iterator<Item = String>, with: &str) -> String {
    format!("({})", parts.collect::<Vec<_>>().join(with))
}

/// What the query looks for, and what rules a document out.
fn matches(parsed: &Parsed) -> (Match, Option<Match>) {
    let mut all: Vec<Match> = parsed
        .words
        .iter()
        .map(|t| Match::token(t, false))
        .collect();
    for phrase in &parsed.phrases {
        all.extend(phrase.iter().map(|t| Match::token(t, true)));
    }
    let excluded: Vec<Match> = parsed
        .excluded
        .iter()
        .map(|t| Match::token(t, true))
        .collect();
    let excluded = (!excluded.is_empty()).then_some(Match::Any(excluded));
    (Match::All(all), excluded)
}

fn col(column: search_documents::Column) -> Expr {
    Expr::col((search_documents::Entity, column))
}

/// The statement: the documents matching, of the kinds asked, that the
/// viewer may see and the filters keep; the newest [`CANDIDATES_MAX`] of
/// them ranked, best first; `request.first + 1` from `request.offset`.
///
/// On PostgreSQL (docs/PERFORMANCE.md, "Search"):
/// - who may see a document is decided from the document for messages,
///   channels and check-ins (its `channel_id` among the channels of the
///   viewer's scope, hashed once): no other table is read per candidate
///   ([`visible`]);
/// - the matches are read newest first with a cap of [`SCAN_MAX`], which
///   the planner costs as it is: a word in few documents is read through
///   the GIN index and sorted, a common one (a short prefix) by walking
///   the newest documents backwards. `row_number() <= CANDIDATES_MAX`
///   above it stops that walk at the newest [`CANDIDATES_MAX`] (PostgreSQL
///   stops a window at its run condition); a `LIMIT` of that size would
///   have the planner walk backwards for rare words too, through the
///   whole index;
/// - `ts_rank` runs on the candidates only.
pub fn select(
    backend: DbBackend,
    parsed: &Parsed,
    kinds: &[Kind],
    filters: &Filters,
    actor: &Actor,
    scope: Scope,
    request: &Request,
) -> SelectStatement {
    use search_documents::Column as D;
    let (wanted, excluded) = matches(parsed);
    let mut candidates = Query::select();
    candidates
        .column((search_documents::Entity, D::Kind))
        .column((search_documents::Entity, D::ObjectId))
        .column((search_documents::Entity, D::Title))
        .column((search_documents::Entity, D::Body))
        .from(search_documents::Entity);
    for phrase in &parsed.phrases {
        let words: Vec<String> = phrase
            .iter()
            .flat_map(|t| t.parts.iter().map(|p| analyze::fold(p)))
            .collect();
        // Folded words are letters and digits: nothing LIKE would read.
        let pattern = format!("% {} %", words.join(" "));
        candidates.and_where(col(D::Plain).like(pattern));
    }
    let midnight = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
    if let Some(from) = filters.from {
        candidates.and_where(col(D::CreatedAt).gte(midnight(from)));
    }
    if let Some(to) = filters.to {
        candidates.and_where(col(D::CreatedAt).lt(midnight(to)));
    }
    let seen = visible(kinds, filters, actor, scope);
    let ranked = match backend {
        DbBackend::Postgres => {
            let query = match &excluded {
                Some(excluded) => format!("{} & !{}", wanted.tsquery(), excluded.tsquery()),
                None => wanted.tsquery(),
            };
            candidates
                .column((search_documents::Entity, D::Id))
                .expr_as(Expr::cust("search_documents.terms"), Alias::new("terms"))
                .cond_where(seen)
                .and_where(Expr::cust_with_values(
                    "search_documents.terms @@ CAST($1 AS tsquery)",
                    [query.clone()],
                ))
                .order_by((search_documents::Entity, D::Id), Order::Desc)
                .limit(SCAN_MAX as u64);
            let newest = Query::select()
                .columns([
                    Alias::new("kind"),
                    Alias::new("object_id"),
                    Alias::new("title"),
                    Alias::new("body"),
                ])
                .expr_as(
                    Expr::cust_with_values(
                        "CAST(ts_rank(candidates.terms, CAST($1 AS tsquery)) AS double precision)",
                        [query],
                    ),
                    Alias::new("score"),
                )
                .expr_as(
                    Expr::cust("row_number() OVER (ORDER BY candidates.id DESC)"),
                    Alias::new("place"),
                )
                .from_subquery(candidates, Alias::new("candidates"))
                .to_owned();
            Query::select()
                .columns(OUT)
                .from_subquery(newest, Alias::new("candidates"))
                .and_where(Expr::cust(format!("candidates.place <= {CANDIDATES_MAX}")))
                .to_owned()
        }
        _ => {
            let query = match &excluded {
                Some(excluded) => format!("{} NOT {}", wanted.fts5(), excluded.fts5()),
                None => wanted.fts5(),
            };
            // bm25 is lower for better matches; titles count ten times.
            let terms = Query::select()
                .expr_as(Expr::cust("rowid"), Alias::new("document_id"))
                .expr_as(
                    Expr::cust("-bm25(search_terms, 10.0, 1.0)"),
                    Alias::new("score"),
                )
                .from(Alias::new("search_terms"))
                .and_where(Expr::cust_with_values("search_terms MATCH ?", [query]))
                .to_owned();
            candidates
                .column((Alias::new("terms"), Alias::new("score")))
                .join_subquery(
                    sea_orm::JoinType::InnerJoin,
                    terms,
                    Alias::new("terms"),
                    Expr::col((Alias::new("terms"), Alias::new("document_id")))
                        .equals((search_documents::Entity, D::Id)),
                )
                .cond_where(seen)
                .order_by((search_documents::Entity, D::Id), Order::Desc)
                .limit(CANDIDATES_MAX as u64);
            Query::select()
                .columns(OUT)
                .from_subquery(candidates, Alias::new("candidates"))
                .to_owned()
        }
    };
    let mut ranked = ranked;
    ranked
        .order_by(Alias::new("score"), Order::Desc)
        .order_by(Alias::new("object_id"), Order::Desc)
        .limit(request.first as u64 + 1)
        .offset(request.offset as u64)
        .to_owned()
}

/// The columns [`select`] returns.
const OUT: [&str; 5] = ["kind", "object_id", "title", "body", "score"];

/// The documents of `kinds` the viewer may see and the filters keep.
///
/// Messages and channels are decided by their channel alone, kept on the
/// document (`channel_id`): one uncorrelated subquery of the channels in
/// the viewer's scope, which the database hashes once per search (a
/// message's document is removed when the message is deleted). Check-ins
/// are seen by everyone signed in; people and posts, which are few, are
/// checked against their row (a deactivated person, a post's status).
fn visible(kinds: &[Kind], filters: &Filters, actor: &Actor, scope: Scope) -> Condition {
    use search_documents::Column as D;
    let in_channels: Vec<&str> = kinds
        .iter()
        .filter(|k| matches!(k, Kind::Message | Kind::Channel))
        .map(|k| k.as_str())
        .collect();
    let mut any = Condition::any();
    if !in_channels.is_empty() {
        any = any.add(
            Condition::all()
                .add(col(D::Kind).is_in(in_channels))
                .add(col(D::ChannelId).in_subquery(channels_seen(filters, scope))),
        );
    }
    for kind in kinds {
        let mut seen = Condition::all().add(col(D::Kind).eq(kind.as_str()));
        match kind {
            Kind::Message | Kind::Channel => continue,
            Kind::Checkin => {}
            Kind::Person => {
                use users::Column as U;
                let mut row = Query::select();
                row.expr(Expr::val(1))
                    .from(users::Entity)
                    .and_where(Expr::col((users::Entity, U::Id)).equals(document()))
                    .and_where(Expr::col((users::Entity, U::DeactivatedAt)).is_null());
                seen = seen.add(Expr::exists(row));
            }
            Kind::Post => seen = seen.add(Expr::exists(post_seen(filters, actor))),
        }
        // Things outside channels are in no channel.
        if filters.channel.is_some() {
            seen = seen.add(Expr::val(1).eq(0));
        }
        if let Some(slug) = &filters.department
            && matches!(kind, Kind::Person | Kind::Checkin)
        {
            seen = seen.add(col(D::AuthorId).in_subquery(members_of(slug)));
        }
        any = any.add(seen);
    }
    match &filters.author {
        Some(handle) => Condition::all()
            .add(any)
            .add(col(D::AuthorId).in_subquery(person(handle))),
        None => any,
    }
}

fn document() -> (search_documents::Entity, search_documents::Column) {
    (search_documents::Entity, search_documents::Column::ObjectId)
}

/// The channels in the viewer's scope that the channel and department
/// filters keep.
fn channels_seen(filters: &Filters, scope: Scope) -> SelectStatement {
    let mut seen = Query::select();
    seen.column((channels::Entity, channels::Column::Id))
        .from(channels::Entity)
        .cond_where(scope.condition());
    if let Some(slug) = &filters.channel {
        seen.and_where(Expr::col((channels::Entity, channels::Column::Slug)).eq(slug.as_str()));
    }
    if let Some(slug) = &filters.department {
        let linked = Query::select()
            .column(channel_departments::Column::ChannelId)
            .from(channel_departments::Entity)
            .and_where(
                Expr::col(channel_departments::Column::DepartmentId).in_subquery(department(slug)),
            )
            .to_owned();
        seen.and_where(Expr::col((channels::Entity, channels::Column::Id)).in_subquery(linked));
    }
    seen
}

/// A post is seen by its author, by everyone once published, and by
/// reviewers once submitted: never someone else's draft.
fn post_seen(filters: &Filters, actor: &Actor) -> SelectStatement {
    use guest_posts::Column as P;
    let mut sees = Condition::any()
        .add(Expr::col((guest_posts::Entity, P::AuthorId)).eq(actor.user_id))
        .add(Expr::col((guest_posts::Entity, P::Status)).eq(Status::Published.as_str()));
    if policy::allows(actor.role, Action::ReviewPosts) {
        sees = sees.add(Expr::col((guest_posts::Entity, P::SubmittedAt)).is_not_null());
    }
    let mut row = Query::select();
    row.expr(Expr::val(1))
        .from(guest_posts::Entity)
        .and_where(Expr::col((guest_posts::Entity, P::Id)).equals(document()))
        .cond_where(sees);
    if let Some(slug) = &filters.department {
        row.and_where(
            Expr::col((guest_posts::Entity, P::DepartmentId)).in_subquery(department(slug)),
        );
    }
    row
}

fn person(handle: &str) -> SelectStatement {
    Query::select()
        .column(users::Column::Id)
        .from(users::Entity)
        .and_where(Expr::col((users::Entity, users::Column::Handle)).eq(handle))
        .to_owned()
}

fn department(slug: &str) -> SelectStatement {
    Query::select()
        .column(departments::Column::Id)
        .from(departments::Entity)
        .and_where(Expr::col((departments::Entity, departments::Column::Slug)).eq(slug))
        .to_owned()
}

fn members_of(slug: &str) -> SelectStatement {
    Query::select()
        .column(department_members::Column::UserId)
        .from(department_members::Entity)
        .and_where(
            Expr::col(department_members::Column::DepartmentId).in_subquery(department(slug)),
        )
        .to_owned()
}
