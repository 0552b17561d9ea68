//! Fault injection: latency, GraphQL 5xx, forced THROTTLED and 429, token endpoint failures, a
//! delayed answer to refresh grants, and webhook drop/duplicate/reorder. Counts ("the next N") are exact; the one probability (the
//! GraphQL error rate) draws from an RNG seeded from `seed`, so runs repeat.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::Inner;
use crate::webhooks::DeliveryFault;

/// The faults in force. `PUT /sandbox/faults` takes this as camelCase JSON; missing fields
/// mean "no fault".
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Added to every `/api/oauth/token` and `/api/graphql` answer.
    pub latency_ms: u64,
    /// Probability in [0, 1] that a GraphQL request gets a 503.
    pub graphql_error_rate: f64,
    /// Seed for `graphql_error_rate`'s draws.
    pub seed: u64,
    /// The next N GraphQL requests get a 503 "Service temporarily unavailable".
    pub graphql_5xx_next: u32,
    /// The next N GraphQL requests are THROTTLED whatever the bucket holds.
    pub throttle_next: u32,
    /// The next N GraphQL requests get HTTP 429.
    pub rate_limit_next: u32,
    /// The next N token requests get a 503.
    pub token_5xx_next: u32,
    /// A `refresh_token` grant rotates at once (the redeemed refresh token dies and the new
    /// pair is live) and only then waits this long before answering, so an app that stops
    /// waiting (shut down mid-refresh) never learns the new pair.
    pub refresh_delay_ms: u64,
    /// The next N webhook events are never delivered.
    pub webhook_drop_next: u32,
    /// The next N webhook events are delivered twice.
    pub webhook_duplicate_next: u32,
    /// The next N webhook events are held back and delivered after the event that follows.
    pub webhook_reorder_next: u32,
    /// Every GraphQL answer carries this warning in `extensions.versioning` (Jobber's notice that
    /// the requested API version nears or passed its end of support).
    pub version_warning: Option<String>,
}

pub(crate) struct FaultStore {
    faults: Mutex<Faults>,
    rng: Mutex<StdRng>,
}

fn take(n: &mut u32) -> bool {
    if *n > 0 {
        *n -= 1;
        true
    } else {
        false
    }
}

impl FaultStore {
    pub fn new() -> Self {
        Self { faults: Mutex::new(Faults::default()), rng: Mutex::new(StdRng::seed_from_u64(0)) }
    }

    pub fn get(&self) -> Faults {
        crate::lock(&self.faults).clone()
    }

    pub fn set(&self, faults: Faults) {
        *crate::lock(&self.rng) = StdRng::seed_from_u64(faults.seed);
        *crate::lock(&self.faults) = faults;
    }

    pub fn update(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut crate::lock(&self.faults));
    }

    pub fn version_warning(&self) -> Option<String> {
        crate::lock(&self.faults).version_warning.clone()
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(crate::lock(&self.faults).latency_ms)
    }

    pub fn take_graphql_5xx(&self) -> bool {
        let mut f = crate::lock(&self.faults);
        if take(&mut f.graphql_5xx_next) {
            return true;
        }
        let rate = f.graphql_error_rate;
        drop(f);
        rate > 0.0 && crate::lock(&self.rng).gen_bool(rate.clamp(0.0, 1.0))
    }

    pub fn take_throttle(&self) -> bool {
        take(&mut crate::lock(&self.faults).throttle_next)
    }

    pub fn take_rate_limit(&self) -> bool {
        take(&mut crate::lock(&self.faults).rate_limit_next)
    }

    pub fn refresh_delay(&self) -> Duration {
        Duration::from_millis(crate::lock(&self.faults).refresh_delay_ms)
    }

    pub fn take_token_5xx(&self) -> bool {
        take(&mut crate::lock(&self.faults).token_5xx_next)
    }

    pub fn take_webhook_fault(&self) -> DeliveryFault {
        let mut f = crate::lock(&self.faults);
        if take(&mut f.webhook_drop_next) {
            DeliveryFault::Drop
        } else if take(&mut f.webhook_duplicate_next) {
            DeliveryFault::Duplicate
        } else if take(&mut f.webhook_reorder_next) {
            DeliveryFault::Reorder
        } else {
            DeliveryFault::None
        }
    }
}

/// Sets and clears faults on a running sandbox. Cheap to clone.
#[derive(Clone)]
pub struct FaultHandle(pub(crate) Arc<Inner>);

impl FaultHandle {
    /// The faults in force.
    pub fn get(&self) -> Faults {
        self.0.faults.get()
    }

    /// Replaces all faults (and reseeds the error-rate RNG).
    pub fn set(&self, faults: Faults) {
        self.0.faults.set(faults);
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.set(Faults::default());
    }

    /// Adds `latency` to every token and GraphQL answer.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.0.faults.update(|f| f.latency_ms = ms);
    }

    /// The next `n` GraphQL requests fail with 503.
    pub fn fail_graphql_next(&self, n: u32) {
        self.0.faults.update(|f| f.graphql_5xx_next = n);
    }

    /// GraphQL requests fail with 503 at `rate`, drawn from an RNG seeded with `seed`.
    pub fn set_graphql_error_rate(&self, rate: f64, seed: u64) {
        *crate::lock(&self.0.faults.rng) = StdRng::seed_from_u64(seed);
        self.0.faults.update(|f| {
            f.graphql_error_rate = rate;
            f.seed = seed;
        });
    }

    /// The next `n` GraphQL requests are THROTTLED.
    pub fn throttle_next(&self, n: u32) {
        self.0.faults.update(|f| f.throttle_next = n);
    }

    /// The next `n` GraphQL requests get HTTP 429.
    pub fn rate_limit_next(&self, n: u32) {
        self.0.faults.update(|f| f.rate_limit_next = n);
    }

    /// The next `n` token requests fail with 503.
    pub fn fail_token_next(&self, n: u32) {
        self.0.faults.update(|f| f.token_5xx_next = n);
    }

    /// Refresh grants rotate at once and answer only after `delay` (see
    /// [`Faults::refresh_delay_ms`]).
    pub fn set_refresh_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.0.faults.update(|f| f.refresh_delay_ms = ms);
    }

    /// Every GraphQL answer carries `warning` in `extensions.versioning` (`None`: no warning).
    pub fn set_version_warning(&self, warning: Option<&str>) {
        self.0.faults.update(|f| f.version_warning = warning.map(str::to_owned));
    }

    /// The next `n` webhook events are dropped.
    pub fn drop_webhooks_next(&self, n: u32) {
        self.0.faults.update(|f| f.webhook_drop_next = n);
    }

    /// The next `n` webhook events are delivered twice.
    pub fn duplicate_webhooks_next(&self, n: u32) {
        self.0.faults.update(|f| f.webhook_duplicate_next = n);
    }

    /// The next `n` webhook events are delivered after the event that follows each.
    pub fn reorder_webhooks_next(&self, n: u32) {
        self.0.faults.update(|f| f.webhook_reorder_next = n);
    }
}
