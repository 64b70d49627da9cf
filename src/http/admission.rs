//! The one way into the schema, for every transport: `POST`/`GET /graphql`
//! (`http::graphql`) and each `subscribe` on `/graphql/ws` (`http::ws`).
//!
//! In order, a request is
//! 1. [`parse`]d: the query text within `limits.query_bytes`, the document
//!    parsed through the cache of recent documents
//!    (`graphql::documents`), and its operation named;
//! 2. then the transport checks what only it knows (over GET, no mutation);
//! 3. [`Parsed::admit`]ted: the document limits of `graphql::limits`
//!    (aliases, root fields, `login` once), and in production no
//!    `__schema` or `__type` anywhere in it (`INTROSPECTION_DISABLED`,
//!    rather than async-graphql's silent `null`);
//! 4. run as the viewer its bearer credential names ([`authenticate`]; the
//!    credential from the `Authorization` header, [`header_authorization`],
//!    or from the socket's `connection_init` payload,
//!    [`init_authorization`]), with the client's address for the login
//!    throttle ([`client_address`]) and fresh loaders
//!    ([`Admitted::into_request`]).
//!
//! Every refusal is a [`Refusal`] (`src/error.rs`); the transport only picks
//! how to send it (a status code, or an `error` message or close code). The
//! schema then applies what needs its types: validation, depth and
//! complexity (`graphql::AppSchema`), the directive and recursion limits.
//! Rate limits live in the domain functions, which every transport reaches
//! through the same schema.

use std::net::{IpAddr, SocketAddr};

use async_graphql::Request;
use async_graphql::parser::types::OperationType;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use crate::auth::{Viewer, sessions};
use crate::error::{Error, Refusal};
use crate::graphql::context::RequestMeta;
use crate::graphql::limits;
use crate::graphql::loaders::Loaders;
use crate::http::App;

/// A request whose document parsed, not yet checked against the limits.
pub struct Parsed {
    request: Request,
    operation: Option<OperationType>,
    operation_name: Option<String>,
}

/// A request that may run.
pub struct Admitted {
    request: Request,
    operation: Option<OperationType>,
    operation_name: Option<String>,
    selects_introspection: bool,
}

/// Step 1: the query's length, its document (parsed once per text, see
/// `graphql::documents`) and the operation it runs.
pub fn parse(app: &App, mut request: Request) -> Result<Parsed, Refusal> {
    let limit = app.state.config.limits.query_bytes;
    if request.query.len() > limit {
        return Err(Refusal::BadRequest(format!(
            "The query is longer than {limit} bytes."
        )));
    }
    let operation_name = request.operation_name.clone();
    let doc = app
        .documents
        .parse(&mut request)
        .map_err(|err| Refusal::ParseFailed(err.message))?;
    let operation = limits::operation_type(doc, operation_name.as_deref());
    let operation_name = limits::operation_name(doc, operation_name.as_deref());
    Ok(Parsed {
        request,
        operation,
        operation_name,
    })
}

impl Parsed {
    /// The type of the operation that will run, if the document names one
    /// unambiguously (otherwise the schema reports the error).
    pub fn operation(&self) -> Option<OperationType> {
        self.operation
    }

    /// Step 3: the document limits, and introspection where it is off.
    pub fn admit(mut self, app: &App) -> Result<Admitted, Refusal> {
        let config = &app.state.config;
        let operation_name = self.request.operation_name.clone();
        // Parsed in step 1 (and so kept in the request): this does not parse again.
        let doc = self
            .request
            .parsed_query()
            .map_err(|err| Refusal::ParseFailed(err.message))?;
        let checked = limits::check(doc, operation_name.as_deref(), &config.limits)
            .map_err(|violation| Refusal::ValidationFailed(violation.message()))?;
        if config.is_production() && checked.selects_introspection {
            return Err(Refusal::IntrospectionDisabled);
        }
        Ok(Admitted {
            request: self.request,
            operation: self.operation,
            operation_name: self.operation_name,
            selects_introspection: checked.selects_introspection,
        })
    }
}

impl Admitted {
    /// The type of the operation that will run (see [`Parsed::operation`]).
    pub fn operation(&self) -> Option<OperationType> {
        self.operation
    }

    /// The name of the operation that will run, if it has one (for metrics).
    pub fn operation_name(&self) -> Option<&str> {
        self.operation_name.as_deref()
    }

    /// Whether it selects `__schema` or `__type`: which build of the schema
    /// runs it (`graphql::AppSchema`).
    pub fn selects_introspection(&self) -> bool {
        self.selects_introspection
    }

    /// The request, ready for the schema: run as `viewer`, from
    /// `client_address`, with `loaders`.
    pub fn into_request(self, viewer: Viewer, client_address: String, loaders: Loaders) -> Request {
        self.request
            .data(viewer)
            .data(RequestMeta { client_address })
            .data(loaders)
    }
}

const NOT_BEARER: &str = "The Authorization header must be `Bearer <access token>`.";
const INIT_NOT_BEARER: &str =
    "The authorization in connection_init must be one string `Bearer <access token>`.";

