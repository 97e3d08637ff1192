//! Parses one page of an arXiv API response (`export.arxiv.org/api/query`, Atom) into
//! observations, plus the OpenSearch counters the caller pages with. The API is the most
//! authoritative source: it gives the version, the first-submission and last-update times,
//! the primary category and the author comment. Pure: depends only on roxmltree (through
//! the shared helpers in [`super::arxiv_feed`]), chrono and the paper and text helpers.

use chrono::{DateTime, Utc};
use roxmltree::Node;

use super::xml::{self, ARXIV, ATOM};
use crate::feeds::{ParseError, ParsedBatch, SkippedEntry};
use crate::paper::{PaperObservation, SourceKind, parse_versioned};
use crate::text::{normalize_whitespace, truncate_chars};

const OPENSEARCH: &str = "http://a9.com/-/spec/opensearch/1.1/";

/// The API reports a bad query as a feed whose only entry has an id under this prefix.
const ERROR_ID_PREFIXES: [&str; 2] = [
    "http://arxiv.org/api/errors",
    "https://arxiv.org/api/errors",
];

/// One page of API results.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiPage {
    /// How many entries match the query in all (`opensearch:totalResults`).
    pub total_results: Option<u64>,
    /// The 0-based offset of this page (`opensearch:startIndex`).
    pub start_index: Option<u64>,
    pub items_per_page: Option<u64>,
    pub batch: ParsedBatch,
}

/// Parses an API response page. A bad query answered with an error entry is
/// [`ParseError::ApiError`] carrying arXiv's explanation.
pub fn parse(body: &[u8]) -> Result<ApiPage, ParseError> {
    let document = xml::parse_document(body)?;
    let feed = document.root_element();
    if !xml::is(feed, Some(ATOM), "feed") {
        return Err(ParseError::Unexpected(format!(
            "root element <{}> is not an Atom <feed>",
            truncate_chars(feed.tag_name().name(), 100)
        )));
    }
    let counter = |name: &str| {
        xml::child_text(feed, Some(OPENSEARCH), name).and_then(|text| text.parse::<u64>().ok())
    };
    let mut page = ApiPage {
        total_results: counter("totalResults"),
        start_index: counter("startIndex"),
        items_per_page: counter("itemsPerPage"),
        batch: ParsedBatch::default(),
    };
    for (position, entry) in xml::children(feed, Some(ATOM), "entry").enumerate() {
        let raw_id = xml::child_text(entry, Some(ATOM), "id");
        if let Some(raw_id) = &raw_id
            && ERROR_ID_PREFIXES
                .iter()
                .any(|prefix| raw_id.starts_with(prefix))
        {
            let message =
                xml::child_text(entry, Some(ATOM), "summary").unwrap_or_else(|| raw_id.clone());
            return Err(ParseError::ApiError(message));
        }
        match observe(entry, raw_id) {
            Ok(paper) => page.batch.papers.push(paper),
            Err((id, reason)) => page.batch.skipped.push(SkippedEntry {
                position,
                id,
                reason,
            }),
        }
    }
    Ok(page)
}

/// Reads one entry; on failure returns the readable id, if any, and why it was skipped.
fn observe(
    entry: Node,
    raw_id: Option<String>,
) -> Result<PaperObservation, (Option<String>, String)> {
    let Some(raw_id) = raw_id else {
        return Err((None, "entry has no id".to_owned()));
    };
    let (id, version) = parse_versioned(&raw_id).map_err(|_| {
        let shown = truncate_chars(&raw_id, 100).to_owned();
        (Some(shown.clone()), format!("invalid id {shown:?}"))
    })?;
    let skip = |reason: String| (Some(id.to_string()), reason);
    let title =
        xml::child_text(entry, Some(ATOM), "title").ok_or_else(|| skip("missing title".into()))?;
    let submitted_at = entry_date(entry, "published").map_err(skip)?;
    let updated_at = entry_date(entry, "updated").map_err(skip)?;

    let authors = xml::children(entry, Some(ATOM), "author")
        .filter_map(|author| xml::child_text(author, Some(ATOM), "name"))
        .collect();
    // The primary category is not always listed first among the `category` elements.
    let primary = xml::child(entry, Some(ARXIV), "primary_category");
    let mut categories: Vec<String> = Vec::new();
    for term in primary
        .into_iter()
        .chain(xml::children(entry, Some(ATOM), "category"))
        .filter_map(|category| category.attribute("term"))
    {
        let term = normalize_whitespace(term);
        if !term.is_empty() && !categories.contains(&term) {
            categories.push(term);
        }
    }

    Ok(PaperObservation {
        version,
        title: Some(title),
        abstract_text: xml::child_text(entry, Some(ATOM), "summary"),
        authors,
        categories,
        submitted_at,
        updated_at,
        comment: xml::child_text(entry, Some(ARXIV), "comment"),
        ..PaperObservation::new(id, SourceKind::ArxivApi)
    })
}

/// An Atom date child: absent is `None`, unreadable is an error naming it.
fn entry_date(entry: Node, name: &str) -> Result<Option<DateTime<Utc>>, String> {
    let Some(raw) = xml::child_text(entry, Some(ATOM), name) else {
        return Ok(None);
    };
    xml::parse_rfc3339(&raw)
        .map(Some)
        .map_err(|error| format!("bad <{name}> date {:?}: {error}", truncate_chars(&raw, 100)))
}
