//! The fetcher against fake servers on 127.0.0.1 that misbehave on purpose: a real reqwest
//! client, axum fakes spawned in the test's own runtime, and the paused tokio clock wherever
//! time matters, so no test sleeps for real.

use std::io::Write as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use paperboy::fetch::{FetchError, FetchPolicy, Fetched, Fetcher, HostGate, Validators};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);

fn policy() -> FetchPolicy {
    FetchPolicy {
        max_retry_wait: 60 * SECOND,
        ..FetchPolicy::default()
    }
}

fn fetcher(policy: FetchPolicy) -> Fetcher {
    Fetcher::new(policy).expect("the test policy builds a client")
}

/// With the clock paused, tokio leaps to the next timer whenever the runtime has nothing to
/// run. Should the kernel not yet have delivered a loopback packet at that moment, the leap
/// would land on reqwest's request timeout and fail the fetch for nothing (reqwest#2783 is the
/// same leap against a remote server). A 1 ms heartbeat caps every leap at 1 ms; timers still
/// fire exactly at their deadlines.
fn keep_paused_clock_in_step_with_io() {
    tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
}

/// A canned response, with an optional delay before it is sent.
#[derive(Clone, Default)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    delay: Duration,
}

fn reply(status: u16) -> Reply {
    Reply {
        status,
        ..Reply::default()
    }
}

impl Reply {
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = body.into();
        self
    }

    fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        for (name, value) in self.headers {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_str(&value).unwrap(),
            );
        }
        let status = StatusCode::from_u16(self.status).unwrap();
        (status, headers, self.body).into_response()
    }
}

/// One request as the fake saw it.
#[derive(Clone, Debug)]
struct Seen {
    at: Instant,
    path: String,
    headers: HeaderMap,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }
}

/// Counts something that is open or in flight, and remembers the most ever at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Gauge {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// A fake that answers its replies in order (repeating the last) and records every request.
#[derive(Default)]
struct Script {
    replies: Vec<Reply>,
    seen: Mutex<Vec<Seen>>,
    requests_in_flight: Gauge,
}

impl Script {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn starts(&self) -> Vec<Instant> {
        self.seen().iter().map(|seen| seen.at).collect()
    }
}

async fn answer_from_script(
    State(script): State<Arc<Script>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    script.requests_in_flight.enter();
    let reply = {
        let mut seen = script.seen.lock().unwrap();
        seen.push(Seen {
            at: Instant::now(),
            path: uri.path().to_owned(),
            headers,
        });
        let index = (seen.len() - 1).min(script.replies.len() - 1);
        script.replies[index].clone()
    };
    tokio::time::sleep(reply.delay).await;
    script.requests_in_flight.leave();
    reply.into_response()
}

/// Serves `replies` on 127.0.0.1; returns the URL of `/feed` and the script's record.
async fn scripted(replies: Vec<Reply>) -> (String, Arc<Script>) {
    let (base, script, _connections) = scripted_counting_connections(replies).await;
    (format!("{base}/feed"), script)
}

async fn scripted_counting_connections(replies: Vec<Reply>) -> (String, Arc<Script>, Arc<Gauge>) {
    let script = Arc::new(Script {
        replies,
        ..Script::default()
    });
    let router = Router::new()
        .fallback(answer_from_script)
        .with_state(script.clone());
    let (base, connections) = serve(router).await;
    (base, script, connections)
}

/// Serves `router` on a free port of 127.0.0.1 in this runtime; returns the base URL and a
/// gauge of open connections.
async fn serve(router: Router) -> (String, Arc<Gauge>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(Gauge::default());
    let listener = CountingListener {
        listener,
        connections: connections.clone(),
    };
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, connections)
}

struct CountingListener {
    listener: TcpListener,
    connections: Arc<Gauge>,
}

impl axum::serve::Listener for CountingListener {
    type Io = CountedConnection;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (CountedConnection, std::net::SocketAddr) {
        let (stream, peer) = self.listener.accept().await.unwrap();
        self.connections.enter();
        let connection = CountedConnection {
            stream,
            connections: self.connections.clone(),
        };
        (connection, peer)
    }

    fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }
}

/// A server-side connection that counts itself open until dropped.
struct CountedConnection {
    stream: TcpStream,
    connections: Arc<Gauge>,
}

impl Drop for CountedConnection {
    fn drop(&mut self) {
        self.connections.leave();
    }
}

