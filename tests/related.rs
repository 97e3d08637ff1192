//! Related papers over a small real corpus: the 30 Hugging Face daily papers of 2026-06-12,
//! the 113 of August 2023 and the arXiv API and feed samples in `tests/data/` (155 papers).
//! Nearest neighbours, free-text queries, replacement, incremental growth, the index
//! against exact brute force, the arxiv-sanity-lite baseline, and the metrics.
//!
//! `cargo test --release --test related -- --ignored --nocapture` also times the index on
//! the ~83,000 real papers in `../shared/data` (or `$PAPERBOY_BENCH_DATA`); without them it
//! says so and passes.

use std::io::Read;

use paperboy::feeds::{arxiv_api, arxiv_feed, hf_daily};
use paperboy::paper::PaperObservation;
use paperboy::related::evaluate::{Judgments, evaluate};
use paperboy::related::{Related, RelatedConfig, RelatedIndex, RelatednessModel, TfidfBaseline};

macro_rules! fixture {
    ($name:literal) => {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/", $name))
            .expect(concat!("fixture ", $name))
    };
}

/// `(id, title, abstract)` of every fixture paper, each id once, in file order.
fn corpus() -> Vec<(String, String, String)> {
    let mut observations: Vec<PaperObservation> = Vec::new();
    observations.extend(
        hf_daily::parse(&fixture!("hf-daily-papers_date-2026-06-12.json"))
            .expect("hf")
            .papers,
    );
    let mut month = Vec::new();
    flate2::read::GzDecoder::new(&fixture!("hf-daily-papers_month-2023-08_pages.json.gz")[..])
        .read_to_end(&mut month)
        .expect("gunzip");
    observations.extend(hf_daily::parse(&month).expect("hf month").papers);
    for page in [
        fixture!("arxiv-api-query_all-transformer-AND-cat-cs.LG_max5.xml"),
        fixture!("arxiv-api-query_cat-cs.CL_max3.xml"),
    ] {
        observations.extend(arxiv_api::parse(&page).expect("api").batch.papers);
    }
    for feed in [
        fixture!("arxiv-atom-feed_cs.LG_2026-09-25_trimmed.xml"),
        fixture!("arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml"),
    ] {
        observations.extend(arxiv_feed::parse(&feed).expect("feed").batch.papers);
    }
    let mut seen = std::collections::HashSet::new();
    observations
        .into_iter()
        .filter(|paper| seen.insert(paper.id.as_str().to_owned()))
        .map(|paper| {
            (
                paper.id.as_str().to_owned(),
                paper.title.unwrap_or_default(),
                paper.abstract_text.unwrap_or_default(),
            )
        })
        .collect()
}

fn build(papers: &[(String, String, String)]) -> RelatedIndex {
    RelatedIndex::build(
        RelatedConfig::default(),
        papers.iter().map(|(id, title, abstract_text)| {
            (id.as_str(), title.as_str(), abstract_text.as_str())
        }),
    )
}

fn ids(related: &[Related]) -> Vec<&str> {
    related.iter().map(|r| r.id.as_str()).collect()
}

/// The fixture corpus, indexed once per test.
fn fixture_index() -> (Vec<(String, String, String)>, RelatedIndex) {
    let papers = corpus();
    let index = build(&papers);
    (papers, index)
}

#[test]
fn the_fixture_corpus_is_what_the_tables_assume() {
    let (papers, index) = fixture_index();
    assert_eq!(papers.len(), 158);
    assert_eq!(index.len(), 158);
    assert!(index.contains("2606.13501") && index.contains("2308.04079"));
}

/// `query`'s nearest neighbour is one of `expected`, and the reason names `term`.
#[track_caller]
fn check_nearest(index: &RelatedIndex, query: &str, expected: &[&str], term: &str) {
    let related = index.related_to_id(query, 5).expect("query is stored");
    let first = related.first().expect("some related paper");
    assert!(
        expected.contains(&first.id.as_str()),
        "{query}: nearest {} (expected one of {expected:?}); all {:?}",
        first.id,
        ids(&related)
    );
    assert!(
        first.shared_terms.iter().any(|shared| shared == term),
        "{query} -> {}: reason {:?} lacks {term:?}",
        first.id,
        first.shared_terms
    );
}

