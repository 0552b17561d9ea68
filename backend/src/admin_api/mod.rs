//! The operator's GraphQL API (async-graphql), served only on the admin listener at
//! `/admin/graphql`; its SDL is committed as `backend/admin.graphql` (the console's codegen reads
//! it). Resolvers call [`crate::installs`]: account metadata, counts and states, never a
//! merchant's customer data. Every request reaching the schema has passed the admin listener's
//! authentication (see `http::admin`), which puts the [`Operator`] in the request's data.

mod types;

use async_graphql::{Context, EmptySubscription, Object, Schema, SchemaBuilder};
use chrono::Utc;

use self::types::{ActionResult, AuditPage, FleetHealth, Install, InstallDetail, InstallStatus};
use crate::{
    error::{AppError, GqlResult, GqlResultExt},
    installs::{self, Operator},
    state::AppState,
};

/// The executable admin schema.
pub type AdminSchema = Schema<AdminQuery, AdminMutation, EmptySubscription>;

/// Deepest selection accepted.
const MAX_DEPTH: usize = 12;
/// Largest complexity accepted.
const MAX_COMPLEXITY: usize = 5_000;

fn builder() -> SchemaBuilder<AdminQuery, AdminMutation, EmptySubscription> {
    Schema::build(AdminQuery, AdminMutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
}

/// Builds the admin schema around the app state.
pub fn schema(state: AppState) -> AdminSchema {
    builder().data(state).finish()
}

/// The SDL, as committed in `backend/admin.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

fn state<'a>(ctx: &'a Context<'_>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

fn operator<'a>(ctx: &'a Context<'_>) -> GqlResult<&'a Operator> {
    ctx.data_opt::<Operator>().ok_or(AppError::Unauthenticated).gql()
}

/// Read-only operations.
pub struct AdminQuery;

#[Object(name = "Query")]
impl AdminQuery {
    /// Installs, problems first (then by name), optionally of one status and matching `search` (a
    /// part of the name or the Jobber account id). Keyset-paged: pass `nextCursor` as `after`.
    async fn installs(
        &self,
        ctx: &Context<'_>,
        status: Option<InstallStatus>,
        search: Option<String>,
        #[graphql(default = 25, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
    ) -> GqlResult<types::InstallPage> {
        operator(ctx)?;
        if search.as_deref().is_some_and(|s| s.chars().count() > 200) {
            return Err(AppError::BadUserInput("Search for at most 200 characters.".to_owned()).into_gql());
        }
        let filter = crate::db::installs::Filter { status: status.map(Into::into), search };
        let first = u64::try_from(first).unwrap_or(25);
        let page =
            installs::list(&state(ctx).db, &filter, after.as_deref(), first, Utc::now()).await.gql()?;
        Ok(page.into())
    }

    /// One install; null if the app has never seen the account.
    async fn install(
        &self,
        ctx: &Context<'_>,
        jobber_account_id: String,
    ) -> GqlResult<Option<InstallDetail>> {
        operator(ctx)?;
        Ok(installs::show(&state(ctx).db, &jobber_account_id, Utc::now()).await.gql()?.map(Into::into))
    }

    /// The fleet at a glance.
    async fn fleet(&self, ctx: &Context<'_>) -> GqlResult<FleetHealth> {
        operator(ctx)?;
        let s = state(ctx);
        let seen = s.jobber.client.version_warnings();
        let fleet = installs::fleet(&s.db, &seen, Utc::now()).await.gql()?;
        Ok(FleetHealth::new(fleet, s.jobber.client.requested_version().to_owned()))
    }

    /// The audit log, newest first, optionally for one account and since a time.
    async fn audit(
        &self,
        ctx: &Context<'_>,
        jobber_account_id: Option<String>,
        since: Option<chrono::DateTime<Utc>>,
        #[graphql(default = 50, validator(minimum = 1, maximum = 500))] first: i32,
        after: Option<String>,
    ) -> GqlResult<AuditPage> {
        operator(ctx)?;
        let before_id = match after {
            Some(a) => Some(
                a.parse::<i64>()
                    .map_err(|_| {
                        AppError::BadUserInput("The `after` cursor is not one this list wrote.".to_owned())
                    })
                    .gql()?,
            ),
            None => None,
        };
        let limit = u64::try_from(first).unwrap_or(50);
        let rows =
            installs::audit_page(&state(ctx).db, jobber_account_id.as_deref(), since, before_id, limit + 1)
                .await
                .gql()?;
        Ok(AuditPage::new(rows, usize::try_from(limit).unwrap_or(50)))
    }
}

/// Operator actions: each is audited.
pub struct AdminMutation;

#[Object(name = "Mutation")]
impl AdminMutation {
    /// Queues a sync of every resource of a live install now (`full`: from scratch). Audited.
    async fn sync_now(
        &self,
        ctx: &Context<'_>,
        jobber_account_id: String,
        #[graphql(default = false)] full: bool,
    ) -> GqlResult<ActionResult> {
        let op = operator(ctx)?;
        let s = state(ctx);
        let message = installs::sync_now(&s.sync, &s.db, op, &jobber_account_id, full).await.gql()?;
        action_result(s, &jobber_account_id, message).await
    }

    /// Queues the install's dead-lettered webhook events again. Audited.
    async fn redrive(&self, ctx: &Context<'_>, jobber_account_id: String) -> GqlResult<ActionResult> {
        let op = operator(ctx)?;
        let s = state(ctx);
        let message = installs::redrive(&s.db, op, &jobber_account_id).await.gql()?;
        s.inbox.new_data.notify_one();
        s.inbox.new_lifecycle.notify_one();
        action_result(s, &jobber_account_id, message).await
    }

    /// Disconnects the install as the merchant's own disconnect does: calls Jobber's
    /// `appDisconnect`, then clears the local connection even if Jobber fails. Audited as done by
    /// the operator.
    async fn disconnect(&self, ctx: &Context<'_>, jobber_account_id: String) -> GqlResult<ActionResult> {
        let op = operator(ctx)?;
        let s = state(ctx);
        let message = installs::disconnect(&s.tokens, &s.db, op, &jobber_account_id).await.gql()?;
        action_result(s, &jobber_account_id, message).await
    }
}

async fn action_result(s: &AppState, jobber_account_id: &str, message: String) -> GqlResult<ActionResult> {
    let detail = installs::show(&s.db, jobber_account_id, Utc::now())
        .await
        .gql()?
        .ok_or_else(|| AppError::NotFound(format!("No install for Jobber account {jobber_account_id}.")))
        .gql()?;
    Ok(ActionResult { message, install: Install(detail.install) })
}
