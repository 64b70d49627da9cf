//! `synaps backup`: a consistent copy of a running SQLite database.
//!
//! `VACUUM INTO` writes the copy from one read transaction, so it sees the
//! database as of one instant while the server goes on writing (WAL lets
//! readers and the writer proceed together), and the copy is a plain,
//! compacted database file that `synaps serve` opens as it is. PostgreSQL
//! is backed up with its own tools (`pg_dump`/`pg_restore`,
//! docs/OPERATIONS.md "Backups"): they are consistent, incremental-capable
//! and known to every operator, so synaps does not wrap them.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sea_orm::ConnectionTrait;

/// What `synaps backup` wrote.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Copies the SQLite database at `database_url` to `output`, which must not
/// exist yet (a backup never overwrites an earlier one).
pub async fn sqlite(database_url: &str, output: &Path) -> anyhow::Result<Written> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        bail!(
            "synaps backup copies SQLite databases only; back up PostgreSQL with \
             `pg_dump --format=custom` and restore with `pg_restore` \
             (docs/OPERATIONS.md, \"Backups\")"
        );
    }
    let source = sqlite_path(database_url)?;
    // The server's URL creates a missing file (`mode=rwc`): backing up a
    // mistyped path would then "succeed" with an empty database.
    if !source.is_file() {
        bail!(
            "there is no SQLite database at {} (check DATABASE_URL or SYNAPS_DATA_DIR)",
            source.display()
        );
    }
    if output.symlink_metadata().is_ok() {
        bail!(
            "{} already exists; a backup never overwrites a file, choose a new name",
            output.display()
        );
    }
    let Some(target) = output.to_str() else {
        bail!("the output path {} is not UTF-8", output.display());
    };
    let directory = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !directory.is_dir() {
        bail!("the directory {} does not exist", directory.display());
    }
    let db = crate::db::connect(database_url, 1)
        .await
        .with_context(|| format!("cannot open the database at {}", source.display()))?;
    // A string literal, not a bound parameter: SQLite's VACUUM INTO takes an
    // expression, but sqlx prepares statements and the literal is simplest
    // to read in logs; quotes are doubled so any file name is safe.
    let statement = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
    let copied = db.execute_unprepared(&statement).await;
    db.close().await.ok();
    copied.with_context(|| format!("cannot write the backup to {}", output.display()))?;
    let bytes = std::fs::metadata(output)
        .with_context(|| format!("cannot read back {}", output.display()))?
        .len();
    Ok(Written {
        path: output.to_owned(),
        bytes,
    })
}

/// The file of a `sqlite://PATH?options` URL.
fn sqlite_path(database_url: &str) -> anyhow::Result<PathBuf> {
    let Some(rest) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        bail!("DATABASE_URL must start with sqlite:// or postgres://");
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        bail!("an in-memory SQLite database has nothing to back up");
    }
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_path("sqlite:///var/lib/synaps/synaps.db?mode=rwc").unwrap(),
            PathBuf::from("/var/lib/synaps/synaps.db")
        );
        assert_eq!(
            sqlite_path("sqlite://./synaps.db").unwrap(),
            PathBuf::from("./synaps.db")
        );
        assert!(sqlite_path("sqlite::memory:").is_err());
        assert!(sqlite_path("mysql://x").is_err());
    }
}
