//! `jobber-app`: a Jobber App Marketplace app.
//!
//! Crate map:
//! - [`config`]: typed configuration from the environment.
//! - [`db`]: sea-orm storage (SQLite or PostgreSQL) and entities; [`migrations`] crate for schema.
//! - [`http`]: REST routes (health, OAuth, webhooks, SPA) and the GraphQL endpoints.
//! - [`api`]: OUR GraphQL schema (queries, mutations, subscriptions, types).
//! - [`connect`], [`arrivals`], [`sessions`], [`tokens`], [`lifecycle`], [`webhooks`], [`sync`]: business areas;
//!   each takes the narrow services it needs, never the whole [`state::AppState`].
//! - [`worker`]: the one background-worker loop and backoff.
//! - [`ops`]: retention (`prune`) and SQLite backups.
//! - [`telemetry`], [`metrics`], [`keys`], [`jobber`], [`files`]: plumbing.
//! - [`error`], [`state`]: the edge's error type and the assembled services (used by `http`/`api`).
//!
//! Tests and `main` call [`build`] then [`serve`] with a listener of their choosing.

pub mod admin_api;
pub mod api;
pub mod arrivals;
pub mod config;
pub mod connect;
pub mod db;
pub mod error;
pub mod files;
pub mod http;
pub mod installs;
pub mod jobber;
pub mod keys;
pub mod lifecycle;
pub(crate) mod metrics;
pub mod ops;
pub mod sessions;
pub mod state;
pub mod sync;
pub mod telemetry;
pub mod tokens;
pub mod webhooks;
pub mod worker;

use std::future::Future;

/// The app's name as merchants see it (the sandbox's consent page shows it too).
pub const APP_NAME: &str = "Fieldsync";

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::{config::Config, db::Db, keys::Keys, state::AppState};

/// Opens the database, applies migrations in development, loads keys, and assembles the state.
pub async fn build(config: Config) -> anyhow::Result<AppState> {
    let db = Db::connect(&config).await?;
    if !config.is_production() {
        db.migrate().await.context("applying database migrations")?;
    }
    let keys = Keys::load(&config)?;
    let jobber = jobber::Jobber::start(&config).await?;
    Ok(AppState::new(config, db, keys, jobber, telemetry::metrics_handle()))
}

/// Serves the app on `listener` until `shutdown` resolves; in-flight requests then get up to
/// `SHUTDOWN_GRACE_SECS` to finish.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_all(state, listener, None, shutdown).await
}

/// [`serve`], plus the admin listener (console, admin API, metrics) on `admin` when given.
pub async fn serve_all(
    state: AppState,
    listener: TcpListener,
    admin: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let stop = tokio_util::sync::CancellationToken::new();
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            shutdown.await;
            stop.cancel();
        });
    }
    let app = http::router(state.clone());
    let lifecycle = std::sync::Arc::new(webhooks::worker::LifecycleWorker::new(state.db.clone()).await);
    let pace = worker::Pace {
        concurrency: 1,
        idle_poll: webhooks::worker::IDLE_POLL,
        wake: state.inbox.new_lifecycle.clone(),
    };
    let worker = tokio::spawn(worker::run(lifecycle, pace, state.shutdown.clone()));
    let checkpointer = state.db.spawn_checkpointer(db::CHECKPOINT_EVERY, state.shutdown.clone());
    let pruner = ops::spawn_pruner(
        state.db.clone(),
        ops::Retention::from_config(&state.config),
        state.config.prune_interval,
        state.shutdown.clone(),
    );
    let warnings = tokio::spawn(save_version_warnings(state.clone()));
    let sync_tasks = sync::spawn(&state.sync, state.inbox.new_data.clone(), &state.shutdown);
    let grace = state.config.shutdown_grace;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let limits = http::server::ServerLimits {
        header_timeout: state.config.http.header_timeout,
        max_connections: state.config.http.max_connections,
    };
    let admin_server = admin.map(|l| {
        let stop = stop.clone();
        tokio::spawn(http::server::serve(l, http::admin::router(state.clone()), limits, async move {
            stop.cancelled().await;
        }))
    });
    let server = http::server::serve(listener, app, limits, async move {
        stop.cancelled().await;
        let _ = tx.send(());
    });
    tokio::select! {
        res = server => res.context("HTTP server failed")?,
        () = async {
            let _ = rx.await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period; exiting anyway"),
    }
    state.shutdown.cancel();
    if let Some(a) = admin_server {
        let _ = a.await;
    }
    let _ = warnings.await;
    let _ = worker.await;
    if let Some(c) = checkpointer {
        let _ = c.await;
    }
    if let Some(p) = pruner {
        let _ = p.await;
    }
    for task in sync_tasks {
        let _ = task.await;
    }
    // Token refreshes already sent to Jobber finish and store their answer (Jobber has rotated
    // the refresh token by then: dropping the answer would leave a dead one).
    let tracker = state.tokens.tracker();
    tracker.close();
    if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
        tracing::error!(
            refreshes = tracker.len(),
            "token refreshes still running after the grace period; exiting anyway"
        );
    }
    Ok(())
}

/// Stores the Jobber versioning warnings this instance has seen, every minute and at shutdown,
/// so every instance's console shows them (see `installs::save_warnings`).
async fn save_version_warnings(state: AppState) {
    let mut saved = 0usize;
    loop {
        let stopping = tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(60)) => false,
            () = state.shutdown.cancelled() => true,
        };
        let seen = state.jobber.client.version_warnings();
        let latest = seen.iter().map(|w| w.last_seen_at.timestamp_micros()).max().unwrap_or(0);
        let fingerprint = seen.len() ^ usize::try_from(latest).unwrap_or(0);
        if !seen.is_empty() && fingerprint != saved {
            match installs::save_warnings(&state.db, &seen).await {
                Ok(()) => saved = fingerprint,
                Err(err) => tracing::warn!(error = %err, "cannot store Jobber's versioning warnings"),
            }
        }
        if stopping {
            return;
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
