//! The `sync_records` table: one row per synced Jobber item, scoped by account. The item itself
//! is stored as JSON in `data` (Jobber's shape, written and read back by `sync::resources`' typed
//! items); the columns beside it are what we index and sort on.
//!
//! Writes are idempotent and order-proof:
//! - the unique key (account, kind, Jobber id) makes every write an upsert: never a duplicate;
//! - an upsert replaces the stored item only when Jobber's `updatedAt` is not older than the
//!   stored one, so a page fetched before a webhook's re-fetch cannot undo it;
//! - a delete leaves a tombstone that no later upsert revives (Jobber never reuses ids), so a
//!   page fetched before the delete cannot bring the item back.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, PaginatorTrait};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};

use super::{
    entities::sync_records::{self, Column as C},
    enums::Resource,
};

/// One item as fetched from Jobber, with the columns we index extracted (see
/// `sync::resources`, which builds these from typed items).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    pub jobber_id: String,
    pub title: String,
    pub search_text: String,
    pub number: Option<i64>,
    pub status: Option<String>,
    pub client_jobber_id: Option<String>,
    pub amount: Option<f64>,
    pub balance: Option<f64>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The item as Jobber sent it (JSON).
    pub data: String,
}

/// Upserts `rows` of `resource` for the account, marking them seen by full pass `pass`.
/// Call inside the transaction that also commits the checkpoint.
pub async fn upsert<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    resource: Resource,
    rows: &[RecordRow],
    pass: i64,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let backend = db.get_database_backend();
    // Fresh: the incoming item is not older than the stored one (Jobber's updatedAt; items
    // without one, like properties, are always fresh).
    let fresh = "(excluded.jobber_updated_at IS NULL OR sync_records.jobber_updated_at IS NULL \
                 OR excluded.jobber_updated_at >= sync_records.jobber_updated_at)";
    let pick =
        |col: &str| Expr::cust(format!("CASE WHEN {fresh} THEN excluded.{col} ELSE sync_records.{col} END"));
    let max = if backend == DatabaseBackend::Postgres { "GREATEST" } else { "MAX" };
    let mut on_conflict = OnConflict::columns([C::JobberAccountId, C::Kind, C::JobberId]);
    on_conflict.values([
        (C::Title, pick("title")),
        (C::SearchText, pick("search_text")),
        (C::Number, pick("number")),
        (C::Status, pick("status")),
        (C::ClientJobberId, pick("client_jobber_id")),
        (C::Amount, pick("amount")),
        (C::Balance, pick("balance")),
        (C::JobberUpdatedAt, pick("jobber_updated_at")),
        (C::Data, pick("data")),
        (C::SyncedAt, pick("synced_at")),
        (C::SeenPass, Expr::cust(format!("{max}(excluded.seen_pass, sync_records.seen_pass)"))),
    ]);
    // A tombstone stays a tombstone.
    on_conflict.action_and_where(Expr::cust("sync_records.deleted = FALSE"));
    let mut insert = Query::insert();
    insert
        .into_table(sync_records::Entity)
        .columns([
            C::JobberAccountId,
            C::Kind,
            C::JobberId,
            C::Title,
            C::SearchText,
            C::Number,
            C::Status,
            C::ClientJobberId,
            C::Amount,
            C::Balance,
            C::JobberUpdatedAt,
            C::Data,
            C::Deleted,
            C::SeenPass,
            C::SyncedAt,
        ])
        .on_conflict(on_conflict);
    for r in rows {
        insert.values_panic([
            account_id.into(),
            resource.into(),
            r.jobber_id.clone().into(),
            r.title.clone().into(),
            r.search_text.clone().into(),
            r.number.into(),
            r.status.clone().into(),
            r.client_jobber_id.clone().into(),
            r.amount.into(),
            r.balance.into(),
            r.updated_at.into(),
            Some(r.data.clone()).into(),
            false.into(),
            pass.into(),
            now.into(),
        ]);
    }
    db.execute(&insert).await?;
    Ok(())
}

/// Records that Jobber no longer has the item: a tombstone, created if the item was never seen.
pub async fn tombstone<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    resource: Resource,
    jobber_id: &str,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut insert = Query::insert();
    insert
        .into_table(sync_records::Entity)
        .columns([
            C::JobberAccountId,
            C::Kind,
            C::JobberId,
            C::Title,
            C::SearchText,
            C::Deleted,
            C::SeenPass,
            C::SyncedAt,
        ])
        .values_panic([
            account_id.into(),
            resource.into(),
            jobber_id.into(),
            "".into(),
            "".into(),
            true.into(),
            0i64.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([C::JobberAccountId, C::Kind, C::JobberId])
                .values([
                    (C::Deleted, Expr::value(true)),
                    (C::Data, Expr::value(Option::<String>::None)),
                    (C::SearchText, Expr::value("")),
                    (C::SyncedAt, Expr::value(now)),
                ])
                .to_owned(),
        );
    db.execute(&insert).await?;
    Ok(())
}

