//! Defences every request passes through (see the README's Security section), in one middleware
//! ([`edge`]): the origin check on state-changing requests and WebSocket upgrades, the
//! whole-request timeout, and security headers on every answer; it also records request metrics.
//!
//! This module decides about requests from their headers only; it knows no route but the ones it
//! exempts, and it never reads a body.

use std::time::{Duration, Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::request_metrics::Labels;
use crate::state::AppState;

/// The Content-Security-Policy of the SPA and the server-rendered pages: nothing inline, nothing
/// from another origin, never framed. The frontend's browser tests hold the built SPA to exactly
/// this policy (`frontend/e2e/csp.e2e.ts`, `CONTRACT_CSP`). A route that needs another policy
/// (the GraphiQL playground) sets its own header: [`edge`] only fills in a missing one.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
form-action 'self'; object-src 'none'; img-src 'self' data:; font-src 'self' data:; style-src 'self'; \
connect-src 'self'";

/// Sent everywhere: the full URL stays on our origin; other origins get the origin only.
pub const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";

/// Sent when `APP_BASE_URL` is https: browsers use https for a year.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// What the edge middleware needs, computed once when the router is built.
#[derive(Clone)]
pub struct EdgeSettings {
    /// Origins whose browser requests may change state (see [`Config::allowed_origins`]).
    ///
    /// [`Config::allowed_origins`]: crate::config::Config::allowed_origins
    pub allowed_origins: std::sync::Arc<[String]>,
    /// Send `Strict-Transport-Security` (`APP_BASE_URL` is https).
    pub hsts: bool,
    /// The whole-request timeout for ordinary requests.
    pub request_timeout: Duration,
    /// Also allow the origin the request names in `Host` (the admin listener, whose address
    /// operators reach it by is not configured anywhere else).
    pub same_host: bool,
}

impl EdgeSettings {
    /// The settings for `state`'s configuration.
    pub fn new(state: &AppState) -> Self {
        Self {
            allowed_origins: state.config.allowed_origins().into(),
            hsts: state.config.is_https(),
            request_timeout: state.config.http.request_timeout,
            same_host: false,
        }
    }

    /// The admin listener's: its own origin (from `Host`) only.
    pub fn admin(state: &AppState) -> Self {
        Self {
            allowed_origins: Vec::new().into(),
            hsts: state.config.is_https(),
            request_timeout: state.config.http.request_timeout,
            same_host: true,
        }
    }
}

/// The edge in one middleware (one layer costs less per request than several):
///
/// 1. **Request metrics** ([`super::request_metrics`]) of every answer, refusals included.
/// 2. **Origin check** (CSRF defence beside `SameSite=Lax` cookies): every request that is not
///    GET/HEAD/OPTIONS, and every WebSocket upgrade, must come from one of our origins when the
///    browser says where it comes from; requests that send neither `Origin` nor `Sec-Fetch-Site`
///    (curl, server-side clients, Jobber's webhooks) pass.
/// 3. **Whole-request timeout** for ordinary requests, body upload included: past it the handler
///    is dropped and the answer is 503. WebSocket upgrades are exempt (a subscription lives as
///    long as its socket); tower-http's `TimeoutLayer` cannot exempt one route of a merged
///    router, hence `tokio::time::timeout` here (it costs nothing until the handler waits).
/// 4. **Security headers** on every answer (refusals included), each only where the route did not
///    set its own: `nosniff` and the referrer policy everywhere, the Content-Security-Policy on
///    everything a browser could render as a document (see [`renders_as_document`]).
pub async fn edge(State(edge): State<EdgeSettings>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let labels = Labels::new(req.method(), req.extensions().get::<MatchedPath>());
    let upgrade = is_websocket_upgrade(req.headers());
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let refused = if safe && !upgrade {
        None
    } else if edge.same_host {
        let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        let own = [format!("http://{host}"), format!("https://{host}")];
        cross_origin(req.headers(), &own)
    } else {
        cross_origin(req.headers(), &edge.allowed_origins)
    };
    let mut res = if let Some(reason) = refused {
        tracing::info!(reason, method = %req.method(), path = %req.uri().path(), "cross-origin request refused");
        metrics::counter!("http_cross_origin_refused_total").increment(1);
        let mut res = (StatusCode::FORBIDDEN, "Cross-origin request refused.\n").into_response();
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    } else if upgrade {
        next.run(req).await
    } else {
        match tokio::time::timeout(edge.request_timeout, next.run(req)).await {
            Ok(res) => res,
            Err(_) => {
                tracing::warn!(limit_secs = edge.request_timeout.as_secs(), "request timed out");
                (StatusCode::SERVICE_UNAVAILABLE, "The request took too long.\n").into_response()
            }
        }
    };
    let document = renders_as_document(res.headers());
    let headers = res.headers_mut();
    headers.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static(REFERRER_POLICY));
    if document {
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    }
    if edge.hsts {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    labels.record(res.status(), started.elapsed());
    res
}

/// Whether a browser could render the answer as a document (and so run what it holds): HTML,
/// XHTML, SVG and XML, and answers without a type. Everything else (the API's JSON, plain text,
/// scripts, styles, fonts, images) is only ever shown as what its type says: `nosniff` keeps
/// browsers from reading it as anything else, so the policy would be bytes for nothing.
fn renders_as_document(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes) else {
        return true;
    };
    let essence = content_type.split(|b| *b == b';').next().unwrap_or_default().trim_ascii();
    let is = |t: &str| essence.eq_ignore_ascii_case(t.as_bytes());
    is("text/html")
        || is("application/xhtml+xml")
        || is("image/svg+xml")
        || is("text/xml")
        || is("application/xml")
}

