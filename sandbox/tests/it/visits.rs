//! Visits: seeded per job, served as `visit(id:)` and `Job.visits`, and changed through the admin
//! routes with `VISIT_CREATE/UPDATE/COMPLETE/DESTROY` (itemId = the visit) and the job's
//! `updatedAt` moving.

use chrono::{DateTime, Utc};
use jobber_sandbox::{RecordInput, RecordKind, SandboxConfig, VisitInput};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Receiver, TestSandbox};

const JOB: &str = "query($id: EncodedId!) { job(id: $id) { id updatedAt
    visits(first: 10) { nodes { id } totalCount } } }";
const VISIT: &str = "query($id: EncodedId!) { visit(id: $id) { id title isDefaultTitle startAt endAt duration
    completedAt isComplete visitStatus(timezone: \"America/Edmonton\") allDay createdAt
    job { id } client { id } property { id } } }";

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time")).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn seeded_jobs_have_one_or_two_visits() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    let q = "{ jobs(first: 4) { nodes { id jobNumber client { id } property { id }
               visits { nodes { id title startAt endAt job { id } client { id } property { id } } totalCount } } } }";
    let body = t.gql(&tokens.access, q, Value::Null).await;
    let jobs = body["data"]["jobs"]["nodes"].as_array().unwrap();
    let counts: Vec<u64> = jobs.iter().map(|j| j["visits"]["totalCount"].as_u64().unwrap()).collect();
    assert_eq!(counts, [1, 2, 1, 2]);
    for j in jobs {
        for v in j["visits"]["nodes"].as_array().unwrap() {
            assert_eq!(v["job"]["id"], j["id"]);
            assert_eq!(v["client"]["id"], j["client"]["id"]);
            assert_eq!(v["property"]["id"], j["property"]["id"]);
            assert!(time(&v["endAt"]) > time(&v["startAt"]));
        }
    }
    // The Rust API lists the same visits.
    let job = jobs[1]["id"].as_str().unwrap();
    let listed = t.sandbox.visits_of_job(&t.green(), job).unwrap();
    let served: Vec<&str> =
        jobs[1]["visits"]["nodes"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(listed, served);
    // Nothing without visits_per_job.
    let none = TestSandbox::start(SandboxConfig { visits_per_job: 0, ..Default::default() }).await;
    let tokens = none.connect(&none.green()).await;
    let body =
        none.gql(&tokens.access, "{ jobs(first: 3) { nodes { visits { totalCount } } } }", Value::Null).await;
    assert!(body["data"]["jobs"]["nodes"].as_array().unwrap().iter().all(|j| j["visits"]["totalCount"] == 0));
}

