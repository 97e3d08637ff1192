//! Whole polls through the real HTTP client against fake Hugging Face and arXiv services on
//! 127.0.0.1, into a real sled store in a temp dir. The tokio clock is paused, so retries,
//! Retry-After waits and arXiv pacing take no real time and depend on no timing luck.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use paperboy::backfill::{BackfillRequest, Progress, backfill};
use paperboy::config::{Config, FeedFormat};
use paperboy::health::Verdict;
use paperboy::ingest::{Ingestor, SourceReport, build_fetcher};
use paperboy::paper::{Discovery, PaperId, SourceKind};
use paperboy::sources::configured_sources;
use paperboy::store::{MergeCounts, Store};
use support::fake_sources::{Canned, FakeSources, FeedItem, api_entry, rss_feed};
use tokio_util::sync::CancellationToken;

const HF_DAY: &str = "2026-06-12";
const FEED_PATH: &str = "/rss/cs.LG";

struct Setup {
    fake: FakeSources,
    ingestor: Ingestor,
    _dir: tempfile::TempDir,
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn hf_fixture() -> Vec<serde_json::Value> {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/hf-daily-papers_date-2026-06-12.json"
    ))
    .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A fake of both services and an ingestor pointed at it; `adjust` tweaks the config.
async fn setup(adjust: impl FnOnce(&mut Config)) -> Setup {
    let fake = FakeSources::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    config.sources.hf.base_url = fake.base_url();
    config.sources.hf.refresh_days = 0;
    config.sources.hf.page_size = 10;
    config.sources.arxiv.feed_url = fake.base_url();
    config.sources.arxiv.feed_format = FeedFormat::Rss;
    config.sources.arxiv.api_url = format!("{}/api/query", fake.base_url());
    config.sources.arxiv.categories = vec!["cs.LG".into()];
    config.sources.arxiv.api_page_size = 10;
    config.http.max_retries = 2;
    config.http.retry_base_delay_ms = 500;
    adjust(&mut config);
    config.validate().unwrap();
    let store = Arc::new(Store::open(&config.data_dir).unwrap());
    let fetcher = build_fetcher(&config).unwrap();
    let ingestor = Ingestor::new(store, fetcher, Arc::new(config));
    Setup {
        fake,
        ingestor,
        _dir: dir,
    }
}

fn only_hf(config: &mut Config) {
    config.sources.arxiv.enabled = false;
}

fn only_feed(config: &mut Config) {
    config.sources.hf.enabled = false;
}

fn report<'a>(reports: &'a [SourceReport], name: &str) -> &'a SourceReport {
    reports.iter().find(|r| r.name == name).unwrap()
}

fn counts(new: usize, updated: usize, unchanged: usize) -> MergeCounts {
    MergeCounts {
        new,
        updated,
        unchanged,
    }
}

fn item<'a>(id: &'a str, version: u32, announce: &'a str, title: &'a str) -> FeedItem<'a> {
    FeedItem {
        id,
        version,
        announce,
        title,
        abstract_text: "We study things.\n  Across lines.",
        categories: &["cs.LG", "cs.AI"],
        authors: "Ada Lovelace, Alan Turing",
    }
}

fn id(s: &str) -> PaperId {
    PaperId::parse(s).unwrap()
}

