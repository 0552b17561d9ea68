//! Observability for tests that must prove how an app uses Jobber: what became of every access
//! token (issued when, used how often and how recently, answered 401 how often, replaced by
//! which refresh), the log of refresh grants, and the peak number of concurrent GraphQL
//! requests per (account, operation name).
//!
//! Tokens are only ever named by a short SHA-256 fingerprint ([`token_fingerprint`]): the
//! counters are served over HTTP and printed on the dashboard, and must never leak a usable
//! token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

use crate::{Inner, ids, lock};

/// The first 16 hex digits of the token's SHA-256: how the sandbox names a token in stats.
/// Tests compute it from the token they hold to find its [`TokenUsage`].
pub fn token_fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// What happened to one access token. Served in `GET /sandbox/stats` under `tokens`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    /// [`token_fingerprint`] of the access token.
    pub fingerprint: String,
    /// The account's EncodedId.
    pub account_id: String,
    /// The EncodedId of the user the token was issued to.
    pub user_id: String,
    /// The grant that issued it: `authorization_code` or `refresh_token`.
    pub grant: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// For a refresh: the fingerprint of the access token issued with the redeemed refresh
    /// token, i.e. the one this token replaces.
    pub replaces: Option<String>,
    /// When a refresh grant redeemed the refresh token issued with this token; from then on
    /// the app should use the newer token.
    pub superseded_at: Option<DateTime<Utc>>,
    /// The fingerprint of the token that replaced it.
    pub superseded_by: Option<String>,
    /// `POST /api/graphql` requests that carried it, whatever the answer.
    pub uses: u64,
    /// Of those, the ones answered 401 (expired, forced expired, disconnected).
    pub rejected_uses: u64,
    /// The last request that carried it (including rejected ones).
    pub last_used_at: Option<DateTime<Utc>>,
    /// The last request that carried it and was answered 401.
    pub last_rejected_at: Option<DateTime<Utc>>,
}

/// One successful `refresh_token` grant. Served in `GET /sandbox/stats` under `refreshLog`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshLogEntry {
    /// When the grant rotated the tokens (before any `refreshDelayMs`).
    pub at: DateTime<Utc>,
    /// The account's EncodedId.
    pub account_id: String,
    /// The user's EncodedId.
    pub user_id: String,
    /// Fingerprint of the access token issued with the redeemed refresh token.
    pub replaced_access_token: Option<String>,
    /// Fingerprint of the new access token.
    pub new_access_token: String,
}

/// Concurrency seen for one (account, operation name). Served in `GET /sandbox/stats` under
/// `graphqlConcurrency`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationConcurrency {
    /// The account's EncodedId.
    pub account_id: String,
    /// The operation's name (`operationName`, else the document's only operation's name);
    /// `None` for anonymous operations.
    pub operation_name: Option<String>,
    /// Requests in flight now.
    pub in_flight: u32,
    /// The most that were ever in flight at once.
    pub max_in_flight: u32,
    /// Requests seen in total.
    pub requests: u64,
}

/// Per-token bookkeeping, kept beside the token's record.
#[derive(Clone, Debug)]
pub(crate) struct TokenLog {
    pub seq: u64,
    pub fingerprint: String,
    pub grant: &'static str,
    pub issued_at: DateTime<Utc>,
    pub replaces: Option<String>,
    pub superseded_at: Option<DateTime<Utc>>,
    pub superseded_by: Option<String>,
    pub uses: u64,
    pub rejected_uses: u64,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_rejected_at: Option<DateTime<Utc>>,
}

impl TokenLog {
    pub fn new(seq: u64, token: &str, grant: &'static str, replaces: Option<String>) -> Self {
        Self {
            seq,
            fingerprint: token_fingerprint(token),
            grant,
            issued_at: Utc::now(),
            replaces,
            superseded_at: None,
            superseded_by: None,
            uses: 0,
            rejected_uses: 0,
            last_used_at: None,
            last_rejected_at: None,
        }
    }

    pub fn usage(&self, account: u64, user: u64) -> TokenUsage {
        TokenUsage {
            fingerprint: self.fingerprint.clone(),
            account_id: ids::encode("Account", account),
            user_id: ids::encode("User", user),
            grant: self.grant.to_owned(),
            issued_at: self.issued_at,
            replaces: self.replaces.clone(),
            superseded_at: self.superseded_at,
            superseded_by: self.superseded_by.clone(),
            uses: self.uses,
            rejected_uses: self.rejected_uses,
            last_used_at: self.last_used_at,
            last_rejected_at: self.last_rejected_at,
        }
    }
}

#[derive(Default)]
struct Peak {
    current: u32,
    max: u32,
    requests: u64,
}

type OpKey = (u64, Option<String>);

/// In-flight GraphQL requests per (account, operation name).
#[derive(Default)]
pub(crate) struct Concurrency(Mutex<HashMap<OpKey, Peak>>);

impl Concurrency {
    /// Counts a request as in flight until the guard drops (also when the client goes away and
    /// the handler is cancelled).
    pub fn enter(inner: &Arc<Inner>, account: u64, operation: Option<String>) -> InFlight {
        let key = (account, operation);
        {
            let mut map = lock(&inner.concurrency.0);
            let peak = map.entry(key.clone()).or_default();
            peak.current += 1;
            peak.requests += 1;
            peak.max = peak.max.max(peak.current);
        }
        InFlight { inner: inner.clone(), key: Some(key) }
    }

    pub fn snapshot(&self) -> Vec<OperationConcurrency> {
        let map = lock(&self.0);
        let mut out: Vec<OperationConcurrency> = map
            .iter()
            .map(|((account, op), p)| OperationConcurrency {
                account_id: ids::encode("Account", *account),
                operation_name: op.clone(),
                in_flight: p.current,
                max_in_flight: p.max,
                requests: p.requests,
            })
            .collect();
        out.sort_by(|a, b| (&a.account_id, &a.operation_name).cmp(&(&b.account_id, &b.operation_name)));
        out
    }

    pub fn max_in_flight(&self, account: u64, operation: Option<&str>) -> u32 {
        lock(&self.0).get(&(account, operation.map(str::to_owned))).map_or(0, |p| p.max)
    }
}

/// One request in flight; leaving decrements the count.
pub(crate) struct InFlight {
    inner: Arc<Inner>,
    key: Option<OpKey>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(key) = self.key.take()
            && let Some(p) = lock(&self.inner.concurrency.0).get_mut(&key)
        {
            p.current = p.current.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_short_stable_and_not_the_token() {
        let fp = token_fingerprint("secret-token");
        assert_eq!(fp.len(), 16);
        assert_eq!(fp, token_fingerprint("secret-token"));
        assert_ne!(fp, token_fingerprint("secret-token2"));
        // SHA-256("abc") starts with ba7816bf8f01cfea.
        assert_eq!(token_fingerprint("abc"), "ba7816bf8f01cfea");
    }
}
