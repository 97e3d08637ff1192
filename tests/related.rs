//! Related papers over a small real corpus: the 30 Hugging Face daily papers of 2026-06-12,
//! the 113 of August 2023 and the arXiv API and feed samples in `tests/data/` (155 papers).
//! Nearest neighbours, free-text queries, replacement, incremental growth, the index
//! against exact brute force, the arxiv-sanity-lite baseline, and the metrics.
//!
//! Timings over the ~83,000 real papers are `cargo bench --bench related`.

mod support;

use paperboy::related::evaluate::{Judgments, evaluate};
use paperboy::related::{Related, RelatedConfig, RelatedIndex, RelatednessModel, TfidfBaseline};

/// `(id, title, abstract)` of every fixture paper, each id once, in file order.
fn corpus() -> Vec<(String, String, String)> {
    let observations = support::fixtures::observations();
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
    // Text-to-music generation: MusicLDM is built on AudioLDM, so AudioLDM 2 (sharing
    // "audio generation" and "audioldm") and JEN-1 (sharing "music generation") both fit.
    let related = index.related_to_id("2308.01546", 5).expect("stored");
    let first = related.first().expect("some related paper");
    let term = match first.id.as_str() {
        "2308.05734" => "audio generation",
        "2308.04729" => "music generation",
        other => panic!("MusicLDM's nearest is {other}; all {:?}", ids(&related)),
    };
    assert!(
        first.shared_terms.iter().any(|shared| shared == term),
        "MusicLDM -> {}: reason {:?} lacks {term:?}",
        first.id,
        first.shared_terms
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
fn the_opt_in_weighting_agrees_with_exact_brute_force_too() {
    // Squared idf off and bigrams discounted: a different weight per term, the same two
    // steps, so the top 5 must still be brute force's exactly, scores within cosine's range.
    let papers = corpus();
    let index = RelatedIndex::build(
        RelatedConfig {
            idf_once: true,
            bigram_weight: 0.75,
            ..RelatedConfig::default()
        },
        papers
            .iter()
            .map(|(i, t, a)| (i.as_str(), t.as_str(), a.as_str())),
    );
    for (id, title, _) in &papers {
        let fast = index.related_to_id(id, 5).expect("stored");
        assert_eq!(
            fast,
            index.related_to_id_exact(id, 5).expect("stored"),
            "{id}"
        );
        assert!(fast.iter().all(|r| r.score > 0.0 && r.score <= 1.0));
        assert_eq!(
            index.related_to_text(title, 5),
            index.related_to_text_exact(title, 5)
        );
    }
    // Speculative decoding still finds its pair, and the reason still names the bigram.
    let related = index.related_to_id("2606.12243", 1).expect("stored");
    assert_eq!(ids(&related), vec!["2308.04623"]);
    assert!(
        related[0]
            .shared_terms
            .contains(&"speculative decoding".to_owned())
    );
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
        idf_once: true,
        bigram_weight: f32::NAN,
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
