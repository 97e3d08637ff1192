//! Digest building: which papers a subscriber gets, in what order, and how they read.
//!
//! Pure. The shell hands in the candidate papers (stored in the digest's period, discovered
//! as announcements), the subscriber's follows, what was already sent to them, and the day's
//! trending papers; out comes a [`Digest`] (ids and reasons) and its rendering as a
//! [`Reply`]. A paper that cannot be rendered is skipped and reported, never the digest.

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::matching::FollowQuery;
use crate::paper::{Paper, PaperId};
use crate::query::eval::{Doc, TermWeights};
use crate::reply::{Block, PaperItem, Reply};
use crate::subscriber::{DigestMode, Follow, Subscriber};

/// Size limits of a digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigestLimits {
    /// Keyword matches shown; the rest are counted as "and N more".
    pub max_items: usize,
    /// Trending papers shown in `trending` and `both` modes.
    pub trending_count: usize,
    /// Longest follow query, for re-parsing stored follows.
    pub max_query_chars: usize,
}

impl Default for DigestLimits {
    fn default() -> DigestLimits {
        DigestLimits {
            max_items: 20,
            trending_count: 10,
            max_query_chars: 200,
        }
    }
}

/// One matched paper and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigestEntry {
    pub id: PaperId,
    /// The follows that matched, in the subscriber's (normalized) words.
    pub matched: Vec<String>,
    pub strength: f32,
}

/// What one digest holds, before rendering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    /// Papers stored in `[period_from, period_until)` were considered.
    pub period_from: DateTime<Utc>,
    pub period_until: DateTime<Utc>,
    pub entries: Vec<DigestEntry>,
    /// Matches beyond `max_items`.
    pub more: usize,
    /// The day's most upvoted papers (trending modes), not already in `entries`.
    pub trending: Vec<PaperId>,
    pub trending_day: Option<NaiveDate>,
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.trending.is_empty()
    }

    /// Every paper the digest shows.
    pub fn paper_ids(&self) -> impl Iterator<Item = &PaperId> {
        self.entries.iter().map(|e| &e.id).chain(&self.trending)
    }
}

/// A paper that matched at least one of the subscriber's follows.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate<'a> {
    pub paper: &'a Paper,
    /// The follows that matched, in normal form.
    pub matched: Vec<String>,
    pub strength: f32,
}

/// Everything a digest is built from.
pub struct DigestInput<'a> {
    pub subscriber: &'a Subscriber,
    /// Papers of the period that matched the subscriber's follows (announcements only).
    pub matches: &'a [Candidate<'a>],
    /// Papers this subscriber was ever sent.
    pub already_sent: &'a HashSet<PaperId>,
    /// Recently featured Hugging Face papers, any order; only the latest day is used.
    pub trending: &'a [Paper],
    pub period_from: DateTime<Utc>,
    pub period_until: DateTime<Utc>,
    pub limits: DigestLimits,
}

/// Matches papers against one subscriber's follows: the path for a single subscriber
/// (`/digest`, dry runs). The scheduler gets the same candidates from the engine.
pub fn match_follows<'a>(
    follows: &[Follow],
    papers: &[(&'a Paper, &Doc)],
    weights: &dyn TermWeights,
    max_query_chars: usize,
) -> Vec<Candidate<'a>> {
    let queries: Vec<FollowQuery> = follows
        .iter()
        .filter_map(|f| FollowQuery::parse(&f.query, max_query_chars).ok())
        .collect();
    papers
        .iter()
        .filter_map(|(paper, doc)| {
            let mut candidate = Candidate {
                paper,
                matched: Vec::new(),
                strength: 0.0,
            };
            for query in &queries {
                if let Some(detail) = query.explain(doc, weights) {
                    candidate.strength += detail.strength;
                    candidate.matched.push(query.normalized());
                }
            }
            (!candidate.matched.is_empty()).then_some(candidate)
        })
        .collect()
}

