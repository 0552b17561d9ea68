//! Disconnect, as an idempotent saga.
//!
//! Our `disconnect` mutation, Jobber's `APP_DISCONNECT` webhook and Jobber's "User has
//! disconnected this app" answer all end in [`clear_local_state`]: tokens wiped, generation bumped
//! (every session of the connection dies), synced data removed. Any of them may come first, twice,
//! or never; running it again is a harmless no-op.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::{
    api::types::DisconnectPayload,
    connections::{Status, now},
    db::{
        Db,
        entities::{connections, sessions},
        enums::DisconnectSource,
    },
    error::AppResult,
    sessions::Session,
    state::AppState,
};

/// Why local state is being cleared (logged).
#[derive(Debug, Clone, Copy)]
pub enum DisconnectReason {
    /// The merchant pressed Disconnect in our app.
    FromApp,
    /// Jobber sent `APP_DISCONNECT` (Marketplace Disconnect, churn, …).
    Webhook,
}

impl DisconnectReason {
    /// Who ended the connection, as stored for the merchant's page.
    pub fn source(self) -> DisconnectSource {
        match self {
            Self::FromApp => DisconnectSource::Merchant,
            Self::Webhook => DisconnectSource::Jobber,
        }
    }
}

/// Clears everything we hold for the account. Returns `false` when there was nothing to clear
/// (unknown account or already disconnected).
pub async fn clear_local_state(
    db: &Db,
    jobber_account_id: &str,
    reason: DisconnectReason,
) -> Result<bool, sea_orm::DbErr> {
    let txn = db.begin_write().await?;
    let Some(conn) = connections::Entity::find()
        .filter(connections::Column::JobberAccountId.eq(jobber_account_id))
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    if conn.status == Status::Disconnected.as_str() && conn.access_token_ciphertext.is_none() {
        return Ok(false);
    }
    let id = conn.id;
    let generation = conn.generation;
    let mut active: connections::ActiveModel = conn.into();
    active.status = Set(Status::Disconnected.as_str().to_owned());
    active.generation = Set(generation + 1);
    active.disconnected_at = Set(Some(now()));
    active.disconnect_source = Set(Some(reason.source()));
    active.access_token_ciphertext = Set(None);
    active.refresh_token_ciphertext = Set(None);
    active.token_key_id = Set(None);
    active.token_expires_at = Set(None);
    active.last_error = Set(None);
    active.refresh_failures = Set(0);
    active.refresh_not_before = Set(None);
    active.token_version = Set(generation + 1_000_000); // any change makes in-flight refreshes lose their CAS
    active.updated_at = Set(now());
    active.update(&txn).await?;
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now()))
        .filter(sessions::Column::ConnectionId.eq(id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if db.purges_on_disconnect() {
        crate::sync::records::purge_account(&txn, jobber_account_id).await?;
        crate::sync::purge_state(&txn, jobber_account_id).await?;
    }
    txn.commit().await?;
    tracing::info!(account.id = jobber_account_id, ?reason, "local state cleared for disconnected account");
    Ok(true)
}

/// The `disconnect` mutation: tell Jobber, then clear local state whatever Jobber answered.
pub async fn disconnect_from_app(state: &AppState, session: &Session) -> AppResult<DisconnectPayload> {
    let jobber = crate::tokens::app_disconnect(state, &session.jobber_account_id).await;
    clear_local_state(&state.db, &session.jobber_account_id, DisconnectReason::FromApp).await?;
    let (confirmed, message) = match jobber {
        Ok(()) => (true, "Disconnected from Jobber.".to_owned()),
        Err(why) => (
            false,
            format!(
                "Disconnected here, but Jobber could not confirm it ({why}). Your data in this app was removed."
            ),
        ),
    };
    Ok(DisconnectPayload { disconnected: true, jobber_confirmed: confirmed, message: Some(message) })
}
