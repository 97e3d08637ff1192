//! The slash commands, built from the core's command table: each is a command name and at
//! most one option, and an invocation becomes the same text a chat message would be
//! (`/follow query:"diffusion transformer"` -> `/follow diffusion transformer`), so every
//! rule stays in the core. Pure: no serenity types; `mod.rs` turns these into builders.

use crate::command::{COMMANDS, CommandInfo};

/// Whose follows and settings a command is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The person (digests by DM): the top-level commands.
    User,
    /// The server channel it is used in: `/channel …`.
    Channel,
}

/// The name of the command group for a server channel's digests.
pub const CHANNEL_GROUP: &str = "channel";
/// What `/channel` says about itself in Discord's command picker.
pub const CHANNEL_DESCRIPTION: &str = "Digests for this channel: its follows and settings";

/// What an option holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    Text,
    /// A whole number in `min..=max`.
    Integer {
        min: i64,
        max: i64,
    },
    /// One of these words.
    Choice(&'static [&'static str]),
}

/// Where suggestions for an option come from as the person types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// The subscriber's follows, numbered as `/follows` numbers them.
    Follows,
    /// IANA time zone names.
    TimeZones,
}

/// A command's one option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlashOption {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: OptionKind,
    pub required: bool,
    pub completion: Option<Completion>,
}

/// One slash command (or `/channel` subcommand).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlashCommand {
    pub info: &'static CommandInfo,
    pub option: Option<SlashOption>,
}

/// Commands Discord does not need: `/start` is Telegram's greeting.
const NOT_ON_DISCORD: &[&str] = &["start"];
/// The commands `/channel` offers: those about a subscriber's own follows and settings.
const CHANNEL_COMMANDS: &[&str] = &[
    "follow", "unfollow", "follows", "schedule", "timezone", "mode", "pause", "resume", "digest",
    "settings", "why",
];
/// Commands whose work may take longer than Discord's 3 seconds: answered with "thinking…"
/// at once, and followed up.
const SLOW: &[&str] = &["related", "preview", "search", "digest", "trending"];
/// Commands whose answers are papers worth showing the channel; everything else (settings,
/// errors, refusals) is shown to the person alone.
const PUBLIC: &[&str] = &["related", "preview", "search", "trending"];

/// Names `/help` takes as its choices.
const HELP_TOPICS: &[&str] = &[
    "follow", "preview", "follows", "unfollow", "digest", "why", "related", "search", "trending",
    "schedule", "timezone", "mode", "pause", "resume", "settings", "help",
];

fn option_for(name: &str) -> Option<SlashOption> {
    let text = |name, description, required| SlashOption {
        name,
        description,
        kind: OptionKind::Text,
        required,
        completion: None,
    };
    Some(match name {
        "follow" => text("query", "Words, \"phrases\", OR, -word, ti: au: cat:", true),
        "preview" => text("query", "A query in the /follow language", true),
        "search" => text("query", "A query in the /follow language", true),
        "unfollow" => SlashOption {
            completion: Some(Completion::Follows),
            ..text(
                "follow",
                "A number from /follows, or the follow's words",
                true,
            )
        },
        "why" => text("paper", "An arXiv id or link", true),
        "related" => text("paper", "An arXiv id or link, a title, or some words", true),
        "schedule" => text(
            "spec",
            "daily 08:00, weekdays 07:30, weekly mon 09:00, 0 8 * * 1-5, or off",
            false,
        ),
        "timezone" => SlashOption {
            completion: Some(Completion::TimeZones),
            ..text("zone", "An IANA zone, e.g. Europe/Berlin", false)
        },
        "trending" => SlashOption {
            kind: OptionKind::Integer { min: 1, max: 50 },
            ..text("count", "How many papers", false)
        },
        "mode" => SlashOption {
            kind: OptionKind::Choice(&["follows", "trending", "both"]),
            ..text("mode", "What digests contain", false)
        },
        "help" => SlashOption {
            kind: OptionKind::Choice(HELP_TOPICS),
            ..text("command", "A command to explain", false)
        },
        _ => return None,
    })
}

/// The top-level commands, in the core's order.
pub fn user_commands() -> Vec<SlashCommand> {
    COMMANDS
        .iter()
        .filter(|info| !NOT_ON_DISCORD.contains(&info.name))
        .map(|info| SlashCommand {
            info,
            option: option_for(info.name),
        })
        .collect()
}

/// The subcommands of `/channel`.
pub fn channel_commands() -> Vec<SlashCommand> {
    user_commands()
        .into_iter()
        .filter(|command| CHANNEL_COMMANDS.contains(&command.info.name))
        .collect()
}

/// The command (in `scope`) called `name`, if there is one.
pub fn find(scope: Scope, name: &str) -> Option<SlashCommand> {
    let commands = match scope {
        Scope::User => user_commands(),
        Scope::Channel => channel_commands(),
    };
    commands
        .into_iter()
        .find(|command| command.info.name == name)
}

/// The chat text an invocation stands for: `/name value`, or `/name`.
pub fn command_text(name: &str, value: Option<&str>) -> String {
    match value.map(str::trim).filter(|value| !value.is_empty()) {
        Some(value) => format!("/{name} {value}"),
        None => format!("/{name}"),
    }
}

/// Whether a command's answer is deferred and followed up.
pub fn is_slow(name: &str) -> bool {
    SLOW.contains(&name)
}

/// Whether a command's answer is shown to everyone in the channel.
pub fn is_public(name: &str) -> bool {
    PUBLIC.contains(&name)
}

/// One autocomplete suggestion: what the person sees, and the value that is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub label: String,
    pub value: String,
}

