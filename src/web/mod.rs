//! The web page, served by axum inside the daemon: subscribe (double opt-in), confirm,
//! manage, one-click unsubscribe (RFC 8058), search and related, and a JSON API.
//!
//! Thin like the chat front ends: forms become `Service::run_command` calls and replies
//! are rendered by the pure [`pages`]. What guards it:
//! - Every link that acts for a subscriber carries a signed, expiring token ([`crate::token`]);
//!   a tampered one gets 403 and changes nothing, an expired one a page that says so.
//! - Every form carries a signed form token bound to the address it manages, and a post
//!   whose `Origin` (or `Sec-Fetch-Site`) is another site is refused: no CSRF.
//! - Form posts are throttled per client address, and one address gets at most one mail
//!   per [`MAIL_COOLDOWN_MINUTES`], so the form cannot be used to flood an inbox.
//! - The subscribe answer is the same page whether the address is new or known (a known one
//!   is mailed its manage link instead of a confirmation).
//! - No redirects at all (so none is open); no cookies; `Referrer-Policy: same-origin` so
//!   tokens in URLs never leak to other sites; a strict CSP with no inline script.
//! - The unsubscribe link's GET only shows a button; its POST unsubscribes, with no cookie,
//!   form token or redirect needed, as RFC 8058's one-click POST requires.

pub mod pages;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{ConnectInfo, Form, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use governor::{Quota, RateLimiter};
use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::command::{self, Command};
use crate::config::WebConfig;
use crate::delivery::DeliveryOutcome;
use crate::email::Email;
use crate::email::render::{Notice, render_notice};
use crate::links::Links;
use crate::matching::FollowQuery;
use crate::reply::Reply;
use crate::service::{RelatedOutcome, Service};
use crate::store::StoreError;
use crate::subscriber::Address;
use crate::subscription::{
    FormLimits, PendingSubscription, SubscribeForm, check_subscribe_form, one_line,
};
use crate::token::{Claims, Purpose, TokenError};
use pages::{ManageView, PageContext, SubscribeView};

/// One address gets at most one mail from the form this often.
pub const MAIL_COOLDOWN_MINUTES: i64 = 5;
/// Addresses remembered for the cooldown; beyond this the oldest are forgotten.
const MAIL_COOLDOWN_ENTRIES: usize = 100_000;
/// Follows previewed at once from the subscribe form.
const PREVIEW_LINES: usize = 5;

/// A page refusing a request (boxed: a `Response` is large for an `Err`).
type Refusal = Box<Response>;

type IpLimiter = RateLimiter<
    IpAddr,
    governor::state::keyed::DefaultKeyedStateStore<IpAddr>,
    governor::clock::DefaultClock,
>;

/// The web front end's state.
pub struct Web {
    service: Arc<Service>,
    email: Option<Arc<Email>>,
    links: Arc<Links>,
    clock: Clock,
    trust_forwarded_for: bool,
    /// `scheme://host[:port]` of the base URL, what browsers send as `Origin`.
    origin: String,
    throttle: IpLimiter,
    /// When each address was last mailed from the form.
    mailed: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl Web {
    pub fn new(
        config: &WebConfig,
        service: Arc<Service>,
        email: Option<Arc<Email>>,
        links: Arc<Links>,
        clock: Clock,
    ) -> Web {
        let per_minute = NonZeroU32::new(config.posts_per_minute).unwrap_or(NonZeroU32::MIN);
        let origin = {
            let base = config.base_url.trim_end_matches('/');
            let host_end = base
                .split_once("://")
                .and_then(|(scheme, rest)| rest.find('/').map(|i| scheme.len() + 3 + i))
                .unwrap_or(base.len());
            base[..host_end].to_ascii_lowercase()
        };
        Web {
            service,
            email,
            links,
            clock,
            trust_forwarded_for: config.trust_forwarded_for,
            origin,
            throttle: RateLimiter::keyed(Quota::per_minute(per_minute)),
            mailed: Mutex::new(HashMap::new()),
        }
    }

    /// Serves until `shutdown` fires.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) {
        let local = listener.local_addr().ok();
        tracing::info!(listen = ?local, base_url = %self.links.url(""), "web: serving");
        let app = self.router();
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await;
        if let Err(err) = served {
            tracing::error!(error = %err, "web: the server failed");
        }
    }

