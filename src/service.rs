//! The platform-neutral service every front end calls: run a command for an address, build
//! and queue digests, show trending papers.
//!
//! The shell around the pure parts: `command` parses and decides, `digest` selects and
//! renders; this module loads their inputs from the store, applies the changes they return,
//! flushes before a user is told anything succeeded, and wakes the scheduler when a
//! schedule changed. Adapters only translate platform updates into `run_command` calls and
//! render the returned [`Reply`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::admin::{self, SourceVerdict};
use crate::command::{
    self, Change, CommandLimits, Handled, HandlerContext, RelatedTarget, SubscriberState,
    command_info,
};
use crate::config::Config;
use crate::digest::{self, Candidate, Digest, DigestInput, DigestLimits};
use crate::engine::{FollowKey, MatchEngine, MatchScratch};
use crate::health::Verdict;
use crate::ingest::{Ingestor, LookupOutcome};
use crate::library::{Library, LibraryError, RelatedAnswer, RelatedQuery, SearchAnswer};
use crate::matching::FollowQuery;
use crate::metrics::Metrics;
use crate::outbox::OutboxEntry;
use crate::paper::{Paper, PaperId};
use crate::preview::{PoolPaper, preview};
use crate::query::eval::{Doc, DocFrequencies, explain, explain_miss, hit_field_name};
use crate::query::parse::print_query;
use crate::reply::{Block, PaperItem, Reply};
use crate::status;
use crate::store::{Store, StoreError};
use crate::subscriber::{Address, Follow, Subscriber, SubscriberId};

/// Trending papers are looked for among papers stored this recently.
const TRENDING_WINDOW_DAYS: i64 = 7;

pub struct Service {
    store: Arc<Store>,
    config: Arc<Config>,
    /// Wakes the scheduler when something it waits on changed (a schedule, a queued digest).
    wake: Arc<Notify>,
    /// Every follow, compiled; built on first use.
    engine: OnceLock<RwLock<LiveEngine>>,
    /// Term weights and when they were computed.
    weights: Mutex<Option<(DateTime<Utc>, Arc<DocFrequencies>)>>,
    /// Related papers and search.
    library: Library,
    /// Fetches papers the store lacks, for `/related ID`; `None` answers without asking.
    ingestor: Option<Arc<Ingestor>>,
    /// Ids arXiv recently said it does not have, so a repeated `/related` does not ask again.
    not_on_arxiv: Mutex<HashMap<PaperId, DateTime<Utc>>>,
    /// Commands handled, matching and digest latency.
    metrics: Arc<Metrics>,
}

/// An id arXiv said it lacks is not asked about again for this long.
const NOT_FOUND_MEMORY_HOURS: i64 = 1;
/// At most this many such ids are remembered.
const NOT_FOUND_MEMORY_IDS: usize = 10_000;

/// What `/related` found, or why it found nothing.
pub enum RelatedOutcome {
    Answer(RelatedAnswer),
    /// The paper is neither stored nor obtainable; `reason` is fit to show.
    Unknown {
        paper: PaperId,
        reason: String,
    },
}

/// The engine with the document frequencies its anchors were chosen by.
struct LiveEngine {
    engine: MatchEngine,
    frequencies: DocFrequencies,
}

/// Term weights are counted over this many recent days, and recounted after this many hours.
const WEIGHTS_WINDOW_DAYS: i64 = 30;
const WEIGHTS_MAX_AGE_HOURS: i64 = 6;

/// A subscriber cannot follow the same normal form twice, so it identifies the follow.
fn follow_key(subscriber: SubscriberId, query: &str) -> FollowKey {
    let hash = query.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    FollowKey {
        subscriber: subscriber.0,
        follow: hash,
    }
}

/// A digest ready to queue, or the reason there is none.
pub enum PreparedDigest {
    Message {
        entry: Box<OutboxEntry>,
        /// The subscriber with its digest marks moved on.
        subscriber: Subscriber,
        digest: Digest,
    },
    /// Nothing to send; the subscriber's marks still move on.
    Empty { subscriber: Subscriber },
}

impl Service {
    pub fn new(store: Arc<Store>, config: Arc<Config>) -> Service {
        Service {
            config,
            wake: Arc::new(Notify::new()),
            engine: OnceLock::new(),
            weights: Mutex::new(None),
            library: Library::new(store.clone()),
            ingestor: None,
            not_on_arxiv: Mutex::new(HashMap::new()),
            metrics: Arc::new(Metrics::new()),
            store,
        }
    }

