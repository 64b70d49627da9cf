//! `/graphql` over HTTP, following the GraphQL-over-HTTP spec.
//!
//! We read the request ourselves rather than use async-graphql-axum's
//! extractor, because the stock one accepts batches of any length, runs
//! mutations sent over GET and parses any content type as JSON
//! (docs/SECURITY.md). What this file owns is what only HTTP has: methods,
//! media types and status codes. Everything else a request passes is
//! `http::admission`, the same path a WebSocket operation takes. In order, a
//! request is refused with:
//! - 406 if it accepts neither `application/graphql-response+json` nor JSON;
//! - 415 for a POST that is not `application/json`; 413 past the body limit
//!   (the layer in `http::router`); 400 for a batch array or invalid JSON;
//! - 400 for a missing query, and (admission) for one that is too long;
//!   then a document that does not parse (admission);
//! - 405 for a mutation over GET;
//! - a document over a limit of `graphql::limits`, or selecting
//!   introspection in production (admission);
//! - 401 for an `Authorization` header that does not check out (admission);
//!
//! and only then executed. A document that does not parse or validate
//! (admission's document limits and `INTROSPECTION_DISABLED` included) gets
//! 400 with `application/graphql-response+json`, and 200 with the legacy
//! `application/json`, as the spec says a server SHOULD (graphql-http's
//! audits 572B and FDE2); either way `errors` and no `data`.

use std::net::SocketAddr;

use async_graphql::Value;
use async_graphql::parser::types::OperationType;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::error::{Error, Refusal, with_codes};
use crate::graphql::loaders::Loaders;
use crate::http::{App, admission};
use crate::instruments;

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

/// The body of a response that carries only `errors`.
fn errors_only(status: StatusCode, media: Media, error: serde_json::Value) -> Response {
    let body = json!({ "errors": [error] });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

/// A request refused before execution: the refusal, with its status code.
fn refuse(refusal: Refusal, media: Media) -> Response {
    let status = match &refusal {
        Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
        // The legacy media type answers 200 for what the document got
        // wrong: a client of it reads `errors`, not the status.
        Refusal::ParseFailed(_) | Refusal::ValidationFailed(_) | Refusal::IntrospectionDisabled => {
            match media {
                Media::GraphqlResponseJson => StatusCode::BAD_REQUEST,
                Media::Json => StatusCode::OK,
            }
        }
        Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Refusal::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Refusal::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
        Refusal::Credentials(Error::Internal(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        Refusal::Credentials(Error::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::Credentials(_) => StatusCode::UNAUTHORIZED,
    };
    let mut response = errors_only(status, media, refusal.to_json());
    let headers = response.headers_mut();
    match refusal {
        Refusal::MethodNotAllowed => {
            headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        Refusal::Credentials(Error::Unauthenticated(_)) => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        _ => {}
    }
    response
}

pub async fn post_graphql(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return refuse(Refusal::NotAcceptable, Media::Json);
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some(JSON) {
        return refuse(Refusal::UnsupportedMediaType, media);
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return refuse(
            Refusal::BadRequest(
                "Batched requests are not supported; send one operation per request.".to_owned(),
            ),
            media,
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return refuse(
                Refusal::BadRequest(format!("The body is not a GraphQL request: {err}.")),
                media,
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
            Refusal::BadRequest("Missing the `query` parameter.".to_owned()),
            media,
        );
    };
    let Some(media) = negotiate(&headers) else {
        return refuse(Refusal::NotAcceptable, Media::Json);
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(params) = params {
        request.operation_name = params.operation_name;
        if let Some(variables) = params.variables {
            match serde_json::from_str(&variables) {
                Ok(variables) => request.variables = variables,
                Err(err) => {
                    return refuse(
                        Refusal::BadRequest(format!("`variables` is not a JSON object: {err}.")),
                        media,
                    );
                }
            }
        }
    }
    execute(app, peer, &headers, request, media, true).await
}

async fn execute(
    app: App,
    peer: SocketAddr,
    headers: &HeaderMap,
    request: async_graphql::Request,
    media: Media,
    over_get: bool,
) -> Response {
    let parsed = match admission::parse(&app, request) {
        Ok(parsed) => parsed,
        Err(refusal) => return refuse(refusal, media),
    };
    if over_get
        && matches!(
            parsed.operation(),
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        return refuse(Refusal::MethodNotAllowed, media);
    }
    let admitted = match parsed.admit(&app) {
        Ok(admitted) => admitted,
        Err(refusal) => return refuse(refusal, media),
    };
    let viewer = match admission::header_authorization(headers) {
        Ok(authorization) => admission::authenticate(&app, authorization).await,
        Err(refusal) => Err(refusal),
    };
    let viewer = match viewer {
        Ok(viewer) => viewer,
        Err(refusal) => return refuse(refusal, media),
    };

    let client_address =
        admission::client_address(peer, headers, app.state.config.trusted_proxy_hops);
    let introspective = admitted.selects_introspection();
    let operation = instruments::operation_type_label(admitted.operation());
    let operation_name = instruments::operation_label(admitted.operation_name());
    let request = admitted.into_request(viewer, client_address, Loaders::new(&app.state.db));
    let started = std::time::Instant::now();
    // Audit entries written by this operation carry the request's id.
    let request_id = headers
        .get(super::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut response =
        crate::domain::audit::in_request(request_id, app.schema.execute(request, introspective))
            .await;

    // Refused by the schema before it ran (validation, depth, complexity):
    // errors only, as for our own refusals; `data: null` would claim it ran.
    let request_error = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    with_codes(&mut response.errors);
    instruments::graphql_operation(
        &operation_name,
        operation,
        &response.errors,
        Some(started.elapsed()),
    );
    let status = if media == Media::GraphqlResponseJson && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = if request_error {
        serde_json::to_vec(&json!({ "errors": response.errors }))
    } else {
        serde_json::to_vec(&response)
    };
    match body {
        Ok(body) => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, media.content_type())
            .body(Body::from(body))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a GraphQL response");
            let err = Error::internal(err);
            errors_only(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                json!({ "message": err.message(), "extensions": { "code": err.code() } }),
            )
        }
    }
}
