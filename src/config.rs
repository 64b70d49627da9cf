//! Configuration: built-in defaults, then an optional TOML file, then
//! environment variables (`SYNAPS_…`, `DATABASE_URL`), each overriding the last.
//! The README has the table of every setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The JWT signing algorithm. Fixed here, never read from a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum JwtAlgorithm {
    HS256,
    EdDSA,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub env: Environment,
    pub bind: SocketAddr,
    /// Where the public reaches this server (`https://synaps.example.com`),
    /// for absolute links on the blog and in its feed; empty means
    /// `http://{bind}`.
    pub public_url: String,
    /// `sqlite://…` or `postgres://…`; empty means a SQLite file in `data_dir`.
    pub database_url: String,
    pub data_dir: PathBuf,
    pub db_pool_size: u32,
    pub log_format: LogFormat,
    /// How many reverse proxies in front of synaps append to
    /// `X-Forwarded-For`. 0 trusts no header and uses the TCP peer.
    pub trusted_proxy_hops: usize,
    /// How often each replica looks for scheduled posts that are due.
    pub scheduler_interval_ms: u64,
    pub jwt: JwtConfig,
    pub limits: Limits,
    pub passwords: PasswordConfig,
    pub login_throttle: ThrottleConfig,
    pub round: RoundConfig,
    /// Figures built from fewer distinct people than this are suppressed
    /// for managers (`SYNAPS_ANALYTICS_MIN_GROUP`).
    pub analytics_min_group: u32,
    /// How long an analytics answer is kept and served again, in seconds
    /// (`SYNAPS_ANALYTICS_CACHE_SECONDS`); 0 computes every request.
    pub analytics_cache_seconds: u64,
    /// Events older than this many hours are deleted (at least 1; they
    /// serve live delivery only: `crate::retention`).
    pub events_retention_hours: u64,
    /// Read notifications older than this many days are deleted; 0 keeps
    /// them. Unread ones are kept.
    pub notifications_retention_days: u64,
    /// After SIGTERM, how long open requests may take to finish before the
    /// server stops anyway, in seconds (`SYNAPS_SHUTDOWN_GRACE_SECS`;
    /// docs/OPERATIONS.md, "Shutting down").
    pub shutdown_grace_secs: u64,
    pub metrics: MetricsConfig,
}

/// Who may read `/metrics` (docs/OPERATIONS.md, "Metrics").
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// A bearer token that opens `/metrics` on the main port
    /// (`SYNAPS_METRICS_TOKEN`); empty means none.
    pub token: String,
    /// A separate listener that serves only `/metrics`, with no token
    /// (`SYNAPS_METRICS_BIND`), for a port only the scraper reaches.
    pub bind: Option<SocketAddr>,
}

impl std::fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsConfig")
            .field(
                "token",
                &if self.token.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .field("bind", &self.bind)
            .finish()
    }
}

/// How `/metrics` is served on the main port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsAccess {
    /// To a request bearing the configured token; 401 otherwise.
    Token,
    /// To anyone: development without a token or a separate listener.
    Open,
    /// Not at all (404): production without a token, or a separate
    /// listener serves it.
    Off,
}

/// The weekly round's clock (docs/DESIGN.md, "Weekly round").
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoundConfig {
    /// The IANA zone of people who have not chosen one.
    pub default_time_zone: String,
    /// The local time on Monday when people without a check-in are
    /// reminded, `HH:MM` in each person's zone; empty means never (the
    /// tests' in-process server, so reminders do not land in every test).
    pub reminder_time: String,
    /// The local time on Monday (in the default zone) when each
    /// department's digest of last week is posted; empty means never
    /// (managers post it with `postWeeklyDigest`).
    pub digest_time: String,
}

impl Default for RoundConfig {
    fn default() -> Self {
        RoundConfig {
            default_time_zone: "UTC".to_owned(),
            reminder_time: "09:00".to_owned(),
            digest_time: String::new(),
        }
    }
}

