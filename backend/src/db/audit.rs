//! The audit log (placeholder; replaced by the audit branch).
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{
    Db,
    entities::audit_log::{self, ActiveModel, Column as C, Entity},
    enums::{Actor, AuditKind},
};

pub struct NewEntry<'a> {
    pub jobber_account_id: Option<&'a str>,
    pub account_name: Option<&'a str>,
    pub kind: AuditKind,
    pub actor: Actor,
    pub actor_name: Option<&'a str>,
    pub detail: String,
}

pub async fn record<D: ConnectionTrait>(db: &D, entry: NewEntry<'_>) -> Result<(), DbErr> {
    ActiveModel {
        at: Set(Utc::now()),
        jobber_account_id: Set(entry.jobber_account_id.map(str::to_owned)),
        account_name: Set(entry.account_name.map(str::to_owned)),
        kind: Set(entry.kind),
        actor: Set(entry.actor),
        actor_name: Set(entry.actor_name.map(str::to_owned)),
        detail: Set(entry.detail),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn page(
    db: &Db,
    jobber_account_id: Option<&str>,
    since: Option<DateTime<Utc>>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_log::Model>, DbErr> {
    let mut q = Entity::find().order_by_desc(C::Id).limit(limit);
    if let Some(a) = jobber_account_id {
        q = q.filter(C::JobberAccountId.eq(a));
    }
    if let Some(t) = since {
        q = q.filter(C::At.gte(t));
    }
    if let Some(id) = before_id {
        q = q.filter(C::Id.lt(id));
    }
    q.all(db.reader()).await
}
