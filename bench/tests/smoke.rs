//! Smoke run of `bench-admin`: a small fleet (200 accounts, 5,000 webhook events) and two seconds
//! per request, on SQLite, and on PostgreSQL too when `TEST_DATABASE_URL` is set. It proves that
//! the benchmark still seeds, starts the server with its admin listener and gets an error-free
//! answer to every request it measures (the bench exits with an error otherwise). It holds no
//! timing threshold: its figures come from a debug build.
//!
//! The bench runs the `jobber-app` binary beside its own: `cargo test --workspace` builds it (the
//! backend's tests need it); with `cargo test -p jobber-bench` alone, run
//! `cargo build -p jobber-app` first.

use std::process::Command;

#[test]
fn bench_admin_runs_on_a_small_fleet() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench-admin"));
    cmd.args([
        "--accounts",
        "200",
        "--events",
        "5000",
        "--seconds",
        "2",
        "--rounds",
        "1",
        "--deep-page",
        "5",
    ]);
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => cmd.args(["--db", "both", "--postgres", &url]),
        Err(_) => cmd.args(["--db", "sqlite"]),
    };
    let out = cmd.output().expect("running bench-admin");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench-admin failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("install detail"), "{stdout}");
}
