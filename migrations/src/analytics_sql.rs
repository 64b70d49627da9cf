//! The SQL that fills the analytics rollups, shared by migration 12's
//! backfill, the server's incremental hooks (`synaps::domain::analytics::record`)
//! and `synaps analytics rebuild`: one text for the three, so that the
//! rollups written one act at a time equal those recomputed from the raw
//! rows. If this SQL changes meaning, ship a migration that rebuilds.
//!
//! **Acts.** A root message, a thread reply and a reaction are acts, each by
//! one person at one instant, counted on its UTC day. Deleting or editing a
//! message later changes no figure (the conversation happened); removing a
//! reaction takes it back out (its row is gone, so a rebuild could not see
//! it either).
//!
//! **Departments at the time of the act.** A person's departments and a
//! channel's linked departments are read from history tables
//! (`analytics_member_spans`, `analytics_link_spans`: who/what, department,
//! `[valid_from, valid_to)`), kept by [`sync_member_spans`] and
//! [`sync_link_spans`] wherever memberships and links change. A later
//! change of membership therefore never rewrites past figures, and a
//! rebuild gives the same answer as the incremental path.
//!
//! **Crossing.** An act by a member of department A crosses to department
//! B when B is not one of the actor's departments and either the channel
//! is linked to B or the act answers (replies to, reacts to) a message by a
//! member of B — all at the instant of the act. A person in A1 and A2
//! crossing to B counts once for (A1, B) and once for (A2, B).
//!
//! **Questions.** A root message by a member of A in a channel linked to B
//! (not one of the author's departments) is a question from A to B (an
//! addressed check-in challenge opens such a root, so it is one too). Its
//! first answer is the earliest reply in its thread by someone other than
//! the asker who was a member of B when replying.

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DbBackend, DbErr, Statement, Value, prelude::DateTimeUtc, prelude::Uuid,
};

/// Which acts a statement covers.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// Every message and reaction (backfill and rebuild, on empty tables).
    All,
    /// These messages, just written.
    Messages(&'a [Uuid]),
    /// One reaction: `+1` just after it is added, `-1` just before it is
    /// removed (its row must exist).
    Reaction {
        message_id: Uuid,
        user_id: Uuid,
        code: &'a str,
        sign: i32,
    },
}

/// A statement being built: its text and its bound values, with the
/// backend's placeholders.
struct Sql {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DbBackend) -> Sql {
        Sql {
            backend,
            values: Vec::new(),
        }
    }

    fn param(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => format!("?{}", self.values.len()),
        }
    }

    /// `column IN (ids)`; on PostgreSQL `= ANY($n)`, one text for any count.
    fn any(&mut self, column: &str, ids: &[Uuid]) -> String {
        match self.backend {
            DbBackend::Postgres => {
                // An array literal as text: no array support needed in the
                // driver, and one statement text whatever the count.
                let list: Vec<String> = ids.iter().map(Uuid::to_string).collect();
                let p = self.param(format!("{{{}}}", list.join(",")));
                format!("{column} = ANY(CAST({p} AS uuid[]))")
            }
            _ => {
                if ids.is_empty() {
                    return "1 = 0".to_owned();
                }
                let list: Vec<String> = ids.iter().map(|id| self.param(*id)).collect();
                format!("{column} IN ({})", list.join(", "))
            }
        }
    }

    fn statement(self, text: String) -> Statement {
        Statement::from_sql_and_values(self.backend, text, self.values)
    }
}

/// The UTC day of a timestamp expression.
fn day(backend: DbBackend, at: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(({at} AT TIME ZONE 'UTC') AS date)"),
        // Timestamps are stored as RFC 3339 text in UTC.
        _ => format!("substr({at}, 1, 10)"),
    }
}

/// `alias`'s span holds at the instant `at`.
fn holds(alias: &str, at: &str) -> String {
    format!("{alias}.valid_from <= {at} AND ({alias}.valid_to IS NULL OR {at} < {alias}.valid_to)")
}

