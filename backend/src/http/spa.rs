//! Serves the built single-page app with history fallback.
//!
//! Existing files come from `SPA_DIR` (hashed `/assets/*` are cached for a year and `immutable`;
//! everything else, `index.html` included, is revalidated). When the build wrote `X.br` / `X.gz`
//! beside a file, browsers that accept them get those (brotli first), with `Vary:
//! Accept-Encoding`. A GET that
//! accepts HTML on an unknown path gets `index.html`, so client-side routes survive a reload. API
//! paths (`/graphql*`, `/auth/*`, `/webhooks/*`, operations routes) and anything that looks like
//! a file (`/assets/x.js`) never do: they get a plain 404.

use std::{convert::Infallible, path::Path};

use axum::{
    body::Body,
    http::{HeaderValue, Method, Request, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use tower::{ServiceExt, service_fn, util::BoxCloneSyncService};
use tower_http::services::{ServeDir, ServeFile};

/// Path prefixes owned by the server, never answered with the SPA.
const RESERVED: &[&str] =
    &["/graphql", "/auth/", "/webhooks/", "/healthz", "/readyz", "/metrics", "/assets/"];

/// The fallback service for every path no route matched.
pub fn service(dir: &Path) -> BoxCloneSyncService<Request<Body>, Response, Infallible> {
    let files =
        ServeDir::new(dir).append_index_html_on_directories(false).precompressed_br().precompressed_gzip();
    let index = dir.join("index.html");
    BoxCloneSyncService::new(service_fn(move |req: Request<Body>| {
        let files = files.clone();
        let index = index.clone();
        async move {
            let path = req.uri().path().to_owned();
            let wants_html = accepts_html(&req);
            let encodings = req.headers().get(header::ACCEPT_ENCODING).cloned();
            let is_get = matches!(*req.method(), Method::GET | Method::HEAD);
            if is_admin_path(&path) || is_entry_page(&path) {
                // The operator console (and its page, `admin.html`) lives on the admin listener
                // only; the built entry pages are served by their own routes, never as files.
                return Ok((StatusCode::NOT_FOUND, "Not found").into_response());
            }
            if is_get && path != "/" && !path.ends_with('/') {
                let res =
                    files.oneshot(req).await.map(IntoResponse::into_response).unwrap_or_else(|e| match e {});
                if res.status() != StatusCode::NOT_FOUND {
                    return Ok(with_cache_headers(&path, res));
                }
            }
            if !is_get {
                return Ok(StatusCode::NOT_FOUND.into_response());
            }
            if is_reserved(&path) || looks_like_file(&path) || !wants_html {
                return Ok((StatusCode::NOT_FOUND, "Not found").into_response());
            }
            Ok(serve_index(&index, encodings).await)
        }
    }))
}

/// `/admin…` (the console's routes and page): never served on the public listener.
fn is_admin_path(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/") || path.starts_with("/admin.")
}

/// A built entry page requested as a file (`/index.html`, `/playground.html`, `/admin.html`): each
/// has its own route (`/` and the SPA's paths, `GET /graphql` when the playground is on, the admin
/// listener's `/admin`), which applies that page's rules; as plain files they would bypass them
/// (the playground would be served in production with `GRAPHQL_PLAYGROUND` off).
fn is_entry_page(path: &str) -> bool {
    path.ends_with(".html")
}

/// The admin listener's fallback: the built frontend's files as they are (the console's scripts,
/// styles and fonts), no SPA fallback; `/` goes to the console.
pub fn files_only(dir: &Path) -> BoxCloneSyncService<Request<Body>, Response, Infallible> {
    let files =
        ServeDir::new(dir).append_index_html_on_directories(false).precompressed_br().precompressed_gzip();
    BoxCloneSyncService::new(service_fn(move |req: Request<Body>| {
        let files = files.clone();
        async move {
            let path = req.uri().path().to_owned();
            if !matches!(*req.method(), Method::GET | Method::HEAD) {
                return Ok(StatusCode::NOT_FOUND.into_response());
            }
            if path == "/" {
                return Ok(axum::response::Redirect::to("/admin").into_response());
            }
            if !looks_like_file(&path) || path.ends_with(".html") {
                return Ok((StatusCode::NOT_FOUND, "Not found").into_response());
            }
            let res =
                files.oneshot(req).await.map(IntoResponse::into_response).unwrap_or_else(|e| match e {});
            Ok(if res.status() == StatusCode::NOT_FOUND { res } else { with_cache_headers(&path, res) })
        }
    }))
}

fn is_reserved(path: &str) -> bool {
    RESERVED.iter().any(|p| path == p.trim_end_matches('/') || path.starts_with(p))
}

fn looks_like_file(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

fn accepts_html(req: &Request<Body>) -> bool {
    accepts_html_headers(req.headers())
}

fn accepts_html_headers(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html") || v.contains("*/*") && !v.contains("application/json"))
}

fn with_cache_headers(path: &str, mut res: Response) -> Response {
    let value = if path.starts_with("/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    // The same URL answers differently per Accept-Encoding (precompressed variants).
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

/// `index.html` for a GET that accepts HTML (a route the SPA owns, e.g. `/manage`), else 404.
pub async fn index_response(dir: &Path, headers: &axum::http::HeaderMap) -> Response {
    if accepts_html_headers(headers) {
        serve_index(&dir.join("index.html"), headers.get(header::ACCEPT_ENCODING).cloned()).await
    } else {
        (StatusCode::NOT_FOUND, "Not found").into_response()
    }
}

/// A file of the built frontend (precompressed variants for `accept_encoding`, revalidated), or
/// `None` when it does not exist.
pub(crate) async fn file_response(path: &Path, accept_encoding: Option<HeaderValue>) -> Option<Response> {
    let mut req = Request::new(Body::empty());
    if let Some(v) = accept_encoding {
        req.headers_mut().insert(header::ACCEPT_ENCODING, v);
    }
    let res = ServeFile::new(path)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(req)
        .await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| match e {});
    (res.status() == StatusCode::OK).then(|| with_cache_headers("/index.html", res))
}

async fn serve_index(index: &Path, accept_encoding: Option<HeaderValue>) -> Response {
    match file_response(index, accept_encoding).await {
        Some(res) => res,
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(
                "<!doctype html><title>Fieldsync</title><h1>The web app is not built</h1>\
                 <p>Run <code>npm ci &amp;&amp; npm run build</code> (or the README's run command), \
                 or set <code>SPA_DIR</code> to a built <code>frontend/dist</code>.</p>",
            ),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_file_paths() {
        for p in [
            "/graphql",
            "/graphql/ws",
            "/auth/jobber",
            "/webhooks/jobber",
            "/healthz",
            "/metrics",
            "/assets/x.js",
        ] {
            assert!(is_reserved(p), "{p}");
        }
        for p in ["/", "/manage", "/denied", "/graphqlx"] {
            assert!(!is_reserved(p) || p == "/graphqlx", "{p}");
        }
        assert!(looks_like_file("/favicon.ico"));
        assert!(!looks_like_file("/manage"));
    }
}
