//! The running daemon: the one place background loops start. Every loop observes the one
//! shutdown token; when it fires, loops finish their current step (deliveries get a grace
//! period), the store is flushed and systemd is told.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::Config;
use crate::delivery::{Deliverer, DeliveryReport, RetryPolicy};
use crate::discord::Discord;
use crate::email::Email;
use crate::ingest::{Ingestor, SourceReport};
use crate::links::Links;
use crate::matching::FollowQuery;
use crate::metrics::Metrics;
use crate::ops::Ops;
use crate::schedule::{self, Schedule};
use crate::scheduler::{LoopError, Scheduler};
use crate::service::Service;
use crate::status;
use crate::store::{Store, StoreError};
use crate::subscriber::{Address, Follow, SubscriberId};
use crate::telegram::Telegram;
use crate::token::Signer;
use crate::transports::{console::ConsoleTransport, file::FileTransport};
use crate::web::Web;

/// The deliverer's own limit for transports whose front end keeps the platform's limits.
const UNLIMITED_PER_SECOND: u32 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the system has no randomness for the web signing key; set web.signing_key")]
    NoRandomness,
}

/// Everything the daemon runs on, built once from the config.
pub struct App {
    pub service: Arc<Service>,
    pub ingestor: Arc<Ingestor>,
    pub deliverer: Arc<Deliverer>,
    pub clock: Clock,
    /// The Telegram front end, when a token is configured.
    pub telegram: Option<Telegram>,
    /// The Discord front end, when a token is configured.
    pub discord: Option<Discord>,
    /// The links in mails and pages, signed with the web signing key.
    pub links: Arc<Links>,
    /// The email transport (SMTP, or `.eml` files), when `email.from` is usable.
    pub email: Option<Arc<Email>>,
    /// The operator's figures, shared by the service, the deliverer and `/metrics`.
    pub metrics: Arc<Metrics>,
}

