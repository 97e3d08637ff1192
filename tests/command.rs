//! Chat commands: parsing every kind of input, and what each handler replies and changes.
//!
//! Handler replies are compared as whole plain text. The test subscriber lives in
//! Europe/Berlin with the schedule `daily 08:00`; `now` is Wednesday 25 November 2026,
//! 10:00 UTC (11:00 in Berlin), so the next digest is Thursday 26 November at 08:00.

use chrono::{DateTime, TimeZone, Utc};
use paperboy::command::*;
use paperboy::paper::PaperId;
use paperboy::reply::Reply;
use paperboy::subscriber::{Address, DigestMode, Follow, Subscriber, SubscriberId};

// --- Parsing ------------------------------------------------------------------------------

fn check(input: &str, expected: Result<Command, &str>) {
    check_with(&CommandLimits::default(), input, expected);
}

fn check_with(limits: &CommandLimits, input: &str, expected: Result<Command, &str>) {
    let got = parse(input, limits).map_err(|error| error.to_string());
    let expected = expected.map_err(str::to_owned);
    let shown = paperboy::text::truncate_chars(input, 60);
    assert_eq!(got, expected, "input {shown:?}");
}

fn follow(query: &str) -> Result<Command, &'static str> {
    Ok(Command::Follow {
        query: query.to_owned(),
    })
}

fn unfollow_number(number: usize) -> Result<Command, &'static str> {
    Ok(Command::Unfollow {
        target: UnfollowTarget::Number(number),
    })
}

fn unfollow_query(query: &str) -> Result<Command, &'static str> {
    Ok(Command::Unfollow {
        target: UnfollowTarget::Query(query.to_owned()),
    })
}

fn preview(query: &str) -> Result<Command, &'static str> {
    Ok(Command::Preview {
        query: query.to_owned(),
    })
}

fn why(id: &str) -> Result<Command, &'static str> {
    Ok(Command::Why {
        paper: PaperId::parse(id).unwrap(),
    })
}

fn related_paper(id: &str) -> Result<Command, &'static str> {
    Ok(Command::Related {
        target: RelatedTarget::Paper(PaperId::parse(id).unwrap()),
    })
}

fn related_text(text: &str) -> Result<Command, &'static str> {
    Ok(Command::Related {
        target: RelatedTarget::Text(text.to_owned()),
    })
}

fn search(query: &str) -> Result<Command, &'static str> {
    Ok(Command::Search {
        query: query.to_owned(),
    })
}

fn help(topic: Option<&str>) -> Result<Command, &'static str> {
    Ok(Command::Help {
        topic: topic.map(str::to_owned),
    })
}

const EMPTY: &str =
    "the message is empty; send a command such as /follow diffusion models, or /help for the list";
const NOT_A_COMMAND: &str =
    "commands start with /, e.g. /follow diffusion models; send /help for the list";
const TOO_LONG: &str =
    "that message is longer than 4096 characters, too long for a command; send /help for the list";
const NO_QUERY: &str = "/follow needs a query, e.g. /follow diffusion models";
const NO_UNFOLLOW_TARGET: &str = "/unfollow needs a number or a query, e.g. /unfollow 2 or /unfollow diffusion models; /follows shows the numbers";
const BELOW_ONE: &str = "follows are numbered from 1; send /follows to see the numbers";
const TRENDING_RANGE: &str = "/trending takes a number from 1 to 50, e.g. /trending 10";
const NO_PREVIEW_QUERY: &str = "/preview needs a query, e.g. /preview diffusion models";
const NO_PAPER: &str = "/why needs an arXiv id or link, e.g. /why 2403.01234";

/// The /why refusal for `given` as echoed.
fn bad_paper(given: &str) -> String {
    format!(
        "\"{given}\" is not an arXiv id or link; send e.g. /why 2403.01234 or /why https://arxiv.org/abs/2403.01234"
    )
}

