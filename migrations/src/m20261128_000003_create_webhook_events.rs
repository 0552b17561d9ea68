//! The durable webhook inbox: every acknowledged delivery is a row before we answer 200.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    DedupeKey,
    Topic,
    AppId,
    JobberAccountId,
    ItemId,
    OccurredAt,
    ReceivedAt,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    ProcessedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(
                        ColumnDef::new(WebhookEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // sha256(topic|accountId|itemId|occurredAt): Jobber sends no event id, and
                    // redelivers at least once.
                    .col(ColumnDef::new(WebhookEvents::DedupeKey).string().not_null().unique_key())
                    .col(ColumnDef::new(WebhookEvents::Topic).string().not_null())
                    .col(ColumnDef::new(WebhookEvents::AppId).string().not_null())
                    .col(ColumnDef::new(WebhookEvents::JobberAccountId).string().not_null())
                    .col(ColumnDef::new(WebhookEvents::ItemId).string().not_null())
                    .col(ColumnDef::new(WebhookEvents::OccurredAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(WebhookEvents::ReceivedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(WebhookEvents::Status).string().not_null())
                    .col(ColumnDef::new(WebhookEvents::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(WebhookEvents::NextAttemptAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(WebhookEvents::LockedUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(WebhookEvents::LastError).string().null())
                    .col(ColumnDef::new(WebhookEvents::ProcessedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_events_due")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::Status)
                    .col(WebhookEvents::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_events_account")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::JobberAccountId)
                    .col(WebhookEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookEvents::Table).to_owned()).await
    }
}
