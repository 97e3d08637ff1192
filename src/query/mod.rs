//! The follow language: what a follow means, as a value.
//!
//! `normalize` turns text (papers and queries alike) into canonical terms; `parse` reads a
//! follow into a [`Query`] and prints it back in normal form; `eval` decides whether a paper
//! matches and how strongly. Pure: no I/O, no clock.

pub mod eval;
pub mod normalize;
pub mod parse;

/// Where a term must occur.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Title or abstract (no prefix).
    Any,
    /// `ti:`
    Title,
    /// `abs:`
    Abstract,
    /// `au:` — within one author's name.
    Author,
    /// `cat:` — an arXiv category (`cs.cv`) or archive (`cs`), lowercase.
    Category,
}

/// A parsed follow. Terms are canonical (see `normalize`), so matching compares strings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// One canonical term. A compound written with a hyphen (`time-step`) is the joined
    /// term (`timestep`), which also matches `time step` and `time-steps` in papers.
    Term { field: Field, term: String },
    /// Consecutive terms (two or more), e.g. `"diffusion model"`.
    Phrase { field: Field, terms: Vec<String> },
    /// All must match. Never empty.
    And(Vec<Node>),
    /// Any may match. Never empty.
    Or(Vec<Node>),
    /// Must not match.
    Not(Box<Node>),
}
