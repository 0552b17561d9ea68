//! `audit_log`: append-only record of lifecycle changes and operator actions.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub jobber_account_id: Option<String>,
    pub account_name: Option<String>,
    pub kind: crate::db::enums::AuditKind,
    pub actor: crate::db::enums::Actor,
    pub actor_name: Option<String>,
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
