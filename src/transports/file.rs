//! Digests written as Markdown files: `<dir>/<name>/<outbox id>.md`, one per message.
//! The file is named after the outbox id and written atomically (temp file, then rename),
//! so a message delivered twice after a crash still leaves exactly one file.

use std::path::PathBuf;
use std::time::Duration;

use crate::delivery::{Deliver, DeliverFuture, DeliveryOutcome, OutgoingMessage};
use crate::subscriber::{Address, Transport};
use crate::transports::markdown;

#[derive(Debug, Clone)]
pub struct FileTransport {
    dir: PathBuf,
}

impl FileTransport {
    pub fn new(dir: impl Into<PathBuf>) -> FileTransport {
        FileTransport { dir: dir.into() }
    }

    pub fn path_for(&self, name: &str, id: u64) -> PathBuf {
        self.dir.join(name).join(format!("{id:020}.md"))
    }
}

impl Deliver for FileTransport {
    fn transport(&self) -> Transport {
        Transport::File
    }

    fn deliver<'a>(&'a self, to: &'a Address, message: OutgoingMessage<'a>) -> DeliverFuture<'a> {
        Box::pin(async move {
            let Address::File { name } = to else {
                return DeliveryOutcome::Failed {
                    reason: format!("{to} is not a file address"),
                };
            };
            let path = self.path_for(name, message.id);
            let text = markdown::render(message.subject, message.message);
            let written = tokio::task::spawn_blocking(move || write_atomically(&path, &text)).await;
            match written {
                Ok(Ok(())) => DeliveryOutcome::Sent,
                // A full disk or a permission problem may be fixed by the operator: retry.
                Ok(Err(err)) => {
                    tracing::warn!(error = %err, "cannot write digest file");
                    DeliveryOutcome::RetryAfter(Duration::from_secs(300))
                }
                Err(err) => DeliveryOutcome::Failed {
                    reason: format!("file writer failed: {err}"),
                },
            }
        })
    }
}

fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("digest path has no folder"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("md.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
