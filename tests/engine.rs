//! The matching engine against the naive reference: on random follows over real papers
//! (the Hugging Face and arXiv fixtures), both must yield exactly the same (follow, paper)
//! pairs, including after follows are removed again. Checked for every way of matching:
//! `match_doc` (flat pairs), and `match_queries` and `for_each_match` (each distinct query
//! once with its owners, one scratch reused for every paper), expanded to pairs.

use std::collections::{BTreeSet, HashSet};

use paperboy::engine::{FollowKey, LengthHeuristic, MatchEngine, MatchScratch, naive_matches};
use paperboy::feeds::{arxiv_api, arxiv_feed, hf_daily};
use paperboy::paper::{Discovery, MergeOutcome, Paper, merge};
use paperboy::query::Node;
use paperboy::query::eval::{Doc, DocFrequencies};
use paperboy::query::parse::{QueryLimits, parse_query};
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Every paper of the fixtures, as stored records.
fn real_papers() -> Vec<Paper> {
    let now = chrono::Utc::now();
    let mut observations = hf_daily::parse(&fixture("hf-daily-papers_date-2026-06-12.json"))
        .unwrap()
        .papers;
    for feed in [
        "arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml",
        "arxiv-atom-feed_cs.LG_2026-09-25_trimmed.xml",
    ] {
        observations.extend(arxiv_feed::parse(&fixture(feed)).unwrap().batch.papers);
    }
    for page in [
        "arxiv-api-query_all-transformer-AND-cat-cs.LG_max5.xml",
        "arxiv-api-query_cat-cs.CL_max3.xml",
    ] {
        observations.extend(arxiv_api::parse(&fixture(page)).unwrap().batch.papers);
    }
    observations
        .iter()
        .filter_map(|o| match merge(None, o, Discovery::Announcement, now) {
            MergeOutcome::New(paper) => Some(paper),
            _ => None,
        })
        .collect()
}

/// Words that occur in the papers (so random follows do match), plus a few that don't.
fn vocabulary(papers: &[Paper]) -> Vec<String> {
    let mut words: BTreeSet<String> = BTreeSet::new();
    for paper in papers {
        for word in paper.title.split_whitespace().take(8) {
            let word: String = word
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '-')
                .collect();
            if word.len() > 2 {
                words.insert(word.to_lowercase());
            }
        }
    }
    words.extend(
        [
            "zebrafish",
            "quasar",
            "timestep",
            "time-step",
            "pre-training",
        ]
        .map(String::from),
    );
    words.into_iter().collect()
}

/// A random follow in the language, built as text so the parser is exercised too.
fn follow_text(vocabulary: &[String], choices: &[usize]) -> String {
    let word = |i: usize| vocabulary[choices[i] % vocabulary.len()].clone();
    let authors = ["au:zhang", "au:\"yann lecun\"", "au:wang", "au:li"];
    let categories = ["cat:cs.lg", "cat:cs", "cat:cs.cv", "cat:hep-ph"];
    match choices[0] % 9 {
        0 => word(1),
        1 => format!("{} {}", word(1), word(2)),
        2 => format!("\"{} {}\"", word(1), word(2)),
        3 => format!("{} OR {}", word(1), word(2)),
        4 => format!("{} -{}", word(1), word(2)),
        5 => format!("ti:{} abs:{}", word(1), word(2)),
        6 => format!("{} {}", authors[choices[1] % 4], word(2)),
        7 => format!(
            "{} ({} OR {})",
            categories[choices[1] % 4],
            word(2),
            word(3)
        ),
        _ => format!(
            "({} OR \"{} {}\") NOT {}",
            word(1),
            word(2),
            word(3),
            word(4)
        ),
    }
}

