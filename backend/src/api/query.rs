use async_graphql::{Context, Object};

use super::{
    RequestCtx,
    types::{
        AppInfo, ClientConnection, Connection, Environment, InvoiceConnection, JobConnection,
        PreviousConnection, PropertyConnection, QuoteConnection, SyncResourceStatus, WebhookEventConnection,
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
            app_name: crate::APP_NAME.to_owned(),
            support_url: state.config.support_url.as_ref().map(ToString::to_string),
            privacy_url: state.config.privacy_url.as_ref().map(ToString::to_string),
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

    /// For a browser without a live session: the connection it was last signed in to
    /// (remembered in an HttpOnly cookie), so the page can offer "Sign in with Jobber" for a
    /// connection that is still live, or say what happened to one that ended. Null when the
    /// browser has a live session (use `connection`) or has never signed in.
    async fn previous_connection(&self, ctx: &Context<'_>) -> GqlResult<Option<PreviousConnection>> {
        let request = ctx.data_unchecked::<RequestCtx>();
        let Some(id) = request.known_connection.filter(|_| request.session.is_none()) else {
            return Ok(None);
        };
        let state = ctx.data_unchecked::<AppState>();
        Ok(state.db.find_connection(id).await.gql()?.map(PreviousConnection::from))
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
        crate::sync::status::statuses(&state.db, &state.config.sync, &session.jobber_account_id).await.gql()
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
