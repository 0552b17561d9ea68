//! Jobber tokens: encrypted at rest, always valid when handed out, refreshed once per account.
pub mod crypto;

use crate::state::AppState;

/// Calls Jobber's `appDisconnect` for the account. Errors are safe, human-readable text.
pub async fn app_disconnect(_state: &AppState, _jobber_account_id: &str) -> Result<(), String> {
    Err("the Jobber client is not wired in yet".to_owned())
}
