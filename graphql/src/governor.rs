//! The cost governor: keeps every Jobber account this process talks to inside Jobber's two rate
//! limits, so that requests wait here (cheaply, on tokio timers) instead of being `THROTTLED` or
//! answered with HTTP 429 there.
//!
//! It owns, per Jobber account id:
//! - a model of Jobber's query-cost leaky bucket (`maximumAvailable`, `currentlyAvailable`,
//!   `restoreRate` from `extensions.cost` on every answer), with the cost of requests in flight
//!   reserved up front so concurrent callers cannot overspend it together;
//! - a sliding window of request start times (Jobber allows 2,500 requests per 300 s per
//!   app/account pair);
//! - an admission queue where High-priority requests go before Normal ones, FIFO within a priority.
//!
//! It must not send requests or know about HTTP: [`crate::client::JobberClient`] asks it for a
//! [`Permit`] before each attempt and reports the cost it learned through [`Permit::settle`].
//!
//! Limits: the model is per process. Several processes sharing one Jobber app/account pair each
//! believe they own the whole bucket; Jobber's `THROTTLED` answers (retried here) then correct them.

use std::collections::{HashMap, VecDeque};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng as _;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::client::{Priority, QueryCost};

/// Tuning for [`CostGovernor`]. `Default` gives Jobber's documented limits.
#[derive(Debug, Clone)]
pub struct GovernorConfig {
    /// Bucket size assumed for an account until its first answer tells the real one (Jobber: 10,000).
    pub assumed_maximum: f64,
    /// Restore rate in points per second assumed until learned (Jobber: 500).
    pub assumed_restore_rate: f64,
    /// Cost assumed for an operation never seen before. Conservative on purpose: a page of 50
    /// nodes with 20 fields costs about 1,000.
    pub default_cost_estimate: f64,
    /// Attempts per [`crate::JobberClient::execute`] call, the first included.
    pub max_attempts: u32,
    /// First retry delay after a transient failure; doubles on every further attempt.
    pub base_backoff: Duration,
    /// Cap on a single retry delay.
    pub max_backoff: Duration,
    /// Requests allowed per account in `request_window` (Jobber: 2,500).
    pub max_requests: usize,
    /// The sliding window of `max_requests` (Jobber: 300 s).
    pub request_window: Duration,
}

impl Default for GovernorConfig {
    fn default() -> Self {
        Self {
            assumed_maximum: 10_000.0,
            assumed_restore_rate: 500.0,
            default_cost_estimate: 1_000.0,
            max_attempts: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_requests: 2_500,
            request_window: Duration::from_secs(300),
        }
    }
}

/// Shared pacing for every caller in the process. Clone it freely: clones share one state.
#[derive(Debug, Clone)]
pub struct CostGovernor {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: GovernorConfig,
    accounts: Mutex<HashMap<String, Arc<Account>>>,
    /// Last `requestedQueryCost` seen per operation name.
    estimates: Mutex<HashMap<String, f64>>,
}

#[derive(Debug)]
struct Account {
    state: Mutex<AccountState>,
    /// Woken on every change that could let a waiter in: admission, settlement, a new waiter.
    changed: Notify,
}

#[derive(Debug)]
struct AccountState {
    bucket: Bucket,
    /// Whether `bucket` comes from Jobber (else it is the assumed default, and only one request
    /// at a time is let through until the first answer tells the truth).
    learned: bool,
    /// Cost reserved by admitted requests whose answer has not been settled yet.
    in_flight: f64,
    /// Start times of admitted requests inside the sliding window, oldest first.
    starts: VecDeque<Instant>,
    /// Nobody is admitted before this (set after an HTTP 429).
    blocked_until: Option<Instant>,
    high: VecDeque<u64>,
    normal: VecDeque<u64>,
    next_ticket: u64,
}

/// Jobber's leaky bucket as last seen, restored linearly since `at`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    maximum: f64,
    available: f64,
    restore_rate: f64,
    at: Instant,
}

