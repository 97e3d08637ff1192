//! The operator's figures in Prometheus' text exposition format (version 0.0.4).
//!
//! One [`Metrics`] value, shared by `Arc`, is updated by the few places that know: the
//! scheduler after a poll (papers per source), the deliverer (outcomes per transport, 429s),
//! the service (commands, matching and digest latency). Figures that the store already holds
//! (source verdicts, pending messages) are read at scrape time and passed to [`Metrics::render`],
//! so they are never out of date. Labels are only ever source names, transport names and
//! command names from the command table: never user text, addresses or secrets.
//!
//! Hand-written rather than a crate: a dozen counters and two histograms are a page of code.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Latency buckets in seconds, from a millisecond to half a minute.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

/// A cumulative histogram over [`LATENCY_BUCKETS`].
#[derive(Clone, Debug, Default)]
struct Histogram {
    /// Observations at or under each bucket's bound (not yet cumulative).
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

impl Histogram {
    fn observe(&mut self, took: Duration) {
        let seconds = took.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum_seconds += seconds;
    }
}

/// How a delivery attempt ended, as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeliveryCount {
    Sent,
    /// Kept in the outbox for another attempt.
    Retried,
    /// Given up (abandoned, rejected, or the subscriber deactivated).
    Failed,
}

impl DeliveryCount {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryCount::Sent => "sent",
            DeliveryCount::Retried => "retried",
            DeliveryCount::Failed => "failed",
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    papers_ingested: BTreeMap<String, u64>,
    polls_failed: BTreeMap<String, u64>,
    deliveries: BTreeMap<(&'static str, DeliveryCount), u64>,
    rate_limited: BTreeMap<&'static str, u64>,
    commands: BTreeMap<&'static str, u64>,
    admin_alerts: u64,
    matching: Histogram,
    digests: Histogram,
}

/// Figures read from the store when scraped.
#[derive(Clone, Debug, Default)]
pub struct StoreFigures {
    /// Each configured source with its verdict's kind (`healthy`, `failing`...).
    pub source_verdicts: Vec<(String, &'static str)>,
    /// Pending outbox messages per transport.
    pub pending: BTreeMap<&'static str, u64>,
    pub papers: u64,
}

/// Every verdict kind, so each source shows one series per kind (0 or 1).
pub const VERDICT_KINDS: [&str; 6] = [
    "never_polled",
    "healthy",
    "no_announcement",
    "degraded",
    "failing",
    "stale",
];

#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    fn with<T>(&self, update: impl FnOnce(&mut Counters) -> T) -> T {
        // A panic elsewhere while holding the lock leaves counters that are still numbers.
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        update(&mut counters)
    }

    /// A poll of `source` stored `new_papers` new papers (or failed).
    pub fn record_poll(&self, source: &str, new_papers: usize, failed: bool) {
        self.with(|c| {
            *c.papers_ingested.entry(source.to_owned()).or_default() += new_papers as u64;
            // Created at the first poll, so a source that never failed shows a 0.
            let failures = c.polls_failed.entry(source.to_owned()).or_default();
            if failed {
                *failures += 1;
            }
        });
    }

    pub fn record_delivery(&self, transport: &'static str, count: DeliveryCount) {
        self.with(|c| *c.deliveries.entry((transport, count)).or_default() += 1);
    }

    /// The platform answered "too many requests" (HTTP 429 or its equivalent).
    pub fn record_rate_limited(&self, transport: &'static str) {
        self.with(|c| *c.rate_limited.entry(transport).or_default() += 1);
    }

    /// `command` is a name from the command table, or `invalid`.
    pub fn record_command(&self, command: &'static str) {
        self.with(|c| *c.commands.entry(command).or_default() += 1);
    }

    pub fn record_admin_alert(&self) {
        self.with(|c| c.admin_alerts += 1);
    }

    /// Time spent matching a period's papers against every follow.
    pub fn observe_matching(&self, took: Duration) {
        self.with(|c| c.matching.observe(took));
    }

    /// Time spent building and queuing a round of digests (matching included).
    pub fn observe_digests(&self, took: Duration) {
        self.with(|c| c.digests.observe(took));
    }

    /// The text exposition of every figure.
    pub fn render(&self, store: &StoreFigures) -> String {
        // Rendering under the lock is a few microseconds of string formatting; nothing waits
        // on it for long.
        self.with(|c| render(c, store))
    }
}

