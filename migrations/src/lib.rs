//! Database migrations (sea-orm-migration), one file per change, each with a working `down()`.
//!
//! The same migrations run on SQLite and PostgreSQL; they stay within what both support.
// sea-orm-migration's trait declares `&SchemaManager` with an elided, late-bound lifetime; naming
// it in the impls does not match the trait, so the idiom lint is switched off for this crate.
#![allow(elided_lifetimes_in_paths)]

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_connections;
mod m20261128_000002_create_sessions;
mod m20261128_000003_create_webhook_events;
mod m20261128_000004_create_sync_tables;
mod m20261128_000005_webhook_lanes;
mod m20261201_000006_merchant_facing_state;
mod m20261207_000007_webhook_coverage;
mod m20261207_000008_audit_log;
mod m20261207_000009_operator_console;

/// Applies the app's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_connections::Migration),
            Box::new(m20261128_000002_create_sessions::Migration),
            Box::new(m20261128_000003_create_webhook_events::Migration),
            Box::new(m20261128_000004_create_sync_tables::Migration),
            Box::new(m20261128_000005_webhook_lanes::Migration),
            Box::new(m20261201_000006_merchant_facing_state::Migration),
            Box::new(m20261207_000007_webhook_coverage::Migration),
            Box::new(m20261207_000008_audit_log::Migration),
            Box::new(m20261207_000009_operator_console::Migration),
        ]
    }
}
