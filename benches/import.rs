//! `cargo bench --bench import`: bulk import of the real corpora in `../shared/data` (or
//! `$PAPERBOY_BENCH_DATA`) with paperboy's importer, against a naive baseline that parses
//! each line into a `serde_json::Value` and merges one paper per transaction.
//!
//! Reports wall time, records per second, the raw (decompressed) JSON size, the store's size
//! on disk and the store/raw ratio, plus the time of a second import of the same files into
//! the filled store (the steady state of a nightly re-import). Without the corpora it prints
//! why and exits 0, so nothing else depends on that data. Results go in `BENCHMARKS.md`.

use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use paperboy::import::import_file;
use paperboy::paper::{Discovery, HfSignals, PaperObservation, SourceKind, parse_versioned};
use paperboy::store::{MergeCounts, Store};
use paperboy::text::normalize_whitespace;

/// The corpus, relative to the data directory.
const CORPUS: [&str; 3] = [
    "hf-daily-papers/papers.jsonl.gz",
    "arxiv-listings/papers-2025.jsonl.gz",
    "arxiv-listings/papers-2026.jsonl.gz",
];
/// Fresh imports with paperboy's importer; the best one is reported.
const PAPERBOY_RUNS: usize = 3;
/// The targets from the issue.
const TARGET_SECONDS: f64 = 10.0;
const TARGET_STORE_RATIO: f64 = 2.0;

type BenchResult<T> = Result<T, Box<dyn Error>>;

