//! `sync_records`: the merchant's synced Jobber items (all five resources), account-scoped.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub jobber_account_id: String,
    pub kind: crate::db::enums::Resource,
    pub jobber_id: String,
    pub title: String,
    pub search_text: String,
    pub number: Option<i64>,
    pub status: Option<String>,
    pub client_jobber_id: Option<String>,
    pub amount: Option<f64>,
    pub balance: Option<f64>,
    pub jobber_updated_at: Option<DateTimeUtc>,
    pub data: Option<String>,
    pub deleted: bool,
    pub seen_pass: i64,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
