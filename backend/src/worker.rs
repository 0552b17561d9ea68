//! The one background-worker loop: claim work under a lease → run it → (the job settles it) →
//! wait for more (woken at once, or polling) → stop on shutdown. Used by the webhook lifecycle
//! worker, the sync consumer of data webhooks and the sync runner; each implements [`Job`].
//!
//! Also the one backoff formula of the app ([`backoff`]).

use std::{future::Future, sync::Arc, time::Duration};

use sea_orm::DbErr;
use tokio::{sync::Notify, task::JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

/// Exponential backoff with jitter: `base`, 2×`base`, 4×`base` … (attempt 1, 2, 3 …) capped at
/// `cap`, plus up to a quarter of it at random so that retries of many items spread out.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20)).min(cap);
    let jitter_ms = u64::try_from(exp.as_millis() / 4).unwrap_or(u64::MAX);
    exp + Duration::from_millis(if jitter_ms == 0 { 0 } else { rand::random::<u64>() % (jitter_ms + 1) })
}

/// Work a [`run`] loop drains.
pub trait Job: Send + Sync + 'static {
    /// One unit of claimed work (a batch of inbox rows, one sync run, …).
    type Claim: Send + 'static;

    /// The worker's name, for logs.
    fn name(&self) -> &'static str;

    /// Claims up to `slots` units (none when nothing is due). A claim holds a lease in the
    /// database, so a unit whose process dies is claimed again once the lease lapses.
    fn claim(&self, slots: usize) -> impl Future<Output = Result<Vec<Self::Claim>, DbErr>> + Send;

    /// Works one unit to its end, settling it. Stops at its next safe point once `cancel` fires.
    fn run(&self, claim: Self::Claim, cancel: CancellationToken) -> impl Future<Output = ()> + Send;

    /// The span the unit's logs belong to.
    fn span(&self, claim: &Self::Claim) -> tracing::Span;
}

/// How a [`run`] loop is paced.
#[derive(Clone)]
pub struct Pace {
    /// Units worked at once.
    pub concurrency: usize,
    /// How often an idle loop looks for due work (retries come due without a wake-up).
    pub idle_poll: Duration,
    /// Woken when new work is queued, so it starts at once.
    pub wake: Arc<Notify>,
}

/// Runs `job` until `shutdown` fires, then waits for the units in progress (which see the same
/// cancellation and stop at their next safe point).
pub async fn run<J: Job>(job: Arc<J>, pace: Pace, shutdown: CancellationToken) {
    let mut running = JoinSet::new();
    let concurrency = pace.concurrency.max(1);
    loop {
        let notified = pace.wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        while running.try_join_next().is_some() {}
        let slots = concurrency.saturating_sub(running.len());
        let mut claimed_any = false;
        if slots > 0 && !shutdown.is_cancelled() {
            match job.claim(slots).await {
                Ok(claims) => {
                    claimed_any = !claims.is_empty();
                    for claim in claims {
                        let span = job.span(&claim);
                        let (job, cancel) = (job.clone(), shutdown.child_token());
                        running.spawn(async move { job.run(claim, cancel).await }.instrument(span));
                    }
                }
                Err(err) => tracing::error!(worker = job.name(), error = %err, "cannot claim work"),
            }
        }
        if claimed_any && running.len() < concurrency {
            // More may be due right away.
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = &mut notified => {}
            () = tokio::time::sleep(pace.idle_poll) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
        }
    }
    while running.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let base = Duration::from_secs(2);
        let cap = Duration::from_secs(60);
        for (attempt, expected) in [(1, 2), (2, 4), (3, 8), (6, 60), (40, 60)] {
            let d = backoff(attempt, base, cap);
            let e = Duration::from_secs(expected);
            assert!(d >= e && d <= e + e / 4, "attempt {attempt}: {d:?}");
        }
    }

    struct Counting {
        left: AtomicUsize,
        done: AtomicUsize,
        wake: Arc<Notify>,
    }

    impl Job for Counting {
        type Claim = usize;
        fn name(&self) -> &'static str {
            "counting"
        }
        async fn claim(&self, slots: usize) -> Result<Vec<usize>, DbErr> {
            let take = slots.min(self.left.load(Ordering::SeqCst));
            self.left.fetch_sub(take, Ordering::SeqCst);
            Ok((0..take).collect())
        }
        async fn run(&self, _claim: usize, _cancel: CancellationToken) {
            if self.done.fetch_add(1, Ordering::SeqCst) + 1 == 10 {
                self.wake.notify_one();
            }
        }
        fn span(&self, _claim: &usize) -> tracing::Span {
            tracing::Span::none()
        }
    }

    #[tokio::test]
    async fn drains_everything_then_stops_on_shutdown() {
        let wake = Arc::new(Notify::new());
        let job =
            Arc::new(Counting { left: AtomicUsize::new(10), done: AtomicUsize::new(0), wake: wake.clone() });
        let shutdown = CancellationToken::new();
        let pace = Pace { concurrency: 3, idle_poll: Duration::from_secs(3600), wake };
        let handle = tokio::spawn(run(job.clone(), pace, shutdown.clone()));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while job.done.load(Ordering::SeqCst) < 10 {
            assert!(tokio::time::Instant::now() < deadline, "the loop stalled");
            tokio::task::yield_now().await;
        }
        shutdown.cancel();
        handle.await.unwrap();
    }
}
