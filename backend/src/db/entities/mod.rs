//! sea-orm entities, one module per table.
pub mod audit_log;
pub mod connections;
pub mod sessions;
pub mod sync_changes;
pub mod sync_records;
pub mod sync_state;
pub mod webhook_events;
