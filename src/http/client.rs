//! The web client, served from the binary: `GET /` and every client route
//! answer the same small page (`src/web/app/index.html`), which loads the
//! client's ES modules from `/assets/{build}/…`. Nothing runs in Node and
//! nothing is built: the files in `src/web/app/` are what the browser gets
//! (layout and conventions: docs/WEB.md).
//!
//! Caching: `{build}` is a hash of every asset's bytes, so an asset under the
//! current build is the same forever and is cached for a year (`immutable`),
//! and a release that changes any file changes every URL at once. The page
//! itself is `no-cache`. An asset asked for under another build (a tab
//! opened before an upgrade) is served as it is now, revalidated by its
//! ETag. Compression (brotli, gzip) is the router's `CompressionLayer`.
//!
//! In a debug build `rust-embed` reads the files from disk on each request,
//! so an edit shows on reload; a release build carries them inside.
//! `SYNAPS_WEB_DIR` serves them from another directory instead (a
//! development aid: another checkout's client with this binary).

use std::borrow::Cow;
use std::path::{Component, Path as FsPath, PathBuf};
use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;
use sha2::{Digest, Sha256};

use crate::http::{App, assets};

#[derive(Embed)]
#[folder = "src/web/app/"]
#[exclude = "*.sh"]
#[exclude = "*.md"]
#[exclude = "*.json"]
#[exclude = "*.ts"]
#[exclude = "index.html"]
struct Assets;

/// Whether a file of the client's folder is served: not the page's
/// template, the vendor script and notes, or the type declarations (the
/// same as `Assets`' excludes, for `SYNAPS_WEB_DIR`).
fn served(name: &str) -> bool {
    !(name == "index.html"
        || [".sh", ".md", ".json", ".ts"]
            .iter()
            .any(|ext| name.ends_with(ext)))
}

static WEB_DIR: LazyLock<Option<PathBuf>> =
    LazyLock::new(|| std::env::var_os("SYNAPS_WEB_DIR").map(PathBuf::from));

/// One file of the client: its bytes and their SHA-256.
struct File {
    data: Cow<'static, [u8]>,
    hash: [u8; 32],
}

/// The client's files by path (`channels/conversation.js`), sorted.
fn names() -> Vec<String> {
    let mut names: Vec<String> = match WEB_DIR.as_deref() {
        Some(dir) => {
            let mut found = Vec::new();
            walk(dir, dir, &mut found);
            found
        }
        None => Assets::iter().map(Cow::into_owned).collect(),
    };
    names.retain(|name| served(name));
    names.sort();
    names
}

