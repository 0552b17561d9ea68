//! `jobber-app`: a Jobber App Marketplace app.
//!
//! Crate map:
//! - [`config`]: typed configuration from the environment.
//! - [`db`]: sea-orm storage (SQLite or PostgreSQL) and entities; [`migrations`] crate for schema.
//! - [`http`]: REST routes (health, OAuth, webhooks, SPA) and the GraphQL endpoints.
//! - [`api`]: OUR GraphQL schema (queries, mutations, subscriptions, types).
//! - [`connections`], [`sessions`], [`tokens`], [`lifecycle`], [`webhooks`], [`sync`]: business areas.
//! - [`telemetry`], [`error`], [`state`], [`keys`]: plumbing.
//!
//! Tests and `main` call [`build`] then [`serve`] with a listener of their choosing.

pub mod api;
pub mod config;
pub mod connect;
pub mod connections;
pub mod db;
pub mod error;
pub mod http;
pub mod jobber;
pub mod keys;
pub mod lifecycle;
mod metrics;
pub mod sessions;
pub mod state;
pub mod sync;
pub mod telemetry;
pub mod tokens;
pub mod webhooks;

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
    let app = http::router(state.clone());
    let worker =
        tokio::spawn(webhooks::worker::run(state.db.clone(), state.inbox.clone(), state.shutdown.clone()));
    let checkpointer =
        state.db.spawn_checkpointer(std::time::Duration::from_millis(500), state.shutdown.clone());
    let sync_tasks = sync::spawn(&state);
    let grace = state.config.shutdown_grace;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
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
    let _ = worker.await;
    if let Some(c) = checkpointer {
        let _ = c.await;
    }
    for task in sync_tasks {
        let _ = task.await;
    }
    Ok(())
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
