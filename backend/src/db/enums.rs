//! Typed values of the status-like columns, mapped to their stored spellings.
//!
//! Each enum is the only place its stored strings are written: entities use the enums as field
//! types, and SQL that must spell a value (a partial index's condition, say) gets it from
//! [`StoredValue::sql`]. A stored value no enum knows is an error when read, never a default.

use sea_orm::entity::prelude::*;

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

#[cfg(test)]
pub(crate) mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    /// Every stored spelling of `E` round-trips, is a plain identifier (safe to inline in SQL),
    /// and an unknown spelling is an error.
    pub(crate) fn check<E: ActiveEnum<Value = String> + Iterable + PartialEq + std::fmt::Debug>() {
        for v in E::iter() {
            let s = v.to_value();
            assert!(s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{s}");
            assert_eq!(E::try_from_value(&s).unwrap(), v);
        }
        assert!(E::try_from_value(&"NO_SUCH_VALUE".to_owned()).is_err());
    }

    #[test]
    fn stored_values_round_trip_and_unknown_ones_fail() {
        check::<super::DisconnectSource>();
        check::<super::SyncProblem>();
    }
}
