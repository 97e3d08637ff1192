//! The gateway session: a serenity client whose events reach [`Discord::handle`], and what
//! paperboy adds around it. serenity resumes a dropped session and spaces new identifies 5 s
//! apart; paperboy rebuilds the client with a growing backoff when it stops, and keeps a
//! budget of new sessions a day so a flapping connection never spends the 1,000 identifies
//! after which Discord resets the token.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ClientBuilder, ConnectionStage, Context, EventHandler, GatewayIntents, Interaction, Ready,
    ResumedEvent, ShardStageUpdateEvent,
};
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Discord;

/// New sessions (identifies) allowed in any 24 hours: half of Discord's 1,000, leaving room
/// for restarts of the process.
pub const IDENTIFIES_PER_DAY: usize = 500;
const DAY: Duration = Duration::from_secs(24 * 3600);
/// Waits between client restarts grow to this.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// How long a closing gateway session may take after the shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// A session that lasted this long resets the backoff.
const HEALTHY_SESSION: Duration = Duration::from_secs(600);

/// The identifies of the last 24 hours. Pure, on tokio's clock.
#[derive(Debug, Default)]
pub struct IdentifyBudget {
    identifies: VecDeque<Instant>,
}

impl IdentifyBudget {
    /// Counts an identify at `now`; when it was one too many, returns how long to stay away
    /// (until the oldest identify leaves the 24-hour window).
    pub fn record(&mut self, now: Instant) -> Option<Duration> {
        self.identifies.push_back(now);
        while self
            .identifies
            .front()
            .is_some_and(|first| now.duration_since(*first) >= DAY)
        {
            self.identifies.pop_front();
        }
        // The session this identify opened is kept; only one more would break the budget.
        if self.identifies.len() <= IDENTIFIES_PER_DAY {
            return None;
        }
        let oldest = *self.identifies.front()?;
        Some(DAY.saturating_sub(now.duration_since(oldest)))
    }

    /// Identifies counted in the last 24 hours.
    pub fn count(&self) -> usize {
        self.identifies.len()
    }
}

/// What the event handler tells the loop that owns the client.
#[derive(Default)]
struct SessionState {
    budget: Mutex<IdentifyBudget>,
    /// Set when the budget is spent: how long to wait before the next client.
    stay_away: Mutex<Option<Duration>>,
    stop: Notify,
}

struct Handler {
    discord: Discord,
    state: Arc<SessionState>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(
            user = %ready.user.name,
            guilds = ready.guilds.len(),
            "discord: connected to the gateway"
        );
        self.discord.on_ready(ready.application.id).await;
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        tracing::info!("discord: gateway session resumed");
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        // Every identify ends by leaving the Identifying stage, into a session or not.
        if event.old != ConnectionStage::Identifying {
            return;
        }
        let wait = lock(&self.state.budget).record(Instant::now());
        if let Some(wait) = wait {
            tracing::error!(
                wait_secs = wait.as_secs(),
                "discord: too many new gateway sessions today; disconnecting until the budget allows one"
            );
            *lock(&self.state.stay_away) = Some(wait);
            self.state.stop.notify_one();
        }
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        self.discord.handle(interaction).await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Keeps a gateway session up until `shutdown`.
pub async fn run(discord: &Discord, shutdown: CancellationToken) {
    let state = Arc::new(SessionState::default());
    let mut backoff = Duration::from_secs(1);
    loop {
        let handler = Handler {
            discord: discord.clone(),
            state: state.clone(),
        };
        // Interactions need no intents; asking for none keeps the gateway quiet.
        let built = ClientBuilder::new_with_http(discord.gateway_http(), GatewayIntents::empty())
            .event_handler(handler)
            .await;
        let started = Instant::now();
        match built {
            Ok(mut client) => {
                let manager = client.shard_manager.clone();
                let stopper = {
                    let shutdown = shutdown.clone();
                    let state = state.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            () = shutdown.cancelled() => {}
                            () = state.stop.notified() => {}
                        }
                        manager.shutdown_all().await;
                    })
                };
                let session = client.start();
                tokio::pin!(session);
                let result = tokio::select! {
                    result = &mut session => result,
                    () = shutdown.cancelled() => {
                        // The stopper asked the shards to close. A shard that never connected
                        // is re-queued by serenity regardless, so the wait is bounded.
                        if tokio::time::timeout(SHUTDOWN_GRACE, &mut session).await.is_err() {
                            tracing::warn!("discord: the gateway client did not stop in time; left behind");
                        }
                        stopper.abort();
                        tracing::info!("discord: disconnected from the gateway");
                        return;
                    }
                };
                stopper.abort();
                if shutdown.is_cancelled() {
                    tracing::info!("discord: disconnected from the gateway");
                    return;
                }
                match result {
                    Ok(()) => tracing::warn!("discord: the gateway client stopped"),
                    Err(err) => tracing::warn!(error = %err, "discord: the gateway client failed"),
                }
            }
            Err(err) => tracing::warn!(error = %err, "discord: cannot start the gateway client"),
        }
        if started.elapsed() >= HEALTHY_SESSION {
            backoff = Duration::from_secs(1);
        }
        let wait = lock(&state.stay_away)
            .take()
            .unwrap_or(backoff)
            .max(backoff);
        backoff = (backoff * 2).min(MAX_BACKOFF);
        tracing::info!(
            wait_secs = wait.as_secs(),
            "discord: reconnecting to the gateway later"
        );
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_identify_budget_stops_one_past_the_daily_allowance() {
        let mut budget = IdentifyBudget::default();
        let start = Instant::now();
        for i in 0..IDENTIFIES_PER_DAY {
            let at = start + Duration::from_secs(60 * i as u64);
            assert_eq!(budget.record(at), None, "identify {i}");
        }
        let at = start + Duration::from_secs(60 * IDENTIFIES_PER_DAY as u64);
        let wait = budget.record(at).expect("the budget is spent");
        // The oldest identify leaves the window a day after it happened.
        assert_eq!(wait, DAY - (at - start));
        // Once the first two have left the window, there is room again.
        let later = start + DAY + Duration::from_secs(61);
        assert_eq!(budget.record(later), None);
        assert_eq!(budget.count(), IDENTIFIES_PER_DAY);
    }
}
