//! Getting the bytes of a source: the only place paperboy speaks HTTP or reads a source file.
//!
//! Every fetch is polite and bounded: one shared `reqwest` client with timeouts, a redirect
//! limit that also refuses redirects to non-public addresses on another host (named by
//! address, or by a name that resolves to one), and our
//! User-Agent; conditional GETs; a body cap enforced while reading (so a gzip
//! bomb or a huge body never sits in memory); retries with jittered backoff that honour
//! `Retry-After` and Hugging Face's `RateLimit` header; and an optional [`HostGate`] that paces
//! and serialises everything sent to one host family (arXiv). It depends on reqwest, tokio
//! (time and fs), chrono (HTTP dates) and fastrand (jitter), and on nothing else in the crate:
//! callers keep the [`Validators`] between polls and parse the bytes themselves.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

/// Limits and manners of every fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    pub user_agent: String,
    pub connect_timeout: Duration,
    /// Covers the whole request: connecting, waiting for headers and reading the body.
    pub request_timeout: Duration,
    /// The most bytes a body may have after decompression, and the most a file may have.
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    /// Retries after the first attempt; a fetch makes at most `max_retries + 1` requests.
    pub max_retries: u32,
    /// The backoff before retry `n` (from 0) is uniformly random in `0..=base * 2^n`.
    pub retry_base_delay: Duration,
    /// The longest single wait paperboy accepts, whether asked for by a server or by backoff.
    /// A server asking for longer fails the fetch at once: a 429 with
    /// [`FetchError::RateLimited`], a 503 with [`FetchError::Status`].
    pub max_retry_wait: Duration,
}

impl Default for FetchPolicy {
    fn default() -> FetchPolicy {
        FetchPolicy {
            user_agent: format!(
                "paperboy/{} (+https://github.com/paperboy-bot/paperboy)",
                env!("CARGO_PKG_VERSION")
            ),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 20 * 1024 * 1024,
            max_redirects: 5,
            max_retries: 3,
            retry_base_delay: Duration::from_secs(1),
            max_retry_wait: Duration::from_secs(5 * 60),
        }
    }
}

/// Conditional-GET validators remembered per location between fetches.
///
/// For files, `last_modified` holds the file's modification time and length
/// (`mtime=<secs>.<nanos> len=<bytes>`) rather than an HTTP date.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What a successful fetch produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The validators still match: the caller's previous copy is current.
    NotModified,
    /// A fresh body, with the validators to send next time.
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

/// Why a fetch failed. Each message names the URL or path.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{location:?} is not a URL or path that can be fetched: {reason}")]
    BadLocation { location: String, reason: String },
    #[error("{location}: unsupported URL scheme {scheme:?} (expected http, https or file)")]
    UnsupportedScheme { location: String, scheme: String },
    /// A 4xx other than 429, or a 5xx that lasted through every retry.
    #[error("{url} answered HTTP {status}")]
    Status { url: Url, status: StatusCode },
    /// A 429 that asked for a longer wait than we accept, or that lasted through every retry.
    #[error("{url} is rate limiting us{}", describe_wait(*retry_after))]
    RateLimited {
        url: Url,
        retry_after: Option<Duration>,
    },
    #[error("{url} timed out")]
    Timeout { url: Url },
    /// Connecting failed, or the connection broke or delivered garbage mid-response.
    #[error("{url} could not be fetched: {reason}")]
    Connection { url: Url, reason: String },
    #[error("{location} is larger than the limit of {limit} bytes")]
    TooLarge { location: String, limit: u64 },
    #[error("{url} redirected more than {limit} times")]
    TooManyRedirects { url: Url, limit: usize },
    /// A redirect to another host whose address is loopback, private, link-local (cloud
    /// metadata) or otherwise not public; the configured URL itself may be anywhere.
    #[error("{url} redirected to {target}, which is not a public address; not followed")]
    RedirectToPrivateAddress { url: Url, target: String },
    #[error("cannot read {}: {error}", path.display())]
    File {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The policy itself is unusable (for instance a User-Agent that is not a valid header).
    #[error("cannot build the HTTP client: {reason}")]
    ClientSetup { reason: String },
}

