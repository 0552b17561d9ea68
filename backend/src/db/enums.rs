//! Typed values of the status-like columns, mapped to their stored spellings.
//!
//! Each enum is the only place its stored strings are written: entities use the enums as field
//! types, and SQL that must spell a value (a partial index's condition, say) gets it from
//! [`StoredValue::sql`]. A stored value no enum knows is an error when read, never a default.

use sea_orm::entity::prelude::*;

/// Lets tests and logs compare a stored value with its spelling (`row.status == "CONNECTED"`).
macro_rules! eq_spelling {
    ($($t:ty),*) => {$(
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.to_value() == *other
            }
        }
    )*};
}

/// A value stored as text, for SQL that has to spell it (e.g. to match a partial index).
pub trait StoredValue: ActiveEnum<Value = String> + Copy {
    /// The stored spelling.
    fn stored(self) -> String {
        self.to_value()
    }

    /// The stored spelling as a SQL string literal. Our values are fixed identifiers (no quotes),
    /// checked by a unit test, so quoting them cannot inject anything.
    fn sql(self) -> String {
        format!("'{}'", self.stored())
    }

    /// A comma-separated list of literals, for `IN (…)`.
    fn sql_list(values: &[Self]) -> String {
        values.iter().map(|v| v.sql()).collect::<Vec<_>>().join(", ")
    }
}

impl<T: ActiveEnum<Value = String> + Copy> StoredValue for T {}

/// A connection's health (`connections.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ConnectionStatus {
    /// Tokens are valid; everything works.
    #[sea_orm(string_value = "CONNECTED")]
    Connected,
    /// Jobber is failing transiently; tokens are kept and the app retries.
    #[sea_orm(string_value = "DEGRADED")]
    Degraded,
    /// Jobber no longer accepts the tokens (wiped): the merchant must reconnect.
    #[sea_orm(string_value = "NEEDS_REAUTH")]
    NeedsReauth,
    /// The app was disconnected from the account.
    #[sea_orm(string_value = "DISCONNECTED")]
    Disconnected,
}

impl ConnectionStatus {
    /// The statuses of a live connection: its account is synced and its data webhooks are worked.
    pub const LIVE: [Self; 2] = [Self::Connected, Self::Degraded];

    /// Whether the connection is live (see [`Self::LIVE`]).
    pub fn is_live(self) -> bool {
        Self::LIVE.contains(&self)
    }
}

/// A synced kind of Jobber data (`sync_state.resource`, `sync_records.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Resource {
    #[sea_orm(string_value = "CLIENT")]
    Clients,
    #[sea_orm(string_value = "PROPERTY")]
    Properties,
    #[sea_orm(string_value = "JOB")]
    Jobs,
    #[sea_orm(string_value = "QUOTE")]
    Quotes,
    #[sea_orm(string_value = "INVOICE")]
    Invoices,
}

/// Where a resource's sync stands (`sync_state.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SyncRunState {
    /// Never run.
    #[sea_orm(string_value = "IDLE")]
    Idle,
    /// A run holds the row (with a lease).
    #[sea_orm(string_value = "RUNNING")]
    Running,
    /// The last run finished.
    #[sea_orm(string_value = "DONE")]
    Done,
    /// The last run failed.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// Full pass (everything, then mark-and-sweep) or incremental (only what changed)
/// (`sync_state.mode`, `sync_state.requested_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SyncMode {
    #[sea_orm(string_value = "FULL")]
    Full,
    #[sea_orm(string_value = "INCREMENTAL")]
    Incremental,
}

/// Processing state of an inbox row (`webhook_events.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EventStatus {
    /// Waiting for a worker (or for its retry time).
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Applied.
    #[sea_orm(string_value = "PROCESSED")]
    Processed,
    /// Recorded, nothing to do (the reason is in `last_error`).
    #[sea_orm(string_value = "IGNORED")]
    Ignored,
    /// Failed at least once; retried.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// Failed too often: parked until redriven.
    #[sea_orm(string_value = "DEAD")]
    Dead,
}

impl EventStatus {
    /// Still to be worked: the condition of the partial index `idx_webhook_events_due`.
    pub const OPEN: [Self; 2] = [Self::Pending, Self::Failed];
    /// Done with: kept as dedupe memory and activity until retention removes them.
    pub const SETTLED: [Self; 2] = [Self::Processed, Self::Ignored];
}

/// Which consumer works an inbox row (`webhook_events.lane`), fixed at insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Lane {
    /// `APP_CONNECT`, `APP_DISCONNECT`: the lifecycle worker.
    #[sea_orm(string_value = "lifecycle")]
    Lifecycle,
    /// Item changes: the sync consumer (unknown topics are stored already settled).
    #[sea_orm(string_value = "data")]
    Data,
}

