//! Source parsers: bytes in, [`PaperObservation`]s out.
//!
//! Pure: no I/O, no clock, no knowledge of URLs. A malformed entry is reported in
//! [`ParsedBatch::skipped`] and never fails the document; only a document that cannot be
//! read at all (not XML/JSON, wrong root, an error feed) is a [`ParseError`]. XML is read with
//! roxmltree, which refuses DTDs, so entity-expansion bombs and external entities are rejected
//! before any expansion happens.

pub mod arxiv_api;
pub mod arxiv_feed;
pub mod hf_daily;
pub mod jsonl;
mod xml;

use crate::paper::PaperObservation;

/// The papers of one response, plus the entries that had to be skipped.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ParsedBatch {
    pub papers: Vec<PaperObservation>,
    pub skipped: Vec<SkippedEntry>,
}

impl ParsedBatch {
    /// How many entries the response held, good or bad (used for paging).
    pub fn entry_count(&self) -> usize {
        self.papers.len() + self.skipped.len()
    }
}

/// A malformed entry: where it was, its id when it had a readable one, and why it was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    /// 0-based position among the document's entries (or 1-based line number for JSONL).
    pub position: usize,
    pub id: Option<String>,
    pub reason: String,
}

/// A response that cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("body is not valid UTF-8")]
    NotUtf8,
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("unexpected document: {0}")]
    Unexpected(String),
    /// arXiv answers an unknown category with a feed titled "Feed error for query".
    #[error("arXiv feed error: {0}")]
    FeedError(String),
    /// The arXiv API answers a bad query with a single entry titled "Error".
    #[error("arXiv API error: {0}")]
    ApiError(String),
}
