//! Chat commands: text in, [`Command`] out; command and subscriber state in, [`Handled`] out.
//!
//! Every transport (Telegram, Discord, email, the console) hands the text a person sent to
//! [`parse`] once and renders the [`Reply`] that [`handle`] returns; nothing here knows any
//! markup. Both steps are pure: no store, no clock (`now` comes in through
//! [`HandlerContext`]), no I/O, and no panics on any input. A bad input always yields a
//! specific usage message and never a [`Change`]. This module may depend on `subscriber`,
//! `reply`, `matching`, `schedule` and `text`, and on nothing that does I/O.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::matching::{FollowQuery, QueryError};
use crate::reply::{Block, Reply};
use crate::schedule::{self, Schedule};
use crate::subscriber::{DigestMode, Follow, Subscriber};
use crate::text::{normalize_whitespace, truncate_chars};

/// Longer messages are refused before any other work. It is Telegram's message limit, and
/// no command needs more.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// How many papers `/trending` shows when no count is given.
pub const DEFAULT_TRENDING: u32 = 10;

/// What a person asked for, independent of the platform they asked on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Start,
    /// `topic` is a known command name, lowercase, without the `/`.
    Help {
        topic: Option<String>,
    },
    /// `query` is as typed (whitespace collapsed); the handler normalizes it.
    Follow {
        query: String,
    },
    Unfollow {
        target: UnfollowTarget,
    },
    Follows,
    /// `None` shows the current schedule.
    Schedule {
        spec: Option<String>,
    },
    /// `None` shows the current time zone.
    Timezone {
        zone: Option<String>,
    },
    Pause,
    Resume,
    Digest,
    Trending {
        count: Option<u32>,
    },
    /// `None` shows the current mode.
    Mode {
        mode: Option<DigestMode>,
    },
    Settings,
}

/// Which follow `/unfollow` removes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnfollowTarget {
    /// 1-based, as `/follows` numbers them.
    Number(usize),
    /// As typed; matched against follows after normalizing it like `/follow` does.
    Query(String),
}

/// Limits that come from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandLimits {
    pub max_follows: usize,
    pub max_query_chars: usize,
    pub max_trending: u32,
}

impl Default for CommandLimits {
    fn default() -> CommandLimits {
        CommandLimits {
            max_follows: 50,
            max_query_chars: 200,
            max_trending: 50,
        }
    }
}

/// Why a message is not a usable command. `Display` is the message shown to the person.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error(
        "that message is longer than {limit} characters, too long for a command; send /help for the list"
    )]
    TooLong { limit: usize },
    #[error(
        "the message is empty; send a command such as /follow diffusion models, or /help for the list"
    )]
    Empty,
    #[error("commands start with /, e.g. /follow diffusion models; send /help for the list")]
    NotACommand,
    /// `/` alone, or `/ follow`. `spaced` is the command that follows the space, if any.
    #[error("{}", missing_name_message(*.spaced))]
    MissingName { spaced: Option<&'static str> },
    /// `name` is as typed, made safe to echo.
    #[error("{}", unknown_message("unknown command", .name, *.suggestion))]
    UnknownCommand {
        name: String,
        suggestion: Option<&'static str>,
    },
    #[error("/{command} takes no arguments; send just /{command}")]
    UnexpectedArguments { command: &'static str },
    #[error("/follow needs a query, e.g. /follow diffusion models")]
    MissingQuery,
    #[error("{input} has no words to {command}; try e.g. /{command} diffusion models")]
    QueryHasNoWords {
        command: &'static str,
        input: String,
    },
    #[error("the query is {chars} characters long; the limit is {limit}")]
    QueryTooLong { chars: usize, limit: usize },
    #[error(
        "/unfollow needs a number or a query, e.g. /unfollow 2 or /unfollow diffusion models; /follows shows the numbers"
    )]
    MissingUnfollowTarget,
    #[error("follows are numbered from 1; send /follows to see the numbers")]
    FollowNumberBelowOne,
    #[error("there is no follow number {given}; send /follows to see the numbers")]
    FollowNumberTooLarge { given: String },
    #[error("/trending takes a number from 1 to {max}, e.g. /trending 10")]
    BadTrendingCount { max: u32 },
    #[error("there is no mode {given}; /mode takes follows, trending or both, e.g. /mode both")]
    BadMode { given: String },
    #[error("{}", unknown_message("there is no command", .topic, *.suggestion))]
    UnknownHelpTopic {
        topic: String,
        suggestion: Option<&'static str>,
    },
    #[error("/help takes one command name, e.g. /help follow")]
    HelpTakesOneTopic,
}

