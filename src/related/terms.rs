//! A paper's text as the related-papers index sees it: canonical unigrams and adjacent-pair
//! bigrams, counted per field, and the vocabulary that gives each term a dense id.
//!
//! Terms come from [`crate::query::normalize::analyze`], the normalization follows use, so a
//! follow word and a related-paper term are the same string. A bigram is the analyzer's
//! compound (`time step`, `time-step` and `timestep` are all `timestep`), so it merges with
//! the one-word spelling; it remembers where its two words meet so a reason can show it as
//! `time step`. Pure: depends only on `query::normalize` and std.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::query::normalize::{Analyzed, analyze};

/// Defines the stopword list once, as a sorted array (for the test) and as a `match` (for
/// speed: it runs on every token of every paper).
macro_rules! stopwords {
    ($($word:literal),* $(,)?) => {
        #[cfg(test)]
        const STOPWORDS: &[&str] = &[$($word),*];

        /// Whether a canonical term is a stopword.
        pub(crate) fn is_stopword(term: &str) -> bool {
            matches!(term, $($word)|*)
        }
    };
}

// Function words, the boilerplate of abstracts (`we propose`, `state-of-the-art`, `code
// is available at https://github.com/...`), in canonical (folded) form and sorted. Their unigrams are dropped, and no bigram has one as either word (`of the`, `we
// propose`). Frequent content words need no list: the document-frequency cut-off removes
// them.
stopwords![
    "a",
    "about",
    "above",
    "achieve",
    "across",
    "after",
    "again",
    "against",
    "all",
    "also",
    "although",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "are",
    "art",
    "as",
    "at",
    "available",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "com",
    "could",
    "demonstrate",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "due",
    "during",
    "each",
    "either",
    "et",
    "etc",
    "even",
    "ever",
    "every",
    "extensive",
    "for",
    "from",
    "further",
    "furthermore",
    "github",
    "had",
    "has",
    "have",
    "having",
    "he",
    "hence",
    "her",
    "here",
    "herein",
    "him",
    "his",
    "how",
    "however",
    "html",
    "http",
    "i",
    "ie",
    "if",
    "in",
    "into",
    "introduce",
    "io",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "may",
    "me",
    "might",
    "moreover",
    "most",
    "much",
    "must",
    "my",
    "neither",
    "no",
    "nor",
    "not",
    "novel",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "onto",
    "or",
    "org",
    "other",
    "our",
    "ourselves",
    "out",
    "over",
    "page",
    "paper",
    "per",
    "present",
    "project",
    "propose",
    "proposed",
    "publicly",
    "rather",
    "respectively",
    "same",
    "several",
    "shall",
    "she",
    "should",
    "show",
    "since",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "themselves",
    "then",
    "there",
    "thereby",
    "therefore",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "toward",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "was",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whereas",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "www",
    "yet",
    "you",
    "your",
];

/// Whether a unigram carries no topic on its own: a stopword, a number (`2024`, `3.5`), or
/// a single character (a variable name).
pub(crate) fn is_dropped_unigram(term: &str) -> bool {
    is_stopword(term) || term.chars().nth(1).is_none() || is_number(term)
}

fn is_number(term: &str) -> bool {
    term.chars().all(|c| c.is_numeric() || c == '.')
}

/// How often one term occurs in a paper's title and in its abstract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TermCount<'a> {
    pub key: &'a str,
    /// For a bigram whose key is its two words joined, the byte length of the first word
    /// (the reason shows `key[..split] key[split..]`); 0 for a unigram.
    pub split: u8,
    pub title: u16,
    pub body: u16,
    /// `hash_key(key)`, computed where the paper was analyzed.
    pub hash: u64,
}

/// A paper's distinct terms with their counts, owned and packed into one string (two
/// allocations per paper), so analysis can run on another thread than indexing and the
/// analyzer's many small strings are freed where they were made.
pub(crate) struct PaperText {
    keys: String,
    /// Per term: where its key ends in `keys`, its split and its counts.
    entries: Vec<(u32, u8, u16, u16)>,
    hashes: Vec<u64>,
}

/// Where a term's key is while a paper is being analyzed: which field, token or compound,
/// which position.
struct TermSlot {
    in_title: bool,
    compound: bool,
    position: u32,
    split: u8,
    title: u16,
    body: u16,
}

