//! Jobber webhooks: a durable inbox.
//!
//! - [`ingest`]: verify the signature over the raw bytes, parse, and record the event in the
//!   inbox with a dedupe key, in shared commits (group commit), before answering 200.
//! - [`worker`]: claim due inbox rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL), apply them, retry
//!   with backoff, park repeated failures as dead letters.
//! - [`list`]: the inbox as the API shows it.
//! - [`topics`]: what each of Jobber's webhook topics leads to.
//!
//! The ack never waits on Jobber or on processing: Jobber wants an answer within 1 second.

pub mod ingest;
pub mod list;
pub mod queue;
mod store;
pub mod topics;
pub mod worker;

pub use self::{
    ingest::Event,
    list::list_events,
    topics::{Handling, handling, ignored_reason, is_data_work, lane_of},
};
