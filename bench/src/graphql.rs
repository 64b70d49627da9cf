//! Talking to synaps over `POST /graphql`: signing in, looking up channels,
//! and classifying errors by `extensions.code` so RATE_LIMITED can be told
//! apart from real failures.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use reqwest::Url;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::stats::{Failure, STEP_TIMEOUT};

/// What `login` needs; the access token is all the bench keeps.
const LOGIN: &str = "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }";

const CHANNEL_ID: &str = "query ChannelId($slug: String!) { channel(slug: $slug) { id } }";

/// The bench sends traffic to this machine only: refuse anything else, so a
/// typo can never load-test someone else's server.
pub fn loopback(url: &str) -> anyhow::Result<Url> {
    let parsed = Url::parse(url).with_context(|| format!("{url} is not a URL"))?;
    match parsed.host_str() {
        Some("127.0.0.1" | "localhost" | "[::1]") => Ok(parsed),
        other => bail!(
            "{url}: the bench only talks to this machine (127.0.0.1, ::1 or localhost), not {}",
            other.unwrap_or("(no host)")
        ),
    }
}

/// A GraphQL client for one synaps, sharing one connection pool.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    endpoint: Url,
}

impl Client {
    /// A client keeping up to `connections` idle connections, so that
    /// `connections` workers each reuse their own.
    pub fn new(base: Url, connections: usize) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            // Never through a proxy from the environment: loopback only.
            .no_proxy()
            .pool_max_idle_per_host(connections.max(1))
            .tcp_nodelay(true)
            .timeout(STEP_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("cannot build the HTTP client")?;
        let endpoint = base.join("/graphql").context("bad base URL")?;
        Ok(Client {
            http,
            base,
            endpoint,
        })
    }

    /// `ws://HOST/graphql/ws`.
    pub fn ws_url(&self) -> anyhow::Result<Url> {
        let mut url = self.base.join("/graphql/ws").context("bad base URL")?;
        let scheme = if self.base.scheme() == "https" {
            "wss"
        } else {
            "ws"
        };
        url.set_scheme(scheme)
            .map_err(|()| anyhow::anyhow!("cannot make a WebSocket URL of {}", self.base))?;
        Ok(url)
    }

    /// Runs one operation; the `data` on success. A response with `errors`
    /// fails with its first error's code and message.
    pub async fn execute(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<Value, Failure> {
        self.execute_as(token, query, variables).await
    }

    /// As [`Client::execute`], with `data` read into `T`. A `T` that skips
    /// what it does not need (`serde::de::IgnoredAny`) still checks the
    /// whole answer is valid JSON, without building it in memory: the load
    /// generator shares the cores with the server, and what it spends is
    /// taken from the server's rate.
    pub async fn execute_as<T: DeserializeOwned>(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<T, Failure> {
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| Failure::other(format!("HTTP: {e}")))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::other(format!("HTTP body: {e}")))?;
        let body: Answer<T> = serde_json::from_slice(&bytes).map_err(|err| {
            let text = String::from_utf8_lossy(&bytes);
            Failure::other(format!(
                "HTTP {status} ({err}): {}",
                text.chars().take(200).collect::<String>()
            ))
        })?;
        if let Some(error) = body.errors.first() {
            let code = error.extensions.code.as_deref().unwrap_or("NO_CODE");
            let text = format!("{code}: {}", error.message);
            return Err(if code == "RATE_LIMITED" {
                Failure::RateLimited(text)
            } else {
                Failure::Other(text)
            });
        }
        if !status.is_success() {
            return Err(Failure::other(format!("HTTP {status}")));
        }
        body.data
            .ok_or_else(|| Failure::other(format!("HTTP {status}: no data")))
    }

    /// Signs in; the access token.
    pub async fn login(&self, email: &str, password: &str) -> Result<String, Failure> {
        let data = self
            .execute(
                None,
                LOGIN,
                json!({ "input": { "email": email, "password": password } }),
            )
            .await?;
        data.pointer("/login/accessToken")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Failure::other("login: no accessToken"))
    }

    /// The global id of the channel with `slug`.
    pub async fn channel_id(&self, token: &str, slug: &str) -> anyhow::Result<String> {
        let data = self
            .execute(Some(token), CHANNEL_ID, json!({ "slug": slug }))
            .await
            .map_err(|e| anyhow::anyhow!("channel {slug}: {e}"))?;
        data.pointer("/channel/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("channel {slug}: no id in the answer"))
    }

    /// The global ids of the channels with `slugs`, in order.
    pub async fn channel_ids(&self, token: &str, slugs: &[String]) -> anyhow::Result<Vec<String>> {
        let found: Vec<anyhow::Result<String>> = futures_util::stream::iter(slugs)
            .map(|slug| self.channel_id(token, slug))
            .buffered(8)
            .collect()
            .await;
        found.into_iter().collect()
    }
}

/// A GraphQL response: `data` (absent or null on failure) and `errors`.
#[derive(Deserialize)]
struct Answer<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<AnswerError>,
}

#[derive(Deserialize)]
struct AnswerError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    extensions: ErrorExtensions,
}

#[derive(Deserialize, Default)]
struct ErrorExtensions {
    code: Option<String>,
}

/// Signs in every one of `emails`, `concurrency` at a time (each login costs
/// the server an argon2 hash, so more at once only queues them there), and
/// prints how long it took. Fails if any login fails: a run with fewer users
/// than asked would mis-measure the rate limit.
pub async fn login_all(
    client: &Client,
    emails: &[String],
    password: &str,
    concurrency: usize,
) -> anyhow::Result<Vec<String>> {
    let started = Instant::now();
    let results: Vec<Result<String, Failure>> = futures_util::stream::iter(emails)
        .map(|email| client.login(email, password))
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut tokens = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for (email, result) in emails.iter().zip(results) {
        match result {
            Ok(token) => tokens.push(token),
            Err(e) => failures.push(format!("{email}: {e}")),
        }
    }
    println!(
        "logged in {} of {} users in {elapsed:.2} s ({:.1} logins/s, {} at a time)",
        tokens.len(),
        emails.len(),
        tokens.len() as f64 / elapsed.max(1e-9),
        concurrency.max(1)
    );
    if let Some(first) = failures.first() {
        bail!(
            "{} logins failed, e.g. {first} (RATE_LIMITED on login means the per-address \
             throttle locked 127.0.0.1 after 100 failed logins in an hour)",
            failures.len()
        );
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_are_accepted() {
        assert!(loopback("http://127.0.0.1:8080").is_ok());
        assert!(loopback("http://localhost:8080").is_ok());
        assert!(loopback("http://[::1]:8080").is_ok());
        assert!(loopback("http://example.com").is_err());
        assert!(loopback("http://10.0.0.1:8080").is_err());
        assert!(loopback("not a url").is_err());
    }

    #[test]
    fn the_websocket_url_is_beside_graphql() -> anyhow::Result<()> {
        let client = Client::new(loopback("http://127.0.0.1:8080")?, 1)?;
        assert_eq!(client.ws_url()?.as_str(), "ws://127.0.0.1:8080/graphql/ws");
        Ok(())
    }
}
