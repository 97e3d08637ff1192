//! The one TOML configuration: its shape, defaults, environment overrides and validation.
//!
//! Loading order: the file given with `--config` (or `PAPERBOY_CONFIG`), else the embedded
//! defaults (a local store and the bundled sample feed, so paperboy runs with no file, no
//! tokens and no internet); then `PAPERBOY_<SECTION>__<KEY>` environment variables on top;
//! then `*_file` secrets are read. Unknown keys are rejected with their name. Secrets are
//! wrapped in [`Secret`], which never prints its value. Depends on nothing but serde/figment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Why the configuration cannot be used. Each message names the key or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("invalid configuration{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("cannot read secret file {path} (for `{key}`): {error}")]
    SecretFile {
        key: String,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("invalid value for `{key}`: {message}")]
    Value { key: String, message: String },
}

/// A token or password. Its value reaches only the client that needs it: never `Debug`,
/// `Display`, serialized output or logs.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("<redacted>")
    }
}

/// The shipped example, which is also the embedded default.
pub const EXAMPLE_CONFIG: &str = include_str!("../config.example.toml");

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the store and its lock file live.
    pub data_dir: PathBuf,
    pub http: HttpConfig,
    pub ingest: IngestConfig,
    pub health: HealthConfig,
    pub sources: SourcesConfig,
    pub digest: DigestConfig,
    pub limits: LimitsConfig,
    pub delivery: DeliveryConfig,
    pub telegram: TelegramConfig,
    pub discord: DiscordConfig,
    pub email: EmailConfig,
    pub web: WebConfig,
    pub metrics: MetricsConfig,
    pub admin: AdminConfig,
    /// Subscribers created (if missing) when paperboy starts: a demo, or an operator's own.
    pub subscribers: Vec<ConfiguredSubscriber>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigestConfig {
    /// The schedule of a new subscriber (`daily 08:00`, `weekdays 07:30`, 5-field cron, `off`).
    pub default_schedule: String,
    /// The time zone of a new subscriber (IANA name).
    pub default_time_zone: String,
    /// Keyword matches per digest; the rest are counted as "and N more".
    pub max_items: usize,
    /// Papers in the trending part of a digest and the default of `/trending`.
    pub trending_count: usize,
    /// A new subscriber's first digest covers papers stored this many hours before they
    /// subscribed, so it is not empty.
    pub first_digest_lookback_hours: u64,
}

/// The Telegram front end. Off without a token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    /// The bot token from @BotFather (or `token_file`, or PAPERBOY_TELEGRAM__TOKEN).
    pub token: Option<Secret>,
    pub token_file: Option<PathBuf>,
    /// The Bot API server: Telegram's, or a self-hosted one.
    pub api_url: String,
    /// How long one getUpdates long poll may wait for news, in seconds.
    pub poll_timeout_secs: u32,
    /// Where Telegram posts updates in webhook mode: the public https URL of `webhook_listen`
    /// (behind a TLS-terminating proxy). Unset: long polling.
    pub webhook_url: Option<String>,
    /// The local address the webhook server listens on.
    pub webhook_listen: String,
    /// Telegram sends this back in `X-Telegram-Bot-Api-Secret-Token`; posts without it are
    /// refused. Required in webhook mode (or `webhook_secret_file`).
    pub webhook_secret: Option<Secret>,
    pub webhook_secret_file: Option<PathBuf>,
}

impl Default for TelegramConfig {
    fn default() -> TelegramConfig {
        TelegramConfig {
            token: None,
            token_file: None,
            api_url: "https://api.telegram.org".to_owned(),
            poll_timeout_secs: 30,
            webhook_url: None,
            webhook_listen: "127.0.0.1:8443".to_owned(),
            webhook_secret: None,
            webhook_secret_file: None,
        }
    }
}

/// The Discord front end. Off without a token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// The bot token from the Developer Portal (or `token_file`, or PAPERBOY_DISCORD__TOKEN).
    pub token: Option<Secret>,
    pub token_file: Option<PathBuf>,
    /// Where REST requests go: Discord itself, or an HTTP proxy in front of it that stands in
    /// for `https://discord.com` (Discord's own rate limits are then the proxy's business,
    /// and paperboy's).
    pub api_url: String,
    /// Register the slash commands in this one server only (they appear at once there), for
    /// development. Unset: globally.
    pub dev_guild_id: Option<u64>,
}

/// Discord's REST host, which serenity talks to unless a proxy stands in for it.
pub const DISCORD_API_URL: &str = "https://discord.com";

impl Default for DiscordConfig {
    fn default() -> DiscordConfig {
        DiscordConfig {
            token: None,
            token_file: None,
            api_url: DISCORD_API_URL.to_owned(),
            dev_guild_id: None,
        }
    }
}

