//! Closing a job (`JOB_CLOSED`), sending and approving a quote (`QUOTE_SENT`, `QUOTE_APPROVED`):
//! the status changes as Jobber's would, `updatedAt` moves, and only that topic is sent.

use chrono::{DateTime, Utc};
use jobber_sandbox::{RecordInput, RecordKind, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Receiver, TestSandbox};

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time")).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn closing_a_job_archives_it_and_sends_job_closed() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(&receiver, SandboxConfig::default()).await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    receiver.wait_for_topic("APP_CONNECT").await;
    let q = "query($id: EncodedId!) { job(id: $id) { jobStatus completedAt updatedAt } }";
    let jobs = t.gql(&tokens.access, "{ jobs(first: 25) { nodes { id jobStatus } } }", Value::Null).await;
    let job = jobs["data"]["jobs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["jobStatus"] != "archived")
        .expect("a seeded job that is not archived")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = t.gql(&tokens.access, q, json!({"id": job})).await["data"]["job"].clone();
    assert_eq!(before["completedAt"], Value::Null);

    let path = format!("/sandbox/accounts/{account}/jobs/{job}/close");
    assert_eq!(t.admin_id(Method::POST, &path, None).await, job);
    let after = t.gql(&tokens.access, q, json!({"id": job})).await["data"]["job"].clone();
    assert_eq!(after["jobStatus"], "archived");
    assert!(after["completedAt"].is_string());
    assert!(time(&after["updatedAt"]) > time(&before["updatedAt"]));
    let (status, _) = t.admin(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a closed job cannot close again");

    assert_eq!(receiver.wait_for_topic("JOB_CLOSED").await.item(), job);
    assert_eq!(receiver.events().len(), 2, "JOB_CLOSED only, no JOB_UPDATE");
}

#[tokio::test]
async fn sending_and_approving_a_quote() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(&receiver, SandboxConfig::default()).await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    receiver.wait_for_topic("APP_CONNECT").await;
    let quote = t.sandbox.create_record(&account, RecordKind::Quote, RecordInput::default()).await.unwrap();
    let q = "query($id: EncodedId!) { quote(id: $id) { quoteStatus sentAt updatedAt transitionedAt } }";
    let draft = t.gql(&tokens.access, q, json!({"id": quote})).await["data"]["quote"].clone();
    assert_eq!((draft["quoteStatus"].clone(), draft["sentAt"].clone()), (json!("draft"), Value::Null));

    let base = format!("/sandbox/accounts/{account}/quotes/{quote}");
    t.admin_id(Method::POST, &format!("{base}/send"), None).await;
    let sent = t.gql(&tokens.access, q, json!({"id": quote})).await["data"]["quote"].clone();
    assert_eq!(sent["quoteStatus"], "awaiting_response");
    assert!(sent["sentAt"].is_string());
    assert!(time(&sent["updatedAt"]) > time(&draft["updatedAt"]));

    t.admin_id(Method::POST, &format!("{base}/approve"), None).await;
    let approved = t.gql(&tokens.access, q, json!({"id": quote})).await["data"]["quote"].clone();
    assert_eq!(approved["quoteStatus"], "approved");
    assert!(time(&approved["transitionedAt"]) > time(&sent["transitionedAt"]));
    for action in ["send", "approve"] {
        let (status, body) = t.admin(Method::POST, &format!("{base}/{action}"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{action} on an approved quote: {body}");
    }
    let (status, _) = t.admin(Method::POST, &format!("{base}/explode"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    receiver.wait_for(4).await;
    let events: Vec<(String, String)> = receiver.events().into_iter().skip(1).collect();
    assert_eq!(
        events,
        [
            ("QUOTE_CREATE".to_owned(), quote.clone()),
            ("QUOTE_SENT".to_owned(), quote.clone()),
            ("QUOTE_APPROVED".to_owned(), quote.clone())
        ]
    );
    // The Rust API does the same.
    let other = t.sandbox.create_record(&account, RecordKind::Quote, RecordInput::default()).await.unwrap();
    t.sandbox.send_quote(&account, &other).unwrap();
    t.sandbox.approve_quote(&account, &other).unwrap();
    assert!(t.sandbox.approve_quote(&account, &other).is_err());
    let job = t.sandbox.create_record(&account, RecordKind::Job, RecordInput::default()).await.unwrap();
    t.sandbox.close_job(&account, &job).unwrap();
}
