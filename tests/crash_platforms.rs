//! Crash safety with every transport on the wire: `paperboy run` ingests from fake Hugging
//! Face and arXiv services over HTTP, takes `/follow` from Telegram (getUpdates) and Discord
//! (slash commands over the gateway), and delivers digests as Telegram messages, Discord DMs
//! and mail to a real SMTP server, all of them fakes in this process that outlive the daemon.
//! The daemon is SIGKILLed at seeded moments, round after round, and started again, while
//! papers keep arriving and readers keep following words; `paperboy cmd` adds follows for
//! the email readers between runs, and is killed too. `tests/crash.rs` does the same with the
//! file transport; its module doc explains the invariants, and `src/outbox.rs` the window.
//!
//! Where kills land: after a seeded delay; right after the n-th "source polled", command
//! or delivery log line; or with an answer held back by the relays of
//! `tests/support/tripwire.rs`: the n-th source page, command reply or digest reached the fake
//! and the daemon never heard back. A held digest is the documented duplicate window itself:
//! the platform has the message, the outbox still has its entry.
//!
//! Checked after every process: the store opens (`paperboy export`) and holds every follow a
//! reader was told about; each process resent at most one message, the oldest pending one,
//! across all transports (Telegram by identical text, Discord by nonce, mail by Message-ID);
//! a resend lists the same papers as the original, and no paper reached a reader in two
//! different messages. Discord's fake posts a resent nonce once, so Discord channels hold
//! each digest once. At the end (after a final `run --once`, and a second one with nothing
//! left): the outbox is empty; what each reader received is exactly what the store marked
//! sent; every paper matching a configured follow, and every paper published after a
//! follow was acknowledged, reached its reader; nothing reached a reader that matches none
//! of its follows.
//!
//! A follow is acknowledged when the fake recorded the bot's reply confirming it (Telegram
//! sendMessage, Discord interaction callback) or `cmd` printed it; the store flushes a change
//! before replying. A paper counts as published after an acknowledgement when the test saw
//! the reply before it put the paper into the fake sources.
//!
//! Deterministic: seeded delays, papers, follows and triggers; the assertions hold wherever
//! a kill lands. `PAPERBOY_CRASH_ROUNDS=200` runs the long version (one daemon kill per round,
//! plus killed commands).
//!
//! A second test pins one case down: Telegram hands an update out until a later getUpdates
//! confirms it, so a command answered just before a kill came back after the restart and
//! ran again; `/unfollow 2` twice removed a follow the reader had been told about.

#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use paperboy::paper::{Paper, PaperId};
use paperboy::store::Store;
use serde_json::{Value, json};
use support::fake_discord::{self, DM_CHANNEL_OFFSET, FakeDiscord, Place};
use support::fake_sources::{FakeSources, FeedItem, api_entry, rss_feed};
use support::fake_telegram::{self, FakeTelegram};
use support::harness::{
    KillOnDrop, Rng, VOCABULARY, clean_command, matches, wait_with_deadline, word,
};
use support::smtp_server::{ReceivedMail, SmtpServer};
use support::tripwire::{HttpRelay, SmtpRelay, Step, Tripwire};
use tempfile::TempDir;

const DEFAULT_ROUNDS: usize = 40;
/// Readers per transport.
const READERS: usize = 5;
/// Generous bound for anything that runs to completion; past it the daemon is hung.
const DEADLINE: Duration = Duration::from_secs(60);
const FEED_PATH: &str = "/rss/cs.LG";
const ABS: &str = "https://arxiv.org/abs/";
/// The end of a digest's heading in Telegram HTML: only the first part of a digest has it.
const TELEGRAM_HEADING: &str = " for your follows</b>";
const SIGKILL: i32 = 9;
/// Log lines (message and the first field) the kills and landings are read from.
const SOURCE_POLLED: &str = " source polled source=";
const COMMAND_RUN: &str = " command subscriber=";
const DELIVERED: &str = " delivered outbox=";
const DIGEST_QUEUED: &str = " digest queued";
const PASS_DONE: &str = " scheduler pass";
const DISCORD_READY: &str = "discord: connected to the gateway";

// ---------------------------------------------------------------------------------------
// Readers

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Via {
    Telegram,
    Discord,
    Email,
}

/// A configured subscriber: reader `n` of a transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Reader {
    via: Via,
    n: usize,
}

impl Reader {
    fn all() -> Vec<Reader> {
        [Via::Telegram, Via::Discord, Via::Email]
            .into_iter()
            .flat_map(|via| (0..READERS).map(move |n| Reader { via, n }))
            .collect()
    }

    fn chat(self) -> i64 {
        101 + self.n as i64
    }

    fn user(self) -> u64 {
        201 + self.n as u64
    }

    fn channel(self) -> u64 {
        self.user() + DM_CHANNEL_OFFSET
    }

    fn mailbox(self) -> String {
        format!("reader{}@example.org", self.n)
    }

    fn address(self) -> String {
        match self.via {
            Via::Telegram => format!("telegram:{}", self.chat()),
            Via::Discord => format!("discord-user:{}", self.user()),
            Via::Email => format!("email:{}", self.mailbox()),
        }
    }

    fn by_chat(chat: i64) -> Reader {
        let reader = Reader {
            via: Via::Telegram,
            n: (chat - 101) as usize,
        };
        assert!(
            chat >= 101 && reader.n < READERS,
            "a message to unknown chat {chat}"
        );
        reader
    }

    fn by_channel(channel: u64) -> Reader {
        let n = channel.wrapping_sub(DM_CHANNEL_OFFSET + 201) as usize;
        assert!(n < READERS, "a message to unknown channel {channel}");
        Reader {
            via: Via::Discord,
            n,
        }
    }

    fn by_mailbox(mailbox: &str) -> Reader {
        let n = mailbox
            .trim_matches(['<', '>'])
            .strip_prefix("reader")
            .and_then(|rest| rest.strip_suffix("@example.org"))
            .and_then(|n| n.parse().ok())
            .filter(|n| *n < READERS)
            .unwrap_or_else(|| panic!("a mail to unknown {mailbox}"));
        Reader { via: Via::Email, n }
    }
}

// ---------------------------------------------------------------------------------------
// The fakes, behind relays that count and can hold an answer

