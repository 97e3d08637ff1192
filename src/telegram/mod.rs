//! The Telegram front end: the only module that names teloxide.
//!
//! Thin by design. Updates come in by long polling (`getUpdates`) and become
//! [`Service::run_command`] calls; replies and digests go out as HTML messages rendered by
//! [`render`]; Telegram's errors become the shared [`DeliveryOutcome`]. Every send, reply or
//! digest, goes through one [`ConversationLimits`], the one place Telegram's limits are kept
//! (1 message a second per chat, 20 a minute per group, 30 a second overall), on tokio's
//! clock; a 429 that still comes is honoured by its `retry_after`. (teloxide's `Throttle`
//! keeps time with `std::time::Instant`, which a paused test clock cannot drive.)
//!
//! In private chats the chat is the subscriber. In groups, supergroups and channels anyone
//! may run read-only commands, and only the chat's administrators may change its follows
//! or settings ([`Command::changes_state`]).

pub mod render;

use std::sync::Arc;
use std::time::Duration;

use teloxide::RequestError;
use teloxide::payloads::{
    AnswerCallbackQuerySetters, GetUpdatesSetters, SendMessageSetters, SetWebhookSetters,
};
use teloxide::prelude::Requester;
use teloxide::types::{
    AllowedUpdate, BotCommand, CallbackQuery, Chat, ChatId, InlineKeyboardButton,
    InlineKeyboardMarkup, LinkPreviewOptions, Message, ParseMode, UpdateKind, UserId,
};
use teloxide::{ApiError, Bot};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::command::{self, COMMANDS};
use crate::config::TelegramConfig;
use crate::delivery::{
    ConversationLimits, Deliver, DeliverFuture, DeliveryOutcome, OutgoingMessage, Quota,
};
use crate::reply::Reply;
use crate::service::Service;
use crate::store::{TelegramOffset, Vote};
use crate::subscriber::{Address, Transport};
use render::{ButtonAction, TelegramMessage};

/// The id Telegram gives every anonymous group administrator's messages (`@GroupAnonymousBot`).
/// On its own it proves nothing: the message's `sender_chat` must be the group itself.
pub const ANONYMOUS_ADMIN_ID: u64 = 1_087_968_824;
/// Waits between failed long polls grow to this.
const MAX_POLL_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    #[error("telegram.api_url {url:?} is not a URL: {reason}")]
    ApiUrl { url: String, reason: String },
}

/// The bot: one client for reading updates and one, throttled, for sending.
#[derive(Clone)]
pub struct Telegram {
    bot: Bot,
    sender: Sender,
    service: Arc<Service>,
    clock: Clock,
    poll_timeout_secs: u32,
    webhook: Option<Webhook>,
}

/// Webhook mode: where Telegram posts, where paperboy listens, and the shared secret.
#[derive(Clone)]
struct Webhook {
    url: reqwest::Url,
    listen: String,
    secret: Arc<String>,
}

/// Updates received by the webhook and not yet handled; beyond this Telegram is told to
/// come back later (it retries), so nothing is lost.
const WEBHOOK_QUEUE: usize = 1024;
/// The header Telegram echoes the webhook secret in.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

impl Telegram {
    /// The bot, or `None` (logged once) when no token is configured. Must run inside a tokio
    /// runtime: the throttle's worker is spawned here.
    pub fn from_config(
        config: &TelegramConfig,
        service: Arc<Service>,
        clock: Clock,
    ) -> Result<Option<Telegram>, TelegramError> {
        let Some(token) = &config.token else {
            tracing::info!(
                "telegram: no token configured (telegram.token); the Telegram front end is off"
            );
            return Ok(None);
        };
        let url = reqwest::Url::parse(&config.api_url).map_err(|err| TelegramError::ApiUrl {
            url: config.api_url.clone(),
            reason: err.to_string(),
        })?;
        let webhook = match (&config.webhook_url, &config.webhook_secret) {
            (Some(url), Some(secret)) => Some(Webhook {
                url: reqwest::Url::parse(url).map_err(|err| TelegramError::ApiUrl {
                    url: url.clone(),
                    reason: err.to_string(),
                })?,
                listen: config.webhook_listen.clone(),
                secret: Arc::new(secret.expose().to_owned()),
            }),
            _ => None,
        };
        let bot = Bot::new(token.expose()).set_api_url(url);
        let sender = Sender {
            bot: bot.clone(),
            limits: Arc::new(telegram_limits()),
        };
        Ok(Some(Telegram {
            bot,
            sender,
            service,
            clock,
            poll_timeout_secs: config.poll_timeout_secs,
            webhook,
        }))
    }

