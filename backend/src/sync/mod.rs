//! Sync: a local, account-scoped copy of the merchant's Jobber clients, properties, jobs, quotes
//! and invoices, kept complete and current.
//!
//! - [`records`]: the `sync_records` table: idempotent upserts that never let an older answer
//!   overwrite a newer one, tombstones for deletes, purge, and the browsing queries of our API.
//! - [`fetch`]: one page or one item of a resource from Jobber, through the cost governor, with
//!   the page size adapted to the measured query cost.
//! - [`runner`]: scheduling (after connect, periodic incremental and full passes, on demand) and
//!   the resumable run of one (account, resource): a checkpoint is committed with every page, a
//!   full pass ends with a verified mark-and-sweep of items Jobber no longer has.
//! - [`inbox`]: the consumer of data-topic webhooks: coalesces bursts per item, re-fetches the
//!   item once with High priority, upserts or deletes it.
//! - [`status`]: progress and checkpoints as the API shows them.
//!
//! This module must not decide tenancy from its callers' input: every function that reads or
//! writes merchant data takes the Jobber account id it is scoped to.

pub mod fetch;
pub mod inbox;
pub mod records;
pub mod runner;
pub mod status;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::state::AppState;

/// The five synced resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Clients,
    Properties,
    Jobs,
    Quotes,
    Invoices,
}

impl Resource {
    /// All of them, in display order.
    pub const ALL: [Resource; 5] =
        [Resource::Clients, Resource::Properties, Resource::Jobs, Resource::Quotes, Resource::Invoices];

    /// The value stored in `sync_records.kind` and `sync_state.resource`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clients => "CLIENT",
            Self::Properties => "PROPERTY",
            Self::Jobs => "JOB",
            Self::Quotes => "QUOTE",
            Self::Invoices => "INVOICE",
        }
    }

    /// Parses a stored value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The resource a webhook topic is about (`CLIENT_UPDATE` → clients).
    pub fn from_topic(topic: &str) -> Option<Self> {
        let (prefix, _) = topic.split_once('_')?;
        Self::parse(prefix)
    }

    /// Whether Jobber can list only what changed: clients, quotes and invoices filter on
    /// `updatedAt`, jobs sort by it. Properties have neither, so every pass is a full one.
    pub fn supports_incremental(self) -> bool {
        !matches!(self, Self::Properties)
    }
}

/// Full pass (everything, then mark-and-sweep) or incremental (only what changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Full,
    Incremental,
}

impl Mode {
    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Incremental => "INCREMENTAL",
        }
    }

    /// Parses a stored value (anything unknown reads as a full pass: the safe choice).
    pub fn parse(s: &str) -> Self {
        if s == "INCREMENTAL" { Self::Incremental } else { Self::Full }
    }
}

/// Stored run states of a `sync_state` row.
pub mod run_state {
    pub const IDLE: &str = "IDLE";
    pub const RUNNING: &str = "RUNNING";
    pub const DONE: &str = "DONE";
    pub const FAILED: &str = "FAILED";
}

/// In-process handle: wakes the runner when work is requested.
#[derive(Clone, Default)]
pub struct SyncHandle {
    /// Notified by `startSync` and on connect so the runner starts at once (it also polls).
    pub wake: Arc<Notify>,
}

/// Starts the sync runner and the webhook consumer; both stop on `state.shutdown`.
pub fn spawn(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(runner::run(state.clone())), tokio::spawn(inbox::run(state.clone()))]
}

/// Deletes the account's sync checkpoints (with [`records::purge_account`], what a disconnect
/// removes when no retention window is configured).
pub async fn purge_state<D: sea_orm::ConnectionTrait>(
    db: &D,
    account_id: &str,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use crate::db::entities::sync_state;
    Ok(sync_state::Entity::delete_many()
        .filter(sync_state::Column::JobberAccountId.eq(account_id))
        .exec(db)
        .await?
        .rows_affected)
}
