//! Relays on 127.0.0.1 in front of the fakes, for crash tests: they pass everything through
//! unchanged, count what goes by, and can hold back one answer. A held request has reached
//! the fake (which recorded it: the platform has the message, the reply or the page) and its
//! answer never reaches the daemon, so a test that SIGKILLs the daemon once the wire has
//! [`Tripwire::fired`] lands exactly between "the platform accepted it" and whatever the
//! daemon does next (removing a digest from the outbox, answering the next update, storing
//! a page), with no timing luck.
//!
//! [`HttpRelay`] relays HTTP/1 requests (the Bot API, Discord's REST API, the sources);
//! [`SmtpRelay`] relays SMTP over TCP and holds the server's answer to the end of a mail.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a relayed request is, for counting and tripping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// A request to a paper source (ingest).
    Source,
    /// The answer to a user's command.
    Reply,
    /// A digest (or a part of one) on its way to a subscriber.
    Digest,
}

const STEPS: [Step; 3] = [Step::Source, Step::Reply, Step::Digest];

/// How long a held answer is kept back at most; the test kills the daemon long before.
const HOLD: Duration = Duration::from_secs(60);

#[derive(Default)]
struct WireState {
    /// Hold the answer to the `n`th request of this step (counted from 1 since `arm`).
    armed: Option<(Step, usize)>,
    /// Requests seen per step since the last `reset`, in `STEPS` order.
    counts: [usize; 3],
    fired: Option<Step>,
}

/// Shared by every relay of a test.
#[derive(Default)]
pub struct Tripwire {
    state: Mutex<WireState>,
    /// Set when a held answer is being kept back; readable without the lock.
    fired: AtomicBool,
}

impl Tripwire {
    pub fn new() -> Arc<Tripwire> {
        Arc::new(Tripwire::default())
    }

    /// Starts counting from zero, disarmed.
    pub fn reset(&self) {
        let mut state = lock(&self.state);
        *state = WireState::default();
        self.fired.store(false, Ordering::SeqCst);
    }

    /// Holds the answer to the `nth` request of `step` from now on (and no other).
    pub fn arm(&self, step: Step, nth: usize) {
        let mut state = lock(&self.state);
        let seen = state.counts[index(step)];
        state.armed = Some((step, seen + nth.max(1)));
    }

    pub fn disarm(&self) {
        lock(&self.state).armed = None;
    }

    /// Whether an answer is being held back (the daemon has had no answer to it).
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    pub fn fired_step(&self) -> Option<Step> {
        lock(&self.state).fired
    }

    /// Requests of `step` since the last `reset`.
    pub fn count(&self, step: Step) -> usize {
        lock(&self.state).counts[index(step)]
    }

    /// Counts one request; true when its answer is the one to hold.
    fn pass(&self, step: Step) -> bool {
        let mut state = lock(&self.state);
        state.counts[index(step)] += 1;
        let hold = state.armed == Some((step, state.counts[index(step)]));
        if hold {
            state.armed = None;
        }
        hold
    }

    fn fire(&self, step: Step) {
        lock(&self.state).fired = Some(step);
        self.fired.store(true, Ordering::SeqCst);
    }
}

fn index(step: Step) -> usize {
    STEPS.iter().position(|s| *s == step).unwrap_or(0)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Says what a request is from its method, path and body; `None`: not counted.
pub type Classify = fn(&str, &str, &[u8]) -> Option<Step>;

#[derive(Clone)]
struct HttpState {
    upstream: String,
    client: reqwest::Client,
    classify: Classify,
    wire: Arc<Tripwire>,
}

/// An HTTP relay to `upstream` (e.g. `http://127.0.0.1:1234`).
pub struct HttpRelay {
    pub addr: SocketAddr,
}

impl HttpRelay {
    /// Call inside a tokio runtime.
    pub async fn start(upstream: String, classify: Classify, wire: Arc<Tripwire>) -> HttpRelay {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("relay client");
        let state = HttpState {
            upstream,
            client,
            classify,
            wire,
        };
        let app = axum::Router::new().fallback(relay).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HttpRelay { addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Hop-by-hop and framing headers, which each side sets for itself.
fn passes(name: &HeaderName) -> bool {
    !matches!(
        name.as_str(),
        "host" | "content-length" | "transfer-encoding" | "connection" | "accept-encoding"
    )
}

async fn relay(State(state): State<HttpState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return status(StatusCode::BAD_REQUEST);
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let hold = (state.classify)(parts.method.as_str(), parts.uri.path(), &body)
        .map(|step| (step, state.wire.pass(step)));
    let mut forward = state
        .client
        .request(parts.method.clone(), format!("{}{path}", state.upstream))
        .body(body.to_vec());
    for (name, value) in &parts.headers {
        if passes(name) {
            forward = forward.header(name, value);
        }
    }
    let Ok(answer) = forward.send().await else {
        return status(StatusCode::BAD_GATEWAY);
    };
    let code = answer.status();
    let headers = answer.headers().clone();
    let Ok(bytes) = answer.bytes().await else {
        return status(StatusCode::BAD_GATEWAY);
    };
    if let Some((step, true)) = hold {
        // The fake has answered, so it has the request; the daemon never hears back.
        state.wire.fire(step);
        tokio::time::sleep(HOLD).await;
        return status(StatusCode::GATEWAY_TIMEOUT);
    }
    let mut response = Response::builder().status(code);
    for (name, value) in &headers {
        if passes(name) {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from(bytes))
        .unwrap_or_else(|_| status(StatusCode::BAD_GATEWAY))
}

fn status(code: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = code;
    response
}

/// An SMTP relay to `target`: every mail (each end-of-data mark the client sends) counts as
/// a [`Step::Digest`]; a held one reaches the server, whose "250" never reaches the client.
pub struct SmtpRelay {
    pub addr: SocketAddr,
}

impl SmtpRelay {
    /// Call inside a tokio runtime.
    pub async fn start(target: SocketAddr, wire: Arc<Tripwire>) -> SmtpRelay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let wire = wire.clone();
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    smtp_connection(client, server, wire).await;
                });
            }
        });
        SmtpRelay { addr }
    }
}

async fn smtp_connection(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    wire: Arc<Tripwire>,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let hold = Arc::new(AtomicBool::new(false));
    let upstream = {
        let (wire, hold) = (wire.clone(), hold.clone());
        async move {
            let mut buf = vec![0u8; 16 * 1024];
            // The last bytes of the previous chunk: a mark may straddle two reads.
            let mut tail: Vec<u8> = Vec::new();
            loop {
                let n = match client_read.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                tail.extend_from_slice(&buf[..n]);
                let marks = tail.windows(5).filter(|w| *w == b"\r\n.\r\n").count();
                if tail.len() > 4 {
                    tail.drain(..tail.len() - 4);
                }
                for _ in 0..marks {
                    if wire.pass(Step::Digest) {
                        // Set before the mark reaches the server, so before its answer.
                        hold.store(true, Ordering::SeqCst);
                    }
                }
                if server_write.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    };
    let downstream = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if hold.load(Ordering::SeqCst) && buf[..n].starts_with(b"250") {
                // The server took the mail; the client is left waiting for its answer.
                wire.fire(Step::Digest);
                tokio::time::sleep(HOLD).await;
                return;
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Either side closing ends the connection (a killed daemon closes its side).
    tokio::select! {
        () = upstream => {}
        () = downstream => {}
    }
}
