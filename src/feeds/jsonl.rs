//! Parses one line of the normalized paper JSONL that `paperboy import` reads (the format of
//! the corpora under `shared/data`: `id`, `title`, `abstract`, `authors`, `categories`,
//! `published`, `source`, and optional Hugging Face fields). Imports run over tens of
//! thousands of lines, so a line is deserialized into borrowed text that is copied only
//! where JSON escapes force it. Pure: depends only on serde, chrono and the paper and text
//! helpers.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::paper::{HfSignals, PaperObservation, SourceKind, parse_versioned};
use crate::text::{normalize_whitespace, truncate_chars};

/// A string borrowed from the line unless it holds escapes. serde borrows a `Cow` only when
/// it is a field's own type, not inside `Option` or `Vec`; this newtype carries it there.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// One line. Unknown fields (such as the informational `source`) are ignored.
#[derive(Deserialize)]
struct PaperLine<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow)]
    title: Option<Text<'a>>,
    #[serde(borrow, rename = "abstract")]
    abstract_text: Option<Text<'a>>,
    #[serde(borrow)]
    authors: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    categories: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    published: Option<Text<'a>>,
    #[serde(borrow)]
    comment: Option<Text<'a>>,
    upvotes: Option<u32>,
    num_comments: Option<u32>,
    #[serde(borrow)]
    hf_submitted_on_daily_at: Option<Text<'a>>,
    #[serde(borrow)]
    ai_keywords: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    github_repo: Option<Text<'a>>,
}

/// Parses one JSONL line. The error is the reason the line is skipped.
pub fn parse_line(line: &str) -> Result<PaperObservation, String> {
    if line.trim().is_empty() {
        return Err("empty line".to_owned());
    }
    let row: PaperLine = serde_json::from_str(line).map_err(|error| error.to_string())?;
    let raw_id = row.id.ok_or("missing id")?;
    let (id, version) = parse_versioned(&raw_id.0).map_err(|error| error.to_string())?;
    let title = non_empty(row.title).ok_or("missing title")?;
    let submitted_at = row
        .published
        .map(|raw| parse_date("published", &raw.0))
        .transpose()?;
    let featured_on = row
        .hf_submitted_on_daily_at
        .as_ref()
        .map(|raw| parse_date("hf_submitted_on_daily_at", &raw.0).map(|date| date.date_naive()))
        .transpose()?;

    let has_hf_fields = row.upvotes.is_some()
        || row.num_comments.is_some()
        || row.hf_submitted_on_daily_at.is_some()
        || row.ai_keywords.is_some()
        || row.github_repo.is_some();
    let hf = has_hf_fields.then(|| HfSignals {
        upvotes: row.upvotes.unwrap_or(0),
        num_comments: row.num_comments,
        github_repo: non_empty(row.github_repo),
        keywords: non_empty_all(row.ai_keywords),
        featured_on,
        ..HfSignals::default()
    });
    Ok(PaperObservation {
        version,
        title: Some(title),
        abstract_text: non_empty(row.abstract_text),
        authors: non_empty_all(row.authors),
        categories: non_empty_all(row.categories),
        submitted_at,
        comment: non_empty(row.comment),
        hf,
        ..PaperObservation::new(id, SourceKind::Import)
    })
}

/// Whitespace-normalized text, or `None` when there is none.
fn non_empty(text: Option<Text>) -> Option<String> {
    let text = normalize_whitespace(&text?.0);
    (!text.is_empty()).then_some(text)
}

/// Every non-empty value of a list, normalized, in order.
fn non_empty_all(list: Option<Vec<Text>>) -> Vec<String> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|text| non_empty(Some(text)))
        .collect()
}

fn parse_date(field: &str, raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|date| date.with_timezone(&Utc))
        .map_err(|error| format!("bad {field} {:?}: {error}", truncate_chars(raw, 100)))
}
