//! Polls every configured source once: fetch, parse, merge into the store, record health.
//!
//! The shell around the pure parts: `sources` says what to ask for, `feeds` turns bytes into
//! observations, `paper::merge` (through the store) decides what changes, `health` judges.
//! One failing source or one malformed entry is logged and skipped; it never stops the
//! others. A source's conditional-GET validators are saved only after its papers are stored,
//! so a crash in between re-reads rather than loses a batch.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{Config, FileFormat};
use crate::feeds::{self, ParseError, ParsedBatch};
use crate::fetch::{FetchError, Fetched, Fetcher, HostGate, Validators};
use crate::health::{PollResult, SourceHealth, Verdict, batch_fingerprint, verdict};
use crate::paper::{Discovery, PaperId};
use crate::sources::{
    SourceSpec, arxiv_api_id_list_url, arxiv_catch_up_dates, configured_sources, hf_daily_url,
    hf_days_back,
};
use crate::store::{MergeCounts, Store, StoreError};

/// Hugging Face pages per day paperboy will follow before assuming the API misbehaves.
const MAX_HF_PAGES_PER_DAY: u32 = 20;
/// How far back papers without arXiv details are looked up, and how many per poll and request.
const DETAILS_WINDOW_DAYS: i64 = 7;
const MAX_DETAIL_LOOKUPS_PER_POLL: usize = 500;
const DETAIL_LOOKUPS_PER_REQUEST: usize = 100;

/// What a lookup of one paper by id found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupOutcome {
    /// Fetched and stored.
    Found,
    /// arXiv has no such paper.
    NotFound,
    /// The arXiv source is off in the configuration, so arXiv is not asked.
    Disabled,
    /// Not asked, or no answer; the reason is fit to show a user.
    Unavailable(String),
}

/// What paperboy remembers about a source between polls.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceState {
    pub health: SourceHealth,
    /// Conditional-GET validators of the URLs polled last time, by URL.
    pub validators: BTreeMap<String, Validators>,
}

/// Everything a poll needs, shared by the daemon's loops and the one-shot commands.
#[derive(Clone)]
pub struct Ingestor {
    store: Arc<Store>,
    fetcher: Fetcher,
    /// arXiv's terms cover all its hosts together, so feed, API and backfill share one gate.
    arxiv_gate: Arc<HostGate>,
    config: Arc<Config>,
}

/// The outcome of polling one source, for logs and the CLI.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceReport {
    pub name: String,
    pub counts: MergeCounts,
    pub skipped_entries: usize,
    pub not_modified: bool,
    pub error: Option<String>,
    pub verdict: Verdict,
}

/// Errors that stop a poll. Source failures are not among them: they are reported per
/// source. Only a store that cannot be written stops ingest, since nothing must be lost.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why one request of a source produced no papers.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{location}: {source}")]
    Parse {
        location: String,
        source: ParseError,
    },
    #[error("{0}")]
    Other(String),
}

/// The fetcher for a configuration: its policy, plus the Hugging Face token if one is set.
pub fn build_fetcher(config: &Config) -> Result<Fetcher, FetchError> {
    let fetcher = Fetcher::new(config.fetch_policy())?;
    match &config.sources.hf.token {
        Some(token) => {
            let api = format!(
                "{}/api/daily_papers",
                config.sources.hf.base_url.trim_end_matches('/')
            );
            fetcher.with_bearer_token(&api, token.expose())
        }
        None => Ok(fetcher),
    }
}

