use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};

use super::PageInfo;

/// A webhook delivery from Jobber, as recorded in the inbox.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookEvent {
    /// Our id of the inbox row.
    pub id: async_graphql::ID,
    /// Jobber's topic, e.g. `CLIENT_UPDATE`.
    pub topic: String,
    /// Jobber's EncodedId of the item the event is about.
    pub item_id: String,
    /// When it happened in Jobber.
    pub occurred_at: DateTime<Utc>,
    /// When we received (and durably recorded) it.
    pub received_at: DateTime<Utc>,
    /// Processing state.
    pub status: WebhookEventStatus,
    /// Processing attempts so far.
    pub attempts: i32,
    /// The last processing error, if any.
    pub last_error: Option<String>,
}

/// Processing state of a webhook event.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookEventStatus {
    /// Waiting for a worker (or for its retry time).
    Pending,
    /// Applied.
    Processed,
    /// Recorded but nothing to do (unknown topic or account, or left for sync).
    Ignored,
    /// Failed at least once; will be retried.
    Failed,
    /// Failed too often; parked until `jobber-app webhooks redrive`.
    Dead,
}

/// A page of webhook events, newest first.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookEventConnection {
    /// The events on this page.
    pub nodes: Vec<WebhookEvent>,
    /// Paging information.
    pub page_info: PageInfo,
}
