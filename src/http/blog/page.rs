//! The blog's pages: the minijinja templates in `src/web/blog/` (compiled
//! into the binary, HTML auto-escaping on for every template) and the views
//! they render. Titles, excerpts and names are plain text, escaped by the
//! template engine; only the sanitized body is marked safe.

use std::sync::LazyLock;

use axum::http::StatusCode;
use chrono::{DateTime, Datelike, Utc};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::domain::pagination::Page;
use crate::domain::posts::public::{Article, Department};
use crate::domain::posts::render;
use crate::error::{Error, Result};

pub const SITE_NAME: &str = "Synaps Blog";
pub const TAGLINE: &str = "Stories from the people who do the work.";
pub const INTRO: &str = "Our marketing, sales, HR, customer service and communications \
                         teams write about what they are working on, what they learned, and \
                         what surprised them along the way.";

pub const STYLESHEET: &str = include_str!("../../web/blog/style.css");

const TEMPLATES: [(&str, &str); 5] = [
    ("base.html", include_str!("../../web/blog/base.html")),
    ("card.html", include_str!("../../web/blog/card.html")),
    ("index.html", include_str!("../../web/blog/index.html")),
    ("post.html", include_str!("../../web/blog/post.html")),
    ("error.html", include_str!("../../web/blog/error.html")),
];

static TEMPLATE_ENV: LazyLock<Result<Environment<'static>, minijinja::Error>> =
    LazyLock::new(environment);

fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // Every template is HTML, whatever its name: escape everything that is
    // not explicitly marked safe.
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::Html && !value.is_safe() {
            // minijinja also escapes `/`, which is safe but turns every URL
            // in a tag into `http:&#x2f;&#x2f;…`; the five characters that
            // matter in text and quoted attributes are enough.
            let text = if value.is_none() {
                String::new()
            } else {
                value.to_string()
            };
            out.write_str(&escape_html(&text)).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// Escapes text for HTML content and quoted attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn render(name: &str, ctx: Value) -> Result<String> {
    let env = TEMPLATE_ENV
        .as_ref()
        .map_err(|e| Error::internal(format!("blog templates: {e:#}")))?;
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| Error::internal(format!("blog template {name}: {e:#}")))
}

/// The first characters of the stylesheet's SHA-256, for cache busting.
pub fn stylesheet_version() -> &'static str {
    static VERSION: LazyLock<String> = LazyLock::new(|| {
        let digest = Sha256::digest(STYLESHEET.as_bytes());
        digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
    });
    &VERSION
}

/// What every page knows: the site, its absolute URLs, the departments that
/// have published something.
#[derive(Serialize)]
struct Site {
    name: &'static str,
    tagline: &'static str,
    intro: &'static str,
    base_url: String,
    blog_url: String,
    feed_url: String,
    stylesheet: String,
    departments: Vec<DepartmentLink>,
    /// This page is the index ("All posts" is current).
    all_current: bool,
    year: i32,
}

#[derive(Serialize)]
struct DepartmentLink {
    name: String,
    path: String,
    /// The department this page is about.
    current: bool,
}

/// Which entry of the department navigation a page belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Nav<'a> {
    All,
    Department(&'a str),
    None,
}

fn site(config: &Config, departments: &[Department], nav: Nav<'_>) -> Site {
    let base_url = config.public_url();
    Site {
        name: SITE_NAME,
        tagline: TAGLINE,
        intro: INTRO,
        blog_url: format!("{base_url}/blog"),
        feed_url: format!("{base_url}/blog/feed.atom"),
        stylesheet: format!("/blog/static/style.css?v={}", stylesheet_version()),
        departments: departments
            .iter()
            .map(|d| DepartmentLink {
                name: d.name.clone(),
                path: format!("/blog/department/{}", d.slug),
                current: nav == Nav::Department(&d.slug),
            })
            .collect(),
        base_url,
        all_current: nav == Nav::All,
        year: Utc::now().year(),
    }
}

