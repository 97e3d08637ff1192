//! The REST requests behind digests: opening a DM channel and posting a message, each
//! through paperboy's limiter, with Discord's answer read in full (status, error code,
//! `retry_after`) and mapped onto the shared [`DeliveryOutcome`].
//!
//! Requests are built by serenity (routes, the proxy rewrite, the token header) and sent
//! through serenity's per-route rate limiter when it is on. paperboy reads the response
//! itself because serenity's error drops the 429 body, and with it `retry_after`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ChannelId, CreateAllowedMentions, CreateMessage, Http, LightMethod, Nonce, Request, Route,
};

use super::builders::{button_rows, embeds};
use super::render::{self, DiscordMessage};
use crate::delivery::{
    ConversationLimits, Deliver, DeliverFuture, DeliveryOutcome, OutgoingMessage,
};
use crate::subscriber::{Address, Transport};

/// Discord's JSON error codes that mean the recipient is gone for good.
const UNKNOWN_CHANNEL: i64 = 10003;
const UNKNOWN_USER: i64 = 10013;
const CANNOT_MESSAGE_USER: i64 = 50007;
/// A 429 without a readable `retry_after` waits this long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// Discord (or the proxy) answered with an error status.
    #[error("Discord answered {status}{}: {message}", code.map(|c| format!(" (code {c})")).unwrap_or_default())]
    Refused {
        status: u16,
        code: Option<i64>,
        message: String,
        retry_after: Option<Duration>,
    },
    /// No answer: the request may or may not have taken effect.
    #[error("no answer from Discord: {0}")]
    Network(String),
    /// paperboy could not build the request, or read a success.
    #[error("{0}")]
    Invalid(String),
}

/// The parts of a Discord error body paperboy reads.
#[derive(Debug, Default, serde::Deserialize)]
struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
    retry_after: Option<f64>,
}

/// paperboy's REST side: serenity's client, the same reqwest client, and the limiter.
#[derive(Clone)]
pub struct Rest {
    pub http: Arc<Http>,
    client: reqwest::Client,
    limits: Arc<ConversationLimits>,
    /// DM channel ids by user id: opened once, then reused.
    dm_channels: Arc<Mutex<HashMap<u64, u64>>>,
}

