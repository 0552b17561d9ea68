//! A fleet of installs written straight into a migrated database, for the operator console's
//! benchmark (`bench-admin`, issue 15): accounts in every status, their sync state, a webhook
//! inbox with a long settled history, audit entries and judged webhook-health evidence.
//!
//! Rows go through the app's own entities (typed statuses, the app's timestamp encoding) as
//! multi-row `INSERT`s of [`ROWS_PER_STATEMENT`] rows, committed every [`ROWS_PER_COMMIT`]. The
//! data is made from a fixed seed, so two runs (and SQLite and PostgreSQL in one run) hold the
//! same fleet.
//!
//! Seeded so that the server's background work stays idle while it is measured: every sync ran
//! minutes ago (started after the account connected: no first sync is requested), nothing is
//! requested or leased, open webhook events are not due for two hours, and webhook-health evidence
//! is already judged and announced (no catch-up runs). Accounts have no stored tokens: nothing
//! calls Jobber. Disconnected accounts keep no sync state or changes (`DATA_RETENTION_HOURS=0`
//! purges them at disconnect).
//!
//! Must not run while a server holds the SQLite file (seed first, then start it).

use std::collections::{HashMap, HashSet};

use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use chrono::{DateTime, Duration, Utc};
use jobber_app::db::{
    entities::{audit_log, connections, sync_changes, sync_state, webhook_events},
    enums::{
        Actor, AuditKind, ConnectionStatus, DisconnectSource, EventStatus, Lane, Resource, SyncMode,
        SyncProblem, SyncRunState,
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, TransactionTrait,
};

/// Rows per `INSERT` (the widest table has 15 columns: 7,500 bound values, under both
/// databases' limits).
pub const ROWS_PER_STATEMENT: usize = 500;
/// Rows per transaction.
pub const ROWS_PER_COMMIT: usize = 50_000;

/// Webhook events per million that are dead letters (all on a few connected accounts).
const DEAD_PER_MILLION: u64 = 400;
/// Webhook events per million still open (PENDING, or FAILED and retrying), not due yet.
const OPEN_PER_MILLION: u64 = 2_000;

/// How big a fleet to seed.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub accounts: usize,
    pub events: u64,
}

/// What was seeded, for the report and for choosing what to measure.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    pub accounts_by_status: Vec<(ConnectionStatus, usize)>,
    pub sync_state: u64,
    pub events: u64,
    pub dead: u64,
    pub open: u64,
    pub audit: u64,
    pub changes: u64,
    /// The account with dead letters that has the most events: the detail page's worst case
    /// (a timeline, dead letters, the most history).
    pub busiest_troubled: String,
    /// Accounts with at least one dead letter or failed resource sync (NEEDS_REAUTH included).
    pub troubled: usize,
}

/// A fixed, well-mixed 64-bit hash (SplitMix64's finaliser): the fleet's only source of
/// "randomness", so every run seeds the same data.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` in `0..m` from hash `h` with its own salt.
fn pick(h: u64, salt: u64, m: u64) -> u64 {
    mix(h ^ salt.wrapping_mul(0xA24B_AED4_963E_E407)) % m.max(1)
}