#[test]
fn a_papers_nearest_neighbour_is_the_obviously_related_one() {
    let (_, index) = fixture_index();
    // Two speculative-decoding papers, three years apart.
    check_nearest(
        &index,
        "2606.12243",
        &["2308.04623"],
        "speculative decoding",
    );
    check_nearest(
        &index,
        "2308.04623",
        &["2606.12243"],
        "speculative decoding",
    );
    // Gaussian splatting is a radiance-field renderer; three NeRF papers are in the corpus.
    check_nearest(
        &index,
        "2308.04079",
        &["2308.03757", "2308.03280", "2308.13404"],
        "radiance field",
    );
    check_nearest(&index, "2308.13404", &["2308.03280"], "neural radiance");
    // Articulated objects in robot manipulation; dexterous hands.
    check_nearest(&index, "2606.08103", &["2606.13677"], "articulated");
    check_nearest(&index, "2308.02453", &["2606.13677"], "dexterous");
    // Quantizing networks (OmniQuant, FLIQS).
    check_nearest(&index, "2308.13137", &["2308.03290"], "quantization");
    // LLMs checking their own math reasoning.
    check_nearest(&index, "2308.07921", &["2308.00436"], "verification");
    // Speech language models.
    check_nearest(&index, "2308.06873", &["2308.15930"], "speech model");
    // DETR object detectors.
    check_nearest(&index, "2308.01300", &["2308.01904"], "detr based");
    // Text-to-music generation (MusicLDM, JEN-1, AudioLDM 2).
    check_nearest(
        &index,
        "2308.01546",
        &["2308.04729", "2308.05734"],
        "music generation",
    );
    // LLMs using tools.
    check_nearest(&index, "2308.00675", &["2308.03427"], "tool usage");
    // Multi-agent frameworks for multimodal reasoning.
    check_nearest(&index, "2606.13572", &["2606.09290"], "multi agent");
}

#[test]
fn the_three_nearest_to_gaussian_splatting_are_the_radiance_field_papers() {
    let (_, index) = fixture_index();
    let related = index.related_to_id("2308.04079", 3).expect("stored");
    let mut nearest = ids(&related);
    nearest.sort_unstable();
    assert_eq!(nearest, vec!["2308.03280", "2308.03757", "2308.13404"]);
}

/// The best match for free text, or `None` when nothing matches.
#[track_caller]
fn check_text(index: &RelatedIndex, text: &str, expected: Option<&str>) {
    let related = index.related_to_text(text, 5);
    assert_eq!(
        related.first().map(|r| r.id.as_str()),
        expected,
        "{text:?}: {:?}",
        ids(&related)
    );
}

#[test]
fn free_text_queries() {
    let (_, index) = fixture_index();
    check_text(&index, "diffusion transformer serving", Some("2606.13501"));
    check_text(&index, "Diffusion-Transformer Serving!", Some("2606.13501"));
    check_text(&index, "speculative decoding", Some("2308.04623"));
    check_text(
        &index,
        "relighting neural radiance fields",
        Some("2308.13404"),
    );
    check_text(&index, "gaussian splatting", Some("2308.04079"));
    check_text(
        &index,
        "quantization of large language models",
        Some("2308.13137"),
    );
    check_text(&index, "text-guided music generation", Some("2308.04729"));
    check_text(
        &index,
        "DETR object detection pre-training",
        Some("2308.01300"),
    );
    check_text(&index, "authorship verification", Some("2609.28471"));
    // Nothing to go on: no words, only stopwords, only unknown words.
    check_text(&index, "", None);
    check_text(&index, "the of and we propose", None);
    check_text(&index, "zyxwvut qqqq", None);
    check_text(&index, "\\textbf{} $$ {} 🙂 ---", None);
}

#[test]
fn results_are_scored_ordered_and_exclude_the_query() {
    let (papers, index) = fixture_index();
    for (id, _, _) in &papers {
        let related = index.related_to_id(id, 7).expect("stored");
        assert!(related.len() <= 7);
        assert!(
            related.iter().all(|r| &r.id != id),
            "{id} is its own neighbour"
        );
        assert!(related.iter().all(|r| r.score > 0.0 && r.score <= 1.0));
        assert!(
            related
                .windows(2)
                .all(|pair| pair[0].score >= pair[1].score)
        );
        assert!(
            related
                .iter()
                .all(|r| !r.shared_terms.is_empty() && r.shared_terms.len() <= 3)
        );
    }
    assert_eq!(index.related_to_id("2606.12243", 0), Some(Vec::new()));
    assert_eq!(
        index
            .related_to_id("2606.12243", usize::MAX)
            .map(|r| r.len() < 158),
        Some(true)
    );
}

