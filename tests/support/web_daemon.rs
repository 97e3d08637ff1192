//! The whole daemon with its web page on 127.0.0.1 and its mail going to a real SMTP server
//! (mailin-embedded) on 127.0.0.1, on the system clock: for the web and browser tests.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use paperboy::clock::Clock;
use paperboy::config::{Config, FileFormat, FileSourceConfig, Secret, SmtpTls};
use paperboy::daemon::{self, App};
use paperboy::ingest::{Ingestor, build_fetcher};
use paperboy::store::Store;
use tokio_util::sync::CancellationToken;

use super::smtp_server::{ReceivedMail, SmtpServer};

pub const SIGNING_KEY: &str = "web-test-signing-key-0123456789abcdef";

pub struct WebDaemon {
    pub app: Arc<App>,
    pub smtp: SmtpServer,
    pub base_url: String,
    pub http: reqwest::Client,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

fn papers_jsonl() -> String {
    let papers = [
        (
            "2611.00001",
            "Diffusion models for protein design",
            "We train diffusion models on protein structures.",
        ),
        (
            "2611.00002",
            "Sparse attention for long context language models",
            "A sparse attention scheme for long context.",
        ),
        (
            "2611.00003",
            "Diffusion transformers at scale",
            "Scaling diffusion transformers to billions of parameters.",
        ),
    ];
    papers
        .iter()
        .map(|(id, title, abstract_text)| {
            serde_json::json!({
                "id": id, "title": title, "abstract": abstract_text,
                "authors": ["Ada Lovelace", "Alan Turing"], "categories": ["cs.LG"],
                "published": "2026-11-24T00:00:00Z", "source": "test"
            })
            .to_string()
                + "\n"
        })
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl WebDaemon {
    /// Starts it; `adjust` may change the config first.
    pub async fn start(adjust: impl FnOnce(&mut Config)) -> WebDaemon {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("paperboy=info")
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("papers.jsonl"), papers_jsonl()).unwrap();
        let smtp = SmtpServer::start();
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        let mut config = Config::embedded();
        config.data_dir = dir.path().join("data");
        config.subscribers.clear();
        config.sources.file = vec![FileSourceConfig {
            name: Some("papers".into()),
            path: dir.path().join("papers.jsonl").display().to_string(),
            format: FileFormat::Jsonl,
        }];
        config.ingest.schedule = "0 */6 * * *".into();
        config.email.from = "paperboy <digests@paperboy.test>".into();
        config.email.smtp_host = Some("127.0.0.1".into());
        config.email.smtp_port = Some(smtp.addr.port());
        config.email.smtp_tls = SmtpTls::None;
        config.email.timeout_secs = 5;
        config.web.listen = Some(format!("127.0.0.1:{port}"));
        config.web.base_url = base_url.clone();
        config.web.signing_key = Some(Secret::new(SIGNING_KEY));
        config.web.posts_per_minute = 50;
        adjust(&mut config);
        let store = Arc::new(Store::open(&config.data_dir).unwrap());
        let config = Arc::new(config);
        let ingestor = Ingestor::new(store, build_fetcher(&config).unwrap(), config);
        let app = Arc::new(App::new(ingestor, Clock::System).unwrap());
        let shutdown = CancellationToken::new();
        let (running, token) = (app.clone(), shutdown.clone());
        let task = tokio::spawn(async move {
            daemon::run(&running, token).await.unwrap();
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let daemon = WebDaemon {
            app,
            smtp,
            base_url,
            http,
            shutdown,
            task,
            _dir: dir,
        };
        daemon.wait_until_serving().await;
        daemon
    }

    async fn wait_until_serving(&self) {
        for _ in 0..200 {
            if let Ok(response) = self.http.get(self.url("/static/app.css")).send().await
                && response.status().is_success()
            {
                // And the papers are in.
                if self.app.store().stats().map(|s| s.papers).unwrap_or(0) >= 3 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the web server did not come up");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Waits until the SMTP server holds `count` mails, and returns them.
    pub async fn mails(&self, count: usize) -> Vec<ReceivedMail> {
        for _ in 0..400 {
            let received = self.smtp.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} mails, got {}", self.smtp.received().len());
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap();
    }
}

/// The text/plain part of a mail.
pub fn text_part(mail: &ReceivedMail) -> String {
    let parsed = mail.parsed();
    parsed
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == "text/plain")
        .map(|p| p.get_body().unwrap())
        .expect("a text/plain part")
}

/// The text/html part of a mail.
pub fn html_part(mail: &ReceivedMail) -> String {
    let parsed = mail.parsed();
    parsed
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == "text/html")
        .map(|p| p.get_body().unwrap())
        .expect("a text/html part")
}

/// Every URL in `text` starting with `prefix`, up to whitespace, quote or angle bracket.
pub fn urls_in(text: &str, prefix: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(prefix) {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\''))
            .unwrap_or(tail.len());
        urls.push(tail[..end].replace("&amp;", "&"));
        rest = &tail[end..];
    }
    urls
}

/// The value of a hidden input `name` in a page.
pub fn hidden_value(page: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = page.find(&needle)? + needle.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}
