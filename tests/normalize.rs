//! Normalization tables: tokenization, LaTeX, Unicode, plurals, compounds, categories, and
//! query-versus-title pairs taken from real arXiv titles (copied here as literals).

use std::time::{Duration, Instant};

use paperboy::query::normalize::{Analyzed, analyze, archive_of, fold_category, fold_word};
use proptest::prelude::*;

/// `expected` is the tokens separated by spaces.
#[track_caller]
fn check(text: &str, expected: &str) {
    let expected: Vec<&str> = expected.split_whitespace().collect();
    assert_eq!(analyze(text).tokens, expected, "analyze({text:?}).tokens");
}

/// `expected` is the compounds separated by spaces, `-` where none is formed.
#[track_caller]
fn check_compounds(text: &str, expected: &str) {
    let expected: Vec<&str> = expected
        .split_whitespace()
        .map(|c| if c == "-" { "" } else { c })
        .collect();
    assert_eq!(
        analyze(text).compounds,
        expected,
        "analyze({text:?}).compounds"
    );
}

#[track_caller]
fn check_word(word: &str, expected: Option<&str>) {
    assert_eq!(fold_word(word).as_deref(), expected, "fold_word({word:?})");
}

/// Whether a follow of one query word finds `title`: the query word folds the way the
/// parser folds it (a hyphenated word joined), and a paper has a term when one of its
/// tokens or compounds is that term.
#[track_caller]
fn check_match(query: &str, title: &str, expected: bool) {
    let term = fold_word(query).expect("a query word with letters");
    let Analyzed { tokens, compounds } = analyze(title);
    let found = tokens.contains(&term) || compounds.contains(&term);
    assert_eq!(
        found, expected,
        "{query:?} ({term:?}) in {title:?}: {tokens:?} {compounds:?}"
    );
}

#[track_caller]
fn check_category(input: &str, expected: Option<&str>) {
    assert_eq!(
        fold_category(input).as_deref(),
        expected,
        "fold_category({input:?})"
    );
}

#[test]
fn words_are_runs_of_letters_and_digits() {
    check("", "");
    check(" -- , ; ", "");
    check("Hello, World!", "hello world");
    check("time-step", "time step");
    check("encoder/decoder", "encoder decoder");
    check("gpt-4", "gpt 4");
    check("3D", "3d");
    check("Llama2", "llama2");
    check("x_i+y", "x i y");
    check("(LoRA)", "lora");
    check("C++", "c");
    check("e.g. this", "e g this");
}

#[test]
fn a_point_between_digits_stays_in_the_word() {
    check("GPT-3.5", "gpt 3.5");
    check(
        "Qwen2.5-Omni Technical Report",
        "qwen2.5 omni technical report",
    );
    check("improves by 2.5%.", "improve by 2.5");
    check("Section 3. Results", "section 3 result");
    check("v1.", "v1");
    check("a.5", "a 5");
}

#[test]
fn apostrophes() {
    check("the model's output", "the model output");
    check("the models' outputs", "the model output");
    check("the model’s output", "the model output");
    check("LLMs' knowledge", "llm knowledge");
    check("Don't Shoot The Breeze", "dont shoot the breeze");
    check("O’Neil", "oneil");
    check("'quoted words'", "quoted word");
    check("it's", "it");
    check("the 1990's", "the 1990");
    check("model'sx", "modelsx");
}

#[test]
fn latex_is_reduced_to_its_words() {
    check("$\\mathcal{O}(n^2)$", "o n 2");
    check("\\textbf{Sparse} attention", "sparse attention");
    check("\\emph{x}", "x");
    check("\\textit{et al.}", "et al");
    check("$\\mathrm{softmax}(\\mathbf{x})$", "softmax x");
    check("$\\mathbb{R}^d$", "r d");
    check("$\\text{top}$-$k$", "top k");
    check("as in \\cite{vaswani2017}, it", "as in it");
    check("work~\\citep[see][p.~3]{smith} fails", "work fail");
    check("Code: \\url{https://github.com/x/y-z}.", "code");
    check("see \\href{https://x.org}{our page}", "see our page");
    check("improves by 5\\% over", "improve by 5 over");
    check("$\\alpha$-divergence", "alpha divergence");
    check("$\\varepsilon$-greedy", "epsilon greedy");
    check("$\\Delta$", "delta");
    check("$\\ell_1$ regularization", "ell 1 regularization");
    check("$10\\times$ faster, $\\leq 5$", "10 faster 5");
    check("$\\textbf{Re}^{2}$: Unlocking LLM", "re 2 unlocking llm");
    check("Di$\\mathtt{[M]}$O", "di m o");
    check("$(\\mathcal{L},\\mathcal{P})$-TGRS codes", "l p tgr code");
    check("first\\\\second", "first second");
    check("\\begin{equation}x\\end{equation}", "x");
    check("\\footnote{a note}", "a note");
    check("trailing \\", "trailing");
    check("\\cite{never closed words", "never closed word");
}