fn describe_wait(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(" (asked to wait {} s)", wait.as_secs()),
        None => String::new(),
    }
}

impl FetchError {
    /// Whether the same fetch may succeed later without anyone changing the configuration:
    /// server errors, rate limits, timeouts and broken connections. These are also the
    /// failures [`Fetcher::get`] retries.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => status.is_server_error(),
            FetchError::RateLimited { .. }
            | FetchError::Timeout { .. }
            | FetchError::Connection { .. } => true,
            FetchError::BadLocation { .. }
            | FetchError::UnsupportedScheme { .. }
            | FetchError::TooLarge { .. }
            | FetchError::TooManyRedirects { .. }
            | FetchError::RedirectToPrivateAddress { .. }
            | FetchError::File { .. }
            | FetchError::ClientSetup { .. } => false,
        }
    }
}

/// One host's manners: at most one request start every `min_interval`, and never two requests
/// in flight, for everything that shares the gate (arXiv asks for one request every 3 s and
/// one connection at a time across all its hosts). Share it with `Arc`.
#[derive(Debug)]
pub struct HostGate {
    min_interval: Duration,
    /// When the next request may start (`None` before the first). Holding this lock is holding
    /// the gate; tokio's mutex is fair, so waiting fetches go through in arrival order.
    next_start_at: Mutex<Option<Instant>>,
}

impl HostGate {
    pub fn new(min_interval: Duration) -> HostGate {
        HostGate {
            min_interval,
            next_start_at: Mutex::new(None),
        }
    }

    pub fn min_interval(&self) -> Duration {
        self.min_interval
    }

    /// Waits for our turn and for the pacing interval, then returns the pass that keeps
    /// everyone else out until it is dropped.
    async fn enter(&self) -> GatePass<'_> {
        let mut next_start_at = self.next_start_at.lock().await;
        if let Some(at) = *next_start_at {
            tokio::time::sleep_until(at).await;
        }
        *next_start_at = Some(Instant::now() + self.min_interval);
        GatePass { next_start_at }
    }
}

/// Proof of holding a [`HostGate`]; one request may be in flight while it lives.
struct GatePass<'a> {
    next_start_at: MutexGuard<'a, Option<Instant>>,
}

impl GatePass<'_> {
    /// Keeps every user of the gate back until `at`, because the host asked us all to wait.
    fn hold_off_until(&mut self, at: Instant) {
        if self.next_start_at.is_none_or(|next| next < at) {
            *self.next_start_at = Some(at);
        }
    }
}

/// Fetches URLs and files under one [`FetchPolicy`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<FetcherInner>,
}

#[derive(Debug)]
struct FetcherInner {
    client: reqwest::Client,
    policy: FetchPolicy,
    /// `Authorization: Bearer` values by URL prefix (e.g. a Hugging Face token for its API).
    /// reqwest drops the header on redirects to another host, so a token never leaves it.
    bearer_tokens: Vec<(String, HeaderValue)>,
    resolver: Arc<GuardedResolver>,
}

/// Where a location string points.
#[derive(Debug, PartialEq)]
enum Location {
    Http(Url),
    File(PathBuf),
}

/// One failed attempt: the error to report, and how long the server asked us to wait.
struct FailedAttempt {
    error: FetchError,
    server_wait: Option<Duration>,
}

impl From<FetchError> for FailedAttempt {
    fn from(error: FetchError) -> FailedAttempt {
        FailedAttempt {
            error,
            server_wait: None,
        }
    }
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Result<Fetcher, FetchError> {
        Fetcher::with_resolver(policy, GuardedResolver::default())
    }

