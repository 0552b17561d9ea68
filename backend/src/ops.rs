//! Operations: the retention task (and `jobber-app prune`: old settled webhook events, dead
//! sessions, old audit entries, old sync bookkeeping) and online SQLite backups (`jobber-app backup`).

use std::{path::Path, time::Duration};

use anyhow::Context as _;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    db::{
        Db,
        retention::{self, Cutoffs, PruneReport},
    },
};

/// Breath between two deletes: the write connection is free for whoever queued behind one
/// (webhook acknowledgements) before the next.
const BATCH_PAUSE: Duration = Duration::from_millis(10);

/// How long each kind of row is kept.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    /// `WEBHOOK_RETENTION_DAYS`: settled webhook events.
    pub webhook_events: Duration,
    /// `AUDIT_RETENTION_DAYS`: audit log entries.
    pub audit_log: Duration,
}

impl Retention {
    /// The configured periods.
    pub fn from_config(config: &Config) -> Self {
        Self { webhook_events: config.webhook_retention, audit_log: config.audit_retention }
    }

    /// The cutoffs of a pass that starts now.
    fn cutoffs(self) -> Cutoffs {
        let now = Utc::now();
        let before = |keep: Duration| now - chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
        Cutoffs {
            events_before: before(self.webhook_events),
            audit_before: before(self.audit_log),
            now,
            changes_before: now - crate::sync::health::KEEP_CHANGES,
        }
    }
}

/// One retention pass now: settled webhook events and audit entries older than their retention,
/// dead sessions.
pub async fn prune(db: &Db, retention: Retention, dry_run: bool) -> Result<PruneReport, sea_orm::DbErr> {
    // The same pause as the background task: the command may run beside a serving app.
    retention::prune(db, retention.cutoffs(), dry_run, || async {
        tokio::time::sleep(BATCH_PAUSE).await;
        true
    })
    .await
}

/// Runs a retention pass every `every` (the first one `every` after start) until `shutdown`;
/// pauses between batches and stops between two batches when shutdown begins.
pub fn spawn_pruner(
    db: Db,
    retention: Retention,
    every: Duration,
    shutdown: CancellationToken,
) -> Option<tokio::task::JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            let pause = || {
                let shutdown = shutdown.clone();
                async move {
                    tokio::select! {
                        () = shutdown.cancelled() => false,
                        () = tokio::time::sleep(BATCH_PAUSE) => true,
                    }
                }
            };
            match retention::prune(&db, retention.cutoffs(), false, pause).await {
                Ok(r) => {
                    if r != PruneReport::default() {
                        tracing::info!(
                            webhook_events = r.webhook_events,
                            sessions = r.sessions,
                            audit_log = r.audit_log,
                            sync_changes = r.sync_changes,
                            "pruned"
                        );
                    }
                    metrics::counter!("pruned_rows_total", "table" => "webhook_events")
                        .increment(r.webhook_events);
                    metrics::counter!("pruned_rows_total", "table" => "sessions").increment(r.sessions);
                    metrics::counter!("pruned_rows_total", "table" => "audit_log").increment(r.audit_log);
                    metrics::counter!("pruned_rows_total", "table" => "sync_changes")
                        .increment(r.sync_changes);
                }
                Err(e) => tracing::warn!(error = %e, "retention pass failed; retrying at the next interval"),
            }
        }
    }))
}

/// What a backup holds.
#[derive(Debug)]
pub struct BackupReport {
    pub bytes: u64,
    /// Rows per table, by table name.
    pub rows: Vec<(String, u64)>,
}

/// Writes a consistent snapshot of the SQLite database to `dest` (`VACUUM INTO`: one read
/// transaction, so it runs beside the serving app without blocking its writer), owner-only
/// (`0600`), then opens the copy, checks its integrity and counts its rows. `dest` must not exist.
pub async fn backup(db: &Db, dest: &Path) -> anyhow::Result<BackupReport> {
    anyhow::ensure!(
        db.sqlite_file().is_some(),
        "`jobber-app backup` copies the embedded SQLite database; on PostgreSQL use `pg_dump` \
         (see the README's Operations section)"
    );
    anyhow::ensure!(!dest.exists(), "{} already exists: choose a new path", dest.display());
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::files::private_dir(dir, false).with_context(|| format!("creating {}", dir.display()))?;
    }
    // VACUUM INTO accepts an existing empty file: create it owner-only first, so the copy is
    // never readable by others, not even for a moment.
    crate::files::private_file(dest).with_context(|| format!("creating {}", dest.display()))?;
    let target = dest.to_str().context("the backup path must be valid UTF-8")?.to_owned();
    let copy = db
        .maintenance()
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "VACUUM INTO ?",
            [sea_orm::Value::from(target.clone())],
        ))
        .await;
    if let Err(e) = copy {
        let _ = std::fs::remove_file(dest);
        return Err(e).context("writing the backup");
    }

    let url = format!("sqlite://{target}?mode=ro");
    let copy = sea_orm::Database::connect(url).await.context("opening the backup")?;
    let check = copy
        .query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA integrity_check"))
        .await?
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    anyhow::ensure!(check == "ok", "the backup failed SQLite's integrity check: {check}");
    let tables: Vec<String> = copy
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ))
        .await?
        .into_iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    let mut rows = Vec::with_capacity(tables.len());
    for table in tables {
        // Names come from sqlite_master of the copy we just wrote; quoted as identifiers.
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\""));
        let n = copy
            .query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, sql))
            .await?
            .and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or_default();
        rows.push((table, u64::try_from(n).unwrap_or_default()));
    }
    let _ = copy.close().await;
    let bytes = std::fs::metadata(dest)?.len();
    Ok(BackupReport { bytes, rows })
}
