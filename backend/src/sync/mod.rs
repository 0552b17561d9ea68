//! Sync: a local, account-scoped copy of the merchant's Jobber clients, properties, jobs, quotes
//! and invoices, kept complete and current.
//!
//! - [`resources`]: one typed implementation per resource, from Jobber's operations to the
//!   stored item and its indexed columns.
//! - [`fetch`]: one page or one item of a resource from Jobber, through the cost governor, with
//!   the page size adapted to the measured query cost.
//! - [`runner`]: scheduling (after connect, periodic incremental and full passes, on demand) and
//!   the resumable run of one (account, resource): a checkpoint is committed with every page, a
//!   full pass ends with a verified mark-and-sweep of items Jobber no longer has.
//! - [`inbox`]: the consumer of data-topic webhooks: coalesces bursts per item, re-fetches the
//!   item once with High priority, upserts or deletes it.
//! - [`status`]: progress, the freshness summary and browsing of the synced data.
//! - [`health`]: webhook health from the changes syncs find, catch-up runs, the silence alert.
//!
//! The SQL is in `db::records` and `db::sync_state`. This module must not decide tenancy from
//! its callers' input: every function that reads or writes merchant data takes the Jobber
//! account id it is scoped to.

pub mod fetch;
pub mod health;
pub mod inbox;
pub mod resources;
pub mod runner;
pub mod status;

use std::sync::Arc;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use crate::db::enums::{Resource, SyncMode as Mode};
use crate::{config::SyncSettings, db::Db, tokens::TokenService};

impl Resource {
    /// All of them, in display order.
    pub const ALL: [Resource; 5] =
        [Resource::Clients, Resource::Properties, Resource::Jobs, Resource::Quotes, Resource::Invoices];

    /// The resource a webhook topic is about (`CLIENT_UPDATE` → clients).
    pub fn from_topic(topic: &str) -> Option<Self> {
        use sea_orm::ActiveEnum;
        let (prefix, _) = topic.split_once('_')?;
        Self::try_from_value(&prefix.to_owned()).ok()
    }

    /// Whether Jobber can list only what changed: clients, quotes and invoices filter on
    /// `updatedAt`, jobs sort by it. Properties have neither, so every pass is a full one.
    pub fn supports_incremental(self) -> bool {
        !matches!(self, Self::Properties)
    }
}

/// What the sync workers share: the database, tokens (and through them Jobber's client), the
/// settings, and the wake-up of the runner. Cheap to clone.
#[derive(Clone)]
pub struct SyncService {
    pub db: Db,
    pub tokens: TokenService,
    pub settings: SyncSettings,
    /// `DATA_RETENTION_HOURS`: how long a disconnected account's data is kept.
    pub data_retention: std::time::Duration,
    /// Notified by `startSync` and on connect so the runner starts at once (it also polls).
    pub wake: Arc<Notify>,
    /// The app-wide webhook silence alert is raised (`WEBHOOK_SILENCE_ALERT_HOURS`; see
    /// [`health::watch`]).
    pub silence_alert: Arc<std::sync::atomic::AtomicBool>,
}

impl SyncService {
    /// The service; nothing runs until [`spawn`].
    pub fn new(
        db: Db,
        tokens: TokenService,
        settings: SyncSettings,
        data_retention: std::time::Duration,
    ) -> Self {
        Self {
            db,
            tokens,
            settings,
            data_retention,
            wake: Arc::new(Notify::new()),
            silence_alert: Arc::default(),
        }
    }
}

/// Starts the sync runner and the consumer of data webhooks (woken by `new_data`); both stop when
/// `shutdown` fires.
pub fn spawn(
    sync: &SyncService,
    new_data: Arc<Notify>,
    shutdown: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(runner::run(sync.clone(), shutdown.clone())),
        tokio::spawn(inbox::run(sync.clone(), new_data, shutdown.clone())),
    ]
}
