//! Crash safety of delivery, end to end with the real binary: a `paperboy run` delivering
//! digests to files is killed with SIGKILL at seeded moments, again and again, while papers
//! keep arriving and subscribers keep adding follows. After the last restart no follow a
//! user was told about is lost, no digest is missing, and nothing was delivered twice
//! beyond the window the outbox documents (see `src/outbox.rs`).
//!
//! That window: a message the platform accepted just before the kill, whose outbox entry
//! was not yet removed, is sent again on restart. Delivery is sequential and flushes each
//! removal before the next send, so at most one message is in that state at any kill, and
//! the oldest pending message is the first one sent after a restart. The file transport
//! names files by outbox id and writes them atomically, so such a resend replaces the same
//! file (a new inode, the same text) and never adds one.
//!
//! Why every matching paper must be in some file: a paper is stored by an ingest that runs
//! only after the configured subscribers and their follows exist (`run` and `run --once`
//! both create them first, and flush), and it is stored at that process's "now", before the
//! same process builds any digest. A subscriber's `digested_until` moves past a paper only
//! in the transaction that queues the digest holding it (or when the digest had nothing to
//! send), and a queued message stays in the outbox until delivered, so the final
//! `run --once`, which ingests, queues start-up digests and delivers everything pending,
//! leaves nothing behind. A follow added by `cmd` covers at least every paper appended
//! after the command said so (older ones may have been digested before it existed).
//! `digest.max_items` is set high because papers beyond it are reported only as "and N
//! more" and never sent, by design.
//!
//! Deterministic: the kill delays, papers and follows come from a fixed-seed xorshift; the
//! assertions hold wherever a kill lands. `PAPERBOY_CRASH_ROUNDS=200` runs a longer soak.

#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

mod support;

use support::harness::{KillOnDrop, Rng, clean_command, matches, wait_with_deadline, word};

use paperboy::paper::{Paper, PaperId};
use paperboy::store::Store;
use paperboy::subscriber::Address;
use tempfile::TempDir;

const DEFAULT_ROUNDS: usize = 60;
const SUBSCRIBERS: usize = 20;
/// Generous bound for a command that runs to completion.
const COMMAND_DEADLINE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------
// Processes

/// The test's temp dir: config, papers file, store, and one log per child process.
struct World {
    dir: TempDir,
    config: PathBuf,
    data_dir: PathBuf,
    papers: PathBuf,
    /// The configured follows of `file:sNN`, by NN.
    configured: Vec<Vec<String>>,
    processes: usize,
}

/// When to SIGKILL a child.
#[derive(Clone, Copy, Debug)]
enum Kill {
    /// Let it finish.
    Never,
    After(Duration),
    /// As soon as its log holds `nth` lines containing `line`. Log lines are written after
    /// the step they report (a delivery's log line follows its flush), so the kill lands in
    /// the step after: the next delivery, say.
    OnLog {
        line: &'static str,
        nth: usize,
    },
}

/// How a child process ended.
struct Ended {
    status: ExitStatus,
    /// Whether our SIGKILL ended it (rather than it finishing first).
    killed: bool,
    stdout: String,
    log: String,
}

impl World {
    fn new(rng: &mut Rng) -> World {
        let dir = TempDir::new().unwrap();
        let data_dir = dir.path().join("data");
        let papers = dir.path().join("papers.jsonl");
        std::fs::write(&papers, "").unwrap();
        std::fs::create_dir(dir.path().join("logs")).unwrap();
        let configured: Vec<Vec<String>> = (0..SUBSCRIBERS)
            .map(|_| {
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
                follows
            })
            .collect();
        let mut text = format!(
            r#"data_dir = "{data_dir}"

[ingest]
schedule = "* * * * *"

[digest]
# Every match is listed: papers past max_items are only counted ("and N more"), never sent.
max_items = 1000

[delivery]
file_dir = "digests"

[sources.hf]
enabled = false

[sources.arxiv]
enabled = false

[[sources.file]]
name = "papers"
path = "{papers}"
format = "jsonl"
"#,
            data_dir = data_dir.display(),
            papers = papers.display(),
        );
        for (n, follows) in configured.iter().enumerate() {
            let quoted: Vec<String> = follows.iter().map(|f| format!("{f:?}")).collect();
            text.push_str(&format!(
                "\n[[subscribers]]\naddress = \"file:s{n:02}\"\nfollows = [{}]\n\
                 schedule = \"off\"\ndigest_on_start = true\n",
                quoted.join(", ")
            ));
        }
        let config = dir.path().join("paperboy.toml");
        std::fs::write(&config, text).unwrap();
        World {
            dir,
            config,
            data_dir,
            papers,
            configured,
            processes: 0,
        }
    }

