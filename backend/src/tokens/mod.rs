//! Jobber tokens: encrypted at rest, always valid when handed out, refreshed once per account.
//!
//! Jobber rotates refresh tokens and kills a redeemed one at once, so two racing refreshes would
//! disconnect the merchant for good. Refreshes are therefore single-flight at two levels:
//! - within a process, a per-account async mutex;
//! - across processes on PostgreSQL, a `SELECT … FOR UPDATE` row lock held while Jobber is asked;
//!   after taking either lock the row is re-read and, if someone else already refreshed, their
//!   token is used.
//!
//! Every token write is a compare-and-set on `token_version`, so a stale writer can never
//! overwrite a newer pair, and the rotated pair is committed before anyone uses it.
//! SQLite deployments run one app instance, so the process lock plus the compare-and-set suffice.

pub mod crypto;

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use jobber_graphql::{JobberError, TokenError, TokenSet};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, Statement,
    TransactionTrait, sea_query::Expr,
};
use secrecy::{ExposeSecret, SecretString};

use self::crypto::CryptoError;
use crate::{
    connections::{Status, now},
    db::entities::connections,
    state::AppState,
};

/// A usable access token and the version of the pair it belongs to.
#[derive(Clone)]
pub struct AccessToken {
    pub token: SecretString,
    pub version: i64,
}

