//! The Discord front end end to end: the real serenity client talking to a fake Discord
//! (REST and gateway) on 127.0.0.1, the real daemon (scheduler, deliverer, sled store in a
//! temp dir) on tokio's paused clock, papers from a JSONL file source.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use paperboy::clock::Clock;
use paperboy::config::{Config, Secret};
use paperboy::daemon::{self, App};
use paperboy::delivery::{Deliver, DeliveryOutcome, OutgoingMessage};
use paperboy::ingest::{Ingestor, build_fetcher};
use paperboy::paper::PaperId;
use paperboy::reply::{Block, PaperItem, Reply};
use paperboy::store::{Store, Vote};
use paperboy::subscriber::Address;
use serde_json::{Value, json};
use support::fake_discord::{
    APPLICATION_ID, DM_CHANNEL_OFFSET, Failure, FakeDiscord, Place, SESSION_ID, TOKEN,
    autocomplete, button_press, channel_command, over_a_limit, slash_command, text_option,
};
use tokio_util::sync::CancellationToken;

const ADA: u64 = 4001;
const GUILD: u64 = 900;
const CHANNEL: u64 = 123;
/// Discord's permission bits, as they come in an interaction.
const SEND_MESSAGES: u64 = 1 << 11;
const MANAGE_CHANNELS: u64 = 1 << 4;
const EPHEMERAL: u64 = 1 << 6;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn write_papers(path: &Path, papers: &[(&str, &str, &str)]) {
    let lines: Vec<String> = papers
        .iter()
        .map(|(id, title, abstract_text)| {
            json!({
                "id": id, "title": title, "abstract": abstract_text,
                "authors": ["Ada *Lovelace*", "Alan Turing"], "categories": ["cs.CV"],
                "published": "2026-11-24T00:00:00Z", "source": "test"
            })
            .to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn config(dir: &Path, fake: &FakeDiscord) -> Config {
    let mut config = support::fixtures::file_source_config(dir);
    config.discord.token = Some(Secret::new(TOKEN));
    config.discord.api_url = fake.api_url();
    config
}

fn app(config: &Config, at: DateTime<Utc>) -> Arc<App> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("TEST_LOG").unwrap_or_else(|_| "paperboy=debug".into()))
        .with_test_writer()
        .try_init();
    let store = Arc::new(Store::open(&config.data_dir).unwrap());
    let config = Arc::new(config.clone());
    let ingestor = Ingestor::new(store, build_fetcher(&config).unwrap(), config);
    let app = Arc::new(App::new(ingestor, Clock::tokio_from(at)).unwrap());
    assert!(app.discord.is_some(), "a token turns the front end on");
    app
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

    fn follows(&self, address: &Address) -> Vec<String> {
        let store = self.store();
        store
            .subscriber_by_address(address)
            .unwrap()
            .map(|s| {
                store
                    .follows(s.id)
                    .unwrap()
                    .into_iter()
                    .map(|f| f.query)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The whole daemon, connected to the fake gateway.
async fn start(config: &Config, fake: &FakeDiscord) -> Running {
    let app = app(config, t("2026-11-25T04:00:00Z"));
    let shutdown = CancellationToken::new();
    let (running_app, token) = (app.clone(), shutdown.clone());
    let task = tokio::spawn(async move {
        daemon::run(&running_app, token).await.unwrap();
    });
    wait_until(MINUTE, || fake.session_ready()).await;
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

/// Dispatches an interaction and waits for its first callback.
async fn interact(fake: &FakeDiscord, id: u64, interaction: Value) -> Value {
    fake.dispatch_interaction(interaction);
    wait_until(MINUTE, || !fake.callbacks(id).is_empty()).await;
    fake.callbacks(id)[0].clone()
}

fn dm() -> Place {
    Place::Dm { user: ADA }
}

fn member(user: u64, permissions: u64) -> Place {
    Place::Server {
        guild: GUILD,
        channel: CHANNEL,
        user,
        permissions,
    }
}

fn content(callback: &Value) -> String {
    callback["data"]["content"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn is_ephemeral(callback: &Value) -> bool {
    callback["data"]["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0
}

const PAPERS: &[(&str, &str, &str)] = &[
    (
        "2611.01001",
        "Scaling diffusion transformers",
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
];

#[tokio::test(start_paused = true)]
async fn slash_commands_buttons_and_digests_through_the_gateway() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_papers(&dir.path().join("papers.jsonl"), PAPERS);
    let config = config(dir.path(), &fake);
    let running = start(&config, &fake).await;

    // HELLO, IDENTIFY with the token, READY; a heartbeat, acknowledged.
    let first = &fake.connections()[0];
    assert_eq!(first[0]["op"], 2, "{first:?}");
    assert!(first[0]["d"]["token"].as_str().unwrap().contains(TOKEN));
    // Discord asks for a heartbeat; serenity sends one (it reads the request with the next
    // frame, so a /help follows it).
    fake.request_heartbeat();
    let helped = interact(
        &fake,
        99,
        slash_command(99, "tok99", dm(), "help", json!([])),
    )
    .await;
    assert!(content(&helped).contains("/follow"), "{helped}");
    wait_until(MINUTE, || {
        fake.connections()[0].iter().any(|frame| frame["op"] == 1)
    })
    .await;
    // The slash commands are registered globally, /channel for channel managers.
    wait_until(MINUTE, || !fake.calls_to("PUT", "/commands").is_empty()).await;
    let registered = &fake.calls_to("PUT", "/commands")[0];
    assert_eq!(
        registered.path,
        format!("/applications/{APPLICATION_ID}/commands")
    );
    let names: Vec<&str> = registered
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for name in [
        "follow", "unfollow", "related", "search", "timezone", "help", "channel",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }

    // /follow in a DM: acknowledged at once, shown only to Ada, stored.
    let followed = interact(
        &fake,
        1,
        slash_command(
            1,
            "tok1",
            dm(),
            "follow",
            text_option("query", "\"diffusion transformer\""),
        ),
    )
    .await;
    assert_eq!(followed["type"], 4);
    assert!(
        content(&followed).contains("Following \"diffusion transformer\""),
        "{followed}"
    );
    assert!(is_ephemeral(&followed));
    let ada = Address::DiscordUser { user_id: ADA };
    assert_eq!(running.follows(&ada), ["\"diffusion transformer\""]);
    interact(
        &fake,
        2,
        slash_command(
            2,
            "tok2",
            dm(),
            "follow",
            text_option("query", "sparse attention"),
        ),
    )
    .await;

    // Autocomplete offers Ada's own follows by number, and time zones.
    let suggested = interact(
        &fake,
        3,
        autocomplete(3, "tok3", dm(), "unfollow", "follow", "sparse"),
    )
    .await;
    assert_eq!(suggested["type"], 8);
    assert_eq!(
        suggested["data"]["choices"],
        json!([{"name": "2. sparse attention", "value": "2"}])
    );
    let zones = interact(
        &fake,
        4,
        autocomplete(4, "tok4", dm(), "timezone", "zone", "berl"),
    )
    .await;
    assert_eq!(zones["data"]["choices"][0]["value"], "Europe/Berlin");
    let unfollowed = interact(
        &fake,
        5,
        slash_command(5, "tok5", dm(), "unfollow", text_option("follow", "2")),
    )
    .await;
    assert!(
        content(&unfollowed).contains("sparse attention"),
        "{unfollowed}"
    );
    assert_eq!(running.follows(&ada), ["\"diffusion transformer\""]);

    // A bad query gets a usage message, only for Ada, and changes nothing.
    let refused = interact(
        &fake,
        6,
        slash_command(6, "tok6", dm(), "follow", text_option("query", "-survey")),
    )
    .await;
    assert!(is_ephemeral(&refused));
    assert_eq!(running.follows(&ada).len(), 1);

    // A deferred /related: "thinking…" at once, then the answer replaces it.
    let deferred = interact(
        &fake,
        7,
        slash_command(
            7,
            "tok7",
            dm(),
            "related",
            text_option("paper", "2611.01001"),
        ),
    )
    .await;
    assert_eq!(deferred["type"], 5, "{deferred}");
    assert!(!is_ephemeral(&deferred), "papers are for everyone to see");
    wait_until(MINUTE, || !fake.follow_ups("tok7").is_empty()).await;
    let answer = &fake.follow_ups("tok7")[0];
    assert_eq!(answer.method, "PATCH");
    assert!(answer.path.ends_with("/messages/@original"));
    assert!(
        content_of(&answer.body).starts_with("**Related to 2611.01001"),
        "{}",
        answer.body
    );
    let related_titles = embed_titles(&answer.body);
    assert!(
        related_titles
            .iter()
            .any(|title| title.contains("Faster diffusion transformer sampling")),
        "{related_titles:?}"
    );

    // /digest: a DM with embeds, a row of buttons per paper, and a nonce.
    let queued = interact(
        &fake,
        8,
        slash_command(8, "tok8", dm(), "digest", json!([])),
    )
    .await;
    assert_eq!(queued["type"], 5);
    let dm_channel = ADA + DM_CHANNEL_OFFSET;
    wait_until(MINUTE, || !fake.messages_in(dm_channel).is_empty()).await;
    assert_eq!(fake.calls_to("POST", "/users/@me/channels").len(), 1);
    let digest = fake.messages_in(dm_channel)[0].clone();
    let titles = embed_titles(&digest);
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.iter().all(|t| t.contains("iffusion transformer")));
    assert!(
        digest["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("Ada \\*Lovelace\\*"),
        "markdown in author names is escaped"
    );
    assert_eq!(digest["enforce_nonce"], true);
    assert!(digest["nonce"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(digest["allowed_mentions"]["parse"], json!([]));
    let rows = digest["components"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "a row of buttons per paper");
    let custom_id = |row: usize, button: usize| {
        rows[row]["components"][button]["custom_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (related_id, up_id) = (custom_id(0, 0), custom_id(0, 1));
    assert!(related_id.starts_with("r:2611.0100"), "{related_id}");

    // 👍: recorded, answered only to Ada.
    let noted = interact(&fake, 9, button_press(9, "tok9", dm(), &up_id)).await;
    assert!(content(&noted).contains("👍"), "{noted}");
    assert!(is_ephemeral(&noted));
    let subscriber = running
        .store()
        .subscriber_by_address(&ada)
        .unwrap()
        .unwrap();
    let paper = PaperId::parse(&up_id[2..]).unwrap();
    let feedback = running
        .store()
        .feedback(subscriber.id, &paper)
        .unwrap()
        .unwrap();
    assert_eq!(feedback.vote, Vote::Up);
    // "Related": deferred, then the list.
    let pressed = interact(&fake, 10, button_press(10, "tok10", dm(), &related_id)).await;
    assert_eq!(pressed["type"], 5);
    wait_until(MINUTE, || !fake.follow_ups("tok10").is_empty()).await;
    assert!(content_of(&fake.follow_ups("tok10")[0].body).starts_with("**Related to"));
    // A forged or stale button is answered, not obeyed.
    let stale = interact(&fake, 11, button_press(11, "tok11", dm(), "x:whatever")).await;
    assert!(content(&stale).contains("no longer works"));

    // Nothing over a limit was sent; the token went only into headers and IDENTIFY.
    assert!(fake.refused_for_limits().is_empty());
    running.stop().await;
    assert!(
        fake.calls()
            .iter()
            .all(|c| c.authorized && !c.body.to_string().contains(TOKEN))
    );
}

fn content_of(body: &Value) -> String {
    body["content"].as_str().unwrap_or("").to_owned()
}

fn embed_titles(body: &Value) -> Vec<String> {
    body["embeds"]
        .as_array()
        .map(|embeds| {
            embeds
                .iter()
                .map(|e| e["title"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn only_channel_managers_change_a_channels_follows() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_papers(&dir.path().join("papers.jsonl"), PAPERS);
    let config = config(dir.path(), &fake);
    let running = start(&config, &fake).await;
    let channel = Address::DiscordChannel {
        channel_id: CHANNEL,
    };
    const MEMBER: u64 = 501;
    const MANAGER: u64 = 502;
    const ADMIN: u64 = 503;

    // A member without Manage Channels (the server let everyone see /channel): refused,
    // told privately, nothing stored.
    let refused = interact(
        &fake,
        1,
        channel_command(
            1,
            "tok1",
            member(MEMBER, SEND_MESSAGES),
            "follow",
            text_option("query", "diffusion"),
        ),
    )
    .await;
    assert!(content(&refused).contains("Manage Channels"), "{refused}");
    assert!(is_ephemeral(&refused));
    assert!(running.follows(&channel).is_empty(), "nothing stored");
    // Reading the channel's follows is for everyone.
    let listed = interact(
        &fake,
        2,
        channel_command(
            2,
            "tok2",
            member(MEMBER, SEND_MESSAGES),
            "follows",
            json!([]),
        ),
    )
    .await;
    assert!(!content(&listed).contains("Manage Channels"), "{listed}");

    let accepted = interact(
        &fake,
        3,
        channel_command(
            3,
            "tok3",
            member(MANAGER, SEND_MESSAGES | MANAGE_CHANNELS),
            "follow",
            text_option("query", "diffusion"),
        ),
    )
    .await;
    assert!(
        content(&accepted).contains("Following diffusion"),
        "{accepted}"
    );
    let by_admin = interact(
        &fake,
        4,
        channel_command(
            4,
            "tok4",
            member(ADMIN, 1 << 3),
            "follow",
            text_option("query", "sparse attention"),
        ),
    )
    .await;
    assert!(content(&by_admin).contains("Following"), "{by_admin}");
    assert_eq!(running.follows(&channel), ["diffusion", "sparse attention"]);
    // The member's own /follow in the server is about their own DMs, and needs nothing.
    let own = interact(
        &fake,
        5,
        slash_command(
            5,
            "tok5",
            member(MEMBER, SEND_MESSAGES),
            "follow",
            text_option("query", "video"),
        ),
    )
    .await;
    assert!(content(&own).contains("Following video"), "{own}");
    assert_eq!(
        running.follows(&Address::DiscordUser { user_id: MEMBER }),
        ["video"]
    );
    // Autocomplete for /channel unfollow offers the channel's follows.
    let mut typed = autocomplete(
        6,
        "tok6",
        member(MEMBER, SEND_MESSAGES),
        "channel",
        "follow",
        "",
    );
    typed["data"]["options"] = json!([{"name": "unfollow", "type": 1,
        "options": [{"name": "follow", "type": 3, "value": "spa", "focused": true}]}]);
    let suggested = interact(&fake, 6, typed).await;
    assert_eq!(
        suggested["data"]["choices"],
        json!([{"name": "2. sparse attention", "value": "2"}])
    );
    // /channel in a DM has no channel to speak of.
    let in_dm = interact(
        &fake,
        7,
        channel_command(7, "tok7", dm(), "follows", json!([])),
    )
    .await;
    assert!(content(&in_dm).contains("server channels"), "{in_dm}");

    // The channel's digest goes to the channel; its buttons vote for the channel.
    let queued = interact(
        &fake,
        8,
        channel_command(
            8,
            "tok8",
            member(MANAGER, MANAGE_CHANNELS),
            "digest",
            json!([]),
        ),
    )
    .await;
    assert_eq!(queued["type"], 5);
    wait_until(MINUTE, || !fake.messages_in(CHANNEL).is_empty()).await;
    let digest = fake.messages_in(CHANNEL)[0].clone();
    let down_id = digest["components"][0]["components"][2]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(down_id.starts_with("d:"), "{down_id}");
    let noted = interact(
        &fake,
        9,
        button_press(9, "tok9", member(MEMBER, SEND_MESSAGES), &down_id),
    )
    .await;
    assert!(content(&noted).contains("👎"), "{noted}");
    let subscriber = running
        .store()
        .subscriber_by_address(&channel)
        .unwrap()
        .unwrap();
    let feedback = running
        .store()
        .feedback(subscriber.id, &PaperId::parse(&down_id[2..]).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(feedback.vote, Vote::Down);
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_dropped_gateway_connection_resumes_the_session() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_papers(&dir.path().join("papers.jsonl"), &[]);
    let mut config = config(dir.path(), &fake);
    config.discord.dev_guild_id = Some(GUILD);
    let app = app(&config, t("2026-11-25T04:00:00Z"));
    let discord = app.discord.clone().unwrap();
    let shutdown = CancellationToken::new();
    let gateway = {
        let shutdown = shutdown.clone();
        tokio::spawn(async move { discord.run(shutdown).await })
    };
    wait_until(MINUTE, || fake.session_ready()).await;
    // With a development server configured, the commands are registered there alone.
    wait_until(MINUTE, || !fake.calls_to("PUT", "/commands").is_empty()).await;
    assert_eq!(
        fake.calls_to("PUT", "/commands")[0].path,
        format!("/applications/{APPLICATION_ID}/guilds/{GUILD}/commands")
    );
    // Some events arrive, so the session has a sequence number to resume from.
    interact(&fake, 1, slash_command(1, "tok1", dm(), "help", json!([]))).await;

    fake.drop_gateway_connection();
    wait_until(MINUTE, || {
        fake.connections().len() == 2 && !fake.connections()[1].is_empty() && fake.session_ready()
    })
    .await;
    let resumed = &fake.connections()[1];
    assert_eq!(resumed[0]["op"], 6, "RESUME, not IDENTIFY: {resumed:?}");
    assert_eq!(resumed[0]["d"]["session_id"], SESSION_ID);
    assert!(resumed[0]["d"]["seq"].as_u64().unwrap() >= 2);
    assert!(resumed.iter().all(|frame| frame["op"] != 2));
    let identifies = fake
        .connections()
        .iter()
        .flatten()
        .filter(|frame| frame["op"] == 2)
        .count();
    assert_eq!(identifies, 1);

    // The resumed session answers interactions as before.
    let helped = interact(&fake, 2, slash_command(2, "tok2", dm(), "help", json!([]))).await;
    assert!(content(&helped).contains("/follow"), "{helped}");
    // Registered once per process, not once per session.
    assert_eq!(fake.calls_to("PUT", "/commands").len(), 1);
    shutdown.cancel();
    gateway.await.unwrap();
}

fn paper(i: usize, title: &str) -> PaperItem {
    PaperItem {
        id: format!("2611.{i:05}"),
        title: title.to_owned(),
        authors: "Ada Lovelace, Alan Turing et al.".into(),
        url: format!("https://arxiv.org/abs/2611.{i:05}"),
        matched: vec!["diffusion".into()],
        shared: Vec::new(),
        upvotes: Some(12),
        snippet: "We study diffusion. ".repeat(12),
    }
}

/// A digest; with more than one paper it ends in "and 3 more", which starts a message of
/// its own (text after embeds would read out of order).
fn digest(papers: usize, title_chars: usize) -> Reply {
    let title = "Diffusion ".repeat(title_chars / 10 + 1)[..title_chars].to_owned();
    let reply = Reply::new()
        .with(Block::Heading(format!("paperboy: {papers} new papers")))
        .with(Block::Papers(
            (0..papers).map(|i| paper(i, &title)).collect(),
        ));
    if papers > 1 {
        reply.with(Block::Hint("and 3 more".into()))
    } else {
        reply
    }
}

/// The transport alone, talking to the fake (no gateway).
fn transport(fake: &FakeDiscord, dir: &Path) -> Arc<dyn Deliver> {
    let config = config(dir, fake);
    let app = app(&config, t("2026-11-25T04:00:00Z"));
    app.discord.as_ref().unwrap().transport()
}

#[tokio::test(start_paused = true)]
async fn discord_errors_become_delivery_outcomes() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let transport = transport(&fake, dir.path());
    let reply = digest(1, 40);
    let message = OutgoingMessage {
        id: 1,
        subject: "paperboy: 1 new paper",
        message: &reply,
    };
    let channel = Address::DiscordChannel {
        channel_id: CHANNEL,
    };

    type Expectation = Box<dyn Fn(&DeliveryOutcome) -> bool>;
    let cases: Vec<(&'static str, Failure, Expectation)> = vec![
        (
            "messages",
            Failure::RateLimited {
                retry_after: 7.0,
                global: false,
            },
            Box::new(|o| *o == DeliveryOutcome::RetryAfter(Duration::from_secs(7))),
        ),
        (
            "messages",
            Failure::RateLimited {
                retry_after: 0.25,
                global: true,
            },
            Box::new(|o| *o == DeliveryOutcome::RetryAfter(Duration::from_millis(250))),
        ),
        (
            "messages",
            Failure::cannot_message_user(),
            Box::new(
                |o| matches!(o, DeliveryOutcome::Gone { reason } if reason.contains("Cannot send messages")),
            ),
        ),
        (
            "messages",
            Failure::unknown_channel(),
            Box::new(|o| matches!(o, DeliveryOutcome::Gone { .. })),
        ),
        (
            "messages",
            Failure::missing_permissions(),
            Box::new(|o| matches!(o, DeliveryOutcome::Failed { .. })),
        ),
        (
            "messages",
            Failure::ServerError(502),
            Box::new(|o| matches!(o, DeliveryOutcome::Failed { .. })),
        ),
        (
            "messages",
            Failure::DropAfterAccept,
            Box::new(|o| matches!(o, DeliveryOutcome::Failed { .. })),
        ),
    ];
    for (route, failure, expected) in cases {
        let description = format!("{failure:?}");
        fake.fail_next(route, failure);
        let outcome = transport.deliver(&channel, message).await;
        assert!(expected(&outcome), "{description} -> {outcome:?}");
        if let DeliveryOutcome::Failed { reason } | DeliveryOutcome::Gone { reason } = &outcome {
            assert!(!reason.contains(TOKEN), "the token leaked into {reason}");
        }
    }
    assert_eq!(
        transport.deliver(&channel, message).await,
        DeliveryOutcome::Sent
    );
    // A user the bot cannot DM is gone, whether opening the DM or posting to it fails.
    let ada = Address::DiscordUser { user_id: ADA };
    fake.fail_next("messages", Failure::cannot_message_user());
    assert!(matches!(
        transport.deliver(&ada, message).await,
        DeliveryOutcome::Gone { .. }
    ));
    fake.fail_next(
        "dm",
        Failure::Refused {
            status: 400,
            code: 10013,
            message: "Unknown User",
        },
    );
    assert!(matches!(
        transport
            .deliver(&Address::DiscordUser { user_id: 77 }, message)
            .await,
        DeliveryOutcome::Gone { .. }
    ));
    assert!(matches!(
        transport
            .deliver(&Address::Telegram { chat_id: 1 }, message)
            .await,
        DeliveryOutcome::Failed { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn a_forty_paper_digest_arrives_as_valid_messages() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let transport = transport(&fake, dir.path());
    let reply = digest(40, 300);
    let outcome = transport
        .deliver(
            &Address::DiscordChannel {
                channel_id: CHANNEL,
            },
            OutgoingMessage {
                id: 40,
                subject: "paperboy: 40 new papers",
                message: &reply,
            },
        )
        .await;
    assert_eq!(outcome, DeliveryOutcome::Sent);
    assert!(
        fake.refused_for_limits().is_empty(),
        "{:?}",
        fake.refused_for_limits()
    );
    let messages = fake.messages_in(CHANNEL);
    assert!(messages.len() >= 8, "{} messages", messages.len());
    let mut ids = Vec::new();
    for message in &messages {
        assert_eq!(over_a_limit(message), None);
        for row in message["components"].as_array().into_iter().flatten() {
            ids.push(
                row["components"][0]["custom_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        for title in embed_titles(message) {
            assert!(title.chars().count() <= 256, "{title}");
        }
    }
    let expected: Vec<String> = (0..40).map(|i| format!("r:2611.{i:05}")).collect();
    assert_eq!(ids, expected, "every paper once, in order");
    assert_eq!(content_of(&messages[0]), "**paperboy: 40 new papers**");
    assert_eq!(content_of(messages.last().unwrap()), "*and 3 more*");
    // Every part has its own nonce.
    let nonces: std::collections::HashSet<&str> = messages
        .iter()
        .map(|m| m["nonce"].as_str().unwrap())
        .collect();
    assert_eq!(nonces.len(), messages.len());
}

#[tokio::test(start_paused = true)]
async fn a_resend_after_a_lost_answer_posts_each_message_once() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let transport = transport(&fake, dir.path());
    let channel = Address::DiscordChannel {
        channel_id: CHANNEL,
    };
    // One message: accepted, then the connection drops before the answer.
    let single = digest(1, 40);
    let message = OutgoingMessage {
        id: 7,
        subject: "paperboy: 1 new paper",
        message: &single,
    };
    fake.fail_next("messages", Failure::DropAfterAccept);
    assert!(matches!(
        transport.deliver(&channel, message).await,
        DeliveryOutcome::Failed { .. }
    ));
    assert_eq!(fake.messages_in(CHANNEL).len(), 1, "Discord has it already");
    assert_eq!(
        transport.deliver(&channel, message).await,
        DeliveryOutcome::Sent
    );
    assert_eq!(fake.messages_in(CHANNEL).len(), 1, "exactly one message");
    assert_eq!(
        fake.calls_to("POST", &format!("/channels/{CHANNEL}/messages"))
            .len(),
        2
    );

    // A digest in several parts, its first answer lost: resent whole, each part once.
    let long = digest(12, 40);
    let message = OutgoingMessage {
        id: 8,
        subject: "paperboy: 12 new papers",
        message: &long,
    };
    let other = 124;
    let to = Address::DiscordChannel { channel_id: other };
    fake.fail_next("messages", Failure::DropAfterAccept);
    assert!(matches!(
        transport.deliver(&to, message).await,
        DeliveryOutcome::Failed { .. }
    ));
    assert_eq!(transport.deliver(&to, message).await, DeliveryOutcome::Sent);
    let parts = fake.messages_in(other);
    assert!(parts.len() >= 3, "{} parts", parts.len());
    let nonces: std::collections::HashSet<&str> =
        parts.iter().map(|m| m["nonce"].as_str().unwrap()).collect();
    assert_eq!(nonces.len(), parts.len(), "no part twice");
}

#[tokio::test(start_paused = true)]
async fn paperboy_keeps_discords_global_limit_of_fifty_a_second() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let transport = transport(&fake, dir.path());
    let reply = digest(1, 40);
    let mut sends = tokio::task::JoinSet::new();
    for channel in 0..120u64 {
        let transport = transport.clone();
        let reply = reply.clone();
        sends.spawn(async move {
            let to = Address::DiscordChannel {
                channel_id: 10_000 + channel,
            };
            let message = OutgoingMessage {
                id: channel,
                subject: "s",
                message: &reply,
            };
            transport.deliver(&to, message).await
        });
    }
    while let Some(outcome) = sends.join_next().await {
        assert_eq!(outcome.unwrap(), DeliveryOutcome::Sent);
    }
    let times: Vec<tokio::time::Instant> = fake
        .calls_to("POST", "/messages")
        .iter()
        .map(|c| c.at)
        .collect();
    assert_eq!(times.len(), 120);
    let most_in_a_second = times
        .iter()
        .map(|start| {
            times
                .iter()
                .filter(|t| **t >= *start && **t < *start + SECOND)
                .count()
        })
        .max()
        .unwrap();
    assert!(
        (45..=50).contains(&most_in_a_second),
        "{most_in_a_second} requests in one second"
    );
}
