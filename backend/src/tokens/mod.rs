//! Jobber tokens: encrypted at rest, always valid when handed out, refreshed once per account.
//!
//! [`TokenService`] holds what this needs (the database, the token keyring, Jobber's OAuth and
//! GraphQL clients, the per-account locks) and nothing else of the app.
//!
//! Jobber rotates refresh tokens and kills a redeemed one at once, so two racing refreshes would
//! disconnect the merchant for good. Refreshes are therefore single-flight at two levels:
//! - within a process, a per-account async mutex;
//! - across processes on PostgreSQL, a `SELECT … FOR UPDATE` row lock held while Jobber is asked;
//!   after taking either lock the row is re-read and, if someone else already refreshed, their
//!   token is used.
//!
//! Every token write is a compare-and-set on `token_version` (`db::connections`), so a stale
//! writer can never overwrite a newer pair, and the rotated pair is committed before anyone uses
//! it. A refresh, once its request may have reached Jobber, runs to its end in a task of its own
//! (tracked, so shutdown waits for it): a caller that gives up, or a shutdown, must not drop the
//! rotated answer on the floor. SQLite deployments run one app instance, so the process lock plus
//! the compare-and-set suffice.
//!
//! Changes of a connection's health are audited in the transaction that writes them: the first
//! failed refresh (`DEGRADED`), Jobber refusing the tokens (`NEEDS_REAUTH`), the first success
//! after failures (`RECOVERED`). A plain refresh is not audited.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::Utc;
use jobber_graphql::{
    ExecuteError, GraphQLQuery, JobberClient, JobberError, OAuthClient, Priority, Response, TokenError,
    TokenSet,
    operations::{AppDisconnect, app_disconnect},
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, TransactionTrait};
use secrecy::{ExposeSecret, SecretString};
use tokio_util::task::TaskTracker;

use crate::{
    db::{
        Db,
        audit::{self, NewEntry},
        connections::{self as rows, EncryptedPair},
        entities::connections,
        enums::{Actor, AuditKind, ConnectionStatus},
    },
    keys::{CryptoError, TokenKeyring},
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

/// A Jobber call made on an account's behalf failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Token(#[from] TokenFailure),
    #[error(transparent)]
    Jobber(JobberError),
}