impl PaperText {
    pub fn new(title: &str, abstract_text: &str) -> Self {
        let title = analyze(title);
        let body = analyze(abstract_text);
        let capacity = title.tokens.len() * 2 + body.tokens.len() * 2;
        let mut slots = Vec::with_capacity(capacity);
        let mut seen: FastMap<&str, usize> = FastMap::default();
        seen.reserve(capacity);
        add_field(&mut slots, &mut seen, &title, true);
        add_field(&mut slots, &mut seen, &body, false);
        drop(seen);
        let mut keys = String::new();
        let mut entries = Vec::with_capacity(slots.len());
        let mut hashes = Vec::with_capacity(slots.len());
        for slot in slots {
            let field = if slot.in_title { &title } else { &body };
            let list = if slot.compound {
                &field.compounds
            } else {
                &field.tokens
            };
            let key = list.get(slot.position as usize).map_or("", String::as_str);
            keys.push_str(key);
            let Ok(end) = u32::try_from(keys.len()) else {
                break;
            };
            entries.push((end, slot.split, slot.title, slot.body));
            hashes.push(hash_key(key));
        }
        PaperText {
            keys,
            entries,
            hashes,
        }
    }

    /// The hashes of the paper's terms, in [`PaperText::terms`] order.
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// The paper's terms, each once, in first-seen order (title first).
    pub fn terms(&self) -> impl Iterator<Item = TermCount<'_>> {
        let mut start = 0;
        let hashes = self.hashes.iter().copied();
        self.entries
            .iter()
            .zip(hashes)
            .map(move |(&(end, split, title, body), hash)| {
                let key = self.keys.get(start..end as usize).unwrap_or("");
                start = end as usize;
                TermCount {
                    key,
                    split,
                    title,
                    body,
                    hash,
                }
            })
    }
}

fn add_field<'a>(
    slots: &mut Vec<TermSlot>,
    seen: &mut FastMap<&'a str, usize>,
    analyzed: &'a Analyzed,
    in_title: bool,
) {
    let stop: Vec<bool> = analyzed.tokens.iter().map(|t| is_stopword(t)).collect();
    let mut count = |key: &'a str, compound: bool, position: usize, split: u8| {
        let at = *seen.entry(key).or_insert_with(|| {
            slots.push(TermSlot {
                in_title,
                compound,
                position: position as u32,
                split,
                title: 0,
                body: 0,
            });
            slots.len() - 1
        });
        if let Some(slot) = slots.get_mut(at) {
            let field = if in_title {
                &mut slot.title
            } else {
                &mut slot.body
            };
            *field = field.saturating_add(1);
        }
    };
    for (i, compound) in analyzed.compounds.iter().enumerate() {
        let (Some(first), Some(second)) = (analyzed.tokens.get(i), analyzed.tokens.get(i + 1))
        else {
            continue;
        };
        // A count is no topic (`3 layers`), a version is (`gpt 4`, `llama 3`).
        if compound.is_empty()
            || stop.get(i) != Some(&false)
            || stop.get(i + 1) != Some(&false)
            || is_number(first)
        {
            continue;
        }
        let joined_plainly = compound.len() == first.len() + second.len()
            && compound.starts_with(first.as_str())
            && compound.ends_with(second.as_str());
        let split = if joined_plainly {
            u8::try_from(first.len()).unwrap_or(0)
        } else {
            0
        };
        count(compound, true, i, split);
    }
    for (i, (token, &stop)) in analyzed.tokens.iter().zip(&stop).enumerate() {
        if !stop && !is_dropped_unigram(token) {
            count(token, false, i, 0);
        }
    }
}

/// A term as a reason shows it: a bigram's two words with a space between them.
pub(crate) fn display(key: &str, split: u8) -> String {
    let split = usize::from(split);
    match (key.get(..split), key.get(split..)) {
        (Some(first), Some(second)) if split > 0 && !second.is_empty() => {
            format!("{first} {second}")
        }
        _ => key.to_owned(),
    }
}

/// Every distinct term ever seen, with a dense id, its display split and its document
/// frequency.
///
/// Built for millions of mostly rare bigrams: the strings live in one arena, and the hash
/// table is open addressing (linear probing, at most three quarters full) over `u64` slots
/// that hold the term id and 32 hash bits, so a probe rarely touches the arena. About 35
/// bytes per term in all, a third of a `HashMap<String, u32>`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Vocabulary {
    arena: String,
    /// `ends[id]` is where term `id` ends in `arena`; it starts where `id - 1` ends.
    ends: Vec<u32>,
    splits: Vec<u8>,
    df: Vec<u32>,
    /// 0 is empty; otherwise the high 32 bits are the key hash's low 32 bits (its high bits
    /// chose the slot), the low 32 are id + 1.
    slots: Vec<u64>,
}

