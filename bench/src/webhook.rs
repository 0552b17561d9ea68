//! Signed webhook deliveries for the load generator: every request a distinct event.

use std::sync::Arc;

use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{Request, StatusCode, header};
use http_body_util::Full;
use sha2::Sha256;

use crate::{load::Target, server::SANDBOX_CLIENT_SECRET};

/// Topics cycled through, as a merchant's day would send them.
pub const TOPICS: &[&str] =
    &["CLIENT_CREATE", "CLIENT_UPDATE", "JOB_CREATE", "JOB_UPDATE", "INVOICE_CREATE", "QUOTE_UPDATE"];

/// The sandbox's accounts, connected before the load starts.
pub const ACCOUNTS: [&str; 2] = ["Green Thumb Landscaping", "Spark Electric Co."];

/// A webhook target whose request `n` is a distinct event, signed with `secret`. `run` keeps
/// bodies of different phases apart. Three in four events are for the `connected` accounts.
pub fn webhook_target(addr: std::net::SocketAddr, run: u64, connected: Arc<Vec<String>>) -> Target {
    let base = chrono::Utc::now();
    Target::new(
        addr,
        Arc::new(move |n| {
            let seq = run * 100_000_000 + n;
            let occurred = base + chrono::Duration::milliseconds(seq as i64);
            let body = serde_json::json!({
                "data": { "webHookEvent": {
                    "topic": TOPICS[(n % TOPICS.len() as u64) as usize],
                    "appId": "5a1e7c3e-0b1d-4c7a-9d2e-5a4db0c5a4db",
                    "accountId": if n % 4 == 3 {
                        // Not connected: an uninstalled account, say.
                        format!("Z2lkOi8vSm9iYmVyL0FjY291bnQvOTk5{}", n % 3)
                    } else {
                        connected[(n % 2) as usize].clone()
                    },
                    "itemId": format!("Z2lkOi8vSm9iYmVyL0NsaWVudC8{seq}"),
                    "occurredAt": occurred.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                }}
            })
            .to_string();
            let mut mac =
                Hmac::<Sha256>::new_from_slice(SANDBOX_CLIENT_SECRET.as_bytes()).expect("any key length");
            mac.update(body.as_bytes());
            let signature = B64.encode(mac.finalize().into_bytes());
            Request::post("/webhooks/jobber")
                .header(header::CONTENT_TYPE, "application/json")
                .header("X-Jobber-Hmac-SHA256", signature)
                .body(Full::new(Bytes::from(body)))
                .expect("valid request")
        }),
        // The server answers "accepted" for a new inbox row and "duplicate" for a known one.
        Arc::new(|status, body| status == StatusCode::OK && body == b"accepted"),
    )
}
