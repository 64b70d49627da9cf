//! Markdown to safe HTML for the public: pulldown-cmark renders, ammonia
//! sanitizes. pulldown-cmark passes raw HTML and `javascript:` links through,
//! so its output is never trusted (HARDENING.md). The raw markdown is what is
//! stored; rendering happens when shown, so a sanitizer fix reaches old posts.

use std::collections::HashSet;

use pulldown_cmark::{Options, Parser, html};

/// Renders `markdown` to HTML that is safe to embed in a page: no script, no
/// event handlers, no styles, no SVG or MathML, links only to http, https and
/// mailto, each with `rel="noopener noreferrer nofollow"`.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    sanitizer().clean(&unsafe_html).to_string()
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_scripts_do_not_survive() {
        let html = markdown_to_safe_html(
            "# Hi\n\n**bold** [x](javascript:alert(1)) <script>alert(1)</script>",
        );
        assert!(html.contains("<h1>Hi</h1>"));
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("script"));
        assert!(!html.contains("javascript:"));
    }
}
