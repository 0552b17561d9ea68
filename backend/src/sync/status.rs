//! Sync progress and the synced data as our API shows them, always for one account.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::Value;

use super::{Mode, Resource, records, run_state, runner};
use crate::{
    api::types::{
        Address, Client, ClientConnection, Invoice, InvoiceConnection, Job, JobConnection, PageInfo,
        Property, PropertyConnection, Quote, QuoteConnection, SyncMode, SyncProblem, SyncResource,
        SyncResourceStatus, SyncRunState, SyncSummary, SyncSummaryState,
    },
    config::SyncSettings,
    db::{
        Db,
        entities::{sync_records, sync_state},
    },
    error::{AppError, AppResult},
    state::AppState,
};

impl From<SyncResource> for Resource {
    fn from(r: SyncResource) -> Self {
        match r {
            SyncResource::Clients => Self::Clients,
            SyncResource::Properties => Self::Properties,
            SyncResource::Jobs => Self::Jobs,
            SyncResource::Quotes => Self::Quotes,
            SyncResource::Invoices => Self::Invoices,
        }
    }
}

impl From<Resource> for SyncResource {
    fn from(r: Resource) -> Self {
        match r {
            Resource::Clients => Self::Clients,
            Resource::Properties => Self::Properties,
            Resource::Jobs => Self::Jobs,
            Resource::Quotes => Self::Quotes,
            Resource::Invoices => Self::Invoices,
        }
    }
}

