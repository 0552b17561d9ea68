//! The admin API's types, built from [`crate::installs`]' domain values at the edge.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    db::{
        entities::{audit_log, webhook_events},
        enums,
    },
    installs,
    sync::health,
};

/// The state of an install's connection.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum InstallStatus {
    Connected,
    Degraded,
    NeedsReauth,
    Disconnected,
}

impl From<enums::ConnectionStatus> for InstallStatus {
    fn from(s: enums::ConnectionStatus) -> Self {
        match s {
            enums::ConnectionStatus::Connected => Self::Connected,
            enums::ConnectionStatus::Degraded => Self::Degraded,
            enums::ConnectionStatus::NeedsReauth => Self::NeedsReauth,
            enums::ConnectionStatus::Disconnected => Self::Disconnected,
        }
    }
}

impl From<InstallStatus> for enums::ConnectionStatus {
    fn from(s: InstallStatus) -> Self {
        match s {
            InstallStatus::Connected => Self::Connected,
            InstallStatus::Degraded => Self::Degraded,
            InstallStatus::NeedsReauth => Self::NeedsReauth,
            InstallStatus::Disconnected => Self::Disconnected,
        }
    }
}

/// Why an install needs an operator's attention.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum InstallProblem {
    /// Jobber refused the tokens; the merchant must reconnect.
    NeedsReauth,
    /// Token refreshes are failing for now.
    Degraded,
    /// Some webhook events gave up after every retry (redrive them).
    DeadLetters,
    /// The last run of at least one resource failed.
    SyncFailing,
    /// Jobber is not delivering this account's webhooks.
    WebhooksMissing,
}

impl From<installs::Problem> for InstallProblem {
    fn from(p: installs::Problem) -> Self {
        match p {
            installs::Problem::NeedsReauth => Self::NeedsReauth,
            installs::Problem::Degraded => Self::Degraded,
            installs::Problem::DeadLetters => Self::DeadLetters,
            installs::Problem::SyncFailing => Self::SyncFailing,
            installs::Problem::WebhooksMissing => Self::WebhooksMissing,
        }
    }
}

/// How a connection ended.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum DisconnectSource {
    Merchant,
    Jobber,
    Operator,
}

impl From<enums::DisconnectSource> for DisconnectSource {
    fn from(s: enums::DisconnectSource) -> Self {
        match s {
            enums::DisconnectSource::Merchant => Self::Merchant,
            enums::DisconnectSource::Jobber => Self::Jobber,
            enums::DisconnectSource::Operator => Self::Operator,
        }
    }
}

/// The kinds of synced resource.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SyncResource {
    Client,
    Property,
    Job,
    Quote,
    Invoice,
}

impl From<enums::Resource> for SyncResource {
    fn from(r: enums::Resource) -> Self {
        match r {
            enums::Resource::Clients => Self::Client,
            enums::Resource::Properties => Self::Property,
            enums::Resource::Jobs => Self::Job,
            enums::Resource::Quotes => Self::Quote,
            enums::Resource::Invoices => Self::Invoice,
        }
    }
}

/// The state of a resource's sync.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SyncRunState {
    Idle,
    Running,
    Done,
    Failed,
}

impl From<enums::SyncRunState> for SyncRunState {
    fn from(s: enums::SyncRunState) -> Self {
        match s {
            enums::SyncRunState::Idle => Self::Idle,
            enums::SyncRunState::Running => Self::Running,
            enums::SyncRunState::Done => Self::Done,
            enums::SyncRunState::Failed => Self::Failed,
        }
    }
}

/// Where a webhook event is.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum WebhookEventStatus {
    Pending,
    Processed,
    Ignored,
    Failed,
    Dead,
}

impl From<enums::EventStatus> for WebhookEventStatus {
    fn from(s: enums::EventStatus) -> Self {
        match s {
            enums::EventStatus::Pending => Self::Pending,
            enums::EventStatus::Processed => Self::Processed,
            enums::EventStatus::Ignored => Self::Ignored,
            enums::EventStatus::Failed => Self::Failed,
            enums::EventStatus::Dead => Self::Dead,
        }
    }
}

