//! In-memory Jobber data: accounts, their users and records (clients, properties, jobs with
//! their visits, quotes, invoices with their payments, payouts), deterministic seeding, and the
//! filter/sort/page logic behind every connection. Knows nothing of HTTP, tokens or GraphQL.
//!
//! Seeding must stay cheap (a fleet of 50 accounts × 4,000 records in well under a second), so
//! names are `&'static str` picked from small word lists and only edits allocate.

use std::borrow::Cow;
use std::collections::BTreeSet;

use chrono::{DateTime, Duration as ChronoDuration, TimeZone as _, Utc};

use crate::config::{AccountSeed, RecordCounts};
use crate::ids;

/// A string that is usually a seeded word and only allocates when edited.
pub type Text = Cow<'static, str>;

/// The kinds of records the sandbox serves and fires webhooks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RecordKind {
    /// `Client`, topics `CLIENT_*`.
    Client,
    /// `Property`, topics `PROPERTY_*`.
    Property,
    /// `Job`, topics `JOB_*`.
    Job,
    /// `Quote`, topics `QUOTE_*`.
    Quote,
    /// `Invoice`, topics `INVOICE_*`.
    Invoice,
}

impl RecordKind {
    /// The GraphQL type name, also used inside EncodedIds.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Client => "Client",
            Self::Property => "Property",
            Self::Job => "Job",
            Self::Quote => "Quote",
            Self::Invoice => "Invoice",
        }
    }

    /// The prefix of this kind's webhook topics (`CLIENT` in `CLIENT_CREATE`).
    pub fn topic_prefix(self) -> &'static str {
        match self {
            Self::Client => "CLIENT",
            Self::Property => "PROPERTY",
            Self::Job => "JOB",
            Self::Quote => "QUOTE",
            Self::Invoice => "INVOICE",
        }
    }

    /// The plural used in admin paths (`/sandbox/accounts/{id}/clients`).
    pub fn from_plural(plural: &str) -> Option<Self> {
        Some(match plural {
            "clients" => Self::Client,
            "properties" => Self::Property,
            "jobs" => Self::Job,
            "quotes" => Self::Quote,
            "invoices" => Self::Invoice,
            _ => return None,
        })
    }
}

/// A client.
#[derive(Clone, Debug)]
pub struct ClientRec {
    pub id: u64,
    pub first_name: Text,
    pub last_name: Text,
    pub company_name: Option<Text>,
    pub is_lead: bool,
    pub is_archived: bool,
    pub balance: f64,
    pub street: Text,
    pub city: Text,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A property (service address), owned by a client.
#[derive(Clone, Debug)]
pub struct PropertyRec {
    pub id: u64,
    pub client_id: u64,
    pub street: Text,
    pub city: Text,
    pub updated_at: DateTime<Utc>,
}

/// A job, quote or invoice: the three share a shape here.
#[derive(Clone, Debug)]
pub struct WorkRec {
    pub id: u64,
    pub number: u64,
    pub title: Text,
    /// Index into the kind's status list (see `graphql::types`).
    pub status: usize,
    pub client_id: u64,
    pub property_id: u64,
    pub subtotal: f64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Invoices: the sum of their payment records.
    pub paid: f64,
    /// Jobs: when the job was closed (`completedAt`).
    pub closed_at: Option<DateTime<Utc>>,
    /// Quotes: when the quote was last sent (`sentAt`).
    pub sent_at: Option<DateTime<Utc>>,
}

impl WorkRec {
    /// Tax, total and balance as `amounts` reports them (5% tax on every subtotal).
    pub fn total(&self) -> f64 {
        round2(self.subtotal + tax(self.subtotal))
    }

