//! The one shutdown signal. SIGINT and SIGTERM both cancel a single token that every
//! background loop and long command `select!`s on.

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// Starts listening for SIGINT and SIGTERM and returns the token they cancel.
/// Must be called inside a tokio runtime.
pub fn listen() -> std::io::Result<CancellationToken> {
    let token = CancellationToken::new();
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let cancel = token.clone();
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "shutting down");
        cancel.cancel();
        // A second signal means the operator will not wait: leave at once. Everything a
        // user was told succeeded is already flushed.
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::warn!("second signal: exiting without waiting");
        std::process::exit(130);
    });
    Ok(token)
}