impl CommandError {
    /// The message as a reply, ready for any transport.
    pub fn to_reply(&self) -> Reply {
        Reply::text(sentence(&self.to_string()))
    }
}

fn missing_name_message(spaced: Option<&str>) -> String {
    match spaced {
        Some(name) => format!("write the command without a space after the /, like this: /{name}"),
        None => {
            "a command name must follow the /, e.g. /follow diffusion models; send /help for the list"
                .to_owned()
        }
    }
}

fn unknown_message(lead: &str, name: &str, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(known) => {
            format!("{lead} /{name} — did you mean /{known}? Send /help for the list")
        }
        None => format!("{lead} /{name}; send /help for the list"),
    }
}

/// One command as /help and the platform command menus describe it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandInfo {
    /// Lowercase, without the `/`; valid as a Telegram and Discord command name.
    pub name: &'static str,
    /// The argument synopsis, empty when the command takes none.
    pub args: &'static str,
    /// One line for menus; under 60 characters.
    pub summary: &'static str,
    /// What `/help NAME` adds: the exact behaviour and examples.
    pub details: &'static str,
}

/// Every command, in the order menus and /help list them (most used first).
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "follow",
        args: "QUERY",
        summary: "Follow papers matching a query",
        details: "A paper matches when every word of the query appears in its title or \
                  abstract, in any order, ignoring case and punctuation. Examples: \
                  /follow diffusion models, /follow protein language model, /follow RLHF.",
    },
    CommandInfo {
        name: "follows",
        args: "",
        summary: "List your follows, numbered",
        details: "Shows your follows with the numbers /unfollow takes.",
    },
    CommandInfo {
        name: "unfollow",
        args: "NUMBER | QUERY",
        summary: "Stop following a query",
        details: "Removes a follow by its number in /follows or by its words. Examples: \
                  /unfollow 2, /unfollow diffusion models.",
    },
    CommandInfo {
        name: "digest",
        args: "",
        summary: "Send your digest now",
        details: "Sends your digest now instead of waiting for the schedule.",
    },
    CommandInfo {
        name: "trending",
        args: "[N]",
        summary: "Most upvoted papers on Hugging Face today",
        details: "Shows the N most upvoted papers on Hugging Face Daily Papers, 10 if you \
                  leave N out. Example: /trending 5.",
    },
    CommandInfo {
        name: "schedule",
        args: "[SPEC]",
        summary: "Show or set when digests arrive",
        details: "Without a SPEC, shows your schedule and the next digest. Times are in \
                  your /timezone. Examples: /schedule daily 08:00, /schedule weekdays 7:30, \
                  /schedule weekly mon 09:00, /schedule 0 8 * * 1-5 (a 5-field crontab), \
                  /schedule off.",
    },
    CommandInfo {
        name: "timezone",
        args: "[ZONE]",
        summary: "Show or set your time zone",
        details: "Your schedule runs in this zone. ZONE is an IANA name. Examples: \
                  /timezone Europe/Berlin, /timezone America/New_York, /timezone Asia/Tokyo.",
    },
    CommandInfo {
        name: "mode",
        args: "[follows|trending|both]",
        summary: "Show or set what digests contain",
        details: "follows: papers matching your follows. trending: the most upvoted papers \
                  on Hugging Face. both: your follows first, then trending. Example: /mode both.",
    },
    CommandInfo {
        name: "pause",
        args: "",
        summary: "Pause digests; follows are kept",
        details: "Stops scheduled digests until /resume. Your follows and settings stay as \
                  they are.",
    },
    CommandInfo {
        name: "resume",
        args: "",
        summary: "Resume paused digests",
        details: "Restarts scheduled digests after /pause.",
    },
    CommandInfo {
        name: "settings",
        args: "",
        summary: "Show all your settings",
        details: "Shows where digests go, your time zone, schedule, mode, number of follows \
                  and when the next digest is due.",
    },
    CommandInfo {
        name: "help",
        args: "[COMMAND]",
        summary: "List commands, or explain one",
        details: "Without an argument, lists every command. With a command name, explains \
                  it. Example: /help follow.",
    },
    CommandInfo {
        name: "start",
        args: "",
        summary: "What paperboy does, and your schedule",
        details: "Says what paperboy does and shows your schedule and time zone.",
    },
];

