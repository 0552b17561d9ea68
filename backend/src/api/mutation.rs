use async_graphql::{Context, Object};

use super::{
    RequestCtx,
    types::{DisconnectPayload, SyncResource, SyncResourceStatus},
};
use crate::{
    error::{GqlResult, GqlResultExt},
    state::AppState,
};

/// State-changing entry points. (No state-changing GET route exists anywhere.)
pub struct Mutation;

#[Object]
impl Mutation {
    /// Disconnect this app from the merchant's Jobber account: tells Jobber (`appDisconnect`),
    /// then removes the account's tokens and synced data and ends every session of it, whatever
    /// Jobber answered. The session cookie is cleared.
    async fn disconnect(&self, ctx: &Context<'_>) -> GqlResult<DisconnectPayload> {
        let session = ctx.data_unchecked::<RequestCtx>().require_session().gql()?.clone();
        let state = ctx.data_unchecked::<AppState>();
        let outcome = crate::lifecycle::disconnect_as(
            &state.tokens,
            &state.db,
            &session.jobber_account_id,
            crate::lifecycle::DisconnectReason::FromApp,
            session.user_name.as_deref(),
        )
        .await
        .gql()?;
        ctx.append_http_header("set-cookie", state.sessions.clear_cookie_header());
        Ok(outcome.into())
    }

    /// Sync the merchant's Jobber data now: `resources` (all when omitted or empty), only what
    /// changed unless `full` (a full pass also removes what was deleted in Jobber). Returns the
    /// status right after the request; follow `syncProgress` for the rest.
    async fn start_sync(
        &self,
        ctx: &Context<'_>,
        resources: Option<Vec<SyncResource>>,
        #[graphql(default = false)] full: bool,
    ) -> GqlResult<Vec<SyncResourceStatus>> {
        let (state, session) = super::scoped(ctx)?;
        let resources: Vec<crate::sync::Resource> =
            resources.unwrap_or_default().into_iter().map(Into::into).collect();
        let mode = if full { crate::sync::Mode::Full } else { crate::sync::Mode::Incremental };
        let statuses =
            crate::sync::status::request(&state.sync, &session.jobber_account_id, &resources, mode)
                .await
                .gql()?;
        Ok(statuses.into_iter().map(Into::into).collect())
    }
}
