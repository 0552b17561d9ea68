//! Jobber's OAuth 2.0 token endpoint: the authorize link, code exchange and refresh.
//!
//! It owns the wire format of `{api_url}/api/oauth/authorize` and `{api_url}/api/oauth/token` and
//! the sorting of its failures into [`TokenError`]. It must not store tokens, lock refreshes or
//! decide when to refresh: Jobber rotates refresh tokens (the old one dies at once), so the caller
//! serializes refreshes per account and saves the returned pair atomically. Never log tokens or
//! codes.
//!
//! Why not the `oauth2` crate: its `StandardTokenResponse` requires `token_type`, which Jobber does
//! not send (its answers are `{access_token, refresh_token}` plus, on refresh, `expires_at` and
//! sometimes `warning`). The maintainers' answer (ramosbugs/oauth2-rs#234, #63) is to write a
//! custom `TokenResponse` type and error type, which is more code than these two form posts, and
//! would still leave Jobber's plain-text errors ("The provided refresh token is not valid.") to be
//! sorted by hand.

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::client::{ClientBuildError, JobberConfig, http_client};

/// Lifetime assumed when an answer gives no expiry at all (Jobber documents 60 minutes).
const DEFAULT_LIFETIME: TimeDelta = TimeDelta::minutes(60);

/// A token pair from Jobber.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The bearer token (a JWT signed by Jobber).
    pub access_token: SecretString,
    /// The refresh token; replace the stored one with it every time (rotation).
    pub refresh_token: SecretString,
    /// When the access token expires: the JWT's `exp`, else `expires_in`/`expires_at`.
    pub expires_at: DateTime<Utc>,
    /// Jobber's `warning` (rotation off, or an old refresh token redeemed); log it.
    pub warning: Option<String>,
}

/// A failed call to the token endpoint.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The authorization code is invalid, expired or already used (`invalid_grant`).
    #[error("the authorization code was rejected ({0}); start the Jobber connection again")]
    InvalidCode(String),
    /// The refresh token is no longer valid (rotated, disconnected, secret rolled). The merchant
    /// must reconnect.
    #[error("the refresh token is no longer valid ({0}); reconnect Jobber to continue")]
    InvalidRefreshToken(String),
    /// Jobber rejected the client id/secret or redirect URI (`invalid_client`, HTTP 401): a
    /// configuration problem on our side.
    #[error(
        "Jobber rejected the app's client credentials ({0}); check JOBBER_CLIENT_ID/SECRET and the callback URL"
    )]
    InvalidClient(String),
    /// 5xx, timeout or connection failure; retry later.
    #[error("Jobber's token endpoint is unavailable: {0}")]
    Transient(String),
    /// An answer that could not be understood.
    #[error("unexpected answer from Jobber's token endpoint: {0}")]
    Malformed(String),
}

impl TokenError {
    /// Whether retrying the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// Client for Jobber's OAuth endpoints.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    authorize: url::Url,
    token: url::Url,
    client_id: String,
    client_secret: SecretString,
}

#[derive(Deserialize)]
struct RawToken {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    expires_at: Option<String>,
    warning: Option<String>,
}

#[derive(Clone, Copy)]
enum Grant {
    Code,
    Refresh,
}

impl OAuthClient {
    /// A client for `cfg.api_url` with `cfg`'s credentials and timeouts.
    pub fn new(cfg: &JobberConfig) -> Result<Self, ClientBuildError> {
        Ok(Self {
            http: http_client(cfg)?,
            authorize: cfg.endpoint("oauth/authorize"),
            token: cfg.endpoint("oauth/token"),
            client_id: cfg.client_id.clone(),
            client_secret: cfg.client_secret.clone(),
        })
    }

    /// `{api_url}/api/oauth/authorize?response_type=code&client_id=…&redirect_uri=…[&state=…]`.
    pub fn authorize_url(&self, redirect_uri: &str, state: Option<&str>) -> url::Url {
        let mut url = self.authorize.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", redirect_uri);
            if let Some(state) = state {
                q.append_pair("state", state);
            }
        }
        url
    }

    /// Exchanges an authorization `code` (from the callback) for tokens.
    pub async fn exchange_code(&self, code: &str, redirect_uri: &str) -> Result<TokenSet, TokenError> {
        self.post(
            Grant::Code,
            &[("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)],
            None,
        )
        .await
    }

    /// Redeems `refresh_token` for a new pair. Save the returned refresh token before using the
    /// access token: the old refresh token is dead once this succeeds.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, TokenError> {
        self.post(
            Grant::Refresh,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose_secret())],
            Some(refresh_token),
        )
        .await
    }

    async fn post(
        &self,
        grant: Grant,
        params: &[(&str, &str)],
        sent_refresh: Option<&SecretString>,
    ) -> Result<TokenSet, TokenError> {
        let mut form: Vec<(&str, &str)> =
            vec![("client_id", &self.client_id), ("client_secret", self.client_secret.expose_secret())];
        form.extend_from_slice(params);
        let response = self
            .http
            .post(self.token.clone())
            .form(&form)
            .send()
            .await
            .map_err(|e| TokenError::Transient(transport(&e)))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| TokenError::Transient(transport(&e)))?;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if status.is_success() {
            let raw: RawToken = json
                .and_then(|j| serde_json::from_value(j).ok())
                .ok_or_else(|| TokenError::Malformed(format!("HTTP {status}, body is not a token answer")))?;
            return token_set(raw, sent_refresh, Utc::now());
        }
        Err(classify_failure(grant, status, json.as_ref(), &body))
    }
}

fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    }
}

fn classify_failure(grant: Grant, status: StatusCode, json: Option<&Value>, body: &[u8]) -> TokenError {
    let field = |k: &str| json.and_then(|j| j.get(k)).and_then(Value::as_str);
    let code = field("error").unwrap_or_default().to_owned();
    let description =
        field("error_description").or(field("message")).map(str::to_owned).unwrap_or_else(|| {
            if json.is_some() {
                code.clone()
            } else {
                // Codes and tokens are never echoed back in Jobber's plain-text errors.
                String::from_utf8_lossy(body).trim().chars().take(200).collect()
            }
        });
    let detail = if description.is_empty() { format!("HTTP {status}") } else { description.clone() };
    let lower = description.to_lowercase();

    if status.is_server_error() || lower.contains("temporarily unavailable") {
        return TokenError::Transient(detail);
    }
    let refresh_invalid = lower.contains("refresh token is not valid");
    if code == "invalid_grant" || refresh_invalid {
        return match grant {
            Grant::Code => TokenError::InvalidCode(detail),
            Grant::Refresh => TokenError::InvalidRefreshToken(detail),
        };
    }
    if code == "invalid_client"
        || code == "unauthorized_client"
        || status == StatusCode::UNAUTHORIZED
        || lower.contains("redirect uri")
    {
        return TokenError::InvalidClient(detail);
    }
    match grant {
        // Jobber's error for a bad code is not documented; any other 4xx on exchange is the code.
        Grant::Code if status.is_client_error() => TokenError::InvalidCode(detail),
        _ => TokenError::Malformed(format!("HTTP {status}: {detail}")),
    }
}

fn token_set(
    raw: RawToken,
    sent_refresh: Option<&SecretString>,
    now: DateTime<Utc>,
) -> Result<TokenSet, TokenError> {
    let access_token = raw
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| TokenError::Malformed("no access_token".into()))?;
    let refresh_token = match (raw.refresh_token.filter(|t| !t.is_empty()), sent_refresh) {
        (Some(t), _) => SecretString::from(t),
        // A refresh answer without a new token keeps the old one valid (rotation off).
        (None, Some(sent)) => sent.clone(),
        (None, None) => return Err(TokenError::Malformed("no refresh_token".into())),
    };
    let expires_at = jwt_expiry(&access_token)
        .or_else(|| raw.expires_in.and_then(|s| now.checked_add_signed(TimeDelta::seconds(s))))
        .or_else(|| raw.expires_at.as_deref().and_then(parse_expires_at))
        .unwrap_or_else(|| {
            tracing::warn!("Jobber token answer has no expiry; assuming 60 minutes");
            now + DEFAULT_LIFETIME
        });
    Ok(TokenSet {
        access_token: SecretString::from(access_token),
        refresh_token,
        expires_at,
        warning: raw.warning,
    })
}

/// The `exp` claim of a JWT, read without checking the signature.
///
/// Hand-written because only Jobber can verify the signature anyway, we need nothing but `exp`,
/// and `jsonwebtoken` 9 has no plain "decode the payload" call any more: it would need a dummy key,
/// a validation config with signature checks disabled and its crypto backend, for the same result
/// as these few lines.
pub fn jwt_expiry(token: &str) -> Option<DateTime<Utc>> {
    #[derive(Deserialize)]
    struct Claims {
        exp: i64,
    }
    let payload = token.split('.').nth(1)?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(claims.exp, 0)
}

/// Jobber's `expires_at` (`2022-06-13 17:16:57 UTC`), or RFC 3339.
fn parse_expires_at(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S UTC")
        .map(|n| n.and_utc())
        .ok()
        .or_else(|| DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| d.to_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(access: &str, expires_in: Option<i64>, expires_at: Option<&str>) -> RawToken {
        RawToken {
            access_token: Some(access.into()),
            refresh_token: Some("r".into()),
            expires_in,
            expires_at: expires_at.map(str::to_owned),
            warning: None,
        }
    }

    #[test]
    fn expiry_prefers_the_jwt_then_expires_in_then_expires_at() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE2NTUxNDA2MTd9.sig"; // {"exp":1655140617}
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let t = token_set(raw(jwt, Some(10), Some("2030-01-01 00:00:00 UTC")), None, now).unwrap();
        assert_eq!(t.expires_at.timestamp(), 1_655_140_617);
        let t = token_set(raw("opaque", Some(10), Some("2030-01-01 00:00:00 UTC")), None, now).unwrap();
        assert_eq!(t.expires_at, now + TimeDelta::seconds(10));
        let t = token_set(raw("opaque", None, Some("2022-06-13 17:16:57 UTC")), None, now).unwrap();
        assert_eq!(t.expires_at.timestamp(), 1_655_140_617);
        let t = token_set(raw("opaque", None, None), None, now).unwrap();
        assert_eq!(t.expires_at, now + DEFAULT_LIFETIME);
    }

    #[test]
    fn jwt_payload_with_padding_or_garbage() {
        assert!(jwt_expiry("a.eyJleHAiOjF9.c").is_some());
        assert!(jwt_expiry("a.eyJleHAiOjF9==.c").is_some());
        assert!(jwt_expiry("not-a-jwt").is_none());
        assert!(jwt_expiry("a.!!!.c").is_none());
    }
}
