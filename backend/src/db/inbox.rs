//! The `webhook_events` table as a work queue: claiming due rows under a lease, settling them,
//! redriving dead letters, and the reads of the API and `/metrics`.
//!
//! Every row belongs to one [`Lane`], fixed at insert. A partial index holds just the rows still to
//! be worked ([`EventStatus::OPEN`]), per lane in due order, so a claim reads only the rows it
//! takes, however long the backlog. Claiming moves a row's `next_attempt_at` to the end of its
//! lease: claimed rows leave the due range at once, and a row whose worker died is due again when
//! the lease runs out. On PostgreSQL the claim skips rows another instance is claiming (`FOR
//! UPDATE SKIP LOCKED`); SQLite has one writer, and the claim runs on it.
//!
//! (Inserting deliveries is the inbox writer's job: `webhooks::store`.)

use std::{collections::BTreeMap, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{
    Db,
    audit::{self, NewEntry},
    entities::webhook_events::{self, Column as C},
    enums::{Actor, AuditKind, EventStatus, Lane, StoredValue},
    stmt,
};

/// One claimed inbox row.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub topic: String,
    pub account_id: String,
    pub item_id: String,
    pub occurred_at: DateTime<Utc>,
    /// Including this one.
    pub attempts: i32,
}

/// The condition of the partial index `idx_webhook_events_due`, word for word: SQLite uses a
/// partial index only when the query's WHERE contains its terms.
fn open_condition() -> String {
    format!("status IN ({})", EventStatus::sql_list(&EventStatus::OPEN))
}

/// Claims up to `limit` due rows of `lane` for `lease`, oldest due first.
pub async fn claim(db: &Db, lane: Lane, lease: Duration, limit: i64) -> Result<Vec<Claimed>, DbErr> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).expect("a lease is short");
    let backend = db.backend();
    if backend == DatabaseBackend::Sqlite && !any_due(db, lane, now).await? {
        // Looking is a read beside the writer; claiming would queue for the single write
        // connection (and take SQLite's write lock) only to find nothing.
        return Ok(Vec::new());
    }
    let lock = if backend == DatabaseBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE webhook_events SET next_attempt_at = ?, locked_until = ?, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM webhook_events \
           WHERE lane = ? AND {open} AND next_attempt_at <= ? \
           ORDER BY next_attempt_at, id LIMIT ? {lock}) \
         RETURNING id, topic, jobber_account_id, item_id, occurred_at, attempts",
        open = open_condition()
    );
    let values = vec![until.into(), until.into(), lane.to_value().into(), now.into(), limit.into()];
    let rows = db.writer().query_all_raw(stmt(backend, &sql, values)).await?;
    let mut claimed = rows
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
        .collect::<Result<Vec<_>, DbErr>>()?;
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
}

async fn any_due(db: &Db, lane: Lane, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let sql = format!(
        "SELECT 1 AS due FROM webhook_events WHERE lane = ? AND {} AND next_attempt_at <= ? LIMIT 1",
        open_condition()
    );
    Ok(db
        .reader()
        .query_one_raw(stmt(db.backend(), &sql, vec![lane.to_value().into(), now.into()]))
        .await?
        .is_some())
}

/// SQLite runs one app instance, so at start-up every lease is a dead worker's: those rows are due
/// now rather than when the lease runs out. (PostgreSQL instances share the inbox; leases expire.)
pub async fn release_stale_leases(db: &Db) -> Result<u64, DbErr> {
    if db.backend() != DatabaseBackend::Sqlite {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE webhook_events SET next_attempt_at = ?, locked_until = NULL WHERE {} AND locked_until IS NOT NULL",
        open_condition()
    );
    let res = db.writer().execute_raw(stmt(db.backend(), &sql, vec![Utc::now().into()])).await?;
    Ok(res.rows_affected())
}

/// How a set of claimed rows ends: their new status, the reason or error to show, and when they
/// are due again (for `FAILED`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Settlement {
    pub status: EventStatus,
    pub error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
}

