//! The four source parsers against captured real payloads (`tests/data/`, see
//! `shared/data/api-samples/PROVENANCE.md`) and against small hand-written documents for the
//! failure cases real payloads rarely show: errors, empty answers, malformed entries and
//! hostile input.

use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use paperboy::feeds::{ParseError, ParsedBatch, arxiv_api, arxiv_feed, hf_daily, jsonl};
use paperboy::paper::{AnnounceType, PaperObservation, SourceKind};

macro_rules! fixture {
    ($name:literal) => {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/", $name))
            .expect(concat!("fixture ", $name))
    };
}

fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("test date")
        .with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn paper<'a>(batch: &'a ParsedBatch, id: &str) -> &'a PaperObservation {
    batch
        .papers
        .iter()
        .find(|p| p.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not in batch"))
}

fn ids(batch: &ParsedBatch) -> Vec<&str> {
    batch.papers.iter().map(|p| p.id.as_str()).collect()
}

/// A name for each error variant, so tables can say which one they expect.
fn kind(error: &ParseError) -> &'static str {
    match error {
        ParseError::NotUtf8 => "not-utf8",
        ParseError::Xml(_) => "xml",
        ParseError::Json(_) => "json",
        ParseError::Unexpected(_) => "unexpected",
        ParseError::FeedError(_) => "feed-error",
        ParseError::ApiError(_) => "api-error",
    }
}

/// Text must arrive whitespace-normalized: no arXiv hard line breaks, no doubled spaces.
fn assert_normalized(p: &PaperObservation) {
    let texts = p
        .title
        .iter()
        .chain(&p.abstract_text)
        .chain(&p.comment)
        .chain(&p.authors);
    for text in texts {
        assert!(
            !text.contains(['\n', '\r', '\t']) && !text.contains("  ") && text.trim() == text,
            "{}: not normalized: {text:?}",
            p.id
        );
    }
}