    fn router(self: Arc<Self>) -> Router {
        let routes = Router::new()
            .route("/", get(subscribe_page))
            .route("/subscribe", get(subscribe_page).post(subscribe))
            .route("/confirm", get(confirm_page).post(confirm))
            .route("/manage", get(manage_page).post(manage))
            .route("/unsubscribe", get(unsubscribe_page).post(unsubscribe))
            .route("/search", get(search_page))
            .route("/related", get(related_page))
            .route("/api/search", get(api_search))
            .route("/api/related", get(api_related))
            .route("/api/preview", get(api_preview))
            .route("/static/app.css", get(stylesheet))
            .route("/static/app.js", get(script))
            .fallback(not_found)
            .layer(axum::middleware::from_fn(security_headers))
            .with_state(self.clone());
        match self.links.base_path() {
            "" => routes,
            path => Router::new().nest(path, routes),
        }
    }

    fn ctx(&self) -> PageContext<'_> {
        PageContext {
            base_path: self.links.base_path(),
        }
    }

    fn page(&self, status: StatusCode, title: &str, paragraphs: &[&str], extra: &str) -> Response {
        html(
            status,
            pages::message_page(&self.ctx(), title, paragraphs, extra),
        )
    }

    fn refuse(&self, status: StatusCode, title: &str, paragraphs: &[&str], extra: &str) -> Refusal {
        Box::new(self.page(status, title, paragraphs, extra))
    }

    fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        if self.trust_forwarded_for
            && let Some(ip) = headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok())
        {
            return ip;
        }
        peer.ip()
    }

    /// Per-client throttling of posts.
    fn throttle(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Refusal> {
        let ip = self.client_ip(peer, headers);
        if self.throttle.len() > 100_000 {
            self.throttle.retain_recent();
        }
        match self.throttle.check_key(&ip) {
            Ok(()) => Ok(()),
            Err(_) => {
                let mut response = self.page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Slow down",
                    &["Too many forms were sent from your address in the last minute. Wait a minute and try again."],
                    "",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
                Err(Box::new(response))
            }
        }
    }

    /// Refuses a post from another site. Browsers say where a request comes from in
    /// `Sec-Fetch-Site` (which pages cannot forge); older ones only in `Origin`.
    fn same_site(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let allowed = match fetch_site {
            Some(site) => {
                site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none")
            }
            None => origin.is_none_or(|origin| origin.eq_ignore_ascii_case(&self.origin)),
        };
        if !allowed {
            tracing::info!(
                origin = ?origin,
                fetch_site = ?fetch_site,
                expected = %self.origin,
                "web: refused a post from another site"
            );
            return Err(self.refuse(
                StatusCode::FORBIDDEN,
                "Refused",
                &["This form was sent from another site. Open the page on paperboy and try again."],
                "",
            ));
        }
        Ok(())
    }

    /// The CSRF checks for a form about `subject` ("" for the subscribe form).
    fn check_form(
        &self,
        headers: &HeaderMap,
        form_token: &str,
        subject: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        self.same_site(headers)?;
        match self.links.signer().verify(form_token, Purpose::Form, now) {
            Ok(claims) if claims.subject == subject => Ok(()),
            Err(TokenError::Expired { .. }) => Err(self.refuse(
                StatusCode::FORBIDDEN,
                "This form has expired",
                &["The page was open for a long time. Reload it and send the form again."],
                "",
            )),
            _ => Err(self.refuse(
                StatusCode::FORBIDDEN,
                "Refused",
                &["This form did not come from this page. Reload it and try again."],
                "",
            )),
        }
    }

    /// The claims of a link's token, or the page that says why not (403 tampered, 410
    /// expired).
    fn claims(
        &self,
        token: Option<&str>,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<Claims, Refusal> {
        let Some(token) = token else {
            return Err(Box::new(self.invalid_link()));
        };
        match self.links.signer().verify(token, purpose, now) {
            Ok(claims) => Ok(claims),
            Err(TokenError::Expired { .. }) => {
                let subscribe = pages::link(&self.links.url("/"), "the subscribe page");
                Err(self.refuse(
                    StatusCode::GONE,
                    "This link has expired",
                    &[match purpose {
                        Purpose::Confirm => "Confirmation links work for a limited time. Subscribe again and use the new link in the mail we send.",
                        _ => "Links in digests work for a limited time; the newest digest has fresh ones. Or enter your address on the subscribe page and we will mail you a new link.",
                    }],
                    &format!("<p>Go to {subscribe}.</p>"),
                ))
            }
            Err(TokenError::Invalid | TokenError::WrongPurpose) => {
                Err(Box::new(self.invalid_link()))
            }
        }
    }

    fn invalid_link(&self) -> Response {
        self.page(
            StatusCode::FORBIDDEN,
            "This link is not valid",
            &["The link is incomplete or was changed. Copy the whole link from the mail, or use the link in your newest digest."],
            "",
        )
    }

    fn store_failed(&self, err: &StoreError) -> Response {
        tracing::error!(error = %err, "web: store error");
        self.page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            &["paperboy could not save that. Try again in a minute."],
            "",
        )
    }

    /// Whether `email` may be mailed from the form now (and marks it mailed if so).
    fn may_mail(&self, email: &str, now: DateTime<Utc>) -> bool {
        let mut mailed = self.mailed.lock().unwrap_or_else(|e| e.into_inner());
        let horizon = now - chrono::Duration::minutes(MAIL_COOLDOWN_MINUTES);
        if mailed.len() >= MAIL_COOLDOWN_ENTRIES {
            mailed.retain(|_, at| *at > horizon);
        }
        if mailed.get(email).is_some_and(|at| *at > horizon) {
            return false;
        }
        if mailed.len() < MAIL_COOLDOWN_ENTRIES {
            mailed.insert(email.to_owned(), now);
        }
        true
    }

    fn limits(&self) -> FormLimits {
        let limits = self.service.command_limits();
        FormLimits {
            max_follows: limits.max_follows,
            max_query_chars: limits.max_query_chars,
        }
    }

    /// The subscribe form's answer: a confirmation mail for a new (or unsubscribed) address,
    /// the manage link for a subscribed one; the same page either way.
    async fn request_subscription(&self, form: &SubscribeForm, now: DateTime<Utc>) -> Response {
        let request = match check_subscribe_form(form, self.limits()) {
            Ok(request) => request,
            Err(errors) => {
                let token = self.links.form_token("", now);
                let view = SubscribeView {
                    email: &form.email,
                    follows: &form.follows,
                    schedule: &form.schedule,
                    time_zone: &form.time_zone,
                    form_token: &token,
                    errors: &errors,
                    preview: None,
                };
                return html(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    pages::subscribe_page(&self.ctx(), &view),
                );
            }
        };
        let check_inbox = || {
            self.page(
                StatusCode::OK,
                "Check your inbox",
                &[
                    &format!("We sent a mail to {}. Open the link in it to confirm; nothing else is sent until you do.", request.email),
                    "No mail within a few minutes? Look in the spam folder, or send the form again a little later.",
                ],
                "",
            )
        };
        if !self.may_mail(&request.email, now) {
            return check_inbox();
        }
        let Some(email) = &self.email else {
            return self.page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Mail is off",
                &["paperboy cannot send mail right now. Try again later."],
                "",
            );
        };
        let address = Address::Email {
            address: request.email.clone(),
        };
        let existing = match self.service.store().subscriber_by_address(&address) {
            Ok(existing) => existing,
            Err(err) => return self.store_failed(&err),
        };
        let outcome = match existing {
            Some(subscriber) if subscriber.active => {
                let url = self.links.manage(&request.email, now);
                let paragraphs = [format!(
                    "Someone, hopefully you, asked to subscribe {} to paperboy digests. This address already gets them, so nothing changed.",
                    request.email
                )];
                let notice = Notice {
                    heading: "You are already subscribed",
                    paragraphs: &paragraphs,
                    action_label: "Manage your subscription",
                    action_url: &url,
                    footnote: "Change your follows, schedule or time zone, pause, or unsubscribe there. If it was not you, ignore this mail.",
                };
                let subject = "Your paperboy subscription";
                let id = format!("manage-{}", random_hex());
                email
                    .send_notice(
                        &request.email,
                        subject,
                        render_notice(subject, &notice),
                        &id,
                    )
                    .await
            }
            _ => {
                let nonce = random_hex();
                let pending = PendingSubscription {
                    email: request.email.clone(),
                    nonce: nonce.clone(),
                    follows: request.follows.clone(),
                    schedule: request.schedule.clone(),
                    time_zone: request.time_zone.clone(),
                    requested_at: now,
                };
                let stored = self.service.store().put_pending_subscription(&pending);
                if let Err(err) = match stored {
                    Ok(()) => self.service.store().flush_async().await,
                    Err(err) => Err(err),
                } {
                    return self.store_failed(&err);
                }
                let url = self.links.confirm(&request.email, &nonce, now);
                let paragraphs = [
                    format!(
                        "Someone, hopefully you, asked for paperboy digests at {} following: {}.",
                        request.email,
                        request.follows.join("; ")
                    ),
                    format!("Schedule: {} ({}).", request.schedule, request.time_zone),
                ];
                let hours = self.links.confirm_ttl().num_hours();
                let footnote = format!(
                    "The link works for {hours} hours. If it was not you, ignore this mail: nothing will be sent."
                );
                let notice = Notice {
                    heading: "Confirm your subscription",
                    paragraphs: &paragraphs,
                    action_label: "Confirm subscription",
                    action_url: &url,
                    footnote: &footnote,
                };
                let subject = "Confirm your paperboy subscription";
                email
                    .send_notice(
                        &request.email,
                        subject,
                        render_notice(subject, &notice),
                        &format!("confirm-{nonce}"),
                    )
                    .await
            }
        };
        match outcome {
            DeliveryOutcome::Sent => check_inbox(),
            other => {
                tracing::warn!(outcome = ?other, "web: cannot send a sign-up mail");
                self.page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The mail could not be sent",
                    &["paperboy could not send the mail right now. Try again in a few minutes."],
                    "",
                )
            }
        }
    }

    async fn manage_view(
        &self,
        email: &str,
        token: &str,
        notice: Option<&str>,
        now: DateTime<Utc>,
    ) -> Response {
        let address = Address::Email {
            address: email.to_owned(),
        };
        let store = self.service.store();
        let subscriber = match store.subscriber_by_address(&address) {
            Ok(Some(subscriber)) => subscriber,
            Ok(None) => {
                let subscribe = pages::link(&self.links.url("/"), "Subscribe");
                return self.page(
                    StatusCode::NOT_FOUND,
                    "No subscription",
                    &[&format!("{email} has no paperboy subscription.")],
                    &format!("<p>{subscribe}</p>"),
                );
            }
            Err(err) => return self.store_failed(&err),
        };
        let follows: Vec<String> = match store.follows(subscriber.id) {
            Ok(follows) => follows.into_iter().map(|f| f.query).collect(),
            Err(err) => return self.store_failed(&err),
        };
        let form_token = self.links.form_token(email, now);
        let action_url = self.links.url(&format!("/manage?token={token}"));
        let view = ManageView {
            email,
            follows: &follows,
            schedule: &subscriber.schedule,
            time_zone: &subscriber.time_zone,
            paused: subscriber.paused,
            active: subscriber.active,
            action_url: &action_url,
            form_token: &form_token,
            notice,
        };
        html(StatusCode::OK, pages::manage_page(&self.ctx(), &view))
    }
}

