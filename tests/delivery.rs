//! The deliverer with two transports on tokio's paused clock, a real sled store: a mail server
//! that never answers (every send runs into a 120 s timeout) must not hold up the chat
//! digests queued between its mails, and its own mails must wait, not be lost, until it
//! answers again.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use paperboy::delivery::{
    Deliver, DeliverFuture, Deliverer, DeliveryOutcome, OutgoingMessage, RetryPolicy,
};
use paperboy::outbox::OutboxEntry;
use paperboy::reply::{Block, Reply};
use paperboy::store::Store;
use paperboy::subscriber::{Address, Subscriber, Transport};
use support::fixtures::subscriber;
use tokio::time::Instant;

const TIMEOUT: Duration = Duration::from_secs(120);

/// A transport whose sends are recorded with their tokio time; `dead` ones time out.
struct Platform {
    transport: Transport,
    dead: Mutex<bool>,
    sends: Mutex<Vec<(Address, u64, Instant, bool)>>,
}

impl Platform {
    fn new(transport: Transport, dead: bool) -> Arc<Platform> {
        Arc::new(Platform {
            transport,
            dead: Mutex::new(dead),
            sends: Mutex::default(),
        })
    }

    fn attempts(&self) -> usize {
        self.sends.lock().unwrap().len()
    }

    fn delivered(&self) -> Vec<(Address, u64, Instant, bool)> {
        let sends = self.sends.lock().unwrap();
        sends.iter().filter(|send| send.3).cloned().collect()
    }
}

impl Deliver for Platform {
    fn transport(&self) -> Transport {
        self.transport
    }

    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        Box::pin(async move {
            let dead = *self.dead.lock().unwrap();
            if dead {
                tokio::time::sleep(TIMEOUT).await;
            }
            self.sends
                .lock()
                .unwrap()
                .push((to.clone(), message.id, Instant::now(), !dead));
            if dead {
                DeliveryOutcome::Failed {
                    reason: "timed out after 120 s".into(),
                }
            } else {
                DeliveryOutcome::Sent
            }
        })
    }
}

fn queue(store: &Store, subscriber: &Subscriber, now: DateTime<Utc>) {
    let entry = OutboxEntry {
        id: store.next_outbox_id().unwrap(),
        subscriber: subscriber.id,
        created_at: now,
        slot: None,
        subject: "paperboy: 1 new paper".into(),
        message: Reply::new().with(Block::Heading("New for your follows".into())),
        paper_ids: vec![],
        attempts: 0,
        failures: 0,
        next_attempt_at: now,
        last_error: None,
    };
    store.queue_message(&entry, subscriber, now).unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_dead_mail_server_holds_up_neither_chats_nor_its_own_mails_for_ever() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let start: DateTime<Utc> = "2026-11-25T08:00:00Z".parse().unwrap();
    let began = Instant::now();
    let now = || start + chrono::Duration::from_std(began.elapsed()).unwrap();
    let mail = Platform::new(Transport::Email, true);
    let chat = Platform::new(Transport::Telegram, false);
    let deliverer = Deliverer::new(store.clone(), RetryPolicy::default())
        .with_transport(mail.clone(), 100)
        .with_transport(chat.clone(), 100);
    // Ten of each, queued alternately: mail, chat, mail, chat, ...
    for n in 0..10 {
        let reader = subscriber(&store, &format!("email:reader{n}@example.org"), start);
        queue(&store, &reader, start);
        let chatter = subscriber(&store, &format!("telegram:{}", 7000 + n), start);
        queue(&store, &chatter, start);
    }

    let (report, next_due) = deliverer.deliver_due(now()).await.unwrap();

    // Three timeouts open the mail breaker; the other seven mails wait without a try, and
    // every chat digest goes out in the same pass instead of after ten timeouts.
    assert_eq!(mail.attempts(), 3);
    assert_eq!(report.held, 7, "{report:?}");
    assert_eq!(report.sent, 10, "{report:?}");
    let last_chat = chat.delivered().iter().map(|send| send.2).max().unwrap();
    assert!(
        last_chat - began <= 3 * TIMEOUT + Duration::from_secs(1),
        "the last chat digest went out {:?} after the pass began",
        last_chat - began
    );
    let next_due = next_due.expect("mails still pending");
    assert!(
        next_due - now() <= chrono::Duration::seconds(30),
        "the breaker pauses mail for 30 s first; next due {next_due}"
    );

    // Still dead: each later pass spends one probe, and the pause doubles.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let (report, _) = deliverer.deliver_due(now()).await.unwrap();
    assert_eq!(mail.attempts(), 4, "one probe");
    assert_eq!(report.held, 9, "every other mail waits: {report:?}");

    // The server answers again: the next probe closes the breaker and the mails go.
    *mail.dead.lock().unwrap() = false;
    let mut passes = 0;
    while !store.pending_messages().unwrap().is_empty() {
        passes += 1;
        assert!(passes < 20, "mail still pending after {passes} passes");
        tokio::time::sleep(Duration::from_secs(60)).await;
        deliverer.deliver_due(now()).await.unwrap();
    }
    let mut got: Vec<String> = mail
        .delivered()
        .iter()
        .map(|send| send.0.to_string())
        .collect();
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 10, "each reader got their mail: {got:?}");
    assert_eq!(mail.delivered().len(), 10, "and only once");
}
