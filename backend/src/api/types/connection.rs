use async_graphql::{ComplexObject, Context, Enum, SimpleObject};

use crate::db::{entities::connections, enums as db};
use chrono::{DateTime, Utc};

/// A merchant's connection between Jobber and this app, as the signed-in browser session sees it.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
#[graphql(complex)]
pub struct Connection {
    /// Health of the connection.
    pub status: ConnectionStatus,
    /// The connected Jobber account.
    pub account: JobberAccount,
    /// When the account was (last) connected.
    pub connected_at: DateTime<Utc>,
    /// The Jobber user who connected the app.
    pub connected_by: Option<JobberUser>,
    /// When the current access token expires.
    pub token_expires_at: Option<DateTime<Utc>>,
    /// When the tokens were last refreshed.
    pub last_refresh_at: Option<DateTime<Utc>>,
    /// A safe, human-readable description of the last problem talking to Jobber (never a token);
    /// developer text, for support: merchant-facing pages show `problem`.
    pub last_error: Option<String>,
    /// What is wrong right now, typed so a page can say it in the merchant's words and offer the
    /// fix; null when nothing is.
    pub problem: Option<ConnectionProblem>,
    /// When the app next tries Jobber again after a transient failure (`DEGRADED`); null otherwise.
    pub retry_at: Option<DateTime<Utc>>,
}

/// What is wrong with a connection.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConnectionProblem {
    /// Jobber is failing for now (outage, throttling): nothing for the merchant to do; the app
    /// retries at `retryAt`.
    JobberUnavailable,
    /// Jobber no longer accepts this connection (token revoked, app disconnected in Jobber): the
    /// merchant must reconnect (`/auth/jobber`).
    ReconnectRequired,
}

/// For a browser without a live session: the connection it was last signed in to.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct PreviousConnection {
    /// The Jobber account's business name.
    pub account_name: String,
    /// The connection's status now: CONNECTED, DEGRADED or NEEDS_REAUTH mean the app is still
    /// installed (sign in through Jobber); DISCONNECTED means it ended.
    pub status: ConnectionStatus,
    /// When it ended (DISCONNECTED only).
    pub disconnected_at: Option<DateTime<Utc>>,
    /// Who ended it (DISCONNECTED only).
    pub disconnected_by: Option<DisconnectSource>,
}

/// Who ended a connection.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DisconnectSource {
    /// The merchant pressed Disconnect in this app.
    Merchant,
    /// Jobber: the Marketplace's Disconnect button, or Jobber ended the connection
    /// (`APP_DISCONNECT`).
    Jobber,
    /// The app's support team (operator console).
    Operator,
}

/// Health of a connection.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// Tokens are valid; everything works.
    Connected,
    /// Jobber is failing transiently; tokens are kept and the app retries.
    Degraded,
    /// Jobber no longer accepts our tokens: the merchant must reconnect.
    NeedsReauth,
    /// The app was disconnected from this account.
    Disconnected,
}

/// A Jobber account (a field-service business).
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct JobberAccount {
    /// Jobber's EncodedId of the account.
    pub id: async_graphql::ID,
    /// The business name.
    pub name: String,
}

/// A Jobber user.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct JobberUser {
    /// Jobber's EncodedId of the user.
    pub id: async_graphql::ID,
    /// Full name.
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
}

#[ComplexObject]
impl Connection {
    /// One summary of data freshness across every synced resource of the account.
    async fn sync(&self, ctx: &Context<'_>) -> crate::error::GqlResult<super::SyncSummary> {
        use crate::error::GqlResultExt;
        let state = ctx.data_unchecked::<crate::state::AppState>();
        let statuses = crate::sync::status::statuses(&state.db, &state.config.sync, self.account.id.as_str())
            .await
            .gql()?;
        Ok(crate::sync::status::summary(&statuses).into())
    }

