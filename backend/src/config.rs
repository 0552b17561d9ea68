//! Typed configuration, read from the environment once at startup.
//!
//! Every variable is listed in `.env.example`. A malformed value stops startup with an error that
//! names the variable and the expected form; nothing here reads the environment after startup, and
//! tests build a [`Config`] in code with [`Config::from_lookup`].

use std::{net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

use secrecy::SecretString;
use url::Url;

/// Where this instance runs. Production refuses insecure defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A configuration problem, naming the variable and what it expects.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}={value:?}: expected {expected}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// The whole configuration of one app instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// `BIND_ADDR`: where the HTTP server listens.
    pub bind_addr: SocketAddr,
    /// `APP_BASE_URL`: the public URL, used to build redirect URIs and cookie flags.
    pub app_base_url: Url,
    /// `DATABASE_URL`: `sqlite://…` (default `data/app.db`) or `postgres://…`.
    pub database_url: String,
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// `LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `GRAPHQL_PLAYGROUND`: serve GraphiQL at `GET /graphql` (always on in development).
    pub graphql_playground: bool,
    /// `SPA_DIR`: the built single-page app (`frontend/dist`).
    pub spa_dir: PathBuf,
    /// `DATA_DIR`: where development keys and the default SQLite file live.
    pub data_dir: PathBuf,
    /// `SQLITE_SYNCHRONOUS`: `NORMAL` (default; survives a process crash) or `FULL` (survives power loss).
    pub sqlite_synchronous: SqliteSynchronous,
    /// `SHUTDOWN_GRACE_SECS`: how long in-flight requests get to finish on SIGTERM.
    pub shutdown_grace: Duration,
    /// Jobber connection settings.
    pub jobber: JobberSettings,
    /// Secrets for tokens at rest and session cookies.
    pub secrets: SecretSettings,
    /// `REFRESH_MARGIN_SECS`: refresh an access token this long before it expires (default 300).
    pub refresh_margin: Duration,
    /// `SESSION_TTL_HOURS`: how long a browser session lives (default 12).
    pub session_ttl: Duration,
    /// `DATA_RETENTION_HOURS`: keep a disconnected account's synced data this long (default 0).
    pub data_retention: Duration,
    /// `WEBHOOK_RETENTION_DAYS`: settled webhook events are kept this long (default 30, at least
    /// 1): they are the inbox's dedupe memory for Jobber's redeliveries.
    pub webhook_retention: Duration,
    /// `AUDIT_RETENTION_DAYS`: audit log entries are kept this long (default 365, at least 1).
    pub audit_retention: Duration,
    /// `PRUNE_INTERVAL_SECS`: how often the retention task runs (default 3600; 0 turns it off,
    /// leaving `jobber-app prune` to the operator).
    pub prune_interval: Duration,
    /// Sync scheduling and paging.
    pub sync: SyncSettings,
    /// `SUPPORT_URL`: where merchants get help (linked from every page; hidden when unset).
    pub support_url: Option<Url>,
    /// `PRIVACY_URL`: the privacy policy (linked from every page; hidden when unset).
    pub privacy_url: Option<Url>,
    /// Limits of the HTTP edge: timeouts, connections, code-exchange rate.
    pub http: HttpSettings,
    /// The operator's listener: console, admin API, metrics.
    pub admin: AdminSettings,
}

/// The admin listener (`ADMIN_BIND_ADDR`) and how operators prove who they are.
#[derive(Clone, Debug)]
pub struct AdminSettings {
    /// `ADMIN_BIND_ADDR` (default `127.0.0.1:9090`); `None` with `off`.
    pub bind_addr: Option<SocketAddr>,
    /// `ADMIN_TOKEN`: the bearer token (and the console's sign-in secret). Required in production
    /// and on a non-loopback address; at least [`MIN_ADMIN_TOKEN_BYTES`] bytes.
    pub token: Option<SecretString>,
    /// `PUBLIC_METRICS=true`: also serve `/metrics` on the public listener (off by default).
    pub public_metrics: bool,
}

