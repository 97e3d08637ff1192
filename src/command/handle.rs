//! Command and subscriber state in, [`Handled`] out: replies and the changes to store.

use super::parse::{check_query, echo};
use super::*;
use crate::matching::FollowQuery;
use crate::paper::PaperId;
use crate::reply::{Block, Reply};
use crate::schedule::{self, Schedule};
use crate::subscriber::{DigestMode, Follow, Subscriber};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

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
    /// The shell shows what `query` (a valid follow, in normal form) would have matched:
    /// how many papers in the last 7 and 30 days, and the top 5.
    Preview { query: String },
    /// The shell says which of the subscriber's follows match `paper`, on which words and
    /// in which field, or why none does.
    Why { paper: PaperId },
    /// The shell lists the stored papers most related to `target`.
    Related { target: RelatedTarget },
    /// The shell lists the stored papers `query` (a valid follow, in normal form) matches,
    /// strongest first.
    Search { query: String },
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
        Command::Preview { query } => preview(query, ctx),
        Command::Why { paper } => Handled::Why {
            paper: paper.clone(),
        },
        Command::Related { target } => Handled::Related {
            target: target.clone(),
        },
        Command::Search { query } => search(query, ctx),
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
             in a paper's title or abstract; /help follow shows phrases, OR, exclusions and fields."
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
        let mut reply = Reply::new()
            .with(Block::Heading(synopsis(info)))
            .with(Block::Text(format!("{}.", info.summary)))
            .with(Block::Text(info.details.to_owned()));
        if info.name == "follow" {
            reply.push(Block::List(
                FOLLOW_LANGUAGE
                    .iter()
                    .map(|line| (*line).to_owned())
                    .collect(),
            ));
        }
        return reply;
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

/// The follow language in a few lines, for `/help follow`.
const FOLLOW_LANGUAGE: &[&str] = &[
    "diffusion model — every word must appear, in title or abstract, in any order",
    "\"diffusion model\" — the words next to each other",
    "diffusion OR flow — either one; parentheses group: (diffusion OR flow) video",
    "-survey or NOT survey — leave out papers with that word",
    "ti:word, abs:word — only in the title, only in the abstract",
    "au:karpathy, au:\"yann lecun\" — an author",
    "cat:cs.CV, cat:cs — an arXiv category or a whole archive",
    "Case, accents, plurals and LaTeX are ignored; time-step = timestep = time steps. No stemming: diffusion does not match diffuse.",
];

fn synopsis(info: &CommandInfo) -> String {
    if info.args.is_empty() {
        format!("/{}", info.name)
    } else {
        format!("/{} {}", info.name, info.args)
    }
}

fn follow(query: &str, state: &SubscriberState<'_>, ctx: &HandlerContext) -> Handled {
    let parsed = match check_query(query, ctx.limits.max_query_chars) {
        Ok(parsed) => parsed,
        Err(error) => return done(error.to_reply()),
    };
    let normalized = parsed.normalized();
    let max_chars = ctx.limits.max_query_chars;
    if let Some(index) = state
        .follows
        .iter()
        .position(|f| same_follow(&f.query, &normalized, max_chars))
    {
        return done(Reply::text(format!(
            "You already follow {normalized} (number {} in /follows).",
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
    let mut reply = Reply::new().with(Block::Text(format!("Following {normalized}.")));
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

/// A query built past the parser is checked again, like `/follow` does.
fn preview(query: &str, ctx: &HandlerContext) -> Handled {
    match check_query(query, ctx.limits.max_query_chars) {
        Ok(parsed) => Handled::Preview {
            query: parsed.normalized(),
        },
        Err(error) => done(error.to_reply()),
    }
}

fn search(query: &str, ctx: &HandlerContext) -> Handled {
    match check_query(query, ctx.limits.max_query_chars) {
        Ok(parsed) => Handled::Search {
            query: parsed.normalized(),
        },
        Err(error) => done(error.to_reply()),
    }
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
            let normalized = match check_query(query, ctx.limits.max_query_chars) {
                Ok(parsed) => parsed.normalized(),
                Err(error) => return done(error.to_reply()),
            };
            match follows
                .iter()
                .position(|f| same_follow(&f.query, &normalized, ctx.limits.max_query_chars))
            {
                Some(index) => index,
                None => {
                    return done(
                        Reply::text(format!("You don't follow {normalized}. You follow:"))
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
        Reply::text(format!("Unfollowed {}. {remaining}", follows[index].query)),
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

/// Whether a stored follow is the query in `normalized` form. Stored follows are normally
/// in normal form already; one saved by an older release is normalized again here.
fn same_follow(stored: &str, normalized: &str, max_chars: usize) -> bool {
    stored == normalized
        || FollowQuery::parse(stored, max_chars).is_ok_and(|q| q.normalized() == normalized)
}
