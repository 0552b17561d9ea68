//! Issue 5: webhook ingest on SQLite (`synchronous=NORMAL` and `FULL`) and PostgreSQL, beside the
//! same load on `GET /healthz` in the same run.
//!
//! For each store it starts `jobber-app` as a child process on a fresh database and runs, in order:
//! 1. closed loop on `/healthz` (baseline) and on `POST /webhooks/jobber`: sustained events/s;
//! 2. open loop at a fixed rate (default 1,000/s) on each: p50/p99 ack latency.
//!
//! Every webhook body is distinct (its own `itemId` and `occurredAt`), so none is a duplicate, and
//! signed like Jobber's (base64 HMAC-SHA256 of the raw body). Before measuring, the bench connects
//! both sandbox accounts as a merchant would (and waits for their first sync): three events in
//! four are data events of those accounts, which the app queues and its sync consumer works
//! (fetching each item from the sandbox, within Jobber's rate limits) while the load goes on; the
//! fourth is for an account that is not connected, which the app records as settled. The server
//! answers 200 only once an event is committed (group commit). After the server stops, the inbox
//! row count is read from the database and compared with the number of 200s.
//!
//! Goals: p99 ack < 10 ms at 1,000 events/s; on SQLite, accepted events/s ≥ ¼ of `/healthz`.

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use clap::Parser;
use jobber_bench::{
    load::{self, Mode, Outcome, Target},
    pg,
    report::{self, ms, per_sec, ratio, thousands, verdict},
    rss::{cpu_time, mib},
    server::{Server, Store, Synchronous},
    webhook::{ACCOUNTS, webhook_target},
};
use sea_orm::{ConnectionTrait, Database, Statement};

#[derive(Parser)]
#[command(about = "Webhook ingest: accepted events/s and ack latency at a fixed rate, vs GET /healthz")]
struct Args {
    /// Seconds per phase (four phases per store).
    #[arg(long, default_value_t = 8.0)]
    duration: f64,
    /// Connections for the closed-loop (maximum throughput) phases.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Requests per second for the latency phases.
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    /// Upper bound on requests per closed-loop phase.
    #[arg(long, default_value_t = 2_000_000)]
    max_requests: u64,
    /// PostgreSQL admin URL (a fresh database is created and dropped); `none` skips PostgreSQL.
    #[arg(long, default_value = pg::DEFAULT_ADMIN_URL)]
    postgres: String,
    /// Only these stores (comma-separated: normal, full, postgres).
    #[arg(long, default_value = "normal,full,postgres")]
    stores: String,
}

/// The inbox writer's cumulative figures from the server's `/metrics`.
#[derive(Debug, Default, Clone, Copy)]
struct Commits {
    count: f64,
    batch_sum: f64,
    seconds_sum: f64,
    /// Inbox rows the background workers finished (any status), which write to the same store.
    processed: f64,
}

impl Commits {
    async fn scrape(addr: std::net::SocketAddr) -> Self {
        let text = match reqwest::get(format!("http://{addr}/metrics")).await {
            Ok(res) => res.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Self {
            count: value("webhook_inbox_commit_seconds_count"),
            batch_sum: value("webhook_inbox_batch_size_sum"),
            seconds_sum: value("webhook_inbox_commit_seconds_sum"),
            processed: text
                .lines()
                .filter(|l| l.starts_with("webhook_events_processed_total{"))
                .filter_map(|l| l.rsplit_once(' ')?.1.trim().parse::<f64>().ok())
                .sum(),
        }
    }

    fn since(self, earlier: Self) -> Self {
        Self {
            count: self.count - earlier.count,
            batch_sum: self.batch_sum - earlier.batch_sum,
            seconds_sum: self.seconds_sum - earlier.seconds_sum,
            processed: self.processed - earlier.processed,
        }
    }

    fn row(self, store: &str, phase: &str, elapsed: Duration) -> Vec<String> {
        let secs = elapsed.as_secs_f64().max(1e-9);
        vec![
            store.to_owned(),
            phase.to_owned(),
            per_sec(self.count / secs),
            format!("{:.1}", self.batch_sum / self.count.max(1.0)),
            ms(Duration::from_secs_f64(self.seconds_sum / self.count.max(1.0))),
            format!("{:.0}%", 100.0 * self.seconds_sum / secs),
            per_sec(self.processed / secs),
        ]
    }
}

/// CPU used during a phase, as a share of one core: the server's and this load generator's.
#[derive(Debug, Default, Clone, Copy)]
struct Cpu {
    server: f64,
    generator: f64,
}

/// Runs one load phase and measures the CPU both processes used meanwhile.
async fn phase(server_pid: u32, target: &Target, mode: Mode) -> (Outcome, Cpu) {
    let read =
        || (cpu_time(server_pid).unwrap_or_default(), cpu_time(std::process::id()).unwrap_or_default());
    let (server0, own0) = read();
    let out = load::run(target, mode).await;
    let (server1, own1) = read();
    let secs = out.elapsed.as_secs_f64().max(1e-9);
    let cpu = Cpu {
        server: (server1 - server0).as_secs_f64() / secs,
        generator: (own1 - own0).as_secs_f64() / secs,
    };
    (out, cpu)
}

struct StoreFigures {
    store: &'static str,
    cpu_healthz_max: Cpu,
    cpu_webhook_max: Cpu,
    commits_max: Commits,
    commits_fixed: Commits,
    healthz_max: Outcome,
    webhook_max: Outcome,
    healthz_fixed: Outcome,
    webhook_fixed: Outcome,
    idle_kib: u64,
    peak_kib: u64,
    rows: i64,
    ok_200: u64,
}

async fn inbox_rows(database_url: &str) -> anyhow::Result<i64> {
    let conn = Database::connect(database_url).await.context("opening the inbox database")?;
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            // Not the APP_CONNECT events the sandbox sent for the bench's own connects.
            "SELECT COUNT(*) AS n FROM webhook_events WHERE topic NOT IN ('APP_CONNECT', 'APP_DISCONNECT')",
        ))
        .await?
        .context("COUNT(*) returned no row")?;
    let n: i64 = row.try_get("", "n")?;
    let _ = conn.close().await;
    Ok(n)
}

