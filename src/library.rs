//! The store as a library: related papers and search over every stored paper.
//!
//! The shell around the pure `related` and `query` modules. It builds the related-papers
//! index from the store on first use (on a blocking thread: about 4 s for 80,000 papers),
//! then keeps it in step by adding the papers stored since it last looked, before every
//! question and after every ingest. Search evaluates the follow language on a candidate set
//! the index gives cheaply (the papers holding the query's rarest required word) instead of
//! on every stored paper.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::matching::FollowQuery;
use crate::paper::{Paper, PaperId};
use crate::query::eval::{Doc, TermWeights};
use crate::query::{Field, Node};
use crate::related::{Related, RelatedConfig, RelatedIndex};
use crate::store::{Store, StoreError};

/// Papers read from the store per index extension while building.
const BUILD_CHUNK: usize = 16_384;
/// Search evaluates at most this many candidates, the newest by arXiv id.
pub const SEARCH_CANDIDATES: usize = 5_000;
/// A query with no indexed word to narrow by (only authors or categories, say) is
/// evaluated on the papers stored in this many recent days.
pub const SEARCH_SCAN_DAYS: i64 = 90;

/// The related-papers index as of some moment of the store.
struct LiveIndex {
    index: RelatedIndex,
    /// The newest `stored_at` added, and the ids stored at exactly that time: papers of one
    /// ingest share a timestamp, and a refresh may fall between two of its batches.
    watermark: Option<(DateTime<Utc>, HashSet<PaperId>)>,
}

impl LiveIndex {
    fn build(store: &Store) -> Result<LiveIndex, StoreError> {
        let mut live = LiveIndex {
            index: RelatedIndex::new(RelatedConfig::default()),
            watermark: None,
        };
        let mut chunk: Vec<Paper> = Vec::with_capacity(BUILD_CHUNK);
        for paper in store.papers() {
            chunk.push(paper?);
            if chunk.len() == BUILD_CHUNK {
                live.extend(&chunk);
                chunk.clear();
            }
        }
        live.extend(&chunk);
        Ok(live)
    }

    fn extend(&mut self, papers: &[Paper]) {
        if papers.is_empty() {
            return;
        }
        self.index.extend(
            papers
                .iter()
                .map(|p| (p.id.as_str(), p.title.as_str(), p.abstract_text.as_str())),
        );
        for paper in papers {
            self.note_stored(paper);
        }
    }

    fn note_stored(&mut self, paper: &Paper) {
        match &mut self.watermark {
            Some((at, ids)) if *at == paper.stored_at => {
                ids.insert(paper.id.clone());
            }
            Some((at, _)) if *at > paper.stored_at => {}
            _ => self.watermark = Some((paper.stored_at, HashSet::from([paper.id.clone()]))),
        }
    }

    /// Adds the papers stored since the last look. Returns how many.
    fn refresh(&mut self, store: &Store) -> Result<usize, StoreError> {
        let Some((since, _)) = &self.watermark else {
            // Built from an empty store: everything is new.
            let papers: Vec<Paper> = store.papers().collect::<Result<_, _>>()?;
            self.extend(&papers);
            return Ok(papers.len());
        };
        let mut added = 0;
        for paper in store.papers_stored_since(*since) {
            let paper = paper?;
            if matches!(&self.watermark, Some((at, ids)) if *at == paper.stored_at && ids.contains(&paper.id))
            {
                continue;
            }
            self.index
                .add(paper.id.as_str(), &paper.title, &paper.abstract_text);
            self.note_stored(&paper);
            added += 1;
        }
        Ok(added)
    }
}

/// Related papers and search over the store.
pub struct Library {
    store: Arc<Store>,
    index: Arc<RwLock<Option<LiveIndex>>>,
    /// Serializes the first build, so two early questions build once.
    building: tokio::sync::Mutex<()>,
}

/// What `/related` was asked about.
#[derive(Clone, Debug)]
pub enum RelatedQuery {
    Paper(Box<Paper>),
    Text(String),
}

/// Related papers, best first, each with the terms it shares with the query.
#[derive(Clone, Debug)]
pub struct RelatedAnswer {
    pub query: RelatedQuery,
    pub results: Vec<(Paper, Related)>,
}

/// A search's matches, best first.
#[derive(Clone, Debug)]
pub struct SearchAnswer {
    pub matches: Vec<(Paper, f32)>,
    /// How many papers matched in all (the list is cut to the number asked for).
    pub total: usize,
    /// Candidates beyond [`SEARCH_CANDIDATES`] were not evaluated.
    pub truncated: bool,
    /// No indexed word to narrow by: only recent papers were searched.
    pub recent_only: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the related-papers index could not be built: {0}")]
    Build(String),
}

impl Library {
    pub fn new(store: Arc<Store>) -> Library {
        Library {
            store,
            index: Arc::new(RwLock::new(None)),
            building: tokio::sync::Mutex::new(()),
        }
    }