/// The `Authorization` header: `None` when there is none. One that cannot
/// be read, or two, are refused rather than taken for no credential.
pub fn header_authorization(headers: &HeaderMap) -> Result<Option<&str>, Refusal> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Refusal::Credentials(Error::Unauthenticated(NOT_BEARER)));
    }
    value
        .to_str()
        .map(Some)
        .map_err(|_| Refusal::Credentials(Error::Unauthenticated(NOT_BEARER)))
}

/// The credential of a `connection_init` payload: the value of its
/// `authorization` key, compared case-insensitively (`Authorization` is
/// what clients copy from HTTP), or of `headers.authorization` (any case), as
/// some clients nest it. `None` when neither is there (or is `null`); a
/// value that is not a string, or two that differ, are refused.
pub fn init_authorization(payload: Option<&Value>) -> Result<Option<String>, Refusal> {
    let Some(Value::Object(payload)) = payload else {
        return Ok(None);
    };
    let nested = payload
        .iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case("headers"))
        .filter_map(|(_, headers)| headers.as_object());
    let mut found: Option<&str> = None;
    for (_, value) in std::iter::once(payload)
        .chain(nested)
        .flat_map(|object| object.iter())
        .filter(|(key, _)| key.eq_ignore_ascii_case("authorization"))
    {
        match (value, found) {
            (Value::Null, _) => {}
            (Value::String(value), None) => found = Some(value),
            (Value::String(value), Some(before)) if value == before => {}
            _ => {
                return Err(Refusal::Credentials(Error::Unauthenticated(
                    INIT_NOT_BEARER,
                )));
            }
        }
    }
    Ok(found.map(str::to_owned))
}

/// The viewer an `Authorization` value names: anonymous without one, and a
/// refusal (never anonymous) for one that does not check out.
pub async fn authenticate(app: &App, authorization: Option<&str>) -> Result<Viewer, Refusal> {
    let state = &app.state;
    sessions::authenticate(&state.db, &state.auth.keys, authorization)
        .await
        .map_err(Refusal::Credentials)
}

/// The token of a `Bearer …` value.
pub fn bearer(value: &str) -> Option<&str> {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// The client's address: the TCP peer, or, behind `hops` trusted proxies,
/// the `X-Forwarded-For` entry the outermost of them appended. Entries left
/// of it are the client's own claims and are ignored. For a WebSocket, the
/// peer and headers of its upgrade request.
pub fn client_address(peer: SocketAddr, headers: &HeaderMap, hops: usize) -> String {
    if hops == 0 {
        return peer.ip().to_string();
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    forwarded
        .len()
        .checked_sub(hops)
        .and_then(|i| forwarded.get(i))
        .and_then(|entry| entry.parse::<IpAddr>().ok())
        .map_or_else(|| peer.ip().to_string(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_client_address_comes_from_the_trusted_proxy_only() {
        let peer: SocketAddr = "10.0.0.2:5000".parse().expect("addr");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 203.0.113.7"),
        );
        assert_eq!(client_address(peer, &headers, 0), "10.0.0.2");
        assert_eq!(client_address(peer, &headers, 1), "203.0.113.7");
        assert_eq!(client_address(peer, &headers, 2), "1.1.1.1");
        assert_eq!(client_address(peer, &headers, 3), "10.0.0.2");
        headers.insert("x-forwarded-for", HeaderValue::from_static("not-an-ip"));
        assert_eq!(client_address(peer, &headers, 1), "10.0.0.2");
    }

    fn from_init(payload: Value) -> Result<Option<String>, String> {
        init_authorization(Some(&payload)).map_err(|refusal| refusal.code().to_owned())
    }

    #[test]
    fn the_init_payload_names_its_credential_in_any_case_and_nested_under_headers() {
        let token = Ok(Some("Bearer t".to_owned()));
        assert_eq!(from_init(json!({ "authorization": "Bearer t" })), token);
        assert_eq!(from_init(json!({ "Authorization": "Bearer t" })), token);
        assert_eq!(from_init(json!({ "AUTHORIZATION": "Bearer t" })), token);
        assert_eq!(
            from_init(json!({ "headers": { "Authorization": "Bearer t" } })),
            token
        );
        assert_eq!(
            from_init(json!({ "Headers": { "authorization": "Bearer t" } })),
            token
        );
        assert_eq!(
            from_init(
                json!({ "authorization": "Bearer t", "headers": { "authorization": "Bearer t" } })
            ),
            token
        );
        assert_eq!(from_init(json!({})), Ok(None));
        assert_eq!(from_init(json!({ "authorization": null })), Ok(None));
        assert_eq!(from_init(json!({ "headers": "x" })), Ok(None));
        assert_eq!(init_authorization(None).ok(), Some(None));
    }

    #[test]
    fn an_init_credential_that_is_not_one_string_is_refused() {
        let refused = Err("UNAUTHENTICATED".to_owned());
        assert_eq!(from_init(json!({ "Authorization": 42 })), refused);
        assert_eq!(
            from_init(json!({ "headers": { "authorization": ["Bearer t"] } })),
            refused
        );
        assert_eq!(
            from_init(json!({ "authorization": "Bearer a", "Authorization": "Bearer b" })),
            refused
        );
        assert_eq!(
            from_init(
                json!({ "authorization": "Bearer a", "headers": { "authorization": "Bearer b" } })
            ),
            refused
        );
    }
}
