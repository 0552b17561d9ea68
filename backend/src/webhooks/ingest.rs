//! `POST /webhooks/jobber`: verify, parse, record durably, answer.
//!
//! Records go through a writer task (one on SQLite, four on PostgreSQL) that drains whatever
//! deliveries are waiting and stores them with one `INSERT … ON CONFLICT (dedupe_key) DO NOTHING
//! RETURNING` (see [`super::store`]): the commit's cost is shared, so throughput grows with load
//! while every 200 still means "on disk".

use std::{sync::Arc, time::Instant};

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::DbErr;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, mpsc, oneshot};

use super::store::{Inserted, Row, Store};
use crate::db::{Db, enums::Lane};

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
    ///
    /// The key starts with `occurredAt` (16 hex digits of microseconds) and ends with 128 bits of
    /// SHA-256 over the rest. Deliveries arrive roughly in time order, so new keys land at the end
    /// of the unique index: a commit rewrites a few index pages instead of one random page per
    /// event, as a plain hash would.
    pub fn dedupe_key(&self) -> String {
        use std::fmt::Write as _;
        let mut h = Sha256::new();
        for part in [&self.topic, &self.account_id, &self.item_id] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        let mut key = String::with_capacity(48);
        // Two's complement keeps the order of times after 1970, which is all Jobber sends.
        let _ = write!(key, "{:016x}", self.occurred_at.timestamp_micros() as u64);
        for b in &h.finalize()[..16] {
            let _ = write!(key, "{b:02x}");
        }
        key
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

/// A delivery waiting for the writer.
struct Delivery {
    row: Row,
    reply: Reply,
}

/// Handle on the writer task: send deliveries, get told when they are durable.
#[derive(Clone)]
pub struct Inbox {
    tx: mpsc::Sender<Delivery>,
    /// Woken by a commit that queued work for the lifecycle worker, so it starts at once.
    pub new_lifecycle: Arc<Notify>,
    /// Woken by a commit that queued data events for the sync consumer.
    pub new_data: Arc<Notify>,
}

impl Inbox {
    /// Starts the writer task on `db`.
    pub fn start(db: &Db) -> Self {
        let (tx, rx) = mpsc::channel(8 * MAX_BATCH);
        let (new_lifecycle, new_data) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        // SQLite has one writer at a time anyway. PostgreSQL commits from several connections
        // in parallel (and group-commits them in its WAL), so a few writers overlap their
        // round trips and fsyncs.
        let writers = if db.backend() == sea_orm::DatabaseBackend::Postgres { 4 } else { 1 };
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        for _ in 0..writers {
            let notify = [new_lifecycle.clone(), new_data.clone()];
            tokio::spawn(writer(Store::open(db), rx.clone(), notify));
        }
        Self { tx, new_lifecycle, new_data }
    }

    /// Records the event; resolves once it is committed (or known to be a duplicate).
    pub async fn record(&self, event: Event) -> Result<Recorded, Arc<DbErr>> {
        let (reply, wait) = oneshot::channel();
        let closed = || Arc::new(DbErr::Custom("the inbox writer stopped".into()));
        let row = Row { key: event.dedupe_key(), event };
        self.tx.send(Delivery { row, reply }).await.map_err(|_| closed())?;
        wait.await.map_err(|_| closed())?
    }
}

async fn writer(
    mut store: Store,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Delivery>>>,
    notify: [Arc<Notify>; 2],
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        {
            // Whoever holds the receiver takes everything waiting, then lets the next writer wait.
            let mut rx = rx.lock().await;
            if rx.is_empty() {
                store.idle();
            }
            if rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
                return;
            }
        }
        let started = Instant::now();
        // Key order: concurrent PostgreSQL writers then take unique-index locks in the same order
        // and cannot deadlock on a duplicate delivered to both at once.
        batch.sort_unstable_by(|a: &Delivery, b| a.row.key.cmp(&b.row.key));
        let (rows, replies): (Vec<Row>, Vec<Reply>) = batch.drain(..).map(|d| (d.row, d.reply)).unzip();
        let (rows, result) = store.insert(rows).await;
        metrics::histogram!("webhook_inbox_commit_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("webhook_inbox_batch_size").record(replies.len() as f64);
        match result {
            Ok(Inserted { mut keys, queued }) => {
                for (lane, notify) in [Lane::Lifecycle, Lane::Data].iter().zip(&notify) {
                    if queued.contains(lane) {
                        notify.notify_waiters();
                    }
                }
                for (row, reply) in rows.iter().zip(replies) {
                    // The first delivery of a key in this batch is the accepted one.
                    let outcome =
                        if keys.remove(&row.key) { Recorded::Accepted } else { Recorded::Duplicate };
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(err) => {
                tracing::error!(error = %err, events = replies.len(), "inbox commit failed; deliveries get 503 and Jobber retries");
                let err = Arc::new(err);
                for reply in replies {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
    }
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
