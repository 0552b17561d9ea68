//! Issue 4: time to a valid token under a refresh storm, and `connection` query throughput with a
//! warm token.
//!
//! Runs the app in this process (the figure is about the callers of
//! `jobber_app::tokens::valid_access_token`), in sandbox mode on a fresh database, and connects
//! the sandbox's "Green Thumb Landscaping" account through the real OAuth flow (Connect → consent
//! → Allow → callback), which also gives a session cookie.
//!
//! 1. Refresh storm: in each round the stored token is made to expire within the refresh margin,
//!    then `--callers` tasks ask for a token at once. Printed: p50/p99/max wait, token requests the
//!    sandbox saw (goal: exactly one per round), distinct tokens handed out (goal: one per round).
//!    Baseline: the same callers with a warm token (no refresh), in the same run.
//! 2. `POST /graphql { connection { status } }` with the session cookie, closed loop, against
//!    `GET /healthz` at the same concurrency.

use std::{collections::HashMap, sync::Arc, time::Duration};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use chrono::Utc;
use clap::Parser;
use hdrhistogram::Histogram;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::Full;
use jobber_app::{config::Config, db::entities::connections, state::AppState};
use jobber_bench::{
    load::{self, Mode, Target, new_histogram, record},
    pg,
    report::{self, ms, per_sec, ratio, thousands, verdict},
    rss::{Rss, mib},
};
use reqwest::cookie::CookieStore as _;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use secrecy::ExposeSecret;
use tokio::time::Instant;

#[derive(Parser)]
#[command(about = "Refresh storm: time to a valid token; connection query throughput with a warm token")]
struct Args {
    /// Concurrent callers per storm.
    #[arg(long, default_value_t = 200)]
    callers: usize,
    /// Storm rounds (each makes the token expire once).
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// Seconds of HTTP load per route.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Concurrent connections for the HTTP phase.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Upper bound on requests per HTTP route.
    #[arg(long, default_value_t = 10_000_000)]
    max_requests: u64,
    /// Use a fresh PostgreSQL database next to this admin URL instead of SQLite.
    #[arg(long)]
    postgres: Option<String>,
}

const ACCOUNT: &str = "Green Thumb Landscaping";
const CONNECTION_QUERY: &str = r#"{"query":"{ connection { status } }"}"#;

struct App {
    state: AppState,
    addr: std::net::SocketAddr,
    _dir: tempfile::TempDir,
}

async fn start_app(database_url: Option<String>) -> anyhow::Result<App> {
    let dir = tempfile::Builder::new().prefix("jobber-bench-").tempdir()?;
    let spa = dir.path().join("spa");
    std::fs::create_dir_all(&spa)?;
    std::fs::write(spa.join("index.html"), "<!doctype html><title>Fieldsync</title>")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let database_url =
        database_url.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display()));
    let env: HashMap<&str, String> = [
        ("BIND_ADDR", addr.to_string()),
        ("APP_BASE_URL", format!("http://{addr}")),
        ("DATABASE_URL", database_url),
        ("DATA_DIR", dir.path().join("data").display().to_string()),
        ("SPA_DIR", spa.display().to_string()),
        ("SANDBOX_BIND_ADDR", "127.0.0.1:0".to_owned()),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(|k| env.get(k).cloned())?;
    let state = jobber_app::build(config).await?;
    // The server stops with this process (the benchmark ends by returning from main).
    tokio::spawn(jobber_app::serve(state.clone(), listener, std::future::pending()));
    Ok(App { state, addr, _dir: dir })
}

/// Connect → the sandbox's consent page → Allow → our callback; returns the session's `Cookie`.
async fn connect(app: &App, account_id: &str) -> anyhow::Result<HeaderValue> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = format!("http://{}", app.addr);
    let location = |res: &reqwest::Response| -> anyhow::Result<String> {
        Ok(res.headers().get("location").context("a redirect")?.to_str()?.to_owned())
    };
    let res = client.get(format!("{base}/auth/jobber")).send().await?;
    let authorize = location(&res)?;
    client.get(&authorize).send().await?.error_for_status()?;
    let res = client.post(&authorize).form(&[("account", account_id), ("decision", "allow")]).send().await?;
    let callback = location(&res)?;
    let res = client.get(&callback).send().await?;
    if res.status() != StatusCode::SEE_OTHER || location(&res)? != "/manage" {
        bail!("the connect flow ended with {} instead of a redirect to /manage", res.status());
    }
    jar.cookies(&base.parse()?).context("a session cookie after connecting")
}

async fn expire_soon(state: &AppState, account_id: &str) -> anyhow::Result<()> {
    let row = state.db.find_connection_by_account(account_id).await?.context("the connection row")?;
    let mut active: connections::ActiveModel = row.into();
    // Inside the refresh margin (5 minutes) but still valid, as in production before a refresh.
    active.token_expires_at = Set(Some(Utc::now() + chrono::Duration::seconds(30)));
    active.update(state.db.writer()).await?;
    Ok(())
}

