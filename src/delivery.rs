//! Getting outbox entries to subscribers, exactly once, whatever the platform says.
//!
//! Each transport implements [`Deliver`] and maps its platform's answers onto one closed
//! [`DeliveryOutcome`]. Everything that follows from an outcome (retry when, give up when,
//! deactivate, rewrite the address) is decided here, once, by [`next_step`] (pure), and
//! carried out by [`Deliverer`]. Rate limits are one mechanism for all transports: a governor
//! limiter per transport, on a clock that follows tokio's time so tests can pause it.

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
pub use governor::Quota;
use governor::RateLimiter;
use governor::clock::Clock as GovernorClock;
use governor::nanos::Nanos;

use crate::metrics::{DeliveryCount, Metrics};
use crate::outbox::OutboxEntry;
use crate::reply::Reply;
use crate::store::{Store, StoreError};
use crate::subscriber::{Address, Subscriber, Transport};

/// What a platform said about one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent,
    /// Try again after this long (a 429's retry_after, a 4xx from SMTP, a timeout).
    RetryAfter(Duration),
    /// The address no longer exists or refuses us (blocked, deleted, kicked).
    Gone {
        reason: String,
    },
    /// The address changed (a Telegram group became a supergroup); resend there.
    Moved {
        to: Address,
    },
    /// A failure worth retrying with backoff (a 4xx SMTP answer, a dropped connection, a
    /// rejected payload that may be fixed).
    Failed {
        reason: String,
    },
    /// Refused for good (a 5xx SMTP answer, a hard bounce): never retried. Rejections in a
    /// row are counted per subscriber; `max_rejections` of them deactivate the subscriber.
    Rejected {
        reason: String,
    },
}

/// One message to deliver.
#[derive(Clone, Copy, Debug)]
pub struct OutgoingMessage<'a> {
    /// The outbox id: transports that can deduplicate (a file name, a Discord nonce) use it.
    pub id: u64,
    pub subject: &'a str,
    pub message: &'a Reply,
}

pub type DeliverFuture<'a> = Pin<Box<dyn Future<Output = DeliveryOutcome> + Send + 'a>>;

/// A transport adapter. It translates; it decides nothing.
pub trait Deliver: Send + Sync {
    fn transport(&self) -> Transport;
    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a>;
}

/// How persistent delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Failed attempts before a message is abandoned; "retry after" answers do not count.
    pub max_attempts: u32,
    /// Backoff after the n-th failure (from 1): base × 2^(n-1), capped at `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a platform may keep answering "retry after" before the message is a failure.
    pub max_rate_limited: Duration,
    /// A message waiting for a transport that is not configured is retried this often.
    pub missing_transport_retry: Duration,
    /// Messages rejected for good in a row after which a subscriber is deactivated.
    pub max_rejections: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            // 30 s doubling to an hour: 30 attempts keep trying for about 23 hours, so a
            // platform or mail server down for hours loses no digest.
            max_attempts: 30,
            base_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            max_rate_limited: Duration::from_secs(24 * 3600),
            missing_transport_retry: Duration::from_secs(3600),
            max_rejections: 3,
        }
    }
}

/// What to do after an outcome. Pure policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// Delivered: remove the entry.
    Done,
    /// Keep the entry; try again at `at`. `failed` says whether this try counts as a failure
    /// (it does not when the platform asked for a wait).
    Retry {
        at: DateTime<Utc>,
        error: String,
        failed: bool,
    },
    /// Give up on this message (logged, counted).
    Abandon { reason: String },
    /// The subscriber is gone: deactivate them and drop the message.
    Deactivate { reason: String },
    /// Rewrite the subscriber's address and resend at once.
    Readdress { to: Address },
}

/// Where a message stands before this outcome: its failures so far and when it was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryState {
    pub failures: u32,
    pub created_at: DateTime<Utc>,
}

impl From<&OutboxEntry> for RetryState {
    fn from(entry: &OutboxEntry) -> RetryState {
        RetryState {
            failures: entry.failures,
            created_at: entry.created_at,
        }
    }
}