/// The shortest `ADMIN_TOKEN` accepted (e.g. `openssl rand -base64 32` gives 44 characters).
pub const MIN_ADMIN_TOKEN_BYTES: usize = 32;

/// Limits of the HTTP edge (see the README's Security section).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `HTTP_HEADER_TIMEOUT_SECS`: a client that has not sent complete request headers this long
    /// after connecting, or after its previous answer (an idle keep-alive connection), is
    /// disconnected (default 10).
    pub header_timeout: Duration,
    /// `HTTP_REQUEST_TIMEOUT_SECS`: the longest an ordinary request (not a WebSocket) may take,
    /// body upload included; past it the answer is 503 (default 30).
    pub request_timeout: Duration,
    /// `HTTP_MAX_CONNECTIONS`: open HTTP connections served at once; past it a new connection
    /// gets a 503 and is closed (default 512).
    pub max_connections: usize,
    /// `TRUST_PROXY_HEADERS`: take the client address from the last `X-Forwarded-For` entry
    /// (only behind a proxy that sets it; default false: the peer address).
    pub trust_proxy_headers: bool,
    /// `OAUTH_EXCHANGES_PER_MINUTE`: OAuth code exchanges a client address may start per minute
    /// (default 10).
    pub oauth_exchanges_per_minute: u32,
    /// `OAUTH_EXCHANGE_BURST`: code exchanges allowed at once before the rate applies (default 5).
    pub oauth_exchange_burst: u32,
}

/// How the sync of merchant data is scheduled and paged.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// `SYNC_INTERVAL_MINUTES`: incremental sync of every connected account this often (default 15).
    pub interval: Duration,
    /// `SYNC_FULL_INTERVAL_HOURS`: a full pass (with mark-and-sweep of deletes) this often (default 24).
    pub full_interval: Duration,
    /// `SYNC_MAX_PAGE_SIZE`: most items asked per page (`first`; default 100, Jobber's documented
    /// default maximum). Pages shrink further when the query cost demands it.
    pub max_page_size: u32,
    /// `SYNC_CONCURRENCY`: (account, resource) runs this instance works on at once, across all
    /// accounts (default 128). Jobber's limits are per account and enforced by the cost governor;
    /// this bounds only the app's own resources: each run holds at most one page in memory, one
    /// outbound request and one database write at a time, and mostly waits for its account's
    /// bucket. `sync-bench --part fleet`: 50 accounts syncing at once need about 128.
    pub concurrency: usize,
    /// `SYNC_LEASE_SECS`: a running sync holds its resource this long between heartbeats; another
    /// instance (or this one after a restart) resumes it once the lease lapses (default 30).
    pub lease: Duration,
    /// `WEBHOOK_GRACE_SECS`: a change a sync finds counts as announced when a webhook for the item
    /// arrived within this long after Jobber's `updatedAt` (default 120).
    pub webhook_grace: Duration,
    /// `SYNC_CATCHUP_INTERVAL_SECS`: incremental sync period of an account whose webhook health
    /// is `MISSING` (default 120).
    pub catchup_interval: Duration,
    /// `WEBHOOK_SILENCE_ALERT_HOURS`: log an error and raise `webhook_silence_alert` when no
    /// webhook at all has arrived for this long while syncs found changes (default 6; fractions allowed).
    pub silence_alert: Duration,
}

/// Key material. In development, missing keys are generated and kept in `DATA_DIR`.
#[derive(Debug, Clone, Default)]
pub struct SecretSettings {
    /// `TOKEN_ENCRYPTION_KEY`: base64 of 32 random bytes; encrypts tokens at rest.
    pub token_encryption_key: Option<SecretString>,
    /// `TOKEN_ENCRYPTION_KEY_PREVIOUS`: the key being rotated out; decrypts only.
    pub token_encryption_key_previous: Option<SecretString>,
    /// `SESSION_SECRET`: at least 32 bytes; signs session and OAuth-state cookies.
    pub session_secret: Option<SecretString>,
}

