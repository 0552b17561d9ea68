use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};

/// A merchant's connection between Jobber and this app, as the signed-in browser session sees it.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
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
    /// A safe, human-readable description of the last problem talking to Jobber (never a token).
    pub last_error: Option<String>,
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
