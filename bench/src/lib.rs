//! `jobber-bench`: the benchmark commands behind the performance goals of issues 2–5, 11 and 15,
//! and the helpers they share.
//!
//! - [`fleet`]: a seeded fleet of installs (accounts, sync state, a webhook inbox, audit log) for
//!   the operator console's benchmark.
//! - [`load`]: a small HTTP/1.1 load generator on hyper (closed loop for maximum throughput, open
//!   loop at a fixed rate for latency), recording HDR latency histograms.
//! - [`server`]: runs the `jobber-app` release binary as a child process on 127.0.0.1 with a fresh
//!   database (and, on request, its admin listener), so that its RSS is its own.
//! - [`rss`]: resident memory of a process from `/proc/<pid>/status`.
//! - [`pg`]: fresh PostgreSQL databases for a run.
//! - [`report`]: tables and number formatting.
//! - [`webhook`]: signed, distinct webhook deliveries for the load generator.
//!
//! Every run here is bounded in request count and in time, and stops by itself. Load goes to
//! 127.0.0.1 only. This crate must not hold timing thresholds in tests: it prints figures and the
//! ratio against a baseline measured in the same run; people judge them.

pub mod fleet;
pub mod load;
pub mod pg;
pub mod report;
pub mod rss;
pub mod server;
pub mod webhook;
