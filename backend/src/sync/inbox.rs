//! Data-topic webhooks from the inbox (a [`crate::worker::Job`]): `CLIENT_*`, `PROPERTY_*`,
//! `JOB_*`, `QUOTE_*`, `INVOICE_*` re-fetch their item; `VISIT_*` the visit's job; `PAYMENT_*`
//! the invoice (or quote) paid and the client (see [`crate::webhooks::topics`]).
//!
//! Jobber's events carry only an item id and arrive at least once and unordered, so an event
//! means "this item is dirty". Due events are claimed in batches with a lease (`db::inbox`),
//! coalesced per (account, resource, item), and each item's current state is fetched once by id
//! with High priority (ahead of bulk paging in the account's budget): stored if Jobber has it,
//! tombstoned if it is gone or a `*_DESTROY` is among the events. Events of an account that is not
//! connected are dropped (IGNORED).

use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
    time::Duration,
};

use futures::StreamExt;
use jobber_graphql::{
    JobberError, Priority,
    operations::{PaymentRecordLinks, VisitJob, payment_record_links, visit_job},
};
use sea_orm::{ConnectionTrait, DbErr};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{
    Resource, SyncService, fetch,
    resources::{self, Synced},
    runner::{Stop, check_connected},
};
use crate::{
    db::{
        enums::Lane,
        inbox::{self, Claimed},
        records::{self, RecordRow},
        sync_state,
    },
    tokens::{CallError, TokenFailure},
    webhooks::{
        self, Handling,
        queue::{self, Outcome},
    },
    worker::{Job, Pace},
};

const LEASE: Duration = Duration::from_secs(60);
const IDLE_POLL: Duration = Duration::from_secs(1);
const CLAIM_BATCH: i64 = 256;
/// Items fetched at once (the governor orders them per account).
const PARALLEL_ITEMS: usize = 8;
const NOT_CONNECTED: &str = "account not connected";
/// Most items stored in one transaction.
const STORE_CHUNK: usize = 32;

/// Runs until shutdown (woken by `new_data` when the inbox queues data events).
pub async fn run(sync: SyncService, new_data: Arc<Notify>, shutdown: CancellationToken) {
    let pace = Pace { concurrency: 1, idle_poll: IDLE_POLL, wake: new_data };
    crate::worker::run(Arc::new(Consumer { sync }), pace, shutdown).await;
}

struct Consumer {
    sync: SyncService,
}

impl Job for Consumer {
    type Claim = Vec<Claimed>;

    fn name(&self) -> &'static str {
        "sync webhook consumer"
    }

    async fn claim(&self, _slots: usize) -> Result<Vec<Vec<Claimed>>, DbErr> {
        let claimed = inbox::claim(&self.sync.db, Lane::Data, LEASE, CLAIM_BATCH).await?;
        Ok(if claimed.is_empty() { Vec::new() } else { vec![claimed] })
    }

    async fn run(&self, claimed: Vec<Claimed>, cancel: CancellationToken) {
        // A batch may wait long for Jobber's budget; shutting down drops it (its rows' leases run
        // out, or are released at the next start on SQLite, and the work is idempotent). A token
        // refresh under way finishes on its own (see `tokens`).
        tokio::select! {
            () = cancel.cancelled() => {}
            result = work(&self.sync, claimed) => {
                if let Err(err) = result {
                    tracing::error!(error = %err, "sync inbox: cannot settle events; their leases run out and they are retried");
                }
            }
        }
    }

    fn span(&self, claimed: &Vec<Claimed>) -> tracing::Span {
        tracing::info_span!("sync.webhooks", events = claimed.len())
    }
}

/// Claims one batch of due data events and applies them; returns how many were claimed (tests
/// and benchmarks drive the lane with this).
pub async fn process_due(sync: &SyncService) -> Result<usize, DbErr> {
    let claimed = inbox::claim(&sync.db, Lane::Data, LEASE, CLAIM_BATCH).await?;
    let n = claimed.len();
    work(sync, claimed).await?;
    Ok(n)
}

