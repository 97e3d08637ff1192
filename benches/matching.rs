//! `cargo bench --bench matching`: the matching engine (`paperboy::engine::MatchEngine`)
//! against the naive reference (`naive_matches`, every follow evaluated against every paper),
//! on real papers and follows drawn from real vocabulary in `../shared/data` (or
//! `$PAPERBOY_BENCH_DATA`).
//!
//! Follows: 100,000 subscribers × 10 follows, built from the Hugging Face `ai_keywords`
//! (drawn by occurrence, so popular keywords are followed more often) with a fixed-seed
//! PRNG: mostly plain keywords, some quoted phrases, `OR`s and exclusions. Papers: the most
//! recent 1,000 of the 2026 arXiv listings; the other papers of that file are the document
//! frequencies the engine uses to pick rare anchors. For the first 10 k, 100 k and 1 M
//! follows it reports the engine's build time and resident memory, the time to match the
//! 1,000 papers on one and on two threads, both grouped (`match_queries`, each matching
//! distinct query once with its owners, the fast path) and as flat (follow, query) pairs
//! (`match_doc`), and the naive time, measured on a sample of the papers and scaled linearly
//! to 1,000. On that sample it checks that both ways give exactly the naive reference's
//! (follow, paper) pairs. Without the data it prints why and exits 0. Results go in
//! `BENCHMARKS.md`.

use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use paperboy::engine::{FollowKey, MatchEngine, MatchScratch, naive_matches};
use paperboy::import::read_corpus;
use paperboy::paper::Paper;
use paperboy::query::eval::{Doc, DocFrequencies};
use paperboy::query::parse::{QueryLimits, parse_query};
use paperboy::query::{Field, Node};

/// The vocabulary follows are drawn from, relative to the data directory.
const VOCABULARY: &str = "hf-daily-papers/papers.jsonl.gz";
/// The papers: the most recent ones are matched, the rest give term frequencies.
const PAPERS: &str = "arxiv-listings/papers-2026.jsonl.gz";
const MATCHED_PAPERS: usize = 1_000;
const SUBSCRIBERS: u64 = 100_000;
const FOLLOWS_PER_SUBSCRIBER: u64 = 10;
/// Each size is the first N follows, i.e. the first N / 10 subscribers.
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
/// Papers the naive reference evaluates at each size. Its cost is one `matches` call per
/// follow per paper, exactly linear in papers, so the sample's time is scaled to 1,000.
const NAIVE_SAMPLE: [usize; 3] = [1_000, 200, 50];
/// Timed passes of the engine over the 1,000 papers; the best is reported.
const MATCH_RUNS: usize = 3;
/// The targets from the issue, at 1 M follows.
const TARGET_SECONDS: f64 = 0.5;
const TARGET_SPEEDUP: f64 = 100.0;
/// The PRNG seed: every run draws the same follows.
const SEED: u64 = 0x2545_F491_4F6C_DD1D;

type BenchResult<T> = Result<T, Box<dyn Error>>;