impl RoundConfig {
    /// The default zone, checked.
    pub fn default_zone(&self) -> anyhow::Result<chrono_tz::Tz> {
        self.default_time_zone.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "default_time_zone {:?} is not an IANA time zone (like Europe/Stockholm)",
                self.default_time_zone
            )
        })
    }

    /// The reminder's local time, checked; `None` when reminders are off.
    pub fn reminder_at(&self) -> anyhow::Result<Option<chrono::NaiveTime>> {
        if self.reminder_time.trim().is_empty() {
            return Ok(None);
        }
        parse_local_time("reminder_time", &self.reminder_time).map(Some)
    }

    /// The automatic digest's local time, if it is switched on.
    pub fn digest_at(&self) -> anyhow::Result<Option<chrono::NaiveTime>> {
        if self.digest_time.trim().is_empty() {
            return Ok(None);
        }
        parse_local_time("digest_time", &self.digest_time).map(Some)
    }
}

fn parse_local_time(name: &str, value: &str) -> anyhow::Result<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(value.trim(), "%H:%M")
        .map_err(|_| anyhow::anyhow!("{name} {value:?} is not a time of day like 09:00"))
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtConfig {
    pub algorithm: JwtAlgorithm,
    /// HS256 secret, at least 32 bytes. Empty in development means "generate
    /// one and keep it in the data dir".
    pub secret: String,
    /// EdDSA keys (PEM files), when `algorithm = "EdDSA"`.
    pub private_key_file: Option<PathBuf>,
    pub public_key_file: Option<PathBuf>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("algorithm", &self.algorithm)
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Request limits (docs/SECURITY.md, "GraphQL limits").
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub body_bytes: usize,
    pub query_bytes: usize,
    pub depth: usize,
    pub complexity: usize,
    pub directives_per_field: usize,
    pub aliases: usize,
    pub root_fields: usize,
    pub page_size_default: usize,
    pub page_size_max: usize,
    pub request_timeout_secs: u64,
    /// Messages plus guest posts one person may create in any 60 seconds,
    /// counted in the database so that every replica enforces one budget.
    pub content_per_minute: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordConfig {
    /// argon2id memory cost in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleConfig {
    pub account_failures: u32,
    pub account_window_secs: u64,
    pub address_attempts: u32,
    pub address_window_secs: u64,
}

/// Database connections per process unless `SYNAPS_DB_POOL_SIZE` says:
/// four per core of this machine, at least 8. More connections than the
/// cores can serve only queue inside PostgreSQL, where they take turns on
/// the CPU and stretch every request's tail: on 2 cores, `synaps-bench
/// feed` at 32 clients served 980 pages/s with a p99 of 40 ms through 8
/// connections, and 810/s with a p99 of 53 ms through 16.
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 4).unwrap_or(u32::MAX).max(8)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            env: Environment::Development,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: String::new(),
            database_url: String::new(),
            data_dir: PathBuf::from("."),
            db_pool_size: default_pool_size(),
            log_format: LogFormat::Pretty,
            trusted_proxy_hops: 0,
            scheduler_interval_ms: 5000,
            jwt: JwtConfig::default(),
            limits: Limits::default(),
            passwords: PasswordConfig::default(),
            login_throttle: ThrottleConfig::default(),
            round: RoundConfig::default(),
            analytics_min_group: 5,
            analytics_cache_seconds: 60,
            metrics: MetricsConfig::default(),
            events_retention_hours: 24,
            notifications_retention_days: 90,
            // Longer than the request timeout (10 s): a request in flight
            // at SIGTERM ends by itself, answered, before the grace does.
            shutdown_grace_secs: 15,
        }
    }
}

impl Default for JwtConfig {
    fn default() -> Self {
        JwtConfig {
            algorithm: JwtAlgorithm::HS256,
            secret: String::new(),
            private_key_file: None,
            public_key_file: None,
            issuer: "synaps".to_owned(),
            audience: "synaps".to_owned(),
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 1024 * 1024,
            query_bytes: 32 * 1024,
            depth: 12,
            complexity: 2000,
            directives_per_field: 5,
            aliases: 30,
            root_fields: 20,
            page_size_default: 20,
            page_size_max: 100,
            request_timeout_secs: 10,
            content_per_minute: 60,
        }
    }
}

impl Default for PasswordConfig {
    fn default() -> Self {
        // OWASP's argon2id recommendation: m=19 MiB, t=2, p=1.
        PasswordConfig {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            account_failures: 10,
            account_window_secs: 15 * 60,
            address_attempts: 100,
            address_window_secs: 3600,
        }
    }
}

