//! Operations: liveness, readiness and metrics.
use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::get,
};

use crate::state::AppState;

/// Health checks, and `/metrics` too when `public_metrics` (`PUBLIC_METRICS=true`; otherwise it
/// is served on the admin listener only).
pub fn router(public_metrics: bool) -> Router<AppState> {
    let router = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));
    if public_metrics { router.route("/metrics", get(metrics)) } else { router }
}

/// Alive: the process answers. Touches nothing else.
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// Ready: the database answers and every migration is applied; else 503 with the reason.
pub(super) async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.check_ready().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({ "status": "ready" }))),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable", "reason": reason })),
        ),
    }
}

/// Prometheus text exposition.
pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    crate::metrics::refresh_gauges(&state.db).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