#[tokio::test(start_paused = true)]
async fn hf_pages_are_followed_and_upvotes_refresh() {
    let s = setup(only_hf).await;
    s.fake.set_hf_day(HF_DAY, hf_fixture());
    let now = t("2026-06-12T18:00:00Z");
    let reports = s.ingestor.poll_all(now).await.unwrap();
    assert_eq!(report(&reports, "hf").counts, counts(30, 0, 0));
    assert_eq!(report(&reports, "hf").verdict, Verdict::Healthy);
    // 30 items at 10 a page: three full pages, then an empty one ends the day.
    let pages: Vec<String> = s
        .fake
        .seen_paths("/api/daily_papers")
        .iter()
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(
        pages,
        ["p=0", "p=1", "p=2", "p=3"].map(|p| format!("date={HF_DAY}&limit=10&{p}"))
    );

    // A day later the same page has more upvotes on one paper.
    let mut items = hf_fixture();
    items[0]["paper"]["upvotes"] = serde_json::json!(99);
    s.fake.set_hf_day(HF_DAY, items);
    let later = t("2026-06-12T19:00:00Z");
    let reports = s.ingestor.poll_all(later).await.unwrap();
    assert_eq!(report(&reports, "hf").counts, counts(0, 1, 29));
    let first_id = hf_fixture()[0]["paper"]["id"].as_str().unwrap().to_owned();
    let paper = s.ingestor.store().paper(&id(&first_id)).unwrap().unwrap();
    assert_eq!(paper.hf.unwrap().upvotes, 99);
    assert_eq!(
        paper.stored_at, now,
        "an update does not make a paper new again"
    );
}

