//! Digest schedules: what a subscriber writes (`daily 08:00`, `weekdays 7:30`,
//! `weekly mon 09:00`, a 5-field crontab, `off`) parsed into a [`Schedule`], and when that
//! schedule falls due on the subscriber's own wall clock. Pure: values in, values out, with
//! `after` and `now` passed in; no I/O, no clock, no panics on any input. It uses croner,
//! chrono and chrono-tz, nothing from the shell.
//!
//! croner rather than the `cron` crate: croner reads the 5-field POSIX crontab users
//! already know, with POSIX weekday numbers (0 and 7 = Sunday, 1 = Monday), and runs a
//! fixed-time job exactly once on DST days: a 02:30 that does not exist runs at 03:00, and
//! a 02:30 that happens twice runs only the first time. `cron` wants a seconds field,
//! counts 1 = Sunday, skips the first of those days and runs twice on the second.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use chrono_tz::{TZ_VARIANTS, Tz};
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// A parsed schedule. Two schedules are equal when their normalized texts are.
#[derive(Clone, Debug)]
pub enum Schedule {
    /// No digests.
    Off,
    /// Digests at the minutes a crontab names, read on the subscriber's wall clock.
    Cron(CronSchedule),
}

/// A schedule that fires: its canonical text, its description and the crontab behind it.
/// Built only by [`parse`], so the three always agree.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    normalized: String,
    description: String,
    /// Boxed: a parsed crontab is some 300 bytes, and `Off` needs none of them.
    cron: Box<Cron>,
}

/// Why a schedule or time zone was refused; the message is shown to the user as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    UnknownZone(String),
}

impl Schedule {
    /// The canonical text: what the store keeps and what is shown back (`daily 08:00`,
    /// `0 8 * * 1-5`, `off`). Parsing it gives the same schedule again.
    pub fn normalized(&self) -> &str {
        match self {
            Schedule::Off => "off",
            Schedule::Cron(schedule) => &schedule.normalized,
        }
    }
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Schedule) -> bool {
        self.normalized() == other.normalized()
    }
}

impl Eq for Schedule {}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.normalized())
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(spec: &str) -> Result<Schedule, ScheduleError> {
        parse(spec)
    }
}

/// Longer input is not a schedule anyone meant; refusing it early bounds the work.
const MAX_SPEC_CHARS: usize = 200;
/// How much of the user's input an error message quotes back.
const QUOTED_CHARS: usize = 60;
const EXAMPLES: &str = "Try \"daily 08:00\", \"weekdays 7:30\", \"weekly mon 09:00\" \
                        or a 5-field crontab like \"0 8 * * 1-5\".";
/// A digest more often than this is spam.
const MIN_DIGEST_GAP: TimeDelta = TimeDelta::minutes(60);
/// How many consecutive occurrences the frequency check compares.
const CADENCE_SAMPLE: usize = 200;

/// Reads a schedule: `off`, `daily 08:00`, `weekdays 7:30`, `weekly mon 09:00` (also
/// `every day at 8am`, `every monday 6:30pm`, ...) or a 5-field crontab. Refuses schedules that
/// never fire or fire less than an hour apart.
pub fn parse(spec: &str) -> Result<Schedule, ScheduleError> {
    parse_with_min_gap(spec, MIN_DIGEST_GAP)
}

/// Reads an operator's schedule (the ingest poll in the config) like [`parse`], but lets it
/// fire as often as every minute: polling is not spam. Never-firing crontabs are still refused.
pub fn parse_operator(spec: &str) -> Result<Schedule, ScheduleError> {
    parse_with_min_gap(spec, TimeDelta::zero())
}