impl Rest {
    pub fn new(http: Arc<Http>, client: reqwest::Client, limits: Arc<ConversationLimits>) -> Rest {
        Rest {
            http,
            client,
            limits,
            dm_channels: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Waits until one more request about `key` (a channel or user id, 0 for the bot
    /// itself) keeps Discord's limits.
    pub async fn until_ready_for(&self, key: u64) {
        self.limits.until_ready(key as i64, false).await;
    }

    /// The DM channel with a user, opened on first use.
    pub async fn dm_channel(&self, user_id: u64) -> Result<u64, RestError> {
        if let Some(channel) = lock(&self.dm_channels).get(&user_id) {
            return Ok(*channel);
        }
        self.until_ready_for(user_id).await;
        let body = serde_json::json!({ "recipient_id": user_id.to_string() });
        let request = Request::new(Route::UserMeDmChannels, LightMethod::Post)
            .body(Some(body.to_string().into_bytes()));
        let answer = self.perform(request).await?;
        #[derive(serde::Deserialize)]
        struct Channel {
            id: String,
        }
        let channel = serde_json::from_slice::<Channel>(&answer)
            .ok()
            .and_then(|channel| channel.id.parse::<u64>().ok())
            .filter(|id| *id != 0)
            .ok_or_else(|| RestError::Invalid("Discord's DM channel had no id".into()))?;
        lock(&self.dm_channels).insert(user_id, channel);
        Ok(channel)
    }

    /// Posts one message to a channel; with a nonce, Discord posts it at most once.
    pub async fn post_message(
        &self,
        channel: u64,
        message: &DiscordMessage,
        nonce: Option<String>,
    ) -> Result<(), RestError> {
        let channel_id = std::num::NonZeroU64::new(channel)
            .map(|id| ChannelId::new(id.get()))
            .ok_or_else(|| RestError::Invalid("channel id 0".into()))?;
        let mut builder = CreateMessage::new()
            .embeds(embeds(message))
            .components(button_rows(message))
            .allowed_mentions(CreateAllowedMentions::new());
        if !message.content.is_empty() {
            builder = builder.content(message.content.clone());
        }
        if let Some(nonce) = nonce {
            builder = builder.nonce(Nonce::String(nonce)).enforce_nonce(true);
        }
        let body =
            serde_json::to_vec(&builder).map_err(|err| RestError::Invalid(err.to_string()))?;
        self.until_ready_for(channel).await;
        let request =
            Request::new(Route::ChannelMessages { channel_id }, LightMethod::Post).body(Some(body));
        self.perform(request).await.map(|_| ())
    }

    /// Sends a request (through serenity's per-route buckets when they are on) and reads the
    /// whole answer.
    async fn perform(&self, request: Request<'_>) -> Result<Vec<u8>, RestError> {
        let response = match &self.http.ratelimiter {
            Some(ratelimiter) => ratelimiter
                .perform(request)
                .await
                .map_err(|err| RestError::Network(err.to_string()))?,
            None => request
                .build(&self.client, self.http.token(), self.http.proxy.as_deref())
                .map_err(|err| RestError::Invalid(err.to_string()))?
                .send()
                .await
                .map_err(|err| RestError::Network(err.to_string()))?,
        };
        let status = response.status();
        let retry_after_header = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<f64>().ok());
        let body = response
            .bytes()
            .await
            .map_err(|err| RestError::Network(err.to_string()))?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let error: ErrorBody = serde_json::from_slice(&body).unwrap_or_default();
        let retry_after = error
            .retry_after
            .or(retry_after_header)
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            .map(Duration::from_secs_f64);
        Err(RestError::Refused {
            status: status.as_u16(),
            code: error.code,
            message: error
                .message
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
            retry_after,
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The nonce of one part of an outbox message: the same on every resend, and at most 25
/// characters as Discord requires.
pub fn nonce(outbox_id: u64, part: usize) -> String {
    format!("{outbox_id:x}.{part}")
}

/// Discord's answer as a delivery outcome.
pub fn outcome(error: RestError) -> DeliveryOutcome {
    match error {
        RestError::Refused {
            status: 429,
            retry_after,
            ..
        } => DeliveryOutcome::RetryAfter(retry_after.unwrap_or(DEFAULT_RETRY_AFTER)),
        RestError::Refused {
            code: Some(code @ (UNKNOWN_CHANNEL | UNKNOWN_USER | CANNOT_MESSAGE_USER)),
            message,
            ..
        } => DeliveryOutcome::Gone {
            reason: format!("{message} (Discord code {code})"),
        },
        // A 5xx, a refused payload, a network error whose outcome is unknown: sent again
        // later, with the same nonce, so Discord posts it at most once.
        other => DeliveryOutcome::Failed {
            reason: other.to_string(),
        },
    }
}

/// Digests to Discord users (by DM) and channels.
pub struct DiscordTransport {
    rest: Rest,
}

impl DiscordTransport {
    pub fn new(rest: Rest) -> DiscordTransport {
        DiscordTransport { rest }
    }
}

impl Deliver for DiscordTransport {
    fn transport(&self) -> Transport {
        Transport::Discord
    }

    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        Box::pin(async move {
            let channel = match to {
                Address::DiscordChannel { channel_id } => *channel_id,
                Address::DiscordUser { user_id } => match self.rest.dm_channel(*user_id).await {
                    Ok(channel) => channel,
                    Err(err) => return outcome(err),
                },
                other => {
                    return DeliveryOutcome::Failed {
                        reason: format!("{other} is not a Discord user or channel"),
                    };
                }
            };
            // A digest split over several messages is resent whole after a failure part way;
            // the parts Discord already has are recognised by their nonce and not posted again.
            for (part, piece) in render::render(message.message, true).iter().enumerate() {
                let nonce = nonce(message.id, part);
                if let Err(err) = self.rest.post_message(channel, piece, Some(nonce)).await {
                    return outcome(err);
                }
            }
            DeliveryOutcome::Sent
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, code: Option<i64>, retry_after: Option<f64>) -> RestError {
        RestError::Refused {
            status,
            code,
            message: "m".into(),
            retry_after: retry_after.map(Duration::from_secs_f64),
        }
    }

    #[test]
    fn discord_errors_map_to_delivery_outcomes() {
        let check = |error: RestError, expected: DeliveryOutcome| {
            assert_eq!(outcome(error), expected);
        };
        check(
            refused(429, None, Some(1.5)),
            DeliveryOutcome::RetryAfter(Duration::from_millis(1500)),
        );
        check(
            refused(429, Some(0), None),
            DeliveryOutcome::RetryAfter(DEFAULT_RETRY_AFTER),
        );
        check(
            refused(403, Some(50007), None),
            DeliveryOutcome::Gone {
                reason: "m (Discord code 50007)".into(),
            },
        );
        check(
            refused(404, Some(10003), None),
            DeliveryOutcome::Gone {
                reason: "m (Discord code 10003)".into(),
            },
        );
        for error in [
            refused(502, None, None),
            refused(403, Some(50013), None),
            refused(400, Some(50035), None),
            RestError::Network("reset".into()),
        ] {
            assert!(matches!(outcome(error), DeliveryOutcome::Failed { .. }));
        }
    }

    #[test]
    fn nonces_are_stable_and_short() {
        assert_eq!(nonce(7, 0), "7.0");
        assert_eq!(nonce(7, 1), nonce(7, 1));
        assert_ne!(nonce(7, 1), nonce(7, 2));
        assert!(nonce(u64::MAX, 999).len() <= 25);
    }
}
