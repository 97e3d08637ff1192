//! The whole spine on tokio's paused clock: follow -> ingest -> digest on schedule ->
//! delivery, with a real sled store in a temp dir, the real file transport, and a scripted
//! chat transport that answers like a platform would (retry after, gone, moved).

mod support;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use paperboy::clock::Clock;
use paperboy::config::Config;
use paperboy::delivery::{
    Deliver, DeliverFuture, Deliverer, DeliveryOutcome, OutgoingMessage, RetryPolicy,
};
use paperboy::ingest::{Ingestor, build_fetcher};
use paperboy::scheduler::Scheduler;
use paperboy::service::Service;
use paperboy::store::Store;
use paperboy::subscriber::{Address, Transport};
use paperboy::transports::file::FileTransport;
use tokio_util::sync::CancellationToken;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A chat platform that answers from a script (then "sent") and records every attempt.
#[derive(Default)]
struct ScriptedPlatform {
    script: Mutex<VecDeque<DeliveryOutcome>>,
    attempts: Mutex<Vec<(Address, u64, tokio::time::Instant, DeliveryOutcome)>>,
}

impl ScriptedPlatform {
    fn answering(outcomes: impl IntoIterator<Item = DeliveryOutcome>) -> Arc<ScriptedPlatform> {
        Arc::new(ScriptedPlatform {
            script: Mutex::new(outcomes.into_iter().collect()),
            ..ScriptedPlatform::default()
        })
    }

    fn attempts(&self) -> Vec<(Address, u64, tokio::time::Instant, DeliveryOutcome)> {
        self.attempts.lock().unwrap().clone()
    }

    fn delivered_to(&self) -> Vec<Address> {
        self.attempts()
            .into_iter()
            .filter(|a| a.3 == DeliveryOutcome::Sent)
            .map(|a| a.0)
            .collect()
    }
}

impl Deliver for ScriptedPlatform {
    fn transport(&self) -> Transport {
        Transport::Telegram
    }

    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        Box::pin(async move {
            let outcome = self
                .script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(DeliveryOutcome::Sent);
            self.attempts.lock().unwrap().push((
                to.clone(),
                message.id,
                tokio::time::Instant::now(),
                outcome.clone(),
            ));
            outcome
        })
    }
}

