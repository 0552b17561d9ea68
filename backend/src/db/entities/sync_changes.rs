//! `sync_changes`: changes a sync found (new since the previous run), and whether a webhook
//! announced them — the evidence behind webhook health.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub jobber_account_id: String,
    pub kind: crate::db::enums::Resource,
    pub jobber_id: String,
    /// Jobber's `updatedAt` of the change.
    pub changed_at: DateTimeUtc,
    pub found_at: DateTimeUtc,
    /// The local copy already had this version when the sync found it.
    pub prefetched: bool,
    /// `None` until judged, once the grace period has passed.
    pub announced: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