/// Why no token could be handed out. Messages are safe to show.
#[derive(Debug, thiserror::Error)]
pub enum TokenFailure {
    #[error("This app is not connected to that Jobber account.")]
    NotConnected,
    #[error("Jobber no longer accepts this connection. Reconnect Jobber to continue.")]
    NeedsReauth,
    #[error("Jobber is unavailable right now ({0}); the app will keep retrying.")]
    Unavailable(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("stored token cannot be read: {0}")]
    Crypto(#[from] CryptoError),
}

impl From<TokenFailure> for crate::error::AppError {
    fn from(f: TokenFailure) -> Self {
        match f {
            TokenFailure::NotConnected | TokenFailure::NeedsReauth | TokenFailure::Unavailable(_) => {
                Self::UpstreamUnavailable(f.to_string())
            }
            other => Self::internal(other),
        }
    }
}

/// Per-account in-process refresh locks.
#[derive(Default)]
pub struct RefreshLocks(std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl RefreshLocks {
    fn get(&self, account_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.0.lock().expect("lock map").entry(account_id.to_owned()).or_default().clone()
    }
}

/// The encrypted columns for a new token pair.
pub struct EncryptedPair {
    pub access: String,
    pub refresh: String,
    pub key_id: String,
    pub expires_at: DateTime<Utc>,
}

/// Encrypts a pair for `account_id` under the current key.
pub fn encrypt_pair(state: &AppState, account_id: &str, set: &TokenSet) -> EncryptedPair {
    let key = &state.keys.tokens.current;
    EncryptedPair {
        access: key.encrypt(account_id, set.access_token.expose_secret()),
        refresh: key.encrypt(account_id, set.refresh_token.expose_secret()),
        key_id: key.id().to_owned(),
        expires_at: set.expires_at,
    }
}

fn usable(row: &connections::Model) -> Result<(), TokenFailure> {
    match Status::parse(&row.status) {
        Status::Disconnected => Err(TokenFailure::NotConnected),
        _ if row.access_token_ciphertext.is_none() || row.refresh_token_ciphertext.is_none() => {
            Err(TokenFailure::NeedsReauth)
        }
        Status::NeedsReauth => Err(TokenFailure::NeedsReauth),
        _ => Ok(()),
    }
}

fn decrypt_access(state: &AppState, row: &connections::Model) -> Result<AccessToken, TokenFailure> {
    let (Some(ct), Some(kid)) = (&row.access_token_ciphertext, &row.token_key_id) else {
        return Err(TokenFailure::NeedsReauth);
    };
    Ok(AccessToken {
        token: state.keys.tokens.decrypt(kid, &row.jobber_account_id, ct)?,
        version: row.token_version,
    })
}

fn fresh(state: &AppState, row: &connections::Model) -> bool {
    let margin = chrono::Duration::from_std(state.config.refresh_margin).unwrap_or_default();
    row.token_expires_at.is_some_and(|exp| exp > now() + margin)
}

fn unexpired(row: &connections::Model) -> bool {
    row.token_expires_at.is_some_and(|exp| exp > now())
}

async fn load<C: ConnectionTrait>(db: &C, account_id: &str) -> Result<connections::Model, TokenFailure> {
    connections::Entity::find()
        .filter(connections::Column::JobberAccountId.eq(account_id))
        .one(db)
        .await?
        .ok_or(TokenFailure::NotConnected)
}

/// A valid access token for the account: refreshed first when it expires within
/// `REFRESH_MARGIN_SECS`.
pub async fn valid_access_token(state: &AppState, account_id: &str) -> Result<AccessToken, TokenFailure> {
    let row = load(state.db.conn(), account_id).await?;
    usable(&row)?;
    if fresh(state, &row) {
        return decrypt_access(state, &row);
    }
    refresh(state, account_id, None).await
}

/// Refreshes after Jobber answered 401 to the token of version `rejected_version` (unless someone
/// already replaced that pair).
pub async fn refresh_after_unauthorized(
    state: &AppState,
    account_id: &str,
    rejected_version: i64,
) -> Result<AccessToken, TokenFailure> {
    refresh(state, account_id, Some(rejected_version)).await
}

async fn refresh(
    state: &AppState,
    account_id: &str,
    rejected: Option<i64>,
) -> Result<AccessToken, TokenFailure> {
    let lock = state.refresh_locks.get(account_id);
    let _guard = lock.lock().await;
    let satisfied = |row: &connections::Model| match rejected {
        Some(v) => row.token_version != v && unexpired(row),
        None => fresh(state, row),
    };
    let row = load(state.db.conn(), account_id).await?;
    usable(&row)?;
    if satisfied(&row) {
        return decrypt_access(state, &row);
    }
    if let Some(not_before) = row.refresh_not_before
        && not_before > now()
        && rejected.is_none()
    {
        // Backing off after a transient failure: keep using the token while it lasts.
        return if unexpired(&row) {
            decrypt_access(state, &row)
        } else {
            Err(TokenFailure::Unavailable(row.last_error.clone().unwrap_or_else(|| "retrying soon".into())))
        };
    }

    if state.db.backend() == DatabaseBackend::Postgres {
        let txn = state.db.conn().begin().await?;
        // Other app instances wait here until this refresh is committed, then see its result.
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT id FROM connections WHERE id = $1 FOR UPDATE",
            [row.id.into()],
        ))
        .await?;
        let row = load(&txn, account_id).await?;
        usable(&row)?;
        if satisfied(&row) {
            txn.commit().await?;
            return decrypt_access(state, &row);
        }
        let result = redeem(state, &txn, &row).await;
        txn.commit().await?;
        result
    } else {
        redeem(state, state.db.conn(), &row).await
    }
}