/// The metadata of a command, by its lowercase name.
pub fn command_info(name: &str) -> Option<&'static CommandInfo> {
    COMMANDS.iter().find(|info| info.name == name)
}

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
    check_query("follow", args, limits.max_query_chars)?;
    Ok(Command::Follow {
        query: args.to_owned(),
    })
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
    check_query("unfollow", args, limits.max_query_chars)?;
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

/// Parses a follow query the way `/follow` stores it, with messages for `command`.
fn check_query(
    command: &'static str,
    query: &str,
    max_chars: usize,
) -> Result<FollowQuery, CommandError> {
    FollowQuery::parse(query, max_chars).map_err(|error| match error {
        QueryError::Empty => CommandError::QueryHasNoWords {
            command,
            input: format!("\"{}\"", echo(query)),
        },
        QueryError::TooLong { chars, limit } => CommandError::QueryTooLong { chars, limit },
    })
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
fn echo(input: &str) -> String {
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
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// --- Handlers ---------------------------------------------------------------------------

/// What a handler sees of the subscriber.
#[derive(Clone, Copy, Debug)]
pub struct SubscriberState<'a> {
    pub subscriber: &'a Subscriber,
    /// In the order `/follows` numbers them.
    pub follows: &'a [Follow],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandlerContext {
    pub limits: CommandLimits,
    pub now: DateTime<Utc>,
}

/// What the shell does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Apply `change` (if any), flush, then send `reply`.
    Done {
        reply: Reply,
        change: Option<Change>,
    },
    /// The shell builds and sends a digest now.
    SendDigestNow,
    /// The shell shows the top-`count` trending papers.
    ShowTrending { count: u32 },
}

/// One change to a subscriber's state, for the shell to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    AddFollow(Follow),
    /// 0-based index into [`SubscriberState::follows`].
    RemoveFollow {
        index: usize,
    },
    /// The schedule in normalized form.
    SetSchedule(String),
    /// An IANA zone name.
    SetTimeZone(String),
    SetPaused(bool),
    SetMode(DigestMode),
}

/// Answers a command. Never fails: a request that does not fit the state gets an
/// explanation and no change.
pub fn handle(command: &Command, state: &SubscriberState<'_>, ctx: &HandlerContext) -> Handled {
    match command {
        Command::Start => done(start(state, ctx)),
        Command::Help { topic } => done(help(topic.as_deref())),
        Command::Follow { query } => follow(query, state, ctx),
        Command::Unfollow { target } => unfollow(target, state, ctx),
        Command::Follows => done(list_follows(state.follows)),
        Command::Schedule { spec: None } => done(show_schedule(state.subscriber, ctx.now)),
        Command::Schedule { spec: Some(spec) } => set_schedule(spec, state.subscriber, ctx.now),
        Command::Timezone { zone: None } => done(show_time_zone(state.subscriber, ctx.now)),
        Command::Timezone { zone: Some(zone) } => set_time_zone(zone, state.subscriber, ctx.now),
        Command::Pause => pause(state.subscriber),
        Command::Resume => resume(state.subscriber, ctx.now),
        Command::Digest => Handled::SendDigestNow,
        Command::Trending { count } => Handled::ShowTrending {
            count: count
                .unwrap_or(DEFAULT_TRENDING)
                .min(ctx.limits.max_trending)
                .max(1),
        },
        Command::Mode { mode: None } => done(show_mode(state)),
        Command::Mode { mode: Some(mode) } => set_mode(*mode, state),
        Command::Settings => done(settings(state, ctx.now)),
    }
}