fn pairs<'a>(
    found: impl IntoIterator<Item = (FollowKey, &'a Node)>,
    paper: usize,
) -> BTreeSet<(FollowKey, usize)> {
    found.into_iter().map(|(key, _)| (key, paper)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_engine_and_the_naive_reference_agree(
        follows in prop::collection::vec(prop::collection::vec(0usize..10_000, 5), 1..120),
        removals in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let papers = real_papers();
        let docs: Vec<Doc> = papers.iter().map(Doc::from_paper).collect();
        let vocabulary = vocabulary(&papers);
        let mut frequencies = DocFrequencies::default();
        for doc in &docs {
            frequencies.add(doc);
        }
        let mut all: Vec<(FollowKey, Node)> = Vec::new();
        for (i, choices) in follows.iter().enumerate() {
            if let Ok(node) = parse_query(&follow_text(&vocabulary, choices), &QueryLimits::default()) {
                // Subscribers share queries: several follows per subscriber, some identical.
                all.push((FollowKey { subscriber: (i / 3) as u64, follow: i as u64 }, node));
            }
        }
        let mut engine = MatchEngine::new();
        for (key, node) in &all {
            // Half the queries pick anchors by document frequency, half by length.
            if key.follow % 2 == 0 {
                prop_assert!(engine.add(*key, node, &frequencies));
            } else {
                prop_assert!(engine.add(*key, node, &LengthHeuristic));
            }
        }
        // One scratch for every paper, both engine states and all the grouped calls.
        let mut scratch = MatchScratch::new();
        let mut compare = |engine: &MatchEngine, all: &[(FollowKey, Node)]| -> Result<usize, TestCaseError> {
            let mut total = 0;
            for (i, doc) in docs.iter().enumerate() {
                let slow_list = naive_matches(all, doc);
                let slow = pairs(slow_list.iter().copied(), i);
                let flat = engine.match_doc(doc);
                prop_assert_eq!(flat.len(), slow.len(), "paper {}: a pair twice", papers[i].id);
                prop_assert_eq!(&pairs(flat.iter().copied(), i), &slow, "paper {}", papers[i].id);
                // Each pair's query is the follow's own.
                for (key, node) in &flat {
                    prop_assert!(all.iter().any(|(k, n)| k == key && n == *node));
                }

                let groups = engine.match_queries(doc, &mut scratch);
                let mut queries = HashSet::new();
                for (node, owners) in &groups {
                    prop_assert!(!owners.is_empty());
                    prop_assert!(queries.insert(*node), "query listed twice: {:?}", node);
                    for key in *owners {
                        prop_assert!(all.iter().any(|(k, n)| k == key && n == *node));
                    }
                }
                let expanded: Vec<(FollowKey, &Node)> = groups
                    .iter()
                    .flat_map(|(node, owners)| owners.iter().map(move |k| (*k, *node)))
                    .collect();
                prop_assert_eq!(expanded.len(), slow.len(), "paper {}: a pair twice", papers[i].id);
                prop_assert_eq!(&pairs(expanded, i), &slow, "paper {}", papers[i].id);
                prop_assert!(scratch.last_candidates() >= groups.len());

                let mut visited = Vec::new();
                engine.for_each_match(doc, &mut scratch, |node, owners| {
                    visited.extend(owners.iter().map(|k| (*k, node)));
                });
                prop_assert_eq!(visited.len(), slow.len());
                prop_assert_eq!(&pairs(visited, i), &slow, "paper {}", papers[i].id);
                total += slow.len();
            }
            Ok(total)
        };
        compare(&engine, &all)?;

        for index in &removals {
            if all.is_empty() {
                break;
            }
            let (key, node) = all.remove(index.index(all.len()));
            prop_assert!(engine.remove(key, &node));
            prop_assert!(!engine.remove(key, &node), "a follow is removed once");
        }
        prop_assert_eq!(engine.follow_count(), all.len());
        compare(&engine, &all)?;
    }
}

#[test]
fn random_follows_do_match_real_papers() {
    // Guards the property test against vacuity: its follows must yield matches.
    let papers = real_papers();
    let docs: Vec<Doc> = papers.iter().map(Doc::from_paper).collect();
    let vocabulary = vocabulary(&papers);
    let mut engine = MatchEngine::new();
    let mut added = 0;
    for i in 0..300usize {
        let choices = [i, i * 7 + 1, i * 13 + 2, i * 31 + 3, i * 61 + 4];
        if let Ok(node) = parse_query(&follow_text(&vocabulary, &choices), &QueryLimits::default())
        {
            engine.add(
                FollowKey {
                    subscriber: i as u64,
                    follow: 0,
                },
                &node,
                &LengthHeuristic,
            );
            added += 1;
        }
    }
    let matched: usize = docs.iter().map(|d| engine.match_doc(d).len()).sum();
    assert!(added > 250, "{added} of 300 random follows parsed");
    assert!(matched > 100, "only {matched} matches");
}

#[test]
fn one_scratch_serves_several_engines_and_papers() {
    // A scratch sized and dirtied by one engine must not leak into another's matches.
    let papers = real_papers();
    let docs: Vec<Doc> = papers.iter().map(Doc::from_paper).collect();
    let vocabulary = vocabulary(&papers);
    let mut follows: Vec<(FollowKey, Node)> = Vec::new();
    for i in 0..200usize {
        let choices = [i, i * 7 + 1, i * 13 + 2, i * 31 + 3, i * 61 + 4];
        if let Ok(node) = parse_query(&follow_text(&vocabulary, &choices), &QueryLimits::default())
        {
            follows.push((
                FollowKey {
                    subscriber: i as u64,
                    follow: 0,
                },
                node,
            ));
        }
    }
    let (few, many) = (&follows[..10], &follows[..]);
    let build = |follows: &[(FollowKey, Node)]| {
        let mut engine = MatchEngine::new();
        for (key, node) in follows {
            assert!(engine.add(*key, node, &LengthHeuristic));
        }
        engine
    };
    let (small, large) = (build(few), build(many));
    let mut scratch = MatchScratch::new();
    for (i, doc) in docs.iter().enumerate() {
        for (engine, follows) in [(&large, many), (&small, few), (&large, many)] {
            let found: Vec<(FollowKey, &Node)> = engine
                .match_queries(doc, &mut scratch)
                .into_iter()
                .flat_map(|(node, owners)| owners.iter().map(move |k| (*k, node)))
                .collect();
            assert_eq!(pairs(found, i), pairs(naive_matches(follows, doc), i));
        }
    }
}