impl Bucket {
    fn available_at(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.available + self.restore_rate * elapsed).min(self.maximum)
    }

    /// How long until `cost` points are available (zero if they are now).
    fn wait_for(&self, cost: f64, now: Instant) -> Duration {
        let missing = cost.min(self.maximum) - self.available_at(now);
        if missing <= 0.0 {
            Duration::ZERO
        } else if self.restore_rate > 0.0 {
            // Whole milliseconds, rounded up: never wake a hair before the points are there.
            Duration::from_millis((missing / self.restore_rate * 1_000.0).ceil() as u64)
        } else {
            // A bucket that never refills would be a Jobber bug; poll it slowly rather than hang.
            Duration::from_secs(1)
        }
    }

    fn take(&mut self, cost: f64, now: Instant) {
        self.available = self.available_at(now) - cost;
        self.at = now;
    }
}

/// The right to send one request; reserves its estimated cost until settled or dropped.
#[derive(Debug)]
#[must_use = "settle the permit with the answer's cost"]
pub struct Permit {
    account: Arc<Account>,
    governor: CostGovernor,
    operation: String,
    reserved: f64,
    settled: bool,
}

impl Permit {
    /// The cost this request was admitted with.
    pub fn reserved(&self) -> f64 {
        self.reserved
    }

    /// Records what Jobber said about the bucket after this request (if the answer had
    /// `extensions.cost`) and releases the reservation.
    pub fn settle(mut self, cost: Option<&QueryCost>) {
        self.settled = true;
        let now = Instant::now();
        if let Some(cost) = cost {
            self.governor.lock_estimates().insert(self.operation.clone(), cost.requested_query_cost);
        }
        {
            let mut st = lock(&self.account.state);
            st.in_flight = (st.in_flight - self.reserved).max(0.0);
            if let Some(cost) = cost {
                let ts = &cost.throttle_status;
                // Jobber's figure already counts every request it has answered; the ones still in
                // flight (admitted here, not yet answered) stay reserved on top of it.
                st.learned = true;
                st.bucket = Bucket {
                    maximum: ts.maximum_available,
                    available: ts.currently_available - st.in_flight,
                    restore_rate: ts.restore_rate,
                    at: now,
                };
            }
        }
        self.account.changed.notify_waiters();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.settled {
            // No answer (connection error, timeout, cancelled): the request may have been charged,
            // so the points stay spent in the model; only the in-flight bookkeeping is released.
            let mut st = lock(&self.account.state);
            st.in_flight = (st.in_flight - self.reserved).max(0.0);
            drop(st);
            self.account.changed.notify_waiters();
        }
    }
}

