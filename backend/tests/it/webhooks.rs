//! Issue 5: the webhook endpoint, the inbox, processing, disconnect from both sides.
use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{TestApp, client, eventually};
use jobber_app::db::entities::webhook_events;

const SECRET: &str = "sandbox-client-secret";
const GREEN: &str = "Green Thumb Landscaping";
const SPARK: &str = "Spark Electric Co.";

pub fn sign(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    B64.encode(mac.finalize().into_bytes())
}

pub fn event(topic: &str, account: &str, item: &str, occurred_at: &str) -> Vec<u8> {
    json!({"data": {"webHookEvent": {"topic": topic, "appId": "app", "accountId": account, "itemId": item, "occurredAt": occurred_at}}})
        .to_string()
        .into_bytes()
}

async fn post(app: &TestApp, body: Vec<u8>, signature: Option<String>) -> u16 {
    let mut req =
        client().post(app.url("/webhooks/jobber")).header("content-type", "application/json").body(body);
    if let Some(sig) = signature {
        req = req.header("X-Jobber-Hmac-SHA256", sig);
    }
    req.send().await.unwrap().status().as_u16()
}

async fn post_signed(app: &TestApp, body: Vec<u8>) -> u16 {
    let sig = sign(&body, SECRET);
    post(app, body, Some(sig)).await
}

async fn inbox_rows(app: &TestApp) -> Vec<webhook_events::Model> {
    webhook_events::Entity::find().all(app.state.db.writer()).await.unwrap()
}

async fn wait_processed(app: &TestApp, dedupe_count: usize) -> Vec<webhook_events::Model> {
    eventually(Duration::from_secs(15), "inbox events to be processed", || async {
        let rows = inbox_rows(app).await;
        (rows.len() >= dedupe_count
            && rows.iter().all(|r| r.status != "PENDING" || !r.topic.starts_with("APP_")))
        .then_some(rows)
    })
    .await
}

