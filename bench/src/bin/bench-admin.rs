//! `bench-admin` (issue 15): the operator console's reads against a big fleet.
//!
//! Per store (SQLite, PostgreSQL): the release `jobber-app` starts once on a fresh database (which
//! migrates it) and stops; a fleet is seeded straight into the database (default 10,000 accounts
//! in every status, their sync state, 1,000,000 webhook events, audit entries: see
//! `jobber_bench::fleet`); the server starts again with its admin listener on a free loopback port
//! and a random `ADMIN_TOKEN`. Then, open loop at `--rate` requests per second for `--seconds` per
//! request and round (`--rounds` alternating rounds, so drift on a shared machine hits each
//! alike), the console's own operations through `POST /admin/graphql`:
//! - `GET /healthz` on the admin listener: the baseline;
//! - the installs list's first page (`first: 25`);
//! - a filtered page (`status: CONNECTED`, `search: --search`);
//! - a deep page: the cursors are followed to page `--deep-page` first, then that page is fetched
//!   by its cursor;
//! - one install's detail (the account with dead letters that has the most webhook events).
//!
//! Prints p50/p99/max of each and its ratio to `/healthz`. Goal: p99 ≤ 50 ms for each on both
//! stores. Exits with an error if any answer failed its check (an error in the GraphQL answer, a
//! missing page): figures of failed requests would mean nothing. A small run is the smoke test
//! (`bench/tests/smoke.rs`).

use std::{sync::Arc, time::Duration};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http::{Request, StatusCode, header};
use http_body_util::Full;
use jobber_bench::{
    fleet::{self, Plan, Seeded},
    load::{self, Mode, Outcome, Target},
    pg,
    report::{self, ms, ratio, thousands, verdict},
    rss::mib,
    server::{Admin, Server, Store, Synchronous},
};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::time::Instant;

#[derive(Parser)]
#[command(
    about = "The operator console's installs list and detail at 10,000 installs, vs the admin /healthz"
)]
struct Args {
    /// Which stores to measure.
    #[arg(long, value_enum, default_value_t = Which::Both)]
    db: Which,
    /// Accounts to seed.
    #[arg(long, default_value_t = 10_000)]
    accounts: usize,
    /// Webhook events to seed.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Requests per second (open loop) for each request.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// Seconds of load per request and round.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Rounds; each loads every request in turn.
    #[arg(long, default_value_t = 2)]
    rounds: usize,
    /// Installs per page (the console's default is 25).
    #[arg(long, default_value_t = 25)]
    page_size: u64,
    /// The deep page to measure (1-based; the last page if the fleet has fewer).
    #[arg(long, default_value_t = 200)]
    deep_page: usize,
    /// The filtered page's search term (with `status: CONNECTED`).
    #[arg(long, default_value = "plumb")]
    search: String,
    /// PostgreSQL admin URL (a fresh `bench_*` database is created and dropped).
    #[arg(long, default_value = pg::DEFAULT_ADMIN_URL)]
    postgres: String,
    /// Keep the seeded databases to look at the query plans: a copy of the SQLite file in this
    /// directory (`bench-admin.db`), and the PostgreSQL database (not dropped; its URL is printed).
    #[arg(long)]
    keep: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Sqlite,
    Postgres,
    Both,
}

/// The console's own operations (`frontend/src/admin/*.graphql`), fields and all.
const INSTALL_FIELDS: &str = "fragment InstallFields on Install { jobberAccountId name status problems \
    connectedAt connectedByName connectedByEmail disconnectedAt disconnectedBy lastError lastRefreshAt \
    resources { resource state lastSuccessAt lastFullSuccessAt failures error notBefore } \
    failingRuns webhooksPending webhooksDead webhookHealth { status lastReceivedAt } }";
const INSTALLS: &str = "query Installs($status: InstallStatus, $search: String, $first: Int!, $after: String) { \
    installs(status: $status, search: $search, first: $first, after: $after) { \
    installs { ...InstallFields } nextCursor totalCount } }";
