//! Email and web state: pending sign-ups, the generated signing key, rejection counts.

use super::{Store, StoreError, TREE_PENDING_SUBSCRIPTIONS, TREE_REJECTIONS, decode, encode};
use crate::subscriber::SubscriberId;
use crate::subscription::PendingSubscription;

const KEY_WEB_SIGNING_KEY: &str = "web_signing_key";

impl Store {
    /// Keeps a sign-up until its confirmation link is used; replaces an earlier one for the
    /// same address.
    pub fn put_pending_subscription(
        &self,
        pending: &PendingSubscription,
    ) -> Result<(), StoreError> {
        let bytes = encode(TREE_PENDING_SUBSCRIPTIONS, &pending.email, pending)?;
        self.pending_subscriptions
            .insert(pending.email.as_bytes(), bytes)?;
        Ok(())
    }

    pub fn pending_subscription(
        &self,
        email: &str,
    ) -> Result<Option<PendingSubscription>, StoreError> {
        self.pending_subscriptions
            .get(email.as_bytes())?
            .map(|bytes| decode(TREE_PENDING_SUBSCRIPTIONS, email.as_bytes(), &bytes))
            .transpose()
    }

    /// Removes and returns the sign-up for `email` if its nonce is `nonce`, atomically, so a
    /// confirmation link works once even when clicked twice at the same moment.
    pub fn take_pending_subscription(
        &self,
        email: &str,
        nonce: &str,
    ) -> Result<Option<PendingSubscription>, StoreError> {
        let Some(current) = self.pending_subscriptions.get(email.as_bytes())? else {
            return Ok(None);
        };
        let pending: PendingSubscription =
            decode(TREE_PENDING_SUBSCRIPTIONS, email.as_bytes(), &current)?;
        if pending.nonce != nonce {
            return Ok(None);
        }
        let swapped = self.pending_subscriptions.compare_and_swap(
            email.as_bytes(),
            Some(current),
            None as Option<&[u8]>,
        )?;
        Ok(swapped.is_ok().then_some(pending))
    }

    /// The key that signs web links: the stored one, or `generate()`d and stored on first use.
    pub fn web_signing_key(
        &self,
        generate: impl FnOnce() -> Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        if let Some(key) = self.secrets.get(KEY_WEB_SIGNING_KEY)? {
            return Ok(key.to_vec());
        }
        let fresh = generate();
        match self.secrets.compare_and_swap(
            KEY_WEB_SIGNING_KEY,
            None as Option<&[u8]>,
            Some(fresh.as_slice()),
        )? {
            Ok(()) => {
                self.flush()?;
                Ok(fresh)
            }
            // Another caller stored one first: use theirs.
            Err(conflict) => Ok(conflict.current.map(|k| k.to_vec()).unwrap_or(fresh)),
        }
    }

    /// Counts one more message rejected for good; returns the count in a row.
    pub fn record_rejection(&self, id: SubscriberId) -> Result<u32, StoreError> {
        let updated = self
            .rejections
            .update_and_fetch(id.0.to_be_bytes(), |old| {
                let count = old
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map_or(0, u32::from_be_bytes);
                Some(count.saturating_add(1).to_be_bytes().to_vec())
            })?;
        let count = updated
            .as_deref()
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
            .ok_or_else(|| StoreError::Corrupt {
                tree: TREE_REJECTIONS,
                key: id.to_string(),
                reason: "expected a 4-byte count".into(),
            })?;
        Ok(count)
    }

    /// A delivered message ends a run of rejections.
    pub fn clear_rejections(&self, id: SubscriberId) -> Result<(), StoreError> {
        self.rejections.remove(id.0.to_be_bytes())?;
        Ok(())
    }

    pub fn rejections(&self, id: SubscriberId) -> Result<u32, StoreError> {
        Ok(self
            .rejections
            .get(id.0.to_be_bytes())?
            .and_then(|b| <[u8; 4]>::try_from(b.as_ref()).ok())
            .map_or(0, u32::from_be_bytes))
    }
}
