//! Test harness: a sandbox on 127.0.0.1:0, an HTTP client that does not follow redirects, the
//! OAuth dance, GraphQL calls, and a webhook receiver with scripted answers.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use jobber_sandbox::{Sandbox, SandboxConfig, WebhookRetry};
use serde_json::{Value, json};
use url::Url;

pub const VERSION: &str = "2025-04-16";
pub const REDIRECT: &str = "http://app.test/oauth/callback";

pub struct TestSandbox {
    pub sandbox: Sandbox,
    pub base: Url,
    pub http: reqwest::Client,
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl TestSandbox {
    pub async fn start(config: SandboxConfig) -> Self {
        let (sandbox, base) = Sandbox::spawn(config).await.expect("spawn sandbox");
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { sandbox, base, http }
    }

    pub async fn default() -> Self {
        Self::start(SandboxConfig::default()).await
    }

    /// A sandbox delivering webhooks to `receiver`, with quick retries.
    pub async fn delivering_to(receiver: &Receiver, config: SandboxConfig) -> Self {
        Self::start(SandboxConfig {
            webhook_url: Some(receiver.url.clone()),
            webhook_retry: WebhookRetry {
                max_attempts: 3,
                initial_backoff: Duration::from_millis(10),
                timeout: Duration::from_millis(500),
            },
            ..config
        })
        .await
    }

    /// A JSON call to the admin API; returns the status and the body (Null when empty).
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("admin request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// An admin call that must succeed; returns the `id` it answers with.
    pub async fn admin_id(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> String {
        let (status, body) = self.admin(method, path, body).await;
        assert!(status.is_success(), "{path}: {status} {body}");
        body["id"].as_str().expect("an id").to_owned()
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("url")
    }

    pub fn account(&self, name: &str) -> String {
        self.sandbox.account_id_by_name(name).expect("seeded account")
    }

    pub fn green(&self) -> String {
        self.account("Green Thumb Landscaping")
    }

    pub fn spark(&self) -> String {
        self.account("Spark Electric Co.")
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let resp =
            self.http.post(self.url("/api/oauth/token")).form(form).send().await.expect("token request");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn exchange(&self, code: &str) -> (StatusCode, Value) {
        let secret = self.sandbox.config().client_secret.clone();
        let id = self.sandbox.config().client_id.clone();
        self.token_request(&[
            ("client_id", &id),
            ("client_secret", &secret),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        let secret = self.sandbox.config().client_secret.clone();
        let id = self.sandbox.config().client_id.clone();
        self.token_request(&[
            ("client_id", &id),
            ("client_secret", &secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Allow + code exchange for one account.
    pub async fn connect(&self, account_id: &str) -> Tokens {
        let code = self.sandbox.issue_code(account_id, REDIRECT);
        let (status, body) = self.exchange(&code).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Tokens {
            access: body["access_token"].as_str().expect("access").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh").to_owned(),
        }
    }

    pub async fn gql_raw(&self, token: &str, query: &str, variables: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url("/api/graphql"))
            .bearer_auth(token)
            .header("X-JOBBER-GRAPHQL-VERSION", VERSION)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("graphql request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// A GraphQL call that must succeed without errors; returns the whole body.
    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql_raw(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body
    }
}

/// Polls `check` until it returns Some or the deadline passes.
pub async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// How the receiver answers one delivery.
#[derive(Clone, Copy, Debug)]
pub struct Answer {
    pub status: u16,
    pub delay: Duration,
}

impl Answer {
    pub fn ok() -> Self {
        Self { status: 200, delay: Duration::ZERO }
    }

    pub fn status(status: u16) -> Self {
        Self { status, delay: Duration::ZERO }
    }

    pub fn slow(delay: Duration) -> Self {
        Self { status: 200, delay }
    }
}

#[derive(Clone, Debug)]
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }

    pub fn topic(&self) -> String {
        self.json()["data"]["webHookEvent"]["topic"].as_str().unwrap_or_default().to_owned()
    }

    pub fn item(&self) -> String {
        self.json()["data"]["webHookEvent"]["itemId"].as_str().unwrap_or_default().to_owned()
    }
}

#[derive(Default)]
struct ReceiverState {
    script: VecDeque<Answer>,
    deliveries: Vec<Delivery>,
}

/// A webhook endpoint that records what arrives and answers from a script (then 200s).
#[derive(Clone)]
pub struct Receiver {
    state: Arc<Mutex<ReceiverState>>,
    pub url: Url,
}

async fn receive(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let answer = {
        let mut st = state.lock().unwrap();
        st.deliveries.push(Delivery { headers, body });
        st.script.pop_front().unwrap_or_else(Answer::ok)
    };
    if !answer.delay.is_zero() {
        // Simulates a slow receiver; the test itself never sleeps to wait.
        tokio::time::sleep(answer.delay).await;
    }
    StatusCode::from_u16(answer.status).unwrap()
}

impl Receiver {
    pub async fn start(script: Vec<Answer>) -> Self {
        let state = Arc::new(Mutex::new(ReceiverState { script: script.into(), deliveries: Vec::new() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route("/webhooks", post(receive)).with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { state, url: Url::parse(&format!("http://{addr}/webhooks")).unwrap() }
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.lock().unwrap().deliveries.clone()
    }

    /// (topic, itemId) of every delivery so far, in arrival order.
    pub fn events(&self) -> Vec<(String, String)> {
        self.deliveries().iter().map(|d| (d.topic(), d.item())).collect()
    }

    /// Waits until at least `n` deliveries arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        eventually(&format!("{n} webhook deliveries"), || {
            let d = self.deliveries();
            (d.len() >= n).then_some(d)
        })
        .await
    }

    /// Waits until a delivery with `topic` arrived.
    pub async fn wait_for_topic(&self, topic: &str) -> Delivery {
        eventually(&format!("a {topic} webhook"), || {
            self.deliveries().into_iter().find(|d| d.topic() == topic)
        })
        .await
    }
}
