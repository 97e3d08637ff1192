//! The email transport: the only module that names lettre.
//!
//! Digests become multipart/alternative mails (plain text and HTML from [`render`]) with
//! `List-Id`, `List-Unsubscribe` (an https link with a signed token) and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058). Every header value goes
//! through lettre's encoder (RFC 2047), so a title or name holding CR/LF never becomes a
//! header. The Message-ID is derived from the outbox id, so the one resend a crash can cause
//! carries the same id and mail clients fold it into the first.
//!
//! Mails go to an SMTP server over rustls through lettre's connection pool (which tests a
//! parked connection with NOOP and reconnects if it died; a send that timed out starts a new
//! pool, so its connection is never reused), or, with no server configured,
//! into `.eml` files. SMTP answers become the shared [`DeliveryOutcome`]: 4xx is `Failed`
//! (retried with the delivery policy's backoff), 5xx is `Rejected` (never retried; counted,
//! and repeated rejections deactivate the address), 421 ("closing the connection") is
//! retried once at once on a fresh connection. This module decides nothing else.

pub mod render;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::clock::Clock;
use crate::config::{Config, SmtpTls};
use crate::delivery::{Deliver, DeliverFuture, DeliveryOutcome, OutgoingMessage};
use crate::links::Links;
use crate::subscriber::{Address, Transport};
use render::{DigestFooter, EmailBody};

/// Subjects longer than this are cut (mail clients show far less).
const MAX_SUBJECT_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("email.from {from:?} is not a mailbox: {reason}")]
    From { from: String, reason: String },
    #[error("cannot set up the SMTP client for {host}: {reason}")]
    Smtp { host: String, reason: String },
}

/// Whether `text` is a mailbox lettre accepts (`name <a@b.org>` or `a@b.org`); for the config.
pub fn check_mailbox(text: &str) -> Result<(), String> {
    text.parse::<Mailbox>()
        .map(|_| ())
        .map_err(|err| err.to_string())
}

/// Where mails go.
enum Sender {
    Smtp {
        /// Replaced by a fresh one (a new pool) after a send timed out.
        transport: Mutex<AsyncSmtpTransport<Tokio1Executor>>,
        builder: AsyncSmtpTransportBuilder,
    },
    /// `.eml` files: `<dir>/<address>/<name>.eml`.
    Folder(PathBuf),
}

/// The email transport, and the sender of the web page's confirmation mails.
pub struct Email {
    from: Mailbox,
    /// The sender's domain, for Message-IDs and the List-Id.
    domain: String,
    sender: Sender,
    links: Arc<Links>,
    clock: Clock,
    /// The most one whole SMTP send may take (lettre's own timeout does not cover every
    /// read, and a server that stops answering must not stall deliveries).
    send_timeout: Duration,
}

impl Email {
    /// SMTP when `email.smtp_host` is set, else `.eml` files in `email.eml_dir`.
    pub fn from_config(
        config: &Config,
        links: Arc<Links>,
        clock: Clock,
    ) -> Result<Email, EmailError> {
        let email = &config.email;
        let from: Mailbox = email
            .from
            .parse()
            .map_err(|err: lettre::address::AddressError| EmailError::From {
                from: email.from.clone(),
                reason: err.to_string(),
            })?;
        let domain = from.email.domain().to_owned();
        let sender = match &email.smtp_host {
            None => {
                tracing::info!(dir = %config.eml_dir().display(), "email: no SMTP server configured (email.smtp_host); mails are written as .eml files");
                Sender::Folder(config.eml_dir())
            }
            Some(host) => {
                let smtp_error = |err: lettre::transport::smtp::Error| EmailError::Smtp {
                    host: host.clone(),
                    reason: err.to_string(),
                };
                let (builder, default_port) = match email.smtp_tls {
                    SmtpTls::Tls => (
                        AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(smtp_error)?,
                        465,
                    ),
                    SmtpTls::Starttls => (
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                            .map_err(smtp_error)?,
                        587,
                    ),
                    // Plain SMTP, allowed by the config only for this machine.
                    SmtpTls::None => (
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                        25,
                    ),
                };
                let mut builder = builder
                    .port(email.smtp_port.unwrap_or(default_port))
                    .timeout(Some(Duration::from_secs(email.timeout_secs)))
                    .pool_config(PoolConfig::new().max_size(email.pool_size));
                if let (Some(user), Some(password)) = (&email.smtp_username, &email.smtp_password) {
                    builder = builder
                        .credentials(Credentials::new(user.clone(), password.expose().to_owned()));
                }
                Sender::Smtp {
                    transport: Mutex::new(builder.clone().build()),
                    builder,
                }
            }
        };
        Ok(Email {
            from,
            domain,
            sender,
            links,
            clock,
            send_timeout: Duration::from_secs(email.timeout_secs.saturating_mul(4)),
        })
    }

    /// Sends a one-off mail (a confirmation, a manage link) to `to`. `id` names it: its
    /// Message-ID and its file in the `.eml` folder.
    pub async fn send_notice(
        &self,
        to: &str,
        subject: &str,
        body: EmailBody,
        id: &str,
    ) -> DeliveryOutcome {
        let message = self.build(to, subject, body, &format!("{id}@{}", self.domain), None);
        match message {
            Ok(message) => self.send(message, to, &format!("notice-{id}")).await,
            Err(outcome) => outcome,
        }
    }

