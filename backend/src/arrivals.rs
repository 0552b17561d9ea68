//! OAuth arrivals that need more than "exchange the code": the rate limit on code exchanges per
//! client address, the plausibility check on a code before it is sent to Jobber, and arrivals
//! held for the merchant's confirmation (a browser that is signed in to another account, or that
//! has an OAuth flow of its own pending, is never switched silently).
//!
//! Held arrivals live in this process's memory for [`HOLD_FOR`]: a confirmation must come back to
//! the instance that showed it (with several instances, route `/auth/jobber/*` with sticky
//! sessions, or the merchant simply starts again). Nothing here talks HTTP.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use governor::{DefaultKeyedRateLimiter, Quota};
use rand::RngCore;

use crate::connect::Exchanged;

/// Longest OAuth code accepted. Jobber's format is not documented (its codes are short); this is
/// generous and only keeps junk from being sent on with our client secret.
pub const MAX_CODE_BYTES: usize = 512;

/// How long an arrival waits for the merchant's confirmation.
pub const HOLD_FOR: Duration = Duration::from_secs(600);

/// Most arrivals held at once; past it the oldest are dropped (each holds a token pair).
const MAX_HELD: usize = 1_000;

/// Client addresses remembered by the rate limiter before stale ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// True for a code worth sending to Jobber: 1 to [`MAX_CODE_BYTES`] bytes of the URL-safe set
/// (letters, digits, `-._~`). Nothing stricter: Jobber does not document its format.
pub fn plausible_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_BYTES
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// One arrival waiting for the merchant's "Continue".
struct Held {
    exchanged: Exchanged,
    until: Instant,
}

/// The code-exchange limiter and the arrivals held for confirmation. One per app instance.
pub struct Arrivals {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    held: Mutex<HashMap<String, Held>>,
}

impl Arrivals {
    /// `per_minute` code exchanges per client address, `burst` of them at once.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let one = NonZeroU32::MIN;
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(one))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(one));
        Self { limiter: DefaultKeyedRateLimiter::keyed(quota), held: Mutex::new(HashMap::new()) }
    }

    /// Whether `addr` may exchange one more code now (counts it if so).
    pub fn allow_exchange(&self, addr: IpAddr) -> bool {
        if self.limiter.len() > SWEEP_ABOVE {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(&addr).is_ok()
    }

    /// Holds an exchanged code until the merchant confirms; returns the one-time token that
    /// claims it.
    pub fn hold(&self, exchanged: Exchanged) -> String {
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = B64URL.encode(raw);
        let now = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.retain(|_, h| h.until > now);
        while held.len() >= MAX_HELD {
            let Some(oldest) = held.iter().min_by_key(|(_, h)| h.until).map(|(k, _)| k.clone()) else {
                break;
            };
            held.remove(&oldest);
        }
        held.insert(token.clone(), Held { exchanged, until: now + HOLD_FOR });
        token
    }

    /// The held arrival for `token`, once: a second claim, or one after [`HOLD_FOR`], finds
    /// nothing.
    pub fn take(&self, token: &str) -> Option<Exchanged> {
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.remove(token).filter(|h| h.until > Instant::now()).map(|h| h.exchanged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_for_shape_only() {
        assert!(plausible_code("a1B2-c3._~"));
        assert!(plausible_code(&"a".repeat(MAX_CODE_BYTES)));
        for bad in ["", "a b", "a+b", "a/b", "<script>", "é", "a\0"] {
            assert!(!plausible_code(bad), "{bad:?}");
        }
        assert!(!plausible_code(&"a".repeat(MAX_CODE_BYTES + 1)));
    }

    #[test]
    fn the_limit_is_per_address() {
        let arrivals = Arrivals::new(10, 2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!(arrivals.allow_exchange(a) && arrivals.allow_exchange(a));
        assert!(!arrivals.allow_exchange(a));
        assert!(arrivals.allow_exchange(b));
    }
}
