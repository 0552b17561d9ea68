//! `jobber-sandbox`: serve the Jobber stand-in, send one signed webhook to any URL, switch a
//! running sandbox's webhook deliveries, or print the signature of a file. Thin: everything
//! real lives in the library.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use jobber_sandbox::{AccountSeed, RecordCounts, Sandbox, SandboxConfig, topics, webhooks};
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
        /// Records of each kind per account (each kind's own flag overrides it).
        #[arg(long, default_value_t = 25)]
        records: usize,
        /// Seed this many numbered accounts ("Sandbox Account 001", …) instead of the two
        /// named ones; each has its own query-cost bucket and request ceiling.
        #[arg(long)]
        accounts: Option<usize>,
        /// Clients per account.
        #[arg(long)]
        clients: Option<usize>,
        /// Properties per account.
        #[arg(long)]
        properties: Option<usize>,
        /// Jobs per account.
        #[arg(long)]
        jobs: Option<usize>,
        /// Quotes per account.
        #[arg(long)]
        quotes: Option<usize>,
        /// Invoices per account.
        #[arg(long)]
        invoices: Option<usize>,
        /// Jobs alternate between 1 and this many visits; 0 seeds none.
        #[arg(long, default_value_t = 2)]
        visits_per_job: usize,
        /// The app's name on the consent page and in `appDisconnect`.
        #[arg(long, default_value_t = SandboxConfig::default().app_name)]
        app_name: String,
        /// Also send INVOICE_UPDATE when a payment changes an invoice's balance.
        #[arg(long)]
        payment_sends_invoice_update: bool,
        /// Start with webhook deliveries switched off.
        #[arg(long)]
        webhooks_off: bool,
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
        /// Topic, e.g. CLIENT_UPDATE or APP_DISCONNECT: one of Jobber's WebHookTopicEnum values
        /// (`--any-topic` sends anything).
        topic: String,
        /// Send the topic even if it is not one of Jobber's.
        #[arg(long)]
        any_topic: bool,
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
    /// Switch a running sandbox's webhook deliveries off (as when Jobber disables an app's
    /// webhooks) or on, or print whether they are on.
    Webhooks {
        /// `off`, `on` or `status`.
        #[arg(value_enum)]
        switch: Switch,
        /// The running sandbox's base URL.
        #[arg(long, env = "SANDBOX_URL", default_value = "http://127.0.0.1:8081")]
        sandbox: Url,
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

#[derive(Clone, Copy, ValueEnum)]
enum Switch {
    Off,
    On,
    Status,
}

/// `GET`/`PUT {sandbox}/sandbox/webhooks`; prints `webhooks: on|off (N suppressed)`.
async fn webhooks_switch(switch: Switch, mut sandbox: Url) -> anyhow::Result<()> {
    if !sandbox.path().ends_with('/') {
        let path = format!("{}/", sandbox.path());
        sandbox.set_path(&path);
    }
    let url = sandbox.join("sandbox/webhooks")?;
    let http = reqwest::Client::new();
    let req = match switch {
        Switch::Status => http.get(url.clone()),
        Switch::On | Switch::Off => {
            http.put(url.clone()).json(&serde_json::json!({"enabled": matches!(switch, Switch::On)}))
        }
    };
    let resp = req.send().await.with_context(|| format!("reaching the sandbox at {url}"))?;
    anyhow::ensure!(resp.status().is_success(), "{url} answered {}", resp.status());
    let body: serde_json::Value = resp.json().await.context("reading the sandbox's answer")?;
    let on = body["enabled"].as_bool().context("the answer has no `enabled`")?;
    println!(
        "webhooks: {} ({} suppressed)",
        if on { "on" } else { "off" },
        body["suppressed"].as_u64().unwrap_or_default()
    );
    Ok(())
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
            accounts,
            clients,
            properties,
            jobs,
            quotes,
            invoices,
            visits_per_job,
            app_name,
            payment_sends_invoice_update,
            webhooks_off,
            client_id,
            client_secret,
            redirect_uris,
            token_lifetime_secs,
            no_throttle,
        } => {
            let defaults = SandboxConfig::default();
            let mut config = SandboxConfig {
                client_id,
                client_secret,
                redirect_uris,
                token_lifetime: Duration::from_secs(token_lifetime_secs),
                accounts: accounts.map_or(defaults.accounts.clone(), AccountSeed::numbered),
                records_per_account: RecordCounts {
                    clients: clients.unwrap_or(records),
                    properties: properties.unwrap_or(records),
                    jobs: jobs.unwrap_or(records),
                    quotes: quotes.unwrap_or(records),
                    invoices: invoices.unwrap_or(records),
                },
                visits_per_job,
                app_name,
                payment_sends_invoice_update,
                webhooks_enabled: !webhooks_off,
                webhook_url,
                ..defaults
            };
            config.bucket.enabled = !no_throttle;
            let started = Instant::now();
            let sandbox = Sandbox::new(config);
            let seeded = started.elapsed();
            let listener =
                tokio::net::TcpListener::bind(&bind).await.with_context(|| format!("binding {bind}"))?;
            let addr = listener.local_addr()?;
            let list = sandbox.accounts();
            println!("Jobber sandbox on http://{addr} (dashboard: http://{addr}/sandbox)");
            println!("  seeded {} accounts in {} ms", list.len(), seeded.as_millis());
            for a in list.iter().take(10) {
                println!("  account {:<28} {}", a.name, a.id);
            }
            if list.len() > 10 {
                println!("  … and {} more (GET /sandbox/accounts)", list.len() - 10);
            }
            sandbox.serve(listener).await?;
        }
        Command::Webhooks { switch, sandbox } => webhooks_switch(switch, sandbox).await?,
        Command::Trigger { topic, any_topic, account, item, url, secret, app_id } => {
            if !any_topic && !topics::is_known(&topic) {
                eprintln!(
                    "error: unknown webhook topic {topic}: it is not one of Jobber's WebHookTopicEnum \
                     values (pass --any-topic to send it anyway).\nKnown topics: {}",
                    topics::WEBHOOK_TOPICS.join(", ")
                );
                std::process::exit(2);
            }
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
