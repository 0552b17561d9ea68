//! A faithful local stand-in for Jobber, at Jobber's paths: point an app's `JOBBER_API_URL` at
//! it and nothing else changes. Tests, benchmarks and the app's dev mode embed it in-process
//! (`Sandbox::spawn`); the `jobber-sandbox` binary serves it standalone.
//!
//! Map:
//! - `config`: [`SandboxConfig`] and its parts.
//! - `store`: accounts, users and records in memory, deterministic seeding, paging.
//! - `changes`: the changes Jobber's own UI makes (visits, payments, payouts, closing jobs,
//!   sending and approving quotes, users) and the webhooks each raises.
//! - `oauth`: `/api/oauth/authorize` (consent page) and `/api/oauth/token`.
//! - `graphql`: `/api/graphql`: the schema (async-graphql, Jobber's type names), query cost,
//!   the leaky bucket and the request ceiling.
//! - `webhooks`: signing, background delivery with retries, the delivery switch.
//! - `topics`: Jobber's webhook topics, in one list.
//! - `usage`: per-token usage, the refresh log, in-flight GraphQL requests per operation.
//! - `faults`: fault injection.
//! - `admin`: `/sandbox/...` JSON routes and the HTML dashboard.
//!
//! The sandbox must never talk to the real Jobber and never persist anything.

mod admin;
mod changes;
mod config;
mod faults;
mod graphql;
mod html;
pub mod ids;
mod oauth;
mod store;
pub mod topics;
mod usage;
pub mod webhooks;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};
use std::time::Instant;

use chrono::Utc;
use url::Url;

pub use changes::{PaymentInput, PayoutInput, UserInput, VisitInput};
pub use config::{AccountSeed, BucketConfig, RecordCounts, SandboxConfig, WebhookRetry};
pub use faults::{FaultHandle, Faults};
pub use graphql::{SandboxSchema, sdl};
pub use store::{PaymentMethod, PayoutStatus, RecordKind};
pub use usage::{OperationConcurrency, RefreshLogEntry, TokenUsage, token_fingerprint};

use store::{AccountData, ClientRec, IdCounters, PropertyRec, Text, WorkRec};

/// Locks a mutex, shrugging off poisoning: a panicked test thread must not wedge the sandbox.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Errors from the record and account helpers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SandboxError {
    /// No account has this EncodedId.
    #[error("no account with id {0}")]
    UnknownAccount(String),
    /// No record of this kind with this id in the account.
    #[error("no {0:?} with id {1} in this account")]
    UnknownRecord(RecordKind, String),
    /// No visit, payment, payout or user with this id in the account.
    #[error("no {0} with id {1} in this account")]
    UnknownItem(&'static str, String),
    /// The record needs something the account does not have (e.g. a job needs a property), or
    /// the change is not allowed in the record's state.
    #[error("{0}")]
    InvalidInput(String),
}

/// Counters a test can assert on. `GET /sandbox/stats` serves them as camelCase JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// `POST /api/oauth/token` calls by `grant_type` (`authorization_code`, `refresh_token`,
    /// or whatever else was sent), failures included.
    pub token_requests: BTreeMap<String, u64>,
    /// Same as `token_requests["refresh_token"]`.
    pub refresh_requests: u64,
    /// `POST /api/graphql` calls, failures included.
    pub graphql_requests: u64,
    /// Responses that were THROTTLED.
    pub throttled_responses: u64,
    /// Responses that were HTTP 429.
    pub rate_limited_responses: u64,
    /// `appDisconnect` mutations by account EncodedId.
    pub app_disconnect_calls: BTreeMap<String, u64>,
    /// Webhook delivery counters.
    pub webhook_deliveries: WebhookStats,
    /// Every access token ever issued, oldest first (named by fingerprint, never the token).
    pub tokens: Vec<TokenUsage>,
    /// Every successful refresh grant, oldest first.
    pub refresh_log: Vec<RefreshLogEntry>,
    /// In-flight GraphQL requests per (account, operation name), sorted by both.
    pub graphql_concurrency: Vec<OperationConcurrency>,
}

