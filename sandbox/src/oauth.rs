//! Jobber's OAuth endpoints: the consent page (`/api/oauth/authorize`) and the token endpoint
//! (`/api/oauth/token`), with Jobber's quirks: no `expires_in`, `expires_at` only on refresh,
//! refresh-token rotation that kills the old token at once, deny = redirect without parameters.
//! The consent page stands in for Jobber's login too: picking a user of an account decides
//! whose tokens the code yields. Every issued token is logged (`usage`) by fingerprint.

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

use crate::html::{escape as html_escape, page};
use crate::usage::{RefreshLogEntry, TokenLog, token_fingerprint};
use crate::{AccessRec, CodeRec, Inner, RefreshRec, Sandbox, State as Store, ids, lock};

pub(crate) fn router() -> Router<Sandbox> {
    Router::new()
        .route("/api/oauth/authorize", get(authorize_page).post(authorize_decision))
        .route("/api/oauth/token", post(token))
}

fn random_hex(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

pub(crate) fn issue_code(inner: &Arc<Inner>, account: u64, user: u64, redirect_uri: &str) -> String {
    let code = random_hex(16);
    lock(&inner.state).codes.insert(
        code.clone(),
        CodeRec {
            account,
            user,
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

/// Mints a pair and stores it under the caller's lock (so a refresh's rotation is one step).
fn issue_pair(
    inner: &Inner,
    st: &mut Store,
    account: u64,
    user: u64,
    grant: &'static str,
    replaces: Option<String>,
) -> Pair {
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
    // Without a per-token claim, two tokens minted in the same second for the same user are
    // the same string: a refresh right after an expiry would hand back (and revive) the
    // expired token. `jti` keeps every token distinct.
    st.token_seq += 1;
    let seq = st.token_seq;
    let access = jsonwebtoken::encode(
        &header,
        &UniqueClaims { claims: &claims, jti: seq },
        &jsonwebtoken::EncodingKey::from_secret(&inner.jwt_key),
    )
    .unwrap_or_default();
    let refresh = random_hex(16);
    let log = TokenLog::new(seq, &access, grant, replaces);
    st.access
        .insert(access.clone(), AccessRec { account, user, exp, forced_expired: false, revoked: None, log });
    st.refresh.insert(refresh.clone(), RefreshRec { account, user, access: access.clone() });
    Pair { access, refresh, exp }
}

/// Claims plus a per-token number. UNCERTAIN whether Jobber's tokens carry a `jti`; a
/// decoder that ignores unknown claims (every JWT library does) cannot tell.
#[derive(serde::Serialize)]
struct UniqueClaims<'a> {
    #[serde(flatten)]
    claims: &'a Claims,
    jti: u64,
}

fn error_box(message: &str) -> Box<Response> {
    Box::new(error_page(message))
}

fn error_page(message: &str) -> Response {
    let main = format!("<h1>An error has occurred</h1><p id=\"error\">{}</p>", html_escape(message));
    let body = page("Authorization error", "Jobber", &main, FOOTER, false);
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

const FOOTER: &str = "Jobber sandbox: a local stand-in for Jobber's sign-in and consent screen. \
                      Nothing here reaches the real Jobber.";

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
    Html(consent_page(&sandbox, &params)).into_response()
}

/// One option per user of every account: the owner's value is the bare account id (what
/// scripts post), another user's is `<account id>:<user id>`. The text always starts with the
/// account name, owner first, so "the first option naming the account" is its owner.
fn consent_page(sandbox: &Sandbox, params: &HashMap<String, String>) -> String {
    let mut options = String::new();
    for a in sandbox.accounts() {
        for u in &a.users {
            let value = if u.is_account_owner { a.id.clone() } else { format!("{}:{}", a.id, u.id) };
            options.push_str(&format!(
                "<option value=\"{}\">{} ({})</option>",
                html_escape(&value),
                html_escape(&a.name),
                html_escape(&u.name)
            ));
        }
    }
    let hidden: String = ["client_id", "redirect_uri", "state", "response_type"]
        .iter()
        .filter_map(|k| {
            params
                .get(*k)
                .map(|v| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", html_escape(v)))
        })
        .collect();
    let name = &sandbox.inner.config.app_name;
    let app = html_escape(name);
    // `action=""` posts back to this very URL, so the page works under any prefix.
    let main = format!(
        "<h1>Connect {app} to your Jobber account</h1>\
         <p><strong>{app}</strong> is asking for access to your Jobber account. If you allow it, \
         {app} will be able to:</p>\
         <ul><li>see and change your clients and properties</li>\
         <li>see your requests, quotes, jobs, visits and invoices</li>\
         <li>see your team's users and expenses</li></ul>\
         <form method=\"post\" action=\"\">{hidden}\
         <label for=\"account\">Account and user</label>\
         <select id=\"account\" name=\"account\">{options}</select>\
         <p class=\"hint\">You are signing in as the selected user of that account; \
         {app} acts on their behalf.</p>\
         <div class=\"actions\">\
         <button type=\"submit\" class=\"primary\" name=\"decision\" value=\"allow\">Allow Access</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </div></form>"
    );
    page(&format!("Connect {name} to Jobber"), "Jobber", &main, FOOTER, false)
}

/// The account and user a consent form chose: `account` is an account id or
/// `<account id>:<user id>`; a separate `user` field also works. No user means the owner.
fn chosen(inner: &Inner, params: &HashMap<String, String>) -> Result<(u64, u64), &'static str> {
    let raw = params.get("account").map(String::as_str).unwrap_or_default();
    let (account_id, user_in_account) = match raw.split_once(':') {
        Some((a, u)) => (a, Some(u)),
        None => (raw, None),
    };
    let user_id = user_in_account.or(params.get("user").map(String::as_str)).filter(|u| !u.is_empty());
    let account = inner.account_num(account_id).ok_or("Choose an account to connect.")?;
    let st = lock(&inner.state);
    let acc = st.account(account).ok_or("Choose an account to connect.")?;
    let user = match user_id {
        None => acc.owner().id,
        Some(u) => ids::decode("User", u)
            .and_then(|n| acc.user(n))
            .map(|u| u.id)
            .ok_or("That user is not a user of the chosen account.")?,
    };
    Ok((account, user))
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
    let (account, user) = match chosen(inner, &params) {
        Ok(c) => c,
        Err(message) => return error_page(message),
    };
    let code = issue_code(inner, account, user, &redirect);
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
            // UNCERTAIN: whether exchanging another code for a connected account (a second
            // admin's Manage App arrival) invalidates earlier pairs; here they keep working.
            let pair =
                issue_pair(inner, &mut lock(&inner.state), rec.account, rec.user, "authorization_code", None);
            Json(json!({"access_token": pair.access, "refresh_token": pair.refresh})).into_response()
        }
        "refresh_token" => {
            let token = form.get("refresh_token").cloned().unwrap_or_default();
            let Some(pair) = rotate(inner, &token) else {
                // Jobber documents the message; the error code and the 400 status are
                // UNCERTAIN for real Jobber.
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The provided refresh token is not valid.",
                );
            };
            // The rotation is done and stored; an app that stops waiting now has lost the
            // only copy of the new refresh token (the refresh-delay fault makes that window
            // as wide as a test needs).
            let delay = inner.faults.refresh_delay();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
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

/// A refresh grant in one step under the lock: the redeemed refresh token dies, the new pair
/// is live, the replaced access token is marked superseded and the refresh is logged.
fn rotate(inner: &Inner, refresh_token: &str) -> Option<Pair> {
    let mut st = lock(&inner.state);
    let rec = st.refresh.remove(refresh_token)?;
    let replaced = st.access.get(&rec.access).map(|a| a.log.fingerprint.clone());
    let pair = issue_pair(inner, &mut st, rec.account, rec.user, "refresh_token", replaced.clone());
    let new_fp = token_fingerprint(&pair.access);
    // One instant for the new token's issue, the old one's supersession and the log entry.
    let now = st.access.get(&pair.access).map_or_else(Utc::now, |a| a.log.issued_at);
    if let Some(old) = st.access.get_mut(&rec.access) {
        old.log.superseded_at = Some(now);
        old.log.superseded_by = Some(new_fp.clone());
    }
    st.refresh_log.push(RefreshLogEntry {
        at: now,
        account_id: ids::encode("Account", rec.account),
        user_id: ids::encode("User", rec.user),
        replaced_access_token: replaced,
        new_access_token: new_fp,
    });
    Some(pair)
}

/// The account behind an access token, or why there is none.
pub(crate) enum TokenCheck {
    Ok { account: u64, user: u64 },
    Missing,
    Invalid,
    Expired,
    Disconnected,
}

/// Checks a bearer token and counts the request as a use of it.
pub(crate) fn check_access(inner: &Inner, bearer: Option<&str>) -> TokenCheck {
    let Some(token) = bearer else {
        return TokenCheck::Missing;
    };
    let mut st = lock(&inner.state);
    let Some(rec) = st.access.get_mut(token) else {
        return TokenCheck::Invalid;
    };
    rec.log.uses += 1;
    rec.log.last_used_at = Some(Utc::now());
    if rec.revoked.is_some() {
        return TokenCheck::Disconnected;
    }
    if rec.forced_expired || rec.exp <= Utc::now().timestamp() {
        return TokenCheck::Expired;
    }
    TokenCheck::Ok { account: rec.account, user: rec.user }
}

/// Counts a 401 answer against the token that got it.
pub(crate) fn record_rejection(inner: &Inner, bearer: &str) {
    if let Some(rec) = lock(&inner.state).access.get_mut(bearer) {
        rec.log.rejected_uses += 1;
        rec.log.last_rejected_at = Some(Utc::now());
    }
}
