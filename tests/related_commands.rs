//! `/related` and `/search` through the service, as every front end runs them: a real sled
//! store in a temp dir holding the fixture corpus, and for papers the store lacks the real
//! HTTP client asking a fake arXiv API on 127.0.0.1.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use paperboy::config::Config;
use paperboy::ingest::{Ingestor, build_fetcher};
use paperboy::matching::FollowQuery;
use paperboy::paper::{Discovery, PaperId, PaperObservation};
use paperboy::query::eval::Doc;
use paperboy::reply::{Block, Reply};
use paperboy::service::Service;
use paperboy::store::Store;
use paperboy::subscriber::Address;
use support::fake_sources::{Canned, FakeSources, api_entry};

fn now() -> DateTime<Utc> {
    "2026-09-26T12:00:00Z".parse().expect("time")
}

struct Setup {
    fake: FakeSources,
    service: Service,
    store: Arc<Store>,
    _dir: tempfile::TempDir,
}

async fn setup(arxiv_enabled: bool) -> Setup {
    let fake = FakeSources::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    config.sources.hf.enabled = false;
    config.sources.arxiv.enabled = arxiv_enabled;
    config.sources.arxiv.api_url = format!("{}/api/query", fake.base_url());
    config.http.max_retries = 1;
    config.http.retry_base_delay_ms = 100;
    config.validate().expect("valid config");
    let store = Arc::new(Store::open(&config.data_dir).expect("store"));
    store
        .merge_observations(&support::fixtures::observations(), Discovery::Import, now())
        .expect("merge");
    let config = Arc::new(config);
    let fetcher = build_fetcher(&config).expect("fetcher");
    let ingestor = Arc::new(Ingestor::new(store.clone(), fetcher, config.clone()));
    let service = Service::new(store.clone(), config).with_ingestor(ingestor);
    Setup {
        fake,
        service,
        store,
        _dir: dir,
    }
}

impl Setup {
    async fn say(&self, text: &str) -> Reply {
        let address: Address = "console:reader".parse().expect("address");
        self.service
            .run_command(&address, text, now())
            .await
            .expect("command runs")
    }
}

fn paper_ids(reply: &Reply) -> Vec<String> {
    reply
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Papers(items) => Some(items.iter().map(|item| item.id.clone())),
            _ => None,
        })
        .flatten()
        .collect()
}

#[tokio::test]
async fn related_by_id_link_or_version_gives_the_same_answer() {
    let setup = setup(false).await;
    // (the paper as typed, the one its nearest neighbour must be, a term they share)
    let cases = [
        ("2606.12243", "2308.04623", "speculative decoding"),
        ("2606.12243v2", "2308.04623", "speculative decoding"),
        (
            "https://arxiv.org/abs/2606.12243v1",
            "2308.04623",
            "speculative decoding",
        ),
        (
            "arxiv.org/pdf/2606.12243",
            "2308.04623",
            "speculative decoding",
        ),
        (
            "<https://arxiv.org/abs/2606.12243>",
            "2308.04623",
            "speculative decoding",
        ),
        ("2308.13137", "2308.03290", "quantization"),
        // MusicLDM is built on AudioLDM.
        ("2308.01546", "2308.05734", "audio generation"),
    ];
    for (typed, nearest, term) in cases {
        let reply = setup.say(&format!("/related {typed}")).await;
        let text = reply.to_plain_text();
        let ids = paper_ids(&reply);
        assert_eq!(
            ids.first().map(String::as_str),
            Some(nearest),
            "{typed}: {text}"
        );
        assert_eq!(ids.len(), 5, "{typed}: the configured five results");
        assert!(
            !ids.iter().any(|id| typed.contains(id.as_str())),
            "{typed}: the paper itself is not related to itself"
        );
        assert!(
            text.contains(&format!("shares: {term}")) || text.contains(term),
            "{text}"
        );
        assert!(text.starts_with("Related to "), "{text}");
    }
    assert!(
        setup.fake.seen_paths("/api/query").is_empty(),
        "stored papers need no lookup"
    );
}