#[tokio::test(start_paused = true)]
async fn hf_refreshes_past_days_and_a_weekend_day_is_quiet() {
    let s = setup(|c| {
        only_hf(c);
        c.sources.hf.refresh_days = 2;
    })
    .await;
    // Friday has papers; Saturday and Sunday are empty, as on the real site.
    s.fake.set_hf_day("2026-11-20", hf_fixture());
    let reports = s
        .ingestor
        .poll_all(t("2026-11-22T12:00:00Z"))
        .await
        .unwrap();
    let hf = report(&reports, "hf");
    assert_eq!(hf.counts.new, 30, "the refresh reached back to Friday");
    assert_eq!(hf.verdict, Verdict::NoAnnouncement);
    let dates: Vec<String> = s
        .fake
        .seen_paths("/api/daily_papers")
        .iter()
        .map(|r| r.query.split('&').next().unwrap().to_owned())
        .collect();
    assert!(dates.contains(&"date=2026-11-20".to_owned()));
    assert!(dates.contains(&"date=2026-11-22".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_feed_answering_304_writes_nothing() {
    let s = setup(only_feed).await;
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[
            item("2611.00001", 1, "new", "First"),
            item("2611.00002", 1, "new", "Second"),
        ]),
    );
    let monday = t("2026-11-23T06:00:00Z");
    let reports = s.ingestor.poll_all(monday).await.unwrap();
    assert_eq!(report(&reports, "arxiv-rss").counts, counts(2, 0, 0));

    let reports = s
        .ingestor
        .poll_all(t("2026-11-23T07:00:00Z"))
        .await
        .unwrap();
    let feed = report(&reports, "arxiv-rss");
    assert!(feed.not_modified);
    assert_eq!(feed.counts, counts(0, 0, 0));
    assert_eq!(feed.verdict, Verdict::Healthy);
    let requests = s.fake.seen_paths(FEED_PATH);
    assert_eq!(requests.len(), 2);
    assert!(requests[1].headers.contains_key("if-none-match"));
}

#[tokio::test(start_paused = true)]
async fn an_empty_weekend_feed_is_no_announcement() {
    let s = setup(only_feed).await;
    s.fake.set_document(FEED_PATH, rss_feed(&[]));
    let saturday = t("2026-11-28T06:00:00Z");
    let reports = s.ingestor.poll_all(saturday).await.unwrap();
    let feed = report(&reports, "arxiv-rss");
    assert_eq!(feed.counts, counts(0, 0, 0));
    assert_eq!(feed.error, None);
    assert_eq!(feed.verdict, Verdict::NoAnnouncement);
}

#[tokio::test(start_paused = true)]
async fn a_weekday_feed_serving_the_same_batch_is_stale() {
    let s = setup(only_feed).await;
    let body = rss_feed(&[item("2611.00001", 1, "new", "First")]);
    // No ETag this time: the fake serves the same bytes as a full 200 each day.
    s.fake
        .script(FEED_PATH, [Canned::ok(body.clone()), Canned::ok(body)]);
    let tuesday = t("2026-11-24T02:00:00Z");
    let reports = s.ingestor.poll_all(tuesday).await.unwrap();
    assert_eq!(report(&reports, "arxiv-rss").verdict, Verdict::Healthy);
    let wednesday = t("2026-11-25T12:00:00Z");
    let reports = s.ingestor.poll_all(wednesday).await.unwrap();
    assert_eq!(
        report(&reports, "arxiv-rss").verdict,
        Verdict::Stale { since: tuesday }
    );
}

#[tokio::test(start_paused = true)]
async fn a_feed_error_page_is_a_failure() {
    let s = setup(only_feed).await;
    let body = rss_feed(&[]).replace(
        "<title>cs.LG updates on arXiv.org</title>",
        "<title>Feed error for query: cs.NOPE</title>",
    );
    s.fake.set_document(FEED_PATH, body);
    let reports = s
        .ingestor
        .poll_all(t("2026-11-24T02:00:00Z"))
        .await
        .unwrap();
    let feed = report(&reports, "arxiv-rss");
    assert!(
        feed.error.as_deref().unwrap().contains("Feed error"),
        "{feed:?}"
    );
    assert!(matches!(feed.verdict, Verdict::Degraded { .. }));
}

#[tokio::test(start_paused = true)]
async fn one_failing_source_never_stops_the_others() {
    let s = setup(|_| {}).await;
    s.fake.set_hf_day(HF_DAY, hf_fixture());
    // The feed is broken three polls in a row: malformed XML, then 503s beyond the retries.
    let five_hundreds = (0..3).map(|_| Canned::status(503, "busy"));
    s.fake
        .script(FEED_PATH, [Canned::ok("<rss><channel><item>")]);
    s.fake.script(FEED_PATH, five_hundreds.clone());
    s.fake.script(FEED_PATH, five_hundreds);
    s.fake
        .set_document(FEED_PATH, rss_feed(&[item("2611.00001", 1, "new", "Back")]));

    let mut verdicts = Vec::new();
    for hour in 10..14 {
        let now = t(&format!("2026-06-12T{hour}:00:00Z"));
        let reports = s.ingestor.poll_all(now).await.unwrap();
        if hour == 10 {
            assert_eq!(report(&reports, "hf").counts.new, 30, "HF went on");
            let error = report(&reports, "arxiv-rss").error.clone().unwrap();
            assert!(error.contains("malformed XML"), "{error}");
        }
        verdicts.push(report(&reports, "arxiv-rss").verdict.clone());
    }
    assert_eq!(
        verdicts[..3],
        [
            Verdict::Degraded {
                consecutive_failures: 1
            },
            Verdict::Degraded {
                consecutive_failures: 2
            },
            Verdict::Failing {
                consecutive_failures: 3,
                since: t("2026-06-12T10:00:00Z")
            },
        ]
    );
    assert_eq!(verdicts[3], Verdict::Healthy, "one good poll recovers");
    assert!(
        s.ingestor
            .store()
            .paper(&id("2611.00001"))
            .unwrap()
            .is_some()
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limits_and_server_errors_are_retried() {
    let s = setup(only_hf).await;
    s.fake.set_hf_day(HF_DAY, hf_fixture()[..5].to_vec());
    s.fake.script(
        "/api/daily_papers",
        [
            Canned::status(429, "slow down").header("retry-after", "7"),
            Canned::status(502, "bad gateway"),
        ],
    );
    let reports = s
        .ingestor
        .poll_all(t("2026-06-12T18:00:00Z"))
        .await
        .unwrap();
    assert_eq!(report(&reports, "hf").counts.new, 5);
    let seen = s.fake.seen_paths("/api/daily_papers");
    assert_eq!(seen.len(), 3);
    assert!(
        seen[1].at - seen[0].at >= Duration::from_secs(7),
        "Retry-After honoured: waited {:?}",
        seen[1].at - seen[0].at
    );
}

#[tokio::test(start_paused = true)]
async fn truncated_malformed_and_oversize_bodies_are_rejected_cleanly() {
    let s = setup(|c| {
        only_hf(c);
        c.sources.hf.refresh_days = 2;
        c.http.max_body_mb = 1;
    })
    .await;
    let fixture = serde_json::to_vec(&hf_fixture()).unwrap();
    s.fake.script(
        "/api/daily_papers",
        [
            // 2026-06-10: cut off mid-document.
            Canned::ok(fixture[..fixture.len() / 2].to_vec()),
            // 2026-06-11: two megabytes of JSON.
            Canned::ok(format!("[{}\"\"]", "\"x\",".repeat(400_000))),
        ],
    );
    // 2026-06-12: served normally.
    s.fake.set_hf_day(HF_DAY, hf_fixture()[..3].to_vec());
    let reports = s
        .ingestor
        .poll_all(t("2026-06-12T18:00:00Z"))
        .await
        .unwrap();
    let hf = report(&reports, "hf");
    assert_eq!(hf.counts.new, 3, "the good day is stored");
    let error = hf.error.clone().unwrap();
    assert!(error.contains("malformed JSON"), "{error}");
    // Had the 2 MB body been read, its 400,001 non-object items would be skipped entries.
    assert_eq!(hf.skipped_entries, 0);
    assert_eq!(s.ingestor.store().stats().unwrap().papers, 3);
}

#[tokio::test(start_paused = true)]
async fn hf_then_arxiv_is_one_record_and_a_replacement_is_an_update() {
    let s = setup(|_| {}).await;
    let hf_items = hf_fixture();
    let shared = hf_items[0]["paper"]["id"].as_str().unwrap().to_owned();
    s.fake.set_hf_day(HF_DAY, hf_items[..1].to_vec());
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[
            FeedItem {
                categories: &["cs.CL", "cs.LG"],
                ..item(&shared, 1, "new", "Title From The Feed")
            },
            FeedItem {
                categories: &["hep-ph", "cs.LG"],
                ..item("2611.00003", 2, "cross", "A Cross-List")
            },
        ]),
    );
    let day_one = t("2026-06-12T18:00:00Z");
    let reports = s.ingestor.poll_all(day_one).await.unwrap();
    assert_eq!(report(&reports, "hf").counts, counts(1, 0, 0));
    assert_eq!(report(&reports, "arxiv-rss").counts, counts(1, 1, 0));

    let paper = s.ingestor.store().paper(&id(&shared)).unwrap().unwrap();
    assert_eq!(paper.sources, [SourceKind::HfDaily, SourceKind::ArxivFeed]);
    assert_eq!(paper.categories, ["cs.CL", "cs.LG"]);
    assert!(paper.hf.is_some(), "HF signals kept");
    assert_eq!(paper.title, "Title From The Feed");
    assert_eq!(paper.abstract_text, "We study things. Across lines.");
    let cross = s
        .ingestor
        .store()
        .paper(&id("2611.00003"))
        .unwrap()
        .unwrap();
    assert_eq!(cross.primary_category(), Some("hep-ph"));
    assert_eq!(cross.discovered_via, Discovery::Announcement);

    // Next day the feed announces v2 of the shared paper as a replacement.
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[item(&shared, 2, "replace", "Revised Title")]),
    );
    let reports = s
        .ingestor
        .poll_all(t("2026-06-13T18:00:00Z"))
        .await
        .unwrap();
    assert_eq!(report(&reports, "arxiv-rss").counts, counts(0, 1, 0));
    let revised = s.ingestor.store().paper(&id(&shared)).unwrap().unwrap();
    assert_eq!(revised.title, "Revised Title");
    assert_eq!(revised.version, Some(2));
    assert_eq!(revised.stored_at, day_one);
    let new_since_day_two: Vec<_> = s
        .ingestor
        .store()
        .papers_stored_since(t("2026-06-13T00:00:00Z"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        new_since_day_two.is_empty(),
        "a replacement is not a new paper"
    );
}