#[test]
fn latex_accents_fold_into_the_word() {
    check("Schr\\\"odinger", "schrodinger");
    check("Schr\\\"{o}dinger", "schrodinger");
    check("Schr{\\\"o}dinger", "schrodinger");
    check("Poincar\\'e maps", "poincare map");
    check("G\\\"{o}del", "godel");
    check("Ca\\~{n}ete", "canete");
    // Folded like any other word ending in `s`, the same way in both spellings.
    check("Erd\\H{o}s and Erdős", "erdo and erdo");
    check("Ha\\v{s}ek", "hasek");
    check("Mart\\'{\\i}nez", "martinez");
    check("Gr\\o nbech", "gronbech");
    check("Stra\\ss{}e", "strasse");
    check("pre\\-training", "pretraining");
}

#[test]
fn unicode_folds_to_plain_lowercase_letters() {
    check("ﬁne-tuning", "fine tuning");
    check("Ｔｒａｎｓｆｏｒｍｅｒｓ ｖ２", "transformer v2");
    check("Schrödinger", "schrodinger");
    check("naïve", "naive");
    check("nai\u{0308}ve", "naive");
    check("Bézier Curves", "bezier curve");
    check(
        "Conditional Fréchet Distance",
        "conditional frechet distance",
    );
    check("Görlitz Rail", "gorlitz rail");
    check("İstanbul", "istanbul");
    check("STRASSE Straße", "strasse strasse");
    check("ΛΌΓΟΣ λόγος", "λογοσ λογοσ");
    check("Ἀθῆναι", "αθηναι");
    check("深度学习 模型", "深度学习 模型");
    check("ｶﾞｲﾄﾞ ガイド", "ガイド ガイド");
    check("한국어 모델", "한국어 모델");
    check("हिन्दी", "हिन्दी");
    check("Trans\u{200D}former", "transformer");
    check("Trans\u{200B}former", "transformer");
    check("pre\u{00AD}training", "pretraining");
    check("\u{202B}שָׁלוֹם\u{202C} model\u{200F}s", "שלום model");
    check("كَتَبَ", "كتب");
    check("Transformer™ 🤗 Hub", "transformer hub");
    check("O(n²) and x₁", "o n 2 and x 1");
    check("10µm", "10μm");
}

#[test]
fn a_lone_greek_letter_is_its_name() {
    check("α-synuclein", "alpha synuclein");
    check("β-VAE", "beta vae");
    check("$\\beta$-VAE", "beta vae");
    check("Δ and ϵ and ς", "delta and epsilon and sigma");
    check("$μ$KE: Matryoshka", "mu ke matryoshka");
    check("αβ", "αβ");
}

#[test]
fn plurals_fold_to_the_singular() {
    check_word("Transformers", Some("transformer"));
    check_word("LLMs", Some("llm"));
    check_word("studies", Some("study"));
    check_word("policies", Some("policy"));
    check_word("patches", Some("patch"));
    check_word("boxes", Some("box"));
    check_word("meshes", Some("mesh"));
    check_word("classes", Some("class"));
    check_word("losses", Some("loss"));
    check_word("responses", Some("response"));
    check_word("cases", Some("case"));
    check_word("sizes", Some("size"));
    check_word("lies", Some("lie"));
    check_word("Gaussians", Some("gaussian"));
    check_word("1990s", Some("1990"));
    check_word("MoEs", Some("moe"));
    check_word("GPUs", Some("gpu"));
    check_word("APIs", Some("api"));
    check_word("ROIs", Some("roi"));
    check_word("biases", Some("bias"));
    check_word("lenses", Some("lens"));
    check_word("focuses", Some("focus"));
    check_word("caches", Some("cache"));
    check_word("movies", Some("movie"));
    check_word("metrics", Some("metric"));
    check_word("topics", Some("topic"));
    check_word("corpora", Some("corpus"));
    check_word("criteria", Some("criterion"));
    check_word("matrices", Some("matrix"));
    check_word("vertices", Some("vertex"));
    check_word("hypotheses", Some("hypothesis"));
    check_word("analyses", Some("analysis"));
    check_word("axes", Some("axis"));
    check_word("minima", Some("minimum"));
}