/// Webhook delivery counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookStats {
    /// HTTP attempts, retries included.
    pub attempted: u64,
    /// Deliveries answered 2xx in time (a duplicated event counts twice).
    pub succeeded: u64,
    /// Deliveries that ran out of attempts.
    pub failed: u64,
    /// Events discarded by the drop fault.
    pub dropped: u64,
    /// Events discarded because no webhook URL was set.
    pub without_url: u64,
    /// Events discarded because webhook deliveries were switched off (raised while off, or
    /// still queued or being retried when they were switched off). Never delivered later.
    pub suppressed: u64,
}

/// What `accounts()` and `GET /sandbox/accounts` tell about an account.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// The account's EncodedId.
    pub id: String,
    /// The integer id inside it (the JWT's `account_id`).
    pub numeric_id: u64,
    /// The company name.
    pub name: String,
    /// Whether the app is connected (Allow clicked, not disconnected since).
    pub app_connected: bool,
    /// The account owner (the seeded admin).
    pub user: UserInfo,
    /// Every user of the account, the owner first.
    pub users: Vec<UserInfo>,
}

/// A user of an account (all sandbox users are admins).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// The user's EncodedId.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Whether this is the account owner (the seeded admin, first in `users`).
    pub is_account_owner: bool,
}

/// Fields for `create_record`/`update_record`. Each applies to the kinds that have it; the
/// rest are ignored. Unset fields get seeded-looking defaults on create and stay as they are on
/// update.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RecordInput {
    /// Client first name.
    pub first_name: Option<String>,
    /// Client last name.
    pub last_name: Option<String>,
    /// Client company name.
    pub company_name: Option<String>,
    /// Property street.
    pub street: Option<String>,
    /// Job/quote title, invoice subject.
    pub title: Option<String>,
    /// Owner client (EncodedId) of a property, job, quote or invoice.
    pub client_id: Option<String>,
    /// Property (EncodedId) of a job, quote or invoice.
    pub property_id: Option<String>,
    /// Pre-tax amount of a job, quote or invoice.
    pub subtotal: Option<f64>,
}

/// An authorization code waiting to be exchanged.
pub(crate) struct CodeRec {
    pub account: u64,
    pub user: u64,
    pub redirect_uri: String,
    pub expires_at: Instant,
}

/// Why an access token stopped working before its `exp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Revoked {
    /// The account disconnected the app.
    Disconnected,
}

pub(crate) struct AccessRec {
    pub account: u64,
    pub user: u64,
    pub exp: i64,
    pub forced_expired: bool,
    pub revoked: Option<Revoked>,
    pub log: usage::TokenLog,
}

pub(crate) struct RefreshRec {
    pub account: u64,
    pub user: u64,
    /// The access token issued with it (what a refresh with it replaces).
    pub access: String,
}

/// The query-cost bucket of one app/account pair.
pub(crate) struct Bucket {
    pub available: f64,
    pub updated: Instant,
}

/// The request ceiling's fixed window for one app/account pair.
pub(crate) struct Window {
    pub started: Instant,
    pub count: u32,
}

/// Mutable state behind one lock: simple, and never held across an await.
pub(crate) struct State {
    pub accounts: Vec<AccountData>,
    pub ids: IdCounters,
    pub codes: HashMap<String, CodeRec>,
    pub access: HashMap<String, AccessRec>,
    pub refresh: HashMap<String, RefreshRec>,
    pub refresh_log: Vec<RefreshLogEntry>,
    /// Issue order of access tokens, for `Stats::tokens`.
    pub token_seq: u64,
    pub buckets: HashMap<u64, Bucket>,
    pub windows: HashMap<u64, Window>,
}

impl State {
    /// Accounts are numbered consecutively from `FIRST_ACCOUNT_ID`, so this is an index.
    pub fn index(id: u64) -> Option<usize> {
        usize::try_from(id.checked_sub(store::FIRST_ACCOUNT_ID)?).ok()
    }