/// Papers as a JSONL file source the test can rewrite between runs.
fn write_papers(path: &Path, ids_and_titles: &[(&str, &str)]) {
    let lines: Vec<String> = ids_and_titles
        .iter()
        .map(|(id, title)| {
            serde_json::json!({
                "id": id, "title": title, "abstract": format!("We study {title}."),
                "authors": ["Ada Lovelace"], "categories": ["cs.LG"],
                "published": "2026-11-20T00:00:00Z", "source": "test"
            })
            .to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

struct Daemon {
    service: Arc<Service>,
    clock: Clock,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Daemon {
    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap();
    }
}

fn config(dir: &Path) -> Config {
    support::fixtures::file_source_config(dir)
}

/// Opens the store and starts the scheduler on a clock reading `start` now.
fn start(config: &Config, start: DateTime<Utc>, platform: Arc<ScriptedPlatform>) -> Daemon {
    let store = Arc::new(Store::open(&config.data_dir).unwrap());
    let config = Arc::new(config.clone());
    let ingestor = Arc::new(Ingestor::new(
        store.clone(),
        build_fetcher(&config).unwrap(),
        config.clone(),
    ));
    let deliverer = Deliverer::new(store.clone(), RetryPolicy::default())
        .with_transport(Arc::new(FileTransport::new(config.file_dir())), 100)
        .with_transport(platform, 30);
    let service = Arc::new(Service::new(store, config.clone()));
    let clock = Clock::tokio_from(start);
    let scheduler = Scheduler::new(
        service.clone(),
        ingestor,
        Arc::new(deliverer),
        clock,
        paperboy::schedule::parse_operator(&config.ingest.schedule).unwrap(),
        Duration::from_secs(5),
    );
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let task = tokio::spawn(async move {
        scheduler.run(&[], &token).await.unwrap();
    });
    Daemon {
        service,
        clock,
        shutdown,
        task,
    }
}

fn digest_files(config: &Config, name: &str) -> Vec<PathBuf> {
    let dir = config.file_dir().join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "md"));
    files.sort();
    files
}

/// Runs a command at the daemon's current time.
async fn command(daemon: &Daemon, address: &str, text: &str) -> String {
    let address: Address = address.parse().unwrap();
    daemon
        .service
        .run_command(&address, text, daemon.clock.now())
        .await
        .unwrap()
        .to_plain_text()
}

async fn advance(duration: Duration) {
    tokio::time::sleep(duration).await;
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn a_follow_gets_one_digest_at_eight_local_then_restarts_and_downtime_send_no_more_than_one()
{
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[
            ("2611.00001", "Diffusion for proteins"),
            ("2611.00002", "Sparse attention"),
        ],
    );
    // Wednesday 25 Nov, 05:00 UTC = 06:00 in Berlin.
    let start_at = t("2026-11-25T05:00:00Z");
    let daemon = start(&config, start_at, ScriptedPlatform::answering([]));
    let reply = command(&daemon, "file:lab", "/follow diffusion").await;
    assert!(reply.contains("diffusion"), "{reply}");
    command(&daemon, "file:lab", "/timezone Europe/Berlin").await;

    // 07:59 Berlin: nothing yet.
    advance(HOUR + 59 * MINUTE).await;
    assert!(digest_files(&config, "lab").is_empty());
    // 08:00 Berlin = 07:00 UTC: one digest, with the matching paper only.
    advance(2 * MINUTE).await;
    let files = digest_files(&config, "lab");
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("Diffusion for proteins"), "{text}");
    assert!(!text.contains("Sparse attention"), "{text}");
    daemon.stop().await;

    // A restart at 07:30 UTC the same day resends nothing.
    let daemon = start(
        &config,
        t("2026-11-25T07:30:00Z"),
        ScriptedPlatform::answering([]),
    );
    advance(2 * HOUR).await;
    daemon.stop().await;
    assert_eq!(digest_files(&config, "lab").len(), 1);

    // Three days down; new papers arrived meanwhile. One catch-up digest, not three.
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[
            ("2611.00001", "Diffusion for proteins"),
            ("2611.00003", "Latent diffusion at scale"),
            ("2611.00004", "Diffusion distillation"),
        ],
    );
    let daemon = start(
        &config,
        t("2026-11-28T12:00:00Z"),
        ScriptedPlatform::answering([]),
    );
    advance(Duration::from_secs(60)).await;
    let files = digest_files(&config, "lab");
    assert_eq!(files.len(), 2, "{files:?}");
    let catch_up = std::fs::read_to_string(&files[1]).unwrap();
    assert!(catch_up.contains("Latent diffusion at scale"), "{catch_up}");
    assert!(catch_up.contains("Diffusion distillation"), "{catch_up}");
    assert!(
        !catch_up.contains("Diffusion for proteins"),
        "a paper is sent once, ever"
    );
    let subscriber = daemon
        .service
        .store()
        .subscriber_by_address(&"file:lab".parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        subscriber.last_slot,
        Some(t("2026-11-28T07:00:00Z")),
        "the catch-up stands for the latest missed slot"
    );
    // And the next morning's slot is served normally (nothing new: no message).
    advance(24 * HOUR).await;
    daemon.stop().await;
    assert_eq!(digest_files(&config, "lab").len(), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_delivers_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[("2611.00001", "Diffusion for proteins")],
    );
    let platform =
        ScriptedPlatform::answering([DeliveryOutcome::RetryAfter(Duration::from_secs(120))]);
    let start_at = t("2026-11-25T05:00:00Z");
    let daemon = start(&config, start_at, platform.clone());
    advance(Duration::from_secs(1)).await; // the first ingest
    command(&daemon, "telegram:42", "/follow diffusion").await;
    let reply = command(&daemon, "telegram:42", "/digest").await;
    assert!(reply.contains("on its way"), "{reply}");
    advance(10 * MINUTE).await;
    daemon.stop().await;

    let attempts = platform.attempts();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(
        attempts[0].3,
        DeliveryOutcome::RetryAfter(Duration::from_secs(120))
    );
    assert_eq!(attempts[1].3, DeliveryOutcome::Sent);
    assert_eq!(attempts[0].1, attempts[1].1, "the same message, retried");
    assert!(attempts[1].2 - attempts[0].2 >= Duration::from_secs(120));
}

