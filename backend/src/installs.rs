//! The operator's view of every install (issue 15): who is connected, who is broken and why, and
//! the operator's actions on one install. Account metadata, counts and states only: nothing here
//! reads the merchants' synced records, so no customer data can reach the console or the CLI.
//!
//! The console's admin API and `jobber-app installs …` both read through this module.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use crate::{
    db::{
        Db, audit,
        entities::{audit_log, connections, sync_state, webhook_events},
        enums::{Actor, AuditKind, ConnectionStatus, DisconnectSource, SyncProblem, SyncRunState},
        installs::{self as q, Cursor, Filter},
    },
    lifecycle,
    sync::{self, Resource, SyncService, health},
    tokens::TokenService,
};

/// Why an install needs attention, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Problem {
    NeedsReauth,
    Degraded,
    DeadLetters,
    SyncFailing,
    WebhooksMissing,
}

/// One resource's sync, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSync {
    pub resource: Resource,
    pub state: SyncRunState,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_full_success_at: Option<DateTime<Utc>>,
    pub failures: i32,
    /// Plain words for the last failure (never Jobber's raw answer).
    pub error: Option<&'static str>,
    pub not_before: Option<DateTime<Utc>>,
}

/// An install as the operator sees it.
#[derive(Debug, Clone)]
pub struct Install {
    pub jobber_account_id: String,
    pub name: String,
    pub status: ConnectionStatus,
    pub problems: Vec<Problem>,
    pub connected_at: DateTime<Utc>,
    pub connected_by_name: Option<String>,
    pub connected_by_email: Option<String>,
    pub disconnected_at: Option<DateTime<Utc>>,
    pub disconnected_by: Option<DisconnectSource>,
    pub last_error: Option<String>,
    pub last_refresh_at: Option<DateTime<Utc>>,
    pub resources: Vec<ResourceSync>,
    pub failing_runs: i64,
    pub webhooks_pending: i64,
    pub webhooks_dead: i64,
    /// `None` while nothing has been judged (and for disconnected installs).
    pub webhook_health: Option<health::WebhookHealth>,
}

/// A page of the installs list.
#[derive(Debug, Clone)]
pub struct InstallPage {
    pub installs: Vec<Install>,
    pub next_cursor: Option<String>,
    pub total_count: u64,
}

/// One install with its history.
#[derive(Debug, Clone)]
pub struct InstallDetail {
    pub install: Install,
    pub timeline: Vec<audit_log::Model>,
    pub webhook_events: Vec<webhook_events::Model>,
}