impl AsyncRead for CountedConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

fn body_of(fetched: Fetched) -> (Vec<u8>, Validators) {
    match fetched {
        Fetched::Body { bytes, validators } => (bytes, validators),
        Fetched::NotModified => panic!("expected a body, got NotModified"),
    }
}

fn gaps(starts: &[Instant]) -> Vec<Duration> {
    starts.windows(2).map(|pair| pair[1] - pair[0]).collect()
}

// --- plain and conditional GETs ---

#[tokio::test]
async fn a_plain_200_returns_the_body_and_sends_our_user_agent() {
    let (url, script) = scripted(vec![reply(200).body("hello")]).await;

    let (bytes, validators) = body_of(fetcher(policy()).get(&url, None, None).await.unwrap());

    assert_eq!(bytes, b"hello");
    assert_eq!(validators, Validators::default());
    let seen = script.seen();
    assert_eq!(seen.len(), 1);
    let user_agent = seen[0].header("user-agent").unwrap();
    assert_eq!(user_agent, FetchPolicy::default().user_agent);
    assert!(user_agent.starts_with(&format!(
        "paperboy/{} (+https://",
        env!("CARGO_PKG_VERSION")
    )));
    assert_eq!(seen[0].header("if-none-match"), None);
    assert_eq!(seen[0].header("if-modified-since"), None);
}

/// Answers 304 when the request's `validator_header` equals `current`, else 200 with
/// `current` in `validator_source`.
async fn conditional_fake(
    validator_header: &'static str,
    validator_source: &'static str,
    current: &'static str,
) -> (String, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let record = seen.clone();
    let router = Router::new().fallback(move |headers: HeaderMap| {
        let record = record.clone();
        async move {
            let matches = headers.get(validator_header).is_some_and(|v| v == current);
            record.lock().unwrap().push(headers);
            if matches {
                reply(304).into_response()
            } else {
                reply(200)
                    .header(validator_source, current)
                    .body("fresh")
                    .into_response()
            }
        }
    });
    let (base, _) = serve(router).await;
    (format!("{base}/feed"), seen)
}

#[tokio::test]
async fn an_etag_comes_back_as_if_none_match_and_304_is_not_modified() {
    let (url, seen) = conditional_fake("if-none-match", "etag", "\"v1\"").await;
    let fetcher = fetcher(policy());

    let (bytes, validators) = body_of(fetcher.get(&url, None, None).await.unwrap());
    assert_eq!(bytes, b"fresh");
    assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(validators.last_modified, None);

    let second = fetcher.get(&url, Some(&validators), None).await.unwrap();
    assert_eq!(second, Fetched::NotModified);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].get("if-none-match").unwrap(), "\"v1\"");
}

#[tokio::test]
async fn last_modified_comes_back_as_if_modified_since_and_304_is_not_modified() {
    let date = "Wed, 21 Oct 2026 07:28:00 GMT";
    let (url, seen) = conditional_fake("if-modified-since", "last-modified", date).await;
    let fetcher = fetcher(policy());

    let (_, validators) = body_of(fetcher.get(&url, None, None).await.unwrap());
    assert_eq!(validators.last_modified.as_deref(), Some(date));
    assert_eq!(validators.etag, None);

    let second = fetcher.get(&url, Some(&validators), None).await.unwrap();
    assert_eq!(second, Fetched::NotModified);
    assert_eq!(
        seen.lock().unwrap()[1].get("if-modified-since").unwrap(),
        date
    );
}

#[tokio::test]
async fn a_gzip_body_is_requested_and_decoded() {
    let original = "{\"papers\": []}\n".repeat(1000);
    let (url, script) = scripted(vec![
        reply(200)
            .header("content-encoding", "gzip")
            .body(gzip(original.as_bytes())),
    ])
    .await;

    let (bytes, _) = body_of(fetcher(policy()).get(&url, None, None).await.unwrap());

    assert_eq!(bytes, original.as_bytes());
    let accept_encoding = script.seen()[0]
        .header("accept-encoding")
        .unwrap()
        .to_owned();
    assert!(accept_encoding.contains("gzip"), "{accept_encoding}");
}

// --- retries and rate limits (paused clock) ---