/// A post as a card on a list, and the head of the post page.
#[derive(Serialize)]
struct PostView {
    path: String,
    url: String,
    title: String,
    /// The excerpt, or the body's first words when there is none.
    description: String,
    has_excerpt: bool,
    /// "Anna Berg, Customer Service".
    byline: String,
    author_name: String,
    author_title: String,
    initials: String,
    /// One of a few avatar colours, stable per author.
    tint: usize,
    department_name: String,
    department_path: String,
    date_iso: String,
    date: String,
    reading_minutes: usize,
}

fn post_view(base_url: &str, article: &Article) -> PostView {
    let post = &article.post;
    let text = render::plain_text(&post.body);
    let words = text.split_whitespace().count();
    let description = if post.excerpt.trim().is_empty() {
        render::truncate_words(&text, 160)
    } else {
        post.excerpt.clone()
    };
    let published = post.published_at.unwrap_or(post.updated_at);
    let path = format!("/blog/{}", post.slug);
    PostView {
        url: format!("{base_url}{path}"),
        path,
        title: post.title.clone(),
        has_excerpt: !post.excerpt.trim().is_empty(),
        description,
        byline: format!("{}, {}", article.author.name, article.department.name),
        author_name: article.author.name.clone(),
        author_title: article.author.title.clone(),
        initials: initials(&article.author.name),
        tint: article
            .author
            .name
            .bytes()
            .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into()))
            % 6,
        department_name: article.department.name.clone(),
        department_path: format!("/blog/department/{}", article.department.slug),
        date_iso: published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        date: human_date(published),
        reading_minutes: words.div_ceil(220).max(1),
    }
}

fn initials(name: &str) -> String {
    let mut words = name.split_whitespace();
    let first = words.next().and_then(|w| w.chars().next());
    let last = words.last().and_then(|w| w.chars().next());
    first
        .into_iter()
        .chain(last)
        .flat_map(char::to_uppercase)
        .collect()
}

fn human_date(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y").to_string()
}

/// Links to the neighbouring pages of a list.
#[derive(Serialize)]
pub struct Pager {
    newer: Option<String>,
    older: Option<String>,
    /// This page's own address (with its cursor), for the canonical link.
    current: String,
}

impl Pager {
    pub fn new<T>(
        path: &str,
        after: &Option<String>,
        before: &Option<String>,
        page: &Page<T>,
    ) -> Pager {
        let older = page
            .has_next_page
            .then(|| page.items.last())
            .flatten()
            .map(|(cursor, _)| format!("{path}?after={}", cursor.encode()));
        let newer = page.has_previous_page.then(|| {
            page.items
                .first()
                .map(|(cursor, _)| format!("{path}?before={}", cursor.encode()))
                .unwrap_or_else(|| path.to_owned())
        });
        // Cursors are URL-safe base64, so they need no further encoding.
        let current = match (after, before) {
            (Some(after), _) => format!("{path}?after={after}"),
            (None, Some(before)) => format!("{path}?before={before}"),
            (None, None) => path.to_owned(),
        };
        Pager {
            newer,
            older,
            current,
        }
    }
}

/// What a list page shows.
pub struct Listing {
    pub department: Option<Department>,
    pub articles: Vec<Article>,
    pub pager: Pager,
    pub first_page: bool,
}