    fn build(
        &self,
        to: &str,
        subject: &str,
        body: EmailBody,
        message_id: &str,
        unsubscribe_url: Option<&str>,
    ) -> Result<Message, DeliveryOutcome> {
        let to: Mailbox = match to.parse::<lettre::Address>() {
            Ok(address) => Mailbox::new(None, address),
            // paperboy's own check let it in, but no server will take it.
            Err(err) => {
                return Err(DeliveryOutcome::Gone {
                    reason: format!("not a deliverable address: {err}"),
                });
            }
        };
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(render::header_text(subject, MAX_SUBJECT_CHARS))
            .date(SystemTime::from(self.clock.now()))
            .message_id(Some(format!("<{message_id}>")))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Id"),
                format!("paperboy digests <paperboy.{}>", self.domain),
            ));
        if let Some(url) = unsubscribe_url {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(body.text, body.html))
            .map_err(|err| DeliveryOutcome::Failed {
                reason: format!("cannot build the mail: {err}"),
            })
    }

    async fn send(&self, message: Message, to: &str, file_name: &str) -> DeliveryOutcome {
        match &self.sender {
            Sender::Smtp { transport, builder } => {
                let smtp = lock(transport).clone();
                let send =
                    |message: Message| tokio::time::timeout(self.send_timeout, smtp.send(message));
                let mut result = send(message.clone()).await;
                // 421: the server is closing this connection and took nothing; once more,
                // on a new connection.
                if let Ok(Err(err)) = &result
                    && err.status().is_some_and(|code| code.to_string() == "421")
                {
                    tracing::info!(
                        "email: the SMTP server closed the connection (421); reconnecting"
                    );
                    result = send(message).await;
                }
                match result {
                    Ok(Ok(_)) => DeliveryOutcome::Sent,
                    Ok(Err(err)) => outcome_for(&err),
                    Err(_) => {
                        // lettre puts the abandoned connection back in its pool mid-command;
                        // the server's late answer would be read as the answer to the next
                        // mail's commands (a 503 taken for a hard bounce). A new pool never
                        // hands that connection out again.
                        *lock(transport) = builder.clone().build();
                        DeliveryOutcome::Failed {
                            reason: format!(
                                "the SMTP server did not finish within {}s",
                                self.send_timeout.as_secs()
                            ),
                        }
                    }
                }
            }
            Sender::Folder(dir) => {
                let path = dir.join(folder_name(to)).join(format!("{file_name}.eml"));
                let bytes = message.formatted();
                match tokio::task::spawn_blocking(move || write_atomically(&path, &bytes)).await {
                    Ok(Ok(())) => DeliveryOutcome::Sent,
                    Ok(Err(err)) => DeliveryOutcome::Failed {
                        reason: format!("cannot write the .eml file: {err}"),
                    },
                    Err(err) => DeliveryOutcome::Failed {
                        reason: format!("the .eml writer failed: {err}"),
                    },
                }
            }
        }
    }
}

impl Deliver for Email {
    fn transport(&self) -> Transport {
        Transport::Email
    }

    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        Box::pin(async move {
            let Address::Email { address } = to else {
                return DeliveryOutcome::Failed {
                    reason: format!("{to} is not an email address"),
                };
            };
            let now = self.clock.now();
            let manage_url = self.links.manage(address, now);
            let unsubscribe_url = self.links.unsubscribe(address, now);
            let search_url = self.links.url("/search");
            let footer = DigestFooter {
                manage_url: &manage_url,
                unsubscribe_url: &unsubscribe_url,
                search_url: &search_url,
            };
            let body = render::render_digest(message.subject, message.message, &footer);
            let built = self.build(
                address,
                message.subject,
                body,
                &format!("digest-{}@{}", message.id, self.domain),
                Some(&unsubscribe_url),
            );
            match built {
                Ok(mail) => {
                    self.send(mail, address, &format!("{:020}", message.id))
                        .await
                }
                Err(outcome) => outcome,
            }
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An SMTP error as a delivery outcome: 5xx is final, everything else may pass.
fn outcome_for(err: &lettre::transport::smtp::Error) -> DeliveryOutcome {
    match err.status() {
        Some(code) if err.is_permanent() => DeliveryOutcome::Rejected {
            reason: format!("the SMTP server refused the mail ({code}): {err}"),
        },
        Some(code) => DeliveryOutcome::Failed {
            reason: format!("the SMTP server asked to try later ({code}): {err}"),
        },
        None if err.is_timeout() => DeliveryOutcome::Failed {
            reason: "the SMTP server timed out".into(),
        },
        None => DeliveryOutcome::Failed {
            reason: format!("cannot talk to the SMTP server: {err}"),
        },
    }
}

/// An address as a folder name: letters, digits and `@._+-`; anything else becomes `_`.
fn folder_name(address: &str) -> String {
    let name: String = address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '+' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.trim_start_matches('.').to_owned()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("mail path has no folder"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("eml.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_stay_inside_the_folder() {
        assert_eq!(folder_name("ada@example.org"), "ada@example.org");
        assert_eq!(
            folder_name("../../etc/passwd@x.org"),
            "_.._etc_passwd@x.org"
        );
        assert_eq!(folder_name("..@x.org"), "@x.org");
    }

    #[test]
    fn mailboxes_are_checked() {
        assert!(check_mailbox("paperboy <paperboy@localhost>").is_ok());
        assert!(check_mailbox("digests@example.org").is_ok());
        assert!(check_mailbox("not a mailbox").is_err());
    }
}
