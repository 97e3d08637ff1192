//! `cargo bench --bench related`: the related-papers index over the ~83,000 real papers in
//! `../shared/data` (or `$PAPERBOY_BENCH_DATA`) against the arxiv-sanity-lite tf-idf
//! baseline computed brute force in the same run.
//!
//! Reports index build time and memory, query latency (p50, p99) for ids and free text, the
//! speed-up over the baseline, agreement with the index's own exact brute force, the cost of
//! adding papers one at a time, and quality: NDCG@20 and MAP of both models on the judged
//! set in `bench/related-judgments.txt`, overall and for each half of the judged queries
//! (first 15 ids, last 15), with the fraction of each model's top 20 that is judged
//! (unjudged results count as non-relevant, so a model retrieving papers outside the pool is
//! understated), and the same for the index with the opt-in weighting
//! (`idf_once`, `bigram_weight` 0.75). Without the corpus it prints why and exits 0.
//!
//! `PAPERBOY_RELATED_POOL=FILE` also writes the grading pool for the judged queries (the
//! union of both models' top 20, with titles and abstracts) so more judgments can be added.

use std::collections::{BTreeSet, HashMap};
use std::error::Error;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use paperboy::related::evaluate::{Evaluation, Judgments, evaluate};
use paperboy::related::{RelatedConfig, RelatedIndex, TfidfBaseline};

const CORPUS: [&str; 3] = [
    "hf-daily-papers/papers.jsonl.gz",
    "arxiv-listings/papers-2025.jsonl.gz",
    "arxiv-listings/papers-2026.jsonl.gz",
];
/// How many evenly spaced papers serve as timed id queries.
const TIMED_QUERIES: usize = 300;
/// How many of them the slow brute-force models answer.
const BRUTE_FORCE_QUERIES: usize = 60;
/// Judged queries the pool is written for when there are no judgments yet.
const POOL_QUERIES: usize = 30;
const DEPTH: usize = 20;

type BenchResult<T> = Result<T, Box<dyn Error>>;

struct CorpusPaper {
    id: String,
    title: String,
    abstract_text: String,
    categories: Vec<String>,
}

