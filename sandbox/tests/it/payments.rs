//! Payments and payouts: recording a payment moves the invoice's and the client's balances and
//! `updatedAt`s and fires `PAYMENT_*` (and `INVOICE_UPDATE` only when configured); payouts of
//! Jobber Payments card payments fire `PAYOUT_*` and reach invoices through their balance
//! transactions, as Jobber's schema links them.

use chrono::{DateTime, Utc};
use jobber_sandbox::{PaymentInput, PaymentMethod, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Receiver, TestSandbox, Tokens};

const INVOICE: &str = "query($id: EncodedId!) { invoice(id: $id) { id invoiceStatus updatedAt
    amounts { total invoiceBalance paymentsTotal }
    client { id balance updatedAt }
    paymentRecords(first: 10) { nodes { id amount adjustmentType entryDate } totalCount } } }";
const PAYMENT: &str = "query($id: EncodedId!) { paymentRecord(id: $id) { __typename id amount entryDate
    adjustmentType paymentType details invoice { id } client { id }
    ... on CheckPaymentRecord { checkNumber }
    ... on JobberPaymentsCreditCardPaymentRecord { lastDigits transactionStatus } } }";

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time")).unwrap().with_timezone(&Utc)
}

fn money(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

/// The first seeded invoice that still owes money.
async fn unpaid_invoice(t: &TestSandbox, tokens: &Tokens) -> String {
    let body = t
        .gql(
            &tokens.access,
            "{ invoices(first: 25) { nodes { id invoiceStatus amounts { invoiceBalance } } } }",
            Value::Null,
        )
        .await;
    body["data"]["invoices"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["invoiceStatus"] != "paid" && money(&i["amounts"]["invoiceBalance"]) > 10.0)
        .expect("an unpaid invoice")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn recording_payments_moves_balances_and_fires_payment_topics_only() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(&receiver, SandboxConfig::default()).await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    receiver.wait_for_topic("APP_CONNECT").await;
    let invoice = unpaid_invoice(&t, &tokens).await;
    let before = t.gql(&tokens.access, INVOICE, json!({"id": invoice})).await["data"]["invoice"].clone();
    let balance = money(&before["amounts"]["invoiceBalance"]);
    let client_balance = money(&before["client"]["balance"]);
    let part = (balance / 2.0 * 100.0).round() / 100.0;

    let base = format!("/sandbox/accounts/{account}");
    let p1 = t
        .admin_id(
            Method::POST,
            &format!("{base}/invoices/{invoice}/payments"),
            Some(json!({"amount": part, "method": "check"})),
        )
        .await;
    let after = t.gql(&tokens.access, INVOICE, json!({"id": invoice})).await["data"]["invoice"].clone();
    let cents = |x: f64| (x * 100.0).round() as i64;
    assert_eq!(cents(money(&after["amounts"]["invoiceBalance"])), cents(balance - part));
    assert_eq!(
        cents(money(&after["amounts"]["paymentsTotal"])),
        cents(money(&before["amounts"]["paymentsTotal"]) + part)
    );
    assert_eq!(after["invoiceStatus"], before["invoiceStatus"], "a partial payment leaves the status");
    assert_eq!(cents(money(&after["client"]["balance"])), cents(client_balance - part));
    assert!(time(&after["updatedAt"]) > time(&before["updatedAt"]));
    assert!(time(&after["client"]["updatedAt"]) > time(&before["client"]["updatedAt"]));
    assert_eq!(after["paymentRecords"]["totalCount"], 1);
    assert_eq!(after["paymentRecords"]["nodes"][0]["id"], p1);
    assert_eq!(after["paymentRecords"]["nodes"][0]["adjustmentType"], "PAYMENT");

    let p = t.gql(&tokens.access, PAYMENT, json!({"id": p1})).await["data"]["paymentRecord"].clone();
    assert_eq!(p["__typename"], "CheckPaymentRecord");
    assert_eq!((p["amount"].clone(), p["paymentType"].clone()), (json!(part), json!("CHEQUE")));
    assert_eq!(p["invoice"]["id"], invoice);
    assert_eq!(p["client"]["id"], after["client"]["id"]);
    assert!(p["checkNumber"].is_string());

    // The rest (the default amount) pays the invoice off; more is refused.
    let p2 = t.admin_id(Method::POST, &format!("{base}/invoices/{invoice}/payments"), None).await;
    let paid = t.gql(&tokens.access, INVOICE, json!({"id": invoice})).await["data"]["invoice"].clone();
    assert_eq!(paid["invoiceStatus"], "paid");
    assert_eq!(money(&paid["amounts"]["invoiceBalance"]), 0.0);
    assert_eq!(cents(money(&paid["client"]["balance"])), cents(client_balance - balance));
    let p = t.gql(&tokens.access, PAYMENT, json!({"id": p2})).await["data"]["paymentRecord"].clone();
    assert_eq!(p["__typename"], "CashPaymentRecord");
    let (status, body) = t
        .admin(Method::POST, &format!("{base}/invoices/{invoice}/payments"), Some(json!({"amount": 1})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Editing and deleting move the balances back.
    t.admin_id(
        Method::PATCH,
        &format!("{base}/payments/{p1}"),
        Some(json!({"amount": part - 1.0, "details": "short"})),
    )
    .await;
    let edited = t.gql(&tokens.access, INVOICE, json!({"id": invoice})).await["data"]["invoice"].clone();
    assert_eq!(cents(money(&edited["amounts"]["invoiceBalance"])), 100);
    assert_eq!(edited["invoiceStatus"], "awaiting_payment");
    let (status, _) = t.admin(Method::DELETE, &format!("{base}/payments/{p2}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deleted = t.gql(&tokens.access, INVOICE, json!({"id": invoice})).await["data"]["invoice"].clone();
    assert_eq!(cents(money(&deleted["amounts"]["invoiceBalance"])), cents(balance - part + 1.0));
    assert_eq!(deleted["paymentRecords"]["totalCount"], 1);
    assert_eq!(t.gql(&tokens.access, PAYMENT, json!({"id": p2})).await["data"]["paymentRecord"], Value::Null);

    receiver.wait_for(5).await;
    let events: Vec<(String, String)> = receiver.events().into_iter().skip(1).collect();
    assert_eq!(
        events,
        [
            ("PAYMENT_CREATE".to_owned(), p1.clone()),
            ("PAYMENT_CREATE".to_owned(), p2.clone()),
            ("PAYMENT_UPDATE".to_owned(), p1),
            ("PAYMENT_DESTROY".to_owned(), p2),
        ],
        "no INVOICE_UPDATE by default"
    );
}

#[tokio::test]
async fn invoice_update_can_accompany_payments() {
    let receiver = Receiver::start(Vec::new()).await;
    let config = SandboxConfig { payment_sends_invoice_update: true, ..Default::default() };
    let t = TestSandbox::delivering_to(&receiver, config).await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    let invoice = unpaid_invoice(&t, &tokens).await;
    let p = t
        .sandbox
        .record_payment(&account, &invoice, PaymentInput { amount: Some(5.0), ..Default::default() })
        .unwrap();
    receiver.wait_for(3).await;
    let events: Vec<(String, String)> = receiver.events().into_iter().skip(1).collect();
    assert_eq!(events, [("PAYMENT_CREATE".to_owned(), p), ("INVOICE_UPDATE".to_owned(), invoice)]);
}

#[tokio::test]
async fn payouts_carry_card_payments_and_lead_to_their_invoices() {
    let receiver = Receiver::start(Vec::new()).await;
    let t = TestSandbox::delivering_to(&receiver, SandboxConfig::default()).await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    receiver.wait_for_topic("APP_CONNECT").await;
    let invoice = unpaid_invoice(&t, &tokens).await;
    let card = PaymentInput {
        amount: Some(120.5),
        method: Some(PaymentMethod::JobberPaymentsCard),
        ..Default::default()
    };
    let payment = t.sandbox.record_payment(&account, &invoice, card).unwrap();
    let cash = t
        .sandbox
        .record_payment(&account, &invoice, PaymentInput { amount: Some(1.0), ..Default::default() })
        .unwrap();
    let p = t.gql(&tokens.access, PAYMENT, json!({"id": payment})).await["data"]["paymentRecord"].clone();
    assert_eq!(p["__typename"], "JobberPaymentsCreditCardPaymentRecord");
    assert_eq!(p["transactionStatus"], "SUCCEEDED");

    let base = format!("/sandbox/accounts/{account}");
    let (status, body) =
        t.admin(Method::POST, &format!("{base}/payouts"), Some(json!({"paymentIds": [cash]}))).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only Jobber Payments payments are paid out: {body}"
    );
    let payout =
        t.admin_id(Method::POST, &format!("{base}/payouts"), Some(json!({"paymentIds": [payment]}))).await;
    let q =
        "query($id: EncodedId!) { payoutRecord(id: $id) { id identifier status currency grossAmount feeAmount
               netAmount payoutMethod type created arrivalDate
               balanceTransactions(first: 5) { totalCount nodes { __typename id grossAmount netAmount type
                 ... on PaymentBalanceTransaction { paymentRecord { __typename id invoice { id } } } } } } }";
    let r = t.gql(&tokens.access, q, json!({"id": payout})).await["data"]["payoutRecord"].clone();
    assert_eq!(r["id"], payout);
    assert_eq!(
        (r["status"].clone(), r["payoutMethod"].clone(), r["type"].clone()),
        (json!("IN_TRANSIT"), json!("STANDARD"), json!("BANK_ACCOUNT"))
    );
    assert_eq!(r["grossAmount"], 12050, "payout money is in cents");
    assert_eq!(r["feeAmount"], 12050 * 29 / 1000 + 30);
    assert_eq!(r["netAmount"].as_i64().unwrap(), 12050 - r["feeAmount"].as_i64().unwrap());
    assert!(time(&r["arrivalDate"]) > time(&r["created"]));
    let txn = &r["balanceTransactions"]["nodes"][0];
    assert_eq!(r["balanceTransactions"]["totalCount"], 1);
    assert_eq!(
        (txn["__typename"].clone(), txn["type"].clone()),
        (json!("PaymentBalanceTransaction"), json!("PAYMENT"))
    );
    assert_eq!(txn["paymentRecord"]["id"], payment);
    assert_eq!(
        txn["paymentRecord"]["invoice"]["id"], invoice,
        "payout → balance transaction → payment → invoice"
    );

    // Paid out: it cannot go in a second payout or change any more.
    let (status, _) =
        t.admin(Method::POST, &format!("{base}/payouts"), Some(json!({"paymentIds": [payment]}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = t.admin(Method::DELETE, &format!("{base}/payments/{payment}"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    t.admin_id(Method::PATCH, &format!("{base}/payouts/{payout}"), Some(json!({"status": "PAID"}))).await;
    let r = t.gql(&tokens.access, q, json!({"id": payout})).await["data"]["payoutRecord"].clone();
    assert_eq!(r["status"], "PAID");
    // Without ids, a payout takes every card payment not paid out yet (the seeded ones).
    let rest = t.admin_id(Method::POST, &format!("{base}/payouts"), None).await;
    let r = t.gql(&tokens.access, q, json!({"id": rest})).await["data"]["payoutRecord"].clone();
    assert!(r["balanceTransactions"]["totalCount"].as_u64().unwrap() >= 1);
    let (status, _) = t.admin(Method::POST, &format!("{base}/payouts"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nothing left to pay out");

    receiver.wait_for(6).await;
    let topics: Vec<String> = receiver.events().into_iter().skip(1).map(|e| e.0).collect();
    assert_eq!(
        topics,
        ["PAYMENT_CREATE", "PAYMENT_CREATE", "PAYOUT_CREATE", "PAYOUT_UPDATE", "PAYOUT_CREATE"]
    );
    assert_eq!(receiver.events()[3].1, payout);
}
