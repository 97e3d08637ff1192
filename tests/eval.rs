//! What a follow matches, end to end through the language: real titles, fields, phrases,
//! exclusions, and how strengths rank.

use paperboy::matching::FollowQuery;
use paperboy::query::eval::{Doc, DocFrequencies, HitField, UniformWeights, explain_miss};

fn doc(title: &str, abstract_text: &str) -> Doc {
    Doc::new(
        title,
        abstract_text,
        &["Yann LeCun".into(), "Ada Lovelace".into()],
        &["cs.CV".into(), "cs.LG".into()],
    )
}

fn query(text: &str) -> FollowQuery {
    FollowQuery::parse(text, 200).unwrap_or_else(|err| panic!("{text:?}: {err}"))
}

/// `expected`: whether `follow` matches a paper with this title and abstract.
fn check(follow: &str, title: &str, abstract_text: &str, expected: bool) {
    let got = query(follow).matches(&doc(title, abstract_text));
    assert_eq!(got, expected, "follow {follow:?} on title {title:?}");
}

#[test]
fn the_language_on_real_titles() {
    // Compounds and plurals, from titles in the arXiv listings.
    check(
        "timestep",
        "Timestep Rescheduling in Diffusion Inversion",
        "",
        true,
    );
    check(
        "timestep",
        "Adaptive Time-Steps for Flow Matching",
        "",
        true,
    );
    check(
        "timestep",
        "Learning the time step of neural ODE solvers",
        "",
        true,
    );
    check(
        "\"time step\"",
        "Timestep Rescheduling in Diffusion Inversion",
        "",
        true,
    );
    check(
        "pretraining",
        "Scaling Pre-training of Vision Transformers",
        "",
        true,
    );
    check(
        "pre-training",
        "Efficient Pretraining with Data Mixtures",
        "",
        true,
    );
    check(
        "transformer",
        "Vision Transformers Need Registers",
        "",
        true,
    );
    check("LLMs", "When LLM agents disagree", "", true);
    check(
        "schrodinger",
        "Schrödinger Bridges for Image Translation",
        "",
        true,
    );
    // Precision: no stemming.
    check(
        "diffusion",
        "Diffuse reflectance estimation from a single image",
        "",
        false,
    );
    check("learning", "Learned image compression at scale", "", false);
    // Phrases need adjacency; words do not.
    check(
        "\"diffusion model\"",
        "Diffusion Models for Video",
        "",
        true,
    );
    check(
        "\"diffusion model\"",
        "A model of anomalous diffusion",
        "",
        false,
    );
    check(
        "diffusion model",
        "A model of anomalous diffusion",
        "",
        true,
    );
    // OR, NOT, groups.
    check(
        "diffusion OR flow",
        "Flow Matching in Latent Space",
        "",
        true,
    );
    check(
        "diffusion -survey",
        "A Survey of Diffusion Models",
        "",
        false,
    );
    check(
        "diffusion NOT survey",
        "Diffusion Models for Video",
        "",
        true,
    );
    check(
        "(diffusion OR flow) video",
        "Flow Matching for Video Generation",
        "",
        true,
    );
    check(
        "(diffusion OR flow) video",
        "Flow Matching for Image Generation",
        "",
        false,
    );
    // Fields.
    check(
        "ti:diffusion",
        "Flow Matching",
        "We compare with diffusion.",
        false,
    );
    check(
        "abs:diffusion",
        "Flow Matching",
        "We compare with diffusion.",
        true,
    );
    check("au:lecun", "Anything", "", true);
    check("au:\"yann lecun\"", "Anything", "", true);
    check("au:\"lecun yann\"", "Anything", "", false);
    check("cat:cs.cv", "Anything", "", true);
    check("cat:cs", "Anything", "", true);
    check("cat:math", "Anything", "", false);
    // LaTeX in titles is reduced to its words.
    check(
        "sparse attention",
        "\\textbf{Sparse} Attention in $\\mathcal{O}(n)$",
        "",
        true,
    );
}

#[test]
fn strengths_rank_title_phrase_and_rare_terms_first() {
    let strength = |follow: &str, d: &Doc, weights: &DocFrequencies| {
        query(follow)
            .explain(d, weights)
            .map(|m| m.strength)
            .unwrap_or(0.0)
    };
    let mut weights = DocFrequencies::default();
    let corpus = [
        doc("Graph networks", "model model model"),
        doc("Models", "a model of things"),
        doc("Another model", "flows"),
        doc("Zebrafish tracking", "model"),
    ];
    for d in &corpus {
        weights.add(d);
    }
    let in_title = doc("Zebrafish tracking", "nothing");
    let in_abstract = doc("Tracking", "zebrafish");
    assert!(
        strength("zebrafish", &in_title, &weights) > strength("zebrafish", &in_abstract, &weights)
    );
    let adjacent = doc("Graph neural network", "");
    let apart = doc("A neural approach to graph network design", "");
    assert!(
        strength("\"neural network\"", &adjacent, &weights)
            > strength("neural network", &apart, &weights)
    );
    let both = doc("Zebrafish model", "");
    assert!(
        strength("zebrafish", &both, &weights) > strength("model", &both, &weights),
        "rare beats common"
    );
}

#[test]
fn a_miss_says_what_was_missing_or_what_excluded_it() {
    let d = doc(
        "A Survey of Diffusion Models",
        "We review score-based methods.",
    );
    assert_eq!(
        explain_miss(query("diffusion -survey").node(), &d),
        ["excluded: it mentions survey (title)"]
    );
    assert_eq!(
        explain_miss(query("ti:flow diffusion").node(), &d),
        ["flow not found in the title"]
    );
    assert!(explain_miss(query("diffusion").node(), &d).is_empty());
    let hits = query("diffusion abs:score")
        .explain(&d, &UniformWeights)
        .unwrap()
        .hits;
    let fields: Vec<HitField> = hits.iter().map(|h| h.field).collect();
    assert_eq!(fields, [HitField::Title, HitField::Abstract]);
}

/// A phrase starts at a word, never inside a compound, in the reference and in the engine
/// alike: `"xray ray"` is not found in "x-ray ray".
#[test]
fn a_phrase_does_not_start_inside_a_compound() {
    use paperboy::engine::{FollowKey, LengthHeuristic, MatchEngine, naive_matches};
    let cases = [
        ("\"xray ray\"", "X-ray ray tracing", false),
        ("\"xray imaging\"", "X-ray imaging at scale", false),
        ("\"x ray\"", "X-ray imaging at scale", true),
        ("xray", "X-ray imaging at scale", true),
        ("\"time step\"", "Adaptive time-step control", true),
        ("\"step control\"", "Adaptive time-step control", true),
    ];
    for (follow, title, expected) in cases {
        check(follow, title, "", expected);
        let node = query(follow).node().clone();
        let key = FollowKey {
            subscriber: 1,
            follow: 1,
        };
        let mut engine = MatchEngine::new();
        assert!(engine.add(key, &node, &LengthHeuristic));
        let paper = doc(title, "");
        let follows = [(key, node)];
        assert_eq!(
            engine.match_doc(&paper).len(),
            naive_matches(&follows, &paper).len(),
            "engine and reference disagree on {follow:?} in {title:?}"
        );
    }
}