    /// Counts into `metrics` (shared with the deliverer and the `/metrics` endpoint).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Service {
        self.metrics = metrics;
        self
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Lets `/related` fetch papers the store lacks through `ingestor`.
    pub fn with_ingestor(mut self, ingestor: Arc<Ingestor>) -> Service {
        self.ingestor = Some(ingestor);
        self
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub fn command_limits(&self) -> CommandLimits {
        CommandLimits {
            max_follows: self.config.limits.max_follows,
            max_query_chars: self.config.limits.max_query_chars,
            max_trending: self.config.limits.max_trending,
        }
    }

    fn digest_limits(&self) -> DigestLimits {
        DigestLimits {
            max_items: self.config.digest.max_items,
            trending_count: self.config.digest.trending_count,
            max_query_chars: self.config.limits.max_query_chars,
        }
    }

    /// A new subscriber at `address` with the configured defaults.
    pub fn new_subscriber(
        &self,
        id: SubscriberId,
        address: Address,
        now: DateTime<Utc>,
    ) -> Subscriber {
        let lookback = chrono::Duration::hours(
            i64::try_from(self.config.digest.first_digest_lookback_hours).unwrap_or(24),
        );
        Subscriber {
            id,
            address,
            time_zone: self.config.digest.default_time_zone.clone(),
            schedule: crate::schedule::parse(&self.config.digest.default_schedule)
                .map(|s| s.normalized().to_owned())
                .unwrap_or_else(|_| self.config.digest.default_schedule.clone()),
            paused: false,
            active: true,
            mode: Default::default(),
            created_at: now,
            digested_until: now - lookback,
            last_slot: None,
        }
    }

    /// The subscriber at `address`, created on first contact. A subscriber that had gone
    /// (blocked the bot, say) and writes again is active again.
    pub fn subscriber_for(
        &self,
        address: &Address,
        now: DateTime<Utc>,
    ) -> Result<Subscriber, StoreError> {
        let (mut subscriber, created) = self
            .store
            .subscriber_for_address(address, |id| self.new_subscriber(id, address.clone(), now))?;
        if created {
            tracing::info!(subscriber = %subscriber.id, address = %address, "new subscriber");
        } else if !subscriber.active {
            subscriber.active = true;
            self.store.put_subscriber(&subscriber)?;
            tracing::info!(subscriber = %subscriber.id, "subscriber is back; reactivated");
        }
        Ok(subscriber)
    }

    /// Stops every digest to `address` (an unsubscribe link, the manage page): the
    /// subscriber is deactivated, follows kept. Returns whether anything changed.
    pub async fn unsubscribe(
        &self,
        address: &Address,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(mut subscriber) = self.store.subscriber_by_address(address)? else {
            return Ok(false);
        };
        if !subscriber.active {
            return Ok(false);
        }
        subscriber.active = false;
        // Coming back later starts from then: no digest for the time away.
        subscriber.last_slot = Some(now);
        self.store.put_subscriber(&subscriber)?;
        self.store.flush_async().await?;
        tracing::info!(subscriber = %subscriber.id, "unsubscribed");
        Ok(true)
    }

    /// Runs one command from `address`: parse, decide, apply, flush, reply. Bad input gets a
    /// usage reply and changes nothing.
    pub async fn run_command(
        &self,
        address: &Address,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Reply, StoreError> {
        let command = match command::parse(text, &self.command_limits()) {
            Ok(command) => command,
            Err(err) => {
                self.metrics.record_command("invalid");
                return Ok(err.to_reply());
            }
        };
        // Labelled by the command table's name, never by what the user typed.
        let name = command_name(text)
            .trim_start_matches('/')
            .to_ascii_lowercase();
        self.metrics
            .record_command(command_info(&name).map_or("other", |info| info.name));
        let subscriber = self.subscriber_for(address, now)?;
        let follows = self.store.follows(subscriber.id)?;
        let state = SubscriberState {
            subscriber: &subscriber,
            follows: &follows,
        };
        let context = HandlerContext {
            limits: self.command_limits(),
            now,
        };
        let handled = command::handle(&command, &state, &context);
        tracing::info!(subscriber = %subscriber.id, command = command_name(text), "command");
        match handled {
            Handled::Done { reply, change } => {
                if let Some(change) = change {
                    self.apply_change(&subscriber, &follows, change, now)?;
                    self.store.flush_async().await?;
                    self.wake.notify_one();
                }
                Ok(reply)
            }
            Handled::SendDigestNow => self.digest_now(&subscriber, now).await,
            Handled::ShowTrending { count } => self.trending_reply(count as usize, now),
            Handled::Preview { query } => self.preview_reply(&query, now),
            Handled::Why { paper } => self.why_reply(&subscriber, &paper, now),
            Handled::Related { target } => self.related_reply(&target, now).await,
            Handled::Search { query } => self.search_reply(&query, now).await,
        }
    }

    fn apply_change(
        &self,
        subscriber: &Subscriber,
        follows: &[Follow],
        change: Change,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut updated = subscriber.clone();
        match change {
            Change::AddFollow(follow) => {
                if self.store.add_follow(subscriber.id, &follow)? {
                    self.update_engine(subscriber.id, &follow.query, true)?;
                }
                return Ok(());
            }
            Change::RemoveFollow { index } => {
                if index < follows.len()
                    && let Some(removed) = self.store.remove_follow(subscriber.id, index)?
                {
                    self.update_engine(subscriber.id, &removed.query, false)?;
                }
                return Ok(());
            }
            Change::SetSchedule(schedule) => {
                updated.schedule = schedule;
                // The new schedule starts from now: no catch-up for slots it would have had.
                updated.last_slot = Some(now);
            }
            Change::SetTimeZone(zone) => {
                updated.time_zone = zone;
                updated.last_slot = Some(now);
            }
            Change::SetPaused(paused) => {
                updated.paused = paused;
                if !paused {
                    // Resuming does not fire a digest for every slot missed while paused.
                    updated.last_slot = Some(now);
                }
            }
            Change::SetMode(mode) => updated.mode = mode,
        }
        self.store.put_subscriber(&updated)
    }

    /// `/digest`: builds a digest now, queues it for delivery through the subscriber's
    /// transport and says what happened, or says why there is nothing.
    async fn digest_now(
        &self,
        subscriber: &Subscriber,
        now: DateTime<Utc>,
    ) -> Result<Reply, StoreError> {
        let started = Instant::now();
        let prepared = self.prepare_digest(subscriber, None, now)?;
        self.metrics.observe_digests(started.elapsed());
        match prepared {
            PreparedDigest::Message {
                entry,
                subscriber,
                digest,
            } => {
                let count = digest.entries.len() + digest.more + digest.trending.len();
                self.store.queue_message(&entry, &subscriber, now)?;
                self.store.flush_async().await?;
                self.wake.notify_one();
                Ok(Reply::text(format!(
                    "Your digest is on its way: {count} paper{}.",
                    if count == 1 { "" } else { "s" }
                )))
            }
            PreparedDigest::Empty { .. } => {
                // An on-demand digest that found nothing leaves the marks alone, so the
                // next scheduled digest still covers the same period.
                Ok(self.nothing_new_reply(subscriber, now)?)
            }
        }
    }

    /// Tells the configured admin contact about sources that turned failing or stale since
    /// the last call, and about those that recovered. Messages go through the outbox; the set
    /// of sources alerted about is kept in the store. Returns how many were queued.
    pub async fn alert_admin(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let Some(contact) = &self.config.admin.contact else {
            return Ok(0);
        };
        // Validated with the config; a bad one would be a bug, so say so and send nothing.
        let Ok(address) = contact.parse::<Address>() else {
            tracing::error!("admin.contact is not an address; no source alerts");
            return Ok(0);
        };
        let snapshot = status::snapshot(&self.store, &self.config, now)?;
        let current: Vec<SourceVerdict> = snapshot
            .sources
            .iter()
            .filter(|s| s.configured)
            .map(|s| SourceVerdict {
                name: s.name.clone(),
                is_problem: s.is_problem,
                description: s.verdict.clone(),
            })
            .collect();
        let alerted = self
            .store
            .admin_alerted_sources()?
            .unwrap_or_default()
            .into_iter()
            .collect();
        let (messages, still_alerted) = admin::alerts(&alerted, &current);
        if messages.is_empty() && still_alerted == alerted {
            return Ok(0);
        }
        let (admin, _) = self.store.subscriber_for_address(&address, |id| {
            let mut subscriber = self.new_subscriber(id, address.clone(), now);
            // Created only to be told about sources: no digests unless the operator resumes.
            subscriber.paused = true;
            subscriber
        })?;
        for alert in &messages {
            let entry = OutboxEntry {
                id: self.store.next_outbox_id()?,
                subscriber: admin.id,
                created_at: now,
                slot: None,
                subject: alert.subject(),
                message: Reply::text(alert.text()),
                paper_ids: Vec::new(),
                attempts: 0,
                rate_limited: 0,
                next_attempt_at: now,
                last_error: None,
            };
            self.store.queue_message(&entry, &admin, now)?;
            self.metrics.record_admin_alert();
            tracing::warn!(subscriber = %admin.id, subject = %entry.subject, "admin alert queued");
        }
        let still_alerted: Vec<String> = still_alerted.into_iter().collect();
        self.store.put_admin_alerted_sources(&still_alerted)?;
        self.store.flush_async().await?;
        self.wake.notify_one();
        Ok(messages.len())
    }

    fn nothing_new_reply(
        &self,
        subscriber: &Subscriber,
        now: DateTime<Utc>,
    ) -> Result<Reply, StoreError> {
        let since = subscriber.digested_until.format("%a %d %b %H:%M UTC");
        let mut reply = Reply::text(format!("Nothing new for your follows since {since}."));
        let snapshot = status::snapshot(&self.store, &self.config, now)?;
        let mut reasons = Vec::new();
        for source in &snapshot.sources {
            if !source.configured {
                continue;
            }
            if source.is_problem {
                reasons.push(format!(
                    "{} is {}; papers may be delayed.",
                    source.name, source.verdict
                ));
            } else if source.consecutive_failures > 0 {
                reasons.push(format!(
                    "{} failed its last {} poll(s); papers may be delayed.",
                    source.name, source.consecutive_failures
                ));
            } else if source.verdict == Verdict::NoAnnouncement.to_string() {
                reasons.push(format!(
                    "{} made no announcement on its last poll (a weekend or holiday).",
                    source.name
                ));
            }
        }
        if !reasons.is_empty() {
            reply.push(Block::List(reasons));
        }
        Ok(reply)
    }

    /// Builds the digest a subscriber would get now for `slot` (None = on demand), without
    /// writing anything.
    pub fn prepare_digest(
        &self,
        subscriber: &Subscriber,
        slot: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<PreparedDigest, StoreError> {
        let follows = self.store.follows(subscriber.id)?;
        let papers = self.period_papers(subscriber.digested_until, now)?;
        let docs: Vec<Doc> = papers.iter().map(Doc::from_paper).collect();
        let pairs: Vec<(&Paper, &Doc)> = papers.iter().zip(&docs).collect();
        let weights = self.weights(now)?;
        let matching_started = Instant::now();
        let matches = digest::match_follows(
            &follows,
            &pairs,
            weights.as_ref(),
            self.config.limits.max_query_chars,
        );
        self.metrics.observe_matching(matching_started.elapsed());
        self.prepare_from_matches(subscriber, slot, now, &matches)
    }

    /// Papers stored in `[from, now]` that are news (announcements).
    fn period_papers(
        &self,
        from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Paper>, StoreError> {
        self.store
            .papers_stored_since(from)
            .filter(
                |p| !matches!(p, Ok(paper) if paper.stored_at > now || !paper.is_announcement()),
            )
            .collect()
    }

    /// The digest for already-matched papers.
    fn prepare_from_matches(
        &self,
        subscriber: &Subscriber,
        slot: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        matches: &[Candidate<'_>],
    ) -> Result<PreparedDigest, StoreError> {
        let already_sent = self.store.sent_papers(subscriber.id)?;
        let trending = self.trending_pool(now)?;
        let input = DigestInput {
            subscriber,
            matches,
            already_sent: &already_sent,
            trending: &trending,
            period_from: subscriber.digested_until,
            period_until: now,
            limits: self.digest_limits(),
        };
        let digest = digest::build_digest(&input);
        let mut moved_on = subscriber.clone();
        moved_on.digested_until = now;
        if slot.is_some() {
            moved_on.last_slot = slot;
        }
        if digest.is_empty() {
            return Ok(PreparedDigest::Empty {
                subscriber: moved_on,
            });
        }
        let by_id: HashMap<&PaperId, &Paper> = matches
            .iter()
            .map(|c| c.paper)
            .chain(&trending)
            .map(|p| (&p.id, p))
            .collect();
        let (message, skipped) = digest::render_digest(&digest, |id| by_id.get(id).copied());
        for paper in &skipped {
            tracing::warn!(subscriber = %subscriber.id, paper = %paper.id, reason = %paper.reason, "paper skipped from digest");
        }
        if message.is_empty() {
            return Ok(PreparedDigest::Empty {
                subscriber: moved_on,
            });
        }
        let entry = OutboxEntry {
            id: self.store.next_outbox_id()?,
            subscriber: subscriber.id,
            created_at: now,
            slot,
            subject: digest::subject(&digest),
            message,
            paper_ids: digest.paper_ids().cloned().collect(),
            attempts: 0,
            rate_limited: 0,
            next_attempt_at: now,
            last_error: None,
        };
        Ok(PreparedDigest::Message {
            entry: Box::new(entry),
            subscriber: moved_on,
            digest,
        })
    }

    /// Builds and queues the digests of every due subscriber at once: the period's papers
    /// are analyzed once and matched through the engine, so the cost follows the papers and
    /// the matches, not the number of follows. Returns how many messages were queued.
    pub fn queue_due_digests(
        &self,
        due: &[(Subscriber, Option<DateTime<Utc>>)],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let Some(from) = due.iter().map(|(s, _)| s.digested_until).min() else {
            return Ok(0);
        };
        let started = Instant::now();
        let papers = self.period_papers(from, now)?;
        let docs: Vec<Doc> = papers.iter().map(Doc::from_paper).collect();
        let weights = self.weights(now)?;
        let due_ids: HashSet<u64> = due.iter().map(|(s, _)| s.id.0).collect();
        // subscriber -> (paper index -> candidate)
        let mut matched: HashMap<u64, HashMap<usize, Candidate<'_>>> = HashMap::new();
        let matching_started = Instant::now();
        {
            let live = self.engine()?;
            let live = live.read().unwrap_or_else(|p| p.into_inner());
            let index = &live.engine;
            let mut scratch = MatchScratch::new();
            for (i, (paper, doc)) in papers.iter().zip(&docs).enumerate() {
                for (node, owners) in index.match_queries(doc, &mut scratch) {
                    // Strength and wording once per distinct query, not once per follow.
                    let mut shown: Option<(f32, String)> = None;
                    for key in owners {
                        if !due_ids.contains(&key.subscriber) {
                            continue;
                        }
                        let (strength, query) = shown.get_or_insert_with(|| {
                            let strength =
                                explain(node, doc, weights.as_ref()).map_or(0.0, |d| d.strength);
                            (strength, print_query(node))
                        });
                        let candidate = matched
                            .entry(key.subscriber)
                            .or_default()
                            .entry(i)
                            .or_insert_with(|| Candidate {
                                paper,
                                matched: Vec::new(),
                                strength: 0.0,
                            });
                        // A follow counts once per paper, however the engine found it.
                        if !candidate.matched.contains(query) {
                            candidate.strength += *strength;
                            candidate.matched.push(query.clone());
                        }
                    }
                }
            }
        }
        self.metrics.observe_matching(matching_started.elapsed());
        let mut queued = 0;
        for (subscriber, slot) in due {
            let mut candidates: Vec<Candidate<'_>> = matched
                .remove(&subscriber.id.0)
                .map(|by_paper| {
                    by_paper
                        .into_values()
                        .filter(|c| c.paper.stored_at >= subscriber.digested_until)
                        .collect()
                })
                .unwrap_or_default();
            for candidate in &mut candidates {
                candidate.matched.sort();
            }
            match self.prepare_from_matches(subscriber, *slot, now, &candidates)? {
                PreparedDigest::Message {
                    entry,
                    subscriber,
                    digest,
                } => {
                    tracing::info!(
                        subscriber = %subscriber.id,
                        outbox = entry.id,
                        matches = digest.entries.len() + digest.more,
                        trending = digest.trending.len(),
                        "digest queued"
                    );
                    self.store.queue_message(&entry, &subscriber, now)?;
                    queued += 1;
                }
                PreparedDigest::Empty { subscriber } => self.store.put_subscriber(&subscriber)?,
            }
        }
        self.metrics.observe_digests(started.elapsed());
        Ok(queued)
    }

    /// The engine over every follow, built from the store on first use and kept current
    /// as follows change.
    fn engine(&self) -> Result<&RwLock<LiveEngine>, StoreError> {
        if let Some(engine) = self.engine.get() {
            return Ok(engine);
        }
        // Anchors are chosen by how common terms are in the last month of papers, counted
        // back from the newest paper (not the clock, so a store reads the same everywhere).
        let mut frequencies = DocFrequencies::default();
        if let Some(newest) = self.store.stats()?.newest_stored_at {
            let since = newest - chrono::Duration::days(WEIGHTS_WINDOW_DAYS);
            for paper in self.store.papers_stored_since(since) {
                frequencies.add(&Doc::from_paper(&paper?));
            }
        }
        let mut engine = MatchEngine::new();
        for subscriber in self.store.subscribers()? {
            for follow in self.store.follows(subscriber.id)? {
                if let Ok(query) =
                    FollowQuery::parse(&follow.query, self.config.limits.max_query_chars)
                {
                    engine.add(
                        follow_key(subscriber.id, &follow.query),
                        query.node(),
                        &frequencies,
                    );
                }
            }
        }
        tracing::info!(
            follows = engine.follow_count(),
            queries = engine.query_count(),
            papers_counted = frequencies.documents(),
            "matching engine built"
        );
        Ok(self.engine.get_or_init(|| {
            RwLock::new(LiveEngine {
                engine,
                frequencies,
            })
        }))
    }

    /// Keeps the engine in step with a follow added or removed.
    fn update_engine(
        &self,
        subscriber: SubscriberId,
        query: &str,
        added: bool,
    ) -> Result<(), StoreError> {
        let Ok(parsed) = FollowQuery::parse(query, self.config.limits.max_query_chars) else {
            return Ok(());
        };
        let live = self.engine()?;
        let mut live = live.write().unwrap_or_else(|p| p.into_inner());
        let LiveEngine {
            engine,
            frequencies,
        } = &mut *live;
        let key = follow_key(subscriber, query);
        if added {
            engine.add(key, parsed.node(), frequencies);
        } else {
            engine.remove(key, parsed.node());
        }
        Ok(())
    }

    /// Term weights from the papers of the last month, recomputed at most every few hours.
    fn weights(&self, now: DateTime<Utc>) -> Result<Arc<DocFrequencies>, StoreError> {
        let mut cached = self.weights.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((computed_at, weights)) = cached.as_ref()
            && now - *computed_at < chrono::Duration::hours(WEIGHTS_MAX_AGE_HOURS)
            && *computed_at <= now
        {
            return Ok(weights.clone());
        }
        let mut frequencies = DocFrequencies::default();
        let since = now - chrono::Duration::days(WEIGHTS_WINDOW_DAYS);
        for paper in self.store.papers_stored_since(since) {
            frequencies.add(&Doc::from_paper(&paper?));
        }
        let weights = Arc::new(frequencies);
        *cached = Some((now, weights.clone()));
        Ok(weights)
    }

    /// `/preview`: matches in the last 7 and 30 days and the top 5.
    pub fn preview_reply(&self, text: &str, now: DateTime<Utc>) -> Result<Reply, StoreError> {
        let Ok(query) = FollowQuery::parse(text, self.config.limits.max_query_chars) else {
            return Ok(Reply::text(format!("Cannot preview {text:?}.")));
        };
        let papers = self.period_papers(now - chrono::Duration::days(30), now)?;
        let pool: Vec<PoolPaper<'_>> = papers
            .iter()
            .map(|p| PoolPaper::new(p, p.stored_at))
            .collect();
        let weights = self.weights(now)?;
        let found = preview(&query, &pool, &[7, 30], now, weights.as_ref());
        let counts = found
            .counts
            .iter()
            .map(|(days, n)| format!("{n} in the last {days} days"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut reply = Reply::new().with(Block::Heading(format!(
            "{} would have matched {counts}",
            query.normalized()
        )));
        let top: Vec<_> = found
            .matches
            .iter()
            .take(5)
            .filter_map(|scored| digest::paper_item(scored.paper, &[]).ok())
            .collect();
        if top.is_empty() {
            reply.push(Block::Hint(
                "No recent paper matches; try fewer words, OR, or a broader term.".to_owned(),
            ));
        } else {
            reply.push(Block::Papers(top));
            reply.push(Block::Hint(format!(
                "Follow it with /follow {}",
                query.normalized()
            )));
        }
        Ok(reply)
    }

    /// `/why`: which follows matched the paper, on what; or why none did.
    pub fn why_reply(
        &self,
        subscriber: &Subscriber,
        paper: &PaperId,
        now: DateTime<Utc>,
    ) -> Result<Reply, StoreError> {
        let Some(paper) = self.store.paper(paper)? else {
            return Ok(Reply::text(format!(
                "{paper} is not in paperboy's store yet, so no digest could have had it."
            )));
        };
        let follows = self.store.follows(subscriber.id)?;
        if follows.is_empty() {
            return Ok(Reply::text("You follow nothing yet; /follow adds a query."));
        }
        let doc = Doc::from_paper(&paper);
        let weights = self.weights(now)?;
        let mut matched = Vec::new();
        let mut missed = Vec::new();
        for follow in &follows {
            let Ok(query) = FollowQuery::parse(&follow.query, self.config.limits.max_query_chars)
            else {
                continue;
            };
            match query.explain(&doc, weights.as_ref()) {
                Some(detail) => {
                    let hits: Vec<String> = detail
                        .hits
                        .iter()
                        .map(|hit| format!("{} in {}", hit.text, hit_field_name(hit.field)))
                        .collect();
                    matched.push(format!("{}: {}", follow.query, hits.join(", ")));
                }
                None => missed.push(format!(
                    "{}: {}",
                    follow.query,
                    explain_miss(query.node(), &doc).join("; ")
                )),
            }
        }
        let mut reply =
            Reply::new().with(Block::Heading(format!("{} — {}", paper.id, paper.title)));
        if matched.is_empty() {
            reply.push(Block::Text("None of your follows match it:".to_owned()));
        } else {
            reply.push(Block::Text("Matched by:".to_owned()));
            reply.push(Block::List(matched));
            if !missed.is_empty() {
                reply.push(Block::Text("Not by:".to_owned()));
            }
        }
        if !missed.is_empty() {
            reply.push(Block::List(missed));
        }
        if !paper.is_announcement() {
            reply.push(Block::Hint(
                "It reached paperboy by backfill, import or as a new version, so digests do not announce it."
                    .to_owned(),
            ));
        }
        Ok(reply)
    }

    /// Records a 👍 or 👎 from the subscriber at `address` on a stored paper. `false` when
    /// there is no such paper.
    pub fn record_feedback(
        &self,
        address: &Address,
        paper: &PaperId,
        vote: crate::store::Vote,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if self.store.paper(paper)?.is_none() {
            return Ok(false);
        }
        let subscriber = self.subscriber_for(address, now)?;
        self.store
            .record_feedback(subscriber.id, paper, vote, now)?;
        tracing::info!(subscriber = %subscriber.id, paper = %paper, ?vote, "feedback");
        Ok(true)
    }

    /// A 👍 or 👎 pressed under a paper: records it and returns the short answer to show.
    pub fn vote_from_button(
        &self,
        address: &Address,
        paper: &str,
        vote: crate::store::Vote,
        now: DateTime<Utc>,
    ) -> &'static str {
        let recorded = match PaperId::parse(paper) {
            Ok(paper) => self.record_feedback(address, &paper, vote, now),
            Err(_) => Ok(false),
        };
        match (recorded, vote) {
            (Ok(true), crate::store::Vote::Up) => "Noted 👍: more like this.",
            (Ok(true), crate::store::Vote::Down) => "Noted 👎: fewer like this.",
            (Ok(false), _) => "This button no longer works.",
            (Err(err), _) => {
                tracing::error!(error = %err, "cannot record feedback");
                "Could not record that; try again."
            }
        }
    }

    /// The stored papers most related to `target`, fetching a paper the store lacks from
    /// arXiv once.
    pub async fn related(
        &self,
        target: &RelatedTarget,
        top: usize,
        now: DateTime<Utc>,
    ) -> Result<RelatedOutcome, LibraryError> {
        let id = match target {
            RelatedTarget::Text(text) => {
                return Ok(RelatedOutcome::Answer(
                    self.library.related_to_text(text, top).await?,
                ));
            }
            RelatedTarget::Paper(id) => id,
        };
        let paper = match self.store.paper(id)? {
            Some(paper) => paper,
            None => match self.look_up(id, now).await {
                Ok(paper) => paper,
                Err(reason) => {
                    return Ok(RelatedOutcome::Unknown {
                        paper: id.clone(),
                        reason,
                    });
                }
            },
        };
        Ok(RelatedOutcome::Answer(
            self.library.related_to_paper(paper, top).await?,
        ))
    }

    /// A paper the store lacks, from arXiv; or why not.
    async fn look_up(&self, id: &PaperId, now: DateTime<Utc>) -> Result<Paper, String> {
        let not_found = || format!("arXiv has no paper {id}; check the id");
        {
            let mut remembered = self.not_on_arxiv.lock().unwrap_or_else(|e| e.into_inner());
            let horizon = now - chrono::Duration::hours(NOT_FOUND_MEMORY_HOURS);
            remembered.retain(|_, at| *at > horizon);
            if remembered.contains_key(id) {
                return Err(not_found());
            }
        }
        let Some(ingestor) = &self.ingestor else {
            return Err(format!("{id} is not in paperboy's store"));
        };
        match ingestor.lookup_paper(id, now).await {
            LookupOutcome::Found => match self.store.paper(id) {
                Ok(Some(paper)) => Ok(paper),
                _ => Err(not_found()),
            },
            LookupOutcome::NotFound => {
                let mut remembered = self.not_on_arxiv.lock().unwrap_or_else(|e| e.into_inner());
                if remembered.len() < NOT_FOUND_MEMORY_IDS {
                    remembered.insert(id.clone(), now);
                }
                Err(not_found())
            }
            LookupOutcome::Disabled => Err(format!(
                "{id} is not in paperboy's store, and fetching papers from arXiv is off here ([sources.arxiv] enabled = false)"
            )),
            LookupOutcome::Unavailable(reason) => Err(format!(
                "{id} is not in paperboy's store and could not be fetched: {reason}; try again later"
            )),
        }
    }

    /// `/related`: the related papers with the terms each shares with the query.
    pub async fn related_reply(
        &self,
        target: &RelatedTarget,
        now: DateTime<Utc>,
    ) -> Result<Reply, StoreError> {
        let top = self.config.limits.related_results;
        let outcome = match self.related(target, top, now).await {
            Ok(outcome) => outcome,
            Err(LibraryError::Store(err)) => return Err(err),
            Err(err) => {
                tracing::error!(error = %err, "related papers failed");
                return Ok(Reply::text(
                    "Related papers are unavailable right now; try again in a minute.",
                ));
            }
        };
        let answer = match outcome {
            RelatedOutcome::Answer(answer) => answer,
            RelatedOutcome::Unknown { reason, .. } => {
                return Ok(Reply::text(format!("{}.", capitalized(&reason))));
            }
        };
        let heading = match &answer.query {
            RelatedQuery::Paper(paper) => format!("Related to {} — {}", paper.id, paper.title),
            RelatedQuery::Text(text) => {
                format!("Related to \"{}\"", crate::text::truncate_chars(text, 120))
            }
        };
        let mut reply = Reply::new().with(Block::Heading(heading));
        let items: Vec<PaperItem> = answer
            .results
            .iter()
            .filter_map(|(paper, related)| {
                let mut item = digest::paper_item(paper, &[]).ok()?;
                item.shared = related.shared_terms.clone();
                Some(item)
            })
            .collect();
        if items.is_empty() {
            reply.push(Block::Text(
                "No stored paper shares enough distinctive words with it.".to_owned(),
            ));
            reply.push(Block::Hint(
                "Try a title or a few specific words, e.g. /related sparse attention for long context."
                    .to_owned(),
            ));
        } else {
            reply.push(Block::Papers(items));
        }
        Ok(reply)
    }

    /// `/search`: the stored papers a query matches, strongest first.
    pub async fn search(
        &self,
        query: &FollowQuery,
        top: usize,
        now: DateTime<Utc>,
    ) -> Result<SearchAnswer, LibraryError> {
        let weights: Arc<dyn crate::query::eval::TermWeights + Send + Sync> = self.weights(now)?;
        self.library.search(query.clone(), weights, top, now).await
    }

    pub async fn search_reply(&self, text: &str, now: DateTime<Utc>) -> Result<Reply, StoreError> {
        let Ok(query) = FollowQuery::parse(text, self.config.limits.max_query_chars) else {
            return Ok(Reply::text(format!("Cannot search for {text:?}.")));
        };
        let answer = match self
            .search(&query, self.config.limits.search_results, now)
            .await
        {
            Ok(answer) => answer,
            Err(LibraryError::Store(err)) => return Err(err),
            Err(err) => {
                tracing::error!(error = %err, "search failed");
                return Ok(Reply::text(
                    "Search is unavailable right now; try again in a minute.",
                ));
            }
        };
        let mut reply =
            Reply::new().with(Block::Heading(format!("Search: {}", query.normalized())));
        let scope = if answer.recent_only {
            format!(
                " among the papers of the last {} days",
                crate::library::SEARCH_SCAN_DAYS
            )
        } else if answer.truncated {
            format!(
                " among the newest {} papers holding its rarest word",
                crate::library::SEARCH_CANDIDATES
            )
        } else {
            String::new()
        };
        let count = match answer.total {
            0 => format!("No stored paper matches{scope}."),
            1 => format!("1 paper matches{scope}."),
            n if n > answer.matches.len() => {
                format!(
                    "{n} papers match{scope}; the best {}:",
                    answer.matches.len()
                )
            }
            n => format!("{n} papers match{scope}:"),
        };
        reply.push(Block::Text(count));
        let items: Vec<PaperItem> = answer
            .matches
            .iter()
            .filter_map(|(paper, _)| digest::paper_item(paper, &[]).ok())
            .collect();
        if items.is_empty() {
            reply.push(Block::Hint(
                "Try fewer words, OR, or a broader term; /help search shows the language."
                    .to_owned(),
            ));
        } else {
            reply.push(Block::Papers(items));
            if answer.recent_only {
                reply.push(Block::Hint(
                    "Add a title or abstract word to search every stored paper.".to_owned(),
                ));
            }
        }
        Ok(reply)
    }

    /// Papers of the recent Hugging Face days, for trending.
    fn trending_pool(&self, now: DateTime<Utc>) -> Result<Vec<Paper>, StoreError> {
        let since = now - chrono::Duration::days(TRENDING_WINDOW_DAYS);
        self.store
            .papers_stored_since(since)
            .filter(|p| !matches!(p, Ok(paper) if paper.hf.as_ref().and_then(|h| h.featured_on).is_none()))
            .collect()
    }

    /// `/trending N`: the most upvoted papers of the latest Hugging Face day.
    pub fn trending_reply(&self, count: usize, now: DateTime<Utc>) -> Result<Reply, StoreError> {
        let pool = self.trending_pool(now)?;
        let refs: Vec<&Paper> = pool.iter().collect();
        let (top, day) = digest::top_trending(&refs, count);
        let Some(day) = day else {
            return Ok(Reply::text(
                "No Hugging Face daily papers in the last week yet; trending needs the hf source.",
            ));
        };
        let items = top
            .iter()
            .filter_map(|p| digest::paper_item(p, &[]).ok())
            .collect();
        Ok(Reply::new()
            .with(Block::Heading(format!(
                "Trending on Hugging Face, {}",
                day.format("%a %d %b %Y")
            )))
            .with(Block::Papers(items)))
    }
}

/// The command word, for logs (never the arguments, which are user text).
fn command_name(text: &str) -> &str {
    let word = text.split_whitespace().next().unwrap_or("");
    let word = word.split('@').next().unwrap_or(word);
    if word.starts_with('/') && word.len() <= 20 && word.is_ascii() {
        word
    } else {
        "(not a command)"
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
