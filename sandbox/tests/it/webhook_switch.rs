//! The webhook delivery switch (Jobber disabling an app's webhooks): through the Rust API, the
//! JSON admin route, the dashboard's toggle and the CLI. Data keeps changing while it is off;
//! what was raised while off is counted and never delivered later.

use jobber_sandbox::{RecordInput, RecordKind, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Receiver, TestSandbox, eventually};

const BIN: &str = env!("CARGO_BIN_EXE_jobber-sandbox");

async fn new_client(t: &TestSandbox) -> String {
    t.sandbox.create_record(&t.green(), RecordKind::Client, RecordInput::default()).await.unwrap()
}

#[tokio::test]
async fn events_raised_while_off_are_discarded_for_good() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(&receiver, SandboxConfig::default()).await;
    assert!(t.sandbox.webhooks_enabled());
    let first = new_client(&t).await;
    receiver.wait_for(1).await;

    t.sandbox.set_webhooks_enabled(false);
    assert!(!t.sandbox.webhooks_enabled());
    let hidden = new_client(&t).await;
    t.sandbox.marketplace_disconnect(&t.spark()).await;
    // Data changed although nothing was announced.
    let token = t.connect(&t.green()).await; // APP_CONNECT, suppressed too
    let body = t
        .gql(&token.access, "query($id: EncodedId!) { client(id: $id) { id } }", json!({"id": hidden}))
        .await;
    assert_eq!(body["data"]["client"]["id"], hidden);
    assert_eq!(t.sandbox.stats().webhook_deliveries.suppressed, 3);

    t.sandbox.set_webhooks_enabled(true);
    let last = new_client(&t).await;
    let got = receiver.wait_for(2).await;
    // The worker is FIFO: once the event raised after switching on has arrived, nothing raised
    // while off can still be on its way.
    eventually("the delivery to be counted", || {
        (t.sandbox.stats().webhook_deliveries.succeeded == 2).then_some(())
    })
    .await;
    assert_eq!(receiver.events(), [("CLIENT_CREATE".to_owned(), first), ("CLIENT_CREATE".to_owned(), last)]);
    assert_eq!(got.len(), 2);
    let stats = t.sandbox.stats().webhook_deliveries;
    assert_eq!((stats.attempted, stats.suppressed, stats.without_url), (2, 3, 0));
}

#[tokio::test]
async fn the_config_can_start_with_deliveries_off() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(
        &receiver,
        SandboxConfig { webhooks_enabled: false, ..Default::default() },
    )
    .await;
    new_client(&t).await;
    assert_eq!(t.sandbox.stats().webhook_deliveries.suppressed, 1);
    assert!(receiver.deliveries().is_empty());
}

#[tokio::test]
async fn the_json_admin_route_reads_and_sets_the_switch() {
    let t = TestSandbox::default().await;
    let (status, body) = t.admin(Method::GET, "/sandbox/webhooks", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"enabled": true, "suppressed": 0}));

    let (status, body) = t.admin(Method::PUT, "/sandbox/webhooks", Some(json!({"enabled": false}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["enabled"], false);
    assert!(!t.sandbox.webhooks_enabled());
    new_client(&t).await;
    let (_, body) = t.admin(Method::GET, "/sandbox/webhooks", None).await;
    assert_eq!(body, json!({"enabled": false, "suppressed": 1}));
    let stats: Value = t.http.get(t.url("/sandbox/stats")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["webhookDeliveries"]["suppressed"], 1);

    let (status, _) = t.admin(Method::PUT, "/sandbox/webhooks", Some(json!({"on": true}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a body without `enabled` changes nothing");
    assert!(!t.sandbox.webhooks_enabled());
}

#[tokio::test]
async fn the_dashboard_shows_the_switch_and_toggles_it() {
    let t = TestSandbox::default().await;
    let html = t.http.get(t.url("/sandbox")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"webhooks-state\" data-enabled=\"true\">On</span>"), "{html}");
    assert!(html.contains("<form method=\"post\" action=\"sandbox/webhooks\">"));
    assert!(html.contains("name=\"enabled\" value=\"false\""));
    assert!(html.contains("Turn webhook deliveries off</button>"));

    // What the button posts: a form, answered with a redirect back to the dashboard.
    let resp = t.http.post(t.url("/sandbox/webhooks")).form(&[("enabled", "false")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let back = t.url("/sandbox/webhooks").join(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(back.path(), "/sandbox");
    assert!(!t.sandbox.webhooks_enabled());
    let html = t.http.get(back).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-enabled=\"false\">Off</span>"));
    assert!(html.contains("Turn webhook deliveries on</button>"));
}

async fn cli(args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(BIN).args(args).env_remove("SANDBOX_URL").output().await.unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[tokio::test]
async fn the_cli_switches_a_running_sandbox() {
    let t = TestSandbox::default().await;
    let base = t.base.as_str();
    let (ok, out, err) = cli(&["webhooks", "off", "--sandbox", base]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "webhooks: off (0 suppressed)");
    assert!(!t.sandbox.webhooks_enabled());
    new_client(&t).await;
    let (ok, out, _) = cli(&["webhooks", "status", "--sandbox", base]).await;
    assert!(ok);
    assert_eq!(out.trim(), "webhooks: off (1 suppressed)");
    let (ok, out, _) = cli(&["webhooks", "on", "--sandbox", base]).await;
    assert!(ok);
    assert_eq!(out.trim(), "webhooks: on (1 suppressed)");
    assert!(t.sandbox.webhooks_enabled());

    let (ok, _, err) = cli(&["webhooks", "sideways", "--sandbox", base]).await;
    assert!(!ok);
    assert!(err.contains("invalid value 'sideways'"), "{err}");
}

#[tokio::test]
async fn the_cli_works_against_a_sandbox_nested_under_a_prefix() {
    let sandbox = jobber_sandbox::Sandbox::new(SandboxConfig::default());
    let app = axum::Router::new().nest("/jobber", sandbox.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/jobber", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let (ok, out, err) = cli(&["webhooks", "off", "--sandbox", &base]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "webhooks: off (0 suppressed)");
    assert!(!sandbox.webhooks_enabled());
}
