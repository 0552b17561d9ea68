//! Issue 4: tokens at rest, the refresh storm (one process and two instances), refresh outcomes,
//! key rotation.
use chrono::Utc;
use jobber_app::{db::entities::connections, tokens::TokenFailure};
use jobber_graphql::{
    Priority,
    operations::{Account, account},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use secrecy::ExposeSecret;

use crate::support::{TestApp, postgres_admin_url};

const GREEN: &str = "Green Thumb Landscaping";
const SPARK: &str = "Spark Electric Co.";

/// Makes the stored token look like it expires within the refresh margin.
async fn expire_soon(app: &TestApp, name: &str) {
    let row = app.connection_row(name).await;
    let mut a: connections::ActiveModel = row.into();
    a.token_expires_at = Set(Some(Utc::now() + chrono::Duration::seconds(30)));
    a.update(app.state.db.writer()).await.unwrap();
}

fn refreshes(app: &TestApp) -> u64 {
    app.sandbox().stats().refresh_requests
}

/// `n` concurrent callers ask for a token; returns the distinct tokens they got.
async fn storm(apps: &[&TestApp], n: usize, account_id: &str) -> Vec<String> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let state = apps[i % apps.len()].state.clone();
        let account = account_id.to_owned();
        tasks.push(tokio::spawn(async move { state.tokens.valid_access_token(&account).await }));
    }
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap().expect("every caller gets a token").token.expose_secret().to_owned());
    }
    got.sort();
    got.dedup();
    got
}

async fn token_works(app: &TestApp, account_id: &str, token: &str) {
    let res = app
        .state
        .jobber
        .client
        .execute::<Account>(account_id, token, account::Variables, Priority::High)
        .await;
    assert_eq!(res.expect("the token works").data.account.unwrap().id, account_id);
}

#[tokio::test]
async fn token_columns_are_not_plaintext() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let row = app.connection_row(GREEN).await;
    let token = app.state.tokens.valid_access_token(&row.jobber_account_id).await.unwrap();
    let (a, r) = (row.access_token_ciphertext.unwrap(), row.refresh_token_ciphertext.unwrap());
    assert!(
        !a.contains(token.token.expose_secret()) && !a.starts_with("eyJ"),
        "access token stored in plaintext"
    );
    assert!(!r.chars().all(|c| c.is_ascii_hexdigit()), "refresh token looks like plaintext hex");
    assert_eq!(row.token_key_id.as_deref(), Some(app.state.keys.tokens.current.id()));
}

#[tokio::test]
async fn refresh_storm_makes_exactly_one_token_request_every_time() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    for round in 0..10 {
        expire_soon(&app, GREEN).await;
        let before = refreshes(&app);
        let got = storm(&[&app], 200, &account).await;
        assert_eq!(refreshes(&app) - before, 1, "round {round}: exactly one refresh");
        assert_eq!(got.len(), 1, "round {round}: everyone got the same new token");
        token_works(&app, &account, &got[0]).await;
    }
    let row = app.connection_row(GREEN).await;
    assert_eq!(row.status, "CONNECTED");
    assert!(row.last_refresh_at.is_some());
}

#[tokio::test]
async fn refresh_storm_across_two_instances_on_postgres() {
    if postgres_admin_url().is_none() {
        eprintln!(
            "two-instance storm needs PostgreSQL (TEST_DATABASE_URL); SQLite deployments run one instance"
        );
        return;
    }
    let a = TestApp::spawn().await;
    a.connect(GREEN).await;
    let mut builder = TestApp::builder().same_database_as(&a);
    for (k, v) in a.jobber_env() {
        builder = builder.env(k, v);
    }
    let b = builder.spawn().await;
    let account = a.account_id(GREEN);
    for round in 0..10 {
        expire_soon(&a, GREEN).await;
        let before = refreshes(&a);
        let got = storm(&[&a, &b], 200, &account).await;
        assert_eq!(refreshes(&a) - before, 1, "round {round}: exactly one refresh across both instances");
        assert_eq!(got.len(), 1, "round {round}");
        token_works(&a, &account, &got[0]).await;
    }
}

#[tokio::test]
async fn a_401_triggers_one_refresh_and_a_retry() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    app.sandbox().expire_access_tokens(&account);
    let before = refreshes(&app);
    let client = &app.state.jobber.client;
    let id = account.as_str();
    let acct = app
        .state
        .tokens
        .with_token(id, |t| async move {
            client.execute::<Account>(id, t.expose_secret(), account::Variables, Priority::High).await
        })
        .await
        .expect("retried with a fresh token");
    assert_eq!(acct.data.account.unwrap().name, GREEN);
    assert_eq!(refreshes(&app) - before, 1);
}