fn walk(root: &FsPath, dir: &FsPath, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, found);
        } else if let Ok(relative) = path.strip_prefix(root) {
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn file(name: &str) -> Option<File> {
    if !served(name) {
        return None;
    }
    match WEB_DIR.as_deref() {
        Some(dir) => {
            let relative = FsPath::new(name);
            // Only plain names below the folder, never `..` or an absolute path.
            if !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
            {
                return None;
            }
            let data = std::fs::read(dir.join(relative)).ok()?;
            let hash = Sha256::digest(&data).into();
            Some(File {
                data: Cow::Owned(data),
                hash,
            })
        }
        None => Assets::get(name).map(|f| File {
            hash: f.metadata.sha256_hash(),
            data: f.data,
        }),
    }
}

/// Whether the files may change while the server runs: then the build and
/// the page are computed on each request instead of once.
fn changing() -> bool {
    cfg!(debug_assertions) || WEB_DIR.is_some()
}

const PAGE: &str = include_str!("../web/app/index.html");

/// This origin only, for everything; no inline script or style at all (the
/// client sets styles through the CSSOM, which CSP does not govern).
/// `connect-src 'self'` covers the subscription socket (`ws:`/`wss:` to this
/// host).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                       connect-src 'self'; img-src 'self' data:; font-src 'self'; \
                       manifest-src 'self'; base-uri 'none'; form-action 'none'; \
                       frame-ancestors 'none'";

const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

/// The paths the client routes itself (`src/web/app/router.js`); each
/// answers the page, so a reload or a shared link opens the same screen.
const CLIENT_ROUTES: [&str; 13] = [
    "/",
    "/signin",
    "/c/{*rest}",
    "/people/{*rest}",
    "/departments/{*rest}",
    "/round/{*rest}",
    "/posts/{*rest}",
    "/notifications",
    "/channels",
    "/review",
    "/analytics/{*rest}",
    "/directory",
    "/search",
];

pub fn routes() -> Router<App> {
    let router = Router::new().route("/assets/{build}/{*file}", get(asset));
    CLIENT_ROUTES
        .iter()
        .fold(router, |router, path| router.route(path, get(page)))
        // `/round` and `/analytics` without a rest, too.
        .route("/round", get(page))
        .route("/analytics", get(page))
        .route("/posts", get(page))
}

/// The build: a hash of every asset's path and bytes, in a stable order.
fn compute_build() -> String {
    let mut hasher = Sha256::new();
    for name in names() {
        if let Some(file) = file(&name) {
            hasher.update(name.as_bytes());
            hasher.update(file.hash);
        }
    }
    hex(&hasher.finalize()[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

static BUILD: LazyLock<String> = LazyLock::new(compute_build);

/// The current build; recomputed on each call when the files may change.
fn build() -> Cow<'static, str> {
    if changing() {
        Cow::Owned(compute_build())
    } else {
        Cow::Borrowed(BUILD.as_str())
    }
}

/// The page: the build's asset URLs filled in, every stylesheet linked (a
/// screen may have its own beside `style.css`) and every module `main.js`
/// imports, directly or not, preloaded, so the browser fetches them in
/// parallel instead of one import at a time. A screen the client imports
/// only when opened (`import()`, screens.js) is not part of the first load.
fn render_page(build: &str) -> String {
    let names = names();
    let styles: String = names
        .iter()
        .filter(|name| name.ends_with(".css") && *name != "style.css")
        .map(|name| format!("<link rel=\"stylesheet\" href=\"/assets/{build}/{name}\">\n"))
        .collect();
    let preloads: String = imported_by("main.js")
        .iter()
        .map(|name| format!("<link rel=\"modulepreload\" href=\"/assets/{build}/{name}\">\n"))
        .collect();
    PAGE.replace("{{preloads}}", &format!("{styles}{preloads}"))
        .replace("{{build}}", build)
}

/// The modules `entry` imports statically (`import … from "./x.js"`,
/// `import "./x.js"`, `export … from "./x.js"`), directly or through
/// others, by asset name, sorted; not `entry` itself, and not what is only
/// imported dynamically (`import("./x.js")`).
fn imported_by(entry: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![entry.to_owned()];
    while let Some(name) = todo.pop() {
        let Some(found) = file(&name) else { continue };
        let text = String::from_utf8_lossy(&found.data).into_owned();
        let dir = name.rsplit_once('/').map_or("", |(dir, _)| dir);
        for target in static_imports(&text) {
            if let Some(resolved) = resolve(dir, target)
                && resolved != entry
                && seen.insert(resolved.clone())
            {
                todo.push(resolved);
            }
        }
    }
    seen.into_iter().collect()
}

/// The relative specifiers of a module's static imports and re-exports.
fn static_imports(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with("//") || line.starts_with('*') || line.starts_with("/*") {
            continue;
        }
        let quoted = if let Some(at) = line.find("from \"") {
            &line[at + 6..]
        } else if let Some(rest) = line.strip_prefix("import \"") {
            rest
        } else {
            continue;
        };
        if let Some((specifier, _)) = quoted.split_once('"')
            && specifier.starts_with('.')
        {
            found.push(specifier);
        }
    }
    found
}

/// `specifier` (`./x.js`, `../y/z.js`) from a module in `dir`, as an asset
/// name; `None` if it leaves the client's folder.
fn resolve(dir: &str, specifier: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in specifier.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

static RENDERED: LazyLock<String> = LazyLock::new(|| render_page(&BUILD));

async fn page() -> Response {
    let body = if changing() {
        render_page(&build())
    } else {
        RENDERED.clone()
    };
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, CSP),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (REFERRER_POLICY, "same-origin"),
            (CROSS_ORIGIN_OPENER_POLICY, "same-origin"),
            // Small, and names the current build: always revalidated.
            (CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn asset(Path((asked, name)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let Some(found) = file(&name) else {
        return assets::not_found();
    };
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    };
    let file = assets::Asset {
        content_type,
        version: hex(&found.hash[..8]),
        body: found.data.into(),
    };
    assets::respond(file, asked == build(), &headers)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use axum::http::header::{ETAG, IF_NONE_MATCH};

    use super::*;

    #[test]
    fn the_page_loads_the_client_from_this_build_and_has_no_inline_script() {
        let build = build();
        let page = render_page(&build);
        assert!(page.contains(&format!("/assets/{build}/main.js")));
        assert!(page.contains(&format!("/assets/{build}/vendor/preact.js")));
        assert!(!page.contains("{{"), "every placeholder filled");
        assert!(!page.contains("http:") && !page.contains("https:"));
        assert!(!page.contains("<script>") && !page.contains(" style="));
    }

    #[test]
    fn the_page_preloads_what_main_imports_and_not_the_screens_opened_later() {
        let preloaded = imported_by("main.js");
        for name in [
            "app.js",
            "router.js",
            "vendor/preact.js",
            "ui/body.js",
            "search/box.js",
        ] {
            assert!(
                preloaded.iter().any(|p| p == name),
                "{name} in {preloaded:?}"
            );
        }
        for name in ["search/index.js", "analytics/heatmap.js"] {
            assert!(
                !preloaded.iter().any(|p| p == name),
                "{name} is imported when opened"
            );
        }
        assert!(
            preloaded.iter().all(|name| file(name).is_some()),
            "{preloaded:?}"
        );
        assert_eq!(resolve("a/b", "../c/d.js").as_deref(), Some("a/c/d.js"));
        assert_eq!(resolve("", "./x.js").as_deref(), Some("x.js"));
        assert_eq!(resolve("", "../x.js"), None);
    }

    #[test]
    fn the_client_never_writes_inner_html_but_for_the_servers_sanitized_body() {
        for name in names() {
            if name.starts_with("vendor/") || !name.ends_with(".js") {
                continue;
            }
            let text = String::from_utf8_lossy(&file(&name).expect("listed").data).into_owned();
            for (line, source) in text.lines().enumerate() {
                if source.contains("innerHTML") || source.contains("dangerouslySetInnerHTML") {
                    assert!(
                        name == "ui/body.js",
                        "{name}:{} sets innerHTML; only ui/body.js may, with bodyHtml",
                        line + 1
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn an_asset_of_the_current_build_is_cached_for_a_year_and_others_revalidated() {
        let current = asset(
            Path((build().into_owned(), "main.js".into())),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(current.status(), StatusCode::OK);
        assert_eq!(
            current.headers()[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            current.headers()[CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        let old = asset(Path(("0000".into(), "main.js".into())), HeaderMap::new()).await;
        assert_eq!(old.headers()[CACHE_CONTROL], "no-cache");
        let mut headers = HeaderMap::new();
        headers.insert(IF_NONE_MATCH, old.headers()[ETAG].clone());
        let again = asset(Path(("0000".into(), "main.js".into())), headers).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let missing = asset(
            Path((build().into_owned(), "nope.js".into())),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }
}
