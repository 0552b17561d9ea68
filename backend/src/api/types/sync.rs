use async_graphql::{Enum, ID, OutputType, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::PageInfo;
use crate::{
    db::enums::{self as db, Resource},
    sync::{
        resources::{ClientItem, InvoiceItem, JobItem, PropertyItem, QuoteItem},
        status::{Browsed, ResourceStatus, RunView, Stored, Summary, SummaryState},
    },
};

/// A kind of Jobber data this app syncs.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyncResource {
    Clients,
    Properties,
    Jobs,
    Quotes,
    Invoices,
}

/// Where a resource's sync stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyncRunState {
    /// Asked for; starts when a worker and Jobber's budget allow.
    Queued,
    /// Fetching now.
    Running,
    /// The last run finished.
    Done,
    /// The last run failed (`error` says why); it is retried from where it stopped.
    Failed,
}

/// How much a run fetches.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// Everything, then removes what Jobber no longer has.
    Full,
    /// Only what changed since the last run.
    Incremental,
}

/// Sync progress of one resource of the signed-in merchant's account.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SyncResourceStatus {
    /// Which resource.
    pub resource: SyncResource,
    /// Where its sync stands.
    pub state: SyncRunState,
    /// The current (or last) run's mode.
    pub mode: Option<SyncMode>,
    /// Items fetched by the current (or last) run.
    pub fetched: i32,
    /// Items the current run is expected to fetch, when known (a full pass knows it from the
    /// previous one).
    pub total: Option<i32>,
    /// Items of this resource stored for the account now.
    pub count: i32,
    /// When the current (or last) run started.
    pub started_at: Option<DateTime<Utc>>,
    /// When the last run ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// When a run last completed successfully.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last run failed (developer text, for support: show `problem` to merchants).
    pub error: Option<String>,
    /// When this resource's next automatic run is due (periodic), or its retry after a failure;
    /// null while a run is queued or in progress, and when nothing is scheduled (e.g. the
    /// connection must be reconnected first).
    pub next_run_at: Option<DateTime<Utc>>,
    /// When the current run (while `retrying`) or a failed run is tried again.
    pub retry_at: Option<DateTime<Utc>>,
    /// True while the current run waits to retry after Jobber failed; it carries on where it
    /// stopped.
    pub retrying: bool,
    /// Why the last attempt failed, typed; null when it did not.
    pub problem: Option<SyncProblem>,
}

/// Why a sync attempt failed, in terms a merchant-facing page can act on.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyncProblem {
    /// Jobber is down or answering errors; retried automatically.
    JobberUnavailable,
    /// Jobber's rate limits; retried automatically.
    RateLimited,
    /// The connection no longer works: the merchant must reconnect.
    ReconnectRequired,
    /// Something unexpected on our side; retried automatically, support can see details.
    Unexpected,
}

/// How fresh the merchant's synced data is, across every resource.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyncSummaryState {
    /// Never synced yet (the first sync is queued).
    NotStarted,
    /// A run is in progress (or about to start) for at least one resource.
    Syncing,
    /// Every resource finished its last run successfully.
    UpToDate,
    /// A run hit a transient Jobber failure and waits to retry (see `retryAt`).
    Retrying,
    /// The last run of at least one resource failed and needs the merchant (`problem` =
    /// RECONNECT_REQUIRED), or failed unexpectedly.
    Failed,
}

/// One summary of data freshness across every synced resource.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct SyncSummary {
    /// Where the account's sync stands as a whole.
    pub state: SyncSummaryState,
    /// When the data was last complete: the oldest `lastSuccessAt` across resources; null
    /// before every resource finished a first sync.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// When the next automatic check is due (the earliest across resources); null while a run is
    /// queued or in progress.
    pub next_sync_at: Option<DateTime<Utc>>,
    /// When a failing or retrying resource is tried again (the earliest); null when none is.
    pub retry_at: Option<DateTime<Utc>>,
    /// Why it is not up to date, when it is not (the most serious across resources).
    pub problem: Option<SyncProblem>,
}

