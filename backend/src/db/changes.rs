//! The `sync_changes` table (the evidence behind webhook health) and the inbox reads it is
//! judged against. Every query takes the account it is scoped to, except the scheduler's
//! fleet-wide ones (`due_for_judging`, `accounts_with_changes_since`, `prune`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::OnConflict,
};

pub use super::entities::sync_changes::Model;
use super::{
    Db,
    entities::{
        sync_changes::{self, Column as C},
        sync_records, webhook_events,
    },
    enums::Resource,
};

/// The stored `updatedAt` of each of `ids` that the account has (tombstones included).
pub async fn stored_versions<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    resource: Resource,
    ids: Vec<String>,
) -> Result<HashMap<String, Option<DateTime<Utc>>>, DbErr> {
    use sync_records::Column as R;
    Ok(sync_records::Entity::find()
        .select_only()
        .column(R::JobberId)
        .column(R::JobberUpdatedAt)
        .filter(R::JobberAccountId.eq(account_id))
        .filter(R::Kind.eq(resource))
        .filter(R::JobberId.is_in(ids))
        .into_tuple::<(String, Option<DateTime<Utc>>)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// One change a sync found.
#[derive(Debug, Clone)]
pub struct Found {
    pub jobber_id: String,
    pub changed_at: DateTime<Utc>,
    pub prefetched: bool,
}

/// Records changes found (a change seen twice, e.g. in the re-read overlap, is stored once).
pub async fn record<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    resource: Resource,
    found: Vec<Found>,
) -> Result<(), DbErr> {
    if found.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = found.into_iter().map(|f| sync_changes::ActiveModel {
        jobber_account_id: Set(account_id.to_owned()),
        kind: Set(resource),
        jobber_id: Set(f.jobber_id),
        changed_at: Set(f.changed_at),
        found_at: Set(now),
        prefetched: Set(f.prefetched),
        announced: Set(f.prefetched.then_some(true)),
        ..Default::default()
    });
    sync_changes::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([C::JobberAccountId, C::Kind, C::JobberId, C::ChangedAt])
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec(db)
        .await?;
    Ok(())
}

/// Changes not judged yet whose grace period ended (`changed_at` before `cutoff`), oldest first.
pub async fn due_for_judging(db: &Db, cutoff: DateTime<Utc>, limit: u64) -> Result<Vec<Model>, DbErr> {
    sync_changes::Entity::find()
        .filter(C::Announced.is_null())
        .filter(C::ChangedAt.lt(cutoff))
        .order_by_asc(C::Id)
        .limit(limit)
        .all(db.reader())
        .await
}

/// The account's webhook events for `items`: (item, occurredAt, receivedAt).
pub async fn events_for_items(
    db: &Db,
    account_id: &str,
    items: Vec<String>,
) -> Result<Vec<(String, DateTime<Utc>, DateTime<Utc>)>, DbErr> {
    use webhook_events::Column as W;
    webhook_events::Entity::find()
        .select_only()
        .column(W::ItemId)
        .column(W::OccurredAt)
        .column(W::ReceivedAt)
        .filter(W::JobberAccountId.eq(account_id))
        .filter(W::ItemId.is_in(items))
        .into_tuple()
        .all(db.reader())
        .await
}

/// Stores verdicts: `announced` for the ids in `yes`, not for those in `no`.
pub async fn set_announced(db: &Db, yes: Vec<i64>, no: Vec<i64>) -> Result<(), DbErr> {
    for (ids, value) in [(yes, true), (no, false)] {
        if ids.is_empty() {
            continue;
        }
        sync_changes::Entity::update_many()
            .col_expr(C::Announced, sea_orm::sea_query::Expr::value(value))
            .filter(C::Id.is_in(ids))
            .exec(db.writer())
            .await?;
    }
    Ok(())
}

/// The account's judged changes since `since`, newest first, at most `limit`.
pub async fn recent_judged(
    db: &Db,
    account_id: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    sync_changes::Entity::find()
        .filter(C::JobberAccountId.eq(account_id))
        .filter(C::ChangedAt.gte(since))
        .filter(C::Announced.is_not_null())
        .order_by_desc(C::ChangedAt)
        .order_by_desc(C::Id)
        .limit(limit)
        .all(db.reader())
        .await
}

/// Accounts with changes found since `since`.
pub async fn accounts_with_changes_since(db: &Db, since: DateTime<Utc>) -> Result<Vec<String>, DbErr> {
    sync_changes::Entity::find()
        .select_only()
        .column(C::JobberAccountId)
        .distinct()
        .filter(C::ChangedAt.gte(since))
        .into_tuple()
        .all(db.reader())
        .await
}

/// Whether any change found since `since` was judged unannounced (fleet-wide).
pub async fn unannounced_since(db: &Db, since: DateTime<Utc>) -> Result<bool, DbErr> {
    Ok(sync_changes::Entity::find()
        .filter(C::FoundAt.gte(since))
        .filter(C::Announced.eq(false))
        .one(db.reader())
        .await?
        .is_some())
}

/// When the newest webhook was received: for the account, or app-wide with `None`. Read through
/// the primary key (ids grow with arrival), not a scan.
pub async fn last_received(db: &Db, account_id: Option<&str>) -> Result<Option<DateTime<Utc>>, DbErr> {
    use webhook_events::Column as W;
    let mut q = webhook_events::Entity::find().select_only().column(W::ReceivedAt);
    if let Some(account) = account_id {
        q = q.filter(W::JobberAccountId.eq(account));
    }
    q.order_by_desc(W::Id).limit(1).into_tuple().one(db.reader()).await
}

/// The newest webhook received for each of `accounts` (any topic), by the accounts'
/// `connections` rows: one index seek per account (`idx_webhook_events_account`, newest id
/// first), in one statement. Accounts without a webhook are absent.
pub async fn last_received_of(db: &Db, accounts: &[String]) -> Result<HashMap<String, DateTime<Utc>>, DbErr> {
    if accounts.is_empty() {
        return Ok(HashMap::new());
    }
    let marks = vec!["?"; accounts.len()].join(", ");
    let sql = format!(
        "SELECT c.jobber_account_id, (SELECT w.received_at FROM webhook_events w \
           WHERE w.jobber_account_id = c.jobber_account_id ORDER BY w.id DESC LIMIT 1) AS received_at \
         FROM connections c WHERE c.jobber_account_id IN ({marks})"
    );
    let values = accounts.iter().map(|a| a.clone().into()).collect();
    let rows = db.reader().query_all_raw(super::stmt(db.backend(), &sql, values)).await?;
    let mut out = HashMap::new();
    for r in rows {
        if let Some(at) = r.try_get::<Option<DateTime<Utc>>>("", "received_at")? {
            out.insert(r.try_get("", "jobber_account_id")?, at);
        }
    }
    Ok(out)
}

/// [`recent_judged`] of each of `accounts` at once, as the `announced` flags newest first (at
/// most `limit` per account), in one statement (a window per account over
/// `idx_sync_changes_recent`). Accounts without judged changes are absent.
pub async fn recent_judged_of(
    db: &Db,
    accounts: &[String],
    since: DateTime<Utc>,
    limit: u64,
) -> Result<HashMap<String, Vec<bool>>, DbErr> {
    if accounts.is_empty() {
        return Ok(HashMap::new());
    }
    let marks = vec!["?"; accounts.len()].join(", ");
    let sql = format!(
        "SELECT jobber_account_id, announced FROM (SELECT jobber_account_id, announced, \
           ROW_NUMBER() OVER (PARTITION BY jobber_account_id ORDER BY changed_at DESC, id DESC) AS n \
           FROM sync_changes WHERE jobber_account_id IN ({marks}) AND changed_at >= ? AND announced IS NOT NULL) \
         AS judged WHERE n <= ? ORDER BY jobber_account_id, n"
    );
    let mut values: Vec<sea_orm::Value> = accounts.iter().map(|a| a.clone().into()).collect();
    values.push(since.into());
    values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    let rows = db.reader().query_all_raw(super::stmt(db.backend(), &sql, values)).await?;
    let mut out: HashMap<String, Vec<bool>> = HashMap::new();
    for r in rows {
        out.entry(r.try_get("", "jobber_account_id")?).or_default().push(r.try_get("", "announced")?);
    }
    Ok(out)
}

/// The next `limit` ids after `after` (in id order), each with whether its change was made
/// before `before`: a retention walk reads the table this way, one page at a time.
pub async fn page_for_pruning(
    db: &Db,
    after: i64,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(i64, bool)>, DbErr> {
    let rows: Vec<(i64, DateTime<Utc>)> = sync_changes::Entity::find()
        .select_only()
        .columns([C::Id, C::ChangedAt])
        .filter(C::Id.gt(after))
        .order_by_asc(C::Id)
        .limit(limit)
        .into_tuple()
        .all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|(id, at)| (id, at < before)).collect())
}

/// How many changes were made before `before`.
pub async fn count_older(db: &Db, before: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait as _;
    sync_changes::Entity::find().filter(C::ChangedAt.lt(before)).count(db.reader()).await
}

/// Removes the changes among `ids` made before `before`.
pub async fn delete_older(db: &Db, ids: &[i64], before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(sync_changes::Entity::delete_many()
        .filter(C::Id.is_in(ids.iter().copied()))
        .filter(C::ChangedAt.lt(before))
        .exec(db.writer())
        .await?
        .rows_affected)
}
