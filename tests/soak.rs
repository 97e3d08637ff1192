//! Soak on tokio's paused clock: many subscribers over Telegram, Discord and email for
//! simulated days of ingest -> digest -> outbox -> delivery through the real `Scheduler`,
//! `Service`, `Deliverer`, sled store and the real transports: teloxide talking HTTP to
//! tests/support/fake_telegram.rs, serenity's REST client to fake_discord.rs and lettre
//! talking SMTP to fake_smtp.rs, all on 127.0.0.1. Each fake runs in chaos mode
//! (tests/support/chaos.rs): from its own seeded RNG it answers 429s (alone and in storms),
//! 5xx (alone and in bursts; SMTP: 451 and 421-and-close), answers held past the client's
//! timeout, and "accepted, then the answer was lost"; some users blocked the bot (Telegram
//! 403, Discord 50007, SMTP 550).
//!
//! At the end every subscriber who did not block the bot holds exactly one copy of each
//! day's digest (none on the empty weekday), except that a lost answer may add one copy of
//! that message on Telegram and email (the documented duplicate window; Discord's nonce
//! absorbs it); blocked subscribers were deactivated and got nothing; the outbox is empty.
//! The CI version is small (300 subscribers, 4 days, the third empty);
//! `cargo test --release --test soak -- --ignored --nocapture` runs a week with 10,000
//! subscribers and prints the figures recorded in RELIABILITY.md.
//!
//! The paused clock needs care with real sockets: when no task can run, tokio polls I/O
//! without waiting and then moves the clock to the next timer, even if that I/O just became
//! ready. Were a client's timeout the next timer, it would fire while its answer is on the
//! way. So the fakes run as tasks on the test's runtime and leave no bytes waiting on the
//! kernel's real-time timers (TCP_NODELAY; the SMTP fake acknowledges at once, see
//! fake_smtp.rs), and [`pacer`] keeps a timer at most 10 ms away while a delivery is in
//! flight (1 s otherwise, and while a fake deliberately holds an answer), far below the
//! clients' timeouts (17 s and more). The test checks that it held: every client timeout
//! was an answer a fake held on purpose.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant as WallInstant};

use chrono::{DateTime, Utc};
use paperboy::clock::Clock;
use paperboy::config::{Config, Secret, SmtpTls};
use paperboy::delivery::{Deliver, DeliverFuture, Deliverer, OutgoingMessage, RetryPolicy};
use paperboy::discord::Discord;
use paperboy::email::Email;
use paperboy::ingest::{Ingestor, build_fetcher};
use paperboy::links::Links;
use paperboy::scheduler::Scheduler;
use paperboy::service::Service;
use paperboy::store::Store;
use paperboy::subscriber::{Address, Transport};
use paperboy::telegram::Telegram;
use paperboy::token::Signer;
use support::chaos::{ChaosConfig, ChaosCounts};
use support::fake_discord::{self, DM_CHANNEL_OFFSET, FakeDiscord};
use support::fake_smtp::FakeSmtp;
use support::fake_telegram::{self, FakeTelegram};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
/// Each subscriber follows one of these; every day with papers has a paper on each.
const TOPICS: [&str; 5] = ["diffusion", "transformer", "graph", "protein", "robot"];
/// The day (from Monday, 0) whose source answers with no papers: a quiet weekday.
const EMPTY_DAY: usize = 2;
const SIGNING_KEY: &[u8] = b"a soak signing key of 32 bytes..";
/// The clients' timeouts: teloxide's default client, paperboy's Discord client (its email
/// sends take 4 x `email.timeout_secs`). Held answers outlast them.
const TELEGRAM_TIMEOUT: Duration = Duration::from_secs(17);
const DISCORD_TIMEOUT: Duration = Duration::from_secs(30);
const HOLD_PAST_TIMEOUT: Duration = Duration::from_secs(3);
/// The clock's largest step while a delivery is in flight, and otherwise.
const FINE_STEP: Duration = Duration::from_millis(10);
const COARSE_STEP: Duration = Duration::from_secs(1);

const TELEGRAM_CHAT: usize = 10_000;
const DISCORD_USER: usize = 20_000;

