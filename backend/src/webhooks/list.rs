//! The webhook inbox as the API shows it: the session's account only, newest first.
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    api::types::{PageInfo, WebhookEvent, WebhookEventConnection, WebhookEventStatus},
    db::{Db, entities::webhook_events},
    error::{AppError, AppResult},
};

/// A page of the account's webhook events, newest first. `after` is an opaque cursor.
pub async fn list_events(
    db: &Db,
    jobber_account_id: &str,
    first: i32,
    after: Option<&str>,
) -> AppResult<WebhookEventConnection> {
    let mut q = webhook_events::Entity::find()
        .filter(webhook_events::Column::JobberAccountId.eq(jobber_account_id))
        .order_by_desc(webhook_events::Column::Id)
        .limit(u64::try_from(first).unwrap_or(20) + 1);
    if let Some(cursor) = after {
        let id: i64 = cursor
            .parse()
            .map_err(|_| AppError::BadUserInput("`after` is not a cursor from this API".into()))?;
        q = q.filter(webhook_events::Column::Id.lt(id));
    }
    let mut rows = q.all(db.conn()).await?;
    let has_next_page = rows.len() > usize::try_from(first).unwrap_or(20);
    rows.truncate(usize::try_from(first).unwrap_or(20));
    let end_cursor = rows.last().map(|r| r.id.to_string());
    Ok(WebhookEventConnection {
        nodes: rows.into_iter().map(to_api).collect(),
        page_info: PageInfo { has_next_page, end_cursor },
    })
}

fn to_api(m: webhook_events::Model) -> WebhookEvent {
    WebhookEvent {
        id: m.id.to_string().into(),
        topic: m.topic,
        item_id: m.item_id,
        occurred_at: m.occurred_at,
        received_at: m.received_at,
        status: match m.status.as_str() {
            "PROCESSED" => WebhookEventStatus::Processed,
            "IGNORED" => WebhookEventStatus::Ignored,
            "FAILED" => WebhookEventStatus::Failed,
            "DEAD" => WebhookEventStatus::Dead,
            _ => WebhookEventStatus::Pending,
        },
        attempts: m.attempts,
        last_error: m.last_error,
    }
}
