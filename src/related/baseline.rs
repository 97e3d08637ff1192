//! The bar to clear: arxiv-sanity-lite's tf-idf, recomputed by our own code, and ranked by
//! brute-force cosine over every paper.
//!
//! arxiv-sanity-lite (`compute.py`) fits scikit-learn's `TfidfVectorizer` with
//! `lowercase=True, strip_accents='unicode', stop_words='english',
//! token_pattern=r'(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b', ngram_range=(1, 2), sublinear_tf=True,
//! smooth_idf=True, norm='l2'`, `min_df=5`, `max_features` 10,000 to 20,000 and `max_df`
//! 0.5 or 0.1 depending on the version, over `title + ' ' + summary + ' ' + authors`, and
//! ranks by the dot product of the l2-normalized vectors. This mirrors all of it with the
//! issue's `max_df` of 0.1, 20,000 features, `min_df` scaled to the corpus
//! (`n / 20,000`, between 1 and 5) and no author names, which the related-papers model does
//! not see either. As in scikit-learn: tokens are whole runs of word characters that are
//! ASCII letters, digits or `_`, start with a letter or `_` and have at least two
//! characters; stop words are removed before bigrams are formed (so bigrams span them);
//! `idf = ln((1 + n) / (1 + df)) + 1`; `tf = 1 + ln count`; features kept are those with
//! `min_df ≤ df ≤ max_df × n`, then the `max_features` most frequent in the corpus.
//!
//! Pure: std and `unicode-normalization`; never panics on any input.

use std::collections::{HashMap, HashSet};

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// scikit-learn's `ENGLISH_STOP_WORDS` (the Glasgow list, with its `fify` and `amoungst`).
const ENGLISH_STOP_WORDS: &str = "a about above across after afterwards again against all \
almost alone along already also although always am among amongst amoungst amount an and \
another any anyhow anyone anything anyway anywhere are around as at back be became because \
become becomes becoming been before beforehand behind being below beside besides between \
beyond bill both bottom but by call can cannot cant co con could couldnt cry de describe \
detail do done down due during each eg eight either eleven else elsewhere empty enough etc \
even ever every everyone everything everywhere except few fifteen fify fill find fire first \
five for former formerly forty found four from front full further get give go had has hasnt \
have he hence her here hereafter hereby herein hereupon hers herself him himself his how \
however hundred i ie if in inc indeed interest into is it its itself keep last latter \
latterly least less ltd made many may me meanwhile might mill mine more moreover most \
mostly move much must my myself name namely neither never nevertheless next nine no nobody \
none noone nor not nothing now nowhere of off often on once one only onto or other others \
otherwise our ours ourselves out over own part per perhaps please put rather re same see \
seem seemed seeming seems serious several she should show side since sincere six sixty so \
some somehow someone something sometime sometimes somewhere still such system take ten \
than that the their them themselves then thence there thereafter thereby therefore therein \
thereupon these they thick thin third this those though three through throughout thru thus \
to together too top toward towards twelve twenty two un under until up upon us very via was \
we well were what whatever when whence whenever where whereafter whereas whereby wherein \
whereupon wherever whether which while whither who whoever whole whom whose why will with \
within without would yet you your yours yourself yourselves";

/// The vectorizer's settings; the default is arxiv-sanity-lite's as the issue states them.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineConfig {
    pub max_df: f32,
    /// `None` scales it to the corpus: `n / 20,000`, at least 1 and at most 5.
    pub min_df: Option<u32>,
    /// Keep only this many features, the most frequent; `None` keeps all.
    pub max_features: Option<usize>,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        BaselineConfig {
            max_df: 0.1,
            min_df: None,
            max_features: Some(20_000),
        }
    }
}

/// The fitted baseline: an l2-normalized tf-idf vector per paper.
#[derive(Clone, Debug, Default)]
pub struct TfidfBaseline {
    ids: Vec<String>,
    number_by_id: HashMap<String, usize>,
    /// By paper number: `(feature, weight)` ascending by feature, unit length.
    vectors: Vec<Vec<(u32, f32)>>,
    /// The kept features' numbers, and each feature's idf.
    features: HashMap<String, u32>,
    idf: Vec<f32>,
}

impl TfidfBaseline {
    /// Fits the default vectorizer on `(id, title, abstract)` papers. A repeated id keeps
    /// its first paper.
    pub fn build(papers: &[(String, String, String)]) -> Self {
        Self::build_with(papers, &BaselineConfig::default())
    }

