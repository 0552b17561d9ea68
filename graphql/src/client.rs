//! The typed Jobber GraphQL client: one `execute` for every operation in [`crate::operations`].
//!
//! It owns the HTTP exchange with `{api_url}/api/graphql` (JSON body, bearer token, the
//! `X-JOBBER-GRAPHQL-VERSION` header, timeouts), the mapping of Jobber's answers to
//! [`JobberError`], and the retry loop around the shared [`CostGovernor`].
//! It must not store or refresh tokens (the caller passes the current access token on every call,
//! see [`crate::oauth`]) and must never log them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphql_client::GraphQLQuery;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{GraphQlError, JobberError};
use crate::governor::{CostGovernor, GovernorConfig};
use crate::operations::app_disconnect;

/// The API version sent in `X-JOBBER-GRAPHQL-VERSION` unless configured otherwise.
pub const DEFAULT_GRAPHQL_VERSION: &str = "2025-04-16";
/// Jobber's production API root.
pub const DEFAULT_API_URL: &str = "https://api.getjobber.com";
/// Wait assumed after an HTTP 429 without `Retry-After` (Jobber's window is 5 minutes).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

/// How to reach Jobber, shared by [`JobberClient`] and [`crate::OAuthClient`].
#[derive(Debug, Clone)]
pub struct JobberConfig {
    /// API root without a path, e.g. `https://api.getjobber.com` (or the sandbox's address).
    pub api_url: url::Url,
    /// `X-JOBBER-GRAPHQL-VERSION`, e.g. `2025-04-16`.
    pub graphql_version: String,
    /// The app's OAuth client id (Developer Center).
    pub client_id: String,
    /// The app's OAuth client secret.
    pub client_secret: SecretString,
    /// TCP + TLS connect timeout. `None` only in tests on a paused tokio clock, where any pending
    /// timer would fire while a loopback request is in flight.
    pub connect_timeout: Option<Duration>,
    /// Whole-request timeout (connect, send, read the answer); `None` as above.
    pub request_timeout: Option<Duration>,
    /// Pacing and retries.
    pub governor: GovernorConfig,
}

impl JobberConfig {
    /// A config with the default version, timeouts (5 s connect, 30 s request) and limits.
    pub fn new(api_url: url::Url, client_id: String, client_secret: SecretString) -> Self {
        Self {
            api_url,
            graphql_version: DEFAULT_GRAPHQL_VERSION.to_owned(),
            client_id,
            client_secret,
            connect_timeout: Some(Duration::from_secs(5)),
            request_timeout: Some(Duration::from_secs(30)),
            governor: GovernorConfig::default(),
        }
    }

    /// `{api_url}/api/<path>`, whether or not `api_url` ends with a slash.
    pub(crate) fn endpoint(&self, path: &str) -> url::Url {
        let mut url = self.api_url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/api/{path}"));
        url.set_query(None);
        url
    }
}

/// Admission order when several requests wait on the same account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    /// A user is waiting (Manage App page, disconnect, webhook re-fetch).
    High,
    /// Background work (sync).
    Normal,
}

/// `extensions.cost` of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryCost {
    /// What Jobber estimated before running the query (and what the bucket must hold).
    pub requested_query_cost: f64,
    /// What it actually charged.
    pub actual_query_cost: f64,
    /// The bucket after this query.
    pub throttle_status: ThrottleStatus,
}

/// Jobber's leaky bucket for this app/account pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    /// Bucket size.
    pub maximum_available: f64,
    /// Points left now.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

/// Where [`JobberClient::execute_with`] gets the access token of each attempt.
pub trait TokenSource: Sync {
    /// Why no token could be had (not connected, must reconnect, …).
    type Error: Send;
    /// The account's current access token.
    fn access_token(&self) -> impl std::future::Future<Output = Result<SecretString, Self::Error>> + Send;
}

struct FixedToken<'a>(&'a str);

impl TokenSource for FixedToken<'_> {
    type Error = std::convert::Infallible;
    async fn access_token(&self) -> Result<SecretString, Self::Error> {
        Ok(SecretString::from(self.0.to_owned()))
    }
}