/// Whether the item is known to be deleted.
pub async fn is_tombstoned<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    resource: Resource,
    jobber_id: &str,
) -> Result<bool, DbErr> {
    Ok(sync_records::Entity::find()
        .filter(C::JobberAccountId.eq(account_id))
        .filter(C::Kind.eq(resource))
        .filter(C::JobberId.eq(jobber_id))
        .filter(C::Deleted.eq(true))
        .count(db)
        .await?
        > 0)
}

/// Live items of the resource not seen by full pass `pass` (the sweep's candidates).
pub async fn unseen<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    resource: Resource,
    pass: i64,
) -> Result<Vec<String>, DbErr> {
    sync_records::Entity::find()
        .select_only()
        .column(C::JobberId)
        .filter(C::JobberAccountId.eq(account_id))
        .filter(C::Kind.eq(resource))
        .filter(C::Deleted.eq(false))
        .filter(C::SeenPass.lt(pass))
        .order_by_asc(C::Id)
        .into_tuple::<String>()
        .all(db)
        .await
}

/// Live items of the resource in the account.
pub async fn count_live<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    resource: Resource,
) -> Result<u64, DbErr> {
    sync_records::Entity::find()
        .filter(C::JobberAccountId.eq(account_id))
        .filter(C::Kind.eq(resource))
        .filter(C::Deleted.eq(false))
        .count(db)
        .await
}

/// Deletes every synced item of the account (tombstones included).
pub async fn purge_account<D: ConnectionTrait>(db: &D, account_id: &str) -> Result<u64, DbErr> {
    Ok(sync_records::Entity::delete_many()
        .filter(C::JobberAccountId.eq(account_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// One page of live items for the API: `offset`-based, optional search over names, emails,
/// phones, addresses, numbers and titles. Returns the page and the total matching count.
pub async fn browse<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    resource: Resource,
    search: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<sync_records::Model>, u64), DbErr> {
    let mut q = sync_records::Entity::find()
        .filter(C::JobberAccountId.eq(account_id))
        .filter(C::Kind.eq(resource))
        .filter(C::Deleted.eq(false));
    if let Some(term) = search.map(str::trim).filter(|t| !t.is_empty()) {
        for word in term.to_lowercase().split_whitespace() {
            let escaped = word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            let pattern = || sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\');
            let own = Expr::col((sync_records::Entity, C::SearchText)).like(pattern());
            q = q.filter(if resource == Resource::Clients {
                own
            } else {
                // Rows show their client's name, so a word may match it instead (every word must
                // match the row or its client).
                let mut clients = Query::select();
                clients
                    .column(C::JobberId)
                    .from_as(sync_records::Entity, Alias::new("owner"))
                    .and_where(Expr::col((Alias::new("owner"), C::JobberAccountId)).eq(account_id))
                    .and_where(Expr::col((Alias::new("owner"), C::Kind)).eq(Resource::Clients))
                    .and_where(Expr::col((Alias::new("owner"), C::Deleted)).eq(false))
                    .and_where(Expr::col((Alias::new("owner"), C::SearchText)).like(pattern()));
                own.or(Expr::col((sync_records::Entity, C::ClientJobberId)).in_subquery(clients))
            });
        }
    }
    let total = q.clone().count(db).await?;
    let q = match resource {
        Resource::Clients | Resource::Properties => q.order_by_asc(C::Title),
        _ => q.order_by_desc(C::Number),
    };
    let rows = q.order_by_asc(C::Id).offset(offset).limit(limit).all(db).await?;
    Ok((rows, total))
}

/// Titles (client names) of the given clients of the account, for labelling related items.
pub async fn client_names<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
    ids: Vec<String>,
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(String, String)> = sync_records::Entity::find()
        .select_only()
        .columns([C::JobberId, C::Title])
        .filter(C::JobberAccountId.eq(account_id))
        .filter(C::Kind.eq(Resource::Clients))
        .filter(C::Deleted.eq(false))
        .filter(C::JobberId.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Live items of the account per resource.
pub async fn counts_by_kind<D: ConnectionTrait>(
    db: &D,
    account_id: &str,
) -> Result<std::collections::HashMap<Resource, i64>, DbErr> {
    Ok(sync_records::Entity::find()
        .select_only()
        .column(C::Kind)
        .column_as(C::Id.count(), "n")
        .filter(C::JobberAccountId.eq(account_id))
        .filter(C::Deleted.eq(false))
        .group_by(C::Kind)
        .into_tuple::<(Resource, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}