/// How SQLite commits reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSynchronous {
    Normal,
    Full,
}

/// Settings for talking to Jobber (or the sandbox standing in for it).
#[derive(Debug, Clone)]
pub struct JobberSettings {
    /// `JOBBER_API_URL` (default `https://api.getjobber.com`).
    pub api_url: Url,
    /// `JOBBER_GRAPHQL_VERSION` sent as `X-JOBBER-GRAPHQL-VERSION`.
    pub graphql_version: String,
    /// `JOBBER_CLIENT_ID`; unset in development means "run against the embedded sandbox".
    pub client_id: Option<String>,
    /// `JOBBER_CLIENT_SECRET`: OAuth client secret and webhook signing key.
    pub client_secret: Option<SecretString>,
    /// `JOBBER_CLIENT_SECRET_PREVIOUS`: accepted for webhook signatures while the secret is rolled.
    pub client_secret_previous: Option<SecretString>,
    /// `SANDBOX_BIND_ADDR`: where the embedded sandbox listens in sandbox mode.
    pub sandbox_bind_addr: SocketAddr,
    /// `SANDBOX_RECORDS_PER_KIND`: records of each kind the embedded sandbox seeds per account
    /// (default 25).
    pub sandbox_records_per_kind: usize,
    /// `SANDBOX_ACCOUNTS`: seed this many numbered accounts ("Sandbox Account 001", …) instead
    /// of the two named ones (default 0: the named ones); for fleet tests and demos.
    pub sandbox_accounts: usize,
}

