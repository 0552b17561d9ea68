//! The GraphQL schema the sandbox serves: a subset of Jobber's, with Rust types named exactly as
//! Jobber's (`Client`, `ClientConnection`, `EncodedId`, `JobStatusTypeEnum`, ...) so the SDL that
//! async-graphql exports can be checked against `graphql/schema/jobber.graphql` field by field
//! (the contract test does). Nullability follows Jobber's SDL, not convenience.
//!
//! Why async-graphql rather than a hand-rolled executor: validation, variables, fragments and
//! error shapes come for free and match what Jobber's (graphql-ruby) server answers closely
//! enough; the cost analysis that graphql-ruby does for Jobber is ours (`cost.rs`).
//!
//! Resolvers only read the in-memory store; the one mutation (`appDisconnect`) calls into
//! `Inner::disconnect`. Visits live in `visits.rs`, payments and payouts in `payments.rs`;
//! the shared pieces here are `pub(super)` for them.

use std::sync::Arc;

use async_graphql::{
    Context, Enum, InputObject, InputValueError, InputValueResult, Object, Result, Scalar, ScalarType,
    SimpleObject, Value,
};
use chrono::{DateTime, SecondsFormat, Utc};

use super::payments::{PaymentRecord, PaymentRecordConnection, PaymentRecordInterface, PayoutRecord};
use super::visits::{Visit, VisitConnection};
use crate::store::{
    AccountData, ClientRec, Page, PageArgs, PropertyRec, Record, TimeRange, UserRec, WorkRec, paginate,
    round2, tax,
};
use crate::{Inner, ids, lock};

/// Per-request data: who is asking.
pub(crate) struct GqlCtx {
    pub inner: Arc<Inner>,
    pub account: u64,
    pub user: u64,
}

pub(super) fn gctx<'a>(ctx: &Context<'a>) -> &'a GqlCtx {
    ctx.data_unchecked::<GqlCtx>()
}

/// Base64 of a Jobber global id (`gid://Jobber/Client/1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedId(pub String);

#[Scalar(name = "EncodedId")]
impl ScalarType for EncodedId {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Self(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// An ISO 8601 date-time, e.g. `2021-08-12T16:31:36Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Iso8601DateTime(pub DateTime<Utc>);

#[Scalar(name = "ISO8601DateTime")]
impl ScalarType for Iso8601DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| Self(d.with_timezone(&Utc)))
                .map_err(|e| InputValueError::custom(format!("invalid ISO8601DateTime: {e}"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

pub(super) fn dt(t: DateTime<Utc>) -> Iso8601DateTime {
    Iso8601DateTime(t)
}

/// Paging state of a connection.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// Cursor of the last item of this page.
    pub(super) end_cursor: Option<String>,
    /// Whether items follow this page.
    pub(super) has_next_page: bool,
    /// Whether items precede this page.
    pub(super) has_previous_page: bool,
    /// Cursor of the first item of this page.
    pub(super) start_cursor: Option<String>,
}

macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ident, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        #[derive(SimpleObject)]
        pub struct $conn {
            /// The items with their cursors.
            edges: Option<Vec<$edge>>,
            /// The items.
            nodes: Vec<$node>,
            /// Paging state.
            page_info: PageInfo,
            /// How many items match, across all pages.
            total_count: i32,
        }

        #[doc = concat!("One of ", $what, " with its cursor.")]
        #[derive(SimpleObject)]
        pub struct $edge {
            /// Where this item is, for `after`/`before`.
            cursor: String,
            /// The item.
            node: $node,
        }

        impl $conn {
            pub(super) fn from_page<R>(page: Page<R>, wrap: impl Fn(R) -> $node) -> Self {
                let page_info = PageInfo {
                    start_cursor: page.items.first().map(|i| i.0.clone()),
                    end_cursor: page.items.last().map(|i| i.0.clone()),
                    has_next_page: page.has_next_page,
                    has_previous_page: page.has_previous_page,
                };
                let edges: Vec<$edge> =
                    page.items.into_iter().map(|(cursor, r)| $edge { cursor, node: wrap(r) }).collect();
                Self {
                    nodes: edges.iter().map(|e| e.node.clone()).collect(),
                    edges: Some(edges),
                    page_info,
                    total_count: i32::try_from(page.total_count).unwrap_or(i32::MAX),
                }
            }
        }
    };
}

connection!(ClientConnection, ClientEdge, Client, "clients");
connection!(PropertyConnection, PropertyEdge, Property, "properties");
connection!(JobConnection, JobEdge, Job, "jobs");
connection!(QuoteConnection, QuoteEdge, Quote, "quotes");
connection!(InvoiceConnection, InvoiceEdge, Invoice, "invoices");
pub(super) use connection;

/// A range of date-times; all bounds are exclusive except `eq`.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct Iso8601DateTimeRangeInput {
    /// Strictly before.
    before: Option<Iso8601DateTime>,
    /// Strictly after.
    after: Option<Iso8601DateTime>,
    /// Exactly at.
    eq: Option<Iso8601DateTime>,
}

fn range(r: Option<Iso8601DateTimeRangeInput>) -> TimeRange {
    r.map(|r| TimeRange { after: r.after.map(|d| d.0), before: r.before.map(|d| d.0), eq: r.eq.map(|d| d.0) })
        .unwrap_or_default()
}

/// Filters for `clients`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ClientFilterAttributes {
    /// Companies only (or people only).
    is_company: Option<bool>,
    /// Leads only (or clients only).
    is_lead: Option<bool>,
    /// Archived only (or active only).
    is_archived: Option<bool>,
    /// Last changed within this range.
    updated_at: Option<Iso8601DateTimeRangeInput>,
    /// Created within this range.
    created_at: Option<Iso8601DateTimeRangeInput>,
}

