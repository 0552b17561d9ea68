//! `/sandbox/...`: what a developer or a test does to "Jobber" from the outside. An HTML
//! dashboard with Jobber's Marketplace Disconnect button, and JSON routes to list accounts,
//! read counters, set faults, point webhooks, and create/update/delete records (which fires the
//! matching webhooks). Nothing here exists on the real Jobber.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, patch, post};
use serde_json::json;

use crate::{Faults, RecordInput, RecordKind, Sandbox, SandboxError};

pub(crate) fn router() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox", get(dashboard))
        .route("/sandbox/accounts", get(accounts))
        .route("/sandbox/stats", get(stats))
        .route("/sandbox/faults", get(get_faults).put(put_faults))
        .route("/sandbox/webhook-url", axum::routing::put(put_webhook_url))
        .route("/sandbox/accounts/{account_id}/marketplace-disconnect", post(disconnect))
        .route("/sandbox/accounts/{account_id}/expire-tokens", post(expire_tokens))
        .route("/sandbox/accounts/{account_id}/{kind}", post(create))
        .route("/sandbox/accounts/{account_id}/{kind}/{item_id}", patch(update).delete(delete))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn dashboard(State(sandbox): State<Sandbox>) -> Html<String> {
    let rows: String = sandbox
        .accounts()
        .iter()
        .map(|a| {
            let status = if a.app_connected { "Connected" } else { "Not connected" };
            // Relative to /sandbox (no trailing slash), so the page works under any prefix.
            format!(
                "<tr data-account-id=\"{id}\"><td>{name}</td><td><code>{id}</code></td>\
                 <td>{user} &lt;{email}&gt;</td><td class=\"status\">{status}</td><td>\
                 <form method=\"post\" action=\"sandbox/accounts/{id}/marketplace-disconnect\">\
                 <button type=\"submit\">Disconnect app (Marketplace)</button></form></td></tr>",
                id = escape(&a.id),
                name = escape(&a.name),
                user = escape(&a.user.name),
                email = escape(&a.user.email),
            )
        })
        .collect();
    let stats = serde_json::to_string_pretty(&sandbox.stats()).unwrap_or_default();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Jobber sandbox</title>\
         </head><body style=\"font-family:sans-serif;margin:2rem\">\
         <h1>Jobber sandbox</h1><h2>Accounts</h2>\
         <table border=\"1\" cellpadding=\"6\"><thead><tr><th>Account</th><th>Id</th>\
         <th>Admin</th><th>App</th><th></th></tr></thead><tbody>{rows}</tbody></table>\
         <h2>Counters</h2><pre>{}</pre></body></html>",
        escape(&stats)
    ))
}

async fn accounts(State(sandbox): State<Sandbox>) -> Json<Vec<crate::AccountInfo>> {
    Json(sandbox.accounts())
}

async fn stats(State(sandbox): State<Sandbox>) -> Json<crate::Stats> {
    Json(sandbox.stats())
}

async fn get_faults(State(sandbox): State<Sandbox>) -> Json<Faults> {
    Json(sandbox.faults().get())
}

async fn put_faults(State(sandbox): State<Sandbox>, Json(faults): Json<Faults>) -> Json<Faults> {
    sandbox.faults().set(faults);
    Json(sandbox.faults().get())
}

#[derive(serde::Deserialize)]
struct WebhookUrl {
    url: Option<url::Url>,
}

async fn put_webhook_url(State(sandbox): State<Sandbox>, Json(body): Json<WebhookUrl>) -> StatusCode {
    sandbox.set_webhook_url(body.url);
    StatusCode::NO_CONTENT
}

fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": what}))).into_response()
}

fn error(err: &SandboxError) -> Response {
    let status = match err {
        SandboxError::UnknownAccount(_) | SandboxError::UnknownRecord(..) => StatusCode::NOT_FOUND,
        SandboxError::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, Json(json!({"error": err.to_string()}))).into_response()
}

async fn disconnect(
    State(sandbox): State<Sandbox>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if sandbox.inner.account_num(&account_id).is_none() {
        return not_found("no such account");
    }
    sandbox.marketplace_disconnect(&account_id).await;
    let from_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if from_form {
        // Back to the dashboard, relative so it works under a prefix.
        Redirect::to("../../../sandbox").into_response()
    } else {
        Json(json!({"accountId": account_id, "appConnected": false})).into_response()
    }
}

async fn expire_tokens(State(sandbox): State<Sandbox>, Path(account_id): Path<String>) -> Response {
    if sandbox.inner.account_num(&account_id).is_none() {
        return not_found("no such account");
    }
    sandbox.expire_access_tokens(&account_id);
    StatusCode::NO_CONTENT.into_response()
}

fn kind(plural: &str) -> Result<RecordKind, Box<Response>> {
    RecordKind::from_plural(plural).ok_or_else(|| {
        Box::new(not_found("unknown record kind; use clients, properties, jobs, quotes or invoices"))
    })
}

async fn create(
    State(sandbox): State<Sandbox>,
    Path((account_id, plural)): Path<(String, String)>,
    body: Option<Json<RecordInput>>,
) -> Response {
    let kind = match kind(&plural) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let input = body.map(|b| b.0).unwrap_or_default();
    match sandbox.create_record(&account_id, kind, input).await {
        Ok(id) => (StatusCode::CREATED, Json(json!({"id": id}))).into_response(),
        Err(e) => error(&e),
    }
}

async fn update(
    State(sandbox): State<Sandbox>,
    Path((account_id, plural, item_id)): Path<(String, String, String)>,
    body: Option<Json<RecordInput>>,
) -> Response {
    let kind = match kind(&plural) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let input = body.map(|b| b.0).unwrap_or_default();
    match sandbox.update_record(&account_id, kind, &item_id, input).await {
        Ok(id) => Json(json!({"id": id})).into_response(),
        Err(e) => error(&e),
    }
}

async fn delete(
    State(sandbox): State<Sandbox>,
    Path((account_id, plural, item_id)): Path<(String, String, String)>,
) -> Response {
    let kind = match kind(&plural) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    match sandbox.delete_record(&account_id, kind, &item_id).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(&e),
    }
}