/// Skipped entries as (position, id, a word the reason must contain).
fn check_skipped(batch: &ParsedBatch, expected: &[(usize, Option<&str>, &str)]) {
    assert_eq!(
        batch.skipped.len(),
        expected.len(),
        "skipped: {:#?}",
        batch.skipped
    );
    for (skipped, (position, id, reason)) in batch.skipped.iter().zip(expected) {
        assert_eq!(skipped.position, *position, "{skipped:?}");
        assert_eq!(skipped.id.as_deref(), *id, "{skipped:?}");
        assert!(
            skipped.reason.contains(reason),
            "{skipped:?} lacks {reason:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Hugging Face Daily Papers

#[test]
fn hf_daily_fixture_of_one_day() {
    let batch = hf_daily::parse(&fixture!("hf-daily-papers_date-2026-06-12.json")).unwrap();
    assert_eq!(batch.papers.len(), 30);
    assert!(batch.skipped.is_empty(), "{:?}", batch.skipped);
    assert_eq!(
        ids(&batch)[..3],
        ["2606.00467", "2606.12730", "2606.13594"],
        "response order is kept"
    );

    let msa = paper(&batch, "2606.13392");
    assert_eq!(msa.title.as_deref(), Some("MiniMax Sparse Attention"));
    assert_eq!(msa.authors.len(), 11);
    assert_eq!(msa.authors[0], "Xunhao Lai");
    assert_eq!(msa.authors[10], "Pengyu Zhao");
    assert!(
        msa.abstract_text
            .as_deref()
            .unwrap()
            .starts_with("Ultra-long-context capability is becoming indispensable")
    );
    assert_eq!(msa.version, None);
    assert!(msa.categories.is_empty());
    assert_eq!(msa.source, SourceKind::HfDaily);
    // paper.publishedAt, not the item-level 2026-06-10T20:00:00.000Z.
    assert_eq!(msa.submitted_at, Some(utc("2026-06-11T00:00:00Z")));
    assert_eq!(msa.updated_at, None);
    let hf = msa.hf.as_ref().unwrap();
    assert_eq!(hf.upvotes, 103);
    assert_eq!(hf.num_comments, Some(4));
    assert_eq!(
        hf.github_repo.as_deref(),
        Some("https://github.com/MiniMax-AI/MSA")
    );
    assert_eq!(hf.github_stars, Some(251));
    assert_eq!(hf.project_page, None);
    assert_eq!(hf.featured_on, day(2026, 6, 12));
    assert_eq!(hf.keywords.len(), 9);
    assert_eq!(hf.keywords[0], "sparse attention");

    let robust = paper(&batch, "2606.08063").hf.as_ref().unwrap();
    assert_eq!(
        robust.project_page.as_deref(),
        Some("https://huggingface.co/spaces/Jiaqi-hkust/Robust-U1")
    );
    let no_code = paper(&batch, "2606.00467").hf.as_ref().unwrap();
    assert_eq!((no_code.github_repo.as_ref(), no_code.upvotes), (None, 0));

    // This abstract has a hard line break in the payload.
    let morphology = paper(&batch, "2606.09446")
        .abstract_text
        .as_deref()
        .unwrap();
    assert!(morphology.contains("deformation, and positioning. Our contributions are twofold."));

    let with_repo = batch
        .papers
        .iter()
        .filter(|p| p.hf.as_ref().is_some_and(|hf| hf.github_repo.is_some()))
        .count();
    assert_eq!(with_repo, 16);
    let total_upvotes: u32 = batch
        .papers
        .iter()
        .map(|p| p.hf.as_ref().unwrap().upvotes)
        .sum();
    assert_eq!(total_upvotes, 453);
    batch.papers.iter().for_each(assert_normalized);
}

#[test]
fn hf_daily_fixture_of_a_month_gzipped() {
    let mut body = Vec::new();
    flate2::read::GzDecoder::new(&fixture!("hf-daily-papers_month-2023-08_pages.json.gz")[..])
        .read_to_end(&mut body)
        .unwrap();
    let batch = hf_daily::parse(&body).unwrap();
    assert_eq!(batch.papers.len(), 113);
    assert!(batch.skipped.is_empty(), "{:?}", batch.skipped);

    let chat = paper(&batch, "2308.01320");
    assert_eq!(
        chat.title.as_deref(),
        Some(
            "DeepSpeed-Chat: Easy, Fast and Affordable RLHF Training of ChatGPT-like Models at All Scales"
        ),
        "the title's hard line break and indent collapse to one space"
    );
    assert_eq!(chat.authors.len(), 19);
    assert_eq!(
        (chat.authors[0].as_str(), chat.authors[18].as_str()),
        ("Zhewei Yao", "Yuxiong He")
    );
    assert!(chat.abstract_text.as_deref().unwrap().starts_with(
        "ChatGPT-like models have revolutionized various applications in artificial intelligence,"
    ));
    // paper.publishedAt; the item-level value is 2023-08-02T14:49:57.000Z.
    assert_eq!(chat.submitted_at, Some(utc("2023-08-02T18:49:57Z")));
    let hf = chat.hf.as_ref().unwrap();
    assert_eq!(hf.upvotes, 46);
    assert_eq!(hf.num_comments, Some(3));
    assert_eq!(
        hf.github_repo.as_deref(),
        Some("https://github.com/microsoft/DeepSpeed")
    );
    assert_eq!(hf.github_stars, Some(42580));
    assert_eq!(hf.featured_on, day(2023, 8, 3));
    assert_eq!(hf.keywords.len(), 10);

    let jen = paper(&batch, "2308.04729").hf.as_ref().unwrap();
    assert_eq!(
        jen.project_page.as_deref(),
        Some("https://jenmusic.ai/audio-demos")
    );

    let authors: usize = batch.papers.iter().map(|p| p.authors.len()).sum();
    assert_eq!(authors, 1000);
    batch.papers.iter().for_each(assert_normalized);
}

#[test]
fn hf_daily_bad_documents_are_json_errors() {
    let check = |body: &[u8], expected_in_message: &str| {
        let error = hf_daily::parse(body).unwrap_err();
        assert_eq!(kind(&error), "json", "{body:?}: {error}");
        assert!(
            error.to_string().contains(expected_in_message),
            "{body:?}: {error}"
        );
    };
    check(b"", "EOF");
    check(b"not json", "expected");
    check(br#"{"paper": {"id": "2403.01234"}}"#, "expected an array");
    check(br#""a string""#, "expected an array");
    check(br#"[{"paper": {"id": "2403.01234", "title": "T"}}"#, "EOF");
    check(
        b"[{\"paper\": {\"id\": \"2403.01234\", \"title\": \"\xff\"}}]",
        "",
    );
    let truncated = fixture!("hf-daily-papers_date-2026-06-12.json");
    check(&truncated[..truncated.len() / 2], "EOF");

    assert_eq!(hf_daily::parse(b"[]").unwrap(), ParsedBatch::default());
    assert_eq!(hf_daily::parse(b" [ ]\n").unwrap(), ParsedBatch::default());
}

#[test]
fn hf_daily_bad_items_are_skipped_and_the_rest_kept() {
    let body = br#"[
        1,
        {"numComments": 2},
        {"paper": {"title": "No id"}},
        {"paper": {"id": "nope", "title": "Bad id"}},
        {"paper": {"id": "2403.00002"}},
        {"paper": {"id": "2403.00003", "title": "T", "upvotes": "many"}},
        {"paper": {"id": "2403.00004", "title": "T", "publishedAt": "soon"}},
        {"paper": {"id": "2403.00005", "title": "T", "submittedOnDailyAt": "2024-13-01T00:00:00Z"}},
        {"paper": null},
        {"numComments": null, "publishedAt": "2024-03-01T00:00:00.000Z", "paper": {
            "id": "2403.01234", "title": "  Good \n  title ", "summary": null,
            "authors": [{"name": " "}, {"name": " Ada\nLovelace "}, {}, {"name": null}],
            "githubRepo": "", "projectPage": null, "ai_keywords": ["x", " "],
            "withdrawnAt": "2024-04-01T00:00:00.000Z", "unknownField": {"a": [1]}
        }}
    ]"#;
    let batch = hf_daily::parse(body).unwrap();
    check_skipped(
        &batch,
        &[
            (0, None, "not a JSON object"),
            (1, None, "no paper"),
            (2, None, "no id"),
            (3, Some("nope"), "not an arXiv id"),
            (4, Some("2403.00002"), "no title"),
            (5, Some("2403.00003"), "invalid type"),
            (6, Some("2403.00004"), "bad paper.publishedAt \"soon\""),
            (7, Some("2403.00005"), "bad paper.submittedOnDailyAt"),
            (8, None, "no paper"),
        ],
    );
    assert_eq!(batch.entry_count(), 10);
    let good = &batch.papers[..];
    assert_eq!(good.len(), 1);
    let good = &good[0];
    assert_eq!(good.id.as_str(), "2403.01234");
    assert_eq!(good.title.as_deref(), Some("Good title"));
    assert_eq!(good.abstract_text, None);
    assert_eq!(good.authors, ["Ada Lovelace"]);
    assert_eq!(
        good.submitted_at, None,
        "the item-level publishedAt is not used"
    );
    let hf = good.hf.as_ref().unwrap();
    assert_eq!(
        (hf.upvotes, hf.num_comments, hf.github_repo.as_ref()),
        (0, None, None)
    );
    assert_eq!(hf.keywords, ["x"]);
}

// ---------------------------------------------------------------------------------------
// arXiv announcement feeds (RSS 2.0 and Atom)

/// One expected entry of a feed fixture.
struct Announced {
    id: &'static str,
    version: u32,
    announce: AnnounceType,
    categories: &'static [&'static str],
    authors: usize,
    abstract_start: &'static str,
}

fn check_announced(batch: &ParsedBatch, expected: &[Announced], announced_at: DateTime<Utc>) {
    assert!(batch.skipped.is_empty(), "{:?}", batch.skipped);
    assert_eq!(
        ids(batch),
        expected.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    for (p, e) in batch.papers.iter().zip(expected) {
        assert_eq!(p.version, Some(e.version), "{}", e.id);
        assert_eq!(p.announce, Some(e.announce), "{}", e.id);
        assert_eq!(p.categories, e.categories, "{}", e.id);
        assert_eq!(p.authors.len(), e.authors, "{}: {:?}", e.id, p.authors);
        let abstract_text = p.abstract_text.as_deref().unwrap();
        assert!(
            abstract_text.starts_with(e.abstract_start),
            "{}: {abstract_text}",
            e.id
        );
        assert!(!abstract_text.contains("Abstract:") && !abstract_text.contains("Announce Type"));
        assert_eq!(p.updated_at, Some(announced_at), "{}", e.id);
        assert_eq!(
            p.submitted_at, None,
            "feeds do not know the submission time"
        );
        assert_eq!((p.comment.as_ref(), p.hf.as_ref()), (None, None));
        assert_eq!(p.source, SourceKind::ArxivFeed);
        assert_normalized(p);
    }
}

#[test]
fn arxiv_rss_fixture() {
    let feed = arxiv_feed::parse(&fixture!(
        "arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml"
    ))
    .unwrap();
    assert_eq!(
        feed.title,
        "cs.LG, cs.AI, cs.CL, stat.ML updates on arXiv.org"
    );
    assert_eq!(feed.published, Some(utc("2026-09-24T04:00:00Z")));
    check_announced(
        &feed.batch,
        &[
            Announced {
                id: "2609.26811",
                version: 1,
                announce: AnnounceType::New,
                categories: &["cs.LG"],
                authors: 1,
                abstract_start: "Local learning trains each layer with its own auxiliary loss",
            },
            Announced {
                id: "2609.26820",
                version: 1,
                announce: AnnounceType::New,
                categories: &["cs.LG", "cs.AI"],
                authors: 3,
                abstract_start: "Physiological time series such as electrocardiograms (ECG)",
            },
            Announced {
                id: "2205.06398",
                version: 2,
                announce: AnnounceType::Cross,
                categories: &["stat.ME", "stat.AP", "stat.ML"],
                authors: 3,
                abstract_start: "It has become routine in neuroscience studies",
            },
            Announced {
                id: "2009.13987",
                version: 3,
                announce: AnnounceType::Replace,
                categories: &["cs.LG", "math.MG", "stat.ML"],
                authors: 3,
                abstract_start: "We introduce a class of random polytopes",
            },
        ],
        utc("2026-09-24T04:00:00Z"),
    );
    let drift = &feed.batch.papers[0];
    assert_eq!(
        drift.title.as_deref(),
        Some("The Drift Contract: Spectral Updates for Depth-Robust Local Learning")
    );
    assert_eq!(drift.authors, ["Fabien Polly"]);
    assert!(
        drift.abstract_text.as_deref().unwrap().ends_with(
            "so the local advantage concentrates precisely where normalization is absent."
        )
    );
    assert_eq!(
        feed.batch.papers[2].authors,
        ["Pritam Dey", "Zhengwu Zhang", "David B. Dunson"]
    );
}

#[test]
fn arxiv_atom_feed_fixture() {
    let feed =
        arxiv_feed::parse(&fixture!("arxiv-atom-feed_cs.LG_2026-09-25_trimmed.xml")).unwrap();
    assert_eq!(feed.title, "cs.LG updates on arXiv.org");
    assert_eq!(feed.published, Some(utc("2026-09-25T04:00:11.600500Z")));
    check_announced(
        &feed.batch,
        &[
            Announced {
                id: "2609.28553",
                version: 1,
                announce: AnnounceType::New,
                categories: &["cs.LG", "cs.AI"],
                authors: 6,
                abstract_start: "Drug toxicity prediction is critical",
            },
            Announced {
                id: "2402.10149",
                version: 3,
                announce: AnnounceType::Cross,
                categories: &["hep-ph", "cs.LG", "hep-ex"],
                authors: 5,
                abstract_start: "In collider experiments,",
            },
            Announced {
                id: "2401.08875",
                version: 3,
                announce: AnnounceType::Replace,
                categories: &["cs.LG", "cs.AI", "stat.ME"],
                authors: 3,
                abstract_start: "Multi-touch attribution (MTA)",
            },
        ],
        // The entry's `published` (announcement day), not its `updated` (feed build time).
        utc("2026-09-25T04:00:00Z"),
    );
    let toxicity = &feed.batch.papers[0];
    assert_eq!(
        toxicity.abstract_text.as_deref(),
        Some(
            "Drug toxicity prediction is critical for reducing late-stage attrition in drug \
             discovery, yet remains challenging due to severe class imbalance, scaffold-based \
             generalization, and the clinical need for interpretable predictions."
        )
    );
    assert_eq!(toxicity.authors[0], "Quang Minh Nguyen");
    assert_eq!(toxicity.authors[5], "Trong Nghia Nguyen");
}

const RSS_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
<channel><title>cs.LG updates on arXiv.org</title><pubDate>Sat, 26 Sep 2026 00:00:00 -0400</pubDate>"#;

fn rss(items: &str) -> Vec<u8> {
    format!("{RSS_HEAD}{items}</channel></rss>").into_bytes()
}

/// An RSS item in the arXiv layout; `extra` goes inside it.
fn rss_item(guid: &str, description: &str, extra: &str) -> String {
    format!(
        "<item><title>T {guid}</title><description>{description}</description>\
         <guid isPermaLink=\"false\">{guid}</guid><category>cs.LG</category>\
         <pubDate>Thu, 24 Sep 2026 00:00:00 -0400</pubDate>{extra}</item>"
    )
}

#[test]
fn arxiv_feed_documents_that_are_not_feeds() {
    let check = |body: &[u8], expected: &str| {
        let error = arxiv_feed::parse(body).unwrap_err();
        assert_eq!(
            kind(&error),
            expected,
            "{}: {error}",
            String::from_utf8_lossy(body)
        );
    };
    check(b"", "xml");
    check(b"this is not XML at all", "xml");
    check(br#"{"feed": []}"#, "xml");
    check(
        b"<html><body>503 Service Unavailable</body></html>",
        "unexpected",
    );
    check(b"<rss version=\"2.0\"></rss>", "unexpected");
    check(
        b"<feed xmlns=\"http://example.com/not-atom\"><title>x</title></feed>",
        "unexpected",
    );
    let rss_fixture = fixture!("arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml");
    check(&rss_fixture[..rss_fixture.len() / 2], "xml");
    check(&rss_fixture[..rss_fixture.len() - 8], "xml");
    let mut not_utf8 = rss_fixture.clone();
    not_utf8.splice(600..600, [0xff, 0xfe]);
    check(&not_utf8, "not-utf8");
    check(
        b"<rss version=\"2.0\"><channel><title>Feed error for query: cs.XX</title></channel></rss>",
        "feed-error",
    );
    check(
        b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Feed error for query: foo.BAR</title></feed>",
        "feed-error",
    );
    let error = arxiv_feed::parse(
        b"<rss version=\"2.0\"><channel><title>Feed error for query: cs.XX</title></channel></rss>",
    )
    .unwrap_err();
    assert_eq!(
        error,
        ParseError::FeedError("Feed error for query: cs.XX".to_owned())
    );
}

#[test]
fn arxiv_feed_refuses_entity_declarations() {
    let bomb = br#"<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title></channel></rss>"#;
    let external = br#"<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&secret;</title></channel></rss>"#;
    for body in [&bomb[..], &external[..]] {
        let error = arxiv_feed::parse(body).unwrap_err();
        assert_eq!(kind(&error), "xml", "{error}");
        assert!(error.to_string().contains("DTD"), "{error}");
        let error = arxiv_api::parse(body).unwrap_err();
        assert!(error.to_string().contains("DTD"), "{error}");
    }
}

#[test]
fn absurdly_long_titles_are_kept_whole_within_the_body_cap() {
    // 4 MB of one word, under the fetch cap (20 MiB) that bounds any body: the parsers keep
    // the paper, and digests shorten its title to 300 characters (tests/digest.rs).
    let title = "a".repeat(4_000_000);
    let item = rss_item(
        "oai:arXiv.org:2609.00001v1",
        "arXiv:2609.00001v1 Announce Type: new \nAbstract: Good.",
        "",
    )
    .replace(
        "<title>T oai:arXiv.org:2609.00001v1</title>",
        &format!("<title>{title}</title>"),
    );
    let feed = arxiv_feed::parse(&rss(&item)).unwrap();
    assert_eq!(feed.batch.papers.len(), 1);
    assert_eq!(
        feed.batch.papers[0].title.as_deref().map(str::len),
        Some(title.len())
    );

    let body = format!(r#"[{{"paper": {{"id": "2403.01234", "title": "{title}"}}}}]"#);
    let batch = hf_daily::parse(body.as_bytes()).unwrap();
    assert_eq!(batch.papers.len(), 1);
    assert_eq!(
        batch.papers[0].title.as_deref().map(str::len),
        Some(title.len())
    );
}

#[test]
fn arxiv_feed_empty_channel_is_an_empty_batch() {
    let feed = arxiv_feed::parse(&rss("")).unwrap();
    assert_eq!(feed.title, "cs.LG updates on arXiv.org");
    assert_eq!(feed.published, Some(utc("2026-09-26T04:00:00Z")));
    assert_eq!(feed.batch, ParsedBatch::default());

    let atom = br#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>http://rss.arxiv.org/atom/cs.LG</id><title>cs.LG updates on arXiv.org</title>
  <updated>2026-09-26T04:00:05.100000+00:00</updated>
</feed>"#;
    let feed = arxiv_feed::parse(atom).unwrap();
    assert_eq!(feed.title, "cs.LG updates on arXiv.org");
    assert_eq!(feed.published, Some(utc("2026-09-26T04:00:05.1Z")));
    assert_eq!(feed.batch, ParsedBatch::default());

    // A channel date nobody can read is not worth losing the feed for.
    let feed = arxiv_feed::parse(
        b"<rss><channel><title>x</title><pubDate>someday</pubDate></channel></rss>",
    )
    .unwrap();
    assert_eq!(feed.published, None);
}

#[test]
fn arxiv_feed_bad_items_are_skipped_and_the_rest_kept() {
    let good = |n: u32| {
        rss_item(
            &format!("oai:arXiv.org:2609.0000{n}v1"),
            &format!("arXiv:2609.0000{n}v1 Announce Type: new \nAbstract: Good {n}."),
            "",
        )
    };
    let items = [
        good(1),
        rss_item("oai:arXiv.org:garbage", "Abstract: no id here", ""),
        good(2),
        "<item><title>No id at all</title><description>Abstract: x</description></item>".to_owned(),
        "<item><description>arXiv:2609.00003v1 Announce Type: new \nAbstract: x</description></item>".to_owned(),
        "<item><title>T</title><description>arXiv:2609.00004v1 Abstract: x</description><pubDate>Caturday</pubDate></item>".to_owned(),
        "<item><title>T</title><description>arXiv:junk Announce Type: new \nAbstract: x</description></item>".to_owned(),
        // A broken guid with a readable description id: the description is arXiv's own text.
        rss_item("oai:arXiv.org:", "arXiv:2609.00005v2 Announce Type: replace \nAbstract: y", ""),
    ];
    let feed = arxiv_feed::parse(&rss(&items.concat())).unwrap();
    check_skipped(
        &feed.batch,
        &[
            (1, Some("oai:arXiv.org:garbage"), "invalid guid"),
            (3, None, "no id"),
            (4, Some("2609.00003"), "missing title"),
            (5, Some("2609.00004"), "bad date \"Caturday\""),
            (6, Some("arXiv:junk"), "invalid id"),
        ],
    );
    assert_eq!(ids(&feed.batch), ["2609.00001", "2609.00002", "2609.00005"]);
    assert_eq!(
        feed.batch.papers[0].abstract_text.as_deref(),
        Some("Good 1.")
    );
    let fallback = &feed.batch.papers[2];
    assert_eq!(fallback.version, Some(2));
    assert_eq!(fallback.announce, Some(AnnounceType::Replace));
}

#[test]
fn arxiv_feed_description_header() {
    // `{H}` stands for the header arXiv writes before the type: `arXiv:IDvN Announce Type:`.
    let check = |description: &str,
                 element: Option<&str>,
                 announce: Option<AnnounceType>,
                 abstract_text: Option<&str>| {
        let description = description.replace("{H}", "arXiv:2609.00001v1 Announce Type:");
        let extra = element
            .map(|t| format!("<arxiv:announce_type>{t}</arxiv:announce_type>"))
            .unwrap_or_default();
        let body = rss(&rss_item(
            "oai:arXiv.org:2609.00001v1",
            &description,
            &extra,
        ));
        let p = &arxiv_feed::parse(&body).unwrap().batch.papers[0];
        assert_eq!(p.announce, announce, "{description:?}");
        assert_eq!(p.abstract_text.as_deref(), abstract_text, "{description:?}");
    };
    use AnnounceType::*;
    check(
        "{H} new \nAbstract: A b.",
        Some("new"),
        Some(New),
        Some("A b."),
    );
    check(
        "{H} replace-cross \nAbstract: A",
        None,
        Some(ReplaceCross),
        Some("A"),
    );
    check(
        "{H} cross \nAbstract: A",
        Some("replace"),
        Some(Replace),
        Some("A"),
    );
    check(
        "{H} cross \nAbstract: A",
        Some("bogus"),
        Some(Cross),
        Some("A"),
    );
    check("{H} bogus \nAbstract: A", None, None, Some("A"));
    check("{H} new \nAbstract:", None, Some(New), None);
    check("{H} new", None, Some(New), None);
    check(
        "  Abstract:  Two\n  lines.  ",
        None,
        None,
        Some("Two lines."),
    );
    check("Plain text.", Some("new"), Some(New), Some("Plain text."));
    check("", None, None, None);
    check(
        "{H} new \nAbstract: We cite Abstract: and $\\alpha &lt; 1$.",
        None,
        Some(New),
        Some("We cite Abstract: and $\\alpha < 1$."),
    );
}

#[test]
fn arxiv_feed_creator_lists() {
    let check = |creators: &str, expected: &[&str]| {
        let feed = arxiv_feed::parse(&rss(&rss_item(
            "oai:arXiv.org:2609.00001v1",
            "Abstract: x",
            &format!("<dc:creator>{creators}</dc:creator>"),
        )))
        .unwrap();
        assert_eq!(feed.batch.papers[0].authors, expected, "{creators:?}");
    };
    check("Fabien Polly", &["Fabien Polly"]);
    check("A One, B Two, C Three", &["A One", "B Two", "C Three"]);
    check("A One, B Two and C Three", &["A One", "B Two", "C Three"]);
    check("A One, B Two, and C Three", &["A One", "B Two", "C Three"]);
    check("A One and B Two", &["A One", "B Two"]);
    check("  A\n One ,, B Two,  ", &["A One", "B Two"]);
    check(
        "Andrea Anderson, Sandra Andrews",
        &["Andrea Anderson", "Sandra Andrews"],
    );
    check("J\\\"org M\\\"uller, Ana", &["J\\\"org M\\\"uller", "Ana"]);
    check("", &[]);
}

#[test]
fn arxiv_feed_matches_namespaces_by_uri_not_prefix() {
    let body = br#"<?xml version="1.0"?>
<a:feed xmlns:a="http://www.w3.org/2005/Atom" xmlns:x="http://arxiv.org/schemas/atom"
        xmlns:creator="http://purl.org/dc/elements/1.1/" xmlns:arxiv="http://example.com/not-arxiv"
        xmlns:dc="http://example.com/not-dc">
  <a:title>math.GT updates on arXiv.org</a:title>
  <a:entry>
    <a:id>oai:arXiv.org:math/0309136v2</a:id>
    <a:title>Old style</a:title>
    <a:summary>Abstract: An old-style id.</a:summary>
    <a:category term="math.GT"/><a:category term="math.GT"/><a:category term="math.AT"/>
    <category term="ignored.NoNamespace"/>
    <arxiv:announce_type>new</arxiv:announce_type>
    <x:announce_type>replace-cross</x:announce_type>
    <dc:creator>Not An Author</dc:creator>
    <creator:creator>Real Author, Second Author</creator:creator>
    <a:updated>2026-09-25T04:00:11+00:00</a:updated>
  </a:entry>
  <a:entry>
    <a:id>oai:arXiv.org:2609.00001v1</a:id>
    <a:title>Standard authors</a:title>
    <a:author><a:name>Ada Lovelace</a:name></a:author><a:author><a:name> </a:name></a:author>
    <a:author><a:name>Alan Turing</a:name></a:author>
  </a:entry>
</a:feed>"#;
    let feed = arxiv_feed::parse(body).unwrap();
    assert!(feed.batch.skipped.is_empty(), "{:?}", feed.batch.skipped);
    let old = &feed.batch.papers[0];
    assert_eq!((old.id.as_str(), old.version), ("math/0309136", Some(2)));
    assert_eq!(old.announce, Some(AnnounceType::ReplaceCross));
    assert_eq!(old.categories, ["math.GT", "math.AT"]);
    assert_eq!(old.authors, ["Real Author", "Second Author"]);
    assert_eq!(old.abstract_text.as_deref(), Some("An old-style id."));
    // Without `published`, the entry's `updated` is the announcement time.
    assert_eq!(old.updated_at, Some(utc("2026-09-25T04:00:11Z")));
    let atom_authors = &feed.batch.papers[1];
    assert_eq!(atom_authors.authors, ["Ada Lovelace", "Alan Turing"]);
    assert_eq!(
        (atom_authors.announce, atom_authors.updated_at),
        (None, None)
    );
}

// ---------------------------------------------------------------------------------------
// arXiv API

#[test]
fn arxiv_api_fixture_transformer_query() {
    let page = arxiv_api::parse(&fixture!(
        "arxiv-api-query_all-transformer-AND-cat-cs.LG_max5.xml"
    ))
    .unwrap();
    assert_eq!(
        (page.total_results, page.start_index, page.items_per_page),
        (Some(28946), Some(0), Some(5))
    );
    assert!(page.batch.skipped.is_empty(), "{:?}", page.batch.skipped);
    assert_eq!(
        ids(&page.batch),
        [
            "2606.13677",
            "2606.13591",
            "2606.13568",
            "2606.13515",
            "2606.13501"
        ]
    );

    let mana = &page.batch.papers[0];
    assert_eq!(mana.version, Some(1));
    assert_eq!(
        mana.title.as_deref(),
        Some("Mana: Dexterous Manipulation of Articulated Tools")
    );
    assert_eq!(
        mana.authors,
        [
            "Zhao-Heng Yin",
            "Guanya Shi",
            "Pieter Abbeel",
            "C. Karen Liu"
        ]
    );
    assert_eq!(mana.categories, ["cs.RO", "cs.AI", "cs.CV", "cs.LG"]);
    assert_eq!(mana.submitted_at, Some(utc("2026-06-11T17:59:49Z")));
    assert_eq!(mana.updated_at, Some(utc("2026-06-11T17:59:49Z")));
    assert_eq!(
        mana.comment.as_deref(),
        Some("Project Page: https://zhaohengyin.github.io/mana")
    );
    assert!(
        mana.abstract_text
            .as_deref()
            .unwrap()
            .contains("(<1 minute per tool)"),
        "entities are decoded"
    );
    assert_eq!((mana.announce, mana.hf.as_ref()), (None, None));
    assert_eq!(mana.source, SourceKind::ArxivApi);

    assert_eq!(page.batch.papers[2].comment, None);
    assert_eq!(page.batch.papers[2].categories, ["cs.LG", "math-ph"]);

    // This abstract has arXiv's hard line breaks and indented paragraphs in the payload.
    let gf_dit = &page.batch.papers[4];
    assert_eq!(gf_dit.categories, ["cs.DC", "cs.LG", "cs.PF"]);
    assert_eq!(gf_dit.authors.len(), 9);
    let abstract_text = gf_dit.abstract_text.as_deref().unwrap();
    assert!(abstract_text.contains(
        "degraded service quality. This paper argues that DiT serving should treat GPU parallelism"
    ));
    assert!(
        abstract_text.ends_with("from 778 ms to approximately 60 $μ$s."),
        "LaTeX is kept"
    );
    page.batch.papers.iter().for_each(assert_normalized);
}

#[test]
fn arxiv_api_fixture_cs_cl() {
    let page = arxiv_api::parse(&fixture!("arxiv-api-query_cat-cs.CL_max3.xml")).unwrap();
    assert_eq!(
        (page.total_results, page.start_index, page.items_per_page),
        (Some(119894), Some(0), Some(3))
    );
    assert_eq!(ids(&page.batch), ["2609.28471", "2609.28449", "2609.28442"]);
    let kirby = &page.batch.papers[0];
    assert_eq!(
        kirby.title.as_deref(),
        Some("Contrastive Learning for Authorship Verification")
    );
    assert_eq!(kirby.authors, ["Peter Kirby"]);
    assert_eq!(kirby.categories, ["cs.CL", "cs.LG"]);
    assert_eq!(
        kirby.comment.as_deref(),
        Some(
            "Published in the proceedings of CLEF 2026. Code: https://github.com/petekirby/contrastive-av"
        )
    );
    assert_eq!(kirby.submitted_at, Some(utc("2026-09-23T17:59:08Z")));
    let swe_flux = &page.batch.papers[1];
    assert_eq!(swe_flux.categories, ["cs.SE", "cs.AI", "cs.CL"]);
    assert_eq!(swe_flux.authors.len(), 6);
    assert_eq!(swe_flux.comment, None);
    assert_eq!(page.batch.papers[2].authors, ["Zhixu Silvia Tao"]);
    page.batch.papers.iter().for_each(assert_normalized);
}

fn api_feed(total: u64, entries: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/x</id><title>arXiv Query: test</title><updated>2026-06-14T02:30:47Z</updated>
  <opensearch:itemsPerPage>10</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>20</opensearch:startIndex>
  {entries}
</feed>"#
    )
    .into_bytes()
}

#[test]
fn arxiv_api_error_feed_is_an_api_error() {
    let body = api_feed(
        1,
        r#"<entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345v99</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.12345v99</summary>
    <updated>2026-06-14T00:00:00-04:00</updated>
    <link href="http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345v99" rel="alternate" type="text/html"/>
    <author><name>arXiv api core</name></author>
  </entry>"#,
    );
    assert_eq!(
        arxiv_api::parse(&body),
        Err(ParseError::ApiError(
            "incorrect id format for 1234.12345v99".to_owned()
        ))
    );
}

#[test]
fn arxiv_api_empty_page() {
    let page = arxiv_api::parse(&api_feed(0, "")).unwrap();
    assert_eq!(
        (page.total_results, page.start_index, page.items_per_page),
        (Some(0), Some(20), Some(10))
    );
    assert_eq!(page.batch, ParsedBatch::default());

    // Counters are optional; unreadable ones are unknown rather than fatal.
    let page = arxiv_api::parse(
        br#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:os="http://a9.com/-/spec/opensearch/1.1/">
        <os:totalResults>many</os:totalResults><os:startIndex> 40 </os:startIndex></feed>"#,
    )
    .unwrap();
    assert_eq!(
        (page.total_results, page.start_index, page.items_per_page),
        (None, Some(40), None)
    );
}

#[test]
fn arxiv_api_entries_good_and_bad() {
    let entries = r#"
  <entry>
    <id>http://arxiv.org/abs/hep-th/9901001v2</id>
    <title>An old-style
      id</title>
    <summary>  Old.  </summary>
    <published>1999-01-01T12:00:00Z</published><updated>1999-03-01T12:00:00Z</updated>
    <category term="hep-th" scheme="http://arxiv.org/schemas/atom"/>
    <arxiv:primary_category term="hep-th"/>
    <author><name>E. Witten</name></author>
  </entry>
  <entry><title>No id</title></entry>
  <entry><id>http://arxiv.org/abs/not-an-id</id><title>Bad id</title></entry>
  <entry><id>http://arxiv.org/abs/2406.01234v1</id></entry>
  <entry><id>http://arxiv.org/abs/2406.01235v1</id><title>T</title><published>June</published></entry>
  <entry><id>http://arxiv.org/abs/2406.01236v1</id><title>T</title><updated>2024-02-30T00:00:00Z</updated></entry>
  <entry>
    <id>https://arxiv.org/abs/2406.01237v3</id>
    <title>Primary listed last</title>
    <category term="cs.LG"/><category term="cs.CL"/><category term="cs.LG"/>
    <arxiv:primary_category term="cs.CL"/>
    <arxiv:comment>  12 pages,
      3 figures </arxiv:comment>
    <arxiv:comment>a second comment is ignored</arxiv:comment>
  </entry>"#;
    let page = arxiv_api::parse(&api_feed(7, entries)).unwrap();
    check_skipped(
        &page.batch,
        &[
            (1, None, "no id"),
            (2, Some("http://arxiv.org/abs/not-an-id"), "invalid id"),
            (3, Some("2406.01234"), "missing title"),
            (4, Some("2406.01235"), "bad <published> date \"June\""),
            (5, Some("2406.01236"), "bad <updated> date"),
        ],
    );
    assert_eq!(ids(&page.batch), ["hep-th/9901001", "2406.01237"]);
    let old = &page.batch.papers[0];
    assert_eq!(old.version, Some(2));
    assert_eq!(old.title.as_deref(), Some("An old-style id"));
    assert_eq!(old.abstract_text.as_deref(), Some("Old."));
    assert_eq!(old.categories, ["hep-th"]);
    assert_eq!(old.submitted_at, Some(utc("1999-01-01T12:00:00Z")));
    assert_eq!(old.updated_at, Some(utc("1999-03-01T12:00:00Z")));
    let late_primary = &page.batch.papers[1];
    assert_eq!(late_primary.version, Some(3));
    assert_eq!(late_primary.categories, ["cs.CL", "cs.LG"]);
    assert_eq!(late_primary.comment.as_deref(), Some("12 pages, 3 figures"));
    assert_eq!(
        (
            late_primary.abstract_text.as_ref(),
            late_primary.submitted_at
        ),
        (None, None)
    );
    assert!(late_primary.authors.is_empty());
}

#[test]
fn arxiv_api_documents_that_are_not_api_pages() {
    let check = |body: &[u8], expected: &str| {
        let error = arxiv_api::parse(body).unwrap_err();
        assert_eq!(
            kind(&error),
            expected,
            "{}: {error}",
            String::from_utf8_lossy(body)
        );
    };
    let fixture = fixture!("arxiv-api-query_cat-cs.CL_max3.xml");
    check(&fixture[..fixture.len() / 3], "xml");
    check(b"Rate exceeded.", "xml");
    check(b"\xff\xfe<feed/>", "not-utf8");
    check(b"<feed/>", "unexpected");
    check(
        &fixture!("arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml"),
        "unexpected",
    );
}

// ---------------------------------------------------------------------------------------
// Import JSONL

/// Real lines of `shared/data/hf-daily-papers/papers.jsonl.gz` (lines 376 and 1).
const HF_LINES: [&str; 2] = [
    r#"{"id": "2409.15997", "title": "Improvements to SDXL in NovelAI Diffusion V3", "abstract": "In this technical report, we document the changes we made to SDXL in the process of training NovelAI Diffusion V3, our state of the art anime image generation model.", "authors": ["Juan Ossa", "Eren Doğan", "Alex Birch", "F. Johnson"], "categories": [], "published": "2024-09-24T11:57:12.000Z", "source": "hf-daily-papers", "upvotes": 13, "hf_submitted_on_daily_at": "2024-09-25T00:00:00.000Z", "num_comments": 3, "ai_keywords": ["SDXL", "NovelAI Diffusion", "anime image generation"], "github_repo": null}"#,
    r#"{"id": "2305.02463", "title": "Shap-E: Generating Conditional 3D Implicit Functions", "abstract": "We present Shap-E, a conditional generative model for 3D assets. Unlike recent work on 3D generative models which produce a single output representation, Shap-E directly generates the parameters of implicit functions that can be rendered as both textured meshes and neural radiance fields. We train Shap-E in two stages: first, we train an encoder that deterministically maps 3D assets into the parameters of an implicit function; second, we train a conditional diffusion model on outputs of the encoder. When trained on a large dataset of paired 3D and text data, our resulting models are capable of generating complex and diverse 3D assets in a matter of seconds. When compared to Point-E, an explicit generative model over point clouds, Shap-E converges faster and reaches comparable or better sample quality despite modeling a higher-dimensional, multi-representation output space. We release model weights, inference code, and samples at https://github.com/openai/shap-e.", "authors": ["Heewoo Jun", "Alex Nichol"], "categories": [], "published": "2023-05-03T23:59:13.000Z", "source": "hf-daily-papers", "upvotes": 4, "hf_submitted_on_daily_at": "2023-05-04T00:00:00.000Z", "num_comments": 1, "ai_keywords": ["conditional generative model", "implicit functions", "textured meshes", "neural radiance fields", "encoder", "conditional diffusion model", "3D assets", "Point-E", "explicit generative model", "point clouds"], "github_repo": "https://github.com/openai/shap-e"}"#,
];

/// Real lines of `shared/data/arxiv-listings/papers-2025.jsonl.gz` (lines 2184, 13459, 2).
const LISTING_LINES: [&str; 3] = [
    r#"{"id": "2503.22000", "title": "Cluster automata", "abstract": "We introduce a new class of clustered Moore automata (CMA), investigate their temporal behavior, and describe some applications.", "authors": ["András Kornai"], "categories": ["cs.CL", "cs.FL"], "published": "2025-03-31T00:00:00Z", "source": "arxiv-listing", "comment": "Submitted to MOL2025"}"#,
    r#"{"id": "2506.03268", "title": "A conclusive remark on linguistic theorizing and language modeling", "abstract": "This is the final remark on the replies received to my target paper in the Italian Journal of Linguistics", "authors": ["Cristiano Chesi"], "categories": ["cs.CL"], "published": "2025-06-05T00:00:00Z", "source": "arxiv-listing", "comment": null}"#,
    r#"{"id": "2503.11685", "title": "CORDIC Is All You Need", "abstract": "Artificial intelligence necessitates adaptable hardware accelerators for efficient high-throughput million operations. We present pipelined architecture with CORDIC block for linear MAC computations and nonlinear iterative Activation Functions (AF) such as $tanh$, $sigmoid$, and $softmax$. This approach focuses on a Reconfigurable Processing Engine (RPE) based systolic array, with 40\\% pruning rate, enhanced throughput up to 4.64$\\times$, and reduction in power and area by 5.02 $\\times$ and 4.06 $\\times$ at CMOS 28 nm, with minor accuracy loss. FPGA implementation achieves a reduction of up to 2.5 $\\times$ resource savings and 3 $\\times$ power compared to prior works. The Systolic CORDIC engine for Reconfigurability and Enhanced throughput (SYCore) deploys an output stationary dataflow with the CAESAR control engine for diverse AI workloads such as Transformers, RNNs/LSTMs, and DNNs for applications like image detection, LLMs, and speech recognition. The energy-efficient and flexible approach extends the enhanced approach for edge AI accelerators supporting emerging workloads.", "authors": ["Omkar Kokane", "Adam Teman", "Anushka Jha", "Guru Prasath SL", "Gopal Raut", "Mukul Lokhande", "S. V. Jaya Chand", "Tanushree Dewangan", "Santosh Kumar Vishvakarma"], "categories": ["cs.AR", "cs.CV", "eess.IV"], "published": "2025-03-18T00:00:00Z", "source": "arxiv-listing", "comment": null}"#,
];

#[test]
fn jsonl_real_hf_lines() {
    let sdxl = jsonl::parse_line(HF_LINES[0]).unwrap();
    assert_eq!(sdxl.id.as_str(), "2409.15997");
    assert_eq!(sdxl.version, None);
    assert_eq!(
        sdxl.title.as_deref(),
        Some("Improvements to SDXL in NovelAI Diffusion V3")
    );
    assert_eq!(
        sdxl.authors,
        ["Juan Ossa", "Eren Doğan", "Alex Birch", "F. Johnson"]
    );
    assert!(sdxl.categories.is_empty());
    assert_eq!(sdxl.submitted_at, Some(utc("2024-09-24T11:57:12Z")));
    assert_eq!(
        (sdxl.comment.as_ref(), sdxl.source),
        (None, SourceKind::Import)
    );
    let hf = sdxl.hf.as_ref().unwrap();
    assert_eq!((hf.upvotes, hf.num_comments), (13, Some(3)));
    assert_eq!(hf.github_repo, None);
    assert_eq!(hf.featured_on, day(2024, 9, 25));
    assert_eq!(
        hf.keywords,
        ["SDXL", "NovelAI Diffusion", "anime image generation"]
    );
    assert_eq!((hf.github_stars, hf.project_page.as_ref()), (None, None));

    let shap_e = jsonl::parse_line(HF_LINES[1]).unwrap();
    let hf = shap_e.hf.as_ref().unwrap();
    assert_eq!(
        hf.github_repo.as_deref(),
        Some("https://github.com/openai/shap-e")
    );
    assert_eq!(hf.keywords.len(), 10);
    assert_eq!(hf.featured_on, day(2023, 5, 4));
    assert!(
        shap_e
            .abstract_text
            .as_deref()
            .unwrap()
            .ends_with("at https://github.com/openai/shap-e.")
    );
}

#[test]
fn jsonl_real_listing_lines() {
    let automata = jsonl::parse_line(LISTING_LINES[0]).unwrap();
    assert_eq!(automata.id.as_str(), "2503.22000");
    assert_eq!(automata.authors, ["András Kornai"]);
    assert_eq!(automata.categories, ["cs.CL", "cs.FL"]);
    assert_eq!(automata.comment.as_deref(), Some("Submitted to MOL2025"));
    assert_eq!(automata.submitted_at, Some(utc("2025-03-31T00:00:00Z")));
    assert_eq!(
        automata.hf, None,
        "listing rows have no Hugging Face fields"
    );

    assert_eq!(jsonl::parse_line(LISTING_LINES[1]).unwrap().comment, None);

    // JSON escapes in the text (`\\%`, `\\times`) take the copying path.
    let cordic = jsonl::parse_line(LISTING_LINES[2]).unwrap();
    let abstract_text = cordic.abstract_text.as_deref().unwrap();
    assert!(
        abstract_text.contains(r"with 40\% pruning rate, enhanced throughput up to 4.64$\times$,")
    );
    assert_eq!(cordic.authors.len(), 9);
    assert_eq!(cordic.categories, ["cs.AR", "cs.CV", "eess.IV"]);
}

#[test]
fn jsonl_bad_lines_give_a_reason() {
    let check = |line: &str, reason: &str| match jsonl::parse_line(line) {
        Ok(obs) => panic!("{line:?} parsed as {obs:?}"),
        Err(got) => assert!(got.contains(reason), "{line:?}: {got:?} lacks {reason:?}"),
    };
    check("", "empty line");
    check("  \r", "empty line");
    check("not json", "expected");
    check("[1, 2]", "invalid type");
    check(r#""2403.01234""#, "invalid type");
    check(r#"{"id": "2403.01234", "title": "T""#, "EOF");
    check(&HF_LINES[0][..HF_LINES[0].len() - 1], "EOF");
    check(r#"{"title": "T"}"#, "missing id");
    check(r#"{"id": null, "title": "T"}"#, "missing id");
    check(
        r#"{"id": "2403.999", "title": "T"}"#,
        "not an arXiv id: \"2403.999\"",
    );
    check(r#"{"id": "", "title": "T"}"#, "not an arXiv id");
    check(r#"{"id": "2403.01234"}"#, "missing title");
    check(r#"{"id": "2403.01234", "title": " \n "}"#, "missing title");
    check(
        r#"{"id": 2403.01234, "title": "T"}"#,
        "invalid type: floating point",
    );
    check(
        r#"{"id": "2403.01234", "title": ["T"]}"#,
        "invalid type: sequence",
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "authors": "A, B"}"#,
        "invalid type: string",
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "authors": [1]}"#,
        "invalid type: integer",
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "upvotes": -1}"#,
        "invalid value",
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "upvotes": "3"}"#,
        "invalid type: string",
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "published": "yesterday"}"#,
        "bad published \"yesterday\"",
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "published": "2025-03-18"}"#,
        "bad published",
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "hf_submitted_on_daily_at": "2024-02-30T00:00:00Z"}"#,
        "bad hf_submitted_on_daily_at",
    );
    check(
        r#"{"id": "2403.01234", "title": "T"} trailing"#,
        "trailing characters",
    );
}

#[test]
fn jsonl_minimal_and_unusual_lines() {
    let check = |line: &str, expected: PaperObservation| {
        assert_eq!(jsonl::parse_line(line), Ok(expected), "{line}");
    };
    let base = |id: &str, title: &str| PaperObservation {
        title: Some(title.to_owned()),
        ..PaperObservation::new(
            paperboy::paper::PaperId::parse(id).unwrap(),
            SourceKind::Import,
        )
    };
    check(
        r#"{"id": "2403.01234", "title": "T"}"#,
        base("2403.01234", "T"),
    );
    check(
        r#"{"id": "arXiv:2403.01234v2", "title": "T", "source": 7, "extra": {"x": [1]}}"#,
        PaperObservation {
            version: Some(2),
            ..base("2403.01234", "T")
        },
    );
    check(
        r#"{"id": "hep-th/9901001", "title": " A\n\tB \u00e9\"q\" ", "abstract": " ", "comment": "", "authors": ["", " X  Y "], "categories": [" "]}"#,
        PaperObservation {
            authors: vec!["X Y".into()],
            ..base("hep-th/9901001", "A B é\"q\"")
        },
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "upvotes": 0}"#,
        PaperObservation {
            hf: Some(paperboy::paper::HfSignals::default()),
            ..base("2403.01234", "T")
        },
    );
    check(
        r#"{"id": "2403.01234", "title": "T", "published": "2024-03-01T10:00:00+02:00", "github_repo": "https://github.com/a/b"}"#,
        PaperObservation {
            submitted_at: Some(utc("2024-03-01T08:00:00Z")),
            hf: Some(paperboy::paper::HfSignals {
                github_repo: Some("https://github.com/a/b".into()),
                ..Default::default()
            }),
            ..base("2403.01234", "T")
        },
    );
    // Nulls are absent values, not Hugging Face signals.
    check(
        r#"{"id": "2403.01234", "title": "T", "upvotes": null, "github_repo": null, "ai_keywords": null, "comment": null, "published": null}"#,
        base("2403.01234", "T"),
    );
}
