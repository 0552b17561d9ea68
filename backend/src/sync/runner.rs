//! Scheduling and running syncs (a [`crate::worker::Job`]).
//!
//! Work is a `sync_state` row with a `requested_mode`, or a `RUNNING` row whose lease lapsed (its
//! process died) — see `db::sync_state`. A worker claims one row at a time with a lease, so app
//! instances share the work and never run the same (account, resource) twice; a heartbeat renews
//! the lease, and every write of the run checks it still holds it (a fencing token). Rows of
//! accounts that never synced come first, so a newly connected merchant does not wait behind
//! others' periodic runs.
//!
//! A run commits each page's items together with the new checkpoint (cursor, items fetched,
//! highest `updatedAt` seen), so a crash resumes at the next page. A full pass marks every item
//! it sees with its pass number; only after the last page has been stored does the sweep look at
//! the items the pass did not see, and even then each one is deleted only when Jobber, asked for
//! it by id, says it no longer exists (a page shifted by a concurrent delete cannot cause a false
//! delete).

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use jobber_graphql::{JobberError, Priority};
use sea_orm::{ActiveEnum, ActiveModelTrait, ActiveValue::Set, DbErr, EntityTrait};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use super::{
    Mode, Resource, SyncService,
    fetch::{self, PageSizer},
    resources::{self, Synced},
};
use crate::{
    db::{
        changes,
        connections::lock_live,
        entities::sync_state,
        enums::{SyncProblem, SyncRunState},
        records::{self, RecordRow},
        sync_state as rows,
    },
    tokens::{CallError, TokenFailure},
    worker::{Job, Pace},
};

/// How often the scheduler looks for due work when nothing wakes it.
const TICK: Duration = Duration::from_secs(1);
/// Incremental runs re-read this far behind the high-water mark: Jobber's clock and commit
/// order are not ours, and re-reading an item is harmless.
const OVERLAP: chrono::Duration = chrono::Duration::minutes(5);
/// Retries of one page (after the client's own retries) before the run fails.
const PAGE_ATTEMPTS: u32 = 8;
/// A `cursor` value meaning "every page is stored; the sweep is running".
const SWEEPING: &str = "\u{1}sweep";

/// Runs the scheduler and workers until shutdown; runs stop at their next page boundary and hand
/// their lease back.
pub async fn run(sync: SyncService, shutdown: CancellationToken) {
    let pace = Pace { concurrency: sync.settings.concurrency, idle_poll: TICK, wake: sync.wake.clone() };
    let runner = Arc::new(Runner { last_schedule: Mutex::new(None), webhooks: Mutex::new(None), sync });
    crate::worker::run(runner, pace, shutdown).await;
}

struct Runner {
    sync: SyncService,
    last_schedule: Mutex<Option<tokio::time::Instant>>,
    /// When the webhook-health check last ran.
    webhooks: Mutex<Option<tokio::time::Instant>>,
}

/// A claimed row: its id and the lease owner.
pub struct ClaimedRun {
    id: i64,
    owner: String,
}

impl Job for Runner {
    type Claim = ClaimedRun;

    fn name(&self) -> &'static str {
        "sync runner"
    }

    async fn claim(&self, slots: usize) -> Result<Vec<ClaimedRun>, DbErr> {
        {
            let mut last = self.last_schedule.lock().await;
            if last.is_none_or(|t| t.elapsed() >= TICK) {
                if let Err(err) = schedule(&self.sync).await {
                    tracing::warn!(error = %err, "sync scheduler: cannot schedule");
                }
                *last = Some(tokio::time::Instant::now());
            }
        }
        if let Ok(mut last) = self.webhooks.try_lock()
            && last.is_none_or(|t| t.elapsed() >= super::health::watch_period(&self.sync.settings))
        {
            if let Err(err) = super::health::watch(&self.sync).await {
                tracing::warn!(error = %err, "sync scheduler: cannot check webhook health");
            }
            *last = Some(tokio::time::Instant::now());
        }
        let mut claimed = Vec::new();
        for _ in 0..slots {
            let owner = uuid::Uuid::new_v4().to_string();
            let now = Utc::now();
            let lease = now + chrono::Duration::from_std(self.sync.settings.lease).unwrap_or_default();
            match rows::claim(&self.sync.db, &owner, now, lease).await? {
                Some(id) => claimed.push(ClaimedRun { id, owner }),
                None => break,
            }
        }
        Ok(claimed)
    }

    async fn run(&self, claim: ClaimedRun, cancel: CancellationToken) {
        run_claimed(&self.sync, claim.id, &claim.owner, cancel).await;
        self.sync.wake.notify_one();
    }

    fn span(&self, claim: &ClaimedRun) -> tracing::Span {
        tracing::info_span!(
            "sync.run",
            row = claim.id,
            account.id = tracing::field::Empty,
            resource = tracing::field::Empty
        )
    }
}

