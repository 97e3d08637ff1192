//! The Discord front end: the only module that names serenity.
//!
//! Thin by design. Slash commands, built from the core's command table ([`commands`]),
//! arrive as interactions over the gateway and become the same command text a chat message
//! would be, run by [`Service::run_command`]; replies and digests go out as embeds rendered
//! by [`render`]; Discord's errors become the shared [`DeliveryOutcome`]. A person is one
//! subscriber (digests by DM); a server channel is another (`/channel …`), whose follows and
//! settings only members with Manage Channels or Administrator may change: paperboy checks
//! the permissions Discord sends with the interaction itself, whatever a server did to the
//! command's default permissions.
//!
//! Every REST request paperboy makes goes through one [`ConversationLimits`] on tokio's
//! clock: Discord's global 50 a second and 5 messages per 5 s per channel (interaction
//! answers are exempt from both, as on Discord). serenity's own per-route buckets stay on
//! when talking to Discord itself; with a proxy in `discord.api_url` serenity must have them
//! off (it applies the proxy only then) and paperboy's limiter is what is left in front. A
//! 429 that still comes for a digest is honoured by its `retry_after`. Digests carry a
//! `nonce` built from the outbox id with `enforce_nonce`, so a resend after an unknown
//! outcome never posts twice.
//! The gateway resumes dropped sessions (serenity); paperboy adds a backoff when the client
//! stops and a daily budget of new sessions, well under the 1,000 identifies a day after
//! which Discord resets a token.

mod builders;
pub mod commands;
pub mod gateway;
pub mod render;
mod rest;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serenity::all::{
    Command as SlashCommandModel, CommandData, CommandDataOption, CommandDataOptionValue,
    CommandInteraction, ComponentInteraction, CreateAllowedMentions, CreateAutocompleteResponse,
    CreateInteractionResponse, CreateInteractionResponseMessage, EditInteractionResponse, GuildId,
    Http, HttpBuilder, Interaction, Member,
};
use serenity::builder::AutocompleteChoice;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::command::{self, Command};
use crate::config::{DISCORD_API_URL, DiscordConfig};
use crate::delivery::{ConversationLimits, Deliver, Quota};
use crate::reply::Reply;
use crate::service::Service;
use crate::store::Vote;
use crate::subscriber::Address;
use builders::{embeds, followup, slash_command_definitions};
use commands::{CHANNEL_GROUP, Completion, Scope, Suggestion};
use render::ButtonAction;
use rest::{DiscordTransport, Rest};

/// How long one REST request may take before it counts as failed (its outcome unknown).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    #[error("discord.api_url {url:?} is not a URL: {reason}")]
    ApiUrl { url: String, reason: String },
    #[error("cannot build the HTTP client for Discord: {0}")]
    Client(String),
}

/// The bot: one REST client for everything paperboy sends, and the gateway for what comes in.
#[derive(Clone)]
pub struct Discord {
    rest: Rest,
    service: Arc<Service>,
    clock: Clock,
    /// Building a fresh serenity client for each gateway session needs these again.
    token: Arc<crate::config::Secret>,
    proxy: Option<String>,
    http_client: reqwest::Client,
    dev_guild: Option<GuildId>,
    /// The slash commands are registered once per process, on the first READY.
    registered: Arc<AtomicBool>,
}