struct NoProgress;

impl Progress for NoProgress {
    fn set_total(&self, _: u64) {}
    fn advance(&self, _: u64, _: &str) {}
}

#[tokio::test(start_paused = true)]
async fn arxiv_requests_are_paced_and_never_concurrent() {
    let s = setup(|c| {
        c.sources.hf.enabled = false;
        c.sources.arxiv.min_interval_secs = 3;
    })
    .await;
    let entries = (1..=25)
        .map(|n| {
            api_entry(
                &format!("2601.{n:05}"),
                1,
                &format!("Backfilled paper {n}"),
                "cs.LG",
                "2026-01-05T10:00:00Z",
            )
        })
        .collect();
    s.fake.set_api_entries(entries);
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[item("2611.00001", 1, "new", "Fresh")]),
    );

    // A backfill (three API pages) and a feed poll at once: one gate covers both.
    let request = BackfillRequest {
        from: "2026-01-01".parse().unwrap(),
        to: "2026-01-31".parse().unwrap(),
        arxiv: true,
        hf: false,
    };
    let now = t("2026-11-24T12:00:00Z");
    let shutdown = CancellationToken::new();
    let feed_source = configured_sources(s.ingestor.config())
        .into_iter()
        .find(|source| source.name() == "arxiv-rss")
        .unwrap();
    let (backfilled, polled) = tokio::join!(
        backfill(&s.ingestor, request, now, &NoProgress, &shutdown),
        s.ingestor.poll_source(&feed_source, now),
    );
    let backfilled = backfilled.unwrap();
    assert_eq!(backfilled.counts, counts(25, 0, 0));
    assert!(backfilled.errors.is_empty(), "{:?}", backfilled.errors);
    assert_eq!(polled.unwrap().counts.new, 1);

    let starts: Vec<_> = s.fake.seen().iter().map(|r| r.at).collect();
    assert_eq!(starts.len(), 4, "three API pages and one feed request");
    for pair in starts.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_secs(3),
            "requests {:?} apart",
            pair[1] - pair[0]
        );
    }
    assert_eq!(s.fake.max_in_flight(), 1);

    let paper = s
        .ingestor
        .store()
        .paper(&id("2601.00007"))
        .unwrap()
        .unwrap();
    assert_eq!(paper.discovered_via, Discovery::Backfill);
    assert_eq!(
        paper.abstract_text,
        "An abstract about Backfilled paper 7 with a hard line break."
    );
    let query = &s.fake.seen_paths("/api/query")[0].query;
    assert!(
        query.contains("submittedDate%3A%5B202601010000+TO+202601312359%5D"),
        "{query}"
    );
}

