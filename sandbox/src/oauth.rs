//! Jobber's OAuth endpoints: the consent page (`/api/oauth/authorize`) and the token endpoint
//! (`/api/oauth/token`), with Jobber's quirks: no `expires_in`, `expires_at` only on refresh,
//! refresh-token rotation that kills the old token at once, deny = redirect without parameters.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Form;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::json;

use crate::{AccessRec, CodeRec, Inner, RefreshRec, Sandbox, lock};

pub(crate) fn router() -> Router<Sandbox> {
    Router::new()
        .route("/api/oauth/authorize", get(authorize_page).post(authorize_decision))
        .route("/api/oauth/token", post(token))
}

fn random_hex(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

pub(crate) fn issue_code(inner: &Arc<Inner>, account: u64, redirect_uri: &str) -> String {
    let code = random_hex(16);
    lock(&inner.state).codes.insert(
        code.clone(),
        CodeRec {
            account,
            redirect_uri: redirect_uri.to_owned(),
            expires_at: Instant::now() + inner.config.code_lifetime,
        },
    );
    inner.connect(account);
    code
}

/// The claims Jobber puts in its access tokens (from the JWT in Jobber's own template specs).
#[derive(serde::Serialize, serde::Deserialize)]
struct Claims {
    sub: u64,
    iss: String,
    client_id: String,
    scope: String,
    app_id: String,
    user_id: u64,
    account_id: u64,
    exp: i64,
}

const SCOPES: &str = "read_clients write_clients read_requests read_quotes read_jobs \
                      read_scheduled_items read_invoices read_users read_expenses";

struct Pair {
    access: String,
    refresh: String,
    exp: i64,
}

fn issue_pair(inner: &Inner, account: u64, user: u64) -> Pair {
    let lifetime =
        chrono::Duration::from_std(inner.config.token_lifetime).unwrap_or(chrono::Duration::hours(1));
    let exp = (Utc::now() + lifetime).timestamp();
    let claims = Claims {
        sub: user,
        iss: "https://api.getjobber.com".to_owned(),
        client_id: inner.config.client_id.clone(),
        scope: SCOPES.to_owned(),
        app_id: inner.config.app_id.clone(),
        user_id: user,
        account_id: account,
        exp,
    };
    // Jobber's header is exactly {"alg":"HS256"}, without "typ".
    let header =
        jsonwebtoken::Header { typ: None, ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256) };
    let access =
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(&inner.jwt_key))
            .unwrap_or_default();
    let refresh = random_hex(16);
    let mut st = lock(&inner.state);
    st.access.insert(access.clone(), AccessRec { account, user, exp, forced_expired: false, revoked: None });
    st.refresh.insert(refresh.clone(), RefreshRec { account, user });
    Pair { access, refresh, exp }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_box(message: &str) -> Box<Response> {
    Box::new(error_page(message))
}

fn error_page(message: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Authorization error</title>\
         </head><body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <h1>An error has occurred</h1><p id=\"error\">{}</p></body></html>",
        html_escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// Checks client_id, redirect_uri and response_type; returns the redirect URI.
fn validate(inner: &Inner, params: &HashMap<String, String>) -> Result<String, Box<Response>> {
    let config = &inner.config;
    if params.get("client_id").map(String::as_str) != Some(config.client_id.as_str()) {
        return Err(Box::new(error_page(
            "Client authentication failed due to unknown client, no client authentication \
             included, or unsupported authentication method.",
        )));
    }
    if let Some(rt) = params.get("response_type")
        && rt != "code"
    {
        return Err(error_box("The authorization server does not support this response type."));
    }
    let redirect = params.get("redirect_uri").cloned().unwrap_or_default();
    let ok = if config.redirect_uris.is_empty() {
        url::Url::parse(&redirect).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    } else {
        config.redirect_uris.contains(&redirect)
    };
    if !ok {
        // Wording reported by a third-party client (UNCERTAIN).
        return Err(error_box(&format!("The provided redirect URI \"{redirect}\" isn't valid")));
    }
    Ok(redirect)
}

async fn authorize_page(
    State(sandbox): State<Sandbox>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let inner = &sandbox.inner;
    if let Err(page) = validate(inner, &params) {
        return *page;
    }
    let options: String = sandbox
        .accounts()
        .iter()
        .map(|a| {
            format!(
                "<option value=\"{}\">{} ({})</option>",
                html_escape(&a.id),
                html_escape(&a.name),
                html_escape(&a.user.name)
            )
        })
        .collect();
    let hidden: String = ["client_id", "redirect_uri", "state", "response_type"]
        .iter()
        .filter_map(|k| {
            params
                .get(*k)
                .map(|v| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", html_escape(v)))
        })
        .collect();
    let app = html_escape(&inner.config.app_name);
    // `action=""` posts back to this very URL, so the page works under any prefix.
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Authorize {app}</title></head>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <h1>{app} would like to connect to your Jobber account</h1>\
         <p>It will be able to read and write your clients, properties, jobs, quotes and \
         invoices.</p>\
         <form method=\"post\" action=\"\">{hidden}\
         <label for=\"account\">Account</label> \
         <select id=\"account\" name=\"account\">{options}</select>\
         <p><button type=\"submit\" name=\"decision\" value=\"allow\">Allow Access</button> \
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></p>\
         </form></body></html>"
    );
    Html(body).into_response()
}

async fn authorize_decision(
    State(sandbox): State<Sandbox>,
    Query(query): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut params = query;
    params.extend(form);
    let inner = &sandbox.inner;
    let redirect = match validate(inner, &params) {
        Ok(r) => r,
        Err(page) => return *page,
    };
    if params.get("decision").map(String::as_str) != Some("allow") {
        // Jobber redirects a denial to the bare redirect URI, with no parameters at all.
        return found(&redirect);
    }
    let Some(account) = params.get("account").and_then(|a| inner.account_num(a)) else {
        return error_page("Choose an account to connect.");
    };
    let code = issue_code(inner, account, &redirect);
    let Ok(mut url) = url::Url::parse(&redirect) else {
        return error_page("The redirect URI is not a URL.");
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("code", &code);
        if let Some(state) = params.get("state") {
            q.append_pair("state", state);
        }
    }
    found(url.as_str())
}

/// Jobber answers the consent form with a 302.
fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(axum::http::header::LOCATION, location.to_owned())]).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

