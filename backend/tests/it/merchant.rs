//! Issue 12 (backend side): what the Manage page needs to speak plainly: app identity, typed
//! problems with retry times, one freshness summary, the connection a signed-out browser knew,
//! date-only invoice dates, search by client name, precompressed assets; and issue 11's sign-in
//! of an admin arriving for a live connection without reconnecting it.
use std::time::Duration;

use chrono::{DateTime, Utc};
use jobber_app::db::entities::sync_state;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{TestApp, client, eventually};

const GREEN: &str = "Green Thumb Landscaping";
const SPARK: &str = "Spark Electric Co.";

async fn graphql_as(app: &TestApp, browser: &reqwest::Client, query: &str) -> Value {
    browser
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const SUMMARY: &str = "{ connection { status problem retryAt sync { state lastSyncedAt nextSyncAt retryAt problem } } \
    syncStatus { resource state nextRunAt retryAt retrying problem lastSuccessAt finishedAt } }";

async fn wait_up_to_date(app: &TestApp) -> Value {
    eventually(Duration::from_secs(60), "the first sync to finish", || async {
        let body = app.graphql(SUMMARY).await;
        (body["data"]["connection"]["sync"]["state"] == "UP_TO_DATE").then_some(body)
    })
    .await
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time, got {v}"))).unwrap().into()
}

#[tokio::test]
async fn app_info_names_the_app_and_its_links() {
    let app = TestApp::spawn().await;
    let body = app.graphql("{ appInfo { appName supportUrl privacyUrl } }").await;
    assert_eq!(
        body["data"]["appInfo"],
        json!({"appName": "Fieldsync", "supportUrl": null, "privacyUrl": null})
    );

    let app = TestApp::builder()
        .env("SUPPORT_URL", "https://help.example.com/fieldsync")
        .env("PRIVACY_URL", "https://example.com/privacy")
        .spawn()
        .await;
    let body = app.graphql("{ appInfo { supportUrl privacyUrl } }").await;
    assert_eq!(body["data"]["appInfo"]["supportUrl"], "https://help.example.com/fieldsync");
    assert_eq!(body["data"]["appInfo"]["privacyUrl"], "https://example.com/privacy");
}

#[tokio::test]
async fn a_signed_out_browser_is_told_about_the_connection_it_knew() {
    const PREVIOUS: &str =
        "{ connection { status } previousConnection { accountName status disconnectedAt disconnectedBy } }";
    let app = TestApp::spawn().await;
    // A browser that never signed in knows nothing.
    assert_eq!(graphql_as(&app, &client(), PREVIOUS).await["data"]["previousConnection"], Value::Null);

    app.connect(GREEN).await;
    let body = app.graphql(PREVIOUS).await;
    assert_eq!(
        body["data"]["previousConnection"],
        Value::Null,
        "a live session answers `connection`: {body}"
    );

    // Logged out: the connection is still live, so the page offers "Sign in".
    assert_eq!(app.client.post(app.url("/auth/logout")).send().await.unwrap().status(), 204);
    let body = app.graphql(PREVIOUS).await;
    assert_eq!(
        body["data"]["previousConnection"],
        json!({"accountName": GREEN, "status": "CONNECTED", "disconnectedAt": null, "disconnectedBy": null}),
        "{body}"
    );

    // Disconnected by the merchant, then (after reconnecting) by Jobber's Marketplace.
    app.connect(GREEN).await;
    let body = app.graphql("mutation { disconnect { disconnected } }").await;
    assert_eq!(body["data"]["disconnect"]["disconnected"], true, "{body}");
    let body = app.graphql(PREVIOUS).await;
    let previous = &body["data"]["previousConnection"];
    assert_eq!(previous["status"], "DISCONNECTED", "{body}");
    assert_eq!(previous["disconnectedBy"], "MERCHANT");
    assert!((Utc::now() - time(&previous["disconnectedAt"])).num_seconds() < 60);

    // (Another account: Jobber's `occurredAt` has whole seconds, so a second APP_DISCONNECT of the
    // same account within the same second would be deduplicated as a redelivery.)
    let spark = client();
    app.connect_with(&spark, SPARK).await;
    let account = app.account_id(SPARK);
    let res = reqwest::Client::new()
        .post(format!("{}sandbox/accounts/{account}/marketplace-disconnect", app.state.jobber.api_url))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let body = eventually(Duration::from_secs(20), "the Marketplace disconnect to be applied", || async {
        let body = graphql_as(&app, &spark, PREVIOUS).await;
        (body["data"]["previousConnection"]["status"] == "DISCONNECTED").then_some(body)
    })
    .await;
    assert_eq!(body["data"]["connection"], Value::Null);
    assert_eq!(body["data"]["previousConnection"]["accountName"], SPARK);
    assert_eq!(body["data"]["previousConnection"]["disconnectedBy"], "JOBBER", "{body}");
}

#[tokio::test]
async fn the_freshness_summary_follows_the_sync() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let body = wait_up_to_date(&app).await;
    let sync = &body["data"]["connection"]["sync"];
    assert_eq!(sync["problem"], Value::Null);
    assert_eq!(sync["retryAt"], Value::Null);
    let last = time(&sync["lastSyncedAt"]);
    let next = time(&sync["nextSyncAt"]);
    // The default interval is 15 minutes after each resource's last run.
    let gap = (next - last).num_seconds();
    assert!((14 * 60..=16 * 60).contains(&gap), "next check {gap} s after the last sync");
    for s in body["data"]["syncStatus"].as_array().unwrap() {
        assert_eq!(s["state"], "DONE");
        assert_eq!(s["retrying"], false);
        let due = (time(&s["nextRunAt"]) - time(&s["finishedAt"])).num_seconds();
        assert_eq!(due, 15 * 60, "{s}");
    }
    assert_eq!(body["data"]["connection"]["problem"], Value::Null);
}

