//! Embedding: the router nested under a prefix (as the app's dev mode does) keeps working,
//! because the consent form and the dashboard only use relative URLs.

use jobber_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::REDIRECT;

#[tokio::test]
async fn works_nested_under_a_prefix() {
    let sandbox = Sandbox::new(SandboxConfig::default());
    let app = axum::Router::new().nest("/jobber", sandbox.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let account = sandbox.account_id_by_name("Green Thumb Landscaping").unwrap();

    // Consent: the form's empty action resolves to the page's own URL.
    let mut page = base.join("/jobber/api/oauth/authorize").unwrap();
    page.query_pairs_mut()
        .append_pair("client_id", "sandbox-client-id")
        .append_pair("redirect_uri", REDIRECT);
    let html = http.get(page.clone()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("action=\"\""));
    let resp = http
        .post(page.join("").unwrap())
        .form(&[("account", account.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert!(resp.headers()["location"].to_str().unwrap().starts_with(REDIRECT));

    // Dashboard: the button's relative action stays under the prefix.
    let dashboard = base.join("/jobber/sandbox").unwrap();
    let html = http.get(dashboard.clone()).send().await.unwrap().text().await.unwrap();
    let action = format!("sandbox/accounts/{account}/marketplace-disconnect");
    assert!(html.contains(&action));
    let target = dashboard.join(&action).unwrap();
    assert!(target.path().starts_with("/jobber/sandbox/accounts/"));
    let resp = http.post(target.clone()).form(&[("x", "1")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let back = target.join(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(back.path(), "/jobber/sandbox");
    assert!(!sandbox.accounts()[0].app_connected);

    let stats: Value =
        http.get(base.join("/jobber/sandbox/stats").unwrap()).send().await.unwrap().json().await.unwrap();
    assert!(stats["tokenRequests"].is_object());
    assert!(stats["webhookDeliveries"]["attempted"].is_u64());
    assert_eq!(stats["graphqlRequests"], 0);
}
