//! `bench-prune` (issue 11): does the retention task hurt webhook acknowledgements?
//!
//! One server (release `jobber-app`) per store, two accounts connected, then a backlog of settled
//! webhook events received 60 days ago (default 1,000,000) written straight into its database.
//! The server runs its retention task `--prune-after` seconds after start, so in one run, on the
//! same server and data:
//! 1. open loop at `--rate` (default 1,000/s) while nothing is pruned: the baseline p50/p99 ack;
//! 2. the same load while the retention task deletes the backlog: p50/p99 ack, and how many rows
//!    it removed during the phase (it must still be running at the phase's end, so the whole
//!    phase was measured under pruning).
//!
//! An unmeasured warm-up phase runs first, so both phases meet SQLite's WAL in the same state
//! (see `bench_store`). `--control` runs the same phases with the retention task off: the
//! difference between two phases when nothing is pruned, i.e. the noise floor of the comparison.
//!
//! Goal: p99 ack while pruning within 1 ms of the baseline's.

use std::{sync::Arc, time::Duration};

use anyhow::{Context as _, bail};
use clap::Parser;
use jobber_bench::{
    load::{self, Mode, Outcome},
    pg,
    report::{self, ms, thousands, verdict},
    server::{Server, Store, Synchronous},
    webhook::{ACCOUNTS, webhook_target},
};
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement};
use tokio::time::Instant;

#[derive(Parser)]
#[command(about = "Webhook ack latency while the retention task prunes a backlog, vs without")]
struct Args {
    /// Settled events to seed (received 60 days ago).
    #[arg(long, default_value_t = 1_000_000)]
    backlog: u64,
    /// Webhooks per second during both phases.
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    /// Seconds per phase.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// When the server's retention task first runs (PRUNE_INTERVAL_SECS): after the seed and the
    /// baseline phase.
    #[arg(long, default_value_t = 90)]
    prune_after: u64,
    /// PostgreSQL admin URL (a fresh database is created and dropped); `none` skips PostgreSQL.
    #[arg(long, default_value = pg::DEFAULT_ADMIN_URL)]
    postgres: String,
    /// Control run: the retention task never starts, so the second phase runs without pruning
    /// (what two phases differ by on their own).
    #[arg(long)]
    control: bool,
    /// Only these stores (comma-separated: normal, postgres).
    #[arg(long, default_value = "normal,postgres")]
    stores: String,
}

struct Figures {
    store: &'static str,
    seed_secs: f64,
    baseline: Outcome,
    pruning: Outcome,
    pruned_during: i64,
    left_after: i64,
}

/// Seeds `n` settled events received 60 days ago, in one statement per 100,000.
async fn seed(db: &DatabaseConnection, n: u64) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let mut done = 0;
    while done < n {
        let chunk = (n - done).min(100_000);
        let sql = match backend {
            DatabaseBackend::Sqlite => format!(
                "WITH RECURSIVE seq(x) AS (SELECT {from} UNION ALL SELECT x + 1 FROM seq WHERE x < {to}) \
                 INSERT INTO webhook_events (dedupe_key, topic, app_id, jobber_account_id, item_id, occurred_at, \
                   received_at, status, attempts, next_attempt_at, processed_at, lane) \
                 SELECT printf('old-%012d', x), 'CLIENT_UPDATE', 'app', 'Z2lkOi8vSm9iYmVyL0FjY291bnQvMQ==', \
                   'item-' || x, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 days'), \
                   strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 days'), 'PROCESSED', 1, \
                   strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 days'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 days'), 'data' \
                 FROM seq",
                from = done + 1,
                to = done + chunk
            ),
            _ => format!(
                "INSERT INTO webhook_events (dedupe_key, topic, app_id, jobber_account_id, item_id, occurred_at, \
                   received_at, status, attempts, next_attempt_at, processed_at, lane) \
                 SELECT 'old-' || lpad(x::text, 12, '0'), 'CLIENT_UPDATE', 'app', 'Z2lkOi8vSm9iYmVyL0FjY291bnQvMQ==', \
                   'item-' || x, now() - interval '60 days', now() - interval '60 days', 'PROCESSED', 1, \
                   now() - interval '60 days', now() - interval '60 days', 'data' \
                 FROM generate_series({from}::bigint, {to}::bigint) AS x",
                from = done + 1,
                to = done + chunk
            ),
        };
        db.execute_raw(Statement::from_string(backend, sql)).await.context("seeding settled events")?;
        done += chunk;
    }
    Ok(())
}

async fn old_rows(db: &DatabaseConnection) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM webhook_events WHERE dedupe_key LIKE 'old-%'",
        ))
        .await?
        .context("COUNT(*) returned no row")?;
    Ok(row.try_get("", "n")?)
}

