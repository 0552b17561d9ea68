//! The admin listener (`ADMIN_BIND_ADDR`): the operator console at `/admin`, the admin GraphQL
//! API at `/admin/graphql`, `/metrics`, and health checks. None of these routes exists on the
//! public listener (and `/metrics` is there only with `PUBLIC_METRICS=true`).
//!
//! Authentication: with `ADMIN_TOKEN` set, every route but the health checks, the console's page
//! and its files needs either `Authorization: Bearer <ADMIN_TOKEN>` (scripts, Prometheus) or the
//! console's session cookie, which `POST /admin/session` issues for the token: HttpOnly,
//! SameSite=Strict, `Path=/admin`, [`SESSION_TTL`] long, and signed with a key derived from the
//! token (changing the token ends every session). Without a token (allowed only on a loopback
//! address outside production, see `config`) the console is open. Comparisons are constant-time;
//! sign-in attempts are rate-limited per client address. State-changing requests pass the same
//! origin check as the public API (here the allowed origin is the listener's own, read from
//! `Host`).

use std::{net::SocketAddr, num::NonZeroU32, time::Duration};

use axum::{
    Json, Router,
    body::Body,
    extract::{ConnectInfo, DefaultBodyLimit, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use governor::{DefaultKeyedRateLimiter, Quota};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{admin_api::AdminSchema, installs::Operator, state::AppState};

/// How long a console session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 60);
/// The console's session cookie.
pub const COOKIE: &str = "fieldsync_admin";
/// The built console page, relative to `SPA_DIR`.
pub const PAGE: &str = "admin.html";

/// How the admin listener knows an operator.
#[derive(Clone)]
struct AdminAuth {
    /// `None`: no token configured (loopback development): open.
    token: Option<std::sync::Arc<[u8]>>,
    /// Signs session cookies; derived from the token.
    session_key: [u8; 32],
    /// Sign-in attempts per client address.
    limiter: std::sync::Arc<DefaultKeyedRateLimiter<std::net::IpAddr>>,
}

impl AdminAuth {
    fn new(state: &AppState) -> Self {
        let token = state.config.admin.token.as_ref().map(|t| t.expose_secret().as_bytes().to_vec());
        let session_key: [u8; 32] = Sha256::new()
            .chain_update(b"fieldsync admin session v1\0")
            .chain_update(token.as_deref().unwrap_or_default())
            .finalize()
            .into();
        let quota = Quota::per_minute(NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN));
        Self {
            token: token.map(Into::into),
            session_key,
            limiter: std::sync::Arc::new(DefaultKeyedRateLimiter::keyed(quota)),
        }
    }

    fn token_matches(&self, given: &[u8]) -> bool {
        // Both sides hashed first: equal lengths, so the comparison time says nothing.
        self.token.as_deref().is_some_and(|t| {
            let (a, b): ([u8; 32], [u8; 32]) = (Sha256::digest(t).into(), Sha256::digest(given).into());
            bool::from(a.ct_eq(&b))
        })
    }

    fn sign(&self, expires: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.session_key).expect("any key length");
        mac.update(format!("admin:{expires}").as_bytes());
        format!("{expires}.{}", B64.encode(mac.finalize().into_bytes()))
    }

    fn session_valid(&self, value: &str, now: i64) -> bool {
        let Some((expires, sig)) = value.split_once('.') else { return false };
        let (Ok(expires), Ok(sig)) = (expires.parse::<i64>(), B64.decode(sig)) else { return false };
        if expires <= now {
            return false;
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.session_key).expect("any key length");
        mac.update(format!("admin:{expires}").as_bytes());
        mac.verify_slice(&sig).is_ok()
    }

    /// Who is calling, or `None` when the request proves nothing.
    fn operator(&self, headers: &HeaderMap) -> Option<Operator> {
        if self.token.is_none() {
            return Some(Operator("operator (open console on loopback)".to_owned()));
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(given) = bearer {
            return self.token_matches(given.as_bytes()).then(|| Operator("operator (API token)".to_owned()));
        }
        let now = chrono::Utc::now().timestamp();
        session_cookie(headers)
            .filter(|v| self.session_valid(v, now))
            .map(|_| Operator("operator (console)".to_owned()))
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_owned())
}

/// The admin listener's whole app.
pub fn router(state: AppState) -> Router {
    let schema = crate::admin_api::schema(state.clone());
    let auth = AdminAuth::new(&state);
    let guarded = Router::new()
        .route("/metrics", get(super::health::metrics))
        .route("/admin/graphql", post(graphql))
        .route_layer(middleware::from_fn_with_state(auth.clone(), require_operator));
    Router::new()
        .merge(guarded)
        .route("/healthz", get(super::health::healthz))
        .route("/readyz", get(super::health::readyz))
        .route("/admin/session", get(session_status).post(sign_in))
        .route("/admin/logout", post(sign_out))
        .route("/admin", get(console_page))
        .route("/admin/{*rest}", get(console_page))
        .fallback_service(super::spa::files_only(&state.config.spa_dir))
        .layer(axum::Extension(schema))
        .layer(axum::Extension(auth))
        .layer(DefaultBodyLimit::max(super::BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(
            super::security::EdgeSettings::admin(&state),
            super::security::edge,
        ))
        .with_state(state)
}

async fn require_operator(State(auth): State<AdminAuth>, mut req: Request, next: Next) -> Response {
    match auth.operator(req.headers()) {
        Some(op) => {
            req.extensions_mut().insert(op);
            next.run(req).await
        }
        None => {
            let mut res = (
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({
                    "errors": [{ "message": "Sign in to the console, or send `Authorization: Bearer <ADMIN_TOKEN>`.",
                                 "extensions": { "code": "UNAUTHENTICATED" } }]
                })),
            )
                .into_response();
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            res
        }
    }
}

async fn graphql(
    axum::Extension(schema): axum::Extension<AdminSchema>,
    axum::Extension(op): axum::Extension<Operator>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut res = match super::graphql::read_request(&headers, body).await {
        Ok(request) => {
            async_graphql_axum::GraphQLResponse::from(schema.execute(request.data(op)).await).into_response()
        }
        Err(refusal) => refusal,
    };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn session_status(axum::Extension(auth): axum::Extension<AdminAuth>, headers: HeaderMap) -> Response {
    let body = serde_json::json!({
        "signedIn": auth.operator(&headers).is_some(),
        "tokenRequired": auth.token.is_some(),
    });
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

#[derive(serde::Deserialize)]
struct SignIn {
    token: String,
}

async fn sign_in(
    axum::Extension(auth): axum::Extension<AdminAuth>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let refuse = |status: StatusCode, message: &str| {
        (status, [(header::CACHE_CONTROL, "no-store")], Json(serde_json::json!({ "error": message })))
            .into_response()
    };
    if !super::graphql::is_json(&headers) {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Send the token as JSON: {\"token\": \"…\"}.");
    }
    if auth.token.is_none() {
        return refuse(StatusCode::BAD_REQUEST, "No ADMIN_TOKEN is configured: the console is open.");
    }
    if auth.limiter.check_key(&peer.ip()).is_err() {
        tracing::warn!(peer = %peer.ip(), "admin sign-in rate-limited");
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in attempts. Wait a minute and try again.",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, 4096).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large.");
    };
    let Ok(SignIn { token }) = serde_json::from_slice::<SignIn>(&bytes) else {
        return refuse(StatusCode::BAD_REQUEST, "Send the token as JSON: {\"token\": \"…\"}.");
    };
    if !auth.token_matches(token.trim().as_bytes()) {
        tracing::warn!(peer = %peer.ip(), "admin sign-in with a wrong token");
        metrics::counter!("admin_sign_in_refused_total").increment(1);
        return refuse(StatusCode::UNAUTHORIZED, "That is not the ADMIN_TOKEN.");
    }
    // `Secure` when the console was opened over https (a TLS proxy in front of the listener): the
    // listener itself speaks plain HTTP on a private address, where a `Secure` cookie would be
    // dropped by the browser.
    let secure =
        headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).is_some_and(|o| o.starts_with("https://"));
    let ttl = i64::try_from(SESSION_TTL.as_secs()).unwrap_or(1800);
    let value = auth.sign(chrono::Utc::now().timestamp() + ttl);
    let cookie = cookie::Cookie::build((COOKIE, value))
        .path("/admin")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(ttl))
        .build();
    tracing::info!(peer = %peer.ip(), "operator signed in to the console");
    (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie.to_string()), (header::CACHE_CONTROL, "no-store".to_owned())],
    )
        .into_response()
}

async fn sign_out() -> Response {
    let cookie = cookie::Cookie::build((COOKIE, ""))
        .path("/admin")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .max_age(cookie::time::Duration::ZERO)
        .build();
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie.to_string())]).into_response()
}

/// The console's page (every client route of it): the built `admin.html`.
async fn console_page(State(state): State<AppState>, method: Method, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = state.config.spa_dir.join(PAGE);
    match super::spa::file_response(&path, headers.get(header::ACCEPT_ENCODING).cloned()).await {
        Some(res) => res,
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The operator console is not built: run `npm run build` (or the README's run command), \
             or set SPA_DIR to a built frontend/dist.",
        )
            .into_response(),
    }
}
