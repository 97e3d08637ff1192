//! A fake Discord on 127.0.0.1 for driving the real serenity client: the REST API (v10) and
//! the gateway.
//!
//! REST: every request is recorded (method, path, JSON body, tokio time). Messages are
//! checked against Discord's limits and refused with 400 / code 50035 past any of them, as
//! Discord does; a message with a `nonce` and `enforce_nonce` that the channel already has
//! is answered with the existing message and not posted again. Scripted failures per route
//! are served first: 429 (route or global, with `retry_after`), 403/404 with a Discord error
//! code, 5xx, and "accepted, then the connection dropped" (the message is stored, the
//! answer never arrives). The last one needs a connection to cut, so REST is served through
//! a small TCP relay in front of axum.
//!
//! In chaos mode ([`FakeDiscord::enable_chaos`]) opening a DM and posting a message also
//! fail at random, as Discord does: 429 with `retry_after` (for the route, or global during
//! a storm), 502 from the load balancer, an answer held past the client's timeout, and
//! "accepted, then the connection dropped"; posting to the DM channel of a user in the
//! config's `blocked` (user ids) is refused with 403 / code 50007.
//!
//! Gateway: a plain `ws://` server. It sends HELLO, answers IDENTIFY with READY and RESUME
//! with RESUMED, asks for and acknowledges heartbeats, pushes the dispatches a test queues, and drops a
//! connection on request without a closing handshake. Every frame the bot sends is recorded
//! per connection.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::chaos::{Chaos, ChaosConfig, Fault};

pub const TOKEN: &str = "MTAwMDAw.fake.discord-token-sentinel";
pub const APPLICATION_ID: u64 = 1000;
pub const BOT_ID: u64 = 1001;
pub const SESSION_ID: &str = "fake-session-1";
/// The header the REST handler sets to make the relay cut the connection.
const DROP_HEADER: &str = "x-fake-drop-connection";
/// DM channel ids are the user's id plus this.
pub const DM_CHANNEL_OFFSET: u64 = 7_000_000;

/// One REST request the bot made.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    /// Without the `/api/v10` prefix, e.g. `/channels/5/messages`.
    pub path: String,
    pub body: Value,
    pub at: Instant,
    pub authorized: bool,
}

/// A message that exists at the fake: posted to a channel, or sent as an interaction answer.
#[derive(Clone, Debug)]
pub struct Posted {
    pub id: u64,
    /// The channel, or 0 for interaction answers.
    pub channel: u64,
    pub body: Value,
}

/// A scripted failure for the next request to a route.
#[derive(Clone, Debug)]
pub enum Failure {
    /// 429; `global` adds `X-RateLimit-Global` and `"global": true`.
    RateLimited { retry_after: f64, global: bool },
    /// An error status with a Discord JSON error code.
    Refused {
        status: u16,
        code: i64,
        message: &'static str,
    },
    /// A 5xx with an HTML page, as a load balancer sends it.
    ServerError(u16),
    /// The request takes effect; its answer is lost with the connection.
    DropAfterAccept,
}

impl Failure {
    pub fn cannot_message_user() -> Failure {
        Failure::Refused {
            status: 403,
            code: 50007,
            message: "Cannot send messages to this user",
        }
    }

    pub fn unknown_channel() -> Failure {
        Failure::Refused {
            status: 404,
            code: 10003,
            message: "Unknown Channel",
        }
    }

    pub fn missing_permissions() -> Failure {
        Failure::Refused {
            status: 403,
            code: 50013,
            message: "Missing Permissions",
        }
    }
}

