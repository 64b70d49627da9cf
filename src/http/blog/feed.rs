//! The Atom feed of the latest published posts, built with
//! `atom_syndication`: titles and summaries are text constructs, bodies the
//! sanitized HTML as escaped `type="html"` content (docs/SECURITY.md).

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
};
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::page::{SITE_NAME, TAGLINE};
use crate::config::Config;
use crate::domain::pagination::PageArgs;
use crate::domain::posts::public::{self, Article};
use crate::domain::posts::render;
use crate::error::{Error, Result};

/// The feed of the latest `count` published posts, as XML.
pub async fn latest(db: &DatabaseConnection, config: &Config, count: usize) -> Result<String> {
    let page = public::articles(db, None, &PageArgs::first(count)).await?;
    let base_url = config.public_url();
    let blog_url = format!("{base_url}/blog");
    let feed_url = format!("{blog_url}/feed.atom");
    let entries: Vec<Entry> = page
        .items
        .iter()
        .map(|(_, article)| entry(&base_url, article))
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| Utc::now().fixed_offset());
    let feed = Feed {
        title: Text::plain(SITE_NAME),
        subtitle: Some(Text::plain(TAGLINE)),
        // Stable whatever the posts: the blog's own address.
        id: blog_url.clone(),
        updated,
        links: vec![
            link(&feed_url, "self", Some("application/atom+xml")),
            link(&blog_url, "alternate", Some("text/html")),
        ],
        generator: Some(Generator {
            value: "synaps".to_owned(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        lang: Some("en".to_owned()),
        // Relative links inside post bodies resolve against the blog.
        base: Some(format!("{blog_url}/")),
        entries,
        ..Feed::default()
    };
    let xml = feed
        .write_to(Vec::new())
        .map_err(|e| Error::internal(format!("atom feed: {e}")))?;
    String::from_utf8(xml).map_err(|e| Error::internal(format!("atom feed: {e}")))
}

fn entry(base_url: &str, article: &Article) -> Entry {
    let post = &article.post;
    let url = format!("{base_url}/blog/{}", post.slug);
    let published: FixedDateTime = post.published_at.unwrap_or(post.updated_at).fixed_offset();
    let updated = post.updated_at.fixed_offset().max(published);
    let summary = if post.excerpt.trim().is_empty() {
        None
    } else {
        Some(Text::plain(post.excerpt.clone()))
    };
    Entry {
        // The post's id never changes, whatever happens to its slug or to
        // the public URL.
        id: format!("urn:uuid:{}", post.id),
        title: Text::plain(post.title.clone()),
        updated,
        published: Some(published),
        authors: vec![Person {
            name: article.author.name.clone(),
            ..Person::default()
        }],
        categories: vec![Category {
            term: article.department.slug.clone(),
            label: Some(article.department.name.clone()),
            ..Category::default()
        }],
        links: vec![link(&url, "alternate", Some("text/html"))],
        summary,
        content: Some(Content {
            content_type: Some("html".to_owned()),
            value: Some(render::markdown_to_safe_html(&post.body)),
            ..Content::default()
        }),
        ..Entry::default()
    }
}

fn link(href: &str, rel: &str, mime_type: Option<&str>) -> Link {
    Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: mime_type.map(str::to_owned),
        ..Link::default()
    }
}