const INSTALL: &str = "query Install($jobberAccountId: String!) { install(jobberAccountId: $jobberAccountId) { \
    install { ...InstallFields } \
    timeline { id at jobberAccountId accountName kind actor actorName detail } \
    webhookEvents { id topic status attempts receivedAt processedAt lastError } } }";

/// Keeps the server's background work idle on the seeded fleet (see `jobber_bench::fleet`):
/// periodic syncs are not due for months.
const QUIET: [(&str, &str); 2] =
    [("SYNC_INTERVAL_MINUTES", "100000"), ("SYNC_FULL_INTERVAL_HOURS", "100000")];

/// One measured request.
struct Probe {
    name: String,
    target: Target,
}

struct Figures {
    store: &'static str,
    seeded: Seeded,
    seed_secs: f64,
    deep_page: usize,
    filtered_total: u64,
    /// In probe order; the first is `/healthz`.
    outcomes: Vec<(String, Outcome)>,
    peak_kib: u64,
}

fn installs_body(status: Option<&str>, search: Option<&str>, first: u64, after: Option<&str>) -> Value {
    json!({
        "query": format!("{INSTALLS} {INSTALL_FIELDS}"),
        "operationName": "Installs",
        "variables": { "status": status, "search": search, "first": first, "after": after },
    })
}

fn install_body(account: &str) -> Value {
    json!({
        "query": format!("{INSTALL} {INSTALL_FIELDS}"),
        "operationName": "Install",
        "variables": { "jobberAccountId": account },
    })
}

/// A GraphQL answer without errors whose `data` passes `ok`.
fn graphql_ok(body: &[u8], ok: impl Fn(&Value) -> bool) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| v.get("errors").is_none() && ok(&v["data"]))
}

