//! The `paperboy` command line: parses arguments, loads the config, opens the store and
//! hands over to the library. The only place `anyhow` is used.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use paperboy::backfill::{BackfillRequest, Progress, backfill};
use paperboy::clock::Clock;
use paperboy::config::Config;
use paperboy::daemon::App;
use paperboy::ingest::{Ingestor, SourceReport, build_fetcher};
use paperboy::library::RelatedQuery;
use paperboy::matching::FollowQuery;
use paperboy::preview::{self, PoolPaper};
use paperboy::service::{PreparedDigest, RelatedOutcome};
use paperboy::store::SubscriberExport;
use paperboy::store::{Store, StoreError};
use paperboy::subscriber::Address;
use paperboy::{daemon, import, shutdown, status};

#[derive(Parser)]
#[command(
    name = "paperboy",
    version,
    about = "Paper alerts: ingests Hugging Face and arXiv papers and sends keyword digests.",
    long_about = "Paper alerts: ingests Hugging Face and arXiv papers and sends keyword digests.\n\n\
        Without --config, paperboy runs on embedded defaults: a store in ./paperboy-data and \
        the sample feeds bundled in the binary, with no tokens and no network."
)]
struct Cli {
    /// TOML config file (see config.example.toml). Environment variables
    /// PAPERBOY_<SECTION>__<KEY> override its values.
    #[arg(long, short, env = "PAPERBOY_CONFIG", global = true)]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: ingest on its schedule, send digests on each subscriber's schedule,
    /// until SIGINT/SIGTERM.
    Run {
        /// Do one round (poll every source, send the digests due and the start-up digests),
        /// report and exit.
        #[arg(long)]
        once: bool,
    },
    /// Poll every configured source once and report.
    Ingest {
        /// Accepted for clarity; ingest always polls once (the daemon is `run`).
        #[arg(long)]
        once: bool,
    },
    /// Run a chat command as a subscriber, e.g. `cmd --as console:me "/follow diffusion"`.
    Cmd {
        /// The subscriber's address: console:NAME, file:NAME, telegram:CHAT_ID, email:ADDRESS...
        #[arg(long = "as", value_name = "ADDRESS")]
        address: String,
        /// The command text, e.g. "/follow diffusion models".
        text: String,
    },
    /// Build a subscriber's digest now; with --dry-run print it without recording anything.
    Digest {
        #[arg(long, value_name = "ADDRESS")]
        subscriber: String,
        #[arg(long)]
        dry_run: bool,
    },
    /// How many papers a follow query would match in the last 7 and 30 days, and the best.
    Preview {
        /// A query in the follow language, e.g. "\"diffusion model\" -survey".
        query: String,
        /// One window of N days instead of 7 and 30.
        #[arg(long)]
        days: Option<u32>,
        /// Match against a JSONL corpus (normalized papers) instead of the store; "now" is
        /// its newest paper.
        #[arg(long, value_name = "FILE.jsonl")]
        corpus: Option<PathBuf>,
        /// Print every match as one JSON object per line: {"id","title","score"}, best first.
        #[arg(long)]
        json: bool,
    },
    /// Papers related to a stored paper (arXiv id or link) or to some words, best first.
    Related {
        /// An arXiv id or link, a title, or any words. A paper the store lacks is fetched
        /// from the arXiv API once (when the arXiv source is enabled).
        #[arg(required_unless_present = "id", conflicts_with = "id")]
        target: Option<String>,
        /// The paper's id as written in the store or in --corpus (any string there).
        #[arg(long)]
        id: Option<String>,
        /// How many papers; the config's limits.related_results if left out.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        top: Option<u32>,
        /// Relate within a JSONL corpus (id, title, abstract per line; gzip or not)
        /// instead of the store.
        #[arg(long, value_name = "FILE.jsonl")]
        corpus: Option<PathBuf>,
        /// Print one JSON object per line: {"id","title","score"}, best first.
        #[arg(long)]
        json: bool,
    },
    /// Stored papers matching a follow-language query, strongest first.
    Search {
        /// A query in the follow language, e.g. "\"state space model\" -survey".
        query: String,
        /// How many papers; the config's limits.search_results if left out.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        top: Option<u32>,
        /// Print one JSON object per line: {"id","title","score"}, best first.
        #[arg(long)]
        json: bool,
    },
    /// Write every subscriber and their follows as JSON (to a file, or standard output).
    Export { file: Option<PathBuf> },
    /// Restore subscribers and follows from `paperboy export` JSON; existing addresses are
    /// merged, never duplicated.
    ImportState { file: PathBuf },
    /// Load a past date range from the arXiv API and Hugging Face.
    Backfill {
        /// First day, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        from: NaiveDate,
        /// Last day (inclusive), YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        to: NaiveDate,
        /// Backfill from one source only.
        #[arg(long, value_enum)]
        only: Option<BackfillSource>,
    },
    /// Import papers from JSONL files of normalized papers or Hugging Face Daily Papers
    /// JSON arrays (gzip-compressed or not).
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show the store's figures and each source's health.
    Status,
    /// Validate the configuration and print it in effect, secrets redacted.
    CheckConfig,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackfillSource {
    Arxiv,
    Hf,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31"))
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    if cli.config.is_none() {
        tracing::info!(
            data_dir = %config.data_dir.display(),
            "no config file given: using embedded defaults (bundled sample feeds, no network)"
        );
    }
    match cli.command {
        Command::CheckConfig => {
            let origin = match &cli.config {
                Some(path) => format!("from {}", path.display()),
                None => "embedded defaults".to_owned(),
            };
            println!("# configuration is valid ({origin}, environment applied, secrets redacted)");
            print!("{}", config.to_redacted_toml());
            Ok(())
        }
        Command::Status => show_status(&config),
        Command::Import { files } => import_files(&config, &files),
        Command::Run { once } => run_daemon(config, once),
        Command::Ingest { once: _ } => run_ingest(config),
        Command::Cmd { address, text } => run_command(config, &address, &text),
        Command::Digest {
            subscriber,
            dry_run,
        } => run_digest(config, &subscriber, dry_run),
        Command::Export { file } => export_state(&config, file.as_deref()),
        Command::Preview {
            query,
            days,
            corpus,
            json,
        } => run_preview(&config, &query, days, corpus.as_deref(), json),
        Command::ImportState { file } => import_state(&config, &file),
        Command::Related {
            target,
            id,
            top,
            corpus,
            json,
        } => {
            let top = top.map_or(config.limits.related_results, |n| n as usize);
            match corpus {
                Some(corpus) => run_related_corpus(&corpus, id, target, top, json),
                None => run_related(config, id.or(target).unwrap_or_default(), top, json),
            }
        }
        Command::Search { query, top, json } => {
            let top = top.map_or(config.limits.search_results, |n| n as usize);
            run_search(config, &query, top, json)
        }
        Command::Backfill { from, to, only } => {
            if from > to {
                bail!("--from {from} is after --to {to}");
            }
            let request = BackfillRequest {
                from,
                to,
                arxiv: !matches!(only, Some(BackfillSource::Hf)),
                hf: !matches!(only, Some(BackfillSource::Arxiv)),
            };
            run_backfill(config, request)
        }
    }
}

fn open_store(config: &Config) -> anyhow::Result<Arc<Store>> {
    Ok(Arc::new(Store::open(&config.data_dir)?))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn ingestor(config: Config) -> anyhow::Result<Ingestor> {
    let store = open_store(&config)?;
    let fetcher = build_fetcher(&config)?;
    Ok(Ingestor::new(store, fetcher, Arc::new(config)))
}

/// The runtime and the app built inside it (front ends spawn their workers on it).
fn app(config: Config) -> anyhow::Result<(tokio::runtime::Runtime, App)> {
    let runtime = runtime()?;
    let app = {
        let _inside = runtime.enter();
        App::new(ingestor(config)?, Clock::System)?
    };
    Ok((runtime, app))
}

fn run_daemon(config: Config, once: bool) -> anyhow::Result<()> {
    let (runtime, app) = app(config)?;
    runtime.block_on(async move {
        let shutdown = shutdown::listen().context("cannot listen for signals")?;
        if once {
            let report = tokio::select! {
                report = daemon::run_once(&app) => report?,
                () = shutdown.cancelled() => bail!("interrupted"),
            };
            print_reports(&app.ingestor, &report.sources)?;
            println!(
                "digests: {} queued, {} delivered, {} postponed, {} abandoned",
                report.digests_queued,
                report.delivery.sent,
                report.delivery.retried + report.delivery.held,
                report.delivery.abandoned
            );
            Ok(())
        } else {
            daemon::run(&app, shutdown).await?;
            Ok(())
        }
    })
}

fn run_ingest(config: Config) -> anyhow::Result<()> {
    let ingestor = ingestor(config)?;
    runtime()?.block_on(async move {
        let shutdown = shutdown::listen().context("cannot listen for signals")?;
        let reports = tokio::select! {
            reports = ingestor.poll_all(Utc::now()) => reports?,
            () = shutdown.cancelled() => bail!("interrupted"),
        };
        daemon::write_status(&ingestor);
        print_reports(&ingestor, &reports)
    })
}

fn parse_address(text: &str) -> anyhow::Result<Address> {
    Ok(text.parse::<Address>()?)
}

fn run_command(config: Config, address: &str, text: &str) -> anyhow::Result<()> {
    let address = parse_address(address)?;
    let (runtime, app) = app(config)?;
    runtime.block_on(async move {
        let now = app.clock.now();
        app.ensure_configured_subscribers(now)?;
        let reply = app.service.run_command(&address, text, now).await?;
        print!("{}", reply.to_plain_text());
        // A /digest queued a message: deliver it before exiting.
        let (delivery, _) = app.deliverer.deliver_due(app.clock.now()).await?;
        let postponed = delivery.retried + delivery.held;
        if postponed + delivery.abandoned > 0 {
            eprintln!(
                "delivery: {} sent, {} postponed, {} abandoned (see the log)",
                delivery.sent, postponed, delivery.abandoned
            );
        }
        Ok(())
    })
}

fn run_digest(config: Config, subscriber: &str, dry_run: bool) -> anyhow::Result<()> {
    let address = parse_address(subscriber)?;
    let (runtime, app) = app(config)?;
    runtime.block_on(async move {
        let now = app.clock.now();
        let Some(subscriber) = app.store().subscriber_by_address(&address)? else {
            bail!(
                "no subscriber at {address}; create one with `paperboy cmd --as {address} /start`"
            );
        };
        match app.service.prepare_digest(&subscriber, None, now)? {
            PreparedDigest::Empty { .. } => {
                println!(
                    "{address} would get nothing: no new papers match since {}",
                    subscriber.digested_until
                );
            }
            PreparedDigest::Message {
                entry, subscriber, ..
            } => {
                println!("{}\n\n{}", entry.subject, entry.message.to_plain_text());
                if !dry_run {
                    app.store().queue_message(&entry, &subscriber, now)?;
                    app.store().flush_async().await?;
                    let (delivery, _) = app.deliverer.deliver_due(now).await?;
                    println!(
                        "delivered: {}, postponed: {}",
                        delivery.sent, delivery.retried
                    );
                }
            }
        }
        Ok(())
    })
}

fn run_preview(
    config: &Config,
    text: &str,
    days: Option<u32>,
    corpus: Option<&std::path::Path>,
    json: bool,
) -> anyhow::Result<()> {
    let query = FollowQuery::parse(text, config.limits.max_query_chars)
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let windows = match days {
        Some(0) => bail!("--days must be at least 1"),
        Some(days) => vec![days],
        None => vec![7, 30],
    };
    let widest = windows.iter().copied().max().unwrap_or(30);
    let now = Utc::now();
    let (papers, now) = match corpus {
        Some(path) => {
            let (papers, skipped) = import::read_corpus(path, now)?;
            if skipped > 0 {
                eprintln!("{}: {skipped} malformed lines skipped", path.display());
            }
            let newest = papers.iter().map(|p| p.stored_at).max().unwrap_or(now);
            (papers, newest)
        }
        None => {
            let store = open_store(config)?;
            let since = now - chrono::Duration::days(i64::from(widest));
            let papers = store
                .papers_stored_since(since)
                .filter(|p| !matches!(p, Ok(paper) if !paper.is_announcement()))
                .collect::<Result<Vec<_>, _>>()?;
            (papers, now)
        }
    };
    let pool: Vec<PoolPaper<'_>> = papers
        .iter()
        .map(|p| PoolPaper::new(p, p.stored_at))
        .collect();
    let weights = preview::pool_weights(&pool);
    let found = preview::preview(&query, &pool, &windows, now, &weights);
    if json {
        for scored in &found.matches {
            println!(
                "{}",
                serde_json::json!({"id": scored.paper.id.as_str(), "title": scored.paper.title, "score": scored.score})
            );
        }
        return Ok(());
    }
    println!("{}", query.normalized());
    for (days, count) in &found.counts {
        println!("  last {days} days: {count} papers");
    }
    for scored in found.matches.iter().take(5) {
        println!(
            "  {:6.2}  {}  {}",
            scored.score, scored.paper.id, scored.paper.title
        );
    }
    Ok(())
}

/// One result line of `related` and `search`.
fn print_result(rank: usize, id: &str, title: &str, score: f32, json: bool, detail: &[String]) {
    if json {
        println!(
            "{}",
            serde_json::json!({"id": id, "title": title, "score": score})
        );
        return;
    }
    println!("{rank:>3}. {score:6.3}  {id}  {}", single_line(title));
    if !detail.is_empty() {
        println!("              shares: {}", detail.join(", "));
    }
}

fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn run_related(config: Config, target: String, top: usize, json: bool) -> anyhow::Result<()> {
    let parsed = paperboy::command::parse(
        &format!("/related {target}"),
        &paperboy::command::CommandLimits::default(),
    );
    let target = match parsed {
        Ok(paperboy::command::Command::Related { target }) => target,
        Ok(_) => bail!("cannot read {target:?} as a paper or text"),
        Err(err) => bail!("{err}"),
    };
    let (runtime, app) = app(config)?;
    runtime.block_on(async move {
        let now = app.clock.now();
        let outcome = app.service.related(&target, top, now).await?;
        let answer = match outcome {
            RelatedOutcome::Answer(answer) => answer,
            RelatedOutcome::Unknown { reason, .. } => bail!("{reason}"),
        };
        if !json {
            match &answer.query {
                RelatedQuery::Paper(paper) => {
                    println!("related to {}  {}", paper.id, single_line(&paper.title))
                }
                RelatedQuery::Text(text) => println!("related to {text:?}"),
            }
            if answer.results.is_empty() {
                println!("no stored paper shares enough distinctive words with it");
            }
        }
        for (rank, (paper, related)) in answer.results.iter().enumerate() {
            print_result(
                rank + 1,
                paper.id.as_str(),
                &paper.title,
                related.score,
                json,
                &related.shared_terms,
            );
        }
        app.store().flush_async().await?;
        Ok(())
    })
}

fn run_related_corpus(
    corpus: &std::path::Path,
    id: Option<String>,
    text: Option<String>,
    top: usize,
    json: bool,
) -> anyhow::Result<()> {
    let (papers, skipped) = import::read_text_corpus(corpus)?;
    if skipped > 0 {
        eprintln!("{}: {skipped} malformed lines skipped", corpus.display());
    }
    let index = paperboy::related::RelatedIndex::build(
        paperboy::related::RelatedConfig::default(),
        papers
            .iter()
            .map(|p| (p.id.as_str(), p.title.as_str(), p.abstract_text.as_str())),
    );
    let related = match (&id, &text) {
        (Some(id), _) => index
            .related_to_id(id, top)
            .with_context(|| format!("no paper with id {id:?} in {}", corpus.display()))?,
        (None, Some(text)) => match index.related_to_id(text, top) {
            Some(related) => related,
            None => index.related_to_text(text, top),
        },
        (None, None) => bail!("give --id ID or some text"),
    };
    let titles: std::collections::HashMap<&str, &str> = papers
        .iter()
        .map(|p| (p.id.as_str(), p.title.as_str()))
        .collect();
    for (rank, item) in related.iter().enumerate() {
        let title = titles.get(item.id.as_str()).copied().unwrap_or_default();
        print_result(
            rank + 1,
            &item.id,
            title,
            item.score,
            json,
            &item.shared_terms,
        );
    }
    Ok(())
}

fn run_search(config: Config, text: &str, top: usize, json: bool) -> anyhow::Result<()> {
    let query = FollowQuery::parse(text, config.limits.max_query_chars)
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let (runtime, app) = app(config)?;
    runtime.block_on(async move {
        let answer = app.service.search(&query, top, app.clock.now()).await?;
        if !json {
            println!("{}: {} papers match", query.normalized(), answer.total);
        }
        for (rank, (paper, score)) in answer.matches.iter().enumerate() {
            print_result(rank + 1, paper.id.as_str(), &paper.title, *score, json, &[]);
        }
        Ok(())
    })
}

fn export_state(config: &Config, file: Option<&std::path::Path>) -> anyhow::Result<()> {
    let store = open_store(config)?;
    let exported = store.export_subscribers()?;
    let json = serde_json::to_string_pretty(&exported)?;
    match file {
        Some(path) => {
            std::fs::write(path, json + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "exported {} subscribers to {}",
                exported.len(),
                path.display()
            );
        }
        None => println!("{json}"),
    }
    Ok(())
}

fn import_state(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let exported: Vec<SubscriberExport> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a paperboy export", file.display()))?;
    let store = open_store(config)?;
    let (created, merged) = store.import_subscribers(&exported)?;
    store.flush()?;
    println!(
        "{}: {created} subscribers created, {merged} merged into existing ones",
        file.display()
    );
    Ok(())
}

fn print_reports(ingestor: &Ingestor, reports: &[SourceReport]) -> anyhow::Result<()> {
    let width = reports.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut total = paperboy::store::MergeCounts::default();
    for report in reports {
        total.add(report.counts);
        let mut line = format!(
            "{:width$}  {} new, {} updated, {} unchanged",
            report.name, report.counts.new, report.counts.updated, report.counts.unchanged
        );
        if report.skipped_entries > 0 {
            line.push_str(&format!(", {} malformed skipped", report.skipped_entries));
        }
        if report.not_modified {
            line.push_str(" (not modified)");
        }
        line.push_str(&format!("  [{}]", report.verdict));
        if let Some(error) = &report.error {
            line.push_str(&format!("\n{:width$}  error: {error}", ""));
        }
        println!("{line}");
    }
    let stats = ingestor.store().stats()?;
    println!(
        "stored: {} new, {} updated, {} unchanged; the store at {} now holds {} papers",
        total.new,
        total.updated,
        total.unchanged,
        ingestor.store().data_dir().display(),
        stats.papers
    );
    Ok(())
}

fn show_status(config: &Config) -> anyhow::Result<()> {
    match Store::open(&config.data_dir) {
        Ok(store) => {
            let snapshot = status::snapshot(&store, config, Utc::now())?;
            print!("{}", status::render(&snapshot));
        }
        Err(StoreError::Locked { .. }) => {
            let snapshot = status::read_snapshot(&config.data_dir).with_context(|| {
                format!(
                    "the daemon holds the store at {} and has not written {} yet",
                    config.data_dir.display(),
                    status::SNAPSHOT_FILE
                )
            })?;
            println!(
                "(the daemon is running; figures as of {})",
                snapshot.generated_at.format("%Y-%m-%d %H:%M:%S UTC")
            );
            print!("{}", status::render(&snapshot));
        }
        Err(err) => return Err(err.into()),
    }
    Ok(())
}

fn import_files(config: &Config, files: &[PathBuf]) -> anyhow::Result<()> {
    for path in files {
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    let store = open_store(config)?;
    let now = Utc::now();
    for path in files {
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        let bar = progress_bar(size, "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})");
        bar.set_message(path.display().to_string());
        let reader_bar = bar.clone();
        let report = import::import_file(
            &store,
            path,
            now,
            move |file| Box::new(reader_bar.wrap_read(file)) as Box<dyn Read + Send>,
            |report| {
                tracing::debug!(committed = report.counts.total(), "import batch committed");
            },
        )?;
        bar.finish_and_clear();
        println!(
            "{}: {} new, {} updated, {} unchanged, {} malformed skipped",
            path.display(),
            report.counts.new,
            report.counts.updated,
            report.counts.unchanged,
            report.skipped
        );
    }
    Ok(())
}

fn run_backfill(config: Config, request: BackfillRequest) -> anyhow::Result<()> {
    let ingestor = ingestor(config)?;
    runtime()?.block_on(async move {
        let shutdown = shutdown::listen().context("cannot listen for signals")?;
        let bar = BarProgress(progress_bar(0, "{msg} [{bar:30}] {pos}/{len} ({eta})"));
        let report = backfill(&ingestor, request, Utc::now(), &bar, &shutdown).await?;
        bar.0.finish_and_clear();
        println!(
            "backfill {} to {}: {} new, {} updated, {} unchanged, {} malformed skipped{}",
            request.from,
            request.to,
            report.counts.new,
            report.counts.updated,
            report.counts.unchanged,
            report.skipped_entries,
            if report.interrupted {
                " (interrupted)"
            } else {
                ""
            }
        );
        for error in &report.errors {
            println!("error: {error}");
        }
        if !report.errors.is_empty() {
            bail!("backfill incomplete; run it again to fill the gaps");
        }
        Ok(())
    })
}

fn progress_bar(total: u64, template: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

struct BarProgress(ProgressBar);

impl Progress for BarProgress {
    fn set_total(&self, total: u64) {
        self.0.set_length(total);
    }

    fn advance(&self, done: u64, message: &str) {
        self.0.set_position(done);
        self.0.set_message(message.to_owned());
    }
}