/// The `acts` CTE body: one row per act in `scope`, with its actor, channel,
/// instant, day, what it is, its weight (+1, or −1 for a reaction being
/// removed) and the author of the message it answers, if any.
fn acts(sql: &mut Sql, scope: Scope<'_>) -> String {
    let backend = sql.backend;
    let messages = |filter: &str| {
        format!(
            "SELECT m.author_id AS user_id, m.channel_id AS channel_id, m.created_at AS at, \
             {day} AS day, \
             CASE WHEN m.parent_id IS NULL THEN 1 ELSE 0 END AS n_messages, \
             CASE WHEN m.parent_id IS NULL THEN 0 ELSE 1 END AS n_replies, \
             0 AS n_reactions, 1 AS weight, p.author_id AS other_id \
             FROM messages m LEFT JOIN messages p ON p.id = m.parent_id WHERE {filter}",
            day = day(backend, "m.created_at"),
        )
    };
    let reactions = |filter: &str, sign: i32| {
        format!(
            "SELECT r.user_id AS user_id, m.channel_id AS channel_id, r.created_at AS at, \
             {day} AS day, 0 AS n_messages, 0 AS n_replies, {sign} AS n_reactions, \
             {sign} AS weight, m.author_id AS other_id \
             FROM message_reactions r JOIN messages m ON m.id = r.message_id WHERE {filter}",
            day = day(backend, "r.created_at"),
        )
    };
    match scope {
        Scope::All => format!("{} UNION ALL {}", messages("1 = 1"), reactions("1 = 1", 1)),
        Scope::Messages(ids) => {
            let filter = sql.any("m.id", ids);
            messages(&filter)
        }
        Scope::Reaction {
            message_id,
            user_id,
            code,
            sign,
        } => {
            let filter = format!(
                "r.message_id = {} AND r.user_id = {} AND r.code = {}",
                sql.param(message_id),
                sql.param(user_id),
                sql.param(code.to_owned())
            );
            reactions(&filter, sign.signum())
        }
    }
}

/// The `crossed` CTE body: each act once per (actor's department, department
/// crossed to). A department is crossed to through the channel's link
/// (first branch) or, failing that, through the membership of the author
/// answered (second branch, which skips departments the first counted):
/// joins rather than a test of every department, so PostgreSQL hashes a
/// fold of thousands of acts against the small span tables instead of
/// probing them once per act and department. A (channel, department) or
/// (person, department) has one span at any instant, so each branch
/// yields a department at most once per act.
fn crossed() -> String {
    let branch = |spans: &str, on: &str, unless: &str| {
        format!(
            "SELECT a.user_id, a.day, a.n_messages, a.n_replies, a.n_reactions, a.weight, \
             s.department_id AS from_id, t.department_id AS to_id \
             FROM acts a \
             JOIN analytics_member_spans s ON s.user_id = a.user_id AND {s} \
             JOIN {spans} t ON {on} AND t.department_id <> s.department_id AND {t} \
             JOIN departments d ON d.id = t.department_id \
             WHERE NOT EXISTS (SELECT 1 FROM analytics_member_spans x WHERE x.user_id = a.user_id \
                   AND x.department_id = t.department_id AND {x}){unless}",
            s = holds("s", "a.at"),
            t = holds("t", "a.at"),
            x = holds("x", "a.at"),
        )
    };
    let linked = branch("analytics_link_spans", "t.channel_id = a.channel_id", "");
    let answered = branch(
        "analytics_member_spans",
        "t.user_id = a.other_id",
        &format!(
            " AND NOT EXISTS (SELECT 1 FROM analytics_link_spans l WHERE l.channel_id = a.channel_id \
               AND l.department_id = t.department_id AND {l})",
            l = holds("l", "a.at"),
        ),
    );
    format!("{linked} UNION ALL {answered}")
}

/// The `own` CTE body: each act once per department of its actor.
fn own() -> String {
    format!(
        "SELECT a.user_id, a.day, a.n_messages, a.n_replies, a.n_reactions, a.weight, \
         s.department_id \
         FROM acts a JOIN analytics_member_spans s ON s.user_id = a.user_id AND {s}",
        s = holds("s", "a.at"),
    )
}

