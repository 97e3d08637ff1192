//! A fake Telegram Bot API on 127.0.0.1 for driving the real teloxide client.
//!
//! Like the real server it answers `POST /bot<TOKEN>/<method>` with `{"ok":true,"result":…}`
//! or `{"ok":false,"error_code":…,"description":…,"parameters":…}`, matches method names
//! case-insensitively (teloxide sends `SendMessage`), holds `getUpdates` as a long poll until
//! an update arrives or its `timeout` passes (tokio time, so paused in tests), and confirms
//! updates below the `offset` it is given. Scripted answers per method are served first,
//! in order; every request is recorded.
//!
//! In chaos mode ([`FakeTelegram::enable_chaos`]) `sendMessage` also fails at random, as
//! Telegram does: 429 with `parameters.retry_after`, 502 from the load balancer, an answer
//! held past the client's timeout, the message kept but its answer held past that timeout
//! (a lost answer: the client sends again, the documented duplicate), and 403 "bot was
//! blocked by the user" for the chats in the config's `blocked` (chat ids).

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::chaos::{Chaos, ChaosConfig, Fault};

pub const TOKEN: &str = "123456:TEST-token-sentinel";

/// One request the bot made.
#[derive(Clone, Debug)]
pub struct Call {
    /// Lowercase, e.g. `sendmessage`.
    pub method: String,
    pub body: Value,
}

/// A scripted failure.
#[derive(Clone, Debug)]
pub struct Failure {
    pub status: u16,
    pub body: String,
}

impl Failure {
    pub fn retry_after(seconds: u64) -> Failure {
        Failure {
            status: 429,
            body: json!({"ok": false, "error_code": 429,
                "description": format!("Too Many Requests: retry after {seconds}"),
                "parameters": {"retry_after": seconds}})
            .to_string(),
        }
    }

    pub fn blocked() -> Failure {
        Failure {
            status: 403,
            body: json!({"ok": false, "error_code": 403,
                "description": "Forbidden: bot was blocked by the user"})
            .to_string(),
        }
    }

    pub fn chat_not_found() -> Failure {
        Failure {
            status: 400,
            body: json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"})
                .to_string(),
        }
    }

    pub fn migrated(to: i64) -> Failure {
        Failure {
            status: 400,
            body: json!({"ok": false, "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": to}})
            .to_string(),
        }
    }

    pub fn server_error() -> Failure {
        Failure {
            status: 502,
            body: "<html><body>Bad Gateway</body></html>".to_owned(),
        }
    }

    pub fn malformed() -> Failure {
        Failure {
            status: 200,
            body: "{\"ok\": tru".to_owned(),
        }
    }
}

#[derive(Default)]
struct FakeState {
    updates: Mutex<VecDeque<Value>>,
    next_update_id: Mutex<u64>,
    arrived: Notify,
    calls: Mutex<Vec<Call>>,
    failures: Mutex<HashMap<String, VecDeque<Failure>>>,
    /// Failures for a `sendMessage` to one chat whose text holds a needle: (chat, needle).
    targeted: Mutex<Vec<(i64, String, Failure)>>,
    /// (chat, user) -> status (`creator`, `administrator`, `member`, `left`).
    members: Mutex<HashMap<(i64, u64), String>>,
    next_message_id: Mutex<u64>,
    /// Messages kept (chat, text), answered or not.
    delivered: Mutex<Vec<(i64, String)>>,
    chaos: OnceLock<Chaos>,
}