/// The verdict on an account's webhooks.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum WebhookHealthStatus {
    /// Recent changes were announced by webhooks.
    Healthy,
    /// Too few recent changes to judge.
    Unknown,
    /// Changes went unannounced: Jobber is not delivering webhooks; the app syncs more often.
    Missing,
}

/// Whether Jobber's webhooks announce the changes syncs find.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookHealth {
    pub status: WebhookHealthStatus,
    /// When the newest webhook for this account arrived (any topic).
    pub last_received_at: Option<DateTime<Utc>>,
}

impl From<health::WebhookHealth> for WebhookHealth {
    fn from(h: health::WebhookHealth) -> Self {
        let status = match h.status {
            health::Status::Healthy => WebhookHealthStatus::Healthy,
            health::Status::Unknown => WebhookHealthStatus::Unknown,
            health::Status::Missing => WebhookHealthStatus::Missing,
        };
        Self { status, last_received_at: h.last_received_at }
    }
}

/// One resource's sync, as the operator sees it.
#[derive(SimpleObject, Clone, Debug)]
pub struct ResourceSync {
    pub resource: SyncResource,
    pub state: SyncRunState,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_full_success_at: Option<DateTime<Utc>>,
    /// Consecutive failed attempts of the current run.
    pub failures: i32,
    /// Why the last run failed, in plain words; null when it did not.
    pub error: Option<String>,
    /// When the next attempt may start (after a failure).
    pub not_before: Option<DateTime<Utc>>,
}

/// An account the app has seen: metadata, counts and states only (never the merchant's
/// customers' records).
pub struct Install(pub installs::Install);

#[Object]
impl Install {
    async fn jobber_account_id(&self) -> &str {
        &self.0.jobber_account_id
    }
    /// The Jobber account's (business) name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn status(&self) -> InstallStatus {
        self.0.status.into()
    }
    /// Why it needs attention, most urgent first; empty when healthy.
    async fn problems(&self) -> Vec<InstallProblem> {
        self.0.problems.iter().map(|p| (*p).into()).collect()
    }
    async fn connected_at(&self) -> DateTime<Utc> {
        self.0.connected_at
    }
    /// Name of the Jobber user who connected it.
    async fn connected_by_name(&self) -> Option<&str> {
        self.0.connected_by_name.as_deref()
    }
    /// Email of the Jobber user who connected it.
    async fn connected_by_email(&self) -> Option<&str> {
        self.0.connected_by_email.as_deref()
    }
    async fn disconnected_at(&self) -> Option<DateTime<Utc>> {
        self.0.disconnected_at
    }
    async fn disconnected_by(&self) -> Option<DisconnectSource> {
        self.0.disconnected_by.map(Into::into)
    }
    /// The last token error, in plain words; null when there is none.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the access token was last refreshed.
    async fn last_refresh_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_refresh_at
    }
    /// Per resource: when it last synced successfully and how its last run went.
    async fn resources(&self) -> Vec<ResourceSync> {
        self.0
            .resources
            .iter()
            .map(|r| ResourceSync {
                resource: r.resource.into(),
                state: r.state.into(),
                last_success_at: r.last_success_at,
                last_full_success_at: r.last_full_success_at,
                failures: r.failures,
                error: r.error.map(str::to_owned),
                not_before: r.not_before,
            })
            .collect()
    }
    /// Resource syncs whose last run failed.
    async fn failing_runs(&self) -> i64 {
        self.0.failing_runs
    }
    /// Webhook events waiting to be processed.
    async fn webhooks_pending(&self) -> i64 {
        self.0.webhooks_pending
    }
    /// Dead-lettered webhook events.
    async fn webhooks_dead(&self) -> i64 {
        self.0.webhooks_dead
    }
    /// Whether Jobber's webhooks announce the changes syncs find; null before any evidence.
    async fn webhook_health(&self) -> Option<WebhookHealth> {
        self.0.webhook_health.clone().map(Into::into)
    }
}

/// One page of the installs list.
#[derive(SimpleObject)]
pub struct InstallPage {
    pub installs: Vec<Install>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Installs matching the filter and search.
    pub total_count: u64,
}

