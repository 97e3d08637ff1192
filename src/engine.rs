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
//!
//! # Which method to call
//!
//! - [`MatchEngine::for_each_match`] (or [`MatchEngine::match_queries`], which collects the
//!   same into a `Vec`) with one [`MatchScratch`] per thread, reused for every paper: each
//!   matching *distinct* query once, with the slice of follows that share it. This is the
//!   fast path and what callers should use. A caller that needs per-query work (strength,
//!   printing the query) does it once per query instead of once per follow, and a caller
//!   that only wants some subscribers filters the owner slice.
//! - [`MatchEngine::match_doc`]: the same matches expanded to one `(follow, query)` pair per
//!   follow, with fresh buffers on every call. Kept for compatibility; at a million follows
//!   it writes about four times as many entries as there are matching queries.
//!
//! # Layout
//!
//! Each query is compiled to a few `u32` words of bytecode over interned term ids (see
//! `op`), and a copy of that program is stored *inline* in the posting list of each of its
//! anchor terms. Matching a paper therefore streams through the posting lists of the paper's
//! terms; a candidate's evaluation reads only that contiguous run of words and the paper's
//! field bits by term id (a small array that stays in cache). The per-query record (its
//! `Node` and owners) is touched only for queries that match. A query with several anchors
//! is evaluated once per paper: the entry under its k-th anchor lists the anchors before it,
//! and is skipped when the paper contains one of those (the query is evaluated under that
//! one instead). An AND tests its parts rarest first (by the [`TermFrequency`] given to
//! [`MatchEngine::add`]) and its negations last; an OR tries its commonest branch first.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;

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

/// The bytecode a query compiles to. Every node starts with one header word: the op in
/// bits 0..4, the field bits in bits 4..8, and the node's whole length in words (header
/// included) in bits 8..32, so a node can be skipped without reading it.
///
/// - `ALL`: `[header, id…]`: every term in one of the fields. A term, and an AND's terms
///   with the same field, rarest first.
/// - `PHRASE`: `[header, joined, probe, id…]`: the two terms written joined (`timestep` for
///   `"time step"`, or [`NO_TERM`]) in one of the fields; or every id in one of the fields
///   and consecutive in one of them, looked for where `id[probe]` (the rarest) occurs.
/// - `AND`, `OR`: `[header, child…]`. `NOT`: `[header, child]`.
mod op {
    pub const ALL: u32 = 0;
    pub const PHRASE: u32 = 1;
    pub const AND: u32 = 2;
    pub const OR: u32 = 3;
    pub const NOT: u32 = 4;
}

/// Where a joined form does not exist, and paper tokens no query mentions.
const NO_TERM: u32 = u32::MAX;
/// Longest node the header can describe, in words.
const MAX_NODE_WORDS: usize = (1 << 24) - 1;

fn header(op: u32, bits: u8, words: usize) -> u32 {
    op | u32::from(bits) << 4 | (words as u32) << 8
}

fn node_words(header: u32) -> usize {
    (header >> 8) as usize
}

/// Writes the header of the node that starts at `start` and ends with `code`.
fn close(code: &mut [u32], start: usize, kind: u32, bits: u8) -> Option<()> {
    let words = code.len() - start;
    if words > MAX_NODE_WORDS {
        return None;
    }
    code[start] = header(kind, bits, words);
    Some(())
}

/// A posting entry: `[slot, k, the k earlier anchors…, program…]`; its length follows from
/// k and the program's header.
const ENTRY_HEADER: usize = 2;

/// The length of the posting entry `list` starts with (at least one word, at most all).
fn entry_words(list: &[u32]) -> usize {
    let earlier = list.get(1).map_or(0, |&k| k as usize);
    let program = list
        .get(ENTRY_HEADER + earlier)
        .map_or(0, |&h| node_words(h));
    (ENTRY_HEADER + earlier + program).clamp(1, list.len())
}

/// A distinct query; read for each match, so kept small (32 bytes).
struct Slot {
    node: Arc<Node>,
    owners: Vec<FollowKey>,
}

