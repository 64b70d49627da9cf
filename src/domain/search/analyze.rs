//! From text to the terms the search index holds, the same on both
//! databases (the database only stores and matches them; docs/SEARCH.md).
//!
//! - Text splits into **tokens** at white space and at brackets, quotes and
//!   other marks that never sit inside a URL, an address or an id. A
//!   token's outer punctuation is trimmed (`(see`, `done.`).
//! - A token with marks inside (`user@example.com`, `PROJ-1234`,
//!   `https://x.se/a?b=1`, `snake_case`) is a **compound**: it is indexed
//!   whole (its parts joined by [`JOIN`]) and by each of its parts, so it is
//!   found whole and by any part.
//! - Every word is indexed lower-cased and with its diacritics removed
//!   (`kundtjänst` → `kundtjanst`), and so are its English and Swedish
//!   stems (Snowball), so that `running` finds `runs` and `kunderna`
//!   finds `kund`. The stems are taken before the diacritics go, as the
//!   Swedish stemmer reads them.
//!
//! Terms hold only letters and digits (and [`JOIN`], itself a letter), so
//! SQLite's `unicode61` tokenizer leaves them whole and PostgreSQL takes
//! them as lexemes unchanged.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Joins a compound's parts into its whole term: a letter (U+01C0, LATIN
/// LETTER DENTAL CLICK) that ordinary text does not use, so the whole term
/// is one token to both databases.
pub const JOIN: char = 'ǀ';

/// Longer tokens (encoded blobs, hashes past any id's length) are not
/// indexed.
const TOKEN_MAX_CHARS: usize = 120;

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));
static SWEDISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Swedish));

/// A token of a text: where it is (byte offsets, for snippets) and the
/// words it is made of, lower-cased (one for a plain word, its parts for a
/// compound).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub parts: Vec<String>,
}

impl Token {
    /// The whole term of a compound (`None` for a plain word).
    pub fn whole(&self) -> Option<String> {
        (self.parts.len() > 1).then(|| {
            let folded: Vec<String> = self.parts.iter().map(|p| fold(p)).collect();
            folded.join(&JOIN.to_string())
        })
    }

    /// Every term this token is indexed under.
    pub fn terms(&self) -> Vec<String> {
        let mut terms: Vec<String> = self.whole().into_iter().collect();
        for part in &self.parts {
            terms.extend(forms(part));
        }
        terms
    }
}

/// Whether `c` ends a token: white space, and marks that do not occur
/// inside URLs, addresses or ids.
fn separates(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '(' | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
                | '"'
                | '\''
                | '`'
                | '*'
                | '|'
                | ','
                | ';'
                | '!'
                | '?'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '«'
                | '»'
        )
}

/// The tokens of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut found = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (start, separates(c)) {
            (None, false) => start = Some(at),
            (Some(from), true) => {
                if let Some(token) = token(text, from, at) {
                    found.push(token);
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// The token in `text[from..to]`, its outer punctuation trimmed; `None` if
/// nothing of it is a letter or a digit, or it is too long.
fn token(text: &str, from: usize, to: usize) -> Option<Token> {
    let chunk = &text[from..to];
    let trimmed = chunk.trim_matches(|c: char| !c.is_alphanumeric());
    if trimmed.is_empty() || trimmed.chars().count() > TOKEN_MAX_CHARS {
        return None;
    }
    let start = from
        + (chunk.len()
            - chunk
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .len());
    let parts = trimmed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_lowercase)
        .collect();
    Some(Token {
        start,
        end: start + trimmed.len(),
        parts,
    })
}

/// `word` without its diacritics (`å` → `a`, `é` → `e`), and the letters
/// that have none to remove spelled as people type them without.
pub fn fold(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    for c in word.nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ø' => folded.push('o'),
            'æ' => folded.push_str("ae"),
            'ß' => folded.push_str("ss"),
            'đ' => folded.push('d'),
            'ł' => folded.push('l'),
            'þ' => folded.push_str("th"),
            JOIN => {}
            c => folded.push(c),
        }
    }
    folded
}

/// The terms a lower-cased word is indexed under: itself, its English and
/// its Swedish stem, each folded.
pub fn forms(word: &str) -> Vec<String> {
    let mut forms = vec![fold(word)];
    if word.chars().any(char::is_alphabetic) {
        for stem in [ENGLISH.stem(word), SWEDISH.stem(word)] {
            let stem = fold(&stem);
            if !stem.is_empty() && !forms.contains(&stem) {
                forms.push(stem);
            }
        }
    }
    forms
}

/// Every term of `text`, each once, sorted.
pub fn terms(text: &str) -> BTreeSet<String> {
    tokens(text).iter().flat_map(Token::terms).collect()
}

/// The words of `text` folded and joined by single spaces, padded with one
/// space at each end: what an exact phrase is looked for in
/// (`LIKE '% the phrase %'`).
pub fn plain(text: &str) -> String {
    let mut plain = String::from(" ");
    for token in tokens(text) {
        for part in &token.parts {
            plain.push_str(&fold(part));
            plain.push(' ');
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<Vec<String>> {
        tokens(text).into_iter().map(|t| t.parts).collect()
    }

    #[test]
    fn words_split_at_space_and_brackets_with_outer_punctuation_trimmed() {
        assert_eq!(
            parts("Done. (See **this**) — ok!"),
            [vec!["done"], vec!["see"], vec!["this"], vec!["ok"]]
        );
        let text = "a [link](https://x.se)";
        let found = tokens(text);
        assert_eq!(&text[found[1].start..found[1].end], "link");
        assert_eq!(&text[found[2].start..found[2].end], "https://x.se");
    }

    #[test]
    fn urls_addresses_and_ids_are_indexed_whole_and_by_their_parts() {
        let found = terms("Mail user@example.com about PROJ-1234 and snake_case_id");
        for term in [
            "userǀexampleǀcom",
            "user",
            "example",
            "com",
            "projǀ1234",
            "proj",
            "1234",
            "snakeǀcaseǀid",
            "snake",
            "case",
        ] {
            assert!(found.contains(term), "{term} in {found:?}");
        }
        let url = terms("https://wiki.example.com/onboarding?step=2");
        // `?` ends a token (it ends questions far more often than it starts
        // a URL's query): the address and the query are found apart.
        assert!(url.contains("httpsǀwikiǀexampleǀcomǀonboarding"), "{url:?}");
        assert!(url.contains("stepǀ2"), "{url:?}");
        assert!(url.contains("onboard"), "{url:?}");
    }

    #[test]
    fn words_are_found_by_their_english_and_swedish_stems_without_diacritics() {
        assert!(terms("She runs the onboarding").contains("run"));
        assert!(forms("running").contains(&"run".to_owned()));
        let swedish = terms("Kunderna ringde kundtjänst");
        assert!(swedish.contains("kund"), "{swedish:?}");
        assert!(swedish.contains("kundtjanst"), "{swedish:?}");
        assert_eq!(fold("åsa öberg ærø straße"), "asa oberg aero strasse");
    }

    #[test]
    fn a_phrase_is_looked_for_in_the_folded_words() {
        assert_eq!(plain("Ring  Kundtjänst, nu!"), " ring kundtjanst nu ");
    }

    #[test]
    fn nothing_but_marks_and_overlong_tokens_are_not_indexed() {
        assert!(tokens("-- *** ... ///").is_empty());
        assert!(tokens(&"x".repeat(500)).is_empty());
        assert!(tokens("").is_empty());
    }
}
