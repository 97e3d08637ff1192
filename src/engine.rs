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

struct CompiledQuery {
    node: Node,
    anchors: Vec<Anchor>,
    owners: Vec<FollowKey>,
}

/// All follows, indexed.
#[derive(Default)]
pub struct MatchEngine {
    queries: Vec<Option<CompiledQuery>>,
    free_slots: Vec<u32>,
    slot_by_query: HashMap<Node, u32>,
    /// Per term space: anchor term -> query slots.
    index: [HashMap<String, Vec<u32>>; 3],
    follows: usize,
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
        let Some(anchors) = anchors(node, frequency) else {
            return false;
        };
        let compiled = CompiledQuery {
            node: node.clone(),
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
            for (space, term) in &query.anchors {
                self.index[*space as usize]
                    .entry(term.clone())
                    .or_default()
                    .push(slot);
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
            for (space, term) in anchors {
                let index = &mut self.index[space as usize];
                if let Some(slots) = index.get_mut(&term) {
                    slots.retain(|s| *s != slot);
                    if slots.is_empty() {
                        index.remove(&term);
                    }
                }
            }
            self.queries[slot as usize] = None;
            self.slot_by_query.remove(node);
            self.free_slots.push(slot);
        }
        true
    }

    /// Every follow that matches the paper, with its query.
    pub fn match_doc(&self, doc: &Doc) -> Vec<(FollowKey, &Node)> {
        let mut seen = vec![false; self.queries.len()];
        let mut found = Vec::new();
        let mut visit = |space: TermSpace, term: &str| {
            if let Some(slots) = self.index[space as usize].get(term) {
                for &slot in slots {
                    let slot = slot as usize;
                    if std::mem::replace(&mut seen[slot], true) {
                        continue;
                    }
                    if let Some(query) = &self.queries[slot]
                        && matches(&query.node, doc)
                    {
                        found.extend(query.owners.iter().map(|k| (*k, &query.node)));
                    }
                }
            }
        };
        for term in doc.title.terms().chain(doc.abstract_text.terms()) {
            visit(TermSpace::Words, term);
        }
        for author in &doc.authors {
            for term in author.terms() {
                visit(TermSpace::Authors, term);
            }
        }
        for category in &doc.categories {
            visit(TermSpace::Categories, category);
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
