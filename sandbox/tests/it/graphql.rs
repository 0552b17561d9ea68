//! GraphQL: the app's operation files, paging, filters, sorting, tenancy, headers, tokens, query
//! cost, THROTTLED and the 429 ceiling.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use jobber_sandbox::{BucketConfig, RecordCounts, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestSandbox, VERSION};

fn operations_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../graphql/operations")
}

/// Our own copies, used whatever the operations folder holds.
const OWN_OPERATIONS: &[&str] = &[
    "query Account { account { id name } }",
    "query CurrentUser { user { id name { full } email { raw } } }",
    "query Clients($first: Int!, $after: String, $updatedAt: Iso8601DateTimeRangeInput) {
       clients(first: $first, after: $after, filter: { updatedAt: $updatedAt }) {
         nodes { id firstName lastName updatedAt }
         edges { cursor node { id } }
         pageInfo { endCursor hasNextPage hasPreviousPage startCursor }
         totalCount } }",
    "query Jobs($first: Int!) { jobs(first: $first, sort: [{key: UPDATED_AT, direction: DESCENDING}]) {
       nodes { id jobNumber title jobStatus client { id } property { id } total updatedAt } } }",
    "query Quotes($first: Int!) { quotes(first: $first) { nodes { id quoteNumber quoteStatus amounts { total } } } }",
    "query Invoices($first: Int!) { invoices(first: $first) { nodes { id invoiceNumber invoiceStatus amounts { total invoiceBalance } } } }",
    "query Properties($first: Int!) { properties(first: $first) { nodes { id address { street city } client { id } } } }",
];

/// Variables for an operation: `$first` = 10 and `$id` = an id of the right kind.
fn variables_for(source: &str, ids: &Value) -> Value {
    let mut vars = serde_json::Map::new();
    if source.contains("$first") {
        vars.insert("first".into(), json!(10));
    }
    if source.contains("$id") {
        let root =
            ["client", "property", "job", "quote", "invoice", "visit", "paymentRecord", "payoutRecord"]
                .into_iter()
                .find(|r| source.contains(&format!("{r}(id:")))
                .expect("a by-id root field");
        vars.insert("id".into(), ids[root].clone());
    }
    Value::Object(vars)
}

#[tokio::test]
async fn every_operation_file_runs_without_errors() {
    let t = TestSandbox::default().await;
    let account = t.green();
    let tokens = t.connect(&account).await;
    let ids = t
        .gql(
            &tokens.access,
            "{ clients(first:1){nodes{id}} properties(first:1){nodes{id}} jobs(first:1){nodes{id visits{nodes{id}}}}
               quotes(first:1){nodes{id}} invoices(first:1){nodes{id amounts{invoiceBalance}}} }",
            Value::Null,
        )
        .await["data"]
        .clone();
    let invoice = ids["invoices"]["nodes"][0]["id"].as_str().unwrap();
    // A card payment and a payout of it, so the payment and payout operations have ids too.
    let card = jobber_sandbox::PaymentInput {
        amount: Some(1.0),
        method: Some(jobber_sandbox::PaymentMethod::JobberPaymentsCard),
        ..Default::default()
    };
    let payment = t.sandbox.record_payment(&account, invoice, card).unwrap();
    let payout = t
        .sandbox
        .create_payout(
            &account,
            jobber_sandbox::PayoutInput { payment_ids: Some(vec![payment.clone()]), status: None },
        )
        .unwrap();
    let ids = json!({
        "client": ids["clients"]["nodes"][0]["id"],
        "property": ids["properties"]["nodes"][0]["id"],
        "job": ids["jobs"]["nodes"][0]["id"],
        "quote": ids["quotes"]["nodes"][0]["id"],
        "invoice": invoice,
        "visit": ids["jobs"]["nodes"][0]["visits"]["nodes"][0]["id"],
        "paymentRecord": payment,
        "payoutRecord": payout,
    });
    let mut sources: Vec<(String, String)> =
        OWN_OPERATIONS.iter().enumerate().map(|(i, s)| (format!("own #{i}"), (*s).to_owned())).collect();
    if let Ok(dir) = std::fs::read_dir(operations_dir()) {
        for entry in dir.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "graphql") {
                let text = std::fs::read_to_string(&path).unwrap();
                sources.push((path.display().to_string(), text));
            }
        }
    }
    // AppDisconnect kills the token, so it runs last (and is covered in disconnect.rs).
    sources.sort_by_key(|(_, s)| s.contains("appDisconnect"));
    for (name, source) in sources {
        if source.contains("appDisconnect") {
            continue;
        }
        let body = t.gql(&tokens.access, &source, variables_for(&source, &ids)).await;
        let data = body["data"].as_object().expect("data");
        assert!(data.values().all(|v| !v.is_null()), "{name} returned null: {body}");
        assert!(body["extensions"]["cost"]["requestedQueryCost"].is_u64(), "{name}");
    }
}