pub fn next_step(
    outcome: &DeliveryOutcome,
    state: RetryState,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> NextStep {
    let at =
        |wait: Duration| now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
    match outcome {
        DeliveryOutcome::Sent => NextStep::Done,
        DeliveryOutcome::Gone { reason } => NextStep::Deactivate {
            reason: reason.clone(),
        },
        DeliveryOutcome::Moved { to } => NextStep::Readdress { to: to.clone() },
        // The platform asked for a wait: honour it without counting a failure, up to a
        // point; a platform that says "later" for a whole day is a failure.
        DeliveryOutcome::RetryAfter(wait) => {
            let queued_for = (at(*wait) - state.created_at).to_std().unwrap_or_default();
            if queued_for <= policy.max_rate_limited {
                NextStep::Retry {
                    at: at(*wait),
                    error: format!("asked to retry after {}s", wait.as_secs()),
                    failed: false,
                }
            } else {
                NextStep::Abandon {
                    reason: "the platform kept asking to retry later".into(),
                }
            }
        }
        DeliveryOutcome::Failed { reason } => {
            let failures = state.failures.saturating_add(1);
            if failures < policy.max_attempts {
                let exponent = failures.saturating_sub(1).min(20);
                let backoff = policy
                    .base_backoff
                    .saturating_mul(1 << exponent)
                    .min(policy.max_backoff);
                NextStep::Retry {
                    at: at(backoff),
                    error: reason.clone(),
                    failed: true,
                }
            } else {
                NextStep::Abandon {
                    reason: format!("{reason} (after {failures} failed attempts)"),
                }
            }
        }
        // The Deliverer counts rejections and asks `after_rejection`; alone, one rejection
        // only ends this message.
        DeliveryOutcome::Rejected { reason } => NextStep::Abandon {
            reason: reason.clone(),
        },
    }
}

/// After a rejection (the `rejections_in_a_row`th): the message is given up; the subscriber
/// too once the rejections reach `policy.max_rejections`.
pub fn after_rejection(reason: &str, rejections_in_a_row: u32, policy: &RetryPolicy) -> NextStep {
    if rejections_in_a_row >= policy.max_rejections {
        NextStep::Deactivate {
            reason: format!("{reason} ({rejections_in_a_row} rejected messages in a row)"),
        }
    } else {
        NextStep::Abandon {
            reason: format!("{reason} (rejected; not retried)"),
        }
    }
}

/// Pauses a transport that keeps failing, so one dead platform (a mail server that never
/// answers) does not hold up the others: delivery is sequential, and without it every message
/// for that platform would wait out its timeout in turn. Pure: time is passed in.
///
/// Three failures in a row, across any messages, open it for `base_backoff`; after that a
/// single failed probe opens it again for twice as long, up to `max_backoff`. Anything but a
/// failure closes it ("retry after" says the platform is alive). While it is open, the
/// transport's messages wait without an attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breaker {
    failures_in_a_row: u32,
    /// Times opened since the last success; more than zero means a probe is under way.
    trips: u32,
    open_until: Option<DateTime<Utc>>,
}

impl Breaker {
    const FAILURES_TO_OPEN: u32 = 3;

    /// Until when the transport is paused, if it is at `now`.
    pub fn open_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.open_until.filter(|until| now < *until)
    }

    /// Counts an outcome; returns the new pause when this one opened the breaker.
    pub fn record(
        &mut self,
        outcome: &DeliveryOutcome,
        policy: &RetryPolicy,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        match outcome {
            DeliveryOutcome::Failed { .. } => {
                self.failures_in_a_row += 1;
                if self.failures_in_a_row < Breaker::FAILURES_TO_OPEN && self.trips == 0 {
                    return None;
                }
                let pause = policy
                    .base_backoff
                    .saturating_mul(1 << self.trips.min(20))
                    .min(policy.max_backoff);
                let until =
                    now + chrono::Duration::from_std(pause).unwrap_or(chrono::Duration::MAX);
                self.trips += 1;
                self.failures_in_a_row = 0;
                self.open_until = Some(until);
                Some(until)
            }
            DeliveryOutcome::RetryAfter(_) => None,
            _ => {
                *self = Breaker::default();
                None
            }
        }
    }
}

/// governor's clock, following tokio's time (paused in tests).
#[derive(Clone, Debug)]
pub struct TokioGovernorClock {
    start: tokio::time::Instant,
}

impl GovernorClock for TokioGovernorClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        Nanos::from(self.start.elapsed())
    }
}

