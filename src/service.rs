//! The platform-neutral service every front end calls: run a command for an address, build
//! and queue digests, show trending papers.
//!
//! The shell around the pure parts: `command` parses and decides, `digest` selects and
//! renders; this module loads their inputs from the store, applies the changes they return,
//! flushes before a user is told anything succeeded, and wakes the scheduler when a
//! schedule changed. Adapters only translate platform updates into `run_command` calls and
//! render the returned [`Reply`].

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::command::{self, Change, CommandLimits, Handled, HandlerContext, SubscriberState};
use crate::config::Config;
use crate::digest::{self, Digest, DigestInput, DigestLimits};
use crate::health::Verdict;
use crate::outbox::OutboxEntry;
use crate::paper::{Paper, PaperId};
use crate::reply::{Block, Reply};
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
            store,
            config,
            wake: Arc::new(Notify::new()),
        }
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

    fn command_limits(&self) -> CommandLimits {
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
            Err(err) => return Ok(err.to_reply()),
        };
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
                self.store.add_follow(subscriber.id, &follow)?;
                return Ok(());
            }
            Change::RemoveFollow { index } => {
                if index < follows.len() {
                    self.store.remove_follow(subscriber.id, index)?;
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
        match self.prepare_digest(subscriber, None, now)? {
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
        let already_sent = self.store.sent_papers(subscriber.id)?;
        let candidates: Vec<Paper> = self
            .store
            .papers_stored_since(subscriber.digested_until)
            .filter(
                |p| !matches!(p, Ok(paper) if paper.stored_at > now || !paper.is_announcement()),
            )
            .collect::<Result<_, _>>()?;
        let trending = self.trending_pool(now)?;
        let input = DigestInput {
            subscriber,
            follows: &follows,
            candidates: &candidates,
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
        let by_id: HashMap<&PaperId, &Paper> = candidates
            .iter()
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
            next_attempt_at: now,
            last_error: None,
        };
        Ok(PreparedDigest::Message {
            entry: Box::new(entry),
            subscriber: moved_on,
            digest,
        })
    }

    /// Builds and queues the scheduled digest for `slot`. Returns whether a message was queued.
    pub fn queue_scheduled_digest(
        &self,
        subscriber: &Subscriber,
        slot: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        match self.prepare_digest(subscriber, slot, now)? {
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
                Ok(true)
            }
            PreparedDigest::Empty { subscriber } => {
                self.store.put_subscriber(&subscriber)?;
                Ok(false)
            }
        }
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
