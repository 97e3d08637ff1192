//! Parses arXiv announcement feeds (the 2024+ `rss.arxiv.org` format), in both their RSS 2.0
//! (`/rss/<cats>`) and Atom (`/atom/<cats>`) variants, into observations of the papers
//! announced that day. The variant is told by the root element. Feeds carry the announced
//! version, the announce type (new, cross, replace) and the categories, but not the time of
//! first submission, so `submitted_at` stays empty and `updated_at` is the announcement time.
//! Pure: depends only on roxmltree, chrono and the paper and text helpers.

use chrono::{DateTime, Utc};
use roxmltree::Node;

use crate::feeds::{ParseError, ParsedBatch, SkippedEntry};
use crate::paper::{AnnounceType, PaperObservation, SourceKind, parse_versioned};
use crate::text::{normalize_whitespace, truncate_chars};

use super::xml::{self, ARXIV, ATOM, DUBLIN_CORE};

/// One announcement feed: its header and the papers it lists.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnouncementFeed {
    pub title: String,
    /// The channel `pubDate` (RSS) or feed `updated` (Atom), when present and readable.
    pub published: Option<DateTime<Utc>>,
    pub batch: ParsedBatch,
}

/// arXiv answers an unknown category with a well-formed feed under this title.
const FEED_ERROR_TITLE: &str = "Feed error for query";

/// Parses an RSS 2.0 or Atom announcement feed.
pub fn parse(body: &[u8]) -> Result<AnnouncementFeed, ParseError> {
    let document = xml::parse_document(body)?;
    let root = document.root_element();
    if xml::is(root, None, "rss") {
        let channel = xml::child(root, None, "channel")
            .ok_or_else(|| ParseError::Unexpected("RSS document without a <channel>".to_owned()))?;
        let header = FeedHeader {
            title: xml::child_text(channel, None, "title").unwrap_or_default(),
            published: xml::child_text(channel, None, "pubDate")
                .and_then(|date| parse_rfc2822(&date).ok()),
        };
        let items = xml::children(channel, None, "item").map(rss_item_fields);
        finish(header, items)
    } else if xml::is(root, Some(ATOM), "feed") {
        let header = FeedHeader {
            title: xml::child_text(root, Some(ATOM), "title").unwrap_or_default(),
            published: xml::child_text(root, Some(ATOM), "updated")
                .and_then(|date| xml::parse_rfc3339(&date).ok()),
        };
        let entries = xml::children(root, Some(ATOM), "entry").map(atom_entry_fields);
        finish(header, entries)
    } else {
        Err(ParseError::Unexpected(format!(
            "root element <{}> is neither an RSS 2.0 <rss> nor an Atom <feed>",
            truncate_chars(root.tag_name().name(), 100)
        )))
    }
}

struct FeedHeader {
    title: String,
    published: Option<DateTime<Utc>>,
}

fn finish(
    header: FeedHeader,
    entries: impl Iterator<Item = EntryFields>,
) -> Result<AnnouncementFeed, ParseError> {
    if header.title.starts_with(FEED_ERROR_TITLE) {
        return Err(ParseError::FeedError(header.title));
    }
    let mut batch = ParsedBatch::default();
    for (position, fields) in entries.enumerate() {
        match observe(fields) {
            Ok(paper) => batch.papers.push(paper),
            Err(skip) => batch.skipped.push(SkippedEntry {
                position,
                id: skip.id,
                reason: skip.reason,
            }),
        }
    }
    Ok(AnnouncementFeed {
        title: header.title,
        published: header.published,
        batch,
    })
}

/// What one item or entry says, before it is checked. Both variants carry the same facts
/// under different element names.
struct EntryFields {
    /// RSS `guid` or Atom `id`, e.g. `oai:arXiv.org:2609.26811v1`.
    guid: Option<String>,
    title: Option<String>,
    /// RSS `description` or Atom `summary`: `arXiv:IDvN Announce Type: T \nAbstract: ...`.
    description: String,
    categories: Vec<String>,
    authors: Vec<String>,
    announce_type: Option<String>,
    /// The announcement time: absent, or the raw text with its parse result.
    announced_at: Option<(String, Result<DateTime<Utc>, String>)>,
}

fn rss_item_fields(item: Node) -> EntryFields {
    EntryFields {
        guid: xml::child_text(item, None, "guid"),
        title: xml::child_text(item, None, "title"),
        description: xml::child(item, None, "description")
            .map(xml::text_of)
            .unwrap_or_default(),
        categories: dedup(xml::children(item, None, "category").map(xml::text_of)),
        authors: feed_authors(item, None),
        announce_type: xml::child_text(item, Some(ARXIV), "announce_type"),
        announced_at: xml::child_text(item, None, "pubDate").map(|date| {
            let parsed = parse_rfc2822(&date);
            (date, parsed)
        }),
    }
}

fn atom_entry_fields(entry: Node) -> EntryFields {
    let terms = xml::children(entry, Some(ATOM), "category")
        .filter_map(|category| category.attribute("term"))
        .map(str::to_owned);
    // `published` is the announcement day; `updated` is when the feed was built.
    let date = xml::child_text(entry, Some(ATOM), "published")
        .or_else(|| xml::child_text(entry, Some(ATOM), "updated"));
    EntryFields {
        guid: xml::child_text(entry, Some(ATOM), "id"),
        title: xml::child_text(entry, Some(ATOM), "title"),
        description: xml::child(entry, Some(ATOM), "summary")
            .map(xml::text_of)
            .unwrap_or_default(),
        categories: dedup(terms),
        authors: feed_authors(entry, Some(ATOM)),
        announce_type: xml::child_text(entry, Some(ARXIV), "announce_type"),
        announced_at: date.map(|date| {
            let parsed = xml::parse_rfc3339(&date);
            (date, parsed)
        }),
    }
}