#[test]
fn parse_table() {
    // Garbage and non-commands.
    check("", Err(EMPTY));
    check(" \n\t ", Err(EMPTY));
    check("\u{200F}", Err(EMPTY));
    check("hello", Err(NOT_A_COMMAND));
    check("follow diffusion", Err(NOT_A_COMMAND));
    check("مرحبا بالعالم", Err(NOT_A_COMMAND));
    check("\\follow x", Err(NOT_A_COMMAND));
    check(
        "/",
        Err(
            "a command name must follow the /, e.g. /follow diffusion models; send /help for the list",
        ),
    );
    check(
        "/@paperboy_bot",
        Err(
            "a command name must follow the /, e.g. /follow diffusion models; send /help for the list",
        ),
    );
    check(
        "/ follow diffusion",
        Err("write the command without a space after the /, like this: /follow"),
    );
    check(
        "/ FOLLOWS",
        Err("write the command without a space after the /, like this: /follows"),
    );
    check("//", Err("unknown command //; send /help for the list"));
    check(
        "/folow x",
        Err("unknown command /folow — did you mean /follow? Send /help for the list"),
    );
    check(
        "/Folow x",
        Err("unknown command /Folow — did you mean /follow? Send /help for the list"),
    );
    check(
        "/unfolow 2",
        Err("unknown command /unfolow — did you mean /unfollow? Send /help for the list"),
    );
    check(
        "/setting",
        Err("unknown command /setting — did you mean /settings? Send /help for the list"),
    );
    check(
        "/subscribe diffusion",
        Err("unknown command /subscribe; send /help for the list"),
    );
    check(
        "/xyzzy",
        Err("unknown command /xyzzy; send /help for the list"),
    );
    check(
        "/مرحبا",
        Err("unknown command /مرحبا; send /help for the list"),
    );
    check("/😀", Err("unknown command /😀; send /help for the list"));
    check(
        "/fo\u{0}llow x",
        Err("unknown command /fo\u{FFFD}llow — did you mean /follow? Send /help for the list"),
    );
    check(
        &format!("/{}", "x".repeat(60)),
        Err("unknown command /xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…; send /help for the list"),
    );

    // Length: refused before anything else, counted in characters.
    check(&format!("/follow {}", "a".repeat(10_000)), Err(TOO_LONG));
    check(&"é".repeat(4097), Err(TOO_LONG));
    check(&"é".repeat(4096), Err(NOT_A_COMMAND));

    // Names, the Telegram bot suffix, and invisible right-to-left marks.
    check("/FOLLOW Diffusion", follow("Diffusion"));
    check("/follow@paperboy_bot diffusion", follow("diffusion"));
    check("/follow@ diffusion", follow("diffusion"));
    check("  /follow x  ", follow("x"));
    check("\u{200F}/follow x", follow("x"));
    check("/fol\u{200B}low x", follow("x"));
    check("/follow\ndiffusion", follow("diffusion"));

    // /follow
    check("/follow", Err(NO_QUERY));
    check("/follow    ", Err(NO_QUERY));
    check("/follow \n\t ", Err(NO_QUERY));
    check("/follow  diffusion\n\tmodels  ", follow("diffusion models"));
    check("/follow Diffusion-Models!", follow("Diffusion-Models!"));
    check("/follow نماذج الانتشار", follow("نماذج الانتشار"));
    // Query errors are the follow language's own messages.
    check(
        "/follow ???",
        Err("'???' has no words to look for; try e.g. diffusion models"),
    );
    check(
        "/follow (diffusion",
        Err("the ( before 'diffusion' is never closed; add a ) where the group ends"),
    );
    check(
        &format!("/follow {}", "a".repeat(201)),
        Err("the query is 201 characters long; the limit is 200"),
    );
    check(
        &format!("/follow {}", "é".repeat(200)),
        follow(&"é".repeat(200)),
    );
    check(
        &format!("/follow {}", "a".repeat(4000)),
        Err("the query is 4000 characters long; the limit is 200"),
    );

    // /unfollow
    check("/unfollow", Err(NO_UNFOLLOW_TARGET));
    check("/unfollow 0", Err(BELOW_ONE));
    check("/unfollow -1", Err(BELOW_ONE));
    check("/unfollow 3", unfollow_number(3));
    check("/unfollow +2", unfollow_number(2));
    check("/unfollow 007", unfollow_number(7));
    check(
        "/unfollow 99999999999999999999",
        Err("there is no follow number 99999999999999999999; send /follows to see the numbers"),
    );
    check(
        "/unfollow Diffusion Models",
        unfollow_query("Diffusion Models"),
    );
    check("/unfollow 1 2", unfollow_query("1 2"));
    // Not a number: a query, and `-` excludes in the follow language.
    check(
        "/unfollow -1x",
        Err("a follow needs at least one word to look for; -1x only excludes"),
    );
    check("/unfollow 1x", unfollow_query("1x"));
    check(
        "/unfollow !!",
        Err("'!!' has no words to look for; try e.g. diffusion models"),
    );

    // /preview: the query is checked exactly like /follow's, and kept as typed.
    check("/preview", Err(NO_PREVIEW_QUERY));
    check("/preview \n\t ", Err(NO_PREVIEW_QUERY));
    check("/PREVIEW  Diffusion\nModels ", preview("Diffusion Models"));
    check(
        "/preview \"diffusion model\" -survey",
        preview("\"diffusion model\" -survey"),
    );
    check(
        "/preview ???",
        Err("'???' has no words to look for; try e.g. diffusion models"),
    );
    check(
        "/preview -survey",
        Err("a follow needs at least one word to look for; -survey only excludes"),
    );
    check(
        "/preview diffusion OR",
        Err(
            "OR at the end has nothing after it; OR goes between two alternatives, e.g. diffusion OR flow",
        ),
    );
    check(
        &format!("/preview {}", "a".repeat(201)),
        Err("the query is 201 characters long; the limit is 200"),
    );

    // /why: an arXiv id in any form it is written in, or a link to it; the version is dropped.
    check("/why", Err(NO_PAPER));
    check("/why  \n ", Err(NO_PAPER));
    check("/why 2403.01234", why("2403.01234"));
    check("/WHY@paperboy_bot 2403.01234v2", why("2403.01234"));
    check("/why arXiv:2403.01234", why("2403.01234"));
    check("/why arXiv: 2403.01234", why("2403.01234"));
    check("/why oai:arXiv.org:2403.01234", why("2403.01234"));
    check("/why https://arxiv.org/abs/2403.01234v3", why("2403.01234"));
    check(
        "/why https://arxiv.org/pdf/2403.01234v1.pdf",
        why("2403.01234"),
    );
    check(
        "/why http://www.arxiv.org/pdf/2403.01234",
        why("2403.01234"),
    );
    check(
        "/why https://arxiv.org/abs/2403.01234?context=cs",
        why("2403.01234"),
    );
    check("/why arxiv.org/abs/2403.01234", why("2403.01234"));
    check("/why <https://arxiv.org/abs/2403.01234>", why("2403.01234"));
    check("/why hep-th/9901001", why("hep-th/9901001"));
    check("/why math.GT/0309136v2", why("math/0309136"));
    check("/why 2413.01234", Err(&bad_paper("2413.01234")));
    check("/why 2403.01234v0", Err(&bad_paper("2403.01234v0")));
    check("/why diffusion", Err(&bad_paper("diffusion")));

    // /related: a paper in any form /why takes, or else text (a title, some words).
    const NO_RELATED: &str = "/related needs an arXiv id, a link, a title or a few words, e.g. /related 2403.01234 or /related sparse attention for long context";
    check("/related", Err(NO_RELATED));
    check("/related \u{200F} ", Err(NO_RELATED));
    check("/related 2403.01234", related_paper("2403.01234"));
    check(
        "/RELATED@paperboy_bot 2403.01234v2",
        related_paper("2403.01234"),
    );
    check("/related arXiv:2403.01234", related_paper("2403.01234"));
    check(
        "/related https://arxiv.org/pdf/2403.01234v1.pdf",
        related_paper("2403.01234"),
    );
    check(
        "/related arxiv.org/abs/2403.01234",
        related_paper("2403.01234"),
    );
    check(
        "/related <https://arxiv.org/abs/2403.01234>",
        related_paper("2403.01234"),
    );
    check("/related hep-th/9901001", related_paper("hep-th/9901001"));
    check("/related 2413.01234", related_text("2413.01234"));
    check(
        "/related Sparse   attention\nfor long context",
        related_text("Sparse attention for long context"),
    );
    check(
        "/related Attention Is All You Need",
        related_text("Attention Is All You Need"),
    );
    check(
        &format!("/related {}", "x".repeat(1001)),
        Err(
            "that is 1001 characters; /related reads at most 1000, enough for a title and an abstract's first lines",
        ),
    );
    check(
        &format!("/related {}", "x".repeat(1000)),
        related_text(&"x".repeat(1000)),
    );

    // /search: the follow language.
    check(
        "/search",
        Err("/search needs a query, e.g. /search \"diffusion model\" au:karpathy"),
    );
    check("/search diffusion  -survey", search("diffusion -survey"));
    check(
        "/search \"unbalanced",
        Err("the quote before 'unbalanced' is never closed; end the phrase with another \""),
    );
    check(
        "/why 2403.01234 2403.05678",
        Err(&bad_paper("2403.01234 2403.05678")),
    );
    check(
        "/why https://example.com/abs/2403.01234",
        Err(&bad_paper("https://example.com/abs/2403.01234")),
    );
    check(
        "/why https://arxiv.org/abs/",
        Err(&bad_paper("https://arxiv.org/abs/")),
    );
    check(
        "/why https://arxiv.org/list/cs.CV/recent?skip=0&show=2000",
        Err(&bad_paper("https://arxiv.org/list/cs.CV/recent?skip…")),
    );
    check("/why <>", Err(&bad_paper("<>")));
    check("/why \u{0}", Err(&bad_paper("\u{FFFD}")));
    check(
        "/wy 2403.01234",
        Err("unknown command /wy — did you mean /why? Send /help for the list"),
    );
    check(
        "/previe diffusion",
        Err("unknown command /previe — did you mean /preview? Send /help for the list"),
    );

    // /trending
    check("/trending", Ok(Command::Trending { count: None }));
    check("/trending 1", Ok(Command::Trending { count: Some(1) }));
    check("/trending 50", Ok(Command::Trending { count: Some(50) }));
    check("/trending 0", Err(TRENDING_RANGE));
    check("/trending 51", Err(TRENDING_RANGE));
    check("/trending 1000", Err(TRENDING_RANGE));
    check("/trending -3", Err(TRENDING_RANGE));
    check("/trending five", Err(TRENDING_RANGE));
    check("/trending 5 papers", Err(TRENDING_RANGE));
    check("/trending 99999999999999999999", Err(TRENDING_RANGE));

    // /mode
    check("/mode", Ok(Command::Mode { mode: None }));
    check(
        "/mode follows",
        Ok(Command::Mode {
            mode: Some(DigestMode::Follows),
        }),
    );
    check(
        "/mode BOTH",
        Ok(Command::Mode {
            mode: Some(DigestMode::Both),
        }),
    );
    check(
        "/mode trending",
        Ok(Command::Mode {
            mode: Some(DigestMode::Trending),
        }),
    );
    check(
        "/mode sideways",
        Err("there is no mode sideways; /mode takes follows, trending or both, e.g. /mode both"),
    );

    // /schedule and /timezone: any text, checked by the handler.
    check("/schedule", Ok(Command::Schedule { spec: None }));
    check(
        "/schedule  daily\n08:00 ",
        Ok(Command::Schedule {
            spec: Some("daily 08:00".to_owned()),
        }),
    );
    check("/timezone", Ok(Command::Timezone { zone: None }));
    check(
        "/timezone Europe/Berlin",
        Ok(Command::Timezone {
            zone: Some("Europe/Berlin".to_owned()),
        }),
    );

    // /help
    check("/help", help(None));
    check("/HELP@paperboy_bot", help(None));
    check("/help follow", help(Some("follow")));
    check("/help /FOLLOW", help(Some("follow")));
    check("/help /", help(None));
    check("/help /follows@paperboy_bot", help(Some("follows")));
    check(
        "/help folow",
        Err("there is no command /folow — did you mean /follow? Send /help for the list"),
    );
    check(
        "/help xyzzy",
        Err("there is no command /xyzzy; send /help for the list"),
    );
    check(
        "/help follow now",
        Err("/help takes one command name, e.g. /help follow"),
    );

    // Commands without arguments.
    check("/start", Ok(Command::Start));
    check("/start ref-from-website", Ok(Command::Start));
    check("/follows", Ok(Command::Follows));
    check("/Pause", Ok(Command::Pause));
    check("/resume", Ok(Command::Resume));
    check("/digest", Ok(Command::Digest));
    check("/settings", Ok(Command::Settings));
    check(
        "/pause now",
        Err("/pause takes no arguments; send just /pause"),
    );
    check(
        "/follows all",
        Err("/follows takes no arguments; send just /follows"),
    );
    check(
        "/digest please",
        Err("/digest takes no arguments; send just /digest"),
    );
    check(
        "/resume\n\n1",
        Err("/resume takes no arguments; send just /resume"),
    );
    check(
        "/settings x",
        Err("/settings takes no arguments; send just /settings"),
    );
}

