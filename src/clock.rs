//! Where the shell gets `now` from. Production reads the system clock; tests run on tokio's
//! paused clock, so a week of schedules passes in milliseconds and never depends on timing
//! luck. The pure core never calls this: it is handed `now`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

#[derive(Clone, Copy, Debug)]
pub enum Clock {
    /// The system's wall clock.
    System,
    /// UTC derived from tokio's clock: `start_utc` at `start`, advancing with tokio time
    /// (paused and auto-advancing in tests).
    Tokio {
        start_utc: DateTime<Utc>,
        start: Instant,
    },
}

impl Clock {
    /// A clock that reads `start_utc` now and then follows tokio's (possibly paused) time.
    pub fn tokio_from(start_utc: DateTime<Utc>) -> Clock {
        Clock::Tokio {
            start_utc,
            start: Instant::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Tokio { start_utc, start } => {
                let elapsed =
                    chrono::Duration::from_std(start.elapsed()).unwrap_or(chrono::Duration::MAX);
                *start_utc + elapsed
            }
        }
    }

    /// Sleeps until `at` by this clock. System sleeps are capped at `max_nap` and the caller
    /// re-reads the clock, so a suspended machine or a clock step is noticed promptly.
    pub async fn sleep_until(&self, at: DateTime<Utc>, max_nap: Duration) {
        let wait = (at - self.now()).to_std().unwrap_or(Duration::ZERO);
        let wait = match self {
            Clock::System => wait.min(max_nap),
            Clock::Tokio { .. } => wait,
        };
        tokio::time::sleep(wait).await;
    }
}
