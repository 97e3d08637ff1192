//! The matching engine: every follow of every subscriber compiled into one structure, so
//! that matching a paper costs about its length plus the matches it yields, not the number
//! of follows. Pure data; the service keeps one and updates it as follows come and go.
//!
//! Identical queries are stored once with the list of follows that share them. Each query
//! has anchors: terms at least one of which any matching paper must contain (the rarest
//! required term of an AND, every branch's anchors of an OR). An inverted index maps anchor
//! terms to queries; matching a paper looks up its distinct terms, evaluates only the queries
//! found there, and yields their owners. [`naive_matches`] evaluates every follow against
//! every paper, as the reference for tests and benchmarks.

use std::collections::HashMap;

use crate::query::eval::{Doc, matches};
use crate::query::{Field, Node};

/// Who owns a follow. Opaque to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FollowKey {
    pub subscriber: u64,
    pub follow: u64,
}

/// Which kind of text a term belongs to: title and abstract words, author names, or
/// categories. Anchors and paper terms only meet within one space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TermSpace {
    Words = 0,
    Authors = 1,
    Categories = 2,
}

/// A term in its space.
pub type Anchor = (TermSpace, String);

/// How often a term occurs, to pick rare anchors. Any estimate works; better ones make
/// fewer candidate evaluations.
pub trait TermFrequency {
    fn frequency(&self, space: TermSpace, term: &str) -> u32;
}

/// No statistics: prefer longer terms (they tend to be rarer).
pub struct LengthHeuristic;

impl TermFrequency for LengthHeuristic {
    fn frequency(&self, _space: TermSpace, term: &str) -> u32 {
        1000u32.saturating_sub(term.len() as u32 * 10)
    }
}

impl TermFrequency for crate::query::eval::DocFrequencies {
    fn frequency(&self, space: TermSpace, term: &str) -> u32 {
        match space {
            TermSpace::Words => crate::query::eval::DocFrequencies::frequency(self, term),
            // Not counted: any author is rare, any category common.
            TermSpace::Authors => 1,
            TermSpace::Categories => self.documents(),
        }
    }
}

/// Which fields of a paper a term was found in, as bits.
const IN_TITLE: u8 = 1;
const IN_ABSTRACT: u8 = 2;
const IN_AUTHORS: u8 = 4;
const IN_CATEGORIES: u8 = 8;

fn field_bits(field: Field) -> u8 {
    match field {
        Field::Any => IN_TITLE | IN_ABSTRACT,
        Field::Title => IN_TITLE,
        Field::Abstract => IN_ABSTRACT,
        Field::Author => IN_AUTHORS,
        Field::Category => IN_CATEGORIES,
    }
}

/// A query over interned term ids: evaluating it is integer lookups, no hashing.
enum Compiled {
    Term {
        bits: u8,
        id: u32,
    },
    Phrase {
        bits: u8,
        ids: Box<[u32]>,
        /// The two terms written joined (`timestep` for `"time step"`), which also match.
        joined: Option<u32>,
    },
    And(Box<[Compiled]>),
    Or(Box<[Compiled]>),
    Not(Box<Compiled>),
}

struct CompiledQuery {
    node: Node,
    program: Compiled,
    anchors: Vec<u32>,
    owners: Vec<FollowKey>,
}

/// All follows, indexed.
#[derive(Default)]
pub struct MatchEngine {
    queries: Vec<Option<CompiledQuery>>,
    free_slots: Vec<u32>,
    slot_by_query: HashMap<Node, u32>,
    /// Every term any query mentions (and joined phrase forms), interned.
    term_ids: HashMap<String, u32>,
    /// Term id -> slots of the queries anchored on it.
    index: Vec<Vec<u32>>,
    follows: usize,
}

/// A paper seen through the engine's vocabulary: for each query term it contains, the
/// fields it is in, and the token sequences (as ids) that phrases are checked against.
struct DocTerms {
    /// Ids of the query terms the paper contains.
    present: Vec<u32>,
    /// Field bits by term id, for every interned term (zero when absent): one array
    /// lookup per term test.
    bits_by_id: Vec<u8>,
    title: Vec<u32>,
    abstract_text: Vec<u32>,
    authors: Vec<Vec<u32>>,
}

const UNKNOWN: u32 = u32::MAX;

impl DocTerms {
    fn bits(&self, id: u32) -> u8 {
        self.bits_by_id.get(id as usize).copied().unwrap_or(0)
    }