    pub fn account(&self, id: u64) -> Option<&AccountData> {
        self.accounts.get(Self::index(id)?).filter(|a| a.id == id)
    }

    pub fn account_mut(&mut self, id: u64) -> Option<&mut AccountData> {
        self.accounts.get_mut(Self::index(id)?).filter(|a| a.id == id)
    }
}

pub(crate) struct Inner {
    pub config: SandboxConfig,
    /// Signs access tokens; random per sandbox so only this sandbox can verify them, as with
    /// Jobber's.
    pub jwt_key: Vec<u8>,
    pub state: Mutex<State>,
    pub faults: faults::FaultStore,
    pub stats: Mutex<Stats>,
    pub webhook_url: RwLock<Option<Url>>,
    /// Jobber's per-app webhook switch: off, nothing is delivered and nothing is kept for later.
    pub webhooks_enabled: AtomicBool,
    pub webhooks: webhooks::Queue,
    pub concurrency: usage::Concurrency,
    pub http: reqwest::Client,
    pub schema: graphql::SandboxSchema,
    pub type_map: graphql::cost::TypeMap,
}

impl Inner {
    /// Queues a webhook event (delivered by the background worker), or discards it when
    /// deliveries are switched off.
    pub fn enqueue(self: &Arc<Self>, topic: &str, account: u64, item_id: String) {
        debug_assert!(topics::is_known(topic), "{topic} is not a Jobber webhook topic");
        if !self.webhooks_enabled.load(Ordering::SeqCst) {
            lock(&self.stats).webhook_deliveries.suppressed += 1;
            return;
        }
        self.webhooks.ensure_worker(Arc::downgrade(self));
        self.webhooks.push(webhooks::Event {
            topic: topic.to_owned(),
            account_id: ids::encode("Account", account),
            item_id,
            occurred_at: Utc::now(),
        });
    }

    /// What both disconnect paths do: every token of the account dies at once, the app shows as
    /// disconnected, and `APP_DISCONNECT` goes out.
    pub fn disconnect(self: &Arc<Self>, account: u64) {
        {
            let mut st = lock(&self.state);
            st.refresh.retain(|_, r| r.account != account);
            st.codes.retain(|_, c| c.account != account);
            for rec in st.access.values_mut() {
                if rec.account == account {
                    rec.revoked = Some(Revoked::Disconnected);
                }
            }
            if let Some(acc) = st.account_mut(account) {
                acc.connected = false;
            }
        }
        let id = ids::encode("Account", account);
        self.enqueue("APP_DISCONNECT", account, id);
    }

    /// Marks the app connected, firing `APP_CONNECT` when it was not.
    pub fn connect(self: &Arc<Self>, account: u64) {
        let newly = {
            let mut st = lock(&self.state);
            match st.account_mut(account) {
                Some(acc) if !acc.connected => {
                    acc.connected = true;
                    true
                }
                _ => false,
            }
        };
        if newly {
            let id = ids::encode("Account", account);
            self.enqueue("APP_CONNECT", account, id);
        }
    }

    pub fn account_num(&self, account_id: &str) -> Option<u64> {
        let n = ids::decode("Account", account_id)?;
        lock(&self.state).account(n).map(|a| a.id)
    }
}

fn user_info(acc: &AccountData, u: &store::UserRec) -> UserInfo {
    UserInfo {
        id: ids::encode("User", u.id),
        name: format!("{} {}", u.first_name, u.last_name),
        email: u.email.clone(),
        is_account_owner: u.id == acc.owner().id,
    }
}

/// A running (or embeddable) Jobber stand-in. Cheap to clone: all clones share one state.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

