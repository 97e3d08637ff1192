//! Which sources exist and the URLs paperboy asks them for.
//!
//! Pure: the configuration in, a list of [`SourceSpec`]s and request URLs out. Fetching and
//! parsing happen in `ingest`; the request shapes (Hugging Face `date`/`limit`/`p`, arXiv
//! feed paths, arXiv API `search_query`/`id_list`) live here so they are tested in one place.

use chrono::{DateTime, Days, NaiveDate, Utc};

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

/// The furthest back a source catches up by itself after an outage or downtime; an older gap
/// is left to `paperboy backfill`.
pub const MAX_CATCH_UP_DAYS: u32 = 14;

/// The arXiv announcement feeds list only the latest announcement, and arXiv announces at
/// most once a day: a longer gap since the last good poll may have missed some.
const ARXIV_GAP_HOURS: i64 = 30;

/// How many past days of Hugging Face Daily Papers to read besides today: the configured
/// `refresh_days`, or every day since the last good poll when that is longer ago (an outage
/// or downtime), at most [`MAX_CATCH_UP_DAYS`]. A first poll reads only `refresh_days`.
pub fn hf_days_back(
    refresh_days: u32,
    last_success: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> u32 {
    let missed = last_success.map_or(0, |last| {
        let days = (now.date_naive() - last.date_naive()).num_days();
        u32::try_from(days.max(0)).unwrap_or(u32::MAX)
    });
    refresh_days.max(missed.min(MAX_CATCH_UP_DAYS))
}

/// The submission dates to ask the arXiv API for after the announcement feed was not read
/// for more than a day: from two days before the last good poll (the submissions its last
/// announcement had not yet listed) to today, at most [`MAX_CATCH_UP_DAYS`] back. `None`
/// when there is no gap, or no earlier poll to measure one from.
pub fn arxiv_catch_up_dates(
    last_success: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<(NaiveDate, NaiveDate)> {
    let last = last_success?;
    if now - last <= chrono::Duration::hours(ARXIV_GAP_HOURS) {
        return None;
    }
    let today = now.date_naive();
    let from = last.date_naive().checked_sub_days(Days::new(2))?;
    let earliest = today.checked_sub_days(Days::new(u64::from(MAX_CATCH_UP_DAYS)))?;
    Some((from.max(earliest), today))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn hf_reads_back_to_the_last_good_poll_within_the_limit() {
        let now = at("2026-11-25T06:00:00Z");
        assert_eq!(hf_days_back(3, None, now), 3, "a first poll");
        assert_eq!(hf_days_back(3, Some(at("2026-11-25T00:00:00Z")), now), 3);
        assert_eq!(hf_days_back(0, Some(at("2026-11-24T23:00:00Z")), now), 1);
        assert_eq!(hf_days_back(3, Some(at("2026-11-20T06:00:00Z")), now), 5);
        assert_eq!(hf_days_back(3, Some(at("2026-01-01T06:00:00Z")), now), 14);
        // A clock that went backwards reads what the configuration says.
        assert_eq!(hf_days_back(2, Some(at("2026-12-01T06:00:00Z")), now), 2);
    }

    #[test]
    fn arxiv_catches_up_only_after_a_gap_of_more_than_a_day() {
        let now = at("2026-11-25T06:00:00Z");
        assert_eq!(arxiv_catch_up_dates(None, now), None, "a first poll");
        assert_eq!(
            arxiv_catch_up_dates(Some(at("2026-11-24T06:00:00Z")), now),
            None,
            "yesterday's poll"
        );
        assert_eq!(
            arxiv_catch_up_dates(Some(at("2026-11-22T05:00:00Z")), now),
            Some((day("2026-11-20"), day("2026-11-25"))),
            "three days down"
        );
        assert_eq!(
            arxiv_catch_up_dates(Some(at("2026-08-01T05:00:00Z")), now),
            Some((day("2026-11-11"), day("2026-11-25"))),
            "months down: two weeks at most"
        );
    }

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