impl Discord {
    /// The bot, or `None` (logged once) when no token is configured.
    pub fn from_config(
        config: &DiscordConfig,
        service: Arc<Service>,
        clock: Clock,
    ) -> Result<Option<Discord>, DiscordError> {
        let Some(token) = &config.token else {
            tracing::info!(
                "discord: no token configured (discord.token); the Discord front end is off"
            );
            return Ok(None);
        };
        let url = reqwest::Url::parse(&config.api_url).map_err(|err| DiscordError::ApiUrl {
            url: config.api_url.clone(),
            reason: err.to_string(),
        })?;
        let base = url.as_str().trim_end_matches('/').to_owned();
        let proxy = (base != DISCORD_API_URL).then_some(base);
        let http_client = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|err| DiscordError::Client(err.to_string()))?;
        let discord = Discord {
            rest: Rest::new(
                Arc::new(build_http(token.expose(), proxy.as_deref(), &http_client)),
                http_client.clone(),
                Arc::new(discord_limits()),
            ),
            service,
            clock,
            token: Arc::new(token.clone()),
            proxy,
            http_client,
            dev_guild: config
                .dev_guild_id
                .and_then(|id| std::num::NonZeroU64::new(id).map(|id| GuildId::new(id.get()))),
            registered: Arc::new(AtomicBool::new(false)),
        };
        Ok(Some(discord))
    }

    /// The transport the deliverer sends digests through.
    pub fn transport(&self) -> Arc<dyn Deliver> {
        Arc::new(DiscordTransport::new(self.rest.clone()))
    }

    /// Connects to the gateway and answers interactions until `shutdown`.
    pub async fn run(&self, shutdown: CancellationToken) {
        gateway::run(self, shutdown).await
    }

    /// A serenity HTTP client for a gateway session (it asks where the gateway is).
    fn gateway_http(&self) -> Http {
        build_http(
            self.token.expose(),
            self.proxy.as_deref(),
            &self.http_client,
        )
    }

    /// A session is ready: registers the slash commands, once per process.
    async fn on_ready(&self, application: serenity::all::ApplicationId) {
        self.rest.http.set_application_id(application);
        if self.registered.swap(true, Ordering::SeqCst) {
            return;
        }
        let definitions = slash_command_definitions();
        self.rest.until_ready_for(0).await;
        let registered = match self.dev_guild {
            Some(guild) => guild
                .set_commands(&*self.rest.http, definitions)
                .await
                .map(|_| ()),
            None => SlashCommandModel::set_global_commands(&*self.rest.http, definitions)
                .await
                .map(|_| ()),
        };
        match registered {
            Ok(()) => tracing::info!(
                guild = self.dev_guild.map(|g| g.get()),
                "discord: slash commands registered"
            ),
            Err(err) => {
                // Tried again on the next session.
                self.registered.store(false, Ordering::SeqCst);
                tracing::warn!(error = %err, "discord: cannot register the slash commands");
            }
        }
    }

    /// Answers one interaction. Failures are logged; one bad interaction never stops others.
    pub async fn handle(&self, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) => {
                self.rest.http.set_application_id(command.application_id);
                self.on_command(&command).await
            }
            Interaction::Autocomplete(command) => self.on_autocomplete(&command).await,
            Interaction::Component(component) => {
                self.rest.http.set_application_id(component.application_id);
                self.on_button(&component).await
            }
            _ => {}
        }
    }

    async fn on_command(&self, interaction: &CommandInteraction) {
        let Some(invocation) = invocation(&interaction.data) else {
            self.respond(
                interaction,
                &Reply::text("paperboy does not know this command any more; try /help."),
                true,
            )
            .await;
            return;
        };
        let address = match subscriber_address(
            invocation.scope,
            interaction.guild_id.is_some(),
            interaction.user.id.get(),
            interaction.channel_id.get(),
        ) {
            Ok(address) => address,
            Err(refusal) => {
                self.respond(interaction, &Reply::text(refusal), true).await;
                return;
            }
        };
        let text = commands::command_text(invocation.name, invocation.value.as_deref());
        let parsed = command::parse(&text, &self.service.command_limits());
        if invocation.scope == Scope::Channel
            && parsed.as_ref().is_ok_and(Command::changes_state)
            && !may_manage_channel(interaction.member.as_deref())
        {
            tracing::info!(
                channel = interaction.channel_id.get(),
                "discord: a channel change refused (no Manage Channels)"
            );
            self.respond(
                interaction,
                &Reply::text(
                    "Only members who can manage this channel (Manage Channels or Administrator) \
                     can change its follows and settings.",
                ),
                true,
            )
            .await;
            return;
        }
        let ephemeral = parsed.is_err() || !commands::is_public(invocation.name);
        if commands::is_slow(invocation.name) {
            let deferred = interaction
                .create_response(
                    &*self.rest.http,
                    CreateInteractionResponse::Defer(
                        CreateInteractionResponseMessage::new().ephemeral(ephemeral),
                    ),
                )
                .await;
            if let Err(err) = deferred {
                tracing::warn!(error = %err, "discord: cannot acknowledge an interaction");
                return;
            }
            let reply = self.run_command(&address, &text).await;
            self.follow_up(FollowUp::Command(interaction), &reply, ephemeral)
                .await;
        } else {
            let reply = self.run_command(&address, &text).await;
            self.respond(interaction, &reply, ephemeral).await;
        }
        // A /digest queued a message: the scheduler sends it on its next pass; wake it.
        self.service.wake_handle().notify_one();
    }

    async fn run_command(&self, address: &Address, text: &str) -> Reply {
        match self
            .service
            .run_command(address, text, self.clock.now())
            .await
        {
            Ok(reply) => reply,
            Err(err) => {
                tracing::error!(error = %err, "discord: command failed");
                Reply::text(
                    "Something went wrong on paperboy's side; nothing was changed. Try again in a minute.",
                )
            }
        }
    }

    async fn on_autocomplete(&self, interaction: &CommandInteraction) {
        let Some(focused) = interaction.data.autocomplete() else {
            return;
        };
        let typed = focused.value.to_owned();
        // Which command is being typed decides where suggestions come from.
        let completion = invocation(&interaction.data).and_then(|invocation| {
            let option = commands::find(invocation.scope, invocation.name)?.option?;
            Some((invocation.scope, option.completion?))
        });
        let suggestions = match completion {
            Some((scope, Completion::Follows)) => {
                let address = subscriber_address(
                    scope,
                    interaction.guild_id.is_some(),
                    interaction.user.id.get(),
                    interaction.channel_id.get(),
                );
                match address {
                    Ok(address) => commands::follow_suggestions(&self.follows_of(&address), &typed),
                    Err(_) => Vec::new(),
                }
            }
            Some((_, Completion::TimeZones)) => commands::time_zone_suggestions(&typed),
            None => Vec::new(),
        };
        let choices = suggestions
            .into_iter()
            .map(|Suggestion { label, value }| AutocompleteChoice::new(label, value))
            .collect();
        let answered = interaction
            .create_response(
                &*self.rest.http,
                CreateInteractionResponse::Autocomplete(
                    CreateAutocompleteResponse::new().set_choices(choices),
                ),
            )
            .await;
        if let Err(err) = answered {
            tracing::warn!(error = %err, "discord: cannot answer an autocomplete");
        }
    }

    /// The follows of the subscriber at `address`, without creating one (typing is not
    /// subscribing).
    fn follows_of(&self, address: &Address) -> Vec<String> {
        let store = self.service.store();
        let follows =
            store
                .subscriber_by_address(address)
                .and_then(|subscriber| match subscriber {
                    Some(subscriber) => store.follows(subscriber.id),
                    None => Ok(Vec::new()),
                });
        match follows {
            Ok(follows) => follows.into_iter().map(|follow| follow.query).collect(),
            Err(err) => {
                tracing::error!(error = %err, "discord: cannot read follows for autocomplete");
                Vec::new()
            }
        }
    }

    async fn on_button(&self, interaction: &ComponentInteraction) {
        let in_server = interaction.guild_id.is_some();
        // A digest's buttons in a server are under the channel's digest; in a DM, the person's.
        let address = if in_server {
            Address::DiscordChannel {
                channel_id: interaction.channel_id.get(),
            }
        } else {
            Address::DiscordUser {
                user_id: interaction.user.id.get(),
            }
        };
        let Some(action) = ButtonAction::decode(&interaction.data.custom_id) else {
            self.toast(interaction, "This button no longer works.")
                .await;
            return;
        };
        match action {
            ButtonAction::Related(id) => {
                let deferred = interaction
                    .create_response(
                        &*self.rest.http,
                        CreateInteractionResponse::Defer(
                            CreateInteractionResponseMessage::new().ephemeral(in_server),
                        ),
                    )
                    .await;
                if let Err(err) = deferred {
                    tracing::warn!(error = %err, "discord: cannot acknowledge a button");
                    return;
                }
                let reply = self.run_command(&address, &format!("/related {id}")).await;
                self.follow_up(FollowUp::Button(interaction), &reply, in_server)
                    .await;
            }
            ButtonAction::Up(id) => {
                let text = self
                    .service
                    .vote_from_button(&address, &id, Vote::Up, self.clock.now());
                self.toast(interaction, text).await;
            }
            ButtonAction::Down(id) => {
                let text =
                    self.service
                        .vote_from_button(&address, &id, Vote::Down, self.clock.now());
                self.toast(interaction, text).await;
            }
        }
    }

    /// A short answer to a button, seen only by whoever pressed it.
    async fn toast(&self, interaction: &ComponentInteraction, text: &str) {
        let answered = interaction
            .create_response(
                &*self.rest.http,
                CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new()
                        .content(text)
                        .ephemeral(true)
                        .allowed_mentions(CreateAllowedMentions::new()),
                ),
            )
            .await;
        if let Err(err) = answered {
            tracing::warn!(error = %err, "discord: cannot answer a button");
        }
    }

    /// Answers a command at once: the first message as the response, the rest as follow-ups.
    async fn respond(&self, interaction: &CommandInteraction, reply: &Reply, ephemeral: bool) {
        let mut messages = render::render(reply, false).into_iter();
        let Some(first) = messages.next() else {
            return;
        };
        let mut response = CreateInteractionResponseMessage::new()
            .ephemeral(ephemeral)
            .allowed_mentions(CreateAllowedMentions::new())
            .embeds(embeds(&first));
        if !first.content.is_empty() {
            response = response.content(first.content.clone());
        }
        if let Err(err) = interaction
            .create_response(
                &*self.rest.http,
                CreateInteractionResponse::Message(response),
            )
            .await
        {
            tracing::warn!(error = %err, "discord: cannot answer an interaction");
            return;
        }
        for message in messages {
            if let Err(err) = interaction
                .create_followup(&*self.rest.http, followup(&message, ephemeral))
                .await
            {
                tracing::warn!(error = %err, "discord: cannot send a follow-up");
                return;
            }
        }
    }

    /// Completes a deferred answer: the first message replaces "thinking…", the rest follow.
    async fn follow_up(&self, to: FollowUp<'_>, reply: &Reply, ephemeral: bool) {
        let mut messages = render::render(reply, false).into_iter();
        let Some(first) = messages.next() else {
            return;
        };
        let mut edit = EditInteractionResponse::new()
            .allowed_mentions(CreateAllowedMentions::new())
            .embeds(embeds(&first));
        if !first.content.is_empty() {
            edit = edit.content(first.content.clone());
        }
        let http = &*self.rest.http;
        let edited = match to {
            FollowUp::Command(interaction) => interaction.edit_response(http, edit).await,
            FollowUp::Button(interaction) => interaction.edit_response(http, edit).await,
        };
        if let Err(err) = edited {
            tracing::warn!(error = %err, "discord: cannot complete a deferred answer");
            return;
        }
        for message in messages {
            let builder = followup(&message, ephemeral);
            let sent = match to {
                FollowUp::Command(interaction) => interaction.create_followup(http, builder).await,
                FollowUp::Button(interaction) => interaction.create_followup(http, builder).await,
            };
            if let Err(err) = sent {
                tracing::warn!(error = %err, "discord: cannot send a follow-up");
                return;
            }
        }
    }
}