/// Per-account in-process refresh locks.
#[derive(Default)]
struct RefreshLocks(std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl RefreshLocks {
    fn get(&self, account_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.0.lock().expect("lock map").entry(account_id.to_owned()).or_default().clone()
    }
}

/// Tokens of every connected account. Cheap to clone.
#[derive(Clone)]
pub struct TokenService(Arc<Inner>);

struct Inner {
    db: Db,
    keyring: TokenKeyring,
    oauth: OAuthClient,
    client: JobberClient,
    locks: RefreshLocks,
    /// Refresh an access token this long before it expires (`REFRESH_MARGIN_SECS`).
    margin: chrono::Duration,
    /// Refreshes in flight: shutdown waits for them.
    tracker: TaskTracker,
}

impl TokenService {
    /// The service over these parts.
    pub fn new(
        db: Db,
        keyring: TokenKeyring,
        oauth: OAuthClient,
        client: JobberClient,
        margin: Duration,
    ) -> Self {
        Self(Arc::new(Inner {
            db,
            keyring,
            oauth,
            client,
            locks: RefreshLocks::default(),
            margin: chrono::Duration::from_std(margin).unwrap_or_default(),
            tracker: TaskTracker::new(),
        }))
    }

    /// Jobber's GraphQL client (with its cost governor).
    pub fn client(&self) -> &JobberClient {
        &self.0.client
    }

    /// Jobber's OAuth client.
    pub fn oauth(&self) -> &OAuthClient {
        &self.0.oauth
    }

    /// Work that must finish even when its caller stops waiting (token refreshes): shutdown
    /// closes it and waits.
    pub fn tracker(&self) -> &TaskTracker {
        &self.0.tracker
    }

    /// Encrypts a pair for `account_id` under the current key.
    pub fn encrypt_pair(&self, account_id: &str, set: &TokenSet) -> EncryptedPair {
        let key = &self.0.keyring.current;
        EncryptedPair {
            access: key.encrypt(account_id, set.access_token.expose_secret()),
            refresh: key.encrypt(account_id, set.refresh_token.expose_secret()),
            key_id: key.id().to_owned(),
            expires_at: set.expires_at,
        }
    }

    fn decrypt_access(&self, row: &connections::Model) -> Result<AccessToken, TokenFailure> {
        let (Some(ct), Some(kid)) = (&row.access_token_ciphertext, &row.token_key_id) else {
            return Err(TokenFailure::NeedsReauth);
        };
        Ok(AccessToken {
            token: self.0.keyring.decrypt(kid, &row.jobber_account_id, ct)?,
            version: row.token_version,
        })
    }

    fn fresh(&self, row: &connections::Model) -> bool {
        row.token_expires_at.is_some_and(|exp| exp > Utc::now() + self.0.margin)
    }

    /// A valid access token for the account: refreshed first when it expires within
    /// `REFRESH_MARGIN_SECS`.
    pub async fn valid_access_token(&self, account_id: &str) -> Result<AccessToken, TokenFailure> {
        let row = load(self.0.db.reader(), account_id).await?;
        usable(&row)?;
        if self.fresh(&row) {
            return self.decrypt_access(&row);
        }
        self.refresh(account_id, None).await
    }

    /// After Jobber answered 401 to the token of version `rejected_version`: the current token if
    /// someone already replaced that pair, else a refreshed one.
    pub async fn refresh_after_unauthorized(
        &self,
        account_id: &str,
        rejected_version: i64,
    ) -> Result<AccessToken, TokenFailure> {
        let row = load(self.0.db.reader(), account_id).await?;
        usable(&row)?;
        if row.token_version != rejected_version && unexpired(&row) {
            // Refreshed while our call was on its way: use the new token, no second refresh.
            return self.decrypt_access(&row);
        }
        self.refresh(account_id, Some(rejected_version)).await
    }

    async fn refresh(&self, account_id: &str, rejected: Option<i64>) -> Result<AccessToken, TokenFailure> {
        let guard = self.0.locks.get(account_id).lock_owned().await;
        let this = self.clone();
        let account_id = account_id.to_owned();
        // Once running, the refresh finishes (and stores Jobber's answer) whoever still waits.
        let task = self.0.tracker.spawn(async move {
            let _guard = guard;
            this.refresh_locked(&account_id, rejected).await
        });
        task.await.unwrap_or_else(|e| Err(TokenFailure::Unavailable(format!("the refresh task failed: {e}"))))
    }

    async fn refresh_locked(
        &self,
        account_id: &str,
        rejected: Option<i64>,
    ) -> Result<AccessToken, TokenFailure> {
        let satisfied = |row: &connections::Model| match rejected {
            Some(v) => row.token_version != v && unexpired(row),
            None => self.fresh(row),
        };
        let row = load(self.0.db.reader(), account_id).await?;
        usable(&row)?;
        if satisfied(&row) {
            return self.decrypt_access(&row);
        }
        if let Some(not_before) = row.refresh_not_before
            && not_before > Utc::now()
            && rejected.is_none()
        {
            // Backing off after a transient failure: keep using the token while it lasts.
            return if unexpired(&row) {
                self.decrypt_access(&row)
            } else {
                Err(TokenFailure::Unavailable(
                    row.last_error.clone().unwrap_or_else(|| "retrying soon".into()),
                ))
            };
        }
        if self.0.db.backend() == sea_orm::DatabaseBackend::Postgres {
            let txn = self.0.db.writer().begin().await?;
            // Other app instances wait here until this refresh is committed, then see its result.
            rows::lock_for_update(&txn, row.id).await?;
            let row = load(&txn, account_id).await?;
            usable(&row)?;
            if satisfied(&row) {
                txn.commit().await?;
                return self.decrypt_access(&row);
            }
            let answer = self.redeem(&row).await?;
            self.settle(txn, &row, answer).await
        } else {
            // SQLite's one write connection is not held while Jobber is asked (every webhook
            // acknowledgement would wait); the process lock keeps this refresh the only one.
            let answer = self.redeem(&row).await?;
            let txn = self.0.db.begin_write().await?;
            self.settle(txn, &row, answer).await
        }
    }

    /// Redeems the stored refresh token once: Jobber's answer.
    async fn redeem(&self, row: &connections::Model) -> Result<Result<TokenSet, TokenError>, TokenFailure> {
        let (Some(ct), Some(kid)) = (&row.refresh_token_ciphertext, &row.token_key_id) else {
            return Err(TokenFailure::NeedsReauth);
        };
        let refresh_token = self.0.keyring.decrypt(kid, &row.jobber_account_id, ct)?;
        metrics::counter!("jobber_token_refreshes_total").increment(1);
        Ok(self.0.oauth.refresh(&refresh_token).await)
    }

    /// Records Jobber's answer to the refresh of `row` (compare-and-set on its version) and its
    /// audit entry, if any, in `txn`, then commits — or rolls back when the database failed, so
    /// the change and its entry are never stored apart.
    async fn settle(
        &self,
        txn: DatabaseTransaction,
        row: &connections::Model,
        answer: Result<TokenSet, TokenError>,
    ) -> Result<AccessToken, TokenFailure> {
        let result = self.record_answer(&txn, row, answer).await;
        if let Err(TokenFailure::Db(_)) = &result {
            txn.rollback().await?;
        } else {
            txn.commit().await?;
        }
        result
    }

    async fn record_answer(
        &self,
        txn: &DatabaseTransaction,
        row: &connections::Model,
        answer: Result<TokenSet, TokenError>,
    ) -> Result<AccessToken, TokenFailure> {
        match answer {
            Ok(set) => {
                let pair = self.encrypt_pair(&row.jobber_account_id, &set);
                if !rows::store_refreshed(txn, row, &pair).await? {
                    // Someone changed the row meanwhile (a disconnect, a reconnect): theirs wins.
                    tracing::warn!(account.id = %row.jobber_account_id, "token row changed during refresh; keeping the newer state");
                    let current = load(txn, &row.jobber_account_id).await?;
                    usable(&current)?;
                    return self.decrypt_access(&current);
                }
                if row.status == ConnectionStatus::Degraded {
                    let detail =
                        format!("token refresh works again after {} failed attempt(s)", row.refresh_failures);
                    record_beside(txn, NewEntry::about(row, AuditKind::Recovered, Actor::System, detail))
                        .await;
                }
                metrics::counter!("jobber_token_refresh_outcomes_total", "outcome" => "ok").increment(1);
                tracing::info!(account.id = %row.jobber_account_id, "access token refreshed");
                Ok(AccessToken { token: set.access_token, version: row.token_version + 1 })
            }
            Err(TokenError::InvalidRefreshToken(_)) => {
                metrics::counter!("jobber_token_refresh_outcomes_total", "outcome" => "invalid").increment(1);
                // `row` is usable (CONNECTED or DEGRADED): writing it is always a change of status.
                if rows::needs_reauth(
                    txn,
                    row.id,
                    row.token_version,
                    "Jobber no longer accepts this connection. Reconnect Jobber.",
                )
                .await?
                {
                    let detail = "Jobber refused the refresh token; the merchant must reconnect".to_owned();
                    audit::record(txn, NewEntry::about(row, AuditKind::NeedsReauth, Actor::Jobber, detail))
                        .await?;
                }
                tracing::warn!(account.id = %row.jobber_account_id, "refresh token rejected; the merchant must reconnect");
                Err(TokenFailure::NeedsReauth)
            }
            Err(err) => {
                // Transient (or our own misconfiguration): keep the tokens, back off, show DEGRADED.
                metrics::counter!("jobber_token_refresh_outcomes_total", "outcome" => "transient")
                    .increment(1);
                let attempt = u32::try_from(row.refresh_failures + 1).unwrap_or(1);
                let wait = crate::worker::backoff(attempt, Duration::from_secs(10), Duration::from_secs(600));
                let message = err.to_string();
                let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                // Audited on the change of status only, not on every retry while DEGRADED.
                if rows::degrade(txn, row, &message, until).await?
                    && row.status == ConnectionStatus::Connected
                {
                    let detail =
                        format!("token refresh failed: {}; tokens kept, retrying", in_plain_words(&err));
                    audit::record(txn, NewEntry::about(row, AuditKind::Degraded, Actor::System, detail))
                        .await?;
                }
                tracing::warn!(account.id = %row.jobber_account_id, error = %message, "token refresh failed; tokens kept");
                if unexpired(row) {
                    self.decrypt_access(row)
                } else {
                    Err(TokenFailure::Unavailable(message))
                }
            }
        }
    }

    /// Runs a Jobber call with a valid token read once, before the call: after a 401 it retries
    /// once with the current token (refreshed if nobody did yet); Jobber's "disconnected" answer
    /// marks the connection `NEEDS_REAUTH`. Prefer [`TokenService::execute`], which reads the token
    /// only when the request is sent.
    pub async fn with_token<T, F, Fut>(&self, account_id: &str, call: F) -> Result<T, CallError>
    where
        F: Fn(SecretString) -> Fut,
        Fut: std::future::Future<Output = Result<T, JobberError>>,
    {
        let mut token = self.valid_access_token(account_id).await?;
        let mut retried = false;
        loop {
            match call(token.token.clone()).await {
                Err(JobberError::Unauthorized { .. }) if !retried => {
                    retried = true;
                    token = self.refresh_after_unauthorized(account_id, token.version).await?;
                }
                Err(JobberError::Disconnected) => {
                    self.mark_disconnected_in_jobber(account_id).await?;
                    return Err(CallError::Jobber(JobberError::Disconnected));
                }
                other => return other.map_err(CallError::Jobber),
            }
        }
    }

    /// Runs operation `Q` for the account, the way every Jobber call of the app should: the
    /// access token is read when the request is about to be sent (after the account's cost
    /// budget admitted it), so no call carries a token older than the stored one; after a 401 the
    /// current token is read again (someone may have refreshed meanwhile) and only when that is
    /// still the rejected one is it refreshed, then the call is retried once. Jobber's
    /// "disconnected" answer marks the connection `NEEDS_REAUTH` and wipes its tokens.
    pub async fn execute<Q: GraphQLQuery>(
        &self,
        account_id: &str,
        variables: Q::Variables,
        priority: Priority,
    ) -> Result<Response<Q::ResponseData>, CallError>
    where
        Q::Variables: Clone,
    {
        let source = CurrentToken { tokens: self, account_id, used: std::sync::Mutex::new(None) };
        let mut retried = false;
        loop {
            match self.0.client.execute_with::<Q, _>(account_id, &source, variables.clone(), priority).await {
                Ok(response) => return Ok(response),
                Err(ExecuteError::Token(failure)) => return Err(CallError::Token(failure)),
                Err(ExecuteError::Jobber(JobberError::Unauthorized { .. })) if !retried => {
                    retried = true;
                    let rejected = source.used.lock().expect("token version").unwrap_or_default();
                    self.refresh_after_unauthorized(account_id, rejected).await?;
                }
                Err(ExecuteError::Jobber(JobberError::Disconnected)) => {
                    self.mark_disconnected_in_jobber(account_id).await?;
                    return Err(CallError::Jobber(JobberError::Disconnected));
                }
                Err(ExecuteError::Jobber(other)) => return Err(CallError::Jobber(other)),
            }
        }
    }

    async fn mark_disconnected_in_jobber(&self, account_id: &str) -> Result<(), TokenFailure> {
        let txn = self.0.db.begin_write().await?;
        let row = load(&txn, account_id).await?;
        // Already ended here (our disconnect won the race with this call): it stays DISCONNECTED.
        if row.status == ConnectionStatus::Disconnected {
            return Ok(());
        }
        let changed = rows::needs_reauth(
            &txn,
            row.id,
            row.token_version,
            "The app was disconnected in Jobber. Reconnect Jobber.",
        )
        .await?;
        if changed && row.status != ConnectionStatus::NeedsReauth {
            let detail =
                "Jobber answered that the app is disconnected; the merchant must reconnect".to_owned();
            audit::record(&txn, NewEntry::about(&row, AuditKind::NeedsReauth, Actor::Jobber, detail)).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Calls Jobber's `appDisconnect` for the account. Errors are safe, human-readable text.
    pub async fn app_disconnect(&self, jobber_account_id: &str) -> Result<(), String> {
        let answer = self
            .execute::<AppDisconnect>(jobber_account_id, app_disconnect::Variables, Priority::High)
            .await
            .map_err(|e| e.to_string())?;
        answer.check_user_errors().map(|_| ()).map_err(|e| e.to_string())
    }
}

/// The account's current token for [`JobberClient::execute_with`], remembering which version it
/// handed out (the one a 401 rejected).
struct CurrentToken<'a> {
    tokens: &'a TokenService,
    account_id: &'a str,
    used: std::sync::Mutex<Option<i64>>,
}

impl jobber_graphql::TokenSource for CurrentToken<'_> {
    type Error = TokenFailure;

    async fn access_token(&self) -> Result<SecretString, TokenFailure> {
        let token = self.tokens.valid_access_token(self.account_id).await?;
        *self.used.lock().expect("token version") = Some(token.version);
        Ok(token.token)
    }
}

fn usable(row: &connections::Model) -> Result<(), TokenFailure> {
    match row.status {
        ConnectionStatus::Disconnected => Err(TokenFailure::NotConnected),
        _ if row.access_token_ciphertext.is_none() || row.refresh_token_ciphertext.is_none() => {
            Err(TokenFailure::NeedsReauth)
        }
        ConnectionStatus::NeedsReauth => Err(TokenFailure::NeedsReauth),
        ConnectionStatus::Connected | ConnectionStatus::Degraded => Ok(()),
    }
}

fn unexpired(row: &connections::Model) -> bool {
    row.token_expires_at.is_some_and(|exp| exp > Utc::now())
}

async fn load<C: ConnectionTrait>(db: &C, account_id: &str) -> Result<connections::Model, TokenFailure> {
    rows::find_by_account(db, account_id).await?.ok_or(TokenFailure::NotConnected)
}

/// `jobber-app rotate-keys`: re-encrypts every stored token under the current key. Returns how
/// many connections were re-encrypted. Safe to run while the app serves (compare-and-set).
/// Audited: one `KEYS_ROTATED` entry by the operator, naming the count and the key's id.
pub async fn rotate_keys(db: &Db, keyring: &TokenKeyring) -> Result<usize, TokenFailure> {
    let current = keyring.current.id().to_owned();
    let mut rotated = 0;
    loop {
        let rows = db.connections_to_rekey(&current).await?;
        if rows.is_empty() {
            record_rotation(db, rotated, &current).await?;
            return Ok(rotated);
        }
        for row in rows {
            let (Some(kid), Some(a), Some(r)) =
                (&row.token_key_id, &row.access_token_ciphertext, &row.refresh_token_ciphertext)
            else {
                continue;
            };
            let account = &row.jobber_account_id;
            let access = keyring.decrypt(kid, account, a)?;
            let refresh = keyring.decrypt(kid, account, r)?;
            let key = &keyring.current;
            let access = key.encrypt(account, access.expose_secret());
            let refresh = key.encrypt(account, refresh.expose_secret());
            if rows::rekey(db.writer(), &row, access, refresh, &current).await? {
                rotated += 1;
            }
        }
    }
}

/// The audit entry of a `rotate-keys` run. One entry sums up the run: each row is re-encrypted in
/// a statement of its own (holding every row in one transaction would stop the serving app's
/// writes for the whole run), and the entry follows the last of them.
async fn record_rotation(db: &Db, rotated: usize, key_id: &str) -> Result<(), DbErr> {
    let entry = NewEntry {
        jobber_account_id: None,
        account_name: None,
        kind: AuditKind::KeysRotated,
        actor: Actor::Operator,
        actor_name: None,
        detail: format!("re-encrypted {rotated} connection(s) under key {key_id}"),
    };
    audit::record(db.writer(), entry).await
}

/// Appends `entry` in a savepoint of `txn`: when the entry cannot be written, the rest of the
/// transaction still commits (and the failure is logged). Only for a change that must not be
/// lost: a refreshed pair, whose predecessor Jobber has already killed.
async fn record_beside(txn: &DatabaseTransaction, entry: NewEntry<'_>) {
    let account = entry.jobber_account_id.unwrap_or_default().to_owned();
    let result = async {
        let savepoint = txn.begin().await?;
        match audit::record(&savepoint, entry).await {
            Ok(()) => savepoint.commit().await,
            Err(err) => {
                savepoint.rollback().await?;
                Err(err)
            }
        }
    }
    .await;
    if let Err(err) = result {
        tracing::error!(account.id = %account, error = %err, "cannot write the audit entry; the refreshed tokens are kept");
    }
}

/// What went wrong with a refresh, in fixed words (Jobber's own text may quote anything).
fn in_plain_words(err: &TokenError) -> &'static str {
    match err {
        TokenError::Transient(_) => "Jobber's token endpoint is unavailable",
        TokenError::InvalidClient(_) => "Jobber rejected the app's client credentials",
        TokenError::Malformed(_) => "Jobber's token endpoint gave an answer the app cannot read",
        TokenError::InvalidCode(_) | TokenError::InvalidRefreshToken(_) => "Jobber refused the request",
    }
}
