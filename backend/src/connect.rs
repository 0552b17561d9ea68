//! Connecting a Jobber account: exchange the code, learn who we are talking to, store the
//! encrypted tokens on the account's connection row (reused on reconnect).

use jobber_graphql::{
    Priority, TokenError,
    operations::{Account, CurrentUser, account, current_user},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, TryIntoModel};
use secrecy::ExposeSecret;

use crate::{
    connections::{Status, now},
    db::entities::connections,
    jobber::callback_url,
    state::AppState,
    tokens::encrypt_pair,
};

/// Why a connect failed; `reason()` is what the SPA's error page shows.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("Jobber did not tell us the account: {0}")]
    Jobber(#[from] jobber_graphql::JobberError),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl ConnectError {
    /// A short code for `/connect-error?reason=…`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Token(TokenError::InvalidCode(_)) => "invalid_code",
            Self::Token(TokenError::InvalidClient(_)) => "app_misconfigured",
            Self::Token(_) | Self::Jobber(_) => "jobber_unavailable",
            Self::Db(_) => "internal",
        }
    }
}

/// What an OAuth arrival came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalKind {
    /// A new connection, or a reconnect of one that had ended or no longer worked.
    Connected,
    /// The account's connection was live and its tokens still work: the arriving admin is only
    /// signed in (no new generation, so other admins stay signed in; no re-sync; the stored
    /// tokens, normally the originally connecting user's, are kept).
    SignedIn,
}

/// The connection an OAuth code led to, and who arrived with it.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub connection: connections::Model,
    pub user: crate::sessions::SessionUser,
    pub kind: ArrivalKind,
}

/// Exchanges `code` and signs the arriving admin in. For an account whose connection is live
/// (CONNECTED or DEGRADED) and whose stored tokens still work, that is all (see
/// [`ArrivalKind::SignedIn`]); otherwise the connection is upserted: a reconnect reuses the row,
/// replaces the tokens, clears any needs-reauth state, and bumps the generation (old sessions stay
/// dead).
pub async fn connect_with_code(state: &AppState, code: &str) -> Result<Arrival, ConnectError> {
    let tokens = state.jobber.oauth.exchange_code(code, &callback_url(&state.config)).await?;
    let client = &state.jobber.client;
    let token = tokens.access_token.expose_secret();
    // The account id is not known yet; the governor keys these two calls on the connect flow.
    let account =
        client.execute::<Account>("connect", token, account::Variables, Priority::High).await?.data.account;
    let user = client
        .execute::<CurrentUser>("connect", token, current_user::Variables, Priority::High)
        .await?
        .data
        .user;
    let account = account.ok_or_else(|| jobber_graphql::JobberError::Decode("`account` was null".into()))?;
    let session_user = crate::sessions::SessionUser {
        jobber_user_id: user.as_ref().map(|u| u.id.clone()),
        name: user.as_ref().map(|u| u.name.full.clone()),
    };
    if let Some(live) = state.db.find_connection_by_account(&account.id).await?
        && matches!(Status::parse(&live.status), Status::Connected | Status::Degraded)
        && stored_tokens_work(state, &account.id).await
    {
        // Re-read: checking the tokens may have refreshed them.
        let connection = state.db.find_connection_by_account(&account.id).await?.unwrap_or(live);
        tracing::info!(account.id = %account.id, "admin signed in to a live connection");
        return Ok(Arrival { connection, user: session_user, kind: ArrivalKind::SignedIn });
    }
    let pair = encrypt_pair(state, &account.id, &tokens);

    let txn = state.db.begin_write().await?;
    let existing = crate::db::entities::connections::Entity::find_by_account(&txn, &account.id).await?;
    let t = now();
    let mut row = match existing {
        Some(m) => {
            let (generation, version) = (m.generation, m.token_version);
            let mut a: connections::ActiveModel = m.into();
            a.generation = Set(generation + 1);
            a.token_version = Set(version + 1);
            a
        }
        None => connections::ActiveModel {
            jobber_account_id: Set(account.id.clone()),
            generation: Set(1),
            token_version: Set(1),
            created_at: Set(t),
            ..Default::default()
        },
    };
    row.account_name = Set(account.name.clone());
    row.status = Set(Status::Connected.as_str().to_owned());
    row.connected_at = Set(t);
    row.disconnected_at = Set(None);
    row.disconnect_source = Set(None);
    row.connected_by_user_id = Set(user.as_ref().map(|u| u.id.clone()));
    row.connected_by_name = Set(user.as_ref().map(|u| u.name.full.clone()));
    row.connected_by_email = Set(user.as_ref().map(|u| u.email.raw.clone()));
    row.access_token_ciphertext = Set(Some(pair.access));
    row.refresh_token_ciphertext = Set(Some(pair.refresh));
    row.token_key_id = Set(Some(pair.key_id));
    row.token_expires_at = Set(Some(pair.expires_at));
    row.last_refresh_at = Set(None);
    row.last_error = Set(None);
    row.refresh_failures = Set(0);
    row.refresh_not_before = Set(None);
    row.updated_at = Set(t);
    let saved = row.save(&txn).await?;
    txn.commit().await?;
    let model: connections::Model = saved.try_into_model()?;
    tracing::info!(account.id = %model.jobber_account_id, generation = model.generation, "Jobber account connected");
    Ok(Arrival { connection: model, user: session_user, kind: ArrivalKind::Connected })
}

/// Whether the connection's stored tokens still work: a cheap `account` query with them (which
/// refreshes them first when they are about to expire). Only Jobber's "no" counts: an outage
/// keeps the stored tokens, which are then as good as the new ones.
async fn stored_tokens_work(state: &AppState, account_id: &str) -> bool {
    use crate::tokens::{CallError, TokenFailure};
    let client = &state.jobber.client;
    let result = crate::tokens::with_token(state, account_id, |token| async move {
        client.execute::<Account>(account_id, token.expose_secret(), account::Variables, Priority::High).await
    })
    .await;
    match result {
        Ok(_) => true,
        Err(CallError::Token(TokenFailure::NotConnected | TokenFailure::NeedsReauth))
        | Err(CallError::Jobber(
            jobber_graphql::JobberError::Disconnected | jobber_graphql::JobberError::Unauthorized { .. },
        )) => false,
        Err(err) => {
            tracing::info!(account.id = account_id, error = %err, "cannot check the stored tokens; keeping them");
            true
        }
    }
}
