//! Runs the `jobber-app` release binary as a child process on 127.0.0.1, with a fresh database and
//! data directory, so the benchmarks can read its own RSS and load it over real sockets.
//!
//! It runs in sandbox mode (no `JOBBER_CLIENT_ID`, development), as `cargo run` would on a fresh
//! machine: the embedded Jobber sandbox signs webhooks with `sandbox-client-secret`. Its logs go to
//! `server.log` in the temporary directory (printed if it fails to start).
//!
//! The admin listener is off unless the server is started with [`Server::start_admin`], which
//! serves it on a free loopback port with a random `ADMIN_TOKEN`. [`Server::restart`] starts the
//! same server again on the same database, so a benchmark can seed the database the first start
//! migrated while no server holds it.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use tokio::process::{Child, Command};

use crate::rss::Rss;

/// The webhook signing secret of the embedded sandbox (`jobber_sandbox::SandboxConfig::default`).
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-client-secret";

/// SQLite's `synchronous` setting for the server (`SQLITE_SYNCHRONOUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Survives a process crash (the app's default, WAL mode).
    Normal,
    /// Survives a power loss: fsync on every commit.
    Full,
}

/// Which database a server gets.
#[derive(Debug, Clone)]
pub enum Store {
    /// A new SQLite file in the server's temporary directory.
    Sqlite(Synchronous),
    /// An existing (freshly created) PostgreSQL database.
    Postgres(String),
}

impl Store {
    /// A short label for tables.
    pub fn label(&self) -> &'static str {
        match self {
            Store::Sqlite(Synchronous::Normal) => "SQLite NORMAL",
            Store::Sqlite(Synchronous::Full) => "SQLite FULL",
            Store::Postgres(_) => "PostgreSQL",
        }
    }
}

/// A running `jobber-app serve` child process.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its admin listener, when started with [`Server::start_admin`].
    pub admin: Option<Admin>,
    /// Its process id (for `/proc/<pid>/status`).
    pub pid: u32,
    /// The `DATABASE_URL` it was given.
    pub database_url: String,
    /// How to start it again ([`Server::restart`]).
    launch: Launch,
    dir: tempfile::TempDir,
}

/// The admin listener of a [`Server`].
#[derive(Debug, Clone)]
pub struct Admin {
    /// Where it listens (loopback).
    pub addr: SocketAddr,
    /// Its `ADMIN_TOKEN`, sent as `Authorization: Bearer …`.
    pub token: String,
}

impl Admin {
    /// The `Authorization` header's value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// What a (re)start of the same server needs.
struct Launch {
    bin: PathBuf,
    synchronous: &'static str,
    env: Vec<(String, String)>,
    admin_token: Option<String>,
}

/// The `jobber-app` binary next to this benchmark binary (same cargo profile directory), or the
/// one `JOBBER_APP_BIN` names (another build to compare, e.g. the commit before a change).
pub fn app_binary() -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("JOBBER_APP_BIN") {
        let bin = PathBuf::from(bin);
        if !bin.exists() {
            bail!("JOBBER_APP_BIN={} does not exist", bin.display());
        }
        return Ok(bin);
    }
    let exe = std::env::current_exe().context("locating this benchmark binary")?;
    let bin = exe.with_file_name("jobber-app");
    if !bin.exists() {
        bail!("{} not found: build it first with `cargo build --release -p jobber-app`", bin.display());
    }
    Ok(bin)
}

/// A free port on 127.0.0.1 (bound and released; the server binds it right after).
fn free_loopback_addr() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?)
}

impl Server {
    /// Starts the server on `store` and waits until `GET /healthz` answers (up to 60 s).
    pub async fn start(store: &Store) -> anyhow::Result<Self> {
        Self::start_with(store, &[]).await
    }

    /// [`Server::start`] with extra environment variables (they win over the defaults).
    pub async fn start_with(store: &Store, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        Self::launch(store, env, None).await
    }

    /// [`Server::start_with`], also serving the admin listener on a free loopback port with a
    /// random 64-character `ADMIN_TOKEN` (see [`Server::admin`]).
    pub async fn start_admin(store: &Store, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        Self::launch(store, env, Some(token)).await
    }

