//! The webhook inbox as the API shows it: the session's account only, newest first.

use crate::db::{Db, entities::webhook_events, inbox};

/// A page of an account's events.
#[derive(Debug, Clone)]
pub struct EventPage {
    pub events: Vec<webhook_events::Model>,
    pub has_next_page: bool,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// Why a listing was refused.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("`after` is not a cursor from this API")]
    BadCursor,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// A page of the account's webhook events, newest first. `after` is an opaque cursor.
pub async fn list_events(
    db: &Db,
    jobber_account_id: &str,
    first: u64,
    after: Option<&str>,
) -> Result<EventPage, ListError> {
    let before = after.map(|c| c.parse::<i64>().map_err(|_| ListError::BadCursor)).transpose()?;
    let (events, has_next_page) = inbox::page(db, jobber_account_id, first, before).await?;
    let end_cursor = events.last().map(|r| r.id.to_string());
    Ok(EventPage { events, has_next_page, end_cursor })
}
