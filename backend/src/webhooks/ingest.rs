//! `POST /webhooks/jobber`: verify, parse, record durably, answer.
//!
//! Records go through one writer task per process that drains whatever deliveries are waiting and
//! inserts them with a single `INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING` in one
//! commit (group commit): the commit's cost is shared, so throughput grows with load while every
//! 200 still means "on disk".

use std::{sync::Arc, time::Instant};

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ConnectionTrait, DbErr, TransactionTrait,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, mpsc, oneshot};

use super::status;
use crate::db::{Db, entities::webhook_events};

/// The signature header Jobber sends.
pub const SIGNATURE_HEADER: &str = "x-jobber-hmac-sha256";
/// Largest body we accept.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most deliveries written in one commit.
const MAX_BATCH: usize = 512;

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Rejection {
    #[error("missing X-Jobber-Hmac-SHA256 header")]
    MissingSignature,
    #[error("signature does not match")]
    BadSignature,
    #[error("malformed webhook body: {0}")]
    Malformed(String),
}

/// Checks `header` = base64(HMAC-SHA256(body, secret)) for any of `secrets`, in constant time.
pub fn verify_signature(
    body: &[u8],
    header: Option<&str>,
    secrets: &[SecretString],
) -> Result<(), Rejection> {
    let header = header.ok_or(Rejection::MissingSignature)?;
    // A signature that is not base64 of 32 bytes cannot match; decode first so the comparison
    // below is between equal-length MACs (`verify_slice` is constant-time).
    let given = B64.decode(header.trim()).map_err(|_| Rejection::BadSignature)?;
    let mut ok = false;
    for secret in secrets {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(body);
        // Check every secret (no early exit), so timing does not tell which one matched.
        ok |= mac.verify_slice(&given).is_ok();
    }
    if ok { Ok(()) } else { Err(Rejection::BadSignature) }
}

/// One parsed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub topic: String,
    pub app_id: String,
    pub account_id: String,
    pub item_id: String,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct Envelope {
    data: Data,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    web_hook_event: RawEvent,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    topic: String,
    app_id: String,
    account_id: String,
    item_id: String,
    // Apps created before 2023-12-08 receive the older spelling.
    #[serde(alias = "occuredAt")]
    occurred_at: String,
}

/// Parses `{"data":{"webHookEvent":{…}}}`.
pub fn parse(body: &[u8]) -> Result<Event, Rejection> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| Rejection::Malformed(e.to_string()))?;
    let raw = env.data.web_hook_event;
    for (name, value) in [("topic", &raw.topic), ("accountId", &raw.account_id), ("itemId", &raw.item_id)] {
        if value.trim().is_empty() {
            return Err(Rejection::Malformed(format!("`{name}` is empty")));
        }
    }
    let occurred_at = DateTime::parse_from_rfc3339(&raw.occurred_at)
        .map_err(|_| Rejection::Malformed("`occurredAt` is not an ISO 8601 date-time".into()))?
        .with_timezone(&Utc);
    Ok(Event {
        topic: raw.topic,
        app_id: raw.app_id,
        account_id: raw.account_id,
        item_id: raw.item_id,
        occurred_at,
    })
}