/// Filters for `properties`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PropertiesFilterAttributes {
    /// Properties of this client.
    client_id: Option<EncodedId>,
}

/// Filters for `jobs` (Jobber has no `updatedAt` filter on jobs; sort by `UPDATED_AT`).
#[derive(InputObject, Clone, Debug, Default)]
pub struct JobFilterAttributes {
    /// Created within this range.
    created_at: Option<Iso8601DateTimeRangeInput>,
    /// In this status.
    status: Option<JobStatusTypeEnum>,
}

/// Filters for `quotes`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct QuoteFilterAttributes {
    /// Quotes of this client.
    client_id: Option<EncodedId>,
    /// In this status.
    status: Option<QuoteStatusTypeEnum>,
    /// Last changed within this range.
    updated_at: Option<Iso8601DateTimeRangeInput>,
    /// Created within this range.
    created_at: Option<Iso8601DateTimeRangeInput>,
}

/// Filters for `invoices`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct InvoiceFilterAttributes {
    /// Invoices of this client.
    client_id: Option<EncodedId>,
    /// Last changed within this range.
    updated_at: Option<Iso8601DateTimeRangeInput>,
    /// Created within this range.
    created_at: Option<Iso8601DateTimeRangeInput>,
    /// In this status.
    status: Option<InvoiceStatusTypeEnum>,
}

/// Sort direction.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SortDirectionEnum {
    /// Smallest first.
    Ascending,
    /// Largest first.
    Descending,
}

/// Keys jobs can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum JobSortKey {
    /// The client's first name (served as id order here).
    ClientFirstName,
    /// The client's primary name (served as id order here).
    ClientPrimaryName,
    /// When the job last changed.
    UpdatedAt,
}

/// How to sort jobs.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct JobsSortInput {
    /// Sort key.
    key: JobSortKey,
    /// Direction.
    direction: SortDirectionEnum,
}

/// Keys quotes can be sorted by (those not listed in the docs of the resolver sort by id).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum QuotesSortKey {
    /// Property street.
    #[graphql(name = "PROPERTY_STREET1")]
    PropertyStreet1,
    /// Client name.
    ClientPrimaryName,
    /// Creation time.
    CreatedAt,
    /// Last sent.
    LastSentAt,
    /// Last changes requested.
    LastChangesRequestedAt,
    /// Approval time.
    ApprovedAt,
    /// Conversion time.
    ConvertedAt,
    /// Archival time.
    ArchivedAt,
    /// Quote number.
    QuoteNumber,
    /// Status.
    QuoteStatus,
    /// Total.
    QuoteTotal,
}

/// How to sort quotes.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct QuotesSortInput {
    /// Sort key.
    key: QuotesSortKey,
    /// Direction.
    direction: SortDirectionEnum,
}

/// Keys invoices can be sorted by (the sandbox honours CREATED_AT, ISSUED_DATE,
/// INVOICE_NUMBER and INVOICE_TOTAL; the rest sort by id).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InvoiceSortKey {
    /// Number.
    InvoiceNumber,
    /// Status.
    InvoiceStatus,
    /// Client name.
    ClientPrimaryName,
    /// Creation time.
    CreatedAt,
    /// Issue date.
    IssuedDate,
    /// Received date.
    ReceivedDate,
    /// Due date.
    DueDate,
    /// Tips.
    InvoiceTipTotal,
    /// Total.
    InvoiceTotal,
    /// Balance.
    InvoiceBalance,
    /// Tax percent.
    InvoiceTaxPercent,
    /// Tax amount.
    InvoiceTaxAmount,
    /// Deposit.
    InvoiceDepositAmount,
    /// Discount.
    InvoiceDiscountAmount,
}

/// How to sort invoices.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct InvoiceSortInput {
    /// Sort key.
    key: InvoiceSortKey,
    /// Direction.
    direction: SortDirectionEnum,
}

/// Status of a job.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(rename_items = "snake_case")]
pub enum JobStatusTypeEnum {
    /// Done, not invoiced.
    RequiresInvoicing,
    /// Archived.
    Archived,
    /// Late.
    Late,
    /// Today.
    Today,
    /// Upcoming.
    Upcoming,
    /// Needs attention.
    ActionRequired,
    /// On hold.
    OnHold,
    /// Not scheduled.
    Unscheduled,
    /// In progress.
    Active,
}

const JOB_STATUS: [JobStatusTypeEnum; crate::store::JOB_STATUSES] = [
    JobStatusTypeEnum::RequiresInvoicing,
    JobStatusTypeEnum::Archived,
    JobStatusTypeEnum::Late,
    JobStatusTypeEnum::Today,
    JobStatusTypeEnum::Upcoming,
    JobStatusTypeEnum::ActionRequired,
    JobStatusTypeEnum::OnHold,
    JobStatusTypeEnum::Unscheduled,
    JobStatusTypeEnum::Active,
];

/// Status of a quote.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(rename_items = "snake_case")]
pub enum QuoteStatusTypeEnum {
    /// Draft.
    Draft,
    /// Sent, waiting.
    AwaitingResponse,
    /// Archived.
    Archived,
    /// Approved.
    Approved,
    /// Turned into a job.
    Converted,
    /// Client asked for changes.
    ChangesRequested,
}

