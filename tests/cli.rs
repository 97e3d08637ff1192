//! The real `paperboy` binary, driven as an operator would: the offline first run, two
//! processes on one store, config and store errors, malformed imports, bad backfill dates,
//! and an import killed with SIGKILL that must keep every batch it reported committed.
//!
//! Each test runs in its own temp dir (also the working directory, so the embedded default
//! `./paperboy-data` lands there), with every inherited `PAPERBOY_*` variable removed. No
//! test touches the network: configs enable only the samples bundled in the binary.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod support;

use support::harness::{KillOnDrop, Rng, signal_and_wait, wait_with_deadline};

use paperboy::paper::PaperId;
use paperboy::store::Store;
use tempfile::TempDir;

/// Generous bound for any one command; a hung binary fails the test instead of hanging it.
const COMMAND_DEADLINE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------
// Helpers

/// A `paperboy` command running in `dir`, with a clean `PAPERBOY_*` / `RUST_LOG` environment.
fn paperboy(dir: &Path) -> Command {
    support::harness::clean_command(env!("CARGO_BIN_EXE_paperboy"), dir)
}

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Output {
    fn assert_success(&self) -> &Output {
        assert!(self.status.success(), "expected success; {self:?}");
        self
    }

    fn assert_failure(&self) -> &Output {
        assert!(
            !self.status.success() && self.status.code().is_some(),
            "expected a clean failure (exit code != 0, no signal or panic); {self:?}"
        );
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked; {self:?}"
        );
        self
    }

    fn assert_stdout_contains(&self, needle: &str) -> &Output {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}; {self:?}"
        );
        self
    }

    fn assert_stderr_contains(&self, needle: &str) -> &Output {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}; {self:?}"
        );
        self
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs the command to completion (killing it after [`COMMAND_DEADLINE`]).
fn run(command: &mut Command) -> Output {
    let mut child = KillOnDrop(
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start paperboy"),
    );
    let stdout = read_in_background(child.0.stdout.take());
    let stderr = read_in_background(child.0.stderr.take());
    let status = wait_with_deadline(&mut child.0, COMMAND_DEADLINE)
        .unwrap_or_else(|| panic!("paperboy did not finish within {COMMAND_DEADLINE:?}"));
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// A config file in `dir` whose only source is one bundled sample: no network, ever.
fn write_offline_config(dir: &Path, data_dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("paperboy.toml");
    let text = format!(
        r#"data_dir = "{}"
{extra}
[sources.hf]
enabled = false

[sources.arxiv]
enabled = false

[[sources.file]]
name = "sample-hf"
path = "bundled:hf-daily-papers-2026-06-12.json"
format = "hf_daily"
"#,
        data_dir.display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

// ---------------------------------------------------------------------------------------
// 1. The offline first run

#[test]
fn first_run_stores_the_bundled_samples_once() {
    let tmp = TempDir::new().unwrap();

    let first = run(paperboy(tmp.path()).args(["run", "--once"]));
    first
        .assert_success()
        .assert_stdout_contains("sample-hf          30 new, 0 updated, 0 unchanged  [healthy]")
        .assert_stdout_contains(
            "stored: 42 new, 0 updated, 0 unchanged; the store at paperboy-data now holds 42 papers",
        )
        .assert_stderr_contains("no config file given: using embedded defaults");
    assert!(
        tmp.path().join("paperboy-data/db").is_dir(),
        "the default store belongs in ./paperboy-data"
    );
    assert!(tmp.path().join("paperboy-data/status.json").is_file());

    let second = run(paperboy(tmp.path()).args(["run", "--once"]));
    second
        .assert_success()
        .assert_stdout_contains("sample-hf          0 new, 0 updated, 30 unchanged  [healthy]")
        .assert_stdout_contains(
            "stored: 0 new, 0 updated, 42 unchanged; the store at paperboy-data now holds 42 papers",
        );
}

// ---------------------------------------------------------------------------------------
// 2. Two processes on one data dir

#[test]
fn a_running_daemon_locks_the_store_but_status_still_works() {
    let tmp = TempDir::new().unwrap();
    let data_dir = tmp.path().join("data");
    let config = write_offline_config(
        tmp.path(),
        &data_dir,
        "[ingest]\nschedule = \"0 * * * *\"\n",
    );
    let daemon_log = tmp.path().join("daemon.log");

    let mut daemon = KillOnDrop(
        paperboy(tmp.path())
            .arg("--config")
            .arg(&config)
            .arg("run")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&daemon_log).unwrap())
            .spawn()
            .expect("cannot start the daemon"),
    );
    let log = || std::fs::read_to_string(&daemon_log).unwrap_or_default();
    let start = Instant::now();
    while !data_dir.join("status.json").is_file() {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            panic!("the daemon exited early ({status}):\n{}", log());
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no status.json after 20 s:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let papers = tmp.path().join("papers.jsonl");
    std::fs::write(&papers, r#"{"id":"2601.00001","title":"One"}"#).unwrap();
    let import = run(paperboy(tmp.path())
        .arg("--config")
        .arg(&config)
        .arg("import")
        .arg(&papers));
    import.assert_failure().assert_stderr_contains(&format!(
        "the store at {} is in use by another paperboy process",
        data_dir.display()
    ));

    let status = run(paperboy(tmp.path())
        .arg("--config")
        .arg(&config)
        .arg("status"));
    status
        .assert_success()
        .assert_stdout_contains("(the daemon is running; figures as of ")
        .assert_stdout_contains(&format!(
            "store: {} (schema v{}, 30 papers",
            data_dir.display(),
            paperboy::store::current_schema_version()
        ))
        .assert_stdout_contains("sample-hf  healthy");

    let exit = signal_and_wait(&mut daemon.0, "TERM", Duration::from_secs(20))
        .unwrap_or_else(|| panic!("the daemon ignored SIGTERM for 20 s:\n{}", log()));
    assert!(exit.success(), "daemon exit {exit}:\n{}", log());
    assert!(log().contains("store flushed; stopped"), "{}", log());

    // The lock goes with the daemon.
    run(paperboy(tmp.path())
        .arg("--config")
        .arg(&config)
        .arg("import")
        .arg(&papers))
    .assert_success()
    .assert_stdout_contains("1 new, 0 updated, 0 unchanged, 0 malformed skipped");
}

// ---------------------------------------------------------------------------------------
// 3. Config errors and redaction

/// Runs `check-config` with `toml` (if any) as the config file and `env` set; it must fail
/// and stderr must contain each of `expected`.
fn check_config_error(toml: Option<&str>, env: &[(&str, &str)], expected: &[&str]) {
    let tmp = TempDir::new().unwrap();
    let mut command = paperboy(tmp.path());
    if let Some(toml) = toml {
        let path = tmp.path().join("paperboy.toml");
        std::fs::write(&path, toml).unwrap();
        command.arg("--config").arg(&path);
    }
    command.envs(env.iter().copied()).arg("check-config");
    let output = run(&mut command);
    output.assert_failure();
    for needle in expected {
        output.assert_stderr_contains(needle);
    }
}

#[test]
fn config_errors_name_what_is_wrong() {
    check_config_error(
        Some(
            "data_dir = \"d\"\n[telegram]\ntoken = \"1:x\"\nwebhook_url = \"http://plain.example/hook\"\n",
        ),
        &[],
        &["telegram.webhook_url", "not an https URL"],
    );
    check_config_error(
        Some(
            "data_dir = \"d\"\n[telegram]\ntoken = \"1:x\"\nwebhook_url = \"https://x.example/hook\"\n",
        ),
        &[],
        &["telegram.webhook_secret", "needs a secret"],
    );
    check_config_error(
        Some("data_dir = \"d\"\n[telegram]\npoll_timeout_secs = 90\n"),
        &[],
        &["telegram.poll_timeout_secs", "from 1 to 50"],
    );
    check_config_error(
        Some("data_dir = \"d\"\n[discord]\napi_url = \"ftp://proxy.example\"\n"),
        &[],
        &["discord.api_url", "not an http(s) URL"],
    );
    check_config_error(
        None,
        &[("PAPERBOY_DISCORD__DEV_GUILD_ID", "0")],
        &["discord.dev_guild_id", "not a server id"],
    );
    check_config_error(
        Some("data_dir = \"d\"\n[discord]\ntoken = \"x\"\ntoken_file = \"/nowhere\"\n"),
        &[],
        &["discord.token", "not both"],
    );
    check_config_error(
        None,
        &[("PAPERBOY_DISCORD__TOKEN_FILE", "/nowhere/discord-token")],
        &["discord.token", "/nowhere/discord-token"],
    );
    check_config_error(
        Some("data_dir = \"d\"\nbogus_key = 1\n"),
        &[],
        &[
            "invalid configuration in ",
            "paperboy.toml",
            "unknown field",
            "(key `bogus_key`)",
        ],
    );
    check_config_error(
        Some("data_dir = \"d\"\n[http]\nconect_timeout_secs = 1\n"),
        &[],
        &["(key `http.conect_timeout_secs`)", "`connect_timeout_secs`"],
    );
    check_config_error(
        None,
        &[("PAPERBOY_FOO__BAR", "1")],
        &["unknown field", "key `foo`"],
    );
    check_config_error(
        None,
        &[("PAPERBOY_SOURCES__HF__BOGUS", "1")],
        &[
            "key `sources.hf.bogus`",
            "environment variable PAPERBOY_SOURCES__HF__BOGUS",
        ],
    );
    check_config_error(
        Some("data_dir = \"d\"\n[sources.arxiv]\nmin_interval_secs = 1\n"),
        &[],
        &["`sources.arxiv.min_interval_secs`", "3 seconds"],
    );
    check_config_error(
        None,
        &[
            ("PAPERBOY_SOURCES__ARXIV__MIN_INTERVAL_SECS", "2"),
            ("PAPERBOY_SOURCES__ARXIV__ENABLED", "true"),
        ],
        &["`sources.arxiv.min_interval_secs`", "3 seconds"],
    );
    check_config_error(
        Some("data_dir = \"d\"\n[ingest]\nschedule = 30\n"),
        &[],
        &["invalid type", "(key `ingest.schedule`)"],
    );
    check_config_error(
        None,
        &[("PAPERBOY_HTTP__MAX_RETRIES", "many")],
        &[
            "invalid type",
            "key `http.max_retries`",
            "PAPERBOY_HTTP__MAX_RETRIES",
        ],
    );
    check_config_error(
        Some("data_dir = \"d\"\n[sources.hf\n"),
        &[],
        &["paperboy.toml", "TOML parse error at line 2"],
    );
    check_config_error(
        Some("data_dir = \"d\"\n[ingest]\nschedule = \"soon\"\n"),
        &[],
        &["`ingest.schedule`", "5-field crontab"],
    );
}

#[test]
fn a_missing_config_file_is_named() {
    let tmp = TempDir::new().unwrap();
    let missing = tmp.path().join("nowhere/paperboy.toml");
    run(paperboy(tmp.path())
        .arg("--config")
        .arg(&missing)
        .arg("check-config"))
    .assert_failure()
    .assert_stderr_contains(&format!("cannot read config file {}", missing.display()));
    // PAPERBOY_CONFIG is the same option.
    run(paperboy(tmp.path())
        .env("PAPERBOY_CONFIG", &missing)
        .args(["run", "--once"]))
    .assert_failure()
    .assert_stderr_contains(&missing.display().to_string());
    assert!(
        !tmp.path().join("paperboy-data").exists(),
        "a config error must stop paperboy before it creates a store"
    );
}

const SENTINEL: &str = "sentinel-secret-123";

/// `check-config` with `toml` as the config file and `env` set must succeed, show the token
/// as `<redacted>` and never print [`SENTINEL`], not even in trace-level logs.
fn check_token_redacted(toml: &str, env: &[(&str, &str)]) {
    let tmp = TempDir::new().unwrap();
    let token_file = tmp.path().join("hf_token");
    std::fs::write(&token_file, format!("{SENTINEL}\n")).unwrap();
    let config = tmp.path().join("paperboy.toml");
    // `TOKEN_FILE` in the config or a variable stands for a file holding the sentinel.
    let with_file = |text: &str| text.replace("TOKEN_FILE", &token_file.display().to_string());
    std::fs::write(&config, with_file(toml)).unwrap();
    let output = run(paperboy(tmp.path())
        .env("RUST_LOG", "trace")
        .envs(env.iter().map(|(key, value)| (key, with_file(value))))
        .arg("--config")
        .arg(&config)
        .arg("check-config"));
    output
        .assert_success()
        .assert_stdout_contains("# configuration is valid")
        .assert_stdout_contains("token = \"<redacted>\"");
    assert!(
        !output.stdout.contains(SENTINEL) && !output.stderr.contains(SENTINEL),
        "the token leaked; {output:?}"
    );
}

#[test]
fn check_config_redacts_the_token_from_every_origin() {
    check_token_redacted(
        "data_dir = \"d\"\n[sources.hf]\ntoken = \"sentinel-secret-123\"\n",
        &[],
    );
    check_token_redacted(
        "data_dir = \"d\"\n[sources.hf]\ntoken_file = \"TOKEN_FILE\"\n",
        &[],
    );
    check_token_redacted(
        "data_dir = \"d\"\n",
        &[("PAPERBOY_SOURCES__HF__TOKEN", SENTINEL)],
    );
    check_token_redacted(
        "data_dir = \"d\"\n",
        &[("PAPERBOY_SOURCES__HF__TOKEN_FILE", "TOKEN_FILE")],
    );
    check_token_redacted(
        "data_dir = \"d\"\n[telegram]\ntoken = \"sentinel-secret-123\"\n",
        &[],
    );
    check_token_redacted(
        "data_dir = \"d\"\n",
        &[("PAPERBOY_TELEGRAM__TOKEN_FILE", "TOKEN_FILE")],
    );
    check_token_redacted(
        "data_dir = \"d\"\n[telegram]\ntoken = \"1:x\"\nwebhook_url = \"https://x.example/h\"\nwebhook_secret_file = \"TOKEN_FILE\"\n",
        &[],
    );
    check_token_redacted(
        "data_dir = \"d\"\n[discord]\ntoken = \"sentinel-secret-123\"\n",
        &[],
    );
    check_token_redacted(
        "data_dir = \"d\"\n",
        &[("PAPERBOY_DISCORD__TOKEN", SENTINEL)],
    );
    check_token_redacted(
        "data_dir = \"d\"\n[discord]\ntoken_file = \"TOKEN_FILE\"\n",
        &[],
    );
}

/// BUG: an unknown environment override is reported as an unknown *field* `foo`, with no word
/// that it came from the environment, so the operator has to guess which variable to unset.
#[test]
fn an_unknown_environment_override_names_the_variable() {
    check_config_error(None, &[("PAPERBOY_FOO__BAR", "1")], &["PAPERBOY_FOO__BAR"]);
}

/// BUG: errors that put their `std::io::Error` both in the message and in `source` print the
/// OS reason twice under anyhow's `{:#}`.
#[test]
fn an_os_error_is_printed_once() {
    let tmp = TempDir::new().unwrap();
    let output = run(paperboy(tmp.path()).args(["--config", "missing.toml", "check-config"]));
    output.assert_failure();
    assert_eq!(
        output.stderr.matches("(os error 2)").count(),
        1,
        "{output:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 4. A store that cannot be opened is refused and left alone

#[test]
fn a_data_dir_whose_db_is_a_file_is_refused_and_kept() {
    let tmp = TempDir::new().unwrap();
    let data_dir = tmp.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    let db = data_dir.join("db");
    std::fs::write(&db, "not a sled database\n").unwrap();
    let papers = tmp.path().join("x.jsonl");
    std::fs::write(&papers, "").unwrap();

    for args in [&["run", "--once"][..], &["status"], &["import", "x.jsonl"]] {
        run(paperboy(tmp.path())
            .env("PAPERBOY_DATA_DIR", &data_dir)
            .args(args))
        .assert_failure()
        .assert_stderr_contains(&format!("cannot open the store at {}", db.display()))
        .assert_stderr_contains("nothing was changed");
        assert_eq!(
            std::fs::read_to_string(&db).unwrap(),
            "not a sled database\n",
            "`paperboy {args:?}` changed the unreadable store"
        );
    }
}

/// Fills a real store, then overwrites each file named in `damaged` (relative to
/// `<data_dir>/db`) with seeded garbage. Returns the data dir and the garbage written.
fn damaged_store(tmp: &Path, damaged: &[&str]) -> (PathBuf, Vec<(PathBuf, Vec<u8>)>) {
    let data_dir = tmp.join("data");
    run(paperboy(tmp)
        .env("PAPERBOY_DATA_DIR", &data_dir)
        .args(["run", "--once"]))
    .assert_success();
    let mut rng = Rng(0x5eed_0001);
    let garbage = damaged
        .iter()
        .map(|name| {
            let path = data_dir.join("db").join(name);
            let len = std::fs::metadata(&path).unwrap().len() as usize;
            let bytes = rng.bytes(len.max(64));
            std::fs::write(&path, &bytes).unwrap();
            (path, bytes)
        })
        .collect();
    (data_dir, garbage)
}

#[test]
fn a_store_with_garbage_files_is_refused_and_kept() {
    let tmp = TempDir::new().unwrap();
    let (data_dir, garbage) = damaged_store(tmp.path(), &["conf", "db"]);
    run(paperboy(tmp.path())
        .env("PAPERBOY_DATA_DIR", &data_dir)
        .args(["run", "--once"]))
    .assert_failure()
    .assert_stderr_contains(&format!(
        "cannot open the store at {}",
        data_dir.join("db").display()
    ));
    for (path, bytes) in garbage {
        assert!(
            std::fs::read(&path).unwrap() == bytes,
            "{} was changed",
            path.display()
        );
    }
}

/// With sled's `conf` intact and its `db` log overwritten, sled opens an empty database.
/// paperboy must refuse it (it has data but no schema version) rather than build a fresh
/// store over it, on every start. sled's own recovery may truncate the unreadable log on
/// open, so the bytes themselves are not guaranteed to survive; the refusal is.
#[test]
fn a_store_with_a_garbage_log_is_refused_and_never_rebuilt() {
    let tmp = TempDir::new().unwrap();
    let (data_dir, _garbage) = damaged_store(tmp.path(), &["db"]);
    for _ in 0..2 {
        run(paperboy(tmp.path())
            .env("PAPERBOY_DATA_DIR", &data_dir)
            .args(["run", "--once"]))
        .assert_failure()
        .assert_stderr_contains(&data_dir.join("db").display().to_string())
        .assert_stderr_contains("no schema version");
    }
}

// ---------------------------------------------------------------------------------------
// 5. SIGKILL during an import keeps every batch reported committed

/// The id and title of synthetic paper `i`; ids sort in file order.
fn synthetic_id(i: usize) -> String {
    format!("26{:02}.{:05}", 1 + i / 90_000, i % 90_000 + 1)
}

fn synthetic_title(i: usize) -> String {
    format!("Synthetic paper {i}: sparse attention under a kill -9")
}

/// Writes `count` normalized papers as JSONL (abstracts ~600 characters).
fn write_synthetic_papers(path: &Path, count: usize) {
    const WORDS: [&str; 12] = [
        "sparse",
        "attention",
        "gradient",
        "transformer",
        "robust",
        "kernel",
        "diffusion",
        "bound",
        "graph",
        "tokens",
        "latent",
        "$O(n^2)$",
    ];
    let mut rng = Rng(0x5eed_0005);
    let mut out = String::with_capacity(count * 900);
    for i in 0..count {
        let mut abstract_text = String::new();
        while abstract_text.len() < 600 {
            abstract_text.push_str(WORDS[rng.between(0, 11) as usize]);
            abstract_text.push(' ');
        }
        let line = serde_json::json!({
            "id": synthetic_id(i),
            "title": synthetic_title(i),
            "abstract": abstract_text.trim_end(),
            "authors": [format!("Ada Lovelace {i}"), "Alan Turing", "Grace Hopper"],
            "categories": ["cs.LG", "cs.CL"],
            "published": format!("2026-01-{:02}T00:00:00Z", 1 + i % 28),
            "source": "synthetic",
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// The `committed=N` figure of an `import batch committed` log line.
fn committed_count(line: &str) -> Option<usize> {
    if !line.contains("import batch committed") {
        return None;
    }
    let value = line.split("committed=").nth(1)?;
    value
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

struct KilledImport {
    /// The largest count the import reported committed before it died.
    committed: usize,
    /// Whether it finished before the kill landed.
    completed: bool,
}

/// Starts `paperboy import file`, waits for its `kill_after`-th committed batch, waits
/// `delay` more (to land at different moments of the next batch) and SIGKILLs it.
fn import_and_kill(
    dir: &Path,
    data_dir: &Path,
    file: &Path,
    kill_after: usize,
    delay: Duration,
) -> KilledImport {
    let mut child = KillOnDrop(
        paperboy(dir)
            .env("PAPERBOY_DATA_DIR", data_dir)
            .env("RUST_LOG", "paperboy=debug")
            .arg("import")
            .arg(file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start paperboy import"),
    );
    let stderr = child.0.stderr.take().unwrap();
    let (counts, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(count) = committed_count(&line) {
                let _ = counts.send(count);
            }
            log.push_str(&line);
            log.push('\n');
        }
        log
    });

    let mut committed = 0;
    for _ in 0..kill_after {
        match received.recv_timeout(COMMAND_DEADLINE) {
            Ok(count) => committed = committed.max(count),
            // The import ended (finished, or failed: the status below tells).
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("no committed batch for a minute"),
        }
    }
    std::thread::sleep(delay);
    child.0.kill().expect("SIGKILL");
    let status = child.0.wait().unwrap();
    let log = reader.join().unwrap();
    // Lines already in the pipe were written before the process died: they count too.
    committed = received.try_iter().fold(committed, usize::max);
    assert!(
        status.success() || status.code().is_none(),
        "the import failed on its own ({status}):\n{log}"
    );
    assert!(committed > 0, "no committed batch was reported:\n{log}");
    KilledImport {
        committed,
        completed: status.success(),
    }
}

/// Reopens the store and checks it holds exactly a prefix of the file that covers the first
/// `committed` papers, every paper with its stored-time index entry. Returns how many it holds.
fn assert_store_keeps_committed_prefix(data_dir: &Path, committed: usize, total: usize) -> usize {
    let store = Store::open(data_dir).expect("the killed import left a store that cannot open");
    for i in 0..committed {
        let id = PaperId::parse(&synthetic_id(i)).unwrap();
        let paper = store
            .paper(&id)
            .unwrap()
            .unwrap_or_else(|| panic!("paper {id} (line {}) reported committed but lost", i + 1));
        assert_eq!(paper.title, synthetic_title(i), "paper {id}");
    }
    let mut stored = 0;
    for (i, paper) in store.papers().enumerate() {
        let paper = paper.expect("a record is corrupt after the kill");
        assert_eq!(
            paper.id.as_str(),
            synthetic_id(i),
            "the store is not a prefix of the file: a batch was applied out of order or in part"
        );
        stored += 1;
    }
    assert!(stored >= committed && stored <= total);
    let indexed = store
        .papers_stored_since(chrono::DateTime::UNIX_EPOCH)
        .count();
    assert_eq!(indexed, stored, "papers and stored-time index disagree");
    stored
}

#[test]
fn sigkill_during_import_keeps_every_committed_batch() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("papers.jsonl");
    let mut total = 30_000;
    write_synthetic_papers(&file, total);

    // Fixed seed: the same kill points every run. Rounds start fresh stores.
    let mut rng = Rng(0x5eed_0042);
    let mut round = 0;
    while round < 5 {
        let kill_after = rng.between(1, 6) as usize;
        let delay = Duration::from_millis(rng.between(0, 250));
        let data_dir = tmp.path().join(format!("data-{round}-{total}"));
        let killed = import_and_kill(tmp.path(), &data_dir, &file, kill_after, delay);
        let stored = assert_store_keeps_committed_prefix(&data_dir, killed.committed, total);
        // Shown on failure (or with --nocapture): where this round's kill landed.
        eprintln!(
            "round {round}: killed after batch {kill_after} + {delay:?}: {} reported committed, {stored} of {total} stored{}",
            killed.committed,
            if killed.completed {
                " (finished before the kill)"
            } else {
                ""
            }
        );
        if killed.completed {
            // This machine imported everything before the kill landed: the round proved
            // nothing about a kill, so try again with a bigger file.
            assert!(total < 500_000, "the import is too fast to interrupt");
            total *= 2;
            write_synthetic_papers(&file, total);
            continue;
        }
        round += 1;
    }
}

// ---------------------------------------------------------------------------------------
// 6. Importing malformed files

#[test]
fn import_skips_malformed_lines_and_keeps_the_good_ones() {
    let tmp = TempDir::new().unwrap();
    let data_dir = tmp.path().join("data");
    let file = tmp.path().join("mixed.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"id":"2601.00001","title":"Good one","abstract":"a","authors":["A"],"categories":["cs.LG"],"published":"2026-01-02T00:00:00Z","source":"t"}"#,
            "this is not json",
            r#"{"id":"not-an-id","title":"x"}"#,
            r#"{"id":"2601.00002v3","title":"Good two"}"#,
            r#"{"id":"2601.00003"}"#,
            "",
            r#"{"id":"2601.00004","title":"Bad date","published":"yesterday"}"#,
            r#"{"id":"2601.00005","title":"Good three"}"#,
            r#"{"id":"2601.00006","title":"Cut off"#,
        ]
        .join("\n"),
    )
    .unwrap();

    let output = run(paperboy(tmp.path())
        .env("PAPERBOY_DATA_DIR", &data_dir)
        .arg("import")
        .arg(&file));
    output
        .assert_success()
        .assert_stdout_contains(&format!(
            "{}: 3 new, 0 updated, 0 unchanged, 5 malformed skipped",
            file.display()
        ))
        .assert_stderr_contains("skipped malformed entry");
    for position in [2, 3, 5, 7, 9] {
        output.assert_stderr_contains(&format!("position={position} "));
    }

    let store = Store::open(&data_dir).unwrap();
    let titles: Vec<(String, String)> = store
        .papers()
        .map(|p| p.map(|p| (p.id.to_string(), p.title)).unwrap())
        .collect();
    let expected = [
        ("2601.00001", "Good one"),
        ("2601.00002", "Good two"),
        ("2601.00005", "Good three"),
    ]
    .map(|(id, title)| (id.to_owned(), title.to_owned()));
    assert_eq!(titles, expected);
}

#[test]
fn import_refuses_files_it_cannot_read() {
    let tmp = TempDir::new().unwrap();
    let data_dir = tmp.path().join("data");
    let import = |file: &Path| {
        run(paperboy(tmp.path())
            .env("PAPERBOY_DATA_DIR", &data_dir)
            .arg("import")
            .arg(file))
    };

    let prose = tmp.path().join("notes.txt");
    std::fs::write(&prose, "hello world\n").unwrap();
    import(&prose)
        .assert_failure()
        .assert_stderr_contains(&format!(
            "{} is neither JSON Lines of papers nor a Hugging Face Daily Papers JSON array",
            prose.display()
        ));

    let broken_array = tmp.path().join("daily.json");
    std::fs::write(&broken_array, r#"[{"paper": {"id": "2601.00001""#).unwrap();
    import(&broken_array)
        .assert_failure()
        .assert_stderr_contains(&format!("{} is neither", broken_array.display()))
        .assert_stderr_contains("malformed JSON");

    let missing = tmp.path().join("no/such/papers.jsonl");
    import(&missing)
        .assert_failure()
        .assert_stderr_contains(&format!("cannot read {}", missing.display()));
}

// ---------------------------------------------------------------------------------------
// 7. Backfill arguments

#[test]
fn backfill_rejects_bad_dates_before_touching_anything() {
    let tmp = TempDir::new().unwrap();
    run(paperboy(tmp.path()).args(["backfill", "--from", "2026-02-01", "--to", "2026-01-01"]))
        .assert_failure()
        .assert_stderr_contains("--from 2026-02-01 is after --to 2026-01-01");
    run(paperboy(tmp.path()).args(["backfill", "--from", "notadate", "--to", "2026-01-01"]))
        .assert_failure()
        .assert_stderr_contains("invalid value 'notadate' for '--from <FROM>'")
        .assert_stderr_contains("write it as YYYY-MM-DD");
    run(paperboy(tmp.path()).args(["backfill", "--from", "2026-01-01", "--to", "2026-02-30"]))
        .assert_failure()
        .assert_stderr_contains("\"2026-02-30\" is not a date");
    assert!(
        !tmp.path().join("paperboy-data").exists(),
        "a rejected backfill must not create a store"
    );
}

// ---------------------------------------------------------------------------------------
// 8. The running daemon's demo, commands, dry-run digests, export and import-state

/// Reads a child's stdout on a thread, so the test can wait for a line without blocking.
fn stdout_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    received
}

#[test]
fn the_demo_prints_a_digest_within_seconds_and_stops_cleanly_on_ctrl_c() {
    let tmp = TempDir::new().unwrap();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml");
    let mut daemon = KillOnDrop(
        paperboy(tmp.path())
            .args(["--config", config, "run"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lines = stdout_lines(&mut daemon.0);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut digest = Vec::new();
    while !digest
        .iter()
        .any(|l: &String| l.contains("new papers for language model, diffusion"))
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => digest.push(line),
            Err(_) => panic!("no digest on the console within 20 s; got {digest:?}"),
        }
    }
    let status = signal_and_wait(&mut daemon.0, "INT", Duration::from_secs(20))
        .expect("the daemon ignored SIGINT");
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(daemon.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("store flushed; stopped"), "{stderr}");
}

#[test]
fn commands_run_for_any_subscriber_and_bad_input_gets_usage() {
    let tmp = TempDir::new().unwrap();
    let data_dir = tmp.path().join("data");
    let config = write_offline_config(tmp.path(), &data_dir, "");
    let cmd = |text: &str| {
        run(paperboy(tmp.path()).arg("--config").arg(&config).args([
            "cmd",
            "--as",
            "console:me",
            text,
        ]))
    };
    cmd("/follow Diffusion   Models")
        .assert_success()
        .assert_stdout_contains("Following diffusion model.");
    cmd("/follows")
        .assert_success()
        .assert_stdout_contains("1. diffusion model");
    cmd("/folow x")
        .assert_success()
        .assert_stdout_contains("did you mean /follow?");
    cmd("/follow diffusion models")
        .assert_success()
        .assert_stdout_contains("already follow");
    cmd("/follows")
        .assert_success()
        .assert_stdout_contains("1. diffusion model");
    run(paperboy(tmp.path())
        .arg("--config")
        .arg(&config)
        .args(["cmd", "--as", "pigeon:7", "/follows"]))
    .assert_failure()
    .assert_stderr_contains("not an address");
}

#[test]
fn a_dry_run_digest_records_nothing_and_export_round_trips() {
    let tmp = TempDir::new().unwrap();
    let data_dir = tmp.path().join("data");
    let config = write_offline_config(tmp.path(), &data_dir, "");
    let paperboy_with_config =
        |args: &[&str]| run(paperboy(tmp.path()).arg("--config").arg(&config).args(args));
    paperboy_with_config(&["ingest"]).assert_success();
    paperboy_with_config(&["cmd", "--as", "file:lab", "/follow diffusion"]).assert_success();
    let dry = paperboy_with_config(&["digest", "--subscriber", "file:lab", "--dry-run"]);
    dry.assert_success()
        .assert_stdout_contains("new papers for diffusion");
    let again = paperboy_with_config(&["digest", "--subscriber", "file:lab", "--dry-run"]);
    assert_eq!(dry.stdout, again.stdout, "a dry run records nothing");
    paperboy_with_config(&["digest", "--subscriber", "file:lab"])
        .assert_success()
        .assert_stdout_contains("delivered: 1");
    paperboy_with_config(&["digest", "--subscriber", "file:lab", "--dry-run"])
        .assert_success()
        .assert_stdout_contains("would get nothing");
    let files: Vec<_> = std::fs::read_dir(data_dir.join("digests/lab"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1);

    let backup = tmp.path().join("backup.json");
    paperboy_with_config(&["export", backup.to_str().unwrap()]).assert_success();
    let restored = tmp.path().join("restored");
    let restore = |expected: &str| {
        run(paperboy(tmp.path())
            .env("PAPERBOY_DATA_DIR", &restored)
            .args(["import-state", backup.to_str().unwrap()]))
        .assert_success()
        .assert_stdout_contains(expected);
    };
    restore("1 subscribers created, 0 merged");
    restore("0 subscribers created, 1 merged");
    let store = paperboy::store::Store::open(&restored).unwrap();
    let lab = store
        .subscriber_by_address(&"file:lab".parse().unwrap())
        .unwrap()
        .unwrap();
    let follows: Vec<String> = store
        .follows(lab.id)
        .unwrap()
        .into_iter()
        .map(|f| f.query)
        .collect();
    assert_eq!(follows, ["diffusion"], "merging twice adds no duplicates");
}

// ---------------------------------------------------------------------------------------
// Related papers and search from the command line

#[test]
fn related_over_a_corpus_file_prints_json_lines_best_first() {
    let tmp = TempDir::new().unwrap();
    let corpus = tmp.path().join("corpus.jsonl");
    // Opaque ids, as any JSONL corpus may have; one malformed line.
    let lines = [
        r#"{"id": "a", "title": "Speculative decoding for fast inference", "abstract": "A draft model proposes tokens that the large model verifies in parallel."}"#,
        r#"{"id": "b", "title": "Faster inference with speculative decoding", "abstract": "Draft tokens are verified in parallel by the target model."}"#,
        r#"{"id": "c", "title": "Gaussian splatting for real-time rendering", "abstract": "Radiance fields rendered with anisotropic gaussians."}"#,
        r#"{"id": "d", "title": "Relighting neural radiance fields", "abstract": null}"#,
        r#"{"id": 7, "title": "no string id"}"#,
    ];
    std::fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    let related = |args: &[&str]| {
        run(paperboy(tmp.path())
            .args(["related", "--corpus"])
            .arg(&corpus)
            .args(args))
    };
    let out = related(&["--id", "a", "--json"]);
    out.assert_success()
        .assert_stderr_contains("1 malformed lines skipped");
    let first: serde_json::Value =
        serde_json::from_str(out.stdout.lines().next().expect("a line")).unwrap();
    assert_eq!(first["id"], "b");
    assert_eq!(first["title"], "Faster inference with speculative decoding");
    assert!(first["score"].as_f64().unwrap() > 0.0);
    assert!(!out.stdout.contains("\"id\":\"a\""), "{}", out.stdout);
    let scores: Vec<f64> = out
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["score"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    related(&["--id", "c", "--top", "1"])
        .assert_success()
        .assert_stdout_contains("d  Relighting neural radiance fields");
    related(&["radiance fields"])
        .assert_success()
        .assert_stdout_contains("  c  Gaussian");
    related(&["--id", "zzz"])
        .assert_failure()
        .assert_stderr_contains("no paper with id \"zzz\"");
    related(&["--id", "a", "--top", "0"]).assert_failure();
    run(paperboy(tmp.path()).args(["related", "--corpus", "/nonexistent.jsonl", "--id", "a"]))
        .assert_failure()
        .assert_stderr_contains("/nonexistent.jsonl");
}

#[test]
fn related_and_search_over_the_store() {
    let tmp = TempDir::new().unwrap();
    let data_dir = tmp.path().join("data");
    let config = write_offline_config(tmp.path(), &data_dir, "");
    run(paperboy(tmp.path())
        .arg("--config")
        .arg(&config)
        .arg("ingest"))
    .assert_success();
    let with_config =
        |args: &[&str]| run(paperboy(tmp.path()).arg("--config").arg(&config).args(args));
    let out = with_config(&["search", "diffusion", "--json", "--top", "3"]);
    out.assert_success();
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
    let first: serde_json::Value =
        serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    let id = first["id"].as_str().unwrap().to_owned();

    let out = with_config(&[
        "related",
        &format!("https://arxiv.org/abs/{id}v2"),
        "--json",
    ]);
    out.assert_success();
    assert_eq!(out.stdout.lines().count(), 5, "{}", out.stdout);
    assert!(
        !out.stdout.contains(&format!("\"id\":\"{id}\"")),
        "{}",
        out.stdout
    );
    with_config(&["related", &id])
        .assert_success()
        .assert_stdout_contains(&format!("related to {id}"))
        .assert_stdout_contains("shares: ");
    // Not stored, and arXiv is off in this config.
    with_config(&["related", "2403.99999"])
        .assert_failure()
        .assert_stderr_contains("fetching papers from arXiv is off");
    with_config(&["search", "\"unbalanced"])
        .assert_failure()
        .assert_stderr_contains("quote");
}
