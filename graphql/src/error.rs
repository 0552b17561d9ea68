//! What can go wrong when calling Jobber's GraphQL API, sorted by what the caller should do.
//!
//! This module owns the classification only (`JobberError` and `is_retryable`). It must not hold
//! tokens or response bodies beyond Jobber's own error messages, so errors are safe to log.

use std::time::Duration;

/// One entry of a GraphQL `errors` array (`message`, `locations`, `path`, `extensions`).
pub type GraphQlError = graphql_client::Error;

/// A failed call to Jobber's GraphQL API.
#[derive(Debug, thiserror::Error)]
pub enum JobberError {
    /// HTTP 401: the access token is expired or invalid (`{"message":"Access token expired"}`).
    /// Refresh the token and try again; if refreshing fails, the merchant must reconnect.
    #[error("Jobber rejected the access token ({message}); refresh it or reconnect Jobber")]
    Unauthorized {
        /// Jobber's message.
        message: String,
    },
    /// The merchant disconnected the app ("User has disconnected this app from their account.
    /// Please delete this token"), whatever the HTTP status. Delete the tokens.
    #[error("the merchant disconnected this app from their Jobber account; reconnect Jobber to continue")]
    Disconnected,
    /// `THROTTLED` in an HTTP 200: the query cost more than the bucket held. `wait` is
    /// `(requestedQueryCost - currentlyAvailable) / restoreRate`.
    #[error("Jobber throttled the query; retry in {wait:?}")]
    Throttled {
        /// How long until the bucket holds the requested cost.
        wait: Duration,
    },
    /// The query's cost is above the bucket's size, so Jobber will never run it: ask for fewer
    /// nodes (`first`) or fewer fields.
    #[error("query cost {requested} exceeds Jobber's maximum of {maximum} points; request smaller pages")]
    QueryTooExpensive {
        /// `requestedQueryCost`.
        requested: f64,
        /// `maximumAvailable`.
        maximum: f64,
    },
    /// HTTP 429: over 2,500 requests in 5 minutes for this app/account pair.
    #[error("Jobber rate limit reached; retry in {retry_after:?}")]
    RateLimited {
        /// `Retry-After`, or a default when Jobber sends none.
        retry_after: Duration,
    },
    /// Jobber or the network failed in a way that may pass: 5xx, timeout, connection error,
    /// "Service temporarily unavailable".
    #[error("Jobber is unavailable: {0}")]
    Transient(String),
    /// The answer carried GraphQL `errors` (a query Jobber refused, a field that no longer exists).
    #[error("Jobber returned GraphQL errors: {}", join(.0))]
    GraphQl(Vec<GraphQlError>),
    /// A mutation answered with `userErrors`.
    #[error("Jobber refused the change: {}", .0.join("; "))]
    UserErrors(Vec<String>),
    /// The answer could not be understood (not JSON, missing `data`, unexpected status).
    #[error("unexpected answer from Jobber: {0}")]
    Decode(String),
}

fn join(errors: &[GraphQlError]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
}

impl JobberError {
    /// Whether the same request may succeed if sent again later, unchanged.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Throttled { .. } | Self::RateLimited { .. } | Self::Transient(_))
    }

    /// How long to wait before retrying, when Jobber said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { wait } => Some(*wait),
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_failures_are_retryable() {
        assert!(JobberError::Transient("503".into()).is_retryable());
        assert!(JobberError::Throttled { wait: Duration::from_secs(1) }.is_retryable());
        assert!(JobberError::RateLimited { retry_after: Duration::from_secs(1) }.is_retryable());
        assert!(!JobberError::Disconnected.is_retryable());
        assert!(!JobberError::Unauthorized { message: "Access token expired".into() }.is_retryable());
        assert!(!JobberError::UserErrors(vec!["no".into()]).is_retryable());
        assert!(!JobberError::QueryTooExpensive { requested: 10_001.0, maximum: 10_000.0 }.is_retryable());
    }
}