/// What the test asks of the current gateway connection.
enum GatewayCommand {
    Dispatch(&'static str, Value),
    /// Any other frame, e.g. op 1: a request for a heartbeat.
    Raw(Value),
    Drop,
}

#[derive(Default)]
struct FakeState {
    calls: Mutex<Vec<Call>>,
    posted: Mutex<Vec<Posted>>,
    /// (channel, nonce) -> message id
    nonces: Mutex<HashMap<(u64, String), u64>>,
    /// Route key (`messages`, `dm`, `callback`, `followup`) -> failures, in order.
    failures: Mutex<HashMap<&'static str, VecDeque<Failure>>>,
    /// Refusals for being over a limit, with the reason.
    refused_for_limits: Mutex<Vec<String>>,
    next_id: Mutex<u64>,
    ws_url: Mutex<String>,
    /// Frames the bot sent, per gateway connection, in order.
    connections: Mutex<Vec<Vec<Value>>>,
    gateway: Mutex<Option<mpsc::UnboundedSender<GatewayCommand>>>,
    seq: Mutex<u64>,
    chaos: OnceLock<Chaos>,
}

pub struct FakeDiscord {
    state: Arc<FakeState>,
    rest_addr: SocketAddr,
    _tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let state = Arc::new(FakeState::default());
        *lock(&state.next_id) = 5000;
        let app = axum::Router::new()
            .fallback(handle_rest)
            .with_state(state.clone());
        let backend = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let backend_addr = backend.local_addr().expect("addr");
        let front = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let rest_addr = front.local_addr().expect("addr");
        let gateway = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        *lock(&state.ws_url) = format!("ws://{}", gateway.local_addr().expect("addr"));
        // Bytes leave at once (no Nagle wait on a real-time ACK): see fake_smtp.rs.
        let backend = axum::serve::ListenerExt::tap_io(backend, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let tasks = vec![
            tokio::spawn(async move {
                let _ = axum::serve(backend, app).await;
            }),
            tokio::spawn(relay(front, backend_addr)),
            tokio::spawn(serve_gateway(gateway, state.clone())),
        ];
        FakeDiscord {
            state,
            rest_addr,
            _tasks: tasks,
        }
    }

    /// What `discord.api_url` is set to: the stand-in for `https://discord.com`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.rest_addr)
    }

    pub fn fail_next(&self, route: &'static str, failure: Failure) {
        lock(&self.state.failures)
            .entry(route)
            .or_default()
            .push_back(failure);
    }

    pub fn calls(&self) -> Vec<Call> {
        lock(&self.state.calls).clone()
    }

    /// Calls whose method is `method` and whose path ends with `suffix`.
    pub fn calls_to(&self, method: &str, suffix: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method && c.path.ends_with(suffix))
            .collect()
    }

    /// Interaction callbacks (`POST /interactions/{id}/{token}/callback`) for one interaction.
    pub fn callbacks(&self, interaction_id: u64) -> Vec<Value> {
        let prefix = format!("/interactions/{interaction_id}/");
        self.calls()
            .into_iter()
            .filter(|c| c.method == "POST" && c.path.starts_with(&prefix))
            .map(|c| c.body)
            .collect()
    }

    /// Edits of the original answer and follow-ups for an interaction token.
    pub fn follow_ups(&self, token: &str) -> Vec<Call> {
        let prefix = format!("/webhooks/{APPLICATION_ID}/{token}");
        self.calls()
            .into_iter()
            .filter(|c| c.path.starts_with(&prefix))
            .collect()
    }

    /// Messages that exist in a channel, in order.
    pub fn messages_in(&self, channel: u64) -> Vec<Value> {
        lock(&self.state.posted)
            .iter()
            .filter(|p| p.channel == channel)
            .map(|p| p.body.clone())
            .collect()
    }

    /// Every message that exists at the fake, in order.
    pub fn posted(&self) -> Vec<Posted> {
        lock(&self.state.posted).clone()
    }

    /// Fails DM opening and message posts at random from now on (see the module docs).
    /// Lost answers to posts are keyed `"<channel>:<nonce>"`.
    pub fn enable_chaos(&self, config: ChaosConfig) {
        assert!(
            self.state.chaos.set(Chaos::new(config)).is_ok(),
            "chaos is enabled once"
        );
    }

    pub fn chaos(&self) -> Option<&Chaos> {
        self.state.chaos.get()
    }

    pub fn refused_for_limits(&self) -> Vec<String> {
        lock(&self.state.refused_for_limits).clone()
    }

    /// Frames the bot sent on each gateway connection.
    pub fn connections(&self) -> Vec<Vec<Value>> {
        lock(&self.state.connections).clone()
    }

    /// Whether the current gateway connection has a session (READY or RESUMED sent).
    pub fn session_ready(&self) -> bool {
        lock(&self.state.gateway).is_some()
    }

    /// Pushes an `INTERACTION_CREATE` dispatch over the current connection.
    pub fn dispatch_interaction(&self, interaction: Value) {
        self.dispatch("INTERACTION_CREATE", interaction);
    }

    pub fn dispatch(&self, event: &'static str, data: Value) {
        let sent = lock(&self.state.gateway)
            .as_ref()
            .map(|gateway| gateway.send(GatewayCommand::Dispatch(event, data)).is_ok());
        assert_eq!(sent, Some(true), "no gateway connection to dispatch on");
    }

    /// Asks for a heartbeat at once (op 1), as Discord may. serenity times its own heartbeats
    /// on the system clock, which a paused test clock does not move.
    pub fn request_heartbeat(&self) {
        let seq = *lock(&self.state.seq);
        if let Some(gateway) = lock(&self.state.gateway).as_ref() {
            let _ = gateway.send(GatewayCommand::Raw(json!({"op": 1, "d": seq})));
        }
    }

    /// Drops the current gateway connection without a closing handshake.
    pub fn drop_gateway_connection(&self) {
        if let Some(gateway) = lock(&self.state.gateway).take() {
            let _ = gateway.send(GatewayCommand::Drop);
        }
    }
}

