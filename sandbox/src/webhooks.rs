//! Webhook bodies, signatures and the background delivery worker.
//!
//! Events are queued by whatever caused them (a GraphQL mutation, the admin API, the Allow
//! button) and delivered by one worker task, never inside the causing request. One worker keeps
//! delivery order deterministic for tests; the reorder fault breaks that order on purpose.
//!
//! The delivery switch (`Sandbox::set_webhooks_enabled`) is checked when an event is raised
//! and again before every attempt, so an event raised while deliveries are off, or still
//! queued or being retried when they go off, is discarded for good: Jobber does not replay
//! what it did not send while an app's webhooks were disabled.

use std::sync::{Mutex, Weak};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::Inner;

/// The header Jobber puts the signature in.
pub const SIGNATURE_HEADER: &str = "X-Jobber-Hmac-SHA256";

/// `base64(HMAC-SHA256(key = client secret, message = raw body))`, the value of
/// `X-Jobber-Hmac-SHA256`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

#[derive(serde::Serialize)]
struct Envelope<'a> {
    data: Data<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Data<'a> {
    web_hook_event: WebHookEvent<'a>,
}

/// Field order matters for byte-exact bodies: Jobber sends topic, appId, accountId, itemId,
/// occurredAt.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct WebHookEvent<'a> {
    topic: &'a str,
    app_id: &'a str,
    account_id: &'a str,
    item_id: &'a str,
    occurred_at: String,
}

/// The compact JSON body Jobber sends for one event.
pub fn event_body(
    topic: &str,
    app_id: &str,
    account_id: &str,
    item_id: &str,
    occurred_at: DateTime<Utc>,
) -> Vec<u8> {
    let envelope = Envelope {
        data: Data {
            web_hook_event: WebHookEvent {
                topic,
                app_id,
                account_id,
                item_id,
                occurred_at: occurred_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            },
        },
    };
    serde_json::to_vec(&envelope).unwrap_or_default()
}

/// One event waiting for delivery.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub topic: String,
    pub account_id: String,
    pub item_id: String,
    pub occurred_at: DateTime<Utc>,
}

/// The queue between event sources and the worker. The worker starts lazily, on the first
/// enqueue made inside a tokio runtime, so `Sandbox::new` works outside one.
pub(crate) struct Queue {
    tx: mpsc::UnboundedSender<Event>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Event>>>,
}

impl Queue {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self { tx, rx: Mutex::new(Some(rx)) }
    }

    /// Starts the worker if it is not running and a runtime is available.
    pub fn ensure_worker(&self, inner: Weak<Inner>) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(rx) = crate::lock(&self.rx).take() else {
            return;
        };
        handle.spawn(worker(inner, rx));
    }

    pub fn push(&self, event: Event) {
        // The receiver lives as long as the sandbox, so a send can only fail during teardown.
        let _ = self.tx.send(event);
    }
}

/// What a webhook fault does to the next event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeliveryFault {
    None,
    Drop,
    Duplicate,
    Reorder,
}

/// How long a held-back (reordered) event waits for a successor before going out anyway.
const REORDER_WAIT: Duration = Duration::from_secs(2);

async fn worker(inner: Weak<Inner>, mut rx: mpsc::UnboundedReceiver<Event>) {
    while let Some(event) = rx.recv().await {
        let Some(sandbox) = inner.upgrade() else {
            return;
        };
        let fault = sandbox.faults.take_webhook_fault();
        match fault {
            DeliveryFault::None => deliver(&sandbox, &event).await,
            DeliveryFault::Drop => crate::lock(&sandbox.stats).webhook_deliveries.dropped += 1,
            DeliveryFault::Duplicate => {
                deliver(&sandbox, &event).await;
                deliver(&sandbox, &event).await;
            }
            DeliveryFault::Reorder => match tokio::time::timeout(REORDER_WAIT, rx.recv()).await {
                Ok(Some(next)) => {
                    deliver(&sandbox, &next).await;
                    deliver(&sandbox, &event).await;
                }
                Ok(None) | Err(_) => deliver(&sandbox, &event).await,
            },
        }
    }
}

/// Delivers one event with retries: a non-2xx answer, a transport error or an answer slower
/// than the configured timeout is a failed attempt.
async fn deliver(sandbox: &Inner, event: &Event) {
    let Some(url) = crate::read(&sandbox.webhook_url).clone() else {
        crate::lock(&sandbox.stats).webhook_deliveries.without_url += 1;
        return;
    };
    let config = &sandbox.config;
    let body = event_body(&event.topic, &config.app_id, &event.account_id, &event.item_id, event.occurred_at);
    let signature = sign(&config.client_secret, &body);
    let retry = config.webhook_retry;
    let mut backoff = retry.initial_backoff;
    for attempt in 1..=retry.max_attempts.max(1) {
        if !sandbox.webhooks_enabled.load(std::sync::atomic::Ordering::SeqCst) {
            crate::lock(&sandbox.stats).webhook_deliveries.suppressed += 1;
            return;
        }
        crate::lock(&sandbox.stats).webhook_deliveries.attempted += 1;
        let result = sandbox
            .http
            .post(url.clone())
            .header("Content-Type", "application/json")
            .header(SIGNATURE_HEADER, &signature)
            .timeout(retry.timeout)
            .body(body.clone())
            .send()
            .await;
        match result {
            Ok(resp) if resp.status().is_success() => {
                crate::lock(&sandbox.stats).webhook_deliveries.succeeded += 1;
                return;
            }
            Ok(resp) => tracing::debug!(status = %resp.status(), attempt, "webhook rejected"),
            Err(err) => tracing::debug!(error = %err, attempt, "webhook delivery failed"),
        }
        if attempt < retry.max_attempts {
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
    }
    crate::lock(&sandbox.stats).webhook_deliveries.failed += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn body_matches_jobber_bytes() {
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let body = event_body(
            "APP_DISCONNECT",
            "21c31465-7b0a-486f-bfd3-aa2c2c29f293",
            "Z2lkOi8vSm9iYmVyL0FjY291bnQvNDMwMTE0",
            "Z2lkOi8vSm9iYmVyL0FjY291bnQvNDMwMTE0",
            at,
        );
        let expected = r#"{"data":{"webHookEvent":{"topic":"APP_DISCONNECT","appId":"21c31465-7b0a-486f-bfd3-aa2c2c29f293","accountId":"Z2lkOi8vSm9iYmVyL0FjY291bnQvNDMwMTE0","itemId":"Z2lkOi8vSm9iYmVyL0FjY291bnQvNDMwMTE0","occurredAt":"2026-11-28T12:00:00Z"}}}"#;
        assert_eq!(String::from_utf8(body.clone()).unwrap(), expected);
        assert_eq!(sign("example-client-secret", &body), "ApbZHsDcXPoDwwj+9PZgz7Jexkdp4T3zGHRhm04NMt0=");
    }
}