fn parse_with_min_gap(spec: &str, min_gap: TimeDelta) -> Result<Schedule, ScheduleError> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(invalid(format!(
            "Tell me when to send your digest. {EXAMPLES} Or \"off\" to stop digests."
        )));
    }
    if spec.chars().count() > MAX_SPEC_CHARS {
        return Err(invalid(format!(
            "\"{}\" is too long for a schedule. {EXAMPLES}",
            quote(spec)
        )));
    }
    let lowered = spec.to_lowercase();
    let words: Vec<&str> = lowered.split_whitespace().collect();
    if let Some(schedule) = parse_friendly(&words)? {
        return Ok(schedule);
    }
    if looks_like_crontab(&words) {
        return parse_crontab(&words, min_gap);
    }
    Err(invalid(format!(
        "I can't read \"{}\" as a schedule. {EXAMPLES} Or \"off\" to stop digests.",
        quote(spec)
    )))
}

/// The schedule in words: "every day at 08:00", "weekdays at 07:30", "every Monday at
/// 09:00", "off", or croner's description of a crontab.
pub fn describe(schedule: &Schedule) -> String {
    match schedule {
        Schedule::Off => "off".to_string(),
        Schedule::Cron(schedule) => schedule.description.clone(),
    }
}

/// The first due time strictly after `after`, read on the wall clock of `tz`; `None` when
/// off. On a spring-forward day a time that does not exist falls due when the clock jumps
/// (02:30 -> 03:00); on a fall-back day a repeated time falls due once, the first time.
pub fn next_after(schedule: &Schedule, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let Schedule::Cron(schedule) = schedule else {
        return None;
    };
    let (earliest, latest) = searchable_range();
    if after >= latest {
        return None;
    }
    schedule
        .cron
        .find_next_occurrence(&after.max(earliest).with_timezone(&tz), false)
        .ok()
        .map(|due| due.with_timezone(&Utc))
}

/// The last due time in `(after, now]`, or `None` when nothing fell due in it. After
/// downtime the scheduler sends one digest for this slot instead of one per missed slot.
/// Searches backwards from `now`, so years of downtime cost one search, not one per slot.
pub fn latest_due(
    schedule: &Schedule,
    tz: Tz,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let Schedule::Cron(schedule) = schedule else {
        return None;
    };
    let (earliest, latest) = searchable_range();
    if now <= after || now < earliest {
        return None;
    }
    let due = schedule
        .cron
        .find_previous_occurrence(&now.min(latest).with_timezone(&tz), true)
        .ok()?
        .with_timezone(&Utc);
    (due > after).then_some(due)
}

/// The instants searched: years 2 to 4998. croner searches years 1 to 5000, and chrono
/// panics showing an instant near its own limits on a local clock; a day's margin on
/// each side keeps every zone's offset inside both. Nobody's digest is due outside it.
fn searchable_range() -> (DateTime<Utc>, DateTime<Utc>) {
    let year_2 = DateTime::<Utc>::from_timestamp(-62_104_060_800, 0);
    let year_4999 = DateTime::<Utc>::from_timestamp(95_586_048_000, 0);
    (
        year_2.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        year_4999.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
    )
}

