//! Every operation, the OAuth client and the disconnect path against `jobber-sandbox`, the local
//! stand-in for Jobber (real query cost, token rotation, disconnects).

use jobber_graphql::operations::*;
use jobber_graphql::{JobberClient, JobberConfig, JobberError, OAuthClient, Priority, TokenError};
use jobber_sandbox::{Sandbox, SandboxConfig};
use secrecy::ExposeSecret;

const REDIRECT: &str = "http://app.test/oauth/callback";

struct Connected {
    sandbox: Sandbox,
    client: JobberClient,
    oauth: OAuthClient,
    account: String,
    access: String,
    refresh: secrecy::SecretString,
}

async fn connect() -> Connected {
    let config = SandboxConfig::default();
    let (sandbox, base) = Sandbox::spawn(config.clone()).await.expect("sandbox");
    let cfg = JobberConfig::new(base, config.client_id.clone(), config.client_secret.clone().into());
    let oauth = OAuthClient::new(&cfg).unwrap();
    let account = sandbox.accounts()[0].id.clone();
    let code = sandbox.issue_code(&account, REDIRECT);
    let tokens = oauth.exchange_code(&code, REDIRECT).await.expect("code exchange");
    assert!(tokens.expires_at > chrono::Utc::now());
    Connected {
        sandbox,
        client: JobberClient::new(cfg).unwrap(),
        oauth,
        account,
        access: tokens.access_token.expose_secret().to_owned(),
        refresh: tokens.refresh_token,
    }
}

impl Connected {
    async fn run<Q: jobber_graphql::GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> Result<jobber_graphql::Response<Q::ResponseData>, JobberError> {
        self.client.execute::<Q>(&self.account, &self.access, variables, Priority::Normal).await
    }
}

#[tokio::test]
async fn every_operation_against_the_sandbox() {
    let c = connect().await;
    let info = c.sandbox.accounts()[0].clone();

    let account = c.run::<Account>(account::Variables).await.unwrap().data.account.unwrap();
    assert_eq!((account.id.as_str(), account.name.as_str()), (info.id.as_str(), info.name.as_str()));
    let user = c.run::<CurrentUser>(current_user::Variables).await.unwrap().data.user.unwrap();
    assert_eq!(user.id, info.user.id);
    assert_eq!(user.email.raw, info.user.email);

    // Page through every list and fetch the first item of each by id.
    let mut clients_seen = Vec::new();
    let mut after = None;
    loop {
        let response =
            c.run::<Clients>(clients::Variables { first: 10, after, updated_at: None }).await.unwrap();
        assert!(response.cost.is_some(), "the sandbox reports query cost");
        let page = response.data.clients;
        clients_seen.extend(page.nodes.into_iter().map(|n| n.id));
        if !page.page_info.has_next_page {
            break;
        }
        after = page.page_info.end_cursor;
    }
    assert_eq!(clients_seen.len(), c.sandbox.config().records_per_account.clients);
    let one = c.run::<Client>(client::Variables { id: clients_seen[0].clone() }).await.unwrap();
    assert_eq!(one.data.client.unwrap().id, clients_seen[0]);

    let since = chrono::DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").unwrap();
    let filtered = c
        .run::<Clients>(clients::Variables {
            first: 5,
            after: None,
            updated_at: Some(clients::Iso8601DateTimeRangeInput {
                after: Some(since),
                before: None,
                eq: None,
            }),
        })
        .await
        .unwrap();
    assert!(!filtered.data.clients.nodes.is_empty());

    let properties = c.run::<Properties>(properties::Variables { first: 5, after: None }).await.unwrap();
    let pid = properties.data.properties.nodes[0].id.clone();
    let property = c.run::<Property>(property::Variables { id: pid.clone() }).await.unwrap();
    assert_eq!(property.data.property.unwrap().id, pid);

    let jobs = c.run::<Jobs>(jobs::Variables { first: 5, after: None }).await.unwrap().data.jobs.nodes;
    assert!(jobs.windows(2).all(|w| w[0].updated_at >= w[1].updated_at), "most recent first");
    let job = c.run::<Job>(job::Variables { id: jobs[0].id.clone() }).await.unwrap();
    assert_eq!(job.data.job.unwrap().id, jobs[0].id);

    let quotes = c
        .run::<Quotes>(quotes::Variables { first: 5, after: None, updated_at: None })
        .await
        .unwrap()
        .data
        .quotes
        .nodes;
    let quote = c.run::<Quote>(quote::Variables { id: quotes[0].id.clone() }).await.unwrap();
    assert_eq!(quote.data.quote.unwrap().id, quotes[0].id);

    let invoices = c
        .run::<Invoices>(invoices::Variables {
            first: 5,
            after: None,
            updated_at: Some(invoices::Iso8601DateTimeRangeInput {
                after: Some(since),
                before: None,
                eq: None,
            }),
        })
        .await
        .unwrap()
        .data
        .invoices
        .nodes;
    let invoice = c.run::<Invoice>(invoice::Variables { id: invoices[0].id.clone() }).await.unwrap();
    assert_eq!(invoice.data.invoice.unwrap().id, invoices[0].id);

    assert_eq!(c.sandbox.stats().throttled_responses, 0);
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_dies() {
    let c = connect().await;
    let fresh = c.oauth.refresh(&c.refresh).await.expect("refresh");
    assert_ne!(fresh.refresh_token.expose_secret(), c.refresh.expose_secret());
    assert!(fresh.expires_at > chrono::Utc::now());
    let err = c.oauth.refresh(&c.refresh).await.unwrap_err();
    assert!(matches!(err, TokenError::InvalidRefreshToken(_)), "{err:?}");
    // The new access token works.
    let account = c
        .client
        .execute::<Account>(
            &c.account,
            fresh.access_token.expose_secret(),
            account::Variables,
            Priority::High,
        )
        .await
        .unwrap();
    assert!(account.data.account.is_some());
}

#[tokio::test]
async fn expired_access_token_is_unauthorized() {
    let c = connect().await;
    c.sandbox.expire_access_tokens(&c.account);
    let err = c.run::<Account>(account::Variables).await.unwrap_err();
    assert!(matches!(err, JobberError::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn app_disconnect_then_everything_is_disconnected() {
    let c = connect().await;
    let response = c.client.app_disconnect(&c.account, &c.access).await.expect("appDisconnect");
    let app = response.data.app_disconnect.app.unwrap();
    assert_eq!(app.name, c.sandbox.config().app_name);
    let err = c.run::<Account>(account::Variables).await.unwrap_err();
    assert!(matches!(err, JobberError::Disconnected), "{err:?}");
    let err = c.oauth.refresh(&c.refresh).await.unwrap_err();
    assert!(matches!(err, TokenError::InvalidRefreshToken(_)), "{err:?}");
}

#[tokio::test]
async fn bad_client_secret_is_invalid_client() {
    let config = SandboxConfig::default();
    let (sandbox, base) = Sandbox::spawn(config.clone()).await.unwrap();
    let cfg = JobberConfig::new(base, config.client_id.clone(), "wrong-secret".to_owned().into());
    let code = sandbox.issue_code(&sandbox.accounts()[0].id, REDIRECT);
    let err = OAuthClient::new(&cfg).unwrap().exchange_code(&code, REDIRECT).await.unwrap_err();
    assert!(matches!(err, TokenError::InvalidClient(_)), "{err:?}");
}