#[tokio::test(start_paused = true)]
async fn waits_the_platform_asks_for_spend_no_delivery_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[("2611.00001", "Diffusion for proteins")],
    );
    // As many "retry after" answers as the policy allows failed attempts, then one failure:
    // that is the first failed attempt, so the message is retried, not abandoned.
    let max_attempts = RetryPolicy::default().max_attempts as usize;
    let mut script = vec![DeliveryOutcome::RetryAfter(Duration::from_secs(60)); max_attempts];
    script.push(DeliveryOutcome::Failed {
        reason: "HTTP 502".into(),
    });
    let platform = ScriptedPlatform::answering(script);
    let daemon = start(&config, t("2026-11-25T05:00:00Z"), platform.clone());
    advance(Duration::from_secs(1)).await; // the first ingest
    command(&daemon, "telegram:42", "/follow diffusion").await;
    command(&daemon, "telegram:42", "/digest").await;
    advance(HOUR).await;
    daemon.stop().await;

    let attempts = platform.attempts();
    assert_eq!(attempts.len(), max_attempts + 2, "{attempts:?}");
    assert_eq!(attempts.last().unwrap().3, DeliveryOutcome::Sent);
    assert!(attempts.iter().all(|a| a.1 == attempts[0].1), "one message");
}

#[tokio::test(start_paused = true)]
async fn a_gone_subscriber_is_deactivated_and_others_are_unaffected() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[("2611.00001", "Diffusion for proteins")],
    );
    let platform = ScriptedPlatform::answering([DeliveryOutcome::Gone {
        reason: "Forbidden: bot was blocked by the user".into(),
    }]);
    let start_at = t("2026-11-25T05:00:00Z");
    let daemon = start(&config, start_at, platform.clone());
    advance(Duration::from_secs(1)).await;
    for chat in ["telegram:1", "telegram:2"] {
        command(&daemon, chat, "/follow diffusion").await;
    }
    // Both are due at 08:00 UTC (the default schedule and zone).
    advance(4 * HOUR).await;
    let store = daemon.service.store().clone();
    let first = store
        .subscriber_by_address(&"telegram:1".parse().unwrap())
        .unwrap()
        .unwrap();
    let second = store
        .subscriber_by_address(&"telegram:2".parse().unwrap())
        .unwrap()
        .unwrap();
    assert!(!first.active, "blocked: deactivated");
    assert!(second.active);
    assert_eq!(
        platform.delivered_to(),
        ["telegram:2".parse::<Address>().unwrap()]
    );
    // New papers the next day reach only the active subscriber.
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[("2611.00002", "More diffusion")],
    );
    advance(24 * HOUR).await;
    daemon.stop().await;
    let delivered = platform.delivered_to();
    assert_eq!(delivered.len(), 2);
    assert!(
        delivered.iter().all(|a| a.to_string() == "telegram:2"),
        "{delivered:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_moved_chat_is_readdressed_and_gets_its_digest_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[("2611.00001", "Diffusion for proteins")],
    );
    let platform = ScriptedPlatform::answering([DeliveryOutcome::Moved {
        to: "telegram:-1009999".parse().unwrap(),
    }]);
    let start_at = t("2026-11-25T05:00:00Z");
    let daemon = start(&config, start_at, platform.clone());
    advance(Duration::from_secs(1)).await;
    command(&daemon, "telegram:-100", "/follow diffusion").await;
    command(&daemon, "telegram:-100", "/digest").await;
    advance(Duration::from_secs(60)).await;
    daemon.stop().await;

    assert_eq!(
        platform.delivered_to(),
        ["telegram:-1009999".parse::<Address>().unwrap()]
    );
    let store = Store::open(&config.data_dir).unwrap();
    assert!(
        store
            .subscriber_by_address(&"telegram:-100".parse().unwrap())
            .unwrap()
            .is_none()
    );
    let moved = store
        .subscriber_by_address(&"telegram:-1009999".parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        store.follows(moved.id).unwrap().len(),
        1,
        "follows moved with it"
    );
    assert!(store.pending_messages().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_empty_digest_says_why_when_a_source_is_quiet_or_failing() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.health.failing_after = 1;
    // A quiet day: the source answers, with nothing.
    write_papers(&dir.path().join("papers.jsonl"), &[]);
    let daemon = start(
        &config,
        t("2026-11-28T05:00:00Z"),
        ScriptedPlatform::answering([]),
    );
    advance(Duration::from_secs(1)).await;
    command(&daemon, "console:me", "/follow diffusion").await;
    let reply = command(&daemon, "console:me", "/digest").await;
    assert!(
        reply.starts_with("Nothing new for your follows since"),
        "{reply}"
    );
    assert!(reply.contains("papers made no announcement"), "{reply}");
    daemon.stop().await;

    // The source breaks: the reply says papers may be delayed.
    std::fs::remove_file(dir.path().join("papers.jsonl")).unwrap();
    let daemon = start(
        &config,
        t("2026-11-28T06:00:00Z"),
        ScriptedPlatform::answering([]),
    );
    advance(Duration::from_secs(1)).await;
    let reply = command(&daemon, "console:me", "/digest").await;
    assert!(reply.contains("papers is FAILING since"), "{reply}");
    assert!(reply.contains("may be delayed"), "{reply}");
    daemon.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_three_day_source_outage_then_recovery_sends_one_digest_with_everything_missed() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let papers = dir.path().join("papers.jsonl");
    write_papers(&papers, &[("2611.00001", "Diffusion for proteins")]);
    // Wednesday 25 Nov, 05:00 UTC; the default schedule is daily 08:00 UTC.
    let daemon = start(
        &config,
        t("2026-11-25T05:00:00Z"),
        ScriptedPlatform::answering([]),
    );
    advance(Duration::from_secs(1)).await;
    command(&daemon, "file:lab", "/follow diffusion").await;
    advance(3 * HOUR + MINUTE).await;
    assert_eq!(digest_files(&config, "lab").len(), 1);

    // The source fails for three days while the daemon keeps running: no digest goes out.
    std::fs::remove_file(&papers).unwrap();
    advance(3 * 24 * HOUR).await;
    assert_eq!(digest_files(&config, "lab").len(), 1);
    let reply = command(&daemon, "file:lab", "/digest").await;
    assert!(reply.contains("papers is FAILING since"), "{reply}");

    // It recovers with what it announced meanwhile: one digest holds all of it.
    write_papers(
        &papers,
        &[
            ("2611.00002", "Latent diffusion at scale"),
            ("2611.00003", "Diffusion distillation"),
            ("2611.00004", "Diffusion on graphs"),
        ],
    );
    advance(24 * HOUR).await;
    daemon.stop().await;
    let files = digest_files(&config, "lab");
    assert_eq!(files.len(), 2, "{files:?}");
    let catch_up = std::fs::read_to_string(&files[1]).unwrap();
    for title in [
        "Latent diffusion at scale",
        "Diffusion distillation",
        "Diffusion on graphs",
    ] {
        assert!(catch_up.contains(title), "{catch_up}");
    }
    assert!(!catch_up.contains("Diffusion for proteins"), "{catch_up}");
}
