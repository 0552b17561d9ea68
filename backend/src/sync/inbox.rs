//! Data-topic webhooks (`CLIENT_*`, `PROPERTY_*`, `JOB_*`, `QUOTE_*`, `INVOICE_*`) from the inbox.
//!
//! Jobber's events carry only an item id and arrive at least once and unordered, so an event
//! means "this item is dirty". Due events are claimed in batches with a lease (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, as the lifecycle worker does), coalesced per (account, resource, item),
//! and each item's current state is fetched once by id with High priority (ahead of bulk paging
//! in the account's budget): stored if Jobber has it, tombstoned if it is gone or a `*_DESTROY`
//! is among the events. Events of an account that is not connected are dropped (IGNORED).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use jobber_graphql::{JobberError, Priority};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::{
    Resource, fetch,
    records::{self, RecordRow},
    runner::{Stop, check_connected, stmt},
};
use crate::{
    db::entities::connections,
    state::AppState,
    tokens::{CallError, TokenFailure},
    webhooks::queue::{self, Claimed, Outcome, lane},
};

const LEASE: Duration = Duration::from_secs(60);
const IDLE_POLL: Duration = Duration::from_secs(1);
const CLAIM_BATCH: i64 = 256;
/// Items fetched at once (the governor orders them per account).
const PARALLEL_ITEMS: usize = 8;
const NOT_CONNECTED: &str = "account not connected";

/// Runs until shutdown.
pub async fn run(state: AppState) {
    loop {
        let notified = state.inbox.new_data.notified();
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
    let claimed = queue::claim(&state.db, lane::DATA, LEASE, CLAIM_BATCH).await?;
    let n = claimed.len();
    if n == 0 {
        return Ok(0);
    }
    // Which of the batch's accounts are connected, in one query: events of any other account are
    // settled without looking further (Jobber may keep sending them for a while).
    let accounts: HashSet<&str> = claimed.iter().map(|e| e.account_id.as_str()).collect();
    let connected: HashSet<String> = connections::Entity::find()
        .select_only()
        .column(connections::Column::JobberAccountId)
        .filter(connections::Column::JobberAccountId.is_in(accounts))
        .filter(connections::Column::Status.is_in(crate::connections::LIVE_STATUSES))
        .into_tuple::<String>()
        .all(state.db.conn())
        .await?
        .into_iter()
        .collect();
    let mut groups: BTreeMap<(String, String, String), Vec<Claimed>> = BTreeMap::new();
    for event in claimed {
        let prefix = event.topic.split_once('_').map_or("", |(p, _)| p).to_owned();
        groups.entry((event.account_id.clone(), prefix, event.item_id.clone())).or_default().push(event);
    }
    let (live, gone): (Vec<_>, Vec<_>) =
        groups.into_values().partition(|events| connected.contains(&events[0].account_id));
    let mut results: Vec<(Vec<Claimed>, Outcome)> =
        gone.into_iter().map(|events| (events, Outcome::Ignored(NOT_CONNECTED.into()))).collect();
    results.extend(
        futures::stream::iter(live)
            .map(|events| async move {
                let outcome = match apply(state, &events).await {
                    Ok(outcome) => outcome,
                    Err(err) => Outcome::Failed(err),
                };
                (events, outcome)
            })
            .buffer_unordered(PARALLEL_ITEMS)
            .collect::<Vec<_>>()
            .await,
    );
    let finished = results
        .iter()
        .map(|(events, outcome)| {
            let ids = events.iter().map(|e| e.id).collect();
            let attempts = events.iter().map(|e| e.attempts).max().unwrap_or(1);
            (ids, attempts, events[0].topic.as_str(), outcome.clone())
        })
        .collect();
    // One commit for the whole claim: on SQLite every commit takes the single write lock that
    // webhook ingest needs too, so per-item commits would slow down acknowledging deliveries.
    let txn = state.db.begin_write().await?;
    queue::finish(&txn, finished).await?;
    txn.commit().await?;
    Ok(n)
}

/// Applies the coalesced events of one item.
async fn apply(state: &AppState, events: &[Claimed]) -> Result<Outcome, String> {
    let first = &events[0];
    let Some(resource) = Resource::from_topic(&first.topic) else {
        return Ok(Outcome::Ignored("not a synced resource".into()));
    };
    let (account, item) = (first.account_id.as_str(), first.item_id.as_str());
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
        Stop::NotConnected(_) => NOT_CONNECTED.to_owned(),
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