impl Ingestor {
    pub fn new(store: Arc<Store>, fetcher: Fetcher, config: Arc<Config>) -> Ingestor {
        let gate = HostGate::new(std::time::Duration::from_secs(
            config.sources.arxiv.min_interval_secs,
        ));
        Ingestor {
            store,
            fetcher,
            arxiv_gate: Arc::new(gate),
            config,
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    pub fn arxiv_gate(&self) -> &HostGate {
        &self.arxiv_gate
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Fetches one paper from the arXiv API by id and stores it (as a lookup: digests never
    /// announce it). For `/related` about a paper paperboy does not hold yet.
    pub async fn lookup_paper(&self, id: &PaperId, now: DateTime<Utc>) -> LookupOutcome {
        let arxiv = &self.config.sources.arxiv;
        if !arxiv.enabled {
            return LookupOutcome::Disabled;
        }
        let no_validators = BTreeMap::new();
        let mut poll = Poll::new(&no_validators);
        let url = arxiv_api_id_list_url(&arxiv.api_url, std::slice::from_ref(id));
        let fetched = self
            .fetch_bytes(&mut poll, &url, Some(&self.arxiv_gate))
            .await;
        let page = fetched.and_then(|bytes| {
            feeds::arxiv_api::parse(&bytes.unwrap_or_default()).map_err(|source| {
                RequestError::Parse {
                    location: url.clone(),
                    source,
                }
            })
        });
        let page = match page {
            Ok(page) => page,
            // arXiv answers an id it has never issued with an error entry.
            Err(RequestError::Parse {
                source: ParseError::ApiError(_),
                ..
            }) => return LookupOutcome::NotFound,
            Err(err) => {
                tracing::warn!(id = %id, error = %err, "arXiv lookup failed");
                return LookupOutcome::Unavailable(format!("arXiv did not answer ({err})"));
            }
        };
        if let Err(err) =
            self.store_batch(&mut poll, "arxiv-api", page.batch, Discovery::Lookup, now)
        {
            tracing::error!(id = %id, error = %err, "cannot store a looked-up paper");
            return LookupOutcome::Unavailable("paperboy could not store it".to_owned());
        }
        match self.store.paper(id) {
            Ok(Some(_)) => LookupOutcome::Found,
            Ok(None) => LookupOutcome::NotFound,
            Err(err) => {
                tracing::error!(id = %id, error = %err, "cannot read a looked-up paper");
                LookupOutcome::Unavailable("paperboy could not read it back".to_owned())
            }
        }
    }

    /// Polls every configured source once, in order.
    pub async fn poll_all(&self, now: DateTime<Utc>) -> Result<Vec<SourceReport>, IngestError> {
        let mut reports = Vec::new();
        for source in configured_sources(&self.config) {
            reports.push(self.poll_source(&source, now).await?);
        }
        Ok(reports)
    }

    /// Polls one source, stores what it found and records its health.
    pub async fn poll_source(
        &self,
        source: &SourceSpec,
        now: DateTime<Utc>,
    ) -> Result<SourceReport, IngestError> {
        let name = source.name();
        let previous: SourceState = self.store.source_state(name)?.unwrap_or_default();
        let mut poll = Poll::new(&previous.validators);
        match source {
            SourceSpec::HfDaily {
                base_url,
                page_size,
                refresh_days,
                ..
            } => {
                let last_success = previous.health.last_success_at;
                let days_back = hf_days_back(*refresh_days, last_success, now);
                self.poll_hf(&mut poll, name, base_url, *page_size, days_back, now)
                    .await?
            }
            SourceSpec::ArxivFeed { url, .. } => {
                let result = self
                    .fetch_and_store(
                        &mut poll,
                        name,
                        url,
                        FileFormat::ArxivFeed,
                        Some(&self.arxiv_gate),
                        now,
                    )
                    .await?;
                poll.primary = Some(result);
                let catch_up = arxiv_catch_up_dates(previous.health.last_success_at, now);
                if poll.first_error.is_none()
                    && let Some(dates) = catch_up
                {
                    self.catch_up_arxiv(&mut poll, name, dates, now).await?;
                }
            }
            SourceSpec::ArxivApi { api_url, .. } => {
                let result = self.fill_details(&mut poll, name, api_url, now).await?;
                poll.primary = Some(result);
            }
            SourceSpec::File {
                location, format, ..
            } => {
                let result = self
                    .fetch_and_store(&mut poll, name, location, *format, None, now)
                    .await?;
                poll.primary = Some(result);
            }
        }

        let result = match (&poll.first_error, poll.primary.take()) {
            (Some(error), _) => PollResult::Failed {
                error: error.clone(),
            },
            (None, Some(result)) => result,
            (None, None) => PollResult::Empty,
        };
        let state = SourceState {
            health: previous.health.record(&result, now),
            validators: poll.validators,
        };
        self.store.put_source_state(name, &state)?;
        self.store.flush_async().await?;

        let verdict = verdict(&state.health, source.health_policy(&self.config), now);
        let report = SourceReport {
            name: name.to_owned(),
            counts: poll.counts,
            skipped_entries: poll.skipped_entries,
            not_modified: result == PollResult::NotModified,
            error: poll.first_error,
            verdict,
        };
        log_report(&report);
        Ok(report)
    }

    /// The feed lists only its latest announcement, so after a gap the papers submitted
    /// meanwhile come from the arXiv API, as announcements: the next digest holds them. A
    /// failure there fails the poll, so the next one tries again from the same point.
    async fn catch_up_arxiv(
        &self,
        poll: &mut Poll<'_>,
        name: &str,
        dates: (NaiveDate, NaiveDate),
        now: DateTime<Utc>,
    ) -> Result<(), IngestError> {
        let before = poll.counts.new;
        tracing::info!(
            source = name, from = %dates.0, to = %dates.1,
            "the feed was not read for over a day; catching up from the arXiv API"
        );
        crate::backfill::backfill_arxiv(
            self,
            dates,
            Discovery::Announcement,
            poll,
            now,
            &crate::backfill::NoProgress,
            &tokio_util::sync::CancellationToken::new(),
        )
        .await?;
        tracing::info!(
            source = name,
            new = poll.counts.new - before,
            failed = poll.first_error.is_some(),
            "arXiv catch-up done"
        );
        Ok(())
    }

    /// Today's Daily Papers and the `days_back` days before (upvotes keep changing, and
    /// after an outage the missed days are read too).
    async fn poll_hf(
        &self,
        poll: &mut Poll<'_>,
        name: &str,
        base_url: &str,
        page_size: u32,
        days_back: u32,
        now: DateTime<Utc>,
    ) -> Result<(), IngestError> {
        let today = now.date_naive();
        for days_back in (0..=days_back).rev() {
            let Some(date) = today.checked_sub_days(chrono::Days::new(u64::from(days_back))) else {
                continue;
            };
            let result = self
                .hf_day(
                    poll,
                    name,
                    base_url,
                    date,
                    page_size,
                    Discovery::Announcement,
                    now,
                )
                .await?;
            if days_back == 0 {
                poll.primary = Some(result);
            }
        }
        Ok(())
    }

    /// Looks up, through the arXiv API, recent papers that lack arXiv details (Hugging Face
    /// gives no categories). Papers arXiv does not know stay as they are and are asked
    /// about again while they are recent.
    async fn fill_details(
        &self,
        poll: &mut Poll<'_>,
        name: &str,
        api_url: &str,
        now: DateTime<Utc>,
    ) -> Result<PollResult, IngestError> {
        let since = now - chrono::Duration::days(DETAILS_WINDOW_DAYS);
        let mut ids = Vec::new();
        for paper in self.store.papers_stored_since(since) {
            let paper = paper?;
            if paper.categories.is_empty() {
                ids.push(paper.id);
                if ids.len() == MAX_DETAIL_LOOKUPS_PER_POLL {
                    break;
                }
            }
        }
        if ids.is_empty() {
            return Ok(PollResult::Empty);
        }
        let mut keys = Vec::new();
        for chunk in ids.chunks(DETAIL_LOOKUPS_PER_REQUEST) {
            let url = arxiv_api_id_list_url(api_url, chunk);
            let fetched = self.fetch_bytes(poll, &url, Some(&self.arxiv_gate)).await;
            let page = fetched.and_then(|bytes| {
                feeds::arxiv_api::parse(&bytes.unwrap_or_default()).map_err(|source| {
                    RequestError::Parse {
                        location: url.clone(),
                        source,
                    }
                })
            });
            match page {
                Ok(page) => {
                    keys.extend(page.batch.papers.iter().map(|p| p.id.to_string()));
                    self.store_batch(poll, name, page.batch, Discovery::Lookup, now)?;
                }
                Err(err) => {
                    poll.fail(name, &url, &err);
                    return Ok(PollResult::Failed {
                        error: err.to_string(),
                    });
                }
            }
        }
        Ok(PollResult::Batch {
            fingerprint: batch_fingerprint(keys.iter().map(String::as_str)),
        })
    }

    /// Every page of one Daily Papers day. A failed page is recorded in `poll` and ends the day.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn hf_day(
        &self,
        poll: &mut Poll<'_>,
        name: &str,
        base_url: &str,
        date: NaiveDate,
        page_size: u32,
        context: Discovery,
        now: DateTime<Utc>,
    ) -> Result<PollResult, IngestError> {
        let mut day_ids: Vec<String> = Vec::new();
        for page in 0..MAX_HF_PAGES_PER_DAY {
            let url = hf_daily_url(base_url, date, page_size, page);
            let batch = match self
                .fetch_parse(poll, &url, FileFormat::HfDaily, None)
                .await
            {
                Ok(Some(batch)) => batch,
                Ok(None) if day_ids.is_empty() => return Ok(PollResult::NotModified),
                Ok(None) => break,
                Err(err) => {
                    poll.fail(name, &url, &err);
                    return Ok(PollResult::Failed {
                        error: err.to_string(),
                    });
                }
            };
            let entries = batch.entry_count();
            day_ids.extend(batch.papers.iter().map(|p| p.id.to_string()));
            self.store_batch(poll, name, batch, context, now)?;
            if entries < page_size as usize {
                break;
            }
        }
        Ok(if day_ids.is_empty() {
            PollResult::Empty
        } else {
            PollResult::Batch {
                fingerprint: batch_fingerprint(day_ids.iter().map(String::as_str)),
            }
        })
    }

    /// One URL or file of a single-document source; returns its contribution to health.
    async fn fetch_and_store(
        &self,
        poll: &mut Poll<'_>,
        name: &str,
        location: &str,
        format: FileFormat,
        gate: Option<&HostGate>,
        now: DateTime<Utc>,
    ) -> Result<PollResult, IngestError> {
        match self.fetch_parse(poll, location, format, gate).await {
            Ok(None) => Ok(PollResult::NotModified),
            Ok(Some(batch)) => {
                let keys: Vec<String> = batch
                    .papers
                    .iter()
                    .map(|p| format!("{}v{}", p.id, p.version.unwrap_or(0)))
                    .collect();
                self.store_batch(poll, name, batch, Discovery::Announcement, now)?;
                Ok(if keys.is_empty() {
                    PollResult::Empty
                } else {
                    PollResult::Batch {
                        fingerprint: batch_fingerprint(keys.iter().map(String::as_str)),
                    }
                })
            }
            Err(err) => {
                poll.fail(name, location, &err);
                Ok(PollResult::Failed {
                    error: err.to_string(),
                })
            }
        }
    }

    /// Fetches (conditionally) and parses one document. `Ok(None)` means not modified.
    pub(crate) async fn fetch_parse(
        &self,
        poll: &mut Poll<'_>,
        location: &str,
        format: FileFormat,
        gate: Option<&HostGate>,
    ) -> Result<Option<ParsedBatch>, RequestError> {
        let Some(bytes) = self.fetch_bytes(poll, location, gate).await? else {
            return Ok(None);
        };
        parse_document(&bytes, format)
            .map(Some)
            .map_err(|source| RequestError::Parse {
                location: location.to_owned(),
                source,
            })
    }

    /// Fetches one document, conditionally when `poll` remembers validators for it, and
    /// records its new validators in `poll`. `Ok(None)` means not modified.
    pub(crate) async fn fetch_bytes(
        &self,
        poll: &mut Poll<'_>,
        location: &str,
        gate: Option<&HostGate>,
    ) -> Result<Option<Vec<u8>>, RequestError> {
        if let Some(sample) = location.strip_prefix("bundled:") {
            let sample = crate::bundled::sample(sample)
                .ok_or_else(|| RequestError::Other(format!("no bundled sample {sample:?}")))?;
            return Ok(Some(sample.bytes.to_vec()));
        }
        let previous = poll.previous_validators.get(location);
        match self.fetcher.get(location, previous, gate).await? {
            Fetched::NotModified => {
                if let Some(v) = previous {
                    poll.validators.insert(location.to_owned(), v.clone());
                }
                Ok(None)
            }
            Fetched::Body { bytes, validators } => {
                if validators != Validators::default() {
                    poll.validators.insert(location.to_owned(), validators);
                }
                Ok(Some(bytes))
            }
        }
    }

    pub(crate) fn store_batch(
        &self,
        poll: &mut Poll<'_>,
        name: &str,
        batch: ParsedBatch,
        context: Discovery,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for skipped in &batch.skipped {
            tracing::warn!(
                source = name,
                position = skipped.position,
                id = skipped.id.as_deref().unwrap_or("-"),
                reason = %skipped.reason,
                "skipped malformed entry"
            );
        }
        poll.skipped_entries += batch.skipped.len();
        let counts = self.store.merge_observations(&batch.papers, context, now)?;
        poll.counts.add(counts);
        Ok(())
    }
}

/// The running tally of one source's poll (or of a backfill).
pub(crate) struct Poll<'a> {
    pub(crate) previous_validators: &'a BTreeMap<String, Validators>,
    pub(crate) validators: BTreeMap<String, Validators>,
    pub(crate) counts: MergeCounts,
    pub(crate) skipped_entries: usize,
    /// The result that decides the source's health (today's page, or the feed itself).
    pub(crate) primary: Option<PollResult>,
    pub(crate) first_error: Option<String>,
}

impl<'a> Poll<'a> {
    pub(crate) fn new(previous_validators: &'a BTreeMap<String, Validators>) -> Poll<'a> {
        Poll {
            previous_validators,
            validators: BTreeMap::new(),
            counts: MergeCounts::default(),
            skipped_entries: 0,
            primary: None,
            first_error: None,
        }
    }

    pub(crate) fn fail(&mut self, source: &str, location: &str, err: &RequestError) {
        tracing::warn!(source, location, error = %err, "source request failed");
        if self.first_error.is_none() {
            self.first_error = Some(err.to_string());
        }
    }
}

/// Parses a whole document in one of the source formats. JSONL documents skip bad lines.
pub fn parse_document(bytes: &[u8], format: FileFormat) -> Result<ParsedBatch, ParseError> {
    match format {
        FileFormat::HfDaily => feeds::hf_daily::parse(bytes),
        FileFormat::ArxivFeed => feeds::arxiv_feed::parse(bytes).map(|feed| feed.batch),
        FileFormat::ArxivApi => feeds::arxiv_api::parse(bytes).map(|page| page.batch),
        FileFormat::Jsonl => {
            let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
            let mut batch = ParsedBatch::default();
            for (index, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match feeds::jsonl::parse_line(line) {
                    Ok(paper) => batch.papers.push(paper),
                    Err(reason) => batch.skipped.push(feeds::SkippedEntry {
                        position: index + 1,
                        id: None,
                        reason,
                    }),
                }
            }
            Ok(batch)
        }
    }
}

fn log_report(report: &SourceReport) {
    let SourceReport {
        name,
        counts,
        skipped_entries,
        not_modified,
        error,
        verdict,
    } = report;
    if error.is_some() || verdict.is_problem() {
        tracing::warn!(
            source = %name,
            new = counts.new,
            updated = counts.updated,
            unchanged = counts.unchanged,
            skipped = skipped_entries,
            error = error.as_deref().unwrap_or("-"),
            verdict = %verdict,
            "source polled with problems"
        );
    } else {
        tracing::info!(
            source = %name,
            new = counts.new,
            updated = counts.updated,
            unchanged = counts.unchanged,
            skipped = skipped_entries,
            not_modified,
            verdict = %verdict,
            "source polled"
        );
    }
}
