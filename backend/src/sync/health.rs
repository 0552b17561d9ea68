//! Webhook health: is Jobber still announcing this account's changes?
//!
//! The evidence is what the sync finds anyway. Every change an incremental (or later full) run
//! finds that is new since the previous run of its resource — an item whose Jobber `updatedAt`
//! is past the resource's high-water mark — is recorded (`db::changes`). Once
//! `WEBHOOK_GRACE_SECS` have passed since that `updatedAt`, it is judged **announced** if the
//! inbox holds a webhook for that item that occurred at most [`SKEW`] before the change and was
//! received within the grace period after it, or if the local copy already had that version when
//! the sync found it (a webhook-driven fetch brought it: `VISIT_*` and `PAYMENT_*` events name
//! the visit or payment, not the job or invoice whose `updatedAt` they move). Changes still
//! inside the grace period are not judged yet, so a late webhook is never counted as missing.
//!
//! The rule ([`verdict`]), over the account's judged changes of the last [`WINDOW`] (at most
//! [`SAMPLE`] of them, newest first):
//! - fewer than [`MIN_SAMPLE`] judged changes: `UNKNOWN` (too little to say);
//! - `MISSING` when [`MISS_RUN`] consecutive changes went unannounced and fewer than
//!   [`RECOVER`] announced changes came after that run;
//! - otherwise `HEALTHY`.
//!
//! One late or lost webhook among announced ones is one miss, never a run of three: no flapping.
//! Once `MISSING`, two announced changes in a row are needed to leave it (hysteresis), and the
//! catch-up sync (every `SYNC_CATCHUP_INTERVAL_SECS`) finds them soon after webhooks resume.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use crate::db::{Db, changes};

/// How far back changes count.
pub const WINDOW: chrono::Duration = chrono::Duration::hours(24);

/// How long a found change is kept: twice [`WINDOW`], so every read of the last window has them
/// all (the retention task removes older ones: `db::retention`).
pub const KEEP_CHANGES: chrono::Duration = chrono::Duration::hours(48);
/// Most judged changes read per account.
pub const SAMPLE: u64 = 50;
/// Fewer judged changes than this: `UNKNOWN`.
pub const MIN_SAMPLE: usize = 3;
/// Consecutive unannounced changes that make an account `MISSING`.
pub const MISS_RUN: usize = 3;
/// Announced changes after a run of misses that make it `HEALTHY` again.
pub const RECOVER: usize = 2;
/// A webhook may carry an `occurredAt` this much before the `updatedAt` the sync reads (whole
/// seconds, two clocks at Jobber).
pub const SKEW: chrono::Duration = chrono::Duration::seconds(5);
/// Changes judged per scheduler pass (the rest wait for the next).
const JUDGE_BATCH: u64 = 500;

/// The verdict on an account's webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Healthy,
    Unknown,
    Missing,
}

impl Status {
    /// The label in metrics.
    pub fn label(self) -> &'static str {
        match self {
            Self::Healthy => "HEALTHY",
            Self::Unknown => "UNKNOWN",
            Self::Missing => "MISSING",
        }
    }
}

/// An account's webhook health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookHealth {
    pub status: Status,
    /// The newest webhook received for the account (any topic).
    pub last_received_at: Option<DateTime<Utc>>,
    /// Judged changes in the window.
    pub changes_found: usize,
    /// Of those, the ones a webhook announced.
    pub changes_announced: usize,
}

/// The rule, over judged changes newest first (`true`: announced).
pub fn verdict(newest_first: &[bool]) -> Status {
    if newest_first.len() < MIN_SAMPLE {
        return Status::Unknown;
    }
    let mut announced_after = 0;
    let mut misses = 0;
    for &announced in newest_first {
        if announced {
            if misses >= MISS_RUN {
                break;
            }
            misses = 0;
            announced_after += 1;
            if announced_after >= RECOVER {
                return Status::Healthy;
            }
        } else {
            misses += 1;
        }
    }
    if misses >= MISS_RUN { Status::Missing } else { Status::Healthy }
}

/// The account's webhook health now (judged changes only; see the module docs).
pub async fn of_account(db: &Db, account_id: &str, now: DateTime<Utc>) -> Result<WebhookHealth, DbErr> {
    let judged = changes::recent_judged(db, account_id, now - WINDOW, SAMPLE).await?;
    let flags: Vec<bool> = judged.iter().map(|c| c.announced == Some(true)).collect();
    Ok(health(&flags, changes::last_received(db, Some(account_id)).await?))
}

/// [`of_account`] of each of `accounts` (a page of the operator's installs list) in two
/// statements instead of two per account.
pub async fn of_accounts(
    db: &Db,
    accounts: &[String],
    now: DateTime<Utc>,
) -> Result<HashMap<String, WebhookHealth>, DbErr> {
    let mut judged = changes::recent_judged_of(db, accounts, now - WINDOW, SAMPLE).await?;
    let last = changes::last_received_of(db, accounts).await?;
    Ok(accounts
        .iter()
        .map(|a| (a.clone(), health(&judged.remove(a).unwrap_or_default(), last.get(a).copied())))
        .collect())
}

/// The health shown for judged changes (`true`: announced), newest first.
fn health(flags: &[bool], last_received_at: Option<DateTime<Utc>>) -> WebhookHealth {
    WebhookHealth {
        status: verdict(flags),
        last_received_at,
        changes_found: flags.len(),
        changes_announced: flags.iter().filter(|a| **a).count(),
    }
}

