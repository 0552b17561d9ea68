//! Fault injection, through the Rust handle and `PUT /sandbox/faults`.

use std::time::Duration;

use jobber_sandbox::{Faults, RecordInput, RecordKind, SandboxConfig, WebhookRetry};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Receiver, TestSandbox};

const Q: &str = "{ account { id } }";

#[tokio::test]
async fn next_n_graphql_requests_fail_with_503() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    t.sandbox.faults().fail_graphql_next(2);
    for _ in 0..2 {
        let (status, body) = t.gql_raw(&tokens.access, Q, Value::Null).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["errors"][0]["message"], "Service temporarily unavailable");
    }
    t.gql(&tokens.access, Q, Value::Null).await;
}

#[tokio::test]
async fn forced_throttle_and_429() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    t.sandbox.faults().throttle_next(1);
    let (status, body) = t.gql_raw(&tokens.access, Q, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"][0]["extensions"]["code"], "THROTTLED");
    t.sandbox.faults().rate_limit_next(1);
    let (status, _) = t.gql_raw(&tokens.access, Q, Value::Null).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    t.gql(&tokens.access, Q, Value::Null).await;
    let stats = t.sandbox.stats();
    assert_eq!((stats.throttled_responses, stats.rate_limited_responses), (1, 1));
    assert_eq!(stats.graphql_requests, 3);
}

#[tokio::test]
async fn token_endpoint_failures_then_recovery() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    t.sandbox.faults().fail_token_next(1);
    let (status, _) = t.refresh(&tokens.refresh).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // The failed call did not consume the refresh token.
    let (status, _) = t.refresh(&tokens.refresh).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t.sandbox.stats().refresh_requests, 2);
}

#[tokio::test]
async fn faults_are_set_over_http_as_camel_case_json() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    let resp = t
        .http
        .put(t.url("/sandbox/faults"))
        .json(&json!({"graphql5xxNext": 1, "latencyMs": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let faults: Value = t.http.get(t.url("/sandbox/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(faults["graphql5xxNext"], 1);
    assert_eq!(faults["latencyMs"], 5);
    assert_eq!(faults["webhookDropNext"], 0);
    let (status, _) = t.gql_raw(&tokens.access, Q, Value::Null).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    t.gql(&tokens.access, Q, Value::Null).await;
    t.sandbox.faults().clear();
    assert_eq!(t.sandbox.faults().get(), Faults::default());
}

#[tokio::test]
async fn seeded_error_rates_repeat() {
    async fn run() -> Vec<u16> {
        let t = TestSandbox::default().await;
        let tokens = t.connect(&t.green()).await;
        t.sandbox.faults().set_graphql_error_rate(0.5, 42);
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(t.gql_raw(&tokens.access, Q, Value::Null).await.0.as_u16());
        }
        out
    }
    let a = run().await;
    assert_eq!(a, run().await);
    assert!(a.contains(&503) && a.contains(&200), "{a:?}");
}

async fn webhook_sandbox() -> (TestSandbox, Receiver) {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::start(SandboxConfig {
        webhook_url: Some(receiver.url.clone()),
        webhook_retry: WebhookRetry {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(10),
            timeout: Duration::from_millis(500),
        },
        ..SandboxConfig::default()
    })
    .await;
    (t, receiver)
}

async fn client_events(t: &TestSandbox, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(
            t.sandbox.create_record(&t.green(), RecordKind::Client, RecordInput::default()).await.unwrap(),
        );
    }
    ids
}

fn item(d: &crate::support::Delivery) -> String {
    d.json()["data"]["webHookEvent"]["itemId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn webhook_drop_duplicate_and_reorder() {
    let (t, receiver) = webhook_sandbox().await;
    t.sandbox.faults().drop_webhooks_next(1);
    let ids = client_events(&t, 2).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(item(&got[0]), ids[1]);
    crate::support::eventually("the drop to be counted", || {
        (t.sandbox.stats().webhook_deliveries.dropped == 1).then_some(())
    })
    .await;

    t.sandbox.faults().duplicate_webhooks_next(1);
    let ids = client_events(&t, 1).await;
    let got = receiver.wait_for(3).await;
    assert_eq!(item(&got[1]), ids[0]);
    assert_eq!(got[1].body, got[2].body);

    t.sandbox.faults().reorder_webhooks_next(1);
    let ids = client_events(&t, 2).await;
    let got = receiver.wait_for(5).await;
    assert_eq!([item(&got[3]), item(&got[4])], [ids[1].clone(), ids[0].clone()]);
}