pub struct FakeTelegram {
    state: Arc<FakeState>,
    addr: SocketAddr,
    _server: tokio::task::JoinHandle<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let state = Arc::new(FakeState::default());
        *lock(&state.next_update_id) = 1000;
        let app = axum::Router::new()
            .route("/{bot}/{method}", axum::routing::post(handle))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        // Answers leave at once (no Nagle wait on a real-time ACK): see fake_smtp.rs.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            state,
            addr,
            _server: server,
        }
    }

    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues an update (the `update_id` is filled in) and wakes a waiting long poll.
    pub fn push_update(&self, mut update: Value) {
        let id = {
            let mut next = lock(&self.state.next_update_id);
            *next += 1;
            *next
        };
        update["update_id"] = json!(id);
        lock(&self.state.updates).push_back(update);
        self.state.arrived.notify_waiters();
    }

    pub fn fail_next(&self, method: &str, failure: Failure) {
        lock(&self.state.failures)
            .entry(method.to_ascii_lowercase())
            .or_default()
            .push_back(failure);
    }

    /// Fails the next `sendMessage` to `chat` whose text contains `needle`.
    pub fn fail_message(&self, chat: i64, needle: &str, failure: Failure) {
        lock(&self.state.targeted).push((chat, needle.to_owned(), failure));
    }

    pub fn set_member(&self, chat: i64, user: u64, status: &str) {
        lock(&self.state.members).insert((chat, user), status.to_owned());
    }

    pub fn calls(&self) -> Vec<Call> {
        lock(&self.state.calls).clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        let method = method.to_ascii_lowercase();
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// The texts sent to `chat`, in order.
    pub fn sent_to(&self, chat: i64) -> Vec<Value> {
        self.calls_to("sendMessage")
            .into_iter()
            .filter(|c| c.body["chat_id"].as_i64() == Some(chat))
            .map(|c| c.body)
            .collect()
    }

    /// Fails `sendMessage` at random from now on (see the module docs). Lost answers are
    /// keyed `"<chat>:<text>"`.
    pub fn enable_chaos(&self, config: ChaosConfig) {
        assert!(
            self.state.chaos.set(Chaos::new(config)).is_ok(),
            "chaos is enabled once"
        );
    }

    pub fn chaos(&self) -> Option<&Chaos> {
        self.state.chaos.get()
    }

    /// Every message the fake kept, (chat, text), in order; a resent one appears again.
    pub fn delivered(&self) -> Vec<(i64, String)> {
        lock(&self.state.delivered).clone()
    }

    /// Whether every queued update has been handed out.
    pub fn drained(&self) -> bool {
        lock(&self.state.updates).is_empty()
    }
}

fn ok(result: Value) -> Response {
    Json(json!({"ok": true, "result": result})).into_response()
}

async fn handle(
    State(state): State<Arc<FakeState>>,
    Path((bot, method)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let method = method.to_ascii_lowercase();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Methods that may carry files (setWebhook) come as multipart forms.
    let body: Value = match content_type.split_once("boundary=") {
        Some((_, boundary)) => multipart_fields(&body, boundary.trim_matches('"')),
        None => serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    lock(&state.calls).push(Call {
        method: method.clone(),
        body: body.clone(),
    });
    if bot != format!("bot{TOKEN}") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        )
            .into_response();
    }
    let targeted = (method == "sendmessage")
        .then(|| {
            let mut targeted = lock(&state.targeted);
            let chat = body["chat_id"].as_i64();
            let text = body["text"].as_str().unwrap_or("");
            let at = targeted
                .iter()
                .position(|(c, needle, _)| Some(*c) == chat && text.contains(needle.as_str()))?;
            Some(targeted.remove(at).2)
        })
        .flatten();
    let scripted = targeted.or_else(|| {
        lock(&state.failures)
            .get_mut(&method)
            .and_then(VecDeque::pop_front)
    });
    if let Some(failure) = scripted {
        return json_failure(failure.status, failure.body);
    }
    let mut lost_answer = false;
    if let Some(chaos) = state.chaos.get()
        && method == "sendmessage"
    {
        let chat = body["chat_id"].as_i64().unwrap_or(0);
        if chaos.is_blocked(&chat.to_string()) {
            let failure = Failure::blocked();
            return json_failure(failure.status, failure.body);
        }
        match chaos.roll() {
            Fault::None => {}
            Fault::RateLimited { retry_after, .. } => {
                let failure = Failure::retry_after(retry_after);
                return json_failure(failure.status, failure.body);
            }
            Fault::ServerError => {
                let failure = Failure::server_error();
                return json_failure(failure.status, failure.body);
            }
            Fault::Held => {
                chaos.hold().await;
                return json_failure(504, "<html><body>Gateway Timeout</body></html>".into());
            }
            Fault::LostAnswer => lost_answer = true,
        }
    }
    let answer = match method.as_str() {
        "getupdates" => get_updates(&state, &body).await,
        "sendmessage" => {
            let id = {
                let mut next = lock(&state.next_message_id);
                *next += 1;
                *next
            };
            let chat_id = body["chat_id"].as_i64().unwrap_or(0);
            let text = body["text"].as_str().unwrap_or("").to_owned();
            lock(&state.delivered).push((chat_id, text));
            ok(json!({
                "message_id": id,
                "date": 1_764_000_000,
                "chat": chat_json(chat_id),
                "from": {"id": 4242, "is_bot": true, "first_name": "paperboy", "username": "paperboy_bot"},
                "text": body["text"].as_str().unwrap_or(""),
            }))
        }
        "getchatmember" => {
            let chat = body["chat_id"].as_i64().unwrap_or(0);
            let user = body["user_id"].as_u64().unwrap_or(0);
            let status = lock(&state.members)
                .get(&(chat, user))
                .cloned()
                .unwrap_or_else(|| "member".to_owned());
            let user_json = json!({"id": user, "is_bot": false, "first_name": "Someone"});
            let member = match status.as_str() {
                "creator" => json!({"status": "creator", "user": user_json, "is_anonymous": false}),
                "administrator" => json!({
                    "status": "administrator", "user": user_json, "can_be_edited": false,
                    "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
                    "can_manage_video_chats": true, "can_restrict_members": true,
                    "can_promote_members": false, "can_change_info": true, "can_invite_users": true,
                    "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
                    "can_pin_messages": true, "can_manage_topics": false
                }),
                other => json!({"status": other, "user": user_json}),
            };
            ok(member)
        }
        "answercallbackquery" | "setmycommands" | "deletewebhook" | "setwebhook" => ok(json!(true)),
        "getme" => ok(json!({
            "id": 4242, "is_bot": true, "first_name": "paperboy", "username": "paperboy_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "has_main_web_app": false
        })),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"})),
        )
            .into_response(),
    };
    if lost_answer && let Some(chaos) = state.chaos.get() {
        let key = format!(
            "{}:{}",
            body["chat_id"].as_i64().unwrap_or(0),
            body["text"].as_str().unwrap_or("")
        );
        chaos.lost(key);
        chaos.hold().await;
    }
    answer
}