fn done(reply: Reply) -> Handled {
    Handled::Done {
        reply,
        change: None,
    }
}

fn changed(reply: Reply, change: Change) -> Handled {
    Handled::Done {
        reply,
        change: Some(change),
    }
}

fn start(state: &SubscriberState<'_>, ctx: &HandlerContext) -> Reply {
    let subscriber = state.subscriber;
    let mut when = format!("Digests: {}.", schedule_in_zone(subscriber));
    if subscriber.paused {
        when.push_str(" Paused; /resume restarts them.");
    } else {
        when.push_str(" Change them with /schedule and /timezone.");
    }
    Reply::new()
        .with(Block::Text(
            "Hi, I'm paperboy. I watch new arXiv and Hugging Face papers and send you a digest \
             of the ones matching the queries you follow."
                .to_owned(),
        ))
        .with(Block::Text(
            "Follow a topic with /follow, e.g. /follow diffusion models. Every word must appear \
             in a paper's title or abstract."
                .to_owned(),
        ))
        .with(Block::Text(when))
        .with(Block::Hint(follow_count_hint(state.follows.len(), ctx)))
}

fn follow_count_hint(count: usize, ctx: &HandlerContext) -> String {
    match count {
        0 => "Send /help for every command.".to_owned(),
        _ => format!(
            "You follow {} of at most {}; /follows lists them, /help lists every command.",
            queries(count),
            ctx.limits.max_follows
        ),
    }
}

fn help(topic: Option<&str>) -> Reply {
    if let Some(info) = topic.and_then(command_info) {
        return Reply::new()
            .with(Block::Heading(synopsis(info)))
            .with(Block::Text(format!("{}.", info.summary)))
            .with(Block::Text(info.details.to_owned()));
    }
    let lines = COMMANDS
        .iter()
        .map(|info| format!("{} — {}", synopsis(info), info.summary))
        .collect();
    Reply::new()
        .with(Block::Heading("Commands".to_owned()))
        .with(Block::List(lines))
        .with(Block::Hint(
            "Send /help COMMAND for details, e.g. /help follow.".to_owned(),
        ))
}

fn synopsis(info: &CommandInfo) -> String {
    if info.args.is_empty() {
        format!("/{}", info.name)
    } else {
        format!("/{} {}", info.name, info.args)
    }
}

fn follow(query: &str, state: &SubscriberState<'_>, ctx: &HandlerContext) -> Handled {
    let parsed = match check_query("follow", query, ctx.limits.max_query_chars) {
        Ok(parsed) => parsed,
        Err(error) => return done(error.to_reply()),
    };
    let normalized = parsed.normalized();
    if let Some(index) = state.follows.iter().position(|f| f.query == normalized) {
        return done(Reply::text(format!(
            "You already follow \"{normalized}\" (number {} in /follows).",
            index + 1
        )));
    }
    let count = state.follows.len();
    let max = ctx.limits.max_follows;
    if count >= max {
        let text = if count == max {
            format!(
                "You follow {}, the limit; /unfollow one first.",
                queries(count)
            )
        } else {
            format!(
                "You follow {} and the limit is {max}; /unfollow one first.",
                queries(count)
            )
        };
        return done(Reply::text(text));
    }
    let subscriber = state.subscriber;
    let mut reply = Reply::new().with(Block::Text(format!(
        "Following \"{normalized}\": papers with all of these words in the title or abstract."
    )));
    if subscriber.mode == DigestMode::Trending {
        reply.push(Block::Hint(
            "Your digests show trending papers only; /mode both adds your follows.".to_owned(),
        ));
    }
    reply.push(Block::Text(next_digest_of(subscriber, ctx.now).sentence()));
    changed(
        reply,
        Change::AddFollow(Follow {
            query: normalized,
            created_at: ctx.now,
        }),
    )
}