fn main() -> BenchResult<()> {
    let started = Instant::now();
    let data_dir = std::env::var_os("PAPERBOY_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let vocabulary_path = data_dir.join(VOCABULARY);
    let papers_path = data_dir.join(PAPERS);
    if let Some(missing) = [&vocabulary_path, &papers_path]
        .into_iter()
        .find(|path| !path.is_file())
    {
        println!(
            "matching bench skipped: corpus not found at {} (missing {}); set PAPERBOY_BENCH_DATA",
            data_dir.display(),
            missing.display()
        );
        return Ok(());
    }
    // A fixed clock: `read_corpus` stamps papers without a date with it.
    let now: DateTime<Utc> = "2026-07-02T00:00:00Z".parse()?;

    // Everything read or built before the engines stays alive until the end, so that memory
    // it would free cannot be reused by an engine and hide from the resident-size figure.
    let vocabulary = read_vocabulary(&vocabulary_path)?;
    println!(
        "vocabulary: {} ai_keywords ({} distinct, {} multi-word occurrences) of {} papers in {}",
        vocabulary.keywords.len(),
        vocabulary.distinct,
        vocabulary.multi_word.len(),
        vocabulary.papers,
        vocabulary_path.display()
    );

    let (mut papers, skipped) = read_corpus(&papers_path, now)?;
    if skipped > 0 {
        return Err(format!("{}: {skipped} lines skipped", papers_path.display()).into());
    }
    // The file is sorted by listing date already; sorting again makes "most recent" explicit.
    papers.sort_by(|a, b| (a.submitted_at, &a.id).cmp(&(b.submitted_at, &b.id)));
    let split = papers
        .len()
        .checked_sub(MATCHED_PAPERS)
        .ok_or("fewer papers than the bench matches")?;
    let (background, recent) = papers.split_at(split);

    let start = Instant::now();
    let docs: Vec<Doc> = recent.iter().map(Doc::from_paper).collect();
    let analysis = start.elapsed();
    println!(
        "papers: the {} most recent of {} ({} .. {}); Doc::from_paper for all {}: {} ({:.0} µs per paper)",
        docs.len(),
        papers_path.display(),
        listed(recent.first()),
        listed(recent.last()),
        docs.len(),
        secs(analysis),
        analysis.as_secs_f64() * 1e6 / docs.len() as f64,
    );

    let start = Instant::now();
    let mut frequencies = DocFrequencies::default();
    for paper in background {
        frequencies.add(&Doc::from_paper(paper));
    }
    println!(
        "term frequencies for anchor choice: DocFrequencies over the other {} papers of the file ({} .. {}), counted in {}",
        frequencies.documents(),
        listed(background.first()),
        listed(background.last()),
        secs(start.elapsed()),
    );

    let start = Instant::now();
    let generated = generate_follows(&vocabulary);
    let follows = &generated.follows;
    println!(
        "follows: {} subscribers × {} = {} follows, generated and parsed in {}",
        SUBSCRIBERS,
        FOLLOWS_PER_SUBSCRIBER,
        follows.len(),
        secs(start.elapsed())
    );
    for shape in Shape::ALL {
        let i = shape as usize;
        println!(
            "  {:<38} {:>7} follows ({:>4.1}%), {:>6} distinct texts; {} drawn texts refused by parse_query",
            shape.describe(),
            generated.made[i],
            100.0 * generated.made[i] as f64 / follows.len() as f64,
            generated.distinct_texts[i],
            generated.refused[i],
        );
    }
    println!(
        "  {} draws repeated a follow the subscriber already had and were drawn again",
        generated.repeats
    );

    // Build every engine first and keep them all, so each build starts from a heap with
    // little freed memory to reuse (the matching passes free a lot).
    let mut engines = Vec::new();
    for &size in &SIZES {
        let before = resident_bytes();
        let start = Instant::now();
        let mut engine = MatchEngine::new();
        let mut refused = 0;
        for (key, node) in &follows[..size] {
            if !engine.add(*key, node, &frequencies) {
                refused += 1;
            }
        }
        let build = start.elapsed();
        let after = resident_bytes();
        if refused > 0 || engine.follow_count() != size {
            println!(
                "WARNING: the engine refused {refused} of {size} parsed follows (it holds {})",
                engine.follow_count()
            );
        }
        engines.push(Built {
            engine,
            build,
            resident_before: before,
            resident_after: after,
        });
    }

    let mut rows = Vec::new();
    for ((&size, &sample), built) in SIZES.iter().zip(&NAIVE_SAMPLE).zip(&engines) {
        rows.push(measure(size, sample, built, &follows[..size], &docs));
    }

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
        "{:>9} | {:>8} | {:>7} | {:>8} | {:>17} | {:>17} | {:>8} | {:>10} | {:>10} | {:>24} | {:>13}",
        "follows",
        "queries",
        "build",
        "memory",
        "grouped 1t/2t",
        "flat pairs 1t/2t",
        "matched",
        "pairs",
        "candidates",
        "naive 1,000 (sample)",
        "speed-up g/f"
    );
    for row in &rows {
        let naive = if row.naive_sample == docs.len() {
            format!("{} (measured)", secs_f(row.naive_per_1000))
        } else {
            format!(
                "{} (x{} papers)",
                secs_f(row.naive_per_1000),
                row.naive_sample
            )
        };
        println!(
            "{:>9} | {:>8} | {:>7} | {:>8} | {:>17} | {:>17} | {:>8} | {:>10} | {:>10} | {:>24} | {:>13}",
            row.follows,
            row.queries,
            secs(row.build),
            mb(row.memory),
            format!(
                "{} / {}",
                secs(row.grouped.best),
                secs(row.grouped.two_threads)
            ),
            format!("{} / {}", secs(row.flat.best), secs(row.flat.two_threads)),
            row.matched_queries,
            row.pairs,
            row.candidates,
            naive,
            format!(
                "{:.0}x / {:.0}x",
                row.naive_per_1000 / row.grouped.best.as_secs_f64(),
                row.naive_per_1000 / row.flat.best.as_secs_f64()
            ),
        );
    }
    println!();
    println!(
        "queries: distinct queries in the engine; memory: growth of the process's resident set \
         (VmRSS) while adding the follows, not allocator-counted bytes (see BENCHMARKS.md)"
    );
    println!(
        "grouped: MatchEngine::match_queries with one reused MatchScratch per thread, each matching distinct query once \
         with its owner slice; the owner counts are summed, the owners themselves not read"
    );
    println!(
        "flat pairs: MatchEngine::match_doc, one (FollowKey, &Node) per matching follow in a new Vec, fresh buffers per call"
    );
    println!(
        "matched: distinct (query, paper) matches; pairs: (follow, paper) matches; candidates: queries the engine \
         evaluated (counted by the engine), over all 1,000 papers"
    );
    println!("speed-up g/f: naive over grouped and over flat pairs, both on one thread");
    for row in &rows {
        println!(
            "{:>9} follows: resident {} -> {}; grouped runs {} (two threads: {}); flat-pairs runs {} (two threads: {}); naive: {} over {} papers",
            row.follows,
            mb(row.resident_before),
            mb(row.resident_after),
            list_secs(&row.grouped.runs),
            list_secs(&row.grouped.two_thread_runs),
            list_secs(&row.flat.runs),
            list_secs(&row.flat.two_thread_runs),
            secs(row.naive_sample_time),
            row.naive_sample,
        );
    }
    for row in &rows {
        if row.mismatched.is_empty() {
            println!(
                "engine == naive on {} sampled papers at {} follows ({} pairs; both match_doc and match_queries expanded to pairs)",
                row.naive_sample, row.follows, row.sample_pairs
            );
        } else {
            println!(
                "WARNING: engine != naive at {} follows on {} of {} sampled papers: {}",
                row.follows,
                row.mismatched.len(),
                row.naive_sample,
                row.mismatched.join("; ")
            );
        }
    }

    let stats: Vec<AnchorStats> = SIZES
        .iter()
        .map(|&size| anchor_stats(&follows[..size], &frequencies, &docs))
        .collect();
    for (row, stats) in rows.iter().zip(&stats) {
        println!(
            "{:>9} follows: {} candidate evaluations per paper (counted; {} reconstructed from the anchor rule), \
             {:.0}% of them match; {:.0} ns of the best grouped time per candidate",
            row.follows,
            row.candidates / docs.len(),
            stats.evaluations / docs.len(),
            100.0 * row.matched_queries as f64 / row.candidates.max(1) as f64,
            row.grouped.best.as_secs_f64() * 1e9 / row.candidates.max(1) as f64,
        );
    }
    if let (Some(row), Some(stats)) = (rows.last(), stats.last()) {
        report_anchors(row, stats, &frequencies, docs.len());
    }

    let largest = rows.last().ok_or("no sizes measured")?;
    println!();
    for (label, timing) in [
        ("grouped (match_queries)", &largest.grouped),
        ("flat pairs (match_doc)", &largest.flat),
    ] {
        let speedup = largest.naive_per_1000 / timing.best.as_secs_f64();
        println!(
            "targets at {} follows, {label}: match 1,000 papers on one thread {} <= {TARGET_SECONDS} s: {}; on two threads {}: {}; \
             speed-up over naive (one thread; naive extrapolated from {} papers) {speedup:.0}x >= {TARGET_SPEEDUP}x: {}",
            largest.follows,
            secs(timing.best),
            verdict(timing.best.as_secs_f64() <= TARGET_SECONDS),
            secs(timing.two_threads),
            verdict(timing.two_threads.as_secs_f64() <= TARGET_SECONDS),
            largest.naive_sample,
            verdict(speedup >= TARGET_SPEEDUP),
        );
    }
    println!(
        "  with the papers' analysis (Doc::from_paper, {}) added: grouped {}, flat pairs {} on one thread",
        secs(analysis),
        secs(analysis + largest.grouped.best),
        secs(analysis + largest.flat.best),
    );
    println!(
        "  2 cores: each call runs on one thread; the two-thread figures split the papers in halves over std::thread::scope \
         sharing the engine by reference, one MatchScratch per thread"
    );
    println!("bench run time: {}", secs(started.elapsed()));
    // Keep the inputs alive to here (see above).
    drop((
        vocabulary,
        papers,
        frequencies,
        generated.texts,
        generated.seen_texts,
    ));
    Ok(())
}

