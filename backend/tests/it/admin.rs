//! Issue 15: the admin listener, operator authentication, the installs list and one install, the
//! operator's actions, fleet health and the CLI — through HTTP (and the binary for the CLI) on
//! SQLite, and on PostgreSQL with TEST_DATABASE_URL.
use std::time::Duration;

use chrono::Utc;
use jobber_app::db::{
    entities::{connections, sync_records, sync_state, webhook_events},
    enums::{ConnectionStatus, DisconnectSource, EventStatus, SyncRunState},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{ADMIN_TOKEN, TestApp, app_binary, client, eventually};

const GREEN: &str = "Green Thumb Landscaping";

const INSTALL_FIELDS: &str = "jobberAccountId name status problems connectedAt connectedByName connectedByEmail \
    disconnectedAt disconnectedBy lastError lastRefreshAt failingRuns webhooksPending webhooksDead \
    resources { resource state lastSuccessAt lastFullSuccessAt failures error notBefore } \
    webhookHealth { status lastReceivedAt }";

fn detail_query() -> String {
    format!(
        "query($id: String!) {{ install(jobberAccountId: $id) {{ install {{ {INSTALL_FIELDS} }} \
         timeline {{ id at jobberAccountId accountName kind actor actorName detail }} \
         webhookEvents {{ id topic status attempts receivedAt processedAt lastError }} }} }}"
    )
}

fn list_query() -> String {
    format!(
        "query($status: InstallStatus, $search: String, $first: Int!, $after: String) {{ \
         installs(status: $status, search: $search, first: $first, after: $after) {{ \
         totalCount nextCursor installs {{ {INSTALL_FIELDS} }} }} }}"
    )
}

#[tokio::test]
async fn admin_routes_exist_only_on_the_admin_listener_and_metrics_moved() {
    let app = TestApp::spawn().await;
    for path in ["/admin", "/admin/installs/x", "/admin.html", "/admin/session", "/metrics"] {
        let res = app.client.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(res.status(), 404, "public {path}");
    }
    let res = app
        .client
        .post(app.url("/admin/graphql"))
        .json(&json!({"query": "{ fleet { jobberApiVersion } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "public POST /admin/graphql");

    // On the admin listener: metrics with the token, not without.
    let res = app.client.get(app.admin_url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(app.metrics().await.contains("http_requests_total"));
    // Health checks need nothing; the console page is served (its data needs a session).
    assert_eq!(app.client.get(app.admin_url("/healthz")).send().await.unwrap().status(), 200);
    let res = app.client.get(app.admin_url("/admin/installs/abc")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("operator console"));
    let res = app.client.get(app.admin_url("/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/admin");
    // The merchant's SPA is not there.
    assert_eq!(app.client.get(app.admin_url("/manage")).send().await.unwrap().status(), 404);

    // PUBLIC_METRICS=true puts /metrics back on the public listener.
    let app = TestApp::builder().env("PUBLIC_METRICS", "true").spawn().await;
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_admin_api_refuses_callers_without_the_token_or_a_session() {
    let app = TestApp::spawn().await;
    let q = json!({"query": "{ fleet { jobberApiVersion } }"});
    let url = app.admin_url("/admin/graphql");
    let res = app.client.post(&url).json(&q).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let wrong = format!("{ADMIN_TOKEN}x");
    for token in [wrong.as_str(), "", "Bearer"] {
        let res = app.client.post(&url).bearer_auth(token).json(&q).send().await.unwrap();
        assert_eq!(res.status(), 401, "token {token:?}");
    }
    // A forged or expired session cookie is no session.
    for cookie in ["fieldsync_admin=1.AAAA", "fieldsync_admin=99999999999.bm90LWEtc2ln", "fieldsync_admin="] {
        let res = app.client.post(&url).header("cookie", cookie).json(&q).send().await.unwrap();
        assert_eq!(res.status(), 401, "{cookie}");
    }
    let body = app.admin_graphql("{ fleet { jobberApiVersion } }", json!({})).await;
    assert_eq!(body["data"]["fleet"]["jobberApiVersion"], "2025-04-16", "{body}");
}

#[tokio::test]
async fn the_console_signs_in_with_the_token_into_a_strict_short_cookie() {
    let app = TestApp::spawn().await;
    let browser = client();
    let status: Value =
        browser.get(app.admin_url("/admin/session")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status, json!({"signedIn": false, "tokenRequired": true}));

    let res =
        browser.post(app.admin_url("/admin/session")).json(&json!({"token": "nope"})).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // Not JSON (a cross-site form's encodings): refused before anything is checked.
    let res = browser
        .post(app.admin_url("/admin/session"))
        .header("content-type", "text/plain")
        .body(format!("{{\"token\":\"{ADMIN_TOKEN}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    // From another origin: refused by the origin check.
    let res = browser
        .post(app.admin_url("/admin/session"))
        .header("origin", "https://evil.example")
        .json(&json!({"token": ADMIN_TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let res = browser
        .post(app.admin_url("/admin/session"))
        .header("origin", &app.admin_base)
        .json(&json!({"token": ADMIN_TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["fieldsync_admin=", "HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age=1800"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(!cookie.contains(ADMIN_TOKEN), "the cookie carries the token itself");
    assert!(!cookie.contains("Secure"), "a Secure cookie over plain http would be dropped: {cookie}");
    // Opened over https (a TLS proxy in front of the listener): the cookie is Secure.
    let https_origin = app.admin_base.replace("http://", "https://");
    let res = client()
        .post(app.admin_url("/admin/session"))
        .header("origin", &https_origin)
        .json(&json!({"token": ADMIN_TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
    let status: Value =
        browser.get(app.admin_url("/admin/session")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["signedIn"], true);
    let body: Value = browser
        .post(app.admin_url("/admin/graphql"))
        .json(&json!({"query": "{ installs { totalCount } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["installs"]["totalCount"], 0, "{body}");
    // A mutation from another origin is refused even with the session.
    let res = browser
        .post(app.admin_url("/admin/graphql"))
        .header("origin", "https://evil.example")
        .json(&json!({"query": "mutation { redrive(jobberAccountId: \"x\") { message } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Sign out: the cookie is cleared and the API refuses again.
    let res = browser.post(app.admin_url("/admin/logout")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let res = browser
        .post(app.admin_url("/admin/graphql"))
        .json(&json!({"query": "{ installs { totalCount } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // A session signed under another token is worthless once the token changes.
    let other = TestApp::builder()
        .env("ADMIN_TOKEN", "another-admin-token-0123456789abcdef-012345")
        .same_database_as(&app)
        .spawn()
        .await;
    let value = cookie.split(';').next().unwrap().to_owned();
    let res = other
        .client
        .post(other.admin_url("/admin/graphql"))
        .header("cookie", value)
        .json(&json!({"query": "{ installs { totalCount } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let app = TestApp::spawn().await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let res = app
            .client
            .post(app.admin_url("/admin/session"))
            .json(&json!({"token": "wrong-wrong-wrong"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn without_a_token_on_loopback_the_console_is_open() {
    let app = TestApp::builder().env("ADMIN_TOKEN", "").spawn().await;
    let status: Value =
        app.client.get(app.admin_url("/admin/session")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status, json!({"signedIn": true, "tokenRequired": false}));
    let res = app
        .client
        .post(app.admin_url("/admin/graphql"))
        .json(&json!({"query": "{ installs { totalCount } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// Runs the binary with `env` until it exits or `deadline` passes (then kills it).
fn run_binary(env: &[(&str, &str)], deadline: Duration) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(app_binary());
    cmd.arg("serve")
        .env_clear()
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("JOBBER_CLIENT_ID", "id")
        .env("JOBBER_CLIENT_SECRET", "secret")
        .env("DATA_DIR", dir.path())
        .env("DATABASE_URL", format!("sqlite://{}/app.db?mode=rwc", dir.path().display()))
        .current_dir(dir.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    crate::support::output_within(&mut cmd, deadline)
}

#[test]
fn production_without_a_strong_admin_token_refuses_to_start() {
    let prod = [
        ("APP_ENV", "production"),
        ("APP_BASE_URL", "https://fieldsync.example.com"),
        ("TOKEN_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="),
        ("SESSION_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef"),
        ("ADMIN_BIND_ADDR", "127.0.0.1:0"),
    ];
    for extra in [
        vec![],
        vec![("ADMIN_TOKEN", "too-short")],
        vec![("APP_ENV", "development"), ("ADMIN_BIND_ADDR", "0.0.0.0:0")],
    ] {
        let mut env = prod.to_vec();
        env.extend(extra.iter().copied());
        let out = run_binary(&env, Duration::from_secs(20));
        assert!(!out.status.success(), "{extra:?} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("ADMIN_TOKEN"), "{extra:?}: {stderr}");
        assert!(!stderr.contains("too-short"), "the token was echoed: {stderr}");
    }
}

/// A connections row as if an account had connected (no tokens: the console never needs them),
/// with every resource freshly synced (so the sync runner leaves it alone).
async fn seed_install(app: &TestApp, account: &str, name: &str, status: ConnectionStatus) {
    let now = Utc::now();
    for resource in jobber_app::sync::Resource::ALL {
        sync_state::ActiveModel {
            jobber_account_id: Set(account.to_owned()),
            resource: Set(resource),
            state: Set(SyncRunState::Done),
            mode: Set(Some(jobber_app::db::enums::SyncMode::Full)),
            requested_mode: Set(None),
            pass: Set(1),
            fetched: Set(0),
            started_at: Set(Some(now)),
            finished_at: Set(Some(now)),
            last_success_at: Set(Some(now)),
            last_full_success_at: Set(Some(now)),
            failures: Set(0),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(app.state.db.writer())
        .await
        .unwrap();
    }
    connections::ActiveModel {
        jobber_account_id: Set(account.to_owned()),
        account_name: Set(name.to_owned()),
        status: Set(status),
        generation: Set(1),
        connected_at: Set(now),
        disconnected_at: Set((status == ConnectionStatus::Disconnected).then_some(now)),
        disconnect_source: Set((status == ConnectionStatus::Disconnected).then_some(DisconnectSource::Jobber)),
        connected_by_name: Set(Some("Pat Owner".to_owned())),
        token_version: Set(1),
        refresh_failures: Set(0),
        last_error: Set((status == ConnectionStatus::Degraded).then(|| "Jobber's token endpoint is unavailable.".to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.state.db.writer())
    .await
    .unwrap();
}

async fn seed_event(app: &TestApp, account: &str, n: usize, status: EventStatus) {
    let now = Utc::now();
    webhook_events::ActiveModel {
        dedupe_key: Set(format!("{account}-{n}-{}", status.to_value_str())),
        topic: Set("CLIENT_UPDATE".to_owned()),
        app_id: Set("app".to_owned()),
        jobber_account_id: Set(account.to_owned()),
        item_id: Set(format!("item-{n}")),
        occurred_at: Set(now),
        received_at: Set(now),
        status: Set(status),
        attempts: Set(if status == EventStatus::Dead { 8 } else { 0 }),
        next_attempt_at: Set(now + chrono::Duration::days(1)),
        lane: Set(jobber_app::db::enums::Lane::Data),
        ..Default::default()
    }
    .insert(app.state.db.writer())
    .await
    .unwrap();
}

trait Spelled {
    fn to_value_str(&self) -> String;
}
impl Spelled for EventStatus {
    fn to_value_str(&self) -> String {
        sea_orm::ActiveEnum::to_value(self)
    }
}

#[tokio::test]
async fn the_installs_list_pages_problems_first_and_filters() {
    let app = TestApp::spawn().await;
    // 40 installs: 3 need reauth, 4 degraded, 6 connected with dead letters (3) or a failed sync
    // (3), 20 healthy, 7 disconnected; names interleave so only the tiers sort them.
    let mut expected: Vec<(u8, String, String)> = Vec::new();
    let plan = [
        (ConnectionStatus::NeedsReauth, 3, 0u8),
        (ConnectionStatus::Degraded, 4, 1),
        (ConnectionStatus::Connected, 26, 3),
        (ConnectionStatus::Disconnected, 7, 4),
    ];
    let mut n = 0;
    for (status, count, tier) in plan {
        for i in 0..count {
            n += 1;
            let account = format!("acct-{n:03}");
            let name = format!("Business {:02} {}", (n * 7) % 40, ["Plumbing", "Lawn", "Electric"][i % 3]);
            seed_install(&app, &account, &name, status).await;
            let mut tier = tier;
            if status == ConnectionStatus::Connected && i < 3 {
                seed_event(&app, &account, 1, EventStatus::Dead).await;
                seed_event(&app, &account, 2, EventStatus::Pending).await;
                tier = 2;
            } else if status == ConnectionStatus::Connected && i < 6 {
                jobber_app::db::sync_state::ensure_rows(
                    &app.state.db,
                    &account,
                    &[jobber_app::sync::Resource::Jobs],
                )
                .await
                .unwrap();
                sync_state::Entity::update_many()
                    .col_expr(
                        sync_state::Column::State,
                        sea_orm::sea_query::Expr::value(SyncRunState::Failed),
                    )
                    .col_expr(
                        sync_state::Column::Problem,
                        sea_orm::sea_query::Expr::value(
                            jobber_app::db::enums::SyncProblem::JobberUnavailable,
                        ),
                    )
                    .filter(sync_state::Column::JobberAccountId.eq(&account))
                    .filter(sync_state::Column::Resource.eq(jobber_app::sync::Resource::Jobs))
                    .exec(app.state.db.writer())
                    .await
                    .unwrap();
                tier = 2;
            }
            expected.push((tier, name, account));
        }
    }
    expected.sort();
    let expected_ids: Vec<String> = expected.iter().map(|(_, _, a)| a.clone()).collect();

    // Every page of 7, following the cursors: each install once, in order.
    let mut seen: Vec<Value> = Vec::new();
    let mut after = Value::Null;
    for _ in 0..20 {
        let body = app.admin_graphql(&list_query(), json!({"first": 7, "after": after})).await;
        let page = &body["data"]["installs"];
        assert_eq!(page["totalCount"], 40, "{body}");
        seen.extend(page["installs"].as_array().unwrap().iter().cloned());
        after = page["nextCursor"].clone();
        if after.is_null() {
            break;
        }
    }
    let ids: Vec<String> = seen.iter().map(|i| i["jobberAccountId"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, expected_ids);
    // A searched list (read once and ranked in memory) pages the same way.
    let mut searched: Vec<String> = Vec::new();
    let mut after = Value::Null;
    for _ in 0..20 {
        let body =
            app.admin_graphql(&list_query(), json!({"search": "business", "first": 7, "after": after})).await;
        let page = &body["data"]["installs"];
        assert_eq!(page["totalCount"], 40, "{body}");
        searched.extend(
            page["installs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["jobberAccountId"].as_str().unwrap().to_owned()),
        );
        after = page["nextCursor"].clone();
        if after.is_null() {
            break;
        }
    }
    assert_eq!(searched, expected_ids);
    assert_eq!(seen[0]["problems"], json!(["NEEDS_REAUTH"]));
    assert_eq!(seen[3]["problems"], json!(["DEGRADED"]));
    assert_eq!(seen[3]["lastError"], "Jobber's token endpoint is unavailable.");
    let troubled: Vec<&Value> = seen[7..13].iter().collect();
    assert!(
        troubled.iter().all(|i| i["status"] == "CONNECTED" && !i["problems"].as_array().unwrap().is_empty())
    );
    let dead = troubled.iter().find(|i| i["webhooksDead"] == 1).expect("an install with a dead letter");
    assert_eq!(dead["webhooksPending"], 1);
    assert_eq!(dead["problems"], json!(["DEAD_LETTERS"]));
    let failing = troubled.iter().find(|i| i["failingRuns"] == 1).expect("an install with a failed sync");
    assert_eq!(failing["problems"], json!(["SYNC_FAILING"]));
    let job = failing["resources"].as_array().unwrap().iter().find(|r| r["resource"] == "JOB").unwrap();
    assert_eq!(job["state"], "FAILED");
    assert_eq!(job["error"], "Jobber was unavailable; retrying.", "{failing}");
    assert!(seen[13..33].iter().all(|i| i["problems"] == json!([]) && i["status"] == "CONNECTED"));
    assert!(seen[33..].iter().all(|i| i["status"] == "DISCONNECTED" && i["disconnectedBy"] == "JOBBER"));

    // Filter by status (with paging), search by part of the name and by account id.
    let body = app.admin_graphql(&list_query(), json!({"status": "CONNECTED", "first": 10})).await;
    let page = &body["data"]["installs"];
    assert_eq!(page["totalCount"], 26);
    assert_eq!(page["installs"][0]["problems"].as_array().unwrap().len(), 1, "troubled first: {page}");
    let next = app
        .admin_graphql(
            &list_query(),
            json!({"status": "CONNECTED", "first": 20, "after": page["nextCursor"]}),
        )
        .await;
    assert_eq!(next["data"]["installs"]["installs"].as_array().unwrap().len(), 16);
    assert!(next["data"]["installs"]["nextCursor"].is_null());
    let body = app.admin_graphql(&list_query(), json!({"search": "eLeCtRiC", "first": 100})).await;
    let names: Vec<&str> = body["data"]["installs"]["installs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len() as u64, body["data"]["installs"]["totalCount"].as_u64().unwrap());
    assert!(!names.is_empty() && names.iter().all(|n| n.ends_with("Electric")), "{names:?}");
    let body = app.admin_graphql(&list_query(), json!({"search": "acct-017", "first": 5})).await;
    assert_eq!(body["data"]["installs"]["installs"][0]["jobberAccountId"], "acct-017");
    assert_eq!(body["data"]["installs"]["totalCount"], 1);
    // LIKE's wildcards are matched literally.
    let body = app.admin_graphql(&list_query(), json!({"search": "%", "first": 5})).await;
    assert_eq!(body["data"]["installs"]["totalCount"], 0);
    // A cursor we did not write is a clear error.
    let body = app.admin_graphql(&list_query(), json!({"first": 5, "after": "garbage"})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");

    // The CLI lists the same installs in the same order.
    let out = cli(&app, &["installs", "list", "--status", "connected"]);
    let lines: Vec<&str> = out.lines().skip(1).collect();
    assert!(lines[0].contains("DeadLetters") || lines[0].contains("SyncFailing"), "{out}");
    assert!(out.contains("26 of 26 install(s)"), "{out}");
    let out = cli(&app, &["installs", "list", "--search", "acct-017"]);
    assert!(out.contains("acct-017") && out.contains("1 of 1 install(s)"), "{out}");
}

/// Runs `jobber-app ARGS` against the test app's database; its standard output.
fn cli(app: &TestApp, args: &[&str]) -> String {
    let out =
        crate::support::run_command(&app.state.config.database_url, &app.state.config.data_dir, args, &[]);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Every text a merchant's customers' records hold that could identify someone: titles and any
/// string that looks like an email address or a phone number.
async fn customer_strings(app: &TestApp, account: &str) -> Vec<String> {
    let rows = sync_records::Entity::find()
        .filter(sync_records::Column::JobberAccountId.eq(account))
        .all(app.state.db.reader())
        .await
        .unwrap();
    let mut out = Vec::new();
    for r in rows {
        out.push(r.title.clone());
        if let Some(data) = r.data.as_deref() {
            let v: Value = serde_json::from_str(data).unwrap_or(Value::Null);
            collect_strings(&v, &mut out);
        }
    }
    out.retain(|s| s.len() >= 6);
    out
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.contains('@') || s.chars().filter(char::is_ascii_digit).count() >= 7 => {
            out.push(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn one_install_its_actions_and_no_customer_data_anywhere() {
    let app = TestApp::spawn().await;
    let account = app.account_id(GREEN);
    app.sandbox().faults().set_version_warning(Some("Version 2025-04-16 reaches its end of support soon"));
    app.connect(GREEN).await;
    // The first sync stores the merchant's clients, jobs, … (the data the console must never show).
    let titles = eventually(Duration::from_secs(60), "synced records", || async {
        let s = customer_strings(&app, &account).await;
        (s.len() > 20).then_some(s)
    })
    .await;

    let body = app.admin_graphql(&detail_query(), json!({"id": account})).await;
    let detail = &body["data"]["install"];
    let install = &detail["install"];
    assert_eq!(install["name"], GREEN, "{body}");
    assert_eq!(install["status"], "CONNECTED");
    assert!(install["connectedByName"].is_string());
    assert_eq!(install["resources"].as_array().unwrap().len(), 5);
    let timeline = detail["timeline"].as_array().unwrap();
    assert!(timeline.iter().any(|e| e["kind"] == "CONNECTED" && e["actor"] == "MERCHANT"), "{timeline:?}");

    // Sync now (full), audited as the operator's, and queued for every resource.
    let body = app
        .admin_graphql(
            "mutation($id: String!) { syncNow(jobberAccountId: $id, full: true) { message install { name } } }",
            json!({"id": account}),
        )
        .await;
    assert_eq!(body["data"]["syncNow"]["message"], format!("Queued a full resync of {GREEN}."), "{body}");

    // A dead letter, redriven: back to PENDING, and audited.
    let row = webhook_events::Entity::find()
        .filter(webhook_events::Column::JobberAccountId.eq(&account))
        .one(app.state.db.reader())
        .await
        .unwrap();
    let dead_id = match row {
        Some(r) => r.id,
        None => {
            seed_event(&app, &account, 1, EventStatus::Processed).await;
            webhook_events::Entity::find()
                .filter(webhook_events::Column::JobberAccountId.eq(&account))
                .one(app.state.db.reader())
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    webhook_events::Entity::update_many()
        .col_expr(webhook_events::Column::Status, sea_orm::sea_query::Expr::value(EventStatus::Dead))
        .filter(webhook_events::Column::Id.eq(dead_id))
        .exec(app.state.db.writer())
        .await
        .unwrap();
    let body = app.admin_graphql(&list_query(), json!({"first": 5})).await;
    assert_eq!(body["data"]["installs"]["installs"][0]["webhooksDead"], 1, "{body}");
    let body = app
        .admin_graphql(
            "mutation($id: String!) { redrive(jobberAccountId: $id) { message install { webhooksDead } } }",
            json!({"id": account}),
        )
        .await;
    assert_eq!(body["data"]["redrive"]["install"]["webhooksDead"], 0, "{body}");
    assert!(body["data"]["redrive"]["message"].as_str().unwrap().starts_with("Queued 1 dead-lettered"));

    // Fleet health: counts, the API version and Jobber's warning.
    let body = app
        .admin_graphql(
            "{ fleet { installs { status count } inboxPending inboxDead syncDue syncRunning syncFailing \
               webhookAck { samples p50Ms p99Ms } jobberApiVersion \
               versioningWarnings { message servedVersion firstSeenAt lastSeenAt } } }",
            json!({}),
        )
        .await;
    let fleet = &body["data"]["fleet"];
    assert_eq!(fleet["installs"][0], json!({"status": "CONNECTED", "count": 1}), "{body}");
    assert_eq!(fleet["inboxDead"], 0);
    assert_eq!(
        fleet["versioningWarnings"][0]["message"],
        "Version 2025-04-16 reaches its end of support soon"
    );
    assert_eq!(fleet["versioningWarnings"][0]["servedVersion"], "2025-04-16");

    // The operator disconnects: Jobber hears `appDisconnect`, the install ends, and the timeline
    // says who did it.
    let body = app
        .admin_graphql(
            "mutation($id: String!) { disconnect(jobberAccountId: $id) { message install { status disconnectedBy } } }",
            json!({"id": account}),
        )
        .await;
    assert_eq!(body["data"]["disconnect"]["install"]["status"], "DISCONNECTED", "{body}");
    assert_eq!(body["data"]["disconnect"]["install"]["disconnectedBy"], "OPERATOR");
    assert_eq!(app.sandbox().stats().app_disconnect_calls.get(&account), Some(&1));
    let body = app.admin_graphql(&detail_query(), json!({"id": account})).await;
    let timeline = body["data"]["install"]["timeline"].as_array().unwrap().clone();
    let kinds: Vec<(&str, &str)> =
        timeline.iter().map(|e| (e["kind"].as_str().unwrap(), e["actor"].as_str().unwrap())).collect();
    assert_eq!(kinds[0], ("DISCONNECTED", "OPERATOR"), "{kinds:?}");
    assert!(
        kinds.contains(&("REDRIVEN", "OPERATOR")) && kinds.contains(&("SYNC_REQUESTED", "OPERATOR")),
        "{kinds:?}"
    );
    // A second disconnect is a clear conflict, not a second call to Jobber.
    let body = app
        .admin_graphql(
            "mutation($id: String!) { disconnect(jobberAccountId: $id) { message } }",
            json!({"id": account}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body}");
    let body =
        app.admin_graphql("mutation { syncNow(jobberAccountId: \"nobody\") { message } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");

    // No customer data in any admin answer, nor in the CLI's.
    let mut answers = vec![
        app.admin_graphql(&detail_query(), json!({"id": account})).await.to_string(),
        app.admin_graphql(&list_query(), json!({"first": 100})).await.to_string(),
        app.admin_graphql("{ audit { entries { kind actor actorName detail accountName } } }", json!({}))
            .await
            .to_string(),
        cli(&app, &["installs", "list"]),
        cli(&app, &["installs", "show", &account]),
        cli(&app, &["audit", "--account", &account]),
    ];
    answers.push(app.metrics().await);
    for text in &answers {
        for s in &titles {
            assert!(!text.contains(s.as_str()), "customer data {s:?} in an admin answer: {text}");
        }
    }
    // The CLI shows what the console shows.
    let show = cli(&app, &["installs", "show", &account]);
    assert!(show.contains(GREEN) && show.contains("by OPERATOR"), "{show}");
    let audit = cli(&app, &["audit", "--account", &account]);
    assert!(audit.lines().next().unwrap().contains("DISCONNECTED"), "{audit}");
    assert!(audit.contains("SYNC_REQUESTED"), "{audit}");
    let later = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    let none = cli(&app, &["audit", "--account", &account, "--since", &later]);
    assert_eq!(none.trim(), "0 entries", "{none}");
}

#[tokio::test]
async fn the_audit_log_pages_and_filters() {
    let app = TestApp::spawn().await;
    for i in 0..12 {
        let account = format!("acct-{i}");
        seed_install(&app, &account, &format!("Business {i}"), ConnectionStatus::Connected).await;
        let body = app
            .admin_graphql(
                "mutation($id: String!) { syncNow(jobberAccountId: $id) { message } }",
                json!({"id": account}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let q = "query($a: String, $after: String, $since: DateTime) { audit(jobberAccountId: $a, first: 5, after: $after, since: $since) { nextCursor entries { id jobberAccountId kind actor } } }";
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app.admin_graphql(q, json!({"after": after})).await;
        let page = &body["data"]["audit"];
        ids.extend(
            page["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().parse::<i64>().unwrap()),
        );
        after = page["nextCursor"].clone();
        if after.is_null() {
            break;
        }
    }
    assert_eq!(ids.len(), 12);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let body = app.admin_graphql(q, json!({"a": "acct-3"})).await;
    assert_eq!(body["data"]["audit"]["entries"].as_array().unwrap().len(), 1);
    let future = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let body = app.admin_graphql(q, json!({"since": future})).await;
    assert_eq!(body["data"]["audit"]["entries"], json!([]));
}

#[test]
fn committed_admin_sdl_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/admin.graphql");
    let current = jobber_app::admin_api::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(path, &current).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == current,
        "backend/admin.graphql is stale: run `UPDATE_SCHEMA=1 cargo test -p jobber-app --test it committed_admin_sdl_is_current` and regenerate the console's types (`npm run codegen`)"
    );
}
