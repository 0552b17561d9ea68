//! Jobber's webhook topics: the one list the sandbox knows, used to check what `trigger` sends
//! and what the sandbox itself raises. It is the union of `WebHookTopicEnum` in the vendored
//! 2023 schema (`graphql/schema/jobber.graphql`) and in the newer fragments
//! (`graphql/schema/current-fragments.graphql`, 46 values as of the 2025-01-20 API); a contract
//! test (`tests/it/topics.rs`) fails when either file and this list disagree.

/// Every current `WebHookTopicEnum` value, grouped as Jobber's schema lists them.
pub const WEBHOOK_TOPICS: [&str; 46] = [
    "APP_CONNECT",
    "APP_DISCONNECT",
    "CLIENT_CREATE",
    "CLIENT_DESTROY",
    "CLIENT_UPDATE",
    "INVOICE_CREATE",
    "INVOICE_DESTROY",
    "INVOICE_UPDATE",
    "JOB_CREATE",
    "JOB_DESTROY",
    "JOB_UPDATE",
    "JOB_CLOSED",
    "PROPERTY_CREATE",
    "PROPERTY_DESTROY",
    "PROPERTY_UPDATE",
    "QUOTE_CREATE",
    "QUOTE_DESTROY",
    "QUOTE_UPDATE",
    "QUOTE_SENT",
    "QUOTE_APPROVED",
    "REQUEST_CREATE",
    "REQUEST_DESTROY",
    "REQUEST_UPDATE",
    "VISIT_COMPLETE",
    "VISIT_CREATE",
    "VISIT_DESTROY",
    "VISIT_UPDATE",
    "PRODUCT_OR_SERVICE_CREATE",
    "PRODUCT_OR_SERVICE_DESTROY",
    "PRODUCT_OR_SERVICE_UPDATE",
    "PAYMENT_CREATE",
    "PAYMENT_DESTROY",
    "PAYMENT_UPDATE",
    "PAYOUT_CREATE",
    "PAYOUT_DESTROY",
    "PAYOUT_UPDATE",
    "TIMESHEET_CREATE",
    "TIMESHEET_DESTROY",
    "TIMESHEET_UPDATE",
    "EXPENSE_CREATE",
    "EXPENSE_DESTROY",
    "EXPENSE_UPDATE",
    "ON_MY_WAY_TRACKING_LINK_REQUEST",
    "MARKETING_ITEM_UPDATE",
    "USER_CREATE",
    "USER_UPDATE",
];

/// Whether `topic` is one of Jobber's current topics (exact, case-sensitive, as Jobber sends
/// them).
pub fn is_known(topic: &str) -> bool {
    WEBHOOK_TOPICS.contains(&topic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_duplicates() {
        let mut sorted = WEBHOOK_TOPICS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), WEBHOOK_TOPICS.len());
        assert!(is_known("VISIT_COMPLETE") && !is_known("visit_complete") && !is_known("CLIENT_ARCHIVE"));
    }
}
