//! Webhooks: signatures against the shared fixtures, record webhooks from the admin API,
//! retries on errors and slow answers, bounded attempts.

use std::path::PathBuf;
use std::time::Duration;

use jobber_sandbox::{RecordInput, RecordKind, SandboxConfig, WebhookRetry, webhooks};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Answer, Receiver, TestSandbox};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/jobber")
}

#[test]
fn signatures_match_the_fixtures() {
    let dir = fixtures();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("webhook-signatures.json")).unwrap()).unwrap();
    let secret = manifest["client_secret"].as_str().unwrap();
    assert_eq!(manifest["header"], webhooks::SIGNATURE_HEADER);
    let signatures = manifest["signatures"].as_object().unwrap();
    assert!(!signatures.is_empty());
    for (file, expected) in signatures {
        let body = std::fs::read(dir.join(file)).unwrap();
        assert_eq!(webhooks::sign(secret, &body), expected.as_str().unwrap(), "{file}");
    }
}

fn fast_retry(receiver: &Receiver, max_attempts: u32) -> SandboxConfig {
    SandboxConfig {
        webhook_url: Some(receiver.url.clone()),
        webhook_retry: WebhookRetry {
            max_attempts,
            initial_backoff: Duration::from_millis(10),
            timeout: Duration::from_millis(300),
        },
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn admin_record_changes_fire_webhooks_in_order() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::start(fast_retry(&receiver, 3)).await;
    let account = t.green();
    let base = format!("/sandbox/accounts/{account}/clients");
    let created: Value = t
        .http
        .post(t.url(&base))
        .json(&json!({"firstName": "Nia", "lastName": "Webb"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let resp = t
        .http
        .patch(t.url(&format!("{base}/{id}")))
        .json(&json!({"lastName": "Webber"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let tokens = t.connect(&account).await;
    let q = "query($id: EncodedId!) { client(id: $id) { name updatedAt } }";
    let body = t.gql(&tokens.access, q, json!({"id": id})).await;
    assert_eq!(body["data"]["client"]["name"], "Nia Webber");

    let resp = t.http.delete(t.url(&format!("{base}/{id}"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let body = t.gql(&tokens.access, q, json!({"id": id})).await;
    assert_eq!(body["data"]["client"], Value::Null);

    let deliveries = receiver.wait_for(4).await;
    let events: Vec<(String, Value)> =
        deliveries.iter().map(|d| (d.topic(), d.json()["data"]["webHookEvent"]["itemId"].clone())).collect();
    assert_eq!(
        events,
        [
            ("CLIENT_CREATE".to_owned(), json!(id)),
            ("CLIENT_UPDATE".to_owned(), json!(id)),
            ("APP_CONNECT".to_owned(), json!(account)),
            ("CLIENT_DESTROY".to_owned(), json!(id)),
        ]
    );
    for d in &deliveries {
        let sig = d.headers["x-jobber-hmac-sha256"].to_str().unwrap();
        assert_eq!(sig, webhooks::sign("sandbox-client-secret", &d.body));
        // Compact JSON, Jobber's key order.
        let text = std::str::from_utf8(&d.body).unwrap();
        assert!(text.starts_with("{\"data\":{\"webHookEvent\":{\"topic\":"), "{text}");
        assert!(!text.contains(' '));
    }
}

#[tokio::test]
async fn rust_api_record_changes_fire_webhooks_for_every_kind() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::start(fast_retry(&receiver, 3)).await;
    let account = t.spark();
    let mut expected = Vec::new();
    for (kind, prefix) in [
        (RecordKind::Property, "PROPERTY"),
        (RecordKind::Job, "JOB"),
        (RecordKind::Quote, "QUOTE"),
        (RecordKind::Invoice, "INVOICE"),
    ] {
        let id = t.sandbox.create_record(&account, kind, RecordInput::default()).await.unwrap();
        t.sandbox
            .update_record(
                &account,
                kind,
                &id,
                RecordInput { title: Some("Changed".into()), ..RecordInput::default() },
            )
            .await
            .unwrap();
        t.sandbox.delete_record(&account, kind, &id).await.unwrap();
        for action in ["CREATE", "UPDATE", "DESTROY"] {
            expected.push(format!("{prefix}_{action}"));
        }
    }
    assert!(t.sandbox.delete_record(&account, RecordKind::Job, "nope").await.is_err());
    let deliveries = receiver.wait_for(expected.len()).await;
    let topics: Vec<String> = deliveries.iter().map(|d| d.topic()).collect();
    assert_eq!(topics, expected);
}

#[tokio::test]
async fn failed_deliveries_are_retried() {
    let receiver = Receiver::start(vec![Answer::status(500), Answer::status(503)]).await;
    let t = TestSandbox::start(fast_retry(&receiver, 5)).await;
    t.sandbox.create_record(&t.green(), RecordKind::Client, RecordInput::default()).await.unwrap();
    let deliveries = receiver.wait_for(3).await;
    assert!(deliveries.iter().all(|d| d.body == deliveries[0].body));
    crate::support::eventually("a successful delivery", || {
        (t.sandbox.stats().webhook_deliveries.succeeded == 1).then_some(())
    })
    .await;
    let stats = t.sandbox.stats().webhook_deliveries;
    assert_eq!((stats.attempted, stats.failed), (3, 0));
}

#[tokio::test]
async fn slow_answers_count_as_failures() {
    let receiver = Receiver::start(vec![Answer::slow(Duration::from_secs(2))]).await;
    let t = TestSandbox::start(fast_retry(&receiver, 5)).await;
    t.sandbox.create_record(&t.green(), RecordKind::Client, RecordInput::default()).await.unwrap();
    let deliveries = receiver.wait_for(2).await;
    assert_eq!(deliveries[0].body, deliveries[1].body);
    crate::support::eventually("a successful delivery", || {
        (t.sandbox.stats().webhook_deliveries.succeeded == 1).then_some(())
    })
    .await;
    assert_eq!(t.sandbox.stats().webhook_deliveries.attempted, 2);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let receiver = Receiver::start(vec![Answer::status(500); 10]).await;
    let t = TestSandbox::start(fast_retry(&receiver, 3)).await;
    t.sandbox.create_record(&t.green(), RecordKind::Client, RecordInput::default()).await.unwrap();
    crate::support::eventually("the delivery to give up", || {
        (t.sandbox.stats().webhook_deliveries.failed == 1).then_some(())
    })
    .await;
    assert_eq!(receiver.deliveries().len(), 3);
    assert_eq!(t.sandbox.stats().webhook_deliveries.attempted, 3);
}

#[tokio::test]
async fn the_webhook_url_can_change_at_runtime() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::default().await;
    t.sandbox.create_record(&t.green(), RecordKind::Client, RecordInput::default()).await.unwrap();
    crate::support::eventually("the event to be discarded", || {
        (t.sandbox.stats().webhook_deliveries.without_url == 1).then_some(())
    })
    .await;
    let resp =
        t.http.put(t.url("/sandbox/webhook-url")).json(&json!({"url": receiver.url})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    t.sandbox.create_record(&t.green(), RecordKind::Client, RecordInput::default()).await.unwrap();
    assert_eq!(receiver.wait_for(1).await[0].topic(), "CLIENT_CREATE");
}