#[test]
fn parse_uses_the_configured_limits() {
    let limits = CommandLimits {
        max_follows: 5,
        max_query_chars: 10,
        max_trending: 20,
    };
    check_with(
        &limits,
        "/trending 30",
        Err("/trending takes a number from 1 to 20, e.g. /trending 10"),
    );
    check_with(
        &limits,
        "/trending 20",
        Ok(Command::Trending { count: Some(20) }),
    );
    check_with(&limits, "/follow diffusions", follow("diffusions"));
    check_with(
        &limits,
        "/follow diffusion models",
        Err("the query is 16 characters long; the limit is 10"),
    );
    check_with(&limits, "/preview diffusions", preview("diffusions"));
    check_with(
        &limits,
        "/preview diffusion models",
        Err("the query is 16 characters long; the limit is 10"),
    );
}

#[test]
fn errors_become_sentence_replies() {
    let error = parse("/pause now", &CommandLimits::default()).unwrap_err();
    assert_eq!(
        error.to_reply(),
        Reply::text("/pause takes no arguments; send just /pause")
    );
    let error = parse("hello", &CommandLimits::default()).unwrap_err();
    assert_eq!(
        error.to_reply().to_plain_text(),
        "Commands start with /, e.g. /follow diffusion models; send /help for the list\n"
    );
    // What the person typed is quoted, so the capital letter never changes it.
    let error = parse("/why hello", &CommandLimits::default()).unwrap_err();
    assert_eq!(
        error.to_reply().to_plain_text(),
        "\"hello\" is not an arXiv id or link; send e.g. /why 2403.01234 or /why https://arxiv.org/abs/2403.01234\n"
    );
}

