//! Data-topic webhooks (`CLIENT_*`, `PROPERTY_*`, `JOB_*`, `QUOTE_*`, `INVOICE_*`) from the inbox.
//!
//! Jobber's events carry only an item id and arrive at least once and unordered, so an event
//! means "this item is dirty". Due events are claimed in batches with a lease (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, as the lifecycle worker does), coalesced per (account, resource, item),
//! and each item's current state is fetched once by id with High priority (ahead of bulk paging
//! in the account's budget): stored if Jobber has it, tombstoned if it is gone or a `*_DESTROY`
//! is among the events. Events of an account that is not connected are dropped (IGNORED).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use jobber_graphql::{JobberError, Priority};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr};

use super::{
    Resource, fetch,
    records::{self, RecordRow},
    runner::{Stop, check_connected, stmt},
};
use crate::{
    state::AppState,
    tokens::{CallError, TokenFailure},
    webhooks::{status, worker::MAX_ATTEMPTS},
};

const LEASE: Duration = Duration::from_secs(60);
const IDLE_POLL: Duration = Duration::from_secs(1);
const CLAIM_BATCH: i64 = 256;
/// Items fetched at once (the governor orders them per account).
const PARALLEL_ITEMS: usize = 8;

#[derive(Debug)]
struct Claimed {
    id: i64,
    topic: String,
    account_id: String,
    item_id: String,
    attempts: i32,
}

/// Runs until shutdown.
pub async fn run(state: AppState) {
    loop {
        let notified = state.inbox.new_events.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let worked = match process_due(&state).await {
            Ok(n) => n > 0,
            Err(err) => {
                tracing::error!(error = %err, "sync inbox: cannot claim events");
                false
            }
        };
        if worked {
            continue;
        }
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            () = &mut notified => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
        }
    }
}

/// Claims one batch of due data events and applies them; returns how many were claimed.
pub async fn process_due(state: &AppState) -> Result<usize, DbErr> {
    let claimed = claim(state).await?;
    let n = claimed.len();
    if n == 0 {
        return Ok(0);
    }
    let mut groups: BTreeMap<(String, String, String), Vec<Claimed>> = BTreeMap::new();
    for event in claimed {
        let prefix = event.topic.split_once('_').map_or("", |(p, _)| p).to_owned();
        groups.entry((event.account_id.clone(), prefix, event.item_id.clone())).or_default().push(event);
    }
    let results: Vec<(Vec<Claimed>, Result<Outcome, String>)> = futures::stream::iter(groups.into_values())
        .map(|events| async move {
            let outcome = apply(state, &events).await;
            (events, outcome)
        })
        .buffer_unordered(PARALLEL_ITEMS)
        .collect()
        .await;
    // One commit for the whole claim: on SQLite every commit takes the single write lock that
    // webhook ingest needs too, so per-item commits would slow down acknowledging deliveries.
    let txn = state.db.begin_write().await?;
    for (events, outcome) in results {
        finish(&txn, state.db.backend(), &events, outcome).await?;
    }
    txn.commit().await?;
    Ok(n)
}

async fn claim(state: &AppState) -> Result<Vec<Claimed>, DbErr> {
    let now = Utc::now();
    let lease_until = now + chrono::Duration::from_std(LEASE).expect("small duration");
    let backend = state.db.backend();
    let lock = if backend == DatabaseBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE webhook_events SET locked_until = ?, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM webhook_events \
           WHERE status IN ('PENDING', 'FAILED') AND topic NOT IN ('APP_CONNECT', 'APP_DISCONNECT') \
           AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?) \
           ORDER BY id LIMIT ? {lock}) \
         RETURNING id, topic, jobber_account_id, item_id, attempts"
    );
    let rows = state
        .db
        .conn()
        .query_all_raw(stmt(
            backend,
            &sql,
            vec![lease_until.into(), now.into(), now.into(), CLAIM_BATCH.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("", "id")?,
                topic: r.try_get("", "topic")?,
                account_id: r.try_get("", "jobber_account_id")?,
                item_id: r.try_get("", "item_id")?,
                attempts: r.try_get("", "attempts")?,
            })
        })
        .collect()
}

#[derive(Debug)]
enum Outcome {
    Processed,
    Ignored(String),
}

