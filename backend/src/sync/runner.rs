//! Scheduling and running syncs.
//!
//! Work is a `sync_state` row with a `requested_mode` (after connect, on demand, periodically, or
//! a retry after a failure), or a `RUNNING` row whose lease lapsed (its process died). A worker
//! claims one row at a time with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so app
//! instances share the work and never run the same (account, resource) twice; a heartbeat renews
//! the lease, and every write of the run checks it still holds it (a fencing token).
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
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, Statement};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::{
    Mode, Resource,
    fetch::{self, PageSizer},
    records::{self, RecordRow},
    run_state,
};
use crate::{
    db::{entities::sync_state, enums::SyncProblem},
    state::AppState,
    tokens::{CallError, TokenFailure},
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
const CONNECTED: &str = "('CONNECTED', 'DEGRADED')";

pub(crate) use crate::db::stmt;

/// Runs the scheduler and workers until shutdown.
pub async fn run(state: AppState) {
    let permits = Arc::new(Semaphore::new(state.config.sync.concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let mut last_tick: Option<tokio::time::Instant> = None;
    loop {
        let wake = state.sync.wake.clone();
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if last_tick.is_none_or(|t| t.elapsed() >= TICK) {
            if let Err(err) = schedule(&state).await {
                tracing::warn!(error = %err, "sync scheduler: cannot schedule");
            }
            last_tick = Some(tokio::time::Instant::now());
        }
        while let Ok(permit) = permits.clone().try_acquire_owned() {
            let owner = uuid::Uuid::new_v4().to_string();
            match claim(&state, &owner).await {
                Ok(Some(id)) => {
                    let state = state.clone();
                    tasks.spawn(async move {
                        run_claimed(&state, id, &owner).await;
                        drop(permit);
                        state.sync.wake.notify_one();
                    });
                }
                Ok(None) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "sync: cannot claim work");
                    break;
                }
            }
        }
        while tasks.try_join_next().is_some() {}
        tokio::select! {
            () = state.shutdown.cancelled() => break,
            () = &mut notified => {}
            () = tokio::time::sleep(TICK) => {}
        }
    }
    // Runs stop at their next page boundary and hand their lease back.
    while tasks.join_next().await.is_some() {}
}

/// Requests what is due: a full sync for newly (re)connected accounts, incremental and full
/// passes on their intervals; and purges the data of accounts disconnected longer than
/// `DATA_RETENTION_HOURS`.
pub async fn schedule(state: &AppState) -> Result<(), DbErr> {
    let db = state.db.conn();
    let backend = state.db.backend();
    let now = Utc::now();
    let accounts: Vec<String> = db
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT c.jobber_account_id FROM connections c WHERE c.status IN {CONNECTED} \
                 AND NOT EXISTS (SELECT 1 FROM sync_state s WHERE s.jobber_account_id = c.jobber_account_id)"
            ),
        ))
        .await?
        .iter()
        .map(|r| r.try_get("", "jobber_account_id"))
        .collect::<Result<_, _>>()?;
    for account in accounts {
        ensure_rows(state, &account).await?;
    }
    // After a (re)connect: a full sync.
    db.execute_raw(stmt(
        backend,
        &format!(
            "UPDATE sync_state SET requested_mode = 'FULL', failures = 0, not_before = NULL, updated_at = ? \
             WHERE requested_mode IS NULL AND state <> 'RUNNING' AND EXISTS (SELECT 1 FROM connections c \
             WHERE c.jobber_account_id = sync_state.jobber_account_id AND c.status IN {CONNECTED} \
             AND (sync_state.started_at IS NULL OR sync_state.started_at < c.connected_at))"
        ),
        vec![now.into()],
    ))
    .await?;
    // Periodic incremental runs, and a full pass (the sweep) on its own interval.
    let interval = chrono::Duration::from_std(state.config.sync.interval).unwrap_or(chrono::Duration::MAX);
    let full = chrono::Duration::from_std(state.config.sync.full_interval).unwrap_or(chrono::Duration::MAX);
    db.execute_raw(stmt(
        backend,
        &format!(
            "UPDATE sync_state SET updated_at = ?, requested_mode = CASE WHEN resource = 'PROPERTY' \
             OR last_full_success_at IS NULL OR last_full_success_at < ? THEN 'FULL' ELSE 'INCREMENTAL' END \
             WHERE requested_mode IS NULL AND state IN ('DONE', 'FAILED') AND finished_at < ? \
             AND EXISTS (SELECT 1 FROM connections c WHERE c.jobber_account_id = sync_state.jobber_account_id \
             AND c.status IN {CONNECTED})"
        ),
        vec![now.into(), (now - full).into(), (now - interval).into()],
    ))
    .await?;
    purge_disconnected(state, now).await
}