    /// The transport the deliverer sends digests through.
    pub fn transport(&self) -> Arc<dyn Deliver> {
        Arc::new(TelegramTransport {
            sender: self.sender.clone(),
        })
    }

    /// Registers the command menu, then answers updates until `shutdown`: by long polling,
    /// or on the configured webhook.
    pub async fn run(&self, shutdown: CancellationToken) {
        let commands: Vec<BotCommand> = COMMANDS
            .iter()
            .map(|info| BotCommand::new(info.name, info.summary))
            .collect();
        if let Err(err) = self.bot.set_my_commands(commands).await {
            tracing::warn!(error = %redact(&err.to_string()), "telegram: cannot register the command menu");
        }
        match &self.webhook {
            Some(webhook) => match tokio::net::TcpListener::bind(&webhook.listen).await {
                Ok(listener) => self.serve_webhook(listener, shutdown).await,
                Err(err) => tracing::error!(
                    listen = %webhook.listen, error = %err,
                    "telegram: cannot listen for the webhook; the Telegram front end is off"
                ),
            },
            None => {
                // getUpdates is refused while a webhook is set.
                if let Err(err) = self.bot.delete_webhook().await {
                    tracing::warn!(error = %redact(&err.to_string()), "telegram: deleteWebhook failed");
                }
                self.poll(shutdown).await
            }
        }
    }

