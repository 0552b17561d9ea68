//! Connections: the Jobber accounts this app is connected to, and their lifecycle state.
//!
//! A connection row is keyed by Jobber's account id and reused on reconnect. Its `generation`
//! changes on every connect and disconnect, which is what kills old browser sessions.

use chrono::Utc;
use sea_orm::EntityTrait;

use crate::{
    api::types::{
        Connection, ConnectionProblem, ConnectionStatus, DisconnectSource, JobberAccount, JobberUser,
        PreviousConnection,
    },
    db::{Db, entities::connections},
};

/// Stored statuses of a live connection: its account is synced and its data webhooks are worked.
pub const LIVE_STATUSES: [&str; 2] = ["CONNECTED", "DEGRADED"];

/// Stored connection status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Connected,
    Degraded,
    NeedsReauth,
    Disconnected,
}

impl Status {
    /// The value stored in `connections.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "CONNECTED",
            Self::Degraded => "DEGRADED",
            Self::NeedsReauth => "NEEDS_REAUTH",
            Self::Disconnected => "DISCONNECTED",
        }
    }

    /// Parses a stored value; unknown values read as `Degraded` (visible, and never "fine").
    pub fn parse(s: &str) -> Self {
        match s {
            "CONNECTED" => Self::Connected,
            "NEEDS_REAUTH" => Self::NeedsReauth,
            "DISCONNECTED" => Self::Disconnected,
            _ => Self::Degraded,
        }
    }
}

fn api_status(status: Status) -> ConnectionStatus {
    match status {
        Status::Connected => ConnectionStatus::Connected,
        Status::Degraded => ConnectionStatus::Degraded,
        Status::NeedsReauth => ConnectionStatus::NeedsReauth,
        Status::Disconnected => ConnectionStatus::Disconnected,
    }
}

impl From<connections::Model> for Connection {
    fn from(m: connections::Model) -> Self {
        let status = Status::parse(&m.status);
        let (problem, retry_at) = match status {
            Status::Degraded => (Some(ConnectionProblem::JobberUnavailable), m.refresh_not_before),
            Status::NeedsReauth => (Some(ConnectionProblem::ReconnectRequired), None),
            Status::Connected | Status::Disconnected => (None, None),
        };
        Connection {
            problem,
            retry_at,
            status: api_status(status),
            account: JobberAccount { id: m.jobber_account_id.into(), name: m.account_name },
            connected_at: m.connected_at,
            connected_by: m.connected_by_user_id.map(|id| JobberUser {
                id: id.into(),
                name: m.connected_by_name,
                email: m.connected_by_email,
            }),
            token_expires_at: m.token_expires_at,
            last_refresh_at: m.last_refresh_at,
            last_error: m.last_error,
        }
    }
}

impl From<connections::Model> for PreviousConnection {
    fn from(m: connections::Model) -> Self {
        let status = Status::parse(&m.status);
        let ended = status == Status::Disconnected;
        PreviousConnection {
            account_name: m.account_name,
            status: api_status(status),
            disconnected_at: m.disconnected_at.filter(|_| ended),
            disconnected_by: m.disconnect_source.filter(|_| ended).map(|s| match s {
                crate::db::enums::DisconnectSource::Merchant => DisconnectSource::Merchant,
                crate::db::enums::DisconnectSource::Jobber => DisconnectSource::Jobber,
                crate::db::enums::DisconnectSource::Operator => DisconnectSource::Operator,
            }),
        }
    }
}

impl Db {
    /// A connection by our id.
    pub async fn find_connection(&self, id: i64) -> Result<Option<connections::Model>, sea_orm::DbErr> {
        connections::Entity::find_by_id(id).one(self.conn()).await
    }

    /// A connection by Jobber's account id.
    pub async fn find_connection_by_account(
        &self,
        jobber_account_id: &str,
    ) -> Result<Option<connections::Model>, sea_orm::DbErr> {
        connections::Entity::find_by_account(self.conn(), jobber_account_id).await
    }
}

/// Now, for timestamps (one place to change if we ever inject a clock).
pub fn now() -> chrono::DateTime<Utc> {
    Utc::now()
}