impl From<installs::InstallPage> for InstallPage {
    fn from(p: installs::InstallPage) -> Self {
        Self {
            installs: p.installs.into_iter().map(Install).collect(),
            next_cursor: p.next_cursor,
            total_count: p.total_count,
        }
    }
}

/// Who or what caused an audited change.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Actor {
    /// A merchant's Jobber user, through the app.
    Merchant,
    /// Jobber itself (an APP_DISCONNECT webhook, a refused refresh token).
    Jobber,
    /// An operator, through the console, the admin API or the command line.
    Operator,
    /// The app on its own (a refresh failing or recovering).
    System,
}

/// The kinds of audited change.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AuditKind {
    /// First connection of an account.
    Connected,
    /// A disconnected or broken account connected again.
    Reconnected,
    /// A merchant signed in (the Manage App button, or sign-in; tokens untouched).
    SignedIn,
    /// Refreshing the tokens failed for a while: DEGRADED.
    Degraded,
    /// Jobber refused the tokens: NEEDS_REAUTH until the merchant reconnects.
    NeedsReauth,
    /// A refresh succeeded again after DEGRADED.
    Recovered,
    /// The connection ended (the actor says by whom).
    Disconnected,
    /// Stored tokens were re-encrypted under a new key.
    KeysRotated,
    /// Dead-lettered webhook events were queued again.
    Redriven,
    /// An operator asked for a sync.
    SyncRequested,
}

impl From<enums::AuditKind> for AuditKind {
    fn from(k: enums::AuditKind) -> Self {
        use enums::AuditKind as K;
        match k {
            K::Connected => Self::Connected,
            K::Reconnected => Self::Reconnected,
            K::SignedIn => Self::SignedIn,
            K::Degraded => Self::Degraded,
            K::NeedsReauth => Self::NeedsReauth,
            K::Recovered => Self::Recovered,
            K::Disconnected => Self::Disconnected,
            K::KeysRotated => Self::KeysRotated,
            K::Redriven => Self::Redriven,
            K::SyncRequested => Self::SyncRequested,
        }
    }
}

impl From<enums::Actor> for Actor {
    fn from(a: enums::Actor) -> Self {
        match a {
            enums::Actor::Merchant => Self::Merchant,
            enums::Actor::Jobber => Self::Jobber,
            enums::Actor::Operator => Self::Operator,
            enums::Actor::System => Self::System,
        }
    }
}

/// One entry of the audit log: what happened to an install, when, and who did it. Never holds a
/// token, an OAuth code or a merchant's customer data.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEntry {
    /// Opaque, increasing identifier.
    pub id: ID,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The Jobber account it concerns (null for fleet-wide entries such as key rotation).
    pub jobber_account_id: Option<String>,
    /// The account's name when the entry was written.
    pub account_name: Option<String>,
    /// What happened.
    pub kind: AuditKind,
    /// Who caused it.
    pub actor: Actor,
    /// The acting person where there is one: the Jobber user's name for MERCHANT, the operator's
    /// label for OPERATOR.
    pub actor_name: Option<String>,
    /// A short detail in plain words.
    pub detail: String,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(m: audit_log::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            at: m.at,
            jobber_account_id: m.jobber_account_id,
            account_name: m.account_name,
            kind: m.kind.into(),
            actor: m.actor.into(),
            actor_name: m.actor_name,
            detail: m.detail,
        }
    }
}

/// A page of audit entries, newest first.
#[derive(SimpleObject)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `after` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

impl AuditPage {
    /// From up to `limit + 1` rows (the extra one says more follow).
    pub fn new(mut rows: Vec<audit_log::Model>, limit: usize) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = more.then(|| rows.last().map(|r| r.id.to_string())).flatten();
        Self { entries: rows.into_iter().map(Into::into).collect(), next_cursor }
    }
}

/// A webhook event's metadata (never its payload).
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookEventMeta {
    pub id: ID,
    pub topic: String,
    pub status: WebhookEventStatus,
    pub attempts: i32,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

impl From<webhook_events::Model> for WebhookEventMeta {
    fn from(m: webhook_events::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            topic: m.topic,
            status: m.status.into(),
            attempts: m.attempts,
            received_at: m.received_at,
            processed_at: m.processed_at,
            last_error: m.last_error,
        }
    }
}