const DEFAULT_JOBBER_API_URL: &str = "https://api.getjobber.com";
/// The Jobber API version this app is written against.
pub const DEFAULT_JOBBER_GRAPHQL_VERSION: &str = "2025-04-16";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the configuration from any key lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |key: &str| get(key).filter(|v| !v.trim().is_empty());

        let app_env = match var("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => return Err(invalid("APP_ENV", other, "`development` or `production`")),
        };
        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(invalid("LOG_FORMAT", other, "`pretty` or `json`")),
        };
        let bind_addr =
            parse(&var, "BIND_ADDR", "127.0.0.1:8080", "a socket address such as 127.0.0.1:8080")?;
        let app_base_url = parse_url(&var, "APP_BASE_URL", "http://127.0.0.1:8080")?;
        if app_env == AppEnv::Production && app_base_url.scheme() != "https" {
            // Cookies are `Secure` and HSTS is sent only over https.
            return Err(invalid(
                "APP_BASE_URL",
                app_base_url.as_str(),
                "an https URL in production (cookies must be Secure)",
            ));
        }
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        let database_url = match var("DATABASE_URL") {
            None => format!("sqlite://{}?mode=rwc", data_dir.join("app.db").display()),
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                url
            }
            Some(other) => {
                return Err(invalid(
                    "DATABASE_URL",
                    &other,
                    "a `sqlite://path` or `postgres://user@host/db` URL",
                ));
            }
        };
        let graphql_playground = parse_bool(&var, "GRAPHQL_PLAYGROUND", false)?;
        let sqlite_synchronous =
            match var("SQLITE_SYNCHRONOUS").as_deref().map(str::to_ascii_uppercase).as_deref() {
                None | Some("NORMAL") => SqliteSynchronous::Normal,
                Some("FULL") => SqliteSynchronous::Full,
                Some(other) => return Err(invalid("SQLITE_SYNCHRONOUS", other, "`NORMAL` or `FULL`")),
            };
        let shutdown_grace =
            Duration::from_secs(parse(&var, "SHUTDOWN_GRACE_SECS", "20", "a whole number of seconds")?);

        let jobber = JobberSettings {
            api_url: parse_url(&var, "JOBBER_API_URL", DEFAULT_JOBBER_API_URL)?,
            graphql_version: match var("JOBBER_GRAPHQL_VERSION") {
                None => DEFAULT_JOBBER_GRAPHQL_VERSION.to_owned(),
                Some(v) if is_api_version(&v) => v,
                Some(other) => {
                    return Err(invalid("JOBBER_GRAPHQL_VERSION", &other, "a date such as 2025-04-16"));
                }
            },
            client_id: var("JOBBER_CLIENT_ID"),
            client_secret: var("JOBBER_CLIENT_SECRET").map(SecretString::from),
            client_secret_previous: var("JOBBER_CLIENT_SECRET_PREVIOUS").map(SecretString::from),
            sandbox_bind_addr: parse(
                &var,
                "SANDBOX_BIND_ADDR",
                "127.0.0.1:8081",
                "a socket address such as 127.0.0.1:8081",
            )?,
            sandbox_records_per_kind: parse(&var, "SANDBOX_RECORDS_PER_KIND", "25", "a whole number")?,
            sandbox_accounts: parse(&var, "SANDBOX_ACCOUNTS", "0", "a whole number")?,
        };

        let secrets = SecretSettings {
            token_encryption_key: var("TOKEN_ENCRYPTION_KEY").map(SecretString::from),
            token_encryption_key_previous: var("TOKEN_ENCRYPTION_KEY_PREVIOUS").map(SecretString::from),
            session_secret: var("SESSION_SECRET").map(SecretString::from),
        };
        let refresh_margin =
            Duration::from_secs(parse(&var, "REFRESH_MARGIN_SECS", "300", "a whole number of seconds")?);
        let session_ttl = Duration::from_secs(
            3600 * parse::<u64>(&var, "SESSION_TTL_HOURS", "12", "a whole number of hours")?,
        );
        let data_retention = Duration::from_secs(
            3600 * parse::<u64>(&var, "DATA_RETENTION_HOURS", "0", "a whole number of hours")?,
        );
        let webhook_retention =
            match parse::<u64>(&var, "WEBHOOK_RETENTION_DAYS", "30", "a whole number of days")? {
                0 => {
                    return Err(invalid("WEBHOOK_RETENTION_DAYS", "0", "at least 1 day (the dedupe memory)"));
                }
                days => Duration::from_secs(86_400 * days),
            };
        let audit_retention =
            match parse::<u64>(&var, "AUDIT_RETENTION_DAYS", "365", "a whole number of days")? {
                0 => return Err(invalid("AUDIT_RETENTION_DAYS", "0", "at least 1 day")),
                days => Duration::from_secs(86_400 * days),
            };
        let prune_interval =
            Duration::from_secs(parse(&var, "PRUNE_INTERVAL_SECS", "3600", "a whole number of seconds")?);

        let sync = SyncSettings {
            interval: Duration::from_secs(
                60 * parse::<u64>(&var, "SYNC_INTERVAL_MINUTES", "15", "a whole number of minutes")?.max(1),
            ),
            full_interval: Duration::from_secs(
                3600 * parse::<u64>(&var, "SYNC_FULL_INTERVAL_HOURS", "24", "a whole number of hours")?
                    .max(1),
            ),
            max_page_size: match parse::<u32>(&var, "SYNC_MAX_PAGE_SIZE", "100", "a number from 1 to 1000")? {
                n @ 1..=1000 => n,
                n => return Err(invalid("SYNC_MAX_PAGE_SIZE", &n.to_string(), "a number from 1 to 1000")),
            },
            concurrency: parse::<usize>(&var, "SYNC_CONCURRENCY", "128", "a whole number")?.max(1),
            lease: Duration::from_secs(
                parse::<u64>(&var, "SYNC_LEASE_SECS", "30", "a whole number of seconds")?.max(1),
            ),
            webhook_grace: Duration::from_secs(parse::<u64>(
                &var,
                "WEBHOOK_GRACE_SECS",
                "120",
                "a whole number of seconds",
            )?),
            catchup_interval: Duration::from_secs(
                parse::<u64>(&var, "SYNC_CATCHUP_INTERVAL_SECS", "120", "a whole number of seconds")?.max(1),
            ),
            silence_alert: match parse::<f64>(&var, "WEBHOOK_SILENCE_ALERT_HOURS", "6", "a number of hours")?
            {
                h if h > 0.0 && h.is_finite() => Duration::from_secs_f64(h * 3600.0),
                h => {
                    return Err(invalid(
                        "WEBHOOK_SILENCE_ALERT_HOURS",
                        &h.to_string(),
                        "a number of hours above 0",
                    ));
                }
            },
        };

        let http = HttpSettings {
            header_timeout: Duration::from_secs(
                parse::<u64>(&var, "HTTP_HEADER_TIMEOUT_SECS", "10", "a whole number of seconds")?.max(1),
            ),
            request_timeout: Duration::from_secs(
                parse::<u64>(&var, "HTTP_REQUEST_TIMEOUT_SECS", "30", "a whole number of seconds")?.max(1),
            ),
            max_connections: parse::<usize>(&var, "HTTP_MAX_CONNECTIONS", "512", "a whole number")?.max(1),
            trust_proxy_headers: parse_bool(&var, "TRUST_PROXY_HEADERS", false)?,
            oauth_exchanges_per_minute: parse::<u32>(
                &var,
                "OAUTH_EXCHANGES_PER_MINUTE",
                "10",
                "a whole number",
            )?
            .max(1),
            oauth_exchange_burst: parse::<u32>(&var, "OAUTH_EXCHANGE_BURST", "5", "a whole number")?.max(1),
        };

        let admin = admin_settings(&var, app_env)?;

        let support_url = var("SUPPORT_URL").map(|_| parse_url(&var, "SUPPORT_URL", "")).transpose()?;
        let privacy_url = var("PRIVACY_URL").map(|_| parse_url(&var, "PRIVACY_URL", "")).transpose()?;

        Ok(Self {
            http,
            admin,
            support_url,
            privacy_url,
            sync,
            secrets,
            refresh_margin,
            session_ttl,
            data_retention,
            webhook_retention,
            audit_retention,
            prune_interval,
            bind_addr,
            app_base_url,
            database_url,
            app_env,
            log_format,
            graphql_playground,
            spa_dir: PathBuf::from(var("SPA_DIR").unwrap_or_else(|| "frontend/dist".to_owned())),
            data_dir,
            sqlite_synchronous,
            shutdown_grace,
            jobber,
        })
    }

    /// True in production.
    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }

    /// GraphiQL is served in development, and in production only when asked for.
    pub fn playground_enabled(&self) -> bool {
        !self.is_production() || self.graphql_playground
    }

    /// Introspection and "Did you mean …" suggestions: with the playground (development, or
    /// production with `GRAPHQL_PLAYGROUND=true`), off otherwise.
    pub fn introspection_enabled(&self) -> bool {
        self.playground_enabled()
    }

    /// The origin browsers send for pages of this app (`APP_BASE_URL`'s scheme, host and port).
    pub fn app_origin(&self) -> String {
        self.app_base_url.origin().ascii_serialization()
    }

    /// Origins whose browser requests may change state: the app's own, and in development the
    /// Vite dev server's (`npm run dev`).
    pub fn allowed_origins(&self) -> Vec<String> {
        let mut origins = vec![self.app_origin()];
        if !self.is_production() {
            origins.extend(DEV_SERVER_ORIGINS.iter().map(|o| (*o).to_owned()));
        }
        origins
    }
}