fn json_failure(status: u16, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap_or_else(|_| Response::new(axum::body::Body::empty()))
}

async fn get_updates(state: &FakeState, body: &Value) -> Response {
    let offset = body["offset"].as_i64().unwrap_or(0);
    let timeout = body["timeout"].as_u64().unwrap_or(0);
    // Updates below the offset are confirmed: forget them.
    let ready = |updates: &mut VecDeque<Value>| {
        updates.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
        updates.iter().cloned().collect::<Vec<Value>>()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let arrived = state.arrived.notified();
        let pending = ready(&mut lock(&state.updates));
        if !pending.is_empty() || tokio::time::Instant::now() >= deadline {
            return ok(Value::Array(pending));
        }
        let _ = tokio::time::timeout_at(deadline, arrived).await;
    }
}

/// The text fields of a multipart form as a JSON object (JSON-looking values parsed).
fn multipart_fields(body: &[u8], boundary: &str) -> Value {
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let value = value.trim_end_matches("\r\n");
        let parsed = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
        fields.insert(name.to_owned(), parsed);
    }
    Value::Object(fields)
}

fn chat_json(chat_id: i64) -> Value {
    if chat_id > 0 {
        json!({"id": chat_id, "type": "private", "first_name": "Ada"})
    } else {
        json!({"id": chat_id, "type": "supergroup", "title": "Reading group"})
    }
}

/// A text message from `user` in `chat` (a private chat when they are equal).
pub fn message(chat: i64, user: u64, text: &str) -> Value {
    let mut message = json!({
        "message_id": 1,
        "date": 1_764_000_000,
        "chat": chat_json(chat),
        "from": {"id": user, "is_bot": false, "first_name": "Ada"},
        "text": text,
    });
    if let Some(length) = text
        .starts_with('/')
        .then(|| text.split(' ').next().unwrap_or("").len())
    {
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    }
    json!({ "message": message })
}

/// A message an anonymous administrator posts: from `@GroupAnonymousBot`, as `sender_chat`.
pub fn anonymous_message(chat: i64, sender_chat: i64, text: &str) -> Value {
    let mut update = message(chat, 1_087_968_824, text);
    update["message"]["from"] = json!({"id": 1_087_968_824u64, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"});
    update["message"]["sender_chat"] = chat_json(sender_chat);
    update
}

/// A press on an inline button under a message in `chat`.
pub fn button_press(chat: i64, user: u64, data: &str) -> Value {
    json!({"callback_query": {
        "id": format!("cb-{data}"),
        "from": {"id": user, "is_bot": false, "first_name": "Ada"},
        "chat_instance": "instance",
        "data": data,
        "message": {
            "message_id": 7, "date": 1_764_000_000, "chat": chat_json(chat),
            "from": {"id": 4242, "is_bot": true, "first_name": "paperboy"},
            "text": "digest"
        }
    }})
}
