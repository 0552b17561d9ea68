//! Writing a batch of deliveries into the inbox: one multi-row `INSERT … ON CONFLICT DO NOTHING
//! RETURNING` statement per batch, which the database commits as one transaction (group commit).
//!
//! The same statement runs on both databases:
//! - **SQLite**: on a dedicated thread with its own connection (rusqlite), which runs it straight
//!   through SQLite's C API. Through sqlx, every statement is a round trip to sqlx's connection
//!   thread plus a ping when the pooled connection is returned; `bench-webhooks` measured the
//!   insert path at a third of the throughput it has here. SQLite admits one writer at a time
//!   and makes a blocked writer poll by sleeping, so the writer task first takes the *write turn*:
//!   the single connection of [`Db::writer`], which every other writer of this process queues
//!   for. It keeps the turn across back-to-back batches for up to [`TURN`], then lets the others
//!   (inbox workers, sync) have it.
//! - **PostgreSQL** (and an in-memory SQLite database, which a second connection cannot open):
//!   through the pool.
//!
//! A batch is padded to a power of two (at least 8) by repeating its last row, which the unique
//! key turns into a no-op: a few statement shapes, each prepared once per connection. As a single
//! statement it needs no statement journal and commits on its own.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DbErr, Statement, Value,
    sea_query::{Expr, ExprTrait, Query},
    sqlx::{Sqlite, pool::PoolConnection},
};
use tokio::sync::oneshot;

use super::Event;
use crate::{
    config::SqliteSynchronous,
    db::{
        Db,
        entities::webhook_events,
        enums::{ConnectionStatus, EventStatus, Lane, StoredValue},
    },
};

/// How long the writer keeps SQLite's write turn while deliveries keep coming.
const TURN: Duration = Duration::from_millis(5);
const NOT_CONNECTED: &str = "account not connected";
/// Parameters per row (the statement's first parameter is the time of the batch).
const PER_ROW: usize = 8;

/// One delivery to store, with its dedupe key.
pub(super) struct Row {
    pub key: String,
    pub event: Event,
}

/// What a batch stored.
pub(super) struct Inserted {
    /// Dedupe keys of the new rows.
    pub keys: HashSet<String>,
    /// Lanes that got work (new `PENDING` rows, or processed duplicates queued again).
    pub queued: HashSet<Lane>,
}

/// Where batches go.
pub(super) enum Store {
    Sqlite { thread: std::sync::mpsc::Sender<Job>, db: Db, turn: Option<(PoolConnection<Sqlite>, Instant)> },
    Pool(Db),
}

type Job = (Vec<Row>, oneshot::Sender<(Vec<Row>, Result<Inserted, String>)>);

impl Store {
    /// The SQLite writer thread when the database is a SQLite file (falls back to the pool, with
    /// a warning, if the thread's connection cannot be opened); the pool otherwise.
    pub fn open(db: &Db) -> Self {
        let Some((path, synchronous)) = db.sqlite_file() else { return Self::Pool(db.clone()) };
        match spawn_thread(path, synchronous) {
            Ok(thread) => Self::Sqlite { thread, db: db.clone(), turn: None },
            Err(err) => {
                tracing::warn!(error = %err, "cannot open the inbox writer's SQLite connection; writing through the pool");
                Self::Pool(db.clone())
            }
        }
    }

    /// Lets other writers have SQLite's write turn (called when no delivery is waiting).
    pub fn idle(&mut self) {
        if let Self::Sqlite { turn, .. } = self {
            *turn = None;
        }
    }

    /// Stores `rows` (sorted by key) and hands them back with the outcome.
    pub async fn insert(&mut self, rows: Vec<Row>) -> (Vec<Row>, Result<Inserted, DbErr>) {
        match self {
            Self::Pool(db) => {
                let result = insert_through_pool(db, &rows).await;
                (rows, result)
            }
            Self::Sqlite { thread, db, turn } => {
                if turn.as_ref().is_some_and(|(_, since)| since.elapsed() > TURN) {
                    // Back of the queue: whoever waits for the write connection goes first.
                    *turn = None;
                }
                if turn.is_none() {
                    match db.writer().get_sqlite_connection_pool().acquire().await {
                        Ok(conn) => *turn = Some((conn, Instant::now())),
                        Err(err) => {
                            return (rows, Err(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(err.into()))));
                        }
                    }
                }
                let (reply, answer) = oneshot::channel();
                let stopped = || DbErr::Custom("the inbox writer thread stopped".into());
                if let Err(std::sync::mpsc::SendError((rows, _))) = thread.send((rows, reply)) {
                    return (rows, Err(stopped()));
                }
                match answer.await {
                    Ok((rows, result)) => (rows, result.map_err(DbErr::Custom)),
                    Err(_) => (Vec::new(), Err(stopped())),
                }
            }
        }
    }
}

/// Rows in the statement for a batch of `n`.
fn padded(n: usize) -> usize {
    n.next_power_of_two().max(8)
}