/// The interaction a deferred answer belongs to.
#[derive(Clone, Copy)]
enum FollowUp<'a> {
    Command(&'a CommandInteraction),
    Button(&'a ComponentInteraction),
}

/// serenity's HTTP client: through the proxy when one is configured, which serenity applies
/// only with its own rate limiter off.
fn build_http(token: &str, proxy: Option<&str>, client: &reqwest::Client) -> Http {
    let builder = HttpBuilder::new(token)
        .client(client.clone())
        .default_allowed_mentions(CreateAllowedMentions::new());
    match proxy {
        Some(proxy) => builder.proxy(proxy).ratelimiter_disabled(true).build(),
        None => builder.build(),
    }
}

/// Discord's limits for bots: 50 requests a second overall, kept as one every 20 ms so no
/// second ever holds more than 50; a channel takes about 5 messages every 5 seconds.
fn discord_limits() -> ConversationLimits {
    let nonzero = |n: u32| std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN);
    let overall = Quota::with_period(std::time::Duration::from_millis(20))
        .unwrap_or_else(|| Quota::per_second(nonzero(50)));
    let per_channel = Quota::per_second(nonzero(1)).allow_burst(nonzero(5));
    ConversationLimits::new(overall, per_channel, per_channel)
}

/// What an interaction asks for: whose, which command, and its one option's value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Invocation<'a> {
    scope: Scope,
    name: &'a str,
    value: Option<String>,
}

