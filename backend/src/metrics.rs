//! Gauges computed at scrape time (inbox depth, dead letters, connections by status).
use sea_orm::{ConnectionTrait, Statement};

use crate::state::AppState;

/// Re-reads the database-derived gauges. Failures only log: a scrape must still answer.
pub async fn refresh_gauges(state: &AppState) {
    let db = &state.db;
    // Only the states that need attention, each read from its partial index (the inbox keeps
    // every finished event, so counting those would read the whole table on every scrape;
    // `webhook_events_processed_total` counts them instead). The WHERE terms match the indexes'.
    let sql = "SELECT status, COUNT(*) AS n FROM webhook_events WHERE status IN ('PENDING', 'FAILED') \
               GROUP BY status UNION ALL SELECT 'DEAD', COUNT(*) FROM webhook_events WHERE status = 'DEAD'";
    match db.conn().query_all_raw(Statement::from_string(db.backend(), sql)).await {
        Ok(rows) => {
            for status in ["PENDING", "FAILED", "DEAD"] {
                let n = rows
                    .iter()
                    .find(|r| r.try_get::<String>("", "status").ok().as_deref() == Some(status))
                    .and_then(|r| r.try_get::<i64>("", "n").ok())
                    .unwrap_or(0);
                metrics::gauge!("webhook_inbox_events", "status" => status).set(n as f64);
            }
        }
        Err(err) => tracing::warn!(error = %err, "cannot read inbox depth for metrics"),
    }
    let sql = "SELECT status, COUNT(*) AS n FROM connections GROUP BY status";
    if let Ok(rows) = db.conn().query_all_raw(Statement::from_string(db.backend(), sql)).await {
        for status in ["CONNECTED", "DEGRADED", "NEEDS_REAUTH", "DISCONNECTED"] {
            let n = rows
                .iter()
                .find(|r| r.try_get::<String>("", "status").ok().as_deref() == Some(status))
                .and_then(|r| r.try_get::<i64>("", "n").ok())
                .unwrap_or(0);
            metrics::gauge!("jobber_connections", "status" => status).set(n as f64);
        }
    }
}