/// The HF keywords, one entry per occurrence.
struct Vocabulary {
    keywords: Vec<String>,
    /// Indexes into `keywords` of the multi-word ones, for phrases.
    multi_word: Vec<usize>,
    distinct: usize,
    papers: usize,
}

fn read_vocabulary(path: &Path) -> BenchResult<Vocabulary> {
    let reader = BufReader::new(flate2::read::MultiGzDecoder::new(File::open(path)?));
    let mut keywords = Vec::new();
    let mut papers = 0;
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&line)?;
        papers += 1;
        let listed = value.get("ai_keywords").and_then(Value::as_array);
        for keyword in listed.into_iter().flatten().filter_map(Value::as_str) {
            let keyword = keyword.split_whitespace().collect::<Vec<_>>().join(" ");
            if !keyword.is_empty() {
                keywords.push(keyword);
            }
        }
    }
    let multi_word = (0..keywords.len())
        .filter(|&i| keywords[i].contains(' '))
        .collect();
    let distinct = keywords.iter().collect::<HashSet<_>>().len();
    Ok(Vocabulary {
        keywords,
        multi_word,
        distinct,
        papers,
    })
}

/// The kinds of follow drawn, with their share in percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Keyword = 0,
    Phrase = 1,
    Either = 2,
    Excluding = 3,
}