impl Sandbox {
    /// Builds a sandbox and seeds its accounts. Works outside a tokio runtime; webhooks start
    /// flowing once one is available.
    pub fn new(config: SandboxConfig) -> Self {
        let mut ids = IdCounters::default();
        let plan =
            store::SeedPlan { counts: config.records_per_account, visits_per_job: config.visits_per_job };
        let accounts = store::seed(&config.accounts, plan, &mut ids);
        let jwt_key: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
        let schema = graphql::build_schema();
        let type_map = graphql::cost::TypeMap::from_sdl(&schema.sdl());
        let inner = Arc::new(Inner {
            webhook_url: RwLock::new(config.webhook_url.clone()),
            webhooks_enabled: AtomicBool::new(config.webhooks_enabled),
            config,
            jwt_key,
            state: Mutex::new(State {
                accounts,
                ids,
                codes: HashMap::new(),
                access: HashMap::new(),
                refresh: HashMap::new(),
                refresh_log: Vec::new(),
                token_seq: 0,
                buckets: HashMap::new(),
                windows: HashMap::new(),
            }),
            faults: faults::FaultStore::new(),
            stats: Mutex::new(Stats::default()),
            webhooks: webhooks::Queue::new(),
            concurrency: usage::Concurrency::default(),
            http: reqwest::Client::new(),
            schema,
            type_map,
        });
        inner.webhooks.ensure_worker(Arc::downgrade(&inner));
        Self { inner }
    }

    /// Every route (`/api/oauth/*`, `/api/graphql`, `/sandbox/*`), for embedding or serving.
    pub fn router(&self) -> axum::Router {
        axum::Router::new()
            .merge(oauth::router())
            .merge(graphql::router())
            .merge(admin::router())
            .with_state(self.clone())
    }

    /// Serves the router on `listener` until the task is dropped.
    pub async fn serve(&self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        self.inner.webhooks.ensure_worker(Arc::downgrade(&self.inner));
        axum::serve(listener, self.router()).await
    }

    /// Binds `127.0.0.1:0`, serves in the background and returns the base URL
    /// (`http://127.0.0.1:PORT`).
    pub async fn spawn(config: SandboxConfig) -> std::io::Result<(Sandbox, Url)> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let sandbox = Sandbox::new(config);
        let serving = sandbox.clone();
        tokio::spawn(async move {
            if let Err(err) = serving.serve(listener).await {
                tracing::error!(error = %err, "sandbox server stopped");
            }
        });
        let url = Url::parse(&format!("http://{addr}"))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        Ok((sandbox, url))
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// Points webhooks somewhere else (or nowhere) from now on.
    pub fn set_webhook_url(&self, url: Option<Url>) {
        *self.inner.webhook_url.write().unwrap_or_else(std::sync::PoisonError::into_inner) = url;
    }

    /// Sets and clears faults at runtime.
    pub fn faults(&self) -> FaultHandle {
        FaultHandle(self.inner.clone())
    }

    /// Switches webhook deliveries on or off, as Jobber does when it disables an app's
    /// webhooks. While off, data keeps changing but every event (`APP_DISCONNECT` included) is
    /// discarded and counted in `webhookDeliveries.suppressed`; switching back on delivers only
    /// events raised afterwards.
    pub fn set_webhooks_enabled(&self, enabled: bool) {
        self.inner.webhooks_enabled.store(enabled, Ordering::SeqCst);
    }

    /// Whether webhook deliveries are on.
    pub fn webhooks_enabled(&self) -> bool {
        self.inner.webhooks_enabled.load(Ordering::SeqCst)
    }

    /// A snapshot of the counters, token usage and concurrency peaks.
    pub fn stats(&self) -> Stats {
        let mut stats = lock(&self.inner.stats).clone();
        stats.tokens = self.token_usage();
        stats.refresh_log = self.refresh_log();
        stats.graphql_concurrency = self.inner.concurrency.snapshot();
        stats
    }

    /// Every access token ever issued, oldest first.
    pub fn token_usage(&self) -> Vec<TokenUsage> {
        let st = lock(&self.inner.state);
        let mut recs: Vec<&AccessRec> = st.access.values().collect();
        recs.sort_by_key(|r| r.log.seq);
        recs.iter().map(|r| r.log.usage(r.account, r.user)).collect()
    }

