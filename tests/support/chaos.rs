//! Seeded random faults ("chaos") for the fakes. A fake in chaos mode asks [`Chaos::roll`]
//! what to do with each request that would deliver a message, and answers the way its real
//! service does: a 429 (alone, or a storm: every request refused until it passes), a 5xx
//! (alone, or a burst: an outage), an answer held past the client's timeout, or "accepted,
//! then the answer was lost" (the message is kept, the client never hears so). Recipients
//! that blocked the bot are refused on every request.
//!
//! Storms and bursts last a stretch of tokio time, so a paused test clock drives them. The
//! faults come from one seeded `fastrand` RNG per fake, drawn in request order.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// How often each fault comes, per 10,000 requests, and how long faults last.
#[derive(Clone, Debug)]
pub struct ChaosConfig {
    pub seed: u64,
    /// A 429 for this request alone, with a `retry_after` from `retry_after_secs`.
    pub rate_limited: u32,
    /// A 429 storm starts: every request is refused until it passes, each told the time
    /// left as its `retry_after`.
    pub storm: u32,
    pub storm_secs: RangeInclusive<u64>,
    /// A 5xx for this request alone.
    pub server_error: u32,
    /// A burst of 5xx starts: every request fails until it passes.
    pub burst: u32,
    pub burst_secs: RangeInclusive<u64>,
    /// The answer is held for `hold`; the request never takes effect.
    pub held: u32,
    /// The request takes effect; its answer is held for `hold` or cut, by transport.
    pub lost_answer: u32,
    pub retry_after_secs: RangeInclusive<u64>,
    /// Longer than the client's timeout, so the client gives up first.
    pub hold: Duration,
    /// Recipients that blocked the bot, as the fake names them (a chat or user id, an
    /// email address).
    pub blocked: HashSet<String>,
}

impl ChaosConfig {
    /// The mix the soak uses: 8.5 % of requests meet a fault of their own, and storms and
    /// bursts take more.
    pub fn new(seed: u64, hold: Duration) -> ChaosConfig {
        ChaosConfig {
            seed,
            rate_limited: 400,
            storm: 5,
            storm_secs: 5..=90,
            server_error: 250,
            burst: 5,
            burst_secs: 5..=60,
            held: 100,
            lost_answer: 100,
            retry_after_secs: 1..=60,
            hold,
            blocked: HashSet::new(),
        }
    }
}

/// What a fake does with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally.
    None,
    /// Refuse with 429; `global` when a storm covers every route.
    RateLimited {
        retry_after: u64,
        global: bool,
    },
    ServerError,
    Held,
    LostAnswer,
}

/// Faults answered so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChaosCounts {
    pub requests: u64,
    /// 429s, storms included.
    pub rate_limited: u64,
    pub storms: u64,
    /// 5xx answers, bursts included.
    pub server_errors: u64,
    pub bursts: u64,
    pub held: u64,
    pub lost_answers: u64,
    pub blocked: u64,
}

pub struct Chaos {
    config: ChaosConfig,
    rng: Mutex<fastrand::Rng>,
    storm_until: Mutex<Option<Instant>>,
    burst_until: Mutex<Option<Instant>>,
    counts: Mutex<ChaosCounts>,
    /// Lost answers per message key (the fake says what a key is).
    lost: Mutex<HashMap<String, u32>>,
    holding: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Chaos {
    pub fn new(config: ChaosConfig) -> Chaos {
        Chaos {
            rng: Mutex::new(fastrand::Rng::with_seed(config.seed)),
            config,
            storm_until: Mutex::new(None),
            burst_until: Mutex::new(None),
            counts: Mutex::default(),
            lost: Mutex::default(),
            holding: AtomicUsize::new(0),
        }
    }

    pub fn is_blocked(&self, recipient: &str) -> bool {
        let blocked = self.config.blocked.contains(recipient);
        if blocked {
            let mut counts = lock(&self.counts);
            counts.requests += 1;
            counts.blocked += 1;
        }
        blocked
    }

    /// The fault for the next request, counted.
    pub fn roll(&self) -> Fault {
        let now = Instant::now();
        let mut counts = lock(&self.counts);
        counts.requests += 1;
        let left = |until: &Mutex<Option<Instant>>| {
            lock(until)
                .filter(|until| *until > now)
                .map(|until| until - now)
        };
        // A storm or burst in progress answers every request the same way.
        if let Some(left) = left(&self.storm_until) {
            counts.rate_limited += 1;
            return Fault::RateLimited {
                retry_after: left.as_secs_f64().ceil() as u64,
                global: true,
            };
        }
        if left(&self.burst_until).is_some() {
            counts.server_errors += 1;
            return Fault::ServerError;
        }
        let c = &self.config;
        let mut rng = lock(&self.rng);
        let mut roll = rng.u32(..10_000);
        let mut next = |share: u32| {
            let hit = roll < share;
            roll = roll.saturating_sub(share);
            hit
        };
        if next(c.storm) {
            let secs = rng.u64(c.storm_secs.clone());
            *lock(&self.storm_until) = Some(now + Duration::from_secs(secs));
            counts.storms += 1;
            counts.rate_limited += 1;
            return Fault::RateLimited {
                retry_after: secs,
                global: true,
            };
        }
        if next(c.rate_limited) {
            counts.rate_limited += 1;
            return Fault::RateLimited {
                retry_after: rng.u64(c.retry_after_secs.clone()),
                global: false,
            };
        }
        if next(c.burst) {
            let secs = rng.u64(c.burst_secs.clone());
            *lock(&self.burst_until) = Some(now + Duration::from_secs(secs));
            counts.bursts += 1;
            counts.server_errors += 1;
            return Fault::ServerError;
        }
        if next(c.server_error) {
            counts.server_errors += 1;
            return Fault::ServerError;
        }
        if next(c.held) {
            counts.held += 1;
            return Fault::Held;
        }
        if next(c.lost_answer) {
            counts.lost_answers += 1;
            return Fault::LostAnswer;
        }
        Fault::None
    }

    /// Records that the message under `key` was kept but its answer lost.
    pub fn lost(&self, key: String) {
        *lock(&self.lost).entry(key).or_default() += 1;
    }

    /// Lost answers per message key.
    pub fn lost_answers(&self) -> HashMap<String, u32> {
        lock(&self.lost).clone()
    }

    /// Waits out a held answer (tokio time), counted in [`Chaos::holding`] meanwhile.
    pub async fn hold(&self) {
        // Counted down on drop too: a server may drop a handler whose client went away.
        struct Holding<'a>(&'a AtomicUsize);
        impl Drop for Holding<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.holding.fetch_add(1, Ordering::SeqCst);
        let _holding = Holding(&self.holding);
        tokio::time::sleep(self.config.hold).await;
    }

    /// Answers being held right now.
    pub fn holding(&self) -> usize {
        self.holding.load(Ordering::SeqCst)
    }

    pub fn counts(&self) -> ChaosCounts {
        lock(&self.counts).clone()
    }
}