#[tokio::test]
async fn a_jobber_outage_reads_as_retrying_with_a_time() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    wait_up_to_date(&app).await;
    // Jobber answers 503 to everything for a while; a full sync is asked for.
    app.sandbox().faults().fail_graphql_next(10_000);
    let asked = Utc::now();
    let body = app.graphql("mutation { startSync(full: true) { state } }").await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    let body = eventually(Duration::from_secs(60), "a run waiting to retry", || async {
        let body = app.graphql(SUMMARY).await;
        (body["data"]["connection"]["sync"]["state"] == "RETRYING").then_some(body)
    })
    .await;
    let sync = &body["data"]["connection"]["sync"];
    assert_eq!(sync["problem"], "JOBBER_UNAVAILABLE", "{body}");
    // The retry is planned after the failure, which came after the request (however long this
    // busy machine took to show the state).
    assert!(time(&sync["retryAt"]) > asked, "{body}");
    let retrying: Vec<&Value> =
        body["data"]["syncStatus"].as_array().unwrap().iter().filter(|s| s["retrying"] == true).collect();
    assert!(!retrying.is_empty(), "{body}");
    for s in retrying {
        assert_eq!(s["state"], "RUNNING");
        assert_eq!(s["problem"], "JOBBER_UNAVAILABLE");
        assert!(s["retryAt"].is_string());
    }

    // Jobber recovers: the runs carry on and the summary is clean again.
    app.sandbox().faults().clear();
    let body = wait_up_to_date(&app).await;
    assert_eq!(body["data"]["connection"]["sync"]["problem"], Value::Null);
    let stored = sync_state::Entity::find()
        .filter(sync_state::Column::JobberAccountId.eq(app.account_id(GREEN)))
        .all(app.state.db.writer())
        .await
        .unwrap();
    assert!(stored.iter().all(|r| r.problem.is_none() && r.error.is_none()), "{stored:?}");
}