const FIRST: [&str; 40] = [
    "Acme",
    "Alpine",
    "Apex",
    "Aspen",
    "Bayside",
    "Blue Ridge",
    "Bluebird",
    "Bright",
    "Cedar",
    "Clearwater",
    "Coastal",
    "Copper",
    "Crystal",
    "Eagle",
    "Evergreen",
    "Fairview",
    "Golden",
    "Granite",
    "Green Valley",
    "Harbor",
    "Heritage",
    "Highland",
    "Ironwood",
    "Keystone",
    "Lakeside",
    "Liberty",
    "Maple",
    "Meadow",
    "Northern",
    "Oak",
    "Pine",
    "Pioneer",
    "Prairie",
    "Redwood",
    "Riverside",
    "Silver",
    "Summit",
    "Sunrise",
    "Timber",
    "Westfield",
];
const TRADES: [&str; 25] = [
    "Lawn Care",
    "Landscaping",
    "Plumbing",
    "Plumbing & Heating",
    "Roofing",
    "Cleaning",
    "Window Cleaning",
    "HVAC",
    "Electric",
    "Painting",
    "Pest Control",
    "Pool Service",
    "Snow Removal",
    "Handyman",
    "Tree Service",
    "Pressure Washing",
    "Carpet Cleaning",
    "Gutter Cleaning",
    "Fencing",
    "Irrigation",
    "Junk Removal",
    "Appliance Repair",
    "Garage Doors",
    "Flooring",
    "Masonry",
];
const SUFFIXES: [&str; 6] = ["", " Co", " LLC", " Inc", " & Sons", " Pros"];
const PEOPLE: [&str; 12] = [
    "Alex Morgan",
    "Sam Rivera",
    "Jordan Lee",
    "Taylor Brooks",
    "Casey Nguyen",
    "Riley Patel",
    "Jamie Chen",
    "Morgan Davis",
    "Drew Wilson",
    "Avery Clark",
    "Quinn Harper",
    "Reese Foster",
];
const TOPICS: [&str; 12] = [
    "CLIENT_UPDATE",
    "CLIENT_CREATE",
    "JOB_UPDATE",
    "JOB_CREATE",
    "VISIT_UPDATE",
    "VISIT_COMPLETE",
    "INVOICE_CREATE",
    "INVOICE_UPDATE",
    "QUOTE_UPDATE",
    "QUOTE_CREATE",
    "PROPERTY_UPDATE",
    "PAYMENT_CREATE",
];

/// The Jobber account id of account `i` (base64 of a global id, as Jobber's are).
pub fn account_id(i: usize) -> String {
    B64.encode(format!("gid://Jobber/Account/{}", 700_000 + i))
}

/// The business name of account `i`: a word list, so searches find a realistic share.
pub fn account_name(i: usize) -> String {
    let h = mix(i as u64 ^ 0x5EED);
    format!(
        "{} {}{}",
        FIRST[pick(h, 1, FIRST.len() as u64) as usize],
        TRADES[pick(h, 2, TRADES.len() as u64) as usize],
        SUFFIXES[pick(h, 3, SUFFIXES.len() as u64) as usize]
    )
}

/// About 85 % CONNECTED, 5 % DEGRADED, 3 % NEEDS_REAUTH, 7 % DISCONNECTED.
pub fn account_status(i: usize) -> ConnectionStatus {
    match pick(mix(i as u64), 4, 100) {
        0..85 => ConnectionStatus::Connected,
        85..90 => ConnectionStatus::Degraded,
        90..93 => ConnectionStatus::NeedsReauth,
        _ => ConnectionStatus::Disconnected,
    }
}

/// Which connected accounts hold the dead letters (about one in 150).
fn holds_dead_letters(i: usize) -> bool {
    account_status(i) == ConnectionStatus::Connected && pick(mix(i as u64), 5, 150) == 0
}

/// The resource whose last run failed, if one did.
fn failed_resource(i: usize) -> Option<(Option<Resource>, SyncProblem)> {
    let h = mix(i as u64);
    let resource = Resource::ALL[pick(h, 6, 5) as usize];
    match account_status(i) {
        // Jobber refuses the tokens: every resource's run fails until the merchant reconnects.
        ConnectionStatus::NeedsReauth => Some((None, SyncProblem::ReconnectRequired)),
        ConnectionStatus::Degraded if pick(h, 7, 2) == 0 => {
            Some((Some(resource), SyncProblem::JobberUnavailable))
        }
        ConnectionStatus::Connected if pick(h, 7, 100) < 3 => Some((
            Some(resource),
            [SyncProblem::JobberUnavailable, SyncProblem::RateLimited, SyncProblem::Unexpected]
                [pick(h, 8, 3) as usize],
        )),
        _ => None,
    }
}

