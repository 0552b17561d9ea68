//! `sync-bench`: measures the sync against the embedded Jobber sandbox and prints its figures.
//!
//! ```text
//! cargo run --release -p jobber-app --bin sync-bench -- [--records 20000] [--part a|b|all] [--postgres URL]
//! ```
//! (a) Jobber's default bucket (10,000 points, 500/s restore): records/s, the ratio to the
//!     throttle-limited maximum measured in the same run, `THROTTLED` answers, peak RSS and RSS
//!     at each quarter of the run.
//! (b) Throttle off: end-to-end records/s, and local ingest records/s (pages of 100 upserted in
//!     one transaction each, as the sync commits them) on SQLite and, with `--postgres` (or
//!     `TEST_DATABASE_URL`), on PostgreSQL.

use std::{collections::HashMap, time::Instant};

use anyhow::Context as _;
use jobber_app::{
    config::Config,
    db::entities::sync_state,
    db::{enums::SyncRunState, records},
    state::AppState,
    sync::{Resource, fetch, resources},
    with_resource,
};
use jobber_sandbox::{BucketConfig, RecordCounts, Sandbox, SandboxConfig};
use sea_orm::{ConnectionTrait, EntityTrait};

/// Jobs need a property to belong to; a few are seeded (and synced) too.
const PROPERTIES: usize = 100;

struct Args {
    records: usize,
    part: String,
    postgres: Option<String>,
}

fn args() -> Args {
    let mut a =
        Args { records: 20_000, part: "all".into(), postgres: std::env::var("TEST_DATABASE_URL").ok() };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--records" => a.records = it.next().and_then(|v| v.parse().ok()).expect("--records N"),
            "--part" => a.part = it.next().expect("--part a|b|all"),
            "--postgres" => a.postgres = it.next(),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn fresh_db(kind: &str, dir: &std::path::Path, postgres: Option<&str>) -> anyhow::Result<String> {
    if kind == "sqlite" {
        return Ok(format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()));
    }
    let admin = postgres.context("no PostgreSQL URL")?;
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let conn = sea_orm::Database::connect(admin).await?;
    conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
    let (base, _) = admin.rsplit_once('/').context("URL has a database name")?;
    Ok(format!("{base}/{name}"))
}

async fn app(
    sandbox_url: &url::Url,
    cfg: &SandboxConfig,
    database_url: &str,
    dir: &std::path::Path,
) -> anyhow::Result<AppState> {
    let env: HashMap<&str, String> = [
        ("DATABASE_URL", database_url.to_owned()),
        ("DATA_DIR", dir.join("data").display().to_string()),
        ("JOBBER_API_URL", sandbox_url.to_string()),
        ("JOBBER_CLIENT_ID", cfg.client_id.clone()),
        ("JOBBER_CLIENT_SECRET", cfg.client_secret.clone()),
        ("SYNC_CONCURRENCY", "4".into()),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(|k| env.get(k).cloned())?;
    jobber_app::build(config).await
}

struct Run {
    seconds: f64,
    records: u64,
    rss_quarters: Vec<u64>,
}

/// Connects the account and syncs it fully; returns the wall time from connect to done.
async fn sync_once(
    state: &AppState,
    sandbox: &Sandbox,
    account_name: &str,
    expected: u64,
) -> anyhow::Result<Run> {
    let account = sandbox.account_id_by_name(account_name).context("account")?;
    let code = sandbox.issue_code(&account, &jobber_app::jobber::callback_url(&state.config));
    let tasks = jobber_app::sync::spawn(&state.sync, state.inbox.new_data.clone(), &state.shutdown);
    let started = Instant::now();
    connect(state, &code).await?;
    state.sync.wake.notify_one();
    let mut quarters = Vec::new();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let rows = sync_state::Entity::find().all(state.db.reader()).await?;
        let fetched: i64 = rows.iter().map(|r| r.fetched).sum();
        while (quarters.len() as u64) < 4 && fetched as u64 * 4 >= expected * (quarters.len() as u64 + 1) {
            quarters.push(rss_kib("VmRSS:"));
        }
        if rows.len() == 5 && rows.iter().all(|r| r.state == SyncRunState::Done) {
            if let Some(failed) = rows.iter().find(|r| r.error.is_some()) {
                anyhow::bail!("sync failed: {:?}", failed.error);
            }
            let seconds = started.elapsed().as_secs_f64();
            state.shutdown.cancel();
            for t in tasks {
                let _ = t.await;
            }
            return Ok(Run { seconds, records: fetched as u64, rss_quarters: quarters });
        }
    }
}