    /// The usage of one access token, by the token itself or its [`token_fingerprint`].
    pub fn token_usage_of(&self, token_or_fingerprint: &str) -> Option<TokenUsage> {
        let st = lock(&self.inner.state);
        if let Some(r) = st.access.get(token_or_fingerprint) {
            return Some(r.log.usage(r.account, r.user));
        }
        st.access
            .values()
            .find(|r| r.log.fingerprint == token_or_fingerprint)
            .map(|r| r.log.usage(r.account, r.user))
    }

    /// Every successful refresh grant, oldest first.
    pub fn refresh_log(&self) -> Vec<RefreshLogEntry> {
        lock(&self.inner.state).refresh_log.clone()
    }

    /// The most GraphQL requests of `account_id` named `operation_name` (`None`: anonymous)
    /// that were ever in flight at once; 0 when none was seen.
    pub fn max_in_flight(&self, account_id: &str, operation_name: Option<&str>) -> u32 {
        self.inner
            .account_num(account_id)
            .map_or(0, |a| self.inner.concurrency.max_in_flight(a, operation_name))
    }

    /// All accounts, in seed order.
    pub fn accounts(&self) -> Vec<AccountInfo> {
        lock(&self.inner.state)
            .accounts
            .iter()
            .map(|a| AccountInfo {
                id: a.encoded_id(),
                numeric_id: a.id,
                name: a.name.clone(),
                app_connected: a.connected,
                user: user_info(a, a.owner()),
                users: a.users.iter().map(|u| user_info(a, u)).collect(),
            })
            .collect()
    }

    /// The EncodedId of the account called `name`.
    pub fn account_id_by_name(&self, name: &str) -> Option<String> {
        lock(&self.inner.state).accounts.iter().find(|a| a.name == name).map(AccountData::encoded_id)
    }

    /// What clicking "Allow Access" does: connects the app (firing `APP_CONNECT` the first
    /// time) and returns a fresh authorization code bound to `redirect_uri`.
    ///
    /// # Panics
    /// If `account_id` is not a seeded account: this is a test helper, and a typo should fail
    /// loudly.
    pub fn issue_code(&self, account_id: &str, redirect_uri: &str) -> String {
        let account = self
            .inner
            .account_num(account_id)
            .unwrap_or_else(|| panic!("issue_code: no account with id {account_id}"));
        let owner = lock(&self.inner.state).account(account).map(|a| a.owner().id).unwrap_or_default();
        oauth::issue_code(&self.inner, account, owner, redirect_uri)
    }

    /// [`Sandbox::issue_code`] signed in as another user of the account (see
    /// [`Sandbox::add_user`]): the tokens the code is exchanged for carry that user, and the
    /// `user` query without an id answers with them. This is how a second admin's Manage App
    /// arrival looks.
    ///
    /// # Panics
    /// If the account does not exist or `user_id` is not one of its users.
    pub fn issue_code_for_user(&self, account_id: &str, user_id: &str, redirect_uri: &str) -> String {
        let account = self
            .inner
            .account_num(account_id)
            .unwrap_or_else(|| panic!("issue_code_for_user: no account with id {account_id}"));
        let user = ids::decode("User", user_id)
            .filter(|u| lock(&self.inner.state).account(account).is_some_and(|a| a.user(*u).is_some()))
            .unwrap_or_else(|| panic!("issue_code_for_user: {user_id} is not a user of {account_id}"));
        oauth::issue_code(&self.inner, account, user, redirect_uri)
    }

    /// Jobber's Marketplace "Disconnect" button: invalidates all the account's tokens, marks the
    /// app disconnected and delivers `APP_DISCONNECT`.
    pub async fn marketplace_disconnect(&self, account_id: &str) {
        if let Some(account) = self.inner.account_num(account_id) {
            self.inner.disconnect(account);
        }
    }

