//! Storage: one sea-orm code path for SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! [`Db`] hands out two handles, and the database enforces which is which:
//! - [`Db::reader`]: a pool opened **read-only** (SQLite `SQLITE_OPEN_READONLY`; PostgreSQL
//!   `default_transaction_read_only`), so a write sent there fails instead of bypassing the rule
//!   below;
//! - [`Db::writer`] / [`Db::begin_write`]: every write. On SQLite that is a pool of exactly one
//!   connection, so writers queue in this process (FIFO, woken the moment the previous one
//!   commits) rather than inside SQLite, whose busy handler polls by sleeping 1, 2, 5, 10 … ms.
//!
//! Queries live here, grouped by table ([`connections`], [`sessions`], [`inbox`], [`records`],
//! [`sync_state`], [`audit`]); the named transitions of a `connections` row are written once, in
//! [`connections`]. Every query that reads merchant data takes the account it is scoped to.
//! Status values are typed ([`enums`]); SQL that must spell one gets it from the enum.
//! This module depends on nothing of the app but [`crate::config`] and [`crate::files`].

pub mod audit;
pub mod changes;
pub mod connections;
pub mod entities;
pub mod enums;
pub mod inbox;
pub mod installs;
pub mod records;
pub mod retention;
pub mod sessions;
pub mod sync_state;

use std::{path::Path, time::Duration};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement, Value,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::{Config, SqliteSynchronous as SyncSetting};

/// How often the background checkpointer copies SQLite's WAL into the database file. Each
/// checkpoint first flushes (`fsync`s) the WAL, and a commit that appends to the WAL during that
/// flush can wait for it; the more the WAL grew since the last checkpoint, the longer that wait.
/// At 1,000 webhooks/s the app writes about 40 MB of WAL a second: every 500 ms, the flushes held
/// acknowledgements for 30–60 ms (p99 27.4 ms once the WAL file is reused in place); every
/// 100 ms the p99 was 2.3 ms (`bench-prune --control`; `bench-webhooks` figures in the README,
/// under bench-prune). An idle app's checkpoint finds nothing to copy and costs a fraction of a
/// millisecond.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The database handle shared by the whole app (cheap to clone).
#[derive(Clone, Debug)]
pub struct Db {
    /// Read-only pool (see the module docs).
    reader: DatabaseConnection,
    /// Where writes go: on SQLite a pool of exactly one connection; on PostgreSQL (row locks,
    /// many writers) a pool of its own.
    writer: DatabaseConnection,
    /// SQLite only: one connection for WAL checkpoints, which must write the database file but
    /// never take the write lock (a PASSIVE checkpoint runs beside the writer).
    maintenance: Option<DatabaseConnection>,
    /// The SQLite database file and its `synchronous` setting, for a component that opens its own
    /// connection (the webhook inbox writer); `None` on PostgreSQL and for in-memory SQLite.
    sqlite_file: Option<(std::path::PathBuf, SyncSetting)>,
    /// `DATA_RETENTION_HOURS=0`: a disconnect removes the account's synced data in the same
    /// transaction (otherwise the sync runner purges it once the retention window has passed).
    purge_on_disconnect: bool,
    /// See [`Db::lifecycle_lock`].
    lifecycle_locks: std::sync::Arc<AccountLocks>,
}

/// Per-account async locks of this process; an account's entry goes once nobody holds it.
#[derive(Debug, Default)]
struct AccountLocks(
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
);

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    #[error("cannot create or secure the SQLite database's file or directory {path}: {source}")]
    Files { path: String, source: std::io::Error },
    #[error("cannot connect to the database ({backend}): {source}")]
    Connect { backend: &'static str, source: DbErr },
}

