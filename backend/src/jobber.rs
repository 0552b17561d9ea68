//! The app's link to Jobber: the typed client, the OAuth client, and the webhook secrets.
//!
//! In development without `JOBBER_CLIENT_ID`, the app embeds the Jobber sandbox (crate
//! `jobber-sandbox`) on `SANDBOX_BIND_ADDR` and points itself at it, so the whole lifecycle works
//! without a Jobber account. Production refuses to start without real credentials.

use jobber_graphql::{JobberClient, JobberConfig, OAuthClient};
use jobber_sandbox::{AccountSeed, RecordCounts, Sandbox, SandboxConfig};
use secrecy::SecretString;
use url::Url;

use crate::config::Config;

/// Everything needed to talk to Jobber (or the sandbox).
pub struct Jobber {
    pub client: JobberClient,
    pub oauth: OAuthClient,
    /// Where Jobber is (`JOBBER_API_URL`, or the sandbox).
    pub api_url: Url,
    /// Secrets webhook signatures are checked against: the client secret, and the previous one
    /// while it is being rolled.
    pub webhook_secrets: Vec<SecretString>,
    /// The embedded sandbox, in sandbox mode.
    pub sandbox: Option<Sandbox>,
}

impl Jobber {
    /// Connects to Jobber per the configuration, starting the sandbox in sandbox mode.
    pub async fn start(config: &Config) -> anyhow::Result<Self> {
        let j = &config.jobber;
        let (api_url, client_id, client_secret, sandbox) = match (&j.client_id, &j.client_secret) {
            (Some(id), Some(secret)) => (j.api_url.clone(), id.clone(), secret.clone(), None),
            (Some(_), None) => anyhow::bail!("JOBBER_CLIENT_SECRET must be set when JOBBER_CLIENT_ID is"),
            (None, _) if config.is_production() => anyhow::bail!(
                "JOBBER_CLIENT_ID and JOBBER_CLIENT_SECRET must be set in production (the sandbox is for development)"
            ),
            (None, _) => {
                let (sandbox, url) = start_sandbox(config).await?;
                let secret = SecretString::from(sandbox.config().client_secret.clone());
                (url, sandbox.config().client_id.clone(), secret, Some(sandbox))
            }
        };
        let mut cfg = JobberConfig::new(api_url.clone(), client_id, client_secret.clone());
        cfg.graphql_version = j.graphql_version.clone();
        let client = JobberClient::new(cfg.clone())?;
        let oauth = OAuthClient::new(&cfg)?;
        let mut webhook_secrets = vec![client_secret];
        webhook_secrets.extend(j.client_secret_previous.clone());
        Ok(Self { client, oauth, api_url, webhook_secrets, sandbox })
    }
}

/// The OAuth callback URL registered with Jobber.
pub fn callback_url(config: &Config) -> String {
    config.app_base_url.join("auth/jobber/callback").expect("valid base URL").to_string()
}

async fn start_sandbox(config: &Config) -> anyhow::Result<(Sandbox, Url)> {
    let listener = tokio::net::TcpListener::bind(config.jobber.sandbox_bind_addr).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot start the Jobber sandbox on SANDBOX_BIND_ADDR={}: {e}",
            config.jobber.sandbox_bind_addr
        )
    })?;
    let addr = listener.local_addr()?;
    let sandbox = Sandbox::new(SandboxConfig {
        redirect_uris: vec![callback_url(config)],
        webhook_url: Some(config.app_base_url.join("webhooks/jobber")?),
        records_per_account: RecordCounts::uniform(config.jobber.sandbox_records_per_kind),
        app_name: crate::APP_NAME.to_owned(),
        accounts: match config.jobber.sandbox_accounts {
            0 => SandboxConfig::default().accounts,
            n => AccountSeed::numbered(n),
        },
        ..SandboxConfig::default()
    });
    let serving = sandbox.clone();
    tokio::spawn(async move {
        if let Err(err) = serving.serve(listener).await {
            tracing::error!(error = %err, "the Jobber sandbox stopped");
        }
    });
    let url = Url::parse(&format!("http://{addr}"))?;
    tracing::warn!(
        sandbox = %url,
        dashboard = %url.join("sandbox")?,
        "SANDBOX MODE: no JOBBER_CLIENT_ID is set, so this app talks to a local Jobber stand-in, not Jobber"
    );
    Ok((sandbox, url))
}