/// How many counter rows a (day, pair) and a (department, day) spread over.
pub const SHARDS: u128 = 16;

/// The counter row (0..SHARDS) the acts of `scope` add to. Posts of one
/// day all add to the same (day, pair) and (department, day) counters, and
/// an `ON CONFLICT … DO UPDATE` holds the row until its transaction
/// commits: with one row, concurrent posting transactions would queue on it
/// (the `post` bench fell to a third, waiting on `Lock:transactionid`). A
/// batch of posts picks a row by its first message id (the random bits of
/// a UUIDv7); a reaction by what it is, so that taking it back subtracts
/// from the row it was added to. A rebuild writes row 0; readers sum.
fn shard(scope: Scope<'_>) -> i16 {
    let key = match scope {
        Scope::All => 0,
        Scope::Messages(ids) => ids.first().map_or(0, |id| id.as_u128()),
        Scope::Reaction {
            message_id,
            user_id,
            code,
            ..
        } => {
            let code = code
                .bytes()
                .fold(0u128, |h, b| h.wrapping_mul(31).wrapping_add(u128::from(b)));
            message_id.as_u128() ^ user_id.as_u128().rotate_left(17) ^ code
        }
    };
    i16::try_from(key % SHARDS).unwrap_or(0)
}

/// The four counting upserts, each reading `crossed` or `own`.
fn upserts(shard: &str) -> [String; 4] {
    [
        format!(
            "INSERT INTO analytics_pair_days \
         (day, from_department_id, to_department_id, messages, replies, reactions, shard) \
         SELECT day, from_id, to_id, SUM(n_messages), SUM(n_replies), SUM(n_reactions), {shard} \
         FROM crossed WHERE 1 = 1 GROUP BY day, from_id, to_id \
         ON CONFLICT (day, from_department_id, to_department_id, shard) DO UPDATE SET \
         messages = analytics_pair_days.messages + excluded.messages, \
         replies = analytics_pair_days.replies + excluded.replies, \
         reactions = analytics_pair_days.reactions + excluded.reactions"
        ),
        "INSERT INTO analytics_pair_people \
         (day, from_department_id, to_department_id, user_id, acts) \
         SELECT day, from_id, to_id, user_id, SUM(weight) \
         FROM crossed WHERE 1 = 1 GROUP BY day, from_id, to_id, user_id \
         ON CONFLICT (day, from_department_id, to_department_id, user_id) DO UPDATE SET \
         acts = analytics_pair_people.acts + excluded.acts"
            .to_owned(),
        format!(
            "INSERT INTO analytics_department_days \
         (department_id, day, messages, replies, reactions, shard) \
         SELECT department_id, day, SUM(n_messages), SUM(n_replies), SUM(n_reactions), {shard} \
         FROM own WHERE 1 = 1 GROUP BY department_id, day \
         ON CONFLICT (department_id, day, shard) DO UPDATE SET \
         messages = analytics_department_days.messages + excluded.messages, \
         replies = analytics_department_days.replies + excluded.replies, \
         reactions = analytics_department_days.reactions + excluded.reactions"
        ),
        "INSERT INTO analytics_department_people (department_id, day, user_id, acts) \
         SELECT department_id, day, user_id, SUM(weight) \
         FROM own WHERE 1 = 1 GROUP BY department_id, day, user_id \
         ON CONFLICT (department_id, day, user_id) DO UPDATE SET \
         acts = analytics_department_people.acts + excluded.acts"
            .to_owned(),
    ]
}

