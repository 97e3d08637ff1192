//! The running daemon: the one place background loops start. Every loop observes the one
//! shutdown token; when it fires, loops finish their current step, the store is flushed and
//! systemd is told.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::ingest::{IngestError, Ingestor, SourceReport};
use crate::status;

/// Polls every source once; for `paperboy run --once` and `paperboy ingest --once`.
pub async fn run_once(ingestor: &Ingestor) -> Result<Vec<SourceReport>, IngestError> {
    let reports = ingestor.poll_all(Utc::now()).await?;
    write_status(ingestor);
    Ok(reports)
}

/// Runs every background loop until `shutdown` fires.
pub async fn run(ingestor: Arc<Ingestor>, shutdown: CancellationToken) -> Result<(), IngestError> {
    let interval = Duration::from_secs(ingestor.config().ingest.interval_minutes * 60);
    let mut loops = tokio::task::JoinSet::new();
    loops.spawn(ingest_loop(ingestor.clone(), interval, shutdown.clone()));
    notify_systemd(&[sd_notify::NotifyState::Ready]);
    tracing::info!(
        interval_minutes = ingestor.config().ingest.interval_minutes,
        "paperboy running"
    );

    let mut result = Ok(());
    while let Some(joined) = loops.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                // A loop can only fail on the store; stop everything rather than run half-blind.
                tracing::error!(error = %err, "background loop failed; shutting down");
                shutdown.cancel();
                result = Err(err);
            }
            Err(join_error) => {
                tracing::error!(error = %join_error, "background loop panicked; shutting down");
                shutdown.cancel();
            }
        }
    }
    notify_systemd(&[sd_notify::NotifyState::Stopping]);
    ingestor.store().flush_async().await?;
    tracing::info!("store flushed; stopped");
    result
}

async fn ingest_loop(
    ingestor: Arc<Ingestor>,
    interval: Duration,
    shutdown: CancellationToken,
) -> Result<(), IngestError> {
    loop {
        tokio::select! {
            result = ingestor.poll_all(Utc::now()) => { result?; }
            () = shutdown.cancelled() => return Ok(()),
        }
        write_status(&ingestor);
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.cancelled() => return Ok(()),
        }
    }
}

/// Keeps `paperboy status` useful while the daemon holds the store's lock.
fn write_status(ingestor: &Ingestor) {
    let store = ingestor.store();
    let written = status::snapshot(store, ingestor.config(), Utc::now())
        .map_err(|e| e.to_string())
        .and_then(|snap| {
            status::write_snapshot(store.data_dir(), &snap).map_err(|e| e.to_string())
        });
    if let Err(error) = written {
        tracing::warn!(%error, "cannot write the status snapshot");
    }
}

fn notify_systemd(states: &[sd_notify::NotifyState]) {
    // Outside systemd there is no socket and this is a no-op.
    if let Err(error) = sd_notify::notify(states) {
        tracing::debug!(%error, "sd_notify failed");
    }
}
