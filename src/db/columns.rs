//! Reading a row's columns by position, for the rows a feed page reads
//! by the thousand (its messages, their authors).
//!
//! sea-orm's derived `FromQueryResult` looks every column up by name and,
//! for every NULL in an optional column, formats an error message that it
//! then throws away: a page of 50 messages with their authors made ~350
//! such strings (`perf`: 10% of the server's samples decoding rows; see
//! docs/PERFORMANCE.md). Both databases decode the same Rust types through
//! sqlx, so one generic read by index serves both.

use sea_orm::sqlx::{self, Postgres, Row as _, Sqlite};
use sea_orm::{DbErr, QueryResult};

/// A column type sqlx decodes on PostgreSQL and on SQLite alike (`Option<T>`
/// for a nullable column).
pub trait Decode:
    for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
    + for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
{
}

impl<T> Decode for T where
    T: for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
{
}

/// The value of column `index` (0-based, in the order the statement
/// selects them) of `row`.
pub fn get<T: Decode>(row: &QueryResult, index: usize) -> Result<T, DbErr> {
    let decoded = if let Some(row) = row.try_as_pg_row() {
        row.try_get::<T, _>(index)
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get::<T, _>(index)
    } else {
        return Err(DbErr::Type(
            "a row from neither PostgreSQL nor SQLite".into(),
        ));
    };
    decoded.map_err(|err| DbErr::Type(format!("column {index}: {err}")))
}

/// Reads columns one after another from `start`: a decoder says what it
/// reads in the order it selected it, without counting by hand (`read`, `read`, …).
pub struct Columns<'r> {
    row: &'r QueryResult,
    next: usize,
}

impl<'r> Columns<'r> {
    pub fn new(row: &'r QueryResult, start: usize) -> Columns<'r> {
        Columns { row, next: start }
    }

    /// The next column's value.
    pub fn read<T: Decode>(&mut self) -> Result<T, DbErr> {
        let value = get(self.row, self.next);
        self.next += 1;
        value
    }
}
