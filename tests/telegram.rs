//! The Telegram front end end to end: the real teloxide client talking to a fake Bot API on
//! 127.0.0.1, the real daemon (scheduler, deliverer, sled store in a temp dir) on tokio's
//! paused clock, papers from a JSONL file source.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use paperboy::clock::Clock;
use paperboy::config::{Config, Secret};
use paperboy::daemon::{self, App};
use paperboy::delivery::{DeliveryOutcome, OutgoingMessage};
use paperboy::ingest::{Ingestor, build_fetcher};
use paperboy::paper::PaperId;
use paperboy::reply::{Block, PaperItem, Reply};
use paperboy::store::{Store, Vote};
use paperboy::subscriber::Address;
use serde_json::Value;
use support::fake_telegram::{
    Failure, FakeTelegram, TOKEN, anonymous_message, button_press, message,
};
use tokio_util::sync::CancellationToken;

const ADA: i64 = 4001;
const GROUP: i64 = -100_777;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn write_papers(path: &Path, papers: &[(&str, &str, &str)]) {
    let lines: Vec<String> = papers
        .iter()
        .map(|(id, title, abstract_text)| {
            serde_json::json!({
                "id": id, "title": title, "abstract": abstract_text,
                "authors": ["Ada <Lovelace>", "Alan & Turing"], "categories": ["cs.CV"],
                "published": "2026-11-24T00:00:00Z", "source": "test"
            })
            .to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn config(dir: &Path, fake: &FakeTelegram) -> Config {
    let mut config = support::fixtures::file_source_config(dir);
    config.telegram.token = Some(Secret::new(TOKEN));
    config.telegram.api_url = fake.api_url();
    config.telegram.poll_timeout_secs = 30;
    config
}

struct Running {
    app: Arc<App>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap();
    }

    fn store(&self) -> &Arc<Store> {
        self.app.store()
    }
}

fn start(config: &Config, at: DateTime<Utc>) -> Running {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("paperboy=debug")
        .with_test_writer()
        .try_init();
    let store = Arc::new(Store::open(&config.data_dir).unwrap());
    let config = Arc::new(config.clone());
    let ingestor = Ingestor::new(store, build_fetcher(&config).unwrap(), config);
    let app = Arc::new(App::new(ingestor, Clock::tokio_from(at)).unwrap());
    assert!(app.telegram.is_some(), "a token turns the front end on");
    let shutdown = CancellationToken::new();
    let (running_app, token) = (app.clone(), shutdown.clone());
    let task = tokio::spawn(async move {
        daemon::run(&running_app, token).await.unwrap();
    });
    Running {
        app,
        shutdown,
        task,
    }
}

/// Lets virtual time pass in small steps until `done` holds (at most `limit`).
async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) {
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    while !done() {
        assert!(waited < limit, "not done within {limit:?} of virtual time");
        tokio::time::sleep(step).await;
        waited += step;
    }
}

fn text(body: &Value) -> String {
    body["text"].as_str().unwrap_or("").to_owned()
}

/// Sends a message and waits for the bot's next reply to that chat.
async fn say(fake: &FakeTelegram, chat: i64, user: u64, words: &str) -> String {
    let before = fake.sent_to(chat).len();
    fake.push_update(message(chat, user, words));
    wait_until(Duration::from_secs(60), || {
        fake.sent_to(chat).len() > before
    })
    .await;
    text(&fake.sent_to(chat)[before])
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn a_whole_conversation_from_start_to_feedback() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &fake);
    write_papers(&dir.path().join("papers.jsonl"), &[]);
    // Wednesday 25 Nov 2026, 04:00 UTC = 05:00 in Berlin.
    let running = start(&config, t("2026-11-25T04:00:00Z"));

    let greeting = say(&fake, ADA, ADA as u64, "/start").await;
    assert!(greeting.contains("Hi, I'm paperboy"), "{greeting}");
    let menu = fake.calls_to("setMyCommands");
    assert_eq!(menu.len(), 1);
    let names: Vec<&str> = menu[0].body["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"follow") && names.contains(&"related"),
        "{names:?}"
    );

    let followed = say(&fake, ADA, ADA as u64, "/follow \"diffusion transformer\"").await;
    assert!(
        followed.contains("Following \"diffusion transformer\""),
        "{followed}"
    );
    let scheduled = say(&fake, ADA, ADA as u64, "/schedule daily 08:00").await;
    assert!(scheduled.contains("08:00"), "{scheduled}");
    let zoned = say(&fake, ADA, ADA as u64, "/timezone Europe/Berlin").await;
    assert!(zoned.contains("Europe/Berlin"), "{zoned}");
    // Every reply is HTML.
    assert!(fake.sent_to(ADA).iter().all(|m| m["parse_mode"] == "HTML"));

    // Papers arrive with the 06:00 UTC ingest.
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[
            (
                "2611.01001",
                "Scaling <diffusion transformers> & friends",
                "A diffusion transformer for video generation at scale.",
            ),
            (
                "2611.01002",
                "Faster diffusion transformer sampling",
                "We speed up sampling of diffusion transformers for video.",
            ),
            (
                "2611.01003",
                "Sparse attention kernels",
                "GPU kernels for sparse attention.",
            ),
        ],
    );
    let sent_before = fake.sent_to(ADA).len();
    // 07:59 Berlin: no digest yet.
    tokio::time::sleep(HOUR * 2 + MINUTE * 59).await;
    assert_eq!(fake.sent_to(ADA).len(), sent_before);
    // 08:00 Berlin = 07:00 UTC: the digest.
    tokio::time::sleep(MINUTE * 2).await;
    wait_until(MINUTE, || fake.sent_to(ADA).len() > sent_before).await;
    let digest = fake.sent_to(ADA)[sent_before].clone();
    let html = text(&digest);
    assert!(
        html.contains("Scaling &lt;diffusion transformers&gt; &amp; friends"),
        "{html}"
    );
    assert!(
        html.contains("Ada &lt;Lovelace&gt; and Alan &amp; Turing"),
        "{html}"
    );
    assert!(!html.contains("Sparse attention"), "{html}");
    assert_eq!(
        html.matches("matched: \"diffusion transformer\"").count(),
        2,
        "{html}"
    );
    assert!(
        !html.contains("\"diffusion transformer\", \"diffusion"),
        "{html}"
    );
    assert_eq!(digest["link_preview_options"]["is_disabled"], true);
    let keyboard = digest["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap();
    assert_eq!(keyboard.len(), 2, "a row of buttons per item");
    let related_data = keyboard[0][0]["callback_data"].as_str().unwrap().to_owned();
    let down_data = keyboard[0][2]["callback_data"].as_str().unwrap().to_owned();
    assert!(related_data.starts_with("r:2611.0100"), "{related_data}");
    for button in keyboard.iter().flat_map(|row| row.as_array().unwrap()) {
        assert!(button["callback_data"].as_str().unwrap().len() <= 64);
    }

    // "Related" pressed: a toast, then the related list.
    let before = fake.sent_to(ADA).len();
    fake.push_update(button_press(ADA, ADA as u64, &related_data));
    wait_until(MINUTE, || fake.sent_to(ADA).len() > before).await;
    let related = text(&fake.sent_to(ADA)[before]);
    assert!(related.starts_with("<b>Related to 2611.0100"), "{related}");
    assert!(related.contains("2611.0100"), "{related}");
    assert_eq!(fake.calls_to("answerCallbackQuery").len(), 1);

    // 👎 pressed: recorded, answered with a toast, nothing sent to the chat.
    let before = fake.sent_to(ADA).len();
    fake.push_update(button_press(ADA, ADA as u64, &down_data));
    wait_until(MINUTE, || fake.calls_to("answerCallbackQuery").len() == 2).await;
    let toast = &fake.calls_to("answerCallbackQuery")[1].body;
    assert!(toast["text"].as_str().unwrap().contains("👎"), "{toast}");
    assert_eq!(fake.sent_to(ADA).len(), before);
    let subscriber = running
        .store()
        .subscriber_by_address(&Address::Telegram { chat_id: ADA })
        .unwrap()
        .unwrap();
    let paper = PaperId::parse(&down_data[2..]).unwrap();
    let feedback = running
        .store()
        .feedback(subscriber.id, &paper)
        .unwrap()
        .unwrap();
    assert_eq!(feedback.vote, Vote::Down);

    // A forged or stale button is answered, not obeyed.
    fake.push_update(button_press(ADA, ADA as u64, "x:whatever"));
    wait_until(MINUTE, || fake.calls_to("answerCallbackQuery").len() == 3).await;
    assert!(
        fake.calls_to("answerCallbackQuery")[2].body["text"]
            .as_str()
            .unwrap()
            .contains("no longer works")
    );
    running.stop().await;
    // The token never reached a request body (it is only in the URL path).
    assert!(
        fake.calls()
            .iter()
            .all(|c| !c.body.to_string().contains(TOKEN))
    );
}