fn address(i: usize) -> String {
    match i % 3 {
        0 => format!("telegram:{}", TELEGRAM_CHAT + i),
        1 => format!("discord-user:{}", DISCORD_USER + i),
        _ => format!("email:{}", mailbox(i)),
    }
}

fn mailbox(i: usize) -> String {
    format!("reader{i}@example.org")
}

/// The name a fake knows subscriber `i` by.
fn recipient(i: usize) -> String {
    match i % 3 {
        0 => (TELEGRAM_CHAT + i).to_string(),
        1 => (DISCORD_USER + i).to_string(),
        _ => mailbox(i),
    }
}

fn papers_of_day(day: usize, papers_per_topic: usize) -> String {
    if day == EMPTY_DAY {
        return String::new();
    }
    let mut lines = String::new();
    for (t, topic) in TOPICS.iter().enumerate() {
        for n in 0..papers_per_topic {
            let id = format!("2611.{:05}", day * 1000 + t * 100 + n);
            let line = serde_json::json!({
                "id": id, "title": format!("A study of {topic} number {n} on day {day}"),
                "abstract": format!("We look at {topic} again."),
                "authors": ["Ada Lovelace"], "categories": ["cs.LG"],
                "published": "2026-11-20T00:00:00Z", "source": "test"
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
        }
    }
    lines
}

/// The one day a digest's papers come from.
fn day_of(text: &str) -> usize {
    let days: HashSet<usize> = text
        .match_indices("on day ")
        .filter_map(|(at, marker)| {
            let digits: String = text[at + marker.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect();
    assert_eq!(days.len(), 1, "one day's papers per digest: {text}");
    days.into_iter().next().unwrap_or_default()
}

fn config(dir: &Path, telegram: &FakeTelegram, discord: &FakeDiscord, smtp: &FakeSmtp) -> Config {
    let mut config = support::fixtures::file_source_config(dir);
    config.telegram.token = Some(Secret::new(fake_telegram::TOKEN));
    config.telegram.api_url = telegram.api_url();
    config.discord.token = Some(Secret::new(fake_discord::TOKEN));
    config.discord.api_url = discord.api_url();
    config.email.from = "paperboy <digests@paperboy.test>".into();
    config.email.smtp_host = Some("127.0.0.1".into());
    config.email.smtp_port = Some(smtp.addr.port());
    config.email.smtp_tls = SmtpTls::None;
    config.web.base_url = "https://paperboy.test".into();
    config
}

/// Deliveries in flight, for [`pacer`].
#[derive(Default)]
struct Pace {
    delivering: AtomicUsize,
    started: Notify,
}

/// A real transport, counted in [`Pace`] while it delivers. Counts the deliveries that
/// took as long as the client's timeout: each must be an answer a fake held on purpose.
struct Paced {
    inner: Arc<dyn Deliver>,
    pace: Arc<Pace>,
    timeout: Duration,
    timed_out: AtomicU64,
}

impl Deliver for Paced {
    fn transport(&self) -> Transport {
        self.inner.transport()
    }

    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        struct InFlight<'a>(&'a Pace);
        impl Drop for InFlight<'_> {
            fn drop(&mut self) {
                self.0.delivering.fetch_sub(1, Ordering::SeqCst);
            }
        }
        Box::pin(async move {
            self.pace.delivering.fetch_add(1, Ordering::SeqCst);
            self.pace.started.notify_one();
            let _in_flight = InFlight(&self.pace);
            let start = tokio::time::Instant::now();
            let outcome = self.inner.deliver(to, message).await;
            if start.elapsed() >= self.timeout {
                self.timed_out.fetch_add(1, Ordering::SeqCst);
            }
            outcome
        })
    }
}

/// Keeps a timer near so the paused clock only moves in small steps: [`FINE_STEP`] while a
/// request may be on the wire (cheap in simulated time, so a day's deliveries take minutes,
/// not hours), [`COARSE_STEP`] otherwise and while a fake holds an answer on purpose (the
/// client is only waiting out its timeout then).
async fn pacer(pace: Arc<Pace>, holding: impl Fn() -> bool) {
    loop {
        let step = if pace.delivering.load(Ordering::SeqCst) > 0 && !holding() {
            FINE_STEP
        } else {
            COARSE_STEP
        };
        tokio::select! {
            () = tokio::time::sleep(step) => {}
            () = pace.started.notified() => {}
        }
    }
}

/// One fake's faults, for the report.
fn fault_line(name: &str, c: &ChaosCounts, labels: [&str; 3]) -> String {
    format!(
        "{name}: {} requests; {} {} ({} storms), {} {} ({} bursts), {} held past the timeout, {} lost answers, {} {}",
        c.requests,
        c.rate_limited,
        labels[0],
        c.storms,
        c.server_errors,
        labels[1],
        c.bursts,
        c.held,
        c.lost_answers,
        c.blocked,
        labels[2],
    )
}

/// What each recipient holds: day -> copies of that day's digest, and the lost answers
/// behind them (the most extra copies allowed).
#[derive(Default)]
struct Received {
    copies: BTreeMap<usize, u32>,
    lost: BTreeMap<usize, u32>,
}

/// Runs the soak and checks its promises; returns the report lines.
async fn soak(subscribers: usize, days: usize, seed: u64) -> Vec<String> {
    // Quiet unless asked, e.g. TEST_LOG=paperboy=info.
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    }
    let wall = WallInstant::now();
    let dir = tempfile::tempdir().unwrap();
    let telegram_fake = Arc::new(FakeTelegram::start().await);
    let discord_fake = Arc::new(FakeDiscord::start().await);
    let smtp_fake = Arc::new(FakeSmtp::start().await);
    let config = Arc::new(config(
        dir.path(),
        &telegram_fake,
        &discord_fake,
        &smtp_fake,
    ));
    let days_with_papers = (0..days).filter(|&day| day != EMPTY_DAY).count();
    assert!(
        days_with_papers >= config.delivery.max_rejections as usize,
        "enough days for blocked email recipients to be deactivated"
    );

    let blocked: HashSet<usize> = (0..subscribers).filter(|i| i % 97 == 5).collect();
    let blocked_on = |kind: usize| -> HashSet<String> {
        blocked
            .iter()
            .filter(|i| *i % 3 == kind)
            .map(|&i| recipient(i))
            .collect()
    };
    let email_timeout = Duration::from_secs(config.email.timeout_secs * 4);
    telegram_fake.enable_chaos(ChaosConfig {
        blocked: blocked_on(0),
        ..ChaosConfig::new(seed, TELEGRAM_TIMEOUT + HOLD_PAST_TIMEOUT)
    });
    discord_fake.enable_chaos(ChaosConfig {
        blocked: blocked_on(1),
        ..ChaosConfig::new(seed + 1, DISCORD_TIMEOUT + HOLD_PAST_TIMEOUT)
    });
    smtp_fake.enable_chaos(ChaosConfig {
        blocked: blocked_on(2),
        ..ChaosConfig::new(seed + 2, email_timeout + HOLD_PAST_TIMEOUT)
    });

    let papers_path = dir.path().join("papers.jsonl");
    // Empty until everyone follows, so the first papers are news to all of them.
    std::fs::write(&papers_path, "").unwrap();
    let store = Arc::new(Store::open(&config.data_dir).unwrap());
    let service = Arc::new(Service::new(store.clone(), config.clone()));
    // Monday 23 Nov 2026, 01:00 UTC; digests at the default 08:00 UTC.
    let start = DateTime::parse_from_rfc3339("2026-11-23T01:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let clock = Clock::tokio_from(start);

    // The transports and limits the daemon wires up (src/daemon.rs), each counted in flight.
    let telegram = Telegram::from_config(&config.telegram, service.clone(), clock)
        .unwrap()
        .unwrap();
    let discord = Discord::from_config(&config.discord, service.clone(), clock)
        .unwrap()
        .unwrap();
    let links = Arc::new(Links::new(
        &config.web.base_url,
        Arc::new(Signer::new(SIGNING_KEY)),
        chrono::Duration::days(30),
        chrono::Duration::hours(48),
    ));
    let email: Arc<dyn Deliver> = Arc::new(Email::from_config(&config, links, clock).unwrap());
    let pace = Arc::new(Pace::default());
    let paced = |inner: Arc<dyn Deliver>, timeout: Duration| {
        Arc::new(Paced {
            inner,
            pace: pace.clone(),
            timeout,
            timed_out: AtomicU64::new(0),
        })
    };
    let transports = [
        paced(telegram.transport(), TELEGRAM_TIMEOUT),
        paced(discord.transport(), DISCORD_TIMEOUT),
        paced(email, email_timeout),
    ];
    let policy = RetryPolicy {
        max_attempts: config.delivery.max_attempts,
        max_rejections: config.delivery.max_rejections,
        ..RetryPolicy::default()
    };
    // Telegram and Discord keep their own limits; the daemon's per-transport limit for them
    // never binds first.
    let deliverer = Deliverer::new(store.clone(), policy)
        .with_transport(transports[0].clone(), 1000)
        .with_transport(transports[1].clone(), 1000)
        .with_transport(transports[2].clone(), config.email.per_second);
    let pacer_task = {
        let fakes = (
            telegram_fake.clone(),
            discord_fake.clone(),
            smtp_fake.clone(),
        );
        tokio::spawn(pacer(pace.clone(), move || {
            [fakes.0.chaos(), fakes.1.chaos(), fakes.2.chaos()]
                .into_iter()
                .flatten()
                .any(|chaos| chaos.holding() > 0)
        }))
    };

    let ingestor = Arc::new(Ingestor::new(
        store.clone(),
        build_fetcher(&config).unwrap(),
        config.clone(),
    ));
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
    let task = tokio::spawn(async move { scheduler.run(&[], &token).await.unwrap() });

    for i in 0..subscribers {
        let address: Address = address(i).parse().unwrap();
        let text = format!("/follow {}", TOPICS[i % TOPICS.len()]);
        let reply = service
            .run_command(&address, &text, clock.now())
            .await
            .unwrap();
        assert!(reply.to_plain_text().contains(TOPICS[i % TOPICS.len()]));
    }

    std::fs::write(&papers_path, papers_of_day(0, 2)).unwrap();
    let mut most_pending = 0;
    let mut pending_at_23 = 0;
    // The latest minute after 01:00 at which the outbox still held something.
    let mut last_busy_minute = 0;
    for day in 0..days {
        // 01:00 -> 23:00: the 06:00 ingest, the 08:00 digests and their retries. The outbox
        // is sampled every minute to catch the burst after 08:00.
        for minute in 1..=22 * 60 {
            tokio::time::sleep(MINUTE).await;
            let pending = store.pending_messages().unwrap().len();
            most_pending = most_pending.max(pending);
            if pending > 0 {
                last_busy_minute = last_busy_minute.max(minute);
            }
        }
        pending_at_23 = pending_at_23.max(store.pending_messages().unwrap().len());
        std::fs::write(&papers_path, papers_of_day(day + 1, 2)).unwrap();
        tokio::time::sleep(2 * HOUR).await;
    }
    shutdown.cancel();
    task.await.unwrap();
    pacer_task.abort();

    // What each recipient holds, by the name its fake knows it by.
    let mut received: HashMap<String, Received> = HashMap::new();
    let mut count = |who: String, day: usize, lost: u32| {
        let entry = received.entry(who).or_default();
        *entry.copies.entry(day).or_default() += 1;
        entry.lost.insert(day, lost);
    };
    let lost = telegram_fake.chaos().unwrap().lost_answers();
    for (chat, text) in telegram_fake.delivered() {
        let lost = lost.get(&format!("{chat}:{text}")).copied().unwrap_or(0);
        count(chat.to_string(), day_of(&text), lost);
    }
    // Discord keeps one message per nonce: a lost answer adds nothing.
    for posted in discord_fake.posted() {
        let user = posted.channel - DM_CHANNEL_OFFSET;
        count(user.to_string(), day_of(&posted.body.to_string()), 0);
    }
    let lost = smtp_fake.chaos().unwrap().lost_answers();
    for mail in smtp_fake.received() {
        let parsed = mail.parsed();
        let text = parsed
            .subparts
            .iter()
            .find(|part| part.ctype.mimetype == "text/plain")
            .expect("a text part")
            .get_body()
            .unwrap();
        let message_id = mail.header("Message-ID").unwrap_or_default();
        let lost = lost
            .get(&format!("{}:{message_id}", mail.to[0]))
            .copied()
            .unwrap_or(0);
        count(mail.to[0].clone(), day_of(&text), lost);
    }

    let expected_days: Vec<usize> = (0..days).filter(|&day| day != EMPTY_DAY).collect();
    let mut digests = [0u64; 3];
    let mut duplicates = 0;
    for i in 0..subscribers {
        let who = recipient(i);
        let got = received.remove(&who).unwrap_or_default();
        let subscriber = store
            .subscriber_by_address(&address(i).parse().unwrap())
            .unwrap()
            .unwrap();
        if blocked.contains(&i) {
            assert!(got.copies.is_empty(), "{who} blocked the bot: nothing sent");
            assert!(!subscriber.active, "{who} blocked the bot: deactivated");
            continue;
        }
        assert!(subscriber.active, "{who}");
        let days: Vec<usize> = got.copies.keys().copied().collect();
        assert_eq!(days, expected_days, "the days {who} got a digest for");
        for (day, copies) in &got.copies {
            let allowed = 1 + got.lost[day];
            assert!(
                *copies <= allowed,
                "{who} got day {day}'s digest {copies} times after {} lost answers",
                got.lost[day]
            );
            duplicates += u64::from(copies - 1);
        }
        digests[i % 3] += got.copies.len() as u64;
    }
    assert!(
        received.is_empty(),
        "messages to strangers: {:?}",
        received.keys()
    );
    assert!(
        store.pending_messages().unwrap().is_empty(),
        "the outbox is empty"
    );

    let telegram_faults = telegram_fake.chaos().unwrap().counts();
    let discord_faults = discord_fake.chaos().unwrap().counts();
    let smtp_faults = smtp_fake.chaos().unwrap().counts();
    // No client timeout fired while an answer was on its way (the paused-clock hazard):
    // every one was an answer held on purpose. (Telegram's lost answers are held too.)
    let timed_out = transports
        .each_ref()
        .map(|t| t.timed_out.load(Ordering::SeqCst));
    assert_eq!(
        timed_out,
        [
            telegram_faults.held + telegram_faults.lost_answers,
            discord_faults.held,
            smtp_faults.held
        ],
        "client timeouts (Telegram, Discord, email) = answers held on purpose"
    );
    vec![
        format!(
            "{subscribers} subscribers ({} blocked), {days} simulated days ({days_with_papers} with papers), seed {seed}",
            blocked.len()
        ),
        format!(
            "digests delivered: {} ({} Telegram, {} Discord, {} email), each once but for {duplicates} duplicates after {} lost answers on Telegram and email",
            digests.iter().sum::<u64>(),
            digests[0],
            digests[1],
            digests[2],
            telegram_faults.lost_answers + smtp_faults.lost_answers,
        ),
        fault_line("telegram", &telegram_faults, ["429", "5xx", "403 blocked"]),
        fault_line("discord", &discord_faults, ["429", "5xx", "50007 blocked"]),
        fault_line("smtp", &smtp_faults, ["451", "421+close", "550 blocked"]),
        format!(
            "most messages in the outbox (sampled each minute): {most_pending}; empty again by {:02}:{:02} each day (digests go at 08:00); at 23:00: {pending_at_23}; at the end: 0",
            1 + (last_busy_minute + 1) / 60,
            (last_busy_minute + 1) % 60
        ),
        format!("wall time: {:.1} s", wall.elapsed().as_secs_f64()),
    ]
}

#[tokio::test(start_paused = true)]
async fn four_days_300_subscribers_on_faulty_fakes_each_digest_once_and_outbox_empty() {
    for line in soak(300, 4, 7).await {
        println!("{line}");
    }
}

#[tokio::test(start_paused = true)]
#[ignore = "a simulated week with 10,000 subscribers; minutes in release mode"]
async fn a_week_10k_subscribers_on_faulty_fakes() {
    for line in soak(10_000, 7, 2026).await {
        println!("{line}");
    }
}