/// Requests what is due: a full sync for newly (re)connected accounts, incremental and full
/// passes on their intervals; and purges the data of accounts disconnected longer than
/// `DATA_RETENTION_HOURS`.
pub async fn schedule(sync: &SyncService) -> Result<(), DbErr> {
    let db = &sync.db;
    for account in rows::accounts_without_rows(db).await? {
        rows::ensure_rows(db, &account, &Resource::ALL).await?;
    }
    let now = Utc::now();
    let interval = chrono::Duration::from_std(sync.settings.interval).unwrap_or(chrono::Duration::MAX);
    let full = chrono::Duration::from_std(sync.settings.full_interval).unwrap_or(chrono::Duration::MAX);
    rows::request_due(db, now, now - interval, now - full).await?;
    let retention = chrono::Duration::from_std(sync.data_retention).unwrap_or(chrono::Duration::MAX);
    let purged = rows::purge_disconnected(db, now - retention).await?;
    if purged > 0 {
        tracing::info!(items = purged, "purged synced data of disconnected accounts");
        metrics::counter!("sync_purged_items_total").increment(purged);
    }
    Ok(())
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Stop {
    #[error("the app is shutting down")]
    Shutdown,
    #[error("another worker took over this sync")]
    LostLease,
    #[error("{0}")]
    NotConnected(String),
    #[error("{message}")]
    Jobber { message: String, problem: SyncProblem },
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl Stop {
    /// The typed reason shown to the merchant (`None`: the run did not fail).
    fn problem(&self) -> Option<SyncProblem> {
        match self {
            Self::Shutdown | Self::LostLease => None,
            Self::NotConnected(_) => Some(SyncProblem::ReconnectRequired),
            Self::Jobber { problem, .. } => Some(*problem),
            Self::Db(_) => Some(SyncProblem::Unexpected),
        }
    }
}

/// How a failed Jobber call reads to the merchant.
pub(crate) fn problem_of(e: &JobberError) -> SyncProblem {
    match e {
        JobberError::Throttled { .. } | JobberError::RateLimited { .. } => SyncProblem::RateLimited,
        JobberError::Disconnected | JobberError::Unauthorized { .. } => SyncProblem::ReconnectRequired,
        JobberError::Transient(_) => SyncProblem::JobberUnavailable,
        JobberError::QueryTooExpensive { .. }
        | JobberError::GraphQl(_)
        | JobberError::UserErrors(_)
        | JobberError::Decode(_) => SyncProblem::Unexpected,
    }
}

impl From<CallError> for Stop {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Token(TokenFailure::Db(db)) => Self::Db(db),
            CallError::Token(t @ (TokenFailure::NotConnected | TokenFailure::NeedsReauth)) => {
                Self::NotConnected(t.to_string())
            }
            CallError::Jobber(JobberError::Disconnected) => {
                Self::NotConnected(JobberError::Disconnected.to_string())
            }
            CallError::Token(t @ TokenFailure::Unavailable(_)) => {
                Self::Jobber { message: t.to_string(), problem: SyncProblem::JobberUnavailable }
            }
            CallError::Token(t) => Self::Jobber { message: t.to_string(), problem: SyncProblem::Unexpected },
            CallError::Jobber(j) => Self::Jobber { problem: problem_of(&j), message: j.to_string() },
        }
    }
}

/// Fails unless the account is connected, holding its row against a concurrent disconnect until
/// the caller's transaction ends (see `db::connections::lock_live`).
pub(crate) async fn check_connected<C: sea_orm::ConnectionTrait>(
    txn: &C,
    account_id: &str,
) -> Result<(), Stop> {
    if lock_live(txn, account_id).await? {
        Ok(())
    } else {
        Err(Stop::NotConnected("This app is not connected to that Jobber account.".into()))
    }
}

/// One claimed (account, resource) run.
struct Run<'a> {
    sync: &'a SyncService,
    id: i64,
    owner: &'a str,
    account: String,
    resource: Resource,
    mode: Mode,
    pass: i64,
    fetched: i64,
    run_high_water: Option<DateTime<Utc>>,
    /// The resource's high-water mark before this run, once a full pass has completed: items
    /// updated after it are changes found (evidence for webhook health, see `health`).
    changes_since: Option<DateTime<Utc>>,
    cancel: CancellationToken,
}

