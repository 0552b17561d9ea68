//! Connections: the Jobber accounts this app is connected to, and their lifecycle state.
//!
//! A connection row is keyed by Jobber's account id and reused on reconnect. Its `generation`
//! changes on every connect and disconnect, which is what kills old browser sessions.

use chrono::Utc;
use sea_orm::EntityTrait;

use crate::{
    api::types::{Connection, ConnectionStatus, JobberAccount, JobberUser},
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

impl From<connections::Model> for Connection {
    fn from(m: connections::Model) -> Self {
        Connection {
            status: match Status::parse(&m.status) {
                Status::Connected => ConnectionStatus::Connected,
                Status::Degraded => ConnectionStatus::Degraded,
                Status::NeedsReauth => ConnectionStatus::NeedsReauth,
                Status::Disconnected => ConnectionStatus::Disconnected,
            },
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
