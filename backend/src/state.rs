//! Shared application state handed to every handler and resolver.
use std::{ops::Deref, sync::Arc, time::Instant};

use metrics_exporter_prometheus::PrometheusHandle;

use crate::{config::Config, db::Db, keys::Keys};

/// Cheap-to-clone handle on everything a request may need.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The state's contents.
pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub keys: Keys,
    pub metrics: PrometheusHandle,
    pub started_at: Instant,
}

impl AppState {
    /// Wraps the parts.
    pub fn new(config: Config, db: Db, keys: Keys, metrics: PrometheusHandle) -> Self {
        Self(Arc::new(Inner { config, db, keys, metrics, started_at: Instant::now() }))
    }

    /// True when the app talks to the embedded Jobber sandbox (development without credentials).
    pub fn sandbox_mode(&self) -> bool {
        !self.config.is_production() && self.config.jobber.client_id.is_none()
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