/// One install in full.
#[derive(SimpleObject)]
pub struct InstallDetail {
    pub install: Install,
    /// Its audit log, newest first (the most recent 100).
    pub timeline: Vec<AuditEntry>,
    /// Its most recent webhook events (metadata only, newest first, at most 50).
    pub webhook_events: Vec<WebhookEventMeta>,
}

impl From<installs::InstallDetail> for InstallDetail {
    fn from(d: installs::InstallDetail) -> Self {
        Self {
            install: Install(d.install),
            timeline: d.timeline.into_iter().map(Into::into).collect(),
            webhook_events: d.webhook_events.into_iter().map(Into::into).collect(),
        }
    }
}

/// What an operator action did.
#[derive(SimpleObject)]
pub struct ActionResult {
    /// A sentence for the operator, e.g. "Queued 3 dead-lettered webhook event(s) again."
    pub message: String,
    /// The install after the action.
    pub install: Install,
}

/// Installs of one status.
#[derive(SimpleObject, Clone, Debug)]
pub struct StatusCount {
    pub status: InstallStatus,
    pub count: i64,
}

/// Latency percentiles over recent samples.
#[derive(SimpleObject, Clone, Debug)]
pub struct LatencySummary {
    /// How many samples (at most the last 1,024).
    pub samples: i64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// A distinct versioning warning Jobber sent in `extensions.versioning`.
#[derive(SimpleObject, Clone, Debug)]
pub struct VersioningWarning {
    /// Jobber's words.
    pub message: String,
    /// The version Jobber served with it.
    pub served_version: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// The health of the whole fleet (this database; latency figures are this instance's).
#[derive(SimpleObject, Clone, Debug)]
pub struct FleetHealth {
    /// Installs per status.
    pub installs: Vec<StatusCount>,
    /// Webhook events waiting to be processed (PENDING, or FAILED and retrying).
    pub inbox_pending: i64,
    /// When the oldest waiting event arrived; null when none waits.
    pub inbox_oldest_pending_at: Option<DateTime<Utc>>,
    /// Dead-lettered webhook events across every install.
    pub inbox_dead: i64,
    /// How long this instance took to acknowledge Jobber's webhook deliveries (recent ones).
    pub webhook_ack: LatencySummary,
    /// Resource syncs requested and due now, not running.
    pub sync_due: i64,
    /// Resource syncs running now.
    pub sync_running: i64,
    /// Resource syncs whose last run failed.
    pub sync_failing: i64,
    /// The Jobber API version the app asks for (`JOBBER_GRAPHQL_VERSION`).
    pub jobber_api_version: String,
    /// Every `extensions.versioning` warning Jobber has sent, newest first. Jobber silently
    /// upgrades requests for a removed version, so a warning is the only notice.
    pub versioning_warnings: Vec<VersioningWarning>,
}

impl FleetHealth {
    pub fn new(fleet: installs::Fleet, jobber_api_version: String) -> Self {
        let ack = crate::metrics::webhook_ack_summary();
        Self {
            installs: fleet
                .installs
                .into_iter()
                .map(|(s, count)| StatusCount { status: s.into(), count })
                .collect(),
            inbox_pending: fleet.figures.inbox_pending,
            inbox_oldest_pending_at: fleet.figures.inbox_oldest_pending_at,
            inbox_dead: fleet.figures.inbox_dead,
            webhook_ack: LatencySummary { samples: ack.samples, p50_ms: ack.p50_ms, p99_ms: ack.p99_ms },
            sync_due: fleet.figures.sync_due,
            sync_running: fleet.figures.sync_running,
            sync_failing: fleet.figures.sync_failing,
            jobber_api_version,
            versioning_warnings: fleet
                .warnings
                .into_iter()
                .map(|w| VersioningWarning {
                    message: w.message,
                    served_version: w.served_version,
                    first_seen_at: w.first_seen_at,
                    last_seen_at: w.last_seen_at,
                })
                .collect(),
        }
    }
}
