//! In-memory Jobber data: accounts, their users and records, deterministic seeding, and the
//! filter/sort/page logic behind every connection. Knows nothing of HTTP, tokens or GraphQL.
//!
//! Seeding must stay cheap (20,000 records per kind per account in well under a second), so
//! names are `&'static str` picked from small word lists and only edits allocate.

use std::borrow::Cow;
use std::collections::BTreeMap;

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
impl_record!(ClientRec, PropertyRec, WorkRec);

/// An account's admin user.
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
    pub user: UserRec,
    pub connected: bool,
    pub created_at: DateTime<Utc>,
    pub clients: BTreeMap<u64, ClientRec>,
    pub properties: BTreeMap<u64, PropertyRec>,
    pub jobs: BTreeMap<u64, WorkRec>,
    pub quotes: BTreeMap<u64, WorkRec>,
    pub invoices: BTreeMap<u64, WorkRec>,
}

impl AccountData {
    /// The account's EncodedId.
    pub fn encoded_id(&self) -> String {
        ids::encode("Account", self.id)
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

/// Status list lengths, kept in sync with the GraphQL enums.
pub const JOB_STATUSES: usize = 9;
pub const QUOTE_STATUSES: usize = 6;
pub const INVOICE_STATUSES: usize = 5;

/// Builds the seeded accounts. Deterministic: same seeds and counts, same data.
pub fn seed(seeds: &[AccountSeed], counts: RecordCounts, ids_out: &mut IdCounters) -> Vec<AccountData> {
    seeds
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let account_id = 430_114 + i as u64;
            let mut acc = AccountData {
                id: account_id,
                name: s.name.clone(),
                user: UserRec {
                    id: 1_077_988 + i as u64,
                    first_name: s.user_first_name.clone(),
                    last_name: s.user_last_name.clone(),
                    email: s.user_email.clone(),
                },
                connected: false,
                created_at: seed_epoch() - ChronoDuration::days(800),
                clients: BTreeMap::new(),
                properties: BTreeMap::new(),
                jobs: BTreeMap::new(),
                quotes: BTreeMap::new(),
                invoices: BTreeMap::new(),
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
                        let rec = WorkRec {
                            id,
                            number: n as u64 + 1,
                            title: pick(WORK, r),
                            status: (r >> 8) as usize % statuses,
                            client_id,
                            property_id,
                            subtotal: (r % 200_000) as f64 / 100.0 + 50.0,
                            created_at,
                            updated_at,
                        };
                        acc.work_mut(kind).insert(id, rec);
                    }
                }
            }
            acc
        })
        .collect()
}

impl AccountData {
    /// The map for jobs, quotes or invoices.
    ///
    /// # Panics
    /// For clients and properties, which are not `WorkRec`s.
    pub fn work_mut(&mut self, kind: RecordKind) -> &mut BTreeMap<u64, WorkRec> {
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
        let a = seed(&seeds, RecordCounts::uniform(50), &mut IdCounters::default());
        let b = seed(&seeds, RecordCounts::uniform(50), &mut IdCounters::default());
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
        assert_eq!(a[1].clients.keys().next(), Some(&51), "ids are global");
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