fn unfollow(target: &UnfollowTarget, state: &SubscriberState<'_>, ctx: &HandlerContext) -> Handled {
    let follows = state.follows;
    if follows.is_empty() {
        return done(
            Reply::text("You don't follow anything, so there is nothing to unfollow.").with(
                Block::Hint("Add a query with /follow, e.g. /follow diffusion models.".to_owned()),
            ),
        );
    }
    let index = match target {
        UnfollowTarget::Number(number) => {
            if (1..=follows.len()).contains(number) {
                number - 1
            } else {
                let range = match follows.len() {
                    1 => "you have 1 follow, number 1".to_owned(),
                    n => format!("your follows are numbered 1 to {n}"),
                };
                return done(Reply::text(format!(
                    "There is no follow number {number}; {range}. Send /follows to see them."
                )));
            }
        }
        UnfollowTarget::Query(query) => {
            let normalized = match check_query("unfollow", query, ctx.limits.max_query_chars) {
                Ok(parsed) => parsed.normalized(),
                Err(error) => return done(error.to_reply()),
            };
            match follows.iter().position(|f| f.query == normalized) {
                Some(index) => index,
                None => {
                    return done(
                        Reply::text(format!("You don't follow \"{normalized}\". You follow:"))
                            .with(Block::List(numbered(follows)))
                            .with(Block::Hint(
                                "Unfollow by number, e.g. /unfollow 1.".to_owned(),
                            )),
                    );
                }
            }
        }
    };
    let left = follows.len() - 1;
    let remaining = match left {
        0 => "You follow nothing now.".to_owned(),
        n => format!("You follow {} now.", queries(n)),
    };
    changed(
        Reply::text(format!(
            "Unfollowed \"{}\". {remaining}",
            follows[index].query
        )),
        Change::RemoveFollow { index },
    )
}

fn list_follows(follows: &[Follow]) -> Reply {
    if follows.is_empty() {
        return Reply::text("You don't follow anything yet.").with(Block::Hint(
            "Add a query with /follow, e.g. /follow diffusion models.".to_owned(),
        ));
    }
    Reply::new()
        .with(Block::Heading(format!("Your follows ({})", follows.len())))
        .with(Block::List(numbered(follows)))
        .with(Block::Hint(
            "Remove one with /unfollow NUMBER, e.g. /unfollow 1.".to_owned(),
        ))
}

fn numbered(follows: &[Follow]) -> Vec<String> {
    follows
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{}. {}", i + 1, f.query))
        .collect()
}

fn show_schedule(subscriber: &Subscriber, now: DateTime<Utc>) -> Reply {
    Reply::new()
        .with(Block::Text(format!(
            "Schedule: {}.",
            schedule_in_zone(subscriber)
        )))
        .with(Block::Text(next_digest_of(subscriber, now).sentence()))
        .with(Block::Hint(SCHEDULE_EXAMPLES.to_owned()))
}

const SCHEDULE_EXAMPLES: &str =
    "Change it with e.g. /schedule weekdays 07:30, /schedule weekly mon 09:00 or /schedule off.";

fn set_schedule(spec: &str, subscriber: &Subscriber, now: DateTime<Utc>) -> Handled {
    // The schedule module's messages carry their own examples.
    let parsed = match schedule::parse(spec) {
        Ok(parsed) => parsed,
        Err(error) => return done(Reply::text(error.to_string())),
    };
    let words = schedule::describe(&parsed);
    let next = next_digest(
        Some(&parsed),
        schedule::parse_time_zone(&subscriber.time_zone).ok(),
        subscriber.paused,
        now,
    );
    if schedule::parse(&subscriber.schedule).is_ok_and(|current| current == parsed) {
        return done(Reply::text(format!(
            "Your schedule is already {words}. {}",
            next.sentence()
        )));
    }
    changed(
        Reply::text(format!("Schedule set: {words}. {}", next.sentence())),
        Change::SetSchedule(parsed.normalized().to_owned()),
    )
}

fn show_time_zone(subscriber: &Subscriber, now: DateTime<Utc>) -> Reply {
    let zone = &subscriber.time_zone;
    match schedule::parse_time_zone(zone) {
        Ok(tz) => Reply::text(format!(
            "Time zone: {}; it is {} there now.",
            tz.name(),
            local_time(now, tz, now)
        ))
        .with(Block::Hint(ZONE_EXAMPLES.to_owned())),
        Err(_) => Reply::text(format!(
            "Your stored time zone \"{}\" can't be read; set one with e.g. /timezone Europe/Berlin.",
            echo(zone)
        )),
    }
}

