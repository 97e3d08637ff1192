//! The paper record and how observations of a paper from different sources merge into it.
//!
//! Pure: values in, values out. A source parser turns bytes into [`PaperObservation`]s; the
//! store keeps one [`Paper`] per [`PaperId`]; [`merge`] decides what an observation changes.
//! Nothing here does I/O or reads the clock: `now` is an argument.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// An arXiv identifier without its version: new style `2403.01234`, old style `hep-th/9901001`.
///
/// Old-style ids written with a subject class (`math.GT/0309136`) normalize to the archive
/// alone (`math/0309136`), which is how arXiv itself keys them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PaperId(String);

/// Why a string is not an arXiv id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an arXiv id: {input:?} (expected e.g. 2403.01234, 2403.01234v2 or hep-th/9901001)")]
pub struct InvalidPaperId {
    pub input: String,
}

impl PaperId {
    /// Parses an id in any of the forms arXiv and its mirrors write it: bare, versioned,
    /// `arXiv:` prefixed, `oai:arXiv.org:` prefixed, or an abs/pdf/html URL.
    pub fn parse(input: &str) -> Result<PaperId, InvalidPaperId> {
        parse_versioned(input).map(|(id, _)| id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The abstract page, which always shows the latest version.
    pub fn abs_url(&self) -> String {
        format!("https://arxiv.org/abs/{}", self.0)
    }

    /// The PDF of a given version, or of the latest one when the version is unknown.
    pub fn pdf_url(&self, version: Option<u32>) -> String {
        match version {
            Some(v) => format!("https://arxiv.org/pdf/{}v{v}", self.0),
            None => format!("https://arxiv.org/pdf/{}", self.0),
        }
    }
}

impl fmt::Display for PaperId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PaperId {
    type Error = InvalidPaperId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PaperId::parse(&value)
    }
}

impl From<PaperId> for String {
    fn from(id: PaperId) -> String {
        id.0
    }
}

/// Parses an id and the version it names, if any (`2403.01234v2` gives version 2).
pub fn parse_versioned(input: &str) -> Result<(PaperId, Option<u32>), InvalidPaperId> {
    let invalid = || InvalidPaperId {
        input: input.chars().take(200).collect(),
    };
    let mut rest = input.trim();
    for prefix in ["https://", "http://"] {
        if let Some(stripped) = strip_prefix_ignore_case(rest, prefix) {
            rest = stripped;
            for host in ["www.arxiv.org/", "export.arxiv.org/", "arxiv.org/"] {
                if let Some(path) = strip_prefix_ignore_case(rest, host) {
                    rest = path;
                    break;
                }
            }
            let Some((kind, path)) = rest.split_once('/') else {
                return Err(invalid());
            };
            if !matches!(kind, "abs" | "pdf" | "html") {
                return Err(invalid());
            }
            rest = path.split(['?', '#']).next().unwrap_or(path);
            rest = rest.trim_end_matches('/');
            rest = rest.strip_suffix(".pdf").unwrap_or(rest);
            break;
        }
    }
    for prefix in ["oai:arxiv.org:", "arxiv:"] {
        if let Some(stripped) = strip_prefix_ignore_case(rest, prefix) {
            rest = stripped.trim_start();
            break;
        }
    }
    let (base, version) = split_version(rest).ok_or_else(invalid)?;
    let id = if let Some((archive, number)) = base.split_once('/') {
        normalize_old_style(archive, number)
    } else {
        normalize_new_style(base)
    }
    .ok_or_else(invalid)?;
    Ok((PaperId(id), version))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Splits a trailing `vN`. Returns `None` when a `v` is followed by something other than digits.
fn split_version(s: &str) -> Option<(&str, Option<u32>)> {
    match s.rfind(['v', 'V']) {
        Some(pos) if pos > 0 && s[..pos].ends_with(|c: char| c.is_ascii_digit()) => {
            let digits = &s[pos + 1..];
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let version: u32 = digits.parse().ok()?;
            (version > 0).then_some((&s[..pos], Some(version)))
        }
        _ => Some((s, None)),
    }
}

/// `YYMM.NNNN` (2007–2014) or `YYMM.NNNNN` (2015 on).
fn normalize_new_style(s: &str) -> Option<String> {
    let (yymm, number) = s.split_once('.')?;
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if yymm.len() != 4 || !all_digits(yymm) || !all_digits(number) {
        return None;
    }
    if !(number.len() == 4 || number.len() == 5) {
        return None;
    }
    let month: u32 = yymm[2..].parse().ok()?;
    (1..=12).contains(&month).then(|| s.to_owned())
}

/// `archive[.SC]/YYMMNNN`, e.g. `hep-th/9901001` or `math.GT/0309136`.
fn normalize_old_style(archive: &str, number: &str) -> Option<String> {
    let archive = archive
        .split('.')
        .next()
        .unwrap_or(archive)
        .to_ascii_lowercase();
    let archive_ok = !archive.is_empty()
        && archive.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        && !archive.starts_with('-');
    let number_ok = number.len() == 7 && number.bytes().all(|b| b.is_ascii_digit());
    let month: u32 = number.get(2..4)?.parse().ok()?;
    (archive_ok && number_ok && (1..=12).contains(&month)).then(|| format!("{archive}/{number}"))
}

/// Where an observation came from. The order is the authority of its text: a later source
/// in this list wins over an earlier one for the same version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A JSONL file of normalized papers, imported by the operator.
    Import,
    /// Hugging Face Daily Papers.
    HfDaily,
    /// An arXiv RSS or Atom announcement feed.
    ArxivFeed,
    /// The arXiv API (export.arxiv.org/api/query).
    ArxivApi,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Import => "import",
            SourceKind::HfDaily => "hf_daily",
            SourceKind::ArxivFeed => "arxiv_feed",
            SourceKind::ArxivApi => "arxiv_api",
        }
    }
}

