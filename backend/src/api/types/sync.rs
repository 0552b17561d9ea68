use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::PageInfo;

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

macro_rules! connection {
    ($name:ident, $node:ident, $what:literal) => {
        #[doc = concat!("A page of synced ", $what, ".")]
        #[derive(SimpleObject, Clone, Debug)]
        pub struct $name {
            /// The items on this page.
            pub nodes: Vec<$node>,
            /// Paging information.
            pub page_info: PageInfo,
            /// Items matching the search, on all pages.
            pub total_count: i32,
        }
    };
}
connection!(ClientConnection, Client, "clients");
connection!(PropertyConnection, Property, "properties");
connection!(JobConnection, Job, "jobs");
connection!(QuoteConnection, Quote, "quotes");
connection!(InvoiceConnection, Invoice, "invoices");
