//! Parsed queries, remembered by their text.
//!
//! A client sends the same few documents again and again: its queries are
//! fixed strings, and what changes is their variables. async-graphql parses
//! every request's document anew, and on `postMessage` that parse was about
//! a tenth of the server's CPU (perf during `synaps-bench post`). Copying a
//! parsed document is a fraction of parsing it, so the most recently used
//! ones are kept.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError};
use lru::LruCache;

/// Documents kept at most.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(256).expect("not zero");
/// Longer queries are parsed every time: a client's everyday documents are
/// well under this, and it bounds what the cache holds (a few MiB at most).
const QUERY_BYTES_MAX: usize = 4 * 1024;

/// The most recently used parsed documents, shared by all requests.
pub struct Documents {
    parsed: Mutex<LruCache<String, Arc<ExecutableDocument>>>,
}

impl Default for Documents {
    fn default() -> Self {
        Documents {
            parsed: Mutex::new(LruCache::new(CAPACITY)),
        }
    }
}

impl Documents {
    /// `request`'s parsed document: a copy of the one kept for its text, or
    /// parsed now (and kept, if it parses and is short enough).
    pub fn parse<'r>(
        &self,
        request: &'r mut Request,
    ) -> Result<&'r ExecutableDocument, ServerError> {
        if request.query.len() > QUERY_BYTES_MAX {
            return request.parsed_query();
        }
        let kept = self.lock().get(request.query.as_str()).cloned();
        match kept {
            Some(doc) => request.set_parsed_query(ExecutableDocument::clone(&doc)),
            None => {
                let doc = Arc::new(request.parsed_query()?.clone());
                self.lock().put(request.query.clone(), doc);
            }
        }
        request.parsed_query()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Arc<ExecutableDocument>>> {
        // The cache holds no invariant a panic could break.
        self.parsed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_document_is_the_one_its_text_parses_to() {
        let documents = Documents::default();
        let query = "query Q($id: ID!) { node(id: $id) { id } }";
        let first = format!("{:?}", documents.parse(&mut Request::new(query)).unwrap());
        let again = format!("{:?}", documents.parse(&mut Request::new(query)).unwrap());
        assert_eq!(first, again);
        assert_eq!(documents.lock().len(), 1);
    }

    #[test]
    fn documents_that_do_not_parse_or_are_long_are_not_kept() {
        let documents = Documents::default();
        assert!(documents.parse(&mut Request::new("query {")).is_err());
        let long = format!("query {{ {} }}", "__typename ".repeat(QUERY_BYTES_MAX / 10));
        assert!(documents.parse(&mut Request::new(long)).is_ok());
        assert_eq!(documents.lock().len(), 0);
    }
}
