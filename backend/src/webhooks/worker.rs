//! Background processing of the inbox.
//!
//! Workers claim due rows by setting a lease (`locked_until`) in one statement; on PostgreSQL the
//! claim uses `FOR UPDATE SKIP LOCKED`, so several app instances share the work without taking the
//! same row. A row whose worker died is claimable again when its lease runs out. Effects are
//! idempotent, so a crash between applying an event and marking it processed re-applies it
//! harmlessly: exactly once in effect.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
use tokio_util::sync::CancellationToken;

use super::{ingest::Inbox, status};
use crate::{
    db::Db,
    lifecycle::{DisconnectReason, clear_local_state},
};

/// After this many failed attempts an event is parked as a dead letter.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claim is held before another worker may take the row (a worker that died mid-batch
/// delays its rows by at most this much).
const LEASE: Duration = Duration::from_secs(20);
/// Jobber's `occurredAt` has whole seconds and comes from Jobber's clock: an `APP_DISCONNECT`
/// counts as older than the current connection only when it is older by more than this.
const CLOCK_SLACK: chrono::Duration = chrono::Duration::seconds(5);
/// How often idle workers look for due retries (new events wake them at once).
const IDLE_POLL: Duration = Duration::from_secs(1);
const CLAIM_BATCH: i64 = 64;

/// One claimed inbox row.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub topic: String,
    pub account_id: String,
    pub item_id: String,
    pub occurred_at: DateTime<Utc>,
    pub attempts: i32,
}

/// What applying an event came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Processed,
    Ignored(&'static str),
}

/// Runs until `cancel` fires.
pub async fn run(db: Db, inbox: Inbox, cancel: CancellationToken) {
    if db.backend() == DatabaseBackend::Sqlite {
        // One app instance per SQLite database: leases left by a previous (crashed) run of this
        // instance are dead, so their rows are due now rather than when the lease runs out.
        if let Err(err) = db
            .conn()
            .execute_unprepared(
                "UPDATE webhook_events SET locked_until = NULL WHERE locked_until IS NOT NULL",
            )
            .await
        {
            tracing::warn!(error = %err, "cannot release stale webhook leases");
        }
    }
    loop {
        let notified = inbox.new_events.notified();
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
    let claimed = claim(db).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut outcomes = Vec::with_capacity(claimed.len());
    for event in &claimed {
        outcomes.push(apply(db, event).await);
    }
    // One commit for the batch (SQLite's single write lock is shared with webhook ingest).
    let txn = db.begin_write().await?;
    for (event, outcome) in claimed.iter().zip(outcomes) {
        finish(&txn, db.backend(), event, outcome).await?;
    }
    txn.commit().await?;
    Ok(claimed.len())
}

async fn claim(db: &Db) -> Result<Vec<Claimed>, DbErr> {
    let now = Utc::now();
    let lease_until = now + chrono::Duration::from_std(LEASE).expect("small duration");
    let backend = db.backend();
    let (sql, values): (&str, Vec<Value>) = match backend {
        DatabaseBackend::Postgres => (
            "UPDATE webhook_events SET locked_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM webhook_events \
               WHERE status IN ('PENDING', 'FAILED') AND topic IN ('APP_CONNECT', 'APP_DISCONNECT') \
               AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until < $2) \
               ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING id, topic, jobber_account_id, item_id, occurred_at, attempts",
            vec![lease_until.into(), now.into(), CLAIM_BATCH.into()],
        ),
        _ => (
            // SQLite has one writer at a time, so the UPDATE itself is the lock.
            "UPDATE webhook_events SET locked_until = ?, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM webhook_events \
               WHERE status IN ('PENDING', 'FAILED') AND topic IN ('APP_CONNECT', 'APP_DISCONNECT') \
               AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?) \
               ORDER BY id LIMIT ?) \
             RETURNING id, topic, jobber_account_id, item_id, occurred_at, attempts",
            vec![lease_until.into(), now.into(), now.into(), CLAIM_BATCH.into()],
        ),
    };
    let rows = db.conn().query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut claimed: Vec<Claimed> = rows
        .iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("", "id")?,
                topic: r.try_get("", "topic")?,
                account_id: r.try_get("", "jobber_account_id")?,
                item_id: r.try_get("", "item_id")?,
                occurred_at: r.try_get("", "occurred_at")?,
                attempts: r.try_get("", "attempts")?,
            })
        })
        .collect::<Result<_, DbErr>>()?;
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
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

async fn finish<C: ConnectionTrait>(
    db: &C,
    backend: DatabaseBackend,
    event: &Claimed,
    outcome: Result<Applied, String>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let (status, error, next): (&str, Option<String>, DateTime<Utc>) = match outcome {
        Ok(Applied::Processed) => (status::PROCESSED, None, now),
        Ok(Applied::Ignored(why)) => (status::IGNORED, Some(why.to_owned()), now),
        Err(err) if event.attempts >= MAX_ATTEMPTS => {
            tracing::error!(event.id = event.id, topic = %event.topic, error = %err, "webhook event dead-lettered");
            metrics::counter!("webhook_dead_letters_total").increment(1);
            (status::DEAD, Some(err), now)
        }
        Err(err) => {
            tracing::warn!(event.id = event.id, topic = %event.topic, attempts = event.attempts, error = %err, "webhook event failed; will retry");
            (status::FAILED, Some(err), now + backoff(event.attempts))
        }
    };
    metrics::counter!("webhook_events_processed_total", "status" => status).increment(1);
    let processed_at: Option<DateTime<Utc>> = matches!(status, "PROCESSED" | "IGNORED").then_some(now);
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE webhook_events SET status = $1, last_error = $2, next_attempt_at = $3, processed_at = $4, locked_until = NULL WHERE id = $5"
        }
        _ => {
            "UPDATE webhook_events SET status = ?, last_error = ?, next_attempt_at = ?, processed_at = ?, locked_until = NULL WHERE id = ?"
        }
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [status.into(), error.into(), next.into(), processed_at.into(), event.id.into()],
    ))
    .await?;
    Ok(())
}

/// Exponential backoff with jitter: ~2 s, 4 s, 8 s … capped at one hour.
fn backoff(attempts: i32) -> chrono::Duration {
    let base = 2i64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600);
    let jitter = rand::random::<u64>() % (base as u64 * 250 + 1);
    chrono::Duration::seconds(base) + chrono::Duration::milliseconds(jitter as i64)
}

/// `jobber-app webhooks redrive`: re-queues every dead letter. Returns how many.
pub async fn redrive(db: &Db) -> Result<u64, DbErr> {
    let backend = db.backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE webhook_events SET status = 'PENDING', attempts = 0, next_attempt_at = $1, locked_until = NULL WHERE status = 'DEAD'"
        }
        _ => {
            "UPDATE webhook_events SET status = 'PENDING', attempts = 0, next_attempt_at = ?, locked_until = NULL WHERE status = 'DEAD'"
        }
    };
    let res =
        db.conn().execute_raw(Statement::from_sql_and_values(backend, sql, [Utc::now().into()])).await?;
    Ok(res.rows_affected())
}