/// The questions among the messages of `scope` (roots in a channel linked
/// to another department), inserted unanswered.
fn questions(sql: &mut Sql, scope: Scope<'_>) -> Option<String> {
    let filter = match scope {
        Scope::All => "1 = 1".to_owned(),
        Scope::Messages(ids) => sql.any("m.id", ids),
        Scope::Reaction { .. } => return None,
    };
    Some(format!(
        "INSERT INTO analytics_questions \
         (message_id, from_department_id, to_department_id, asker_id, channel_id, asked_at) \
         SELECT m.id, s.department_id, l.department_id, m.author_id, m.channel_id, m.created_at \
         FROM messages m \
         JOIN analytics_member_spans s ON s.user_id = m.author_id AND {s} \
         JOIN analytics_link_spans l ON l.channel_id = m.channel_id AND {l} \
         WHERE {filter} AND m.parent_id IS NULL AND l.department_id <> s.department_id \
           AND NOT EXISTS (SELECT 1 FROM analytics_member_spans x WHERE x.user_id = m.author_id \
                 AND x.department_id = l.department_id AND {x})",
        s = holds("s", "m.created_at"),
        l = holds("l", "m.created_at"),
        x = holds("x", "m.created_at"),
    ))
}

/// Records the first answer of the unanswered questions whose threads are
/// `roots` (all of them for `None`).
pub fn answers(backend: DbBackend, roots: Option<&[Uuid]>) -> Statement {
    let mut sql = Sql::new(backend);
    let filter = match roots {
        None => "1 = 1".to_owned(),
        Some(ids) => sql.any("message_id", ids),
    };
    let first = format!(
        "SELECT r.id, r.created_at, r.author_id FROM messages r \
         WHERE r.parent_id = analytics_questions.message_id \
           AND r.author_id <> analytics_questions.asker_id \
           AND EXISTS (SELECT 1 FROM analytics_member_spans o WHERE o.user_id = r.author_id \
                 AND o.department_id = analytics_questions.to_department_id AND {o}) \
         ORDER BY r.created_at, r.id LIMIT 1",
        o = holds("o", "r.created_at"),
    );
    let text = format!(
        "UPDATE analytics_questions SET (answer_id, answered_at, answered_by) = ({first}) \
         WHERE answer_id IS NULL AND {filter}"
    );
    sql.statement(text)
}

/// The statements that add the acts of `scope` to the rollups: on
/// PostgreSQL one statement (data-modifying `WITH` queries), elsewhere one
/// per table. Run [`answers`] after them for replies.
pub fn record(backend: DbBackend, scope: Scope<'_>) -> Vec<Statement> {
    let mut sql = Sql::new(backend);
    let acts = acts(&mut sql, scope);
    let questions = questions(&mut sql, scope);
    let ctes = format!(
        "WITH acts AS ({acts}), crossed AS ({crossed}), own AS ({own})",
        crossed = crossed(),
        own = own(),
    );
    let shard = sql.param(shard(scope));
    let mut writes: Vec<String> = upserts(&shard).into();
    writes.extend(questions);
    if backend == DbBackend::Postgres {
        let mut text = ctes;
        let last = writes.pop().unwrap_or_default();
        for (n, write) in writes.iter().enumerate() {
            text.push_str(&format!(", w{n} AS ({write} RETURNING 1)"));
        }
        text.push(' ');
        text.push_str(&last);
        return vec![sql.statement(text)];
    }
    // SQLite: one statement per table, each with the CTEs it reads (unused
    // CTEs cost nothing) and all the values bound (SQLite ignores unused
    // numbered parameters).
    writes
        .into_iter()
        .map(|write| {
            Statement::from_sql_and_values(backend, format!("{ctes} {write}"), sql.values.clone())
        })
        .collect()
}

/// After a reaction was taken back: drops the rows of `day` its −1 left at
/// zero, as a rebuild would not have them.
pub fn prune(backend: DbBackend, day: sea_orm_migration::sea_orm::prelude::Date) -> Vec<Statement> {
    [
        "DELETE FROM analytics_pair_days WHERE day = $1 AND messages = 0 AND replies = 0 AND reactions = 0",
        "DELETE FROM analytics_pair_people WHERE day = $1 AND acts <= 0",
        "DELETE FROM analytics_department_days WHERE day = $1 AND messages = 0 AND replies = 0 AND reactions = 0",
        "DELETE FROM analytics_department_people WHERE day = $1 AND acts <= 0",
    ]
    .into_iter()
    .map(|text| {
        let text = match backend {
            DbBackend::Postgres => text.to_owned(),
            _ => text.replace("$1", "?1"),
        };
        Statement::from_sql_and_values(backend, text, [Value::from(day)])
    })
    .collect()
}