async fn run_claimed(sync: &SyncService, id: i64, owner: &str, cancel: CancellationToken) {
    let cancel = cancel.child_token();
    let heartbeat = tokio::spawn(heartbeat(sync.clone(), id, owner.to_owned(), cancel.clone()));
    let outcome = match start(sync, id, owner, cancel.clone()).await {
        Ok(Some((mut run, cursor, since))) => {
            let span = tracing::Span::current();
            span.record("account.id", run.account.as_str());
            span.record("resource", tracing::field::debug(run.resource));
            tracing::info!(mode = ?run.mode, resumed = cursor.is_some(), "sync run started");
            let result = crate::with_resource!(run.resource, R => run.execute::<R>(cursor, since).await);
            Some((run, result))
        }
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(error = %err, "sync: cannot start a run");
            None
        }
    };
    heartbeat.abort();
    if let Some((run, result)) = outcome
        && let Err(err) = run.finish(result).await
    {
        tracing::warn!(error = %err, "sync: cannot record the outcome of a run");
    }
}

async fn heartbeat(sync: SyncService, id: i64, owner: String, cancel: CancellationToken) {
    let every = sync.settings.lease / 3;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        let lease = Utc::now() + chrono::Duration::from_std(sync.settings.lease).unwrap_or_default();
        match rows::renew(&sync.db, id, &owner, lease).await {
            Ok(false) => {
                cancel.cancel();
                return;
            }
            Ok(true) => {}
            Err(err) => tracing::warn!(error = %err, "sync: cannot renew the lease"),
        }
    }
}

/// Turns the claimed row into a run: resumes a run in progress (or one that failed part-way
/// and is retried), or starts the requested one.
async fn start<'a>(
    sync: &'a SyncService,
    id: i64,
    owner: &'a str,
    cancel: CancellationToken,
) -> Result<Option<(Run<'a>, Option<String>, Option<DateTime<Utc>>)>, DbErr> {
    let txn = sync.db.begin_write().await?;
    let Some(row) = sync_state::Entity::find_by_id(id).one(&txn).await? else { return Ok(None) };
    if row.lease_owner.as_deref() != Some(owner) {
        return Ok(None);
    }
    let resource = row.resource;
    let now = Utc::now();
    let retrying_same = row.state == SyncRunState::Failed
        && row.cursor.is_some()
        && row.requested_mode.is_some()
        && row.requested_mode == row.mode;
    let resume = row.state == SyncRunState::Running || retrying_same;
    let mut active: sync_state::ActiveModel = row.clone().into();
    let (mode, cursor, pass, fetched, run_high_water) = if resume {
        if retrying_same {
            active.requested_mode = Set(None);
        }
        (row.mode.unwrap_or(Mode::Full), row.cursor.clone(), row.pass, row.fetched, row.run_high_water)
    } else {
        let Some(requested) = row.requested_mode else { return Ok(None) };
        let mode = if requested == Mode::Incremental
            && resource.supports_incremental()
            && row.high_water.is_some()
            && row.last_full_success_at.is_some()
        {
            Mode::Incremental
        } else {
            Mode::Full
        };
        let pass = if mode == Mode::Full { row.pass + 1 } else { row.pass };
        let total = if mode == Mode::Full && row.last_full_success_at.is_some() {
            Some(
                i64::try_from(records::count_live(&txn, &row.jobber_account_id, resource).await?)
                    .unwrap_or(i64::MAX),
            )
        } else {
            None
        };
        active.requested_mode = Set(None);
        active.total = Set(total);
        active.started_at = Set(Some(now));
        active.finished_at = Set(None);
        (mode, None, pass, 0, None)
    };
    active.state = Set(SyncRunState::Running);
    active.mode = Set(Some(mode));
    active.pass = Set(pass);
    active.cursor = Set(cursor.clone());
    active.fetched = Set(fetched);
    active.run_high_water = Set(run_high_water);
    active.error = Set(None);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    txn.commit().await?;
    let since = (mode == Mode::Incremental).then(|| row.high_water.map(|h| h - OVERLAP)).flatten();
    Ok(Some((
        Run {
            sync,
            id,
            owner,
            account: row.jobber_account_id,
            resource,
            mode,
            pass,
            fetched,
            run_high_water,
            changes_since: row.last_full_success_at.and(row.high_water),
            cancel,
        },
        cursor,
        since,
    )))
}