    async fn launch(
        store: &Store,
        env: &[(&str, &str)],
        admin_token: Option<String>,
    ) -> anyhow::Result<Self> {
        let bin = app_binary()?;
        let dir = tempfile::Builder::new().prefix("jobber-bench-").tempdir()?;
        let spa = dir.path().join("spa");
        std::fs::create_dir_all(&spa)?;
        std::fs::write(spa.join("index.html"), "<!doctype html><title>Fieldsync</title>")?;
        let (database_url, synchronous) = match store {
            Store::Sqlite(sync) => (
                format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display()),
                match sync {
                    Synchronous::Normal => "NORMAL",
                    Synchronous::Full => "FULL",
                },
            ),
            Store::Postgres(url) => (url.clone(), "NORMAL"),
        };
        let launch = Launch {
            bin,
            synchronous,
            env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            admin_token,
        };
        let (child, addr, admin) = launch.spawn(dir.path(), &database_url)?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Self { child, addr, admin, pid, database_url, launch, dir };
        server.wait_ready().await?;
        Ok(server)
    }

    /// Stops the server if it runs and starts it again on the same database and environment (on
    /// new ports; the admin token stays), waiting until it is ready.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop().await?;
        let (child, addr, admin) = self.launch.spawn(self.dir.path(), &self.database_url)?;
        self.pid = child.id().context("the server exited at once")?;
        self.child = child;
        self.addr = addr;
        self.admin = admin;
        self.wait_ready().await
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let mut urls = vec![format!("http://{}/healthz", self.addr)];
        urls.extend(self.admin.as_ref().map(|a| format!("http://{}/healthz", a.addr)));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited with {status} before it was ready:\n{}", self.log_tail());
            }
            let mut ready = true;
            for url in &urls {
                ready &= client.get(url).send().await.is_ok_and(|r| r.status().is_success());
            }
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the server did not answer /healthz within 60 s:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Connects the sandbox account named `account` the way a merchant does (Connect → the
    /// sandbox's consent page → Allow → our callback), waits until its first sync is done, and
    /// returns its Jobber account id.
    pub async fn connect(&self, account: &str) -> anyhow::Result<String> {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?;
        let base = format!("http://{}", self.addr);
        let location = |res: &reqwest::Response| -> anyhow::Result<String> {
            Ok(res.headers().get("location").context("a redirect")?.to_str()?.to_owned())
        };
        let authorize = location(&client.get(format!("{base}/auth/jobber")).send().await?)?;
        client.get(&authorize).send().await?.error_for_status()?;
        // The consent form takes the account's id; the sandbox lists its accounts.
        let mut sandbox = reqwest::Url::parse(&authorize)?;
        sandbox.set_path("/sandbox/accounts");
        sandbox.set_query(None);
        let accounts: Vec<serde_json::Value> = client.get(sandbox).send().await?.json().await?;
        let id = accounts
            .iter()
            .find(|a| a["name"] == account)
            .and_then(|a| a["id"].as_str())
            .with_context(|| format!("no sandbox account named {account}"))?;
        let res = client.post(&authorize).form(&[("account", id), ("decision", "allow")]).send().await?;
        let res = client.get(location(&res)?).send().await?;
        if location(&res)? != "/manage" {
            bail!("connecting {account} ended with {} instead of a redirect to /manage", res.status());
        }
        let query = serde_json::json!({
            "query": "{ connection { account { id } } syncStatus { state } }"
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let body: serde_json::Value =
                client.post(format!("{base}/graphql")).json(&query).send().await?.json().await?;
            let states = body["data"]["syncStatus"].as_array().cloned().unwrap_or_default();
            if !states.is_empty() && states.iter().all(|s| s["state"] == "DONE") {
                let id = body["data"]["connection"]["account"]["id"].as_str();
                return id.map(str::to_owned).context("the connected account's id");
            }
            if Instant::now() > deadline {
                bail!("the first sync of {account} did not finish within 120 s: {body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The server's memory figures now.
    pub fn rss(&self) -> Rss {
        Rss::of(self.pid).unwrap_or_default()
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGTERM, then up to 15 s for a graceful exit, then SIGKILL. The temporary directory (and
    /// an SQLite database in it) lives until `self` is dropped.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        // By process id only: this is the child this struct started.
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status().await;
        match tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await {
            Ok(status) => {
                let status = status?;
                if !status.success() {
                    eprintln!("note: the server exited with {status}:\n{}", self.log_tail());
                }
            }
            Err(_) => {
                eprintln!("note: the server did not stop within 15 s of SIGTERM; killing it");
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

impl Launch {
    /// Spawns `jobber-app serve` in `dir` on free loopback ports; its log is appended to
    /// `server.log` there.
    fn spawn(&self, dir: &Path, database_url: &str) -> anyhow::Result<(Child, SocketAddr, Option<Admin>)> {
        let addr = free_loopback_addr()?;
        let admin = match &self.admin_token {
            Some(token) => Some(Admin { addr: free_loopback_addr()?, token: token.clone() }),
            None => None,
        };
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("server.log"))?;
        let mut cmd = Command::new(&self.bin);
        // A clean environment: no `.env` (the working directory is the temp dir), no real Jobber
        // credentials, nothing inherited that could change what is measured.
        cmd.env_clear()
            .current_dir(dir)
            .arg("serve")
            .env("APP_ENV", "development")
            .env("BIND_ADDR", addr.to_string())
            .env("APP_BASE_URL", format!("http://{addr}"))
            .env("DATABASE_URL", database_url)
            .env("SQLITE_SYNCHRONOUS", self.synchronous)
            .env("DATA_DIR", dir.join("data"))
            .env("SPA_DIR", dir.join("spa"))
            .env("SANDBOX_BIND_ADDR", "127.0.0.1:0")
            .env("SHUTDOWN_GRACE_SECS", "5")
            // The other benchmarks read `/metrics` from the public port.
            .env("PUBLIC_METRICS", "true")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        match &admin {
            Some(admin) => {
                cmd.env("ADMIN_BIND_ADDR", admin.addr.to_string()).env("ADMIN_TOKEN", &admin.token);
            }
            None => {
                cmd.env("ADMIN_BIND_ADDR", "off");
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if let Ok(filter) = std::env::var("RUST_LOG") {
            cmd.env("RUST_LOG", filter);
        }
        let child = cmd.spawn().with_context(|| format!("starting {}", self.bin.display()))?;
        Ok((child, addr, admin))
    }
}
