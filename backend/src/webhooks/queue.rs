//! How working inbox rows ends: an [`Outcome`] per unit of work becomes the row's settlement
//! (processed, ignored with its reason, retried with backoff, or parked as a dead letter after
//! [`MAX_ATTEMPTS`]). Shared by the lifecycle worker and the sync consumer; the SQL is
//! `db::inbox`.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr};

use crate::db::{
    enums::EventStatus,
    inbox::{self, Settlement},
};

/// After this many failed attempts an event is parked as a dead letter.
pub const MAX_ATTEMPTS: i32 = 8;

/// How working a set of rows ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Processed,
    /// Nothing to do, and why (shown in the API).
    Ignored(String),
    /// Retried with backoff; a dead letter after [`MAX_ATTEMPTS`].
    Failed(String),
}

/// The settlement of rows that were attempted `attempts` times and ended as `outcome`.
pub fn settlement(outcome: Outcome, attempts: i32, topic: &str, rows: usize) -> Settlement {
    let now = Utc::now();
    let (status, error, next) = match outcome {
        Outcome::Processed => (EventStatus::Processed, None, now),
        Outcome::Ignored(why) => (EventStatus::Ignored, Some(why), now),
        Outcome::Failed(err) if attempts >= MAX_ATTEMPTS => {
            tracing::error!(topic, attempts, error = %err, "webhook event dead-lettered");
            metrics::counter!("webhook_dead_letters_total").increment(rows as u64);
            (EventStatus::Dead, Some(err), now)
        }
        Outcome::Failed(err) => {
            tracing::warn!(topic, attempts, error = %err, "webhook event failed; will retry");
            let wait = crate::worker::backoff(
                u32::try_from(attempts.max(1)).unwrap_or(1),
                Duration::from_secs(2),
                Duration::from_secs(3600),
            );
            (EventStatus::Failed, Some(err), now + chrono::Duration::from_std(wait).unwrap_or_default())
        }
    };
    metrics::counter!("webhook_events_processed_total", "status" => status.to_value()).increment(rows as u64);
    Settlement { status, error, next_attempt_at: next }
}

/// Records the outcomes of a claim in `db` (the caller's transaction): one `(row ids, attempts,
/// topic for logs, outcome)` per unit of work.
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    results: Vec<(Vec<i64>, i32, &str, Outcome)>,
) -> Result<(), DbErr> {
    let settled = results
        .into_iter()
        .map(|(ids, attempts, topic, outcome)| {
            let s = settlement(outcome, attempts, topic, ids.len());
            (ids, s)
        })
        .collect();
    inbox::settle(db, settled).await
}
