//! OUR GraphQL API (async-graphql), served at `/graphql` and `/graphql/ws`.
//!
//! Resolvers are thin: they read the request's [`RequestCtx`], call an area, and map the result.
//! Every resolver that touches merchant data goes through [`RequestCtx::require_session`], so
//! tenant scoping is decided in one place.

mod extensions;
mod mutation;
mod query;
mod subscription;
pub mod types;

use async_graphql::{Schema, SchemaBuilder};

pub use self::{mutation::Mutation, query::Query, subscription::Subscription};
use crate::state::AppState;

/// The executable schema.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Deepest selection accepted (GraphiQL's introspection query needs about 13).
pub const MAX_DEPTH: usize = 16;
/// Largest complexity accepted (each field counts 1, lists multiply by their `first`).
pub const MAX_COMPLEXITY: usize = 2_000;
/// Most fields selected at the root of one operation (aliases count: each runs its resolver).
pub const MAX_ROOT_FIELDS: usize = 100;
/// Most subscriptions running at once on one WebSocket.
pub const MAX_SUBSCRIPTIONS_PER_SOCKET: usize = 10;
/// Most WebSockets one session may hold open (per app instance).
pub const MAX_SOCKETS_PER_SESSION: usize = 5;

/// The subscriptions running on one WebSocket, put in the socket's data by the HTTP layer; each
/// subscription holds a [`SubscriptionSlot`] for as long as its stream lives.
#[derive(Clone, Default)]
pub struct SocketBudget(std::sync::Arc<std::sync::atomic::AtomicUsize>);

/// One running subscription, counted until its stream is dropped.
pub struct SubscriptionSlot(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl SocketBudget {
    /// A slot for one more subscription, or a `BAD_USER_INPUT` error past
    /// [`MAX_SUBSCRIPTIONS_PER_SOCKET`].
    pub fn acquire(&self) -> Result<SubscriptionSlot, crate::error::AppError> {
        use std::sync::atomic::Ordering;
        let taken = self.0.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < MAX_SUBSCRIPTIONS_PER_SOCKET).then_some(n + 1)
        });
        match taken {
            Ok(_) => Ok(SubscriptionSlot(self.0.clone())),
            Err(_) => Err(crate::error::AppError::BadUserInput(format!(
                "Too many subscriptions on this socket: at most {MAX_SUBSCRIPTIONS_PER_SOCKET}. Complete one first."
            ))),
        }
    }
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Largest `first` of a list field.
pub const MAX_PAGE: i32 = 100;

/// The complexity of a list field: what one item selects, times the items asked for. `first`
/// is capped at [`MAX_PAGE`] here so that a larger one gets the argument's own clear error.
fn list_complexity(first: i32, child_complexity: usize) -> usize {
    usize::try_from(first.clamp(1, MAX_PAGE)).unwrap_or(1) * child_complexity.max(1) + 1
}

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation, Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(extensions::ErrorCodes)
}

/// Builds the schema around the app state.
pub fn schema(state: AppState) -> AppSchema {
    let mut builder = builder();
    if !state.config.introspection_enabled() {
        // Production without the playground: the schema is not for browsing, and "Did you
        // mean …" would spell it out field by field.
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.data(state).finish()
}

/// The SDL, as committed in `backend/schema.graphql` (the frontend's codegen reads it).
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// What the HTTP layer knows about the caller, inserted into every request's data.
#[derive(Clone, Debug, Default)]
pub struct RequestCtx {
    /// The browser session, if the cookie named a live one.
    pub session: Option<crate::sessions::Session>,
    /// The connection this browser was last signed in to (its remembering cookie), if any.
    pub known_connection: Option<i64>,
}

/// The app state and the caller's session, or `UNAUTHENTICATED`: how every resolver that touches
/// merchant data starts, so tenant scoping is decided in one place.
pub fn scoped<'a>(
    ctx: &'a async_graphql::Context<'_>,
) -> crate::error::GqlResult<(&'a AppState, &'a crate::sessions::Session)> {
    use crate::error::GqlResultExt;
    let session = ctx.data_unchecked::<RequestCtx>().require_session().gql()?;
    Ok((ctx.data_unchecked::<AppState>(), session))
}

impl RequestCtx {
    /// The session, or `UNAUTHENTICATED`.
    pub fn require_session(&self) -> Result<&crate::sessions::Session, crate::error::AppError> {
        self.session.as_ref().ok_or(crate::error::AppError::Unauthenticated)
    }
}
