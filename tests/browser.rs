//! A real headless Chromium drives the web page through chromedriver's WebDriver HTTP API
//! (spoken with reqwest): the subscribe form filled in and sent, the confirmation link from
//! the mail followed and confirmed, the manage page used, and the unsubscribe button pressed.
//!
//! Chromium and chromedriver come from Debian (`apt-get install chromium chromium-driver`;
//! `.ci/run` installs them). Without them this test fails and says so, unless
//! `PAPERBOY_SKIP_BROWSER_TEST=1` is set to skip it on purpose.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use paperboy::subscriber::Address;
use paperboy::token::{Claims, Purpose, Signer};
use serde_json::{Value, json};
use support::harness::KillOnDrop;
use support::web_daemon::{SIGNING_KEY, WebDaemon, text_part, urls_in};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn binary(env: &str, default: &str) -> Option<String> {
    let path = std::env::var(env).unwrap_or_else(|_| default.to_owned());
    Path::new(&path).exists().then_some(path)
}

/// A WebDriver session on a chromedriver child process.
struct Browser {
    http: reqwest::Client,
    session: String,
    base: String,
    _driver: KillOnDrop,
}

impl Browser {
    async fn start(chromium: &str, chromedriver: &str) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            // The browser's own time zone, which the page should pick up.
            .env("TZ", "Asia/Tokyo")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = KillOnDrop(driver);
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        for _ in 0..200 {
            if let Ok(response) = http.get(format!("{base}/status")).send().await
                && response.status().is_success()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=390,900"]
            }
        }}});
        let created = call(
            &http,
            reqwest::Method::POST,
            &format!("{base}/session"),
            Some(capabilities),
        )
        .await;
        let session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_owned();
        Browser {
            http,
            session,
            base,
            _driver: driver,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        call(&self.http, method, &url, body).await
    }

    async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    async fn clear_and_type(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/clear"),
            Some(json!({})),
        )
        .await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn value(&self, css: &str) -> String {
        let element = self.find(css).await;
        let value = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{element}/property/value"),
                None,
            )
            .await;
        value.as_str().unwrap_or_default().to_owned()
    }

    async fn source(&self) -> String {
        let source = self.command(reqwest::Method::GET, "/source", None).await;
        source.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the page's source contains `needle`.
    async fn wait_for(&self, needle: &str) -> String {
        for _ in 0..200 {
            let source = self.source().await;
            if source.contains(needle) {
                return source;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page never showed {needle:?}:\n{}", self.source().await);
    }

    async fn screenshot(&self, name: &str) {
        let shot = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        if let Some(data) = shot.as_str() {
            use base64::Engine;
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) {
                let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.png"));
                let _ = std::fs::write(path, bytes);
            }
        }
    }

    async fn quit(self) {
        self.command(reqwest::Method::DELETE, "", None).await;
    }
}

/// One WebDriver call; its `value`.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("WebDriver {url}: {e}"));
    let text = response.text().await.unwrap();
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    value["value"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_subscribes_confirms_manages_and_unsubscribes_in_chromium() {
    let chromium = binary("PAPERBOY_CHROMIUM", "/usr/bin/chromium");
    let chromedriver = binary("PAPERBOY_CHROMEDRIVER", "/usr/bin/chromedriver");
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        if std::env::var("PAPERBOY_SKIP_BROWSER_TEST").is_ok_and(|v| v == "1") {
            eprintln!("skipping the browser test: PAPERBOY_SKIP_BROWSER_TEST=1");
            return;
        }
        panic!(
            "Chromium and chromedriver are needed for this test (apt-get install -y chromium chromium-driver, \
             or PAPERBOY_CHROMIUM / PAPERBOY_CHROMEDRIVER); set PAPERBOY_SKIP_BROWSER_TEST=1 to skip it on purpose"
        );
    };
    let d = WebDaemon::start(|_| {}).await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let ada: Address = "email:ada@example.org".parse().unwrap();

    // The subscribe page, with the time zone taken from the browser.
    browser.goto(&d.url("/")).await;
    browser.wait_for("Paper alerts").await;
    for _ in 0..100 {
        if browser.value("#time_zone").await == "Asia/Tokyo" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(browser.value("#time_zone").await, "Asia/Tokyo");
    browser.clear_and_type("#email", "ada@example.org").await;
    browser.clear_and_type("#follows", "diffusion").await;
    // The live preview count, from /api/preview as the follows are typed.
    browser.wait_for("would have matched").await;
    browser.screenshot("subscribe").await;
    browser.click("button[value=subscribe]").await;
    browser.wait_for("Check your inbox").await;
    assert!(d.app.store().subscriber_by_address(&ada).unwrap().is_none());

    // The confirmation link from the mail.
    let mails = d.mails(1).await;
    let confirm = urls_in(&text_part(&mails[0]), &d.url("/confirm?token="))[0].clone();
    browser.goto(&confirm).await;
    browser.wait_for("Confirm subscription").await;
    browser.click("form button").await;
    browser.wait_for("You are subscribed").await;
    let subscriber = d.app.store().subscriber_by_address(&ada).unwrap().unwrap();
    assert_eq!(subscriber.time_zone, "Asia/Tokyo");

    // The manage page, through the link on the confirmation page.
    browser.click("main section a").await;
    browser.wait_for("Your subscription").await;
    browser.clear_and_type("#new-follow", "au:lecun").await;
    browser.click("#new-follow + button").await;
    browser.wait_for("<code>au:lecun</code>").await;
    browser.screenshot("manage").await;
    let follows = d.app.store().follows(subscriber.id).unwrap();
    assert_eq!(follows.len(), 2);

    // The unsubscribe link of a digest: the GET shows a button, the button unsubscribes.
    let token = Signer::new(SIGNING_KEY.as_bytes()).sign(&Claims::new(
        Purpose::Unsubscribe,
        "ada@example.org",
        chrono::Utc::now() + chrono::Duration::days(1),
    ));
    browser
        .goto(&d.url(&format!("/unsubscribe?token={token}")))
        .await;
    browser.wait_for("Unsubscribe?").await;
    assert!(
        d.app
            .store()
            .subscriber_by_address(&ada)
            .unwrap()
            .unwrap()
            .active
    );
    browser.click("button.danger").await;
    browser.wait_for("You are unsubscribed").await;
    assert!(
        !d.app
            .store()
            .subscriber_by_address(&ada)
            .unwrap()
            .unwrap()
            .active
    );
    browser.quit().await;
    d.stop().await;
}