    fn has_sequence(&self, bits: u8, ids: &[u32]) -> bool {
        let in_sequence = |tokens: &[u32]| tokens.windows(ids.len()).any(|w| w == ids);
        (bits & IN_TITLE != 0 && in_sequence(&self.title))
            || (bits & IN_ABSTRACT != 0 && in_sequence(&self.abstract_text))
            || (bits & IN_AUTHORS != 0 && self.authors.iter().any(|a| in_sequence(a)))
    }

    fn eval(&self, program: &Compiled) -> bool {
        match program {
            Compiled::Term { bits, id } => self.bits(*id) & bits != 0,
            Compiled::Phrase { bits, ids, joined } => {
                joined.is_some_and(|j| self.bits(j) & bits != 0)
                    || (ids.iter().all(|id| self.bits(*id) & bits != 0)
                        && self.has_sequence(*bits, ids))
            }
            Compiled::And(children) => children.iter().all(|c| self.eval(c)),
            Compiled::Or(children) => children.iter().any(|c| self.eval(c)),
            Compiled::Not(inner) => !self.eval(inner),
        }
    }
}

impl MatchEngine {
    pub fn new() -> MatchEngine {
        MatchEngine::default()
    }

    /// Number of follows (not distinct queries).
    pub fn follow_count(&self) -> usize {
        self.follows
    }

    pub fn query_count(&self) -> usize {
        self.slot_by_query.len()
    }

    fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.term_ids.get(term) {
            return id;
        }
        let id = self.term_ids.len() as u32;
        self.term_ids.insert(term.to_owned(), id);
        self.index.push(Vec::new());
        id
    }

    fn compile(&mut self, node: &Node) -> Compiled {
        match node {
            Node::Term { field, term } => Compiled::Term {
                bits: field_bits(*field),
                id: self.intern(term),
            },
            Node::Phrase { field, terms } => {
                let joined = match terms.as_slice() {
                    [first, second] if *field != Field::Category => {
                        Some(self.intern(&format!("{first}{second}")))
                    }
                    _ => None,
                };
                Compiled::Phrase {
                    bits: field_bits(*field),
                    ids: terms.iter().map(|t| self.intern(t)).collect(),
                    joined,
                }
            }
            Node::And(children) => {
                Compiled::And(children.iter().map(|c| self.compile(c)).collect())
            }
            Node::Or(children) => Compiled::Or(children.iter().map(|c| self.compile(c)).collect()),
            Node::Not(inner) => Compiled::Not(Box::new(self.compile(inner))),
        }
    }

    /// Adds a follow. A query the parser produced always has anchors; one without (only
    /// negations) is refused and `false` returned.
    pub fn add(&mut self, key: FollowKey, node: &Node, frequency: &dyn TermFrequency) -> bool {
        if let Some(&slot) = self.slot_by_query.get(node)
            && let Some(query) = self.queries[slot as usize].as_mut()
        {
            query.owners.push(key);
            self.follows += 1;
            return true;
        }
        let Some(anchor_terms) = anchors(node, frequency) else {
            return false;
        };
        let anchors: Vec<u32> = anchor_terms
            .iter()
            .map(|(_, term)| self.intern(term))
            .collect();
        let program = self.compile(node);
        let compiled = CompiledQuery {
            node: node.clone(),
            program,
            anchors,
            owners: vec![key],
        };
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.queries[slot as usize] = Some(compiled);
                slot
            }
            None => {
                self.queries.push(Some(compiled));
                (self.queries.len() - 1) as u32
            }
        };
        if let Some(query) = &self.queries[slot as usize] {
            for &anchor in &query.anchors {
                let slots = &mut self.index[anchor as usize];
                if slots.last() != Some(&slot) && !slots.contains(&slot) {
                    slots.push(slot);
                }
            }
        }
        self.slot_by_query.insert(node.clone(), slot);
        self.follows += 1;
        true
    }

    /// Removes a follow; the query goes when its last follow does. Returns whether it was there.
    pub fn remove(&mut self, key: FollowKey, node: &Node) -> bool {
        let Some(&slot) = self.slot_by_query.get(node) else {
            return false;
        };
        let Some(query) = self.queries[slot as usize].as_mut() else {
            return false;
        };
        let Some(position) = query.owners.iter().position(|k| *k == key) else {
            return false;
        };
        query.owners.swap_remove(position);
        self.follows -= 1;
        if query.owners.is_empty() {
            let anchors = std::mem::take(&mut query.anchors);
            for anchor in anchors {
                self.index[anchor as usize].retain(|s| *s != slot);
            }
            self.queries[slot as usize] = None;
            self.slot_by_query.remove(node);
            self.free_slots.push(slot);
        }
        true
    }

    /// The paper's terms that any query mentions. Terms no query mentions cannot matter.
    fn doc_terms(&self, doc: &Doc) -> DocTerms {
        let mut bits_by_id = vec![0u8; self.term_ids.len()];
        let mut present = Vec::new();
        let mut mark = |terms: &mut dyn Iterator<Item = &str>, bits: u8| {
            for term in terms {
                if let Some(&id) = self.term_ids.get(term) {
                    let slot = &mut bits_by_id[id as usize];
                    if *slot == 0 {
                        present.push(id);
                    }
                    *slot |= bits;
                }
            }
        };
        mark(&mut doc.title.terms(), IN_TITLE);
        mark(&mut doc.abstract_text.terms(), IN_ABSTRACT);
        for author in &doc.authors {
            mark(&mut author.terms(), IN_AUTHORS);
        }
        mark(
            &mut doc.categories.iter().map(String::as_str),
            IN_CATEGORIES,
        );
        let ids = |tokens: &[String]| -> Vec<u32> {
            tokens
                .iter()
                .map(|t| self.term_ids.get(t).copied().unwrap_or(UNKNOWN))
                .collect()
        };
        DocTerms {
            present,
            bits_by_id,
            title: ids(&doc.title.tokens),
            abstract_text: ids(&doc.abstract_text.tokens),
            authors: doc.authors.iter().map(|a| ids(&a.tokens)).collect(),
        }
    }

    /// Every follow that matches the paper, with its query.
    pub fn match_doc(&self, doc: &Doc) -> Vec<(FollowKey, &Node)> {
        let terms = self.doc_terms(doc);
        let mut seen = vec![0u64; self.queries.len().div_ceil(64)];
        let mut found = Vec::new();
        for &id in &terms.present {
            for &slot in &self.index[id as usize] {
                let (word, bit) = (slot as usize / 64, 1u64 << (slot % 64));
                if seen[word] & bit != 0 {
                    continue;
                }
                seen[word] |= bit;
                if let Some(query) = &self.queries[slot as usize]
                    && terms.eval(&query.program)
                {
                    found.extend(query.owners.iter().map(|k| (*k, &query.node)));
                }
            }
        }
        found
    }
}

