use async_graphql::{Context, Object};

use super::{RequestCtx, types::DisconnectPayload};
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
        let outcome = crate::lifecycle::disconnect_from_app(state, &session).await.gql()?;
        ctx.append_http_header("set-cookie", crate::sessions::clear_cookie_header(&state.config));
        Ok(outcome)
    }
}
