//! `GET /graphql`: the GraphQL playground for frontend developers: GraphiQL built by the
//! frontend (`frontend/playground.html`, a second entry of its Vite build) and served from
//! `SPA_DIR` like the SPA (precompressed, revalidated), so it needs nothing from another origin and
//! runs under the app's Content-Security-Policy. On in development; in production only with
//! `GRAPHQL_PLAYGROUND=true`.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::state::AppState;

/// The built playground page, relative to `SPA_DIR`.
pub const PAGE: &str = "playground.html";

pub(super) async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.config.playground_enabled() {
        return (StatusCode::NOT_FOUND, "The GraphQL playground is off (set GRAPHQL_PLAYGROUND=true).")
            .into_response();
    }
    let path = state.config.spa_dir.join(PAGE);
    match super::spa::file_response(&path, headers.get(header::ACCEPT_ENCODING).cloned()).await {
        Some(res) => res,
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The GraphQL playground is not built: run `npm run build` (or the README's run command), \
             or set SPA_DIR to a built frontend/dist.",
        )
            .into_response(),
    }
}