impl Shape {
    const ALL: [Shape; 4] = [
        Shape::Keyword,
        Shape::Phrase,
        Shape::Either,
        Shape::Excluding,
    ];

    fn percent(self) -> u64 {
        match self {
            Shape::Keyword => 70,
            Shape::Phrase => 15,
            Shape::Either => 10,
            Shape::Excluding => 5,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Shape::Keyword => "keyword (words ANDed)",
            Shape::Phrase => "\"multi-word keyword\" (phrase)",
            Shape::Either => "keyword OR keyword",
            Shape::Excluding => "keyword -word",
        }
    }
}

/// xorshift64*: a tiny fixed-seed generator, so the follows are the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Generated {
    follows: Vec<(FollowKey, Node)>,
    /// Every drawn text and its parse, so each distinct text is parsed once.
    texts: HashMap<String, Option<Node>>,
    /// The texts that became follows, by shape.
    seen_texts: [HashSet<String>; 4],
    made: [usize; 4],
    distinct_texts: [usize; 4],
    refused: [usize; 4],
    repeats: usize,
}

fn generate_follows(vocabulary: &Vocabulary) -> Generated {
    let mut rng = XorShift(SEED);
    let limits = QueryLimits::default();
    let mut generated = Generated {
        follows: Vec::with_capacity((SUBSCRIBERS * FOLLOWS_PER_SUBSCRIBER) as usize),
        // Sized up front: a map that grows frees its old table, and an engine built later
        // could reuse that memory without it showing in the resident size.
        texts: HashMap::with_capacity(1 << 19),
        made: [0; 4],
        distinct_texts: [0; 4],
        refused: [0; 4],
        repeats: 0,
        seen_texts: std::array::from_fn(|_| HashSet::with_capacity(1 << 17)),
    };
    for subscriber in 0..SUBSCRIBERS {
        let first = generated.follows.len();
        for follow in 0..FOLLOWS_PER_SUBSCRIBER {
            loop {
                let (shape, text) = draw(vocabulary, &mut rng);
                let node = generated
                    .texts
                    .entry(text.clone())
                    .or_insert_with_key(|text| parse_query(text, &limits).ok());
                let Some(node) = node else {
                    generated.refused[shape as usize] += 1;
                    continue;
                };
                if generated.follows[first..].iter().any(|(_, n)| n == node) {
                    generated.repeats += 1;
                    continue;
                }
                generated
                    .follows
                    .push((FollowKey { subscriber, follow }, node.clone()));
                generated.made[shape as usize] += 1;
                generated.seen_texts[shape as usize].insert(text);
                break;
            }
        }
    }
    for shape in Shape::ALL {
        generated.distinct_texts[shape as usize] = generated.seen_texts[shape as usize].len();
    }
    generated
}

