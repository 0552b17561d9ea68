//! Issue 2: our GraphQL API (`{ appInfo { version } }`) against the bare `GET /healthz` route.
//!
//! Starts `jobber-app` as a child process (SQLite, sandbox mode), loads each route closed-loop at
//! the same concurrency for the same time, and prints throughput, p50/p99 latency, their ratios and
//! the server's idle and peak RSS. Goal: GraphQL within 2x of `/healthz` (throughput ratio ≥ 0.5).

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use clap::Parser;
use http::{Request, StatusCode, header};
use http_body_util::Full;
use jobber_bench::{
    load::{self, Mode, Outcome, Target},
    report::{self, ms, per_sec, ratio, thousands},
    rss::mib,
    server::{Server, Store, Synchronous},
};

#[derive(Parser)]
#[command(about = "Throughput and latency of GET /healthz vs a GraphQL appInfo query")]
struct Args {
    /// Seconds of load per route and round.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Rounds; each loads /healthz then GraphQL, so drift on a shared machine hits both alike.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Upper bound on requests per route.
    #[arg(long, default_value_t = 10_000_000)]
    max_requests: u64,
}

const APP_INFO: &str = r#"{"query":"{ appInfo { version } }"}"#;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::banner("bench-http (issue 2): GET /healthz vs POST /graphql { appInfo { version } }");
    let mut server = Server::start(&Store::Sqlite(Synchronous::Normal)).await?;
    let idle = server.rss();

    let healthz = Target::get(server.addr, "/healthz");
    let graphql = Target::new(
        server.addr,
        Arc::new(|_| {
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from_static(APP_INFO.as_bytes())))
                .expect("static request is valid")
        }),
        Arc::new(|status, body| {
            status == StatusCode::OK
                && serde_json::from_slice::<serde_json::Value>(body)
                    .is_ok_and(|v| v["data"]["appInfo"]["version"].is_string() && v.get("errors").is_none())
        }),
    );
    let closed = |duration: f64| Mode::Closed {
        concurrency: args.concurrency,
        duration: Duration::from_secs_f64(duration),
        max_requests: args.max_requests,
    };

    // Warm both paths (connection pools, allocator, lazy statics) before measuring.
    load::run(&healthz, closed(1.0)).await;
    load::run(&graphql, closed(1.0)).await;
    let mut h = load::run(&healthz, closed(args.duration)).await;
    let mut g = load::run(&graphql, closed(args.duration)).await;
    for _ in 1..args.rounds {
        h.absorb(load::run(&healthz, closed(args.duration)).await);
        g.absorb(load::run(&graphql, closed(args.duration)).await);
    }
    let peak = server.rss();
    server.stop().await?;

    println!(
        "closed loop, {} connections, {} alternating rounds of {:.0} s per route; the server is the `jobber-app` release binary",
        args.concurrency, args.rounds, args.duration
    );
    let row = |name: &str, o: &Outcome| {
        vec![
            name.to_owned(),
            per_sec(o.ok_per_sec()),
            ms(o.quantile(0.50)),
            ms(o.quantile(0.99)),
            thousands(o.ok),
            thousands(o.failures()),
        ]
    };
    report::table(
        &["route", "throughput", "p50", "p99", "ok", "failed"],
        &[row("GET /healthz (baseline)", &h), row("POST /graphql appInfo", &g)],
    );
    let tput = g.ok_per_sec() / h.ok_per_sec().max(1e-9);
    report::table(
        &["ratio (GraphQL / healthz)", "value"],
        &[
            vec!["throughput".into(), ratio(g.ok_per_sec(), h.ok_per_sec())],
            vec!["p50 latency".into(), ratio(g.quantile(0.5).as_secs_f64(), h.quantile(0.5).as_secs_f64())],
            vec!["p99 latency".into(), ratio(g.quantile(0.99).as_secs_f64(), h.quantile(0.99).as_secs_f64())],
        ],
    );
    report::table(
        &["server RSS", "value"],
        &[
            vec!["idle (after start)".into(), mib(idle.current_kib)],
            vec!["peak (VmHWM)".into(), mib(peak.peak_kib)],
        ],
    );
    println!(
        "goal: GraphQL throughput within 2x of /healthz (ratio >= 0.50): {} ({tput:.2})",
        report::verdict(tput >= 0.5)
    );
    Ok(())
}
