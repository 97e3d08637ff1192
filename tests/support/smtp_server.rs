//! A real SMTP server on 127.0.0.1 (mailin-embedded, in-process) that keeps every mail it
//! accepts and can be scripted to misbehave: answer RCPT with chosen codes (451, then
//! 250), refuse recipients with 550, or answer 421 and close the connection after
//! N mails. [`DroppingProxy`] sits in front of it and cuts the TCP connection, with no
//! goodbye, after N mails: what a NAT timeout or a restarting server does mid-batch.

#![allow(dead_code)]

use std::collections::{HashSet, VecDeque};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use mailin_embedded::{Handler, Response, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One accepted mail.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The whole RFC 5322 message as sent.
    pub data: Vec<u8>,
}

impl ReceivedMail {
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.data).expect("a parsable mail")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<ReceivedMail>,
    /// Codes to answer RCPT with, first first; 250 once empty.
    rcpt_script: VecDeque<u16>,
    /// Recipients refused with 550.
    refused: HashSet<String>,
    /// After this many accepted mails, the next MAIL gets 421 and the connection closes.
    close_after: Option<usize>,
    /// Connections accepted (HELO/EHLO seen).
    connections: usize,
}

#[derive(Clone)]
struct ScriptedHandler {
    shared: Arc<Mutex<Shared>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for ScriptedHandler {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        self.shared.lock().unwrap().connections += 1;
        mailin_embedded::response::OK
    }

    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        let mut shared = self.shared.lock().unwrap();
        if shared.close_after == Some(shared.received.len()) {
            shared.close_after = None;
            return Response::custom(421, "closing the connection".into());
        }
        self.from = from.to_owned();
        self.to.clear();
        mailin_embedded::response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let mut shared = self.shared.lock().unwrap();
        if shared.refused.contains(to) {
            return mailin_embedded::response::NO_MAILBOX;
        }
        if let Some(code) = shared.rcpt_script.pop_front()
            && code != 250
        {
            return Response::custom(code, "scripted answer".into());
        }
        self.to.push(to.to_owned());
        mailin_embedded::response::OK
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        // (Refusals are scripted at RCPT: mailin stays in its DATA state after an error
        // here and would read the client's next commands as message text.)
        self.shared.lock().unwrap().received.push(ReceivedMail {
            from: self.from.clone(),
            to: self.to.clone(),
            data: std::mem::take(&mut self.data),
        });
        mailin_embedded::response::OK
    }
}

/// The server; it runs on its own threads until the test process ends.
pub struct SmtpServer {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let handler = ScriptedHandler {
            shared: shared.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(handler);
        server
            .with_name("smtp.test")
            .with_num_threads(8)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { addr, shared }
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.shared.lock().unwrap().received.clone()
    }

    pub fn connections(&self) -> usize {
        self.shared.lock().unwrap().connections
    }

    /// Answers the next RCPT commands with these codes (250 accepts), e.g. 451 as a
    /// greylisting server does.
    pub fn script_rcpt(&self, codes: &[u16]) {
        self.shared
            .lock()
            .unwrap()
            .rcpt_script
            .extend(codes.iter().copied());
    }

    pub fn refuse(&self, recipient: &str) {
        self.shared
            .lock()
            .unwrap()
            .refused
            .insert(recipient.to_owned());
    }

    /// After `n` accepted mails in all, answer the next MAIL with 421 and close.
    pub fn close_after(&self, n: usize) {
        self.shared.lock().unwrap().close_after = Some(n);
    }
}

/// A TCP proxy to `target` that cuts the connection it carries, without a word, right after
/// the server answered the end of the `n`th mail. Later connections pass untouched.
pub struct DroppingProxy {
    pub addr: SocketAddr,
}

impl DroppingProxy {
    pub async fn start(target: SocketAddr, n: usize) -> DroppingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let budget = Arc::new(Mutex::new(Some(n)));
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let budget = budget.clone();
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    relay(client, server, budget).await;
                });
            }
        });
        DroppingProxy { addr }
    }
}

/// Copies both ways; counts mails by the client's end-of-data marks, and once the budget
/// is spent and the server's reply to that mark has passed, drops both sockets.
async fn relay(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    budget: Arc<Mutex<Option<usize>>>,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let cut = Arc::new(tokio::sync::Notify::new());
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let upstream = {
        let (budget, armed) = (budget.clone(), armed.clone());
        async move {
            let mut buf = vec![0u8; 16 * 1024];
            let mut tail: Vec<u8> = Vec::new();
            loop {
                let n = match client_read.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                tail.extend_from_slice(&buf[..n]);
                let marks = tail.windows(5).filter(|w| w == b"\r\n.\r\n").count();
                if tail.len() > 4 {
                    tail.drain(..tail.len() - 4);
                }
                for _ in 0..marks {
                    let mut left = budget.lock().unwrap();
                    if let Some(count) = left.as_mut() {
                        *count = count.saturating_sub(1);
                        if *count == 0 {
                            *left = None;
                            armed.store(true, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                }
                if server_write.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    };
    let downstream = {
        let (armed, cut) = (armed.clone(), cut.clone());
        async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match server_read.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if client_write.write_all(&buf[..n]).await.is_err() {
                    return;
                }
                if armed.load(std::sync::atomic::Ordering::SeqCst) && buf[..n].starts_with(b"250") {
                    cut.notify_one();
                    return;
                }
            }
        }
    };
    tokio::select! {
        () = upstream => {}
        () = downstream => {}
        () = cut.notified() => {}
    }
}
