//! The `audit_log` table: an append-only record of every lifecycle change of an install and every
//! operator action, with time, account, actor and a short detail.
//!
//! Entries are written only through [`record`], with the caller's connection: a transaction that
//! also holds the change being recorded, so both commit or neither does. Nothing updates an entry
//! (a trigger refuses it) and only retention ([`super::retention`], `AUDIT_RETENTION_DAYS`)
//! deletes them, through [`expired_ids`] and [`delete_expired`].
//!
//! A detail is a few plain words. It never holds a token, an OAuth code, a secret, or the
//! merchant's customers' data; the account's name and the acting Jobber user's name are fine.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{
    Db,
    entities::{
        audit_log::{self, Column as C, Entity},
        connections,
    },
    enums::{Actor, AuditKind},
};

/// Longest detail stored, in characters (a detail is a short sentence; this only bounds mistakes).
const MAX_DETAIL_CHARS: usize = 500;

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The Jobber account concerned; `None` for fleet-wide entries (key rotation).
    pub jobber_account_id: Option<&'a str>,
    /// The account's name as known now.
    pub account_name: Option<&'a str>,
    pub kind: AuditKind,
    pub actor: Actor,
    /// The acting person: the Jobber user's name for [`Actor::Merchant`], the operator's label.
    pub actor_name: Option<&'a str>,
    /// A few plain words (see the module docs for what never goes here).
    pub detail: String,
}

impl<'a> NewEntry<'a> {
    /// An entry about the account of `connection` (its id and current name), no actor name.
    pub fn about(connection: &'a connections::Model, kind: AuditKind, actor: Actor, detail: String) -> Self {
        Self {
            jobber_account_id: Some(&connection.jobber_account_id),
            account_name: Some(&connection.account_name),
            kind,
            actor,
            actor_name: None,
            detail,
        }
    }

    /// The same entry, naming who acted.
    pub fn by(self, actor_name: Option<&'a str>) -> Self {
        Self { actor_name, ..self }
    }
}

/// Appends one entry through `db` (a transaction: the caller's lifecycle change and the entry
/// commit together).
pub async fn record<D: ConnectionTrait>(db: &D, entry: NewEntry<'_>) -> Result<(), DbErr> {
    let mut detail = entry.detail;
    if let Some((cut, _)) = detail.char_indices().nth(MAX_DETAIL_CHARS) {
        detail.truncate(cut);
    }
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        jobber_account_id: Set(entry.jobber_account_id.map(str::to_owned)),
        account_name: Set(entry.account_name.map(str::to_owned)),
        kind: Set(entry.kind),
        actor: Set(entry.actor),
        actor_name: Set(entry.actor_name.map(str::to_owned)),
        detail: Set(detail),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Newest first (id descending): optionally one account, optionally at >= since, optionally
/// id < before_id; at most `limit`.
pub async fn page(
    db: &Db,
    jobber_account_id: Option<&str>,
    since: Option<DateTime<Utc>>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_log::Model>, DbErr> {
    let mut q = Entity::find().order_by_desc(C::Id).limit(limit);
    if let Some(account) = jobber_account_id {
        q = q.filter(C::JobberAccountId.eq(account));
    }
    if let Some(since) = since {
        q = q.filter(C::At.gte(since));
    }
    if let Some(id) = before_id {
        q = q.filter(C::Id.lt(id));
    }
    q.all(db.reader()).await
}

/// Retention: ids of up to `limit` entries written before `before`, oldest first (read through
/// the read-only pool, by the `at` index).
pub(super) async fn expired_ids(db: &Db, before: DateTime<Utc>, limit: u64) -> Result<Vec<i64>, DbErr> {
    Entity::find()
        .select_only()
        .column(C::Id)
        .filter(C::At.lt(before))
        .order_by_asc(C::At)
        .limit(limit)
        .into_tuple()
        .all(db.reader())
        .await
}

/// How many entries were written before `before` (a dry run of retention).
pub(super) async fn count_expired(db: &Db, before: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Entity::find().filter(C::At.lt(before)).count(db.reader()).await
}

/// Retention: deletes the entries among `ids` written before `before`. Returns how many.
pub(super) async fn delete_expired(db: &Db, ids: &[i64], before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(C::Id.is_in(ids.iter().copied()))
        .filter(C::At.lt(before))
        .exec(db.writer())
        .await?
        .rows_affected)
}
