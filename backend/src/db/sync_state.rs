//! The `sync_state` table: one checkpoint and progress row per (account, resource), and the
//! statements of the sync scheduler and runner over it.
//!
//! Work is a row with a `requested_mode` (after connect, on demand, periodically, or a retry after
//! a failure), or a `RUNNING` row whose lease lapsed (its process died). A worker claims one row at
//! a time with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL); every write of a run checks it
//! still holds that lease (`lease_owner`, a fencing token).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};

use super::{
    Db,
    entities::sync_state::{self, Column as C, Entity, Model},
    enums::{ConnectionStatus, Resource, StoredValue, SyncMode, SyncProblem, SyncRunState},
    stmt,
};

/// `c.status IN ('CONNECTED', 'DEGRADED')` for a `connections c` in a statement.
fn live() -> String {
    format!("c.status IN ({})", ConnectionStatus::sql_list(&ConnectionStatus::LIVE))
}

/// The account's rows (any order).
pub async fn of_account(db: &Db, account_id: &str) -> Result<Vec<Model>, DbErr> {
    Entity::find().filter(C::JobberAccountId.eq(account_id)).all(db.reader()).await
}

/// The rows of several accounts (any order).
pub async fn of_accounts(db: &Db, account_ids: &[String]) -> Result<Vec<Model>, DbErr> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    Entity::find().filter(C::JobberAccountId.is_in(account_ids.iter().cloned())).all(db.reader()).await
}

/// Creates the account's rows (requesting a full sync) where missing.
pub async fn ensure_rows(db: &Db, account_id: &str, resources: &[Resource]) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows = resources.iter().map(|r| sync_state::ActiveModel {
        jobber_account_id: Set(account_id.to_owned()),
        resource: Set(*r),
        state: Set(SyncRunState::Idle),
        requested_mode: Set(Some(SyncMode::Full)),
        pass: Set(0),
        fetched: Set(0),
        failures: Set(0),
        updated_at: Set(now),
        ..Default::default()
    });
    Entity::insert_many(rows)
        .on_conflict(OnConflict::columns([C::JobberAccountId, C::Resource]).do_nothing().to_owned())
        .exec_without_returning(db.writer())
        .await?;
    Ok(())
}

/// Live accounts that have no rows yet.
pub async fn accounts_without_rows(db: &Db) -> Result<Vec<String>, DbErr> {
    let sql = format!(
        "SELECT c.jobber_account_id FROM connections c WHERE {} \
         AND NOT EXISTS (SELECT 1 FROM sync_state s WHERE s.jobber_account_id = c.jobber_account_id)",
        live()
    );
    db.reader()
        .query_all_raw(stmt(db.backend(), &sql, Vec::new()))
        .await?
        .iter()
        .map(|r| r.try_get("", "jobber_account_id"))
        .collect()
}

/// Requests what is due: a full sync of accounts (re)connected since their last run started, and
/// periodic runs (incremental; full when the last full pass is older than `full_before`, and
/// always for properties, which Jobber cannot list by change) of resources whose last run
/// finished before `due_before`.
pub async fn request_due(
    db: &Db,
    now: DateTime<Utc>,
    due_before: DateTime<Utc>,
    full_before: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (full, incremental) = (SyncMode::Full.sql(), SyncMode::Incremental.sql());
    db.writer()
        .execute_raw(stmt(
            db.backend(),
            &format!(
                "UPDATE sync_state SET requested_mode = {full}, failures = 0, not_before = NULL, updated_at = ? \
                 WHERE requested_mode IS NULL AND state <> {running} AND EXISTS (SELECT 1 FROM connections c \
                 WHERE c.jobber_account_id = sync_state.jobber_account_id AND {live} \
                 AND (sync_state.started_at IS NULL OR sync_state.started_at < c.connected_at))",
                running = SyncRunState::Running.sql(),
                live = live(),
            ),
            vec![now.into()],
        ))
        .await?;
    db.writer()
        .execute_raw(stmt(
            db.backend(),
            &format!(
                "UPDATE sync_state SET updated_at = ?, requested_mode = CASE WHEN resource = {property} \
                 OR last_full_success_at IS NULL OR last_full_success_at < ? THEN {full} ELSE {incremental} END \
                 WHERE requested_mode IS NULL AND state IN ({finished}) AND finished_at < ? \
                 AND EXISTS (SELECT 1 FROM connections c WHERE c.jobber_account_id = sync_state.jobber_account_id \
                 AND {live})",
                property = Resource::Properties.sql(),
                finished = SyncRunState::sql_list(&[SyncRunState::Done, SyncRunState::Failed]),
                live = live(),
            ),
            vec![now.into(), full_before.into(), due_before.into()],
        ))
        .await?;
    Ok(())
}