/// Applies the coalesced events of one item.
async fn apply(state: &AppState, events: &[Claimed]) -> Result<Outcome, String> {
    let first = &events[0];
    let Some(resource) = Resource::from_topic(&first.topic) else {
        return Ok(Outcome::Ignored("not a synced resource".into()));
    };
    let (account, item) = (first.account_id.as_str(), first.item_id.as_str());
    let conn = state.db.find_connection_by_account(account).await.map_err(|e| e.to_string())?;
    if !conn.is_some_and(|c| matches!(c.status.as_str(), "CONNECTED" | "DEGRADED")) {
        return Ok(Outcome::Ignored("account not connected".into()));
    }
    let destroyed = events.iter().any(|e| e.topic.ends_with("_DESTROY"));
    let db = state.db.conn();
    if !destroyed && records::is_tombstoned(db, account, resource, item).await.map_err(|e| e.to_string())? {
        // Jobber never brings a deleted id back.
        return Ok(Outcome::Processed);
    }
    let current = if destroyed {
        None
    } else {
        match fetch::one(state, account, resource, item, Priority::High).await {
            Ok(found) => found,
            Err(CallError::Token(TokenFailure::NotConnected | TokenFailure::NeedsReauth))
            | Err(CallError::Jobber(JobberError::Disconnected)) => {
                return Ok(Outcome::Ignored(
                    "account not connected; the full sync after reconnecting catches up".into(),
                ));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    store(state, account, resource, item, current).await.map_err(|e| match e {
        Stop::NotConnected(_) => "account not connected".to_owned(),
        other => other.to_string(),
    })?;
    metrics::counter!("sync_webhook_items_total", "resource" => resource.as_str()).increment(1);
    Ok(Outcome::Processed)
}

async fn store(
    state: &AppState,
    account: &str,
    resource: Resource,
    item: &str,
    current: Option<serde_json::Value>,
) -> Result<(), Stop> {
    let txn = state.db.begin_write().await?;
    check_connected(&txn, account).await?;
    match current.as_ref().and_then(|v| RecordRow::from_json(resource, v)) {
        Some(row) => {
            // Seen by the current full pass, if one is running: the sweep must not remove it.
            let pass = current_pass(&txn, account, resource).await?;
            records::upsert(&txn, account, resource, &[row], pass).await?;
        }
        None => records::tombstone(&txn, account, resource, item).await?,
    }
    txn.commit().await?;
    Ok(())
}

async fn current_pass<C: ConnectionTrait>(txn: &C, account: &str, resource: Resource) -> Result<i64, DbErr> {
    let row = txn
        .query_one_raw(stmt(
            txn.get_database_backend(),
            "SELECT pass FROM sync_state WHERE jobber_account_id = ? AND resource = ?",
            vec![account.into(), resource.as_str().into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<i64>("", "pass")).transpose()?.unwrap_or(0))
}

async fn finish<C: ConnectionTrait>(
    db: &C,
    backend: DatabaseBackend,
    events: &[Claimed],
    outcome: Result<Outcome, String>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let attempts = events.iter().map(|e| e.attempts).max().unwrap_or(1);
    let (status, error, next): (&str, Option<String>, DateTime<Utc>) = match outcome {
        Ok(Outcome::Processed) => (status::PROCESSED, None, now),
        Ok(Outcome::Ignored(why)) => (status::IGNORED, Some(why), now),
        Err(err) if attempts >= MAX_ATTEMPTS => {
            tracing::error!(topic = %events[0].topic, error = %err, "data webhook dead-lettered");
            metrics::counter!("webhook_dead_letters_total").increment(1);
            (status::DEAD, Some(err), now)
        }
        Err(err) => {
            tracing::warn!(topic = %events[0].topic, attempts, error = %err, "data webhook failed; will retry");
            let base = 2i64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600);
            (status::FAILED, Some(err), now + chrono::Duration::seconds(base))
        }
    };
    metrics::counter!("webhook_events_processed_total", "status" => status).increment(events.len() as u64);
    let processed_at: Option<DateTime<Utc>> = matches!(status, "PROCESSED" | "IGNORED").then_some(now);
    let ids = events.iter().map(|e| e.id.to_string()).collect::<Vec<_>>().join(", ");
    db.execute_raw(stmt(
        backend,
        &format!(
            "UPDATE webhook_events SET status = ?, last_error = ?, next_attempt_at = ?, processed_at = ?, \
                 locked_until = NULL WHERE id IN ({ids})"
        ),
        vec![status.into(), error.into(), next.into(), processed_at.into()],
    ))
    .await?;
    Ok(())
}
