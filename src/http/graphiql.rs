//! GraphiQL, served from the binary: the page that `GET /graphql` returns to
//! a browser in development (`http::graphql` decides when), and its assets
//! under `/graphiql/{file}`. Nothing is loaded from anywhere but synaps, so
//! GraphiQL works on an intranet without internet access, and the page's CSP
//! allows only this origin (see `CSP`; docs/SECURITY.md).
//!
//! The assets are the pinned UMD builds of GraphiQL, React and ReactDOM in
//! `src/web/graphiql/vendor/` (versions, licences and the refresh script
//! there) plus the page's own `start.js` and `page.css`. Each is addressed
//! as `/graphiql/{file}?v={hash of its bytes}`: with the current hash it is
//! cached for a year, without it (or with an old one) revalidated by ETag.
//! None of this is routed in production, where there is no GraphiQL page.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, VARY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::http::{App, assets};

/// The page's policy: this origin only, with two exceptions that GraphiQL
/// itself needs, each as narrow as it goes:
/// - `data:` for fonts and images: GraphiQL's stylesheet inlines its
///   typefaces (woff2) and a few icons (png) as `data:` URLs. A font or an
///   image cannot run script or send anything anywhere.
/// - one stylesheet by hash: GraphiQL's dialogs (settings, short keys) lock
///   the page's scrolling while open by inserting a `<style>` element
///   (react-remove-scroll-bar, bundled in GraphiQL) whose text is fixed
///   for a page that never scrolls (`page.css`); the hash admits exactly
///   that text, not inline style in general. The browser test opens a
///   dialog, so a vendored update that changes the text fails there.
///
/// Everything else GraphiQL and React style goes through the CSSOM
/// (`element.style`), which CSP does not govern. `connect-src 'self'` also
/// covers the subscription socket: `'self'` matches `ws:`/`wss:` to this
/// host.
pub const CSP: &str = "default-src 'none'; script-src 'self'; \
                       style-src 'self' 'sha256-nzTgYzXYDNe6BAHiiI7NNlfK8n/auuOAhh2t92YvuXo='; \
                       connect-src 'self'; img-src 'self' data:; font-src 'self' data:; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

/// A file compiled into the binary and served under `/graphiql/{name}`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

const ASSETS: [Asset; 6] = [
    Asset {
        name: "react.production.min.js",
        content_type: JAVASCRIPT,
        body: include_bytes!("../web/graphiql/vendor/react/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JAVASCRIPT,
        body: include_bytes!("../web/graphiql/vendor/react-dom/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: JAVASCRIPT,
        body: include_bytes!("../web/graphiql/vendor/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: CSS,
        body: include_bytes!("../web/graphiql/vendor/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "start.js",
        content_type: JAVASCRIPT,
        body: include_bytes!("../web/graphiql/start.js"),
    },
    Asset {
        name: "page.css",
        content_type: CSS,
        body: include_bytes!("../web/graphiql/page.css"),
    },
];

const PAGE: &str = include_str!("../web/graphiql/index.html");

/// The assets' versions (a hash of their bytes, in `ASSETS` order) and the
/// page with every asset URL carrying its version; computed once.
struct Catalogue {
    versions: Vec<String>,
    page: String,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let versions: Vec<String> = ASSETS
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.body);
            digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
        })
        .collect();
    let page = ASSETS
        .iter()
        .zip(&versions)
        .fold(PAGE.to_owned(), |page, (asset, version)| {
            page.replace(
                &format!("\"/graphiql/{}\"", asset.name),
                &format!("\"/graphiql/{}?v={version}\"", asset.name),
            )
        });
    Catalogue { versions, page }
});

/// The asset routes; `http::router` adds them outside production only.
pub fn routes() -> Router<App> {
    Router::new().route("/graphiql/{file}", get(asset))
}

/// The GraphiQL page (the caller has checked that this is not production).
pub fn page() -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, CSP),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (REFERRER_POLICY, "no-referrer"),
            (CROSS_ORIGIN_OPENER_POLICY, "same-origin"),
            // Small, and names the assets' current versions: always fresh.
            (CACHE_CONTROL, "no-cache"),
            // `GET /graphql` answers JSON or this page depending on Accept.
            (VARY, "accept"),
        ],
        CATALOGUE.page.clone(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct AssetQuery {
    v: Option<String>,
}

async fn asset(
    Path(file): Path<String>,
    query: Result<Query<AssetQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Some((asset, version)) = ASSETS
        .iter()
        .zip(&CATALOGUE.versions)
        .find(|(asset, _)| asset.name == file)
    else {
        return assets::not_found();
    };
    let current = query.ok().and_then(|Query(q)| q.v).as_ref() == Some(version);
    let file = assets::Asset {
        content_type: asset.content_type,
        version: version.clone(),
        body: asset.body.into(),
    };
    assets::respond(file, current, &headers)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use axum::http::header::{ETAG, IF_NONE_MATCH};

    use super::*;

    #[test]
    fn the_page_names_every_asset_with_its_version_and_nothing_outside_synaps() {
        let page = &CATALOGUE.page;
        for (asset, version) in ASSETS.iter().zip(&CATALOGUE.versions) {
            let url = format!("\"/graphiql/{}?v={version}\"", asset.name);
            assert!(page.contains(&url), "{url} missing from the page");
        }
        assert!(!page.contains("http:") && !page.contains("https:") && !page.contains("//"));
        assert!(!page.contains("<script>"), "no inline script");
    }

    #[test]
    fn the_policy_allows_scripts_styles_and_connections_from_this_origin_only() {
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(
                CSP.split("; ").any(|d| d == directive),
                "{directive} missing"
            );
        }
        assert!(!CSP.contains("unsafe") && !CSP.contains("http"));
    }

    #[tokio::test]
    async fn an_asset_with_its_current_version_is_cached_for_a_year() {
        let version = CATALOGUE.versions[4].clone();
        let response = asset(
            Path("start.js".into()),
            Ok(Query(AssetQuery { v: Some(version) })),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[CONTENT_TYPE], JAVASCRIPT);
        assert_eq!(
            headers[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers[X_CONTENT_TYPE_OPTIONS], "nosniff");
    }

    #[tokio::test]
    async fn an_asset_without_a_version_is_revalidated_by_its_etag() {
        let response = asset(
            Path("graphiql.min.css".into()),
            Ok(Query(AssetQuery { v: None })),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache");
        assert_eq!(response.headers()[CONTENT_TYPE], CSS);
        let mut headers = HeaderMap::new();
        headers.insert(IF_NONE_MATCH, response.headers()[ETAG].clone());
        let again = asset(
            Path("graphiql.min.css".into()),
            Ok(Query(AssetQuery { v: None })),
            headers,
        )
        .await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn an_unknown_file_is_not_found() {
        let response = asset(
            Path("index.html".into()),
            Ok(Query(AssetQuery { v: None })),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}
