//! Signed, expiring tokens for the links paperboy mails and the forms it serves.
//!
//! A token is `base64url(claims JSON) "." base64url(HMAC-SHA256(key, first part))`. The
//! claims say what the token is for ([`Purpose`]), whom it is about (an email address), when
//! it stops working, and an optional nonce (a pending confirmation's, so a confirmation link
//! works once). A token for one purpose is refused for any other, a changed byte anywhere is
//! refused, and an expired one is told apart so the page can say so. The MAC is checked in
//! constant time before the claims are even parsed.
//!
//! Pure: the key is passed in and `now` is an argument. Depends on ring's HMAC only.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ring::hmac;
use serde::{Deserialize, Serialize};

/// What a token lets its bearer do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Confirm a pending subscription (double opt-in).
    #[serde(rename = "c")]
    Confirm,
    /// Open and use the manage page of a subscription.
    #[serde(rename = "m")]
    Manage,
    /// Unsubscribe (the `List-Unsubscribe` link).
    #[serde(rename = "u")]
    Unsubscribe,
    /// Post a form that paperboy served (CSRF protection).
    #[serde(rename = "f")]
    Form,
}

/// What a token says. Short field names keep links short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(rename = "p")]
    pub purpose: Purpose,
    /// The email address the token is about ("" for the subscribe form).
    #[serde(rename = "s")]
    pub subject: String,
    /// Unix seconds after which the token is expired.
    #[serde(rename = "e")]
    pub expires_at: i64,
    #[serde(rename = "n", default, skip_serializing_if = "String::is_empty")]
    pub nonce: String,
}

impl Claims {
    pub fn new(purpose: Purpose, subject: &str, expires_at: DateTime<Utc>) -> Claims {
        Claims {
            purpose,
            subject: subject.to_owned(),
            expires_at: expires_at.timestamp(),
            nonce: String::new(),
        }
    }

    pub fn with_nonce(mut self, nonce: &str) -> Claims {
        self.nonce = nonce.to_owned();
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token, a changed one, or one signed with another key: refuse (403).
    #[error("the link is not valid")]
    Invalid,
    /// A genuine token for something else.
    #[error("the link is not meant for this page")]
    WrongPurpose,
    /// Genuine but too old; the claims say for whom, so the page can offer a new link.
    #[error("the link has expired")]
    Expired { claims: Claims },
}

/// Signs and checks tokens with one key.
pub struct Signer {
    key: hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<key redacted>)")
    }
}

/// Tokens longer than this are refused unread (a link is a few hundred bytes).
const MAX_TOKEN_LEN: usize = 2048;

impl Signer {
    /// A signer over `key` (at least 32 random bytes in practice).
    pub fn new(key: &[u8]) -> Signer {
        Signer {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        // Serializing these plain fields cannot fail.
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(json);
        let tag = hmac::sign(&self.key, payload.as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// The claims of a genuine, unexpired token for `purpose`.
    pub fn verify(
        &self,
        token: &str,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        let (payload, tag) = token.trim().split_once('.').ok_or(TokenError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Invalid)?;
        hmac::verify(&self.key, payload.as_bytes(), &tag).map_err(|_| TokenError::Invalid)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Invalid)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| TokenError::Invalid)?;
        if claims.purpose != purpose {
            return Err(TokenError::WrongPurpose);
        }
        if now.timestamp() > claims.expires_at {
            return Err(TokenError::Expired { claims });
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().unwrap()
    }

    #[test]
    fn a_token_verifies_only_unchanged_in_time_and_for_its_purpose() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef");
        let claims = Claims::new(Purpose::Manage, "ada@example.org", at(1000)).with_nonce("n1");
        let token = signer.sign(&claims);
        assert_eq!(
            signer.verify(&token, Purpose::Manage, at(999)),
            Ok(claims.clone())
        );
        assert_eq!(
            signer.verify(&token, Purpose::Manage, at(1000)),
            Ok(claims.clone())
        );
        assert_eq!(
            signer.verify(&token, Purpose::Manage, at(1001)),
            Err(TokenError::Expired {
                claims: claims.clone()
            })
        );
        assert_eq!(
            signer.verify(&token, Purpose::Unsubscribe, at(0)),
            Err(TokenError::WrongPurpose)
        );
        let other_key = Signer::new(b"another key, just as long as it...");
        assert_eq!(
            other_key.verify(&token, Purpose::Manage, at(0)),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn any_changed_character_is_refused() {
        let signer = Signer::new(b"k");
        let token = signer.sign(&Claims::new(Purpose::Unsubscribe, "a@b.org", at(10)));
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            if tampered != token {
                assert_eq!(
                    signer.verify(&tampered, Purpose::Unsubscribe, at(0)),
                    Err(TokenError::Invalid),
                    "position {i}"
                );
            }
        }
        for garbage in ["", ".", "abc", "a.b.c", "💥.💥", &"x".repeat(5000)] {
            assert_eq!(
                signer.verify(garbage, Purpose::Unsubscribe, at(0)),
                Err(TokenError::Invalid)
            );
        }
    }
}