#[tokio::test(start_paused = true)]
async fn in_groups_only_administrators_change_follows() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &fake);
    write_papers(&dir.path().join("papers.jsonl"), &[]);
    let running = start(&config, t("2026-11-25T04:00:00Z"));
    const MEMBER: u64 = 501;
    const ADMIN: u64 = 502;
    fake.set_member(GROUP, ADMIN, "administrator");
    fake.set_member(GROUP, MEMBER, "member");
    let group = Address::Telegram { chat_id: GROUP };
    let follows = |running: &Running| {
        running
            .store()
            .subscriber_by_address(&group)
            .unwrap()
            .map(|s| running.store().follows(s.id).unwrap().len())
            .unwrap_or(0)
    };

    let refused = say(&fake, GROUP, MEMBER, "/follow diffusion").await;
    assert!(
        refused.contains("Only this chat's administrators"),
        "{refused}"
    );
    assert_eq!(follows(&running), 0, "nothing stored");
    // Read-only commands are for everyone.
    let listed = say(&fake, GROUP, MEMBER, "/follows").await;
    assert!(!listed.contains("administrators"), "{listed}");
    let helped = say(&fake, GROUP, MEMBER, "/help@paperboy_bot").await;
    assert!(helped.contains("/follow"), "{helped}");

    let accepted = say(&fake, GROUP, ADMIN, "/follow diffusion").await;
    assert!(accepted.contains("Following diffusion"), "{accepted}");
    assert_eq!(follows(&running), 1);

    // An anonymous administrator posts as the group itself: no lookup needed.
    let calls_before = fake.calls_to("getChatMember").len();
    let before = fake.sent_to(GROUP).len();
    fake.push_update(anonymous_message(GROUP, GROUP, "/follow sparse attention"));
    wait_until(MINUTE, || fake.sent_to(GROUP).len() > before).await;
    assert!(text(&fake.sent_to(GROUP)[before]).contains("Following sparse attention"));
    assert_eq!(fake.calls_to("getChatMember").len(), calls_before);
    assert_eq!(follows(&running), 2);

    // The anonymous-admin user id alone proves nothing (here it comes from another chat).
    let before = fake.sent_to(GROUP).len();
    fake.push_update(anonymous_message(GROUP, -100_999, "/unfollow 1"));
    wait_until(MINUTE, || fake.sent_to(GROUP).len() > before).await;
    assert!(text(&fake.sent_to(GROUP)[before]).contains("Only this chat's administrators"));
    assert_eq!(follows(&running), 2);

    // Chatter that is not a command gets no answer in a group.
    let before = fake.sent_to(GROUP).len();
    fake.push_update(message(GROUP, MEMBER, "nice paper!"));
    wait_until(MINUTE, || fake.drained()).await;
    tokio::time::sleep(SECOND).await;
    assert_eq!(fake.sent_to(GROUP).len(), before);
    running.stop().await;
}