    fn digests_dir(&self) -> PathBuf {
        self.data_dir.join("digests")
    }

    /// Starts `paperboy --config C <args>` with a clean environment; stdout and stderr go to
    /// files under `logs/`.
    fn spawn(&mut self, args: &[&str]) -> (KillOnDrop, PathBuf, PathBuf) {
        self.processes += 1;
        let logs = self.dir.path().join("logs");
        let stdout = logs.join(format!("{:04}.out", self.processes));
        let stderr = logs.join(format!("{:04}.log", self.processes));
        let mut command = clean_command(env!("CARGO_BIN_EXE_paperboy"), self.dir.path());
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

    /// Runs a command until it finishes or `kill` says to SIGKILL it.
    fn run_and_kill(&mut self, args: &[&str], kill: Kill) -> Ended {
        let (mut child, stdout, stderr) = self.spawn(args);
        let status = match kill {
            Kill::Never => {
                wait_with_deadline(&mut child.0, COMMAND_DEADLINE).unwrap_or_else(|| {
                    panic!("paperboy {args:?} did not finish within {COMMAND_DEADLINE:?}")
                })
            }
            Kill::After(delay) => match wait_with_deadline(&mut child.0, delay) {
                Some(status) => status,
                None => {
                    child.0.kill().expect("SIGKILL");
                    child.0.wait().unwrap()
                }
            },
            Kill::OnLog { line, nth } => {
                let start = Instant::now();
                loop {
                    if let Some(status) = child.0.try_wait().unwrap() {
                        break status;
                    }
                    let log = std::fs::read_to_string(&stderr).unwrap_or_default();
                    // A daemon with less to do than `nth` events is killed while it sleeps.
                    if log.matches(line).count() >= nth
                        || log.contains("scheduler pass")
                        || start.elapsed() > COMMAND_DEADLINE
                    {
                        child.0.kill().expect("SIGKILL");
                        break child.0.wait().unwrap();
                    }
                    std::thread::sleep(Duration::from_micros(100));
                }
            }
        };
        let ended = Ended {
            status,
            killed: status.signal() == Some(SIGKILL),
            stdout: std::fs::read_to_string(&stdout).unwrap_or_default(),
            log: std::fs::read_to_string(&stderr).unwrap_or_default(),
        };
        assert!(
            ended.status.success() || ended.killed,
            "paperboy {args:?} failed on its own ({}):\n--- stdout ---\n{}\n--- log ---\n{}",
            ended.status,
            ended.stdout,
            ended.log
        );
        assert!(
            !ended.log.contains("panicked"),
            "paperboy {args:?} panicked:\n{}",
            ended.log
        );
        ended
    }

    /// Appends papers as JSON lines (no process is running while the test writes).
    fn append_papers(&self, papers: &[(String, String, String)]) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.papers)
            .unwrap();
        for (id, title, abstract_text) in papers {
            let line = serde_json::json!({
                "id": id, "title": title, "abstract": abstract_text,
                "authors": ["A"], "categories": ["cs.LG"],
                "published": "2026-11-20T00:00:00Z", "source": "test",
            });
            writeln!(file, "{line}").unwrap();
        }
    }
}

const SIGKILL: i32 = 9;

// ---------------------------------------------------------------------------------------
// Digest files