pub fn build_digest(input: &DigestInput<'_>) -> Digest {
    let mode = input.subscriber.mode;
    let mut entries = Vec::new();
    if matches!(mode, DigestMode::Follows | DigestMode::Both) {
        let mut seen = HashSet::new();
        let mut ranked: Vec<(&Paper, DigestEntry)> = input
            .matches
            .iter()
            .filter(|c| !input.already_sent.contains(&c.paper.id) && seen.insert(&c.paper.id))
            .map(|c| {
                let entry = DigestEntry {
                    id: c.paper.id.clone(),
                    matched: c.matched.clone(),
                    strength: c.strength,
                };
                (c.paper, entry)
            })
            .collect();
        ranked.sort_by(|(pa, a), (pb, b)| rank(pa, a.strength, pb, b.strength));
        entries = ranked.into_iter().map(|(_, e)| e).collect();
    }
    let more = entries.len().saturating_sub(input.limits.max_items);
    entries.truncate(input.limits.max_items);

    let (trending, trending_day) = if matches!(mode, DigestMode::Trending | DigestMode::Both) {
        // The latest day is chosen before anything is filtered out: once its papers are all
        // sent, trending is empty until a new day arrives, never an older day's leftovers.
        let all: Vec<&Paper> = input.trending.iter().collect();
        let (of_day, day) = top_trending(&all, usize::MAX);
        let shown: HashSet<&PaperId> = entries.iter().map(|e| &e.id).collect();
        let top: Vec<PaperId> = of_day
            .into_iter()
            .filter(|p| !shown.contains(&p.id) && !input.already_sent.contains(&p.id))
            .take(input.limits.trending_count)
            .map(|p| p.id.clone())
            .collect();
        let day = if top.is_empty() { None } else { day };
        (top, day)
    } else {
        (Vec::new(), None)
    };

    Digest {
        period_from: input.period_from,
        period_until: input.period_until,
        entries,
        more,
        trending,
        trending_day,
    }
}

/// Strength, then Hugging Face upvotes, then recency, then id (for a stable order).
fn rank(a: &Paper, a_strength: f32, b: &Paper, b_strength: f32) -> Ordering {
    b_strength
        .partial_cmp(&a_strength)
        .unwrap_or(Ordering::Equal)
        .then_with(|| upvotes(b).cmp(&upvotes(a)))
        .then_with(|| recency(b).cmp(&recency(a)))
        .then_with(|| a.id.cmp(&b.id))
}

fn upvotes(p: &Paper) -> u32 {
    p.hf.as_ref().map_or(0, |h| h.upvotes)
}

fn recency(p: &Paper) -> DateTime<Utc> {
    p.submitted_at.unwrap_or(p.stored_at)
}

/// The most upvoted papers of the latest featured day among `papers`.
pub fn top_trending<'a>(papers: &[&'a Paper], count: usize) -> (Vec<&'a Paper>, Option<NaiveDate>) {
    let day = papers
        .iter()
        .filter_map(|p| p.hf.as_ref().and_then(|h| h.featured_on))
        .max();
    let Some(day) = day else {
        return (Vec::new(), None);
    };
    let mut of_day: Vec<&Paper> = papers
        .iter()
        .copied()
        .filter(|p| p.hf.as_ref().and_then(|h| h.featured_on) == Some(day))
        .collect();
    of_day.sort_by(|a, b| upvotes(b).cmp(&upvotes(a)).then_with(|| a.id.cmp(&b.id)));
    of_day.truncate(count);
    (of_day, Some(day))
}

/// A paper that could not be rendered, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedPaper {
    pub id: PaperId,
    pub reason: String,
}