#[tokio::test(start_paused = true)]
async fn hf_papers_get_arxiv_details_from_the_api() {
    let s = setup(|c| c.sources.arxiv.min_interval_secs = 3).await;
    let items = hf_fixture()[..3].to_vec();
    let known = items[0]["paper"]["id"].as_str().unwrap().to_owned();
    s.fake.set_hf_day(HF_DAY, items.clone());
    s.fake.set_document(FEED_PATH, rss_feed(&[]));
    s.fake.set_api_entries(vec![api_entry(
        &known,
        2,
        "The arXiv Title",
        "cs.CL",
        "2026-05-30T17:00:00Z",
    )]);

    let reports = s
        .ingestor
        .poll_all(t("2026-06-12T18:00:00Z"))
        .await
        .unwrap();
    let api = report(&reports, "arxiv-api");
    assert_eq!(api.counts, counts(0, 1, 0), "{api:?}");
    let paper = s.ingestor.store().paper(&id(&known)).unwrap().unwrap();
    assert_eq!(paper.categories, ["cs.CL"]);
    assert_eq!(paper.version, Some(2));
    assert_eq!(paper.sources, [SourceKind::HfDaily, SourceKind::ArxivApi]);
    assert!(paper.hf.is_some());

    // One request named all three papers; the feed and the API were paced.
    let lookups = s.fake.seen_paths("/api/query");
    assert_eq!(lookups.len(), 1);
    for item in &items {
        let wanted = item["paper"]["id"].as_str().unwrap();
        assert!(lookups[0].query.contains(wanted), "{}", lookups[0].query);
    }
    let feed = s.fake.seen_paths(FEED_PATH);
    assert!(lookups[0].at - feed[0].at >= Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn the_hugging_face_token_goes_to_hugging_face_only() {
    let s =
        setup(|c| c.sources.hf.token = Some(paperboy::config::Secret::new("hf_sentinel"))).await;
    s.fake.set_hf_day(HF_DAY, hf_fixture()[..2].to_vec());
    s.fake.set_document(FEED_PATH, rss_feed(&[]));
    s.ingestor
        .poll_all(t("2026-06-12T18:00:00Z"))
        .await
        .unwrap();
    let auth = |path: &str| -> Vec<Option<String>> {
        s.fake
            .seen_paths(path)
            .iter()
            .map(|r| {
                r.headers
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned())
            })
            .collect()
    };
    assert_eq!(
        auth("/api/daily_papers"),
        [Some("Bearer hf_sentinel".to_owned())]
    );
    assert!(auth(FEED_PATH).iter().all(Option::is_none));
    assert!(auth("/api/query").iter().all(Option::is_none));
}

#[tokio::test(start_paused = true)]
async fn the_daemon_polls_on_its_cron_and_stops_on_the_shutdown_signal() {
    let s = setup(|c| {
        only_feed(c);
        c.ingest.schedule = "0 * * * *".into();
        c.subscribers.clear();
    })
    .await;
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[item("2611.00001", 1, "new", "Polled")]),
    );
    let data_dir = s.ingestor.store().data_dir().to_owned();
    let app = Arc::new(
        paperboy::daemon::App::new(
            s.ingestor.clone(),
            paperboy::clock::Clock::tokio_from(t("2026-11-24T10:00:00Z")),
        )
        .unwrap(),
    );
    let shutdown = CancellationToken::new();
    let daemon = {
        let (app, shutdown) = (app.clone(), shutdown.clone());
        tokio::spawn(async move { paperboy::daemon::run(&app, shutdown).await })
    };
    // Polls at start (10:00), 11:00 and 12:00; then the signal arrives mid-sleep.
    tokio::time::sleep(Duration::from_secs(2 * 3600 + 60)).await;
    shutdown.cancel();
    daemon.await.unwrap().unwrap();
    let seen = s.fake.seen_paths(FEED_PATH);
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].at - seen[1].at, Duration::from_secs(3600));
    let snapshot = paperboy::status::read_snapshot(&data_dir).unwrap();
    assert_eq!(snapshot.papers, 1);
}