/// Relays TCP from the bot to axum, except that an answer marked with [`DROP_HEADER`] is
/// never delivered: the connection is cut instead.
async fn relay(front: TcpListener, backend: SocketAddr) {
    loop {
        let Ok((client, _)) = front.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(backend).await else {
                return;
            };
            let _ = (client.set_nodelay(true), server.set_nodelay(true));
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            // Either direction ending (or an answer to drop) closes both.
            tokio::select! {
                _ = pipe(&mut client_read, &mut server_write, false) => {}
                _ = pipe(&mut server_read, &mut client_write, true) => {}
            }
        });
    }
}

/// Copies until the end of `from`; with `watch`, stops at a chunk holding [`DROP_HEADER`].
async fn pipe(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    watch: bool,
) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = from.read(&mut buffer).await?;
        if n == 0 {
            return Ok(());
        }
        let chunk = &buffer[..n];
        if watch
            && chunk
                .windows(DROP_HEADER.len())
                .any(|w| w.eq_ignore_ascii_case(DROP_HEADER.as_bytes()))
        {
            return Ok(());
        }
        to.write_all(chunk).await?;
    }
}

fn next_id(state: &FakeState) -> u64 {
    let mut next = lock(&state.next_id);
    *next += 1;
    *next
}

fn json_response(status: u16, body: Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap_or_else(|_| Response::new(axum::body::Body::empty()))
}

fn failure_response(failure: &Failure) -> Response {
    match failure {
        Failure::RateLimited {
            retry_after,
            global,
        } => {
            let mut response = json_response(
                429,
                json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global}),
            );
            let headers = response.headers_mut();
            headers.insert(
                "retry-after",
                retry_after.ceil().to_string().parse().unwrap(),
            );
            if *global {
                headers.insert("x-ratelimit-global", "true".parse().unwrap());
                headers.insert("x-ratelimit-scope", "global".parse().unwrap());
            } else {
                headers.insert("x-ratelimit-scope", "user".parse().unwrap());
            }
            response
        }
        Failure::Refused {
            status,
            code,
            message,
        } => json_response(*status, json!({"code": code, "message": message})),
        Failure::ServerError(status) => Response::builder()
            .status(*status)
            .header("content-type", "text/html")
            .body(axum::body::Body::from(
                "<html><body>502 Bad Gateway</body></html>",
            ))
            .unwrap_or_else(|_| Response::new(axum::body::Body::empty())),
        Failure::DropAfterAccept => json_response(500, json!({})),
    }
}

/// A message as Discord returns it (the fields serenity requires).
fn message_json(id: u64, channel: u64, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": channel.max(1).to_string(),
        "author": {"id": BOT_ID.to_string(), "username": "paperboy", "discriminator": "0",
                   "global_name": null, "avatar": null, "bot": true},
        "content": content, "timestamp": "2026-11-25T04:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "type": 0,
        "flags": 0
    })
}

