//! Sync storage: the merchant's synced Jobber records and the per-resource checkpoints.
//!
//! `sync_records` holds every synced item of the five resources in one account-scoped table: the
//! columns the app filters, sorts and searches on, plus the item as Jobber sent it (`data`, JSON).
//! A deleted item stays as a tombstone (`deleted`, no `data`) so that a page fetched before the
//! delete cannot bring it back. `sync_state` is one row per (account, resource): the checkpoint
//! (cursor, high-water `updatedAt`, full-pass number) committed with every page, the run's
//! progress, the pending request and the lease of the worker running it.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncRecords {
    Table,
    Id,
    JobberAccountId,
    Kind,
    JobberId,
    Title,
    SearchText,
    Number,
    Status,
    ClientJobberId,
    Amount,
    Balance,
    JobberUpdatedAt,
    Data,
    Deleted,
    SeenPass,
    SyncedAt,
}

#[derive(DeriveIden)]
enum SyncState {
    Table,
    Id,
    JobberAccountId,
    Resource,
    State,
    Mode,
    RequestedMode,
    Pass,
    Cursor,
    HighWater,
    RunHighWater,
    Fetched,
    Total,
    PageSize,
    StartedAt,
    FinishedAt,
    LastSuccessAt,
    LastFullSuccessAt,
    Error,
    Failures,
    NotBefore,
    LeaseOwner,
    LeaseUntil,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyncRecords::Table)
                    .col(
                        ColumnDef::new(SyncRecords::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SyncRecords::JobberAccountId).string().not_null())
                    // CLIENT, PROPERTY, JOB, QUOTE or INVOICE.
                    .col(ColumnDef::new(SyncRecords::Kind).string().not_null())
                    .col(ColumnDef::new(SyncRecords::JobberId).string().not_null())
                    .col(ColumnDef::new(SyncRecords::Title).string().not_null())
                    // Lower-cased names, emails, phones, addresses, numbers: what search matches.
                    .col(ColumnDef::new(SyncRecords::SearchText).text().not_null())
                    .col(ColumnDef::new(SyncRecords::Number).big_integer().null())
                    .col(ColumnDef::new(SyncRecords::Status).string().null())
                    .col(ColumnDef::new(SyncRecords::ClientJobberId).string().null())
                    .col(ColumnDef::new(SyncRecords::Amount).double().null())
                    .col(ColumnDef::new(SyncRecords::Balance).double().null())
                    .col(ColumnDef::new(SyncRecords::JobberUpdatedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncRecords::Data).text().null())
                    .col(ColumnDef::new(SyncRecords::Deleted).boolean().not_null().default(false))
                    .col(ColumnDef::new(SyncRecords::SeenPass).big_integer().not_null().default(0))
                    .col(ColumnDef::new(SyncRecords::SyncedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sync_records_item")
                    .table(SyncRecords::Table)
                    .col(SyncRecords::JobberAccountId)
                    .col(SyncRecords::Kind)
                    .col(SyncRecords::JobberId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sync_records_browse")
                    .table(SyncRecords::Table)
                    .col(SyncRecords::JobberAccountId)
                    .col(SyncRecords::Kind)
                    .col(SyncRecords::Deleted)
                    .col(SyncRecords::Title)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncState::Table)
                    .col(
                        ColumnDef::new(SyncState::Id).big_integer().not_null().auto_increment().primary_key(),
                    )
                    .col(ColumnDef::new(SyncState::JobberAccountId).string().not_null())
                    .col(ColumnDef::new(SyncState::Resource).string().not_null())
                    // IDLE, RUNNING, DONE or FAILED.
                    .col(ColumnDef::new(SyncState::State).string().not_null())
                    // FULL or INCREMENTAL: the current (or last) run.
                    .col(ColumnDef::new(SyncState::Mode).string().null())
                    // A run asked for and not started yet.
                    .col(ColumnDef::new(SyncState::RequestedMode).string().null())
                    // Full passes started; rows not seen by the current pass are sweep candidates.
                    .col(ColumnDef::new(SyncState::Pass).big_integer().not_null().default(0))
                    .col(ColumnDef::new(SyncState::Cursor).string().null())
                    .col(ColumnDef::new(SyncState::HighWater).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncState::RunHighWater).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncState::Fetched).big_integer().not_null().default(0))
                    .col(ColumnDef::new(SyncState::Total).big_integer().null())
                    .col(ColumnDef::new(SyncState::PageSize).integer().null())
                    .col(ColumnDef::new(SyncState::StartedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncState::FinishedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncState::LastSuccessAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncState::LastFullSuccessAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncState::Error).string().null())
                    .col(ColumnDef::new(SyncState::Failures).integer().not_null().default(0))
                    .col(ColumnDef::new(SyncState::NotBefore).timestamp_with_time_zone().null())
                    // The run holding the resource (a fencing token: writes check it).
                    .col(ColumnDef::new(SyncState::LeaseOwner).string().null())
                    .col(ColumnDef::new(SyncState::LeaseUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SyncState::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sync_state_resource")
                    .table(SyncState::Table)
                    .col(SyncState::JobberAccountId)
                    .col(SyncState::Resource)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SyncState::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SyncRecords::Table).to_owned()).await
    }
}
