//! `POST /api/graphql` as Jobber answers it: bearer token, required
//! `X-JOBBER-GRAPHQL-VERSION`, JSON only, the 2,500-requests-per-5-minutes ceiling (HTTP 429),
//! the query-cost leaky bucket (THROTTLED inside an HTTP 200) and `extensions.cost` on every
//! answer. The schema lives in `types` (with `visits` and `payments`), the cost rules in
//! `cost`. Every request is counted as in flight for its (account, operation name) from the
//! moment its token is checked until its answer is sent (`usage`).

pub(crate) mod cost;
mod payments;
mod types;
mod visits;

use std::time::{Duration, Instant};

use async_graphql::{EmptySubscription, Schema};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value as Json_, json};

use async_graphql_parser::types::{DocumentOperations, ExecutableDocument};

use crate::oauth::{TokenCheck, check_access};
use crate::usage::Concurrency;
use crate::{Bucket, Inner, Sandbox, Window, lock};

/// The executable schema the sandbox serves.
pub type SandboxSchema = Schema<types::Query, types::Mutation, EmptySubscription>;

pub(crate) fn build_schema() -> SandboxSchema {
    Schema::build(types::Query, types::Mutation, EmptySubscription).finish()
}

/// The SDL of everything the sandbox serves (a subset of Jobber's schema, same names and
/// types).
pub fn sdl() -> String {
    build_schema().sdl()
}

pub(crate) fn router() -> Router<Sandbox> {
    Router::new().route("/api/graphql", post(graphql))
}

const DOCS: &str = "https://developer.getjobber.com/docs/using_jobbers_api/api_rate_limits";

fn errors(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"errors": [{"message": message}]}))).into_response()
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlRequest {
    query: String,
    #[serde(default)]
    variables: Option<Json_>,
    #[serde(default)]
    operation_name: Option<String>,
}

/// The bucket's state to report, after refilling it for the time that passed.
struct Throttle {
    maximum: u32,
    available: f64,
    restore_rate: u32,
}

impl Throttle {
    fn json(&self) -> Json_ {
        json!({
            "maximumAvailable": self.maximum,
            "currentlyAvailable": self.available.floor() as u64,
            "restoreRate": self.restore_rate,
        })
    }
}

fn refill(inner: &Inner, account: u64) -> f64 {
    let cfg = inner.config.bucket;
    let mut st = lock(&inner.state);
    let b = st
        .buckets
        .entry(account)
        .or_insert_with(|| Bucket { available: f64::from(cfg.maximum), updated: Instant::now() });
    let now = Instant::now();
    let elapsed = now.duration_since(b.updated).as_secs_f64();
    b.available = (b.available + elapsed * f64::from(cfg.restore_rate)).min(f64::from(cfg.maximum));
    b.updated = now;
    b.available
}

fn adjust(inner: &Inner, account: u64, delta: f64) -> f64 {
    let max = f64::from(inner.config.bucket.maximum);
    let mut st = lock(&inner.state);
    match st.buckets.get_mut(&account) {
        Some(b) => {
            b.available = (b.available + delta).clamp(0.0, max);
            b.available
        }
        None => max,
    }
}

/// Counts a request against the fixed window; true when over the ceiling.
fn over_ceiling(inner: &Inner, account: u64) -> Option<Duration> {
    let (limit, period) = inner.config.request_limit?;
    let mut st = lock(&inner.state);
    let now = Instant::now();
    let w = st.windows.entry(account).or_insert(Window { started: now, count: 0 });
    if now.duration_since(w.started) >= period {
        w.started = now;
        w.count = 0;
    }
    w.count += 1;
    (w.count > limit).then(|| period.saturating_sub(now.duration_since(w.started)))
}

fn rate_limited(inner: &Inner, retry_after: Duration) -> Response {
    lock(&inner.stats).rate_limited_responses += 1;
    // Rack::Attack's default answer; Jobber's exact body and any Retry-After are UNCERTAIN.
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::CONTENT_TYPE, "text/plain".to_owned()),
            (header::RETRY_AFTER, retry_after.as_secs().max(1).to_string()),
        ],
        "Retry later\n",
    )
        .into_response()
}

/// The body parsed once, early: the operation name is needed before anything is answered
/// (to count the request as in flight), the document again for cost and execution.
struct Parsed {
    request: GraphqlRequest,
    doc: Result<ExecutableDocument, String>,
}

impl Parsed {
    /// `operationName` if sent, else the name of the document's only operation (`None` for an
    /// anonymous one, which the parser keeps as `Single`).
    fn operation_name(&self) -> Option<String> {
        if let Some(name) = &self.request.operation_name {
            return Some(name.clone());
        }
        match &self.doc.as_ref().ok()?.operations {
            DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.keys().next().map(|n| n.to_string()),
            _ => None,
        }
    }
}