/// Renders a digest. `lookup` finds a paper by id (the shell's store or a map).
pub fn render_digest<'a>(
    digest: &Digest,
    lookup: impl Fn(&PaperId) -> Option<&'a Paper>,
) -> (Reply, Vec<SkippedPaper>) {
    let mut reply = Reply::new();
    let mut skipped = Vec::new();
    let mut item = |id: &PaperId, matched: &[String]| match lookup(id) {
        None => {
            skipped.push(SkippedPaper {
                id: id.clone(),
                reason: "not in the store".into(),
            });
            None
        }
        Some(paper) => match paper_item(paper, matched) {
            Ok(item) => Some(item),
            Err(reason) => {
                skipped.push(SkippedPaper {
                    id: id.clone(),
                    reason,
                });
                None
            }
        },
    };
    let matched_items: Vec<PaperItem> = digest
        .entries
        .iter()
        .filter_map(|e| item(&e.id, &e.matched))
        .collect();
    let trending_items: Vec<PaperItem> = digest
        .trending
        .iter()
        .filter_map(|id| item(id, &[]))
        .collect();

    if !matched_items.is_empty() {
        let n = matched_items.len() + digest.more;
        reply.push(Block::Heading(format!(
            "{n} new paper{} for your follows",
            if n == 1 { "" } else { "s" }
        )));
        reply.push(Block::Papers(matched_items));
        if digest.more > 0 {
            reply.push(Block::Hint(format!(
                "and {} more; narrow your follows to see fewer",
                digest.more
            )));
        }
    }
    if !trending_items.is_empty() {
        let day = digest
            .trending_day
            .map(|d| format!(" ({})", d.format("%a %d %b")))
            .unwrap_or_default();
        reply.push(Block::Heading(format!("Trending on Hugging Face{day}")));
        reply.push(Block::Papers(trending_items));
    }
    (reply, skipped)
}

/// The subject line: "paperboy: 7 new papers for diffusion, au:lecun".
pub fn subject(digest: &Digest) -> String {
    let n = digest.entries.len() + digest.more;
    let mut follows: Vec<&str> = Vec::new();
    for entry in &digest.entries {
        for follow in &entry.matched {
            if !follows.contains(&follow.as_str()) {
                follows.push(follow);
            }
        }
    }
    match (n, digest.trending.len()) {
        (0, t) => format!(
            "paperboy: {t} trending paper{}",
            if t == 1 { "" } else { "s" }
        ),
        (n, _) => {
            let mut names = follows
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if follows.len() > 3 {
                names.push_str(", …");
            }
            format!(
                "paperboy: {n} new paper{} for {names}",
                if n == 1 { "" } else { "s" }
            )
        }
    }
}

const MAX_TITLE_CHARS: usize = 300;
const SNIPPET_CHARS: usize = 240;
const SHOWN_AUTHORS: usize = 3;

/// One paper as a reader sees it. Errors only when there is nothing sensible to show.
pub fn paper_item(paper: &Paper, matched: &[String]) -> Result<PaperItem, String> {
    let title = single_line(&paper.title);
    if title.is_empty() {
        return Err("it has no title".into());
    }
    Ok(PaperItem {
        id: paper.id.to_string(),
        title: shorten(&title, MAX_TITLE_CHARS),
        authors: short_authors(&paper.authors),
        url: paper.abs_url(),
        matched: matched.to_vec(),
        shared: Vec::new(),
        upvotes: paper.hf.as_ref().map(|h| h.upvotes).filter(|u| *u > 0),
        snippet: shorten(&single_line(&paper.abstract_text), SNIPPET_CHARS),
    })
}

/// "A, B, C et al." for long lists; "A and B" for two.
pub fn short_authors(authors: &[String]) -> String {
    let names: Vec<String> = authors
        .iter()
        .map(|a| shorten(&single_line(a), 60))
        .filter(|a| !a.is_empty())
        .collect();
    match names.len() {
        0 => "Unknown authors".into(),
        1 => names[0].clone(),
        2 => format!("{} and {}", names[0], names[1]),
        n if n <= SHOWN_AUTHORS => names.join(", "),
        _ => format!("{} et al.", names[..SHOWN_AUTHORS].join(", ")),
    }
}

/// Control characters (which could forge lines or headers) become spaces; whitespace collapses.
fn single_line(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::text::normalize_whitespace(&cleaned)
}

/// Cuts at a word boundary within `max_chars`, adding "…".
fn shorten(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let cut = crate::text::truncate_chars(s, max_chars.saturating_sub(1));
    let cut = match cut.rfind(' ') {
        Some(space) if space > cut.len() / 2 => &cut[..space],
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}
