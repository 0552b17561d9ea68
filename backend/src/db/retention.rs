//! Retention: removes what the app no longer needs, in small batches.
//!
//! - **Settled webhook events** (`PROCESSED`, `IGNORED`) received before the cutoff. They are the
//!   inbox's dedupe memory, so the cutoff (`WEBHOOK_RETENTION_DAYS`, default 30) must outlast
//!   Jobber's redeliveries. Open (`PENDING`, `FAILED`) and dead-lettered (`DEAD`, waiting for an
//!   operator's redrive) events are never removed.
//! - **Sessions** that expired or were revoked (logout, disconnect).
//! - **Audit entries** written before the cutoff (`AUDIT_RETENTION_DAYS`, default 365): the only
//!   deletes the append-only log ever sees ([`super::audit`]).
//! - **Sync bookkeeping**: the changes syncs found (`sync_changes`, the evidence behind webhook
//!   health) once they are older than any window that reads them (48 hours).
//!
//! (Tombstones of items deleted in Jobber stay with the account's synced data: they stop a late
//! webhook or page from bringing a deleted item back, for as long as the account is connected.)
//!
//! (Synced data and sync bookkeeping of disconnected accounts are removed by the sync runner once
//! `DATA_RETENTION_HOURS` has passed: see [`super::sync_state::purge_disconnected`].)
//!
//! Rows are found by primary key through the read-only pool ([`BATCH`] at a time), then deleted in
//! short statements sized to take about half a millisecond each (measured as they run), with a
//! pause between them: a writer waiting for SQLite's single write connection (a webhook
//! acknowledgement, say) waits for one small delete at most, never for the whole backlog.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    Db, audit, changes,
    entities::{sessions, webhook_events},
    enums::EventStatus,
};

/// Rows per delete.
pub const BATCH: u64 = 500;

/// What one pass removed (or, in a dry run, would remove).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub webhook_events: u64,
    pub sessions: u64,
    pub audit_log: u64,
    pub sync_changes: u64,
}

/// What a pass removes: what is older than each cutoff.
#[derive(Clone, Copy, Debug)]
pub struct Cutoffs {
    /// Settled webhook events received before this.
    pub events_before: DateTime<Utc>,
    /// Audit entries written before this.
    pub audit_before: DateTime<Utc>,
    /// Sessions that expired before this (and revoked ones).
    pub now: DateTime<Utc>,
    /// Changes found by syncs that were made before this.
    pub changes_before: DateTime<Utc>,
}

/// Removes settled webhook events, dead sessions, audit entries and sync bookkeeping older than
/// their `cutoffs`.
/// With `dry_run` nothing is deleted: the report counts what would be. `pause` runs between
/// batches (the background task yields the write connection there).
pub async fn prune<F, Fut>(
    db: &Db,
    cutoffs: Cutoffs,
    dry_run: bool,
    mut pause: F,
) -> Result<PruneReport, DbErr>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let Cutoffs { events_before, audit_before, now, changes_before } = cutoffs;
    let mut report = PruneReport::default();
    let settled = || {
        Condition::all()
            .add(webhook_events::Column::Status.is_in(EventStatus::SETTLED))
            .add(webhook_events::Column::ReceivedAt.lt(events_before))
    };
    if dry_run {
        report.webhook_events = webhook_events::Entity::find().filter(settled()).count(db.reader()).await?;
        report.sessions = sessions::Entity::find().filter(dead_sessions(now)).count(db.reader()).await?;
        report.audit_log = audit::count_expired(db, audit_before).await?;
        report.sync_changes = changes::count_older(db, changes_before).await?;
        return Ok(report);
    }

    // Webhook events, oldest first by primary key: ids grow with arrival (give or take rows of
    // one group commit), so the walk stops at the first batch holding no row older than the
    // cutoff and reads at most one batch of the recent part of the table.
    let mut after = 0i64;
    let mut pace = DeletePace::for_backend(db.backend());
    loop {
        let rows: Vec<(i64, DateTime<Utc>, EventStatus)> = webhook_events::Entity::find()
            .select_only()
            .columns([
                webhook_events::Column::Id,
                webhook_events::Column::ReceivedAt,
                webhook_events::Column::Status,
            ])
            .filter(webhook_events::Column::Id.gt(after))
            .order_by_asc(webhook_events::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db.reader())
            .await?;
        let Some(&(last, _, _)) = rows.last() else { break };
        let reached_recent = rows.iter().all(|(_, received, _)| *received >= events_before);
        let ids: Vec<i64> = rows
            .iter()
            .filter(|(_, received, status)| {
                *received < events_before && EventStatus::SETTLED.contains(status)
            })
            .map(|(id, _, _)| *id)
            .collect();
        // The conditions again: a row may have been re-queued (a redelivered duplicate) since it
        // was read.
        let (removed, go_on) = pace
            .delete(&ids, &mut pause, |chunk| async move {
                Ok(webhook_events::Entity::delete_many()
                    .filter(webhook_events::Column::Id.is_in(chunk))
                    .filter(settled())
                    .exec(db.writer())
                    .await?
                    .rows_affected)
            })
            .await?;
        report.webhook_events += removed;
        if !go_on {
            return Ok(report);
        }
        if reached_recent || (rows.len() as u64) < BATCH {
            break;
        }
        after = last;
    }

    loop {
        let ids: Vec<i64> = sessions::Entity::find()
            .select_only()
            .column(sessions::Column::Id)
            .filter(dead_sessions(now))
            .limit(BATCH)
            .into_tuple()
            .all(db.reader())
            .await?;
        if ids.is_empty() {
            break;
        }
        let (removed, go_on) = pace
            .delete(&ids, &mut pause, |chunk| async move {
                Ok(sessions::Entity::delete_many()
                    .filter(sessions::Column::Id.is_in(chunk))
                    .filter(dead_sessions(now))
                    .exec(db.writer())
                    .await?
                    .rows_affected)
            })
            .await?;
        report.sessions += removed;
        if !go_on {
            return Ok(report);
        }
        if (ids.len() as u64) < BATCH {
            break;
        }
    }

    // Sync bookkeeping: the whole table by primary key (a change's id follows when it was found,
    // not when it was made), in paced deletes.
    let mut after = 0i64;
    loop {
        let page = changes::page_for_pruning(db, after, changes_before, BATCH).await?;
        let old: Vec<i64> = page.iter().filter(|(_, old)| *old).map(|(id, _)| *id).collect();
        let (removed, go_on) = pace
            .delete(&old, &mut pause, |chunk| async move {
                changes::delete_older(db, &chunk, changes_before).await
            })
            .await?;
        report.sync_changes += removed;
        if !go_on {
            return Ok(report);
        }
        match page.last() {
            Some(&(last, _)) if page.len() as u64 == BATCH => after = last,
            _ => break,
        }
    }

    // Audit entries, oldest first by their `at` index, in paced deletes like the events'.
    loop {
        let ids = audit::expired_ids(db, audit_before, BATCH).await?;
        let (removed, go_on) =
            pace.delete(&ids, &mut pause, |chunk| async move {
                audit::delete_expired(db, &chunk, audit_before).await
            })
            .await?;
        report.audit_log += removed;
        if !go_on {
            return Ok(report);
        }
        if (ids.len() as u64) < BATCH || removed == 0 {
            break;
        }
    }
    Ok(report)
}

