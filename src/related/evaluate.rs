//! The evaluation harness core: graded judgments in, NDCG@20 and MAP out, for any ranking
//! function, per query and averaged.
//!
//! Judgments are lines `query_id candidate_id grade` (whitespace-separated, the grade an
//! integer from 0 to [`MAX_GRADE`]); blank lines and `#` comments are skipped, and a bad
//! line is reported with its number while the rest are kept. Metrics follow the common
//! definitions:
//!
//! - NDCG@20: `DCG = Σ (2^grade − 1) / log2(rank + 1)` over the first 20 results, divided
//!   by the same sum for the ideal order of all the query's judged candidates.
//! - Average precision: relevant means grade ≥ 1; the mean, over the relevant candidates,
//!   of the precision at each one's rank in the whole ranked list, a relevant candidate not
//!   retrieved counting 0 (so the denominator is the number judged relevant).
//!
//! Unjudged results count as grade 0 (non-relevant); a repeated result counts once, where
//! it first appears. Queries without a relevant judgment have no defined score and are
//! listed apart, not averaged. Pure: std only; never panics on any input.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// The rank depth of NDCG.
pub const NDCG_DEPTH: usize = 20;
/// The highest grade a judgment may give.
pub const MAX_GRADE: u8 = 10;

/// Graded judgments: for each query, the grade of each judged candidate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Judgments {
    grades: BTreeMap<String, BTreeMap<String, u8>>,
}

/// A judgments line that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JudgmentError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for JudgmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for JudgmentError {}

impl Judgments {
    /// Reads judgments, keeping every good line and reporting every bad one. A repeated
    /// (query, candidate) pair keeps its first grade and reports the repeat.
    pub fn parse(text: &str) -> (Judgments, Vec<JudgmentError>) {
        let mut judgments = Judgments::default();
        let mut first_line: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut errors = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let fields: Vec<&str> = content.split_whitespace().collect();
            let error = |message: String| JudgmentError { line, message };
            let [query, candidate, grade] = fields[..] else {
                errors.push(error(format!(
                    "expected `query_id candidate_id grade`, found {} field{}",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" }
                )));
                continue;
            };
            let Some(grade) = grade.parse::<u8>().ok().filter(|&g| g <= MAX_GRADE) else {
                errors.push(error(format!(
                    "grade `{grade}` is not an integer from 0 to {MAX_GRADE}"
                )));
                continue;
            };
            let key = (query.to_owned(), candidate.to_owned());
            if let Some(first) = first_line.get(&key) {
                errors.push(error(format!(
                    "`{query} {candidate}` is judged again (first on line {first}); the first grade is kept"
                )));
                continue;
            }
            first_line.insert(key, line);
            judgments
                .grades
                .entry(query.to_owned())
                .or_default()
                .insert(candidate.to_owned(), grade);
        }
        (judgments, errors)
    }

    /// The judged queries, in id order.
    pub fn queries(&self) -> impl Iterator<Item = &str> {
        self.grades.keys().map(String::as_str)
    }

    pub fn grade(&self, query: &str, candidate: &str) -> Option<u8> {
        self.grades.get(query)?.get(candidate).copied()
    }

    /// How many (query, candidate) judgments there are.
    pub fn len(&self) -> usize {
        self.grades.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.grades.is_empty()
    }
}

/// One query's scores.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryScores {
    pub query_id: String,
    pub ndcg_at_20: f64,
    pub average_precision: f64,
    /// Candidates judged relevant (grade ≥ 1).
    pub relevant: usize,
}

/// Scores of a ranking over all judged queries.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Queries with at least one relevant judgment, in id order.
    pub per_query: Vec<QueryScores>,
    /// Queries with no relevant judgment, which have no score.
    pub unscored: Vec<String>,
    /// Mean NDCG@20 over `per_query` (0 when it is empty).
    pub ndcg_at_20: f64,
    /// Mean average precision over `per_query` (0 when it is empty).
    pub map: f64,
}

/// Scores `rank` (query id to ranked candidate ids, best first) against `judgments`.
pub fn evaluate(judgments: &Judgments, rank: impl Fn(&str) -> Vec<String>) -> Evaluation {
    let mut per_query = Vec::new();
    let mut unscored = Vec::new();
    for (query, grades) in &judgments.grades {
        let relevant = grades.values().filter(|&&grade| grade >= 1).count();
        if relevant == 0 {
            unscored.push(query.clone());
            continue;
        }
        let ranked = dedup(rank(query));
        per_query.push(QueryScores {
            query_id: query.clone(),
            ndcg_at_20: ndcg(&ranked, grades, NDCG_DEPTH),
            average_precision: average_precision(&ranked, grades, relevant),
            relevant,
        });
    }
    let mean = |score: fn(&QueryScores) -> f64| {
        if per_query.is_empty() {
            0.0
        } else {
            per_query.iter().map(score).sum::<f64>() / per_query.len() as f64
        }
    };
    Evaluation {
        ndcg_at_20: mean(|q| q.ndcg_at_20),
        map: mean(|q| q.average_precision),
        per_query,
        unscored,
    }
}

