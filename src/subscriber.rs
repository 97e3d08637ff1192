//! Who wants papers, where, and when: subscribers, their addresses and their follows.
//!
//! Pure data. The store keeps these records; command handlers and the scheduler read and
//! change them as values; transports only ever see an [`Address`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A subscriber's stable id. It survives an address change (a Telegram group that becomes a
/// supergroup, say), so history and follows stay attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubscriberId(pub u64);

impl fmt::Display for SubscriberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The transport that reaches an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Console,
    File,
    Telegram,
    Discord,
    Email,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Console => "console",
            Transport::File => "file",
            Transport::Telegram => "telegram",
            Transport::Discord => "discord",
            Transport::Email => "email",
        }
    }
}

/// Where a subscriber's digests and replies go. Written as `<kind>:<value>`, e.g.
/// `console:demo`, `file:lab`, `telegram:-1001234`, `discord-user:42`,
/// `discord-channel:1234`, `email:ada@example.org`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Address {
    /// Printed on standard output (the embedded default).
    Console {
        name: String,
    },
    /// Written as Markdown files into the configured folder, one per digest.
    File {
        name: String,
    },
    Telegram {
        chat_id: i64,
    },
    DiscordUser {
        user_id: u64,
    },
    DiscordChannel {
        channel_id: u64,
    },
    Email {
        address: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not an address: {input:?} (expected console:NAME, file:NAME, telegram:CHAT_ID, discord-user:ID, discord-channel:ID or email:ADDRESS)"
)]
pub struct InvalidAddress {
    pub input: String,
}

impl Address {
    pub fn transport(&self) -> Transport {
        match self {
            Address::Console { .. } => Transport::Console,
            Address::File { .. } => Transport::File,
            Address::Telegram { .. } => Transport::Telegram,
            Address::DiscordUser { .. } | Address::DiscordChannel { .. } => Transport::Discord,
            Address::Email { .. } => Transport::Email,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Console { name } => write!(f, "console:{name}"),
            Address::File { name } => write!(f, "file:{name}"),
            Address::Telegram { chat_id } => write!(f, "telegram:{chat_id}"),
            Address::DiscordUser { user_id } => write!(f, "discord-user:{user_id}"),
            Address::DiscordChannel { channel_id } => write!(f, "discord-channel:{channel_id}"),
            Address::Email { address } => write!(f, "email:{address}"),
        }
    }
}

impl FromStr for Address {
    type Err = InvalidAddress;

    fn from_str(input: &str) -> Result<Address, InvalidAddress> {
        let invalid = || InvalidAddress {
            input: crate::text::truncate_chars(input, 100).to_owned(),
        };
        let (kind, value) = input.trim().split_once(':').ok_or_else(invalid)?;
        let value = value.trim();
        // Names become file names and log fields: keep them plain.
        let plain_name = |v: &str| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !v.starts_with('.')
        };
        match kind.trim().to_ascii_lowercase().as_str() {
            "console" if plain_name(value) => Ok(Address::Console {
                name: value.to_owned(),
            }),
            "file" if plain_name(value) => Ok(Address::File {
                name: value.to_owned(),
            }),
            "telegram" => value
                .parse()
                .map(|chat_id| Address::Telegram { chat_id })
                .map_err(|_| invalid()),
            "discord-user" => value
                .parse()
                .map(|user_id| Address::DiscordUser { user_id })
                .map_err(|_| invalid()),
            "discord-channel" => value
                .parse()
                .map(|channel_id| Address::DiscordChannel { channel_id })
                .map_err(|_| invalid()),
            "email" if is_plausible_email(value) => Ok(Address::Email {
                address: value.to_ascii_lowercase(),
            }),
            _ => Err(invalid()),
        }
    }
}

impl TryFrom<String> for Address {
    type Error = InvalidAddress;
    fn try_from(value: String) -> Result<Address, InvalidAddress> {
        value.parse()
    }
}

impl From<Address> for String {
    fn from(address: Address) -> String {
        address.to_string()
    }
}

/// One `@`, a non-empty local part, a dotted domain, no spaces or control characters. The
/// real check is the confirmation mail; this only keeps obvious garbage out.
fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.chars().all(|c| !c.is_whitespace() && !c.is_control())
}

/// What a subscriber's digest is made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestMode {
    /// Papers matching their follows.
    #[default]
    Follows,
    /// The day's most upvoted papers on Hugging Face.
    Trending,
    /// Both, follows first.
    Both,
}

impl DigestMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestMode::Follows => "follows",
            DigestMode::Trending => "trending",
            DigestMode::Both => "both",
        }
    }
}

/// One followed query, as paperboy understood it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Follow {
    /// The query in normalized form (what `/follows` shows back).
    pub query: String,
    pub created_at: DateTime<Utc>,
}

/// A subscriber's settings and state. Follows live beside it in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    pub id: SubscriberId,
    pub address: Address,
    /// IANA zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The schedule as the subscriber wrote it (`daily 08:00`, `0 8 * * 1-5`, `off`).
    pub schedule: String,
    pub paused: bool,
    /// False once the platform said the address is gone (blocked, deleted, kicked).
    pub active: bool,
    pub mode: DigestMode,
    pub created_at: DateTime<Utc>,
    /// Papers stored before this instant were considered by an earlier digest.
    pub digested_until: DateTime<Utc>,
    /// The scheduled slot the last digest was for, so a restart never repeats a slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_slot: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_and_reject_garbage() {
        let check = |input: &str, expected: Option<&str>| {
            let got = input.parse::<Address>().ok().map(|a| a.to_string());
            assert_eq!(got.as_deref(), expected, "input {input:?}");
        };
        check("console:demo", Some("console:demo"));
        check(" file:reading-group ", Some("file:reading-group"));
        check("telegram:-1001234567890", Some("telegram:-1001234567890"));
        check(
            "discord-user:80351110224678912",
            Some("discord-user:80351110224678912"),
        );
        check("discord-channel:1", Some("discord-channel:1"));
        check("email:Ada@Example.org", Some("email:ada@example.org"));
        check("console:", None);
        check("console:../etc/passwd", None);
        check("file:.hidden", None);
        check("telegram:abc", None);
        check("discord-user:-5", None);
        check("email:no-at-sign", None);
        check("email:a@b", None);
        check("email:a b@c.org", None);
        check("sms:123", None);
        check("demo", None);
    }
}