#[tokio::test]
async fn a_degraded_connection_says_when_it_retries() {
    use jobber_app::db::entities::connections;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let mut a: connections::ActiveModel = app.connection_row(GREEN).await.into();
    a.token_expires_at = Set(Some(Utc::now() + chrono::Duration::seconds(30)));
    a.update(app.state.db.writer()).await.unwrap();
    app.sandbox().faults().fail_token_next(5);
    app.state.tokens.valid_access_token(&app.account_id(GREEN)).await.unwrap();
    let body = app.graphql("{ connection { status problem retryAt } }").await;
    let c = &body["data"]["connection"];
    assert_eq!(c["status"], "DEGRADED", "{body}");
    assert_eq!(c["problem"], "JOBBER_UNAVAILABLE");
    assert!(time(&c["retryAt"]) > Utc::now(), "{body}");
}

#[tokio::test]
async fn invoice_dates_are_calendar_dates_and_search_matches_client_names() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    wait_up_to_date(&app).await;
    let body = app.graphql("{ invoices(first: 100) { nodes { issuedDate dueDate clientName } } }").await;
    let invoices = body["data"]["invoices"]["nodes"].as_array().unwrap().clone();
    assert!(!invoices.is_empty(), "{body}");
    let dated: Vec<&Value> = invoices.iter().filter(|i| i["dueDate"].is_string()).collect();
    assert!(!dated.is_empty(), "the sandbox seeds due dates: {body}");
    for i in &dated {
        let d = i["dueDate"].as_str().unwrap();
        assert!(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok(), "a bare date, got {d}");
    }

    // Jobs show their client's name, so searching for it finds them.
    let body = app.graphql("{ jobs(first: 100) { nodes { title clientName } } }").await;
    let jobs = body["data"]["jobs"]["nodes"].as_array().unwrap().clone();
    let client_name =
        jobs.iter().find_map(|j| j["clientName"].as_str()).expect("jobs have clients").to_owned();
    let expected = jobs.iter().filter(|j| j["clientName"] == client_name.as_str()).count();
    let body = app
        .graphql_vars(
            "query($s: String) { jobs(first: 100, search: $s) { totalCount nodes { clientName } } }",
            json!({ "s": client_name }),
        )
        .await;
    let found = body["data"]["jobs"]["nodes"].as_array().unwrap();
    assert!(found.len() >= expected && expected > 0, "{client_name}: {body}");
    assert!(found.iter().any(|j| j["clientName"] == client_name.as_str()));
    // Every word must match the row or its client: a word matching neither finds nothing.
    let body = app
        .graphql_vars(
            "query($s: String) { jobs(first: 100, search: $s) { totalCount } }",
            json!({ "s": format!("{client_name} zzqqxx") }),
        )
        .await;
    assert_eq!(body["data"]["jobs"]["totalCount"], 0, "{body}");
}

#[tokio::test]
async fn precompressed_assets_are_served_to_browsers_that_accept_them() {
    let app = TestApp::spawn().await;
    let spa = app.dir.path().join("spa");
    std::fs::write(spa.join("assets/app-abc123.js.br"), b"brotli bytes").unwrap();
    std::fs::write(spa.join("assets/app-abc123.js.gz"), b"gzip bytes").unwrap();
    std::fs::write(spa.join("index.html.gz"), b"gzip index").unwrap();
    let get = |path: &str, accept: &'static str| {
        let url = app.url(path);
        async move {
            client()
                .get(url)
                .header("accept-encoding", accept)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap()
        }
    };
    let res = get("/assets/app-abc123.js", "gzip, deflate, br").await;
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(res.headers()["vary"].to_str().unwrap().to_lowercase().contains("accept-encoding"));
    assert!(res.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"brotli bytes");
    let res = get("/assets/app-abc123.js", "gzip").await;
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let res = get("/assets/app-abc123.js", "identity").await;
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.text().await.unwrap(), "console.log('hi')");
    // index.html (and the SPA's routes) revalidate, and are precompressed too.
    for path in ["/", "/manage"] {
        let res = get(path, "gzip").await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache", "{path}");
        assert_eq!(res.headers()["content-encoding"], "gzip", "{path}");
    }
}

