//! A fake SMTP server on 127.0.0.1 that runs as tokio tasks, so a paused test clock drives
//! it and its answers arrive on the same runtime as the client (a server on threads of its
//! own can race the paused clock: see tests/soak.rs). It speaks enough of RFC 5321 for
//! lettre: EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing), RSET, NOOP and QUIT, with 503
//! for commands out of order, and keeps every mail it accepts.
//!
//! In chaos mode ([`FakeSmtp::enable_chaos`]) RCPT also fails at random, as real servers do:
//! 451 (rate limited or greylisted; a storm refuses every mail until it passes), 421 and the
//! connection closed (an overloaded server; a burst does it to every mail), an answer held
//! past the client's timeout and then given (a tarpit: the transaction is still open when
//! the client comes back), and "accepted, then the answer was lost" (the mail is kept and the
//! connection cut before the 250: the client sends it again, the documented duplicate).
//! Recipients in the config's `blocked` (addresses) are refused with 550.
//!
//! [`FakeSmtp::tarpit_next_rcpt`] scripts one late answer.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::chaos::{Chaos, ChaosConfig, Fault};
pub use super::smtp_server::ReceivedMail;

#[derive(Default)]
struct State {
    received: Mutex<Vec<ReceivedMail>>,
    connections: AtomicUsize,
    /// Waits before the next RCPT answers, first first.
    tarpit: Mutex<VecDeque<Duration>>,
    chaos: OnceLock<Chaos>,
}

pub struct FakeSmtp {
    pub addr: SocketAddr,
    state: Arc<State>,
    _server: tokio::task::JoinHandle<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeSmtp {
    pub async fn start() -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(State::default());
        let shared = state.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = session(stream, &state).await;
                });
            }
        });
        FakeSmtp {
            addr,
            state,
            _server: server,
        }
    }

    /// Every mail accepted, in order; a resent one appears again.
    pub fn received(&self) -> Vec<ReceivedMail> {
        lock(&self.state.received).clone()
    }

    /// Connections accepted.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Answers the next RCPT (250) only after `wait` of tokio time, as a tarpit does.
    pub fn tarpit_next_rcpt(&self, wait: Duration) {
        lock(&self.state.tarpit).push_back(wait);
    }

    /// Fails RCPT at random from now on (see the module docs). Lost answers are keyed
    /// `"<recipient>:<Message-ID>"`.
    pub fn enable_chaos(&self, config: ChaosConfig) {
        assert!(
            self.state.chaos.set(Chaos::new(config)).is_ok(),
            "chaos is enabled once"
        );
    }

    pub fn chaos(&self) -> Option<&Chaos> {
        self.state.chaos.get()
    }
}

const SLOW_DOWN: &[u8] = b"451 4.7.1 Too many messages, slow down and try later\r\n";
const CLOSING: &[u8] = b"421 4.3.2 Service shutting down, closing the connection\r\n";
const REFUSED: &[u8] = b"550 5.1.1 Mailbox unavailable: the recipient refuses this sender\r\n";

/// `<a@b.org>` (with any parameters after it) as `a@b.org`.
fn path(argument: &str) -> String {
    let argument = argument.trim();
    match (argument.find('<'), argument.find('>')) {
        (Some(open), Some(close)) if open < close => argument[open + 1..close].to_owned(),
        _ => argument.split_whitespace().next().unwrap_or("").to_owned(),
    }
}

fn message_id(data: &[u8]) -> String {
    use mailparse::MailHeaderMap;
    mailparse::parse_headers(data)
        .ok()
        .and_then(|(headers, _)| headers.get_first_value("Message-ID"))
        .unwrap_or_default()
}

/// Reads a line; once everything received is read, acknowledges it at once. lettre writes
/// a mail's end mark right behind its text without TCP_NODELAY, so Nagle holds the mark
/// until the text is acknowledged, and Linux delays that ACK by 40 ms or more of real time:
/// plenty for a paused clock to run into the client's timeout.
async fn read_line(
    stream: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
) -> std::io::Result<usize> {
    line.clear();
    let read = stream.read_until(b'\n', line).await?;
    if stream.buffer().is_empty() {
        let _ = stream.get_ref().set_quickack(true);
    }
    Ok(read)
}

async fn session(stream: TcpStream, state: &State) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut stream = BufReader::new(stream);
    stream
        .get_mut()
        .write_all(b"220 smtp.test ESMTP fake\r\n")
        .await?;
    let mut greeted = false;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    // Keep the next mail, then cut the connection instead of answering.
    let mut lose_answer = false;
    let mut line = Vec::new();
    loop {
        if read_line(&mut stream, &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, argument) = text.split_once(' ').unwrap_or((text, ""));
        let verb = verb.to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => {
                greeted = true;
                (from, to) = (None, Vec::new());
                b"250-smtp.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
            }
            "HELO" => {
                greeted = true;
                (from, to) = (None, Vec::new());
                b"250 smtp.test\r\n"
            }
            "MAIL" if !greeted => b"503 5.5.1 EHLO first\r\n",
            "MAIL" if from.is_some() => b"503 5.5.1 Nested MAIL command\r\n",
            "MAIL" => {
                lose_answer = false;
                from = Some(path(argument.trim_start_matches(|c| c != ':')));
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" if from.is_none() => b"503 5.5.1 MAIL first\r\n",
            "RCPT" => {
                let recipient = path(argument.trim_start_matches(|c| c != ':'));
                let tarpit = lock(&state.tarpit).pop_front();
                if let Some(wait) = tarpit {
                    tokio::time::sleep(wait).await;
                }
                match state.chaos.get() {
                    Some(chaos) if chaos.is_blocked(&recipient) => REFUSED,
                    Some(chaos) => {
                        match chaos.roll() {
                            Fault::None => {
                                to.push(recipient);
                                b"250 2.1.5 OK\r\n"
                            }
                            Fault::RateLimited { .. } => SLOW_DOWN,
                            Fault::ServerError => {
                                stream.get_mut().write_all(CLOSING).await?;
                                return Ok(());
                            }
                            Fault::Held => {
                                // A tarpit: the answer comes, but after the client gave up.
                                chaos.hold().await;
                                to.push(recipient);
                                b"250 2.1.5 OK\r\n"
                            }
                            Fault::LostAnswer => {
                                lose_answer = true;
                                to.push(recipient);
                                b"250 2.1.5 OK\r\n"
                            }
                        }
                    }
                    None => {
                        to.push(recipient);
                        b"250 2.1.5 OK\r\n"
                    }
                }
            }
            "DATA" if to.is_empty() => b"503 5.5.1 RCPT first\r\n",
            "DATA" => {
                stream
                    .get_mut()
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = Vec::new();
                loop {
                    if read_line(&mut stream, &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 4.5.2).
                    let start = usize::from(line.starts_with(b"."));
                    data.extend_from_slice(&line[start..]);
                }
                let mail = ReceivedMail {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data,
                };
                if lose_answer && let Some(chaos) = state.chaos.get() {
                    chaos.lost(format!("{}:{}", mail.to[0], message_id(&mail.data)));
                    lock(&state.received).push(mail);
                    return Ok(());
                }
                lock(&state.received).push(mail);
                b"250 2.0.0 Queued\r\n"
            }
            "RSET" => {
                (from, to, lose_answer) = (None, Vec::new(), false);
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                stream.get_mut().write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"500 5.5.2 Command not recognized\r\n",
        };
        stream.get_mut().write_all(answer).await?;
    }
}
