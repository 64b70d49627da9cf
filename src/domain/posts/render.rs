//! Markdown to safe HTML for the public: pulldown-cmark renders, ammonia
//! sanitizes. pulldown-cmark passes raw HTML and `javascript:` links through,
//! so its output is never trusted (docs/SECURITY.md). The raw markdown is what is
//! stored; rendering happens when shown, so a sanitizer fix reaches old posts.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// Elements removed together with everything inside them. Each past ammonia
/// advisory needed one of svg, math, style or a raw-text element
/// (docs/SECURITY.md); none of them is ever allowed, and their content is not
/// shown as text either.
const DROPPED_WITH_CONTENT: [&str; 16] = [
    "script",
    "style",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "textarea",
    "title",
    "xmp",
    "noembed",
    "noframes",
    "plaintext",
    "select",
];

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(sanitizer);

/// Renders `markdown` to HTML that is safe to embed in a page: no script, no
/// event handlers, no styles, no SVG or MathML, links only to http, https and
/// mailto (or relative), each with `rel="noopener noreferrer nofollow"`.
///
/// The page's `<h1>` is the post's title, so a body that uses `#` headings
/// has every heading moved down one level (`#` becomes `<h2>`).
pub fn markdown_to_safe_html(markdown: &str) -> String {
    // Smart punctuation: typographic quotes and dashes, as a magazine sets them.
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    // `#` is the page's own level (the title); a body that uses it moves
    // down one level, one that starts at `##` stays as written.
    let shift = events.iter().any(|e| {
        matches!(
            e,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            })
        )
    });
    let events = events.into_iter().map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) if shift => Event::Start(Tag::Heading {
            level: demoted(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) if shift => Event::End(TagEnd::Heading(demoted(level))),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    SANITIZER.clean(&unsafe_html).to_string()
}

/// The words of `markdown` as plain text (no markup, no raw HTML), for
/// reading-time estimates and descriptions where no excerpt was given.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock,
            ) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to at most `max` characters at a word boundary, with an
/// ellipsis when cut.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max.saturating_sub(1) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push('…');
    out
}

fn demoted(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

fn sanitizer() -> ammonia::Builder<'static> {
    // ammonia's default allow-list (formatting, lists, tables, links,
    // images; no svg, math, style, form or media elements; no `class`,
    // `id` or `style` attributes; every `on…` handler removed), narrowed to
    // the schemes the public may follow.
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean_content_tags(HashSet::from(DROPPED_WITH_CONTENT))
        .strip_comments(true)
        .url_relative(ammonia::UrlRelative::Custom(Box::new(relative_url)))
        // Images load lazily and tell nobody which page showed them.
        .set_tag_attribute_value("img", "loading", "lazy")
        .set_tag_attribute_value("img", "referrerpolicy", "no-referrer");
    builder
}

/// Relative URLs stay (links within the blog), unless they look like a
/// scheme in disguise: `%20javascript:…` is harmless to a browser, but a
/// colon before the first `/`, `?` or `#` of a relative URL has no
/// legitimate use in a post, so it goes.
fn relative_url(url: &str) -> Option<Cow<'_, str>> {
    let decoded = percent_decoded(url).to_ascii_lowercase();
    let head = decoded.split(['/', '?', '#']).next().unwrap_or_default();
    (!head.contains(':')).then_some(Cow::Borrowed(url))
}

fn percent_decoded(url: &str) -> String {
    let bytes = url.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_scripts_do_not_survive() {
        let html = markdown_to_safe_html(
            "# Hi\n\n**bold** [x](javascript:alert(1)) <script>alert(1)</script>",
        );
        assert!(html.contains("<h2>Hi</h2>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("script"));
        assert!(!html.contains("javascript:"));
    }

    #[test]
    fn links_get_rel_and_only_safe_schemes() {
        let html = markdown_to_safe_html(
            "[a](https://example.com) [b](mailto:x@example.com) [c](data:text/html,hi) \
             [d](JaVaScRiPt:alert(1)) <a href=\"jav&#x09;ascript:alert(1)\">e</a> \
             <a href=\" javascript:alert(1)\">f</a> [g](vbscript:msgbox)",
        );
        assert!(html.contains(
            "<a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">a</a>"
        ));
        assert!(html.contains("href=\"mailto:x@example.com\""));
        let lower = html.to_lowercase();
        for bad in ["data:", "javascript", "vbscript", "ascript"] {
            assert!(!lower.contains(bad), "{bad} in {html}");
        }
    }

    #[test]
    fn relative_links_stay_unless_they_hide_a_scheme() {
        let html = markdown_to_safe_html(
            "[a](/blog/other) [b](other#x:y) [c](<  javascript:alert(1)>) [d](%6Aavascript%3Aalert(1))",
        );
        assert!(html.contains("href=\"/blog/other\""), "{html}");
        assert!(html.contains("href=\"other#x:y\""), "{html}");
        assert!(!html.to_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("%6A"), "{html}");
    }

    #[test]
    fn dangerous_elements_go_with_their_content() {
        let html = markdown_to_safe_html(
            "<svg onload=alert(1)><circle/></svg><math><mi>x</mi></math>\
             <style>body{}</style><iframe src=https://x></iframe>\
             <object data=x></object><embed src=x><img src=x onerror=alert(1)>\
             <p style=\"color:red\" onclick=\"alert(1)\" class=\"x\">ok</p>",
        );
        let lower = html.to_lowercase();
        for bad in [
            "<svg", "<math", "<style", "<iframe", "<object", "<embed", "onerror", "onclick",
            "onload", "style=", "class=", "body{}",
        ] {
            assert!(!lower.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("ok"));
        assert!(html.contains("loading=\"lazy\""), "{html}");
    }

    #[test]
    fn plain_text_drops_markup_and_raw_html() {
        let text = plain_text("# Title\n\nSome *very* `nice` text <b>and</b> [a link](https://x).");
        assert_eq!(text, "Title Some very nice text and a link.");
        assert_eq!(truncate_words("one two three four", 10), "one two…");
        assert_eq!(truncate_words("short", 10), "short");
    }

    #[test]
    fn headings_move_down_a_level_when_the_body_uses_h1() {
        let html = markdown_to_safe_html("# One\n\n## Two\n\n###### Six");
        assert!(html.contains("<h2>One</h2>"));
        assert!(html.contains("<h3>Two</h3>"));
        assert!(html.contains("<h6>Six</h6>"));
        assert!(!html.contains("<h1"));
        let html = markdown_to_safe_html("## Two\n\n### Three");
        assert!(html.contains("<h2>Two</h2>"));
        assert!(html.contains("<h3>Three</h3>"));
    }
}
