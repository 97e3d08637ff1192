//! Source health: what each poll leaves behind, and the verdict an operator reads.
//!
//! Pure: the record is a value updated by [`SourceHealth::record`] with `now` passed in, and
//! [`verdict`] tells apart a quiet day (weekend, holiday, empty Hugging Face day), a failing
//! source and a stale feed (a weekday feed serving the same batch for too long).

use std::fmt;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// What one poll of a source found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollResult {
    /// The source answered with no entries.
    Empty,
    /// The source answered with entries; the fingerprint identifies the batch.
    Batch { fingerprint: u64 },
    /// A conditional GET said nothing changed since the last poll.
    NotModified,
    /// The poll failed; the message is for logs and `paperboy status`.
    Failed { error: String },
}

/// Everything needed to judge a source, kept in the store between polls.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceHealth {
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_nonempty_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Whether the last successful poll was empty.
    pub last_success_empty: bool,
    /// The last non-empty batch and when it first appeared.
    pub batch_fingerprint: Option<u64>,
    pub batch_first_seen_at: Option<DateTime<Utc>>,
}

impl SourceHealth {
    /// The health after a poll with this result.
    pub fn record(&self, result: &PollResult, now: DateTime<Utc>) -> SourceHealth {
        let mut next = self.clone();
        next.last_attempt_at = Some(now);
        match result {
            PollResult::Failed { error } => {
                next.consecutive_failures = self.consecutive_failures.saturating_add(1);
                next.failing_since = self.failing_since.or(Some(now));
                next.last_error = Some(error.clone());
                return next;
            }
            PollResult::Empty => {
                next.last_success_empty = true;
            }
            PollResult::NotModified => {}
            PollResult::Batch { fingerprint } => {
                next.last_success_empty = false;
                next.last_nonempty_at = Some(now);
                if self.batch_fingerprint != Some(*fingerprint) {
                    next.batch_fingerprint = Some(*fingerprint);
                    next.batch_first_seen_at = Some(now);
                }
            }
        }
        next.last_success_at = Some(now);
        next.consecutive_failures = 0;
        next.failing_since = None;
        next.last_error = None;
        next
    }
}

/// How strict to be with a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthPolicy {
    pub failing_after: u32,
    pub stale_after: Duration,
    /// Only announcement feeds promise a new batch every weekday.
    pub expects_weekday_batches: bool,
}

/// What an operator should think of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    NeverPolled,
    Healthy,
    /// The last poll succeeded and found nothing: a weekend, a holiday, an empty day.
    NoAnnouncement,
    /// A poll failed but not yet often enough to call the source failing.
    Degraded {
        consecutive_failures: u32,
    },
    Failing {
        consecutive_failures: u32,
        since: DateTime<Utc>,
    },
    /// A weekday feed still serves the batch it first served at `since`.
    Stale {
        since: DateTime<Utc>,
    },
}

impl Verdict {
    /// A short name for metrics labels (one of `metrics::VERDICT_KINDS`).
    pub fn kind(&self) -> &'static str {
        match self {
            Verdict::NeverPolled => "never_polled",
            Verdict::Healthy => "healthy",
            Verdict::NoAnnouncement => "no_announcement",
            Verdict::Degraded { .. } => "degraded",
            Verdict::Failing { .. } => "failing",
            Verdict::Stale { .. } => "stale",
        }
    }

    pub fn is_problem(&self) -> bool {
        matches!(self, Verdict::Failing { .. } | Verdict::Stale { .. })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::NeverPolled => f.write_str("never polled"),
            Verdict::Healthy => f.write_str("healthy"),
            Verdict::NoAnnouncement => f.write_str("no announcement (quiet day)"),
            Verdict::Degraded {
                consecutive_failures,
            } => write!(
                f,
                "degraded ({consecutive_failures} failed poll(s) in a row)"
            ),
            Verdict::Failing {
                consecutive_failures,
                since,
            } => write!(
                f,
                "FAILING since {} ({consecutive_failures} failed polls in a row)",
                since.format("%Y-%m-%d %H:%M UTC")
            ),
            Verdict::Stale { since } => write!(
                f,
                "STALE: same batch since {}",
                since.format("%Y-%m-%d %H:%M UTC")
            ),
        }
    }
}

pub fn verdict(health: &SourceHealth, policy: HealthPolicy, now: DateTime<Utc>) -> Verdict {
    if health.last_attempt_at.is_none() {
        return Verdict::NeverPolled;
    }
    if health.consecutive_failures > 0 {
        return match health.failing_since {
            Some(since) if health.consecutive_failures >= policy.failing_after => {
                Verdict::Failing {
                    consecutive_failures: health.consecutive_failures,
                    since,
                }
            }
            _ => Verdict::Degraded {
                consecutive_failures: health.consecutive_failures,
            },
        };
    }
    if health.last_success_empty {
        return Verdict::NoAnnouncement;
    }
    let is_weekday = !matches!(now.weekday(), Weekday::Sat | Weekday::Sun);
    if policy.expects_weekday_batches
        && is_weekday
        && let Some(since) = health.batch_first_seen_at
        && now - since > policy.stale_after
    {
        return Verdict::Stale { since };
    }
    Verdict::Healthy
}