const QUOTE_STATUS: [QuoteStatusTypeEnum; crate::store::QUOTE_STATUSES] = [
    QuoteStatusTypeEnum::Draft,
    QuoteStatusTypeEnum::AwaitingResponse,
    QuoteStatusTypeEnum::Archived,
    QuoteStatusTypeEnum::Approved,
    QuoteStatusTypeEnum::Converted,
    QuoteStatusTypeEnum::ChangesRequested,
];

/// Status of an invoice.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(rename_items = "snake_case")]
pub enum InvoiceStatusTypeEnum {
    /// Draft.
    Draft,
    /// Sent, unpaid.
    AwaitingPayment,
    /// Paid.
    Paid,
    /// Overdue.
    PastDue,
    /// Written off.
    BadDebt,
}

const INVOICE_STATUS: [InvoiceStatusTypeEnum; crate::store::INVOICE_STATUSES] = [
    InvoiceStatusTypeEnum::Draft,
    InvoiceStatusTypeEnum::AwaitingPayment,
    InvoiceStatusTypeEnum::Paid,
    InvoiceStatusTypeEnum::PastDue,
    InvoiceStatusTypeEnum::BadDebt,
];

pub(super) fn status_index<T: PartialEq + Copy>(list: &[T], v: &T) -> usize {
    list.iter().position(|x| x == v).unwrap_or(usize::MAX)
}

fn web_uri(kind: &str, id: u64) -> String {
    format!("https://secure.getjobber.com/{kind}/{id}")
}

/// Runs `f` on the caller's account under the lock.
pub(super) fn with_account<T>(ctx: &Context<'_>, f: impl FnOnce(&AccountData) -> T) -> Result<T> {
    let g = gctx(ctx);
    let st = lock(&g.inner.state);
    let acc = st.account(g.account).ok_or_else(|| async_graphql::Error::new("Account not found"))?;
    Ok(f(acc))
}

pub(super) fn page_args(
    after: Option<String>,
    before: Option<String>,
    first: Option<i32>,
    last: Option<i32>,
) -> PageArgs {
    PageArgs { first, last, after, before }
}

fn matches_search(term: Option<&str>, hay: &[&str]) -> bool {
    term.is_none_or(|t| {
        let t = t.to_lowercase();
        hay.iter().any(|h| h.to_lowercase().contains(&t))
    })
}

fn sort_by<R: Record>(v: &mut [&R], desc: bool, key: impl Fn(&R) -> f64) {
    v.sort_by(|a, b| {
        let o = key(a).total_cmp(&key(b)).then(a.id().cmp(&b.id()));
        if desc { o.reverse() } else { o }
    });
}

fn ts(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64
}

/// What `Account` and `User` need of an account: not its records (cloning those on every
/// `account { id }` would cost as much as the whole account).
#[derive(Clone, Debug)]
pub(super) struct AccountSummary {
    id: u64,
    name: String,
    created_at: DateTime<Utc>,
}

impl AccountSummary {
    fn of(acc: &AccountData) -> Self {
        Self { id: acc.id, name: acc.name.clone(), created_at: acc.created_at }
    }
}

/// The account the token belongs to.
pub struct Account(AccountSummary);

/// The account the token belongs to.
#[Object]
impl Account {
    /// The account's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("Account", self.0.id))
    }

    /// The company name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// When the account was created.
    async fn created_at(&self) -> Iso8601DateTime {
        dt(self.0.created_at)
    }
}

/// A person's name.
#[derive(SimpleObject)]
pub struct Name {
    /// First name.
    first: String,
    /// First and last.
    full: String,
    /// Last name.
    last: String,
}

/// A user's email.
#[derive(SimpleObject)]
pub struct UserEmail {
    /// Whether it looks deliverable.
    is_valid: bool,
    /// The address.
    raw: String,
}

/// A user of the account.
pub struct User {
    user: UserRec,
    account: AccountSummary,
    is_current: bool,
    is_owner: bool,
}

/// A user of the account.
#[Object]
impl User {
    /// The user's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("User", self.user.id))
    }

    /// The user's name.
    async fn name(&self) -> Name {
        let u = &self.user;
        Name {
            first: u.first_name.clone(),
            last: u.last_name.clone(),
            full: format!("{} {}", u.first_name, u.last_name),
        }
    }

    /// The user's email.
    async fn email(&self) -> UserEmail {
        UserEmail { is_valid: true, raw: self.user.email.clone() }
    }

    /// Whether this user owns the account (the seeded admin; users added later do not).
    async fn is_account_owner(&self) -> bool {
        self.is_owner
    }

    /// Whether this user administers the account (every sandbox user does).
    async fn is_account_admin(&self) -> bool {
        true
    }

    /// Whether this is the user the token was issued to.
    async fn is_current_user(&self) -> bool {
        self.is_current
    }

    /// The user's account.
    async fn account(&self) -> Option<Account> {
        Some(Account(self.account.clone()))
    }
}

/// A client's billing address.
#[derive(SimpleObject)]
pub struct ClientAddress {
    /// City.
    city: String,
    /// Country.
    country: String,
    /// Latitude.
    latitude: String,
    /// Longitude.
    longitude: String,
    /// Postal code.
    postal_code: String,
    /// Province or state.
    province: String,
    /// Both street lines.
    street: String,
    /// First street line.
    street1: String,
    /// Second street line.
    street2: String,
}

/// One of a client's email addresses.
#[derive(SimpleObject)]
pub struct Email {
    /// The address.
    address: String,
    /// What it is for.
    description: String,
    /// Its id.
    id: EncodedId,
    /// Whether it is the primary one.
    primary: bool,
}

