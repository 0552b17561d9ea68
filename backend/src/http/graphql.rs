//! `/graphql` (POST queries and mutations; GET is the playground, see `playground`) and
//! `/graphql/ws` (subscriptions).
//!
//! `POST /graphql` takes `application/json` only (415 otherwise: a cross-site form can send
//! `text/plain`, urlencoded or multipart without a preflight) and reads at most
//! [`BODY_LIMIT_BYTES`](super::BODY_LIMIT_BYTES) while streaming (413 past it, whether the body
//! declares its length or is chunked); nothing runs in either case.
use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::{
    Router,
    body::Body,
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use super::BODY_LIMIT_BYTES;

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
    body: Body,
) -> Response {
    let mut res = match read_request(&headers, body).await {
        Ok(request) => match request_ctx(&state, &headers).await {
            Ok(ctx) => GraphQLResponse::from(schema.execute(request.data(ctx)).await).into_response(),
            Err(err) => err.into_response(),
        },
        Err(refusal) => refusal,
    };
    // Answers carry the merchant's data: never stored by a browser or a proxy.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The GraphQL request in the body, or the refusal to send: 415 for anything but JSON, 413 past
/// the limit (checked on the declared length first, then while reading), 400 for bad JSON.
pub(super) async fn read_request(
    headers: &HeaderMap,
    body: Body,
) -> Result<async_graphql::Request, Response> {
    if !is_json(headers) {
        return Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Send GraphQL requests as `Content-Type: application/json`.",
        ));
    }
    let too_large = || {
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("The request body is larger than {} KiB.", BODY_LIMIT_BYTES / 1024),
        )
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, BODY_LIMIT_BYTES).await.map_err(|err| {
        let inner = err.into_inner();
        if inner.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
            too_large()
        } else {
            refusal(StatusCode::BAD_REQUEST, "BAD_REQUEST", "The request body could not be read.")
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|err| {
        refusal(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("The body is not a GraphQL request: {err}"))
    })
}

/// `application/json`, with or without parameters such as `charset`.
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// A GraphQL-shaped error answer for a request that was not executed.
fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, axum::Json(body)).into_response()
}

async fn graphql_ws(
    State(state): State<AppState>,
    axum::Extension(schema): axum::Extension<AppSchema>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let ctx = request_ctx(&state, &headers).await?;
    let socket = match &ctx.session {
        Some(session) => match state.sessions.open_socket(session.id, crate::api::MAX_SOCKETS_PER_SESSION) {
            Some(slot) => Some(slot),
            None => {
                let message = format!(
                    "Too many open subscription sockets for this session: at most {}.",
                    crate::api::MAX_SOCKETS_PER_SESSION
                );
                return Ok((StatusCode::TOO_MANY_REQUESTS, message).into_response());
            }
        },
        None => None,
    };
    Ok(upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            let mut data = Data::default();
            data.insert(ctx);
            data.insert(crate::api::SocketBudget::default());
            async move {
                GraphQLWebSocket::new(stream, schema, protocol).with_data(data).serve().await;
                drop(socket);
            }
        })
        .into_response())
}
