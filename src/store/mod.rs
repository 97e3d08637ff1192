//! The sled store: the only module that names sled.
//!
//! One sled database under `<data_dir>/db`, guarded by an exclusive lock on
//! `<data_dir>/paperboy.lock` so a second process on the same directory refuses to start.
//! Values are JSON (readable with any sled tool, and new optional fields need no migration);
//! numeric keys are big-endian so sled's byte order is time order. The schema version lives
//! in `meta_by_key` and [`MIGRATIONS`] is applied in order on open.
//!
//! Trees and key layouts:
//! - `meta_by_key`: utf-8 key -> value (`schema_version` -> u32 BE; `telegram_offset` ->
//!   `TelegramOffset` JSON).
//! - `paper_by_id`: normalized arXiv id (utf-8) -> `Paper` JSON.
//! - `paper_id_by_stored_at`: stored_at micros (u64 BE) ++ id (utf-8) -> empty.
//! - `source_state_by_name`: source name (utf-8) -> source state JSON (owned by ingest).
//! - `subscriber_by_id`: subscriber id (u64 BE) -> `Subscriber` JSON.
//! - `subscriber_id_by_address`: address text (`telegram:42`) -> subscriber id (u64 BE).
//! - `follow_by_subscriber`: subscriber id (u64 BE) ++ follow id (u64 BE) -> `Follow` JSON;
//!   follow ids grow, so a subscriber's follows list in the order they were added.
//! - `sent_at_by_subscriber_paper`: subscriber id (u64 BE) ++ paper id -> queued-at micros (u64 BE).
//! - `outbox_by_id`: outbox id (u64 BE) -> `OutboxEntry` JSON; only pending entries.
//! - `feedback_by_subscriber_paper`: subscriber id (u64 BE) ++ paper id -> `Feedback` JSON
//!   (the latest 👍 or 👎 a subscriber gave a paper).
//! - `pending_subscription_by_email`: email address (utf-8) -> `PendingSubscription` JSON
//!   (a web sign-up waiting for its confirmation link).
//! - `secret_by_name`: utf-8 name -> secret bytes (`web_signing_key`, generated once).
//! - `rejection_count_by_subscriber`: subscriber id (u64 BE) -> u32 BE, the messages the
//!   platform rejected for good in a row (hard bounces); reset by a delivered message.

use std::collections::HashMap;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::Transactional;

use crate::paper::{Discovery, MergeOutcome, Paper, PaperId, PaperObservation, merge};

mod email;
mod subscribers;

pub use subscribers::{Feedback, SubscriberExport, Vote};

/// Where Telegram long polling resumes: the bot `bot` took up the updates below `offset` by
/// `at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelegramOffset {
    /// The bot's id (the part of its token before the colon): update ids are per bot.
    pub bot: String,
    pub offset: i32,
    pub at: DateTime<Utc>,
}

const TREE_META: &str = "meta_by_key";
const META_ADMIN_ALERTED: &str = "admin_alerted";
const META_HEALTH_PROBE: &str = "health_probe";
const META_TELEGRAM_OFFSET: &str = "telegram_offset";
const TREE_PAPERS: &str = "paper_by_id";
const TREE_STORED_INDEX: &str = "paper_id_by_stored_at";
const TREE_SOURCE_STATE: &str = "source_state_by_name";
const TREE_SUBSCRIBERS: &str = "subscriber_by_id";
const TREE_SUBSCRIBER_IDS: &str = "subscriber_id_by_address";
const TREE_FOLLOWS: &str = "follow_by_subscriber";
const TREE_SENT: &str = "sent_at_by_subscriber_paper";
const TREE_OUTBOX: &str = "outbox_by_id";
const TREE_FEEDBACK: &str = "feedback_by_subscriber_paper";
const TREE_PENDING_SUBSCRIPTIONS: &str = "pending_subscription_by_email";
const TREE_SECRETS: &str = "secret_by_name";
const TREE_REJECTIONS: &str = "rejection_count_by_subscriber";
const KEY_SCHEMA_VERSION: &[u8] = b"schema_version";

/// One step of the schema, applied once, in order, when a store older than it is opened.
pub struct Migration {
    pub version: u32,
    pub description: &'static str,
    apply: fn(&sled::Db) -> sled::Result<()>,
}