#[tokio::test]
async fn related_to_free_text_and_titles() {
    let setup = setup(false).await;
    let cases = [
        ("diffusion transformer serving", "2606.13501"),
        ("text-guided music generation", "2308.04729"),
        ("relighting neural radiance fields", "2308.13404"),
    ];
    for (text, first) in cases {
        let reply = setup.say(&format!("/related {text}")).await;
        assert_eq!(
            paper_ids(&reply).first().map(String::as_str),
            Some(first),
            "{text}"
        );
    }
    // A stored paper's exact title asks about that paper: it is not its own neighbour.
    let title = setup
        .store
        .paper(&PaperId::parse("2308.04079").expect("id"))
        .expect("read")
        .expect("stored")
        .title;
    let reply = setup.say(&format!("/related {title}")).await;
    let ids = paper_ids(&reply);
    assert!(!ids.contains(&"2308.04079".to_owned()), "{ids:?}");
    assert!(
        ids.contains(&"2308.13404".to_owned()),
        "a radiance-field paper: {ids:?}"
    );

    let reply = setup.say("/related the of and we").await;
    assert!(paper_ids(&reply).is_empty());
    assert!(
        reply
            .to_plain_text()
            .contains("No stored paper shares enough distinctive words"),
        "{}",
        reply.to_plain_text()
    );
}

#[tokio::test]
async fn an_unknown_id_is_fetched_from_arxiv_once_and_stored() {
    let setup = setup(true).await;
    setup.fake.set_api_entries(vec![api_entry(
        "2609.99001",
        2,
        "Speculative decoding with draft models for faster large language model inference",
        "cs.CL",
        "2026-09-20T10:00:00Z",
    )]);
    let reply = setup
        .say("/related https://arxiv.org/abs/2609.99001v1")
        .await;
    let text = reply.to_plain_text();
    assert!(
        text.starts_with("Related to 2609.99001 — Speculative decoding"),
        "{text}"
    );
    let ids = paper_ids(&reply);
    assert!(ids.contains(&"2308.04623".to_owned()), "{ids:?}");
    assert!(ids.contains(&"2606.12243".to_owned()), "{ids:?}");
    let lookups = setup.fake.seen_paths("/api/query");
    assert_eq!(lookups.len(), 1);
    assert!(
        lookups[0].query.contains("id_list=2609.99001"),
        "{}",
        lookups[0].query
    );

    let stored = setup
        .store
        .paper(&PaperId::parse("2609.99001").expect("id"))
        .expect("read")
        .expect("the looked-up paper is stored");
    assert_eq!(stored.discovered_via, Discovery::Lookup);
    assert!(
        !stored.is_announcement(),
        "digests never announce a looked-up paper"
    );

    // Asked again, it is answered from the store.
    let again = setup.say("/related 2609.99001").await;
    assert_eq!(paper_ids(&again), ids);
    assert_eq!(setup.fake.seen_paths("/api/query").len(), 1);
    // And it is now a neighbour of the papers it relates to.
    let reverse = setup.say("/related 2308.04623").await;
    assert!(paper_ids(&reverse).contains(&"2609.99001".to_owned()));
}

#[tokio::test]
async fn an_id_arxiv_does_not_have_gets_a_clear_answer_and_is_not_asked_again() {
    let setup = setup(true).await;
    let reply = setup.say("/related 2609.99002").await;
    assert_eq!(
        reply.to_plain_text().trim(),
        "ArXiv has no paper 2609.99002; check the id."
    );
    assert!(paper_ids(&reply).is_empty());
    let _ = setup.say("/related 2609.99002v3").await;
    assert_eq!(setup.fake.seen_paths("/api/query").len(), 1, "remembered");
}

#[tokio::test]
async fn arxiv_failing_or_switched_off_is_said_plainly() {
    let setup = setup(true).await;
    setup.fake.script(
        "/api/query",
        [
            Canned::status(503, "down"),
            Canned::status(503, "down"),
            Canned::status(503, "down"),
        ],
    );
    let text = setup.say("/related 2609.99003").await.to_plain_text();
    assert!(text.contains("could not be fetched"), "{text}");
    assert!(text.contains("try again later"), "{text}");

    let off = setup_off().await;
    let text = off.say("/related 2609.99003").await.to_plain_text();
    assert!(
        text.contains("fetching papers from arXiv is off here"),
        "{text}"
    );
    assert!(off.fake.seen_paths("/api/query").is_empty());
}

async fn setup_off() -> Setup {
    setup(false).await
}