/// Every digest file: path -> (inode, text). A resend renames a new file over the old one,
/// so its inode changes.
type Files = BTreeMap<PathBuf, (u64, String)>;

/// The digest files now, and any temp files an interrupted write left.
fn digest_files(dir: &Path) -> (Files, Vec<PathBuf>) {
    let mut files = Files::new();
    let mut temps = Vec::new();
    let Ok(subscribers) = std::fs::read_dir(dir) else {
        return (files, temps);
    };
    for subscriber in subscribers {
        for entry in std::fs::read_dir(subscriber.unwrap().path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".md") {
                let inode = std::fs::metadata(&path).unwrap().ino();
                let text = std::fs::read_to_string(&path).unwrap();
                files.insert(path, (inode, text));
            } else {
                temps.push(path);
            }
        }
    }
    (files, temps)
}

/// Files of `before` that `after` replaced (resends). Files never disappear or change text.
fn resends(before: &Files, after: &Files, process: &str) -> Vec<PathBuf> {
    let mut replaced = Vec::new();
    for (path, (inode, text)) in before {
        let Some((new_inode, new_text)) = after.get(path) else {
            panic!("{} disappeared after {process}", path.display());
        };
        assert_eq!(
            new_text,
            text,
            "{} was rewritten with other text by {process}",
            path.display()
        );
        if new_inode != inode {
            replaced.push(path.clone());
        }
    }
    replaced
}

/// Takes a new snapshot of the files after a process ended; returns how many files it
/// replaced. The documented window is one message per kill, and a restart resends the
/// oldest pending message first: one process replaces at most one file.
fn after_process(world: &World, files: &mut Files, what: &str) -> usize {
    let (now, _temps) = digest_files(&world.digests_dir());
    let replaced = resends(files, &now, what);
    assert!(
        replaced.len() <= 1,
        "{what} resent {} already delivered messages: {replaced:?}",
        replaced.len()
    );
    *files = now;
    replaced.len()
}