/// One follow as a person would type it.
fn draw(vocabulary: &Vocabulary, rng: &mut XorShift) -> (Shape, String) {
    let keyword = |rng: &mut XorShift| &vocabulary.keywords[rng.below(vocabulary.keywords.len())];
    let mut roll = rng.below(100) as u64;
    let shape = Shape::ALL
        .into_iter()
        .find(|shape| {
            let hit = roll < shape.percent();
            roll = roll.saturating_sub(shape.percent());
            hit
        })
        .unwrap_or(Shape::Keyword);
    let text = match shape {
        Shape::Keyword => keyword(rng).clone(),
        Shape::Phrase => {
            let i = vocabulary.multi_word[rng.below(vocabulary.multi_word.len())];
            format!("\"{}\"", vocabulary.keywords[i])
        }
        Shape::Either => format!("{} OR {}", keyword(rng), keyword(rng)),
        Shape::Excluding => {
            let base = keyword(rng);
            // A word from another keyword that the base keyword does not contain.
            let excluded = loop {
                let other = keyword(rng);
                let words: Vec<&str> = other
                    .split(' ')
                    .filter(|w| w.len() >= 3 && w.chars().all(char::is_alphanumeric))
                    .collect();
                if words.is_empty() {
                    continue;
                }
                let word = words[rng.below(words.len())];
                let lower = word.to_lowercase();
                if !base.to_lowercase().split(' ').any(|w| w == lower) {
                    break word;
                }
            };
            format!("{base} -{excluded}")
        }
    };
    (shape, text)
}

struct Built {
    engine: MatchEngine,
    build: Duration,
    resident_before: u64,
    resident_after: u64,
}

/// Best-of-`MATCH_RUNS` times of one way of matching the 1,000 papers.
struct Timing {
    runs: Vec<Duration>,
    best: Duration,
    two_thread_runs: Vec<Duration>,
    two_threads: Duration,
}

/// What one pass over the papers found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Found {
    /// Distinct (query, paper) matches; 0 where the method does not group.
    queries: usize,
    /// (follow, paper) matches.
    pairs: usize,
    /// Candidate evaluations the engine reported; 0 where not reported.
    candidates: usize,
}

impl std::ops::Add for Found {
    type Output = Found;
    fn add(self, other: Found) -> Found {
        Found {
            queries: self.queries + other.queries,
            pairs: self.pairs + other.pairs,
            candidates: self.candidates + other.candidates,
        }
    }
}

/// Times `pass` over all papers on one thread and, split in halves, on two; checks that
/// every pass finds the same.
fn time_passes(docs: &[Doc], pass: impl Fn(&[Doc]) -> Found + Sync) -> (Timing, Found) {
    let mut runs = Vec::new();
    let mut found = Found::default();
    for _ in 0..MATCH_RUNS {
        let start = Instant::now();
        found = pass(docs);
        runs.push(start.elapsed());
    }
    let mut two_thread_runs = Vec::new();
    for _ in 0..MATCH_RUNS {
        let start = Instant::now();
        let two = std::thread::scope(|scope| {
            let (first, second) = docs.split_at(docs.len() / 2);
            let other = scope.spawn(|| pass(second));
            let mine = pass(first);
            mine + other.join().unwrap_or_default()
        });
        two_thread_runs.push(start.elapsed());
        assert_eq!(two, found, "two threads found other matches");
    }
    let timing = Timing {
        best: runs.iter().copied().min().unwrap_or_default(),
        two_threads: two_thread_runs.iter().copied().min().unwrap_or_default(),
        runs,
        two_thread_runs,
    };
    (timing, found)
}

struct Row {
    follows: usize,
    queries: usize,
    build: Duration,
    memory: u64,
    resident_before: u64,
    resident_after: u64,
    /// `match_queries` with a reused scratch: distinct queries with owner slices.
    grouped: Timing,
    /// `match_doc`: one pair per follow.
    flat: Timing,
    matched_queries: usize,
    pairs: usize,
    candidates: usize,
    naive_sample: usize,
    naive_sample_time: Duration,
    /// Naive seconds scaled to 1,000 papers.
    naive_per_1000: f64,
    sample_pairs: usize,
    /// One line per sampled paper where engine and naive differ.
    mismatched: Vec<String>,
}