async fn purge_disconnected(state: &AppState, now: DateTime<Utc>) -> Result<(), DbErr> {
    let retention = chrono::Duration::from_std(state.config.data_retention).unwrap_or(chrono::Duration::MAX);
    let backend = state.db.backend();
    let gone =
        "SELECT jobber_account_id FROM connections WHERE status = 'DISCONNECTED' AND disconnected_at <= ?";
    let txn = state.db.begin_write().await?;
    let purged = txn
        .execute_raw(stmt(
            backend,
            &format!("DELETE FROM sync_records WHERE jobber_account_id IN ({gone})"),
            vec![(now - retention).into()],
        ))
        .await?
        .rows_affected();
    txn.execute_raw(stmt(
        backend,
        &format!("DELETE FROM sync_state WHERE jobber_account_id IN ({gone})"),
        vec![(now - retention).into()],
    ))
    .await?;
    txn.commit().await?;
    if purged > 0 {
        tracing::info!(items = purged, "purged synced data of disconnected accounts");
        metrics::counter!("sync_purged_items_total").increment(purged);
    }
    Ok(())
}

/// Creates the account's five `sync_state` rows (requesting a full sync) if missing.
pub async fn ensure_rows(state: &AppState, account_id: &str) -> Result<(), DbErr> {
    use sea_orm::{ActiveValue::Set, sea_query::OnConflict};
    let now = Utc::now();
    let rows = Resource::ALL.map(|r| sync_state::ActiveModel {
        jobber_account_id: Set(account_id.to_owned()),
        resource: Set(r.as_str().to_owned()),
        state: Set(run_state::IDLE.to_owned()),
        requested_mode: Set(Some(Mode::Full.as_str().to_owned())),
        pass: Set(0),
        fetched: Set(0),
        failures: Set(0),
        updated_at: Set(now),
        ..Default::default()
    });
    sync_state::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([sync_state::Column::JobberAccountId, sync_state::Column::Resource])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(state.db.conn())
        .await?;
    Ok(())
}

async fn claim(state: &AppState, owner: &str) -> Result<Option<i64>, DbErr> {
    let now = Utc::now();
    let lease = now + chrono::Duration::from_std(state.config.sync.lease).unwrap_or_default();
    let backend = state.db.backend();
    let lock = if backend == DatabaseBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE sync_state SET lease_owner = ?, lease_until = ? WHERE id = (SELECT s.id FROM sync_state s \
         WHERE (s.requested_mode IS NOT NULL OR s.state = 'RUNNING') \
         AND (s.not_before IS NULL OR s.not_before <= ?) AND (s.lease_until IS NULL OR s.lease_until < ?) \
         AND EXISTS (SELECT 1 FROM connections c WHERE c.jobber_account_id = s.jobber_account_id \
         AND c.status IN {CONNECTED}) ORDER BY s.updated_at, s.id LIMIT 1 {lock}) RETURNING id"
    );
    let row = state
        .db
        .conn()
        .query_one_raw(stmt(backend, &sql, vec![owner.into(), lease.into(), now.into(), now.into()]))
        .await?;
    row.map(|r| r.try_get::<i64>("", "id")).transpose()
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

/// One claimed (account, resource) run.
struct Run<'a> {
    state: &'a AppState,
    id: i64,
    owner: &'a str,
    account: String,
    resource: Resource,
    mode: Mode,
    pass: i64,
    fetched: i64,
    run_high_water: Option<DateTime<Utc>>,
    cancel: CancellationToken,
}

