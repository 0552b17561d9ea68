//! Request metrics: `http_requests_total` and `http_request_duration_seconds` by method, route
//! and status.
//!
//! No label is ever taken from request data: the method is one of a fixed set or `other`, the
//! route the matched route template or `unmatched`, the status a number the app chose. Junk
//! requests therefore cannot create new series.
//!
//! Each worker thread keeps the metric handles it has used, by label set, so that a request costs
//! two atomic updates instead of building a metrics key and looking it up in the recorder's
//! registry (about a tenth of a `/healthz` request's CPU, measured with callgrind). The cache is
//! bounded by the labels' own bounds: route templates × methods × statuses.

use std::{cell::RefCell, collections::HashMap, time::Duration};

use axum::{
    extract::MatchedPath,
    http::{Method, StatusCode},
};
use metrics::{Counter, Histogram};

/// The labels of one request, known before it runs (the status comes after).
pub struct Labels {
    method: &'static str,
    route: Option<MatchedPath>,
}

impl Labels {
    /// The labels of a request with this method and matched route (`None`: no route matched).
    pub fn new(method: &Method, route: Option<&MatchedPath>) -> Self {
        Self { method: method_label(method), route: route.cloned() }
    }

    /// Counts the request and records how long it took.
    pub fn record(&self, status: StatusCode, took: Duration) {
        let route = self.route.as_ref().map_or("unmatched", MatchedPath::as_str);
        HANDLES.with_borrow_mut(|handles| {
            if !handles.contains_key(route) {
                handles.insert(route.into(), HashMap::new());
            }
            let by_route = handles.get_mut(route).expect("inserted above");
            let (count, duration) = by_route
                .entry((self.method, status.as_u16()))
                .or_insert_with(|| handles_for(self.method, route, status));
            count.increment(1);
            duration.record(took.as_secs_f64());
        });
    }
}

/// Handles by route template, then by (method label, status).
type Handles = HashMap<Box<str>, HashMap<(&'static str, u16), (Counter, Histogram)>>;

thread_local! {
    static HANDLES: RefCell<Handles> = RefCell::new(HashMap::new());
}

fn handles_for(method: &'static str, route: &str, status: StatusCode) -> (Counter, Histogram) {
    let labels =
        [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.as_u16().to_string())];
    (
        metrics::counter!("http_requests_total", &labels),
        metrics::histogram!("http_request_duration_seconds", &labels),
    )
}

/// The method as a metrics label: the standard methods by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(method_label(&Method::from_bytes(b"FOO123").unwrap()), "other");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
    }
}