/// The email transport: SMTP when `smtp_host` is set, else `.eml` files in `eml_dir`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// The sender, `name <address>` or a bare address.
    pub from: String,
    /// The SMTP server. Unset: every mail is written to `eml_dir` instead.
    pub smtp_host: Option<String>,
    /// Default: 465 for `tls`, 587 for `starttls`, 25 for `none`.
    pub smtp_port: Option<u16>,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
    pub smtp_password_file: Option<PathBuf>,
    /// Connections kept open to the SMTP server.
    pub pool_size: u32,
    /// Seconds one SMTP command may take.
    pub timeout_secs: u64,
    /// Mails sent per second at most.
    pub per_second: u32,
    /// Where mails go without an SMTP server: `<eml_dir>/<address>/<id>.eml`, under
    /// `data_dir` if relative.
    pub eml_dir: PathBuf,
}

/// How paperboy talks to the SMTP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain, upgraded with STARTTLS before anything else is said (port 587).
    Starttls,
    /// No encryption: only for a server on this machine.
    None,
}

impl Default for EmailConfig {
    fn default() -> EmailConfig {
        EmailConfig {
            from: "paperboy <paperboy@localhost>".to_owned(),
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::Tls,
            smtp_username: None,
            smtp_password: None,
            smtp_password_file: None,
            pool_size: 4,
            timeout_secs: 30,
            per_second: 5,
            eml_dir: PathBuf::from("mail"),
        }
    }
}

/// The web page (subscribe, confirm, manage, unsubscribe, search) and the links in mails.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// The address the web server listens on (behind a TLS-terminating proxy). Unset: off.
    pub listen: Option<String>,
    /// The public URL of the web page; every link in mails and pages starts with it. Must be
    /// https unless it is on this machine.
    pub base_url: String,
    /// The key that signs links and forms (at least 32 characters), or `signing_key_file`.
    /// Unset: one is generated once and kept in the store.
    pub signing_key: Option<Secret>,
    pub signing_key_file: Option<PathBuf>,
    /// How long a confirmation link works.
    pub confirm_ttl_hours: u64,
    /// How long the manage and unsubscribe links in a mail work.
    pub link_ttl_days: u64,
    /// Form posts one IP address may make per minute.
    pub posts_per_minute: u32,
    /// Take the client's address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            listen: None,
            base_url: "http://localhost:8080".to_owned(),
            signing_key: None,
            signing_key_file: None,
            confirm_ttl_hours: 48,
            link_ttl_days: 365,
            posts_per_minute: 10,
            trust_forwarded_for: false,
        }
    }
}

/// Most papers one `/related` or `/search` reply may list.
pub const MAX_RESULTS: usize = 50;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    pub max_follows: usize,
    /// Longest follow query, in characters.
    pub max_query_chars: usize,
    /// Largest N of `/trending N`.
    pub max_trending: u32,
    /// Papers `/related` shows.
    pub related_results: usize,
    /// Papers `/search` shows.
    pub search_results: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Where the file transport writes digests (`<file_dir>/<name>/<id>.md`); relative
    /// paths are under `data_dir`.
    pub file_dir: PathBuf,
    /// Failed attempts before a message is abandoned ("retry after" answers do not count).
    pub max_attempts: u32,
    /// Messages refused for good in a row (hard bounces) after which a subscriber is
    /// deactivated.
    pub max_rejections: u32,
    /// On shutdown, how long in-flight sends may take before paperboy exits anyway.
    pub shutdown_grace_secs: u64,
}

/// A subscriber defined in the config file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfiguredSubscriber {
    /// `console:NAME`, `file:NAME`, `telegram:CHAT_ID`, `email:ADDRESS`, ...
    pub address: String,
    #[serde(default)]
    pub follows: Vec<String>,
    /// Defaults to `digest.default_schedule`.
    #[serde(default)]
    pub schedule: Option<String>,
    /// Defaults to `digest.default_time_zone`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Send a digest right after the first ingest at start-up (for demos and checks).
    #[serde(default)]
    pub digest_on_start: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// An address for the sources' operators to reach you (arXiv asks for one); it is
    /// appended to the User-Agent.
    pub contact: Option<String>,
    pub connect_timeout_secs: u64,
    pub request_timeout_secs: u64,
    pub max_body_mb: u64,
    pub max_redirects: usize,
    pub max_retries: u32,
    pub retry_base_delay_ms: u64,
    pub max_retry_wait_secs: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// When the daemon polls every source: a 5-field crontab (or `daily HH:MM` and friends)
    /// read in UTC. Unlike digest schedules it may run more often than hourly.
    pub schedule: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthConfig {
    /// Consecutive failed polls after which a source is "failing".
    pub failing_after: u32,
    /// A weekday feed serving the same batch for longer than this is "stale".
    pub stale_after_hours: u64,
    /// `/healthz` answers 503 once a source has been failing for longer than this.
    pub failing_after_hours: u64,
}