/// Authors from `dc:creator`, which the feeds fill with the whole comma-separated list; an
/// Atom entry without it may still have standard `author/name` elements.
fn feed_authors(entry: Node, atom: Option<&str>) -> Vec<String> {
    let mut authors: Vec<String> = xml::children(entry, Some(DUBLIN_CORE), "creator")
        .flat_map(|creator| split_creators(&xml::text_of(creator)))
        .collect();
    if authors.is_empty() && atom.is_some() {
        authors = xml::children(entry, atom, "author")
            .filter_map(|author| xml::child_text(author, atom, "name"))
            .collect();
    }
    authors
}

/// Splits `A, B, C` into names; also `A, B and C` and `A, B, and C`, the joined forms
/// some arXiv listings use for the last name.
fn split_creators(list: &str) -> Vec<String> {
    let list = normalize_whitespace(list);
    let mut names: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    if let Some(last) = names.pop() {
        let last = last.strip_prefix("and ").unwrap_or(last);
        names.extend(
            last.split(" and ")
                .map(str::trim)
                .filter(|name| !name.is_empty()),
        );
    }
    names.into_iter().map(str::to_owned).collect()
}

/// Why an entry was skipped, and its id when one was readable.
struct Skip {
    id: Option<String>,
    reason: String,
}

fn observe(fields: EntryFields) -> Result<PaperObservation, Skip> {
    let description = DescriptionParts::split(&fields.description);
    let from_guid = fields.guid.as_deref().map(parse_versioned);
    let from_description = description.id.map(parse_versioned);
    let (id, version) = match (from_guid, from_description) {
        (Some(Ok(parsed)), _) | (_, Some(Ok(parsed))) => parsed,
        (Some(Err(_)), _) => {
            let guid = fields.guid.unwrap_or_default();
            return Err(Skip {
                reason: format!(
                    "invalid guid {:?} and no valid arXiv id in the description",
                    truncate_chars(&guid, 100)
                ),
                id: Some(truncate_chars(&guid, 100).to_owned()),
            });
        }
        (None, Some(Err(_))) => {
            let token = description.id.unwrap_or_default();
            return Err(Skip {
                reason: format!(
                    "no guid and invalid id {:?} in the description",
                    truncate_chars(token, 100)
                ),
                id: Some(truncate_chars(token, 100).to_owned()),
            });
        }
        (None, None) => {
            return Err(Skip {
                id: None,
                reason: "no id: neither a guid nor an arXiv id in the description".to_owned(),
            });
        }
    };
    let skip = |reason: String| Skip {
        id: Some(id.to_string()),
        reason,
    };
    let Some(title) = fields.title else {
        return Err(skip("missing title".to_owned()));
    };
    let updated_at = match fields.announced_at {
        None => None,
        Some((_, Ok(date))) => Some(date),
        Some((raw, Err(error))) => {
            return Err(skip(format!(
                "bad date {:?}: {error}",
                truncate_chars(&raw, 100)
            )));
        }
    };
    let announce = fields
        .announce_type
        .as_deref()
        .and_then(AnnounceType::parse)
        .or_else(|| description.announce_type.and_then(AnnounceType::parse));
    let abstract_text = normalize_whitespace(description.abstract_text);
    Ok(PaperObservation {
        version,
        title: Some(title),
        abstract_text: (!abstract_text.is_empty()).then_some(abstract_text),
        authors: fields.authors,
        categories: fields.categories,
        updated_at,
        announce,
        ..PaperObservation::new(id, SourceKind::ArxivFeed)
    })
}

/// The parts of a feed description: `arXiv:2609.26811v1 Announce Type: new \nAbstract: ...`.
/// Each header part is optional; whatever follows the header is the abstract.
struct DescriptionParts<'a> {
    id: Option<&'a str>,
    announce_type: Option<&'a str>,
    abstract_text: &'a str,
}

impl<'a> DescriptionParts<'a> {
    fn split(description: &'a str) -> DescriptionParts<'a> {
        let mut rest = description.trim_start();
        let mut id = None;
        if rest.starts_with("arXiv:") {
            let (token, after) = split_first_word(rest);
            id = Some(token);
            rest = after;
        }
        let mut announce_type = None;
        if let Some(after) = rest.strip_prefix("Announce Type:") {
            let (kind, after) = split_first_word(after.trim_start());
            announce_type = Some(kind);
            rest = after;
        }
        let abstract_text = rest.strip_prefix("Abstract:").unwrap_or(rest);
        DescriptionParts {
            id,
            announce_type,
            abstract_text,
        }
    }
}

/// Splits off the first whitespace-delimited word and returns it and the trimmed rest.
fn split_first_word(s: &str) -> (&str, &str) {
    match s.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim_start()),
        None => (s, ""),
    }
}

/// Keeps the first occurrence of each value, in order; a primary category listed again
/// among the others must not move.
fn dedup(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for value in values {
        let value = normalize_whitespace(&value);
        if !value.is_empty() && !kept.contains(&value) {
            kept.push(value);
        }
    }
    kept
}

fn parse_rfc2822(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc2822(s.trim())
        .map(|date| date.with_timezone(&Utc))
        .map_err(|error| error.to_string())
}