#[test]
fn an_unknown_id_is_none() {
    let (_, index) = fixture_index();
    for id in [
        "",
        "2606.99999",
        "2606.12243v2",
        "https://arxiv.org/abs/2606.12243",
        "x",
    ] {
        assert_eq!(index.related_to_id(id, 5), None, "{id:?}");
        assert_eq!(index.related_to_id_exact(id, 5), None, "{id:?}");
    }
    assert!(
        RelatedIndex::default()
            .related_to_id("2606.12243", 5)
            .is_none()
    );
    assert!(
        RelatedIndex::default()
            .related_to_text("speculative decoding", 5)
            .is_empty()
    );
}

#[test]
fn re_adding_an_id_replaces_the_paper() {
    let (papers, mut index) = fixture_index();
    // A music paper rewritten as a speculative-decoding one.
    index.add(
        "2308.01546",
        "Faster speculative decoding with draft trees",
        "Speculative decoding speeds up LLM inference by verifying draft tokens in parallel.",
    );
    assert_eq!(index.len(), papers.len());
    let related = index.related_to_id("2308.04623", 3).expect("stored");
    assert!(ids(&related).contains(&"2308.01546"), "{:?}", ids(&related));
    let music = index.related_to_text("text to music generation", 10);
    assert!(!ids(&music).contains(&"2308.01546"), "{:?}", ids(&music));
    // Removing takes it out of every answer.
    assert!(index.remove("2308.01546"));
    assert!(!index.remove("2308.01546"));
    assert_eq!(index.len(), papers.len() - 1);
    assert!(!index.contains("2308.01546"));
    assert_eq!(index.related_to_id("2308.01546", 3), None);
    let related = index.related_to_id("2308.04623", 10).expect("stored");
    assert!(!ids(&related).contains(&"2308.01546"));
}

#[test]
fn adding_papers_one_at_a_time_gives_the_same_answers_as_building_at_once() {
    let (papers, at_once) = fixture_index();
    // Growing one paper at a time repacks every eighth of the index and keeps norms from
    // older corpus figures in between; rescoring makes the answers the same.
    let mut growing = RelatedIndex::default();
    for (id, title, abstract_text) in &papers {
        growing.add(id, title, abstract_text);
    }
    assert_eq!(growing.len(), at_once.len());
    for (id, title, _) in &papers {
        let expected = at_once.related_to_id(id, 5).expect("stored");
        let got = growing.related_to_id(id, 5).expect("stored");
        assert_eq!(ids(&got), ids(&expected), "{id}");
        for (g, e) in got.iter().zip(&expected) {
            assert!((g.score - e.score).abs() < 1e-5, "{id}: {g:?} vs {e:?}");
            assert_eq!(g.shared_terms, e.shared_terms, "{id}");
        }
        assert_eq!(
            ids(&growing.related_to_text(title, 5)),
            ids(&at_once.related_to_text(title, 5))
        );
    }
}

#[test]
fn the_index_agrees_with_exact_brute_force() {
    // Candidates come from the query's postings and cached norms; the pool is then rescored
    // exactly. On this corpus the top 5 must be exactly brute force's: same papers, order,
    // scores and reasons (both sides compute the same sums in the same order).
    let (papers, index) = fixture_index();
    let mut growing = RelatedIndex::default();
    for (id, title, abstract_text) in &papers {
        growing.add(id, title, abstract_text);
    }
    for index in [&index, &growing] {
        for (id, title, _) in &papers {
            let fast = index.related_to_id(id, 5).expect("stored");
            let exact = index.related_to_id_exact(id, 5).expect("stored");
            assert_eq!(fast, exact, "{id}");
            assert_eq!(
                index.related_to_text(title, 5),
                index.related_to_text_exact(title, 5)
            );
        }
    }
    // With very few query terms the pool can miss papers, but what it returns is exact.
    let narrow = RelatedIndex::build(
        RelatedConfig {
            query_terms: 3,
            ..RelatedConfig::default()
        },
        papers
            .iter()
            .map(|(i, t, a)| (i.as_str(), t.as_str(), a.as_str())),
    );
    let exact = narrow
        .related_to_id_exact("2606.12243", 158)
        .expect("stored");
    for related in narrow.related_to_id("2606.12243", 5).expect("stored") {
        let reference = exact
            .iter()
            .find(|e| e.id == related.id)
            .expect("in brute force");
        assert_eq!(related.score, reference.score);
    }
}