/// A failed [`JobberClient::execute_with`]: no token, or Jobber's answer.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError<E> {
    #[error("no access token: {0}")]
    Token(E),
    #[error(transparent)]
    Jobber(#[from] JobberError),
}

/// A successful answer: `data` plus what Jobber said about cost and version.
#[derive(Debug, Clone)]
pub struct Response<T> {
    /// The operation's typed data.
    pub data: T,
    /// `extensions.cost`, when present.
    pub cost: Option<QueryCost>,
    /// `extensions.versioning.version`: the version Jobber actually served (it silently upgrades
    /// removed versions).
    pub version: Option<String>,
}

/// Mutation payloads that carry `userErrors`.
pub trait HasUserErrors {
    /// The `userErrors` messages (with their path), empty on success.
    fn user_errors(&self) -> Vec<String>;
}

impl HasUserErrors for app_disconnect::ResponseData {
    fn user_errors(&self) -> Vec<String> {
        self.app_disconnect
            .user_errors
            .iter()
            .map(|e| {
                if e.path.is_empty() {
                    e.message.clone()
                } else {
                    format!("{} (at {})", e.message, e.path.join("."))
                }
            })
            .collect()
    }
}

impl<T: HasUserErrors> Response<T> {
    /// Turns a mutation answer with `userErrors` into [`JobberError::UserErrors`].
    pub fn check_user_errors(self) -> Result<Self, JobberError> {
        let errors = self.data.user_errors();
        if errors.is_empty() { Ok(self) } else { Err(JobberError::UserErrors(errors)) }
    }
}

/// Building the HTTP client failed (TLS backend unavailable).
#[derive(Debug, thiserror::Error)]
#[error("could not build the Jobber HTTP client: {0}")]
pub struct ClientBuildError(#[from] reqwest::Error);

pub(crate) fn http_client(cfg: &JobberConfig) -> Result<reqwest::Client, ClientBuildError> {
    let mut builder =
        reqwest::Client::builder().user_agent(concat!("jobber-app/", env!("CARGO_PKG_VERSION")));
    if let Some(t) = cfg.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = cfg.request_timeout {
        builder = builder.timeout(t);
    }
    Ok(builder.build()?)
}

/// Jobber's GraphQL API. Cheap to clone; clones share the HTTP pool and the governor.
#[derive(Debug, Clone)]
pub struct JobberClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    endpoint: url::Url,
    version: String,
    governor: CostGovernor,
    /// Versioning warnings seen by this client, by Jobber's words (each is logged once).
    warned: Mutex<HashMap<String, VersionWarning>>,
}

#[derive(Deserialize)]
struct RawResponse {
    data: Option<Value>,
    #[serde(default)]
    errors: Option<Vec<GraphQlError>>,
    #[serde(default)]
    extensions: Option<RawExtensions>,
}

#[derive(Deserialize)]
struct RawExtensions {
    cost: Option<QueryCost>,
    versioning: Option<Value>,
}

/// One attempt's outcome plus the cost information needed by the governor even on failure.
struct Attempt<T> {
    result: Result<Response<T>, JobberError>,
    cost: Option<QueryCost>,
}

const DISCONNECTED_MARKER: &str = "disconnected this app";
const UNAVAILABLE_MARKER: &str = "service temporarily unavailable";

impl JobberClient {
    /// A client with its own governor (configured by `cfg.governor`).
    pub fn new(cfg: JobberConfig) -> Result<Self, ClientBuildError> {
        let governor = CostGovernor::new(cfg.governor.clone());
        Self::with_governor(cfg, governor)
    }