    fn with_resolver(
        policy: FetchPolicy,
        resolver: GuardedResolver,
    ) -> Result<Fetcher, FetchError> {
        let resolver = Arc::new(resolver);
        let user_agent =
            HeaderValue::from_str(&policy.user_agent).map_err(|err| FetchError::ClientSetup {
                reason: format!("user agent {:?}: {err}", policy.user_agent),
            })?;
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .redirect(redirect_policy(policy.max_redirects))
            .dns_resolver(resolver.clone())
            .gzip(true)
            .build()
            .map_err(|err| FetchError::ClientSetup {
                reason: root_cause(&err),
            })?;
        Ok(Fetcher {
            inner: Arc::new(FetcherInner {
                client,
                policy,
                bearer_tokens: Vec::new(),
                resolver,
            }),
        })
    }

    /// Sends `token` as a bearer token on every request whose URL starts with `url_prefix`.
    /// The header value is marked sensitive so it stays out of debug output.
    pub fn with_bearer_token(self, url_prefix: &str, token: &str) -> Result<Fetcher, FetchError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            FetchError::ClientSetup {
                reason: format!("the token for {url_prefix} is not a valid header value"),
            }
        })?;
        value.set_sensitive(true);
        let mut inner = FetcherInner {
            client: self.inner.client.clone(),
            policy: self.inner.policy.clone(),
            bearer_tokens: self.inner.bearer_tokens.clone(),
            resolver: self.inner.resolver.clone(),
        };
        inner.bearer_tokens.push((url_prefix.to_owned(), value));
        Ok(Fetcher {
            inner: Arc::new(inner),
        })
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.inner.policy
    }

    /// Fetches `location`: an http(s) URL, a `file://` URL or a plain filesystem path.
    ///
    /// With `validators` from an earlier fetch, an unchanged document yields
    /// [`Fetched::NotModified`]. HTTP requests go through `gate` when given, retries included;
    /// files never do.
    pub async fn get(
        &self,
        location: &str,
        validators: Option<&Validators>,
        gate: Option<&HostGate>,
    ) -> Result<Fetched, FetchError> {
        match parse_location(location)? {
            Location::Http(url) => self.get_http(&url, validators, gate).await,
            Location::File(path) => {
                read_file(&path, validators, self.inner.policy.max_body_bytes).await
            }
        }
    }

    async fn get_http(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        gate: Option<&HostGate>,
    ) -> Result<Fetched, FetchError> {
        let policy = &self.inner.policy;
        // A host paperboy was told to fetch may be anywhere; only names reached by a redirect
        // must resolve to public addresses.
        if let Some(host) = url.host_str() {
            self.inner.resolver.trust(host);
        }
        // Counts requests made, from 1; retry number `attempt - 1` follows a failed one.
        let mut attempt: u32 = 1;
        loop {
            tracing::debug!(url = %url, attempt, "fetching");
            let failed = match self.try_once(url, validators, gate).await {
                Ok(fetched) => return Ok(fetched),
                Err(failed) => failed,
            };
            let status = match &failed.error {
                FetchError::Status { status, .. } => Some(status.as_u16()),
                FetchError::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS.as_u16()),
                _ => None,
            };
            let give_up = !failed.error.is_transient()
                || attempt > policy.max_retries
                || failed
                    .server_wait
                    .is_some_and(|wait| wait > policy.max_retry_wait);
            if give_up {
                // The caller reports the error; this only adds the attempt count for debugging.
                tracing::debug!(
                    url = %url, status, attempt, error = %failed.error,
                    "fetch failed; not retrying"
                );
                return Err(failed.error);
            }
            let wait = failed.server_wait.unwrap_or_else(|| {
                backoff(policy.retry_base_delay, attempt - 1, policy.max_retry_wait)
            });
            let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            tracing::warn!(
                url = %url, status, attempt, wait_ms, error = %failed.error,
                "fetch failed; retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One request, holding the gate from just before sending until the body is read.
    async fn try_once(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        gate: Option<&HostGate>,
    ) -> Result<Fetched, FailedAttempt> {
        let policy = &self.inner.policy;
        let mut pass = match gate {
            Some(gate) => Some(gate.enter().await),
            None => None,
        };
        let mut request = self.inner.client.get(url.clone());
        let bearer = self
            .inner
            .bearer_tokens
            .iter()
            .find(|(prefix, _)| url.as_str().starts_with(prefix.as_str()));
        if let Some((_, token)) = bearer {
            request = request.header(reqwest::header::AUTHORIZATION, token.clone());
        }
        if let Some(validators) = validators {
            request = request.headers(conditional_headers(validators));
        }
        let mut response = request
            .send()
            .await
            .map_err(|err| transport_error(url, err, policy))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if status.is_success() {
            let validators = response_validators(response.headers());
            let bytes = read_capped_body(&mut response, url, policy).await?;
            return Ok(Fetched::Body { bytes, validators });
        }

        let server_wait = if status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::SERVICE_UNAVAILABLE
        {
            server_requested_wait(response.headers(), Utc::now())
        } else {
            None
        };
        if let (Some(pass), Some(wait)) = (pass.as_mut(), server_wait) {
            // Only a wait we will honour holds the gate back; a longer one fails this fetch
            // and should not stall unrelated fetches for hours.
            if wait <= policy.max_retry_wait {
                pass.hold_off_until(Instant::now() + wait);
            }
        }
        let error = if status == StatusCode::TOO_MANY_REQUESTS {
            FetchError::RateLimited {
                url: url.clone(),
                retry_after: server_wait,
            }
        } else {
            FetchError::Status {
                url: url.clone(),
                status,
            }
        };
        Err(FailedAttempt { error, server_wait })
    }
}

/// Reads the body chunk by chunk (after gzip decoding), failing as soon as it passes the cap.
async fn read_capped_body(
    response: &mut reqwest::Response,
    url: &Url,
    policy: &FetchPolicy,
) -> Result<Vec<u8>, FetchError> {
    let limit = policy.max_body_bytes;
    let too_large = || FetchError::TooLarge {
        location: url.to_string(),
        limit,
    };
    // Only known for identity-encoded bodies; reqwest hides it when it decompresses.
    let announced = response.content_length();
    if announced.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(usize::try_from(announced.unwrap_or(0)).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| transport_error(url, err, policy))?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn conditional_headers(validators: &Validators) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let wanted = [
        (header::IF_NONE_MATCH, &validators.etag),
        (header::IF_MODIFIED_SINCE, &validators.last_modified),
    ];
    for (name, value) in wanted {
        let Some(value) = value else { continue };
        // A stored value that is not a valid header (say, from a hand-edited store) only
        // costs us an unconditional fetch.
        match HeaderValue::from_str(value) {
            Ok(value) => {
                headers.insert(name, value);
            }
            Err(_) => tracing::debug!(header = %name, value, "skipping invalid validator"),
        }
    }
    headers
}

fn response_validators(headers: &HeaderMap) -> Validators {
    let text = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    Validators {
        etag: text(header::ETAG),
        last_modified: text(header::LAST_MODIFIED),
    }
}

/// Follows up to `max_redirects` redirects, except to another host named by a non-public IP
/// address or `localhost`: a public feed that redirects there is trying to reach the machine's
/// own services or a cloud metadata endpoint. Redirects within the configured host are
/// followed wherever it is, so a source configured on loopback (tests, a local mirror) works.
/// Host names are checked when they are resolved, by [`GuardedResolver`].
fn redirect_policy(max_redirects: usize) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max_redirects {
            return attempt.error(TooManyRedirectsMarker);
        }
        let configured_host = attempt.previous().first().and_then(Url::host_str);
        let target = attempt.url();
        if target.host_str() != configured_host && !is_public_host(target) {
            let target = target.to_string();
            return attempt.error(PrivateRedirect { target });
        }
        attempt.follow()
    })
}