/// The insert for `rows` rows. Parameter 1 is the batch time; each row brings key, topic, app id,
/// account, item, occurredAt, lane, and why it needs no work (or NULL). A data event of an
/// account without a live connection is stored settled too: read in the same statement (and a
/// connection made a moment later starts with a full sync, which reads what such an event would
/// have fetched). `WHERE true` keeps SQLite from reading `ON CONFLICT` as part of the join.
fn insert_sql(rows: usize, backend: DatabaseBackend) -> String {
    let (mark, timestamp) = match backend {
        DatabaseBackend::Postgres => ('$', "::timestamptz"),
        _ => ('?', ""),
    };
    let values = (0..rows)
        .map(|r| {
            let p = |i: usize| format!("{mark}{}", 2 + r * PER_ROW + i);
            format!(
                "({}, {}, {}, {}, {}, {}{timestamp}, {}, {})",
                p(0),
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let now = format!("{mark}1{timestamp}");
    let live = ConnectionStatus::sql_list(&ConnectionStatus::LIVE);
    format!(
        "INSERT INTO webhook_events (dedupe_key, topic, app_id, jobber_account_id, item_id, occurred_at, \
           received_at, lane, status, last_error, processed_at, next_attempt_at, attempts) \
         SELECT k, t, p, a, i, o, {now}, l, CASE WHEN why IS NULL THEN {pending} ELSE {ignored} END, why, \
           CASE WHEN why IS NULL THEN NULL ELSE {now} END, {now}, 0 \
         FROM (SELECT v.column1 AS k, v.column2 AS t, v.column3 AS p, v.column4 AS a, v.column5 AS i, \
             v.column6 AS o, v.column7 AS l, CASE WHEN v.column8 IS NOT NULL THEN v.column8 \
               WHEN v.column7 = {data} AND c.jobber_account_id IS NULL THEN '{NOT_CONNECTED}' END AS why \
           FROM (VALUES {values}) AS v \
           LEFT JOIN connections c ON c.jobber_account_id = v.column4 AND c.status IN ({live})) AS w \
         WHERE true ORDER BY k \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, status, lane",
        pending = EventStatus::Pending.sql(),
        ignored = EventStatus::Ignored.sql(),
        data = Lane::Data.sql(),
    )
}

/// A row's eight parameters, as text (SQLite stores times as sqlx writes a `DateTime<Utc>`, so
/// every stored time reads alike; PostgreSQL casts them).
fn row_params(row: &Row) -> [Option<String>; PER_ROW] {
    let e = &row.event;
    // Why an event is stored already settled (`IGNORED`) rather than queued.
    let ignored = super::ignored_reason(&e.topic);
    [
        Some(row.key.clone()),
        Some(e.topic.clone()),
        Some(e.app_id.clone()),
        Some(e.account_id.clone()),
        Some(e.item_id.clone()),
        Some(timestamp(e.occurred_at)),
        Some(super::lane_of(&e.topic).stored()),
        ignored.map(str::to_owned),
    ]
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Reads `RETURNING dedupe_key, status, lane` rows into keys and queued lanes.
fn collect<E>(rows: impl IntoIterator<Item = Result<(String, String, String), E>>) -> Result<Inserted, E> {
    let mut inserted = Inserted { keys: HashSet::new(), queued: HashSet::new() };
    for row in rows {
        let (key, row_status, lane) = row?;
        if row_status == EventStatus::Pending.stored() {
            inserted.queued.insert(if lane == Lane::Lifecycle.stored() {
                Lane::Lifecycle
            } else {
                Lane::Data
            });
        }
        inserted.keys.insert(key);
    }
    Ok(inserted)
}

/// Data events of this batch that were duplicates: their keys.
fn duplicate_data_keys<'a>(rows: &'a [Row], inserted: &HashSet<String>) -> Vec<&'a str> {
    rows.iter()
        .filter(|r| super::is_data_work(&r.event.topic) && !inserted.contains(&r.key))
        .map(|r| r.key.as_str())
        .collect()
}

// Jobber's `occurredAt` has whole seconds, so two changes of one item within a second arrive as
// identical payloads, indistinguishable from a redelivery. A duplicate of a data event that was
// already processed may therefore carry news: its item is fetched again (re-reading Jobber's
// current state is idempotent). So may a duplicate of an event whose fetch is running right now
// (claimed: `locked_until` set): the fetch may have read Jobber before the change, so the claim
// is withdrawn and the settle leaves the row open to be fetched once more. A duplicate of an
// event not yet claimed needs nothing: its fetch is still to come. Lifecycle events are never
// re-applied. (Both writers below do this.)

async fn insert_through_pool(db: &Db, rows: &[Row]) -> Result<Inserted, DbErr> {
    let backend = db.backend();
    let size = padded(rows.len());
    let mut values: Vec<Value> = Vec::with_capacity(1 + size * PER_ROW);
    values.push(timestamp(Utc::now()).into());
    for i in 0..size {
        values.extend(row_params(&rows[i.min(rows.len() - 1)]).map(Value::from));
    }
    let sql = insert_sql(size, backend);
    let returned = db.writer().query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut inserted = collect(returned.iter().map(|r| {
        Ok::<_, DbErr>((r.try_get("", "dedupe_key")?, r.try_get("", "status")?, r.try_get("", "lane")?))
    }))?;
    let duplicates = duplicate_data_keys(rows, &inserted.keys);
    if !duplicates.is_empty() {
        use webhook_events::Column as C;
        let mut update = Query::update();
        update
            .table(webhook_events::Entity)
            .value(C::Status, EventStatus::Pending)
            .value(C::NextAttemptAt, Utc::now())
            .value(C::Attempts, 0)
            .and_where(Expr::col(C::DedupeKey).is_in(duplicates.iter().copied()))
            .and_where(Expr::col(C::Status).eq(EventStatus::Processed));
        let mut withdraw = Query::update();
        withdraw
            .table(webhook_events::Entity)
            .value(C::LockedUntil, Option::<DateTime<Utc>>::None)
            .value(C::NextAttemptAt, Utc::now())
            .and_where(Expr::col(C::DedupeKey).is_in(duplicates))
            .and_where(Expr::col(C::Status).is_in(EventStatus::OPEN))
            .and_where(Expr::col(C::LockedUntil).is_not_null());
        let requeued = db.writer().execute_raw(backend.build(&update)).await?.rows_affected();
        let withdrawn = db.writer().execute_raw(backend.build(&withdraw)).await?.rows_affected();
        if requeued + withdrawn > 0 {
            inserted.queued.insert(Lane::Data);
        }
    }
    Ok(inserted)
}

/// Opens the thread's connection (so a failure shows at start-up) and starts the thread, which
/// runs until every sender is gone.
fn spawn_thread(
    path: &Path,
    synchronous: SqliteSynchronous,
) -> rusqlite::Result<std::sync::mpsc::Sender<Job>> {
    let conn = rusqlite::Connection::open(path)?;
    // As the pool's connections are set up (see `Db::connect`); WAL is already the file's mode.
    let synchronous = match synchronous {
        SqliteSynchronous::Normal => "NORMAL",
        SqliteSynchronous::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    // A safety net: writers that bypass the write turn make this connection wait, not fail.
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(16);
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let path = PathBuf::from(path);
    std::thread::Builder::new()
        .name("inbox-writer".into())
        .spawn(move || {
            while let Ok((rows, reply)) = rx.recv() {
                let result = insert_on_thread(&conn, &rows).map_err(|e| format!("{e} ({})", path.display()));
                let _ = reply.send((rows, result));
            }
        })
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    Ok(tx)
}

fn insert_on_thread(conn: &rusqlite::Connection, rows: &[Row]) -> rusqlite::Result<Inserted> {
    let size = padded(rows.len());
    let mut stmt = conn.prepare_cached(&insert_sql(size, DatabaseBackend::Sqlite))?;
    stmt.raw_bind_parameter(1, timestamp(Utc::now()))?;
    for i in 0..size {
        for (j, value) in row_params(&rows[i.min(rows.len() - 1)]).into_iter().enumerate() {
            stmt.raw_bind_parameter(2 + i * PER_ROW + j, value)?;
        }
    }
    let mut returned = stmt.raw_query();
    let mut triples: Vec<rusqlite::Result<(String, String, String)>> = Vec::with_capacity(rows.len());
    while let Some(row) = returned.next()? {
        triples.push(Ok((row.get(0)?, row.get(1)?, row.get(2)?)));
    }
    drop(returned);
    let mut inserted = collect(triples)?;
    let duplicates = duplicate_data_keys(rows, &inserted.keys);
    if !duplicates.is_empty() {
        let marks = vec!["?"; duplicates.len()].join(", ");
        let sql = format!(
            "UPDATE webhook_events SET status = {}, next_attempt_at = ?, attempts = 0 \
             WHERE status = {} AND dedupe_key IN ({marks})",
            EventStatus::Pending.sql(),
            EventStatus::Processed.sql()
        );
        let withdraw = format!(
            "UPDATE webhook_events SET locked_until = NULL, next_attempt_at = ? \
             WHERE status IN ({}) AND locked_until IS NOT NULL AND dedupe_key IN ({marks})",
            EventStatus::sql_list(&EventStatus::OPEN)
        );
        let mut params: Vec<String> = vec![timestamp(Utc::now())];
        params.extend(duplicates.iter().map(|k| (*k).to_owned()));
        let requeued = conn.execute(&sql, rusqlite::params_from_iter(params.iter()))?;
        let withdrawn = conn.execute(&withdraw, rusqlite::params_from_iter(params.iter()))?;
        if requeued + withdrawn > 0 {
            inserted.queued.insert(Lane::Data);
        }
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_pad_to_a_few_shapes() {
        assert_eq!(padded(1), 8);
        assert_eq!(padded(8), 8);
        assert_eq!(padded(9), 16);
        assert_eq!(padded(512), 512);
        let sql = insert_sql(2, DatabaseBackend::Postgres);
        assert!(sql.contains("($2, $3, $4, $5, $6, $7::timestamptz, $8, $9), ($10,"), "{sql}");
        assert!(insert_sql(1, DatabaseBackend::Sqlite).contains("(?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    }
}