/// The `arxiv:announce_type` of an announcement-feed entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnnounceType {
    New,
    Cross,
    Replace,
    ReplaceCross,
}

impl AnnounceType {
    pub fn parse(s: &str) -> Option<AnnounceType> {
        match s.trim() {
            "new" => Some(AnnounceType::New),
            "cross" => Some(AnnounceType::Cross),
            "replace" => Some(AnnounceType::Replace),
            "replace-cross" => Some(AnnounceType::ReplaceCross),
            _ => None,
        }
    }

    pub fn is_replacement(self) -> bool {
        matches!(self, AnnounceType::Replace | AnnounceType::ReplaceCross)
    }
}

/// How paperboy first learned of a paper. Digests only announce papers discovered as
/// announcements: a backfill, an import or a replacement of an old paper is not news.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discovery {
    /// A regular ingest of a feed or of today's Hugging Face page.
    Announcement,
    /// An announcement feed listed it as a replacement (a new version of an older paper).
    Replacement,
    /// `paperboy backfill` over a past date range.
    Backfill,
    /// `paperboy import`.
    Import,
    /// Fetched on demand, e.g. to answer a related-papers question.
    Lookup,
}

/// What Hugging Face knows about a paper.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HfSignals {
    pub upvotes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_comments: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_repo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_stars: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_page: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// The day the paper was on the Daily Papers page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub featured_on: Option<NaiveDate>,
}

/// One source's view of one paper, as its parser produced it. Text fields are already
/// whitespace-normalized by the parser (see [`crate::text::normalize_whitespace`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PaperObservation {
    pub id: PaperId,
    pub version: Option<u32>,
    pub title: Option<String>,
    pub abstract_text: Option<String>,
    pub authors: Vec<String>,
    /// Primary category first. Empty when the source has none (Hugging Face).
    pub categories: Vec<String>,
    /// When version 1 was submitted, if the source says.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the latest version was submitted or the entry last changed, if the source says.
    pub updated_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    pub announce: Option<AnnounceType>,
    pub hf: Option<HfSignals>,
    pub source: SourceKind,
}

impl PaperObservation {
    /// An observation carrying only an id, for parsers to fill in.
    pub fn new(id: PaperId, source: SourceKind) -> PaperObservation {
        PaperObservation {
            id,
            version: None,
            title: None,
            abstract_text: None,
            authors: Vec::new(),
            categories: Vec::new(),
            submitted_at: None,
            updated_at: None,
            comment: None,
            announce: None,
            hf: None,
            source,
        }
    }
}

/// The one record paperboy keeps per arXiv id, merged from every source that mentioned it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Paper {
    pub id: PaperId,
    /// The latest version seen, when any source said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub authors: Vec<String>,
    /// Primary category first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hf: Option<HfSignals>,
    /// Every source that has mentioned this paper, sorted.
    pub sources: Vec<SourceKind>,
    /// The source the current title, abstract and authors came from.
    pub text_source: SourceKind,
    /// When paperboy first stored it. Digests select by this, not by arXiv's dates.
    pub stored_at: DateTime<Utc>,
    pub discovered_via: Discovery,
}

impl Paper {
    pub fn abs_url(&self) -> String {
        self.id.abs_url()
    }

    pub fn pdf_url(&self) -> String {
        self.id.pdf_url(self.version)
    }

