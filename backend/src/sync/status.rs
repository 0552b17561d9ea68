//! Sync progress, the freshness summary, and browsing of the synced data, always for one account.
//! These are domain values; `api::types` turns them into the API's types.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use chrono::{DateTime, Utc};

use super::{
    Mode, Resource, SyncService,
    resources::{self, Synced},
};
use crate::{
    config::SyncSettings,
    db::{
        Db,
        entities::{sync_records, sync_state},
        enums::{SyncProblem, SyncRunState},
        records, sync_state as rows,
    },
};

/// Where a resource's sync stands, as a merchant sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunView {
    /// Asked for; starts when a worker and Jobber's budget allow.
    Queued,
    /// Fetching now.
    Running,
    /// The last run finished.
    Done,
    /// The last run failed (retried from where it stopped, unless the merchant must reconnect).
    Failed,
}

/// Sync progress of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceStatus {
    pub resource: Resource,
    pub state: RunView,
    pub mode: Option<Mode>,
    pub fetched: i64,
    pub total: Option<i64>,
    /// Items stored now.
    pub count: i64,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Developer text.
    pub error: Option<String>,
    /// The next periodic run (after a finished one) or the retry of a failed one.
    pub next_run_at: Option<DateTime<Utc>>,
    /// When the current run (while `retrying`) or a failed run is tried again.
    pub retry_at: Option<DateTime<Utc>>,
    /// The current run waits to retry after Jobber failed.
    pub retrying: bool,
    pub problem: Option<SyncProblem>,
}

/// Per-resource status of the account, in display order (all five, even before the first run).
/// `settings` tells when the next periodic run is due.
pub async fn statuses(
    db: &Db,
    settings: &SyncSettings,
    account_id: &str,
) -> Result<Vec<ResourceStatus>, sea_orm::DbErr> {
    let now = Utc::now();
    let interval = chrono::Duration::from_std(settings.interval).unwrap_or(chrono::Duration::MAX);
    let counts = records::counts_by_kind(db.reader(), account_id).await?;
    let mut by_resource: HashMap<Resource, sync_state::Model> =
        rows::of_account(db, account_id).await?.into_iter().map(|r| (r.resource, r)).collect();
    Ok(Resource::ALL
        .into_iter()
        .map(|resource| {
            let count = counts.get(&resource).copied().unwrap_or(0);
            match by_resource.remove(&resource) {
                None => ResourceStatus {
                    resource,
                    state: RunView::Queued,
                    mode: None,
                    fetched: 0,
                    total: None,
                    count,
                    started_at: None,
                    finished_at: None,
                    last_success_at: None,
                    error: None,
                    next_run_at: None,
                    retry_at: None,
                    retrying: false,
                    problem: None,
                },
                Some(row) => to_status(row, count, now, interval),
            }
        })
        .collect())
}

fn to_status(
    row: sync_state::Model,
    count: i64,
    now: DateTime<Utc>,
    interval: chrono::Duration,
) -> ResourceStatus {
    let state = match row.state {
        SyncRunState::Running => RunView::Running,
        _ if row.requested_mode.is_some() && row.state != SyncRunState::Failed => RunView::Queued,
        SyncRunState::Done => RunView::Done,
        SyncRunState::Failed => RunView::Failed,
        SyncRunState::Idle => RunView::Queued,
    };
    let waiting = row.not_before.filter(|t| *t > now);
    let (next_run_at, retry_at, retrying) = match state {
        RunView::Running => (None, waiting, waiting.is_some()),
        RunView::Queued => (None, None, false),
        RunView::Done => (row.finished_at.and_then(|f| f.checked_add_signed(interval)), None, false),
        // Retried only when a mode is requested again (not when the merchant must reconnect).
        RunView::Failed if row.requested_mode.is_some() => {
            let at = row.not_before.unwrap_or(now);
            (Some(at), Some(at), false)
        }
        RunView::Failed => (None, None, false),
    };
    let problem = match state {
        RunView::Failed => row.problem,
        RunView::Running if retrying => row.problem,
        _ => None,
    };
    ResourceStatus {
        resource: row.resource,
        state,
        mode: row.mode,
        fetched: row.fetched,
        total: row.total,
        count,
        started_at: row.started_at,
        finished_at: row.finished_at,
        last_success_at: row.last_success_at,
        error: row.error,
        next_run_at,
        retry_at,
        retrying,
        problem,
    }
}

/// Where the account's sync stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryState {
    NotStarted,
    Syncing,
    UpToDate,
    Retrying,
    Failed,
}

/// One summary of the account's freshness.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub state: SummaryState,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub next_sync_at: Option<DateTime<Utc>>,
    pub retry_at: Option<DateTime<Utc>>,
    pub problem: Option<SyncProblem>,
}

/// One summary of the account's freshness from its per-resource statuses. The problem shown is
/// the most serious (`SyncProblem` is ordered by seriousness).
pub fn summary(statuses: &[ResourceStatus]) -> Summary {
    let any = |f: &dyn Fn(&ResourceStatus) -> bool| statuses.iter().any(f);
    let failed_for_good = |s: &ResourceStatus| s.state == RunView::Failed && s.retry_at.is_none();
    let waiting_to_retry =
        |s: &ResourceStatus| s.retrying || (s.state == RunView::Failed && s.retry_at.is_some());
    let in_progress = |s: &ResourceStatus| matches!(s.state, RunView::Running | RunView::Queued);
    let never_synced = statuses.iter().all(|s| s.last_success_at.is_none());
    let state = if any(&failed_for_good) {
        SummaryState::Failed
    } else if any(&waiting_to_retry) {
        SummaryState::Retrying
    } else if never_synced {
        if any(&|s| s.state == RunView::Running) { SummaryState::Syncing } else { SummaryState::NotStarted }
    } else if any(&in_progress) {
        SummaryState::Syncing
    } else {
        SummaryState::UpToDate
    };
    Summary {
        state,
        last_synced_at: statuses
            .iter()
            .map(|s| s.last_success_at)
            .collect::<Option<Vec<_>>>()
            .and_then(|times| times.into_iter().min()),
        next_sync_at: if any(&in_progress) {
            None
        } else {
            statuses.iter().filter_map(|s| s.next_run_at).min()
        },
        retry_at: statuses.iter().filter_map(|s| s.retry_at).min(),
        problem: statuses.iter().filter_map(|s| s.problem).max(),
    }
}