fn measure(
    size: usize,
    sample: usize,
    built: &Built,
    follows: &[(FollowKey, Node)],
    docs: &[Doc],
) -> Row {
    let engine = &built.engine;
    let (grouped, found) = time_passes(docs, |docs| match_grouped(engine, docs));
    let (flat, flat_found) = time_passes(docs, |docs| Found {
        pairs: docs.iter().map(|doc| engine.match_doc(doc).len()).sum(),
        ..Found::default()
    });
    assert_eq!(flat_found.pairs, found.pairs, "match_doc found other pairs");

    // The naive reference on evenly spaced papers, and the same papers through the engine,
    // both ways; the groups are expanded to pairs for the comparison.
    let sampled: Vec<usize> = (0..sample).map(|i| i * docs.len() / sample).collect();
    let mut naive_sample_time = Duration::ZERO;
    let mut sample_pairs = 0;
    let mut mismatched = Vec::new();
    let mut scratch = MatchScratch::new();
    for &i in &sampled {
        let start = Instant::now();
        let naive = naive_matches(follows, &docs[i]);
        naive_sample_time += start.elapsed();
        let mut naive: Vec<FollowKey> = naive.into_iter().map(|(key, _)| key).collect();
        naive.sort_unstable();
        sample_pairs += naive.len();
        let flat = engine.match_doc(&docs[i]);
        let grouped: Vec<(FollowKey, &Node)> = engine
            .match_queries(&docs[i], &mut scratch)
            .into_iter()
            .flat_map(|(node, owners)| owners.iter().map(move |key| (*key, node)))
            .collect();
        for (method, found) in [("match_doc", flat), ("match_queries", grouped)] {
            // The engine's query must be the follow's own query, not just its key.
            let wrong_node = found
                .iter()
                .filter(|(key, node)| follows.get(follow_index(key)).map(|(_, n)| n) != Some(*node))
                .count();
            let mut found: Vec<FollowKey> = found.into_iter().map(|(key, _)| key).collect();
            found.sort_unstable();
            if naive != found || wrong_node > 0 {
                let missing = naive
                    .iter()
                    .filter(|k| found.binary_search(k).is_err())
                    .count();
                let extra = found
                    .iter()
                    .filter(|k| naive.binary_search(k).is_err())
                    .count();
                mismatched.push(format!(
                    "paper #{i}, {method}: {missing} missing, {extra} extra, {} duplicated, {wrong_node} with another query",
                    found.len() - found.iter().collect::<HashSet<_>>().len()
                ));
            }
        }
    }
    let naive_per_1000 = naive_sample_time.as_secs_f64() * docs.len() as f64 / sample as f64;

    Row {
        follows: size,
        queries: engine.query_count(),
        build: built.build,
        memory: built.resident_after.saturating_sub(built.resident_before),
        resident_before: built.resident_before,
        resident_after: built.resident_after,
        grouped,
        flat,
        matched_queries: found.queries,
        pairs: found.pairs,
        candidates: found.candidates,
        naive_sample: sample,
        naive_sample_time,
        naive_per_1000,
        sample_pairs,
        mismatched,
    }
}

/// The fast path: one scratch for the pass, each matching query once with its owners.
fn match_grouped(engine: &MatchEngine, docs: &[Doc]) -> Found {
    let mut scratch = MatchScratch::new();
    let mut found = Found::default();
    for doc in docs {
        let matched = engine.match_queries(doc, &mut scratch);
        found.queries += matched.len();
        found.pairs += matched
            .iter()
            .map(|(_, owners)| owners.len())
            .sum::<usize>();
        found.candidates += scratch.last_candidates();
    }
    found
}

fn follow_index(key: &FollowKey) -> usize {
    (key.subscriber * FOLLOWS_PER_SUBSCRIBER + key.follow) as usize
}

/// Where the candidate evaluations go. The engine counts its evaluations
/// (`MatchScratch::last_candidates`) but does not expose its anchors, so this applies the
/// rule its docs state (an AND's rarest required term, every branch of an OR, a phrase's
/// rarest word plus its joined form) to the distinct queries, and counts, per matched paper,
/// the queries anchored on one of its title or abstract terms. A query with two anchors in
/// one paper counts twice, so this slightly overstates the engine's count.
struct AnchorStats {
    distinct_queries: usize,
    queries_by_anchor: HashMap<String, usize>,
    follows_by_anchor: HashMap<String, usize>,
    /// Matched papers containing each anchor term.
    papers_by_anchor: HashMap<String, usize>,
    /// Candidate evaluations over all matched papers.
    evaluations: usize,
}