impl App {
    /// Wires the parts together. The embedded transports (console, files) are always on;
    /// a chat front end is on when its token is configured. Call inside a tokio runtime.
    pub fn new(ingestor: Ingestor, clock: Clock) -> Result<App, AppError> {
        let store = ingestor.store().clone();
        let config = Arc::new(ingestor.config().clone());
        let policy = RetryPolicy {
            max_attempts: config.delivery.max_attempts,
            max_rejections: config.delivery.max_rejections,
            ..RetryPolicy::default()
        };
        let key = match &config.web.signing_key {
            Some(key) => key.expose().as_bytes().to_vec(),
            None => {
                // A predictable key would let anyone forge links: no randomness, no start.
                let fresh = crate::web::random_bytes(32).ok_or(AppError::NoRandomness)?;
                store.web_signing_key(|| fresh)?
            }
        };
        let links = Arc::new(Links::new(
            &config.web.base_url,
            Arc::new(Signer::new(&key)),
            chrono::Duration::days(i64::try_from(config.web.link_ttl_days).unwrap_or(365)),
            chrono::Duration::hours(i64::try_from(config.web.confirm_ttl_hours).unwrap_or(48)),
        ));
        let email = match Email::from_config(&config, links.clone(), clock) {
            Ok(email) => Some(Arc::new(email)),
            Err(err) => {
                tracing::error!(error = %err, "the email transport is off");
                None
            }
        };
        let metrics = Arc::new(Metrics::new());
        let mut deliverer = Deliverer::new(store.clone(), policy)
            .with_metrics(metrics.clone())
            .with_transport(Arc::new(ConsoleTransport), 1000)
            .with_transport(Arc::new(FileTransport::new(config.file_dir())), 1000);
        let ingestor = Arc::new(ingestor);
        let service = Arc::new(
            Service::new(store, config.clone())
                .with_ingestor(ingestor.clone())
                .with_metrics(metrics.clone()),
        );
        let telegram = match Telegram::from_config(&config.telegram, service.clone(), clock) {
            Ok(telegram) => telegram,
            Err(err) => {
                tracing::error!(error = %err, "the Telegram front end is off");
                None
            }
        };
        if let Some(telegram) = &telegram {
            // Telegram's limits are kept by the front end, for replies and digests alike;
            // this one never binds first.
            deliverer = deliverer.with_transport(telegram.transport(), UNLIMITED_PER_SECOND);
        }
        let discord = match Discord::from_config(&config.discord, service.clone(), clock) {
            Ok(discord) => discord,
            Err(err) => {
                tracing::error!(error = %err, "the Discord front end is off");
                None
            }
        };
        if let Some(discord) = &discord {
            // Discord's limits, too, are kept by its front end.
            deliverer = deliverer.with_transport(discord.transport(), UNLIMITED_PER_SECOND);
        }
        if let Some(email) = &email {
            deliverer = deliverer.with_transport(email.clone(), config.email.per_second);
        }
        Ok(App {
            service,
            ingestor,
            deliverer: Arc::new(deliverer),
            clock,
            telegram,
            discord,
            links,
            email,
            metrics,
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        self.ingestor.store()
    }

    pub fn config(&self) -> &Config {
        self.ingestor.config()
    }

    /// Creates the subscribers the config defines (adding follows they lack) and returns
    /// those that want a digest at start-up.
    pub fn ensure_configured_subscribers(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<SubscriberId>, StoreError> {
        let config = self.config();
        let mut digest_on_start = Vec::new();
        for configured in &config.subscribers {
            // Validated with the config; a failure here would be a bug, so skip loudly.
            let Ok(address) = configured.address.parse::<Address>() else {
                tracing::error!(address = %configured.address, "configured subscriber has a bad address");
                continue;
            };
            let (mut subscriber, created) =
                self.store().subscriber_for_address(&address, |id| {
                    let mut subscriber = self.service.new_subscriber(id, address.clone(), now);
                    if let Some(spec) = &configured.schedule
                        && let Ok(schedule) = schedule::parse(spec)
                    {
                        subscriber.schedule = schedule.normalized().to_owned();
                    }
                    if let Some(zone) = &configured.time_zone {
                        subscriber.time_zone = zone.clone();
                    }
                    subscriber
                })?;
            if created {
                tracing::info!(subscriber = %subscriber.id, %address, "created configured subscriber");
            } else if !subscriber.active {
                subscriber.active = true;
                self.store().put_subscriber(&subscriber)?;
            }
            let existing: Vec<String> = self
                .store()
                .follows(subscriber.id)?
                .into_iter()
                .map(|f| f.query)
                .collect();
            for text in &configured.follows {
                let Ok(query) = FollowQuery::parse(text, config.limits.max_query_chars) else {
                    continue;
                };
                let normalized = query.normalized();
                if !existing.contains(&normalized) {
                    self.store().add_follow(
                        subscriber.id,
                        &Follow {
                            query: normalized,
                            created_at: now,
                        },
                    )?;
                }
            }
            if configured.digest_on_start {
                digest_on_start.push(subscriber.id);
            }
        }
        self.store().flush()?;
        Ok(digest_on_start)
    }

    fn scheduler(&self) -> Scheduler {
        let config = self.config();
        // Validated with the config; `Off` would only follow from a bug (and is logged).
        let ingest_schedule = schedule::parse_operator(&config.ingest.schedule).unwrap_or_else(|err| {
            tracing::error!(error = %err, "unreadable ingest schedule; polling only at start-up");
            Schedule::Off
        });
        Scheduler::new(
            self.service.clone(),
            self.ingestor.clone(),
            self.deliverer.clone(),
            self.clock,
            ingest_schedule,
            Duration::from_secs(config.delivery.shutdown_grace_secs),
        )
    }
}

/// What `run --once` did.
pub struct OnceReport {
    pub sources: Vec<SourceReport>,
    pub digests_queued: usize,
    pub delivery: DeliveryReport,
}

/// One round: poll every source, send the digests that are due (and the configured
/// start-up digests), deliver, and return. For `paperboy run --once`.
pub async fn run_once(app: &App) -> Result<OnceReport, LoopError> {
    let now = app.clock.now();
    let on_start = app.ensure_configured_subscribers(now)?;
    let sources = app.ingestor.poll_all(now).await?;
    after_poll(&app.service, &app.ingestor, &sources, app.clock.now()).await?;
    let now = app.clock.now();
    let mut due = Vec::new();
    for id in on_start {
        if let Some(subscriber) = app.store().subscriber(id)?
            && subscriber.active
            && !subscriber.paused
        {
            due.push((subscriber, None));
        }
    }
    let digests_queued = app.service.queue_due_digests(&due, now)?;
    app.store().flush_async().await?;
    let (delivery, _) = app.deliverer.deliver_due(now).await?;
    Ok(OnceReport {
        sources,
        digests_queued,
        delivery,
    })
}

/// Runs the daemon until `shutdown` fires.
pub async fn run(app: &App, shutdown: CancellationToken) -> Result<(), LoopError> {
    let on_start = app.ensure_configured_subscribers(app.clock.now())?;
    notify_systemd(&[sd_notify::NotifyState::Ready]);
    let watchdog = spawn_watchdog(app.store().clone(), shutdown.clone());
    tracing::info!(
        data_dir = %app.store().data_dir().display(),
        ingest_schedule = %app.config().ingest.schedule,
        subscribers = app.store().subscribers()?.len(),
        "paperboy running"
    );
    // Built in the background, so the first /related does not wait for it.
    let service = app.service.clone();
    let index_build = tokio::spawn(async move {
        if let Err(err) = service.library().refresh().await {
            tracing::error!(error = %err, "cannot build the related-papers index");
        }
    });
    let telegram = app.telegram.clone().map(|telegram| {
        let shutdown = shutdown.clone();
        tokio::spawn(async move { telegram.run(shutdown).await })
    });
    let discord = app.discord.clone().map(|discord| {
        let shutdown = shutdown.clone();
        tokio::spawn(async move { discord.run(shutdown).await })
    });
    let web = match &app.config().web.listen {
        Some(listen) => match tokio::net::TcpListener::bind(listen).await {
            Ok(listener) => {
                let web = Arc::new(Web::new(
                    &app.config().web,
                    app.service.clone(),
                    app.email.clone(),
                    app.links.clone(),
                    app.clock,
                ));
                let shutdown = shutdown.clone();
                Some(tokio::spawn(web.serve(listener, shutdown)))
            }
            Err(err) => {
                tracing::error!(listen = %listen, error = %err, "web: cannot listen; the web page is off");
                None
            }
        },
        None => None,
    };
    let ops = match &app.config().metrics.listen {
        Some(listen) => match tokio::net::TcpListener::bind(listen).await {
            Ok(listener) => {
                let ops = Arc::new(Ops::new(app.service.clone(), app.clock));
                Some(tokio::spawn(ops.serve(listener, shutdown.clone())))
            }
            Err(err) => {
                tracing::error!(listen = %listen, error = %err, "metrics: cannot listen; /metrics and /healthz are off");
                None
            }
        },
        None => None,
    };
    let result = app.scheduler().run(&on_start, &shutdown).await;
    index_build.abort();
    shutdown.cancel();
    if let Some(telegram) = telegram {
        let _ = telegram.await;
    }
    if let Some(discord) = discord {
        let _ = discord.await;
    }
    if let Some(web) = web {
        let _ = web.await;
    }
    if let Some(ops) = ops {
        let _ = ops.await;
    }
    if let Err(err) = &result {
        tracing::error!(error = %err, "the scheduler stopped on an error");
    }
    shutdown.cancel();
    notify_systemd(&[sd_notify::NotifyState::Stopping]);
    if let Some(watchdog) = watchdog {
        let _ = watchdog.await;
    }
    app.store().flush_async().await?;
    tracing::info!("store flushed; stopped");
    result
}

/// Pings systemd's watchdog at half its interval for as long as the store can be flushed.
fn spawn_watchdog(
    store: Arc<Store>,
    shutdown: CancellationToken,
) -> Option<tokio::task::JoinHandle<()>> {
    let interval = sd_notify::watchdog_enabled()?;
    let period = (interval / 2).max(Duration::from_millis(100));
    Some(tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(period) => {}
                () = shutdown.cancelled() => return,
            }
            match store.flush_async().await {
                Ok(()) => notify_systemd(&[sd_notify::NotifyState::Watchdog]),
                Err(error) => {
                    tracing::error!(%error, "store not writable; withholding the watchdog ping")
                }
            }
        }
    }))
}

/// What follows every poll: papers and failures counted per source, the status snapshot
/// written, and the admin contact told about sources that turned bad or recovered.
pub async fn after_poll(
    service: &Service,
    ingestor: &Ingestor,
    reports: &[SourceReport],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for report in reports {
        service
            .metrics()
            .record_poll(&report.name, report.counts.new, report.error.is_some());
    }
    write_status(ingestor);
    service.alert_admin(now).await?;
    Ok(())
}

/// Keeps `paperboy status` useful while the daemon holds the store's lock.
pub fn write_status(ingestor: &Ingestor) {
    let store = ingestor.store();
    let written = status::snapshot(store, ingestor.config(), Utc::now())
        .map_err(|e| e.to_string())
        .and_then(|snap| {
            status::write_snapshot(store.data_dir(), &snap).map_err(|e| e.to_string())
        });
    if let Err(error) = written {
        tracing::warn!(%error, "cannot write the status snapshot");
    }
}

fn notify_systemd(states: &[sd_notify::NotifyState]) {
    // Outside systemd there is no socket and this is a no-op.
    if let Err(error) = sd_notify::notify(states) {
        tracing::debug!(%error, "sd_notify failed");
    }
}