/// Inserts rows made by `make(0..n)` in multi-row statements and batched transactions.
async fn insert_all<A, F>(db: &DatabaseConnection, n: u64, mut make: F) -> Result<u64, DbErr>
where
    A: ActiveModelTrait + Send,
    F: FnMut(u64) -> Vec<A>,
{
    let mut done = 0_u64;
    let mut next = 0_u64;
    while next < n {
        let txn = db.begin().await?;
        let mut in_txn = 0;
        while next < n && in_txn < ROWS_PER_COMMIT {
            let mut rows = Vec::with_capacity(ROWS_PER_STATEMENT);
            while next < n && rows.len() < ROWS_PER_STATEMENT {
                rows.extend(make(next));
                next += 1;
            }
            in_txn += rows.len();
            done += rows.len() as u64;
            <A::Entity as EntityTrait>::insert_many(rows).exec_without_returning(&txn).await?;
        }
        txn.commit().await?;
    }
    Ok(done)
}

/// Seeds `plan` into `db` (migrated, empty), with times relative to `now`.
pub async fn seed(db: &DatabaseConnection, plan: Plan, now: DateTime<Utc>) -> Result<Seeded, DbErr> {
    let n = plan.accounts;
    let mut out = Seeded::default();
    let connected_at = |i: usize| now - Duration::hours(24 + pick(mix(i as u64), 9, 24 * 360) as i64);

    // Accounts.
    insert_all(db, n as u64, |i| {
        let i = i as usize;
        let h = mix(i as u64);
        let status = account_status(i);
        let person = PEOPLE[pick(h, 10, PEOPLE.len() as u64) as usize];
        let since = connected_at(i);
        let disconnected = status == ConnectionStatus::Disconnected;
        let live = status.is_live();
        let (last_error, failures) = match status {
            ConnectionStatus::Degraded => {
                (Some("Jobber was unavailable while refreshing the token; retrying.".to_owned()), 3)
            }
            ConnectionStatus::NeedsReauth => {
                (Some("Jobber refused the refresh token; the merchant must reconnect.".to_owned()), 1)
            }
            _ => (None, 0),
        };
        vec![connections::ActiveModel {
            id: NotSet,
            jobber_account_id: Set(account_id(i)),
            account_name: Set(account_name(i)),
            status: Set(status),
            generation: Set(1),
            connected_at: Set(since),
            disconnected_at: Set(disconnected.then(|| now - Duration::hours(pick(h, 11, 20 * 24) as i64))),
            connected_by_user_id: Set(Some(B64.encode(format!("gid://Jobber/User/{}", 900_000 + i)))),
            connected_by_name: Set(Some(person.to_owned())),
            connected_by_email: Set(Some(format!("{}@example.com", person.to_lowercase().replace(' ', ".")))),
            access_token_ciphertext: Set(None),
            refresh_token_ciphertext: Set(None),
            token_key_id: Set(None),
            token_expires_at: Set(None),
            token_version: Set(0),
            last_refresh_at: Set(live.then(|| now - Duration::minutes(pick(h, 12, 55) as i64))),
            last_error: Set(last_error),
            refresh_failures: Set(failures),
            refresh_not_before: Set(None),
            disconnect_source: Set(disconnected.then(|| {
                [DisconnectSource::Merchant, DisconnectSource::Jobber, DisconnectSource::Operator]
                    [pick(h, 13, 3) as usize]
            })),
            created_at: Set(since),
            updated_at: Set(now - Duration::minutes(pick(h, 14, 600) as i64)),
        }]
    })
    .await?;
    let mut by_status: HashMap<ConnectionStatus, usize> = HashMap::new();
    for i in 0..n {
        *by_status.entry(account_status(i)).or_default() += 1;
    }
    out.accounts_by_status = [
        ConnectionStatus::Connected,
        ConnectionStatus::Degraded,
        ConnectionStatus::NeedsReauth,
        ConnectionStatus::Disconnected,
    ]
    .into_iter()
    .map(|s| (s, by_status.get(&s).copied().unwrap_or(0)))
    .collect();

    // Sync state: five resources per account that is not disconnected.
    let kept: Vec<usize> = (0..n).filter(|i| account_status(*i) != ConnectionStatus::Disconnected).collect();
    out.sync_state = insert_all(db, kept.len() as u64, |k| {
        let i = kept[k as usize];
        let h = mix(i as u64 ^ 0x5_7A7E);
        let failed = failed_resource(i);
        Resource::ALL
            .iter()
            .enumerate()
            .map(|(r, resource)| {
                let finished = now - Duration::seconds(60 + pick(h, 20 + r as u64, 13 * 60) as i64);
                let fails = failed.is_some_and(|(which, _)| which.is_none_or(|w| w == *resource));
                let last_success =
                    if fails { now - Duration::hours(2 + pick(h, 30, 46) as i64) } else { finished };
                sync_state::ActiveModel {
                    id: NotSet,
                    jobber_account_id: Set(account_id(i)),
                    resource: Set(*resource),
                    state: Set(if fails { SyncRunState::Failed } else { SyncRunState::Done }),
                    mode: Set(Some(SyncMode::Incremental)),
                    requested_mode: Set(None),
                    pass: Set(30 + pick(h, 40, 300) as i64),
                    cursor: Set(None),
                    high_water: Set(Some(last_success - Duration::minutes(1))),
                    run_high_water: Set(None),
                    fetched: Set(pick(h, 50 + r as u64, 400) as i64),
                    total: Set(None),
                    page_size: Set(Some(100)),
                    started_at: Set(Some(finished - Duration::seconds(20))),
                    finished_at: Set(Some(finished)),
                    last_success_at: Set(Some(last_success)),
                    last_full_success_at: Set(Some(now - Duration::hours(1 + pick(h, 60, 20) as i64))),
                    error: Set(fails.then(|| "bench: seeded failure".to_owned())),
                    problem: Set(failed.filter(|_| fails).map(|(_, p)| p)),
                    failures: Set(if fails { 3 } else { 0 }),
                    not_before: Set(None),
                    lease_owner: Set(None),
                    lease_until: Set(None),
                    updated_at: Set(finished),
                }
            })
            .collect()
    })
    .await?;

    // Webhook-health evidence: six judged, announced changes each for one live account in ten.
    let judged: Vec<usize> =
        (0..n).filter(|i| account_status(*i).is_live() && pick(mix(*i as u64), 15, 10) == 0).collect();
    out.changes = insert_all(db, judged.len() as u64, |k| {
        let i = judged[k as usize];
        (0..6)
            .map(|c| {
                let changed = now - Duration::minutes(30 + 90 * c);
                sync_changes::ActiveModel {
                    id: NotSet,
                    jobber_account_id: Set(account_id(i)),
                    kind: Set(if c % 2 == 0 { Resource::Clients } else { Resource::Jobs }),
                    jobber_id: Set(B64.encode(format!("gid://Jobber/Client/{}", i * 10 + c as usize))),
                    changed_at: Set(changed),
                    found_at: Set(changed + Duration::minutes(5)),
                    prefetched: Set(false),
                    announced: Set(Some(true)),
                }
            })
            .collect()
    })
    .await?;

    // The inbox: a month of history, busier accounts receiving more (a skewed pick), a few
    // hundred dead letters per million on a few connected accounts, a few open events.
    let all: Vec<usize> = (0..n).collect();
    let live: Vec<usize> = (0..n).filter(|i| account_status(*i).is_live()).collect();
    let mut dead_holders: Vec<usize> = (0..n).filter(|i| holds_dead_letters(*i)).collect();
    if dead_holders.is_empty() {
        dead_holders.extend(live.first().copied());
    }
    let skewed = |list: &[usize], h: u64| -> usize {
        let u = (h >> 11) as f64 / (1_u64 << 53) as f64;
        let rank = ((u * u) * list.len() as f64) as u64;
        // Scatter the busy ranks over the list (a prime stride), so busy accounts are not all
        // early in the alphabet.
        list[((rank * 1_000_003) % list.len().max(1) as u64) as usize]
    };
    let span = Duration::days(29).num_milliseconds() as f64;
    let start = now - Duration::days(29) - Duration::minutes(10);
    let mut per_account: HashMap<usize, u64> = HashMap::new();
    let mut with_dead: HashSet<usize> = HashSet::new();
    let (mut dead, mut open) = (0_u64, 0_u64);
    let events = plan.events;
    out.events = insert_all(db, events, |j| {
        let h = mix(j ^ 0xE7E7);
        let received = start + Duration::milliseconds((j as f64 * span / events.max(1) as f64) as i64);
        let occurred = received - Duration::milliseconds(pick(h, 1, 5_000) as i64);
        let r = pick(h, 2, 1_000_000);
        let (status, account) = if r < DEAD_PER_MILLION {
            (EventStatus::Dead, dead_holders[pick(h, 3, dead_holders.len() as u64) as usize])
        } else if r < DEAD_PER_MILLION + OPEN_PER_MILLION {
            let status = if pick(h, 4, 2) == 0 { EventStatus::Pending } else { EventStatus::Failed };
            (status, skewed(&live, h))
        } else if pick(h, 5, 5) == 0 {
            (EventStatus::Ignored, skewed(&all, h))
        } else {
            (EventStatus::Processed, skewed(&all, h))
        };
        *per_account.entry(account).or_default() += 1;
        let topic = TOPICS[pick(h, 6, TOPICS.len() as u64) as usize];
        let item =
            B64.encode(format!("gid://Jobber/Client/{}", account * 1_000 + pick(h, 7, 1_000) as usize));
        let (attempts, next_attempt, processed, last_error) = match status {
            EventStatus::Dead => (8, received, None, Some("Jobber was unavailable (HTTP 503)".to_owned())),
            EventStatus::Pending => (0, now + Duration::hours(2), None, None),
            EventStatus::Failed => {
                (2, now + Duration::hours(2), None, Some("Jobber was unavailable (HTTP 503)".to_owned()))
            }
            EventStatus::Ignored => {
                (0, received, Some(received), Some("Fieldsync does not sync this kind of data".to_owned()))
            }
            EventStatus::Processed => (1, received, Some(received + Duration::milliseconds(250)), None),
        };
        match status {
            EventStatus::Dead => {
                dead += 1;
                with_dead.insert(account);
            }
            EventStatus::Pending | EventStatus::Failed => open += 1,
            _ => {}
        }
        vec![webhook_events::ActiveModel {
            id: NotSet,
            // As the app writes them: occurredAt (16 hex digits of microseconds) first, then a
            // hash; the sequence number keeps them unique.
            dedupe_key: Set(format!("{:016x}{:016x}{j:016x}", occurred.timestamp_micros() as u64, h)),
            topic: Set(topic.to_owned()),
            app_id: Set("bench-app".to_owned()),
            jobber_account_id: Set(account_id(account)),
            item_id: Set(item),
            occurred_at: Set(occurred),
            received_at: Set(received),
            status: Set(status),
            attempts: Set(attempts),
            next_attempt_at: Set(next_attempt),
            locked_until: Set(None),
            last_error: Set(last_error),
            processed_at: Set(processed),
            lane: Set(Lane::Data),
        }]
    })
    .await?;
    out.dead = dead;
    out.open = open;
    // Without dead letters (a tiny smoke run), the busiest live account.
    let candidates = if with_dead.is_empty() { live.clone() } else { with_dead.iter().copied().collect() };
    out.busiest_troubled = account_id(
        candidates
            .iter()
            .copied()
            .max_by_key(|i| (per_account.get(i).copied().unwrap_or(0), *i))
            .unwrap_or(0),
    );
    out.troubled = (0..n).filter(|i| failed_resource(*i).is_some() || with_dead.contains(i)).count();

    // Audit entries: the connect, a sign-in or two, and what brought the account to its status.
    out.audit = insert_all(db, n as u64, |i| {
        let i = i as usize;
        let h = mix(i as u64 ^ 0xA0D1);
        let status = account_status(i);
        let person = PEOPLE[pick(mix(i as u64), 10, PEOPLE.len() as u64) as usize];
        let since = connected_at(i);
        let entry =
            |at: DateTime<Utc>, kind, actor, actor_name: Option<&str>, detail: &str| audit_log::ActiveModel {
                id: NotSet,
                at: Set(at),
                jobber_account_id: Set(Some(account_id(i))),
                account_name: Set(Some(account_name(i))),
                kind: Set(kind),
                actor: Set(actor),
                actor_name: Set(actor_name.map(str::to_owned)),
                detail: Set(detail.to_owned()),
            };
        let mut rows =
            vec![entry(since, AuditKind::Connected, Actor::Merchant, Some(person), "Connected the app")];
        for s in 0..1 + pick(h, 1, 2) {
            let at = since + Duration::hours(1 + (s as i64 + 1) * pick(h, 2 + s, 200) as i64);
            if at < now {
                rows.push(entry(
                    at,
                    AuditKind::SignedIn,
                    Actor::Merchant,
                    Some(person),
                    "Signed in from Jobber",
                ));
            }
        }
        let recent = now - Duration::minutes(5 + pick(h, 9, 600) as i64);
        match status {
            ConnectionStatus::Degraded => rows.push(entry(
                recent,
                AuditKind::Degraded,
                Actor::System,
                None,
                "Token refresh failing: Jobber unavailable",
            )),
            ConnectionStatus::NeedsReauth => rows.push(entry(
                recent,
                AuditKind::NeedsReauth,
                Actor::Jobber,
                None,
                "Jobber refused the refresh token",
            )),
            ConnectionStatus::Disconnected => {
                rows.push(entry(
                    recent,
                    AuditKind::Disconnected,
                    Actor::Merchant,
                    Some(person),
                    "Disconnected",
                ));
            }
            ConnectionStatus::Connected => {}
        }
        rows
    })
    .await?;
    Ok(out)
}

