//! The `connections` table: reads, and every transition of a row, each written once.
//!
//! A row is keyed by Jobber's account id and reused on reconnect. Its `generation` changes on
//! every (re)connect and disconnect, which is what kills old browser sessions; its
//! `token_version` changes with every write of its tokens, and every token write after the
//! first is a compare-and-set on it, so a stale writer (a refresh that raced a disconnect, say)
//! never overwrites a newer state.
//!
//! | transition | from → to | tokens | generation |
//! |---|---|---|---|
//! | [`connect`] | none / any → CONNECTED | new pair | +1 |
//! | [`store_refreshed`] | CONNECTED, DEGRADED → CONNECTED | rotated pair | = |
//! | [`degrade`] | CONNECTED, DEGRADED → DEGRADED | kept | = |
//! | [`needs_reauth`] | any → NEEDS_REAUTH | wiped | = |
//! | [`disconnect`] | any → DISCONNECTED | wiped | +1 |
//! | [`rekey`] | unchanged | re-encrypted | = |

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TryIntoModel, UpdateMany,
    sea_query::{Expr, ExprTrait},
};

use super::{
    Db,
    entities::connections::{ActiveModel, Column as C, Entity, Model},
    enums::{ConnectionStatus, DisconnectSource},
    stmt,
};

/// A token pair encrypted for one account, as stored.
#[derive(Debug, Clone)]
pub struct EncryptedPair {
    pub access: String,
    pub refresh: String,
    pub key_id: String,
    pub expires_at: DateTime<Utc>,
}

/// The Jobber user who connected (or signed in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobberUser {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Db {
    /// A connection by our id.
    pub async fn find_connection(&self, id: i64) -> Result<Option<Model>, DbErr> {
        Entity::find_by_id(id).one(self.reader()).await
    }

    /// A connection by Jobber's account id.
    pub async fn find_connection_by_account(&self, jobber_account_id: &str) -> Result<Option<Model>, DbErr> {
        find_by_account(self.reader(), jobber_account_id).await
    }

    /// Which of `accounts` have a live connection.
    pub async fn live_accounts_among(
        &self,
        accounts: impl IntoIterator<Item = &str>,
    ) -> Result<std::collections::HashSet<String>, DbErr> {
        Ok(Entity::find()
            .select_only()
            .column(C::JobberAccountId)
            .filter(C::JobberAccountId.is_in(accounts))
            .filter(C::Status.is_in(ConnectionStatus::LIVE))
            .into_tuple::<String>()
            .all(self.reader())
            .await?
            .into_iter()
            .collect())
    }

    /// How many connections have each status (for `/metrics`).
    pub async fn connection_counts(&self) -> Result<Vec<(ConnectionStatus, i64)>, DbErr> {
        Entity::find()
            .select_only()
            .column(C::Status)
            .column_as(C::Id.count(), "n")
            .group_by(C::Status)
            .into_tuple()
            .all(self.reader())
            .await
    }

    /// Connections whose tokens are encrypted under another key than `key_id`.
    pub async fn connections_to_rekey(&self, key_id: &str) -> Result<Vec<Model>, DbErr> {
        Entity::find()
            .filter(C::TokenKeyId.is_not_null())
            .filter(C::TokenKeyId.ne(key_id))
            .all(self.reader())
            .await
    }
}

/// The connection for Jobber's account id, read through `db` (a pool or the caller's transaction).
pub async fn find_by_account<D: ConnectionTrait>(
    db: &D,
    jobber_account_id: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find().filter(C::JobberAccountId.eq(jobber_account_id)).one(db).await
}

