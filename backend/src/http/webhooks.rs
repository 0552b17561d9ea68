//! `POST /webhooks/jobber`: Jobber's webhook deliveries.
//!
//! Answers: 401 for a missing or wrong signature, 400 for a malformed body, 413 past 256 KiB
//! (nothing stored in each case); 200 once the event is durably in the inbox (new or duplicate);
//! 503 if the database cannot take it (Jobber redelivers). Unknown topics and accounts get 200.

use std::time::Instant;

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};

use crate::{
    state::AppState,
    webhooks::ingest::{self, MAX_BODY_BYTES, Recorded, Rejection},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/jobber", post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(count_too_large))
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let signature = headers.get(ingest::SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let result = async {
        ingest::verify_signature(&body, signature, &state.jobber.webhook_secrets)?;
        ingest::parse(&body)
    }
    .await;
    let (status, outcome) = match result {
        Err(Rejection::MissingSignature | Rejection::BadSignature) => {
            (StatusCode::UNAUTHORIZED, "bad_signature")
        }
        Err(Rejection::Malformed(_)) => (StatusCode::BAD_REQUEST, "malformed"),
        Ok(event) => match state.inbox.record(event).await {
            Ok(Recorded::Accepted) => (StatusCode::OK, "accepted"),
            Ok(Recorded::Duplicate) => (StatusCode::OK, "duplicate"),
            Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        },
    };
    metrics::counter!("webhook_deliveries_total", "outcome" => outcome).increment(1);
    let elapsed = started.elapsed().as_secs_f64();
    metrics::histogram!("webhook_ack_seconds", "outcome" => outcome).record(elapsed);
    if status == StatusCode::OK {
        crate::metrics::record_webhook_ack(elapsed);
    }
    if status != StatusCode::OK {
        tracing::info!(outcome, "webhook delivery refused");
    }
    (status, outcome).into_response()
}

async fn count_too_large(res: Response) -> Response {
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        metrics::counter!("webhook_deliveries_total", "outcome" => "too_large").increment(1);
    }
    res
}