fn anchor_stats(
    follows: &[(FollowKey, Node)],
    frequencies: &DocFrequencies,
    docs: &[Doc],
) -> AnchorStats {
    let mut queries_by_anchor: HashMap<String, usize> = HashMap::new();
    let mut follows_by_anchor: HashMap<String, usize> = HashMap::new();
    let mut distinct: HashSet<&Node> = HashSet::new();
    for (_, node) in follows {
        let anchors = word_anchors(node, frequencies).unwrap_or_default();
        let new = distinct.insert(node);
        for anchor in anchors {
            *follows_by_anchor.entry(anchor.clone()).or_default() += 1;
            if new {
                *queries_by_anchor.entry(anchor).or_default() += 1;
            }
        }
    }
    let mut papers_by_anchor: HashMap<String, usize> = HashMap::new();
    let mut evaluations = 0;
    for doc in docs {
        let terms: HashSet<&str> = doc.title.terms().chain(doc.abstract_text.terms()).collect();
        for term in terms {
            if let Some(&queries) = queries_by_anchor.get(term) {
                evaluations += queries;
                *papers_by_anchor.entry(term.to_owned()).or_default() += 1;
            }
        }
    }
    AnchorStats {
        distinct_queries: distinct.len(),
        queries_by_anchor,
        follows_by_anchor,
        papers_by_anchor,
        evaluations,
    }
}

fn report_anchors(row: &Row, stats: &AnchorStats, frequencies: &DocFrequencies, papers: usize) {
    let mut top: Vec<(&String, &usize)> = stats.queries_by_anchor.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!();
    println!(
        "anchors at {} follows ({} distinct queries, {} distinct anchor terms), reconstructed from the documented rule: \
         about {} candidate evaluations per paper ({:.1}% of the distinct queries); the most shared anchors:",
        row.follows,
        stats.distinct_queries,
        stats.queries_by_anchor.len(),
        stats.evaluations / papers.max(1),
        100.0 * stats.evaluations as f64
            / papers.max(1) as f64
            / stats.distinct_queries.max(1) as f64,
    );
    println!(
        "  {:<20} {:>8} {:>8} {:>16} {:>18}",
        "anchor", "queries", "follows", "in 1,000 papers", "df (other papers)"
    );
    for (anchor, queries) in top.iter().take(10) {
        println!(
            "  {:<20} {:>8} {:>8} {:>16} {:>17.1}%",
            anchor,
            queries,
            stats.follows_by_anchor.get(*anchor).copied().unwrap_or(0),
            stats.papers_by_anchor.get(*anchor).copied().unwrap_or(0),
            100.0 * frequencies.frequency(anchor) as f64 / frequencies.documents().max(1) as f64,
        );
    }
}

/// The title-and-abstract anchors of a follow with no field prefixes (all the bench makes).
fn word_anchors(node: &Node, frequencies: &DocFrequencies) -> Option<Vec<String>> {
    match node {
        Node::Term {
            field: Field::Any,
            term,
        } => Some(vec![term.clone()]),
        Node::Phrase {
            field: Field::Any,
            terms,
        } => {
            let rarest = terms.iter().min_by_key(|t| frequencies.frequency(t))?;
            let mut anchors = vec![rarest.clone()];
            if let [first, second] = terms.as_slice() {
                anchors.push(format!("{first}{second}"));
            }
            Some(anchors)
        }
        Node::And(children) => children
            .iter()
            .filter_map(|c| word_anchors(c, frequencies))
            .min_by_key(|set| {
                set.iter()
                    .map(|t| u64::from(frequencies.frequency(t)))
                    .sum::<u64>()
            }),
        Node::Or(children) => {
            let mut all = Vec::new();
            for child in children {
                all.extend(word_anchors(child, frequencies)?);
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        _ => None,
    }
}

/// The process's resident set size, from `/proc/self/status` (0 where there is none).
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
        })
        .map_or(0, |kb| kb * 1024)
}

fn listed(paper: Option<&Paper>) -> String {
    paper
        .and_then(|p| p.submitted_at)
        .map_or_else(|| "?".to_owned(), |at| at.date_naive().to_string())
}

fn list_secs(durations: &[Duration]) -> String {
    durations
        .iter()
        .map(|d| secs(*d))
        .collect::<Vec<_>>()
        .join(", ")
}

fn secs(duration: Duration) -> String {
    secs_f(duration.as_secs_f64())
}

fn secs_f(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.2} s")
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}
