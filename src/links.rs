//! The links paperboy puts in mails and pages: every one starts with the configured public
//! base URL, and those that act for a subscriber carry a signed, expiring token.
//!
//! Pure: `now` is passed in; the signer is handed over by the shell.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::token::{Claims, Purpose, Signer};

pub struct Links {
    /// The public base URL without a trailing slash, e.g. `https://paperboy.example.org`.
    base: String,
    signer: Arc<Signer>,
    /// How long manage and unsubscribe links work.
    link_ttl: chrono::Duration,
    /// How long a confirmation link works.
    confirm_ttl: chrono::Duration,
}

/// How long a served form may be posted back.
pub const FORM_TTL_HOURS: i64 = 12;

impl Links {
    pub fn new(
        base_url: &str,
        signer: Arc<Signer>,
        link_ttl: chrono::Duration,
        confirm_ttl: chrono::Duration,
    ) -> Links {
        Links {
            base: base_url.trim_end_matches('/').to_owned(),
            signer,
            link_ttl,
            confirm_ttl,
        }
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The base URL's path (`/paperboy` for `https://x.org/paperboy`, "" at the root).
    pub fn base_path(&self) -> &str {
        // The base URL is validated with the config: scheme://host[:port][/path].
        let after_scheme = self.base.split_once("://").map_or("", |(_, rest)| rest);
        after_scheme
            .find('/')
            .map_or("", |slash| &after_scheme[slash..])
    }

    /// `path` (starting with `/`) under the base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn confirm_ttl(&self) -> chrono::Duration {
        self.confirm_ttl
    }

    pub fn manage(&self, email: &str, now: DateTime<Utc>) -> String {
        self.with_token("/manage", Purpose::Manage, email, "", now + self.link_ttl)
    }

    pub fn unsubscribe(&self, email: &str, now: DateTime<Utc>) -> String {
        self.with_token(
            "/unsubscribe",
            Purpose::Unsubscribe,
            email,
            "",
            now + self.link_ttl,
        )
    }

    pub fn confirm(&self, email: &str, nonce: &str, now: DateTime<Utc>) -> String {
        self.with_token(
            "/confirm",
            Purpose::Confirm,
            email,
            nonce,
            now + self.confirm_ttl,
        )
    }

    /// A token for a form served now about `email` ("" for the subscribe form).
    pub fn form_token(&self, email: &str, now: DateTime<Utc>) -> String {
        let expires = now + chrono::Duration::hours(FORM_TTL_HOURS);
        self.signer
            .sign(&Claims::new(Purpose::Form, email, expires))
    }

    fn with_token(
        &self,
        path: &str,
        purpose: Purpose,
        email: &str,
        nonce: &str,
        expires: DateTime<Utc>,
    ) -> String {
        let token = self
            .signer
            .sign(&Claims::new(purpose, email, expires).with_nonce(nonce));
        // Tokens are base64url and '.', safe in a query string as they are.
        format!("{}{path}?token={token}", self.base)
    }
}
