//! Issue 15, item 6: the audit log. Every lifecycle path writes its entry once, with the right
//! kind and actor; entries hold no token, code, secret or customer data; retention removes old
//! entries and nothing updates one.
use std::time::Duration;

use chrono::Utc;
use jobber_app::{
    db::{
        audit,
        entities::{audit_log, connections, webhook_events},
        enums::{Actor, AuditKind, EventStatus, Lane},
    },
    lifecycle::{self, DisconnectReason},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::support::{TestApp, client, eventually};

const GREEN: &str = "Green Thumb Landscaping";
const GREEN_ADMIN: &str = "Alex Green";
const SPARK: &str = "Spark Electric Co.";
const DISCONNECT: &str = "mutation { disconnect { disconnected jobberConfirmed } }";

/// Every entry, newest first (through the API others read with).
async fn entries(app: &TestApp) -> Vec<audit_log::Model> {
    audit::page(&app.state.db, None, None, None, 10_000).await.unwrap()
}

/// The entries of one account of `kind`, newest first.
async fn of_kind(app: &TestApp, account: &str, kind: AuditKind) -> Vec<audit_log::Model> {
    audit::page(&app.state.db, Some(account), None, None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .collect()
}

/// The one entry of one account of `kind`; fails when there is none or more than one.
async fn only(app: &TestApp, account: &str, kind: AuditKind) -> audit_log::Model {
    let mut found = of_kind(app, account, kind).await;
    assert_eq!(found.len(), 1, "exactly one {kind:?} entry for {account}: {:#?}", entries(app).await);
    found.remove(0)
}

/// Makes the stored access token look like it expires within the refresh margin (and lifts any
/// backoff), so the next call refreshes.
async fn expire_soon(app: &TestApp, name: &str) {
    let mut a: connections::ActiveModel = app.connection_row(name).await.into();
    a.token_expires_at = Set(Some(Utc::now() + chrono::Duration::seconds(30)));
    a.refresh_not_before = Set(None);
    a.update(app.state.db.writer()).await.unwrap();
}

/// The Manage App button: Jobber sends the browser to `/manage` with a fresh code (no `state`).
async fn manage_app_arrival(app: &TestApp, browser: &reqwest::Client, code: &str) {
    let res = browser.get(app.url(&format!("/manage?code={code}"))).send().await.unwrap();
    assert_eq!(res.status(), 303, "Manage App arrival");
    assert_eq!(res.headers()["location"], "/manage");
}

async fn inbox_rows(app: &TestApp) -> Vec<webhook_events::Model> {
    webhook_events::Entity::find().all(app.state.db.reader()).await.unwrap()
}

/// Waits until Jobber's APP_DISCONNECT for the account has been worked (applied or ignored).
async fn wait_app_disconnect_settled(app: &TestApp, account: &str) {
    eventually(Duration::from_secs(15), "APP_DISCONNECT to be worked", || async {
        inbox_rows(app)
            .await
            .iter()
            .any(|r| {
                r.topic == "APP_DISCONNECT"
                    && r.jobber_account_id == account
                    && EventStatus::SETTLED.contains(&r.status)
            })
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn connect_and_reconnect_are_audited_as_the_jobber_user() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let connected = only(&app, &account, AuditKind::Connected).await;
    assert_eq!(connected.actor, Actor::Merchant);
    assert_eq!(connected.actor_name.as_deref(), Some(GREEN_ADMIN));
    assert_eq!(connected.account_name.as_deref(), Some(GREEN));
    assert!((Utc::now() - connected.at).num_seconds() < 60, "{connected:?}");

    // Jobber stops accepting the tokens; the merchant connects again.
    let mut a: connections::ActiveModel = app.connection_row(GREEN).await.into();
    a.status = Set(jobber_app::db::enums::ConnectionStatus::NeedsReauth);
    a.access_token_ciphertext = Set(None);
    a.refresh_token_ciphertext = Set(None);
    a.update(app.state.db.writer()).await.unwrap();
    app.connect(GREEN).await;
    let reconnected = only(&app, &account, AuditKind::Reconnected).await;
    assert_eq!(reconnected.actor, Actor::Merchant);
    assert_eq!(reconnected.actor_name.as_deref(), Some(GREEN_ADMIN));
    assert!(reconnected.detail.contains("NEEDS_REAUTH"), "{reconnected:?}");
    assert!(reconnected.id > connected.id);
    // Still one CONNECTED: a reconnect is not a first connection.
    only(&app, &account, AuditKind::Connected).await;

    // Another account's connect is its own entry; paging and filters see each.
    app.connect_with(&client(), SPARK).await;
    let spark = app.account_id(SPARK);
    only(&app, &spark, AuditKind::Connected).await;
    let all = entries(&app).await;
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let first = audit::page(&app.state.db, None, None, None, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    let next = audit::page(&app.state.db, None, None, Some(first[1].id), 100).await.unwrap();
    assert_eq!(first.len() + next.len(), all.len());
    assert!(next.iter().all(|e| e.id < first[1].id));
    let green = audit::page(&app.state.db, Some(&account), None, None, 100).await.unwrap();
    assert!(green.iter().all(|e| e.jobber_account_id.as_deref() == Some(account.as_str())));
    assert_eq!(green.len(), 2, "{green:#?}");
    let since = audit::page(&app.state.db, None, Some(reconnected.at), None, 100).await.unwrap();
    assert!(since.iter().all(|e| e.at >= reconnected.at) && since.iter().any(|e| e.id == reconnected.id));
    let future = Utc::now() + chrono::Duration::hours(1);
    assert!(audit::page(&app.state.db, None, Some(future), None, 100).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_manage_app_arrival_is_audited_as_a_sign_in() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let generation = app.connection_row(GREEN).await.generation;

    // A second admin of the account arrives through Jobber's Manage App button.
    let user = app.sandbox().add_user(&account, "Robin", "Fern", "robin@greenthumb.example").unwrap();
    let code = app.sandbox().issue_code_for_user(&account, &user, &app.url("/auth/jobber/callback"));
    manage_app_arrival(&app, &client(), &code).await;
    assert_eq!(app.connection_row(GREEN).await.generation, generation, "only signed in");

    let signed_in = only(&app, &account, AuditKind::SignedIn).await;
    assert_eq!(signed_in.actor, Actor::Merchant);
    assert_eq!(signed_in.actor_name.as_deref(), Some("Robin Fern"), "the arriving user, not the owner");
    assert_eq!(signed_in.account_name.as_deref(), Some(GREEN));
    only(&app, &account, AuditKind::Connected).await;
    assert!(of_kind(&app, &account, AuditKind::Reconnected).await.is_empty());
}

#[tokio::test]
async fn a_marketplace_disconnect_is_audited_as_jobber() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    app.sandbox().marketplace_disconnect(&account).await;
    eventually(Duration::from_secs(15), "the APP_DISCONNECT webhook to disconnect the account", || async {
        (app.connection_row(GREEN).await.status == "DISCONNECTED").then_some(())
    })
    .await;
    wait_app_disconnect_settled(&app, &account).await;

    let entry = only(&app, &account, AuditKind::Disconnected).await;
    assert_eq!(entry.actor, Actor::Jobber);
    assert_eq!(entry.actor_name, None);
    assert!(entry.detail.contains("APP_DISCONNECT"), "{entry:?}");

    // A redelivery with another timestamp changes nothing and writes nothing.
    let again = (Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let body = crate::webhooks::event("APP_DISCONNECT", &account, &account, &again);
    let sig = crate::webhooks::sign(&body, "sandbox-client-secret");
    let res = client()
        .post(app.url("/webhooks/jobber"))
        .header("content-type", "application/json")
        .header("X-Jobber-Hmac-SHA256", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually(Duration::from_secs(15), "the redelivery to be worked", || async {
        let rows = inbox_rows(&app).await;
        let done = rows.iter().filter(|r| r.topic == "APP_DISCONNECT" && r.status == "PROCESSED").count();
        (done >= 2).then_some(())
    })
    .await;
    only(&app, &account, AuditKind::Disconnected).await;
}

#[tokio::test]
async fn our_disconnect_is_audited_as_the_merchant_once() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let body = app.graphql(DISCONNECT).await;
    assert_eq!(body["data"]["disconnect"], json!({"disconnected": true, "jobberConfirmed": true}), "{body}");
    // The sandbox answers our appDisconnect with APP_DISCONNECT too: a no-op, not a second entry.
    wait_app_disconnect_settled(&app, &account).await;

    let entry = only(&app, &account, AuditKind::Disconnected).await;
    assert_eq!(entry.actor, Actor::Merchant);
    assert_eq!(entry.actor_name.as_deref(), Some(GREEN_ADMIN), "the signed-in user pressed it");
    assert_eq!(entry.account_name.as_deref(), Some(GREEN));
    assert!(entry.detail.contains("Jobber confirmed"), "{entry:?}");
}

#[tokio::test]
async fn an_operator_disconnect_reaches_jobber_and_is_audited_as_the_operator() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    app.connect_with(&client(), SPARK).await;
    let account = app.account_id(GREEN);

    let outcome =
        lifecycle::disconnect(&app.state.tokens, &app.state.db, &account, DisconnectReason::Operator)
            .await
            .unwrap();
    assert!(outcome.jobber_confirmed, "{outcome:?}");
    let calls = app.sandbox().stats().app_disconnect_calls;
    assert_eq!(calls.get(&account), Some(&1), "Jobber saw appDisconnect: {calls:?}");
    assert_eq!(
        app.connection_row(GREEN).await.disconnect_source,
        Some(jobber_app::db::enums::DisconnectSource::Operator)
    );
    wait_app_disconnect_settled(&app, &account).await;
    let entry = only(&app, &account, AuditKind::Disconnected).await;
    assert_eq!(entry.actor, Actor::Operator);
    assert_eq!(entry.actor_name, None);
    assert!(entry.detail.contains("operator"), "{entry:?}");

    // With the operator's label (what the admin API passes).
    let spark = app.account_id(SPARK);
    lifecycle::disconnect_as(
        &app.state.tokens,
        &app.state.db,
        &spark,
        DisconnectReason::Operator,
        Some("ops on call"),
    )
    .await
    .unwrap();
    let entry = only(&app, &spark, AuditKind::Disconnected).await;
    assert_eq!((entry.actor, entry.actor_name.as_deref()), (Actor::Operator, Some("ops on call")));

    // Again: nothing left to clear, nothing written.
    lifecycle::disconnect(&app.state.tokens, &app.state.db, &account, DisconnectReason::Operator)
        .await
        .unwrap();
    only(&app, &account, AuditKind::Disconnected).await;
}

#[tokio::test]
async fn a_failing_refresh_is_audited_once_as_degraded_then_recovered() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    app.sandbox().faults().fail_token_next(1_000);
    // Several failed attempts (each after the backoff is lifted): one change of status.
    for _ in 0..3 {
        expire_soon(&app, GREEN).await;
        app.state.tokens.valid_access_token(&account).await.expect("the old token still works");
        assert_eq!(app.connection_row(GREEN).await.status, "DEGRADED");
    }
    assert!(app.connection_row(GREEN).await.refresh_failures >= 3);
    let degraded = only(&app, &account, AuditKind::Degraded).await;
    assert_eq!(degraded.actor, Actor::System);
    assert!(degraded.detail.contains("unavailable"), "{degraded:?}");
    assert!(of_kind(&app, &account, AuditKind::Recovered).await.is_empty());

    app.sandbox().faults().clear();
    expire_soon(&app, GREEN).await;
    app.state.tokens.valid_access_token(&account).await.expect("recovered");
    assert_eq!(app.connection_row(GREEN).await.status, "CONNECTED");
    let recovered = only(&app, &account, AuditKind::Recovered).await;
    assert_eq!(recovered.actor, Actor::System);
    assert!(recovered.id > degraded.id);

    // Plain refreshes afterwards are not audited.
    let before = entries(&app).await.len();
    for _ in 0..2 {
        expire_soon(&app, GREEN).await;
        app.state.tokens.valid_access_token(&account).await.unwrap();
    }
    assert_eq!(entries(&app).await.len(), before, "{:#?}", entries(&app).await);
}

#[tokio::test]
async fn jobber_refusing_the_tokens_is_audited_as_needs_reauth_by_jobber() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    // Someone redeems our refresh token behind our back: Jobber refuses the stored one.
    let row = app.connection_row(GREEN).await;
    let stolen = app
        .state
        .keys
        .tokens
        .decrypt(
            row.token_key_id.as_deref().unwrap(),
            &account,
            row.refresh_token_ciphertext.as_deref().unwrap(),
        )
        .unwrap();
    app.state.jobber.oauth.refresh(&stolen).await.expect("the thief's refresh works");
    expire_soon(&app, GREEN).await;
    assert!(app.state.tokens.valid_access_token(&account).await.is_err());
    assert!(app.state.tokens.valid_access_token(&account).await.is_err(), "asked again: no second entry");
    assert_eq!(app.connection_row(GREEN).await.status, "NEEDS_REAUTH");
    let entry = only(&app, &account, AuditKind::NeedsReauth).await;
    assert_eq!(entry.actor, Actor::Jobber);
    assert!(entry.detail.contains("refused"), "{entry:?}");

    // Jobber disconnected the app and its webhook never came: the next call learns it.
    app.connect_with(&client(), SPARK).await;
    let spark = app.account_id(SPARK);
    app.sandbox().set_webhook_url(None);
    app.sandbox().marketplace_disconnect(&spark).await;
    let client = &app.state.jobber.client;
    let id = spark.as_str();
    let res = app
        .state
        .tokens
        .with_token(id, |t| async move {
            client
                .execute::<jobber_graphql::operations::Account>(
                    id,
                    t.expose_secret(),
                    jobber_graphql::operations::account::Variables,
                    jobber_graphql::Priority::High,
                )
                .await
        })
        .await;
    assert!(res.is_err());
    assert_eq!(app.connection_row(SPARK).await.status, "NEEDS_REAUTH");
    let entry = only(&app, &spark, AuditKind::NeedsReauth).await;
    assert_eq!(entry.actor, Actor::Jobber);
}

#[tokio::test]
async fn key_rotation_is_one_operator_entry_naming_the_key_id_only() {
    let old_key = jobber_app::keys::crypto::TokenKey::generate_base64();
    let new_key = jobber_app::keys::crypto::TokenKey::generate_base64();
    let secret = "s".repeat(40);
    let a = TestApp::builder()
        .env("TOKEN_ENCRYPTION_KEY", old_key.clone())
        .env("SESSION_SECRET", secret.clone())
        .spawn()
        .await;
    a.connect(GREEN).await;
    a.connect_with(&client(), SPARK).await;
    let mut b = TestApp::builder()
        .same_database_as(&a)
        .env("TOKEN_ENCRYPTION_KEY", new_key.clone())
        .env("TOKEN_ENCRYPTION_KEY_PREVIOUS", old_key.clone())
        .env("SESSION_SECRET", secret);
    for (k, v) in a.jobber_env() {
        b = b.env(k, v);
    }
    let rotating = b.spawn().await;
    let before = entries(&a).await.len();
    let n = jobber_app::tokens::rotate_keys(&rotating.state.db, &rotating.state.keys.tokens).await.unwrap();
    assert_eq!(n, 2);

    let all = entries(&a).await;
    assert_eq!(all.len(), before + 1, "one entry for the run: {all:#?}");
    let rotated: Vec<_> = all.iter().filter(|e| e.kind == AuditKind::KeysRotated).collect();
    assert_eq!(rotated.len(), 1);
    let entry = rotated[0];
    assert_eq!(entry.actor, Actor::Operator);
    assert_eq!((entry.jobber_account_id.as_deref(), entry.account_name.as_deref()), (None, None));
    let key_id = rotating.state.keys.tokens.current.id();
    assert_eq!(entry.detail, format!("re-encrypted 2 connection(s) under key {key_id}"));
    for key in [&old_key, &new_key] {
        assert!(!entry.detail.contains(key.as_str()), "key material in {entry:?}");
    }
}

/// A dead-lettered lifecycle event of `account` (a harmless `APP_CONNECT` once redriven).
async fn dead_letter(app: &TestApp, account: &str) {
    let now = Utc::now();
    webhook_events::ActiveModel {
        dedupe_key: Set(format!("dead-{}", uuid::Uuid::new_v4().simple())),
        topic: Set("APP_CONNECT".into()),
        app_id: Set("app".into()),
        jobber_account_id: Set(account.to_owned()),
        item_id: Set(account.to_owned()),
        occurred_at: Set(now),
        received_at: Set(now),
        status: Set(EventStatus::Dead),
        attempts: Set(8),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(Some("boom".into())),
        processed_at: Set(None),
        lane: Set(Lane::Lifecycle),
        ..Default::default()
    }
    .insert(app.state.db.writer())
    .await
    .unwrap();
}

#[tokio::test]
async fn a_redrive_is_audited_per_account_as_the_operator() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let green = app.account_id(GREEN);
    let stranger = "bm9ib2R5";
    for _ in 0..2 {
        dead_letter(&app, &green).await;
    }
    dead_letter(&app, stranger).await;

    // `jobber-app webhooks redrive` (every account).
    assert_eq!(jobber_app::webhooks::worker::redrive(&app.state.db).await.unwrap(), 3);
    let entry = only(&app, &green, AuditKind::Redriven).await;
    assert_eq!((entry.actor, entry.actor_name.as_deref()), (Actor::Operator, None));
    assert_eq!(entry.account_name.as_deref(), Some(GREEN));
    assert_eq!(entry.detail, "re-queued 2 dead-lettered webhook event(s)");
    let entry = only(&app, stranger, AuditKind::Redriven).await;
    assert_eq!(entry.account_name, None, "an account the app never connected");
    assert_eq!(entry.detail, "re-queued 1 dead-lettered webhook event(s)");

    // Nothing left: the all-accounts run is still the operator's action, without an account.
    assert_eq!(jobber_app::webhooks::worker::redrive(&app.state.db).await.unwrap(), 0);
    let fleet: Vec<_> = entries(&app)
        .await
        .into_iter()
        .filter(|e| e.kind == AuditKind::Redriven && e.jobber_account_id.is_none())
        .collect();
    assert_eq!(fleet.len(), 1, "{fleet:#?}");
    assert_eq!(fleet[0].detail, "re-queued 0 dead-lettered webhook event(s)");
    only(&app, &green, AuditKind::Redriven).await;

    // One install's redrive (the console's action) with the operator's label.
    dead_letter(&app, &green).await;
    let n =
        jobber_app::db::inbox::redrive_as(&app.state.db, Some(&green), Some("ops on call")).await.unwrap();
    assert_eq!(n, 1);
    let mine = of_kind(&app, &green, AuditKind::Redriven).await;
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].actor_name.as_deref(), Some("ops on call"));
    assert_eq!(mine[0].detail, "re-queued 1 dead-lettered webhook event(s)");
}

