//! Which sources exist and the URLs paperboy asks them for.
//!
//! Pure: the configuration in, a list of [`SourceSpec`]s and request URLs out. Fetching and
//! parsing happen in `ingest`; the request shapes (Hugging Face `date`/`limit`/`p`, arXiv
//! feed paths, arXiv API `search_query`/`id_list`) live here so they are tested in one place.

use chrono::NaiveDate;

use crate::config::{Config, FeedFormat, FileFormat};
use crate::health::HealthPolicy;
use crate::paper::PaperId;

/// One configured source, ready to poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceSpec {
    /// Hugging Face Daily Papers: today's page plus `refresh_days` past days.
    HfDaily {
        name: String,
        base_url: String,
        page_size: u32,
        refresh_days: u32,
    },
    /// An arXiv RSS or Atom announcement feed.
    ArxivFeed { name: String, url: String },
    /// The arXiv API, polled to fill in details (categories, comments, submission times)
    /// of recent papers that arrived without them, e.g. from Hugging Face.
    ArxivApi { name: String, api_url: String },
    /// A local file, `file://` URL or bundled sample in one of the source formats.
    File {
        name: String,
        location: String,
        format: FileFormat,
    },
}

impl SourceSpec {
    pub fn name(&self) -> &str {
        match self {
            SourceSpec::HfDaily { name, .. }
            | SourceSpec::ArxivFeed { name, .. }
            | SourceSpec::ArxivApi { name, .. }
            | SourceSpec::File { name, .. } => name,
        }
    }

    pub fn health_policy(&self, config: &Config) -> HealthPolicy {
        let expects_weekday_batches = match self {
            SourceSpec::ArxivFeed { .. } => true,
            SourceSpec::HfDaily { .. } | SourceSpec::ArxivApi { .. } => false,
            // A mirror of a feed is as regular as the feed; other files are whatever the
            // operator puts there.
            SourceSpec::File {
                format, location, ..
            } => *format == FileFormat::ArxivFeed && !location.starts_with("bundled:"),
        };
        HealthPolicy {
            failing_after: config.health.failing_after.max(1),
            stale_after: chrono::Duration::hours(
                i64::try_from(config.health.stale_after_hours).unwrap_or(i64::MAX / 3600),
            ),
            expects_weekday_batches,
        }
    }
}

/// Every enabled source, in polling order.
pub fn configured_sources(config: &Config) -> Vec<SourceSpec> {
    let mut sources = Vec::new();
    let hf = &config.sources.hf;
    if hf.enabled {
        sources.push(SourceSpec::HfDaily {
            name: "hf".into(),
            base_url: hf.base_url.clone(),
            page_size: hf.page_size,
            refresh_days: hf.refresh_days,
        });
    }
    let arxiv = &config.sources.arxiv;
    if arxiv.enabled {
        let name = match arxiv.feed_format {
            FeedFormat::Rss => "arxiv-rss",
            FeedFormat::Atom => "arxiv-atom",
        };
        sources.push(SourceSpec::ArxivFeed {
            name: name.into(),
            url: arxiv_feed_url(&arxiv.feed_url, arxiv.feed_format, &arxiv.categories),
        });
        // After the feeds, so it sees what they and Hugging Face just stored.
        sources.push(SourceSpec::ArxivApi {
            name: "arxiv-api".into(),
            api_url: arxiv.api_url.clone(),
        });
    }
    for file in &config.sources.file {
        let name = file.name.clone().unwrap_or_else(|| {
            let path = file.path.trim_start_matches("file://");
            let base = path.rsplit('/').next().unwrap_or(path);
            format!("file:{base}")
        });
        sources.push(SourceSpec::File {
            name,
            location: file.path.clone(),
            format: file.format,
        });
    }
    sources
}

/// `GET /api/daily_papers?date=YYYY-MM-DD&limit=N&p=P`.
pub fn hf_daily_url(base_url: &str, date: NaiveDate, limit: u32, page: u32) -> String {
    format!(
        "{}/api/daily_papers?date={}&limit={limit}&p={page}",
        base_url.trim_end_matches('/'),
        date.format("%Y-%m-%d")
    )
}

