//! What this app does with each of Jobber's webhook topics.
//!
//! The topics themselves are [`jobber_graphql::topics::WEBHOOK_TOPICS`], derived from the
//! vendored schema's `WebHookTopicEnum` and the newer fragments at build time; this module only
//! decides each one's [`Handling`]. A topic Jobber adds later is recorded and ignored until it is
//! given a handling here (the unit test lists every topic's).
//!
//! Checked in the vendored schema (`graphql/schema/jobber.graphql`):
//! - `Visit.job: Job!`: a visit change (dates, completion) is re-read through its job.
//! - `PaymentRecordInterface.invoice`, `.quote` (deposits) and `.client`: a payment changes the
//!   invoice's balance and status and the client's balance, so those are re-fetched.
//! - `PayoutRecord` has no invoice or client field; it reaches invoices only through
//!   `balanceTransactions → PaymentBalanceTransaction.paymentRecord`, and a payout changes no
//!   stored amount (the payments changed the balances when they were recorded). Ignored.

use crate::db::enums::{Lane, Resource};

/// What an event of a topic leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// `APP_CONNECT`, `APP_DISCONNECT`: the lifecycle lane.
    Lifecycle,
    /// The item is one we sync: re-fetch it (or tombstone it after `*_DESTROY`).
    Item(Resource),
    /// The item is a visit: re-fetch the job it belongs to.
    VisitJob,
    /// The item is a payment record: re-fetch the invoice (or quote) it pays and its client.
    PaymentLinks,
    /// Nothing to do; stored settled with this reason.
    Ignored(&'static str),
}

const DELETED_VISIT: &str =
    "a deleted visit cannot be fetched to find its job; the job's next incremental sync catches up";
const DELETED_PAYMENT: &str = "a deleted payment cannot be fetched to find its invoice; the invoice's \
     next incremental sync catches up (its balance and updatedAt change)";
const PAYOUT: &str = "a payout changes no invoice or client balance (the payments did), and Jobber's \
     schema links PayoutRecord to invoices only through balanceTransactions";
const NOT_SYNCED: &str = "Fieldsync does not sync this kind of data";
const NOT_A_TOPIC: &str = "not a topic in Jobber's WebHookTopicEnum";

/// The handling of `topic`.
pub fn handling(topic: &str) -> Handling {
    if !jobber_graphql::topics::is_known(topic) {
        return Handling::Ignored(NOT_A_TOPIC);
    }
    match topic {
        "APP_CONNECT" | "APP_DISCONNECT" => Handling::Lifecycle,
        "VISIT_CREATE" | "VISIT_UPDATE" | "VISIT_COMPLETE" => Handling::VisitJob,
        "VISIT_DESTROY" => Handling::Ignored(DELETED_VISIT),
        "PAYMENT_CREATE" | "PAYMENT_UPDATE" => Handling::PaymentLinks,
        "PAYMENT_DESTROY" => Handling::Ignored(DELETED_PAYMENT),
        "PAYOUT_CREATE" | "PAYOUT_UPDATE" | "PAYOUT_DESTROY" => Handling::Ignored(PAYOUT),
        // CLIENT_*, PROPERTY_*, JOB_* (JOB_CLOSED too), QUOTE_* (QUOTE_SENT, QUOTE_APPROVED too),
        // INVOICE_*: the item itself.
        _ => Resource::from_topic(topic).map_or(Handling::Ignored(NOT_SYNCED), Handling::Item),
    }
}

/// Whether events of `topic` are worked by the sync consumer (the data lane).
pub fn is_data_work(topic: &str) -> bool {
    matches!(handling(topic), Handling::Item(_) | Handling::VisitJob | Handling::PaymentLinks)
}

/// Why an event of `topic` needs no work, if it needs none.
pub fn ignored_reason(topic: &str) -> Option<&'static str> {
    match handling(topic) {
        Handling::Ignored(why) => Some(why),
        _ => None,
    }
}

/// The lane of a topic.
pub fn lane_of(topic: &str) -> Lane {
    if handling(topic) == Handling::Lifecycle { Lane::Lifecycle } else { Lane::Data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_current_topic_has_a_deliberate_handling() {
        use Handling::*;
        let handled: Vec<(&str, Handling)> =
            jobber_graphql::topics::WEBHOOK_TOPICS.iter().map(|t| (*t, handling(t))).collect();
        for (topic, h) in &handled {
            assert_ne!(*h, Ignored(NOT_A_TOPIC), "{topic}");
        }
        let of = |t: &str| handled.iter().find(|(x, _)| *x == t).unwrap().1;
        assert_eq!(of("JOB_CLOSED"), Item(Resource::Jobs));
        assert_eq!(of("QUOTE_SENT"), Item(Resource::Quotes));
        assert_eq!(of("QUOTE_APPROVED"), Item(Resource::Quotes));
        assert_eq!(of("INVOICE_DESTROY"), Item(Resource::Invoices));
        assert_eq!(of("VISIT_COMPLETE"), VisitJob);
        assert_eq!(of("PAYMENT_UPDATE"), PaymentLinks);
        assert_eq!(of("PAYOUT_CREATE"), Ignored(PAYOUT));
        for topic in [
            "REQUEST_CREATE",
            "USER_UPDATE",
            "TIMESHEET_CREATE",
            "PRODUCT_OR_SERVICE_UPDATE",
            "EXPENSE_DESTROY",
            "ON_MY_WAY_TRACKING_LINK_REQUEST",
            "MARKETING_ITEM_UPDATE",
        ] {
            assert_eq!(of(topic), Ignored(NOT_SYNCED), "{topic}");
        }
        let worked = handled.iter().filter(|(t, _)| is_data_work(t)).count();
        // 5 resources × CREATE/UPDATE/DESTROY, JOB_CLOSED, QUOTE_SENT, QUOTE_APPROVED, 3 visit
        // and 2 payment topics.
        assert_eq!(worked, 15 + 3 + 3 + 2);
        assert_eq!(handling("CLIENT_ARCHIVE"), Ignored(NOT_A_TOPIC));
        assert_eq!(lane_of("APP_DISCONNECT"), Lane::Lifecycle);
        assert_eq!(lane_of("VISIT_UPDATE"), Lane::Data);
    }
}
