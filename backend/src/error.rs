//! One error type at the API boundary.
//!
//! Areas return their own `thiserror` enums (converted here: areas never import this module);
//! handlers and resolvers convert them into [`AppError`],
//! which knows its HTTP status and its GraphQL `extensions.code`. Internal details are logged once
//! here and never sent to the client.

use async_graphql::ErrorExtensions as _;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// An error a client may see.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid session.
    #[error("Sign in through Jobber to continue.")]
    Unauthenticated,
    /// The session may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing with that id (in the caller's account).
    #[error("{0}")]
    NotFound(String),
    /// The input is wrong; the message says how.
    #[error("{0}")]
    BadUserInput(String),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// Jobber could not be reached or refused; the message says what to do.
    #[error("{0}")]
    UpstreamUnavailable(String),
    /// Anything else: logged, and reported to the client without details.
    #[error("Internal server error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// The Apollo-style `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::UpstreamUnavailable(_) => "UPSTREAM_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The HTTP status for REST routes.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadUserInput(_) => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::UpstreamUnavailable(_) => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Builds an internal error from anything printable.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    fn log(&self) {
        if let Self::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(err.into())
    }
}

impl From<crate::tokens::TokenFailure> for AppError {
    fn from(f: crate::tokens::TokenFailure) -> Self {
        use crate::tokens::TokenFailure as F;
        match f {
            F::NotConnected | F::NeedsReauth | F::Unavailable(_) => Self::UpstreamUnavailable(f.to_string()),
            other => Self::internal(other),
        }
    }
}

impl From<crate::tokens::CallError> for AppError {
    fn from(e: crate::tokens::CallError) -> Self {
        match e {
            crate::tokens::CallError::Token(t) => t.into(),
            crate::tokens::CallError::Jobber(j) => Self::UpstreamUnavailable(j.to_string()),
        }
    }
}

impl From<crate::webhooks::list::ListError> for AppError {
    fn from(e: crate::webhooks::list::ListError) -> Self {
        match e {
            crate::webhooks::list::ListError::BadCursor => Self::BadUserInput(e.to_string()),
            crate::webhooks::list::ListError::Db(db) => db.into(),
        }
    }
}

impl From<crate::sync::status::BrowseError> for AppError {
    fn from(e: crate::sync::status::BrowseError) -> Self {
        match e {
            crate::sync::status::BrowseError::BadCursor | crate::sync::status::BrowseError::SearchTooLong => {
                Self::BadUserInput(e.to_string())
            }
            crate::sync::status::BrowseError::Db(db) => db.into(),
        }
    }
}

impl From<crate::installs::InstallsError> for AppError {
    fn from(e: crate::installs::InstallsError) -> Self {
        use crate::installs::InstallsError as E;
        match e {
            E::UnknownAccount(_) => Self::NotFound(e.to_string()),
            E::BadCursor => Self::BadUserInput(e.to_string()),
            E::NotLive(_) => Self::Conflict(e.to_string()),
            E::Db(db) => db.into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let body = serde_json::json!({ "error": { "code": self.code(), "message": self.to_string() } });
        (self.status(), axum::Json(body)).into_response()
    }
}

impl AppError {
    /// The GraphQL error, with `extensions.code`.
    pub fn into_gql(self) -> async_graphql::Error {
        self.log();
        let code = self.code();
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| ext.set("code", code))
    }
}

/// Result alias for handlers and areas.
pub type AppResult<T> = Result<T, AppError>;

/// Result alias for resolvers.
pub type GqlResult<T> = async_graphql::Result<T>;

/// Converts area results into GraphQL results that carry `extensions.code`.
pub trait GqlResultExt<T> {
    fn gql(self) -> GqlResult<T>;
}

impl<T, E: Into<AppError>> GqlResultExt<T> for Result<T, E> {
    fn gql(self) -> GqlResult<T> {
        self.map_err(|e| e.into().into_gql())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_a_status_and_code() {
        let cases = [
            (AppError::Unauthenticated, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
            (AppError::Forbidden("x".into()), StatusCode::FORBIDDEN, "FORBIDDEN"),
            (AppError::NotFound("x".into()), StatusCode::NOT_FOUND, "NOT_FOUND"),
            (AppError::BadUserInput("x".into()), StatusCode::BAD_REQUEST, "BAD_USER_INPUT"),
            (AppError::Conflict("x".into()), StatusCode::CONFLICT, "CONFLICT"),
            (AppError::UpstreamUnavailable("x".into()), StatusCode::BAD_GATEWAY, "UPSTREAM_UNAVAILABLE"),
            (
                AppError::internal(anyhow::anyhow!("secret detail")),
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
            ),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status(), status);
            assert_eq!(err.code(), code);
        }
    }

    #[test]
    fn internal_details_are_not_sent() {
        let err = AppError::internal(anyhow::anyhow!("password=hunter2"));
        assert!(!err.to_string().contains("hunter2"));
        let gql = err.into_gql();
        assert!(!gql.message.contains("hunter2"));
    }
}
