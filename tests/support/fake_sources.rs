//! A fake of the Hugging Face and arXiv services on 127.0.0.1, for driving the real HTTP
//! client through whole polls. It serves what the real services serve (Daily Papers pages by
//! `date`/`limit`/`p`, announcement feeds with ETag/Last-Modified, API pages by `start`/
//! `max_results` with opensearch totals) and misbehaves on request: scripted responses are
//! served first, in order, before the steady behaviour.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use tokio::time::Instant;

/// A canned response.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How long the server waits before answering (tokio time: paused in tests).
    pub delay: Duration,
}

impl Canned {
    pub fn ok(body: impl Into<Vec<u8>>) -> Canned {
        Canned {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn status(status: u16, body: &str) -> Canned {
        Canned {
            status,
            ..Canned::ok(body)
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Canned {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Canned {
        self.delay = delay;
        self
    }
}

/// One request the fake saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub at: Instant,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
}

#[derive(Default)]
struct FakeState {
    /// Daily Papers items by date (`YYYY-MM-DD`).
    hf_days: Mutex<HashMap<String, Vec<serde_json::Value>>>,
    /// Steady bodies by path (feeds), served with an ETag derived from the body.
    documents: Mutex<HashMap<String, Vec<u8>>>,
    /// API entries (Atom `<entry>` elements), served by start/max_results.
    api_entries: Mutex<Vec<String>>,
    /// Responses served first for a path, in order.
    scripts: Mutex<HashMap<String, VecDeque<Canned>>>,
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

#[derive(Clone)]
pub struct FakeSources {
    pub addr: SocketAddr,
    state: Arc<FakeState>,
}

impl FakeSources {
    pub async fn start() -> FakeSources {
        let state = Arc::new(FakeState::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake server");
        });
        FakeSources { addr, state }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_hf_day(&self, date: &str, items: Vec<serde_json::Value>) {
        lock(&self.state.hf_days).insert(date.to_owned(), items);
    }

    pub fn set_document(&self, path: &str, body: impl Into<Vec<u8>>) {
        lock(&self.state.documents).insert(path.to_owned(), body.into());
    }

    pub fn set_api_entries(&self, entries: Vec<String>) {
        *lock(&self.state.api_entries) = entries;
    }

    /// Serves `responses` for `path`, in order, before the steady behaviour.
    pub fn script(&self, path: &str, responses: impl IntoIterator<Item = Canned>) {
        lock(&self.state.scripts)
            .entry(path.to_owned())
            .or_default()
            .extend(responses);
    }

    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.state.seen).clone()
    }

    pub fn seen_paths(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }

    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn handle(State(state): State<Arc<FakeState>>, request: Request) -> Response {
    let now_in_flight = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state
        .max_in_flight
        .fetch_max(now_in_flight, Ordering::SeqCst);
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    lock(&state.seen).push(Seen {
        at: Instant::now(),
        path: path.clone(),
        query: query.clone(),
        headers: request.headers().clone(),
    });
    let scripted = lock(&state.scripts)
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    let canned = match scripted {
        Some(canned) => canned,
        None => steady(&state, &path, &query, request.headers()),
    };
    if !canned.delay.is_zero() {
        tokio::time::sleep(canned.delay).await;
    }
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = Response::builder().status(canned.status);
    for (name, value) in &canned.headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(canned.body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn steady(state: &FakeState, path: &str, query: &str, headers: &HeaderMap) -> Canned {
    if path == "/api/daily_papers" {
        let date = param(query, "date").unwrap_or("");
        let limit: usize = param(query, "limit")
            .and_then(|v| v.parse().ok())
            .unwrap_or(50);
        let page: usize = param(query, "p").and_then(|v| v.parse().ok()).unwrap_or(0);
        let days = lock(&state.hf_days);
        let items = days.get(date).cloned().unwrap_or_default();
        let slice: Vec<_> = items.into_iter().skip(page * limit).take(limit).collect();
        return Canned::ok(serde_json::to_vec(&slice).unwrap_or_default())
            .header("content-type", "application/json");
    }
    if path == "/api/query" {
        let start: usize = param(query, "start")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let max: usize = param(query, "max_results")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        let entries = lock(&state.api_entries);
        // id_list=2601.00001%2C2601.00002 selects by id, like the real API.
        let wanted: Vec<String> = param(query, "id_list")
            .unwrap_or("")
            .split("%2C")
            .filter(|id| !id.is_empty())
            .map(|id| format!("/abs/{}v", id.replace("%2F", "/")))
            .collect();
        let selected: Vec<&String> = entries
            .iter()
            .filter(|e| wanted.is_empty() || wanted.iter().any(|w| e.contains(w.as_str())))
            .collect();
        let page: Vec<String> = selected
            .iter()
            .skip(start)
            .take(max)
            .map(|e| e.to_string())
            .collect();
        return Canned::ok(api_feed(&page, selected.len(), start))
            .header("content-type", "application/atom+xml");
    }
    if let Some(body) = lock(&state.documents).get(path).cloned() {
        let etag = format!("\"{:x}\"", fnv(&body));
        if headers.get("if-none-match")
            == Some(&HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("")))
        {
            return Canned::status(304, "").header("etag", &etag);
        }
        return Canned::ok(body)
            .header("etag", &etag)
            .header("content-type", "application/rss+xml");
    }
    Canned::status(404, "not found")
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One item of an announcement feed, in the 2024+ arXiv format.
pub struct FeedItem<'a> {
    pub id: &'a str,
    pub version: u32,
    pub announce: &'a str,
    pub title: &'a str,
    pub abstract_text: &'a str,
    pub categories: &'a [&'a str],
    pub authors: &'a str,
}

/// An arXiv RSS 2.0 announcement feed as rss.arxiv.org serves it.
pub fn rss_feed(items: &[FeedItem<'_>]) -> String {
    let mut xml = String::from(
        r#"<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.LG</link>
    <description>cs.LG updates on the arXiv.org e-print archive.</description>
    <language>en-us</language>
    <lastBuildDate>Tue, 24 Nov 2026 05:00:00 +0000</lastBuildDate>
    <pubDate>Tue, 24 Nov 2026 00:00:00 -0500</pubDate>
    <skipDays><day>Sunday</day><day>Saturday</day></skipDays>
"#,
    );
    for item in items {
        let categories: String = item
            .categories
            .iter()
            .map(|c| format!("      <category>{c}</category>\n"))
            .collect();
        xml.push_str(&format!(
            r#"    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{id}</link>
      <description>arXiv:{id}v{v} Announce Type: {announce} 
Abstract: {abs}</description>
      <guid isPermaLink="false">oai:arXiv.org:{id}v{v}</guid>
{categories}      <pubDate>Tue, 24 Nov 2026 00:00:00 -0500</pubDate>
      <arxiv:announce_type>{announce}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>{authors}</dc:creator>
    </item>
"#,
            title = item.title,
            id = item.id,
            v = item.version,
            announce = item.announce,
            abs = item.abstract_text,
            authors = item.authors,
        ));
    }
    xml.push_str("  </channel>\n</rss>\n");
    xml
}

/// One arXiv API `<entry>`.
pub fn api_entry(id: &str, version: u32, title: &str, category: &str, published: &str) -> String {
    format!(
        r#"  <entry>
    <id>http://arxiv.org/abs/{id}v{version}</id>
    <title>{title}</title>
    <updated>{published}</updated>
    <link href="https://arxiv.org/abs/{id}v{version}" rel="alternate" type="text/html"/>
    <summary>An abstract about {title}
      with a hard line break.</summary>
    <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>
    <published>{published}</published>
    <arxiv:primary_category term="{category}"/>
    <author>
      <name>Ada Lovelace</name>
    </author>
  </entry>
"#
    )
}

/// An arXiv API response page.
pub fn api_feed(entries: &[String], total: usize, start: usize) -> String {
    format!(
        r#"<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/fake</id>
  <title>arXiv Query: fake</title>
  <updated>2026-11-24T08:00:00Z</updated>
  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
{body}</feed>
"#,
        per_page = entries.len(),
        body = entries.concat(),
    )
}