fn main() -> BenchResult<()> {
    let data_dir = std::env::var_os("PAPERBOY_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let Some(papers) = read_corpus(&data_dir)? else {
        println!(
            "related bench skipped: corpus not found at {}; set PAPERBOY_BENCH_DATA",
            data_dir.display()
        );
        return Ok(());
    };
    println!(
        "corpus: {} distinct papers from {}",
        papers.len(),
        data_dir.display()
    );

    // Build.
    let before = resident_bytes();
    let start = Instant::now();
    let index = RelatedIndex::build(
        RelatedConfig::default(),
        papers
            .iter()
            .map(|p| (p.id.as_str(), p.title.as_str(), p.abstract_text.as_str())),
    );
    let build_time = start.elapsed();
    let resident = resident_bytes().saturating_sub(before);
    println!(
        "index build: {:.2} s for {} papers; memory {:.1} MB estimated, resident growth {:.1} MB",
        build_time.as_secs_f64(),
        index.len(),
        index.memory_bytes() as f64 / 1e6,
        resident as f64 / 1e6
    );

    // Query latency.
    let step = (papers.len() / TIMED_QUERIES).max(1);
    let queries: Vec<&CorpusPaper> = papers.iter().step_by(step).collect();
    let mut id_times = Vec::new();
    let mut results = Vec::new();
    for paper in &queries {
        let start = Instant::now();
        let related = index
            .related_to_id(&paper.id, DEPTH)
            .ok_or("query paper not indexed")?;
        id_times.push(start.elapsed());
        results.push(related);
    }
    let id_latency = Latency::of(id_times);
    println!(
        "related_to_id, top {DEPTH}, {} queries: {id_latency}",
        queries.len()
    );
    let text_latency = Latency::of(
        queries
            .iter()
            .map(|paper| {
                let start = Instant::now();
                let _ = index.related_to_text(&paper.title, DEPTH);
                start.elapsed()
            })
            .collect(),
    );
    println!("related_to_text (titles as queries): {text_latency}");

    // The index against its own exact brute force.
    let exact_queries = &queries[..queries.len().min(BRUTE_FORCE_QUERIES)];
    let (mut overlap, mut total, mut same_top5) = (0usize, 0usize, 0usize);
    for (paper, fast) in exact_queries.iter().zip(&results) {
        let exact = index
            .related_to_id_exact(&paper.id, DEPTH)
            .ok_or("not indexed")?;
        let fast_ids: Vec<&str> = fast.iter().map(|r| r.id.as_str()).collect();
        overlap += exact
            .iter()
            .filter(|r| fast_ids.contains(&r.id.as_str()))
            .count();
        total += exact.len();
        same_top5 += usize::from(
            exact
                .iter()
                .take(5)
                .map(|r| r.id.as_str())
                .eq(fast_ids.iter().take(5).copied()),
        );
    }
    println!(
        "index vs its exact brute force ({} queries): recall@{DEPTH} {:.3}, identical top 5 in {same_top5}",
        exact_queries.len(),
        overlap as f64 / total.max(1) as f64
    );

    // The baseline.
    let triples: Vec<(String, String, String)> = papers
        .iter()
        .map(|p| (p.id.clone(), p.title.clone(), p.abstract_text.clone()))
        .collect();
    let start = Instant::now();
    let baseline = TfidfBaseline::build(&triples);
    println!(
        "baseline (arxiv-sanity-lite tf-idf) build: {:.2} s, {} features",
        start.elapsed().as_secs_f64(),
        baseline.feature_count()
    );
    let mut baseline_times = Vec::new();
    for paper in exact_queries {
        let start = Instant::now();
        let _ = baseline
            .related_to_id(&paper.id, DEPTH)
            .ok_or("not fitted")?;
        baseline_times.push(start.elapsed());
    }
    let baseline_latency = Latency::of(baseline_times);
    println!(
        "baseline brute-force cosine, {} queries: {baseline_latency}",
        exact_queries.len()
    );
    println!(
        "speed-up per query: {:.1}x at p50, {:.1}x at p99",
        baseline_latency.p50.as_secs_f64() / id_latency.p50.as_secs_f64(),
        baseline_latency.p99.as_secs_f64() / id_latency.p99.as_secs_f64()
    );

    // Quality.
    let judgments_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/related-judgments.txt");
    let judgments_text = std::fs::read_to_string(&judgments_path).ok();
    let judgments = match &judgments_text {
        Some(text) => {
            let (judgments, errors) = Judgments::parse(text);
            for error in &errors {
                println!("{}: {error}", judgments_path.display());
            }
            Some(judgments)
        }
        None => {
            println!(
                "no judgments at {}: quality not measured",
                judgments_path.display()
            );
            None
        }
    };
    if let Some(judgments) = &judgments {
        let ours = evaluate(judgments, |query| {
            index
                .related_to_id(query, DEPTH)
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.id)
                .collect()
        });
        let theirs = evaluate(judgments, |query| {
            baseline
                .related_to_id(query, DEPTH)
                .unwrap_or_default()
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        });
        report_quality(judgments, &ours, &theirs);
        let rank_ours = |query: &str| -> Vec<String> {
            index
                .related_to_id(query, DEPTH)
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        let rank_theirs = |query: &str| -> Vec<String> {
            baseline
                .related_to_id(query, DEPTH)
                .unwrap_or_default()
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        };
        let candidate = RelatedIndex::build(
            RelatedConfig {
                idf_once: true,
                bigram_weight: 0.75,
                ..RelatedConfig::default()
            },
            papers
                .iter()
                .map(|p| (p.id.as_str(), p.title.as_str(), p.abstract_text.as_str())),
        );
        let rank_candidate = |query: &str| -> Vec<String> {
            candidate
                .related_to_id(query, DEPTH)
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        report_halves(
            judgments_text.as_deref().unwrap_or(""),
            judgments,
            &[
                ("paperboy RelatedIndex", &rank_ours),
                ("tf-idf baseline (arxiv-sanity-lite)", &rank_theirs),
                ("RelatedIndex idf_once, bigram 0.75", &rank_candidate),
            ],
        );
    }

    if let Some(pool_path) = std::env::var_os("PAPERBOY_RELATED_POOL") {
        let query_ids: Vec<String> = match &judgments {
            Some(judgments) if !judgments.is_empty() => {
                judgments.queries().map(str::to_owned).collect()
            }
            _ => pool_queries(&papers),
        };
        let by_id: HashMap<&str, &CorpusPaper> =
            papers.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut out = String::new();
        for query in &query_ids {
            let Some(paper) = by_id.get(query.as_str()) else {
                continue;
            };
            let mut pool = BTreeSet::new();
            pool.extend(
                index
                    .related_to_id(query, DEPTH)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| r.id),
            );
            pool.extend(
                baseline
                    .related_to_id(query, DEPTH)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(id, _)| id),
            );
            writeln!(
                out,
                "=== QUERY {query}\nTITLE: {}\nABSTRACT: {}\n",
                paper.title, paper.abstract_text
            )?;
            for candidate in pool {
                if let Some(c) = by_id.get(candidate.as_str()) {
                    writeln!(
                        out,
                        "--- {query} {candidate}\nTITLE: {}\nABSTRACT: {}\n",
                        c.title,
                        snippet(&c.abstract_text, 600)
                    )?;
                }
            }
        }
        std::fs::write(&pool_path, out)?;
        println!(
            "grading pool for {} queries written to {}",
            query_ids.len(),
            PathBuf::from(pool_path).display()
        );
    }

    // Incremental growth: the last 1,000 papers added one at a time.
    drop(baseline);
    let split = papers.len().saturating_sub(1000);
    let mut growing = RelatedIndex::build(
        RelatedConfig::default(),
        papers[..split]
            .iter()
            .map(|p| (p.id.as_str(), p.title.as_str(), p.abstract_text.as_str())),
    );
    let start = Instant::now();
    for paper in &papers[split..] {
        growing.add(&paper.id, &paper.title, &paper.abstract_text);
    }
    println!(
        "incremental add: {:.3} ms per paper over the last {} (repacks included)",
        start.elapsed().as_secs_f64() * 1000.0 / (papers.len() - split).max(1) as f64,
        papers.len() - split
    );
    Ok(())
}

