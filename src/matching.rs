//! Which papers a follow matches, and how strongly. Pure.
//!
//! This is the one interface digests, previews and `/why` use. The matcher here is the
//! placeholder of the first release: a follow matches when every one of its words occurs in
//! the title or abstract, case-insensitively. The follow language replaces it behind the
//! same functions.

use crate::paper::Paper;

/// A parsed follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowQuery {
    words: Vec<String>,
}

/// Why a follow cannot be used. The message is shown to the user as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is empty; try e.g. /follow diffusion models")]
    Empty,
    #[error("the query is {chars} characters long; the limit is {limit}")]
    TooLong { chars: usize, limit: usize },
}

/// How well a paper matches: higher is better. Title hits weigh more than abstract hits.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct MatchStrength(pub f32);

impl FollowQuery {
    pub fn parse(text: &str, max_chars: usize) -> Result<FollowQuery, QueryError> {
        let chars = text.chars().count();
        if chars > max_chars {
            return Err(QueryError::TooLong {
                chars,
                limit: max_chars,
            });
        }
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        if words.is_empty() {
            return Err(QueryError::Empty);
        }
        Ok(FollowQuery { words })
    }

    /// The query as paperboy understood it, shown back to the user.
    pub fn normalized(&self) -> String {
        self.words.join(" ")
    }

    /// `Some(strength)` when every word occurs in the title or abstract.
    pub fn match_paper(&self, paper: &Paper) -> Option<MatchStrength> {
        let title = paper.title.to_lowercase();
        let abstract_text = paper.abstract_text.to_lowercase();
        let mut strength = 0.0;
        for word in &self.words {
            if title.contains(word.as_str()) {
                strength += 2.0;
            } else if abstract_text.contains(word.as_str()) {
                strength += 1.0;
            } else {
                return None;
            }
        }
        Some(MatchStrength(strength))
    }
}
