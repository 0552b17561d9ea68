//! Gauges computed at scrape time (inbox depth, dead letters, connections by status).
use sea_orm::ActiveEnum;

use crate::db::{
    Db,
    enums::{ConnectionStatus, EventStatus},
    inbox,
};

/// Re-reads the database-derived gauges. Failures only log: a scrape must still answer.
pub async fn refresh_gauges(db: &Db) {
    match inbox::attention_counts(db).await {
        Ok(counts) => {
            for status in [EventStatus::Pending, EventStatus::Failed, EventStatus::Dead] {
                let n = counts.iter().filter(|(s, _)| *s == status).map(|(_, n)| *n).sum::<i64>();
                metrics::gauge!("webhook_inbox_events", "status" => status.to_value()).set(n as f64);
            }
        }
        Err(err) => tracing::warn!(error = %err, "cannot read inbox depth for metrics"),
    }
    if let Ok(counts) = db.connection_counts().await {
        for status in [
            ConnectionStatus::Connected,
            ConnectionStatus::Degraded,
            ConnectionStatus::NeedsReauth,
            ConnectionStatus::Disconnected,
        ] {
            let n = counts.iter().filter(|(s, _)| *s == status).map(|(_, n)| *n).sum::<i64>();
            metrics::gauge!("jobber_connections", "status" => status.to_value()).set(n as f64);
        }
    }
}

/// The most recent webhook acknowledgement times kept for the console's percentiles.
const ACK_WINDOW: usize = 1024;

/// A ring of the last [`ACK_WINDOW`] webhook acknowledgement times (this process). Prometheus
/// keeps the histogram; the console needs percentiles without a Prometheus server, and a fixed
/// ring of floats is all that takes (no crate needed for 1,024 samples sorted on demand).
static ACK_TIMES: std::sync::Mutex<AckRing> = std::sync::Mutex::new(AckRing { samples: Vec::new(), next: 0 });

struct AckRing {
    samples: Vec<f64>,
    next: usize,
}

/// Records one webhook acknowledgement (seconds) for the console (the Prometheus histogram is
/// recorded by the route).
pub fn record_webhook_ack(seconds: f64) {
    let mut ring = ACK_TIMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if ring.samples.len() < ACK_WINDOW {
        ring.samples.push(seconds);
    } else {
        let i = ring.next;
        ring.samples[i] = seconds;
    }
    ring.next = (ring.next + 1) % ACK_WINDOW;
}

/// Percentiles of the recent webhook acknowledgements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AckSummary {
    pub samples: i64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// p50 and p99 of the last [`ACK_WINDOW`] acknowledgements, in milliseconds.
pub fn webhook_ack_summary() -> AckSummary {
    let mut sorted = ACK_TIMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner).samples.clone();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| -> Option<f64> {
        if sorted.is_empty() {
            return None;
        }
        // Nearest rank.
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        Some(sorted[rank - 1] * 1000.0)
    };
    AckSummary { samples: sorted.len() as i64, p50_ms: at(0.50), p99_ms: at(0.99) }
}