#[tokio::test]
async fn signatures_are_checked_over_the_raw_bytes() {
    let app = TestApp::builder().env("JOBBER_CLIENT_SECRET_PREVIOUS", "previous-secret").spawn().await;
    let body = event("CLIENT_UPDATE", "QQ==", "SQ==", "2026-11-28T12:00:00Z");
    let good = sign(&body, SECRET);
    let hex: String = B64.decode(&good).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    let mut one_byte = body.clone();
    *one_byte.last_mut().unwrap() = b' ';
    // The same JSON re-serialised (pretty-printed) is different bytes: its signature must not pass
    // for the compact body, and vice versa.
    let reserialised = serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    for (what, b, sig) in [
        ("missing", body.clone(), None),
        ("wrong secret", body.clone(), Some(sign(&body, "wrong"))),
        ("hex instead of base64", body.clone(), Some(hex)),
        ("truncated", body.clone(), Some(good[..good.len() - 4].to_owned())),
        ("body changed by one byte", one_byte, Some(good.clone())),
        ("signature over re-serialised JSON", body.clone(), Some(sign(&reserialised, SECRET))),
        ("re-serialised body, original signature", reserialised.clone(), Some(good.clone())),
    ] {
        assert_eq!(post(&app, b, sig).await, 401, "{what}");
    }
    assert!(inbox_rows(&app).await.is_empty(), "nothing stored for bad signatures");
    assert_eq!(post(&app, body.clone(), Some(good)).await, 200, "valid");
    let other = event("CLIENT_UPDATE", "QQ==", "SQ==", "2026-11-28T12:00:01Z");
    assert_eq!(
        post(&app, other.clone(), Some(sign(&other, "previous-secret"))).await,
        200,
        "previous secret during a roll"
    );
    assert_eq!(inbox_rows(&app).await.len(), 2);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_store_nothing() {
    let app = TestApp::spawn().await;
    for (what, body) in [
        ("empty", b"".to_vec()),
        ("not JSON", b"hello".to_vec()),
        ("no webHookEvent", br#"{"data":{}}"#.to_vec()),
        ("no accountId", br#"{"data":{"webHookEvent":{"topic":"CLIENT_CREATE","appId":"a","itemId":"SQ==","occurredAt":"2026-11-28T12:00:00Z"}}}"#.to_vec()),
    ] {
        assert_eq!(post_signed(&app, body).await, 400, "{what}");
    }
    let huge = format!(r#"{{"pad":"{}"}}"#, "x".repeat(300 * 1024)).into_bytes();
    assert_eq!(post_signed(&app, huge).await, 413);
    assert!(inbox_rows(&app).await.is_empty());

    // Both spellings of occurredAt are accepted, and describe the same event.
    let new = event("CLIENT_UPDATE", "QQ==", "SQ==", "2026-11-28T12:00:00Z");
    let old = String::from_utf8(event("CLIENT_UPDATE", "QQ==", "SQ==", "2026-11-28T12:00:00Z"))
        .unwrap()
        .replace("occurredAt", "occuredAt");
    assert_eq!(post_signed(&app, new).await, 200);
    assert_eq!(post_signed(&app, old.into_bytes()).await, 200);
    assert_eq!(inbox_rows(&app).await.len(), 1, "the legacy spelling dedupes against the new one");
    let metrics = app.metrics().await;
    for outcome in ["accepted", "duplicate", "malformed", "too_large"] {
        assert!(
            metrics.contains(&format!(r#"webhook_deliveries_total{{outcome="{outcome}"}}"#)),
            "{outcome}: {metrics}"
        );
    }
}

#[tokio::test]
async fn the_jobber_fixtures_are_accepted_with_their_real_signatures() {
    let app = TestApp::builder().env("JOBBER_CLIENT_SECRET_PREVIOUS", "example-client-secret").spawn().await;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/jobber");
    let sigs: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/webhook-signatures.json")).unwrap())
            .unwrap();
    for (file, sig) in sigs["signatures"].as_object().unwrap() {
        let body = std::fs::read(format!("{dir}/{file}")).unwrap();
        assert_eq!(post(&app, body, Some(sig.as_str().unwrap().to_owned())).await, 200, "{file}");
    }
}

#[tokio::test]
async fn unknown_topics_and_accounts_get_200_and_are_ignored() {
    let app = TestApp::spawn().await;
    assert_eq!(post_signed(&app, event("SOMETHING_NEW", "QQ==", "SQ==", "2026-11-28T12:00:00Z")).await, 200);
    assert_eq!(
        post_signed(&app, event("APP_DISCONNECT", "bm9ib2R5", "bm9ib2R5", "2026-11-28T12:00:00Z")).await,
        200
    );
    let rows = wait_processed(&app, 2).await;
    assert!(rows.iter().all(|r| r.status == "IGNORED"), "{rows:?}");
}

#[tokio::test]
async fn events_needing_no_work_are_settled_when_recorded() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let at = "2026-11-28T12:00:00Z";
    for body in [
        event("CLIENT_UPDATE", "bm9ib2R5", "Q2xpZW50LzE=", at),
        event("SOMETHING_NEW", &account, "SQ==", at),
        event("CLIENT_UPDATE", &account, "Q2xpZW50LzI=", at),
    ] {
        assert_eq!(post_signed(&app, body).await, 200);
    }
    // Read at once after the 200s: settled rows need no worker, and each says why.
    let rows = inbox_rows(&app).await;
    let row = |topic: &str, item: &str| rows.iter().find(|r| r.topic == topic && r.item_id == item).unwrap();
    let unknown_account = row("CLIENT_UPDATE", "Q2xpZW50LzE=");
    assert_eq!(unknown_account.status, "IGNORED");
    assert_eq!(unknown_account.last_error.as_deref(), Some("account not connected"));
    assert!(unknown_account.processed_at.is_some());
    assert_eq!(
        row("SOMETHING_NEW", "SQ==").last_error.as_deref(),
        Some("not a topic in Jobber's WebHookTopicEnum")
    );
    // The connected account's data event is queued for the sync consumer (in its lane).
    let queued = row("CLIENT_UPDATE", "Q2xpZW50LzI=");
    assert_eq!(queued.lane, "data");
    assert_ne!(queued.status, "IGNORED", "{queued:?}");
}

#[tokio::test]
async fn fifty_concurrent_identical_deliveries_make_one_row_and_one_effect() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let generation = app.connection_row(GREEN).await.generation;
    let later = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let body = event("APP_DISCONNECT", &account, &account, &later);
    let sends: Vec<_> = (0..50).map(|_| post_signed(&app, body.clone())).collect();
    let statuses = futures::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let rows: Vec<_> =
        wait_processed(&app, 1).await.into_iter().filter(|r| r.topic == "APP_DISCONNECT").collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].status, "PROCESSED");
    let row = app.connection_row(GREEN).await;
    assert_eq!(row.status, "DISCONNECTED");
    assert_eq!(row.generation, generation + 1, "the disconnect took effect exactly once");
}

const DISCONNECT: &str = "mutation { disconnect { disconnected jobberConfirmed message } }";

#[tokio::test]
async fn our_disconnect_calls_app_disconnect_with_the_right_token_and_clears_everything() {
    let app = TestApp::spawn().await;
    let spark = client();
    app.connect_with(&spark, SPARK).await;
    app.connect(GREEN).await;
    let body = app.graphql(DISCONNECT).await;
    assert_eq!(
        body["data"]["disconnect"],
        json!({"disconnected": true, "jobberConfirmed": true, "message": "Disconnected from Jobber."})
    );
    let calls = app.sandbox().stats().app_disconnect_calls;
    assert_eq!(calls.get(&app.account_id(GREEN)), Some(&1), "{calls:?}");
    assert_eq!(calls.get(&app.account_id(SPARK)), None, "{calls:?}");
    let row = app.connection_row(GREEN).await;
    assert_eq!(row.status, "DISCONNECTED");
    assert!(row.access_token_ciphertext.is_none() && row.refresh_token_ciphertext.is_none());
    assert_eq!(app.graphql("{ connection { status } }").await["data"]["connection"], Value::Null);
    // The other merchant is untouched.
    assert_eq!(app.connection_row(SPARK).await.status, "CONNECTED");

    // Jobber then sends APP_DISCONNECT (the sandbox does, after appDisconnect): a harmless no-op.
    let rows = eventually(Duration::from_secs(10), "APP_DISCONNECT to arrive and be processed", || async {
        let rows = inbox_rows(&app).await;
        rows.iter().any(|r| r.topic == "APP_DISCONNECT" && r.status != "PENDING").then_some(rows)
    })
    .await;
    assert!(rows.iter().all(|r| r.status != "FAILED" && r.status != "DEAD"), "{rows:?}");
    assert_eq!(app.connection_row(GREEN).await.status, "DISCONNECTED");
}

#[tokio::test]
async fn disconnect_still_clears_local_state_when_jobber_is_down_or_the_token_is_revoked() {
    // Jobber down.
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    app.sandbox().faults().fail_graphql_next(20);
    let body = app.graphql(DISCONNECT).await;
    assert_eq!(body["data"]["disconnect"]["disconnected"], true, "{body}");
    assert_eq!(body["data"]["disconnect"]["jobberConfirmed"], false, "{body}");
    assert!(body["data"]["disconnect"]["message"].as_str().unwrap().contains("could not confirm"));
    assert_eq!(app.connection_row(GREEN).await.status, "DISCONNECTED");
    app.sandbox().faults().clear();

    // Token revoked (Jobber already disconnected us, and its webhook never came).
    app.connect(SPARK).await;
    app.sandbox().set_webhook_url(None);
    app.sandbox().marketplace_disconnect(&app.account_id(SPARK)).await;
    let body = app.graphql(DISCONNECT).await;
    assert_eq!(body["data"]["disconnect"]["disconnected"], true, "{body}");
    assert_eq!(body["data"]["disconnect"]["jobberConfirmed"], false, "{body}");
    let row = app.connection_row(SPARK).await;
    assert_eq!(row.status, "DISCONNECTED");
    assert!(row.refresh_token_ciphertext.is_none());
}

#[tokio::test]
async fn app_disconnect_webhook_before_twice_and_after_reconnect() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);

    // Marketplace Disconnect: Jobber kills the tokens and sends APP_DISCONNECT.
    app.sandbox().marketplace_disconnect(&account).await;
    eventually(Duration::from_secs(10), "the webhook to disconnect the account", || async {
        (app.connection_row(GREEN).await.status == "DISCONNECTED").then_some(())
    })
    .await;
    assert_eq!(
        app.graphql("{ connection { status } }").await["data"]["connection"],
        Value::Null,
        "session died"
    );
    // Our own disconnect afterwards: the session is gone, nothing breaks.
    assert_eq!(app.graphql(DISCONNECT).await["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // A second APP_DISCONNECT (a redelivery with another timestamp) is a no-op.
    let again = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    assert_eq!(post_signed(&app, event("APP_DISCONNECT", &account, &account, &again)).await, 200);
    wait_processed(&app, 3).await;

    // Reconnect; a late APP_DISCONNECT that happened before the reconnect must not end it.
    let before_reconnect = (chrono::Utc::now() - chrono::Duration::seconds(30)).to_rfc3339();
    app.connect(GREEN).await;
    assert_eq!(post_signed(&app, event("APP_DISCONNECT", &account, &account, &before_reconnect)).await, 200);
    let rows = wait_processed(&app, 4).await;
    assert!(rows.iter().all(|r| r.status == "PROCESSED" || r.status == "IGNORED"), "{rows:?}");
    assert!(
        rows.iter().any(|r| r.last_error.as_deref() == Some("predates the current connection")),
        "{rows:?}"
    );
    assert_eq!(app.graphql("{ connection { status } }").await["data"]["connection"]["status"], "CONNECTED");
}

#[tokio::test]
async fn webhook_events_are_listed_for_the_session_account_with_paging() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    for i in 0..5 {
        assert_eq!(
            post_signed(&app, event("CLIENT_UPDATE", &account, &format!("item{i}"), "2026-11-28T12:00:00Z"))
                .await,
            200
        );
    }
    let page = app.graphql("{ webhookEvents(first: 3) { nodes { topic itemId status attempts } pageInfo { hasNextPage endCursor } } }").await;
    let nodes = page["data"]["webhookEvents"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{page}");
    assert_eq!(page["data"]["webhookEvents"]["pageInfo"]["hasNextPage"], true);
    let cursor = page["data"]["webhookEvents"]["pageInfo"]["endCursor"].as_str().unwrap();
    let next = app
        .graphql_vars(
            "query($a: String) { webhookEvents(first: 10, after: $a) { nodes { itemId } pageInfo { hasNextPage } } }",
            json!({"a": cursor}),
        )
        .await;
    // APP_CONNECT from the connect itself is listed too.
    let more = next["data"]["webhookEvents"]["nodes"].as_array().unwrap().len();
    assert!(more >= 2, "{next}");
    assert_eq!(next["data"]["webhookEvents"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn dead_letters_are_redriven() {
    let app = TestApp::spawn().await;
    let row = webhook_events::ActiveModel {
        dedupe_key: Set("dead-one".into()),
        topic: Set("APP_CONNECT".into()),
        app_id: Set("app".into()),
        jobber_account_id: Set("QQ==".into()),
        item_id: Set("QQ==".into()),
        occurred_at: Set(chrono::Utc::now()),
        received_at: Set(chrono::Utc::now()),
        status: Set(jobber_app::db::enums::EventStatus::Dead),
        attempts: Set(8),
        next_attempt_at: Set(chrono::Utc::now()),
        locked_until: Set(None),
        last_error: Set(Some("boom".into())),
        processed_at: Set(None),
        lane: Set(jobber_app::db::enums::Lane::Lifecycle),
        ..Default::default()
    }
    .insert(app.state.db.writer())
    .await
    .unwrap();
    assert_eq!(jobber_app::webhooks::worker::redrive(&app.state.db).await.unwrap(), 1);
    app.state.inbox.new_lifecycle.notify_waiters();
    eventually(Duration::from_secs(10), "the redriven event to be processed", || async {
        let r = webhook_events::Entity::find_by_id(row.id).one(app.state.db.writer()).await.unwrap().unwrap();
        (r.status == "PROCESSED").then_some(())
    })
    .await;
    let dead = webhook_events::Entity::find()
        .filter(webhook_events::Column::Status.eq("DEAD"))
        .count(app.state.db.writer())
        .await
        .unwrap();
    assert_eq!(dead, 0);
}

#[tokio::test]
async fn failing_events_are_retried_then_dead_lettered() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    // Make applying APP_DISCONNECT fail: the sessions table is gone.
    app.state.db.writer().execute_unprepared("DROP TABLE sessions").await.unwrap();
    let later = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    assert_eq!(post_signed(&app, event("APP_DISCONNECT", &account, &account, &later)).await, 200);
    let failed = eventually(Duration::from_secs(10), "the first failed attempt", || async {
        inbox_rows(&app).await.into_iter().find(|r| r.topic == "APP_DISCONNECT" && r.status == "FAILED")
    })
    .await;
    assert_eq!(failed.attempts, 1);
    assert!(failed.last_error.is_some());
    assert!(failed.next_attempt_at > chrono::Utc::now(), "retried later, with backoff");

    // The last allowed attempt fails too: the event is parked as a dead letter.
    let mut row: webhook_events::ActiveModel = failed.into();
    row.attempts = Set(jobber_app::webhooks::worker::MAX_ATTEMPTS - 1);
    row.next_attempt_at = Set(chrono::Utc::now());
    let row = row.update(app.state.db.writer()).await.unwrap();
    app.state.inbox.new_lifecycle.notify_waiters();
    let dead = eventually(Duration::from_secs(10), "the dead letter", || async {
        let r = webhook_events::Entity::find_by_id(row.id).one(app.state.db.writer()).await.unwrap().unwrap();
        (r.status == "DEAD").then_some(r)
    })
    .await;
    assert_eq!(dead.attempts, jobber_app::webhooks::worker::MAX_ATTEMPTS);
    let metrics = app.metrics().await;
    assert!(metrics.contains(r#"webhook_inbox_events{status="DEAD"} 1"#), "{metrics}");
}

#[tokio::test]
async fn a_late_duplicate_of_a_processed_data_event_fetches_the_item_again() {
    // Jobber's occurredAt has whole seconds: two updates of one item in the same second look
    // exactly like a redelivery, so a duplicate that comes after processing re-reads the item.
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let item = app
        .sandbox()
        .create_record(&account, jobber_sandbox::RecordKind::Client, Default::default())
        .await
        .unwrap();
    let body = event("CLIENT_UPDATE", &account, &item, "2026-11-28T12:00:00Z");
    let processed = || async {
        let rows = inbox_rows(&app).await;
        rows.into_iter().find(|r| r.topic == "CLIENT_UPDATE" && r.status == "PROCESSED")
    };
    assert_eq!(post_signed(&app, body.clone()).await, 200);
    let first = eventually(Duration::from_secs(15), "the update to be processed", processed).await;
    let fetches_before = app.sandbox().stats().graphql_requests;
    assert_eq!(post_signed(&app, body).await, 200);
    eventually(Duration::from_secs(15), "the duplicate to be processed again", || async {
        let r =
            webhook_events::Entity::find_by_id(first.id).one(app.state.db.writer()).await.unwrap().unwrap();
        (r.status == "PROCESSED" && r.processed_at > first.processed_at).then_some(())
    })
    .await;
    assert!(app.sandbox().stats().graphql_requests > fetches_before, "the item was fetched again");
    assert_eq!(
        inbox_rows(&app).await.iter().filter(|r| r.topic == "CLIENT_UPDATE").count(),
        1,
        "still one row"
    );
}