#[test]
fn words_that_only_look_plural_stay() {
    for word in [
        "class",
        "loss",
        "corpus",
        "status",
        "bus",
        "analysis",
        "basis",
        "axis",
        "news",
        "series",
        "species",
        "physics",
        "mathematics",
        "semantics",
        "dynamics",
        "robotics",
        "always",
        "various",
        "previous",
        "thus",
        "gas",
        "bias",
        "lens",
        "its",
        "this",
        "has",
        "was",
        "is",
        "as",
        "us",
        "yes",
        "means",
        "does",
        "chaos",
        "whereas",
        "perhaps",
        "diabetes",
        "timeseries",
        "kmeans",
        "metalens",
        "debias",
    ] {
        check_word(word, Some(word));
    }
}

#[test]
fn nothing_but_plurals_folds() {
    for word in [
        "diffusion",
        "diffuse",
        "learning",
        "learned",
        "learn",
        "training",
        "train",
        "modeling",
        "model",
        "graph",
        "graphic",
        "attention",
        "attentive",
        "sparse",
        "sparsity",
        "generative",
        "generation",
        "semantic",
        "dynamic",
        "data",
    ] {
        check_word(word, Some(word));
    }
}

#[test]
fn fold_word_is_the_term_analyze_gives() {
    for word in [
        "Transformers",
        "naïve",
        "Schr\\\"odinger",
        "ﬁne",
        "LLMs'",
        "model's",
        "don't",
        "3.5",
        "qwen2.5",
        "\\alpha",
        "α",
        "Straße",
        "ΛΌΓΟΣ",
        "ガイド",
        "Ｔｒａｎｓ",
        "corpora",
        "x",
        // Found by proptest: a plural of an irregular plural, a letter that decomposes to
        // an apostrophe, a modifier letter from the superscript block.
        "corporas",
        "ŉ",
        "Aᴻ",
    ] {
        let folded = fold_word(word).expect("a word with letters");
        assert_eq!(
            analyze(word).tokens,
            std::slice::from_ref(&folded),
            "{word:?}"
        );
        assert_eq!(fold_word(&folded), Some(folded), "{word:?}");
    }
}

#[test]
fn fold_word_joins_what_analyze_splits() {
    check_word("time-step", Some("timestep"));
    check_word("Time-Steps", Some("timestep"));
    check_word("time-series", Some("timeseries"));
    check_word("GPT-3.5", Some("gpt3.5"));
    check_word("\\textbf{x}", Some("x"));
    check_word("k-means", Some("kmeans"));
    check_word("ab-gas", Some("abga"));
    check_word("", None);
    check_word("--", None);
    check_word("\\cite{x}", None);
    check_word("\u{200D}", None);
    check_word("𞹇A𑜰🌀s௳ᴻ", Some("حa𑜰sᴻ"));
}

#[test]
fn compounds_join_adjacent_terms() {
    check_compounds("time step", "timestep");
    check_compounds("time-step", "timestep");
    check_compounds("Time-Steps", "timestep");
    check_compounds("time–steps", "timestep");
    check_compounds("pre-training", "pretraining");
    check_compounds("Time-Series", "timeseries");
    check_compounds("time series", "timeseries");
    check_compounds("data sets", "dataset");
    check_compounds("GPT-4", "gpt4");
    check_compounds("Llama 2", "llama2");
    check_compounds("$\\beta$-VAE", "betavae");
    check_compounds("the fine-tuned model", "thefine finetuned tunedmodel");
    check_compounds("a rt", "-");
    check_compounds("a - rt", "-");
    check_compounds("X-ray", "xray");
    check_compounds("k-NN", "knn");
    check_compounds("$k$-means", "kmeans");
    check_compounds("2020-2024", "-");
    check_compounds("Llama-3.1-8B", "llama3.1 -");
    check_compounds("COVID-19", "covid19");
    check_compounds("x y z", "- -");
    check_compounds("3 5", "-");
    check_compounds("time. Step", "-");
    check_compounds("time, step", "-");
    check_compounds("time/step", "-");
    check_compounds("time (step)", "-");
    check_compounds("time \\cite{x} step", "-");
    check_compounds("one", "");
    check_compounds("", "");
}