    /// What is still owed on an invoice.
    pub fn balance(&self) -> f64 {
        round2(self.total() - self.paid)
    }
}

/// Bumps an `updatedAt`: to now, and always forward, so two edits within one second still
/// differ (an incremental sync must see the second).
pub fn touch(t: &mut DateTime<Utc>) {
    *t = Utc::now().max(*t + ChronoDuration::seconds(1));
}

/// Rounds to cents.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The sandbox's one tax rate: 5% (Alberta's GST).
pub fn tax(subtotal: f64) -> f64 {
    round2(subtotal * 0.05)
}

/// A visit: one scheduled occurrence of a job. Its client and property are the job's.
#[derive(Clone, Debug)]
pub struct VisitRec {
    pub id: u64,
    pub job_id: u64,
    pub title: Text,
    /// Whether `title` is still the job's (Jobber's `isDefaultTitle`).
    pub default_title: bool,
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// How a payment was made; picks the concrete `PaymentRecordInterface` type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PaymentMethod {
    /// Cash, recorded by the service provider (`CashPaymentRecord`).
    #[default]
    Cash,
    /// A cheque (`CheckPaymentRecord`).
    Check,
    /// Anything else recorded by hand (`OtherPaymentRecord`).
    Other,
    /// A card payment through Jobber Payments (`JobberPaymentsCreditCardPaymentRecord`); the
    /// only kind that ends up in a payout.
    JobberPaymentsCard,
}

/// A payment recorded against an invoice.
#[derive(Clone, Debug)]
pub struct PaymentRec {
    pub id: u64,
    pub invoice_id: u64,
    pub client_id: u64,
    pub amount: f64,
    pub method: PaymentMethod,
    pub details: Option<String>,
    pub entry_date: DateTime<Utc>,
    /// The payout that carried it to the bank (Jobber Payments only).
    pub payout_id: Option<u64>,
}

/// Where a payout is, as Jobber's `PayoutStatus` spells it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayoutStatus {
    /// Arrived in the bank.
    Paid,
    /// On its way (the status a new payout gets).
    #[default]
    InTransit,
    /// Not sent yet.
    Pending,
    /// The bank refused it.
    Failed,
    /// Cancelled.
    Canceled,
}

/// A Jobber Payments payout of card payments to the service provider's bank.
#[derive(Clone, Debug)]
pub struct PayoutRec {
    pub id: u64,
    pub status: PayoutStatus,
    pub created: DateTime<Utc>,
    pub arrival_date: DateTime<Utc>,
    pub payment_ids: Vec<u64>,
    /// Jobber reports payout money in cents.
    pub gross_cents: i64,
    pub fee_cents: i64,
}

/// The processing fee on one card payment, in cents (2.9% + 30¢: a typical card rate; Jobber's
/// is not published per account, UNCERTAIN).
pub fn card_fee_cents(gross_cents: i64) -> i64 {
    (gross_cents as f64 * 0.029).round() as i64 + 30
}

/// Dollars to cents.
pub fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// Something every connection can filter and sort on.
pub trait Record: Clone {
    fn id(&self) -> u64;
}

macro_rules! impl_record {
    ($($t:ty),*) => {$(
        impl Record for $t {
            fn id(&self) -> u64 { self.id }
        }
    )*};
}
impl_record!(ClientRec, PropertyRec, WorkRec, VisitRec, PaymentRec, PayoutRec);

/// An account's records of one kind, by id, in id order: a sorted `Vec`, because ids only grow
/// (new records get new global ids), so inserting is a push and lookups are binary searches.
/// A `BTreeMap` filled in ascending order leaves its nodes about half full, which for a fleet
/// of 50 accounts × 4,000 records cost about twice the memory.
#[derive(Clone, Debug)]
pub struct IdMap<T>(Vec<T>);