/// Sizes each delete so that, on SQLite, it holds the write connection for about
/// [`DeletePace::TARGET`]: every other writer (a webhook acknowledgement, say) waits for the whole
/// statement. Halves after a slow delete, grows by half after a quick one, within `MIN..=BATCH`
/// rows. PostgreSQL locks rows, not the database: its deletes stay at [`BATCH`] rows (a commit
/// there waits for a WAL flush, so small deletes would only make pruning slow).
struct DeletePace {
    size: usize,
    adaptive: bool,
}

impl DeletePace {
    const TARGET: std::time::Duration = std::time::Duration::from_micros(500);
    const MIN: usize = 8;

    fn for_backend(backend: sea_orm::DatabaseBackend) -> Self {
        match backend {
            sea_orm::DatabaseBackend::Sqlite => Self { size: 64, adaptive: true },
            _ => Self { size: BATCH as usize, adaptive: false },
        }
    }

    /// Deletes `ids` in chunks of the current size through `delete` (which returns the rows it
    /// removed), measuring each and running `pause` after it. Returns the rows removed and whether
    /// to go on (`pause` said stop).
    async fn delete<D, DFut, P, PFut>(
        &mut self,
        ids: &[i64],
        pause: &mut P,
        mut delete: D,
    ) -> Result<(u64, bool), DbErr>
    where
        D: FnMut(Vec<i64>) -> DFut,
        DFut: std::future::Future<Output = Result<u64, DbErr>>,
        P: FnMut() -> PFut,
        PFut: std::future::Future<Output = bool>,
    {
        let mut removed = 0;
        let mut rest = ids;
        while !rest.is_empty() {
            let (chunk, more) = rest.split_at(self.size.min(rest.len()));
            rest = more;
            let started = std::time::Instant::now();
            removed += delete(chunk.to_vec()).await?;
            self.observe(started.elapsed());
            if !pause().await {
                return Ok((removed, false));
            }
        }
        Ok((removed, true))
    }

    fn observe(&mut self, took: std::time::Duration) {
        if !self.adaptive {
            return;
        }
        if took > Self::TARGET * 2 {
            self.size = (self.size / 2).max(Self::MIN);
        } else if took < Self::TARGET {
            self.size = (self.size + self.size / 2).min(BATCH as usize);
        }
    }
}

fn dead_sessions(now: DateTime<Utc>) -> Condition {
    Condition::any().add(sessions::Column::ExpiresAt.lt(now)).add(sessions::Column::RevokedAt.is_not_null())
}