const ZONE_EXAMPLES: &str =
    "Change it with an IANA name, e.g. /timezone Europe/Berlin or /timezone America/New_York.";

fn set_time_zone(zone: &str, subscriber: &Subscriber, now: DateTime<Utc>) -> Handled {
    let tz = match schedule::parse_time_zone(zone) {
        Ok(tz) => tz,
        Err(error) => return done(Reply::text(error.to_string())),
    };
    let name = tz.name();
    let clock = local_time(now, tz, now);
    if name == subscriber.time_zone {
        return done(Reply::text(format!(
            "Your time zone is already {name}; it is {clock} there now."
        )));
    }
    let next = next_digest(
        schedule::parse(&subscriber.schedule).ok().as_ref(),
        Some(tz),
        subscriber.paused,
        now,
    );
    changed(
        Reply::text(format!(
            "Time zone set to {name}; it is {clock} there now. {}",
            next.sentence()
        )),
        Change::SetTimeZone(name.to_owned()),
    )
}

fn pause(subscriber: &Subscriber) -> Handled {
    if subscriber.paused {
        return done(Reply::text(
            "Digests are already paused; /resume restarts them.",
        ));
    }
    changed(
        Reply::text("Digests paused. Your follows and settings are kept; /resume restarts them."),
        Change::SetPaused(true),
    )
}

fn resume(subscriber: &Subscriber, now: DateTime<Utc>) -> Handled {
    let next = next_digest(
        schedule::parse(&subscriber.schedule).ok().as_ref(),
        schedule::parse_time_zone(&subscriber.time_zone).ok(),
        false,
        now,
    );
    if !subscriber.paused {
        return done(Reply::text(format!(
            "Digests are not paused. {}",
            next.sentence()
        )));
    }
    changed(
        Reply::text(format!("Digests resumed. {}", next.sentence())),
        Change::SetPaused(false),
    )
}

fn mode_meaning(mode: DigestMode) -> &'static str {
    match mode {
        DigestMode::Follows => "papers matching your follows",
        DigestMode::Trending => "the most upvoted papers on Hugging Face",
        DigestMode::Both => "papers matching your follows, then the most upvoted on Hugging Face",
    }
}

fn show_mode(state: &SubscriberState<'_>) -> Reply {
    let mode = state.subscriber.mode;
    let mut reply = Reply::text(format!(
        "Digest mode: {}, {}.",
        mode.as_str(),
        mode_meaning(mode)
    ))
    .with(Block::Hint(
        "Change it with /mode follows, /mode trending or /mode both.".to_owned(),
    ));
    if let Some(hint) = no_follows_hint(mode, state.follows) {
        reply.push(hint);
    }
    reply
}

fn set_mode(mode: DigestMode, state: &SubscriberState<'_>) -> Handled {
    let (text, change) = if mode == state.subscriber.mode {
        (
            format!(
                "Your digest mode is already {}: {}.",
                mode.as_str(),
                mode_meaning(mode)
            ),
            None,
        )
    } else {
        (
            format!(
                "Digest mode set to {}: {}.",
                mode.as_str(),
                mode_meaning(mode)
            ),
            Some(Change::SetMode(mode)),
        )
    };
    let mut reply = Reply::text(text);
    if let Some(hint) = no_follows_hint(mode, state.follows) {
        reply.push(hint);
    }
    Handled::Done { reply, change }
}

fn no_follows_hint(mode: DigestMode, follows: &[Follow]) -> Option<Block> {
    (mode != DigestMode::Trending && follows.is_empty()).then(|| {
        Block::Hint(
            "You don't follow anything yet; add a query with e.g. /follow diffusion models."
                .to_owned(),
        )
    })
}