fn render(c: &Counters, store: &StoreFigures) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "paperboy_papers_ingested_total",
        "counter",
        "New papers stored, per source.",
    );
    for (source, n) in &c.papers_ingested {
        sample(
            &mut out,
            "paperboy_papers_ingested_total",
            &[("source", source)],
            *n,
        );
    }
    header(
        &mut out,
        "paperboy_source_polls_failed_total",
        "counter",
        "Polls that failed, per source.",
    );
    for (source, n) in &c.polls_failed {
        sample(
            &mut out,
            "paperboy_source_polls_failed_total",
            &[("source", source)],
            *n,
        );
    }
    header(
        &mut out,
        "paperboy_source_health",
        "gauge",
        "1 for each source's current verdict, 0 for the other verdicts.",
    );
    for (source, kind) in &store.source_verdicts {
        for candidate in VERDICT_KINDS {
            let value = u64::from(*kind == candidate);
            sample(
                &mut out,
                "paperboy_source_health",
                &[("source", source), ("verdict", candidate)],
                value,
            );
        }
    }
    header(&mut out, "paperboy_papers", "gauge", "Papers in the store.");
    sample(&mut out, "paperboy_papers", &[], store.papers);
    header(
        &mut out,
        "paperboy_deliveries_total",
        "counter",
        "Delivery attempts per transport and outcome (sent, retried, failed).",
    );
    for ((transport, outcome), n) in &c.deliveries {
        sample(
            &mut out,
            "paperboy_deliveries_total",
            &[("transport", transport), ("outcome", outcome.as_str())],
            *n,
        );
    }
    header(
        &mut out,
        "paperboy_outbox_pending",
        "gauge",
        "Messages waiting in the outbox, per transport.",
    );
    for (transport, n) in &store.pending {
        sample(
            &mut out,
            "paperboy_outbox_pending",
            &[("transport", transport)],
            *n,
        );
    }
    header(
        &mut out,
        "paperboy_rate_limited_total",
        "counter",
        "Answers asking paperboy to slow down (HTTP 429), per platform.",
    );
    for (transport, n) in &c.rate_limited {
        sample(
            &mut out,
            "paperboy_rate_limited_total",
            &[("platform", transport)],
            *n,
        );
    }
    header(
        &mut out,
        "paperboy_commands_total",
        "counter",
        "Commands handled, by command.",
    );
    for (command, n) in &c.commands {
        sample(
            &mut out,
            "paperboy_commands_total",
            &[("command", command)],
            *n,
        );
    }
    header(
        &mut out,
        "paperboy_admin_alerts_total",
        "counter",
        "Source failing/recovered messages queued for the admin contact.",
    );
    sample(&mut out, "paperboy_admin_alerts_total", &[], c.admin_alerts);
    histogram(
        &mut out,
        "paperboy_matching_seconds",
        "Matching a period's papers against every follow.",
        &c.matching,
    );
    histogram(
        &mut out,
        "paperboy_digest_seconds",
        "Building and queuing one round of due digests.",
        &c.digests,
    );
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", escape_label(value)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn sample(out: &mut String, name: &str, pairs: &[(&str, &str)], value: u64) {
    let _ = writeln!(out, "{name}{} {value}", labels(pairs));
}

fn histogram(out: &mut String, name: &str, help: &str, h: &Histogram) {
    header(out, name, "histogram", help);
    let mut cumulative = 0;
    for (bound, n) in LATENCY_BUCKETS.iter().zip(h.buckets) {
        cumulative += n;
        let le = bound.to_string();
        sample(out, &format!("{name}_bucket"), &[("le", &le)], cumulative);
    }
    sample(out, &format!("{name}_bucket"), &[("le", "+Inf")], h.count);
    let _ = writeln!(out, "{name}_sum {}", h.sum_seconds);
    sample(out, &format!("{name}_count"), &[], h.count);
}

/// The exposition format's escapes inside a label value.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_escapes() {
        let metrics = Metrics::new();
        metrics.record_poll("hf", 3, false);
        metrics.record_poll("hf", 2, false);
        metrics.record_delivery("telegram", DeliveryCount::Sent);
        metrics.record_rate_limited("telegram");
        metrics.record_command("follow");
        metrics.observe_matching(Duration::from_millis(3));
        let figures = StoreFigures {
            source_verdicts: vec![("odd\"name".into(), "failing")],
            pending: BTreeMap::from([("email", 2)]),
            papers: 5,
        };
        let text = metrics.render(&figures);
        for line in [
            "paperboy_papers_ingested_total{source=\"hf\"} 5",
            "paperboy_deliveries_total{transport=\"telegram\",outcome=\"sent\"} 1",
            "paperboy_rate_limited_total{platform=\"telegram\"} 1",
            "paperboy_commands_total{command=\"follow\"} 1",
            "paperboy_source_health{source=\"odd\\\"name\",verdict=\"failing\"} 1",
            "paperboy_source_health{source=\"odd\\\"name\",verdict=\"healthy\"} 0",
            "paperboy_outbox_pending{transport=\"email\"} 2",
            "paperboy_matching_seconds_bucket{le=\"0.001\"} 0",
            "paperboy_matching_seconds_bucket{le=\"0.005\"} 1",
            "paperboy_matching_seconds_bucket{le=\"+Inf\"} 1",
            "paperboy_matching_seconds_count 1",
            "paperboy_digest_seconds_count 0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }
}
