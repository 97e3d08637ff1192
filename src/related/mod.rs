//! Related papers: which stored papers are closest to a given paper or to a few words, and
//! why (the terms they share), plus the yardsticks to judge that by.
//!
//! [`RelatedIndex`] is the default model, lexical: per paper a sparse tf-idf vector over the
//! canonical terms follows use (unigrams and adjacent-word bigrams from title and abstract),
//! an inverted index updated one paper at a time, and cosine similarity. Callers go through
//! [`RelatednessModel`], so another model (a local embedding, or a blend of one with the
//! lexical index) can take its place without changing them. [`TfidfBaseline`] is the bar
//! to clear, arxiv-sanity-lite's tf-idf computed brute force; [`evaluate`] scores any model
//! against graded judgments (NDCG@20, MAP).
//!
//! Pure: no I/O, no clock; depends on `query::normalize`, serde-free std collections and
//! `unicode-normalization` (for the baseline's tokenizer). Loading papers and judgments is
//! the caller's job.

mod baseline;
pub mod evaluate;
mod index;
mod postings;
mod terms;

pub use baseline::{BaselineConfig, TfidfBaseline};
pub use evaluate::{Evaluation, JudgmentError, Judgments, QueryScores};
pub use index::{RelatedConfig, RelatedIndex};

/// Whether the index leaves a word out on its own (stopwords, numbers, single characters),
/// so no paper can be found by it.
pub fn is_unindexed(term: &str) -> bool {
    terms::is_dropped_unigram(term)
}

/// One related paper: its id, the cosine similarity to the query (0 to 1), and the few
/// shared terms that contributed most, as a reason (`"diffusion model"`, `"sparse attention"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub id: String,
    pub score: f32,
    pub shared_terms: Vec<String>,
}

/// What `/related` and `paperboy related` need from a model. Results are best first; the
/// paper asked about is never among its own related papers.
pub trait RelatednessModel {
    /// The `top` papers most related to the stored paper `id`, or `None` when `id` is not
    /// stored.
    fn related_to_id(&self, id: &str, top: usize) -> Option<Vec<Related>>;

    /// The `top` papers most related to free text (a title, or any words).
    fn related_to_text(&self, text: &str, top: usize) -> Vec<Related>;
}