    /// Webhook mode on an already bound listener: tells Telegram where to post, then
    /// answers each post at once and handles its update in order on one worker.
    pub async fn serve_webhook(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) {
        let Some(webhook) = self.webhook.clone() else {
            tracing::error!("telegram: webhook mode without telegram.webhook_url");
            return;
        };
        let registered = self
            .bot
            .set_webhook(webhook.url.clone())
            .secret_token(webhook.secret.as_str())
            .allowed_updates(vec![
                AllowedUpdate::Message,
                AllowedUpdate::ChannelPost,
                AllowedUpdate::CallbackQuery,
            ])
            .await;
        if let Err(err) = registered {
            tracing::error!(error = %redact(&err.to_string()), "telegram: setWebhook failed; Telegram will not post updates");
        }
        let (queue, mut updates) = tokio::sync::mpsc::channel::<UpdateKind>(WEBHOOK_QUEUE);
        let path = match webhook.url.path() {
            "" => "/".to_owned(),
            path => path.to_owned(),
        };
        let app = axum::Router::new()
            .route(&path, axum::routing::post(receive_update))
            .with_state(WebhookState {
                secret: webhook.secret.clone(),
                queue,
            });
        tracing::info!(path, "telegram: receiving updates on the webhook");
        let server = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned());
        let worker = async {
            while let Some(update) = updates.recv().await {
                self.handle(update).await;
            }
        };
        // The server stops on shutdown and drops the queue; the worker then finishes what
        // was already accepted.
        let (served, ()) = tokio::join!(server, worker);
        if let Err(err) = served {
            tracing::error!(error = %err, "telegram: the webhook server failed");
        }
    }

    async fn poll(&self, shutdown: CancellationToken) {
        let mut offset: i32 = self.resumed_offset();
        let mut backoff = Duration::from_secs(1);
        tracing::info!("telegram: long polling for updates");
        loop {
            let request = self
                .bot
                .get_updates()
                .offset(offset)
                .timeout(self.poll_timeout_secs)
                .allowed_updates(vec![
                    AllowedUpdate::Message,
                    AllowedUpdate::ChannelPost,
                    AllowedUpdate::CallbackQuery,
                ]);
            let updates = tokio::select! {
                updates = request => updates,
                () = shutdown.cancelled() => return,
            };
            let wait = match updates {
                Ok(updates) => {
                    backoff = Duration::from_secs(1);
                    for update in updates {
                        offset = update.id.as_offset();
                        self.record_offset(offset);
                        self.handle(update.kind).await;
                    }
                    continue;
                }
                Err(RequestError::RetryAfter(seconds)) => seconds.duration(),
                Err(err) => {
                    tracing::warn!(error = %err, "telegram: getUpdates failed; retrying");
                    let wait = backoff;
                    backoff = (backoff * 2).min(MAX_POLL_BACKOFF);
                    wait
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => return,
            }
        }
    }

    /// Where polling starts: past the updates an earlier run of this bot took up. Telegram
    /// hands an update out again until a later getUpdates confirms it, and keeps it at most
    /// a day; after a week without updates it may restart its ids lower, so an older record
    /// is dropped.
    fn resumed_offset(&self) -> i32 {
        match self.service.store().telegram_offset() {
            Ok(Some(recorded))
                if recorded.bot == self.bot_id()
                    && self.clock.now() - recorded.at < chrono::Duration::hours(24) =>
            {
                recorded.offset
            }
            Ok(_) => 0,
            Err(err) => {
                tracing::error!(error = %err, "telegram: cannot read the recorded update offset");
                0
            }
        }
    }

    /// Records that an update is taken up, before it is handled. Not flushed here: a command
    /// that changes something flushes before its reply, which makes this durable too, so a
    /// crash after the change cannot have the update handed out and run again (`/unfollow 2`
    /// twice removes a second follow). A crash before that loses the command unanswered, as
    /// on Discord; a read-only command may be answered twice.
    fn record_offset(&self, offset: i32) {
        let recorded = TelegramOffset {
            bot: self.bot_id(),
            offset,
            at: self.clock.now(),
        };
        if let Err(err) = self.service.store().put_telegram_offset(&recorded) {
            tracing::warn!(error = %err, "telegram: cannot record the update offset");
        }
    }

    /// The bot's id: the token up to its colon (public; the rest is the secret).
    fn bot_id(&self) -> String {
        let token = self.bot.token();
        token.split(':').next().unwrap_or_default().to_owned()
    }

    /// Answers one update. Failures are logged; one bad update never stops the loop.
    pub async fn handle(&self, update: UpdateKind) {
        match update {
            UpdateKind::Message(message) | UpdateKind::ChannelPost(message) => {
                self.on_message(&message).await
            }
            UpdateKind::CallbackQuery(query) => self.on_callback(&query).await,
            _ => {}
        }
    }

    async fn on_message(&self, message: &Message) {
        let Some(text) = message.text() else {
            return;
        };
        if !text.starts_with('/') && !message.chat.is_private() {
            // Group chatter is not for the bot.
            return;
        }
        let chat = &message.chat;
        if !chat.is_private() {
            let limits = self.service.command_limits();
            if let Ok(command) = command::parse(text, &limits)
                && command.changes_state()
                && !self.sent_by_admin(message).await
            {
                self.reply(
                    chat.id,
                    &Reply::text(
                        "Only this chat's administrators can change its follows and settings.",
                    ),
                )
                .await;
                return;
            }
        }
        let address = Address::Telegram { chat_id: chat.id.0 };
        let now = self.clock.now();
        let reply = match self.service.run_command(&address, text, now).await {
            Ok(reply) => reply,
            Err(err) => {
                tracing::error!(error = %err, "telegram: command failed");
                Reply::text(
                    "Something went wrong on paperboy's side; nothing was changed. Try again in a minute.",
                )
            }
        };
        self.reply(chat.id, &reply).await;
        // A /digest queued a message: the scheduler sends it on its next pass; wake it.
        self.service.wake_handle().notify_one();
    }

    /// Whether the message comes from one of the chat's administrators.
    async fn sent_by_admin(&self, message: &Message) -> bool {
        let chat = &message.chat;
        // Channel posts and anonymous admins post as the chat itself.
        if let Some(sender_chat) = &message.sender_chat {
            return sender_chat.id == chat.id;
        }
        let Some(user) = &message.from else {
            return false;
        };
        if user.id == UserId(ANONYMOUS_ADMIN_ID) {
            return false;
        }
        self.is_admin(chat, user.id).await
    }

    async fn is_admin(&self, chat: &Chat, user: UserId) -> bool {
        match self.bot.get_chat_member(chat.id, user).await {
            Ok(member) => member.is_privileged(),
            Err(err) => {
                tracing::warn!(error = %err, "telegram: getChatMember failed; treating as not an admin");
                false
            }
        }
    }

    async fn on_callback(&self, query: &CallbackQuery) {
        let action = query.data.as_deref().and_then(ButtonAction::decode);
        let Some(chat) = query.message.as_ref().map(|m| m.chat().clone()) else {
            self.toast(query, "This button no longer works.").await;
            return;
        };
        let Some(action) = action else {
            self.toast(query, "This button no longer works.").await;
            return;
        };
        let address = Address::Telegram { chat_id: chat.id.0 };
        let now = self.clock.now();
        match action {
            ButtonAction::Related(id) => {
                self.toast(query, "Looking for related papers…").await;
                let reply = match self
                    .service
                    .run_command(&address, &format!("/related {id}"), now)
                    .await
                {
                    Ok(reply) => reply,
                    Err(err) => {
                        tracing::error!(error = %err, "telegram: related failed");
                        Reply::text(
                            "Related papers are unavailable right now; try again in a minute.",
                        )
                    }
                };
                self.reply(chat.id, &reply).await;
            }
            ButtonAction::Up(id) => {
                let text = self.service.vote_from_button(&address, &id, Vote::Up, now);
                self.toast(query, text).await;
            }
            ButtonAction::Down(id) => {
                let text = self
                    .service
                    .vote_from_button(&address, &id, Vote::Down, now);
                self.toast(query, text).await;
            }
        }
    }

    async fn toast(&self, query: &CallbackQuery, text: &str) {
        if let Err(err) = self
            .bot
            .answer_callback_query(query.id.clone())
            .text(text)
            .await
        {
            tracing::warn!(error = %err, "telegram: answerCallbackQuery failed");
        }
    }

    /// Sends a reply to a command, waiting out one 429. Another failure is logged: the
    /// person can ask again.
    async fn reply(&self, chat: ChatId, reply: &Reply) {
        for message in render::render(reply, false) {
            let mut result = send(&self.sender, chat, &message, false).await;
            if let Err(RequestError::RetryAfter(wait)) = &result {
                tokio::time::sleep(wait.duration()).await;
                result = send(&self.sender, chat, &message, false).await;
            }
            if let Err(err) = result {
                tracing::warn!(error = %redact(&err.to_string()), chat = chat.0, "telegram: cannot send a reply");
                return;
            }
        }
    }
}