fn report_quality(judgments: &Judgments, ours: &Evaluation, theirs: &Evaluation) {
    println!(
        "judged set: {} queries, {} judgments ({} scored, {} without a relevant candidate)",
        judgments.queries().count(),
        judgments.len(),
        ours.per_query.len(),
        ours.unscored.len()
    );
    println!("{:<34} {:>8} {:>8}", "model", "NDCG@20", "MAP");
    println!(
        "{:<34} {:>8.3} {:>8.3}",
        "paperboy RelatedIndex", ours.ndcg_at_20, ours.map
    );
    println!(
        "{:<34} {:>8.3} {:>8.3}",
        "tf-idf baseline (arxiv-sanity-lite)", theirs.ndcg_at_20, theirs.map
    );
    let wins = ours
        .per_query
        .iter()
        .zip(&theirs.per_query)
        .filter(|(a, b)| a.ndcg_at_20 > b.ndcg_at_20 + 1e-9)
        .count();
    let losses = ours
        .per_query
        .iter()
        .zip(&theirs.per_query)
        .filter(|(a, b)| a.ndcg_at_20 + 1e-9 < b.ndcg_at_20)
        .count();
    println!(
        "per query NDCG@20: paperboy better on {wins}, baseline better on {losses}, tied on the rest"
    );
}

type Ranker<'a> = &'a dyn Fn(&str) -> Vec<String>;

/// NDCG@20 and MAP on each half of the judged queries (the first half of the ids in order,
/// then the rest), and the fraction of the top 20 that is judged.
fn report_halves(text: &str, judgments: &Judgments, models: &[(&str, Ranker<'_>)]) {
    let queries: Vec<&str> = judgments.queries().collect();
    let (first, second) = queries.split_at(queries.len().div_ceil(2));
    // The judgments file's lines of these queries.
    let half = |ids: &[&str]| -> Judgments {
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| {
                let query = line
                    .split('#')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .next();
                query.is_some_and(|query| ids.contains(&query))
            })
            .collect();
        Judgments::parse(&lines.join("\n")).0
    };
    let halves = [half(first), half(second)];
    println!(
        "{:<34} {:>15} {:>15} {:>7}",
        "model (NDCG@20 MAP)",
        format!("first {}", first.len()),
        format!("last {}", second.len()),
        "judged"
    );
    for (name, rank) in models {
        let scores: Vec<Evaluation> = halves.iter().map(|h| evaluate(h, rank)).collect();
        let (mut judged, mut total) = (0usize, 0usize);
        for &query in &queries {
            for candidate in rank(query) {
                total += 1;
                judged += usize::from(judgments.grade(query, &candidate).is_some());
            }
        }
        println!(
            "{name:<34} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>6.1}%",
            scores[0].ndcg_at_20,
            scores[0].map,
            scores[1].ndcg_at_20,
            scores[1].map,
            100.0 * judged as f64 / total.max(1) as f64
        );
    }
}

/// Evenly spaced computer-science papers with an abstract, for a new grading pool.
fn pool_queries(papers: &[CorpusPaper]) -> Vec<String> {
    let cs: Vec<&CorpusPaper> = papers
        .iter()
        .filter(|p| {
            p.abstract_text.len() > 200 && p.categories.iter().any(|c| c.starts_with("cs."))
        })
        .collect();
    let step = (cs.len() / POOL_QUERIES).max(1);
    cs.iter()
        .step_by(step)
        .take(POOL_QUERIES)
        .map(|p| p.id.clone())
        .collect()
}

fn snippet(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

fn read_corpus(dir: &Path) -> BenchResult<Option<Vec<CorpusPaper>>> {
    let mut papers = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in CORPUS {
        let Ok(file) = std::fs::File::open(dir.join(name)) else {
            return Ok(None);
        };
        let mut text = String::new();
        flate2::read::GzDecoder::new(file).read_to_string(&mut text)?;
        for line in text.lines() {
            let Ok(paper) = paperboy::feeds::jsonl::parse_line(line) else {
                continue;
            };
            if !seen.insert(paper.id.as_str().to_owned()) {
                continue;
            }
            papers.push(CorpusPaper {
                id: paper.id.as_str().to_owned(),
                title: paper.title.unwrap_or_default(),
                abstract_text: paper.abstract_text.unwrap_or_default(),
                categories: paper.categories,
            });
        }
    }
    Ok(Some(papers))
}

struct Latency {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Latency {
    fn of(mut times: Vec<Duration>) -> Latency {
        times.sort();
        let at = |p: f64| {
            times
                .get(((times.len() as f64 - 1.0) * p).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        Latency {
            p50: at(0.5),
            p99: at(0.99),
            max: times.last().copied().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )
    }
}

fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}
