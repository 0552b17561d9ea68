//! Every operation: the request Jobber receives (headers, version, `first`, variables) and the
//! decoding of a realistic answer.

use axum::http::StatusCode;
use chrono::DateTime;
use jobber_graphql::operations::*;
use jobber_graphql::{GraphQLQuery, Priority, Response};
use serde_json::{Value, json};

use crate::support::{Recorded, client as test_client, cost, fake_graphql, json_reply};

const CLIENT_ID: &str = "Z2lkOi8vSm9iYmVyL0NsaWVudC8x";
const PROPERTY_ID: &str = "Z2lkOi8vSm9iYmVyL1Byb3BlcnR5LzE=";

/// Runs `Q` against a fake answering `data`; returns what the fake saw and the decoded answer.
async fn run<Q: GraphQLQuery>(variables: Q::Variables, data: Value) -> (Recorded, Response<Q::ResponseData>) {
    let body = json!({"data": data, "extensions": cost(42.0, 9958.0)}).to_string();
    let fake = fake_graphql(move |_| json_reply(StatusCode::OK, body.clone())).await;
    let response = test_client(&fake)
        .execute::<Q>("acct-1", "access-token-1", variables, Priority::Normal)
        .await
        .expect("operation succeeds");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = requests.into_iter().next().unwrap();
    assert_common_shape(&request);
    assert_eq!(response.cost.as_ref().unwrap().requested_query_cost, 42.0);
    (request, response)
}

fn assert_common_shape(request: &Recorded) {
    assert_eq!(request.header("authorization").as_deref(), Some("Bearer access-token-1"));
    assert_eq!(request.header("x-jobber-graphql-version").as_deref(), Some("2025-04-16"));
    assert_eq!(request.header("content-type").as_deref(), Some("application/json"));
    let body = request.json();
    assert!(body["query"].as_str().unwrap().contains(body["operationName"].as_str().unwrap()));
}

/// A paged query sends `first` as a variable and uses it on the connection.
fn assert_paged(request: &Recorded, name: &str, connection: &str) {
    let body = request.json();
    assert_eq!(body["operationName"], name);
    assert_eq!(body["variables"]["first"], 25);
    assert_eq!(body["variables"]["after"], "cursor-1");
    let query = body["query"].as_str().unwrap();
    assert!(query.contains(&format!("{connection}(first: $first, after: $after")), "{query}");
    assert!(query.contains("$first: Int!"), "{query}");
}

fn page(nodes: &Value) -> Value {
    json!({"nodes": nodes, "pageInfo": {"endCursor": "cursor-2", "hasNextPage": true}})
}

fn client_node() -> Value {
    json!({"id": CLIENT_ID, "firstName": "Ada", "lastName": "Lovelace", "companyName": null,
        "isCompany": false, "name": "Ada Lovelace",
        "emails": [{"address": "ada@example.com", "primary": true}],
        "phones": [{"number": "780-555-0100", "primary": true}],
        "billingAddress": {"street": "1 Main St", "city": "Edmonton", "province": "AB",
            "postalCode": "T5J 0N3", "country": "Canada"},
        "balance": 12.5, "isArchived": false,
        "createdAt": "2021-08-12T16:31:36-06:00", "updatedAt": "2024-01-02T03:04:05Z"})
}

fn property_node() -> Value {
    json!({"id": PROPERTY_ID, "address": {"street": "1 Main St", "city": null, "province": null,
        "postalCode": null, "country": null}, "client": {"id": CLIENT_ID}, "isBillingAddress": true})
}

fn job_node() -> Value {
    json!({"id": "Sm9iLzE=", "jobNumber": 7, "title": "Gutters", "jobStatus": "active",
        "client": {"id": CLIENT_ID}, "property": {"id": PROPERTY_ID},
        "startAt": "2024-05-01T09:00:00-06:00", "endAt": null, "completedAt": null, "total": 250.0,
        "createdAt": "2024-04-01T09:00:00-06:00", "updatedAt": "2024-04-02T09:00:00-06:00"})
}

fn quote_node() -> Value {
    json!({"id": "UXVvdGUvMQ==", "quoteNumber": "12", "quoteStatus": "approved", "title": null,
        "client": {"id": CLIENT_ID}, "property": null, "amounts": {"subtotal": 100.0, "total": 105.0},
        "createdAt": "2024-04-01T09:00:00Z", "updatedAt": "2024-04-02T09:00:00Z"})
}

