//! Shared application state handed to every handler and resolver.
use std::{ops::Deref, sync::Arc, time::Instant};

use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config, db::Db, jobber::Jobber, keys::Keys, tokens::RefreshLocks, webhooks::ingest::Inbox,
};

/// Cheap-to-clone handle on everything a request may need.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The state's contents.
pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub keys: Keys,
    pub jobber: Jobber,
    pub refresh_locks: RefreshLocks,
    pub inbox: Inbox,
    /// Secrets accepted on webhook signatures (current, then previous).
    pub webhook_secrets: Vec<SecretString>,
    pub metrics: PrometheusHandle,
    pub started_at: Instant,
    /// Fired on shutdown: background workers stop.
    pub shutdown: CancellationToken,
    /// Wakes the sync runner.
    pub sync: crate::sync::SyncHandle,
}

impl AppState {
    /// Wraps the parts.
    pub fn new(config: Config, db: Db, keys: Keys, jobber: Jobber, metrics: PrometheusHandle) -> Self {
        let inbox = Inbox::start(&db);
        let webhook_secrets = jobber.webhook_secrets.clone();
        Self(Arc::new(Inner {
            config,
            db,
            keys,
            jobber,
            refresh_locks: RefreshLocks::default(),
            inbox,
            webhook_secrets,
            metrics,
            started_at: Instant::now(),
            shutdown: CancellationToken::new(),
            sync: crate::sync::SyncHandle::default(),
        }))
    }

    /// True when the app talks to the embedded Jobber sandbox (development without credentials).
    pub fn sandbox_mode(&self) -> bool {
        self.jobber.sandbox.is_some()
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl axum::extract::FromRef<AppState> for axum_extra::extract::cookie::Key {
    fn from_ref(state: &AppState) -> Self {
        state.keys.cookies.clone()
    }
}
