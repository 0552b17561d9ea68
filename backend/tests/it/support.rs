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

/// The `ADMIN_TOKEN` every test app gets unless a test sets its own.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef-0123456789";

pub struct TestApp {
    pub base: String,
    /// The admin listener (console, admin API, metrics), e.g. `http://127.0.0.1:40123`.
    pub admin_base: String,
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
        init_logs();
        let dir = self.dir.unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("tempdir")));
        let spa = dir.path().join("spa");
        std::fs::create_dir_all(spa.join("assets")).unwrap();
        std::fs::write(spa.join("index.html"), "<!doctype html><title>Fieldsync</title><div id=root></div>")
            .unwrap();
        std::fs::write(spa.join("assets/app-abc123.js"), "console.log('hi')").unwrap();
        std::fs::write(
            spa.join("playground.html"),
            "<!doctype html><title>Fieldsync API · GraphiQL</title><div id=graphiql></div>",
        )
        .unwrap();
        std::fs::write(
            spa.join("admin.html"),
            "<!doctype html><title>Fieldsync operator console</title><div id=root></div>",
        )
        .unwrap();
        let database_url = match self.database_url {
            Some(u) => u,
            None => fresh_database_url(dir.path()).await,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let admin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin_addr = admin_listener.local_addr().unwrap();
        let mut env: HashMap<String, String> = [
            ("BIND_ADDR", addr.to_string()),
            ("APP_BASE_URL", format!("http://{addr}")),
            ("DATABASE_URL", database_url),
            ("DATA_DIR", dir.path().join("data").display().to_string()),
            ("SPA_DIR", spa.display().to_string()),
            ("SHUTDOWN_GRACE_SECS", "5".to_owned()),
            ("SANDBOX_BIND_ADDR", "127.0.0.1:0".to_owned()),
            ("ADMIN_BIND_ADDR", admin_addr.to_string()),
            ("ADMIN_TOKEN", ADMIN_TOKEN.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        env.extend(self.env);
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config");
        let state = jobber_app::build(config).await.expect("build app");
        let (tx, rx) = oneshot::channel::<()>();
        let admin = state.config.admin.bind_addr.is_some().then_some(admin_listener);
        let server = tokio::spawn(jobber_app::serve_all(state.clone(), listener, admin, async move {
            let _ = rx.await;
        }));
        TestApp {
            base: format!("http://{addr}"),
            admin_base: format!("http://{admin_addr}"),
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

    /// A URL on the admin listener.
    pub fn admin_url(&self, path: &str) -> String {
        format!("{}{path}", self.admin_base)
    }

    /// The Prometheus text from the admin listener.
    pub async fn metrics(&self) -> String {
        let res = self.client.get(self.admin_url("/metrics")).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    }

    /// Runs an admin GraphQL document with the bearer token; returns the JSON body.
    pub async fn admin_graphql(&self, query: &str, variables: serde_json::Value) -> serde_json::Value {
        let res = self
            .client
            .post(self.admin_url("/admin/graphql"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "admin GraphQL answered {}", res.status());
        res.json().await.unwrap()
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

    /// The embedded Jobber sandbox (sandbox mode).
    pub fn sandbox(&self) -> &jobber_sandbox::Sandbox {
        self.state.jobber.sandbox.as_ref().expect("this TestApp runs in sandbox mode")
    }

    /// Jobber's account id for a seeded sandbox account name.
    pub fn account_id(&self, name: &str) -> String {
        self.sandbox().account_id_by_name(name).expect("seeded account")
    }

    /// Env that makes another app instance use this one's sandbox as "Jobber".
    pub fn jobber_env(&self) -> Vec<(&'static str, String)> {
        let cfg = self.sandbox().config();
        vec![
            ("JOBBER_API_URL", self.state.jobber.api_url.to_string()),
            ("JOBBER_CLIENT_ID", cfg.client_id.clone()),
            ("JOBBER_CLIENT_SECRET", cfg.client_secret.clone()),
        ]
    }

    /// Drives the real flow with `client`: Connect → the sandbox's consent page → Allow → our
    /// callback. Returns the final response of the callback (a redirect to /manage on success).
    pub async fn connect_with(&self, client: &reqwest::Client, account_name: &str) -> reqwest::Response {
        let res = client.get(self.url("/auth/jobber")).send().await.unwrap();
        assert_eq!(res.status(), 303, "GET /auth/jobber");
        let authorize = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(authorize.contains("/api/oauth/authorize?"), "{authorize}");
        let page = client.get(&authorize).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let res = client
            .post(&authorize)
            .form(&[("account", self.account_id(account_name).as_str()), ("decision", "allow")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302, "consent");
        let callback = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(callback.starts_with(&self.url("/auth/jobber/callback?code=")), "{callback}");
        client.get(&callback).send().await.unwrap()
    }

    /// Connects with this app's own client and asserts it landed on the Manage page.
    pub async fn connect(&self, account_name: &str) {
        let res = self.connect_with(&self.client, account_name).await;
        assert_eq!(res.status(), 303, "callback");
        assert_eq!(res.headers()["location"], "/manage");
    }

    /// The connection row for a seeded account name.
    pub async fn connection_row(&self, account_name: &str) -> jobber_app::db::entities::connections::Model {
        self.state
            .db
            .find_connection_by_account(&self.account_id(account_name))
            .await
            .unwrap()
            .expect("connection row")
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
/// Runs the `jobber-app` binary with `args` (a one-off command such as `prune` or `migrate`) on
/// `database_url`, with a clean environment plus `env`; waits at most a minute.
pub fn run_command(
    database_url: &str,
    data_dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    // The working directory holds no `.env` for the binary to read.
    std::fs::create_dir_all(data_dir).unwrap();
    let mut cmd = std::process::Command::new(app_binary());
    cmd.args(args)
        .env_clear()
        .env("ADMIN_BIND_ADDR", "off")
        .env("DATABASE_URL", database_url)
        .env("DATA_DIR", data_dir)
        .env("JOBBER_CLIENT_ID", "id")
        .env("JOBBER_CLIENT_SECRET", "secret")
        .current_dir(data_dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    output_within(&mut cmd, Duration::from_secs(60))
}

/// `jobber-app serve` on 127.0.0.1:`port` as an operator starts it: a clean environment, no admin
/// listener, JSON logs (discarded), killed when dropped. Add the test's own variables (Jobber's
/// address and credentials, sync settings) with `.env`, then `.spawn()`.
pub fn serve_command(port: u16, database_url: &str, data_dir: &std::path::Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(app_binary());
    cmd.arg("serve")
        .env_clear()
        .env("ADMIN_BIND_ADDR", "off")
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("APP_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url)
        .env("DATA_DIR", data_dir)
        .env("LOG_FORMAT", "json")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Waits (up to `deadline`) until the server on 127.0.0.1:`port` answers `path` with 200.
pub async fn wait_ready(port: u16, path: &str, deadline: Duration) {
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}{path}");
    eventually(deadline, &format!("the server to answer {path}"), || async {
        http.get(&url).send().await.ok().filter(|r| r.status() == 200)
    })
    .await;
}

/// A free port on 127.0.0.1 (bound and released: the caller's server binds it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn app_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jobber-app"))
}

/// Logs go to the test's captured output (shown when a test fails). `RUST_LOG` filters.
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    });
}

/// Runs `cmd` (stdout and stderr captured) until it exits or `deadline` passes, then kills it;
/// its output either way. Waits on the exit itself (a thread and a channel), not by polling.
pub fn output_within(cmd: &mut std::process::Command, deadline: Duration) -> std::process::Output {
    let child =
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(deadline) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
            rx.recv().unwrap().unwrap()
        }
    }
}