#[test]
fn compounds_stay_aligned_with_tokens() {
    let analyzed = analyze("A Survey on SAR ship classification using Deep Learning. It works.");
    assert_eq!(analyzed.compounds.len(), analyzed.tokens.len() - 1);
    for (i, compound) in analyzed.compounds.iter().enumerate() {
        if !compound.is_empty() {
            assert_eq!(
                *compound,
                format!("{}{}", analyzed.tokens[i], analyzed.tokens[i + 1])
            );
        }
    }
    let sar = analyzed.tokens.iter().position(|t| t == "sar").unwrap();
    assert_eq!(analyzed.compounds[sar], "sarship");
}

/// A query word and a real title (arXiv listings 2025-2026, Hugging Face daily papers; long
/// titles cut to the part that matters) writing the same word differently.
const SAME_WORD: &[(&str, &str)] = &[
    ("time-step", "Timesteps of Mamba Align with Human Reading"),
    ("timesteps", "Adaptive Time-step Training for Enhancing"),
    ("pretraining", "Thinking Augmented Pre-training"),
    ("pre-training", "Efficient Pretraining Length Scaling"),
    ("LLM", "Inside-Out: Hidden Factual Knowledge in LLMs"),
    ("LLMs", "Survey on Evaluation of LLM-based Agents"),
    ("schrodinger", "Translation via Schrödinger Bridges"),
    ("transformer", "Simplifying Graph Transformers"),
    ("Transformers", "control for video diffusion transformer"),
    ("study", "Highlighting Case Studies in LLM Literature"),
    ("policy", "Learning General Policies From Examples"),
    ("patch", "REOrdering Patches Improves Vision Models"),
    ("box", "Using Oriented Bounding Boxes"),
    ("bounding-box", "Using Oriented Bounding Boxes"),
    ("class", "LiteEmbed: Adapting CLIP to Rare Classes"),
    ("loss", "UMVUE-Type Estimators under Bregman Losses"),
    ("query", "Aligning Moments in Time using Video Queries"),
    ("timeseries", "Time Series Foundation Models"),
    (
        "time-series",
        "Toward Reasoning-Centric Time-Series Analysis",
    ),
    ("bias", "ABCD: All Biases Come Disguised"),
    ("hypothesis", "What Are Research Hypotheses?"),
    ("matrix", "Compressing LLMs with Structured Matrices"),
    ("corpus", "Building and Aligning Comparable Corpora"),
    ("gpu", "NeRF-XL: Scaling NeRFs with Multiple GPUs"),
    ("api", "Auditing Prompt Caching in Language Model APIs"),
    ("cache", "H1B-KV: Hybrid One-Bit Caches"),
    ("response", "Ad Insertion in LLM-Generated Responses"),
    ("metric", "Evaluation Cards for XAI Metrics"),
    ("gaussian", "SAGOnline: Segment Any Gaussians Online"),
    ("frechet", "Representation Fréchet Loss"),
    ("Bézier", "using Bezier Curves"),
    ("multimodal", "Multi-Modal Dataset Distillation in the Wild"),
    ("multi-modal", "Unified Multimodal Discrete Diffusion"),
    ("finetuned", "Memorization in Fine-Tuned Large Language"),
    ("finetuning", "Gradient Surgery for Safe LLM Fine-Tuning"),
    ("tradeoff", "On the Robustness Tradeoff in Fine-Tuning"),
    ("trade-offs", "On the Robustness Tradeoff in Fine-Tuning"),
    ("llama2", "Steering Llama 2 via Contrastive Activation"),
    ("gpt4", "Is GPT-4 a Good Data Analyst?"),
    ("qwen2.5", "Qwen2.5-Omni Technical Report"),
    ("mu", "Scaling Diffusion Transformers via $μ$P"),
    ("self-supervised", "Variational Self-Supervised Learning"),
    ("unet", "IAUNet: Instance-Aware U-Net"),
    ("u-net", "MM-UNet: Meta Mamba UNet for Medical Image"),
    ("xray", "Multi Anatomy X-Ray Foundation Model"),
    ("x-ray", "Self-Supervised Multiview Xray Matching"),
    ("kmeans", "A Regularized K-means Approach"),
    ("knn", "k-NN as a Simple and Effective Estimator"),
    ("ngram", "Transformers Can Represent n-gram Language"),
];