async fn run_claimed(state: &AppState, id: i64, owner: &str) {
    let cancel = state.shutdown.child_token();
    let heartbeat = tokio::spawn(heartbeat(state.clone(), id, owner.to_owned(), cancel.clone()));
    let outcome = match start(state, id, owner, cancel.clone()).await {
        Ok(Some((mut run, cursor, since))) => {
            let span = tracing::info_span!("sync", account.id = %run.account, resource = run.resource.as_str(), mode = run.mode.as_str());
            let _ = span.enter();
            tracing::info!(account.id = %run.account, resource = run.resource.as_str(), mode = run.mode.as_str(), resumed = cursor.is_some(), "sync run started");
            let result = run.execute(cursor, since).await;
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

async fn heartbeat(state: AppState, id: i64, owner: String, cancel: CancellationToken) {
    let every = state.config.sync.lease / 3;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        let lease = Utc::now() + chrono::Duration::from_std(state.config.sync.lease).unwrap_or_default();
        let res = state
            .db
            .conn()
            .execute_raw(stmt(
                state.db.backend(),
                "UPDATE sync_state SET lease_until = ? WHERE id = ? AND lease_owner = ?",
                vec![lease.into(), id.into(), owner.clone().into()],
            ))
            .await;
        match res {
            Ok(r) if r.rows_affected() == 0 => {
                cancel.cancel();
                return;
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "sync: cannot renew the lease"),
        }
    }
}

/// Turns the claimed row into a run: resumes a run in progress (or one that failed part-way
/// and is retried), or starts the requested one.
async fn start<'a>(
    state: &'a AppState,
    id: i64,
    owner: &'a str,
    cancel: CancellationToken,
) -> Result<Option<(Run<'a>, Option<String>, Option<DateTime<Utc>>)>, DbErr> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let txn = state.db.begin_write().await?;
    let Some(row) = sync_state::Entity::find_by_id(id).one(&txn).await? else { return Ok(None) };
    let Some(resource) = Resource::parse(&row.resource) else { return Ok(None) };
    if row.lease_owner.as_deref() != Some(owner) {
        return Ok(None);
    }
    let now = Utc::now();
    let retrying_same = row.state == run_state::FAILED
        && row.cursor.is_some()
        && row.requested_mode.is_some()
        && row.requested_mode == row.mode;
    let resume = row.state == run_state::RUNNING || retrying_same;
    let mut active: sync_state::ActiveModel = row.clone().into();
    let (mode, cursor, pass, fetched, run_high_water) = if resume {
        if retrying_same {
            active.requested_mode = Set(None);
        }
        (
            Mode::parse(row.mode.as_deref().unwrap_or("FULL")),
            row.cursor.clone(),
            row.pass,
            row.fetched,
            row.run_high_water,
        )
    } else {
        let Some(requested) = row.requested_mode.as_deref().map(Mode::parse) else { return Ok(None) };
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
    active.state = Set(run_state::RUNNING.to_owned());
    active.mode = Set(Some(mode.as_str().to_owned()));
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
            state,
            id,
            owner,
            account: row.jobber_account_id,
            resource,
            mode,
            pass,
            fetched,
            run_high_water,
            cancel,
        },
        cursor,
        since,
    )))
}