/// The operator's endpoints: Prometheus `/metrics` and `/healthz`, apart from the web page.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// The address `/metrics` and `/healthz` listen on. Unset: off.
    pub listen: Option<String>,
}

/// Who is told when a source turns failing or stale, and when it recovers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// A paperboy address (`telegram:123`, `discord-channel:456`, `email:ops@example.org`).
    pub contact: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourcesConfig {
    pub hf: HfSourceConfig,
    pub arxiv: ArxivSourceConfig,
    /// Local files (or `bundled:` samples) read as sources, e.g. a mirror.
    pub file: Vec<FileSourceConfig>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HfSourceConfig {
    pub enabled: bool,
    pub base_url: String,
    /// Items per page (`limit`); the API serves at most 100.
    pub page_size: u32,
    /// Papers gather upvotes for days: each poll also re-reads this many past days.
    pub refresh_days: u32,
    /// Optional Hugging Face token, for higher rate limits.
    pub token: Option<Secret>,
    pub token_file: Option<PathBuf>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArxivSourceConfig {
    pub enabled: bool,
    /// Categories or archives announced by the feed and used for backfill.
    pub categories: Vec<String>,
    /// Base of the announcement feeds (`<feed_url>/rss/<cats>` or `/atom/<cats>`).
    pub feed_url: String,
    pub feed_format: FeedFormat,
    /// The arXiv API endpoint.
    pub api_url: String,
    /// Results per API page (arXiv allows at most 2000).
    pub api_page_size: u32,
    /// Seconds between two requests to arXiv hosts (arXiv's terms: at least 3).
    pub min_interval_secs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedFormat {
    Rss,
    Atom,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSourceConfig {
    /// A name for logs and `paperboy status`; defaults to the file name.
    #[serde(default)]
    pub name: Option<String>,
    /// A path, a `file://` URL, or `bundled:<sample>` for the samples inside the binary.
    pub path: String,
    pub format: FileFormat,
}

/// What a file source holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// A Hugging Face Daily Papers JSON array.
    HfDaily,
    /// An arXiv RSS or Atom announcement feed.
    ArxivFeed,
    /// An arXiv API Atom response.
    ArxivApi,
    /// JSON Lines of normalized papers.
    Jsonl,
}

impl Default for Config {
    /// Defaults for a config file: the real sources, polled hourly.
    fn default() -> Config {
        Config {
            data_dir: PathBuf::from("/var/lib/paperboy"),
            http: HttpConfig::default(),
            ingest: IngestConfig::default(),
            health: HealthConfig::default(),
            sources: SourcesConfig::default(),
            digest: DigestConfig::default(),
            limits: LimitsConfig::default(),
            delivery: DeliveryConfig::default(),
            telegram: TelegramConfig::default(),
            discord: DiscordConfig::default(),
            email: EmailConfig::default(),
            web: WebConfig::default(),
            metrics: MetricsConfig::default(),
            admin: AdminConfig::default(),
            subscribers: Vec::new(),
        }
    }
}

impl Default for DigestConfig {
    fn default() -> DigestConfig {
        DigestConfig {
            default_schedule: "daily 08:00".into(),
            default_time_zone: "UTC".into(),
            max_items: 20,
            trending_count: 10,
            first_digest_lookback_hours: 24,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> LimitsConfig {
        LimitsConfig {
            max_follows: 50,
            max_query_chars: 200,
            max_trending: 50,
            related_results: 5,
            search_results: 10,
        }
    }
}

impl Default for DeliveryConfig {
    fn default() -> DeliveryConfig {
        DeliveryConfig {
            file_dir: PathBuf::from("digests"),
            max_attempts: 30,
            max_rejections: 3,
            shutdown_grace_secs: 10,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            contact: None,
            connect_timeout_secs: 10,
            request_timeout_secs: 30,
            max_body_mb: 20,
            max_redirects: 5,
            max_retries: 3,
            retry_base_delay_ms: 1000,
            max_retry_wait_secs: 300,
        }
    }
}

impl Default for IngestConfig {
    fn default() -> IngestConfig {
        IngestConfig {
            schedule: "*/30 * * * *".into(),
        }
    }
}

impl Default for HealthConfig {
    fn default() -> HealthConfig {
        HealthConfig {
            failing_after: 3,
            stale_after_hours: 30,
            failing_after_hours: 6,
        }
    }
}

impl Default for HfSourceConfig {
    fn default() -> HfSourceConfig {
        HfSourceConfig {
            enabled: true,
            base_url: "https://huggingface.co".into(),
            page_size: 100,
            refresh_days: 3,
            token: None,
            token_file: None,
        }
    }
}

impl Default for ArxivSourceConfig {
    fn default() -> ArxivSourceConfig {
        ArxivSourceConfig {
            enabled: true,
            categories: ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML"]
                .map(String::from)
                .to_vec(),
            feed_url: "https://rss.arxiv.org".into(),
            feed_format: FeedFormat::Rss,
            api_url: "https://export.arxiv.org/api/query".into(),
            api_page_size: 200,
            min_interval_secs: 3,
        }
    }
}

impl Config {
    /// The configuration used when no file is given: `config.example.toml` as shipped,
    /// which is the offline demo (a store under `./paperboy-data`, the bundled samples as
    /// sources, a console subscriber). No network, no tokens.
    pub fn embedded() -> Config {
        Figment::from(Toml::string(EXAMPLE_CONFIG))
            .extract()
            .unwrap_or_else(|err| {
                // The example is checked by a test; this only guards against a broken build.
                tracing::error!(error = %err, "the embedded example config does not parse");
                // Still offline: the embedded default never reaches the network.
                let mut config = Config::default();
                config.sources.hf.enabled = false;
                config.sources.arxiv.enabled = false;
                config
            })
    }

    /// Loads the file (or the embedded defaults), applies `PAPERBOY_*` environment
    /// overrides, reads `*_file` secrets and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let env = std::env::vars().filter(|(key, _)| key.starts_with("PAPERBOY_"));
        Config::load_with_env(file, env)
    }

    /// [`Config::load`] with the environment passed in, so tests need not touch the
    /// process environment.
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let (figment, origin) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
                    path: path.to_owned(),
                    error,
                })?;
                (
                    Figment::from(Toml::string(&text)),
                    format!(" in {}", path.display()),
                )
            }
            None => (
                Figment::from(Serialized::defaults(Config::embedded())),
                String::new(),
            ),
        };
        // Each `PAPERBOY_A__B=v` becomes the key `a.b`; values are parsed like TOML scalars
        // ("false" is a bool, "30" a number) and figment coerces them to the field's type.
        let mut figment = figment;
        let mut from_env: Vec<(String, String)> = Vec::new();
        for (key, raw) in env {
            let Some(name) = key.strip_prefix("PAPERBOY_") else {
                continue;
            };
            if name == "CONFIG" {
                continue;
            }
            let path = name.to_ascii_lowercase().replace("__", ".");
            let value: figment::value::Value = raw.parse().unwrap_or_else(|never| match never {});
            figment = figment.merge((path.clone(), value));
            from_env.push((path, key));
        }
        let mut config: Config = figment.extract().map_err(|err| ConfigError::Invalid {
            origin,
            message: describe_figment_error(err, &from_env),
        })?;
        config.resolve_secrets()?;
        config.validate()?;
        Ok(config)
    }

    fn resolve_secrets(&mut self) -> Result<(), ConfigError> {
        let hf = &mut self.sources.hf;
        hf.token = resolve_secret(
            "sources.hf.token",
            hf.token.take(),
            hf.token_file.as_deref(),
        )?;
        let telegram = &mut self.telegram;
        telegram.token = resolve_secret(
            "telegram.token",
            telegram.token.take(),
            telegram.token_file.as_deref(),
        )?;
        telegram.webhook_secret = resolve_secret(
            "telegram.webhook_secret",
            telegram.webhook_secret.take(),
            telegram.webhook_secret_file.as_deref(),
        )?;
        let discord = &mut self.discord;
        discord.token = resolve_secret(
            "discord.token",
            discord.token.take(),
            discord.token_file.as_deref(),
        )?;
        self.email.smtp_password = resolve_secret(
            "email.smtp_password",
            self.email.smtp_password.take(),
            self.email.smtp_password_file.as_deref(),
        )?;
        self.web.signing_key = resolve_secret(
            "web.signing_key",
            self.web.signing_key.take(),
            self.web.signing_key_file.as_deref(),
        )?;
        Ok(())
    }

    /// Checks what serde cannot: ranges, URLs, and arXiv's pacing terms.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| ConfigError::Value {
            key: key.to_owned(),
            message,
        };
        if let Some(contact) = &self.admin.contact
            && let Err(err) = contact.parse::<crate::subscriber::Address>()
        {
            return Err(bad("admin.contact", err.to_string()));
        }
        let hf = &self.sources.hf;
        if !(1..=100).contains(&hf.page_size) {
            return Err(bad(
                "sources.hf.page_size",
                "must be between 1 and 100".into(),
            ));
        }
        if hf.refresh_days > 30 {
            return Err(bad("sources.hf.refresh_days", "must be at most 30".into()));
        }
        check_http_url("sources.hf.base_url", &hf.base_url)?;
        let arxiv = &self.sources.arxiv;
        check_http_url("sources.arxiv.feed_url", &arxiv.feed_url)?;
        check_http_url("sources.arxiv.api_url", &arxiv.api_url)?;
        if !(1..=2000).contains(&arxiv.api_page_size) {
            return Err(bad(
                "sources.arxiv.api_page_size",
                "must be between 1 and 2000 (arXiv's limit)".into(),
            ));
        }
        let talks_to_arxiv = [&arxiv.feed_url, &arxiv.api_url]
            .iter()
            .any(|url| host_of(url).is_some_and(|h| h == "arxiv.org" || h.ends_with(".arxiv.org")));
        if arxiv.enabled && talks_to_arxiv && arxiv.min_interval_secs < 3 {
            return Err(bad(
                "sources.arxiv.min_interval_secs",
                "arXiv's terms allow at most one request every 3 seconds".into(),
            ));
        }
        if arxiv.enabled && arxiv.categories.is_empty() {
            return Err(bad(
                "sources.arxiv.categories",
                "list at least one category, e.g. [\"cs.LG\"]".into(),
            ));
        }
        for category in &arxiv.categories {
            let valid = !category.is_empty()
                && category
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !valid {
                return Err(bad(
                    "sources.arxiv.categories",
                    format!("{category:?} is not an arXiv category (e.g. cs.LG, math, hep-th)"),
                ));
            }
        }
        for (i, file) in self.sources.file.iter().enumerate() {
            if file.path.trim().is_empty() {
                return Err(bad(&format!("sources.file[{i}].path"), "is empty".into()));
            }
            if let Some(sample) = file.path.strip_prefix("bundled:")
                && crate::bundled::sample(sample).is_none()
            {
                return Err(bad(
                    &format!("sources.file[{i}].path"),
                    format!(
                        "no bundled sample named {sample:?} (have: {})",
                        crate::bundled::SAMPLES
                            .iter()
                            .map(|s| s.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        crate::schedule::parse_operator(&self.ingest.schedule)
            .map_err(|err| bad("ingest.schedule", err.to_string()))?;
        if self.http.request_timeout_secs == 0 || self.http.connect_timeout_secs == 0 {
            return Err(bad("http", "timeouts must be at least 1 second".into()));
        }
        if reqwest::Url::parse(&self.telegram.api_url)
            .map(|url| !matches!(url.scheme(), "http" | "https"))
            .unwrap_or(true)
        {
            return Err(bad(
                "telegram.api_url",
                format!("{:?} is not an http(s) URL", self.telegram.api_url),
            ));
        }
        if let Some(url) = &self.telegram.webhook_url {
            if !reqwest::Url::parse(url).is_ok_and(|url| url.scheme() == "https") {
                return Err(bad(
                    "telegram.webhook_url",
                    format!("{url:?} is not an https URL (Telegram posts only to https)"),
                ));
            }
            if self
                .telegram
                .webhook_listen
                .parse::<std::net::SocketAddr>()
                .is_err()
            {
                return Err(bad(
                    "telegram.webhook_listen",
                    format!(
                        "{:?} is not an address and port, e.g. 127.0.0.1:8443",
                        self.telegram.webhook_listen
                    ),
                ));
            }
            let secret_ok = self.telegram.webhook_secret.as_ref().is_some_and(|secret| {
                let value = secret.expose();
                (1..=256).contains(&value.len())
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
            if !secret_ok {
                return Err(bad(
                    "telegram.webhook_secret",
                    "webhook mode needs a secret of 1-256 characters A-Z, a-z, 0-9, _ and -".into(),
                ));
            }
        }
        if !(1..=50).contains(&self.telegram.poll_timeout_secs) {
            return Err(bad(
                "telegram.poll_timeout_secs",
                "must be from 1 to 50 (Telegram holds a long poll at most 50 s)".into(),
            ));
        }
        check_http_url("discord.api_url", &self.discord.api_url)?;
        if self.discord.dev_guild_id == Some(0) {
            return Err(bad(
                "discord.dev_guild_id",
                "is not a server id (right-click the server with Developer Mode on: Copy Server ID)"
                    .into(),
            ));
        }
        if self.http.max_body_mb == 0 {
            return Err(bad("http.max_body_mb", "must be at least 1".into()));
        }
        self.validate_email()?;
        self.validate_subscribers()
    }

    fn validate_email(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| ConfigError::Value {
            key: key.to_owned(),
            message,
        };
        let email = &self.email;
        crate::email::check_mailbox(&email.from).map_err(|message| bad("email.from", message))?;
        if let Some(host) = &email.smtp_host {
            if host.trim().is_empty() || host.contains(['/', ' ']) {
                return Err(bad(
                    "email.smtp_host",
                    format!("{host:?} is not a host name"),
                ));
            }
            if email.smtp_tls == SmtpTls::None && !is_loopback_host(host) {
                return Err(bad(
                    "email.smtp_tls",
                    "\"none\" sends mail and passwords in clear text: only for a server on this machine (localhost, 127.0.0.1, ::1)".into(),
                ));
            }
        }
        if email.smtp_password.is_some() != email.smtp_username.is_some() {
            return Err(bad(
                "email.smtp_username",
                "set both smtp_username and smtp_password (or smtp_password_file), or neither"
                    .into(),
            ));
        }
        for (key, value) in [
            ("email.pool_size", email.pool_size as u64),
            ("email.timeout_secs", email.timeout_secs),
            ("email.per_second", email.per_second as u64),
            (
                "delivery.max_rejections",
                self.delivery.max_rejections as u64,
            ),
            ("web.confirm_ttl_hours", self.web.confirm_ttl_hours),
            ("web.link_ttl_days", self.web.link_ttl_days),
            ("web.posts_per_minute", self.web.posts_per_minute as u64),
        ] {
            if value == 0 {
                return Err(bad(key, "must be at least 1".into()));
            }
        }
        let web = &self.web;
        check_http_url("web.base_url", &web.base_url)?;
        let url =
            reqwest::Url::parse(&web.base_url).map_err(|e| bad("web.base_url", e.to_string()))?;
        if url.scheme() != "https" && !url.host_str().is_some_and(is_loopback_host) {
            return Err(bad(
                "web.base_url",
                "must be https (mail clients and RFC 8058 want https links) unless the host is this machine".into(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("web.base_url", "must have no query or fragment".into()));
        }
        if let Some(listen) = &web.listen
            && listen.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(bad(
                "web.listen",
                format!("{listen:?} is not an address and port, e.g. 127.0.0.1:8080"),
            ));
        }
        if web
            .signing_key
            .as_ref()
            .is_some_and(|key| key.expose().len() < 32)
        {
            return Err(bad(
                "web.signing_key",
                "must be at least 32 characters (e.g. `openssl rand -hex 32`)".into(),
            ));
        }
        Ok(())
    }

    fn validate_subscribers(&self) -> Result<(), ConfigError> {
        let bad = |key: String, message: String| ConfigError::Value { key, message };
        let positive = [
            ("digest.max_items", self.digest.max_items),
            ("digest.trending_count", self.digest.trending_count),
            ("limits.max_follows", self.limits.max_follows),
            ("limits.max_query_chars", self.limits.max_query_chars),
            ("limits.max_trending", self.limits.max_trending as usize),
            ("limits.related_results", self.limits.related_results),
            ("limits.search_results", self.limits.search_results),
            ("delivery.max_attempts", self.delivery.max_attempts as usize),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(bad(key.into(), "must be at least 1".into()));
            }
        }
        for (key, value) in [
            ("limits.related_results", self.limits.related_results),
            ("limits.search_results", self.limits.search_results),
        ] {
            if value > MAX_RESULTS {
                return Err(bad(key.into(), format!("must be at most {MAX_RESULTS}")));
            }
        }
        check_schedule("digest.default_schedule", &self.digest.default_schedule)?;
        check_time_zone("digest.default_time_zone", &self.digest.default_time_zone)?;
        for (i, configured) in self.subscribers.iter().enumerate() {
            let key = |field: &str| format!("subscribers[{i}].{field}");
            configured
                .address
                .parse::<crate::subscriber::Address>()
                .map_err(|err| bad(key("address"), err.to_string()))?;
            if configured.follows.len() > self.limits.max_follows {
                return Err(bad(
                    key("follows"),
                    format!("more than limits.max_follows ({})", self.limits.max_follows),
                ));
            }
            for follow in &configured.follows {
                crate::matching::FollowQuery::parse(follow, self.limits.max_query_chars)
                    .map_err(|err| bad(key("follows"), format!("{follow:?}: {err}")))?;
            }
            if let Some(schedule) = &configured.schedule {
                check_schedule(&key("schedule"), schedule)?;
            }
            if let Some(zone) = &configured.time_zone {
                check_time_zone(&key("time_zone"), zone)?;
            }
        }
        Ok(())
    }

    /// Where mails go without an SMTP server; relative paths are under `data_dir`.
    pub fn eml_dir(&self) -> PathBuf {
        self.data_dir.join(&self.email.eml_dir)
    }

    /// Where the file transport writes; relative paths are under `data_dir`.
    pub fn file_dir(&self) -> PathBuf {
        self.data_dir.join(&self.delivery.file_dir)
    }

    /// The manners of every fetch, from `[http]`.
    pub fn fetch_policy(&self) -> crate::fetch::FetchPolicy {
        let http = &self.http;
        let mut user_agent = format!(
            "paperboy/{} (+https://github.com/paperboy-bot/paperboy)",
            env!("CARGO_PKG_VERSION")
        );
        if let Some(contact) = &http.contact {
            user_agent = format!(
                "paperboy/{} (+https://github.com/paperboy-bot/paperboy; mailto:{contact})",
                env!("CARGO_PKG_VERSION")
            );
        }
        crate::fetch::FetchPolicy {
            user_agent,
            connect_timeout: Duration::from_secs(http.connect_timeout_secs),
            request_timeout: Duration::from_secs(http.request_timeout_secs),
            max_body_bytes: http.max_body_mb * 1024 * 1024,
            max_redirects: http.max_redirects,
            max_retries: http.max_retries,
            retry_base_delay: Duration::from_millis(http.retry_base_delay_ms),
            max_retry_wait: Duration::from_secs(http.max_retry_wait_secs),
        }
    }

    /// The effective configuration as TOML, secrets redacted (for `paperboy check-config`).
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(self)
            .unwrap_or_else(|err| format!("# cannot render configuration: {err}\n"))
    }
}

fn resolve_secret(
    key: &str,
    inline: Option<Secret>,
    file: Option<&Path>,
) -> Result<Option<Secret>, ConfigError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(ConfigError::Value {
            key: key.to_owned(),
            message: format!("set either `{key}` or `{key}_file`, not both"),
        }),
        (Some(secret), None) => Ok(Some(secret)),
        (None, Some(path)) => {
            let value = std::fs::read_to_string(path).map_err(|error| ConfigError::SecretFile {
                key: key.to_owned(),
                path: path.to_owned(),
                error,
            })?;
            // Files written by `echo` end in a newline that is not part of the token.
            Ok(Some(Secret(value.trim().to_owned())))
        }
        (None, None) => Ok(None),
    }
}

fn check_schedule(key: &str, spec: &str) -> Result<(), ConfigError> {
    crate::schedule::parse(spec)
        .map(|_| ())
        .map_err(|err| ConfigError::Value {
            key: key.to_owned(),
            message: err.to_string(),
        })
}

fn check_time_zone(key: &str, zone: &str) -> Result<(), ConfigError> {
    crate::schedule::parse_time_zone(zone)
        .map(|_| ())
        .map_err(|err| ConfigError::Value {
            key: key.to_owned(),
            message: err.to_string(),
        })
}

/// localhost, 127.0.0.0/8 or ::1 (with or without brackets).
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn host_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
}

fn check_http_url(key: &str, url: &str) -> Result<(), ConfigError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        Ok(_) => Err(ConfigError::Value {
            key: key.to_owned(),
            message: format!("{url:?} is not an http(s) URL"),
        }),
        Err(err) => Err(ConfigError::Value {
            key: key.to_owned(),
            message: format!("{url:?} is not a URL ({err})"),
        }),
    }
}