#[tokio::test]
async fn pages_through_all_clients() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    let q = "query($after: String) { clients(first: 7, after: $after) {
               nodes { id } edges { cursor node { id } }
               pageInfo { endCursor hasNextPage hasPreviousPage startCursor } totalCount } }";
    let mut after = Value::Null;
    let mut seen = HashSet::new();
    let mut pages = 0;
    loop {
        let body = t.gql(&tokens.access, q, json!({"after": after})).await;
        let conn = &body["data"]["clients"];
        assert_eq!(conn["totalCount"], 25);
        let nodes = conn["nodes"].as_array().unwrap();
        let edges = conn["edges"].as_array().unwrap();
        assert_eq!(nodes.len(), edges.len());
        for (n, e) in nodes.iter().zip(edges) {
            assert_eq!(n["id"], e["node"]["id"]);
            assert!(seen.insert(n["id"].as_str().unwrap().to_owned()));
        }
        assert_eq!(conn["pageInfo"]["endCursor"], edges.last().unwrap()["cursor"]);
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 0);
        pages += 1;
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!((pages, seen.len()), (4, 25));
    // Ids look like Jobber's.
    let first = seen.iter().min_by_key(|s| s.len()).unwrap();
    assert!(first.starts_with("Z2lkOi8vSm9iYmVyL0NsaWVudC8"), "{first}");
}

#[tokio::test]
async fn updated_at_filter_and_updated_at_sort_are_meaningful() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    let all = t.gql(&tokens.access, "{ clients(first: 100) { nodes { id updatedAt } } }", Value::Null).await;
    let mut stamps: Vec<String> = all["data"]["clients"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["updatedAt"].as_str().unwrap().to_owned())
        .collect();
    stamps.sort();
    let cut = stamps[10].clone();
    let expected = stamps.iter().filter(|s| **s > cut).count();
    assert!(expected > 0 && expected < 25);
    for (kind, field) in [("clients", "clients"), ("quotes", "quotes"), ("invoices", "invoices")] {
        let q = format!(
            "query($r: Iso8601DateTimeRangeInput) {{ {field}(first: 100, filter: {{updatedAt: $r}}) {{
               nodes {{ updatedAt }} totalCount }} }}"
        );
        let body = t.gql(&tokens.access, &q, json!({"r": {"after": cut}})).await;
        let nodes = body["data"][kind]["nodes"].as_array().unwrap().clone();
        assert!(nodes.iter().all(|n| n["updatedAt"].as_str().unwrap() > cut.as_str()));
        if kind == "clients" {
            assert_eq!(nodes.len(), expected);
            assert_eq!(body["data"][kind]["totalCount"], expected);
        }
    }
    let jobs = t
        .gql(
            &tokens.access,
            "{ jobs(first: 100, sort: [{key: UPDATED_AT, direction: DESCENDING}]) { nodes { id updatedAt } } }",
            Value::Null,
        )
        .await;
    let stamps: Vec<&str> = jobs["data"]["jobs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["updatedAt"].as_str().unwrap())
        .collect();
    assert_eq!(stamps.len(), 25);
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "{stamps:?}");
    let plain = t.gql(&tokens.access, "{ jobs(first: 100) { nodes { updatedAt } } }", Value::Null).await;
    let unsorted: Vec<&str> = plain["data"]["jobs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["updatedAt"].as_str().unwrap())
        .collect();
    assert_ne!(unsorted, stamps, "default order is not updatedAt order");
}

