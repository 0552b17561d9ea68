//! Browser sessions.
//!
//! The cookie carries a random 256-bit token, signed with `SESSION_SECRET`; the database stores
//! only its SHA-256. A session names the connection *generation* it was issued for: every connect
//! and disconnect bumps the generation, so a session dies with its connection instance and stays
//! dead after a reconnect.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use axum::http::HeaderMap;
use axum_extra::extract::{
    SignedCookieJar,
    cookie::{Cookie, Key, SameSite},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use crate::db::sessions::LiveSession as Session;
use crate::db::{
    Db,
    connections::JobberUser,
    entities::connections,
    sessions::{self as rows},
};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "fieldsync_session";
/// Name of the cookie that remembers which connection this browser was last signed in to, so a
/// visit without a live session can offer "Sign in" (live connection) or say how it ended. It
/// holds only our connection id, signed; it grants nothing.
pub const KNOWN_COOKIE: &str = "fieldsync_known";
/// How long a browser remembers its connection.
const KNOWN_TTL_DAYS: i64 = 180;

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Sessions: issued, found from a request's cookie, ended. Cheap to clone.
#[derive(Clone)]
pub struct Sessions {
    db: Db,
    key: Key,
    ttl: chrono::Duration,
    secure: bool,
    /// Open WebSockets per session id, in this process.
    sockets: Arc<Mutex<HashMap<i64, usize>>>,
}

/// One open WebSocket of a session, counted until dropped.
pub struct SocketSlot {
    sockets: Arc<Mutex<HashMap<i64, usize>>>,
    session_id: i64,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = sockets.get_mut(&self.session_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                sockets.remove(&self.session_id);
            }
        }
    }
}

impl Sessions {
    /// Sessions over `db`, signing cookies with `key`, living `ttl`; `secure` cookies when the app
    /// is served over https.
    pub fn new(db: Db, key: Key, ttl: Duration, secure: bool) -> Self {
        Self {
            db,
            key,
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(12)),
            secure,
            sockets: Arc::default(),
        }
    }

    /// Counts one more open WebSocket for `session_id`, or `None` when it already has `max` open
    /// in this process (a socket each costs a task and periodic reads).
    pub fn open_socket(&self, session_id: i64, max: usize) -> Option<SocketSlot> {
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let open = sockets.entry(session_id).or_default();
        if *open >= max {
            return None;
        }
        *open += 1;
        Some(SocketSlot { sockets: self.sockets.clone(), session_id })
    }

    /// The cookie-signing key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// Whether cookies are `Secure`.
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Starts a session for the connection's current generation and `user`; returns the cookies
    /// to set (the session, and the one that remembers the connection).
    pub async fn start(
        &self,
        connection: &connections::Model,
        user: &JobberUser,
    ) -> Result<[Cookie<'static>; 2], sea_orm::DbErr> {
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = B64URL.encode(raw);
        rows::insert(&self.db, hash(&token), connection, user, Utc::now() + self.ttl).await?;
        let session = Cookie::build((SESSION_COOKIE, token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(self.ttl.num_seconds()))
            .build();
        let known = Cookie::build((KNOWN_COOKIE, connection.id.to_string()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::days(KNOWN_TTL_DAYS))
            .build();
        Ok([session, known])
    }

    /// The session named by the request's cookie, if it is alive.
    pub async fn from_headers(&self, headers: &HeaderMap) -> Result<Option<Session>, sea_orm::DbErr> {
        let jar = SignedCookieJar::from_headers(headers, self.key.clone());
        let Some(cookie) = jar.get(SESSION_COOKIE) else { return Ok(None) };
        self.db.live_session(&hash(cookie.value())).await
    }

    /// The connection this browser was last signed in to (from its signed cookie), if any.
    pub fn known_connection(&self, headers: &HeaderMap) -> Option<i64> {
        let jar = SignedCookieJar::from_headers(headers, self.key.clone());
        jar.get(KNOWN_COOKIE)?.value().parse().ok()
    }

    /// Ends the session named by the request's cookie (logout).
    pub async fn end(&self, headers: &HeaderMap) -> Result<(), sea_orm::DbErr> {
        let jar = SignedCookieJar::from_headers(headers, self.key.clone());
        if let Some(cookie) = jar.get(SESSION_COOKIE) {
            rows::revoke(&self.db, &hash(cookie.value())).await?;
        }
        Ok(())
    }

    /// A `Set-Cookie` value that removes the session cookie.
    pub fn clear_cookie_header(&self) -> String {
        let mut c = Cookie::build((SESSION_COOKIE, ""))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .build();
        c.make_removal();
        c.to_string()
    }
}