fn invoice_node() -> Value {
    json!({"id": "SW52b2ljZS8x", "invoiceNumber": "3", "invoiceStatus": "paid",
        "subject": "For services rendered", "client": {"id": CLIENT_ID},
        "amounts": {"subtotal": 100.0, "total": 105.0, "invoiceBalance": 0.0},
        "issuedDate": "2024-04-01T00:00:00Z", "dueDate": null,
        "createdAt": "2024-04-01T09:00:00Z", "updatedAt": "2024-04-02T09:00:00Z"})
}

fn since() -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap()
}

#[tokio::test]
async fn account() {
    let (request, response) =
        run::<Account>(account::Variables, json!({"account": {"id": "QWNjb3VudC8x", "name": "Acme"}})).await;
    assert_eq!(request.json()["operationName"], "Account");
    let account = response.data.account.unwrap();
    assert_eq!((account.id.as_str(), account.name.as_str()), ("QWNjb3VudC8x", "Acme"));
}

#[tokio::test]
async fn current_user() {
    let (request, response) = run::<CurrentUser>(
        current_user::Variables,
        json!({"user": {"id": "VXNlci8x", "name": {"full": "Ada Lovelace"}, "email": {"raw": "ada@example.com"}}}),
    )
    .await;
    assert_eq!(request.json()["operationName"], "CurrentUser");
    let user = response.data.user.unwrap();
    assert_eq!(user.name.full, "Ada Lovelace");
    assert_eq!(user.email.raw, "ada@example.com");
}