/// Discord shows at most this many suggestions.
pub const MAX_SUGGESTIONS: usize = 25;
/// A suggestion's label and value may have this many characters.
const MAX_SUGGESTION_CHARS: usize = 100;

/// The follows whose text contains what was typed so far, numbered as `/follows` numbers
/// them; the number is what is sent, so `/unfollow` removes exactly that follow.
pub fn follow_suggestions(follows: &[String], typed: &str) -> Vec<Suggestion> {
    let typed = typed.trim().to_lowercase();
    follows
        .iter()
        .enumerate()
        .filter(|(i, query)| {
            typed.is_empty()
                || query.to_lowercase().contains(&typed)
                || (i + 1).to_string() == typed
        })
        .take(MAX_SUGGESTIONS)
        .map(|(i, query)| Suggestion {
            label: crate::text::truncate_chars(
                &format!("{}. {query}", i + 1),
                MAX_SUGGESTION_CHARS,
            )
            .to_owned(),
            value: (i + 1).to_string(),
        })
        .collect()
}

/// IANA zones containing what was typed so far (spaces read as `_`), those starting with
/// it first.
pub fn time_zone_suggestions(typed: &str) -> Vec<Suggestion> {
    let typed = typed.trim().replace(' ', "_").to_lowercase();
    let mut starts = Vec::new();
    let mut contains = Vec::new();
    for zone in chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name()) {
        let lower = zone.to_lowercase();
        let city = lower.rsplit('/').next().unwrap_or(&lower);
        if lower.starts_with(&typed) || city.starts_with(&typed) {
            starts.push(zone);
        } else if lower.contains(&typed) {
            contains.push(zone);
        }
    }
    starts
        .into_iter()
        .chain(contains)
        .take(MAX_SUGGESTIONS)
        .map(|zone| Suggestion {
            label: zone.to_owned(),
            value: zone.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_fits_discords_rules() {
        let valid_name = |name: &str| {
            (1..=32).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        };
        let commands = user_commands();
        assert!(commands.len() <= 100);
        for command in commands.iter().chain(&channel_commands()) {
            assert!(valid_name(command.info.name), "{}", command.info.name);
            assert!((1..=100).contains(&command.info.summary.chars().count()));
            if let Some(option) = command.option {
                assert!(valid_name(option.name), "{}", option.name);
                assert!((1..=100).contains(&option.description.chars().count()));
                if let OptionKind::Choice(choices) = option.kind {
                    assert!(choices.len() <= 25);
                    assert!(
                        option.completion.is_none(),
                        "choices or autocomplete, not both"
                    );
                }
            }
        }
        assert!(valid_name(CHANNEL_GROUP) && CHANNEL_DESCRIPTION.len() <= 100);
        let names: Vec<&str> = user_commands().iter().map(|c| c.info.name).collect();
        assert_eq!(HELP_TOPICS, names, "/help offers every command");
        assert!(find(Scope::User, "start").is_none());
        assert!(find(Scope::Channel, "related").is_none());
        assert!(find(Scope::Channel, "follow").is_some());
    }

    #[test]
    fn the_issues_commands_are_all_there() {
        for name in [
            "follow", "unfollow", "follows", "schedule", "timezone", "pause", "resume", "digest",
            "related", "search", "preview", "why", "help",
        ] {
            assert!(find(Scope::User, name).is_some(), "{name}");
        }
        assert_eq!(
            find(Scope::User, "unfollow")
                .unwrap()
                .option
                .unwrap()
                .completion,
            Some(Completion::Follows)
        );
        assert_eq!(
            find(Scope::User, "timezone")
                .unwrap()
                .option
                .unwrap()
                .completion,
            Some(Completion::TimeZones)
        );
    }

    #[test]
    fn invocations_become_the_core_commands_text() {
        let check = |name, value: Option<&str>, expected: &str| {
            assert_eq!(command_text(name, value), expected);
        };
        check(
            "follow",
            Some("\"diffusion transformer\""),
            "/follow \"diffusion transformer\"",
        );
        check("follow", Some("  diffusion  "), "/follow diffusion");
        check("follows", None, "/follows");
        check("schedule", Some("   "), "/schedule");
        check("trending", Some("5"), "/trending 5");
    }

    #[test]
    fn follow_suggestions_send_the_follows_number() {
        let follows = vec![
            "diffusion".to_owned(),
            "\"state space model\"".to_owned(),
            "video diffusion".to_owned(),
        ];
        let values = |typed| {
            follow_suggestions(&follows, typed)
                .into_iter()
                .map(|s| (s.label, s.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            values("diff"),
            [
                ("1. diffusion".to_owned(), "1".to_owned()),
                ("3. video diffusion".to_owned(), "3".to_owned())
            ]
        );
        assert_eq!(values("").len(), 3);
        assert_eq!(
            values("2"),
            [("2. \"state space model\"".to_owned(), "2".to_owned())]
        );
        assert!(values("sparse").is_empty());
    }

    #[test]
    fn time_zone_suggestions_put_prefixes_first() {
        let zones: Vec<String> = time_zone_suggestions("berl")
            .into_iter()
            .map(|s| s.value)
            .collect();
        assert_eq!(zones.first().map(String::as_str), Some("Europe/Berlin"));
        let new_york = time_zone_suggestions("new york");
        assert!(new_york.iter().any(|s| s.value == "America/New_York"));
        assert_eq!(time_zone_suggestions("").len(), MAX_SUGGESTIONS);
        assert!(time_zone_suggestions("no such place").is_empty());
    }
}
