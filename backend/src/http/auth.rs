//! OAuth with Jobber: `GET /auth/jobber`, `GET /auth/jobber/callback`, `GET /manage`,
//! `POST /auth/jobber/confirm`, `POST /auth/logout`.
//!
//! The OAuth `state` we send is bound to a short-lived, signed, HttpOnly cookie. Jobber's
//! Marketplace Connect button starts the flow on Jobber's side and sends no `state`, so a callback
//! without one is accepted; a callback *with* one must match the cookie. An arrival without
//! `state` never switches a browser silently: one that is signed in to another account, or has
//! an OAuth flow of its own pending, gets a confirmation page first (see [`crate::arrivals`]).
//! Codes are checked for shape and code exchanges rate-limited per client address before
//! anything is sent to Jobber. Query strings are never logged (they carry codes).

use std::net::{IpAddr, SocketAddr};

use axum::{
    Form, Router,
    extract::{ConnectInfo, FromRequestParts, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::{
    SignedCookieJar,
    cookie::{Cookie, SameSite},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use rand::RngCore;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::{
    arrivals::{self, HOLD_FOR},
    connect::{self, Exchanged},
    http::pages::{Action, render},
    jobber::callback_url,
    state::AppState,
};

const STATE_COOKIE: &str = "fieldsync_oauth_state";
const STATE_TTL_SECS: i64 = 600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/jobber", get(start))
        .route("/auth/jobber/callback", get(callback))
        .route("/auth/jobber/confirm", post(confirm))
        .route("/auth/logout", post(logout))
        .route("/manage", get(manage))
        // The confirmation form is the only body these routes read.
        .layer(axum::extract::DefaultBodyLimit::max(super::BODY_LIMIT_BYTES))
}

/// Starts OAuth: a fresh `state` in a signed cookie, then off to Jobber's consent page.
async fn start(State(state): State<AppState>, jar: SignedCookieJar) -> impl IntoResponse {
    let mut raw = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let nonce = B64URL.encode(raw);
    let url = state.jobber.oauth.authorize_url(&callback_url(&state.config), Some(&nonce));
    let cookie = Cookie::build((STATE_COOKIE, nonce))
        // Sent everywhere, so a stateless arrival at `/manage` also sees a pending flow.
        .path("/")
        .http_only(true)
        // Lax: the cookie must come back on Jobber's top-level redirect to our callback.
        .same_site(SameSite::Lax)
        .secure(state.sessions.secure())
        .max_age(cookie::time::Duration::seconds(STATE_TTL_SECS))
        .build();
    (jar.add(cookie), Redirect::to(url.as_str()))
}

#[derive(Deserialize)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    let expected = jar.get(STATE_COOKIE).map(|c| c.value().to_owned());
    let jar = jar.remove(Cookie::build(STATE_COOKIE).path("/"));
    if let Some(given) = &params.state {
        let matches = expected.as_deref().is_some_and(|e| bool::from(e.as_bytes().ct_eq(given.as_bytes())));
        if !matches {
            tracing::warn!("OAuth callback with a state we did not issue to this browser; nothing stored");
            return (jar, state_mismatch_page()).into_response();
        }
    }
    if let Some(error) = &params.error {
        tracing::info!(error = %error, "Jobber returned an OAuth error");
        let reason = if error == "access_denied" { "/denied" } else { "/connect-error?reason=jobber_error" };
        return (jar, Redirect::to(reason)).into_response();
    }
    let Some(code) = params.code else {
        // The merchant pressed Deny: Jobber redirects with no parameters at all.
        return (jar, Redirect::to("/denied")).into_response();
    };
    let arrival = match params.state {
        // This browser started the flow: it is the merchant's own doing.
        Some(_) => Arriving::Verified,
        None => Arriving::Stateless { pending_flow: expected.is_some() },
    };
    (jar, arrive_with_code(&state, &headers, addr, &code, arrival).await).into_response()
}

/// Jobber's Manage App URL. With `?code=`, exchange it like a stateless callback; without, the
/// SPA decides (Manage page with a session, Connect page without).
async fn manage(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    ClientAddr(addr): ClientAddr,
    Query(params): Query<CallbackParams>,
    headers: HeaderMap,
) -> Response {
    match params.code {
        Some(code) => {
            let pending_flow = jar.get(STATE_COOKIE).is_some();
            let jar = jar.remove(Cookie::build(STATE_COOKIE).path("/"));
            let arrival = Arriving::Stateless { pending_flow };
            (jar, arrive_with_code(&state, &headers, addr, &code, arrival).await).into_response()
        }
        None => crate::http::spa::index_response(&state.config.spa_dir, &headers).await,
    }
}

/// How a code arrived.
#[derive(Clone, Copy)]
enum Arriving {
    /// With the `state` this browser's own flow was given.
    Verified,
    /// Without `state` (Marketplace Connect, Manage App, or a link someone else made);
    /// `pending_flow` when the browser has an OAuth flow of its own under way.
    Stateless { pending_flow: bool },
}

/// The client address for the code-exchange rate limit: the peer, or with `TRUST_PROXY_HEADERS`
/// the last `X-Forwarded-For` entry (the one our proxy appended).
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let forwarded = state
            .config
            .http
            .trust_proxy_headers
            .then(|| {
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .next_back()?
                    .to_str()
                    .ok()?
                    .rsplit(',')
                    .next()?
                    .trim()
                    .parse()
                    .ok()
            })
            .flatten();
        Ok(Self(forwarded.or(peer)))
    }
}

