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