/// 16 random bytes as hex, for nonces and message ids.
pub fn random_hex() -> String {
    random_bytes(16)
        .unwrap_or_default()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `n` random bytes from the system, or `None` when it has none to give.
pub fn random_bytes(n: usize) -> Option<Vec<u8>> {
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new().fill(&mut bytes).ok()?;
    Some(bytes)
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn security_headers(request: Request, next: Next) -> Response {
    let is_static = request.uri().path().contains("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Links carry tokens: never send them to another site as a Referer. (`no-referrer`
    // would also make browsers send `Origin: null` with our own forms.)
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[derive(Debug, Default, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct TextQuery {
    #[serde(default)]
    q: String,
}

#[derive(Debug, Default, Deserialize)]
struct SubscribePost {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    follows: String,
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    time_zone: String,
}

#[derive(Debug, Default, Deserialize)]
struct ConfirmPost {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Default, Deserialize)]
struct ManagePost {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    value: String,
}

async fn subscribe_page(State(web): State<Arc<Web>>) -> Response {
    let now = web.clock.now();
    let token = web.links.form_token("", now);
    let config = web.service.config();
    let view = SubscribeView {
        schedule: &config.digest.default_schedule,
        time_zone: &config.digest.default_time_zone,
        form_token: &token,
        ..SubscribeView::default()
    };
    html(StatusCode::OK, pages::subscribe_page(&web.ctx(), &view))
}

async fn subscribe(
    State(web): State<Arc<Web>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(post): Form<SubscribePost>,
) -> Response {
    let now = web.clock.now();
    if let Err(response) = web.throttle(peer, &headers) {
        return *response;
    }
    if let Err(response) = web.check_form(&headers, &post.form_token, "", now) {
        return *response;
    }
    let form = SubscribeForm {
        email: post.email,
        follows: post.follows,
        schedule: post.schedule,
        time_zone: post.time_zone,
    };
    if post.action == "preview" {
        let mut preview = Reply::new();
        for line in form
            .follows
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(PREVIEW_LINES)
        {
            match web.service.preview_reply(line, now) {
                Ok(reply) => preview.blocks.extend(reply.blocks),
                Err(err) => return web.store_failed(&err),
            }
        }
        let token = web.links.form_token("", now);
        let view = SubscribeView {
            email: &form.email,
            follows: &form.follows,
            schedule: &form.schedule,
            time_zone: &form.time_zone,
            form_token: &token,
            errors: &[],
            preview: Some(&preview),
        };
        return html(StatusCode::OK, pages::subscribe_page(&web.ctx(), &view));
    }
    web.request_subscription(&form, now).await
}

async fn confirm_page(State(web): State<Arc<Web>>, Query(query): Query<TokenQuery>) -> Response {
    let now = web.clock.now();
    let claims = match web.claims(query.token.as_deref(), Purpose::Confirm, now) {
        Ok(claims) => claims,
        Err(response) => return *response,
    };
    let pending = match web.service.store().pending_subscription(&claims.subject) {
        Ok(pending) => pending.filter(|p| p.nonce == claims.nonce),
        Err(err) => return web.store_failed(&err),
    };
    let Some(pending) = pending else {
        return used_link(&web);
    };
    let button = pages::button_form(
        &web.links.url("/confirm"),
        &[("token", query.token.as_deref().unwrap_or_default())],
        "Confirm subscription",
        "",
    );
    web.page(
        StatusCode::OK,
        "Confirm your subscription",
        &[
            &format!(
                "Digests for {} following: {}.",
                pending.email,
                pending.follows.join("; ")
            ),
            &format!("Schedule: {} ({}).", pending.schedule, pending.time_zone),
        ],
        &button,
    )
}

fn used_link(web: &Web) -> Response {
    web.page(
        StatusCode::GONE,
        "This link was already used",
        &["This confirmation link was used already, or a newer one replaced it. If you confirmed, your digests are on their way; each one has a link to manage them."],
        "",
    )
}

async fn confirm(
    State(web): State<Arc<Web>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(post): Form<ConfirmPost>,
) -> Response {
    let now = web.clock.now();
    if let Err(response) = web
        .throttle(peer, &headers)
        .and_then(|()| web.same_site(&headers))
    {
        return *response;
    }
    let claims = match web.claims(Some(&post.token), Purpose::Confirm, now) {
        Ok(claims) => claims,
        Err(response) => return *response,
    };
    let pending = match web
        .service
        .store()
        .take_pending_subscription(&claims.subject, &claims.nonce)
    {
        Ok(Some(pending)) => pending,
        Ok(None) => return used_link(&web),
        Err(err) => return web.store_failed(&err),
    };
    let address = Address::Email {
        address: pending.email.clone(),
    };
    let mut commands = vec![
        format!("/timezone {}", pending.time_zone),
        format!("/schedule {}", pending.schedule),
    ];
    commands.extend(
        pending
            .follows
            .iter()
            .map(|f| format!("/follow {}", one_line(f))),
    );
    for text in &commands {
        if let Err(err) = web.service.run_command(&address, text, now).await {
            return web.store_failed(&err);
        }
    }
    if let Ok(Some(subscriber)) = web.service.store().subscriber_by_address(&address)
        && subscriber.paused
        && let Err(err) = web.service.run_command(&address, "/resume", now).await
    {
        return web.store_failed(&err);
    }
    tracing::info!("web: subscription confirmed");
    let manage = pages::link(
        &web.links.manage(&pending.email, now),
        "Manage your subscription",
    );
    web.page(
        StatusCode::OK,
        "You are subscribed",
        &[
            &format!(
                "{} will get digests for: {}.",
                pending.email,
                pending.follows.join("; ")
            ),
            &format!("Schedule: {} ({}).", pending.schedule, pending.time_zone),
        ],
        &format!("<p>{manage}. Every digest has this link too.</p>"),
    )
}

async fn manage_page(State(web): State<Arc<Web>>, Query(query): Query<TokenQuery>) -> Response {
    let now = web.clock.now();
    let claims = match web.claims(query.token.as_deref(), Purpose::Manage, now) {
        Ok(claims) => claims,
        Err(response) => return *response,
    };
    web.manage_view(
        &claims.subject,
        query.token.as_deref().unwrap_or_default(),
        None,
        now,
    )
    .await
}

async fn manage(
    State(web): State<Arc<Web>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    Form(post): Form<ManagePost>,
) -> Response {
    let now = web.clock.now();
    if let Err(response) = web.throttle(peer, &headers) {
        return *response;
    }
    let claims = match web.claims(query.token.as_deref(), Purpose::Manage, now) {
        Ok(claims) => claims,
        Err(response) => return *response,
    };
    if let Err(response) = web.check_form(&headers, &post.form_token, &claims.subject, now) {
        return *response;
    }
    let email = claims.subject;
    let address = Address::Email {
        address: email.clone(),
    };
    let subscriber = match web.service.store().subscriber_by_address(&address) {
        Ok(Some(subscriber)) => subscriber,
        Ok(None) => return web.manage_view(&email, "", None, now).await,
        Err(err) => return web.store_failed(&err),
    };
    let value = one_line(&post.value);
    let command = match post.action.as_str() {
        // Any command would reactivate an unsubscribed address; only this one may.
        "resubscribe" => Some("/resume".to_owned()),
        _ if !subscriber.active => None,
        "follow" => Some(format!("/follow {value}")),
        "unfollow" if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) => {
            Some(format!("/unfollow {value}"))
        }
        "schedule" => Some(format!("/schedule {value}")),
        "timezone" => Some(format!("/timezone {value}")),
        "pause" => Some("/pause".to_owned()),
        "resume" => Some("/resume".to_owned()),
        _ => None,
    };
    let notice = if post.action == "unsubscribe" && subscriber.active {
        match web.service.unsubscribe(&address, now).await {
            Ok(_) => "You are unsubscribed. No more digests will be sent.".to_owned(),
            Err(err) => return web.store_failed(&err),
        }
    } else if let Some(command) = command {
        match web.service.run_command(&address, &command, now).await {
            Ok(reply) if post.action == "resubscribe" => {
                let _ = reply;
                "Welcome back: digests are on again.".to_owned()
            }
            Ok(reply) => reply.to_plain_text().trim().to_owned(),
            Err(err) => return web.store_failed(&err),
        }
    } else if !subscriber.active {
        "You are unsubscribed.".to_owned()
    } else {
        "Nothing changed.".to_owned()
    };
    web.manage_view(
        &email,
        query.token.as_deref().unwrap_or_default(),
        Some(&notice),
        now,
    )
    .await
}

async fn unsubscribe_page(
    State(web): State<Arc<Web>>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let now = web.clock.now();
    let claims = match web.claims(query.token.as_deref(), Purpose::Unsubscribe, now) {
        Ok(claims) => claims,
        Err(response) => return *response,
    };
    let token = query.token.unwrap_or_default();
    // The form posts what a mail client's one-click POST sends, to the same URL.
    let button = pages::button_form(
        &web.links.url(&format!("/unsubscribe?token={token}")),
        &[("List-Unsubscribe", "One-Click")],
        "Unsubscribe",
        "danger",
    );
    web.page(
        StatusCode::OK,
        "Unsubscribe?",
        &[&format!("Stop all paperboy digests to {}?", claims.subject)],
        &button,
    )
}

/// RFC 8058: a POST to the List-Unsubscribe URL unsubscribes, with no cookie, form token or
/// redirect; the signed token in the URL is the authority.
async fn unsubscribe(State(web): State<Arc<Web>>, Query(query): Query<TokenQuery>) -> Response {
    let now = web.clock.now();
    let claims = match web.claims(query.token.as_deref(), Purpose::Unsubscribe, now) {
        Ok(claims) => claims,
        Err(response) => return *response,
    };
    let address = Address::Email {
        address: claims.subject.clone(),
    };
    if let Err(err) = web.service.unsubscribe(&address, now).await {
        return web.store_failed(&err);
    }
    let again = pages::link(&web.links.url("/"), "subscribe again");
    web.page(
        StatusCode::OK,
        "You are unsubscribed",
        &[&format!(
            "{} gets no more paperboy digests.",
            claims.subject
        )],
        &format!("<p>Changed your mind? You can {again} at any time.</p>"),
    )
}

async fn search_page(State(web): State<Arc<Web>>, Query(query): Query<TextQuery>) -> Response {
    let now = web.clock.now();
    let text = one_line(&query.q);
    let reply = if text.is_empty() {
        None
    } else {
        match web.service.search_reply(&text, now).await {
            Ok(reply) => Some(reply),
            Err(err) => return web.store_failed(&err),
        }
    };
    html(
        StatusCode::OK,
        pages::search_page(&web.ctx(), false, &text, reply.as_ref()),
    )
}

async fn related_page(State(web): State<Arc<Web>>, Query(query): Query<TextQuery>) -> Response {
    let now = web.clock.now();
    let text = one_line(&query.q);
    let reply = if text.is_empty() {
        None
    } else {
        match command::parse(&format!("/related {text}"), &web.service.command_limits()) {
            Ok(Command::Related { target }) => {
                match web.service.related_reply(&target, now).await {
                    Ok(reply) => Some(reply),
                    Err(err) => return web.store_failed(&err),
                }
            }
            Ok(_) => None,
            Err(err) => Some(err.to_reply()),
        }
    };
    html(
        StatusCode::OK,
        pages::search_page(&web.ctx(), true, &text, reply.as_ref()),
    )
}

fn api_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn paper_json(paper: &crate::paper::Paper, score: f32) -> serde_json::Value {
    let item = crate::digest::paper_item(paper, &[]).ok();
    json!({
        "id": paper.id.to_string(),
        "title": item.as_ref().map_or_else(|| paper.title.clone(), |i| i.title.clone()),
        "authors": item.as_ref().map(|i| i.authors.clone()),
        "url": paper.abs_url(),
        "upvotes": item.as_ref().and_then(|i| i.upvotes),
        "snippet": item.as_ref().map(|i| i.snippet.clone()),
        "score": score,
    })
}

/// `GET /api/search?q=QUERY`: `{query, total, results: [{id, title, authors, url, score, ...}]}`.
async fn api_search(State(web): State<Arc<Web>>, Query(query): Query<TextQuery>) -> Response {
    let now = web.clock.now();
    let limits = web.service.command_limits();
    let parsed = match FollowQuery::parse(&one_line(&query.q), limits.max_query_chars) {
        Ok(parsed) => parsed,
        Err(err) => return api_error(StatusCode::BAD_REQUEST, &err.to_string()),
    };
    match web
        .service
        .search(&parsed, web.service.config().limits.search_results, now)
        .await
    {
        Ok(answer) => Json(json!({
            "query": parsed.normalized(),
            "total": answer.total,
            "recent_only": answer.recent_only,
            "results": answer.matches.iter().map(|(p, score)| paper_json(p, *score)).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "web: search failed");
            api_error(StatusCode::SERVICE_UNAVAILABLE, "search is unavailable right now")
        }
    }
}

/// `GET /api/related?q=ID|LINK|TEXT`: `{query, results: [{id, ..., shared_terms}]}`.
async fn api_related(State(web): State<Arc<Web>>, Query(query): Query<TextQuery>) -> Response {
    let now = web.clock.now();
    let text = one_line(&query.q);
    let target = match command::parse(&format!("/related {text}"), &web.service.command_limits()) {
        Ok(Command::Related { target }) => target,
        Ok(_) => return api_error(StatusCode::BAD_REQUEST, "give an arXiv id, a link or words"),
        Err(err) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                err.to_reply().to_plain_text().trim(),
            );
        }
    };
    let top = web.service.config().limits.related_results;
    match web.service.related(&target, top, now).await {
        Ok(RelatedOutcome::Answer(answer)) => Json(json!({
            "query": text,
            "results": answer.results.iter().map(|(paper, related)| {
                let mut value = paper_json(paper, related.score);
                value["shared_terms"] = json!(related.shared_terms);
                value
            }).collect::<Vec<_>>(),
        }))
        .into_response(),
        Ok(RelatedOutcome::Unknown { reason, .. }) => api_error(StatusCode::NOT_FOUND, &reason),
        Err(err) => {
            tracing::error!(error = %err, "web: related failed");
            api_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "related papers are unavailable right now",
            )
        }
    }
}

/// `GET /api/preview?q=QUERY`: `{summary}`, the `/preview` heading (match counts).
async fn api_preview(State(web): State<Arc<Web>>, Query(query): Query<TextQuery>) -> Response {
    let now = web.clock.now();
    let text = one_line(&query.q);
    let limits = web.service.command_limits();
    if let Err(err) = FollowQuery::parse(&text, limits.max_query_chars) {
        return Json(json!({ "summary": format!("{text}: {err}") })).into_response();
    }
    match web.service.preview_reply(&text, now) {
        Ok(reply) => {
            let summary = reply
                .to_plain_text()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            Json(json!({ "summary": summary })).into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "web: preview failed");
            api_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "preview is unavailable right now",
            )
        }
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        pages::STYLESHEET,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        pages::SCRIPT,
    )
        .into_response()
}

async fn not_found(State(web): State<Arc<Web>>) -> Response {
    let home = pages::link(&web.links.url("/"), "the subscribe page");
    web.page(
        StatusCode::NOT_FOUND,
        "Not found",
        &["There is no such page."],
        &format!("<p>Go to {home}.</p>"),
    )
}