/// One of a client's phone numbers.
#[derive(SimpleObject)]
pub struct ClientPhoneNumber {
    /// What it is for.
    description: String,
    /// Formatted for people.
    friendly: String,
    /// Its id.
    id: EncodedId,
    /// As entered.
    number: String,
    /// Whether it is the primary one.
    primary: bool,
    /// Whether texts are allowed.
    sms_allowed: bool,
}

/// A client of the service provider.
#[derive(Clone)]
pub struct Client(pub(super) ClientRec);

/// A client of the service provider.
#[Object]
impl Client {
    /// The client's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("Client", self.0.id))
    }

    /// First name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }

    /// Last name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }

    /// The company name, or the person's full name.
    async fn name(&self) -> String {
        match &self.0.company_name {
            Some(c) => c.to_string(),
            None => format!("{} {}", self.0.first_name, self.0.last_name),
        }
    }

    /// The company name, if a company.
    async fn company_name(&self) -> Option<&str> {
        self.0.company_name.as_deref()
    }

    /// Whether the client is a company.
    async fn is_company(&self) -> bool {
        self.0.company_name.is_some()
    }

    /// Whether the client is a lead.
    async fn is_lead(&self) -> bool {
        self.0.is_lead
    }

    /// Whether the client is archived.
    async fn is_archived(&self) -> bool {
        self.0.is_archived
    }

    /// What the client owes.
    async fn balance(&self) -> f64 {
        self.0.balance
    }

    /// Billing address.
    async fn billing_address(&self) -> Option<ClientAddress> {
        Some(ClientAddress {
            city: self.0.city.to_string(),
            country: "Canada".to_owned(),
            latitude: "51.0447".to_owned(),
            longitude: "-114.0719".to_owned(),
            postal_code: "T2P 1J9".to_owned(),
            province: "Alberta".to_owned(),
            street: self.0.street.to_string(),
            street1: self.0.street.to_string(),
            street2: String::new(),
        })
    }

    /// Email addresses.
    async fn emails(&self) -> Vec<Email> {
        vec![Email {
            address: format!(
                "{}.{}{}@example.com",
                self.0.first_name.to_lowercase(),
                self.0.last_name.to_lowercase(),
                self.0.id
            ),
            description: "MAIN".to_owned(),
            id: EncodedId(ids::encode("Email", self.0.id)),
            primary: true,
        }]
    }

    /// Phone numbers.
    async fn phones(&self) -> Vec<ClientPhoneNumber> {
        let number = format!("403-555-{:04}", self.0.id % 10_000);
        vec![ClientPhoneNumber {
            description: "MAIN".to_owned(),
            friendly: number.clone(),
            id: EncodedId(ids::encode("ClientPhoneNumber", self.0.id)),
            number,
            primary: true,
            sms_allowed: false,
        }]
    }

    /// When the client was created.
    async fn created_at(&self) -> Iso8601DateTime {
        dt(self.0.created_at)
    }

    /// When the client last changed.
    async fn updated_at(&self) -> Iso8601DateTime {
        dt(self.0.updated_at)
    }

    /// The client in Jobber's web app.
    async fn jobber_web_uri(&self) -> String {
        web_uri("clients", self.0.id)
    }

    /// The client's properties.
    async fn client_properties(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<PropertyConnection> {
        let args = page_args(after, before, first, last);
        let id = self.0.id;
        let page = with_account(ctx, |acc| {
            let v: Vec<&PropertyRec> = acc.properties.values().filter(|p| p.client_id == id).collect();
            paginate(&v, &args)
        })?;
        Ok(PropertyConnection::from_page(page, Property))
    }

    /// The client's jobs.
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<JobConnection> {
        let args = page_args(after, before, first, last);
        let id = self.0.id;
        let page = with_account(ctx, |acc| {
            let v: Vec<&WorkRec> = acc.jobs.values().filter(|p| p.client_id == id).collect();
            paginate(&v, &args)
        })?;
        Ok(JobConnection::from_page(page, Job))
    }

    /// The client's quotes.
    async fn quotes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<QuoteConnection> {
        let args = page_args(after, before, first, last);
        let id = self.0.id;
        let page = with_account(ctx, |acc| {
            let v: Vec<&WorkRec> = acc.quotes.values().filter(|p| p.client_id == id).collect();
            paginate(&v, &args)
        })?;
        Ok(QuoteConnection::from_page(page, Quote))
    }

    /// The client's invoices.
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<InvoiceConnection> {
        let args = page_args(after, before, first, last);
        let id = self.0.id;
        let page = with_account(ctx, |acc| {
            let v: Vec<&WorkRec> = acc.invoices.values().filter(|p| p.client_id == id).collect();
            paginate(&v, &args)
        })?;
        Ok(InvoiceConnection::from_page(page, Invoice))
    }
}

pub(super) fn find_client(ctx: &Context<'_>, id: u64) -> Result<Option<Client>> {
    with_account(ctx, |acc| acc.clients.get(&id).cloned().map(Client))
}

pub(super) fn find_property(ctx: &Context<'_>, id: u64) -> Result<Option<Property>> {
    with_account(ctx, |acc| acc.properties.get(&id).cloned().map(Property))
}

/// A property's address.
#[derive(SimpleObject)]
pub struct PropertyAddress {
    /// City.
    city: Option<String>,
    /// Country.
    country: Option<String>,
    /// Its id.
    id: EncodedId,
    /// Postal code.
    postal_code: Option<String>,
    /// Province or state.
    province: Option<String>,
    /// Both street lines.
    street: String,
    /// First street line.
    street1: Option<String>,
    /// Second street line.
    street2: Option<String>,
}

/// A place where work is done.
#[derive(Clone)]
pub struct Property(pub(super) PropertyRec);