/// Checks the code, applies the rate limit, exchanges the code, then signs the browser in, or
/// holds the arrival for confirmation when switching silently could be a login CSRF.
async fn arrive_with_code(
    state: &AppState,
    headers: &HeaderMap,
    addr: Option<IpAddr>,
    code: &str,
    arrival: Arriving,
) -> Response {
    if !arrivals::plausible_code(code) {
        tracing::warn!(len = code.len(), "OAuth code with an impossible shape; not sent to Jobber");
        return Redirect::to("/connect-error?reason=invalid_code").into_response();
    }
    if let Some(addr) = addr
        && !state.arrivals.allow_exchange(addr)
    {
        tracing::warn!(%addr, "too many OAuth code exchanges from one address");
        metrics::counter!("oauth_exchanges_rate_limited_total").increment(1);
        return too_many_attempts_page();
    }
    let exchanged = match connect::exchange(&state.tokens, &callback_url(&state.config), code).await {
        Ok(e) => e,
        Err(err) => {
            tracing::warn!(error = %err, "connecting a Jobber account failed");
            return Redirect::to(&format!("/connect-error?reason={}", err.reason())).into_response();
        }
    };
    let Arriving::Stateless { pending_flow } = arrival else {
        return complete(state, exchanged).await;
    };
    let session = match state.sessions.from_headers(headers).await {
        Ok(s) => s,
        Err(err) => return crate::error::AppError::from(err).into_response(),
    };
    let other = session.filter(|s| s.jobber_account_id != exchanged.account_id);
    if !pending_flow && other.is_none() {
        return complete(state, exchanged).await;
    }
    let current = match &other {
        Some(s) => state.db.find_connection(s.connection_id).await.ok().flatten().map(|c| c.account_name),
        None => None,
    };
    tracing::info!(
        signed_in_elsewhere = other.is_some(),
        pending_flow,
        "OAuth arrival without state held for confirmation"
    );
    confirmation_page(state, exchanged, current.as_deref(), other.is_some())
}

/// Connects (or signs in to) the exchanged account and starts this browser's session.
async fn complete(state: &AppState, exchanged: Exchanged) -> Response {
    match connect::arrive(&state.tokens, &state.db, exchanged).await {
        Ok(arrival) => match state.sessions.start(&arrival.connection, &arrival.user).await {
            Ok([session, known]) => {
                let jar = SignedCookieJar::new(state.keys.cookies.clone()).add(session).add(known);
                (jar, Redirect::to("/manage")).into_response()
            }
            Err(err) => crate::error::AppError::from(err).into_response(),
        },
        Err(err) => {
            tracing::warn!(error = %err, "connecting a Jobber account failed");
            Redirect::to(&format!("/connect-error?reason={}", err.reason())).into_response()
        }
    }
}