/// `callers` tasks ask for a token at the same moment; returns their waits and distinct tokens.
async fn storm(
    state: &AppState,
    account_id: &str,
    callers: usize,
) -> anyhow::Result<(Histogram<u64>, usize)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(callers));
    let mut tasks = Vec::with_capacity(callers);
    for _ in 0..callers {
        let (state, account, barrier) = (state.clone(), account_id.to_owned(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let started = Instant::now();
            let token = state.tokens.valid_access_token(&account).await;
            (started.elapsed(), token.map(|t| t.token.expose_secret().to_owned()))
        }));
    }
    let mut waits = new_histogram();
    let mut seen = Vec::with_capacity(callers);
    for task in tasks {
        let (wait, token) = task.await?;
        record(&mut waits, wait);
        seen.push(token.map_err(|e| anyhow::anyhow!("a caller got no token: {e}"))?);
    }
    seen.sort();
    seen.dedup();
    Ok((waits, seen.len()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::banner("bench-refresh (issue 4): refresh storm and the `connection` query");
    let pg_url = match &args.postgres {
        Some(admin) => Some(pg::create(admin).await?),
        None => None,
    };
    let result = run(&args, pg_url.clone()).await;
    if let (Some(admin), Some(url)) = (&args.postgres, &pg_url) {
        pg::drop(admin, url).await;
    }
    result
}

async fn run(args: &Args, pg_url: Option<String>) -> anyhow::Result<()> {
    let store = if pg_url.is_some() { "PostgreSQL" } else { "SQLite NORMAL" };
    let app = start_app(pg_url).await?;
    let sandbox = app.state.jobber.sandbox.as_ref().context("sandbox mode")?;
    let account_id = sandbox.account_id_by_name(ACCOUNT).context("the seeded sandbox account")?;
    let cookie = connect(&app, &account_id).await?;

    // Baseline: the same storm shape with a warm token (no refresh needed).
    let mut warm = new_histogram();
    for _ in 0..args.rounds {
        let (waits, distinct) = storm(&app.state, &account_id, args.callers).await?;
        warm.add(&waits)?;
        if distinct != 1 {
            bail!("callers with a warm token got {distinct} different tokens");
        }
    }

    let mut waits = new_histogram();
    let mut requests_per_round = Vec::with_capacity(args.rounds);
    let mut distinct_per_round = Vec::with_capacity(args.rounds);
    for _ in 0..args.rounds {
        expire_soon(&app.state, &account_id).await?;
        let before = sandbox.stats().refresh_requests;
        let (round, distinct) = storm(&app.state, &account_id, args.callers).await?;
        waits.add(&round)?;
        requests_per_round.push(sandbox.stats().refresh_requests - before);
        distinct_per_round.push(distinct);
    }
    let token_requests: u64 = requests_per_round.iter().sum();
    let one_each = requests_per_round.iter().all(|&n| n == 1) && distinct_per_round.iter().all(|&n| n == 1);

    // HTTP: the `connection` query with the session cookie, against /healthz.
    let healthz = Target::get(app.addr, "/healthz");
    let connection = Target::new(
        app.addr,
        Arc::new(move |_| {
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, cookie.clone())
                .body(Full::new(Bytes::from_static(CONNECTION_QUERY.as_bytes())))
                .expect("valid request")
        }),
        Arc::new(|status, body| {
            status == StatusCode::OK
                && serde_json::from_slice::<serde_json::Value>(body)
                    .is_ok_and(|v| v["data"]["connection"]["status"] == "CONNECTED")
        }),
    );
    let closed = |secs: f64| Mode::Closed {
        concurrency: args.concurrency,
        duration: Duration::from_secs_f64(secs),
        max_requests: args.max_requests,
    };
    load::run(&healthz, closed(1.0)).await;
    load::run(&connection, closed(1.0)).await;
    let h = load::run(&healthz, closed(args.duration)).await;
    let c = load::run(&connection, closed(args.duration)).await;
    let rss = Rss::own().unwrap_or_default();

    println!(
        "store {store}; app, sandbox and load generator in this process; {} callers x {} rounds",
        args.callers, args.rounds
    );
    let q = |h: &Histogram<u64>, q: f64| ms(Duration::from_micros(h.value_at_quantile(q)));
    report::table(
        &["time to a valid token", "p50", "p99", "max", "token requests", "distinct tokens"],
        &[
            vec![
                "warm token (baseline)".into(),
                q(&warm, 0.5),
                q(&warm, 0.99),
                q(&warm, 1.0),
                "0".into(),
                "1 per round".into(),
            ],
            vec![
                "refresh storm".into(),
                q(&waits, 0.5),
                q(&waits, 0.99),
                q(&waits, 1.0),
                format!("{token_requests} in {} rounds", args.rounds),
                format!("at most {} per round", distinct_per_round.iter().max().copied().unwrap_or_default()),
            ],
        ],
    );
    println!(
        "storm / warm: p50 {}, p99 {}\n",
        ratio(waits.value_at_quantile(0.5) as f64, warm.value_at_quantile(0.5) as f64),
        ratio(waits.value_at_quantile(0.99) as f64, warm.value_at_quantile(0.99) as f64)
    );

    println!("closed loop, {} connections, {:.0} s per route", args.concurrency, args.duration);
    let row = |name: &str, o: &load::Outcome| {
        vec![
            name.to_owned(),
            per_sec(o.ok_per_sec()),
            ms(o.quantile(0.5)),
            ms(o.quantile(0.99)),
            thousands(o.ok),
            thousands(o.failures()),
        ]
    };
    report::table(
        &["route", "throughput", "p50", "p99", "ok", "failed"],
        &[row("GET /healthz (baseline)", &h), row("POST /graphql connection (warm token)", &c)],
    );
    println!(
        "connection / healthz throughput: {}; process peak RSS {}\n",
        ratio(c.ok_per_sec(), h.ok_per_sec()),
        mib(rss.peak_kib)
    );
    println!("goal: exactly one token request and one token per storm round: {}", verdict(one_each));
    Ok(())
}
