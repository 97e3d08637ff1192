//! What an operator sees: `/metrics` moving with ingest, commands and deliveries; `/healthz`
//! turning 503 when a source fails for too long (tokio's paused clock); the admin contact
//! told once when a source fails and once when it recovers; and no secret in any log line,
//! page or figure of a real daemon run at trace level.

mod support;

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Utc};
use paperboy::clock::Clock;
use paperboy::config::Config;
use paperboy::daemon::{self, App};
use paperboy::delivery::{
    Deliver, DeliverFuture, Deliverer, DeliveryOutcome, OutgoingMessage, RetryPolicy,
};
use paperboy::ingest::{Ingestor, build_fetcher};
use paperboy::ops::Ops;
use paperboy::store::Store;
use paperboy::subscriber::{Address, Transport};
use paperboy::transports::file::FileTransport;
use support::fake_discord::FakeDiscord;
use support::fake_sources::FakeSources;
use support::fake_telegram::FakeTelegram;
use support::harness::{KillOnDrop, clean_command, signal_and_wait};
use tower::ServiceExt;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const HOUR: Duration = Duration::from_secs(3600);

fn write_papers(path: &Path, titles: &[&str]) {
    let lines: Vec<String> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            serde_json::json!({
                "id": format!("2611.{:05}", i + 1), "title": title,
                "abstract": format!("We study {title}."), "authors": ["Ada Lovelace"],
                "categories": ["cs.LG"], "published": "2026-11-20T00:00:00Z", "source": "test"
            })
            .to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn config(dir: &Path) -> Config {
    support::fixtures::file_source_config(dir)
}

fn app(config: &Config, clock: Clock) -> App {
    let store = Arc::new(Store::open(&config.data_dir).unwrap());
    let config = Arc::new(config.clone());
    let ingestor = Ingestor::new(store, build_fetcher(&config).unwrap(), config);
    App::new(ingestor, clock).unwrap()
}

/// One request to the operator's router, without a socket (the clock may be paused).
async fn get(app: &App, path: &str) -> (StatusCode, String) {
    let router = Arc::new(Ops::new(app.service.clone(), app.clock)).router();
    let response = router
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Parses Prometheus' text exposition strictly enough to catch malformed output, and
/// returns each series (`name{labels}`) with its value.
fn parse_exposition(text: &str) -> BTreeMap<String, f64> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut series = BTreeMap::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut words = rest.splitn(3, ' ');
            let keyword = words.next().unwrap();
            let name = words.next().unwrap_or("");
            assert!(is_name(name), "bad metric name in {line:?}");
            if keyword == "TYPE" {
                let kind = words.next().unwrap_or("");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "bad type in {line:?}"
                );
            } else {
                assert_eq!(keyword, "HELP", "bad comment {line:?}");
            }
            continue;
        }
        let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line:?}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}"));
        let name = key.split('{').next().unwrap();
        assert!(is_name(name), "bad series name in {line:?}");
        if let Some(labels) = key.strip_prefix(name).filter(|l| !l.is_empty()) {
            let inner = labels
                .strip_prefix('{')
                .and_then(|l| l.strip_suffix('}'))
                .unwrap_or_else(|| panic!("bad labels in {line:?}"));
            // name="value" pairs, values with \\ \" \n escapes.
            let mut rest = inner;
            while !rest.is_empty() {
                let (label, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("{line:?}"));
                assert!(is_name(label), "bad label name in {line:?}");
                let mut chars = after.char_indices();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            let escaped = chars.next().map(|(_, c)| c);
                            assert!(matches!(escaped, Some('\\' | '"' | 'n')), "{line:?}");
                        }
                        '"' => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let end = end.unwrap_or_else(|| panic!("unterminated label in {line:?}"));
                rest = &after[end + 1..];
                rest = rest.strip_prefix(',').unwrap_or(rest);
            }
        }
        assert!(
            series.insert(key.to_owned(), value).is_none(),
            "duplicate series {key}"
        );
    }
    series
}

async fn scrape(app: &App) -> BTreeMap<String, f64> {
    let (status, text) = get(app, "/metrics").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    parse_exposition(&text)
}