/// figment's errors carry the key path; keep them on one line, one per problem, and name
/// the environment variable when the bad key came from one.
fn describe_figment_error(err: figment::Error, from_env: &[(String, String)]) -> String {
    err.into_iter()
        .map(|e| {
            if e.path.is_empty() {
                return e.kind.to_string();
            }
            let key = e.path.join(".");
            let variable = from_env.iter().find(|(path, _)| {
                *path == key
                    || path.starts_with(&format!("{key}."))
                    || key.starts_with(&format!("{path}."))
            });
            match variable {
                Some((_, name)) => format!(
                    "{} (key `{key}`, set by environment variable {name})",
                    e.kind
                ),
                None => format!("{} (key `{key}`)", e.kind),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn load(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(toml.as_bytes()).unwrap();
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::load_with_env(Some(file.path()), env)
    }

    fn error(toml: &str, env: &[(&str, &str)]) -> String {
        load(toml, env).expect_err("should be rejected").to_string()
    }

    #[test]
    fn the_example_config_is_valid_and_complete() {
        let example = EXAMPLE_CONFIG;
        let config = load(example, &[]).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("paperboy-data"));
        assert_eq!(config.subscribers.len(), 1);
        // Every key a config can have appears in the example, commented or not.
        let rendered = Config::default().to_redacted_toml();
        for line in rendered.lines() {
            if let Some((key, _)) = line.split_once(" = ") {
                assert!(
                    example.contains(&format!("{key} ="))
                        || example.contains(&format!("[[{key}]]")),
                    "config.example.toml lacks `{key}`"
                );
            }
        }
    }

    #[test]
    fn environment_overrides_keys() {
        let config = load(
            "data_dir = \"/srv/a\"\n",
            &[
                ("PAPERBOY_DATA_DIR", "/srv/b"),
                ("PAPERBOY_SOURCES__HF__REFRESH_DAYS", "5"),
                ("PAPERBOY_SOURCES__ARXIV__ENABLED", "false"),
                ("PAPERBOY_CONFIG", "/ignored/here.toml"),
                ("HOME", "/root"),
            ],
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/srv/b"));
        assert_eq!(config.sources.hf.refresh_days, 5);
        assert!(!config.sources.arxiv.enabled);
    }

    #[test]
    fn bad_config_is_rejected_with_the_key_named() {
        let check = |toml: &str, env: &[(&str, &str)], needle: &str| {
            let message = error(toml, env);
            assert!(
                message.contains(needle),
                "{message:?} should mention {needle:?}"
            );
        };
        check("colour = \"blue\"\n", &[], "colour");
        check("[sources.hf]\nrefresh_dayz = 2\n", &[], "refresh_dayz");
        check("", &[("PAPERBOY_SOURCES__HF__NOPE", "1")], "nope");
        check("[ingest]\nschedule = 5\n", &[], "ingest.schedule");
        check("[ingest]\nschedule = \"soon\"\n", &[], "ingest.schedule");
        check(
            "[digest]\ndefault_schedule = \"* * * * *\"\n",
            &[],
            "digest.default_schedule",
        );
        check(
            "[digest]\ndefault_time_zone = \"Mars/Olympus\"\n",
            &[],
            "digest.default_time_zone",
        );
        check("[limits]\nmax_follows = 0\n", &[], "limits.max_follows");
        check(
            "[[subscribers]]\naddress = \"pigeon:42\"\n",
            &[],
            "subscribers[0].address",
        );
        check("[admin]\ncontact = \"pigeon:42\"\n", &[], "admin.contact");
        check(
            "[[subscribers]]\naddress = \"console:a\"\nfollows = [\"  \"]\n",
            &[],
            "subscribers[0].follows",
        );
        check(
            "[sources.hf]\npage_size = 500\n",
            &[],
            "sources.hf.page_size",
        );
        check(
            "[sources.hf]\nbase_url = \"ftp://x\"\n",
            &[],
            "sources.hf.base_url",
        );
        check("[sources.arxiv]\nmin_interval_secs = 1\n", &[], "3 seconds");
        check("[sources.arxiv]\napi_page_size = 5000\n", &[], "2000");
        check("[sources.arxiv]\ncategories = [\"cs LG\"]\n", &[], "cs LG");
        check(
            "[sources.arxiv]\nfeed_format = \"json\"\n",
            &[],
            "feed_format",
        );
        check(
            "[[sources.file]]\npath = \"bundled:nope.json\"\nformat = \"hf_daily\"\n",
            &[],
            "no bundled sample",
        );
        check("this is not toml", &[], "invalid configuration");
    }

    #[test]
    fn a_local_arxiv_mirror_may_be_polled_faster() {
        let config = load(
            "[sources.arxiv]\nfeed_url = \"http://127.0.0.1:8080\"\napi_url = \"http://127.0.0.1:8080/api/query\"\nmin_interval_secs = 0\n",
            &[],
        )
        .unwrap();
        assert_eq!(config.sources.arxiv.min_interval_secs, 0);
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = Config::load_with_env(Some(Path::new("/nonexistent/paperboy.toml")), [])
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("/nonexistent/paperboy.toml"),
            "{err}"
        );
    }

    #[test]
    fn secrets_come_from_files_and_never_print() {
        let mut secret_file = tempfile::NamedTempFile::new().unwrap();
        secret_file.write_all(b"hf_sentinel_token_123\n").unwrap();
        let toml = format!(
            "[sources.hf]\ntoken_file = \"{}\"\n",
            secret_file.path().display()
        );
        let config = load(&toml, &[]).unwrap();
        let token = config.sources.hf.token.as_ref().unwrap();
        assert_eq!(token.expose(), "hf_sentinel_token_123");
        assert!(!config.to_redacted_toml().contains("sentinel"));
        assert!(!format!("{config:?}").contains("sentinel"));
        assert!(config.to_redacted_toml().contains("<redacted>"));

        let inline = load("[sources.hf]\ntoken = \"hf_sentinel_inline\"\n", &[]).unwrap();
        assert!(!inline.to_redacted_toml().contains("sentinel"));

        let both = format!("{toml}token = \"x\"\n");
        assert!(error(&both, &[]).contains("not both"));
        let missing = "[sources.hf]\ntoken_file = \"/nonexistent/token\"\n";
        assert!(error(missing, &[]).contains("/nonexistent/token"));
    }

    #[test]
    fn embedded_defaults_need_no_network() {
        let config = Config::load_with_env(None, []).unwrap();
        assert!(!config.sources.hf.enabled);
        assert!(!config.sources.arxiv.enabled);
        assert!(!config.sources.file.is_empty());
        assert_eq!(config.data_dir, PathBuf::from("paperboy-data"));
    }
}
