//! Token observability and the refresh-delay fault: every access token's usage (by
//! fingerprint, never the token), the refresh log, a refresh that rotates at once and answers
//! late, and the peak of concurrent GraphQL requests per (account, operation name).

use std::time::Duration;

use jobber_sandbox::token_fingerprint;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestSandbox, VERSION, eventually};

const Q: &str = "{ account { id } }";

#[tokio::test]
async fn a_delayed_refresh_has_rotated_before_it_answers() {
    let t = TestSandbox::default().await;
    let account = t.green();
    let first = t.connect(&account).await;
    t.sandbox.faults().set_refresh_delay(Duration::from_secs(60));
    assert_eq!(t.sandbox.faults().get().refresh_delay_ms, 60_000);

    // An app that gives up waiting (shut down mid-refresh) never sees the answer...
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let cfg = t.sandbox.config().clone();
    let form = [
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.client_secret.as_str()),
        ("grant_type", "refresh_token"),
        ("refresh_token", first.refresh.as_str()),
    ];
    let lost = impatient.post(t.url("/api/oauth/token")).form(&form).send().await;
    assert!(lost.is_err_and(|e| e.is_timeout()), "the answer is held back");
    // ...but the rotation happened: the refresh is logged, a new token exists, the old refresh
    // token is dead.
    let log = eventually("the rotation", || {
        let log = t.sandbox.refresh_log();
        (!log.is_empty()).then_some(log)
    })
    .await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].account_id, account);
    assert_eq!(log[0].replaced_access_token.as_deref(), Some(token_fingerprint(&first.access).as_str()));
    t.sandbox.faults().clear();
    let (status, body) = t.refresh(&first.refresh).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let tokens = t.sandbox.token_usage();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[1].fingerprint, log[0].new_access_token);
    assert_eq!(tokens[1].grant, "refresh_token");

    // A patient caller gets the answer after the delay, and it works.
    let second = t.connect(&account).await;
    t.sandbox.faults().set_refresh_delay(Duration::from_millis(50));
    let (status, body) = t.refresh(&second.refresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    t.gql(body["access_token"].as_str().unwrap(), Q, Value::Null).await;

    // Settable over HTTP as camelCase.
    let resp = t.http.put(t.url("/sandbox/faults")).json(&json!({"refreshDelayMs": 5})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(t.sandbox.faults().get().refresh_delay_ms, 5);
}

#[tokio::test]
async fn every_token_use_and_401_is_counted_and_refreshes_are_logged() {
    let t = TestSandbox::default().await;
    let account = t.green();
    let first = t.connect(&account).await;
    for _ in 0..2 {
        t.gql(&first.access, Q, Value::Null).await;
    }
    let u = t.sandbox.token_usage_of(&first.access).unwrap();
    assert_eq!((u.uses, u.rejected_uses, u.grant.as_str()), (2, 0, "authorization_code"));
    assert_eq!(u.account_id, account);
    assert_eq!(u.user_id, t.sandbox.accounts()[0].user.id);
    let used = u.last_used_at.unwrap();
    assert!(used >= u.issued_at);

    t.sandbox.expire_access_tokens(&account);
    assert_eq!(t.gql_raw(&first.access, Q, Value::Null).await.0, StatusCode::UNAUTHORIZED);
    let u = t.sandbox.token_usage_of(&token_fingerprint(&first.access)).unwrap();
    assert_eq!((u.uses, u.rejected_uses), (3, 1));
    assert!(u.last_rejected_at.is_some() && u.last_used_at >= Some(used));
    assert_eq!(u.superseded_at, None);

    let (_, body) = t.refresh(&first.refresh).await;
    let second = body["access_token"].as_str().unwrap().to_owned();
    t.gql(&second, Q, Value::Null).await;
    let old = t.sandbox.token_usage_of(&first.access).unwrap();
    let new = t.sandbox.token_usage_of(&second).unwrap();
    assert_eq!(old.superseded_by.as_deref(), Some(new.fingerprint.as_str()));
    assert_eq!(new.replaces.as_deref(), Some(old.fingerprint.as_str()));
    assert_eq!(old.superseded_at, Some(new.issued_at));
    assert!(old.last_used_at.unwrap() <= old.superseded_at.unwrap(), "no stale use after the refresh");
    assert_eq!((new.uses, new.rejected_uses), (1, 0));
    // A stale use after the refresh shows up.
    t.gql_raw(&first.access, Q, Value::Null).await;
    let old = t.sandbox.token_usage_of(&first.access).unwrap();
    assert!(old.last_used_at.unwrap() > old.superseded_at.unwrap());

    // /sandbox/stats serves the same, camelCase, without a single token or refresh token in it.
    let text = t.http.get(t.url("/sandbox/stats")).send().await.unwrap().text().await.unwrap();
    for secret in [
        first.access.as_str(),
        first.refresh.as_str(),
        second.as_str(),
        body["refresh_token"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "stats leak a token");
    }
    let stats: Value = serde_json::from_str(&text).unwrap();
    let tokens = stats["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0]["fingerprint"], token_fingerprint(&first.access));
    // 2 accepted, the 401 after the expiry, and the stale (still expired) use after the refresh.
    assert_eq!(tokens[0]["rejectedUses"], 2);
    assert_eq!(tokens[0]["uses"], 4);
    assert!(tokens[0]["lastUsedAt"].is_string() && tokens[0]["supersededAt"].is_string());
    assert_eq!(tokens[1]["replaces"], token_fingerprint(&first.access));
    let log = &stats["refreshLog"][0];
    assert_eq!(log["accountId"], account);
    assert_eq!(log["replacedAccessToken"], token_fingerprint(&first.access));
    assert_eq!(log["newAccessToken"], token_fingerprint(&second));
    assert!(log["at"].is_string());
}

#[tokio::test]
async fn tokens_minted_in_the_same_second_are_distinct() {
    let t = TestSandbox::default().await;
    let first = t.connect(&t.green()).await;
    t.sandbox.expire_access_tokens(&t.green());
    let (_, body) = t.refresh(&first.refresh).await;
    assert_ne!(
        body["access_token"].as_str().unwrap(),
        first.access,
        "a refresh never hands back the old token"
    );
    assert_eq!(
        t.gql_raw(&first.access, Q, Value::Null).await.0,
        StatusCode::UNAUTHORIZED,
        "the old one stays expired"
    );
}

async fn named(t: &TestSandbox, token: &str, query: &str, operation: Option<&str>) -> StatusCode {
    let mut body = json!({"query": query});
    if let Some(op) = operation {
        body["operationName"] = json!(op);
    }
    let resp = t
        .http
        .post(t.url("/api/graphql"))
        .bearer_auth(token)
        .header("X-JOBBER-GRAPHQL-VERSION", VERSION)
        .json(&body)
        .send()
        .await
        .unwrap();
    resp.status()
}

#[tokio::test]
async fn peak_concurrency_is_kept_per_account_and_operation() {
    let t = TestSandbox::default().await;
    let (green, spark) = (t.green(), t.spark());
    let g = t.connect(&green).await;
    let s = t.connect(&spark).await;
    // Every request sits in the sandbox long enough for all of them to overlap.
    t.sandbox.faults().set_latency(Duration::from_millis(1500));
    let clients = "query Clients { clients(first: 1) { nodes { id } } }";
    let jobs = "query Jobs { jobs(first: 1) { nodes { id } } }";
    let mut calls = Vec::new();
    for (token, query) in [(&g, clients), (&g, clients), (&g, clients), (&g, jobs), (&s, clients)] {
        let (t2, token, query) = (t.clone_handle(), token.access.clone(), query.to_owned());
        calls.push(tokio::spawn(async move { named(&t2, &token, &query, None).await }));
    }
    let find = |account: &str, op: &str| {
        t.sandbox
            .stats()
            .graphql_concurrency
            .into_iter()
            .find(|c| c.account_id == account && c.operation_name.as_deref() == Some(op))
    };
    eventually("three Clients requests of one account in flight", || {
        find(&green, "Clients").filter(|c| c.in_flight == 3).map(|_| ())
    })
    .await;
    for c in calls {
        assert_eq!(c.await.unwrap(), StatusCode::OK);
    }
    t.sandbox.faults().clear();
    assert_eq!(t.sandbox.max_in_flight(&green, Some("Clients")), 3);
    assert_eq!(t.sandbox.max_in_flight(&green, Some("Jobs")), 1);
    assert_eq!(t.sandbox.max_in_flight(&spark, Some("Clients")), 1);
    assert_eq!(t.sandbox.max_in_flight(&spark, Some("Jobs")), 0);
    let c = find(&green, "Clients").unwrap();
    assert_eq!((c.in_flight, c.max_in_flight, c.requests), (0, 3, 3));

    // `operationName` picks among several operations; anonymous ones are `None`.
    let two = format!("{clients} {jobs}");
    assert_eq!(named(&t, &g.access, &two, Some("Jobs")).await, StatusCode::OK);
    assert_eq!(find(&green, "Jobs").unwrap().requests, 2);
    t.gql(&g.access, Q, Value::Null).await;
    assert_eq!(t.sandbox.max_in_flight(&green, None), 1);
    let stats: Value = t.http.get(t.url("/sandbox/stats")).send().await.unwrap().json().await.unwrap();
    let entry = stats["graphqlConcurrency"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["accountId"] == green && c["operationName"] == "Clients")
        .cloned()
        .unwrap();
    assert_eq!(entry["maxInFlight"], 3);
    assert_eq!(entry["inFlight"], 0);
}

impl TestSandbox {
    /// Another handle on the same sandbox (for spawned tasks).
    fn clone_handle(&self) -> TestSandbox {
        TestSandbox { sandbox: self.sandbox.clone(), base: self.base.clone(), http: self.http.clone() }
    }
}
