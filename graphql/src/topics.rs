//! Jobber's webhook topics: the one list, derived at build time (`build.rs`) from
//! `WebHookTopicEnum` in `schema/jobber.graphql` (2023) and `schema/current-fragments.graphql`
//! (the current values). What the app does with each topic is the app's business, not this
//! crate's.

include!(concat!(env!("OUT_DIR"), "/webhook_topics.rs"));

/// Whether `topic` is one of Jobber's current topics (exact and case-sensitive, as Jobber sends
/// them).
pub fn is_known(topic: &str) -> bool {
    WEBHOOK_TOPICS.contains(&topic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_schema_files_contribute() {
        assert_eq!(WEBHOOK_TOPICS.len(), 46);
        // 2023 values come first, then the ones added since.
        assert_eq!(WEBHOOK_TOPICS[0], "APP_CONNECT");
        for topic in ["VISIT_COMPLETE", "PAYOUT_DESTROY", "JOB_CLOSED", "QUOTE_APPROVED", "USER_UPDATE"] {
            assert!(is_known(topic), "{topic}");
        }
        assert!(!is_known("visit_complete") && !is_known("CLIENT_ARCHIVE"));
        let mut sorted = WEBHOOK_TOPICS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), WEBHOOK_TOPICS.len());
    }
}