impl Db {
    /// Opens the pools for `config.database_url`. SQLite files are created on first use, in WAL
    /// mode; the directory is created as well.
    pub async fn connect(config: &Config) -> Result<Self, DbOpenError> {
        let url = config.database_url.as_str();
        let is_sqlite = url.starts_with("sqlite:");
        let file = is_sqlite.then(|| sqlite_path(url)).flatten();
        if let Some(path) = file {
            secure_sqlite_files(path, &config.data_dir)?;
        }

        let mut base = ConnectOptions::new(url.to_owned());
        base.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings a connection on every checkout by default: an extra round trip per query.
            // A broken connection fails the query instead, with an error the caller handles.
            .test_before_acquire(false);
        let backend = if is_sqlite { "SQLite" } else { "PostgreSQL" };
        let connect = |opts| async move {
            sea_orm::Database::connect(opts).await.map_err(|source| DbOpenError::Connect { backend, source })
        };
        if !is_sqlite {
            let mut writer = base.clone();
            writer.max_connections(16).min_connections(1);
            let mut reader = base;
            reader
                .max_connections(8)
                .min_connections(1)
                .map_sqlx_postgres_opts(|o| o.options([("default_transaction_read_only", "on")]));
            return Ok(Self {
                writer: connect(writer).await?,
                reader: connect(reader).await?,
                maintenance: None,
                sqlite_file: None,
                purge_on_disconnect: config.data_retention.is_zero(),
                lifecycle_locks: Default::default(),
            });
        }

        let synchronous = match config.sqlite_synchronous {
            SyncSetting::Normal => SqliteSynchronous::Normal,
            SyncSetting::Full => SqliteSynchronous::Full,
        };
        let sqlite = move |read_only: bool| {
            let mut opts = base.clone();
            // WAL lets readers run beside the single writer; the busy timeout makes a writer that
            // still meets the lock (another process, a checkpoint) wait instead of failing.
            opts.map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(synchronous)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(!read_only)
                    .read_only(read_only)
                    // Checkpoints run in the background (see `spawn_checkpointer`), not inside
                    // whichever commit happens to cross the threshold: a webhook ack must not
                    // wait for the WAL to be copied into the database file.
                    .pragma("wal_autocheckpoint", "0")
            });
            opts
        };
        // The writer first: it creates the file (and its WAL) that the read-only pool opens.
        let mut writer = sqlite(false);
        writer.max_connections(1).min_connections(1);
        let writer = connect(writer).await?;
        let Some(path) = file else {
            // An in-memory database exists once per connection: one connection does everything.
            return Ok(Self {
                reader: writer.clone(),
                writer,
                maintenance: None,
                sqlite_file: None,
                purge_on_disconnect: config.data_retention.is_zero(),
                lifecycle_locks: Default::default(),
            });
        };
        let mut reader = sqlite(true);
        reader.max_connections(8).min_connections(1);
        let mut maintenance = sqlite(false);
        maintenance.max_connections(1).min_connections(0);
        Ok(Self {
            reader: connect(reader).await?,
            writer,
            maintenance: Some(connect(maintenance).await?),
            sqlite_file: Some((path.to_path_buf(), config.sqlite_synchronous)),
            purge_on_disconnect: config.data_retention.is_zero(),
            lifecycle_locks: Default::default(),
        })
    }
}

impl Db {
    /// The read-only pool: every read (a write sent here fails).
    pub fn reader(&self) -> &DatabaseConnection {
        &self.reader
    }

    /// The connection for writes outside [`Db::begin_write`] (e.g. claiming inbox rows): on
    /// SQLite the single write connection, so the write queues in-process (see the module docs).
    /// Never use it while holding a transaction from `begin_write`: on SQLite that waits for itself.
    pub fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    /// SQLite: a read-write connection outside the write queue, for work that never takes the
    /// write lock (WAL checkpoints, `VACUUM INTO` backups); elsewhere the writer.
    pub fn maintenance(&self) -> &DatabaseConnection {
        self.maintenance.as_ref().unwrap_or(&self.writer)
    }

    /// The SQLite database file and its `synchronous` setting (`None` on PostgreSQL or in memory).
    pub fn sqlite_file(&self) -> Option<(&Path, SyncSetting)> {
        self.sqlite_file.as_ref().map(|(p, s)| (p.as_path(), *s))
    }

    /// Whether a disconnect removes synced data at once (`DATA_RETENTION_HOURS=0`).
    pub fn purges_on_disconnect(&self) -> bool {
        self.purge_on_disconnect
    }

    /// Held while one account's connection is being ended, in this process: our disconnect holds
    /// it from asking Jobber until its local step commits, and Jobber's `APP_DISCONNECT` (which
    /// our `appDisconnect` call itself makes Jobber send) waits for it, so the disconnect that
    /// started first is the one recorded, with its actor. (App instances sharing PostgreSQL do
    /// not see each other's locks: there an echo worked by another instance can still win.)
    pub async fn lifecycle_lock(&self, jobber_account_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.lifecycle_locks.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            locks.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
            locks.entry(jobber_account_id.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// Which database this is.
    pub fn backend(&self) -> DatabaseBackend {
        self.writer.get_database_backend()
    }

    /// Applies every pending migration. On SQLite, sea-orm-migration runs each statement on its
    /// own (no transaction), so they go to the single write connection: a pooled connection
    /// whose cached schema predates a DDL statement of another one can refuse the next statement
    /// at prepare time (e.g. re-creating an index dropped elsewhere "already exists").
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.writer, None).await
    }

