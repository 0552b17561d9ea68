//! Narrow HTTP fakes of Jobber and helpers shared by the tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jobber_graphql::{GovernorConfig, JobberClient, JobberConfig};
use serde_json::Value;

/// A fixture from `testdata/jobber/` (a copy of the shared fixtures).
pub fn fixture(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/jobber/");
    std::fs::read_to_string(format!("{path}{name}"))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
        .trim_end()
        .to_owned()
}

pub fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }
}

type Reply = Arc<dyn Fn(&Recorded) -> Response + Send + Sync>;

#[derive(Clone)]
struct FakeState {
    requests: Arc<Mutex<Vec<Recorded>>>,
    reply: Reply,
}

/// A fake endpoint at `path` answering every POST with `reply`.
pub struct Fake {
    pub url: url::Url,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Fake {
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn handle(State(state): State<FakeState>, headers: HeaderMap, body: Bytes) -> Response {
    let recorded = Recorded { headers, body };
    state.requests.lock().unwrap().push(recorded.clone());
    (state.reply)(&recorded)
}

pub async fn fake(path: &str, reply: impl Fn(&Recorded) -> Response + Send + Sync + 'static) -> Fake {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let state = FakeState { requests: requests.clone(), reply: Arc::new(reply) };
    let router = Router::new().route(path, post(handle)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Fake { url: format!("http://{addr}").parse().unwrap(), requests }
}

/// A fake `/api/graphql`.
pub async fn fake_graphql(reply: impl Fn(&Recorded) -> Response + Send + Sync + 'static) -> Fake {
    fake("/api/graphql", reply).await
}

pub fn json_reply(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [("content-type", "application/json")], body.into()).into_response()
}

/// The usual cost extension, for answers built in tests.
pub fn cost(requested: f64, available: f64) -> Value {
    serde_json::json!({"cost": {"requestedQueryCost": requested, "actualQueryCost": requested,
        "throttleStatus": {"maximumAvailable": 10000, "currentlyAvailable": available, "restoreRate": 500}}})
}

pub fn config(url: &url::Url) -> JobberConfig {
    let mut cfg = JobberConfig::new(url.clone(), "client-id".into(), "client-secret".into());
    cfg.governor = GovernorConfig {
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..GovernorConfig::default()
    };
    cfg
}

pub fn client(fake: &Fake) -> JobberClient {
    JobberClient::new(config(&fake.url)).unwrap()
}

/// A client without HTTP timeouts, for tests on a paused clock (see `JobberConfig`).
pub fn paused_client(fake: &Fake, governor: GovernorConfig) -> JobberClient {
    let mut cfg = config(&fake.url);
    cfg.connect_timeout = None;
    cfg.request_timeout = None;
    cfg.governor = governor;
    JobberClient::new(cfg).unwrap()
}