/// The index, or a department's page.
pub fn listing(config: &Config, departments: &[Department], listing: &Listing) -> Result<String> {
    let nav = match &listing.department {
        Some(d) => Nav::Department(&d.slug),
        None => Nav::All,
    };
    let site = site(config, departments, nav);
    let posts: Vec<PostView> = listing
        .articles
        .iter()
        .map(|a| post_view(&site.base_url, a))
        .collect();
    let (heading, description, title) = match &listing.department {
        Some(d) => {
            let description = if d.description.trim().is_empty() {
                format!("Stories from the {} team.", d.name)
            } else {
                d.description.clone()
            };
            (
                d.name.clone(),
                description,
                format!("{} · {SITE_NAME}", d.name),
            )
        }
        None => (
            SITE_NAME.to_owned(),
            format!("{TAGLINE} {INTRO}"),
            format!("{SITE_NAME} — {TAGLINE}"),
        ),
    };
    let title = if listing.first_page {
        title
    } else {
        format!("More posts · {title}")
    };
    let canonical = format!("{}{}", site.base_url, listing.pager.current);
    render(
        "index.html",
        context! {
            site => Value::from_serialize(&site),
            page_title => title,
            heading,
            description,
            canonical,
            og_type => "website",
            department => listing.department.as_ref().map(|d| d.name.clone()),
            first_page => listing.first_page,
            posts => Value::from_serialize(&posts),
            pager => Value::from_serialize(&listing.pager),
        },
    )
}

/// A post's page.
pub fn article(config: &Config, departments: &[Department], article: &Article) -> Result<String> {
    let site = site(config, departments, Nav::None);
    let post = post_view(&site.base_url, article);
    let body_html = render::markdown_to_safe_html(&article.post.body);
    render(
        "post.html",
        context! {
            site => Value::from_serialize(&site),
            page_title => format!("{} · {SITE_NAME}", post.title),
            description => post.description.clone(),
            canonical => post.url.clone(),
            og_type => "article",
            post => Value::from_serialize(&post),
            published_time => post.date_iso.clone(),
            modified_time => article
                .post
                .updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            // The only value rendered without escaping: ammonia's output.
            body_html => Value::from_safe_string(body_html),
        },
    )
}

/// A friendly page for a missing post or page, a broken link, or a failure.
pub fn error(
    config: &Config,
    departments: &[Department],
    status: StatusCode,
    latest: &[Article],
) -> Result<String> {
    let site = site(config, departments, Nav::None);
    let (heading, message) = match status {
        StatusCode::NOT_FOUND => (
            "We couldn’t find that page",
            "The post may have been moved or taken down, or the link may have a typo in it.",
        ),
        StatusCode::BAD_REQUEST => (
            "That link doesn’t work",
            "Part of the address is broken. Start again from the latest posts.",
        ),
        _ => (
            "Something went wrong on our side",
            "We have logged it and will look into it. Please try again in a moment.",
        ),
    };
    let posts: Vec<PostView> = latest
        .iter()
        .map(|a| post_view(&site.base_url, a))
        .collect();
    render(
        "error.html",
        context! {
            canonical => site.blog_url.clone(),
            site => Value::from_serialize(&site),
            page_title => format!("{heading} · {SITE_NAME}"),
            description => message,
            og_type => "website",
            status => status.as_u16(),
            heading,
            message,
            posts => Value::from_serialize(&posts),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse() {
        assert!(
            TEMPLATE_ENV.as_ref().is_ok(),
            "{:?}",
            TEMPLATE_ENV.as_ref().err()
        );
    }

    #[test]
    fn text_is_escaped_and_only_the_body_is_trusted() {
        let env = TEMPLATE_ENV.as_ref().ok();
        let out = env
            .and_then(|env| {
                env.render_str(
                    "<p title=\"{{ t }}\">{{ t }}</p>{{ safe }}",
                    context! { t => "<script>\"x\" & 'y'</script>", safe => Value::from_safe_string("<b>ok</b>".into()) },
                )
                .ok()
            })
            .unwrap_or_default();
        assert_eq!(
            out,
            "<p title=\"&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;\">\
             &lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;</p><b>ok</b>"
        );
    }

    #[test]
    fn initials_take_first_and_last_names() {
        assert_eq!(initials("Anna Berg"), "AB");
        assert_eq!(initials("Tomás de la Ortega"), "TO");
        assert_eq!(initials("Cher"), "C");
        assert_eq!(initials(""), "");
    }
}