/// Refreshes the planner's statistics after the bulk load, on PostgreSQL (as autovacuum would
/// within a minute or so). SQLite is left as the app leaves it: the app never runs `ANALYZE`.
pub async fn analyze(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_of_statuses_is_as_planned() {
        let mut counts: HashMap<ConnectionStatus, usize> = HashMap::new();
        for i in 0..10_000 {
            *counts.entry(account_status(i)).or_default() += 1;
        }
        let share = |s| counts[&s] as f64 / 10_000.0;
        assert!((share(ConnectionStatus::Connected) - 0.85).abs() < 0.02);
        assert!((share(ConnectionStatus::Degraded) - 0.05).abs() < 0.01);
        assert!((share(ConnectionStatus::NeedsReauth) - 0.03).abs() < 0.01);
        assert!((share(ConnectionStatus::Disconnected) - 0.07).abs() < 0.01);
    }

    #[test]
    fn names_and_ids_are_stable_and_searchable() {
        assert_eq!(account_id(0), B64.encode("gid://Jobber/Account/700000"));
        assert_eq!(account_name(42), account_name(42));
        let plumbers = (0..10_000).filter(|i| account_name(*i).to_lowercase().contains("plumb")).count();
        assert!((500..1_200).contains(&plumbers), "{plumbers}");
    }
}