/// `<base>/rss/cs.LG+cs.CL` or `<base>/atom/cs.LG+cs.CL`.
pub fn arxiv_feed_url(base_url: &str, format: FeedFormat, categories: &[String]) -> String {
    let kind = match format {
        FeedFormat::Rss => "rss",
        FeedFormat::Atom => "atom",
    };
    format!(
        "{}/{kind}/{}",
        base_url.trim_end_matches('/'),
        categories.join("+")
    )
}

/// An arXiv API search, oldest submission first so paging is stable while new papers arrive.
pub fn arxiv_api_search_url(
    api_url: &str,
    search_query: &str,
    start: u64,
    max_results: u32,
) -> String {
    let mut url = reqwest::Url::parse(api_url).unwrap_or_else(|_| {
        reqwest::Url::parse("https://export.arxiv.org/api/query").expect("a valid literal URL")
    });
    url.query_pairs_mut()
        .append_pair("search_query", search_query)
        .append_pair("start", &start.to_string())
        .append_pair("max_results", &max_results.to_string())
        .append_pair("sortBy", "submittedDate")
        .append_pair("sortOrder", "ascending");
    url.into()
}

/// An arXiv API lookup of specific papers.
pub fn arxiv_api_id_list_url(api_url: &str, ids: &[PaperId]) -> String {
    let mut url = reqwest::Url::parse(api_url).unwrap_or_else(|_| {
        reqwest::Url::parse("https://export.arxiv.org/api/query").expect("a valid literal URL")
    });
    let list = ids
        .iter()
        .map(PaperId::as_str)
        .collect::<Vec<_>>()
        .join(",");
    url.query_pairs_mut()
        .append_pair("id_list", &list)
        .append_pair("start", "0")
        .append_pair("max_results", &ids.len().to_string());
    url.into()
}

/// `(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202601010000 TO 202601312359]`.
pub fn arxiv_backfill_query(categories: &[String], from: NaiveDate, to: NaiveDate) -> String {
    let cats = categories
        .iter()
        .map(|c| format!("cat:{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!(
        "({cats}) AND submittedDate:[{}0000 TO {}2359]",
        from.format("%Y%m%d"),
        to.format("%Y%m%d")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn request_urls() {
        assert_eq!(
            hf_daily_url("https://huggingface.co/", day("2026-06-12"), 100, 2),
            "https://huggingface.co/api/daily_papers?date=2026-06-12&limit=100&p=2"
        );
        assert_eq!(
            arxiv_feed_url(
                "https://rss.arxiv.org",
                FeedFormat::Atom,
                &["cs.LG".into(), "stat.ML".into()]
            ),
            "https://rss.arxiv.org/atom/cs.LG+stat.ML"
        );
        assert_eq!(
            arxiv_api_search_url(
                "http://127.0.0.1:9/api/query",
                &arxiv_backfill_query(
                    &["cs.LG".into(), "cs.CL".into()],
                    day("2026-01-01"),
                    day("2026-01-31")
                ),
                200,
                100
            ),
            "http://127.0.0.1:9/api/query?search_query=%28cat%3Acs.LG+OR+cat%3Acs.CL%29+AND+submittedDate%3A%5B202601010000+TO+202601312359%5D&start=200&max_results=100&sortBy=submittedDate&sortOrder=ascending"
        );
        let ids = ["2401.00001", "hep-th/9901001"].map(|s| PaperId::parse(s).unwrap());
        assert_eq!(
            arxiv_api_id_list_url("https://export.arxiv.org/api/query", &ids),
            "https://export.arxiv.org/api/query?id_list=2401.00001%2Chep-th%2F9901001&start=0&max_results=2"
        );
    }

    #[test]
    fn embedded_defaults_poll_only_bundled_samples() {
        let sources = configured_sources(&Config::embedded());
        assert!(!sources.is_empty());
        assert!(sources.iter().all(|s| matches!(
            s,
            SourceSpec::File { location, .. } if location.starts_with("bundled:")
        )));
    }

    #[test]
    fn file_sources_are_named_after_their_file() {
        let mut config = Config::default();
        config.sources.file.push(crate::config::FileSourceConfig {
            name: None,
            path: "file:///srv/mirror/cs.LG.xml".into(),
            format: FileFormat::ArxivFeed,
        });
        let names: Vec<_> = configured_sources(&config)
            .iter()
            .map(|s| s.name().to_owned())
            .collect();
        assert_eq!(names, ["hf", "arxiv-rss", "arxiv-api", "file:cs.LG.xml"]);
    }
}