fn digest_reply() -> Reply {
    Reply::new()
        .with(Block::Heading("paperboy: 1 new paper".into()))
        .with(Block::Papers(vec![PaperItem {
            id: "2611.01001".into(),
            title: "A paper".into(),
            authors: "Ada Lovelace".into(),
            url: "https://arxiv.org/abs/2611.01001".into(),
            matched: vec!["diffusion".into()],
            shared: Vec::new(),
            upvotes: None,
            snippet: "About diffusion.".into(),
        }]))
}

#[tokio::test(start_paused = true)]
async fn telegram_errors_become_delivery_outcomes() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &fake);
    let store = Arc::new(Store::open(&config.data_dir).unwrap());
    let config = Arc::new(config);
    let ingestor = Ingestor::new(store, build_fetcher(&config).unwrap(), config);
    let app = App::new(ingestor, Clock::tokio_from(t("2026-11-25T04:00:00Z"))).unwrap();
    let transport = app.telegram.as_ref().unwrap().transport();
    let reply = digest_reply();
    let to = Address::Telegram { chat_id: ADA };
    let message = OutgoingMessage {
        id: 1,
        subject: "paperboy: 1 new paper",
        message: &reply,
    };

    type Expectation = Box<dyn Fn(&DeliveryOutcome) -> bool>;
    let cases: Vec<(Failure, Expectation)> = vec![
        (
            Failure::retry_after(7),
            Box::new(|o| *o == DeliveryOutcome::RetryAfter(Duration::from_secs(7))),
        ),
        (
            Failure::blocked(),
            Box::new(
                |o| matches!(o, DeliveryOutcome::Gone { reason } if reason.contains("blocked")),
            ),
        ),
        (
            Failure::chat_not_found(),
            Box::new(|o| matches!(o, DeliveryOutcome::Gone { .. })),
        ),
        (
            Failure::migrated(-100_555),
            Box::new(|o| {
                *o == DeliveryOutcome::Moved {
                    to: Address::Telegram { chat_id: -100_555 },
                }
            }),
        ),
        (
            Failure::server_error(),
            Box::new(|o| matches!(o, DeliveryOutcome::Failed { .. })),
        ),
        (
            Failure::malformed(),
            Box::new(|o| matches!(o, DeliveryOutcome::Failed { .. })),
        ),
    ];
    for (failure, expected) in cases {
        let description = failure.body.clone();
        fake.fail_next("sendMessage", failure);
        let outcome = transport.deliver(&to, message).await;
        assert!(expected(&outcome), "{description} -> {outcome:?}");
        if let DeliveryOutcome::Failed { reason } = &outcome {
            assert!(!reason.contains(TOKEN), "the token leaked into {reason}");
        }
    }
    // And a healthy send.
    assert_eq!(transport.deliver(&to, message).await, DeliveryOutcome::Sent);
}

