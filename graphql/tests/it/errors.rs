//! Each way a call to Jobber fails maps to its `JobberError`, and what may pass is retried.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use jobber_graphql::operations::{Account, AppDisconnect, account, app_disconnect};
use jobber_graphql::{GovernorConfig, JobberClient, JobberError, Priority};
use serde_json::json;

use crate::support::{Fake, client, config, cost, fake_graphql, fixture, json_reply};

const ACCOUNT_OK: &str = r#"{"data":{"account":{"id":"QWNjb3VudC8x","name":"Acme"}}}"#;

/// A client that does not retry, to see each error as Jobber gave it.
fn single_attempt(fake: &Fake) -> JobberClient {
    let mut cfg = config(&fake.url);
    cfg.governor = GovernorConfig { max_attempts: 1, ..cfg.governor };
    JobberClient::new(cfg).unwrap()
}

async fn account_error(client: &JobberClient) -> JobberError {
    client
        .execute::<Account>("acct-1", "token", account::Variables, Priority::Normal)
        .await
        .expect_err("the call fails")
}

#[tokio::test]
async fn expired_token_is_unauthorized() {
    let fake =
        fake_graphql(|_| json_reply(StatusCode::UNAUTHORIZED, r#"{"message":"Access token expired"}"#)).await;
    let err = account_error(&client(&fake)).await;
    assert!(
        matches!(&err, JobberError::Unauthorized { message } if message == "Access token expired"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(fake.requests().len(), 1, "401 is not retried");
}

#[tokio::test]
async fn disconnected_whatever_the_status() {
    for status in [StatusCode::OK, StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN] {
        let fake = fake_graphql(move |_| {
            json_reply(
                status,
                r#"{"errors":[{"message":"User has disconnected this app from their account. Please delete this token"}]}"#,
            )
        })
        .await;
        let err = account_error(&client(&fake)).await;
        assert!(matches!(err, JobberError::Disconnected), "{status}: {err:?}");
        assert_eq!(fake.requests().len(), 1);
    }
    // A plain-text body says the same.
    let fake = fake_graphql(|_| {
        (
            StatusCode::UNAUTHORIZED,
            "User has disconnected this app from their account. Please delete this token",
        )
            .into_response()
    })
    .await;
    assert!(matches!(account_error(&client(&fake)).await, JobberError::Disconnected));
}

#[tokio::test]
async fn merchant_text_in_data_is_not_an_error_marker() {
    let fake = fake_graphql(|_| {
        json_reply(
            StatusCode::OK,
            r#"{"data":{"account":{"id":"QQ==","name":"User has disconnected this app - Service temporarily unavailable"}}}"#,
        )
    })
    .await;
    let response = client(&fake)
        .execute::<Account>("acct-1", "token", account::Variables, Priority::Normal)
        .await
        .unwrap();
    assert!(response.data.account.unwrap().name.starts_with("User has"));
}

#[tokio::test]
async fn throttled_in_a_200_computes_the_wait() {
    let body = json!({
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {"requestedQueryCost": 1200, "actualQueryCost": 0,
            "throttleStatus": {"maximumAvailable": 10000, "currentlyAvailable": 200, "restoreRate": 500}}}
    })
    .to_string();
    let fake = fake_graphql(move |_| json_reply(StatusCode::OK, body.clone())).await;
    let err = account_error(&single_attempt(&fake)).await;
    // (1200 - 200) / 500 = 2 s
    assert!(matches!(err, JobberError::Throttled { wait } if wait == Duration::from_secs(2)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn throttled_fixture_above_the_maximum_is_never_retried() {
    // Jobber's sample asks 10,001 of a 10,000 bucket: "will never resolve".
    let body = fixture("graphql-throttled.json");
    let fake = fake_graphql(move |_| json_reply(StatusCode::OK, body.clone())).await;
    let err = account_error(&client(&fake)).await;
    assert!(
        matches!(err, JobberError::QueryTooExpensive { requested, maximum } if requested == 10_001.0 && maximum == 10_000.0),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn http_429_is_rate_limited_with_retry_after() {
    let fake = fake_graphql(|_| {
        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "7")], "Too Many Requests").into_response()
    })
    .await;
    let err = account_error(&single_attempt(&fake)).await;
    assert!(
        matches!(err, JobberError::RateLimited { retry_after } if retry_after == Duration::from_secs(7)),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn server_errors_are_transient() {
    for (status, body) in [
        (StatusCode::INTERNAL_SERVER_ERROR, "oops"),
        (StatusCode::SERVICE_UNAVAILABLE, "Service temporarily unavailable"),
        (StatusCode::BAD_GATEWAY, ""),
    ] {
        let fake = fake_graphql(move |_| (status, body).into_response()).await;
        let err = account_error(&single_attempt(&fake)).await;
        assert!(matches!(&err, JobberError::Transient(m) if m.contains(status.as_str())), "{err:?}");
        assert!(err.is_retryable());
    }
    // The outage message inside a 200.
    let fake = fake_graphql(|_| {
        json_reply(StatusCode::OK, r#"{"errors":[{"message":"Service temporarily unavailable"}]}"#)
    })
    .await;
    assert!(matches!(account_error(&single_attempt(&fake)).await, JobberError::Transient(_)));
}

#[tokio::test]
async fn transient_failures_are_retried_until_success() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let fake = fake_graphql(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) < 2 {
            (StatusCode::SERVICE_UNAVAILABLE, "Service temporarily unavailable").into_response()
        } else {
            json_reply(StatusCode::OK, ACCOUNT_OK)
        }
    })
    .await;
    let response = client(&fake)
        .execute::<Account>("acct-1", "token", account::Variables, Priority::Normal)
        .await
        .unwrap();
    assert_eq!(response.data.account.unwrap().name, "Acme");
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let fake = fake_graphql(|_| (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response()).await;
    let err = account_error(&client(&fake)).await;
    assert!(matches!(err, JobberError::Transient(_)));
    assert_eq!(fake.requests().len(), 5, "default max_attempts");
}

#[tokio::test]
async fn timeout_is_transient() {
    let fake = fake_graphql(|_| json_reply(StatusCode::OK, ACCOUNT_OK)).await;
    // A listener that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            sockets.push(s);
        }
    });
    let mut cfg = config(&format!("http://{addr}").parse().unwrap());
    cfg.request_timeout = Some(Duration::from_millis(200));
    cfg.governor.max_attempts = 1;
    let err = account_error(&JobberClient::new(cfg).unwrap()).await;
    assert!(matches!(&err, JobberError::Transient(m) if m.contains("timed out")), "{err:?}");
    held.abort();
    drop(fake);
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = config(&format!("http://127.0.0.1:{port}").parse().unwrap());
    cfg.governor.max_attempts = 1;
    let err = account_error(&JobberClient::new(cfg).unwrap()).await;
    assert!(matches!(err, JobberError::Transient(_)), "{err:?}");
}

#[tokio::test]
async fn graphql_errors_are_never_success() {
    let fake = fake_graphql(|_| {
        json_reply(
            StatusCode::OK,
            r#"{"data":{"account":null},"errors":[{"message":"Field 'foo' doesn't exist on type 'Account'","path":["account"]}]}"#,
        )
    })
    .await;
    let err = account_error(&client(&fake)).await;
    match err {
        JobberError::GraphQl(errors) => assert!(errors[0].message.contains("doesn't exist")),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn undecodable_answers_are_decode_errors() {
    for body in ["<html>hi</html>", r#"{"data":null}"#, r#"{"data":{"account":{"id":1}}}"#] {
        let fake = fake_graphql(move |_| json_reply(StatusCode::OK, body)).await;
        let err = account_error(&client(&fake)).await;
        assert!(matches!(err, JobberError::Decode(_)), "{body}: {err:?}");
    }
}

#[tokio::test]
async fn user_errors_fail_the_mutation() {
    let fake = fake_graphql(|_| {
        json_reply(
            StatusCode::OK,
            r#"{"data":{"appDisconnect":{"app":null,"userErrors":[{"message":"Could not disconnect","path":["appDisconnect"]}]}}}"#,
        )
    })
    .await;
    let client = client(&fake);
    let err = client.app_disconnect("acct-1", "token").await.unwrap_err();
    assert!(
        matches!(&err, JobberError::UserErrors(m) if m == &vec!["Could not disconnect (at appDisconnect)".to_owned()]),
        "{err:?}"
    );
    // The same check is available on any execute() of a mutation.
    let response = client
        .execute::<AppDisconnect>("acct-1", "token", app_disconnect::Variables, Priority::High)
        .await
        .unwrap();
    assert!(response.check_user_errors().is_err());
}

#[tokio::test]
async fn versioning_is_reported_and_cost_learned() {
    let body = json!({"data": {"account": {"id": "QQ==", "name": "Acme"}},
        "extensions": {"versioning": {"version": "2025-04-16", "warning": "This version is near its end of support"}}})
    .to_string();
    let mut with_cost: serde_json::Value = serde_json::from_str(&body).unwrap();
    with_cost["extensions"]["cost"] = cost(142.0, 9953.0)["cost"].clone();
    let body = with_cost.to_string();
    let fake = fake_graphql(move |_| json_reply(StatusCode::OK, body.clone())).await;
    let client = client(&fake);
    for _ in 0..2 {
        let response =
            client.execute::<Account>("acct-1", "token", account::Variables, Priority::Normal).await.unwrap();
        assert_eq!(response.version.as_deref(), Some("2025-04-16"));
    }
    assert_eq!(client.governor().estimate("Account"), 142.0);
}

#[tokio::test]
async fn cost_fixture_decodes() {
    // `graphql-ok-with-cost.json` selects fewer client fields than our `Clients`, so decode it
    // with a hand-written operation type.
    struct FixtureClients;
    #[derive(serde::Deserialize)]
    struct Data {
        clients: serde_json::Value,
    }
    impl jobber_graphql::GraphQLQuery for FixtureClients {
        type Variables = ();
        type ResponseData = Data;
        fn build_query(variables: ()) -> graphql_client::QueryBody<()> {
            graphql_client::QueryBody {
                variables,
                query: "query FixtureClients { clients(first: 1) { nodes { id firstName lastName } pageInfo { endCursor hasNextPage } } }",
                operation_name: "FixtureClients",
            }
        }
    }
    let body = fixture("graphql-ok-with-cost.json");
    let fake = fake_graphql(move |_| json_reply(StatusCode::OK, body.clone())).await;
    let response =
        client(&fake).execute::<FixtureClients>("acct-1", "token", (), Priority::Normal).await.unwrap();
    assert_eq!(response.data.clients["nodes"][0]["firstName"], "Ada");
    let cost = response.cost.unwrap();
    assert_eq!(cost.requested_query_cost, 142.0);
    assert_eq!(cost.actual_query_cost, 47.0);
    assert_eq!(cost.throttle_status.currently_available, 9953.0);
    assert_eq!(cost.throttle_status.restore_rate, 500.0);
}