impl Run<'_> {
    async fn execute<R: Synced>(
        &mut self,
        cursor: Option<String>,
        since: Option<DateTime<Utc>>,
    ) -> Result<(), Stop> {
        let sweeping = cursor.as_deref() == Some(SWEEPING);
        if !sweeping {
            self.pages::<R>(cursor, since).await?;
        }
        if self.mode == Mode::Full {
            self.sweep::<R>().await?;
        }
        Ok(())
    }

    /// Waits `wait` (unless shutting down) after a retryable failure, noting it for the UI.
    async fn wait_to_retry(&self, e: &JobberError, attempt: u32) -> Result<(), Stop> {
        let wait = e.retry_after().unwrap_or_else(|| self.sync.tokens.client().governor().backoff(attempt));
        let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        rows::note_retry(&self.sync.db, self.id, self.owner, &e.to_string(), problem_of(e), at).await?;
        tokio::select! {
            () = self.cancel.cancelled() => Err(Stop::Shutdown),
            () = tokio::time::sleep(wait) => Ok(()),
        }
    }

    async fn pages<R: Synced>(
        &mut self,
        mut cursor: Option<String>,
        since: Option<DateTime<Utc>>,
    ) -> Result<(), Stop> {
        let governor = self.sync.tokens.client().governor().clone();
        let operation = fetch::operation_name::<R>();
        let mut sizer = PageSizer::new(R::COST_PER_ITEM, self.sync.settings.max_page_size);
        // Jobs cannot be filtered by updatedAt: they come newest first, and an incremental run
        // stops at the first job older than its mark.
        let stops_at_mark = R::RESOURCE == Resource::Jobs;
        let filter = if stops_at_mark { None } else { since };
        let mut attempt = 0;
        loop {
            if self.cancel.is_cancelled() {
                return Err(Stop::Shutdown);
            }
            let first = sizer.first();
            governor.set_estimate(operation, sizer.estimate(first));
            let (page, cost) =
                match fetch::page::<R>(&self.sync.tokens, &self.account, first, cursor.clone(), filter).await
                {
                    Ok(page) => {
                        attempt = 0;
                        page
                    }
                    Err(CallError::Jobber(JobberError::QueryTooExpensive { .. })) => {
                        sizer.shrink();
                        continue;
                    }
                    Err(CallError::Jobber(e)) if e.is_retryable() && attempt < PAGE_ATTEMPTS => {
                        attempt += 1;
                        tracing::info!(error = %e, attempt, "sync: page failed; retrying");
                        self.wait_to_retry(&e, attempt).await?;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
            if let Some(cost) = &cost {
                sizer.learn(first, cost);
            }
            let mut rows: Vec<RecordRow> = page.items.iter().map(resources::record_row::<R>).collect();
            let mut reached_mark = false;
            if stops_at_mark && let Some(since) = since {
                let before = rows.len();
                rows.retain(|r| r.updated_at.is_none_or(|t| t >= since));
                reached_mark = rows.len() < before;
            }
            if let Some(max) = rows.iter().filter_map(|r| r.updated_at).max() {
                self.run_high_water = Some(self.run_high_water.map_or(max, |h| h.max(max)));
            }
            self.fetched += i64::try_from(rows.len()).unwrap_or(0);
            let next = if page.has_next && !reached_mark { page.end_cursor } else { None };
            let stored_cursor = match (&next, self.mode) {
                (Some(c), _) => Some(c.clone()),
                (None, Mode::Full) => Some(SWEEPING.to_owned()),
                (None, Mode::Incremental) => None,
            };
            self.commit_page(&rows, stored_cursor, first).await?;
            metrics::counter!("sync_items_fetched_total", "resource" => R::RESOURCE.to_value())
                .increment(rows.len() as u64);
            match next {
                Some(c) => cursor = Some(c),
                None => return Ok(()),
            }
        }
    }

    /// Stores a page and the checkpoint after it in one transaction, if the account is still
    /// connected and this run still holds its lease.
    async fn commit_page(
        &self,
        rows: &[RecordRow],
        cursor: Option<String>,
        page_size: i64,
    ) -> Result<(), Stop> {
        let txn = self.sync.db.begin_write().await?;
        check_connected(&txn, &self.account).await?;
        self.record_changes(&txn, rows).await?;
        records::upsert(&txn, &self.account, self.resource, rows, self.pass).await?;
        let lease = Utc::now() + chrono::Duration::from_std(self.sync.settings.lease).unwrap_or_default();
        let page_size = i32::try_from(page_size).unwrap_or(i32::MAX);
        if !rows::checkpoint(
            &txn,
            self.id,
            self.owner,
            cursor,
            self.fetched,
            self.run_high_water,
            page_size,
            lease,
        )
        .await?
        {
            return Err(Stop::LostLease);
        }
        txn.commit().await?;
        Ok(())
    }

    /// Records the page's items updated since the previous run as changes found, noting which the
    /// local copy already had (a webhook-driven fetch got there first).
    async fn record_changes<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        rows: &[RecordRow],
    ) -> Result<(), DbErr> {
        let Some(since) = self.changes_since else { return Ok(()) };
        let new: Vec<(&str, DateTime<Utc>)> = rows
            .iter()
            .filter_map(|r| r.updated_at.filter(|t| *t > since).map(|t| (r.jobber_id.as_str(), t)))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let ids = new.iter().map(|(id, _)| (*id).to_owned()).collect();
        let stored = changes::stored_versions(txn, &self.account, self.resource, ids).await?;
        let found = new
            .into_iter()
            .map(|(id, t)| changes::Found {
                jobber_id: id.to_owned(),
                changed_at: t,
                prefetched: stored.get(id).copied().flatten().is_some_and(|s| s >= t),
            })
            .collect();
        changes::record(txn, &self.account, self.resource, found).await
    }

    /// Mark-and-sweep after a complete full pass: every live item the pass did not see is asked
    /// for by id; Jobber's answer decides (still there: stored as seen; gone: tombstoned).
    async fn sweep<R: Synced>(&mut self) -> Result<(), Stop> {
        let candidates =
            records::unseen(self.sync.db.reader(), &self.account, self.resource, self.pass).await?;
        if !candidates.is_empty() {
            tracing::info!(candidates = candidates.len(), "sync: verifying items the full pass did not see");
        }
        for id in candidates {
            if self.cancel.is_cancelled() {
                return Err(Stop::Shutdown);
            }
            let mut attempt = 0;
            let found = loop {
                match fetch::one::<R>(&self.sync.tokens, &self.account, &id, Priority::Normal).await {
                    Ok(found) => break found,
                    Err(CallError::Jobber(e)) if e.is_retryable() && attempt < PAGE_ATTEMPTS => {
                        attempt += 1;
                        self.wait_to_retry(&e, attempt).await?;
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            let txn = self.sync.db.begin_write().await?;
            check_connected(&txn, &self.account).await?;
            match found.as_ref().map(resources::record_row::<R>) {
                Some(row) => records::upsert(&txn, &self.account, self.resource, &[row], self.pass).await?,
                None => {
                    records::tombstone(&txn, &self.account, self.resource, &id).await?;
                    metrics::counter!("sync_items_swept_total", "resource" => self.resource.to_value())
                        .increment(1);
                }
            }
            txn.commit().await?;
        }
        Ok(())
    }

    /// Records how the run ended and hands the lease back.
    async fn finish(self, result: Result<(), Stop>) -> Result<(), DbErr> {
        let db = &self.sync.db;
        match result {
            Ok(()) => {
                let full = self.mode == Mode::Full;
                let total = if full {
                    i64::try_from(records::count_live(db.reader(), &self.account, self.resource).await?)
                        .unwrap_or(0)
                } else {
                    self.fetched
                };
                rows::finish_done(db, self.id, self.owner, self.run_high_water, full, total).await?;
                metrics::counter!("sync_runs_total", "outcome" => "done").increment(1);
                tracing::info!(fetched = self.fetched, "sync run done");
            }
            Err(Stop::LostLease) => {
                tracing::warn!("sync run lost its lease; another worker continues it");
            }
            Err(Stop::Shutdown) => rows::release(db, self.id, self.owner).await?,
            Err(err) => {
                // Not connected: nothing to retry until the merchant reconnects (which requests a
                // full sync). Anything else: retry the same run later, from its checkpoint.
                let retry = !matches!(err, Stop::NotConnected(_));
                let failures =
                    sync_state::Entity::find_by_id(self.id).one(db.reader()).await?.map_or(0, |r| r.failures)
                        + 1;
                let wait = crate::worker::backoff(
                    u32::try_from(failures).unwrap_or(1),
                    Duration::from_secs(10),
                    Duration::from_secs(900),
                );
                let retry_at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                let message = err.to_string();
                rows::finish_failed(
                    db,
                    self.id,
                    self.owner,
                    &message,
                    err.problem(),
                    failures,
                    retry.then_some((self.mode, retry_at)),
                )
                .await?;
                metrics::counter!("sync_runs_total", "outcome" => "failed").increment(1);
                tracing::warn!(error = %message, retry, "sync run failed");
            }
        }
        Ok(())
    }
}
