//! `sync-bench`: measures the sync against the embedded Jobber sandbox and prints its figures.
//!
//! ```text
//! cargo run --release -p jobber-app --bin sync-bench -- [--records 20000] [--part a|b|all] [--postgres URL]
//! cargo run --release -p jobber-app --bin sync-bench -- --part fleet [--accounts 50] [--fleet-records 2000] [--concurrency N]
//! cargo run --release -p jobber-app --bin sync-bench -- --part missing [--change-every 60]   (about 20 minutes: the defaults)
//! ```
//! (a) Jobber's default bucket (10,000 points, 500/s restore): records/s, the ratio to the
//!     throttle-limited maximum measured in the same run, `THROTTLED` answers, peak RSS and RSS
//!     at each quarter of the run.
//! (b) Throttle off: end-to-end records/s, and local ingest records/s (pages of 100 upserted in
//!     one transaction each, as the sync commits them) on SQLite and, with `--postgres` (or
//!     `TEST_DATABASE_URL`), on PostgreSQL.
//! (fleet) Issue 14: `--accounts` sandbox accounts with `--fleet-records` clients and as many jobs
//!     each, every one with Jobber's default bucket, connected at once (SQLite, the default
//!     `SYNC_CONCURRENCY`): a lone account's first sync first (same run), then the 1st, median
//!     and last of the fleet's, aggregate records/s against N × the per-account throttle-limited
//!     maximum, `THROTTLED` answers, peak RSS and CPU (app and sandbox share the process).

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
    accounts: usize,
    fleet_records: usize,
    concurrency: Option<String>,
    change_every: u64,
}

fn args() -> Args {
    let mut a = Args {
        records: 20_000,
        part: "all".into(),
        postgres: std::env::var("TEST_DATABASE_URL").ok(),
        accounts: 50,
        fleet_records: 2_000,
        concurrency: None,
        change_every: 60,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--records" => a.records = it.next().and_then(|v| v.parse().ok()).expect("--records N"),
            "--part" => a.part = it.next().expect("--part a|b|all"),
            "--postgres" => a.postgres = it.next(),
            "--accounts" => a.accounts = it.next().and_then(|v| v.parse().ok()).expect("--accounts N"),
            "--concurrency" => a.concurrency = it.next(),
            "--change-every" => {
                a.change_every = it.next().and_then(|v| v.parse().ok()).expect("--change-every SECONDS");
            }
            "--fleet-records" => {
                a.fleet_records = it.next().and_then(|v| v.parse().ok()).expect("--fleet-records N");
            }
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
    app_with(sandbox_url, cfg, database_url, dir, Some("4")).await
}

async fn app_with(
    sandbox_url: &url::Url,
    cfg: &SandboxConfig,
    database_url: &str,
    dir: &std::path::Path,
    concurrency: Option<&str>,
) -> anyhow::Result<AppState> {
    let mut env: HashMap<&str, String> = [
        ("DATABASE_URL", database_url.to_owned()),
        ("DATA_DIR", dir.join("data").display().to_string()),
        ("JOBBER_API_URL", sandbox_url.to_string()),
        ("JOBBER_CLIENT_ID", cfg.client_id.clone()),
        ("JOBBER_CLIENT_SECRET", cfg.client_secret.clone()),
    ]
    .into_iter()
    .collect();
    if let Some(n) = concurrency {
        env.insert("SYNC_CONCURRENCY", n.to_owned());
    }
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

/// CPU seconds used by this process so far (user + system).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|i| fields.get(*i)?.parse::<f64>().ok()).sum();
    ticks / 100.0
}

/// Waits until every listed account's five resources are done; returns each account's time from
/// `started` to its last resource done, in the order the accounts finished.
async fn wait_accounts(state: &AppState, accounts: &[String], started: Instant) -> anyhow::Result<Vec<f64>> {
    let mut done: HashMap<String, f64> = HashMap::new();
    while done.len() < accounts.len() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let rows = sync_state::Entity::find().all(state.db.reader()).await?;
        for account in accounts {
            if done.contains_key(account) {
                continue;
            }
            let mine: Vec<_> = rows.iter().filter(|r| &r.jobber_account_id == account).collect();
            if mine.len() == 5
                && mine.iter().all(|r| r.state == SyncRunState::Done && r.last_success_at.is_some())
            {
                done.insert(account.clone(), started.elapsed().as_secs_f64());
            }
            if let Some(failed) = mine.iter().find(|r| r.state == SyncRunState::Failed) {
                anyhow::bail!("sync of {account} failed: {:?}", failed.error);
            }
        }
    }
    let mut times: Vec<f64> = done.into_values().collect();
    times.sort_by(f64::total_cmp);
    Ok(times)
}

