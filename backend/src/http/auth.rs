//! OAuth with Jobber: `GET /auth/jobber`, `GET /auth/jobber/callback`, `GET /manage`,
//! `POST /auth/logout`.
//!
//! The OAuth `state` we send is bound to a short-lived, signed, HttpOnly cookie. Jobber's
//! Marketplace Connect button starts the flow on Jobber's side and sends no `state`, so a callback
//! without one is accepted; a callback *with* one must match the cookie. Query strings are never
//! logged (they carry codes).

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
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

use crate::{connect, jobber::callback_url, state::AppState};

const STATE_COOKIE: &str = "fieldsync_oauth_state";
const STATE_TTL_SECS: i64 = 600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/jobber", get(start))
        .route("/auth/jobber/callback", get(callback))
        .route("/auth/logout", post(logout))
        .route("/manage", get(manage))
}

/// Starts OAuth: a fresh `state` in a signed cookie, then off to Jobber's consent page.
async fn start(State(state): State<AppState>, jar: SignedCookieJar) -> impl IntoResponse {
    let mut raw = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let nonce = B64URL.encode(raw);
    let url = state.jobber.oauth.authorize_url(&callback_url(&state.config), Some(&nonce));
    let cookie = Cookie::build((STATE_COOKIE, nonce))
        .path("/auth/jobber")
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
    Query(params): Query<CallbackParams>,
) -> Response {
    let expected = jar.get(STATE_COOKIE).map(|c| c.value().to_owned());
    let jar = jar.remove(Cookie::build(STATE_COOKIE).path("/auth/jobber"));
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
    let Some(code) = params.code.filter(|c| !c.is_empty()) else {
        // The merchant pressed Deny: Jobber redirects with no parameters at all.
        return (jar, Redirect::to("/denied")).into_response();
    };
    (jar, finish_connect(&state, &code).await).into_response()
}

/// Jobber's Manage App URL. With `?code=`, exchange it like a callback; without, the SPA decides
/// (Manage page with a session, Connect page without).
async fn manage(
    State(state): State<AppState>,
    Query(params): Query<CallbackParams>,
    headers: HeaderMap,
) -> Response {
    match params.code.filter(|c| !c.is_empty()) {
        Some(code) => finish_connect(&state, &code).await,
        None => crate::http::spa::index_response(&state.config.spa_dir, &headers).await,
    }
}

async fn finish_connect(state: &AppState, code: &str) -> Response {
    match connect::connect_with_code(&state.tokens, &state.db, &callback_url(&state.config), code).await {
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

/// Ends this browser's session; the connection stays.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(err) = state.sessions.end(&headers).await {
        return crate::error::AppError::from(err).into_response();
    }
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, state.sessions.clear_cookie_header())]).into_response()
}

fn state_mismatch_page() -> Response {
    use crate::http::pages::{Action, render};
    render(
        StatusCode::BAD_REQUEST,
        "Connection not completed",
        "We couldn't verify this sign-in",
        &["The link did not come from a connection this browser started, so nothing was connected."],
        &[Action::Link { label: "Start again", href: "/auth/jobber", primary: true }],
    )
}