/// Redeems the stored refresh token once and records the outcome (compare-and-set on version).
async fn redeem<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    row: &connections::Model,
) -> Result<AccessToken, TokenFailure> {
    let (Some(ct), Some(kid)) = (&row.refresh_token_ciphertext, &row.token_key_id) else {
        return Err(TokenFailure::NeedsReauth);
    };
    let refresh_token = state.keys.tokens.decrypt(kid, &row.jobber_account_id, ct)?;
    metrics::counter!("jobber_token_refreshes_total").increment(1);
    let cas = || {
        connections::Entity::update_many()
            .filter(connections::Column::Id.eq(row.id))
            .filter(connections::Column::TokenVersion.eq(row.token_version))
    };
    match state.jobber.oauth.refresh(&refresh_token).await {
        Ok(set) => {
            let pair = encrypt_pair(state, &row.jobber_account_id, &set);
            let written = cas()
                .col_expr(connections::Column::AccessTokenCiphertext, Expr::value(pair.access))
                .col_expr(connections::Column::RefreshTokenCiphertext, Expr::value(pair.refresh))
                .col_expr(connections::Column::TokenKeyId, Expr::value(pair.key_id))
                .col_expr(connections::Column::TokenExpiresAt, Expr::value(pair.expires_at))
                .col_expr(connections::Column::TokenVersion, Expr::value(row.token_version + 1))
                .col_expr(connections::Column::LastRefreshAt, Expr::value(now()))
                .col_expr(connections::Column::Status, Expr::value(Status::Connected.as_str()))
                .col_expr(connections::Column::LastError, Expr::value(Option::<String>::None))
                .col_expr(connections::Column::RefreshFailures, Expr::value(0))
                .col_expr(connections::Column::RefreshNotBefore, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(connections::Column::UpdatedAt, Expr::value(now()))
                .exec(db)
                .await?;
            if written.rows_affected == 0 {
                // Someone changed the row meanwhile (a disconnect, a reconnect): theirs wins.
                tracing::warn!(account.id = %row.jobber_account_id, "token row changed during refresh; keeping the newer state");
                let current = load(db, &row.jobber_account_id).await?;
                usable(&current)?;
                return decrypt_access(state, &current);
            }
            metrics::counter!("jobber_token_refresh_outcomes_total", "outcome" => "ok").increment(1);
            tracing::info!(account.id = %row.jobber_account_id, "access token refreshed");
            Ok(AccessToken { token: set.access_token, version: row.token_version + 1 })
        }
        Err(TokenError::InvalidRefreshToken(_)) => {
            metrics::counter!("jobber_token_refresh_outcomes_total", "outcome" => "invalid").increment(1);
            needs_reauth(
                db,
                row.id,
                row.token_version,
                "Jobber no longer accepts this connection. Reconnect Jobber.",
            )
            .await?;
            tracing::warn!(account.id = %row.jobber_account_id, "refresh token rejected; the merchant must reconnect");
            Err(TokenFailure::NeedsReauth)
        }
        Err(err) => {
            // Transient (or our own misconfiguration): keep the tokens, back off, show DEGRADED.
            metrics::counter!("jobber_token_refresh_outcomes_total", "outcome" => "transient").increment(1);
            let failures = row.refresh_failures + 1;
            let wait = chrono::Duration::seconds(5i64.saturating_mul(1 << failures.clamp(0, 7)).min(600));
            let message = err.to_string();
            cas()
                .col_expr(connections::Column::Status, Expr::value(Status::Degraded.as_str()))
                .col_expr(connections::Column::LastError, Expr::value(message.clone()))
                .col_expr(connections::Column::RefreshFailures, Expr::value(failures))
                .col_expr(connections::Column::RefreshNotBefore, Expr::value(now() + wait))
                .col_expr(connections::Column::UpdatedAt, Expr::value(now()))
                .exec(db)
                .await?;
            tracing::warn!(account.id = %row.jobber_account_id, error = %message, "token refresh failed; tokens kept");
            if unexpired(row) { decrypt_access(state, row) } else { Err(TokenFailure::Unavailable(message)) }
        }
    }
}

async fn needs_reauth<C: ConnectionTrait>(db: &C, id: i64, version: i64, message: &str) -> Result<(), DbErr> {
    connections::Entity::update_many()
        .filter(connections::Column::Id.eq(id))
        .filter(connections::Column::TokenVersion.eq(version))
        .col_expr(connections::Column::Status, Expr::value(Status::NeedsReauth.as_str()))
        .col_expr(connections::Column::AccessTokenCiphertext, Expr::value(Option::<String>::None))
        .col_expr(connections::Column::RefreshTokenCiphertext, Expr::value(Option::<String>::None))
        .col_expr(connections::Column::TokenKeyId, Expr::value(Option::<String>::None))
        .col_expr(connections::Column::TokenExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(connections::Column::TokenVersion, Expr::value(version + 1))
        .col_expr(connections::Column::LastError, Expr::value(message))
        .col_expr(connections::Column::UpdatedAt, Expr::value(now()))
        .exec(db)
        .await?;
    Ok(())
}

/// Runs a Jobber call with a valid token: after a 401 it refreshes once and retries; Jobber's
/// "disconnected" answer marks the connection `NEEDS_REAUTH` and wipes its tokens.
pub async fn with_token<T, F, Fut>(state: &AppState, account_id: &str, call: F) -> Result<T, CallError>
where
    F: Fn(SecretString) -> Fut,
    Fut: std::future::Future<Output = Result<T, JobberError>>,
{
    let mut token = valid_access_token(state, account_id).await?;
    let mut refreshed = false;
    loop {
        match call(token.token.clone()).await {
            Err(JobberError::Unauthorized { .. }) if !refreshed => {
                refreshed = true;
                token = refresh_after_unauthorized(state, account_id, token.version).await?;
            }
            Err(JobberError::Disconnected) => {
                let row = load(state.db.conn(), account_id).await?;
                needs_reauth(
                    state.db.conn(),
                    row.id,
                    row.token_version,
                    "The app was disconnected in Jobber. Reconnect Jobber.",
                )
                .await
                .map_err(TokenFailure::from)?;
                return Err(CallError::Jobber(JobberError::Disconnected));
            }
            other => return other.map_err(CallError::Jobber),
        }
    }
}

/// A Jobber call made on an account's behalf failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Token(#[from] TokenFailure),
    #[error(transparent)]
    Jobber(JobberError),
}

impl From<CallError> for crate::error::AppError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Token(t) => t.into(),
            CallError::Jobber(j) => Self::UpstreamUnavailable(j.to_string()),
        }
    }
}