/// Reads an IANA zone name, ignoring case (`europe/berlin`, `UTC`, `America/New York`).
/// For a city alone (`Berlin`, `new york`) it suggests the full names.
pub fn parse_time_zone(name: &str) -> Result<Tz, ScheduleError> {
    const HOW: &str = "Use an IANA name like Europe/Berlin, America/New_York or Asia/Tokyo \
                       (the \"TZ identifier\" column of \
                       https://en.wikipedia.org/wiki/List_of_tz_database_time_zones).";
    let wanted = name.trim();
    if wanted.is_empty() {
        return Err(ScheduleError::UnknownZone(format!(
            "Tell me your time zone. {HOW}"
        )));
    }
    // Zone names never contain spaces, so "America/New York" can only mean New_York.
    let wanted_name = wanted.replace(' ', "_");
    if let Some(zone) = TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(&wanted_name))
    {
        return Ok(*zone);
    }

    let lowered = wanted.to_ascii_lowercase();
    let after_utc_or_gmt = lowered
        .strip_prefix("utc")
        .or_else(|| lowered.strip_prefix("gmt"));
    if after_utc_or_gmt.is_some_and(|offset| offset.starts_with(['+', '-'])) {
        return Err(ScheduleError::UnknownZone(format!(
            "\"{}\" is a fixed offset, and it would not follow summer time. \
             Use the zone of a city near you instead. {HOW}",
            quote(wanted)
        )));
    }
    let city = loose_zone_key(wanted.rsplit('/').next().unwrap_or(wanted));
    let suggestions: Vec<&str> = TZ_VARIANTS
        .iter()
        .map(|zone| zone.name())
        .filter(|zone| loose_zone_key(zone.rsplit('/').next().unwrap_or(zone)) == city)
        .take(3)
        .collect();
    Err(ScheduleError::UnknownZone(match suggestions.as_slice() {
        [] => format!("I don't know the time zone \"{}\". {HOW}", quote(wanted)),
        [only] => format!(
            "I don't know the time zone \"{}\"; did you mean {only}?",
            quote(wanted)
        ),
        [first @ .., last] => format!(
            "I don't know the time zone \"{}\"; did you mean {} or {last}?",
            quote(wanted),
            first.join(", ")
        ),
    }))
}