/// Who ended a connection (`connections.disconnect_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum DisconnectSource {
    /// The merchant pressed Disconnect in this app.
    #[sea_orm(string_value = "MERCHANT")]
    Merchant,
    /// Jobber: `APP_DISCONNECT` (the Marketplace's Disconnect button, churn, …).
    #[sea_orm(string_value = "JOBBER")]
    Jobber,
    /// An operator, from the console or the CLI.
    #[sea_orm(string_value = "OPERATOR")]
    Operator,
}

/// Why a resource's last sync attempt failed (`sync_state.problem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SyncProblem {
    /// Jobber's rate limits (HTTP 429, `THROTTLED`); retried.
    #[sea_orm(string_value = "RATE_LIMITED")]
    RateLimited,
    /// Jobber is down or answering errors; retried.
    #[sea_orm(string_value = "JOBBER_UNAVAILABLE")]
    JobberUnavailable,
    /// Something unexpected on our side; retried.
    #[sea_orm(string_value = "UNEXPECTED")]
    Unexpected,
    /// The connection no longer works: nothing is retried until the merchant reconnects.
    #[sea_orm(string_value = "RECONNECT_REQUIRED")]
    ReconnectRequired,
}

/// What an audit entry records (`audit_log.kind`). The admin API's `AuditKind` spells the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AuditKind {
    /// First connection of an account.
    #[sea_orm(string_value = "CONNECTED")]
    Connected,
    /// An account whose connection had ended or stopped working connected again.
    #[sea_orm(string_value = "RECONNECTED")]
    Reconnected,
    /// A merchant signed in to a live connection (Manage App button, "Sign in"): tokens untouched.
    #[sea_orm(string_value = "SIGNED_IN")]
    SignedIn,
    /// Refreshing the tokens started failing (Jobber unreachable): DEGRADED.
    #[sea_orm(string_value = "DEGRADED")]
    Degraded,
    /// Jobber refused the tokens: NEEDS_REAUTH until the merchant reconnects.
    #[sea_orm(string_value = "NEEDS_REAUTH")]
    NeedsReauth,
    /// A refresh succeeded again after DEGRADED.
    #[sea_orm(string_value = "RECOVERED")]
    Recovered,
    /// The connection ended (the actor says by whom).
    #[sea_orm(string_value = "DISCONNECTED")]
    Disconnected,
    /// Stored tokens were re-encrypted under another key.
    #[sea_orm(string_value = "KEYS_ROTATED")]
    KeysRotated,
    /// Dead-lettered webhook events were queued again.
    #[sea_orm(string_value = "REDRIVEN")]
    Redriven,
    /// An operator asked for a sync (incremental or full).
    #[sea_orm(string_value = "SYNC_REQUESTED")]
    SyncRequested,
}

/// Who or what caused an audited change (`audit_log.actor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Actor {
    /// A merchant's Jobber user, through the app (connect, sign-in, our Disconnect button).
    #[sea_orm(string_value = "MERCHANT")]
    Merchant,
    /// Jobber itself (`APP_DISCONNECT`, a refused refresh token, a "disconnected" answer).
    #[sea_orm(string_value = "JOBBER")]
    Jobber,
    /// An operator: the console, the admin API or the command line.
    #[sea_orm(string_value = "OPERATOR")]
    Operator,
    /// The app on its own (a token refresh failing or recovering).
    #[sea_orm(string_value = "SYSTEM")]
    System,
}

#[cfg(test)]
pub(crate) mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    /// Every stored spelling of `E` round-trips, is a plain identifier (safe to inline in SQL),
    /// and an unknown spelling is an error.
    pub(crate) fn check<E: ActiveEnum<Value = String> + Iterable + PartialEq + std::fmt::Debug>() {
        for v in E::iter() {
            let s = v.to_value();
            assert!(!s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{s}");
            assert_eq!(E::try_from_value(&s).unwrap(), v);
        }
        assert!(E::try_from_value(&"NO_SUCH_VALUE".to_owned()).is_err());
    }

    #[test]
    fn stored_values_round_trip_and_unknown_ones_fail() {
        use super::*;
        check::<ConnectionStatus>();
        check::<Resource>();
        check::<SyncRunState>();
        check::<SyncMode>();
        check::<EventStatus>();
        check::<Lane>();
        check::<DisconnectSource>();
        check::<SyncProblem>();
        check::<AuditKind>();
        check::<Actor>();
    }
}

#[cfg(test)]
mod sql_tests {
    use super::*;

    #[test]
    fn sql_lists_match_the_partial_indexes() {
        // The migrations' partial indexes spell these conditions; SQLite uses a partial index
        // only when a query repeats its terms word for word.
        assert_eq!(EventStatus::sql_list(&EventStatus::OPEN), "'PENDING', 'FAILED'");
        assert_eq!(EventStatus::Dead.sql(), "'DEAD'");
        assert_eq!(ConnectionStatus::sql_list(&ConnectionStatus::LIVE), "'CONNECTED', 'DEGRADED'");
    }
}

eq_spelling!(
    ConnectionStatus,
    Resource,
    SyncRunState,
    SyncMode,
    EventStatus,
    Lane,
    DisconnectSource,
    SyncProblem,
    AuditKind,
    Actor
);
