//! `/graphql` (POST queries and mutations; GET is the playground, see `playground`) and
//! `/graphql/ws` (subscriptions).
use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::{
    Router,
    extract::{State, WebSocketUpgrade},
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{api::AppSchema, api::RequestCtx, error::AppError, state::AppState};

pub fn router(schema: AppSchema) -> Router<AppState> {
    Router::new()
        .route("/graphql", get(super::playground::page).post(graphql))
        .route("/graphql/ws", get(graphql_ws))
        .layer(axum::Extension(schema))
}

async fn request_ctx(state: &AppState, headers: &HeaderMap) -> Result<RequestCtx, AppError> {
    let session = state.sessions.from_headers(headers).await?;
    let known_connection = state.sessions.known_connection(headers);
    Ok(RequestCtx { session, known_connection })
}

async fn graphql(
    State(state): State<AppState>,
    axum::Extension(schema): axum::Extension<AppSchema>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> Result<GraphQLResponse, AppError> {
    let ctx = request_ctx(&state, &headers).await?;
    Ok(schema.execute(req.into_inner().data(ctx)).await.into())
}

async fn graphql_ws(
    State(state): State<AppState>,
    axum::Extension(schema): axum::Extension<AppSchema>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let ctx = request_ctx(&state, &headers).await?;
    Ok(upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            let mut data = Data::default();
            data.insert(ctx);
            GraphQLWebSocket::new(stream, schema, protocol).with_data(data).serve()
        })
        .into_response())
}