/// "Continue as …?": names the account and user the code belongs to; only the POST from this
/// page, with its one-time token, completes the arrival.
fn confirmation_page(
    state: &AppState,
    exchanged: Exchanged,
    current: Option<&str>,
    signed_in_elsewhere: bool,
) -> Response {
    let account = exchanged.account_name.clone();
    let who = match (&exchanged.user.name, &exchanged.user.email) {
        (Some(name), Some(email)) => format!("{name} ({email})"),
        (Some(name), None) => name.clone(),
        (None, Some(email)) => email.clone(),
        (None, None) => "a Jobber user".to_owned(),
    };
    let token = state.arrivals.hold(exchanged);
    let intro = format!("This link signs you in to Fieldsync for the Jobber account {account}, as {who}.");
    let why = match (signed_in_elsewhere, current) {
        (true, Some(current)) => format!("You are signed in to {current} in this browser. Continuing signs you out of it."),
        (true, None) => "You are signed in to another account in this browser. Continuing signs you out of it.".to_owned(),
        (false, _) => "This browser is in the middle of connecting a Jobber account. Continue only if you opened this link yourself.".to_owned(),
    };
    let keep = if signed_in_elsewhere { "Cancel and stay signed in" } else { "Cancel" };
    let mut res = render(
        StatusCode::OK,
        "Confirm the account",
        &format!("Continue as {account}?"),
        &[&intro, &why],
        &[
            Action::Post {
                label: &format!("Continue to {account}"),
                action: "/auth/jobber/confirm",
                fields: &[("token", &token), ("decision", "continue")],
                primary: true,
            },
            Action::Post {
                label: keep,
                action: "/auth/jobber/confirm",
                fields: &[("token", &token), ("decision", "cancel")],
                primary: false,
            },
        ],
    );
    // The page carries a one-time token: never framed (CSP frame-ancestors too), never cached.
    res.headers_mut().insert("x-frame-options", HeaderValue::from_static("DENY"));
    res
}

#[derive(Deserialize)]
struct ConfirmForm {
    token: String,
    decision: String,
}

/// The confirmation page's answer: "continue" completes the held arrival, anything else drops
/// it and keeps the browser as it was.
async fn confirm(State(state): State<AppState>, Form(form): Form<ConfirmForm>) -> Response {
    let Some(exchanged) = state.arrivals.take(&form.token) else {
        return render(
            StatusCode::BAD_REQUEST,
            "Confirmation expired",
            "This confirmation has expired",
            &[&format!(
                "A confirmation works once, for {} minutes. Nothing was changed; open Fieldsync from Jobber again.",
                HOLD_FOR.as_secs() / 60
            )],
            &[Action::Link { label: "Go to Fieldsync", href: "/manage", primary: true }],
        );
    };
    if form.decision == "continue" {
        complete(&state, exchanged).await
    } else {
        tracing::info!("held OAuth arrival cancelled by the merchant");
        Redirect::to("/manage").into_response()
    }
}

fn too_many_attempts_page() -> Response {
    let mut res = render(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        "Too many sign-in attempts",
        &[
            "There were too many sign-in attempts from your network in the last minute. Wait a minute, then open Fieldsync from Jobber again.",
        ],
        &[Action::Link { label: "Go to Fieldsync", href: "/", primary: true }],
    );
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    res
}

/// Ends this browser's session; the connection stays.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(err) = state.sessions.end(&headers).await {
        return crate::error::AppError::from(err).into_response();
    }
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, state.sessions.clear_cookie_header())]).into_response()
}

fn state_mismatch_page() -> Response {
    render(
        StatusCode::BAD_REQUEST,
        "Connection not completed",
        "We couldn't verify this sign-in",
        &["The link did not come from a connection this browser started, so nothing was connected."],
        &[Action::Link { label: "Start again", href: "/auth/jobber", primary: true }],
    )
}
