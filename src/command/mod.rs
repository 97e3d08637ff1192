//! Chat commands: text in, [`Command`] out; command and subscriber state in, [`Handled`] out.
//!
//! Every transport (Telegram, Discord, email, the console) hands the text a person sent to
//! [`parse`] once and renders the [`Reply`] that [`handle`] returns; nothing here knows any
//! markup. Both steps are pure: no store, no clock (`now` comes in through
//! [`HandlerContext`]), no I/O, and no panics on any input. A bad input always yields a
//! specific usage message and never a [`Change`]. This module may depend on `subscriber`,
//! `reply`, `matching`, `paper`, `schedule` and `text`, and on nothing that does I/O.

use crate::paper::PaperId;
use crate::reply::Reply;
use crate::subscriber::DigestMode;

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
    /// `query` is as typed (whitespace collapsed) and parses like a `/follow` query.
    Preview {
        query: String,
    },
    /// The version, if one was given, is dropped: follows match a paper, not a version.
    Why {
        paper: PaperId,
    },
    /// Papers related to a paper or to some words.
    Related {
        target: RelatedTarget,
    },
    /// `query` is as typed (whitespace collapsed) and parses like a `/follow` query.
    Search {
        query: String,
    },
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

impl Command {
    /// Whether the command changes the subscriber's follows or settings, or makes paperboy
    /// send on its behalf. In a group chat or a server channel only its administrators may
    /// run such commands; anyone may run the others.
    pub fn changes_state(&self) -> bool {
        match self {
            Command::Follow { .. }
            | Command::Unfollow { .. }
            | Command::Pause
            | Command::Resume
            | Command::Digest => true,
            Command::Schedule { spec } => spec.is_some(),
            Command::Timezone { zone } => zone.is_some(),
            Command::Mode { mode } => mode.is_some(),
            Command::Start
            | Command::Help { .. }
            | Command::Follows
            | Command::Preview { .. }
            | Command::Why { .. }
            | Command::Related { .. }
            | Command::Search { .. }
            | Command::Trending { .. }
            | Command::Settings => false,
        }
    }
}

/// What `/related` relates to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelatedTarget {
    /// An arXiv id or link; the version, if one was given, is dropped.
    Paper(PaperId),
    /// A title or any words, whitespace collapsed.
    Text(String),
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
    #[error("/preview needs a query, e.g. /preview diffusion models")]
    MissingPreviewQuery,
    #[error("/why needs an arXiv id or link, e.g. /why 2403.01234")]
    MissingPaper,
    #[error(
        "/related needs an arXiv id, a link, a title or a few words, e.g. /related 2403.01234 or /related sparse attention for long context"
    )]
    MissingRelatedTarget,
    #[error("/search needs a query, e.g. /search \"diffusion model\" au:karpathy")]
    MissingSearchQuery,
    #[error(
        "that is {given} characters; /related reads at most {limit}, enough for a title and an abstract's first lines"
    )]
    RelatedTextTooLong { given: usize, limit: usize },
    /// `given` is as typed, made safe to echo; quoted, so the reply's capital letter
    /// never changes it.
    #[error(
        "\"{given}\" is not an arXiv id or link; send e.g. /why 2403.01234 or /why https://arxiv.org/abs/2403.01234"
    )]
    BadPaper { given: String },
    /// The follow language's own message: what is wrong and where.
    #[error("{error}")]
    InvalidQuery { error: crate::matching::QueryError },
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

mod handle;
mod info;
mod parse;

pub use handle::{Change, Handled, HandlerContext, SubscriberState, handle};
pub use info::{COMMANDS, CommandInfo, command_info};
pub use parse::parse;
use parse::sentence;
