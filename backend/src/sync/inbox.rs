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
/// Most items stored in one transaction.
const STORE_CHUNK: usize = 32;

/// Runs until shutdown.
pub async fn run(state: AppState) {
    loop {
        let notified = state.inbox.new_data.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // A claim may wait long for Jobber's budget; shutting down drops it (its rows' leases
        // run out, or are released at the next start on SQLite, and the work is idempotent).
        let processed = tokio::select! {
            () = state.shutdown.cancelled() => return,
            processed = process_due(&state) => processed,
        };
        let worked = match processed {
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
    if !gone.is_empty() {
        let gone =
            gone.into_iter().map(|events| (events, Step::Done(Outcome::Ignored(NOT_CONNECTED.into()))));
        settle(state, gone.collect()).await?;
    }
    // Items are fetched a few at a time; whatever has been fetched is stored and settled in one
    // transaction (at most STORE_CHUNK items): few commits, each short. On SQLite every commit
    // takes the single write turn that webhook ingest needs too.
    let mut fetched = futures::stream::iter(live)
        .map(|events| async move {
            let step = apply(state, &events).await.unwrap_or_else(|err| Step::Done(Outcome::Failed(err)));
            (events, step)
        })
        .buffer_unordered(PARALLEL_ITEMS)
        .ready_chunks(STORE_CHUNK);
    while let Some(chunk) = fetched.next().await {
        settle(state, chunk).await?;
    }
    Ok(n)
}

/// What working one item's events came to.
enum Step {
    Done(Outcome),
    /// Store Jobber's current state of the item (`None`: it is gone).
    Store {
        resource: Resource,
        current: Option<serde_json::Value>,
    },
}

/// Stores the fetched items and records every event's outcome, in one transaction.
async fn settle(state: &AppState, work: Vec<(Vec<Claimed>, Step)>) -> Result<(), DbErr> {
    let txn = state.db.begin_write().await?;
    let mut finished = Vec::with_capacity(work.len());
    for (events, step) in &work {
        let outcome = match step {
            Step::Done(outcome) => outcome.clone(),
            Step::Store { resource, current } => {
                let (account, item) = (&events[0].account_id, &events[0].item_id);
                match store(&txn, account, *resource, item, current.as_ref()).await {
                    Ok(()) => {
                        metrics::counter!("sync_webhook_items_total", "resource" => resource.as_str())
                            .increment(1);
                        Outcome::Processed
                    }
                    Err(Stop::NotConnected(_)) => Outcome::Ignored(NOT_CONNECTED.into()),
                    Err(Stop::Db(err)) => return Err(err),
                    Err(other) => Outcome::Failed(other.to_string()),
                }
            }
        };
        let ids = events.iter().map(|e| e.id).collect();
        let attempts = events.iter().map(|e| e.attempts).max().unwrap_or(1);
        finished.push((ids, attempts, events[0].topic.as_str(), outcome));
    }
    queue::finish(&txn, finished).await?;
    txn.commit().await
}

/// Works out what the coalesced events of one item need: usually Jobber's current state of it.
async fn apply(state: &AppState, events: &[Claimed]) -> Result<Step, String> {
    let first = &events[0];
    let Some(resource) = Resource::from_topic(&first.topic) else {
        return Ok(Step::Done(Outcome::Ignored("not a synced resource".into())));
    };
    let (account, item) = (first.account_id.as_str(), first.item_id.as_str());
    let destroyed = events.iter().any(|e| e.topic.ends_with("_DESTROY"));
    let db = state.db.conn();
    if !destroyed && records::is_tombstoned(db, account, resource, item).await.map_err(|e| e.to_string())? {
        // Jobber never brings a deleted id back.
        return Ok(Step::Done(Outcome::Processed));
    }
    let current = if destroyed {
        None
    } else {
        match fetch::one(state, account, resource, item, Priority::High).await {
            Ok(found) => found,
            Err(CallError::Token(TokenFailure::NotConnected | TokenFailure::NeedsReauth))
            | Err(CallError::Jobber(JobberError::Disconnected)) => {
                return Ok(Step::Done(Outcome::Ignored(
                    "account not connected; the full sync after reconnecting catches up".into(),
                )));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    Ok(Step::Store { resource, current })
}

async fn store<C: ConnectionTrait>(
    txn: &C,
    account: &str,
    resource: Resource,
    item: &str,
    current: Option<&serde_json::Value>,
) -> Result<(), Stop> {
    check_connected(txn, account).await?;
    match current.and_then(|v| RecordRow::from_json(resource, v)) {
        Some(row) => {
            // Seen by the current full pass, if one is running: the sweep must not remove it.
            let pass = current_pass(txn, account, resource).await?;
            records::upsert(txn, account, resource, &[row], pass).await?;
        }
        None => records::tombstone(txn, account, resource, item).await?,
    }
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