/// The policy's error for too many redirects; reqwest marks it as a redirect error, which
/// [`transport_error`] reports as [`FetchError::TooManyRedirects`].
#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
struct TooManyRedirectsMarker;

/// The policy's error for a refused target; [`transport_error`] finds it among the sources.
#[derive(Debug, thiserror::Error)]
#[error("redirect to the non-public address {target}")]
struct PrivateRedirect {
    target: String,
}

/// Whether a URL's host may be a redirect's target: a name other than `localhost` (names
/// are checked again when resolved, by [`GuardedResolver`]), or a global IP address.
fn is_public_host(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => is_public_ip(ip),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name != "localhost" && !name.ends_with(".localhost")
        }
    }
}

/// Whether `ip` is a global address: not loopback, private, link-local (cloud metadata),
/// shared (carrier-grade NAT), unique-local, multicast, documentation or reserved.
fn is_public_ip(ip: IpAddr) -> bool {
    use std::net::{Ipv4Addr, Ipv6Addr};
    fn public_v4(ip: Ipv4Addr) -> bool {
        let [a, b, ..] = ip.octets();
        !(ip.is_unspecified()
            || ip.is_loopback()
            || ip.is_private()
            || ip.is_link_local()
            || ip.is_broadcast()
            || ip.is_documentation()
            || ip.is_multicast()
            || a == 0
            // Shared address space (carrier-grade NAT), 100.64.0.0/10.
            || (a == 100 && (64..128).contains(&b))
            // Reserved, 240.0.0.0/4.
            || a >= 240)
    }
    fn public_v6(ip: Ipv6Addr) -> bool {
        if let Some(v4) = ip.to_ipv4_mapped() {
            return public_v4(v4);
        }
        let first = ip.segments()[0];
        !(ip.is_unspecified()
            || ip.is_loopback()
            || ip.is_multicast()
            // Unique local fc00::/7 and link-local fe80::/10.
            || (first & 0xfe00) == 0xfc00
            || (first & 0xffc0) == 0xfe80)
    }
    match ip {
        IpAddr::V4(ip) => public_v4(ip),
        IpAddr::V6(ip) => public_v6(ip),
    }
}