/// PostgreSQL: holds the row (`FOR UPDATE`) until the caller's transaction ends, so other app
/// instances wait for a refresh in progress and then see its result. SQLite: nothing (its write
/// transaction already excludes other writers).
pub async fn lock_for_update<D: ConnectionTrait>(txn: &D, id: i64) -> Result<(), DbErr> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(stmt(
            DatabaseBackend::Postgres,
            "SELECT id FROM connections WHERE id = ? FOR UPDATE",
            vec![id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Whether the account's connection is live, holding its row against a concurrent disconnect
/// (`FOR SHARE` on PostgreSQL) until the caller's transaction ends; SQLite's write transaction
/// already excludes it.
pub async fn lock_live<D: ConnectionTrait>(txn: &D, jobber_account_id: &str) -> Result<bool, DbErr> {
    let mut q =
        Entity::find().select_only().column(C::Status).filter(C::JobberAccountId.eq(jobber_account_id));
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        q = q.lock_shared();
    }
    let status: Option<ConnectionStatus> = q.into_tuple().one(txn).await?;
    Ok(status.is_some_and(ConnectionStatus::is_live))
}

/// **connect**: a new connection, or a reconnect of the account's row (in the caller's write
/// transaction, which read `existing` under it): new tokens, status CONNECTED, errors cleared,
/// a new generation (old sessions stay dead) and token version.
pub async fn connect<D: ConnectionTrait>(
    txn: &D,
    existing: Option<Model>,
    jobber_account_id: &str,
    account_name: &str,
    user: &JobberUser,
    pair: &EncryptedPair,
) -> Result<Model, DbErr> {
    let now = Utc::now();
    let mut row = match existing {
        Some(m) => {
            let (generation, version) = (m.generation, m.token_version);
            let mut a: ActiveModel = m.into();
            a.generation = Set(generation + 1);
            a.token_version = Set(version + 1);
            a
        }
        None => ActiveModel {
            jobber_account_id: Set(jobber_account_id.to_owned()),
            generation: Set(1),
            token_version: Set(1),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.account_name = Set(account_name.to_owned());
    row.status = Set(ConnectionStatus::Connected);
    row.connected_at = Set(now);
    // `disconnected_at` stays: when the account was last disconnected, so that Jobber's late
    // APP_DISCONNECT for that earlier end is recognised after a quick reconnect.
    row.disconnect_source = Set(None);
    row.connected_by_user_id = Set(user.id.clone());
    row.connected_by_name = Set(user.name.clone());
    row.connected_by_email = Set(user.email.clone());
    row.access_token_ciphertext = Set(Some(pair.access.clone()));
    row.refresh_token_ciphertext = Set(Some(pair.refresh.clone()));
    row.token_key_id = Set(Some(pair.key_id.clone()));
    row.token_expires_at = Set(Some(pair.expires_at));
    row.last_refresh_at = Set(None);
    row.last_error = Set(None);
    row.refresh_failures = Set(0);
    row.refresh_not_before = Set(None);
    row.updated_at = Set(now);
    row.save(txn).await?.try_into_model()
}

/// An update of `row` that applies only if nobody changed its tokens since it was read.
fn compare_and_set(id: i64, version: i64) -> UpdateMany<Entity> {
    Entity::update_many().filter(C::Id.eq(id)).filter(C::TokenVersion.eq(version))
}

/// Clears the tokens (the one "wipe" of the table) and moves the token version on, so any
/// refresh still in flight loses its compare-and-set.
fn wipe_tokens(update: UpdateMany<Entity>) -> UpdateMany<Entity> {
    update
        .col_expr(C::AccessTokenCiphertext, Expr::value(Option::<String>::None))
        .col_expr(C::RefreshTokenCiphertext, Expr::value(Option::<String>::None))
        .col_expr(C::TokenKeyId, Expr::value(Option::<String>::None))
        .col_expr(C::TokenExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::TokenVersion, Expr::col(C::TokenVersion).add(1))
}

/// **refresh**: stores the rotated pair if the row still holds `row`'s tokens; CONNECTED, errors
/// and backoff cleared. Returns whether it was written.
pub async fn store_refreshed<D: ConnectionTrait>(
    db: &D,
    row: &Model,
    pair: &EncryptedPair,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let res = compare_and_set(row.id, row.token_version)
        .col_expr(C::AccessTokenCiphertext, Expr::value(pair.access.clone()))
        .col_expr(C::RefreshTokenCiphertext, Expr::value(pair.refresh.clone()))
        .col_expr(C::TokenKeyId, Expr::value(pair.key_id.clone()))
        .col_expr(C::TokenExpiresAt, Expr::value(pair.expires_at))
        .col_expr(C::TokenVersion, Expr::value(row.token_version + 1))
        .col_expr(C::LastRefreshAt, Expr::value(now))
        .col_expr(C::Status, Expr::value(ConnectionStatus::Connected))
        .col_expr(C::LastError, Expr::value(Option::<String>::None))
        .col_expr(C::RefreshFailures, Expr::value(0))
        .col_expr(C::RefreshNotBefore, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// **degrade**: a transient refresh failure: tokens kept, DEGRADED, the failure counted and the
/// next attempt not before `not_before`. Compare-and-set on `row`'s token version.
pub async fn degrade<D: ConnectionTrait>(
    db: &D,
    row: &Model,
    message: &str,
    not_before: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = compare_and_set(row.id, row.token_version)
        .col_expr(C::Status, Expr::value(ConnectionStatus::Degraded))
        .col_expr(C::LastError, Expr::value(message))
        .col_expr(C::RefreshFailures, Expr::value(row.refresh_failures + 1))
        .col_expr(C::RefreshNotBefore, Expr::value(not_before))
        .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// **needs reauth**: Jobber no longer accepts the tokens: wiped, NEEDS_REAUTH with `message`.
/// Compare-and-set on `version` (a newer pair, e.g. from a reconnect, is kept).
pub async fn needs_reauth<D: ConnectionTrait>(
    db: &D,
    id: i64,
    version: i64,
    message: &str,
) -> Result<bool, DbErr> {
    let res = wipe_tokens(compare_and_set(id, version))
        .col_expr(C::Status, Expr::value(ConnectionStatus::NeedsReauth))
        .col_expr(C::LastError, Expr::value(message))
        .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// **disconnect** (in the caller's write transaction): tokens wiped, DISCONNECTED by `source`,
/// errors cleared, a new generation (every session of the connection dies).
pub async fn disconnect<D: ConnectionTrait>(txn: &D, id: i64, source: DisconnectSource) -> Result<(), DbErr> {
    let now = Utc::now();
    wipe_tokens(Entity::update_many().filter(C::Id.eq(id)))
        .col_expr(C::Status, Expr::value(ConnectionStatus::Disconnected))
        .col_expr(C::Generation, Expr::col(C::Generation).add(1))
        .col_expr(C::DisconnectedAt, Expr::value(now))
        .col_expr(C::DisconnectSource, Expr::value(source))
        .col_expr(C::LastError, Expr::value(Option::<String>::None))
        .col_expr(C::RefreshFailures, Expr::value(0))
        .col_expr(C::RefreshNotBefore, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .exec(txn)
        .await?;
    Ok(())
}

/// **rekey**: the same tokens, re-encrypted under `key_id`, if the row still holds `row`'s.
pub async fn rekey<D: ConnectionTrait>(
    db: &D,
    row: &Model,
    access: String,
    refresh: String,
    key_id: &str,
) -> Result<bool, DbErr> {
    let res = compare_and_set(row.id, row.token_version)
        .col_expr(C::AccessTokenCiphertext, Expr::value(access))
        .col_expr(C::RefreshTokenCiphertext, Expr::value(refresh))
        .col_expr(C::TokenKeyId, Expr::value(key_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}
