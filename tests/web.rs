//! The web page over HTTP against the running daemon: subscribe, the confirmation mail
//! (received by a real SMTP server), confirm, manage, one-click unsubscribe; tampered and
//! expired tokens, an existing address not revealed, throttling, CSRF, no redirects, and
//! the JSON API.

mod support;

use paperboy::subscriber::Address;
use paperboy::token::{Claims, Purpose, Signer};
use reqwest::StatusCode;
use support::web_daemon::{SIGNING_KEY, WebDaemon, hidden_value, html_part, text_part, urls_in};

fn ada() -> Address {
    "email:ada@example.org".parse().unwrap()
}

async fn get(d: &WebDaemon, url: &str) -> (StatusCode, String) {
    let response = d.http.get(url).send().await.unwrap();
    assert!(
        response.headers().get("location").is_none(),
        "no redirects: {url}"
    );
    assert!(response.headers().get("set-cookie").is_none(), "no cookies");
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn post(d: &WebDaemon, url: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let response = d.http.post(url).form(form).send().await.unwrap();
    assert!(response.headers().get("location").is_none(), "no redirects");
    assert!(response.headers().get("set-cookie").is_none(), "no cookies");
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn form_token(d: &WebDaemon) -> String {
    let (_, page) = get(d, &d.url("/")).await;
    hidden_value(&page, "form_token").expect("a form token on the page")
}

async fn subscribe(d: &WebDaemon, email: &str, follows: &str) -> (StatusCode, String) {
    let token = form_token(d).await;
    post(
        d,
        &d.url("/subscribe"),
        &[
            ("form_token", &token),
            ("email", email),
            ("follows", follows),
            ("schedule", "daily 08:00"),
            ("time_zone", "Europe/Berlin"),
            ("action", "subscribe"),
        ],
    )
    .await
}

/// Subscribes and confirms Ada; returns nothing, leaves her confirmation mail first.
async fn subscribed_ada(d: &WebDaemon) {
    let (status, _) = subscribe(d, "Ada@Example.org", "diffusion\nau:turing").await;
    assert_eq!(status, StatusCode::OK);
    let mails = d.mails(1).await;
    let confirm = urls_in(&text_part(&mails[0]), &d.url("/confirm?token="))[0].clone();
    let token = confirm.split_once("token=").unwrap().1.to_owned();
    let (status, page) = post(d, &d.url("/confirm"), &[("token", &token)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
}

fn sign(claims: &Claims) -> String {
    Signer::new(SIGNING_KEY.as_bytes()).sign(claims)
}

#[tokio::test]
async fn subscribe_confirm_digest_manage_and_one_click_unsubscribe() {
    let d = WebDaemon::start(|_| {}).await;
    let (status, page) = get(&d, &d.url("/")).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "<label for=\"email\">",
        "<label for=\"follows\">",
        "The follow language",
        "name=\"time_zone\"",
    ] {
        assert!(page.contains(needle), "subscribe page lacks {needle}");
    }

    let (status, page) = subscribe(&d, "Ada@Example.org", "diffusion\nau:turing").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Check your inbox"));
    let mails = d.mails(1).await;
    assert_eq!(mails[0].to, vec!["ada@example.org".to_owned()]);
    // Double opt-in: nothing exists, nothing is sent, before the link is used.
    assert!(
        d.app
            .store()
            .subscriber_by_address(&ada())
            .unwrap()
            .is_none()
    );
    let text = text_part(&mails[0]);
    let confirm = urls_in(&text, &d.url("/confirm?token="));
    assert_eq!(confirm.len(), 1, "{text}");
    assert!(html_part(&mails[0]).contains(&confirm[0].replace('&', "&amp;")));

    // Following the link shows a button; it does not subscribe by itself.
    let (status, page) = get(&d, &confirm[0]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Confirm subscription"));
    assert!(
        d.app
            .store()
            .subscriber_by_address(&ada())
            .unwrap()
            .is_none()
    );
    let token = hidden_value(&page, "token").unwrap();
    let (status, page) = post(&d, &d.url("/confirm"), &[("token", &token)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("You are subscribed"));
    let subscriber = d
        .app
        .store()
        .subscriber_by_address(&ada())
        .unwrap()
        .unwrap();
    assert_eq!(subscriber.time_zone, "Europe/Berlin");
    assert_eq!(subscriber.schedule, "daily 08:00");
    let follows: Vec<String> = d
        .app
        .store()
        .follows(subscriber.id)
        .unwrap()
        .into_iter()
        .map(|f| f.query)
        .collect();
    assert_eq!(
        follows,
        vec!["diffusion".to_owned(), "au:turing".to_owned()]
    );
    // The link works once.
    let (status, _) = post(&d, &d.url("/confirm"), &[("token", &token)]).await;
    assert_eq!(status, StatusCode::GONE);

    // A digest, and every link in it to the web page resolves.
    d.app
        .service
        .run_command(&ada(), "/digest", chrono::Utc::now())
        .await
        .unwrap();
    d.app
        .deliverer
        .deliver_due(chrono::Utc::now())
        .await
        .unwrap();
    let mails = d.mails(2).await;
    let digest = &mails[1];
    let subject = digest.header("Subject").unwrap();
    assert!(subject.starts_with("paperboy: "), "{subject}");
    assert!(subject.contains("diffusion"), "{subject}");
    let html = html_part(digest);
    let text = text_part(digest);
    assert!(text.contains("Diffusion models for protein design"));
    let mut links = urls_in(&html, &d.base_url);
    links.extend(urls_in(&text, &d.base_url));
    let unsubscribe_header = digest.header("List-Unsubscribe").unwrap();
    let unsubscribe = unsubscribe_header.trim_matches(['<', '>']).to_owned();
    links.push(unsubscribe.clone());
    assert!(links.len() >= 7, "{links:?}");
    for link in &links {
        let (status, _) = get(&d, link).await;
        assert_eq!(status, StatusCode::OK, "{link}");
    }
    assert!(
        d.app
            .store()
            .subscriber_by_address(&ada())
            .unwrap()
            .unwrap()
            .active,
        "a GET never unsubscribes"
    );

    // The manage page.
    let manage = urls_in(&text, &d.url("/manage?token="))[0].clone();
    let (status, page) = get(&d, &manage).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("au:turing"));
    let form_token = hidden_value(&page, "form_token").unwrap();
    let (status, page) = post(
        &d,
        &manage,
        &[
            ("form_token", &form_token),
            ("action", "follow"),
            ("value", "\"sparse attention\""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("sparse attention"), "{page}");
    let (_, page) = post(
        &d,
        &manage,
        &[
            ("form_token", &form_token),
            ("action", "unfollow"),
            ("value", "2"),
        ],
    )
    .await;
    assert!(!page.contains("<code>au:turing</code>"), "{page}");
    let (_, _) = post(
        &d,
        &manage,
        &[
            ("form_token", &form_token),
            ("action", "schedule"),
            ("value", "weekdays 07:30"),
        ],
    )
    .await;
    let (_, _) = post(
        &d,
        &manage,
        &[
            ("form_token", &form_token),
            ("action", "timezone"),
            ("value", "America/New_York"),
        ],
    )
    .await;
    let (_, page) = post(
        &d,
        &manage,
        &[("form_token", &form_token), ("action", "pause")],
    )
    .await;
    assert!(page.contains("Resume digests"), "{page}");
    let subscriber = d
        .app
        .store()
        .subscriber_by_address(&ada())
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            subscriber.schedule.as_str(),
            subscriber.time_zone.as_str(),
            subscriber.paused
        ),
        ("weekdays 07:30", "America/New_York", true)
    );

    // RFC 8058 one-click: a POST of List-Unsubscribe=One-Click, no cookie, no form token.
    let response = d
        .http
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("location").is_none());
    assert!(response.headers().get("set-cookie").is_none());
    assert!(
        !d.app
            .store()
            .subscriber_by_address(&ada())
            .unwrap()
            .unwrap()
            .active
    );
    // And nothing more is delivered to her.
    d.app
        .service
        .run_command(
            &"console:other".parse().unwrap(),
            "/help",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    d.stop().await;
}

#[tokio::test]
async fn a_tampered_token_gets_403_and_changes_nothing_and_an_expired_one_a_clear_page() {
    let d = WebDaemon::start(|_| {}).await;
    subscribed_ada(&d).await;
    let now = chrono::Utc::now();
    let good = sign(&Claims::new(
        Purpose::Unsubscribe,
        "ada@example.org",
        now + chrono::Duration::days(1),
    ));
    // Change one character of the payload (the address inside) and of the signature.
    let flip = |token: &str, at: usize| {
        let mut bytes = token.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
        String::from_utf8(bytes).unwrap()
    };
    for tampered in [
        flip(&good, 12),
        flip(&good, good.len() - 3),
        sign(&Claims::new(
            Purpose::Manage,
            "ada@example.org",
            now + chrono::Duration::days(1),
        )),
        "garbage".to_owned(),
    ] {
        let url = d.url(&format!("/unsubscribe?token={tampered}"));
        let (status, _) = post(&d, &url, &[("List-Unsubscribe", "One-Click")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{tampered}");
    }
    let manage = sign(&Claims::new(
        Purpose::Manage,
        "ada@example.org",
        now + chrono::Duration::days(1),
    ));
    for tampered in [
        flip(&manage, 12),
        flip(&manage, manage.len() - 3),
        good.clone(),
    ] {
        let (status, _) = get(&d, &d.url(&format!("/manage?token={tampered}"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{tampered}");
    }
    assert!(
        d.app
            .store()
            .subscriber_by_address(&ada())
            .unwrap()
            .unwrap()
            .active
    );
    let (status, _) = get(&d, &d.url("/manage")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let expired = sign(&Claims::new(
        Purpose::Unsubscribe,
        "ada@example.org",
        now - chrono::Duration::hours(1),
    ));
    let (status, page) = post(&d, &d.url(&format!("/unsubscribe?token={expired}")), &[]).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This link has expired"), "{page}");
    assert!(
        d.app
            .store()
            .subscriber_by_address(&ada())
            .unwrap()
            .unwrap()
            .active
    );
    let expired = sign(&Claims::new(
        Purpose::Manage,
        "ada@example.org",
        now - chrono::Duration::hours(1),
    ));
    let (status, page) = get(&d, &d.url(&format!("/manage?token={expired}"))).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This link has expired"));
    d.stop().await;
}

#[tokio::test]
async fn an_existing_address_is_not_revealed() {
    let d = WebDaemon::start(|_| {}).await;
    // Ada subscribed earlier (not through the form, whose per-address cooldown would hold
    // back a second mail to her within minutes).
    d.app
        .service
        .run_command(&ada(), "/follow diffusion", chrono::Utc::now())
        .await
        .unwrap();
    let (known_status, known_page) = subscribe(&d, "ada@example.org", "diffusion").await;
    let (new_status, new_page) = subscribe(&d, "bob@example.org", "diffusion").await;
    assert_eq!(known_status, new_status);
    assert_eq!(
        known_page.replace("ada@example.org", "X"),
        new_page.replace("bob@example.org", "X")
    );
    // Ada got her manage link, Bob a confirmation; the page said the same to both.
    let mails = d.mails(2).await;
    let to_ada = mails
        .iter()
        .rfind(|m| m.to[0] == "ada@example.org")
        .unwrap();
    assert!(text_part(to_ada).contains("/manage?token="));
    let to_bob = mails.iter().find(|m| m.to[0] == "bob@example.org").unwrap();
    assert!(text_part(to_bob).contains("/confirm?token="));
    // A second request for the same address within minutes mails nobody.
    subscribe(&d, "bob@example.org", "diffusion").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(d.smtp.received().len(), 2);
    d.stop().await;
}

#[tokio::test]
async fn form_posts_are_throttled_per_client() {
    let d = WebDaemon::start(|config| config.web.posts_per_minute = 3).await;
    let token = form_token(&d).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (status, _) = post(
            &d,
            &d.url("/subscribe"),
            &[
                ("form_token", &token),
                ("email", "bad"),
                ("action", "subscribe"),
            ],
        )
        .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    d.stop().await;
}

#[tokio::test]
async fn posts_without_a_form_token_or_from_another_site_are_refused() {
    let d = WebDaemon::start(|_| {}).await;
    subscribed_ada(&d).await;
    let fields = |token: &str| {
        vec![
            ("form_token".to_owned(), token.to_owned()),
            ("email".to_owned(), "eve@example.org".to_owned()),
            ("follows".to_owned(), "diffusion".to_owned()),
            ("schedule".to_owned(), "daily 08:00".to_owned()),
            ("time_zone".to_owned(), "UTC".to_owned()),
        ]
    };
    let send = |token: String, origin: Option<&'static str>| {
        let mut request = d.http.post(d.url("/subscribe")).form(&fields(&token));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_eq!(
        send(String::new(), None).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send("forged.token".into(), None).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let token = form_token(&d).await;
    assert_eq!(
        send(token.clone(), Some("https://evil.example"))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(token.clone(), Some("null")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let ok = send(
        token.clone(),
        Some(Box::leak(d.base_url.clone().into_boxed_str())),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);

    // A manage form token is bound to its address: Eve's cannot change Ada's subscription.
    let now = chrono::Utc::now();
    let ada_manage = sign(&Claims::new(
        Purpose::Manage,
        "ada@example.org",
        now + chrono::Duration::days(1),
    ));
    let eve_form = sign(&Claims::new(
        Purpose::Form,
        "eve@example.org",
        now + chrono::Duration::hours(1),
    ));
    let (status, _) = post(
        &d,
        &d.url(&format!("/manage?token={ada_manage}")),
        &[("form_token", &eve_form), ("action", "unsubscribe")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        d.app
            .store()
            .subscriber_by_address(&ada())
            .unwrap()
            .unwrap()
            .active
    );
    d.stop().await;
}

#[tokio::test]
async fn nothing_redirects_anywhere() {
    let d = WebDaemon::start(|_| {}).await;
    for path in [
        "/?next=https://evil.example/",
        "//evil.example/",
        "/subscribe?redirect=https://evil.example",
        "/confirm?token=x&next=https://evil.example",
        "/manage/?token=x",
        "/unsubscribe?token=x&return_to=//evil.example",
        "/%2F%2Fevil.example",
        "/search/",
    ] {
        let response = d.http.get(d.url(path)).send().await.unwrap();
        assert!(
            !response.status().is_redirection(),
            "{path}: {}",
            response.status()
        );
        assert!(response.headers().get("location").is_none(), "{path}");
    }
    let response = d.http.get(d.url("/")).send().await.unwrap();
    let headers = response.headers();
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    d.stop().await;
}

#[tokio::test]
async fn search_and_related_from_the_browser_and_as_json() {
    let d = WebDaemon::start(|_| {}).await;
    let (status, body) = get(&d, &d.url("/api/search?q=diffusion")).await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["query"], "diffusion");
    let ids: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{json}");
    assert!(ids.contains(&"2611.00001") && ids.contains(&"2611.00003"));
    assert!(
        json["results"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://arxiv.org/abs/")
    );

    let (status, body) = get(&d, &d.url("/api/search?q=%22unclosed")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"].is_string());

    let (status, body) = get(
        &d,
        &d.url("/api/related?q=diffusion%20transformers%20for%20proteins"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(!json["results"].as_array().unwrap().is_empty(), "{json}");

    let (status, body) = get(&d, &d.url("/api/preview?q=diffusion")).await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        json["summary"]
            .as_str()
            .unwrap()
            .contains("would have matched"),
        "{json}"
    );

    let (status, page) = get(&d, &d.url("/search?q=diffusion")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Diffusion transformers at scale"));
    let (status, page) = get(&d, &d.url("/search?q=%3Cscript%3Ealert(1)%3C/script%3E")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>alert"));
    let (status, page) = get(&d, &d.url("/related?q=2611.00001")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Related to 2611.00001"), "{page}");
    d.stop().await;
}