#[tokio::test]
async fn bad_related_and_search_input_gets_usage() {
    let setup = setup(false).await;
    let cases = [
        (
            "/related",
            "/related needs an arXiv id, a link, a title or a few words",
        ),
        ("/search", "/search needs a query"),
        ("/search \"unbalanced", "quote"),
        ("/search (a OR", ""),
    ];
    for (typed, expected) in cases {
        let text = setup.say(typed).await.to_plain_text();
        assert!(text.contains(expected), "{typed}: {text}");
        assert!(!text.starts_with("Search:"), "{typed}: {text}");
    }
    let long = format!("/related {}", "word ".repeat(300));
    let text = setup.say(&long).await.to_plain_text();
    assert!(text.contains("reads at most 1000"), "{text}");
}

/// What a full scan of the store matches, newest id first.
fn brute_force(store: &Store, query: &FollowQuery) -> Vec<String> {
    let mut ids: Vec<String> = store
        .papers()
        .map(|paper| paper.expect("read"))
        .filter(|paper| query.matches(&Doc::from_paper(paper)))
        .map(|paper| paper.id.to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn search_finds_exactly_what_a_full_scan_finds() {
    let setup = setup(false).await;
    let queries = [
        "diffusion",
        "\"speculative decoding\"",
        "radiance OR splatting",
        "language model -survey",
        "ti:quantization",
        "\"time step\"",
        "timestep",
        "music generation",
        "pretraining",
        "cat:cs.CV diffusion",
        "llm agents",
    ];
    for text in queries {
        let query = FollowQuery::parse(text, 200).expect("valid");
        let answer = setup
            .service
            .search(&query, 1000, now())
            .await
            .expect("search");
        assert!(!answer.recent_only && !answer.truncated, "{text}");
        let mut found: Vec<String> = answer
            .matches
            .iter()
            .map(|(p, _)| p.id.to_string())
            .collect();
        assert_eq!(found.len(), answer.total, "{text}");
        found.sort();
        assert_eq!(found, brute_force(&setup.store, &query), "{text}");
    }
}

#[tokio::test]
async fn search_ranks_title_hits_first_and_says_how_many() {
    let setup = setup(false).await;
    let reply = setup.say("/search quantization").await;
    let text = reply.to_plain_text();
    assert!(text.starts_with("Search: quantization"), "{text}");
    let query = FollowQuery::parse("quantization", 200).expect("valid");
    let total = brute_force(&setup.store, &query).len();
    assert!(total > 1);
    assert!(text.contains(&format!("{total} papers match")), "{text}");
    let ids = paper_ids(&reply);
    let first = setup
        .store
        .paper(&PaperId::parse(&ids[0]).expect("id"))
        .expect("read")
        .expect("stored");
    assert!(
        first.title.to_lowercase().contains("quantiz"),
        "{}",
        first.title
    );

    // Authors alone cannot be narrowed by a word: recent papers are searched, and said so.
    let text = setup
        .say("/search au:\"ada lovelace\"")
        .await
        .to_plain_text();
    assert!(text.contains("last 90 days"), "{text}");
}

#[tokio::test]
async fn new_papers_are_related_and_searchable_as_soon_as_they_are_stored() {
    let setup = setup(false).await;
    // Build the index.
    assert!(!paper_ids(&setup.say("/related 2308.04623").await).is_empty());
    let mut fresh = PaperObservation::new(
        PaperId::parse("2609.99010").expect("id"),
        paperboy::paper::SourceKind::ArxivFeed,
    );
    fresh.title = Some("Speculative decoding verifies draft tokens in parallel".into());
    fresh.abstract_text = Some(
        "We study speculative decoding, where a small draft model proposes tokens that the \
         large language model verifies in parallel, for faster inference."
            .into(),
    );
    setup
        .store
        .merge_observations(&[fresh], Discovery::Announcement, now())
        .expect("merge");
    let ids = paper_ids(&setup.say("/related 2308.04623").await);
    assert!(ids.contains(&"2609.99010".to_owned()), "{ids:?}");
    let ids = paper_ids(&setup.say("/search \"draft tokens\"").await);
    // Its title holds the phrase, so it comes first.
    assert_eq!(
        ids.first().map(String::as_str),
        Some("2609.99010"),
        "{ids:?}"
    );
}
