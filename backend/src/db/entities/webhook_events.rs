//! `webhook_events`: the durable webhook inbox.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub topic: String,
    pub app_id: String,
    pub jobber_account_id: String,
    pub item_id: String,
    pub occurred_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub status: crate::db::enums::EventStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub processed_at: Option<DateTimeUtc>,
    /// Which consumer works the row.
    pub lane: crate::db::enums::Lane,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