/// Removes a waiter's ticket if its future is dropped before admission.
struct Ticket<'a> {
    account: &'a Account,
    id: u64,
    priority: Priority,
    admitted: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.admitted {
            let mut st = lock(&self.account.state);
            let queue = match self.priority {
                Priority::High => &mut st.high,
                Priority::Normal => &mut st.normal,
            };
            queue.retain(|t| *t != self.id);
            drop(st);
            self.account.changed.notify_waiters();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves consistent numbers behind; keep going.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Default for CostGovernor {
    fn default() -> Self {
        Self::new(GovernorConfig::default())
    }
}

impl CostGovernor {
    /// A governor with its own, empty state.
    pub fn new(config: GovernorConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                accounts: Mutex::new(HashMap::new()),
                estimates: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Its configuration.
    pub fn config(&self) -> &GovernorConfig {
        &self.inner.config
    }

    fn lock_estimates(&self) -> MutexGuard<'_, HashMap<String, f64>> {
        lock(&self.inner.estimates)
    }

    /// The cost the next request of `operation` is assumed to have.
    pub fn estimate(&self, operation: &str) -> f64 {
        self.lock_estimates().get(operation).copied().unwrap_or(self.inner.config.default_cost_estimate)
    }

    /// Declares the expected cost of an operation before it is first seen (for example a large
    /// page size); later answers overwrite it with Jobber's `requestedQueryCost`.
    pub fn set_estimate(&self, operation: &str, cost: f64) {
        self.lock_estimates().insert(operation.to_owned(), cost);
    }

    /// The modelled points available to `account_id` now, after reservations (`None` for an
    /// account never seen).
    pub fn available(&self, account_id: &str) -> Option<f64> {
        let account = lock(&self.inner.accounts).get(account_id).cloned()?;
        let st = lock(&account.state);
        Some(st.bucket.available_at(Instant::now()))
    }

    /// Requests waiting for admission on `account_id` (for metrics and tests).
    pub fn queue_len(&self, account_id: &str) -> usize {
        lock(&self.inner.accounts).get(account_id).map_or(0, |a| {
            let st = lock(&a.state);
            st.high.len() + st.normal.len()
        })
    }

    /// Stops admitting requests for `account_id` for `pause` (after Jobber answered HTTP 429).
    pub fn pause_account(&self, account_id: &str, pause: Duration) {
        let account = self.account(account_id);
        {
            let mut st = lock(&account.state);
            let until = Instant::now() + pause;
            st.blocked_until = Some(st.blocked_until.map_or(until, |b| b.max(until)));
        }
        account.changed.notify_waiters();
    }

    /// The delay before retry number `attempt` (1 = first retry): exponential, capped, with full
    /// jitter so that callers that failed together do not retry together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cfg = &self.inner.config;
        let exp = cfg
            .base_backoff
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(cfg.max_backoff);
        let nanos = u64::try_from(exp.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        // Half fixed, half random: never retry at once, never wait longer than the cap.
        Duration::from_nanos(nanos / 2 + rand::thread_rng().gen_range(0..=nanos / 2))
    }

    fn account(&self, account_id: &str) -> Arc<Account> {
        let cfg = &self.inner.config;
        lock(&self.inner.accounts)
            .entry(account_id.to_owned())
            .or_insert_with(|| {
                Arc::new(Account {
                    state: Mutex::new(AccountState {
                        bucket: Bucket {
                            maximum: cfg.assumed_maximum,
                            available: cfg.assumed_maximum,
                            restore_rate: cfg.assumed_restore_rate,
                            at: Instant::now(),
                        },
                        learned: false,
                        in_flight: 0.0,
                        starts: VecDeque::new(),
                        blocked_until: None,
                        high: VecDeque::new(),
                        normal: VecDeque::new(),
                        next_ticket: 0,
                    }),
                    changed: Notify::new(),
                })
            })
            .clone()
    }

    /// Waits until a request of `operation` may be sent for `account_id`, then reserves its
    /// estimated cost and a slot in the request window.
    pub async fn admit(&self, account_id: &str, operation: &str, priority: Priority) -> Permit {
        let account = self.account(account_id);
        let window = self.inner.config.request_window;
        let max_requests = self.inner.config.max_requests.max(1);

        let mut ticket = {
            let mut st = lock(&account.state);
            let id = st.next_ticket;
            st.next_ticket += 1;
            match priority {
                Priority::High => st.high.push_back(id),
                Priority::Normal => st.normal.push_back(id),
            }
            Ticket { account: &account, id, priority, admitted: false }
        };
        // A new High waiter must make a sleeping Normal head give way.
        account.changed.notify_waiters();

        loop {
            // Register for wake-ups before looking at the state, so no change is missed.
            let mut changed = pin!(account.changed.notified());
            changed.as_mut().enable();
            // Re-read every turn: an answer that arrived meanwhile may have taught the real cost.
            let cost = self.estimate(operation);

            let wait = {
                let mut st = lock(&account.state);
                let head = st.high.front().or(st.normal.front()).copied();
                if head != Some(ticket.id) || (!st.learned && st.in_flight > 0.0) {
                    None
                } else {
                    let now = Instant::now();
                    while st.starts.front().is_some_and(|t| now.saturating_duration_since(*t) >= window) {
                        st.starts.pop_front();
                    }
                    let blocked =
                        st.blocked_until.map_or(Duration::ZERO, |b| b.saturating_duration_since(now));
                    let window_wait = if st.starts.len() >= max_requests {
                        st.starts
                            .front()
                            .map_or(Duration::ZERO, |t| (*t + window).saturating_duration_since(now))
                    } else {
                        Duration::ZERO
                    };
                    let bucket_wait = st.bucket.wait_for(cost, now);
                    let wait = blocked.max(window_wait).max(bucket_wait);
                    if wait.is_zero() {
                        let reserved = cost.min(st.bucket.maximum);
                        st.bucket.take(reserved, now);
                        st.in_flight += reserved;
                        st.starts.push_back(now);
                        match priority {
                            Priority::High => st.high.pop_front(),
                            Priority::Normal => st.normal.pop_front(),
                        };
                        drop(st);
                        ticket.admitted = true;
                        account.changed.notify_waiters();
                        return Permit {
                            account: account.clone(),
                            governor: self.clone(),
                            operation: operation.to_owned(),
                            reserved,
                            settled: false,
                        };
                    }
                    Some(wait)
                }
            };
            match wait {
                None => changed.await,
                Some(wait) => {
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ThrottleStatus;

    fn cost(requested: f64, available: f64, max: f64, rate: f64) -> QueryCost {
        QueryCost {
            requested_query_cost: requested,
            actual_query_cost: requested,
            throttle_status: ThrottleStatus {
                maximum_available: max,
                currently_available: available,
                restore_rate: rate,
            },
        }
    }

    #[tokio::test(start_paused = true)]
    async fn waits_for_the_bucket_to_refill() {
        let gov = CostGovernor::default();
        let p = gov.admit("acct", "Clients", Priority::Normal).await;
        // Jobber says: this query cost 100, 100 points left, 10 points per second.
        p.settle(Some(&cost(100.0, 100.0, 1_000.0, 10.0)));
        assert_eq!(gov.estimate("Clients"), 100.0);

        let start = Instant::now();
        let p = gov.admit("acct", "Clients", Priority::Normal).await;
        assert_eq!(start.elapsed(), Duration::ZERO, "100 available, 100 needed");
        drop(p);
        // The bucket is now empty: 100 points at 10/s is 10 s.
        let start = Instant::now();
        let _p = gov.admit("acct", "Clients", Priority::Normal).await;
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(10) && waited < Duration::from_millis(10_100), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unknown_bucket_lets_one_request_through_at_a_time() {
        let gov = CostGovernor::default();
        let first = gov.admit("a", "Q", Priority::Normal).await;
        let second = tokio::spawn({
            let gov = gov.clone();
            async move { gov.admit("a", "Q", Priority::Normal).await.reserved() }
        });
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert!(!second.is_finished(), "waits for the first answer");
        first.settle(Some(&cost(100.0, 5_000.0, 10_000.0, 500.0)));
        assert_eq!(second.await.unwrap(), 100.0, "then uses the learned estimate");
    }

    #[tokio::test(start_paused = true)]
    async fn refill_is_capped_at_the_maximum() {
        let gov = CostGovernor::default();
        gov.admit("a", "Q", Priority::Normal).await.settle(Some(&cost(50.0, 0.0, 200.0, 100.0)));
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(gov.available("a"), Some(200.0));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_reserve_before_sending() {
        let gov = CostGovernor::default();
        gov.admit("a", "Q", Priority::Normal).await.settle(Some(&cost(100.0, 300.0, 1_000.0, 100.0)));
        // Three requests of 100 fit in 300 at once; the fourth must wait one second.
        let start = Instant::now();
        let mut permits = Vec::new();
        for _ in 0..3 {
            permits.push(gov.admit("a", "Q", Priority::Normal).await);
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        let _fourth = gov.admit("a", "Q", Priority::Normal).await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        // Settling one answer keeps the others' reservations on top of Jobber's figure.
        permits.pop().unwrap().settle(Some(&cost(100.0, 500.0, 1_000.0, 100.0)));
        assert_eq!(gov.available("a"), Some(500.0 - 300.0));
    }

    #[tokio::test(start_paused = true)]
    async fn accounts_do_not_share_a_bucket() {
        let gov = CostGovernor::default();
        gov.admit("a", "Q", Priority::Normal).await.settle(Some(&cost(500.0, 0.0, 1_000.0, 1.0)));
        let start = Instant::now();
        let _b = gov.admit("b", "Q", Priority::Normal).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn pause_blocks_admission() {
        let gov = CostGovernor::default();
        gov.pause_account("a", Duration::from_secs(30));
        let start = Instant::now();
        let _p = gov.admit("a", "Q", Priority::High).await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let gov = CostGovernor::new(GovernorConfig {
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(8),
            ..GovernorConfig::default()
        });
        for _ in 0..50 {
            let first = gov.backoff(1);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
            let fourth = gov.backoff(4);
            assert!(fourth >= Duration::from_secs(4) && fourth <= Duration::from_secs(8));
            assert!(gov.backoff(30) <= Duration::from_secs(8));
        }
    }
}