    pub fn primary_category(&self) -> Option<&str> {
        self.categories.first().map(String::as_str)
    }

    /// Whether this paper is news: it reached paperboy through an announcement.
    pub fn is_announcement(&self) -> bool {
        self.discovered_via == Discovery::Announcement
    }

    fn text_rank(&self) -> (u32, SourceKind) {
        (self.version.unwrap_or(0), self.text_source)
    }
}

/// What merging one observation did.
#[derive(Clone, Debug, PartialEq)]
pub enum MergeOutcome {
    New(Paper),
    Updated(Paper),
    Unchanged,
}

/// Merges an observation into the stored record, if any.
///
/// Rules: the text (title, abstract, authors) comes from the highest version, ties going to
/// the more authoritative source (arXiv API over announcement feed over Hugging Face over
/// import); categories come from arXiv sources; the first-submitted time is the earliest any
/// source claims and the last-updated time the latest; Hugging Face signals are replaced by
/// the newest observation (upvotes keep changing for days). `stored_at` and `discovered_via`
/// are set once, when the record is created. `context` says how this ingest discovers papers;
/// a replacement announcement of an unknown paper is recorded as [`Discovery::Replacement`].
pub fn merge(
    existing: Option<&Paper>,
    obs: &PaperObservation,
    context: Discovery,
    now: DateTime<Utc>,
) -> MergeOutcome {
    let Some(old) = existing else {
        let discovered_via = match (context, obs.announce) {
            (Discovery::Announcement, Some(kind)) if kind.is_replacement() => {
                Discovery::Replacement
            }
            _ => context,
        };
        return MergeOutcome::New(Paper {
            id: obs.id.clone(),
            version: obs.version,
            title: obs.title.clone().unwrap_or_default(),
            abstract_text: obs.abstract_text.clone().unwrap_or_default(),
            authors: obs.authors.clone(),
            categories: obs.categories.clone(),
            submitted_at: obs.submitted_at,
            updated_at: obs.updated_at,
            comment: obs.comment.clone(),
            hf: obs.hf.clone(),
            sources: vec![obs.source],
            text_source: obs.source,
            stored_at: now,
            discovered_via,
        });
    };

    let mut paper = old.clone();
    let obs_rank = (obs.version.unwrap_or(0), obs.source);
    let text_wins = obs_rank >= old.text_rank();
    if text_wins {
        if let Some(title) = obs.title.as_ref().filter(|t| !t.is_empty()) {
            paper.title.clone_from(title);
        }
        if let Some(abstract_text) = obs.abstract_text.as_ref().filter(|t| !t.is_empty()) {
            paper.abstract_text.clone_from(abstract_text);
        }
        if !obs.authors.is_empty() {
            paper.authors.clone_from(&obs.authors);
        }
        if obs.comment.is_some() {
            paper.comment.clone_from(&obs.comment);
        }
        paper.text_source = obs.source;
    } else {
        // A less authoritative source may still fill what is missing.
        if paper.title.is_empty() {
            paper.title = obs.title.clone().unwrap_or_default();
        }
        if paper.abstract_text.is_empty() {
            paper.abstract_text = obs.abstract_text.clone().unwrap_or_default();
        }
        if paper.authors.is_empty() {
            paper.authors.clone_from(&obs.authors);
        }
        if paper.comment.is_none() {
            paper.comment.clone_from(&obs.comment);
        }
    }
    paper.version = paper.version.max(obs.version);
    if !obs.categories.is_empty() && (paper.categories.is_empty() || text_wins) {
        paper.categories.clone_from(&obs.categories);
    }
    paper.submitted_at = earliest(paper.submitted_at, obs.submitted_at);
    paper.updated_at = paper.updated_at.max(obs.updated_at);
    if let Some(hf) = &obs.hf {
        let featured_on = paper
            .hf
            .as_ref()
            .and_then(|old| old.featured_on)
            .into_iter()
            .chain(hf.featured_on)
            .min();
        paper.hf = Some(HfSignals {
            featured_on,
            ..hf.clone()
        });
    }
    if let Err(pos) = paper.sources.binary_search(&obs.source) {
        paper.sources.insert(pos, obs.source);
    }

    if paper == *old {
        MergeOutcome::Unchanged
    } else {
        MergeOutcome::Updated(paper)
    }
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_id(input: &str, expected: Option<(&str, Option<u32>)>) {
        let got = parse_versioned(input).ok();
        let got = got.as_ref().map(|(id, v)| (id.as_str(), *v));
        assert_eq!(got, expected, "input {input:?}");
    }

    #[test]
    fn paper_ids_normalize() {
        check_id("2403.01234", Some(("2403.01234", None)));
        check_id("2403.01234v2", Some(("2403.01234", Some(2))));
        check_id(" 2403.01234V12 ", Some(("2403.01234", Some(12))));
        check_id("0704.0001", Some(("0704.0001", None)));
        check_id("1412.7525v1", Some(("1412.7525", Some(1))));
        check_id("arXiv:2403.01234v3", Some(("2403.01234", Some(3))));
        check_id("ARXIV: 2403.01234", Some(("2403.01234", None)));
        check_id("oai:arXiv.org:2609.28553v1", Some(("2609.28553", Some(1))));
        check_id(
            "http://arxiv.org/abs/2403.01234v2",
            Some(("2403.01234", Some(2))),
        );
        check_id(
            "https://arxiv.org/abs/2403.01234",
            Some(("2403.01234", None)),
        );
        check_id(
            "https://arxiv.org/pdf/2403.01234v1.pdf",
            Some(("2403.01234", Some(1))),
        );
        check_id(
            "https://arxiv.org/pdf/2403.01234v1",
            Some(("2403.01234", Some(1))),
        );
        check_id(
            "https://www.arxiv.org/abs/2403.01234/",
            Some(("2403.01234", None)),
        );
        check_id(
            "https://export.arxiv.org/abs/2403.01234?context=cs",
            Some(("2403.01234", None)),
        );
        check_id(
            "https://arxiv.org/html/2403.01234v2#S3",
            Some(("2403.01234", Some(2))),
        );
        check_id("hep-th/9901001", Some(("hep-th/9901001", None)));
        check_id("hep-th/9901001v3", Some(("hep-th/9901001", Some(3))));
        check_id("math.GT/0309136", Some(("math/0309136", None)));
        check_id("Math.GT/0309136v1", Some(("math/0309136", Some(1))));
        check_id(
            "http://arxiv.org/abs/cond-mat/0102536v1",
            Some(("cond-mat/0102536", Some(1))),
        );
        check_id(
            "oai:arXiv.org:hep-ph/0307015",
            Some(("hep-ph/0307015", None)),
        );
        check_id("", None);
        check_id("2403.123", None);
        check_id("2413.01234", None);
        check_id("2403.012345", None);
        check_id("2403.01234v", None);
        check_id("2403.01234v0", None);
        check_id("2403.01234vx", None);
        check_id("240301234", None);
        check_id("hep-th/990100", None);
        check_id("hep th/9901001", None);
        check_id("/9901001", None);
        check_id("https://example.org/abs/2403.01234", None);
        check_id("https://arxiv.org/list/cs.LG", None);
        check_id("diffusion models", None);
    }

    #[test]
    fn paper_id_urls() {
        let id = PaperId::parse("2403.01234v2").unwrap();
        assert_eq!(id.abs_url(), "https://arxiv.org/abs/2403.01234");
        assert_eq!(id.pdf_url(Some(2)), "https://arxiv.org/pdf/2403.01234v2");
        assert_eq!(id.pdf_url(None), "https://arxiv.org/pdf/2403.01234");
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn obs(source: SourceKind, version: Option<u32>, title: &str) -> PaperObservation {
        PaperObservation {
            version,
            title: Some(title.to_owned()),
            abstract_text: Some(format!("abstract of {title}")),
            authors: vec!["Ada Lovelace".into()],
            ..PaperObservation::new(PaperId::parse("2403.01234").unwrap(), source)
        }
    }

    fn merged(existing: Option<&Paper>, o: &PaperObservation, context: Discovery) -> Paper {
        match merge(existing, o, context, t("2026-01-02T00:00:00Z")) {
            MergeOutcome::New(p) | MergeOutcome::Updated(p) => p,
            MergeOutcome::Unchanged => existing.unwrap().clone(),
        }
    }

    #[test]
    fn hf_then_arxiv_is_one_record_with_both_sources_fields() {
        let first_seen = t("2026-01-01T00:00:00Z");
        let mut hf = obs(SourceKind::HfDaily, None, "Title from HF");
        hf.submitted_at = Some(t("2025-12-30T17:00:00Z"));
        hf.hf = Some(HfSignals {
            upvotes: 12,
            featured_on: NaiveDate::from_ymd_opt(2026, 1, 1),
            ..HfSignals::default()
        });
        let MergeOutcome::New(from_hf) = merge(None, &hf, Discovery::Announcement, first_seen)
        else {
            panic!("a first observation creates the record")
        };

        let mut arxiv = obs(SourceKind::ArxivApi, Some(1), "Title from arXiv");
        arxiv.categories = vec!["cs.LG".into(), "cs.AI".into()];
        arxiv.submitted_at = Some(t("2025-12-30T17:00:00Z"));
        let both = merged(Some(&from_hf), &arxiv, Discovery::Announcement);
        assert_eq!(both.title, "Title from arXiv");
        assert_eq!(both.categories, ["cs.LG", "cs.AI"]);
        assert_eq!(both.hf.as_ref().map(|h| h.upvotes), Some(12));
        assert_eq!(both.sources, [SourceKind::HfDaily, SourceKind::ArxivApi]);
        assert_eq!(both.stored_at, first_seen, "stored_at is set once");
        assert_eq!(both.version, Some(1));

        // And the reverse order gives the same text and signals.
        let reverse = merged(
            Some(&merged(None, &arxiv, Discovery::Announcement)),
            &hf,
            Discovery::Announcement,
        );
        assert_eq!(reverse.title, "Title from arXiv");
        assert_eq!(reverse.categories, ["cs.LG", "cs.AI"]);
        assert_eq!(reverse.hf.as_ref().map(|h| h.upvotes), Some(12));
        assert_eq!(reverse.sources, both.sources);
    }

    #[test]
    fn a_new_version_replaces_text_but_is_not_new_again() {
        let v1 = merged(
            None,
            &obs(SourceKind::ArxivFeed, Some(1), "Old title"),
            Discovery::Announcement,
        );
        let mut v2_obs = obs(SourceKind::ArxivFeed, Some(2), "New title");
        v2_obs.announce = Some(AnnounceType::Replace);
        v2_obs.updated_at = Some(t("2026-02-01T00:00:00Z"));
        let outcome = merge(
            Some(&v1),
            &v2_obs,
            Discovery::Announcement,
            t("2026-02-01T00:00:00Z"),
        );
        let MergeOutcome::Updated(v2) = outcome else {
            panic!("a replacement of a known paper is an update, got {outcome:?}")
        };
        assert_eq!(v2.title, "New title");
        assert_eq!(v2.version, Some(2));
        assert_eq!(v2.stored_at, v1.stored_at);
        assert_eq!(v2.discovered_via, Discovery::Announcement);

        // An older version seen afterwards does not roll the text back.
        let again = merged(
            Some(&v2),
            &obs(SourceKind::ArxivApi, Some(1), "Old title"),
            Discovery::Announcement,
        );
        assert_eq!(again.title, "New title");
        assert_eq!(again.version, Some(2));
    }

    #[test]
    fn a_replacement_of_an_unknown_paper_is_not_announced_as_new() {
        let mut o = obs(SourceKind::ArxivFeed, Some(3), "Old paper, new version");
        o.announce = Some(AnnounceType::ReplaceCross);
        let p = merged(None, &o, Discovery::Announcement);
        assert_eq!(p.discovered_via, Discovery::Replacement);
        assert!(!p.is_announcement());
    }

    #[test]
    fn a_cross_list_keeps_its_primary_category_first() {
        let mut o = obs(SourceKind::ArxivFeed, Some(1), "Cross-listed");
        o.announce = Some(AnnounceType::Cross);
        o.categories = vec!["hep-ph".into(), "cs.LG".into()];
        let p = merged(None, &o, Discovery::Announcement);
        assert!(p.is_announcement());
        assert_eq!(p.primary_category(), Some("hep-ph"));
    }

    #[test]
    fn the_same_observation_twice_is_unchanged() {
        let o = obs(SourceKind::ArxivFeed, Some(1), "Same");
        let p = merged(None, &o, Discovery::Announcement);
        assert_eq!(
            merge(
                Some(&p),
                &o,
                Discovery::Announcement,
                t("2026-03-01T00:00:00Z")
            ),
            MergeOutcome::Unchanged
        );
    }

    #[test]
    fn upvotes_refresh_and_the_first_featured_day_stays() {
        let mut o = obs(SourceKind::HfDaily, None, "Popular");
        o.hf = Some(HfSignals {
            upvotes: 3,
            featured_on: NaiveDate::from_ymd_opt(2026, 1, 1),
            ..HfSignals::default()
        });
        let p = merged(None, &o, Discovery::Announcement);
        o.hf = Some(HfSignals {
            upvotes: 40,
            featured_on: NaiveDate::from_ymd_opt(2026, 1, 3),
            ..HfSignals::default()
        });
        let p = merged(Some(&p), &o, Discovery::Announcement);
        let hf = p.hf.unwrap();
        assert_eq!(hf.upvotes, 40);
        assert_eq!(hf.featured_on, NaiveDate::from_ymd_opt(2026, 1, 1));
    }
}
