//! A GraphQL response and the assertions tests make on it.

use serde_json::Value;

#[derive(Debug)]
pub struct GqlResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl GqlResponse {
    pub async fn from(response: reqwest::Response) -> GqlResponse {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        GqlResponse {
            status,
            content_type,
            body,
        }
    }

    /// `data`, asserting that there were no errors.
    #[track_caller]
    pub fn data(&self) -> &Value {
        assert!(
            self.body["errors"].is_null(),
            "expected no errors, got {} {}",
            self.status,
            self.body
        );
        &self.body["data"]
    }

    /// The first error's `extensions.code`, if any.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    /// Asserts the first error has `code`; returns the error.
    #[track_caller]
    pub fn expect_error(&self, code: &str) -> &Value {
        assert_eq!(
            self.code(),
            Some(code),
            "expected {code}, got {} {}",
            self.status,
            self.body
        );
        &self.body["errors"][0]
    }

    /// Asserts a `BAD_USER_INPUT` naming `field`.
    #[track_caller]
    pub fn expect_bad_input(&self, field: &str) {
        let error = self.expect_error("BAD_USER_INPUT");
        assert_eq!(
            error["extensions"]["field"].as_str(),
            Some(field),
            "{}",
            self.body
        );
    }

    /// Asserts a `CONFLICT` naming `field`.
    #[track_caller]
    pub fn expect_conflict(&self, field: &str) {
        let error = self.expect_error("CONFLICT");
        assert_eq!(
            error["extensions"]["field"].as_str(),
            Some(field),
            "{}",
            self.body
        );
    }
}

/// The root selection of a query nested exactly `depth` fields deep,
/// following the real cycle department → members → user → departments → …,
/// one item per page so that only depth (not complexity) can be at fault.
pub fn nested_selection(depth: usize) -> String {
    // (field, a scalar to end on if the path stops here)
    let mut path = vec![("departments(first: 1)", "totalCount"), ("nodes", "slug")];
    let cycle = [
        ("members(first: 1)", "totalCount"),
        ("nodes", "handle"),
        ("departments", "slug"),
    ];
    while path.len() < depth - 1 {
        path.push(cycle[(path.len() - 2) % cycle.len()]);
    }
    path.truncate(depth - 1);
    let leaf = path.last().map_or("__typename", |(_, leaf)| *leaf);
    let opening: String = path
        .iter()
        .map(|(field, _)| format!("{field} {{ "))
        .collect();
    format!("{opening}{leaf}{}", " }".repeat(path.len()))
}

/// [`nested_selection`] as a whole query.
pub fn nested_query(depth: usize) -> String {
    format!("{{ {} }}", nested_selection(depth))
}
