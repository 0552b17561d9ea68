//! Webhook health (issue 14): `sync_changes` records every change a sync found that was new since
//! the previous run of its (account, resource) — the item and Jobber's `updatedAt` — and, once the
//! grace period has passed, whether a webhook announced it. An index on
//! `webhook_events (jobber_account_id, item_id)` lets that check find an item's events.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncChanges {
    Table,
    Id,
    JobberAccountId,
    Kind,
    JobberId,
    ChangedAt,
    FoundAt,
    Prefetched,
    Announced,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    JobberAccountId,
    ItemId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyncChanges::Table)
                    .col(
                        ColumnDef::new(SyncChanges::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SyncChanges::JobberAccountId).string().not_null())
                    .col(ColumnDef::new(SyncChanges::Kind).string().not_null())
                    .col(ColumnDef::new(SyncChanges::JobberId).string().not_null())
                    // Jobber's `updatedAt` of the change.
                    .col(ColumnDef::new(SyncChanges::ChangedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SyncChanges::FoundAt).timestamp_with_time_zone().not_null())
                    // The local copy already had this version when the sync found it (a
                    // webhook-driven fetch, e.g. of a visit's job, brought it).
                    .col(ColumnDef::new(SyncChanges::Prefetched).boolean().not_null().default(false))
                    // NULL until judged (after the grace period).
                    .col(ColumnDef::new(SyncChanges::Announced).boolean().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sync_changes_change")
                    .table(SyncChanges::Table)
                    .col(SyncChanges::JobberAccountId)
                    .col(SyncChanges::Kind)
                    .col(SyncChanges::JobberId)
                    .col(SyncChanges::ChangedAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sync_changes_recent")
                    .table(SyncChanges::Table)
                    .col(SyncChanges::JobberAccountId)
                    .col(SyncChanges::ChangedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_events_item")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::JobberAccountId)
                    .col(WebhookEvents::ItemId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_webhook_events_item").table(WebhookEvents::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(SyncChanges::Table).to_owned()).await
    }
}
