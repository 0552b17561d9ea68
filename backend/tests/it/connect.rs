//! Issue 4: OAuth connect through the sandbox, the callback's edge cases, sessions.
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::Value;

use crate::support::{TestApp, client};

const GREEN: &str = "Green Thumb Landscaping";
const SPARK: &str = "Spark Electric Co.";
const CONNECTION: &str = "{ connection { status account { id name } connectedAt connectedBy { id name email } tokenExpiresAt lastRefreshAt lastError } }";

async fn connection_count(app: &TestApp) -> usize {
    use sea_orm::{EntityTrait, PaginatorTrait};
    jobber_app::db::entities::connections::Entity::find().count(app.state.db.writer()).await.unwrap() as usize
}

#[tokio::test]
async fn connect_allow_lands_on_manage_with_the_account() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let body = app.graphql(CONNECTION).await;
    let c = &body["data"]["connection"];
    assert_eq!(c["status"], "CONNECTED", "{body}");
    assert_eq!(c["account"]["name"], GREEN);
    assert_eq!(c["account"]["id"], app.account_id(GREEN));
    assert_eq!(c["connectedBy"]["name"], "Alex Green");
    assert_eq!(c["connectedBy"]["email"], "alex@greenthumb.example");
    assert!(c["tokenExpiresAt"].is_string());
    assert_eq!(c["lastError"], Value::Null);

    // The Manage page itself is the SPA.
    let res = app.client.get(app.url("/manage")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("<div id=root>"));
}

#[tokio::test]
async fn the_authorize_redirect_is_what_jobber_expects() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/auth/jobber")).send().await.unwrap();
    let cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Max-Age=600"),
        "{cookie}"
    );
    let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/api/oauth/authorize");
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "sandbox-client-id");
    assert_eq!(q["redirect_uri"], app.url("/auth/jobber/callback"));
    assert!(q["state"].len() >= 32);
}