#[tokio::test]
async fn admin_visit_changes_fire_visit_topics_and_move_the_job() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(&receiver, SandboxConfig::default()).await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    receiver.wait_for_topic("APP_CONNECT").await;
    let job = first_job(&t, &tokens.access).await;
    let before = t.gql(&tokens.access, JOB, json!({"id": job})).await["data"]["job"].clone();
    assert_eq!(before["visits"]["totalCount"], 1);

    let base = format!("/sandbox/accounts/{account}");
    let start = "2026-03-02T15:00:00Z";
    let visit = t
        .admin_id(
            Method::POST,
            &format!("{base}/jobs/{job}/visits"),
            Some(json!({"title": "Follow-up", "startAt": start, "endAt": "2026-03-02T16:30:00Z"})),
        )
        .await;
    let v = t.gql(&tokens.access, VISIT, json!({"id": visit})).await["data"]["visit"].clone();
    assert_eq!(v["id"], visit);
    assert_eq!(v["title"], "Follow-up");
    assert_eq!(v["isDefaultTitle"], false);
    assert_eq!(v["startAt"], start);
    assert_eq!(v["duration"], 90);
    assert_eq!((v["completedAt"].clone(), v["isComplete"].clone()), (Value::Null, json!(false)));
    assert_eq!(v["job"]["id"], job);
    assert_eq!(v["allDay"], false);
    let after_create = t.gql(&tokens.access, JOB, json!({"id": job})).await["data"]["job"].clone();
    assert_eq!(after_create["visits"]["totalCount"], 2);
    assert!(time(&after_create["updatedAt"]) > time(&before["updatedAt"]), "a visit changes its job");

    t.admin_id(
        Method::PATCH,
        &format!("{base}/visits/{visit}"),
        Some(json!({"startAt": "2026-03-02T15:30:00Z"})),
    )
    .await;
    let v = t.gql(&tokens.access, VISIT, json!({"id": visit})).await["data"]["visit"].clone();
    assert_eq!(v["duration"], 60);
    let after_update =
        t.gql(&tokens.access, JOB, json!({"id": job})).await["data"]["job"]["updatedAt"].clone();
    assert!(time(&after_update) > time(&after_create["updatedAt"]));

    t.admin_id(Method::POST, &format!("{base}/visits/{visit}/complete"), None).await;
    let v = t.gql(&tokens.access, VISIT, json!({"id": visit})).await["data"]["visit"].clone();
    assert_eq!((v["isComplete"].clone(), v["visitStatus"].clone()), (json!(true), json!("COMPLETED")));
    assert!(v["completedAt"].is_string());
    let (status, body) = t.admin(Method::POST, &format!("{base}/visits/{visit}/complete"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, _) = t.admin(Method::DELETE, &format!("{base}/visits/{visit}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let body = t.gql(&tokens.access, VISIT, json!({"id": visit})).await;
    assert_eq!(body["data"]["visit"], Value::Null);
    let (status, _) = t.admin(Method::DELETE, &format!("{base}/visits/{visit}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    receiver.wait_for(5).await;
    let events: Vec<(String, String)> = receiver.events().into_iter().skip(1).collect();
    let expect = |topic: &str| (topic.to_owned(), visit.clone());
    assert_eq!(
        events,
        [expect("VISIT_CREATE"), expect("VISIT_UPDATE"), expect("VISIT_COMPLETE"), expect("VISIT_DESTROY")],
        "no JOB_UPDATE: the app must follow VISIT_* itself"
    );
}

#[tokio::test]
async fn visits_through_the_rust_api_and_with_their_job() {
    let t = TestSandbox::default().await;
    let account = t.spark();
    let job = t.sandbox.create_record(&account, RecordKind::Job, RecordInput::default()).await.unwrap();
    assert!(t.sandbox.visits_of_job(&account, &job).unwrap().is_empty());
    let v = t.sandbox.create_visit(&account, &job, VisitInput::default()).unwrap();
    t.sandbox
        .update_visit(&account, &v, VisitInput { title: Some("Renamed".into()), ..Default::default() })
        .unwrap();
    t.sandbox.complete_visit(&account, &v).unwrap();
    assert_eq!(t.sandbox.visits_of_job(&account, &job).unwrap(), std::slice::from_ref(&v));
    let bad = VisitInput {
        start_at: Some("2026-01-02T00:00:00Z".parse().unwrap()),
        end_at: Some("2026-01-01T00:00:00Z".parse().unwrap()),
        ..Default::default()
    };
    assert!(t.sandbox.create_visit(&account, &job, bad).is_err());
    assert!(t.sandbox.create_visit(&account, "nope", VisitInput::default()).is_err());

    // A deleted job takes its visits with it.
    let tokens = t.connect(&account).await;
    t.sandbox.delete_record(&account, RecordKind::Job, &job).await.unwrap();
    let body = t.gql(&tokens.access, VISIT, json!({"id": v})).await;
    assert_eq!(body["data"]["visit"], Value::Null);
    assert!(t.sandbox.visits_of_job(&account, &job).is_err());
    // Another account cannot see this account's visits.
    let other = t.connect(&t.green()).await;
    let seeded = t.sandbox.visits_of_job(&account, &first_job(&t, &tokens.access).await).unwrap();
    let body = t.gql(&other.access, VISIT, json!({"id": seeded[0]})).await;
    assert_eq!(body["data"]["visit"], Value::Null);
}

async fn first_job(t: &TestSandbox, token: &str) -> String {
    t.gql(token, "{ jobs(first: 1) { nodes { id } } }", Value::Null).await["data"]["jobs"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn get_lists_a_jobs_visits() {
    let t = TestSandbox::default().await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    let job = first_job(&t, &tokens.access).await;
    let (status, body) =
        t.admin(Method::GET, &format!("/sandbox/accounts/{account}/jobs/{job}/visits"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["visits"], json!(t.sandbox.visits_of_job(&account, &job).unwrap()));
}