/// A postal address.
#[derive(SimpleObject, Clone, Debug)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// A synced Jobber client.
#[derive(SimpleObject, Clone, Debug)]
pub struct Client {
    /// Jobber's id.
    pub id: ID,
    /// Display name (company or person).
    pub name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    /// Email addresses, primary first as Jobber lists them.
    pub emails: Vec<String>,
    /// Phone numbers.
    pub phones: Vec<String>,
    pub billing_address: Option<Address>,
    /// What the client owes.
    pub balance: Option<f64>,
    pub is_archived: bool,
    pub created_at: Option<DateTime<Utc>>,
    /// Last change in Jobber.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A synced Jobber property (service address).
#[derive(SimpleObject, Clone, Debug)]
pub struct Property {
    /// Jobber's id.
    pub id: ID,
    pub address: Option<Address>,
    /// The owning client's Jobber id.
    pub client_id: Option<ID>,
    /// The owning client's name, when synced.
    pub client_name: Option<String>,
    pub is_billing_address: bool,
}

/// A synced Jobber job.
#[derive(SimpleObject, Clone, Debug)]
pub struct Job {
    /// Jobber's id.
    pub id: ID,
    pub job_number: Option<i32>,
    pub title: String,
    /// Jobber's job status, e.g. `active`, `requires_invoicing`.
    pub status: Option<String>,
    pub client_id: Option<ID>,
    pub client_name: Option<String>,
    pub total: Option<f64>,
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A synced Jobber quote.
#[derive(SimpleObject, Clone, Debug)]
pub struct Quote {
    /// Jobber's id.
    pub id: ID,
    pub quote_number: Option<i32>,
    pub title: String,
    /// Jobber's quote status, e.g. `draft`, `approved`.
    pub status: Option<String>,
    pub client_id: Option<ID>,
    pub client_name: Option<String>,
    pub subtotal: Option<f64>,
    pub total: Option<f64>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A synced Jobber invoice.
#[derive(SimpleObject, Clone, Debug)]
pub struct Invoice {
    /// Jobber's id.
    pub id: ID,
    pub invoice_number: Option<i32>,
    pub subject: String,
    /// Jobber's invoice status, e.g. `awaiting_payment`, `paid`.
    pub status: Option<String>,
    pub client_id: Option<ID>,
    pub client_name: Option<String>,
    pub subtotal: Option<f64>,
    pub total: Option<f64>,
    /// What is still owed.
    pub balance: Option<f64>,
    /// The issue date: Jobber's calendar date in the account's own time zone.
    pub issued_date: Option<NaiveDate>,
    /// The due date: Jobber's calendar date in the account's own time zone.
    pub due_date: Option<NaiveDate>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A page of synced items (clients, properties, jobs, quotes or invoices).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(
    concrete(name = "ClientConnection", params(Client)),
    concrete(name = "PropertyConnection", params(Property)),
    concrete(name = "JobConnection", params(Job)),
    concrete(name = "QuoteConnection", params(Quote)),
    concrete(name = "InvoiceConnection", params(Invoice))
)]
pub struct RecordConnection<T: OutputType> {
    /// The items on this page.
    pub nodes: Vec<T>,
    /// Paging information.
    pub page_info: PageInfo,
    /// Items matching the search, on all pages.
    pub total_count: i32,
}

impl<T: OutputType> RecordConnection<T> {
    /// The API page of a domain page.
    pub fn from_page<I>(page: Browsed<I>) -> Self
    where
        T: From<Stored<I>>,
    {
        Self {
            nodes: page.items.into_iter().map(T::from).collect(),
            page_info: PageInfo { has_next_page: page.has_next_page, end_cursor: page.end_cursor },
            total_count: to_i32(i64::try_from(page.total_count).unwrap_or(i64::MAX)),
        }
    }
}

fn to_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn utc(t: chrono::DateTime<chrono::FixedOffset>) -> DateTime<Utc> {
    t.with_timezone(&Utc)
}

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

impl From<db::SyncMode> for SyncMode {
    fn from(m: db::SyncMode) -> Self {
        match m {
            db::SyncMode::Full => Self::Full,
            db::SyncMode::Incremental => Self::Incremental,
        }
    }
}

impl From<db::SyncProblem> for SyncProblem {
    fn from(p: db::SyncProblem) -> Self {
        match p {
            db::SyncProblem::RateLimited => Self::RateLimited,
            db::SyncProblem::JobberUnavailable => Self::JobberUnavailable,
            db::SyncProblem::Unexpected => Self::Unexpected,
            db::SyncProblem::ReconnectRequired => Self::ReconnectRequired,
        }
    }
}

impl From<ResourceStatus> for SyncResourceStatus {
    fn from(s: ResourceStatus) -> Self {
        Self {
            resource: s.resource.into(),
            state: match s.state {
                RunView::Queued => SyncRunState::Queued,
                RunView::Running => SyncRunState::Running,
                RunView::Done => SyncRunState::Done,
                RunView::Failed => SyncRunState::Failed,
            },
            mode: s.mode.map(Into::into),
            fetched: to_i32(s.fetched),
            total: s.total.map(to_i32),
            count: to_i32(s.count),
            started_at: s.started_at,
            finished_at: s.finished_at,
            last_success_at: s.last_success_at,
            error: s.error,
            next_run_at: s.next_run_at,
            retry_at: s.retry_at,
            retrying: s.retrying,
            problem: s.problem.map(Into::into),
        }
    }
}

impl From<Summary> for SyncSummary {
    fn from(s: Summary) -> Self {
        Self {
            state: match s.state {
                SummaryState::NotStarted => SyncSummaryState::NotStarted,
                SummaryState::Syncing => SyncSummaryState::Syncing,
                SummaryState::UpToDate => SyncSummaryState::UpToDate,
                SummaryState::Retrying => SyncSummaryState::Retrying,
                SummaryState::Failed => SyncSummaryState::Failed,
            },
            last_synced_at: s.last_synced_at,
            next_sync_at: s.next_sync_at,
            retry_at: s.retry_at,
            problem: s.problem.map(Into::into),
        }
    }
}

impl From<Stored<ClientItem>> for Client {
    fn from(s: Stored<ClientItem>) -> Self {
        let row = s.row;
        let c = s.item;
        Self {
            id: row.jobber_id.into(),
            name: row.title,
            first_name: c.as_ref().map(|c| c.first_name.clone()),
            last_name: c.as_ref().map(|c| c.last_name.clone()),
            company_name: c.as_ref().and_then(|c| c.company_name.clone()),
            emails: c
                .as_ref()
                .map(|c| c.emails.iter().map(|e| e.address.clone()).collect())
                .unwrap_or_default(),
            phones: c
                .as_ref()
                .map(|c| c.phones.iter().map(|p| p.number.clone()).collect())
                .unwrap_or_default(),
            billing_address: c.as_ref().and_then(|c| c.billing_address.as_ref()).map(|a| Address {
                street: Some(a.street.clone()),
                city: Some(a.city.clone()),
                province: Some(a.province.clone()),
                postal_code: Some(a.postal_code.clone()),
                country: Some(a.country.clone()),
            }),
            balance: row.balance,
            is_archived: c.as_ref().is_some_and(|c| c.is_archived),
            created_at: c.as_ref().map(|c| utc(c.created_at)),
            updated_at: row.jobber_updated_at,
        }
    }
}

impl From<Stored<PropertyItem>> for Property {
    fn from(s: Stored<PropertyItem>) -> Self {
        let p = s.item;
        Self {
            id: s.row.jobber_id.into(),
            address: p.as_ref().map(|p| Address {
                street: Some(p.address.street.clone()),
                city: p.address.city.clone(),
                province: p.address.province.clone(),
                postal_code: p.address.postal_code.clone(),
                country: p.address.country.clone(),
            }),
            client_name: s.client_name,
            client_id: s.row.client_jobber_id.map(Into::into),
            is_billing_address: p.as_ref().and_then(|p| p.is_billing_address).unwrap_or(false),
        }
    }
}

impl From<Stored<JobItem>> for Job {
    fn from(s: Stored<JobItem>) -> Self {
        let (row, j) = (s.row, s.item);
        Self {
            id: row.jobber_id.into(),
            job_number: row.number.map(to_i32),
            title: row.title,
            status: row.status,
            client_name: s.client_name,
            client_id: row.client_jobber_id.map(Into::into),
            total: row.amount,
            start_at: j.as_ref().and_then(|j| j.start_at).map(utc),
            end_at: j.as_ref().and_then(|j| j.end_at).map(utc),
            completed_at: j.as_ref().and_then(|j| j.completed_at).map(utc),
            created_at: j.as_ref().map(|j| utc(j.created_at)),
            updated_at: row.jobber_updated_at,
        }
    }
}

impl From<Stored<QuoteItem>> for Quote {
    fn from(s: Stored<QuoteItem>) -> Self {
        let (row, q) = (s.row, s.item);
        Self {
            id: row.jobber_id.into(),
            quote_number: row.number.map(to_i32),
            title: row.title,
            status: row.status,
            client_name: s.client_name,
            client_id: row.client_jobber_id.map(Into::into),
            subtotal: q.as_ref().map(|q| q.amounts.subtotal),
            total: row.amount,
            created_at: q.as_ref().map(|q| utc(q.created_at)),
            updated_at: row.jobber_updated_at,
        }
    }
}

impl From<Stored<InvoiceItem>> for Invoice {
    fn from(s: Stored<InvoiceItem>) -> Self {
        let (row, i) = (s.row, s.item);
        Self {
            id: row.jobber_id.into(),
            invoice_number: row.number.map(to_i32),
            subject: row.title,
            status: row.status,
            client_name: s.client_name,
            client_id: row.client_jobber_id.map(Into::into),
            subtotal: i.as_ref().and_then(|i| i.amounts.as_ref()).map(|a| a.subtotal),
            total: row.amount,
            balance: row.balance,
            // Jobber sends dates as midnight in the account's time zone: the calendar date is
            // the one in that offset, not in UTC.
            issued_date: i.as_ref().and_then(|i| i.issued_date).map(|t| t.date_naive()),
            due_date: i.as_ref().and_then(|i| i.due_date).map(|t| t.date_naive()),
            created_at: i.as_ref().map(|i| utc(i.created_at)),
            updated_at: row.jobber_updated_at,
        }
    }
}