#[test]
fn command_table_fits_telegram_and_discord() {
    let mut names = Vec::new();
    for info in COMMANDS {
        let name_ok = !info.name.is_empty()
            && info.name.len() <= 32
            && info
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        assert!(name_ok, "bad command name {:?}", info.name);
        assert!(
            (3..60).contains(&info.summary.chars().count()),
            "summary of /{} is {} characters",
            info.name,
            info.summary.chars().count()
        );
        assert!(
            info.details.chars().count() <= 256,
            "details of /{} are too long",
            info.name
        );
        assert!(!names.contains(&info.name), "/{} twice", info.name);
        names.push(info.name);
        // Every listed command is one parse knows, and /help can explain it.
        let parsed = parse(&format!("/{}", info.name), &CommandLimits::default());
        assert!(
            !matches!(parsed, Err(CommandError::UnknownCommand { .. })),
            "/{} is listed but not parsed",
            info.name
        );
        assert_eq!(
            parse(&format!("/help {}", info.name), &CommandLimits::default()),
            Ok(Command::Help {
                topic: Some(info.name.to_owned())
            })
        );
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "digest", "follow", "follows", "help", "mode", "pause", "preview", "related", "resume",
            "schedule", "search", "settings", "start", "timezone", "trending", "unfollow", "why"
        ]
    );
}

// --- Handlers -----------------------------------------------------------------------------

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

fn subscriber() -> Subscriber {
    Subscriber {
        id: SubscriberId(7),
        address: "telegram:123456".parse::<Address>().unwrap(),
        time_zone: "Europe/Berlin".to_owned(),
        schedule: "daily 08:00".to_owned(),
        paused: false,
        active: true,
        mode: DigestMode::Follows,
        created_at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
        digested_until: Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap(),
        last_slot: None,
    }
}

