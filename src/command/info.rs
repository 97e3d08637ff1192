//! The command table: names, arguments and help texts, for /help and platform menus.

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
        details: "Every word must appear in the title or abstract; \"quoted words\" must be \
                  adjacent; OR, -word, ti: abs: au: cat: refine it. Examples: /follow \
                  \"diffusion model\" -survey, /follow au:karpathy, /follow cat:cs.CV segmentation.",
    },
    CommandInfo {
        name: "preview",
        args: "QUERY",
        summary: "See what a query would match, without following",
        details: "Counts the papers the query would have matched in the last 7 and 30 days \
                  and shows the top 5. Same language as /follow; nothing is saved. Examples: \
                  /preview \"diffusion model\" -survey, /preview au:karpathy.",
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
        name: "why",
        args: "ARXIV_ID | URL",
        summary: "Why a paper did or didn't match your follows",
        details: "Shows which of your follows match the paper, on which words, in its title \
                  or abstract; or why none does. Examples: /why 2403.01234, \
                  /why https://arxiv.org/abs/2403.01234v2.",
    },
    CommandInfo {
        name: "related",
        args: "ARXIV_ID | URL | TITLE | WORDS",
        summary: "Papers related to a paper or to some words",
        details: "The stored papers closest to an arXiv paper (id or link; fetched from \
                  arXiv if new) or to a title or words, with the terms they share. Examples: \
                  /related 2403.01234, /related sparse attention for long context.",
    },
    CommandInfo {
        name: "search",
        args: "QUERY",
        summary: "Search stored papers with the follow language",
        details: "Lists the stored papers a query matches, strongest match first. Same \
                  language as /follow; nothing is saved. Examples: /search \"state space \
                  model\" -survey, /search au:\"yann lecun\", /search cat:cs.CV segmentation.",
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
