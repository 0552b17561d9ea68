//! HTTP routes. Each area exposes `router()`; this module assembles them and adds the layers
//! every request gets (tracing, request metrics, security headers, the origin check, the request
//! timeout, body limits). [`server`] is the accept loop with the connection-level limits.

pub mod admin;
mod auth;
mod graphql;
mod health;
pub(crate) mod pages;
mod playground;
pub mod security;
pub mod server;
pub(crate) mod spa;
mod webhooks;

use std::time::Instant;

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::Method,
    middleware::{self, Next},
    response::Response,
};
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// The whole app.
pub fn router(state: AppState) -> Router {
    let schema = crate::api::schema(state.clone());
    Router::new()
        .merge(health::router(state.config.admin.public_metrics))
        .merge(auth::router())
        .merge(webhooks::router())
        .merge(graphql::router(schema))
        .fallback_service(spa::service(&state.config.spa_dir))
        // Extractors that buffer (forms, the webhook's own larger limit aside) stop here.
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(security::EdgeSettings::new(&state), security::edge))
        .layer(middleware::from_fn(track_metrics))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: query strings can carry OAuth codes.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

/// Largest request body any route reads (`POST /graphql` included); the webhook route sets its own.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Counts requests and records latency by route template. No label is ever taken from request
/// data: the method is one of a fixed set or `other`, the route the matched template or
/// `unmatched`, so junk requests cannot create new series.
pub(super) async fn track_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = method_label(req.method());
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method.to_owned()), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The method as a metrics label: the standard methods by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}