fn settings(state: &SubscriberState<'_>, now: DateTime<Utc>) -> Reply {
    let subscriber = state.subscriber;
    let lines = vec![
        format!("address: {}", subscriber.address.transport().as_str()),
        format!("time zone: {}", subscriber.time_zone),
        format!("schedule: {}", schedule_words(&subscriber.schedule)),
        format!(
            "digests: {}",
            if subscriber.paused {
                "paused"
            } else {
                "active"
            }
        ),
        format!("mode: {}", subscriber.mode.as_str()),
        format!("follows: {}", state.follows.len()),
        format!("next digest: {}", next_digest_of(subscriber, now).short()),
    ];
    Reply::new()
        .with(Block::Heading("Your settings".to_owned()))
        .with(Block::List(lines))
        .with(Block::Hint(
            "Change them with /schedule, /timezone, /mode, /pause and /resume.".to_owned(),
        ))
}

// --- Schedules in words -----------------------------------------------------------------

/// The stored schedule in words; the raw text if it can't be read.
fn schedule_words(stored: &str) -> String {
    match schedule::parse(stored) {
        Ok(parsed) => schedule::describe(&parsed),
        Err(_) => format!("\"{}\" (can't be read)", echo(stored)),
    }
}

/// `every day at 08:00 (Europe/Berlin)`; just `off` when no digests are scheduled.
fn schedule_in_zone(subscriber: &Subscriber) -> String {
    match schedule::parse(&subscriber.schedule) {
        Ok(Schedule::Off) => "off".to_owned(),
        _ => format!(
            "{} ({})",
            schedule_words(&subscriber.schedule),
            subscriber.time_zone
        ),
    }
}

/// When the next digest is due, or why there is none.
enum NextDigest {
    /// Formatted local time with the zone name.
    At(String),
    Paused,
    Unscheduled,
    BadSchedule,
    BadZone,
}

impl NextDigest {
    fn sentence(&self) -> String {
        match self {
            NextDigest::At(when) => format!("Next digest: {when}."),
            NextDigest::Paused => "Digests are paused; /resume restarts them.".to_owned(),
            NextDigest::Unscheduled => {
                "No digests will come until you set a schedule, e.g. /schedule daily 08:00."
                    .to_owned()
            }
            NextDigest::BadSchedule => {
                "Your stored schedule can't be read; set one with e.g. /schedule daily 08:00."
                    .to_owned()
            }
            NextDigest::BadZone => {
                "Your stored time zone can't be read; set one with e.g. /timezone Europe/Berlin."
                    .to_owned()
            }
        }
    }

    fn short(&self) -> String {
        match self {
            NextDigest::At(when) => when.clone(),
            NextDigest::Paused => "none, digests are paused".to_owned(),
            NextDigest::Unscheduled => "none, no schedule".to_owned(),
            NextDigest::BadSchedule => "unknown, the schedule can't be read".to_owned(),
            NextDigest::BadZone => "unknown, the time zone can't be read".to_owned(),
        }
    }
}

fn next_digest_of(subscriber: &Subscriber, now: DateTime<Utc>) -> NextDigest {
    next_digest(
        schedule::parse(&subscriber.schedule).ok().as_ref(),
        schedule::parse_time_zone(&subscriber.time_zone).ok(),
        subscriber.paused,
        now,
    )
}

/// `None` for a schedule or zone that could not be read.
fn next_digest(
    schedule: Option<&Schedule>,
    zone: Option<Tz>,
    paused: bool,
    now: DateTime<Utc>,
) -> NextDigest {
    if paused {
        return NextDigest::Paused;
    }
    let Some(schedule) = schedule else {
        return NextDigest::BadSchedule;
    };
    let Some(tz) = zone else {
        return NextDigest::BadZone;
    };
    match schedule::next_after(schedule, tz, now) {
        Some(at) => NextDigest::At(format!("{} ({})", local_time(at, tz, now), tz.name())),
        None => NextDigest::Unscheduled,
    }
}

/// `Thu 26 Nov 08:00`, with the year when it differs from the local year of `now`.
fn local_time(at: DateTime<Utc>, tz: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&tz);
    if local.year() == now.with_timezone(&tz).year() {
        local.format("%a %-d %b %H:%M").to_string()
    } else {
        local.format("%a %-d %b %Y %H:%M").to_string()
    }
}

fn queries(count: usize) -> String {
    match count {
        1 => "1 query".to_owned(),
        n => format!("{n} queries"),
    }
}
