//! The query box's language: words (prefixes while typing), `"exact
//! phrases"`, `-excluded` words, and the filters `in:#channel`,
//! `from:@handle`, `before:2026-11-01`, `after:2026-11-01`, which mean the
//! same as the `search` arguments. Anything else is a word: there are no
//! operators to get wrong, so no query is a syntax error (an unbalanced
//! quote runs to the end).

use chrono::NaiveDate;

use super::analyze::{self, Token};
use crate::error::{Error, Result};

/// Longest query, in characters.
pub const QUERY_MAX_CHARS: usize = 500;
/// Most words and phrases in one query.
pub const TERMS_MAX: usize = 32;
/// A prefix shorter than this matches whole words only (`a` would match
/// half the index).
pub const PREFIX_MIN_CHARS: usize = 2;

/// A parsed query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Words to find (each token of the query, in order).
    pub words: Vec<Token>,
    /// Phrases to find exactly, each as its tokens.
    pub phrases: Vec<Vec<Token>>,
    /// Words whose presence rules a result out.
    pub excluded: Vec<Token>,
    /// `in:#slug`.
    pub channel: Option<String>,
    /// `from:@handle`.
    pub author: Option<String>,
    /// `before:` a day (results from before it).
    pub before: Option<NaiveDate>,
    /// `after:` a day (results from after it).
    pub after: Option<NaiveDate>,
}

impl Parsed {
    /// Whether there is anything to look for (exclusions and filters alone
    /// find nothing).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }
}

/// Parses `query` (field `field` for errors): BAD_USER_INPUT for a query
/// too long, with too many terms, with a NUL, or with a filter whose value
/// is not what it names (`before:soon`).
pub fn parse(field: &str, query: &str) -> Result<Parsed> {
    if query.chars().count() > QUERY_MAX_CHARS {
        return Err(Error::bad_input(
            field,
            format!("is longer than {QUERY_MAX_CHARS} characters; search for fewer words"),
        ));
    }
    if query.contains('\0') {
        return Err(Error::bad_input(field, "contains a NUL character"));
    }
    let mut parsed = Parsed::default();
    let mut rest = query;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        rest = &rest[start..];
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            let phrase = analyze::tokens(&quoted[..end]);
            if !phrase.is_empty() {
                parsed.phrases.push(phrase);
            }
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (chunk, after) = rest.split_at(end);
        rest = after;
        read_chunk(field, chunk, &mut parsed)?;
    }
    let terms = parsed.words.len() + parsed.phrases.len() + parsed.excluded.len();
    if terms > TERMS_MAX {
        return Err(Error::bad_input(
            field,
            format!("has {terms} words and phrases; at most {TERMS_MAX} are looked for"),
        ));
    }
    Ok(parsed)
}

/// One white-space-separated chunk: a filter, an exclusion or words.
fn read_chunk(field: &str, chunk: &str, parsed: &mut Parsed) -> Result<()> {
    if let Some((name, value)) = chunk.split_once(':')
        && !value.is_empty()
    {
        match name.to_ascii_lowercase().as_str() {
            "in" => {
                parsed.channel = Some(value.trim_start_matches('#').to_lowercase());
                return Ok(());
            }
            "from" => {
                parsed.author = Some(value.trim_start_matches('@').to_lowercase());
                return Ok(());
            }
            "before" => {
                parsed.before = Some(day(field, "before", value)?);
                return Ok(());
            }
            "after" => {
                parsed.after = Some(day(field, "after", value)?);
                return Ok(());
            }
            _ => {}
        }
    }
    if let Some(word) = chunk.strip_prefix('-') {
        parsed.excluded.extend(analyze::tokens(word));
    } else {
        parsed.words.extend(analyze::tokens(chunk));
    }
    Ok(())
}

fn day(field: &str, filter: &str, value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        Error::bad_input(
            field,
            format!("{filter}: takes a day such as {filter}:2026-11-01, not \"{value}\""),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(tokens: &[Token]) -> Vec<String> {
        tokens.iter().map(|t| t.parts.join("+")).collect()
    }

    #[test]
    fn words_phrases_exclusions_and_filters() {
        let parsed = parse(
            "query",
            r#"onboa "new hire kit" -draft in:#Launch from:@Anna.Berg before:2026-11-01 after:2026-10-01 PROJ-12"#,
        )
        .unwrap();
        assert_eq!(words(&parsed.words), ["onboa", "proj+12"]);
        assert_eq!(parsed.phrases.len(), 1);
        assert_eq!(words(&parsed.phrases[0]), ["new", "hire", "kit"]);
        assert_eq!(words(&parsed.excluded), ["draft"]);
        assert_eq!(parsed.channel.as_deref(), Some("launch"));
        assert_eq!(parsed.author.as_deref(), Some("anna.berg"));
        assert_eq!(parsed.before, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(parsed.after, NaiveDate::from_ymd_opt(2026, 10, 1));
    }

    #[test]
    fn odd_input_is_words_or_nothing_never_a_syntax_error() {
        for query in [
            "",
            "   ",
            "\"",
            "-",
            "\"unbalanced",
            "(.*)+ ' OR 1=1; --",
            "in: from:",
        ] {
            assert!(parse("query", query).is_ok(), "{query}");
        }
        assert!(
            parse("query", "-only -exclusions in:#x")
                .unwrap()
                .is_empty()
        );
        assert!(parse("query", "\"\"").unwrap().is_empty());
        let sql = parse("query", "' OR 1=1; --").unwrap();
        assert_eq!(words(&sql.words), ["or", "1+1"]);
        // A colon that names no filter is part of a word.
        assert_eq!(
            words(&parse("query", "https://x.se").unwrap().words),
            ["https+x+se"]
        );
    }

    #[test]
    fn too_long_too_many_a_nul_or_a_bad_day_is_bad_input() {
        let thousand = vec!["word"; 1000].join(" ");
        for query in [thousand.as_str(), "a\0b", "before:soon", "after:2026-13-01"] {
            let error = parse("query", query).unwrap_err();
            assert!(
                matches!(error, Error::BadUserInput { .. }),
                "{query}: {error:?}"
            );
        }
        let many = vec!["w"; TERMS_MAX + 1].join(" ");
        assert!(parse("query", &many).is_err());
    }
}
