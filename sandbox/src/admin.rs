//! `/sandbox/...`: what a developer or a test does to "Jobber" from the outside. An HTML
//! dashboard (accounts, Jobber's Marketplace Disconnect button, the webhook delivery switch,
//! counters), and JSON routes to list accounts, read counters, set faults, point and switch
//! webhooks, and change data the way Jobber's own UI would (which fires the matching webhooks).
//! Nothing here exists on the real Jobber. Handlers parse and map; the changes live in the
//! library (`lib.rs`, `changes.rs`).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, patch, post};
use serde_json::{Value, json};

use crate::html::{escape, page};
use crate::{
    Faults, PaymentInput, PayoutInput, RecordInput, RecordKind, Sandbox, SandboxError, UserInput, VisitInput,
};

pub(crate) fn router() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox", get(dashboard))
        .route("/sandbox/accounts", get(accounts))
        .route("/sandbox/stats", get(stats))
        .route("/sandbox/faults", get(get_faults).put(put_faults))
        .route("/sandbox/webhook-url", axum::routing::put(put_webhook_url))
        .route("/sandbox/webhooks", get(get_webhooks).put(put_webhooks).post(post_webhooks_form))
        .route("/sandbox/accounts/{account_id}/marketplace-disconnect", post(disconnect))
        .route("/sandbox/accounts/{account_id}/expire-tokens", post(expire_tokens))
        .route("/sandbox/accounts/{account_id}/{kind}", post(create))
        .route("/sandbox/accounts/{account_id}/{kind}/{item_id}", patch(update).delete(delete))
        .route("/sandbox/accounts/{account_id}/{kind}/{item_id}/{action}", post(action).get(list_under))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

