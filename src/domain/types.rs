//! "Parse, don't validate": every value a client sends is parsed into one of
//! these newtypes before the domain layer acts on it, so a value of the type is
//! known to be valid. Each parser names the input field in its error.

use std::fmt;

use crate::error::{Error, Result};

/// Trims `value` and checks that it has between `min` and `max` characters.
pub fn bounded_text(field: &str, value: &str, min: usize, max: usize) -> Result<String> {
    let value = value.trim();
    let len = value.chars().count();
    if len < min {
        return Err(if min == 1 {
            Error::bad_input(field, "must not be empty")
        } else {
            Error::bad_input(field, format!("must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(Error::bad_input(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::bad_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// A display name: 1–200 characters.
pub fn display_name(field: &str, value: &str) -> Result<String> {
    let name = bounded_text(field, value, 1, 200)?;
    if name.contains('\n') {
        return Err(Error::bad_input(field, "must be a single line"));
    }
    Ok(name)
}

/// An email address, lower-cased so that uniqueness is case-insensitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, value: &str) -> Result<Email> {
        let value = value.trim().to_lowercase();
        let invalid = || Error::bad_input(field, "must be an email address like name@example.com");
        if value.len() > 254 {
            return Err(Error::bad_input(field, "must be at most 254 characters"));
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Email(value))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

/// A person's handle for `@mentions`: 2–32 of `a-z`, `0-9`, `.`, `_`, `-`,
/// starting with a letter or digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handle(String);

impl Handle {
    pub fn parse(field: &str, value: &str) -> Result<Handle> {
        let value = value.trim().trim_start_matches('@').to_lowercase();
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        let starts_well = value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if (2..=32).contains(&value.len()) && valid_chars && starts_well {
            Ok(Handle(value))
        } else {
            Err(Error::bad_input(
                field,
                "must be 2–32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
            ))
        }
    }

    /// A handle derived from free text (an email's local part), for when the
    /// caller gave none. Always valid; uniqueness is the caller's concern.
    pub fn derive_from(text: &str) -> Handle {
        let mut handle: String = text
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .skip_while(|c| !c.is_ascii_alphanumeric())
            .take(28)
            .collect();
        while handle.len() < 2 {
            handle.push('0');
        }
        Handle(handle)
    }

    pub fn with_suffix(&self, n: u32) -> Handle {
        Handle(format!("{}-{n}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A URL slug: 2–64 of `a-z`, `0-9` and single `-` between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &str, value: &str) -> Result<Slug> {
        let value = value.trim();
        let valid = (2..=64).contains(&value.len())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !value.starts_with('-')
            && !value.ends_with('-')
            && !value.contains("--");
        if valid {
            Ok(Slug(value.to_owned()))
        } else {
            Err(Error::bad_input(
                field,
                "must be 2–64 characters of a-z, 0-9 and single hyphens, like customer-service",
            ))
        }
    }

    /// A slug made from free text ("Q4 Launch!" → `q4-launch`, "Café" →
    /// `cafe`), at most `max` characters; `None` when the text has too few
    /// letters or digits to make one.
    pub fn from_text(text: &str, max: usize) -> Option<Slug> {
        let slug: String = slug::slugify(text).chars().take(max).collect();
        Slug::parse("slug", slug.trim_end_matches('-')).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 12–256 characters. Long passphrases beat composition rules
/// (OWASP Authentication cheat sheet).
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(field: &str, value: &str) -> Result<NewPassword> {
        let len = value.chars().count();
        if len < 12 {
            return Err(Error::bad_input(field, "must be at least 12 characters"));
        }
        if len > 256 {
            return Err(Error::bad_input(field, "must be at most 256 characters"));
        }
        Ok(NewPassword(value.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Email::parse("email", " Anna.Berg@Example.COM ")
                .map(|e| e.0)
                .ok(),
            Some("anna.berg@example.com".to_owned())
        );
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.com",
            "anna@example",
            "a b@example.com",
            "anna@-x.com",
        ] {
            assert!(
                Email::parse("email", bad).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn handles_and_slugs_have_a_strict_alphabet() {
        assert!(Handle::parse("handle", "@anna.berg").is_ok());
        assert!(Handle::parse("handle", "a").is_err());
        assert!(Handle::parse("handle", "_anna").is_err());
        assert!(Slug::parse("slug", "customer-service").is_ok());
        for bad in ["-x", "x-", "a--b", "Sales", "a", "a b"] {
            assert!(
                Slug::parse("slug", bad).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn derived_handles_are_valid() {
        for text in ["anna.berg", "x", "__", "Ünïcode+tag"] {
            let handle = Handle::derive_from(text);
            assert!(
                Handle::parse("handle", handle.as_str()).is_ok(),
                "{text} -> {handle:?}"
            );
        }
    }

    #[test]
    fn bounded_text_counts_characters_not_bytes() {
        assert!(bounded_text("name", "ééé", 1, 3).is_ok());
        assert!(bounded_text("name", "   ", 1, 3).is_err());
        assert!(bounded_text("name", "abcd", 1, 3).is_err());
    }
}
