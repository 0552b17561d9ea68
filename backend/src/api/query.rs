use async_graphql::{Context, Object};

use super::{
    RequestCtx,
    types::{
        AppInfo, Client, Connection, Environment, Invoice, Job, PreviousConnection, Property, Quote,
        RecordConnection, SyncResourceStatus, WebhookEventConnection,
    },
};
use crate::{
    error::{GqlResult, GqlResultExt},
    state::AppState,
    sync::resources,
};

/// Read-only entry points: the fields below, then one list per synced resource.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct Query(BaseQuery, ClientsQuery, PropertiesQuery, JobsQuery, QuotesQuery, InvoicesQuery);

/// The entry points that are not synced-data lists.
#[derive(Default)]
pub struct BaseQuery;

#[Object]
impl BaseQuery {
    /// Facts about this deployment.
    async fn app_info(&self, ctx: &Context<'_>) -> AppInfo {
        let state = ctx.data_unchecked::<AppState>();
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            environment: if state.config.is_production() {
                Environment::Production
            } else {
                Environment::Development
            },
            jobber_api_version: state.config.jobber.graphql_version.clone(),
            sandbox_mode: state.sandbox_mode(),
            app_name: crate::APP_NAME.to_owned(),
            support_url: state.config.support_url.as_ref().map(ToString::to_string),
            privacy_url: state.config.privacy_url.as_ref().map(ToString::to_string),
        }
    }

    /// The signed-in merchant's connection; null while the browser has no session.
    async fn connection(&self, ctx: &Context<'_>) -> GqlResult<Option<Connection>> {
        let Some(session) = ctx.data_unchecked::<RequestCtx>().session.as_ref() else {
            return Ok(None);
        };
        let state = ctx.data_unchecked::<AppState>();
        Ok(state.db.live_session_connection(session).await.gql()?.map(Connection::from))
    }

    /// For a browser without a live session: the connection it was last signed in to
    /// (remembered in an HttpOnly cookie), so the page can offer "Sign in with Jobber" for a
    /// connection that is still live, or say what happened to one that ended. Null when the
    /// browser has a live session (use `connection`) or has never signed in.
    async fn previous_connection(&self, ctx: &Context<'_>) -> GqlResult<Option<PreviousConnection>> {
        let request = ctx.data_unchecked::<RequestCtx>();
        let Some(id) = request.known_connection.filter(|_| request.session.is_none()) else {
            return Ok(None);
        };
        let state = ctx.data_unchecked::<AppState>();
        Ok(state.db.find_connection(id).await.gql()?.map(PreviousConnection::from))
    }

    /// Webhook deliveries received for the signed-in merchant's account, newest first. `first`:
    /// 1 to 100 (default 20).
    #[graphql(complexity = "super::list_complexity(first, child_complexity)")]
    async fn webhook_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
    ) -> GqlResult<WebhookEventConnection> {
        let (state, session) = super::scoped(ctx)?;
        let first = u64::try_from(first).unwrap_or(20);
        Ok(crate::webhooks::list_events(&state.db, &session.jobber_account_id, first, after.as_deref())
            .await
            .gql()?
            .into())
    }

    /// Sync progress of each resource of the signed-in merchant's account.
    async fn sync_status(&self, ctx: &Context<'_>) -> GqlResult<Vec<SyncResourceStatus>> {
        let (state, session) = super::scoped(ctx)?;
        let statuses =
            crate::sync::status::statuses(&state.db, &state.config.sync, &session.jobber_account_id)
                .await
                .gql()?;
        Ok(statuses.into_iter().map(Into::into).collect())
    }
}

/// One list of synced data per resource, written once: the merchant's items of `$R` as `$node`s.
macro_rules! resource_query {
    ($query:ident, $field:ident, $R:ty, $node:ty, $doc:literal) => {
        #[derive(Default)]
        pub struct $query;

        #[Object]
        impl $query {
            #[doc = $doc]
            ///
            /// `first`: 1 to 100 (default 20). `search`: at most 200 characters and 10 words.
            #[graphql(complexity = "super::list_complexity(first, child_complexity)")]
            async fn $field(
                &self,
                ctx: &Context<'_>,
                #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
                after: Option<String>,
                search: Option<String>,
            ) -> GqlResult<RecordConnection<$node>> {
                let (state, session) = super::scoped(ctx)?;
                let first = u64::try_from(first).unwrap_or(20);
                let page = crate::sync::status::browse::<$R>(
                    &state.db,
                    &session.jobber_account_id,
                    first,
                    after.as_deref(),
                    search.as_deref(),
                )
                .await
                .gql()?;
                Ok(RecordConnection::from_page(page))
            }
        }
    };
}

resource_query!(
    ClientsQuery,
    clients,
    resources::Clients,
    Client,
    "The merchant's synced clients, by name. `search` matches names, emails, phones and addresses (every word must match)."
);
resource_query!(
    PropertiesQuery,
    properties,
    resources::Properties,
    Property,
    "The merchant's synced properties, by address. `search` matches the address and the client's name."
);
resource_query!(
    JobsQuery,
    jobs,
    resources::Jobs,
    Job,
    "The merchant's synced jobs, newest number first. `search` matches the title, `#number` and the client's name."
);
resource_query!(
    QuotesQuery,
    quotes,
    resources::Quotes,
    Quote,
    "The merchant's synced quotes, newest number first. `search` matches the title, `#number` and the client's name."
);
resource_query!(
    InvoicesQuery,
    invoices,
    resources::Invoices,
    Invoice,
    "The merchant's synced invoices, newest number first. `search` matches the subject, `#number` and the client's name."
);