impl<T> Default for IdMap<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Record> IdMap<T> {
    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    fn position(&self, id: u64) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, Record::id)
    }

    pub fn get(&self, id: &u64) -> Option<&T> {
        self.position(*id).ok().map(|i| &self.0[i])
    }

    pub fn get_mut(&mut self, id: &u64) -> Option<&mut T> {
        self.position(*id).ok().map(|i| &mut self.0[i])
    }

    pub fn contains_key(&self, id: &u64) -> bool {
        self.position(*id).is_ok()
    }

    /// Inserts `rec` (whose id is `id`), replacing and returning a record with the same id.
    pub fn insert(&mut self, id: u64, rec: T) -> Option<T> {
        debug_assert_eq!(id, rec.id());
        if self.0.last().is_none_or(|l| l.id() < id) {
            self.0.push(rec);
            return None;
        }
        match self.position(id) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i], rec)),
            Err(i) => {
                self.0.insert(i, rec);
                None
            }
        }
    }

    pub fn remove(&mut self, id: &u64) -> Option<T> {
        self.position(*id).ok().map(|i| self.0.remove(i))
    }

    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.0.retain(keep);
    }

    pub fn values(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(Record::id)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

/// A user of an account. Every user here is an admin; the first of an account is its owner.
#[derive(Clone, Debug)]
pub struct UserRec {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// One Jobber account and everything in it.
#[derive(Clone, Debug)]
pub struct AccountData {
    pub id: u64,
    pub name: String,
    /// Never empty: `users[0]` is the account owner, who connected nothing yet but whom
    /// `issue_code` signs in.
    pub users: Vec<UserRec>,
    pub connected: bool,
    pub created_at: DateTime<Utc>,
    pub clients: IdMap<ClientRec>,
    pub properties: IdMap<PropertyRec>,
    pub jobs: IdMap<WorkRec>,
    pub quotes: IdMap<WorkRec>,
    pub invoices: IdMap<WorkRec>,
    pub visits: IdMap<VisitRec>,
    /// (job id, visit id): a job's visits in id order without a Vec per job.
    pub job_visits: BTreeSet<(u64, u64)>,
    pub payments: IdMap<PaymentRec>,
    pub payouts: IdMap<PayoutRec>,
}

impl AccountData {
    /// The account's EncodedId.
    pub fn encoded_id(&self) -> String {
        ids::encode("Account", self.id)
    }

    /// The account owner (the seeded admin).
    pub fn owner(&self) -> &UserRec {
        &self.users[0]
    }

    /// A user of this account.
    pub fn user(&self, id: u64) -> Option<&UserRec> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The ids of a job's visits, in id (creation) order.
    pub fn visit_ids_of(&self, job_id: u64) -> impl Iterator<Item = u64> + '_ {
        self.job_visits.range((job_id, 0)..=(job_id, u64::MAX)).map(|&(_, v)| v)
    }
}

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Katherine",
    "Linus",
    "Margaret",
    "Niklaus",
    "Radia",
    "Tim",
    "Hedy",
    "Dennis",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Backus",
    "Johnson",
    "Torvalds",
    "Hamilton",
    "Wirth",
    "Perlman",
    "Berners-Lee",
    "Lamarr",
    "Ritchie",
    "Kay",
];
const COMPANY: &[&str] =
    &["Maple Holdings", "Riverside Dental", "Oak Street Bakery", "Northwind Traders", "Cedar Apartments"];
const STREET: &[&str] = &[
    "1 Main St",
    "22 Elm Ave",
    "305 Cedar Rd",
    "48 Birch Ln",
    "7 Willow Way",
    "910 Pine Blvd",
    "63 Aspen Ct",
];
const CITY: &[&str] = &["Calgary", "Edmonton", "Denver", "Austin", "Portland"];
const WORK: &[&str] = &[
    "Spring cleanup",
    "Lawn mowing",
    "Hedge trimming",
    "Panel upgrade",
    "Outlet repair",
    "Irrigation check",
    "Lighting install",
    "Snow removal",
];

/// Seeded timestamps lie in the year before this instant.
fn seed_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default()
}

/// A cheap deterministic mix (splitmix64), so updatedAt is not in id order.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const YEAR_SECS: u64 = 365 * 24 * 3600;

fn stamps(seed: u64) -> (DateTime<Utc>, DateTime<Utc>) {
    let base = seed_epoch() - ChronoDuration::seconds(YEAR_SECS as i64);
    let created = mix(seed) % YEAR_SECS;
    let updated = created + mix(seed ^ 0x5555) % (YEAR_SECS - created).max(1);
    (base + ChronoDuration::seconds(created as i64), base + ChronoDuration::seconds(updated as i64))
}

fn pick(list: &'static [&'static str], seed: u64) -> Text {
    Cow::Borrowed(list[(seed % list.len() as u64) as usize])
}

/// Global id counters, shared by all accounts as Jobber's database ids are.
#[derive(Debug, Default)]
pub struct IdCounters {
    pub client: u64,
    pub property: u64,
    pub job: u64,
    pub quote: u64,
    pub invoice: u64,
    pub visit: u64,
    pub payment: u64,
    pub payout: u64,
    pub user: u64,
}

/// Increments a counter and returns the new id.
pub fn bump(counter: &mut u64) -> u64 {
    *counter += 1;
    *counter
}

impl IdCounters {
    pub fn next(&mut self, kind: RecordKind) -> u64 {
        let c = match kind {
            RecordKind::Client => &mut self.client,
            RecordKind::Property => &mut self.property,
            RecordKind::Job => &mut self.job,
            RecordKind::Quote => &mut self.quote,
            RecordKind::Invoice => &mut self.invoice,
        };
        *c += 1;
        *c
    }
}

