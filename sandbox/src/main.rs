//! `jobber-sandbox`: serve the Jobber stand-in, send one signed webhook to any URL, or print the
//! signature of a file. Thin: everything real lives in the library.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use jobber_sandbox::{RecordCounts, Sandbox, SandboxConfig, webhooks};
use url::Url;

#[derive(Parser)]
#[command(name = "jobber-sandbox", about = "A local stand-in for Jobber's API", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Jobber's OAuth, GraphQL and webhook behaviour plus the /sandbox dashboard.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8081")]
        bind: String,
        /// Where to deliver webhooks (e.g. the app's /webhooks/jobber).
        #[arg(long, env = "SANDBOX_WEBHOOK_URL")]
        webhook_url: Option<Url>,
        /// Records of each kind per account.
        #[arg(long, default_value_t = 25)]
        records: usize,
        /// OAuth client id the app uses.
        #[arg(long, default_value = "sandbox-client-id")]
        client_id: String,
        /// OAuth client secret the app uses (also the webhook signing key).
        #[arg(long, env = "SANDBOX_CLIENT_SECRET", default_value = "sandbox-client-secret")]
        client_secret: String,
        /// Accepted redirect URI; repeat for several. None accepts any http(s) URL.
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// Access-token lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        token_lifetime_secs: u64,
        /// Turn the query-cost bucket off (costs are still reported).
        #[arg(long)]
        no_throttle: bool,
    },
    /// Send one signed webhook delivery to a URL and print the HTTP status (like `stripe trigger`).
    Trigger {
        /// Topic, e.g. CLIENT_UPDATE or APP_DISCONNECT.
        topic: String,
        /// Account EncodedId.
        #[arg(long)]
        account: String,
        /// Item EncodedId (defaults to the account id).
        #[arg(long)]
        item: Option<String>,
        /// Receiver URL.
        #[arg(long)]
        url: Url,
        /// Signing secret (the app's client secret).
        #[arg(long, env = "SANDBOX_CLIENT_SECRET", default_value = "sandbox-client-secret")]
        secret: String,
        /// appId to put in the payload.
        #[arg(long, default_value_t = SandboxConfig::default().app_id)]
        app_id: String,
    },
    /// Print the X-Jobber-Hmac-SHA256 value of a file's raw bytes.
    Sign {
        /// The body file.
        file: PathBuf,
        /// Signing secret (the app's client secret).
        #[arg(long, env = "SANDBOX_CLIENT_SECRET", default_value = "sandbox-client-secret")]
        secret: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .compact()
        .init();
    match Cli::parse().command {
        Command::Serve {
            bind,
            webhook_url,
            records,
            client_id,
            client_secret,
            redirect_uris,
            token_lifetime_secs,
            no_throttle,
        } => {
            let mut config = SandboxConfig {
                client_id,
                client_secret,
                redirect_uris,
                token_lifetime: Duration::from_secs(token_lifetime_secs),
                records_per_account: RecordCounts::uniform(records),
                webhook_url,
                ..SandboxConfig::default()
            };
            config.bucket.enabled = !no_throttle;
            let sandbox = Sandbox::new(config);
            let listener =
                tokio::net::TcpListener::bind(&bind).await.with_context(|| format!("binding {bind}"))?;
            let addr = listener.local_addr()?;
            println!("Jobber sandbox on http://{addr} (dashboard: http://{addr}/sandbox)");
            for a in sandbox.accounts() {
                println!("  account {:<28} {}", a.name, a.id);
            }
            sandbox.serve(listener).await?;
        }
        Command::Trigger { topic, account, item, url, secret, app_id } => {
            let item = item.unwrap_or_else(|| account.clone());
            let body = webhooks::event_body(&topic, &app_id, &account, &item, chrono::Utc::now());
            let signature = webhooks::sign(&secret, &body);
            let resp = reqwest::Client::new()
                .post(url)
                .header("Content-Type", "application/json")
                .header(webhooks::SIGNATURE_HEADER, &signature)
                .body(body)
                .send()
                .await
                .context("delivering the webhook")?;
            println!("{}", resp.status());
            if !resp.status().is_success() {
                std::process::exit(1);
            }
        }
        Command::Sign { file, secret } => {
            let body = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            println!("{}", webhooks::sign(&secret, &body));
        }
    }
    Ok(())
}