/// Telegram's documented limits.
#[derive(Clone)]
struct WebhookState {
    secret: Arc<String>,
    queue: tokio::sync::mpsc::Sender<UpdateKind>,
}

/// One post from Telegram. A wrong secret is refused; an update paperboy cannot read is
/// logged and acknowledged (Telegram would otherwise resend it forever); a full queue asks
/// Telegram to retry.
async fn receive_update(
    axum::extract::State(state): axum::extract::State<WebhookState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    let given = headers
        .get(SECRET_HEADER)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    if !constant_time_eq(given, state.secret.as_bytes()) {
        tracing::warn!("telegram: a webhook post without the right secret was refused");
        return StatusCode::UNAUTHORIZED;
    }
    let update: teloxide::types::Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(err) => {
            tracing::warn!(error = %err, bytes = body.len(), "telegram: unreadable update dropped");
            return StatusCode::OK;
        }
    };
    match state.queue.try_send(update.kind) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn telegram_limits() -> ConversationLimits {
    let per_second = |n: u32| {
        Quota::per_second(std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN))
    };
    let per_minute = |n: u32| {
        Quota::per_minute(std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN))
    };
    ConversationLimits::new(per_second(30), per_second(1), per_minute(20))
}

/// Sends messages within Telegram's limits.
#[derive(Clone)]
struct Sender {
    bot: Bot,
    limits: Arc<ConversationLimits>,
}

