//! A fleet of accounts: `AccountSeed::numbered`, per-kind record counts, and Jobber's limits
//! held per account: one account draining its query-cost bucket or hitting the request
//! ceiling leaves every other account untouched.

use std::time::Duration;

use jobber_sandbox::{AccountSeed, BucketConfig, RecordCounts, Sandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::TestSandbox;

#[test]
fn numbered_seeds_name_every_account() {
    let seeds = AccountSeed::numbered(50);
    assert_eq!(seeds.len(), 50);
    assert_eq!(seeds[0].name, "Sandbox Account 001");
    assert_eq!(seeds[49].name, "Sandbox Account 050");
    assert_eq!(seeds[49].user_email, "admin050@account050.example");
    assert_eq!(AccountSeed::numbered(1200)[0].name, "Sandbox Account 0001");
}

#[tokio::test]
async fn seeds_fifty_accounts_with_per_kind_counts() {
    let config = SandboxConfig {
        accounts: AccountSeed::numbered(50),
        records_per_account: RecordCounts {
            clients: 2000,
            properties: 40,
            jobs: 2000,
            quotes: 10,
            invoices: 10,
        },
        ..SandboxConfig::default()
    };
    let started = std::time::Instant::now();
    let sandbox = Sandbox::new(config.clone());
    // Printed for whoever measures; the figure is not asserted (no timing thresholds in tests).
    println!("seeded 50 × 4,060 records (+ visits) in {:?}", started.elapsed());
    let accounts = sandbox.accounts();
    assert_eq!(accounts.len(), 50);
    let mut ids: Vec<u64> = accounts.iter().map(|a| a.numeric_id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    drop(sandbox);

    let t = TestSandbox::start(config).await;
    let last = t.account("Sandbox Account 050");
    let tokens = t.connect(&last).await;
    let q = "{ account { name } clients(first: 1) { totalCount } jobs(first: 1) { totalCount }
             properties(first: 1) { totalCount } quotes(first: 1) { totalCount } invoices(first: 1) { totalCount }
             user { email { raw } } }";
    let d = t.gql(&tokens.access, q, Value::Null).await["data"].clone();
    assert_eq!(d["account"]["name"], "Sandbox Account 050");
    let counts: Vec<&Value> =
        ["clients", "jobs", "properties", "quotes", "invoices"].iter().map(|k| &d[k]["totalCount"]).collect();
    assert_eq!(counts, [2000, 2000, 40, 10, 10]);
    assert_eq!(d["user"]["email"]["raw"], "admin050@account050.example");
}

async fn cost_status(t: &TestSandbox, token: &str, query: &str) -> (bool, u64) {
    let (status, body) = t.gql_raw(token, query, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let throttled = body["errors"][0]["extensions"]["code"] == "THROTTLED";
    (throttled, body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"].as_u64().unwrap())
}

#[tokio::test]
async fn each_account_has_its_own_query_cost_bucket() {
    let t = TestSandbox::start(SandboxConfig {
        accounts: AccountSeed::numbered(3),
        records_per_account: RecordCounts::uniform(100),
        // Restores 1 point a second: nothing refills noticeably during the test.
        bucket: BucketConfig { maximum: 1000, restore_rate: 1, enabled: true },
        ..SandboxConfig::default()
    })
    .await;
    let a = t.connect(&t.account("Sandbox Account 001")).await;
    let b = t.connect(&t.account("Sandbox Account 002")).await;
    // 100 clients × 2 fields: requested = actual = 200.
    let q = "{ clients(first: 100) { nodes { id firstName } } }";
    for _ in 0..5 {
        assert!(!cost_status(&t, &a.access, q).await.0);
    }
    let (throttled, available) = cost_status(&t, &a.access, q).await;
    assert!(throttled && available < 200, "account 1 drained its bucket ({available} left)");
    let (throttled, available) = cost_status(&t, &b.access, q).await;
    assert!(!throttled, "account 2 is not throttled by account 1's spending");
    assert!(available >= 800 - 5, "account 2's bucket is full but for its own query ({available})");
    assert_eq!(t.sandbox.stats().throttled_responses, 1);
}

#[tokio::test]
async fn each_account_has_its_own_request_ceiling() {
    let t = TestSandbox::start(SandboxConfig {
        accounts: AccountSeed::numbered(3),
        records_per_account: RecordCounts::uniform(5),
        request_limit: Some((3, Duration::from_secs(300))),
        ..SandboxConfig::default()
    })
    .await;
    let a = t.connect(&t.account("Sandbox Account 001")).await;
    let b = t.connect(&t.account("Sandbox Account 003")).await;
    let q = "{ account { id } }";
    for _ in 0..3 {
        assert_eq!(t.gql_raw(&a.access, q, Value::Null).await.0, StatusCode::OK);
    }
    assert_eq!(t.gql_raw(&a.access, q, Value::Null).await.0, StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..3 {
        assert_eq!(
            t.gql_raw(&b.access, q, Value::Null).await.0,
            StatusCode::OK,
            "account 3 has its own window"
        );
    }
    assert_eq!(t.gql_raw(&b.access, q, Value::Null).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(t.sandbox.stats().rate_limited_responses, 2);
}