/// Status list lengths and the indexes the sandbox moves records to, kept in sync with the
/// GraphQL enums (`graphql::types` tests the indexes against the enum values).
pub const JOB_STATUSES: usize = 9;
pub const QUOTE_STATUSES: usize = 6;
pub const INVOICE_STATUSES: usize = 5;
/// `JobStatusTypeEnum::requires_invoicing`.
pub const JOB_REQUIRES_INVOICING: usize = 0;
/// `JobStatusTypeEnum::archived`.
pub const JOB_ARCHIVED: usize = 1;
/// `QuoteStatusTypeEnum::draft`.
pub const QUOTE_DRAFT: usize = 0;
/// `QuoteStatusTypeEnum::awaiting_response`.
pub const QUOTE_AWAITING_RESPONSE: usize = 1;
/// `QuoteStatusTypeEnum::archived`.
pub const QUOTE_ARCHIVED: usize = 2;
/// `QuoteStatusTypeEnum::approved`.
pub const QUOTE_APPROVED: usize = 3;
/// `QuoteStatusTypeEnum::converted`.
pub const QUOTE_CONVERTED: usize = 4;
/// `InvoiceStatusTypeEnum::awaiting_payment`.
pub const INVOICE_AWAITING_PAYMENT: usize = 1;
/// `InvoiceStatusTypeEnum::paid`.
pub const INVOICE_PAID: usize = 2;

/// The first account's integer id; accounts are numbered consecutively from it.
pub const FIRST_ACCOUNT_ID: u64 = 430_114;
/// The first account owner's integer id; owners are numbered consecutively from it, and users
/// added later continue after the last owner.
pub const FIRST_USER_ID: u64 = 1_077_988;

/// What to seed besides the accounts themselves.
#[derive(Clone, Copy, Debug)]
pub struct SeedPlan {
    pub counts: RecordCounts,
    pub visits_per_job: usize,
}

/// Builds the seeded accounts. Deterministic: same seeds and counts, same data.
pub fn seed(seeds: &[AccountSeed], plan: SeedPlan, ids_out: &mut IdCounters) -> Vec<AccountData> {
    let counts = plan.counts;
    ids_out.user = ids_out.user.max(FIRST_USER_ID - 1 + seeds.len() as u64);
    seeds
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let account_id = FIRST_ACCOUNT_ID + i as u64;
            let mut acc = AccountData {
                id: account_id,
                name: s.name.clone(),
                users: vec![UserRec {
                    id: FIRST_USER_ID + i as u64,
                    first_name: s.user_first_name.clone(),
                    last_name: s.user_last_name.clone(),
                    email: s.user_email.clone(),
                }],
                connected: false,
                created_at: seed_epoch() - ChronoDuration::days(800),
                clients: IdMap::with_capacity(counts.clients),
                properties: IdMap::with_capacity(counts.properties),
                jobs: IdMap::with_capacity(counts.jobs),
                quotes: IdMap::with_capacity(counts.quotes),
                invoices: IdMap::with_capacity(counts.invoices),
                visits: IdMap::with_capacity(visit_count(counts.jobs, plan.visits_per_job)),
                job_visits: BTreeSet::new(),
                payments: IdMap::default(),
                payouts: IdMap::default(),
            };
            let mut client_ids = Vec::with_capacity(counts.clients);
            for n in 0..counts.clients as u64 {
                let id = ids_out.next(RecordKind::Client);
                let r = mix(id);
                let (created_at, updated_at) = stamps(id);
                client_ids.push(id);
                acc.clients.insert(
                    id,
                    ClientRec {
                        id,
                        first_name: pick(FIRST, r),
                        last_name: pick(LAST, r >> 8),
                        company_name: (n % 5 == 4).then(|| pick(COMPANY, r >> 16)),
                        is_lead: n % 7 == 3,
                        is_archived: n % 11 == 5,
                        balance: (r % 50_000) as f64 / 100.0,
                        street: pick(STREET, r >> 24),
                        city: pick(CITY, r >> 32),
                        created_at,
                        updated_at,
                    },
                );
            }
            let mut property_ids: Vec<(u64, u64)> = Vec::with_capacity(counts.properties);
            if !client_ids.is_empty() {
                for n in 0..counts.properties {
                    let id = ids_out.next(RecordKind::Property);
                    let r = mix(id ^ 0xABCD);
                    let client_id = client_ids[n % client_ids.len()];
                    let (_, updated_at) = stamps(id ^ 0x1000_0000);
                    property_ids.push((id, client_id));
                    acc.properties.insert(
                        id,
                        PropertyRec {
                            id,
                            client_id,
                            street: pick(STREET, r),
                            city: pick(CITY, r >> 8),
                            updated_at,
                        },
                    );
                }
            }
            if !property_ids.is_empty() {
                for (kind, count, statuses) in [
                    (RecordKind::Job, counts.jobs, JOB_STATUSES),
                    (RecordKind::Quote, counts.quotes, QUOTE_STATUSES),
                    (RecordKind::Invoice, counts.invoices, INVOICE_STATUSES),
                ] {
                    for n in 0..count {
                        let id = ids_out.next(kind);
                        let salt = (kind as u64 + 2) << 40;
                        let r = mix(id ^ salt);
                        let (property_id, client_id) = property_ids[n % property_ids.len()];
                        let (created_at, updated_at) = stamps(id ^ salt);
                        let mut rec = WorkRec {
                            id,
                            number: n as u64 + 1,
                            title: pick(WORK, r),
                            status: (r >> 8) as usize % statuses,
                            client_id,
                            property_id,
                            subtotal: (r % 200_000) as f64 / 100.0 + 50.0,
                            created_at,
                            updated_at,
                            paid: 0.0,
                            closed_at: None,
                            sent_at: None,
                        };
                        match kind {
                            RecordKind::Job => seed_visits(&mut acc, &rec, plan.visits_per_job, ids_out),
                            RecordKind::Quote if rec.status != QUOTE_DRAFT => {
                                rec.sent_at = Some(created_at + ChronoDuration::hours(1));
                            }
                            RecordKind::Invoice if rec.status == INVOICE_PAID => {
                                // A paid invoice carries the payment that paid it.
                                rec.paid = rec.total();
                                let pid = bump(&mut ids_out.payment);
                                let method = [
                                    PaymentMethod::Cash,
                                    PaymentMethod::Check,
                                    PaymentMethod::JobberPaymentsCard,
                                ][(pid % 3) as usize];
                                acc.payments.insert(
                                    pid,
                                    PaymentRec {
                                        id: pid,
                                        invoice_id: id,
                                        client_id,
                                        amount: rec.paid,
                                        method,
                                        details: None,
                                        entry_date: updated_at,
                                        payout_id: None,
                                    },
                                );
                            }
                            _ => {}
                        }
                        acc.work_mut(kind).insert(id, rec);
                    }
                }
            }
            acc.payments.shrink_to_fit();
            acc
        })
        .collect()
}

