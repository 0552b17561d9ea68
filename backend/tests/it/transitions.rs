//! Issue 13: the named transitions of a `connections` row (db/connections.rs), on SQLite and
//! PostgreSQL: what each sets, and that every compare-and-set loses to a newer token version.
use chrono::Utc;
use jobber_app::db::{
    connections::{self as rows, EncryptedPair, JobberUser},
    enums::{ConnectionStatus, DisconnectSource},
};

use crate::support::TestApp;

fn pair(n: u32) -> EncryptedPair {
    EncryptedPair {
        access: format!("access-{n}"),
        refresh: format!("refresh-{n}"),
        key_id: "k1".into(),
        expires_at: Utc::now() + chrono::Duration::hours(1),
    }
}

#[tokio::test]
async fn each_transition_sets_its_columns_and_compare_and_set_loses_to_newer_tokens() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let account = "Z2lkOi8vSm9iYmVyL0FjY291bnQvNzc3";
    let user = JobberUser { id: Some("u1".into()), name: Some("Ada".into()), email: None };
    let reload = || async { db.find_connection_by_account(account).await.unwrap().unwrap() };

    // connect: a new row.
    let first = rows::connect(db.writer(), None, account, "Acme", &user, &pair(1)).await.unwrap();
    assert_eq!((first.status, first.generation, first.token_version), (ConnectionStatus::Connected, 1, 1));
    assert_eq!(first.access_token_ciphertext.as_deref(), Some("access-1"));
    assert_eq!(first.connected_by_name.as_deref(), Some("Ada"));

    // refresh: compare-and-set on the version read.
    assert!(rows::store_refreshed(db.writer(), &first, &pair(2)).await.unwrap());
    assert!(!rows::store_refreshed(db.writer(), &first, &pair(3)).await.unwrap(), "a stale read loses");
    let refreshed = reload().await;
    assert_eq!(refreshed.token_version, 2);
    assert_eq!(refreshed.refresh_token_ciphertext.as_deref(), Some("refresh-2"));
    assert!(refreshed.last_refresh_at.is_some());

    // degrade: tokens kept, the failure counted; a stale read loses.
    let later = Utc::now() + chrono::Duration::minutes(1);
    assert!(!rows::degrade(db.writer(), &first, "down", later).await.unwrap());
    assert!(rows::degrade(db.writer(), &refreshed, "Jobber is down", later).await.unwrap());
    let degraded = reload().await;
    assert_eq!(degraded.status, ConnectionStatus::Degraded);
    assert_eq!((degraded.refresh_failures, degraded.last_error.as_deref()), (1, Some("Jobber is down")));
    assert_eq!(degraded.access_token_ciphertext.as_deref(), Some("access-2"), "tokens kept");

    // A refresh that works clears the degradation.
    assert!(rows::store_refreshed(db.writer(), &degraded, &pair(4)).await.unwrap());
    let healthy = reload().await;
    assert_eq!(
        (healthy.status, healthy.refresh_failures, healthy.last_error.clone()),
        (ConnectionStatus::Connected, 0, None)
    );
    assert_eq!(healthy.refresh_not_before, None);

    // needs reauth: wipes the tokens and moves the version on; a stale version loses.
    assert!(!rows::needs_reauth(db.writer(), healthy.id, healthy.token_version - 1, "x").await.unwrap());
    assert!(
        rows::needs_reauth(db.writer(), healthy.id, healthy.token_version, "Reconnect Jobber.")
            .await
            .unwrap()
    );
    let reauth = reload().await;
    assert_eq!(reauth.status, ConnectionStatus::NeedsReauth);
    assert_eq!(reauth.token_version, healthy.token_version + 1);
    assert!(reauth.access_token_ciphertext.is_none() && reauth.refresh_token_ciphertext.is_none());
    assert!(reauth.token_key_id.is_none() && reauth.token_expires_at.is_none());
    assert!(
        !rows::store_refreshed(db.writer(), &healthy, &pair(5)).await.unwrap(),
        "a refresh in flight loses"
    );

    // reconnect: a new generation, new tokens, errors cleared.
    let again =
        rows::connect(db.writer(), Some(reauth.clone()), account, "Acme Inc", &user, &pair(6)).await.unwrap();
    assert_eq!((again.status, again.generation), (ConnectionStatus::Connected, 2));
    assert_eq!(again.token_version, reauth.token_version + 1);
    assert_eq!((again.last_error.clone(), again.account_name.as_str()), (None, "Acme Inc"));

    // disconnect: wiped, a new generation (every session dies), who did it recorded.
    rows::disconnect(db.writer(), again.id, DisconnectSource::Merchant).await.unwrap();
    let gone = reload().await;
    assert_eq!((gone.status, gone.generation), (ConnectionStatus::Disconnected, 3));
    assert_eq!(gone.disconnect_source, Some(DisconnectSource::Merchant));
    assert!(gone.disconnected_at.is_some() && gone.access_token_ciphertext.is_none());
    assert!(
        !rows::store_refreshed(db.writer(), &again, &pair(7)).await.unwrap(),
        "no refresh after a disconnect"
    );
    assert!(!rows::rekey(db.writer(), &again, "a".into(), "r".into(), "k2").await.unwrap());
}
