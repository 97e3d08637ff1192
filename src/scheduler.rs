//! The one loop that drives the daemon: ingest on its cron, digests on each subscriber's
//! schedule, deliveries when due. It sleeps until the next due time (not interval ticks) and
//! wakes early when a command changed something it waits on.
//!
//! What it last did is persisted, not remembered: each subscriber's `last_slot` says which
//! scheduled slot was served, so a restart never repeats one, and after downtime
//! `schedule::latest_due` yields one catch-up slot for all the missed ones.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::delivery::{Deliverer, DeliveryReport};
use crate::ingest::{IngestError, Ingestor};
use crate::schedule::{self, Schedule};
use crate::service::Service;
use crate::store::StoreError;
use crate::subscriber::SubscriberId;

/// Even with nothing due, look at the clock this often (a changed system clock, a suspend).
const MAX_NAP: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
}

pub struct Scheduler {
    service: Arc<Service>,
    ingestor: Arc<Ingestor>,
    deliverer: Arc<Deliverer>,
    clock: Clock,
    /// When to poll the sources, read in UTC (may be more often than hourly).
    ingest_schedule: Schedule,
    /// How long in-flight deliveries may run after the shutdown signal.
    shutdown_grace: Duration,
}

/// What one pass of the loop did, for logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub ingested: bool,
    pub digests_queued: usize,
    pub delivery: DeliveryReport,
}

impl Scheduler {
    pub fn new(
        service: Arc<Service>,
        ingestor: Arc<Ingestor>,
        deliverer: Arc<Deliverer>,
        clock: Clock,
        ingest_schedule: Schedule,
        shutdown_grace: Duration,
    ) -> Scheduler {
        Scheduler {
            service,
            ingestor,
            deliverer,
            clock,
            ingest_schedule,
            shutdown_grace,
        }
    }

    /// Runs until `shutdown`. Polls the sources at once, then sends a digest to each of
    /// `digest_on_start`, then follows the schedules.
    pub async fn run(
        &self,
        digest_on_start: &[SubscriberId],
        shutdown: &CancellationToken,
    ) -> Result<(), LoopError> {
        let wake = self.service.wake_handle();
        let mut next_ingest = self.clock.now();
        let mut on_start: HashSet<SubscriberId> = digest_on_start.iter().copied().collect();
        loop {
            let now = self.clock.now();
            let mut report = PassReport::default();
            if now >= next_ingest {
                let reports = tokio::select! {
                    result = self.ingestor.poll_all(now) => result?,
                    () = shutdown.cancelled() => return Ok(()),
                };
                crate::daemon::after_poll(
                    &self.service,
                    &self.ingestor,
                    &reports,
                    self.clock.now(),
                )
                .await?;
                // New papers become related-papers and search results at once.
                if let Err(err) = self.service.library().refresh_if_built().await {
                    tracing::error!(error = %err, "cannot add new papers to the related-papers index");
                }
                report.ingested = true;
                next_ingest = schedule::next_after(&self.ingest_schedule, Tz::UTC, now)
                    .unwrap_or(now + chrono::Duration::hours(1));
            }
            let now = self.clock.now();
            let (queued, next_digest) = self.queue_due_digests(now, &mut on_start)?;
            report.digests_queued = queued;
            // Queued digests and the slots marked served (even by empty digests) are durable
            // before anything is sent.
            self.service.store().flush_async().await?;
            let (delivery, next_retry) = self.deliver(now, shutdown).await?;
            report.delivery = delivery;
            if report != PassReport::default() {
                tracing::info!(
                    ingested = report.ingested,
                    digests_queued = report.digests_queued,
                    sent = report.delivery.sent,
                    retried = report.delivery.retried,
                    abandoned = report.delivery.abandoned,
                    deactivated = report.delivery.deactivated,
                    "scheduler pass"
                );
            }
            if shutdown.is_cancelled() {
                return Ok(());
            }
            let wake_at = [Some(next_ingest), next_digest, next_retry]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(next_ingest);
            tokio::select! {
                () = self.clock.sleep_until(wake_at, MAX_NAP) => {}
                () = wake.notified() => {}
                () = shutdown.cancelled() => return Ok(()),
            }
        }
    }

    /// Queues the digest of every subscriber whose schedule fell due. Returns how many were
    /// queued and the next time any schedule falls due.
    fn queue_due_digests(
        &self,
        now: DateTime<Utc>,
        on_start: &mut HashSet<SubscriberId>,
    ) -> Result<(usize, Option<DateTime<Utc>>), StoreError> {
        let mut due = Vec::new();
        let mut next_due: Option<DateTime<Utc>> = None;
        // Most subscribers share a handful of schedules; parse each text once per pass.
        let mut parsed: HashMap<String, Option<Schedule>> = HashMap::new();
        for subscriber in self.service.store().subscribers()? {
            if !subscriber.active || subscriber.paused {
                continue;
            }
            if on_start.remove(&subscriber.id) {
                due.push((subscriber, None));
                continue;
            }
            let schedule = parsed
                .entry(subscriber.schedule.clone())
                .or_insert_with(|| schedule::parse(&subscriber.schedule).ok());
            let Some(schedule) = schedule.as_ref() else {
                tracing::warn!(subscriber = %subscriber.id, schedule = %subscriber.schedule, "unreadable schedule; skipped");
                continue;
            };
            let tz = schedule::parse_time_zone(&subscriber.time_zone).unwrap_or(Tz::UTC);
            if let Some(next) = schedule::next_after(schedule, tz, now) {
                next_due = Some(next_due.map_or(next, |d| d.min(next)));
            }
            let after = subscriber.last_slot.unwrap_or(subscriber.created_at);
            if let Some(slot) = schedule::latest_due(schedule, tz, after, now) {
                due.push((subscriber, Some(slot)));
            }
        }
        let queued = self.service.queue_due_digests(&due, now)?;
        Ok((queued, next_due))
    }

    /// Delivers what is due. After the shutdown signal, sends already under way get
    /// `shutdown_grace` to finish.
    async fn deliver(
        &self,
        now: DateTime<Utc>,
        shutdown: &CancellationToken,
    ) -> Result<(DeliveryReport, Option<DateTime<Utc>>), StoreError> {
        let delivery = self.deliverer.deliver_due(now);
        tokio::pin!(delivery);
        tokio::select! {
            result = &mut delivery => result,
            () = shutdown.cancelled() => {
                match tokio::time::timeout(self.shutdown_grace, delivery).await {
                    Ok(result) => result,
                    Err(_) => {
                        tracing::warn!(grace_secs = self.shutdown_grace.as_secs(), "deliveries still running at the shutdown deadline; they stay pending");
                        Ok((DeliveryReport::default(), None))
                    }
                }
            }
        }
    }
}
