//! The sandbox's configuration: the OAuth app it pretends to be registered as, the seeded
//! accounts, how much data they hold, and the limits it enforces. Owns no runtime state.

use std::time::Duration;

use url::Url;

/// Everything a [`crate::Sandbox`] needs to start. `Default` gives two seeded accounts and
/// Jobber's real limits; tests override single fields with `..Default::default()`.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// The OAuth client id the app must send.
    pub client_id: String,
    /// The OAuth client secret; also the webhook signing key, as on Jobber.
    pub client_secret: String,
    /// Accepted redirect URIs, matched byte for byte. Empty accepts any http(s) URL.
    pub redirect_uris: Vec<String>,
    /// Lifetime of access tokens (Jobber: 60 minutes).
    pub token_lifetime: Duration,
    /// Lifetime of authorization codes.
    pub code_lifetime: Duration,
    /// The Jobber accounts that exist, each with one admin user (more can be added with
    /// [`crate::Sandbox::add_user`]). [`AccountSeed::numbered`] makes a fleet.
    pub accounts: Vec<AccountSeed>,
    /// How many records of each kind every account is seeded with.
    pub records_per_account: RecordCounts,
    /// Visits seeded per job: job number `n` gets `1 + (n - 1) % visits_per_job` of them (so
    /// with 2, jobs alternate between one and two visits); 0 seeds none.
    pub visits_per_job: usize,
    /// Whether recording, editing or deleting a payment also sends `INVOICE_UPDATE` for the
    /// invoice whose balance it changed. Jobber's docs do not say (UNCERTAIN); the default
    /// (`false`) sends only `PAYMENT_*`, so an app must handle those itself.
    pub payment_sends_invoice_update: bool,
    /// Whether webhooks are delivered at start; see [`crate::Sandbox::set_webhooks_enabled`].
    pub webhooks_enabled: bool,
    /// The query-cost leaky bucket.
    pub bucket: BucketConfig,
    /// The DDoS ceiling: at most this many requests per window per app/account (HTTP 429 past it).
    pub request_limit: Option<(u32, Duration)>,
    /// Where webhooks go; `None` drops them.
    pub webhook_url: Option<Url>,
    /// How webhook deliveries are timed out and retried.
    pub webhook_retry: WebhookRetry,
    /// The app's id, sent as `appId` in webhooks and `app_id` in tokens.
    pub app_id: String,
    /// The app's name, shown on the consent page and returned by `appDisconnect`.
    pub app_name: String,
    /// The app's author, returned by `appDisconnect`.
    pub app_author: String,
}

/// One seeded Jobber account and its admin user.
#[derive(Clone, Debug)]
pub struct AccountSeed {
    /// The company name (`account { name }`).
    pub name: String,
    /// The admin's first name.
    pub user_first_name: String,
    /// The admin's last name.
    pub user_last_name: String,
    /// The admin's email.
    pub user_email: String,
}

impl AccountSeed {
    /// An account whose admin is `first last <email>`.
    pub fn new(name: &str, first: &str, last: &str, email: &str) -> Self {
        Self {
            name: name.to_owned(),
            user_first_name: first.to_owned(),
            user_last_name: last.to_owned(),
            user_email: email.to_owned(),
        }
    }

    /// `n` accounts for fleet tests and benchmarks: `Sandbox Account 001` … with admins
    /// `Admin 001 <admin001@account001.example>` …, numbered from 1 and zero-padded to at least
    /// three digits so names sort in seed order.
    pub fn numbered(n: usize) -> Vec<Self> {
        let width = n.to_string().len().max(3);
        (1..=n)
            .map(|i| {
                let num = format!("{i:0width$}");
                Self::new(
                    &format!("Sandbox Account {num}"),
                    "Admin",
                    &num,
                    &format!("admin{num}@account{num}.example"),
                )
            })
            .collect()
    }
}

/// Records seeded per account, per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordCounts {
    /// Clients.
    pub clients: usize,
    /// Properties (each belongs to a client).
    pub properties: usize,
    /// Jobs.
    pub jobs: usize,
    /// Quotes.
    pub quotes: usize,
    /// Invoices.
    pub invoices: usize,
}

impl RecordCounts {
    /// The same count for every kind.
    pub fn uniform(n: usize) -> Self {
        Self { clients: n, properties: n, jobs: n, quotes: n, invoices: n }
    }
}

impl Default for RecordCounts {
    fn default() -> Self {
        Self::uniform(25)
    }
}

/// Jobber's query-cost leaky bucket, one per app/account pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketConfig {
    /// `maximumAvailable` (Jobber: 10,000).
    pub maximum: u32,
    /// `restoreRate` in points per second (Jobber: 500).
    pub restore_rate: u32,
    /// When false nothing is ever throttled, but costs are still reported.
    pub enabled: bool,
}

impl Default for BucketConfig {
    fn default() -> Self {
        Self { maximum: 10_000, restore_rate: 500, enabled: true }
    }
}

/// Webhook delivery timing. Jobber's real schedule is not documented (UNCERTAIN); what is
/// documented is that an answer slower than 1 s counts as a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookRetry {
    /// Attempts per event, the first included.
    pub max_attempts: u32,
    /// Wait before the first retry; doubles after each.
    pub initial_backoff: Duration,
    /// An answer slower than this is a failed attempt.
    pub timeout: Duration,
}

impl Default for WebhookRetry {
    fn default() -> Self {
        Self { max_attempts: 5, initial_backoff: Duration::from_millis(200), timeout: Duration::from_secs(1) }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client-id".to_owned(),
            client_secret: "sandbox-client-secret".to_owned(),
            redirect_uris: Vec::new(),
            token_lifetime: Duration::from_secs(60 * 60),
            code_lifetime: Duration::from_secs(10 * 60),
            accounts: vec![
                AccountSeed::new("Green Thumb Landscaping", "Alex", "Green", "alex@greenthumb.example"),
                AccountSeed::new("Spark Electric Co.", "Sam", "Spark", "sam@sparkelectric.example"),
            ],
            records_per_account: RecordCounts::default(),
            visits_per_job: 2,
            payment_sends_invoice_update: false,
            webhooks_enabled: true,
            bucket: BucketConfig::default(),
            request_limit: Some((2500, Duration::from_secs(300))),
            webhook_url: None,
            webhook_retry: WebhookRetry::default(),
            app_id: "5a1e7c3e-0b1d-4c7a-9d2e-5a4db0c5a4db".to_owned(),
            app_name: "Sandbox App".to_owned(),
            app_author: "Sandbox Developer".to_owned(),
        }
    }
}
