//! The inbox as a work queue: claiming due rows under a lease and recording how they ended.
//!
//! Every row belongs to one lane, fixed at insert: `lifecycle` (`APP_*`, applied by
//! [`super::worker`]) or `data` (item changes, consumed by the sync capability). A partial index
//! holds just the rows still to be worked (`PENDING`/`FAILED`), per lane in due order, so a claim
//! reads only the rows it takes, however long the backlog. Claiming moves a row's
//! `next_attempt_at` to the end of its lease: claimed rows leave the due range at once, and a row
//! whose worker died is due again when the lease runs out. On PostgreSQL the claim skips rows
//! another instance is claiming (`FOR UPDATE SKIP LOCKED`); SQLite has one writer, and the claim
//! runs on it ([`Db::writer`]).

use std::{collections::BTreeMap, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr};

use super::status;
use crate::db::{Db, stmt};

/// After this many failed attempts an event is parked as a dead letter.
pub const MAX_ATTEMPTS: i32 = 8;

/// The consumers of the inbox.
pub mod lane {
    /// `APP_CONNECT`, `APP_DISCONNECT`.
    pub const LIFECYCLE: &str = "lifecycle";
    /// Everything else (data topics; unknown topics are stored already `IGNORED`).
    pub const DATA: &str = "data";
}

/// The lane of a topic.
pub fn lane_of(topic: &str) -> &'static str {
    if super::is_lifecycle_topic(topic) { lane::LIFECYCLE } else { lane::DATA }
}

/// The lane constant named `name` (as stored); unknown names read as `data`.
pub fn lane_of_name(name: &str) -> &'static str {
    if name == lane::LIFECYCLE { lane::LIFECYCLE } else { lane::DATA }
}

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

/// Claims up to `limit` due rows of `lane` for `lease`, oldest due first.
pub async fn claim(db: &Db, lane: &str, lease: Duration, limit: i64) -> Result<Vec<Claimed>, DbErr> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).expect("a lease is short");
    let backend = db.backend();
    if backend == DatabaseBackend::Sqlite && !any_due(db, lane, now).await? {
        // Looking is a read beside the writer; claiming would queue for the single write
        // connection (and take SQLite's write lock) only to find nothing.
        return Ok(Vec::new());
    }
    let lock = if backend == DatabaseBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    // The inner WHERE repeats the partial index's condition word for word: SQLite uses a partial
    // index only when the query's WHERE contains its terms.
    let sql = format!(
        "UPDATE webhook_events SET next_attempt_at = ?, locked_until = ?, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM webhook_events \
           WHERE lane = ? AND status IN ('PENDING', 'FAILED') AND next_attempt_at <= ? \
           ORDER BY next_attempt_at, id LIMIT ? {lock}) \
         RETURNING id, topic, jobber_account_id, item_id, occurred_at, attempts"
    );
    let values = vec![until.into(), until.into(), lane.into(), now.into(), limit.into()];
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

async fn any_due(db: &Db, lane: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let sql = "SELECT 1 AS due FROM webhook_events \
               WHERE lane = ? AND status IN ('PENDING', 'FAILED') AND next_attempt_at <= ? LIMIT 1";
    Ok(db.conn().query_one_raw(stmt(db.backend(), sql, vec![lane.into(), now.into()])).await?.is_some())
}

/// SQLite runs one app instance, so at start-up every lease is a dead worker's: those rows are due
/// now rather than when the lease runs out. (PostgreSQL instances share the inbox; leases expire.)
pub async fn release_stale_leases(db: &Db) -> Result<u64, DbErr> {
    if db.backend() != DatabaseBackend::Sqlite {
        return Ok(0);
    }
    let sql = "UPDATE webhook_events SET next_attempt_at = ?, locked_until = NULL \
               WHERE status IN ('PENDING', 'FAILED') AND locked_until IS NOT NULL";
    let res = db.writer().execute_raw(stmt(db.backend(), sql, vec![Utc::now().into()])).await?;
    Ok(res.rows_affected())
}

/// How working a set of rows ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Processed,
    /// Nothing to do, and why (shown in the API).
    Ignored(String),
    /// Retried with backoff; a dead letter after [`MAX_ATTEMPTS`].
    Failed(String),
}

/// Records the outcomes of a claim in `db` (the caller's transaction): one `(row ids, attempts,
/// topic for logs, outcome)` per unit of work. Rows that ended the same way share one statement.
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    results: Vec<(Vec<i64>, i32, &str, Outcome)>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    // (status, error, next attempt) → rows.
    type Settled = (&'static str, Option<String>, DateTime<Utc>);
    let mut updates: BTreeMap<Settled, Vec<i64>> = BTreeMap::new();
    for (ids, attempts, topic, outcome) in results {
        let (status, error, next) = match outcome {
            Outcome::Processed => (status::PROCESSED, None, now),
            Outcome::Ignored(why) => (status::IGNORED, Some(why), now),
            Outcome::Failed(err) if attempts >= MAX_ATTEMPTS => {
                tracing::error!(topic, attempts, error = %err, "webhook event dead-lettered");
                metrics::counter!("webhook_dead_letters_total").increment(ids.len() as u64);
                (status::DEAD, Some(err), now)
            }
            Outcome::Failed(err) => {
                tracing::warn!(topic, attempts, error = %err, "webhook event failed; will retry");
                (status::FAILED, Some(err), now + backoff(attempts))
            }
        };
        metrics::counter!("webhook_events_processed_total", "status" => status).increment(ids.len() as u64);
        updates.entry((status, error, next)).or_default().extend(ids);
    }
    let backend = db.get_database_backend();
    for ((status, error, next), ids) in updates {
        let processed_at = matches!(status, status::PROCESSED | status::IGNORED).then_some(now);
        // Ids are integers from the claim, so listing them inline is safe, and it keeps the
        // statement within SQLite's limit on bound parameters.
        let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "UPDATE webhook_events SET status = ?, last_error = ?, next_attempt_at = ?, processed_at = ?, \
             locked_until = NULL WHERE id IN ({ids})"
        );
        db.execute_raw(stmt(
            backend,
            &sql,
            vec![status.into(), error.into(), next.into(), processed_at.into()],
        ))
        .await?;
    }
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
    let sql = "UPDATE webhook_events SET status = 'PENDING', attempts = 0, next_attempt_at = ?, \
               locked_until = NULL WHERE status = 'DEAD'";
    let res = db.writer().execute_raw(stmt(db.backend(), sql, vec![Utc::now().into()])).await?;
    Ok(res.rows_affected())
}
