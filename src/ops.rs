//! The operator's endpoints, on their own listener (`[metrics] listen`) so they work without
//! the public web page and can stay on a private address: `GET /metrics` (Prometheus text
//! exposition) and `GET /healthz` (200 when the store takes writes and no source has been
//! failing for longer than `health.failing_after_hours`, 503 otherwise).
//!
//! Shell: reads the store and the shared [`Metrics`]; the figures themselves are rendered by
//! `metrics.rs` and judged by `health.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::health::{Verdict, verdict};
use crate::ingest::SourceState;
use crate::metrics::{Metrics, StoreFigures};
use crate::service::Service;
use crate::sources::configured_sources;
use crate::store::StoreError;

/// The `/metrics` and `/healthz` server.
pub struct Ops {
    service: Arc<Service>,
    metrics: Arc<Metrics>,
    clock: Clock,
}

/// What `/healthz` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthReport {
    pub healthy: bool,
    /// One line per check, for the operator reading the body.
    pub lines: Vec<String>,
}

impl Ops {
    pub fn new(service: Arc<Service>, clock: Clock) -> Ops {
        Ops {
            metrics: service.metrics().clone(),
            service,
            clock,
        }
    }

    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) {
        tracing::info!(listen = ?listener.local_addr().ok(), "metrics: serving /metrics and /healthz");
        let served = axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(err) = served {
            tracing::error!(error = %err, "metrics: the server failed");
        }
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/metrics", get(metrics))
            .route("/healthz", get(healthz))
            .with_state(self)
    }

    /// The figures read from the store at scrape time.
    pub fn store_figures(&self, now: DateTime<Utc>) -> Result<StoreFigures, StoreError> {
        let store = self.service.store();
        let config = self.service.config();
        let mut source_verdicts = Vec::new();
        for source in configured_sources(config) {
            let state: SourceState = store.source_state(source.name())?.unwrap_or_default();
            let judged = verdict(&state.health, source.health_policy(config), now);
            source_verdicts.push((source.name().to_owned(), judged.kind()));
        }
        let mut pending: BTreeMap<&'static str, u64> = BTreeMap::new();
        for entry in store.pending_messages()? {
            if let Some(subscriber) = store.subscriber(entry.subscriber)? {
                *pending
                    .entry(subscriber.address.transport().as_str())
                    .or_default() += 1;
            }
        }
        Ok(StoreFigures {
            source_verdicts,
            pending,
            papers: store.stats()?.papers as u64,
        })
    }

    /// The store takes a write and a flush; no source has been failing for too long.
    pub async fn health(&self, now: DateTime<Utc>) -> HealthReport {
        let mut lines = Vec::new();
        let mut healthy = true;
        let store = self.service.store();
        match store.check_writable(now.timestamp_micros()).await {
            Ok(()) => lines.push("store: writable".to_owned()),
            Err(err) => {
                tracing::error!(error = %err, "healthz: the store is not writable");
                healthy = false;
                lines.push("store: NOT writable".to_owned());
            }
        }
        let config = self.service.config();
        let limit = chrono::Duration::hours(
            i64::try_from(config.health.failing_after_hours).unwrap_or(i64::MAX / 3_600_000),
        );
        for source in configured_sources(config) {
            let state: SourceState = match store.source_state(source.name()) {
                Ok(state) => state.unwrap_or_default(),
                Err(err) => {
                    tracing::error!(error = %err, source = source.name(), "healthz: cannot read source state");
                    healthy = false;
                    lines.push(format!("source {}: state unreadable", source.name()));
                    continue;
                }
            };
            let judged = verdict(&state.health, source.health_policy(config), now);
            let too_long = matches!(judged, Verdict::Failing { since, .. } if now - since > limit);
            if too_long {
                healthy = false;
            }
            lines.push(format!(
                "source {}: {judged}{}",
                source.name(),
                if too_long { " (beyond the limit)" } else { "" }
            ));
        }
        HealthReport { healthy, lines }
    }
}

async fn metrics(State(ops): State<Arc<Ops>>) -> Response {
    match ops.store_figures(ops.clock.now()) {
        Ok(figures) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            ops.metrics.render(&figures),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "metrics: cannot read the store");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the store\n").into_response()
        }
    }
}

async fn healthz(State(ops): State<Arc<Ops>>) -> Response {
    let report = ops.health(ops.clock.now()).await;
    let status = if report.healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = report.lines.join("\n");
    body.push('\n');
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}
