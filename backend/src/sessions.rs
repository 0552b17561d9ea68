//! Browser sessions.
//!
//! The cookie carries a random 256-bit token, signed with `SESSION_SECRET`; the database stores
//! only its SHA-256. A session names the connection *generation* it was issued for: every connect
//! and disconnect bumps the generation, so a session dies with its connection instance and stays
//! dead after a reconnect.

use axum::http::HeaderMap;
use axum_extra::extract::{
    SignedCookieJar,
    cookie::{Cookie, SameSite},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use chrono::Utc;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::{
    config::Config,
    db::{
        Db,
        entities::{connections, sessions},
    },
    state::AppState,
};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "fieldsync_session";
/// Name of the cookie that remembers which connection this browser was last signed in to, so a
/// visit without a live session can offer "Sign in" (live connection) or say how it ended. It
/// holds only our connection id, signed; it grants nothing.
pub const KNOWN_COOKIE: &str = "fieldsync_known";
/// How long a browser remembers its connection.
const KNOWN_TTL_DAYS: i64 = 180;

/// The Jobber user a session is started for (the admin who came through OAuth).
#[derive(Clone, Debug, Default)]
pub struct SessionUser {
    pub jobber_user_id: Option<String>,
    pub name: Option<String>,
}

/// A live browser session, scoped to one Jobber account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub connection_id: i64,
    pub jobber_account_id: String,
    pub generation: i64,
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// True when cookies must be `Secure` (the app is served over https).
pub fn secure_cookies(config: &Config) -> bool {
    config.app_base_url.scheme() == "https"
}

/// Starts a session for the connection's current generation; returns the cookies to set (the
/// session, and the one that remembers the connection).
pub async fn start(
    state: &AppState,
    connection: &connections::Model,
    user: &SessionUser,
) -> Result<[Cookie<'static>; 2], sea_orm::DbErr> {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = B64URL.encode(raw);
    let now = Utc::now();
    let ttl = chrono::Duration::from_std(state.config.session_ttl).unwrap_or(chrono::Duration::hours(12));
    sessions::ActiveModel {
        token_hash: Set(hash(&token)),
        connection_id: Set(connection.id),
        connection_generation: Set(connection.generation),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        revoked_at: Set(None),
        jobber_user_id: Set(user.jobber_user_id.clone()),
        user_name: Set(user.name.clone()),
        ..Default::default()
    }
    .insert(state.db.conn())
    .await?;
    let session = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure_cookies(&state.config))
        .max_age(cookie::time::Duration::seconds(ttl.num_seconds()))
        .build();
    let known = Cookie::build((KNOWN_COOKIE, connection.id.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure_cookies(&state.config))
        .max_age(cookie::time::Duration::days(KNOWN_TTL_DAYS))
        .build();
    Ok([session, known])
}

/// The connection this browser was last signed in to (from its signed cookie), if any.
pub fn known_connection(state: &AppState, headers: &HeaderMap) -> Option<i64> {
    let jar = SignedCookieJar::from_headers(headers, state.keys.cookies.clone());
    jar.get(KNOWN_COOKIE)?.value().parse().ok()
}

/// The session named by the request's cookie, if it is alive.
pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, sea_orm::DbErr> {
    let jar = SignedCookieJar::from_headers(headers, state.keys.cookies.clone());
    let Some(cookie) = jar.get(SESSION_COOKIE) else { return Ok(None) };
    state.db.live_session(&hash(cookie.value())).await
}

/// Ends the session named by the request's cookie (logout).
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<(), sea_orm::DbErr> {
    let jar = SignedCookieJar::from_headers(headers, state.keys.cookies.clone());
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, sea_orm::sea_query::Expr::value(Utc::now()))
            .filter(sessions::Column::TokenHash.eq(hash(cookie.value())))
            .exec(state.db.conn())
            .await?;
    }
    Ok(())
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie_header(config: &Config) -> String {
    let mut c = Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure_cookies(config))
        .build();
    c.make_removal();
    c.to_string()
}

impl Db {
    /// The session with this token hash, if unexpired, unrevoked, and issued for the connection's
    /// current generation of a connection that is not disconnected.
    pub async fn live_session(&self, token_hash: &str) -> Result<Option<Session>, sea_orm::DbErr> {
        let Some(s) = sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(token_hash))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let Some(c) = connections::Entity::find_by_id(s.connection_id).one(self.conn()).await? else {
            return Ok(None);
        };
        if c.generation != s.connection_generation
            || c.status == crate::connections::Status::Disconnected.as_str()
        {
            return Ok(None);
        }
        Ok(Some(Session {
            id: s.id,
            connection_id: c.id,
            jobber_account_id: c.jobber_account_id,
            generation: c.generation,
        }))
    }

    /// The session's connection, if the session is still alive (re-checked on every call).
    pub async fn live_session_connection(
        &self,
        session: &Session,
    ) -> Result<Option<connections::Model>, sea_orm::DbErr> {
        let Some(c) = connections::Entity::find_by_id(session.connection_id).one(self.conn()).await? else {
            return Ok(None);
        };
        let alive = c.generation == session.generation
            && c.status != crate::connections::Status::Disconnected.as_str()
            && sessions::Entity::find_by_id(session.id)
                .filter(sessions::Column::RevokedAt.is_null())
                .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
                .one(self.conn())
                .await?
                .is_some();
        Ok(alive.then_some(c))
    }
}