/// How many visits `seed_visits` makes for `jobs` jobs (job `n` gets `1 + (n - 1) % per_job`).
fn visit_count(jobs: usize, per_job: usize) -> usize {
    if per_job == 0 {
        return 0;
    }
    let (cycles, rest) = (jobs / per_job, jobs % per_job);
    cycles * per_job * (per_job + 1) / 2 + rest * (rest + 1) / 2
}

/// Seeds a job's visits: a day apart from the job's creation, 09:00 for two hours; done ones
/// (the job needs invoicing or is archived) are completed at their end.
fn seed_visits(acc: &mut AccountData, job: &WorkRec, per_job: usize, ids_out: &mut IdCounters) {
    if per_job == 0 {
        return;
    }
    let count = 1 + (job.number as usize - 1) % per_job;
    let done = matches!(job.status, JOB_REQUIRES_INVOICING | JOB_ARCHIVED);
    let day = job.created_at.date_naive();
    for k in 0..count {
        let id = bump(&mut ids_out.visit);
        let start = (day + ChronoDuration::days(k as i64 + 1))
            .and_hms_opt(9, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(job.created_at);
        let end = start + ChronoDuration::hours(2);
        acc.visits.insert(
            id,
            VisitRec {
                id,
                job_id: job.id,
                title: job.title.clone(),
                default_title: true,
                start_at: Some(start),
                end_at: Some(end),
                completed_at: done.then_some(end),
                created_at: job.created_at,
            },
        );
        acc.job_visits.insert((job.id, id));
    }
}

impl AccountData {
    /// The map for jobs, quotes or invoices.
    ///
    /// # Panics
    /// For clients and properties, which are not `WorkRec`s.
    pub fn work_mut(&mut self, kind: RecordKind) -> &mut IdMap<WorkRec> {
        match kind {
            RecordKind::Job => &mut self.jobs,
            RecordKind::Quote => &mut self.quotes,
            RecordKind::Invoice => &mut self.invoices,
            RecordKind::Client | RecordKind::Property => {
                panic!("{kind:?} is not a work record")
            }
        }
    }
}

/// A range filter on a timestamp (`Iso8601DateTimeRangeInput`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeRange {
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
    pub eq: Option<DateTime<Utc>>,
}

