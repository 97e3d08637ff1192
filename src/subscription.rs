//! Email subscriptions from the web page: what a subscribe form asks for, checked, and the
//! pending subscription kept until its confirmation link is used (double opt-in).
//!
//! Pure: the form's fields in, a [`SubscribeRequest`] or the problems to show beside each
//! field out. Nothing here sends, stores or reads the clock.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::matching::FollowQuery;
use crate::subscriber::Address;

/// A subscription waiting for its confirmation link. Stored by address; a newer request
/// for the same address replaces it (and its nonce, so older links stop working).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSubscription {
    /// The normalized address (`ada@example.org`, without `email:`).
    pub email: String,
    /// The confirmation token carries this; a used or replaced request no longer matches.
    pub nonce: String,
    /// Follows in normal form.
    pub follows: Vec<String>,
    pub schedule: String,
    pub time_zone: String,
    pub requested_at: DateTime<Utc>,
}

/// A checked subscribe form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscribeRequest {
    pub email: String,
    pub follows: Vec<String>,
    pub schedule: String,
    pub time_zone: String,
}

/// The subscribe form as posted (every field text, as the browser sent it).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SubscribeForm {
    #[serde(default)]
    pub email: String,
    /// One follow per line.
    #[serde(default)]
    pub follows: String,
    #[serde(default)]
    pub schedule: String,
    #[serde(default)]
    pub time_zone: String,
}

/// One problem with one field, fit to show beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// What the form may hold.
#[derive(Clone, Copy, Debug)]
pub struct FormLimits {
    pub max_follows: usize,
    pub max_query_chars: usize,
}

/// Checks a posted form: a plausible address, 1 to `max_follows` follows in the follow
/// language, a schedule and an IANA time zone. Every problem is reported, not only the first.
pub fn check_subscribe_form(
    form: &SubscribeForm,
    limits: FormLimits,
) -> Result<SubscribeRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut bad = |field, message: String| errors.push(FieldError { field, message });
    let email = match format!("email:{}", form.email.trim()).parse::<Address>() {
        Ok(Address::Email { address }) => address,
        _ => {
            bad(
                "email",
                "Enter an email address such as ada@example.org.".into(),
            );
            String::new()
        }
    };
    let mut follows: Vec<String> = Vec::new();
    let mut follow_errors = false;
    for line in form
        .follows
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match FollowQuery::parse(line, limits.max_query_chars) {
            Ok(query) => {
                let normalized = query.normalized();
                if !follows.contains(&normalized) {
                    follows.push(normalized);
                }
            }
            Err(err) => {
                follow_errors = true;
                bad(
                    "follows",
                    format!(
                        "{:?}: {err}",
                        crate::text::truncate_chars(line, limits.max_query_chars)
                    ),
                );
            }
        }
    }
    if follows.is_empty() && !follow_errors {
        bad(
            "follows",
            "Follow at least one topic, e.g. diffusion models.".into(),
        );
    }
    if follows.len() > limits.max_follows {
        bad(
            "follows",
            format!("At most {} follows, one per line.", limits.max_follows),
        );
    }
    let schedule = match crate::schedule::parse(form.schedule.trim()) {
        Ok(schedule) => schedule.normalized().to_owned(),
        Err(err) => {
            bad("schedule", format!("{err}"));
            String::new()
        }
    };
    let time_zone = match crate::schedule::parse_time_zone(form.time_zone.trim()) {
        Ok(_) => form.time_zone.trim().to_owned(),
        Err(err) => {
            bad("time_zone", format!("{err}"));
            String::new()
        }
    };
    if errors.is_empty() {
        Ok(SubscribeRequest {
            email,
            follows,
            schedule,
            time_zone,
        })
    } else {
        Err(errors)
    }
}

/// Text typed into a field becomes one line of a command: control characters (a newline
/// that would start another command) become spaces.
pub fn one_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::text::normalize_whitespace(&cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: FormLimits = FormLimits {
        max_follows: 3,
        max_query_chars: 200,
    };

    fn form(email: &str, follows: &str, schedule: &str, zone: &str) -> SubscribeForm {
        SubscribeForm {
            email: email.into(),
            follows: follows.into(),
            schedule: schedule.into(),
            time_zone: zone.into(),
        }
    }

    fn fields(result: Result<SubscribeRequest, Vec<FieldError>>) -> Vec<&'static str> {
        result
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_good_form_is_normalized() {
        let request = check_subscribe_form(
            &form(
                " Ada@Example.org ",
                "Diffusion Models\r\n\r\nau:lecun\ndiffusion models",
                "daily 08:00",
                "Europe/Berlin",
            ),
            LIMITS,
        )
        .unwrap();
        assert_eq!(request.email, "ada@example.org");
        assert_eq!(request.follows.len(), 2);
        assert_eq!(request.time_zone, "Europe/Berlin");
    }

    #[test]
    fn every_bad_field_is_named() {
        let check = |f: SubscribeForm, expected: &[&str]| {
            assert_eq!(fields(check_subscribe_form(&f, LIMITS)), expected);
        };
        check(form("nope", "x", "daily 08:00", "UTC"), &["email"]);
        check(form("a@b.org", "", "daily 08:00", "UTC"), &["follows"]);
        check(
            form("a@b.org", "a\nb\nc\nd", "daily 08:00", "UTC"),
            &["follows"],
        );
        check(
            form("a@b.org", "\"unclosed", "daily 08:00", "UTC"),
            &["follows"],
        );
        check(form("a@b.org", "x", "every second", "UTC"), &["schedule"]);
        check(
            form("a@b.org", "x", "daily 08:00", "Mars/Olympus"),
            &["time_zone"],
        );
        check(
            form("a@b\r\nBcc: x@y.org", "", "", ""),
            &["email", "follows", "schedule", "time_zone"],
        );
    }

    #[test]
    fn one_line_removes_line_breaks() {
        assert_eq!(
            one_line("diffusion\n/unfollow 1\r\n"),
            "diffusion /unfollow 1"
        );
    }
}
