//! How files compiled into the binary are answered (GraphiQL's and the web
//! client's): a strong ETag from their hash, cached for a year when the URL
//! names their current version and revalidated otherwise, never sniffed.

use axum::body::Body;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// One file to answer with.
pub struct Asset {
    pub content_type: &'static str,
    /// A short hex digest of the bytes: the ETag.
    pub version: String,
    pub body: Body,
}

/// Answers `asset`: `current` when the request's URL names its current
/// version (then it can be cached for a year), 304 when the client already
/// holds it (`If-None-Match`).
pub fn respond(asset: Asset, current: bool, request: &HeaderMap) -> Response {
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let etag = format!("\"{}\"", asset.version);
    let unchanged = request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let headers = [
        (CONTENT_TYPE, asset.content_type.to_owned()),
        (CACHE_CONTROL, cache.to_owned()),
        (ETAG, etag),
        (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
    ];
    if unchanged {
        (StatusCode::NOT_MODIFIED, headers).into_response()
    } else {
        (headers, asset.body).into_response()
    }
}

/// A 404 for a file that is not there.
pub fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            (CONTENT_TYPE, "text/plain; charset=utf-8"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        "Not found.",
    )
        .into_response()
}
