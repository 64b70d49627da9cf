//! The command line: `synaps --help` lists every command.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{ArgGroup, Parser, Subcommand, ValueEnum};
use migrations::{Migrator, MigratorTrait};

use crate::app::{App, shutdown_signal};
use crate::auth::Role;
use crate::config::Config;
use crate::domain::people::{self, NewPerson};
use crate::domain::search;
use crate::{db, graphql, seed, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "synaps",
    version,
    about = "synaps: the internal communications hub.",
    long_about = "synaps: the internal communications hub. Departments, people and the \
                  synapses between them, over GraphQL.\n\n\
                  Quick start: `synaps serve --demo`, then open the address it prints.\n\
                  Configuration comes from environment variables (SYNAPS_*, DATABASE_URL) \
                  and an optional TOML file; see the README for the full table."
)]
pub struct Cli {
    /// A TOML configuration file; environment variables override it.
    #[arg(long, global = true, env = "SYNAPS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database, then serve the API on SYNAPS_BIND (default 127.0.0.1:8080).
    Serve {
        /// Seed the demo company first if the database is empty (refused in production).
        #[arg(long)]
        demo: bool,
        /// Do not migrate on start (when a separate job runs `synaps migrate`).
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply, roll back or list database migrations.
    Migrate {
        #[arg(value_enum, default_value_t = MigrateAction::Up)]
        action: MigrateAction,
        /// With `down`: how many migrations to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// Fill the database with data to explore (`--demo`) or to load-test (`--bench`).
    #[command(group(ArgGroup::new("data").required(true).args(["demo", "bench"])))]
    Seed {
        /// The demo company: five departments and twenty people in every role,
        /// guest posts, channels and messages.
        #[arg(long)]
        demo: bool,
        /// A large benchmark data set (people bench-0001…, channels bench-001…,
        /// password synaps-bench-2026), bulk-loaded once into a database.
        #[arg(long)]
        bench: bool,
        /// With --bench: how many people [default: 2000].
        #[arg(long, value_name = "N", conflicts_with = "demo")]
        staff: Option<u32>,
        /// With --bench: how many channels [default: 100].
        #[arg(long, value_name = "N", conflicts_with = "demo")]
        channels: Option<u32>,
        /// With --bench: how many messages [default: 500000].
        #[arg(long, value_name = "N", conflicts_with = "demo")]
        messages: Option<u32>,
    },
    /// Write the GraphQL schema (SDL) to a file or stdout.
    ExportSchema {
        /// Where to write it; stdout when omitted.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Manage people from the command line (for the first admin of an install).
    #[command(subcommand)]
    User(UserCommand),
    /// The analytics rollups.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// The search index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Copy the SQLite database to a new file while the server runs (a
    /// consistent snapshot; PostgreSQL: use pg_dump, see docs/OPERATIONS.md).
    Backup {
        /// The file to write; refused if it exists.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum AnalyticsCommand {
    /// Recompute every analytics rollup from the messages, reactions and the
    /// membership history, in one transaction (the incremental rollups
    /// should already equal it).
    Rebuild {
        /// First forget the history of memberships and channel links, and
        /// take the current ones as having always held (after rows were
        /// loaded directly, bypassing synaps, as `seed --bench` does).
        #[arg(long)]
        restart_history: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SearchCommand {
    /// Rebuild the search index from the messages, posts, check-ins, people
    /// and channels, in one transaction (after rows were loaded or restored
    /// bypassing synaps; `serve` does it by itself when the index is empty).
    Reindex,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last `--steps` migrations.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a person. The password is read from standard input, e.g.
    /// `printf '%s' "$PASSWORD" | synaps user create --email … --password-stdin`.
    Create {
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Department slug; repeat for several.
        #[arg(long = "department", value_name = "SLUG")]
        departments: Vec<String>,
        /// Read the password (at least 12 characters) from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Print everything synaps holds about a person as JSON (their right of
    /// access; docs/OPERATIONS.md, "A person's data").
    Export {
        #[arg(long)]
        email: String,
    },
    /// Erase a person's data: messages become tombstones, check-ins and
    /// guest posts are emptied (published ones unpublished), the account is
    /// anonymised and locked. Cannot be undone.
    Erase {
        #[arg(long)]
        email: String,
        /// Confirm: erasing cannot be undone.
        #[arg(long, required = true)]
        yes: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Staff,
    Manager,
    Comms,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Staff => Role::Staff,
            RoleArg::Manager => Role::Manager,
            RoleArg::Comms => Role::Comms,
            RoleArg::Admin => Role::Admin,
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    telemetry::init(config.log_format);
    match cli.command {
        Command::Serve { demo, no_migrate } => serve(config, demo, !no_migrate).await,
        Command::Migrate { action, steps } => migrate(&config, action, steps).await,
        Command::Seed {
            demo: _,
            bench: true,
            staff,
            channels,
            messages,
        } => {
            let defaults = seed::bench::Sizes::default();
            let sizes = seed::bench::Sizes {
                staff: staff.unwrap_or(defaults.staff),
                channels: channels.unwrap_or(defaults.channels),
                messages: messages.unwrap_or(defaults.messages),
            };
            seed_bench(config, sizes).await
        }
        Command::Seed { .. } => {
            let app = App::build(config, true).await?;
            seed::demo(&app.state).await?;
            println!("{}", reindex(&app.state.config.database_url()).await?);
            println!(
                "Seeded the demo company. Everyone's password: {}",
                seed::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::Analytics(AnalyticsCommand::Rebuild { restart_history }) => {
            let conn = db::connect(&config.database_url(), 2).await?;
            let started = std::time::Instant::now();
            let rebuilt = if restart_history {
                crate::domain::analytics::record::restart_history(&conn).await
            } else {
                crate::domain::analytics::record::rebuild(&conn).await
            };
            rebuilt.map_err(|e| anyhow::anyhow!("the rebuild failed: {e:?}"))?;
            println!(
                "Rebuilt the analytics rollups in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Search(SearchCommand::Reindex) => {
            println!("{}", reindex(&config.database_url()).await?);
            Ok(())
        }
        Command::Backup { output } => {
            let started = std::time::Instant::now();
            let written = crate::backup::sqlite(&config.database_url(), &output).await?;
            println!(
                "Backed up the database to {} ({} bytes) in {:.1} s.",
                written.path.display(),
                written.bytes,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::ExportSchema { output } => {
            let sdl = graphql::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)
                    .with_context(|| format!("cannot write {}", path.display())),
                None => {
                    print!("{sdl}");
                    Ok(())
                }
            }
        }
        Command::User(UserCommand::Create {
            email,
            name,
            role,
            departments,
            password_stdin: _,
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let app = App::build(config, true).await?;
            let new = NewPerson {
                email,
                display_name: name,
                handle: None,
                title: None,
                role: role.into(),
                departments,
                password,
            };
            let person = people::create_unchecked(&app.state.db, &app.state.auth, new)
                .await
                .map_err(|e| anyhow::anyhow!(async_graphql::Error::from(e).message))?;
            println!(
                "Created {} <{}> (@{}) as {}.",
                person.display_name, person.email, person.handle, person.role
            );
            Ok(())
        }
        Command::User(UserCommand::Export { email }) => {
            let app = App::build(config, true).await?;
            let id = person_by_email(&app.state.db, &email).await?;
            let data = people::privacy::export(&app.state.db, None, id)
                .await
                .map_err(|e| anyhow::anyhow!(async_graphql::Error::from(e).message))?;
            println!("{}", serde_json::to_string_pretty(&data)?);
            Ok(())
        }
        Command::User(UserCommand::Erase { email, yes: _ }) => {
            let app = App::build(config, true).await?;
            let id = person_by_email(&app.state.db, &email).await?;
            let erased = people::privacy::erase(&app.state.db, None, id)
                .await
                .map_err(|e| anyhow::anyhow!(async_graphql::Error::from(e).message))?;
            println!("Erased {email}: the account is now @{}.", erased.handle);
            Ok(())
        }
    }
}

/// The id of the person with `email`, or an error that says so.
async fn person_by_email(
    db: &sea_orm::DatabaseConnection,
    email: &str,
) -> anyhow::Result<uuid::Uuid> {
    people::privacy::id_by_email(db, email)
        .await
        .map_err(|e| anyhow::anyhow!(async_graphql::Error::from(e).message))?
        .ok_or_else(|| anyhow::anyhow!("nobody has the email {email}"))
}

/// Rebuilds the search index on a connection of its own without the
/// requests' statement timeout (`db::connect_for_maintenance`); says how
/// many things it indexed, and how fast.
async fn reindex(url: &str) -> anyhow::Result<String> {
    let conn = db::connect_for_maintenance(url).await?;
    let started = std::time::Instant::now();
    let written = search::index::reindex(&conn)
        .await
        .map_err(|e| anyhow::anyhow!("the search reindex failed: {e:?}"))?;
    Ok(format!(
        "Indexed {written} things for search in {:.1} s.",
        started.elapsed().as_secs_f64()
    ))
}

async fn seed_bench(config: Config, sizes: seed::bench::Sizes) -> anyhow::Result<()> {
    if config.is_production() {
        bail!(
            "seed --bench is refused with SYNAPS_ENV=production: bench accounts share a published password"
        );
    }
    let app = App::build(config, true).await?;
    let report = seed::bench::seed(&app.state, sizes).await?;
    println!("{report}");
    println!("{}", reindex(&app.state.config.database_url()).await?);
    println!(
        "Bench people sign in as bench-0001@{} … with the password {}",
        seed::bench::EMAIL_DOMAIN,
        seed::bench::BENCH_PASSWORD
    );
    Ok(())
}

async fn serve(config: Config, demo: bool, migrate: bool) -> anyhow::Result<()> {
    if demo && config.is_production() {
        bail!(
            "--demo is refused with SYNAPS_ENV=production: demo accounts share a published password"
        );
    }
    let bind = config.bind;
    let app = App::build(config, migrate).await?;
    let seeded = demo && seed::is_empty(&app.state.db).await?;
    if seeded {
        seed::demo(&app.state).await?;
        tracing::info!("seeded the demo company");
    }
    // Seeded rows, a database from before search, or one restored without
    // its index.
    let unindexed = search::index::needs_reindex(&app.state.db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the search index: {e:?}"))?;
    if seeded || unindexed {
        // A log line: the first line on standard output says where to go.
        let done = reindex(&app.state.config.database_url()).await?;
        tracing::info!("{done}");
    }
    let shutdown = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}; set SYNAPS_BIND to another address"))?;
    let address = listener.local_addr()?;
    let production = app.state.config.is_production();
    let mut banner = format!("synaps is listening on http://{address}\n");
    banner += &format!("  Open:      http://{address}/  (the web client)\n");
    let graphiql = if production {
        ""
    } else {
        "  (GraphiQL in a browser)"
    };
    banner += &format!("  GraphQL:   http://{address}/graphql{graphiql}\n");
    banner += &format!("  Blog:      http://{address}/blog\n");
    banner += &format!("  Health:    http://{address}/healthz, http://{address}/readyz\n");
    if demo {
        banner +=
            "  Demo:      sign in as anna@example.com (staff), sofia@example.com (manager),\n";
        banner += "             clara@example.com (comms) or ingrid@example.com (admin),\n";
        banner += &format!("             password {}\n", seed::DEMO_PASSWORD);
    }
    // Written once and never with `println!`: a server whose stdout is
    // closed (a supervisor that stopped reading) must keep serving, not
    // panic on EPIPE.
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(banner.as_bytes())
            .and_then(|()| stdout.flush());
    }
    app.serve(listener, shutdown).await
}

async fn migrate(config: &Config, action: MigrateAction, steps: u32) -> anyhow::Result<()> {
    let conn = db::connect_for_maintenance(&config.database_url()).await?;
    match action {
        MigrateAction::Up => {
            db::migrate(&conn).await?;
            println!("Database is up to date.");
        }
        MigrateAction::Down => {
            Migrator::down(&conn, Some(steps))
                .await
                .context("rollback failed")?;
            println!("Rolled back {steps} migration(s).");
        }
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(&conn).await? {
                println!(
                    "{:<10} {}",
                    format!("{:?}", migration.status()).to_lowercase(),
                    migration.name()
                );
            }
        }
    }
    Ok(())
}