/// A place where work is done.
#[Object]
impl Property {
    /// The property's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("Property", self.0.id))
    }

    /// Its address.
    async fn address(&self) -> PropertyAddress {
        PropertyAddress {
            city: Some(self.0.city.to_string()),
            country: Some("Canada".to_owned()),
            id: EncodedId(ids::encode("PropertyAddress", self.0.id)),
            postal_code: Some("T2P 1J9".to_owned()),
            province: Some("Alberta".to_owned()),
            street: self.0.street.to_string(),
            street1: Some(self.0.street.to_string()),
            street2: Some(String::new()),
        }
    }

    /// The owner.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        find_client(ctx, self.0.client_id)
    }

    /// Whether it is also the billing address.
    async fn is_billing_address(&self) -> Option<bool> {
        Some(false)
    }

    /// The property in Jobber's web app.
    async fn jobber_web_uri(&self) -> String {
        web_uri("properties", self.0.id)
    }
}

/// A job.
#[derive(Clone)]
pub struct Job(pub(super) WorkRec);

/// A job.
#[Object]
impl Job {
    /// The job's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("Job", self.0.id))
    }

    /// The job's number in the account.
    async fn job_number(&self) -> i32 {
        i32::try_from(self.0.number).unwrap_or(i32::MAX)
    }

    /// Title.
    async fn title(&self) -> Option<&str> {
        Some(&self.0.title)
    }

    /// Status.
    async fn job_status(&self) -> JobStatusTypeEnum {
        JOB_STATUS[self.0.status % JOB_STATUS.len()]
    }

    /// Instructions for the crew.
    async fn instructions(&self) -> Option<String> {
        None
    }

    /// Total.
    async fn total(&self) -> f64 {
        round2(self.0.subtotal + tax(self.0.subtotal))
    }

    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Client> {
        find_client(ctx, self.0.client_id)?.ok_or_else(|| "client was deleted".into())
    }

    /// The property.
    async fn property(&self, ctx: &Context<'_>) -> Result<Property> {
        find_property(ctx, self.0.property_id)?.ok_or_else(|| "property was deleted".into())
    }

    /// Start.
    async fn start_at(&self) -> Option<Iso8601DateTime> {
        Some(dt(self.0.created_at))
    }

    /// End.
    async fn end_at(&self) -> Option<Iso8601DateTime> {
        None
    }

    /// When it was completed (closed).
    async fn completed_at(&self) -> Option<Iso8601DateTime> {
        self.0.closed_at.map(dt)
    }

    /// When the job was created.
    async fn created_at(&self) -> Iso8601DateTime {
        dt(self.0.created_at)
    }

    /// When the job last changed in a way that matters to the service provider.
    async fn updated_at(&self) -> Iso8601DateTime {
        dt(self.0.updated_at)
    }

    /// The job in Jobber's web app.
    async fn jobber_web_uri(&self) -> String {
        web_uri("work_orders", self.0.id)
    }

    /// The job's visits, oldest first.
    async fn visits(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<VisitConnection> {
        let args = page_args(after, before, first, last);
        let id = self.0.id;
        let page = with_account(ctx, |acc| {
            let v: Vec<_> = acc.visit_ids_of(id).filter_map(|v| acc.visits.get(&v)).collect();
            paginate(&v, &args)
        })?;
        Ok(VisitConnection::from_page(page, Visit))
    }
}

/// Money on a quote.
#[derive(SimpleObject)]
pub struct QuoteAmounts {
    /// Deposit.
    deposit_amount: f64,
    /// Discount.
    discount_amount: f64,
    /// Non-taxable part.
    non_tax_amount: f64,
    /// Deposit still owed.
    outstanding_deposit_amount: f64,
    /// Before tax.
    subtotal: f64,
    /// Tax.
    tax_amount: f64,
    /// Total.
    total: f64,
}

/// A quote.
#[derive(Clone)]
pub struct Quote(pub(super) WorkRec);

/// A quote.
#[Object]
impl Quote {
    /// The quote's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("Quote", self.0.id))
    }

    /// The quote's number.
    async fn quote_number(&self) -> String {
        self.0.number.to_string()
    }

    /// Status.
    async fn quote_status(&self) -> QuoteStatusTypeEnum {
        QUOTE_STATUS[self.0.status % QUOTE_STATUS.len()]
    }

    /// Title.
    async fn title(&self) -> Option<&str> {
        Some(&self.0.title)
    }

    /// Money.
    async fn amounts(&self) -> QuoteAmounts {
        let t = tax(self.0.subtotal);
        QuoteAmounts {
            deposit_amount: 0.0,
            discount_amount: 0.0,
            non_tax_amount: 0.0,
            outstanding_deposit_amount: 0.0,
            subtotal: self.0.subtotal,
            tax_amount: t,
            total: round2(self.0.subtotal + t),
        }
    }

    /// Total.
    #[graphql(deprecation = "Renamed to `total` and moved to the `amounts` section")]
    async fn cost(&self) -> f64 {
        round2(self.0.subtotal + tax(self.0.subtotal))
    }

    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        find_client(ctx, self.0.client_id)
    }

    /// The property.
    async fn property(&self, ctx: &Context<'_>) -> Result<Option<Property>> {
        find_property(ctx, self.0.property_id)
    }

    /// When the quote was created.
    async fn created_at(&self) -> Iso8601DateTime {
        dt(self.0.created_at)
    }

    /// When the quote last changed in a way that matters to the service provider.
    async fn updated_at(&self) -> Iso8601DateTime {
        dt(self.0.updated_at)
    }

    /// When the quote entered its status.
    async fn transitioned_at(&self) -> Iso8601DateTime {
        dt(self.0.updated_at)
    }

    /// When the quote was last sent to the client.
    #[graphql(deprecation = "Sent at is only for quotes in awaiting response. Use `transitioned_at` instead")]
    async fn sent_at(&self) -> Option<Iso8601DateTime> {
        self.0.sent_at.map(dt)
    }

    /// The quote in Jobber's web app.
    async fn jobber_web_uri(&self) -> String {
        web_uri("quotes", self.0.id)
    }
}

