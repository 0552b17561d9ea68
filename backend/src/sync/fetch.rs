//! Reading Jobber: one page of a resource, or one item by id, as JSON items.
//!
//! Every call goes through [`crate::tokens::with_token`] (valid token, refresh on 401) and
//! [`jobber_graphql::JobberClient::execute`] (the per-account cost governor, `THROTTLED`/429
//! retries). [`PageSizer`] picks each page's `first` from the cost Jobber measured for the last
//! one, and tells the governor what the next page will cost, so admission waits exactly until
//! the bucket holds it: the bucket is used fully and Jobber never has to answer `THROTTLED`.

use chrono::{DateTime, Utc};
use jobber_graphql::{
    GraphQLQuery, JobberError, Priority, QueryCost,
    operations::{
        self as ops, client, clients, invoice, invoices, job, jobs, properties, property, quote, quotes,
    },
};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::Resource;
use crate::{
    state::AppState,
    tokens::{CallError, with_token},
};

/// One page of items as Jobber sent them.
#[derive(Debug)]
pub struct FetchedPage {
    pub items: Vec<Value>,
    pub end_cursor: Option<String>,
    pub has_next: bool,
    pub cost: Option<QueryCost>,
}

fn to_json<T: serde::Serialize>(items: &[T]) -> Result<Vec<Value>, CallError> {
    items
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(|e| CallError::Jobber(JobberError::Decode(e.to_string())))
}

async fn call<Q: GraphQLQuery>(
    state: &AppState,
    account_id: &str,
    vars: Q::Variables,
    priority: Priority,
) -> Result<jobber_graphql::Response<Q::ResponseData>, CallError>
where
    Q::Variables: Clone,
{
    let client = &state.jobber.client;
    with_token(state, account_id, |token| {
        let vars = vars.clone();
        async move { client.execute::<Q>(account_id, token.expose_secret(), vars, priority).await }
    })
    .await
}

/// The operation name the governor keys its cost estimates by.
pub fn operation_name(resource: Resource) -> &'static str {
    match resource {
        Resource::Clients => "Clients",
        Resource::Properties => "Properties",
        Resource::Jobs => "Jobs",
        Resource::Quotes => "Quotes",
        Resource::Invoices => "Invoices",
    }
}

/// One page of `resource`: `first` items after `after`. `since` filters on `updatedAt` where
/// Jobber can (clients, quotes, invoices); jobs always come most recently updated first.
pub async fn page(
    state: &AppState,
    account_id: &str,
    resource: Resource,
    first: i64,
    after: Option<String>,
    since: Option<DateTime<Utc>>,
) -> Result<FetchedPage, CallError> {
    let since = since.map(|t| t.fixed_offset());
    macro_rules! fetch {
        ($op:ident, $field:ident, $vars:expr) => {{
            let resp = call::<ops::$op>(state, account_id, $vars, Priority::Normal).await?;
            let conn = resp.data.$field;
            FetchedPage {
                items: to_json(&conn.nodes)?,
                end_cursor: conn.page_info.end_cursor,
                has_next: conn.page_info.has_next_page,
                cost: resp.cost,
            }
        }};
    }
    Ok(match resource {
        Resource::Clients => fetch!(
            Clients,
            clients,
            clients::Variables {
                first,
                after,
                updated_at: since.map(|t| clients::Iso8601DateTimeRangeInput {
                    after: Some(t),
                    before: None,
                    eq: None
                }),
            }
        ),
        Resource::Properties => fetch!(Properties, properties, properties::Variables { first, after }),
        Resource::Jobs => fetch!(Jobs, jobs, jobs::Variables { first, after }),
        Resource::Quotes => fetch!(
            Quotes,
            quotes,
            quotes::Variables {
                first,
                after,
                updated_at: since.map(|t| quotes::Iso8601DateTimeRangeInput {
                    after: Some(t),
                    before: None,
                    eq: None
                }),
            }
        ),
        Resource::Invoices => fetch!(
            Invoices,
            invoices,
            invoices::Variables {
                first,
                after,
                updated_at: since.map(|t| invoices::Iso8601DateTimeRangeInput {
                    after: Some(t),
                    before: None,
                    eq: None
                }),
            }
        ),
    })
}