/// Discord's limits on a message body, checked as Discord checks them (in characters).
pub fn over_a_limit(body: &Value) -> Option<String> {
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let content = chars(&body["content"]);
    if content > 2000 {
        return Some(format!("content has {content} characters"));
    }
    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    if embeds.len() > 10 {
        return Some(format!("{} embeds", embeds.len()));
    }
    let mut total = 0;
    for embed in &embeds {
        let title = chars(&embed["title"]);
        let description = chars(&embed["description"]);
        if title > 256 {
            return Some(format!("an embed title has {title} characters"));
        }
        if description > 4096 {
            return Some(format!("an embed description has {description} characters"));
        }
        let fields = embed["fields"].as_array().cloned().unwrap_or_default();
        if fields.len() > 25 {
            return Some(format!("an embed has {} fields", fields.len()));
        }
        total += title
            + description
            + chars(&embed["footer"]["text"])
            + chars(&embed["author"]["name"])
            + fields
                .iter()
                .map(|f| chars(&f["name"]) + chars(&f["value"]))
                .sum::<usize>();
    }
    if total > 6000 {
        return Some(format!("embeds hold {total} characters together"));
    }
    let rows = body["components"].as_array().cloned().unwrap_or_default();
    if rows.len() > 5 {
        return Some(format!("{} component rows", rows.len()));
    }
    for row in &rows {
        let buttons = row["components"].as_array().cloned().unwrap_or_default();
        if buttons.len() > 5 {
            return Some(format!("a row of {} buttons", buttons.len()));
        }
        for button in &buttons {
            if chars(&button["custom_id"]) > 100 || chars(&button["label"]) > 80 {
                return Some("a button's custom_id or label is too long".into());
            }
        }
    }
    if content == 0 && embeds.is_empty() {
        return Some("an empty message".into());
    }
    None
}