/// Catch-up while an account's webhooks are missing: requests an incremental run of each of its
/// resources that Jobber can list by change, whose last run finished before `due_before` and
/// that has nothing requested or running. Returns how many were requested.
pub async fn request_catchup(db: &Db, account_id: &str, due_before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(db
        .writer()
        .execute_raw(stmt(
            db.backend(),
            &format!(
                "UPDATE sync_state SET requested_mode = {incremental}, updated_at = ? \
                 WHERE jobber_account_id = ? AND resource <> {property} AND requested_mode IS NULL \
                 AND state IN ({finished}) AND finished_at < ? AND last_full_success_at IS NOT NULL",
                incremental = SyncMode::Incremental.sql(),
                property = Resource::Properties.sql(),
                finished = SyncRunState::sql_list(&[SyncRunState::Done, SyncRunState::Failed]),
            ),
            vec![Utc::now().into(), account_id.into(), due_before.into()],
        ))
        .await?
        .rows_affected())
}

/// `startSync`: requests a run of `resources` for the account. A full request is never
/// downgraded by a later incremental one.
pub async fn request(db: &Db, account_id: &str, resources: &[Resource], mode: SyncMode) -> Result<(), DbErr> {
    let list = Resource::sql_list(resources);
    let requested = match mode {
        SyncMode::Full => SyncMode::Full.sql(),
        SyncMode::Incremental => format!(
            "CASE WHEN requested_mode = {full} THEN {full} ELSE {incremental} END",
            full = SyncMode::Full.sql(),
            incremental = SyncMode::Incremental.sql()
        ),
    };
    db.writer()
        .execute_raw(stmt(
            db.backend(),
            &format!(
                "UPDATE sync_state SET requested_mode = {requested}, not_before = NULL, failures = 0, updated_at = ? \
                 WHERE jobber_account_id = ? AND resource IN ({list})"
            ),
            vec![Utc::now().into(), account_id.into()],
        ))
        .await?;
    Ok(())
}