/// An entry written `age` ago (inserted directly: nothing in the app backdates entries).
fn old_entry(n: usize, age: chrono::Duration) -> audit_log::ActiveModel {
    audit_log::ActiveModel {
        at: Set(Utc::now() - age),
        jobber_account_id: Set(Some(format!("old-{n}"))),
        account_name: Set(None),
        kind: Set(AuditKind::SignedIn),
        actor: Set(Actor::Merchant),
        actor_name: Set(None),
        detail: Set("signed in to the live connection".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn retention_prunes_old_audit_entries_and_nothing_updates_one() {
    let app = TestApp::spawn().await;
    let day = chrono::Duration::days(1);
    // More than one batch of expired entries, so the walk crosses batches.
    let expired = jobber_app::db::retention::BATCH as usize + 20;
    let rows: Vec<_> = (0..expired).map(|n| old_entry(n, day * 400)).collect();
    for chunk in rows.chunks(100) {
        audit_log::Entity::insert_many(chunk.to_vec()).exec(app.state.db.writer()).await.unwrap();
    }
    audit_log::Entity::insert(old_entry(10_000, day * 300)).exec(app.state.db.writer()).await.unwrap();
    app.connect(GREEN).await;
    let kept: Vec<i64> =
        entries(&app).await.into_iter().filter(|e| e.at > Utc::now() - day * 365).map(|e| e.id).collect();
    assert_eq!(kept.len(), 2, "the 300-day-old entry and the connect");

    // Nothing updates an entry: the database refuses it.
    let update = app.state.db.writer().execute_unprepared("UPDATE audit_log SET detail = 'changed'").await;
    assert!(update.is_err(), "an UPDATE of audit_log must fail");
    assert!(entries(&app).await.iter().all(|e| e.detail != "changed"));

    let db = &app.state.db;
    let retention = jobber_app::ops::Retention::from_config(&app.state.config);
    assert_eq!(
        retention.audit_log,
        Duration::from_secs(365 * 86_400),
        "AUDIT_RETENTION_DAYS defaults to 365"
    );
    let dry = jobber_app::ops::prune(db, retention, true).await.unwrap();
    assert_eq!(dry.audit_log, expired as u64);
    assert_eq!(entries(&app).await.len(), expired + 2, "a dry run removes nothing");

    // The command prints what it removed.
    let out = crate::support::run_command(
        &app.state.config.database_url,
        &app.state.config.data_dir,
        &["prune"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!(", {expired} audit entries older than 365 day(s)")), "{stdout}");
    let mut left: Vec<i64> = entries(&app).await.into_iter().map(|e| e.id).collect();
    left.sort_unstable();
    let mut kept = kept;
    kept.sort_unstable();
    assert_eq!(left, kept);
    assert_eq!(jobber_app::ops::prune(db, retention, false).await.unwrap().audit_log, 0);

    // A shorter retention reaches the 300-day-old entry too.
    let short = jobber_app::ops::Retention { audit_log: Duration::from_secs(200 * 86_400), ..retention };
    assert_eq!(jobber_app::ops::prune(db, short, false).await.unwrap().audit_log, 1);
    assert_eq!(entries(&app).await.len(), 1, "the connect's entry is recent");
}

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

/// The access token and refresh token stored for the account now, in clear.
fn stored_tokens(app: &TestApp, row: &connections::Model) -> Vec<String> {
    let (Some(kid), Some(a), Some(r)) =
        (&row.token_key_id, &row.access_token_ciphertext, &row.refresh_token_ciphertext)
    else {
        return Vec::new();
    };
    let keys = &app.state.keys.tokens;
    [a, r]
        .into_iter()
        .map(|ct| keys.decrypt(kid, &row.jobber_account_id, ct).unwrap().expose_secret().to_owned())
        .collect()
}

#[tokio::test]
async fn no_entry_holds_a_token_a_code_a_secret_or_customer_data() {
    let app = TestApp::builder().env("SANDBOX_RECORDS_PER_KIND", "5").spawn().await;
    let account = app.account_id(GREEN);
    let callback = app.url("/auth/jobber/callback");
    let mut secrets: Vec<String> = Vec::new();

    // Connect through the Manage App button, then a second browser signs in the same way.
    let merchant = client();
    let code = app.sandbox().issue_code(&account, &callback);
    manage_app_arrival(&app, &merchant, &code).await;
    secrets.push(code);
    let code = app.sandbox().issue_code(&account, &callback);
    manage_app_arrival(&app, &client(), &code).await;
    secrets.push(code);
    secrets.extend(stored_tokens(&app, &app.connection_row(GREEN).await));

    // The first sync brings the merchant's customers.
    let clients = eventually(Duration::from_secs(60), "the first sync's clients", || async {
        let body =
            graphql_as(&app, &merchant, "{ clients(first: 100) { nodes { name emails phones } } }").await;
        let nodes = body["data"]["clients"]["nodes"].as_array().cloned().unwrap_or_default();
        (!nodes.is_empty()).then_some(nodes)
    })
    .await;
    for c in &clients {
        secrets.push(c["name"].as_str().unwrap().to_owned());
        for v in c["emails"].as_array().unwrap().iter().chain(c["phones"].as_array().unwrap()) {
            secrets.push(v.as_str().unwrap().to_owned());
        }
    }

    // Refreshes fail for a while, then work again.
    app.sandbox().faults().fail_token_next(1_000);
    expire_soon(&app, GREEN).await;
    app.state.tokens.valid_access_token(&account).await.unwrap();
    app.sandbox().faults().clear();
    expire_soon(&app, GREEN).await;
    app.state.tokens.valid_access_token(&account).await.unwrap();
    secrets.extend(stored_tokens(&app, &app.connection_row(GREEN).await));

    // Disconnect from the app, reconnect, Jobber refuses the tokens, the merchant reconnects.
    assert_eq!(graphql_as(&app, &merchant, DISCONNECT).await["data"]["disconnect"]["disconnected"], true);
    wait_app_disconnect_settled(&app, &account).await;
    let code = app.sandbox().issue_code(&account, &callback);
    manage_app_arrival(&app, &merchant, &code).await;
    secrets.push(code);
    let row = app.connection_row(GREEN).await;
    let stolen = stored_tokens(&app, &row);
    secrets.extend(stolen.iter().cloned());
    app.state.jobber.oauth.refresh(&secrecy::SecretString::from(stolen[1].clone())).await.unwrap();
    expire_soon(&app, GREEN).await;
    assert!(app.state.tokens.valid_access_token(&account).await.is_err());
    let code = app.sandbox().issue_code(&account, &callback);
    manage_app_arrival(&app, &merchant, &code).await;
    secrets.push(code);
    secrets.extend(stored_tokens(&app, &app.connection_row(GREEN).await));

    // Operator actions, the last one a disconnect. (Jobber's Marketplace disconnect has its own
    // test: so soon after the previous disconnect, its APP_DISCONNECT reads as that one's echo.)
    dead_letter(&app, &account).await;
    jobber_app::webhooks::worker::redrive(&app.state.db).await.unwrap();
    jobber_app::tokens::rotate_keys(&app.state.db, &app.state.keys.tokens).await.unwrap();
    lifecycle::disconnect_as(
        &app.state.tokens,
        &app.state.db,
        &account,
        DisconnectReason::Operator,
        Some("ops"),
    )
    .await
    .unwrap();

    let all = entries(&app).await;
    let kinds: std::collections::HashSet<AuditKind> = all.iter().map(|e| e.kind).collect();
    for kind in [
        AuditKind::Connected,
        AuditKind::SignedIn,
        AuditKind::Degraded,
        AuditKind::Recovered,
        AuditKind::Disconnected,
        AuditKind::Reconnected,
        AuditKind::NeedsReauth,
        AuditKind::Redriven,
        AuditKind::KeysRotated,
    ] {
        assert!(kinds.contains(&kind), "the flow wrote a {kind:?} entry: {all:#?}");
    }
    secrets.push(app.sandbox().config().client_secret.clone());
    secrets.push("alex@greenthumb.example".to_owned());
    secrets.retain(|s| s.len() >= 4);
    assert!(secrets.len() > 10, "{secrets:?}");
    for e in &all {
        let text = [Some(e.detail.as_str()), e.actor_name.as_deref(), e.account_name.as_deref()];
        for secret in &secrets {
            for field in text.iter().flatten() {
                assert!(!field.contains(secret.as_str()), "entry {} holds {secret:?}: {e:?}", e.id);
            }
        }
    }
}