/// The Vite dev server (`npm run dev`), allowed as an origin in development only.
const DEV_SERVER_ORIGINS: &[&str] = &["http://127.0.0.1:5173", "http://localhost:5173"];

impl Config {
    /// True when `APP_BASE_URL` is https (cookies `Secure`, HSTS sent).
    pub fn is_https(&self) -> bool {
        self.app_base_url.scheme() == "https"
    }
}

/// `ADMIN_BIND_ADDR`, `ADMIN_TOKEN`, `PUBLIC_METRICS`, with the rule that an admin listener anyone
/// else can reach (production, or a non-loopback address) needs a strong token.
fn admin_settings(
    var: &impl Fn(&str) -> Option<String>,
    app_env: AppEnv,
) -> Result<AdminSettings, ConfigError> {
    let bind_addr: Option<SocketAddr> = match var("ADMIN_BIND_ADDR").as_deref().map(str::trim) {
        Some(off) if off.eq_ignore_ascii_case("off") => None,
        _ => Some(parse(
            var,
            "ADMIN_BIND_ADDR",
            "127.0.0.1:9090",
            "a socket address such as 127.0.0.1:9090, or `off`",
        )?),
    };
    let token = var("ADMIN_TOKEN");
    if let Some(t) = &token
        && t.len() < MIN_ADMIN_TOKEN_BYTES
    {
        return Err(invalid(
            "ADMIN_TOKEN",
            "(hidden)",
            "at least 32 bytes of random text (e.g. `openssl rand -base64 32`)",
        ));
    }
    if let Some(addr) = bind_addr
        && token.is_none()
        && (app_env == AppEnv::Production || !addr.ip().is_loopback())
    {
        return Err(invalid(
            "ADMIN_TOKEN",
            "",
            "set (at least 32 bytes) in production and whenever ADMIN_BIND_ADDR is not a loopback address; or ADMIN_BIND_ADDR=off",
        ));
    }
    Ok(AdminSettings {
        bind_addr,
        token: token.map(SecretString::from),
        public_metrics: parse_bool(var, "PUBLIC_METRICS", false)?,
    })
}