    /// Whether Jobber's webhooks announce this account's changes: every change the periodic sync
    /// finds is checked against the webhooks received (see the README, "Webhook health").
    async fn webhook_health(&self, ctx: &Context<'_>) -> crate::error::GqlResult<WebhookHealth> {
        use crate::error::GqlResultExt;
        let state = ctx.data_unchecked::<crate::state::AppState>();
        let health =
            crate::sync::health::of_account(&state.db, self.account.id.as_str(), Utc::now()).await.gql()?;
        let mut out = WebhookHealth::from(health);
        out.catch_up_interval_seconds =
            i32::try_from(state.config.sync.catchup_interval.as_secs()).unwrap_or(i32::MAX);
        Ok(out)
    }
}

/// Whether Jobber's webhooks announce an account's changes, judged from the changes the periodic
/// sync finds over the last 24 hours (at most the latest 50).
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct WebhookHealth {
    /// The verdict.
    pub status: WebhookHealthStatus,
    /// When the newest webhook for this account arrived (any topic); null if none has.
    pub last_received_at: Option<DateTime<Utc>>,
    /// Changes the sync found and has judged (each at least `WEBHOOK_GRACE_SECS` old).
    pub changes_found: i32,
    /// Of those, the ones a webhook announced within the grace period.
    pub changes_announced: i32,
    /// How often the app syncs this account while the status is `MISSING`
    /// (`SYNC_CATCHUP_INTERVAL_SECS`).
    pub catch_up_interval_seconds: i32,
}

/// The verdict on an account's webhooks.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookHealthStatus {
    /// Recent changes were announced by webhooks.
    Healthy,
    /// Too few recent changes to judge (fewer than 3).
    Unknown,
    /// Three changes in a row went unannounced (and two announced ones have not followed):
    /// Jobber is not delivering webhooks; the app syncs every `SYNC_CATCHUP_INTERVAL_SECS`
    /// instead.
    Missing,
}

impl From<crate::sync::health::WebhookHealth> for WebhookHealth {
    fn from(h: crate::sync::health::WebhookHealth) -> Self {
        use crate::sync::health::Status;
        WebhookHealth {
            status: match h.status {
                Status::Healthy => WebhookHealthStatus::Healthy,
                Status::Unknown => WebhookHealthStatus::Unknown,
                Status::Missing => WebhookHealthStatus::Missing,
            },
            last_received_at: h.last_received_at,
            changes_found: i32::try_from(h.changes_found).unwrap_or(i32::MAX),
            changes_announced: i32::try_from(h.changes_announced).unwrap_or(i32::MAX),
            catch_up_interval_seconds: 0,
        }
    }
}

impl From<db::ConnectionStatus> for ConnectionStatus {
    fn from(status: db::ConnectionStatus) -> Self {
        match status {
            db::ConnectionStatus::Connected => Self::Connected,
            db::ConnectionStatus::Degraded => Self::Degraded,
            db::ConnectionStatus::NeedsReauth => Self::NeedsReauth,
            db::ConnectionStatus::Disconnected => Self::Disconnected,
        }
    }
}

impl From<db::DisconnectSource> for DisconnectSource {
    fn from(s: db::DisconnectSource) -> Self {
        match s {
            db::DisconnectSource::Merchant => Self::Merchant,
            db::DisconnectSource::Jobber => Self::Jobber,
            db::DisconnectSource::Operator => Self::Operator,
        }
    }
}

impl From<connections::Model> for Connection {
    fn from(m: connections::Model) -> Self {
        let (problem, retry_at) = match m.status {
            db::ConnectionStatus::Degraded => {
                (Some(ConnectionProblem::JobberUnavailable), m.refresh_not_before)
            }
            db::ConnectionStatus::NeedsReauth => (Some(ConnectionProblem::ReconnectRequired), None),
            db::ConnectionStatus::Connected | db::ConnectionStatus::Disconnected => (None, None),
        };
        Connection {
            problem,
            retry_at,
            status: m.status.into(),
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
        let ended = m.status == db::ConnectionStatus::Disconnected;
        PreviousConnection {
            account_name: m.account_name,
            status: m.status.into(),
            disconnected_at: m.disconnected_at.filter(|_| ended),
            disconnected_by: m.disconnect_source.filter(|_| ended).map(Into::into),
        }
    }
}