    /// Builds the index if it is not built, else adds what was stored since; on a blocking
    /// thread either way. Returns how many papers were added.
    pub async fn refresh(&self) -> Result<usize, LibraryError> {
        let _building = self.building.lock().await;
        let store = self.store.clone();
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || -> Result<usize, StoreError> {
            let built = index.read().map(|guard| guard.is_some()).unwrap_or(false);
            if built {
                let mut guard = index.write().unwrap_or_else(|e| e.into_inner());
                return match guard.as_mut() {
                    Some(live) => live.refresh(&store),
                    None => Ok(0),
                };
            }
            let started = std::time::Instant::now();
            let live = LiveIndex::build(&store)?;
            let papers = live.index.len();
            tracing::info!(
                papers,
                seconds = started.elapsed().as_secs_f32(),
                memory_mb = live.index.memory_bytes() / 1_000_000,
                "related-papers index built"
            );
            *index.write().unwrap_or_else(|e| e.into_inner()) = Some(live);
            Ok(papers)
        })
        .await
        .map_err(|err| LibraryError::Build(err.to_string()))?
        .map_err(LibraryError::from)
    }

    /// Adds what was stored since the last look, if the index is built (it is built on
    /// first use otherwise).
    pub async fn refresh_if_built(&self) -> Result<usize, LibraryError> {
        if self.is_built() {
            self.refresh().await
        } else {
            Ok(0)
        }
    }

    pub fn is_built(&self) -> bool {
        self.index
            .read()
            .map(|guard| guard.is_some())
            .unwrap_or(false)
    }

    /// The papers most related to a stored paper. `None` when the index does not hold it.
    pub async fn related_to_paper(
        &self,
        paper: Paper,
        top: usize,
    ) -> Result<RelatedAnswer, LibraryError> {
        self.refresh().await?;
        let related = {
            let guard = self.index.read().unwrap_or_else(|e| e.into_inner());
            let Some(live) = guard.as_ref() else {
                return Err(LibraryError::Build("not built".into()));
            };
            // A paper without indexable words is asked about by its text instead.
            live.index
                .related_to_id(paper.id.as_str(), top)
                .unwrap_or_else(|| {
                    live.index
                        .related_to_text(&format!("{} {}", paper.title, paper.abstract_text), top)
                })
        };
        Ok(RelatedAnswer {
            results: self.load(related)?,
            query: RelatedQuery::Paper(Box::new(paper)),
        })
    }

    /// The papers most related to free text. A stored paper whose title is exactly the text
    /// is the paper asked about, so it is left out.
    pub async fn related_to_text(
        &self,
        text: &str,
        top: usize,
    ) -> Result<RelatedAnswer, LibraryError> {
        self.refresh().await?;
        let related = {
            let guard = self.index.read().unwrap_or_else(|e| e.into_inner());
            let Some(live) = guard.as_ref() else {
                return Err(LibraryError::Build("not built".into()));
            };
            live.index.related_to_text(text, top + 1)
        };
        let wanted = comparable_title(text);
        let mut results = self.load(related)?;
        results.retain(|(paper, _)| comparable_title(&paper.title) != wanted);
        results.truncate(top);
        Ok(RelatedAnswer {
            query: RelatedQuery::Text(text.to_owned()),
            results,
        })
    }

    fn load(&self, related: Vec<Related>) -> Result<Vec<(Paper, Related)>, StoreError> {
        let mut results = Vec::with_capacity(related.len());
        for item in related {
            let Ok(id) = PaperId::parse(&item.id) else {
                continue;
            };
            if let Some(paper) = self.store.paper(&id)? {
                results.push((paper, item));
            }
        }
        Ok(results)
    }

    /// Stored papers matching a follow-language query, strongest first (newest first among
    /// equals), at most `top`.
    pub async fn search(
        &self,
        query: FollowQuery,
        weights: Arc<dyn TermWeights + Send + Sync>,
        top: usize,
        now: DateTime<Utc>,
    ) -> Result<SearchAnswer, LibraryError> {
        self.refresh().await?;
        let store = self.store.clone();
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || -> Result<SearchAnswer, StoreError> {
            let candidates = {
                let guard = index.read().unwrap_or_else(|e| e.into_inner());
                guard.as_ref().and_then(|live| {
                    let count = |term: &str| live.index.papers_with_term_count(term);
                    candidate_terms(query.node(), &count).map(|terms| {
                        let mut ids: Vec<&str> = terms
                            .iter()
                            .flat_map(|term| live.index.papers_with_term(term))
                            .collect();
                        ids.sort_unstable_by(|a, b| newest_first(a, b));
                        ids.dedup();
                        ids.into_iter().map(str::to_owned).collect::<Vec<String>>()
                    })
                })
            };
            let mut answer = SearchAnswer {
                matches: Vec::new(),
                total: 0,
                truncated: false,
                recent_only: candidates.is_none(),
            };
            let mut consider = |paper: Paper| {
                if let Some(detail) = query.explain(&Doc::from_paper(&paper), weights.as_ref()) {
                    answer.total += 1;
                    answer.matches.push((paper, detail.strength));
                }
            };
            match candidates {
                Some(ids) => {
                    answer.truncated = ids.len() > SEARCH_CANDIDATES;
                    for id in ids.iter().take(SEARCH_CANDIDATES) {
                        if let Ok(id) = PaperId::parse(id)
                            && let Some(paper) = store.paper(&id)?
                        {
                            consider(paper);
                        }
                    }
                }
                None => {
                    let since = now - chrono::Duration::days(SEARCH_SCAN_DAYS);
                    for paper in store.papers_stored_since(since) {
                        consider(paper?);
                    }
                }
            }
            answer.matches.sort_by(|(a, sa), (b, sb)| {
                sb.total_cmp(sa)
                    .then_with(|| newest_first(a.id.as_str(), b.id.as_str()))
            });
            answer.matches.truncate(top);
            Ok(answer)
        })
        .await
        .map_err(|err| LibraryError::Build(err.to_string()))?
        .map_err(LibraryError::from)
    }
}

