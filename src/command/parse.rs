//! Chat text in, [`Command`] out: names, aliases, argument shapes, friendly errors.

use super::*;
use crate::matching::FollowQuery;
use crate::paper::parse_versioned;
use crate::subscriber::DigestMode;
use crate::text::{normalize_whitespace, truncate_chars};

/// Reads one chat message as a command. Names are case-insensitive, a Telegram
/// `@botname` suffix on the command word is ignored, and the arguments are the rest of the
/// message with whitespace collapsed. Arguments are checked for shape here; whether they
/// fit the subscriber's state (duplicates, numbers in range, schedules) is [`handle`]'s job.
pub fn parse(text: &str, limits: &CommandLimits) -> Result<Command, CommandError> {
    if text.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        return Err(CommandError::TooLong {
            limit: MAX_MESSAGE_CHARS,
        });
    }
    let text = text.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    if text.is_empty() {
        return Err(CommandError::Empty);
    }
    let Some(rest) = text.strip_prefix('/') else {
        return Err(CommandError::NotACommand);
    };
    let (word, raw_args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let args = normalize_whitespace(raw_args);
    // Telegram appends the bot's name in groups: `/follow@paperboy_bot`. Invisible marks
    // that right-to-left keyboards insert are not part of the name.
    let typed_name: String = word
        .split_once('@')
        .map_or(word, |(name, _bot)| name)
        .chars()
        .filter(|c| !is_invisible(*c))
        .collect();
    if typed_name.is_empty() {
        let spaced = args
            .split(' ')
            .next()
            .and_then(|next| known_name(&next.to_lowercase()));
        return Err(CommandError::MissingName { spaced });
    }
    let name = typed_name.to_lowercase();
    let no_args = |command: Command, name: &'static str| {
        if args.is_empty() {
            Ok(command)
        } else {
            Err(CommandError::UnexpectedArguments { command: name })
        }
    };
    match name.as_str() {
        // Telegram deep links (t.me/bot?start=PAYLOAD) send `/start PAYLOAD`; refusing it
        // would greet a newcomer with an error, so the payload is ignored instead.
        "start" => Ok(Command::Start),
        "help" => parse_help(&args),
        "follow" => parse_follow(&args, limits),
        "unfollow" => parse_unfollow(&args, limits),
        "follows" => no_args(Command::Follows, "follows"),
        "preview" => parse_preview(&args, limits),
        "why" => parse_why(&args),
        "related" => parse_related(&args),
        "search" => parse_search(&args, limits),
        "schedule" => Ok(Command::Schedule {
            spec: non_empty(args),
        }),
        "timezone" => Ok(Command::Timezone {
            zone: non_empty(args),
        }),
        "pause" => no_args(Command::Pause, "pause"),
        "resume" => no_args(Command::Resume, "resume"),
        "digest" => no_args(Command::Digest, "digest"),
        "trending" => parse_trending(&args, limits),
        "mode" => parse_mode(&args),
        "settings" => no_args(Command::Settings, "settings"),
        _ => Err(CommandError::UnknownCommand {
            name: echo(&typed_name),
            suggestion: suggest(&name),
        }),
    }
}

fn parse_help(args: &str) -> Result<Command, CommandError> {
    if args.is_empty() {
        return Ok(Command::Help { topic: None });
    }
    if args.contains(' ') {
        return Err(CommandError::HelpTakesOneTopic);
    }
    let typed = args.strip_prefix('/').unwrap_or(args);
    let typed = typed.split_once('@').map_or(typed, |(name, _bot)| name);
    if typed.is_empty() {
        return Ok(Command::Help { topic: None });
    }
    let topic = typed.to_lowercase();
    match known_name(&topic) {
        Some(name) => Ok(Command::Help {
            topic: Some(name.to_owned()),
        }),
        None => Err(CommandError::UnknownHelpTopic {
            topic: echo(typed),
            suggestion: suggest(&topic),
        }),
    }
}

fn parse_follow(args: &str, limits: &CommandLimits) -> Result<Command, CommandError> {
    if args.is_empty() {
        return Err(CommandError::MissingQuery);
    }
    check_query(args, limits.max_query_chars)?;
    Ok(Command::Follow {
        query: args.to_owned(),
    })
}

fn parse_preview(args: &str, limits: &CommandLimits) -> Result<Command, CommandError> {
    if args.is_empty() {
        return Err(CommandError::MissingPreviewQuery);
    }
    check_query(args, limits.max_query_chars)?;
    Ok(Command::Preview {
        query: args.to_owned(),
    })
}

/// Longest free text `/related` reads: a title and the start of an abstract.
pub const MAX_RELATED_TEXT_CHARS: usize = 1000;