fn hf_id(item: &serde_json::Value) -> PaperId {
    id(item["paper"]["id"].as_str().unwrap())
}

#[tokio::test(start_paused = true)]
async fn after_a_three_day_outage_the_missed_days_are_read_and_arxiv_is_caught_up() {
    let s = setup(|_| {}).await;
    let fixture = hf_fixture();
    let days = [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
    ];
    for (n, day) in days.iter().enumerate() {
        s.fake.set_hf_day(day, fixture[2 * n..2 * n + 2].to_vec());
    }
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[item("2611.00001", 1, "new", "Seen before the outage")]),
    );
    s.fake.set_api_entries(vec![api_entry(
        "2611.00001",
        1,
        "Seen before the outage",
        "cs.LG",
        "2026-11-20T10:00:00Z",
    )]);
    let before = s
        .ingestor
        .poll_all(t("2026-11-23T06:00:00Z"))
        .await
        .unwrap();
    assert!(before.iter().all(|r| r.error.is_none()), "{before:?}");

    // Wednesday: both sources answer 503 through every retry (three attempts per request;
    // Hugging Face is asked for Monday to Wednesday).
    s.fake.script(
        "/api/daily_papers",
        (0..9).map(|_| Canned::status(503, "down")),
    );
    s.fake
        .script(FEED_PATH, (0..3).map(|_| Canned::status(503, "down")));
    let outage = s
        .ingestor
        .poll_all(t("2026-11-25T06:00:00Z"))
        .await
        .unwrap();
    assert!(report(&outage, "hf").error.is_some(), "{outage:?}");
    assert!(report(&outage, "arxiv-rss").error.is_some(), "{outage:?}");
    let api_queries_before = s.fake.seen_paths("/api/query").len();

    // Friday: back. The feed shows only Friday's announcement; what was announced on
    // Tuesday to Thursday is in the API, by submission date.
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[item("2611.00009", 1, "new", "Announced on Friday")]),
    );
    s.fake.set_api_entries(vec![
        api_entry(
            "2611.00001",
            1,
            "Seen before the outage",
            "cs.LG",
            "2026-11-20T10:00:00Z",
        ),
        api_entry(
            "2611.00004",
            1,
            "Announced on Tuesday",
            "cs.LG",
            "2026-11-23T10:00:00Z",
        ),
        api_entry(
            "2611.00006",
            1,
            "Announced on Thursday",
            "cs.LG",
            "2026-11-25T10:00:00Z",
        ),
    ]);
    let recovered = s
        .ingestor
        .poll_all(t("2026-11-27T06:00:00Z"))
        .await
        .unwrap();
    assert!(recovered.iter().all(|r| r.error.is_none()), "{recovered:?}");

    // Hugging Face: every day since the last good poll, though refresh_days is 0.
    let store = s.ingestor.store();
    for item in &fixture[..10] {
        let paper = store
            .paper(&hf_id(item))
            .unwrap()
            .expect("every HF day read");
        assert_eq!(paper.discovered_via, Discovery::Announcement);
    }
    // arXiv: the missed papers are announcements, so the next digest holds them; the one
    // seen before is not new again.
    assert_eq!(
        report(&recovered, "arxiv-rss").counts.new,
        3,
        "{recovered:?}"
    );
    for missed in ["2611.00004", "2611.00006", "2611.00009"] {
        let paper = store.paper(&id(missed)).unwrap().expect(missed);
        assert_eq!(paper.discovered_via, Discovery::Announcement, "{missed}");
    }
    let catch_up: Vec<String> = s.fake.seen_paths("/api/query")[api_queries_before..]
        .iter()
        .map(|seen| seen.query.clone())
        .filter(|query| query.contains("search_query"))
        .collect();
    assert_eq!(catch_up.len(), 1, "{catch_up:?}");
    assert!(
        catch_up[0].contains("202611210000") && catch_up[0].contains("202611272359"),
        "from two days before the last good poll to today: {}",
        catch_up[0]
    );

    // The next poll, a day later, has no gap to fill.
    s.ingestor
        .poll_all(t("2026-11-28T06:00:00Z"))
        .await
        .unwrap();
    let searches = s
        .fake
        .seen_paths("/api/query")
        .iter()
        .filter(|seen| seen.query.contains("search_query"))
        .count();
    assert_eq!(searches, 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_catch_up_fails_the_poll_and_the_next_poll_tries_again() {
    let s = setup(only_feed).await;
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[item("2611.00001", 1, "new", "Before the gap")]),
    );
    s.ingestor
        .poll_all(t("2026-11-23T06:00:00Z"))
        .await
        .unwrap();
    s.fake.set_document(
        FEED_PATH,
        rss_feed(&[item("2611.00009", 1, "new", "After the gap")]),
    );
    s.fake.set_api_entries(vec![api_entry(
        "2611.00004",
        1,
        "Missed in the gap",
        "cs.LG",
        "2026-11-24T10:00:00Z",
    )]);
    // The API is down through every retry of the catch-up's first page.
    s.fake
        .script("/api/query", (0..3).map(|_| Canned::status(503, "down")));
    let failed = s
        .ingestor
        .poll_all(t("2026-11-26T06:00:00Z"))
        .await
        .unwrap();
    assert!(report(&failed, "arxiv-rss").error.is_some(), "{failed:?}");
    assert!(
        s.ingestor
            .store()
            .paper(&id("2611.00004"))
            .unwrap()
            .is_none()
    );

    // An hour later the gap is still measured from the last good poll, and filled.
    let retried = s
        .ingestor
        .poll_all(t("2026-11-26T07:00:00Z"))
        .await
        .unwrap();
    assert!(report(&retried, "arxiv-rss").error.is_none(), "{retried:?}");
    let paper = s
        .ingestor
        .store()
        .paper(&id("2611.00004"))
        .unwrap()
        .unwrap();
    assert_eq!(paper.discovered_via, Discovery::Announcement);
}
