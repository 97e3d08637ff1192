//! The real payloads in `tests/data/` as parsed papers, for tests that need a small real
//! corpus.

#![allow(dead_code)]

use std::io::Read;

use paperboy::feeds::{arxiv_api, arxiv_feed, hf_daily};
use paperboy::paper::PaperObservation;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("fixture {path}: {err}"))
}

/// Every paper of the two Hugging Face days, the arXiv API pages and the feeds, in file
/// order (an id may appear more than once).
pub fn observations() -> Vec<PaperObservation> {
    let mut observations = Vec::new();
    observations.extend(
        hf_daily::parse(&fixture("hf-daily-papers_date-2026-06-12.json"))
            .expect("hf")
            .papers,
    );
    let mut month = Vec::new();
    flate2::read::GzDecoder::new(&fixture("hf-daily-papers_month-2023-08_pages.json.gz")[..])
        .read_to_end(&mut month)
        .expect("gunzip");
    observations.extend(hf_daily::parse(&month).expect("hf month").papers);
    for page in [
        "arxiv-api-query_all-transformer-AND-cat-cs.LG_max5.xml",
        "arxiv-api-query_cat-cs.CL_max3.xml",
    ] {
        observations.extend(arxiv_api::parse(&fixture(page)).expect("api").batch.papers);
    }
    for feed in [
        "arxiv-atom-feed_cs.LG_2026-09-25_trimmed.xml",
        "arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml",
    ] {
        observations.extend(
            arxiv_feed::parse(&fixture(feed))
                .expect("feed")
                .batch
                .papers,
        );
    }
    observations
}

/// The subscriber at `address` (e.g. `email:ada@example.org`), created active with the
/// defaults if the store does not know it yet.
pub fn subscriber(
    store: &paperboy::store::Store,
    address: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> paperboy::subscriber::Subscriber {
    use paperboy::subscriber::{Address, DigestMode, Subscriber, SubscriberId};
    let address: Address = address.parse().expect("a subscriber address");
    let (subscriber, _) = store
        .subscriber_for_address(&address, |id: SubscriberId| Subscriber {
            id,
            address: address.clone(),
            time_zone: "UTC".into(),
            schedule: "daily 08:00".into(),
            paused: false,
            active: true,
            mode: DigestMode::Follows,
            created_at: now,
            digested_until: now,
            last_slot: None,
        })
        .expect("the store takes a subscriber");
    subscriber
}

/// The embedded config with its store under `dir/data`, no configured subscribers, and one
/// source: the JSON-lines file `dir/papers.jsonl`, polled every six hours.
pub fn file_source_config(dir: &std::path::Path) -> paperboy::config::Config {
    use paperboy::config::{Config, FileFormat, FileSourceConfig};
    let mut config = Config::embedded();
    config.data_dir = dir.join("data");
    config.subscribers.clear();
    config.sources.file = vec![FileSourceConfig {
        name: Some("papers".into()),
        path: dir.join("papers.jsonl").display().to_string(),
        format: FileFormat::Jsonl,
    }];
    config.ingest.schedule = "0 */6 * * *".into();
    config
}
