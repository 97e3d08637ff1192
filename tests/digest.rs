//! The pure digest module through its public API: which papers a digest selects (sent,
//! unmatched, capped, trending, both), in what order they rank, and how the digest reads
//! (whole plain text, subjects, author lists, bad titles). No store, no clock: every paper
//! is built here from `Paper`'s fields. The tables skip rustfmt to keep one case per line.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use paperboy::digest::{
    self, Digest, DigestEntry, DigestInput, DigestLimits, SkippedPaper, render_digest,
    short_authors,
};
use paperboy::paper::{Discovery, HfSignals, Paper, PaperId, SourceKind};
use paperboy::query::eval::{Doc, UniformWeights};
use paperboy::subscriber::{Address, DigestMode, Follow, Subscriber, SubscriberId};

// ---------------------------------------------------------------------------------------
// Helpers

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|error| panic!("bad test instant {s:?}: {error}"))
        .with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn id(s: &str) -> PaperId {
    PaperId::parse(s).unwrap_or_else(|error| panic!("bad test id {s:?}: {error}"))
}

/// A paper discovered as an announcement. `upvotes` > 0 gives it Hugging Face signals
/// (without a featured day: it is not trending).
fn paper(id_text: &str, title: &str, abstract_text: &str, upvotes: u32, stored_at: &str) -> Paper {
    Paper {
        id: id(id_text),
        version: Some(1),
        title: title.to_owned(),
        abstract_text: abstract_text.to_owned(),
        authors: vec!["Ada Lovelace".to_owned()],
        categories: vec!["cs.LG".to_owned()],
        submitted_at: None,
        updated_at: None,
        comment: None,
        hf: (upvotes > 0).then(|| HfSignals {
            upvotes,
            ..HfSignals::default()
        }),
        sources: vec![SourceKind::ArxivFeed],
        text_source: SourceKind::ArxivFeed,
        stored_at: t(stored_at),
        discovered_via: Discovery::Announcement,
    }
}

fn with_authors(mut paper: Paper, authors: &[&str]) -> Paper {
    paper.authors = authors.iter().map(|a| (*a).to_owned()).collect();
    paper
}

fn submitted(mut paper: Paper, at: &str) -> Paper {
    paper.submitted_at = Some(t(at));
    paper
}

/// On the Hugging Face Daily Papers page of `featured_on` with `upvotes`.
fn featured(mut paper: Paper, featured_on: &str, upvotes: u32) -> Paper {
    paper.hf = Some(HfSignals {
        upvotes,
        featured_on: Some(day(featured_on)),
        ..HfSignals::default()
    });
    paper
}

fn subscriber(mode: DigestMode) -> Subscriber {
    Subscriber {
        id: SubscriberId(7),
        address: Address::File { name: "lab".into() },
        time_zone: "UTC".into(),
        schedule: "daily 08:00".into(),
        paused: false,
        active: true,
        mode,
        created_at: t("2026-11-01T00:00:00Z"),
        digested_until: t("2026-11-19T08:00:00Z"),
        last_slot: None,
    }
}

fn follows(queries: &[&str]) -> Vec<Follow> {
    queries
        .iter()
        .map(|q| Follow {
            query: (*q).to_owned(),
            created_at: t("2026-11-01T00:00:00Z"),
        })
        .collect()
}

const PERIOD_FROM: &str = "2026-11-19T08:00:00Z";
const PERIOD_UNTIL: &str = "2026-11-20T08:00:00Z";

fn build(
    mode: DigestMode,
    follow_queries: &[&str],
    candidates: &[Paper],
    sent: &[&str],
    trending: &[Paper],
    limits: DigestLimits,
) -> Digest {
    let subscriber = subscriber(mode);
    let follows = follows(follow_queries);
    let already_sent: HashSet<PaperId> = sent.iter().map(|s| id(s)).collect();
    let docs: Vec<Doc> = candidates.iter().map(Doc::from_paper).collect();
    let pairs: Vec<(&Paper, &Doc)> = candidates.iter().zip(&docs).collect();
    let matches = digest::match_follows(&follows, &pairs, &UniformWeights, limits.max_query_chars);
    digest::build_digest(&DigestInput {
        subscriber: &subscriber,
        matches: &matches,
        already_sent: &already_sent,
        trending,
        period_from: t(PERIOD_FROM),
        period_until: t(PERIOD_UNTIL),
        limits,
    })
}

