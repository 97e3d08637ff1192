//! The outbox record: a digest (or any message) that must reach one subscriber exactly
//! once. Pure data; the store keeps pending entries, delivery works them off.
//!
//! Life of an entry: written as pending together with the subscriber's new digest mark and
//! the "sent" marks of its papers (one transaction), delivered, then removed. A crash after
//! the platform accepted the message but before the removal re-sends it once on restart:
//! that is the only duplicate window, one message wide.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::paper::PaperId;
use crate::reply::Reply;
use crate::subscriber::SubscriberId;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: u64,
    pub subscriber: SubscriberId,
    pub created_at: DateTime<Utc>,
    /// The scheduled slot this digest is for; `None` for `/digest` on demand.
    pub slot: Option<DateTime<Utc>>,
    pub subject: String,
    pub message: Reply,
    pub paper_ids: Vec<PaperId>,
    pub attempts: u32,
    /// Of `attempts`, those the platform answered "retry after": they do not count towards
    /// `delivery.max_attempts`.
    #[serde(default)]
    pub rate_limited: u32,
    pub next_attempt_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}