impl Config {
    /// Loads defaults, then `file` (if given), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Applies the environment variables listed in the README.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn parse<T: std::str::FromStr>(name: &str, value: &str) -> anyhow::Result<T>
        where
            T::Err: std::fmt::Display,
        {
            value
                .trim()
                .parse()
                .map_err(|e| anyhow::anyhow!("{name}={value:?} is not valid: {e}"))
        }
        macro_rules! env {
            ($name:literal => $field:expr) => {
                if let Some(value) = var($name) {
                    $field = parse($name, &value)?;
                }
            };
        }
        if let Some(value) = var("SYNAPS_ENV") {
            self.env = match value.trim() {
                "development" | "dev" => Environment::Development,
                "production" | "prod" => Environment::Production,
                other => bail!("SYNAPS_ENV={other:?}: use development or production"),
            };
        }
        if let Some(value) = var("SYNAPS_LOG_FORMAT") {
            self.log_format = match value.trim() {
                "pretty" => LogFormat::Pretty,
                "json" => LogFormat::Json,
                other => bail!("SYNAPS_LOG_FORMAT={other:?}: use pretty or json"),
            };
        }
        if let Some(value) = var("SYNAPS_JWT_ALGORITHM") {
            self.jwt.algorithm = match value.trim() {
                "HS256" => JwtAlgorithm::HS256,
                "EdDSA" => JwtAlgorithm::EdDSA,
                other => bail!("SYNAPS_JWT_ALGORITHM={other:?}: use HS256 or EdDSA"),
            };
        }
        env!("SYNAPS_BIND" => self.bind);
        env!("SYNAPS_PUBLIC_URL" => self.public_url);
        env!("DATABASE_URL" => self.database_url);
        env!("SYNAPS_DATA_DIR" => self.data_dir);
        env!("SYNAPS_DB_POOL_SIZE" => self.db_pool_size);
        env!("SYNAPS_TRUSTED_PROXY_HOPS" => self.trusted_proxy_hops);
        env!("SYNAPS_SCHEDULER_INTERVAL_MS" => self.scheduler_interval_ms);
        env!("SYNAPS_JWT_SECRET" => self.jwt.secret);
        if let Some(path) = var("SYNAPS_JWT_PRIVATE_KEY_FILE") {
            self.jwt.private_key_file = Some(PathBuf::from(path));
        }
        if let Some(path) = var("SYNAPS_JWT_PUBLIC_KEY_FILE") {
            self.jwt.public_key_file = Some(PathBuf::from(path));
        }
        env!("SYNAPS_JWT_ISSUER" => self.jwt.issuer);
        env!("SYNAPS_JWT_AUDIENCE" => self.jwt.audience);
        env!("SYNAPS_ACCESS_TOKEN_TTL_SECS" => self.jwt.access_ttl_secs);
        env!("SYNAPS_REFRESH_TOKEN_TTL_SECS" => self.jwt.refresh_ttl_secs);
        env!("SYNAPS_BODY_LIMIT_BYTES" => self.limits.body_bytes);
        env!("SYNAPS_QUERY_LIMIT_BYTES" => self.limits.query_bytes);
        env!("SYNAPS_QUERY_DEPTH_LIMIT" => self.limits.depth);
        env!("SYNAPS_QUERY_COMPLEXITY_LIMIT" => self.limits.complexity);
        env!("SYNAPS_ALIAS_LIMIT" => self.limits.aliases);
        env!("SYNAPS_ROOT_FIELD_LIMIT" => self.limits.root_fields);
        env!("SYNAPS_PAGE_SIZE_MAX" => self.limits.page_size_max);
        env!("SYNAPS_REQUEST_TIMEOUT_SECS" => self.limits.request_timeout_secs);
        env!("SYNAPS_CONTENT_PER_MINUTE" => self.limits.content_per_minute);
        env!("SYNAPS_DEFAULT_TIME_ZONE" => self.round.default_time_zone);
        env!("SYNAPS_REMINDER_TIME" => self.round.reminder_time);
        env!("SYNAPS_DIGEST_TIME" => self.round.digest_time);
        env!("SYNAPS_ANALYTICS_MIN_GROUP" => self.analytics_min_group);
        env!("SYNAPS_ANALYTICS_CACHE_SECONDS" => self.analytics_cache_seconds);
        env!("SYNAPS_METRICS_TOKEN" => self.metrics.token);
        if let Some(value) = var("SYNAPS_METRICS_BIND") {
            self.metrics.bind = if value.trim().is_empty() {
                None
            } else {
                Some(parse("SYNAPS_METRICS_BIND", &value)?)
            };
        }
        env!("SYNAPS_EVENTS_RETENTION_HOURS" => self.events_retention_hours);
        env!("SYNAPS_NOTIFICATIONS_RETENTION_DAYS" => self.notifications_retention_days);
        env!("SYNAPS_SHUTDOWN_GRACE_SECS" => self.shutdown_grace_secs);
        Ok(())
    }

    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    /// How the main port serves `/metrics`: never open in production.
    pub fn metrics_access(&self) -> MetricsAccess {
        if !self.metrics.token.is_empty() {
            MetricsAccess::Token
        } else if self.metrics.bind.is_some() || self.is_production() {
            MetricsAccess::Off
        } else {
            MetricsAccess::Open
        }
    }

    /// The database to use: `DATABASE_URL`, or a SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("synaps.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    /// The public base URL without a trailing slash: `public_url`, or
    /// `http://{bind}`.
    pub fn public_url(&self) -> String {
        let url = self.public_url.trim().trim_end_matches('/');
        if url.is_empty() {
            format!("http://{}", self.bind)
        } else {
            url.to_owned()
        }
    }

    /// Checks what must hold before serving; returns warnings worth printing.
    pub fn validate(&self) -> anyhow::Result<()> {
        let public_url = self.public_url.trim();
        let is_http = public_url.starts_with("https://") || public_url.starts_with("http://");
        if !public_url.is_empty() && !is_http {
            bail!("public_url must start with https:// or http:// (got {public_url:?})");
        }
        let l = &self.limits;
        if l.page_size_max == 0 || l.page_size_default == 0 || l.page_size_default > l.page_size_max
        {
            bail!("page sizes must satisfy 0 < page_size_default <= page_size_max");
        }
        // Zero would refuse every message and post: a typo, not a policy.
        if l.content_per_minute == 0 {
            bail!("content_per_minute must be positive");
        }
        if self.scheduler_interval_ms == 0 {
            bail!("scheduler_interval_ms must be positive");
        }
        if self.jwt.access_ttl_secs == 0 || self.jwt.refresh_ttl_secs == 0 {
            bail!("token lifetimes must be positive");
        }
        self.round.default_zone()?;
        self.round.reminder_at()?;
        self.round.digest_at()?;
        // A relay reads events within seconds; under an hour would risk
        // deleting events a replica briefly cut off from the database has
        // still to deliver.
        if self.events_retention_hours == 0 {
            bail!("events_retention_hours must be at least 1");
        }
        if self.analytics_min_group == 0 {
            bail!("analytics_min_group must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults() {
        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "SYNAPS_BIND" => Some("0.0.0.0:9000".into()),
                "SYNAPS_ENV" => Some("production".into()),
                "SYNAPS_QUERY_DEPTH_LIMIT" => Some("8".into()),
                "SYNAPS_CONTENT_PER_MINUTE" => Some("5".into()),
                _ => None,
            })
            .ok();
        assert_eq!(config.bind.port(), 9000);
        assert!(config.is_production());
        assert_eq!(config.limits.depth, 8);
        assert_eq!(config.limits.content_per_minute, 5);
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let mut config = Config::default();
        let err = config
            .apply_env(|name| (name == "SYNAPS_DB_POOL_SIZE").then(|| "many".into()))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("SYNAPS_DB_POOL_SIZE"), "{err}");
    }

    #[test]
    fn the_public_url_defaults_to_the_bind_address() {
        let mut config = Config::default();
        assert_eq!(config.public_url(), "http://127.0.0.1:8080");
        config
            .apply_env(|name| {
                (name == "SYNAPS_PUBLIC_URL").then(|| "https://news.example.com/".into())
            })
            .ok();
        assert_eq!(config.public_url(), "https://news.example.com");
        assert!(config.validate().is_ok());
        config.public_url = "javascript:alert(1)".into();
        assert!(config.validate().is_err());
    }

    #[test]
    fn toml_file_fields_are_checked() {
        assert!(toml::from_str::<Config>("bind = \"127.0.0.1:1\"\n[limits]\ndepth = 5").is_ok());
        assert!(toml::from_str::<Config>("bnd = \"127.0.0.1:1\"").is_err());
    }
}
