//! HTTP routes. Each area exposes `router()`; this module assembles them and adds the layers
//! every request gets (request metrics, tracing, body limits).

mod auth;
mod graphql;
mod health;
pub(crate) mod pages;
mod playground;
pub(crate) mod spa;
mod webhooks;

use std::time::Instant;

use axum::{
    Router,
    extract::{MatchedPath, Request},
    middleware::{self, Next},
    response::Response,
};
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// The whole app.
pub fn router(state: AppState) -> Router {
    let schema = crate::api::schema(state.clone());
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(webhooks::router())
        .merge(graphql::router(schema))
        .fallback_service(spa::service(&state.config.spa_dir))
        .layer(middleware::from_fn(track_metrics))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: query strings can carry OAuth codes.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

/// Counts requests and records latency by route template (never by raw path, which would let
/// clients create unbounded label values).
async fn track_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "fallback".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}