#[tokio::test]
async fn clients_page_with_updated_at_filter() {
    let variables = clients::Variables {
        first: 25,
        after: Some("cursor-1".into()),
        updated_at: Some(clients::Iso8601DateTimeRangeInput { after: Some(since()), before: None, eq: None }),
    };
    let (request, response) =
        run::<Clients>(variables, json!({"clients": page(&json!([client_node()]))})).await;
    assert_paged(&request, "Clients", "clients");
    let body = request.json();
    // Unset bounds are left out, not sent as null.
    assert_eq!(body["variables"]["updatedAt"], json!({"after": "2024-01-01T00:00:00Z"}));
    assert!(body["query"].as_str().unwrap().contains("filter: { updatedAt: $updatedAt }"));
    let page = response.data.clients;
    assert_eq!(page.page_info.end_cursor.as_deref(), Some("cursor-2"));
    assert!(page.page_info.has_next_page);
    let c = &page.nodes[0];
    assert_eq!(c.id, CLIENT_ID);
    assert_eq!(c.emails[0].address, "ada@example.com");
    assert_eq!(c.billing_address.as_ref().unwrap().city, "Edmonton");
    assert_eq!(c.balance, 12.5);
    assert_eq!(c.updated_at, DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z").unwrap());
}

#[tokio::test]
async fn clients_page_without_filter_sends_no_updated_at() {
    let variables = clients::Variables { first: 25, after: Some("cursor-1".into()), updated_at: None };
    let (request, _) = run::<Clients>(variables, json!({"clients": page(&json!([]))})).await;
    assert!(request.json()["variables"].get("updatedAt").is_none());
}

#[tokio::test]
async fn properties_page() {
    let variables = properties::Variables { first: 25, after: Some("cursor-1".into()) };
    let (request, response) =
        run::<Properties>(variables, json!({"properties": page(&json!([property_node()]))})).await;
    assert_paged(&request, "Properties", "properties");
    let p = &response.data.properties.nodes[0];
    assert_eq!(p.client.as_ref().unwrap().id, CLIENT_ID);
    assert_eq!(p.address.city, None);
    assert_eq!(p.is_billing_address, Some(true));
}

#[tokio::test]
async fn jobs_page_sorted_by_update() {
    let variables = jobs::Variables { first: 25, after: Some("cursor-1".into()) };
    let (request, response) = run::<Jobs>(variables, json!({"jobs": page(&json!([job_node()]))})).await;
    assert_paged(&request, "Jobs", "jobs");
    assert!(
        request.json()["query"]
            .as_str()
            .unwrap()
            .contains("sort: [{ key: UPDATED_AT, direction: DESCENDING }]")
    );
    let j = &response.data.jobs.nodes[0];
    assert_eq!(j.job_number, 7);
    assert_eq!(j.job_status, "active");
    assert_eq!(j.property.id, PROPERTY_ID);
    assert_eq!(j.total, 250.0);
}

#[tokio::test]
async fn quotes_page_with_updated_at_filter() {
    let variables = quotes::Variables {
        first: 25,
        after: Some("cursor-1".into()),
        updated_at: Some(quotes::Iso8601DateTimeRangeInput { after: Some(since()), before: None, eq: None }),
    };
    let (request, response) = run::<Quotes>(variables, json!({"quotes": page(&json!([quote_node()]))})).await;
    assert_paged(&request, "Quotes", "quotes");
    assert_eq!(request.json()["variables"]["updatedAt"]["after"], "2024-01-01T00:00:00Z");
    let q = &response.data.quotes.nodes[0];
    assert_eq!(q.amounts.total, 105.0);
    assert_eq!(q.quote_status, "approved");
}

#[tokio::test]
async fn invoices_page_with_updated_at_filter() {
    let variables = invoices::Variables {
        first: 25,
        after: Some("cursor-1".into()),
        updated_at: Some(invoices::Iso8601DateTimeRangeInput {
            after: Some(since()),
            before: None,
            eq: None,
        }),
    };
    let (request, response) =
        run::<Invoices>(variables, json!({"invoices": page(&json!([invoice_node()]))})).await;
    assert_paged(&request, "Invoices", "invoices");
    let i = &response.data.invoices.nodes[0];
    assert_eq!(i.amounts.as_ref().unwrap().invoice_balance, 0.0);
    assert_eq!(i.invoice_status, "paid");
}

fn assert_single(request: &Recorded, name: &str, id: &str) {
    let body = request.json();
    assert_eq!(body["operationName"], name);
    assert_eq!(body["variables"], json!({"id": id}));
}

#[tokio::test]
async fn single_client() {
    let (request, response) =
        run::<Client>(client::Variables { id: CLIENT_ID.into() }, json!({"client": client_node()})).await;
    assert_single(&request, "Client", CLIENT_ID);
    assert_eq!(response.data.client.unwrap().name, "Ada Lovelace");
}

#[tokio::test]
async fn single_client_missing_is_none() {
    let (_, response) =
        run::<Client>(client::Variables { id: "bm9uZQ==".into() }, json!({"client": null})).await;
    assert!(response.data.client.is_none());
}

#[tokio::test]
async fn single_property() {
    let (request, response) =
        run::<Property>(property::Variables { id: PROPERTY_ID.into() }, json!({"property": property_node()}))
            .await;
    assert_single(&request, "Property", PROPERTY_ID);
    assert_eq!(response.data.property.unwrap().address.street, "1 Main St");
}

#[tokio::test]
async fn single_job() {
    let (request, response) =
        run::<Job>(job::Variables { id: "Sm9iLzE=".into() }, json!({"job": job_node()})).await;
    assert_single(&request, "Job", "Sm9iLzE=");
    assert_eq!(response.data.job.unwrap().title.as_deref(), Some("Gutters"));
}

#[tokio::test]
async fn single_quote() {
    let (request, response) =
        run::<Quote>(quote::Variables { id: "UXVvdGUvMQ==".into() }, json!({"quote": quote_node()})).await;
    assert_single(&request, "Quote", "UXVvdGUvMQ==");
    assert_eq!(response.data.quote.unwrap().quote_number, "12");
}

#[tokio::test]
async fn single_invoice() {
    let (request, response) =
        run::<Invoice>(invoice::Variables { id: "SW52b2ljZS8x".into() }, json!({"invoice": invoice_node()}))
            .await;
    assert_single(&request, "Invoice", "SW52b2ljZS8x");
    assert_eq!(response.data.invoice.unwrap().subject, "For services rendered");
}

#[tokio::test]
async fn app_disconnect_fixture() {
    let body = crate::support::fixture("app-disconnect-ok.json");
    let fake = fake_graphql(move |_| json_reply(StatusCode::OK, body.clone())).await;
    let response = test_client(&fake).app_disconnect("acct-1", "access-token-1").await.unwrap();
    let app = response.data.app_disconnect.app.unwrap();
    assert_eq!((app.name.as_str(), app.author.as_str()), ("Example App", "Example Co"));
    let request = &fake.requests()[0];
    assert_common_shape(request);
    assert_eq!(request.json()["operationName"], "AppDisconnect");
    assert!(request.json()["query"].as_str().unwrap().contains("mutation AppDisconnect {"));
}

/// Every operation file gives every connection an explicit `first`.
#[test]
fn every_connection_has_first() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/operations");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        seen += 1;
        if text.contains("nodes {") {
            for line in text.lines().filter(|l| {
                let l = l.trim_start();
                ["clients(", "properties(", "jobs(", "quotes(", "invoices("].iter().any(|c| l.starts_with(c))
            }) {
                assert!(line.contains("first: $first"), "{}: {line}", path.display());
            }
        }
    }
    assert_eq!(seen, 15);
}
