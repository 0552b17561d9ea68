//! Background processing of the inbox.
//!
//! Workers claim due `lifecycle` rows under a lease ([`super::queue`]); on PostgreSQL several app
//! instances share the work without taking the same row. A row whose worker died is claimable
//! again when its lease runs out. Effects are idempotent, so a crash between applying an event and
//! marking it processed re-applies it harmlessly: exactly once in effect.

use std::time::Duration;

use sea_orm::DbErr;
use tokio_util::sync::CancellationToken;

pub use super::queue::{MAX_ATTEMPTS, redrive};
use super::{
    ingest::Inbox,
    queue::{self, Claimed, Outcome, lane},
};
use crate::{
    db::Db,
    lifecycle::{DisconnectReason, clear_local_state},
};

/// How long a claim is held before another worker may take the row (a worker that died mid-batch
/// delays its rows by at most this much).
const LEASE: Duration = Duration::from_secs(20);
/// Jobber's `occurredAt` has whole seconds and comes from Jobber's clock: an `APP_DISCONNECT`
/// counts as older than the current connection only when it is older by more than this.
const CLOCK_SLACK: chrono::Duration = chrono::Duration::seconds(5);
/// How often idle workers look for due retries (new events wake them at once).
const IDLE_POLL: Duration = Duration::from_secs(1);
const CLAIM_BATCH: i64 = 64;

/// What applying an event came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Processed,
    Ignored(&'static str),
}

/// Runs until `cancel` fires.
pub async fn run(db: Db, inbox: Inbox, cancel: CancellationToken) {
    if let Err(err) = queue::release_stale_leases(&db).await {
        tracing::warn!(error = %err, "cannot release stale webhook leases");
    }
    loop {
        let notified = inbox.new_lifecycle.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let worked = match process_due(&db).await {
            Ok(n) => n > 0,
            Err(err) => {
                tracing::error!(error = %err, "webhook worker: cannot claim events");
                false
            }
        };
        if worked {
            continue;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = &mut notified => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
        }
    }
}

/// Claims and applies one batch of due lifecycle events; returns how many were claimed.
pub async fn process_due(db: &Db) -> Result<usize, DbErr> {
    let claimed = queue::claim(db, lane::LIFECYCLE, LEASE, CLAIM_BATCH).await?;
    let mut results = Vec::with_capacity(claimed.len());
    for event in &claimed {
        let outcome = match apply(db, event).await {
            Ok(Applied::Processed) => Outcome::Processed,
            Ok(Applied::Ignored(why)) => Outcome::Ignored(why.to_owned()),
            Err(err) => Outcome::Failed(err),
        };
        results.push((vec![event.id], event.attempts, event.topic.as_str(), outcome));
    }
    if results.is_empty() {
        return Ok(0);
    }
    // One commit for the batch (SQLite's single write lock is shared with webhook ingest).
    let txn = db.begin_write().await?;
    queue::finish(&txn, results).await?;
    txn.commit().await?;
    Ok(claimed.len())
}

/// Applies one lifecycle event. Idempotent.
pub async fn apply(db: &Db, event: &Claimed) -> Result<Applied, String> {
    match event.topic.as_str() {
        "APP_CONNECT" => Ok(Applied::Processed),
        "APP_DISCONNECT" => {
            let conn = db.find_connection_by_account(&event.account_id).await.map_err(|e| e.to_string())?;
            let Some(conn) = conn else { return Ok(Applied::Ignored("unknown account")) };
            // Events arrive unordered: a disconnect that happened before the current connection
            // was made belongs to an earlier connection and must not end this one.
            if event.occurred_at < conn.connected_at - CLOCK_SLACK {
                return Ok(Applied::Ignored("predates the current connection"));
            }
            clear_local_state(db, &event.account_id, DisconnectReason::Webhook)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Applied::Processed)
        }
        _ => Ok(Applied::Ignored("not handled by this worker")),
    }
}
