//! Issue 14, item 5: every current webhook topic. `VISIT_*` re-fetches the visit's job,
//! `PAYMENT_*` the invoice and client it changes, `JOB_CLOSED`/`QUOTE_SENT`/`QUOTE_APPROVED`
//! their item; the rest are recorded IGNORED with a reason. The periodic sync does not run during
//! these tests (15-minute default), so whatever changes locally came through the webhook.
use std::time::Duration;

use jobber_app::db::entities::{sync_records, webhook_events};
use jobber_sandbox::{PaymentInput, PaymentMethod, PayoutInput, VisitInput};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{TestApp, eventually};

const GREEN: &str = "Green Thumb Landscaping";

async fn wait_synced(app: &TestApp) {
    eventually(Duration::from_secs(60), "the first sync", || async {
        let body = app.graphql("{ syncStatus { state } }").await;
        let list = body["data"]["syncStatus"].as_array()?.clone();
        (list.len() == 5 && list.iter().all(|s| s["state"] == "DONE")).then_some(())
    })
    .await;
}

async fn row(app: &TestApp, account: &str, id: &str) -> sync_records::Model {
    sync_records::Entity::find()
        .filter(sync_records::Column::JobberAccountId.eq(account))
        .filter(sync_records::Column::JobberId.eq(id))
        .one(app.state.db.writer())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no local row for {id}"))
}

async fn rows_of(app: &TestApp, account: &str, kind: &str) -> Vec<sync_records::Model> {
    sync_records::Entity::find()
        .filter(sync_records::Column::JobberAccountId.eq(account))
        .filter(sync_records::Column::Kind.eq(kind))
        .filter(sync_records::Column::Deleted.eq(false))
        .all(app.state.db.writer())
        .await
        .unwrap()
}

/// The stored item's JSON.
async fn stored(app: &TestApp, account: &str, id: &str) -> Value {
    serde_json::from_str(row(app, account, id).await.data.as_deref().unwrap_or("null")).unwrap()
}

/// Waits until the inbox has settled an event of `topic` for `item`; returns its status and reason.
async fn settled(app: &TestApp, topic: &str, item: &str) -> (String, Option<String>) {
    eventually(Duration::from_secs(30), &format!("{topic} for {item} to be settled"), || async {
        let rows = webhook_events::Entity::find()
            .filter(webhook_events::Column::Topic.eq(topic))
            .filter(webhook_events::Column::ItemId.eq(item))
            .all(app.state.db.writer())
            .await
            .ok()?;
        let r = rows.into_iter().find(|r| r.status == "PROCESSED" || r.status == "IGNORED")?;
        Some((sea_orm::ActiveEnum::to_value(&r.status), r.last_error))
    })
    .await
}

