//! Storage: one sea-orm code path for SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! `Db` owns the connection pool. Queries live in `impl Db` blocks grouped by area; every query
//! that reads merchant data takes the connection (account) it is scoped to.

pub mod entities;

use std::{path::Path, time::Duration};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::{Config, SqliteSynchronous as SyncSetting};

/// The database handle shared by the whole app (cheap to clone).
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    /// `DATA_RETENTION_HOURS=0`: a disconnect removes the account's synced data in the same
    /// transaction (otherwise the sync runner purges it once the retention window has passed).
    purge_on_disconnect: bool,
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    #[error("cannot create the directory for the SQLite database {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error("cannot connect to the database ({backend}): {source}")]
    Connect { backend: &'static str, source: DbErr },
}

impl Db {
    /// Opens the pool for `config.database_url`. SQLite files are created on first use, in WAL
    /// mode; the directory is created as well.
    pub async fn connect(config: &Config) -> Result<Self, DbOpenError> {
        let url = config.database_url.as_str();
        let is_sqlite = url.starts_with("sqlite:");
        if is_sqlite
            && let Some(dir) = sqlite_path(url).and_then(Path::parent).filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|source| DbOpenError::CreateDir { path: dir.display().to_string(), source })?;
        }

        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10));
        if is_sqlite {
            let synchronous = match config.sqlite_synchronous {
                SyncSetting::Normal => SqliteSynchronous::Normal,
                SyncSetting::Full => SqliteSynchronous::Full,
            };
            // WAL lets readers run beside the single writer; the busy timeout makes writers queue
            // instead of failing with SQLITE_BUSY.
            opts.map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(synchronous)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
                    // Checkpoints run in the background (see `spawn_checkpointer`), not inside
                    // whichever commit happens to cross the threshold: a webhook ack must not
                    // wait for the WAL to be copied into the database file.
                    .pragma("wal_autocheckpoint", "0")
            });
            opts.max_connections(8).min_connections(1);
        } else {
            opts.max_connections(16).min_connections(1);
        }
        let backend = if is_sqlite { "SQLite" } else { "PostgreSQL" };
        let conn = sea_orm::Database::connect(opts)
            .await
            .map_err(|source| DbOpenError::Connect { backend, source })?;
        Ok(Self { conn, purge_on_disconnect: config.data_retention.is_zero() })
    }

    /// The sea-orm connection.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Whether a disconnect removes synced data at once (`DATA_RETENTION_HOURS=0`).
    pub fn purges_on_disconnect(&self) -> bool {
        self.purge_on_disconnect
    }

    /// Which database this is.
    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    /// Rolls back the last `steps` migrations (all when `None`).
    pub async fn rollback(&self, steps: Option<u32>) -> Result<(), DbErr> {
        Migrator::down(&self.conn, steps).await
    }

    /// Names of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        Ok(Migrator::get_pending_migrations(&self.conn).await?.iter().map(|m| m.name().to_owned()).collect())
    }

    /// Readiness: the database answers and every migration is applied.
    pub async fn check_ready(&self) -> Result<(), String> {
        self.conn
            .execute_raw(Statement::from_string(self.backend(), "SELECT 1"))
            .await
            .map_err(|e| format!("database unreachable: {e}"))?;
        let pending = self.pending_migrations().await.map_err(|e| format!("cannot read migrations: {e}"))?;
        if pending.is_empty() { Ok(()) } else { Err(format!("{} migration(s) not applied", pending.len())) }
    }

    /// Begins a transaction that will write after reading. On SQLite it takes the write lock at
    /// `BEGIN` (IMMEDIATE): a deferred transaction that reads first and writes later fails with
    /// SQLITE_BUSY_SNAPSHOT when another connection wrote in between, and waiting cannot fix that.
    pub async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        self.conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
    }

    /// SQLite: checkpoints the WAL into the database file every `every`, off the request path
    /// (PASSIVE: never blocks writers or readers), until `cancel` fires. No-op on PostgreSQL.
    pub fn spawn_checkpointer(
        &self,
        every: Duration,
        cancel: tokio_util::sync::CancellationToken,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if self.backend() != DatabaseBackend::Sqlite {
            return None;
        }
        let db = self.clone();
        Some(tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(every) => {}
                }
                if let Err(err) = db.conn.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::warn!(error = %err, "WAL checkpoint failed");
                }
            }
            // A final full checkpoint so the WAL does not outgrow the database across restarts.
            let _ = db.conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await;
        }))
    }

    /// Closes the pool (used on shutdown so SQLite checkpoints its WAL).
    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(':')).then(|| Path::new(path))
}