fn follows(queries: &[&str]) -> Vec<Follow> {
    queries
        .iter()
        .map(|query| Follow {
            query: (*query).to_owned(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap(),
        })
        .collect()
}

/// Stored follows are in the follow language's normal form (plurals folded).
fn three_follows() -> Vec<Follow> {
    follows(&["diffusion model", "protein folding", "graph neural network"])
}

fn ctx() -> HandlerContext {
    HandlerContext {
        limits: CommandLimits::default(),
        now: now(),
    }
}

fn run(command: Command, subscriber: &Subscriber, follows: &[Follow]) -> Handled {
    run_in(command, subscriber, follows, &ctx())
}

fn run_in(
    command: Command,
    subscriber: &Subscriber,
    follows: &[Follow],
    ctx: &HandlerContext,
) -> Handled {
    let state = SubscriberState {
        subscriber,
        follows,
    };
    handle(&command, &state, ctx)
}

/// The reply text and change of a `Handled::Done`.
fn done(handled: Handled) -> (String, Option<Change>) {
    match handled {
        Handled::Done { reply, change } => (reply.to_plain_text(), change),
        other => panic!("expected a reply, got {other:?}"),
    }
}

fn check_reply(handled: Handled, text: &str, change: Option<Change>) {
    let (got_text, got_change) = done(handled);
    assert_eq!(got_text, text);
    assert_eq!(got_change, change);
}

fn paused() -> Subscriber {
    Subscriber {
        paused: true,
        ..subscriber()
    }
}

#[test]
fn start_greets_with_the_schedule() {
    check_reply(
        run(Command::Start, &subscriber(), &[]),
        "Hi, I'm paperboy. I watch new arXiv and Hugging Face papers and send you a digest of the ones matching the queries you follow.

Follow a topic with /follow, e.g. /follow diffusion models. Every word must appear in a paper's title or abstract; /help follow shows phrases, OR, exclusions and fields.

Digests: every day at 08:00 (Europe/Berlin). Change them with /schedule and /timezone.

Send /help for every command.
",
        None,
    );
    let (text, change) = done(run(Command::Start, &paused(), &three_follows()));
    assert!(
        text.ends_with(
            "Digests: every day at 08:00 (Europe/Berlin). Paused; /resume restarts them.

You follow 3 queries of at most 50; /follows lists them, /help lists every command.
"
        ),
        "{text}"
    );
    assert_eq!(change, None);
}

#[test]
fn help_lists_every_command() {
    check_reply(
        run(Command::Help { topic: None }, &subscriber(), &[]),
        "Commands

- /follow QUERY — Follow papers matching a query
- /preview QUERY — See what a query would match, without following
- /follows — List your follows, numbered
- /unfollow NUMBER | QUERY — Stop following a query
- /digest — Send your digest now
- /why ARXIV_ID | URL — Why a paper did or didn't match your follows
- /related ARXIV_ID | URL | TITLE | WORDS — Papers related to a paper or to some words
- /search QUERY — Search stored papers with the follow language
- /trending [N] — Most upvoted papers on Hugging Face today
- /schedule [SPEC] — Show or set when digests arrive
- /timezone [ZONE] — Show or set your time zone
- /mode [follows|trending|both] — Show or set what digests contain
- /pause — Pause digests; follows are kept
- /resume — Resume paused digests
- /settings — Show all your settings
- /help [COMMAND] — List commands, or explain one
- /start — What paperboy does, and your schedule

Send /help COMMAND for details, e.g. /help follow.
",
        None,
    );
}

#[test]
fn help_explains_one_command() {
    let topic = |name: &str| Command::Help {
        topic: Some(name.to_owned()),
    };
    check_reply(
        run(topic("follow"), &subscriber(), &[]),
        "/follow QUERY

Follow papers matching a query.

Every word must appear in the title or abstract; \"quoted words\" must be adjacent; OR, -word, ti: abs: au: cat: refine it. Examples: /follow \"diffusion model\" -survey, /follow au:karpathy, /follow cat:cs.CV segmentation.

- diffusion model — every word must appear, in title or abstract, in any order
- \"diffusion model\" — the words next to each other
- diffusion OR flow — either one; parentheses group: (diffusion OR flow) video
- -survey or NOT survey — leave out papers with that word
- ti:word, abs:word — only in the title, only in the abstract
- au:karpathy, au:\"yann lecun\" — an author
- cat:cs.CV, cat:cs — an arXiv category or a whole archive
- Case, accents, plurals and LaTeX are ignored; time-step = timestep = time steps. No stemming: diffusion does not match diffuse.
",
        None,
    );
    check_reply(
        run(topic("preview"), &subscriber(), &[]),
        "/preview QUERY

See what a query would match, without following.

Counts the papers the query would have matched in the last 7 and 30 days and shows the top 5. Same language as /follow; nothing is saved. Examples: /preview \"diffusion model\" -survey, /preview au:karpathy.
",
        None,
    );
    check_reply(
        run(topic("why"), &subscriber(), &[]),
        "/why ARXIV_ID | URL

Why a paper did or didn't match your follows.

Shows which of your follows match the paper, on which words, in its title or abstract; or why none does. Examples: /why 2403.01234, /why https://arxiv.org/abs/2403.01234v2.
",
        None,
    );
    check_reply(
        run(topic("pause"), &subscriber(), &[]),
        "/pause

Pause digests; follows are kept.

Stops scheduled digests until /resume. Your follows and settings stay as they are.
",
        None,
    );
    // A topic the parser would refuse, built by hand: the list, not a panic.
    let (text, _) = done(run(topic("nope"), &subscriber(), &[]));
    assert!(text.starts_with("Commands\n"), "{text}");
}

#[test]
fn follow_adds_the_normalized_query() {
    // As typed, then the follow language's normal form: what is said back and stored.
    for (typed, normal) in [
        ("Diffusion Models", "diffusion model"),
        ("  RLHF ", "rlhf"),
        // A hyphenated compound is one joined term, which also matches "diffusion model".
        ("Diffusion-Models!", "diffusionmodel"),
        (
            "\"Diffusion Models\" TI:Video -Surveys",
            "\"diffusion model\" ti:video -survey",
        ),
        (
            "cat:CS.CV (Segmentation OR Detection)",
            "cat:cs.cv (segmentation OR detection)",
        ),
        ("au:\"Yann LeCun\"", "au:\"yann lecun\""),
    ] {
        check_reply(
            run(
                Command::Follow {
                    query: typed.to_owned(),
                },
                &subscriber(),
                &[],
            ),
            &format!(
                "Following {normal}.

Next digest: Thu 26 Nov 08:00 (Europe/Berlin).
"
            ),
            Some(Change::AddFollow(Follow {
                query: normal.to_owned(),
                created_at: now(),
            })),
        );
    }
}

#[test]
fn follow_says_when_no_digest_will_come() {
    let follow_rlhf = || Command::Follow {
        query: "RLHF".to_owned(),
    };
    let expected_change = Some(Change::AddFollow(Follow {
        query: "rlhf".to_owned(),
        created_at: now(),
    }));
    check_reply(
        run(follow_rlhf(), &paused(), &[]),
        "Following rlhf.

Digests are paused; /resume restarts them.
",
        expected_change.clone(),
    );
    let trending_only = Subscriber {
        mode: DigestMode::Trending,
        ..subscriber()
    };
    check_reply(
        run(follow_rlhf(), &trending_only, &[]),
        "Following rlhf.

Your digests show trending papers only; /mode both adds your follows.

Next digest: Thu 26 Nov 08:00 (Europe/Berlin).
",
        expected_change.clone(),
    );
    let off = Subscriber {
        schedule: "off".to_owned(),
        ..subscriber()
    };
    check_reply(
        run(follow_rlhf(), &off, &[]),
        "Following rlhf.

No digests will come until you set a schedule, e.g. /schedule daily 08:00.
",
        expected_change,
    );
}

#[test]
fn follow_refuses_duplicates_limits_and_empty_queries() {
    check_reply(
        run(
            Command::Follow {
                query: "Protein  FOLDING".to_owned(),
            },
            &subscriber(),
            &three_follows(),
        ),
        "You already follow protein folding (number 2 in /follows).\n",
        None,
    );

    let fifty: Vec<String> = (0..50).map(|i| format!("topic {i}")).collect();
    let fifty: Vec<&str> = fifty.iter().map(String::as_str).collect();
    check_reply(
        run(
            Command::Follow {
                query: "new topic".to_owned(),
            },
            &subscriber(),
            &follows(&fifty),
        ),
        "You follow 50 queries, the limit; /unfollow one first.\n",
        None,
    );
    // A duplicate is named as such even at the limit.
    let (text, change) = done(run(
        Command::Follow {
            query: "topic 3".to_owned(),
        },
        &subscriber(),
        &follows(&fifty),
    ));
    assert_eq!(text, "You already follow topic 3 (number 4 in /follows).\n");
    assert_eq!(change, None);

    let lowered = HandlerContext {
        limits: CommandLimits {
            max_follows: 2,
            ..CommandLimits::default()
        },
        now: now(),
    };
    check_reply(
        run_in(
            Command::Follow {
                query: "transformers".to_owned(),
            },
            &subscriber(),
            &three_follows(),
            &lowered,
        ),
        "You follow 3 queries and the limit is 2; /unfollow one first.\n",
        None,
    );

    // Built by hand, past the parser: still refused, still no change.
    check_reply(
        run(
            Command::Follow {
                query: "--".to_owned(),
            },
            &subscriber(),
            &[],
        ),
        "The - at the end excludes nothing; write it right against the word, e.g. -survey\n",
        None,
    );
    check_reply(
        run(
            Command::Follow {
                query: "a".repeat(300),
            },
            &subscriber(),
            &[],
        ),
        "The query is 300 characters long; the limit is 200\n",
        None,
    );
}

#[test]
fn unfollow_by_number() {
    let unfollow = |number| Command::Unfollow {
        target: UnfollowTarget::Number(number),
    };
    check_reply(
        run(unfollow(2), &subscriber(), &three_follows()),
        "Unfollowed protein folding. You follow 2 queries now.\n",
        Some(Change::RemoveFollow { index: 1 }),
    );
    check_reply(
        run(unfollow(3), &subscriber(), &three_follows()),
        "Unfollowed graph neural network. You follow 2 queries now.\n",
        Some(Change::RemoveFollow { index: 2 }),
    );
    check_reply(
        run(unfollow(1), &subscriber(), &follows(&["rlhf"])),
        "Unfollowed rlhf. You follow nothing now.\n",
        Some(Change::RemoveFollow { index: 0 }),
    );
    check_reply(
        run(unfollow(4), &subscriber(), &three_follows()),
        "There is no follow number 4; your follows are numbered 1 to 3. Send /follows to see them.\n",
        None,
    );
    check_reply(
        run(unfollow(0), &subscriber(), &three_follows()),
        "There is no follow number 0; your follows are numbered 1 to 3. Send /follows to see them.\n",
        None,
    );
    check_reply(
        run(unfollow(2), &subscriber(), &follows(&["rlhf"])),
        "There is no follow number 2; you have 1 follow, number 1. Send /follows to see them.\n",
        None,
    );
    check_reply(
        run(unfollow(usize::MAX), &subscriber(), &[]),
        "You don't follow anything, so there is nothing to unfollow.

Add a query with /follow, e.g. /follow diffusion models.
",
        None,
    );
}

#[test]
fn unfollow_by_query() {
    let unfollow = |query: &str| Command::Unfollow {
        target: UnfollowTarget::Query(query.to_owned()),
    };
    // Normalized like /follow: case, spacing and plurals don't matter.
    check_reply(
        run(
            unfollow("Protein  FOLDING"),
            &subscriber(),
            &three_follows(),
        ),
        "Unfollowed protein folding. You follow 2 queries now.\n",
        Some(Change::RemoveFollow { index: 1 }),
    );
    check_reply(
        run(
            unfollow("Diffusion Models"),
            &subscriber(),
            &three_follows(),
        ),
        "Unfollowed diffusion model. You follow 2 queries now.\n",
        Some(Change::RemoveFollow { index: 0 }),
    );
    check_reply(
        run(unfollow("transformers"), &subscriber(), &three_follows()),
        "You don't follow transformer. You follow:

- 1. diffusion model
- 2. protein folding
- 3. graph neural network

Unfollow by number, e.g. /unfollow 1.
",
        None,
    );
    // A hyphenated compound is another query (the words adjacent), so it is not found.
    let (text, change) = done(run(
        unfollow("Protein-Folding"),
        &subscriber(),
        &three_follows(),
    ));
    assert!(
        text.starts_with("You don't follow proteinfolding. You follow:\n"),
        "{text}"
    );
    assert_eq!(change, None);
    // Word order is part of the query as stored.
    let (_, change) = done(run(
        unfollow("models diffusion"),
        &subscriber(),
        &three_follows(),
    ));
    assert_eq!(change, None);
    check_reply(
        run(unfollow("..."), &subscriber(), &three_follows()),
        "'...' has no words to look for; try e.g. diffusion models\n",
        None,
    );
}

#[test]
fn follows_are_listed_with_numbers() {
    check_reply(
        run(Command::Follows, &subscriber(), &three_follows()),
        "Your follows (3)

- 1. diffusion model
- 2. protein folding
- 3. graph neural network

Remove one with /unfollow NUMBER, e.g. /unfollow 1.
",
        None,
    );
    check_reply(
        run(Command::Follows, &subscriber(), &[]),
        "You don't follow anything yet.

Add a query with /follow, e.g. /follow diffusion models.
",
        None,
    );
}

fn set_schedule(spec: &str) -> Command {
    Command::Schedule {
        spec: Some(spec.to_owned()),
    }
}

#[test]
fn schedule_shows_and_sets() {
    check_reply(
        run(Command::Schedule { spec: None }, &subscriber(), &[]),
        "Schedule: every day at 08:00 (Europe/Berlin).

Next digest: Thu 26 Nov 08:00 (Europe/Berlin).

Change it with e.g. /schedule weekdays 07:30, /schedule weekly mon 09:00 or /schedule off.
",
        None,
    );
    check_reply(
        run(set_schedule("daily 07:30"), &subscriber(), &[]),
        "Schedule set: every day at 07:30. Next digest: Thu 26 Nov 07:30 (Europe/Berlin).\n",
        Some(Change::SetSchedule("daily 07:30".to_owned())),
    );
    // 11:00 in Berlin now: today's 12:00 is still ahead.
    check_reply(
        run(set_schedule("daily 12:00"), &subscriber(), &[]),
        "Schedule set: every day at 12:00. Next digest: Wed 25 Nov 12:00 (Europe/Berlin).\n",
        Some(Change::SetSchedule("daily 12:00".to_owned())),
    );
    // Stored in normalized form, whatever the spelling.
    check_reply(
        run(set_schedule("Weekdays at 7:30am"), &subscriber(), &[]),
        "Schedule set: weekdays at 07:30. Next digest: Thu 26 Nov 07:30 (Europe/Berlin).\n",
        Some(Change::SetSchedule("weekdays 07:30".to_owned())),
    );
    check_reply(
        run(set_schedule("weekly mon 09:00"), &subscriber(), &[]),
        "Schedule set: every Monday at 09:00. Next digest: Mon 30 Nov 09:00 (Europe/Berlin).\n",
        Some(Change::SetSchedule("weekly mon 09:00".to_owned())),
    );
    // The same schedule spelled differently is no change.
    check_reply(
        run(set_schedule("every day at 8am"), &subscriber(), &[]),
        "Your schedule is already every day at 08:00. Next digest: Thu 26 Nov 08:00 (Europe/Berlin).\n",
        None,
    );
    check_reply(
        run(set_schedule("OFF"), &subscriber(), &[]),
        "Schedule set: off. No digests will come until you set a schedule, e.g. /schedule daily 08:00.\n",
        Some(Change::SetSchedule("off".to_owned())),
    );
    let off = Subscriber {
        schedule: "off".to_owned(),
        ..subscriber()
    };
    check_reply(
        run(Command::Schedule { spec: None }, &off, &[]),
        "Schedule: off.

No digests will come until you set a schedule, e.g. /schedule daily 08:00.

Change it with e.g. /schedule weekdays 07:30, /schedule weekly mon 09:00 or /schedule off.
",
        None,
    );
    let (text, _) = done(run(Command::Settings, &off, &[]));
    assert!(
        text.contains("- next digest: none, no schedule\n"),
        "{text}"
    );
}

#[test]
fn schedule_refuses_what_it_cannot_read() {
    // The schedule module's message, which carries its own examples, is the whole reply.
    for spec in [
        "sometimes",
        "daily 25:00",
        "* * *",
        "0 8 * * 1-5 extra",
        "* * * * *",
    ] {
        let message = paperboy::schedule::parse(spec).unwrap_err().to_string();
        check_reply(
            run(set_schedule(spec), &subscriber(), &[]),
            &format!("{message}\n"),
            None,
        );
    }
}

#[test]
fn digests_crossing_the_year_show_it() {
    let new_years_eve = HandlerContext {
        limits: CommandLimits::default(),
        now: Utc.with_ymd_and_hms(2026, 12, 31, 12, 0, 0).unwrap(),
    };
    let (text, _) = done(run_in(
        Command::Schedule { spec: None },
        &subscriber(),
        &[],
        &new_years_eve,
    ));
    assert!(
        text.contains("Next digest: Fri 1 Jan 2027 08:00 (Europe/Berlin)."),
        "{text}"
    );
}

fn set_zone(zone: &str) -> Command {
    Command::Timezone {
        zone: Some(zone.to_owned()),
    }
}

#[test]
fn time_zone_shows_and_sets() {
    check_reply(
        run(Command::Timezone { zone: None }, &subscriber(), &[]),
        "Time zone: Europe/Berlin; it is Wed 25 Nov 11:00 there now.

Change it with an IANA name, e.g. /timezone Europe/Berlin or /timezone America/New_York.
",
        None,
    );
    check_reply(
        run(set_zone("America/New_York"), &subscriber(), &[]),
        "Time zone set to America/New_York; it is Wed 25 Nov 05:00 there now. Next digest: Wed 25 Nov 08:00 (America/New_York).\n",
        Some(Change::SetTimeZone("America/New_York".to_owned())),
    );
    check_reply(
        run(set_zone("Europe/Berlin"), &subscriber(), &[]),
        "Your time zone is already Europe/Berlin; it is Wed 25 Nov 11:00 there now.\n",
        None,
    );
    // Zone names are read ignoring case and stored in their canonical spelling.
    check_reply(
        run(set_zone("asia/tokyo"), &subscriber(), &[]),
        "Time zone set to Asia/Tokyo; it is Wed 25 Nov 19:00 there now. Next digest: Thu 26 Nov 08:00 (Asia/Tokyo).\n",
        Some(Change::SetTimeZone("Asia/Tokyo".to_owned())),
    );
    check_reply(
        run(set_zone("europe/berlin"), &subscriber(), &[]),
        "Your time zone is already Europe/Berlin; it is Wed 25 Nov 11:00 there now.\n",
        None,
    );
    check_reply(
        run(set_zone("Berlin"), &subscriber(), &[]),
        "I don't know the time zone \"Berlin\"; did you mean Europe/Berlin?\n",
        None,
    );
    for zone in ["Mars/Olympus_Mons", "Berlin!", "+25:00", "UTC+2"] {
        let message = paperboy::schedule::parse_time_zone(zone)
            .unwrap_err()
            .to_string();
        check_reply(
            run(set_zone(zone), &subscriber(), &[]),
            &format!("{message}\n"),
            None,
        );
    }
    let lost = Subscriber {
        time_zone: "Mars/Base".to_owned(),
        ..subscriber()
    };
    check_reply(
        run(Command::Timezone { zone: None }, &lost, &[]),
        "Your stored time zone \"Mars/Base\" can't be read; set one with e.g. /timezone Europe/Berlin.\n",
        None,
    );
}

#[test]
fn pause_and_resume_are_idempotent() {
    check_reply(
        run(Command::Pause, &subscriber(), &[]),
        "Digests paused. Your follows and settings are kept; /resume restarts them.\n",
        Some(Change::SetPaused(true)),
    );
    check_reply(
        run(Command::Pause, &paused(), &[]),
        "Digests are already paused; /resume restarts them.\n",
        None,
    );
    check_reply(
        run(Command::Resume, &paused(), &[]),
        "Digests resumed. Next digest: Thu 26 Nov 08:00 (Europe/Berlin).\n",
        Some(Change::SetPaused(false)),
    );
    check_reply(
        run(Command::Resume, &subscriber(), &[]),
        "Digests are not paused. Next digest: Thu 26 Nov 08:00 (Europe/Berlin).\n",
        None,
    );
}

#[test]
fn mode_shows_and_sets() {
    let set = |mode| Command::Mode { mode: Some(mode) };
    check_reply(
        run(
            Command::Mode { mode: None },
            &subscriber(),
            &three_follows(),
        ),
        "Digest mode: follows, papers matching your follows.

Change it with /mode follows, /mode trending or /mode both.
",
        None,
    );
    check_reply(
        run(Command::Mode { mode: None }, &subscriber(), &[]),
        "Digest mode: follows, papers matching your follows.

Change it with /mode follows, /mode trending or /mode both.

You don't follow anything yet; add a query with e.g. /follow diffusion models.
",
        None,
    );
    check_reply(
        run(set(DigestMode::Both), &subscriber(), &three_follows()),
        "Digest mode set to both: papers matching your follows, then the most upvoted on Hugging Face.\n",
        Some(Change::SetMode(DigestMode::Both)),
    );
    check_reply(
        run(set(DigestMode::Trending), &subscriber(), &[]),
        "Digest mode set to trending: the most upvoted papers on Hugging Face.\n",
        Some(Change::SetMode(DigestMode::Trending)),
    );
    check_reply(
        run(set(DigestMode::Follows), &subscriber(), &three_follows()),
        "Your digest mode is already follows: papers matching your follows.\n",
        None,
    );
}

#[test]
fn settings_show_everything() {
    check_reply(
        run(Command::Settings, &subscriber(), &three_follows()),
        "Your settings

- address: telegram
- time zone: Europe/Berlin
- schedule: every day at 08:00
- digests: active
- mode: follows
- follows: 3
- next digest: Thu 26 Nov 08:00 (Europe/Berlin)

Change them with /schedule, /timezone, /mode, /pause and /resume.
",
        None,
    );
    let (text, _) = done(run(Command::Settings, &paused(), &[]));
    assert!(text.contains("- digests: paused\n"), "{text}");
    assert!(
        text.contains("- next digest: none, digests are paused\n"),
        "{text}"
    );
}

#[test]
fn settings_survive_unreadable_stored_values() {
    let broken = Subscriber {
        address: "email:ada@example.org".parse().unwrap(),
        schedule: "whenever\u{202E}".to_owned(),
        mode: DigestMode::Both,
        ..subscriber()
    };
    check_reply(
        run(Command::Settings, &broken, &[]),
        "Your settings

- address: email
- time zone: Europe/Berlin
- schedule: \"whenever\" (can't be read)
- digests: active
- mode: both
- follows: 0
- next digest: unknown, the schedule can't be read

Change them with /schedule, /timezone, /mode, /pause and /resume.
",
        None,
    );
}

#[test]
fn digest_and_trending_go_to_the_shell() {
    assert_eq!(
        run(Command::Digest, &subscriber(), &[]),
        Handled::SendDigestNow
    );
    let trending = |count| run(Command::Trending { count }, &subscriber(), &[]);
    assert_eq!(trending(None), Handled::ShowTrending { count: 10 });
    assert_eq!(trending(Some(3)), Handled::ShowTrending { count: 3 });
    // Built by hand past the parser: clamped into range.
    assert_eq!(trending(Some(500)), Handled::ShowTrending { count: 50 });
    assert_eq!(trending(Some(0)), Handled::ShowTrending { count: 1 });
    let small = HandlerContext {
        limits: CommandLimits {
            max_trending: 5,
            ..CommandLimits::default()
        },
        now: now(),
    };
    assert_eq!(
        run_in(
            Command::Trending { count: None },
            &subscriber(),
            &[],
            &small
        ),
        Handled::ShowTrending { count: 5 }
    );
}

#[test]
fn preview_goes_to_the_shell_with_the_normal_form() {
    let preview = |query: &str| Command::Preview {
        query: query.to_owned(),
    };
    for (typed, normal) in [
        ("Diffusion Models", "diffusion model"),
        (
            "\"Diffusion Models\" TI:Video -Surveys",
            "\"diffusion model\" ti:video -survey",
        ),
    ] {
        // The subscriber's follows, limits and pause don't matter: nothing is stored.
        assert_eq!(
            run(preview(typed), &paused(), &three_follows()),
            Handled::Preview {
                query: normal.to_owned()
            }
        );
    }
    let fifty: Vec<String> = (0..50).map(|i| format!("topic {i}")).collect();
    let fifty: Vec<&str> = fifty.iter().map(String::as_str).collect();
    assert_eq!(
        run(preview("topic 3"), &subscriber(), &follows(&fifty)),
        Handled::Preview {
            query: "topic 3".to_owned()
        }
    );
    // Built by hand, past the parser: refused like /follow, with the language's message.
    check_reply(
        run(preview("(diffusion"), &subscriber(), &[]),
        "The ( before 'diffusion' is never closed; add a ) where the group ends\n",
        None,
    );
    check_reply(
        run(preview(&"a".repeat(300)), &subscriber(), &[]),
        "The query is 300 characters long; the limit is 200\n",
        None,
    );
}

#[test]
fn why_goes_to_the_shell_with_the_paper() {
    let why = |id: &str| Command::Why {
        paper: PaperId::parse(id).unwrap(),
    };
    for id in ["2403.01234", "hep-th/9901001"] {
        for follows in [&three_follows()[..], &[][..]] {
            assert_eq!(
                run(why(id), &subscriber(), follows),
                Handled::Why {
                    paper: PaperId::parse(id).unwrap()
                }
            );
        }
    }
    // The whole way from chat text: any form of the id names the same paper.
    let parsed = parse(
        "/why https://arxiv.org/pdf/2403.01234v2",
        &CommandLimits::default(),
    )
    .unwrap();
    assert_eq!(
        run(parsed, &paused(), &[]),
        Handled::Why {
            paper: PaperId::parse("2403.01234").unwrap()
        }
    );
}

#[test]
fn garbage_through_parse_and_handle_never_panics_or_changes_state() {
    let inputs = [
        "",
        "/",
        "//",
        "/ ",
        "/@",
        "/@@@",
        "/follow@",
        "/unfollow \u{0}",
        "/schedule \u{202E}daily 08:00",
        "/timezone ../../etc/passwd",
        "/timezone \u{0}",
        "/schedule 99999999999999999999 * * * *",
        "/help @",
        "/help /",
        "/mode \u{FEFF}",
        "\u{FEFF}/digest",
        "/trending +",
        "/unfollow +",
        "/unfollow -",
        "/follow \u{301}\u{301}\u{301}",
        "/follow 𝔡𝔦𝔣𝔣𝔲𝔰𝔦𝔬𝔫",
        "/preview ((((((x))))))",
        "/preview \u{202E}\"",
        "/preview -",
        "/why",
        "/why \u{0}",
        "/why <",
        "/why v2",
        "/why 2403.01234vv2",
        "/why arxiv:",
        "/why https://",
        "/why https://arxiv.org/abs/\u{202E}2403.01234",
        "/why ../../etc/passwd",
    ];
    let many = three_follows();
    for input in inputs {
        match parse(input, &CommandLimits::default()) {
            Err(error) => {
                let reply = error.to_reply();
                assert!(!reply.to_plain_text().trim().is_empty(), "{input:?}");
            }
            Ok(command) => {
                for (subscriber, follows) in [(subscriber(), &many[..]), (paused(), &[][..])] {
                    if let Handled::Done { reply, change } =
                        run(command.clone(), &subscriber, follows)
                    {
                        assert!(!reply.is_empty(), "{input:?}");
                        // Only well-formed requests change anything.
                        if let Some(change) = change {
                            assert!(
                                matches!(change, Change::AddFollow(_)),
                                "{input:?} changed {change:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn follows_stored_before_normalization_still_count_as_the_same() {
    // A follow saved verbatim by an older release, not in today's normal form.
    let old = follows(&["Diffusion Models"]);
    let (text, change) = done(run(
        Command::Follow {
            query: "diffusion model".into(),
        },
        &subscriber(),
        &old,
    ));
    assert_eq!(
        text,
        "You already follow diffusion model (number 1 in /follows).\n"
    );
    assert_eq!(change, None);
    let (_, change) = done(run(
        Command::Unfollow {
            target: UnfollowTarget::Query("diffusion models".into()),
        },
        &subscriber(),
        &old,
    ));
    assert_eq!(change, Some(Change::RemoveFollow { index: 0 }));
}
