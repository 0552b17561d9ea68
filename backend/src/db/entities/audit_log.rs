//! `audit_log`: who did what to which install, and when. Append-only (see [`crate::db::audit`]).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The Jobber account concerned; `None` for fleet-wide entries (key rotation).
    pub jobber_account_id: Option<String>,
    /// The account's name when the entry was written.
    pub account_name: Option<String>,
    pub kind: crate::db::enums::AuditKind,
    pub actor: crate::db::enums::Actor,
    /// The acting person where there is one: the Jobber user for `MERCHANT`, the operator's label.
    pub actor_name: Option<String>,
    /// A short detail in plain words: never a token, a code, a secret or customer data.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