/// The rollup tables (not the span histories), in the order to empty them.
pub const ROLLUPS: [&str; 5] = [
    "analytics_pair_days",
    "analytics_pair_people",
    "analytics_department_days",
    "analytics_department_people",
    "analytics_questions",
];

/// Empties the rollups and recomputes them from the raw rows and the span
/// histories, in `conn` (the caller's transaction).
pub async fn recompute<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    for table in ROLLUPS {
        conn.execute_unprepared(&format!("DELETE FROM {table}"))
            .await?;
    }
    for statement in record(backend, Scope::All) {
        conn.execute_raw(statement).await?;
    }
    conn.execute_raw(answers(backend, None)).await?;
    Ok(())
}

/// Brings the membership history of `users` (everyone for `None`) in line
/// with `department_members` at `at`: spans of memberships that are gone
/// end, memberships without an open span get one from `at`.
pub fn sync_member_spans(
    backend: DbBackend,
    users: Option<&[Uuid]>,
    at: DateTimeUtc,
) -> Vec<Statement> {
    sync_spans(backend, Spans::Members, users, at)
}

/// [`sync_member_spans`] for channels' department links.
pub fn sync_link_spans(
    backend: DbBackend,
    channels: Option<&[Uuid]>,
    at: DateTimeUtc,
) -> Vec<Statement> {
    sync_spans(backend, Spans::Links, channels, at)
}

#[derive(Clone, Copy)]
enum Spans {
    Members,
    Links,
}

fn sync_spans(
    backend: DbBackend,
    which: Spans,
    owners: Option<&[Uuid]>,
    at: DateTimeUtc,
) -> Vec<Statement> {
    let (spans, source, owner) = match which {
        Spans::Members => ("analytics_member_spans", "department_members", "user_id"),
        Spans::Links => ("analytics_link_spans", "channel_departments", "channel_id"),
    };
    let mut close = Sql::new(backend);
    let at_close = close.param(at);
    let filter = match owners {
        None => "1 = 1".to_owned(),
        Some(ids) => close.any(&format!("{spans}.{owner}"), ids),
    };
    let close_text = format!(
        "UPDATE {spans} SET valid_to = {at_close} WHERE valid_to IS NULL AND {filter} \
         AND NOT EXISTS (SELECT 1 FROM {source} c WHERE c.{owner} = {spans}.{owner} \
             AND c.department_id = {spans}.department_id)"
    );
    let mut open = Sql::new(backend);
    let at_open = open.param(at);
    let filter = match owners {
        None => "1 = 1".to_owned(),
        Some(ids) => open.any(&format!("c.{owner}"), ids),
    };
    let open_text = format!(
        "INSERT INTO {spans} ({owner}, department_id, valid_from) \
         SELECT c.{owner}, c.department_id, {at_open} FROM {source} c WHERE {filter} \
         AND NOT EXISTS (SELECT 1 FROM {spans} s WHERE s.{owner} = c.{owner} \
             AND s.department_id = c.department_id AND s.valid_to IS NULL)"
    );
    vec![close.statement(close_text), open.statement(open_text)]
}

/// Forgets the span histories and starts every current membership and link
/// at `since`: for a migration over existing data and for seeds, whose
/// history is unknown (they are taken as having always held).
pub fn restart_spans(backend: DbBackend, since: DateTimeUtc) -> Vec<Statement> {
    let mut statements = vec![
        Statement::from_string(backend, "DELETE FROM analytics_member_spans"),
        Statement::from_string(backend, "DELETE FROM analytics_link_spans"),
    ];
    statements.extend(sync_member_spans(backend, None, since));
    statements.extend(sync_link_spans(backend, None, since));
    statements
}