#[tokio::test(start_paused = true)]
async fn a_blocked_chat_is_deactivated_and_a_migrated_group_is_readdressed() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &fake);
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[("2611.01001", "Diffusion transformers", "A diffusion model.")],
    );
    let running = start(&config, t("2026-11-25T04:00:00Z"));
    const OLD_GROUP: i64 = -555;
    const NEW_GROUP: i64 = -100_555;
    for chat in [ADA, OLD_GROUP] {
        fake.set_member(chat, 9, "creator");
        say(&fake, chat, 9, "/follow diffusion").await;
    }
    // The group's digest meets "upgraded to a supergroup"; Ada has blocked the bot.
    fake.fail_message(
        OLD_GROUP,
        "Diffusion transformers",
        Failure::migrated(NEW_GROUP),
    );
    fake.fail_message(ADA, "Diffusion transformers", Failure::blocked());
    let before_new = fake.sent_to(NEW_GROUP).len();
    for chat in [ADA, OLD_GROUP] {
        say(&fake, chat, 9, "/digest").await;
    }
    wait_until(MINUTE, || fake.sent_to(NEW_GROUP).len() > before_new).await;
    let resent = text(&fake.sent_to(NEW_GROUP)[before_new]);
    assert!(resent.contains("Diffusion transformers"), "{resent}");
    let store = running.store();
    assert!(
        store
            .subscriber_by_address(&Address::Telegram { chat_id: NEW_GROUP })
            .unwrap()
            .is_some(),
        "the group's subscriber now lives at the supergroup's id"
    );
    tokio::time::sleep(MINUTE).await;
    let ada = store
        .subscriber_by_address(&Address::Telegram { chat_id: ADA })
        .unwrap()
        .unwrap();
    assert!(
        !ada.active,
        "a chat that blocked the bot gets no more sends"
    );
    assert!(store.pending_messages().unwrap().is_empty());
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn webhook_mode_checks_the_secret_and_answers_updates() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), &fake);
    config.telegram.webhook_url = Some("https://paperboy.example.org/telegram-hook".into());
    config.telegram.webhook_secret = Some(Secret::new("hook-secret_42"));
    let store = Arc::new(Store::open(&config.data_dir).unwrap());
    let config = Arc::new(config);
    let ingestor = Ingestor::new(store, build_fetcher(&config).unwrap(), config);
    let app = App::new(ingestor, Clock::tokio_from(t("2026-11-25T04:00:00Z"))).unwrap();
    let telegram = app.telegram.clone().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/telegram-hook", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let server = {
        let shutdown = shutdown.clone();
        tokio::spawn(async move { telegram.serve_webhook(listener, shutdown).await })
    };
    wait_until(MINUTE, || !fake.calls_to("setWebhook").is_empty()).await;
    let registered = &fake.calls_to("setWebhook")[0].body;
    assert_eq!(
        registered["url"],
        "https://paperboy.example.org/telegram-hook"
    );
    assert_eq!(registered["secret_token"], "hook-secret_42");

    let client = reqwest::Client::new();
    let mut update = message(ADA, ADA as u64, "/help");
    update["update_id"] = serde_json::json!(1);
    let post = |secret: Option<&'static str>, body: String| {
        let mut request = client.post(&hook).body(body);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        request.send()
    };
    // Without the secret, or with a wrong one: refused, nothing happens.
    assert_eq!(post(None, update.to_string()).await.unwrap().status(), 401);
    assert_eq!(
        post(Some("guess"), update.to_string())
            .await
            .unwrap()
            .status(),
        401
    );
    // Garbage with the right secret: acknowledged (so Telegram does not resend it), dropped.
    let garbage = post(Some("hook-secret_42"), "{\"update_id\": ".into())
        .await
        .unwrap();
    assert_eq!(garbage.status(), 200);
    tokio::time::sleep(SECOND).await;
    assert!(fake.sent_to(ADA).is_empty());
    // A real update: acknowledged at once, answered by the bot.
    let accepted = post(Some("hook-secret_42"), update.to_string())
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    wait_until(MINUTE, || !fake.sent_to(ADA).is_empty()).await;
    assert!(text(&fake.sent_to(ADA)[0]).contains("/follow"));
    assert!(
        fake.calls_to("getUpdates").is_empty(),
        "no polling in webhook mode"
    );
    shutdown.cancel();
    server.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_429_storm_then_hours_of_502s_delay_the_digest_but_lose_nothing() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &fake);
    write_papers(
        &dir.path().join("papers.jsonl"),
        &[("2611.01001", "Diffusion transformers", "A diffusion model.")],
    );
    let running = start(&config, t("2026-11-25T06:30:00Z"));
    say(&fake, ADA, 9, "/follow diffusion").await;
    say(&fake, ADA, 9, "/schedule daily 08:00").await;
    let before = fake.sent_to(ADA).len();
    // From 08:00 Telegram answers the next 40 sends with 429 (retry after 30 s), then the
    // 12 after those with 502: a flood wait of 20 minutes, then about six hours down.
    const STORM: usize = 40;
    const BURST: usize = 12;
    for _ in 0..STORM {
        fake.fail_next("sendMessage", Failure::retry_after(30));
    }
    for _ in 0..BURST {
        fake.fail_next("sendMessage", Failure::server_error());
    }
    // The first try, at 08:00.
    wait_until(2 * HOUR, || fake.sent_to(ADA).len() > before).await;
    let first_try = tokio::time::Instant::now();
    let delivered = || {
        fake.sent_to(ADA)
            .iter()
            .skip(before)
            .any(|body| text(body).contains("Diffusion transformers"))
            && running.store().pending_messages().unwrap().is_empty()
    };
    // Ten-second steps: fine enough to time waits of 30 s and more.
    while !delivered() {
        assert!(
            first_try.elapsed() < 12 * HOUR,
            "not delivered within 12 hours"
        );
        tokio::time::sleep(10 * SECOND).await;
    }
    let took = first_try.elapsed();

    let sends = fake.sent_to(ADA).len() - before;
    assert_eq!(
        sends,
        STORM + BURST + 1,
        "each answer waited for, no extra requests"
    );
    // 40 waits of 30 s, then backoff 30 s doubling to an hour for 12 failures.
    let least = Duration::from_secs(40 * 30 + (30 + 60 + 120 + 240 + 480 + 960 + 1920) + 5 * 3600);
    assert!(
        took >= least && took <= least + 30 * MINUTE,
        "delivered {took:?} after the first try; the waits add up to {least:?}"
    );
    let digests = fake
        .sent_to(ADA)
        .iter()
        .filter(|body| text(body).contains("Diffusion transformers"))
        .count();
    assert_eq!(digests, STORM + BURST + 1, "every try was the same digest");
    running.stop().await;
}