fn main() -> BenchResult<()> {
    let data_dir = std::env::var_os("PAPERBOY_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let files: Vec<PathBuf> = CORPUS.iter().map(|name| data_dir.join(name)).collect();
    if let Some(missing) = files.iter().find(|path| !path.is_file()) {
        println!(
            "import bench skipped: corpus not found at {} (missing {}); set PAPERBOY_BENCH_DATA",
            data_dir.display(),
            missing.display()
        );
        return Ok(());
    }
    // A fixed clock, so every run writes the same records.
    let now: DateTime<Utc> = "2026-07-02T00:00:00Z".parse()?;

    let corpus = measure_corpus(&files)?;
    println!(
        "corpus: {} ({} files, {} records, {} raw JSON, {} gzip)",
        data_dir.display(),
        files.len(),
        corpus.records,
        mb(corpus.raw_bytes),
        mb(corpus.gzip_bytes),
    );

    // paperboy's importer, best of a few fresh runs; the last store is kept for the
    // re-import and its size reported (every run writes the same records).
    let mut runs = Vec::new();
    let mut filled = None;
    for _ in 0..PAPERBOY_RUNS {
        let dir = tempfile::tempdir()?;
        let run = run_paperboy_import(dir.path(), &files, now)?;
        runs.push(run.elapsed);
        filled = Some((dir, run));
    }
    let (filled_dir, last) = filled.ok_or("no paperboy run")?;
    let best = runs.iter().copied().min().unwrap_or_default();

    // Steady state: the same files again into the filled store.
    let again = run_paperboy_import(filled_dir.path(), &files, now)?;

    // The naive baseline, once (it is the slow one).
    let naive_dir = tempfile::tempdir()?;
    let naive = run_naive_import(naive_dir.path(), &files, now)?;
    let differing = compare_stores(filled_dir.path(), naive_dir.path())?;

    // Other work on the machine shows up as noise in the times; say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!();
    println!(
        "load average at the end (1/5/15 min): {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{:<34} {:>8} {:>10} {:>9} {:>11} {:>7}  counts (new/updated/unchanged)",
        "variant", "time", "records/s", "papers", "store", "/raw"
    );
    let row = |name: &str, elapsed: Duration, run: &ImportRun| {
        println!(
            "{:<34} {:>8} {:>10.0} {:>9} {:>11} {:>6.2}x  {}/{}/{}",
            name,
            format!("{:.2} s", elapsed.as_secs_f64()),
            corpus.records as f64 / elapsed.as_secs_f64(),
            run.papers,
            mb(run.files_bytes),
            run.files_bytes as f64 / corpus.raw_bytes as f64,
            run.counts.new,
            run.counts.updated,
            run.counts.unchanged,
        );
    };
    row(
        &format!("paperboy import (best of {PAPERBOY_RUNS})"),
        best,
        &last,
    );
    row("paperboy re-import, filled store", again.elapsed, &again);
    row("naive (Value, 1 paper/transaction)", naive.elapsed, &naive);
    println!();
    println!(
        "paperboy runs: {}",
        runs.iter()
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "store size: files {} (allocated {}), Store::stats().size_on_disk_bytes {}; naive: files {}, allocated {}",
        mb(last.files_bytes),
        mb(last.allocated_bytes),
        mb(last.sled_bytes),
        mb(naive.files_bytes),
        mb(naive.allocated_bytes),
    );
    println!(
        "speed-up over naive: {:.1}x (naive {:.2} s / paperboy {:.2} s)",
        naive.elapsed.as_secs_f64() / best.as_secs_f64(),
        naive.elapsed.as_secs_f64(),
        best.as_secs_f64()
    );
    if differing > 0 {
        println!(
            "WARNING: {differing} records differ between the paperboy and naive stores; the baseline does not do the same work"
        );
    } else {
        println!("paperboy and naive stores hold identical records");
    }
    let ratio = last.files_bytes as f64 / corpus.raw_bytes as f64;
    println!(
        "targets: time {:.2} s <= {TARGET_SECONDS} s: {}; store/raw {ratio:.2}x <= {TARGET_STORE_RATIO}x: {}",
        best.as_secs_f64(),
        verdict(best.as_secs_f64() <= TARGET_SECONDS),
        verdict(ratio <= TARGET_STORE_RATIO),
    );
    Ok(())
}

struct Corpus {
    records: usize,
    raw_bytes: u64,
    gzip_bytes: u64,
}

/// Decompresses every file once: the raw JSON size and the number of non-blank lines.
fn measure_corpus(files: &[PathBuf]) -> BenchResult<Corpus> {
    let mut corpus = Corpus {
        records: 0,
        raw_bytes: 0,
        gzip_bytes: 0,
    };
    for path in files {
        corpus.gzip_bytes += std::fs::metadata(path)?.len();
        let mut reader = BufReader::with_capacity(1 << 20, decompressed(path)?);
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = reader.read_until(b'\n', &mut line)?;
            if read == 0 {
                break;
            }
            corpus.raw_bytes += read as u64;
            if !line.trim_ascii().is_empty() {
                corpus.records += 1;
            }
        }
    }
    Ok(corpus)
}

fn decompressed(path: &Path) -> BenchResult<Box<dyn Read>> {
    Ok(Box::new(flate2::read::MultiGzDecoder::new(File::open(
        path,
    )?)))
}

/// One import into a store and what it left on disk.
struct ImportRun {
    elapsed: Duration,
    counts: MergeCounts,
    papers: usize,
    /// Sum of the file sizes under the data directory.
    files_bytes: u64,
    /// Blocks actually allocated (what `du` shows).
    allocated_bytes: u64,
    /// sled's own figure.
    sled_bytes: u64,
}

/// Opens the store, imports every file with `paperboy::import::import_file` and flushes;
/// the time covers all three.
fn run_paperboy_import(
    data_dir: &Path,
    files: &[PathBuf],
    now: DateTime<Utc>,
) -> BenchResult<ImportRun> {
    let start = Instant::now();
    let store = Store::open(data_dir)?;
    let mut counts = MergeCounts::default();
    for path in files {
        let report = import_file(
            &store,
            path,
            now,
            |file| Box::new(file) as Box<dyn Read + Send>,
            |_| {},
        )?;
        if report.skipped > 0 {
            return Err(format!("{}: {} lines skipped", path.display(), report.skipped).into());
        }
        counts.add(report.counts);
    }
    store.flush()?;
    let elapsed = start.elapsed();
    finish_run(&store, data_dir, elapsed, counts)
}

