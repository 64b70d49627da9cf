//! Snippets: the words around the first match, HTML-escaped, with the
//! matched words in `<mark>` — the only markup, built here, so a client
//! may show it as it is.

use std::collections::HashSet;

use super::analyze::{self, Token};
use super::query::{PREFIX_MIN_CHARS, Parsed};

/// Where a hit matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// A post's title, a person's or a channel's name.
    Title,
    /// The text: a message, a post's body, a check-in, a person's handle,
    /// title and bio, a channel's topic.
    Body,
}

/// Words shown before the first match, and in all.
const BEFORE: usize = 8;
const WORDS: usize = 32;

/// The query's terms: exact ones, and prefixes (typed words).
pub struct QueryTerms {
    exact: HashSet<String>,
    prefixes: Vec<String>,
}

impl QueryTerms {
    pub fn of(parsed: &Parsed) -> QueryTerms {
        let mut exact = HashSet::new();
        let mut prefixes = Vec::new();
        for token in &parsed.words {
            for part in &token.parts {
                let forms = analyze::forms(part);
                if forms[0].chars().count() >= PREFIX_MIN_CHARS {
                    prefixes.push(forms[0].clone());
                }
                exact.extend(forms);
            }
        }
        for token in parsed.phrases.iter().flatten() {
            exact.extend(token.parts.iter().map(|p| analyze::fold(p)));
        }
        QueryTerms { exact, prefixes }
    }

    /// Whether a token of a document is one the query looks for.
    fn hits(&self, token: &Token) -> bool {
        token.parts.iter().any(|part| {
            analyze::forms(part).iter().any(|form| {
                self.exact.contains(form) || self.prefixes.iter().any(|p| form.starts_with(p))
            })
        })
    }
}

/// A hit's snippet.
pub struct Snippet {
    pub html: String,
    pub field: Field,
    pub matched: Vec<String>,
}

/// The snippet of a document with `title` and `body`: from the body around
/// its first match, else from the title.
pub fn build(terms: &QueryTerms, title: &str, body: &str) -> Snippet {
    let in_title = marked(terms, title);
    let in_body = marked(terms, body);
    let field = if in_title.iter().any(|(_, hit)| *hit) {
        Field::Title
    } else {
        Field::Body
    };
    let mut matched: Vec<String> = Vec::new();
    for (text, tokens) in [(title, &in_title), (body, &in_body)] {
        for (token, _) in tokens.iter().filter(|(_, hit)| *hit) {
            let word = text[token.start..token.end].to_owned();
            if !matched.contains(&word) {
                matched.push(word);
            }
        }
    }
    // The text around a match says more than the name or title, which a
    // client shows anyway; the title when only it matched.
    let (text, tokens) = if in_body.iter().any(|(_, hit)| *hit) || field == Field::Body {
        (body, in_body)
    } else {
        (title, in_title)
    };
    Snippet {
        html: html(text, &tokens),
        field,
        matched,
    }
}

fn marked(terms: &QueryTerms, text: &str) -> Vec<(Token, bool)> {
    analyze::tokens(text)
        .into_iter()
        .map(|token| {
            let hit = terms.hits(&token);
            (token, hit)
        })
        .collect()
}

/// `text` from a few words before its first marked token, escaped, with
/// white space collapsed and the marked tokens in `<mark>`.
fn html(text: &str, tokens: &[(Token, bool)]) -> String {
    if tokens.is_empty() {
        return String::new();
    }
    let first = tokens.iter().position(|(_, hit)| *hit).unwrap_or(0);
    let from = first.saturating_sub(BEFORE);
    let to = (from + WORDS).min(tokens.len());
    let mut html = String::new();
    if from > 0 {
        html.push('…');
    }
    let mut at = tokens[from].0.start;
    for (token, hit) in &tokens[from..to] {
        push_escaped(&mut html, &text[at..token.start]);
        if *hit {
            html.push_str("<mark>");
            push_escaped(&mut html, &text[token.start..token.end]);
            html.push_str("</mark>");
        } else {
            push_escaped(&mut html, &text[token.start..token.end]);
        }
        at = token.end;
    }
    if to < tokens.len() {
        html.push('…');
    } else {
        push_escaped(&mut html, &text[at..]);
    }
    html.trim().to_owned()
}

/// Appends `text` escaped for HTML, its white space runs as one space.
fn push_escaped(html: &mut String, text: &str) {
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            html.push(' ');
            space = false;
        }
        match c {
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '&' => html.push_str("&amp;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    if space {
        html.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::query::parse;

    #[test]
    fn matched_words_are_marked_and_everything_else_escaped() {
        let terms = QueryTerms::of(&parse("q", "onboa").unwrap());
        let found = build(&terms, "", "Our <b>new</b> Onboarding & more");
        assert_eq!(
            found.html,
            "Our &lt;b&gt;new&lt;/b&gt; <mark>Onboarding</mark> &amp; more"
        );
        assert_eq!(found.field, Field::Body);
        assert_eq!(found.matched, ["Onboarding"]);
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_match() {
        let terms = QueryTerms::of(&parse("q", "needle").unwrap());
        let body = format!("{} needle {}", "hay ".repeat(50), "straw ".repeat(50));
        let found = build(&terms, "Title", &body);
        assert!(
            found.html.starts_with('…') && found.html.ends_with('…'),
            "{}",
            found.html
        );
        assert!(found.html.contains("<mark>needle</mark>"));
        assert_eq!(found.html.matches("hay").count(), BEFORE);
    }

    #[test]
    fn a_title_hit_says_so() {
        let terms = QueryTerms::of(&parse("q", "kundtjanst").unwrap());
        let found = build(&terms, "Kundtjänst i fokus", "Om oss");
        assert_eq!(found.field, Field::Title);
        assert_eq!(found.html, "<mark>Kundtjänst</mark> i fokus");
    }
}