/// The hash for the term table, which every paper's terms are looked up in: SipHash (the
/// std default) was a fifth of the matching time. A multiply-fold over eight bytes at a
/// time, keyed per engine from `RandomState`, so the buckets cannot be predicted from
/// outside (terms come from follows people write).
#[derive(Clone)]
struct TermHashing {
    seed: u64,
}

impl Default for TermHashing {
    fn default() -> TermHashing {
        TermHashing {
            seed: RandomState::new().hash_one(0x5eed_u64),
        }
    }
}

impl BuildHasher for TermHashing {
    type Hasher = TermHasher;

    fn build_hasher(&self) -> TermHasher {
        TermHasher { state: self.seed }
    }
}

struct TermHasher {
    state: u64,
}

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
const FINISH: u64 = 0x2d35_8dcc_aa6c_78a5;

/// The high and low halves of the full product, xored.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl Hasher for TermHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut state = self.state ^ bytes.len() as u64;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            state = fold(state ^ u64::from_le_bytes(word), MULTIPLIER);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            state = fold(state ^ u64::from_le_bytes(word), MULTIPLIER);
        }
        self.state = state;
    }

    fn write_u8(&mut self, byte: u8) {
        self.state = fold(self.state ^ u64::from(byte), MULTIPLIER);
    }

    fn finish(&self) -> u64 {
        // A last fold spreads the last word into the top bits, which the table's control
        // bytes use.
        fold(self.state, FINISH)
    }
}

/// All follows, indexed.
#[derive(Default)]
pub struct MatchEngine {
    slots: Vec<Option<Slot>>,
    /// Slot -> distinct anchor term ids, in the order their posting entries list them.
    slot_anchors: Vec<Box<[u32]>>,
    free_slots: Vec<u32>,
    slot_by_query: HashMap<Arc<Node>, u32>,
    /// Every term any query mentions (and joined phrase forms), interned. Ids are never
    /// reused, so a scratch buffer sized for them stays valid.
    term_ids: HashMap<String, u32, TermHashing>,
    /// Term id -> posting entries (see [`ENTRY_HEADER`]) of the queries anchored on it,
    /// programs inline.
    postings: Vec<Vec<u32>>,
    follows: usize,
}

/// Buffers for matching, reused across papers (and engines): keep one per thread and pass
/// it to every [`MatchEngine::for_each_match`] or [`MatchEngine::match_queries`] call, so a
/// paper costs no allocation and no clearing proportional to the engine's vocabulary.
#[derive(Default)]
pub struct MatchScratch {
    /// Field bits by term id for the current paper; all zero outside a call, except for
    /// the ids in `present`, which the next call clears first.
    bits: Vec<u8>,
    /// Ids of the query terms the current paper contains.
    present: Vec<u32>,
    tokens: Tokens,
    matched: Vec<u32>,
    candidates: usize,
}

impl MatchScratch {
    pub fn new() -> MatchScratch {
        MatchScratch::default()
    }

    /// How many candidate queries the last call evaluated (each distinct query at most
    /// once per paper).
    pub fn last_candidates(&self) -> usize {
        self.candidates
    }
}

/// The paper's token sequences as term ids, for phrases; filled on first need per paper.
#[derive(Default)]
struct Tokens {
    ready: bool,
    /// The title's tokens, [`NO_TERM`], the abstract's, [`NO_TERM`], then each author's
    /// followed by [`NO_TERM`]; tokens no query mentions are [`NO_TERM`] too.
    all: Vec<u32>,
    title_end: usize,
    abstract_end: usize,
    /// Position -> the next position of the same term, or `u32::MAX`.
    next: Vec<u32>,
    /// Term id -> its first position, or `u32::MAX`; only ids in `firsts` are set.
    first: Vec<u32>,
    firsts: Vec<u32>,
}

impl Tokens {
    fn clear(&mut self) {
        for &id in &self.firsts {
            if let Some(first) = self.first.get_mut(id as usize) {
                *first = u32::MAX;
            }
        }
        self.firsts.clear();
        self.all.clear();
        self.next.clear();
        self.ready = false;
    }
}

