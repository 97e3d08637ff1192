//! Hostile sources against the real binary: `paperboy run` polls an arXiv feed served by a
//! loopback server that answers with a billion-laughs document, an external entity, 50 MB
//! bodies (announced and streamed), a gzip bomb, a redirect loop, a redirect to a cloud
//! metadata address and invalid UTF-8. For each, the daemon's own log must carry the
//! specific `source request failed … error=…` line, the daemon must keep running and stop
//! cleanly on SIGTERM, and its peak memory (VmHWM, read while it is still running) must stay
//! within the body cap of the peak after polling a good feed.

#![cfg(target_os = "linux")]

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};

mod support;

use support::harness::{KillOnDrop, clean_command, signal_and_wait};

const MIB: usize = 1024 * 1024;
/// `http.max_body_mb`'s default: what one fetch may hold after decompression.
const BODY_CAP: usize = 20 * MIB;

/// What the fake feed answers to every request.
#[derive(Clone)]
enum Answer {
    Body(&'static [u8]),
    Owned(Vec<u8>),
    /// 50 MB announced by Content-Length.
    Announced50Mb,
    /// 50 MB streamed in 1 MiB chunks with no length.
    Streamed50Mb,
    GzipBomb(Vec<u8>),
    /// 302 to the same path, for ever.
    RedirectLoop,
    RedirectTo(&'static str),
}

fn respond(answer: &Answer, path: &str) -> Response<Body> {
    let ok = |body: Body| {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/rss+xml")
            .body(body)
            .unwrap()
    };
    match answer {
        Answer::Body(bytes) => ok(Body::from(*bytes)),
        Answer::Owned(bytes) => ok(Body::from(bytes.clone())),
        Answer::Announced50Mb => ok(Body::from(vec![b'a'; 50 * MIB])),
        Answer::Streamed50Mb => {
            let chunks = futures_util::stream::iter(
                (0..50).map(|_| Ok::<_, std::io::Error>(vec![b'a'; MIB])),
            );
            ok(Body::from_stream(chunks))
        }
        Answer::GzipBomb(bomb) => {
            let mut response = ok(Body::from(bomb.clone()));
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response
        }
        Answer::RedirectLoop => redirect(path),
        Answer::RedirectTo(target) => redirect(target),
    }
}

fn redirect(to: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, to)
        .body(Body::empty())
        .unwrap()
}

/// Serves `answer` to every request on 127.0.0.1; returns its base URL.
async fn serve(answer: Answer) -> String {
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let answer = answer.clone();
        async move { respond(&answer, request.uri().path()) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Writes a config whose only source is the arXiv feed at `base`, with no ingest before the
/// start-up poll is long over.
fn write_config(dir: &Path, base: &str) -> std::path::PathBuf {
    let config = dir.join("paperboy.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "{data}"
[ingest]
schedule = "0 0 1 1 *"
[http]
max_retries = 0
[sources.hf]
enabled = false
[sources.arxiv]
feed_url = "{base}"
api_url = "{base}/api/query"
min_interval_secs = 0
"#,
            data = dir.join("data").display(),
        ),
    )
    .unwrap();
    config
}

/// Peak resident memory of a running process, in bytes.
fn peak_rss(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/<pid>/status");
    let kib: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

struct Outcome {
    log: String,
    peak_rss: usize,
}

/// Runs `paperboy run` against `answer` until its log has a line containing `wait_for`,
/// reads its peak memory, stops it with SIGTERM and checks it stopped cleanly.
async fn run_daemon(answer: Answer, wait_for: &str) -> Outcome {
    let base = serve(answer).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &base);
    let log_path = dir.path().join("daemon.log");
    let mut daemon = KillOnDrop(
        clean_command(env!("CARGO_BIN_EXE_paperboy"), dir.path())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .env("RUST_LOG", "info")
            .arg("--config")
            .arg(&config)
            .arg("run")
            .spawn()
            .unwrap(),
    );
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let started = Instant::now();
    while !log().contains(wait_for) {
        assert!(
            daemon.0.try_wait().unwrap().is_none(),
            "the daemon exited:\n{}",
            log()
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no line with {wait_for:?} within 60 s:\n{}",
            log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let peak_rss = peak_rss(daemon.0.id());
    let exit = signal_and_wait(&mut daemon.0, "TERM", Duration::from_secs(15));
    assert!(
        exit.is_some_and(|status| status.success()),
        "the daemon did not stop cleanly on SIGTERM:\n{}",
        log()
    );
    Outcome {
        log: log(),
        peak_rss,
    }
}

/// The `error=` text of the daemon's `source request failed` line.
fn failure_line(log: &str) -> &str {
    log.lines()
        .find(|line| line.contains("source request failed"))
        .expect("a source request failed line")
}

fn gzip_bomb() -> Vec<u8> {
    // 1 GiB of zeros in about 1 MB.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 4 * MIB];
    for _ in 0..256 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.finish().unwrap()
}

const BILLION_LAUGHS: &[u8] = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"#;

const EXTERNAL_ENTITY: &[u8] = br#"<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hostile_answer_leaves_its_own_log_line_and_memory_stays_bounded() {
    let good_feed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml"
    ))
    .unwrap();
    let baseline = run_daemon(Answer::Owned(good_feed), "source polled").await;
    assert!(
        !baseline.log.contains("source request failed"),
        "{}",
        baseline.log
    );

    let mut invalid_utf8 = b"<?xml version=\"1.0\"?><rss><channel><title>".to_vec();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    invalid_utf8.extend_from_slice(b"</title></channel></rss>");
    // (case, answer, the error text its log line must carry)
    let cases: Vec<(&str, Answer, String)> = vec![
        (
            "billion laughs",
            Answer::Body(BILLION_LAUGHS),
            "malformed XML: XML with DTD detected".into(),
        ),
        (
            "external entity",
            Answer::Body(EXTERNAL_ENTITY),
            "malformed XML: XML with DTD detected".into(),
        ),
        (
            "50 MB announced",
            Answer::Announced50Mb,
            format!("is larger than the limit of {BODY_CAP} bytes"),
        ),
        (
            "50 MB streamed",
            Answer::Streamed50Mb,
            format!("is larger than the limit of {BODY_CAP} bytes"),
        ),
        (
            "gzip bomb",
            Answer::GzipBomb(gzip_bomb()),
            format!("is larger than the limit of {BODY_CAP} bytes"),
        ),
        (
            "redirect loop",
            Answer::RedirectLoop,
            "redirected more than 5 times".into(),
        ),
        (
            "redirect to cloud metadata",
            Answer::RedirectTo("http://169.254.169.254/latest/meta-data/"),
            "redirected to http://169.254.169.254/latest/meta-data/, which is not a public address; not followed".into(),
        ),
        (
            "invalid UTF-8",
            Answer::Owned(invalid_utf8),
            "body is not valid UTF-8".into(),
        ),
    ];
    println!(
        "baseline (a good feed): peak RSS {:.1} MiB",
        baseline.peak_rss as f64 / MIB as f64
    );
    for (case, answer, error) in cases {
        // The summary comes after the request's own line.
        let outcome = run_daemon(answer, "source polled with problems").await;
        let line = failure_line(&outcome.log);
        assert!(
            line.contains("WARN") && line.contains("error=") && line.contains(&error),
            "{case}: expected a WARN line with {error:?}, got {line:?}"
        );
        println!(
            "{case}: peak RSS {:.1} MiB; {line}",
            outcome.peak_rss as f64 / MIB as f64
        );
        // What one fetch may hold is the cap; an unbounded reader would hold 50 MB or 1 GiB.
        assert!(
            outcome.peak_rss < baseline.peak_rss + BODY_CAP + 16 * MIB,
            "{case}: peak RSS {} bytes against {} for a good feed",
            outcome.peak_rss,
            baseline.peak_rss
        );
    }
}