/// Jobber's (the sandbox's) answer, asked through the app's own token.
async fn jobber(app: &TestApp, account: &str, query: &str, id: &str) -> Value {
    use secrecy::ExposeSecret;
    let token = app.state.tokens.valid_access_token(account).await.unwrap();
    let res = reqwest::Client::new()
        .post(format!("{}api/graphql", app.state.jobber.api_url))
        .bearer_auth(token.token.expose_secret())
        .header("X-JOBBER-GRAPHQL-VERSION", "2025-04-16")
        .json(&json!({ "query": query, "variables": { "id": id } }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"], Value::Null, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn visit_topics_refetch_the_job_and_its_deletion_is_ignored_with_a_reason() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    wait_synced(&app).await;
    let account = app.account_id(GREEN);
    let sandbox = app.sandbox();
    let job = rows_of(&app, &account, "JOB").await[0].jobber_id.clone();
    let before = stored(&app, &account, &job).await["updatedAt"].clone();

    let start = chrono::Utc::now() + chrono::Duration::days(3);
    let input =
        VisitInput { title: None, start_at: Some(start), end_at: Some(start + chrono::Duration::hours(2)) };
    let visit = sandbox.create_visit(&account, &job, input).unwrap();
    assert_eq!(settled(&app, "VISIT_CREATE", &visit).await, ("PROCESSED".to_owned(), None));
    let jobber_job =
        jobber(&app, &account, "query($id: EncodedId!) { job(id: $id) { updatedAt } }", &job).await;
    let after = stored(&app, &account, &job).await["updatedAt"].clone();
    assert_ne!(after, before, "the visit moved the job's updatedAt");
    assert_eq!(after, jobber_job["job"]["updatedAt"], "the local job is Jobber's current one");

    sandbox.complete_visit(&account, &visit).unwrap();
    assert_eq!(settled(&app, "VISIT_COMPLETE", &visit).await.0, "PROCESSED");
    let jobber_job =
        jobber(&app, &account, "query($id: EncodedId!) { job(id: $id) { updatedAt } }", &job).await;
    assert_eq!(stored(&app, &account, &job).await["updatedAt"], jobber_job["job"]["updatedAt"]);

    sandbox.delete_visit(&account, &visit).unwrap();
    let (status, why) = settled(&app, "VISIT_DESTROY", &visit).await;
    assert_eq!(status, "IGNORED");
    assert!(why.unwrap().contains("deleted visit cannot be fetched"));
}

#[tokio::test]
async fn payment_topics_refetch_the_invoice_and_client_balances_and_payouts_are_ignored() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    wait_synced(&app).await;
    let account = app.account_id(GREEN);
    let sandbox = app.sandbox();
    let invoice = rows_of(&app, &account, "INVOICE")
        .await
        .into_iter()
        .find(|i| i.balance.unwrap_or(0.0) >= 10.0)
        .expect("a seeded invoice that is owed");
    let client = invoice.client_jobber_id.clone().expect("the invoice's client");
    let client_balance = row(&app, &account, &client).await.balance.unwrap();
    let owed = invoice.balance.unwrap();

    let input = PaymentInput {
        amount: Some(5.0),
        method: Some(PaymentMethod::JobberPaymentsCard),
        ..Default::default()
    };
    let payment = sandbox.record_payment(&account, &invoice.jobber_id, input).unwrap();
    assert_eq!(settled(&app, "PAYMENT_CREATE", &payment).await, ("PROCESSED".to_owned(), None));
    let local = row(&app, &account, &invoice.jobber_id).await;
    assert!((local.balance.unwrap() - (owed - 5.0)).abs() < 1e-6, "{local:?}");
    let local_client = row(&app, &account, &client).await;
    assert!((local_client.balance.unwrap() - (client_balance - 5.0)).abs() < 1e-6, "{local_client:?}");

    sandbox
        .update_payment(&account, &payment, PaymentInput { amount: Some(7.0), ..Default::default() })
        .unwrap();
    assert_eq!(settled(&app, "PAYMENT_UPDATE", &payment).await.0, "PROCESSED");
    let local = row(&app, &account, &invoice.jobber_id).await;
    assert!((local.balance.unwrap() - (owed - 7.0)).abs() < 1e-6, "{local:?}");
    let jobber_invoice = jobber(
        &app,
        &account,
        "query($id: EncodedId!) { invoice(id: $id) { amounts { invoiceBalance } } }",
        &invoice.jobber_id,
    )
    .await;
    assert_eq!(local.balance, jobber_invoice["invoice"]["amounts"]["invoiceBalance"].as_f64());

    let payout = sandbox.create_payout(&account, PayoutInput::default()).unwrap();
    let (status, why) = settled(&app, "PAYOUT_CREATE", &payout).await;
    assert_eq!(status, "IGNORED");
    assert!(why.unwrap().contains("a payout changes no invoice or client balance"));

    // A second payment that is then deleted: its invoice cannot be found from the event.
    let cash = sandbox
        .record_payment(
            &account,
            &invoice.jobber_id,
            PaymentInput { amount: Some(1.0), ..Default::default() },
        )
        .unwrap();
    assert_eq!(settled(&app, "PAYMENT_CREATE", &cash).await.0, "PROCESSED");
    sandbox.delete_payment(&account, &cash).unwrap();
    let (status, why) = settled(&app, "PAYMENT_DESTROY", &cash).await;
    assert_eq!(status, "IGNORED");
    assert!(why.unwrap().contains("deleted payment cannot be fetched"));
}

#[tokio::test]
async fn job_closed_and_quote_sent_and_approved_refetch_their_item_and_other_topics_are_ignored() {
    let app = TestApp::spawn().await;
    app.connect(GREEN).await;
    wait_synced(&app).await;
    let account = app.account_id(GREEN);
    let sandbox = app.sandbox();
    let job = rows_of(&app, &account, "JOB")
        .await
        .into_iter()
        .find(|j| j.status.as_deref() != Some("archived"))
        .expect("an open job");
    sandbox.close_job(&account, &job.jobber_id).unwrap();
    assert_eq!(settled(&app, "JOB_CLOSED", &job.jobber_id).await.0, "PROCESSED");
    assert_eq!(row(&app, &account, &job.jobber_id).await.status.as_deref(), Some("archived"));

    let quote = rows_of(&app, &account, "QUOTE")
        .await
        .into_iter()
        .find(|q| q.status.as_deref() == Some("draft"))
        .expect("a draft quote");
    sandbox.send_quote(&account, &quote.jobber_id).unwrap();
    assert_eq!(settled(&app, "QUOTE_SENT", &quote.jobber_id).await.0, "PROCESSED");
    assert_eq!(row(&app, &account, &quote.jobber_id).await.status.as_deref(), Some("awaiting_response"));
    sandbox.approve_quote(&account, &quote.jobber_id).unwrap();
    eventually(Duration::from_secs(30), "QUOTE_APPROVED to reach the local quote", || async {
        (row(&app, &account, &quote.jobber_id).await.status.as_deref() == Some("approved")).then_some(())
    })
    .await;
    assert_eq!(settled(&app, "QUOTE_APPROVED", &quote.jobber_id).await.0, "PROCESSED");

    let user = sandbox.add_user(&account, "Ada", "Admin", "ada@example.com").unwrap();
    let (status, why) = settled(&app, "USER_CREATE", &user).await;
    assert_eq!(status, "IGNORED");
    assert_eq!(why.as_deref(), Some("Fieldsync does not sync this kind of data"));
}