/// The client's DNS resolver. Hosts paperboy fetched directly (its configured sources) may
/// resolve anywhere, as a local mirror does; any other name, which only a redirect can
/// bring, must resolve to public addresses only. Checking the answer that is actually
/// connected to closes the gap a name check leaves: a public name pointed at 10.0.0.1 or at
/// a cloud metadata address.
#[derive(Debug, Default)]
struct GuardedResolver {
    /// Lower-case host names requested directly; bounded by the configuration.
    trusted: RwLock<HashSet<String>>,
    /// Fixed answers used instead of the system resolver (tests).
    fixed: HashMap<String, Vec<IpAddr>>,
}

impl GuardedResolver {
    fn trust(&self, host: &str) {
        let host = normal_host(host);
        let known = self.trusted.read().is_ok_and(|set| set.contains(&host));
        if !known && let Ok(mut set) = self.trusted.write() {
            set.insert(host);
        }
    }

    fn is_trusted(&self, host: &str) -> bool {
        self.trusted.read().is_ok_and(|set| set.contains(host))
    }
}

fn normal_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The resolver's refusal; [`transport_error`] finds it among the sources.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to the non-public address {address}")]
struct NonPublicResolution {
    host: String,
    address: IpAddr,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = normal_host(name.as_str());
        let trusted = self.is_trusted(&host);
        let fixed = self.fixed.get(&host).cloned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = match fixed {
                Some(ips) => ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect(),
                // reqwest sets the port itself; 0 is what its own resolver passes too.
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            if !trusted && let Some(bad) = addresses.iter().find(|a| !is_public_ip(a.ip())) {
                return Err(Box::new(NonPublicResolution {
                    host,
                    address: bad.ip(),
                })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn transport_error(url: &Url, error: reqwest::Error, policy: &FetchPolicy) -> FetchError {
    if let Some(refused) = find_source::<PrivateRedirect>(&error) {
        return FetchError::RedirectToPrivateAddress {
            url: url.clone(),
            target: refused.target.clone(),
        };
    }
    if let Some(refused) = find_source::<NonPublicResolution>(&error) {
        return FetchError::RedirectToPrivateAddress {
            url: url.clone(),
            target: format!("{} (resolves to {})", refused.host, refused.address),
        };
    }
    if error.is_timeout() {
        FetchError::Timeout { url: url.clone() }
    } else if error.is_redirect() {
        FetchError::TooManyRedirects {
            url: url.clone(),
            limit: policy.max_redirects,
        }
    } else if error.is_builder() {
        FetchError::BadLocation {
            location: url.to_string(),
            reason: root_cause(&error),
        }
    } else {
        FetchError::Connection {
            url: url.clone(),
            reason: root_cause(&error),
        }
    }
}

fn find_source<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(found) = current.downcast_ref::<E>() {
            return Some(found);
        }
        cause = current.source();
    }
    None
}

/// The innermost error's message: reqwest's own top level only repeats the URL.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// Full-jitter exponential backoff before retry number `retry` (from 0).
fn backoff(base: Duration, retry: u32, max_wait: Duration) -> Duration {
    let ceiling = base
        .saturating_mul(2u32.saturating_pow(retry))
        .min(max_wait);
    let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(fastrand::u64(0..=ceiling_ms))
}

/// How long the server asked us to wait: `Retry-After` (seconds or an HTTP date), else the
/// IETF `RateLimit` header as Hugging Face sends it (`"api";r=0;t=42`, t in seconds until the
/// quota resets), else `RateLimit-Reset` (seconds).
fn server_requested_wait(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(wait) = text("retry-after").and_then(|value| parse_retry_after(value, now)) {
        return Some(wait);
    }
    if let Some(wait) = text("ratelimit").and_then(parse_ratelimit) {
        return Some(wait);
    }
    text("ratelimit-reset")
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    // A date in the past means "now".
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// Parses `RateLimit: "api";r=0;t=42` (several comma-separated policies allowed). The reset of
/// an exhausted policy (`r=0`) is what we wait for; without one, the longest reset.
fn parse_ratelimit(value: &str) -> Option<Duration> {
    let mut exhausted_reset: Option<u64> = None;
    let mut any_reset: Option<u64> = None;
    for policy in value.split(',') {
        let mut remaining = None;
        let mut reset = None;
        for parameter in policy.split(';') {
            let Some((key, number)) = parameter.split_once('=') else {
                continue;
            };
            let number = number.trim().parse::<u64>().ok();
            match key.trim() {
                "r" | "remaining" => remaining = number,
                "t" | "reset" => reset = number,
                _ => {}
            }
        }
        if let Some(reset) = reset {
            any_reset = any_reset.max(Some(reset));
            if remaining == Some(0) {
                exhausted_reset = exhausted_reset.max(Some(reset));
            }
        }
    }
    exhausted_reset.or(any_reset).map(Duration::from_secs)
}

fn parse_location(location: &str) -> Result<Location, FetchError> {
    let bad = |reason: String| FetchError::BadLocation {
        location: location.to_owned(),
        reason,
    };
    if location.trim().is_empty() {
        return Err(bad("it is empty".to_owned()));
    }
    // Anything without a URL scheme is a path. A one-letter "scheme" is a Windows drive
    // (`C:\feeds\x.json`).
    let has_scheme = location.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if !has_scheme {
        return Ok(Location::File(PathBuf::from(location)));
    }
    let url = Url::parse(location).map_err(|err| bad(err.to_string()))?;
    match url.scheme() {
        "http" | "https" => Ok(Location::Http(url)),
        "file" => url
            .to_file_path()
            .map(Location::File)
            .map_err(|()| bad("a file URL must be an absolute local path".to_owned())),
        scheme => Err(FetchError::UnsupportedScheme {
            location: location.to_owned(),
            scheme: scheme.to_owned(),
        }),
    }
}

/// Reads a whole file of at most `limit` bytes; its modification time and length stand in
/// for an HTTP validator.
async fn read_file(
    path: &Path,
    validators: Option<&Validators>,
    limit: u64,
) -> Result<Fetched, FetchError> {
    let io_error = |error| FetchError::File {
        path: path.to_owned(),
        error,
    };
    let too_large = || FetchError::TooLarge {
        location: path.display().to_string(),
        limit,
    };
    let file = tokio::fs::File::open(path).await.map_err(io_error)?;
    // Metadata of the open handle, so the version describes the file we read.
    let metadata = file.metadata().await.map_err(io_error)?;
    if metadata.len() > limit {
        return Err(too_large());
    }
    let version = file_version(&metadata);
    if version.is_some() && validators.and_then(|v| v.last_modified.as_ref()) == version.as_ref() {
        return Ok(Fetched::NotModified);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // The file may grow after the metadata was read, so the read is bounded too.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .await
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(Fetched::Body {
        bytes,
        validators: Validators {
            etag: None,
            last_modified: version,
        },
    })
}

/// `mtime=<secs>.<nanos> len=<bytes>`, or `None` where the platform has no usable mtime
/// (then every read is a fresh body).
fn file_version(metadata: &std::fs::Metadata) -> Option<String> {
    let modified = metadata
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "mtime={}.{:09} len={}",
        modified.as_secs(),
        modified.subsec_nanos(),
        metadata.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn check_wait(headers: &[(&'static str, &str)], expected_secs: Option<u64>) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        assert_eq!(
            server_requested_wait(&map, now()),
            expected_secs.map(Duration::from_secs),
            "headers {headers:?}"
        );
    }

    #[test]
    fn server_requested_wait_reads_every_header_form() {
        check_wait(&[], None);
        check_wait(&[("retry-after", "7")], Some(7));
        check_wait(&[("retry-after", " 120 ")], Some(120));
        check_wait(
            &[("retry-after", "Sun, 01 Mar 2026 12:01:30 GMT")],
            Some(90),
        );
        check_wait(&[("retry-after", "Sun, 01 Mar 2026 11:00:00 GMT")], Some(0));
        check_wait(&[("retry-after", "soon")], None);
        check_wait(&[("ratelimit", r#""api";r=0;t=42"#)], Some(42));
        check_wait(
            &[("ratelimit", r#""api";r=0;t=42, "pages";r=90;t=200"#)],
            Some(42),
        );
        check_wait(&[("ratelimit", r#""api";r=5;t=12"#)], Some(12));
        check_wait(
            &[("ratelimit", "limit=100, remaining=0, reset=30")],
            Some(30),
        );
        check_wait(&[("ratelimit", r#""api";r=0"#)], None);
        check_wait(&[("ratelimit-reset", "42")], Some(42));
        check_wait(
            &[("retry-after", "5"), ("ratelimit", r#""api";r=0;t=42"#)],
            Some(5),
        );
        check_wait(
            &[("retry-after", "junk"), ("ratelimit-reset", "9")],
            Some(9),
        );
    }

    fn check_location(input: &str, expected: Result<Location, &str>) {
        let actual = parse_location(input).map_err(|err| err.to_string());
        assert_eq!(actual, expected.map_err(str::to_owned), "input {input:?}");
    }

    #[test]
    fn locations_are_urls_or_paths() {
        let url = |s: &str| Location::Http(Url::parse(s).unwrap());
        let path = |s: &str| Location::File(PathBuf::from(s));
        check_location(
            "https://export.arxiv.org/api/query?x=1",
            Ok(url("https://export.arxiv.org/api/query?x=1")),
        );
        check_location("HTTP://example.org/a", Ok(url("http://example.org/a")));
        check_location(
            "file:///var/lib/paperboy/x.json",
            Ok(path("/var/lib/paperboy/x.json")),
        );
        check_location(
            "/var/lib/paperboy/x.json",
            Ok(path("/var/lib/paperboy/x.json")),
        );
        check_location("samples/x.jsonl", Ok(path("samples/x.jsonl")));
        check_location(r"C:\feeds\x.json", Ok(path(r"C:\feeds\x.json")));
        check_location(
            "mailto:someone@example.org",
            Err(
                r#"mailto:someone@example.org: unsupported URL scheme "mailto" (expected http, https or file)"#,
            ),
        );
        check_location(
            "ftp://example.org/x",
            Err(
                r#"ftp://example.org/x: unsupported URL scheme "ftp" (expected http, https or file)"#,
            ),
        );
        check_location(
            "http://[::1/x",
            Err(
                r#""http://[::1/x" is not a URL or path that can be fetched: invalid IPv6 address"#,
            ),
        );
        check_location(
            "file://host/x",
            Err(
                r#""file://host/x" is not a URL or path that can be fetched: a file URL must be an absolute local path"#,
            ),
        );
        check_location(
            " ",
            Err(r#"" " is not a URL or path that can be fetched: it is empty"#),
        );
    }

    #[test]
    fn backoff_stays_within_its_ceiling() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(300);
        for retry in 0..12 {
            let ceiling = (base * 2u32.pow(retry)).min(max);
            for _ in 0..50 {
                assert!(backoff(base, retry, max) <= ceiling);
            }
        }
        assert!(backoff(base, u32::MAX, max) <= max);
    }

    #[test]
    fn backoff_jitter_spans_its_range() {
        let waits: Vec<Duration> = (0..1000)
            .map(|_| backoff(Duration::from_secs(1), 3, Duration::from_secs(300)))
            .collect();
        assert!(waits.iter().any(|wait| *wait < Duration::from_secs(2)));
        assert!(waits.iter().any(|wait| *wait > Duration::from_secs(6)));
    }

    /// A loopback HTTP server: `/go?to=<url>` answers 302 to `<url>`, anything else 200
    /// with the path as body. Returns its port and the paths requested, in order.
    async fn redirecting_server() -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&request);
                    let path = text.split(' ').nth(1).unwrap_or("").to_owned();
                    log.lock().unwrap().push(path.clone());
                    let response = match path.strip_prefix("/go?to=") {
                        Some(target) => format!(
                            "HTTP/1.1 302 Found\r\nlocation: {target}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        ),
                        None => format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{path}",
                            path.len()
                        ),
                    };
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        (port, seen)
    }

    fn resolving(names: &[&str]) -> GuardedResolver {
        GuardedResolver {
            fixed: names
                .iter()
                .map(|name| (name.to_string(), vec![IpAddr::from([127, 0, 0, 1])]))
                .collect(),
            ..GuardedResolver::default()
        }
    }

    #[tokio::test]
    async fn a_redirect_to_a_name_resolving_to_a_private_address_is_not_followed() {
        let (port, seen) = redirecting_server().await;
        let fetcher = Fetcher::with_resolver(
            FetchPolicy {
                max_retries: 0,
                ..FetchPolicy::default()
            },
            resolving(&["intranet.example"]),
        )
        .unwrap();
        let url = format!("http://127.0.0.1:{port}/go?to=http://intranet.example:{port}/secret");

        let error = fetcher.get(&url, None, None).await.unwrap_err();

        assert!(
            matches!(error, FetchError::RedirectToPrivateAddress { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "{url} redirected to intranet.example (resolves to 127.0.0.1), which is not a public address; not followed"
            )
        );
        assert!(!error.is_transient());
        // Refused before connecting: the secret was never asked for.
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_configured_name_may_resolve_anywhere_and_be_redirected_to() {
        let (port, seen) = redirecting_server().await;
        let fetcher =
            Fetcher::with_resolver(FetchPolicy::default(), resolving(&["mirror.internal"]))
                .unwrap();

        // Fetched directly, as a configured source is: wherever it resolves.
        let direct = fetcher
            .get(&format!("http://mirror.internal:{port}/feed"), None, None)
            .await
            .unwrap();
        // And a redirect to it from elsewhere is followed too (case and a trailing dot
        // do not make it another host).
        let redirected = fetcher
            .get(
                &format!("http://127.0.0.1:{port}/go?to=http://MIRROR.internal.:{port}/moved"),
                None,
                None,
            )
            .await
            .unwrap();

        for (fetched, body) in [(direct, "/feed"), (redirected, "/moved")] {
            match fetched {
                Fetched::Body { bytes, .. } => assert_eq!(bytes, body.as_bytes()),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(seen.lock().unwrap().len(), 3);
    }
}