/// Judges the changes whose grace period has ended; returns how many went unannounced.
pub async fn judge_due(db: &Db, grace: std::time::Duration, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
    let due = changes::due_for_judging(db, now - grace, JUDGE_BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut by_account: std::collections::BTreeMap<&str, Vec<&changes::Model>> = Default::default();
    for c in &due {
        by_account.entry(c.jobber_account_id.as_str()).or_default().push(c);
    }
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    for (account, list) in by_account {
        let items = list.iter().map(|c| c.jobber_id.clone()).collect();
        let events = changes::events_for_items(db, account, items).await?;
        for c in list {
            let announced = events.iter().any(|(item, occurred, received)| {
                *item == c.jobber_id && *occurred >= c.changed_at - SKEW && *received <= c.changed_at + grace
            });
            if announced { yes.push(c.id) } else { no.push(c.id) }
        }
    }
    let missed = no.len() as u64;
    changes::set_announced(db, yes, no).await?;
    Ok(missed)
}

/// How often [`watch`] runs: often enough to judge changes soon after their grace period and to
/// start catch-up runs on time, at most every 10 seconds.
pub fn watch_period(settings: &crate::config::SyncSettings) -> std::time::Duration {
    use std::time::Duration;
    settings
        .catchup_interval
        .min(settings.webhook_grace)
        .min(Duration::from_secs(10))
        .max(Duration::from_secs(1))
}

/// One pass of the scheduler's webhook check: judges changes whose grace period ended, requests
/// catch-up runs for `MISSING` accounts, sets the metrics, raises or clears the silence alert.
pub async fn watch(sync: &super::SyncService) -> Result<(), DbErr> {
    let (db, settings) = (&sync.db, &sync.settings);
    let now = Utc::now();
    let missed = judge_due(db, settings.webhook_grace, now).await?;
    if missed > 0 {
        metrics::counter!("sync_unannounced_changes_total").increment(missed);
    }
    let accounts = changes::accounts_with_changes_since(db, now - WINDOW).await?;
    let live = db.live_accounts_among(accounts.iter().map(String::as_str)).await?;
    let catchup = chrono::Duration::from_std(settings.catchup_interval).unwrap_or(chrono::Duration::MAX);
    let (mut healthy, mut missing, mut found, mut announced) = (0_i64, 0_i64, 0_usize, 0_usize);
    for account in &live {
        let health = of_account(db, account, now).await?;
        found += health.changes_found;
        announced += health.changes_announced;
        match health.status {
            Status::Healthy => healthy += 1,
            Status::Missing => {
                missing += 1;
                let requested = crate::db::sync_state::request_catchup(db, account, now - catchup).await?;
                if requested > 0 {
                    tracing::info!(account.id = %account, resources = requested, "webhooks missing: catch-up sync requested");
                    metrics::counter!("sync_catchup_runs_total").increment(requested);
                    sync.wake.notify_one();
                }
            }
            Status::Unknown => {}
        }
    }
    let live_total: i64 = db
        .connection_counts()
        .await?
        .iter()
        .filter(|(s, _)| crate::db::enums::ConnectionStatus::LIVE.contains(s))
        .map(|(_, n)| *n)
        .sum();
    metrics::gauge!("webhook_health_accounts", "status" => "HEALTHY").set(healthy as f64);
    metrics::gauge!("webhook_health_accounts", "status" => "MISSING").set(missing as f64);
    metrics::gauge!("webhook_health_accounts", "status" => "UNKNOWN")
        .set((live_total - healthy - missing).max(0) as f64);
    if found > 0 {
        metrics::gauge!("webhook_coverage_ratio").set(announced as f64 / found as f64);
    }

    let silence = chrono::Duration::from_std(settings.silence_alert).unwrap_or(chrono::Duration::MAX);
    let quiet = changes::last_received(db, None).await?.is_none_or(|t| t < now - silence);
    let silent = quiet && changes::unannounced_since(db, now - silence).await?;
    let was_silent = sync.silence_alert.swap(silent, std::sync::atomic::Ordering::Relaxed);
    if silent && !was_silent {
        tracing::error!(
            hours = settings.silence_alert.as_secs_f64() / 3600.0,
            "no webhook from Jobber has arrived for WEBHOOK_SILENCE_ALERT_HOURS while syncs found changes: \
             Jobber has probably disabled this app's webhooks (it does so without notice when the endpoint \
             is slow or failing). Check the webhook URL and topics in Jobber's Developer Center and that \
             POST /webhooks/jobber answers; until then Fieldsync catches up by syncing every \
             SYNC_CATCHUP_INTERVAL_SECS"
        );
    } else if !silent && was_silent {
        tracing::info!("webhooks from Jobber are arriving again");
    }
    metrics::gauge!("webhook_silence_alert").set(if silent { 1.0 } else { 0.0 });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: bool = true;
    const M: bool = false;

    #[test]
    fn the_rule() {
        use Status::*;
        assert_eq!(verdict(&[]), Unknown);
        assert_eq!(verdict(&[M, M]), Unknown);
        assert_eq!(verdict(&[A, A, A]), Healthy);
        assert_eq!(verdict(&[M, M, M]), Missing);
        // One late or lost webhook is not a pattern.
        assert_eq!(verdict(&[A, M, A, A, M, A]), Healthy);
        assert_eq!(verdict(&[M, A, A, A, A]), Healthy);
        assert_eq!(verdict(&[M, M, A, M, M, A]), Healthy);
        // A run of misses stays MISSING until two announced changes follow it.
        assert_eq!(verdict(&[M, M, M, M, A, A]), Missing);
        assert_eq!(verdict(&[A, M, M, M]), Missing);
        assert_eq!(verdict(&[A, A, M, M, M]), Healthy);
    }
}
