//! Live updates over WebSocket. Every subscription re-reads its session while it runs and ends
//! within a few seconds of the session ending (logout, disconnect, expiry, a new connection).
use std::time::Duration;

use async_graphql::{Context, Subscription as SubscriptionDerive};
use futures::{Stream, StreamExt};

use super::{
    RequestCtx, SocketBudget, SubscriptionSlot,
    types::{Connection, SyncResourceStatus},
};
use crate::{error::GqlResultExt, state::AppState};

/// Live updates over WebSocket (`/graphql/ws`, graphql-transport-ws).
pub struct Subscription;

/// How often a subscription re-reads the connection. Reading the row is cheap and works across
/// app instances (a change made by another instance is seen too).
const POLL: Duration = Duration::from_secs(2);

#[SubscriptionDerive]
impl Subscription {
    /// Emits the connection whenever it changes; null once it is gone (e.g. disconnected from
    /// Jobber's Marketplace), after which the stream ends.
    async fn connection_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Option<Connection>> + use<>, async_graphql::Error> {
        let slot = slot(ctx)?;
        let state = ctx.data_unchecked::<AppState>().clone();
        let session = ctx.data_unchecked::<RequestCtx>().session.clone();
        // State: (last value sent, finished). The first read is immediate; later ones poll.
        Ok(futures::stream::unfold((None::<Option<Connection>>, false), move |(last, finished)| {
            // Captured, so the socket's slot is held for as long as the stream lives.
            let _slot = &slot;
            let (state, session) = (state.clone(), session.clone());
            async move {
                if finished {
                    return None;
                }
                loop {
                    if last.is_some() {
                        tokio::time::sleep(POLL).await;
                    }
                    let current = match &session {
                        None => None,
                        Some(s) => match state.db.live_session_connection(s).await {
                            Ok(c) => c.map(Connection::from),
                            Err(err) => {
                                tracing::warn!(error = %err, "connectionChanged: cannot read the connection");
                                if last.is_none() {
                                    tokio::time::sleep(POLL).await;
                                }
                                continue;
                            }
                        },
                    };
                    if last.as_ref() != Some(&current) {
                        // `null` is final: the session died with its connection.
                        let done = current.is_none();
                        return Some((current.clone(), (Some(current), done)));
                    }
                }
            }
        })
        .boxed())
    }

    /// Sync progress of the signed-in merchant's account: the same as `syncStatus`, sent first at
    /// once and then whenever it changes. Ends (`complete`) within a few seconds of the session
    /// ending: logout, disconnect (ours or Jobber's), expiry, or a newer connection.
    async fn sync_progress(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Vec<SyncResourceStatus>> + use<>, async_graphql::Error> {
        let session = ctx.data_unchecked::<RequestCtx>().require_session().gql()?.clone();
        let slot = slot(ctx)?;
        let state = ctx.data_unchecked::<AppState>().clone();
        // State: the last value sent, and when the session was last found alive.
        let start = (None::<Vec<SyncResourceStatus>>, tokio::time::Instant::now());
        Ok(futures::stream::unfold(start, move |(last, checked)| {
            // Captured, so the socket's slot is held for as long as the stream lives.
            let _slot = &slot;
            let (state, session) = (state.clone(), session.clone());
            async move {
                let mut checked = checked;
                loop {
                    if last.is_some() {
                        tokio::time::sleep(PROGRESS_POLL).await;
                    }
                    if checked.elapsed() >= SESSION_CHECK {
                        match state.db.live_session_connection(&session).await {
                            Ok(Some(_)) => checked = tokio::time::Instant::now(),
                            Ok(None) => return None,
                            Err(err) => {
                                tracing::warn!(error = %err, "syncProgress: cannot re-check the session")
                            }
                        }
                    }
                    let read = crate::sync::status::statuses(
                        &state.db,
                        &state.config.sync,
                        &session.jobber_account_id,
                    )
                    .await
                    .map(|s| s.into_iter().map(SyncResourceStatus::from).collect::<Vec<_>>());
                    match read {
                        Ok(current) if last.as_ref() != Some(&current) => {
                            return Some((current.clone(), (Some(current), checked)));
                        }
                        Ok(_) => {}
                        Err(err) => {
                            tracing::warn!(error = %err, "syncProgress: cannot read sync status");
                            tokio::time::sleep(PROGRESS_POLL).await;
                        }
                    }
                }
            }
        })
        .boxed())
    }
}

/// A slot on the socket's subscription budget (none outside a WebSocket, e.g. in tests of the
/// schema), held by the subscription's stream.
fn slot(ctx: &Context<'_>) -> Result<Option<SubscriptionSlot>, async_graphql::Error> {
    ctx.data_opt::<SocketBudget>().map(SocketBudget::acquire).transpose().gql()
}

/// How often a live subscription re-checks its session (it ends within this plus one poll of the
/// session ending).
const SESSION_CHECK: Duration = Duration::from_secs(2);

/// How often `syncProgress` re-reads the status (cheap; sees runs of every app instance).
const PROGRESS_POLL: Duration = Duration::from_millis(500);
