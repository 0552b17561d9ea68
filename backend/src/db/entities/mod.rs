//! sea-orm entities, one module per table.
pub mod connections;
pub mod sessions;
pub mod webhook_events;