#[tokio::test]
async fn accounts_see_only_their_own_records() {
    let t = TestSandbox::default().await;
    let green = t.connect(&t.green()).await;
    let spark = t.connect(&t.spark()).await;
    let q = "{ account { id name } clients(first: 1) { nodes { id } } }";
    let g = t.gql(&green.access, q, Value::Null).await;
    let s = t.gql(&spark.access, q, Value::Null).await;
    assert_eq!(g["data"]["account"]["name"], "Green Thumb Landscaping");
    assert_eq!(s["data"]["account"]["name"], "Spark Electric Co.");
    assert_eq!(g["data"]["account"]["id"], t.green());
    let green_client = g["data"]["clients"]["nodes"][0]["id"].clone();
    let other = t
        .gql(&spark.access, "query($id: EncodedId!) { client(id: $id) { id } }", json!({"id": green_client}))
        .await;
    assert_eq!(other["data"]["client"], Value::Null);
    let user = t.gql(&spark.access, "{ user { name { full } email { raw } } }", Value::Null).await;
    assert_eq!(user["data"]["user"]["name"]["full"], "Sam Spark");
    assert_eq!(user["data"]["user"]["email"]["raw"], "sam@sparkelectric.example");
}

#[tokio::test]
async fn headers_and_tokens_are_checked() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    let q = json!({"query": "{ account { id } }"});

    let no_version =
        t.http.post(t.url("/api/graphql")).bearer_auth(&tokens.access).json(&q).send().await.unwrap();
    assert_eq!(no_version.status(), StatusCode::BAD_REQUEST);
    let body: Value = no_version.json().await.unwrap();
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("X-JOBBER-GRAPHQL-VERSION"));

    let form = t
        .http
        .post(t.url("/api/graphql"))
        .bearer_auth(&tokens.access)
        .header("X-JOBBER-GRAPHQL-VERSION", VERSION)
        .form(&[("query", "{ account { id } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let ok = t.gql(&tokens.access, "{ account { id } }", Value::Null).await;
    assert_eq!(ok["extensions"]["versioning"]["version"], VERSION);

    let (status, _) = t.gql_raw("not-a-token", "{ account { id } }", Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    t.sandbox.expire_access_tokens(&t.green());
    let (status, body) = t.gql_raw(&tokens.access, "{ account { id } }", Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"message": "Access token expired"}));
    // Exactly one refresh brings it back.
    let (_, refreshed) = t.refresh(&tokens.refresh).await;
    let access = refreshed["access_token"].as_str().unwrap();
    t.gql(access, "{ account { id } }", Value::Null).await;
    assert_eq!(t.sandbox.stats().refresh_requests, 1);
}

#[tokio::test]
async fn short_lived_tokens_expire_on_their_own() {
    let t = TestSandbox::start(SandboxConfig { token_lifetime: Duration::ZERO, ..SandboxConfig::default() })
        .await;
    let tokens = t.connect(&t.green()).await;
    let (status, body) = t.gql_raw(&tokens.access, "{ account { id } }", Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Access token expired");
}

const FIVE: &str = "id quoteNumber quoteStatus title cost";

#[tokio::test]
async fn cost_matches_jobbers_documented_examples() {
    let t = TestSandbox::default().await;
    let tokens = t.connect(&t.green()).await;
    let body = t
        .gql(
            &tokens.access,
            &format!("{{ quotes(first: 10) {{ edges {{ node {{ {FIVE} }} }} }} }}"),
            Value::Null,
        )
        .await;
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 50);
    assert_eq!(cost["actualQueryCost"], 50);
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 10_000);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 500);
    let available = cost["throttleStatus"]["currentlyAvailable"].as_u64().unwrap();
    assert!((9_950..=10_000).contains(&available), "{available}");

    let body = t
        .gql(&tokens.access, &format!("{{ quotes {{ edges {{ node {{ {FIVE} }} }} }} }}"), Value::Null)
        .await;
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 500);
    // Only 25 quotes exist, so only 25 × 5 were really spent.
    assert_eq!(cost["actualQueryCost"], 125);
}