/// A zone's last component compared loosely: "new york", "New-York" and "new_york" agree.
fn loose_zone_key(component: &str) -> String {
    component
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn invalid(message: String) -> ScheduleError {
    ScheduleError::Invalid(message)
}

/// The user's input as an error message quotes it: one line, at most `QUOTED_CHARS` long.
fn quote(input: &str) -> String {
    let mut quoted: String = input
        .chars()
        .take(QUOTED_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if input.chars().nth(QUOTED_CHARS).is_some() {
        quoted.push('…');
    }
    quoted
}

// ---------------------------------------------------------------------------------------
// Friendly forms

/// The friendly forms, before they become the crontab they stand for.
enum Friendly {
    Daily(TimeOfDay),
    Weekdays(TimeOfDay),
    Weekly(DayOfWeek, TimeOfDay),
}

#[derive(Clone, Copy)]
struct TimeOfDay {
    hour: u32,
    minute: u32,
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// One row of `DAYS`: the full lowercase name, as shown, and the POSIX crontab number.
#[derive(Clone, Copy)]
struct DayOfWeek {
    name: &'static str,
    shown: &'static str,
    crontab_number: u8,
}

const DAYS: [DayOfWeek; 7] = [
    day("monday", "Monday", 1),
    day("tuesday", "Tuesday", 2),
    day("wednesday", "Wednesday", 3),
    day("thursday", "Thursday", 4),
    day("friday", "Friday", 5),
    day("saturday", "Saturday", 6),
    day("sunday", "Sunday", 0),
];

const fn day(name: &'static str, shown: &'static str, crontab_number: u8) -> DayOfWeek {
    DayOfWeek {
        name,
        shown,
        crontab_number,
    }
}

impl DayOfWeek {
    /// `mon`, `tue`, ...: what normalized text and crontabs use.
    fn abbreviation(self) -> &'static str {
        self.name.get(..3).unwrap_or(self.name)
    }
}

/// A day name: the full name, its plural, or any prefix of at least three letters
/// (`mon`, `tues`, `thurs`, `mondays`). Words are already lowercase.
fn day_of_week(word: &str) -> Option<DayOfWeek> {
    DAYS.into_iter().find(|day| {
        (word.len() >= 3 && day.name.starts_with(word)) || word.strip_suffix('s') == Some(day.name)
    })
}

/// `Ok(None)` when the words are not shaped like a friendly form at all.
fn parse_friendly(words: &[&str]) -> Result<Option<Schedule>, ScheduleError> {
    let friendly = match words {
        ["off"] => return Ok(Some(Schedule::Off)),
        ["daily", rest @ ..] | ["every", "day", rest @ ..] => {
            Friendly::Daily(time_of_day("daily", rest)?)
        }
        ["weekdays" | "weekday", rest @ ..] | ["every", "weekday", rest @ ..] => {
            Friendly::Weekdays(time_of_day("weekdays", rest)?)
        }
        ["weekly", rest @ ..] => {
            let rest = rest.strip_prefix(&["on"]).unwrap_or(rest);
            let Some((day_word, rest)) = rest.split_first() else {
                return Err(invalid(
                    "\"weekly\" needs a day and a time, e.g. \"weekly mon 09:00\" or \
                     \"weekly friday 5:30pm\"."
                        .to_string(),
                ));
            };
            let Some(day) = day_of_week(day_word) else {
                return Err(invalid(format!(
                    "\"{}\" is not a day of the week. Write e.g. \"weekly mon 09:00\" or \
                     \"weekly friday 5:30pm\".",
                    quote(day_word)
                )));
            };
            Friendly::Weekly(
                day,
                time_of_day(&format!("weekly {}", day.abbreviation()), rest)?,
            )
        }
        ["every", day_word, rest @ ..] => match day_of_week(day_word) {
            Some(day) => Friendly::Weekly(
                day,
                time_of_day(&format!("weekly {}", day.abbreviation()), rest)?,
            ),
            None => {
                return Err(invalid(format!(
                    "I know \"every day\", \"every weekday\" and \"every monday\" (or any \
                     other day), but not \"every {}\". {EXAMPLES}",
                    quote(day_word)
                )));
            }
        },
        _ => return Ok(None),
    };
    let (normalized, description, crontab) = match friendly {
        Friendly::Daily(at) => (
            format!("daily {at}"),
            format!("every day at {at}"),
            format!("{} {} * * *", at.minute, at.hour),
        ),
        Friendly::Weekdays(at) => (
            format!("weekdays {at}"),
            format!("weekdays at {at}"),
            format!("{} {} * * 1-5", at.minute, at.hour),
        ),
        Friendly::Weekly(day, at) => (
            format!("weekly {} {at}", day.abbreviation()),
            format!("every {} at {at}", day.shown),
            format!("{} {} * * {}", at.minute, at.hour, day.crontab_number),
        ),
    };
    // The crontab is built from checked numbers, so croner refusing it is a bug here; it
    // still becomes an error rather than a panic.
    let cron = crontab_parser().parse(&crontab).map_err(|error| {
        invalid(format!(
            "paperboy could not build a schedule from \"{normalized}\" ({error}). {EXAMPLES}"
        ))
    })?;
    Ok(Some(Schedule::Cron(CronSchedule {
        normalized,
        description,
        cron: Box::new(cron),
    })))
}

/// The time after a friendly keyword: `08:00`, `8:00`, `at 8am`, `6:30 pm`, `12am`.
/// `form` is the schedule so far (`daily`, `weekly mon`), for the examples in errors.
fn time_of_day(form: &str, words: &[&str]) -> Result<TimeOfDay, ScheduleError> {
    let words = words.strip_prefix(&["at"]).unwrap_or(words);
    let examples = format!("e.g. \"{form} 08:00\" or \"{form} 6:30pm\"");
    if words.is_empty() {
        return Err(invalid(format!("\"{form}\" needs a time, {examples}.")));
    }
    let text = words.concat();
    read_time_of_day(&text).map_err(|why| {
        invalid(format!(
            "\"{}\" is not a time of day: {why}, {examples}.",
            quote(&text)
        ))
    })
}

/// Reads `HH:MM` (24-hour, hour without leading zero allowed), `Ham`, `H:MMpm`.
/// The error says what was wrong, in words that continue "is not a time of day: ".
fn read_time_of_day(text: &str) -> Result<TimeOfDay, &'static str> {
    let (clock, meridiem) = if let Some(clock) = text.strip_suffix("am") {
        (clock, Some(Meridiem::Am))
    } else if let Some(clock) = text.strip_suffix("pm") {
        (clock, Some(Meridiem::Pm))
    } else {
        (text, None)
    };
    let (hour_text, minute_text) = match clock.split_once(':') {
        Some((hour, minute)) => (hour, Some(minute)),
        None => (clock, None),
    };
    let write_it = "write it as HH:MM on the 24-hour clock or with am/pm";
    let hour = read_digits(hour_text, 1..=2).ok_or(write_it)?;
    let minute = match minute_text {
        Some(minute_text) => read_digits(minute_text, 2..=2).ok_or(write_it)?,
        None if meridiem.is_some() => 0,
        None => return Err("it needs minutes (08:00) or am/pm (8am)"),
    };
    if minute > 59 {
        return Err("minutes run 00-59");
    }
    let hour = match meridiem {
        None if hour > 23 => return Err("hours run 0-23"),
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return Err("with am/pm, hours run 1-12"),
        Some(Meridiem::Am) => hour % 12,
        Some(Meridiem::Pm) => hour % 12 + 12,
    };
    Ok(TimeOfDay { hour, minute })
}

enum Meridiem {
    Am,
    Pm,
}

/// ASCII digits only, because `u32::from_str` also accepts a leading `+`.
fn read_digits(text: &str, length: std::ops::RangeInclusive<usize>) -> Option<u32> {
    if !length.contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

// ---------------------------------------------------------------------------------------
// Crontab

const FIELD_NAMES: [&str; 5] = ["minute", "hour", "day-of-month", "month", "day-of-week"];
const FIELD_HELP: [&str; 5] = [
    "minutes run 0-59, e.g. 0 or 30",
    "hours run 0-23, e.g. 8, 9-17 or 8,18",
    "days of the month run 1-31 (L is the last day), e.g. 1 or 1,15",
    "months run 1-12 or jan-dec, e.g. * or 1-6",
    "days of the week run 0-7 (0 and 7 are Sunday, 1 is Monday) or sun-sat, e.g. 1-5 or mon-fri",
];
const FIVE_FIELDS: &str = "paperboy takes a 5-field crontab \
                           (minute hour day-of-month month day-of-week)";

/// Crontab nicknames, as the 5-field crontab each stands for.
const NICKNAMES: [(&str, &str); 7] = [
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// Strict 5-field POSIX crontab: no seconds field, 0 and 7 = Sunday, and day-of-month OR
/// day-of-week when both are restricted (croner's defaults apart from the seconds).
fn crontab_parser() -> CronParser {
    CronParser::builder().seconds(Seconds::Disallowed).build()
}

/// Crontabs start with a number, `*` or a `@nickname`; anything else is prose.
fn looks_like_crontab(words: &[&str]) -> bool {
    words
        .first()
        .and_then(|word| word.chars().next())
        .is_some_and(|c| c.is_ascii_digit() || c == '*' || c == '@')
}

fn parse_crontab(words: &[&str], min_gap: TimeDelta) -> Result<Schedule, ScheduleError> {
    let shown = words.join(" ");
    let (normalized, crontab) = match words {
        [nickname] if nickname.starts_with('@') => {
            let Some((_, crontab)) = NICKNAMES.iter().find(|(name, _)| name == nickname) else {
                return Err(invalid(format!(
                    "\"{}\" is not a crontab nickname paperboy knows; use @hourly, @daily, \
                     @weekly, @monthly or @yearly, or five fields. {EXAMPLES}",
                    quote(&shown)
                )));
            };
            (shown, (*crontab).to_string())
        }
        [_, _, _, _, _] => {
            let fields: Vec<String> = words.iter().map(|field| canonical_field(field)).collect();
            (fields.join(" "), fields.join(" "))
        }
        [seconds, rest @ ..] if (6..=7).contains(&words.len()) => {
            // A zero seconds field in front is the common case (Quartz, Spring); show the
            // crontab it means. A year field at the end has no 5-field equivalent.
            let hint = match rest {
                [_, _, _, _, _] if *seconds == "0" => {
                    format!(" Drop the seconds field: \"{}\".", rest.join(" "))
                }
                _ => String::new(),
            };
            return Err(invalid(format!(
                "{FIVE_FIELDS}, but \"{}\" has {} fields.{hint} {EXAMPLES}",
                quote(&shown),
                words.len()
            )));
        }
        _ => {
            return Err(invalid(format!(
                "{FIVE_FIELDS}, but \"{}\" has {} field{}. {EXAMPLES}",
                quote(&shown),
                words.len(),
                if words.len() == 1 { "" } else { "s" }
            )));
        }
    };
    let cron = read_crontab(&crontab)?;
    check_cadence(&cron, &normalized, min_gap)?;
    let description = format!("{} (cron {normalized})", croner_words(&cron));
    Ok(Schedule::Cron(CronSchedule {
        normalized,
        description,
        cron: Box::new(cron),
    }))
}

/// Parses five fields, naming the first bad field in the error.
fn read_crontab(crontab: &str) -> Result<Cron, ScheduleError> {
    let fields: Vec<&str> = crontab.split_whitespace().collect();
    for (index, field) in fields.iter().enumerate() {
        // croner replaces day and month names anywhere in the pattern, so "0 8 mon * *"
        // would quietly mean the 1st; names are checked per field first.
        let alone = with_only_field(index, field);
        if !field_characters_allowed(index, field) || crontab_parser().parse(&alone).is_err() {
            return Err(invalid(format!(
                "The {} field \"{}\" is not valid: {}. {EXAMPLES}",
                FIELD_NAMES.get(index).unwrap_or(&"crontab"),
                quote(field),
                FIELD_HELP.get(index).unwrap_or(&FIVE_FIELDS)
            )));
        }
    }
    crontab_parser().parse(crontab).map_err(|error| {
        invalid(format!(
            "\"{}\" is not a valid crontab ({error}). {EXAMPLES}",
            quote(crontab)
        ))
    })
}

/// A crontab with `field` at `index` and `*` everywhere else, to test one field alone.
fn with_only_field(index: usize, field: &str) -> String {
    (0..5)
        .map(|position| if position == index { field } else { "*" })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The characters and names each field may hold, in any case.
fn field_characters_allowed(index: usize, field: &str) -> bool {
    let field = field.to_ascii_lowercase();
    let extra_symbols = match index {
        2 => "?",
        4 => "?#+",
        _ => "",
    };
    let symbols_ok = field.chars().all(|c| {
        c.is_ascii_digit()
            || c.is_ascii_lowercase()
            || "*,-/".contains(c)
            || extra_symbols.contains(c)
    });
    let names_ok = field
        .split(|c: char| !c.is_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .all(|name| match index {
            2 => matches!(name, "l" | "w" | "lw"),
            3 => MONTH_ABBREVIATIONS.contains(&name),
            4 => name == "l" || DAYS.iter().any(|day| day.abbreviation() == name),
            _ => false,
        });
    symbols_ok && names_ok
}

/// A field as stored: names lowercase (`mon-fri`, `jan`), but `L` and `W` capital, as
/// crontab manuals write them (`L`, `15W`, `fri#L`).
fn canonical_field(field: &str) -> String {
    field
        .split_inclusive(|c: char| !c.is_ascii_lowercase())
        .map(|piece| {
            let letters = piece.trim_end_matches(|c: char| !c.is_ascii_lowercase());
            if matches!(letters, "l" | "w" | "lw") {
                piece.to_ascii_uppercase()
            } else {
                piece.to_string()
            }
        })
        .collect()
}

const MONTH_ABBREVIATIONS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// croner's "At 08:00, on Monday." as "at 08:00, on Monday".
fn croner_words(cron: &Cron) -> String {
    let described = cron.describe();
    let described = described.trim().trim_end_matches('.');
    let mut chars = described.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "on a custom schedule".to_string(),
    }
}

/// Refuses a crontab that never fires or fires less than an hour apart, judged on its
/// occurrences in UTC from a fixed instant, so the same text always gets the same answer.
/// A crontab with two minutes fires twice within its first hour, so a short window
/// catches every sub-hour cadence; one minute per hour can't come closer than an hour.
fn check_cadence(cron: &Cron, shown: &str, min_gap: TimeDelta) -> Result<(), ScheduleError> {
    let reference = DateTime::<Utc>::from_timestamp(1_735_689_600, 0) // 2025-01-01T00:00Z
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    // Eight years hold two leap days, enough for the rarest 5-field crontab.
    let horizon = reference + TimeDelta::days(8 * 366);
    let Ok(first) = cron.find_next_occurrence(&reference, true) else {
        return Err(invalid(format!(
            "\"{}\" never comes round: no date matches its day-of-month and month \
             fields (February has no 30th, April no 31st). {EXAMPLES}",
            quote(shown)
        )));
    };
    if min_gap <= TimeDelta::zero() {
        return Ok(());
    }
    // The smallest gap, not the first short one: "0,50 * * * *" is 10 minutes apart.
    let mut previous = first;
    let mut smallest_gap = TimeDelta::MAX;
    for _ in 0..CADENCE_SAMPLE {
        let Ok(next) = cron.find_next_occurrence(&previous, false) else {
            break;
        };
        smallest_gap = smallest_gap.min(next - previous);
        if next > horizon {
            break;
        }
        previous = next;
    }
    if smallest_gap < min_gap {
        let minutes = smallest_gap.num_minutes().max(1);
        return Err(invalid(format!(
            "\"{}\" would send digests {} apart; paperboy sends at most one an hour. \
             Give a single minute, e.g. \"{}\", or try \"daily 08:00\".",
            quote(shown),
            if minutes == 1 {
                "a minute".to_string()
            } else {
                format!("{minutes} minutes")
            },
            on_first_minute(shown, first.minute())
        )));
    }
    Ok(())
}

/// The crontab with its minute field replaced by one minute: the nearest hourly version.
fn on_first_minute(crontab: &str, minute: u32) -> String {
    let mut fields = crontab.split_whitespace();
    fields.next();
    std::iter::once(minute.to_string())
        .chain(fields.map(str::to_string))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_are_read_or_refused() {
        let check = |input: &str, expected: Option<&str>| {
            let got = read_time_of_day(input).ok().map(|t| t.to_string());
            assert_eq!(got.as_deref(), expected, "input {input:?}");
        };
        check("08:00", Some("08:00"));
        check("8:00", Some("08:00"));
        check("23:59", Some("23:59"));
        check("0:05", Some("00:05"));
        check("8am", Some("08:00"));
        check("6:30pm", Some("18:30"));
        check("12am", Some("00:00"));
        check("12:30am", Some("00:30"));
        check("12pm", Some("12:00"));
        check("24:00", None);
        check("8:60", None);
        check("8:5", None);
        check("8", None);
        check("13pm", None);
        check("0am", None);
        check("+8:00", None);
        check("８:00", None);
        check(":", None);
        check("", None);
        check("am", None);
        check("123:00", None);
    }

    #[test]
    fn day_names_are_read_by_prefix() {
        let check = |input: &str, expected: Option<&str>| {
            assert_eq!(
                day_of_week(input).map(|d| d.shown),
                expected,
                "input {input:?}"
            );
        };
        check("mon", Some("Monday"));
        check("tues", Some("Tuesday"));
        check("thurs", Some("Thursday"));
        check("sunday", Some("Sunday"));
        check("fridays", Some("Friday"));
        check("mo", None);
        check("mondayy", None);
        check("funday", None);
    }
}