/// The ranked ids with repeats removed, first occurrence kept.
fn dedup(ranked: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ranked
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

fn gain(grade: u8) -> f64 {
    2f64.powi(i32::from(grade)) - 1.0
}

/// The discount of 0-based position `i` (rank `i + 1`): `log2(rank + 1)`.
fn discount(i: usize) -> f64 {
    ((i + 2) as f64).log2()
}

fn ndcg(ranked: &[String], grades: &BTreeMap<String, u8>, depth: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(depth)
        .enumerate()
        .map(|(i, id)| gain(grades.get(id).copied().unwrap_or(0)) / discount(i))
        .sum();
    let mut ideal: Vec<u8> = grades.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal_dcg: f64 = ideal
        .iter()
        .take(depth)
        .enumerate()
        .map(|(i, &grade)| gain(grade) / discount(i))
        .sum();
    if ideal_dcg > 0.0 {
        dcg / ideal_dcg
    } else {
        0.0
    }
}

fn average_precision(ranked: &[String], grades: &BTreeMap<String, u8>, relevant: usize) -> f64 {
    let mut found = 0usize;
    let mut sum = 0.0;
    for (i, id) in ranked.iter().enumerate() {
        if grades.get(id).is_some_and(|&grade| grade >= 1) {
            found += 1;
            sum += found as f64 / (i + 1) as f64;
        }
    }
    if relevant == 0 {
        0.0
    } else {
        sum / relevant as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|&id| id.to_owned()).collect()
    }

    #[test]
    fn parses_lines_and_reports_bad_ones() {
        let text = "# query candidate grade\n\
                    q1 a 3\n\
                    \n\
                    q1 b 2   # trailing comment\n\
                    q1 c\n\
                    q1 d -1\n\
                    q1 e 11\n\
                    q1 a 1\n\
                    q2\tx\t0\n\
                    q1 f 1.5\n\
                    q1 g 1 extra\n";
        let (judgments, errors) = Judgments::parse(text);
        assert_eq!(judgments.len(), 3);
        assert_eq!(judgments.grade("q1", "a"), Some(3));
        assert_eq!(judgments.grade("q1", "b"), Some(2));
        assert_eq!(judgments.grade("q2", "x"), Some(0));
        assert_eq!(judgments.grade("q1", "c"), None);
        assert_eq!(judgments.queries().collect::<Vec<_>>(), vec!["q1", "q2"]);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![5, 6, 7, 8, 10, 11]);
        assert_eq!(
            errors[0].to_string(),
            "line 5: expected `query_id candidate_id grade`, found 2 fields"
        );
        assert_eq!(
            errors[3].to_string(),
            "line 8: `q1 a` is judged again (first on line 2); the first grade is kept"
        );
        let (empty, errors) = Judgments::parse("");
        assert!(empty.is_empty() && errors.is_empty());
    }

    #[test]
    fn ndcg_and_average_precision_by_hand() {
        // Grades a=3, b=2, d=1, c=0; ranking c, a, x (unjudged), b; d never retrieved.
        let (judgments, _) = Judgments::parse("q a 3\nq b 2\nq c 0\nq d 1\n");
        let result = evaluate(&judgments, |_| ids(&["c", "a", "x", "b"]));
        let scores = &result.per_query[0];
        // DCG = 7/log2 3 + 3/log2 5 = 4.416508 + 1.292030 = 5.708538;
        // ideal = 7/1 + 3/log2 3 + 1/log2 4 = 7 + 1.892789 + 0.5 = 9.392789.
        assert!((scores.ndcg_at_20 - 0.607757).abs() < 1e-6, "{scores:?}");
        // Relevant a, b, d: precision 1/2 at a, 2/4 at b, d missing: (0.5 + 0.5) / 3.
        assert!((scores.average_precision - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(scores.relevant, 3);
        assert_eq!(result.ndcg_at_20, scores.ndcg_at_20);
    }

    #[test]
    fn perfect_empty_and_repeated_rankings() {
        let (judgments, _) = Judgments::parse("q a 2\nq b 1\nr z 0\n");
        let perfect = evaluate(&judgments, |_| ids(&["a", "b"]));
        assert_eq!(perfect.per_query.len(), 1);
        assert!((perfect.ndcg_at_20 - 1.0).abs() < 1e-12);
        assert!((perfect.map - 1.0).abs() < 1e-12);
        assert_eq!(perfect.unscored, vec!["r"]);

        let nothing = evaluate(&judgments, |_| Vec::new());
        assert_eq!((nothing.ndcg_at_20, nothing.map), (0.0, 0.0));

        // Repeating the best result does not earn its gain twice:
        // DCG = 3/1 + 0/log2 3 + 1/log2 4 = 3.5 of ideal 3 + 1/log2 3 = 3.630930.
        let repeated = evaluate(&judgments, |_| ids(&["a", "a", "x", "b"]));
        assert!((repeated.ndcg_at_20 - 3.5 / 3.630930).abs() < 1e-6);
        // Precision 1/1 at a and 2/3 at b.
        assert!((repeated.map - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn ndcg_stops_at_rank_20_and_means_average_queries() {
        let mut text = String::from("q hit 1\np a 1\n");
        text.push_str("p b 1\n");
        let (judgments, _) = Judgments::parse(&text);
        let mut late: Vec<String> = (0..20).map(|i| format!("miss{i}")).collect();
        late.push("hit".to_owned());
        let result = evaluate(&judgments, |query| {
            if query == "q" {
                late.clone()
            } else {
                ids(&["b", "a"])
            }
        });
        let q = result
            .per_query
            .iter()
            .find(|s| s.query_id == "q")
            .expect("q scored");
        assert_eq!(q.ndcg_at_20, 0.0);
        // Average precision looks past rank 20: 1/21.
        assert!((q.average_precision - 1.0 / 21.0).abs() < 1e-12);
        assert!((result.ndcg_at_20 - 0.5).abs() < 1e-12);
        assert!((result.map - (1.0 + 1.0 / 21.0) / 2.0).abs() < 1e-12);
    }
}
