//! HTTP routes. Each area exposes `router()`; this module assembles them and adds the layers
//! every request gets: tracing, then [`security::edge`] (request metrics, the origin check, the
//! request timeout, security headers). Each route that reads a body limits it itself.
//! [`server`] is the accept loop with the connection-level limits.

pub mod admin;
mod auth;
mod graphql;
mod health;
pub(crate) mod pages;
mod playground;
mod request_metrics;
pub mod security;
pub mod server;
pub(crate) mod spa;
mod webhooks;

use axum::{Router, extract::Request, middleware};
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
        .layer(middleware::from_fn_with_state(security::EdgeSettings::new(&state), security::edge))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: query strings can carry OAuth codes.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

/// Largest request body any route reads (`POST /graphql`, forms); the webhook route sets its own.
/// Each route that reads a body applies it (a layer on every route would cost every request).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;