async fn part_a(n: usize) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let cfg = SandboxConfig {
        records_per_account: RecordCounts {
            clients: n,
            properties: PROPERTIES,
            jobs: n,
            quotes: 0,
            invoices: 0,
        },
        ..SandboxConfig::default()
    };
    let (sandbox, url) = Sandbox::spawn(cfg.clone()).await?;
    let state = app(&url, &cfg, &fresh_db("sqlite", &dir, None).await?, &dir).await?;
    // The throttle-limited maximum, measured in this run: what one item of each resource costs
    // (asked on the second account, so the first account's bucket starts full).
    let other = sandbox.account_id_by_name("Spark Electric Co.").context("account")?;
    let code = sandbox.issue_code(&other, &jobber_app::jobber::callback_url(&state.config));
    connect(&state, &code).await?;
    let mut points = 0.0;
    let mut bucket: (f64, f64) = (10_000.0, 500.0);
    for resource in [Resource::Clients, Resource::Jobs, Resource::Properties] {
        let count = if resource == Resource::Properties { PROPERTIES } else { n };
        let cost = with_resource!(resource, R => fetch::page::<R>(&state.tokens, &other, 100, None, None).await.map(|(_, cost)| cost))
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .context("no cost reported")?;
        bucket = (cost.throttle_status.maximum_available, cost.throttle_status.restore_rate);
        points += cost.requested_query_cost / 100.0 * count as f64;
    }
    // Disconnect the probe account locally so the runner does not sync it too.
    jobber_app::lifecycle::clear_local_state(
        &state.db,
        &other,
        jobber_app::lifecycle::DisconnectReason::FromApp,
    )
    .await?;
    let throttled_before = sandbox.stats().throttled_responses;
    let run = sync_once(&state, &sandbox, "Green Thumb Landscaping", (2 * n + PROPERTIES) as u64).await?;
    let ideal = ((points - bucket.0) / bucket.1).max(0.001);
    let throttled = sandbox.stats().throttled_responses - throttled_before;
    println!(
        "(a) default bucket ({:.0} points, {:.0}/s restore), {n} clients + {n} jobs + {PROPERTIES} properties",
        bucket.0, bucket.1
    );
    println!(
        "    synced {} records in {:.1} s = {:.0} records/s",
        run.records,
        run.seconds,
        run.records as f64 / run.seconds
    );
    println!(
        "    throttle-limited maximum: {:.0} points in {:.1} s = {:.0} records/s; ratio {:.3} (goal >= 0.9)",
        points,
        ideal,
        run.records as f64 / ideal,
        ideal / run.seconds
    );
    println!("    THROTTLED answers: {throttled} (goal 0)");
    println!(
        "    RSS at 25/50/75/100 %: {:?} MiB; peak RSS {} MiB (goal < 150, flat)",
        run.rss_quarters.iter().map(|k| k / 1024).collect::<Vec<_>>(),
        rss_kib("VmHWM:") / 1024
    );
    Ok(())
}

async fn part_b(n: usize, db_kind: &str, postgres: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let cfg = SandboxConfig {
        records_per_account: RecordCounts {
            clients: n,
            properties: PROPERTIES,
            jobs: n,
            quotes: 0,
            invoices: 0,
        },
        bucket: BucketConfig { enabled: false, ..Default::default() },
        request_limit: None,
        ..SandboxConfig::default()
    };
    let (sandbox, url) = Sandbox::spawn(cfg.clone()).await?;
    let database_url = fresh_db(db_kind, &dir, postgres).await?;
    let state = app(&url, &cfg, &database_url, &dir).await?;
    let run = sync_once(&state, &sandbox, "Green Thumb Landscaping", (2 * n + PROPERTIES) as u64).await?;
    println!(
        "(b) throttle off, {db_kind}: end to end {} records in {:.2} s = {:.0} records/s",
        run.records,
        run.seconds,
        run.records as f64 / run.seconds
    );

    // Local ingest alone: the same pages again, upserted as the sync commits them.
    let account = sandbox.account_id_by_name("Spark Electric Co.").context("account")?;
    let code = sandbox.issue_code(&account, &jobber_app::jobber::callback_url(&state.config));
    connect(&state, &code).await?;
    let mut pages = Vec::new();
    for resource in [Resource::Clients, Resource::Jobs] {
        let mut after = None;
        loop {
            let (rows, next): (Vec<records::RecordRow>, Option<String>) = with_resource!(resource, R => {
                let (page, _) = fetch::page::<R>(&state.tokens, &account, 100, after, None)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let next = if page.has_next { page.end_cursor } else { None };
                (page.items.iter().map(resources::record_row::<R>).collect(), next)
            });
            pages.push((resource, rows));
            match next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
    }
    let total: usize = pages.iter().map(|(_, r)| r.len()).sum();
    let started = Instant::now();
    for (resource, rows) in &pages {
        let txn = state.db.begin_write().await?;
        records::upsert(&txn, &account, *resource, rows, 1).await?;
        txn.commit().await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "    local ingest, {db_kind}: {total} records in {:.2} s = {:.0} records/s (goal >= 20,000 on SQLite)",
        secs,
        total as f64 / secs
    );
    state.shutdown.cancel();
    Ok(())
}

async fn connect(state: &AppState, code: &str) -> anyhow::Result<()> {
    let callback = jobber_app::jobber::callback_url(&state.config);
    jobber_app::connect::connect_with_code(&state.tokens, &state.db, &callback, code)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("sync-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args();
    if a.part == "a" || a.part == "all" {
        part_a(a.records).await?;
    }
    if a.part == "b" || a.part == "all" {
        part_b(a.records, "sqlite", None).await?;
        match a.postgres.as_deref() {
            Some(pg) => part_b(a.records, "postgres", Some(pg)).await?,
            None => println!("(b) PostgreSQL: skipped (pass --postgres URL or set TEST_DATABASE_URL)"),
        }
    }
    Ok(())
}