/// Money on an invoice.
#[derive(SimpleObject)]
pub struct InvoiceAmounts {
    /// Deposit.
    deposit_amount: f64,
    /// Discount.
    discount_amount: f64,
    /// Still owed.
    invoice_balance: f64,
    /// Non-taxable part.
    non_tax_amount: f64,
    /// Paid so far.
    payments_total: f64,
    /// Before tax.
    subtotal: f64,
    /// Tax.
    tax_amount: f64,
    /// Tips.
    tips_total: f64,
    /// Total.
    total: f64,
}

/// An invoice.
#[derive(Clone)]
pub struct Invoice(pub(super) WorkRec);

/// An invoice.
#[Object]
impl Invoice {
    /// The invoice's id.
    async fn id(&self) -> EncodedId {
        EncodedId(ids::encode("Invoice", self.0.id))
    }

    /// The invoice's number.
    async fn invoice_number(&self) -> String {
        self.0.number.to_string()
    }

    /// Status.
    async fn invoice_status(&self) -> InvoiceStatusTypeEnum {
        INVOICE_STATUS[self.0.status % INVOICE_STATUS.len()]
    }

    /// Subject line.
    async fn subject(&self) -> &str {
        &self.0.title
    }

    /// Money.
    async fn amounts(&self) -> Option<InvoiceAmounts> {
        Some(InvoiceAmounts {
            deposit_amount: 0.0,
            discount_amount: 0.0,
            invoice_balance: self.0.balance(),
            non_tax_amount: 0.0,
            payments_total: self.0.paid,
            subtotal: self.0.subtotal,
            tax_amount: tax(self.0.subtotal),
            tips_total: 0.0,
            total: self.0.total(),
        })
    }

    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        find_client(ctx, self.0.client_id)
    }

    /// When it was issued.
    async fn issued_date(&self) -> Option<Iso8601DateTime> {
        Some(dt(self.0.created_at))
    }

    /// When it is due.
    async fn due_date(&self) -> Option<Iso8601DateTime> {
        Some(dt(self.0.created_at + chrono::Duration::days(30)))
    }

    /// When the invoice was created.
    async fn created_at(&self) -> Iso8601DateTime {
        dt(self.0.created_at)
    }

    /// When the invoice last changed in a way that matters to the service provider.
    async fn updated_at(&self) -> Iso8601DateTime {
        dt(self.0.updated_at)
    }

    /// The invoice in Jobber's web app.
    async fn jobber_web_uri(&self) -> String {
        web_uri("invoices", self.0.id)
    }

    /// Payments recorded on the invoice, oldest first.
    async fn payment_records(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<PaymentRecordConnection> {
        let args = page_args(after, before, first, last);
        let id = self.0.id;
        let page = with_account(ctx, |acc| {
            let v: Vec<_> = acc.payments.values().filter(|p| p.invoice_id == id).collect();
            paginate(&v, &args)
        })?;
        Ok(PaymentRecordConnection::from_page(page, PaymentRecord))
    }
}

/// An app in the Marketplace.
#[derive(SimpleObject)]
pub struct Application {
    /// Its id.
    id: EncodedId,
    /// Its name.
    name: String,
    /// Who made it.
    author: String,
}

/// A problem with a mutation's input.
#[derive(SimpleObject)]
pub struct MutationErrors {
    /// What went wrong.
    message: String,
    /// Where in the input.
    path: Vec<String>,
}

/// The result of `appDisconnect`.
#[derive(SimpleObject)]
pub struct AppDisconnectPayload {
    /// The app that was disconnected.
    app: Option<Application>,
    /// Problems, if any.
    user_errors: Vec<MutationErrors>,
}

fn decode_filter_id(ty: &str, id: Option<&EncodedId>) -> Option<Option<u64>> {
    // Some(None): a filter id that matches nothing.
    id.map(|i| ids::decode(ty, &i.0))
}

/// The root query.
pub struct Query;