/// Calls Jobber's `appDisconnect` for the account. Errors are safe, human-readable text.
pub async fn app_disconnect(state: &AppState, jobber_account_id: &str) -> Result<(), String> {
    let client = &state.jobber.client;
    with_token(state, jobber_account_id, |token| async move {
        client.app_disconnect(jobber_account_id, token.expose_secret()).await.map(|_| ())
    })
    .await
    .map_err(|e| e.to_string())
}

/// `jobber-app rotate-keys`: re-encrypts every stored token under the current key. Returns how
/// many connections were re-encrypted. Safe to run while the app serves (compare-and-set).
pub async fn rotate_keys(state: &AppState) -> Result<usize, TokenFailure> {
    rotate_keys_in(&state.db, &state.keys).await
}

/// [`rotate_keys`] without a running app (the CLI command).
pub async fn rotate_keys_in(db: &crate::db::Db, keys: &crate::keys::Keys) -> Result<usize, TokenFailure> {
    let current = keys.tokens.current.id().to_owned();
    let mut rotated = 0;
    loop {
        let rows = connections::Entity::find()
            .filter(connections::Column::TokenKeyId.is_not_null())
            .filter(connections::Column::TokenKeyId.ne(current.clone()))
            .all(db.conn())
            .await?;
        if rows.is_empty() {
            return Ok(rotated);
        }
        for row in rows {
            let (Some(kid), Some(a), Some(r)) =
                (&row.token_key_id, &row.access_token_ciphertext, &row.refresh_token_ciphertext)
            else {
                continue;
            };
            let account = &row.jobber_account_id;
            let access = keys.tokens.decrypt(kid, account, a)?;
            let refresh = keys.tokens.decrypt(kid, account, r)?;
            let key = &keys.tokens.current;
            let res = connections::Entity::update_many()
                .filter(connections::Column::Id.eq(row.id))
                .filter(connections::Column::TokenVersion.eq(row.token_version))
                .col_expr(
                    connections::Column::AccessTokenCiphertext,
                    Expr::value(key.encrypt(account, access.expose_secret())),
                )
                .col_expr(
                    connections::Column::RefreshTokenCiphertext,
                    Expr::value(key.encrypt(account, refresh.expose_secret())),
                )
                .col_expr(connections::Column::TokenKeyId, Expr::value(current.clone()))
                .exec(db.conn())
                .await?;
            rotated += usize::try_from(res.rows_affected).unwrap_or(0);
        }
    }
}