fn invalid_grant_code() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "The provided authorization grant is invalid, expired, revoked, does not match the \
         redirection URI used in the authorization request, or was issued to another client.",
    )
}

async fn token(State(sandbox): State<Sandbox>, Form(form): Form<HashMap<String, String>>) -> Response {
    let inner = &sandbox.inner;
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    {
        let mut stats = lock(&inner.stats);
        *stats.token_requests.entry(grant.clone()).or_default() += 1;
        if grant == "refresh_token" {
            stats.refresh_requests += 1;
        }
    }
    let latency = inner.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if inner.faults.take_token_5xx() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "temporarily_unavailable",
                        "error_description": "Service temporarily unavailable"})),
        )
            .into_response();
    }
    let config = &inner.config;
    if form.get("client_id") != Some(&config.client_id)
        || form.get("client_secret") != Some(&config.client_secret)
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication \
             included, or unsupported authentication method.",
        );
    }
    match grant.as_str() {
        "authorization_code" => {
            let code = form.get("code").cloned().unwrap_or_default();
            // Codes are single-use: taken out of the map whether or not the rest checks out.
            let rec = lock(&inner.state).codes.remove(&code);
            let Some(rec) = rec else {
                return invalid_grant_code();
            };
            if rec.expires_at <= Instant::now() || form.get("redirect_uri") != Some(&rec.redirect_uri) {
                return invalid_grant_code();
            }
            let user = lock(&inner.state).account(rec.account).map(|a| a.user.id).unwrap_or_default();
            let pair = issue_pair(inner, rec.account, user);
            Json(json!({"access_token": pair.access, "refresh_token": pair.refresh})).into_response()
        }
        "refresh_token" => {
            let token = form.get("refresh_token").cloned().unwrap_or_default();
            // Rotation: the redeemed token is gone before the new pair exists.
            let rec = lock(&inner.state).refresh.remove(&token);
            let Some(rec) = rec else {
                // Jobber documents the message; the error code and the 400 status are
                // UNCERTAIN for real Jobber.
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The provided refresh token is not valid.",
                );
            };
            let pair = issue_pair(inner, rec.account, rec.user);
            let expires_at = chrono::DateTime::from_timestamp(pair.exp, 0)
                .unwrap_or_default()
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string();
            Json(json!({
                "access_token": pair.access,
                "refresh_token": pair.refresh,
                "expires_at": expires_at,
            }))
            .into_response()
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        ),
    }
}

/// The account behind an access token, or why there is none.
pub(crate) enum TokenCheck {
    Ok { account: u64, user: u64 },
    Missing,
    Invalid,
    Expired,
    Disconnected,
}

pub(crate) fn check_access(inner: &Inner, bearer: Option<&str>) -> TokenCheck {
    let Some(token) = bearer else {
        return TokenCheck::Missing;
    };
    let st = lock(&inner.state);
    let Some(rec) = st.access.get(token) else {
        return TokenCheck::Invalid;
    };
    if rec.revoked.is_some() {
        return TokenCheck::Disconnected;
    }
    if rec.forced_expired || rec.exp <= Utc::now().timestamp() {
        return TokenCheck::Expired;
    }
    TokenCheck::Ok { account: rec.account, user: rec.user }
}
