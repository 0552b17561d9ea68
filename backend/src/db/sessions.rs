//! The `sessions` table: browser sessions, stored as a hash of the cookie's token, each bound to
//! the connection generation it was issued for.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::Expr,
};

use super::{
    Db,
    connections::JobberUser,
    entities::{connections, sessions},
    enums::ConnectionStatus,
};

/// A live browser session, scoped to one Jobber account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveSession {
    pub id: i64,
    pub connection_id: i64,
    pub jobber_account_id: String,
    pub generation: i64,
    /// The Jobber user's name, for the audit log.
    pub user_name: Option<String>,
}

/// A new session row.
pub async fn insert(
    db: &Db,
    token_hash: String,
    connection: &connections::Model,
    user: &JobberUser,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    sessions::ActiveModel {
        token_hash: Set(token_hash),
        connection_id: Set(connection.id),
        connection_generation: Set(connection.generation),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        jobber_user_id: Set(user.id.clone()),
        user_name: Set(user.name.clone()),
        ..Default::default()
    }
    .insert(db.writer())
    .await?;
    Ok(())
}

/// Revokes the session with this token hash (logout).
pub async fn revoke(db: &Db, token_hash: &str) -> Result<(), DbErr> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(sessions::Column::TokenHash.eq(token_hash))
        .exec(db.writer())
        .await?;
    Ok(())
}

/// Revokes every live session of the connection (in the caller's transaction).
pub async fn revoke_all<C: ConnectionTrait>(txn: &C, connection_id: i64) -> Result<(), DbErr> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(sessions::Column::ConnectionId.eq(connection_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

impl Db {
    /// The session with this token hash, if unexpired, unrevoked, and issued for the connection's
    /// current generation of a connection that is not disconnected.
    pub async fn live_session(&self, token_hash: &str) -> Result<Option<LiveSession>, DbErr> {
        let Some(s) = sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(token_hash))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
            .one(self.reader())
            .await?
        else {
            return Ok(None);
        };
        let Some(c) = connections::Entity::find_by_id(s.connection_id).one(self.reader()).await? else {
            return Ok(None);
        };
        if c.generation != s.connection_generation || c.status == ConnectionStatus::Disconnected {
            return Ok(None);
        }
        Ok(Some(LiveSession {
            id: s.id,
            connection_id: c.id,
            jobber_account_id: c.jobber_account_id,
            generation: c.generation,
            user_name: s.user_name,
        }))
    }

    /// The session's connection, if the session is still alive (re-checked on every call).
    pub async fn live_session_connection(
        &self,
        session: &LiveSession,
    ) -> Result<Option<connections::Model>, DbErr> {
        let Some(c) = connections::Entity::find_by_id(session.connection_id).one(self.reader()).await? else {
            return Ok(None);
        };
        let alive = c.generation == session.generation
            && c.status != ConnectionStatus::Disconnected
            && sessions::Entity::find_by_id(session.id)
                .filter(sessions::Column::RevokedAt.is_null())
                .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
                .one(self.reader())
                .await?
                .is_some();
        Ok(alive.then_some(c))
    }
}
