use async_graphql::{Context, Object};

use super::{
    RequestCtx,
    types::{
        AppInfo, ClientConnection, Connection, Environment, InvoiceConnection, JobConnection,
        PropertyConnection, QuoteConnection, SyncResourceStatus, WebhookEventConnection,
    },
};
use crate::{
    error::{GqlResult, GqlResultExt},
    state::AppState,
};

/// Read-only entry points.
pub struct Query;

#[Object]
impl Query {
    /// Facts about this deployment.
    async fn app_info(&self, ctx: &Context<'_>) -> AppInfo {
        let state = ctx.data_unchecked::<AppState>();
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            environment: if state.config.is_production() {
                Environment::Production
            } else {
                Environment::Development
            },
            jobber_api_version: state.config.jobber.graphql_version.clone(),
            sandbox_mode: state.sandbox_mode(),
        }
    }

    /// The signed-in merchant's connection; null while the browser has no session.
    async fn connection(&self, ctx: &Context<'_>) -> GqlResult<Option<Connection>> {
        let Some(session) = ctx.data_unchecked::<RequestCtx>().session.as_ref() else {
            return Ok(None);
        };
        let state = ctx.data_unchecked::<AppState>();
        Ok(state.db.live_session_connection(session).await.gql()?.map(Connection::from))
    }

    /// Webhook deliveries received for the signed-in merchant's account, newest first.
    async fn webhook_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
    ) -> GqlResult<WebhookEventConnection> {
        let (state, session) = super::scoped(ctx)?;
        crate::webhooks::list_events(&state.db, &session.jobber_account_id, first, after.as_deref())
            .await
            .gql()
    }

    /// Sync progress of each resource of the signed-in merchant's account.
    async fn sync_status(&self, ctx: &Context<'_>) -> GqlResult<Vec<SyncResourceStatus>> {
        let (state, session) = super::scoped(ctx)?;
        crate::sync::status::statuses(&state.db, &session.jobber_account_id).await.gql()
    }

    /// The merchant's synced clients, by name. `search` matches names, emails, phones and
    /// addresses (every word must match).
    async fn clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
        search: Option<String>,
    ) -> GqlResult<ClientConnection> {
        let (state, session) = super::scoped(ctx)?;
        crate::sync::status::clients(
            &state.db,
            &session.jobber_account_id,
            first,
            after.as_deref(),
            search.as_deref(),
        )
        .await
        .gql()
    }

    /// The merchant's synced properties, by address. `search` matches the address.
    async fn properties(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
        search: Option<String>,
    ) -> GqlResult<PropertyConnection> {
        let (state, session) = super::scoped(ctx)?;
        crate::sync::status::properties(
            &state.db,
            &session.jobber_account_id,
            first,
            after.as_deref(),
            search.as_deref(),
        )
        .await
        .gql()
    }

    /// The merchant's synced jobs, newest number first. `search` matches the title and `#number`.
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
        search: Option<String>,
    ) -> GqlResult<JobConnection> {
        let (state, session) = super::scoped(ctx)?;
        crate::sync::status::jobs(
            &state.db,
            &session.jobber_account_id,
            first,
            after.as_deref(),
            search.as_deref(),
        )
        .await
        .gql()
    }

    /// The merchant's synced quotes, newest number first. `search` matches the title and `#number`.
    async fn quotes(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
        search: Option<String>,
    ) -> GqlResult<QuoteConnection> {
        let (state, session) = super::scoped(ctx)?;
        crate::sync::status::quotes(
            &state.db,
            &session.jobber_account_id,
            first,
            after.as_deref(),
            search.as_deref(),
        )
        .await
        .gql()
    }

    /// The merchant's synced invoices, newest number first. `search` matches the subject and `#number`.
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
        search: Option<String>,
    ) -> GqlResult<InvoiceConnection> {
        let (state, session) = super::scoped(ctx)?;
        crate::sync::status::invoices(
            &state.db,
            &session.jobber_account_id,
            first,
            after.as_deref(),
            search.as_deref(),
        )
        .await
        .gql()
    }
}