async fn graphql(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let inner = &sandbox.inner;
    lock(&inner.stats).graphql_requests += 1;
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // Checked (and counted as a use of the token) before any fault or latency, so a slow or
    // failing answer still shows which token the app sent and when.
    let token = check_access(inner, bearer);
    let parsed: Result<Parsed, String> = serde_json::from_slice::<GraphqlRequest>(&body)
        .map(|request| {
            let doc = async_graphql_parser::parse_query(&request.query).map_err(|e| e.to_string());
            Parsed { request, doc }
        })
        .map_err(|e| e.to_string());
    let _in_flight = match &token {
        TokenCheck::Ok { account, .. } => {
            Some(Concurrency::enter(inner, *account, parsed.as_ref().ok().and_then(Parsed::operation_name)))
        }
        _ => None,
    };

    let latency = inner.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if inner.faults.take_graphql_5xx() {
        return errors(StatusCode::SERVICE_UNAVAILABLE, "Service temporarily unavailable");
    }

    let reject = |status: StatusCode, body: Json_| -> Response {
        if let Some(b) = bearer {
            crate::oauth::record_rejection(inner, b);
        }
        (status, Json(body)).into_response()
    };
    let (account, user) = match token {
        TokenCheck::Ok { account, user } => (account, user),
        TokenCheck::Expired => {
            return reject(StatusCode::UNAUTHORIZED, json!({"message": "Access token expired"}));
        }
        TokenCheck::Missing | TokenCheck::Invalid => {
            // Jobber documents "401 invalid_request" for an invalid token; the body is UNCERTAIN.
            return reject(
                StatusCode::UNAUTHORIZED,
                json!({"message": "Invalid Token Error", "error": "invalid_request"}),
            );
        }
        TokenCheck::Disconnected => {
            // The message is Jobber's; whether it comes with 401 or 200 is UNCERTAIN. 401 makes
            // a client that ignores bodies stop too.
            return reject(
                StatusCode::UNAUTHORIZED,
                json!({"errors": [{"message":
                    "User has disconnected this app from their account. Please delete this token"}]}),
            );
        }
    };

    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !is_json {
        // Jobber rejects form and multipart bodies since 2024-04-02; the exact status is
        // UNCERTAIN.
        return errors(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    }
    let version = headers
        .get("X-JOBBER-GRAPHQL-VERSION")
        .and_then(|v| v.to_str().ok())
        .filter(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok())
        .map(str::to_owned);
    let Some(version) = version else {
        // Required for all apps; Jobber's exact answer to a missing header is UNCERTAIN.
        return errors(
            StatusCode::BAD_REQUEST,
            "The X-JOBBER-GRAPHQL-VERSION header is required and must be a date (YYYY-MM-DD)",
        );
    };

    if inner.faults.take_rate_limit() {
        return rate_limited(inner, Duration::from_secs(1));
    }
    if let Some(retry_after) = over_ceiling(inner, account) {
        return rate_limited(inner, retry_after);
    }

    let cfg = inner.config.bucket;
    let mut versioning = json!({"version": version});
    if let Some(warning) = inner.faults.version_warning() {
        versioning["warning"] = json!(warning);
    }
    let respond = |mut body: Json_, requested: u64, actual: u64, available: f64| -> Response {
        let throttle = Throttle {
            maximum: cfg.maximum,
            available: if cfg.enabled { available } else { f64::from(cfg.maximum) },
            restore_rate: cfg.restore_rate,
        };
        body["extensions"] = json!({
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": throttle.json(),
            },
            "versioning": versioning,
        });
        Json(body).into_response()
    };

    let Parsed { request, doc } = match parsed {
        Ok(p) => p,
        Err(e) => {
            return errors(StatusCode::BAD_REQUEST, &format!("Request body is not a GraphQL request: {e}"));
        }
    };
    let variables = request.variables.unwrap_or(Json_::Null);
    let available = refill(inner, account);
    let doc = match doc {
        Ok(doc) => doc,
        Err(e) => {
            return respond(json!({"errors": [{"message": e}]}), 0, 0, available);
        }
    };
    let Some(op) = cost::pick_operation(&doc, request.operation_name.as_deref()) else {
        return respond(json!({"errors": [{"message": "An operation name is required"}]}), 0, 0, available);
    };
    let requested = cost::requested(&inner.type_map, &doc, &op.node, &variables);

    let forced = inner.faults.take_throttle();
    if forced || (cfg.enabled && requested as f64 > available) {
        lock(&inner.stats).throttled_responses += 1;
        return respond(
            json!({"errors": [{"message": "Throttled",
                               "extensions": {"code": "THROTTLED", "documentation": DOCS}}]}),
            requested,
            0,
            available,
        );
    }
    if cfg.enabled {
        adjust(inner, account, -(requested as f64));
    }

    let mut gql = async_graphql::Request::new(request.query.clone()).data(types::GqlCtx {
        inner: inner.clone(),
        account,
        user,
    });
    if let Some(name) = &request.operation_name {
        gql = gql.operation_name(name.clone());
    }
    if !variables.is_null() {
        gql = gql.variables(async_graphql::Variables::from_json(variables.clone()));
    }
    let response = inner.schema.execute(gql).await;
    let out = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    let actual = out.get("data").map_or(0, |d| cost::actual(&inner.type_map, &doc, &op.node, &variables, d));
    // Jobber charges the requested cost up front and refunds the difference.
    let available = if cfg.enabled {
        adjust(inner, account, requested as f64 - actual as f64)
    } else {
        f64::from(cfg.maximum)
    };
    respond(out, requested, actual, available)
}