async fn handle_rest(
    axum::extract::State(state): axum::extract::State<Arc<FakeState>>,
    method: Method,
    uri: Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let path = uri
        .path()
        .strip_prefix("/api/v10")
        .unwrap_or(uri.path())
        .to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bot {TOKEN}"));
    lock(&state.calls).push(Call {
        method: method.to_string(),
        path: path.clone(),
        body: body.clone(),
        at: Instant::now(),
        authorized,
    });
    if !authorized {
        return json_response(401, json!({"code": 0, "message": "401: Unauthorized"}));
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let route: &'static str = match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) | ("GET", ["gateway", "bot"]) => "gateway",
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => "commands",
        ("POST", ["interactions", _, _, "callback"]) => "callback",
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) | ("POST", ["webhooks", _, _]) => {
            "followup"
        }
        ("POST", ["users", "@me", "channels"]) => "dm",
        ("POST", ["channels", _, "messages"]) => "messages",
        _ => {
            return json_response(404, json!({"code": 0, "message": "404: Not Found"}));
        }
    };
    let mut failure = lock(&state.failures)
        .get_mut(route)
        .and_then(VecDeque::pop_front);
    if failure.is_none()
        && matches!(route, "dm" | "messages")
        && let Some(chaos) = state.chaos.get()
    {
        failure = chaos_failure(chaos, route, &segments, &body).await;
    }
    if let Some(failure) = &failure
        && !matches!(failure, Failure::DropAfterAccept)
    {
        return failure_response(failure);
    }
    let mut response = match route {
        "gateway" => json_response(
            200,
            json!({"url": *lock(&state.ws_url), "shards": 1,
                   "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}),
        ),
        "commands" => json_response(200, json!([])),
        "callback" | "followup" => {
            // A message answer (type 4), an edit of the original, or a follow-up.
            let message = match route {
                "followup" => Some(&body),
                _ if body["type"] == 4 => Some(&body["data"]),
                _ => None,
            };
            if let Some(reason) = message.and_then(over_a_limit) {
                lock(&state.refused_for_limits).push(reason.clone());
                return json_response(
                    400,
                    json!({"code": 50035, "message": format!("Invalid Form Body: {reason}")}),
                );
            }
            if route == "callback" {
                Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .body(axum::body::Body::empty())
                    .unwrap_or_else(|_| Response::new(axum::body::Body::empty()))
            } else {
                let id = next_id(&state);
                lock(&state.posted).push(Posted {
                    id,
                    channel: 0,
                    body: body.clone(),
                });
                json_response(
                    200,
                    message_json(id, 0, body["content"].as_str().unwrap_or("")),
                )
            }
        }
        "dm" => {
            let user: u64 = body["recipient_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            json_response(
                200,
                json!({"id": (user + DM_CHANNEL_OFFSET).to_string(), "type": 1,
                       "recipients": [{"id": user.to_string(), "username": "someone", "discriminator": "0", "global_name": null, "avatar": null}]}),
            )
        }
        "messages" => {
            let channel: u64 = segments[1].parse().unwrap_or(0);
            if let Some(reason) = over_a_limit(&body) {
                lock(&state.refused_for_limits).push(reason.clone());
                return json_response(
                    400,
                    json!({"code": 50035, "message": format!("Invalid Form Body: {reason}")}),
                );
            }
            let nonce = match &body["nonce"] {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            let existing = nonce
                .as_ref()
                .filter(|_| body["enforce_nonce"] == true)
                .and_then(|nonce| lock(&state.nonces).get(&(channel, nonce.clone())).copied());
            let id = match existing {
                Some(id) => id,
                None => {
                    let id = next_id(&state);
                    lock(&state.posted).push(Posted {
                        id,
                        channel,
                        body: body.clone(),
                    });
                    if let Some(nonce) = nonce {
                        lock(&state.nonces).insert((channel, nonce), id);
                    }
                    id
                }
            };
            json_response(
                200,
                message_json(id, channel, body["content"].as_str().unwrap_or("")),
            )
        }
        _ => json_response(404, json!({})),
    };
    if matches!(failure, Some(Failure::DropAfterAccept)) {
        response
            .headers_mut()
            .insert(DROP_HEADER, "1".parse().unwrap());
    }
    response.into_response()
}

/// A random failure for a DM opening or a post, if chaos picks one.
async fn chaos_failure(
    chaos: &Chaos,
    route: &str,
    segments: &[&str],
    body: &Value,
) -> Option<Failure> {
    let channel: u64 = match route {
        "messages" => segments[1].parse().unwrap_or(0),
        _ => 0,
    };
    if let Some(user) = channel.checked_sub(DM_CHANNEL_OFFSET)
        && chaos.is_blocked(&user.to_string())
    {
        return Some(Failure::cannot_message_user());
    }
    match chaos.roll() {
        Fault::None => None,
        Fault::RateLimited {
            retry_after,
            global,
        } => Some(Failure::RateLimited {
            retry_after: retry_after as f64,
            global,
        }),
        Fault::ServerError => Some(Failure::ServerError(502)),
        Fault::Held => {
            chaos.hold().await;
            Some(Failure::ServerError(504))
        }
        Fault::LostAnswer => {
            if route == "messages" {
                let nonce = match &body["nonce"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                chaos.lost(format!("{channel}:{nonce}"));
            }
            Some(Failure::DropAfterAccept)
        }
    }
}

async fn serve_gateway(listener: TcpListener, state: Arc<FakeState>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let state = state.clone();
        tokio::spawn(async move { gateway_connection(stream, state).await });
    }
}

fn next_seq(state: &FakeState) -> u64 {
    let mut seq = lock(&state.seq);
    *seq += 1;
    *seq
}

async fn gateway_connection(stream: TcpStream, state: Arc<FakeState>) {
    use futures_util::{SinkExt, StreamExt};
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let connection = {
        let mut connections = lock(&state.connections);
        connections.push(Vec::new());
        connections.len() - 1
    };
    let (commands, mut queued) = mpsc::unbounded_channel();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
    if socket.send(Message::Text(hello.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            frame = socket.next() => {
                let Some(Ok(frame)) = frame else { return };
                let Message::Text(text) = frame else { continue };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                lock(&state.connections)[connection].push(payload.clone());
                let answer = match payload["op"].as_u64() {
                    Some(1) => Some(json!({"op": 11})),
                    Some(2) => {
                        *lock(&state.gateway) = Some(commands.clone());
                        let ws_url = lock(&state.ws_url).clone();
                        Some(json!({"op": 0, "t": "READY", "s": next_seq(&state), "d": {
                            "v": 10,
                            "user": {"id": BOT_ID.to_string(), "username": "paperboy", "discriminator": "0",
                                     "global_name": null, "avatar": null, "bot": true},
                            "guilds": [], "session_id": SESSION_ID, "resume_gateway_url": ws_url,
                            "shard": [0, 1], "application": {"id": APPLICATION_ID.to_string(), "flags": 0}
                        }}))
                    }
                    Some(6) => {
                        *lock(&state.gateway) = Some(commands.clone());
                        Some(json!({"op": 0, "t": "RESUMED", "s": next_seq(&state), "d": {}}))
                    }
                    _ => None,
                };
                if let Some(answer) = answer
                    && socket.send(Message::Text(answer.to_string())).await.is_err()
                {
                    return;
                }
            }
            command = queued.recv() => {
                match command {
                    Some(GatewayCommand::Dispatch(event, data)) => {
                        let frame = json!({"op": 0, "t": event, "s": next_seq(&state), "d": data});
                        if socket.send(Message::Text(frame.to_string())).await.is_err() {
                            return;
                        }
                    }
                    Some(GatewayCommand::Raw(frame)) => {
                        if socket.send(Message::Text(frame.to_string())).await.is_err() {
                            return;
                        }
                    }
                    // Dropped without a close frame, as a network failure would.
                    Some(GatewayCommand::Drop) | None => return,
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Interactions as Discord sends them.

fn user_json(id: u64) -> Value {
    json!({"id": id.to_string(), "username": format!("user{id}"), "discriminator": "0",
           "global_name": "Ada", "avatar": null})
}

/// Where an interaction happens: a DM with the bot, or a server channel by a member with
/// these permissions (a decimal bitfield, as Discord sends it).
#[derive(Clone, Copy, Debug)]
pub enum Place {
    Dm {
        user: u64,
    },
    Server {
        guild: u64,
        channel: u64,
        user: u64,
        permissions: u64,
    },
}

impl Place {
    fn fill(self, interaction: &mut Value) {
        match self {
            Place::Dm { user } => {
                interaction["user"] = user_json(user);
                interaction["channel_id"] = json!((user + DM_CHANNEL_OFFSET).to_string());
                interaction["context"] = json!(1);
            }
            Place::Server {
                guild,
                channel,
                user,
                permissions,
            } => {
                interaction["guild_id"] = json!(guild.to_string());
                interaction["channel_id"] = json!(channel.to_string());
                interaction["member"] = json!({
                    "user": user_json(user), "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00",
                    "deaf": false, "mute": false, "flags": 0, "permissions": permissions.to_string()
                });
                interaction["guild_locale"] = json!("en-US");
                interaction["context"] = json!(0);
            }
        }
    }
}

fn base_interaction(kind: u8, id: u64, token: &str, place: Place) -> Value {
    let mut interaction = json!({
        "id": id.to_string(), "application_id": APPLICATION_ID.to_string(), "type": kind,
        "token": token, "version": 1, "app_permissions": "2248473465835073", "locale": "en-US",
        "entitlements": [], "authorizing_integration_owners": {"0": "1"},
        "attachment_size_limit": 8388608
    });
    place.fill(&mut interaction);
    interaction
}

/// A slash command (type 2). `options` as Discord sends them, e.g.
/// `[{"name":"query","type":3,"value":"diffusion"}]`.
pub fn slash_command(id: u64, token: &str, place: Place, name: &str, options: Value) -> Value {
    let mut interaction = base_interaction(2, id, token, place);
    interaction["data"] = json!({"id": "800", "name": name, "type": 1, "options": options});
    interaction
}

/// `/channel <sub> [option]`.
pub fn channel_command(id: u64, token: &str, place: Place, sub: &str, options: Value) -> Value {
    slash_command(
        id,
        token,
        place,
        "channel",
        json!([{"name": sub, "type": 1, "options": options}]),
    )
}

/// One string option.
pub fn text_option(name: &str, value: &str) -> Value {
    json!([{"name": name, "type": 3, "value": value}])
}

/// An autocomplete request (type 4) for a command's focused string option.
pub fn autocomplete(
    id: u64,
    token: &str,
    place: Place,
    name: &str,
    option: &str,
    typed: &str,
) -> Value {
    let mut interaction = base_interaction(4, id, token, place);
    interaction["data"] = json!({"id": "800", "name": name, "type": 1,
        "options": [{"name": option, "type": 3, "value": typed, "focused": true}]});
    interaction
}

/// A press on a button (type 3) under a message the bot sent.
pub fn button_press(id: u64, token: &str, place: Place, custom_id: &str) -> Value {
    let mut interaction = base_interaction(3, id, token, place);
    let channel: u64 = interaction["channel_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    interaction["message"] = message_json(4242, channel, "");
    interaction["data"] = json!({"custom_id": custom_id, "component_type": 2});
    interaction
}
