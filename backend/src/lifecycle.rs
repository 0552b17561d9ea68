//! Disconnect, as an idempotent saga.
//!
//! Our `disconnect` mutation, Jobber's `APP_DISCONNECT` webhook and Jobber's "User has
//! disconnected this app" answer all end in [`clear_local_state`]: tokens wiped, generation bumped
//! (every session of the connection dies), synced data removed. Any of them may come first, twice,
//! or never; running it again is a harmless no-op.

use crate::{
    db::{
        Db,
        connections::{self as rows},
        enums::{ConnectionStatus, DisconnectSource},
        records, sessions, sync_state,
    },
    tokens::TokenService,
};

/// Why local state is being cleared (logged, and stored as who ended the connection).
#[derive(Debug, Clone, Copy)]
pub enum DisconnectReason {
    /// The merchant pressed Disconnect in our app.
    FromApp,
    /// Jobber sent `APP_DISCONNECT` (Marketplace Disconnect, churn, …).
    Webhook,
    /// An operator disconnected the account.
    Operator,
}

impl DisconnectReason {
    /// Who ended the connection, as stored for the merchant's page.
    pub fn source(self) -> DisconnectSource {
        match self {
            Self::FromApp => DisconnectSource::Merchant,
            Self::Webhook => DisconnectSource::Jobber,
            Self::Operator => DisconnectSource::Operator,
        }
    }
}

/// What our own disconnect came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisconnectOutcome {
    /// Jobber confirmed (`appDisconnect` succeeded).
    pub jobber_confirmed: bool,
    /// What happened, for the merchant.
    pub message: String,
}

/// Clears everything we hold for the account. Returns `false` when there was nothing to clear
/// (unknown account or already disconnected).
pub async fn clear_local_state(
    db: &Db,
    jobber_account_id: &str,
    reason: DisconnectReason,
) -> Result<bool, sea_orm::DbErr> {
    let txn = db.begin_write().await?;
    let Some(conn) = rows::find_by_account(&txn, jobber_account_id).await? else {
        return Ok(false);
    };
    if conn.status == ConnectionStatus::Disconnected && conn.access_token_ciphertext.is_none() {
        return Ok(false);
    }
    rows::disconnect(&txn, conn.id, reason.source()).await?;
    sessions::revoke_all(&txn, conn.id).await?;
    if db.purges_on_disconnect() {
        records::purge_account(&txn, jobber_account_id).await?;
        sync_state::purge_account(&txn, jobber_account_id).await?;
    }
    txn.commit().await?;
    tracing::info!(account.id = jobber_account_id, ?reason, "local state cleared for disconnected account");
    Ok(true)
}

/// Our disconnect (the merchant's button, or an operator's): tell Jobber, then clear local
/// state whatever Jobber answered.
pub async fn disconnect(
    tokens: &TokenService,
    db: &Db,
    jobber_account_id: &str,
    reason: DisconnectReason,
) -> Result<DisconnectOutcome, sea_orm::DbErr> {
    let jobber = tokens.app_disconnect(jobber_account_id).await;
    clear_local_state(db, jobber_account_id, reason).await?;
    Ok(match jobber {
        Ok(()) => {
            DisconnectOutcome { jobber_confirmed: true, message: "Disconnected from Jobber.".to_owned() }
        }
        Err(why) => DisconnectOutcome {
            jobber_confirmed: false,
            message: format!(
                "Disconnected here, but Jobber could not confirm it ({why}). Your data in this app was removed."
            ),
        },
    })
}