async fn part_fleet(accounts: usize, m: usize, concurrency: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let properties = (m / 100).max(1);
    // Accounts 1..=N are the fleet, N+1 the lone account, N+2 the cost probe.
    let cfg = SandboxConfig {
        accounts: jobber_sandbox::AccountSeed::numbered(accounts + 2),
        records_per_account: RecordCounts { clients: m, properties, jobs: m, quotes: 0, invoices: 0 },
        visits_per_job: 1,
        ..SandboxConfig::default()
    };
    let seeding = Instant::now();
    let (sandbox, url) = Sandbox::spawn(cfg.clone()).await?;
    println!("(fleet) seeded {} accounts in {:.1} s", accounts + 2, seeding.elapsed().as_secs_f64());
    let state = app_with(&url, &cfg, &fresh_db("sqlite", &dir, None).await?, &dir, concurrency).await?;
    let ids: Vec<String> = sandbox.accounts().into_iter().map(|a| a.id).collect();
    let (fleet, lone, probe) = (&ids[..accounts], &ids[accounts], &ids[accounts + 1]);
    let callback = jobber_app::jobber::callback_url(&state.config);

    // Per-account throttle-limited maximum, from what one page of each resource costs.
    connect(&state, &sandbox.issue_code(probe, &callback)).await?;
    let mut points = 0.0;
    let mut bucket: (f64, f64) = (10_000.0, 500.0);
    for resource in [Resource::Clients, Resource::Jobs, Resource::Properties] {
        let count = if resource == Resource::Properties { properties } else { m };
        let cost = with_resource!(resource, R => fetch::page::<R>(&state.tokens, probe, 100, None, None).await.map(|(_, cost)| cost))
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .context("no cost reported")?;
        bucket = (cost.throttle_status.maximum_available, cost.throttle_status.restore_rate);
        points += cost.requested_query_cost / 100.0 * count as f64;
    }
    jobber_app::lifecycle::clear_local_state(
        &state.db,
        probe,
        jobber_app::lifecycle::DisconnectReason::FromApp,
    )
    .await?;
    let per_account_records = (2 * m + properties) as f64;
    let ideal = ((points - bucket.0) / bucket.1).max(0.001);
    let ceiling = per_account_records / ideal;

    let tasks = jobber_app::sync::spawn(&state.sync, state.inbox.new_data.clone(), &state.shutdown);
    let throttled_before = sandbox.stats().throttled_responses;
    let (cpu0, started) = (cpu_seconds(), Instant::now());
    connect(&state, &sandbox.issue_code(lone, &callback)).await?;
    state.sync.wake.notify_one();
    let lone_secs = wait_accounts(&state, std::slice::from_ref(lone), started).await?[0];
    let lone_cpu = cpu_seconds() - cpu0;

    let (cpu0, started) = (cpu_seconds(), Instant::now());
    for account in fleet {
        connect(&state, &sandbox.issue_code(account, &callback)).await?;
    }
    state.sync.wake.notify_one();
    let times = wait_accounts(&state, fleet, started).await?;
    let (wall, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    let last = *times.last().context("no accounts")?;
    let aggregate = per_account_records * accounts as f64 / last;
    let throttled = sandbox.stats().throttled_responses - throttled_before;
    println!(
        "(fleet) {accounts} accounts × ({m} clients + {m} jobs + {properties} properties), bucket {:.0} points at {:.0}/s each, SYNC_CONCURRENCY {}",
        bucket.0, bucket.1, state.config.sync.concurrency
    );
    println!(
        "    per-account throttle-limited maximum: {:.0} points in {:.1} s = {:.1} records/s",
        points, ideal, ceiling
    );
    println!(
        "    lone account first sync: {lone_secs:.1} s (ratio to the maximum {:.3}); CPU {lone_cpu:.1} s",
        ideal / lone_secs
    );
    println!(
        "    fleet first syncs: 1st {:.1} s, median {:.1} s, last {:.1} s; last / lone = {:.2} (goal <= 1.2)",
        times[0],
        times[times.len() / 2],
        last,
        last / lone_secs
    );
    println!(
        "    aggregate {:.0} records/s vs {accounts} × {:.1} = {:.0} records/s: ratio {:.3} (goal >= 0.9)",
        aggregate,
        ceiling,
        ceiling * accounts as f64,
        aggregate / (ceiling * accounts as f64)
    );
    println!("    THROTTLED answers: {throttled} (goal 0)");
    println!(
        "    CPU {cpu:.1} s in {wall:.1} s wall = {:.2} cores (app + sandbox); peak RSS {} MiB (goal <= 200)",
        cpu / wall,
        rss_kib("VmHWM:") / 1024
    );
    println!(
        "    (how long after webhooks stop an account turns MISSING: `--part missing`, about 20 minutes)"
    );
    state.shutdown.cancel();
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}

/// How long after Jobber's webhooks stop an account turns `MISSING`, measured with the default
/// settings (`SYNC_INTERVAL_MINUTES`, `WEBHOOK_GRACE_SECS`, the health watch): one account, no
/// webhook ever delivered (the app here does not serve HTTP), and the merchant changing a client
/// every `change_every` seconds from the moment the first sync is done ("webhooks stop").
async fn part_missing(change_every: u64) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let cfg = SandboxConfig {
        accounts: jobber_sandbox::AccountSeed::numbered(1),
        records_per_account: RecordCounts { clients: 20, properties: 5, jobs: 5, quotes: 5, invoices: 5 },
        ..SandboxConfig::default()
    };
    let (sandbox, url) = Sandbox::spawn(cfg.clone()).await?;
    let state = app_with(&url, &cfg, &fresh_db("sqlite", &dir, None).await?, &dir, None).await?;
    let account = sandbox.accounts().into_iter().next().context("an account")?.id;
    let callback = jobber_app::jobber::callback_url(&state.config);
    let tasks = jobber_app::sync::spawn(&state.sync, state.inbox.new_data.clone(), &state.shutdown);
    connect(&state, &sandbox.issue_code(&account, &callback)).await?;
    state.sync.wake.notify_one();
    wait_accounts(&state, std::slice::from_ref(&account), Instant::now()).await?;
    let clients: Vec<String> = jobber_app::db::entities::sync_records::Entity::find()
        .all(state.db.reader())
        .await?
        .into_iter()
        .filter(|r| r.kind == Resource::Clients)
        .map(|r| r.jobber_id)
        .collect();
    let s = &state.config.sync;
    println!(
        "(missing) defaults: SYNC_INTERVAL_MINUTES {}, WEBHOOK_GRACE_SECS {}, SYNC_CATCHUP_INTERVAL_SECS {}; a change every {change_every} s",
        s.interval.as_secs() / 60,
        s.webhook_grace.as_secs(),
        s.catchup_interval.as_secs()
    );
    let stopped = Instant::now();
    let (mut changes, mut third_change_at) = (0usize, None::<f64>);
    let mut next_change = stopped;
    let missing_after = loop {
        if Instant::now() >= next_change {
            let client = &clients[changes % clients.len()];
            let input = jobber_sandbox::RecordInput {
                last_name: Some(format!("Renamed {changes}")),
                ..Default::default()
            };
            sandbox
                .update_record(&account, jobber_sandbox::RecordKind::Client, client, input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            changes += 1;
            if changes == 3 {
                third_change_at = Some(stopped.elapsed().as_secs_f64());
            }
            next_change += std::time::Duration::from_secs(change_every);
        }
        let health = jobber_app::sync::health::of_account(&state.db, &account, chrono::Utc::now()).await?;
        if health.status == jobber_app::sync::health::Status::Missing {
            break stopped.elapsed().as_secs_f64();
        }
        anyhow::ensure!(stopped.elapsed().as_secs() < 3600, "not MISSING after an hour");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    // The first catch-up run after the verdict (an incremental run without any request).
    let verdict = Instant::now();
    let runs_before = incremental_runs(&state).await?;
    let catch_up = loop {
        if incremental_runs(&state).await? > runs_before {
            break verdict.elapsed().as_secs_f64();
        }
        anyhow::ensure!(verdict.elapsed().as_secs() < 900, "no catch-up run within 15 minutes");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    println!(
        "    MISSING {:.0} s ({:.1} min) after webhooks stopped; {:.0} s after the third unannounced change; {changes} changes made",
        missing_after,
        missing_after / 60.0,
        missing_after - third_change_at.unwrap_or(0.0)
    );
    println!("    first catch-up run {catch_up:.0} s after the verdict");
    state.shutdown.cancel();
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}

/// A value that changes whenever a resource's run finishes (the sum of the finish times).
async fn incremental_runs(state: &AppState) -> anyhow::Result<i64> {
    let rows = sync_state::Entity::find().all(state.db.reader()).await?;
    Ok(rows.iter().filter_map(|r| r.finished_at.map(|t| t.timestamp_micros())).sum::<i64>())
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
    if a.part == "fleet" {
        return part_fleet(a.accounts, a.fleet_records, a.concurrency.as_deref()).await;
    }
    if a.part == "missing" {
        return part_missing(a.change_every).await;
    }
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
