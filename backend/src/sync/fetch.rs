//! Reading Jobber: one page of a resource, or one item by id, as typed items.
//!
//! Every call goes through [`TokenService::execute`] (the token read as the request is sent,
//! retry after a 401, the per-account cost governor, `THROTTLED`/429 retries).
//! [`PageSizer`] picks each page's `first` from the cost Jobber measured for the last one, and
//! tells the governor what the next page will cost, so admission waits exactly until the bucket
//! holds it: the bucket is used fully and Jobber never has to answer `THROTTLED`.

use chrono::{DateTime, Utc};
use jobber_graphql::{Priority, QueryCost};

use super::resources::{Page, Synced};
use crate::tokens::{CallError, TokenService};

/// The operation name the governor keys its cost estimates by.
pub fn operation_name<R: Synced>() -> &'static str {
    use jobber_graphql::GraphQLQuery;
    // `build_query` only assembles the document and name; the variables are not sent.
    R::List::build_query(R::list_variables(1, None, None)).operation_name
}

/// One page of `R`: `first` items after `after`. `since` filters on `updatedAt` where Jobber can.
pub async fn page<R: Synced>(
    tokens: &TokenService,
    account_id: &str,
    first: i64,
    after: Option<String>,
    since: Option<DateTime<Utc>>,
) -> Result<(Page<R::Item>, Option<QueryCost>), CallError> {
    let vars = R::list_variables(first, after, since.map(|t| t.fixed_offset()));
    let resp = tokens.execute::<R::List>(account_id, vars, Priority::Normal).await?;
    Ok((R::page(resp.data), resp.cost))
}

/// The current state of one item; `None` when Jobber says it does not exist (deleted).
pub async fn one<R: Synced>(
    tokens: &TokenService,
    account_id: &str,
    id: &str,
    priority: Priority,
) -> Result<Option<R::Item>, CallError> {
    let resp = tokens.execute::<R::One>(account_id, R::one_variables(id.to_owned()), priority).await?;
    Ok(R::one(resp.data))
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
    /// Starts from a pessimistic per-item cost.
    pub fn new(per_item: f64, max_page: u32) -> Self {
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
    use crate::sync::resources::{Clients, Jobs};

    #[test]
    fn page_size_follows_measured_cost() {
        let mut sizer = PageSizer::new(Clients::COST_PER_ITEM, 100);
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

    #[test]
    fn operation_names_are_the_documents_names() {
        assert_eq!(operation_name::<Clients>(), "Clients");
        assert_eq!(operation_name::<Jobs>(), "Jobs");
    }
}