impl Event {
    /// Jobber sends no event id; the same (topic, account, item, time) is the same event.
    pub fn dedupe_key(&self) -> String {
        let mut h = Sha256::new();
        for part in [&self.topic, &self.account_id, &self.item_id] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        h.update(self.occurred_at.timestamp_micros().to_be_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What recording a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new inbox row.
    Accepted,
    /// Seen before: nothing new stored.
    Duplicate,
}

type Reply = oneshot::Sender<Result<Recorded, Arc<DbErr>>>;

/// Handle on the writer task: send deliveries, get told when they are durable.
#[derive(Clone)]
pub struct Inbox {
    tx: mpsc::Sender<(Event, Reply)>,
    /// Woken after every commit so workers start at once.
    pub new_events: Arc<Notify>,
}

impl Inbox {
    /// Starts the writer task on `db`.
    pub fn start(db: &Db) -> Self {
        let (tx, rx) = mpsc::channel(8 * MAX_BATCH);
        let new_events = Arc::new(Notify::new());
        // SQLite has one writer at a time anyway. PostgreSQL commits from several connections
        // in parallel (and group-commits them in its WAL), so a few writers overlap their
        // round trips and fsyncs.
        let writers = if db.backend() == sea_orm::DatabaseBackend::Postgres { 4 } else { 1 };
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        for _ in 0..writers {
            tokio::spawn(writer(db.clone(), rx.clone(), new_events.clone()));
        }
        Self { tx, new_events }
    }

    /// Records the event; resolves once it is committed (or known to be a duplicate).
    pub async fn record(&self, event: Event) -> Result<Recorded, Arc<DbErr>> {
        let (reply, wait) = oneshot::channel();
        let closed = || Arc::new(DbErr::Custom("the inbox writer stopped".into()));
        self.tx.send((event, reply)).await.map_err(|_| closed())?;
        wait.await.map_err(|_| closed())?
    }
}

async fn writer(db: Db, rx: Arc<tokio::sync::Mutex<mpsc::Receiver<(Event, Reply)>>>, notify: Arc<Notify>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // Whoever holds the receiver takes everything waiting, then lets the next writer wait.
    while rx.lock().await.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let started = Instant::now();
        let result = insert_batch(&db, &batch).await;
        metrics::histogram!("webhook_inbox_commit_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("webhook_inbox_batch_size").record(batch.len() as f64);
        match result {
            Ok(inserted) => {
                let mut inserted = inserted;
                for (event, reply) in batch.drain(..) {
                    // The first delivery of a key in this batch is the accepted one.
                    let outcome = if inserted.remove(&event.dedupe_key()) {
                        Recorded::Accepted
                    } else {
                        Recorded::Duplicate
                    };
                    let _ = reply.send(Ok(outcome));
                }
                notify.notify_waiters();
            }
            Err(err) => {
                tracing::error!(error = %err, events = batch.len(), "inbox commit failed; deliveries get 503 and Jobber retries");
                let err = Arc::new(err);
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
    }
}

fn initial_status(e: &Event) -> &'static str {
    if super::is_lifecycle_topic(&e.topic) || super::is_data_topic(&e.topic) {
        status::PENDING
    } else {
        status::IGNORED
    }
}

/// Inserts the batch in one transaction (one commit) and returns the dedupe keys that were new.
///
/// PostgreSQL gets one multi-row statement (one round trip). SQLite runs in-process, where a
/// multi-row statement of varying size is a fresh prepare every time; one cached single-row
/// statement executed per event inside one IMMEDIATE transaction is several times faster.
async fn insert_batch(db: &Db, batch: &[(Event, Reply)]) -> Result<std::collections::HashSet<String>, DbErr> {
    use webhook_events::Column as C;
    let now = Utc::now();
    if db.backend() == sea_orm::DatabaseBackend::Sqlite {
        const ONE: &str = "INSERT INTO webhook_events (dedupe_key, topic, app_id, jobber_account_id, item_id, \
             occurred_at, received_at, status, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?) \
             ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key";
        let txn = db.begin_write().await?;
        let mut inserted = std::collections::HashSet::with_capacity(batch.len());
        for (e, _) in batch {
            let values: [sea_orm::Value; 9] = [
                e.dedupe_key().into(),
                e.topic.clone().into(),
                e.app_id.clone().into(),
                e.account_id.clone().into(),
                e.item_id.clone().into(),
                e.occurred_at.into(),
                now.into(),
                initial_status(e).into(),
                now.into(),
            ];
            let stmt = sea_orm::Statement::from_sql_and_values(sea_orm::DatabaseBackend::Sqlite, ONE, values);
            if let Some(row) = txn.query_one_raw(stmt).await? {
                inserted.insert(row.try_get::<String>("", "dedupe_key")?);
            }
        }
        requeue_processed_duplicates(&txn, batch, &inserted, now).await?;
        txn.commit().await?;
        return Ok(inserted);
    }
    let mut insert = Query::insert();
    insert
        .into_table(webhook_events::Entity)
        .columns([
            C::DedupeKey,
            C::Topic,
            C::AppId,
            C::JobberAccountId,
            C::ItemId,
            C::OccurredAt,
            C::ReceivedAt,
            C::Status,
            C::Attempts,
            C::NextAttemptAt,
        ])
        .on_conflict(OnConflict::column(C::DedupeKey).do_nothing().to_owned())
        .returning_col(C::DedupeKey);
    // Rows in key order: concurrent writers then take unique-index locks in the same order and
    // cannot deadlock on a duplicate delivered to both at once.
    let mut rows: Vec<&Event> = batch.iter().map(|(e, _)| e).collect();
    rows.sort_by_cached_key(|e| e.dedupe_key());
    for e in rows {
        insert.values_panic([
            e.dedupe_key().into(),
            e.topic.clone().into(),
            e.app_id.clone().into(),
            e.account_id.clone().into(),
            e.item_id.clone().into(),
            e.occurred_at.into(),
            now.into(),
            initial_status(e).into(),
            0i32.into(),
            now.into(),
        ]);
    }
    let stmt = db.backend().build(&insert);
    let txn = db.conn().begin().await?;
    let rows = txn.query_all_raw(stmt).await?;
    let inserted = rows.iter().map(|r| r.try_get::<String>("", "dedupe_key")).collect::<Result<_, _>>()?;
    requeue_processed_duplicates(&txn, batch, &inserted, now).await?;
    txn.commit().await?;
    Ok(inserted)
}

/// Jobber's `occurredAt` has whole seconds, so two changes of one item within a second arrive as
/// identical payloads, indistinguishable from a redelivery. A duplicate of a data event that was
/// already processed may therefore carry news: its item is fetched again (re-reading Jobber's
/// current state is idempotent). A duplicate of a pending event needs nothing: its fetch is still
/// to come. Lifecycle events are never re-applied.
async fn requeue_processed_duplicates<C: ConnectionTrait>(
    db: &C,
    batch: &[(Event, Reply)],
    inserted: &std::collections::HashSet<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let keys: Vec<sea_orm::Value> = batch
        .iter()
        .filter(|(e, _)| super::is_data_topic(&e.topic))
        .map(|(e, _)| e.dedupe_key())
        .filter(|k| !inserted.contains(k))
        .map(Into::into)
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    use webhook_events::Column as C;
    let mut update = Query::update();
    update
        .table(webhook_events::Entity)
        .value(C::Status, status::PENDING)
        .value(C::NextAttemptAt, now)
        .value(C::Attempts, 0)
        .and_where(Expr::col(C::DedupeKey).is_in(keys))
        .and_where(Expr::col(C::Status).eq(status::PROCESSED));
    db.execute_raw(db.get_database_backend().build(&update)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "example-client-secret";

    fn sign(body: &[u8], secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        B64.encode(mac.finalize().into_bytes())
    }

    #[test]
    fn fixture_signatures_verify() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/jobber");
        let sigs: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{dir}/webhook-signatures.json")).unwrap())
                .unwrap();
        for (file, sig) in sigs["signatures"].as_object().unwrap() {
            let body = std::fs::read(format!("{dir}/{file}")).unwrap();
            let secrets = [SecretString::from(SECRET)];
            assert_eq!(verify_signature(&body, sig.as_str(), &secrets), Ok(()), "{file}");
            assert!(parse(&body).is_ok(), "{file}");
        }
    }

    #[test]
    fn signature_edge_cases() {
        let body = br#"{"data":{"webHookEvent":{"topic":"CLIENT_CREATE","appId":"a","accountId":"MQ==","itemId":"MQ==","occurredAt":"2021-08-12T16:31:36-06:00"}}}"#;
        let good = sign(body, SECRET);
        let secrets = [SecretString::from(SECRET)];
        assert_eq!(verify_signature(body, Some(&good), &secrets), Ok(()));
        assert_eq!(verify_signature(body, None, &secrets), Err(Rejection::MissingSignature));
        assert_eq!(
            verify_signature(body, Some(&sign(body, "other")), &secrets),
            Err(Rejection::BadSignature)
        );
        let hex: String = B64.decode(&good).unwrap().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(verify_signature(body, Some(&hex), &secrets), Err(Rejection::BadSignature));
        assert_eq!(verify_signature(body, Some(&good[..20]), &secrets), Err(Rejection::BadSignature));
        let mut changed = body.to_vec();
        changed[10] ^= 1;
        assert_eq!(verify_signature(&changed, Some(&good), &secrets), Err(Rejection::BadSignature));
        // Previous secret during a roll.
        let both = [SecretString::from("new-secret"), SecretString::from(SECRET)];
        assert_eq!(verify_signature(body, Some(&good), &both), Ok(()));
    }

    #[test]
    fn both_spellings_parse_to_the_same_key() {
        let a = br#"{"data":{"webHookEvent":{"topic":"T","appId":"a","accountId":"A","itemId":"I","occurredAt":"2026-11-28T12:00:00Z"}}}"#;
        let b = br#"{"data":{"webHookEvent":{"topic":"T","appId":"a","accountId":"A","itemId":"I","occuredAt":"2026-11-28T05:00:00-07:00"}}}"#;
        assert_eq!(parse(a).unwrap().dedupe_key(), parse(b).unwrap().dedupe_key());
    }

    #[test]
    fn malformed_bodies() {
        for body in [
            &b""[..],
            b"not json",
            br#"{"data":{}}"#,
            br#"{"data":{"webHookEvent":{"topic":"T","appId":"a","itemId":"I","occurredAt":"2026-11-28T12:00:00Z"}}}"#,
            br#"{"data":{"webHookEvent":{"topic":"T","appId":"a","accountId":"A","itemId":"I","occurredAt":"yesterday"}}}"#,
            br#"{"data":{"webHookEvent":{"topic":"","appId":"a","accountId":"A","itemId":"I","occurredAt":"2026-11-28T12:00:00Z"}}}"#,
        ] {
            assert!(matches!(parse(body), Err(Rejection::Malformed(_))), "{}", String::from_utf8_lossy(body));
        }
    }
}