/// Deletes the account's rows and its webhook-health evidence (in the caller's transaction).
pub async fn purge_account<D: ConnectionTrait>(db: &D, account_id: &str) -> Result<u64, DbErr> {
    // The webhook-health evidence (item ids and times) goes with the rest of the account's data.
    super::entities::sync_changes::Entity::delete_many()
        .filter(super::entities::sync_changes::Column::JobberAccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(Entity::delete_many().filter(C::JobberAccountId.eq(account_id)).exec(db).await?.rows_affected)
}

/// Deletes synced data and rows of accounts disconnected before `cutoff`; returns the items removed.
pub async fn purge_disconnected(db: &Db, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    let gone = format!(
        "SELECT jobber_account_id FROM connections WHERE status = {} AND disconnected_at <= ?",
        ConnectionStatus::Disconnected.sql()
    );
    let txn = db.begin_write().await?;
    let backend = db.backend();
    let purged = txn
        .execute_raw(stmt(
            backend,
            &format!("DELETE FROM sync_records WHERE jobber_account_id IN ({gone})"),
            vec![cutoff.into()],
        ))
        .await?
        .rows_affected();
    txn.execute_raw(stmt(
        backend,
        &format!("DELETE FROM sync_state WHERE jobber_account_id IN ({gone})"),
        vec![cutoff.into()],
    ))
    .await?;
    txn.execute_raw(stmt(
        backend,
        &format!("DELETE FROM sync_changes WHERE jobber_account_id IN ({gone})"),
        vec![cutoff.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(purged)
}

/// Claims the next due row of a live account for `owner` until `lease_until`; returns its id.
///
/// Fair across accounts: a first sync (the resource never synced) comes before any periodic run,
/// so a newly connected merchant does not wait behind the fleet; then the row of the account with
/// the fewest runs in progress (leased) right now, so free slots spread over accounts instead of
/// one account's five resources taking them all; then (first syncs, breadth first) the account
/// with the fewest resources started, so every new account gets going before any gets its next
/// resource; then requests in the order they were made, so no row waits forever.
pub async fn claim(
    db: &Db,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let backend = db.backend();
    let lock = if backend == DatabaseBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE sync_state SET lease_owner = ?, lease_until = ? WHERE id = (SELECT s.id FROM sync_state s \
         WHERE (s.requested_mode IS NOT NULL OR s.state = {running}) \
         AND (s.not_before IS NULL OR s.not_before <= ?) AND (s.lease_until IS NULL OR s.lease_until < ?) \
         AND EXISTS (SELECT 1 FROM connections c WHERE c.jobber_account_id = s.jobber_account_id AND {live}) \
         ORDER BY CASE WHEN s.last_success_at IS NULL THEN 0 ELSE 1 END, \
           (SELECT COUNT(*) FROM sync_state r WHERE r.jobber_account_id = s.jobber_account_id \
            AND r.lease_until IS NOT NULL AND r.lease_until >= ?), \
           (SELECT COUNT(*) FROM sync_state r WHERE r.jobber_account_id = s.jobber_account_id \
            AND r.started_at IS NOT NULL), s.updated_at, s.id LIMIT 1 {lock}) \
         RETURNING id",
        running = SyncRunState::Running.sql(),
        live = live(),
    );
    let row = db
        .writer()
        .query_one_raw(stmt(
            backend,
            &sql,
            vec![owner.into(), lease_until.into(), now.into(), now.into(), now.into()],
        ))
        .await?;
    row.map(|r| r.try_get::<i64>("", "id")).transpose()
}

/// Renews the lease; `false` when `owner` lost it.
pub async fn renew(db: &Db, id: i64, owner: &str, lease_until: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = Entity::update_many()
        .col_expr(C::LeaseUntil, Expr::value(lease_until))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db.writer())
        .await?;
    Ok(res.rows_affected > 0)
}

/// The checkpoint after a stored page (in the page's transaction): cursor, progress, lease, and
/// any retry note cleared. `false` when `owner` lost the lease.
#[expect(clippy::too_many_arguments, reason = "one column each; a struct would only rename them")]
pub async fn checkpoint<D: ConnectionTrait>(
    txn: &D,
    id: i64,
    owner: &str,
    cursor: Option<String>,
    fetched: i64,
    run_high_water: Option<DateTime<Utc>>,
    page_size: i32,
    lease_until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = Entity::update_many()
        .col_expr(C::Cursor, Expr::value(cursor))
        .col_expr(C::Fetched, Expr::value(fetched))
        .col_expr(C::RunHighWater, Expr::value(run_high_water))
        .col_expr(C::PageSize, Expr::value(page_size))
        .col_expr(C::LeaseUntil, Expr::value(lease_until))
        .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(C::Error, Expr::value(Option::<String>::None))
        .col_expr(C::Problem, Expr::value(Option::<SyncProblem>::None))
        .col_expr(C::NotBefore, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .exec(txn)
        .await?;
    Ok(res.rows_affected > 0)
}

/// While a run waits to retry a page: why, and until when (the Manage page shows "retrying at
/// …" instead of a run that seems stuck). Cleared by the next checkpoint.
pub async fn note_retry(
    db: &Db,
    id: i64,
    owner: &str,
    error: &str,
    problem: SyncProblem,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(C::Error, Expr::value(error))
        .col_expr(C::Problem, Expr::value(Some(problem)))
        .col_expr(C::NotBefore, Expr::value(Some(at)))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db.writer())
        .await?;
    Ok(())
}

/// A run finished: DONE, the high-water mark advanced, the lease handed back.
pub async fn finish_done(
    db: &Db,
    id: i64,
    owner: &str,
    run_high_water: Option<DateTime<Utc>>,
    full: bool,
    total: i64,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let backend = db.backend();
    let max = if backend == DatabaseBackend::Postgres { "GREATEST" } else { "MAX" };
    db.writer()
        .execute_raw(stmt(
            backend,
            &format!(
                "UPDATE sync_state SET state = ?, cursor = NULL, \
                 high_water = CASE WHEN high_water IS NULL THEN ? WHEN ? IS NULL THEN high_water ELSE {max}(high_water, ?) END, \
                 run_high_water = NULL, finished_at = ?, last_success_at = ?, \
                 last_full_success_at = CASE WHEN ? THEN ? ELSE last_full_success_at END, \
                 total = ?, error = NULL, problem = NULL, failures = 0, not_before = NULL, lease_owner = NULL, \
                 lease_until = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?"
            ),
            vec![
                SyncRunState::Done.to_value().into(),
                run_high_water.into(),
                run_high_water.into(),
                run_high_water.into(),
                now.into(),
                now.into(),
                full.into(),
                now.into(),
                total.into(),
                now.into(),
                id.into(),
                owner.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// A run stopped for shutdown: still RUNNING with its checkpoint, the lease handed back (the next
/// start resumes it at once).
pub async fn release(db: &Db, id: i64, owner: &str) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db.writer())
        .await?;
    Ok(())
}

/// A run failed: FAILED with the error, retried as `retry` (the same mode) at `not_before`, or not
/// at all (`None`: the merchant must reconnect first).
pub async fn finish_failed(
    db: &Db,
    id: i64,
    owner: &str,
    error: &str,
    problem: Option<SyncProblem>,
    failures: i32,
    retry: Option<(SyncMode, DateTime<Utc>)>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    Entity::update_many()
        .col_expr(C::State, Expr::value(SyncRunState::Failed))
        .col_expr(C::Error, Expr::value(error))
        .col_expr(C::Problem, Expr::value(problem))
        .col_expr(C::Failures, Expr::value(failures))
        .col_expr(C::FinishedAt, Expr::value(Some(now)))
        .col_expr(C::RequestedMode, Expr::value(retry.map(|(m, _)| m)))
        .col_expr(C::NotBefore, Expr::value(retry.map(|(_, at)| at)))
        .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(C::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::LeaseOwner.eq(owner))
        .exec(db.writer())
        .await?;
    Ok(())
}

/// The full-pass number of the account's resource (0 before the first), read in `txn`.
pub async fn current_pass<D: ConnectionTrait>(
    txn: &D,
    account_id: &str,
    resource: Resource,
) -> Result<i64, DbErr> {
    Ok(Entity::find()
        .filter(C::JobberAccountId.eq(account_id))
        .filter(C::Resource.eq(resource))
        .one(txn)
        .await?
        .map_or(0, |r| r.pass))
}
