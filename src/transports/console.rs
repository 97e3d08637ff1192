//! Digests printed on standard output: the embedded default, for trying paperboy out.

use std::io::Write;

use crate::delivery::{Deliver, DeliverFuture, DeliveryOutcome, OutgoingMessage};
use crate::subscriber::{Address, Transport};

#[derive(Debug, Default)]
pub struct ConsoleTransport;

impl Deliver for ConsoleTransport {
    fn transport(&self) -> Transport {
        Transport::Console
    }

    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        Box::pin(async move {
            let text = format!(
                "──── {} ── to {to} ────\n{}\n",
                message.subject,
                message.message.to_plain_text()
            );
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => DeliveryOutcome::Sent,
                Err(err) => DeliveryOutcome::Failed {
                    reason: format!("cannot write to standard output: {err}"),
                },
            }
        })
    }
}
