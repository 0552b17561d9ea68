//! Disconnects: the `appDisconnect` mutation and the Marketplace Disconnect button both kill
//! every token of the account and deliver a signed `APP_DISCONNECT`.

use jobber_sandbox::{SandboxConfig, webhooks};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Receiver, TestSandbox};

const DISCONNECTED: &str = "User has disconnected this app from their account. Please delete this token";

async fn with_receiver() -> (TestSandbox, Receiver) {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::start(SandboxConfig {
        webhook_url: Some(receiver.url.clone()),
        ..SandboxConfig::default()
    })
    .await;
    (t, receiver)
}

fn assert_signed(t: &TestSandbox, d: &crate::support::Delivery) {
    let header = d.headers["x-jobber-hmac-sha256"].to_str().unwrap();
    assert_eq!(header, webhooks::sign(&t.sandbox.config().client_secret, &d.body));
    assert_eq!(d.headers["content-type"], "application/json");
}

#[tokio::test]
async fn app_disconnect_kills_tokens_and_delivers_the_webhook() {
    let (t, receiver) = with_receiver().await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    let connect = receiver.wait_for_topic("APP_CONNECT").await;
    assert_signed(&t, &connect);

    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphql/operations/AppDisconnect.graphql"),
    )
    .unwrap_or_else(|_| {
        "mutation AppDisconnect { appDisconnect { app { name author } userErrors { message path } } }"
            .to_owned()
    });
    let body = t.gql(&tokens.access, &source, Value::Null).await;
    assert_eq!(
        body["data"]["appDisconnect"],
        json!({"app": {"name": "Sandbox App", "author": "Sandbox Developer"}, "userErrors": []})
    );
    assert!(body["extensions"]["cost"].is_object());

    let (status, body) = t.gql_raw(&tokens.access, "{ account { id } }", Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"errors": [{"message": DISCONNECTED}]}));
    let (status, body) = t.refresh(&tokens.refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    let delivery = receiver.wait_for_topic("APP_DISCONNECT").await;
    assert_signed(&t, &delivery);
    let event = &delivery.json()["data"]["webHookEvent"];
    assert_eq!(event["accountId"], account);
    assert_eq!(event["itemId"], account);
    assert_eq!(event["appId"], t.sandbox.config().app_id);
    assert!(chrono::DateTime::parse_from_rfc3339(event["occurredAt"].as_str().unwrap()).is_ok());

    let stats = t.sandbox.stats();
    assert_eq!(stats.app_disconnect_calls[&account], 1);
    assert!(!t.sandbox.accounts()[0].app_connected);
    // The other account is untouched.
    let other = t.connect(&t.spark()).await;
    t.gql(&other.access, "{ account { id } }", Value::Null).await;
}

#[tokio::test]
async fn the_dashboard_disconnect_button_acts_like_jobbers() {
    let (t, receiver) = with_receiver().await;
    let account = t.spark();
    let tokens = t.connect(&account).await;
    let page = t.http.get(t.url("/sandbox")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Disconnect app (Marketplace)"));
    let action = format!("sandbox/accounts/{account}/marketplace-disconnect");
    assert!(html.contains(&format!("action=\"{action}\"")), "{html}");
    assert!(html.contains("Connected"));

    // What the browser does when the button is clicked.
    let resp =
        t.http.post(t.url("/sandbox").join(&action).unwrap()).form(&[("confirm", "1")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let back = t
        .url(&format!("/sandbox/accounts/{account}/marketplace-disconnect"))
        .join(resp.headers()["location"].to_str().unwrap())
        .unwrap();
    assert_eq!(back.path(), "/sandbox");

    let (status, _) = t.gql_raw(&tokens.access, "{ account { id } }", Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(t.refresh(&tokens.refresh).await.0, StatusCode::BAD_REQUEST);
    let delivery = receiver.wait_for_topic("APP_DISCONNECT").await;
    assert_eq!(delivery.json()["data"]["webHookEvent"]["accountId"], account);
    let accounts: Value = t.http.get(t.url("/sandbox/accounts")).send().await.unwrap().json().await.unwrap();
    let spark = accounts.as_array().unwrap().iter().find(|a| a["id"] == account).unwrap();
    assert_eq!(spark["appConnected"], false);
    assert_eq!(spark["user"]["email"], "sam@sparkelectric.example");
    // Not an appDisconnect call.
    assert!(t.sandbox.stats().app_disconnect_calls.is_empty());

    // Reconnecting works and announces itself again.
    let again = t.connect(&account).await;
    t.gql(&again.access, "{ account { id } }", Value::Null).await;
    receiver.wait_for(3).await;
    let topics: Vec<String> = receiver.deliveries().iter().map(|d| d.topic()).collect();
    assert_eq!(topics, ["APP_CONNECT", "APP_DISCONNECT", "APP_CONNECT"]);
}

#[tokio::test]
async fn rust_api_disconnect_matches_the_button() {
    let (t, receiver) = with_receiver().await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    t.sandbox.marketplace_disconnect(&account).await;
    let (status, _) = t.gql_raw(&tokens.access, "{ account { id } }", Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    receiver.wait_for_topic("APP_DISCONNECT").await;
}
