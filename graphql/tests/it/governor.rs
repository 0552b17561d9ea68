//! The cost governor against a fake Jobber that enforces the leaky bucket, on tokio's paused
//! clock: no real waiting, exact virtual times.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use jobber_graphql::operations::{Properties, properties};
use jobber_graphql::{CostGovernor, GovernorConfig, Priority, QueryCost, ThrottleStatus};
use serde_json::json;
use tokio::time::Instant;

use crate::support::{fake_graphql, json_reply, paused_client};

/// Jobber's bucket, kept on the tokio clock so it moves with the paused time.
struct Bucket {
    maximum: f64,
    restore_rate: f64,
    available: f64,
    at: Instant,
    throttled: usize,
    served: usize,
}

impl Bucket {
    fn charge(&mut self, cost: f64) -> Result<f64, f64> {
        let now = Instant::now();
        self.available = (self.available + self.restore_rate * now.duration_since(self.at).as_secs_f64())
            .min(self.maximum);
        self.at = now;
        if cost > self.available {
            self.throttled += 1;
            Err(self.available)
        } else {
            self.available -= cost;
            self.served += 1;
            Ok(self.available)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn long_paging_run_is_never_throttled() {
    const PAGES: usize = 200;
    const COST: f64 = 50.0;
    let bucket = Arc::new(Mutex::new(Bucket {
        maximum: 1_000.0,
        restore_rate: 5.0, // tiny: the run needs (200 * 50 - 1000) / 5 = 1,800 s of refill
        available: 1_000.0,
        at: Instant::now(),
        throttled: 0,
        served: 0,
    }));
    let server_bucket = bucket.clone();
    let fake = fake_graphql(move |request| {
        let body = request.json();
        let after: usize = body["variables"]["after"]
            .as_str()
            .map_or(0, |c| c.parse().unwrap());
        let mut bucket = server_bucket.lock().unwrap();
        let (maximum, rate) = (bucket.maximum, bucket.restore_rate);
        let status = |available: f64| json!({"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate});
        let answer = match bucket.charge(COST) {
            Ok(available) => json!({
                "data": {"properties": {"nodes": [], "pageInfo": {
                    "endCursor": (after + 1).to_string(), "hasNextPage": after + 1 < PAGES}}},
                "extensions": {"cost": {"requestedQueryCost": COST, "actualQueryCost": COST,
                    "throttleStatus": status(available)}}
            }),
            Err(available) => json!({
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": {"requestedQueryCost": COST, "actualQueryCost": 0,
                    "throttleStatus": status(available)}}
            }),
        };
        json_reply(StatusCode::OK, answer.to_string())
    })
    .await;
    let client = paused_client(&fake, GovernorConfig::default());

    let start = Instant::now();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = client
            .execute::<Properties>(
                "acct-1",
                "token",
                properties::Variables { first: 50, after },
                Priority::Normal,
            )
            .await
            .expect("page")
            .data
            .properties;
        pages += 1;
        if !page.page_info.has_next_page {
            break;
        }
        after = page.page_info.end_cursor;
    }
    let elapsed = start.elapsed();
    let bucket = bucket.lock().unwrap();
    assert_eq!(pages, PAGES);
    assert_eq!(bucket.throttled, 0, "the governor never overspent");
    assert_eq!(bucket.served, PAGES);
    // It paced at the refill rate rather than sleeping more than needed.
    let ideal = Duration::from_secs(1_800);
    assert!(elapsed >= ideal && elapsed < ideal + Duration::from_secs(5), "{elapsed:?}");
}

fn cost(available: f64, maximum: f64, rate: f64) -> QueryCost {
    QueryCost {
        requested_query_cost: 100.0,
        actual_query_cost: 100.0,
        throttle_status: ThrottleStatus {
            maximum_available: maximum,
            currently_available: available,
            restore_rate: rate,
        },
    }
}

/// Yields until `cond` holds, failing after many turns (nothing here needs real time).
async fn until(mut cond: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if cond() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("condition never held");
}

#[tokio::test(start_paused = true)]
async fn high_priority_is_admitted_before_waiting_normal_requests() {
    let governor = CostGovernor::default();
    // Learn a nearly empty bucket: each request (cost 100) needs one second of refill.
    governor.admit("acct-1", "Q", Priority::Normal).await.settle(Some(&cost(0.0, 1_000.0, 100.0)));

    let order = Arc::new(Mutex::new(Vec::new()));
    let spawn = |name: &'static str, priority: Priority| {
        let governor = governor.clone();
        let order = order.clone();
        tokio::spawn(async move {
            let permit = governor.admit("acct-1", "Q", priority).await;
            order.lock().unwrap().push((name, Instant::now()));
            drop(permit);
        })
    };
    let start = Instant::now();
    let mut tasks = vec![spawn("normal-1", Priority::Normal)];
    until(|| governor.queue_len("acct-1") == 1).await;
    tasks.push(spawn("normal-2", Priority::Normal));
    until(|| governor.queue_len("acct-1") == 2).await;
    tasks.push(spawn("high", Priority::High));
    until(|| governor.queue_len("acct-1") == 3).await;
    // A different account is not held up by this one's queue.
    let other = governor.admit("acct-2", "Q", Priority::Normal).await;
    assert_eq!(start.elapsed(), Duration::ZERO);
    drop(other);

    for t in tasks {
        t.await.unwrap();
    }
    let order = order.lock().unwrap();
    let names: Vec<_> = order.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["high", "normal-1", "normal-2"]);
    let at: Vec<_> = order.iter().map(|(_, t)| t.duration_since(start)).collect();
    assert_eq!(at, [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(3)]);
}