/// The last five characters of an id: all test ids are `2611.000NN`.
fn short(id: &PaperId) -> &str {
    &id.as_str()[id.as_str().len() - 5..]
}

/// A digest as one compact line: `00001 diffusion,protein 4 | 00004 diffusion 2 | more 1 |
/// trending 00013 00012 (2026-11-20)`, or `(empty)`.
fn describe(digest: &Digest) -> String {
    let mut parts: Vec<String> = digest
        .entries
        .iter()
        .map(|e| format!("{} {} {}", short(&e.id), e.matched.join(","), e.strength))
        .collect();
    if digest.more > 0 {
        parts.push(format!("more {}", digest.more));
    }
    if !digest.trending.is_empty() || digest.trending_day.is_some() {
        let ids: Vec<&str> = digest.trending.iter().map(short).collect();
        let day = digest
            .trending_day
            .map_or_else(|| "no day".to_owned(), |d| d.to_string());
        parts.push(format!("trending {} ({day})", ids.join(" ")));
    }
    if parts.is_empty() {
        "(empty)".to_owned()
    } else {
        parts.join(" | ")
    }
}

// ---------------------------------------------------------------------------------------
// Selection

/// Announced papers of the period. 00001 is listed twice (two sources announced it): the
/// digest must show it once.
fn candidate_pool() -> Vec<Paper> {
    let a = paper(
        "2611.00001",
        "Diffusion models for protein design",
        "We generate backbones.",
        0,
        "2026-11-19T09:00:00Z",
    );
    vec![
        a.clone(),
        paper(
            "2611.00002",
            "Graph networks",
            "Message passing with diffusion on graphs.",
            0,
            "2026-11-19T10:00:00Z",
        ),
        paper(
            "2611.00003",
            "Sparse attention",
            "Long context.",
            0,
            "2026-11-19T11:00:00Z",
        ),
        featured(
            paper(
                "2611.00004",
                "Latent diffusion at scale",
                "Images.",
                0,
                "2026-11-19T12:00:00Z",
            ),
            "2026-11-20",
            30,
        ),
        paper(
            "2611.00005",
            "Protein language models",
            "Sequences.",
            0,
            "2026-11-19T13:00:00Z",
        ),
        a,
    ]
}

/// The recent Hugging Face days: 00011 is from an older day (more upvotes than anything of
/// the latest day), 00016 has upvotes but was never featured, 00004 is also a candidate.
fn trending_pool() -> Vec<Paper> {
    let at = "2026-11-19T12:00:00Z";
    vec![
        featured(
            paper("2611.00011", "Yesterday's star", "Old news.", 0, at),
            "2026-11-19",
            100,
        ),
        featured(
            paper("2611.00012", "Quiet paper", "Few votes.", 0, at),
            "2026-11-20",
            5,
        ),
        featured(
            paper("2611.00013", "Top paper", "Many votes.", 0, at),
            "2026-11-20",
            50,
        ),
        featured(
            paper("2611.00014", "Middle paper", "Some votes.", 0, at),
            "2026-11-20",
            20,
        ),
        paper("2611.00016", "Never featured", "Votes only.", 999, at),
        featured(
            paper(
                "2611.00004",
                "Latent diffusion at scale",
                "Images.",
                0,
                "2026-11-19T12:00:00Z",
            ),
            "2026-11-20",
            30,
        ),
    ]
}

fn limits(max_items: usize, trending_count: usize) -> DigestLimits {
    DigestLimits {
        max_items,
        trending_count,
        ..DigestLimits::default()
    }
}

const ALL: (usize, usize) = (20, 10);

