//! `jobber-app` command line: `serve` (default), `migrate`, and operator tasks.
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jobber_app::config::Config;

#[derive(Parser)]
#[command(name = "jobber-app", version, about = "Fieldsync: a Jobber App Marketplace app")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply (or roll back) database migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Re-encrypt every stored Jobber token under TOKEN_ENCRYPTION_KEY (the old key goes in
    /// TOKEN_ENCRYPTION_KEY_PREVIOUS while this runs).
    RotateKeys,
    /// Remove settled webhook events older than WEBHOOK_RETENTION_DAYS, dead sessions and audit
    /// entries older than AUDIT_RETENTION_DAYS now (the server does this every
    /// PRUNE_INTERVAL_SECS), printing what was removed.
    Prune {
        /// Count what would be removed; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a consistent snapshot of the SQLite database to PATH (owner-only) while the app
    /// serves; prints its size and row counts. On PostgreSQL use pg_dump.
    Backup {
        /// Where to write the copy (must not exist).
        path: std::path::PathBuf,
    },
    /// Operate the webhook inbox.
    Webhooks {
        #[command(subcommand)]
        action: WebhooksAction,
    },
}

#[derive(Subcommand, Clone, Copy)]
enum WebhooksAction {
    /// Re-queue every dead-lettered event.
    Redrive,
}

#[derive(Subcommand, Clone, Copy)]
enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// Roll back the last migration.
    Down,
    /// List pending migrations.
    Status,
}

fn main() -> ExitCode {
    // `.env` is a development convenience; production takes its environment as given.
    if std::env::var("APP_ENV").as_deref() != Ok("production") {
        let _ = dotenvy::dotenv();
    }
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(err) => {
            eprintln!("configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    jobber_app::telemetry::init_tracing(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "jobber-app failed");
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(config.bind_addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on BIND_ADDR={}: {e}", config.bind_addr))?;
            let state = jobber_app::build(config).await?;
            tracing::info!(
                addr = %listener.local_addr()?,
                url = %state.config.app_base_url,
                environment = ?state.config.app_env,
                "serving"
            );
            jobber_app::serve(state.clone(), listener, jobber_app::shutdown_signal()).await?;
            state.db.clone().close().await;
            tracing::info!("stopped");
            Ok(())
        }
        Command::RotateKeys => {
            let db = jobber_app::db::Db::connect(&config).await?;
            let keys = jobber_app::keys::Keys::load(&config)?;
            let n = jobber_app::tokens::rotate_keys(&db, &keys.tokens).await?;
            println!("re-encrypted the tokens of {n} connection(s) under key {}", keys.tokens.current.id());
            Ok(())
        }
        Command::Webhooks { action: WebhooksAction::Redrive } => {
            let db = jobber_app::db::Db::connect(&config).await?;
            let n = jobber_app::webhooks::worker::redrive(&db).await?;
            println!("re-queued {n} dead-lettered webhook event(s)");
            Ok(())
        }
        Command::Prune { dry_run } => {
            let db = jobber_app::db::Db::connect(&config).await?;
            let retention = jobber_app::ops::Retention::from_config(&config);
            let r = jobber_app::ops::prune(&db, retention, dry_run).await?;
            let verb = if dry_run { "would remove" } else { "removed" };
            println!(
                "{verb} {} settled webhook event(s) older than {} day(s), {} expired or revoked session(s) \
                 and {} audit {} older than {} day(s)",
                r.webhook_events,
                config.webhook_retention.as_secs() / 86_400,
                r.sessions,
                r.audit_log,
                if r.audit_log == 1 { "entry" } else { "entries" },
                config.audit_retention.as_secs() / 86_400
            );
            Ok(())
        }
        Command::Backup { path } => {
            let db = jobber_app::db::Db::connect(&config).await?;
            let r = jobber_app::ops::backup(&db, &path).await?;
            println!("wrote {} ({} bytes, mode 0600)", path.display(), r.bytes);
            for (table, n) in &r.rows {
                println!("  {table}: {n} row(s)");
            }
            Ok(())
        }
        Command::Migrate { action } => {
            let db = jobber_app::db::Db::connect(&config).await?;
            match action.unwrap_or(MigrateAction::Up) {
                MigrateAction::Up => {
                    db.migrate().await?;
                    println!("migrations applied");
                }
                MigrateAction::Down => {
                    db.rollback(Some(1)).await?;
                    println!("rolled back one migration");
                }
                MigrateAction::Status => {
                    let pending = db.pending_migrations().await?;
                    if pending.is_empty() {
                        println!("up to date");
                    } else {
                        pending.iter().for_each(|m| println!("pending: {m}"));
                    }
                }
            }
            Ok(())
        }
    }
}