#[tokio::test(start_paused = true)]
async fn request_ceiling_per_window() {
    let governor = CostGovernor::new(GovernorConfig::default());
    governor.set_estimate("Cheap", 1.0);
    let start = Instant::now();
    for _ in 0..2_500 {
        let _permit = governor.admit("acct-1", "Cheap", Priority::Normal).await;
    }
    assert_eq!(start.elapsed(), Duration::ZERO, "2,500 fit in one window");
    // The 2,501st waits until the first leaves the 300 s window.
    let _permit = governor.admit("acct-1", "Cheap", Priority::Normal).await;
    assert_eq!(start.elapsed(), Duration::from_secs(300));
    // Another account has its own window.
    let t = Instant::now();
    let _other = governor.admit("acct-2", "Cheap", Priority::Normal).await;
    assert_eq!(t.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn http_429_pauses_the_account_then_retries() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let fake = fake_graphql(move |_| {
        let mut seen = seen.lock().unwrap();
        seen.push(Instant::now());
        if seen.len() == 1 {
            use axum::response::IntoResponse;
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "60")], "").into_response()
        } else {
            json_reply(
                StatusCode::OK,
                r#"{"data":{"properties":{"nodes":[],"pageInfo":{"endCursor":null,"hasNextPage":false}}}}"#,
            )
        }
    })
    .await;
    let client = paused_client(&fake, GovernorConfig::default());
    client
        .execute::<Properties>(
            "acct-1",
            "token",
            properties::Variables { first: 10, after: None },
            Priority::Normal,
        )
        .await
        .unwrap();
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 2);
    assert!(calls[1].duration_since(calls[0]) >= Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn concurrent_pagers_share_one_budget_without_throttling() {
    const TASKS: usize = 8;
    const PAGES: usize = 25;
    const COST: f64 = 100.0;
    let bucket = Arc::new(Mutex::new(Bucket {
        maximum: 1_000.0,
        restore_rate: 10.0,
        available: 1_000.0,
        at: Instant::now(),
        throttled: 0,
        served: 0,
    }));
    let server_bucket = bucket.clone();
    let fake = fake_graphql(move |request| {
        let after: usize =
            request.json()["variables"]["after"].as_str().map_or(0, |c| c.parse().unwrap());
        let mut bucket = server_bucket.lock().unwrap();
        let (maximum, rate) = (bucket.maximum, bucket.restore_rate);
        let (available, body) = match bucket.charge(COST) {
            Ok(available) => (
                available,
                json!({"properties": {"nodes": [], "pageInfo": {
                    "endCursor": (after + 1).to_string(), "hasNextPage": after + 1 < PAGES}}}),
            ),
            Err(available) => (available, serde_json::Value::Null),
        };
        let mut answer = json!({"extensions": {"cost": {"requestedQueryCost": COST, "actualQueryCost": COST,
            "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate}}}});
        if body.is_null() {
            answer["errors"] = json!([{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]);
        } else {
            answer["data"] = body;
        }
        json_reply(StatusCode::OK, answer.to_string())
    })
    .await;
    let client = paused_client(&fake, GovernorConfig::default());

    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut after = None;
                for _ in 0..PAGES {
                    let page = client
                        .execute::<Properties>(
                            "acct-1",
                            "token",
                            properties::Variables { first: 10, after },
                            Priority::Normal,
                        )
                        .await
                        .expect("page")
                        .data
                        .properties;
                    after = page.page_info.end_cursor;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let bucket = bucket.lock().unwrap();
    assert_eq!(bucket.throttled, 0);
    assert_eq!(bucket.served, TASKS * PAGES);
    // 200 requests of 100 points, 1,000 at the start, 10 points/s: at least 1,900 s.
    assert!(start.elapsed() >= Duration::from_secs(1_900), "{:?}", start.elapsed());
}