    /// A client that shares `governor` with other clients of the same process.
    pub fn with_governor(cfg: JobberConfig, governor: CostGovernor) -> Result<Self, ClientBuildError> {
        Ok(Self {
            inner: Arc::new(Inner {
                http: http_client(&cfg)?,
                endpoint: cfg.endpoint("graphql"),
                version: cfg.graphql_version,
                governor,
                warned: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The governor pacing this client's requests.
    pub fn governor(&self) -> &CostGovernor {
        &self.inner.governor
    }

    /// Runs operation `Q` for the Jobber account `account_id` with `access_token`.
    ///
    /// Waits for the account's cost budget and request window, then retries `THROTTLED`, 429 and
    /// transient failures with backoff up to `max_attempts`. An answer with `errors` is never a
    /// success. Mutations should call [`Response::check_user_errors`]. A caller that stores tokens
    /// should prefer [`JobberClient::execute_with`], which reads the token only when a request is
    /// about to be sent.
    pub async fn execute<Q: GraphQLQuery>(
        &self,
        account_id: &str,
        access_token: &str,
        variables: Q::Variables,
        priority: Priority,
    ) -> Result<Response<Q::ResponseData>, JobberError> {
        let source = FixedToken(access_token);
        self.execute_with::<Q, _>(account_id, &source, variables, priority).await.map_err(|e| match e {
            ExecuteError::Jobber(e) => e,
            ExecuteError::Token(never) => match never {},
        })
    }

    /// Runs operation `Q` for the Jobber account `account_id`, asking `tokens` for the access
    /// token right before each attempt is sent (after the governor admitted it): a request that
    /// waited for its account's budget while the token was refreshed carries the new token, not
    /// the one that was current when it started waiting. Retries as [`JobberClient::execute`].
    #[tracing::instrument(skip_all, fields(account.id = account_id, operation))]
    pub async fn execute_with<Q: GraphQLQuery, S: TokenSource>(
        &self,
        account_id: &str,
        tokens: &S,
        variables: Q::Variables,
        priority: Priority,
    ) -> Result<Response<Q::ResponseData>, ExecuteError<S::Error>> {
        let body = Q::build_query(variables);
        let operation = body.operation_name;
        tracing::Span::current().record("operation", operation);
        let body = serde_json::to_vec(&body)
            .map_err(|e| JobberError::Decode(format!("could not encode variables: {e}")))?;
        let governor = &self.inner.governor;
        let max_attempts = governor.config().max_attempts.max(1);

        let mut attempt = 1;
        loop {
            let permit = governor.admit(account_id, operation, priority).await;
            let token = tokens.access_token().await.map_err(ExecuteError::Token)?;
            let Attempt { result, cost } =
                self.send::<Q::ResponseData>(body.clone(), token.expose_secret()).await;
            permit.settle(cost.as_ref());
            let error = match result {
                Ok(response) => return Ok(response),
                Err(e) if e.is_retryable() && attempt < max_attempts => e,
                Err(e) => return Err(e.into()),
            };
            match &error {
                // The governor now knows the bucket and this operation's cost: its next admission
                // waits exactly as long as Jobber asks.
                JobberError::Throttled { .. } => {}
                JobberError::RateLimited { retry_after } => {
                    governor.pause_account(account_id, *retry_after);
                }
                _ => tokio::time::sleep(governor.backoff(attempt)).await,
            }
            tracing::debug!(attempt, %error, "retrying Jobber request");
            attempt += 1;
        }
    }

    /// Calls `appDisconnect` for the token's account and fails on `userErrors`.
    pub async fn app_disconnect(
        &self,
        account_id: &str,
        access_token: &str,
    ) -> Result<Response<app_disconnect::ResponseData>, JobberError> {
        self.execute::<crate::operations::AppDisconnect>(
            account_id,
            access_token,
            app_disconnect::Variables,
            Priority::High,
        )
        .await?
        .check_user_errors()
    }

    async fn send<T: serde::de::DeserializeOwned>(&self, body: Vec<u8>, access_token: &str) -> Attempt<T> {
        let sent = self
            .inner
            .http
            .post(self.inner.endpoint.clone())
            .header(AUTHORIZATION, format!("Bearer {access_token}"))
            .header(CONTENT_TYPE, "application/json")
            .header("X-JOBBER-GRAPHQL-VERSION", &self.inner.version)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return failed(transport_error(&e)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return failed(transport_error(&e)),
        };
        self.classify(status, &headers, &bytes)
    }

    fn classify<T: serde::de::DeserializeOwned>(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Attempt<T> {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        // Only Jobber's own messages are searched for markers, never `data` (merchant text).
        let messages = messages_of(json.as_ref(), body);
        let says = |marker: &str| messages.iter().any(|m| m.to_lowercase().contains(marker));
        if says(DISCONNECTED_MARKER) {
            return failed(JobberError::Disconnected);
        }
        if status == StatusCode::UNAUTHORIZED {
            return failed(JobberError::Unauthorized {
                message: messages.first().cloned().unwrap_or_else(|| "HTTP 401".to_owned()),
            });
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs);
            return failed(JobberError::RateLimited { retry_after });
        }
        if status.is_server_error() || says(UNAVAILABLE_MARKER) {
            return failed(JobberError::Transient(format!(
                "HTTP {status}{}",
                messages.first().map_or_else(String::new, |m| format!(": {m}"))
            )));
        }
        let raw: RawResponse = match json.map(serde_json::from_value) {
            Some(Ok(raw)) => raw,
            None => {
                return failed(JobberError::Decode(format!("HTTP {status}, body is not JSON")));
            }
            Some(Err(e)) => {
                return failed(JobberError::Decode(format!(
                    "HTTP {status}, body is not a GraphQL response: {e}"
                )));
            }
        };
        let extensions = raw.extensions.unwrap_or(RawExtensions { cost: None, versioning: None });
        let version = extensions.versioning.as_ref().and_then(|v| self.versioning(v));
        let cost = extensions.cost;
        let errors = raw.errors.unwrap_or_default();
        let result = if !errors.is_empty() {
            Err(graphql_errors(errors, cost.as_ref()))
        } else if !status.is_success() {
            Err(JobberError::Decode(format!("unexpected HTTP {status}")))
        } else {
            match raw.data {
                None | Some(Value::Null) => {
                    Err(JobberError::Decode("answer has neither data nor errors".into()))
                }
                Some(data) => serde_json::from_value::<T>(data)
                    .map(|data| Response { data, cost: cost.clone(), version })
                    .map_err(|e| JobberError::Decode(format!("data does not match the operation: {e}"))),
            }
        };
        Attempt { result, cost }
    }

    /// Logs each distinct versioning warning once, remembers when it was last seen, and returns
    /// the served version.
    fn versioning(&self, versioning: &Value) -> Option<String> {
        let served = versioning.get("version").and_then(Value::as_str).map(str::to_owned);
        let mut warnings: Vec<&str> = Vec::new();
        for key in ["warning", "warnings"] {
            match versioning.get(key) {
                Some(Value::String(s)) => warnings.push(s),
                Some(Value::Array(items)) => warnings.extend(items.iter().filter_map(Value::as_str)),
                _ => {}
            }
        }
        if !warnings.is_empty() {
            let now = chrono::Utc::now();
            let mut warned = self.inner.warned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for w in warnings {
                if let Some(seen) = warned.get_mut(w) {
                    seen.last_seen_at = now;
                    seen.served_version.clone_from(&served);
                    continue;
                }
                tracing::warn!(version = %self.inner.version, warning = w, "Jobber API version warning");
                warned.insert(
                    w.to_owned(),
                    VersionWarning {
                        message: w.to_owned(),
                        served_version: served.clone(),
                        first_seen_at: now,
                        last_seen_at: now,
                    },
                );
            }
        }
        served
    }

    /// Every distinct `extensions.versioning` warning this client has received, oldest first.
    pub fn version_warnings(&self) -> Vec<VersionWarning> {
        let warned = self.inner.warned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut all: Vec<VersionWarning> = warned.values().cloned().collect();
        all.sort_by_key(|w| w.first_seen_at);
        all
    }

    /// The API version this client asks for (`X-JOBBER-GRAPHQL-VERSION`).
    pub fn requested_version(&self) -> &str {
        &self.inner.version
    }
}

/// A warning Jobber sent in `extensions.versioning` (e.g. the requested version nears its end of
/// support, or was removed and silently upgraded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionWarning {
    /// Jobber's words.
    pub message: String,
    /// The version Jobber served with it (the newest answer's).
    pub served_version: Option<String>,
    pub first_seen_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
}

fn failed<T>(error: JobberError) -> Attempt<T> {
    Attempt { result: Err(error), cost: None }
}

fn transport_error(e: &reqwest::Error) -> JobberError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    // The URL carries no secret, but drop it anyway: the error says enough.
    JobberError::Transient(format!("{kind}: {}", strip_url(e)))
}

fn strip_url(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    last.unwrap_or_else(|| "no details".to_owned())
}

/// Jobber's own messages in an answer: top-level `message`/`error`/`error_description`, every
/// `errors[].message`, or the first 200 characters of a body that is not JSON.
fn messages_of(json: Option<&Value>, body: &[u8]) -> Vec<String> {
    let Some(json) = json else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        return if text.is_empty() { Vec::new() } else { vec![text.chars().take(200).collect()] };
    };
    let mut out = Vec::new();
    for key in ["message", "error_description", "error"] {
        if let Some(s) = json.get(key).and_then(Value::as_str) {
            out.push(s.to_owned());
        }
    }
    if let Some(errors) = json.get("errors").and_then(Value::as_array) {
        out.extend(errors.iter().filter_map(|e| e.get("message").and_then(Value::as_str)).map(str::to_owned));
    }
    out
}

fn graphql_errors(errors: Vec<GraphQlError>, cost: Option<&QueryCost>) -> JobberError {
    let code = |e: &GraphQlError| {
        e.extensions.as_ref().and_then(|x| x.get("code")).and_then(Value::as_str).map(str::to_owned)
    };
    if errors.iter().any(|e| code(e).as_deref() == Some("THROTTLED")) {
        return match cost {
            Some(c) if c.requested_query_cost > c.throttle_status.maximum_available => {
                JobberError::QueryTooExpensive {
                    requested: c.requested_query_cost,
                    maximum: c.throttle_status.maximum_available,
                }
            }
            Some(c) => JobberError::Throttled { wait: throttle_wait(c) },
            None => JobberError::Throttled { wait: Duration::from_secs(1) },
        };
    }
    if errors.iter().any(|e| code(e).as_deref() == Some("UNAUTHENTICATED")) {
        return JobberError::Unauthorized { message: errors[0].message.clone() };
    }
    JobberError::GraphQl(errors)
}

/// `(requestedQueryCost - currentlyAvailable) / restoreRate`, at least zero.
pub fn throttle_wait(cost: &QueryCost) -> Duration {
    let ts = &cost.throttle_status;
    let missing = (cost.requested_query_cost - ts.currently_available).max(0.0);
    if ts.restore_rate > 0.0 {
        Duration::from_secs_f64(missing / ts.restore_rate)
    } else {
        Duration::from_secs(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> JobberClient {
        let cfg = JobberConfig::new(
            "http://127.0.0.1:9/".parse().unwrap(),
            "id".into(),
            "secret".to_owned().into(),
        );
        JobberClient::new(cfg).unwrap()
    }

    #[test]
    fn endpoint_ignores_trailing_slash_and_keeps_a_prefix() {
        let mut cfg = JobberConfig::new(
            "https://api.getjobber.com".parse().unwrap(),
            "id".into(),
            "s".to_owned().into(),
        );
        assert_eq!(cfg.endpoint("graphql").as_str(), "https://api.getjobber.com/api/graphql");
        cfg.api_url = "http://127.0.0.1:8080/jobber/".parse().unwrap();
        assert_eq!(cfg.endpoint("oauth/token").as_str(), "http://127.0.0.1:8080/jobber/api/oauth/token");
    }

    #[test]
    fn each_versioning_warning_is_remembered_once() {
        let client = client();
        let v = serde_json::json!({"version": "2024-01-01", "warning": "near end of support"});
        for _ in 0..3 {
            assert_eq!(client.versioning(&v).as_deref(), Some("2024-01-01"));
        }
        client.versioning(
            &serde_json::json!({"version": "2024-02-01", "warnings": ["near end of support", "other"]}),
        );
        let seen = client.version_warnings();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].message, "near end of support");
        assert_eq!(seen[0].served_version.as_deref(), Some("2024-02-01"));
        assert!(seen[0].last_seen_at >= seen[0].first_seen_at);
    }

    #[test]
    fn throttle_wait_formula() {
        let cost = QueryCost {
            requested_query_cost: 1_000.0,
            actual_query_cost: 0.0,
            throttle_status: ThrottleStatus {
                maximum_available: 10_000.0,
                currently_available: 250.0,
                restore_rate: 500.0,
            },
        };
        assert_eq!(throttle_wait(&cost), Duration::from_millis(1_500));
    }
}
