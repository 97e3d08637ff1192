//! The email transport against a real SMTP server on 127.0.0.1 (mailin-embedded): the mails
//! it receives are parsed and checked, and the server misbehaves on purpose (451 then 250,
//! 550, 421-and-close, a connection cut mid-batch). A tarpit's late answer is played by
//! the tokio fake (tests/support/fake_smtp.rs) on the paused clock.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mailparse::MailHeaderMap;
use paperboy::clock::Clock;
use paperboy::config::{Config, SmtpTls};
use paperboy::delivery::{Deliverer, RetryPolicy};
use paperboy::email::Email;
use paperboy::links::Links;
use paperboy::outbox::OutboxEntry;
use paperboy::reply::{Block, PaperItem, Reply};
use paperboy::store::Store;
use paperboy::subscriber::Subscriber;
use paperboy::token::{Purpose, Signer};
use support::fake_smtp::FakeSmtp;
use support::smtp_server::{DroppingProxy, SmtpServer};

const KEY: &[u8] = b"a test signing key of 32 bytes..";

struct Setup {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    deliverer: Deliverer,
    config: Config,
    now: DateTime<Utc>,
}

fn config_for(dir: &std::path::Path, smtp_port: Option<u16>) -> Config {
    let mut config = Config {
        data_dir: dir.to_owned(),
        ..Config::default()
    };
    config.email.from = "paperboy <digests@paperboy.test>".into();
    if let Some(port) = smtp_port {
        config.email.smtp_host = Some("127.0.0.1".into());
        config.email.smtp_port = Some(port);
        config.email.smtp_tls = SmtpTls::None;
    }
    config.email.timeout_secs = 5;
    config.web.base_url = "https://paperboy.test".into();
    config
}

fn setup(smtp_port: Option<u16>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(dir.path(), smtp_port);
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let links = Arc::new(Links::new(
        &config.web.base_url,
        Arc::new(Signer::new(KEY)),
        chrono::Duration::days(30),
        chrono::Duration::hours(48),
    ));
    let email = Arc::new(Email::from_config(&config, links, Clock::System).unwrap());
    let policy = RetryPolicy {
        max_rejections: 3,
        ..RetryPolicy::default()
    };
    let deliverer = Deliverer::new(store.clone(), policy).with_transport(email, 100);
    Setup {
        _dir: dir,
        store,
        deliverer,
        config,
        now: Utc::now(),
    }
}

fn subscriber(store: &Store, address: &str, now: DateTime<Utc>) -> Subscriber {
    support::fixtures::subscriber(store, &format!("email:{address}"), now)
}

fn item(title: &str) -> PaperItem {
    PaperItem {
        id: "2611.00001".into(),
        title: title.into(),
        authors: "Ada Lovelace and Alan Turing".into(),
        url: "https://arxiv.org/abs/2611.00001".into(),
        matched: vec!["diffusion".into()],
        shared: vec![],
        upvotes: Some(42),
        snippet: "We study diffusion.".into(),
    }
}

/// Queues `count` digests for `subscriber`, each with one paper.
fn queue(setup: &Setup, subscriber: &Subscriber, subject: &str, title: &str, count: usize) {
    for _ in 0..count {
        let entry = OutboxEntry {
            id: setup.store.next_outbox_id().unwrap(),
            subscriber: subscriber.id,
            created_at: setup.now,
            slot: None,
            subject: subject.into(),
            message: Reply::new()
                .with(Block::Heading("New for your follows".into()))
                .with(Block::Papers(vec![item(title)])),
            paper_ids: vec![],
            attempts: 0,
            failures: 0,
            next_attempt_at: setup.now,
            last_error: None,
        };
        setup
            .store
            .queue_message(&entry, subscriber, setup.now)
            .unwrap();
    }
}

fn part_bodies(mail: &mailparse::ParsedMail<'_>) -> (String, String) {
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    let mut text = None;
    let mut html = None;
    for part in &mail.subparts {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = Some(part.get_body().unwrap()),
            "text/html" => html = Some(part.get_body().unwrap()),
            other => panic!("unexpected part {other}"),
        }
    }
    (text.expect("a text part"), html.expect("an html part"))
}