    /// Makes the account's current access tokens expired (refresh tokens keep working).
    pub fn expire_access_tokens(&self, account_id: &str) {
        let Some(account) = self.inner.account_num(account_id) else {
            return;
        };
        for rec in lock(&self.inner.state).access.values_mut() {
            if rec.account == account {
                rec.forced_expired = true;
            }
        }
    }

    /// Creates a record and fires `<KIND>_CREATE`. Returns its EncodedId.
    pub async fn create_record(
        &self,
        account_id: &str,
        kind: RecordKind,
        input: RecordInput,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let id = {
            let mut st = lock(&self.inner.state);
            create_locked(&mut st, account, kind, &input)?
        };
        let item = ids::encode(kind.type_name(), id);
        self.inner.enqueue(&format!("{}_CREATE", kind.topic_prefix()), account, item.clone());
        Ok(item)
    }

    /// Edits a record, bumps its `updatedAt` and fires `<KIND>_UPDATE`. Returns its EncodedId.
    pub async fn update_record(
        &self,
        account_id: &str,
        kind: RecordKind,
        item_id: &str,
        input: RecordInput,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let unknown = || SandboxError::UnknownRecord(kind, item_id.to_owned());
        let n = ids::decode(kind.type_name(), item_id).ok_or_else(unknown)?;
        {
            let mut st = lock(&self.inner.state);
            let acc = st.account_mut(account).ok_or_else(unknown)?;
            let bump = store::touch;
            match kind {
                RecordKind::Client => {
                    let c = acc.clients.get_mut(&n).ok_or_else(unknown)?;
                    if let Some(v) = &input.first_name {
                        c.first_name = Text::Owned(v.clone());
                    }
                    if let Some(v) = &input.last_name {
                        c.last_name = Text::Owned(v.clone());
                    }
                    if let Some(v) = &input.company_name {
                        c.company_name = Some(Text::Owned(v.clone()));
                    }
                    bump(&mut c.updated_at);
                }
                RecordKind::Property => {
                    let p = acc.properties.get_mut(&n).ok_or_else(unknown)?;
                    if let Some(v) = &input.street {
                        p.street = Text::Owned(v.clone());
                    }
                    bump(&mut p.updated_at);
                }
                _ => {
                    let w = acc.work_mut(kind).get_mut(&n).ok_or_else(unknown)?;
                    if let Some(v) = &input.title {
                        w.title = Text::Owned(v.clone());
                    }
                    if let Some(v) = input.subtotal {
                        w.subtotal = v;
                    }
                    bump(&mut w.updated_at);
                }
            }
        }
        self.inner.enqueue(&format!("{}_UPDATE", kind.topic_prefix()), account, item_id.to_owned());
        Ok(item_id.to_owned())
    }

    /// Deletes a record and fires `<KIND>_DESTROY`; it can no longer be fetched. Returns its
    /// EncodedId.
    pub async fn delete_record(
        &self,
        account_id: &str,
        kind: RecordKind,
        item_id: &str,
    ) -> Result<String, SandboxError> {
        let account = self.require_account(account_id)?;
        let unknown = || SandboxError::UnknownRecord(kind, item_id.to_owned());
        let n = ids::decode(kind.type_name(), item_id).ok_or_else(unknown)?;
        {
            let mut st = lock(&self.inner.state);
            let acc = st.account_mut(account).ok_or_else(unknown)?;
            let removed = match kind {
                RecordKind::Client => acc.clients.remove(&n).is_some(),
                RecordKind::Property => acc.properties.remove(&n).is_some(),
                _ => acc.work_mut(kind).remove(&n).is_some(),
            };
            if !removed {
                return Err(unknown());
            }
            // What hangs off the record goes with it, without webhooks of its own (whether
            // Jobber sends VISIT_DESTROY / PAYMENT_DESTROY for these is UNCERTAIN).
            match kind {
                RecordKind::Job => {
                    let visits: Vec<u64> = acc.visit_ids_of(n).collect();
                    for v in visits {
                        acc.visits.remove(&v);
                        acc.job_visits.remove(&(n, v));
                    }
                }
                RecordKind::Invoice => acc.payments.retain(|p| p.invoice_id != n),
                _ => {}
            }
        }
        self.inner.enqueue(&format!("{}_DESTROY", kind.topic_prefix()), account, item_id.to_owned());
        Ok(item_id.to_owned())
    }

