//! `/graphql` over HTTP, following the GraphQL-over-HTTP spec.
//!
//! We read the request ourselves rather than use async-graphql-axum's
//! extractor, because the stock one accepts batches of any length, runs
//! mutations sent over GET and parses any content type as JSON
//! (docs/SECURITY.md). In order, a request is refused with:
//! - 406 if it accepts neither `application/graphql-response+json` nor JSON;
//! - 415 for a POST that is not `application/json`; 413 past the body limit
//!   (the layer in `http::router`); 400 for a batch array or invalid JSON;
//! - 400 for a query that does not parse, is too long, or breaks a document
//!   limit (`graphql::limits`); 405 for a mutation over GET;
//! - 401 for an `Authorization` header that does not check out;
//!
//! and only then executed. With `application/graphql-response+json`, a
//! request that fails validation gets 400; with plain JSON, 200 as the spec's
//! legacy rules say.

use std::net::{IpAddr, SocketAddr};

use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, Value};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::auth::sessions;
use crate::graphql::context::RequestMeta;
use crate::graphql::limits;
use crate::graphql::loaders::Loaders;
use crate::http::App;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type the client gets back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphqlResponseJson,
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept`; `None` means 406.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    let types: Vec<String> = accept
        .split(',')
        .map(|part| {
            part.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    if types.iter().any(|t| t == GRAPHQL_RESPONSE_JSON) {
        Some(Media::GraphqlResponseJson)
    } else if types
        .iter()
        .any(|t| t == JSON || t == "*/*" || t == "application/*")
        || accept.trim().is_empty()
    {
        Some(Media::Json)
    } else {
        None
    }
}

/// A response that never reached execution: `errors` only.
fn refuse(status: StatusCode, media: Media, code: &str, message: impl Into<String>) -> Response {
    let body = json!({ "errors": [{ "message": message.into(), "extensions": { "code": code } }] });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

fn not_acceptable() -> Response {
    refuse(
        StatusCode::NOT_ACCEPTABLE,
        Media::Json,
        "NOT_ACCEPTABLE",
        format!("Accept {GRAPHQL_RESPONSE_JSON} or {JSON}."),
    )
}

pub async fn post_graphql(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some(JSON) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "UNSUPPORTED_MEDIA_TYPE",
            "Send the request as Content-Type: application/json.",
        );
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return refuse(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "Batched requests are not supported; send one operation per request.",
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                format!("The body is not a GraphQL request: {err}."),
            );
        }
    };
    execute(app, peer, &headers, request, media, false).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
}

pub async fn get_graphql(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let params = params.ok().map(|Query(p)| p);
    let Some(query) = params.as_ref().and_then(|p| p.query.clone()) else {
        if wants_html && !app.state.config.is_production() {
            return super::graphiql::page();
        }
        let media = negotiate(&headers).unwrap_or(Media::Json);
        return refuse(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "Missing the `query` parameter.",
        );
    };
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(params) = params {
        request.operation_name = params.operation_name;
        if let Some(variables) = params.variables {
            match serde_json::from_str(&variables) {
                Ok(variables) => request.variables = variables,
                Err(err) => {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        media,
                        "BAD_REQUEST",
                        format!("`variables` is not a JSON object: {err}."),
                    );
                }
            }
        }
    }
    execute(app, peer, &headers, request, media, true).await
}

/// The client's address: the TCP peer, or, behind `hops` trusted proxies,
/// the `X-Forwarded-For` entry the outermost of them appended. Entries left
/// of it are the client's own claims and are ignored.
fn client_address(peer: SocketAddr, headers: &HeaderMap, hops: usize) -> String {
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

async fn execute(
    app: App,
    peer: SocketAddr,
    headers: &HeaderMap,
    mut request: async_graphql::Request,
    media: Media,
    over_get: bool,
) -> Response {
    let limits = &app.state.config.limits;
    if request.query.len() > limits.query_bytes {
        return refuse(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            format!("The query is longer than {} bytes.", limits.query_bytes),
        );
    }
    let operation_name = request.operation_name.clone();
    let doc = match app.documents.parse(&mut request) {
        Ok(doc) => doc,
        Err(err) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                "GRAPHQL_PARSE_FAILED",
                err.message,
            );
        }
    };
    if over_get
        && matches!(
            limits::operation_type(doc, operation_name.as_deref()),
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        let mut response = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "METHOD_NOT_ALLOWED",
            "Mutations must be sent with POST.",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if let Err(violation) = limits::check(doc, operation_name.as_deref(), limits) {
        return refuse(
            StatusCode::BAD_REQUEST,
            media,
            "GRAPHQL_VALIDATION_FAILED",
            violation.message(),
        );
    }

    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let viewer =
        match sessions::authenticate(&app.state.db, &app.state.auth.keys, authorization).await {
            Ok(viewer) => viewer,
            Err(err) => {
                let status = if err.code() == "INTERNAL" {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::UNAUTHORIZED
                };
                let code = err.code();
                let message = async_graphql::Error::from(err).message;
                let mut response = refuse(status, media, code, message);
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                return response;
            }
        };

    let request = request
        .data(viewer)
        .data(RequestMeta {
            client_address: client_address(peer, headers, app.state.config.trusted_proxy_hops),
        })
        .data(Loaders::new(&app.state.db));
    let mut response = app.schema.execute(request).await;

    // Errors raised by async-graphql itself carry no code; give them one.
    let request_error = response.data == Value::Null && !response.errors.is_empty();
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            let code = if error.path.is_empty() {
                "GRAPHQL_VALIDATION_FAILED"
            } else {
                "BAD_USER_INPUT"
            };
            error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default)
                .set("code", code);
        }
    }
    let status = if media == Media::GraphqlResponseJson
        && request_error
        && response.errors.iter().all(|e| e.path.is_empty())
    {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match serde_json::to_vec(&response) {
        Ok(body) => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, media.content_type())
            .body(Body::from(body))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a GraphQL response");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                "INTERNAL",
                "Something went wrong on our side.",
            )
        }
    }
}

#[cfg(test)]
mod tests {
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
}