#[tokio::test]
async fn a_digest_arrives_as_text_and_html_with_every_header() {
    let server = SmtpServer::start();
    let s = setup(Some(server.addr.port()));
    let ada = subscriber(&s.store, "ada@example.org", s.now);
    queue(
        &s,
        &ada,
        "paperboy: 1 new paper for diffusion",
        "Diffusion Über Alles",
        1,
    );
    let (report, _) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!(report.sent, 1);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.to, vec!["ada@example.org".to_owned()]);
    assert_eq!(mail.from, "digests@paperboy.test");
    let parsed = mail.parsed();
    let header = |name: &str| parsed.headers.get_first_value(name);
    assert_eq!(
        header("Subject").as_deref(),
        Some("paperboy: 1 new paper for diffusion")
    );
    assert_eq!(header("To").as_deref(), Some("ada@example.org"));
    assert!(header("Date").is_some());
    assert!(
        header("Message-ID").unwrap().ends_with("@paperboy.test>"),
        "{:?}",
        header("Message-ID")
    );
    assert_eq!(
        header("List-Id").as_deref(),
        Some("paperboy digests <paperboy.paperboy.test>")
    );
    assert_eq!(
        header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = header("List-Unsubscribe").unwrap();
    let url = unsubscribe
        .strip_prefix("<")
        .and_then(|u| u.strip_suffix(">"))
        .unwrap();
    assert!(url.starts_with("https://paperboy.test/unsubscribe?token="));
    // The token is genuine, for unsubscribing, and about this address.
    let token = url.split_once("token=").unwrap().1;
    let claims = Signer::new(KEY)
        .verify(token, Purpose::Unsubscribe, s.now)
        .unwrap();
    assert_eq!(claims.subject, "ada@example.org");

    let (text, html) = part_bodies(&parsed);
    for needle in [
        "Diffusion Über Alles",
        "Ada Lovelace and Alan Turing",
        "https://arxiv.org/abs/2611.00001",
        "matched: diffusion",
        "42 upvotes",
        "We study diffusion.",
        url,
    ] {
        assert!(text.contains(needle), "text part lacks {needle:?}:\n{text}");
        assert!(
            html.contains(&needle.replace('&', "&amp;")),
            "html part lacks {needle:?}"
        );
    }
    assert!(html.contains("https://paperboy.test/manage?token="));
}

#[tokio::test]
async fn a_title_with_line_breaks_never_becomes_a_header() {
    let server = SmtpServer::start();
    let s = setup(Some(server.addr.port()));
    let ada = subscriber(&s.store, "ada@example.org", s.now);
    queue(
        &s,
        &ada,
        "paperboy: 1 new paper\r\nBcc: victim@example.org",
        "Title\r\nBcc: victim@example.org\r\n\r\n<b>body</b>",
        1,
    );
    s.deliverer.deliver_due(s.now).await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["ada@example.org".to_owned()]);
    let raw = String::from_utf8_lossy(&received[0].data).to_string();
    let header_block = raw.split("\r\n\r\n").next().unwrap();
    assert!(
        !header_block
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{header_block}"
    );
    let parsed = received[0].parsed();
    assert_eq!(
        parsed.headers.get_first_value("Subject").as_deref(),
        Some("paperboy: 1 new paper Bcc: victim@example.org")
    );
    let (_, html) = part_bodies(&parsed);
    assert!(!html.contains("<b>body</b>"));
}

#[tokio::test]
async fn a_451_is_retried_with_backoff_and_then_delivered() {
    let server = SmtpServer::start();
    let s = setup(Some(server.addr.port()));
    let ada = subscriber(&s.store, "ada@example.org", s.now);
    queue(&s, &ada, "paperboy: 1 new paper", "T", 1);
    server.script_rcpt(&[451, 250]);
    let (report, next) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!((report.sent, report.retried), (0, 1));
    assert!(server.received().is_empty());
    let retry_at = next.expect("a retry time");
    assert!(retry_at > s.now, "backoff, not an immediate retry");
    let pending = s.store.pending_messages().unwrap();
    assert!(pending[0].last_error.as_deref().unwrap().contains("451"));
    // Not due yet: nothing happens.
    let (report, _) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!(report.sent + report.retried, 0);
    let (report, _) = s.deliverer.deliver_due(retry_at).await.unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(server.received().len(), 1);
    assert!(s.store.pending_messages().unwrap().is_empty());
}

#[tokio::test]
async fn a_550_is_not_retried_and_repeated_hard_bounces_deactivate() {
    let server = SmtpServer::start();
    let s = setup(Some(server.addr.port()));
    let gone = subscriber(&s.store, "gone@example.org", s.now);
    let ada = subscriber(&s.store, "ada@example.org", s.now);
    server.refuse("gone@example.org");
    queue(&s, &gone, "paperboy: 1 new paper", "T", 2);
    queue(&s, &ada, "paperboy: 1 new paper", "T", 1);
    let (report, next) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!(
        (
            report.sent,
            report.abandoned,
            report.retried,
            report.deactivated
        ),
        (1, 2, 0, 0)
    );
    assert_eq!(next, None, "a 5xx is never retried");
    assert_eq!(s.store.rejections(gone.id).unwrap(), 2);
    assert!(s.store.subscriber(gone.id).unwrap().unwrap().active);
    // The third hard bounce in a row deactivates the address.
    queue(&s, &gone, "paperboy: 1 new paper", "T", 1);
    let (report, _) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!(report.deactivated, 1);
    assert!(!s.store.subscriber(gone.id).unwrap().unwrap().active);
    assert!(s.store.pending_messages().unwrap().is_empty());
    // Only Ada's mail got through.
    assert_eq!(server.received().len(), 1);
    assert_eq!(s.store.rejections(ada.id).unwrap(), 0);
}

