//! Does a paper match a follow, where, and how strongly. Pure.
//!
//! A paper is analyzed once into a [`Doc`] (canonical terms per field, with positions and
//! joined compounds); every follow is then evaluated against it by string comparison. The
//! strength ranks matches: title hits weigh more than abstract hits, phrases more than
//! scattered words, rare terms more than common ones (IDF from [`TermWeights`]).

use std::collections::{HashMap, HashSet};

use super::normalize::{Analyzed, analyze, archive_of, fold_category};
use super::{Field, Node};
use crate::paper::Paper;

/// How much a hit counts, by where it was found.
const TITLE_WEIGHT: f32 = 2.0;
const ABSTRACT_WEIGHT: f32 = 1.0;
const AUTHOR_WEIGHT: f32 = 2.0;
const CATEGORY_WEIGHT: f32 = 0.5;
/// A phrase is worth more than its words found apart.
const PHRASE_BONUS: f32 = 1.5;

/// One field's text as canonical terms, with where each term (or joined compound) occurs.
#[derive(Clone, Debug, Default)]
pub struct FieldText {
    pub tokens: Vec<String>,
    /// Term or compound -> positions (the compound `ab` of tokens i, i+1 sits at i).
    positions: HashMap<String, Vec<u32>>,
}

impl FieldText {
    pub fn new(text: &str) -> FieldText {
        let Analyzed { tokens, compounds } = analyze(text);
        let mut positions: HashMap<String, Vec<u32>> = HashMap::with_capacity(tokens.len() * 2);
        for (i, token) in tokens.iter().enumerate() {
            positions.entry(token.clone()).or_default().push(i as u32);
        }
        for (i, compound) in compounds.iter().enumerate() {
            if !compound.is_empty() {
                positions
                    .entry(compound.clone())
                    .or_default()
                    .push(i as u32);
            }
        }
        FieldText { tokens, positions }
    }

    /// Whether the term occurs as a word or as a compound written apart.
    pub fn has_term(&self, term: &str) -> bool {
        self.positions.contains_key(term)
    }

    /// Whether the terms occur consecutively. Two terms also match written joined
    /// (`"time step"` matches `timestep`).
    pub fn has_phrase(&self, terms: &[String]) -> bool {
        let Some((first, rest)) = terms.split_first() else {
            return false;
        };
        if let [second] = rest
            && self.positions.contains_key(&format!("{first}{second}"))
        {
            return true;
        }
        let Some(starts) = self.positions.get(first) else {
            return false;
        };
        // A phrase starts at a token, not inside a compound: `"xray ray"` does not match
        // "x-ray ray" (and the engine decides the same way).
        starts.iter().any(|&start| {
            self.tokens.get(start as usize) == Some(first)
                && rest
                    .iter()
                    .enumerate()
                    .all(|(k, term)| self.tokens.get(start as usize + 1 + k) == Some(term))
        })
    }

    /// Every distinct term and compound, for the engine's anchor lookup.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.positions.keys().map(String::as_str)
    }
}

/// A paper as the matcher sees it.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    pub title: FieldText,
    pub abstract_text: FieldText,
    pub authors: Vec<FieldText>,
    /// Categories and their archives, canonical (`cs.cv`, `cs`).
    pub categories: HashSet<String>,
}

impl Doc {
    pub fn from_paper(paper: &Paper) -> Doc {
        Doc::new(
            &paper.title,
            &paper.abstract_text,
            &paper.authors,
            &paper.categories,
        )
    }

    pub fn new(title: &str, abstract_text: &str, authors: &[String], categories: &[String]) -> Doc {
        let mut folded = HashSet::new();
        for category in categories {
            if let Some(category) = fold_category(category) {
                folded.insert(archive_of(&category).to_owned());
                folded.insert(category);
            }
        }
        Doc {
            title: FieldText::new(title),
            abstract_text: FieldText::new(abstract_text),
            authors: authors.iter().map(|a| FieldText::new(a)).collect(),
            categories: folded,
        }
    }
}

/// Document frequencies, for weighting rare terms above common ones.
pub trait TermWeights {
    /// Inverse document frequency of a canonical term; about 1 for an unknown one.
    fn idf(&self, term: &str) -> f32;
}

/// Every term weighs the same: for tests and when no statistics exist yet.
pub struct UniformWeights;

impl TermWeights for UniformWeights {
    fn idf(&self, _term: &str) -> f32 {
        1.0
    }
}

/// Document frequencies counted over a set of papers.
#[derive(Clone, Debug, Default)]
pub struct DocFrequencies {
    documents: u32,
    frequency: HashMap<String, u32>,
}

impl DocFrequencies {
    /// Counts one paper's distinct title and abstract terms.
    pub fn add(&mut self, doc: &Doc) {
        self.documents += 1;
        let terms: HashSet<&str> = doc.title.terms().chain(doc.abstract_text.terms()).collect();
        for term in terms {
            *self.frequency.entry(term.to_owned()).or_default() += 1;
        }
    }

    pub fn documents(&self) -> u32 {
        self.documents
    }

    pub fn frequency(&self, term: &str) -> u32 {
        self.frequency.get(term).copied().unwrap_or(0)
    }
}

impl TermWeights for DocFrequencies {
    fn idf(&self, term: &str) -> f32 {
        let n = self.documents as f32;
        let df = self.frequency(term) as f32;
        (1.0 + (n + 1.0) / (df + 1.0)).ln()
    }
}

/// Where a hit was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HitField {
    Title,
    Abstract,
    Author,
    Category,
}