/// Every schema change ever made, oldest first. Append; never edit a released entry.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "papers by id, stored-time index, source state",
        apply: |db| {
            for name in [TREE_PAPERS, TREE_STORED_INDEX, TREE_SOURCE_STATE] {
                db.open_tree(name)?;
            }
            Ok(())
        },
    },
    Migration {
        version: 2,
        description: "subscribers, follows, sent papers, outbox",
        apply: |db| {
            for name in [
                TREE_SUBSCRIBERS,
                TREE_SUBSCRIBER_IDS,
                TREE_FOLLOWS,
                TREE_SENT,
                TREE_OUTBOX,
            ] {
                db.open_tree(name)?;
            }
            Ok(())
        },
    },
    Migration {
        version: 3,
        description: "feedback on papers",
        apply: |db| {
            db.open_tree(TREE_FEEDBACK)?;
            Ok(())
        },
    },
    Migration {
        version: 4,
        description: "email: pending web sign-ups, secrets, rejection counts",
        apply: |db| {
            for name in [TREE_PENDING_SUBSCRIPTIONS, TREE_SECRETS, TREE_REJECTIONS] {
                db.open_tree(name)?;
            }
            Ok(())
        },
    },
];

/// Opens sled. We hold `paperboy.lock`, so no other paperboy process uses the directory; if
/// sled's own file lock is still taken, it is a store this process just closed whose sled
/// threads are still shutting down (a restart in the same process): wait for them, briefly.
fn open_sled(db_path: &Path) -> sled::Result<sled::Db> {
    const ATTEMPTS: u32 = 100;
    let mut attempt = 0;
    loop {
        let opened = sled::Config::new()
            .path(db_path)
            .cache_capacity(128 * 1024 * 1024)
            .open();
        match opened {
            Err(sled::Error::Io(error))
                if attempt < ATTEMPTS && error.to_string().contains("could not acquire lock") =>
            {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// The schema version this build writes.
pub fn current_schema_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store at {path} is in use by another paperboy process (lock file {lock}); stop it first"
    )]
    Locked { path: PathBuf, lock: PathBuf },
    #[error("cannot create or lock the data directory {path}: {error}")]
    DataDir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "cannot open the store at {path}: {error} (nothing was changed; move it aside or restore a backup)"
    )]
    Open { path: PathBuf, error: sled::Error },
    #[error(
        "the store at {path} holds data but no schema version: it is damaged or not a paperboy store (nothing was changed; move it aside or restore a backup)"
    )]
    Unrecognized { path: PathBuf },
    #[error(
        "the store at {path} has schema version {found}, newer than this paperboy understands ({supported}); upgrade paperboy"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("store I/O error: {0}")]
    Sled(sled::Error),
    #[error("corrupt record in {tree} at key {key:?}: {reason}")]
    Corrupt {
        tree: &'static str,
        key: String,
        reason: String,
    },
}

// Not `#[from]`: that would also make sled's error the source, and it would print twice.
impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> StoreError {
        StoreError::Sled(error)
    }
}

/// Counts of what one batch of observations did to the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeCounts {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl MergeCounts {
    pub fn add(&mut self, other: MergeCounts) {
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }

    pub fn total(&self) -> usize {
        self.new + self.updated + self.unchanged
    }
}

/// Figures for `paperboy status`.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreStats {
    pub papers: usize,
    pub newest_stored_at: Option<DateTime<Utc>>,
    pub size_on_disk_bytes: u64,
    pub schema_version: u32,
}

