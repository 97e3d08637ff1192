//! What `paperboy status` shows: the store's figures and each source's health.
//!
//! The daemon holds the store's lock, so it also writes this snapshot to
//! `<data_dir>/status.json` after every poll; `paperboy status` reads the store directly when
//! it can and the snapshot when the daemon is running. Rendering is pure.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::health::verdict;
use crate::ingest::SourceState;
use crate::sources::configured_sources;
use crate::store::{Store, StoreError};

pub const SNAPSHOT_FILE: &str = "status.json";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusSnapshot {
    pub generated_at: DateTime<Utc>,
    pub data_dir: PathBuf,
    pub papers: usize,
    pub newest_stored_at: Option<DateTime<Utc>>,
    pub size_on_disk_bytes: u64,
    pub schema_version: u32,
    pub sources: Vec<SourceStatus>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub name: String,
    pub configured: bool,
    pub verdict: String,
    pub is_problem: bool,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_nonempty_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
}

/// Reads the figures from an open store.
pub fn snapshot(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<StatusSnapshot, StoreError> {
    let stats = store.stats()?;
    let configured = configured_sources(config);
    let mut sources = Vec::new();
    for source in &configured {
        let state: SourceState = store.source_state(source.name())?.unwrap_or_default();
        let v = verdict(&state.health, source.health_policy(config), now);
        sources.push(SourceStatus {
            name: source.name().to_owned(),
            configured: true,
            is_problem: v.is_problem(),
            verdict: v.to_string(),
            last_success_at: state.health.last_success_at,
            last_nonempty_at: state.health.last_nonempty_at,
            consecutive_failures: state.health.consecutive_failures,
            last_error: state.health.last_error,
        });
    }
    for name in store.source_names()? {
        if configured.iter().all(|s| s.name() != name) {
            let state: SourceState = store.source_state(&name)?.unwrap_or_default();
            sources.push(SourceStatus {
                name,
                configured: false,
                verdict: "not configured any more".into(),
                is_problem: false,
                last_success_at: state.health.last_success_at,
                last_nonempty_at: state.health.last_nonempty_at,
                consecutive_failures: state.health.consecutive_failures,
                last_error: state.health.last_error,
            });
        }
    }
    Ok(StatusSnapshot {
        generated_at: now,
        data_dir: store.data_dir().to_owned(),
        papers: stats.papers,
        newest_stored_at: stats.newest_stored_at,
        size_on_disk_bytes: stats.size_on_disk_bytes,
        schema_version: stats.schema_version,
        sources,
    })
}

/// Writes the snapshot next to the store, atomically (write, then rename).
pub fn write_snapshot(data_dir: &Path, snapshot: &StatusSnapshot) -> std::io::Result<()> {
    let path = data_dir.join(SNAPSHOT_FILE);
    let tmp = data_dir.join(format!("{SNAPSHOT_FILE}.tmp"));
    let bytes = serde_json::to_vec_pretty(snapshot).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

pub fn read_snapshot(data_dir: &Path) -> std::io::Result<StatusSnapshot> {
    let bytes = std::fs::read(data_dir.join(SNAPSHOT_FILE))?;
    serde_json::from_slice(&bytes).map_err(std::io::Error::other)
}

/// The human-readable report.
pub fn render(snapshot: &StatusSnapshot) -> String {
    let when = |t: Option<DateTime<Utc>>| {
        t.map_or_else(
            || "never".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
    };
    let mut out = format!(
        "store: {} (schema v{}, {} papers, {:.1} MB on disk, newest stored {})\n",
        snapshot.data_dir.display(),
        snapshot.schema_version,
        snapshot.papers,
        snapshot.size_on_disk_bytes as f64 / 1_048_576.0,
        when(snapshot.newest_stored_at),
    );
    if snapshot.sources.is_empty() {
        out.push_str("sources: none configured\n");
        return out;
    }
    out.push_str("sources:\n");
    let width = snapshot
        .sources
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    for s in &snapshot.sources {
        out.push_str(&format!(
            "  {:width$}  {}; last success {}, last non-empty {}\n",
            s.name,
            s.verdict,
            when(s.last_success_at),
            when(s.last_nonempty_at),
        ));
        if let Some(error) = &s.last_error {
            out.push_str(&format!("  {:width$}  last error: {error}\n", ""));
        }
    }
    out
}