fn invocation(data: &CommandData) -> Option<Invocation<'_>> {
    let (scope, name, options): (Scope, &str, &[CommandDataOption]) = if data.name == CHANNEL_GROUP
    {
        let sub = data.options.first()?;
        match &sub.value {
            CommandDataOptionValue::SubCommand(options) => {
                (Scope::Channel, sub.name.as_str(), options)
            }
            _ => return None,
        }
    } else {
        (Scope::User, data.name.as_str(), &data.options)
    };
    commands::find(scope, name)?;
    let value = options.first().and_then(|option| match &option.value {
        CommandDataOptionValue::String(text) => Some(text.clone()),
        CommandDataOptionValue::Integer(number) => Some(number.to_string()),
        CommandDataOptionValue::Autocomplete { value, .. } => Some(value.clone()),
        _ => None,
    });
    Some(Invocation { scope, name, value })
}

/// The subscriber a command is for, or why there is none.
fn subscriber_address(
    scope: Scope,
    in_server: bool,
    user_id: u64,
    channel_id: u64,
) -> Result<Address, &'static str> {
    match scope {
        Scope::User => Ok(Address::DiscordUser { user_id }),
        Scope::Channel if in_server => Ok(Address::DiscordChannel { channel_id }),
        Scope::Channel => Err(
            "/channel is for server channels. Here, use the commands without it: they are about your own digests.",
        ),
    }
}

