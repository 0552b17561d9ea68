//! `TestApp`: a fresh database, the real router on 127.0.0.1:0, and an HTTP client with a cookie jar.
#![allow(dead_code)]

use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use jobber_app::{config::Config, state::AppState};
use sea_orm::{ConnectionTrait, Database};
use tokio::sync::oneshot;

/// The database backend under test (`TEST_DATABASE_URL` selects PostgreSQL).
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

/// Creates a fresh, uniquely named database and returns its URL (SQLite file or PostgreSQL).
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match postgres_admin_url() {
        Some(admin) => {
            let name = format!("jt_{}", uuid::Uuid::new_v4().simple());
            let conn = Database::connect(&admin).await.expect("connect to TEST_DATABASE_URL");
            conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
            let _ = conn.close().await;
            let (base, _) = admin.rsplit_once('/').expect("TEST_DATABASE_URL has a database name");
            format!("{base}/{name}")
        }
        None => format!("sqlite://{}?mode=rwc", dir.join("app.db").display()),
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub dir: Arc<tempfile::TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

#[derive(Default)]
pub struct TestAppBuilder {
    env: HashMap<String, String>,
    dir: Option<Arc<tempfile::TempDir>>,
    database_url: Option<String>,
}

impl TestAppBuilder {
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.insert(key.to_owned(), value.into());
        self
    }

    /// Shares a database (and data dir) with another instance: "two app instances".
    pub fn same_database_as(mut self, other: &TestApp) -> Self {
        self.dir = Some(other.dir.clone());
        self.database_url = Some(other.state.config.database_url.clone());
        self
    }

    pub async fn spawn(self) -> TestApp {
        let dir = self.dir.unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("tempdir")));
        let spa = dir.path().join("spa");
        std::fs::create_dir_all(spa.join("assets")).unwrap();
        std::fs::write(spa.join("index.html"), "<!doctype html><title>Fieldsync</title><div id=root></div>")
            .unwrap();
        std::fs::write(spa.join("assets/app-abc123.js"), "console.log('hi')").unwrap();
        let database_url = match self.database_url {
            Some(u) => u,
            None => fresh_database_url(dir.path()).await,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut env: HashMap<String, String> = [
            ("BIND_ADDR", addr.to_string()),
            ("APP_BASE_URL", format!("http://{addr}")),
            ("DATABASE_URL", database_url),
            ("DATA_DIR", dir.path().join("data").display().to_string()),
            ("SPA_DIR", spa.display().to_string()),
            ("SHUTDOWN_GRACE_SECS", "5".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        env.extend(self.env);
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config");
        let state = jobber_app::build(config).await.expect("build app");
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(jobber_app::serve(state.clone(), listener, async move {
            let _ = rx.await;
        }));
        TestApp {
            base: format!("http://{addr}"),
            client: client(),
            state,
            dir,
            shutdown: Some(tx),
            server: Some(server),
        }
    }
}

/// A client like a browser's: cookie jar, no automatic redirects (tests follow them explicitly).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs a GraphQL document with this app's cookie jar; returns the JSON body.
    pub async fn graphql(&self, query: &str) -> serde_json::Value {
        self.graphql_vars(query, serde_json::json!({})).await
    }

    pub async fn graphql_vars(&self, query: &str, variables: serde_json::Value) -> serde_json::Value {
        let res = self
            .client
            .post(self.url("/graphql"))
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql");
        assert!(res.status().is_success(), "GraphQL HTTP status {}", res.status());
        res.json().await.expect("GraphQL JSON")
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Polls `check` until it returns `Some`, or panics after `deadline`.
pub async fn eventually<T, F, Fut>(deadline: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Path of the built `jobber-app` binary (for process-level tests).
pub fn app_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jobber-app"))
}