/// What a straightforward implementation does: a `Value` per line, the observation built by
/// hand, one `merge_observations` call (one transaction) per paper, one flush at the end.
fn run_naive_import(
    data_dir: &Path,
    files: &[PathBuf],
    now: DateTime<Utc>,
) -> BenchResult<ImportRun> {
    let start = Instant::now();
    let store = Store::open(data_dir)?;
    let mut counts = MergeCounts::default();
    for path in files {
        let reader = BufReader::new(decompressed(path)?);
        for line in reader.lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let value: Value = serde_json::from_str(&line)?;
            let observation = observation_from_value(&value)
                .ok_or_else(|| format!("{}: a line the baseline cannot read", path.display()))?;
            counts.add(store.merge_observations(
                std::slice::from_ref(&observation),
                Discovery::Import,
                now,
            )?);
        }
    }
    store.flush()?;
    let elapsed = start.elapsed();
    finish_run(&store, data_dir, elapsed, counts)
}

fn finish_run(
    store: &Store,
    data_dir: &Path,
    elapsed: Duration,
    counts: MergeCounts,
) -> BenchResult<ImportRun> {
    let stats = store.stats()?;
    let (files_bytes, allocated_bytes) = disk_usage(data_dir)?;
    Ok(ImportRun {
        elapsed,
        counts,
        papers: stats.papers,
        files_bytes,
        allocated_bytes,
        sled_bytes: stats.size_on_disk_bytes,
    })
}

/// The same fields `paperboy::feeds::jsonl::parse_line` reads, taken from a `Value`.
fn observation_from_value(value: &Value) -> Option<PaperObservation> {
    let field = |key: &str| value.get(key).filter(|v| !v.is_null());
    let text = |key: &str| {
        field(key)
            .and_then(Value::as_str)
            .map(normalize_whitespace)
            .filter(|s| !s.is_empty())
    };
    let list = |key: &str| -> Vec<String> {
        field(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(normalize_whitespace)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let date = |key: &str| {
        field(key)
            .and_then(Value::as_str)
            .and_then(|raw| DateTime::parse_from_rfc3339(raw.trim()).ok())
            .map(|date| date.with_timezone(&Utc))
    };
    let count = |key: &str| {
        field(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };

    let (id, version) = parse_versioned(field("id")?.as_str()?).ok()?;
    let has_hf_fields = [
        "upvotes",
        "num_comments",
        "hf_submitted_on_daily_at",
        "ai_keywords",
        "github_repo",
    ]
    .iter()
    .any(|key| field(key).is_some());
    let hf = has_hf_fields.then(|| HfSignals {
        upvotes: count("upvotes").unwrap_or(0),
        num_comments: count("num_comments"),
        github_repo: text("github_repo"),
        keywords: list("ai_keywords"),
        featured_on: date("hf_submitted_on_daily_at").map(|d| d.date_naive()),
        ..HfSignals::default()
    });
    Some(PaperObservation {
        version,
        title: Some(text("title")?),
        abstract_text: text("abstract"),
        authors: list("authors"),
        categories: list("categories"),
        submitted_at: date("published"),
        comment: text("comment"),
        hf,
        ..PaperObservation::new(id, SourceKind::Import)
    })
}

/// Counts records that differ between two stores (reopened here, after their runs closed).
fn compare_stores(left: &Path, right: &Path) -> BenchResult<usize> {
    let left = Store::open(left)?;
    let right = Store::open(right)?;
    let mut differing = 0;
    let mut right_papers = right.papers();
    for paper in left.papers() {
        if right_papers.next().transpose()? != Some(paper?) {
            differing += 1;
        }
    }
    Ok(differing + right_papers.count())
}

/// Sum of file sizes and of allocated blocks under `dir`.
fn disk_usage(dir: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut files = 0;
    let mut allocated = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let metadata = entry.metadata()?;
        if metadata.is_dir() {
            let (f, a) = disk_usage(&entry.path())?;
            files += f;
            allocated += a;
        } else {
            files += metadata.len();
            allocated += metadata.blocks() * 512;
        }
    }
    Ok((files, allocated))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}