/// Whether the member may change a channel's digests. Discord sends the member's permissions
/// in this channel (overwrites applied) with every interaction in a server.
fn may_manage_channel(member: Option<&Member>) -> bool {
    member
        .and_then(|member| member.permissions)
        .is_some_and(|permissions| permissions.administrator() || permissions.manage_channels())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::Permissions;

    #[test]
    fn only_channel_managers_and_administrators_may_change_a_channel() {
        let member = |permissions: Option<Permissions>| {
            let mut member: Member = serde_json::from_value(serde_json::json!({
                "user": {"id": "5", "username": "ada", "discriminator": "0", "global_name": null, "avatar": null},
                "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": false, "mute": false,
                "flags": 0, "guild_id": "9"
            }))
            .unwrap();
            member.permissions = permissions;
            member
        };
        assert!(!may_manage_channel(None));
        assert!(!may_manage_channel(Some(&member(None))));
        assert!(!may_manage_channel(Some(&member(Some(
            Permissions::SEND_MESSAGES | Permissions::MANAGE_MESSAGES
        )))));
        assert!(may_manage_channel(Some(&member(Some(
            Permissions::MANAGE_CHANNELS
        )))));
        assert!(may_manage_channel(Some(&member(Some(
            Permissions::ADMINISTRATOR
        )))));
    }
}