#[test]
fn callers_can_hold_any_model() {
    let (_, index) = fixture_index();
    let model: &dyn RelatednessModel = &index;
    assert_eq!(
        model.related_to_id("2606.12243", 3),
        index.related_to_id("2606.12243", 3)
    );
    assert_eq!(
        model.related_to_text("speculative decoding", 3),
        index.related_to_text("speculative decoding", 3)
    );
}

#[test]
fn hostile_input_is_answered_without_panicking() {
    let mut index = RelatedIndex::new(RelatedConfig {
        max_df: f32::NAN,
        min_df: Some(0),
        title_weight: f32::INFINITY,
        query_terms: 0,
    });
    let long = "spectral ".repeat(100_000);
    let inputs = [
        ("", "", ""),
        (
            "a",
            "\\frac{\\alpha}{\\beta} $x^2$ \\cite{k} {{{",
            "\u{202e}\u{0}\u{feff}",
        ),
        ("b", &long, &long),
        (
            "c",
            "ﬁne-tuning Ｔｒａｎｓｆｏｒｍｅｒ",
            "spectral spectral",
        ),
        ("d", "αβγ 日本語 テキスト", "١٢٣ ४५६"),
    ];
    for (id, title, abstract_text) in inputs {
        index.add(id, title, abstract_text);
    }
    index.repack();
    assert_eq!(index.len(), 5);
    for id in ["", "a", "b", "c", "d"] {
        let _ = index.related_to_id(id, 3).expect("stored");
    }
    // One query term walked (0 is read as 1): candidates come only from c's heaviest term,
    // a title word no other paper has; brute force still finds b through `spectral`.
    assert_eq!(index.related_to_id("c", 3), Some(Vec::new()));
    let exact = index.related_to_id_exact("c", 3).expect("stored");
    assert_eq!(ids(&exact), vec!["b"]);
    for text in ["", "{", &long, "日本語", "\u{0}"] {
        let _ = index.related_to_text(text, 3);
    }
    assert!(index.memory_bytes() > 0);
}

#[test]
fn the_baseline_on_the_fixture_corpus_is_sane() {
    let papers = corpus();
    let baseline = TfidfBaseline::build(&papers);
    assert_eq!(baseline.len(), papers.len());
    assert!(
        baseline.feature_count() > 1000,
        "{}",
        baseline.feature_count()
    );
    let nearest = |id: &str| {
        baseline
            .related_to_id(id, 5)
            .expect("fitted")
            .first()
            .map(|(id, _)| id.clone())
    };
    assert_eq!(nearest("2606.12243").as_deref(), Some("2308.04623"));
    assert_eq!(nearest("2308.01300").as_deref(), Some("2308.01904"));
    assert_eq!(nearest("2308.13137").as_deref(), Some("2308.03290"));
    assert_eq!(baseline.related_to_id("2606.99999", 5), None);
    for (id, _, _) in &papers {
        let related = baseline.related_to_id(id, 10).expect("fitted");
        assert!(
            related
                .iter()
                .all(|(other, score)| other != id && *score > 0.0 && *score <= 1.0001)
        );
        assert!(related.windows(2).all(|pair| pair[0].1 >= pair[1].1));
    }
    let text = baseline.related_to_text("diffusion transformer serving", 3);
    assert_eq!(text.first().map(|(id, _)| id.as_str()), Some("2606.13501"));
}

/// A tiny judged set over the fixture corpus, graded by reading the abstracts
/// (2 = same problem, 1 = related topic, 0 = judged unrelated).
const JUDGMENTS: &str = "\
# query candidate grade
2606.12243 2308.04623 2   # speculative decoding, both
2606.12243 2308.03421 1   # faster LLM decoding
2606.12243 2609.28471 0   # 'verification' of authorship
2308.04079 2308.03280 2   # radiance fields
2308.04079 2308.13404 2
2308.04079 2308.03757 1
2308.04079 2308.08258 1   # dynamic scene reconstruction
2308.01300 2308.01904 2   # DETR
2308.01300 2308.04556 1   # 3D object detection
2308.01300 2308.05734 0
2308.13137 2308.03290 2   # quantization
2308.13137 2606.10896 0
bad line here
2308.13137 2308.03290 1
";

