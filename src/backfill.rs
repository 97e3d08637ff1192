//! `paperboy backfill --from DATE --to DATE`: loads a past date range from the arXiv API
//! (search by submission date over the configured categories, paged, paced by arXiv's
//! terms) and from Hugging Face Daily Papers (day by day).
//!
//! Backfilled papers are stored as [`Discovery::Backfill`]: they enrich search and related
//! papers but are never announced in digests as new.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use tokio_util::sync::CancellationToken;

use crate::feeds::arxiv_api;
use crate::ingest::{IngestError, Ingestor, Poll, RequestError};
use crate::paper::Discovery;
use crate::sources::{arxiv_api_search_url, arxiv_backfill_query};
use crate::store::MergeCounts;

/// arXiv's API now and then answers a page inside the result set with no entries; asking
/// again usually works.
const EMPTY_PAGE_RETRIES: u32 = 2;

/// Which sources to backfill from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackfillRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub arxiv: bool,
    pub hf: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackfillReport {
    pub counts: MergeCounts,
    pub skipped_entries: usize,
    /// Requests that failed; the range may have gaps, and a rerun fills them.
    pub errors: Vec<String>,
    pub interrupted: bool,
}

/// Progress callbacks, so the CLI can draw a bar and tests can stay quiet.
pub trait Progress: Sync {
    fn set_total(&self, total: u64);
    fn advance(&self, done: u64, message: &str);
}

/// Progress nobody watches: ingest's catch-up after an outage.
pub(crate) struct NoProgress;

impl Progress for NoProgress {
    fn set_total(&self, _total: u64) {}
    fn advance(&self, _done: u64, _message: &str) {}
}

pub async fn backfill(
    ingestor: &Ingestor,
    request: BackfillRequest,
    now: DateTime<Utc>,
    progress: &dyn Progress,
    shutdown: &CancellationToken,
) -> Result<BackfillReport, IngestError> {
    let mut report = BackfillReport::default();
    let no_validators = BTreeMap::new();
    let mut poll = Poll::new(&no_validators);
    let days: Vec<NaiveDate> = request
        .from
        .iter_days()
        .take_while(|d| *d <= request.to)
        .collect();

    if request.arxiv {
        let dates = (request.from, request.to);
        let discovery = Discovery::Backfill;
        backfill_arxiv(
            ingestor, dates, discovery, &mut poll, now, progress, shutdown,
        )
        .await?;
    }
    if request.hf && !shutdown.is_cancelled() {
        let hf = &ingestor.config().sources.hf;
        progress.set_total(days.len() as u64);
        for (done, date) in days.iter().enumerate() {
            if shutdown.is_cancelled() {
                break;
            }
            ingestor
                .hf_day(
                    &mut poll,
                    "hf",
                    &hf.base_url,
                    *date,
                    hf.page_size,
                    Discovery::Backfill,
                    now,
                )
                .await?;
            progress.advance(done as u64 + 1, &format!("Hugging Face {date}"));
        }
    }
    report.interrupted = shutdown.is_cancelled();
    report.counts = poll.counts;
    report.skipped_entries = poll.skipped_entries;
    report.errors.extend(poll.first_error);
    ingestor.store().flush_async().await?;
    Ok(report)
}

/// Every paper submitted in the configured categories between `dates` (inclusive), page by
/// page from the arXiv API, stored as `discovery`: [`Discovery::Backfill`] for the command,
/// [`Discovery::Announcement`] when ingest catches up on announcements it missed.
pub(crate) async fn backfill_arxiv(
    ingestor: &Ingestor,
    (from, to): (NaiveDate, NaiveDate),
    discovery: Discovery,
    poll: &mut Poll<'_>,
    now: DateTime<Utc>,
    progress: &dyn Progress,
    shutdown: &CancellationToken,
) -> Result<(), IngestError> {
    let arxiv = &ingestor.config().sources.arxiv;
    let query = arxiv_backfill_query(&arxiv.categories, from, to);
    let mut start: u64 = 0;
    let mut empty_retries = 0;
    loop {
        if shutdown.is_cancelled() {
            return Ok(());
        }
        let url = arxiv_api_search_url(&arxiv.api_url, &query, start, arxiv.api_page_size);
        let fetched = ingestor
            .fetch_bytes(poll, &url, Some(ingestor.arxiv_gate()))
            .await
            .and_then(|bytes| {
                bytes
                    .map(|b| arxiv_api::parse(&b))
                    .transpose()
                    .map_err(|source| RequestError::Parse {
                        location: url.clone(),
                        source,
                    })
            });
        let page = match fetched {
            Ok(Some(page)) => page,
            Ok(None) => return Ok(()),
            Err(err) => {
                // A failed page ends the arXiv part: later pages would leave a silent gap.
                poll.fail("arxiv-api", &url, &err);
                return Ok(());
            }
        };
        let total = page.total_results;
        let entries = page.batch.entry_count() as u64;
        ingestor.store_batch(poll, "arxiv-api", page.batch, discovery, now)?;
        ingestor.store().flush_async().await?;
        if let Some(total) = total {
            progress.set_total(total);
        }
        start += entries;
        progress.advance(start, "arXiv API");
        let total = total.unwrap_or(0);
        if start >= total {
            return Ok(());
        }
        if entries == 0 {
            empty_retries += 1;
            if empty_retries > EMPTY_PAGE_RETRIES {
                let error = format!(
                    "arXiv API returned empty pages at {start} of {total}; stopping (rerun to resume)"
                );
                tracing::warn!(url, "{error}");
                poll.first_error.get_or_insert(error);
                return Ok(());
            }
        } else {
            empty_retries = 0;
        }
    }
}
