//! Smoke runs of the benchmarks, at a tiny scale. `bench-admin`: a small fleet (200 accounts, 5,000 webhook events) and two seconds
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

/// `bench/instructions` (the README's per-request instruction count) on the debug `jobber-app`
/// beside this test's binaries, for a handful of `/healthz` requests against itself as the
/// baseline: it starts the server under callgrind, counts, and prints the table.
#[test]
fn bench_instructions_counts_a_few_requests() {
    let bench_dir = std::path::Path::new(env!("CARGO_BIN_EXE_bench-admin")).parent().unwrap().to_owned();
    let app = bench_dir.join("jobber-app");
    assert!(app.exists(), "{} is missing: build it with `cargo build -p jobber-app`", app.display());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("instructions");
    let out = Command::new(script)
        .args(["--bin", app.to_str().unwrap(), "--baseline", app.to_str().unwrap()])
        .args(["--requests", "20", "--kinds", "healthz"])
        .output()
        .expect("running bench/instructions");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let row = stdout.lines().find(|l| l.starts_with("| GET /healthz")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.ends_with("x |"), "{row}");
}

/// `bench-prune` (the README's pruning benchmark) at a tiny scale on SQLite: seed, warm-up,
/// baseline, the retention task deleting during the measured phase; then `--control`, where the
/// task never runs and nothing may be pruned. Figures from a debug build mean nothing here; the
/// bench fails if the server errs, the task starts too early, or never starts.
#[test]
fn bench_prune_runs_on_a_small_backlog() {
    for control in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench-prune"));
        cmd.args([
            "--backlog",
            "3000",
            "--rate",
            "200",
            "--duration",
            "1",
            "--prune-after",
            "15",
            "--stores",
            "normal",
            "--postgres",
            "none",
        ]);
        if control {
            cmd.arg("--control");
        }
        let out = cmd.output().expect("running bench-prune");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "bench-prune (control: {control}) failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let row =
            stdout.lines().find(|l| l.starts_with("| SQLite NORMAL")).unwrap_or_else(|| panic!("{stdout}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // Columns: store, seed, baseline, pruning, delta, ratio, pruned in phase, left after, ...
        let (pruned, left) = (cells[7], cells[8]);
        if control {
            assert_eq!((pruned, left), ("0", "3,000"), "{row}");
        } else {
            assert_ne!(left, "3,000", "the retention task removed nothing: {row}");
        }
    }
}