/// The paper ids a digest file lists, in order (each item links its abstract page once).
fn listed_papers(text: &str) -> Vec<PaperId> {
    const PREFIX: &str = "](https://arxiv.org/abs/";
    text.match_indices(PREFIX)
        .map(|(at, _)| {
            let rest = &text[at + PREFIX.len()..];
            let end = rest.find(')').expect("an unclosed link");
            PaperId::parse(&rest[..end]).unwrap()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The papers and follows the test creates

/// `(id, title, abstract)`; titles hold one or two vocabulary words, one abstract in three
/// another.
fn new_papers(rng: &mut Rng, next_number: &mut usize, count: u64) -> Vec<(String, String, String)> {
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

/// Where a kill landed in a daemon's start, read from its log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Landing {
    /// Before any digest was queued: start-up, ingest.
    BeforeDigests,
    /// While queueing digests or delivering them.
    MidDelivery,
    /// After its first pass, while it slept.
    Idle,
}

fn landing(log: &str) -> Landing {
    if log.contains("scheduler pass") {
        Landing::Idle
    } else if log.contains("digest queued") || log.contains("delivered") {
        Landing::MidDelivery
    } else {
        Landing::BeforeDigests
    }
}

// ---------------------------------------------------------------------------------------
// The test

#[test]
fn sigkill_while_delivering_loses_no_follow_or_digest_and_duplicates_nothing() {
    let started = Instant::now();
    let rounds: usize = std::env::var("PAPERBOY_CRASH_ROUNDS")
        .ok()
        .map(|v| v.parse().expect("PAPERBOY_CRASH_ROUNDS must be a number"))
        .unwrap_or(DEFAULT_ROUNDS);
    let mut rng = Rng(0x5eed_c4a5);
    let mut world = World::new(&mut rng);

    let mut next_paper = 0;
    // When each paper was appended, and the follows a completed `cmd` confirmed.
    let mut appended_in: HashMap<PaperId, usize> = HashMap::new();
    let mut confirmed: Vec<(usize, String, usize)> = Vec::new();
    let mut kills = 0;
    let mut landings: BTreeMap<Landing, usize> = BTreeMap::new();
    let (mut commands, mut commands_killed) = (0, 0);
    let mut resent = 0;
    let mut files = Files::new();

    for round in 0..rounds {
        // Sometimes a subscriber follows a word; one command in three is killed.
        if rng.one_in(2) {
            let subscriber = rng.between(0, SUBSCRIBERS as u64 - 1) as usize;
            let word = word(&mut rng);
            let kill = if rng.one_in(3) {
                Kill::After(Duration::from_millis(rng.between(0, 80)))
            } else {
                Kill::Never
            };
            let address = format!("file:s{subscriber:02}");
            let text = format!("/follow {word}");
            let ended = world.run_and_kill(&["cmd", "--as", &address, &text], kill);
            commands += 1;
            if ended.killed {
                kills += 1;
                commands_killed += 1;
            } else {
                assert!(
                    ended.stdout.contains(&format!("Following {word}."))
                        || ended
                            .stdout
                            .contains(&format!("You already follow {word} (")),
                    "unexpected reply to {text}:\n{}",
                    ended.stdout
                );
                confirmed.push((subscriber, word.to_owned(), round));
            }
            resent += after_process(&world, &mut files, &format!("round {round}'s cmd"));
        }

        let count = rng.between(3, 5);
        let papers = new_papers(&mut rng, &mut next_paper, count);
        for (id, _, _) in &papers {
            appended_in.insert(PaperId::parse(id).unwrap(), round);
        }
        world.append_papers(&papers);

        // Kills at start-up, after a seeded delay (a start takes a few tens of milliseconds,
        // so most of these land while it sleeps), and right after seeded steps of its work:
        // the ingest, the n-th queued digest, the n-th delivery.
        let kill = match rng.between(0, 5) {
            0 => Kill::After(Duration::ZERO),
            1 => Kill::After(Duration::from_millis(rng.between(0, 400))),
            2 => Kill::OnLog {
                line: "source polled",
                nth: 1,
            },
            3 => Kill::OnLog {
                line: "digest queued",
                nth: rng.between(1, 10) as usize,
            },
            _ => Kill::OnLog {
                line: "delivered",
                nth: rng.between(1, 20) as usize,
            },
        };
        let ended = world.run_and_kill(&["run"], kill);
        assert!(
            ended.killed,
            "the daemon exited before the kill ({}):\n{}",
            ended.status, ended.log
        );
        kills += 1;
        *landings.entry(landing(&ended.log)).or_default() += 1;
        resent += after_process(&world, &mut files, &format!("round {round}'s daemon"));
    }
    let delivered_before_the_end = files.len();

    // The last start runs to completion, twice: the second has nothing left to do.
    let last = world.run_and_kill(&["run", "--once"], Kill::Never);
    assert!(last.status.success(), "{}", last.log);
    resent += after_process(&world, &mut files, "the first run --once");
    let again = world.run_and_kill(&["run", "--once"], Kill::Never);
    assert!(
        again
            .stdout
            .contains("digests: 0 queued, 0 delivered, 0 postponed, 0 abandoned"),
        "a second run --once still had work:\n{}\n{}",
        again.stdout,
        again.log
    );
    assert_eq!(
        after_process(&world, &mut files, "the second run --once"),
        0
    );
    assert!(
        resent <= kills,
        "{resent} resends for {kills} kills: more than one per kill"
    );
    let (_, temps) = digest_files(&world.digests_dir());
    assert_eq!(
        temps,
        Vec::<PathBuf>::new(),
        "interrupted writes left behind"
    );

    // Verify the store and the files.
    let store = Store::open(&world.data_dir).expect("the store does not open after the kills");
    assert_eq!(
        store.pending_messages().unwrap(),
        [],
        "messages still pending"
    );
    let papers: Vec<Paper> = store.papers().map(Result::unwrap).collect();
    assert_eq!(papers.len(), next_paper, "papers of the file are missing");
    let mut papers_checked = 0;
    for (n, configured) in world.configured.iter().enumerate() {
        let address: Address = format!("file:s{n:02}").parse().unwrap();
        let subscriber = store
            .subscriber_by_address(&address)
            .unwrap()
            .unwrap_or_else(|| panic!("{address} is missing"));
        let follows: BTreeSet<String> = store
            .follows(subscriber.id)
            .unwrap()
            .into_iter()
            .map(|f| f.query)
            .collect();

        // (1) No follow is lost: configured ones, and every one a command confirmed.
        for follow in configured {
            assert!(
                follows.contains(follow),
                "{address} lost configured follow {follow:?}; has {follows:?}"
            );
        }
        for (_, word, round) in confirmed.iter().filter(|(s, _, _)| *s == n) {
            assert!(
                follows.contains(word),
                "{address} lost follow {word:?} confirmed in round {round}; has {follows:?}"
            );
        }

        // (3) Each paper is in exactly one of the subscriber's files, and each file is whole.
        let mut times_listed: BTreeMap<PaperId, usize> = BTreeMap::new();
        let dir = world.digests_dir().join(format!("s{n:02}"));
        for (path, (_, text)) in files
            .iter()
            .filter(|(p, _)| p.parent() == Some(dir.as_path()))
        {
            let listed = listed_papers(text);
            let count = listed.len();
            let heading = format!(
                "# paperboy: {count} new paper{} for ",
                if count == 1 { "" } else { "s" }
            );
            assert!(
                text.starts_with(&heading) && text.ends_with('\n'),
                "{} is not a whole digest of {count} papers:\n{text}",
                path.display()
            );
            for id in listed {
                *times_listed.entry(id).or_default() += 1;
            }
        }
        for (id, times) in &times_listed {
            assert_eq!(*times, 1, "{address} was sent {id} {times} times");
        }

        // (2) No digest is missing: what the store says was sent is exactly what the files
        // hold; that covers every paper matching a configured follow, and every paper
        // appended after a command confirmed a follow it matches; and nothing else is
        // there but matches of the subscriber's follows.
        let in_files: BTreeSet<PaperId> = times_listed.keys().cloned().collect();
        let sent: BTreeSet<PaperId> = store
            .sent_papers(subscriber.id)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(in_files, sent, "{address}: files and sent marks differ");
        for paper in &papers {
            let configured_match = configured.iter().find(|f| matches(f, paper));
            let confirmed_match = confirmed.iter().find(|(s, word, round)| {
                *s == n && appended_in[&paper.id] >= *round && matches(word, paper)
            });
            if let Some(follow) = configured_match {
                assert!(
                    in_files.contains(&paper.id),
                    "{address} never got {} ({:?}), which matches configured follow {follow:?}",
                    paper.id,
                    paper.title
                );
            } else if let Some((_, word, round)) = confirmed_match {
                assert!(
                    in_files.contains(&paper.id),
                    "{address} never got {} ({:?}), appended in round {} after follow {word:?} was confirmed in round {round}",
                    paper.id,
                    paper.title,
                    appended_in[&paper.id]
                );
            }
            if in_files.contains(&paper.id) {
                assert!(
                    follows.iter().any(|f| matches(f, paper)),
                    "{address} got {} ({:?}), which matches none of {follows:?}",
                    paper.id,
                    paper.title
                );
                papers_checked += 1;
            }
        }
    }
    assert!(papers_checked > 0, "no paper was delivered at all");

    eprintln!(
        "crash test: {rounds} rounds, {kills} kills ({} daemons: {} before digests, {} mid-delivery, {} idle; {commands_killed} of {commands} commands), \
         {} follows confirmed, {} papers, {} digest files ({delivered_before_the_end} written before the final run --once), \
         {papers_checked} deliveries checked, {resent} resends, {:.1} s",
        rounds,
        landings.get(&Landing::BeforeDigests).unwrap_or(&0),
        landings.get(&Landing::MidDelivery).unwrap_or(&0),
        landings.get(&Landing::Idle).unwrap_or(&0),
        confirmed.len(),
        papers.len(),
        files.len(),
        started.elapsed().as_secs_f64()
    );
}