async fn work(sync: &SyncService, claimed: Vec<Claimed>) -> Result<(), DbErr> {
    if claimed.is_empty() {
        return Ok(());
    }
    // Which of the batch's accounts are connected, in one query: events of any other account are
    // settled without looking further (Jobber may keep sending them for a while).
    let accounts: HashSet<&str> = claimed.iter().map(|e| e.account_id.as_str()).collect();
    let connected = sync.db.live_accounts_among(accounts).await?;
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
        settle(sync, gone.collect()).await?;
    }
    // Items are fetched a few at a time; whatever has been fetched is stored and settled in one
    // transaction (at most STORE_CHUNK items): few commits, each short. On SQLite every commit
    // takes the single write turn that webhook ingest needs too.
    let mut fetched = futures::stream::iter(live)
        .map(|events| async move {
            let step = apply(sync, &events).await.unwrap_or_else(|err| Step::Done(Outcome::Failed(err)));
            (events, step)
        })
        .buffer_unordered(PARALLEL_ITEMS)
        .ready_chunks(STORE_CHUNK);
    while let Some(chunk) = fetched.next().await {
        settle(sync, chunk).await?;
    }
    Ok(())
}

/// What working one item's events came to.
enum Step {
    Done(Outcome),
    /// Store Jobber's current state of these items.
    Store(Vec<Target>),
}

/// An item an event affects, as Jobber has it now.
struct Target {
    resource: Resource,
    item: String,
    /// `None`: it is gone.
    current: Option<RecordRow>,
}

/// Stores the fetched items and records every event's outcome, in one transaction.
async fn settle(sync: &SyncService, work: Vec<(Vec<Claimed>, Step)>) -> Result<(), DbErr> {
    let txn = sync.db.begin_write().await?;
    let mut finished = Vec::with_capacity(work.len());
    for (events, step) in &work {
        let outcome = match step {
            Step::Done(outcome) => outcome.clone(),
            Step::Store(targets) => {
                let account = &events[0].account_id;
                let mut outcome = Outcome::Processed;
                for Target { resource, item, current } in targets {
                    match store(&txn, account, *resource, item, current.as_ref()).await {
                        Ok(()) => {
                            metrics::counter!("sync_webhook_items_total", "resource" => sea_orm::ActiveEnum::to_value(resource))
                                .increment(1);
                        }
                        Err(Stop::NotConnected(_)) => {
                            outcome = Outcome::Ignored(NOT_CONNECTED.into());
                            break;
                        }
                        Err(Stop::Db(err)) => return Err(err),
                        Err(other) => {
                            outcome = Outcome::Failed(other.to_string());
                            break;
                        }
                    }
                }
                outcome
            }
        };
        let ids = events.iter().map(|e| e.id).collect();
        let attempts = events.iter().map(|e| e.attempts).max().unwrap_or(1);
        finished.push((ids, attempts, events[0].topic.as_str(), outcome));
    }
    queue::finish(&txn, finished).await?;
    txn.commit().await
}

const GONE_AFTER_DISCONNECT: &str = "account not connected; the full sync after reconnecting catches up";

/// Whether a failed call means the account is no longer connected (then the event is ignored:
/// the full sync after a reconnect reads everything anyway).
fn disconnected(err: &CallError) -> bool {
    matches!(
        err,
        CallError::Token(TokenFailure::NotConnected | TokenFailure::NeedsReauth)
            | CallError::Jobber(JobberError::Disconnected)
    )
}

