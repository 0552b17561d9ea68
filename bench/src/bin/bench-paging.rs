//! Issue 3: page clients from the sandbox through the cost governor at Jobber's default limits.
//!
//! The sandbox runs in this process with Jobber's bucket (10,000 points, restoring 500/s) and
//! request ceiling; `JobberClient::execute::<Clients>` pages through every client with
//! `Priority::Normal`, one page after another, as a sync would. Printed: records/s, the cost per
//! record (from `extensions.cost`), the ratio to the throttle-limited maximum
//! (`restoreRate / cost per record`), `THROTTLED` and HTTP 429 answers the sandbox counted, and
//! the peak RSS of this process.
//!
//! The bucket starts full, so a short run gets its first 10,000 points "free". Two ratios are
//! printed: the issue's plain one (records/s over `restoreRate / cost`) and a steady-state one
//! that credits the starting bucket (the shortest possible time is
//! `(total cost − maximum) / restoreRate`). Goal: ratio ≥ 0.9 with zero `THROTTLED`.
//!
//! Default 3,000 clients (about two minutes); `--records 20000` is the issue's full run (about
//! 15 minutes at 500 points/s).

use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use jobber_bench::{
    report::{self, per_sec, thousands, verdict},
    rss::{Rss, mib},
};
use jobber_graphql::{
    JobberClient, JobberConfig, OAuthClient, Priority,
    operations::{Clients, clients},
};
use jobber_sandbox::{BucketConfig, RecordCounts, Sandbox, SandboxConfig};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

#[derive(Parser)]
#[command(about = "Page clients from the sandbox through the cost governor")]
struct Args {
    /// Clients seeded and paged (the issue's figure is 20,000; that run takes about 15 minutes).
    #[arg(long, default_value_t = 3_000)]
    records: usize,
    /// `first` per page (Jobber's maximum is 100).
    #[arg(long, default_value_t = 100)]
    page_size: i64,
    /// Stop after this many seconds even if not done.
    #[arg(long, default_value_t = 1_800.0)]
    max_seconds: f64,
}

const REDIRECT_URI: &str = "http://127.0.0.1/auth/jobber/callback";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::banner("bench-paging (issue 3): clients through the cost governor");
    let bucket = BucketConfig::default();
    let config = SandboxConfig {
        records_per_account: RecordCounts { clients: args.records, ..RecordCounts::uniform(25) },
        bucket,
        ..SandboxConfig::default()
    };
    let (sandbox, url) = Sandbox::spawn(config).await?;
    let account = sandbox.accounts().into_iter().next().context("a seeded account")?.id;
    let cfg = sandbox.config();
    let jobber = JobberConfig::new(url, cfg.client_id.clone(), SecretString::from(cfg.client_secret.clone()));
    let oauth = OAuthClient::new(&jobber)?;
    let tokens = oauth.exchange_code(&sandbox.issue_code(&account, REDIRECT_URI), REDIRECT_URI).await?;
    let client = JobberClient::new(jobber)?;
    let token = tokens.access_token.expose_secret().to_owned();
    let rss_before = Rss::own().unwrap_or_default();

    let deadline = Instant::now() + Duration::from_secs_f64(args.max_seconds);
    let started = Instant::now();
    let (mut records, mut pages, mut actual_cost) = (0usize, 0u64, 0.0f64);
    let mut after: Option<String> = None;
    let mut restore_rate = f64::from(bucket.restore_rate);
    let mut maximum = f64::from(bucket.maximum);
    let mut page_cost_requested = 0.0;
    let mut progress = Instant::now();
    loop {
        let variables = clients::Variables { first: args.page_size, after: after.clone(), updated_at: None };
        let page = client.execute::<Clients>(&account, &token, variables, Priority::Normal).await?;
        if let Some(cost) = &page.cost {
            actual_cost += cost.actual_query_cost;
            page_cost_requested = cost.requested_query_cost;
            restore_rate = cost.throttle_status.restore_rate;
            maximum = cost.throttle_status.maximum_available;
        }
        let clients = page.data.clients;
        records += clients.nodes.len();
        pages += 1;
        if progress.elapsed() > Duration::from_secs(15) {
            eprintln!("  {records} records after {:.0} s", started.elapsed().as_secs_f64());
            progress = Instant::now();
        }
        if !clients.page_info.has_next_page || Instant::now() > deadline {
            break;
        }
        after = clients.page_info.end_cursor;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = sandbox.stats();
    let rss = Rss::own().unwrap_or_default();

    let per_record = actual_cost / records.max(1) as f64;
    let rate = records as f64 / elapsed;
    let limit = restore_rate / per_record;
    let plain = rate / limit;
    let shortest = ((actual_cost - maximum) / restore_rate).max(0.0);
    let steady = shortest / elapsed;

    println!(
        "{} of {} clients in {pages} pages of {} in {elapsed:.1} s; bucket {maximum:.0} points, restoring {restore_rate:.0}/s",
        thousands(records as u64),
        thousands(args.records as u64),
        args.page_size,
    );
    report::table(
        &["figure", "value"],
        &[
            vec!["records/s".into(), per_sec(rate)],
            vec!["cost per record (actual)".into(), format!("{per_record:.2} points")],
            vec!["cost per page (requested)".into(), format!("{page_cost_requested:.0} points")],
            vec!["throttle-limited maximum".into(), format!("{limit:.2} records/s")],
            vec!["ratio (records/s / maximum)".into(), format!("{plain:.3}")],
            vec![
                "steady-state ratio (starting bucket credited)".into(),
                format!("{steady:.3} ({shortest:.1} s shortest possible / {elapsed:.1} s)"),
            ],
            vec!["THROTTLED responses".into(), thousands(stats.throttled_responses)],
            vec!["HTTP 429 responses".into(), thousands(stats.rate_limited_responses)],
            vec!["GraphQL requests".into(), thousands(stats.graphql_requests)],
            vec!["RSS after seeding (sandbox + client)".into(), mib(rss_before.current_kib)],
            vec!["peak RSS (VmHWM, this process)".into(), mib(rss.peak_kib)],
        ],
    );
    println!(
        "goal: steady-state ratio >= 0.9 with zero THROTTLED: {} ({steady:.3}, {} THROTTLED)",
        verdict(steady >= 0.9 && stats.throttled_responses == 0 && records == args.records),
        stats.throttled_responses
    );
    if records < args.records {
        println!("(stopped at --max-seconds before paging every record)");
    }
    Ok(())
}