/// A stable fingerprint of a batch (FNV-1a over the sorted entry keys), stored between polls
/// to tell a new batch from the same one served again.
pub fn batch_fingerprint<'a>(keys: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut keys: Vec<&str> = keys.into_iter().collect();
    keys.sort_unstable();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for key in keys {
        for byte in key.bytes().chain([0u8]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const FEED: HealthPolicy = HealthPolicy {
        failing_after: 3,
        stale_after: Duration::hours(30),
        expects_weekday_batches: true,
    };

    fn after(results: &[(&str, PollResult)]) -> SourceHealth {
        results
            .iter()
            .fold(SourceHealth::default(), |h, (at, r)| h.record(r, t(at)))
    }

    fn check(results: &[(&str, PollResult)], now: &str, expected: Verdict) {
        assert_eq!(verdict(&after(results), FEED, t(now)), expected);
    }

    #[test]
    fn verdicts() {
        let batch = |n| PollResult::Batch { fingerprint: n };
        let failed = || PollResult::Failed {
            error: "HTTP 503".into(),
        };
        // 2026-11-23 is a Monday.
        check(&[], "2026-11-23T12:00:00Z", Verdict::NeverPolled);
        check(
            &[("2026-11-23T01:00:00Z", batch(1))],
            "2026-11-23T12:00:00Z",
            Verdict::Healthy,
        );
        // A weekend: the feed is empty, which is normal.
        check(
            &[("2026-11-28T01:00:00Z", PollResult::Empty)],
            "2026-11-28T12:00:00Z",
            Verdict::NoAnnouncement,
        );
        // Same batch polled hourly within a day is fine...
        check(
            &[
                ("2026-11-24T01:00:00Z", batch(1)),
                ("2026-11-24T20:00:00Z", batch(1)),
            ],
            "2026-11-24T20:00:00Z",
            Verdict::Healthy,
        );
        // ...but the same batch two weekdays running is stale, even via 304s.
        check(
            &[
                ("2026-11-24T01:00:00Z", batch(1)),
                ("2026-11-25T09:00:00Z", PollResult::NotModified),
            ],
            "2026-11-25T09:00:00Z",
            Verdict::Stale {
                since: t("2026-11-24T01:00:00Z"),
            },
        );
        // A fresh batch clears staleness.
        check(
            &[
                ("2026-11-24T01:00:00Z", batch(1)),
                ("2026-11-25T09:00:00Z", batch(2)),
            ],
            "2026-11-25T09:00:00Z",
            Verdict::Healthy,
        );
        // Over a weekend the last batch is old but that is expected.
        check(
            &[("2026-11-27T01:00:00Z", batch(1))],
            "2026-11-29T12:00:00Z",
            Verdict::Healthy,
        );
        check(
            &[("2026-11-23T01:00:00Z", failed())],
            "2026-11-23T02:00:00Z",
            Verdict::Degraded {
                consecutive_failures: 1,
            },
        );
        check(
            &[
                ("2026-11-23T01:00:00Z", batch(1)),
                ("2026-11-23T02:00:00Z", failed()),
                ("2026-11-23T03:00:00Z", failed()),
                ("2026-11-23T04:00:00Z", failed()),
            ],
            "2026-11-23T04:00:00Z",
            Verdict::Failing {
                consecutive_failures: 3,
                since: t("2026-11-23T02:00:00Z"),
            },
        );
        // One success ends a failure streak.
        check(
            &[
                ("2026-11-23T02:00:00Z", failed()),
                ("2026-11-23T03:00:00Z", failed()),
                ("2026-11-23T04:00:00Z", failed()),
                ("2026-11-23T05:00:00Z", batch(1)),
            ],
            "2026-11-23T05:00:00Z",
            Verdict::Healthy,
        );
    }

    #[test]
    fn hugging_face_is_never_stale() {
        let h = after(&[("2026-11-24T01:00:00Z", PollResult::Batch { fingerprint: 1 })]);
        let policy = HealthPolicy {
            expects_weekday_batches: false,
            ..FEED
        };
        assert_eq!(
            verdict(&h, policy, t("2026-11-26T12:00:00Z")),
            Verdict::Healthy
        );
    }

    #[test]
    fn fingerprints_ignore_order() {
        assert_eq!(
            batch_fingerprint(["2401.00001v1", "2401.00002v1"]),
            batch_fingerprint(["2401.00002v1", "2401.00001v1"])
        );
        assert_ne!(
            batch_fingerprint(["2401.00001v1"]),
            batch_fingerprint(["2401.00001v2"])
        );
        // The separator keeps ["ab","c"] and ["a","bc"] apart.
        assert_ne!(
            batch_fingerprint(["ab", "c"]),
            batch_fingerprint(["a", "bc"])
        );
    }
}