impl TimeRange {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.after.is_none_or(|a| t > a)
            && self.before.is_none_or(|b| t < b)
            && self.eq.is_none_or(|e| t == e)
    }
}

/// Relay paging arguments.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub last: Option<i32>,
    pub after: Option<String>,
    pub before: Option<String>,
}

/// One page of a connection.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: usize,
}

/// Cuts a page out of an already filtered and sorted list. Cursors are 1-based positions in
/// that list, as Jobber's are (`"MQ"` is the first item).
pub fn paginate<T: Clone>(all: &[&T], args: &PageArgs) -> Page<T> {
    let len = all.len();
    let mut start = args.after.as_deref().and_then(ids::decode_cursor).unwrap_or(0).min(len);
    let mut end = args
        .before
        .as_deref()
        .and_then(ids::decode_cursor)
        .map(|p| p.saturating_sub(1))
        .unwrap_or(len)
        .clamp(start, len);
    if let Some(first) = args.first {
        end = end.min(start + first.max(0) as usize);
    }
    if let Some(last) = args.last {
        start = start.max(end.saturating_sub(last.max(0) as usize));
    }
    Page {
        items: (start..end).map(|i| (ids::cursor(i + 1), all[i].clone())).collect(),
        has_next_page: end < len,
        has_previous_page: start > 0,
        total_count: len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_is_deterministic_and_spread_out() {
        let seeds = crate::SandboxConfig::default().accounts;
        let plan = SeedPlan { counts: RecordCounts::uniform(50), visits_per_job: 2 };
        let a = seed(&seeds, plan, &mut IdCounters::default());
        let b = seed(&seeds, plan, &mut IdCounters::default());
        let names = |v: &[AccountData]| -> Vec<String> {
            v[0].clients
                .values()
                .map(|c| format!("{} {} {}", c.first_name, c.last_name, c.updated_at))
                .collect()
        };
        assert_eq!(names(&a), names(&b));
        let mut sorted: Vec<_> = a[0].clients.values().collect();
        sorted.sort_by_key(|c| c.updated_at);
        assert_ne!(sorted[0].id, 1, "updatedAt order differs from id order");
        assert_eq!(a[1].clients.keys().next(), Some(51), "ids are global");
        // Jobs alternate between one and two visits; paid invoices carry their payment.
        let job1 = a[0].jobs.values().next().unwrap();
        assert_eq!(a[0].visit_ids_of(job1.id).count(), 1);
        assert_eq!(a[0].visits.len(), 75);
        assert_eq!(visit_count(50, 2), 75);
        assert_eq!(
            (visit_count(7, 3), visit_count(5, 0), visit_count(4, 1)),
            (1 + 2 + 3 + 1 + 2 + 3 + 1, 0, 4)
        );
        let paid: Vec<_> = a[0].invoices.values().filter(|i| i.status == INVOICE_PAID).collect();
        assert!(!paid.is_empty());
        assert!(paid.iter().all(|i| i.balance() == 0.0));
        assert_eq!(a[0].payments.len(), paid.len());
    }

    #[test]
    fn paginates_with_cursors() {
        let v: Vec<u32> = (1..=5).collect();
        let refs: Vec<&u32> = v.iter().collect();
        let p = paginate(&refs, &PageArgs { first: Some(2), ..Default::default() });
        assert_eq!(p.items.iter().map(|i| i.1).collect::<Vec<_>>(), [1, 2]);
        assert!(p.has_next_page && !p.has_previous_page);
        let p2 = paginate(
            &refs,
            &PageArgs { first: Some(10), after: Some(p.items[1].0.clone()), ..Default::default() },
        );
        assert_eq!(p2.items.iter().map(|i| i.1).collect::<Vec<_>>(), [3, 4, 5]);
        assert!(!p2.has_next_page && p2.has_previous_page);
        let p3 = paginate(&refs, &PageArgs { last: Some(2), ..Default::default() });
        assert_eq!(p3.items.iter().map(|i| i.1).collect::<Vec<_>>(), [4, 5]);
    }
}