#[tokio::test]
async fn an_admin_arriving_for_a_live_connection_is_only_signed_in() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    wait_up_to_date(&app).await;
    let before = app.connection_row(GREEN).await;
    let runs_before = sync_state::Entity::find()
        .filter(sync_state::Column::JobberAccountId.eq(&before.jobber_account_id))
        .all(app.state.db.writer())
        .await
        .unwrap();

    // Jobber's Manage App button in another browser, clicked by a second admin of the account,
    // and "Sign in with Jobber" in a third.
    let manage = client();
    let second = app
        .sandbox()
        .add_user(&before.jobber_account_id, "Robin", "Fern", "robin@greenthumb.example")
        .unwrap();
    let code = app.sandbox().issue_code_for_user(
        &before.jobber_account_id,
        &second,
        &app.url("/auth/jobber/callback"),
    );
    let res = manage.get(app.url(&format!("/manage?code={code}"))).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/manage");
    let sign_in = client();
    let res = app.connect_with(&sign_in, GREEN).await;
    assert_eq!(res.headers()["location"], "/manage");

    let after = app.connection_row(GREEN).await;
    assert_eq!(after.generation, before.generation, "no reconnect: other admins stay signed in");
    assert_eq!(after.connected_at, before.connected_at);
    assert_eq!(after.access_token_ciphertext, before.access_token_ciphertext, "the stored tokens are kept");
    assert_eq!(after.refresh_token_ciphertext, before.refresh_token_ciphertext);
    assert_eq!(after.connected_by_user_id, before.connected_by_user_id, "the connecting user's pair stays");
    for browser in [&app.client, &manage, &sign_in] {
        let body = graphql_as(&app, browser, "{ connection { account { name } } }").await;
        assert_eq!(body["data"]["connection"]["account"]["name"], GREEN, "{body}");
    }
    // No full re-sync was forced.
    let runs_after = sync_state::Entity::find()
        .filter(sync_state::Column::JobberAccountId.eq(&before.jobber_account_id))
        .all(app.state.db.writer())
        .await
        .unwrap();
    for (a, b) in runs_before.iter().zip(&runs_after) {
        assert_eq!(a.started_at, b.started_at, "{:?}", a.resource);
        assert_eq!(b.requested_mode, None, "{:?}", b.resource);
    }

    // A live (CONNECTED) connection whose stored tokens no longer work: Jobber refuses the
    // access token and the refresh token (here: the stored refresh token is replaced by the
    // expired access token, which Jobber does not know as a refresh token). The arriving admin's
    // tokens replace them: a reconnect.
    app.sandbox().expire_access_tokens(&before.jobber_account_id);
    {
        use jobber_app::db::entities::connections;
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let mut a: connections::ActiveModel = after.clone().into();
        a.refresh_token_ciphertext = Set(after.access_token_ciphertext.clone());
        a.update(app.state.db.writer()).await.unwrap();
    }
    let code = app.sandbox().issue_code(&before.jobber_account_id, &app.url("/auth/jobber/callback"));
    let res = client().get(app.url(&format!("/manage?code={code}"))).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/manage");
    let row = app.connection_row(GREEN).await;
    assert_eq!(row.status, "CONNECTED", "{:?}", row.last_error);
    assert_eq!(row.generation, before.generation + 1, "dead tokens: the arrival reconnects");
    assert_ne!(row.refresh_token_ciphertext, after.refresh_token_ciphertext, "the new pair is stored");

    // A connection that no longer works is reconnected as before.
    {
        use jobber_app::db::entities::connections;
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let mut a: connections::ActiveModel = row.clone().into();
        a.status = Set(jobber_app::db::enums::ConnectionStatus::NeedsReauth);
        a.update(app.state.db.writer()).await.unwrap();
    }
    let code = app.sandbox().issue_code(&before.jobber_account_id, &app.url("/auth/jobber/callback"));
    let res = client().get(app.url(&format!("/manage?code={code}"))).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/manage");
    let last = app.connection_row(GREEN).await;
    assert_eq!(last.status, "CONNECTED");
    assert_eq!(last.generation, row.generation + 1, "a reconnect starts a new generation");
}