/// Why a list or an action could not be served.
#[derive(Debug, thiserror::Error)]
pub enum InstallsError {
    #[error("the app has never seen Jobber account {0}")]
    UnknownAccount(String),
    #[error("the `after` cursor is not one this list wrote")]
    BadCursor,
    #[error("{0}")]
    NotLive(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The most installs one page holds.
pub const MAX_PAGE: u64 = 100;

/// Installs matching `filter`, problems first (see [`Tier`]).
pub async fn list(
    db: &Db,
    filter: &Filter,
    after: Option<&str>,
    first: u64,
    now: DateTime<Utc>,
) -> Result<InstallPage, InstallsError> {
    let after = match after {
        Some(text) => Some(Cursor::decode(text).ok_or(InstallsError::BadCursor)?),
        None => None,
    };
    let page = q::page(db, filter, after.as_ref(), first.clamp(1, MAX_PAGE)).await?;
    let total_count = match page.total {
        Some(n) => n,
        None => q::count(db, filter).await?,
    };
    let rows: Vec<connections::Model> = page.rows.into_iter().map(|(_, m)| m).collect();
    Ok(InstallPage {
        installs: assemble(db, rows, now).await?,
        next_cursor: page.next.map(|c| c.encode()),
        total_count,
    })
}

/// One install with its timeline and recent webhook events (metadata only).
pub async fn show(
    db: &Db,
    jobber_account_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<InstallDetail>, DbErr> {
    let Some(row) = db.find_connection_by_account(jobber_account_id).await? else {
        return Ok(None);
    };
    let install = assemble(db, vec![row], now).await?.pop().expect("one row in, one install out");
    let timeline = audit::page(db, Some(jobber_account_id), None, None, 100).await?;
    let webhook_events = crate::db::inbox::recent_of_account(db, jobber_account_id, 50).await?;
    Ok(Some(InstallDetail { install, timeline, webhook_events }))
}

/// Builds the operator's view of `rows` with a fixed number of queries per page, whatever its
/// size.
async fn assemble(db: &Db, rows: Vec<connections::Model>, now: DateTime<Utc>) -> Result<Vec<Install>, DbErr> {
    let accounts: Vec<String> = rows.iter().map(|r| r.jobber_account_id.clone()).collect();
    let counts = q::event_counts(db, &accounts).await?;
    let mut states: HashMap<String, Vec<sync_state::Model>> = HashMap::new();
    for s in crate::db::sync_state::of_accounts(db, &accounts).await? {
        states.entry(s.jobber_account_id.clone()).or_default().push(s);
    }
    let live_accounts: Vec<String> =
        rows.iter().filter(|r| r.status.is_live()).map(|r| r.jobber_account_id.clone()).collect();
    let mut healths = health::of_accounts(db, &live_accounts, now).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let counts = counts.get(&row.jobber_account_id).copied().unwrap_or_default();
        let mut resources: Vec<ResourceSync> = states
            .remove(&row.jobber_account_id)
            .unwrap_or_default()
            .into_iter()
            .map(|s| ResourceSync {
                resource: s.resource,
                state: s.state,
                last_success_at: s.last_success_at,
                last_full_success_at: s.last_full_success_at,
                failures: s.failures,
                error: (s.state == SyncRunState::Failed || s.failures > 0)
                    .then(|| problem_words(s.problem))
                    .flatten(),
                not_before: s.not_before,
            })
            .collect();
        resources.sort_by_key(|r| Resource::ALL.iter().position(|x| *x == r.resource));
        let failing_runs = resources.iter().filter(|r| r.state == SyncRunState::Failed).count() as i64;
        let live = row.status.is_live();
        let webhook_health = healths
            .remove(&row.jobber_account_id)
            .filter(|h| live && (h.changes_found > 0 || h.last_received_at.is_some()));
        let mut problems = Vec::new();
        match row.status {
            ConnectionStatus::NeedsReauth => problems.push(Problem::NeedsReauth),
            ConnectionStatus::Degraded => problems.push(Problem::Degraded),
            _ => {}
        }
        if live {
            if counts.dead > 0 {
                problems.push(Problem::DeadLetters);
            }
            if failing_runs > 0 {
                problems.push(Problem::SyncFailing);
            }
            if webhook_health.as_ref().is_some_and(|h| h.status == health::Status::Missing) {
                problems.push(Problem::WebhooksMissing);
            }
        }
        out.push(Install {
            jobber_account_id: row.jobber_account_id,
            name: row.account_name,
            status: row.status,
            problems,
            connected_at: row.connected_at,
            connected_by_name: row.connected_by_name,
            connected_by_email: row.connected_by_email,
            disconnected_at: row.disconnected_at.filter(|_| row.status == ConnectionStatus::Disconnected),
            disconnected_by: row.disconnect_source,
            last_error: row.last_error,
            last_refresh_at: row.last_refresh_at,
            resources,
            failing_runs,
            webhooks_pending: counts.pending,
            webhooks_dead: counts.dead,
            webhook_health,
        });
    }
    Ok(out)
}

/// A sync failure in plain words.
fn problem_words(problem: Option<SyncProblem>) -> Option<&'static str> {
    Some(match problem? {
        SyncProblem::RateLimited => "Jobber's rate limit was reached; retrying.",
        SyncProblem::JobberUnavailable => "Jobber was unavailable; retrying.",
        SyncProblem::ReconnectRequired => "Jobber refused the tokens; the merchant must reconnect.",
        SyncProblem::Unexpected => "An unexpected error (see the logs for this account).",
    })
}

/// The whole fleet at a glance.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub installs: Vec<(ConnectionStatus, i64)>,
    pub figures: q::FleetFigures,
    pub warnings: Vec<q::StoredWarning>,
}

/// Installs per status, inbox and sync figures, and Jobber's versioning warnings (stored ones
/// and those this instance has seen but not stored yet).
pub async fn fleet(
    db: &Db,
    seen: &[jobber_graphql::VersionWarning],
    now: DateTime<Utc>,
) -> Result<Fleet, DbErr> {
    let mut installs = db.connection_counts().await?;
    for status in CONNECTION_STATUSES {
        if !installs.iter().any(|(s, _)| *s == status) {
            installs.push((status, 0));
        }
    }
    installs.sort_by_key(|(s, _)| CONNECTION_STATUSES.iter().position(|x| x == s));
    let mut warnings = q::warnings(db).await?;
    for w in seen {
        if !warnings.iter().any(|s| s.message == w.message) {
            warnings.push(stored(w));
        }
    }
    warnings.sort_by_key(|w| std::cmp::Reverse(w.last_seen_at));
    Ok(Fleet { installs, figures: q::fleet_figures(db, now).await?, warnings })
}