/// Records settlements in `db` (the caller's transaction). Rows that ended the same way share one
/// statement. A row whose claim was withdrawn meanwhile (`locked_until` cleared: a duplicate
/// delivery arrived while its item was being fetched, see `webhooks::store`) is left open, so it
/// is claimed and fetched again.
pub async fn settle<D: ConnectionTrait>(db: &D, results: Vec<(Vec<i64>, Settlement)>) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut updates: BTreeMap<Settlement, Vec<i64>> = BTreeMap::new();
    for (ids, settlement) in results {
        updates.entry(settlement).or_default().extend(ids);
    }
    let backend = db.get_database_backend();
    for (s, ids) in updates {
        let processed_at = EventStatus::SETTLED.contains(&s.status).then_some(now);
        // Ids are integers from the claim, so listing them inline is safe, and it keeps the
        // statement within SQLite's limit on bound parameters.
        let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "UPDATE webhook_events SET status = ?, last_error = ?, next_attempt_at = ?, processed_at = ?, \
             locked_until = NULL WHERE id IN ({ids}) AND locked_until IS NOT NULL"
        );
        db.execute_raw(stmt(
            backend,
            &sql,
            vec![s.status.to_value().into(), s.error.into(), s.next_attempt_at.into(), processed_at.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Re-queues dead letters (of one account, or all), an operator's action. Returns how many.
/// Audited like [`redrive_as`], without an operator's name.
pub async fn redrive(db: &Db, jobber_account_id: Option<&str>) -> Result<u64, DbErr> {
    redrive_as(db, jobber_account_id, None).await
}

/// Re-queues dead letters (of one account, or all) for the operator `actor_name`. Returns how
/// many. In the same transaction, one `REDRIVEN` entry per account whose events were re-queued
/// (for one named account, its entry even when it had none); a redrive of all accounts that found
/// nothing writes one entry without an account.
pub async fn redrive_as(
    db: &Db,
    jobber_account_id: Option<&str>,
    actor_name: Option<&str>,
) -> Result<u64, DbErr> {
    let txn = db.begin_write().await?;
    let accounts = match jobber_account_id {
        Some(account) => vec![account.to_owned()],
        None => {
            let sql = format!(
                "SELECT DISTINCT jobber_account_id FROM webhook_events WHERE status = {dead}",
                dead = EventStatus::Dead.sql()
            );
            txn.query_all_raw(stmt(db.backend(), &sql, Vec::new()))
                .await?
                .iter()
                .map(|r| r.try_get::<String>("", "jobber_account_id"))
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    let sql = format!(
        "UPDATE webhook_events SET status = {pending}, attempts = 0, next_attempt_at = ?, \
         locked_until = NULL WHERE status = {dead} AND jobber_account_id = ?",
        pending = EventStatus::Pending.sql(),
        dead = EventStatus::Dead.sql()
    );
    let mut total = 0;
    for account in &accounts {
        let n = txn
            .execute_raw(stmt(db.backend(), &sql, vec![Utc::now().into(), account.as_str().into()]))
            .await?
            .rows_affected();
        total += n;
        if n == 0 && jobber_account_id.is_none() {
            continue;
        }
        let name = super::connections::find_by_account(&txn, account).await?.map(|c| c.account_name);
        let entry = NewEntry {
            jobber_account_id: Some(account),
            account_name: name.as_deref(),
            kind: AuditKind::Redriven,
            actor: Actor::Operator,
            actor_name,
            detail: format!("re-queued {n} dead-lettered webhook event(s)"),
        };
        audit::record(&txn, entry).await?;
    }
    if total == 0 && jobber_account_id.is_none() {
        let entry = NewEntry {
            jobber_account_id: None,
            account_name: None,
            kind: AuditKind::Redriven,
            actor: Actor::Operator,
            actor_name,
            detail: "re-queued 0 dead-lettered webhook event(s)".to_owned(),
        };
        audit::record(&txn, entry).await?;
    }
    txn.commit().await?;
    Ok(total)
}

/// The account's most recent events, newest first (read through `(jobber_account_id, id)`).
pub async fn recent_of_account(
    db: &Db,
    jobber_account_id: &str,
    limit: u64,
) -> Result<Vec<webhook_events::Model>, DbErr> {
    Ok(page(db, jobber_account_id, limit, None).await?.0)
}

/// A page of the account's events, newest first: the rows, and whether more follow.
pub async fn page(
    db: &Db,
    jobber_account_id: &str,
    first: u64,
    before_id: Option<i64>,
) -> Result<(Vec<webhook_events::Model>, bool), DbErr> {
    let mut q = webhook_events::Entity::find()
        .filter(C::JobberAccountId.eq(jobber_account_id))
        .order_by_desc(C::Id)
        .limit(first + 1);
    if let Some(id) = before_id {
        q = q.filter(C::Id.lt(id));
    }
    let mut rows = q.all(db.reader()).await?;
    let more = rows.len() as u64 > first;
    rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok((rows, more))
}

/// Rows still to be worked and dead letters, by status, each counted from its partial index (the
/// inbox keeps every settled event, so counting those would read the whole table).
pub async fn attention_counts(db: &Db) -> Result<Vec<(EventStatus, i64)>, DbErr> {
    let sql = format!(
        "SELECT status, COUNT(*) AS n FROM webhook_events WHERE {open} GROUP BY status \
         UNION ALL SELECT {dead}, COUNT(*) FROM webhook_events WHERE status = {dead}",
        open = open_condition(),
        dead = EventStatus::Dead.sql()
    );
    let rows = db.reader().query_all_raw(stmt(db.backend(), &sql, Vec::new())).await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("", "status")?;
            Ok((EventStatus::try_from_value(&status)?, r.try_get("", "n")?))
        })
        .collect()
}
