use async_graphql::{Context, Object};

use super::{
    RequestCtx,
    types::{AppInfo, Connection, Environment, WebhookEventConnection},
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
        let session = ctx.data_unchecked::<RequestCtx>().require_session().gql()?;
        let state = ctx.data_unchecked::<AppState>();
        crate::webhooks::list_events(&state.db, &session.jobber_account_id, first, after.as_deref())
            .await
            .gql()
    }
}