/// One paper being matched: its field bits, and its token sequences when a phrase needs them.
struct PaperView<'a> {
    bits: &'a [u8],
    tokens: &'a mut Tokens,
    doc: &'a Doc,
    term_ids: &'a HashMap<String, u32, TermHashing>,
}

impl PaperView<'_> {
    fn bits(&self, id: u32) -> u8 {
        self.bits.get(id as usize).copied().unwrap_or(0)
    }

    fn fill_tokens(&mut self) {
        let term_ids = self.term_ids;
        let tokens = &mut *self.tokens;
        let ids = |out: &mut Vec<u32>, text: &[String]| {
            out.extend(
                text.iter()
                    .map(|t| term_ids.get(t.as_str()).copied().unwrap_or(NO_TERM)),
            );
            out.push(NO_TERM);
        };
        ids(&mut tokens.all, &self.doc.title.tokens);
        tokens.title_end = tokens.all.len();
        ids(&mut tokens.all, &self.doc.abstract_text.tokens);
        tokens.abstract_end = tokens.all.len();
        for author in &self.doc.authors {
            ids(&mut tokens.all, &author.tokens);
        }
        if tokens.first.len() < term_ids.len() {
            tokens.first.resize(term_ids.len(), u32::MAX);
        }
        tokens.next.resize(tokens.all.len(), u32::MAX);
        for (i, &id) in tokens.all.iter().enumerate().rev() {
            if let Some(first) = tokens.first.get_mut(id as usize) {
                if *first == u32::MAX {
                    tokens.firsts.push(id);
                }
                tokens.next[i] = *first;
                *first = i as u32;
            }
        }
        tokens.ready = true;
    }

    /// Whether `ids` occur consecutively in one of the fields in `bits`, looking where
    /// `ids[probe]` occurs.
    fn has_sequence(&mut self, bits: u8, probe: usize, ids: &[u32]) -> bool {
        if !self.tokens.ready {
            self.fill_tokens();
        }
        let tokens = &*self.tokens;
        let Some(&probe_id) = ids.get(probe) else {
            return false;
        };
        let mut at = tokens
            .first
            .get(probe_id as usize)
            .copied()
            .unwrap_or(u32::MAX);
        while at != u32::MAX {
            let position = at as usize;
            at = tokens.next.get(position).copied().unwrap_or(u32::MAX);
            let Some(start) = position.checked_sub(probe) else {
                continue;
            };
            // Separators are NO_TERM, which no phrase contains: a match is in one field.
            if tokens.all.get(start..start + ids.len()) != Some(ids) {
                continue;
            }
            let field = if start < tokens.title_end {
                IN_TITLE
            } else if start < tokens.abstract_end {
                IN_ABSTRACT
            } else {
                IN_AUTHORS
            };
            if field & bits != 0 {
                return true;
            }
        }
        false
    }

    /// Evaluates the node that `code` starts with.
    fn eval(&mut self, code: &[u32]) -> bool {
        let Some(&head) = code.first() else {
            return false;
        };
        let code = &code[..node_words(head).clamp(1, code.len())];
        let bits = (head >> 4) as u8 & 0xF;
        match head & 0xF {
            op::ALL => code[1..].iter().all(|&id| self.bits(id) & bits != 0),
            op::PHRASE => {
                let [_, joined, probe, ids @ ..] = code else {
                    return false;
                };
                if *joined != NO_TERM && self.bits(*joined) & bits != 0 {
                    return true;
                }
                if ids.is_empty() || !ids.iter().all(|&id| self.bits(id) & bits != 0) {
                    return false;
                }
                // One term: found as a term or a compound, which the bits already say (a
                // category is never a phrase).
                match ids {
                    [id] => self.bits(*id) & bits & !IN_CATEGORIES != 0,
                    _ => self.has_sequence(bits, *probe as usize, ids),
                }
            }
            op::AND => {
                let mut rest = &code[1..];
                while let Some(&child) = rest.first() {
                    if !self.eval(rest) {
                        return false;
                    }
                    rest = &rest[node_words(child).clamp(1, rest.len())..];
                }
                true
            }
            op::OR => {
                let mut rest = &code[1..];
                while let Some(&child) = rest.first() {
                    if self.eval(rest) {
                        return true;
                    }
                    rest = &rest[node_words(child).clamp(1, rest.len())..];
                }
                false
            }
            _ => !self.eval(&code[1..]),
        }
    }
}

