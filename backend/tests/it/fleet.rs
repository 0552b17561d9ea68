//! Issue 14, item 4: fair sync across a fleet of accounts. The bound on concurrent runs
//! (`SYNC_CONCURRENCY`) is the app's own; within it, first syncs come before periodic runs and
//! slots spread over accounts.
use std::time::Duration;

use chrono::{DateTime, Utc};
use jobber_app::db::{entities::sync_state, enums::SyncMode, sync_state as rows};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{TestApp, client, eventually};

fn account_name(i: usize) -> String {
    format!("Sandbox Account {i:03}")
}

async fn fleet(accounts: usize) -> TestApp {
    TestApp::builder()
        .env("SANDBOX_ACCOUNTS", accounts.to_string())
        .env("SANDBOX_RECORDS_PER_KIND", "5")
        .env("SYNC_CONCURRENCY", "2")
        // One test client connects every account from 127.0.0.1: above the per-address limit
        // on code exchanges.
        .env("OAUTH_EXCHANGE_BURST", "100")
        .spawn()
        .await
}

async fn connect(app: &TestApp, i: usize) {
    let res = app.connect_with(&client(), &account_name(i)).await;
    assert_eq!(res.status(), 303, "callback of account {i}");
}

async fn state_of(app: &TestApp, account: &str) -> Vec<sync_state::Model> {
    sync_state::Entity::find()
        .filter(sync_state::Column::JobberAccountId.eq(account))
        .all(app.state.db.writer())
        .await
        .unwrap()
}

async fn wait_first_syncs(app: &TestApp, accounts: &[String]) {
    eventually(Duration::from_secs(120), "every account's first sync", || async {
        for account in accounts {
            let rows = state_of(app, account).await;
            if rows.len() != 5 || rows.iter().any(|r| r.last_success_at.is_none()) {
                return None;
            }
        }
        Some(())
    })
    .await;
}

#[tokio::test]
async fn ten_accounts_connected_at_once_all_finish_their_first_sync_with_two_slots() {
    let app = fleet(10).await;
    futures::future::join_all((1..=10).map(|i| connect(&app, i))).await;
    let accounts: Vec<String> = (1..=10).map(|i| app.account_id(&account_name(i))).collect();
    wait_first_syncs(&app, &accounts).await;
    // Breadth first: the first runs went to many accounts, not to one account's five resources
    // and then the next account's (in request order the first ten runs would cover two).
    let mut all = Vec::new();
    for account in &accounts {
        all.extend(state_of(&app, account).await);
    }
    all.sort_by_key(|r| r.started_at);
    let first: std::collections::HashSet<&str> =
        all.iter().take(10).map(|r| r.jobber_account_id.as_str()).collect();
    assert!(first.len() >= 5, "the first ten runs covered only {} accounts", first.len());
}

#[tokio::test]
async fn a_newly_connected_account_syncs_before_the_others_periodic_runs() {
    let app = fleet(10).await;
    for i in 1..=9 {
        connect(&app, i).await;
    }
    let others: Vec<String> = (1..=9).map(|i| app.account_id(&account_name(i))).collect();
    wait_first_syncs(&app, &others).await;

    // Every Jobber call now takes a while, and all nine accounts have a periodic run of every
    // resource due (45 runs for 2 slots) when the tenth account connects.
    app.sandbox().faults().set_latency(Duration::from_millis(100));
    let requested_at = Utc::now();
    for account in &others {
        rows::request(&app.state.db, account, &jobber_app::sync::Resource::ALL, SyncMode::Incremental)
            .await
            .unwrap();
    }
    connect(&app, 10).await;
    let new = app.account_id(&account_name(10));
    wait_first_syncs(&app, std::slice::from_ref(&new)).await;

    let new_rows = state_of(&app, &new).await;
    let new_last_start: DateTime<Utc> = new_rows.iter().filter_map(|r| r.started_at).max().unwrap();
    let mut periodic_before = 0;
    for account in &others {
        periodic_before += state_of(&app, account)
            .await
            .iter()
            .filter(|r| r.started_at.is_some_and(|t| t > requested_at && t < new_last_start))
            .count();
    }
    // In request order the new account would have waited for all 45; it waited only for the
    // runs that started while it was connecting.
    assert!(
        periodic_before < 20,
        "{periodic_before} periodic runs started before the new account's last first run"
    );
    app.sandbox().faults().set_latency(Duration::ZERO);
}

#[tokio::test]
async fn two_instances_on_postgres_share_the_fleet_and_never_run_the_same_resource_at_once() {
    if crate::support::postgres_admin_url().is_none() {
        eprintln!("two instances need PostgreSQL (TEST_DATABASE_URL); SQLite deployments run one instance");
        return;
    }
    let a = fleet(10).await;
    let mut builder = TestApp::builder().same_database_as(&a).env("SYNC_CONCURRENCY", "2");
    for (k, v) in a.jobber_env() {
        builder = builder.env(k, v);
    }
    let b = builder.spawn().await;
    // Every call is slow enough that runs overlap across the two instances.
    a.sandbox().faults().set_latency(Duration::from_millis(20));
    futures::future::join_all((1..=10).map(|i| connect(&a, i))).await;
    let accounts: Vec<String> = (1..=10).map(|i| a.account_id(&account_name(i))).collect();
    wait_first_syncs(&a, &accounts).await;
    // One run has one page request in flight at a time: two requests of the same list operation
    // for one account would mean two runs of that (account, resource).
    for account in &accounts {
        for op in ["Clients", "Properties", "Jobs", "Quotes", "Invoices"] {
            assert!(a.sandbox().max_in_flight(account, Some(op)) <= 1, "{account} {op}");
        }
    }
    a.sandbox().faults().set_latency(Duration::ZERO);
    drop(b);
}
