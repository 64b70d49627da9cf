//! The public blog: `/blog` (newest first, paged by cursor), `/blog/{slug}`,
//! `/blog/department/{slug}`, `/blog/feed.atom` and the stylesheet. No login;
//! published posts only (see `domain::posts::public`). Every response carries
//! the headers of docs/SECURITY.md ("Content"): a CSP that allows no
//! script at all, and only our own stylesheet.

mod feed;
mod page;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::domain::pagination::{Cursor, PageArgs};
use crate::domain::posts::public;
use crate::error::Error;
use crate::http::App;
use page::{Listing, Pager};

/// Posts per page on the index and department pages.
pub const PAGE_SIZE: usize = 10;
/// Entries in the Atom feed.
pub const FEED_SIZE: usize = 20;

pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' https:; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

/// The blog's routes, each behind the security headers.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/blog", get(index))
        .route("/blog/", get(|| async { Redirect::permanent("/blog") }))
        .route("/blog/feed.atom", get(atom_feed))
        .route("/blog/static/style.css", get(stylesheet))
        .route("/blog/department/{slug}", get(department))
        .route("/blog/{slug}", get(post))
        // Anything deeper under /blog gets the blog's own 404 page.
        .route("/blog/{slug}/{*rest}", get(not_found))
        .route("/blog/department/{slug}/{*rest}", get(not_found))
        .layer(axum::middleware::map_response(security_headers))
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        CROSS_ORIGIN_OPENER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// `?after=` (older posts) or `?before=` (newer posts): cursors from the
/// page's own links.
#[derive(Deserialize)]
struct PageQuery {
    after: Option<String>,
    before: Option<String>,
}

impl PageQuery {
    fn page_args(&self) -> Result<PageArgs, Error> {
        let after = self
            .after
            .as_deref()
            .map(|c| Cursor::decode("after", c))
            .transpose()?;
        let before = self
            .before
            .as_deref()
            .map(|c| Cursor::decode("before", c))
            .transpose()?;
        Ok(PageArgs {
            backward: before.is_some() && after.is_none(),
            after,
            before,
            limit: PAGE_SIZE,
        })
    }
}

async fn index(
    State(app): State<App>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    listing(&app, None, query).await
}

async fn department(
    State(app): State<App>,
    Path(slug): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    listing(&app, Some(slug), query).await
}

async fn listing(
    app: &App,
    department: Option<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return failure(app, Error::bad_input("query", "is malformed")).await;
    };
    let result = async {
        let args = query.page_args()?;
        let db = &app.state.db;
        let department = match department.as_deref() {
            Some(slug) => Some(public::department(db, slug).await?),
            None => None,
        };
        let found =
            public::articles(db, department.as_ref().map(|d| d.slug.as_str()), &args).await?;
        let departments = public::departments_with_articles(db).await?;
        let path = match &department {
            Some(d) => format!("/blog/department/{}", d.slug),
            None => "/blog".to_owned(),
        };
        let pager = Pager::new(&path, &query.after, &query.before, &found);
        let listing = Listing {
            department,
            articles: found.items.into_iter().map(|(_, a)| a).collect(),
            pager,
            first_page: args.after.is_none() && args.before.is_none(),
        };
        page::listing(&app.state.config, &departments, &listing)
    }
    .await;
    match result {
        Ok(html) => page_response(StatusCode::OK, html),
        Err(err) => failure(app, err).await,
    }
}

async fn post(State(app): State<App>, Path(slug): Path<String>) -> Response {
    let result = async {
        let db = &app.state.db;
        let article = public::article(db, &slug).await?;
        let departments = public::departments_with_articles(db).await?;
        page::article(&app.state.config, &departments, &article)
    }
    .await;
    match result {
        Ok(html) => page_response(StatusCode::OK, html),
        Err(err) => failure(&app, err).await,
    }
}

async fn atom_feed(State(app): State<App>) -> Response {
    match feed::latest(&app.state.db, &app.state.config, FEED_SIZE).await {
        Ok(xml) => (
            [
                (CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
                (CACHE_CONTROL, "public, max-age=300"),
            ],
            xml,
        )
            .into_response(),
        Err(err) => failure(&app, err).await,
    }
}

#[derive(Deserialize)]
struct AssetQuery {
    v: Option<String>,
}

/// The stylesheet, compiled into the binary. Pages link it with its content
/// hash (`?v=…`), so that URL may be cached for a year.
async fn stylesheet(query: Result<Query<AssetQuery>, QueryRejection>) -> Response {
    let versioned = query
        .ok()
        .and_then(|Query(q)| q.v)
        .is_some_and(|v| v == page::stylesheet_version());
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, cache),
        ],
        page::STYLESHEET,
    )
        .into_response()
}

async fn not_found(State(app): State<App>) -> Response {
    failure(&app, Error::NotFound("Page")).await
}

fn page_response(status: StatusCode, html: String) -> Response {
    let cache = if status.is_success() {
        "public, max-age=60"
    } else {
        "no-store"
    };
    (
        status,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, cache),
        ],
        html,
    )
        .into_response()
}

/// A page for what went wrong: "not found" for unknown posts, departments
/// and pages, "bad request" for a broken paging link, and a generic page
/// (with the cause logged) for anything else.
async fn failure(app: &App, err: Error) -> Response {
    let status = match &err {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        Error::Internal(cause) => {
            tracing::error!(error = %cause, "blog page failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        Error::Unavailable(cause) => {
            tracing::warn!(error = %cause, "blog page failed: database unavailable");
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    // Suggest something to read instead, when the database is answering.
    let (departments, latest) = if status.is_server_error() {
        (Vec::new(), Vec::new())
    } else {
        let db = &app.state.db;
        let departments = public::departments_with_articles(db)
            .await
            .unwrap_or_default();
        let latest = public::articles(db, None, &PageArgs::first(3))
            .await
            .map(|page| page.items.into_iter().map(|(_, a)| a).collect())
            .unwrap_or_default();
        (departments, latest)
    };
    match page::error(&app.state.config, &departments, status, &latest) {
        Ok(html) => page_response(status, html),
        Err(err) => {
            if let Error::Internal(cause) = &err {
                tracing::error!(error = %cause, "blog error page failed");
            }
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Something went wrong on our side.",
            )
                .into_response()
        }
    }
}
