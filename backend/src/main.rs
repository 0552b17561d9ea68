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
    /// What the operator console shows, on the command line: every install, or one.
    Installs {
        #[command(subcommand)]
        action: InstallsAction,
    },
    /// The audit log, newest first: who did what to which install.
    Audit {
        /// Only this Jobber account's entries.
        #[arg(long)]
        account: Option<String>,
        /// Only entries at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z).
        #[arg(long)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Operate the webhook inbox.
    Webhooks {
        #[command(subcommand)]
        action: WebhooksAction,
    },
}

#[derive(Subcommand, Clone)]
enum InstallsAction {
    /// Every install, problems first (as the console lists them).
    List {
        /// Only installs of this status: CONNECTED, DEGRADED, NEEDS_REAUTH or DISCONNECTED.
        #[arg(long)]
        status: Option<String>,
        /// Part of the account's name, or its Jobber account id.
        #[arg(long)]
        search: Option<String>,
        /// At most this many installs.
        #[arg(long, default_value_t = 1000)]
        limit: u64,
    },
    /// One install: its state per resource, webhook counts and timeline.
    Show {
        /// The Jobber account id.
        account: String,
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
            let admin = match config.admin.bind_addr {
                Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                    anyhow::anyhow!("cannot listen on ADMIN_BIND_ADDR={addr}: {e} (set ADMIN_BIND_ADDR=off to run without the console)")
                })?),
                None => None,
            };
            let state = jobber_app::build(config).await?;
            tracing::info!(
                addr = %listener.local_addr()?,
                url = %state.config.app_base_url,
                environment = ?state.config.app_env,
                "serving"
            );
            if let Some(admin) = &admin {
                tracing::info!(addr = %admin.local_addr()?, "serving the operator console at /admin");
            }
            jobber_app::serve_all(state.clone(), listener, admin, jobber_app::shutdown_signal()).await?;
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
        Command::Installs { action: InstallsAction::List { status, search, limit } } => {
            let db = jobber_app::db::Db::connect(&config).await?;
            let status = match status.as_deref() {
                None => None,
                Some(s) => Some(
                    <jobber_app::db::enums::ConnectionStatus as sea_orm::ActiveEnum>::try_from_value(
                        &s.to_ascii_uppercase(),
                    )
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "--status {s}: expected CONNECTED, DEGRADED, NEEDS_REAUTH or DISCONNECTED"
                        )
                    })?,
                ),
            };
            let filter = jobber_app::db::installs::Filter { status, search };
            let now = chrono::Utc::now();
            let (mut after, mut shown) = (None::<String>, 0u64);
            println!(
                "{:<24} {:<13} {:<32} {:>7} {:>5} {:>7}  PROBLEMS / LAST ERROR",
                "ACCOUNT", "STATUS", "NAME", "PENDING", "DEAD", "FAILING"
            );
            while shown < limit {
                let page =
                    jobber_app::installs::list(&db, &filter, after.as_deref(), (limit - shown).min(100), now)
                        .await?;
                for i in &page.installs {
                    println!("{}", cli::install_line(i));
                }
                shown += page.installs.len() as u64;
                match page.next_cursor {
                    Some(c) if !page.installs.is_empty() => after = Some(c),
                    _ => {
                        println!("{shown} of {} install(s)", page.total_count);
                        return Ok(());
                    }
                }
            }
            let total = jobber_app::db::installs::count(&db, &filter).await?;
            println!("{shown} of {total} install(s) (raise --limit for more)");
            Ok(())
        }
        Command::Installs { action: InstallsAction::Show { account } } => {
            let db = jobber_app::db::Db::connect(&config).await?;
            let Some(detail) = jobber_app::installs::show(&db, &account, chrono::Utc::now()).await? else {
                anyhow::bail!("the app has never seen Jobber account {account}");
            };
            print!("{}", cli::install_detail(&detail));
            Ok(())
        }
        Command::Audit { account, since, limit } => {
            let db = jobber_app::db::Db::connect(&config).await?;
            let rows = jobber_app::installs::audit_page(&db, account.as_deref(), since, None, limit).await?;
            for e in &rows {
                println!("{}", cli::audit_line(e));
            }
            println!("{} entr{}", rows.len(), if rows.len() == 1 { "y" } else { "ies" });
            Ok(())
        }
        Command::Prune { dry_run } => {
            let db = jobber_app::db::Db::connect(&config).await?;
            let retention = jobber_app::ops::Retention::from_config(&config);
            let r = jobber_app::ops::prune(&db, retention, dry_run).await?;
            let verb = if dry_run { "would remove" } else { "removed" };
            println!(
                "{verb} {} settled webhook event(s) older than {} day(s), {} expired or revoked session(s), \
                 {} audit {} older than {} day(s) and {} sync change record(s) older than 48 hours",
                r.webhook_events,
                config.webhook_retention.as_secs() / 86_400,
                r.sessions,
                r.audit_log,
                if r.audit_log == 1 { "entry" } else { "entries" },
                config.audit_retention.as_secs() / 86_400,
                r.sync_changes
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

/// Plain-text renderings of the operator's views (the console's content, one line per row).
mod cli {
    use jobber_app::{
        db::entities::audit_log,
        installs::{Install, InstallDetail},
    };
    use sea_orm::ActiveEnum as _;

    fn time(t: chrono::DateTime<chrono::Utc>) -> String {
        t.format("%Y-%m-%d %H:%M:%SZ").to_string()
    }

    fn clip(s: &str, n: usize) -> String {
        if s.chars().count() <= n {
            s.to_owned()
        } else {
            format!("{}…", s.chars().take(n - 1).collect::<String>())
        }
    }

    pub fn install_line(i: &Install) -> String {
        let problems: Vec<String> = i.problems.iter().map(|p| format!("{p:?}")).collect();
        let tail = match (&problems[..], &i.last_error) {
            ([], None) => "-".to_owned(),
            (p, None) => p.join(","),
            (p, Some(e)) => format!("{} {}", p.join(","), clip(e, 60)),
        };
        format!(
            "{:<24} {:<13} {:<32} {:>7} {:>5} {:>7}  {tail}",
            clip(&i.jobber_account_id, 24),
            i.status.to_value(),
            clip(&i.name, 32),
            i.webhooks_pending,
            i.webhooks_dead,
            i.failing_runs,
        )
    }

    pub fn install_detail(d: &InstallDetail) -> String {
        let i = &d.install;
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(format!("{} ({})", i.name, i.jobber_account_id));
        line(format!("  status:        {}", i.status.to_value()));
        let by = [i.connected_by_name.as_deref(), i.connected_by_email.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        line(format!(
            "  connected:     {} by {}",
            time(i.connected_at),
            if by.is_empty() { "unknown" } else { &by }
        ));
        if let Some(at) = i.disconnected_at {
            let who = i.disconnected_by.map(|s| s.to_value()).unwrap_or_default();
            line(format!("  disconnected:  {} by {who}", time(at)));
        }
        if let Some(e) = &i.last_error {
            line(format!("  last error:    {e}"));
        }
        line(format!("  webhooks:      {} pending, {} dead-lettered", i.webhooks_pending, i.webhooks_dead));
        if let Some(h) = &i.webhook_health {
            line(format!("  webhook health: {}", h.status.label()));
        }
        if !i.problems.is_empty() {
            line(format!("  problems:      {:?}", i.problems));
        }
        line("  resources:".to_owned());
        for r in &i.resources {
            line(format!(
                "    {:<9} {:<8} last success {}{}",
                r.resource.to_value(),
                r.state.to_value(),
                r.last_success_at.map_or_else(|| "never".to_owned(), time),
                r.error.map(|e| format!(" ({e})")).unwrap_or_default()
            ));
        }
        line("  timeline (newest first):".to_owned());
        for e in &d.timeline {
            line(format!("    {}", audit_line(e)));
        }
        line(format!("  recent webhook events: {}", d.webhook_events.len()));
        for e in d.webhook_events.iter().take(10) {
            line(format!(
                "    {} {:<22} {:<9} attempts {}",
                time(e.received_at),
                e.topic,
                e.status.to_value(),
                e.attempts
            ));
        }
        out
    }

    pub fn audit_line(e: &audit_log::Model) -> String {
        let who = match &e.actor_name {
            Some(n) => format!("{} ({n})", e.actor.to_value()),
            None => e.actor.to_value(),
        };
        format!(
            "{} {:<24} {:<15} {:<34} {}",
            time(e.at),
            e.jobber_account_id.as_deref().unwrap_or("-"),
            e.kind.to_value(),
            clip(&who, 34),
            e.detail
        )
    }
}