#[tokio::test]
async fn transient_token_failure_keeps_the_connection_usable() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    let old = app.state.tokens.valid_access_token(&account).await.unwrap();
    expire_soon(&app, GREEN).await;
    app.sandbox().faults().fail_token_next(3);

    // The token still works for 30 s: the caller gets it; the connection shows DEGRADED.
    let got = app.state.tokens.valid_access_token(&account).await.expect("old token still valid");
    assert_eq!(got.token.expose_secret(), old.token.expose_secret());
    let row = app.connection_row(GREEN).await;
    assert_eq!(row.status, "DEGRADED");
    assert!(row.last_error.as_deref().unwrap().contains("unavailable"), "{:?}", row.last_error);
    assert!(row.refresh_token_ciphertext.is_some(), "tokens are never wiped on a transient error");

    // Fully expired and Jobber still down: a clear error, tokens kept.
    let mut a: connections::ActiveModel = row.into();
    a.token_expires_at = Set(Some(Utc::now() - chrono::Duration::seconds(1)));
    a.refresh_not_before = Set(None);
    a.update(app.state.db.writer()).await.unwrap();
    assert!(matches!(app.state.tokens.valid_access_token(&account).await, Err(TokenFailure::Unavailable(_))));
    assert!(app.connection_row(GREEN).await.refresh_token_ciphertext.is_some());

    // Jobber recovers; once the backoff has passed, the next call refreshes and all is well.
    app.sandbox().faults().clear();
    let mut a: connections::ActiveModel = app.connection_row(GREEN).await.into();
    a.refresh_not_before = Set(Some(Utc::now() - chrono::Duration::seconds(1)));
    a.update(app.state.db.writer()).await.unwrap();
    let fresh = app.state.tokens.valid_access_token(&account).await.expect("recovered");
    token_works(&app, &account, fresh.token.expose_secret()).await;
    let row = app.connection_row(GREEN).await;
    assert_eq!(row.status, "CONNECTED");
    assert_eq!(row.last_error, None);
}

#[tokio::test]
async fn a_rotated_away_refresh_token_leads_to_needs_reauth() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    let account = app.account_id(GREEN);
    // Someone redeems our refresh token behind our back: the stored one is now dead.
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

    assert!(matches!(app.state.tokens.valid_access_token(&account).await, Err(TokenFailure::NeedsReauth)));
    let row = app.connection_row(GREEN).await;
    assert_eq!(row.status, "NEEDS_REAUTH");
    assert!(row.access_token_ciphertext.is_none() && row.refresh_token_ciphertext.is_none(), "tokens wiped");
    assert_eq!(
        row.last_error.as_deref(),
        Some("Jobber no longer accepts this connection. Reconnect Jobber.")
    );
    let body = app.graphql("{ connection { status lastError } }").await;
    assert_eq!(body["data"]["connection"]["status"], "NEEDS_REAUTH", "{body}");
    assert_eq!(
        body["data"]["connection"]["lastError"],
        "Jobber no longer accepts this connection. Reconnect Jobber."
    );

    // Reconnecting clears it.
    app.connect(GREEN).await;
    assert_eq!(app.graphql("{ connection { status } }").await["data"]["connection"]["status"], "CONNECTED");
}

#[tokio::test]
async fn ciphertext_moved_to_another_account_does_not_decrypt() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    app.connect(SPARK).await;
    let green = app.connection_row(GREEN).await;
    let mut spark: connections::ActiveModel = app.connection_row(SPARK).await.into();
    spark.access_token_ciphertext = Set(green.access_token_ciphertext.clone());
    spark.update(app.state.db.writer()).await.unwrap();
    let res = app.state.tokens.valid_access_token(&app.account_id(SPARK)).await;
    assert!(matches!(res, Err(TokenFailure::Crypto(_))), "{:?}", res.err());
}

#[tokio::test]
async fn rotate_keys_leaves_tokens_decryptable_under_the_new_key_only() {
    let old_key = jobber_app::keys::crypto::TokenKey::generate_base64();
    let new_key = jobber_app::keys::crypto::TokenKey::generate_base64();
    let secret = "s".repeat(40);
    let a = TestApp::builder()
        .env("TOKEN_ENCRYPTION_KEY", old_key.clone())
        .env("SESSION_SECRET", secret.clone())
        .spawn()
        .await;
    a.connect(GREEN).await;
    a.connect(SPARK).await;
    let green_token = a.state.tokens.valid_access_token(&a.account_id(GREEN)).await.unwrap();

    let with = |current: &str, previous: Option<&str>| {
        let mut b = TestApp::builder()
            .same_database_as(&a)
            .env("TOKEN_ENCRYPTION_KEY", current)
            .env("SESSION_SECRET", secret.clone());
        if let Some(p) = previous {
            b = b.env("TOKEN_ENCRYPTION_KEY_PREVIOUS", p);
        }
        for (k, v) in a.jobber_env() {
            b = b.env(k, v);
        }
        b.spawn()
    };
    // The operator's command, as the README runs it (the old key in TOKEN_ENCRYPTION_KEY_PREVIOUS).
    let rotate = || {
        let out = crate::support::run_command(
            &a.state.config.database_url,
            &a.state.config.data_dir,
            &["rotate-keys"],
            &[
                ("TOKEN_ENCRYPTION_KEY", new_key.as_str()),
                ("TOKEN_ENCRYPTION_KEY_PREVIOUS", old_key.as_str()),
                ("SESSION_SECRET", secret.as_str()),
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        stdout
    };
    assert!(rotate().contains("re-encrypted the tokens of 2 connection(s)"));
    assert!(rotate().contains("re-encrypted the tokens of 0 connection(s)"), "idempotent");

    let new_only = with(&new_key, None).await;
    let got = new_only.state.tokens.valid_access_token(&a.account_id(GREEN)).await.unwrap();
    assert_eq!(got.token.expose_secret(), green_token.token.expose_secret());
    for row in connections::Entity::find().all(new_only.state.db.writer()).await.unwrap() {
        assert_eq!(row.token_key_id.as_deref(), Some(new_only.state.keys.tokens.current.id()));
    }
    let old_only = with(&old_key, None).await;
    assert!(matches!(
        old_only.state.tokens.valid_access_token(&a.account_id(GREEN)).await,
        Err(TokenFailure::Crypto(_))
    ));
}