#[test]
fn metrics_on_a_hand_judged_set() {
    let (judgments, errors) = Judgments::parse(JUDGMENTS);
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![14, 15]);
    assert_eq!(judgments.len(), 12);
    let (papers, index) = fixture_index();
    let ours = evaluate(&judgments, |query| {
        index
            .related_to_id(query, 20)
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.id)
            .collect()
    });
    let baseline = TfidfBaseline::build(&papers);
    let theirs = evaluate(&judgments, |query| {
        baseline
            .related_to_id(query, 20)
            .unwrap_or_default()
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    });
    println!(
        "index:    NDCG@20 {:.3}  MAP {:.3}",
        ours.ndcg_at_20, ours.map
    );
    println!(
        "baseline: NDCG@20 {:.3}  MAP {:.3}",
        theirs.ndcg_at_20, theirs.map
    );
    assert_eq!(ours.per_query.len(), 4);
    // Speculative decoding: the grade-2 paper first and the grade-1 one at rank r, so
    // AP = (1/1 + 2/r) / 2 and NDCG = (3 + 1/log2(r + 1)) / (3 + 1/log2 3).
    let ranked = index.related_to_id("2606.12243", 20).expect("stored");
    assert_eq!(ranked[0].id, "2308.04623");
    let r = 1 + ranked
        .iter()
        .position(|x| x.id == "2308.03421")
        .expect("in the top 20") as i32;
    let speculative = &ours.per_query[3];
    assert_eq!(speculative.query_id, "2606.12243");
    let expected_ap = (1.0 + 2.0 / f64::from(r)) / 2.0;
    let expected_ndcg = (3.0 + 1.0 / f64::from(r + 1).log2()) / (3.0 + 1.0 / 3f64.log2());
    assert!(
        (speculative.average_precision - expected_ap).abs() < 1e-12,
        "{speculative:?}"
    );
    assert!(
        (speculative.ndcg_at_20 - expected_ndcg).abs() < 1e-12,
        "{speculative:?}"
    );
    // Quantization and DETR: every relevant paper ahead of the rest.
    assert_eq!(ours.per_query[2].query_id, "2308.13137");
    assert_eq!(
        (
            ours.per_query[2].ndcg_at_20,
            ours.per_query[2].average_precision
        ),
        (1.0, 1.0)
    );
    assert_eq!(ours.per_query[0].query_id, "2308.01300");
    assert_eq!(
        (
            ours.per_query[0].ndcg_at_20,
            ours.per_query[0].average_precision
        ),
        (1.0, 1.0)
    );
    assert!(ours.ndcg_at_20 > 0.8, "{ours:?}");
}

// ---------------------------------------------------------------------------------------
// Benchmark over the real corpus (ignored: run in release by hand).

/// The corpus, relative to the data directory.
const BENCH_CORPUS: [&str; 3] = [
    "hf-daily-papers/papers.jsonl.gz",
    "arxiv-listings/papers-2025.jsonl.gz",
    "arxiv-listings/papers-2026.jsonl.gz",
];

fn bench_papers() -> Option<Vec<(String, String, String)>> {
    let dir = std::env::var_os("PAPERBOY_BENCH_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let mut papers = Vec::new();
    for name in BENCH_CORPUS {
        let Ok(file) = std::fs::File::open(dir.join(name)) else {
            eprintln!("no {} under {}: benchmark skipped", name, dir.display());
            return None;
        };
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .expect("gunzip corpus");
        for line in text.lines() {
            if let Ok(paper) = paperboy::feeds::jsonl::parse_line(line) {
                papers.push((
                    paper.id.as_str().to_owned(),
                    paper.title.unwrap_or_default(),
                    paper.abstract_text.unwrap_or_default(),
                ));
            }
        }
    }
    Some(papers)
}

fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// User plus system CPU time of this process so far (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(0.0)
}

fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
#[ignore = "benchmark over ../shared/data; run in release with --ignored --nocapture"]
fn benchmark_real_corpus() {
    use std::time::{Duration, Instant};
    let Some(papers) = bench_papers() else {
        return;
    };
    println!("papers read: {}", papers.len());

    let mut config = RelatedConfig::default();
    if let Some(terms) = std::env::var("PAPERBOY_RELATED_QUERY_TERMS")
        .ok()
        .and_then(|terms| terms.parse().ok())
    {
        config.query_terms = terms;
    }
    println!("{config:?}");
    let before = resident_bytes();
    let cpu = cpu_seconds();
    let start = Instant::now();
    let index = RelatedIndex::build(
        config,
        papers.iter().map(|(id, title, abstract_text)| {
            (id.as_str(), title.as_str(), abstract_text.as_str())
        }),
    );
    let build_time = start.elapsed();
    let cpu = cpu_seconds() - cpu;
    let resident = resident_bytes().saturating_sub(before);
    println!(
        "index build: {:.2} s wall, {:.2} s CPU (2 threads) for {} papers; memory estimate {:.1} MB, resident growth {:.1} MB",
        build_time.as_secs_f64(),
        cpu,
        index.len(),
        index.memory_bytes() as f64 / 1e6,
        resident as f64 / 1e6
    );
    println!("{index:?}");

    let step = (papers.len() / 300).max(1);
    let queries: Vec<&str> = papers.iter().step_by(step).map(|p| p.0.as_str()).collect();
    let mut times: Vec<Duration> = Vec::new();
    let mut results = Vec::new();
    for id in &queries {
        let start = Instant::now();
        let related = index.related_to_id(id, 20).expect("stored");
        times.push(start.elapsed());
        results.push(related);
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "related_to_id top 20, {} queries: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, mean {:.2} ms",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().expect("queries")),
        ms(mean)
    );

    let titles: Vec<&str> = papers.iter().step_by(step).map(|p| p.1.as_str()).collect();
    let mut text_times: Vec<Duration> = titles
        .iter()
        .map(|title| {
            let start = Instant::now();
            let _ = index.related_to_text(title, 20);
            start.elapsed()
        })
        .collect();
    text_times.sort();
    println!(
        "related_to_text (titles) top 20: p50 {:.2} ms, p99 {:.2} ms",
        ms(percentile(&text_times, 0.5)),
        ms(percentile(&text_times, 0.99))
    );

    // The index against its exact brute-force reference.
    let exact_queries = &queries[..queries.len().min(60)];
    let mut exact_times = Vec::new();
    let (mut overlap, mut total, mut same_top5) = (0usize, 0usize, 0usize);
    for (id, fast) in exact_queries.iter().zip(&results) {
        let start = Instant::now();
        let exact = index.related_to_id_exact(id, 20).expect("stored");
        exact_times.push(start.elapsed());
        let fast_ids = ids(fast);
        overlap += ids(&exact)
            .iter()
            .filter(|id| fast_ids.contains(id))
            .count();
        total += exact.len();
        same_top5 += usize::from(ids(&exact).iter().take(5).eq(fast_ids.iter().take(5)));
    }
    exact_times.sort();
    println!(
        "exact brute force over the index's vectors: p50 {:.2} ms; recall@20 of the index {:.3}, identical top 5 in {}/{} queries",
        ms(percentile(&exact_times, 0.5)),
        overlap as f64 / total.max(1) as f64,
        same_top5,
        exact_queries.len()
    );

    drop(results);
    if std::env::var_os("PAPERBOY_RELATED_SKIP_BASELINE").is_some() {
        return;
    }
    let start = Instant::now();
    let baseline = TfidfBaseline::build(&papers);
    println!(
        "baseline build: {:.2} s, {} features",
        start.elapsed().as_secs_f64(),
        baseline.feature_count()
    );
    let mut baseline_times: Vec<Duration> = exact_queries
        .iter()
        .map(|id| {
            let start = Instant::now();
            let _ = baseline.related_to_id(id, 20).expect("fitted");
            start.elapsed()
        })
        .collect();
    baseline_times.sort();
    let baseline_p50 = percentile(&baseline_times, 0.5);
    println!(
        "baseline brute-force cosine top 20: p50 {:.2} ms, p99 {:.2} ms; index is {:.1}x faster at p50",
        ms(baseline_p50),
        ms(percentile(&baseline_times, 0.99)),
        baseline_p50.as_secs_f64() / percentile(&times, 0.5).as_secs_f64()
    );

    // Incremental: the last 1,000 papers added one at a time.
    let (head, tail) = papers.split_at(papers.len() - 1000);
    let mut growing = build(head);
    let start = Instant::now();
    for (id, title, abstract_text) in tail {
        growing.add(id, title, abstract_text);
    }
    println!(
        "incremental add: {:.3} ms per paper over the last 1,000 (repacks included)",
        ms(start.elapsed()) / 1000.0
    );
}
