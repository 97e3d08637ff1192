//! Parses a Hugging Face Daily Papers response (`GET /api/daily_papers?date=YYYY-MM-DD`, a
//! JSON array of items each wrapping a `paper`) into observations with their Hugging Face
//! signals (upvotes, comments, code links, keywords, the day the paper was featured). The
//! API has no arXiv version or categories. Each item is read on its own, so one malformed
//! item is skipped without losing the rest. Pure: depends only on serde, chrono and the
//! paper and text helpers.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::feeds::{ParseError, ParsedBatch, SkippedEntry};
use crate::paper::{HfSignals, PaperObservation, SourceKind, parse_versioned};
use crate::text::{normalize_whitespace, truncate_chars};

/// One element of the response array. Only the fields paperboy uses; every one may be
/// missing or null.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DailyItem {
    paper: Option<DailyPaper>,
    num_comments: Option<u32>,
    // The item-level `publishedAt` is US Eastern wall time written with a `Z`, hours off the
    // real submission time, so it is deliberately not read; `paper.publishedAt` is.
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DailyPaper {
    id: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    authors: Option<Vec<DailyAuthor>>,
    published_at: Option<String>,
    submitted_on_daily_at: Option<String>,
    upvotes: Option<u32>,
    github_repo: Option<String>,
    github_stars: Option<u32>,
    project_page: Option<String>,
    #[serde(rename = "ai_keywords")]
    ai_keywords: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct DailyAuthor {
    name: Option<String>,
}

/// Parses a Daily Papers response. `[]` is an empty batch; anything but a JSON array is
/// [`ParseError::Json`].
pub fn parse(body: &[u8]) -> Result<ParsedBatch, ParseError> {
    // Values first, typed items second: a type error in one item must not fail the array.
    let items: Vec<Value> = serde_json::from_slice(body).map_err(|error| {
        if error.classify() == serde_json::error::Category::Data {
            ParseError::Json(format!("expected an array of daily-paper items: {error}"))
        } else {
            ParseError::Json(error.to_string())
        }
    })?;
    let mut batch = ParsedBatch::default();
    for (position, item) in items.iter().enumerate() {
        match observe(item) {
            Ok(paper) => batch.papers.push(paper),
            Err(reason) => batch.skipped.push(SkippedEntry {
                position,
                id: item
                    .pointer("/paper/id")
                    .and_then(Value::as_str)
                    .map(|id| truncate_chars(id, 100).to_owned()),
                reason,
            }),
        }
    }
    Ok(batch)
}

fn observe(item: &Value) -> Result<PaperObservation, String> {
    if !item.is_object() {
        return Err("item is not a JSON object".to_owned());
    }
    let item = DailyItem::deserialize(item).map_err(|error| format!("malformed item: {error}"))?;
    let paper = item.paper.ok_or("item has no paper")?;
    let raw_id = paper.id.as_deref().ok_or("paper has no id")?;
    // The API sends bare ids. Should one ever carry a version it is dropped: a version from
    // Hugging Face would let its text outrank arXiv's in the merge.
    let (id, _version) = parse_versioned(raw_id).map_err(|error| error.to_string())?;

    let title = non_empty(paper.title.as_deref()).ok_or("paper has no title")?;
    let submitted_at = paper
        .published_at
        .as_deref()
        .map(|raw| parse_date("paper.publishedAt", raw))
        .transpose()?;
    let featured_on = paper
        .submitted_on_daily_at
        .as_deref()
        .map(|raw| parse_date("paper.submittedOnDailyAt", raw).map(|date| date.date_naive()))
        .transpose()?;

    let authors = paper
        .authors
        .unwrap_or_default()
        .into_iter()
        .filter_map(|author| non_empty(author.name.as_deref()))
        .collect();
    let keywords = paper
        .ai_keywords
        .unwrap_or_default()
        .iter()
        .filter_map(|keyword| non_empty(Some(keyword)))
        .collect();
    let hf = HfSignals {
        upvotes: paper.upvotes.unwrap_or(0),
        num_comments: item.num_comments,
        github_repo: non_empty(paper.github_repo.as_deref()),
        github_stars: paper.github_stars,
        project_page: non_empty(paper.project_page.as_deref()),
        keywords,
        featured_on,
    };
    Ok(PaperObservation {
        title: Some(title),
        abstract_text: non_empty(paper.summary.as_deref()),
        authors,
        submitted_at,
        hf: Some(hf),
        ..PaperObservation::new(id, SourceKind::HfDaily)
    })
}

/// Whitespace-normalized text, or `None` when there is none.
fn non_empty(text: Option<&str>) -> Option<String> {
    let text = normalize_whitespace(text?);
    (!text.is_empty()).then_some(text)
}

fn parse_date(field: &str, raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|date| date.with_timezone(&Utc))
        .map_err(|error| format!("bad {field} {:?}: {error}", truncate_chars(raw, 100)))
}