/// New-style arXiv ids (`2403.01234`) sort by time; old-style ones (`hep-th/9901001`) are
/// older than any of them.
fn newest_first(a: &str, b: &str) -> std::cmp::Ordering {
    let new_style = |id: &str| id.starts_with(|c: char| c.is_ascii_digit());
    (new_style(b), b).cmp(&(new_style(a), a))
}

fn comparable_title(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Terms such that every paper the query matches holds at least one of them in the
/// related index (title and abstract words, compounds joined), or `None` when the query
/// can match without any (it rests on authors, categories, negations or stopwords).
/// `count` says how many papers hold a term (`None`: no paper's index entry has it); the
/// smallest such set is chosen for an AND.
pub fn candidate_terms(node: &Node, count: &dyn Fn(&str) -> Option<u32>) -> Option<Vec<String>> {
    let words_field = |field: &Field| matches!(field, Field::Any | Field::Title | Field::Abstract);
    match node {
        Node::Term { field, term } if words_field(field) => {
            indexable(term).then(|| vec![term.clone()])
        }
        Node::Phrase { field, terms } if words_field(field) => {
            // Every word of a consecutive match is there; the rarest will do. Two words
            // may also be written as one (`time step`, `timestep`).
            let rarest = terms
                .iter()
                .filter(|t| indexable(t))
                .min_by_key(|t| count(t).unwrap_or(0))?;
            let mut set = vec![rarest.clone()];
            if let [first, second] = terms.as_slice() {
                set.push(format!("{first}{second}"));
            }
            Some(set)
        }
        Node::And(children) => children
            .iter()
            .filter_map(|child| candidate_terms(child, count))
            .min_by_key(|set| {
                set.iter()
                    .map(|t| u64::from(count(t).unwrap_or(0)))
                    .sum::<u64>()
            }),
        Node::Or(children) => {
            let mut all = Vec::new();
            for child in children {
                all.extend(candidate_terms(child, count)?);
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        _ => None,
    }
}

/// Whether the related index keeps a term at all: it drops stopwords, one-character words
/// and numbers.
fn indexable(term: &str) -> bool {
    !crate::related::is_unindexed(term)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse::{QueryLimits, parse_query};

    fn terms(query: &str) -> Option<Vec<String>> {
        let node = parse_query(query, &QueryLimits::default()).expect("valid query");
        let count = |term: &str| match term {
            "diffusion" => Some(900),
            "model" => Some(5000),
            "sparse" => Some(300),
            _ => Some(10),
        };
        candidate_terms(&node, &count)
    }

    #[test]
    fn an_and_is_narrowed_by_its_rarest_part() {
        assert_eq!(terms("diffusion model"), Some(vec!["diffusion".to_owned()]));
        assert_eq!(terms("sparse diffusion"), Some(vec!["sparse".to_owned()]));
    }

    #[test]
    fn an_or_needs_every_branch() {
        assert_eq!(
            terms("diffusion OR sparse"),
            Some(vec!["diffusion".to_owned(), "sparse".to_owned()])
        );
        assert_eq!(terms("diffusion OR au:lecun"), None);
    }

    #[test]
    fn a_two_word_phrase_also_finds_the_joined_spelling() {
        assert_eq!(
            terms("\"time step\""),
            Some(vec!["time".to_owned(), "timestep".to_owned()])
        );
    }

    #[test]
    fn authors_categories_negations_and_stopwords_cannot_narrow() {
        assert_eq!(terms("au:lecun"), None);
        assert_eq!(terms("cat:cs.CV"), None);
        assert_eq!(terms("the"), None);
        assert_eq!(
            terms("cat:cs.CV diffusion -survey"),
            Some(vec!["diffusion".to_owned()])
        );
    }

    #[test]
    fn old_style_ids_sort_after_new_ones() {
        let mut ids = vec!["hep-th/9901001", "2403.01234", "2501.00001", "cs/0501001"];
        ids.sort_by(|a, b| newest_first(a, b));
        assert_eq!(
            ids,
            ["2501.00001", "2403.01234", "hep-th/9901001", "cs/0501001"]
        );
    }
}
