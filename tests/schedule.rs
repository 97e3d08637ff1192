//! Schedules through the public API: the forms users write, the errors they get back, and
//! due times across DST changes, leap days and year ends. Instants are written as local
//! wall-clock text with the offset ("2026-03-29 03:00 +02:00"), so a failure shows exactly
//! which instant was wrong. The tables skip rustfmt to keep one case per line.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::America::New_York;
use chrono_tz::Australia::{Lord_Howe, Sydney};
use chrono_tz::Europe::Berlin;
use chrono_tz::{Tz, UTC};
use paperboy::schedule::{self, Schedule};

/// An instant from wall-clock text with its offset: "2026-10-25 02:30 +01:00".
fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_str(text, "%Y-%m-%d %H:%M %z")
        .unwrap_or_else(|error| panic!("bad test instant {text:?}: {error}"))
        .with_timezone(&Utc)
}

/// An instant from wall-clock text in `tz`; the earlier one if the time happens twice.
fn local(tz: Tz, text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .unwrap_or_else(|error| panic!("bad test time {text:?}: {error}"));
    tz.from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| panic!("{text} does not exist in {tz}"))
        .with_timezone(&Utc)
}

fn shown(tz: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

fn parsed(spec: &str) -> Schedule {
    schedule::parse(spec).unwrap_or_else(|error| panic!("{spec:?} refused: {error}"))
}

/// Every due time in `(from, until]`, by repeated `next_after`.
fn due_times(
    schedule: &Schedule,
    tz: Tz,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut times = Vec::new();
    let mut after = from;
    while let Some(due) = schedule::next_after(schedule, tz, after) {
        assert!(due > after, "next_after went backwards: {after} -> {due}");
        if due > until {
            break;
        }
        assert!(times.len() < 100_000, "runaway iteration");
        times.push(due);
        after = due;
    }
    times
}

#[rustfmt::skip]
#[test]
fn valid_schedules_normalize_and_describe() {
    let check = |input: &str, normalized: &str, described: &str| {
        let schedule = parsed(input);
        assert_eq!(schedule.normalized(), normalized, "input {input:?}");
        assert_eq!(schedule::describe(&schedule), described, "input {input:?}");
        assert_eq!(schedule.to_string(), normalized, "input {input:?}");
        // The stored text reads back as the same schedule.
        assert_eq!(schedule::parse(normalized).as_ref(), Ok(&schedule), "input {input:?}");
        // Friendly descriptions are themselves accepted input.
        if !described.contains("(cron") {
            assert_eq!(schedule::parse(described).as_ref(), Ok(&schedule), "input {input:?}");
        }
    };
    check("daily 08:00", "daily 08:00", "every day at 08:00");
    check("Daily 8:00", "daily 08:00", "every day at 08:00");
    check("  DAILY \t 8am ", "daily 08:00", "every day at 08:00");
    check("daily 6:30pm", "daily 18:30", "every day at 18:30");
    check("daily 6:30 PM", "daily 18:30", "every day at 18:30");
    check("daily at 12am", "daily 00:00", "every day at 00:00");
    check("daily 12pm", "daily 12:00", "every day at 12:00");
    check("daily 23:59", "daily 23:59", "every day at 23:59");
    check("every day at 7:05", "daily 07:05", "every day at 07:05");
    check("weekdays 07:30", "weekdays 07:30", "weekdays at 07:30");
    check("weekdays 7:30", "weekdays 07:30", "weekdays at 07:30");
    check("Weekday 07:30", "weekdays 07:30", "weekdays at 07:30");
    check("every weekday at 7:30am", "weekdays 07:30", "weekdays at 07:30");
    check("weekly mon 09:00", "weekly mon 09:00", "every Monday at 09:00");
    check("weekly Monday 9:00", "weekly mon 09:00", "every Monday at 09:00");
    check("WEEKLY on tues 17:00", "weekly tue 17:00", "every Tuesday at 17:00");
    check("weekly thurs at 5pm", "weekly thu 17:00", "every Thursday at 17:00");
    check("weekly sat 10:00", "weekly sat 10:00", "every Saturday at 10:00");
    check("every sunday 6pm", "weekly sun 18:00", "every Sunday at 18:00");
    check("every Fridays at 09:00", "weekly fri 09:00", "every Friday at 09:00");
    check("off", "off", "off");
    check(" OFF ", "off", "off");
    check("0 8 * * 1-5", "0 8 * * 1-5", "at 08:00, on Monday, Tuesday, Wednesday, Thursday, and Friday (cron 0 8 * * 1-5)");
    check("30 7 * * MON-FRI", "30 7 * * mon-fri", "at 07:30, on Monday, Tuesday, Wednesday, Thursday, and Friday (cron 30 7 * * mon-fri)");
    check("0 9 * * 1", "0 9 * * 1", "at 09:00, on Monday (cron 0 9 * * 1)");
    check("0 9 * * 0", "0 9 * * 0", "at 09:00, on Sunday (cron 0 9 * * 0)");
    check("0 9 * * 7", "0 9 * * 7", "at 09:00, on Sunday (cron 0 9 * * 7)");
    check("0   9-17  *  * *", "0 9-17 * * *", "at minute 0, of hour 9-17 (cron 0 9-17 * * *)");
    check("0 */2 * * *", "0 */2 * * *", "at minute 0, of every 2 hours (cron 0 */2 * * *)");
    check("0 8 29 2 *", "0 8 29 2 *", "at 08:00, on day 29, in February (cron 0 8 29 2 *)");
    check("0 8 1-7 * 1", "0 8 1-7 * 1", "at 08:00, on day 1-7 or Monday (cron 0 8 1-7 * 1)");
    check("0 8 l * *", "0 8 L * *", "at 08:00, on the last day of the month (cron 0 8 L * *)");
    check("0 8 * * FRI#l", "0 8 * * fri#L", "at 08:00, on the last Friday of the month (cron 0 8 * * fri#L)");
    check("15 6 1 JAN,jul *", "15 6 1 jan,jul *", "at 06:15, on day 1, in January and July (cron 15 6 1 jan,jul *)");
    check("@daily", "@daily", "at 00:00 (cron @daily)");
    check("@Weekly", "@weekly", "at 00:00, on Sunday (cron @weekly)");
    // Exactly once an hour is as often as a digest may come.
    check("@hourly", "@hourly", "at minute 0 past every hour (cron @hourly)");
    check("59 * * * *", "59 * * * *", "at minute 59 past every hour (cron 59 * * * *)");
}

#[rustfmt::skip]
#[test]
fn bad_schedules_are_refused_with_a_hint() {
    let check = |input: &str, hint: &str| {
        let message = match schedule::parse(input) {
            Ok(schedule) => panic!("{input:?} accepted as {schedule:?}"),
            Err(error) => error.to_string(),
        };
        assert!(message.contains(hint), "input {input:?}: {message:?} lacks {hint:?}");
        // Every message shows a valid schedule to copy.
        assert!(message.contains("08:00") || message.contains("09:00"), "input {input:?}: {message:?} shows no example");
        assert!(message.chars().count() < 420, "input {input:?}: {message:?} is too long");
    };
    check("", "Tell me when to send your digest");
    check(" \n\t ", "Tell me when to send your digest");
    check("sometimes", "I can't read \"sometimes\" as a schedule");
    check("ежедневно 08:00", "I can't read \"ежедневно 08:00\"");
    check("hourly", "I can't read \"hourly\"");
    check("+8:00", "I can't read \"+8:00\"");
    check("off please", "I can't read \"off please\"");
    check("daily", "\"daily\" needs a time, e.g. \"daily 08:00\"");
    check("daily at", "\"daily\" needs a time");
    check("daily 25:00", "\"25:00\" is not a time of day: hours run 0-23");
    check("daily 8:75", "\"8:75\" is not a time of day: minutes run 00-59");
    check("daily 8:5", "write it as HH:MM");
    check("daily 8", "it needs minutes (08:00) or am/pm (8am)");
    check("daily 13pm", "with am/pm, hours run 1-12");
    check("daily noon", "\"noon\" is not a time of day");
    check("daily ８:00", "\"８:00\" is not a time of day");
    check("daily 08:00 and 18:00", "\"08:00and18:00\" is not a time of day");
    check("weekdays 24:00", "e.g. \"weekdays 08:00\"");
    check("weekly", "\"weekly\" needs a day and a time");
    check("weekly funday 09:00", "\"funday\" is not a day of the week");
    check("weekly mo 09:00", "\"mo\" is not a day of the week");
    check("weekly 09:00", "\"09:00\" is not a day of the week");
    check("weekly mon", "\"weekly mon\" needs a time, e.g. \"weekly mon 08:00\"");
    check("weekly friday 29:00", "e.g. \"weekly fri 08:00\"");
    check("every fortnight 09:00", "but not \"every fortnight\"");
    check("0 0 8 * * *", "paperboy takes a 5-field crontab (minute hour day-of-month month day-of-week)");
    check("0 0 8 * * *", "has 6 fields. Drop the seconds field: \"0 8 * * *\"");
    check("0 0 8 * * * 2026", "has 7 fields");
    check("0 8 * *", "but \"0 8 * *\" has 4 fields");
    check("0 8 * * 1-5 ; rm -rf /", "has 9 fields");
    check("60 8 * * *", "The minute field \"60\" is not valid: minutes run 0-59");
    check("0 25 * * *", "The hour field \"25\" is not valid: hours run 0-23");
    check("0 8 32 * *", "The day-of-month field \"32\" is not valid");
    check("0 8 0 * *", "The day-of-month field \"0\" is not valid");
    check("0 8 * 13 *", "The month field \"13\" is not valid: months run 1-12 or jan-dec");
    check("0 8 * * 8", "The day-of-week field \"8\" is not valid: days of the week run 0-7");
    check("0 8 * * monday", "The day-of-week field \"monday\" is not valid");
    check("0 8 * * 5#9", "The day-of-week field \"5#9\" is not valid");
    check("0 8 * * 5-1", "The day-of-week field \"5-1\" is not valid");
    check("*/0 8 * * *", "The minute field \"*/0\" is not valid");
    // croner alone would read day and month names in any field ("mon" as the 1st).
    check("0 8 mon * *", "The day-of-month field \"mon\" is not valid");
    check("0 8 * mon *", "The month field \"mon\" is not valid");
    check("0 8 * * jan", "The day-of-week field \"jan\" is not valid");
    check("0 é * * *", "The hour field \"é\" is not valid");
    check("@reboot", "\"@reboot\" is not a crontab nickname paperboy knows");
    check("@daily 08:00", "has 2 fields");
    check("* * * * *", "would send digests a minute apart; paperboy sends at most one an hour");
    check("* * * * *", "e.g. \"0 * * * *\"");
    check("*/30 9-17 * * *", "would send digests 30 minutes apart");
    check("*/30 9-17 * * *", "e.g. \"0 9-17 * * *\"");
    check("0,50 * * * *", "would send digests 10 minutes apart");
    check("5,20 8 1 1 *", "15 minutes apart");
    check("0 8 30 2 *", "\"0 8 30 2 *\" never comes round");
    check("0 8 31 4,6,9,11 *", "never comes round");
    check("0 8 30-31 feb *", "never comes round");
    check(&"x".repeat(10_000), "is too long for a schedule");
    check(&format!("daily {}", "9".repeat(100)), "is not a time of day");
}

#[test]
fn operator_schedules_may_run_more_often_than_hourly() {
    let ingest = schedule::parse_operator("*/30 * * * *").expect("accepted");
    assert_eq!(ingest.normalized(), "*/30 * * * *");
    let after = instant("2026-06-01 10:10 +00:00");
    let due = schedule::next_after(&ingest, UTC, after);
    assert_eq!(due, Some(instant("2026-06-01 10:30 +00:00")));
    assert_eq!(
        schedule::parse_operator("daily 8am")
            .map(|s| s.to_string())
            .as_deref(),
        Ok("daily 08:00")
    );
    let never = schedule::parse_operator("0 8 30 2 *").expect_err("refused");
    assert!(never.to_string().contains("never comes round"), "{never}");
    let garbage = schedule::parse_operator("soon").expect_err("refused");
    assert!(
        garbage.to_string().contains("I can't read \"soon\""),
        "{garbage}"
    );
}

#[test]
fn error_messages_quote_at_most_sixty_characters_of_input() {
    let long = format!("daily {}", "é".repeat(70));
    let message = schedule::parse(&long).expect_err("refused").to_string();
    assert!(
        message.contains(&format!("\"{}…\"", "é".repeat(60))),
        "{message}"
    );
    assert!(!message.contains(&"é".repeat(61)), "{message}");
    let message = schedule::parse("weird\ninput\u{7}")
        .expect_err("refused")
        .to_string();
    assert!(message.contains("\"weird input \""), "{message}");
}

/// A fixed linear congruential generator: the same thousands of strings every run.
struct Garbage(u64);

impl Garbage {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % bound
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[self.below(choices.len())]
    }

    /// Words, numbers, whitespace and odd Unicode run together.
    fn prose(&mut self) -> String {
        const WORDS: [&str; 38] = [
            "0", "8", "12", "23", "29", "30", "60", "99999", "*", ":", " ", "  ", "\t", "\n", "am",
            "pm", "daily", "weekly", "weekdays", "every", "off", "mon", "fri", "sun", "jan", "é",
            "٨", "８", "ß", "\u{202e}", "\u{0}", "🦀", "@daily", "@hourly", "at", "on", "day",
            "08:00",
        ];
        (0..self.below(8)).map(|_| self.pick(&WORDS)).collect()
    }

    /// Five fields: a single minute (or nearly all are refused as spam), then numbers,
    /// ranges, steps, lists and the odd croner extension or stray symbol.
    fn crontab(&mut self) -> String {
        (0..5)
            .map(|index| {
                let field = self.atom(index);
                if index > 0 && self.below(4) == 0 {
                    format!("{field},{}", self.atom(index))
                } else {
                    field
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn atom(&mut self, index: usize) -> String {
        const NUMBERS: [&str; 14] = [
            "0", "1", "2", "5", "7", "8", "12", "15", "23", "29", "30", "31", "59", "60",
        ];
        const ODDITIES: [&str; 12] = [
            "L", "LW", "15W", "5#2", "fri#L", "?", "+5", "mon", "jan", "fri-sun", "/", "-",
        ];
        match self.below(6) {
            _ if index == 0 => self.pick(&NUMBERS).to_string(),
            0 => "*".to_string(),
            1 => format!("*/{}", self.pick(&NUMBERS)),
            2 => format!("{}-{}", self.pick(&NUMBERS), self.pick(&NUMBERS)),
            3 => self.pick(&ODDITIES).to_string(),
            _ => self.pick(&NUMBERS).to_string(),
        }
    }
}

#[test]
fn garbage_never_panics() {
    let mut garbage = Garbage(0x9e37_79b9_7f4a_7c15);
    let zones = [Berlin, New_York, UTC, Lord_Howe];
    let start = instant("2026-03-27 00:00 +00:00");
    let mut accepted = 0;
    for case in 0..4_000 {
        let spec = if case % 2 == 0 {
            garbage.prose()
        } else {
            garbage.crontab()
        };
        match schedule::parse(&spec) {
            Ok(schedule) => {
                accepted += 1;
                let again = schedule::parse(schedule.normalized());
                assert_eq!(again.as_ref(), Ok(&schedule), "spec {spec:?}");
                assert!(!schedule::describe(&schedule).is_empty());
                let tz = zones[case % zones.len()];
                if let Some(due) = schedule::next_after(&schedule, tz, start) {
                    let now = due + TimeDelta::seconds(30);
                    let latest = schedule::latest_due(&schedule, tz, start, now);
                    assert_eq!(latest, Some(due), "spec {spec:?} in {tz}");
                }
            }
            Err(error) => assert!(!error.to_string().is_empty(), "spec {spec:?}"),
        }
        let _ = schedule::parse_operator(&spec);
        let _ = schedule::parse_time_zone(&spec);
    }
    assert!(
        accepted > 80,
        "too few valid schedules generated: {accepted}"
    );
}

#[test]
fn extreme_instants_do_not_panic() {
    let edges = [
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::UNIX_EPOCH,
        DateTime::<Utc>::MAX_UTC,
    ];
    for spec in ["daily 02:30", "0 * * * *", "0 8 29 2 *", "weekly sun 02:30"] {
        let schedule = parsed(spec);
        for tz in [
            Berlin,
            New_York,
            UTC,
            Lord_Howe,
            chrono_tz::Pacific::Kiritimati,
        ] {
            for at in edges {
                let _ = schedule::next_after(&schedule, tz, at);
                let _ = schedule::latest_due(&schedule, tz, DateTime::<Utc>::MIN_UTC, at);
                let _ = schedule::latest_due(&schedule, tz, at, DateTime::<Utc>::MAX_UTC);
            }
        }
    }
    let schedule = parsed("daily 08:00");
    let from_the_start = schedule::next_after(&schedule, UTC, DateTime::<Utc>::MIN_UTC);
    assert_eq!(
        from_the_start.map(|t| shown(UTC, t)).as_deref(),
        Some("0002-01-01 08:00 +00:00")
    );
    assert_eq!(
        schedule::next_after(&schedule, UTC, DateTime::<Utc>::MAX_UTC),
        None
    );
}

/// Over the week around `day` in `tz`: every local date gets exactly one digest, at
/// `nominal` local time, except `day` itself, where it comes at `on_the_day`.
fn check_once_a_day(spec: &str, tz: Tz, day: &str, nominal: &str, on_the_day: &str) {
    let schedule = parsed(spec);
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("test date");
    let (first_day, last_day) = (day - TimeDelta::days(3), day + TimeDelta::days(3));
    let from = local(tz, &format!("{first_day} 00:00"));
    let until = local(tz, &format!("{} 00:00", last_day + TimeDelta::days(1)));

    let mut by_date: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
    for due in due_times(&schedule, tz, from, until) {
        let date = due.with_timezone(&tz).date_naive();
        by_date.entry(date).or_default().push(shown(tz, due));
    }
    assert_eq!(by_date.len(), 7, "{spec:?} in {tz}: {by_date:?}");
    for date in first_day.iter_days().take(7) {
        let expected = if date == day {
            on_the_day.to_string()
        } else {
            shown(tz, local(tz, &format!("{date} {nominal}")))
        };
        assert_eq!(
            by_date.get(&date),
            Some(&vec![expected]),
            "{spec:?} in {tz} on {date}"
        );
    }
}

#[rustfmt::skip]
#[test]
fn fixed_time_schedules_fire_once_on_dst_days() {
    // Spring forward: a time the clock skips falls due when it jumps.
    check_once_a_day("daily 02:30", Berlin, "2026-03-29", "02:30", "2026-03-29 03:00 +02:00");
    check_once_a_day("30 2 * * *", Berlin, "2026-03-29", "02:30", "2026-03-29 03:00 +02:00");
    check_once_a_day("daily 02:00", Berlin, "2026-03-29", "02:00", "2026-03-29 03:00 +02:00");
    check_once_a_day("daily 02:59", Berlin, "2026-03-29", "02:59", "2026-03-29 03:00 +02:00");
    check_once_a_day("daily 03:00", Berlin, "2026-03-29", "03:00", "2026-03-29 03:00 +02:00");
    check_once_a_day("daily 01:59", Berlin, "2026-03-29", "01:59", "2026-03-29 01:59 +01:00");
    check_once_a_day("daily 08:00", Berlin, "2026-03-29", "08:00", "2026-03-29 08:00 +02:00");
    check_once_a_day("daily 02:30", New_York, "2026-03-08", "02:30", "2026-03-08 03:00 -04:00");
    check_once_a_day("daily 02:30", Sydney, "2026-10-04", "02:30", "2026-10-04 03:00 +11:00");
    // Lord Howe moves by half an hour: 02:00 -> 02:30.
    check_once_a_day("daily 02:15", Lord_Howe, "2026-10-04", "02:15", "2026-10-04 02:30 +11:00");
    // Fall back: a time the clock shows twice falls due once, the first time.
    check_once_a_day("daily 02:30", Berlin, "2026-10-25", "02:30", "2026-10-25 02:30 +02:00");
    check_once_a_day("30 2 * * *", Berlin, "2026-10-25", "02:30", "2026-10-25 02:30 +02:00");
    check_once_a_day("daily 02:00", Berlin, "2026-10-25", "02:00", "2026-10-25 02:00 +02:00");
    check_once_a_day("daily 03:00", Berlin, "2026-10-25", "03:00", "2026-10-25 03:00 +01:00");
    check_once_a_day("daily 01:30", New_York, "2026-11-01", "01:30", "2026-11-01 01:30 -04:00");
    check_once_a_day("daily 02:30", Sydney, "2026-04-05", "02:30", "2026-04-05 02:30 +11:00");
    check_once_a_day("daily 01:45", Lord_Howe, "2026-04-05", "01:45", "2026-04-05 01:45 +11:00");
}

#[rustfmt::skip]
#[test]
fn next_after_on_dst_days_in_utc() {
    // The same slots as the UTC instants the scheduler stores.
    let check = |spec: &str, tz: Tz, after: &str, expected_utc: &str| {
        let due = schedule::next_after(&parsed(spec), tz, instant(after));
        assert_eq!(due.map(|t| shown(UTC, t)).as_deref(), Some(expected_utc), "{spec:?} in {tz} after {after}");
    };
    check("daily 02:30", Berlin, "2026-03-28 02:30 +01:00", "2026-03-29 01:00 +00:00");
    check("daily 02:30", Berlin, "2026-03-29 03:00 +02:00", "2026-03-30 00:30 +00:00");
    check("daily 02:30", Berlin, "2026-10-24 02:30 +02:00", "2026-10-25 00:30 +00:00");
    // After the first 02:30, neither the repeated 02:30 nor anything else that day.
    check("daily 02:30", Berlin, "2026-10-25 02:30 +02:00", "2026-10-26 01:30 +00:00");
    check("daily 02:30", Berlin, "2026-10-25 02:10 +01:00", "2026-10-26 01:30 +00:00");
    check("daily 02:30", New_York, "2026-03-07 02:30 -05:00", "2026-03-08 07:00 +00:00");
    check("daily 01:30", New_York, "2026-10-31 01:30 -04:00", "2026-11-01 05:30 +00:00");
    check("daily 01:30", New_York, "2026-11-01 01:30 -04:00", "2026-11-02 06:30 +00:00");
    check("weekly sun 02:30", Berlin, "2026-03-28 00:00 +01:00", "2026-03-29 01:00 +00:00");
    check("weekly sun 02:30", Berlin, "2026-03-29 03:00 +02:00", "2026-04-05 00:30 +00:00");
}

#[test]
fn interval_crontabs_follow_the_real_clock_on_dst_days() {
    // An hourly crontab runs in every real hour: 23 on the short day, 25 on the long one.
    let check = |tz: Tz, day: &str, expected_count: usize| {
        let schedule = parsed("0 * * * *");
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("test date");
        let from = local(tz, &format!("{date} 00:00")) - TimeDelta::seconds(1);
        let next_date = date + TimeDelta::days(1);
        let until = local(tz, &format!("{next_date} 00:00")) - TimeDelta::seconds(1);
        let times = due_times(&schedule, tz, from, until);
        let listed: Vec<String> = times.iter().map(|t| shown(tz, *t)).collect();
        assert_eq!(times.len(), expected_count, "{tz} {day}: {listed:?}");
        for pair in times.windows(2) {
            assert_eq!(
                pair[1] - pair[0],
                TimeDelta::hours(1),
                "{tz} {day}: {listed:?}"
            );
        }
    };
    check(Berlin, "2026-03-29", 23);
    check(Berlin, "2026-10-25", 25);
    check(Berlin, "2026-06-01", 24);
    check(New_York, "2026-11-01", 25);
}

#[rustfmt::skip]
#[test]
fn next_after_across_calendars() {
    let check = |spec: &str, tz: Tz, after: &str, expected: Option<&str>| {
        let due = schedule::next_after(&parsed(spec), tz, instant(after));
        assert_eq!(due.map(|t| shown(tz, t)).as_deref(), expected, "{spec:?} in {tz} after {after}");
    };
    check("0 8 29 2 *", UTC, "2026-03-01 00:00 +00:00", Some("2028-02-29 08:00 +00:00"));
    check("0 8 29 2 *", UTC, "2028-02-29 08:00 +00:00", Some("2032-02-29 08:00 +00:00"));
    check("0 8 29 2 *", Berlin, "2097-03-01 00:00 +00:00", Some("2104-02-29 08:00 +01:00"));
    check("weekly fri 09:00", Berlin, "2026-12-28 00:00 +01:00", Some("2027-01-01 09:00 +01:00"));
    check("weekly mon 09:00", Berlin, "2026-12-31 12:00 +01:00", Some("2027-01-04 09:00 +01:00"));
    check("weekly mon 09:00", Berlin, "2027-01-01 12:00 +01:00", Some("2027-01-04 09:00 +01:00"));
    check("daily 00:00", Berlin, "2026-12-31 23:59 +01:00", Some("2027-01-01 00:00 +01:00"));
    check("weekdays 07:30", Berlin, "2026-06-05 08:00 +02:00", Some("2026-06-08 07:30 +02:00"));
    check("weekdays 07:30", Berlin, "2026-06-05 07:29 +02:00", Some("2026-06-05 07:30 +02:00"));
    // POSIX weekday numbers: 1 is Monday, 0 and 7 are Sunday (Sat 2026-11-28).
    check("0 8 * * 1", UTC, "2026-11-28 12:00 +00:00", Some("2026-11-30 08:00 +00:00"));
    check("0 8 * * 0", UTC, "2026-11-28 12:00 +00:00", Some("2026-11-29 08:00 +00:00"));
    check("0 8 * * 7", UTC, "2026-11-28 12:00 +00:00", Some("2026-11-29 08:00 +00:00"));
    // Day-of-month OR day-of-week when both are given, as POSIX says.
    check("0 8 15 * 1", UTC, "2026-06-09 00:00 +00:00", Some("2026-06-15 08:00 +00:00"));
    check("0 8 13 * 5", UTC, "2026-06-01 00:00 +00:00", Some("2026-06-05 08:00 +00:00"));
    // Strictly after: the slot at `after` itself is not due again.
    check("daily 08:00", Berlin, "2026-06-01 08:00 +02:00", Some("2026-06-02 08:00 +02:00"));
    check("daily 08:00", Berlin, "2026-06-01 07:59 +02:00", Some("2026-06-01 08:00 +02:00"));
    // The subscriber's zone decides, not UTC.
    check("daily 08:00", New_York, "2026-06-01 12:00 +00:00", Some("2026-06-02 08:00 -04:00"));
    check("daily 08:00", Tz::Asia__Kolkata, "2026-06-01 02:00 +00:00", Some("2026-06-01 08:00 +05:30"));
    check("off", Berlin, "2026-06-01 08:00 +02:00", None);
}

#[test]
fn sub_second_instants_compare_exactly() {
    let schedule = parsed("daily 08:00");
    let slot = instant("2026-06-01 08:00 +02:00");
    let half = TimeDelta::milliseconds(500);
    let next_day = instant("2026-06-02 08:00 +02:00");
    assert_eq!(
        schedule::next_after(&schedule, Berlin, slot - half),
        Some(slot)
    );
    assert_eq!(
        schedule::next_after(&schedule, Berlin, slot + half),
        Some(next_day)
    );
    assert_eq!(
        schedule::latest_due(&schedule, Berlin, slot - half, slot + half),
        Some(slot)
    );
    assert_eq!(
        schedule::latest_due(&schedule, Berlin, slot, slot + half),
        None
    );
    assert_eq!(
        schedule::latest_due(&schedule, Berlin, slot - half, slot - half / 2),
        None
    );
}

#[test]
fn weekdays_skip_the_weekend() {
    let schedule = parsed("weekdays 07:30");
    let (from, until) = (
        local(Berlin, "2026-06-01 00:00"),
        local(Berlin, "2026-06-15 00:00"),
    );
    let times = due_times(&schedule, Berlin, from, until);
    let days: Vec<Weekday> = times
        .iter()
        .map(|t| t.with_timezone(&Berlin).weekday())
        .collect();
    use Weekday::*;
    assert_eq!(days, [Mon, Tue, Wed, Thu, Fri, Mon, Tue, Wed, Thu, Fri]);
    assert!(
        times
            .iter()
            .all(|t| shown(Berlin, *t).ends_with("07:30 +02:00")),
        "{times:?}"
    );
}

#[rustfmt::skip]
#[test]
fn latest_due_picks_the_last_missed_slot() {
    let check = |spec: &str, tz: Tz, after: &str, now: &str, expected: Option<&str>| {
        let due = schedule::latest_due(&parsed(spec), tz, instant(after), instant(now));
        assert_eq!(due.map(|t| shown(tz, t)).as_deref(), expected, "{spec:?} in {tz}, ({after}, {now}]");
    };
    // Mon 2026-06-01 to Thu 2026-06-04.
    check("daily 08:00", Berlin, "2026-06-01 08:00 +02:00", "2026-06-04 10:00 +02:00", Some("2026-06-04 08:00 +02:00"));
    check("daily 08:00", Berlin, "2026-06-01 08:00 +02:00", "2026-06-04 07:59 +02:00", Some("2026-06-03 08:00 +02:00"));
    check("daily 08:00", Berlin, "2026-06-01 08:00 +02:00", "2026-06-04 08:00 +02:00", Some("2026-06-04 08:00 +02:00"));
    check("daily 08:00", Berlin, "2026-06-01 07:59 +02:00", "2026-06-01 08:00 +02:00", Some("2026-06-01 08:00 +02:00"));
    check("daily 08:00", Berlin, "2026-06-01 08:00 +02:00", "2026-06-01 12:00 +02:00", None);
    check("daily 08:00", Berlin, "2026-06-01 08:00 +02:00", "2026-06-02 07:59 +02:00", None);
    check("daily 08:00", Berlin, "2026-06-04 10:00 +02:00", "2026-06-04 10:00 +02:00", None);
    check("daily 08:00", Berlin, "2026-06-04 10:00 +02:00", "2026-06-01 10:00 +02:00", None);
    check("weekdays 07:30", Berlin, "2026-06-05 07:30 +02:00", "2026-06-07 23:00 +02:00", None);
    check("weekdays 07:30", Berlin, "2026-06-04 07:30 +02:00", "2026-06-07 23:00 +02:00", Some("2026-06-05 07:30 +02:00"));
    // Years of downtime: one catch-up, for the most recent slot.
    check("daily 08:00", Berlin, "2023-06-01 08:00 +02:00", "2026-06-04 10:00 +02:00", Some("2026-06-04 08:00 +02:00"));
    check("weekly mon 09:00", Berlin, "2020-01-01 00:00 +01:00", "2026-12-31 12:00 +01:00", Some("2026-12-28 09:00 +01:00"));
    check("0 8 29 2 *", UTC, "2020-01-01 00:00 +00:00", "2027-01-01 00:00 +00:00", Some("2024-02-29 08:00 +00:00"));
    check("0 8 29 2 *", UTC, "2024-02-29 08:00 +00:00", "2028-02-29 07:59 +00:00", None);
    // Across DST: the moved slot, and the repeated time counted once.
    check("daily 02:30", Berlin, "2026-03-28 02:30 +01:00", "2026-03-29 03:30 +02:00", Some("2026-03-29 03:00 +02:00"));
    check("daily 02:30", Berlin, "2026-03-28 02:30 +01:00", "2026-03-29 03:00 +02:00", Some("2026-03-29 03:00 +02:00"));
    check("daily 02:30", Berlin, "2026-03-28 02:30 +01:00", "2026-03-29 01:59 +01:00", None);
    check("daily 02:30", Berlin, "2026-10-24 02:30 +02:00", "2026-10-25 02:15 +01:00", Some("2026-10-25 02:30 +02:00"));
    check("daily 02:30", Berlin, "2026-10-24 02:30 +02:00", "2026-10-25 02:45 +01:00", Some("2026-10-25 02:30 +02:00"));
    check("daily 02:30", Berlin, "2026-10-25 02:30 +02:00", "2026-10-25 02:45 +01:00", None);
    check("daily 01:30", New_York, "2026-11-01 01:30 -04:00", "2026-11-01 01:45 -05:00", None);
    check("off", Berlin, "2020-01-01 00:00 +01:00", "2026-06-04 10:00 +02:00", None);
}

#[test]
fn latest_due_does_not_walk_every_missed_slot() {
    // A century of hourly slots is 876,000 of them; walking them takes many seconds.
    let schedule = parsed("@hourly");
    let (after, now) = (
        instant("1926-06-01 00:00 +00:00"),
        instant("2026-06-04 10:17 +02:00"),
    );
    let started = Instant::now();
    let due = schedule::latest_due(&schedule, Berlin, after, now);
    let elapsed = started.elapsed();
    assert_eq!(
        due.map(|t| shown(Berlin, t)).as_deref(),
        Some("2026-06-04 10:00 +02:00")
    );
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}

#[test]
fn latest_due_agrees_with_walking_forward() {
    // Around each transition, for `now` every 10 minutes and three window lengths, the
    // backward search finds the slot that stepping forward with next_after finds last.
    let specs = [
        "daily 02:30",
        "daily 01:30",
        "daily 02:15",
        "daily 01:45",
        "weekdays 02:00",
        "0 * * * *",
        "30 */2 * * *",
        "0 1-3 * * *",
    ];
    let transitions = [
        (Berlin, "2026-03-27 00:00 +01:00"),
        (Berlin, "2026-10-23 00:00 +02:00"),
        (New_York, "2026-03-06 00:00 -05:00"),
        (New_York, "2026-10-30 00:00 -04:00"),
        (Lord_Howe, "2026-04-03 00:00 +11:00"),
        (Lord_Howe, "2026-10-02 00:00 +10:30"),
    ];
    let windows = [
        TimeDelta::hours(3),
        TimeDelta::hours(25),
        TimeDelta::days(2),
    ];
    for spec in specs {
        let schedule = parsed(spec);
        for (tz, start) in transitions {
            let start = instant(start);
            let end = start + TimeDelta::days(4);
            let slots = due_times(&schedule, tz, start - TimeDelta::days(3), end);
            let mut now = start;
            while now < end {
                for window in windows {
                    let after = now - window;
                    let walked = slots.iter().rev().find(|slot| **slot <= now);
                    let walked = walked.filter(|slot| **slot > after).map(|t| shown(tz, *t));
                    let searched = schedule::latest_due(&schedule, tz, after, now);
                    let (from, to) = (shown(tz, after), shown(tz, now));
                    assert_eq!(
                        searched.map(|t| shown(tz, t)),
                        walked,
                        "{spec:?} in {tz}: ({from}, {to}]"
                    );
                }
                now += TimeDelta::minutes(10);
            }
        }
    }
}

#[test]
fn schedules_compare_by_normalized_text() {
    assert_eq!(parsed("daily 8am"), parsed("DAILY 08:00"));
    assert_eq!(parsed("0 8 * * MON"), parsed("0 8 * * mon"));
    assert_ne!(parsed("daily 08:00"), parsed("0 8 * * *"));
    assert_eq!(parsed("off"), Schedule::Off);
    assert_eq!(
        "weekly fri 9am".parse::<Schedule>(),
        Ok(parsed("weekly fri 09:00"))
    );
}

#[rustfmt::skip]
#[test]
fn time_zones_are_read_or_suggested() {
    let check = |input: &str, expected: Result<&str, &str>| {
        match (schedule::parse_time_zone(input), expected) {
            (Ok(zone), Ok(name)) => assert_eq!(zone.name(), name, "input {input:?}"),
            (Err(error), Err(hint)) => {
                let message = error.to_string();
                assert!(message.contains(hint), "input {input:?}: {message:?} lacks {hint:?}");
                assert!(message.chars().count() < 300, "input {input:?}: {message:?} is too long");
            }
            (got, _) => panic!("input {input:?}: expected {expected:?}, got {got:?}"),
        }
    };
    check("Europe/Berlin", Ok("Europe/Berlin"));
    check("europe/berlin", Ok("Europe/Berlin"));
    check("  America/New_York ", Ok("America/New_York"));
    check("america/new york", Ok("America/New_York"));
    check("AMERICA/ARGENTINA/BUENOS_AIRES", Ok("America/Argentina/Buenos_Aires"));
    check("UTC", Ok("UTC"));
    check("utc", Ok("UTC"));
    check("GMT", Ok("GMT"));
    check("Etc/UTC", Ok("Etc/UTC"));
    check("Berlin", Err("I don't know the time zone \"Berlin\"; did you mean Europe/Berlin?"));
    check("berlin", Err("did you mean Europe/Berlin?"));
    check("New York", Err("did you mean America/New_York?"));
    check("new_york", Err("did you mean America/New_York?"));
    check("New-York", Err("did you mean America/New_York?"));
    check("Asia/Berlin", Err("did you mean Europe/Berlin?"));
    check("Louisville", Err("did you mean America/Kentucky/Louisville or America/Louisville?"));
    check("Mars/Olympus_Mons", Err("I don't know the time zone \"Mars/Olympus_Mons\". Use an IANA name like Europe/Berlin"));
    check("PST", Err("I don't know the time zone \"PST\". Use an IANA name"));
    check("UTC+2", Err("\"UTC+2\" is a fixed offset"));
    check("gmt-5", Err("is a fixed offset"));
    check("", Err("Tell me your time zone"));
    check("  ", Err("Tell me your time zone"));
    check("ß/🦀/\u{202e}", Err("Use an IANA name"));
    check(&"Z".repeat(500), Err("Use an IANA name"));
    check("utcé", Err("Use an IANA name"));
}
