//! The one interface digests, previews, `/why` and the engine use to decide whether a paper
//! matches a follow. Pure.
//!
//! A follow is written in the follow language (`query::parse`) and kept in its normal form;
//! matching evaluates the parsed tree against a paper analyzed once into a [`Doc`].

use crate::paper::Paper;
use crate::query::Node;
use crate::query::eval::{self, Doc, MatchDetail, TermWeights, UniformWeights};
use crate::query::parse::{QueryLimits, parse_query, print_query};

pub use crate::query::parse::QueryError;

/// A parsed follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowQuery {
    node: Node,
    normalized: String,
}

/// How well a paper matches: higher is better.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct MatchStrength(pub f32);

impl FollowQuery {
    /// Parses a follow; `max_chars` bounds its length (the other limits are the language's).
    pub fn parse(text: &str, max_chars: usize) -> Result<FollowQuery, QueryError> {
        let limits = QueryLimits {
            max_chars,
            ..QueryLimits::default()
        };
        let node = parse_query(text, &limits)?;
        Ok(FollowQuery {
            normalized: print_query(&node),
            node,
        })
    }

    /// The query as paperboy understood it, shown back to the user and stored.
    pub fn normalized(&self) -> String {
        self.normalized.clone()
    }

    pub fn node(&self) -> &Node {
        &self.node
    }

    pub fn matches(&self, doc: &Doc) -> bool {
        eval::matches(&self.node, doc)
    }

    /// Strength and hits of a match, or `None`.
    pub fn explain(&self, doc: &Doc, weights: &dyn TermWeights) -> Option<MatchDetail> {
        eval::explain(&self.node, doc, weights)
    }

    /// Convenience for one-off checks: analyzes the paper and weighs all terms alike.
    pub fn match_paper(&self, paper: &Paper) -> Option<MatchStrength> {
        self.explain(&Doc::from_paper(paper), &UniformWeights)
            .map(|detail| MatchStrength(detail.strength))
    }
}