    pub(crate) fn require_account(&self, account_id: &str) -> Result<u64, SandboxError> {
        self.inner.account_num(account_id).ok_or_else(|| SandboxError::UnknownAccount(account_id.to_owned()))
    }
}

fn create_locked(
    st: &mut State,
    account: u64,
    kind: RecordKind,
    input: &RecordInput,
) -> Result<u64, SandboxError> {
    let now = Utc::now();
    let text = |v: &Option<String>, default: &'static str| -> Text {
        v.clone().map_or(Text::Borrowed(default), Text::Owned)
    };
    let decode_in = |ty: &str, v: &Option<String>| -> Result<Option<u64>, SandboxError> {
        v.as_deref()
            .map(|s| {
                ids::decode(ty, s).ok_or_else(|| SandboxError::InvalidInput(format!("{s} is not a {ty} id")))
            })
            .transpose()
    };
    let client_in = decode_in("Client", &input.client_id)?;
    let property_in = decode_in("Property", &input.property_id)?;
    let id = st.ids.next(kind);
    let acc = st
        .account_mut(account)
        .ok_or_else(|| SandboxError::UnknownAccount(ids::encode("Account", account)))?;
    let client_id = match client_in {
        Some(c) if acc.clients.contains_key(&c) => Some(c),
        Some(c) => {
            return Err(SandboxError::UnknownRecord(RecordKind::Client, ids::encode("Client", c)));
        }
        None => acc.clients.keys().next(),
    };
    let need_client = || SandboxError::InvalidInput("the account has no client to own it".into());
    match kind {
        RecordKind::Client => {
            acc.clients.insert(
                id,
                ClientRec {
                    id,
                    first_name: text(&input.first_name, "New"),
                    last_name: text(&input.last_name, "Client"),
                    company_name: input.company_name.clone().map(Text::Owned),
                    is_lead: false,
                    is_archived: false,
                    balance: 0.0,
                    street: Text::Borrowed("1 Main St"),
                    city: Text::Borrowed("Calgary"),
                    created_at: now,
                    updated_at: now,
                },
            );
        }
        RecordKind::Property => {
            let client_id = client_id.ok_or_else(need_client)?;
            acc.properties.insert(
                id,
                PropertyRec {
                    id,
                    client_id,
                    street: text(&input.street, "1 Main St"),
                    city: Text::Borrowed("Calgary"),
                    updated_at: now,
                },
            );
        }
        _ => {
            let client_id = client_id.ok_or_else(need_client)?;
            let property_id = match property_in {
                Some(p) if acc.properties.contains_key(&p) => p,
                Some(p) => {
                    return Err(SandboxError::UnknownRecord(
                        RecordKind::Property,
                        ids::encode("Property", p),
                    ));
                }
                None => acc
                    .properties
                    .values()
                    .find(|p| p.client_id == client_id)
                    .or_else(|| acc.properties.values().next())
                    .map(|p| p.id)
                    .ok_or_else(|| SandboxError::InvalidInput("the account has no property for it".into()))?,
            };
            let map = acc.work_mut(kind);
            let number = map.values().map(|w| w.number).max().unwrap_or(0) + 1;
            map.insert(
                id,
                WorkRec {
                    id,
                    number,
                    title: text(&input.title, "New work"),
                    status: 0,
                    client_id,
                    property_id,
                    subtotal: input.subtotal.unwrap_or(100.0),
                    created_at: now,
                    updated_at: now,
                    paid: 0.0,
                    closed_at: None,
                    sent_at: None,
                },
            );
        }
    }
    Ok(id)
}
