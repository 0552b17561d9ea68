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

impl From<crate::db::entities::webhook_events::Model> for WebhookEvent {
    fn from(m: crate::db::entities::webhook_events::Model) -> Self {
        use crate::db::enums::EventStatus as S;
        Self {
            id: m.id.to_string().into(),
            topic: m.topic,
            item_id: m.item_id,
            occurred_at: m.occurred_at,
            received_at: m.received_at,
            status: match m.status {
                S::Pending => WebhookEventStatus::Pending,
                S::Processed => WebhookEventStatus::Processed,
                S::Ignored => WebhookEventStatus::Ignored,
                S::Failed => WebhookEventStatus::Failed,
                S::Dead => WebhookEventStatus::Dead,
            },
            attempts: m.attempts,
            last_error: m.last_error,
        }
    }
}

impl From<crate::webhooks::list::EventPage> for WebhookEventConnection {
    fn from(p: crate::webhooks::list::EventPage) -> Self {
        Self {
            nodes: p.events.into_iter().map(Into::into).collect(),
            page_info: PageInfo { has_next_page: p.has_next_page, end_cursor: p.end_cursor },
        }
    }
}