#[tokio::test]
async fn a_connection_cut_mid_batch_reconnects_and_sends_each_mail_once() {
    let server = SmtpServer::start();
    let proxy = DroppingProxy::start(server.addr, 2).await;
    let s = setup(Some(proxy.addr.port()));
    let ada = subscriber(&s.store, "ada@example.org", s.now);
    queue(&s, &ada, "paperboy: 1 new paper", "T", 5);
    let (report, _) = s.deliverer.deliver_due(s.now).await.unwrap();
    // A send on the dead connection may fail once and be retried; none is lost or doubled.
    let (report2, _) = s
        .deliverer
        .deliver_due(s.now + chrono::Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(report.sent + report2.sent, 5, "{report:?} then {report2:?}");
    let ids = message_ids(&server);
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(server.connections() >= 2, "it reconnected");
}

#[tokio::test]
async fn a_421_closing_the_connection_is_retried_at_once_on_a_new_one() {
    let server = SmtpServer::start();
    let s = setup(Some(server.addr.port()));
    let ada = subscriber(&s.store, "ada@example.org", s.now);
    queue(&s, &ada, "paperboy: 1 new paper", "T", 4);
    server.close_after(2);
    let (report, _) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!((report.sent, report.retried), (4, 0));
    assert_eq!(message_ids(&server).len(), 4);
    // At least the one reconnection; lettre's pool may also open a spare connection while
    // it replaces the closed one, which changes nothing the reader sees (each mail once,
    // none postponed).
    assert!(server.connections() >= 2, "it reconnected");
}

#[tokio::test(start_paused = true)]
async fn a_send_that_timed_out_never_hands_its_connection_to_the_next_mail() {
    let server = FakeSmtp::start().await;
    // Keeps the paused clock stepping at most 100 ms while an answer is on the loopback
    // wire, so the client's 20 s timeout cannot be the next timer then.
    let ticker = tokio::spawn(async {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    let s = setup(Some(server.addr.port()));
    let send_timeout = std::time::Duration::from_secs(4 * s.config.email.timeout_secs);
    let ada = subscriber(&s.store, "ada@example.org", s.now);
    let bob = subscriber(&s.store, "bob@example.org", s.now);
    // Ada's RCPT is answered (250) only after the client gave up: a late answer waiting on
    // that connection, which must not be read as the answer to Bob's commands.
    server.tarpit_next_rcpt(send_timeout + std::time::Duration::from_secs(10));
    queue(&s, &ada, "paperboy: 1 new paper", "For Ada", 1);
    let (report, _) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!(report.retried, 1, "Ada's send timed out");
    // lettre parks a dropped connection on a task of its own; let it run.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    queue(&s, &bob, "paperboy: 1 new paper", "For Bob", 1);
    let (report, _) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!(
        (report.sent, report.abandoned),
        (1, 0),
        "Bob's mail went, on a connection of its own"
    );
    let to: Vec<Vec<String>> = server.received().into_iter().map(|m| m.to).collect();
    assert_eq!(to, vec![vec!["bob@example.org".to_owned()]]);
    let (report, _) = s
        .deliverer
        .deliver_due(s.now + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(report.sent, 1, "Ada's digest on the retry");
    assert_eq!(server.received().len(), 2);
    ticker.abort();
}

#[tokio::test]
async fn without_an_smtp_server_mails_are_eml_files() {
    let s = setup(None);
    let ada = subscriber(&s.store, "ada@example.org", s.now);
    queue(&s, &ada, "paperboy: 1 new paper for diffusion", "T", 1);
    let (report, _) = s.deliverer.deliver_due(s.now).await.unwrap();
    assert_eq!(report.sent, 1);
    let folder = s.config.eml_dir().join("ada@example.org");
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let bytes = std::fs::read(&files[0]).unwrap();
    let parsed = mailparse::parse_mail(&bytes).unwrap();
    assert_eq!(
        parsed.headers.get_first_value("Subject").as_deref(),
        Some("paperboy: 1 new paper for diffusion")
    );
    part_bodies(&parsed);
}

/// Distinct Message-IDs the server accepted; panics on a duplicate.
fn message_ids(server: &SmtpServer) -> Vec<String> {
    let mut ids: Vec<String> = server
        .received()
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "a mail was delivered twice");
    ids
}
