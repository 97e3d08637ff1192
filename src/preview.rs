//! `/preview` and `paperboy preview`: how noisy a follow would be. Pure.
//!
//! Given papers with the time each would have reached a digest, counts the matches in the
//! last N days for a few windows and ranks them by match strength, so a reader can tune a
//! query before following it.

use chrono::{DateTime, Duration, Utc};

use crate::matching::FollowQuery;
use crate::paper::Paper;
use crate::query::eval::{Doc, DocFrequencies, TermWeights};

/// One paper in the preview's pool, analyzed once.
pub struct PoolPaper<'a> {
    pub paper: &'a Paper,
    /// When it would have reached a digest (stored time, or publication time in a corpus).
    pub at: DateTime<Utc>,
    pub doc: Doc,
}

impl<'a> PoolPaper<'a> {
    pub fn new(paper: &'a Paper, at: DateTime<Utc>) -> PoolPaper<'a> {
        PoolPaper {
            paper,
            at,
            doc: Doc::from_paper(paper),
        }
    }
}

/// Document frequencies of a pool, to weigh rare terms above common ones.
pub fn pool_weights(pool: &[PoolPaper<'_>]) -> DocFrequencies {
    let mut frequencies = DocFrequencies::default();
    for paper in pool {
        frequencies.add(&paper.doc);
    }
    frequencies
}

/// A scored match.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored<'a> {
    pub paper: &'a Paper,
    pub score: f32,
}

/// What a preview found.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview<'a> {
    /// (days, matches in the last that many days), for each window asked.
    pub counts: Vec<(u32, usize)>,
    /// Matches in the widest window, best first.
    pub matches: Vec<Scored<'a>>,
}

/// Matches `query` against the pool's papers of the last `max(windows)` days before `now`.
pub fn preview<'a>(
    query: &FollowQuery,
    pool: &[PoolPaper<'a>],
    windows: &[u32],
    now: DateTime<Utc>,
    weights: &dyn TermWeights,
) -> Preview<'a> {
    let widest = windows.iter().copied().max().unwrap_or(30);
    let since = |days: u32| now - Duration::days(i64::from(days));
    let mut matches: Vec<(Scored<'a>, DateTime<Utc>)> = pool
        .iter()
        .filter(|p| p.at > since(widest) && p.at <= now)
        .filter_map(|p| {
            query.explain(&p.doc, weights).map(|detail| {
                (
                    Scored {
                        paper: p.paper,
                        score: detail.strength,
                    },
                    p.at,
                )
            })
        })
        .collect();
    let counts = windows
        .iter()
        .map(|&days| {
            let count = matches.iter().filter(|(_, at)| *at > since(days)).count();
            (days, count)
        })
        .collect();
    matches.sort_by(|(a, _), (b, _)| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.paper.id.cmp(&b.paper.id))
    });
    Preview {
        counts,
        matches: matches.into_iter().map(|(scored, _)| scored).collect(),
    }
}
