//! Connecting a Jobber account: exchange the code, learn who we are talking to, store the
//! encrypted tokens on the account's connection row (reused on reconnect) — or, for an account
//! whose connection is live, only sign the arriving admin in. Each arrival is audited
//! (`CONNECTED`, `RECONNECTED` or `SIGNED_IN`, by the arriving Jobber user) with its write.

use jobber_graphql::{
    Priority, TokenError, TokenSet,
    operations::{Account, CurrentUser, account, current_user},
};
use secrecy::ExposeSecret;

use crate::{
    db::{
        Db,
        audit::{self, NewEntry},
        connections::{self as rows, JobberUser},
        entities::connections,
        enums::{Actor, AuditKind, StoredValue},
    },
    tokens::{CallError, TokenFailure, TokenService},
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
    pub user: JobberUser,
    pub kind: ArrivalKind,
}

/// Who a code belongs to: Jobber's tokens for it, the account and the user.
pub struct Exchanged {
    tokens: TokenSet,
    /// Jobber's account id.
    pub account_id: String,
    /// The business name.
    pub account_name: String,
    /// The user who authorized.
    pub user: JobberUser,
}

/// Exchanges `code` (sent with `redirect_uri`) and asks Jobber whose it is.
pub async fn exchange(
    tokens: &TokenService,
    redirect_uri: &str,
    code: &str,
) -> Result<Exchanged, ConnectError> {
    let set = tokens.oauth().exchange_code(code, redirect_uri).await?;
    let client = tokens.client();
    let token = set.access_token.expose_secret();
    // The account id is not known yet; the governor keys these two calls on the connect flow.
    let account =
        client.execute::<Account>("connect", token, account::Variables, Priority::High).await?.data.account;
    let user = client
        .execute::<CurrentUser>("connect", token, current_user::Variables, Priority::High)
        .await?
        .data
        .user;
    let account = account.ok_or_else(|| jobber_graphql::JobberError::Decode("`account` was null".into()))?;
    Ok(Exchanged {
        tokens: set,
        account_id: account.id,
        account_name: account.name,
        user: JobberUser {
            id: user.as_ref().map(|u| u.id.clone()),
            name: user.as_ref().map(|u| u.name.full.clone()),
            email: user.as_ref().map(|u| u.email.raw.clone()),
        },
    })
}

/// Signs the arriving admin in. For an account whose connection is live (CONNECTED or DEGRADED)
/// and whose stored tokens still work, that is all (see [`ArrivalKind::SignedIn`]); otherwise the
/// connection is upserted (`db::connections::connect`).
pub async fn arrive(tokens: &TokenService, db: &Db, exchanged: Exchanged) -> Result<Arrival, ConnectError> {
    let Exchanged { tokens: set, account_id, account_name, user } = exchanged;
    if let Some(live) = db.find_connection_by_account(&account_id).await?
        && live.status.is_live()
        && stored_tokens_work(tokens, &account_id).await
    {
        // Re-read: checking the tokens may have refreshed them.
        let connection = db.find_connection_by_account(&account_id).await?.unwrap_or(live);
        // Nothing of the connection changes: the entry is the whole write.
        let entry = NewEntry::about(
            &connection,
            AuditKind::SignedIn,
            Actor::Merchant,
            "signed in to the live connection".to_owned(),
        );
        audit::record(db.writer(), entry.by(user.name.as_deref())).await?;
        tracing::info!(account.id = %account_id, "admin signed in to a live connection");
        return Ok(Arrival { connection, user, kind: ArrivalKind::SignedIn });
    }
    let pair = tokens.encrypt_pair(&account_id, &set);
    let txn = db.begin_write().await?;
    let existing = rows::find_by_account(&txn, &account_id).await?;
    let (kind, detail) = match existing.as_ref().map(|row| row.status) {
        None => (AuditKind::Connected, "connected".to_owned()),
        Some(was) => (AuditKind::Reconnected, format!("reconnected; the connection was {}", was.stored())),
    };
    let model = rows::connect(&txn, existing, &account_id, &account_name, &user, &pair).await?;
    audit::record(&txn, NewEntry::about(&model, kind, Actor::Merchant, detail).by(user.name.as_deref()))
        .await?;
    txn.commit().await?;
    tracing::info!(account.id = %model.jobber_account_id, generation = model.generation, "Jobber account connected");
    Ok(Arrival { connection: model, user, kind: ArrivalKind::Connected })
}

/// [`exchange`] then [`arrive`].
pub async fn connect_with_code(
    tokens: &TokenService,
    db: &Db,
    redirect_uri: &str,
    code: &str,
) -> Result<Arrival, ConnectError> {
    let exchanged = exchange(tokens, redirect_uri, code).await?;
    arrive(tokens, db, exchanged).await
}

/// Whether the connection's stored tokens still work: a cheap `account` query with them (which
/// refreshes them first when they are about to expire). Only Jobber's "no" counts: an outage
/// keeps the stored tokens, which are then as good as the new ones.
async fn stored_tokens_work(tokens: &TokenService, account_id: &str) -> bool {
    let client = tokens.client();
    let result = tokens
        .with_token(account_id, |token| async move {
            client
                .execute::<Account>(account_id, token.expose_secret(), account::Variables, Priority::High)
                .await
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