fn tight_bucket() -> SandboxConfig {
    SandboxConfig {
        bucket: BucketConfig { maximum: 1_000, restore_rate: 0, enabled: true },
        records_per_account: RecordCounts::uniform(200),
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn overspending_is_throttled_with_jobbers_shape() {
    let t = TestSandbox::start(tight_bucket()).await;
    let tokens = t.connect(&t.green()).await;
    let q = "{ clients(first: 100) { nodes { id firstName lastName name balance isLead } } }";
    let first = t.gql(&tokens.access, q, Value::Null).await;
    assert_eq!(first["extensions"]["cost"]["requestedQueryCost"], 600);
    assert_eq!(first["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"], 400);
    let (status, body) = t.gql_raw(&tokens.access, q, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["errors"],
        json!([{"message": "Throttled", "extensions": {"code": "THROTTLED",
          "documentation": "https://developer.getjobber.com/docs/using_jobbers_api/api_rate_limits"}}])
    );
    assert_eq!(
        body["extensions"]["cost"],
        json!({"requestedQueryCost": 600, "actualQueryCost": 0,
               "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 400, "restoreRate": 0}})
    );
    assert!(body.get("data").is_none());
    // Buckets are per account.
    let other = t.connect(&t.spark()).await;
    t.gql(&other.access, q, Value::Null).await;
    assert_eq!(t.sandbox.stats().throttled_responses, 1);
}

#[tokio::test]
async fn a_query_above_the_maximum_never_resolves_unless_the_bucket_is_off() {
    let t = TestSandbox::start(tight_bucket()).await;
    let tokens = t.connect(&t.green()).await;
    let q = "{ clients { nodes { id firstName lastName name balance isLead isArchived isCompany companyName createdAt updatedAt } } }";
    let (_, body) = t.gql_raw(&tokens.access, q, Value::Null).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "THROTTLED");
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 1_100);

    let mut config = tight_bucket();
    config.bucket.enabled = false;
    let off = TestSandbox::start(config).await;
    let tokens = off.connect(&off.green()).await;
    let body = off.gql(&tokens.access, q, Value::Null).await;
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 1_100);
    assert_eq!(body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"], 1_000);
}

#[tokio::test]
async fn the_request_ceiling_answers_429() {
    let t = TestSandbox::start(SandboxConfig {
        request_limit: Some((3, Duration::from_secs(300))),
        ..SandboxConfig::default()
    })
    .await;
    let tokens = t.connect(&t.green()).await;
    for _ in 0..3 {
        t.gql(&tokens.access, "{ account { id } }", Value::Null).await;
    }
    let (status, _) = t.gql_raw(&tokens.access, "{ account { id } }", Value::Null).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Per app/account pair: the other account is unaffected.
    let other = t.connect(&t.spark()).await;
    t.gql(&other.access, "{ account { id } }", Value::Null).await;
    assert_eq!(t.sandbox.stats().rate_limited_responses, 1);
}

#[tokio::test]
async fn large_accounts_seed_and_page() {
    let t = TestSandbox::start(SandboxConfig {
        records_per_account: RecordCounts::uniform(20_000),
        ..SandboxConfig::default()
    })
    .await;
    let tokens = t.connect(&t.spark()).await;
    let body = t
        .gql(
            &tokens.access,
            "{ clients(first: 100) { nodes { id } totalCount pageInfo { hasNextPage } } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"]["clients"]["totalCount"], 20_000);
    assert_eq!(body["data"]["clients"]["pageInfo"]["hasNextPage"], true);
}