async fn dashboard(State(sandbox): State<Sandbox>) -> Html<String> {
    let rows: String = sandbox
        .accounts()
        .iter()
        .map(|a| {
            let status = if a.app_connected { "Connected" } else { "Not connected" };
            let users: Vec<String> = a
                .users
                .iter()
                .map(|u| {
                    let owner = if u.is_account_owner { " (owner)" } else { "" };
                    format!("{} &lt;{}&gt;{owner}", escape(&u.name), escape(&u.email))
                })
                .collect();
            // Relative to /sandbox (no trailing slash), so the page works under any prefix.
            format!(
                "<tr data-account-id=\"{id}\"><th scope=\"row\">{name}</th><td><code>{id}</code></td>\
                 <td>{users}</td><td class=\"status\">{status}</td><td>\
                 <form method=\"post\" action=\"sandbox/accounts/{id}/marketplace-disconnect\">\
                 <button type=\"submit\" aria-label=\"Disconnect app (Marketplace) from {name}\">\
                 Disconnect app (Marketplace)</button></form></td></tr>",
                id = escape(&a.id),
                name = escape(&a.name),
                users = users.join("<br>"),
            )
        })
        .collect();
    let stats = sandbox.stats();
    let on = sandbox.webhooks_enabled();
    let url =
        crate::read(&sandbox.inner.webhook_url).as_ref().map_or_else(|| "none".to_owned(), |u| u.to_string());
    let (state, verb, next) = if on { ("On", "off", "false") } else { ("Off", "on", "true") };
    let webhooks = format!(
        "<section aria-labelledby=\"webhooks-h\"><h2 id=\"webhooks-h\">Webhook deliveries</h2>\
         <p>Deliveries: <span class=\"state\" id=\"webhooks-state\" data-enabled=\"{on}\">{state}</span>. \
         Target: <code>{url}</code>. Suppressed while off: <span id=\"webhooks-suppressed\">{suppressed}</span>.</p>\
         <p class=\"hint\">Off is what Jobber does when it disables an app's webhooks: data keeps \
         changing, nothing is delivered, and nothing is delivered later.</p>\
         <form method=\"post\" action=\"sandbox/webhooks\">\
         <input type=\"hidden\" name=\"enabled\" value=\"{next}\">\
         <button type=\"submit\" class=\"primary\">Turn webhook deliveries {verb}</button></form></section>",
        url = escape(&url),
        suppressed = stats.webhook_deliveries.suppressed,
    );
    let counters = serde_json::to_string_pretty(&stats).unwrap_or_default();
    let main = format!(
        "<h1>Jobber sandbox</h1>{webhooks}\
         <section aria-labelledby=\"accounts-h\"><h2 id=\"accounts-h\">Accounts</h2>\
         <div class=\"scroll\" role=\"region\" aria-label=\"Accounts table\" tabindex=\"0\">\
         <table><thead><tr><th scope=\"col\">Account</th><th scope=\"col\">Id</th>\
         <th scope=\"col\">Users</th><th scope=\"col\">App</th><th scope=\"col\">Marketplace</th></tr>\
         </thead><tbody>{rows}</tbody></table></div></section>\
         <section aria-labelledby=\"counters-h\"><h2 id=\"counters-h\">Counters</h2>\
         <pre>{}</pre></section>",
        escape(&counters)
    );
    Html(page(
        "Jobber sandbox",
        "Jobber sandbox",
        &main,
        "A local stand-in for Jobber. JSON routes: sandbox/accounts, sandbox/stats, sandbox/faults, sandbox/webhooks.",
        true,
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

#[derive(serde::Deserialize)]
struct WebhookSwitch {
    enabled: bool,
}

fn webhook_state(sandbox: &Sandbox) -> Json<Value> {
    Json(json!({
        "enabled": sandbox.webhooks_enabled(),
        "suppressed": sandbox.stats().webhook_deliveries.suppressed,
    }))
}

async fn get_webhooks(State(sandbox): State<Sandbox>) -> Json<Value> {
    webhook_state(&sandbox)
}

async fn put_webhooks(State(sandbox): State<Sandbox>, Json(body): Json<WebhookSwitch>) -> Json<Value> {
    sandbox.set_webhooks_enabled(body.enabled);
    webhook_state(&sandbox)
}

/// The dashboard's toggle: a form post, answered with a redirect back to the dashboard.
async fn post_webhooks_form(
    State(sandbox): State<Sandbox>,
    axum::Form(body): axum::Form<WebhookSwitch>,
) -> Redirect {
    sandbox.set_webhooks_enabled(body.enabled);
    Redirect::to("../sandbox")
}

fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": what}))).into_response()
}

fn error(err: &SandboxError) -> Response {
    let status = match err {
        SandboxError::UnknownAccount(_) | SandboxError::UnknownRecord(..) | SandboxError::UnknownItem(..) => {
            StatusCode::NOT_FOUND
        }
        SandboxError::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, Json(json!({"error": err.to_string()}))).into_response()
}

fn unprocessable(message: &str) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": message}))).into_response()
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
    if is_form(&headers) {
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

/// What `{kind}` in a path names.
enum Kind {
    Record(RecordKind),
    Visits,
    Payments,
    Payouts,
    Users,
}

const KINDS: &str = "use clients, properties, jobs, quotes, invoices, visits, payments, payouts or users";

fn kind(plural: &str) -> Result<Kind, Box<Response>> {
    Ok(match plural {
        "visits" => Kind::Visits,
        "payments" => Kind::Payments,
        "payouts" => Kind::Payouts,
        "users" => Kind::Users,
        other => Kind::Record(
            RecordKind::from_plural(other)
                .ok_or_else(|| Box::new(not_found(&format!("unknown record kind; {KINDS}"))))?,
        ),
    })
}

/// Parses an optional JSON body into `T` (missing body: `T::default()`).
fn body<T: serde::de::DeserializeOwned + Default>(raw: Option<Json<Value>>) -> Result<T, Box<Response>> {
    match raw {
        None => Ok(T::default()),
        Some(Json(v)) => {
            serde_json::from_value(v).map_err(|e| Box::new(unprocessable(&format!("bad request body: {e}"))))
        }
    }
}

fn answer(result: Result<String, SandboxError>, status: StatusCode) -> Response {
    match result {
        Ok(id) => (status, Json(json!({"id": id}))).into_response(),
        Err(e) => error(&e),
    }
}

macro_rules! try_box {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return *r,
        }
    };
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NewUser {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
}

async fn create(
    State(sandbox): State<Sandbox>,
    Path((account_id, plural)): Path<(String, String)>,
    raw: Option<Json<Value>>,
) -> Response {
    match try_box!(kind(&plural)) {
        Kind::Record(kind) => {
            let input: RecordInput = try_box!(body(raw));
            answer(sandbox.create_record(&account_id, kind, input).await, StatusCode::CREATED)
        }
        Kind::Payouts => {
            let input: PayoutInput = try_box!(body(raw));
            answer(sandbox.create_payout(&account_id, input), StatusCode::CREATED)
        }
        Kind::Users => {
            let u: NewUser = try_box!(body(raw));
            let (Some(first), Some(last), Some(email)) = (u.first_name, u.last_name, u.email) else {
                return unprocessable("a user needs firstName, lastName and email");
            };
            answer(sandbox.add_user(&account_id, &first, &last, &email), StatusCode::CREATED)
        }
        Kind::Visits => unprocessable("visits belong to a job: POST …/jobs/{jobId}/visits"),
        Kind::Payments => {
            unprocessable("payments belong to an invoice: POST …/invoices/{invoiceId}/payments")
        }
    }
}

async fn update(
    State(sandbox): State<Sandbox>,
    Path((account_id, plural, item_id)): Path<(String, String, String)>,
    raw: Option<Json<Value>>,
) -> Response {
    let ok = StatusCode::OK;
    match try_box!(kind(&plural)) {
        Kind::Record(kind) => {
            let input: RecordInput = try_box!(body(raw));
            answer(sandbox.update_record(&account_id, kind, &item_id, input).await, ok)
        }
        Kind::Visits => {
            answer(sandbox.update_visit(&account_id, &item_id, try_box!(body::<VisitInput>(raw))), ok)
        }
        Kind::Payments => {
            answer(sandbox.update_payment(&account_id, &item_id, try_box!(body::<PaymentInput>(raw))), ok)
        }
        Kind::Payouts => {
            answer(sandbox.update_payout(&account_id, &item_id, try_box!(body::<PayoutInput>(raw))), ok)
        }
        Kind::Users => {
            answer(sandbox.update_user(&account_id, &item_id, try_box!(body::<UserInput>(raw))), ok)
        }
    }
}

async fn delete(
    State(sandbox): State<Sandbox>,
    Path((account_id, plural, item_id)): Path<(String, String, String)>,
) -> Response {
    let result = match try_box!(kind(&plural)) {
        Kind::Record(kind) => sandbox.delete_record(&account_id, kind, &item_id).await,
        Kind::Visits => sandbox.delete_visit(&account_id, &item_id),
        Kind::Payments => sandbox.delete_payment(&account_id, &item_id),
        Kind::Payouts | Kind::Users => {
            return unprocessable("payouts and users cannot be deleted; `trigger` can send their topics");
        }
    };
    match result {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(&e),
    }
}

/// `POST …/{kind}/{itemId}/{action}`: the changes that are not plain edits.
async fn action(
    State(sandbox): State<Sandbox>,
    Path((account_id, plural, item_id, action)): Path<(String, String, String, String)>,
    raw: Option<Json<Value>>,
) -> Response {
    let (a, i) = (account_id.as_str(), item_id.as_str());
    match (plural.as_str(), action.as_str()) {
        ("jobs", "close") => answer(sandbox.close_job(a, i), StatusCode::OK),
        ("jobs", "visits") => {
            answer(sandbox.create_visit(a, i, try_box!(body::<VisitInput>(raw))), StatusCode::CREATED)
        }
        ("quotes", "send") => answer(sandbox.send_quote(a, i), StatusCode::OK),
        ("quotes", "approve") => answer(sandbox.approve_quote(a, i), StatusCode::OK),
        ("visits", "complete") => answer(sandbox.complete_visit(a, i), StatusCode::OK),
        ("invoices", "payments") => {
            answer(sandbox.record_payment(a, i, try_box!(body::<PaymentInput>(raw))), StatusCode::CREATED)
        }
        _ => not_found(
            "unknown action; use jobs/{id}/close, jobs/{id}/visits, quotes/{id}/send, \
             quotes/{id}/approve, visits/{id}/complete or invoices/{id}/payments",
        ),
    }
}

/// `GET …/jobs/{jobId}/visits`: the job's visit ids, oldest first.
async fn list_under(
    State(sandbox): State<Sandbox>,
    Path((account_id, plural, item_id, action)): Path<(String, String, String, String)>,
) -> Response {
    if (plural.as_str(), action.as_str()) != ("jobs", "visits") {
        return not_found("only GET …/jobs/{jobId}/visits lists anything");
    }
    match sandbox.visits_of_job(&account_id, &item_id) {
        Ok(v) => Json(json!({"visits": v})).into_response(),
        Err(e) => error(&e),
    }
}
