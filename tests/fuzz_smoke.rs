//! Short property tests in the spirit of `benches/fuzz.rs`, for CI: the command, schedule
//! and feed parsers answer arbitrary and mutated input with a value or an error, never a
//! panic. (The query parser has its own, stronger properties in `tests/query_parse.rs`.)
//! Long runs are `cargo bench --bench fuzz`; see RELIABILITY.md.

use paperboy::command::CommandLimits;
use paperboy::feeds::{arxiv_api, arxiv_feed, hf_daily};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/", $name))
    };
}

const RSS: &[u8] = fixture!("arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml");
const ATOM: &[u8] = fixture!("arxiv-atom-feed_cs.LG_2026-09-25_trimmed.xml");
const API: &[u8] = fixture!("arxiv-api-query_cat-cs.CL_max3.xml");

fn config(cases: u32) -> Config {
    // No regression files: a failure prints its minimal case, which belongs in a table test.
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Command text from the grammar's own words, mixed with arbitrary strings.
fn command_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        select(vec![
            "/follow",
            "/unfollow",
            "/follows",
            "/schedule",
            "/timezone",
            "/why",
            "/related",
            "/search",
            "/preview",
            "/help",
            "/mode",
            "/digest",
            "/start",
            "/pause",
            "/resume",
            "/settings",
            "/trending",
            "@paperboy_bot",
            "OR",
            "NOT",
            "-",
            "(",
            ")",
            "\"",
            "title:",
            "author:",
            "cat:",
            "2401.00001v2",
            "hep-th/9901001",
            "0",
            "-1",
            "99999999999999999999",
            "daily",
            "08:00",
            "*/5",
            "Europe/Berlin",
            "\u{0}",
            "é",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    prop::collection::vec(token, 0..12).prop_map(|tokens| tokens.join(" "))
}

fn schedule_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        select(vec![
            "daily", "weekdays", "weekly", "every", "day", "monday", "sun", "at", "off", "8am",
            "12:60", "7:30pm", "*", "*/7", "1-5", "0", "7", "31", "2", "L", "#", ",", "?",
        ])
        .prop_map(str::to_owned),
        "[0-9*/,-]{1,6}",
        any::<String>(),
    ];
    prop::collection::vec(token, 0..7).prop_map(|tokens| tokens.join(" "))
}

/// A fixture with a range deleted, one replaced by arbitrary bytes, and a truncation.
fn mutated(document: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    (
        0..document.len(),
        0usize..64,
        prop::collection::vec(any::<u8>(), 0..16),
        0..=document.len(),
    )
        .prop_map(move |(at, deleted, inserted, keep)| {
            let mut bytes = document.to_vec();
            let end = (at + deleted).min(bytes.len());
            bytes.splice(at..end, inserted);
            bytes.truncate(keep.max(at));
            bytes
        })
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn command_parse_never_panics(text in command_text()) {
        let _ = paperboy::command::parse(&text, &CommandLimits::default());
    }

    #[test]
    fn schedule_parse_never_panics(text in schedule_text()) {
        let _ = paperboy::schedule::parse(&text);
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn feed_parsers_never_panic_on_mutated_fixtures(
        rss in mutated(RSS),
        atom in mutated(ATOM),
        api in mutated(API),
    ) {
        for body in [&rss, &atom, &api] {
            let _ = arxiv_feed::parse(body);
            let _ = arxiv_api::parse(body);
        }
    }

    #[test]
    fn feed_parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = arxiv_feed::parse(&bytes);
        let _ = arxiv_api::parse(&bytes);
        let _ = hf_daily::parse(&bytes);
    }

    #[test]
    fn hf_daily_never_panics_on_mutated_items(
        title in any::<String>(),
        id in prop_oneof!["[0-9]{4}\\.[0-9]{4,5}(v[0-9])?", any::<String>()],
        upvotes in prop_oneof![Just("1".to_owned()), Just("-1".to_owned()), Just("1e999".to_owned()), Just("null".to_owned()), "[0-9]{1,25}"],
        date in prop_oneof![Just("2026-06-12T00:00:00.000Z".to_owned()), any::<String>()],
    ) {
        let quoted = |text: &str| serde_json::Value::from(text).to_string();
        // Upvotes go in raw, so out-of-range and non-numbers reach the parser as written.
        let body = format!(
            r#"[{{"publishedAt": {date}, "paper": {{"id": {id}, "title": {title}, "upvotes": {upvotes}, "publishedAt": {date}, "authors": [{{"name": {title}}}]}}}}]"#,
            date = quoted(&date),
            id = quoted(&id),
            title = quoted(&title),
        );
        let _ = hf_daily::parse(body.as_bytes());
    }
}