/// Most terms the vocabulary holds; past it (or past 4 GiB of term text) new terms are
/// ignored rather than mis-indexed.
const MAX_TERMS: usize = (u32::MAX - 1) as usize;

impl Vocabulary {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn get(&self, key: &str) -> Option<u32> {
        self.get_hashed(key, hash_key(key))
    }

    /// [`Vocabulary::get`] with `hash_key(key)` already computed.
    pub fn get_hashed(&self, key: &str, hash: u64) -> Option<u32> {
        let mut at = self.home(hash)?;
        loop {
            let slot = *self.slots.get(at)?;
            if slot == 0 {
                return None;
            }
            if slot >> 32 == hash & u64::from(u32::MAX) {
                let id = (slot & u64::from(u32::MAX)) as u32 - 1;
                if self.key(id) == key {
                    return Some(id);
                }
            }
            at = self.next(at);
        }
    }

    /// The id of `key`, adding it when new; `None` only when the vocabulary is full.
    #[cfg(test)]
    pub fn intern(&mut self, key: &str, split: u8) -> Option<u32> {
        self.intern_hashed(key, hash_key(key), split)
    }

    /// [`Vocabulary::intern`] with `hash_key(key)` already computed.
    pub fn intern_hashed(&mut self, key: &str, hash: u64, split: u8) -> Option<u32> {
        if let Some(id) = self.get_hashed(key, hash) {
            return Some(id);
        }
        let id = self.len();
        let end = u32::try_from(self.arena.len() + key.len()).ok()?;
        if id >= MAX_TERMS {
            return None;
        }
        if (id + 1) * 4 > self.slots.len() * 3 {
            self.grow((id + 1) * 2);
        }
        self.arena.push_str(key);
        self.ends.push(end);
        self.splits.push(split);
        self.df.push(0);
        let id = id as u32;
        self.place(hash, id);
        Some(id)
    }

    /// Reads the home slot of every hash, and the key end of any term found there, before
    /// the lookups proper. The reads are independent, so the processor overlaps their
    /// cache misses instead of taking them one lookup at a time (interning a bulk load is
    /// bound by those misses). Returns a value only so the reads are not optimized away.
    pub fn warm(&self, hashes: &[u64]) -> u64 {
        let mut touched = 0u64;
        for &hash in hashes {
            let Some(slot) = self.home(hash).and_then(|at| self.slots.get(at)) else {
                continue;
            };
            touched = touched.wrapping_add(*slot);
        }
        for &hash in hashes {
            let Some(&slot) = self.home(hash).and_then(|at| self.slots.get(at)) else {
                continue;
            };
            if slot != 0 && slot >> 32 == hash & u64::from(u32::MAX) {
                let id = (slot & u64::from(u32::MAX)) as usize - 1;
                let end = self.ends.get(id).copied().unwrap_or(0) as usize;
                let first = self.arena.as_bytes().get(end.saturating_sub(1)).copied();
                touched = touched.wrapping_add(u64::from(first.unwrap_or(0)));
            }
        }
        std::hint::black_box(touched)
    }

    /// The slot a hash starts probing at: the table need not be a power of two, so the
    /// hash is mapped onto it by multiplication (Lemire's fast range) rather than a mask.
    fn home(&self, hash: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        Some(((u128::from(hash) * self.slots.len() as u128) >> 64) as usize)
    }

    fn next(&self, at: usize) -> usize {
        if at + 1 >= self.slots.len() {
            0
        } else {
            at + 1
        }
    }

    fn place(&mut self, hash: u64, id: u32) {
        let Some(mut at) = self.home(hash) else {
            return;
        };
        for _ in 0..self.slots.len() {
            let next = self.next(at);
            if let Some(slot) = self.slots.get_mut(at)
                && *slot == 0
            {
                *slot = ((hash & u64::from(u32::MAX)) << 32) | (u64::from(id) + 1);
                return;
            }
            at = next;
        }
    }

    /// Rebuilds the table with `capacity` slots (kept at most three quarters full).
    fn grow(&mut self, capacity: usize) {
        self.slots = vec![0; capacity.max(1024)];
        for id in 0..self.len() as u32 {
            let hash = hash_key(self.key(id));
            self.place(hash, id);
        }
    }

    /// Gives back the spare capacity of the growing lists (after a bulk load).
    pub fn shrink_to_fit(&mut self) {
        self.arena.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.splits.shrink_to_fit();
        self.df.shrink_to_fit();
    }