pub struct Store {
    db: sled::Db,
    papers: sled::Tree,
    stored_index: sled::Tree,
    source_states: sled::Tree,
    meta: sled::Tree,
    subscribers: sled::Tree,
    subscriber_ids: sled::Tree,
    follows: sled::Tree,
    sent: sled::Tree,
    outbox: sled::Tree,
    feedback: sled::Tree,
    pending_subscriptions: sled::Tree,
    secrets: sled::Tree,
    rejections: sled::Tree,
    /// Serializes read-modify-write of subscribers and their follows.
    subscriber_writes: Mutex<()>,
    data_dir: PathBuf,
    /// Serializes read-merge-write of papers so two ingests in one process cannot lose an update.
    paper_writes: Mutex<()>,
    /// Held for the store's lifetime; the OS releases it if the process dies.
    _lock: File,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`, takes the process lock and brings
    /// the schema up to date. Never replaces an existing store it cannot read.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let dir_error = |error| StoreError::DataDir {
            path: data_dir.to_owned(),
            error,
        };
        std::fs::create_dir_all(data_dir).map_err(dir_error)?;
        let lock_path = data_dir.join("paperboy.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(dir_error)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: data_dir.to_owned(),
                    lock: lock_path,
                });
            }
            Err(TryLockError::Error(error)) => return Err(dir_error(error)),
        }

        let db_path = data_dir.join("db");
        let had_data =
            std::fs::read_dir(&db_path).is_ok_and(|mut entries| entries.next().is_some());
        let db = open_sled(&db_path).map_err(|error| StoreError::Open {
            path: db_path.clone(),
            error,
        })?;
        let meta = db.open_tree(TREE_META)?;
        // Files that sled opens but that hold no schema version are not a store paperboy
        // wrote (or one whose log was overwritten): refuse rather than build a new one over them.
        if had_data && read_schema_version(&meta)?.is_none() {
            return Err(StoreError::Unrecognized { path: db_path });
        }
        migrate(&db, &meta, &db_path)?;
        Ok(Store {
            papers: db.open_tree(TREE_PAPERS)?,
            stored_index: db.open_tree(TREE_STORED_INDEX)?,
            source_states: db.open_tree(TREE_SOURCE_STATE)?,
            subscribers: db.open_tree(TREE_SUBSCRIBERS)?,
            subscriber_ids: db.open_tree(TREE_SUBSCRIBER_IDS)?,
            follows: db.open_tree(TREE_FOLLOWS)?,
            sent: db.open_tree(TREE_SENT)?,
            outbox: db.open_tree(TREE_OUTBOX)?,
            feedback: db.open_tree(TREE_FEEDBACK)?,
            pending_subscriptions: db.open_tree(TREE_PENDING_SUBSCRIPTIONS)?,
            secrets: db.open_tree(TREE_SECRETS)?,
            rejections: db.open_tree(TREE_REJECTIONS)?,
            subscriber_writes: Mutex::new(()),
            meta,
            db,
            data_dir: data_dir.to_owned(),
            paper_writes: Mutex::new(()),
            _lock: lock,
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn paper(&self, id: &PaperId) -> Result<Option<Paper>, StoreError> {
        self.papers
            .get(id.as_str())?
            .map(|bytes| decode(TREE_PAPERS, id.as_str().as_bytes(), &bytes))
            .transpose()
    }

    /// Merges a batch of observations into the store in one atomic step: either every
    /// record and index entry of the batch is written, or none is.
    pub fn merge_observations(
        &self,
        observations: &[PaperObservation],
        context: Discovery,
        now: DateTime<Utc>,
    ) -> Result<MergeCounts, StoreError> {
        let _guard = self
            .paper_writes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // The latest merged record of each id touched by this batch, and whether it is new.
        let mut pending: HashMap<&PaperId, (Paper, bool)> = HashMap::new();
        let mut counts = MergeCounts::default();
        for obs in observations {
            let existing = match pending.get(&obs.id) {
                Some((paper, _)) => Some(paper.clone()),
                None => self.paper(&obs.id)?,
            };
            match merge(existing.as_ref(), obs, context, now) {
                MergeOutcome::New(paper) => {
                    counts.new += 1;
                    pending.insert(&obs.id, (paper, true));
                }
                MergeOutcome::Updated(paper) => {
                    let was_new = pending.get(&obs.id).is_some_and(|(_, new)| *new);
                    if !was_new {
                        counts.updated += 1;
                    }
                    pending.insert(&obs.id, (paper, was_new));
                }
                MergeOutcome::Unchanged => {
                    if !pending.contains_key(&obs.id) {
                        counts.unchanged += 1;
                    }
                }
            }
        }
        if pending.is_empty() {
            return Ok(counts);
        }

        let mut paper_batch = sled::Batch::default();
        let mut index_batch = sled::Batch::default();
        for (id, (paper, is_new)) in &pending {
            let bytes = serde_json::to_vec(paper).map_err(|err| StoreError::Corrupt {
                tree: TREE_PAPERS,
                key: id.to_string(),
                reason: format!("cannot encode: {err}"),
            })?;
            paper_batch.insert(id.as_str().as_bytes(), bytes);
            if *is_new {
                index_batch.insert(stored_index_key(paper.stored_at, id), &[][..]);
            }
        }
        (&self.papers, &self.stored_index)
            .transaction(|(papers, index)| {
                papers.apply_batch(&paper_batch)?;
                index.apply_batch(&index_batch)?;
                Ok(())
            })
            .map_err(|err: sled::transaction::TransactionError<()>| match err {
                sled::transaction::TransactionError::Storage(e) => StoreError::Sled(e),
                sled::transaction::TransactionError::Abort(()) => {
                    StoreError::Sled(sled::Error::ReportableBug("transaction aborted".into()))
                }
            })?;
        Ok(counts)
    }

    /// Papers first stored at or after `since`, oldest first.
    pub fn papers_stored_since(
        &self,
        since: DateTime<Utc>,
    ) -> impl Iterator<Item = Result<Paper, StoreError>> + '_ {
        let start = micros(since).to_be_bytes();
        self.stored_index.range(start..).filter_map(move |entry| {
            let (key, _) = match entry {
                Ok(kv) => kv,
                Err(err) => return Some(Err(err.into())),
            };
            let id = String::from_utf8_lossy(key.get(8..).unwrap_or_default()).into_owned();
            match self.papers.get(id.as_bytes()) {
                Ok(Some(bytes)) => Some(decode(TREE_PAPERS, id.as_bytes(), &bytes)),
                // An index entry without its paper cannot be written by merge_observations
                // (one transaction); skip rather than fail if a future bug leaves one.
                Ok(None) => None,
                Err(err) => Some(Err(err.into())),
            }
        })
    }

    /// Every paper, in id order.
    pub fn papers(&self) -> impl Iterator<Item = Result<Paper, StoreError>> + '_ {
        self.papers.iter().map(|entry| {
            let (key, bytes) = entry?;
            decode(TREE_PAPERS, &key, &bytes)
        })
    }

    /// The state a source left after its last poll, if any.
    pub fn source_state<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        self.source_states
            .get(name)?
            .map(|bytes| decode(TREE_SOURCE_STATE, name.as_bytes(), &bytes))
            .transpose()
    }

    pub fn put_source_state<T: Serialize>(&self, name: &str, state: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(state).map_err(|err| StoreError::Corrupt {
            tree: TREE_SOURCE_STATE,
            key: name.to_owned(),
            reason: format!("cannot encode: {err}"),
        })?;
        self.source_states.insert(name, bytes)?;
        Ok(())
    }

    /// The sources the admin contact was last told are failing or stale (key `admin_alerted`
    /// in `meta_by_key`), kept so a restart neither repeats nor forgets an alert.
    pub fn admin_alerted_sources(&self) -> Result<Option<Vec<String>>, StoreError> {
        self.meta
            .get(META_ADMIN_ALERTED)?
            .map(|bytes| decode(TREE_META, META_ADMIN_ALERTED.as_bytes(), &bytes))
            .transpose()
    }

    pub fn put_admin_alerted_sources(&self, sources: &[String]) -> Result<(), StoreError> {
        let bytes = encode(TREE_META, META_ADMIN_ALERTED, &sources)?;
        self.meta.insert(META_ADMIN_ALERTED, bytes)?;
        Ok(())
    }

    /// The getUpdates offset past the last Telegram update the bot took up, and when.
    pub fn telegram_offset(&self) -> Result<Option<TelegramOffset>, StoreError> {
        self.meta
            .get(META_TELEGRAM_OFFSET)?
            .map(|bytes| decode(TREE_META, META_TELEGRAM_OFFSET.as_bytes(), &bytes))
            .transpose()
    }

    /// Records it; not flushed (see `telegram::Telegram`'s polling for why that is enough).
    pub fn put_telegram_offset(&self, offset: &TelegramOffset) -> Result<(), StoreError> {
        let bytes = encode(TREE_META, META_TELEGRAM_OFFSET, offset)?;
        self.meta.insert(META_TELEGRAM_OFFSET, bytes)?;
        Ok(())
    }

    /// Writes a probe key and flushes it: proof for `/healthz` that the store takes writes.
    pub async fn check_writable(&self, now_micros: i64) -> Result<(), StoreError> {
        self.meta
            .insert(META_HEALTH_PROBE, &now_micros.to_be_bytes())?;
        self.flush_async().await
    }

    /// Names of every source that has stored state.
    pub fn source_names(&self) -> Result<Vec<String>, StoreError> {
        self.source_states
            .iter()
            .keys()
            .map(|key| Ok(String::from_utf8_lossy(&key?).into_owned()))
            .collect()
    }

    /// Makes everything written so far durable. Called after every change a user was told
    /// succeeded, and on shutdown.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// [`Store::flush`] on the blocking pool, so the fsync never stalls async tasks. (A
    /// blocking task also keeps tokio's paused test clock from jumping ahead meanwhile,
    /// which sled's own `flush_async` would not.)
    pub async fn flush_async(&self) -> Result<(), StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|err| {
                StoreError::Sled(sled::Error::ReportableBug(format!(
                    "flush task failed: {err}"
                )))
            })??;
        Ok(())
    }

    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let newest_stored_at = match self.stored_index.last()? {
            Some((key, _)) => key
                .get(..8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(|b| from_micros(u64::from_be_bytes(b))),
            None => None,
        };
        Ok(StoreStats {
            papers: self.papers.len(),
            newest_stored_at,
            size_on_disk_bytes: self.db.size_on_disk()?,
            schema_version: read_schema_version(&self.meta)?.unwrap_or(0),
        })
    }
}

fn migrate(db: &sled::Db, meta: &sled::Tree, path: &Path) -> Result<(), StoreError> {
    let found = read_schema_version(meta)?.unwrap_or(0);
    let supported = current_schema_version();
    if found > supported {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        tracing::info!(
            version = migration.version,
            description = migration.description,
            "migrating store"
        );
        (migration.apply)(db)?;
        meta.insert(KEY_SCHEMA_VERSION, &migration.version.to_be_bytes())?;
        db.flush()?;
    }
    Ok(())
}

fn read_schema_version(meta: &sled::Tree) -> Result<Option<u32>, StoreError> {
    match meta.get(KEY_SCHEMA_VERSION)? {
        None => Ok(None),
        Some(bytes) => <[u8; 4]>::try_from(bytes.as_ref())
            .map(|b| Some(u32::from_be_bytes(b)))
            .map_err(|_| StoreError::Corrupt {
                tree: TREE_META,
                key: "schema_version".into(),
                reason: format!("expected 4 bytes, found {}", bytes.len()),
            }),
    }
}

fn encode<T: Serialize>(tree: &'static str, key: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|err| StoreError::Corrupt {
        tree,
        key: key.to_owned(),
        reason: format!("cannot encode: {err}"),
    })
}

/// sled transactions report storage errors wrapped; unwrap them into ours.
fn transaction_error(err: sled::transaction::TransactionError<StoreError>) -> StoreError {
    match err {
        sled::transaction::TransactionError::Storage(e) => StoreError::Sled(e),
        sled::transaction::TransactionError::Abort(e) => e,
    }
}

fn decode<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|err| StoreError::Corrupt {
        tree,
        key: String::from_utf8_lossy(key).into_owned(),
        reason: err.to_string(),
    })
}

fn stored_index_key(stored_at: DateTime<Utc>, id: &PaperId) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + id.as_str().len());
    key.extend_from_slice(&micros(stored_at).to_be_bytes());
    key.extend_from_slice(id.as_str().as_bytes());
    key
}

/// Microseconds since the epoch; times before 1970 clamp to 0 (paperboy never stores them).
fn micros(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp_micros()).unwrap_or(0)
}

fn from_micros(micros: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(i64::try_from(micros).unwrap_or(i64::MAX)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_from_a_newer_paperboy_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .meta
                .insert(KEY_SCHEMA_VERSION, &999u32.to_be_bytes())
                .unwrap();
            store.flush().unwrap();
        }
        match Store::open(dir.path()) {
            Err(StoreError::SchemaTooNew {
                found, supported, ..
            }) => assert_eq!((found, supported), (999, current_schema_version())),
            Err(other) => panic!("expected SchemaTooNew, got {other}"),
            Ok(_) => panic!("a newer schema must be refused"),
        }
    }

    #[test]
    fn migrations_are_ordered_and_unique() {
        let versions: Vec<u32> = MIGRATIONS.iter().map(|m| m.version).collect();
        let expected: Vec<u32> = (1..=versions.len() as u32).collect();
        assert_eq!(versions, expected);
    }

    #[test]
    fn stored_index_keys_sort_by_time() {
        let id = PaperId::parse("2601.00001").unwrap();
        let early = DateTime::from_timestamp(1_000, 0).unwrap();
        let late = DateTime::from_timestamp(1_000_000_000, 0).unwrap();
        assert!(stored_index_key(early, &id) < stored_index_key(late, &id));
        assert_eq!(from_micros(micros(late)), late);
    }
}