/// The root query.
#[Object]
impl Query {
    /// The account the authenticated user belongs to.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        with_account(ctx, |acc| Some(Account(AccountSummary::of(acc))))
    }

    /// A user; without `id`, the one the token was issued to.
    async fn user(&self, ctx: &Context<'_>, id: Option<EncodedId>) -> Result<Option<User>> {
        let me = gctx(ctx).user;
        with_account(ctx, |acc| {
            let wanted = id.map_or(Some(me), |i| ids::decode("User", &i.0))?;
            acc.user(wanted).map(|u| User {
                user: u.clone(),
                account: AccountSummary::of(acc),
                is_current: u.id == me,
                is_owner: u.id == acc.owner().id,
            })
        })
    }

    /// Clients, oldest first.
    #[expect(clippy::too_many_arguments, reason = "Jobber's arguments")]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        filter: Option<ClientFilterAttributes>,
        search_term: Option<String>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<ClientConnection> {
        let f = filter.unwrap_or_default();
        let (upd, cre) = (range(f.updated_at), range(f.created_at));
        let args = page_args(after, before, first, last);
        let page = with_account(ctx, |acc| {
            let v: Vec<&ClientRec> = acc
                .clients
                .values()
                .filter(|c| {
                    f.is_company.is_none_or(|x| x == c.company_name.is_some())
                        && f.is_lead.is_none_or(|x| x == c.is_lead)
                        && f.is_archived.is_none_or(|x| x == c.is_archived)
                        && upd.contains(c.updated_at)
                        && cre.contains(c.created_at)
                        && matches_search(
                            search_term.as_deref(),
                            &[&c.first_name, &c.last_name, c.company_name.as_deref().unwrap_or("")],
                        )
                })
                .collect();
            paginate(&v, &args)
        })?;
        Ok(ClientConnection::from_page(page, Client))
    }

    /// One client of this account.
    async fn client(&self, ctx: &Context<'_>, id: EncodedId) -> Result<Option<Client>> {
        match ids::decode("Client", &id.0) {
            Some(n) => find_client(ctx, n),
            None => Ok(None),
        }
    }

    /// Properties, oldest first.
    #[expect(clippy::too_many_arguments, reason = "Jobber's arguments")]
    async fn properties(
        &self,
        ctx: &Context<'_>,
        filter: Option<PropertiesFilterAttributes>,
        search_term: Option<String>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<PropertyConnection> {
        let f = filter.unwrap_or_default();
        let client = decode_filter_id("Client", f.client_id.as_ref());
        let args = page_args(after, before, first, last);
        let page = with_account(ctx, |acc| {
            let v: Vec<&PropertyRec> = acc
                .properties
                .values()
                .filter(|p| {
                    client.is_none_or(|c| c == Some(p.client_id))
                        && matches_search(search_term.as_deref(), &[&p.street, &p.city])
                })
                .collect();
            paginate(&v, &args)
        })?;
        Ok(PropertyConnection::from_page(page, Property))
    }

    /// One property of this account.
    async fn property(&self, ctx: &Context<'_>, id: EncodedId) -> Result<Option<Property>> {
        match ids::decode("Property", &id.0) {
            Some(n) => find_property(ctx, n),
            None => Ok(None),
        }
    }

    /// Jobs, oldest first unless sorted.
    #[expect(clippy::too_many_arguments, reason = "Jobber's arguments")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        filter: Option<JobFilterAttributes>,
        sort: Option<Vec<JobsSortInput>>,
        search_term: Option<String>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<JobConnection> {
        let f = filter.unwrap_or_default();
        let cre = range(f.created_at);
        let status = f.status.map(|s| status_index(&JOB_STATUS, &s));
        let args = page_args(after, before, first, last);
        let page = with_account(ctx, |acc| {
            let mut v: Vec<&WorkRec> = acc
                .jobs
                .values()
                .filter(|j| {
                    cre.contains(j.created_at)
                        && status.is_none_or(|s| s == j.status)
                        && matches_search(search_term.as_deref(), &[&j.title])
                })
                .collect();
            if let Some(s) = sort.as_ref().and_then(|s| s.first()) {
                let desc = s.direction == SortDirectionEnum::Descending;
                match s.key {
                    JobSortKey::UpdatedAt => sort_by(&mut v, desc, |j| ts(j.updated_at)),
                    _ => sort_by(&mut v, desc, |j| j.id as f64),
                }
            }
            paginate(&v, &args)
        })?;
        Ok(JobConnection::from_page(page, Job))
    }

    /// One job of this account.
    async fn job(&self, ctx: &Context<'_>, id: EncodedId) -> Result<Option<Job>> {
        let Some(n) = ids::decode("Job", &id.0) else {
            return Ok(None);
        };
        with_account(ctx, |acc| acc.jobs.get(&n).cloned().map(Job))
    }

    /// Quotes, oldest first unless sorted.
    #[expect(clippy::too_many_arguments, reason = "Jobber's arguments")]
    async fn quotes(
        &self,
        ctx: &Context<'_>,
        filter: Option<QuoteFilterAttributes>,
        search_term: Option<String>,
        sort: Option<Vec<QuotesSortInput>>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<QuoteConnection> {
        let f = filter.unwrap_or_default();
        let (upd, cre) = (range(f.updated_at), range(f.created_at));
        let client = decode_filter_id("Client", f.client_id.as_ref());
        let status = f.status.map(|s| status_index(&QUOTE_STATUS, &s));
        let args = page_args(after, before, first, last);
        let page = with_account(ctx, |acc| {
            let mut v: Vec<&WorkRec> = acc
                .quotes
                .values()
                .filter(|q| {
                    upd.contains(q.updated_at)
                        && cre.contains(q.created_at)
                        && client.is_none_or(|c| c == Some(q.client_id))
                        && status.is_none_or(|s| s == q.status)
                        && matches_search(search_term.as_deref(), &[&q.title])
                })
                .collect();
            if let Some(s) = sort.as_ref().and_then(|s| s.first()) {
                let desc = s.direction == SortDirectionEnum::Descending;
                match s.key {
                    QuotesSortKey::CreatedAt => sort_by(&mut v, desc, |q| ts(q.created_at)),
                    QuotesSortKey::QuoteNumber => sort_by(&mut v, desc, |q| q.number as f64),
                    QuotesSortKey::QuoteTotal => sort_by(&mut v, desc, |q| q.subtotal),
                    _ => sort_by(&mut v, desc, |q| q.id as f64),
                }
            }
            paginate(&v, &args)
        })?;
        Ok(QuoteConnection::from_page(page, Quote))
    }

    /// One quote of this account.
    async fn quote(&self, ctx: &Context<'_>, id: EncodedId) -> Result<Option<Quote>> {
        let Some(n) = ids::decode("Quote", &id.0) else {
            return Ok(None);
        };
        with_account(ctx, |acc| acc.quotes.get(&n).cloned().map(Quote))
    }

    /// Invoices, oldest first unless sorted.
    #[expect(clippy::too_many_arguments, reason = "Jobber's arguments")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        filter: Option<InvoiceFilterAttributes>,
        search_term: Option<String>,
        sort: Option<Vec<InvoiceSortInput>>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<InvoiceConnection> {
        let f = filter.unwrap_or_default();
        let (upd, cre) = (range(f.updated_at), range(f.created_at));
        let client = decode_filter_id("Client", f.client_id.as_ref());
        let status = f.status.map(|s| status_index(&INVOICE_STATUS, &s));
        let args = page_args(after, before, first, last);
        let page = with_account(ctx, |acc| {
            let mut v: Vec<&WorkRec> = acc
                .invoices
                .values()
                .filter(|i| {
                    upd.contains(i.updated_at)
                        && cre.contains(i.created_at)
                        && client.is_none_or(|c| c == Some(i.client_id))
                        && status.is_none_or(|s| s == i.status)
                        && matches_search(search_term.as_deref(), &[&i.title])
                })
                .collect();
            if let Some(s) = sort.as_ref().and_then(|s| s.first()) {
                let desc = s.direction == SortDirectionEnum::Descending;
                match s.key {
                    InvoiceSortKey::CreatedAt | InvoiceSortKey::IssuedDate => {
                        sort_by(&mut v, desc, |i| ts(i.created_at));
                    }
                    InvoiceSortKey::InvoiceNumber => sort_by(&mut v, desc, |i| i.number as f64),
                    InvoiceSortKey::InvoiceTotal => sort_by(&mut v, desc, |i| i.subtotal),
                    _ => sort_by(&mut v, desc, |i| i.id as f64),
                }
            }
            paginate(&v, &args)
        })?;
        Ok(InvoiceConnection::from_page(page, Invoice))
    }

    /// One invoice of this account.
    async fn invoice(&self, ctx: &Context<'_>, id: EncodedId) -> Result<Option<Invoice>> {
        let Some(n) = ids::decode("Invoice", &id.0) else {
            return Ok(None);
        };
        with_account(ctx, |acc| acc.invoices.get(&n).cloned().map(Invoice))
    }

    /// One visit of a job of this account.
    async fn visit(&self, ctx: &Context<'_>, id: EncodedId) -> Result<Option<Visit>> {
        let Some(n) = ids::decode("Visit", &id.0) else {
            return Ok(None);
        };
        with_account(ctx, |acc| acc.visits.get(&n).cloned().map(Visit))
    }

    /// One payment record of this account.
    async fn payment_record(
        &self,
        ctx: &Context<'_>,
        id: EncodedId,
    ) -> Result<Option<PaymentRecordInterface>> {
        let Some(n) = ids::decode("PaymentRecord", &id.0) else {
            return Ok(None);
        };
        with_account(ctx, |acc| acc.payments.get(&n).cloned().map(PaymentRecordInterface::of))
    }

    /// One Jobber Payments payout of this account.
    async fn payout_record(&self, ctx: &Context<'_>, id: EncodedId) -> Result<Option<PayoutRecord>> {
        let Some(n) = ids::decode("PayoutRecord", &id.0) else {
            return Ok(None);
        };
        with_account(ctx, |acc| acc.payouts.get(&n).cloned().map(PayoutRecord))
    }
}

/// The root mutation.
pub struct Mutation;

/// The root mutation.
#[Object]
impl Mutation {
    /// Disconnects the app from the token's account: every token of the account dies and
    /// `APP_DISCONNECT` is delivered.
    async fn app_disconnect(&self, ctx: &Context<'_>) -> AppDisconnectPayload {
        let g = gctx(ctx);
        let account_id = ids::encode("Account", g.account);
        *lock(&g.inner.stats).app_disconnect_calls.entry(account_id).or_default() += 1;
        g.inner.disconnect(g.account);
        let config = &g.inner.config;
        AppDisconnectPayload {
            app: Some(Application {
                id: EncodedId(ids::encode("Application", 1)),
                name: config.app_name.clone(),
                author: config.app_author.clone(),
            }),
            user_errors: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store;

    #[test]
    fn store_status_indexes_name_the_right_enum_values() {
        assert_eq!(JOB_STATUS[store::JOB_REQUIRES_INVOICING], JobStatusTypeEnum::RequiresInvoicing);
        assert_eq!(JOB_STATUS[store::JOB_ARCHIVED], JobStatusTypeEnum::Archived);
        assert_eq!(QUOTE_STATUS[store::QUOTE_DRAFT], QuoteStatusTypeEnum::Draft);
        assert_eq!(QUOTE_STATUS[store::QUOTE_AWAITING_RESPONSE], QuoteStatusTypeEnum::AwaitingResponse);
        assert_eq!(QUOTE_STATUS[store::QUOTE_ARCHIVED], QuoteStatusTypeEnum::Archived);
        assert_eq!(QUOTE_STATUS[store::QUOTE_APPROVED], QuoteStatusTypeEnum::Approved);
        assert_eq!(QUOTE_STATUS[store::QUOTE_CONVERTED], QuoteStatusTypeEnum::Converted);
        assert_eq!(INVOICE_STATUS[store::INVOICE_AWAITING_PAYMENT], InvoiceStatusTypeEnum::AwaitingPayment);
        assert_eq!(INVOICE_STATUS[store::INVOICE_PAID], InvoiceStatusTypeEnum::Paid);
    }
}