fn value(series: &BTreeMap<String, f64>, key: &str) -> f64 {
    series.get(key).copied().unwrap_or(0.0)
}

/// A chat platform that first asks to slow down, then accepts.
#[derive(Default)]
struct SlowDownOnce {
    script: Mutex<VecDeque<DeliveryOutcome>>,
}

impl Deliver for SlowDownOnce {
    fn transport(&self) -> Transport {
        Transport::Telegram
    }

    fn deliver<'a>(&'a self, _to: &'a Address, _message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        Box::pin(async move {
            self.script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(DeliveryOutcome::Sent)
        })
    }
}

#[tokio::test(start_paused = true)]
async fn metrics_move_with_ingest_commands_and_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    write_papers(
        &dir.path().join("papers.jsonl"),
        &["diffusion models", "language models", "graph networks"],
    );
    let config = config(dir.path());
    let app = app(&config, Clock::tokio_from(t("2026-11-24T09:00:00Z")));

    let before = scrape(&app).await;
    assert_eq!(
        value(
            &before,
            r#"paperboy_papers_ingested_total{source="papers"}"#
        ),
        0.0
    );
    assert_eq!(
        value(
            &before,
            r#"paperboy_source_health{source="papers",verdict="never_polled"}"#
        ),
        1.0
    );

    daemon::run_once(&app).await.unwrap();
    let lab: Address = "file:lab".parse().unwrap();
    let chat: Address = "telegram:42".parse().unwrap();
    for (address, text) in [
        (&lab, "/follow diffusion"),
        (&lab, "/digest"),
        (&chat, "/follow diffusion"),
        (&chat, "/digest"),
        (&lab, "/nonsense"),
    ] {
        app.service
            .run_command(address, text, app.clock.now())
            .await
            .unwrap();
    }
    let queued = scrape(&app).await;
    assert_eq!(
        value(
            &queued,
            r#"paperboy_papers_ingested_total{source="papers"}"#
        ),
        3.0
    );
    assert_eq!(value(&queued, "paperboy_papers"), 3.0);
    assert_eq!(
        value(
            &queued,
            r#"paperboy_source_health{source="papers",verdict="healthy"}"#
        ),
        1.0
    );
    assert_eq!(
        value(&queued, r#"paperboy_commands_total{command="follow"}"#),
        2.0
    );
    assert_eq!(
        value(&queued, r#"paperboy_commands_total{command="digest"}"#),
        2.0
    );
    assert_eq!(
        value(&queued, r#"paperboy_commands_total{command="invalid"}"#),
        1.0
    );
    assert_eq!(
        value(&queued, r#"paperboy_outbox_pending{transport="file"}"#),
        1.0
    );
    assert_eq!(
        value(&queued, r#"paperboy_outbox_pending{transport="telegram"}"#),
        1.0
    );
    assert!(value(&queued, "paperboy_matching_seconds_count") >= 2.0);
    assert_eq!(value(&queued, "paperboy_digest_seconds_count"), 2.0);
    assert_eq!(
        value(&queued, r#"paperboy_digest_seconds_bucket{le="+Inf"}"#),
        2.0
    );

    // The daemon's deliverer has no Telegram; one with the same files transport and a chat
    // platform that asks it to slow down once stands in, counting into the same metrics.
    let platform = Arc::new(SlowDownOnce {
        script: Mutex::new(VecDeque::from([DeliveryOutcome::RetryAfter(
            Duration::from_secs(30),
        )])),
    });
    let deliverer = Deliverer::new(app.store().clone(), RetryPolicy::default())
        .with_metrics(app.metrics.clone())
        .with_transport(Arc::new(FileTransport::new(config.file_dir())), 100)
        .with_transport(platform, 30);
    deliverer.deliver_due(app.clock.now()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(31)).await;
    deliverer.deliver_due(app.clock.now()).await.unwrap();

    let after = scrape(&app).await;
    assert_eq!(
        value(
            &after,
            r#"paperboy_deliveries_total{transport="file",outcome="sent"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            r#"paperboy_deliveries_total{transport="telegram",outcome="retried"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            r#"paperboy_deliveries_total{transport="telegram",outcome="sent"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            r#"paperboy_rate_limited_total{platform="telegram"}"#
        ),
        1.0
    );
    assert_eq!(
        value(&after, r#"paperboy_outbox_pending{transport="file"}"#),
        0.0
    );
    assert_eq!(
        value(&after, r#"paperboy_outbox_pending{transport="telegram"}"#),
        0.0
    );
}

#[tokio::test(start_paused = true)]
async fn healthz_turns_503_when_a_source_fails_beyond_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let papers = dir.path().join("papers.jsonl");
    write_papers(&papers, &["diffusion models"]);
    let mut config = config(dir.path());
    config.health.failing_after = 1;
    config.health.failing_after_hours = 2;
    let app = app(&config, Clock::tokio_from(t("2026-11-24T09:00:00Z")));

    daemon::run_once(&app).await.unwrap();
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("store: writable"), "{body}");
    assert!(body.contains("source papers: healthy"), "{body}");

    // The source breaks: failing, but not yet for longer than the limit.
    std::fs::remove_file(&papers).unwrap();
    tokio::time::sleep(HOUR).await;
    daemon::run_once(&app).await.unwrap();
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("source papers: FAILING since"), "{body}");

    tokio::time::sleep(3 * HOUR).await;
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("(beyond the limit)"), "{body}");

    // Back: healthy again at the next poll.
    write_papers(&papers, &["diffusion models"]);
    daemon::run_once(&app).await.unwrap();
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn messages_in(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "md"));
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_admin_is_told_once_when_a_source_fails_and_once_when_it_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let papers = dir.path().join("papers.jsonl");
    write_papers(&papers, &["diffusion models"]);
    let mut config = config(dir.path());
    config.health.failing_after = 2;
    config.admin.contact = Some("file:ops".into());
    let admin_dir = config.file_dir().join("ops");
    let app = app(&config, Clock::tokio_from(t("2026-11-24T09:00:00Z")));

    daemon::run_once(&app).await.unwrap();
    std::fs::remove_file(&papers).unwrap();
    // Degraded first (one failure), then failing for three polls.
    for _ in 0..4 {
        tokio::time::sleep(HOUR).await;
        daemon::run_once(&app).await.unwrap();
    }
    let told = messages_in(&admin_dir);
    assert_eq!(told.len(), 1, "{told:#?}");
    assert!(
        told[0].contains("Source papers is FAILING since"),
        "{told:#?}"
    );

    // A restart neither repeats the alert nor forgets it.
    drop(app);
    let app = self::app(&config, Clock::tokio_from(t("2026-11-24T14:00:00Z")));
    daemon::run_once(&app).await.unwrap();
    assert_eq!(messages_in(&admin_dir).len(), 1);

    write_papers(&papers, &["diffusion models"]);
    for _ in 0..3 {
        tokio::time::sleep(HOUR).await;
        daemon::run_once(&app).await.unwrap();
    }
    let told = messages_in(&admin_dir);
    assert_eq!(told.len(), 2, "{told:#?}");
    assert!(
        told[1].contains("Source papers has recovered: healthy"),
        "{told:#?}"
    );
    let metrics = scrape(&app).await;
    assert_eq!(value(&metrics, "paperboy_admin_alerts_total"), 1.0);

    // The admin contact was created for alerts only: paused, so no digests.
    let admin = app
        .store()
        .subscriber_by_address(&"file:ops".parse().unwrap())
        .unwrap()
        .unwrap();
    assert!(admin.paused);
}

/// Each secret as configured, and the part of it that must never show: the fakes check
/// their own tokens, so the chat platforms' sentinels are theirs.
const SENTINELS: [(&str, &str); 4] = [
    (support::fake_telegram::TOKEN, "TEST-token-sentinel"),
    (support::fake_discord::TOKEN, "discord-token-sentinel"),
    ("hf_SENTINELhuggingfaceTOKEN", "SENTINELhuggingfaceTOKEN"),
    ("SENTINELsmtpPASSWORD", "SENTINELsmtpPASSWORD"),
];

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real binary, every secret set to a sentinel, logging at trace level; its log, its
/// `/metrics`, `/healthz` and status file must not contain any of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_metrics_or_health() {
    let fake = FakeSources::start().await;
    // Papers today and yesterday (the poll re-reads past days), so a digest goes to the
    // mail server that is not there.
    let hf_papers: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/hf-daily-papers_date-2026-06-12.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let today = Utc::now();
    for day in [today, today - chrono::Duration::days(1)] {
        fake.set_hf_day(&day.format("%Y-%m-%d").to_string(), hf_papers.clone());
    }
    let telegram = FakeTelegram::start().await;
    let discord = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let metrics_port = free_port();
    // Nothing listens here: the mail server fails, and says so.
    let closed = free_port();
    let config = dir.path().join("paperboy.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "{data}"
[ingest]
schedule = "0 * * * *"
[metrics]
listen = "127.0.0.1:{metrics_port}"
[admin]
contact = "email:ops@example.org"
[telegram]
api_url = "{telegram}"
[discord]
api_url = "{discord}"
[email]
from = "paperboy <digests@example.org>"
smtp_host = "127.0.0.1"
smtp_port = {closed}
smtp_tls = "none"
smtp_username = "paperboy"
timeout_secs = 2
[sources.hf]
base_url = "{hf}"
[sources.arxiv]
enabled = false

[[subscribers]]
address = "email:reader@example.org"
follows = ["model"]
digest_on_start = true
"#,
            data = data_dir.display(),
            hf = fake.base_url(),
            telegram = telegram.api_url(),
            discord = discord.api_url(),
        ),
    )
    .unwrap();
    let log_path = dir.path().join("daemon.log");
    let mut daemon = KillOnDrop(
        clean_command(env!("CARGO_BIN_EXE_paperboy"), dir.path())
            .stdout(std::fs::File::create(dir.path().join("stdout.log")).unwrap())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .env("RUST_LOG", "trace")
            .env("PAPERBOY_TELEGRAM__TOKEN", SENTINELS[0].0)
            .env("PAPERBOY_DISCORD__TOKEN", SENTINELS[1].0)
            .env("PAPERBOY_SOURCES__HF__TOKEN", SENTINELS[2].0)
            .env("PAPERBOY_EMAIL__SMTP_PASSWORD", SENTINELS[3].0)
            .arg("--config")
            .arg(&config)
            .arg("run")
            .spawn()
            .unwrap(),
    );
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = |path: &str| format!("http://127.0.0.1:{metrics_port}{path}");
    let mut metrics = None;
    for _ in 0..400 {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            panic!("the daemon exited ({status}):\n{}", log());
        }
        // Once the first poll is in, the scrape shows the source's verdict.
        if data_dir.join("status.json").is_file()
            && let Ok(response) = http.get(url("/metrics")).send().await
            && response.status().is_success()
        {
            metrics = Some(response.text().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metrics = metrics.unwrap_or_else(|| panic!("no /metrics:\n{}", log()));
    parse_exposition(&metrics);
    assert!(
        metrics.contains("paperboy_source_health{source=\"hf\""),
        "{metrics}"
    );
    let health = http.get(url("/healthz")).send().await.unwrap();
    let health = health.text().await.unwrap();
    assert!(health.contains("store: writable"), "{health}");
    // Let the front ends call their platforms and the digest try its mail server.
    let email_retried = r#"paperboy_deliveries_total{transport="email",outcome="retried"}"#;
    let mut metrics_later = String::new();
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        metrics_later = http
            .get(url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let later = parse_exposition(&metrics_later);
        if later.get(email_retried).is_some_and(|n| *n > 0.0)
            && !telegram.calls().is_empty()
            && !discord.calls().is_empty()
        {
            break;
        }
    }

    // The secrets were really in play: the fakes answer only their own tokens, Hugging
    // Face was asked with its token, and a digest went to the missing mail server.
    assert!(!telegram.calls().is_empty(), "Telegram was never called");
    assert!(!discord.calls().is_empty(), "Discord was never called");
    let later = parse_exposition(&metrics_later);
    assert!(
        later
            .get(r#"paperboy_papers_ingested_total{source="hf"}"#)
            .is_some_and(|n| *n > 0.0),
        "{metrics_later}"
    );
    assert!(
        later.get(email_retried).is_some_and(|n| *n > 0.0),
        "{metrics_later}"
    );
    let hf_requests = fake.seen_paths("/api/daily_papers");
    assert!(
        hf_requests.iter().any(|seen| seen
            .headers
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap_or("").contains(SENTINELS[2].0))),
        "the Hugging Face token was never sent"
    );

    let exit = tokio::task::spawn_blocking(move || {
        let exit = signal_and_wait(&mut daemon.0, "TERM", Duration::from_secs(30));
        (exit, daemon)
    })
    .await
    .unwrap();
    assert!(exit.0.is_some(), "the daemon ignored SIGTERM:\n{}", log());

    let log = log();
    assert!(log.contains("TRACE"), "not a trace-level log");
    assert!(log.contains("store flushed; stopped"), "{log}");
    let stdout = std::fs::read_to_string(dir.path().join("stdout.log")).unwrap();
    let status = std::fs::read_to_string(data_dir.join("status.json")).unwrap();
    for (configured, secret) in SENTINELS {
        for (what, text) in [
            ("log", &log),
            ("stdout", &stdout),
            ("metrics", &metrics),
            ("later metrics", &metrics_later),
            ("healthz", &health),
            ("status.json", &status),
        ] {
            assert!(
                !text.contains(secret),
                "{what} contains the secret {configured:?}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn an_empty_digest_says_a_source_is_delayed_before_it_counts_as_failing() {
    let dir = tempfile::tempdir().unwrap();
    let papers = dir.path().join("papers.jsonl");
    write_papers(&papers, &["graph networks"]);
    let config = config(dir.path());
    assert_eq!(config.health.failing_after, 3);
    let app = app(&config, Clock::tokio_from(t("2026-11-24T09:00:00Z")));
    daemon::run_once(&app).await.unwrap();
    let me: Address = "console:me".parse().unwrap();
    let ask = |text: &'static str| {
        let (service, me, now) = (app.service.clone(), me.clone(), app.clock.now());
        async move {
            service
                .run_command(&me, text, now)
                .await
                .unwrap()
                .to_plain_text()
        }
    };
    ask("/follow diffusion").await;
    let reply = ask("/digest").await;
    assert!(!reply.contains("delayed"), "{reply}");

    // One failed poll: not failing yet, but the subscriber hears papers may be late.
    std::fs::remove_file(&papers).unwrap();
    tokio::time::sleep(HOUR).await;
    daemon::run_once(&app).await.unwrap();
    let reply = ask("/digest").await;
    assert!(reply.starts_with("Nothing new for your follows"), "{reply}");
    assert!(
        reply.contains("papers failed its last 1 poll(s); papers may be delayed."),
        "{reply}"
    );
}

/// A gateway that cannot be reached must not keep the daemon from stopping: serenity keeps
/// re-queueing a shard that never connected, whatever `shutdown_all` says.
#[test]
fn sigterm_stops_the_daemon_while_discord_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let closed = free_port();
    let config = dir.path().join("paperboy.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "{data}"
[ingest]
schedule = "0 * * * *"
[discord]
api_url = "http://127.0.0.1:{closed}"
[sources.hf]
enabled = false
[sources.arxiv]
enabled = false
"#,
            data = data_dir.display(),
        ),
    )
    .unwrap();
    let log_path = dir.path().join("daemon.log");
    let mut daemon = KillOnDrop(
        clean_command(env!("CARGO_BIN_EXE_paperboy"), dir.path())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .env("RUST_LOG", "info")
            .env("PAPERBOY_DISCORD__TOKEN", support::fake_discord::TOKEN)
            .arg("--config")
            .arg(&config)
            .arg("run")
            .spawn()
            .unwrap(),
    );
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let started = std::time::Instant::now();
    while !log().contains("Re-queueing start of shard") {
        assert!(daemon.0.try_wait().unwrap().is_none(), "{}", log());
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the gateway was never tried:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let exit = signal_and_wait(&mut daemon.0, "TERM", Duration::from_secs(15));
    assert!(
        exit.is_some_and(|status| status.success()),
        "the daemon did not stop within 15 s of SIGTERM:\n{}",
        log()
    );
    assert!(log().contains("store flushed; stopped"), "{}", log());
}