/// Per-resource sync status of the account, in display order (all five, even before the
/// first run). `settings` tells when the next periodic run is due.
pub async fn statuses(
    db: &Db,
    settings: &SyncSettings,
    account_id: &str,
) -> AppResult<Vec<SyncResourceStatus>> {
    let now = Utc::now();
    let interval = chrono::Duration::from_std(settings.interval).unwrap_or(chrono::Duration::MAX);
    let rows = sync_state::Entity::find()
        .filter(sync_state::Column::JobberAccountId.eq(account_id))
        .all(db.conn())
        .await?;
    let counts: HashMap<String, i64> = sync_records::Entity::find()
        .select_only()
        .column(sync_records::Column::Kind)
        .column_as(sync_records::Column::Id.count(), "n")
        .filter(sync_records::Column::JobberAccountId.eq(account_id))
        .filter(sync_records::Column::Deleted.eq(false))
        .group_by(sync_records::Column::Kind)
        .into_tuple::<(String, i64)>()
        .all(db.conn())
        .await?
        .into_iter()
        .collect();
    let mut by_resource: HashMap<&str, sync_state::Model> =
        rows.into_iter().filter_map(|r| Resource::parse(&r.resource).map(|res| (res.as_str(), r))).collect();
    Ok(Resource::ALL
        .into_iter()
        .map(|resource| {
            let count = to_i32(counts.get(resource.as_str()).copied().unwrap_or(0));
            match by_resource.remove(resource.as_str()) {
                None => SyncResourceStatus {
                    resource: resource.into(),
                    state: SyncRunState::Queued,
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
                Some(row) => to_status(resource, row, count, now, interval),
            }
        })
        .collect())
}

fn to_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn to_status(
    resource: Resource,
    row: sync_state::Model,
    count: i32,
    now: DateTime<Utc>,
    interval: chrono::Duration,
) -> SyncResourceStatus {
    let state = match row.state.as_str() {
        run_state::RUNNING => SyncRunState::Running,
        _ if row.requested_mode.is_some() && row.state != run_state::FAILED => SyncRunState::Queued,
        run_state::DONE => SyncRunState::Done,
        run_state::FAILED => SyncRunState::Failed,
        _ => SyncRunState::Queued,
    };
    let waiting = row.not_before.filter(|t| *t > now);
    let (next_run_at, retry_at, retrying) = match state {
        SyncRunState::Running => (None, waiting, waiting.is_some()),
        SyncRunState::Queued => (None, None, false),
        SyncRunState::Done => (row.finished_at.and_then(|f| f.checked_add_signed(interval)), None, false),
        // Retried only when a mode is requested again (not when the merchant must reconnect).
        SyncRunState::Failed if row.requested_mode.is_some() => {
            let at = row.not_before.unwrap_or(now);
            (Some(at), Some(at), false)
        }
        SyncRunState::Failed => (None, None, false),
    };
    let problem = match state {
        SyncRunState::Failed => row.problem,
        SyncRunState::Running if retrying => row.problem,
        _ => None,
    }
    .map(api_problem);
    SyncResourceStatus {
        resource: resource.into(),
        state,
        mode: row.mode.as_deref().map(|m| match Mode::parse(m) {
            Mode::Full => SyncMode::Full,
            Mode::Incremental => SyncMode::Incremental,
        }),
        fetched: to_i32(row.fetched),
        total: row.total.map(to_i32),
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

fn api_problem(p: crate::db::enums::SyncProblem) -> SyncProblem {
    use crate::db::enums::SyncProblem as P;
    match p {
        P::RateLimited => SyncProblem::RateLimited,
        P::JobberUnavailable => SyncProblem::JobberUnavailable,
        P::Unexpected => SyncProblem::Unexpected,
        P::ReconnectRequired => SyncProblem::ReconnectRequired,
    }
}

/// How serious a problem is, for picking the one a summary shows.
fn severity(p: SyncProblem) -> u8 {
    match p {
        SyncProblem::ReconnectRequired => 3,
        SyncProblem::Unexpected => 2,
        SyncProblem::JobberUnavailable => 1,
        SyncProblem::RateLimited => 0,
    }
}

/// One summary of the account's freshness from its per-resource statuses.
pub fn summary(statuses: &[SyncResourceStatus]) -> SyncSummary {
    let any = |f: &dyn Fn(&SyncResourceStatus) -> bool| statuses.iter().any(f);
    let failed_for_good = |s: &SyncResourceStatus| s.state == SyncRunState::Failed && s.retry_at.is_none();
    let waiting_to_retry =
        |s: &SyncResourceStatus| s.retrying || (s.state == SyncRunState::Failed && s.retry_at.is_some());
    let never_synced = statuses.iter().all(|s| s.last_success_at.is_none());
    let state = if any(&failed_for_good) {
        SyncSummaryState::Failed
    } else if any(&waiting_to_retry) {
        SyncSummaryState::Retrying
    } else if never_synced {
        if any(&|s| s.state == SyncRunState::Running) {
            SyncSummaryState::Syncing
        } else {
            SyncSummaryState::NotStarted
        }
    } else if any(&|s| matches!(s.state, SyncRunState::Running | SyncRunState::Queued)) {
        SyncSummaryState::Syncing
    } else {
        SyncSummaryState::UpToDate
    };
    let last_synced_at = statuses
        .iter()
        .map(|s| s.last_success_at)
        .collect::<Option<Vec<_>>>()
        .and_then(|times| times.into_iter().min());
    let next_sync_at = if any(&|s| matches!(s.state, SyncRunState::Running | SyncRunState::Queued)) {
        None
    } else {
        statuses.iter().filter_map(|s| s.next_run_at).min()
    };
    SyncSummary {
        state,
        last_synced_at,
        next_sync_at,
        retry_at: statuses.iter().filter_map(|s| s.retry_at).min(),
        problem: statuses.iter().filter_map(|s| s.problem).max_by_key(|p| severity(*p)),
    }
}

/// `startSync`: requests a run of `resources` (all when empty) for the account. A full request
/// is never downgraded by a later incremental one.
pub async fn request(
    state: &AppState,
    account_id: &str,
    resources: &[Resource],
    mode: Mode,
) -> AppResult<Vec<SyncResourceStatus>> {
    let resources: Vec<Resource> =
        if resources.is_empty() { Resource::ALL.to_vec() } else { resources.to_vec() };
    runner::ensure_rows(state, account_id).await?;
    let list = resources.iter().map(|r| format!("'{}'", r.as_str())).collect::<Vec<_>>().join(", ");
    let requested = if mode == Mode::Full {
        "'FULL'".to_owned()
    } else {
        "CASE WHEN requested_mode = 'FULL' THEN 'FULL' ELSE 'INCREMENTAL' END".to_owned()
    };
    state
        .db
        .conn()
        .execute_raw(runner::stmt(
            state.db.backend(),
            &format!(
                "UPDATE sync_state SET requested_mode = {requested}, not_before = NULL, failures = 0, updated_at = ? \
                 WHERE jobber_account_id = ? AND resource IN ({list})"
            ),
            vec![Utc::now().into(), account_id.into()],
        ))
        .await?;
    state.sync.wake.notify_one();
    statuses(&state.db, &state.config.sync, account_id).await
}

/// Offset cursors: opaque to clients, checked on the way in.
fn decode_cursor(after: Option<&str>) -> AppResult<u64> {
    let Some(after) = after else { return Ok(0) };
    B64.decode(after)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| AppError::BadUserInput("`after` is not a cursor from this API".into()))
}

fn encode_cursor(offset: u64) -> String {
    B64.encode(format!("o:{offset}"))
}

struct Browsed {
    items: Vec<(sync_records::Model, Value)>,
    page_info: PageInfo,
    total_count: i32,
    client_names: HashMap<String, String>,
}

async fn browse(
    db: &Db,
    account_id: &str,
    resource: Resource,
    first: i32,
    after: Option<&str>,
    search: Option<&str>,
) -> AppResult<Browsed> {
    let offset = decode_cursor(after)?;
    let limit = u64::try_from(first.clamp(1, 100)).unwrap_or(20);
    let (rows, total) = records::browse(db.conn(), account_id, resource, search, offset, limit).await?;
    let end = offset + rows.len() as u64;
    let client_ids: Vec<String> = if resource == Resource::Clients {
        Vec::new()
    } else {
        rows.iter().filter_map(|r| r.client_jobber_id.clone()).collect()
    };
    let client_names = records::client_names(db.conn(), account_id, client_ids).await?;
    Ok(Browsed {
        items: rows
            .into_iter()
            .map(|r| {
                let data =
                    r.data.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or(Value::Null);
                (r, data)
            })
            .collect(),
        page_info: PageInfo {
            has_next_page: end < total,
            end_cursor: (end > offset).then(|| encode_cursor(end)),
        },
        total_count: to_i32(i64::try_from(total).unwrap_or(i64::MAX)),
        client_names,
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

fn time(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Jobber sends dates as midnight in the account's time zone (`2026-12-15T00:00:00-07:00`): the
/// calendar date is the one in that offset, not in UTC.
fn date(v: &Value, key: &str) -> Option<NaiveDate> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.date_naive())
}

fn address(v: Option<&Value>) -> Option<Address> {
    let v = v.filter(|v| v.is_object())?;
    Some(Address {
        street: text(v, "street"),
        city: text(v, "city"),
        province: text(v, "province"),
        postal_code: text(v, "postalCode"),
        country: text(v, "country"),
    })
}

fn list(v: &Value, key: &str, field: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|i| text(i, field)).collect())
        .unwrap_or_default()
}

/// `clients(first, after, search)`.
pub async fn clients(
    db: &Db,
    account_id: &str,
    first: i32,
    after: Option<&str>,
    search: Option<&str>,
) -> AppResult<ClientConnection> {
    let b = browse(db, account_id, Resource::Clients, first, after, search).await?;
    Ok(ClientConnection {
        nodes: b
            .items
            .into_iter()
            .map(|(r, v)| Client {
                id: r.jobber_id.into(),
                name: r.title,
                first_name: text(&v, "firstName"),
                last_name: text(&v, "lastName"),
                company_name: text(&v, "companyName"),
                emails: list(&v, "emails", "address"),
                phones: list(&v, "phones", "number"),
                billing_address: address(v.get("billingAddress")),
                balance: r.balance,
                is_archived: v.get("isArchived").and_then(Value::as_bool).unwrap_or(false),
                created_at: time(&v, "createdAt"),
                updated_at: r.jobber_updated_at,
            })
            .collect(),
        page_info: b.page_info,
        total_count: b.total_count,
    })
}

/// `properties(first, after, search)`.
pub async fn properties(
    db: &Db,
    account_id: &str,
    first: i32,
    after: Option<&str>,
    search: Option<&str>,
) -> AppResult<PropertyConnection> {
    let b = browse(db, account_id, Resource::Properties, first, after, search).await?;
    let names = b.client_names;
    Ok(PropertyConnection {
        nodes: b
            .items
            .into_iter()
            .map(|(r, v)| Property {
                id: r.jobber_id.into(),
                address: address(v.get("address")),
                client_name: r.client_jobber_id.as_ref().and_then(|c| names.get(c).cloned()),
                client_id: r.client_jobber_id.map(Into::into),
                is_billing_address: v.get("isBillingAddress").and_then(Value::as_bool).unwrap_or(false),
            })
            .collect(),
        page_info: b.page_info,
        total_count: b.total_count,
    })
}

/// `jobs(first, after, search)`.
pub async fn jobs(
    db: &Db,
    account_id: &str,
    first: i32,
    after: Option<&str>,
    search: Option<&str>,
) -> AppResult<JobConnection> {
    let b = browse(db, account_id, Resource::Jobs, first, after, search).await?;
    let names = b.client_names;
    Ok(JobConnection {
        nodes: b
            .items
            .into_iter()
            .map(|(r, v)| Job {
                id: r.jobber_id.into(),
                job_number: r.number.map(to_i32),
                title: r.title,
                status: r.status,
                client_name: r.client_jobber_id.as_ref().and_then(|c| names.get(c).cloned()),
                client_id: r.client_jobber_id.map(Into::into),
                total: r.amount,
                start_at: time(&v, "startAt"),
                end_at: time(&v, "endAt"),
                completed_at: time(&v, "completedAt"),
                created_at: time(&v, "createdAt"),
                updated_at: r.jobber_updated_at,
            })
            .collect(),
        page_info: b.page_info,
        total_count: b.total_count,
    })
}

/// `quotes(first, after, search)`.
pub async fn quotes(
    db: &Db,
    account_id: &str,
    first: i32,
    after: Option<&str>,
    search: Option<&str>,
) -> AppResult<QuoteConnection> {
    let b = browse(db, account_id, Resource::Quotes, first, after, search).await?;
    let names = b.client_names;
    Ok(QuoteConnection {
        nodes: b
            .items
            .into_iter()
            .map(|(r, v)| Quote {
                id: r.jobber_id.into(),
                quote_number: r.number.map(to_i32),
                title: r.title,
                status: r.status,
                client_name: r.client_jobber_id.as_ref().and_then(|c| names.get(c).cloned()),
                client_id: r.client_jobber_id.map(Into::into),
                subtotal: num(&v, &["amounts", "subtotal"]),
                total: r.amount,
                created_at: time(&v, "createdAt"),
                updated_at: r.jobber_updated_at,
            })
            .collect(),
        page_info: b.page_info,
        total_count: b.total_count,
    })
}

/// `invoices(first, after, search)`.
pub async fn invoices(
    db: &Db,
    account_id: &str,
    first: i32,
    after: Option<&str>,
    search: Option<&str>,
) -> AppResult<InvoiceConnection> {
    let b = browse(db, account_id, Resource::Invoices, first, after, search).await?;
    let names = b.client_names;
    Ok(InvoiceConnection {
        nodes: b
            .items
            .into_iter()
            .map(|(r, v)| Invoice {
                id: r.jobber_id.into(),
                invoice_number: r.number.map(to_i32),
                subject: r.title,
                status: r.status,
                client_name: r.client_jobber_id.as_ref().and_then(|c| names.get(c).cloned()),
                client_id: r.client_jobber_id.map(Into::into),
                subtotal: num(&v, &["amounts", "subtotal"]),
                total: r.amount,
                balance: r.balance,
                issued_date: date(&v, "issuedDate"),
                due_date: date(&v, "dueDate"),
                created_at: time(&v, "createdAt"),
                updated_at: r.jobber_updated_at,
            })
            .collect(),
        page_info: b.page_info,
        total_count: b.total_count,
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
}
