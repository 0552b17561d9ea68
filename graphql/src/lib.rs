//! Talking to Jobber: the vendored schema, typed operations and the client.
//!
//! - [`operations`]: one generated Rust type per `operations/*.graphql` file (compiled against
//!   `schema/jobber.graphql`; this crate exists so that the backend does not regenerate them).
//! - [`client`]: [`JobberClient::execute`] sends an operation for one Jobber account with the
//!   version header, maps Jobber's answers to [`JobberError`] and retries what may pass.
//! - [`governor`]: [`CostGovernor`] keeps each account inside Jobber's query-cost bucket and its
//!   2,500-requests-per-5-minutes ceiling, admitting High priority work first.
//! - [`oauth`]: [`OAuthClient`] for the authorize link, code exchange and refresh.
//! - [`topics`]: Jobber's webhook topics, derived from the schema files at build time.
//!
//! This crate holds no tokens and no database: callers pass the current access token per call.

pub mod client;
pub mod error;
pub mod governor;
pub mod oauth;
pub mod operations;
pub mod topics;

pub use client::{
    ClientBuildError, DEFAULT_API_URL, DEFAULT_GRAPHQL_VERSION, ExecuteError, HasUserErrors, JobberClient,
    JobberConfig, Priority, QueryCost, Response, ThrottleStatus, TokenSource, VersionWarning,
};
pub use error::{GraphQlError, JobberError};
pub use governor::{CostGovernor, GovernorConfig, Permit};
pub use graphql_client::GraphQLQuery;
pub use oauth::{OAuthClient, TokenError, TokenSet};