/// A query word and a real title with a near miss: a different word.
const NEAR_MISS: &[(&str, &str)] = &[
    ("diffuse", "Scale-wise Distillation of Diffusion Models"),
    ("learned", "S2IL: Structurally Stable Incremental Learning"),
    ("learning", "Learned Adaptive Mesh Generation"),
    ("learn", "Learning Privacy from Visual Entities"),
    ("train", "E-SAM: Training-Free Segment Every Entity Model"),
    ("model", "Aether: Geometric-Aware Unified World Modeling"),
    ("graphic", "Universal Scene Graph Generation"),
    ("graph", "Fast Sprite Decomposition from Animated Graphics"),
    ("attentive", "Unique Hard Attention: A Tale of Two Sides"),
    ("sparsity", "Rectified Sparse Attention"),
    ("semantic", "On the Semantics of Large Language Models"),
    ("dynamic", "Fairness Dynamics During Training"),
    ("robotic", "Neural Fields in Robotics: A Survey"),
    ("mean", "A Regularized K-means Approach"),
    ("new", "Multi-view autoencoders for Fake News Detection"),
    ("generation", "GIViC: Generative Implicit Video Compression"),
    (
        "retrieve",
        "Efficient Constant-Space Multi-Vector Retrieval",
    ),
    ("detection", "Edge Approximation Text Detector"),
    ("analyse", "SFDLA: Source-Free Document Layout Analysis"),
    ("physic", "PAVAS: Physics-Aware Video-to-Audio Synthesis"),
    ("gpt4", "GPT-4o Lacks Core Features of Theory of Mind"),
    // No compound across sentence punctuation.
    ("factdynamics", "learn facts? Dynamics, curricula"),
    ("factsdynamics", "learn facts? Dynamics, curricula"),
];

#[test]
fn real_titles_match_the_same_word_written_differently() {
    for (query, title) in SAME_WORD {
        check_match(query, title, true);
    }
}

#[test]
fn real_titles_do_not_match_near_misses() {
    for (query, title) in NEAR_MISS {
        check_match(query, title, false);
    }
}

#[test]
fn categories() {
    check_category("cs.CV", Some("cs.cv"));
    check_category("hep-th", Some("hep-th"));
    check_category("astro-ph.CO", Some("astro-ph.co"));
    check_category(" stat.ML ", Some("stat.ml"));
    check_category("cs", Some("cs"));
    check_category("", None);
    check_category("cs..cv", None);
    check_category("cs.", None);
    check_category(".cv", None);
    check_category("cs cv", None);
    check_category("cs_CV", None);
    check_category("1cs", None);
    check_category("ｃｓ.ＣＶ", None);
    check_category(&"a".repeat(33), None);
    assert_eq!(archive_of("cs.cv"), "cs");
    assert_eq!(archive_of("hep-th"), "hep-th");
    assert_eq!(archive_of("astro-ph.co"), "astro-ph");
    assert_eq!(archive_of(""), "");
}

/// Builds about `len` bytes of text mixing words, LaTeX (some of it unclosed), Unicode and
/// punctuation, the same on every run.
fn random_text(len: usize, seed: u64) -> String {
    const PIECES: &[&str] = &[
        "model",
        "Transformers",
        " ",
        " ",
        " ",
        "-",
        ".",
        ", ",
        "'s ",
        "’",
        "\\cite{",
        "\\url{",
        "{",
        "}",
        "$",
        "^",
        "_",
        "\\",
        "\\\"",
        "\\'",
        "{\\\"",
        "\\textbf{",
        "\\alpha",
        "\\H{",
        "é",
        "ﬁ",
        "²",
        "\u{200D}",
        "\u{0301}",
        "α",
        "ς",
        "ß",
        "İ",
        "한",
        "ｶﾞ",
        "3.5",
        "9",
        "\n",
        "studies",
        "classes",
        "\u{00AD}",
        "%",
        "[",
        "]",
        "™",
    ];
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut text = String::with_capacity(len + 16);
    while text.len() < len {
        text.push_str(PIECES[rng.usize(..PIECES.len())]);
    }
    text
}