/// The current state of one item; `None` when Jobber says it does not exist (deleted).
pub async fn one(
    state: &AppState,
    account_id: &str,
    resource: Resource,
    id: &str,
    priority: Priority,
) -> Result<Option<Value>, CallError> {
    let id = id.to_owned();
    macro_rules! fetch {
        ($op:ident, $module:ident, $field:ident) => {{
            let resp = call::<ops::$op>(state, account_id, $module::Variables { id }, priority).await?;
            match resp.data.$field {
                Some(item) => Some(to_json(std::slice::from_ref(&item))?.remove(0)),
                None => None,
            }
        }};
    }
    Ok(match resource {
        Resource::Clients => fetch!(Client, client, client),
        Resource::Properties => fetch!(Property, property, property),
        Resource::Jobs => fetch!(Job, job, job),
        Resource::Quotes => fetch!(Quote, quote, quote),
        Resource::Invoices => fetch!(Invoice, invoice, invoice),
    })
}

/// Picks page sizes from measured query cost.
#[derive(Debug, Clone)]
pub struct PageSizer {
    /// Cost per item, from Jobber's `requestedQueryCost` of the last page (an upper bound: the
    /// page's fixed part is counted per item too).
    per_item: f64,
    /// Jobber's bucket size (`maximumAvailable`).
    maximum: f64,
    max_page: u32,
}

/// Share of the bucket one page may ask for: small enough that a page never waits for the
/// whole bucket, large enough that requests stay few (Jobber also caps requests per 5 minutes).
const PAGE_SHARE: f64 = 0.25;

impl PageSizer {
    /// Starts from a pessimistic per-item cost (our operations select 10 to 22 fields).
    pub fn new(resource: Resource, max_page: u32) -> Self {
        let per_item = match resource {
            Resource::Clients => 25.0,
            Resource::Properties => 12.0,
            Resource::Jobs => 16.0,
            Resource::Quotes => 16.0,
            Resource::Invoices => 18.0,
        };
        Self { per_item, maximum: 10_000.0, max_page: max_page.max(1) }
    }

    /// The next page's `first`.
    pub fn first(&self) -> i64 {
        let by_cost = (self.maximum * PAGE_SHARE / self.per_item.max(1.0)).floor();
        (by_cost as i64).clamp(1, i64::from(self.max_page))
    }

    /// What a page of `first` items is expected to cost.
    pub fn estimate(&self, first: i64) -> f64 {
        (self.per_item * first as f64).ceil()
    }

    /// Learns from the cost Jobber reported for a page of `first` items.
    pub fn learn(&mut self, first: i64, cost: &QueryCost) {
        if first > 0 && cost.requested_query_cost > 0.0 {
            self.per_item = cost.requested_query_cost / first as f64;
        }
        if cost.throttle_status.maximum_available > 0.0 {
            self.maximum = cost.throttle_status.maximum_available;
        }
    }

    /// After `QueryTooExpensive`: halve.
    pub fn shrink(&mut self) {
        self.max_page = (self.max_page / 2).max(1);
    }
}

#[cfg(test)]
mod tests {
    use jobber_graphql::ThrottleStatus;

    use super::*;

    #[test]
    fn page_size_follows_measured_cost() {
        let mut sizer = PageSizer::new(Resource::Clients, 100);
        assert_eq!(sizer.first(), 100);
        let cost = |requested: f64, max: f64| QueryCost {
            requested_query_cost: requested,
            actual_query_cost: requested,
            throttle_status: ThrottleStatus {
                maximum_available: max,
                currently_available: max,
                restore_rate: 50.0,
            },
        };
        // A small bucket: pages shrink to a quarter of it.
        sizer.learn(100, &cost(2_200.0, 1_000.0));
        assert_eq!(sizer.first(), 11);
        assert_eq!(sizer.estimate(11), 242.0);
        // Expensive items in a large bucket.
        sizer.learn(11, &cost(1_100.0, 10_000.0));
        assert_eq!(sizer.first(), 25);
        sizer.shrink();
        sizer.learn(25, &cost(25.0, 10_000.0));
        assert_eq!(sizer.first(), 50);
    }
}