    pub fn build_with(papers: &[(String, String, String)], config: &BaselineConfig) -> Self {
        let mut ids = Vec::new();
        let mut number_by_id = HashMap::new();
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut corpus_count: Vec<u64> = Vec::new();
        let mut counts: Vec<Vec<(u32, u32)>> = Vec::new();
        let stop_words = stop_words();
        for (id, title, abstract_text) in papers {
            if number_by_id.contains_key(id) {
                continue;
            }
            number_by_id.insert(id.clone(), ids.len());
            ids.push(id.clone());
            let mut paper: HashMap<u32, u32> = HashMap::new();
            for ngram in ngrams(&format!("{title} {abstract_text}"), &stop_words) {
                let next = vocabulary.len() as u32;
                let term = *vocabulary.entry(ngram).or_insert(next);
                if term == next {
                    df.push(0);
                    corpus_count.push(0);
                }
                *paper.entry(term).or_insert(0) += 1;
            }
            for (&term, &count) in &paper {
                df[term as usize] += 1;
                corpus_count[term as usize] += u64::from(count);
            }
            counts.push(paper.into_iter().collect());
        }

        let n = ids.len();
        let min_df = config
            .min_df
            .unwrap_or_else(|| (n / 20_000).clamp(1, 5) as u32);
        let max_df = f64::from(config.max_df) * n as f64;
        let mut kept: Vec<(&String, u32)> = vocabulary
            .iter()
            .filter(|&(_, &term)| {
                let df = df[term as usize];
                df >= min_df && f64::from(df) <= max_df
            })
            .map(|(ngram, &term)| (ngram, term))
            .collect();
        if let Some(limit) = config.max_features
            && kept.len() > limit
        {
            kept.sort_unstable_by(|a, b| {
                corpus_count[b.1 as usize]
                    .cmp(&corpus_count[a.1 as usize])
                    .then_with(|| a.0.cmp(b.0))
            });
            kept.truncate(limit);
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut feature_of = vec![u32::MAX; vocabulary.len()];
        let mut features = HashMap::with_capacity(kept.len());
        let mut idf = Vec::with_capacity(kept.len());
        for (feature, (ngram, term)) in kept.into_iter().enumerate() {
            let df = f64::from(df[term as usize]);
            idf.push((((1.0 + n as f64) / (1.0 + df)).ln() + 1.0) as f32);
            feature_of[term as usize] = feature as u32;
            features.insert(ngram.clone(), feature as u32);
        }

        let vectors = counts
            .into_iter()
            .map(|paper| {
                let weighted = paper.into_iter().filter_map(|(term, count)| {
                    let feature = *feature_of.get(term as usize)?;
                    let idf = idf.get(feature as usize)?;
                    Some((feature, (1.0 + (count as f32).ln()) * idf))
                });
                unit_vector(weighted.collect())
            })
            .collect();
        TfidfBaseline {
            ids,
            number_by_id,
            vectors,
            features,
            idf,
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many features survived the cut-offs.
    pub fn feature_count(&self) -> usize {
        self.features.len()
    }

    /// The `top` papers by cosine with paper `id` (itself excluded), best first, ties by
    /// id; `None` when `id` is unknown. Papers sharing no feature are not listed.
    pub fn related_to_id(&self, id: &str, top: usize) -> Option<Vec<(String, f32)>> {
        let number = *self.number_by_id.get(id)?;
        let query = self.vectors.get(number)?;
        Some(self.rank(query, Some(number), top))
    }

    /// The `top` papers by cosine with free text, vectorized with the fitted features.
    pub fn related_to_text(&self, text: &str, top: usize) -> Vec<(String, f32)> {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for ngram in ngrams(text, &stop_words()) {
            if let Some(&feature) = self.features.get(&ngram) {
                *counts.entry(feature).or_insert(0) += 1;
            }
        }
        let weighted = counts.into_iter().filter_map(|(feature, count)| {
            let idf = self.idf.get(feature as usize)?;
            Some((feature, (1.0 + (count as f32).ln()) * idf))
        });
        let query = unit_vector(weighted.collect());
        self.rank(&query, None, top)
    }

    /// Brute force: the query scattered into a dense array, every paper's vector gathered
    /// against it.
    fn rank(&self, query: &[(u32, f32)], exclude: Option<usize>, top: usize) -> Vec<(String, f32)> {
        if top == 0 || query.is_empty() {
            return Vec::new();
        }
        let mut dense = vec![0.0f32; self.features.len()];
        for &(feature, weight) in query {
            if let Some(slot) = dense.get_mut(feature as usize) {
                *slot = weight;
            }
        }
        let mut scored: Vec<(f32, usize)> = self
            .vectors
            .iter()
            .enumerate()
            .filter(|&(number, _)| Some(number) != exclude)
            .filter_map(|(number, vector)| {
                let score: f32 = vector
                    .iter()
                    .map(|&(feature, weight)| {
                        dense.get(feature as usize).map_or(0.0, |q| q * weight)
                    })
                    .sum();
                (score > 0.0).then_some((score, number))
            })
            .collect();
        let order = |a: &(f32, usize), b: &(f32, usize)| {
            b.0.total_cmp(&a.0)
                .then_with(|| self.ids[a.1].cmp(&self.ids[b.1]))
        };
        if scored.len() > top {
            scored.select_nth_unstable_by(top - 1, order);
            scored.truncate(top);
        }
        scored.sort_unstable_by(order);
        scored
            .into_iter()
            .map(|(score, number)| (self.ids[number].clone(), score))
            .collect()
    }
}

/// Scales a sparse vector to unit length and sorts it by feature.
fn unit_vector(mut vector: Vec<(u32, f32)>) -> Vec<(u32, f32)> {
    let norm = vector
        .iter()
        .map(|&(_, w)| f64::from(w) * f64::from(w))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        for (_, weight) in &mut vector {
            *weight = (f64::from(*weight) / norm) as f32;
        }
    }
    vector.retain(|&(_, w)| w > 0.0);
    vector.sort_unstable_by_key(|&(feature, _)| feature);
    vector
}

/// scikit-learn's word analyzer with arxiv-sanity-lite's settings: preprocess, tokenize,
/// drop stop words, then unigrams followed by bigrams (joined by a space).
fn ngrams(text: &str, stop_words: &HashSet<&str>) -> Vec<String> {
    let tokens: Vec<String> = tokens(text)
        .into_iter()
        .filter(|token| !stop_words.contains(token.as_str()))
        .collect();
    let mut out = Vec::with_capacity(tokens.len() * 2);
    out.extend(tokens.iter().cloned());
    out.extend(
        tokens
            .windows(2)
            .map(|pair| format!("{} {}", pair[0], pair[1])),
    );
    out
}

fn stop_words() -> HashSet<&'static str> {
    ENGLISH_STOP_WORDS.split(' ').collect()
}

/// `lower()`, then NFKD with combining characters dropped, then the token pattern
/// `(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b`: a match is a whole run of word characters, so a run
/// qualifies when it is all ASCII letters, digits and `_`, starts with a letter or `_`,
/// and has two characters or more.
fn tokens(text: &str) -> Vec<String> {
    let folded: String = text
        .to_lowercase()
        .nfkd()
        .filter(|&c| canonical_combining_class(c) == 0)
        .collect();
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|run| {
            run.len() >= 2
                && run.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && run
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_scikit_learns() {
        let stop_words = stop_words();
        assert_eq!(stop_words.len(), 318);
        assert!(stop_words.contains("amoungst") && stop_words.contains("system"));
        assert!(!stop_words.contains("model"));
    }

    #[track_caller]
    fn check_tokens(text: &str, expected: &str) {
        assert_eq!(tokens(text).join(" "), expected, "tokens({text:?})");
    }

    #[test]
    fn tokenizes_like_the_token_pattern() {
        check_tokens("Naïve GPT-4 3D x_1 a b2", "naive gpt x_1 b2");
        check_tokens("Schrödinger's cat", "schrodinger cat");
        // A run with a non-ASCII letter is no token; the pattern needs ASCII throughout.
        check_tokens("αβ-VAE 2x résumé", "vae resume");
        check_tokens("", "");
    }

    #[test]
    fn bigrams_span_removed_stop_words() {
        assert_eq!(
            ngrams("The diffusion of the models", &stop_words()),
            vec!["diffusion", "models", "diffusion models"]
        );
    }

    fn papers(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        rows.iter()
            .map(|&(id, t, a)| (id.to_owned(), t.to_owned(), a.to_owned()))
            .collect()
    }

    #[test]
    fn ranks_by_cosine() {
        let config = BaselineConfig {
            max_df: 1.0,
            min_df: Some(1),
            max_features: None,
        };
        let baseline = TfidfBaseline::build_with(
            &papers(&[
                ("a", "sparse attention", ""),
                ("b", "sparse attention kernels", ""),
                ("c", "protein folding", ""),
                ("d", "sparse protein", ""),
            ]),
            &config,
        );
        let related = baseline.related_to_id("a", 5).expect("a is fitted");
        let ids: Vec<&str> = related.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, vec!["b", "d"]);
        // a = (sparse, attention, sparse attention), all idf ln(5/3)+1 except sparse ln(5/4)+1.
        let (sparse, shared) = ((5f64 / 4.0).ln() + 1.0, (5f64 / 3.0).ln() + 1.0);
        let kernels = (5f64 / 2.0).ln() + 1.0;
        let a_norm = (sparse * sparse + 2.0 * shared * shared).sqrt();
        let b_norm = (a_norm * a_norm + 2.0 * kernels * kernels).sqrt();
        let expected = (sparse * sparse + 2.0 * shared * shared) / (a_norm * b_norm);
        assert!((f64::from(related[0].1) - expected).abs() < 1e-5);
        assert!(baseline.related_to_id("zzz", 5).is_none());
        let text = baseline.related_to_text("protein folding", 1);
        assert_eq!(text[0].0, "c");
    }

    #[test]
    fn scales_min_df_and_cuts_max_df() {
        // With the default max_df of 0.1, a word in 2 of 4 papers is too common.
        let baseline = TfidfBaseline::build(&papers(&[
            ("a", "alpha beta", ""),
            ("b", "alpha gamma", ""),
            ("c", "delta", ""),
            ("d", "epsilon", ""),
        ]));
        assert_eq!(baseline.related_to_id("a", 5), Some(vec![]));
        assert_eq!(baseline.len(), 4);
    }
}