/// Builds a digest over the pools above and compares its one-line description.
fn check(
    mode: DigestMode,
    follow_queries: &[&str],
    sent: &[&str],
    (max_items, trending_count): (usize, usize),
    expected: &str,
) {
    let digest = build(
        mode,
        follow_queries,
        &candidate_pool(),
        sent,
        &trending_pool(),
        limits(max_items, trending_count),
    );
    assert_eq!(
        describe(&digest),
        expected,
        "mode {mode:?}, follows {follow_queries:?}, sent {sent:?}, limits ({max_items}, {trending_count})"
    );
    assert_eq!(digest.is_empty(), expected == "(empty)");
    assert_eq!(digest.period_from, t(PERIOD_FROM));
    assert_eq!(digest.period_until, t(PERIOD_UNTIL));
}

#[test]
#[rustfmt::skip]
fn selection() {
    use DigestMode::{Both, Follows, Trending};
    let (d, p, g) = ("2611.00001", "2611.00004", "2611.00014");
    // Matching: 00001 matches both follows (2 + 2), 00003 matches none, 00002 only in its
    // abstract; 00004 outranks 00005 (same strength) on upvotes. No trending in follows mode.
    check(Follows, &["diffusion", "protein"], &[], ALL, "00001 diffusion,protein 4 | 00004 diffusion 2 | 00005 protein 2 | 00002 diffusion 1");
    check(Follows, &["graph"], &[], ALL, "00002 graph 2");
    // Follows are shown in normal form: plurals fold.
    check(Follows, &["graph networks"], &[], ALL, "00002 graph network 4");
    check(Follows, &["graph protein"], &[], ALL, "(empty)");
    check(Follows, &["quantum"], &[], ALL, "(empty)");
    check(Follows, &[], &[], ALL, "(empty)");
    // Already sent papers are gone, whatever else they match.
    check(Follows, &["diffusion", "protein"], &[d], ALL, "00004 diffusion 2 | 00005 protein 2 | 00002 diffusion 1");
    check(Follows, &["diffusion", "protein"], &[d, p, "2611.00005", "2611.00002"], ALL, "(empty)");
    // max_items keeps the best and counts the rest.
    check(Follows, &["diffusion", "protein"], &[], (2, 10), "00001 diffusion,protein 4 | 00004 diffusion 2 | more 2");
    check(Follows, &["diffusion", "protein"], &[d], (1, 10), "00004 diffusion 2 | more 2");
    check(Follows, &["diffusion", "protein"], &[], (4, 10), "00001 diffusion,protein 4 | 00004 diffusion 2 | 00005 protein 2 | 00002 diffusion 1");
    // Trending: the latest featured day only (00011 has more upvotes but is older; 00016 was
    // never featured), by upvotes, without sent papers; follows are ignored.
    check(Trending, &["diffusion"], &[], ALL, "trending 00013 00004 00014 00012 (2026-11-20)");
    check(Trending, &[], &[g], ALL, "trending 00013 00004 00012 (2026-11-20)");
    check(Trending, &[], &[], (20, 2), "trending 00013 00004 (2026-11-20)");
    // Both: matches first; 00004 is a match, so trending does not repeat it.
    check(Both, &["diffusion"], &[], ALL, "00004 diffusion 2 | 00001 diffusion 2 | 00002 diffusion 1 | trending 00013 00014 00012 (2026-11-20)");
    check(Both, &["diffusion"], &[g], (1, 2), "00004 diffusion 2 | more 2 | trending 00013 00012 (2026-11-20)");
    check(Both, &["quantum"], &[], ALL, "trending 00013 00004 00014 00012 (2026-11-20)");
    check(Both, &[], &[], (20, 1), "trending 00013 (2026-11-20)");
}

/// Trending is the latest featured day, and stays that day when the subscriber has already
/// been sent every paper of it: an older day's leftovers are not news.
#[test]
#[rustfmt::skip]
fn trending_never_falls_back_to_an_older_day() {
    use DigestMode::{Both, Trending};
    let latest_day = ["2611.00013", "2611.00004", "2611.00014", "2611.00012"];
    check(Trending, &[], &latest_day, ALL, "(empty)");
    check(Both, &["diffusion"], &["2611.00013", "2611.00014", "2611.00012"], ALL, "00004 diffusion 2 | 00001 diffusion 2 | 00002 diffusion 1");
}