/// A `status` carrying `name: value` followed by a 200: the retry must come `expected` later.
async fn check_server_wait(status: u16, name: &'static str, value: &str, expected: Duration) {
    let (url, script) = scripted(vec![
        reply(status).header(name, value),
        reply(200).body("ok"),
    ])
    .await;

    let (bytes, _) = body_of(fetcher(policy()).get(&url, None, None).await.unwrap());

    assert_eq!(bytes, b"ok");
    let gaps = gaps(&script.starts());
    assert_eq!(gaps.len(), 1, "{name}: {value}");
    assert!(
        gaps[0] >= expected && gaps[0] < expected + SECOND / 2,
        "{name}: {value}: retried after {:?}, expected {expected:?}",
        gaps[0]
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_or_503_waits_as_long_as_the_server_asks() {
    keep_paused_clock_in_step_with_io();
    check_server_wait(429, "retry-after", "7", 7 * SECOND).await;
    // Hugging Face: the IETF RateLimit header, t = seconds until the quota resets.
    check_server_wait(429, "ratelimit", r#""api";r=0;t=42"#, 42 * SECOND).await;
    check_server_wait(429, "ratelimit-reset", "42", 42 * SECOND).await;
    // A 503 may say when to come back, too.
    check_server_wait(503, "retry-after", "20", 20 * SECOND).await;
}

#[tokio::test(start_paused = true)]
async fn a_429_asking_for_longer_than_max_retry_wait_fails_at_once() {
    keep_paused_clock_in_step_with_io();
    let (url, script) = scripted(vec![reply(429).header("retry-after", "3600")]).await;
    let started = Instant::now();

    let error = fetcher(policy()).get(&url, None, None).await.unwrap_err();

    assert!(
        matches!(error, FetchError::RateLimited { retry_after: Some(wait), .. } if wait == 3600 * SECOND),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert!(error.to_string().contains(&url), "{error}");
    assert_eq!(script.seen().len(), 1);
    assert!(started.elapsed() < SECOND, "waited {:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_429_without_hints_backs_off_and_gives_up_rate_limited() {
    keep_paused_clock_in_step_with_io();
    let (url, script) = scripted(vec![reply(429)]).await;

    let error = fetcher(policy()).get(&url, None, None).await.unwrap_err();

    assert!(
        matches!(
            error,
            FetchError::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(script.seen().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn two_503s_then_a_200_succeeds_after_two_retries() {
    keep_paused_clock_in_step_with_io();
    let (url, script) = scripted(vec![reply(503), reply(503), reply(200).body("ok")]).await;

    let (bytes, _) = body_of(fetcher(policy()).get(&url, None, None).await.unwrap());

    assert_eq!(bytes, b"ok");
    let gaps = gaps(&script.starts());
    assert_eq!(gaps.len(), 2);
    // Full jitter: retry n waits at most base * 2^n (plus a few ms of loopback I/O).
    assert!(gaps[0] <= SECOND + SECOND / 10, "{gaps:?}");
    assert!(gaps[1] <= 2 * SECOND + SECOND / 10, "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn a_server_error_that_persists_fails_after_max_retries_plus_one_attempts() {
    keep_paused_clock_in_step_with_io();
    let (url, script) = scripted(vec![reply(500)]).await;
    let policy = FetchPolicy {
        max_retries: 3,
        ..policy()
    };

    let error = fetcher(policy).get(&url, None, None).await.unwrap_err();

    assert!(
        matches!(error, FetchError::Status { status, .. } if status.as_u16() == 500),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert_eq!(script.seen().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_404_is_not_retried() {
    keep_paused_clock_in_step_with_io();
    let (url, script) = scripted(vec![reply(404), reply(200)]).await;

    let error = fetcher(policy()).get(&url, None, None).await.unwrap_err();

    assert!(
        matches!(error, FetchError::Status { status, .. } if status.as_u16() == 404),
        "{error:?}"
    );
    assert!(!error.is_transient());
    assert_eq!(
        error.to_string(),
        format!("{url} answered HTTP 404 Not Found")
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_server_slower_than_the_request_timeout_is_retried_then_times_out() {
    keep_paused_clock_in_step_with_io();
    let (url, script) = scripted(vec![reply(200).delay(60 * SECOND)]).await;
    let policy = FetchPolicy {
        request_timeout: 5 * SECOND,
        max_retries: 2,
        ..policy()
    };

    let error = fetcher(policy).get(&url, None, None).await.unwrap_err();

    assert!(matches!(error, FetchError::Timeout { .. }), "{error:?}");
    assert!(error.is_transient());
    assert_eq!(script.seen().len(), 3);
    for gap in gaps(&script.starts()) {
        // Each attempt is cut off at the 5 s timeout, then waits its backoff (at most 2 s).
        assert!(gap >= 5 * SECOND && gap < 8 * SECOND, "{gap:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_is_retried_then_reported() {
    keep_paused_clock_in_step_with_io();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/feed", listener.local_addr().unwrap());
    drop(listener);

    let error = fetcher(policy()).get(&url, None, None).await.unwrap_err();

    assert!(matches!(error, FetchError::Connection { .. }), "{error:?}");
    assert!(error.is_transient());
    assert!(error.to_string().starts_with(&url), "{error}");
}

// --- size limits ---

#[tokio::test]
async fn a_content_length_over_the_cap_is_rejected() {
    let (url, _) = scripted(vec![reply(200).body(vec![b'x'; 2 * 1024 * 1024])]).await;
    let policy = FetchPolicy {
        max_body_bytes: 1024 * 1024,
        ..policy()
    };

    let error = fetcher(policy).get(&url, None, None).await.unwrap_err();

    assert!(
        matches!(error, FetchError::TooLarge { limit, .. } if limit == 1024 * 1024),
        "{error:?}"
    );
    assert!(!error.is_transient());
    assert_eq!(
        error.to_string(),
        format!("{url} is larger than the limit of 1048576 bytes")
    );
}

#[tokio::test(start_paused = true)]
async fn a_content_length_over_the_cap_is_rejected_before_reading_the_body() {
    keep_paused_clock_in_step_with_io();
    // The body never arrives, so only the announced length can fail this fetch quickly;
    // a client that waited for the body would hit its timeout instead.
    let (stalled_writer, reader) = tokio::io::duplex(1024);
    let body = Arc::new(Mutex::new(Some(Body::from_stream(
        tokio_util::io::ReaderStream::new(reader),
    ))));
    let router = Router::new().fallback(move || {
        let body = body.lock().unwrap().take().expect("one request only");
        async move { ([("content-length", "2097152")], body).into_response() }
    });
    let (base, _) = serve(router).await;
    let policy = FetchPolicy {
        max_body_bytes: 1024 * 1024,
        max_retries: 0,
        ..policy()
    };
    let started = Instant::now();

    let error = fetcher(policy)
        .get(&format!("{base}/feed"), None, None)
        .await
        .unwrap_err();

    assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
    assert!(started.elapsed() < SECOND, "took {:?}", started.elapsed());
    drop(stalled_writer);
}

#[tokio::test]
async fn a_streamed_body_over_the_cap_is_cut_off_while_reading() {
    const FULL_BODY: u64 = 200 * 1024 * 1024;
    let (mut writer, reader) = tokio::io::duplex(64 * 1024);
    // The fake streams 200 MiB without a Content-Length until the client hangs up.
    let streamer = tokio::spawn(async move {
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0u64;
        while sent < FULL_BODY {
            if writer.write_all(&chunk).await.is_err() {
                return (sent, true);
            }
            sent += chunk.len() as u64;
        }
        (sent, false)
    });
    let body = Arc::new(Mutex::new(Some(Body::from_stream(
        tokio_util::io::ReaderStream::new(reader),
    ))));
    let router = Router::new().fallback(move || {
        let body = body.lock().unwrap().take().expect("one request only");
        async move { Response::new(body) }
    });
    let (base, _) = serve(router).await;
    let policy = FetchPolicy {
        max_body_bytes: 1024 * 1024,
        max_retries: 0,
        ..policy()
    };

    let error = fetcher(policy)
        .get(&format!("{base}/stream"), None, None)
        .await
        .unwrap_err();

    assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
    // Real time only bounds a failure here: a client that kept reading would hang the fake.
    let (sent, hung_up) = tokio::time::timeout(10 * SECOND, streamer)
        .await
        .expect("the client should hang up, stopping the fake's writes")
        .unwrap();
    assert!(hung_up, "the fake sent all {sent} bytes");
    assert!(sent < FULL_BODY / 4, "the fake sent {sent} bytes");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn a_gzip_bomb_is_cut_off_after_decompression_passes_the_cap() {
    let bomb = {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..50 {
            encoder.write_all(&zeros).unwrap();
        }
        encoder.finish().unwrap()
    };
    assert!(bomb.len() < 1024 * 1024, "the bomb itself is under the cap");
    let (url, _) = scripted(vec![
        reply(200).header("content-encoding", "gzip").body(bomb),
    ])
    .await;
    let policy = FetchPolicy {
        max_body_bytes: 1024 * 1024,
        ..policy()
    };

    let error = fetcher(policy).get(&url, None, None).await.unwrap_err();

    assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
}

#[tokio::test]
async fn a_redirect_loop_fails_after_max_redirects() {
    let (base, script, _) =
        scripted_counting_connections(vec![reply(302).header("location", "/loop")]).await;
    let policy = FetchPolicy {
        max_redirects: 5,
        ..policy()
    };

    let error = fetcher(policy)
        .get(&format!("{base}/loop"), None, None)
        .await
        .unwrap_err();

    assert!(
        matches!(error, FetchError::TooManyRedirects { limit: 5, .. }),
        "{error:?}"
    );
    assert!(!error.is_transient());
    // The first request and five redirects followed, and no retries.
    let seen = script.seen();
    assert_eq!(seen.len(), 6);
    assert!(seen.iter().all(|seen| seen.path == "/loop"));
}

#[tokio::test]
async fn a_redirect_to_a_private_or_link_local_address_is_not_followed() {
    // (Location sent, the target as the error names it)
    for (location, target) in [
        (
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.169.254/latest/meta-data/",
        ),
        ("http://10.0.0.1/feed", "http://10.0.0.1/feed"),
        ("http://192.168.1.1", "http://192.168.1.1/"),
        ("http://100.64.0.1/", "http://100.64.0.1/"),
        ("http://localhost:1/feed", "http://localhost:1/feed"),
        ("http://[::1]:1/feed", "http://[::1]:1/feed"),
        ("http://[fe80::1]/", "http://[fe80::1]/"),
        ("http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/"),
        ("http://0.0.0.0/", "http://0.0.0.0/"),
    ] {
        let (url, script) = scripted(vec![reply(302).header("location", location)]).await;

        let error = fetcher(policy()).get(&url, None, None).await.unwrap_err();

        assert!(
            matches!(error, FetchError::RedirectToPrivateAddress { .. }),
            "{location}: {error:?}"
        );
        assert!(!error.is_transient());
        assert_eq!(
            error.to_string(),
            format!("{url} redirected to {target}, which is not a public address; not followed")
        );
        // Refused before any request to the target, and not retried.
        assert_eq!(script.seen().len(), 1, "{location}");
    }
}

#[tokio::test]
async fn a_redirect_within_the_configured_loopback_host_is_followed() {
    let (base, script, _) = scripted_counting_connections(vec![
        reply(301).header("location", "/moved"),
        reply(200).body("here"),
    ])
    .await;

    let fetched = fetcher(policy())
        .get(&format!("{base}/feed"), None, None)
        .await
        .unwrap();

    assert_eq!(body_of(fetched).0, b"here");
    let paths: Vec<String> = script.seen().into_iter().map(|seen| seen.path).collect();
    assert_eq!(paths, ["/feed", "/moved"]);
}

// --- the host gate (paused clock) ---

#[tokio::test(start_paused = true)]
async fn a_gate_spaces_request_starts_and_allows_one_in_flight() {
    keep_paused_clock_in_step_with_io();
    // Each answer takes 500 ms, so overlapping requests would show in the gauges.
    let (base, script, connections) =
        scripted_counting_connections(vec![reply(200).body("ok").delay(SECOND / 2)]).await;
    let url = format!("{base}/feed");
    let fetcher = fetcher(policy());
    let gate = HostGate::new(3 * SECOND);

    let results = tokio::join!(
        fetcher.get(&url, None, Some(&gate)),
        fetcher.get(&url, None, Some(&gate)),
        fetcher.get(&url, None, Some(&gate)),
        fetcher.get(&url, None, Some(&gate)),
    );

    for result in [results.0, results.1, results.2, results.3] {
        assert_eq!(body_of(result.unwrap()).0, b"ok");
    }
    let gaps = gaps(&script.starts());
    assert_eq!(gaps.len(), 3);
    assert!(gaps.iter().all(|gap| *gap >= 3 * SECOND), "{gaps:?}");
    assert_eq!(script.requests_in_flight.max(), 1);
    assert_eq!(connections.max(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_gate_paces_retries_too() {
    keep_paused_clock_in_step_with_io();
    let (url, script) = scripted(vec![reply(503), reply(200)]).await;
    let policy = FetchPolicy {
        retry_base_delay: Duration::from_millis(1),
        ..policy()
    };
    let gate = HostGate::new(3 * SECOND);

    fetcher(policy).get(&url, None, Some(&gate)).await.unwrap();

    let gaps = gaps(&script.starts());
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0] >= 3 * SECOND, "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn a_429_on_one_host_holds_back_every_host_behind_the_gate() {
    keep_paused_clock_in_step_with_io();
    // Two hosts sharing one gate, as arXiv's export and listing hosts do.
    let (limited_url, limited) =
        scripted(vec![reply(429).header("retry-after", "10"), reply(200)]).await;
    let (other_url, other) = scripted(vec![reply(200)]).await;
    let fetcher = fetcher(policy());
    let gate = HostGate::new(3 * SECOND);
    let started = Instant::now();

    let (limited_result, other_result) = tokio::join!(
        fetcher.get(&limited_url, None, Some(&gate)),
        fetcher.get(&other_url, None, Some(&gate)),
    );

    limited_result.unwrap();
    other_result.unwrap();
    let other_start = other.starts()[0] - started;
    assert!(other_start >= 10 * SECOND, "{other_start:?}");
    let limited_retry = limited.starts()[1] - started;
    assert!(
        limited_retry >= other_start + 3 * SECOND,
        "{limited_retry:?}"
    );
}

// --- files ---

#[tokio::test]
async fn files_are_read_by_path_or_file_url_and_unchanged_files_are_not_modified() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("papers.jsonl");
    std::fs::write(&path, "{\"id\": \"2403.01234\"}\n").unwrap();
    let fetcher = fetcher(policy());
    let location = path.to_str().unwrap();

    let (bytes, validators) = body_of(fetcher.get(location, None, None).await.unwrap());
    assert_eq!(bytes, b"{\"id\": \"2403.01234\"}\n");
    assert_eq!(validators.etag, None);
    let version = validators.last_modified.clone().unwrap();
    assert!(
        version.starts_with("mtime=") && version.ends_with(" len=21"),
        "{version}"
    );

    let file_url = format!("file://{location}");
    let (by_url, _) = body_of(fetcher.get(&file_url, None, None).await.unwrap());
    assert_eq!(by_url, bytes);

    let again = fetcher
        .get(location, Some(&validators), None)
        .await
        .unwrap();
    assert_eq!(again, Fetched::NotModified);
    let again_by_url = fetcher
        .get(&file_url, Some(&validators), None)
        .await
        .unwrap();
    assert_eq!(again_by_url, Fetched::NotModified);

    std::fs::write(
        &path,
        "{\"id\": \"2403.01234\"}\n{\"id\": \"2403.05678\"}\n",
    )
    .unwrap();
    let (changed, new_validators) = body_of(
        fetcher
            .get(location, Some(&validators), None)
            .await
            .unwrap(),
    );
    assert_eq!(changed.len(), 42);
    assert_ne!(new_validators, validators);
}

#[tokio::test]
async fn a_missing_file_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.json");

    let error = fetcher(policy())
        .get(path.to_str().unwrap(), None, None)
        .await
        .unwrap_err();

    assert!(matches!(error, FetchError::File { .. }), "{error:?}");
    assert!(!error.is_transient());
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot read {}: ", path.display())),
        "{message}"
    );
}

/// `/dev/zero` claims a length of 0 and never ends: only a bounded read stops it.
#[cfg(unix)]
#[tokio::test]
async fn a_file_longer_than_its_metadata_says_is_still_capped() {
    let policy = FetchPolicy {
        max_body_bytes: 4096,
        ..policy()
    };

    let error = fetcher(policy)
        .get("/dev/zero", None, None)
        .await
        .unwrap_err();

    assert!(
        matches!(error, FetchError::TooLarge { limit: 4096, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_file_over_the_cap_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    std::fs::write(&path, vec![b' '; 4097]).unwrap();
    let policy = FetchPolicy {
        max_body_bytes: 4096,
        ..policy()
    };

    let error = fetcher(policy)
        .get(path.to_str().unwrap(), None, None)
        .await
        .unwrap_err();

    assert!(
        matches!(error, FetchError::TooLarge { limit: 4096, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("huge.json"), "{error}");
}