type TransportLimiter = RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    TokioGovernorClock,
    governor::middleware::NoOpMiddleware<Nanos>,
>;

type ConversationKeyedLimiter = RateLimiter<
    i64,
    governor::state::keyed::HashMapStateStore<i64>,
    TokioGovernorClock,
    governor::middleware::NoOpMiddleware<Nanos>,
>;

/// A chat platform's limits, on tokio's clock: a quota per conversation, a tighter one for
/// group conversations, and one overall. Front ends pass every send (replies and digests)
/// through one of these, so the platform's limits are kept in one place.
pub struct ConversationLimits {
    clock: TokioGovernorClock,
    overall: TransportLimiter,
    per_conversation: ConversationKeyedLimiter,
    per_group: ConversationKeyedLimiter,
}

impl ConversationLimits {
    /// Must be created inside a tokio runtime (its clock starts at tokio's now).
    pub fn new(overall: Quota, per_conversation: Quota, per_group: Quota) -> ConversationLimits {
        let clock = TokioGovernorClock {
            start: tokio::time::Instant::now(),
        };
        ConversationLimits {
            overall: RateLimiter::direct_with_clock(overall, clock.clone()),
            per_conversation: RateLimiter::new(
                per_conversation,
                governor::state::keyed::HashMapStateStore::default(),
                clock.clone(),
            ),
            per_group: RateLimiter::new(
                per_group,
                governor::state::keyed::HashMapStateStore::default(),
                clock.clone(),
            ),
            clock,
        }
    }

    /// Waits until one more message to `conversation` is within every limit, and counts it.
    pub async fn until_ready(&self, conversation: i64, group: bool) {
        let pause = |wait: Duration| tokio::time::sleep(wait.max(Duration::from_millis(1)));
        while let Err(not_until) = self.per_conversation.check_key(&conversation) {
            pause(not_until.wait_time_from(self.clock.now())).await;
        }
        if group {
            while let Err(not_until) = self.per_group.check_key(&conversation) {
                pause(not_until.wait_time_from(self.clock.now())).await;
            }
        }
        while let Err(not_until) = self.overall.check() {
            pause(not_until.wait_time_from(self.clock.now())).await;
        }
    }
}

/// What one delivery round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retried: usize,
    pub abandoned: usize,
    pub deactivated: usize,
    /// Not tried: their transport's breaker was open.
    pub held: usize,
}

/// One pass over the outbox: the scheduler's `now` at its start, and the tokio instant then,
/// so a long pass (timeouts add up) still knows the time.
#[derive(Clone, Copy, Debug)]
struct Pass {
    now: DateTime<Utc>,
    started: tokio::time::Instant,
}

impl Pass {
    fn current(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default();
        self.now + elapsed
    }
}

/// Works off the outbox through the configured transports.
pub struct Deliverer {
    store: Arc<Store>,
    transports: HashMap<Transport, Arc<dyn Deliver>>,
    /// Each limiter with a handle on its clock (to read how long to wait).
    limiters: HashMap<Transport, (TransportLimiter, TokioGovernorClock)>,
    policy: RetryPolicy,
    metrics: Arc<Metrics>,
    /// One per transport; in memory, so a restart tries every transport afresh.
    breakers: std::sync::Mutex<HashMap<Transport, Breaker>>,
}

impl Deliverer {
    pub fn new(store: Arc<Store>, policy: RetryPolicy) -> Deliverer {
        Deliverer {
            store,
            transports: HashMap::new(),
            limiters: HashMap::new(),
            policy,
            metrics: Arc::new(Metrics::new()),
            breakers: std::sync::Mutex::default(),
        }
    }