#[tokio::test]
async fn state_mismatch_is_400_and_stores_nothing() {
    let app = TestApp::spawn().await;
    app.client.get(app.url("/auth/jobber")).send().await.unwrap();
    let code = app.sandbox().issue_code(&app.account_id(GREEN), &app.url("/auth/jobber/callback"));
    let res = app
        .client
        .get(app.url(&format!("/auth/jobber/callback?code={code}&state=forged")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("nothing was connected"));
    // A state with no cookie at all (another browser started it) is refused the same way.
    let res =
        client().get(app.url(&format!("/auth/jobber/callback?code={code}&state=x"))).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(connection_count(&app).await, 0);
    assert_eq!(app.sandbox().stats().token_requests.get("authorization_code").copied().unwrap_or(0), 0);
}

#[tokio::test]
async fn marketplace_connect_without_state_is_accepted() {
    let app = TestApp::spawn().await;
    let code = app.sandbox().issue_code(&app.account_id(SPARK), &app.url("/auth/jobber/callback"));
    let res = app.client.get(app.url(&format!("/auth/jobber/callback?code={code}"))).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/manage");
    assert_eq!(app.graphql(CONNECTION).await["data"]["connection"]["account"]["name"], SPARK);
}

#[tokio::test]
async fn replayed_or_unknown_codes_get_a_clear_error() {
    let app = TestApp::spawn().await;
    let code = app.sandbox().issue_code(&app.account_id(GREEN), &app.url("/auth/jobber/callback"));
    let first = app.client.get(app.url(&format!("/auth/jobber/callback?code={code}"))).send().await.unwrap();
    assert_eq!(first.status(), 303);
    for code in [code.as_str(), "never-issued"] {
        let res = client().get(app.url(&format!("/auth/jobber/callback?code={code}"))).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/connect-error?reason=invalid_code", "{code}");
    }
}

#[tokio::test]
async fn deny_shows_the_denied_page() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/auth/jobber")).send().await.unwrap();
    let authorize = res.headers()["location"].to_str().unwrap().to_owned();
    let res = app.client.post(&authorize).form(&[("decision", "deny")]).send().await.unwrap();
    assert_eq!(res.status(), 302);
    let callback = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(callback, app.url("/auth/jobber/callback"), "Jobber sends no parameters on Deny");
    let res = app.client.get(&callback).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/denied");
    let res = app.client.get(app.url("/auth/jobber/callback?error=access_denied")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/denied");
    assert_eq!(connection_count(&app).await, 0);
}

#[tokio::test]
async fn manage_app_button_code_signs_in() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    // Jobber's Manage App button: a new browser arrives at the Manage App URL with a code.
    let browser = client();
    let code = app.sandbox().issue_code(&app.account_id(GREEN), &app.url("/auth/jobber/callback"));
    let res = browser.get(app.url(&format!("/manage?code={code}"))).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/manage");
    let body: Value = browser
        .post(app.url("/graphql"))
        .json(&serde_json::json!({"query": CONNECTION}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["connection"]["account"]["name"], GREEN);
    assert_eq!(connection_count(&app).await, 1, "a reconnect reuses the row");
}

#[tokio::test]
async fn logout_ends_the_session_and_keeps_the_connection() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let res = app.client.post(app.url("/auth/logout")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(app.graphql(CONNECTION).await["data"]["connection"], Value::Null);
    assert_eq!(app.connection_row(GREEN).await.status, "CONNECTED");
}

#[tokio::test]
async fn old_cookie_is_dead_after_disconnect_and_reconnect() {
    let app = TestApp::spawn().await;
    let first = client();
    let res = app.connect_with(&first, GREEN).await;
    let old_cookie = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("fieldsync_session="))
        .expect("session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let ask = |cookie: String| {
        let url = app.url("/graphql");
        async move {
            client()
                .post(url)
                .header(COOKIE, cookie)
                .json(&serde_json::json!({"query": CONNECTION}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(ask(old_cookie.clone()).await["data"]["connection"]["account"]["name"], GREEN);

    let body: Value = first
        .post(app.url("/graphql"))
        .json(&serde_json::json!({"query": "mutation { disconnect { disconnected jobberConfirmed } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["disconnect"]["disconnected"], true, "{body}");
    assert_eq!(ask(old_cookie.clone()).await["data"]["connection"], Value::Null);

    app.connect(GREEN).await;
    assert_eq!(app.graphql(CONNECTION).await["data"]["connection"]["status"], "CONNECTED");
    assert_eq!(ask(old_cookie).await["data"]["connection"], Value::Null, "still dead after a reconnect");
}

#[tokio::test]
async fn one_merchant_never_reads_another_merchants_data() {
    let app = TestApp::spawn().await;
    let (green, spark) = (client(), client());
    app.connect_with(&green, GREEN).await;
    app.connect_with(&spark, SPARK).await;
    let ask = |c: &reqwest::Client, q: &str| {
        let req = c.post(app.url("/graphql")).json(&serde_json::json!({ "query": q }));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(ask(&green, CONNECTION).await["data"]["connection"]["account"]["name"], GREEN);
    assert_eq!(ask(&spark, CONNECTION).await["data"]["connection"]["account"]["name"], SPARK);

    // Webhook events of one account are invisible to the other.
    let sandbox = app.sandbox();
    sandbox
        .create_record(&app.account_id(GREEN), jobber_sandbox::RecordKind::Client, Default::default())
        .await
        .unwrap();
    crate::support::eventually(std::time::Duration::from_secs(10), "the CLIENT_CREATE webhook", || async {
        let b = ask(&green, "{ webhookEvents(first: 10) { nodes { topic } } }").await;
        b["data"]["webhookEvents"]["nodes"].as_array().filter(|n| !n.is_empty()).cloned()
    })
    .await;
    let b = ask(&spark, "{ webhookEvents(first: 10) { nodes { topic itemId } } }").await;
    assert!(
        b["data"]["webhookEvents"]["nodes"].as_array().unwrap().iter().all(|n| n["topic"] != "CLIENT_CREATE"),
        "{b}"
    );
}