/// Why the request is cross-origin, or `None` when it may proceed.
fn cross_origin(headers: &HeaderMap, allowed: &[String]) -> Option<&'static str> {
    let fetch_site = headers.get("sec-fetch-site").map(HeaderValue::as_bytes);
    if fetch_site.is_some_and(|v| v.eq_ignore_ascii_case(b"cross-site")) {
        return Some("sec-fetch-site cross-site");
    }
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin.to_str().unwrap_or("null").trim();
    if origin.eq_ignore_ascii_case("null") {
        return Some("origin null");
    }
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) { None } else { Some("foreign origin") }
}

/// True for an HTTP/1.1 WebSocket upgrade request.
pub fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn documents_get_the_content_security_policy() {
        let with = |t: &'static str| headers(&[("content-type", t)]);
        assert!(renders_as_document(&with("text/html; charset=utf-8")));
        assert!(renders_as_document(&with("image/svg+xml")));
        assert!(renders_as_document(&with("application/xhtml+xml")));
        assert!(renders_as_document(&headers(&[])));
        assert!(!renders_as_document(&with("application/json")));
        assert!(!renders_as_document(&with("Application/JSON; charset=utf-8")));
        assert!(!renders_as_document(&with("application/graphql-response+json")));
        assert!(!renders_as_document(&with("text/plain; charset=utf-8")));
        assert!(!renders_as_document(&with("text/javascript")));
        assert!(!renders_as_document(&with("text/css")));
        assert!(!renders_as_document(&with("font/woff2")));
    }

    #[test]
    fn origins() {
        let allowed = vec!["https://app.example.com".to_owned()];
        assert_eq!(cross_origin(&headers(&[]), &allowed), None);
        assert_eq!(cross_origin(&headers(&[("origin", "https://app.example.com")]), &allowed), None);
        assert_eq!(cross_origin(&headers(&[("sec-fetch-site", "same-origin")]), &allowed), None);
        assert!(cross_origin(&headers(&[("origin", "https://evil.example")]), &allowed).is_some());
        assert!(cross_origin(&headers(&[("origin", "null")]), &allowed).is_some());
        assert!(cross_origin(&headers(&[("sec-fetch-site", "cross-site")]), &allowed).is_some());
        assert!(
            cross_origin(&headers(&[("origin", "https://app.example.com.evil.example")]), &allowed).is_some()
        );
    }
}
