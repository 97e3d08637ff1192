//! Subscribers, their follows, the papers sent to them, and the outbox.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;

use super::{
    Store, StoreError, TREE_FEEDBACK, TREE_FOLLOWS, TREE_OUTBOX, TREE_SUBSCRIBERS, decode, encode,
    micros, transaction_error,
};
use crate::outbox::OutboxEntry;
use crate::paper::PaperId;
use crate::subscriber::{Address, Follow, Subscriber, SubscriberId};

/// One subscriber with their follows, as `paperboy export` writes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberExport {
    pub subscriber: Subscriber,
    pub follows: Vec<Follow>,
}

fn id_key(id: SubscriberId) -> [u8; 8] {
    id.0.to_be_bytes()
}

fn prefixed(id: SubscriberId, rest: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + rest.len());
    key.extend_from_slice(&id.0.to_be_bytes());
    key.extend_from_slice(rest);
    key
}

/// A subscriber's verdict on a paper, for ranking later digests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Up,
    Down,
}

/// The latest vote a subscriber gave a paper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub vote: Vote,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Records a subscriber's vote on a paper; a later vote replaces an earlier one.
    pub fn record_feedback(
        &self,
        id: SubscriberId,
        paper: &PaperId,
        vote: Vote,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = prefixed(id, paper.as_str().as_bytes());
        let feedback = Feedback { vote, at: now };
        let bytes = encode(TREE_FEEDBACK, &format!("{id}/{paper}"), &feedback)?;
        self.feedback.insert(key, bytes)?;
        Ok(())
    }

    /// The subscriber's vote on a paper, if any.
    pub fn feedback(
        &self,
        id: SubscriberId,
        paper: &PaperId,
    ) -> Result<Option<Feedback>, StoreError> {
        let key = prefixed(id, paper.as_str().as_bytes());
        match self.feedback.get(&key)? {
            Some(bytes) => decode(TREE_FEEDBACK, &key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn lock_subscribers(&self) -> std::sync::MutexGuard<'_, ()> {
        self.subscriber_writes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn subscriber(&self, id: SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        let key = id_key(id);
        self.subscribers
            .get(key)?
            .map(|bytes| decode(TREE_SUBSCRIBERS, &key, &bytes))
            .transpose()
    }

    pub fn subscriber_by_address(
        &self,
        address: &Address,
    ) -> Result<Option<Subscriber>, StoreError> {
        let Some(id) = self.subscriber_ids.get(address.to_string())? else {
            return Ok(None);
        };
        let id = <[u8; 8]>::try_from(id.as_ref()).map_err(|_| StoreError::Corrupt {
            tree: super::TREE_SUBSCRIBER_IDS,
            key: address.to_string(),
            reason: "expected an 8-byte id".into(),
        })?;
        self.subscriber(SubscriberId(u64::from_be_bytes(id)))
    }

    /// The subscriber at `address`, created with `new` (given a fresh id) on first contact.
    /// Returns whether it was created.
    pub fn subscriber_for_address(
        &self,
        address: &Address,
        new: impl FnOnce(SubscriberId) -> Subscriber,
    ) -> Result<(Subscriber, bool), StoreError> {
        let _guard = self.lock_subscribers();
        if let Some(existing) = self.subscriber_by_address(address)? {
            return Ok((existing, false));
        }
        let id = SubscriberId(self.db.generate_id()?);
        let subscriber = new(id);
        self.write_subscriber(&subscriber, None)?;
        Ok((subscriber, true))
    }

    /// Every subscriber, in id order.
    pub fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.subscribers
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                decode(TREE_SUBSCRIBERS, &key, &bytes)
            })
            .collect()
    }

    /// Saves a subscriber's settings; an address change moves the address index with it.
    pub fn put_subscriber(&self, subscriber: &Subscriber) -> Result<(), StoreError> {
        let _guard = self.lock_subscribers();
        let previous = self.subscriber(subscriber.id)?;
        self.write_subscriber(subscriber, previous.as_ref())
    }

    fn write_subscriber(
        &self,
        subscriber: &Subscriber,
        previous: Option<&Subscriber>,
    ) -> Result<(), StoreError> {
        let bytes = encode(TREE_SUBSCRIBERS, &subscriber.id.to_string(), subscriber)?;
        let key = id_key(subscriber.id);
        let address = subscriber.address.to_string();
        let old_address = previous
            .map(|p| p.address.to_string())
            .filter(|old| *old != address);
        (&self.subscribers, &self.subscriber_ids)
            .transaction(|(subscribers, ids)| {
                subscribers.insert(&key, bytes.as_slice())?;
                if let Some(old) = &old_address {
                    ids.remove(old.as_bytes())?;
                }
                ids.insert(address.as_bytes(), &key)?;
                Ok(())
            })
            .map_err(transaction_error)
    }

    /// A subscriber's follows, in the order they were added.
    pub fn follows(&self, id: SubscriberId) -> Result<Vec<Follow>, StoreError> {
        self.follows
            .scan_prefix(id_key(id))
            .map(|entry| {
                let (key, bytes) = entry?;
                decode(TREE_FOLLOWS, &key, &bytes)
            })
            .collect()
    }

    /// Adds a follow unless the subscriber already has the same query (two identical
    /// commands racing each other add it once). Returns whether it was added.
    pub fn add_follow(&self, id: SubscriberId, follow: &Follow) -> Result<bool, StoreError> {
        let _guard = self.lock_subscribers();
        if self.follows(id)?.iter().any(|f| f.query == follow.query) {
            return Ok(false);
        }
        let follow_id = self.db.generate_id()?;
        let bytes = encode(TREE_FOLLOWS, &follow.query, follow)?;
        self.follows
            .insert(prefixed(id, &follow_id.to_be_bytes()), bytes)?;
        Ok(true)
    }

    /// Removes the follow at 0-based `index` in [`Store::follows`] order. Returns it.
    pub fn remove_follow(
        &self,
        id: SubscriberId,
        index: usize,
    ) -> Result<Option<Follow>, StoreError> {
        let _guard = self.lock_subscribers();
        let Some(entry) = self.follows.scan_prefix(id_key(id)).nth(index) else {
            return Ok(None);
        };
        let (key, bytes) = entry?;
        self.follows.remove(&key)?;
        decode(TREE_FOLLOWS, &key, &bytes).map(Some)
    }

    /// Every paper ever queued for this subscriber.
    pub fn sent_papers(&self, id: SubscriberId) -> Result<HashSet<PaperId>, StoreError> {
        let mut sent = HashSet::new();
        for entry in self.sent.scan_prefix(id_key(id)).keys() {
            let key = entry?;
            let text = String::from_utf8_lossy(key.get(8..).unwrap_or_default());
            if let Ok(paper) = PaperId::parse(&text) {
                sent.insert(paper);
            }
        }
        Ok(sent)
    }

    /// Writes a digest to the outbox as pending, together with the subscriber's new digest
    /// mark and the sent marks of its papers: all or nothing.
    pub fn queue_message(
        &self,
        entry: &OutboxEntry,
        subscriber: &Subscriber,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _guard = self.lock_subscribers();
        let entry_bytes = encode(TREE_OUTBOX, &entry.id.to_string(), entry)?;
        let subscriber_bytes = encode(TREE_SUBSCRIBERS, &subscriber.id.to_string(), subscriber)?;
        let sent_at = micros(now).to_be_bytes();
        (&self.outbox, &self.subscribers, &self.sent)
            .transaction(|(outbox, subscribers, sent)| {
                outbox.insert(&entry.id.to_be_bytes(), entry_bytes.as_slice())?;
                subscribers.insert(&id_key(subscriber.id), subscriber_bytes.as_slice())?;
                for paper in &entry.paper_ids {
                    sent.insert(prefixed(subscriber.id, paper.as_str().as_bytes()), &sent_at)?;
                }
                Ok(())
            })
            .map_err(transaction_error)
    }

    /// A fresh id for an outbox entry.
    pub fn next_outbox_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()?)
    }

    /// Every pending outbox entry, oldest first.
    pub fn pending_messages(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.outbox
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                decode(TREE_OUTBOX, &key, &bytes)
            })
            .collect()
    }

    /// Records a failed attempt (new `next_attempt_at`, `attempts`, `last_error`).
    pub fn update_message(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let bytes = encode(TREE_OUTBOX, &entry.id.to_string(), entry)?;
        self.outbox.insert(entry.id.to_be_bytes(), bytes)?;
        Ok(())
    }

    /// Removes a delivered (or abandoned) entry.
    pub fn complete_message(&self, id: u64) -> Result<(), StoreError> {
        self.outbox.remove(id.to_be_bytes())?;
        Ok(())
    }

    /// Every subscriber with their follows, for `paperboy export`.
    pub fn export_subscribers(&self) -> Result<Vec<SubscriberExport>, StoreError> {
        self.subscribers()?
            .into_iter()
            .map(|subscriber| {
                let follows = self.follows(subscriber.id)?;
                Ok(SubscriberExport {
                    subscriber,
                    follows,
                })
            })
            .collect()
    }

    /// Restores subscribers and follows from an export. An address already present keeps
    /// its id and settings; its follows are merged (no duplicates). Returns (created, merged).
    pub fn import_subscribers(
        &self,
        exports: &[SubscriberExport],
    ) -> Result<(usize, usize), StoreError> {
        let (mut created, mut merged) = (0, 0);
        for export in exports {
            let (subscriber, is_new) =
                self.subscriber_for_address(&export.subscriber.address, |id| Subscriber {
                    id,
                    ..export.subscriber.clone()
                })?;
            if is_new {
                created += 1;
            } else {
                merged += 1;
            }
            let existing: HashSet<String> = self
                .follows(subscriber.id)?
                .into_iter()
                .map(|f| f.query)
                .collect();
            for follow in &export.follows {
                if !existing.contains(&follow.query) {
                    self.add_follow(subscriber.id, follow)?;
                }
            }
        }
        Ok((created, merged))
    }
}