fn invalid(var: &'static str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError { var, value: value.to_owned(), expected }
}

fn parse<T: FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    key: &'static str,
    default: &str,
    expected: &'static str,
) -> Result<T, ConfigError> {
    let raw = var(key).unwrap_or_else(|| default.to_owned());
    raw.trim().parse().map_err(|_| invalid(key, &raw, expected))
}

fn parse_url(
    var: &impl Fn(&str) -> Option<String>,
    key: &'static str,
    default: &str,
) -> Result<Url, ConfigError> {
    let raw = var(key).unwrap_or_else(|| default.to_owned());
    match Url::parse(raw.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => Err(invalid(key, &raw, "an absolute http(s) URL such as https://app.example.com")),
    }
}

fn parse_bool(
    var: &impl Fn(&str) -> Option<String>,
    key: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match var(key).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(invalid(key, other, "`true` or `false`")),
    }
}

fn is_api_version(v: &str) -> bool {
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_a_local_development_setup() {
        let c = config(&[]).unwrap();
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.app_base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(c.database_url, "sqlite://data/app.db?mode=rwc");
        assert_eq!(c.app_env, AppEnv::Development);
        assert!(c.playground_enabled());
        assert_eq!(c.jobber.graphql_version, DEFAULT_JOBBER_GRAPHQL_VERSION);
    }

    #[test]
    fn malformed_values_name_the_variable() {
        for (key, value) in [
            ("BIND_ADDR", "localhost"),
            ("APP_BASE_URL", "not a url"),
            ("DATABASE_URL", "mysql://x"),
            ("APP_ENV", "staging"),
            ("LOG_FORMAT", "xml"),
            ("GRAPHQL_PLAYGROUND", "maybe"),
            ("JOBBER_GRAPHQL_VERSION", "latest"),
        ] {
            let err = config(&[(key, value)]).unwrap_err();
            assert_eq!(err.var, key);
            assert!(err.to_string().contains(key), "{err}");
            assert!(err.to_string().contains("expected"), "{err}");
        }
    }

    #[test]
    fn retention_periods_are_whole_days_of_at_least_one() {
        let c = config(&[]).unwrap();
        assert_eq!(c.webhook_retention, Duration::from_secs(30 * 86_400));
        assert_eq!(c.audit_retention, Duration::from_secs(365 * 86_400));
        assert_eq!(
            config(&[("AUDIT_RETENTION_DAYS", "7")]).unwrap().audit_retention,
            Duration::from_secs(7 * 86_400)
        );
        for (key, value) in [
            ("AUDIT_RETENTION_DAYS", "0"),
            ("AUDIT_RETENTION_DAYS", "a year"),
            ("WEBHOOK_RETENTION_DAYS", "0"),
        ] {
            let err = config(&[(key, value)]).unwrap_err();
            assert_eq!(err.var, key, "{value}");
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    #[test]
    fn production_requires_https() {
        let err =
            config(&[("APP_ENV", "production"), ("APP_BASE_URL", "http://app.example.com")]).unwrap_err();
        assert_eq!(err.var, "APP_BASE_URL");
        assert!(
            config(&[
                ("APP_ENV", "production"),
                ("APP_BASE_URL", "https://app.example.com"),
                ("ADMIN_TOKEN", STRONG_TOKEN)
            ])
            .is_ok()
        );
    }

    const STRONG_TOKEN: &str = "0123456789abcdef0123456789abcdef-operator";

    #[test]
    fn the_admin_listener_needs_a_strong_token_where_others_can_reach_it() {
        let prod = [("APP_ENV", "production"), ("APP_BASE_URL", "https://app.example.com")];
        // Production without a token: refused, naming the variable.
        let err = config(&prod).unwrap_err();
        assert_eq!(err.var, "ADMIN_TOKEN");
        // A weak token is refused anywhere, and its value is never echoed.
        let err = config(&[("ADMIN_TOKEN", "short-secret")]).unwrap_err();
        assert_eq!(err.var, "ADMIN_TOKEN");
        assert!(!err.to_string().contains("short-secret"), "{err}");
        // Development on a non-loopback address needs one too.
        let err = config(&[("ADMIN_BIND_ADDR", "0.0.0.0:9090")]).unwrap_err();
        assert_eq!(err.var, "ADMIN_TOKEN");
        assert!(config(&[("ADMIN_BIND_ADDR", "0.0.0.0:9090"), ("ADMIN_TOKEN", STRONG_TOKEN)]).is_ok());
        // Development on loopback: open, on the default port; `off` switches it off.
        let c = config(&[]).unwrap();
        assert_eq!(c.admin.bind_addr.unwrap().to_string(), "127.0.0.1:9090");
        assert!(c.admin.token.is_none() && !c.admin.public_metrics);
        let mut with_prod_off = prod.to_vec();
        with_prod_off.push(("ADMIN_BIND_ADDR", "off"));
        assert!(config(&with_prod_off).unwrap().admin.bind_addr.is_none());
        assert_eq!(config(&[("PUBLIC_METRICS", "maybe")]).unwrap_err().var, "PUBLIC_METRICS");
    }

    #[test]
    fn allowed_origins_are_the_app_and_in_development_vite() {
        let dev = config(&[("APP_BASE_URL", "http://127.0.0.1:8080/x")]).unwrap();
        assert_eq!(dev.allowed_origins()[0], "http://127.0.0.1:8080");
        assert!(dev.allowed_origins().contains(&"http://localhost:5173".to_owned()));
        let prod = config(&[("APP_ENV", "production"), ("APP_BASE_URL", "https://app.example.com")]).unwrap();
        assert_eq!(prod.allowed_origins(), vec!["https://app.example.com".to_owned()]);
    }

    #[test]
    fn production_hides_the_playground_unless_asked() {
        let prod = [("APP_ENV", "production"), ("APP_BASE_URL", "https://app.example.com")];
        assert!(!config(&prod).unwrap().playground_enabled());
        assert!(config(&[prod[0], prod[1], ("GRAPHQL_PLAYGROUND", "true")]).unwrap().playground_enabled());
    }
}
