//! Jobber webhooks: a durable inbox.
//!
//! - [`ingest`]: verify the signature over the raw bytes, parse, and record the event in the
//!   inbox with a dedupe key, in shared commits (group commit), before answering 200.
//! - [`worker`]: claim due inbox rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL), apply them, retry
//!   with backoff, park repeated failures as dead letters.
//! - [`list`]: the inbox as the API shows it.
//!
//! The ack never waits on Jobber or on processing: Jobber wants an answer within 1 second.

pub mod ingest;
pub mod list;
pub mod queue;
mod store;
pub mod worker;

pub use self::{ingest::Event, list::list_events};
use crate::db::enums::Lane;

/// Topics this app applies itself. Data topics (`CLIENT_*`, `JOB_*`, …) wait for the sync
/// capability; anything else is recorded and ignored.
pub fn is_lifecycle_topic(topic: &str) -> bool {
    matches!(topic, "APP_CONNECT" | "APP_DISCONNECT")
}

/// Data topics whose items this app syncs.
pub fn is_data_topic(topic: &str) -> bool {
    ["CLIENT_", "PROPERTY_", "JOB_", "QUOTE_", "INVOICE_"].iter().any(|p| topic.starts_with(p))
}

/// The lane of a topic.
pub fn lane_of(topic: &str) -> Lane {
    if is_lifecycle_topic(topic) { Lane::Lifecycle } else { Lane::Data }
}
