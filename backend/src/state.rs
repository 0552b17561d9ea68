//! Shared application state handed to every handler and resolver: the services, assembled once.
//! Only the edges (`http`, `api`) and `lib.rs` use it; the domain modules take the narrow
//! service they need.
use std::{ops::Deref, sync::Arc, time::Instant};

use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;

use crate::{
    arrivals::Arrivals, config::Config, db::Db, jobber::Jobber, keys::Keys, sessions::Sessions,
    sync::SyncService, tokens::TokenService, webhooks::ingest::Inbox,
};

/// Cheap-to-clone handle on everything a request may need.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The state's contents.
pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub keys: Keys,
    /// Where Jobber is, the webhook secrets, the embedded sandbox.
    pub jobber: Jobber,
    pub tokens: TokenService,
    pub sessions: Sessions,
    pub inbox: Inbox,
    pub sync: SyncService,
    pub metrics: PrometheusHandle,
    /// The code-exchange rate limit and the OAuth arrivals awaiting confirmation.
    pub arrivals: Arrivals,
    pub started_at: Instant,
    /// Fired on shutdown: background workers stop.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// Wires the services from the parts.
    pub fn new(config: Config, db: Db, keys: Keys, jobber: Jobber, metrics: PrometheusHandle) -> Self {
        let inbox = Inbox::start(&db);
        let tokens = TokenService::new(
            db.clone(),
            keys.tokens.clone(),
            jobber.oauth.clone(),
            jobber.client.clone(),
            config.refresh_margin,
        );
        let sessions = Sessions::new(
            db.clone(),
            keys.cookies.clone(),
            config.session_ttl,
            config.app_base_url.scheme() == "https",
        );
        let sync = SyncService::new(db.clone(), tokens.clone(), config.sync.clone(), config.data_retention);
        let arrivals =
            Arrivals::new(config.http.oauth_exchanges_per_minute, config.http.oauth_exchange_burst);
        Self(Arc::new(Inner {
            config,
            db,
            keys,
            jobber,
            tokens,
            sessions,
            inbox,
            sync,
            metrics,
            arrivals,
            started_at: Instant::now(),
            shutdown: CancellationToken::new(),
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