async fn bench_store(args: &Args, store: Store) -> anyhow::Result<Figures> {
    let label = store.label();
    let prune_after = args.prune_after.to_string();
    eprintln!("[{label}] starting the server (retention task in {prune_after} s)");
    let started = Instant::now();
    let interval = if args.control { "0".to_owned() } else { prune_after.clone() };
    let mut server = Server::start_with(&store, &[("PRUNE_INTERVAL_SECS", &interval)]).await?;
    let mut connected = Vec::new();
    for account in ACCOUNTS {
        connected.push(server.connect(account).await?);
    }
    let connected = Arc::new(connected);
    let db = Database::connect(&server.database_url).await?;
    eprintln!("[{label}] seeding {} settled events", thousands(args.backlog));
    let seed_started = Instant::now();
    seed(&db, args.backlog).await?;
    let seed_secs = seed_started.elapsed().as_secs_f64();

    let duration = Duration::from_secs_f64(args.duration);
    let open = Mode::Open { rate: args.rate, duration, connections: 64 };
    load::run(
        &webhook_target(server.addr, 0, connected.clone()),
        Mode::Closed { concurrency: 8, duration: Duration::from_secs(1), max_requests: 2_000 },
    )
    .await;
    // Both measured phases must meet the WAL in the same state. Right after the seed the app's
    // WAL is small, so a first phase would append to a growing file, while every later phase
    // reuses the file in place, whose commits stall longer on a checkpoint's flush (measured
    // here: p99 7 ms against 27 ms with checkpoints every 500 ms). An unmeasured phase first
    // grows the WAL to what one phase writes; the idle second after it lets the checkpointer
    // catch up, so each phase starts on a reset WAL it overwrites in place.
    eprintln!("[{label}] warm-up: {}/s for {} s, not measured", args.rate, args.duration);
    load::run(&webhook_target(server.addr, 3, connected.clone()), open).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    eprintln!("[{label}] baseline: {}/s for {} s, nothing pruned", args.rate, args.duration);
    let baseline = load::run(&webhook_target(server.addr, 1, connected.clone()), open).await;
    if old_rows(&db).await? < args.backlog as i64 {
        bail!(
            "[{label}] the retention task started during the baseline ({:.0} s after start): raise --prune-after",
            started.elapsed().as_secs_f64()
        );
    }

    eprintln!("[{label}] waiting for the retention task to start");
    let deadline = started + Duration::from_secs(args.prune_after + 60);
    if args.control {
        tokio::time::sleep_until(started + Duration::from_secs(args.prune_after)).await;
    }
    while !args.control && old_rows(&db).await? >= args.backlog as i64 {
        if Instant::now() > deadline {
            bail!("[{label}] the retention task did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = old_rows(&db).await?;
    eprintln!("[{label}] while pruning: {}/s for {} s", args.rate, args.duration);
    let pruning = load::run(&webhook_target(server.addr, 2, connected.clone()), open).await;
    let left_after = old_rows(&db).await?;
    let _ = db.close().await;
    server.stop().await?;
    Ok(Figures { store: label, seed_secs, baseline, pruning, pruned_during: before - left_after, left_after })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::banner("bench-prune (issue 11): webhook ack latency while the retention task prunes");
    let wanted: Vec<&str> = args.stores.split(',').map(str::trim).collect();
    let mut figures = Vec::new();
    if wanted.contains(&"normal") {
        figures.push(bench_store(&args, Store::Sqlite(Synchronous::Normal)).await?);
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
        "backlog: {} settled events received 60 days ago; open loop {}/s for {:.0} s per phase\n",
        thousands(args.backlog),
        args.rate,
        args.duration
    );
    let rows: Vec<Vec<String>> = figures
        .iter()
        .map(|f| {
            let (b99, p99) = (f.baseline.quantile(0.99), f.pruning.quantile(0.99));
            let delta = p99.as_secs_f64() * 1e3 - b99.as_secs_f64() * 1e3;
            vec![
                f.store.to_owned(),
                format!("{:.1} s", f.seed_secs),
                format!("{} / {}", ms(f.baseline.quantile(0.5)), ms(b99)),
                format!("{} / {}", ms(f.pruning.quantile(0.5)), ms(p99)),
                format!("{delta:+.2} ms"),
                format!("{:.2}x", p99.as_secs_f64() / b99.as_secs_f64().max(1e-9)),
                thousands(u64::try_from(f.pruned_during).unwrap_or_default()),
                thousands(u64::try_from(f.left_after).unwrap_or_default()),
                (f.baseline.failures() + f.pruning.failures()).to_string(),
                format!(
                    "{} (p99 +{delta:.2} ms{})",
                    verdict(delta <= 1.0),
                    if f.left_after > 0 { "" } else { "; pruning ended inside the phase" }
                ),
            ]
        })
        .collect();
    report::table(
        &[
            "store",
            "seed",
            "baseline p50 / p99",
            "pruning p50 / p99",
            "p99 delta",
            "p99 ratio",
            "pruned in phase",
            "left after",
            "failed",
            "goal: p99 within 1 ms",
        ],
        &rows,
    );
    Ok(())
}