/// `startSync`: requests a run of `resources` (all when empty) for the account. A full request
/// is never downgraded by a later incremental one.
pub async fn request(
    sync: &SyncService,
    account_id: &str,
    resources: &[Resource],
    mode: Mode,
) -> Result<Vec<ResourceStatus>, sea_orm::DbErr> {
    let resources: Vec<Resource> =
        if resources.is_empty() { Resource::ALL.to_vec() } else { resources.to_vec() };
    rows::ensure_rows(&sync.db, account_id, &Resource::ALL).await?;
    rows::request(&sync.db, account_id, &resources, mode).await?;
    sync.wake.notify_one();
    statuses(&sync.db, &sync.settings, account_id).await
}

/// Why a page of synced data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BrowseError {
    #[error("`after` is not a cursor from this API")]
    BadCursor,
    #[error("`search` is too long: at most {MAX_SEARCH_CHARS} characters and {MAX_SEARCH_WORDS} words")]
    SearchTooLong,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// A stored item with its row.
#[derive(Debug, Clone)]
pub struct Stored<T> {
    pub row: sync_records::Model,
    /// The item read back from its JSON (`None` only for a row written by a future version in
    /// a shape this one cannot read).
    pub item: Option<T>,
    /// The name of the item's client, when it has one that is synced.
    pub client_name: Option<String>,
}

/// A page of synced items.
#[derive(Debug, Clone)]
pub struct Browsed<T> {
    pub items: Vec<Stored<T>>,
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
    /// Items matching the search, on all pages.
    pub total_count: u64,
}

/// Offset cursors: opaque to clients, checked on the way in.
fn decode_cursor(after: Option<&str>) -> Result<u64, BrowseError> {
    let Some(after) = after else { return Ok(0) };
    B64.decode(after)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse().ok()))
        .ok_or(BrowseError::BadCursor)
}

fn encode_cursor(offset: u64) -> String {
    B64.encode(format!("o:{offset}"))
}

/// Longest `search` accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Most words in a `search` (every word is one more condition of the query).
pub const MAX_SEARCH_WORDS: usize = 10;

/// A page of the account's live items of `R`, `first` (1–100) after `after`, optionally searched.
pub async fn browse<R: Synced>(
    db: &Db,
    account_id: &str,
    first: u64,
    after: Option<&str>,
    search: Option<&str>,
) -> Result<Browsed<R::Item>, BrowseError> {
    if search.is_some_and(|s| {
        s.chars().count() > MAX_SEARCH_CHARS || s.split_whitespace().count() > MAX_SEARCH_WORDS
    }) {
        return Err(BrowseError::SearchTooLong);
    }
    let offset = decode_cursor(after)?;
    let limit = first.clamp(1, 100);
    let (rows, total) = records::browse(db.reader(), account_id, R::RESOURCE, search, offset, limit).await?;
    let end = offset + rows.len() as u64;
    let client_ids: Vec<String> = if R::RESOURCE == Resource::Clients {
        Vec::new()
    } else {
        rows.iter().filter_map(|r| r.client_jobber_id.clone()).collect()
    };
    let names = records::client_names(db.reader(), account_id, client_ids).await?;
    Ok(Browsed {
        items: rows
            .into_iter()
            .map(|row| Stored {
                item: resources::stored_item::<R>(row.data.as_deref()),
                client_name: row.client_jobber_id.as_ref().and_then(|c| names.get(c).cloned()),
                row,
            })
            .collect(),
        has_next_page: end < total,
        end_cursor: (end > offset).then(|| encode_cursor(end)),
        total_count: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(Some(&encode_cursor(40))).unwrap(), 40);
        assert_eq!(decode_cursor(None).unwrap(), 0);
        assert!(decode_cursor(Some("bm9wZQ")).is_err());
        assert!(decode_cursor(Some("%%%")).is_err());
    }

    fn status(state: RunView) -> ResourceStatus {
        ResourceStatus {
            resource: Resource::Clients,
            state,
            mode: None,
            fetched: 0,
            total: None,
            count: 0,
            started_at: None,
            finished_at: None,
            last_success_at: Some(Utc::now()),
            error: None,
            next_run_at: None,
            retry_at: None,
            retrying: false,
            problem: None,
        }
    }

    #[test]
    fn the_summary_shows_the_most_serious_state_and_problem() {
        let done = status(RunView::Done);
        assert_eq!(summary(&[done.clone(), done.clone()]).state, SummaryState::UpToDate);
        let mut retrying = status(RunView::Running);
        retrying.retrying = true;
        retrying.problem = Some(SyncProblem::RateLimited);
        let mut failed = status(RunView::Failed);
        failed.problem = Some(SyncProblem::ReconnectRequired);
        let s = summary(&[done.clone(), retrying.clone()]);
        assert_eq!((s.state, s.problem), (SummaryState::Retrying, Some(SyncProblem::RateLimited)));
        let s = summary(&[retrying, failed, done]);
        assert_eq!((s.state, s.problem), (SummaryState::Failed, Some(SyncProblem::ReconnectRequired)));
    }
}