async fn bench_store(args: &Args, store: Store) -> anyhow::Result<StoreFigures> {
    let label = store.label();
    eprintln!("[{label}] starting the server");
    let mut server = Server::start(&store).await?;
    let mut connected = Vec::new();
    for account in ACCOUNTS {
        connected.push(server.connect(account).await?);
    }
    let connected = Arc::new(connected);
    let idle = server.rss();
    let healthz = Target::get(server.addr, "/healthz");
    let duration = Duration::from_secs_f64(args.duration);
    let closed = Mode::Closed { concurrency: args.concurrency, duration, max_requests: args.max_requests };
    // Enough connections that a due request rarely waits for one (64 at 1,000/s = 64 ms of slack).
    let open = Mode::Open { rate: args.rate, duration, connections: 64 };

    // Warm-up: a short burst of each kind (its webhooks count in the row check below).
    let warm = webhook_target(server.addr, 0, connected.clone());
    load::run(
        &healthz,
        Mode::Closed { concurrency: 8, duration: Duration::from_secs(1), max_requests: 5_000 },
    )
    .await;
    let warm_out = load::run(
        &warm,
        Mode::Closed { concurrency: 8, duration: Duration::from_secs(1), max_requests: 2_000 },
    )
    .await;

    eprintln!("[{label}] closed loop: /healthz then webhooks");
    let (healthz_max, cpu_healthz_max) = phase(server.pid, &healthz, closed).await;
    let before = Commits::scrape(server.addr).await;
    let (webhook_max, cpu_webhook_max) =
        phase(server.pid, &webhook_target(server.addr, 1, connected.clone()), closed).await;
    let commits_max = Commits::scrape(server.addr).await.since(before);
    eprintln!("[{label}] open loop at {}/s: /healthz then webhooks", args.rate);
    let healthz_fixed = load::run(&healthz, open).await;
    let before = Commits::scrape(server.addr).await;
    let webhook_fixed = load::run(&webhook_target(server.addr, 2, connected.clone()), open).await;
    let commits_fixed = Commits::scrape(server.addr).await.since(before);
    let peak = server.rss();
    server.stop().await?;

    let status_200 = |o: &Outcome| o.statuses.get(&200).copied().unwrap_or_default();
    let ok_200 = status_200(&warm_out) + status_200(&webhook_max) + status_200(&webhook_fixed);
    let rows = inbox_rows(&server.database_url).await?;
    Ok(StoreFigures {
        store: label,
        cpu_healthz_max,
        cpu_webhook_max,
        commits_max,
        commits_fixed,
        healthz_max,
        webhook_max,
        healthz_fixed,
        webhook_fixed,
        idle_kib: idle.current_kib,
        peak_kib: peak.peak_kib,
        rows,
        ok_200,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::banner("bench-webhooks (issue 5): POST /webhooks/jobber vs GET /healthz");
    let wanted: Vec<&str> = args.stores.split(',').map(str::trim).collect();
    let mut figures = Vec::new();
    for (key, store) in [("normal", Synchronous::Normal), ("full", Synchronous::Full)] {
        if wanted.contains(&key) {
            figures.push(bench_store(&args, Store::Sqlite(store)).await?);
        }
    }
    if wanted.contains(&"postgres") && args.postgres != "none" {
        match pg::create(&args.postgres).await {
            Ok(url) => {
                let result = bench_store(&args, Store::Postgres(url.clone())).await;
                pg::drop(&args.postgres, &url).await;
                figures.push(result?);
            }
            Err(err) => println!("PostgreSQL skipped: {err:#} (pass --postgres <admin url>)\n"),
        }
    }

    println!(
        "closed loop: {} connections, {:.0} s per phase; open loop: {}/s for {:.0} s over 64 connections",
        args.concurrency, args.duration, args.rate, args.duration
    );
    let mut rows = Vec::new();
    for f in &figures {
        rows.push(vec![
            f.store.to_owned(),
            per_sec(f.healthz_max.ok_per_sec()),
            per_sec(f.webhook_max.ok_per_sec()),
            ratio(f.webhook_max.ok_per_sec(), f.healthz_max.ok_per_sec()),
            ms(f.webhook_max.quantile(0.5)),
            ms(f.webhook_max.quantile(0.99)),
            thousands(f.webhook_max.failures()),
        ]);
    }
    println!("Maximum throughput (closed loop)");
    let mut cpu_rows = Vec::new();
    for f in &figures {
        let per =
            |cpu: Cpu, out: &Outcome| format!("{:.1} µs", 1e6 * cpu.server / out.ok_per_sec().max(1e-9));
        cpu_rows.push(vec![
            f.store.to_owned(),
            format!("{:.0}% / {:.0}%", 100.0 * f.cpu_healthz_max.server, 100.0 * f.cpu_webhook_max.server),
            format!(
                "{:.0}% / {:.0}%",
                100.0 * f.cpu_healthz_max.generator,
                100.0 * f.cpu_webhook_max.generator
            ),
            per(f.cpu_healthz_max, &f.healthz_max),
            per(f.cpu_webhook_max, &f.webhook_max),
        ]);
    }
    report::table(
        &["store", "/healthz ok/s", "webhooks accepted/s", "ratio", "webhook p50", "webhook p99", "failed"],
        &rows,
    );

    println!(
        "CPU during the closed loops (100% = one core; the machine has {})",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    report::table(
        &[
            "store",
            "server CPU: /healthz / webhooks",
            "load generator CPU",
            "server CPU per /healthz",
            "server CPU per webhook",
        ],
        &cpu_rows,
    );

    let mut rows = Vec::new();
    for f in &figures {
        rows.push(vec![
            f.store.to_owned(),
            format!("{} / {}", ms(f.healthz_fixed.quantile(0.5)), ms(f.healthz_fixed.quantile(0.99))),
            format!("{} / {}", ms(f.webhook_fixed.quantile(0.5)), ms(f.webhook_fixed.quantile(0.99))),
            ratio(f.webhook_fixed.quantile(0.99).as_secs_f64(), f.healthz_fixed.quantile(0.99).as_secs_f64()),
            ms(f.webhook_fixed.quantile(0.999)),
            per_sec(f.webhook_fixed.answered_per_sec()),
            thousands(f.webhook_fixed.late),
            thousands(f.webhook_fixed.failures()),
        ]);
    }
    println!("Ack latency at a fixed {}/s (open loop)", args.rate);
    report::table(
        &[
            "store",
            "/healthz p50 / p99",
            "webhook p50 / p99",
            "p99 ratio",
            "webhook p99.9",
            "achieved",
            "late sends",
            "failed",
        ],
        &rows,
    );

    let mut rows = Vec::new();
    for f in &figures {
        rows.push(vec![
            f.store.to_owned(),
            thousands(f.ok_200),
            thousands(u64::try_from(f.rows).unwrap_or_default()),
            if f.rows == i64::try_from(f.ok_200).unwrap_or(-1) { "equal".into() } else { "DIFFERENT".into() },
            mib(f.idle_kib),
            mib(f.peak_kib),
        ]);
    }
    println!("Durability check (rows read from the database after the server stopped) and server RSS");
    report::table(&["store", "200 answers", "inbox rows", "check", "idle RSS", "peak RSS"], &rows);

    let mut rows = Vec::new();
    for f in &figures {
        rows.push(f.commits_max.row(f.store, "closed loop", f.webhook_max.elapsed));
        rows.push(f.commits_fixed.row(f.store, &format!("{}/s", args.rate), f.webhook_fixed.elapsed));
    }
    println!(
        "Group commit, from the server's /metrics (webhook_inbox_commit_seconds, webhook_inbox_batch_size)"
    );
    report::table(
        &[
            "store",
            "phase",
            "commits/s",
            "events per commit",
            "mean commit time",
            "writer busy",
            "rows worked by inbox workers",
        ],
        &rows,
    );

    println!("Goals");
    let mut rows = Vec::new();
    for f in &figures {
        let p99 = f.webhook_fixed.quantile(0.99);
        rows.push(vec![
            format!("{}: p99 ack < 10 ms at {}/s", f.store, args.rate),
            verdict(p99 < Duration::from_millis(10)).to_owned(),
            ms(p99),
        ]);
        if f.store.starts_with("SQLite") {
            let r = f.webhook_max.ok_per_sec() / f.healthz_max.ok_per_sec().max(1e-9);
            rows.push(vec![
                format!("{}: accepted/s >= 1/4 of /healthz", f.store),
                verdict(r >= 0.25).to_owned(),
                format!("{r:.2}x"),
            ]);
        }
        rows.push(vec![
            format!("{}: inbox rows == 200 answers", f.store),
            verdict(f.rows == i64::try_from(f.ok_200).unwrap_or(-1)).to_owned(),
            format!("{} == {}", f.rows, f.ok_200),
        ]);
    }
    report::table(&["goal", "result", "measured"], &rows);
    Ok(())
}