struct Fakes {
    sources: FakeSources,
    telegram: FakeTelegram,
    discord: FakeDiscord,
    smtp: SmtpServer,
    wire: Arc<Tripwire>,
    sources_url: String,
    telegram_url: String,
    discord_url: String,
    smtp_port: u16,
    /// Last, so the servers' tasks end after everything that talks to them.
    _runtime: tokio::runtime::Runtime,
}

fn telegram_step(_method: &str, path: &str, body: &[u8]) -> Option<Step> {
    if !path.to_ascii_lowercase().ends_with("/sendmessage") {
        return None;
    }
    let digest = body.windows(ABS.len()).any(|w| w == ABS.as_bytes());
    Some(if digest { Step::Digest } else { Step::Reply })
}

fn discord_step(method: &str, path: &str, _body: &[u8]) -> Option<Step> {
    let path = path.strip_prefix("/api/v10").unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("POST", ["channels", _, "messages"]) => Some(Step::Digest),
        ("POST", ["interactions", _, _, "callback"]) | (_, ["webhooks", ..]) => Some(Step::Reply),
        _ => None,
    }
}

fn source_step(_method: &str, _path: &str, _body: &[u8]) -> Option<Step> {
    Some(Step::Source)
}

impl Fakes {
    fn start() -> Fakes {
        // The fakes answer on these two threads while the test thread waits on processes.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let wire = Tripwire::new();
        let smtp = SmtpServer::start();
        let (sources, telegram, discord, relays) = runtime.block_on(async {
            let sources = FakeSources::start().await;
            let telegram = FakeTelegram::start().await;
            let discord = FakeDiscord::start().await;
            let relays = (
                HttpRelay::start(sources.base_url(), source_step, wire.clone()).await,
                HttpRelay::start(telegram.api_url(), telegram_step, wire.clone()).await,
                HttpRelay::start(discord.api_url(), discord_step, wire.clone()).await,
                SmtpRelay::start(smtp.addr, wire.clone()).await,
            );
            (sources, telegram, discord, relays)
        });
        Fakes {
            sources,
            telegram,
            discord,
            smtp,
            wire,
            sources_url: relays.0.url(),
            telegram_url: relays.1.url(),
            discord_url: relays.2.url(),
            smtp_port: relays.3.addr.port(),
            _runtime: runtime,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Papers

/// A paper the test put into the fake sources.
struct Published {
    /// When, on the test's event counter.
    at: u64,
    via_hf: bool,
}

/// A paper before it is published: id, title, abstract.
type NewPaper = (String, String, String);

/// Titles hold one or two vocabulary words, one abstract in three another.
fn new_papers(rng: &mut Rng, next_number: &mut usize, count: u64) -> Vec<NewPaper> {
    (0..count)
        .map(|_| {
            *next_number += 1;
            let n = *next_number;
            let first = word(rng);
            let title = if rng.one_in(2) {
                format!("{first} and {} in practice {n}", word(rng))
            } else {
                format!("{first} in practice {n}")
            };
            let abstract_text = if rng.one_in(3) {
                format!("We revisit {} baselines.", word(rng))
            } else {
                "We report experiments.".to_owned()
            };
            (format!("2611.{n:05}"), title, abstract_text)
        })
        .collect()
}

/// What the fake sources serve: Daily Papers by day, one announcement feed, and API entries
/// that fill in the details of Hugging Face papers (which come without categories).
#[derive(Default)]
struct Catalogue {
    hf_days: BTreeMap<String, Vec<Value>>,
    feed: Vec<NewPaper>,
    api: Vec<String>,
}

impl Catalogue {
    fn add(&mut self, sources: &FakeSources, paper: &NewPaper, via_hf: bool) {
        let (id, title, abstract_text) = paper;
        if via_hf {
            // Under today's date (UTC, as the daemon asks); refresh_days = 1 also reads
            // yesterday's page, so a paper added just before midnight is still found.
            let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
            let items = self.hf_days.entry(day.clone()).or_default();
            items.push(json!({
                "paper": {
                    "id": id, "title": title, "summary": abstract_text,
                    "authors": [{"name": "Ada Lovelace"}],
                    "publishedAt": "2026-11-20T00:00:00.000Z",
                    "submittedOnDailyAt": format!("{day}T00:00:00.000Z"),
                    "upvotes": 3
                },
                "numComments": 0
            }));
            sources.set_hf_day(&day, items.clone());
            // The details lookup's text has the same words, so matching does not change.
            self.api.push(api_entry(
                id,
                1,
                &format!("{title} {abstract_text}"),
                "cs.LG",
                "2026-11-20T00:00:00Z",
            ));
            sources.set_api_entries(self.api.clone());
        } else {
            self.feed.push(paper.clone());
            let items: Vec<FeedItem<'_>> = self
                .feed
                .iter()
                .map(|(id, title, abstract_text)| FeedItem {
                    id,
                    version: 1,
                    announce: "new",
                    title,
                    abstract_text,
                    categories: &["cs.LG"],
                    authors: "Ada Lovelace, Alan Turing",
                })
                .collect();
            sources.set_document(FEED_PATH, rss_feed(&items));
        }
    }
}

/// A short name for a long text, for messages.
fn fingerprint(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// The papers a message lists, in order, each once (an item links its abstract page).
fn listed_papers(text: &str) -> Vec<PaperId> {
    let mut ids: Vec<PaperId> = Vec::new();
    for (at, _) in text.match_indices(ABS) {
        let rest = &text[at + ABS.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-')))
            .unwrap_or(rest.len());
        let id = PaperId::parse(&rest[..end]).unwrap();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The papers of a Discord message: each embed links one.
fn embedded_papers(body: &Value) -> Vec<PaperId> {
    let urls: Vec<&str> = body["embeds"]
        .as_array()
        .map(|embeds| embeds.iter().filter_map(|e| e["url"].as_str()).collect())
        .unwrap_or_default();
    listed_papers(&urls.join(" "))
}

fn text_part(mail: &ReceivedMail) -> String {
    let parsed = mail.parsed();
    parsed
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == "text/plain")
        .map(|p| p.get_body().unwrap())
        .unwrap_or_else(|| parsed.get_body().unwrap())
}

// ---------------------------------------------------------------------------------------
// Follows

/// A follow a reader was told about.
struct Acked {
    reader: Reader,
    word: String,
    /// When the test saw the confirmation, on its event counter.
    at: u64,
}

/// A `/follow` sent, not yet confirmed.
enum Waiting {
    /// Any reply to the chat after call `from` confirms it.
    Telegram {
        reader: Reader,
        word: &'static str,
        from: usize,
    },
    Discord {
        reader: Reader,
        word: &'static str,
        interaction: u64,
    },
}

/// Whether a reply confirms the follow. (Discord's Markdown escaping turns the "(" after
/// "You already follow WORD" into "\(", so the check stops before it.)
fn confirms(text: &str, word: &str) -> bool {
    text.contains(&format!("Following {word}."))
        || text.contains(&format!("You already follow {word} "))
}

// ---------------------------------------------------------------------------------------
// What reached the readers

/// Every digest message the platforms got, read in order once, process by process.
#[derive(Default)]
struct Ledger {
    telegram_cursor: usize,
    /// Each distinct part (chat, HTML) and the digest it belongs to (its first part).
    telegram_parts: HashMap<(i64, String), String>,
    /// The digest a chat is receiving: parts of one digest go out in a row.
    telegram_current: HashMap<i64, String>,
    telegram_digests: usize,
    telegram_parts_sent: usize,
    telegram_resends: usize,

    discord_cursor: usize,
    /// (channel, nonce) -> the papers of that part.
    discord_parts: HashMap<(u64, String), Vec<PaperId>>,
    discord_digests: HashSet<(u64, String)>,
    discord_posts: usize,
    discord_resends: usize,
    /// Posts that repeated a nonce the channel already had.
    discord_repeated_posts: usize,

    mail_cursor: usize,
    /// Message-ID -> the papers of that mail.
    mails: HashMap<String, Vec<PaperId>>,
    mail_resends: usize,

    /// Which message (a part, nonce or Message-ID) brought each paper to each reader.
    received: BTreeMap<Reader, BTreeMap<PaperId, String>>,
}

impl Ledger {
    /// Records that `reader` got `papers` in the message called `key`. A paper may come again
    /// only in the same message (a resend), never in another.
    fn receive(&mut self, reader: Reader, papers: &[PaperId], key: &str, what: &str) {
        let got = self.received.entry(reader).or_default();
        for paper in papers {
            if let Some(earlier) = got.insert(paper.clone(), key.to_owned())
                && earlier != key
            {
                panic!(
                    "{what}: {} got {paper} twice, in {earlier:?} and in {key:?}",
                    reader.address()
                );
            }
        }
    }

    /// Reads what the platforms got since the last call (what the process that just ended
    /// sent, and anything of the one before that a fake recorded late). Returns how many
    /// distinct messages were sent again; the window allows one.
    fn account(&mut self, fakes: &Fakes, what: &str) -> usize {
        let mut resent: BTreeSet<String> = BTreeSet::new();

        let calls = fakes.telegram.calls();
        for call in &calls[self.telegram_cursor..] {
            let text = call.body["text"].as_str().unwrap_or("");
            if call.method != "sendmessage" || !text.contains(ABS) {
                continue;
            }
            self.telegram_parts_sent += 1;
            let chat = call.body["chat_id"].as_i64().expect("a chat id");
            let reader = Reader::by_chat(chat);
            let first = text.contains(TELEGRAM_HEADING);
            if first {
                self.telegram_current.insert(chat, text.to_owned());
            }
            let digest = self
                .telegram_current
                .get(&chat)
                .unwrap_or_else(|| panic!("{what}: a digest part without its start: {text}"))
                .clone();
            let key = (chat, text.to_owned());
            match self.telegram_parts.get(&key) {
                Some(of) => {
                    assert_eq!(
                        of, &digest,
                        "{what}: a part came again within another digest"
                    );
                    if first {
                        self.telegram_resends += 1;
                        resent.insert(format!("telegram {chat} {:x}", fingerprint(&digest)));
                    }
                }
                None => {
                    if first {
                        self.telegram_digests += 1;
                    }
                    self.receive(reader, &listed_papers(text), text, what);
                    self.telegram_parts.insert(key, digest);
                }
            }
        }
        self.telegram_cursor = calls.len();

        let calls = fakes.discord.calls();
        for call in &calls[self.discord_cursor..] {
            if discord_step(&call.method, &call.path, &[]) != Some(Step::Digest) {
                continue;
            }
            self.discord_posts += 1;
            let channel: u64 = call.path.split('/').nth(2).unwrap().parse().unwrap();
            let reader = Reader::by_channel(channel);
            assert_eq!(
                call.body["enforce_nonce"], true,
                "{what}: a digest without enforce_nonce"
            );
            let nonce = call.body["nonce"].as_str().expect("a nonce").to_owned();
            let outbox = nonce.split('.').next().unwrap().to_owned();
            let papers = embedded_papers(&call.body);
            match self.discord_parts.get(&(channel, nonce.clone())) {
                Some(earlier) => {
                    assert_eq!(
                        earlier, &papers,
                        "{what}: nonce {nonce} came with other papers"
                    );
                    self.discord_repeated_posts += 1;
                    if resent.insert(format!("discord {channel} {outbox}")) {
                        self.discord_resends += 1;
                    }
                }
                None => {
                    self.discord_digests.insert((channel, outbox.clone()));
                    self.receive(reader, &papers, &format!("outbox {outbox}"), what);
                    self.discord_parts.insert((channel, nonce), papers);
                }
            }
        }
        self.discord_cursor = calls.len();

        let mails = fakes.smtp.received();
        for mail in &mails[self.mail_cursor..] {
            let id = mail.header("Message-ID").expect("a Message-ID");
            assert_eq!(mail.to.len(), 1, "{what}: a mail to {:?}", mail.to);
            let reader = Reader::by_mailbox(&mail.to[0]);
            let papers = listed_papers(&text_part(mail));
            assert!(!papers.is_empty(), "{what}: a mail without papers");
            match self.mails.get(&id) {
                Some(earlier) => {
                    assert_eq!(earlier, &papers, "{what}: {id} came with other papers");
                    self.mail_resends += 1;
                    resent.insert(format!("mail {id}"));
                }
                None => {
                    self.receive(reader, &papers, &id, what);
                    self.mails.insert(id, papers);
                }
            }
        }
        self.mail_cursor = mails.len();

        assert!(
            resent.len() <= 1,
            "{what}: {} messages sent again, beyond the one-message window: {resent:?}",
            resent.len()
        );
        resent.len()
    }
}

// ---------------------------------------------------------------------------------------
// Processes

/// When to SIGKILL a daemon.
#[derive(Clone, Copy, Debug)]
enum Kill {
    After(Duration),
    /// As soon as its log holds `nth` lines with `line`. A line is written after the step it
    /// reports, so the kill lands in the next one.
    OnLog {
        line: &'static str,
        nth: usize,
    },
    /// When the relays hold back the answer to the `nth` request of this kind.
    Held(Step, usize),
}

/// Where a kill landed, read from the daemon's log and the relays' counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Landing {
    /// Before any source was asked.
    StartUp,
    /// Polling the sources, or between the polls and the first digest.
    Ingest,
    /// Queueing or delivering digests.
    Delivery,
    /// After its first pass.
    Idle,
}

/// The test's temp dir, the fakes, and what the test knows should be true.
struct World {
    dir: TempDir,
    config: PathBuf,
    data_dir: PathBuf,
    processes: usize,
    fakes: Fakes,
    catalogue: Catalogue,
    configured: BTreeMap<Reader, Vec<String>>,
    published: HashMap<PaperId, Published>,
    next_paper: usize,
    /// The event counter: papers published and confirmations seen, in order.
    clock: u64,
    waiting: Vec<Waiting>,
    acked: Vec<Acked>,
    sent: BTreeMap<Via, usize>,
    next_interaction: u64,
    ledger: Ledger,
}

impl World {
    fn new(rng: &mut Rng) -> World {
        let fakes = Fakes::start();
        let dir = TempDir::new().unwrap();
        let data_dir = dir.path().join("data");
        std::fs::create_dir(dir.path().join("logs")).unwrap();
        let configured: BTreeMap<Reader, Vec<String>> = Reader::all()
            .into_iter()
            .map(|reader| {
                let count = rng.between(1, 2);
                let mut follows: Vec<String> = Vec::new();
                while follows.len() < count as usize {
                    // One in four follows needs two words at once.
                    let first = word(rng);
                    let follow = match word(rng) {
                        second if second != first && rng.one_in(4) => {
                            format!("{first} {second}")
                        }
                        _ => first.to_owned(),
                    };
                    if !follows.contains(&follow) {
                        follows.push(follow);
                    }
                }
                (reader, follows)
            })
            .collect();
        let mut text = format!(
            r#"data_dir = "{data_dir}"

[http]
connect_timeout_secs = 2
request_timeout_secs = 10
max_retries = 1
retry_base_delay_ms = 50

[ingest]
schedule = "* * * * *"

[digest]
# Every match is listed: papers past max_items are only counted ("and N more"), never sent.
max_items = 1000

[telegram]
token = "{telegram_token}"
api_url = "{telegram}"
poll_timeout_secs = 5

[discord]
token = "{discord_token}"
api_url = "{discord}"

[email]
from = "paperboy <digests@paperboy.test>"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_tls = "none"
timeout_secs = 5
per_second = 100

[sources.hf]
base_url = "{sources}"
refresh_days = 1

[sources.arxiv]
categories = ["cs.LG"]
feed_url = "{sources}"
api_url = "{sources}/api/query"
min_interval_secs = 0
"#,
            data_dir = data_dir.display(),
            telegram_token = fake_telegram::TOKEN,
            telegram = fakes.telegram_url,
            discord_token = fake_discord::TOKEN,
            discord = fakes.discord_url,
            smtp_port = fakes.smtp_port,
            sources = fakes.sources_url,
        );
        for (reader, follows) in &configured {
            let quoted: Vec<String> = follows.iter().map(|f| format!("{f:?}")).collect();
            text.push_str(&format!(
                "\n[[subscribers]]\naddress = \"{}\"\nfollows = [{}]\n\
                 schedule = \"off\"\ndigest_on_start = true\n",
                reader.address(),
                quoted.join(", ")
            ));
        }
        let config = dir.path().join("paperboy.toml");
        std::fs::write(&config, text).unwrap();
        // An empty feed rather than a 404, so the first polls are healthy.
        fakes.sources.set_document(FEED_PATH, rss_feed(&[]));
        World {
            dir,
            config,
            data_dir,
            processes: 0,
            fakes,
            catalogue: Catalogue::default(),
            configured,
            published: HashMap::new(),
            next_paper: 0,
            clock: 0,
            waiting: Vec::new(),
            acked: Vec::new(),
            sent: BTreeMap::new(),
            next_interaction: 10_000,
            ledger: Ledger::default(),
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Starts `paperboy --config C <args>` with a clean environment; stdout and stderr go to
    /// files under `logs/`.
    fn spawn(&mut self, args: &[&str]) -> (KillOnDrop, PathBuf, PathBuf) {
        self.processes += 1;
        let logs = self.dir.path().join("logs");
        let stdout = logs.join(format!("{:04}.out", self.processes));
        let stderr = logs.join(format!("{:04}.log", self.processes));
        let mut command = clean_command(binary(), self.dir.path());
        command
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .env("RUST_LOG", "paperboy=info")
            .arg("--config")
            .arg(&self.config)
            .args(args);
        let child = command.spawn().expect("cannot start paperboy");
        (KillOnDrop(child), stdout, stderr)
    }

    /// Runs a command to completion, or SIGKILLs it after `kill`. Returns (killed, stdout).
    fn run_to_end(&mut self, args: &[&str], kill: Option<Duration>) -> (bool, String) {
        let (mut child, stdout, stderr) = self.spawn(args);
        let status = match wait_with_deadline(&mut child.0, kill.unwrap_or(DEADLINE)) {
            Some(status) => status,
            None if kill.is_some() => {
                child.0.kill().expect("SIGKILL");
                child.0.wait().unwrap()
            }
            None => panic!("paperboy {args:?} did not finish within {DEADLINE:?}"),
        };
        let killed = status.signal() == Some(SIGKILL);
        let out = std::fs::read_to_string(&stdout).unwrap_or_default();
        let log = std::fs::read_to_string(&stderr).unwrap_or_default();
        assert!(
            status.success() || killed,
            "paperboy {args:?} failed on its own ({status}):\n{out}\n{log}"
        );
        assert!(
            !log.contains("panicked"),
            "paperboy {args:?} panicked:\n{log}"
        );
        (killed, out)
    }

    /// Puts papers into the fake sources, after taking note of every confirmation so far:
    /// a follow confirmed before covers these papers.
    fn publish(&mut self, rng: &mut Rng, papers: &[NewPaper]) {
        self.observe_confirmations();
        for paper in papers {
            let via_hf = rng.one_in(2);
            self.catalogue.add(&self.fakes.sources, paper, via_hf);
            let at = self.tick();
            self.published
                .insert(PaperId::parse(&paper.0).unwrap(), Published { at, via_hf });
        }
    }

    /// Moves the `/follow`s whose confirmation a fake recorded from waiting to acknowledged.
    fn observe_confirmations(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        let telegram = self.fakes.telegram.calls();
        let discord = self.fakes.discord.calls();
        let mut still = Vec::new();
        for waiting in std::mem::take(&mut self.waiting) {
            let confirmed = match &waiting {
                Waiting::Telegram { reader, word, from } => telegram[*from..].iter().any(|call| {
                    call.method == "sendmessage"
                        && call.body["chat_id"].as_i64() == Some(reader.chat())
                        && confirms(call.body["text"].as_str().unwrap_or(""), word)
                }),
                Waiting::Discord {
                    word, interaction, ..
                } => {
                    let prefix = format!("/interactions/{interaction}/");
                    discord.iter().any(|call| {
                        call.path.starts_with(&prefix) && confirms(&call.body.to_string(), word)
                    })
                }
            };
            match (confirmed, waiting) {
                (true, Waiting::Telegram { reader, word, .. })
                | (true, Waiting::Discord { reader, word, .. }) => {
                    let at = self.tick();
                    self.acked.push(Acked {
                        reader,
                        word: word.to_owned(),
                        at,
                    });
                }
                (false, waiting) => still.push(waiting),
            }
        }
        self.waiting = still;
    }

    fn telegram_follow(&mut self, reader: Reader, word: &'static str) {
        let from = self.fakes.telegram.calls().len();
        let chat = reader.chat();
        self.fakes.telegram.push_update(fake_telegram::message(
            chat,
            chat as u64,
            &format!("/follow {word}"),
        ));
        self.waiting.push(Waiting::Telegram { reader, word, from });
        *self.sent.entry(Via::Telegram).or_default() += 1;
    }

    fn discord_follow(&mut self, reader: Reader, word: &'static str) {
        self.next_interaction += 1;
        let interaction = self.next_interaction;
        self.fakes
            .discord
            .dispatch_interaction(fake_discord::slash_command(
                interaction,
                &format!("tok{interaction}"),
                Place::Dm {
                    user: reader.user(),
                },
                "follow",
                fake_discord::text_option("query", word),
            ));
        self.waiting.push(Waiting::Discord {
            reader,
            word,
            interaction,
        });
        *self.sent.entry(Via::Discord).or_default() += 1;
    }

    /// `paperboy cmd --as email:… "/follow WORD"`, killed after `kill` if still running.
    /// Returns whether it was killed.
    fn email_follow(&mut self, reader: Reader, word: &'static str, kill: Option<Duration>) -> bool {
        *self.sent.entry(Via::Email).or_default() += 1;
        let text = format!("/follow {word}");
        let (killed, out) = self.run_to_end(&["cmd", "--as", &reader.address(), &text], kill);
        if !killed {
            assert!(confirms(&out, word), "unexpected reply to {text}:\n{out}");
            let at = self.tick();
            self.acked.push(Acked {
                reader,
                word: word.to_owned(),
                at,
            });
        }
        killed
    }

    /// What every process must leave behind: a store that opens and holds every configured
    /// and every acknowledged follow, and at most one message sent again.
    fn after_process(&mut self, what: &str) -> usize {
        let resent = self.ledger.account(&self.fakes, what);
        self.observe_confirmations();
        let (mut child, stdout, stderr) = self.spawn(&["export"]);
        let status = wait_with_deadline(&mut child.0, DEADLINE).expect("export hangs");
        let log = std::fs::read_to_string(&stderr).unwrap_or_default();
        assert!(
            status.success(),
            "after {what} the store does not open ({status}):\n{log}"
        );
        let exported: Value =
            serde_json::from_str(&std::fs::read_to_string(&stdout).unwrap()).unwrap();
        let mut follows: HashMap<String, BTreeSet<String>> = HashMap::new();
        for entry in exported.as_array().expect("an array of subscribers") {
            let address = entry["subscriber"]["address"].as_str().unwrap().to_owned();
            let queries = entry["follows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["query"].as_str().unwrap().to_owned());
            follows.entry(address).or_default().extend(queries);
        }
        let wanted = self
            .configured
            .iter()
            .flat_map(|(reader, follows)| follows.iter().map(move |f| (*reader, f.as_str())))
            .chain(self.acked.iter().map(|a| (a.reader, a.word.as_str())));
        for (reader, follow) in wanted {
            let has = follows.get(&reader.address());
            assert!(
                has.is_some_and(|has| has.contains(follow)),
                "after {what} {} lost follow {follow:?}; has {has:?}",
                reader.address()
            );
        }
        resent
    }
}

/// The binary under test: cargo's, or `PAPERBOY_CRASH_BIN` to pin a copy for a long run
/// (another build into a shared target dir would replace cargo's mid-run).
fn binary() -> PathBuf {
    std::env::var_os("PAPERBOY_CRASH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_paperboy")))
}

/// A growing view of a log file.
struct Log {
    file: std::fs::File,
    text: String,
}

impl Log {
    fn open(path: &Path) -> Log {
        Log {
            file: std::fs::File::open(path).unwrap(),
            text: String::new(),
        }
    }

    /// Reads what was appended; true if anything was.
    fn refresh(&mut self) -> bool {
        let mut more = Vec::new();
        self.file.read_to_end(&mut more).unwrap();
        self.text.push_str(&String::from_utf8_lossy(&more));
        !more.is_empty()
    }

    fn count(&self, line: &str) -> usize {
        self.text.matches(line).count()
    }
}

/// What one daemon round plans, all drawn from the seed before it starts.
struct Plan {
    kill: Kill,
    /// Published while it runs, after this long.
    papers_later: (Duration, Vec<NewPaper>),
    /// `/follow`s sent through getUpdates after this long.
    telegram: (Duration, Vec<(Reader, &'static str)>),
    /// Slash commands dispatched this long after the gateway session is ready.
    discord: (Duration, Vec<(Reader, &'static str)>),
}

/// How a daemon round ended.
struct Round {
    landing: Landing,
    /// A command was received or handled and not yet answered.
    command_in_flight: bool,
    /// Killed on its trigger rather than idle.
    triggered: bool,
}

impl World {
    fn run_daemon(&mut self, rng: &mut Rng, plan: Plan) -> Round {
        let wire = self.fakes.wire.clone();
        wire.reset();
        if let Kill::Held(step, nth) = plan.kill {
            wire.arm(step, nth);
        }
        let (mut child, _, stderr) = self.spawn(&["run"]);
        let started = Instant::now();
        let mut log = Log::open(&stderr);
        let (papers_after, papers) = plan.papers_later;
        let (telegram_after, mut telegram) = plan.telegram;
        let (discord_after, mut discord) = plan.discord;
        let mut papers = Some(papers);
        let mut ready_at: Option<Instant> = None;
        let mut idle_since: Option<Instant> = None;
        let mut commands_sent = 0;
        let triggered = loop {
            if let Some(status) = child.0.try_wait().unwrap() {
                log.refresh();
                panic!("the daemon exited on its own ({status}):\n{}", log.text);
            }
            log.refresh();
            let now = Instant::now();
            if now - started >= papers_after
                && let Some(papers) = papers.take()
            {
                self.publish(rng, &papers);
            }
            if now - started >= telegram_after {
                for (reader, word) in std::mem::take(&mut telegram) {
                    self.telegram_follow(reader, word);
                    commands_sent += 1;
                }
            }
            if ready_at.is_none() && log.text.contains(DISCORD_READY) {
                ready_at = Some(now);
            }
            // Only a session that is READY has the fake's gateway to dispatch on.
            if ready_at.is_some_and(|at| now - at >= discord_after) {
                for (reader, word) in std::mem::take(&mut discord) {
                    self.discord_follow(reader, word);
                    commands_sent += 1;
                }
            }
            let fire = match plan.kill {
                Kill::After(delay) => now - started >= delay,
                Kill::OnLog { line, nth } => log.count(line) >= nth,
                Kill::Held(..) => wire.fired(),
            };
            if fire {
                break true;
            }
            // A trigger that never comes (fewer deliveries than `nth`, say): once the first
            // pass is done and every command was sent and handled, kill it idle. (A gateway
            // session that never gets ready ends at the deadline: that is a failure.)
            let settled = log.text.contains(PASS_DONE)
                && telegram.is_empty()
                && discord.is_empty()
                && log.count(COMMAND_RUN) >= commands_sent;
            if !matches!(plan.kill, Kill::After(_)) && settled {
                let since = *idle_since.get_or_insert(now);
                if now - since >= Duration::from_millis(50) {
                    break false;
                }
            }
            assert!(
                now - started < DEADLINE,
                "the daemon made no progress for {DEADLINE:?} ({:?}):\n{}",
                plan.kill,
                log.text
            );
            std::thread::sleep(Duration::from_micros(300));
        };
        child.0.kill().expect("SIGKILL");
        let status = child.0.wait().unwrap();
        assert_eq!(status.signal(), Some(SIGKILL), "{}", log.text);
        wire.disarm();
        log.refresh();
        assert!(
            !log.text.contains("panicked"),
            "the daemon panicked:\n{}",
            log.text
        );
        // What was planned and not sent before the kill is not sent at all (a Discord
        // interaction needs a live session); the papers are published now.
        if let Some(papers) = papers.take() {
            self.publish(rng, &papers);
        }
        let landing = if log.text.contains(PASS_DONE) {
            Landing::Idle
        } else if log.text.contains(DIGEST_QUEUED)
            || log.text.contains(DELIVERED)
            || wire.count(Step::Digest) > 0
        {
            Landing::Delivery
        } else if wire.count(Step::Source) > 0 {
            Landing::Ingest
        } else {
            Landing::StartUp
        };
        let command_in_flight = log.count(COMMAND_RUN) > wire.count(Step::Reply)
            || wire.fired_step() == Some(Step::Reply);
        Round {
            landing,
            command_in_flight,
            triggered,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The test

#[derive(Default)]
struct Figures {
    kills: usize,
    by_trigger: BTreeMap<&'static str, usize>,
    landings: BTreeMap<Landing, usize>,
    killed_idle: usize,
    commands_in_flight: usize,
    email_commands: usize,
    email_commands_killed: usize,
    resends: usize,
}

#[test]
fn sigkill_with_every_platform_faked_loses_no_follow_or_digest_and_duplicates_nothing() {
    let started = Instant::now();
    let rounds: usize = std::env::var("PAPERBOY_CRASH_ROUNDS")
        .ok()
        .map(|v| v.parse().expect("PAPERBOY_CRASH_ROUNDS must be a number"))
        .unwrap_or(DEFAULT_ROUNDS);
    let mut rng = Rng(0x5eed_fa4e);
    let mut world = World::new(&mut rng);
    let readers = Reader::all();
    let of =
        |via: Via| -> Vec<Reader> { readers.iter().copied().filter(|r| r.via == via).collect() };
    let mut figures = Figures::default();

    for round in 0..rounds {
        // Between runs, sometimes an email reader follows a word; one command in three is
        // killed (it also delivers what is pending, so it may be mid-delivery).
        if rng.one_in(3) {
            let reader = rng.pick(&of(Via::Email));
            let word = word(&mut rng);
            let kill = rng
                .one_in(3)
                .then(|| Duration::from_millis(rng.between(0, 150)));
            figures.email_commands += 1;
            if world.email_follow(reader, word, kill) {
                figures.kills += 1;
                figures.email_commands_killed += 1;
            }
            figures.resends += world.after_process(&format!("round {round}'s cmd"));
        }

        let count = rng.between(2, 4);
        let before = new_papers(&mut rng, &mut world.next_paper, count);
        world.publish(&mut rng, &before);

        // The commands first, so a command-aimed kill can pick any of them.
        let choice = rng.between(0, 9);
        let wants_commands = matches!(choice, 4 | 5);
        let follows = |via: Via, rng: &mut Rng| -> Vec<(Reader, &'static str)> {
            let count = if rng.one_in(2) || wants_commands {
                rng.between(1, 2)
            } else {
                0
            };
            (0..count)
                .map(|_| (rng.pick(&of(via)), word(rng)))
                .collect()
        };
        let telegram = follows(Via::Telegram, &mut rng);
        let discord = follows(Via::Discord, &mut rng);
        let commands = (telegram.len() + discord.len()) as u64;
        let (trigger, kill) = match choice {
            0 | 1 => (
                "after a delay",
                Kill::After(Duration::from_millis(rng.between(0, 1500))),
            ),
            2 => (
                "after a source polled",
                Kill::OnLog {
                    line: SOURCE_POLLED,
                    nth: rng.between(1, 3) as usize,
                },
            ),
            3 => (
                "holding a source's answer",
                Kill::Held(Step::Source, rng.between(1, 6) as usize),
            ),
            4 => (
                "after a command ran",
                Kill::OnLog {
                    line: COMMAND_RUN,
                    nth: rng.between(1, commands) as usize,
                },
            ),
            5 => (
                "holding a command's reply",
                Kill::Held(Step::Reply, rng.between(1, commands) as usize),
            ),
            6 | 7 => (
                "after a delivery",
                Kill::OnLog {
                    line: DELIVERED,
                    nth: rng.between(1, 12) as usize,
                },
            ),
            _ => (
                "holding a digest's answer",
                Kill::Held(Step::Digest, rng.between(1, 12) as usize),
            ),
        };
        let later = rng.between(0, 2);
        let plan = Plan {
            kill,
            papers_later: (
                Duration::from_millis(rng.between(0, 400)),
                new_papers(&mut rng, &mut world.next_paper, later),
            ),
            telegram: (Duration::from_millis(rng.between(0, 300)), telegram),
            discord: (Duration::from_millis(rng.between(0, 60)), discord),
        };
        let ended = world.run_daemon(&mut rng, plan);
        figures.kills += 1;
        *figures.by_trigger.entry(trigger).or_default() += 1;
        *figures.landings.entry(ended.landing).or_default() += 1;
        figures.killed_idle += usize::from(!ended.triggered);
        figures.commands_in_flight += usize::from(ended.command_in_flight);
        figures.resends += world.after_process(&format!("round {round}'s daemon"));
    }

    // A last daemon takes up the updates every earlier one was killed before reading, and
    // is killed once Telegram has none left and a while has passed for the replies (one a
    // second per chat).
    let mut drained_at: Option<Instant> = None;
    world.daemon_until(None, |world, log| {
        if !(log.contains(PASS_DONE) && world.fakes.telegram.drained()) {
            return false;
        }
        drained_at.get_or_insert_with(Instant::now).elapsed() > Duration::from_secs(3)
    });
    figures.kills += 1;
    figures.resends += world.after_process("the last daemon");

    // The last start runs to completion, twice: the second has nothing left to do.
    let (_, first) = world.run_to_end(&["run", "--once"], None);
    figures.resends += world.after_process("the first run --once");
    let (_, second) = world.run_to_end(&["run", "--once"], None);
    assert!(
        second.contains("digests: 0 queued, 0 delivered, 0 postponed, 0 abandoned"),
        "a second run --once still had work:\n{first}\n{second}"
    );
    assert_eq!(world.after_process("the second run --once"), 0);
    assert!(
        figures.resends <= figures.kills,
        "{} resends for {} kills: more than one per kill",
        figures.resends,
        figures.kills
    );

    // The store against what the platforms got.
    let store = Store::open(&world.data_dir).expect("the store does not open after the kills");
    assert_eq!(
        store.pending_messages().unwrap(),
        [],
        "messages still pending"
    );
    let papers: Vec<Paper> = store.papers().map(Result::unwrap).collect();
    assert_eq!(
        papers.len(),
        world.published.len(),
        "papers of the fake sources are missing"
    );
    let mut deliveries = BTreeMap::<Via, usize>::new();
    for reader in &readers {
        let address = reader.address();
        let subscriber = store
            .subscriber_by_address(&address.parse().unwrap())
            .unwrap()
            .unwrap_or_else(|| panic!("{address} is missing"));
        let follows: BTreeSet<String> = store
            .follows(subscriber.id)
            .unwrap()
            .into_iter()
            .map(|f| f.query)
            .collect();
        let received: BTreeSet<PaperId> = world
            .ledger
            .received
            .get(reader)
            .map(|got| got.keys().cloned().collect())
            .unwrap_or_default();
        let sent: BTreeSet<PaperId> = store
            .sent_papers(subscriber.id)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(received, sent, "{address}: received and sent marks differ");
        if reader.via == Via::Discord {
            // A resent nonce was answered with the message the channel had: each paper is
            // posted once.
            let mut posted: BTreeMap<PaperId, usize> = BTreeMap::new();
            for body in world.fakes.discord.messages_in(reader.channel()) {
                for paper in embedded_papers(&body) {
                    *posted.entry(paper).or_default() += 1;
                }
            }
            assert!(
                posted.values().all(|n| *n == 1),
                "{address}: posted twice: {posted:?}"
            );
            assert_eq!(posted.keys().cloned().collect::<BTreeSet<_>>(), received);
        }
        let configured = &world.configured[reader];
        for paper in &papers {
            let published = &world.published[&paper.id];
            let configured_match = configured.iter().find(|f| matches(f, paper));
            let acked_match = world
                .acked
                .iter()
                .find(|a| a.reader == *reader && a.at < published.at && matches(&a.word, paper));
            if let Some(follow) = configured_match {
                assert!(
                    received.contains(&paper.id),
                    "{address} never got {} ({:?}), which matches configured follow {follow:?}",
                    paper.id,
                    paper.title
                );
            } else if let Some(acked) = acked_match {
                assert!(
                    received.contains(&paper.id),
                    "{address} never got {} ({:?}), published after follow {:?} was acknowledged",
                    paper.id,
                    paper.title,
                    acked.word
                );
            }
            if received.contains(&paper.id) {
                assert!(
                    follows.iter().any(|f| matches(f, paper)),
                    "{address} got {} ({:?}), which matches none of {follows:?}",
                    paper.id,
                    paper.title
                );
                *deliveries.entry(reader.via).or_default() += 1;
            }
        }
    }
    assert!(
        deliveries.len() == 3,
        "a transport delivered nothing: {deliveries:?}"
    );

    let ledger = &world.ledger;
    let acked_by = |via: Via| world.acked.iter().filter(|a| a.reader.via == via).count();
    let sent_by = |via: Via| world.sent.get(&via).copied().unwrap_or(0);
    let landed = |landing: Landing| figures.landings.get(&landing).copied().unwrap_or(0);
    let via_hf = world.published.values().filter(|p| p.via_hf).count();
    eprintln!(
        "crash test (platforms): {rounds} rounds, {} kills ({rounds} daemons: {} at start-up, {} \
         mid-ingest, {} mid-delivery, {} idle, {} with a command in flight, {} killed idle \
         before their trigger; {} of {} email commands; the last daemon, idle)\n\
         daemon triggers: {:?}\n\
         follows acknowledged: telegram {} of {}, discord {} of {}, email {} of {}\n\
         papers: {} ({via_hf} via Hugging Face, {} via the arXiv feed)\n\
         telegram: {} digests in {} distinct parts ({} sendMessage calls), {} resent; \
         discord: {} digests, {} posts, {} resent ({} posts deduplicated by nonce); \
         email: {} mails, {} resent\n\
         deliveries checked: telegram {}, discord {}, email {}; resends {} (≤ 1 per process); {:.1} s",
        figures.kills,
        landed(Landing::StartUp),
        landed(Landing::Ingest),
        landed(Landing::Delivery),
        landed(Landing::Idle),
        figures.commands_in_flight,
        figures.killed_idle,
        figures.email_commands_killed,
        figures.email_commands,
        figures.by_trigger,
        acked_by(Via::Telegram),
        sent_by(Via::Telegram),
        acked_by(Via::Discord),
        sent_by(Via::Discord),
        acked_by(Via::Email),
        sent_by(Via::Email),
        papers.len(),
        papers.len() - via_hf,
        ledger.telegram_digests,
        ledger.telegram_parts.len(),
        ledger.telegram_parts_sent,
        ledger.telegram_resends,
        ledger.discord_digests.len(),
        ledger.discord_posts,
        ledger.discord_resends,
        ledger.discord_repeated_posts,
        ledger.mails.len(),
        ledger.mail_resends,
        deliveries.get(&Via::Telegram).unwrap_or(&0),
        deliveries.get(&Via::Discord).unwrap_or(&0),
        deliveries.get(&Via::Email).unwrap_or(&0),
        figures.resends,
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------
// An update handled just before a kill

impl World {
    /// Runs the daemon, with `arm` held back if given, until `done` says so; then kills it.
    fn daemon_until(
        &mut self,
        arm: Option<(Step, usize)>,
        mut done: impl FnMut(&mut World, &str) -> bool,
    ) -> String {
        let wire = self.fakes.wire.clone();
        wire.reset();
        if let Some((step, nth)) = arm {
            wire.arm(step, nth);
        }
        let (mut child, _, stderr) = self.spawn(&["run"]);
        let started = Instant::now();
        let mut log = Log::open(&stderr);
        loop {
            if let Some(status) = child.0.try_wait().unwrap() {
                log.refresh();
                panic!("the daemon exited on its own ({status}):\n{}", log.text);
            }
            log.refresh();
            if done(self, &log.text) {
                break;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the daemon made no progress for {DEADLINE:?}:\n{}",
                log.text
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        child.0.kill().expect("SIGKILL");
        child.0.wait().unwrap();
        wire.disarm();
        log.refresh();
        log.text
    }

    fn follows_of(&mut self, reader: Reader) -> Vec<String> {
        let (mut child, stdout, _) = self.spawn(&["export"]);
        let status = wait_with_deadline(&mut child.0, DEADLINE).expect("export hangs");
        assert!(status.success());
        let exported: Value =
            serde_json::from_str(&std::fs::read_to_string(&stdout).unwrap()).unwrap();
        let address = reader.address();
        exported
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["subscriber"]["address"] == address.as_str())
            .flat_map(|entry| entry["follows"].as_array().unwrap().clone())
            .map(|follow| follow["query"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Telegram hands out an update until a later getUpdates confirms it. An update whose reply
/// went out just before a kill must not be run again after the restart: `/unfollow 2` run
/// twice removes a second follow the reader never asked to remove (and was told about).
#[test]
fn a_telegram_command_answered_just_before_a_kill_is_not_run_again() {
    let mut rng = Rng(0x0dd_ba11);
    let mut world = World::new(&mut rng);
    let reader = Reader {
        via: Via::Telegram,
        n: 0,
    };
    let configured = world.configured[&reader].clone();
    let words: Vec<&'static str> = VOCABULARY
        .into_iter()
        .filter(|w| !configured.iter().any(|c| c == w))
        .take(3)
        .collect();
    for word in &words {
        world.telegram_follow(reader, word);
    }
    // Until the follows are confirmed and Telegram has been told they were handled.
    world.daemon_until(None, |world, _| {
        world.observe_confirmations();
        world.waiting.is_empty() && world.fakes.telegram.drained()
    });
    let mut expected = configured.clone();
    expected.extend(words.iter().map(|w| w.to_string()));
    assert_eq!(world.follows_of(reader), expected);

    // "/unfollow N" of the middle word; Telegram gets the reply, the daemon never hears
    // back, and is killed before its next getUpdates confirms the update.
    let number = configured.len() + 2;
    let chat = reader.chat();
    world.fakes.telegram.push_update(fake_telegram::message(
        chat,
        chat as u64,
        &format!("/unfollow {number}"),
    ));
    world.daemon_until(Some((Step::Reply, 1)), |world, _| world.fakes.wire.fired());
    let told = world
        .fakes
        .telegram
        .sent_to(chat)
        .last()
        .map(|body| body["text"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    assert!(
        told.starts_with(&format!("Unfollowed {}.", words[1])),
        "{told}"
    );
    expected.retain(|f| f != words[1]);
    assert_eq!(world.follows_of(reader), expected);

    // The restart polls again; once Telegram has nothing left to hand out, the update has
    // been dealt with, once.
    let log = world.daemon_until(None, |world, log| {
        log.contains(PASS_DONE) && world.fakes.telegram.drained()
    });
    assert_eq!(
        world.follows_of(reader),
        expected,
        "the update was run again after the restart:\n{log}"
    );
}