    /// Rolls back the last `steps` migrations (all when `None`).
    pub async fn rollback(&self, steps: Option<u32>) -> Result<(), DbErr> {
        Migrator::down(&self.writer, steps).await
    }

    /// Names of migrations not yet applied. Read from sea-orm-migration's table through the
    /// read-only pool (the migrator's own query would first create that table); no table yet
    /// means nothing is applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        let applied: std::collections::HashSet<String> = match self
            .reader
            .query_all_raw(Statement::from_string(self.backend(), "SELECT version FROM seaql_migrations"))
            .await
        {
            Ok(rows) => rows.iter().map(|r| r.try_get::<String>("", "version")).collect::<Result<_, _>>()?,
            Err(_) if !self.has_migrations_table().await? => Default::default(),
            Err(err) => return Err(err),
        };
        Ok(Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .filter(|name| !applied.contains(name))
            .collect())
    }

    async fn has_migrations_table(&self) -> Result<bool, DbErr> {
        let sql = match self.backend() {
            DatabaseBackend::Postgres => {
                "SELECT 1 AS found FROM information_schema.tables WHERE table_schema = current_schema() \
                 AND table_name = 'seaql_migrations'"
            }
            _ => "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'",
        };
        Ok(self.reader.query_one_raw(Statement::from_string(self.backend(), sql)).await?.is_some())
    }

    /// Readiness: the database answers and every migration is applied.
    pub async fn check_ready(&self) -> Result<(), String> {
        self.reader
            .execute_raw(Statement::from_string(self.backend(), "SELECT 1"))
            .await
            .map_err(|e| format!("database unreachable: {e}"))?;
        let pending = self.pending_migrations().await.map_err(|e| format!("cannot read migrations: {e}"))?;
        if pending.is_empty() { Ok(()) } else { Err(format!("{} migration(s) not applied", pending.len())) }
    }

    /// Begins a transaction that will write after reading. On SQLite it takes the write lock at
    /// `BEGIN` (IMMEDIATE): a deferred transaction that reads first and writes later fails with
    /// SQLITE_BUSY_SNAPSHOT when another connection wrote in between, and waiting cannot fix that.
    /// SQLite transactions run on the single write connection (see [`Db::writer`]), so they
    /// queue in this process; do not start another one (or use `writer()`) before this one ends.
    pub async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        self.writer
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
        let conn = self.maintenance.clone()?;
        Some(tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(every) => {}
                }
                if let Err(err) = conn.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::warn!(error = %err, "WAL checkpoint failed");
                }
            }
            // A final full checkpoint so the WAL does not outgrow the database across restarts.
            let _ = conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await;
        }))
    }

    /// Closes the pool (used on shutdown so SQLite checkpoints its WAL).
    pub async fn close(self) {
        let _ = self.reader.close().await;
        if let Some(m) = self.maintenance {
            let _ = m.close().await;
        }
        let _ = self.writer.close().await;
    }
}

/// Writes `?` placeholders; PostgreSQL gets `$1…`.
pub fn stmt(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    if backend == DatabaseBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(ch);
            }
        }
        Statement::from_sql_and_values(backend, out, values)
    } else {
        Statement::from_sql_and_values(backend, sql, values)
    }
}

/// The SQLite file and its `-wal`/`-shm` are owner-only (`0600`), created so or tightened; so is
/// its directory when the app creates it or when it is `DATA_DIR` (never a shared directory the
/// operator pointed `DATABASE_URL` into). SQLite gives the `-wal`/`-shm` files it creates the
/// database file's mode.
fn secure_sqlite_files(path: &Path, data_dir: &Path) -> Result<(), DbOpenError> {
    let err = |p: &Path| {
        let path = p.display().to_string();
        move |source| DbOpenError::Files { path, source }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let is_data_dir = match (dir.canonicalize(), data_dir.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => dir == data_dir,
        };
        crate::files::private_dir(dir, is_data_dir).map_err(err(dir))?;
    }
    crate::files::private_file(path).map_err(err(path))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = std::path::PathBuf::from(side);
        crate::files::tighten_if_exists(&side, crate::files::FILE_MODE).map_err(err(&side))?;
    }
    Ok(())
}

fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(':')).then(|| Path::new(path))
}
