//! Finding `@handle` mentions in a markdown body. Code spans and code
//! blocks are skipped (`@ts-ignore` in a snippet mentions nobody), and so is
//! an `@` inside a word (an email address).

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::domain::types::Handle;

/// Most distinct people one message may mention (more are ignored).
pub const MENTIONS_MAX: usize = 50;

/// The distinct handles mentioned in `markdown`, in order of appearance.
pub fn handles(markdown: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut in_code_block = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(text) if !in_code_block => {
                for handle in scan(&text) {
                    if !found.contains(&handle) && found.len() < MENTIONS_MAX {
                        found.push(handle);
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// The handles after each `@` that does not follow a word character.
fn scan(text: &str) -> Vec<String> {
    let mut handles = Vec::new();
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        if c == '@' && !previous.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '.') {
            let rest = &text[at + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
                .unwrap_or(rest.len());
            // A sentence may end right after a handle: "thanks @anna."
            let candidate = rest[..end].trim_end_matches(['.', '-', '_']);
            if let Ok(handle) = Handle::parse("body", candidate) {
                handles.push(handle.as_str().to_owned());
            }
        }
        previous = Some(c);
    }
    handles
}

#[cfg(test)]
mod tests {
    use super::handles;

    #[test]
    fn mentions_are_found_outside_code_and_emails() {
        let body = "Hi @Anna and @bob.smith, see `@ignored` and mail x@example.com.\n\n```\n@also_ignored\n```\nThanks @anna!";
        assert_eq!(handles(body), vec!["anna", "bob.smith"]);
    }

    #[test]
    fn a_lone_at_or_a_too_short_handle_mentions_nobody() {
        assert!(handles("@ and @x and @@").is_empty());
    }
}