impl Run<'_> {
    async fn execute(&mut self, cursor: Option<String>, since: Option<DateTime<Utc>>) -> Result<(), Stop> {
        let sweeping = cursor.as_deref() == Some(SWEEPING);
        if !sweeping {
            self.pages(cursor, since).await?;
        }
        if self.mode == Mode::Full {
            self.sweep().await?;
        }
        Ok(())
    }

    async fn pages(&mut self, mut cursor: Option<String>, since: Option<DateTime<Utc>>) -> Result<(), Stop> {
        let governor = self.state.jobber.client.governor().clone();
        let operation = fetch::operation_name(self.resource);
        let mut sizer = PageSizer::new(self.resource, self.state.config.sync.max_page_size);
        // Jobs cannot be filtered by updatedAt: they come newest first, and an incremental run
        // stops at the first job older than its mark.
        let filter = if self.resource == Resource::Jobs { None } else { since };
        let mut attempt = 0;
        loop {
            if self.cancel.is_cancelled() {
                return Err(Stop::Shutdown);
            }
            let first = sizer.first();
            governor.set_estimate(operation, sizer.estimate(first));
            let page =
                match fetch::page(self.state, &self.account, self.resource, first, cursor.clone(), filter)
                    .await
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
                        let wait = e.retry_after().unwrap_or_else(|| governor.backoff(attempt));
                        tracing::info!(error = %e, attempt, "sync: page failed; retrying");
                        self.note_retry(&e, wait).await?;
                        tokio::select! {
                            () = self.cancel.cancelled() => return Err(Stop::Shutdown),
                            () = tokio::time::sleep(wait) => {}
                        }
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
            if let Some(cost) = &page.cost {
                sizer.learn(first, cost);
            }
            let mut rows: Vec<RecordRow> =
                page.items.iter().filter_map(|v| RecordRow::from_json(self.resource, v)).collect();
            let mut reached_mark = false;
            if self.resource == Resource::Jobs
                && let Some(since) = since
            {
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
            metrics::counter!("sync_items_fetched_total", "resource" => self.resource.as_str())
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
        let txn = self.state.db.begin_write().await?;
        self.check_connected(&txn).await?;
        records::upsert(&txn, &self.account, self.resource, rows, self.pass).await?;
        let lease = Utc::now() + chrono::Duration::from_std(self.state.config.sync.lease).unwrap_or_default();
        let res = txn
            .execute_raw(stmt(
                self.state.db.backend(),
                "UPDATE sync_state SET cursor = ?, fetched = ?, run_high_water = ?, page_size = ?, \
                 lease_until = ?, updated_at = ?, error = NULL, problem = NULL, not_before = NULL \
                 WHERE id = ? AND lease_owner = ?",
                vec![
                    cursor.into(),
                    self.fetched.into(),
                    self.run_high_water.into(),
                    i32::try_from(page_size).unwrap_or(i32::MAX).into(),
                    lease.into(),
                    Utc::now().into(),
                    self.id.into(),
                    self.owner.into(),
                ],
            ))
            .await?;
        if res.rows_affected() == 0 {
            return Err(Stop::LostLease);
        }
        txn.commit().await?;
        Ok(())
    }

    /// Records, while the run waits to retry a page, why and until when: the Manage page shows
    /// "retrying at …" instead of a run that seems stuck. Cleared by the next stored page.
    async fn note_retry(&self, e: &JobberError, wait: Duration) -> Result<(), Stop> {
        let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        let problem = problem_of(e);
        self.state
            .db
            .conn()
            .execute_raw(stmt(
                self.state.db.backend(),
                "UPDATE sync_state SET error = ?, problem = ?, not_before = ? WHERE id = ? AND lease_owner = ?",
                vec![
                    e.to_string().into(),
                    problem.to_value().into(),
                    at.into(),
                    self.id.into(),
                    self.owner.into(),
                ],
            ))
            .await?;
        Ok(())
    }

    async fn check_connected<C: ConnectionTrait>(&self, txn: &C) -> Result<(), Stop> {
        check_connected(txn, &self.account).await
    }

    /// Mark-and-sweep after a complete full pass: every live item the pass did not see is asked
    /// for by id; Jobber's answer decides (still there: stored as seen; gone: tombstoned).
    async fn sweep(&mut self) -> Result<(), Stop> {
        let candidates =
            records::unseen(self.state.db.conn(), &self.account, self.resource, self.pass).await?;
        if !candidates.is_empty() {
            tracing::info!(account.id = %self.account, resource = self.resource.as_str(), candidates = candidates.len(), "sync: verifying items the full pass did not see");
        }
        for id in candidates {
            if self.cancel.is_cancelled() {
                return Err(Stop::Shutdown);
            }
            let mut attempt = 0;
            let found = loop {
                match fetch::one(self.state, &self.account, self.resource, &id, Priority::Normal).await {
                    Ok(found) => break found,
                    Err(CallError::Jobber(e)) if e.is_retryable() && attempt < PAGE_ATTEMPTS => {
                        attempt += 1;
                        let wait = e
                            .retry_after()
                            .unwrap_or_else(|| self.state.jobber.client.governor().backoff(attempt));
                        self.note_retry(&e, wait).await?;
                        tokio::select! {
                            () = self.cancel.cancelled() => return Err(Stop::Shutdown),
                            () = tokio::time::sleep(wait) => {}
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            let txn = self.state.db.begin_write().await?;
            self.check_connected(&txn).await?;
            match found.as_ref().and_then(|v| RecordRow::from_json(self.resource, v)) {
                Some(row) => records::upsert(&txn, &self.account, self.resource, &[row], self.pass).await?,
                None => {
                    records::tombstone(&txn, &self.account, self.resource, &id).await?;
                    metrics::counter!("sync_items_swept_total", "resource" => self.resource.as_str())
                        .increment(1);
                }
            }
            txn.commit().await?;
        }
        Ok(())
    }

    /// Records how the run ended and hands the lease back.
    async fn finish(self, result: Result<(), Stop>) -> Result<(), DbErr> {
        let backend = self.state.db.backend();
        let now = Utc::now();
        let db = self.state.db.conn();
        match result {
            Ok(()) => {
                let total =
                    i64::try_from(records::count_live(db, &self.account, self.resource).await?).unwrap_or(0);
                let full = self.mode == Mode::Full;
                let max = if backend == DatabaseBackend::Postgres { "GREATEST" } else { "MAX" };
                db.execute_raw(stmt(
                    backend,
                    &format!(
                        "UPDATE sync_state SET state = 'DONE', cursor = NULL, \
                         high_water = CASE WHEN high_water IS NULL THEN ? WHEN ? IS NULL THEN high_water ELSE {max}(high_water, ?) END, \
                         run_high_water = NULL, finished_at = ?, last_success_at = ?, \
                         last_full_success_at = CASE WHEN ? THEN ? ELSE last_full_success_at END, \
                         total = ?, error = NULL, problem = NULL, failures = 0, not_before = NULL, lease_owner = NULL, \
                         lease_until = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?"
                    ),
                    vec![
                        self.run_high_water.into(),
                        self.run_high_water.into(),
                        self.run_high_water.into(),
                        now.into(),
                        now.into(),
                        full.into(),
                        now.into(),
                        (if full { total } else { self.fetched }).into(),
                        now.into(),
                        self.id.into(),
                        self.owner.into(),
                    ],
                ))
                .await?;
                metrics::counter!("sync_runs_total", "outcome" => "done").increment(1);
                tracing::info!(account.id = %self.account, resource = self.resource.as_str(), fetched = self.fetched, "sync run done");
            }
            Err(Stop::LostLease) => {
                tracing::warn!(account.id = %self.account, resource = self.resource.as_str(), "sync run lost its lease; another worker continues it");
            }
            Err(Stop::Shutdown) => {
                // Still RUNNING with its checkpoint: the next start resumes it at once.
                db.execute_raw(stmt(
                    backend,
                    "UPDATE sync_state SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                    vec![self.id.into(), self.owner.into()],
                ))
                .await?;
            }
            Err(err) => {
                // Not connected: nothing to retry until the merchant reconnects (which requests a
                // full sync). Anything else: retry the same run later, from its checkpoint.
                let retry = !matches!(err, Stop::NotConnected(_));
                let row = sync_state::Entity::find_by_id(self.id).one(db).await?;
                let failures = row.map_or(0, |r| r.failures) + 1;
                let wait = chrono::Duration::seconds(5i64.saturating_mul(1 << failures.clamp(0, 8)).min(900));
                let message = err.to_string();
                let problem = err.problem().map(|p| p.to_value());
                db.execute_raw(stmt(
                    backend,
                    "UPDATE sync_state SET state = 'FAILED', error = ?, problem = ?, failures = ?, finished_at = ?, \
                     requested_mode = ?, not_before = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? \
                     WHERE id = ? AND lease_owner = ?",
                    vec![
                        message.clone().into(),
                        problem.into(),
                        failures.into(),
                        now.into(),
                        retry.then(|| self.mode.as_str().to_owned()).into(),
                        retry.then(|| now + wait).into(),
                        now.into(),
                        self.id.into(),
                        self.owner.into(),
                    ],
                ))
                .await?;
                metrics::counter!("sync_runs_total", "outcome" => "failed").increment(1);
                tracing::warn!(account.id = %self.account, resource = self.resource.as_str(), error = %message, retry, "sync run failed");
            }
        }
        Ok(())
    }
}

/// Fails unless the account is connected, holding its connection row against a concurrent
/// disconnect (PostgreSQL) until the caller's transaction ends; SQLite's write transaction
/// already excludes it.
pub(crate) async fn check_connected<C: ConnectionTrait>(txn: &C, account_id: &str) -> Result<(), Stop> {
    let backend = txn.get_database_backend();
    let lock = if backend == DatabaseBackend::Postgres { " FOR SHARE" } else { "" };
    let row = txn
        .query_one_raw(stmt(
            backend,
            &format!("SELECT status FROM connections WHERE jobber_account_id = ?{lock}"),
            vec![account_id.into()],
        ))
        .await?;
    let status: Option<String> = row.map(|r| r.try_get("", "status")).transpose()?;
    match status.as_deref() {
        Some("CONNECTED" | "DEGRADED") => Ok(()),
        _ => Err(Stop::NotConnected("This app is not connected to that Jobber account.".into())),
    }
}