fn stored(w: &jobber_graphql::VersionWarning) -> q::StoredWarning {
    q::StoredWarning {
        message: w.message.clone(),
        served_version: w.served_version.clone(),
        first_seen_at: w.first_seen_at,
        last_seen_at: w.last_seen_at,
    }
}

/// Stores the versioning warnings this instance has seen (every instance does, so the console
/// of any one shows them all).
pub async fn save_warnings(db: &Db, seen: &[jobber_graphql::VersionWarning]) -> Result<(), DbErr> {
    for w in seen {
        q::save_warning(db, &stored(w)).await?;
    }
    Ok(())
}

/// Every status, in the console's order.
const CONNECTION_STATUSES: [ConnectionStatus; 4] = [
    ConnectionStatus::Connected,
    ConnectionStatus::Degraded,
    ConnectionStatus::NeedsReauth,
    ConnectionStatus::Disconnected,
];

/// Who acts: the operator's label in the audit log.
#[derive(Debug, Clone)]
pub struct Operator(pub String);

async fn live_row(db: &Db, jobber_account_id: &str) -> Result<connections::Model, InstallsError> {
    db.find_connection_by_account(jobber_account_id)
        .await?
        .ok_or_else(|| InstallsError::UnknownAccount(jobber_account_id.to_owned()))
}

/// Queues a sync of every resource (`full`: from scratch) of a live install; audited.
pub async fn sync_now(
    sync: &SyncService,
    db: &Db,
    operator: &Operator,
    jobber_account_id: &str,
    full: bool,
) -> Result<String, InstallsError> {
    let row = live_row(db, jobber_account_id).await?;
    if !row.status.is_live() {
        return Err(InstallsError::NotLive(format!(
            "{} is not connected ({}); nothing to sync.",
            row.account_name,
            sea_orm::ActiveEnum::to_value(&row.status)
        )));
    }
    let mode = if full { sync::Mode::Full } else { sync::Mode::Incremental };
    let txn = db.begin_write().await?;
    audit::record(
        &txn,
        audit::NewEntry {
            jobber_account_id: Some(jobber_account_id),
            account_name: Some(&row.account_name),
            kind: AuditKind::SyncRequested,
            actor: Actor::Operator,
            actor_name: Some(&operator.0),
            detail: if full {
                "Full resync of every resource".to_owned()
            } else {
                "Sync of every resource".to_owned()
            },
        },
    )
    .await?;
    txn.commit().await?;
    sync::status::request(sync, jobber_account_id, &[], mode).await?;
    Ok(if full {
        format!("Queued a full resync of {}.", row.account_name)
    } else {
        format!("Queued a sync of {}.", row.account_name)
    })
}

/// Queues the install's dead-lettered webhook events again; audited.
pub async fn redrive(db: &Db, operator: &Operator, jobber_account_id: &str) -> Result<String, InstallsError> {
    let row = live_row(db, jobber_account_id).await?;
    let n = crate::db::inbox::redrive_as(db, Some(jobber_account_id), Some(&operator.0)).await?;
    Ok(format!("Queued {n} dead-lettered webhook event(s) of {} again.", row.account_name))
}

/// The merchant's disconnect, done by an operator: Jobber's `appDisconnect`, then local state
/// cleared whatever Jobber answered (audited as the operator's, by the lifecycle).
pub async fn disconnect(
    tokens: &TokenService,
    db: &Db,
    operator: &Operator,
    jobber_account_id: &str,
) -> Result<String, InstallsError> {
    let row = live_row(db, jobber_account_id).await?;
    if row.status == ConnectionStatus::Disconnected {
        return Err(InstallsError::NotLive(format!("{} is already disconnected.", row.account_name)));
    }
    let outcome = lifecycle::disconnect_as(
        tokens,
        db,
        jobber_account_id,
        lifecycle::DisconnectReason::Operator,
        Some(&operator.0),
    )
    .await?;
    Ok(if outcome.jobber_confirmed {
        format!("Disconnected {}; Jobber confirmed.", row.account_name)
    } else {
        format!("Disconnected {} here; Jobber could not confirm it.", row.account_name)
    })
}

/// Audit entries, newest first (the CLI's and the admin API's `audit`).
pub async fn audit_page(
    db: &Db,
    jobber_account_id: Option<&str>,
    since: Option<DateTime<Utc>>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_log::Model>, DbErr> {
    audit::page(db, jobber_account_id, since, before_id, limit.clamp(1, 500)).await
}