#[test]
fn is_empty_means_nothing_to_show() {
    let base = Digest {
        period_from: t(PERIOD_FROM),
        period_until: t(PERIOD_UNTIL),
        entries: Vec::new(),
        more: 0,
        trending: Vec::new(),
        trending_day: None,
    };
    assert!(base.is_empty());
    let only_trending = Digest {
        trending: vec![id("2611.00013")],
        trending_day: Some(day("2026-11-20")),
        ..base.clone()
    };
    assert!(!only_trending.is_empty());
    let only_matches = Digest {
        entries: vec![entry("2611.00001", &["diffusion"])],
        ..base
    };
    assert!(!only_matches.is_empty());
    assert_eq!(
        only_matches.paper_ids().collect::<Vec<_>>(),
        [&id("2611.00001")]
    );
}

// ---------------------------------------------------------------------------------------
// Ranking

#[test]
fn ranking_is_strength_then_upvotes_then_recency_then_id() {
    let at = "2026-11-20T06:00:00Z";
    // Follows "diffusion" and "protein": a title word weighs 2, an abstract word 1.
    let table = [
        // 4: both words in the title.
        paper("2611.00101", "Diffusion protein", "", 0, at),
        // 3: one in the title, one in the abstract.
        paper("2611.00102", "Diffusion", "For protein folding.", 0, at),
        // 2 with 10 upvotes: the more recent submission first (stored_at is ignored when
        // submitted_at is known).
        submitted(
            paper("2611.00104", "Diffusion", "", 10, "2026-11-18T00:00:00Z"),
            "2026-11-19T00:00:00Z",
        ),
        submitted(
            paper("2611.00103", "Diffusion", "", 10, "2026-11-21T00:00:00Z"),
            "2026-11-18T00:00:00Z",
        ),
        // 2 without upvotes: 00105 has no submitted_at, so its stored_at (20 Nov) is its
        // recency, later than 00106's submission (19 Nov) though 00106 was stored later.
        paper("2611.00105", "Diffusion", "", 0, "2026-11-20T10:00:00Z"),
        submitted(
            paper("2611.00106", "Diffusion", "", 0, "2026-11-21T10:00:00Z"),
            "2026-11-19T00:00:00Z",
        ),
        // 2, no upvotes, same submission: by id.
        submitted(
            paper("2611.00107", "Diffusion", "", 0, at),
            "2026-11-17T00:00:00Z",
        ),
        submitted(
            paper("2611.00108", "Diffusion", "", 0, at),
            "2026-11-17T00:00:00Z",
        ),
        // 1: abstract only; 500 upvotes do not lift it over a stronger match.
        paper("2611.00109", "Something else", "Diffusion.", 500, at),
    ];
    let expected = [
        "00101", "00102", "00104", "00103", "00105", "00106", "00107", "00108", "00109",
    ];
    // The order must not depend on the order the store hands the papers in.
    let mut inputs = vec![table.to_vec()];
    inputs.push(table.iter().rev().cloned().collect());
    let mut rotated = table.to_vec();
    rotated.rotate_left(4);
    inputs.push(rotated);
    for candidates in inputs {
        let given: Vec<&str> = candidates.iter().map(|p| short(&p.id)).collect();
        let digest = build(
            DigestMode::Follows,
            &["diffusion", "protein"],
            &candidates,
            &[],
            &[],
            DigestLimits::default(),
        );
        let ranked: Vec<&str> = digest.entries.iter().map(|e| short(&e.id)).collect();
        assert_eq!(ranked, expected, "candidates given in the order {given:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Rendering

fn entry(id_text: &str, matched: &[&str]) -> DigestEntry {
    DigestEntry {
        id: id(id_text),
        matched: matched.iter().map(|m| (*m).to_owned()).collect(),
        strength: 2.0,
    }
}

fn digest_of(entries: Vec<DigestEntry>, more: usize, trending: &[&str]) -> Digest {
    Digest {
        period_from: t(PERIOD_FROM),
        period_until: t(PERIOD_UNTIL),
        entries,
        more,
        trending: trending.iter().map(|s| id(s)).collect(),
        trending_day: (!trending.is_empty()).then(|| day("2026-11-20")),
    }
}

/// Renders `digest` with `papers` as the store; returns the plain text and the skipped ids.
fn render(digest: &Digest, papers: &[Paper]) -> (String, Vec<SkippedPaper>) {
    let by_id: HashMap<&PaperId, &Paper> = papers.iter().map(|p| (&p.id, p)).collect();
    let (reply, skipped) = render_digest(digest, |id| by_id.get(id).copied());
    (reply.to_plain_text(), skipped)
}

fn rendering_papers() -> Vec<Paper> {
    vec![
        with_authors(
            paper(
                "2611.00001",
                "Diffusion models for protein design",
                "We generate protein backbones with a diffusion model.",
                0,
                "2026-11-19T09:00:00Z",
            ),
            &["Ada Lovelace", "Alan Turing"],
        ),
        with_authors(
            featured(
                paper(
                    "2611.00004",
                    "Latent diffusion at scale",
                    "Images, faster.",
                    0,
                    "2026-11-19T12:00:00Z",
                ),
                "2026-11-20",
                30,
            ),
            &["Grace Hopper"],
        ),
        with_authors(
            featured(
                paper(
                    "2611.00013",
                    "Top paper",
                    "Many votes.",
                    0,
                    "2026-11-19T12:00:00Z",
                ),
                "2026-11-20",
                50,
            ),
            &[
                "Emmy Noether",
                "Sofya Kovalevskaya",
                "Mary Somerville",
                "Hypatia",
            ],
        ),
        with_authors(
            featured(
                paper("2611.00012", "Quiet paper", "", 0, "2026-11-19T12:00:00Z"),
                "2026-11-20",
                5,
            ),
            &[],
        ),
    ]
}

#[test]
fn a_digest_with_matches_and_more_renders_as_whole_text() {
    let digest = digest_of(
        vec![
            entry("2611.00001", &["diffusion", "protein"]),
            entry("2611.00004", &["diffusion"]),
        ],
        3,
        &[],
    );
    let (text, skipped) = render(&digest, &rendering_papers());
    assert_eq!(skipped, []);
    assert_eq!(
        text,
        "5 new papers for your follows\n\
         \n\
         * Diffusion models for protein design\n  \
         Ada Lovelace and Alan Turing\n  \
         https://arxiv.org/abs/2611.00001\n  \
         matched: diffusion, protein\n  \
         We generate protein backbones with a diffusion model.\n\
         \n\
         * Latent diffusion at scale\n  \
         Grace Hopper\n  \
         https://arxiv.org/abs/2611.00004\n  \
         matched: diffusion · 30 upvotes\n  \
         Images, faster.\n\
         \n\
         and 3 more; narrow your follows to see fewer\n"
    );
    assert_eq!(
        digest::subject(&digest),
        "paperboy: 5 new papers for diffusion, protein"
    );
}

#[test]
fn a_trending_only_digest_renders_as_whole_text() {
    let digest = digest_of(Vec::new(), 0, &["2611.00013", "2611.00012"]);
    let (text, skipped) = render(&digest, &rendering_papers());
    assert_eq!(skipped, []);
    // 20 Nov 2026 is a Friday. A paper without an abstract has no snippet line.
    assert_eq!(
        text,
        "Trending on Hugging Face (Fri 20 Nov)\n\
         \n\
         * Top paper\n  \
         Emmy Noether, Sofya Kovalevskaya, Mary Somerville et al.\n  \
         https://arxiv.org/abs/2611.00013\n  \
         50 upvotes\n  \
         Many votes.\n\
         \n\
         * Quiet paper\n  \
         Unknown authors\n  \
         https://arxiv.org/abs/2611.00012\n  \
         5 upvotes\n"
    );
    assert_eq!(digest::subject(&digest), "paperboy: 2 trending papers");
}

#[test]
#[rustfmt::skip]
fn subjects() {
    let check = |digest: Digest, expected: &str| assert_eq!(digest::subject(&digest), expected);
    check(digest_of(vec![entry("2611.00001", &["diffusion"])], 0, &[]), "paperboy: 1 new paper for diffusion");
    check(digest_of(vec![entry("2611.00001", &["diffusion"])], 1, &[]), "paperboy: 2 new papers for diffusion");
    check(digest_of(vec![entry("2611.00001", &["graph"]), entry("2611.00002", &["diffusion", "graph"])], 0, &[]), "paperboy: 2 new papers for graph, diffusion");
    check(digest_of(vec![entry("2611.00001", &["a b", "c"]), entry("2611.00002", &["d"])], 0, &[]), "paperboy: 2 new papers for a b, c, d");
    check(digest_of(vec![entry("2611.00001", &["a", "b"]), entry("2611.00002", &["c", "d"]), entry("2611.00003", &["e"])], 4, &[]), "paperboy: 7 new papers for a, b, c, …");
    // Matches name the follows; trending papers are not counted as new matches.
    check(digest_of(vec![entry("2611.00001", &["diffusion"])], 0, &["2611.00013"]), "paperboy: 1 new paper for diffusion");
    check(digest_of(Vec::new(), 0, &["2611.00013"]), "paperboy: 1 trending paper");
    check(digest_of(Vec::new(), 0, &["2611.00013", "2611.00012", "2611.00011"]), "paperboy: 3 trending papers");
}

#[test]
#[rustfmt::skip]
fn author_lists() {
    let check = |authors: &[&str], expected: &str| {
        let authors: Vec<String> = authors.iter().map(|a| (*a).to_owned()).collect();
        assert_eq!(short_authors(&authors), expected, "authors {authors:?}");
    };
    check(&[], "Unknown authors");
    check(&["Ada Lovelace"], "Ada Lovelace");
    check(&["Ada Lovelace", "Alan Turing"], "Ada Lovelace and Alan Turing");
    check(&["Ada Lovelace", "Alan Turing", "Grace Hopper"], "Ada Lovelace, Alan Turing, Grace Hopper");
    check(&["Ada Lovelace", "Alan Turing", "Grace Hopper", "Emmy Noether", "Hypatia"], "Ada Lovelace, Alan Turing, Grace Hopper et al.");
    // Blank names do not count; a name with a line break stays on one line.
    check(&["", "  ", "\n"], "Unknown authors");
    check(&[" ", "Ada\nLovelace", ""], "Ada Lovelace");
}

#[test]
fn a_paper_without_a_title_is_skipped_and_reported_and_the_rest_render() {
    let mut papers = rendering_papers();
    papers.push(paper(
        "2611.00020",
        "",
        "An abstract without a title.",
        0,
        "2026-11-19T09:00:00Z",
    ));
    papers.push(paper(
        "2611.00021",
        " \n\t\u{7} ",
        "Only blanks and a bell in the title.",
        0,
        "2026-11-19T09:00:00Z",
    ));
    let digest = digest_of(
        vec![
            entry("2611.00020", &["diffusion"]),
            entry("2611.00001", &["diffusion"]),
            entry("2611.00021", &["diffusion"]),
            entry("2611.00099", &["diffusion"]),
        ],
        0,
        &["2611.00012"],
    );
    let (text, skipped) = render(&digest, &papers);
    assert_eq!(
        skipped,
        [
            SkippedPaper {
                id: id("2611.00020"),
                reason: "it has no title".into()
            },
            SkippedPaper {
                id: id("2611.00021"),
                reason: "it has no title".into()
            },
            SkippedPaper {
                id: id("2611.00099"),
                reason: "not in the store".into()
            },
        ]
    );
    // The heading counts what is shown.
    assert_eq!(
        text,
        "1 new paper for your follows\n\
         \n\
         * Diffusion models for protein design\n  \
         Ada Lovelace and Alan Turing\n  \
         https://arxiv.org/abs/2611.00001\n  \
         matched: diffusion\n  \
         We generate protein backbones with a diffusion model.\n\
         \n\
         Trending on Hugging Face (Fri 20 Nov)\n\
         \n\
         * Quiet paper\n  \
         Unknown authors\n  \
         https://arxiv.org/abs/2611.00012\n  \
         5 upvotes\n"
    );
}

#[test]
fn control_characters_cannot_break_a_title_onto_another_line() {
    let evil = with_authors(
        paper(
            "2611.00030",
            "Diffusion\nmodels\r\nfor\rproteins\u{7}\u{1b}[31m red\u{85}next\u{2028}line\0end",
            "Line one\nSubject: forged\r\nline three",
            0,
            "2026-11-19T09:00:00Z",
        ),
        &["Ada\r\nLovelace", "Alan\u{0}Turing"],
    );
    let digest = digest_of(vec![entry("2611.00030", &["diffusion"])], 0, &[]);
    let (text, skipped) = render(&digest, &[evil]);
    assert_eq!(skipped, []);
    assert_eq!(
        text,
        "1 new paper for your follows\n\
         \n\
         * Diffusion models for proteins [31m red next line end\n  \
         Ada Lovelace and Alan Turing\n  \
         https://arxiv.org/abs/2611.00030\n  \
         matched: diffusion\n  \
         Line one Subject: forged line three\n"
    );
}

#[test]
fn long_titles_and_abstracts_are_shortened_at_a_word_boundary() {
    // Words of 8 characters and a space: 223 words are 2,006 characters.
    let words = |prefix: &str, n: usize| -> Vec<String> {
        (1..=n).map(|i| format!("{prefix}{i:04}")).collect()
    };
    let title = words("titl", 223).join(" ");
    let abstract_text = words("abst", 223).join(" ");
    assert!(title.chars().count() > 2000 && abstract_text.chars().count() > 2000);
    let long = paper(
        "2611.00040",
        &title,
        &abstract_text,
        0,
        "2026-11-19T09:00:00Z",
    );
    let item = digest::paper_item(&long, &[]).unwrap();
    // Titles keep at most 300 characters, snippets 240, "…" included: 299 characters end
    // inside word 34, so the title stops after word 33 (296 characters); 239 end inside
    // word 27, so the snippet stops after word 26 (233 characters).
    assert_eq!(item.title, words("titl", 33).join(" ") + "…");
    assert_eq!(item.snippet, words("abst", 26).join(" ") + "…");

    // The rendered digest shows exactly these, each on one line.
    let digest = digest_of(vec![entry("2611.00040", &["titl0001"])], 0, &[]);
    let (text, _) = render(&digest, std::slice::from_ref(&long));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[2], format!("* {}", item.title));
    assert_eq!(lines[6], format!("  {}", item.snippet));
    assert_eq!(lines.len(), 7, "{text}");

    // One 2,000-character word has no boundary: it is cut at the limit, on a character
    // boundary (ü is two bytes).
    let unbroken = paper(
        "2611.00041",
        &"ü".repeat(2000),
        &"x".repeat(2000),
        0,
        "2026-11-19T09:00:00Z",
    );
    let item = digest::paper_item(&unbroken, &[]).unwrap();
    assert_eq!(item.title, "ü".repeat(299) + "…");
    assert_eq!(item.snippet, "x".repeat(239) + "…");

    // Trailing punctuation before the cut goes; short text is untouched.
    let sentence = "Short title, exactly as written.";
    let item = digest::paper_item(
        &paper("2611.00042", sentence, "", 0, "2026-11-19T09:00:00Z"),
        &[],
    )
    .unwrap();
    assert_eq!(item.title, sentence);
    let commas = std::iter::repeat_n("word,", 100)
        .collect::<Vec<_>>()
        .join(" ");
    let item = digest::paper_item(
        &paper("2611.00043", &commas, "", 0, "2026-11-19T09:00:00Z"),
        &[],
    )
    .unwrap();
    assert!(item.title.ends_with("word…"), "{}", item.title);
    assert!(item.title.chars().count() <= 300);
}