#[test]
fn a_megabyte_of_anything_is_linear() {
    let inputs = [
        random_text(1 << 20, 7),
        "\\cite{".repeat((1 << 20) / 6),
        "{\\\"".repeat((1 << 20) / 3),
        "a".repeat(1 << 20),
        "a-".repeat(1 << 19),
        "é".repeat(1 << 19),
    ];
    for text in &inputs {
        let started = Instant::now();
        let analyzed = analyze(text);
        let elapsed = started.elapsed();
        assert_eq!(
            analyzed.compounds.len(),
            analyzed.tokens.len().saturating_sub(1)
        );
        // Linear work on a megabyte takes milliseconds even unoptimized; quadratic would
        // take minutes.
        assert!(
            elapsed < Duration::from_secs(10),
            "{elapsed:?} for {:?}...",
            text.chars().take(20).collect::<String>()
        );
    }
}

/// Small pieces that exercise every branch of the scanner.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "s",
        "es",
        "ies",
        "Model",
        "SS",
        "3",
        ".",
        "5",
        "-",
        " ",
        "'",
        "’",
        "'s",
        "\\",
        "\\\"",
        "\\'",
        "{",
        "}",
        "{\\\"",
        "$",
        "^",
        "_",
        "\\cite{",
        "\\textbf{",
        "\\alpha",
        "\\i",
        "\\o ",
        "\\H{",
        "é",
        "ﬁ",
        "²",
        "₃",
        "\u{200D}",
        "\u{0301}",
        "\u{3099}",
        "\u{0903}",
        "α",
        "Σ",
        "ς",
        "ß",
        "ẞ",
        "İ",
        "ı",
        "ᄀ",
        "ᅡ",
        "한",
        "ｶﾞ",
        "Ⅻ",
        "ǅ",
        "µ",
        "™",
        "½",
        "\u{00AD}",
        "\u{FE0F}",
        "\u{1F917}",
        "corpora",
        "us",
        "is",
        "ics",
        "lens",
        "biases",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn analyze_never_panics_and_its_terms_are_canonical(text in prop_oneof![any::<String>(), tricky_text()]) {
        let Analyzed { tokens, compounds } = analyze(&text);
        prop_assert_eq!(compounds.len(), tokens.len().saturating_sub(1));
        for term in tokens.iter().chain(compounds.iter().filter(|c| !c.is_empty())) {
            let again = fold_word(term);
            prop_assert_eq!(again.as_deref(), Some(term.as_str()), "term {:?}", term);
        }
    }

    #[test]
    fn fold_word_is_idempotent(word in prop_oneof![any::<String>(), tricky_text()]) {
        if let Some(folded) = fold_word(&word) {
            let again = fold_word(&folded);
            prop_assert_eq!(again.as_deref(), Some(folded.as_str()));
        }
    }

    #[test]
    fn fold_word_is_analyze_of_one_word(word in "[a-zA-Z0-9éÉüßαΣς\u{0301}ﬁ]{1,12}") {
        prop_assert_eq!(analyze(&word).tokens, Vec::from_iter(fold_word(&word)));
    }
}

/// Times `analyze` over every title and abstract in /work/shared/data (about 83,000 papers).
/// Run with `cargo test --release --test normalize -- --ignored --nocapture`.
#[test]
#[ignore = "reads /work/shared/data; a benchmark, not a check"]
fn time_analyzing_all_abstracts() {
    use std::io::BufRead;
    let files = [
        "/work/shared/data/arxiv-listings/papers-2025.jsonl.gz",
        "/work/shared/data/arxiv-listings/papers-2026.jsonl.gz",
        "/work/shared/data/hf-daily-papers/papers.jsonl.gz",
    ];
    let mut texts = Vec::new();
    for path in files {
        let file = std::fs::File::open(path).expect("shared data");
        for line in std::io::BufReader::new(flate2::read::GzDecoder::new(file)).lines() {
            let paper: serde_json::Value =
                serde_json::from_str(&line.expect("gzip")).expect("json");
            for field in ["title", "abstract"] {
                texts.push(paper[field].as_str().unwrap_or_default().to_owned());
            }
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let started = Instant::now();
    let (mut tokens, mut compounds) = (0, 0);
    for text in &texts {
        let analyzed = analyze(text);
        tokens += analyzed.tokens.len();
        compounds += analyzed.compounds.iter().filter(|c| !c.is_empty()).count();
    }
    let elapsed = started.elapsed();
    println!(
        "{} papers, {:.1} MB, {tokens} tokens, {compounds} compounds in {elapsed:.2?} ({:.0} MB/s)",
        texts.len() / 2,
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / elapsed.as_secs_f64()
    );
}