/// The reference: every follow evaluated against the paper.
pub fn naive_matches<'a>(
    follows: &'a [(FollowKey, Node)],
    doc: &Doc,
) -> Vec<(FollowKey, &'a Node)> {
    follows
        .iter()
        .filter(|(_, node)| matches(node, doc))
        .map(|(key, node)| (*key, node))
        .collect()
}

/// Terms at least one of which every matching paper contains, or `None` if the query
/// can match without any (only negations).
fn anchors(node: &Node, frequency: &dyn TermFrequency) -> Option<Vec<Anchor>> {
    match node {
        Node::Term { field, term } => Some(vec![namespaced(*field, term)]),
        Node::Phrase { field, terms } => {
            if *field == Field::Category {
                return None;
            }
            // A consecutive match contains every term: the rarest will do. Two terms can
            // also match written joined, so that form is an anchor too.
            let rarest = terms
                .iter()
                .map(|t| namespaced(*field, t))
                .min_by_key(|(space, t)| frequency.frequency(*space, t))?;
            let mut anchors = vec![rarest];
            if let [first, second] = terms.as_slice() {
                anchors.push(namespaced(*field, &format!("{first}{second}")));
            }
            Some(anchors)
        }
        Node::And(children) => children
            .iter()
            .filter_map(|c| anchors(c, frequency))
            .min_by_key(|set| {
                set.iter()
                    .map(|(space, t)| u64::from(frequency.frequency(*space, t)))
                    .sum::<u64>()
            }),
        Node::Or(children) => {
            let mut all = Vec::new();
            for child in children {
                all.extend(anchors(child, frequency)?);
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        Node::Not(_) => None,
    }
}

fn namespaced(field: Field, term: &str) -> Anchor {
    let space = match field {
        Field::Any | Field::Title | Field::Abstract => TermSpace::Words,
        Field::Author => TermSpace::Authors,
        Field::Category => TermSpace::Categories,
    };
    (space, term.to_owned())
}
