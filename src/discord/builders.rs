//! paperboy's rendered messages and slash commands as serenity's builders: the one place
//! the pure [`render`](super::render) and [`commands`](super::commands) output meets
//! serenity's types.

use serenity::all::{
    ButtonStyle, CommandOptionType, CreateActionRow, CreateAllowedMentions, CreateButton,
    CreateCommand, CreateCommandOption, CreateEmbed, CreateInteractionResponseFollowup,
    InteractionContext, Permissions,
};

use super::commands::{self, CHANNEL_DESCRIPTION, CHANNEL_GROUP, OptionKind, SlashCommand};
use super::render::DiscordMessage;

/// Every slash command as Discord registers it.
pub fn slash_command_definitions() -> Vec<CreateCommand> {
    let mut definitions: Vec<CreateCommand> = commands::user_commands()
        .iter()
        .map(|command| {
            let mut definition =
                CreateCommand::new(command.info.name).description(command.info.summary);
            if let Some(option) = option_definition(command) {
                definition = definition.add_option(option);
            }
            definition
        })
        .collect();
    let mut channel = CreateCommand::new(CHANNEL_GROUP)
        .description(CHANNEL_DESCRIPTION)
        // Shown to channel managers by default; paperboy checks again, whatever a server
        // sets here.
        .default_member_permissions(Permissions::MANAGE_CHANNELS)
        .contexts(vec![InteractionContext::Guild]);
    for command in commands::channel_commands() {
        let mut sub = CreateCommandOption::new(
            CommandOptionType::SubCommand,
            command.info.name,
            command.info.summary,
        );
        if let Some(option) = option_definition(&command) {
            sub = sub.add_sub_option(option);
        }
        channel = channel.add_option(sub);
    }
    definitions.push(channel);
    definitions
}

fn option_definition(command: &SlashCommand) -> Option<CreateCommandOption> {
    let option = command.option?;
    let kind = match option.kind {
        OptionKind::Integer { .. } => CommandOptionType::Integer,
        OptionKind::Text | OptionKind::Choice(_) => CommandOptionType::String,
    };
    let mut definition = CreateCommandOption::new(kind, option.name, option.description)
        .required(option.required)
        .set_autocomplete(option.completion.is_some());
    match option.kind {
        OptionKind::Integer { min, max } => {
            definition = definition
                .min_int_value(min.unsigned_abs())
                .max_int_value(max.unsigned_abs());
        }
        OptionKind::Choice(choices) => {
            for choice in choices {
                definition = definition.add_string_choice(*choice, *choice);
            }
        }
        OptionKind::Text => {}
    }
    Some(definition)
}

pub fn embeds(message: &DiscordMessage) -> Vec<CreateEmbed> {
    message
        .embeds
        .iter()
        .map(|embed| {
            let mut built = CreateEmbed::new()
                .title(embed.title.clone())
                .description(embed.description.clone());
            if let Some(url) = &embed.url {
                built = built.url(url.clone());
            }
            built
        })
        .collect()
}

pub fn button_rows(message: &DiscordMessage) -> Vec<CreateActionRow> {
    message
        .rows
        .iter()
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|button| {
                        CreateButton::new(button.custom_id.clone())
                            .label(button.label.clone())
                            .style(ButtonStyle::Secondary)
                    })
                    .collect(),
            )
        })
        .collect()
}

pub fn followup(message: &DiscordMessage, ephemeral: bool) -> CreateInteractionResponseFollowup {
    let mut builder = CreateInteractionResponseFollowup::new()
        .ephemeral(ephemeral)
        .allowed_mentions(CreateAllowedMentions::new())
        .embeds(embeds(message));
    if !message.content.is_empty() {
        builder = builder.content(message.content.clone());
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_group_holds_subcommands_and_needs_a_server() {
        let json = serde_json::to_value(slash_command_definitions()).unwrap();
        let channel = json
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == CHANNEL_GROUP)
            .unwrap();
        assert_eq!(channel["default_member_permissions"], "16");
        assert_eq!(channel["contexts"], serde_json::json!([0]));
        assert!(
            channel["options"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["type"] == 1)
        );
        let follow = json
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "unfollow")
            .unwrap();
        assert_eq!(follow["options"][0]["autocomplete"], true);
    }
}