async fn send(
    sender: &Sender,
    chat: ChatId,
    message: &TelegramMessage,
    quiet_previews: bool,
) -> Result<(), RequestError> {
    // Group, supergroup and channel ids are negative.
    sender.limits.until_ready(chat.0, chat.0 < 0).await;
    let mut request = sender
        .bot
        .send_message(chat, message.html.clone())
        .parse_mode(ParseMode::Html);
    if quiet_previews {
        request = request.link_preview_options(LinkPreviewOptions {
            is_disabled: true,
            url: None,
            prefer_small_media: false,
            prefer_large_media: false,
            show_above_text: false,
        });
    }
    if !message.buttons.is_empty() {
        let rows = message.buttons.iter().map(|row| {
            row.iter()
                .map(|button| {
                    InlineKeyboardButton::callback(button.label.clone(), button.data.clone())
                })
                .collect::<Vec<_>>()
        });
        request = request.reply_markup(InlineKeyboardMarkup::new(rows));
    }
    request.await.map(|_| ())
}

/// Digests to Telegram chats.
struct TelegramTransport {
    sender: Sender,
}

impl Deliver for TelegramTransport {
    fn transport(&self) -> Transport {
        Transport::Telegram
    }

    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        Box::pin(async move {
            let Address::Telegram { chat_id } = to else {
                return DeliveryOutcome::Failed {
                    reason: format!("{to} is not a Telegram chat"),
                };
            };
            // A digest split over several messages is resent whole after a failure part way:
            // a duplicate part is better than a lost one.
            for part in render::render(message.message, true) {
                if let Err(err) = send(&self.sender, ChatId(*chat_id), &part, true).await {
                    return outcome(err);
                }
            }
            DeliveryOutcome::Sent
        })
    }
}

/// Telegram's answer as a delivery outcome.
pub fn outcome(err: RequestError) -> DeliveryOutcome {
    match err {
        RequestError::RetryAfter(seconds) => DeliveryOutcome::RetryAfter(seconds.duration()),
        RequestError::MigrateToChatId(chat) => DeliveryOutcome::Moved {
            to: Address::Telegram { chat_id: chat.0 },
        },
        RequestError::Api(api) => match api {
            ApiError::BotBlocked
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::UserDeactivated
            | ApiError::ChatNotFound
            | ApiError::GroupDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots => DeliveryOutcome::Gone {
                reason: api.to_string(),
            },
            other => DeliveryOutcome::Failed {
                reason: format!("Telegram refused the message: {other}"),
            },
        },
        // The message may or may not have arrived; sending again risks a duplicate, which
        // beats losing it.
        RequestError::Network(err) => DeliveryOutcome::Failed {
            reason: format!(
                "network error talking to Telegram: {}",
                redact(&err.to_string())
            ),
        },
        RequestError::InvalidJson { .. } => DeliveryOutcome::Failed {
            reason: "Telegram's answer was not valid JSON".to_owned(),
        },
        RequestError::Io(err) => DeliveryOutcome::Failed {
            reason: format!("I/O error: {err}"),
        },
    }
}

/// reqwest's errors name the URL, and a Bot API URL holds the token: cut it out.
fn redact(text: &str) -> String {
    match text.find("/bot") {
        Some(at) => {
            let rest = &text[at + 4..];
            let end = rest.find('/').map_or(rest.len(), |i| i);
            format!("{}/bot<redacted>{}", &text[..at], &rest[end..])
        }
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_error_urls_are_redacted() {
        assert_eq!(
            redact("error sending request for url (http://127.0.0.1:5/bot123:ABC/SendMessage)"),
            "error sending request for url (http://127.0.0.1:5/bot<redacted>/SendMessage)"
        );
        assert_eq!(redact("no url here"), "no url here");
    }

    #[test]
    fn telegram_errors_map_to_delivery_outcomes() {
        assert_eq!(
            outcome(RequestError::Api(ApiError::BotBlocked)),
            DeliveryOutcome::Gone {
                reason: ApiError::BotBlocked.to_string()
            }
        );
        assert_eq!(
            outcome(RequestError::MigrateToChatId(ChatId(-100_123))),
            DeliveryOutcome::Moved {
                to: Address::Telegram { chat_id: -100_123 }
            }
        );
        assert!(matches!(
            outcome(RequestError::Api(ApiError::MessageIsTooLong)),
            DeliveryOutcome::Failed { .. }
        ));
    }
}