/// Works out what the coalesced events of one item need: usually Jobber's current state of it,
/// or of the items it belongs to (a visit's job; a payment's invoice and client).
async fn apply(sync: &SyncService, events: &[Claimed]) -> Result<Step, String> {
    let first = &events[0];
    let (account, item) = (first.account_id.as_str(), first.item_id.as_str());
    // (resource, item id, whether a `*_DESTROY` says it is gone)
    let targets: Vec<(Resource, String, bool)> = match webhooks::handling(&first.topic) {
        Handling::Item(resource) => {
            let destroyed = events.iter().any(|e| e.topic.ends_with("_DESTROY"));
            vec![(resource, item.to_owned(), destroyed)]
        }
        Handling::VisitJob => {
            let vars = visit_job::Variables { id: item.to_owned() };
            match sync.tokens.execute::<VisitJob>(account, vars, Priority::High).await {
                Ok(resp) => match resp.data.visit {
                    Some(visit) => vec![(Resource::Jobs, visit.job.id, false)],
                    None => return Ok(Step::Done(Outcome::Ignored(VISIT_GONE.into()))),
                },
                Err(e) if disconnected(&e) => {
                    return Ok(Step::Done(Outcome::Ignored(GONE_AFTER_DISCONNECT.into())));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        Handling::PaymentLinks => {
            let vars = payment_record_links::Variables { id: item.to_owned() };
            match sync.tokens.execute::<PaymentRecordLinks>(account, vars, Priority::High).await {
                Ok(resp) => match resp.data.payment_record {
                    Some(p) => {
                        let paid = p
                            .invoice
                            .map(|i| (Resource::Invoices, i.id))
                            .or_else(|| p.quote.map(|q| (Resource::Quotes, q.id)));
                        paid.into_iter()
                            .chain(p.client.map(|c| (Resource::Clients, c.id)))
                            .map(|(resource, id)| (resource, id, false))
                            .collect()
                    }
                    None => return Ok(Step::Done(Outcome::Ignored(PAYMENT_GONE.into()))),
                },
                Err(e) if disconnected(&e) => {
                    return Ok(Step::Done(Outcome::Ignored(GONE_AFTER_DISCONNECT.into())));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        // Settled when recorded; a row stored before a topic's handling changed lands here.
        Handling::Lifecycle => return Ok(Step::Done(Outcome::Ignored("not a data topic".into()))),
        Handling::Ignored(why) => return Ok(Step::Done(Outcome::Ignored(why.into()))),
    };
    let mut fetched = Vec::with_capacity(targets.len());
    for (resource, item, destroyed) in targets {
        if !destroyed
            && records::is_tombstoned(sync.db.reader(), account, resource, &item)
                .await
                .map_err(|e| e.to_string())?
        {
            // Jobber never brings a deleted id back.
            continue;
        }
        let current = if destroyed {
            None
        } else {
            match crate::with_resource!(resource, R => fetch_row::<R>(sync, account, &item).await) {
                Ok(found) => found,
                Err(e) if disconnected(&e) => {
                    return Ok(Step::Done(Outcome::Ignored(GONE_AFTER_DISCONNECT.into())));
                }
                Err(e) => return Err(e.to_string()),
            }
        };
        fetched.push(Target { resource, item, current });
    }
    Ok(Step::Store(fetched))
}

const VISIT_GONE: &str = "the visit no longer exists in Jobber";
const PAYMENT_GONE: &str = "the payment no longer exists in Jobber";

async fn fetch_row<R: Synced>(
    sync: &SyncService,
    account: &str,
    item: &str,
) -> Result<Option<RecordRow>, CallError> {
    Ok(fetch::one::<R>(&sync.tokens, account, item, Priority::High)
        .await?
        .as_ref()
        .map(resources::record_row::<R>))
}

async fn store<C: ConnectionTrait>(
    txn: &C,
    account: &str,
    resource: Resource,
    item: &str,
    current: Option<&RecordRow>,
) -> Result<(), Stop> {
    check_connected(txn, account).await?;
    match current {
        Some(row) => {
            // Seen by the current full pass, if one is running: the sweep must not remove it.
            let pass = sync_state::current_pass(txn, account, resource).await?;
            records::upsert(txn, account, resource, std::slice::from_ref(row), pass).await?;
        }
        None => records::tombstone(txn, account, resource, item).await?,
    }
    Ok(())
}