/// One positive term or phrase that matched.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The term or phrase as the follow shows it (`timestep`, `"diffusion model"`).
    pub text: String,
    pub field: HitField,
}

/// A match: how strong, and on what.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchDetail {
    pub strength: f32,
    pub hits: Vec<Hit>,
}

/// Whether `doc` matches `node`. The fast path: no strengths, no hit lists.
pub fn matches(node: &Node, doc: &Doc) -> bool {
    match node {
        Node::Term { field, term } => find_term(*field, term, doc).is_some(),
        Node::Phrase { field, terms } => find_phrase(*field, terms, doc).is_some(),
        Node::And(children) => children.iter().all(|c| matches(c, doc)),
        Node::Or(children) => children.iter().any(|c| matches(c, doc)),
        Node::Not(inner) => !matches(inner, doc),
    }
}

/// The match with its strength and hits, or `None`.
pub fn explain(node: &Node, doc: &Doc, weights: &dyn TermWeights) -> Option<MatchDetail> {
    match node {
        Node::Term { field, term } => {
            let found = find_term(*field, term, doc)?;
            Some(MatchDetail {
                strength: weights.idf(term) * field_weight(found),
                hits: vec![Hit {
                    text: term.clone(),
                    field: found,
                }],
            })
        }
        Node::Phrase { field, terms } => {
            let found = find_phrase(*field, terms, doc)?;
            let idf: f32 = terms.iter().map(|t| weights.idf(t)).sum();
            Some(MatchDetail {
                strength: idf * field_weight(found) * PHRASE_BONUS,
                hits: vec![Hit {
                    text: format!("\"{}\"", terms.join(" ")),
                    field: found,
                }],
            })
        }
        Node::And(children) => {
            let mut total = MatchDetail {
                strength: 0.0,
                hits: Vec::new(),
            };
            for child in children {
                let detail = explain(child, doc, weights)?;
                total.strength += detail.strength;
                total.hits.extend(detail.hits);
            }
            Some(total)
        }
        // The strongest alternative stands for the group.
        Node::Or(children) => children
            .iter()
            .filter_map(|c| explain(c, doc, weights))
            .max_by(|a, b| a.strength.total_cmp(&b.strength)),
        Node::Not(inner) => (!matches(inner, doc)).then(|| MatchDetail {
            strength: 0.0,
            hits: Vec::new(),
        }),
    }
}

fn field_weight(field: HitField) -> f32 {
    match field {
        HitField::Title => TITLE_WEIGHT,
        HitField::Abstract => ABSTRACT_WEIGHT,
        HitField::Author => AUTHOR_WEIGHT,
        HitField::Category => CATEGORY_WEIGHT,
    }
}

/// Where a term occurs, preferring the title.
fn find_term(field: Field, term: &str, doc: &Doc) -> Option<HitField> {
    find_in(
        field,
        doc,
        |text| text.has_term(term),
        || doc.categories.contains(term),
    )
}

fn find_phrase(field: Field, terms: &[String], doc: &Doc) -> Option<HitField> {
    // A category is one token; a multi-word category cannot occur.
    find_in(field, doc, |text| text.has_phrase(terms), || false)
}

/// The first field, in title-abstract order, where `found` holds for the text; categories
/// are asked through `in_categories`.
fn find_in(
    field: Field,
    doc: &Doc,
    found: impl Fn(&FieldText) -> bool,
    in_categories: impl Fn() -> bool,
) -> Option<HitField> {
    let title = || found(&doc.title).then_some(HitField::Title);
    let abstract_text = || found(&doc.abstract_text).then_some(HitField::Abstract);
    match field {
        Field::Any => title().or_else(abstract_text),
        Field::Title => title(),
        Field::Abstract => abstract_text(),
        Field::Author => doc.authors.iter().any(&found).then_some(HitField::Author),
        Field::Category => in_categories().then_some(HitField::Category),
    }
}

/// Why a paper does not match, in words: the parts of the follow that failed. Empty when
/// it matches.
pub fn explain_miss(node: &Node, doc: &Doc) -> Vec<String> {
    if matches(node, doc) {
        return Vec::new();
    }
    match node {
        Node::Term { field, term } => vec![format!("{} not found{}", term, where_looked(*field))],
        Node::Phrase { field, terms } => vec![format!(
            "\"{}\" not found{}",
            terms.join(" "),
            where_looked(*field)
        )],
        Node::And(children) => children.iter().flat_map(|c| explain_miss(c, doc)).collect(),
        Node::Or(children) => {
            let alternatives: Vec<String> =
                children.iter().flat_map(|c| explain_miss(c, doc)).collect();
            vec![format!(
                "none of the alternatives: {}",
                alternatives.join("; ")
            )]
        }
        Node::Not(inner) => {
            let found: Vec<String> = explain(inner, doc, &UniformWeights)
                .map(|detail| {
                    detail
                        .hits
                        .into_iter()
                        .map(|hit| format!("{} ({})", hit.text, hit_field_name(hit.field)))
                        .collect()
                })
                .unwrap_or_default();
            vec![format!("excluded: it mentions {}", found.join(", "))]
        }
    }
}

fn where_looked(field: Field) -> &'static str {
    match field {
        Field::Any => " in title or abstract",
        Field::Title => " in the title",
        Field::Abstract => " in the abstract",
        Field::Author => " among the authors",
        Field::Category => " among the categories",
    }
}

/// How a hit's field reads in a reply.
pub fn hit_field_name(field: HitField) -> &'static str {
    match field {
        HitField::Title => "title",
        HitField::Abstract => "abstract",
        HitField::Author => "authors",
        HitField::Category => "categories",
    }
}