/// `POST /admin/graphql` with `body`, checked by `ok` on its `data`.
fn graphql_target(admin: &Admin, body: &Value, ok: fn(&Value) -> bool) -> Target {
    let body = Bytes::from(body.to_string());
    let bearer = admin.bearer();
    Target::new(
        admin.addr,
        Arc::new(move |_| {
            Request::post("/admin/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, &bearer)
                .body(Full::new(body.clone()))
                .expect("a valid request")
        }),
        Arc::new(move |status, body| status == StatusCode::OK && graphql_ok(body, ok)),
    )
}

/// A page of the list: `(totalCount, nextCursor, installs on the page)`.
async fn fetch_page(
    client: &reqwest::Client,
    admin: &Admin,
    body: &Value,
) -> anyhow::Result<(u64, Option<String>, usize)> {
    let res = client
        .post(format!("http://{}/admin/graphql", admin.addr))
        .header(header::AUTHORIZATION, admin.bearer())
        .json(body)
        .send()
        .await?;
    let status = res.status();
    let v: Value = res.json().await?;
    if status != StatusCode::OK || v.get("errors").is_some() {
        bail!("the installs query failed ({status}): {v}");
    }
    let page = &v["data"]["installs"];
    Ok((
        page["totalCount"].as_u64().context("totalCount")?,
        page["nextCursor"].as_str().map(str::to_owned),
        page["installs"].as_array().map_or(0, Vec::len),
    ))
}

/// Follows the list's cursors to page `want` (or the last page); returns the page reached and
/// the cursor that fetches it (`None` for page 1).
async fn cursor_of_page(
    client: &reqwest::Client,
    admin: &Admin,
    first: u64,
    want: usize,
) -> anyhow::Result<(usize, Option<String>)> {
    let (mut page, mut after) = (1, None::<String>);
    while page < want {
        let (_, next, _) =
            fetch_page(client, admin, &installs_body(None, None, first, after.as_deref())).await?;
        match next {
            Some(next) => {
                after = Some(next);
                page += 1;
            }
            None => break,
        }
    }
    Ok((page, after))
}

async fn bench_store(args: &Args, store: Store) -> anyhow::Result<Figures> {
    let label = store.label();
    eprintln!("[{label}] migrating a fresh database (first start)");
    let mut server = Server::start_admin(&store, &QUIET).await?;
    server.stop().await?;

    eprintln!(
        "[{label}] seeding {} accounts and {} webhook events",
        thousands(args.accounts as u64),
        thousands(args.events)
    );
    let db = Database::connect(&server.database_url).await?;
    let started = Instant::now();
    let plan = Plan { accounts: args.accounts, events: args.events };
    let seeded = fleet::seed(&db, plan, chrono::Utc::now()).await.context("seeding")?;
    fleet::analyze(&db).await?;
    let seed_secs = started.elapsed().as_secs_f64();
    if let (Some(dir), Store::Sqlite(_)) = (&args.keep, &store) {
        let copy = dir.join("bench-admin.db");
        let _ = std::fs::remove_file(&copy);
        db.execute_unprepared(&format!("VACUUM INTO '{}'", copy.display().to_string().replace('\'', "''")))
            .await
            .context("copying the seeded SQLite database (--keep)")?;
        eprintln!("[{label}] kept a copy of the seeded database: {}", copy.display());
    }
    let _ = db.close().await;
    eprintln!("[{label}] seeded in {seed_secs:.1} s; starting the server with its admin listener");

    server.restart().await?;
    let admin = server.admin.clone().context("the admin listener")?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;

    // What the measured requests should find.
    let first = args.page_size;
    let (total, _, rows) = fetch_page(&client, &admin, &installs_body(None, None, first, None)).await?;
    if total != args.accounts as u64 || rows == 0 {
        bail!("[{label}] the first page lists {rows} of {total} installs; {} were seeded", args.accounts);
    }
    let filter = installs_body(Some("CONNECTED"), Some(&args.search), first, None);
    let (filtered_total, _, _) = fetch_page(&client, &admin, &filter).await?;
    let (deep_page, deep_cursor) = cursor_of_page(&client, &admin, first, args.deep_page.max(1)).await?;
    let deep = installs_body(None, None, first, deep_cursor.as_deref());
    let (_, _, deep_rows) = fetch_page(&client, &admin, &deep).await?;
    if deep_rows == 0 {
        bail!("[{label}] page {deep_page} is empty");
    }

    let has_rows: fn(&Value) -> bool =
        |d| d["installs"]["installs"].as_array().is_some_and(|a| !a.is_empty());
    let has_install: fn(&Value) -> bool = |d| d["install"]["install"]["jobberAccountId"].is_string();
    let probes = [
        Probe {
            name: "GET /healthz (admin listener, baseline)".into(),
            target: Target::get(admin.addr, "/healthz"),
        },
        Probe {
            name: format!("installs, first page (first: {first})"),
            target: graphql_target(&admin, &installs_body(None, None, first, None), has_rows),
        },
        Probe {
            name: format!("installs, CONNECTED + search \"{}\" ({filtered_total} match)", args.search),
            target: graphql_target(&admin, &filter, |d| d["installs"]["installs"].is_array()),
        },
        Probe {
            name: format!("installs, page {deep_page} by its cursor"),
            target: graphql_target(&admin, &deep, has_rows),
        },
        Probe {
            name: "install detail (busiest account with dead letters)".into(),
            target: graphql_target(&admin, &install_body(&seeded.busiest_troubled), has_install),
        },
    ];

    let open = |seconds: f64| Mode::Open {
        rate: args.rate,
        duration: Duration::from_secs_f64(seconds),
        connections: 8,
    };
    eprintln!("[{label}] warming up");
    for p in &probes {
        load::run(&p.target, open(1.0)).await;
    }
    let mut outcomes: Vec<Option<Outcome>> = probes.iter().map(|_| None).collect();
    for round in 1..=args.rounds.max(1) {
        for (p, slot) in probes.iter().zip(outcomes.iter_mut()) {
            eprintln!("[{label}] round {round}: {} at {}/s for {} s", p.name, args.rate, args.seconds);
            let o = load::run(&p.target, open(args.seconds)).await;
            match slot {
                Some(total) => total.absorb(o),
                None => *slot = Some(o),
            }
        }
    }
    let peak_kib = server.rss().peak_kib;
    server.stop().await?;
    let outcomes =
        probes.into_iter().zip(outcomes).map(|(p, o)| (p.name, o.expect("every probe ran"))).collect();
    Ok(Figures { store: label, seeded, seed_secs, deep_page, filtered_total, outcomes, peak_kib })
}

fn print(args: &Args, f: &Figures) {
    let s = &f.seeded;
    let statuses: Vec<String> = s
        .accounts_by_status
        .iter()
        .map(|(st, n)| format!("{} {}", thousands(*n as u64), sea_orm::ActiveEnum::to_value(st)))
        .collect();
    println!("{}: seeded in {:.1} s", f.store, f.seed_secs);
    println!(
        "  {} accounts ({}); {} sync_state rows; {} webhook events ({} dead letters, {} open); {} audit entries; \
         {} judged changes; {} accounts with dead letters or a failed sync",
        thousands(args.accounts as u64),
        statuses.join(", "),
        thousands(s.sync_state),
        thousands(s.events),
        thousands(s.dead),
        thousands(s.open),
        thousands(s.audit),
        thousands(s.changes),
        thousands(s.troubled as u64),
    );
    println!(
        "  open loop {}/s, {} round(s) x {:.0} s per request; deep page {}; filtered matches {}; server peak RSS {}\n",
        args.rate,
        args.rounds,
        args.seconds,
        f.deep_page,
        f.filtered_total,
        mib(f.peak_kib)
    );
    // Open loop: requests still unsent when the run's deadline passed (a saturated server) show
    // as answered < due.
    let due = (args.rate * args.seconds).floor() as u64 * args.rounds.max(1) as u64;
    let base = &f.outcomes[0].1;
    let (b50, b99) = (base.quantile(0.5).as_secs_f64(), base.quantile(0.99).as_secs_f64());
    let rows: Vec<Vec<String>> = f
        .outcomes
        .iter()
        .enumerate()
        .map(|(i, (name, o))| {
            let p99 = o.quantile(0.99);
            vec![
                name.clone(),
                ms(o.quantile(0.5)),
                ms(p99),
                ms(o.quantile(1.0)),
                ratio(o.quantile(0.5).as_secs_f64(), b50),
                ratio(p99.as_secs_f64(), b99),
                format!("{} / {}", thousands(o.answered), thousands(due)),
                thousands(o.failures()),
                match (i, o.answered < due) {
                    (0, _) => "-".to_owned(),
                    (_, true) => "MISSED (fell behind the rate)".to_owned(),
                    (_, false) => verdict(p99 <= Duration::from_millis(50)).to_owned(),
                },
            ]
        })
        .collect();
    report::table(
        &[
            "request",
            "p50",
            "p99",
            "max",
            "p50 ratio",
            "p99 ratio",
            "answered / due",
            "failed",
            "goal: p99 <= 50 ms",
        ],
        &rows,
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::banner(
        "bench-admin (issue 15): the operator console's reads at 10,000 installs vs the admin /healthz",
    );
    let mut figures = Vec::new();
    if matches!(args.db, Which::Sqlite | Which::Both) {
        figures.push(bench_store(&args, Store::Sqlite(Synchronous::Normal)).await?);
    }
    if matches!(args.db, Which::Postgres | Which::Both) {
        let url = pg::create(&args.postgres).await.context("creating a PostgreSQL database (--postgres)")?;
        let result = bench_store(&args, Store::Postgres(url.clone())).await;
        if args.keep.is_some() {
            eprintln!("[PostgreSQL] kept the seeded database: {url}");
        } else {
            pg::drop(&args.postgres, &url).await;
        }
        figures.push(result?);
    }
    for f in &figures {
        print(&args, f);
    }
    let failed: u64 = figures.iter().flat_map(|f| f.outcomes.iter()).map(|(_, o)| o.failures()).sum();
    if failed > 0 {
        bail!("{failed} request(s) failed their check: the figures above are not valid");
    }
    Ok(())
}