    pub fn key(&self, id: u32) -> &str {
        let id = id as usize;
        let start = match id.checked_sub(1) {
            Some(previous) => self.ends.get(previous).map_or(0, |&end| end as usize),
            None => 0,
        };
        let end = self.ends.get(id).map_or(start, |&end| end as usize);
        self.arena.get(start..end).unwrap_or("")
    }

    pub fn display(&self, id: u32) -> String {
        display(
            self.key(id),
            self.splits.get(id as usize).copied().unwrap_or(0),
        )
    }

    /// Whether term `id` is a two-word term (a bigram shown with a space, `time step`).
    pub fn is_bigram(&self, id: u32) -> bool {
        self.splits.get(id as usize).is_some_and(|&split| split > 0)
    }

    pub fn df(&self, id: u32) -> u32 {
        self.df.get(id as usize).copied().unwrap_or(0)
    }

    pub fn increment_df(&mut self, id: u32) {
        if let Some(df) = self.df.get_mut(id as usize) {
            *df = df.saturating_add(1);
        }
    }

    pub fn decrement_df(&mut self, id: u32) {
        if let Some(df) = self.df.get_mut(id as usize) {
            *df = df.saturating_sub(1);
        }
    }

    pub fn memory_bytes(&self) -> usize {
        self.arena.capacity()
            + self.ends.capacity() * 4
            + self.splits.capacity()
            + self.df.capacity() * 4
            + self.slots.capacity() * 8
    }
}

/// A fast, well-mixed 64-bit hash of a term (FxHash-style word steps and a murmur3
/// finalizer, so both the low bits, which pick the slot, and the high bits, kept as a tag,
/// are usable). Not DoS-resistant; its input is paper metadata.
fn hash_key(key: &str) -> u64 {
    let mut hasher = FastHasher::default();
    hasher.write(key.as_bytes());
    hasher.finish()
}

/// `HashMap` with [`FastHasher`], for the short-lived per-paper and per-query maps.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[derive(Default)]
pub(crate) struct FastHasher {
    state: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::normalize::fold_word;

    #[test]
    fn stopwords_are_sorted_and_folded() {
        assert!(STOPWORDS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(STOPWORDS.iter().all(|word| is_stopword(word)));
        assert!(!is_stopword("model") && !is_stopword(""));
        let not_canonical: Vec<&str> = STOPWORDS
            .iter()
            .copied()
            .filter(|word| fold_word(word).as_deref() != Some(*word))
            .collect();
        assert!(not_canonical.is_empty(), "not canonical: {not_canonical:?}");
    }

    /// `expected`: `key:title:body` per term, bigrams shown with their space.
    #[track_caller]
    fn check(title: &str, body: &str, expected: &str) {
        let got: Vec<String> = PaperText::new(title, body)
            .terms()
            .map(|t| format!("{}:{}:{}", display(t.key, t.split), t.title, t.body))
            .collect();
        assert_eq!(got.join(" "), expected);
    }

    #[test]
    fn terms_of_a_paper() {
        check(
            "Diffusion Models",
            "We train diffusion models.",
            "diffusion model:1:1 diffusion:1:1 model:1:1 train diffusion:0:1 train:0:1",
        );
        // Stopwords end no bigram; numbers and single letters are no unigram.
        check(
            "",
            "the use of 3 layers in a net",
            "use:0:1 layer:0:1 net:0:1",
        );
        // A compound across a hyphen is the one-word spelling.
        check("Time-Steps", "timestep", "time step:1:1 time:1:0 step:1:0");
        check("GPT 4 and GPT-4", "", "gpt 4:2:0 gpt:2:0");
        // No bigram across punctuation.
        check("", "graphs. neural", "graph:0:1 neural:0:1");
        check("", "", "");
    }

    #[test]
    fn vocabulary_interns_and_finds() {
        let mut vocabulary = Vocabulary::default();
        let words: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
        for (i, word) in words.iter().enumerate() {
            assert_eq!(vocabulary.intern(word, 0), Some(i as u32));
        }
        for (i, word) in words.iter().enumerate() {
            assert_eq!(vocabulary.get(word), Some(i as u32));
            assert_eq!(vocabulary.intern(word, 0), Some(i as u32));
            assert_eq!(vocabulary.key(i as u32), word);
        }
        assert_eq!(vocabulary.get("absent"), None);
        assert_eq!(vocabulary.get(""), None);
        assert_eq!(vocabulary.key(99_999), "");
        let id = vocabulary.intern("timestep", 4).expect("room");
        assert_eq!(vocabulary.display(id), "time step");
        assert!(vocabulary.is_bigram(id));
        assert!(!vocabulary.is_bigram(0) && !vocabulary.is_bigram(99_999));
    }
}