fn parse_related(args: &str) -> Result<Command, CommandError> {
    if args.is_empty() {
        return Err(CommandError::MissingRelatedTarget);
    }
    if let Some(paper) = paper_reference(args) {
        return Ok(Command::Related {
            target: RelatedTarget::Paper(paper),
        });
    }
    let given = args.chars().count();
    if given > MAX_RELATED_TEXT_CHARS {
        return Err(CommandError::RelatedTextTooLong {
            given,
            limit: MAX_RELATED_TEXT_CHARS,
        });
    }
    Ok(Command::Related {
        target: RelatedTarget::Text(args.to_owned()),
    })
}

fn parse_search(args: &str, limits: &CommandLimits) -> Result<Command, CommandError> {
    if args.is_empty() {
        return Err(CommandError::MissingSearchQuery);
    }
    check_query(args, limits.max_query_chars)?;
    Ok(Command::Search {
        query: args.to_owned(),
    })
}

fn parse_why(args: &str) -> Result<Command, CommandError> {
    if args.is_empty() {
        return Err(CommandError::MissingPaper);
    }
    match paper_reference(args) {
        Some(paper) => Ok(Command::Why { paper }),
        None => Err(CommandError::BadPaper { given: echo(args) }),
    }
}

/// An arXiv id or link as people paste them, version dropped; `None` when it is neither.
fn paper_reference(args: &str) -> Option<PaperId> {
    // Discord users wrap links in <> to suppress the preview card, and links copied from an
    // address bar often lack the scheme; both still name the paper.
    let link = args
        .strip_prefix('<')
        .and_then(|inner| inner.strip_suffix('>'))
        .unwrap_or(args);
    let has_bare_host = ["arxiv.org/", "www.arxiv.org/", "export.arxiv.org/"]
        .iter()
        .any(|host| {
            link.get(..host.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(host))
        });
    let parsed = if has_bare_host {
        parse_versioned(&format!("https://{link}"))
    } else {
        parse_versioned(link)
    };
    parsed.ok().map(|(paper, _version)| paper)
}

fn parse_unfollow(args: &str, limits: &CommandLimits) -> Result<Command, CommandError> {
    if args.is_empty() {
        return Err(CommandError::MissingUnfollowTarget);
    }
    let digits = args.strip_prefix('+').unwrap_or(args);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return match digits.parse::<usize>() {
            Ok(0) => Err(CommandError::FollowNumberBelowOne),
            Ok(number) => Ok(Command::Unfollow {
                target: UnfollowTarget::Number(number),
            }),
            Err(_) => Err(CommandError::FollowNumberTooLarge {
                given: echo(digits),
            }),
        };
    }
    if let Some(magnitude) = args.strip_prefix('-')
        && !magnitude.is_empty()
        && magnitude.chars().all(|c| c.is_ascii_digit())
    {
        return Err(CommandError::FollowNumberBelowOne);
    }
    check_query(args, limits.max_query_chars)?;
    Ok(Command::Unfollow {
        target: UnfollowTarget::Query(args.to_owned()),
    })
}

fn parse_trending(args: &str, limits: &CommandLimits) -> Result<Command, CommandError> {
    if args.is_empty() {
        return Ok(Command::Trending { count: None });
    }
    match args.parse::<u32>() {
        Ok(count) if (1..=limits.max_trending).contains(&count) => {
            Ok(Command::Trending { count: Some(count) })
        }
        _ => Err(CommandError::BadTrendingCount {
            max: limits.max_trending,
        }),
    }
}

fn parse_mode(args: &str) -> Result<Command, CommandError> {
    let mode = match args.to_lowercase().as_str() {
        "" => None,
        "follows" => Some(DigestMode::Follows),
        "trending" => Some(DigestMode::Trending),
        "both" => Some(DigestMode::Both),
        _ => return Err(CommandError::BadMode { given: echo(args) }),
    };
    Ok(Command::Mode { mode })
}

/// Parses a follow query the way `/follow` stores it.
pub(super) fn check_query(query: &str, max_chars: usize) -> Result<FollowQuery, CommandError> {
    FollowQuery::parse(query, max_chars).map_err(|error| CommandError::InvalidQuery { error })
}

fn non_empty(args: String) -> Option<String> {
    (!args.is_empty()).then_some(args)
}

fn known_name(name: &str) -> Option<&'static str> {
    command_info(name).map(|info| info.name)
}

/// The closest command name within edit distance 2, the earlier one in [`COMMANDS`] on ties.
fn suggest(typed: &str) -> Option<&'static str> {
    // Farther than two edits from the longest name (8 characters): skip the work.
    if typed.chars().count() > 10 {
        return None;
    }
    COMMANDS
        .iter()
        .map(|info| (edit_distance(typed, info.name), info.name))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Zero-width and bidirectional formatting characters: invisible, but they would change
/// how an echoed word or the rest of a reply is displayed.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// User input made safe to quote in a reply: control characters shown as `�`, invisible
/// ones dropped, at most 40 characters.
pub(super) fn echo(input: &str) -> String {
    let clean: String = input
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    let short = truncate_chars(&clean, 40);
    if short.len() < clean.len() {
        format!("{short}…")
    } else {
        clean
    }
}

/// The first letter upper-cased, for messages that are also embedded mid-sentence.
pub(super) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
