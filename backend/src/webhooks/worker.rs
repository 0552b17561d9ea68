//! The lifecycle worker: applies `APP_*` events from the inbox (a [`crate::worker::Job`]).
//!
//! It claims due `lifecycle` rows under a lease (`db::inbox`); on PostgreSQL several app instances
//! share the work without taking the same row. A row whose worker died is claimable again when its
//! lease runs out. Effects are idempotent, so a crash between applying an event and marking it
//! processed re-applies it harmlessly: exactly once in effect.

use std::time::Duration;

use sea_orm::DbErr;
use tokio_util::sync::CancellationToken;

pub use super::queue::MAX_ATTEMPTS;
use super::queue::{self, Outcome};
use crate::{
    db::{
        Db,
        enums::Lane,
        inbox::{self, Claimed},
    },
    lifecycle::{DisconnectReason, clear_local_state},
};

/// How long a claim is held before another worker may take the row (a worker that died mid-batch
/// delays its rows by at most this much).
const LEASE: Duration = Duration::from_secs(20);
/// Jobber's `occurredAt` has whole seconds and comes from Jobber's clock: an `APP_DISCONNECT`
/// counts as older than the current connection only when it is older by more than this.
const CLOCK_SLACK: chrono::Duration = chrono::Duration::seconds(5);
/// How often the idle worker looks for due retries (new events wake it at once).
pub const IDLE_POLL: Duration = Duration::from_secs(1);
const CLAIM_BATCH: i64 = 64;

/// What applying an event came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Processed,
    Ignored(&'static str),
}

/// The lifecycle lane's worker.
pub struct LifecycleWorker {
    db: Db,
}

impl LifecycleWorker {
    /// A worker over `db`; at start-up (SQLite) every stale lease is released.
    pub async fn new(db: Db) -> Self {
        if let Err(err) = inbox::release_stale_leases(&db).await {
            tracing::warn!(error = %err, "cannot release stale webhook leases");
        }
        Self { db }
    }
}

impl crate::worker::Job for LifecycleWorker {
    type Claim = Vec<Claimed>;

    fn name(&self) -> &'static str {
        "webhook lifecycle worker"
    }

    async fn claim(&self, _slots: usize) -> Result<Vec<Vec<Claimed>>, DbErr> {
        let claimed = inbox::claim(&self.db, Lane::Lifecycle, LEASE, CLAIM_BATCH).await?;
        Ok(if claimed.is_empty() { Vec::new() } else { vec![claimed] })
    }

    async fn run(&self, claimed: Vec<Claimed>, _cancel: CancellationToken) {
        if let Err(err) = apply_batch(&self.db, &claimed).await {
            tracing::error!(error = %err, "webhook worker: cannot settle events; their leases run out and they are retried");
        }
    }

    fn span(&self, claimed: &Vec<Claimed>) -> tracing::Span {
        tracing::info_span!("webhooks.lifecycle", events = claimed.len())
    }
}

/// Claims and applies one batch of due lifecycle events; returns how many were claimed (tests and
/// benchmarks drive the lane with this).
pub async fn process_due(db: &Db) -> Result<usize, DbErr> {
    let claimed = inbox::claim(db, Lane::Lifecycle, LEASE, CLAIM_BATCH).await?;
    apply_batch(db, &claimed).await?;
    Ok(claimed.len())
}

async fn apply_batch(db: &Db, claimed: &[Claimed]) -> Result<(), DbErr> {
    let mut results = Vec::with_capacity(claimed.len());
    for event in claimed {
        let outcome = match apply(db, event).await {
            Ok(Applied::Processed) => Outcome::Processed,
            Ok(Applied::Ignored(why)) => Outcome::Ignored(why.to_owned()),
            Err(err) => Outcome::Failed(err),
        };
        results.push((vec![event.id], event.attempts, event.topic.as_str(), outcome));
    }
    if results.is_empty() {
        return Ok(());
    }
    // One commit for the batch (SQLite's single write lock is shared with webhook ingest).
    let txn = db.begin_write().await?;
    queue::finish(&txn, results).await?;
    txn.commit().await
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
            // Our own disconnect makes Jobber send APP_DISCONNECT too; when it is delivered after
            // a quick reconnect, it reports the end of the previous connection, already applied.
            if conn.status.is_live()
                && conn.disconnected_at.is_some_and(|ended| event.occurred_at <= ended + CLOCK_SLACK)
            {
                return Ok(Applied::Ignored("reports the end of the previous connection"));
            }
            clear_local_state(db, &event.account_id, DisconnectReason::Webhook)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Applied::Processed)
        }
        _ => Ok(Applied::Ignored("not handled by this worker")),
    }
}

/// `jobber-app webhooks redrive`: re-queues every dead letter, audited as the operator's (one
/// `REDRIVEN` entry per account). Returns how many.
pub async fn redrive(db: &Db) -> Result<u64, DbErr> {
    inbox::redrive(db, None).await
}