/// How likely a node is to match, for ordering: about its document frequency.
fn likelihood(node: &Node, frequency: &dyn TermFrequency) -> u64 {
    match node {
        Node::Term { field, term } => u64::from(frequency.frequency(space(*field), term)),
        Node::Phrase { field, terms } => terms
            .iter()
            .map(|t| u64::from(frequency.frequency(space(*field), t)))
            .min()
            .unwrap_or(0),
        Node::And(children) => children
            .iter()
            .filter(|c| !matches!(c, Node::Not(_)))
            .map(|c| likelihood(c, frequency))
            .min()
            .unwrap_or(u64::from(u32::MAX)),
        Node::Or(children) => children
            .iter()
            .map(|c| likelihood(c, frequency))
            .fold(0u64, u64::saturating_add),
        Node::Not(_) => u64::from(u32::MAX),
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
        self.postings.push(Vec::new());
        id
    }

    /// Appends the program of `node` to `code`; `None` if a node is too long to encode.
    fn compile(
        &mut self,
        node: &Node,
        frequency: &dyn TermFrequency,
        code: &mut Vec<u32>,
    ) -> Option<()> {
        match node {
            Node::Term { field, term } => {
                let id = self.intern(term);
                code.extend([header(op::ALL, field_bits(*field), 2), id]);
                Some(())
            }
            Node::Phrase { field, terms } => {
                let start = code.len();
                let joined = match terms.as_slice() {
                    [first, second] if *field != Field::Category => {
                        self.intern(&format!("{first}{second}"))
                    }
                    _ => NO_TERM,
                };
                let probe = (0..terms.len())
                    .min_by_key(|&i| frequency.frequency(space(*field), &terms[i]))
                    .unwrap_or(0);
                code.extend([0, joined, probe as u32]);
                for term in terms {
                    let id = self.intern(term);
                    code.push(id);
                }
                close(code, start, op::PHRASE, field_bits(*field))
            }
            Node::And(children) => {
                // The plain terms, grouped by field into one ALL each, and the other parts,
                // rarest first: an AND fails fastest on its rarest part. Stable, so equal
                // estimates keep the query's order.
                let mut groups: Vec<(u8, Vec<(u64, &str)>)> = Vec::new();
                let mut parts: Vec<(u64, Option<usize>, &Node)> = Vec::new();
                for child in children {
                    if let Node::Term { field, term } = child {
                        let bits = field_bits(*field);
                        let rarity = likelihood(child, frequency);
                        match groups.iter_mut().position(|(b, _)| *b == bits) {
                            Some(g) => groups[g].1.push((rarity, term)),
                            None => {
                                parts.push((0, Some(groups.len()), child));
                                groups.push((bits, vec![(rarity, term)]));
                            }
                        }
                    } else {
                        parts.push((likelihood(child, frequency), None, child));
                    }
                }
                for (rarity, group, _) in &mut parts {
                    if let Some(g) = group {
                        let terms = &mut groups[*g].1;
                        terms.sort_by_key(|(r, _)| *r);
                        *rarity = terms.first().map_or(0, |(r, _)| *r);
                    }
                }
                parts.sort_by_key(|(rarity, _, _)| *rarity);
                let start = code.len();
                let wrapped = parts.len() != 1;
                if wrapped {
                    code.push(0);
                }
                for (_, group, child) in parts {
                    match group {
                        Some(g) => {
                            let (bits, terms) = &groups[g];
                            let group_start = code.len();
                            code.push(0);
                            for (_, term) in terms {
                                let id = self.intern(term);
                                code.push(id);
                            }
                            close(code, group_start, op::ALL, *bits)?;
                        }
                        None => self.compile(child, frequency, code)?,
                    }
                }
                // (An empty AND, which the parser never makes, matches everything.)
                if wrapped {
                    close(code, start, op::AND, 0)?;
                }
                Some(())
            }
            Node::Or(children) => {
                // An OR succeeds fastest on its commonest branch.
                let mut ordered: Vec<(u64, &Node)> = children
                    .iter()
                    .map(|c| (likelihood(c, frequency), c))
                    .collect();
                ordered.sort_by_key(|(l, _)| std::cmp::Reverse(*l));
                let start = code.len();
                code.push(0);
                for (_, child) in ordered {
                    self.compile(child, frequency, code)?;
                }
                close(code, start, op::OR, 0)
            }
            Node::Not(inner) => {
                let start = code.len();
                code.push(0);
                self.compile(inner, frequency, code)?;
                close(code, start, op::NOT, 0)
            }
        }
    }

    /// Adds a follow. A query the parser produced always has anchors; one without (only
    /// negations) is refused and `false` returned, as is one too large to compile (over
    /// sixteen million words, far beyond what the parser accepts).
    pub fn add(&mut self, key: FollowKey, node: &Node, frequency: &dyn TermFrequency) -> bool {
        if let Some(&slot) = self.slot_by_query.get(node)
            && let Some(query) = self.slots[slot as usize].as_mut()
        {
            query.owners.push(key);
            self.follows += 1;
            return true;
        }
        let Some(anchor_terms) = anchors(node, frequency) else {
            return false;
        };
        let mut program = Vec::new();
        if self.compile(node, frequency, &mut program).is_none() {
            return false;
        }
        let mut anchor_ids: Vec<u32> = Vec::with_capacity(anchor_terms.len());
        for (_, term) in &anchor_terms {
            let id = self.intern(term);
            if !anchor_ids.contains(&id) {
                anchor_ids.push(id);
            }
        }
        let slot = match self.free_slots.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        for (k, &anchor) in anchor_ids.iter().enumerate() {
            let list = &mut self.postings[anchor as usize];
            list.reserve(ENTRY_HEADER + k + program.len());
            list.push(slot);
            list.push(k as u32);
            list.extend_from_slice(&anchor_ids[..k]);
            list.extend_from_slice(&program);
        }
        let node = Arc::new(node.clone());
        self.slots[slot as usize] = Some(Slot {
            node: Arc::clone(&node),
            owners: vec![key],
        });
        if self.slot_anchors.len() <= slot as usize {
            self.slot_anchors.resize(slot as usize + 1, Box::default());
        }
        self.slot_anchors[slot as usize] = anchor_ids.into_boxed_slice();
        self.slot_by_query.insert(node, slot);
        self.follows += 1;
        true
    }

    /// Removes a follow; the query goes when its last follow does. Returns whether it was there.
    pub fn remove(&mut self, key: FollowKey, node: &Node) -> bool {
        let Some(&slot) = self.slot_by_query.get(node) else {
            return false;
        };
        let Some(query) = self.slots[slot as usize].as_mut() else {
            return false;
        };
        let Some(position) = query.owners.iter().position(|k| *k == key) else {
            return false;
        };
        query.owners.swap_remove(position);
        self.follows -= 1;
        if query.owners.is_empty() {
            let anchors = std::mem::take(&mut self.slot_anchors[slot as usize]);
            for anchor in anchors.iter() {
                let list = &mut self.postings[*anchor as usize];
                let mut pos = 0;
                while pos + ENTRY_HEADER < list.len() {
                    let len = entry_words(&list[pos..]);
                    if list[pos] == slot {
                        list.drain(pos..(pos + len).min(list.len()));
                        break;
                    }
                    pos += len;
                }
                if list.is_empty() {
                    list.shrink_to_fit();
                }
            }
            self.slots[slot as usize] = None;
            self.slot_by_query.remove(node);
            self.free_slots.push(slot);
        }
        true
    }

    /// Marks the paper's terms that any query mentions (terms no query mentions cannot
    /// matter) and evaluates the queries anchored on them; leaves the matching slots in
    /// `scratch.matched`.
    fn run(&self, doc: &Doc, scratch: &mut MatchScratch) {
        let MatchScratch {
            bits,
            present,
            tokens,
            matched,
            candidates,
        } = scratch;
        // Clear what the previous paper set (also after a panic in a visitor).
        for &id in present.iter() {
            if let Some(b) = bits.get_mut(id as usize) {
                *b = 0;
            }
        }
        present.clear();
        if bits.len() < self.term_ids.len() {
            bits.resize(self.term_ids.len(), 0);
        }
        tokens.clear();
        matched.clear();
        *candidates = 0;

        let mut mark = |terms: &mut dyn Iterator<Item = &str>, field: u8| {
            for term in terms {
                if let Some(&id) = self.term_ids.get(term) {
                    let slot = &mut bits[id as usize];
                    if *slot == 0 {
                        present.push(id);
                    }
                    *slot |= field;
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

        let mut paper = PaperView {
            bits,
            tokens,
            doc,
            term_ids: &self.term_ids,
        };
        let mut evaluated = 0;
        for &id in present.iter() {
            let mut list = self.postings[id as usize].as_slice();
            while list.len() > ENTRY_HEADER {
                let len = entry_words(list);
                let (entry, rest) = list.split_at(len);
                list = rest;
                let [slot, earlier, entry @ ..] = entry else {
                    break;
                };
                let (earlier, program) = entry.split_at((*earlier as usize).min(entry.len()));
                // Evaluated under an earlier anchor the paper also contains.
                if earlier.iter().any(|&a| paper.bits(a) != 0) {
                    continue;
                }
                evaluated += 1;
                // Most queries are one ALL (a keyword): tested here, without the call.
                let head = program.first().copied().unwrap_or(0);
                let found = if head & 0xF == op::ALL {
                    let bits = (head >> 4) as u8 & 0xF;
                    let ids = program.get(1..node_words(head)).unwrap_or_default();
                    ids.iter().all(|&id| paper.bits(id) & bits != 0)
                } else {
                    paper.eval(program)
                };
                if found {
                    matched.push(*slot);
                }
            }
        }
        *candidates = evaluated;
    }

    fn slot(&self, slot: u32) -> Option<(&Node, &[FollowKey])> {
        self.slots
            .get(slot as usize)
            .and_then(Option::as_ref)
            .map(|s| (&*s.node, s.owners.as_slice()))
    }

    /// Calls `visit` once for each distinct query that matches the paper, with the follows
    /// that share it (never empty). The fast path; see the module docs.
    pub fn for_each_match<'e>(
        &'e self,
        doc: &Doc,
        scratch: &mut MatchScratch,
        mut visit: impl FnMut(&'e Node, &'e [FollowKey]),
    ) {
        self.run(doc, scratch);
        for &slot in &scratch.matched {
            if let Some((node, owners)) = self.slot(slot) {
                visit(node, owners);
            }
        }
    }

    /// Each distinct query that matches the paper once, with the follows that share it, in
    /// no particular order. Same as [`MatchEngine::for_each_match`], collected.
    pub fn match_queries<'e>(
        &'e self,
        doc: &Doc,
        scratch: &mut MatchScratch,
    ) -> Vec<(&'e Node, &'e [FollowKey])> {
        self.run(doc, scratch);
        scratch
            .matched
            .iter()
            .filter_map(|&slot| self.slot(slot))
            .collect()
    }

    /// Every follow that matches the paper, with its query: [`MatchEngine::match_queries`]
    /// expanded to one pair per follow, with fresh buffers on each call. Prefer the grouped
    /// methods with a reused [`MatchScratch`].
    pub fn match_doc(&self, doc: &Doc) -> Vec<(FollowKey, &Node)> {
        let mut scratch = MatchScratch::new();
        self.run(doc, &mut scratch);
        let mut found = Vec::new();
        for &slot in &scratch.matched {
            if let Some((node, owners)) = self.slot(slot) {
                found.extend(owners.iter().map(|k| (*k, node)));
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

fn space(field: Field) -> TermSpace {
    match field {
        Field::Any | Field::Title | Field::Abstract => TermSpace::Words,
        Field::Author => TermSpace::Authors,
        Field::Category => TermSpace::Categories,
    }
}

fn namespaced(field: Field, term: &str) -> Anchor {
    (space(field), term.to_owned())
}