    /// Counts outcomes into `metrics` (shared with the `/metrics` endpoint).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Deliverer {
        self.metrics = metrics;
        self
    }

    /// Adds a transport, limited to `per_second` messages a second (bursting to that many).
    pub fn with_transport(mut self, transport: Arc<dyn Deliver>, per_second: u32) -> Deliverer {
        let kind = transport.transport();
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let clock = TokioGovernorClock {
            start: tokio::time::Instant::now(),
        };
        let limiter = RateLimiter::direct_with_clock(Quota::per_second(rate), clock.clone());
        self.limiters.insert(kind, (limiter, clock));
        self.transports.insert(kind, transport);
        self
    }

    /// Delivers every pending entry that is due at `now`. Returns what happened and when
    /// the next entry falls due, if any.
    pub async fn deliver_due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(DeliveryReport, Option<DateTime<Utc>>), StoreError> {
        let mut report = DeliveryReport::default();
        let mut next_due: Option<DateTime<Utc>> = None;
        let pass = Pass {
            now,
            started: tokio::time::Instant::now(),
        };
        for entry in self.store.pending_messages()? {
            if entry.next_attempt_at > now {
                next_due =
                    Some(next_due.map_or(entry.next_attempt_at, |d| d.min(entry.next_attempt_at)));
                continue;
            }
            if let Some(retry_at) = self.deliver_entry(entry, pass, &mut report).await? {
                next_due = Some(next_due.map_or(retry_at, |d| d.min(retry_at)));
            }
        }
        Ok((report, next_due))
    }

    /// Delivers one entry; returns the retry time when it stays pending.
    async fn deliver_entry(
        &self,
        mut entry: OutboxEntry,
        pass: Pass,
        report: &mut DeliveryReport,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let now = pass.now;
        let Some(mut subscriber) = self.store.subscriber(entry.subscriber)? else {
            tracing::warn!(
                outbox = entry.id,
                "dropping a message for a deleted subscriber"
            );
            self.store.complete_message(entry.id)?;
            return Ok(None);
        };
        if !subscriber.active {
            tracing::info!(outbox = entry.id, subscriber = %subscriber.id, "dropping a message for an inactive subscriber");
            self.store.complete_message(entry.id)?;
            return Ok(None);
        }
        let kind = subscriber.address.transport();
        if let Some(until) = self.paused_until(kind, pass.current()) {
            // Its transport keeps failing. A message that has waited a day is given up, as
            // its own failures would have given it up.
            let waited = (now - entry.created_at).to_std().unwrap_or_default();
            if waited > self.policy.max_rate_limited {
                self.store.complete_message(entry.id)?;
                tracing::error!(outbox = entry.id, subscriber = %subscriber.id, transport = kind.as_str(), "delivery abandoned: its transport has been failing for a day");
                report.abandoned += 1;
                self.metrics
                    .record_delivery(kind.as_str(), DeliveryCount::Failed);
                return Ok(None);
            }
            report.held += 1;
            return Ok(Some(until));
        }
        // One readdressing per round: a platform that keeps saying "moved" is a failure.
        let mut readdressed = false;
        loop {
            let outcome = self.attempt(&subscriber, &entry).await;
            if let Some(outcome) = &outcome {
                self.record_for_breaker(kind, outcome, pass.current());
            }
            let transport = subscriber.address.transport().as_str();
            let rate_limited = matches!(outcome, Some(DeliveryOutcome::RetryAfter(_)));
            if rate_limited {
                self.metrics.record_rate_limited(transport);
            }
            let step = match outcome {
                Some(DeliveryOutcome::Rejected { reason }) => {
                    let in_a_row = self.store.record_rejection(subscriber.id)?;
                    after_rejection(&reason, in_a_row, &self.policy)
                }
                Some(outcome) => next_step(&outcome, (&entry).into(), &self.policy, now),
                None => NextStep::Retry {
                    at: now
                        + chrono::Duration::from_std(self.policy.missing_transport_retry)
                            .unwrap_or(chrono::Duration::MAX),
                    error: format!(
                        "no {} transport is configured",
                        subscriber.address.transport().as_str()
                    ),
                    failed: false,
                },
            };
            let fields = (
                entry.id,
                subscriber.id,
                subscriber.address.transport().as_str(),
            );
            match step {
                NextStep::Done => {
                    self.store.complete_message(entry.id)?;
                    self.store.clear_rejections(subscriber.id)?;
                    self.store.flush_async().await?;
                    tracing::info!(outbox = fields.0, subscriber = %fields.1, transport = fields.2, subject = %entry.subject, "delivered");
                    report.sent += 1;
                    self.metrics.record_delivery(transport, DeliveryCount::Sent);
                    return Ok(None);
                }
                NextStep::Retry { at, error, failed } => {
                    entry.attempts += 1;
                    entry.failures += u32::from(failed);
                    entry.next_attempt_at = at;
                    entry.last_error = Some(error.clone());
                    self.store.update_message(&entry)?;
                    tracing::warn!(outbox = fields.0, subscriber = %fields.1, transport = fields.2, attempts = entry.attempts, failures = entry.failures, retry_at = %at, error = %error, "delivery postponed");
                    report.retried += 1;
                    self.metrics
                        .record_delivery(transport, DeliveryCount::Retried);
                    return Ok(Some(at));
                }
                NextStep::Abandon { reason } => {
                    self.store.complete_message(entry.id)?;
                    tracing::error!(outbox = fields.0, subscriber = %fields.1, transport = fields.2, reason = %reason, "delivery abandoned");
                    report.abandoned += 1;
                    self.metrics
                        .record_delivery(transport, DeliveryCount::Failed);
                    return Ok(None);
                }
                NextStep::Deactivate { reason } => {
                    subscriber.active = false;
                    self.store.put_subscriber(&subscriber)?;
                    self.store.complete_message(entry.id)?;
                    self.store.flush_async().await?;
                    tracing::warn!(outbox = fields.0, subscriber = %fields.1, transport = fields.2, reason = %reason, "subscriber gone; deactivated");
                    report.deactivated += 1;
                    self.metrics
                        .record_delivery(transport, DeliveryCount::Failed);
                    return Ok(None);
                }
                NextStep::Readdress { to } if !readdressed => {
                    tracing::info!(subscriber = %subscriber.id, from = %subscriber.address, to = %to, "address moved; resending there");
                    subscriber.address = to;
                    self.store.put_subscriber(&subscriber)?;
                    self.store.flush_async().await?;
                    readdressed = true;
                }
                NextStep::Readdress { to } => {
                    let outcome = DeliveryOutcome::Failed {
                        reason: format!("moved twice in a row (last to {to})"),
                    };
                    let step = next_step(&outcome, (&entry).into(), &self.policy, now);
                    if let NextStep::Retry { at, error, .. } = step {
                        entry.attempts += 1;
                        entry.failures += 1;
                        entry.next_attempt_at = at;
                        entry.last_error = Some(error);
                        self.store.update_message(&entry)?;
                        report.retried += 1;
                        self.metrics
                            .record_delivery(transport, DeliveryCount::Retried);
                        return Ok(Some(at));
                    }
                    self.store.complete_message(entry.id)?;
                    report.abandoned += 1;
                    self.metrics
                        .record_delivery(transport, DeliveryCount::Failed);
                    return Ok(None);
                }
            }
        }
    }

    /// Until when `kind` is paused by its breaker, if it is.
    fn paused_until(&self, kind: Transport, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        breakers
            .get(&kind)
            .and_then(|breaker| breaker.open_until(now))
    }

    fn record_for_breaker(&self, kind: Transport, outcome: &DeliveryOutcome, now: DateTime<Utc>) {
        let mut breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        let breaker = breakers.entry(kind).or_default();
        if let Some(until) = breaker.record(outcome, &self.policy, now) {
            tracing::warn!(transport = kind.as_str(), until = %until, "transport failing again and again; its messages wait until then");
        }
    }

    /// One send through the transport's limiter; `None` when the transport is missing.
    async fn attempt(
        &self,
        subscriber: &Subscriber,
        entry: &OutboxEntry,
    ) -> Option<DeliveryOutcome> {
        let kind = subscriber.address.transport();
        let transport = self.transports.get(&kind)?;
        if let Some((limiter, clock)) = self.limiters.get(&kind) {
            while let Err(not_until) = limiter.check() {
                let wait = not_until.wait_time_from(clock.now());
                tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
            }
        }
        let message = OutgoingMessage {
            id: entry.id,
            subject: &entry.subject,
            message: &entry.message,
        };
        Some(transport.deliver(&subscriber.address, message).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn failed() -> DeliveryOutcome {
        DeliveryOutcome::Failed {
            reason: "HTTP 502".into(),
        }
    }

    /// Feeds `outcomes` to one message the way the Deliverer does; returns the time of each
    /// retry and what happened last.
    fn play(outcomes: &[DeliveryOutcome]) -> (Vec<DateTime<Utc>>, NextStep) {
        let policy = RetryPolicy::default();
        let created_at = at("2026-11-25T08:00:00Z");
        let mut state = RetryState {
            failures: 0,
            created_at,
        };
        let mut now = created_at;
        let mut retries = Vec::new();
        for outcome in outcomes {
            match next_step(outcome, state, &policy, now) {
                NextStep::Retry {
                    at, failed: true, ..
                } => {
                    state.failures += 1;
                    retries.push(at);
                    now = at;
                }
                NextStep::Retry { at, .. } => {
                    retries.push(at);
                    now = at;
                }
                last => return (retries, last),
            }
        }
        (retries, NextStep::Done)
    }

    #[test]
    fn failures_back_off_to_an_hour_and_keep_trying_for_most_of_a_day() {
        let (retries, last) = play(&vec![failed(); 40]);
        assert!(matches!(last, NextStep::Abandon { .. }), "{last:?}");
        assert_eq!(retries.len(), 29, "the 30th failure abandons");
        let waits: Vec<i64> = std::iter::once(at("2026-11-25T08:00:00Z"))
            .chain(retries.iter().copied())
            .collect::<Vec<_>>()
            .windows(2)
            .map(|pair| (pair[1] - pair[0]).num_seconds())
            .collect();
        assert_eq!(&waits[..8], &[30, 60, 120, 240, 480, 960, 1920, 3600]);
        assert!(waits[8..].iter().all(|&wait| wait == 3600));
        // A six-hour outage is well inside that.
        let span = *retries.last().unwrap() - at("2026-11-25T08:00:00Z");
        assert_eq!(span.num_seconds(), 3810 + 22 * 3600);
    }

    #[test]
    fn retry_after_waits_do_not_count_as_failures() {
        // A storm of 200 "retry after 30 s" (100 minutes), then a 502 burst: backoff starts
        // from its first step, and the message is still being tried.
        let mut outcomes = vec![DeliveryOutcome::RetryAfter(Duration::from_secs(30)); 200];
        outcomes.extend(vec![failed(); 5]);
        outcomes.push(DeliveryOutcome::Sent);
        let (retries, last) = play(&outcomes);
        assert_eq!(last, NextStep::Done);
        assert_eq!(retries.len(), 205);
        assert_eq!((retries[200] - retries[199]).num_seconds(), 30);
    }

    #[test]
    fn a_platform_that_says_later_for_a_whole_day_is_a_failure() {
        let outcomes = vec![DeliveryOutcome::RetryAfter(Duration::from_secs(3600)); 30];
        let (retries, last) = play(&outcomes);
        assert_eq!(retries.len(), 24, "asked to wait an hour, 24 times");
        assert!(matches!(last, NextStep::Abandon { .. }), "{last:?}");
    }

    #[test]
    fn the_breaker_opens_after_three_failures_and_a_failed_probe_doubles_the_pause() {
        let policy = RetryPolicy::default();
        let t0 = at("2026-11-25T08:00:00Z");
        let mut breaker = Breaker::default();
        assert_eq!(breaker.record(&failed(), &policy, t0), None);
        // A "retry after" neither counts nor resets.
        let later = DeliveryOutcome::RetryAfter(Duration::from_secs(5));
        assert_eq!(breaker.record(&later, &policy, t0), None);
        assert_eq!(breaker.record(&failed(), &policy, t0), None);
        let until = breaker
            .record(&failed(), &policy, t0)
            .expect("the third opens it");
        assert_eq!((until - t0).num_seconds(), 30);
        assert_eq!(breaker.open_until(t0), Some(until));
        assert_eq!(breaker.open_until(until), None, "then a probe may go");
        let again = breaker
            .record(&failed(), &policy, until)
            .expect("a failed probe");
        assert_eq!((again - until).num_seconds(), 60);
        // Pauses double up to an hour.
        let mut now = again;
        for _ in 0..10 {
            now = breaker.record(&failed(), &policy, now).unwrap();
        }
        let last = breaker.record(&failed(), &policy, now).unwrap();
        assert_eq!((last - now).num_seconds(), 3600);
        // One success closes it for good.
        breaker.record(&DeliveryOutcome::Sent, &policy, last);
        assert_eq!(breaker, Breaker::default());
        assert_eq!(breaker.record(&failed(), &policy, last), None);
    }
}
