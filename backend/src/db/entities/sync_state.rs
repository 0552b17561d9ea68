//! `sync_state`: one checkpoint and progress row per (account, resource).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_state")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub jobber_account_id: String,
    pub resource: crate::db::enums::Resource,
    pub state: crate::db::enums::SyncRunState,
    pub mode: Option<crate::db::enums::SyncMode>,
    pub requested_mode: Option<crate::db::enums::SyncMode>,
    pub pass: i64,
    pub cursor: Option<String>,
    pub high_water: Option<DateTimeUtc>,
    pub run_high_water: Option<DateTimeUtc>,
    pub fetched: i64,
    pub total: Option<i64>,
    pub page_size: Option<i32>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_full_success_at: Option<DateTimeUtc>,
    pub error: Option<String>,
    /// Why the last attempt failed, typed (with `error`).
    pub problem: Option<crate::db::enums::SyncProblem>,
    pub failures: i32,
    pub not_before: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
