//! Disconnect, as an idempotent saga.
//!
//! Our `disconnect` mutation, Jobber's `APP_DISCONNECT` webhook and Jobber's "User has
//! disconnected this app" answer all end in [`clear_local_state`]: tokens wiped, generation bumped
//! (every session of the connection dies), synced data removed, and one `DISCONNECTED` audit entry
//! naming who ended it, all in one transaction. Any of them may come first, twice, or never;
//! running it again is a harmless no-op (and writes no second entry).

use crate::{
    db::{
        Db,
        audit::{self, NewEntry},
        connections::{self as rows},
        enums::{Actor, AuditKind, ConnectionStatus, DisconnectSource},
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

    /// Who ended the connection, as the audit log names it.
    pub fn actor(self) -> Actor {
        match self {
            Self::FromApp => Actor::Merchant,
            Self::Webhook => Actor::Jobber,
            Self::Operator => Actor::Operator,
        }
    }

    /// The audit entry's words for it.
    fn detail(self) -> &'static str {
        match self {
            Self::FromApp => "disconnected with the app's Disconnect button",
            Self::Webhook => "Jobber sent APP_DISCONNECT",
            Self::Operator => "disconnected by an operator",
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
    clear_local_state_as(db, jobber_account_id, reason, None).await
}

/// [`clear_local_state`], naming who acted in the audit entry (the Jobber user who pressed our
/// Disconnect button, an operator's label).
pub async fn clear_local_state_as(
    db: &Db,
    jobber_account_id: &str,
    reason: DisconnectReason,
    actor_name: Option<&str>,
) -> Result<bool, sea_orm::DbErr> {
    let _ending = db.lifecycle_lock(jobber_account_id).await;
    clear(db, jobber_account_id, reason, actor_name, reason.detail().to_owned()).await
}

/// The saga's local step: the connection ends, its sessions die, its data goes (or waits for the
/// retention window), and the `DISCONNECTED` entry is written, all in one transaction.
async fn clear(
    db: &Db,
    jobber_account_id: &str,
    reason: DisconnectReason,
    actor_name: Option<&str>,
    detail: String,
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
    let entry = NewEntry::about(&conn, AuditKind::Disconnected, reason.actor(), detail);
    audit::record(&txn, entry.by(actor_name)).await?;
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
    disconnect_as(tokens, db, jobber_account_id, reason, None).await
}

/// [`disconnect`], naming who acted in the audit entry (the signed-in Jobber user for
/// [`DisconnectReason::FromApp`], an operator's label for [`DisconnectReason::Operator`]).
pub async fn disconnect_as(
    tokens: &TokenService,
    db: &Db,
    jobber_account_id: &str,
    reason: DisconnectReason,
    actor_name: Option<&str>,
) -> Result<DisconnectOutcome, sea_orm::DbErr> {
    // Jobber answers `appDisconnect` by sending APP_DISCONNECT, which may arrive before the call
    // returns: the lock keeps it waiting, so this disconnect, by `reason`, is the one recorded.
    let _ending = db.lifecycle_lock(jobber_account_id).await;
    let jobber = tokens.app_disconnect(jobber_account_id).await;
    // Jobber's own words stay in the log line and the merchant's message, not in the audit log.
    let answer = if jobber.is_ok() { "Jobber confirmed" } else { "Jobber could not confirm" };
    let detail = format!("{}; {answer}", reason.detail());
    clear(db, jobber_account_id, reason, actor_name, detail).await?;
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
